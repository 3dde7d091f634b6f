//! The HTTP client: one request stream per portal, paced by a client-side leaky bucket,
//! with retries, operating-time waits and OAuth refresh.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::{Map, Value, json};

/// Where to send requests and how to authenticate.
#[derive(Clone)]
pub enum Auth {
    /// An incoming webhook, `https://PORTAL/rest/USER/CODE/`.
    Webhook(String),
    OAuth(OAuthCredentials),
}

#[derive(Clone)]
pub struct OAuthCredentials {
    /// `https://PORTAL/rest/`.
    pub client_endpoint: String,
    /// `https://oauth.bitrix.info/oauth/token/`.
    pub token_endpoint: String,
    pub client_id: String,
    pub client_secret: String,
    pub access_token: Option<String>,
    pub refresh_token: String,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Webhook(_) => f.write_str("Auth::Webhook([redacted])"),
            Auth::OAuth(c) => write!(f, "Auth::OAuth(client_id={}, [secrets redacted])", c.client_id),
        }
    }
}

/// Receives rotated OAuth tokens; must persist the refresh token atomically before returning.
pub trait TokenSink: Send + Sync {
    fn save(&self, access_token: &str, refresh_token: &str) -> Result<(), String>;
}

#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Requests per second the bucket drains (2 on most plans, 5 on Enterprise).
    pub rate: f64,
    /// Requests allowed in a burst (50, or 250 on Enterprise).
    pub burst: f64,
    pub max_retries: u32,
    pub timeout: Duration,
    /// First back-off step; doubles per attempt, with full jitter.
    pub backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            rate: 2.0,
            burst: 50.0,
            max_retries: 10,
            timeout: Duration::from_secs(60),
            backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The portal answered with an error code (the description is for humans only).
    #[error("{method}: {code} (HTTP {status}): {description}")]
    Api { method: String, status: u16, code: String, description: String },
    /// The answer could not be understood.
    #[error("{method}: malformed response: {detail}")]
    Malformed { method: String, detail: String },
    #[error("{method}: gave up after {attempts} attempts: {last}")]
    Exhausted { method: String, attempts: u32, last: String },
    #[error("OAuth token refresh failed: {0}")]
    Refresh(String),
}

impl ClientError {
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Api { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// A successful answer: `result`, `total`, `next` and the `time` object.
#[derive(Clone, Debug)]
pub struct Response {
    pub result: Value,
    pub total: Option<u64>,
    pub next: Option<u64>,
    pub time: Value,
}

impl Response {
    /// Server clock at the end of the request (unix seconds), from `time.finish`.
    pub fn server_time(&self) -> Option<f64> {
        num(self.time.get("finish"))
    }
}

/// A `batch` answer split into its five maps (each `[]` when empty on the wire).
#[derive(Clone, Debug, Default)]
pub struct BatchResponse {
    pub result: Map<String, Value>,
    pub errors: Map<String, Value>,
    pub total: Map<String, Value>,
    pub next: Map<String, Value>,
    pub time: Map<String, Value>,
    pub server_time: Option<f64>,
}

impl BatchResponse {
    pub fn error_code(&self, key: &str) -> Option<&str> {
        self.errors.get(key).and_then(|e| e.get("error")).and_then(Value::as_str)
    }
}

fn num(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn as_map(v: Option<&Value>) -> Map<String, Value> {
    match v {
        Some(Value::Object(m)) => m.clone(),
        Some(Value::Array(items)) => items.iter().enumerate().map(|(i, v)| (i.to_string(), v.clone())).collect(),
        _ => Map::new(),
    }
}

struct Bucket {
    level: f64,
    last: Instant,
}

/// Counters for benchmarks and status.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    pub requests: u64,
    pub retries: u64,
    pub rate_limited: u64,
}

pub struct Client {
    http: reqwest::Client,
    auth: Mutex<Auth>,
    config: ClientConfig,
    bucket: tokio::sync::Mutex<Bucket>,
    sink: Option<Box<dyn TokenSink>>,
    stats: Mutex<Stats>,
    /// Per method: when its operating budget frees up again (server clock, unix seconds).
    blocked_until: Mutex<std::collections::HashMap<String, f64>>,
}

enum Attempt {
    Done(Response),
    Retry(String, Option<Duration>),
    Refresh,
    Fail(ClientError),
}

impl Client {
    pub fn new(auth: Auth, config: ClientConfig, sink: Option<Box<dyn TokenSink>>) -> Result<Client, ClientError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("salesgauge/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ClientError::Refresh(format!("cannot build the HTTP client: {e}")))?;
        let burst = config.burst;
        Ok(Client {
            http,
            auth: Mutex::new(auth),
            bucket: tokio::sync::Mutex::new(Bucket { level: 0.0_f64.min(burst), last: Instant::now() }),
            config,
            sink,
            stats: Mutex::new(Stats::default()),
            blocked_until: Mutex::new(Default::default()),
        })
    }

    pub fn stats(&self) -> Stats {
        *self.stats.lock().expect("stats lock")
    }

    /// Wait for a slot in the client-side bucket (mirrors the portal's, so we never hit 503).
    async fn pace(&self) {
        let mut b = self.bucket.lock().await;
        loop {
            let now = Instant::now();
            b.level = (b.level - now.duration_since(b.last).as_secs_f64() * self.config.rate).max(0.0);
            b.last = now;
            // A tenth of a request of margin: the portal measures arrival, we measure sending.
            let ceiling = self.config.burst - 0.1;
            if b.level + 1.0 <= ceiling {
                b.level += 1.0;
                return;
            }
            let wait = (b.level + 1.0 - ceiling) / self.config.rate;
            tokio::time::sleep(Duration::from_secs_f64(wait.max(0.001))).await;
        }
    }

    /// After a 503 from the portal, our bucket was out of step: assume it is full.
    async fn fill_bucket(&self) {
        let mut b = self.bucket.lock().await;
        b.level = self.config.burst;
        b.last = Instant::now();
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let cap = self.config.max_backoff.as_secs_f64();
        let base = (self.config.backoff.as_secs_f64() * 2f64.powi(attempt.min(16) as i32)).min(cap);
        Duration::from_secs_f64(rand::rng().random_range(base / 2.0..=base))
    }

    /// The method URL, the access token for OAuth, and whether a token is needed but missing.
    fn url(&self, method: &str) -> (String, Option<String>, bool) {
        match &*self.auth.lock().expect("auth lock") {
            Auth::Webhook(base) => (format!("{}/{method}", base.trim_end_matches('/')), None, false),
            Auth::OAuth(c) => {
                (format!("{}/{method}", c.client_endpoint.trim_end_matches('/')), c.access_token.clone(), c.access_token.is_none())
            }
        }
    }

    /// Call a method with JSON parameters.
    pub async fn call(&self, method: &str, params: &Value) -> Result<Response, ClientError> {
        let mut refreshes = 0;
        let mut last = String::new();
        let mut attempt = 0;
        loop {
            if attempt > self.config.max_retries {
                return Err(ClientError::Exhausted { method: method.into(), attempts: attempt, last });
            }
            self.wait_operating(method).await;
            self.pace().await;
            self.stats.lock().expect("stats lock").requests += 1;
            match self.attempt(method, params).await {
                Attempt::Done(r) => return Ok(r),
                Attempt::Fail(e) => return Err(e),
                // A token can expire again during a long run of retries; a refresh that does not
                // help three times in a row is a real failure.
                Attempt::Refresh if refreshes < 3 => {
                    refreshes += 1;
                    self.refresh().await?;
                }
                Attempt::Refresh => return Err(ClientError::Refresh("the portal still says the token expired after a refresh".into())),
                Attempt::Retry(why, wait) => {
                    tracing::debug!(method, attempt, "retrying: {why}");
                    self.stats.lock().expect("stats lock").retries += 1;
                    let wait = wait.unwrap_or_else(|| self.backoff(attempt));
                    last = why;
                    attempt += 1;
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    async fn wait_operating(&self, method: &str) {
        let until = self.blocked_until.lock().expect("blocked lock").get(method).copied();
        if let Some(until) = until {
            let now = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
            if until > now {
                tokio::time::sleep(Duration::from_secs_f64((until - now).min(600.0))).await;
            }
            self.blocked_until.lock().expect("blocked lock").remove(method);
        }
    }

    async fn attempt(&self, method: &str, params: &Value) -> Attempt {
        let (url, token, missing) = self.url(method);
        if missing {
            return Attempt::Refresh;
        }
        let mut body = params.clone();
        if let (Some(token), Value::Object(m)) = (token, &mut body) {
            m.insert("auth".into(), Value::String(token));
        }
        let sent = self.http.post(&url).header("Accept", "application/json").json(&body).send().await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => return Attempt::Retry(format!("request failed: {e}"), None),
        };
        let status = resp.status().as_u16();
        if (300..400).contains(&status) {
            let location = resp.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            return Attempt::Fail(ClientError::Api {
                method: method.into(),
                status,
                code: "REDIRECT".into(),
                description: format!("the portal moved to {location}; update the webhook/endpoint"),
            });
        }
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => return Attempt::Retry(format!("HTTP {status}: body not received whole: {e}"), None),
        };
        let value: Value = match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(e) => {
                let snippet: String = String::from_utf8_lossy(&bytes).chars().take(120).collect();
                return if status >= 500 || status == 200 {
                    Attempt::Retry(format!("HTTP {status}: not JSON ({e}): {snippet}"), None)
                } else {
                    Attempt::Fail(ClientError::Malformed { method: method.into(), detail: format!("HTTP {status}, not JSON: {snippet}") })
                };
            }
        };
        if let Some(code) = value.get("error").and_then(Value::as_str) {
            let description = value.get("error_description").and_then(Value::as_str).unwrap_or("").to_string();
            return match code {
                "QUERY_LIMIT_EXCEEDED" => {
                    self.stats.lock().expect("stats lock").rate_limited += 1;
                    self.fill_bucket().await;
                    Attempt::Retry("QUERY_LIMIT_EXCEEDED".into(), Some(Duration::from_secs_f64(1.0 / self.config.rate)))
                }
                "OPERATION_TIME_LIMIT" => Attempt::Retry("OPERATION_TIME_LIMIT".into(), Some(Duration::from_secs(5))),
                "expired_token" => Attempt::Refresh,
                "OVERLOAD_LIMIT" | "INTERNAL_SERVER_ERROR" | "ERROR_UNEXPECTED_ANSWER" => {
                    Attempt::Retry(format!("{code}: {description}"), None)
                }
                _ if status >= 500 => Attempt::Retry(format!("{code} (HTTP {status})"), None),
                _ => Attempt::Fail(ClientError::Api { method: method.into(), status, code: code.into(), description }),
            };
        }
        if status >= 500 {
            return Attempt::Retry(format!("HTTP {status}"), None);
        }
        let Some(obj) = value.as_object() else {
            return Attempt::Fail(ClientError::Malformed { method: method.into(), detail: "the body is not an object".into() });
        };
        if !obj.contains_key("result") {
            return Attempt::Fail(ClientError::Malformed { method: method.into(), detail: "no `result` in the answer".into() });
        }
        let time = obj.get("time").cloned().unwrap_or(Value::Null);
        self.note_operating(method, &time);
        Attempt::Done(Response {
            result: obj["result"].clone(),
            total: num(obj.get("total")).map(|n| n as u64),
            next: num(obj.get("next")).map(|n| n as u64),
            time,
        })
    }

    /// Remember when a method nearing its operating budget frees up.
    fn note_operating(&self, method: &str, time: &Value) {
        let (Some(reset), Some(finish)) = (num(time.get("operating_reset_at")), num(time.get("finish"))) else { return };
        let operating = num(time.get("operating")).unwrap_or(0.0);
        // Cloud budgets are 480 s+ per 10 minutes; pause a method that used most of it.
        if operating >= 420.0 {
            let local_now = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
            let until = local_now + (reset - finish).max(0.0) + 1.0;
            self.blocked_until.lock().expect("blocked lock").insert(method.to_string(), until);
        }
    }

    /// Run up to 50 commands (`(key, "method?query")`) in one request.
    pub async fn batch(&self, commands: &[(String, String)]) -> Result<BatchResponse, ClientError> {
        let cmd: Map<String, Value> = commands.iter().map(|(k, c)| (k.clone(), Value::String(c.clone()))).collect();
        let r = self.call("batch", &json!({"halt": 0, "cmd": cmd})).await?;
        let inner = r
            .result
            .as_object()
            .ok_or_else(|| ClientError::Malformed { method: "batch".into(), detail: "result is not an object".into() })?;
        Ok(BatchResponse {
            result: as_map(inner.get("result")),
            errors: as_map(inner.get("result_error")),
            total: as_map(inner.get("result_total")),
            next: as_map(inner.get("result_next")),
            time: as_map(inner.get("result_time")),
            server_time: r.server_time(),
        })
    }

    /// Exchange the refresh token for a new pair and persist it before using it.
    async fn refresh(&self) -> Result<(), ClientError> {
        let creds = match &*self.auth.lock().expect("auth lock") {
            Auth::OAuth(c) => c.clone(),
            Auth::Webhook(_) => {
                return Err(ClientError::Refresh("a webhook cannot be refreshed; its code expired or was regenerated".into()));
            }
        };
        let url = format!(
            "{}?grant_type=refresh_token&client_id={}&client_secret={}&refresh_token={}",
            creds.token_endpoint,
            enc(&creds.client_id),
            enc(&creds.client_secret),
            enc(&creds.refresh_token)
        );
        let resp = self.http.get(&url).send().await.map_err(|e| ClientError::Refresh(format!("token endpoint unreachable: {e}")))?;
        let status = resp.status().as_u16();
        let body: Value =
            resp.json().await.map_err(|e| ClientError::Refresh(format!("token endpoint answered HTTP {status} without JSON: {e}")))?;
        if let Some(code) = body.get("error").and_then(Value::as_str) {
            return Err(ClientError::Refresh(format!("{code} (HTTP {status}); re-authorise the application")));
        }
        let access =
            body.get("access_token").and_then(Value::as_str).ok_or_else(|| ClientError::Refresh("no access_token in the answer".into()))?;
        let refresh = body
            .get("refresh_token")
            .and_then(Value::as_str)
            .ok_or_else(|| ClientError::Refresh("no refresh_token in the answer".into()))?;
        if let Some(sink) = &self.sink {
            sink.save(access, refresh).map_err(|e| ClientError::Refresh(format!("cannot persist the new refresh token: {e}")))?;
        }
        if let Auth::OAuth(c) = &mut *self.auth.lock().expect("auth lock") {
            c.access_token = Some(access.to_string());
            c.refresh_token = refresh.to_string();
        }
        Ok(())
    }
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
