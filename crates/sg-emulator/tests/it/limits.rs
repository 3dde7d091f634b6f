//! The leaky bucket and the operating-time budget, as a client sees them.

use std::time::{Duration, Instant};

use serde_json::json;
use sg_emulator::{EmulatorConfig, RateLimit};

use crate::support::Portal;

#[tokio::test]
async fn bucket_rejects_the_fifty_first_and_recovers_at_the_drain_rate() {
    let mut config = EmulatorConfig::for_tests(100);
    config.rate_limit = Some(RateLimit { per_second: 2.0, burst: 50.0 });
    let p = Portal::start(config).await;
    let t0 = Instant::now();
    for i in 0..50 {
        let (status, body) = p.call("server.time", json!({})).await;
        assert_eq!(status, 200, "request {i}: {body}");
    }
    let (status, body) = p.call("server.time", json!({})).await;
    assert_eq!((status, body["error"].as_str()), (503, Some("QUERY_LIMIT_EXCEEDED")));
    // At 2/s one slot frees every 0.5 s: after ~1.1 s (measured from the burst's start) two
    // requests pass and the third is refused again.
    let wait = Duration::from_millis(1100).saturating_sub(t0.elapsed().min(Duration::from_millis(1100)));
    tokio::time::sleep(wait.max(Duration::from_millis(1050))).await;
    let elapsed = t0.elapsed().as_secs_f64();
    let allowed = (elapsed * 2.0).floor() as usize;
    let mut passed = 0;
    for _ in 0..allowed + 2 {
        if p.call("server.time", json!({})).await.0 == 200 {
            passed += 1;
        }
    }
    assert!(passed >= 2 && passed <= allowed + 1, "passed {passed}, drain allows about {allowed}");
    // A batch of 50 commands is one request for the bucket.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let cmd: serde_json::Map<_, _> = (0..50).map(|i| (format!("c{i}"), json!("server.time"))).collect();
    let (status, body) = p.call("batch", json!({"cmd": cmd})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["result"].as_object().unwrap().len(), 50);
}

#[tokio::test]
async fn operating_time_blocks_the_method_not_the_others() {
    let p = Portal::start(EmulatorConfig::for_tests(2_000)).await;
    // 0.05 s budget per 10 minutes, each call charged an extra 0.03 s.
    p.control("limits", json!({"rate": null, "operating_limit": 0.05, "operating_cost": 0.03})).await;
    let (status, body) = p.call("crm.deal.list", json!({})).await;
    assert_eq!(status, 200);
    let op = body["time"]["operating"].as_f64().unwrap();
    assert!(op >= 0.03, "{op}");
    assert!(body["time"]["operating_reset_at"].as_i64().unwrap() > body["time"]["start"].as_f64().unwrap() as i64);
    // The call that crosses the limit completes; the next one is refused.
    assert_eq!(p.call("crm.deal.list", json!({})).await.0, 200);
    let (status, body) = p.call("crm.deal.list", json!({})).await;
    assert_eq!((status, body["error"].as_str()), (429, Some("OPERATION_TIME_LIMIT")));
    assert_eq!(p.call("crm.lead.list", json!({})).await.0, 200, "other methods keep working");
    // Inside a batch the blocked method fails per command.
    let (status, body) = p.call("batch", json!({"cmd": {"a": "crm.deal.list", "b": "server.time"}})).await;
    assert_eq!(status, 200);
    assert_eq!(body["result"]["result_error"]["a"]["error"], json!("OPERATION_TIME_LIMIT"));
    // With the limiter off the operating fields disappear.
    p.control("limits", json!({"rate": null, "operating_limit": null})).await;
    let (_, body) = p.call("crm.lead.list", json!({})).await;
    assert!(body["time"].get("operating").is_none());
}

#[tokio::test]
async fn truncated_and_dropped_responses_break_the_read() {
    let p = Portal::start(EmulatorConfig::for_tests(200)).await;
    for spec in ["truncate=1", "drop=1"] {
        p.control("faults", json!({"spec": spec})).await;
        let r = p.http.post(format!("{}crm.deal.list", p.webhook)).json(&json!({})).send().await;
        let outcome = match r {
            Err(_) => true,
            Ok(resp) => resp.text().await.is_err(),
        };
        assert!(outcome, "{spec}: the body must not arrive whole");
    }
    p.control("faults", json!({"spec": "slow=1:300ms"})).await;
    let t0 = Instant::now();
    assert_eq!(p.call("server.time", json!({})).await.0, 200);
    assert!(t0.elapsed() >= Duration::from_millis(300));
}
