//! The HTTP API (axum) and the embedded web UI.
//!
//! Every handler builds a [`Snapshot`] (a read connection, the directories, the data
//! snapshot's "now", the calendar), compiles its queries with `sg-metrics`, runs them
//! through `sg-store` on a blocking thread and answers JSON (or a spreadsheet). Errors use
//! one envelope (`error::ApiError`).

pub mod error;
pub mod params;

mod deals;
mod export;
mod meta;
mod openapi;
mod planfact;
mod plans;
mod sales;
mod web;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::{get, post, put};
use chrono::{DateTime, NaiveDateTime, Utc};
use sg_metrics::calendar::Calendar;
use sg_metrics::directory::{self, Directory};
use sg_metrics::query::Context;
use sg_metrics::zone::Zone;
use sg_store::{Reader, Store};

pub use error::{ApiError, ApiResult};
pub use export::{render, report};
pub use plans::roll_forward;

/// Settings the API needs (from the binary's config).
#[derive(Clone, Debug)]
pub struct Settings {
    pub zone: chrono_tz::Tz,
    /// `https://PORTAL` for links into deals (no trailing slash).
    pub portal_url: String,
    pub forgotten_deal_days: i64,
    pub forgotten_lead_days: i64,
    /// Who edits plans until accounts exist.
    pub actor: String,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            zone: chrono_tz::Europe::Moscow,
            portal_url: String::new(),
            forgotten_deal_days: 14,
            forgotten_lead_days: 3,
            actor: "admin".into(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    /// The writer (plans, calendar) — shared with the sync in `salesgauge demo`.
    store: Arc<tokio::sync::Mutex<Store>>,
    /// A connection to clone read connections from.
    reader: Mutex<Reader>,
    /// Read connections handed back by finished requests.
    pool: Mutex<Vec<Reader>>,
    zone: Zone,
    settings: Settings,
    /// Every SQL statement run for reports, when benchmarking.
    query_log: Option<Mutex<Vec<String>>>,
    /// Directories and calendar, reloaded when a sync or a calendar edit changes them.
    cache: Mutex<Option<Cached>>,
}

/// What a snapshot reuses between requests, and the version it was read at.
struct Cached {
    version: Vec<Option<i64>>,
    dir: Arc<Directory>,
    calendar: Arc<Calendar>,
}

/// One small query telling whether the cached directories and calendar are still current,
/// with the data's "now" and our last sync time (all kept in `meta` by the store).
fn version_sql() -> String {
    format!(
        "SELECT key, CAST(value AS BIGINT) FROM meta WHERE key IN ('{}', '{}', '{}') ORDER BY key",
        sg_store::LAST_SYNC_DATA,
        sg_store::LAST_SYNC_WALL,
        sg_store::CALENDAR_VERSION
    )
}

impl AppState {
    pub fn new(store: Arc<tokio::sync::Mutex<Store>>, reader: Reader, settings: Settings) -> AppState {
        AppState::build(store, reader, settings, false)
    }

    /// The same, recording every report query (for benchmarks that time the raw SQL).
    pub fn with_query_log(store: Arc<tokio::sync::Mutex<Store>>, reader: Reader, settings: Settings) -> AppState {
        AppState::build(store, reader, settings, true)
    }

    fn build(store: Arc<tokio::sync::Mutex<Store>>, reader: Reader, settings: Settings, log: bool) -> AppState {
        let zone = Zone::new(settings.zone);
        let inner = Inner {
            store,
            reader: Mutex::new(reader),
            pool: Mutex::new(Vec::new()),
            zone,
            settings,
            query_log: log.then(|| Mutex::new(Vec::new())),
            cache: Mutex::new(None),
        };
        AppState { inner: Arc::new(inner) }
    }

    /// The queries recorded since the last call (empty without a log).
    pub fn take_query_log(&self) -> Vec<String> {
        self.inner.query_log.as_ref().and_then(|l| l.lock().ok().map(|mut v| std::mem::take(&mut *v))).unwrap_or_default()
    }

    fn log(&self, sql: &str) {
        tracing::debug!(target: "sg_server::sql", "{sql}");
        if let Some(l) = &self.inner.query_log
            && let Ok(mut v) = l.lock()
        {
            v.push(sql.to_string());
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    pub fn store(&self) -> &Arc<tokio::sync::Mutex<Store>> {
        &self.inner.store
    }

    fn reader(&self) -> ApiResult<Reader> {
        if let Some(r) = self.inner.pool.lock().ok().and_then(|mut p| p.pop()) {
            return Ok(r);
        }
        let base = self.inner.reader.lock().map_err(|_| ApiError::internal("internal_error", "reader lock poisoned"))?;
        Ok(base.try_clone()?)
    }

    /// Build a snapshot on a blocking thread and run `f` with it there.
    pub async fn with_snapshot<T: Send + 'static>(&self, f: impl FnOnce(&Snapshot) -> ApiResult<T> + Send + 'static) -> ApiResult<T> {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let snap = Snapshot::load(&state)?;
            let out = f(&snap);
            // Keep the connection for the next request (a handful at most).
            if let Ok(mut pool) = state.inner.pool.lock()
                && pool.len() < 8
            {
                pool.push(snap.reader);
            }
            out
        })
        .await?
    }
}

/// What one request reads: a connection, the directories, "now", the calendar.
pub struct Snapshot {
    pub reader: Reader,
    pub dir: Arc<Directory>,
    /// The data snapshot's time: the last successful sync (wall clock when never synced).
    pub now: NaiveDateTime,
    /// Our wall clock (unix seconds) at the last successful sync, for freshness.
    pub last_sync: Option<i64>,
    pub calendar: Arc<Calendar>,
    state: AppState,
}

impl Snapshot {
    fn load(state: &AppState) -> ApiResult<Snapshot> {
        let reader = state.reader()?;
        let run = |sql: &str| {
            state.log(sql);
            reader.rows(sql)
        };
        let v = run(&version_sql())?;
        let get = |key: &str| v.rows.iter().find(|r| r[0].text().as_deref() == Some(key)).and_then(|r| r[1].int());
        let (data_time, last_sync) = (get(sg_store::LAST_SYNC_DATA), get(sg_store::LAST_SYNC_WALL));
        let version = vec![data_time, last_sync, get(sg_store::CALENDAR_VERSION)];
        let now = data_time.and_then(|t| DateTime::from_timestamp(t, 0)).unwrap_or_else(Utc::now).naive_utc();
        let cached = {
            let cache = state.inner.cache.lock().map_err(|_| ApiError::internal("internal_error", "cache lock poisoned"))?;
            cache.as_ref().filter(|c| c.version == version).map(|c| (c.dir.clone(), c.calendar.clone()))
        };
        let (dir, calendar) = match cached {
            Some(hit) => hit,
            None => {
                let sets = directory::LOAD_SQL.iter().map(|sql| run(sql)).collect::<Result<Vec<_>, _>>()?;
                let dir = Arc::new(Directory::from_rows(&sets)?);
                let mut calendar = Calendar::russian(2023..=2028);
                for (d, w) in reader.calendar_days()? {
                    calendar.set(d, w);
                }
                let calendar = Arc::new(calendar);
                if let Ok(mut cache) = state.inner.cache.lock() {
                    *cache = Some(Cached { version, dir: dir.clone(), calendar: calendar.clone() });
                }
                (dir, calendar)
            }
        };
        Ok(Snapshot { reader, dir, now, last_sync, calendar, state: state.clone() })
    }

    pub fn ctx(&self) -> Context<'_> {
        let s = &self.state.inner.settings;
        Context {
            dir: &self.dir,
            zone: &self.state.inner.zone,
            now: self.now,
            forgotten_deal_days: s.forgotten_deal_days,
            forgotten_lead_days: s.forgotten_lead_days,
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.state.inner.settings
    }

    pub fn rows(&self, sql: &str) -> ApiResult<sg_metrics::cell::Rows> {
        self.state.log(sql);
        Ok(self.reader.rows(sql)?)
    }
}

/// Until accounts and roles arrive every viewer is an administrator; this is where the
/// request's viewer will be decided.
pub fn viewer() -> sg_metrics::query::Viewer {
    sg_metrics::query::Viewer::Admin
}

/// The whole API and the web UI.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/api/v1/status", get(meta::status))
        .route("/api/v1/meta", get(meta::meta))
        .route("/api/v1/metrics", get(meta::catalogue))
        .route("/api/v1/calendar", get(meta::calendar))
        .route("/api/v1/calendar/{day}", put(meta::set_calendar_day))
        .route("/api/v1/reports/sales-dynamics", get(sales::handler))
        .route("/api/v1/reports/plan-fact", get(planfact::handler))
        .route("/api/v1/reports/{name}/export", get(export::handler))
        .route("/api/v1/deals", get(deals::handler))
        .route("/api/v1/plans", get(plans::grid).put(plans::save))
        .route("/api/v1/plans/copy", post(plans::copy))
        .route("/api/v1/plans/fill-year", post(plans::fill_year))
        .route("/api/v1/plans/import", post(plans::import))
        .route("/api/v1/plans/export", get(plans::export))
        .route("/api/v1/plans/audit", get(plans::audit))
        .route("/api/v1/{*rest}", get(meta::unknown))
        .fallback(get(web::asset))
        .with_state(state)
}

/// Seconds since the last sync, for freshness.
pub fn lag_seconds(now_unix: i64, last: Option<i64>) -> Option<i64> {
    last.map(|t| (now_unix - t).max(0))
}

/// Serve the API and UI on `listener` until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state)).await
}
