//! The `filter` grammar of list methods: a key is an operator prefix plus a field name
//! (`>=DATE_MODIFY`, `@ID`, `!%TITLE`), a value is a scalar or an array (IN).
//! `crm.item.list` also takes nested groups with `"logic": "OR"`.

use chrono_tz::Tz;
use serde_json::{Map, Value};

use super::params::{as_int, as_string};
use super::value::{Val, parse_instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    In,
    NotIn,
    Like,
    NotLike,
    /// `=%` / `%=`: LIKE with explicit `%` wildcards in the value.
    LikeRaw,
    NotLikeRaw,
    Between,
    NotBetween,
    Search,
}

/// Which operator prefixes a method family accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grammar {
    Full,
    /// tasks.task.list: only `!`, `<`, `<=`, `>`, `>=`.
    Tasks,
    /// voximplant.statistic.get adds `><`, `!><`, `?`.
    Telephony,
}

pub fn split_op(key: &str, grammar: Grammar) -> (Op, &str) {
    const PREFIXES: &[(&str, Op)] = &[
        ("!=%", Op::NotLikeRaw),
        ("!%=", Op::NotLikeRaw),
        ("!><", Op::NotBetween),
        ("!@", Op::NotIn),
        ("!=", Op::Ne),
        ("!%", Op::NotLike),
        ("!", Op::Ne),
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("><", Op::Between),
        (">", Op::Gt),
        ("<", Op::Lt),
        ("=%", Op::LikeRaw),
        ("%=", Op::LikeRaw),
        ("@", Op::In),
        ("%", Op::Like),
        ("?", Op::Search),
        ("=", Op::Eq),
    ];
    for (prefix, op) in PREFIXES {
        if let Some(rest) = key.strip_prefix(prefix) {
            let allowed = match grammar {
                Grammar::Full => !matches!(op, Op::Between | Op::NotBetween | Op::Search),
                Grammar::Tasks => matches!(op, Op::Ne | Op::Gt | Op::Ge | Op::Lt | Op::Le),
                Grammar::Telephony => true,
            };
            if allowed {
                return (*op, rest);
            }
            // Not an operator here: the key is taken literally (and will not name a field).
            return (Op::Eq, key);
        }
    }
    (Op::Eq, key)
}

/// A compiled condition tree over field indices.
#[derive(Clone, Debug)]
pub enum Cond {
    Leaf { field: usize, op: Op, value: Value },
    All(Vec<Cond>),
    Any(Vec<Cond>),
}

/// Why a filter could not be compiled.
#[derive(Debug)]
pub struct UnknownField(pub String);

/// Compile a filter object. `resolve` maps a field name to its index; unknown fields are
/// skipped (`strict = false`, legacy lists) or rejected (`strict = true`, crm.item.list).
pub fn compile(
    filter: &Map<String, Value>,
    grammar: Grammar,
    strict: bool,
    resolve: &dyn Fn(&str) -> Option<usize>,
) -> Result<Cond, UnknownField> {
    let mut conds = Vec::new();
    let mut any = false;
    for (key, value) in filter {
        if key.eq_ignore_ascii_case("logic") {
            any = value.as_str().map(|s| s.eq_ignore_ascii_case("OR")).unwrap_or(false);
            continue;
        }
        if let (Ok(_), Value::Object(group)) = (key.parse::<usize>(), value) {
            conds.push(compile(group, grammar, strict, resolve)?);
            continue;
        }
        let (mut op, name) = split_op(key, grammar);
        match resolve(name) {
            Some(field) => {
                if value.is_array() {
                    op = match op {
                        Op::Eq => Op::In,
                        Op::Ne => Op::NotIn,
                        other => other,
                    };
                }
                conds.push(Cond::Leaf { field, op, value: value.clone() });
            }
            None if strict => return Err(UnknownField(name.to_string())),
            None => {}
        }
    }
    Ok(if any { Cond::Any(conds) } else { Cond::All(conds) })
}

impl Cond {
    pub fn eval(&self, tz: Tz, get: &dyn Fn(usize) -> Val) -> bool {
        match self {
            Cond::All(items) => items.iter().all(|c| c.eval(tz, get)),
            Cond::Any(items) => items.is_empty() || items.iter().any(|c| c.eval(tz, get)),
            Cond::Leaf { field, op, value } => matches(&get(*field), *op, value, tz),
        }
    }

    /// `(lower, upper)` bounds on the field at `id_field` implied by top-level conditions, so
    /// ID-cursor scans can start in the middle.
    pub fn id_bounds(&self, id_field: usize) -> (i64, i64) {
        let mut lo = i64::MIN;
        let mut hi = i64::MAX;
        if let Cond::All(items) = self {
            for c in items {
                if let Cond::Leaf { field, op, value } = c {
                    if *field != id_field {
                        continue;
                    }
                    let Some(v) = as_int(value) else { continue };
                    match op {
                        Op::Gt => lo = lo.max(v + 1),
                        Op::Ge => lo = lo.max(v),
                        Op::Lt => hi = hi.min(v - 1),
                        Op::Le => hi = hi.min(v),
                        Op::Eq => {
                            lo = lo.max(v);
                            hi = hi.min(v);
                        }
                        _ => {}
                    }
                }
            }
        }
        (lo, hi)
    }
}

fn scalars(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) => map.values().collect(),
        v => vec![v],
    }
}

fn matches(actual: &Val, op: Op, value: &Value, tz: Tz) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Op::In => scalars(value).into_iter().any(|v| compare(actual, v, tz) == Some(Equal)),
        Op::NotIn => scalars(value).into_iter().all(|v| compare(actual, v, tz) != Some(Equal)),
        Op::Between | Op::NotBetween => {
            let items = scalars(value);
            let inside = items.len() == 2
                && matches!(compare(actual, items[0], tz), Some(Greater | Equal))
                && matches!(compare(actual, items[1], tz), Some(Less | Equal));
            inside == (op == Op::Between)
        }
        Op::Like | Op::Search => like(actual, value, false),
        Op::NotLike => !like(actual, value, false),
        Op::LikeRaw => like(actual, value, true),
        Op::NotLikeRaw => !like(actual, value, true),
        Op::Eq => compare(actual, value, tz) == Some(Equal),
        Op::Ne => compare(actual, value, tz) != Some(Equal),
        Op::Gt => compare(actual, value, tz) == Some(Greater),
        Op::Ge => matches!(compare(actual, value, tz), Some(Greater | Equal)),
        Op::Lt => compare(actual, value, tz) == Some(Less),
        Op::Le => matches!(compare(actual, value, tz), Some(Less | Equal)),
    }
}

fn is_empty_value(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Bool(b) => !b,
        _ => false,
    }
}

/// Compare a field value with a filter value; `None` when they cannot be compared (which
/// makes the row not match, as Bitrix24 does with unparseable values).
fn compare(actual: &Val, filter: &Value, tz: Tz) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering::*;
    if matches!(actual, Val::Null) || matches!(actual, Val::Str(s) if s.is_empty()) {
        return Some(if is_empty_value(filter) { Equal } else { Less });
    }
    if is_empty_value(filter) && !matches!(actual, Val::Bool(_)) {
        return Some(Greater);
    }
    match actual {
        Val::Null => None,
        Val::Int(n) => as_int(filter).map(|f| n.cmp(&f)),
        Val::Money(m) => {
            let f: f64 = as_string(filter)?.trim().parse().ok()?;
            (*m as f64 / 100.0).partial_cmp(&f)
        }
        Val::Time(t) => {
            let f = match filter {
                Value::Number(n) => n.as_i64(),
                _ => parse_instant(tz, &as_string(filter)?),
            }?;
            Some(t.cmp(&f))
        }
        Val::Date(d) => {
            let mine = d.and_hms_opt(0, 0, 0)?.and_utc().timestamp();
            let f = parse_instant(tz, &as_string(filter)?)?;
            Some(mine.cmp(&f))
        }
        Val::Bool(b) => {
            let f = match filter {
                Value::Bool(x) => *x,
                other => matches!(as_string(other)?.to_ascii_uppercase().as_str(), "Y" | "1" | "TRUE"),
            };
            Some(b.cmp(&f))
        }
        Val::Str(s) => Some(s.as_str().cmp(as_string(filter)?.as_str())),
        Val::IntList(items) => {
            let f = as_int(filter)?;
            Some(if items.contains(&f) { Equal } else { Less })
        }
        Val::Json(_) => None,
    }
}

fn like(actual: &Val, value: &Value, explicit: bool) -> bool {
    let hay = match actual {
        Val::Str(s) => s.to_lowercase(),
        Val::Int(n) => n.to_string(),
        _ => return false,
    };
    let Some(pattern) = as_string(value) else { return false };
    let pattern = pattern.to_lowercase();
    if !explicit {
        return hay.contains(&pattern);
    }
    let starts = pattern.starts_with('%');
    let ends = pattern.ends_with('%');
    let core = pattern.trim_matches('%');
    match (starts, ends) {
        (true, true) => hay.contains(core),
        (true, false) => hay.ends_with(core),
        (false, true) => hay.starts_with(core),
        (false, false) => hay == core,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(name: &str) -> Option<usize> {
        ["ID", "TITLE", "DATE_MODIFY", "STAGE_ID"].iter().position(|f| *f == name)
    }

    fn row(i: usize) -> Val {
        match i {
            0 => Val::Int(42),
            1 => Val::Str("Интерактивные панели".into()),
            2 => Val::Time(1_709_251_200), // 2024-03-01T00:00:00Z
            _ => Val::Str("C1:NEW".into()),
        }
    }

    fn check(filter: Value, grammar: Grammar) -> bool {
        let tz = chrono_tz::Europe::Moscow;
        let cond = compile(filter.as_object().unwrap(), grammar, false, &fields).unwrap();
        cond.eval(tz, &row)
    }

    #[test]
    fn operators() {
        assert!(check(json!({">ID": "41"}), Grammar::Full));
        assert!(!check(json!({">ID": 42}), Grammar::Full));
        assert!(check(json!({">=ID": 42, "<=ID": "42"}), Grammar::Full));
        assert!(check(json!({"@ID": [1, 42]}), Grammar::Full));
        assert!(check(json!({"ID": ["1", "42"]}), Grammar::Full));
        assert!(!check(json!({"!@ID": [42]}), Grammar::Full));
        assert!(check(json!({"%TITLE": "панел"}), Grammar::Full));
        assert!(check(json!({"=%TITLE": "интер%"}), Grammar::Full));
        assert!(!check(json!({"=%TITLE": "%интер"}), Grammar::Full));
        assert!(check(json!({"!STAGE_ID": "NEW"}), Grammar::Full));
        assert!(check(json!({">=DATE_MODIFY": "2024-03-01T03:00:00+03:00"}), Grammar::Full));
        assert!(!check(json!({">DATE_MODIFY": "2024-03-01T03:00:00+03:00"}), Grammar::Full));
        assert!(!check(json!({">=DATE_MODIFY": "garbage"}), Grammar::Full));
        assert!(check(json!({"UNKNOWN": 1}), Grammar::Full));
    }

    #[test]
    fn task_grammar_has_no_in() {
        // `@ID` is not an operator for tasks, so the key names no field and is skipped.
        assert!(check(json!({"@ID": [1]}), Grammar::Tasks));
        assert!(check(json!({">ID": 1}), Grammar::Tasks));
    }

    #[test]
    fn or_groups() {
        assert!(check(json!({"0": {"logic": "OR", "0": {"ID": 1}, "1": {"ID": 42}}}), Grammar::Full));
        assert!(!check(json!({"0": {"logic": "OR", "0": {"ID": 1}, "1": {"ID": 2}}}), Grammar::Full));
    }

    #[test]
    fn strict_rejects_unknown_fields() {
        let f = json!({"I_D": 1});
        assert!(compile(f.as_object().unwrap(), Grammar::Full, true, &fields).is_err());
    }

    #[test]
    fn id_bounds_from_cursor() {
        let f = json!({">ID": 100, "<=ID": 150});
        let cond = compile(f.as_object().unwrap(), Grammar::Full, false, &fields).unwrap();
        assert_eq!(cond.id_bounds(0), (101, 150));
    }
}
