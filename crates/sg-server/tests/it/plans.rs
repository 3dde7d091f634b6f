//! Plans: editing through the API changes the plan-fact report at once and is audited;
//! spreadsheet imports apply everything or nothing, with located errors.

use chrono::NaiveDate;
use reqwest::Method;
use rust_xlsxwriter::Workbook;
use serde_json::{Value, json};

use crate::model::{Filter, Fixture, expected};

fn workbook(sheets: &[(&str, Vec<Vec<Value>>)]) -> Vec<u8> {
    let mut wb = Workbook::new();
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                match v {
                    Value::Number(n) => ws.write_number(r as u32, c as u16, n.as_f64().unwrap()).unwrap(),
                    Value::String(s) => ws.write_string(r as u32, c as u16, s).unwrap(),
                    _ => ws,
                };
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

async fn import(fx: &Fixture, name: &str, bytes: Vec<u8>) -> (u16, Value) {
    let r = reqwest::Client::new().post(format!("{}/api/v1/plans/import?name={name}", fx.base)).body(bytes).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn plan_edits_drive_the_plan_fact_report_and_imports_are_all_or_nothing() {
    let fx = Fixture::start(1_500).await;
    let m = &fx.model;
    let sellers: Vec<i64> =
        m.users.iter().filter(|u| u["seller"] == true && u["active"] == true).map(|u| u["id"].as_i64().unwrap()).take(2).collect();
    let (a, b) = (sellers[0], sellers[1]);

    // The data's "today" is 20 November 2026: with October planned and November empty, the
    // roll-forward copies October once, marked for review, and never again that month.
    let (status, _) = fx
        .send(
            Method::PUT,
            "/api/v1/plans",
            json!({"rows": [{"month": "2026-10", "user_id": a, "funnel_id": null, "plan_count": 1, "plan_amount": 777, "bonus_pct": 1}]}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(sg_server::roll_forward(&fx.state).await.unwrap().map(|(m, n)| (m.to_string(), n)), Some(("2026-11".into(), 1)));
    let nov = fx.ok("/api/v1/plans?month=2026-11").await;
    assert_eq!((nov["needs_review"].as_bool(), nov["rows"][0]["plan_amount"].as_f64()), (Some(true), Some(777.0)));
    assert!(fx.ok("/api/v1/reports/plan-fact?month=2026-11").await["needs_review"].as_bool().unwrap());
    let (status, _) =
        fx.send(Method::PUT, "/api/v1/plans", json!({"deletes": [{"month": "2026-11", "user_id": a, "funnel_id": null}]})).await;
    assert_eq!(status, 200);
    assert_eq!(sg_server::roll_forward(&fx.state).await.unwrap(), None, "a plan deleted on purpose stays deleted");
    assert!(fx.ok("/api/v1/plans?month=2026-11").await["rows"].as_array().unwrap().is_empty());

    // Plans for October 2026 (a closed month relative to the emulator's 20 November).
    let rows = json!([
        {"month": "2026-10", "user_id": a, "funnel_id": null, "plan_count": 5, "plan_amount": 3000000, "bonus_pct": 3},
        {"month": "2026-10", "user_id": b, "funnel_id": null, "plan_count": 4, "plan_amount": 2000000, "bonus_pct": 2.5},
    ]);
    let (status, v) = fx.send(Method::PUT, "/api/v1/plans", json!({"rows": rows})).await;
    assert_eq!(status, 200, "{v}");

    let r = fx.ok("/api/v1/reports/plan-fact?month=2026-10").await;
    let pf = |u: i64| Filter { people: Some([u].into()), ..Filter::default() };
    let (oct1, oct31) = ("2026-10-01".parse::<NaiveDate>().unwrap(), "2026-10-31".parse::<NaiveDate>().unwrap());
    let fact_a = expected(m, &pf(a), oct1, oct31)["won_amount"].unwrap();
    let fact_b = expected(m, &pf(b), oct1, oct31)["won_amount"].unwrap();
    let fact_all = expected(m, &Filter::default(), oct1, oct31)["won_amount"].unwrap();
    assert_eq!(r["current"]["plan_amount"].as_f64().unwrap(), 5_000_000.0);
    assert!((r["current"]["fact_amount"].as_f64().unwrap() - fact_all).abs() < 1.0);
    // October 2026 has 22 working days (no holidays); the month is over.
    assert_eq!((r["current"]["wd_total"].as_i64(), r["current"]["wd_elapsed"].as_i64()), (Some(22), Some(22)));
    let emp = |id: i64| r["by_employee"].as_array().unwrap().iter().find(|e| e["user_id"] == id).unwrap().clone();
    let pct_a = emp(a)["progress"]["fulfilment_pct"].as_f64().unwrap();
    assert!((pct_a - fact_a / 3_000_000.0 * 100.0).abs() <= 0.051, "{pct_a} vs {}", fact_a / 30_000.0);
    assert!((emp(b)["progress"]["fact_amount"].as_f64().unwrap() - fact_b).abs() < 0.01 * m.deals.len() as f64);

    // An edit takes effect at once and is audited old → new.
    let (status, _) = fx.send(Method::PUT, "/api/v1/plans", json!({"rows": [{"month": "2026-10", "user_id": a, "funnel_id": null, "plan_count": 5, "plan_amount": 1500000, "bonus_pct": 3}]})).await;
    assert_eq!(status, 200);
    let r2 = fx.ok("/api/v1/reports/plan-fact?month=2026-10").await;
    let pct_a2 =
        r2["by_employee"].as_array().unwrap().iter().find(|e| e["user_id"] == a).unwrap()["progress"]["fulfilment_pct"].as_f64().unwrap();
    assert!((pct_a2 - fact_a / 1_500_000.0 * 100.0).abs() <= 0.051);
    let audit = fx.ok("/api/v1/plans/audit?limit=5").await;
    let last = &audit["entries"][0];
    assert_eq!(
        (last["field"].as_str(), last["old_value"].as_str(), last["new_value"].as_str()),
        (Some("plan_amount"), Some("3000000"), Some("1500000"))
    );

    // Bad edits are refused with the reason.
    let (status, e) = fx.send(Method::PUT, "/api/v1/plans", json!({"rows": [{"month": "2026-10", "user_id": 99999, "funnel_id": null, "plan_count": 1, "plan_amount": -5, "bonus_pct": 1}]})).await;
    assert_eq!(status, 400);
    assert!(e["error"]["message"].as_str().unwrap().contains("unknown employee 99999"), "{e}");

    // A valid workbook: two months, by ID and by name.
    let name_b = {
        let u = m.users.iter().find(|u| u["id"] == b).unwrap();
        format!("{} {}", u["name"].as_str().unwrap(), u["last_name"].as_str().unwrap())
    };
    let header = || vec![json!("ID"), json!("Сотрудник"), json!("Воронка"), json!("Количество"), json!("Сумма"), json!("Бонус %")];
    let good = workbook(&[
        (
            "Ноябрь_2026",
            vec![
                header(),
                vec![json!(a), json!(""), json!("Все"), json!(6), json!(4000000), json!(3)],
                vec![json!(""), json!(name_b), json!(""), json!(2), json!("1 250 000,50"), json!(2)],
            ],
        ),
        ("2026-12", vec![header(), vec![json!(a), json!(""), json!(""), json!(7), json!(4100000), json!(3)]]),
    ]);
    let (status, v) = import(&fx, "План_2026.xlsx", good).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["rows"], 3);
    let nov = fx.ok("/api/v1/plans?month=2026-11").await;
    let nov_rows = nov["rows"].as_array().unwrap();
    assert_eq!(nov_rows.len(), 2);
    assert!(nov_rows.iter().any(|r| r["user_id"] == b && r["plan_amount"].as_f64() == Some(1_250_000.5)));

    // A broken workbook changes nothing and names sheet, row, column and problem.
    let before = (fx.ok("/api/v1/plans?month=2026-11").await["rows"].clone(), fx.ok("/api/v1/plans?month=2026-12").await["rows"].clone());
    let bad = workbook(&[
        (
            "Ноябрь_2026",
            vec![
                header(),
                vec![json!(a), json!(""), json!(""), json!(1), json!(99), json!(1)],
                vec![json!(424242), json!(""), json!(""), json!(1), json!(5), json!(1)],
                vec![json!(b), json!(""), json!(""), json!("много"), json!(5), json!(1)],
            ],
        ),
        ("Декабрь 2026", vec![header(), vec![json!(a), json!(""), json!(""), json!(1), json!(-10), json!(1)]]),
        ("Итого", vec![header()]),
    ]);
    let (status, e) = import(&fx, "broken.xlsx", bad).await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["code"], "invalid_file");
    let details = e["error"]["details"].as_array().unwrap();
    let has = |sheet: &str, row: i64, col: &str, msg: &str| {
        details.iter().any(|d| {
            d["sheet"] == sheet
                && d["row"] == row
                && d["column"].as_str().unwrap().starts_with(col)
                && d["message"].as_str().unwrap().contains(msg)
        })
    };
    assert!(has("Ноябрь_2026", 3, "A", "unknown employee"), "{details:#?}");
    assert!(has("Ноябрь_2026", 4, "D", "not a number"), "{details:#?}");
    assert!(has("Декабрь 2026", 2, "E", "negative"), "{details:#?}");
    assert!(has("Итого", 0, "", "not a month"), "{details:#?}");
    let after = (fx.ok("/api/v1/plans?month=2026-11").await["rows"].clone(), fx.ok("/api/v1/plans?month=2026-12").await["rows"].clone());
    assert_eq!(before, after, "a broken import changes nothing");

    // Export then re-import is a no-op; copy and fill-year work on empty months only.
    let bytes = reqwest::get(format!("{}/api/v1/plans/export?from=2026-10&to=2026-12", fx.base)).await.unwrap().bytes().await.unwrap();
    let (status, v) = import(&fx, "export.xlsx", bytes.to_vec()).await;
    assert_eq!((status, v["changed"].as_i64()), (200, Some(0)), "{v}");
    let (status, e) = fx.send(Method::POST, "/api/v1/plans/copy", json!({"from": "2026-10", "to": "2026-11"})).await;
    assert_eq!((status, e["error"]["code"].as_str()), (409, Some("month_not_empty")));
    let (status, _) = fx
        .send(
            Method::PUT,
            "/api/v1/plans",
            json!({"rows": [{"month": "2027-01", "user_id": a, "funnel_id": 1, "plan_count": 2, "plan_amount": 700000, "bonus_pct": 1}]}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = fx
        .send(
            Method::PUT,
            "/api/v1/plans",
            json!({"rows": [{"month": "2027-03", "user_id": b, "funnel_id": null, "plan_count": 1, "plan_amount": 5, "bonus_pct": 0}]}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, v) = fx.send(Method::POST, "/api/v1/plans/fill-year", json!({"from": "2027-01"})).await;
    assert_eq!(status, 200, "{v}");
    let filled: Vec<String> = v["filled"].as_array().unwrap().iter().map(|m| m.as_str().unwrap().to_string()).collect();
    assert_eq!(filled.len(), 10, "February and April…December; March already had a plan: {filled:?}");
    assert!(!filled.contains(&"2027-03".to_string()));
    let june = fx.ok("/api/v1/plans?month=2027-06").await;
    assert_eq!(june["rows"][0]["plan_amount"].as_f64(), Some(700000.0));
    assert_eq!(fx.ok("/api/v1/plans?month=2027-03").await["rows"].as_array().unwrap().len(), 1);
}
