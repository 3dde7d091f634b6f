//! Bitrix24 → store synchronisation.
//!
//! A pass syncs the directories (replaced whole), then each paged entity: a **full scan**
//! (`start=-1` + `>ID` cursor, 50 chained list commands per `batch`, checkpoint committed with
//! every batch of rows, so a killed sync resumes where it stopped) or, once an entity has been
//! scanned, an **incremental** scan (`>=DATE_MODIFY`-style filters with an overlap window, upsert
//! by id; append-only entities just continue their cursor). Deletions are found by id
//! reconciliation. Bad data fails one entity with an error naming the method, row and field;
//! the other entities go on.

pub mod engine;
pub mod entities;
pub mod events;
pub mod rows;

pub use engine::{EntityOutcome, NoProgress, Options, Progress, Report, SyncError, run_pass};
