//! The store: the only code that opens DuckDB.
//!
//! One DuckDB file holds the normalised copy of the portal, the derived deal facts, sync
//! checkpoints and status. Writers hand in `Change`s (rows as text cells in a table's column
//! order, plus deletions) together with the checkpoints they cover; `Store::apply` writes
//! them in one transaction, so a crash leaves either all of it or none.

pub mod plans;
pub mod read;
mod scale;
pub mod schema;

use std::path::{Path, PathBuf};

use duckdb::{AccessMode, Config, Connection, params, params_from_iter};

pub use plans::{AuditEntry, PlanEdit};
pub use read::Reader;
pub use schema::Table;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store {path}: {source}")]
    Open { path: PathBuf, source: duckdb::Error },
    #[error("store migration {version}: {source}")]
    Migration { version: u32, source: duckdb::Error },
    #[error("writing {table}: {source}")]
    Write { table: String, source: duckdb::Error },
    #[error("store query failed: {0}")]
    Query(#[from] duckdb::Error),
    #[error("query failed: {source}\n  in: {sql}")]
    Sql { sql: String, source: duckdb::Error },
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("row for {table} has {got} cells, the table has {want} columns")]
    Shape { table: String, got: usize, want: usize },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Rows to upsert into one table (by its key, the first column) and keys to delete.
pub struct Change {
    pub table: &'static Table,
    pub rows: Vec<Vec<Option<String>>>,
    pub deletes: Vec<String>,
    /// Delete every row first (small directories are replaced whole).
    pub replace: bool,
    /// Delete rows whose `column` is one of these values first (e.g. a deal's comments).
    pub delete_where: Option<(&'static str, Vec<String>)>,
}

impl Change {
    pub fn upsert(table: &'static Table, rows: Vec<Vec<Option<String>>>) -> Self {
        Change { table, rows, deletes: Vec::new(), replace: false, delete_where: None }
    }
    pub fn delete(table: &'static Table, keys: Vec<String>) -> Self {
        Change { table, rows: Vec::new(), deletes: keys, replace: false, delete_where: None }
    }
    pub fn replace_all(table: &'static Table, rows: Vec<Vec<Option<String>>>) -> Self {
        Change { replace: true, ..Change::upsert(table, rows) }
    }
}

/// Where the sync of one entity stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub entity: String,
    /// `full` while a full scan is under way, `incremental` after it finished.
    pub phase: String,
    /// Last id written by the current scan.
    pub cursor_id: i64,
    /// Unix seconds: rows modified at or after this instant are fetched next time.
    pub watermark: Option<i64>,
    /// Unix seconds (server clock) when the current full scan started.
    pub scan_started_at: Option<i64>,
}

/// Per-entity sync status for `salesgauge status` and the UI.
#[derive(Clone, Debug, PartialEq)]
pub struct EntityStatus {
    pub entity: String,
    pub rows: i64,
    pub last_success_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    pub phase: Option<String>,
}

/// Meta key: our wall clock (unix seconds) at the last successful entity sync.
pub const LAST_SYNC_WALL: &str = "last_sync_wall";
/// Meta key: the portal's clock (unix seconds) at the last successful entity sync — the data's "now".
pub const LAST_SYNC_DATA: &str = "last_sync_data";
/// Meta key: changes whenever the working-day calendar is edited.
pub const CALENDAR_VERSION: &str = "calendar_version";

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// No extension is ever downloaded or loaded: the store works offline with the bundled core,
/// so time-zone work (ICU) stays in Rust and instants are stored and compared as UTC.
fn base_config(path: &Path) -> Result<Config> {
    let open_err = |source| StoreError::Open { path: path.into(), source };
    Config::default().enable_autoload_extension(false).map_err(open_err)?.with("autoinstall_known_extensions", "false").map_err(open_err)
}

fn cast_expr(column: &str, ty: &str) -> String {
    match ty {
        "INTEGER[]" | "VARCHAR[]" => {
            format!("CASE WHEN {column} IS NULL OR {column} = '' THEN CAST([] AS {ty}) ELSE CAST(string_split({column}, ',') AS {ty}) END")
        }
        "VARCHAR" => column.to_string(),
        // `2026-01-10T09:00:00Z` → `2026-01-10 09:00:00` (UTC).
        "TIMESTAMP" => format!("CAST(rtrim(replace({column}, 'T', ' '), 'Z') AS TIMESTAMP)"),
        _ => format!("CAST({column} AS {ty})"),
    }
}

impl Store {
    /// Open (or create) the store file and apply pending migrations.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Open { path: path.into(), source: duckdb::Error::ToSqlConversionFailure(Box::new(e)) })?;
        }
        let conn =
            Connection::open_with_flags(path, base_config(path)?).map_err(|source| StoreError::Open { path: path.into(), source })?;
        let mut store = Store { conn, path: path.into() };
        store.migrate()?;
        Ok(store)
    }

    /// Open an existing store for reading only (another process may hold it for writing).
    pub fn open_read_only(path: &Path) -> Result<Store> {
        let config =
            base_config(path)?.access_mode(AccessMode::ReadOnly).map_err(|source| StoreError::Open { path: path.into(), source })?;
        let conn = Connection::open_with_flags(path, config).map_err(|source| StoreError::Open { path: path.into(), source })?;
        Ok(Store { conn, path: path.into() })
    }

    /// A read connection to the same database (sees every committed write).
    pub fn reader(&self) -> Result<Reader> {
        Ok(Reader { conn: self.conn.try_clone()? })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn migrate(&mut self) -> Result<()> {
        self.conn
            .execute_batch("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER, applied_at BIGINT)")
            .map_err(|source| StoreError::Migration { version: 0, source })?;
        let current: i64 = self.conn.query_row("SELECT coalesce(max(version), 0) FROM schema_migrations", [], |r| r.get(0))?;
        for (version, sql) in schema::migrations() {
            if i64::from(version) <= current {
                continue;
            }
            let tx = self.conn.transaction()?;
            tx.execute_batch(&sql).map_err(|source| StoreError::Migration { version, source })?;
            tx.execute("INSERT INTO schema_migrations VALUES (?, ?)", params![version, unix_now()])
                .map_err(|source| StoreError::Migration { version, source })?;
            tx.commit()?;
        }
        Ok(())
    }

    /// Recompute the derived facts of every deal (after currency rates changed).
    pub fn refresh_all_facts(&mut self) -> Result<()> {
        let ids = self.keys(&schema::DEALS)?;
        self.apply(&[], &[], &ids)
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT coalesce(max(version), 0) FROM schema_migrations", [], |r| r.get(0))?)
    }

    /// Write changes, recompute the facts of the affected deals and save checkpoints, all in
    /// one transaction.
    pub fn apply(&mut self, changes: &[Change], checkpoints: &[Checkpoint], affected_deals: &[i64]) -> Result<()> {
        let tx = self.conn.transaction()?;
        for change in changes {
            let t = change.table;
            let werr = |source| StoreError::Write { table: t.name.to_string(), source };
            let stage = format!("stage_{}", t.name);
            let cols: Vec<String> = t.columns.iter().map(|(c, _)| format!("{c} VARCHAR")).collect();
            tx.execute_batch(&format!("CREATE TEMP TABLE IF NOT EXISTS {stage} ({}); DELETE FROM {stage};", cols.join(", ")))
                .map_err(werr)?;
            if change.replace {
                tx.execute_batch(&format!("DELETE FROM {}", t.name)).map_err(werr)?;
            }
            if let Some((column, values)) = change.delete_where.as_ref().filter(|(_, v)| !v.is_empty()) {
                let ty = t.columns.iter().find(|(c, _)| c == column).map(|(_, ty)| *ty).unwrap_or("VARCHAR");
                let values_sql = vec!["(?)"; values.len()].join(",");
                tx.execute(
                    &format!("DELETE FROM {} WHERE {column} IN (SELECT CAST(x AS {ty}) FROM (VALUES {values_sql}) v(x))", t.name),
                    params_from_iter(values.iter()),
                )
                .map_err(werr)?;
            }
            if !change.rows.is_empty() {
                {
                    let mut app = tx.appender(&stage).map_err(werr)?;
                    for row in &change.rows {
                        if row.len() != t.columns.len() {
                            return Err(StoreError::Shape { table: t.name.into(), got: row.len(), want: t.columns.len() });
                        }
                        app.append_row(duckdb::appender_params_from_iter(row.iter())).map_err(werr)?;
                    }
                    app.flush().map_err(werr)?;
                }
                let (key, key_ty) = t.columns[0];
                let names: Vec<&str> = t.columns.iter().map(|(c, _)| *c).collect();
                let casts: Vec<String> = t.columns.iter().map(|(c, ty)| cast_expr(c, ty)).collect();
                tx.execute_batch(&format!(
                    "DELETE FROM {tbl} WHERE {key} IN (SELECT {kc} FROM {stage});
                     INSERT INTO {tbl} ({names}) SELECT {casts} FROM (SELECT DISTINCT ON ({key}) * FROM {stage}) s;",
                    tbl = t.name,
                    kc = cast_expr(key, key_ty),
                    names = names.join(", "),
                    casts = casts.join(", "),
                ))
                .map_err(werr)?;
            }
            if !change.deletes.is_empty() {
                let (key, key_ty) = t.columns[0];
                let placeholders = vec!["?"; change.deletes.len()].join(",");
                tx.execute(
                    &format!(
                        "DELETE FROM {} WHERE {key} IN (SELECT CAST(x AS {key_ty}) FROM (VALUES {}) v(x))",
                        t.name,
                        placeholders.replace('?', "(?)")
                    ),
                    params_from_iter(change.deletes.iter()),
                )
                .map_err(werr)?;
                if t.name == "deals" {
                    tx.execute(
                        &format!(
                            "DELETE FROM deal_facts WHERE deal_id IN (SELECT CAST(x AS INTEGER) FROM (VALUES {}) v(x))",
                            placeholders.replace('?', "(?)")
                        ),
                        params_from_iter(change.deletes.iter()),
                    )
                    .map_err(werr)?;
                }
            }
        }
        if !affected_deals.is_empty() {
            let werr = |source| StoreError::Write { table: "deal_facts".into(), source };
            tx.execute_batch("CREATE TEMP TABLE IF NOT EXISTS affected (id INTEGER); DELETE FROM affected;").map_err(werr)?;
            {
                let mut app = tx.appender("affected").map_err(werr)?;
                for id in affected_deals {
                    app.append_row(params![*id]).map_err(werr)?;
                }
                app.flush().map_err(werr)?;
            }
            tx.execute_batch(FACTS_SQL).map_err(werr)?;
            tx.execute_batch(VISITS_SQL).map_err(werr)?;
        }
        for c in checkpoints {
            let werr = |source| StoreError::Write { table: "sync_checkpoints".into(), source };
            tx.execute("DELETE FROM sync_checkpoints WHERE entity = ?", params![c.entity]).map_err(werr)?;
            tx.execute(
                "INSERT INTO sync_checkpoints VALUES (?, ?, ?, ?, ?, ?)",
                params![c.entity, c.phase, c.cursor_id, c.watermark, c.scan_started_at, unix_now()],
            )
            .map_err(werr)?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn checkpoint(&self, entity: &str) -> Result<Option<Checkpoint>> {
        let mut stmt =
            self.conn.prepare("SELECT entity, phase, cursor_id, watermark, scan_started_at FROM sync_checkpoints WHERE entity = ?")?;
        let mut rows = stmt.query(params![entity])?;
        match rows.next()? {
            Some(r) => Ok(Some(Checkpoint {
                entity: r.get(0)?,
                phase: r.get(1)?,
                cursor_id: r.get(2)?,
                watermark: r.get(3)?,
                scan_started_at: r.get(4)?,
            })),
            None => Ok(None),
        }
    }

    /// Forget every checkpoint (the next sync is a full one).
    pub fn reset_checkpoints(&mut self) -> Result<()> {
        self.conn.execute("DELETE FROM sync_checkpoints", [])?;
        Ok(())
    }

    pub fn record_success(&mut self, entity: &str, at: i64, rows: i64) -> Result<()> {
        let error: (Option<String>, Option<i64>) = (None, None);
        self.write_status(entity, Some(at), error, rows)?;
        // `at` is the portal's clock (the data's "now"); freshness needs our own clock.
        let data = self.meta(LAST_SYNC_DATA)?.and_then(|v| v.parse::<i64>().ok()).map_or(at, |v| v.max(at));
        self.set_meta(LAST_SYNC_DATA, &data.to_string())?;
        self.set_meta(LAST_SYNC_WALL, &unix_now().to_string())
    }

    pub fn record_error(&mut self, entity: &str, at: i64, error: &str) -> Result<()> {
        let last = self.status_row(entity)?;
        self.write_status(entity, last.and_then(|s| s.0), (Some(error.to_string()), Some(at)), 0)
    }

    fn status_row(&self, entity: &str) -> Result<Option<(Option<i64>,)>> {
        let mut stmt = self.conn.prepare("SELECT last_success_at FROM sync_status WHERE entity = ?")?;
        let mut rows = stmt.query(params![entity])?;
        Ok(match rows.next()? {
            Some(r) => Some((r.get(0)?,)),
            None => None,
        })
    }

    fn write_status(&mut self, entity: &str, success: Option<i64>, error: (Option<String>, Option<i64>), rows: i64) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM sync_status WHERE entity = ?", params![entity])?;
        tx.execute("INSERT INTO sync_status VALUES (?, ?, ?, ?, ?)", params![entity, success, error.0, error.1, rows])?;
        tx.commit()?;
        Ok(())
    }

    /// Status of every synced table: rows now, last success and error, sync phase.
    pub fn status(&self) -> Result<Vec<EntityStatus>> {
        let mut out = Vec::new();
        for t in schema::SYNCED {
            let rows: i64 = self.conn.query_row(&format!("SELECT count(*) FROM {}", t.name), [], |r| r.get(0))?;
            let mut stmt = self.conn.prepare(
                "SELECT s.last_success_at, s.last_error, s.last_error_at, c.phase FROM (SELECT ? AS entity) e
                 LEFT JOIN sync_status s ON s.entity = e.entity LEFT JOIN sync_checkpoints c ON c.entity = e.entity",
            )?;
            let (last_success_at, last_error, last_error_at, phase) =
                stmt.query_row(params![t.name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            out.push(EntityStatus { entity: t.name.to_string(), rows, last_success_at, last_error, last_error_at, phase });
        }
        Ok(out)
    }

    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM meta WHERE key = ?", params![key])?;
        tx.execute("INSERT INTO meta VALUES (?, ?)", params![key, value])?;
        tx.commit()?;
        Ok(())
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        let mut stmt = self.conn.prepare("SELECT value FROM meta WHERE key = ?")?;
        let mut rows = stmt.query(params![key])?;
        Ok(match rows.next()? {
            Some(r) => r.get(0)?,
            None => None,
        })
    }

    /// All keys of a table, for deletion reconciliation.
    pub fn keys(&self, table: &Table) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare(&format!("SELECT CAST({} AS BIGINT) FROM {} ORDER BY 1", table.key(), table.name))?;
        let rows = stmt.query_map([], |r| r.get::<_, i64>(0))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Run a read query whose columns are all cast to VARCHAR by the caller (tests, status).
    pub fn query_text(&self, sql: &str) -> Result<Vec<Vec<Option<String>>>> {
        let mut stmt = self.conn.prepare(sql)?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let n = r.as_ref().column_count();
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                row.push(r.get::<_, Option<String>>(i)?);
            }
            out.push(row);
        }
        Ok(out)
    }
}

pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Recompute the derived facts (metrics.md, "Deal facts") for the deals in `affected`, with
/// the deal columns reports filter and group by, so report queries read one table.
pub(crate) const FACTS_SQL: &str = "
DELETE FROM deal_facts WHERE deal_id IN (SELECT id FROM affected);
INSERT INTO deal_facts
SELECT d.id,
    round(d.opportunity * c.amount / c.amount_cnt, 2),
    CASE WHEN d.stage_semantic = 'S' THEN coalesce(h.won_h, CAST(d.closedate AS TIMESTAMP)) END,
    CASE WHEN d.stage_semantic = 'F' THEN coalesce(h.lost_h, CAST(d.closedate AS TIMESTAMP)) END,
    coalesce(e.entered, d.moved_at, d.created_at),
    list_max([d.created_at, d.last_activity_at, d.moved_at, a.t, m.t]),
    d.title, d.category_id, d.stage_id, coalesce(d.stage_semantic, 'P'), d.type_id, d.source_id, d.assigned_by_id,
    coalesce(d.is_return_customer, false), d.created_at, d.utm_source, d.utm_medium, d.utm_campaign
FROM deals d
LEFT JOIN currencies c ON c.code = d.currency_id
LEFT JOIN (SELECT owner_id, max(created_at) FILTER (WHERE stage_semantic = 'S') AS won_h,
                  max(created_at) FILTER (WHERE stage_semantic = 'F') AS lost_h
           FROM deal_stage_history WHERE owner_id IN (SELECT id FROM affected) GROUP BY owner_id) h ON h.owner_id = d.id
LEFT JOIN (SELECT x.owner_id, max(x.created_at) AS entered FROM deal_stage_history x JOIN deals y ON y.id = x.owner_id AND y.stage_id = x.stage_id
           WHERE x.owner_id IN (SELECT id FROM affected) GROUP BY x.owner_id) e ON e.owner_id = d.id
LEFT JOIN (SELECT owner_id, max(CASE WHEN completed AND last_updated_at > created_at THEN last_updated_at ELSE created_at END) AS t
           FROM activities WHERE owner_type_id = 2 AND owner_id IN (SELECT id FROM affected) GROUP BY owner_id) a ON a.owner_id = d.id
LEFT JOIN (SELECT entity_id, max(created_at) AS t FROM comments WHERE entity_type = 'deal' AND entity_id IN (SELECT id FROM affected)
           GROUP BY entity_id) m ON m.entity_id = d.id
WHERE d.id IN (SELECT id FROM affected);
";

/// Recompute the completed stage visits of the deals in `affected` (schema version 4).
pub(crate) const VISITS_SQL: &str = "
DELETE FROM deal_stage_visits WHERE deal_id IN (SELECT id FROM affected);
INSERT INTO deal_stage_visits
SELECT owner_id, funnel_id, stage_id, created_at, next_at
FROM (SELECT x.owner_id, x.funnel_id, x.stage_id, x.created_at,
             lead(x.created_at) OVER (PARTITION BY x.owner_id ORDER BY x.created_at, x.id) AS next_at
      FROM deal_stage_history x
      WHERE x.owner_id IN (SELECT id FROM affected) AND x.owner_id IN (SELECT id FROM deals))
WHERE next_at IS NOT NULL;
";

#[cfg(test)]
mod tests {
    use super::*;
    use schema::*;

    fn cells(v: &[Option<&str>]) -> Vec<Option<String>> {
        v.iter().map(|c| c.map(String::from)).collect()
    }

    fn deal(id: &str, stage: &str, sem: &str, amount: &str, currency: &str) -> Vec<Option<String>> {
        let mut row = vec![None; DEALS.columns.len()];
        let set = |row: &mut Vec<Option<String>>, col: &str, v: &str| row[DEALS.index(col).unwrap()] = Some(v.to_string());
        set(&mut row, "id", id);
        set(&mut row, "stage_id", stage);
        set(&mut row, "stage_semantic", sem);
        set(&mut row, "opportunity", amount);
        set(&mut row, "currency_id", currency);
        set(&mut row, "created_at", "2026-01-10T09:00:00Z");
        set(&mut row, "moved_at", "2026-01-12T09:00:00Z");
        set(&mut row, "closedate", "2026-01-31");
        row
    }

    #[test]
    fn upserts_replace_and_facts_follow() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("s.duckdb")).unwrap();
        assert_eq!(s.schema_version().unwrap(), 4);
        let currencies = vec![
            cells(&[Some("RUB"), Some("1"), Some("1.0000"), Some("true")]),
            cells(&[Some("KZT"), Some("100"), Some("18.5000"), Some("false")]),
        ];
        let history = vec![
            cells(&[Some("1"), Some("1"), Some("1"), Some("2026-01-10T09:00:00Z"), Some("0"), Some("NEW"), Some("P")]),
            cells(&[Some("2"), Some("3"), Some("1"), Some("2026-01-15T10:00:00Z"), Some("0"), Some("WON"), Some("S")]),
        ];
        let cp = Checkpoint { entity: "deals".into(), phase: "full".into(), cursor_id: 2, watermark: None, scan_started_at: Some(100) };
        s.apply(
            &[
                Change::upsert(&CURRENCIES, currencies),
                Change::upsert(&DEAL_STAGE_HISTORY, history),
                Change::upsert(&DEALS, vec![deal("1", "WON", "S", "1000.50", "RUB"), deal("2", "NEW", "P", "10000", "KZT")]),
            ],
            std::slice::from_ref(&cp),
            &[1, 2],
        )
        .unwrap();
        let facts = s
            .query_text("SELECT deal_id::VARCHAR, amount_base::VARCHAR, epoch(won_at)::BIGINT::VARCHAR, epoch(stage_entered_at)::BIGINT::VARCHAR FROM deal_facts ORDER BY 1")
            .unwrap();
        // Won at the last transition into S; KZT at 18.5 per 100.
        assert_eq!(facts[0], vec![Some("1".into()), Some("1000.50".into()), Some("1768471200".into()), Some("1768471200".into())]);
        assert_eq!(facts[1][1].as_deref(), Some("1850.00"));
        assert_eq!(facts[1][2], None);
        // No history row for the current stage: MOVED_TIME.
        assert_eq!(facts[1][3].as_deref(), Some("1768208400"));
        assert_eq!(s.checkpoint("deals").unwrap(), Some(cp));

        // Upserting the same key replaces; deleting removes the deal and its facts.
        s.apply(&[Change::upsert(&DEALS, vec![deal("2", "NEW", "P", "20000", "KZT")])], &[], &[2]).unwrap();
        s.apply(&[Change::delete(&DEALS, vec!["1".into()])], &[], &[]).unwrap();
        let rows = s.query_text("SELECT id::VARCHAR, opportunity::VARCHAR FROM deals").unwrap();
        assert_eq!(rows, vec![vec![Some("2".into()), Some("20000.00".into())]]);
        let facts = s.query_text("SELECT deal_id::VARCHAR, amount_base::VARCHAR FROM deal_facts").unwrap();
        assert_eq!(facts, vec![vec![Some("2".into()), Some("3700.00".into())]]);
        assert_eq!(s.keys(&DEALS).unwrap(), vec![2]);
    }

    #[test]
    fn a_failed_write_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("s.duckdb")).unwrap();
        let good = deal("1", "NEW", "P", "10", "RUB");
        let bad = deal("2", "NEW", "P", "not a number", "RUB");
        let cp = Checkpoint { entity: "deals".into(), phase: "full".into(), cursor_id: 2, watermark: None, scan_started_at: None };
        let err = s.apply(&[Change::upsert(&DEALS, vec![good, bad])], &[cp], &[]).unwrap_err();
        assert!(err.to_string().contains("deals"), "{err}");
        assert_eq!(s.query_text("SELECT count(*)::VARCHAR FROM deals").unwrap()[0][0].as_deref(), Some("0"));
        assert_eq!(s.checkpoint("deals").unwrap(), None);
    }

    #[test]
    fn reopening_keeps_data_and_does_not_remigrate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.duckdb");
        {
            let mut s = Store::open(&path).unwrap();
            s.set_meta("portal", "demo").unwrap();
        }
        let s = Store::open(&path).unwrap();
        assert_eq!(s.meta("portal").unwrap().as_deref(), Some("demo"));
        assert_eq!(
            s.query_text("SELECT count(*)::VARCHAR FROM schema_migrations").unwrap()[0][0].as_deref(),
            Some("4"),
            "each migration once"
        );
    }
}
