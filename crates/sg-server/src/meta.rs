//! Freshness, directories, the metric catalogue («Как считается») and the calendar.

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{Datelike, NaiveDate, Utc};
use serde_json::{Value, json};
use sg_metrics::catalogue::{PLAN, SALES};
use sg_metrics::lists::LEAD_FIGURES;

use crate::error::{ApiError, ApiResult};
use crate::{AppState, Snapshot, lag_seconds};

fn freshness(s: &Snapshot) -> ApiResult<Value> {
    let rows = s.rows("SELECT entity, last_success_at, last_error, last_error_at FROM sync_status ORDER BY entity")?;
    let errors: Vec<Value> = rows
        .rows
        .iter()
        .filter(|r| r[2].text().is_some() && r[3].int() > r[1].int())
        .map(|r| json!({"entity": r[0].text(), "error": r[2].text(), "at": r[3].int()}))
        .collect();
    Ok(json!({
        "last_sync_at": s.last_sync,
        "lag_seconds": lag_seconds(Utc::now().timestamp(), s.last_sync),
        "now": s.now,
        "errors": errors,
    }))
}

pub async fn status(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    state.with_snapshot(|s| Ok(Json(freshness(s)?))).await
}

pub async fn meta(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    state
        .with_snapshot(|s| {
            let set = s.settings();
            Ok(Json(json!({
                "directory": *s.dir,
                "today": s.ctx().today(),
                "freshness": freshness(s)?,
                "settings": {
                    "time_zone": set.zone.name(),
                    "portal_url": set.portal_url,
                    "forgotten_deal_days": set.forgotten_deal_days,
                    "forgotten_lead_days": set.forgotten_lead_days,
                    "fact_basis": "won_deals",
                },
            })))
        })
        .await
}

/// Every metric's definition, generated from the catalogue.
pub async fn catalogue() -> Json<Value> {
    let sales: Vec<Value> = SALES
        .iter()
        .map(|m| json!({"id": m.id, "section": "sales", "name": m.name, "description": m.description, "formula": m.formula, "unit": m.unit, "periodic": m.periodic}))
        .collect();
    let plan: Vec<Value> = PLAN
        .iter()
        .map(|(id, name, formula, unit)| json!({"id": id, "section": "plan", "name": name, "formula": formula, "unit": unit}))
        .collect();
    let leads: Vec<Value> = LEAD_FIGURES
        .iter()
        .map(|id| {
            let (ru, en, formula) = sg_metrics::lists::lead_doc(id);
            json!({"id": id, "section": "leads", "name": {"ru": ru, "en": en}, "formula": formula, "unit": "count"})
        })
        .collect();
    let stages: Vec<Value> = sg_metrics::lists::STAGE_DOCS
        .iter()
        .map(|(id, ru, en, formula, unit)| json!({"id": id, "section": "stages", "name": {"ru": ru, "en": en}, "formula": formula, "unit": unit}))
        .collect();
    Json(json!({
        "conventions": {
            "ru": "Границы дней, недель (с понедельника), месяцев и кварталов — в часовом поясе портала. «Сейчас» — время последней синхронизации. Деньги — в базовой валюте по курсам портала, суммы без двоичной плавающей точки; показываются до рубля, доли — до 0,1 %. Деление на ноль даёт «нет значения» (—). Сделка относится к ответственному сейчас и ко всем его отделам (с подотделами), в отделе считается один раз.",
            "en": "Day, week (from Monday), month and quarter boundaries are in the portal's time zone. \"Now\" is the last successful sync. Money is in the base currency at the portal's rates, summed as decimals; shown to the ruble, ratios to 0.1 %. Division by zero gives no value (—). A deal belongs to its current responsible employee and every department he is in (with parents), counted once per department."
        },
        "metrics": sales.into_iter().chain(plan).chain(leads).chain(stages).collect::<Vec<_>>(),
    }))
}

#[derive(serde::Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
}

pub async fn calendar(State(state): State<AppState>, Query(q): Query<YearQuery>) -> ApiResult<Json<Value>> {
    state
        .with_snapshot(move |s| {
            let year = q.year.unwrap_or_else(|| s.ctx().today().year());
            if !(2000..=2100).contains(&year) {
                return Err(ApiError::bad(format!("year {year} is out of range 2000…2100")));
            }
            let summary = s.calendar.summary(year);
            let months: Vec<Value> = (1..=12)
                .map(|m| {
                    let m = sg_metrics::period::Month::new(year, m).expect("valid month");
                    json!({"month": m, "working_days": s.calendar.wd_total(m)})
                })
                .collect();
            Ok(Json(json!({"year": year, "summary": summary, "months": months})))
        })
        .await
}

#[derive(serde::Deserialize)]
pub struct DayEdit {
    working: bool,
}

pub async fn set_calendar_day(
    State(state): State<AppState>,
    Path(day): Path<String>,
    body: Option<Json<DayEdit>>,
) -> ApiResult<Json<Value>> {
    let d: NaiveDate = day.parse().map_err(|_| ApiError::bad(format!("`{day}` is not a date (YYYY-MM-DD)")))?;
    let Some(Json(edit)) = body else { return Err(ApiError::bad("body must be JSON {\"working\": true|false}")) };
    let actor = state.settings().actor.clone();
    state.store().lock().await.set_calendar_day(d, edit.working, &actor)?;
    Ok(Json(json!({"day": d, "working": edit.working})))
}

pub async fn unknown(Path(rest): Path<String>) -> ApiError {
    ApiError::not_found(format!("no API endpoint /api/v1/{rest}"))
}
