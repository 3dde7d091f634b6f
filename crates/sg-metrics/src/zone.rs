//! The portal's time zone. Instants are stored as UTC; calendar boundaries are in the portal
//! zone. Boundaries are turned into UTC instants here, and bucketing in SQL uses an explicit
//! offset expression built from the zone's transitions (the store has no ICU), so it is
//! exact for zones with daylight saving too.

use chrono::{NaiveDate, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

use crate::sql::ts_lit;

#[derive(Clone, Debug)]
pub struct Zone {
    pub tz: Tz,
    /// `(utc instant from which it applies, offset seconds)`, ascending; the first applies
    /// to everything before the second.
    transitions: Vec<(NaiveDateTime, i32)>,
}

const SCAN_FROM: i32 = 2000;
const SCAN_TO: i32 = 2045;

impl Zone {
    pub fn new(tz: Tz) -> Zone {
        let offset_at = |t: NaiveDateTime| tz.offset_from_utc_datetime(&t).fix().local_minus_utc();
        let start = NaiveDate::from_ymd_opt(SCAN_FROM, 1, 1).expect("valid").and_hms_opt(0, 0, 0).expect("valid");
        let end = NaiveDate::from_ymd_opt(SCAN_TO, 1, 1).expect("valid").and_hms_opt(0, 0, 0).expect("valid");
        let mut transitions = vec![(start, offset_at(start))];
        let mut t = start;
        while t < end {
            let next = t + chrono::Duration::days(1);
            if offset_at(next) != transitions.last().expect("non-empty").1 {
                // Narrow down to the quarter hour of the change.
                let mut lo = t;
                while offset_at(lo + chrono::Duration::minutes(15)) == offset_at(t) {
                    lo += chrono::Duration::minutes(15);
                }
                let at = lo + chrono::Duration::minutes(15);
                transitions.push((at, offset_at(at)));
            }
            t = next;
        }
        Zone { tz, transitions }
    }

    pub fn name(&self) -> &str {
        self.tz.name()
    }

    /// UTC instant of local midnight at the start of `d` (the earliest one if midnight is
    /// skipped or repeated by a DST change).
    pub fn day_start_utc(&self, d: NaiveDate) -> NaiveDateTime {
        let mut local = d.and_hms_opt(0, 0, 0).expect("midnight");
        loop {
            if let Some(t) = self.tz.from_local_datetime(&local).earliest() {
                return t.naive_utc();
            }
            local += chrono::Duration::minutes(30);
        }
    }

    /// Local date of a UTC instant.
    pub fn local_date(&self, utc: NaiveDateTime) -> NaiveDate {
        self.tz.from_utc_datetime(&utc).date_naive()
    }

    /// SQL for the local wall-clock time of a UTC `TIMESTAMP` expression, exact for values
    /// in `[from, to)` (UTC); only the transitions inside that range appear in the SQL.
    pub fn local_sql(&self, col: &str, from: NaiveDateTime, to: NaiveDateTime) -> String {
        let first = self.transitions.iter().rposition(|(t, _)| *t <= from).unwrap_or(0);
        let inner: Vec<&(NaiveDateTime, i32)> = self.transitions[first + 1..].iter().filter(|(t, _)| *t < to).collect();
        let base = self.transitions[first].1;
        if inner.is_empty() {
            return format!("({col} + INTERVAL {base} SECOND)");
        }
        let mut s = format!("({col} + to_seconds(CASE");
        let mut current = base;
        for (t, o) in inner {
            s.push_str(&format!(" WHEN {col} < {} THEN {current}", ts_lit(*t)));
            current = *o;
        }
        s.push_str(&format!(" ELSE {current} END))"));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moscow_midnight_is_21_utc() {
        let z = Zone::new(chrono_tz::Europe::Moscow);
        let d: NaiveDate = "2026-11-01".parse().unwrap();
        assert_eq!(z.day_start_utc(d).to_string(), "2026-10-31 21:00:00");
        // 2011 and 2014 changes are known transitions; none since.
        assert!(z.transitions.iter().all(|(t, _)| t.date() < "2015-01-01".parse::<NaiveDate>().unwrap()));
        assert_eq!(z.transitions.last().unwrap().1, 3 * 3600);
    }

    #[test]
    fn berlin_has_both_offsets() {
        let z = Zone::new(chrono_tz::Europe::Berlin);
        assert_eq!(z.day_start_utc("2026-07-01".parse().unwrap()).to_string(), "2026-06-30 22:00:00");
        assert_eq!(z.day_start_utc("2026-01-01".parse().unwrap()).to_string(), "2025-12-31 23:00:00");
        // The 2026 spring change at 01:00 UTC on 29 March.
        assert!(z.transitions.iter().any(|(t, o)| t.to_string() == "2026-03-29 01:00:00" && *o == 7200));
        let (a, b) = (z.day_start_utc("2026-01-01".parse().unwrap()), z.day_start_utc("2027-01-01".parse().unwrap()));
        let sql = z.local_sql("x", a, b);
        assert!(sql.contains("WHEN x < TIMESTAMP '2026-03-29 01:00:00' THEN 3600"), "{sql}");
        assert!(sql.contains("WHEN x < TIMESTAMP '2026-10-25 01:00:00' THEN 7200 ELSE 3600"), "{sql}");
    }

    #[test]
    fn fixed_zone_is_a_plain_interval() {
        let z = Zone::new(chrono_tz::Asia::Almaty);
        let (a, b) = (z.day_start_utc("2025-01-01".parse().unwrap()), z.day_start_utc("2026-01-01".parse().unwrap()));
        assert_eq!(z.local_sql("x", a, b), "(x + INTERVAL 18000 SECOND)");
        assert_eq!(z.local_date("2026-03-01T20:00:00".parse().unwrap()).to_string(), "2026-03-02");
    }
}
