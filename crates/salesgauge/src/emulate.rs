//! `salesgauge emulate bitrix24`: run the emulated portal until stopped.

use anyhow::{Context, bail};
use sg_emulator::{Emulator, EmulatorConfig, FaultSpec, RateLimit};

use crate::cli::EmulateBitrix24Args;

pub fn emulator_config(args: &EmulateBitrix24Args) -> anyhow::Result<EmulatorConfig> {
    let rate_limit = match args.rate_limit.as_str() {
        "off" | "" => None,
        s => Some(RateLimit::parse(s).map_err(anyhow::Error::msg).context("--rate-limit")?),
    };
    let operating_limit = match args.operating_limit.as_str() {
        "off" | "" => None,
        s => Some(s.parse::<f64>().with_context(|| format!("--operating-limit: `{s}` is not a number of seconds"))?),
    };
    if args.deals == 0 {
        bail!("--deals must be at least 1");
    }
    if !(0.0..=1000.0).contains(&args.live) {
        bail!("--live must be between 0 and 1000 changes per second");
    }
    Ok(EmulatorConfig {
        seed: args.seed,
        deals: args.deals,
        today: args.today.unwrap_or_else(|| chrono::Utc::now().with_timezone(&args.timezone).date_naive()),
        tz: args.timezone,
        listen: args.listen,
        rate_limit,
        operating_limit,
        faults: FaultSpec::parse(&args.faults).map_err(anyhow::Error::msg).context("--faults")?,
        live_rate: args.live,
        token_ttl: args.token_ttl,
        dump: args.dump.clone(),
    })
}

pub async fn bitrix24(args: EmulateBitrix24Args) -> anyhow::Result<()> {
    let config = emulator_config(&args)?;
    eprintln!("generating {} deals (seed {}, today {})…", config.deals, config.seed, config.today);
    let emulator = Emulator::start(config).await.context("starting the Bitrix24 emulator")?;
    if let Some(dir) = &args.dump {
        eprintln!("dump written to {}", dir.display());
    }
    let state = emulator.portal.auth.lock().map(|a| (a.client_id.clone(), a.client_secret.clone())).unwrap_or_default();
    println!("{}", emulator.webhook_url());
    eprintln!("incoming webhook: {}", emulator.webhook_url());
    eprintln!(
        "OAuth app: client_id={} token endpoint http://{}/oauth/token/ (secret and tokens: GET /_emulator/state)",
        state.0, emulator.addr
    );
    eprintln!("press Ctrl-C to stop");
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    emulator.stop().await;
    Ok(())
}
