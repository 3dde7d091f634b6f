//! The list engine shared by every `*.list` method: filter, order, 50-row pages with
//! `start`/`next`/`total`, the `start=-1` fast mode, and `select`.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::error::ApiError;
use super::fields::{Entity, Field};
use super::filter::{self, Grammar};
use super::params::{as_int, as_string};
use super::value::{Family, Val};
use crate::company::Company;

pub const PAGE: usize = 50;

/// How a method names fields on the way in (filter, select, order) and out (row keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Naming {
    Upper,
    Camel,
}

pub struct ListSpec<'a, T: Entity> {
    pub rows: &'a [T],
    pub fields: &'a [Field<T>],
    pub input: Naming,
    pub output: Naming,
    pub family: Family,
    pub grammar: Grammar,
    /// Unknown filter fields are an error (crm.item.list) rather than ignored.
    pub strict: bool,
    /// Default order when the request has none: field name and ascending.
    pub default_order: (&'static str, bool),
    /// Whether `select` absent means `*` plus `UF_*`.
    pub default_custom: bool,
}

pub struct Page {
    pub rows: Vec<Value>,
    /// `None` in fast mode (`start=-1`), where the wire shows `total: 0`.
    pub total: Option<usize>,
    pub next: Option<usize>,
}

pub struct ListRequest<'a> {
    pub filter: Option<&'a Value>,
    pub select: Option<&'a Value>,
    pub order: Option<&'a Value>,
    pub start: Option<&'a Value>,
}

impl<'a> ListRequest<'a> {
    pub fn from_params(p: &'a Map<String, Value>) -> Self {
        ListRequest { filter: p.get("filter"), select: p.get("select"), order: p.get("order"), start: p.get("start") }
    }
}

fn name_of<T>(f: &Field<T>, naming: Naming) -> &'static str {
    match naming {
        Naming::Upper => f.upper,
        Naming::Camel => f.camel,
    }
}

impl<T: Entity> ListSpec<'_, T> {
    pub fn resolve(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| name_of(f, self.input) == name)
    }

    pub fn select(&self, select: Option<&Value>) -> Vec<usize> {
        let names: Vec<String> = match select {
            None => {
                let mut v = vec!["*".to_string()];
                if self.default_custom {
                    v.push("UF_*".into());
                }
                v
            }
            Some(Value::Array(items)) => items.iter().filter_map(as_string).collect(),
            Some(Value::Object(map)) => map.values().filter_map(as_string).collect(),
            Some(other) => as_string(other).into_iter().collect(),
        };
        let mut out = vec![0usize];
        let add = |i: usize, out: &mut Vec<usize>| {
            if !out.contains(&i) {
                out.push(i);
            }
        };
        for name in &names {
            match name.as_str() {
                "*" => (0..self.fields.len()).filter(|&i| self.fields[i].star).for_each(|i| add(i, &mut out)),
                "UF_*" | "uf*" | "ufCrm*" => (0..self.fields.len()).filter(|&i| self.fields[i].custom).for_each(|i| add(i, &mut out)),
                n => {
                    if let Some(i) = self.resolve(n) {
                        add(i, &mut out);
                    }
                }
            }
        }
        out.sort_unstable();
        out
    }

    pub fn render(&self, row: &T, selected: &[usize], c: &Company) -> Value {
        let mut map = Map::new();
        for &i in selected {
            let f = &self.fields[i];
            map.insert(name_of(f, self.output).to_string(), (f.get)(row, c).render(self.family, c.tz, f.zero_if_null));
        }
        Value::Object(map)
    }

    fn order(&self, order: Option<&Value>) -> Vec<(usize, bool)> {
        let mut out = Vec::new();
        if let Some(Value::Object(map)) = order {
            for (k, v) in map {
                if let Some(i) = self.resolve(k) {
                    let asc = !as_string(v).map(|s| s.eq_ignore_ascii_case("DESC")).unwrap_or(false);
                    out.push((i, asc));
                }
            }
        }
        if out.is_empty() {
            let (name, asc) = self.default_order;
            if let Some(i) = self.resolve(name) {
                out.push((i, asc));
            }
        }
        out
    }

    /// Run a list request over the rows (kept sorted by id).
    pub fn run(&self, req: &ListRequest, c: &Company) -> Result<Page, ApiError> {
        let filter_map = match req.filter {
            None => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(Value::Array(a)) if a.is_empty() => Map::new(),
            Some(Value::String(s)) if s.is_empty() => Map::new(),
            Some(_) => return Err(ApiError::legacy("Parameter 'filter' must be array.")),
        };
        let cond = filter::compile(&filter_map, self.grammar, self.strict, &|n| self.resolve(n))
            .map_err(|e| ApiError::new(400, "INVALID_ARG_VALUE", &format!("Invalid filter: field '{}' is not allowed in filter", e.0)))?;
        let order = self.order(req.order);
        let selected = self.select(req.select);
        let fast = req.start.and_then(as_int).map(|s| s < 0).unwrap_or(false);
        let start = req.start.and_then(as_int).unwrap_or(0).max(0) as usize;
        let tz = c.tz;
        let keep = |row: &T| row.alive() && cond.eval(tz, &|i| (self.fields[i].get)(row, c));

        let id_only = order.len() == 1 && order[0].0 == 0;
        let mut page_rows: Vec<&T> = Vec::new();
        let mut total = 0usize;
        if id_only {
            let (lo, hi) = cond.id_bounds(0);
            let begin = self.rows.partition_point(|r| i64::from(r.id()) < lo);
            let end = self.rows.partition_point(|r| i64::from(r.id()) <= hi).max(begin);
            let slice = &self.rows[begin..end];
            let iter: Box<dyn Iterator<Item = &T>> = if order[0].1 { Box::new(slice.iter()) } else { Box::new(slice.iter().rev()) };
            for row in iter.filter(|r| keep(r)) {
                if fast {
                    page_rows.push(row);
                    if page_rows.len() == PAGE {
                        break;
                    }
                    continue;
                }
                if total >= start && total < start + PAGE {
                    page_rows.push(row);
                }
                total += 1;
            }
        } else {
            let mut matched: Vec<&T> = self.rows.iter().filter(|r| keep(r)).collect();
            let keys = |row: &T| order.iter().map(|(i, _)| (self.fields[*i].get)(row, c)).collect::<Vec<_>>();
            matched.sort_by(|a, b| {
                let (ka, kb) = (keys(a), keys(b));
                for ((x, y), (_, asc)) in ka.iter().zip(&kb).zip(&order) {
                    let o = cmp_val(x, y);
                    if o != Ordering::Equal {
                        return if *asc { o } else { o.reverse() };
                    }
                }
                a.id().cmp(&b.id())
            });
            total = matched.len();
            page_rows = if fast { matched.into_iter().take(PAGE).collect() } else { matched.into_iter().skip(start).take(PAGE).collect() };
        }
        let rows = page_rows.into_iter().map(|r| self.render(r, &selected, c)).collect();
        if fast {
            return Ok(Page { rows, total: None, next: None });
        }
        let next = (start + PAGE < total).then_some(start + PAGE);
        Ok(Page { rows, total: Some(total), next })
    }
}

pub fn cmp_val(a: &Val, b: &Val) -> Ordering {
    use Val::*;
    match (a, b) {
        (Null, Null) => Ordering::Equal,
        (Null, _) => Ordering::Less,
        (_, Null) => Ordering::Greater,
        (Int(x), Int(y)) | (Money(x), Money(y)) | (Time(x), Time(y)) => x.cmp(y),
        (Date(x), Date(y)) => x.cmp(y),
        (Bool(x), Bool(y)) => x.cmp(y),
        (Str(x), Str(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}
