//! Read connections for reports: typed result cells for the SQL the metrics layer compiles.

use chrono::{DateTime, NaiveDate};
use duckdb::Connection;
use duckdb::types::{TimeUnit, ValueRef};
use sg_metrics::cell::{Cell, Rows};

use crate::{Result, StoreError};

/// A connection to the same database as the store (sees every committed write), for one
/// thread at a time. Cheap to create with [`crate::Store::reader`] or [`Reader::try_clone`].
pub struct Reader {
    pub(crate) conn: Connection,
}

impl Reader {
    pub fn try_clone(&self) -> Result<Reader> {
        Ok(Reader { conn: self.conn.try_clone()? })
    }

    /// Run one read query and return its rows as typed cells.
    pub fn rows(&self, sql: &str) -> Result<Rows> {
        let mut stmt = self.conn.prepare(sql).map_err(|e| StoreError::Sql { sql: abbreviate(sql), source: e })?;
        let mut rows = stmt.query([]).map_err(|e| StoreError::Sql { sql: abbreviate(sql), source: e })?;
        let mut out = Rows::default();
        while let Some(r) = rows.next()? {
            let n = r.as_ref().column_count();
            if out.columns.is_empty() {
                out.columns = (0..n).map(|i| r.as_ref().column_name(i).map(|s| s.to_string()).unwrap_or_default()).collect();
            }
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                row.push(cell(r.get_ref(i)?));
            }
            out.rows.push(row);
        }
        if out.columns.is_empty() {
            let st =
                rows.as_ref().map(|s| (0..s.column_count()).map(|i| s.column_name(i).map(|s| s.to_string()).unwrap_or_default()).collect());
            out.columns = st.unwrap_or_default();
        }
        Ok(out)
    }
}

fn abbreviate(sql: &str) -> String {
    let one_line: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.len() > 300 {
        format!("{}…", &one_line[..one_line.char_indices().nth(300).map(|(i, _)| i).unwrap_or(one_line.len())])
    } else {
        one_line
    }
}

fn cell(v: ValueRef<'_>) -> Cell {
    match v {
        ValueRef::Null => Cell::Null,
        ValueRef::Boolean(b) => Cell::Bool(b),
        ValueRef::TinyInt(i) => Cell::Int(i.into()),
        ValueRef::SmallInt(i) => Cell::Int(i.into()),
        ValueRef::Int(i) => Cell::Int(i.into()),
        ValueRef::BigInt(i) => Cell::Int(i),
        ValueRef::HugeInt(i) => i64::try_from(i).map(Cell::Int).unwrap_or(Cell::Float(i as f64)),
        ValueRef::UTinyInt(i) => Cell::Int(i.into()),
        ValueRef::USmallInt(i) => Cell::Int(i.into()),
        ValueRef::UInt(i) => Cell::Int(i.into()),
        ValueRef::UBigInt(i) => i64::try_from(i).map(Cell::Int).unwrap_or(Cell::Float(i as f64)),
        ValueRef::Float(f) => Cell::Float(f.into()),
        ValueRef::Double(f) => Cell::Float(f),
        ValueRef::Decimal(d) => d.to_string().parse().map(Cell::Dec).unwrap_or_else(|_| Cell::Text(d.to_string())),
        ValueRef::Timestamp(unit, v) => {
            let micros = match unit {
                TimeUnit::Second => v.saturating_mul(1_000_000),
                TimeUnit::Millisecond => v.saturating_mul(1_000),
                TimeUnit::Microsecond => v,
                TimeUnit::Nanosecond => v / 1_000,
            };
            DateTime::from_timestamp_micros(micros).map(|t| Cell::Time(t.naive_utc())).unwrap_or(Cell::Null)
        }
        ValueRef::Date32(days) => NaiveDate::from_ymd_opt(1970, 1, 1)
            .and_then(|e| e.checked_add_signed(chrono::Duration::days(days.into())))
            .map(Cell::Date)
            .unwrap_or(Cell::Null),
        ValueRef::Text(b) => Cell::Text(String::from_utf8_lossy(b).into_owned()),
        other => Cell::Text(format!("{other:?}")),
    }
}
