//! `/_emulator/...`: a JSON control API for tests and the demo — state, recorded messages,
//! deterministic live steps, deletions, faults, limits, overload, OAuth helpers, dumps.
//! It is not part of Bitrix24; the product's code never calls it.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::events::Binding;
use crate::faults::FaultSpec;
use crate::limits::RateLimit;
use crate::portal::Portal;
use crate::rest::value::render_time;

pub fn router() -> Router<Arc<Portal>> {
    Router::new()
        .route("/_emulator/state", get(state))
        .route("/_emulator/messages", get(messages))
        .route("/_emulator/live/step", post(live_step))
        .route("/_emulator/deals/{id}/delete", post(delete_deal))
        .route("/_emulator/deals/{id}/corrupt", post(corrupt_deal))
        .route("/_emulator/faults", post(set_faults))
        .route("/_emulator/limits", post(set_limits))
        .route("/_emulator/overload", post(set_overload))
        .route("/_emulator/outgoing-webhook", post(outgoing_webhook))
        .route("/_emulator/oauth/code", post(oauth_code))
        .route("/_emulator/oauth/expire", post(oauth_expire))
        .route("/_emulator/dump", post(dump))
}

fn bad(msg: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": msg}))).into_response()
}

async fn state(State(p): State<Arc<Portal>>) -> Json<Value> {
    let c = p.company.read().expect("company lock");
    let auth = p.auth.lock().expect("auth lock");
    let hub = p.hub.lock().expect("hub lock");
    let alive = |n: usize| json!(n);
    Json(json!({
        "base_url": p.base_url,
        "webhook_url": format!("{}/rest/{}/{}/", p.base_url, auth.webhooks[0].user, auth.webhooks[0].code),
        "limited_webhook_url": format!("{}/rest/{}/{}/", p.base_url, auth.webhooks[1].user, auth.webhooks[1].code),
        "oauth": {"client_id": auth.client_id, "client_secret": auth.client_secret, "member_id": auth.member_id,
                  "application_token": auth.application_token, "token_endpoint": format!("{}/oauth/token/", p.base_url)},
        "now": render_time(c.tz, p.clock.now_secs()),
        "time_zone": c.tz.name(),
        "counts": {
            "deals": alive(c.deals.iter().filter(|d| !d.deleted).count()),
            "leads": alive(c.leads.iter().filter(|l| !l.deleted).count()),
            "activities": alive(c.activities.iter().filter(|a| !a.deleted).count()),
            "calls": c.calls.len(), "tasks": c.tasks.len(), "comments": c.comments.len(),
            "deal_stage_history": c.deal_history.len(), "lead_stage_history": c.lead_history.len(), "users": c.users.len(),
        },
        "requests": p.requests.load(Ordering::Relaxed),
        "events_raised": hub.raised,
        "offline_queue": hub.offline.len(),
    }))
}

async fn messages(State(p): State<Arc<Portal>>) -> Json<Value> {
    Json(json!(*p.messages.lock().expect("messages lock")))
}

#[derive(Deserialize)]
struct StepRequest {
    #[serde(default = "one")]
    n: u32,
    #[serde(default)]
    seed: u64,
}
fn one() -> u32 {
    1
}

async fn live_step(State(p): State<Arc<Portal>>, Json(req): Json<StepRequest>) -> Json<Value> {
    let mut rng = ChaCha8Rng::seed_from_u64(req.seed ^ 0x57E9);
    let mut all = Vec::new();
    for _ in 0..req.n {
        all.extend(crate::live::step(&p, &mut rng).into_iter().map(|(name, data)| json!({"event": name, "data": data})));
    }
    Json(json!({"events": all}))
}

async fn delete_deal(State(p): State<Arc<Portal>>, Path(id): Path<u32>) -> Response {
    let now = p.clock.now_secs();
    let mut events = Vec::new();
    let deleted = crate::live::delete_deal(&mut p.company.write().expect("company lock"), id, now, &mut events);
    if !deleted {
        return (StatusCode::NOT_FOUND, Json(json!({"error": format!("deal {id} not found")}))).into_response();
    }
    for (name, data) in &events {
        p.raise(name, data.clone());
    }
    Json(json!({"deleted": id, "events": events.len()})).into_response()
}

/// Send these raw field values for a deal in `crm.deal.list` (an empty object clears).
async fn corrupt_deal(
    State(p): State<Arc<Portal>>,
    Path(id): Path<u32>,
    Json(fields): Json<serde_json::Map<String, Value>>,
) -> Json<Value> {
    let mut corrupt = p.corrupt_deals.lock().expect("corrupt lock");
    if fields.is_empty() {
        corrupt.remove(&id);
    } else {
        corrupt.insert(id, fields);
    }
    Json(json!({"ok": true}))
}

#[derive(Deserialize)]
struct FaultRequest {
    spec: String,
}

async fn set_faults(State(p): State<Arc<Portal>>, Json(req): Json<FaultRequest>) -> Response {
    match FaultSpec::parse(&req.spec) {
        Ok(spec) => {
            p.faults.lock().expect("faults lock").spec = spec;
            Json(json!({"ok": true})).into_response()
        }
        Err(e) => bad(e),
    }
}

#[derive(Deserialize)]
struct LimitsRequest {
    rate: Option<String>,
    operating_limit: Option<f64>,
    #[serde(default)]
    operating_cost: f64,
}

async fn set_limits(State(p): State<Arc<Portal>>, Json(req): Json<LimitsRequest>) -> Response {
    let rate = match req.rate.as_deref().map(RateLimit::parse).transpose() {
        Ok(r) => r,
        Err(e) => return bad(e),
    };
    let mut limits = p.limits.lock().expect("limits lock");
    *limits = crate::limits::Limits::new(rate, req.operating_limit);
    limits.operating_cost = req.operating_cost;
    Json(json!({"ok": true})).into_response()
}

#[derive(Deserialize)]
struct OverloadRequest {
    on: bool,
}

async fn set_overload(State(p): State<Arc<Portal>>, Json(req): Json<OverloadRequest>) -> Json<Value> {
    p.overload.store(req.on, Ordering::Relaxed);
    Json(json!({"ok": true}))
}

#[derive(Deserialize)]
struct OutgoingRequest {
    handler: String,
    events: Vec<String>,
}

/// What an administrator does in the portal UI: an outgoing webhook for some events, with
/// its own application token.
async fn outgoing_webhook(State(p): State<Arc<Portal>>, Json(req): Json<OutgoingRequest>) -> Response {
    let token = format!("{:032x}", u128::from(p.requests.load(Ordering::Relaxed)) * 0x9E37_79B9_7F4A_7C15 + 0x5EED);
    let mut hub = p.hub.lock().expect("hub lock");
    for event in &req.events {
        let b = Binding {
            id: 0,
            event: event.clone(),
            handler: Some(req.handler.clone()),
            offline: false,
            auth_type: 0,
            application_token: token.clone(),
            outgoing_webhook: true,
        };
        if hub.bind(b).is_err() {
            return bad(format!("unknown event {event}"));
        }
    }
    Json(json!({"application_token": token})).into_response()
}

#[derive(Deserialize)]
struct CodeRequest {
    #[serde(default = "one")]
    user: u32,
}

async fn oauth_code(State(p): State<Arc<Portal>>, Json(req): Json<CodeRequest>) -> Json<Value> {
    let code = p.auth.lock().expect("auth lock").authorization_code(req.user, p.clock.now_secs());
    Json(json!({"code": code}))
}

async fn oauth_expire(State(p): State<Arc<Portal>>) -> Json<Value> {
    p.auth.lock().expect("auth lock").expire_all(p.clock.now_secs());
    Json(json!({"ok": true}))
}

#[derive(Deserialize)]
struct DumpRequest {
    dir: String,
}

async fn dump(State(p): State<Arc<Portal>>, Json(req): Json<DumpRequest>) -> Response {
    let c = p.company.read().expect("company lock");
    match crate::dump::write(&c, std::path::Path::new(&req.dir)) {
        Ok(()) => Json(json!({"ok": true, "dir": req.dir})).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"error": format!("{e:#}")}))).into_response(),
    }
}
