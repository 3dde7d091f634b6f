//! Every report table as a spreadsheet from the server: `GET
//! /api/v1/reports/{report}/export?table=…&format=xlsx|csv&lang=ru|en` plus the report's own
//! parameters. The report is built as for JSON and the named table converted; headers come
//! from the metric catalogue.

use axum::extract::{Path, Query as AxQuery, State};
use axum::response::Response;
use rust_decimal::Decimal;
use serde_json::Value;
use sg_metrics::catalogue::{PLAN, Unit, metric};
use sg_sheets::table::{Column, Kind, Table, Value as Cell, to_csv, to_xlsx};

use crate::error::{ApiError, ApiResult};
use crate::plans::attachment;
use crate::{AppState, Snapshot, deals, planfact, sales};

/// Header and kind of a column id (a metric id or a row field).
fn column(id: &str, en: bool) -> Column {
    let last = id.rsplit('.').next().unwrap_or(id);
    let prev = id.starts_with("previous.");
    let pick = |ru: &str, e: &str| if en { e.to_string() } else { ru.to_string() };
    let (mut header, kind) = if let Some(m) = metric(last.trim_end_matches("_new").trim_end_matches("_repeat")) {
        let kind = match m.unit {
            Unit::Count => Kind::Count,
            Unit::Money => Kind::Money,
            Unit::Percent => Kind::Percent,
            Unit::Days => Kind::Days,
        };
        let suffix = if last.ends_with("_new") {
            pick(" (новые клиенты)", " (new customers)")
        } else if last.ends_with("_repeat") {
            pick(" (повторные)", " (repeat)")
        } else {
            String::new()
        };
        (format!("{}{suffix}", pick(m.name.ru, m.name.en)), kind)
    } else if let Some((_, name, _, unit)) = PLAN.iter().find(|p| p.0 == last) {
        (
            pick(name.ru, name.en),
            match unit {
                Unit::Money => Kind::Money,
                Unit::Percent => Kind::Percent,
                _ => Kind::Count,
            },
        )
    } else {
        let (ru, e, kind) = match last {
            "name" => ("Название", "Name", Kind::Text),
            "bucket" => ("Период", "Period", Kind::Text),
            "month" => ("Месяц", "Month", Kind::Text),
            "quarter" => ("Квартал", "Quarter", Kind::Text),
            "funnel" => ("Воронка", "Funnel", Kind::Text),
            "stage_name" | "stage" => ("Стадия", "Stage", Kind::Text),
            "employee" => ("Сотрудник", "Employee", Kind::Text),
            "id" => ("ID", "ID", Kind::Count),
            "title" => ("Сделка", "Deal", Kind::Text),
            "created_at" => ("Создана (UTC)", "Created (UTC)", Kind::Text),
            "amount" => ("Сумма", "Amount", Kind::Money),
            "days" => ("Дней (возраст или цикл)", "Days (age or cycle)", Kind::Days),
            "days_in_stage" => ("Дней в стадии", "Days in stage", Kind::Days),
            "last_touch_at" => ("Последнее касание (UTC)", "Last touch (UTC)", Kind::Text),
            "status" => ("Статус", "Status", Kind::Text),
            "url" => ("Ссылка", "Link", Kind::Text),
            "deals" => ("Сделок", "Deals", Kind::Count),
            "share" => ("Доля, %", "Share, %", Kind::Percent),
            "stage_now_count" => ("Сейчас в стадии, шт", "In stage now", Kind::Count),
            "stage_now_amount" => ("Сейчас в стадии, сумма", "In stage now, amount", Kind::Money),
            "stage_now_avg_days" => ("Дней в стадии сейчас", "Days in stage now", Kind::Days),
            "stage_avg_days" => ("Средняя длительность стадии", "Average days in stage", Kind::Days),
            "stage_reached_share" => ("Дошли до стадии, %", "Reached, %", Kind::Percent),
            "value" => ("Значение", "Value", Kind::Count),
            "previous" => ("Предыдущий период", "Previous period", Kind::Count),
            "delta_pct" => ("Изменение, %", "Change, %", Kind::Percent),
            other => (other, other, Kind::Text),
        };
        (pick(ru, e), kind)
    };
    if prev && last != "previous" {
        header = format!("{header} — {}", pick("пред. период", "previous"));
    }
    Column { header, kind }
}

fn get<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |v, k| &v[k])
}

fn table(title: &str, rows: &[Value], ids: &[&str], en: bool) -> Table {
    Table {
        title: title.to_string(),
        columns: ids.iter().map(|id| column(id, en)).collect(),
        rows: rows
            .iter()
            .map(|r| {
                ids.iter()
                    .map(|id| match get(r, id) {
                        Value::Null => Cell::Empty,
                        Value::Number(n) => n.as_f64().and_then(|f| Decimal::try_from(f).ok()).map(Cell::Number).unwrap_or(Cell::Empty),
                        Value::String(s) => Cell::Text(s.clone()),
                        Value::Object(o) if o.contains_key("ru") => {
                            Cell::Text(o[if en { "en" } else { "ru" }].as_str().unwrap_or_default().to_string())
                        }
                        other => Cell::Text(other.to_string()),
                    })
                    .collect()
            })
            .collect(),
    }
}

const PROGRESS: [&str; 9] = [
    "progress.plan_amount",
    "progress.fact_amount",
    "progress.fulfilment_pct",
    "progress.plan_count",
    "progress.fact_count",
    "progress.expected_to_date",
    "progress.pace_gap",
    "progress.forecast_eom",
    "progress.needed_per_day",
];

/// The columns of each exportable table.
fn spec(report: &str, table: &str) -> Option<Vec<&'static str>> {
    let with = |head: &[&'static str], tail: &[&'static str]| head.iter().chain(tail).copied().collect::<Vec<_>>();
    Some(match (report, table) {
        ("sales-dynamics", "kpis") => vec!["name", "value", "previous", "delta_pct"],
        ("sales-dynamics", "series") => vec![
            "bucket",
            "new_count",
            "won_count",
            "won_amount",
            "won_amount_new",
            "won_amount_repeat",
            "lost_count",
            "previous.won_amount",
            "previous.won_count",
        ],
        ("sales-dynamics", "employees") => with(&["name"], &sales::EMPLOYEE_METRICS),
        ("sales-dynamics", "stages") => {
            vec![
                "funnel",
                "stage_name",
                "employee",
                "stage_now_count",
                "stage_now_amount",
                "stage_now_avg_days",
                "stage_avg_days",
                "stage_reached_share",
            ]
        }
        ("sales-dynamics", "quarters") => vec!["bucket", "won_amount", "won_count", "previous.won_amount", "previous.won_count"],
        ("sales-dynamics" | "plan-fact", "cycle") => vec!["bucket", "deals", "amount", "share"],
        ("plan-fact", "by_department" | "by_employee" | "by_funnel") => with(&["name"], &PROGRESS),
        ("plan-fact", "by_month") => vec!["month", "plan_amount", "fact_amount", "fulfilment_pct", "plan_count", "fact_count"],
        ("plan-fact", "by_quarter") => vec!["quarter", "plan_amount", "fact_amount", "fulfilment_pct", "plan_count", "fact_count"],
        ("deals", "rows") => vec![
            "id",
            "title",
            "created_at",
            "employee",
            "funnel",
            "stage",
            "status",
            "amount",
            "days",
            "days_in_stage",
            "last_touch_at",
            "url",
        ],
        _ => return None,
    })
}

use sg_metrics::lists::MAX_EXPORT_ROWS;

pub async fn handler(
    State(state): State<AppState>,
    Path(report): Path<String>,
    AxQuery(pairs): AxQuery<Vec<(String, String)>>,
) -> ApiResult<Response> {
    state
        .with_snapshot(move |s| {
            let (bytes, name, xlsx) = render(s, &report, pairs)?;
            Ok(attachment(bytes, &name, xlsx))
        })
        .await
}

/// A report's JSON document (what `GET /api/v1/reports/{name}` answers).
pub fn report(s: &Snapshot, name: &str, mut pairs: Vec<(String, String)>, max_rows: u32) -> ApiResult<Value> {
    match name {
        "sales-dynamics" => sales::build(s, pairs),
        "plan-fact" => planfact::build(s, pairs),
        "deals" => {
            if max_rows > sg_metrics::lists::MAX_PAGE_SIZE {
                pairs.retain(|(k, _)| k != "page" && k != "page_size");
                pairs.push(("page_size".into(), max_rows.to_string()));
            }
            deals::build_with_limit(s, pairs, max_rows)
        }
        _ => Err(ApiError::not_found(format!("no report `{name}` (reports: sales-dynamics, plan-fact, deals)"))),
    }
}

/// One table of a report as a file: `(bytes, file name, is_xlsx)`. Parameters `table`,
/// `format` (xlsx|csv) and `lang` (ru|en) pick what and how; the rest go to the report.
pub fn render(s: &Snapshot, report_name: &str, pairs: Vec<(String, String)>) -> ApiResult<(Vec<u8>, String, bool)> {
    let take = |k: &str| pairs.iter().rev().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let table_name = take("table").unwrap_or_else(|| "rows".into());
    let format = take("format").unwrap_or_else(|| "xlsx".into());
    let en = take("lang").as_deref() == Some("en");
    let rest: Vec<(String, String)> = pairs.iter().filter(|(k, _)| !matches!(k.as_str(), "table" | "format" | "lang")).cloned().collect();
    let cols = spec(report_name, &table_name)
        .ok_or_else(|| ApiError::not_found(format!("report `{report_name}` has no exportable table `{table_name}`")))?;
    let doc = report(s, report_name, rest, MAX_EXPORT_ROWS)?;
    let rows: Vec<Value> = match &doc[table_name.as_str()] {
        Value::Array(a) => a.clone(),
        // Keyed objects (the KPI cards) export one row per key.
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| {
                let mut v = v.clone();
                v["id"] = Value::String(k.clone());
                v
            })
            .collect(),
        _ => Vec::new(),
    };
    let t = table(&format!("{report_name} {table_name}"), &rows, &cols, en);
    let name = format!("{report_name}_{table_name}");
    match format.as_str() {
        "xlsx" => Ok((to_xlsx(&[t]).map_err(|e| ApiError::internal("export_failed", e.to_string()))?, format!("{name}.xlsx"), true)),
        "csv" => Ok((to_csv(&t).map_err(|e| ApiError::internal("export_failed", e.to_string()))?, format!("{name}.csv"), false)),
        f => Err(ApiError::bad(format!("format: `{f}` is not one of xlsx, csv"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_come_from_the_catalogue() {
        assert_eq!(column("won_amount", false).header, "Выручка (успешные)");
        assert_eq!(column("won_amount", true).kind, Kind::Money);
        assert_eq!(column("previous.won_count", false).header, "Успешные сделки, шт — пред. период");
        assert_eq!(column("progress.fulfilment_pct", false).header, "Выполнение плана");
        assert_eq!(column("won_amount_repeat", true).header, "Won revenue (repeat)");
    }
}
