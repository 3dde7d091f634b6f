//! SQL text helpers. Everything the metrics layer puts into SQL is either a fixed fragment
//! or goes through one of these literal writers, so user input never reaches SQL unquoted.

use chrono::{NaiveDate, NaiveDateTime};

/// A string literal with `'` doubled.
pub fn str_lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

pub fn ts_lit(t: NaiveDateTime) -> String {
    format!("TIMESTAMP '{}'", t.format("%Y-%m-%d %H:%M:%S"))
}

pub fn date_lit(d: NaiveDate) -> String {
    format!("DATE '{d}'")
}

/// `col IN (…)` for integers.
pub fn in_ints(col: &str, values: &[i64]) -> String {
    if values.is_empty() {
        return "FALSE".into();
    }
    let v: Vec<String> = values.iter().map(i64::to_string).collect();
    format!("{col} IN ({})", v.join(", "))
}

/// `col IN (…)` for strings.
pub fn in_strs(col: &str, values: &[String]) -> String {
    if values.is_empty() {
        return "FALSE".into();
    }
    let v: Vec<String> = values.iter().map(|s| str_lit(s)).collect();
    format!("{col} IN ({})", v.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_doubled() {
        assert_eq!(str_lit("O'Brien"), "'O''Brien'");
        assert_eq!(in_strs("x", &["a'); DROP TABLE deals; --".into()]), "x IN ('a''); DROP TABLE deals; --')");
        assert_eq!(in_ints("x", &[]), "FALSE");
    }
}
