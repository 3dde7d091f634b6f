//! Report numbers vs the model, for several periods and filter combinations.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde_json::Value;

use crate::model::{Filter, Fixture, assert_close, expected, moscow_date};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn check_kpis(fx: &Fixture, query: &str, f: &Filter, from: &str, to: &str, prev: Option<(&str, &str)>) {
    let v = fx.ok(&format!("/api/v1/reports/sales-dynamics?sections=kpis&from={from}&to={to}{query}")).await;
    let want = expected(&fx.model, f, d(from), d(to));
    let n = fx.model.deals.len();
    for (id, w) in &want {
        assert_close(&format!("{id} {from}…{to}{query}"), &v["kpis"][id]["value"], *w, n);
    }
    if let Some((pf, pt)) = prev {
        assert_eq!(v["previous"]["from"], pf, "previous period of {from}…{to}");
        assert_eq!(v["previous"]["to"], pt);
        let want_prev = expected(&fx.model, f, d(pf), d(pt));
        for id in ["won_count", "won_amount", "new_count", "lost_count", "conversion", "avg_check"] {
            assert_close(&format!("previous {id} {pf}…{pt}{query}"), &v["kpis"][id]["previous"], want_prev[id], n);
        }
    }
}

#[tokio::test]
async fn reports_equal_the_model_for_periods_and_filters() {
    let fx = Fixture::start(2_500).await;
    let m = &fx.model;

    // A calendar month: the previous period is the previous month.
    check_kpis(&fx, "", &Filter::default(), "2026-10-01", "2026-10-31", Some(("2026-09-01", "2026-09-30"))).await;
    // A free range in one funnel: previous = equal length before it.
    let funnel1 = Filter { funnels: vec![1], ..Filter::default() };
    check_kpis(&fx, "&funnel=1", &funnel1, "2026-03-10", "2026-08-15", Some(("2025-10-02", "2026-03-09"))).await;
    // A year for a department with its sub-departments (the sales department, id 2).
    let dept = Filter { people: Some(m.members(2)), ..Filter::default() };
    assert!(m.members(2).len() > 5, "the sales department includes its groups");
    check_kpis(&fx, "&department=2&compare=yoy", &dept, "2025-01-01", "2025-12-31", Some(("2024-01-01", "2024-12-31"))).await;
    // Two employees and one source over a quarter-and-a-bit.
    let sellers: Vec<i64> = {
        let mut by_user = std::collections::BTreeMap::<i64, usize>::new();
        for deal in &m.deals {
            *by_user.entry(deal.user).or_default() += 1;
        }
        let mut v: Vec<(usize, i64)> = by_user.into_iter().map(|(u, n)| (n, u)).collect();
        v.sort();
        v.iter().rev().take(2).map(|x| x.1).collect()
    };
    let source = m.deals.iter().map(|d| d.source.clone()).find(|s| !s.is_empty()).unwrap();
    let f = Filter { people: Some(sellers.iter().copied().collect::<BTreeSet<_>>()), sources: vec![source.clone()], ..Filter::default() };
    let q = format!("&employee={},{}&source={source}", sellers[0], sellers[1]);
    check_kpis(&fx, &q, &f, "2026-06-01", "2026-11-20", None).await;

    // Series: won revenue per month, split new/repeat, each month against the model.
    let v = fx.ok("/api/v1/reports/sales-dynamics?sections=series&from=2026-01-01&to=2026-06-30&grain=month").await;
    let series = v["series"].as_array().unwrap();
    assert_eq!(series.len(), 6);
    for (i, point) in series.iter().enumerate() {
        let first = d(&format!("2026-{:02}-01", i + 1));
        let last = if i == 5 { d("2026-06-30") } else { d(&format!("2026-{:02}-01", i + 2)).pred_opt().unwrap() };
        assert_eq!(point["bucket"], first.to_string());
        let want = expected(m, &Filter::default(), first, last);
        assert_close(&format!("series won_amount {first}"), &point["won_amount"], want["won_amount"], m.deals.len());
        assert_close(&format!("series new_count {first}"), &point["new_count"], want["new_count"], 0);
        let repeat: f64 = m
            .deals
            .iter()
            .filter(|x| x.semantic == "S" && x.repeat && x.won_at.is_some_and(|t| (first..=last).contains(&moscow_date(t))))
            .map(|x| x.amount)
            .sum();
        assert_close(&format!("series won_amount_repeat {first}"), &point["won_amount_repeat"], Some(repeat), m.deals.len());
    }

    // Per-employee rows sum to the totals, and each equals the model.
    let v = fx.ok("/api/v1/reports/sales-dynamics?sections=employees&from=2026-01-01&to=2026-11-20").await;
    for row in v["employees"].as_array().unwrap() {
        let Some(uid) = row["user_id"].as_i64() else { continue };
        let f = Filter { people: Some(BTreeSet::from([uid])), ..Filter::default() };
        let want = expected(m, &f, d("2026-01-01"), d("2026-11-20"));
        for id in ["won_count", "won_amount", "lost_count", "in_work_count", "conversion"] {
            assert_close(&format!("employee {uid} {id}"), &row[id], want[id], m.deals.len());
        }
    }

    // The deal list: totals, paging and sorting agree with the model.
    let won_oct: Vec<_> = m
        .deals
        .iter()
        .filter(|x| x.semantic == "S" && x.won_at.is_some_and(|t| (d("2026-10-01")..=d("2026-10-31")).contains(&moscow_date(t))))
        .collect();
    let v = fx.ok("/api/v1/deals?set=won&from=2026-10-01&to=2026-10-31&sort=amount&desc=true&page_size=3").await;
    assert_eq!(v["total"].as_i64().unwrap() as usize, won_oct.len());
    let top = won_oct.iter().map(|x| x.amount).fold(f64::MIN, f64::max);
    assert!((v["rows"][0]["amount"].as_f64().unwrap() - top).abs() < 0.01);
    assert_eq!(v["rows"].as_array().unwrap().len(), 3.min(won_oct.len()));
    let id = v["rows"][0]["id"].as_i64().unwrap();
    assert_eq!(v["rows"][0]["url"], format!("https://acme.bitrix24.ru/crm/deal/details/{id}/"));
    let page2 = fx.ok("/api/v1/deals?set=won&from=2026-10-01&to=2026-10-31&sort=amount&desc=true&page_size=3&page=1").await;
    assert_ne!(page2["rows"][0]["id"], v["rows"][0]["id"]);

    // Stage statistics: completed visits whose exit falls in October, from the dump's history,
    // and the open deals created in October by their current stage.
    let mut history: std::collections::BTreeMap<i64, Vec<(chrono::NaiveDateTime, i64, String)>> = Default::default();
    for h in crate::model::read_jsonl(&fx.dump, "deal_stage_history") {
        let t = chrono::DateTime::parse_from_rfc3339(h["created_at"].as_str().unwrap()).unwrap().naive_utc();
        history.entry(h["owner_id"].as_i64().unwrap()).or_default().push((
            t,
            h["id"].as_i64().unwrap(),
            h["stage_id"].as_str().unwrap().to_string(),
        ));
    }
    let mut visits: std::collections::BTreeMap<String, (f64, f64)> = Default::default();
    for rows in history.values_mut() {
        rows.sort();
        for w in rows.windows(2) {
            if (d("2026-10-01")..=d("2026-10-31")).contains(&moscow_date(w[1].0)) {
                let e = visits.entry(w[0].2.clone()).or_default();
                e.0 += 1.0;
                e.1 += (w[1].0 - w[0].0).num_seconds() as f64 / 86400.0;
            }
        }
    }
    let v = fx.ok("/api/v1/reports/sales-dynamics?sections=stages&from=2026-10-01&to=2026-10-31").await;
    let stages = v["stages"].as_array().unwrap();
    let mut checked = 0;
    for st in stages {
        let id = st["stage_id"].as_str().unwrap();
        match visits.get(id) {
            Some((n, days)) => {
                assert_close(&format!("stage_avg_days {id}"), &st["stage_avg_days"], Some(days / n), 0);
                checked += 1;
            }
            None => assert!(st["stage_avg_days"].is_null(), "stage {id}: no visit ended in October"),
        }
    }
    assert!(checked >= 3, "October has completed visits in several stages");
    let open_oct =
        m.deals.iter().filter(|x| x.semantic == "P" && (d("2026-10-01")..=d("2026-10-31")).contains(&moscow_date(x.created))).count()
            as i64;
    let now_total: i64 = stages.iter().map(|s| s["stage_now_count"].as_i64().unwrap()).sum();
    assert_eq!(now_total, open_oct, "open deals created in October, over their current stages");

    // Open deals by age bucket (metrics.md: ≤ 30, 31–90, 91–180, 181–365, > 365).
    let v = fx.ok("/api/v1/reports/sales-dynamics?sections=cycle").await;
    let now: chrono::NaiveDateTime = v["now"].as_str().unwrap().parse().unwrap();
    let mut buckets = [0i64; 5];
    for x in m.deals.iter().filter(|x| x.semantic == "P") {
        let age = (now - x.created).num_seconds() as f64 / 86400.0;
        buckets[[30.0, 90.0, 180.0, 365.0].iter().position(|b| age <= *b).unwrap_or(4)] += 1;
    }
    let got: Vec<i64> = v["cycle"].as_array().unwrap().iter().map(|b| b["deals"].as_i64().unwrap()).collect();
    assert_eq!(got, buckets.to_vec());

    // Bad input gets the error envelope naming the problem.
    let (status, e) = fx.get("/api/v1/reports/sales-dynamics?from=2026-13-01&to=2026-12-01").await;
    assert_eq!(status, 400);
    assert_eq!(e["error"]["code"], "bad_parameter");
    assert!(e["error"]["message"].as_str().unwrap().contains("from"), "{e}");
    let (status, e) = fx.get("/api/v1/deals?sort=amount;drop").await;
    assert_eq!((status, e["error"]["code"].clone()), (400, Value::from("bad_parameter")));

    // Exports are real spreadsheets with the same numbers.
    let bytes =
        reqwest::get(format!("{}/api/v1/reports/sales-dynamics/export?table=employees&format=xlsx&from=2026-01-01&to=2026-11-20", fx.base))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
    use calamine::{DataType, Reader};
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&sheet).unwrap();
    assert_eq!(range.get_value((0, 0)).unwrap().to_string(), "Название");
    assert_eq!(range.get_value((0, 2)).unwrap().to_string(), "Выручка (успешные)");
    let total: f64 = range.rows().skip(1).filter_map(|r| r[2].as_f64()).sum();
    let want = expected(m, &Filter::default(), d("2026-01-01"), d("2026-11-20"))["won_amount"].unwrap();
    assert!((total - want).abs() < 0.01 * m.deals.len() as f64, "export total {total} vs {want}");
}
