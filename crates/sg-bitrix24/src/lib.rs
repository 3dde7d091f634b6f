//! A Bitrix24 REST client for a read-mostly sync.
//!
//! - `client`: one portal, one request stream: a client-side leaky bucket mirroring the
//!   portal's (2/s, burst 50 by default), retries with jittered back-off on 503/5xx/timeouts/
//!   broken bodies, waits out `OPERATION_TIME_LIMIT`, refreshes OAuth tokens on `expired_token`.
//! - `query`: PHP-bracket encoding of parameters for `batch` command strings.
//! - `wire`: lenient readers for the per-family value typing (numbers as strings, `""`/null
//!   empties, `[]` for maps, datetimes with offsets).

pub mod client;
pub mod query;
pub mod wire;

pub use client::{Auth, BatchResponse, Client, ClientConfig, ClientError, OAuthCredentials, Response, TokenSink};
