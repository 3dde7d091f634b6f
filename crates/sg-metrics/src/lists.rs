//! Report shapes beyond plain aggregates: the deal list, stage statistics, the deal-cycle
//! distribution of open deals and the lead figures. Each has its SQL and its parser here.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::MetricsError;
use crate::catalogue::{Cohort, Unit};
use crate::cell::Rows;
use crate::query::{Context, Filters, Query, Viewer, deal_conditions, people, round};
use crate::sql::{in_ints, in_strs, ts_lit};

/// Which deals a list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DealSet {
    /// Created in P.
    #[default]
    Created,
    Won,
    Lost,
    /// Open now.
    Open,
    Forgotten,
}

impl DealSet {
    pub fn cohort(self) -> Cohort {
        match self {
            DealSet::Created => Cohort::New,
            DealSet::Won => Cohort::Won,
            DealSet::Lost => Cohort::Lost,
            DealSet::Open => Cohort::Open,
            DealSet::Forgotten => Cohort::Forgotten,
        }
    }
    pub fn parse(s: &str) -> Result<DealSet, MetricsError> {
        serde_json::from_value(serde_json::Value::String(s.into()))
            .map_err(|_| MetricsError::BadInput(format!("set `{s}` is not one of created, won, lost, open, forgotten")))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DealSort {
    #[default]
    Created,
    Amount,
    Days,
    DaysInStage,
    LastTouch,
    Title,
    Id,
}

impl DealSort {
    pub fn parse(s: &str) -> Result<DealSort, MetricsError> {
        serde_json::from_value(serde_json::Value::String(s.into())).map_err(|_| {
            MetricsError::BadInput(format!("sort `{s}` is not one of created, amount, days, days_in_stage, last_touch, title, id"))
        })
    }
    fn sql(self) -> &'static str {
        match self {
            DealSort::Created => "d.created_at",
            DealSort::Amount => "d.amount_base",
            DealSort::Days => "days",
            DealSort::DaysInStage => "days_in_stage",
            DealSort::LastTouch => "d.last_touch_at",
            DealSort::Title => "d.title",
            DealSort::Id => "d.deal_id",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct DealList {
    pub set: DealSet,
    /// Narrow further by status (`P`, `S`, `F`).
    pub status: Option<String>,
    pub sort: DealSort,
    pub desc: bool,
    pub page: u32,
    pub page_size: u32,
}

/// Largest page a screen asks for.
pub const MAX_PAGE_SIZE: u32 = 500;
/// Largest list an export writes.
pub const MAX_EXPORT_ROWS: u32 = 100_000;

fn set_condition(ctx: &Context, q: &Query, set: DealSet) -> String {
    let (a, z) = ctx.utc_range(q.period);
    let c = set.cohort();
    let cond = c.condition().replace("{forgotten_before}", &ts_lit(ctx.now - chrono::Duration::days(ctx.forgotten_deal_days)));
    match c.basis() {
        Some(b) => format!("{cond} AND {col} >= {} AND {col} < {}", ts_lit(a), ts_lit(z), col = b.column()),
        None => cond,
    }
}

fn list_where(ctx: &Context, q: &Query, l: &DealList) -> Result<String, MetricsError> {
    let mut w = format!("{} AND {}", deal_conditions(ctx, &q.filters, &q.viewer), set_condition(ctx, q, l.set));
    if let Some(s) = &l.status {
        let sem = match s.as_str() {
            "open" | "P" => "coalesce(d.stage_semantic, 'P') NOT IN ('S', 'F')",
            "won" | "S" => "d.stage_semantic = 'S'",
            "lost" | "F" => "d.stage_semantic = 'F'",
            _ => return Err(MetricsError::BadInput(format!("status `{s}` is not one of open, won, lost"))),
        };
        w.push_str(" AND ");
        w.push_str(sem);
    }
    Ok(w)
}

/// `(count query, page query)`. Page columns: id, title, created_at, assigned_by_id,
/// category_id, stage_id, stage_semantic, amount, days, days_in_stage, last_touch_at.
pub fn deal_list_sql(ctx: &Context, q: &Query, l: &DealList) -> Result<(String, String), MetricsError> {
    if l.page_size == 0 || l.page_size > MAX_EXPORT_ROWS {
        return Err(MetricsError::BadInput(format!("page_size must be 1…{MAX_EXPORT_ROWS}")));
    }
    let w = list_where(ctx, q, l)?;
    let from = "FROM deal_facts d";
    let now = ts_lit(ctx.now);
    let count = format!("SELECT count(*) AS total, coalesce(sum(d.amount_base), 0) AS amount {from} WHERE {w}");
    let dir = if l.desc { "DESC" } else { "ASC" };
    let page = format!(
        "SELECT d.deal_id AS id, d.title, d.created_at, d.assigned_by_id, d.category_id, d.stage_id, coalesce(d.stage_semantic, 'P') AS stage_semantic,
                d.amount_base AS amount,
                (CASE WHEN d.stage_semantic = 'S' THEN epoch(d.won_at) WHEN d.stage_semantic = 'F' THEN epoch(d.lost_at)
                      ELSE epoch({now}) END - epoch(d.created_at)) / 86400.0 AS days,
                (epoch({now}) - epoch(d.stage_entered_at)) / 86400.0 AS days_in_stage,
                d.last_touch_at
         {from} WHERE {w} ORDER BY {} {dir} NULLS LAST, d.deal_id {dir} LIMIT {} OFFSET {}",
        l.sort.sql(),
        l.page_size,
        u64::from(l.page) * u64::from(l.page_size),
    );
    Ok((count, page))
}

/// Deal-cycle distribution of open deals by `age_days` (metrics.md): bucket index 0…4 for
/// ≤ 30, 31–90, 91–180, 181–365, > 365 days. Columns: bucket, deals, amount.
pub fn cycle_sql(ctx: &Context, filters: &Filters, viewer: &Viewer) -> String {
    let now = ts_lit(ctx.now);
    format!(
        "SELECT CASE WHEN age <= 30 THEN 0 WHEN age <= 90 THEN 1 WHEN age <= 180 THEN 2 WHEN age <= 365 THEN 3 ELSE 4 END AS bucket,
                count(*) AS deals, coalesce(sum(amount), 0) AS amount
         FROM (SELECT (epoch({now}) - epoch(d.created_at)) / 86400.0 AS age, d.amount_base AS amount
               FROM deal_facts d WHERE {} AND {}) GROUP BY 1",
        deal_conditions(ctx, filters, viewer),
        Cohort::Open.condition()
    )
}

pub const CYCLE_BUCKETS: [&str; 5] = ["≤ 30", "31–90", "91–180", "181–365", "> 365"];

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CycleBucket {
    pub bucket: &'static str,
    pub deals: i64,
    pub amount: Decimal,
    /// Share of open deals, %.
    pub share: Option<Decimal>,
}

pub fn cycle_parse(rows: &Rows) -> Result<Vec<CycleBucket>, MetricsError> {
    let (b, n, a) = (rows.col("bucket")?, rows.col("deals")?, rows.col("amount")?);
    let mut out: Vec<CycleBucket> =
        CYCLE_BUCKETS.iter().map(|l| CycleBucket { bucket: l, deals: 0, amount: Decimal::ZERO, share: None }).collect();
    for r in &rows.rows {
        let i = r[b].int().filter(|i| (0..5).contains(i)).ok_or_else(|| MetricsError::Shape("cycle bucket out of range".into()))? as usize;
        out[i].deals = r[n].int().unwrap_or(0);
        out[i].amount = r[a].dec().unwrap_or_default();
    }
    let total: i64 = out.iter().map(|c| c.deals).sum();
    for c in &mut out {
        c.share = (total > 0).then(|| round(Decimal::from(c.deals * 100) / Decimal::from(total), Unit::Percent));
    }
    Ok(out)
}

/// Which deals stage statistics cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum StageScope {
    /// Deals created in P (the customer's report).
    #[default]
    Created,
    /// All open deals regardless of creation date.
    AllOpen,
}

/// Three queries: stage now-figures, completed visits whose exit falls in P, and the
/// furthest non-lost stage sort each deal of the cohort reached.
pub fn stage_sql(ctx: &Context, q: &Query, scope: StageScope, by_employee: bool) -> [String; 3] {
    let conds = deal_conditions(ctx, &q.filters, &q.viewer);
    let (a, z) = ctx.utc_range(q.period);
    let created = format!("d.created_at >= {} AND d.created_at < {}", ts_lit(a), ts_lit(z));
    let cohort = match scope {
        StageScope::Created => created.clone(),
        StageScope::AllOpen => "TRUE".to_string(),
    };
    let user = if by_employee { "d.assigned_by_id" } else { "NULL::INTEGER" };
    let now = ts_lit(ctx.now);
    let open = Cohort::Open.condition();
    let now_sql = format!(
        "SELECT d.category_id AS funnel_id, d.stage_id, {user} AS user_id, count(*) AS deals, coalesce(sum(d.amount_base), 0) AS amount,
                sum(epoch({now}) - epoch(d.stage_entered_at)) / 86400.0 AS days_sum
         FROM deal_facts d WHERE {conds} AND {cohort} AND {open} GROUP BY 1, 2, 3"
    );
    // Completed visits whose exit falls in P (derived from the history at sync).
    let visits_sql = format!(
        "SELECT v.funnel_id, v.stage_id, {user} AS user_id, count(*) AS visits, sum(epoch(v.exited_at) - epoch(v.entered_at)) / 86400.0 AS days_sum
         FROM deal_stage_visits v JOIN deal_facts d ON d.deal_id = v.deal_id
         WHERE {conds} AND v.exited_at >= {a} AND v.exited_at < {z} GROUP BY 1, 2, 3",
        a = ts_lit(a),
        z = ts_lit(z)
    );
    let reached_sql = format!(
        "SELECT d.category_id AS funnel_id, list_max([r.max_sort, CASE WHEN coalesce(cs.semantic, 'P') <> 'F' THEN cs.sort END]) AS max_sort,
                count(*) AS deals
         FROM deal_facts d
         LEFT JOIN (SELECT x.owner_id, max(s.sort) AS max_sort FROM deal_stage_history x JOIN stages s ON s.status_id = x.stage_id
                    WHERE coalesce(s.semantic, 'P') <> 'F'
                      AND x.owner_id IN (SELECT d.deal_id FROM deal_facts d WHERE {conds} AND {created})
                    GROUP BY x.owner_id) r ON r.owner_id = d.deal_id
         LEFT JOIN stages cs ON cs.status_id = d.stage_id
         WHERE {conds} AND {created} GROUP BY 1, 2"
    );
    [now_sql, visits_sql, reached_sql]
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StageStat {
    pub funnel_id: i64,
    pub stage_id: String,
    pub stage_name: String,
    pub semantic: String,
    pub sort: i64,
    /// Set when broken down by employee.
    pub user_id: Option<i64>,
    pub stage_now_count: i64,
    pub stage_now_amount: Decimal,
    pub stage_now_avg_days: Option<Decimal>,
    pub stage_avg_days: Option<Decimal>,
    /// Share of the period's deals that reached this stage or a later one, % (per funnel;
    /// not per employee).
    pub stage_reached_share: Option<Decimal>,
}

type StageKey = (i64, String, Option<i64>);

/// Combine the three result sets over the stage directory (every non-lost stage of the
/// funnels present, in sort order; lost stages are listed with their now-figures).
pub fn stage_parse(ctx: &Context, q: &Query, rows: &[Rows; 3]) -> Result<Vec<StageStat>, MetricsError> {
    let [now, visits, reached] = rows;
    let key = |r: &Rows, row: &[crate::cell::Cell]| -> Result<StageKey, MetricsError> {
        Ok((row[r.col("funnel_id")?].int().unwrap_or(0), row[r.col("stage_id")?].text().unwrap_or_default(), row[r.col("user_id")?].int()))
    };
    let mut now_map: BTreeMap<StageKey, (i64, Decimal, Decimal)> = BTreeMap::new();
    for row in &now.rows {
        now_map.insert(
            key(now, row)?,
            (
                row[now.col("deals")?].int().unwrap_or(0),
                row[now.col("amount")?].dec().unwrap_or_default(),
                row[now.col("days_sum")?].dec().unwrap_or_default(),
            ),
        );
    }
    let mut visit_map: BTreeMap<StageKey, (i64, Decimal)> = BTreeMap::new();
    for row in &visits.rows {
        visit_map.insert(
            key(visits, row)?,
            (row[visits.col("visits")?].int().unwrap_or(0), row[visits.col("days_sum")?].dec().unwrap_or_default()),
        );
    }
    // Per funnel: (max sort reached, deals).
    let mut reach: BTreeMap<i64, Vec<(Option<i64>, i64)>> = BTreeMap::new();
    for row in &reached.rows {
        reach
            .entry(row[reached.col("funnel_id")?].int().unwrap_or(0))
            .or_default()
            .push((row[reached.col("max_sort")?].int(), row[reached.col("deals")?].int().unwrap_or(0)));
    }
    let mut funnels: Vec<i64> = now_map.keys().map(|k| k.0).chain(visit_map.keys().map(|k| k.0)).chain(reach.keys().copied()).collect();
    if !q.filters.funnels.is_empty() {
        funnels.extend(&q.filters.funnels);
    }
    funnels.sort();
    funnels.dedup();
    let users: Vec<Option<i64>> = {
        let mut u: Vec<Option<i64>> = now_map.keys().map(|k| k.2).chain(visit_map.keys().map(|k| k.2)).collect();
        u.sort();
        u.dedup();
        if u.is_empty() { vec![None] } else { u }
    };
    let mut out = Vec::new();
    for f in funnels {
        let cohort: i64 = reach.get(&f).map(|v| v.iter().map(|x| x.1).sum()).unwrap_or(0);
        for s in ctx.dir.stages.iter().filter(|s| s.funnel_id == f) {
            for u in &users {
                let k = (f, s.id.clone(), *u);
                let (n, amount, days) = now_map.get(&k).copied().unwrap_or_default();
                let (visits, vdays) = visit_map.get(&k).copied().unwrap_or_default();
                let reached_n: i64 =
                    reach.get(&f).map(|v| v.iter().filter(|(m, _)| m.is_some_and(|m| m >= s.sort)).map(|x| x.1).sum()).unwrap_or(0);
                out.push(StageStat {
                    funnel_id: f,
                    stage_id: s.id.clone(),
                    stage_name: s.name.clone(),
                    semantic: s.semantic.clone(),
                    sort: s.sort,
                    user_id: *u,
                    stage_now_count: n,
                    stage_now_amount: amount,
                    stage_now_avg_days: (n > 0).then(|| round(days / Decimal::from(n), Unit::Days)),
                    stage_avg_days: (visits > 0).then(|| round(vdays / Decimal::from(visits), Unit::Days)),
                    stage_reached_share: if s.semantic == "F" || cohort == 0 {
                        None
                    } else {
                        Some(round(Decimal::from(reached_n * 100) / Decimal::from(cohort), Unit::Percent))
                    },
                });
            }
        }
    }
    Ok(out)
}

/// Lead figures over leads created in P and forgotten leads now. Filters that exist on
/// leads apply (employees, departments, sources, UTM); funnels, deal types and stages do not.
pub fn leads_sql(ctx: &Context, q: &Query) -> String {
    let (a, z) = ctx.utc_range(q.period);
    let f = &q.filters;
    let mut c = vec!["TRUE".to_string()];
    if let Some(p) = people(ctx.dir, f, &q.viewer) {
        c.push(in_ints("l.assigned_by_id", &p.into_iter().collect::<Vec<_>>()));
    }
    for (col, v) in
        [("l.source_id", &f.sources), ("l.utm_source", &f.utm_source), ("l.utm_medium", &f.utm_medium), ("l.utm_campaign", &f.utm_campaign)]
    {
        if !v.is_empty() {
            c.push(in_strs(col, v));
        }
    }
    let open = "coalesce(l.status_semantic, 'P') NOT IN ('S', 'F')";
    let created = format!("l.created_at >= {} AND l.created_at < {}", ts_lit(a), ts_lit(z));
    let before = ts_lit(ctx.now - chrono::Duration::days(ctx.forgotten_lead_days));
    format!(
        "SELECT count(*) FILTER (WHERE {created}) AS leads,
                count(*) FILTER (WHERE {created} AND {open} AND l.status_id <> fs.first) AS leads_in_work,
                count(*) FILTER (WHERE {created} AND l.status_id = fs.first) AS leads_unprocessed,
                count(*) FILTER (WHERE {created} AND l.status_semantic = 'S') AS leads_converted,
                count(*) FILTER (WHERE {created} AND l.status_semantic = 'F') AS leads_junk,
                count(*) FILTER (WHERE {open} AND list_max([l.created_at, l.last_activity_at, l.moved_at, la.t]) < {before}) AS forgotten_leads
         FROM leads l
         CROSS JOIN (SELECT coalesce(min(status_id) FILTER (WHERE sort = (SELECT min(sort) FROM lead_statuses)), 'NEW') AS first FROM lead_statuses) fs
         LEFT JOIN (SELECT owner_id, max(CASE WHEN completed AND last_updated_at > created_at THEN last_updated_at ELSE created_at END) AS t
                    FROM activities WHERE owner_type_id = 1
                      AND owner_id IN (SELECT id FROM leads WHERE coalesce(status_semantic, 'P') NOT IN ('S', 'F'))
                    GROUP BY owner_id) la ON la.owner_id = l.id
         WHERE {}",
        c.join(" AND ")
    )
}

/// Lead figures; all counts.
pub const LEAD_FIGURES: [&str; 6] = ["leads", "leads_in_work", "leads_unprocessed", "leads_converted", "leads_junk", "forgotten_leads"];

pub fn leads_parse(rows: &Rows) -> Result<BTreeMap<String, i64>, MetricsError> {
    let row = rows.rows.first();
    LEAD_FIGURES.iter().map(|k| Ok((k.to_string(), row.and_then(|r| r[rows.col(k).ok()?].int()).unwrap_or(0)))).collect()
}

/// A deal row of a list, as the API returns it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DealRow {
    pub id: i64,
    pub title: String,
    pub created_at: Option<NaiveDateTime>,
    pub assigned_by_id: Option<i64>,
    pub employee: String,
    pub funnel_id: Option<i64>,
    pub funnel: String,
    pub stage_id: String,
    pub stage: String,
    pub status: String,
    pub amount: Decimal,
    pub days: Option<Decimal>,
    pub days_in_stage: Option<Decimal>,
    pub last_touch_at: Option<NaiveDateTime>,
}

pub fn deal_rows(ctx: &Context, rows: &Rows) -> Result<Vec<DealRow>, MetricsError> {
    let col = |n: &str| rows.col(n);
    let (id, title, created, user, funnel, stage, sem, amount, days, dis, touch) = (
        col("id")?,
        col("title")?,
        col("created_at")?,
        col("assigned_by_id")?,
        col("category_id")?,
        col("stage_id")?,
        col("stage_semantic")?,
        col("amount")?,
        col("days")?,
        col("days_in_stage")?,
        col("last_touch_at")?,
    );
    rows.rows
        .iter()
        .map(|r| {
            let stage_id = r[stage].text().unwrap_or_default();
            Ok(DealRow {
                id: r[id].int().ok_or_else(|| MetricsError::Shape("deal without id".into()))?,
                title: r[title].text().unwrap_or_default(),
                created_at: r[created].time(),
                assigned_by_id: r[user].int(),
                employee: r[user].int().map(|u| ctx.dir.user_name(u)).unwrap_or_default(),
                funnel_id: r[funnel].int(),
                funnel: r[funnel].int().map(|f| ctx.dir.funnel_name(f)).unwrap_or_default(),
                stage: ctx.dir.stage(&stage_id).map(|s| s.name.clone()).unwrap_or_else(|| stage_id.clone()),
                stage_id,
                status: r[sem].text().unwrap_or_else(|| "P".into()),
                amount: r[amount].dec().unwrap_or_default(),
                days: r[days].dec().map(|d| round(d, Unit::Days)),
                days_in_stage: r[dis].dec().map(|d| round(d, Unit::Days)),
                last_touch_at: r[touch].time(),
            })
        })
        .collect()
}

/// Names and formulas of the lead figures for «Как считается».
pub fn lead_doc(id: &str) -> (&'static str, &'static str, &'static str) {
    match id {
        "leads" => ("Лиды, создано", "Leads created", "count(leads with created_at ∈ P)"),
        "leads_in_work" => ("Лиды в работе", "Leads in work", "leads created in P, open and past the first status"),
        "leads_unprocessed" => ("Необработанные лиды", "Unprocessed leads", "leads created in P still in the first status"),
        "leads_converted" => ("Сконвертированные лиды", "Converted leads", "leads created in P now in a success status"),
        "leads_junk" => ("Некачественные лиды", "Junk leads", "leads created in P now in a failure status"),
        _ => (
            "Забытые лиды",
            "Forgotten leads",
            "open leads whose last touch (activity, status move, activity on the lead) is older than now − 3 days (setting)",
        ),
    }
}

/// Stage statistics for «Как считается»: id, RU, EN, formula, unit.
pub const STAGE_DOCS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "stage_now_count",
        "Сейчас в стадии, шт",
        "In stage now",
        "open deals of the scope (created in P, or all open) currently in the stage",
        "count",
    ),
    ("stage_now_amount", "Сейчас в стадии, сумма", "In stage now, amount", "Σ amount of those deals", "money"),
    ("stage_now_avg_days", "Дней в стадии сейчас", "Days in stage now", "mean(now − stage_entered_at) over those deals", "days"),
    (
        "stage_avg_days",
        "Средняя длительность стадии",
        "Average days in stage",
        "mean duration of completed visits to the stage whose exit falls in P",
        "days",
    ),
    (
        "stage_reached_share",
        "Дошли до стадии",
        "Reached the stage",
        "of the deals created in P, the share whose furthest non-lost stage (history or current) is this stage or a later one",
        "percent",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::tests::sample;
    use crate::period::{Compare, Period};
    use crate::zone::Zone;

    #[test]
    fn list_sql_validates_and_orders() {
        let dir = sample();
        let zone = Zone::new(chrono_tz::Europe::Moscow);
        let ctx = Context {
            dir: &dir,
            zone: &zone,
            now: "2026-11-20T09:00:00".parse().unwrap(),
            forgotten_deal_days: 14,
            forgotten_lead_days: 3,
        };
        let q = Query {
            period: Period::new("2026-11-01".parse().unwrap(), "2026-11-30".parse().unwrap()).unwrap(),
            compare: Compare::None,
            filters: Filters::default(),
            viewer: Viewer::Admin,
        };
        let mut l = DealList { set: DealSet::Won, status: None, sort: DealSort::Days, desc: true, page: 2, page_size: 50 };
        let (_, page) = deal_list_sql(&ctx, &q, &l).unwrap();
        assert!(page.contains("ORDER BY days DESC NULLS LAST, d.deal_id DESC LIMIT 50 OFFSET 100"), "{page}");
        assert!(page.contains("d.won_at >= TIMESTAMP '2026-10-31 21:00:00'"));
        l.page_size = 0;
        assert!(deal_list_sql(&ctx, &q, &l).is_err());
        l.page_size = 10;
        l.status = Some("maybe".into());
        assert!(deal_list_sql(&ctx, &q, &l).is_err());
        assert!(DealSort::parse("amount; drop").is_err());
    }

    #[test]
    fn cycle_buckets_fill_and_share() {
        use crate::cell::Cell;
        let rows = Rows {
            columns: vec!["bucket".into(), "deals".into(), "amount".into()],
            rows: vec![vec![Cell::Int(0), Cell::Int(3), Cell::Int(300)], vec![Cell::Int(4), Cell::Int(1), Cell::Int(5)]],
        };
        let c = cycle_parse(&rows).unwrap();
        assert_eq!(c.len(), 5);
        assert_eq!(c[0].share, Some(Decimal::from(75)));
        assert_eq!(c[2].deals, 0);
        assert_eq!(c[4].amount, Decimal::from(5));
    }
}
