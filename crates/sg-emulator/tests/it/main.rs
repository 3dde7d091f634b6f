//! Emulator tests over real HTTP on 127.0.0.1, one binary (see ARCHITECTURE.md).

mod dump_consistency;
mod errors;
mod events;
mod limits;
mod paging;
mod support;
mod wire;
