//! Faults on demand, for reliability tests: a share of requests fails with 500 or 503,
//! answers slowly, drops the connection, or sends a truncated body.

use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultSpec {
    pub error_500: f64,
    pub error_503: f64,
    pub slow: f64,
    pub slow_by: Duration,
    pub drop: f64,
    pub truncate: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    Error500 { html: bool },
    Error503,
    Slow(Duration),
    Drop,
    Truncate,
}

impl FaultSpec {
    /// Parse `500=0.05,503=0.02,slow=0.01:1500ms,drop=0.01,truncate=0.01`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut spec = FaultSpec { slow_by: Duration::from_millis(1500), ..Default::default() };
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part.split_once('=').ok_or_else(|| format!("fault `{part}`: expected NAME=RATE"))?;
            let (rate, extra) = match value.split_once(':') {
                Some((r, e)) => (r, Some(e)),
                None => (value, None),
            };
            let rate: f64 = rate.parse().map_err(|_| format!("fault `{part}`: `{rate}` is not a number"))?;
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("fault `{part}`: rate must be between 0 and 1"));
            }
            match name {
                "500" => spec.error_500 = rate,
                "503" => spec.error_503 = rate,
                "drop" => spec.drop = rate,
                "truncate" => spec.truncate = rate,
                "slow" => {
                    spec.slow = rate;
                    if let Some(e) = extra {
                        let ms: u64 =
                            e.trim_end_matches("ms").parse().map_err(|_| format!("fault `{part}`: delay `{e}` is not milliseconds"))?;
                        spec.slow_by = Duration::from_millis(ms);
                    }
                }
                other => return Err(format!("fault `{other}`: unknown (use 500, 503, slow, drop, truncate)")),
            }
        }
        Ok(spec)
    }

    pub fn is_off(&self) -> bool {
        self.error_500 + self.error_503 + self.slow + self.drop + self.truncate == 0.0
    }
}

#[derive(Debug)]
pub struct Faults {
    pub spec: FaultSpec,
    rng: ChaCha8Rng,
}

impl Faults {
    pub fn new(spec: FaultSpec, seed: u64) -> Self {
        Faults { spec, rng: ChaCha8Rng::seed_from_u64(seed ^ 0xFA17) }
    }

    pub fn roll(&mut self) -> Option<Fault> {
        if self.spec.is_off() {
            return None;
        }
        let x: f64 = self.rng.random();
        let s = &self.spec;
        let mut edge = s.error_500;
        if x < edge {
            return Some(Fault::Error500 { html: self.rng.random_bool(0.5) });
        }
        edge += s.error_503;
        if x < edge {
            return Some(Fault::Error503);
        }
        edge += s.slow;
        if x < edge {
            return Some(Fault::Slow(s.slow_by));
        }
        edge += s.drop;
        if x < edge {
            return Some(Fault::Drop);
        }
        edge += s.truncate;
        if x < edge {
            return Some(Fault::Truncate);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fault_specs() {
        let s = FaultSpec::parse("500=0.05, 503=0.02,slow=0.01:200ms,drop=0.01,truncate=0.03").unwrap();
        assert_eq!(s.error_500, 0.05);
        assert_eq!(s.slow_by, Duration::from_millis(200));
        assert_eq!(s.truncate, 0.03);
        assert!(FaultSpec::parse("404=0.1").is_err());
        assert!(FaultSpec::parse("500=2").is_err());
        assert!(FaultSpec::parse("").unwrap().is_off());
    }

    #[test]
    fn rates_are_roughly_honoured() {
        let mut f = Faults::new(FaultSpec::parse("500=0.1,drop=0.1").unwrap(), 1);
        let hits = (0..10_000).filter(|_| f.roll().is_some()).count();
        assert!((1_700..2_300).contains(&hits), "{hits}");
    }
}
