//! The plan editor's API: the month grid, saving cells (audited), copy from a month, fill
//! the year ahead, XLSX/CSV import (all or nothing, located errors) and export, the audit
//! log, and the auto roll-forward on the first day of a month.

use std::collections::BTreeSet;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Query as AxQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};
use sg_metrics::directory::Directory;
use sg_metrics::period::Month;
use sg_metrics::plan::{PlanRow, copy_month};
use sg_sheets::SheetError;
use sg_sheets::plan::Format;
use sg_store::PlanEdit;

use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::{AppState, Snapshot};

pub fn body<T>(b: Result<Json<T>, JsonRejection>) -> ApiResult<T> {
    b.map(|Json(v)| v).map_err(|e| ApiError::bad(format!("request body: {}", e.body_text())))
}

/// The grid of one month: employees grouped by department, funnels as columns, the rows,
/// and each employee's fact so far (won deals).
pub async fn grid(State(state): State<AppState>, AxQuery(pairs): AxQuery<Vec<(String, String)>>) -> ApiResult<Json<Value>> {
    state
        .with_snapshot(move |s| {
            let p = Params::new(pairs, &[])?;
            let month = p.month("month")?.unwrap_or_else(|| Month::of(s.ctx().today()));
            let rows = s.reader.plans(month, month)?;
            let with_rows: BTreeSet<i64> = rows.iter().map(|r| r.user_id).collect();
            let departments: Vec<Value> = s
                .dir
                .departments
                .iter()
                .map(|d| {
                    let employees: Vec<Value> = s
                        .dir
                        .users
                        .iter()
                        .filter(|u| u.departments.first() == Some(&d.id) && (u.active || with_rows.contains(&u.id)))
                        .map(|u| json!({"id": u.id, "name": u.name, "active": u.active}))
                        .collect();
                    json!({"id": d.id, "name": d.name, "parent_id": d.parent_id, "employees": employees})
                })
                .filter(|d| d["employees"].as_array().is_some_and(|e| !e.is_empty()))
                .collect();
            let fact = month_fact(s, month)?;
            Ok(Json(json!({
                "month": month,
                "needs_review": rows.iter().any(|r| r.needs_review),
                "wd_total": s.calendar.wd_total(month),
                "funnels": s.dir.funnels,
                "departments": departments,
                "rows": rows,
                "fact": fact,
            })))
        })
        .await
}

/// Won deals of the month per employee (total and per funnel), from the plan report's facts.
fn month_fact(s: &Snapshot, month: Month) -> ApiResult<Value> {
    let q = sg_metrics::query::Query {
        period: month.period(),
        compare: Default::default(),
        filters: Default::default(),
        viewer: crate::viewer(),
    };
    let mut per_user: std::collections::BTreeMap<i64, (i64, Decimal, serde_json::Map<String, Value>)> = Default::default();
    for ((_, user, funnel), (count, amount)) in crate::planfact::facts(s, &q)? {
        let e = per_user.entry(user).or_default();
        e.0 += count;
        e.1 += amount;
        e.2.insert(funnel.to_string(), json!({"count": count, "amount": amount}));
    }
    Ok(Value::Object(
        per_user
            .into_iter()
            .map(|(u, (count, amount, funnels))| (u.to_string(), json!({"count": count, "amount": amount, "funnels": funnels})))
            .collect(),
    ))
}

#[derive(Deserialize)]
pub struct Key {
    month: Month,
    user_id: i64,
    funnel_id: Option<i64>,
}

#[derive(Deserialize)]
pub struct SaveBody {
    #[serde(default)]
    rows: Vec<PlanRow>,
    #[serde(default)]
    deletes: Vec<Key>,
}

/// Refuse rows naming unknown employees or funnels, or negative/out-of-range numbers.
fn validate(rows: &[PlanRow], dir: &Directory) -> ApiResult<()> {
    let mut problems = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let at = format!(
            "rows[{i}] ({} / user {} / funnel {})",
            r.month,
            r.user_id,
            r.funnel_id.map(|f| f.to_string()).unwrap_or_else(|| "all".into())
        );
        if !dir.users.iter().any(|u| u.id == r.user_id) {
            problems.push(format!("{at}: unknown employee {}", r.user_id));
        }
        if r.funnel_id.is_some_and(|f| !dir.funnels.iter().any(|x| x.id == f)) {
            problems.push(format!("{at}: unknown funnel {}", r.funnel_id.unwrap_or_default()));
        }
        if r.plan_amount.is_sign_negative() || r.plan_count < 0 {
            problems.push(format!("{at}: plan must not be negative"));
        }
        if r.bonus_pct.is_sign_negative() || r.bonus_pct > Decimal::from(100) {
            problems.push(format!("{at}: bonus % must be 0…100"));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(ApiError { details: Some(json!(problems)), ..ApiError::bad(problems[0].clone()) }) }
}

async fn directory(state: &AppState) -> ApiResult<Directory> {
    state.with_snapshot(|s| Ok((*s.dir).clone())).await
}

/// Employees still active in the portal (the only ones plans are copied for).
async fn active_employees(state: &AppState) -> ApiResult<BTreeSet<i64>> {
    Ok(directory(state).await?.users.iter().filter(|u| u.active).map(|u| u.id).collect())
}

pub async fn save(State(state): State<AppState>, b: Result<Json<SaveBody>, JsonRejection>) -> ApiResult<Json<Value>> {
    let b = body(b)?;
    let dir = directory(&state).await?;
    let rows: Vec<PlanRow> = b.rows.into_iter().map(|r| PlanRow { plan_amount: r.plan_amount.round_dp(2), ..r }).collect();
    validate(&rows, &dir)?;
    let deletes: Vec<_> = b.deletes.iter().map(|k| (k.month, k.user_id, k.funnel_id)).collect();
    let actor = state.settings().actor.clone();
    let changed = state.store().lock().await.write_plans(&rows, &deletes, &PlanEdit { actor: &actor, source: "editor" })?;
    Ok(Json(json!({"changed": changed})))
}

#[derive(Deserialize)]
pub struct CopyBody {
    from: Month,
    to: Month,
    #[serde(default)]
    overwrite: bool,
}

pub async fn copy(State(state): State<AppState>, b: Result<Json<CopyBody>, JsonRejection>) -> ApiResult<Json<Value>> {
    let b = body(b)?;
    let active = active_employees(&state).await?;
    let actor = state.settings().actor.clone();
    let mut store = state.store().lock().await;
    let source = store.plans(b.from, b.from)?;
    let target = store.plans(b.to, b.to)?;
    if !target.is_empty() && !b.overwrite {
        return Err(ApiError {
            status: StatusCode::CONFLICT,
            code: "month_not_empty",
            message: format!("{} already has {} plan rows; pass overwrite: true to replace them", b.to, target.len()),
            details: None,
        });
    }
    let rows = copy_month(&source, b.from, b.to, &active, false);
    let deletes: Vec<_> = target.iter().map(|r| r.key()).filter(|k| !rows.iter().any(|r| r.key() == *k)).collect();
    let changed = store.write_plans(&rows, &deletes, &PlanEdit { actor: &actor, source: &format!("copy:{}", b.from) })?;
    Ok(Json(json!({"copied": rows.len(), "changed": changed})))
}

#[derive(Deserialize)]
pub struct FillBody {
    from: Month,
}

/// Copy a month into every later month of its year that has no rows yet.
pub async fn fill_year(State(state): State<AppState>, b: Result<Json<FillBody>, JsonRejection>) -> ApiResult<Json<Value>> {
    let b = body(b)?;
    let active = active_employees(&state).await?;
    let actor = state.settings().actor.clone();
    let mut store = state.store().lock().await;
    let dec = Month::new(b.from.year, 12).expect("valid");
    let existing = store.plans(b.from, dec)?;
    let mut rows = Vec::new();
    let mut filled = Vec::new();
    for m in b.from.next().through(dec).filter(|_| b.from.month < 12) {
        if !existing.iter().any(|r| r.month == m) {
            rows.extend(copy_month(&existing, b.from, m, &active, false));
            filled.push(m);
        }
    }
    let changed = store.write_plans(&rows, &[], &PlanEdit { actor: &actor, source: &format!("fill-year:{}", b.from) })?;
    Ok(Json(json!({"filled": filled, "changed": changed})))
}

/// Import a plan workbook (XLSX) or CSV: every month in the file is replaced by the file's
/// rows; nothing is written when any row is wrong.
pub async fn import(State(state): State<AppState>, AxQuery(pairs): AxQuery<Vec<(String, String)>>, bytes: Bytes) -> ApiResult<Json<Value>> {
    let p = Params::new(pairs, &["name", "dry_run"])?;
    let name = p.one("name").unwrap_or("plan.xlsx").to_string();
    let dry_run = p.flag("dry_run")?;
    if bytes.is_empty() {
        return Err(ApiError::bad("the request body is empty: send the file's bytes"));
    }
    let dir = directory(&state).await?;
    let file = sg_sheets::plan::parse(&bytes, Format::guess(&name, &bytes), &dir).map_err(|e| match e {
        SheetError::Invalid(list) => {
            ApiError::invalid_file(format!("{name}: {} problem(s), nothing was imported; first: {}", list.len(), list[0]), json!(list))
        }
        other => ApiError::invalid_file(format!("{name}: {other}"), json!([])),
    })?;
    if dry_run {
        return Ok(Json(json!({"dry_run": true, "months": file.months, "rows": file.rows.len(), "changed": 0})));
    }
    let actor = state.settings().actor.clone();
    let mut store = state.store().lock().await;
    let (lo, hi) = (file.months[0], file.months[file.months.len() - 1]);
    let deletes: Vec<_> = store
        .plans(lo, hi)?
        .into_iter()
        .map(|r| r.key())
        .filter(|k| file.months.contains(&k.0) && !file.rows.iter().any(|r| r.key() == *k))
        .collect();
    let changed = store.write_plans(&file.rows, &deletes, &PlanEdit { actor: &actor, source: &format!("import:{name}") })?;
    Ok(Json(json!({"dry_run": false, "months": file.months, "rows": file.rows.len(), "changed": changed})))
}

pub fn attachment(bytes: Vec<u8>, file_name: &str, xlsx: bool) -> Response {
    let ct = if xlsx { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" } else { "text/csv; charset=utf-8" };
    // RFC 5987 for non-ASCII names, plus an ASCII fallback.
    let ascii: String = file_name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    let encoded: String = file_name
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b".-_".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    ([(header::CONTENT_TYPE, ct.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response()
}

pub async fn export(State(state): State<AppState>, AxQuery(pairs): AxQuery<Vec<(String, String)>>) -> ApiResult<Response> {
    state
        .with_snapshot(move |s| {
            let p = Params::new(pairs, &["format"])?;
            let year = s.ctx().today().year();
            let from = p.month("from")?.unwrap_or(Month::new(year, 1).expect("valid"));
            let to = p.month("to")?.unwrap_or(Month::new(year, 12).expect("valid"));
            if to < from || from.through(to).count() > 60 {
                return Err(ApiError::bad("export months: `to` must not be before `from`, at most 60 months"));
            }
            let rows = s.reader.plans(from, to)?;
            let months: Vec<Month> = from.through(to).collect();
            let write_err = |e: SheetError| ApiError::internal("export_failed", e.to_string());
            match p.one("format").unwrap_or("xlsx") {
                "xlsx" => Ok(attachment(
                    sg_sheets::plan::export(&rows, &months, &s.dir).map_err(write_err)?,
                    &format!("План_{from}_{to}.xlsx"),
                    true,
                )),
                "csv" => Ok(attachment(
                    sg_sheets::plan::export_csv(&rows, &months, &s.dir).map_err(write_err)?,
                    &format!("План_{from}_{to}.csv"),
                    false,
                )),
                f => Err(ApiError::bad(format!("format: `{f}` is not one of xlsx, csv"))),
            }
        })
        .await
}

pub async fn audit(State(state): State<AppState>, AxQuery(pairs): AxQuery<Vec<(String, String)>>) -> ApiResult<Json<Value>> {
    let p = Params::new(pairs, &["limit"])?;
    let limit = p.number("limit", 100, 10_000)?;
    let entries = state.store().lock().await.plan_audit(limit as usize)?;
    Ok(Json(json!({"entries": entries})))
}

/// Meta key: the last month the roll-forward was decided for (so it runs once a month and a
/// plan deleted later on purpose is not brought back).
const ROLLED: &str = "plan_roll_forward_month";

/// On the first day of a month with no plan rows (or the first check after it, if the server
/// was down), copy the previous month's rows of still-active employees, marked for review.
/// Decided once per month. Returns the month and the rows copied when it copied something.
pub async fn roll_forward(state: &AppState) -> ApiResult<Option<(Month, usize)>> {
    let (today, dir) = state.with_snapshot(|s| Ok((s.ctx().today(), (*s.dir).clone()))).await?;
    let month = Month::of(today);
    let mut store = state.store().lock().await;
    if store.meta(ROLLED)?.as_deref() == Some(month.to_string().as_str()) {
        return Ok(None);
    }
    let existing = store.plans(month.prev(), month)?;
    let rows = sg_metrics::plan::roll_forward(month, &existing, &dir);
    if !rows.is_empty() {
        store.write_plans(&rows, &[], &PlanEdit { actor: "salesgauge", source: "roll-forward" })?;
        store.set_meta("plan_roll_forward", &format!("{month}: {} rows copied from {}, needs review", rows.len(), month.prev()))?;
    }
    store.set_meta(ROLLED, &month.to_string())?;
    Ok((!rows.is_empty()).then_some((month, rows.len())))
}
