//! The typed query (period, comparison, filters, viewer) and the SQL compiled from it for
//! the aggregate shapes every report uses: totals and group-bys of metric components, time
//! series, and plan facts. Results come back as `Rows` and are evaluated here too.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::MetricsError;
use crate::catalogue::{Basis, Cohort, Component, Formula, Measure, Metric, Unit};
use crate::cell::Rows;
use crate::directory::Directory;
use crate::period::{Compare, Grain, Period};
use crate::sql::{in_ints, in_strs, ts_lit};
use crate::zone::Zone;

/// The filters of metrics.md; empty lists mean "no restriction".
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Filters {
    #[serde(default)]
    pub funnels: Vec<i64>,
    /// A department includes its sub-departments.
    #[serde(default)]
    pub departments: Vec<i64>,
    #[serde(default)]
    pub employees: Vec<i64>,
    #[serde(default)]
    pub sources: Vec<String>,
    #[serde(default)]
    pub deal_types: Vec<String>,
    #[serde(default)]
    pub stages: Vec<String>,
    #[serde(default)]
    pub utm_source: Vec<String>,
    #[serde(default)]
    pub utm_medium: Vec<String>,
    #[serde(default)]
    pub utm_campaign: Vec<String>,
}

/// Who is asking; narrows every query (metrics.md, visibility).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "role")]
pub enum Viewer {
    /// Sees everything.
    Admin,
    /// Sees the deals of the members of his departments (with sub-departments).
    Head { user_id: i64, departments: Vec<i64> },
    /// Sees his own deals.
    Employee { user_id: i64 },
}

impl Viewer {
    /// The employees whose deals the viewer may see (`None`: everyone).
    pub fn allowed(&self, dir: &Directory) -> Option<BTreeSet<i64>> {
        match self {
            Viewer::Admin => None,
            Viewer::Head { user_id, departments } => {
                let mut s = dir.members(departments);
                s.insert(*user_id);
                Some(s)
            }
            Viewer::Employee { user_id } => Some(BTreeSet::from([*user_id])),
        }
    }
}

/// What every compiled query needs besides the query itself.
#[derive(Clone, Debug)]
pub struct Context<'a> {
    pub dir: &'a Directory,
    pub zone: &'a Zone,
    /// The data snapshot's time (UTC): the last successful sync.
    pub now: NaiveDateTime,
    pub forgotten_deal_days: i64,
    pub forgotten_lead_days: i64,
}

impl Context<'_> {
    pub fn today(&self) -> NaiveDate {
        self.zone.local_date(self.now)
    }
    /// `[start, end)` in UTC of a local period.
    pub fn utc_range(&self, p: Period) -> (NaiveDateTime, NaiveDateTime) {
        (self.zone.day_start_utc(p.from), self.zone.day_start_utc(p.to + Duration::days(1)))
    }
    fn forgotten_before(&self) -> String {
        ts_lit(self.now - Duration::days(self.forgotten_deal_days))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Query {
    pub period: Period,
    #[serde(default)]
    pub compare: Compare,
    #[serde(default)]
    pub filters: Filters,
    pub viewer: Viewer,
}

impl Query {
    pub fn periods(&self) -> Vec<Period> {
        std::iter::once(self.period).chain(self.period.compared(self.compare)).collect()
    }
}

/// The employees the department/employee filters and the viewer leave (`None`: everyone).
pub fn people(dir: &Directory, filters: &Filters, viewer: &Viewer) -> Option<BTreeSet<i64>> {
    let mut people: Option<BTreeSet<i64>> = None;
    let mut narrow = |set: BTreeSet<i64>| {
        people = Some(match people.take() {
            None => set,
            Some(p) => p.intersection(&set).copied().collect(),
        })
    };
    if !filters.departments.is_empty() {
        narrow(dir.members(&filters.departments));
    }
    if !filters.employees.is_empty() {
        narrow(filters.employees.iter().copied().collect());
    }
    if let Some(allowed) = viewer.allowed(dir) {
        narrow(allowed);
    }
    people
}

/// The `WHERE` conditions of filters and viewer on deals `d`.
pub fn deal_conditions(ctx: &Context, filters: &Filters, viewer: &Viewer) -> String {
    let mut c: Vec<String> = vec!["TRUE".into()];
    if !filters.funnels.is_empty() {
        c.push(in_ints("d.category_id", &filters.funnels));
    }
    if let Some(p) = people(ctx.dir, filters, viewer) {
        c.push(in_ints("d.assigned_by_id", &p.into_iter().collect::<Vec<_>>()));
    }
    for (col, values) in [
        ("d.source_id", &filters.sources),
        ("d.type_id", &filters.deal_types),
        ("d.stage_id", &filters.stages),
        ("d.utm_source", &filters.utm_source),
        ("d.utm_medium", &filters.utm_medium),
        ("d.utm_campaign", &filters.utm_campaign),
    ] {
        if !values.is_empty() {
            c.push(in_strs(col, values));
        }
    }
    c.join(" AND ")
}

/// Dimensions a report can break metrics down by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Employee,
    Department,
    Funnel,
    Source,
    DealType,
    Stage,
}

impl GroupBy {
    fn key_sql(self) -> &'static str {
        match self {
            GroupBy::Employee => "d.assigned_by_id",
            GroupBy::Department => "m.dept",
            GroupBy::Funnel => "d.category_id",
            GroupBy::Source => "d.source_id",
            GroupBy::DealType => "d.type_id",
            GroupBy::Stage => "d.stage_id",
        }
    }
}

/// `FROM` deals with facts, plus the department membership when grouping by department
/// (each deal once per department, sub-departments included).
fn deal_from(ctx: &Context, group: Option<GroupBy>) -> String {
    let mut s = String::from("FROM deal_facts d");
    if group == Some(GroupBy::Department) {
        let pairs: Vec<String> =
            ctx.dir.department_members().iter().flat_map(|(dept, users)| users.iter().map(move |u| format!("({u}, {dept})"))).collect();
        if pairs.is_empty() {
            s.push_str(" JOIN (SELECT NULL::INTEGER AS user_id, NULL::INTEGER AS dept WHERE FALSE) m ON m.user_id = d.assigned_by_id");
        } else {
            s.push_str(&format!(" JOIN (VALUES {}) AS m(user_id, dept) ON m.user_id = d.assigned_by_id", pairs.join(", ")));
        }
    }
    s
}

fn cohort_filter(ctx: &Context, cohort: Cohort, range: Option<(NaiveDateTime, NaiveDateTime)>) -> String {
    let cond = cohort.condition().replace("{forgotten_before}", &ctx.forgotten_before());
    match (cohort.basis(), range) {
        (Some(b), Some((a, z))) => format!("{cond} AND {col} >= {} AND {col} < {}", ts_lit(a), ts_lit(z), col = b.column()),
        _ => cond,
    }
}

/// Totals (or a breakdown) of components over the query's period and its comparison
/// period. Columns: `key` when grouped, then `<component>_<i>` for each period i.
pub fn aggregate_sql(ctx: &Context, q: &Query, components: &[Component], group: Option<GroupBy>) -> String {
    let mut cols: Vec<String> = Vec::new();
    if let Some(g) = group {
        cols.push(format!("{} AS key", g.key_sql()));
    }
    for (i, p) in q.periods().into_iter().enumerate() {
        let range = ctx.utc_range(p);
        for comp in components {
            let filter = cohort_filter(ctx, comp.cohort, Some(range));
            cols.push(format!("{} AS {}_{i}", comp.measure.sql(&filter), comp.alias()));
        }
    }
    let group_sql = if group.is_some() { " GROUP BY 1" } else { "" };
    format!(
        "SELECT {} {} WHERE {} AND ({}){group_sql}",
        cols.join(", "),
        deal_from(ctx, group),
        deal_conditions(ctx, &q.filters, &q.viewer),
        any_component(ctx, q, components)
    )
}

/// Rows any of the components can count: in one of the periods on a component's instant,
/// or open (for the snapshot cohorts). Lets the scan skip most of the history.
fn any_component(ctx: &Context, q: &Query, components: &[Component]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let bases: std::collections::BTreeSet<Basis> = components.iter().filter_map(|c| c.cohort.basis()).collect();
    for b in bases {
        for p in q.periods() {
            let (a, z) = ctx.utc_range(p);
            parts.push(format!("({col} >= {} AND {col} < {})", ts_lit(a), ts_lit(z), col = b.column()));
        }
    }
    if components.iter().any(|c| c.cohort.basis().is_none()) {
        parts.push(Cohort::Open.condition().to_string());
    }
    if parts.is_empty() { "TRUE".into() } else { parts.join(" OR ") }
}

/// Component values per group (`""` when not grouped) and period index.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Aggregates {
    pub groups: BTreeMap<String, Vec<BTreeMap<Component, Decimal>>>,
}

impl Aggregates {
    pub fn parse(rows: &Rows, components: &[Component], periods: usize) -> Result<Aggregates, MetricsError> {
        let key = rows.col("key").ok();
        let mut idx = Vec::new();
        for i in 0..periods {
            for c in components {
                idx.push((i, *c, rows.col(&format!("{}_{i}", c.alias()))?));
            }
        }
        let mut out = Aggregates::default();
        for r in &rows.rows {
            let k = key.and_then(|k| r[k].text()).unwrap_or_default();
            let entry = out.groups.entry(k).or_insert_with(|| vec![BTreeMap::new(); periods]);
            for (i, c, col) in &idx {
                *entry[*i].entry(*c).or_default() += r[*col].dec().unwrap_or_default();
            }
        }
        Ok(out)
    }

    /// A metric's value for a group and period index.
    pub fn value(&self, group: &str, period: usize, m: &Metric) -> Option<Decimal> {
        let vals = self.groups.get(group).and_then(|g| g.get(period));
        let get = |c: &Component| vals.and_then(|v| v.get(c)).copied().unwrap_or_default();
        evaluate(m, get)
    }

    /// Sum of the groups (components are additive).
    pub fn total(&self, periods: usize) -> Aggregates {
        let mut sum = vec![BTreeMap::<Component, Decimal>::new(); periods];
        for g in self.groups.values() {
            for (i, vals) in g.iter().enumerate() {
                for (c, v) in vals {
                    *sum[i].entry(*c).or_default() += *v;
                }
            }
        }
        Aggregates { groups: BTreeMap::from([(String::new(), sum)]) }
    }
}

/// Evaluate a metric from its components, rounded as the contract says.
pub fn evaluate(m: &Metric, get: impl Fn(&Component) -> Decimal) -> Option<Decimal> {
    let raw = match m.def {
        Formula::Value(c) => Some(get(&c)),
        Formula::Ratio(a, b) => {
            let den = get(&b);
            if den.is_zero() {
                None
            } else {
                let scale = if m.unit == Unit::Percent { Decimal::from(100) } else { Decimal::ONE };
                Some(get(&a) * scale / den)
            }
        }
    };
    raw.map(|v| round(v, m.unit))
}

/// Rounding of metrics.md: money to kopecks in the API (shown in whole rubles), ratios and
/// days to one decimal, counts whole.
pub fn round(v: Decimal, unit: Unit) -> Decimal {
    let dp = match unit {
        Unit::Count => 0,
        Unit::Money => 2,
        Unit::Percent | Unit::Days => 1,
    };
    v.round_dp_with_strategy(dp, rust_decimal::RoundingStrategy::MidpointAwayFromZero).normalize()
}

/// A time series of components of one basis, per period index and bucket (and repeat flag
/// when split). Columns: `which`, `bucket`, `repeat`, then the component aliases.
pub fn series_sql(ctx: &Context, q: &Query, basis: Basis, components: &[Component], grain: Grain, split_repeat: bool) -> String {
    let col = basis.column();
    let selects: Vec<String> = q
        .periods()
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let (a, z) = ctx.utc_range(p);
            let bucket = format!("CAST(date_trunc('{}', {}) AS DATE)", grain.sql_part(), ctx.zone.local_sql(col, a, z));
            let repeat = if split_repeat { "coalesce(d.is_return_customer, false)" } else { "false" };
            let mut cols = vec![format!("{i} AS which"), format!("{bucket} AS bucket"), format!("{repeat} AS repeat")];
            for comp in components {
                debug_assert_eq!(comp.cohort.basis(), Some(basis));
                cols.push(format!("{} AS {}", comp.measure.sql(&cohort_filter(ctx, comp.cohort, None)), comp.alias()));
            }
            format!(
                "SELECT {} {} WHERE {} AND {col} >= {} AND {col} < {} GROUP BY 1, 2, 3",
                cols.join(", "),
                deal_from(ctx, None),
                deal_conditions(ctx, &q.filters, &q.viewer),
                ts_lit(a),
                ts_lit(z)
            )
        })
        .collect();
    selects.join(" UNION ALL ")
}

/// One point of a series.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Point {
    pub bucket: NaiveDate,
    pub values: BTreeMap<String, Option<Decimal>>,
    /// Values of the comparison period's bucket at the same position.
    pub previous: BTreeMap<String, Option<Decimal>>,
}

/// Evaluate series rows into points for every bucket of the period (empty buckets are
/// zeros), with the comparison bucket at the same index beside each. `repeat` selects the
/// rows with that repeat flag (`None`: both).
pub fn series_points(
    q: &Query,
    grain: Grain,
    rows: &Rows,
    components: &[Component],
    metrics: &[&Metric],
    repeat: Option<bool>,
) -> Result<Vec<Point>, MetricsError> {
    let (w, b, r) = (rows.col("which")?, rows.col("bucket")?, rows.col("repeat")?);
    let cols: Vec<(Component, usize)> = components.iter().map(|c| Ok((*c, rows.col(&c.alias())?))).collect::<Result<_, MetricsError>>()?;
    let mut acc: BTreeMap<(i64, NaiveDate), BTreeMap<Component, Decimal>> = BTreeMap::new();
    for row in &rows.rows {
        if repeat.is_some_and(|want| row[r].bool() != Some(want)) {
            continue;
        }
        let key = (row[w].int().unwrap_or(0), row[b].date().ok_or_else(|| MetricsError::Shape("series bucket is not a date".into()))?);
        let e = acc.entry(key).or_default();
        for (c, i) in &cols {
            *e.entry(*c).or_default() += row[*i].dec().unwrap_or_default();
        }
    }
    let eval = |which: i64, bucket: Option<NaiveDate>| -> BTreeMap<String, Option<Decimal>> {
        let vals = bucket.and_then(|bk| acc.get(&(which, bk)));
        metrics
            .iter()
            .map(|m| {
                let v = if bucket.is_none() { None } else { evaluate(m, |c| vals.and_then(|v| v.get(c)).copied().unwrap_or_default()) };
                (m.id.to_string(), v)
            })
            .collect()
    };
    let current = q.period.buckets(grain);
    let previous = q.period.compared(q.compare).map(|p| p.buckets(grain)).unwrap_or_default();
    Ok(current
        .iter()
        .enumerate()
        .map(|(i, bk)| Point { bucket: *bk, values: eval(0, Some(*bk)), previous: eval(1, previous.get(i).copied()) })
        .collect())
}

/// Metrics of one basis.
pub fn basis_metrics(metrics: &[&'static Metric], basis: Basis) -> Vec<&'static Metric> {
    metrics.iter().copied().filter(|m| crate::catalogue::components(&[m]).iter().all(|c| c.cohort.basis() == Some(basis))).collect()
}

/// Won deals per local month, employee and funnel over `[from, to]` months: the plan fact.
/// Columns: `month`, `user_id`, `funnel_id`, `won_count`, `won_amount`.
pub fn plan_fact_sql(ctx: &Context, q: &Query) -> String {
    let (a, z) = ctx.utc_range(q.period);
    format!(
        "SELECT CAST(date_trunc('month', {local}) AS DATE) AS month, d.assigned_by_id AS user_id, d.category_id AS funnel_id,
                {count} AS won_count, {amount} AS won_amount {from}
         WHERE {cond} AND {won} AND d.won_at >= {a} AND d.won_at < {z} GROUP BY 1, 2, 3",
        local = ctx.zone.local_sql("d.won_at", a, z),
        count = Measure::Count.sql("TRUE"),
        amount = Measure::Amount.sql("TRUE"),
        from = deal_from(ctx, None),
        cond = deal_conditions(ctx, &q.filters, &q.viewer),
        won = Cohort::Won.condition(),
        a = ts_lit(a),
        z = ts_lit(z),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{SALES, components, metric};
    use crate::cell::Cell;
    use crate::directory::tests::sample;

    fn ctx<'a>(dir: &'a Directory, zone: &'a Zone) -> Context<'a> {
        Context { dir, zone, now: "2026-11-20T09:00:00".parse().unwrap(), forgotten_deal_days: 14, forgotten_lead_days: 3 }
    }

    fn query() -> Query {
        Query {
            period: Period::new("2026-11-01".parse().unwrap(), "2026-11-30".parse().unwrap()).unwrap(),
            compare: Compare::Previous,
            filters: Filters::default(),
            viewer: Viewer::Admin,
        }
    }

    #[test]
    fn filters_intersect_people_and_quote_values() {
        let dir = sample();
        let zone = Zone::new(chrono_tz::Europe::Moscow);
        let f = Filters { departments: vec![2], employees: vec![3, 5], sources: vec!["WEB".into()], ..Filters::default() };
        let sql = deal_conditions(&ctx(&dir, &zone), &f, &Viewer::Admin);
        assert!(sql.contains("d.assigned_by_id IN (3)"), "{sql}");
        assert!(sql.contains("d.source_id IN ('WEB')"));
        let own = deal_conditions(&ctx(&dir, &zone), &Filters::default(), &Viewer::Employee { user_id: 4 });
        assert!(own.contains("d.assigned_by_id IN (4)"));
        let head = deal_conditions(&ctx(&dir, &zone), &Filters::default(), &Viewer::Head { user_id: 9, departments: vec![3] });
        assert!(head.contains("d.assigned_by_id IN (3, 4, 9)"), "{head}");
    }

    #[test]
    fn aggregate_sql_has_both_periods_in_portal_time() {
        let dir = sample();
        let zone = Zone::new(chrono_tz::Europe::Moscow);
        let comps = components(&SALES.iter().collect::<Vec<_>>());
        let sql = aggregate_sql(&ctx(&dir, &zone), &query(), &comps, Some(GroupBy::Department));
        assert!(sql.contains("d.won_at >= TIMESTAMP '2026-10-31 21:00:00' AND d.won_at < TIMESTAMP '2026-11-30 21:00:00'"));
        assert!(sql.contains("d.won_at >= TIMESTAMP '2026-09-30 21:00:00' AND d.won_at < TIMESTAMP '2026-10-31 21:00:00'"));
        assert!(sql.contains("d.last_touch_at < TIMESTAMP '2026-11-06 09:00:00'"));
        assert!(sql.contains("(2, 1)") && sql.contains("(4, 2)"), "department pairs include sub-department members");
    }

    #[test]
    fn ratios_are_null_without_denominator_and_rounded() {
        let comps = components(&SALES.iter().collect::<Vec<_>>());
        let mut rows = Rows { columns: comps.iter().map(|c| format!("{}_0", c.alias())).collect(), rows: vec![] };
        rows.rows.push(
            comps
                .iter()
                .map(|c| match (c.cohort, c.measure) {
                    (Cohort::Won, Measure::Count) => Cell::Int(3),
                    (Cohort::Won, Measure::Amount) => Cell::Dec(Decimal::new(1000000, 2)),
                    (Cohort::WonRepeat, Measure::Amount) => Cell::Dec(Decimal::new(333333, 2)),
                    _ => Cell::Int(0),
                })
                .collect(),
        );
        let agg = Aggregates::parse(&rows, &comps, 1).unwrap();
        assert_eq!(agg.value("", 0, metric("avg_check").unwrap()), Some(Decimal::new(333333, 2)));
        assert_eq!(agg.value("", 0, metric("repeat_share").unwrap()), Some(Decimal::new(333, 1)));
        assert_eq!(agg.value("", 0, metric("conversion").unwrap()), None);
        assert_eq!(agg.value("", 0, metric("won_count").unwrap()), Some(Decimal::from(3)));
    }

    #[test]
    fn series_fill_empty_buckets_and_align_previous() {
        let q = query();
        let m = metric("won_count").unwrap();
        let comps = components(&[m]);
        let rows = Rows {
            columns: vec!["which".into(), "bucket".into(), "repeat".into(), comps[0].alias()],
            rows: vec![
                vec![Cell::Int(0), Cell::Date("2026-11-09".parse().unwrap()), Cell::Bool(false), Cell::Int(2)],
                vec![Cell::Int(0), Cell::Date("2026-11-09".parse().unwrap()), Cell::Bool(true), Cell::Int(1)],
                vec![Cell::Int(1), Cell::Date("2026-09-29".parse().unwrap()), Cell::Bool(false), Cell::Int(7)],
            ],
        };
        let pts = series_points(&q, Grain::Week, &rows, &comps, &[m], None).unwrap();
        assert_eq!(pts.len(), 6);
        assert_eq!(pts[0].bucket.to_string(), "2026-10-26");
        assert_eq!(pts[2].values["won_count"], Some(Decimal::from(3)));
        assert_eq!(pts[1].values["won_count"], Some(Decimal::ZERO));
        assert_eq!(pts[0].previous["won_count"], Some(Decimal::ZERO));
        let repeat = series_points(&q, Grain::Week, &rows, &comps, &[m], Some(true)).unwrap();
        assert_eq!(repeat[2].values["won_count"], Some(Decimal::from(1)));
    }
}
