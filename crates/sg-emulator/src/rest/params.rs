//! Request parameters as Bitrix24 reads them: query strings and form bodies in PHP bracket
//! notation (`filter[>ID]=5&select[]=ID`), or JSON bodies; top-level keys case-folded with the
//! later of two keys differing only by case winning.

use serde_json::{Map, Value};

/// Parse `a[b][]=c&...` pairs into a nested JSON value, PHP style.
pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>)>) -> Map<String, Value> {
    let mut root = Map::new();
    for (key, value) in pairs {
        let (head, path) = split_key(&key);
        if head.is_empty() {
            continue;
        }
        insert(&mut root, head, &path, Value::String(value.into_owned()));
    }
    root
}

/// Parse a query string (already `&`-separated, percent-encoded) PHP style.
pub fn parse_query(query: &str) -> Map<String, Value> {
    from_pairs(form_urlencoded::parse(query.as_bytes()))
}

fn split_key(key: &str) -> (&str, Vec<String>) {
    let Some(open) = key.find('[') else { return (key, Vec::new()) };
    let head = &key[..open];
    let mut path = Vec::new();
    let mut rest = &key[open..];
    while let Some(stripped) = rest.strip_prefix('[') {
        match stripped.find(']') {
            Some(close) => {
                path.push(stripped[..close].to_string());
                rest = &stripped[close + 1..];
            }
            None => break,
        }
    }
    (head, path)
}

fn insert(map: &mut Map<String, Value>, key: &str, path: &[String], value: Value) {
    if path.is_empty() {
        map.insert(key.to_string(), value);
        return;
    }
    let slot = map.entry(key.to_string()).or_insert_with(|| Value::Object(Map::new()));
    insert_path(slot, path, value);
}

fn insert_path(slot: &mut Value, path: &[String], value: Value) {
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    let obj = slot.as_object_mut().expect("object");
    let key = if path[0].is_empty() {
        // `x[]=` appends with the next integer key.
        let next = obj.keys().filter_map(|k| k.parse::<usize>().ok()).map(|n| n + 1).max().unwrap_or(0);
        next.to_string()
    } else {
        path[0].clone()
    };
    if path.len() == 1 {
        obj.insert(key, value);
    } else {
        let child = obj.entry(key).or_insert_with(|| Value::Object(Map::new()));
        insert_path(child, &path[1..], value);
    }
}

/// PHP arrays with keys 0..n come back as JSON arrays (as Bitrix24 would see a PHP list).
pub fn normalize(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let is_list = !map.is_empty() && map.keys().enumerate().all(|(i, k)| k.parse::<usize>() == Ok(i));
            if is_list {
                Value::Array(map.into_iter().map(|(_, v)| normalize(v)).collect())
            } else {
                Value::Object(map.into_iter().map(|(k, v)| (k, normalize(v))).collect())
            }
        }
        Value::Array(items) => Value::Array(items.into_iter().map(normalize).collect()),
        other => other,
    }
}

/// Lower-case the top-level keys; of two keys differing only by case the later one wins.
pub fn fold_case(map: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in map {
        out.insert(k.to_ascii_lowercase(), v);
    }
    out
}

/// Merge body parameters over query parameters.
pub fn merge(mut base: Map<String, Value>, over: Map<String, Value>) -> Map<String, Value> {
    for (k, v) in over {
        base.insert(k, v);
    }
    base
}

/// Read accessors with Bitrix24's lenient typing (numbers may be strings).
pub trait ParamExt {
    fn param(&self, key: &str) -> Option<&Value>;
    fn int_param(&self, key: &str) -> Option<i64> {
        self.param(key).and_then(as_int)
    }
    fn str_param(&self, key: &str) -> Option<String> {
        self.param(key).and_then(as_string)
    }
}

impl ParamExt for Map<String, Value> {
    fn param(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }
}

pub fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

pub fn as_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "Y".into() } else { "N".into() }),
        _ => None,
    }
}

pub fn as_bool(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_i64().unwrap_or(0) != 0,
        Value::String(s) => matches!(s.to_ascii_lowercase().as_str(), "1" | "y" | "true" | "yes"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_php_brackets() {
        let q = "filter%5B%3EID%5D=5&select[]=ID&select[]=TITLE&order[ID]=ASC&start=-1&a[b][c]=d";
        let m = normalize(Value::Object(parse_query(q)));
        assert_eq!(
            m,
            json!({"filter": {">ID": "5"}, "select": ["ID", "TITLE"], "order": {"ID": "ASC"}, "start": "-1", "a": {"b": {"c": "d"}}})
        );
    }

    #[test]
    fn keys_with_operators_need_encoded_equals_signs() {
        let q = "filter[%3E%3DDATE_MODIFY]=2024-03-01T00:00:00%2B03:00";
        let m = parse_query(q);
        assert_eq!(m["filter"][">=DATE_MODIFY"], json!("2024-03-01T00:00:00+03:00"));
        // Like PHP's parse_str, an unencoded `=` in a key ends the key.
        let m = parse_query("filter[>=DATE_MODIFY]=x");
        assert!(m["filter"].get(">=DATE_MODIFY").is_none());
    }

    #[test]
    fn later_case_variant_wins() {
        let body: Map<String, Value> = serde_json::from_str(r#"{"FILTER":{"ID":5},"filter":{"ID":4}}"#).unwrap();
        assert_eq!(fold_case(body)["filter"], json!({"ID": 4}));
        let body: Map<String, Value> = serde_json::from_str(r#"{"filter":{"ID":4},"FILTER":{"ID":5}}"#).unwrap();
        assert_eq!(fold_case(body)["filter"], json!({"ID": 5}));
    }
}
