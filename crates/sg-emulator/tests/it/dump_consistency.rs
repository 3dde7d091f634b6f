//! The generated company is internally consistent and deterministic.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use sg_emulator::EmulatorConfig;

use crate::support::{by_id, read_jsonl};

fn dump(config: EmulatorConfig) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let settings = sg_emulator::GenSettings { seed: config.seed, deals: config.deals, today: config.today, tz: config.tz };
    sg_emulator::dump::write(&sg_emulator::generate(&settings), dir.path()).unwrap();
    dir
}

#[test]
fn dump_is_internally_consistent() {
    let dir = dump(EmulatorConfig::for_tests(4_000));
    let d = dir.path();
    let deals = read_jsonl(d, "deals");
    let leads = read_jsonl(d, "leads");
    let history = read_jsonl(d, "deal_stage_history");
    let lead_history = read_jsonl(d, "lead_stage_history");
    let activities = read_jsonl(d, "activities");
    let calls = read_jsonl(d, "calls");
    let users: HashMap<i64, &Value> = by_id(Box::leak(Box::new(read_jsonl(d, "users"))));
    let lead_by_id = by_id(&leads);

    // Every deal's stage equals its last stage-history row; the first row is "created".
    let mut last: HashMap<i64, &Value> = HashMap::new();
    let mut first: HashMap<i64, &Value> = HashMap::new();
    for h in &history {
        let owner = h["owner_id"].as_i64().unwrap();
        last.insert(owner, h);
        first.entry(owner).or_insert(h);
    }
    for deal in &deals {
        let id = deal["id"].as_i64().unwrap();
        assert_eq!(last[&id]["stage_id"], deal["stage_id"], "deal {id}");
        assert_eq!(first[&id]["type_id"], 1, "deal {id}");
        assert_eq!(first[&id]["created_at"], deal["created_at"], "deal {id}");
        assert_eq!(last[&id]["created_at"], deal["moved_at"], "deal {id}: MOVED_TIME is the last move");
        assert!(users.contains_key(&deal["assigned_by_id"].as_i64().unwrap()));
    }
    let mut lead_last: HashMap<i64, &Value> = HashMap::new();
    for h in &lead_history {
        lead_last.insert(h["owner_id"].as_i64().unwrap(), h);
    }
    for lead in &leads {
        assert_eq!(lead_last[&lead["id"].as_i64().unwrap()]["status_id"], lead["status_id"]);
    }

    // Lead → deal links resolve to converted leads with the same source.
    let linked: Vec<&Value> = deals.iter().filter(|d| !d["lead_id"].is_null()).collect();
    assert!(linked.len() > deals.len() / 3);
    for deal in linked {
        let lead = lead_by_id[&deal["lead_id"].as_i64().unwrap()];
        assert_eq!(lead["status_id"], "CONVERTED");
        assert_eq!(lead["source_id"], deal["source_id"]);
        assert!(lead["created_at"].as_str().unwrap() <= deal["created_at"].as_str().unwrap());
    }

    // Telephony statistics match call activities one to one.
    let act_by_id = by_id(&activities);
    // Planned (not yet completed) calls have no telephony record yet.
    let call_activities: HashSet<i64> =
        activities.iter().filter(|a| a["type_id"] == 2 && a["completed"] == true).map(|a| a["id"].as_i64().unwrap()).collect();
    let mut seen = HashSet::new();
    for call in &calls {
        let aid = call["activity_id"].as_i64().unwrap();
        let a = act_by_id[&aid];
        assert_eq!(a["type_id"], 2);
        assert_eq!(a["responsible_id"], call["user_id"]);
        assert_eq!(a["start_at"], call["start_at"]);
        let outgoing = a["direction"] == 2;
        assert_eq!(call["call_type"], if outgoing { 1 } else { 2 });
        let duration = call["duration"].as_i64().unwrap();
        if call["failed_code"] != "200" {
            assert_eq!(duration, 0);
        }
        assert!(seen.insert(aid));
    }
    let missing = call_activities.difference(&seen).count();
    let extra = seen.difference(&call_activities).count();
    assert_eq!((missing, extra), (0, 0), "call activities without statistics / statistics without call activities");

    // Activities are bound to existing deals and leads.
    let deal_ids: HashSet<i64> = deals.iter().map(|d| d["id"].as_i64().unwrap()).collect();
    for a in &activities {
        let owner = a["owner_id"].as_i64().unwrap();
        match a["owner_type_id"].as_i64().unwrap() {
            2 => assert!(deal_ids.contains(&owner)),
            1 => assert!(lead_by_id.contains_key(&owner)),
            other => panic!("owner type {other}"),
        }
    }

    // The company looks like the customer's: a fired user who still owns deals, an admin,
    // sales groups under the sales department, deals in a foreign currency, repeat sales.
    let fired: Vec<i64> = users.values().filter(|u| u["active"] == false).map(|u| u["id"].as_i64().unwrap()).collect();
    assert_eq!(fired.len(), 1);
    assert!(deals.iter().any(|d| d["assigned_by_id"].as_i64() == Some(fired[0])));
    assert!(users.values().any(|u| u["admin"] == true));
    assert!((25..=40).contains(&users.len()));
    assert!(deals.iter().any(|d| d["currency_id"] != "RUB"));
    assert!(deals.iter().any(|d| d["is_return_customer"] == true));
    assert!(deals.iter().any(|d| d["stage_id"].as_str().unwrap().contains("UC_")));
    assert!(leads.iter().any(|l| !l["utm_source"].is_null()));
}

/// Won amount per (manager, month) from the dump, computed here from stage history.
#[test]
fn one_manager_has_three_record_months_then_a_drop() {
    let dir = dump(EmulatorConfig::for_tests(6_000));
    let d = dir.path();
    let deals = read_jsonl(d, "deals");
    let history = read_jsonl(d, "deal_stage_history");
    let rates: HashMap<String, f64> = read_jsonl(d, "currencies")
        .iter()
        .map(|c| {
            (
                c["code"].as_str().unwrap().to_string(),
                c["amount"].as_str().unwrap().parse::<f64>().unwrap() / c["amount_cnt"].as_f64().unwrap(),
            )
        })
        .collect();
    let mut won_at: HashMap<i64, String> = HashMap::new();
    for h in &history {
        if h["stage_semantic"] == "S" {
            won_at.insert(h["owner_id"].as_i64().unwrap(), h["created_at"].as_str().unwrap().to_string());
        }
    }
    let mut monthly: HashMap<(i64, String), f64> = HashMap::new();
    for deal in deals.iter().filter(|d| d["stage_semantic"] == "S") {
        let at =
            chrono::DateTime::parse_from_rfc3339(&won_at[&deal["id"].as_i64().unwrap()]).unwrap().with_timezone(&chrono_tz::Europe::Moscow);
        let amount: f64 = deal["opportunity"].as_str().unwrap().parse::<f64>().unwrap() * rates[deal["currency_id"].as_str().unwrap()];
        *monthly.entry((deal["assigned_by_id"].as_i64().unwrap(), at.format("%Y-%m").to_string())).or_default() += amount;
    }
    let months = ["2026-08", "2026-09", "2026-10"];
    let streak: Vec<i64> = monthly
        .keys()
        .map(|(u, _)| *u)
        .collect::<HashSet<_>>()
        .into_iter()
        .filter(|&u| {
            let get = |m: &str| monthly.get(&(u, m.to_string())).copied().unwrap_or(0.0);
            let mut best = monthly.iter().filter(|((x, m), _)| *x == u && m.as_str() < "2026-08").map(|(_, v)| *v).fold(0.0, f64::max);
            months.iter().all(|m| {
                let v = get(m);
                let record = v > best;
                best = best.max(v);
                record
            }) && get("2026-11") < get("2026-10") / 2.0
        })
        .collect();
    assert_eq!(streak.len(), 1, "exactly one burnout candidate, got {streak:?}");
}

#[test]
fn same_seed_same_company() {
    let a = dump(EmulatorConfig::for_tests(1_500));
    let b = dump(EmulatorConfig::for_tests(1_500));
    let mut other = EmulatorConfig::for_tests(1_500);
    other.seed = 43;
    let c = dump(other);
    for name in ["deals", "leads", "activities", "calls", "deal_stage_history", "comments", "tasks"] {
        let read = |d: &tempfile::TempDir| std::fs::read(d.path().join(format!("{name}.jsonl"))).unwrap();
        assert_eq!(read(&a), read(&b), "{name} differs for the same seed");
        assert_ne!(read(&a), read(&c), "{name} is the same for another seed");
    }
}
