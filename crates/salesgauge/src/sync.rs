//! `salesgauge sync` and `salesgauge status`: run passes against the configured portal and
//! report what the store holds.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde_json::json;
use sg_bitrix24::{Auth, Client, ClientConfig, OAuthCredentials, TokenSink};
use sg_store::Store;
use sg_sync::{EntityOutcome, Options, Progress, Report};

use crate::config::Config;

pub fn store_path(data_dir: &Path) -> PathBuf {
    data_dir.join("salesgauge.duckdb")
}

/// Parse `RATE/BURST`.
pub fn parse_rate(s: &str) -> anyhow::Result<(f64, f64)> {
    let (r, b) = s.split_once('/').with_context(|| format!("rate limit `{s}`: expected RATE/BURST, e.g. 2/50"))?;
    let rate: f64 = r.trim().parse().with_context(|| format!("rate limit `{s}`: `{r}` is not a number"))?;
    let burst: f64 = b.trim().parse().with_context(|| format!("rate limit `{s}`: `{b}` is not a number"))?;
    if rate <= 0.0 || burst < 1.0 {
        bail!("rate limit `{s}`: rate must be > 0 and burst at least 1");
    }
    Ok((rate, burst))
}

/// Persists rotated OAuth tokens atomically (write a temporary file, then rename).
struct FileTokenSink(PathBuf);

impl TokenSink for FileTokenSink {
    fn save(&self, access_token: &str, refresh_token: &str) -> Result<(), String> {
        let tmp = self.0.with_extension("json.tmp");
        let body = json!({"access_token": access_token, "refresh_token": refresh_token}).to_string();
        std::fs::write(&tmp, body).map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &self.0).map_err(|e| format!("{}: {e}", self.0.display()))
    }
}

/// The Bitrix24 client for the configured portal: a webhook, or OAuth with the newest refresh
/// token (from `oauth-tokens.json` in the data directory when a refresh already happened).
pub fn client(config: &Config) -> anyhow::Result<Client> {
    let (rate, burst) = parse_rate(&config.bitrix24.rate_limit).context("bitrix24.rate_limit")?;
    let client_config = ClientConfig { rate, burst, ..ClientConfig::default() };
    let webhook = config.bitrix24.webhook_url.expose();
    let oauth = &config.bitrix24.oauth;
    if !webhook.is_empty() {
        return Ok(Client::new(Auth::Webhook(webhook.to_string()), client_config, None)?);
    }
    if oauth.client_id.is_empty() {
        bail!("no Bitrix24 connection configured: set bitrix24.webhook_url (or --webhook), or the bitrix24.oauth settings");
    }
    let tokens_file = config.data_dir.join("oauth-tokens.json");
    let saved: Option<serde_json::Value> = std::fs::read(&tokens_file).ok().and_then(|b| serde_json::from_slice(&b).ok());
    let refresh = saved
        .as_ref()
        .and_then(|v| v["refresh_token"].as_str().map(String::from))
        .unwrap_or_else(|| oauth.refresh_token.expose().to_string());
    std::fs::create_dir_all(&config.data_dir).with_context(|| format!("creating {}", config.data_dir.display()))?;
    let creds = OAuthCredentials {
        client_endpoint: oauth.client_endpoint.clone(),
        token_endpoint: oauth.token_endpoint.clone(),
        client_id: oauth.client_id.clone(),
        client_secret: oauth.client_secret.expose().to_string(),
        access_token: saved.as_ref().and_then(|v| v["access_token"].as_str().map(String::from)),
        refresh_token: refresh,
    };
    Ok(Client::new(Auth::OAuth(creds), client_config, Some(Box::new(FileTokenSink(tokens_file))))?)
}

/// Progress bars per entity with rate and ETA (on stderr; hidden when not a terminal).
pub struct Bars {
    multi: MultiProgress,
    bars: Mutex<Vec<(String, ProgressBar)>>,
}

impl Bars {
    pub fn new() -> Self {
        Bars { multi: MultiProgress::new(), bars: Mutex::new(Vec::new()) }
    }
    fn bar(&self, entity: &str, total: Option<u64>) -> ProgressBar {
        let mut bars = self.bars.lock().expect("bars lock");
        if let Some((_, b)) = bars.iter().find(|(e, _)| e == entity) {
            if let Some(t) = total {
                b.set_length(t);
            }
            return b.clone();
        }
        let b = self.multi.add(match total {
            Some(t) => ProgressBar::new(t),
            None => ProgressBar::no_length(),
        });
        let style = ProgressStyle::with_template("{prefix:>20} {bar:30} {human_pos:>9}/{human_len:9} {per_sec:>12} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        b.set_style(style);
        b.set_prefix(entity.to_string());
        bars.push((entity.to_string(), b.clone()));
        b
    }
}

impl Progress for Bars {
    fn begin(&self, entity: &str, total: Option<u64>) {
        self.bar(entity, total);
    }
    fn advance(&self, entity: &str, rows: u64) {
        self.bar(entity, None).inc(rows);
    }
    fn end(&self, entity: &str, outcome: &EntityOutcome) {
        let b = self.bar(entity, None);
        match &outcome.error {
            None => b.finish(),
            Some(e) => b.abandon_with_message(e.clone()),
        }
    }
}

pub fn print_report(report: &Report) {
    for e in &report.entities {
        match &e.error {
            None => eprintln!(
                "  {:<20} {:>9} rows{}",
                e.entity,
                e.rows,
                if e.deleted > 0 { format!(", {} deleted", e.deleted) } else { String::new() }
            ),
            Some(err) => eprintln!("  {:<20} FAILED: {err}", e.entity),
        }
    }
}

/// A portal connection and the store it syncs into, shared by the poller and the event worker.
pub struct Connection {
    pub client: Arc<Client>,
    pub store: Arc<tokio::sync::Mutex<Store>>,
}

pub fn connect(config: &Config) -> anyhow::Result<Connection> {
    let client = client(config)?;
    let path = store_path(&config.data_dir);
    let store = Store::open(&path).with_context(|| format!("opening the store {}", path.display()))?;
    Ok(Connection { client: Arc::new(client), store: Arc::new(tokio::sync::Mutex::new(store)) })
}

/// One pass (`salesgauge sync`).
pub async fn run_once(config: &Config, full: bool, reconcile: bool) -> anyhow::Result<Report> {
    pass(&connect(config)?, full, reconcile).await
}

pub async fn pass(conn: &Connection, full: bool, reconcile: bool) -> anyhow::Result<Report> {
    let bars = Bars::new();
    let options = Options { full, reconcile: reconcile || full, ..Options::default() };
    let mut store = conn.store.lock().await;
    sg_sync::run_pass(&conn.client, &mut store, &options, &bars).await.context("sync pass")
}

/// Keep syncing every `interval` until the future is dropped (demo, serve).
pub async fn run_forever(conn: &Connection, interval: Duration) -> anyhow::Result<()> {
    let mut passes = 0u64;
    loop {
        tokio::time::sleep(interval).await;
        passes += 1;
        // Deletions by id reconciliation every tenth pass; delete events cover the rest.
        let options = Options { reconcile: passes.is_multiple_of(10), ..Options::default() };
        let mut store = conn.store.lock().await;
        match sg_sync::run_pass(&conn.client, &mut store, &options, &sg_sync::NoProgress).await {
            Ok(r) => tracing::info!(rows = r.rows(), errors = r.errors().len(), "sync pass done"),
            Err(e) => tracing::warn!("sync pass failed: {e:#}"),
        }
    }
}

/// `salesgauge status`: per-entity rows and sync state.
pub fn status(data_dir: &Path, as_json: bool) -> anyhow::Result<()> {
    let path = store_path(data_dir);
    if !path.exists() {
        bail!("no store at {}: run `salesgauge sync --full` first", path.display());
    }
    let store = Store::open_read_only(&path).with_context(|| format!("opening {}", path.display()))?;
    let entities = store.status()?;
    let last_pass: Option<i64> = store.meta("last_pass_at")?.and_then(|s| s.parse().ok());
    let now = chrono::Utc::now().timestamp();
    if as_json {
        let map: serde_json::Map<String, serde_json::Value> = entities
            .iter()
            .map(|e| {
                (
                    e.entity.clone(),
                    json!({"rows": e.rows, "phase": e.phase, "last_success_at": e.last_success_at, "last_error": e.last_error, "last_error_at": e.last_error_at}),
                )
            })
            .collect();
        let out = json!({"store": path, "last_pass_at": last_pass, "lag_seconds": last_pass.map(|t| (now - t).max(0)), "entities": map});
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!("store: {}", path.display());
    match last_pass {
        Some(t) => println!("last pass: {} (portal clock)", chrono::DateTime::<chrono::Utc>::from_timestamp(t, 0).unwrap_or_default()),
        None => println!("last pass: never"),
    }
    for e in &entities {
        let state = match (&e.last_error, &e.phase) {
            (Some(err), _) => format!("error: {err}"),
            (None, Some(p)) => p.clone(),
            (None, None) => "-".into(),
        };
        println!("  {:<20} {:>9} rows  {state}", e.entity, e.rows);
    }
    Ok(())
}
