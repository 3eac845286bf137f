//! The pages the server renders itself: login and password change (plain HTML forms, no scripts).

/// Minimal HTML escaping for text and attribute values.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>ntopng - {title}</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <style>body{{font-family:sans-serif;background:#f4f5f7}}main{{max-width:22em;margin:8em auto;\
         background:#fff;padding:2em;border-radius:6px}}label,input,button{{display:block;width:100%;\
         margin:.4em 0}}.err{{color:#b00}}</style></head>\n<body><main><h1>ntopng</h1>{body}</main></body></html>\n"
    )
}

/// The login form; it posts `user`, `password` and `referer` to `/authorize.html`.
pub fn login(referer: &str, message: Option<&str>) -> String {
    let msg = message.map(|m| format!("<p class=\"err\">{}</p>", esc(m))).unwrap_or_default();
    page(
        "Login",
        &format!(
            "{msg}<form method=\"post\" action=\"/authorize.html\">\
             <label for=\"user\">Username</label><input id=\"user\" name=\"user\" autocomplete=\"username\" autofocus>\
             <label for=\"password\">Password</label>\
             <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\">\
             <input type=\"hidden\" name=\"referer\" value=\"{}\"><button type=\"submit\">Login</button></form>",
            esc(referer)
        ),
    )
}

/// The password change form for `user`; it posts back to `/lua/change_password.lua`.
pub fn change_password(user: &str, csrf: &str, referer: &str, forced: bool, message: Option<&str>) -> String {
    let why =
        if forced { "<p>The default password of <b>admin</b> must be changed before using ntopng.</p>" } else { "" };
    let msg = message.map(|m| format!("<p class=\"err\">{}</p>", esc(m))).unwrap_or_default();
    page(
        "Change password",
        &format!(
            "<h2>Change password for {}</h2>{why}{msg}<form method=\"post\" action=\"/lua/change_password.lua\">\
             <label for=\"old_password\">Current password</label>\
             <input id=\"old_password\" name=\"old_password\" type=\"password\" autocomplete=\"current-password\">\
             <label for=\"new_password\">New password</label>\
             <input id=\"new_password\" name=\"new_password\" type=\"password\" autocomplete=\"new-password\">\
             <label for=\"confirm_password\">Confirm new password</label>\
             <input id=\"confirm_password\" name=\"confirm_password\" type=\"password\" autocomplete=\"new-password\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"referer\" value=\"{}\">\
             <button type=\"submit\">Change password</button></form>",
            esc(user),
            esc(csrf),
            esc(referer)
        ),
    )
}
