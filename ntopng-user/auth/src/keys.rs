//! ntopng's key names for users, tokens, sessions and the login lockout.

/// `ntopng.user.<user>.<field>`: one string key per user attribute.
pub fn user(user: &str, field: &str) -> String {
    format!("ntopng.user.{user}.{field}")
}

/// Hash `token -> user` of every API token.
pub const API_TOKENS: &str = "ntopng.api_tokens";

/// `sessions.<id>` = `user|group|csrf|localuser`, expiring with the session.
pub fn session(id: &str) -> String {
    format!("sessions.{id}")
}

/// Failed logins from one client address (expires [`crate::LOCKOUT_WINDOW`] after the first failure).
pub fn failed_logins(ip: &str) -> String {
    format!("ntopng.cache.failed_logins.{ip}")
}

/// `1` once the admin password is no longer the default one.
pub const ADMIN_PASSWORD_CHANGED: &str = "ntopng.prefs.admin_password_changed";

/// The per-user fields a user owns (all deleted with the user).
pub const USER_FIELDS: [&str; 13] = [
    "password",
    "group",
    "full_name",
    "allowed_nets",
    "allowed_ifname",
    "language",
    "api_token",
    "allow_pcap_download",
    "allow_historical_flow",
    "allow_alerts",
    "host_pool_id",
    "totp_secret",
    "totp_enabled",
];
