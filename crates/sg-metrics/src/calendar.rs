//! Working-day calendar: Monday–Friday minus public holidays, plus working weekends, as
//! published in the Russian production calendar («производственный календарь») for each
//! year. Years without a published decree fall back to the statutory rules of the Labour
//! Code (art. 112) and are marked provisional. Every day can be overridden (the calendar is
//! editable); overrides win over the built-in tables.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Serialize;

use crate::period::Month;

/// Days that differ from the Monday–Friday rule in one year.
struct YearTable {
    year: i32,
    /// Weekdays that are days off (holidays and transferred days off).
    off: &'static [(u32, u32)],
    /// Weekend days that are working days (transferred working days).
    working: &'static [(u32, u32)],
    /// Published by government decree (false: statutory rules only, check and edit).
    official: bool,
}

/// Russian production calendars (Government decrees on transfers of days off).
const RU: &[YearTable] = &[
    YearTable {
        year: 2023,
        off: &[(1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (2, 23), (2, 24), (3, 8), (5, 1), (5, 8), (5, 9), (6, 12), (11, 6)],
        working: &[],
        official: true,
    },
    YearTable {
        year: 2024,
        off: &[
            (1, 1),
            (1, 2),
            (1, 3),
            (1, 4),
            (1, 5),
            (1, 8),
            (2, 23),
            (3, 8),
            (4, 29),
            (4, 30),
            (5, 1),
            (5, 9),
            (5, 10),
            (6, 12),
            (11, 4),
            (12, 30),
            (12, 31),
        ],
        working: &[(4, 27), (11, 2), (12, 28)],
        official: true,
    },
    YearTable {
        year: 2025,
        off: &[
            (1, 1),
            (1, 2),
            (1, 3),
            (1, 6),
            (1, 7),
            (1, 8),
            (2, 24),
            (3, 10),
            (5, 1),
            (5, 2),
            (5, 9),
            (6, 12),
            (11, 3),
            (11, 4),
            (12, 31),
        ],
        working: &[(11, 1)],
        official: true,
    },
    YearTable {
        year: 2026,
        off: &[(1, 1), (1, 2), (1, 5), (1, 6), (1, 7), (1, 8), (1, 9), (2, 23), (3, 9), (5, 1), (5, 11), (6, 12), (11, 4), (12, 31)],
        working: &[],
        official: true,
    },
];

/// Statutory public holidays (art. 112 of the Labour Code).
const STATUTORY: &[(u32, u32)] =
    &[(1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (1, 8), (2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)];

#[derive(Clone, Debug, Default)]
pub struct Calendar {
    /// Explicit working (`true`) or non-working (`false`) days: built-in tables, then overrides.
    days: BTreeMap<NaiveDate, bool>,
    /// Years with an official table or explicit edits.
    official: Vec<i32>,
}

/// One year's summary for the settings page.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct YearSummary {
    pub year: i32,
    pub working_days: u32,
    pub official: bool,
    /// Weekdays off and working weekends, in date order.
    pub exceptions: Vec<(NaiveDate, bool)>,
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

impl Calendar {
    /// The Russian production calendar for `years` (built-in tables where published,
    /// statutory rules otherwise).
    pub fn russian(years: std::ops::RangeInclusive<i32>) -> Calendar {
        let mut cal = Calendar::default();
        for year in years {
            match RU.iter().find(|t| t.year == year) {
                Some(t) => {
                    for &(m, d) in t.off {
                        cal.days.insert(date(year, m, d), false);
                    }
                    for &(m, d) in t.working {
                        cal.days.insert(date(year, m, d), true);
                    }
                    if t.official {
                        cal.official.push(year);
                    }
                }
                None => cal.add_statutory(year),
            }
        }
        cal
    }

    /// Holidays by the Labour Code: a holiday on a weekend moves to the next working day,
    /// except the New Year holidays (those move only by decree).
    fn add_statutory(&mut self, year: i32) {
        let holidays: Vec<NaiveDate> = STATUTORY.iter().map(|&(m, d)| date(year, m, d)).collect();
        for h in &holidays {
            if !is_weekend(*h) {
                self.days.insert(*h, false);
            } else if h.month() != 1 {
                let mut next = *h + chrono::Duration::days(1);
                while is_weekend(next) || holidays.contains(&next) || self.days.get(&next) == Some(&false) {
                    next += chrono::Duration::days(1);
                }
                self.days.insert(next, false);
            }
        }
    }

    /// Set one day working or not (an edit of the calendar).
    pub fn set(&mut self, day: NaiveDate, working: bool) {
        if working != is_weekend(day) {
            self.days.remove(&day);
        } else {
            self.days.insert(day, working);
        }
        if !self.official.contains(&day.year()) {
            self.official.push(day.year());
        }
    }

    pub fn is_working(&self, d: NaiveDate) -> bool {
        self.days.get(&d).copied().unwrap_or(!is_weekend(d))
    }

    /// Working days in `[from, to]` (inclusive); 0 when `to < from`.
    pub fn working_days(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days().take_while(|d| *d <= to).filter(|d| self.is_working(*d)).count() as u32
    }

    /// `wd_total(M)`.
    pub fn wd_total(&self, m: Month) -> u32 {
        self.working_days(m.first(), m.last())
    }

    /// `wd_elapsed(M, now)`: working days of M up to and including `today` (a day counts as
    /// elapsed once it has started).
    pub fn wd_elapsed(&self, m: Month, today: NaiveDate) -> u32 {
        if today < m.first() {
            return 0;
        }
        self.working_days(m.first(), today.min(m.last()))
    }

    pub fn summary(&self, year: i32) -> YearSummary {
        let first = date(year, 1, 1);
        let last = date(year, 12, 31);
        YearSummary {
            year,
            working_days: self.working_days(first, last),
            official: self.official.contains(&year),
            exceptions: self.days.range(first..=last).map(|(d, w)| (*d, *w)).collect(),
        }
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("calendar tables hold valid dates")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn published_year_totals_match_the_production_calendar() {
        // Totals of the official calendars for a 40-hour week.
        let cal = Calendar::russian(2023..=2026);
        assert_eq!(cal.summary(2023).working_days, 247);
        assert_eq!(cal.summary(2024).working_days, 248);
        assert_eq!(cal.summary(2025).working_days, 247);
        assert_eq!(cal.summary(2026).working_days, 247);
        assert!(cal.summary(2026).official);
    }

    #[test]
    fn month_totals_and_transfers() {
        let cal = Calendar::russian(2024..=2026);
        assert_eq!(cal.wd_total(Month::new(2026, 1).unwrap()), 15);
        // May 2025: 22 weekdays minus 1, 2 (transferred from 4 January) and 9 May.
        assert_eq!(cal.wd_total(Month::new(2025, 5).unwrap()), 19);
        assert_eq!(cal.wd_total(Month::new(2024, 12).unwrap()), 21); // Saturday 28th works, 30–31 off
        assert!(cal.is_working(d("2024-12-28")));
        assert!(!cal.is_working(d("2024-12-30")));
        assert!(!cal.is_working(d("2026-03-09"))); // 8 March on a Sunday moves to Monday
    }

    #[test]
    fn elapsed_counts_today_once_started() {
        let cal = Calendar::russian(2026..=2026);
        let nov = Month::new(2026, 11).unwrap();
        assert_eq!(cal.wd_total(nov), 20); // 4 November (Wed) is a holiday
        assert_eq!(cal.wd_elapsed(nov, d("2026-10-31")), 0);
        assert_eq!(cal.wd_elapsed(nov, d("2026-11-02")), 1);
        assert_eq!(cal.wd_elapsed(nov, d("2026-11-05")), 3);
        assert_eq!(cal.wd_elapsed(nov, d("2026-12-15")), 20);
    }

    #[test]
    fn statutory_fallback_moves_weekend_holidays() {
        let cal = Calendar::russian(2027..=2027);
        let s = cal.summary(2027);
        assert!(!s.official);
        // 1 May 2027 is a Saturday → Monday 3 May off; 12 June is a Saturday → Monday 14 June.
        assert!(!cal.is_working(d("2027-05-03")));
        assert!(!cal.is_working(d("2027-06-14")));
        assert!(!cal.is_working(d("2027-02-23")));
        assert!(cal.is_working(d("2027-01-11")));
    }

    #[test]
    fn edits_override_the_tables() {
        let mut cal = Calendar::russian(2026..=2026);
        let sat = d("2026-11-28");
        cal.set(sat, true);
        assert!(cal.is_working(sat));
        cal.set(d("2026-11-30"), false);
        assert_eq!(cal.wd_total(Month::new(2026, 11).unwrap()), 20);
    }
}
