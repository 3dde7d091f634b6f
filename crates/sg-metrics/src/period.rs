//! Periods, months, grains and comparison periods (metrics.md, "Conventions").

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::MetricsError;

/// A calendar month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        ((1..=12).contains(&month) && (1900..=2200).contains(&year)).then_some(Month { year, month })
    }
    pub fn of(d: NaiveDate) -> Month {
        Month { year: d.year(), month: d.month() }
    }
    pub fn first(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("valid month")
    }
    pub fn last(self) -> NaiveDate {
        self.next().first() - Duration::days(1)
    }
    pub fn next(self) -> Month {
        if self.month == 12 { Month { year: self.year + 1, month: 1 } } else { Month { year: self.year, month: self.month + 1 } }
    }
    pub fn prev(self) -> Month {
        if self.month == 1 { Month { year: self.year - 1, month: 12 } } else { Month { year: self.year, month: self.month - 1 } }
    }
    pub fn quarter(self) -> u32 {
        (self.month - 1) / 3 + 1
    }
    pub fn period(self) -> Period {
        Period { from: self.first(), to: self.last() }
    }
    /// Months from `self` to `to`, inclusive.
    pub fn through(self, to: Month) -> impl Iterator<Item = Month> {
        std::iter::successors(Some(self), move |m| (*m < to).then(|| m.next()))
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = MetricsError;
    fn from_str(s: &str) -> Result<Month, MetricsError> {
        let bad = || MetricsError::BadInput(format!("month `{s}` is not YYYY-MM"));
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        Month::new(y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?).ok_or_else(bad)
    }
}

impl TryFrom<String> for Month {
    type Error = MetricsError;
    fn try_from(s: String) -> Result<Month, MetricsError> {
        s.parse()
    }
}

impl From<Month> for String {
    fn from(m: Month) -> String {
        m.to_string()
    }
}

/// An inclusive range of calendar dates in the portal's zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Grain {
    Day,
    Week,
    #[default]
    Month,
    Quarter,
}

impl FromStr for Grain {
    type Err = MetricsError;
    fn from_str(s: &str) -> Result<Grain, MetricsError> {
        Ok(match s {
            "day" => Grain::Day,
            "week" => Grain::Week,
            "month" => Grain::Month,
            "quarter" => Grain::Quarter,
            _ => return Err(MetricsError::BadInput(format!("grain `{s}` is not one of day, week, month, quarter"))),
        })
    }
}

impl Grain {
    /// DuckDB `date_trunc` part.
    pub fn sql_part(self) -> &'static str {
        match self {
            Grain::Day => "day",
            Grain::Week => "week",
            Grain::Month => "month",
            Grain::Quarter => "quarter",
        }
    }
    /// First day of the bucket holding `d` (weeks start on Monday).
    pub fn start(self, d: NaiveDate) -> NaiveDate {
        match self {
            Grain::Day => d,
            Grain::Week => d - Duration::days(i64::from(d.weekday().num_days_from_monday())),
            Grain::Month => Month::of(d).first(),
            Grain::Quarter => NaiveDate::from_ymd_opt(d.year(), (d.month() - 1) / 3 * 3 + 1, 1).expect("valid quarter"),
        }
    }
    fn after(self, start: NaiveDate) -> NaiveDate {
        match self {
            Grain::Day => start + Duration::days(1),
            Grain::Week => start + Duration::days(7),
            Grain::Month => Month::of(start).next().first(),
            Grain::Quarter => Month::of(start).next().next().next().first(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    None,
    #[default]
    Previous,
    YearOverYear,
}

impl FromStr for Compare {
    type Err = MetricsError;
    fn from_str(s: &str) -> Result<Compare, MetricsError> {
        Ok(match s {
            "none" => Compare::None,
            "previous" => Compare::Previous,
            "yoy" | "year_over_year" => Compare::YearOverYear,
            _ => return Err(MetricsError::BadInput(format!("compare `{s}` is not one of none, previous, yoy"))),
        })
    }
}

fn shift_years(d: NaiveDate, years: i32) -> NaiveDate {
    d.with_year(d.year() + years).unwrap_or_else(|| NaiveDate::from_ymd_opt(d.year() + years, 2, 28).expect("valid date"))
}

impl Period {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, MetricsError> {
        if to < from {
            return Err(MetricsError::BadInput(format!("period ends ({to}) before it starts ({from})")));
        }
        if (to - from).num_days() > 366 * 20 {
            return Err(MetricsError::BadInput("period is longer than 20 years".into()));
        }
        Ok(Period { from, to })
    }

    pub fn days(self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    pub fn contains(self, d: NaiveDate) -> bool {
        self.from <= d && d <= self.to
    }

    /// `Some(months)` when the period is exactly 1, 3 (a calendar quarter) or 12 (a
    /// calendar year) whole months.
    fn calendar_unit(self) -> Option<u32> {
        if self.from.day() != 1 || self.to.succ_opt().is_none_or(|n| n.day() != 1) {
            return None;
        }
        let months = (self.to.year() - self.from.year()) * 12 + self.to.month() as i32 - self.from.month() as i32 + 1;
        match months {
            1 => Some(1),
            3 if (self.from.month() - 1).is_multiple_of(3) => Some(3),
            12 if self.from.month() == 1 => Some(12),
            _ => None,
        }
    }

    /// The previous period: the previous calendar month/quarter/year when P is exactly one,
    /// else the period of equal length ending the day before `from`.
    pub fn previous(self) -> Period {
        if let Some(n) = self.calendar_unit() {
            let mut m = Month::of(self.from);
            for _ in 0..n {
                m = m.prev();
            }
            let mut last = m;
            for _ in 1..n {
                last = last.next();
            }
            return Period { from: m.first(), to: last.last() };
        }
        let to = self.from - Duration::days(1);
        Period { from: to - Duration::days(self.days() - 1), to }
    }

    /// The same period one year earlier (a month end stays a month end).
    pub fn year_before(self) -> Period {
        let to = if self.to.succ_opt().is_some_and(|n| n.day() == 1) {
            Month::of(shift_years(Month::of(self.to).first(), -1)).last()
        } else {
            shift_years(self.to, -1)
        };
        Period { from: shift_years(self.from, -1), to }
    }

    pub fn compared(self, mode: Compare) -> Option<Period> {
        match mode {
            Compare::None => None,
            Compare::Previous => Some(self.previous()),
            Compare::YearOverYear => Some(self.year_before()),
        }
    }

    /// Bucket start dates covering the period (the first and last may be partial).
    pub fn buckets(self, grain: Grain) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        let mut b = grain.start(self.from);
        while b <= self.to {
            out.push(b);
            b = grain.after(b);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(a: &str, b: &str) -> Period {
        Period::new(a.parse().unwrap(), b.parse().unwrap()).unwrap()
    }

    #[test]
    fn previous_of_calendar_units_and_free_ranges() {
        assert_eq!(p("2026-03-01", "2026-03-31").previous(), p("2026-02-01", "2026-02-28"));
        assert_eq!(p("2026-01-01", "2026-01-31").previous(), p("2025-12-01", "2025-12-31"));
        assert_eq!(p("2026-04-01", "2026-06-30").previous(), p("2026-01-01", "2026-03-31"));
        assert_eq!(p("2026-01-01", "2026-12-31").previous(), p("2025-01-01", "2025-12-31"));
        // Not a calendar quarter: equal length ending the day before.
        assert_eq!(p("2026-02-01", "2026-04-30").previous(), p("2025-11-04", "2026-01-31"));
        assert_eq!(p("2026-03-10", "2026-03-16").previous(), p("2026-03-03", "2026-03-09"));
    }

    #[test]
    fn year_over_year_keeps_month_ends() {
        assert_eq!(p("2024-02-01", "2024-02-29").year_before(), p("2023-02-01", "2023-02-28"));
        assert_eq!(p("2026-03-10", "2026-03-16").year_before(), p("2025-03-10", "2025-03-16"));
        assert_eq!(p("2026-03-10", "2026-03-16").compared(Compare::None), None);
    }

    #[test]
    fn buckets_start_on_monday_and_cover_the_period() {
        let b = p("2026-11-04", "2026-11-20").buckets(Grain::Week);
        assert_eq!(b.first().unwrap().to_string(), "2026-11-02");
        assert_eq!(b.len(), 3);
        assert_eq!(p("2026-02-15", "2026-07-01").buckets(Grain::Quarter).len(), 3);
        assert_eq!(p("2026-02-15", "2026-02-15").buckets(Grain::Day).len(), 1);
    }

    #[test]
    fn months_parse_and_step() {
        let m: Month = "2025-12".parse().unwrap();
        assert_eq!(m.next().to_string(), "2026-01");
        assert_eq!(m.last().to_string(), "2025-12-31");
        assert!("2025-13".parse::<Month>().is_err());
        assert_eq!(Month::new(2026, 1).unwrap().through(Month::new(2026, 3).unwrap()).count(), 3);
        assert!(Period::new("2026-02-01".parse().unwrap(), "2026-01-01".parse().unwrap()).is_err());
    }
}
