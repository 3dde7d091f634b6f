//! End to end: the emulator's company synced over real HTTP into a real DuckDB file, the
//! API served over real HTTP; every expected number is computed here from the emulator's
//! dump (an independent model of metrics.md), never by the code under test.

mod model;
mod plans;
mod reports;
