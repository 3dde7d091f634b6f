//! An independent model of the deal metrics, computed from the emulator's dump, and the
//! shared fixture (emulator + sync + server).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime};
use serde_json::{Value, json};
use sg_bitrix24::{Auth, Client, ClientConfig};
use sg_emulator::{Emulator, EmulatorConfig};
use sg_server::{AppState, Settings};
use sg_store::Store;
use sg_sync::{NoProgress, Options, run_pass};

#[path = "../../../sg-sync/tests/it/compare.rs"]
#[allow(dead_code)]
mod compare;

use compare::rates;
pub use compare::read_jsonl;

fn utc(v: &Value) -> Option<NaiveDateTime> {
    v.as_str().map(|s| DateTime::parse_from_rfc3339(s).unwrap().naive_utc())
}

/// Europe/Moscow is UTC+3 all year (since 2014).
pub fn moscow_date(t: NaiveDateTime) -> NaiveDate {
    (t + Duration::hours(3)).date()
}

#[derive(Clone, Debug)]
pub struct Deal {
    pub funnel: i64,
    pub semantic: String,
    pub user: i64,
    pub source: String,
    pub created: NaiveDateTime,
    pub amount: f64,
    pub repeat: bool,
    pub won_at: Option<NaiveDateTime>,
    pub lost_at: Option<NaiveDateTime>,
}

pub struct Model {
    pub deals: Vec<Deal>,
    pub users: Vec<Value>,
    pub departments: Vec<Value>,
}

impl Model {
    pub fn load(dump: &Path) -> Model {
        let rates = rates(dump);
        let mut last_s: BTreeMap<i64, NaiveDateTime> = BTreeMap::new();
        let mut last_f: BTreeMap<i64, NaiveDateTime> = BTreeMap::new();
        for h in read_jsonl(dump, "deal_stage_history") {
            let map = match h["stage_semantic"].as_str() {
                Some("S") => &mut last_s,
                Some("F") => &mut last_f,
                _ => continue,
            };
            let t = utc(&h["created_at"]).unwrap();
            let e = map.entry(h["owner_id"].as_i64().unwrap()).or_insert(t);
            *e = (*e).max(t);
        }
        let deals = read_jsonl(dump, "deals")
            .iter()
            .map(|d| {
                let id = d["id"].as_i64().unwrap();
                let sem = d["stage_semantic"].as_str().unwrap_or("P").to_string();
                let close = d["closedate"].as_str().map(|s| s.parse::<NaiveDate>().unwrap().and_hms_opt(0, 0, 0).unwrap());
                Deal {
                    funnel: d["category_id"].as_i64().unwrap(),
                    user: d["assigned_by_id"].as_i64().unwrap(),
                    source: d["source_id"].as_str().unwrap_or("").to_string(),
                    created: utc(&d["created_at"]).unwrap(),
                    amount: d["opportunity"].as_str().unwrap().parse::<f64>().unwrap() * rates[d["currency_id"].as_str().unwrap()],
                    repeat: d["is_return_customer"].as_bool().unwrap(),
                    won_at: (sem == "S").then(|| last_s.get(&id).copied().or(close)).flatten(),
                    lost_at: (sem == "F").then(|| last_f.get(&id).copied().or(close)).flatten(),
                    semantic: sem,
                }
            })
            .collect();
        Model { deals, users: read_jsonl(dump, "users"), departments: read_jsonl(dump, "departments") }
    }

    /// Members of a department and its sub-departments, from the dump's directories.
    pub fn members(&self, dept: i64) -> BTreeSet<i64> {
        let mut depts = BTreeSet::from([dept]);
        loop {
            let n = depts.len();
            for d in &self.departments {
                if d["parent_id"].as_i64().is_some_and(|p| depts.contains(&p)) {
                    depts.insert(d["id"].as_i64().unwrap());
                }
            }
            if depts.len() == n {
                break;
            }
        }
        self.users
            .iter()
            .filter(|u| u["departments"].as_array().unwrap().iter().any(|d| depts.contains(&d.as_i64().unwrap())))
            .map(|u| u["id"].as_i64().unwrap())
            .collect()
    }
}

/// Filters as the test applies them to the model.
#[derive(Clone, Default)]
pub struct Filter {
    pub funnels: Vec<i64>,
    pub people: Option<BTreeSet<i64>>,
    pub sources: Vec<String>,
}

impl Filter {
    pub fn keeps(&self, d: &Deal) -> bool {
        (self.funnels.is_empty() || self.funnels.contains(&d.funnel))
            && self.people.as_ref().is_none_or(|p| p.contains(&d.user))
            && (self.sources.is_empty() || self.sources.contains(&d.source))
    }
}

/// Expected sales metrics over `[from, to]` (Moscow dates).
pub fn expected(m: &Model, f: &Filter, from: NaiveDate, to: NaiveDate) -> BTreeMap<&'static str, Option<f64>> {
    let inside = |t: Option<NaiveDateTime>| t.is_some_and(|t| (from..=to).contains(&moscow_date(t)));
    let deals: Vec<&Deal> = m.deals.iter().filter(|d| f.keeps(d)).collect();
    let new: Vec<&&Deal> = deals.iter().filter(|d| inside(Some(d.created))).collect();
    let won: Vec<&&Deal> = deals.iter().filter(|d| d.semantic == "S" && inside(d.won_at)).collect();
    let lost: Vec<&&Deal> = deals.iter().filter(|d| d.semantic == "F" && inside(d.lost_at)).collect();
    let open: Vec<&&Deal> = deals.iter().filter(|d| d.semantic != "S" && d.semantic != "F").collect();
    let sum = |v: &[&&Deal]| v.iter().map(|d| d.amount).sum::<f64>();
    let won_amount = sum(&won);
    let ratio = |a: f64, b: f64, scale: f64| if b == 0.0 { None } else { Some(a * scale / b) };
    let repeat_amount: f64 = won.iter().filter(|d| d.repeat).map(|d| d.amount).sum();
    let new_won = new.iter().filter(|d| d.semantic == "S").count() as f64;
    let cycle: f64 = won.iter().map(|d| (d.won_at.unwrap() - d.created).num_seconds() as f64 / 86400.0).sum();
    BTreeMap::from([
        ("new_count", Some(new.len() as f64)),
        ("new_amount", Some(sum(&new))),
        ("won_count", Some(won.len() as f64)),
        ("won_amount", Some(won_amount)),
        ("lost_count", Some(lost.len() as f64)),
        ("lost_amount", Some(sum(&lost))),
        ("in_work_count", Some(open.len() as f64)),
        ("in_work_amount", Some(sum(&open))),
        ("avg_check", ratio(won_amount, won.len() as f64, 1.0)),
        ("conversion", ratio(new_won, new.len() as f64, 100.0)),
        ("avg_cycle_days", ratio(cycle, won.len() as f64, 1.0)),
        ("repeat_share", ratio(repeat_amount, won_amount, 100.0)),
    ])
}

/// Compare an API value with an expectation: money to a kopeck per deal, ratios to their
/// rounding (0.1), counts exactly.
pub fn assert_close(what: &str, got: &Value, want: Option<f64>, deals: usize) {
    match want {
        None => assert!(got.is_null(), "{what}: expected no value, got {got}"),
        Some(w) => {
            let g = got.as_f64().unwrap_or_else(|| panic!("{what}: expected {w}, got {got}"));
            let tol = if what.contains("amount") || what.contains("check") {
                0.01 * deals.max(1) as f64
            } else if what.contains("count") {
                0.0
            } else {
                0.051
            };
            assert!((g - w).abs() <= tol, "{what}: API {g} vs model {w}");
        }
    }
}

pub struct Fixture {
    /// Kept alive for the test.
    pub _emulator: Emulator,
    pub base: String,
    pub dump: std::path::PathBuf,
    pub state: AppState,
    pub model: Model,
    pub _dir: tempfile::TempDir,
}

impl Fixture {
    pub async fn start(deals: u32) -> Fixture {
        let config = EmulatorConfig::for_tests(deals);
        let emulator = Emulator::start(config).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.duckdb")).unwrap();
        let client = Client::new(
            Auth::Webhook(emulator.webhook_url()),
            ClientConfig { rate: 1000.0, burst: 1000.0, ..ClientConfig::default() },
            None,
        )
        .unwrap();
        let report = run_pass(&client, &mut store, &Options::default(), &NoProgress).await.unwrap();
        assert!(report.errors().is_empty(), "{:?}", report.errors());
        let dump = dir.path().join("dump");
        let r: Value = reqwest::Client::new()
            .post(format!("http://{}/_emulator/dump", emulator.addr))
            .json(&json!({"dir": dump}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(r.get("error").is_none(), "{r}");
        let reader = store.reader().unwrap();
        let settings = Settings { portal_url: "https://acme.bitrix24.ru".into(), ..Settings::default() };
        let state = AppState::new(Arc::new(tokio::sync::Mutex::new(store)), reader, settings);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let served = state.clone();
        tokio::spawn(async move { axum_serve(listener, served).await });
        let model = Model::load(&dump);
        Fixture { _emulator: emulator, base, model, dump, state, _dir: dir }
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = reqwest::get(format!("{}{path}", self.base)).await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn ok(&self, path: &str) -> Value {
        let (status, v) = self.get(path).await;
        assert_eq!(status, 200, "{path}: {v}");
        v
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
        let r = reqwest::Client::new().request(method, format!("{}{path}", self.base)).json(&body).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }
}

async fn axum_serve(listener: tokio::net::TcpListener, state: AppState) {
    // The crate's router over plain hyper: the same thing `salesgauge serve` runs.
    sg_server::serve(listener, state).await.unwrap();
}
