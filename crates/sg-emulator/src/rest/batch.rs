//! `batch`: up to 50 sub-requests (`"method?query"`), run in key order, with `$result[...]`
//! references to earlier results substituted first, and the five result maps in the answer.

use serde_json::{Map, Value, json};

use super::error::ApiError;
use super::methods::Output;
use super::params::{self, as_bool};

pub const MAX_COMMANDS: usize = 50;

/// One sub-command's outcome: the method output and its `time` object, or an error.
pub type SubResult = Result<(Output, Value), ApiError>;

/// Run a batch. `invoke(method, params)` runs one sub-call through the full pipeline (scope,
/// operating time); the batch itself counts as one request for the rate limit.
pub fn run(params: &Map<String, Value>, mut invoke: impl FnMut(&str, &Map<String, Value>) -> SubResult) -> Result<Value, ApiError> {
    let (commands, as_list): (Vec<(String, String)>, bool) = match params.get("cmd") {
        Some(Value::Object(map)) => (map.iter().map(|(k, v)| (k.clone(), params::as_string(v).unwrap_or_default())).collect(), false),
        Some(Value::Array(items)) => {
            (items.iter().enumerate().map(|(i, v)| (i.to_string(), params::as_string(v).unwrap_or_default())).collect(), true)
        }
        _ => return Err(ApiError::new(400, "ERROR_BATCH_EMPTY", "Empty batch")),
    };
    if commands.len() > MAX_COMMANDS {
        return Err(ApiError::new(400, "ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded"));
    }
    let halt = params.get("halt").map(as_bool).unwrap_or(false);
    let mut result = Map::new();
    let mut errors = Map::new();
    let mut totals = Map::new();
    let mut nexts = Map::new();
    let mut times = Map::new();
    for (key, command) in commands {
        let (method, query) = command.split_once('?').unwrap_or((command.as_str(), ""));
        let method = method.trim().trim_end_matches(".json").to_ascii_lowercase();
        let pairs: Vec<(String, String)> =
            form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (substitute(&k, &result), substitute(&v, &result))).collect();
        let sub = params::from_pairs(pairs.iter().map(|(k, v)| (k.as_str().into(), v.as_str().into())));
        let sub = match params::normalize(Value::Object(params::fold_case(sub))) {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let outcome = if method == "batch" {
            Err(ApiError::new(405, "ERROR_BATCH_METHOD_NOT_ALLOWED", "Method is not allowed for batch usage"))
        } else {
            invoke(&method, &sub)
        };
        match outcome {
            Ok((out, time)) => {
                result.insert(key.clone(), out.result);
                if let Some(t) = out.total {
                    totals.insert(key.clone(), json!(t));
                }
                if let Some(n) = out.next {
                    nexts.insert(key.clone(), json!(n));
                }
                times.insert(key, time);
            }
            Err(e) => {
                errors.insert(key, json!({"error": e.code, "error_description": e.description}));
                if halt {
                    break;
                }
            }
        }
    }
    let map_or_empty = |m: Map<String, Value>| if m.is_empty() { json!([]) } else { Value::Object(m) };
    let result =
        if as_list && !result.is_empty() { Value::Array(result.into_iter().map(|(_, v)| v).collect()) } else { map_or_empty(result) };
    Ok(json!({
        "result": result,
        "result_error": map_or_empty(errors),
        "result_total": map_or_empty(totals),
        "result_next": map_or_empty(nexts),
        "result_time": map_or_empty(times),
    }))
}

/// Replace every `$result[key][a][0]...` in `s` with the referenced value of an earlier
/// command. Unresolvable references become empty strings.
pub fn substitute(s: &str, results: &Map<String, Value>) -> String {
    const MARK: &str = "$result";
    if !s.contains(MARK) {
        return s.to_string();
    }
    let mut out = String::new();
    let mut rest = s;
    while let Some(pos) = rest.find(MARK) {
        out.push_str(&rest[..pos]);
        let mut tail = &rest[pos + MARK.len()..];
        let mut path = Vec::new();
        while let Some(stripped) = tail.strip_prefix('[') {
            let Some(close) = stripped.find(']') else { break };
            path.push(&stripped[..close]);
            tail = &stripped[close + 1..];
        }
        if path.is_empty() {
            out.push_str(MARK);
        } else {
            out.push_str(&resolve(results, &path));
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

fn resolve(results: &Map<String, Value>, path: &[&str]) -> String {
    let mut cur = match results.get(path[0]) {
        Some(v) => v,
        None => return String::new(),
    };
    for seg in &path[1..] {
        let next = match cur {
            Value::Object(m) => m.get(*seg),
            Value::Array(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        match next {
            Some(v) => cur = v,
            None => return String::new(),
        }
    }
    match cur {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_nested_references() {
        let mut results = Map::new();
        results.insert("page0".into(), json!([{"ID": "7"}, {"ID": "49"}]));
        results.insert("items".into(), json!({"items": [{"id": 253}]}));
        results.insert("user".into(), json!({"UF_DEPARTMENT": [3]}));
        assert_eq!(substitute("filter[>ID]=$result[page0][1][ID]", &results), "filter[>ID]=49");
        assert_eq!(substitute("$result[items][items][0][id]", &results), "253");
        assert_eq!(substitute("ID=$result[user][UF_DEPARTMENT][0]&x=1", &results), "ID=3&x=1");
        assert_eq!(substitute("$result[missing][0]", &results), "");
        assert_eq!(substitute("plain", &results), "plain");
    }

    #[test]
    fn refuses_more_than_fifty() {
        let cmd: Map<String, Value> = (0..51).map(|i| (format!("c{i}"), json!("server.time"))).collect();
        let mut p = Map::new();
        p.insert("cmd".into(), Value::Object(cmd));
        let err = run(&p, |_, _| unreachable!()).unwrap_err();
        assert_eq!((err.status, err.code.as_str()), (400, "ERROR_BATCH_LENGTH_EXCEEDED"));
    }
}
