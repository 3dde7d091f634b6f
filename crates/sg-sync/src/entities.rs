//! What is synced and how: one `Paged` spec per list entity.

use serde_json::{Value, json};
use sg_bitrix24::wire::FieldError;
use sg_store::Table;
use sg_store::schema::*;

use crate::rows::{self, Row};

pub struct Paged {
    /// Checkpoint and status key (the table name).
    pub name: &'static str,
    pub table: &'static Table,
    pub method: &'static str,
    /// Parameters besides the cursor (order, select, entityTypeId…).
    pub params: fn() -> Value,
    /// Id key in the request filter and in the response rows.
    pub id_request: &'static str,
    pub id_response: &'static str,
    /// Where the rows sit in `result` (`items`, `tasks`), if not directly.
    pub items: Option<&'static str>,
    /// Filter fields for incremental scans; empty = append-only, the cursor just continues.
    pub modified: &'static [&'static str],
    pub parse: fn(&Value) -> Result<Row, FieldError>,
    /// Which deal's derived facts a row affects.
    pub deal_of: fn(&Row) -> Option<i64>,
    /// Deletions are detected by comparing ids with the portal.
    pub reconcile: bool,
}

fn cell(table: &Table, row: &Row, column: &str) -> Option<i64> {
    row[table.index(column)?].as_deref()?.parse().ok()
}

pub const LEADS_SPEC: Paged = Paged {
    name: "leads",
    table: &LEADS,
    method: "crm.lead.list",
    params: || json!({"order": {"ID": "ASC"}, "select": ["*"]}),
    id_request: "ID",
    id_response: "ID",
    items: None,
    modified: &["DATE_MODIFY", "LAST_ACTIVITY_TIME"],
    parse: rows::lead,
    deal_of: |_| None,
    reconcile: true,
};

pub const DEALS_SPEC: Paged = Paged {
    name: "deals",
    table: &DEALS,
    method: "crm.deal.list",
    params: || json!({"order": {"ID": "ASC"}, "select": ["*", "UF_*"]}),
    id_request: "ID",
    id_response: "ID",
    items: None,
    modified: &["DATE_MODIFY", "LAST_ACTIVITY_TIME"],
    parse: rows::deal,
    deal_of: |r| cell(&DEALS, r, "id"),
    reconcile: true,
};

pub const LEAD_HISTORY_SPEC: Paged = Paged {
    name: "lead_stage_history",
    table: &LEAD_STAGE_HISTORY,
    method: "crm.stagehistory.list",
    params: || json!({"entityTypeId": 1, "order": {"ID": "ASC"}}),
    id_request: "ID",
    id_response: "ID",
    items: Some("items"),
    modified: &[],
    parse: rows::lead_history,
    deal_of: |_| None,
    reconcile: false,
};

pub const DEAL_HISTORY_SPEC: Paged = Paged {
    name: "deal_stage_history",
    table: &DEAL_STAGE_HISTORY,
    method: "crm.stagehistory.list",
    params: || json!({"entityTypeId": 2, "order": {"ID": "ASC"}}),
    id_request: "ID",
    id_response: "ID",
    items: Some("items"),
    modified: &[],
    parse: rows::deal_history,
    deal_of: |r| cell(&DEAL_STAGE_HISTORY, r, "owner_id"),
    reconcile: false,
};

pub const ACTIVITIES_SPEC: Paged = Paged {
    name: "activities",
    table: &ACTIVITIES,
    method: "crm.activity.list",
    params: || json!({"order": {"ID": "ASC"}, "select": ["*"]}),
    id_request: "ID",
    id_response: "ID",
    items: None,
    modified: &["LAST_UPDATED"],
    parse: rows::activity,
    deal_of: |r| (cell(&ACTIVITIES, r, "owner_type_id") == Some(2)).then(|| cell(&ACTIVITIES, r, "owner_id")).flatten(),
    reconcile: true,
};

pub const CALLS_SPEC: Paged = Paged {
    name: "calls",
    table: &CALLS,
    method: "voximplant.statistic.get",
    params: || json!({"sort": "ID", "order": "ASC"}),
    id_request: "ID",
    id_response: "ID",
    items: None,
    modified: &[],
    parse: rows::call,
    deal_of: |_| None,
    reconcile: false,
};

/// Task fields synced (tasks.task.list needs an explicit select; `UF_CRM_TASK` brings the CRM links).
pub const TASK_SELECT: [&str; 10] =
    ["ID", "TITLE", "STATUS", "RESPONSIBLE_ID", "CREATED_BY", "CREATED_DATE", "CHANGED_DATE", "CLOSED_DATE", "DEADLINE", "UF_CRM_TASK"];

pub const TASKS_SPEC: Paged = Paged {
    name: "tasks",
    table: &TASKS,
    method: "tasks.task.list",
    params: || json!({"order": {"ID": "asc"}, "select": TASK_SELECT}),
    id_request: "ID",
    id_response: "id",
    items: Some("tasks"),
    modified: &["CHANGED_DATE"],
    parse: rows::task,
    deal_of: |_| None,
    reconcile: true,
};

/// In sync order: leads before deals (deals reference leads), history after its owners.
pub const PAGED: &[&Paged] =
    &[&LEADS_SPEC, &DEALS_SPEC, &LEAD_HISTORY_SPEC, &DEAL_HISTORY_SPEC, &ACTIVITIES_SPEC, &CALLS_SPEC, &TASKS_SPEC];
