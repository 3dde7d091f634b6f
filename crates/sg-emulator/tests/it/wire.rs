//! Per-family value typing and the rendering quirks of the reference, against the dump.

use serde_json::{Value, json};
use sg_emulator::EmulatorConfig;

use crate::support::{Portal, by_id, read_jsonl};

#[tokio::test]
async fn families_type_values_as_the_real_service_does() {
    let p = Portal::with_dump(EmulatorConfig::for_tests(400)).await;
    let deals = read_jsonl(p.dump_dir(), "deals");
    let dump = by_id(&deals);

    // Legacy CRM: everything a string, UPPER keys, dates with the portal offset.
    let (_, body) = p.call("crm.deal.get", json!({"id": 3})).await;
    let d = &body["result"];
    assert_eq!(d["ID"], json!("3"));
    assert_eq!(d["OPPORTUNITY"], json!(dump[&3]["opportunity"]));
    assert_eq!(d["ASSIGNED_BY_ID"], json!(dump[&3]["assigned_by_id"].to_string()));
    assert!(d["DATE_CREATE"].as_str().unwrap().ends_with("+03:00"));
    assert!(d["BEGINDATE"].as_str().unwrap().ends_with("T03:00:00+03:00"), "date fields are UTC midnight in the portal offset");

    // crm.item: camelCase, typed numbers, Y/N booleans, 0 for unset ids.
    let (_, body) = p.call("crm.item.list", json!({"entityTypeId": 2, "select": ["id", "opportunity", "stageId", "leadId", "isReturnCustomer", "categoryId"], "order": {"id": "ASC"}, "filter": {"<=id": 60}})).await;
    let items = body["result"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 50);
    assert_eq!(body["total"], json!(60));
    for item in items {
        let id = item["id"].as_i64().expect("typed id");
        let expected: f64 = dump[&id]["opportunity"].as_str().unwrap().parse().unwrap();
        assert!((item["opportunity"].as_f64().unwrap() - expected).abs() < 0.005);
        assert!(item["categoryId"].is_number());
        assert!(matches!(item["isReturnCustomer"].as_str(), Some("Y" | "N")));
        if dump[&id]["lead_id"].is_null() {
            assert_eq!(item["leadId"], json!(0));
        }
    }

    // Stage history: typed ints, UPPER keys, result.items.
    let (_, body) = p.call("crm.stagehistory.list", json!({"entityTypeId": 2, "filter": {"OWNER_ID": 3}, "order": {"ID": "ASC"}})).await;
    let rows = body["result"]["items"].as_array().unwrap();
    assert!(rows.iter().all(|r| r["ID"].is_number() && r["OWNER_ID"] == json!(3)));
    assert_eq!(rows.last().unwrap()["STAGE_ID"], dump[&3]["stage_id"]);

    // Tasks: UPPER request keys, camelCase string response, empty maps as [].
    let (_, body) = p
        .call("tasks.task.list", json!({"select": ["ID", "TITLE", "STATUS", "RESPONSIBLE_ID", "UF_CRM_TASK"], "order": {"ID": "asc"}}))
        .await;
    let t = &body["result"]["tasks"][0];
    assert_eq!(t["id"], json!("1"));
    assert!(t["status"].is_string());
    assert!(t["ufCrmTask"].is_array());
    assert_eq!(t["auditorsData"], json!([]));
    let (_, body) = p.call("tasks.task.list", json!({"select": ["ID"]})).await;
    let ids: Vec<i64> = body["result"]["tasks"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "tasks default to ID DESC");

    // user.get: ACTIVE is a JSON bool, UF_DEPARTMENT ints, TIMESTAMP_X `{}`.
    let (_, body) = p.call("user.get", json!({"filter": {"ACTIVE": true}})).await;
    let users = body["result"].as_array().unwrap();
    assert!(users.iter().all(|u| u["ACTIVE"] == json!(true)));
    assert!(users[0]["UF_DEPARTMENT"][0].is_number());
    assert_eq!(users[0]["TIMESTAMP_X"], json!({}));
    let (_, all) = p.call("user.get", json!({})).await;
    assert_eq!(all["result"].as_array().unwrap().len(), users.len() + 1, "one fired user");

    // department.get: root has no PARENT key; SORT is an int.
    let (_, body) = p.call("department.get", json!({})).await;
    let root = body["result"].as_array().unwrap().iter().find(|d| d["ID"] == json!("1")).unwrap();
    assert!(root.get("PARENT").is_none());
    assert!(root["SORT"].is_number());

    // Directories: both funnels, stages per funnel with semantics, a custom UC_ stage.
    let (_, body) = p.call("crm.category.list", json!({"entityTypeId": 2})).await;
    assert_eq!(body["result"]["categories"].as_array().unwrap().len(), 2);
    let (_, body) = p.call("crm.status.list", json!({"filter": {"ENTITY_ID": "DEAL_STAGE_1"}, "order": {"SORT": "ASC"}})).await;
    let stages = body["result"].as_array().unwrap();
    assert!(stages.iter().all(|s| s["STATUS_ID"].as_str().unwrap().starts_with("C1:")));
    assert!(stages.iter().any(|s| s["STATUS_ID"].as_str().unwrap().contains("UC_")));
    assert_eq!(stages.iter().filter(|s| s["SEMANTICS"] == json!("S")).count(), 1);
    let (_, body) = p.call("crm.currency.list", json!({})).await;
    let kzt = body["result"].as_array().unwrap().iter().find(|c| c["CURRENCY"] == json!("KZT")).unwrap().clone();
    assert_eq!(kzt["AMOUNT_CNT"], json!("100"));
    assert_eq!(body["total"], json!(0));

    // Telephony: strings, with RECORD_FILE_ID an int.
    let (_, body) = p.call("voximplant.statistic.get", json!({"FILTER": {"CALL_FAILED_CODE": "200"}, "SORT": "ID", "ORDER": "ASC"})).await;
    let call = &body["result"][0];
    assert!(call["CALL_DURATION"].is_string());
    assert!(call["RECORD_FILE_ID"].is_number());

    // Product rows sum to the deal amount.
    let (_, body) = p.call("crm.deal.productrows.get", json!({"id": 3})).await;
    let sum: f64 = body["result"].as_array().unwrap().iter().map(|r| r["PRICE"].as_f64().unwrap() * r["QUANTITY"].as_f64().unwrap()).sum();
    let amount: f64 = dump[&3]["opportunity"].as_str().unwrap().parse().unwrap();
    assert!((sum - amount).abs() < 0.05, "{sum} vs {amount}");

    // Timeline comments need the entity in the filter.
    let (status, _) = p.call("crm.timeline.comment.list", json!({})).await;
    assert_eq!(status, 400);
    let comments = read_jsonl(p.dump_dir(), "comments");
    let c = &comments[0];
    let (_, body) =
        p.call("crm.timeline.comment.list", json!({"filter": {"ENTITY_ID": c["entity_id"], "ENTITY_TYPE": c["entity_type"]}})).await;
    let expected = comments.iter().filter(|x| x["entity_id"] == c["entity_id"] && x["entity_type"] == c["entity_type"]).count();
    assert_eq!(body["result"].as_array().unwrap().len(), expected);
    assert_eq!(body["result"][0]["FILES"], json!({}));

    let (_, body) = p.call("server.time", json!({})).await;
    assert!(body["result"].as_str().unwrap().starts_with("2026-11-20T14:"));
}

#[tokio::test]
async fn incremental_filters_and_dst_offsets() {
    let mut config = EmulatorConfig::for_tests(600);
    config.tz = chrono_tz::Europe::Berlin;
    let p = Portal::with_dump(config).await;
    let deals = read_jsonl(p.dump_dir(), "deals");
    // The DST offset follows each date on the same portal.
    let (_, body) = p.call("crm.deal.list", json!({"select": ["ID", "DATE_CREATE"], "start": -1})).await;
    let mut offsets: Vec<String> =
        body["result"].as_array().unwrap().iter().map(|d| d["DATE_CREATE"].as_str().unwrap()[19..].to_string()).collect();
    offsets.sort();
    offsets.dedup();
    let (_, body2) = p.call("crm.deal.list", json!({"select": ["ID", "DATE_CREATE"], "order": {"ID": "DESC"}, "start": -1})).await;
    for d in body2["result"].as_array().unwrap() {
        offsets.push(d["DATE_CREATE"].as_str().unwrap()[19..].to_string());
    }
    offsets.sort();
    offsets.dedup();
    assert_eq!(offsets, vec!["+01:00".to_string(), "+02:00".to_string()]);

    // >=DATE_MODIFY returns exactly the deals modified since then.
    let cutoff = "2026-10-01T00:00:00+02:00";
    let cutoff_utc = chrono::DateTime::parse_from_rfc3339(cutoff).unwrap();
    let expected =
        deals.iter().filter(|d| chrono::DateTime::parse_from_rfc3339(d["modified_at"].as_str().unwrap()).unwrap() >= cutoff_utc).count();
    let (_, body) = p.call("crm.deal.list", json!({"filter": {">=DATE_MODIFY": cutoff}, "select": ["ID"]})).await;
    assert_eq!(body["total"], json!(expected));
    assert!(expected > 0);
    let as_value = |v: &Value| v.clone();
    let _ = as_value;
}
