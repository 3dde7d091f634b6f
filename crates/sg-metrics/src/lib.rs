//! The metrics layer: pure code, no IO.
//!
//! Every number salesgauge shows is defined once in [`catalogue`] (id, names, description,
//! formula, unit). A typed [`query::Query`] (period, comparison, filters, viewer) compiles
//! into DuckDB SQL; the store runs it and hands the rows back here to be evaluated. Plan
//! math, the working-day calendar and period arithmetic live here too, all unit-tested
//! without a database.

pub mod calendar;
pub mod catalogue;
pub mod cell;
pub mod directory;
pub mod lists;
pub mod period;
pub mod plan;
pub mod query;
pub mod sql;
pub mod zone;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MetricsError {
    /// A query parameter is wrong; the message says which and why.
    #[error("{0}")]
    BadInput(String),
    /// A result set does not have the expected shape (a bug or a schema mismatch).
    #[error("unexpected result shape: {0}")]
    Shape(String),
}
