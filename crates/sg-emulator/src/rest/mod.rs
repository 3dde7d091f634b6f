//! The Bitrix24 REST surface: parameter parsing, the list engine, field tables, filters,
//! per-method handlers and `batch`.

pub mod batch;
pub mod error;
pub mod fields;
pub mod filter;
pub mod list;
pub mod methods;
pub mod params;
pub mod value;

pub use error::ApiError;
