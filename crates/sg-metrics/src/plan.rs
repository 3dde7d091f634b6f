//! Plans (metrics.md, "Plan"): plan rows, roll-ups, and the month's progress math
//! (fulfilment, expected-by-today, pace gap, forecast, needed per day), the year view and
//! the auto roll-forward.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::catalogue::Unit;
use crate::directory::Directory;
use crate::period::Month;
use crate::query::round;

/// One plan row: `(month, employee, funnel | all funnels)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanRow {
    pub month: Month,
    pub user_id: i64,
    /// `None`: all funnels.
    pub funnel_id: Option<i64>,
    pub plan_count: i64,
    pub plan_amount: Decimal,
    pub bonus_pct: Decimal,
    /// Copied by the roll-forward and not reviewed yet.
    #[serde(default)]
    pub needs_review: bool,
}

impl PlanRow {
    pub fn key(&self) -> (Month, i64, Option<i64>) {
        (self.month, self.user_id, self.funnel_id)
    }
}

/// Plan and fact of one cell of a breakdown.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Amounts {
    pub plan_amount: Decimal,
    pub plan_count: i64,
    pub fact_amount: Decimal,
    pub fact_count: i64,
}

impl std::ops::AddAssign for Amounts {
    fn add_assign(&mut self, o: Amounts) {
        self.plan_amount += o.plan_amount;
        self.plan_count += o.plan_count;
        self.fact_amount += o.fact_amount;
        self.fact_count += o.fact_count;
    }
}

/// Fact of won deals per `(month, user, funnel)`.
pub type Facts = BTreeMap<(Month, i64, i64), (i64, Decimal)>;

/// Plan rows of a month for one employee, as the contract reads them: with a funnel filter,
/// the rows of those funnels; otherwise his "all funnels" row, or the sum of his per-funnel
/// rows when he has none.
pub fn employee_plan(rows: &[&PlanRow], funnels: &[i64]) -> (i64, Decimal) {
    let pick: Vec<&&PlanRow> = if !funnels.is_empty() {
        rows.iter().filter(|r| r.funnel_id.is_some_and(|f| funnels.contains(&f))).collect()
    } else if rows.iter().any(|r| r.funnel_id.is_none()) {
        rows.iter().filter(|r| r.funnel_id.is_none()).collect()
    } else {
        rows.iter().collect()
    };
    (pick.iter().map(|r| r.plan_count).sum(), pick.iter().map(|r| r.plan_amount).sum())
}

/// Plan and fact per employee and month, for the employees in `people` (`None`: everyone
/// with a plan or a fact).
pub fn by_employee_month(
    plans: &[PlanRow],
    facts: &Facts,
    funnels: &[i64],
    people: Option<&BTreeSet<i64>>,
) -> BTreeMap<(i64, Month), Amounts> {
    let mut out: BTreeMap<(i64, Month), Amounts> = BTreeMap::new();
    let mut grouped: BTreeMap<(i64, Month), Vec<&PlanRow>> = BTreeMap::new();
    for r in plans.iter().filter(|r| people.is_none_or(|p| p.contains(&r.user_id))) {
        grouped.entry((r.user_id, r.month)).or_default().push(r);
    }
    for (k, rows) in grouped {
        let (c, a) = employee_plan(&rows, funnels);
        let e = out.entry(k).or_default();
        e.plan_count += c;
        e.plan_amount += a;
    }
    for ((month, user, funnel), (count, amount)) in facts {
        if people.is_some_and(|p| !p.contains(user)) || (!funnels.is_empty() && !funnels.contains(funnel)) {
            continue;
        }
        let e = out.entry((*user, *month)).or_default();
        e.fact_count += count;
        e.fact_amount += amount;
    }
    out
}

/// Per funnel and month: per-funnel plan rows, fact by the deal's funnel.
pub fn by_funnel_month(plans: &[PlanRow], facts: &Facts, people: Option<&BTreeSet<i64>>) -> BTreeMap<(i64, Month), Amounts> {
    let mut out: BTreeMap<(i64, Month), Amounts> = BTreeMap::new();
    for r in plans.iter().filter(|r| people.is_none_or(|p| p.contains(&r.user_id))) {
        if let Some(f) = r.funnel_id {
            let e = out.entry((f, r.month)).or_default();
            e.plan_count += r.plan_count;
            e.plan_amount += r.plan_amount;
        }
    }
    for ((month, user, funnel), (count, amount)) in facts {
        if people.is_some_and(|p| !p.contains(user)) {
            continue;
        }
        let e = out.entry((*funnel, *month)).or_default();
        e.fact_count += count;
        e.fact_amount += amount;
    }
    out
}

/// Roll employees up into departments (sub-departments included, each employee once).
pub fn by_department(per_employee: &BTreeMap<(i64, Month), Amounts>, dir: &Directory, month: Month) -> BTreeMap<i64, Amounts> {
    dir.department_members()
        .into_iter()
        .map(|(dept, members)| {
            let mut a = Amounts::default();
            for u in members {
                if let Some(x) = per_employee.get(&(u, month)) {
                    a += *x;
                }
            }
            (dept, a)
        })
        .collect()
}

/// The month's progress numbers (metrics.md, "Plan").
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Progress {
    pub month: Month,
    pub plan_amount: Decimal,
    pub plan_count: i64,
    pub fact_amount: Decimal,
    pub fact_count: i64,
    pub fulfilment_pct: Option<Decimal>,
    pub fulfilment_count_pct: Option<Decimal>,
    pub wd_total: u32,
    pub wd_elapsed: u32,
    pub expected_to_date: Option<Decimal>,
    pub pace_gap: Option<Decimal>,
    pub forecast_eom: Option<Decimal>,
    pub remaining: Decimal,
    pub needed_per_day: Option<Decimal>,
}

fn ratio(a: Decimal, b: Decimal, unit: Unit) -> Option<Decimal> {
    if b.is_zero() {
        return None;
    }
    let scale = if unit == Unit::Percent { Decimal::from(100) } else { Decimal::ONE };
    Some(round(a * scale / b, unit))
}

pub fn progress(month: Month, a: Amounts, cal: &Calendar, today: NaiveDate) -> Progress {
    let wd_total = cal.wd_total(month);
    let wd_elapsed = cal.wd_elapsed(month, today);
    let (total, elapsed) = (Decimal::from(wd_total), Decimal::from(wd_elapsed));
    let expected = ratio(a.plan_amount * elapsed, total, Unit::Money);
    let remaining = (a.plan_amount - a.fact_amount).max(Decimal::ZERO);
    let left = wd_total - wd_elapsed;
    Progress {
        month,
        plan_amount: a.plan_amount,
        plan_count: a.plan_count,
        fact_amount: a.fact_amount,
        fact_count: a.fact_count,
        fulfilment_pct: ratio(a.fact_amount, a.plan_amount, Unit::Percent),
        fulfilment_count_pct: ratio(Decimal::from(a.fact_count), Decimal::from(a.plan_count), Unit::Percent),
        wd_total,
        wd_elapsed,
        expected_to_date: expected,
        pace_gap: expected.map(|e| a.fact_amount - e),
        forecast_eom: if wd_elapsed == 0 { None } else { ratio(a.fact_amount * total, elapsed, Unit::Money) },
        remaining,
        needed_per_day: if remaining.is_zero() { Some(Decimal::ZERO) } else { ratio(remaining, Decimal::from(left), Unit::Money) },
    }
}

/// The year view.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct YearView {
    pub year: i32,
    pub ytd_plan: Decimal,
    pub ytd_fact: Decimal,
    pub ytd_fulfilment_pct: Option<Decimal>,
    pub year_plan: Decimal,
    pub year_remaining: Decimal,
}

/// `months` holds each month's plan and fact; January … `current` count as year to date.
pub fn year_view(current: Month, months: &BTreeMap<Month, Amounts>) -> YearView {
    let in_year = months.iter().filter(|(m, _)| m.year == current.year);
    let ytd: Vec<&Amounts> = in_year.clone().filter(|(m, _)| **m <= current).map(|(_, a)| a).collect();
    let ytd_plan: Decimal = ytd.iter().map(|a| a.plan_amount).sum();
    let ytd_fact: Decimal = ytd.iter().map(|a| a.fact_amount).sum();
    let year_plan: Decimal = in_year.map(|(_, a)| a.plan_amount).sum();
    YearView {
        year: current.year,
        ytd_plan,
        ytd_fact,
        ytd_fulfilment_pct: ratio(ytd_fact, ytd_plan, Unit::Percent),
        year_plan,
        year_remaining: year_plan - ytd_fact,
    }
}

/// Auto roll-forward: when `month` has no rows, the previous month's rows of still-active
/// employees, marked for review. Empty when the month already has rows or nothing to copy.
pub fn roll_forward(month: Month, existing: &[PlanRow], dir: &Directory) -> Vec<PlanRow> {
    if existing.iter().any(|r| r.month == month) {
        return Vec::new();
    }
    let active: BTreeSet<i64> = dir.users.iter().filter(|u| u.active).map(|u| u.id).collect();
    copy_month(existing, month.prev(), month, &active, true)
}

/// The rows of `from` re-dated to `to` (for "copy from previous month" and roll-forward).
pub fn copy_month(rows: &[PlanRow], from: Month, to: Month, only: &BTreeSet<i64>, needs_review: bool) -> Vec<PlanRow> {
    rows.iter().filter(|r| r.month == from && only.contains(&r.user_id)).map(|r| PlanRow { month: to, needs_review, ..r.clone() }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::tests::sample;

    fn m(s: &str) -> Month {
        s.parse().unwrap()
    }
    fn row(month: &str, user: i64, funnel: Option<i64>, amount: i64) -> PlanRow {
        PlanRow {
            month: m(month),
            user_id: user,
            funnel_id: funnel,
            plan_count: 1,
            plan_amount: Decimal::from(amount),
            bonus_pct: Decimal::ONE,
            needs_review: false,
        }
    }

    #[test]
    fn progress_matches_hand_computed_numbers() {
        // November 2026: 20 working days; on Thursday 12 Nov, 8 have started
        // (2, 3, 5, 6, 9, 10, 11, 12; the 4th is a holiday).
        let cal = Calendar::russian(2026..=2026);
        let a = Amounts { plan_amount: Decimal::from(1_000_000), plan_count: 10, fact_amount: Decimal::from(300_000), fact_count: 4 };
        let p = progress(m("2026-11"), a, &cal, "2026-11-12".parse().unwrap());
        assert_eq!((p.wd_total, p.wd_elapsed), (20, 8));
        assert_eq!(p.fulfilment_pct, Some(Decimal::from(30)));
        assert_eq!(p.fulfilment_count_pct, Some(Decimal::from(40)));
        assert_eq!(p.expected_to_date, Some(Decimal::from(400_000)));
        assert_eq!(p.pace_gap, Some(Decimal::from(-100_000)));
        assert_eq!(p.forecast_eom, Some(Decimal::from(750_000)));
        assert_eq!(p.remaining, Decimal::from(700_000));
        assert_eq!(p.needed_per_day, Some(Decimal::new(5833333, 2))); // 700 000 / 12
    }

    #[test]
    fn no_plan_and_before_first_working_day_give_no_value() {
        let cal = Calendar::russian(2026..=2026);
        let a = Amounts { fact_amount: Decimal::from(5), ..Amounts::default() };
        let p = progress(m("2026-01"), a, &cal, "2026-01-09".parse().unwrap());
        assert_eq!(p.wd_elapsed, 0);
        assert_eq!(p.forecast_eom, None);
        assert_eq!(p.fulfilment_pct, None);
        assert_eq!(p.remaining, Decimal::ZERO);
    }

    #[test]
    fn all_funnels_row_wins_over_funnel_rows_unless_filtered() {
        let rows = [row("2026-11", 1, None, 100), row("2026-11", 1, Some(0), 60), row("2026-11", 1, Some(1), 30)];
        let refs: Vec<&PlanRow> = rows.iter().collect();
        assert_eq!(employee_plan(&refs, &[]).1, Decimal::from(100));
        assert_eq!(employee_plan(&refs, &[1]).1, Decimal::from(30));
        assert_eq!(employee_plan(&refs[1..], &[]).1, Decimal::from(90));
    }

    #[test]
    fn departments_roll_up_each_employee_once() {
        let dir = sample();
        let plans = vec![row("2026-11", 3, None, 100), row("2026-11", 4, None, 50), row("2026-11", 5, None, 7)];
        let mut facts = Facts::new();
        facts.insert((m("2026-11"), 4, 0), (2, Decimal::from(20)));
        let per = by_employee_month(&plans, &facts, &[], None);
        let depts = by_department(&per, &dir, m("2026-11"));
        // User 4 sits in departments 2 and 3; department 2 (with 3 below it) counts him once.
        assert_eq!(depts[&2].plan_amount, Decimal::from(150));
        assert_eq!(depts[&2].fact_amount, Decimal::from(20));
        assert_eq!(depts[&1].plan_amount, Decimal::from(157));
    }

    #[test]
    fn year_view_and_roll_forward() {
        let mut months = BTreeMap::new();
        for (mm, plan, fact) in [("2026-01", 10, 8), ("2026-02", 10, 12), ("2026-03", 10, 0), ("2025-12", 99, 99)] {
            months.insert(m(mm), Amounts { plan_amount: Decimal::from(plan), fact_amount: Decimal::from(fact), ..Amounts::default() });
        }
        let y = year_view(m("2026-02"), &months);
        assert_eq!(
            (y.ytd_plan, y.ytd_fact, y.year_plan, y.year_remaining),
            (Decimal::from(20), Decimal::from(20), Decimal::from(30), Decimal::from(10))
        );
        assert_eq!(y.ytd_fulfilment_pct, Some(Decimal::from(100)));

        let mut dir = sample();
        dir.users[1].active = false;
        let rows = vec![row("2026-11", 1, None, 5), row("2026-11", 2, None, 5)];
        let copied = roll_forward(m("2026-12"), &rows, &dir);
        assert_eq!(copied.len(), 1);
        assert!(copied[0].needs_review && copied[0].month == m("2026-12") && copied[0].user_id == 1);
        assert!(roll_forward(m("2026-11"), &rows, &dir).is_empty());
    }
}
