//! The JSON envelope of errors the server answers itself (rest_v2.md §1.2/§1.3), and the headers every
//! dynamic answer carries.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder};

/// One of ntopng's REST return codes.
#[derive(Debug, Clone, Copy)]
pub struct Rc {
    pub http: u16,
    pub rc: i32,
    pub rc_str: &'static str,
    pub rc_str_hr: &'static str,
}

pub const NOT_FOUND: Rc = Rc { http: 404, rc: -1, rc_str: "NOT_FOUND", rc_str_hr: "Not found" };
pub const NOT_GRANTED: Rc = Rc { http: 401, rc: -3, rc_str: "NOT_GRANTED", rc_str_hr: "Not authorized" };
pub const INTERNAL_ERROR: Rc = Rc { http: 500, rc: -6, rc_str: "INTERNAL_ERROR", rc_str_hr: "Internal error" };
pub const BAD_FORMAT: Rc = Rc { http: 400, rc: -7, rc_str: "BAD_FORMAT", rc_str_hr: "Bad format" };
/// A body over the POST limit: ntopng's BAD_CONTENT code with HTTP 413.
pub const TOO_LARGE: Rc = Rc { http: 413, rc: -8, rc_str: "BAD_CONTENT", rc_str_hr: "Bad content" };

/// True for the URIs of the REST API (CORS headers, 401 instead of a login redirect).
pub fn is_rest(path: &str) -> bool {
    path.starts_with("/lua/rest/") || path.starts_with("/lua/pro/rest/")
}

/// A response builder with ntopng's headers for dynamic content.
pub fn dynamic(status: u16, path: &str, version: &str) -> HttpResponseBuilder {
    let mut b = HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    b.insert_header(("Cache-Control", "max-age=0, no-cache, no-store"))
        .insert_header(("Pragma", "no-cache"))
        .insert_header(("X-Frame-Options", "DENY"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Server", format!("ntopng {version}")));
    if is_rest(path) {
        b.insert_header(("Access-Control-Allow-Origin", "*"))
            .insert_header(("Access-Control-Allow-Methods", "GET, POST, HEAD"));
    }
    b
}

/// The envelope `{"rc":..,"rc_str":..,"rc_str_hr":..,"rsp":[]}` with the code's HTTP status.
pub fn answer(rc: Rc, path: &str, version: &str) -> HttpResponse {
    let body = serde_json::json!({ "rc": rc.rc, "rc_str": rc.rc_str, "rc_str_hr": rc.rc_str_hr, "rsp": [] });
    dynamic(rc.http, path, version).content_type("application/json; charset=utf-8").body(body.to_string())
}
