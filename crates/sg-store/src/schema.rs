//! Table definitions and the versioned migrations that create them.
//!
//! Every synced table has an integer or text key in its first column. Rows arrive as text
//! cells (what the sync parsed from the wire, normalised: ISO-8601 UTC instants, decimal
//! strings, `,`-joined lists) and are cast to the column types on insert. Instants are
//! `TIMESTAMP` columns holding UTC: the bundled DuckDB has no ICU, and calendar bucketing in
//! the portal's zone is done by the metrics layer.

/// A column: name and DuckDB type.
pub type Column = (&'static str, &'static str);

pub struct Table {
    pub name: &'static str,
    pub columns: &'static [Column],
}

impl Table {
    pub fn index(&self, column: &str) -> Option<usize> {
        self.columns.iter().position(|(c, _)| *c == column)
    }
    pub fn key(&self) -> &'static str {
        self.columns[0].0
    }
}

macro_rules! table {
    ($ident:ident, $name:literal, [$(($col:literal, $ty:literal)),* $(,)?]) => {
        pub const $ident: Table = Table { name: $name, columns: &[$(($col, $ty)),*] };
    };
}

table!(
    USERS,
    "users",
    [
        ("id", "INTEGER"),
        ("active", "BOOLEAN"),
        ("name", "VARCHAR"),
        ("last_name", "VARCHAR"),
        ("second_name", "VARCHAR"),
        ("email", "VARCHAR"),
        ("position", "VARCHAR"),
        ("departments", "INTEGER[]"),
        ("user_type", "VARCHAR"),
    ]
);
table!(
    DEPARTMENTS,
    "departments",
    [("id", "INTEGER"), ("name", "VARCHAR"), ("sort", "INTEGER"), ("parent_id", "INTEGER"), ("head_id", "INTEGER")]
);
table!(FUNNELS, "funnels", [("id", "INTEGER"), ("name", "VARCHAR"), ("sort", "INTEGER"), ("is_default", "BOOLEAN")]);
table!(
    STAGES,
    "stages",
    [
        ("status_id", "VARCHAR"),
        ("entity_id", "VARCHAR"),
        ("funnel_id", "INTEGER"),
        ("name", "VARCHAR"),
        ("sort", "INTEGER"),
        ("semantic", "VARCHAR"),
    ]
);
table!(LEAD_STATUSES, "lead_statuses", [("status_id", "VARCHAR"), ("name", "VARCHAR"), ("sort", "INTEGER"), ("semantic", "VARCHAR")]);
table!(SOURCES, "sources", [("id", "VARCHAR"), ("name", "VARCHAR"), ("sort", "INTEGER")]);
table!(DEAL_TYPES, "deal_types", [("id", "VARCHAR"), ("name", "VARCHAR"), ("sort", "INTEGER")]);
table!(CURRENCIES, "currencies", [("code", "VARCHAR"), ("amount_cnt", "INTEGER"), ("amount", "DECIMAL(18,4)"), ("is_base", "BOOLEAN")]);
table!(
    DEALS,
    "deals",
    [
        ("id", "INTEGER"),
        ("title", "VARCHAR"),
        ("type_id", "VARCHAR"),
        ("category_id", "INTEGER"),
        ("stage_id", "VARCHAR"),
        ("stage_semantic", "VARCHAR"),
        ("currency_id", "VARCHAR"),
        ("opportunity", "DECIMAL(18,2)"),
        ("is_return_customer", "BOOLEAN"),
        ("is_repeated_approach", "BOOLEAN"),
        ("probability", "INTEGER"),
        ("assigned_by_id", "INTEGER"),
        ("created_by_id", "INTEGER"),
        ("modify_by_id", "INTEGER"),
        ("moved_by_id", "INTEGER"),
        ("created_at", "TIMESTAMP"),
        ("modified_at", "TIMESTAMP"),
        ("moved_at", "TIMESTAMP"),
        ("begindate", "DATE"),
        ("closedate", "DATE"),
        ("closed", "BOOLEAN"),
        ("source_id", "VARCHAR"),
        ("lead_id", "INTEGER"),
        ("company_id", "INTEGER"),
        ("utm_source", "VARCHAR"),
        ("utm_medium", "VARCHAR"),
        ("utm_campaign", "VARCHAR"),
        ("utm_content", "VARCHAR"),
        ("utm_term", "VARCHAR"),
        ("last_activity_at", "TIMESTAMP"),
        ("last_activity_by", "INTEGER"),
        ("custom_fields", "VARCHAR"),
    ]
);
table!(
    LEADS,
    "leads",
    [
        ("id", "INTEGER"),
        ("title", "VARCHAR"),
        ("name", "VARCHAR"),
        ("last_name", "VARCHAR"),
        ("status_id", "VARCHAR"),
        ("status_semantic", "VARCHAR"),
        ("source_id", "VARCHAR"),
        ("assigned_by_id", "INTEGER"),
        ("created_at", "TIMESTAMP"),
        ("modified_at", "TIMESTAMP"),
        ("moved_at", "TIMESTAMP"),
        ("closed_at", "TIMESTAMP"),
        ("opportunity", "DECIMAL(18,2)"),
        ("currency_id", "VARCHAR"),
        ("is_return_customer", "BOOLEAN"),
        ("utm_source", "VARCHAR"),
        ("utm_medium", "VARCHAR"),
        ("utm_campaign", "VARCHAR"),
        ("utm_content", "VARCHAR"),
        ("utm_term", "VARCHAR"),
        ("last_activity_at", "TIMESTAMP"),
    ]
);
table!(
    DEAL_STAGE_HISTORY,
    "deal_stage_history",
    [
        ("id", "INTEGER"),
        ("type_id", "INTEGER"),
        ("owner_id", "INTEGER"),
        ("created_at", "TIMESTAMP"),
        ("funnel_id", "INTEGER"),
        ("stage_id", "VARCHAR"),
        ("stage_semantic", "VARCHAR"),
    ]
);
table!(
    LEAD_STAGE_HISTORY,
    "lead_stage_history",
    [
        ("id", "INTEGER"),
        ("type_id", "INTEGER"),
        ("owner_id", "INTEGER"),
        ("created_at", "TIMESTAMP"),
        ("status_id", "VARCHAR"),
        ("status_semantic", "VARCHAR"),
    ]
);
table!(
    ACTIVITIES,
    "activities",
    [
        ("id", "INTEGER"),
        ("owner_type_id", "INTEGER"),
        ("owner_id", "INTEGER"),
        ("type_id", "INTEGER"),
        ("provider_id", "VARCHAR"),
        ("direction", "INTEGER"),
        ("subject", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("last_updated_at", "TIMESTAMP"),
        ("start_at", "TIMESTAMP"),
        ("end_at", "TIMESTAMP"),
        ("deadline_at", "TIMESTAMP"),
        ("completed", "BOOLEAN"),
        ("responsible_id", "INTEGER"),
    ]
);
table!(
    CALLS,
    "calls",
    [
        ("id", "INTEGER"),
        ("call_id", "VARCHAR"),
        ("user_id", "INTEGER"),
        ("call_type", "INTEGER"),
        ("duration", "INTEGER"),
        ("start_at", "TIMESTAMP"),
        ("failed_code", "VARCHAR"),
        ("crm_entity_type", "VARCHAR"),
        ("crm_entity_id", "INTEGER"),
        ("activity_id", "INTEGER"),
    ]
);
table!(
    TASKS,
    "tasks",
    [
        ("id", "INTEGER"),
        ("title", "VARCHAR"),
        ("status", "INTEGER"),
        ("responsible_id", "INTEGER"),
        ("created_by", "INTEGER"),
        ("created_at", "TIMESTAMP"),
        ("changed_at", "TIMESTAMP"),
        ("closed_at", "TIMESTAMP"),
        ("deadline_at", "TIMESTAMP"),
        ("crm_bindings", "VARCHAR[]"),
    ]
);
table!(
    COMMENTS,
    "comments",
    [("id", "INTEGER"), ("entity_type", "VARCHAR"), ("entity_id", "INTEGER"), ("created_at", "TIMESTAMP"), ("author_id", "INTEGER"),]
);

/// Every synced table.
pub const SYNCED: &[&Table] = &[
    &USERS,
    &DEPARTMENTS,
    &FUNNELS,
    &STAGES,
    &LEAD_STATUSES,
    &SOURCES,
    &DEAL_TYPES,
    &CURRENCIES,
    &DEALS,
    &LEADS,
    &DEAL_STAGE_HISTORY,
    &LEAD_STAGE_HISTORY,
    &ACTIVITIES,
    &CALLS,
    &TASKS,
    &COMMENTS,
];

/// Derived deal facts of metrics.md, maintained incrementally by `Store::apply` (version 1;
/// version 3 widens it into the one table reports read).
pub const DEAL_FACTS: &str = "CREATE TABLE deal_facts (
    deal_id INTEGER, amount_base DECIMAL(18,2), won_at TIMESTAMP, lost_at TIMESTAMP,
    stage_entered_at TIMESTAMP, last_touch_at TIMESTAMP)";

/// Completed visits of deals to stages: entered at a history row, exited at the next one.
pub const STAGE_VISITS: &str =
    "CREATE TABLE deal_stage_visits (deal_id INTEGER, funnel_id INTEGER, stage_id VARCHAR, entered_at TIMESTAMP, exited_at TIMESTAMP)";

/// The facts with the deal columns reports filter and group by (schema version 3).
pub const DEAL_REPORT: &str = "CREATE TABLE deal_facts (
    deal_id INTEGER, amount_base DECIMAL(18,2), won_at TIMESTAMP, lost_at TIMESTAMP,
    stage_entered_at TIMESTAMP, last_touch_at TIMESTAMP,
    title VARCHAR, category_id INTEGER, stage_id VARCHAR, stage_semantic VARCHAR, type_id VARCHAR, source_id VARCHAR,
    assigned_by_id INTEGER, is_return_customer BOOLEAN, created_at TIMESTAMP,
    utm_source VARCHAR, utm_medium VARCHAR, utm_campaign VARCHAR)";

pub fn create_table_sql(t: &Table) -> String {
    let cols: Vec<String> = t.columns.iter().map(|(c, ty)| format!("{c} {ty}")).collect();
    format!("CREATE TABLE {} ({})", t.name, cols.join(", "))
}

/// Migrations in order; the store records the highest applied version.
pub fn migrations() -> Vec<(u32, String)> {
    let mut v1: Vec<String> = SYNCED.iter().map(|t| create_table_sql(t)).collect();
    v1.push(DEAL_FACTS.to_string());
    v1.push(
        "CREATE TABLE sync_checkpoints (entity VARCHAR, phase VARCHAR, cursor_id BIGINT, watermark BIGINT,
            scan_started_at BIGINT, updated_at BIGINT)"
            .into(),
    );
    v1.push(
        "CREATE TABLE sync_status (entity VARCHAR, last_success_at BIGINT, last_error VARCHAR, last_error_at BIGINT,
            pass_rows BIGINT)"
            .into(),
    );
    v1.push("CREATE TABLE meta (key VARCHAR, value VARCHAR)".into());
    let v2 = [
        // Plan rows: month × employee × funnel (NULL = all funnels); one row per key.
        "CREATE TABLE plans (month VARCHAR, user_id INTEGER, funnel_id INTEGER, plan_count BIGINT, plan_amount DECIMAL(18,2),
            bonus_pct DECIMAL(9,3), needs_review BOOLEAN, updated_at BIGINT, updated_by VARCHAR)",
        // Every change of a plan cell: who, when, from where, old → new.
        "CREATE TABLE plan_audit (changed_at BIGINT, actor VARCHAR, source VARCHAR, month VARCHAR, user_id INTEGER, funnel_id INTEGER,
            field VARCHAR, old_value VARCHAR, new_value VARCHAR)",
        // Edits of the working-day calendar (over the built-in production calendar).
        "CREATE TABLE calendar_days (day DATE, working BOOLEAN, updated_at BIGINT, updated_by VARCHAR)",
    ];
    // Reports read one table: the facts plus the deal columns they filter and group by.
    let v3 = format!(
        "DROP TABLE deal_facts;
         {DEAL_REPORT};
         CREATE TEMP TABLE IF NOT EXISTS affected (id INTEGER); DELETE FROM affected; INSERT INTO affected SELECT id FROM deals;
         {}
         DELETE FROM affected;",
        crate::FACTS_SQL
    );
    // Completed stage visits, derived from the history like the facts (stage statistics).
    let v4 = format!(
        "{STAGE_VISITS};
         CREATE TEMP TABLE IF NOT EXISTS affected (id INTEGER); DELETE FROM affected; INSERT INTO affected SELECT id FROM deals;
         {}
         DELETE FROM affected;",
        crate::VISITS_SQL
    );
    vec![(1, v1.join(";\n")), (2, v2.join(";\n")), (3, v3), (4, v4)]
}
