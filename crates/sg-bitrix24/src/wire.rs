//! Lenient readers for Bitrix24 values: the same field is a string in one method family and
//! a number in another, empties are `""` or `null`, maps may be `[]`.

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, Utc};
use serde_json::Value;

/// Why a value could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field {field}: {detail}")]
pub struct FieldError {
    pub field: String,
    pub detail: String,
}

fn err(field: &str, detail: String) -> FieldError {
    FieldError { field: field.to_string(), detail }
}

fn get<'a>(row: &'a Value, field: &str) -> Option<&'a Value> {
    match row.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(v) => Some(v),
    }
}

/// An integer id or count: `37`, `"37"`; empty → `None`.
pub fn int(row: &Value, field: &str) -> Result<Option<i64>, FieldError> {
    match get(row, field) {
        None => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| err(field, format!("`{n}` is not an integer"))),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| err(field, format!("`{s}` is not an integer"))),
        Some(v) => Err(err(field, format!("expected an integer, got {v}"))),
    }
}

/// A required integer.
pub fn req_int(row: &Value, field: &str) -> Result<i64, FieldError> {
    int(row, field)?.ok_or_else(|| err(field, "missing".into()))
}

/// An id where `0` also means "none" (crm.item, tasks).
pub fn id(row: &Value, field: &str) -> Result<Option<i64>, FieldError> {
    Ok(int(row, field)?.filter(|&n| n != 0))
}

/// Text; empty → `None`.
pub fn text(row: &Value, field: &str) -> Result<Option<String>, FieldError> {
    match get(row, field) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(v) => Err(err(field, format!("expected text, got {v}"))),
    }
}

/// `"Y"`/`"N"`, JSON booleans, `1`/`0`.
pub fn flag(row: &Value, field: &str) -> Result<Option<bool>, FieldError> {
    match get(row, field) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) => match s.as_str() {
            "Y" | "y" | "1" | "true" => Ok(Some(true)),
            "N" | "n" | "0" | "false" => Ok(Some(false)),
            other => Err(err(field, format!("`{other}` is not Y/N"))),
        },
        Some(Value::Number(n)) => Ok(Some(n.as_i64().unwrap_or(0) != 0)),
        Some(v) => Err(err(field, format!("expected Y/N, got {v}"))),
    }
}

/// Money as a canonical decimal string (`"19999.99"`), from a string or a JSON number;
/// never through binary floating point for strings.
pub fn money(row: &Value, field: &str) -> Result<Option<String>, FieldError> {
    let raw = match get(row, field) {
        None => return Ok(None),
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(v) => return Err(err(field, format!("expected an amount, got {v}"))),
    };
    let (int_part, frac) = raw.split_once('.').unwrap_or((raw.as_str(), ""));
    let digits = int_part.strip_prefix('-').unwrap_or(int_part);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(field, format!("`{raw}` is not an amount")));
    }
    Ok(Some(raw))
}

/// A datetime with an offset, normalised to UTC `YYYY-MM-DDTHH:MM:SSZ`.
pub fn instant(row: &Value, field: &str) -> Result<Option<String>, FieldError> {
    match get(row, field) {
        None => Ok(None),
        Some(Value::String(s)) => parse_instant(s).map(Some).ok_or_else(|| err(field, format!("`{s}` is not a datetime with an offset"))),
        Some(Value::Object(m)) if m.is_empty() => Ok(None),
        Some(Value::Array(a)) if a.is_empty() => Ok(None),
        Some(v) => Err(err(field, format!("expected a datetime, got {v}"))),
    }
}

pub fn parse_instant(s: &str) -> Option<String> {
    let t = DateTime::<FixedOffset>::parse_from_rfc3339(s.trim()).ok()?;
    Some(t.with_timezone(&Utc).to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// Unix seconds of a wire datetime.
pub fn unix(s: &str) -> Option<i64> {
    DateTime::<FixedOffset>::parse_from_rfc3339(s.trim()).ok().map(|t| t.timestamp())
}

/// A date-only field sent as a datetime: the calendar date is "convert to UTC, take date".
pub fn date(row: &Value, field: &str) -> Result<Option<NaiveDate>, FieldError> {
    match get(row, field) {
        None => Ok(None),
        Some(Value::String(s)) => DateTime::<FixedOffset>::parse_from_rfc3339(s.trim())
            .map(|t| Some(t.with_timezone(&Utc).date_naive()))
            .or_else(|_| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map(Some))
            .map_err(|_| err(field, format!("`{s}` is not a date"))),
        Some(v) => Err(err(field, format!("expected a date, got {v}"))),
    }
}

/// A list of integers: `[1, 2]`, `["1", "2"]`, `[]`, `{}`.
pub fn int_list(row: &Value, field: &str) -> Result<Vec<i64>, FieldError> {
    match row.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::Number(n) => n.as_i64().ok_or_else(|| err(field, format!("`{n}` is not an integer"))),
                Value::String(s) => s.parse().map_err(|_| err(field, format!("`{s}` is not an integer"))),
                other => Err(err(field, format!("unexpected item {other}"))),
            })
            .collect(),
        Some(Value::Object(m)) if m.is_empty() => Ok(Vec::new()),
        Some(v) => Err(err(field, format!("expected a list, got {v}"))),
    }
}

/// A list of strings (e.g. `ufCrmTask: ["D_12"]`), `[]`/`{}`/null empty.
pub fn text_list(row: &Value, field: &str) -> Result<Vec<String>, FieldError> {
    match row.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => Ok(items.iter().filter_map(|v| v.as_str().map(String::from)).collect()),
        Some(Value::Object(m)) => Ok(m.values().filter_map(|v| v.as_str().map(String::from)).collect()),
        Some(v) => Err(err(field, format!("expected a list, got {v}"))),
    }
}

/// A map field that PHP sends as `[]` when empty.
pub fn map(row: &Value, field: &str) -> serde_json::Map<String, Value> {
    match row.get(field) {
        Some(Value::Object(m)) => m.clone(),
        _ => serde_json::Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_quirky_values() {
        let row = json!({"ID": "37", "n": 5, "e": "", "z": null, "amt": "19999.99", "amtn": 19000, "bad": "12,5", "yn": "Y", "b": true,
                         "t": "2024-08-29T10:34:19+03:00", "d": "2024-01-01T03:00:00+03:00", "dl": "2024-08-30T02:00:00+02:00",
                         "list": ["1", 2], "empty_map": {}, "arr": []});
        assert_eq!(int(&row, "ID").unwrap(), Some(37));
        assert_eq!(int(&row, "n").unwrap(), Some(5));
        assert_eq!(int(&row, "e").unwrap(), None);
        assert_eq!(int(&row, "z").unwrap(), None);
        assert_eq!(int(&row, "missing").unwrap(), None);
        assert!(int(&row, "amt").is_err());
        assert_eq!(money(&row, "amt").unwrap().as_deref(), Some("19999.99"));
        assert_eq!(money(&row, "amtn").unwrap().as_deref(), Some("19000"));
        assert_eq!(money(&row, "bad").unwrap_err().field, "bad");
        assert_eq!(flag(&row, "yn").unwrap(), Some(true));
        assert_eq!(flag(&row, "b").unwrap(), Some(true));
        assert_eq!(instant(&row, "t").unwrap().as_deref(), Some("2024-08-29T07:34:19Z"));
        assert_eq!(instant(&row, "empty_map").unwrap(), None);
        assert_eq!(date(&row, "d").unwrap(), NaiveDate::from_ymd_opt(2024, 1, 1));
        assert_eq!(date(&row, "dl").unwrap(), NaiveDate::from_ymd_opt(2024, 8, 30));
        assert_eq!(int_list(&row, "list").unwrap(), vec![1, 2]);
        assert_eq!(int_list(&row, "arr").unwrap(), Vec::<i64>::new());
        assert!(instant(&row, "bad").is_err());
    }
}
