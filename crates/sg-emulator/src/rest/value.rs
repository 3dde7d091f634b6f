//! Field values and how each method family puts them on the wire.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use serde_json::{Value, json};

/// A field value before rendering.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Null,
    Int(i64),
    Str(String),
    /// Money in hundredths.
    Money(i64),
    /// An instant, unix seconds.
    Time(i64),
    /// A calendar date; on the wire the UTC midnight of that date in the portal offset.
    Date(NaiveDate),
    Bool(bool),
    IntList(Vec<i64>),
    Json(Value),
}

/// How a method family types scalars (see the reference's cheat sheet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Legacy CRM, users, telephony, tasks: strings everywhere.
    Legacy,
    /// crm.item.*, crm.stagehistory.*: typed numbers.
    Typed,
}

pub fn render_time(tz: Tz, ts: i64) -> String {
    let t = tz.timestamp_opt(ts, 0).single().unwrap_or_else(|| tz.timestamp_opt(0, 0).unwrap());
    t.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

pub fn render_date(tz: Tz, date: NaiveDate) -> String {
    let utc_midnight = date.and_hms_opt(0, 0, 0).expect("midnight").and_utc().timestamp();
    render_time(tz, utc_midnight)
}

pub fn money_string(hundredths: i64) -> String {
    let sign = if hundredths < 0 { "-" } else { "" };
    let a = hundredths.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

impl Val {
    pub fn render(&self, family: Family, tz: Tz, zero_if_null: bool) -> Value {
        match (self, family) {
            (Val::Null, Family::Typed) if zero_if_null => json!(0),
            (Val::Null, _) => Value::Null,
            (Val::Int(n), Family::Legacy) => Value::String(n.to_string()),
            (Val::Int(n), Family::Typed) => json!(n),
            (Val::Str(s), _) => Value::String(s.clone()),
            (Val::Money(m), Family::Legacy) => Value::String(money_string(*m)),
            (Val::Money(m), Family::Typed) => {
                if m % 100 == 0 {
                    json!(m / 100)
                } else {
                    json!(*m as f64 / 100.0)
                }
            }
            (Val::Time(t), _) => Value::String(render_time(tz, *t)),
            (Val::Date(d), _) => Value::String(render_date(tz, *d)),
            (Val::Bool(b), _) => Value::String(if *b { "Y" } else { "N" }.into()),
            (Val::IntList(items), _) => json!(items),
            (Val::Json(v), _) => v.clone(),
        }
    }
}

/// Parse a filter's date value: ISO 8601 with or without offset, a bare date, or the portal
/// locale format `DD.MM.YYYY[ HH:MM:SS]`. Values without an offset are portal-local.
pub fn parse_instant(tz: Tz, s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(t) = DateTime::<FixedOffset>::parse_from_rfc3339(s) {
        return Some(t.timestamp());
    }
    if let Ok(t) = DateTime::<FixedOffset>::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z") {
        return Some(t.timestamp());
    }
    let local = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .or_else(|| {
            ["%Y-%m-%d", "%d.%m.%Y"].iter().find_map(|f| NaiveDate::parse_from_str(s, f).ok()).and_then(|d| d.and_hms_opt(0, 0, 0))
        })?;
    tz.from_local_datetime(&local).earliest().map(|t| t.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_per_family() {
        let tz = chrono_tz::Europe::Moscow;
        assert_eq!(Val::Int(37).render(Family::Legacy, tz, false), json!("37"));
        assert_eq!(Val::Int(37).render(Family::Typed, tz, false), json!(37));
        assert_eq!(Val::Money(1_999_999).render(Family::Legacy, tz, false), json!("19999.99"));
        assert_eq!(Val::Money(1_900_000).render(Family::Typed, tz, false), json!(19000));
        assert_eq!(Val::Null.render(Family::Typed, tz, true), json!(0));
        assert_eq!(Val::Time(1_724_916_859).render(Family::Legacy, tz, false), json!("2024-08-29T10:34:19+03:00"));
        let d = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        assert_eq!(Val::Date(d).render(Family::Legacy, tz, false), json!("2024-01-01T03:00:00+03:00"));
    }

    #[test]
    fn dst_offsets_follow_the_date() {
        let tz = chrono_tz::Europe::Berlin;
        assert!(render_time(tz, 1_720_000_000).ends_with("+02:00"));
        assert!(render_time(tz, 1_735_000_000).ends_with("+01:00"));
    }

    #[test]
    fn parses_filter_dates() {
        let tz = chrono_tz::Europe::Moscow;
        let a = parse_instant(tz, "2024-03-01T00:00:00+03:00").unwrap();
        assert_eq!(parse_instant(tz, "2024-03-01"), Some(a));
        assert_eq!(parse_instant(tz, "01.03.2024 00:00:00"), Some(a));
        assert_eq!(parse_instant(tz, "not a date"), None);
    }
}
