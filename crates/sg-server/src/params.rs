//! Query-string parameters shared by every report: period, comparison, grain, filters.
//! Unknown parameters are refused by name, so a typo never silently changes nothing.

use chrono::NaiveDate;
use sg_metrics::period::{Compare, Grain, Month, Period};
use sg_metrics::query::Filters;

use crate::error::{ApiError, ApiResult};

pub const FILTER_KEYS: [&str; 9] =
    ["funnel", "department", "employee", "source", "deal_type", "stage", "utm_source", "utm_medium", "utm_campaign"];
const PERIOD_KEYS: [&str; 5] = ["from", "to", "month", "compare", "grain"];

/// Parsed query pairs (repeated keys and comma-separated lists both work).
#[derive(Debug)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Refuse keys that are neither common nor in `extra`.
    pub fn new(pairs: Vec<(String, String)>, extra: &[&str]) -> ApiResult<Params> {
        for (k, _) in &pairs {
            if !FILTER_KEYS.contains(&k.as_str()) && !PERIOD_KEYS.contains(&k.as_str()) && !extra.contains(&k.as_str()) {
                let mut allowed: Vec<&str> = PERIOD_KEYS.iter().chain(FILTER_KEYS.iter()).chain(extra.iter()).copied().collect();
                allowed.sort();
                return Err(ApiError::bad(format!("unknown parameter `{k}` (allowed: {})", allowed.join(", "))));
            }
        }
        Ok(Params { pairs })
    }

    pub fn one(&self, key: &str) -> Option<&str> {
        self.pairs.iter().rev().find(|(k, v)| k == key && !v.is_empty()).map(|(_, v)| v.as_str())
    }

    pub fn list(&self, key: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }

    fn ids(&self, key: &str) -> ApiResult<Vec<i64>> {
        self.list(key).iter().map(|s| s.parse().map_err(|_| ApiError::bad(format!("{key}: `{s}` is not an id")))).collect()
    }

    pub fn filters(&self) -> ApiResult<Filters> {
        Ok(Filters {
            funnels: self.ids("funnel")?,
            departments: self.ids("department")?,
            employees: self.ids("employee")?,
            sources: self.list("source"),
            deal_types: self.list("deal_type"),
            stages: self.list("stage"),
            utm_source: self.list("utm_source"),
            utm_medium: self.list("utm_medium"),
            utm_campaign: self.list("utm_campaign"),
        })
    }

    fn date(&self, key: &str) -> ApiResult<Option<NaiveDate>> {
        self.one(key).map(|s| s.parse().map_err(|_| ApiError::bad(format!("{key}: `{s}` is not a date (YYYY-MM-DD)")))).transpose()
    }

    pub fn month(&self, key: &str) -> ApiResult<Option<Month>> {
        self.one(key).map(|s| s.parse::<Month>().map_err(|e| ApiError::bad(format!("{key}: {e}")))).transpose()
    }

    /// `from`/`to`, or `month`, or the month of `today`.
    pub fn period(&self, today: NaiveDate) -> ApiResult<Period> {
        if let Some(m) = self.month("month")? {
            return Ok(m.period());
        }
        match (self.date("from")?, self.date("to")?) {
            (Some(from), Some(to)) => Ok(Period::new(from, to)?),
            (None, None) => Ok(Month::of(today).period()),
            _ => Err(ApiError::bad("give both `from` and `to` (YYYY-MM-DD), or `month` (YYYY-MM)")),
        }
    }

    pub fn compare(&self) -> ApiResult<Compare> {
        Ok(self.one("compare").map(str::parse).transpose()?.unwrap_or_default())
    }

    /// `grain`, or a sensible one for the period's length.
    pub fn grain(&self, p: Period) -> ApiResult<Grain> {
        Ok(match self.one("grain") {
            Some(g) => g.parse()?,
            None if p.days() <= 45 => Grain::Day,
            None if p.days() <= 190 => Grain::Week,
            None if p.days() <= 800 => Grain::Month,
            None => Grain::Quarter,
        })
    }

    pub fn flag(&self, key: &str) -> ApiResult<bool> {
        match self.one(key) {
            None => Ok(false),
            Some("1" | "true" | "yes") => Ok(true),
            Some("0" | "false" | "no") => Ok(false),
            Some(v) => Err(ApiError::bad(format!("{key}: `{v}` is not true/false"))),
        }
    }

    pub fn number(&self, key: &str, default: u32, max: u32) -> ApiResult<u32> {
        match self.one(key) {
            None => Ok(default),
            Some(v) => match v.parse::<u32>() {
                Ok(n) if n <= max => Ok(n),
                _ => Err(ApiError::bad(format!("{key}: `{v}` is not a whole number 0…{max}"))),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(q: &[(&str, &str)], extra: &[&str]) -> ApiResult<Params> {
        Params::new(q.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(), extra)
    }

    #[test]
    fn lists_periods_and_refusals() {
        let x = p(&[("employee", "1,2"), ("employee", "3"), ("source", "WEB"), ("month", "2026-02")], &[]).unwrap();
        assert_eq!(x.filters().unwrap().employees, vec![1, 2, 3]);
        assert_eq!(x.period("2026-11-20".parse().unwrap()).unwrap().to.to_string(), "2026-02-28");
        assert!(p(&[("employe", "1")], &[]).unwrap_err().message.contains("unknown parameter `employe`"));
        assert!(p(&[("employee", "x")], &[]).unwrap().filters().is_err());
        assert!(p(&[("from", "2026-01-01")], &[]).unwrap().period("2026-11-20".parse().unwrap()).is_err());
        let q = p(&[("from", "2026-01-01"), ("to", "2026-01-20")], &[]).unwrap();
        assert_eq!(q.grain(q.period("2026-11-20".parse().unwrap()).unwrap()).unwrap(), Grain::Day);
    }
}
