//! Bitrix24's two throttles: the request-rate leaky bucket (per client address) and the
//! per-method "operating time" budget (per webhook or app, 10 one-minute buckets).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::Instant;

/// Drain rate per second and the level at which requests are refused.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: f64,
}

impl RateLimit {
    /// Parse `2/50` (drain per second / burst).
    pub fn parse(s: &str) -> Result<Self, String> {
        let (rate, burst) = s.split_once('/').ok_or_else(|| format!("rate limit `{s}`: expected RATE/BURST, e.g. 2/50"))?;
        let per_second: f64 = rate.trim().parse().map_err(|_| format!("rate limit `{s}`: `{rate}` is not a number"))?;
        let burst: f64 = burst.trim().parse().map_err(|_| format!("rate limit `{s}`: `{burst}` is not a number"))?;
        if per_second <= 0.0 || burst < 1.0 {
            return Err(format!("rate limit `{s}`: rate must be > 0 and burst ≥ 1"));
        }
        Ok(RateLimit { per_second, burst })
    }
}

#[derive(Debug, Default)]
struct Bucket {
    level: f64,
    last: Option<Instant>,
}

/// Operating-time accounting for one (caller, method): seconds per unix minute.
#[derive(Debug, Default)]
struct Operating {
    minutes: VecDeque<(i64, f64)>,
}

impl Operating {
    fn trim(&mut self, minute: i64) {
        while self.minutes.front().is_some_and(|(m, _)| *m <= minute - 10) {
            self.minutes.pop_front();
        }
    }
    fn sum(&self) -> f64 {
        self.minutes.iter().map(|(_, s)| s).sum()
    }
}

#[derive(Debug)]
pub struct Limits {
    pub rate: Option<RateLimit>,
    /// Seconds of operating time per method per 10 minutes; `None` turns the check off
    /// (and the `operating` fields disappear from responses, as on self-hosted portals).
    pub operating_limit: Option<f64>,
    /// Extra operating seconds charged per call, to simulate a slow portal.
    pub operating_cost: f64,
    buckets: HashMap<IpAddr, Bucket>,
    operating: HashMap<(String, String), Operating>,
}

/// The `time.operating*` fields for a response.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OperatingInfo {
    pub operating: f64,
    pub reset_at: i64,
}

impl Limits {
    pub fn new(rate: Option<RateLimit>, operating_limit: Option<f64>) -> Self {
        Limits { rate, operating_limit, operating_cost: 0.0, buckets: HashMap::new(), operating: HashMap::new() }
    }

    /// Count one HTTP request; `false` means 503 QUERY_LIMIT_EXCEEDED (not counted).
    pub fn admit(&mut self, ip: IpAddr) -> bool {
        let Some(rate) = self.rate else { return true };
        let now = Instant::now();
        let bucket = self.buckets.entry(ip).or_default();
        if let Some(last) = bucket.last {
            bucket.level = (bucket.level - now.duration_since(last).as_secs_f64() * rate.per_second).max(0.0);
        }
        bucket.last = Some(now);
        if bucket.level + 1.0 > rate.burst + 1e-9 {
            return false;
        }
        bucket.level += 1.0;
        true
    }

    /// Whether `method` may run for `caller` now (the call that crosses the limit completes;
    /// the next one is refused).
    pub fn may_operate(&mut self, caller: &str, method: &str, now: f64) -> bool {
        let Some(limit) = self.operating_limit else { return true };
        let minute = (now / 60.0).floor() as i64;
        match self.operating.get_mut(&(caller.to_string(), method.to_string())) {
            Some(op) => {
                op.trim(minute);
                op.sum() < limit
            }
            None => true,
        }
    }

    /// Charge `seconds` of execution to `(caller, method)` and report the running totals.
    pub fn charge(&mut self, caller: &str, method: &str, seconds: f64, now: f64) -> Option<OperatingInfo> {
        self.operating_limit?;
        let minute = (now / 60.0).floor() as i64;
        let op = self.operating.entry((caller.to_string(), method.to_string())).or_default();
        op.trim(minute);
        let cost = seconds + self.operating_cost;
        match op.minutes.back_mut() {
            Some((m, s)) if *m == minute => *s += cost,
            _ => op.minutes.push_back((minute, cost)),
        }
        let oldest = op.minutes.front().map(|(m, _)| *m).unwrap_or(minute);
        Some(OperatingInfo { operating: op.sum(), reset_at: (oldest + 10) * 60 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_refuses_past_burst() {
        let mut l = Limits::new(Some(RateLimit { per_second: 0.001, burst: 50.0 }), None);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        assert!((0..50).all(|_| l.admit(ip)));
        assert!(!l.admit(ip));
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        assert!(l.admit(other));
    }

    #[test]
    fn operating_budget_blocks_the_next_call() {
        let mut l = Limits::new(None, Some(1.0));
        assert!(l.may_operate("hook", "crm.deal.list", 600.0));
        l.charge("hook", "crm.deal.list", 1.5, 600.0);
        assert!(!l.may_operate("hook", "crm.deal.list", 601.0));
        assert!(l.may_operate("hook", "crm.lead.list", 601.0));
        // Ten minutes later the bucket has dropped out.
        assert!(l.may_operate("hook", "crm.deal.list", 1200.0));
    }

    #[test]
    fn parses_rate_limits() {
        assert_eq!(RateLimit::parse("2/50").unwrap(), RateLimit { per_second: 2.0, burst: 50.0 });
        assert!(RateLimit::parse("2").is_err());
        assert!(RateLimit::parse("x/50").is_err());
    }
}
