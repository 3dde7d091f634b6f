//! PHP-bracket query encoding (`filter%5B%3EID%5D=5&select%5B0%5D=ID`).

use serde_json::Value;

/// Encode a JSON object as a PHP-style query string, every key and value percent-encoded once.
pub fn encode(params: &Value) -> String {
    let mut pairs = Vec::new();
    if let Value::Object(map) = params {
        for (k, v) in map {
            flatten(k.clone(), v, &mut pairs);
        }
    }
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

fn flatten(prefix: String, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(format!("{prefix}[{k}]"), v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(format!("{prefix}[{i}]"), v, out);
            }
        }
        Value::Null => out.push((prefix, String::new())),
        Value::String(s) => out.push((prefix, s.clone())),
        Value::Bool(b) => out.push((prefix, if *b { "1" } else { "0" }.into())),
        Value::Number(n) => out.push((prefix, n.to_string())),
    }
}

/// A `batch` command string: `method?query`. `raw` is appended unencoded (for `$result[...]`
/// references, which must survive as written).
pub fn command(method: &str, params: &Value, raw: &[(&str, &str)]) -> String {
    let mut q = encode(params);
    for (k, v) in raw {
        if !q.is_empty() {
            q.push('&');
        }
        let key: String = form_urlencoded::byte_serialize(k.as_bytes()).collect();
        q.push_str(&format!("{key}={v}"));
    }
    format!("{method}?{q}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn encodes_nested_params() {
        let q = encode(&json!({"filter": {">=DATE_MODIFY": "2024-03-01T00:00:00+03:00"}, "select": ["ID", "TITLE"], "start": -1}));
        let back: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes()).into_owned().collect();
        assert_eq!(
            back,
            vec![
                ("filter[>=DATE_MODIFY]".into(), "2024-03-01T00:00:00+03:00".into()),
                ("select[0]".into(), "ID".into()),
                ("select[1]".into(), "TITLE".into()),
                ("start".into(), "-1".into())
            ]
        );
        assert!(!q.contains('='.to_string().repeat(2).as_str()));
        assert!(q.contains("%3E%3D"), "operator characters in keys are encoded: {q}");
    }

    #[test]
    fn commands_keep_references_raw() {
        let c = command("crm.deal.list", &json!({"order": {"ID": "ASC"}}), &[("filter[>ID]", "$result[p0][49][ID]")]);
        assert_eq!(c, "crm.deal.list?order%5BID%5D=ASC&filter%5B%3EID%5D=$result[p0][49][ID]");
    }
}
