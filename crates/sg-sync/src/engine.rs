//! One sync pass: directories, paged entities (full or incremental), comments, deletions.

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use sg_bitrix24::{BatchResponse, Client, ClientError, query};
use sg_store::schema::*;
use sg_store::{Change, Checkpoint, Store, StoreError};

use crate::entities::{DEALS_SPEC, PAGED, Paged};
use crate::rows::{self, Row, StatusRow};

/// Rows per list page (fixed by Bitrix24) and commands per batch.
const PAGE: usize = 50;
const COMMANDS: usize = 50;
/// Deals per `crm.timeline.comment.list` command (the filter takes a list of ids).
const COMMENT_CHUNK: usize = 20;

#[derive(Clone, Debug)]
pub struct Options {
    /// Seconds subtracted from the watermark so changes saved around the pass start are not
    /// missed (server clocks and commits are not instantaneous).
    pub overlap: i64,
    /// Compare ids with the portal to find deletions.
    pub reconcile: bool,
    /// Start a new full scan of every entity (an interrupted one is resumed, not restarted).
    pub full: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { overlap: 300, reconcile: false, full: false }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{method}: malformed {entity} row {row}: {source}")]
    Malformed { method: String, entity: String, row: String, source: sg_bitrix24::wire::FieldError },
    #[error("{method}: {detail}")]
    Protocol { method: String, detail: String },
}

/// Progress of a pass, for progress bars.
pub trait Progress: Send + Sync {
    fn begin(&self, entity: &str, total: Option<u64>);
    fn advance(&self, entity: &str, rows: u64);
    fn end(&self, entity: &str, outcome: &EntityOutcome);
}

pub struct NoProgress;

impl Progress for NoProgress {
    fn begin(&self, _: &str, _: Option<u64>) {}
    fn advance(&self, _: &str, _: u64) {}
    fn end(&self, _: &str, _: &EntityOutcome) {}
}

#[derive(Clone, Debug, PartialEq)]
pub struct EntityOutcome {
    pub entity: String,
    pub rows: u64,
    pub deleted: u64,
    pub error: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Report {
    /// Server clock at the start of the pass (unix seconds).
    pub server_time: i64,
    pub entities: Vec<EntityOutcome>,
}

impl Report {
    pub fn errors(&self) -> Vec<&EntityOutcome> {
        self.entities.iter().filter(|e| e.error.is_some()).collect()
    }
    pub fn rows(&self) -> u64 {
        self.entities.iter().map(|e| e.rows).sum()
    }
}

fn iso(ts: i64) -> String {
    DateTime::<Utc>::from_timestamp(ts, 0).unwrap_or_default().to_rfc3339_opts(SecondsFormat::Secs, false)
}

struct Pass<'a> {
    client: &'a Client,
    store: &'a mut Store,
    progress: &'a dyn Progress,
    options: &'a Options,
    start: i64,
    /// Deals whose rows or activity changed in this pass (for comments).
    touched_deals: BTreeSet<i64>,
}

/// Run one pass. Entity errors are recorded and reported; only failures that stop the whole
/// pass (the portal unreachable for the directories) return `Err`.
pub async fn run_pass(client: &Client, store: &mut Store, options: &Options, progress: &dyn Progress) -> Result<Report, SyncError> {
    if options.full {
        // Finished scans start over; an interrupted full scan resumes from its cursor.
        for name in PAGED.iter().map(|s| s.name).chain(["comments"]) {
            if let Some(cp) = store.checkpoint(name)?.filter(|cp| cp.phase != "full") {
                store.apply(&[], &[Checkpoint { phase: "full".into(), cursor_id: 0, scan_started_at: None, ..cp }], &[])?;
            }
        }
    }
    let mut pass = Pass { client, store, progress, options, start: 0, touched_deals: BTreeSet::new() };
    let mut outcomes = Vec::new();
    let directories = pass.directories().await;
    let dir_outcome = pass.outcome("directories", directories);
    let fatal = dir_outcome.error.clone();
    outcomes.push(dir_outcome);
    if let Some(e) = fatal {
        return Err(SyncError::Protocol { method: "directories".into(), detail: e });
    }
    pass.count_totals().await;
    for spec in PAGED {
        let r = pass.paged(spec).await;
        outcomes.push(pass.outcome(spec.name, r));
    }
    let r = pass.comments().await;
    outcomes.push(pass.outcome("comments", r));
    if options.reconcile {
        for spec in PAGED.iter().filter(|s| s.reconcile) {
            let r = pass.reconcile(spec).await.map(|deleted| (0, deleted));
            let mut o = pass.outcome(&format!("{}:deletions", spec.name), r);
            o.entity = spec.name.to_string();
            if let Some(existing) = outcomes.iter_mut().find(|x| x.entity == spec.name) {
                existing.deleted = o.deleted;
                if existing.error.is_none() {
                    existing.error = o.error;
                }
            }
        }
    }
    let at = pass.start;
    for o in &outcomes {
        if o.error.is_none() {
            pass.store.record_success(&o.entity, at, o.rows as i64)?;
            if o.entity == "directories" {
                for t in [&USERS, &DEPARTMENTS, &FUNNELS, &STAGES, &LEAD_STATUSES, &SOURCES, &DEAL_TYPES, &CURRENCIES] {
                    pass.store.record_success(t.name, at, 0)?;
                }
            }
        }
    }
    pass.store.set_meta("last_pass_at", &at.to_string())?;
    Ok(Report { server_time: at, entities: outcomes })
}

impl Pass<'_> {
    fn outcome(&mut self, entity: &str, r: Result<(u64, u64), SyncError>) -> EntityOutcome {
        let outcome = match r {
            Ok((rows, deleted)) => EntityOutcome { entity: entity.into(), rows, deleted, error: None },
            Err(e) => {
                let msg = e.to_string();
                tracing::warn!(entity, "sync failed: {msg}");
                let _ = self.store.record_error(entity, self.start.max(Utc::now().timestamp()), &msg);
                EntityOutcome { entity: entity.into(), rows: 0, deleted: 0, error: Some(msg) }
            }
        };
        self.progress.end(entity, &outcome);
        outcome
    }

    /// Users, departments, funnels, statuses, currencies: one batch, replaced whole.
    async fn directories(&mut self) -> Result<(u64, u64), SyncError> {
        self.progress.begin("directories", None);
        let cmds = vec![
            ("users".to_string(), query::command("user.get", &json!({"sort": "ID", "order": "ASC", "start": 0}), &[])),
            ("departments".to_string(), query::command("department.get", &json!({"sort": "ID", "order": "ASC", "start": 0}), &[])),
            ("funnels".to_string(), query::command("crm.category.list", &json!({"entityTypeId": 2}), &[])),
            ("statuses".to_string(), query::command("crm.status.list", &json!({"order": {"SORT": "ASC"}}), &[])),
            ("currencies".to_string(), query::command("crm.currency.list", &json!({}), &[])),
        ];
        let resp = self.client.batch(&cmds).await?;
        self.start = resp.server_time.map(|t| t as i64).unwrap_or_else(|| Utc::now().timestamp());
        for (key, _) in &cmds {
            if let Some(e) = resp.errors.get(key) {
                return Err(SyncError::Protocol { method: key.clone(), detail: format!("batch command failed: {e}") });
            }
        }
        let mut users = self.rest_of_list("user.get", &resp, "users").await?;
        let mut departments = self.rest_of_list("department.get", &resp, "departments").await?;
        let parse = |method: &str, entity: &str, items: &[Value], f: fn(&Value) -> Result<Row, sg_bitrix24::wire::FieldError>| {
            items.iter().map(|v| f(v).map_err(|source| malformed(method, entity, v, "ID", source))).collect::<Result<Vec<_>, _>>()
        };
        let user_rows = parse("user.get", "user", &std::mem::take(&mut users), rows::user)?;
        let department_rows = parse("department.get", "department", &std::mem::take(&mut departments), rows::department)?;
        let funnels = resp.result.get("funnels").and_then(|r| r.get("categories")).and_then(Value::as_array).cloned().unwrap_or_default();
        let funnel_rows = parse("crm.category.list", "funnel", &funnels, rows::funnel)?;
        let statuses = resp.result.get("statuses").and_then(Value::as_array).cloned().unwrap_or_default();
        let (mut stages, mut lead_statuses, mut sources, mut deal_types) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for v in &statuses {
            match rows::status(v).map_err(|source| malformed("crm.status.list", "status", v, "ID", source))? {
                StatusRow::DealStage(r) => stages.push(r),
                StatusRow::LeadStatus(r) => lead_statuses.push(r),
                StatusRow::Source(r) => sources.push(r),
                StatusRow::DealType(r) => deal_types.push(r),
                StatusRow::Other => {}
            }
        }
        let currencies = resp.result.get("currencies").and_then(Value::as_array).cloned().unwrap_or_default();
        let currency_rows = parse("crm.currency.list", "currency", &currencies, rows::currency)?;
        if currency_rows.is_empty() || stages.is_empty() {
            return Err(SyncError::Protocol {
                method: "directories".into(),
                detail: "the portal returned no currencies or no deal stages".into(),
            });
        }
        let before = self
            .store
            .query_text("SELECT string_agg(code || amount::VARCHAR || amount_cnt::VARCHAR, ',' ORDER BY code) FROM currencies")?;
        let n = (user_rows.len()
            + department_rows.len()
            + funnel_rows.len()
            + stages.len()
            + lead_statuses.len()
            + sources.len()
            + deal_types.len()
            + currency_rows.len()) as u64;
        self.store.apply(
            &[
                Change::replace_all(&USERS, user_rows),
                Change::replace_all(&DEPARTMENTS, department_rows),
                Change::replace_all(&FUNNELS, funnel_rows),
                Change::replace_all(&STAGES, stages),
                Change::replace_all(&LEAD_STATUSES, lead_statuses),
                Change::replace_all(&SOURCES, sources),
                Change::replace_all(&DEAL_TYPES, deal_types),
                Change::replace_all(&CURRENCIES, currency_rows),
            ],
            &[],
            &[],
        )?;
        let after = self
            .store
            .query_text("SELECT string_agg(code || amount::VARCHAR || amount_cnt::VARCHAR, ',' ORDER BY code) FROM currencies")?;
        if before != after {
            self.store.refresh_all_facts()?;
        }
        self.progress.advance("directories", n);
        Ok((n, 0))
    }

    /// The first page came in the batch; fetch the rest with `next`.
    async fn rest_of_list(&self, method: &str, resp: &BatchResponse, key: &str) -> Result<Vec<Value>, SyncError> {
        let mut items = resp.result.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
        let mut next = resp.next.get(key).and_then(Value::as_u64);
        while let Some(start) = next {
            let r = self.client.call(method, &json!({"sort": "ID", "order": "ASC", "start": start})).await?;
            items.extend(r.result.as_array().cloned().unwrap_or_default());
            next = r.next;
        }
        Ok(items)
    }

    /// Totals for progress bars of entities in a full scan: one batch with `start=0`.
    async fn count_totals(&mut self) {
        let mut cmds = Vec::new();
        for spec in PAGED {
            let full = self.store.checkpoint(spec.name).ok().flatten().is_none_or(|c| c.phase == "full");
            if full {
                let mut params = (spec.params)();
                params["select"] = json!([spec.id_request]);
                params["start"] = json!(0);
                cmds.push((spec.name.to_string(), query::command(spec.method, &params, &[])));
            }
        }
        if cmds.is_empty() {
            return;
        }
        if let Ok(resp) = self.client.batch(&cmds).await {
            for (key, _) in &cmds {
                self.progress.begin(key, resp.total.get(key).and_then(Value::as_u64));
            }
        }
    }

    async fn paged(&mut self, spec: &Paged) -> Result<(u64, u64), SyncError> {
        let cp = self.store.checkpoint(spec.name)?;
        match cp {
            None => self.full_scan(spec, 0, self.start).await,
            Some(cp) if cp.phase == "full" => self.full_scan(spec, cp.cursor_id, cp.scan_started_at.unwrap_or(self.start)).await,
            Some(cp) if spec.modified.is_empty() => {
                // Append-only: continue the cursor, committing it with the rows.
                let mut cursor = cp.cursor_id;
                let rows = self.scan(spec, None, &mut cursor, true).await?;
                Ok((rows, 0))
            }
            Some(cp) => {
                let watermark = cp.watermark.unwrap_or(0);
                let mut total = 0;
                for field in spec.modified {
                    let mut cursor = 0;
                    total += self.scan(spec, Some((field, iso(watermark))), &mut cursor, false).await?;
                }
                let done = Checkpoint {
                    entity: spec.name.into(),
                    phase: "incremental".into(),
                    cursor_id: 0,
                    watermark: Some(self.start - self.options.overlap),
                    scan_started_at: None,
                };
                self.store.apply(&[], &[done], &[])?;
                Ok((total, 0))
            }
        }
    }

    async fn full_scan(&mut self, spec: &Paged, from: i64, started: i64) -> Result<(u64, u64), SyncError> {
        let mut cursor = from;
        let mut scan_cp =
            Checkpoint { entity: spec.name.into(), phase: "full".into(), cursor_id: from, watermark: None, scan_started_at: Some(started) };
        self.store.apply(&[], &[scan_cp.clone()], &[])?;
        let rows = self.scan(spec, None, &mut cursor, true).await?;
        scan_cp.phase = "incremental".into();
        scan_cp.cursor_id = if spec.modified.is_empty() { cursor } else { 0 };
        scan_cp.watermark = Some(started - self.options.overlap);
        scan_cp.scan_started_at = None;
        self.store.apply(&[], &[scan_cp], &[])?;
        Ok((rows, 0))
    }

    /// Cursor scan with 50 chained commands per batch. With `commit_cursor`, every batch of rows
    /// is written together with the checkpoint that covers it.
    async fn scan(
        &mut self,
        spec: &Paged,
        filter: Option<(&str, String)>,
        cursor: &mut i64,
        commit_cursor: bool,
    ) -> Result<u64, SyncError> {
        let mut total = 0u64;
        let base = {
            let mut p = (spec.params)();
            p["start"] = json!(-1);
            if let Some((field, value)) = &filter {
                p["filter"] = json!({ format!(">={field}"): value });
            }
            p
        };
        loop {
            let (pages, done) = self.fetch_chain(spec, &base, *cursor).await?;
            let mut rows = Vec::new();
            let mut last = *cursor;
            for item in pages {
                let id = item.get(spec.id_response).and_then(|v| v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok())));
                let Some(id) = id else {
                    return Err(SyncError::Protocol {
                        method: spec.method.into(),
                        detail: format!("a {} row has no usable {}", spec.name, spec.id_response),
                    });
                };
                if id <= last {
                    return Err(SyncError::Protocol {
                        method: spec.method.into(),
                        detail: format!("the id cursor did not advance ({id} after {last}); the filter was ignored"),
                    });
                }
                last = id;
                rows.push((spec.parse)(&item).map_err(|source| malformed(spec.method, spec.name, &item, spec.id_response, source))?);
            }
            let affected: Vec<i64> = rows.iter().filter_map(|r| (spec.deal_of)(r)).collect::<BTreeSet<_>>().into_iter().collect();
            if spec.name == DEALS_SPEC.name {
                self.touched_deals.extend(&affected);
            }
            total += rows.len() as u64;
            let n = rows.len() as u64;
            let checkpoint = self.store.checkpoint(spec.name)?.map(|cp| Checkpoint { cursor_id: last, ..cp });
            let checkpoints: Vec<Checkpoint> = if commit_cursor { checkpoint.into_iter().collect() } else { Vec::new() };
            if !rows.is_empty() || !checkpoints.is_empty() {
                self.store.apply(&[Change::upsert(spec.table, rows)], &checkpoints, &affected)?;
            }
            self.progress.advance(spec.name, n);
            *cursor = last;
            if done {
                return Ok(total);
            }
        }
    }

    /// One batch of up to 50 chained pages after `cursor`; returns the rows of the pages up to
    /// the first short one (later ones would restart from an empty reference) and whether the
    /// scan is complete.
    async fn fetch_chain(&self, spec: &Paged, base: &Value, cursor: i64) -> Result<(Vec<Value>, bool), SyncError> {
        let path = spec.items.map(|i| format!("[{i}]")).unwrap_or_default();
        let filter_key = format!("filter[>{}]", spec.id_request);
        loop {
            let cmds: Vec<(String, String)> = (0..COMMANDS)
                .map(|i| {
                    let reference =
                        if i == 0 { cursor.to_string() } else { format!("$result[p{}]{path}[{}][{}]", i - 1, PAGE - 1, spec.id_response) };
                    (format!("p{i}"), query::command(spec.method, base, &[(&filter_key, &reference)]))
                })
                .collect();
            let resp = self.client.batch(&cmds).await?;
            let mut out = Vec::new();
            let mut blocked = None;
            for (key, _) in &cmds {
                if let Some(code) = resp.error_code(key) {
                    if code == "OPERATION_TIME_LIMIT" {
                        blocked = Some(key.clone());
                        break;
                    }
                    let e = &resp.errors[key];
                    return Err(SyncError::Client(ClientError::Api {
                        method: spec.method.into(),
                        status: 200,
                        code: code.into(),
                        description: e.get("error_description").and_then(Value::as_str).unwrap_or("").into(),
                    }));
                }
                let result = resp
                    .result
                    .get(key)
                    .ok_or_else(|| SyncError::Protocol { method: spec.method.into(), detail: format!("batch result has no {key}") })?;
                let page = match spec.items {
                    Some(i) => result.get(i),
                    None => Some(result),
                }
                .and_then(Value::as_array)
                .ok_or_else(|| SyncError::Protocol { method: spec.method.into(), detail: format!("page {key} is not a list") })?;
                let short = page.len() < PAGE;
                out.extend(page.iter().cloned());
                if short {
                    return Ok((out, true));
                }
            }
            match blocked {
                None => return Ok((out, false)),
                Some(_) if !out.is_empty() => return Ok((out, false)),
                Some(key) => {
                    // The method's operating budget is spent: wait until its oldest minute drops out.
                    let wait = resp
                        .time
                        .values()
                        .filter_map(|t| Some(t.get("operating_reset_at")?.as_f64()? - t.get("finish")?.as_f64()?))
                        .fold(5.0_f64, f64::max)
                        .min(600.0);
                    tracing::info!(method = spec.method, key, "operating time limit reached, waiting {wait:.0} s");
                    tokio::time::sleep(Duration::from_secs_f64(wait + 1.0)).await;
                }
            }
        }
    }

    /// Timeline comments of deals: every deal in a full scan, changed deals afterwards.
    async fn comments(&mut self) -> Result<(u64, u64), SyncError> {
        let cp = self.store.checkpoint("comments")?;
        let full = cp.as_ref().is_none_or(|c| c.phase == "full");
        let (deals, from): (Vec<i64>, i64) = if full {
            let from = cp.as_ref().map(|c| c.cursor_id).unwrap_or(0);
            (self.store.keys(&DEALS)?.into_iter().filter(|&id| id > from).collect(), from)
        } else {
            (self.touched_deals.iter().copied().collect(), 0)
        };
        if full {
            let started = cp.as_ref().and_then(|c| c.scan_started_at).unwrap_or(self.start);
            self.store.apply(
                &[],
                &[Checkpoint {
                    entity: "comments".into(),
                    phase: "full".into(),
                    cursor_id: from,
                    watermark: None,
                    scan_started_at: Some(started),
                }],
                &[],
            )?;
            self.progress.begin("comments", Some(deals.len() as u64));
        }
        let mut total = 0;
        for group in deals.chunks(COMMENT_CHUNK * COMMANDS) {
            let chunks: Vec<&[i64]> = group.chunks(COMMENT_CHUNK).collect();
            let cmds: Vec<(String, String)> = chunks
                .iter()
                .enumerate()
                .map(|(i, ids)| {
                    (
                        format!("c{i}"),
                        query::command(
                            "crm.timeline.comment.list",
                            &json!({"filter": {"ENTITY_TYPE": "deal", "ENTITY_ID": ids}, "order": {"ID": "ASC"}}),
                            &[],
                        ),
                    )
                })
                .collect();
            let resp = self.client.batch(&cmds).await?;
            let mut rows = Vec::new();
            for (i, (key, _)) in cmds.iter().enumerate() {
                if let Some(code) = resp.error_code(key) {
                    return Err(SyncError::Protocol {
                        method: "crm.timeline.comment.list".into(),
                        detail: format!("command failed: {code}"),
                    });
                }
                let mut items = resp.result.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
                let mut next = resp.next.get(key).and_then(Value::as_u64);
                while let Some(start) = next {
                    let r = self
                        .client
                        .call(
                            "crm.timeline.comment.list",
                            &json!({"filter": {"ENTITY_TYPE": "deal", "ENTITY_ID": chunks[i]}, "order": {"ID": "ASC"}, "start": start}),
                        )
                        .await?;
                    items.extend(r.result.as_array().cloned().unwrap_or_default());
                    next = r.next;
                }
                for v in &items {
                    rows.push(rows::comment(v).map_err(|source| malformed("crm.timeline.comment.list", "comment", v, "ID", source))?);
                }
            }
            total += rows.len() as u64;
            let n = group.len() as u64;
            let last = *group.last().expect("non-empty chunk");
            let ids: Vec<String> = group.iter().map(i64::to_string).collect();
            let mut change = Change::upsert(&COMMENTS, rows);
            change.delete_where = Some(("entity_id", ids));
            let checkpoint: Vec<Checkpoint> = if full {
                vec![Checkpoint {
                    entity: "comments".into(),
                    phase: "full".into(),
                    cursor_id: last,
                    watermark: None,
                    scan_started_at: cp.as_ref().and_then(|c| c.scan_started_at).or(Some(self.start)),
                }]
            } else {
                Vec::new()
            };
            self.store.apply(&[change], &checkpoint, group)?;
            self.progress.advance("comments", n);
        }
        if full {
            self.store.apply(
                &[],
                &[Checkpoint {
                    entity: "comments".into(),
                    phase: "incremental".into(),
                    cursor_id: 0,
                    watermark: Some(self.start - self.options.overlap),
                    scan_started_at: None,
                }],
                &[],
            )?;
        }
        Ok((total, 0))
    }

    /// Delete local rows whose ids the portal no longer lists.
    async fn reconcile(&mut self, spec: &Paged) -> Result<u64, SyncError> {
        let mut remote = HashSet::new();
        let mut base = (spec.params)();
        base["select"] = json!([spec.id_request]);
        base["start"] = json!(-1);
        let mut cursor = 0;
        loop {
            let (pages, done) = self.fetch_chain(spec, &base, cursor).await?;
            for item in &pages {
                if let Some(id) = item.get(spec.id_response).and_then(|v| v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))) {
                    remote.insert(id);
                    cursor = cursor.max(id);
                }
            }
            if done {
                break;
            }
        }
        let gone: Vec<i64> = self.store.keys(spec.table)?.into_iter().filter(|id| !remote.contains(id)).collect();
        if gone.is_empty() {
            return Ok(0);
        }
        let keys: Vec<String> = gone.iter().map(i64::to_string).collect();
        let mut changes = vec![Change::delete(spec.table, keys.clone())];
        if spec.name == DEALS_SPEC.name {
            let mut comments = Change::upsert(&COMMENTS, Vec::new());
            comments.delete_where = Some(("entity_id", keys));
            changes.push(comments);
        }
        self.store.apply(&changes, &[], &[])?;
        Ok(gone.len() as u64)
    }
}

pub(crate) fn malformed(method: &str, entity: &str, row: &Value, id_key: &str, source: sg_bitrix24::wire::FieldError) -> SyncError {
    let id = row.get(id_key).map(|v| v.to_string()).unwrap_or_else(|| "?".into());
    SyncError::Malformed { method: method.into(), entity: entity.into(), row: id, source }
}
