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
