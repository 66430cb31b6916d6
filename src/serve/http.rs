//! The HTTP side of `serve`: files from the in-memory site (or, until a build succeeds, the errors
//! page for every page), Server-Sent Events for reloads and errors.
//!
//! Only GET and HEAD; a path is looked up in the site's map, so nothing outside the site can be
//! reached (`..` and its encodings are refused before the lookup anyway); no directory listings.

use std::convert::Infallible;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::broadcast;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

use super::{Entry, Event, SharedLive};
use crate::diagnostics::Fatal;

#[derive(Clone)]
struct App {
    live: SharedLive,
    events: broadcast::Sender<Event>,
}

const LIVE_JS: &str = include_str!("live.js");
const OVERLAY_CSS: &str = include_str!("overlay.css");

/// What serve adds to every page: the overlay's style and the reload script, which knows the
/// generation of the site the page came from.
fn live_tag(generation: u64) -> String {
    format!(
        "<link rel=\"stylesheet\" href=\"/__policybook/overlay.css\">\
         <script src=\"/__policybook/live.js\" data-generation=\"{generation}\"></script>"
    )
}

pub async fn serve(
    listener: tokio::net::TcpListener,
    live: SharedLive,
    events: broadcast::Sender<Event>,
) -> Result<(), Fatal> {
    let app = Router::new()
        .route("/__policybook/events", get(events_stream))
        .route("/__policybook/live.js", get(live_js))
        .route("/__policybook/overlay.css", get(overlay_css))
        .route("/__policybook/status", get(status))
        .fallback(file)
        .with_state(App { live, events });
    axum::serve(listener, app)
        .await
        .map_err(|e| Fatal::new(format!("the server stopped: {e}")))
}

async fn live_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        LIVE_JS,
    )
        .into_response()
}

async fn overlay_css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        OVERLAY_CSS,
    )
        .into_response()
}

/// `{"errors": "…" | null, "documents": N, "generation": N}`: for tests and tools.
async fn status(State(app): State<App>) -> Response {
    let live = app.live.lock().unwrap_or_else(|p| p.into_inner());
    let body = serde_json::json!({
        "errors": live.errors,
        "documents": live.project.handbook.documents.len(),
        "generation": live.generation,
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

async fn events_stream(
    State(app): State<App>,
) -> Sse<impl tokio_stream::Stream<Item = Result<SseEvent, Infallible>>> {
    let receiver = app.events.subscribe();
    // Every event has data: browsers drop the ones whose data is empty.
    let current = {
        let live = app.live.lock().unwrap_or_else(|p| p.into_inner());
        match &live.errors {
            Some(text) => SseEvent::default().event("errors").data(text),
            None => SseEvent::default()
                .event("ok")
                .data(live.generation.to_string()),
        }
    };
    let updates = BroadcastStream::new(receiver).filter_map(|event| match event {
        Ok(Event::Reload) | Err(_) => Some(Ok(SseEvent::default().event("reload").data("reload"))),
        Ok(Event::Errors(text)) => Some(Ok(SseEvent::default().event("errors").data(text))),
    });
    Sse::new(tokio_stream::iter([Ok(current)]).chain(updates)).keep_alive(KeepAlive::default())
}

/// Map a request path to a site path: decoded, `/` → `index.html`, `dir/` → `dir/index.html`;
/// `None` for anything that tries to leave the site.
pub fn site_path(raw: &str) -> Option<String> {
    let decoded = percent_decode(raw)?;
    if decoded.contains('\\') || decoded.contains('\0') {
        return None;
    }
    let mut parts = Vec::new();
    for part in decoded.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p => parts.push(p),
        }
    }
    let mut path = parts.join("/");
    if path.is_empty() || decoded.ends_with('/') {
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str("index.html");
    }
    Some(path)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

pub fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

async fn file(State(app): State<App>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut response = StatusCode::METHOD_NOT_ALLOWED.into_response();
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let Some(path) = site_path(uri.path()) else {
        return not_found();
    };
    let (found, generation) = {
        let mut live = app.live.lock().unwrap_or_else(|p| p.into_inner());
        if !live.has_site() {
            let errors = live.errors.clone().unwrap_or_default();
            return no_site(&path, &errors, live.generation);
        }
        if path == "print.html"
            && let Some(event) = live.refresh()
        {
            let _ = app.events.send(event);
        }
        let found = match live.site.get(&path) {
            Some(entry) => Some((StatusCode::OK, path, entry.clone())),
            None => live
                .site
                .get("404.html")
                .map(|entry| (StatusCode::NOT_FOUND, "404.html".to_string(), entry.clone())),
        };
        (found, live.generation)
    };
    let Some((status, path, entry)) = found else {
        return not_found();
    };
    let bytes: Vec<u8> = match entry {
        Entry::Bytes(bytes) => bytes.to_vec(),
        Entry::File(from) => match tokio::fs::read(&from).await {
            Ok(bytes) => bytes,
            Err(_) => return not_found(),
        },
    };
    let bytes = if path.ends_with(".html") {
        inject_live_reload(bytes, generation)
    } else {
        bytes
    };
    let mut response = (status, bytes).into_response();
    add_headers(&mut response, &path);
    response
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found").into_response()
}

/// While no build has succeeded: every page is the errors (500, for tools; browsers show it and
/// reload it once the content is fixed), anything else a plain 500.
fn no_site(path: &str, errors: &str, generation: u64) -> Response {
    let (body, rel) = if path.ends_with(".html") {
        let page = super::errors::diagnostics_page(errors, &live_tag(generation));
        (page, "page.html")
    } else {
        (
            format!("the handbook does not build yet:\n\n{errors}"),
            "errors.txt",
        )
    };
    let mut response = (StatusCode::INTERNAL_SERVER_ERROR, body).into_response();
    add_headers(&mut response, rel);
    response
}

fn add_headers(response: &mut Response, path: &str) {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(path)),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
}

/// Serve mode only: load the reload script and let it connect back to this server.
fn inject_live_reload(bytes: Vec<u8>, generation: u64) -> Vec<u8> {
    let Ok(html) = String::from_utf8(bytes) else {
        return Vec::new();
    };
    let html = html.replacen(
        "default-src 'none';",
        "default-src 'none'; connect-src 'self';",
        1,
    );
    let tag = live_tag(generation);
    match html.rfind("</body>") {
        Some(at) => format!("{}{tag}\n{}", &html[..at], &html[at..]).into_bytes(),
        None => format!("{html}{tag}").into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_site() {
        assert_eq!(site_path("/").as_deref(), Some("index.html"));
        assert_eq!(
            site_path("/a-policy.html").as_deref(),
            Some("a-policy.html")
        );
        assert_eq!(
            site_path("/handbook/").as_deref(),
            Some("handbook/index.html")
        );
        assert_eq!(
            site_path("/files/flow%20chart.png").as_deref(),
            Some("files/flow chart.png")
        );
        for evil in [
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/a/%2E%2E/%2e%2e/x",
            "/..%2fetc",
            "/a%5c..%5cb",
            "/%00",
            "/%zz",
        ] {
            assert_eq!(site_path(evil), None, "{evil}");
        }
    }

    #[test]
    fn live_reload_is_injected_before_body_end() {
        let html = b"<meta content=\"default-src 'none'; script-src 'self'\"><body>x</body></html>"
            .to_vec();
        let out = String::from_utf8(inject_live_reload(html, 7)).unwrap();
        assert!(out.contains("connect-src 'self'"));
        assert!(out.contains(
            "x<link rel=\"stylesheet\" href=\"/__policybook/overlay.css\">\
             <script src=\"/__policybook/live.js\" data-generation=\"7\"></script>\n</body>"
        ));
    }
}
