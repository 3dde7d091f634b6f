//! Store content vs the emulator's dump, entity by entity, field by field.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use sg_store::Store;

pub fn read_jsonl(dir: &Path, name: &str) -> Vec<Value> {
    std::fs::read_to_string(dir.join(format!("{name}.jsonl"))).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn unix(v: &Value) -> Option<String> {
    v.as_str().map(|s| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp().to_string())
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

/// `(dump field, converter)` against a store SQL expression.
type Pick = (&'static str, fn(&Value) -> Option<String>, &'static str);

fn compare(store: &Store, dump: &Path, entity: &str, table: &str, key: &str, picks: &[Pick]) {
    let rows = read_jsonl(dump, entity);
    let exprs: Vec<String> = picks.iter().map(|(_, _, sql)| format!("CAST({sql} AS VARCHAR)")).collect();
    let got = store.query_text(&format!("SELECT CAST({key} AS VARCHAR), {} FROM {table}", exprs.join(", "))).unwrap();
    let distinct = store.query_text(&format!("SELECT CAST(count(DISTINCT {key}) AS VARCHAR) FROM {table}")).unwrap();
    assert_eq!(distinct[0][0].as_deref(), Some(got.len().to_string().as_str()), "{entity}: duplicate keys in the store");
    let got: BTreeMap<String, Vec<Option<String>>> = got.into_iter().map(|mut r| (r.remove(0).unwrap(), r)).collect();
    assert_eq!(got.len(), rows.len(), "{entity}: row count differs (store vs dump)");
    let mut mismatches = Vec::new();
    for row in &rows {
        let id = text(&row[key]).unwrap();
        let Some(stored) = got.get(&id) else {
            mismatches.push(format!("{entity} {id}: missing"));
            continue;
        };
        for (i, (field, conv, _)) in picks.iter().enumerate() {
            let want = conv(&row[*field]);
            if stored[i] != want {
                mismatches.push(format!("{entity} {id} {field}: store {:?} vs dump {want:?}", stored[i]));
            }
        }
        if mismatches.len() > 10 {
            break;
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// Every synced entity equals the dump.
pub fn store_equals_dump(store: &Store, dump: &Path) {
    tables_equal_dump(
        store,
        dump,
        &["users", "departments", "deals", "leads", "deal_stage_history", "lead_stage_history", "activities", "calls", "tasks", "comments"],
    );
}

/// The named entities equal the dump.
pub fn tables_equal_dump(store: &Store, dump: &Path, only: &[&str]) {
    let compare = |store: &Store, dump: &Path, entity: &str, table: &str, key: &str, picks: &[Pick]| {
        if only.contains(&entity) {
            compare(store, dump, entity, table, key, picks);
        }
    };
    compare(
        store,
        dump,
        "users",
        "users",
        "id",
        &[("active", text, "active"), ("last_name", text, "last_name"), ("position", text, "position")],
    );
    compare(
        store,
        dump,
        "departments",
        "departments",
        "id",
        &[("name", text, "name"), ("parent_id", text, "parent_id"), ("head_id", text, "head_id")],
    );
    compare(
        store,
        dump,
        "deals",
        "deals",
        "id",
        &[
            ("stage_id", text, "stage_id"),
            ("stage_semantic", text, "stage_semantic"),
            ("category_id", text, "category_id"),
            ("opportunity", text, "opportunity"),
            ("currency_id", text, "currency_id"),
            ("assigned_by_id", text, "assigned_by_id"),
            ("created_at", unix, "epoch(created_at)::BIGINT"),
            ("modified_at", unix, "epoch(modified_at)::BIGINT"),
            ("moved_at", unix, "epoch(moved_at)::BIGINT"),
            ("last_activity_at", unix, "epoch(last_activity_at)::BIGINT"),
            ("begindate", text, "begindate"),
            ("closedate", text, "closedate"),
            ("closed", text, "closed"),
            ("lead_id", text, "lead_id"),
            ("company_id", text, "company_id"),
            ("source_id", text, "source_id"),
            ("type_id", text, "type_id"),
            ("is_return_customer", text, "is_return_customer"),
            ("is_repeated_approach", text, "is_repeated_approach"),
            ("probability", text, "probability"),
            ("utm_source", text, "utm_source"),
            ("utm_campaign", text, "utm_campaign"),
            ("utm_term", text, "utm_term"),
        ],
    );
    compare(
        store,
        dump,
        "leads",
        "leads",
        "id",
        &[
            ("status_id", text, "status_id"),
            ("status_semantic", text, "status_semantic"),
            ("source_id", text, "source_id"),
            ("assigned_by_id", text, "assigned_by_id"),
            ("created_at", unix, "epoch(created_at)::BIGINT"),
            ("modified_at", unix, "epoch(modified_at)::BIGINT"),
            ("closed_at", unix, "epoch(closed_at)::BIGINT"),
            ("opportunity", text, "opportunity"),
            ("utm_medium", text, "utm_medium"),
        ],
    );
    compare(
        store,
        dump,
        "deal_stage_history",
        "deal_stage_history",
        "id",
        &[
            ("owner_id", text, "owner_id"),
            ("type_id", text, "type_id"),
            ("stage_id", text, "stage_id"),
            ("stage_semantic", text, "stage_semantic"),
            ("funnel_id", text, "funnel_id"),
            ("created_at", unix, "epoch(created_at)::BIGINT"),
        ],
    );
    compare(
        store,
        dump,
        "lead_stage_history",
        "lead_stage_history",
        "id",
        &[("owner_id", text, "owner_id"), ("status_id", text, "status_id"), ("created_at", unix, "epoch(created_at)::BIGINT")],
    );
    compare(
        store,
        dump,
        "activities",
        "activities",
        "id",
        &[
            ("owner_type_id", text, "owner_type_id"),
            ("owner_id", text, "owner_id"),
            ("type_id", text, "type_id"),
            ("direction", text, "direction"),
            ("completed", text, "completed"),
            ("responsible_id", text, "responsible_id"),
            ("subject", text, "subject"),
            ("created_at", unix, "epoch(created_at)::BIGINT"),
            ("last_updated_at", unix, "epoch(last_updated_at)::BIGINT"),
            ("start_at", unix, "epoch(start_at)::BIGINT"),
        ],
    );
    compare(
        store,
        dump,
        "calls",
        "calls",
        "id",
        &[
            ("activity_id", text, "activity_id"),
            ("user_id", text, "user_id"),
            ("call_type", text, "call_type"),
            ("duration", text, "duration"),
            ("failed_code", text, "failed_code"),
            ("start_at", unix, "epoch(start_at)::BIGINT"),
        ],
    );
    compare(
        store,
        dump,
        "tasks",
        "tasks",
        "id",
        &[
            ("responsible_id", text, "responsible_id"),
            ("status", text, "status"),
            ("closed_at", unix, "epoch(closed_at)::BIGINT"),
            ("crm", text, "nullif(array_to_string(crm_bindings, ','), '')"),
        ],
    );
    compare(
        store,
        dump,
        "comments",
        "comments",
        "id",
        &[("entity_id", text, "entity_id"), ("author_id", text, "author_id"), ("created_at", unix, "epoch(created_at)::BIGINT")],
    );
}

/// Base-currency value of one unit of each currency: `AMOUNT / AMOUNT_CNT`.
pub fn rates(dump: &Path) -> BTreeMap<String, f64> {
    read_jsonl(dump, "currencies")
        .iter()
        .map(|c| {
            (
                c["code"].as_str().unwrap().to_string(),
                c["amount"].as_str().unwrap().parse::<f64>().unwrap() / c["amount_cnt"].as_f64().unwrap(),
            )
        })
        .collect()
}

/// Derived facts computed here from the dump: won_at (last move into S) and the amount in
/// base currency.
pub fn facts_match_dump(store: &Store, dump: &Path) {
    let rates = rates(dump);
    let mut won: BTreeMap<i64, i64> = BTreeMap::new();
    for h in read_jsonl(dump, "deal_stage_history") {
        if h["stage_semantic"] == "S" {
            let t = chrono::DateTime::parse_from_rfc3339(h["created_at"].as_str().unwrap()).unwrap().timestamp();
            let e = won.entry(h["owner_id"].as_i64().unwrap()).or_insert(t);
            *e = (*e).max(t);
        }
    }
    let facts: BTreeMap<i64, (Option<String>, Option<String>)> = store
        .query_text("SELECT CAST(deal_id AS VARCHAR), CAST(amount_base AS VARCHAR), CAST(epoch(won_at)::BIGINT AS VARCHAR) FROM deal_facts")
        .unwrap()
        .into_iter()
        .map(|r| (r[0].as_ref().unwrap().parse().unwrap(), (r[1].clone(), r[2].clone())))
        .collect();
    let deals = read_jsonl(dump, "deals");
    assert_eq!(facts.len(), deals.len(), "one facts row per deal");
    for d in &deals {
        let id = d["id"].as_i64().unwrap();
        let (amount, won_at) = &facts[&id];
        let want = d["opportunity"].as_str().unwrap().parse::<f64>().unwrap() * rates[d["currency_id"].as_str().unwrap()];
        let got: f64 = amount.as_ref().unwrap().parse().unwrap();
        assert!((got - want).abs() <= 0.01, "deal {id}: amount_base {got} vs {want}");
        if d["stage_semantic"] == "S" {
            assert_eq!(won_at.as_ref().map(|s| s.parse::<i64>().unwrap()), Some(won[&id]), "deal {id}: won_at");
        } else {
            assert_eq!(won_at, &None, "deal {id}: not won");
        }
    }
}
