//! Bitrix24 outbound events: parse and verify a form-encoded event POST, then apply a batch of
//! events by fetching the objects they name (events only say *what* changed).

use std::collections::BTreeSet;

use serde_json::{Value, json};
use sg_bitrix24::{Client, query};
use sg_store::schema::*;
use sg_store::{Change, Store};
use subtle::ConstantTimeEq;

use crate::engine::{SyncError, malformed};
use crate::entities::TASK_SELECT;
use crate::rows;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Upper-case event name, e.g. `ONCRMDEALUPDATE`.
    pub name: String,
    pub id: i64,
    /// For timeline comments: the deal they belong to, when the payload says.
    pub entity_id: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("the event has no auth[application_token]")]
    NoToken,
    #[error("auth[application_token] does not match the configured token")]
    BadToken,
    #[error("malformed event: {0}")]
    Malformed(String),
}

/// Parse an event body and verify its application token in constant time. `Ok(None)` for
/// events that name no object salesgauge keeps.
pub fn parse(body: &[u8], expected_token: &str) -> Result<Option<Event>, EventError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let token = get("auth[application_token]").ok_or(EventError::NoToken)?;
    if expected_token.is_empty() || !bool::from(token.as_bytes().ct_eq(expected_token.as_bytes())) {
        return Err(EventError::BadToken);
    }
    let name = get("event").ok_or_else(|| EventError::Malformed("no `event` field".into()))?.to_ascii_uppercase();
    let raw_id = get("data[FIELDS][ID]").or_else(|| get("data[FIELDS_AFTER][ID]")).or_else(|| get("data[CRM_ACTIVITY_ID]"));
    let Some(raw_id) = raw_id else { return Ok(None) };
    let id = raw_id.parse().map_err(|_| EventError::Malformed(format!("{name}: object id `{raw_id}` is not a number")))?;
    let entity_id = get("data[FIELDS][ENTITY_ID]").and_then(|s| s.parse().ok());
    let name = if name == "ONVOXIMPLANTCALLEND" { "ONCRMACTIVITYUPDATE".to_string() } else { name };
    Ok(Some(Event { name, id, entity_id }))
}

#[derive(Default)]
struct Plan {
    deals: BTreeSet<i64>,
    deleted_deals: BTreeSet<i64>,
    leads: BTreeSet<i64>,
    deleted_leads: BTreeSet<i64>,
    activities: BTreeSet<i64>,
    deleted_activities: BTreeSet<i64>,
    comment_deals: BTreeSet<i64>,
    tasks: BTreeSet<i64>,
    deleted_tasks: BTreeSet<i64>,
}

/// Apply events: fetch the changed objects (and the stage history of changed deals and leads)
/// in one `batch` per 50 commands, write them in one transaction. Returns rows written.
pub async fn apply(client: &Client, store: &mut Store, events: &[Event]) -> Result<usize, SyncError> {
    let mut plan = Plan::default();
    for e in events {
        let n = e.name.as_str();
        match n {
            "ONCRMDEALADD" | "ONCRMDEALUPDATE" | "ONCRMDEALMOVETOCATEGORY" => plan.deals.insert(e.id),
            "ONCRMDEALDELETE" => plan.deleted_deals.insert(e.id),
            "ONCRMLEADADD" | "ONCRMLEADUPDATE" => plan.leads.insert(e.id),
            "ONCRMLEADDELETE" => plan.deleted_leads.insert(e.id),
            "ONCRMACTIVITYADD" | "ONCRMACTIVITYUPDATE" => plan.activities.insert(e.id),
            "ONCRMACTIVITYDELETE" => plan.deleted_activities.insert(e.id),
            "ONCRMTIMELINECOMMENTADD" | "ONCRMTIMELINECOMMENTUPDATE" | "ONCRMTIMELINECOMMENTDELETE" => match e.entity_id {
                Some(deal) => plan.comment_deals.insert(deal),
                None => false,
            },
            "ONTASKADD" | "ONTASKUPDATE" => plan.tasks.insert(e.id),
            "ONTASKDELETE" => plan.deleted_tasks.insert(e.id),
            _ => false,
        };
    }
    for d in &plan.deleted_deals {
        plan.deals.remove(d);
    }
    let ids = |s: &BTreeSet<i64>| s.iter().copied().collect::<Vec<_>>();
    // (key, method, params); every command's further pages are fetched below.
    let mut cmds: Vec<(String, &str, Value)> = Vec::new();
    for (i, chunk) in ids(&plan.deals).chunks(50).enumerate() {
        cmds.push((format!("d{i}"), "crm.deal.list", json!({"filter": {"@ID": chunk}, "select": ["*", "UF_*"], "start": -1})));
    }
    for (i, chunk) in ids(&plan.deals).chunks(10).enumerate() {
        cmds.push((
            format!("dh{i}"),
            "crm.stagehistory.list",
            json!({"entityTypeId": 2, "filter": {"@OWNER_ID": chunk}, "order": {"ID": "ASC"}}),
        ));
    }
    for (i, chunk) in ids(&plan.leads).chunks(50).enumerate() {
        cmds.push((format!("l{i}"), "crm.lead.list", json!({"filter": {"@ID": chunk}, "select": ["*"], "start": -1})));
    }
    for (i, chunk) in ids(&plan.leads).chunks(10).enumerate() {
        cmds.push((
            format!("lh{i}"),
            "crm.stagehistory.list",
            json!({"entityTypeId": 1, "filter": {"@OWNER_ID": chunk}, "order": {"ID": "ASC"}}),
        ));
    }
    for (i, chunk) in ids(&plan.activities).chunks(50).enumerate() {
        cmds.push((format!("a{i}"), "crm.activity.list", json!({"filter": {"@ID": chunk}, "select": ["*"], "start": -1})));
    }
    for (i, chunk) in ids(&plan.comment_deals).chunks(20).enumerate() {
        cmds.push((format!("c{i}"), "crm.timeline.comment.list", json!({"filter": {"ENTITY_TYPE": "deal", "ENTITY_ID": chunk}})));
    }
    for id in &plan.tasks {
        // tasks.task.list has no IN filter.
        cmds.push((format!("t{id}"), "tasks.task.list", json!({"filter": {"ID": id}, "select": TASK_SELECT})));
    }
    let results = fetch_all(client, &cmds).await?;
    let mut changes = Vec::new();
    let mut affected: BTreeSet<i64> = plan.deals.clone();
    let mut written = 0;
    let mut collect = |prefix: &str,
                       items_key: Option<&str>,
                       parse: fn(&Value) -> Result<rows::Row, sg_bitrix24::wire::FieldError>|
     -> Result<Vec<rows::Row>, SyncError> {
        let mut out = Vec::new();
        for (key, value) in results.iter().filter(|(k, _)| k.starts_with(prefix) && k[prefix.len()..].chars().all(|c| c.is_ascii_digit())) {
            let list = match items_key {
                Some(i) => value.get(i),
                None => Some(value),
            };
            for item in list.and_then(Value::as_array).into_iter().flatten() {
                out.push(parse(item).map_err(|source| malformed(key, prefix, item, "ID", source))?);
            }
        }
        written += out.len();
        Ok(out)
    };
    changes.push(Change::upsert(&DEALS, collect("d", None, rows::deal)?));
    changes.push(Change::upsert(&DEAL_STAGE_HISTORY, collect("dh", Some("items"), rows::deal_history)?));
    changes.push(Change::upsert(&LEADS, collect("l", None, rows::lead)?));
    changes.push(Change::upsert(&LEAD_STAGE_HISTORY, collect("lh", Some("items"), rows::lead_history)?));
    let activities = collect("a", None, rows::activity)?;
    for row in &activities {
        let owner_type = row[ACTIVITIES.index("owner_type_id").expect("column")].as_deref();
        let owner = row[ACTIVITIES.index("owner_id").expect("column")].as_deref().and_then(|s| s.parse().ok());
        if let (Some("2"), Some(owner)) = (owner_type, owner) {
            affected.insert(owner);
        }
    }
    changes.push(Change::upsert(&ACTIVITIES, activities));
    let mut comments = Change::upsert(&COMMENTS, collect("c", None, rows::comment)?);
    comments.delete_where = Some(("entity_id", plan.comment_deals.iter().map(i64::to_string).collect()));
    affected.extend(&plan.comment_deals);
    changes.push(comments);
    changes.push(Change::upsert(&TASKS, collect("t", Some("tasks"), rows::task)?));
    let strings = |s: &BTreeSet<i64>| s.iter().map(i64::to_string).collect::<Vec<_>>();
    changes.push(Change::delete(&DEALS, strings(&plan.deleted_deals)));
    let mut deal_comments = Change::upsert(&COMMENTS, Vec::new());
    deal_comments.delete_where = Some(("entity_id", strings(&plan.deleted_deals)));
    changes.push(deal_comments);
    changes.push(Change::delete(&LEADS, strings(&plan.deleted_leads)));
    // A deleted deal takes its activities with it, whether or not their delete events came.
    if !plan.deleted_deals.is_empty() {
        let owners = plan.deleted_deals.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let owned =
            store.query_text(&format!("SELECT CAST(id AS VARCHAR) FROM activities WHERE owner_type_id = 2 AND owner_id IN ({owners})"))?;
        plan.deleted_activities.extend(owned.into_iter().filter_map(|r| r[0].as_deref().and_then(|s| s.parse::<i64>().ok())));
    }
    changes.push(Change::delete(&ACTIVITIES, strings(&plan.deleted_activities)));
    changes.push(Change::delete(&TASKS, strings(&plan.deleted_tasks)));
    for d in &plan.deleted_deals {
        affected.remove(d);
    }
    // A new activity or comment changes its deal's LAST_ACTIVITY_TIME without a deal event:
    // fetch those deals too.
    let extra: Vec<i64> = affected.iter().copied().filter(|d| !plan.deals.contains(d) && !plan.deleted_deals.contains(d)).collect();
    let extra_cmds: Vec<(String, &str, Value)> = extra
        .chunks(50)
        .enumerate()
        .map(|(i, ids)| (format!("x{i}"), "crm.deal.list", json!({"filter": {"@ID": ids}, "select": ["*", "UF_*"], "start": -1})))
        .collect();
    let extra_rows = fetch_all(client, &extra_cmds).await?;
    let mut rows_out = Vec::new();
    for item in extra_rows.values().filter_map(Value::as_array).flatten() {
        rows_out.push(rows::deal(item).map_err(|source| malformed("crm.deal.list", "deal", item, "ID", source))?);
    }
    changes.push(Change::upsert(&DEALS, rows_out));
    let affected: Vec<i64> = affected.into_iter().collect();
    store.apply(&changes, &[], &affected)?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(token: &str, event: &str, id: &str) -> Vec<u8> {
        format!("event={event}&event_handler_id=201&data%5BFIELDS%5D%5BID%5D={id}&ts=1736405807&auth%5Bapplication_token%5D={token}")
            .into_bytes()
    }

    #[test]
    fn verifies_the_token_and_reads_the_object() {
        assert_eq!(
            parse(&body("s3cret", "ONCRMDEALUPDATE", "759"), "s3cret").unwrap(),
            Some(Event { name: "ONCRMDEALUPDATE".into(), id: 759, entity_id: None })
        );
        assert_eq!(parse(&body("wrong!", "ONCRMDEALUPDATE", "759"), "s3cret"), Err(EventError::BadToken));
        assert_eq!(parse(&body("s3cre", "ONCRMDEALUPDATE", "759"), "s3cret"), Err(EventError::BadToken));
        assert_eq!(parse(b"event=ONCRMDEALUPDATE&data%5BFIELDS%5D%5BID%5D=1", "s3cret"), Err(EventError::NoToken));
        assert!(matches!(parse(&body("s3cret", "ONCRMDEALUPDATE", "abc"), "s3cret"), Err(EventError::Malformed(_))));
        assert_eq!(parse(&body("s3cret", "onCrmActivityAdd", "5"), "s3cret").unwrap().unwrap().name, "ONCRMACTIVITYADD");
        // An empty configured token accepts nothing.
        assert_eq!(parse(&body("", "ONCRMDEALUPDATE", "1"), ""), Err(EventError::BadToken));
    }
}

/// Run commands in batches of 50 and follow `next` for commands with more pages; the rows of
/// all pages end up under the command's key (inside `items`/`tasks` where the method nests).
async fn fetch_all(client: &Client, cmds: &[(String, &str, Value)]) -> Result<serde_json::Map<String, Value>, SyncError> {
    let mut results = serde_json::Map::new();
    for chunk in cmds.chunks(50) {
        let encoded: Vec<(String, String)> = chunk.iter().map(|(k, m, p)| (k.clone(), query::command(m, p, &[]))).collect();
        let resp = client.batch(&encoded).await?;
        for (key, method, params) in chunk {
            if let Some(code) = resp.error_code(key) {
                return Err(SyncError::Protocol { method: (*method).into(), detail: format!("event fetch {key} failed: {code}") });
            }
            let mut value = resp.result.get(key).cloned().unwrap_or(Value::Null);
            let mut next = resp.next.get(key).and_then(Value::as_u64);
            while let Some(start) = next {
                let mut p = params.clone();
                p["start"] = json!(start);
                let page = client.call(method, &p).await?;
                let nest = ["items", "tasks"].into_iter().find(|n| page.result.get(n).is_some());
                let (more, into) = match nest {
                    Some(n) => (page.result.get(n).cloned(), value.get_mut(n)),
                    None => (Some(page.result.clone()), Some(&mut value)),
                };
                if let (Some(Value::Array(more)), Some(Value::Array(into))) = (more, into) {
                    into.extend(more);
                }
                next = page.next;
            }
            results.insert(key.clone(), value);
        }
    }
    Ok(results)
}

/// Pull the portal's offline event queue (for portals that cannot reach us): reserve up to 50
/// records (`event.offline.get`, `clear: 0`), apply them, then confirm (`event.offline.clear`).
/// Records of a failed batch stay reserved and are not confirmed; the next poll catches up.
/// Needs application (OAuth) auth of a portal administrator. Returns events applied.
pub async fn poll_offline(client: &Client, store: &mut Store) -> Result<usize, SyncError> {
    let mut total = 0;
    loop {
        let r = client.call("event.offline.get", &json!({"clear": 0, "limit": 50})).await?;
        let items = r.result.get("events").and_then(Value::as_array).cloned().unwrap_or_default();
        if items.is_empty() {
            return Ok(total);
        }
        let events: Vec<Event> = items.iter().filter_map(offline_event).collect();
        apply(client, store, &events).await?;
        if let Some(process) = r.result.get("process_id").and_then(Value::as_str) {
            client.call("event.offline.clear", &json!({"process_id": process})).await?;
        }
        total += events.len();
        if items.len() < 50 {
            return Ok(total);
        }
    }
}

fn offline_event(e: &Value) -> Option<Event> {
    let name = e.get("EVENT_NAME")?.as_str()?.to_ascii_uppercase();
    let data = e.get("EVENT_DATA")?;
    let number = |v: &Value| v.as_i64().or_else(|| v.as_str()?.parse().ok());
    let id = data.pointer("/FIELDS/ID").or_else(|| data.pointer("/FIELDS_AFTER/ID")).and_then(number)?;
    let entity_id = data.pointer("/FIELDS/ENTITY_ID").and_then(number);
    Some(Event { name, id, entity_id })
}

/// The HTTP intake for outbound events: verifies each POST and answers at once; a worker
/// applies queued events in small batches.
pub mod intake {
    use std::sync::Arc;
    use std::time::Duration;

    use axum::Router;
    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response};
    use axum::routing::post;
    use serde_json::json;
    use sg_bitrix24::Client;
    use sg_store::Store;
    use tokio::sync::{Mutex, mpsc};

    use super::{Event, EventError, apply, parse};

    pub const PATH: &str = "/api/v1/bitrix24/events";

    #[derive(Clone)]
    struct Intake {
        token: Arc<String>,
        queue: mpsc::UnboundedSender<Event>,
    }

    fn error(status: StatusCode, code: &str, message: String) -> Response {
        (status, axum::Json(json!({"error": {"code": code, "message": message}}))).into_response()
    }

    async fn receive(State(intake): State<Intake>, body: Bytes) -> Response {
        match parse(&body, &intake.token) {
            Ok(Some(event)) => {
                // Unbounded: Bitrix24 never retries, so an event dropped here would be lost.
                let _ = intake.queue.send(event);
                (StatusCode::OK, "ok").into_response()
            }
            Ok(None) => (StatusCode::OK, "ignored").into_response(),
            Err(e @ (EventError::NoToken | EventError::BadToken)) => error(StatusCode::UNAUTHORIZED, "unauthorized", e.to_string()),
            Err(e) => error(StatusCode::BAD_REQUEST, "bad_event", e.to_string()),
        }
    }

    /// The router for `POST /api/v1/bitrix24/events` and the queue it fills.
    pub fn router(application_token: String) -> (Router, mpsc::UnboundedReceiver<Event>) {
        let (queue, rx) = mpsc::unbounded_channel();
        let router = Router::new().route(PATH, post(receive)).with_state(Intake { token: Arc::new(application_token), queue });
        (router, rx)
    }

    /// Apply queued events until the queue closes: wait for one, gather what else arrives
    /// within 200 ms, fetch and write them together.
    pub async fn worker(mut rx: mpsc::UnboundedReceiver<Event>, client: Arc<Client>, store: Arc<Mutex<Store>>) {
        while let Some(first) = rx.recv().await {
            let mut events = vec![first];
            let deadline = tokio::time::Instant::now() + Duration::from_millis(200);
            while let Ok(Some(e)) = tokio::time::timeout_at(deadline, rx.recv()).await {
                events.push(e);
            }
            let mut store = store.lock().await;
            match apply(&client, &mut store, &events).await {
                Ok(rows) => tracing::debug!(events = events.len(), rows, "events applied"),
                Err(e) => tracing::warn!("applying {} events failed (the next poll catches up): {e}", events.len()),
            }
        }
    }
}
