//! The web UI and API: `salesgauge serve` (with polling sync when a portal is configured)
//! and the server half of `salesgauge demo`; `salesgauge report` for scripts.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sg_server::{AppState, Settings};
use sg_store::Store;

use crate::config::Config;

/// API settings from the configuration; `portal_url` falls back to the webhook's origin.
pub fn settings(config: &Config) -> anyhow::Result<Settings> {
    let zone: chrono_tz::Tz = config.portal.time_zone.parse().map_err(|e| anyhow::anyhow!("portal.time_zone: {e}"))?;
    let portal_url = if !config.portal.url.is_empty() {
        config.portal.url.trim_end_matches('/').to_string()
    } else {
        origin(config.bitrix24.webhook_url.expose())
    };
    match config.reports.fact_basis.as_str() {
        "won_deals" => {}
        "shipments" => {
            anyhow::bail!("reports.fact_basis = \"shipments\" needs the 1C integration, which is not there yet; use \"won_deals\"")
        }
        other => anyhow::bail!("reports.fact_basis: `{other}` is not one of won_deals, shipments"),
    }
    if config.reports.forgotten_deal_days < 1 || config.reports.forgotten_lead_days < 1 {
        anyhow::bail!("reports.forgotten_deal_days and reports.forgotten_lead_days must be at least 1");
    }
    Ok(Settings {
        zone,
        portal_url,
        forgotten_deal_days: config.reports.forgotten_deal_days,
        forgotten_lead_days: config.reports.forgotten_lead_days,
        actor: "admin".into(),
    })
}

/// `https://host[:port]` of a URL (empty when it has none).
fn origin(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return String::new() };
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() { String::new() } else { format!("{scheme}://{host}") }
}

/// Serve the API and UI for `store` on `listener` until the process ends; rolls plans
/// forward hourly.
pub async fn start(config: &Config, store: Arc<tokio::sync::Mutex<Store>>, listener: tokio::net::TcpListener) -> anyhow::Result<AppState> {
    let reader = store.lock().await.reader().context("opening a read connection")?;
    let state = AppState::new(store, reader, settings(config)?);
    let router = sg_server::router(state.clone());
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!("web server stopped: {e}");
        }
    });
    let rf = state.clone();
    tokio::spawn(async move {
        loop {
            match sg_server::roll_forward(&rf).await {
                Ok(Some((month, n))) => eprintln!("plans: {month} had no rows; copied {n} from the previous month (marked «needs review»)"),
                Ok(None) => {}
                Err(e) => tracing::warn!("plan roll-forward: {}", e.message),
            }
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    });
    Ok(state)
}

pub async fn bind(addr: &str) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await.with_context(|| format!("server.listen: cannot listen on {addr}"))
}

/// `salesgauge serve`.
pub async fn serve(config: &Config) -> anyhow::Result<()> {
    let listener = bind(&config.server.listen).await?;
    let url = format!("http://{}/", listener.local_addr()?);
    if config.bitrix24.webhook_url.is_empty() && config.bitrix24.oauth.client_id.is_empty() {
        let path = crate::sync::store_path(&config.data_dir);
        let store = Store::open(&path).with_context(|| format!("opening the store {}", path.display()))?;
        start(config, Arc::new(tokio::sync::Mutex::new(store)), listener).await?;
        println!("salesgauge: {url} (no portal configured: serving the store as it is)");
        tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
        return Ok(());
    }
    let conn = crate::sync::connect(config)?;
    start(config, conn.store.clone(), listener).await?;
    println!("salesgauge: {url} (syncing every 60 s)");
    tokio::select! {
        r = crate::sync::run_forever(&conn, Duration::from_secs(60)) => r?,
        r = tokio::signal::ctrl_c() => r.context("waiting for Ctrl-C")?,
    }
    Ok(())
}

/// `salesgauge report`: a report as JSON (keys are metric ids) or one of its tables as CSV
/// or XLSX, from the store file.
pub async fn report(
    config: &Config,
    name: &str,
    pairs: Vec<(String, String)>,
    format: &str,
    table: Option<String>,
    output: Option<&Path>,
) -> anyhow::Result<()> {
    let path = crate::sync::store_path(&config.data_dir);
    if !path.exists() {
        anyhow::bail!("no store at {} (run `salesgauge sync` first, or pass --data-dir)", path.display());
    }
    let store = Store::open_read_only(&path).with_context(|| format!("opening the store {}", path.display()))?;
    let reader = store.reader()?;
    let state = AppState::new(Arc::new(tokio::sync::Mutex::new(store)), reader, settings(config)?);
    let name = name.to_string();
    let fmt = format.to_string();
    let bytes = state
        .with_snapshot(move |s| match fmt.as_str() {
            "json" => {
                let doc = sg_server::report(s, &name, pairs, sg_metrics::lists::MAX_EXPORT_ROWS)?;
                let doc = match &table {
                    Some(t) => {
                        doc.get(t).cloned().ok_or_else(|| sg_server::ApiError::not_found(format!("report `{name}` has no table `{t}`")))?
                    }
                    None => doc,
                };
                Ok(serde_json::to_vec_pretty(&doc).expect("JSON values serialise"))
            }
            "csv" | "xlsx" => {
                let mut pairs = pairs;
                pairs.push(("format".into(), fmt.clone()));
                pairs.push(("table".into(), table.clone().unwrap_or_else(|| default_table(&name).into())));
                Ok(sg_server::render(s, &name, pairs)?.0)
            }
            other => Err(sg_server::ApiError::bad(format!("--format {other}: expected json, csv or xlsx"))),
        })
        .await
        .map_err(|e| anyhow::anyhow!("{} ({})", e.message, e.code))?;
    match output {
        Some(p) => std::fs::write(p, &bytes).with_context(|| format!("writing {}", p.display()))?,
        None if format == "xlsx" => anyhow::bail!("--format xlsx needs --output FILE"),
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)?;
            if format == "json" {
                out.write_all(b"\n")?;
            }
        }
    }
    Ok(())
}

fn default_table(report: &str) -> &'static str {
    match report {
        "sales-dynamics" => "employees",
        "plan-fact" => "by_employee",
        _ => "rows",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn origin_of_a_webhook() {
        assert_eq!(super::origin("https://acme.bitrix24.ru/rest/1/abc/"), "https://acme.bitrix24.ru");
        assert_eq!(super::origin("http://127.0.0.1:8024/rest/1/x/"), "http://127.0.0.1:8024");
        assert_eq!(super::origin(""), "");
    }
}
