//! Sync tests over real HTTP against the emulator, with real DuckDB files; expected values
//! come from the emulator's dump, never from the code under test.

mod compare;
mod sync;
