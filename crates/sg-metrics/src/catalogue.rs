//! The metric catalogue: every number of metrics.md defined once. Queries, the «Как
//! считается» page and the API keys are all derived from these definitions.

use serde::Serialize;

/// A set of deals a metric counts over (metrics.md, "Sales").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Cohort {
    /// `created_at ∈ P`.
    New,
    /// Now in S, `won_at ∈ P`.
    Won,
    /// Now in F, `lost_at ∈ P`.
    Lost,
    /// Created in P and now in S (the conversion numerator).
    NewWon,
    /// Won in P and `is_repeat`.
    WonRepeat,
    /// Open now (not period-bound).
    Open,
    /// Open now and `last_touch_at < now − threshold` (not period-bound).
    Forgotten,
}

/// Which instant places a deal of the cohort in a period or bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Basis {
    Created,
    Won,
    Lost,
}

impl Basis {
    pub fn column(self) -> &'static str {
        match self {
            Basis::Created => "d.created_at",
            Basis::Won => "d.won_at",
            Basis::Lost => "d.lost_at",
        }
    }
}

impl Cohort {
    pub fn basis(self) -> Option<Basis> {
        match self {
            Cohort::New | Cohort::NewWon => Some(Basis::Created),
            Cohort::Won | Cohort::WonRepeat => Some(Basis::Won),
            Cohort::Lost => Some(Basis::Lost),
            Cohort::Open | Cohort::Forgotten => None,
        }
    }

    /// The condition on a deal row besides the period (aliases `d` deals, `f` facts;
    /// `{forgotten_before}` is substituted by the compiler).
    pub fn condition(self) -> &'static str {
        match self {
            Cohort::New => "TRUE",
            Cohort::Won => "d.stage_semantic = 'S'",
            Cohort::Lost => "d.stage_semantic = 'F'",
            Cohort::NewWon => "d.stage_semantic = 'S'",
            Cohort::WonRepeat => "d.stage_semantic = 'S' AND d.is_return_customer",
            Cohort::Open => "coalesce(d.stage_semantic, 'P') NOT IN ('S', 'F')",
            Cohort::Forgotten => "coalesce(d.stage_semantic, 'P') NOT IN ('S', 'F') AND d.last_touch_at < {forgotten_before}",
        }
    }
}

/// An additive quantity over a cohort; every metric is one of these or a ratio of two.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Measure {
    Count,
    Amount,
    /// Σ cycle days (won − created), for means.
    CycleDays,
}

impl Measure {
    /// The aggregate over the rows matching `filter` (SQL condition), zero when none match.
    pub fn sql(self, filter: &str) -> String {
        match self {
            Measure::Count => format!("count(*) FILTER (WHERE {filter})"),
            Measure::Amount => format!("coalesce(sum(d.amount_base) FILTER (WHERE {filter}), 0)"),
            Measure::CycleDays => format!("coalesce(sum(epoch(d.won_at) - epoch(d.created_at)) FILTER (WHERE {filter}), 0) / 86400.0"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Component {
    pub cohort: Cohort,
    pub measure: Measure,
}

impl Component {
    /// Column alias in generated SQL.
    pub fn alias(self) -> String {
        format!("{:?}_{:?}", self.cohort, self.measure).to_lowercase()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Count,
    Money,
    Percent,
    Days,
}

#[derive(Clone, Copy, Debug)]
pub enum Formula {
    Value(Component),
    /// `num ÷ den` (× 100 when the unit is percent); no value when `den` is zero.
    Ratio(Component, Component),
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct Text {
    pub ru: &'static str,
    pub en: &'static str,
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct Metric {
    pub id: &'static str,
    pub name: Text,
    pub description: Text,
    /// The formula as shown on «Как считается».
    pub formula: &'static str,
    pub unit: Unit,
    /// Bound to the period (false: a snapshot at "now", filters still apply).
    pub periodic: bool,
    #[serde(skip)]
    pub def: Formula,
}

const fn c(cohort: Cohort, measure: Measure) -> Component {
    Component { cohort, measure }
}

use Cohort::*;
use Measure::*;

/// Every sales metric (metrics.md, "Sales").
pub const SALES: &[Metric] = &[
    Metric {
        id: "won_count",
        name: Text { ru: "Успешные сделки, шт", en: "Won deals" },
        description: Text {
            ru: "Сделки, которые сейчас в успешной стадии и перешли в неё в выбранном периоде.",
            en: "Deals now in a won stage whose last move into it falls in the period.",
        },
        formula: "count(deals now in S with won_at ∈ P)",
        unit: Unit::Count,
        periodic: true,
        def: Formula::Value(c(Won, Count)),
    },
    Metric {
        id: "won_amount",
        name: Text { ru: "Выручка (успешные)", en: "Won revenue" },
        description: Text {
            ru: "Сумма успешных сделок периода в базовой валюте по курсу портала.",
            en: "Amount of the period's won deals in the base currency at the portal's rates.",
        },
        formula: "Σ amount of won_count deals",
        unit: Unit::Money,
        periodic: true,
        def: Formula::Value(c(Won, Amount)),
    },
    Metric {
        id: "avg_check",
        name: Text { ru: "Средний чек", en: "Average deal size" },
        description: Text {
            ru: "Выручка, делённая на число успешных сделок.", en: "Won revenue divided by the number of won deals."
        },
        formula: "won_amount ÷ won_count",
        unit: Unit::Money,
        periodic: true,
        def: Formula::Ratio(c(Won, Amount), c(Won, Count)),
    },
    Metric {
        id: "new_count",
        name: Text { ru: "Новые сделки, шт", en: "New deals" },
        description: Text { ru: "Сделки, созданные в периоде.", en: "Deals created in the period." },
        formula: "count(deals with created_at ∈ P)",
        unit: Unit::Count,
        periodic: true,
        def: Formula::Value(c(New, Count)),
    },
    Metric {
        id: "new_amount",
        name: Text { ru: "Новые сделки, сумма", en: "New deals, amount" },
        description: Text {
            ru: "Сумма сделок, созданных в периоде.", en: "Amount of the deals created in the period."
        },
        formula: "Σ amount of deals with created_at ∈ P",
        unit: Unit::Money,
        periodic: true,
        def: Formula::Value(c(New, Amount)),
    },
    Metric {
        id: "lost_count",
        name: Text { ru: "Проваленные сделки, шт", en: "Lost deals" },
        description: Text {
            ru: "Сделки, которые сейчас в стадии провала и перешли в неё в периоде.",
            en: "Deals now in a lost stage whose last move into it falls in the period.",
        },
        formula: "count(deals now in F with lost_at ∈ P)",
        unit: Unit::Count,
        periodic: true,
        def: Formula::Value(c(Lost, Count)),
    },
    Metric {
        id: "lost_amount",
        name: Text { ru: "Проваленные сделки, сумма", en: "Lost deals, amount" },
        description: Text {
            ru: "Сумма проваленных сделок периода.", en: "Amount of the period's lost deals."
        },
        formula: "Σ amount of lost_count deals",
        unit: Unit::Money,
        periodic: true,
        def: Formula::Value(c(Lost, Amount)),
    },
    Metric {
        id: "conversion",
        name: Text { ru: "Конверсия", en: "Conversion" },
        description: Text {
            ru: "Из сделок, созданных в периоде, доля тех, что сейчас успешны (когорта периода).",
            en: "Of the deals created in the period, the share now won (the period's cohort).",
        },
        formula: "count(created in P and now in S) ÷ new_count × 100",
        unit: Unit::Percent,
        periodic: true,
        def: Formula::Ratio(c(NewWon, Count), c(New, Count)),
    },
    Metric {
        id: "avg_cycle_days",
        name: Text { ru: "Длительность закрытия, дн.", en: "Days to close" },
        description: Text {
            ru: "Среднее число дней от создания до успеха по сделкам, выигранным в периоде.",
            en: "Mean days from creation to winning over the deals won in the period.",
        },
        formula: "mean(won_at − created_at) over deals won in P, in days",
        unit: Unit::Days,
        periodic: true,
        def: Formula::Ratio(c(Won, CycleDays), c(Won, Count)),
    },
    Metric {
        id: "repeat_share",
        name: Text { ru: "Доля повторных продаж", en: "Repeat sales share" },
        description: Text {
            ru: "Доля выручки периода от повторных клиентов (IS_RETURN_CUSTOMER = Y).",
            en: "Share of the period's won revenue from returning customers (IS_RETURN_CUSTOMER = Y).",
        },
        formula: "won_amount of is_repeat deals ÷ won_amount × 100",
        unit: Unit::Percent,
        periodic: true,
        def: Formula::Ratio(c(WonRepeat, Amount), c(Won, Amount)),
    },
    Metric {
        id: "in_work_count",
        name: Text { ru: "В работе сейчас, шт", en: "Open deals now" },
        description: Text {
            ru: "Открытые сделки на момент последней синхронизации (не зависит от периода, фильтры действуют).",
            en: "Open deals at the last sync (not bound to the period; filters apply).",
        },
        formula: "count(open deals at now)",
        unit: Unit::Count,
        periodic: false,
        def: Formula::Value(c(Open, Count)),
    },
    Metric {
        id: "in_work_amount",
        name: Text { ru: "В работе сейчас, сумма", en: "Open deals now, amount" },
        description: Text {
            ru: "Сумма открытых сделок на момент последней синхронизации.",
            en: "Amount of the open deals at the last sync.",
        },
        formula: "Σ amount of open deals at now",
        unit: Unit::Money,
        periodic: false,
        def: Formula::Value(c(Open, Amount)),
    },
    Metric {
        id: "forgotten_deals_count",
        name: Text { ru: "Забытые сделки, шт", en: "Forgotten deals" },
        description: Text {
            ru: "Открытые сделки без касаний (дела, комментарии, смена стадии) дольше порога (по умолчанию 14 дней).",
            en: "Open deals with no touch (activity, comment, stage move) for longer than the threshold (14 days by default).",
        },
        formula: "count(open deals with last_touch_at < now − threshold)",
        unit: Unit::Count,
        periodic: false,
        def: Formula::Value(c(Forgotten, Count)),
    },
    Metric {
        id: "forgotten_deals_amount",
        name: Text { ru: "Забытые сделки, сумма", en: "Forgotten deals, amount" },
        description: Text { ru: "Сумма забытых сделок.", en: "Amount of the forgotten deals." },
        formula: "Σ amount of forgotten deals",
        unit: Unit::Money,
        periodic: false,
        def: Formula::Value(c(Forgotten, Amount)),
    },
];

/// Plan metrics (metrics.md, "Plan"); computed from plan rows and the fact basis.
pub const PLAN: &[(&str, Text, &str, Unit)] = &[
    (
        "plan_amount",
        Text { ru: "План, сумма", en: "Plan, amount" },
        "Σ plan rows of the month (department = its employees' rows)",
        Unit::Money,
    ),
    ("plan_count", Text { ru: "План, шт", en: "Plan, deals" }, "Σ plan rows of the month", Unit::Count),
    (
        "fact_amount",
        Text { ru: "Факт, сумма", en: "Actual, amount" },
        "won_amount by won_at in the month (fact basis: won deals)",
        Unit::Money,
    ),
    ("fact_count", Text { ru: "Факт, шт", en: "Actual, deals" }, "won_count by won_at in the month", Unit::Count),
    ("fulfilment_pct", Text { ru: "Выполнение плана", en: "Plan fulfilment" }, "fact_amount ÷ plan_amount × 100", Unit::Percent),
    (
        "fulfilment_count_pct",
        Text { ru: "Выполнение плана, шт", en: "Plan fulfilment, deals" },
        "fact_count ÷ plan_count × 100",
        Unit::Percent,
    ),
    ("expected_to_date", Text { ru: "Должно быть к сегодня", en: "Expected by today" }, "plan × wd_elapsed ÷ wd_total", Unit::Money),
    ("pace_gap", Text { ru: "Отставание от темпа", en: "Pace gap" }, "fact − expected_to_date", Unit::Money),
    (
        "forecast_eom",
        Text { ru: "Прогноз на конец месяца", en: "Month-end forecast" },
        "fact ÷ wd_elapsed × wd_total (none before the first working day)",
        Unit::Money,
    ),
    ("remaining", Text { ru: "Осталось до плана", en: "Remaining to plan" }, "max(0, plan − fact)", Unit::Money),
    ("needed_per_day", Text { ru: "Нужно в день", en: "Needed per working day" }, "remaining ÷ remaining working days", Unit::Money),
    (
        "wd_total",
        Text { ru: "Рабочих дней в месяце", en: "Working days in month" },
        "Mon–Fri minus holidays of the production calendar",
        Unit::Count,
    ),
    (
        "wd_elapsed",
        Text { ru: "Рабочих дней прошло", en: "Working days elapsed" },
        "working days from the 1st to today, today included once started",
        Unit::Count,
    ),
    ("ytd_plan", Text { ru: "План с начала года", en: "Plan year to date" }, "Σ plan January … current month", Unit::Money),
    ("ytd_fact", Text { ru: "Факт с начала года", en: "Actual year to date" }, "Σ fact January … current month", Unit::Money),
    (
        "ytd_fulfilment_pct",
        Text { ru: "Выполнение с начала года", en: "Fulfilment year to date" },
        "ytd_fact ÷ ytd_plan × 100",
        Unit::Percent,
    ),
    ("year_plan", Text { ru: "План на год", en: "Year plan" }, "Σ plan of all months entered", Unit::Money),
    ("year_remaining", Text { ru: "Осталось до годового плана", en: "Remaining for the year" }, "year_plan − ytd_fact", Unit::Money),
];

pub fn metric(id: &str) -> Option<&'static Metric> {
    SALES.iter().find(|m| m.id == id)
}

/// Components needed for the metrics, deduplicated and ordered.
pub fn components(metrics: &[&Metric]) -> Vec<Component> {
    let mut out: Vec<Component> = metrics
        .iter()
        .flat_map(|m| match m.def {
            Formula::Value(a) => vec![a],
            Formula::Ratio(a, b) => vec![a, b],
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_snake_case() {
        let mut ids: Vec<&str> = SALES.iter().map(|m| m.id).chain(PLAN.iter().map(|p| p.0)).collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n);
        assert!(ids.iter().all(|i| i.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
    }

    #[test]
    fn ratio_components_are_shared() {
        let ms: Vec<&Metric> = ["won_amount", "avg_check", "won_count"].iter().map(|i| metric(i).unwrap()).collect();
        assert_eq!(components(&ms), vec![c(Won, Count), c(Won, Amount)]);
    }
}
