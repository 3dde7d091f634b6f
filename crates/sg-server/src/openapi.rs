//! The OpenAPI document of `/api/v1`, generated from the same parameter lists the handlers
//! accept (so a new filter shows up here by itself).

use axum::Json;
use serde_json::{Map, Value, json};

use crate::params::FILTER_KEYS;

fn param(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": {"type": "string"}})
}

fn period_params() -> Vec<Value> {
    let mut v = vec![
        param("from", "Period start, YYYY-MM-DD (portal time zone)"),
        param("to", "Period end, YYYY-MM-DD, inclusive"),
        param("month", "A calendar month YYYY-MM instead of from/to"),
        param("compare", "previous | yoy | none"),
        param("grain", "day | week | month | quarter"),
    ];
    v.extend(FILTER_KEYS.iter().map(|k| param(k, "Filter; repeat or comma-separate values")));
    v
}

fn op(summary: &str, params: Vec<Value>) -> Value {
    json!({
        "summary": summary,
        "parameters": params,
        "responses": {
            "200": {"description": "OK"},
            "400": {"description": "Bad parameter", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "500": {"description": "Store failure", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        }
    })
}

pub async fn document() -> Json<Value> {
    let mut paths = Map::new();
    let extra = |names: &[&str]| names.iter().map(|n| param(n, "See the report's documentation")).collect::<Vec<_>>();
    let with = |mut base: Vec<Value>, more: Vec<Value>| {
        base.extend(more);
        base
    };
    paths.insert(
        "/api/v1/reports/sales-dynamics".into(),
        json!({"get": op("«Динамика продаж»; KPI keys are metric ids", with(period_params(), extra(&crate::sales::EXTRA)))}),
    );
    paths.insert("/api/v1/reports/plan-fact".into(), json!({"get": op("«План продаж» for a month", period_params())}));
    paths.insert(
        "/api/v1/deals".into(),
        json!({"get": op("The deal list (server-side paging and sorting)", with(period_params(), extra(&crate::deals::EXTRA)))}),
    );
    paths.insert(
        "/api/v1/reports/{report}/export".into(),
        json!({"get": op("A report table as XLSX or CSV", with(period_params(), extra(&["table", "format", "lang"])))}),
    );
    paths.insert("/api/v1/plans".into(), json!({"get": op("The plan grid of a month", vec![param("month", "YYYY-MM")]), "put": op("Save plan rows and deletions (audited)", vec![])}));
    paths.insert("/api/v1/plans/copy".into(), json!({"post": op("Copy a month's plan to another month", vec![])}));
    paths.insert("/api/v1/plans/fill-year".into(), json!({"post": op("Copy a month into the empty later months of its year", vec![])}));
    paths
        .insert("/api/v1/plans/import".into(), json!({"post": op("Import a plan workbook (body: the file)", extra(&["name", "dry_run"]))}));
    paths.insert("/api/v1/plans/export".into(), json!({"get": op("Export plans", extra(&["from", "to", "format"]))}));
    paths.insert("/api/v1/plans/audit".into(), json!({"get": op("Plan change log", extra(&["limit"]))}));
    paths.insert("/api/v1/metrics".into(), json!({"get": op("Every metric's definition («Как считается»)", vec![])}));
    paths.insert("/api/v1/meta".into(), json!({"get": op("Directories, settings and freshness", vec![])}));
    paths.insert("/api/v1/status".into(), json!({"get": op("Data freshness", vec![])}));
    paths.insert("/api/v1/calendar".into(), json!({"get": op("The working-day calendar of a year", extra(&["year"]))}));
    paths.insert("/api/v1/calendar/{day}".into(), json!({"put": op("Mark a day working or not", vec![])}));
    Json(json!({
        "openapi": "3.1.0",
        "info": {"title": "salesgauge API", "version": "v1"},
        "paths": paths,
        "components": {"schemas": {"Error": {
            "type": "object",
            "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
                "code": {"type": "string", "description": "Stable machine-readable code: bad_parameter, not_found, invalid_file, month_not_empty, store_error, export_failed, internal_error"},
                "message": {"type": "string"},
                "details": {}
            }}}
        }}}
    }))
}
