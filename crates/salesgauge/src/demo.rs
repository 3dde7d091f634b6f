//! `salesgauge demo`: the whole product against built-in emulators. For now it starts the
//! emulated Bitrix24 portal and prints its webhook URL; sync and the UI join later.

use anyhow::Context;
use chrono::NaiveDate;
use sg_emulator::{Emulator, EmulatorConfig, FaultSpec, RateLimit};

use crate::config::Config;

pub async fn run(config: &Config, today: Option<NaiveDate>) -> anyhow::Result<()> {
    let tz: chrono_tz::Tz = config.portal.time_zone.parse().map_err(|e| anyhow::anyhow!("portal.time_zone: {e}"))?;
    let listen = config
        .demo
        .emulator_listen
        .parse()
        .with_context(|| format!("demo.emulator_listen: `{}` is not an address", config.demo.emulator_listen))?;
    let emulator_config = EmulatorConfig {
        seed: config.demo.seed,
        deals: config.demo.deals,
        today: today.unwrap_or_else(|| chrono::Utc::now().with_timezone(&tz).date_naive()),
        tz,
        listen,
        rate_limit: Some(RateLimit { per_second: 2.0, burst: 50.0 }),
        operating_limit: Some(480.0),
        faults: FaultSpec::default(),
        live_rate: 0.5,
        token_ttl: 3600,
        dump: None,
    };
    eprintln!("salesgauge demo: generating a company with {} deals (seed {})…", config.demo.deals, config.demo.seed);
    let emulator = Emulator::start(emulator_config).await.context("starting the Bitrix24 emulator")?;
    println!("Bitrix24 emulator: {}", emulator.webhook_url());
    eprintln!("the emulated company is live (new leads, calls, stage moves every few seconds); press Ctrl-C to stop");
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    emulator.stop().await;
    Ok(())
}
