//! The HTTP side: `/rest/...` (both URL forms), `/oauth/token/`, the `/_emulator/...` control
//! API for tests, event delivery and the live-mode ticker. `Emulator::start` wires it all.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use chrono::NaiveDate;
use chrono_tz::Tz;
use serde_json::{Map, Value, json};
use tokio::sync::{mpsc, oneshot};

use crate::auth::{Auth, Caller};
use crate::clock::Clock;
use crate::company::generate::{GenSettings, generate};
use crate::events::{Delivery, Hub};
use crate::faults::{Fault, FaultSpec, Faults};
use crate::limits::{Limits, RateLimit};
use crate::portal::Portal;
use crate::rest::methods::{self, Output};
use crate::rest::value::render_time;
use crate::rest::{ApiError, batch, params};

/// Everything the emulator is started with.
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    pub seed: u64,
    pub deals: u32,
    pub today: NaiveDate,
    pub tz: Tz,
    pub listen: SocketAddr,
    pub rate_limit: Option<RateLimit>,
    /// Operating seconds per method per 10 minutes (cloud default 480); `None` = off.
    pub operating_limit: Option<f64>,
    pub faults: FaultSpec,
    /// Live changes per second; 0 = a frozen portal.
    pub live_rate: f64,
    /// Access-token lifetime, seconds.
    pub token_ttl: i64,
    pub dump: Option<PathBuf>,
}

impl EmulatorConfig {
    /// A small, unthrottled portal on an ephemeral port: the starting point for tests.
    pub fn for_tests(deals: u32) -> Self {
        EmulatorConfig {
            seed: 42,
            deals,
            today: NaiveDate::from_ymd_opt(2026, 11, 20).expect("date"),
            tz: chrono_tz::Europe::Moscow,
            listen: "127.0.0.1:0".parse().expect("addr"),
            rate_limit: None,
            operating_limit: None,
            faults: FaultSpec::default(),
            live_rate: 0.0,
            token_ttl: 3600,
            dump: None,
        }
    }
}

/// A running emulator.
pub struct Emulator {
    pub addr: SocketAddr,
    pub portal: Arc<Portal>,
    /// The OAuth refresh token issued at start for user 1 (the "installed app").
    pub initial_refresh_token: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Emulator {
    /// Generate the company, bind, and serve in the background.
    pub async fn start(config: EmulatorConfig) -> anyhow::Result<Emulator> {
        let settings = GenSettings { seed: config.seed, deals: config.deals, today: config.today, tz: config.tz };
        let company = tokio::task::spawn_blocking(move || generate(&settings)).await?;
        if let Some(dir) = &config.dump {
            crate::dump::write(&company, dir)?;
        }
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let (outbox, inbox) = mpsc::unbounded_channel();
        let mut auth = Auth::new(config.seed, config.token_ttl);
        let clock = Clock::starting_at(company.generated_at);
        let initial = auth.issue(1, clock.now_secs(), &base_url);
        let portal = Arc::new(Portal {
            company: RwLock::new(company),
            clock,
            domain: format!("{addr}"),
            base_url,
            limits: Mutex::new(Limits::new(config.rate_limit, config.operating_limit)),
            faults: Mutex::new(Faults::new(config.faults.clone(), config.seed)),
            auth: Mutex::new(auth),
            hub: Mutex::new(Hub::default()),
            outbox,
            messages: Mutex::new(Vec::new()),
            overload: AtomicBool::new(false),
            requests: AtomicU64::new(0),
            corrupt_deals: Mutex::new(HashMap::new()),
        });
        let app = router(portal.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let deliveries = tokio::spawn(deliver(inbox));
        let live = (config.live_rate > 0.0).then(|| tokio::spawn(crate::live::run(portal.clone(), config.live_rate, config.seed)));
        let task = tokio::spawn(async move {
            let server = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(async {
                let _ = rx.await;
            });
            if let Err(e) = server.await {
                tracing::error!("emulator server stopped: {e}");
            }
            deliveries.abort();
            if let Some(live) = live {
                live.abort();
            }
        });
        Ok(Emulator { addr, portal, initial_refresh_token: initial.refresh_token, shutdown: Some(tx), task: Some(task) })
    }

    /// The main incoming-webhook URL: `http://ADDR/rest/1/<code>/`.
    pub fn webhook_url(&self) -> String {
        let auth = self.portal.auth.lock().expect("auth lock");
        format!("http://{}/rest/{}/{}/", self.addr, auth.webhooks[0].user, auth.webhooks[0].code)
    }

    /// A webhook limited to the `crm` scope.
    pub fn limited_webhook_url(&self) -> String {
        let auth = self.portal.auth.lock().expect("auth lock");
        format!("http://{}/rest/{}/{}/", self.addr, auth.webhooks[1].user, auth.webhooks[1].code)
    }

    /// Stop serving and wait for the server task.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Run until the task ends (Ctrl-C handling is the caller's).
    pub async fn wait(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

pub fn router(portal: Arc<Portal>) -> Router {
    Router::new()
        .route("/rest/{*path}", any(rest))
        .route("/oauth/token/", any(oauth_token))
        .route("/oauth/token", any(oauth_token))
        .merge(crate::control::router())
        .route("/", get(|| async { "salesgauge Bitrix24 emulator" }))
        .with_state(portal)
}

/// Deliver event POSTs one after another, like Bitrix24's queue server: a small delay, no
/// retries, slow handlers simply wait their turn.
async fn deliver(mut inbox: mpsc::UnboundedReceiver<Delivery>) {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().expect("http client");
    while let Some(d) = inbox.recv().await {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let sent = client.post(&d.handler).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(d.body).send().await;
        if let Err(e) = sent {
            tracing::debug!("event delivery to {} failed: {e}", d.handler);
        }
    }
}

fn json_response(status: u16, body: &Value) -> Response {
    let mut resp = (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), body.to_string()).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    resp
}

fn error_response(e: &ApiError) -> Response {
    json_response(e.status, &e.body())
}

/// Parse query + body into folded, normalised parameters.
pub fn request_params(query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    let mut map = query.map(params::parse_query).unwrap_or_default();
    if !body.is_empty() {
        let ctype = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let body_map = if ctype.contains("json") || (!ctype.contains("form") && body.first() == Some(&b'{')) {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(m)) => m,
                Ok(_) => return Err(ApiError::new(400, "INVALID_REQUEST", "JSON body must be an object")),
                Err(e) => return Err(ApiError::new(400, "INVALID_REQUEST", &format!("Invalid JSON body: {e}"))),
            }
        } else {
            params::parse_query(&String::from_utf8_lossy(body))
        };
        map = params::merge(map, body_map);
    }
    match params::normalize(Value::Object(params::fold_case(map))) {
        Value::Object(m) => Ok(m),
        _ => Ok(Map::new()),
    }
}

enum PathAuth {
    Webhook { user: u32, code: String },
    Token,
}

fn parse_path(path: &str) -> Result<(PathAuth, String), ApiError> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let (auth, raw_method) = match segments.as_slice() {
        [user, code, method] => {
            let user = user.parse().map_err(|_| ApiError::method_not_found())?;
            (PathAuth::Webhook { user, code: code.to_string() }, *method)
        }
        [method] => (PathAuth::Token, *method),
        _ => return Err(ApiError::method_not_found()),
    };
    if raw_method.ends_with(".xml") {
        return Err(ApiError::new(400, "INVALID_REQUEST", "The emulator speaks JSON only"));
    }
    Ok((auth, raw_method.trim_end_matches(".json").to_ascii_lowercase()))
}

/// Run one method through scope and operating-time checks, returning its output and `time`.
pub fn invoke(p: &Portal, caller: &Caller, method: &str, params: &Map<String, Value>, in_batch: bool) -> Result<(Output, Value), ApiError> {
    if !methods::exists(method) {
        return Err(ApiError::method_not_found());
    }
    if !caller.has_scope(methods::scope_of(method)) {
        return Err(ApiError::new(403, "insufficient_scope", "The request requires higher privileges than provided by the webhook token"));
    }
    let start = p.clock.now();
    if !p.limits.lock().expect("limits lock").may_operate(&caller.key, method, start) {
        return Err(ApiError::operation_time_limit());
    }
    let t0 = Instant::now();
    let out = methods::call(p, caller, method, params, in_batch);
    let processing = t0.elapsed().as_secs_f64();
    let info = p.limits.lock().expect("limits lock").charge(&caller.key, method, processing, start + processing);
    let mut time = time_object(p, start, processing);
    if let Some(info) = info {
        time["operating_reset_at"] = json!(info.reset_at);
        time["operating"] = json!(info.operating);
    }
    out.map(|o| (o, time))
}

fn time_object(p: &Portal, start: f64, processing: f64) -> Value {
    let tz = p.company.read().expect("company lock").tz;
    let finish = start + processing;
    json!({
        "start": start,
        "finish": finish,
        "duration": processing,
        "processing": processing,
        "date_start": render_time(tz, start as i64),
        "date_finish": render_time(tz, finish as i64),
    })
}

async fn rest(
    State(p): State<Arc<Portal>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(path): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    p.count_request();
    let fault = p.faults.lock().expect("faults lock").roll();
    match fault {
        Some(Fault::Slow(by)) => tokio::time::sleep(by).await,
        Some(Fault::Error500 { html: true }) => {
            let mut r =
                (StatusCode::INTERNAL_SERVER_ERROR, "<html><body><h1>500 Internal Server Error</h1>nginx</body></html>").into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            return r;
        }
        Some(Fault::Error500 { html: false }) => {
            return error_response(&ApiError::new(500, "INTERNAL_SERVER_ERROR", "Internal server error"));
        }
        Some(Fault::Error503) => return error_response(&ApiError::query_limit()),
        _ => {}
    }
    let resp = handle(&p, peer, &path, query.as_deref(), &headers, &body);
    let (status, value) = match resp {
        Ok(v) => (200, v),
        Err(e) => (e.status, e.body()),
    };
    match fault {
        Some(Fault::Drop) => broken_body(status, value.to_string().into_bytes(), 0),
        Some(Fault::Truncate) => {
            let bytes = value.to_string().into_bytes();
            let keep = bytes.len() / 2;
            broken_body(status, bytes, keep)
        }
        _ => json_response(status, &value),
    }
}

/// A response that promises `full.len()` bytes, sends `keep` of them and breaks the connection.
fn broken_body(status: u16, full: Vec<u8>, keep: usize) -> Response {
    let len = full.len();
    let head = Bytes::from(full).slice(..keep);
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![Ok(head), Err(std::io::Error::other("connection dropped by fault injection"))];
    let mut resp = Response::new(Body::from_stream(futures::stream::iter(chunks)));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    resp.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    resp
}

fn handle(p: &Portal, peer: SocketAddr, path: &str, query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    let (path_auth, method) = parse_path(path)?;
    if !p.limits.lock().expect("limits lock").admit(peer.ip()) {
        return Err(ApiError::query_limit());
    }
    let mut params = request_params(query, headers, body)?;
    let caller = match path_auth {
        PathAuth::Webhook { user, code } => p.auth.lock().expect("auth lock").webhook(user, &code)?,
        PathAuth::Token => {
            let token = params.remove("auth").and_then(|v| params::as_string(&v)).ok_or_else(ApiError::no_auth)?;
            p.auth.lock().expect("auth lock").access(&token, p.clock.now_secs())?
        }
    };
    if methods::overloaded(p) {
        return Err(ApiError::new(503, "OVERLOAD_LIMIT", "REST API is blocked due to overload."));
    }
    if method == "batch" {
        let start = p.clock.now();
        let t0 = Instant::now();
        let result = batch::run(&params, |m, sub| invoke(p, &caller, m, sub, true))?;
        return Ok(json!({ "result": result, "time": time_object(p, start, t0.elapsed().as_secs_f64()) }));
    }
    let (out, time) = invoke(p, &caller, &method, &params, false)?;
    let mut envelope = Map::new();
    envelope.insert("result".into(), out.result);
    if let Some(total) = out.total {
        envelope.insert("total".into(), json!(total));
    }
    if let Some(next) = out.next {
        envelope.insert("next".into(), json!(next));
    }
    envelope.insert("time".into(), time);
    Ok(Value::Object(envelope))
}

async fn oauth_token(State(p): State<Arc<Portal>>, RawQuery(query): RawQuery, body: Bytes) -> Response {
    let mut params: HashMap<String, String> =
        query.as_deref().map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
    params.extend(form_urlencoded::parse(&body).into_owned());
    let now = p.clock.now_secs();
    let granted = p.auth.lock().expect("auth lock").grant(&params, now, &p.base_url);
    match granted {
        Ok(t) => json_response(200, &serde_json::to_value(t).unwrap_or_default()),
        Err((status, code, text)) => json_response(status, &json!({"error": code, "error_description": text})),
    }
}
