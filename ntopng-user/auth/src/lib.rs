//! ntopng's local users and how they authenticate: passwords, API tokens, login sessions with their CSRF
//! token, and the per-address lockout after repeated failures, all kept in the key-value store under
//! ntopng's key names (rest_v2.md §2):
//!
//! | key | content |
//! |---|---|
//! | `ntopng.user.<u>.password` | argon2id PHC string (ntopng: MD5 hex, still accepted and upgraded) |
//! | `ntopng.user.<u>.group` / `full_name` / `allowed_nets` / `allowed_ifname` / `language` | strings |
//! | `ntopng.user.<u>.api_token`, hash `ntopng.api_tokens` (token → user) | the user's one API token |
//! | `sessions.<id>` | `user\|group\|csrf\|localuser`, with the session's TTL |
//! | `ntopng.cache.failed_logins.<ip>` | failures from one address, TTL 300 s |
//! | `ntopng.prefs.admin_password_changed` | `1` once `admin` no longer has the password `admin` |
//!
//! [`Users::open`] creates the default `admin`/`admin` user on first start, as ntopng does.

mod keys;
mod password;
mod verified;
pub mod random;
pub mod totp;

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use ntopng_store::{KvStore, StoreError, Ttl};

pub use keys::API_TOKENS;

/// The user ntopng creates on first start.
pub const DEFAULT_ADMIN: &str = "admin";
/// Its password until changed.
pub const DEFAULT_ADMIN_PASSWORD: &str = "admin";
/// The user requests run as when login is disabled.
pub const NOLOGIN_USER: &str = "nologin";
/// Allowed networks of a user who may see everything.
pub const ALL_NETWORKS: &str = "0.0.0.0/0,::/0";
/// Failures from one address after which logins from it are refused...
pub const MAX_FAILED_LOGINS: i64 = 5;
/// ...until this long after the first of them.
pub const LOCKOUT_WINDOW: Duration = Duration::from_secs(300);
/// ntopng's default session duration.
pub const DEFAULT_SESSION_DURATION: Duration = Duration::from_secs(43200);
/// The groups a user may belong to.
pub const GROUPS: [&str; 3] = ["administrator", "unprivileged", "captive_portal"];

/// Why an operation on users failed.
#[derive(Debug)]
pub enum AuthError {
    Store(StoreError),
    NoSuchUser(String),
    UserExists(String),
    /// Empty, too long, or with characters that cannot be part of a key or a Basic credential.
    InvalidUserName(String),
    InvalidGroup(String),
    /// Not a comma-separated list of CIDRs.
    InvalidNetworks(String),
    InvalidPassword(&'static str),
    /// Unknown user or wrong password (deliberately not telling which).
    BadCredentials,
    /// Too many failures from this address; retry after the given time.
    LockedOut {
        retry_after: Duration,
    },
    /// The old password given for a password change is wrong.
    WrongOldPassword,
    /// The caller may not do this (e.g. a non-administrator changing another user's password).
    NotAllowed(&'static str),
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::Store(e) => write!(f, "key-value store: {e}"),
            AuthError::NoSuchUser(u) => write!(f, "no such user: {u}"),
            AuthError::UserExists(u) => write!(f, "user {u} already exists"),
            AuthError::InvalidUserName(u) => write!(f, "invalid user name {u:?}"),
            AuthError::InvalidGroup(g) => write!(f, "invalid group {g:?} (one of {})", GROUPS.join(", ")),
            AuthError::InvalidNetworks(n) => write!(f, "invalid allowed networks {n:?} (comma-separated CIDRs)"),
            AuthError::InvalidPassword(why) => write!(f, "invalid password: {why}"),
            AuthError::BadCredentials => write!(f, "invalid user name or password"),
            AuthError::LockedOut { retry_after } => {
                write!(f, "too many failed logins from this address; retry in {} s", retry_after.as_secs().max(1))
            }
            AuthError::WrongOldPassword => write!(f, "the old password is wrong"),
            AuthError::NotAllowed(why) => write!(f, "not allowed: {why}"),
        }
    }
}

impl std::error::Error for AuthError {}

impl From<StoreError> for AuthError {
    fn from(e: StoreError) -> Self {
        AuthError::Store(e)
    }
}

pub type Result<T> = std::result::Result<T, AuthError>;

/// What is known about a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    pub name: String,
    pub full_name: String,
    pub group: String,
    /// Comma-separated CIDRs.
    pub allowed_nets: String,
    /// The one interface the user may see, empty for all.
    pub allowed_ifname: String,
    pub language: String,
    pub allow_pcap_download: bool,
    pub allow_historical_flow: bool,
    pub allow_alerts: bool,
    pub host_pool_id: Option<String>,
}

impl UserInfo {
    pub fn is_administrator(&self) -> bool {
        self.group == "administrator"
    }
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: String,
    pub full_name: String,
    pub password: String,
    pub group: String,
    /// Empty means all networks.
    pub allowed_nets: String,
    pub allowed_ifname: String,
    /// Empty means `en`.
    pub language: String,
}

impl NewUser {
    pub fn new(name: &str, password: &str, group: &str) -> Self {
        NewUser {
            name: name.into(),
            full_name: String::new(),
            password: password.into(),
            group: group.into(),
            allowed_nets: String::new(),
            allowed_ifname: String::new(),
            language: String::new(),
        }
    }
}

/// A login session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// 32 hex characters: the cookie value.
    pub id: String,
    pub user: String,
    pub group: String,
    /// The token form and JSON POSTs of this session must carry.
    pub csrf: String,
    /// Authenticated against the local user database (always, here).
    pub localuser: bool,
}

/// A user permission stored as a `0`/`1` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    PcapDownload,
    HistoricalFlows,
    Alerts,
}

impl Permission {
    fn field(self) -> &'static str {
        match self {
            Permission::PcapDownload => "allow_pcap_download",
            Permission::HistoricalFlows => "allow_historical_flow",
            Permission::Alerts => "allow_alerts",
        }
    }
}

/// The users of one ntopng instance. Thread-safe; every method goes to the store (nothing is cached, so
/// several processes sharing a Redis see each other's changes).
pub struct Users {
    store: Arc<dyn KvStore>,
    session_duration: Duration,
    verified: verified::Verified,
}

impl fmt::Debug for Users {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Users({})", self.store.backend())
    }
}

impl Users {
    /// Opens the users of `store`, creating the default `admin` on first start, and records whether its
    /// password is still the default one.
    pub fn open(store: Arc<dyn KvStore>) -> Result<Users> {
        let users = Users { store, session_duration: DEFAULT_SESSION_DURATION, verified: verified::Verified::new() };
        let admin_pw = keys::user(DEFAULT_ADMIN, "password");
        match users.store.get(&admin_pw)? {
            None => {
                users.add_user(&NewUser {
                    full_name: "ntopng Administrator".into(),
                    ..NewUser::new(DEFAULT_ADMIN, DEFAULT_ADMIN_PASSWORD, "administrator")
                })?;
                log::info!(target: "ntopng::auth", "created the default user admin (password admin: change it)");
            }
            Some(stored) => {
                let (is_default, _) = password::verify(&stored, DEFAULT_ADMIN_PASSWORD);
                if !is_default {
                    users.store.set(keys::ADMIN_PASSWORD_CHANGED, "1", None)?;
                }
            }
        }
        Ok(users)
    }

    /// Sessions created from now on last `d` (ntopng: 43200 s, 604800 s with `--disable-autologout`).
    pub fn set_session_duration(&mut self, d: Duration) {
        self.session_duration = d;
    }

    pub fn session_duration(&self) -> Duration {
        self.session_duration
    }

    pub fn store(&self) -> &Arc<dyn KvStore> {
        &self.store
    }

    // ---- users ----

    pub fn exists(&self, name: &str) -> Result<bool> {
        Ok(valid_name(name) && self.store.exists(&keys::user(name, "password"))?)
    }

    fn require(&self, name: &str) -> Result<()> {
        if self.exists(name)? {
            Ok(())
        } else {
            Err(AuthError::NoSuchUser(name.into()))
        }
    }

    fn field(&self, name: &str, field: &str) -> Result<Option<String>> {
        Ok(self.store.get(&keys::user(name, field))?)
    }

    /// The user `name`, or `None`.
    pub fn get(&self, name: &str) -> Result<Option<UserInfo>> {
        if !self.exists(name)? {
            return Ok(None);
        }
        let f = |field: &str| -> Result<String> { Ok(self.field(name, field)?.unwrap_or_default()) };
        let flag = |p: Permission| -> Result<bool> { Ok(f(p.field())? == "1") };
        let nets = f("allowed_nets")?;
        let lang = f("language")?;
        Ok(Some(UserInfo {
            name: name.into(),
            full_name: f("full_name")?,
            group: f("group")?,
            allowed_nets: if nets.is_empty() { ALL_NETWORKS.into() } else { nets },
            allowed_ifname: f("allowed_ifname")?,
            language: if lang.is_empty() { "en".into() } else { lang },
            allow_pcap_download: flag(Permission::PcapDownload)?,
            allow_historical_flow: flag(Permission::HistoricalFlows)?,
            allow_alerts: flag(Permission::Alerts)?,
            host_pool_id: self.field(name, "host_pool_id")?,
        }))
    }

    /// Every user, sorted by name.
    pub fn list(&self) -> Result<Vec<UserInfo>> {
        let mut out = Vec::new();
        for key in self.store.keys("ntopng.user.*.password")? {
            let name = &key["ntopng.user.".len()..key.len() - ".password".len()];
            if let Some(u) = self.get(name)? {
                out.push(u);
            }
        }
        Ok(out)
    }

    /// Creates a user. [`AuthError::UserExists`] if there is one of that name.
    pub fn add_user(&self, u: &NewUser) -> Result<()> {
        check_name(&u.name)?;
        check_group(&u.group)?;
        check_password(&u.password)?;
        let nets = normalize_nets(&u.allowed_nets)?;
        // The password key is the user's existence: claim it first so concurrent creations cannot both win.
        if !self.store.setnx(&keys::user(&u.name, "password"), &password::hash(&u.password), None)? {
            return Err(AuthError::UserExists(u.name.clone()));
        }
        let set = |field: &str, v: &str| self.store.set(&keys::user(&u.name, field), v, None);
        set("group", &u.group)?;
        set("full_name", &u.full_name)?;
        set("allowed_nets", &nets)?;
        set("allowed_ifname", &u.allowed_ifname)?;
        set("language", if u.language.is_empty() { "en" } else { &u.language })?;
        Ok(())
    }

    /// Deletes a user with its token and sessions. The default `admin` cannot be deleted (the GUI needs one
    /// administrator that always exists).
    pub fn delete_user(&self, name: &str) -> Result<()> {
        if name == DEFAULT_ADMIN {
            return Err(AuthError::NotAllowed("the admin user cannot be deleted"));
        }
        self.require(name)?;
        self.revoke_token(name)?;
        for f in keys::USER_FIELDS {
            self.store.del(&keys::user(name, f))?;
        }
        for key in self.store.keys("sessions.*")? {
            if let Some(v) = self.store.get(&key).ok().flatten() {
                if v.split('|').next() == Some(name) {
                    self.store.del(&key)?;
                }
            }
        }
        Ok(())
    }

    /// Changes `user`'s password on behalf of `by`. A non-administrator may only change their own password
    /// and must give the old one; an administrator needs neither.
    pub fn set_password(&self, by: &str, by_is_admin: bool, user: &str, old: Option<&str>, new: &str) -> Result<()> {
        self.require(user)?;
        check_password(new)?;
        if !by_is_admin {
            if by != user {
                return Err(AuthError::NotAllowed("only administrators can change other users' passwords"));
            }
            if !self.check_password(user, old.unwrap_or(""))? {
                return Err(AuthError::WrongOldPassword);
            }
        }
        self.store.set(&keys::user(user, "password"), &password::hash(new), None)?;
        if user == DEFAULT_ADMIN {
            let changed = if new == DEFAULT_ADMIN_PASSWORD { "0" } else { "1" };
            self.store.set(keys::ADMIN_PASSWORD_CHANGED, changed, None)?;
        }
        Ok(())
    }

    /// Whether `password` is `user`'s, without the lockout bookkeeping of [`Users::verify`].
    pub fn check_password(&self, user: &str, password: &str) -> Result<bool> {
        if !valid_name(user) {
            return Ok(false);
        }
        match self.field(user, "password")? {
            Some(stored) => Ok(password::verify(&stored, password).0),
            None => Ok(false),
        }
    }

    fn set_field(&self, user: &str, field: &str, value: &str) -> Result<()> {
        self.require(user)?;
        self.store.set(&keys::user(user, field), value, None)?;
        Ok(())
    }

    /// Changes the group (`administrator`, `unprivileged`, `captive_portal`). Sessions keep the group they
    /// were created with, as in ntopng.
    pub fn set_group(&self, user: &str, group: &str) -> Result<()> {
        check_group(group)?;
        self.set_field(user, "group", group)
    }

    /// Comma-separated CIDRs; empty means all networks.
    pub fn set_allowed_nets(&self, user: &str, nets: &str) -> Result<()> {
        let nets = normalize_nets(nets)?;
        self.set_field(user, "allowed_nets", &nets)
    }

    /// The one interface the user may see; empty for all.
    pub fn set_allowed_ifname(&self, user: &str, ifname: &str) -> Result<()> {
        self.set_field(user, "allowed_ifname", ifname)
    }

    pub fn set_full_name(&self, user: &str, full_name: &str) -> Result<()> {
        self.set_field(user, "full_name", full_name)
    }

    pub fn set_language(&self, user: &str, language: &str) -> Result<()> {
        self.set_field(user, "language", language)
    }

    pub fn set_host_pool(&self, user: &str, pool_id: &str) -> Result<()> {
        self.set_field(user, "host_pool_id", pool_id)
    }

    pub fn set_permission(&self, user: &str, p: Permission, allow: bool) -> Result<()> {
        self.set_field(user, p.field(), if allow { "1" } else { "0" })
    }

    /// Whether `admin` still has the password `admin` (ntopng then forces a change in the GUI).
    pub fn admin_has_default_password(&self) -> Result<bool> {
        Ok(self.store.get(keys::ADMIN_PASSWORD_CHANGED)?.as_deref() != Some("1"))
    }

    // ---- login ----

    /// Checks a login from `ip`: refused while the address is locked out; a failure counts towards the
    /// lockout ([`MAX_FAILED_LOGINS`] within [`LOCKOUT_WINDOW`]), a success clears the count.
    pub fn verify(&self, ip: &str, user: &str, password: &str) -> Result<UserInfo> {
        if let Some(retry_after) = self.locked_out(ip)? {
            return Err(AuthError::LockedOut { retry_after });
        }
        let stored = if valid_name(user) { self.field(user, "password")? } else { None };
        if let Some(s) = &stored {
            if self.verified.contains(user, s, password) {
                let failed = keys::failed_logins(ip);
                if self.store.exists(&failed)? {
                    self.store.del(&failed)?;
                }
                return self.get(user)?.ok_or_else(|| AuthError::NoSuchUser(user.into()));
            }
        }
        let (ok, legacy) = match &stored {
            Some(s) => password::verify(s, password),
            None => (false, false),
        };
        if !ok {
            let key = keys::failed_logins(ip);
            self.store.incr(&key)?;
            // Only the first failure starts the window (also repairs a key that lost its TTL).
            if !matches!(self.store.ttl(&key)?, Ttl::Expires(_)) {
                self.store.expire(&key, LOCKOUT_WINDOW)?;
            }
            log::warn!(target: "ntopng::auth", "failed login for user {user:?} from {ip}");
            return Err(AuthError::BadCredentials);
        }
        self.store.del(&keys::failed_logins(ip))?;
        if legacy {
            self.store.set(&keys::user(user, "password"), &password::hash(password), None)?;
        } else if let Some(s) = &stored {
            self.verified.insert(user, s, password);
        }
        self.get(user)?.ok_or_else(|| AuthError::NoSuchUser(user.into()))
    }

    /// `Some(time left)` while logins from `ip` are refused.
    pub fn locked_out(&self, ip: &str) -> Result<Option<Duration>> {
        let key = keys::failed_logins(ip);
        let failures = self.store.get(&key)?.and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
        if failures < MAX_FAILED_LOGINS {
            return Ok(None);
        }
        Ok(Some(match self.store.ttl(&key)? {
            Ttl::Expires(d) => d,
            _ => LOCKOUT_WINDOW,
        }))
    }

    // ---- API tokens ----

    /// A new API token for `user` (32 hex characters), replacing the previous one.
    pub fn create_token(&self, user: &str) -> Result<String> {
        self.require(user)?;
        self.revoke_token(user)?;
        let token = random::hex(16);
        self.store.hset(keys::API_TOKENS, &token, user)?;
        self.store.set(&keys::user(user, "api_token"), &token, None)?;
        Ok(token)
    }

    /// Removes `user`'s token; true if there was one.
    pub fn revoke_token(&self, user: &str) -> Result<bool> {
        let key = keys::user(user, "api_token");
        match self.store.get(&key)? {
            Some(old) => {
                self.store.hdel(keys::API_TOKENS, &old)?;
                self.store.del(&key)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// `user`'s current token.
    pub fn user_token(&self, user: &str) -> Result<Option<String>> {
        if !valid_name(user) {
            return Ok(None);
        }
        self.field(user, "api_token")
    }

    /// The user a token belongs to (`None` for an unknown token or a deleted user).
    pub fn token_user(&self, token: &str) -> Result<Option<UserInfo>> {
        if token.is_empty() {
            return Ok(None);
        }
        match self.store.hget(keys::API_TOKENS, token)? {
            Some(user) => self.get(&user),
            None => Ok(None),
        }
    }

    // ---- sessions ----

    /// A new session for `user` lasting `duration` (default: the configured session duration).
    pub fn create_session(&self, user: &str, duration: Option<Duration>) -> Result<Session> {
        let info = self.get(user)?.ok_or_else(|| AuthError::NoSuchUser(user.into()))?;
        let s =
            Session { id: random::hex(16), user: info.name, group: info.group, csrf: random::hex(16), localuser: true };
        let value = format!("{}|{}|{}|{}", s.user, s.group, s.csrf, if s.localuser { 1 } else { 0 });
        let d = duration.filter(|d| !d.is_zero()).unwrap_or(self.session_duration);
        self.store.set(&keys::session(&s.id), &value, Some(d))?;
        Ok(s)
    }

    /// The live session `id` (`None` if unknown, expired, malformed, or its user was deleted).
    pub fn session(&self, id: &str) -> Result<Option<Session>> {
        if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Ok(None);
        }
        let Some(v) = self.store.get(&keys::session(id))? else { return Ok(None) };
        let parts: Vec<&str> = v.split('|').collect();
        if parts.len() < 3 || !self.exists(parts[0])? {
            return Ok(None);
        }
        Ok(Some(Session {
            id: id.into(),
            user: parts[0].into(),
            group: parts[1].into(),
            csrf: parts[2].into(),
            localuser: parts.get(3) != Some(&"0"),
        }))
    }

    /// Ends a session (logout); true if it existed.
    pub fn delete_session(&self, id: &str) -> Result<bool> {
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Ok(false);
        }
        Ok(self.store.del(&keys::session(id))?)
    }

    // ---- TOTP ----

    /// Stores `user`'s base32 TOTP secret.
    pub fn set_totp_secret(&self, user: &str, secret: &str) -> Result<()> {
        if totp::decode_base32(secret).is_none() {
            return Err(AuthError::InvalidPassword("the TOTP secret is not base32"));
        }
        self.set_field(user, "totp_secret", secret)
    }

    pub fn totp_secret(&self, user: &str) -> Result<Option<String>> {
        if !valid_name(user) {
            return Ok(None);
        }
        self.field(user, "totp_secret")
    }

    pub fn set_totp_enabled(&self, user: &str, enabled: bool) -> Result<()> {
        self.set_field(user, "totp_enabled", if enabled { "1" } else { "0" })
    }

    pub fn totp_enabled(&self, user: &str) -> Result<bool> {
        Ok(valid_name(user) && self.field(user, "totp_enabled")?.as_deref() == Some("1"))
    }

    /// Whether `code` is `user`'s current TOTP code (±1 step of 30 s).
    pub fn validate_totp(&self, user: &str, code: &str) -> Result<bool> {
        let Some(secret) = self.totp_secret(user)? else { return Ok(false) };
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        Ok(totp::check(&secret, code, now.as_secs()))
    }
}

/// User names are key components and Basic-auth user ids: no separators, spaces, glob or control characters.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'))
        && !name.starts_with('.')
        && !name.ends_with('.')
}

fn check_name(name: &str) -> Result<()> {
    if valid_name(name) {
        Ok(())
    } else {
        Err(AuthError::InvalidUserName(name.into()))
    }
}

fn check_group(group: &str) -> Result<()> {
    if GROUPS.contains(&group) {
        Ok(())
    } else {
        Err(AuthError::InvalidGroup(group.into()))
    }
}

fn check_password(pw: &str) -> Result<()> {
    if pw.is_empty() {
        Err(AuthError::InvalidPassword("empty"))
    } else if pw.len() > 1024 {
        Err(AuthError::InvalidPassword("longer than 1024 bytes"))
    } else {
        Ok(())
    }
}

/// Validates a comma-separated CIDR list (spaces ignored); empty → all networks.
fn normalize_nets(nets: &str) -> Result<String> {
    let items: Vec<&str> = nets.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    if items.is_empty() {
        return Ok(ALL_NETWORKS.into());
    }
    for item in &items {
        let ok = match item.split_once('/') {
            Some((addr, len)) => match (addr.parse::<IpAddr>(), len.parse::<u8>()) {
                (Ok(IpAddr::V4(_)), Ok(l)) => l <= 32,
                (Ok(IpAddr::V6(_)), Ok(l)) => l <= 128,
                _ => false,
            },
            None => item.parse::<IpAddr>().is_ok(),
        };
        if !ok {
            return Err(AuthError::InvalidNetworks(nets.into()));
        }
    }
    Ok(items.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in ["admin", "jane.doe", "a_b-c", "x@corp"] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in ["", "a b", "a|b", "a*", "a:b", ".a", "a.", "a\n"] {
            assert!(!valid_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn networks() {
        assert_eq!(normalize_nets("").unwrap(), ALL_NETWORKS);
        assert_eq!(normalize_nets(" 10.0.0.0/8 , fe80::/10").unwrap(), "10.0.0.0/8,fe80::/10");
        assert_eq!(normalize_nets("192.168.1.1").unwrap(), "192.168.1.1");
        for bad in ["10.0.0.0/33", "::/129", "nope", "10.0.0.0/x"] {
            assert!(normalize_nets(bad).is_err(), "{bad}");
        }
    }
}
