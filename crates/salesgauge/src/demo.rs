//! `salesgauge demo`: the whole product against built-in emulators: the emulated Bitrix24
//! portal (live), a full sync into a store under the data directory, events and continuous
//! polling, and the web UI over the synced company.

use std::time::Duration;

use anyhow::Context;
use chrono::NaiveDate;
use sg_emulator::{Emulator, EmulatorConfig, FaultSpec, RateLimit};

use crate::config::{Config, Secret};

pub async fn run(config: &Config, today: Option<NaiveDate>) -> anyhow::Result<()> {
    let tz: chrono_tz::Tz = config.portal.time_zone.parse().map_err(|e| anyhow::anyhow!("portal.time_zone: {e}"))?;
    let listen = config
        .demo
        .emulator_listen
        .parse()
        .with_context(|| format!("demo.emulator_listen: `{}` is not an address", config.demo.emulator_listen))?;
    let (rate, burst) = crate::sync::parse_rate(&config.bitrix24.rate_limit)?;
    let emulator_config = EmulatorConfig {
        seed: config.demo.seed,
        deals: config.demo.deals,
        today: today.unwrap_or_else(|| chrono::Utc::now().with_timezone(&tz).date_naive()),
        tz,
        listen,
        rate_limit: Some(RateLimit { per_second: rate, burst }),
        operating_limit: Some(480.0),
        faults: FaultSpec::default(),
        live_rate: 0.5,
        token_ttl: 3600,
        dump: None,
    };
    eprintln!("salesgauge demo: generating a company with {} deals (seed {})…", config.demo.deals, config.demo.seed);
    let emulator = Emulator::start(emulator_config).await.context("starting the Bitrix24 emulator")?;
    println!("Bitrix24 emulator: {}", emulator.webhook_url());
    let mut sync_config = config.clone();
    sync_config.bitrix24.webhook_url = Secret::new(emulator.webhook_url());
    let store = crate::sync::store_path(&sync_config.data_dir);
    eprintln!("syncing into {} (Bitrix24 limits: {rate} requests/s, burst {burst})…", store.display());
    let conn = crate::sync::connect(&sync_config)?;
    let report = crate::sync::pass(&conn, false, false).await?;
    crate::sync::print_report(&report);
    println!("store: {}", store.display());

    // Outbound events: our endpoint, registered in the portal as an outgoing webhook.
    let listener = tokio::net::TcpListener::bind(&config.demo.events_listen)
        .await
        .with_context(|| format!("demo.events_listen: cannot listen on {}", config.demo.events_listen))?;
    let handler = format!("http://{}{}", listener.local_addr()?, sg_sync::events::intake::PATH);
    let events = [
        "ONCRMDEALADD",
        "ONCRMDEALUPDATE",
        "ONCRMDEALDELETE",
        "ONCRMLEADADD",
        "ONCRMLEADUPDATE",
        "ONCRMLEADDELETE",
        "ONCRMACTIVITYADD",
        "ONCRMACTIVITYUPDATE",
        "ONCRMACTIVITYDELETE",
        "ONCRMTIMELINECOMMENTADD",
        "ONTASKADD",
        "ONTASKUPDATE",
        "ONTASKDELETE",
    ];
    let registered: serde_json::Value = reqwest::Client::new()
        .post(format!("http://{}/_emulator/outgoing-webhook", emulator.addr))
        .json(&serde_json::json!({"handler": handler, "events": events}))
        .send()
        .await?
        .json()
        .await?;
    let token = registered["application_token"].as_str().context("the emulator did not return an application token")?.to_string();
    let (router, queue) = sg_sync::events::intake::router(token);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!("event intake stopped: {e}");
        }
    });
    tokio::spawn(sg_sync::events::intake::worker(queue, conn.client.clone(), conn.store.clone()));
    let ui = crate::serve::bind(&config.server.listen).await?;
    let ui_url = format!("http://{}/", ui.local_addr()?);
    let mut ui_config = sync_config.clone();
    ui_config.portal.url = format!("http://{}", emulator.addr);
    crate::serve::start(&ui_config, conn.store.clone(), ui).await?;
    println!("web UI: {ui_url}");
    eprintln!("events arrive at {handler}; the emulated company keeps working; polling every 10 s as a safety net; press Ctrl-C to stop");
    tokio::select! {
        r = crate::sync::run_forever(&conn, Duration::from_secs(10)) => r?,
        r = tokio::signal::ctrl_c() => r.context("waiting for Ctrl-C")?,
    }
    emulator.stop().await;
    Ok(())
}
