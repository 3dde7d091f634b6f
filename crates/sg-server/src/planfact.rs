//! «План продаж»: KPI cards for the month and the previous one, the year view, fulfilment
//! by department, employee and funnel, dynamics by month and quarter, and the deal-cycle
//! distribution. All breakdowns come from one fact query (won deals per month × employee ×
//! funnel) combined with the plan rows in Rust.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Query as AxQuery, State};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use sg_metrics::lists::{cycle_parse, cycle_sql};
use sg_metrics::period::{Month, Period};
use sg_metrics::plan::{Amounts, Facts, by_department, by_employee_month, by_funnel_month, progress, year_view};
use sg_metrics::query::{Query, people, plan_fact_sql};

use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::{AppState, Snapshot, viewer};

pub async fn handler(State(state): State<AppState>, AxQuery(pairs): AxQuery<Vec<(String, String)>>) -> ApiResult<Json<Value>> {
    state.with_snapshot(move |s| Ok(Json(build(s, pairs)?))).await
}

/// Won deals per local month × employee × funnel (the plan fact) for the query.
pub(crate) fn facts(s: &Snapshot, q: &Query) -> ApiResult<Facts> {
    let rows = s.rows(&plan_fact_sql(&s.ctx(), q))?;
    let (m, u, f, c, a) =
        (rows.col("month")?, rows.col("user_id")?, rows.col("funnel_id")?, rows.col("won_count")?, rows.col("won_amount")?);
    let mut out = Facts::new();
    for r in &rows.rows {
        let month = r[m].date().map(Month::of).ok_or_else(|| ApiError::internal("internal_error", "fact month is not a date"))?;
        let e = out.entry((month, r[u].int().unwrap_or(0), r[f].int().unwrap_or(0))).or_insert((0, Decimal::ZERO));
        e.0 += r[c].int().unwrap_or(0);
        e.1 += r[a].dec().unwrap_or_default();
    }
    Ok(out)
}

pub fn build(s: &Snapshot, pairs: Vec<(String, String)>) -> ApiResult<Value> {
    let p = Params::new(pairs, &[])?;
    if p.one("from").is_some() || p.one("to").is_some() {
        return Err(ApiError::bad("plan-fact takes `month` (YYYY-MM), not `from`/`to`"));
    }
    let ctx = s.ctx();
    let today = ctx.today();
    let month = p.month("month")?.unwrap_or_else(|| Month::of(today));
    let filters = p.filters()?;
    let first = Month::new(month.year, 1).expect("valid").min(month.prev());
    let last = Month::new(month.year, 12).expect("valid");
    let q =
        Query { period: Period::new(first.first(), last.last())?, compare: Default::default(), filters: filters.clone(), viewer: viewer() };
    let facts = facts(s, &q)?;
    let plans = s.reader.plans(first, last)?;
    let who = people(&s.dir, &filters, &q.viewer);
    let per_emp = by_employee_month(&plans, &facts, &filters.funnels, who.as_ref());

    let mut months: BTreeMap<Month, Amounts> = first.through(last).map(|m| (m, Amounts::default())).collect();
    for ((_, m), a) in &per_emp {
        *months.entry(*m).or_default() += *a;
    }
    let current = progress(month, months[&month], &s.calendar, today);
    let previous = progress(month.prev(), months[&month.prev()], &s.calendar, today);
    let year = year_view(month, &months);

    let by_month: Vec<Value> =
        months.iter().filter(|(m, _)| m.year == month.year).map(|(m, a)| json!(progress(*m, *a, &s.calendar, today))).collect();
    let mut quarters: BTreeMap<u32, Amounts> = BTreeMap::new();
    for (m, a) in months.iter().filter(|(m, _)| m.year == month.year) {
        *quarters.entry(m.quarter()).or_default() += *a;
    }
    let by_quarter: Vec<Value> = quarters
        .iter()
        .map(|(qn, a)| {
            let pct = (!a.plan_amount.is_zero()).then(|| sg_metrics::query::round(a.fact_amount * Decimal::from(100) / a.plan_amount, sg_metrics::catalogue::Unit::Percent));
            json!({"quarter": format!("{}-Q{qn}", month.year), "plan_amount": a.plan_amount, "fact_amount": a.fact_amount, "plan_count": a.plan_count, "fact_count": a.fact_count, "fulfilment_pct": pct})
        })
        .collect();

    let depts = by_department(&per_emp, &s.dir, month);
    let by_department: Vec<Value> = s
        .dir
        .departments
        .iter()
        .filter_map(|d| {
            let a = depts.get(&d.id).copied().unwrap_or_default();
            let empty = a == Amounts::default();
            (!empty)
                .then(|| json!({"id": d.id, "name": d.name, "parent_id": d.parent_id, "progress": progress(month, a, &s.calendar, today)}))
        })
        .collect();
    let mut by_employee: Vec<Value> = per_emp
        .iter()
        .filter(|((_, m), _)| *m == month)
        .map(|((u, _), a)| {
            let dept = s.dir.users.iter().find(|x| x.id == *u).and_then(|x| x.departments.first().copied());
            json!({"user_id": u, "name": s.dir.user_name(*u), "department_id": dept, "progress": progress(month, *a, &s.calendar, today)})
        })
        .collect();
    by_employee.sort_by(|a, b| {
        b["progress"]["fact_amount"].as_f64().partial_cmp(&a["progress"]["fact_amount"].as_f64()).unwrap_or(std::cmp::Ordering::Equal)
    });
    let by_funnel: Vec<Value> = by_funnel_month(&plans, &facts, who.as_ref())
        .into_iter()
        .filter(|((f, m), _)| *m == month && (filters.funnels.is_empty() || filters.funnels.contains(f)))
        .map(|((f, _), a)| json!({"funnel_id": f, "name": s.dir.funnel_name(f), "progress": progress(month, a, &s.calendar, today)}))
        .collect();
    let cycle = cycle_parse(&s.rows(&cycle_sql(&ctx, &filters, &q.viewer))?)?;
    let needs_review = plans.iter().any(|r| r.month == month && r.needs_review);
    Ok(json!({
        "month": month,
        "now": s.now,
        "today": today,
        "fact_basis": "won_deals",
        "needs_review": needs_review,
        "current": current,
        "previous": previous,
        "year": year,
        "by_department": by_department,
        "by_employee": by_employee,
        "by_funnel": by_funnel,
        "by_month": by_month,
        "by_quarter": by_quarter,
        "cycle": cycle,
    }))
}
