//! The one typed configuration: defaults < `salesgauge.toml` < `SALESGAUGE_*` environment
//! (`__` separates sections: `SALESGAUGE_BITRIX24__WEBHOOK_URL`) < command-line flags.
//! Resolved once in `Config::load` and passed explicitly; secrets never appear in `Debug`.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

/// A secret string: readable with `expose`, printed as `[redacted]`.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() { f.write_str("\"\"") } else { f.write_str("[redacted]") }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the store, checkpoints and status live.
    pub data_dir: PathBuf,
    pub portal: PortalConfig,
    pub bitrix24: Bitrix24Config,
    pub server: ServerConfig,
    pub reports: ReportsConfig,
    pub demo: DemoConfig,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportsConfig {
    /// An open deal with no touch for longer than this is forgotten.
    pub forgotten_deal_days: i64,
    /// An open lead with no touch for longer than this is forgotten.
    pub forgotten_lead_days: i64,
    /// What the plan's fact is: `won_deals` (shipments arrive with the 1C integration).
    pub fact_basis: String,
}

impl Default for ReportsConfig {
    fn default() -> Self {
        ReportsConfig { forgotten_deal_days: 14, forgotten_lead_days: 3, fact_basis: "won_deals".into() }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PortalConfig {
    /// IANA zone for calendar boundaries.
    pub time_zone: String,
    /// `https://PORTAL` for links into deals (default: the webhook's host).
    pub url: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Bitrix24Config {
    /// Incoming webhook, `https://PORTAL/rest/USER/CODE/`.
    pub webhook_url: Secret,
    pub oauth: OAuthConfig,
    /// Client-side request budget, `RATE/BURST` (2/50 by default, 5/250 on Enterprise).
    pub rate_limit: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct OAuthConfig {
    pub client_id: String,
    pub client_secret: Secret,
    pub refresh_token: Secret,
    pub token_endpoint: String,
    pub client_endpoint: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub listen: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DemoConfig {
    pub seed: u64,
    pub deals: u32,
    /// Address of the emulated portal.
    pub emulator_listen: String,
    /// Where the demo receives the emulated portal's outbound events.
    pub events_listen: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("salesgauge-data"),
            portal: PortalConfig::default(),
            bitrix24: Bitrix24Config { rate_limit: "2/50".into(), ..Default::default() },
            server: ServerConfig::default(),
            reports: ReportsConfig::default(),
            demo: DemoConfig::default(),
        }
    }
}

impl Default for PortalConfig {
    fn default() -> Self {
        PortalConfig { time_zone: "Europe/Moscow".into(), url: String::new() }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig { listen: "127.0.0.1:8080".into() }
    }
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig { seed: 1, deals: 20_000, emulator_listen: "127.0.0.1:8024".into(), events_listen: "127.0.0.1:8025".into() }
    }
}

pub const ENV_PREFIX: &str = "SALESGAUGE_";

impl Config {
    /// Resolve the configuration. `file` is read when given (it must exist) or when
    /// `salesgauge.toml` exists in the working directory; `env` is the process environment;
    /// `flags` are `section.key = value` overrides from the command line.
    pub fn load(file: Option<&Path>, env: impl IntoIterator<Item = (String, String)>, flags: &[(&str, String)]) -> anyhow::Result<Config> {
        let mut table = toml::Table::try_from(Config::default()).context("serialising defaults")?;
        let default_file = Path::new("salesgauge.toml");
        let file = file.or_else(|| default_file.exists().then_some(default_file));
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading config file {}", path.display()))?;
            let parsed: toml::Table = text.parse().with_context(|| format!("parsing config file {}", path.display()))?;
            merge(&mut table, parsed);
        }
        for (key, value) in env {
            let Some(rest) = key.strip_prefix(ENV_PREFIX) else { continue };
            // SALESGAUGE_LOG is the log filter, not a setting.
            if rest.is_empty() || rest == "LOG" {
                continue;
            }
            let path: Vec<String> = rest.split("__").map(|s| s.to_ascii_lowercase()).collect();
            set_path(&mut table, &path, &value).with_context(|| format!("environment variable {key}"))?;
        }
        for (key, value) in flags {
            let path: Vec<String> = key.split('.').map(String::from).collect();
            set_path(&mut table, &path, value).with_context(|| format!("flag for {key}"))?;
        }
        let config: Config = toml::Value::Table(table).try_into().context("invalid configuration")?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> anyhow::Result<()> {
        if self.portal.time_zone.parse::<chrono_tz::Tz>().is_err() {
            bail!("portal.time_zone: `{}` is not an IANA time zone (e.g. Europe/Moscow)", self.portal.time_zone);
        }
        let url = self.bitrix24.webhook_url.expose();
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            bail!("bitrix24.webhook_url must start with http:// or https:// (got something else)");
        }
        Ok(())
    }

    /// The resolved configuration as TOML, secrets redacted (`salesgauge config`).
    pub fn to_redacted_toml(&self) -> String {
        let mut c = self.clone();
        for s in [&mut c.bitrix24.webhook_url, &mut c.bitrix24.oauth.client_secret, &mut c.bitrix24.oauth.refresh_token] {
            if !s.is_empty() {
                *s = Secret::new("[redacted]");
            }
        }
        toml::to_string_pretty(&c).unwrap_or_default()
    }
}

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Set a dotted path from a string, typed after the default's value at that path.
fn set_path(table: &mut toml::Table, path: &[String], raw: &str) -> anyhow::Result<()> {
    let (last, parents) = path.split_last().context("empty key")?;
    let mut cur = table;
    for p in parents {
        cur = match cur.get_mut(p) {
            Some(toml::Value::Table(t)) => t,
            _ => bail!("unknown setting `{}`", path.join(".")),
        };
    }
    let value = match cur.get(last) {
        Some(toml::Value::Integer(_)) => {
            toml::Value::Integer(raw.trim().parse().with_context(|| format!("`{}` expects a whole number, got `{raw}`", path.join(".")))?)
        }
        Some(toml::Value::Float(_)) => {
            toml::Value::Float(raw.trim().parse().with_context(|| format!("`{}` expects a number, got `{raw}`", path.join(".")))?)
        }
        Some(toml::Value::Boolean(_)) => {
            toml::Value::Boolean(raw.trim().parse().with_context(|| format!("`{}` expects true or false, got `{raw}`", path.join(".")))?)
        }
        Some(toml::Value::String(_)) => toml::Value::String(raw.to_string()),
        Some(_) => bail!("`{}` is a section, not a value", path.join(".")),
        None => bail!("unknown setting `{}`", path.join(".")),
    };
    cur.insert(last.clone(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn precedence_is_file_then_env_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("salesgauge.toml");
        std::fs::write(&file, "data_dir = \"from-file\"\n[demo]\ndeals = 500\nseed = 3\n").unwrap();
        let c = Config::load(Some(&file), env(&[("SALESGAUGE_DEMO__DEALS", "700"), ("OTHER", "x")]), &[("demo.seed", "9".into())]).unwrap();
        assert_eq!(c.data_dir, PathBuf::from("from-file"));
        assert_eq!(c.demo.deals, 700);
        assert_eq!(c.demo.seed, 9);
        assert_eq!(c.portal.time_zone, "Europe/Moscow");
    }

    #[test]
    fn bad_input_names_the_setting() {
        let err = Config::load(None, env(&[("SALESGAUGE_DEMO__DEALS", "many")]), &[]).unwrap_err();
        assert!(format!("{err:#}").contains("SALESGAUGE_DEMO__DEALS"), "{err:#}");
        let err = Config::load(None, env(&[("SALESGAUGE_NOPE", "1")]), &[]).unwrap_err();
        assert!(format!("{err:#}").contains("unknown setting `nope`"), "{err:#}");
        let err = Config::load(None, vec![], &[("portal.time_zone", "Mars/Base".into())]).unwrap_err();
        assert!(format!("{err:#}").contains("Mars/Base"), "{err:#}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "[demo]\nunknown_key = 1\n").unwrap();
        let err = Config::load(Some(&file), vec![], &[]).unwrap_err();
        assert!(format!("{err:#}").contains("unknown_key"), "{err:#}");
    }

    #[test]
    fn secrets_are_redacted() {
        let c = Config::load(None, env(&[("SALESGAUGE_BITRIX24__WEBHOOK_URL", "https://p.bitrix24.ru/rest/1/supersecret/")]), &[]).unwrap();
        assert!(!format!("{c:?}").contains("supersecret"));
        assert!(!c.to_redacted_toml().contains("supersecret"));
        assert_eq!(c.bitrix24.webhook_url.expose(), "https://p.bitrix24.ru/rest/1/supersecret/");
    }
}
