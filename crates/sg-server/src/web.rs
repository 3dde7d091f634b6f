//! The web UI, embedded at build time from `web/dist`. Paths that are not files get
//! `index.html` (the app routes in the browser).

use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" => "application/json",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

pub async fn asset(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if let Some((p, bytes)) = ASSETS.iter().find(|(p, _)| *p == path) {
        let cache = if p.starts_with("assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
        return ([(header::CONTENT_TYPE, content_type(p)), (header::CACHE_CONTROL, cache)], *bytes).into_response();
    }
    if path.starts_with("assets/") || path.starts_with("api/") {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    match ASSETS.iter().find(|(p, _)| *p == "index.html") {
        Some((_, bytes)) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], *bytes).into_response(),
        None => Html(
            "<!doctype html><meta charset=utf-8><title>salesgauge</title><p>Веб-интерфейс не собран. Запустите <code>./scripts/demo.sh</code> \
             (он собирает <code>web/</code>) — the web UI is not built into this binary; run <code>./scripts/demo.sh</code>.</p>",
        )
        .into_response(),
    }
}
