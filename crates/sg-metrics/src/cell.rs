//! Result cells: what the store hands back for the queries compiled here.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

use crate::MetricsError;

#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    Dec(Decimal),
    Float(f64),
    Text(String),
    /// A UTC instant.
    Time(NaiveDateTime),
    Date(NaiveDate),
}

/// A result set: column names and rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Rows {
    pub fn col(&self, name: &str) -> Result<usize, MetricsError> {
        self.columns.iter().position(|c| c == name).ok_or_else(|| MetricsError::Shape(format!("result has no column `{name}`")))
    }
}

impl Cell {
    pub fn is_null(&self) -> bool {
        matches!(self, Cell::Null)
    }
    pub fn int(&self) -> Option<i64> {
        match self {
            Cell::Int(i) => Some(*i),
            Cell::Dec(d) => d.to_i64(),
            Cell::Float(f) => Some(*f as i64),
            Cell::Text(s) => s.parse().ok(),
            _ => None,
        }
    }
    pub fn dec(&self) -> Option<Decimal> {
        match self {
            Cell::Int(i) => Some(Decimal::from(*i)),
            Cell::Dec(d) => Some(*d),
            Cell::Float(f) => Decimal::from_f64(*f),
            Cell::Text(s) => s.parse().ok(),
            _ => None,
        }
    }
    pub fn float(&self) -> Option<f64> {
        match self {
            Cell::Int(i) => Some(*i as f64),
            Cell::Dec(d) => d.to_f64(),
            Cell::Float(f) => Some(*f),
            _ => None,
        }
    }
    pub fn text(&self) -> Option<String> {
        match self {
            Cell::Text(s) => Some(s.clone()),
            Cell::Int(i) => Some(i.to_string()),
            Cell::Dec(d) => Some(d.to_string()),
            Cell::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
    pub fn time(&self) -> Option<NaiveDateTime> {
        match self {
            Cell::Time(t) => Some(*t),
            Cell::Date(d) => d.and_hms_opt(0, 0, 0),
            _ => None,
        }
    }
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            Cell::Date(d) => Some(*d),
            Cell::Time(t) => Some(t.date()),
            _ => None,
        }
    }
    pub fn bool(&self) -> Option<bool> {
        match self {
            Cell::Bool(b) => Some(*b),
            Cell::Int(i) => Some(*i != 0),
            _ => None,
        }
    }
}
