//! Every deal exactly once, whichever way a client pages.

use std::collections::HashSet;

use serde_json::{Value, json};
use sg_emulator::EmulatorConfig;

use crate::support::{Portal, read_jsonl};

fn ids(rows: &Value) -> Vec<i64> {
    rows.as_array().unwrap().iter().map(|r| r["ID"].as_str().unwrap().parse().unwrap()).collect()
}

#[tokio::test]
async fn paging_through_ten_thousand_deals_both_ways_returns_each_once() {
    let p = Portal::with_dump(EmulatorConfig::for_tests(10_500)).await;
    let expected: HashSet<i64> = read_jsonl(p.dump_dir(), "deals").iter().map(|d| d["id"].as_i64().unwrap()).collect();
    assert_eq!(expected.len(), 10_500);

    // Offset paging with start/next/total.
    let mut seen = Vec::new();
    let mut start = 0;
    loop {
        let (status, body) = p.call("crm.deal.list", json!({"order": {"ID": "ASC"}, "select": ["ID"], "start": start})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["total"], json!(10_500));
        seen.extend(ids(&body["result"]));
        match body.get("next") {
            Some(n) => start = n.as_i64().unwrap(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 10_500);
    assert_eq!(seen.iter().copied().collect::<HashSet<_>>(), expected);

    // Fast mode: start=-1 with a >ID cursor; no total, no next.
    let mut seen = Vec::new();
    let mut last = 0;
    loop {
        let (status, body) =
            p.call("crm.deal.list", json!({"order": {"ID": "ASC"}, "filter": {">ID": last}, "select": ["ID"], "start": -1})).await;
        assert_eq!(status, 200);
        assert_eq!(body["total"], json!(0));
        assert!(body.get("next").is_none());
        let page = ids(&body["result"]);
        if let Some(&l) = page.last() {
            assert!(l > last, "cursor must advance");
            last = l;
        }
        seen.extend(&page);
        if page.len() < 50 {
            break;
        }
    }
    assert_eq!(seen.len(), 10_500);
    assert_eq!(seen.iter().copied().collect::<HashSet<_>>(), expected);
}

#[tokio::test]
async fn batch_chains_cursor_pages_with_result_references() {
    let p = Portal::with_dump(EmulatorConfig::for_tests(3_000)).await;
    let expected: Vec<i64> = read_jsonl(p.dump_dir(), "deals").iter().map(|d| d["id"].as_i64().unwrap()).collect();
    // 50 commands, each continuing after the last ID of the previous one.
    let mut cmd = serde_json::Map::new();
    cmd.insert("p0".into(), json!("crm.deal.list?order[ID]=ASC&filter[%3EID]=0&select[]=ID&start=-1"));
    for i in 1..50 {
        cmd.insert(
            format!("p{i}"),
            json!(format!("crm.deal.list?order[ID]=ASC&filter[%3EID]=$result[p{}][49][ID]&select[]=ID&start=-1", i - 1)),
        );
    }
    let (status, body) = p.call("batch", json!({"halt": 0, "cmd": cmd})).await;
    assert_eq!(status, 200);
    let result = &body["result"];
    assert_eq!(result["result_error"], json!([]), "no sub-command failed");
    let mut seen = Vec::new();
    for i in 0..50 {
        seen.extend(ids(&result["result"][format!("p{i}")]));
    }
    assert_eq!(seen, expected[..2500].to_vec());
    assert!(result["result_time"]["p0"]["start"].is_number());

    // A batch answers 200 even when sub-commands fail, with the errors per key.
    let (status, body) = p.call("batch", json!({"cmd": {"a": "crm.deal.get?id=999999", "b": "batch?cmd[x]=server.time", "c": "no.such.method", "d": "crm.deal.get?id=1"}})).await;
    assert_eq!(status, 200);
    let r = &body["result"];
    assert_eq!(r["result_error"]["a"]["error"], json!(""));
    assert_eq!(r["result_error"]["a"]["error_description"], json!("Not found"));
    assert_eq!(r["result_error"]["b"]["error"], json!("ERROR_BATCH_METHOD_NOT_ALLOWED"));
    assert_eq!(r["result_error"]["c"]["error"], json!("ERROR_METHOD_NOT_FOUND"));
    assert_eq!(r["result"]["d"]["ID"], json!("1"));
    assert_eq!(r["result_next"], json!([]), "empty maps are [] as PHP sends them");
}

#[tokio::test]
async fn form_encoded_and_get_requests_parse_php_brackets() {
    let p = Portal::start(EmulatorConfig::for_tests(300)).await;
    let url = format!("{}crm.deal.list?order%5BID%5D=DESC&select%5B%5D=ID&filter%5B%3C%3DID%5D=10", p.webhook);
    let body: Value = p.http.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(ids(&body["result"]), (1..=10).rev().collect::<Vec<i64>>());
    // Form body, upper-case top-level keys (case-folded by the server).
    let form = "ORDER%5BID%5D=ASC&SELECT%5B%5D=ID&FILTER%5B%40ID%5D%5B%5D=3&FILTER%5B%40ID%5D%5B%5D=7";
    let body: Value = p
        .http
        .post(format!("{}crm.deal.list", p.webhook))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&body["result"]), vec![3, 7]);
    // The later of two keys differing only by case wins.
    let (_, body) = p.call("crm.deal.list", json!({"FILTER": {"ID": 5}, "filter": {"ID": 4}, "select": ["ID"]})).await;
    assert_eq!(ids(&body["result"]), vec![4]);
}
