//! A local emulator of the Bitrix24 cloud REST API, serving a generated, realistic company.
//!
//! salesgauge cannot reach a real portal from its tests, so this crate is its Bitrix24: the
//! wire formats, paging, filters, `batch`, limits, errors, OAuth, events and faults follow
//! `shared/reference/bitrix24-api.md`. The generated company (`company`) is deterministic in
//! its seed, size and "today"; `dump` writes it as JSON lines for independent expectations.
//!
//! The emulator shares no code with the product's Bitrix24 client on purpose: a bug in one
//! must not be masked by the same bug in the other.

pub mod auth;
pub mod clock;
pub mod company;
pub mod control;
pub mod dump;
pub mod events;
pub mod faults;
pub mod limits;
pub mod live;
pub mod portal;
pub mod rest;
pub mod server;

pub use company::generate::{GenSettings, generate};
pub use faults::FaultSpec;
pub use limits::RateLimit;
pub use server::{Emulator, EmulatorConfig};
