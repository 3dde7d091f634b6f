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
