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
