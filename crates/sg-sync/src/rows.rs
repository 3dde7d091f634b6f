//! Wire rows → store rows, one function per table. Every reader is lenient about the
//! per-family typing and strict about content: a value that cannot be read is an error that
//! names the field, so the entity's checkpoint does not advance past bad data.

use serde_json::Value;
use sg_bitrix24::wire::{self, FieldError};
use sg_store::Table;
use sg_store::schema::*;

pub type Row = Vec<Option<String>>;

/// Fills a row in a table's column order.
pub struct RowBuilder {
    table: &'static Table,
    row: Row,
}

impl RowBuilder {
    pub fn new(table: &'static Table) -> Self {
        RowBuilder { table, row: vec![None; table.columns.len()] }
    }
    pub fn set(mut self, column: &str, value: Option<impl ToString>) -> Self {
        let i = self.table.index(column).unwrap_or_else(|| panic!("{} has no column {column}", self.table.name));
        self.row[i] = value.map(|v| v.to_string());
        self
    }
    pub fn build(self) -> Row {
        self.row
    }
}

fn join(items: &[impl ToString]) -> Option<String> {
    Some(items.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(","))
}

pub fn user(v: &Value) -> Result<Row, FieldError> {
    Ok(RowBuilder::new(&USERS)
        .set("id", Some(wire::req_int(v, "ID")?))
        .set("active", wire::flag(v, "ACTIVE")?)
        .set("name", wire::text(v, "NAME")?)
        .set("last_name", wire::text(v, "LAST_NAME")?)
        .set("second_name", wire::text(v, "SECOND_NAME")?)
        .set("email", wire::text(v, "EMAIL")?)
        .set("position", wire::text(v, "WORK_POSITION")?)
        .set("departments", join(&wire::int_list(v, "UF_DEPARTMENT")?))
        .set("user_type", wire::text(v, "USER_TYPE")?)
        .build())
}

pub fn department(v: &Value) -> Result<Row, FieldError> {
    Ok(RowBuilder::new(&DEPARTMENTS)
        .set("id", Some(wire::req_int(v, "ID")?))
        .set("name", wire::text(v, "NAME")?)
        .set("sort", wire::int(v, "SORT")?)
        .set("parent_id", wire::int(v, "PARENT")?)
        .set("head_id", wire::id(v, "UF_HEAD")?)
        .build())
}

pub fn funnel(v: &Value) -> Result<Row, FieldError> {
    Ok(RowBuilder::new(&FUNNELS)
        .set("id", Some(wire::req_int(v, "id")?))
        .set("name", wire::text(v, "name")?)
        .set("sort", wire::int(v, "sort")?)
        .set("is_default", wire::flag(v, "isDefault")?)
        .build())
}

/// A `crm.status.list` row, routed by its `ENTITY_ID`.
pub enum StatusRow {
    DealStage(Row),
    LeadStatus(Row),
    Source(Row),
    DealType(Row),
    Other,
}

pub fn status(v: &Value) -> Result<StatusRow, FieldError> {
    let entity = wire::text(v, "ENTITY_ID")?.unwrap_or_default();
    let status_id = wire::text(v, "STATUS_ID")?;
    let name = wire::text(v, "NAME")?;
    let sort = wire::int(v, "SORT")?;
    let semantic = match wire::text(v, "SEMANTICS")?.as_deref() {
        Some("S") => "S",
        Some("F") => "F",
        _ => "P",
    };
    Ok(match entity.as_str() {
        "STATUS" => StatusRow::LeadStatus(
            RowBuilder::new(&LEAD_STATUSES)
                .set("status_id", status_id)
                .set("name", name)
                .set("sort", sort)
                .set("semantic", Some(semantic))
                .build(),
        ),
        "SOURCE" => StatusRow::Source(RowBuilder::new(&SOURCES).set("id", status_id).set("name", name).set("sort", sort).build()),
        "DEAL_TYPE" => StatusRow::DealType(RowBuilder::new(&DEAL_TYPES).set("id", status_id).set("name", name).set("sort", sort).build()),
        e if e == "DEAL_STAGE" || e.starts_with("DEAL_STAGE_") => {
            let funnel = e
                .strip_prefix("DEAL_STAGE_")
                .map(|n| n.parse::<i64>())
                .transpose()
                .map_err(|_| FieldError { field: "ENTITY_ID".into(), detail: format!("`{e}` has no funnel number") })?;
            StatusRow::DealStage(
                RowBuilder::new(&STAGES)
                    .set("status_id", status_id)
                    .set("entity_id", Some(e))
                    .set("funnel_id", Some(funnel.unwrap_or(0)))
                    .set("name", name)
                    .set("sort", sort)
                    .set("semantic", Some(semantic))
                    .build(),
            )
        }
        _ => StatusRow::Other,
    })
}

pub fn currency(v: &Value) -> Result<Row, FieldError> {
    Ok(RowBuilder::new(&CURRENCIES)
        .set("code", wire::text(v, "CURRENCY")?)
        .set("amount_cnt", wire::int(v, "AMOUNT_CNT")?)
        .set("amount", wire::money(v, "AMOUNT")?)
        .set("is_base", wire::flag(v, "BASE")?)
        .build())
}

/// Custom `UF_CRM_*` fields of a legacy row, kept as a JSON object text.
fn custom_fields(v: &Value) -> Option<String> {
    let obj = v.as_object()?;
    let uf: serde_json::Map<String, Value> =
        obj.iter().filter(|(k, _)| k.starts_with("UF_")).map(|(k, v)| (k.clone(), v.clone())).collect();
    (!uf.is_empty()).then(|| Value::Object(uf).to_string())
}

pub fn deal(v: &Value) -> Result<Row, FieldError> {
    Ok(RowBuilder::new(&DEALS)
        .set("id", Some(wire::req_int(v, "ID")?))
        .set("title", wire::text(v, "TITLE")?)
        .set("type_id", wire::text(v, "TYPE_ID")?)
        .set("category_id", Some(wire::int(v, "CATEGORY_ID")?.unwrap_or(0)))
        .set("stage_id", wire::text(v, "STAGE_ID")?)
        .set("stage_semantic", wire::text(v, "STAGE_SEMANTIC_ID")?)
        .set("currency_id", wire::text(v, "CURRENCY_ID")?)
        .set("opportunity", Some(wire::money(v, "OPPORTUNITY")?.unwrap_or_else(|| "0".into())))
        .set("is_return_customer", wire::flag(v, "IS_RETURN_CUSTOMER")?)
        .set("is_repeated_approach", wire::flag(v, "IS_REPEATED_APPROACH")?)
        .set("probability", wire::int(v, "PROBABILITY")?)
        .set("assigned_by_id", wire::int(v, "ASSIGNED_BY_ID")?)
        .set("created_by_id", wire::int(v, "CREATED_BY_ID")?)
        .set("modify_by_id", wire::int(v, "MODIFY_BY_ID")?)
        .set("moved_by_id", wire::int(v, "MOVED_BY_ID")?)
        .set("created_at", wire::instant(v, "DATE_CREATE")?)
        .set("modified_at", wire::instant(v, "DATE_MODIFY")?)
        .set("moved_at", wire::instant(v, "MOVED_TIME")?)
        .set("begindate", wire::date(v, "BEGINDATE")?)
        .set("closedate", wire::date(v, "CLOSEDATE")?)
        .set("closed", wire::flag(v, "CLOSED")?)
        .set("source_id", wire::text(v, "SOURCE_ID")?)
        .set("lead_id", wire::id(v, "LEAD_ID")?)
        .set("company_id", wire::id(v, "COMPANY_ID")?)
        .set("utm_source", wire::text(v, "UTM_SOURCE")?)
        .set("utm_medium", wire::text(v, "UTM_MEDIUM")?)
        .set("utm_campaign", wire::text(v, "UTM_CAMPAIGN")?)
        .set("utm_content", wire::text(v, "UTM_CONTENT")?)
        .set("utm_term", wire::text(v, "UTM_TERM")?)
        .set("last_activity_at", wire::instant(v, "LAST_ACTIVITY_TIME")?)
        .set("last_activity_by", wire::int(v, "LAST_ACTIVITY_BY")?)
        .set("custom_fields", custom_fields(v))
        .build())
}

pub fn lead(v: &Value) -> Result<Row, FieldError> {
    Ok(RowBuilder::new(&LEADS)
        .set("id", Some(wire::req_int(v, "ID")?))
        .set("title", wire::text(v, "TITLE")?)
        .set("name", wire::text(v, "NAME")?)
        .set("last_name", wire::text(v, "LAST_NAME")?)
        .set("status_id", wire::text(v, "STATUS_ID")?)
        .set("status_semantic", wire::text(v, "STATUS_SEMANTIC_ID")?)
        .set("source_id", wire::text(v, "SOURCE_ID")?)
        .set("assigned_by_id", wire::int(v, "ASSIGNED_BY_ID")?)
        .set("created_at", wire::instant(v, "DATE_CREATE")?)
        .set("modified_at", wire::instant(v, "DATE_MODIFY")?)
        .set("moved_at", wire::instant(v, "MOVED_TIME")?)
        .set("closed_at", wire::instant(v, "DATE_CLOSED")?)
        .set("opportunity", Some(wire::money(v, "OPPORTUNITY")?.unwrap_or_else(|| "0".into())))
        .set("currency_id", wire::text(v, "CURRENCY_ID")?)
        .set("is_return_customer", wire::flag(v, "IS_RETURN_CUSTOMER")?)
        .set("utm_source", wire::text(v, "UTM_SOURCE")?)
        .set("utm_medium", wire::text(v, "UTM_MEDIUM")?)
        .set("utm_campaign", wire::text(v, "UTM_CAMPAIGN")?)
        .set("utm_content", wire::text(v, "UTM_CONTENT")?)
        .set("utm_term", wire::text(v, "UTM_TERM")?)
        .set("last_activity_at", wire::instant(v, "LAST_ACTIVITY_TIME")?)
        .build())
}

pub fn deal_history(v: &Value) -> Result<Row, FieldError> {
    Ok(RowBuilder::new(&DEAL_STAGE_HISTORY)
        .set("id", Some(wire::req_int(v, "ID")?))
        .set("type_id", wire::int(v, "TYPE_ID")?)
        .set("owner_id", Some(wire::req_int(v, "OWNER_ID")?))
        .set("created_at", wire::instant(v, "CREATED_TIME")?)
        .set("funnel_id", wire::int(v, "CATEGORY_ID")?)
        .set("stage_id", wire::text(v, "STAGE_ID")?)
        .set("stage_semantic", wire::text(v, "STAGE_SEMANTIC_ID")?)
        .build())
}

pub fn lead_history(v: &Value) -> Result<Row, FieldError> {
    Ok(RowBuilder::new(&LEAD_STAGE_HISTORY)
        .set("id", Some(wire::req_int(v, "ID")?))
        .set("type_id", wire::int(v, "TYPE_ID")?)
        .set("owner_id", Some(wire::req_int(v, "OWNER_ID")?))
        .set("created_at", wire::instant(v, "CREATED_TIME")?)
        .set("status_id", wire::text(v, "STATUS_ID")?)
        .set("status_semantic", wire::text(v, "STATUS_SEMANTIC_ID")?)
        .build())
}

pub fn activity(v: &Value) -> Result<Row, FieldError> {
    Ok(RowBuilder::new(&ACTIVITIES)
        .set("id", Some(wire::req_int(v, "ID")?))
        .set("owner_type_id", wire::int(v, "OWNER_TYPE_ID")?)
        .set("owner_id", wire::int(v, "OWNER_ID")?)
        .set("type_id", wire::int(v, "TYPE_ID")?)
        .set("provider_id", wire::text(v, "PROVIDER_ID")?)
        .set("direction", wire::int(v, "DIRECTION")?)
        .set("subject", wire::text(v, "SUBJECT")?)
        .set("created_at", wire::instant(v, "CREATED")?)
        .set("last_updated_at", wire::instant(v, "LAST_UPDATED")?)
        .set("start_at", wire::instant(v, "START_TIME")?)
        .set("end_at", wire::instant(v, "END_TIME")?)
        .set("deadline_at", wire::instant(v, "DEADLINE")?)
        .set("completed", wire::flag(v, "COMPLETED")?)
        .set("responsible_id", wire::int(v, "RESPONSIBLE_ID")?)
        .build())
}

pub fn call(v: &Value) -> Result<Row, FieldError> {
    Ok(RowBuilder::new(&CALLS)
        .set("id", Some(wire::req_int(v, "ID")?))
        .set("call_id", wire::text(v, "CALL_ID")?)
        .set("user_id", wire::int(v, "PORTAL_USER_ID")?)
        .set("call_type", wire::int(v, "CALL_TYPE")?)
        .set("duration", wire::int(v, "CALL_DURATION")?)
        .set("start_at", wire::instant(v, "CALL_START_DATE")?)
        .set("failed_code", wire::text(v, "CALL_FAILED_CODE")?)
        .set("crm_entity_type", wire::text(v, "CRM_ENTITY_TYPE")?)
        .set("crm_entity_id", wire::id(v, "CRM_ENTITY_ID")?)
        .set("activity_id", wire::id(v, "CRM_ACTIVITY_ID")?)
        .build())
}

pub fn task(v: &Value) -> Result<Row, FieldError> {
    Ok(RowBuilder::new(&TASKS)
        .set("id", Some(wire::req_int(v, "id")?))
        .set("title", wire::text(v, "title")?)
        .set("status", wire::int(v, "status")?)
        .set("responsible_id", wire::id(v, "responsibleId")?)
        .set("created_by", wire::id(v, "createdBy")?)
        .set("created_at", wire::instant(v, "createdDate")?)
        .set("changed_at", wire::instant(v, "changedDate")?)
        .set("closed_at", wire::instant(v, "closedDate")?)
        .set("deadline_at", wire::instant(v, "deadline")?)
        .set("crm_bindings", join(&wire::text_list(v, "ufCrmTask")?))
        .build())
}

pub fn comment(v: &Value) -> Result<Row, FieldError> {
    Ok(RowBuilder::new(&COMMENTS)
        .set("id", Some(wire::req_int(v, "ID")?))
        .set("entity_type", wire::text(v, "ENTITY_TYPE")?)
        .set("entity_id", wire::int(v, "ENTITY_ID")?)
        .set("created_at", wire::instant(v, "CREATED")?)
        .set("author_id", wire::int(v, "AUTHOR_ID")?)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deal_rows_normalise_the_wire() {
        let v = json!({"ID": "37", "TITLE": "[A] Deal", "CATEGORY_ID": "1", "STAGE_ID": "C1:NEW", "STAGE_SEMANTIC_ID": "P", "OPPORTUNITY": "19999.99",
                       "CURRENCY_ID": "EUR", "DATE_CREATE": "2024-09-02T18:37:18+02:00", "BEGINDATE": "2024-01-01T03:00:00+03:00",
                       "LEAD_ID": null, "COMPANY_ID": "0", "UF_CRM_1": "x", "IS_RETURN_CUSTOMER": "Y"});
        let row = deal(&v).unwrap();
        let get = |c: &str| row[DEALS.index(c).unwrap()].clone();
        assert_eq!(get("id").as_deref(), Some("37"));
        assert_eq!(get("opportunity").as_deref(), Some("19999.99"));
        assert_eq!(get("created_at").as_deref(), Some("2024-09-02T16:37:18Z"));
        assert_eq!(get("begindate").as_deref(), Some("2024-01-01"));
        assert_eq!(get("lead_id"), None);
        assert_eq!(get("company_id"), None);
        assert_eq!(get("is_return_customer").as_deref(), Some("true"));
        assert_eq!(get("custom_fields").as_deref(), Some(r#"{"UF_CRM_1":"x"}"#));
    }

    #[test]
    fn bad_values_name_the_field() {
        let e = deal(&json!({"ID": "1", "OPPORTUNITY": "lots"})).unwrap_err();
        assert_eq!(e.field, "OPPORTUNITY");
        let e = deal(&json!({"ID": "x"})).unwrap_err();
        assert_eq!(e.field, "ID");
        let e = deal(&json!({"ID": "1", "DATE_CREATE": "yesterday"})).unwrap_err();
        assert_eq!(e.field, "DATE_CREATE");
    }
}
