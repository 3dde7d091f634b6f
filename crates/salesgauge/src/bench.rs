//! `salesgauge bench ...`: measurements printed as `key=value` lines, each with the ceiling it
//! is held against and the ratio, measured in the same run.

use std::time::Instant;

use sg_emulator::GenSettings;

/// Generation budget: seconds per 100k deals (issue: "seconds per 100k deals").
const GEN_CEILING_SECS_PER_100K: f64 = 5.0;
/// Memory ceiling for holding the generated company, MiB (the product's serving budget).
const GEN_CEILING_RSS_MIB: f64 = 1536.0;

/// Peak resident set size of this process so far, MiB (Linux `VmHWM`).
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

pub fn generate(deals: u32, seed: u64) -> anyhow::Result<()> {
    let settings =
        GenSettings { seed, deals, today: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).expect("date"), tz: chrono_tz::Europe::Moscow };
    let rss_before = peak_rss_mib().unwrap_or(0.0);
    let t0 = Instant::now();
    let company = sg_emulator::generate(&settings);
    let secs = t0.elapsed().as_secs_f64();
    let rss = peak_rss_mib().unwrap_or(0.0);
    let per_100k = secs / (f64::from(deals) / 100_000.0);
    println!("gen_deals={deals}");
    println!("gen_leads={}", company.leads.len());
    println!("gen_activities={}", company.activities.len());
    println!("gen_calls={}", company.calls.len());
    println!("gen_stage_history={}", company.deal_history.len() + company.lead_history.len());
    println!("gen_seconds={secs:.2}");
    println!("gen_secs_per_100k={per_100k:.3}");
    println!("gen_ceiling_secs_per_100k={GEN_CEILING_SECS_PER_100K}");
    println!("gen_time_ratio={:.3}", per_100k / GEN_CEILING_SECS_PER_100K);
    println!("gen_rss_peak_mib={rss:.0}");
    println!("gen_rss_before_mib={rss_before:.0}");
    println!("gen_rss_ceiling_mib={GEN_CEILING_RSS_MIB}");
    println!("gen_rss_ratio={:.3}", rss / GEN_CEILING_RSS_MIB);
    drop(company);
    Ok(())
}

/// Full sync against the emulator with its limits on, compared with the fastest sync those
/// limits allow for the same rows: every list request carrying 50 full pages (2,500 rows),
/// comments 1,000 deals per request, directories in one request, the first `burst` requests
/// free and the rest at `rate` per second.
pub async fn sync(deals: u32, rate_limit: &str) -> anyhow::Result<()> {
    use sg_emulator::{Emulator, EmulatorConfig, RateLimit};
    let (rate, burst) = crate::sync::parse_rate(rate_limit)?;
    let mut config = EmulatorConfig::for_tests(deals);
    config.rate_limit = Some(RateLimit { per_second: rate, burst });
    config.operating_limit = Some(480.0);
    eprintln!("generating {deals} deals…");
    let emulator = Emulator::start(config).await?;
    let dir = tempfile::tempdir()?;
    let mut store = sg_store::Store::open(&dir.path().join("bench.duckdb"))?;
    let client = sg_bitrix24::Client::new(
        sg_bitrix24::Auth::Webhook(emulator.webhook_url()),
        sg_bitrix24::ClientConfig { rate, burst, ..Default::default() },
        None,
    )?;
    // Let the portal's bucket drain from generation-time probes (there are none, but be fair).
    tokio::time::sleep(std::time::Duration::from_secs_f64(burst / rate)).await;
    let t0 = Instant::now();
    let report = sg_sync::run_pass(&client, &mut store, &sg_sync::Options::default(), &sg_sync::NoProgress).await?;
    let secs = t0.elapsed().as_secs_f64();
    if !report.errors().is_empty() {
        anyhow::bail!("sync failed: {:?}", report.errors());
    }
    let rows = |e: &str| report.entities.iter().find(|o| o.entity == e).map(|o| o.rows).unwrap_or(0);
    let paged = ["leads", "deals", "lead_stage_history", "deal_stage_history", "activities", "calls", "tasks"];
    let min_requests: u64 = 1 + paged.iter().map(|e| rows(e) / 2500 + 1).sum::<u64>() + u64::from(deals).div_ceil(1000);
    let ceiling_secs = (min_requests as f64 - burst).max(0.0) / rate;
    let records = report.rows();
    let stats = client.stats();
    println!("sync_deals={deals}");
    println!("sync_records={records}");
    println!("sync_requests={}", stats.requests);
    println!("sync_min_requests={min_requests}");
    println!("sync_rate_limited={}", stats.rate_limited);
    println!("sync_seconds={secs:.2}");
    println!("sync_ceiling_seconds={ceiling_secs:.2}");
    println!("sync_records_per_sec={:.0}", records as f64 / secs);
    println!("sync_ceiling_records_per_sec={:.0}", records as f64 / ceiling_secs.max(1e-9));
    println!("sync_ratio={:.3}", ceiling_secs / secs);
    println!("sync_rss_peak_mib={:.0}", peak_rss_mib().unwrap_or(0.0));

    // Change-to-store latency by polling: a live change, then one incremental pass.
    let http = reqwest::Client::new();
    http.post(format!("http://{}/_emulator/live/step", emulator.addr)).json(&serde_json::json!({"n": 20})).send().await?;
    let t1 = Instant::now();
    let report = sg_sync::run_pass(&client, &mut store, &sg_sync::Options::default(), &sg_sync::NoProgress).await?;
    println!("poll_pass_seconds={:.2}", t1.elapsed().as_secs_f64());
    println!("poll_pass_rows={}", report.rows());

    // Event-to-store latency: our intake registered as an outgoing webhook; a deal deleted in
    // the portal, timed until it is gone from the store. Budget (design.md): 5 s.
    let client = std::sync::Arc::new(client);
    let store = std::sync::Arc::new(tokio::sync::Mutex::new(store));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let handler = format!("http://{}{}", listener.local_addr()?, sg_sync::events::intake::PATH);
    let registered: serde_json::Value = http
        .post(format!("http://{}/_emulator/outgoing-webhook", emulator.addr))
        .json(&serde_json::json!({"handler": handler, "events": ["ONCRMDEALDELETE"]}))
        .send()
        .await?
        .json()
        .await?;
    let token = registered["application_token"].as_str().unwrap_or_default().to_string();
    let (router, queue) = sg_sync::events::intake::router(token);
    tokio::spawn(async move { axum::serve(listener, router).await });
    tokio::spawn(sg_sync::events::intake::worker(queue, client.clone(), store.clone()));
    let victim = store.lock().await.keys(&sg_store::schema::DEALS)?.last().copied().unwrap_or(1);
    let t2 = Instant::now();
    http.post(format!("http://{}/_emulator/deals/{victim}/delete", emulator.addr)).send().await?;
    let latency = loop {
        let left = store.lock().await.query_text(&format!("SELECT CAST(count(*) AS VARCHAR) FROM deals WHERE id = {victim}"))?;
        if left[0][0].as_deref() == Some("0") {
            break t2.elapsed().as_secs_f64();
        }
        if t2.elapsed().as_secs() > 30 {
            anyhow::bail!("the delete event did not reach the store within 30 s");
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    println!("event_to_store_seconds={latency:.3}");
    println!("event_to_store_ceiling_seconds=5");
    println!("event_to_store_ratio={:.3}", latency / 5.0);
    emulator.stop().await;
    Ok(())
}

fn rss_now_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The report budget of design.md: p95 per endpoint, milliseconds.
const REPORT_P95_CEILING_MS: f64 = 100.0;
/// The API may add this much over the raw DuckDB time of the same queries.
const API_OVERHEAD_CEILING: f64 = 1.5;

/// Report endpoints at a size: the emulator's company synced over HTTP (no limits), grown
/// `scale` times in the store, served over HTTP; every endpoint's p50/p95 beside the raw
/// DuckDB time of exactly the queries it ran.
pub async fn reports(deals: u32, scale: u32, requests: usize) -> anyhow::Result<()> {
    use sg_emulator::{Emulator, EmulatorConfig};
    eprintln!("generating {deals} deals and syncing them (no limits)…");
    let emulator = Emulator::start(EmulatorConfig::for_tests(deals)).await?;
    let dir = tempfile::tempdir()?;
    let mut store = sg_store::Store::open(&dir.path().join("bench.duckdb"))?;
    let client = sg_bitrix24::Client::new(
        sg_bitrix24::Auth::Webhook(emulator.webhook_url()),
        sg_bitrix24::ClientConfig { rate: 100_000.0, burst: 100_000.0, ..Default::default() },
        None,
    )?;
    let t0 = Instant::now();
    let report = sg_sync::run_pass(&client, &mut store, &sg_sync::Options::default(), &sg_sync::NoProgress).await?;
    if !report.errors().is_empty() {
        anyhow::bail!("sync failed: {:?}", report.errors());
    }
    eprintln!("synced in {:.0} s; growing ×{scale}…", t0.elapsed().as_secs_f64());
    emulator.stop().await;
    store.replicate_for_bench(scale)?;
    let count =
        |t: &str| store.query_text(&format!("SELECT CAST(count(*) AS VARCHAR) FROM {t}")).map(|r| r[0][0].clone().unwrap_or_default());
    let (n_deals, n_acts) = (count("deals")?, count("activities")?);
    // A plan for every seller for the year, so plan-fact has work to do.
    let sellers = store.query_text("SELECT CAST(id AS VARCHAR) FROM users WHERE active")?;
    let mut plans = Vec::new();
    for m in 1..=12 {
        for s in &sellers {
            plans.push(sg_metrics::plan::PlanRow {
                month: sg_metrics::period::Month::new(2026, m).expect("valid"),
                user_id: s[0].as_deref().unwrap_or("0").parse()?,
                funnel_id: None,
                plan_count: 10,
                plan_amount: rust_decimal::Decimal::from(5_000_000),
                bonus_pct: rust_decimal::Decimal::from(3),
                needs_review: false,
            });
        }
    }
    store.write_plans(&plans, &[], &sg_store::PlanEdit { actor: "bench", source: "bench" })?;
    let raw = store.reader()?;
    let reader = store.reader()?;
    let state =
        sg_server::AppState::with_query_log(std::sync::Arc::new(tokio::sync::Mutex::new(store)), reader, sg_server::Settings::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(sg_server::serve(listener, state.clone()));
    let http = reqwest::Client::new();
    println!("reports_deals={n_deals}");
    println!("reports_activities={n_acts}");
    println!("reports_requests_per_endpoint={requests}");
    println!("reports_p95_ceiling_ms={REPORT_P95_CEILING_MS}");
    println!("reports_overhead_ceiling={API_OVERHEAD_CEILING}");
    let p = "from=2026-10-01&to=2026-10-31";
    let year = "from=2026-01-01&to=2026-11-20";
    let endpoints: Vec<(&str, String)> = vec![
        ("plan_fact", "reports/plan-fact?month=2026-11".into()),
        ("dyn_kpis_employees", format!("reports/sales-dynamics?sections=kpis,employees&{p}")),
        ("dyn_series_week", format!("reports/sales-dynamics?sections=series&grain=week&{year}")),
        ("dyn_quarters", format!("reports/sales-dynamics?sections=quarters&{p}")),
        ("dyn_stages", format!("reports/sales-dynamics?sections=stages&{p}")),
        ("dyn_leads", format!("reports/sales-dynamics?sections=leads&{p}")),
        ("dyn_cycle", format!("reports/sales-dynamics?sections=cycle&{p}")),
        ("dyn_all", format!("reports/sales-dynamics?{p}")),
        ("deals_page", format!("deals?set=created&sort=days&{year}")),
        ("deals_forgotten", "deals?set=forgotten&sort=amount".into()),
        ("plan_grid", "plans?month=2026-11".into()),
    ];
    let mut worst_p95: f64 = 0.0;
    let mut worst_overhead: f64 = 0.0;
    for (name, path) in endpoints {
        let url = format!("{base}/api/v1/{path}");
        for _ in 0..3 {
            let r = http.get(&url).send().await?;
            anyhow::ensure!(r.status().is_success(), "{name}: HTTP {} {}", r.status(), r.text().await.unwrap_or_default());
            r.bytes().await?;
        }
        state.take_query_log();
        http.get(&url).send().await?.bytes().await?;
        let queries = state.take_query_log();
        let mut api = Vec::with_capacity(requests);
        for _ in 0..requests {
            let t = Instant::now();
            http.get(&url).send().await?.bytes().await?;
            api.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let mut direct = Vec::with_capacity(requests);
        for _ in 0..requests {
            let t = Instant::now();
            for q in &queries {
                raw.rows(q)?;
            }
            direct.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        api.sort_by(f64::total_cmp);
        direct.sort_by(f64::total_cmp);
        let (p50, p95, r50, r95) = (percentile(&api, 0.5), percentile(&api, 0.95), percentile(&direct, 0.5), percentile(&direct, 0.95));
        worst_p95 = worst_p95.max(p95);
        worst_overhead = worst_overhead.max(p50 / r50);
        println!(
            "report_{name}: queries={} p50_ms={p50:.1} p95_ms={p95:.1} raw_p50_ms={r50:.1} raw_p95_ms={r95:.1} overhead_ratio={:.2} p95_budget_ratio={:.2}",
            queries.len(),
            p50 / r50,
            p95 / REPORT_P95_CEILING_MS
        );
    }
    println!("reports_worst_p95_ms={worst_p95:.1}");
    println!("reports_worst_p95_budget_ratio={:.2}", worst_p95 / REPORT_P95_CEILING_MS);
    println!("reports_worst_overhead_ratio={worst_overhead:.2}");
    println!("reports_rss_now_mib={:.0}", rss_now_mib().unwrap_or(0.0));
    println!("reports_rss_peak_mib={:.0} (includes generating and syncing the company in this process)", peak_rss_mib().unwrap_or(0.0));
    Ok(())
}

/// Time each statement of a JSON list (best of 5), or print DuckDB's profile of each.
pub fn sql(data_dir: &std::path::Path, file: &std::path::Path, explain: bool) -> anyhow::Result<()> {
    let stmts: Vec<String> = serde_json::from_str(&std::fs::read_to_string(file)?)?;
    let store = sg_store::Store::open_read_only(&crate::sync::store_path(data_dir))?;
    let reader = store.reader()?;
    for s in &stmts {
        if explain {
            for r in reader.rows(&format!("EXPLAIN ANALYZE {s}"))?.rows {
                for c in r {
                    println!("{}", c.text().unwrap_or_default());
                }
            }
            continue;
        }
        let mut best = f64::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            reader.rows(s)?;
            best = best.min(t.elapsed().as_secs_f64() * 1000.0);
        }
        let head: String = s.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(120).collect();
        println!("{best:8.1} ms  {head}");
    }
    Ok(())
}
