//! Full, incremental, deletions and faults.

use serde_json::json;
use sg_bitrix24::{Auth, Client, ClientConfig, OAuthCredentials};
use sg_emulator::{Emulator, EmulatorConfig, FaultSpec, RateLimit};
use sg_store::Store;
use sg_sync::{NoProgress, Options, run_pass};

use crate::compare::{facts_match_dump, store_equals_dump};

async fn control(e: &Emulator, path: &str, body: serde_json::Value) -> serde_json::Value {
    reqwest::Client::new().post(format!("http://{}/_emulator/{path}", e.addr)).json(&body).send().await.unwrap().json().await.unwrap()
}

fn webhook_client(e: &Emulator, rate: f64, burst: f64) -> Client {
    Client::new(Auth::Webhook(e.webhook_url()), ClientConfig { rate, burst, ..ClientConfig::default() }, None).unwrap()
}

#[tokio::test]
async fn full_then_incremental_then_deletions_equal_the_portal() {
    let mut config = EmulatorConfig::for_tests(3_000);
    config.rate_limit = Some(RateLimit { per_second: 2.0, burst: 50.0 });
    config.operating_limit = Some(480.0);
    let e = Emulator::start(config).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("s.duckdb")).unwrap();
    let client = webhook_client(&e, 2.0, 50.0);

    let report = run_pass(&client, &mut store, &Options::default(), &NoProgress).await.unwrap();
    assert!(report.errors().is_empty(), "{:?}", report.errors());
    assert_eq!(client.stats().rate_limited, 0, "the client-side bucket keeps us under the portal's");
    let dump1 = dir.path().join("dump1");
    control(&e, "dump", json!({"dir": dump1})).await;
    store_equals_dump(&store, &dump1);
    facts_match_dump(&store, &dump1);

    // The company keeps working; an incremental pass catches up (live mode also deletes a
    // few deals, which only reconciliation or delete events reveal).
    let steps = control(&e, "live/step", json!({"n": 300, "seed": 11})).await;
    assert!(steps["events"].as_array().unwrap().len() > 300);
    let report = run_pass(&client, &mut store, &Options { reconcile: true, ..Options::default() }, &NoProgress).await.unwrap();
    assert!(report.errors().is_empty(), "{:?}", report.errors());
    let dump2 = dir.path().join("dump2");
    control(&e, "dump", json!({"dir": dump2})).await;
    store_equals_dump(&store, &dump2);
    facts_match_dump(&store, &dump2);

    // Deletions are found by reconciliation.
    for id in [5, 77, 1234] {
        control(&e, &format!("deals/{id}/delete"), json!({})).await;
    }
    let report = run_pass(&client, &mut store, &Options { reconcile: true, ..Options::default() }, &NoProgress).await.unwrap();
    assert!(report.errors().is_empty(), "{:?}", report.errors());
    assert_eq!(report.entities.iter().find(|o| o.entity == "deals").unwrap().deleted, 3);
    let dump3 = dir.path().join("dump3");
    control(&e, "dump", json!({"dir": dump3})).await;
    store_equals_dump(&store, &dump3);
    facts_match_dump(&store, &dump3);
    let status = store.status().unwrap();
    assert!(status.iter().all(|s| s.last_error.is_none() && s.last_success_at.is_some()), "{status:?}");
}

#[tokio::test]
async fn faults_and_token_expiry_mid_sync_still_give_an_exact_copy() {
    let mut config = EmulatorConfig::for_tests(2_000);
    config.faults = FaultSpec::parse("500=0.06,503=0.05,slow=0.03:400ms,drop=0.04,truncate=0.04").unwrap();
    config.token_ttl = 2;
    let e = Emulator::start(config).await.unwrap();
    let state: serde_json::Value =
        reqwest::Client::new().get(format!("http://{}/_emulator/state", e.addr)).send().await.unwrap().json().await.unwrap();
    let creds = OAuthCredentials {
        client_endpoint: format!("http://{}/rest/", e.addr),
        token_endpoint: format!("http://{}/oauth/token/", e.addr),
        client_id: state["oauth"]["client_id"].as_str().unwrap().into(),
        client_secret: state["oauth"]["client_secret"].as_str().unwrap().into(),
        access_token: None,
        refresh_token: e.initial_refresh_token.clone(),
    };
    let fast =
        ClientConfig { rate: 20.0, burst: 20.0, backoff: std::time::Duration::from_millis(50), max_retries: 20, ..ClientConfig::default() };
    let client = Client::new(Auth::OAuth(creds), fast, None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("s.duckdb")).unwrap();
    let report = run_pass(&client, &mut store, &Options::default(), &NoProgress).await.unwrap();
    assert!(report.errors().is_empty(), "{:?}", report.errors());
    assert!(client.stats().retries > 0, "faults were injected and retried");
    control(&e, "faults", json!({"spec": ""})).await;
    let dump = dir.path().join("dump");
    control(&e, "dump", json!({"dir": dump})).await;
    store_equals_dump(&store, &dump);
    facts_match_dump(&store, &dump);
}

#[tokio::test]
async fn events_reach_the_store_within_seconds() {
    use sg_sync::events::intake;
    use std::sync::Arc;

    let e = Emulator::start(EmulatorConfig::for_tests(1_500)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let client = Arc::new(webhook_client(&e, 20.0, 50.0));
    let store = Arc::new(tokio::sync::Mutex::new(Store::open(&dir.path().join("s.duckdb")).unwrap()));
    {
        let mut s = store.lock().await;
        let report = run_pass(&client, &mut s, &Options::default(), &NoProgress).await.unwrap();
        assert!(report.errors().is_empty());
    }
    // Register our endpoint as an outgoing webhook, as an administrator would.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{}", listener.local_addr().unwrap(), intake::PATH);
    let reg = control(
        &e,
        "outgoing-webhook",
        json!({"handler": url, "events": [
        "ONCRMDEALADD", "ONCRMDEALUPDATE", "ONCRMDEALDELETE", "ONCRMLEADADD", "ONCRMLEADUPDATE", "ONCRMACTIVITYADD", "ONCRMACTIVITYDELETE",
        "ONCRMTIMELINECOMMENTADD", "ONTASKADD", "ONTASKUPDATE"]}),
    )
    .await;
    let (router, rx) = intake::router(reg["application_token"].as_str().unwrap().to_string());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    tokio::spawn(intake::worker(rx, client.clone(), store.clone()));

    // A forged event is refused.
    let forged = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("event=ONCRMDEALDELETE&data%5BFIELDS%5D%5BID%5D=1&auth%5Bapplication_token%5D=forged")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 401);
    let body: serde_json::Value = forged.json().await.unwrap();
    assert_eq!(body["error"]["code"], json!("unauthorized"));

    control(&e, "live/step", json!({"n": 40, "seed": 21})).await;
    control(&e, "deals/9/delete", json!({})).await;
    let t0 = std::time::Instant::now();
    let dump = dir.path().join("dump");
    control(&e, "dump", json!({"dir": dump})).await;
    // Within 5 s the store holds the new state of deals, leads, their history and activities.
    loop {
        let ok = {
            let s = store.lock().await;
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                crate::compare::tables_equal_dump(&s, &dump, &["deals", "leads", "deal_stage_history", "activities", "comments"])
            }))
            .is_ok()
        };
        if ok {
            break;
        }
        assert!(t0.elapsed() < std::time::Duration::from_secs(5), "events did not reach the store within 5 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_malformed_row_fails_its_entity_only_and_names_the_field() {
    let e = Emulator::start(EmulatorConfig::for_tests(800)).await.unwrap();
    control(&e, "deals/321/corrupt", json!({"OPPORTUNITY": "12,5 руб."})).await;
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("s.duckdb")).unwrap();
    let client = webhook_client(&e, 20.0, 50.0);
    let report = run_pass(&client, &mut store, &Options::default(), &NoProgress).await.unwrap();
    let failed = report.errors();
    assert_eq!(failed.len(), 1, "{failed:?}");
    let msg = failed[0].error.as_ref().unwrap();
    assert_eq!(failed[0].entity, "deals");
    for part in ["crm.deal.list", "321", "OPPORTUNITY", "12,5 руб."] {
        assert!(msg.contains(part), "`{part}` missing in: {msg}");
    }
    // Nothing of the failed batch was written and the checkpoint did not pass the bad row.
    let cp = store.checkpoint("deals").unwrap().unwrap();
    assert!(cp.phase == "full" && cp.cursor_id < 321, "{cp:?}");
    assert_eq!(store.query_text("SELECT CAST(count(*) AS VARCHAR) FROM deals WHERE id >= 321").unwrap()[0][0].as_deref(), Some("0"));
    // Other entities went on.
    assert!(report.entities.iter().filter(|o| o.entity != "deals").all(|o| o.error.is_none()));
    let status = store.status().unwrap();
    assert!(status.iter().find(|s| s.entity == "deals").unwrap().last_error.as_ref().unwrap().contains("OPPORTUNITY"));

    // Once the portal sends good data the next pass completes the copy.
    control(&e, "deals/321/corrupt", json!({})).await;
    let report = run_pass(&client, &mut store, &Options::default(), &NoProgress).await.unwrap();
    assert!(report.errors().is_empty(), "{:?}", report.errors());
    let dump = dir.path().join("dump");
    control(&e, "dump", json!({"dir": dump})).await;
    crate::compare::store_equals_dump(&store, &dump);
}

#[tokio::test]
async fn offline_events_are_pulled_applied_and_confirmed() {
    let e = Emulator::start(EmulatorConfig::for_tests(1_000)).await.unwrap();
    let http = reqwest::Client::new();
    let code = control(&e, "oauth/code", json!({"user": 1})).await["code"].as_str().unwrap().to_string();
    let state: serde_json::Value = http.get(format!("http://{}/_emulator/state", e.addr)).send().await.unwrap().json().await.unwrap();
    let (id, secret) = (state["oauth"]["client_id"].as_str().unwrap(), state["oauth"]["client_secret"].as_str().unwrap());
    let token: serde_json::Value = http
        .get(format!("http://{}/oauth/token/?grant_type=authorization_code&client_id={id}&client_secret={secret}&code={code}", e.addr))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let creds = OAuthCredentials {
        client_endpoint: format!("http://{}/rest/", e.addr),
        token_endpoint: format!("http://{}/oauth/token/", e.addr),
        client_id: id.into(),
        client_secret: secret.into(),
        access_token: token["access_token"].as_str().map(String::from),
        refresh_token: token["refresh_token"].as_str().unwrap().into(),
    };
    let client = Client::new(Auth::OAuth(creds), ClientConfig { rate: 20.0, burst: 50.0, ..ClientConfig::default() }, None).unwrap();
    for event in [
        "ONCRMDEALADD",
        "ONCRMDEALUPDATE",
        "ONCRMDEALDELETE",
        "ONCRMLEADADD",
        "ONCRMLEADUPDATE",
        "ONCRMACTIVITYADD",
        "ONCRMTIMELINECOMMENTADD",
    ] {
        client.call("event.bind", &json!({"event": event, "event_type": "offline"})).await.unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("s.duckdb")).unwrap();
    let report = run_pass(&client, &mut store, &Options::default(), &NoProgress).await.unwrap();
    assert!(report.errors().is_empty());
    control(&e, "live/step", json!({"n": 60, "seed": 31})).await;
    control(&e, "deals/9/delete", json!({})).await;
    let applied = sg_sync::events::poll_offline(&client, &mut store).await.unwrap();
    assert!(applied > 10, "{applied}");
    let dump = dir.path().join("dump");
    control(&e, "dump", json!({"dir": dump})).await;
    let dumped: std::collections::HashSet<String> =
        crate::compare::read_jsonl(&dump, "activities").iter().map(|a| a["id"].to_string()).collect();
    let extra: Vec<Vec<Option<String>>> = store
        .query_text("SELECT CAST(id AS VARCHAR), CAST(owner_type_id AS VARCHAR), CAST(owner_id AS VARCHAR) FROM activities")
        .unwrap()
        .into_iter()
        .filter(|r| !dumped.contains(r[0].as_deref().unwrap()))
        .collect();
    assert!(extra.is_empty(), "activities gone from the portal but kept: {extra:?}");
    crate::compare::tables_equal_dump(&store, &dump, &["deals", "leads", "deal_stage_history", "activities", "comments"]);
    // Confirmed records are gone from the portal's queue.
    let left = client.call("event.offline.list", &json!({})).await.unwrap();
    assert_eq!(left.total, Some(0));
}
