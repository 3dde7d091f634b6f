//! Each error of the reference's table that the emulator produces, with its HTTP status.

use serde_json::json;
use sg_emulator::EmulatorConfig;

use crate::support::{Portal, post_json};

#[track_caller]
fn assert_error(got: (u16, serde_json::Value), status: u16, code: &str) {
    assert_eq!(got.0, status, "{}", got.1);
    assert_eq!(got.1["error"], json!(code), "{}", got.1);
    assert!(got.1.get("error_description").is_some());
}

#[tokio::test]
async fn error_codes_and_statuses() {
    let p = Portal::start(EmulatorConfig::for_tests(200)).await;
    let base = p.base();

    assert_error(p.call("crm.nothing.here", json!({})).await, 404, "ERROR_METHOD_NOT_FOUND");
    assert_error(post_json(&p.http, &format!("{base}/rest/1/wrongcode/crm.deal.list"), json!({})).await, 401, "NO_AUTH_FOUND");
    assert_error(post_json(&p.http, &format!("{base}/rest/crm.deal.list"), json!({})).await, 401, "NO_AUTH_FOUND");
    assert_error(post_json(&p.http, &format!("{base}/rest/crm.deal.list?auth=bogus"), json!({})).await, 401, "invalid_token");
    // A webhook without the `user` scope.
    let limited = p.emulator.limited_webhook_url();
    assert_error(post_json(&p.http, &format!("{limited}user.get"), json!({})).await, 403, "insufficient_scope");
    assert_eq!(post_json(&p.http, &format!("{limited}crm.deal.list"), json!({})).await.0, 200);
    // Legacy CRM: empty code, meaning in the text.
    let (status, body) = p.call("crm.deal.get", json!({"id": 999_999})).await;
    assert_eq!((status, body["error"].as_str(), body["error_description"].as_str()), (400, Some(""), Some("Not found")));
    let (status, body) = p.call("crm.deal.get", json!({})).await;
    assert_eq!((status, body["error_description"].as_str()), (400, Some("ID is not defined or invalid.")));
    let (status, body) = p.call("crm.deal.list", json!({"filter": "ID=5"})).await;
    assert_eq!((status, body["error_description"].as_str()), (400, Some("Parameter 'filter' must be array.")));
    assert_error(p.call("crm.item.get", json!({"entityTypeId": 2, "id": 999_999})).await, 400, "NOT_FOUND");
    assert_error(p.call("crm.item.list", json!({"entityTypeId": 2, "filter": {"I_D": 1}})).await, 400, "INVALID_ARG_VALUE");
    assert_error(p.call("user.get", json!({"sort": "ID", "order": {"ID": "ASC"}})).await, 400, "ERROR_ARGUMENT");
    let cmd: serde_json::Map<_, _> = (0..51).map(|i| (format!("c{i}"), json!("server.time"))).collect();
    assert_error(p.call("batch", json!({"cmd": cmd})).await, 400, "ERROR_BATCH_LENGTH_EXCEEDED");
    // event.bind needs application auth, not an incoming webhook.
    assert_error(
        p.call("event.bind", json!({"event": "ONCRMDEALUPDATE", "handler": "http://127.0.0.1:9/x"})).await,
        403,
        "WRONG_AUTH_TYPE",
    );

    let admin = p.app_token(1).await;
    let token = admin["access_token"].as_str().unwrap();
    assert_error(
        p.call_app(token, "event.bind", json!({"event": "ONNOTHING", "handler": "http://127.0.0.1:9/x"})).await,
        400,
        "ERROR_EVENT_NOT_FOUND",
    );
    // Offline events need an administrator.
    let manager = p.app_token(9).await;
    assert_error(p.call_app(manager["access_token"].as_str().unwrap(), "event.offline.get", json!({})).await, 403, "ACCESS_DENIED");
    // Expired tokens say so; refresh gives a working token and a new refresh token.
    p.control("oauth/expire", json!({})).await;
    assert_error(p.call_app(token, "crm.deal.list", json!({})).await, 401, "expired_token");

    p.control("overload", json!({"on": true})).await;
    assert_error(p.call("crm.deal.list", json!({})).await, 503, "OVERLOAD_LIMIT");
    p.control("overload", json!({"on": false})).await;

    p.control("faults", json!({"spec": "500=1"})).await;
    let r = p.http.post(format!("{}crm.deal.list", p.webhook)).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 500);
    p.control("faults", json!({"spec": ""})).await;
    assert_eq!(p.call("crm.deal.list", json!({})).await.0, 200);
}

#[tokio::test]
async fn oauth_refresh_rotates_tokens() {
    let p = Portal::start(EmulatorConfig::for_tests(100)).await;
    let state = p.state().await;
    let refresh = p.emulator.initial_refresh_token.clone();
    let url = |r: &str| {
        format!(
            "{}/oauth/token/?grant_type=refresh_token&client_id={}&client_secret={}&refresh_token={r}",
            p.base(),
            state["oauth"]["client_id"].as_str().unwrap(),
            state["oauth"]["client_secret"].as_str().unwrap()
        )
    };
    let first: serde_json::Value = p.http.get(url(&refresh)).send().await.unwrap().json().await.unwrap();
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(first["expires_in"], json!(3600));
    assert_ne!(first["refresh_token"].as_str().unwrap(), refresh);
    let (status, body) = p.call_app(access, "crm.deal.list", json!({"select": ["ID"]})).await;
    assert_eq!(status, 200, "{body}");
    // The old refresh token is spent.
    let again = p.http.get(url(&refresh)).send().await.unwrap();
    assert_eq!(again.status().as_u16(), 400);
    let body: serde_json::Value = again.json().await.unwrap();
    assert_eq!(body["error"], json!("invalid_grant"));
    // Wrong client secret.
    let bad = p.http.get(url(first["refresh_token"].as_str().unwrap()).replace("client_secret=", "client_secret=x")).send().await.unwrap();
    assert_eq!(bad.status().as_u16(), 401);
}
