//! Live changes reach online handlers as form-encoded POSTs and the offline queue.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use serde_json::json;
use sg_emulator::EmulatorConfig;

use crate::support::Portal;

type Received = Arc<Mutex<Vec<Vec<(String, String)>>>>;

async fn handler_server() -> (String, Received) {
    let received: Received = Arc::default();
    let sink = received.clone();
    let app = Router::new().route(
        "/events",
        post(move |body: Bytes| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push(form_urlencoded::parse(&body).into_owned().collect());
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/events", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

#[tokio::test]
async fn outgoing_webhook_gets_form_posts_with_the_application_token() {
    let p = Portal::start(EmulatorConfig::for_tests(500)).await;
    let (url, received) = handler_server().await;
    let reg = p
        .control(
            "outgoing-webhook",
            json!({"handler": url, "events": ["ONCRMDEALUPDATE", "ONCRMLEADADD", "ONCRMDEALADD", "ONCRMACTIVITYADD"]}),
        )
        .await;
    let token = reg["application_token"].as_str().unwrap().to_string();
    let steps = p.control("live/step", json!({"n": 40, "seed": 3})).await;
    let raised: Vec<String> = steps["events"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap().to_string()).collect();
    let expected =
        raised.iter().filter(|e| ["ONCRMDEALUPDATE", "ONCRMLEADADD", "ONCRMDEALADD", "ONCRMACTIVITYADD"].contains(&e.as_str())).count();
    assert!(expected > 5, "live mode raised {raised:?}");
    for _ in 0..100 {
        if received.lock().unwrap().len() >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), expected);
    for form in &got {
        let get = |k: &str| form.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        assert_eq!(get("auth[application_token]"), Some(token.clone()));
        assert!(get("data[FIELDS][ID]").is_some_and(|id| id.parse::<u32>().is_ok()));
        assert!(get("event").is_some());
        assert!(get("auth[access_token]").is_none(), "outgoing webhooks carry no tokens");
    }
    // A changed deal is visible through the API right away.
    let deal_update = got.iter().find(|f| f.iter().any(|(k, v)| k == "event" && v == "ONCRMDEALUPDATE")).expect("a deal update");
    let id = deal_update.iter().find(|(k, _)| k == "data[FIELDS][ID]").unwrap().1.clone();
    let (status, body) = p.call("crm.deal.get", json!({"id": id})).await;
    assert!(status == 200 || body["error_description"] == json!("Not found"), "{body}");
}

#[tokio::test]
async fn offline_queue_with_reserve_and_clear() {
    let p = Portal::start(EmulatorConfig::for_tests(500)).await;
    let token = p.app_token(1).await["access_token"].as_str().unwrap().to_string();
    for event in ["ONCRMDEALUPDATE", "ONCRMDEALADD", "ONCRMLEADADD", "ONCRMDEALDELETE"] {
        let (status, body) = p.call_app(&token, "event.bind", json!({"event": event, "event_type": "offline"})).await;
        assert_eq!(status, 200, "{body}");
    }
    let (_, bound) = p.call_app(&token, "event.get", json!({})).await;
    assert_eq!(bound["result"].as_array().unwrap().len(), 4);
    p.control("live/step", json!({"n": 60, "seed": 5})).await;
    p.control("deals/7/delete", json!({})).await;
    let (_, listed) = p.call_app(&token, "event.offline.list", json!({})).await;
    let queued = listed["total"].as_u64().unwrap();
    assert!(queued > 0);
    // Reserve, then confirm.
    let (_, got) = p.call_app(&token, "event.offline.get", json!({"clear": 0, "limit": 1000})).await;
    let events = got["result"]["events"].as_array().unwrap();
    assert_eq!(events.len() as u64, queued);
    assert!(events.iter().any(|e| e["EVENT_NAME"] == json!("ONCRMDEALDELETE") && e["EVENT_DATA"]["FIELDS"]["ID"] == json!("7")));
    let process = got["result"]["process_id"].as_str().unwrap();
    let (_, again) = p.call_app(&token, "event.offline.get", json!({"clear": 0})).await;
    assert_eq!(again["result"]["events"].as_array().unwrap().len(), 0, "reserved records are not handed out twice");
    let (status, _) = p.call_app(&token, "event.offline.clear", json!({"process_id": process})).await;
    assert_eq!(status, 200);
    let (_, listed) = p.call_app(&token, "event.offline.list", json!({})).await;
    assert_eq!(listed["total"], json!(0));
    // The deleted deal is gone from lists and get.
    let (status, body) = p.call("crm.deal.get", json!({"id": 7})).await;
    assert_eq!((status, body["error_description"].as_str()), (400, Some("Not found")));
}

#[tokio::test]
async fn chat_messages_are_recorded() {
    let p = Portal::start(EmulatorConfig::for_tests(100)).await;
    let (status, body) = p.call("im.message.add", json!({"DIALOG_ID": "chat12", "MESSAGE": "[B]План:[/B] 87%"})).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["result"].as_u64().is_some());
    let (status, body) = p.call("im.message.add", json!({"DIALOG_ID": "chat12", "MESSAGE": ""})).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("MESSAGE_EMPTY")));
    let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
    let (status, body) = p
        .call("im.v2.File.upload", json!({"dialogId": "chat12", "fields": {"name": "digest.png", "content": png, "message": "Итоги дня"}}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["file"]["type"], json!("image"));
    let (status, body) = p.call("batch", json!({"cmd": {"f": "im.v2.File.upload?dialogId=chat1"}})).await;
    assert_eq!(status, 200);
    assert_eq!(body["result"]["result_error"]["f"]["error"], json!("ERROR_BATCH_METHOD_NOT_ALLOWED"));
    let messages: serde_json::Value = p.http.get(format!("{}/_emulator/messages", p.base())).send().await.unwrap().json().await.unwrap();
    let m = messages.as_array().unwrap();
    assert_eq!(m.len(), 2);
    assert_eq!(m[0]["MESSAGE"], json!("[B]План:[/B] 87%"));
    assert_eq!(m[1]["png"], json!(true));
}
