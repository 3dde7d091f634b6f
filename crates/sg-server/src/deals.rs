//! The deal list shared by every page: server-side paging, sorting and filtering; each row
//! links into the Bitrix24 deal.

use axum::Json;
use axum::extract::{Query as AxQuery, State};
use serde_json::{Value, json};
use sg_metrics::lists::{DealList, DealSet, DealSort, deal_list_sql, deal_rows};
use sg_metrics::query::Query;

use crate::error::ApiResult;
use crate::params::Params;
use crate::{AppState, Snapshot, viewer};

pub const EXTRA: [&str; 6] = ["set", "status", "sort", "desc", "page", "page_size"];

pub async fn handler(State(state): State<AppState>, AxQuery(pairs): AxQuery<Vec<(String, String)>>) -> ApiResult<Json<Value>> {
    state.with_snapshot(move |s| Ok(Json(build(s, pairs)?))).await
}

pub fn build(s: &Snapshot, pairs: Vec<(String, String)>) -> ApiResult<Value> {
    build_with_limit(s, pairs, sg_metrics::lists::MAX_PAGE_SIZE)
}

/// The list with a page size of up to `max` (exports take more than a screen's page).
pub fn build_with_limit(s: &Snapshot, pairs: Vec<(String, String)>, max: u32) -> ApiResult<Value> {
    let p = Params::new(pairs, &EXTRA)?;
    let ctx = s.ctx();
    let period = p.period(ctx.today())?;
    let q = Query { period, compare: sg_metrics::period::Compare::None, filters: p.filters()?, viewer: viewer() };
    let list = DealList {
        set: p.one("set").map(DealSet::parse).transpose()?.unwrap_or_default(),
        status: p.one("status").map(String::from),
        sort: p.one("sort").map(DealSort::parse).transpose()?.unwrap_or_default(),
        desc: p.one("desc").map(|_| p.flag("desc")).transpose()?.unwrap_or(true),
        page: p.number("page", 0, 1_000_000)?,
        page_size: p.number("page_size", 50, max)?,
    };
    let (count_sql, page_sql) = deal_list_sql(&ctx, &q, &list)?;
    let count = s.rows(&count_sql)?;
    let total = count.rows.first().and_then(|r| r[0].int()).unwrap_or(0);
    let amount = count.rows.first().and_then(|r| r[1].dec()).unwrap_or_default();
    let portal = s.settings().portal_url.trim_end_matches('/').to_string();
    let rows: Vec<Value> = deal_rows(&ctx, &s.rows(&page_sql)?)?
        .into_iter()
        .map(|d| {
            let mut v = json!(d);
            v["url"] = json!(format!("{portal}/crm/deal/details/{}/", d.id));
            v
        })
        .collect();
    Ok(json!({
        "period": period,
        "set": list.set,
        "sort": list.sort,
        "desc": list.desc,
        "page": list.page,
        "page_size": list.page_size,
        "total": total,
        "amount": amount,
        "rows": rows,
    }))
}
