//! Command-line interface: one clap definition per command, dispatched to its module.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};

use crate::config::Config;

#[derive(Parser, Debug)]
#[command(name = "salesgauge", version, about = "Sales analytics and sales motivation for Bitrix24 + 1C")]
pub struct Cli {
    /// Configuration file (default: ./salesgauge.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run everything against built-in emulators: the emulated portal, sync, events and the web UI.
    Demo(DemoArgs),
    /// Run an emulator of an external system.
    Emulate {
        #[command(subcommand)]
        system: EmulateCommand,
    },
    /// One sync pass of the configured Bitrix24 portal into the store.
    Sync(SyncArgs),
    /// Per-entity row counts and sync state of the store.
    Status {
        /// Data directory (default: `data_dir` from the config).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Benchmarks that print measured/ceiling ratios as key=value lines.
    Bench {
        #[command(subcommand)]
        bench: BenchCommand,
    },
    /// Print the resolved configuration (secrets redacted).
    Config,
    /// Serve the web UI and API (and keep the store in sync when a portal is configured).
    Serve {
        /// Address to listen on (overrides `server.listen`).
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Data directory (overrides `data_dir`).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// A report from the store for scripts: JSON keyed by metric ids, or a table as CSV/XLSX.
    Report(Box<ReportArgs>),
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// `sales-dynamics`, `plan-fact` or `deals`.
    pub name: String,
    /// Data directory (overrides `data_dir`).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub from: Option<NaiveDate>,
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub to: Option<NaiveDate>,
    /// A calendar month instead of from/to (plan-fact takes only this).
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<String>,
    /// `previous`, `yoy` or `none`.
    #[arg(long)]
    pub compare: Option<String>,
    /// `day`, `week`, `month` or `quarter`.
    #[arg(long)]
    pub grain: Option<String>,
    /// Funnel ids (repeat or comma-separate).
    #[arg(long, value_delimiter = ',')]
    pub funnel: Vec<String>,
    /// Department ids (sub-departments included).
    #[arg(long, value_delimiter = ',')]
    pub department: Vec<String>,
    #[arg(long, value_delimiter = ',')]
    pub employee: Vec<String>,
    #[arg(long, value_delimiter = ',')]
    pub source: Vec<String>,
    #[arg(long, value_delimiter = ',')]
    pub deal_type: Vec<String>,
    #[arg(long, value_delimiter = ',')]
    pub stage: Vec<String>,
    #[arg(long, value_delimiter = ',')]
    pub utm_source: Vec<String>,
    #[arg(long, value_delimiter = ',')]
    pub utm_medium: Vec<String>,
    #[arg(long, value_delimiter = ',')]
    pub utm_campaign: Vec<String>,
    /// Extra report parameters as KEY=VALUE (e.g. `set=won`, `sections=kpis`).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// `json`, `csv` or `xlsx`.
    #[arg(long, default_value = "json")]
    pub format: String,
    /// The table to write (csv/xlsx; with json, just that part of the document).
    #[arg(long)]
    pub table: Option<String>,
    /// Write to this file instead of standard output (required for xlsx).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl ReportArgs {
    /// The report's query parameters, as the API takes them.
    pub fn pairs(&self) -> anyhow::Result<Vec<(String, String)>> {
        let mut p: Vec<(String, String)> = Vec::new();
        let mut put = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                p.push((k.to_string(), v));
            }
        };
        put("from", self.from.map(|d| d.to_string()));
        put("to", self.to.map(|d| d.to_string()));
        put("month", self.month.clone());
        put("compare", self.compare.clone());
        put("grain", self.grain.clone());
        for (k, list) in [
            ("funnel", &self.funnel),
            ("department", &self.department),
            ("employee", &self.employee),
            ("source", &self.source),
            ("deal_type", &self.deal_type),
            ("stage", &self.stage),
            ("utm_source", &self.utm_source),
            ("utm_medium", &self.utm_medium),
            ("utm_campaign", &self.utm_campaign),
        ] {
            for v in list {
                p.push((k.to_string(), v.clone()));
            }
        }
        for kv in &self.params {
            let (k, v) = kv.split_once('=').with_context(|| format!("--param `{kv}`: expected KEY=VALUE"))?;
            p.push((k.to_string(), v.to_string()));
        }
        Ok(p)
    }
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Seed of the generated company.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of deals in the generated company.
    #[arg(long)]
    pub deals: Option<u32>,
    /// Address of the emulated portal.
    #[arg(long, value_name = "ADDR")]
    pub emulator_listen: Option<String>,
    /// The emulated portal's "today" (default: the real date).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<NaiveDate>,
    /// Address of the web UI (overrides `server.listen`).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Data directory (overrides `data_dir`).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct SyncArgs {
    /// Start a new full scan of every entity (an interrupted one resumes).
    #[arg(long)]
    pub full: bool,
    /// Also detect deletions by comparing ids with the portal.
    #[arg(long)]
    pub reconcile: bool,
    /// Incoming webhook URL (overrides `bitrix24.webhook_url`).
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,
    /// Data directory (overrides `data_dir`).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Client-side request budget RATE/BURST (overrides `bitrix24.rate_limit`).
    #[arg(long, value_name = "RATE/BURST")]
    pub rate_limit: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum EmulateCommand {
    /// A Bitrix24 cloud portal with a generated company.
    Bitrix24(EmulateBitrix24Args),
}

#[derive(Args, Debug, Clone)]
pub struct EmulateBitrix24Args {
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Number of deals (leads, activities, calls… scale with it).
    #[arg(long, default_value_t = 5_000)]
    pub deals: u32,
    #[arg(long, default_value = "127.0.0.1:8024", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// The end of the generated history and the start of the emulator's clock.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<NaiveDate>,
    /// Portal time zone (IANA name).
    #[arg(long, default_value = "Europe/Moscow")]
    pub timezone: chrono_tz::Tz,
    /// Request leaky bucket RATE/BURST, or `off`.
    #[arg(long, default_value = "2/50")]
    pub rate_limit: String,
    /// Operating seconds per method per 10 minutes, or `off`.
    #[arg(long, default_value = "480")]
    pub operating_limit: String,
    /// Fault injection, e.g. `500=0.05,503=0.02,slow=0.01:1500ms,drop=0.01,truncate=0.01`.
    #[arg(long, default_value = "")]
    pub faults: String,
    /// Live changes per second (0 = frozen).
    #[arg(long, default_value_t = 0.0)]
    pub live: f64,
    /// Write the generated data as JSON lines into this directory.
    #[arg(long, value_name = "DIR")]
    pub dump: Option<PathBuf>,
    /// OAuth access-token lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    pub token_ttl: i64,
}

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Company generation speed and memory.
    Generate {
        #[arg(long, default_value_t = 1_000_000)]
        deals: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Full sync throughput against the emulator with real limits, as a ratio to the ceiling
    /// those limits allow; and event-to-store latency.
    Sync {
        #[arg(long, default_value_t = 100_000)]
        deals: u32,
        /// The portal's limits RATE/BURST (the client uses the same).
        #[arg(long, default_value = "2/50")]
        rate_limit: String,
    },
    /// Time SQL statements (a JSON list in FILE) against a store, optionally with DuckDB's
    /// profile: for tuning report queries.
    Sql {
        #[arg(long, value_name = "DIR")]
        data_dir: PathBuf,
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        #[arg(long)]
        explain: bool,
    },
    /// Report endpoints' p50/p95 at a size, beside the raw DuckDB time of the same queries.
    Reports {
        /// Deals generated and synced.
        #[arg(long, default_value_t = 100_000)]
        deals: u32,
        /// Grow the synced store this many times (10 × 100k = 1M deals).
        #[arg(long, default_value_t = 1)]
        scale: u32,
        /// Timed requests per endpoint.
        #[arg(long, default_value_t = 40)]
        requests: usize,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Demo(args) => {
            let mut flags = Vec::new();
            if let Some(seed) = args.seed {
                flags.push(("demo.seed", seed.to_string()));
            }
            if let Some(deals) = args.deals {
                flags.push(("demo.deals", deals.to_string()));
            }
            if let Some(listen) = args.emulator_listen {
                flags.push(("demo.emulator_listen", listen));
            }
            if let Some(listen) = args.listen {
                flags.push(("server.listen", listen));
            }
            if let Some(d) = args.data_dir {
                flags.push(("data_dir", d.display().to_string()));
            }
            let config = Config::load(cli.config.as_deref(), std::env::vars(), &flags)?;
            crate::demo::run(&config, args.today).await
        }
        Command::Emulate { system: EmulateCommand::Bitrix24(args) } => crate::emulate::bitrix24(args).await,
        Command::Bench { bench: BenchCommand::Generate { deals, seed } } => crate::bench::generate(deals, seed),
        Command::Bench { bench: BenchCommand::Sync { deals, rate_limit } } => crate::bench::sync(deals, &rate_limit).await,
        Command::Bench { bench: BenchCommand::Reports { deals, scale, requests } } => crate::bench::reports(deals, scale, requests).await,
        Command::Bench { bench: BenchCommand::Sql { data_dir, file, explain } } => crate::bench::sql(&data_dir, &file, explain),
        Command::Sync(args) => {
            let mut flags = Vec::new();
            if let Some(w) = args.webhook {
                flags.push(("bitrix24.webhook_url", w));
            }
            if let Some(d) = args.data_dir {
                flags.push(("data_dir", d.display().to_string()));
            }
            if let Some(r) = args.rate_limit {
                flags.push(("bitrix24.rate_limit", r));
            }
            let config = Config::load(cli.config.as_deref(), std::env::vars(), &flags)?;
            let report = crate::sync::run_once(&config, args.full, args.reconcile).await?;
            crate::sync::print_report(&report);
            let failed = report.errors();
            if !failed.is_empty() {
                anyhow::bail!(
                    "{} of {} entities failed to sync (see above); their checkpoints did not advance",
                    failed.len(),
                    report.entities.len()
                );
            }
            Ok(())
        }
        Command::Status { data_dir, json } => {
            let dir = match data_dir {
                Some(d) => d,
                None => Config::load(cli.config.as_deref(), std::env::vars(), &[])?.data_dir,
            };
            crate::sync::status(&dir, json)
        }
        Command::Serve { listen, data_dir } => {
            let mut flags = Vec::new();
            if let Some(l) = listen {
                flags.push(("server.listen", l));
            }
            if let Some(d) = data_dir {
                flags.push(("data_dir", d.display().to_string()));
            }
            let config = Config::load(cli.config.as_deref(), std::env::vars(), &flags)?;
            crate::serve::serve(&config).await
        }
        Command::Report(args) => {
            let mut flags = Vec::new();
            if let Some(d) = &args.data_dir {
                flags.push(("data_dir", d.display().to_string()));
            }
            let config = Config::load(cli.config.as_deref(), std::env::vars(), &flags)?;
            crate::serve::report(&config, &args.name, args.pairs()?, &args.format, args.table.clone(), args.output.as_deref()).await
        }
        Command::Config => {
            let config = Config::load(cli.config.as_deref(), std::env::vars(), &[]).context("loading configuration")?;
            print!("{}", config.to_redacted_toml());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        super::Cli::command().debug_assert();
    }
}
