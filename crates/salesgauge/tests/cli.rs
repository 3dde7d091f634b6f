//! The `salesgauge` binary as a user runs it: sync killed with SIGKILL at several points
//! resumes with nothing lost and nothing twice; `status --json` reports the store.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sg_emulator::{Emulator, EmulatorConfig, RateLimit};

#[path = "../../sg-sync/tests/it/compare.rs"]
mod compare;

fn salesgauge() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_salesgauge"));
    c.env_remove("SALESGAUGE_BITRIX24__WEBHOOK_URL").stdout(Stdio::piped()).stderr(Stdio::piped());
    c
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_killed_at_random_points_resumes_without_loss_or_duplicates() {
    let mut config = EmulatorConfig::for_tests(4_000);
    config.rate_limit = Some(RateLimit { per_second: 3.0, burst: 10.0 });
    let e = Emulator::start(config).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let args = |c: &mut Command| {
        c.args(["sync", "--full", "--webhook", &e.webhook_url(), "--data-dir", data.to_str().unwrap(), "--rate-limit", "3/10"]);
    };
    let mut kills = 0;
    for kill_after in [0.8, 2.5, 4.0, 6.5] {
        let mut cmd = salesgauge();
        args(&mut cmd);
        let mut child = cmd.spawn().unwrap();
        let t0 = Instant::now();
        let mut exited = false;
        while t0.elapsed() < Duration::from_secs_f64(kill_after) {
            if child.try_wait().unwrap().is_some() {
                exited = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if exited {
            break;
        }
        child.kill().unwrap(); // SIGKILL: no chance to clean up
        child.wait().unwrap();
        kills += 1;
    }
    assert!(kills >= 2, "the sync finished too fast to be killed mid-way ({kills} kills)");
    let mut cmd = salesgauge();
    args(&mut cmd);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "final sync failed: {}", String::from_utf8_lossy(&out.stderr));

    let dump = dir.path().join("dump");
    let http = reqwest::Client::new();
    http.post(format!("http://{}/_emulator/dump", e.addr)).json(&json!({"dir": dump})).send().await.unwrap();
    {
        let store = sg_store::Store::open_read_only(&data.join("salesgauge.duckdb")).unwrap();
        compare::store_equals_dump(&store, &dump);
        compare::facts_match_dump(&store, &dump);
    }

    let out = salesgauge().args(["status", "--data-dir", data.to_str().unwrap(), "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    let meta: Value = serde_json::from_str(&std::fs::read_to_string(dump.join("meta.json")).unwrap()).unwrap();
    for entity in ["deals", "leads", "activities", "calls", "deal_stage_history", "comments", "tasks"] {
        assert_eq!(status["entities"][entity]["rows"], meta["counts"][entity], "{entity}");
        assert_eq!(status["entities"][entity]["phase"], json!("incremental"), "{entity}");
    }
    assert!(status["last_pass_at"].is_i64());
}

#[test]
fn bad_invocations_say_what_is_wrong() {
    let out = salesgauge().args(["sync", "--data-dir", "/tmp/nowhere-sg", "--webhook", "ftp://x"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("webhook_url"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = salesgauge().args(["status", "--data-dir", "/tmp/definitely-not-a-store-dir", "--json"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no store"));
    let out = salesgauge().args(["emulate", "bitrix24", "--faults", "404=1"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--faults"));
}

/// Won deals per Moscow calendar month from the dump: the last move into a won stage, or
/// CLOSEDATE without history (metrics.md, "Deal facts").
fn won_in(dump: &std::path::Path, from: &str, to: &str) -> usize {
    let mut last_won = std::collections::BTreeMap::<i64, String>::new();
    for h in compare::read_jsonl(dump, "deal_stage_history") {
        if h["stage_semantic"] == "S" {
            let e = last_won.entry(h["owner_id"].as_i64().unwrap()).or_default();
            let t = h["created_at"].as_str().unwrap().to_string();
            if t > *e {
                *e = t;
            }
        }
    }
    let local_date = |utc: &str| {
        let t = chrono::DateTime::parse_from_rfc3339(utc).unwrap().naive_utc() + chrono::Duration::hours(3);
        t.date().to_string()
    };
    compare::read_jsonl(dump, "deals")
        .iter()
        .filter(|d| d["stage_semantic"] == "S")
        .filter(|d| {
            let day = match last_won.get(&d["id"].as_i64().unwrap()) {
                Some(t) => local_date(t),
                None => d["closedate"].as_str().unwrap().to_string(),
            };
            day.as_str() >= from && day.as_str() <= to
        })
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn report_command_answers_with_metric_ids_and_real_spreadsheets() {
    let e = Emulator::start(EmulatorConfig::for_tests(1_500)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    let out = salesgauge()
        .args(["sync", "--full", "--webhook", &e.webhook_url(), "--data-dir", d, "--rate-limit", "1000/1000"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let dump = dir.path().join("dump");
    reqwest::Client::new().post(format!("http://{}/_emulator/dump", e.addr)).json(&json!({"dir": dump})).send().await.unwrap();

    let out = salesgauge()
        .args(["report", "sales-dynamics", "--data-dir", d, "--from", "2026-10-01", "--to", "2026-10-31", "--param", "sections=kpis"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let want = won_in(&dump, "2026-10-01", "2026-10-31");
    assert!(want > 0);
    assert_eq!(doc["kpis"]["won_count"]["value"].as_f64(), Some(want as f64));
    for id in ["won_amount", "new_count", "conversion", "avg_check", "in_work_count", "forgotten_deals_count"] {
        assert!(doc["kpis"].get(id).is_some(), "kpis.{id}");
    }

    let out = salesgauge()
        .args([
            "report",
            "sales-dynamics",
            "--data-dir",
            d,
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-31",
            "--format",
            "csv",
            "--table",
            "employees",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = String::from_utf8(out.stdout).unwrap();
    let header = csv.lines().next().unwrap();
    // Headers with commas are quoted (RFC 4180); employee names have none.
    assert!(header.starts_with("Название,\"Успешные сделки, шт\",Выручка (успешные),"), "{header}");
    let won_sum: f64 = csv.lines().skip(1).map(|l| l.split(',').nth(1).unwrap().parse::<f64>().unwrap_or(0.0)).sum();
    assert_eq!(won_sum as usize, want, "the per-employee CSV adds up to the total");

    let xlsx = dir.path().join("plan.xlsx");
    let out = salesgauge()
        .args([
            "report",
            "plan-fact",
            "--data-dir",
            d,
            "--month",
            "2026-10",
            "--format",
            "xlsx",
            "--table",
            "by_month",
            "--output",
            xlsx.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(&std::fs::read(&xlsx).unwrap()[..2], b"PK");

    let out = salesgauge().args(["report", "no-such-report", "--data-dir", d]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no report `no-such-report`"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = salesgauge().args(["report", "plan-fact", "--data-dir", d, "--month", "2026-13"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("month"), "{}", String::from_utf8_lossy(&out.stderr));
}
