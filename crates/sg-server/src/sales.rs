//! «Динамика продаж»: KPI cards with previous-period deltas, the sales chart (new vs
//! repeat), the quarter view, per-employee dynamics, leads, forgotten deals and leads, and
//! stage statistics. `sections=` picks parts (all by default), so a page can load them in
//! parallel.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Query as AxQuery, State};
use chrono::Datelike;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use sg_metrics::catalogue::{Basis, Metric, SALES, Unit, components, metric};
use sg_metrics::lists::{StageScope, cycle_parse, cycle_sql, leads_parse, leads_sql, stage_parse, stage_sql};
use sg_metrics::period::{Compare, Grain, Period};
use sg_metrics::query::{Aggregates, GroupBy, Query, aggregate_sql, basis_metrics, series_points, series_sql};

use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::{AppState, Snapshot, viewer};

pub const SECTIONS: [&str; 7] = ["kpis", "series", "quarters", "employees", "leads", "stages", "cycle"];
pub const EXTRA: [&str; 4] = ["sections", "stage_scope", "stage_by_employee", "series_employees"];

/// The KPI cards, in display order.
pub const KPIS: [&str; 14] = [
    "new_count",
    "new_amount",
    "won_count",
    "won_amount",
    "lost_count",
    "lost_amount",
    "in_work_count",
    "in_work_amount",
    "avg_check",
    "conversion",
    "avg_cycle_days",
    "repeat_share",
    "forgotten_deals_count",
    "forgotten_deals_amount",
];

/// Per-employee columns.
pub const EMPLOYEE_METRICS: [&str; 9] =
    ["won_count", "won_amount", "avg_check", "lost_count", "avg_cycle_days", "in_work_count", "conversion", "new_count", "new_amount"];

pub async fn handler(State(state): State<AppState>, AxQuery(pairs): AxQuery<Vec<(String, String)>>) -> ApiResult<Json<Value>> {
    state.with_snapshot(move |s| Ok(Json(build(s, pairs)?))).await
}

pub fn delta_pct(value: Option<Decimal>, previous: Option<Decimal>) -> Option<Decimal> {
    match (value, previous) {
        (Some(v), Some(p)) if !p.is_zero() => Some(sg_metrics::query::round((v - p) * Decimal::from(100) / p.abs(), Unit::Percent)),
        _ => None,
    }
}

fn metrics(ids: &[&str]) -> Vec<&'static Metric> {
    ids.iter().map(|i| metric(i).expect("catalogue has every id used by reports")).collect()
}

pub fn build(s: &Snapshot, pairs: Vec<(String, String)>) -> ApiResult<Value> {
    let p = Params::new(pairs, &EXTRA)?;
    let ctx = s.ctx();
    let period = p.period(ctx.today())?;
    let compare = p.compare()?;
    let grain = p.grain(period)?;
    let q = Query { period, compare, filters: p.filters()?, viewer: viewer() };
    let sections = p.list("sections");
    for sec in &sections {
        if !SECTIONS.contains(&sec.as_str()) {
            return Err(ApiError::bad(format!("sections: unknown section `{sec}` (one of {})", SECTIONS.join(", "))));
        }
    }
    let want = |name: &str| sections.is_empty() || sections.iter().any(|x| x == name);
    let previous = period.compared(compare);
    let mut out = Map::new();
    out.insert("period".into(), json!(period));
    out.insert("previous".into(), json!(previous));
    out.insert("compare".into(), json!(compare));
    out.insert("grain".into(), json!(grain));
    out.insert("now".into(), json!(s.now));

    if want("kpis") || want("employees") {
        let all: Vec<&Metric> = SALES.iter().collect();
        let comps = components(&all);
        let n = q.periods().len();
        let agg = Aggregates::parse(&s.rows(&aggregate_sql(&ctx, &q, &comps, Some(GroupBy::Employee)))?, &comps, n)?;
        if want("kpis") {
            let total = agg.total(n);
            // Keyed by metric id, in display order.
            let cards: Map<String, Value> = metrics(&KPIS)
                .into_iter()
                .map(|m| {
                    let value = total.value("", 0, m);
                    let prev = if n > 1 && m.periodic { total.value("", 1, m) } else { None };
                    let card = json!({"name": m.name, "unit": m.unit, "periodic": m.periodic, "value": value, "previous": prev, "delta_pct": delta_pct(value, prev)});
                    (m.id.to_string(), card)
                })
                .collect();
            out.insert("kpis".into(), json!(cards));
        }
        if want("employees") {
            let ms = metrics(&EMPLOYEE_METRICS);
            let mut rows: Vec<Value> = agg
                .groups
                .keys()
                .map(|k| {
                    let id: Option<i64> = k.parse().ok();
                    let mut row = Map::new();
                    row.insert("user_id".into(), json!(id));
                    row.insert("name".into(), json!(id.map(|i| s.dir.user_name(i)).unwrap_or_else(|| "—".into())));
                    let mut prev = Map::new();
                    for m in &ms {
                        row.insert(m.id.into(), json!(agg.value(k, 0, m)));
                        if n > 1 && m.periodic {
                            prev.insert(m.id.into(), json!(agg.value(k, 1, m)));
                        }
                    }
                    row.insert("previous".into(), Value::Object(prev));
                    Value::Object(row)
                })
                .collect();
            rows.sort_by(|a, b| b["won_amount"].as_f64().partial_cmp(&a["won_amount"].as_f64()).unwrap_or(std::cmp::Ordering::Equal));
            out.insert("employees".into(), json!(rows));
        }
    }
    if want("series") {
        out.insert("series".into(), json!(series(s, &q, grain)?));
        let ids = p.list("series_employees");
        if ids.len() > 10 {
            return Err(ApiError::bad("series_employees: at most 10 employees can be compared"));
        }
        let mut per = Vec::new();
        for id in ids {
            let uid: i64 = id.parse().map_err(|_| ApiError::bad(format!("series_employees: `{id}` is not an id")))?;
            let mut qe = q.clone();
            qe.filters.employees = vec![uid];
            let ms = metrics(&["won_amount", "won_count", "avg_check"]);
            let comps = components(&ms);
            let rows = s.rows(&series_sql(&ctx, &qe, Basis::Won, &comps, grain, false))?;
            let pts = series_points(&qe, grain, &rows, &comps, &ms, None)?;
            per.push(json!({"user_id": uid, "name": s.dir.user_name(uid), "points": pts}));
        }
        out.insert("employee_series".into(), json!(per));
    }
    if want("quarters") {
        // The year of the period's end by quarter, beside the same quarters a year before.
        let y = period.to.year();
        let year = Period::new(
            chrono::NaiveDate::from_ymd_opt(y, 1, 1).expect("valid"),
            chrono::NaiveDate::from_ymd_opt(y, 12, 31).expect("valid"),
        )?;
        let qy = Query { period: year, compare: Compare::YearOverYear, ..q.clone() };
        let ms = metrics(&["won_amount", "won_count"]);
        let comps = components(&ms);
        let rows = s.rows(&series_sql(&ctx, &qy, Basis::Won, &comps, Grain::Quarter, false))?;
        out.insert("quarters".into(), json!(series_points(&qy, Grain::Quarter, &rows, &comps, &ms, None)?));
    }
    if want("leads") {
        let leads = leads_parse(&s.rows(&leads_sql(&ctx, &q))?)?;
        out.insert("leads".into(), json!(leads));
    }
    if want("stages") {
        let scope = match p.one("stage_scope") {
            None | Some("created") => StageScope::Created,
            Some("all_open") => StageScope::AllOpen,
            Some(v) => return Err(ApiError::bad(format!("stage_scope: `{v}` is not one of created, all_open"))),
        };
        let by_employee = p.flag("stage_by_employee")?;
        let [a, b, c] = stage_sql(&ctx, &q, scope, by_employee);
        let sets = [s.rows(&a)?, s.rows(&b)?, s.rows(&c)?];
        let stats = stage_parse(&ctx, &q, &sets)?;
        let with_names: Vec<Value> = stats
            .into_iter()
            .map(|st| {
                let mut v = json!(st);
                v["funnel"] = json!(s.dir.funnel_name(st.funnel_id));
                if let Some(u) = st.user_id {
                    v["employee"] = json!(s.dir.user_name(u));
                }
                v
            })
            .collect();
        out.insert("stages".into(), json!(with_names));
    }
    if want("cycle") {
        out.insert("cycle".into(), json!(cycle_parse(&s.rows(&cycle_sql(&ctx, &q.filters, &q.viewer))?)?));
    }
    Ok(Value::Object(out))
}

/// The sales chart: every periodic metric per bucket, won revenue split new vs repeat, the
/// comparison period's bucket at the same position beside each.
fn series(s: &Snapshot, q: &Query, grain: Grain) -> ApiResult<Vec<Value>> {
    let ctx = s.ctx();
    let periodic: Vec<&'static Metric> = SALES.iter().filter(|m| m.periodic).collect();
    let mut merged: BTreeMap<chrono::NaiveDate, Map<String, Value>> = BTreeMap::new();
    for basis in [Basis::Created, Basis::Won, Basis::Lost] {
        let ms = basis_metrics(&periodic, basis);
        if ms.is_empty() {
            continue;
        }
        let comps = components(&ms);
        let split = basis == Basis::Won;
        let rows = s.rows(&series_sql(&ctx, q, basis, &comps, grain, split))?;
        let mut parts = vec![(None, "")];
        if split {
            parts.push((Some(false), "_new"));
            parts.push((Some(true), "_repeat"));
        }
        for (repeat, suffix) in parts {
            // The new/repeat split is for revenue and won deals only.
            let ms: Vec<&Metric> = if repeat.is_some() {
                ms.iter().copied().filter(|m| m.id == "won_amount" || m.id == "won_count").collect()
            } else {
                ms.clone()
            };
            for pt in series_points(q, grain, &rows, &comps, &ms, repeat)? {
                let e = merged.entry(pt.bucket).or_default();
                let prev = e.entry("previous").or_insert_with(|| json!({}));
                for (k, v) in &pt.previous {
                    prev[format!("{k}{suffix}")] = json!(v);
                }
                for (k, v) in pt.values {
                    e.insert(format!("{k}{suffix}"), json!(v));
                }
            }
        }
    }
    Ok(merged
        .into_iter()
        .map(|(bucket, mut m)| {
            m.insert("bucket".into(), json!(bucket));
            Value::Object(m)
        })
        .collect())
}
