//! The plan workbook in the customer's layout: one sheet per month named like
//! `Февраль_2025` (also `февраль_2025`, `Февраль 2025`, `2025-02`), one row per employee and
//! funnel, columns for the employee (Bitrix24 ID and/or name), funnel, count, amount and
//! bonus %. CSV holds the same columns plus a month column. Import validates the whole file
//! and returns either every row or every problem, located.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use rust_decimal::Decimal;
use sg_metrics::directory::Directory;
use sg_metrics::period::Month;
use sg_metrics::plan::PlanRow;

use crate::table::{Column, Kind, Table, Value, to_xlsx};
use crate::{Located, SheetError, column_letter};

pub const MONTHS_RU: [&str; 12] =
    ["Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь"];

/// `Февраль_2025` for a month.
pub fn sheet_name(m: Month) -> String {
    format!("{}_{}", MONTHS_RU[(m.month - 1) as usize], m.year)
}

/// A month from a sheet name or cell: `Февраль_2025`, `февраль 2025`, `2025-02`.
pub fn parse_month(s: &str) -> Option<Month> {
    let s = s.trim();
    if let Ok(m) = s.parse::<Month>() {
        return Some(m);
    }
    let (name, year) = s.rsplit_once(['_', ' '])?;
    let name = name.trim().to_lowercase();
    let month = MONTHS_RU.iter().position(|m| m.to_lowercase() == name)? as u32 + 1;
    Month::new(year.trim().parse().ok()?, month)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Field {
    Month,
    Id,
    Name,
    Funnel,
    Count,
    Amount,
    Bonus,
}

fn field_of(header: &str) -> Option<Field> {
    let h = header.trim().to_lowercase().replace(['.', ','], "");
    let h = h.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(match h.as_str() {
        "месяц" | "month" => Field::Month,
        "id" | "id сотрудника" | "user_id" | "bitrix24 id" | "employee id" => Field::Id,
        "сотрудник" | "фио" | "менеджер" | "employee" | "name" => Field::Name,
        "воронка" | "направление" | "funnel" | "funnel_id" => Field::Funnel,
        "количество" | "кол-во" | "план шт" | "count" | "plan_count" => Field::Count,
        "сумма" | "план" | "план сумма" | "amount" | "plan_amount" => Field::Amount,
        "бонус %" | "бонус" | "бонус%" | "% бонуса" | "bonus %" | "bonus" | "bonus_pct" => Field::Bonus,
        _ => return None,
    })
}

/// One cell as read from either format.
#[derive(Clone, Debug)]
enum Raw {
    Empty,
    Text(String),
    Number(f64),
}

impl Raw {
    fn from_data(d: &Data) -> Raw {
        match d {
            Data::Empty => Raw::Empty,
            Data::Int(i) => Raw::Number(*i as f64),
            Data::Float(f) => Raw::Number(*f),
            Data::String(s) if s.trim().is_empty() => Raw::Empty,
            Data::String(s) => Raw::Text(s.trim().to_string()),
            Data::Bool(b) => Raw::Text(b.to_string()),
            other => Raw::Text(other.to_string()),
        }
    }
    fn from_text(s: &str) -> Raw {
        if s.trim().is_empty() { Raw::Empty } else { Raw::Text(s.trim().to_string()) }
    }
    fn text(&self) -> String {
        match self {
            Raw::Empty => String::new(),
            Raw::Text(s) => s.clone(),
            Raw::Number(n) => n.to_string(),
        }
    }
}

/// A sheet (or the CSV) as a header row and data rows with their 1-based row numbers.
struct Grid {
    sheet: String,
    header_row: u32,
    headers: Vec<String>,
    rows: Vec<(u32, Vec<Raw>)>,
}

/// A plan file parsed: its rows and the months it covers (each month is replaced whole).
#[derive(Clone, Debug, PartialEq)]
pub struct PlanFile {
    pub months: Vec<Month>,
    pub rows: Vec<PlanRow>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv,
}

impl Format {
    /// From a file name or content type.
    pub fn guess(name: &str, bytes: &[u8]) -> Format {
        if bytes.starts_with(b"PK") || name.to_lowercase().ends_with(".xlsx") { Format::Xlsx } else { Format::Csv }
    }
}

pub fn parse(bytes: &[u8], format: Format, dir: &Directory) -> Result<PlanFile, SheetError> {
    let grids = match format {
        Format::Xlsx => xlsx_grids(bytes)?,
        Format::Csv => vec![csv_grid(bytes)?],
    };
    let mut errors = Vec::new();
    let mut rows: Vec<(PlanRow, String, u32)> = Vec::new();
    let mut months = Vec::new();
    for g in &grids {
        let sheet_month = if format == Format::Xlsx {
            match parse_month(&g.sheet) {
                Some(m) => Some(m),
                None => {
                    errors.push(Located {
                        sheet: g.sheet.clone(),
                        row: 0,
                        column: String::new(),
                        message: "sheet name is not a month (expected e.g. «Февраль_2025» or «2025-02»)".into(),
                    });
                    continue;
                }
            }
        } else {
            None
        };
        if let Some(m) = sheet_month {
            months.push(m);
        }
        parse_grid(g, sheet_month, dir, &mut rows, &mut months, &mut errors);
    }
    // Duplicate (month, employee, funnel) rows anywhere in the file.
    let mut seen: BTreeMap<(Month, i64, Option<i64>), (String, u32)> = BTreeMap::new();
    for (r, sheet, line) in &rows {
        if let Some((s0, l0)) = seen.insert(r.key(), (sheet.clone(), *line)) {
            let at = if s0 == *sheet { format!("row {l0}") } else { format!("sheet «{s0}» row {l0}") };
            errors.push(Located {
                sheet: sheet.clone(),
                row: *line,
                column: String::new(),
                message: format!("duplicate row: the same employee and funnel as {at}"),
            });
        }
    }
    if !errors.is_empty() {
        return Err(SheetError::Invalid(errors));
    }
    if rows.is_empty() && months.is_empty() {
        return Err(SheetError::Invalid(vec![Located {
            sheet: String::new(),
            row: 0,
            column: String::new(),
            message: "the file holds no plan rows".into(),
        }]));
    }
    months.sort();
    months.dedup();
    Ok(PlanFile { months, rows: rows.into_iter().map(|r| r.0).collect() })
}

fn xlsx_grids(bytes: &[u8]) -> Result<Vec<Grid>, SheetError> {
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| SheetError::Unreadable { format: "XLSX", reason: e.to_string() })?;
    let mut out = Vec::new();
    for name in wb.sheet_names() {
        let range =
            wb.worksheet_range(&name).map_err(|e| SheetError::Unreadable { format: "XLSX", reason: format!("sheet «{name}»: {e}") })?;
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let mut lines = range.rows().enumerate().map(|(i, cells)| {
            let mut v: Vec<Raw> = vec![Raw::Empty; c0 as usize];
            v.extend(cells.iter().map(Raw::from_data));
            (r0 + i as u32 + 1, v)
        });
        // The header is the first non-empty row.
        let mut header = None;
        for (n, cells) in lines.by_ref() {
            if cells.iter().any(|c| !matches!(c, Raw::Empty)) {
                header = Some((n, cells.iter().map(Raw::text).collect()));
                break;
            }
        }
        let Some((header_row, headers)) = header else {
            out.push(Grid { sheet: name, header_row: 0, headers: Vec::new(), rows: Vec::new() });
            continue;
        };
        out.push(Grid { sheet: name, header_row, headers, rows: lines.collect() });
    }
    Ok(out)
}

fn csv_grid(bytes: &[u8]) -> Result<Grid, SheetError> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|e| SheetError::Unreadable { format: "CSV", reason: format!("not UTF-8 text ({e})") })?;
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.matches(';').count() > first.matches(',').count() { b';' } else { b',' };
    let mut rd = csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, rec) in rd.records().enumerate() {
        let rec = rec.map_err(|e| SheetError::Unreadable { format: "CSV", reason: format!("line {}: {e}", i + 1) })?;
        rows.push((i as u32 + 1, rec.iter().map(Raw::from_text).collect::<Vec<_>>()));
    }
    let mut it = rows.into_iter().skip_while(|(_, c)| c.iter().all(|x| matches!(x, Raw::Empty)));
    let Some((header_row, header)) = it.next() else {
        return Ok(Grid { sheet: String::new(), header_row: 0, headers: Vec::new(), rows: Vec::new() });
    };
    Ok(Grid { sheet: String::new(), header_row, headers: header.iter().map(Raw::text).collect(), rows: it.collect() })
}

fn parse_grid(
    g: &Grid,
    sheet_month: Option<Month>,
    dir: &Directory,
    out: &mut Vec<(PlanRow, String, u32)>,
    months: &mut Vec<Month>,
    errors: &mut Vec<Located>,
) {
    let loc = |row: u32, col: Option<usize>, message: String| Located {
        sheet: g.sheet.clone(),
        row,
        column: col
            .map(|c| format!("{} ({})", column_letter(c as u32), g.headers.get(c).map(String::as_str).unwrap_or("")))
            .unwrap_or_default(),
        message,
    };
    if g.headers.is_empty() {
        return; // An empty month sheet: the month is cleared.
    }
    let mut cols: BTreeMap<Field, usize> = BTreeMap::new();
    for (i, h) in g.headers.iter().enumerate() {
        if let Some(f) = field_of(h) {
            if cols.insert(f, i).is_some() {
                errors.push(loc(g.header_row, Some(i), format!("column «{h}» appears twice")));
            }
        } else if !h.trim().is_empty() && !matches!(h.trim().to_lowercase().as_str(), "отдел" | "department") {
            errors.push(loc(
                g.header_row,
                Some(i),
                format!("unknown column «{h}» (expected ID, Сотрудник, Воронка, Количество, Сумма, Бонус %)"),
            ));
        }
    }
    let mut missing = Vec::new();
    if !cols.contains_key(&Field::Id) && !cols.contains_key(&Field::Name) {
        missing.push("ID or Сотрудник");
    }
    if !cols.contains_key(&Field::Amount) {
        missing.push("Сумма");
    }
    if sheet_month.is_none() && !cols.contains_key(&Field::Month) {
        missing.push("Месяц");
    }
    if !missing.is_empty() {
        errors.push(loc(g.header_row, None, format!("missing column(s): {}", missing.join(", "))));
        return;
    }
    for (line, cells) in &g.rows {
        if cells.iter().all(|c| matches!(c, Raw::Empty)) {
            continue;
        }
        let get = |f: Field| cols.get(&f).map(|i| (*i, cells.get(*i).cloned().unwrap_or(Raw::Empty)));
        let before = errors.len();
        let month = match (sheet_month, get(Field::Month)) {
            (Some(m), _) => Some(m),
            (None, Some((i, raw))) => {
                let m = parse_month(&raw.text());
                if m.is_none() {
                    errors.push(loc(*line, Some(i), format!("month «{}» not understood (expected 2025-02 or Февраль_2025)", raw.text())));
                }
                m
            }
            (None, None) => None,
        };
        let user = employee(get(Field::Id), get(Field::Name), dir).map_err(|(i, m)| errors.push(loc(*line, Some(i), m))).ok();
        let funnel = match get(Field::Funnel) {
            None | Some((_, Raw::Empty)) => Ok(None),
            Some((i, raw)) => funnel(&raw, dir).map_err(|m| errors.push(loc(*line, Some(i), m))),
        }
        .ok();
        let mut number = |f: Field, what: &str, integer: bool| -> Decimal {
            match get(f) {
                None | Some((_, Raw::Empty)) => Decimal::ZERO,
                Some((i, raw)) => match to_decimal(&raw) {
                    Some(d) if d.is_sign_negative() => {
                        errors.push(loc(*line, Some(i), format!("{what} is negative ({})", raw.text())));
                        Decimal::ZERO
                    }
                    Some(d) if integer && !d.fract().is_zero() => {
                        errors.push(loc(*line, Some(i), format!("{what} must be a whole number ({})", raw.text())));
                        Decimal::ZERO
                    }
                    Some(d) => d,
                    None => {
                        errors.push(loc(*line, Some(i), format!("{what} is not a number: «{}»", raw.text())));
                        Decimal::ZERO
                    }
                },
            }
        };
        let count = number(Field::Count, "count", true);
        let amount = number(Field::Amount, "amount", false).round_dp(2);
        let bonus = number(Field::Bonus, "bonus %", false);
        if bonus > Decimal::from(100) {
            errors.push(loc(*line, cols.get(&Field::Bonus).copied(), format!("bonus % is over 100 ({bonus})")));
        }
        if errors.len() > before {
            continue;
        }
        let (Some(month), Some(user), Some(funnel)) = (month, user, funnel) else { continue };
        if sheet_month.is_none() {
            months.push(month);
        }
        out.push((
            PlanRow {
                month,
                user_id: user,
                funnel_id: funnel,
                plan_count: count.trunc().try_into().unwrap_or(0),
                plan_amount: amount,
                bonus_pct: bonus,
                needs_review: false,
            },
            g.sheet.clone(),
            *line,
        ));
    }
}

fn to_decimal(raw: &Raw) -> Option<Decimal> {
    match raw {
        Raw::Number(f) => Decimal::try_from(*f).ok().map(|d| d.round_dp(6).normalize()),
        Raw::Text(s) => {
            // «1 234 567,50», «1234567.5», «15%».
            let t: String = s.chars().filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '%' && *c != '₽').collect();
            t.replace(',', ".").parse().ok()
        }
        Raw::Empty => Some(Decimal::ZERO),
    }
}

fn employee(id: Option<(usize, Raw)>, name: Option<(usize, Raw)>, dir: &Directory) -> Result<i64, (usize, String)> {
    match (id, name) {
        (Some((i, raw)), _) if !matches!(raw, Raw::Empty) => {
            let n = to_decimal(&raw).filter(|d| d.fract().is_zero()).and_then(|d| i64::try_from(d).ok());
            match n {
                Some(n) if dir.users.iter().any(|u| u.id == n) => Ok(n),
                Some(n) => Err((i, format!("unknown employee: no Bitrix24 user with ID {n}"))),
                None => Err((i, format!("employee ID is not a number: «{}»", raw.text()))),
            }
        }
        (_, Some((i, raw))) if !matches!(raw, Raw::Empty) => {
            let want = normalise_name(&raw.text());
            let hits: Vec<i64> = dir.users.iter().filter(|u| normalise_name(&u.name) == want).map(|u| u.id).collect();
            match hits.as_slice() {
                [one] => Ok(*one),
                [] => Err((i, format!("unknown employee «{}»", raw.text()))),
                many => {
                    Err((i, format!("employee name «{}» is ambiguous ({} users: IDs {:?}); give the ID", raw.text(), many.len(), many)))
                }
            }
        }
        (Some((i, _)), _) | (_, Some((i, _))) => Err((i, "employee is empty".into())),
        (None, None) => Err((0, "employee is empty".into())),
    }
}

fn normalise_name(s: &str) -> String {
    let mut parts: Vec<String> = s.to_lowercase().replace('ё', "е").split_whitespace().map(String::from).collect();
    parts.sort();
    parts.join(" ")
}

fn funnel(raw: &Raw, dir: &Directory) -> Result<Option<i64>, String> {
    let t = raw.text();
    if matches!(t.to_lowercase().as_str(), "все" | "все воронки" | "all" | "all funnels" | "*") {
        return Ok(None);
    }
    if let Some(id) = to_decimal(raw).filter(|d| d.fract().is_zero()).and_then(|d| i64::try_from(d).ok()) {
        return if dir.funnels.iter().any(|f| f.id == id) { Ok(Some(id)) } else { Err(format!("unknown funnel ID {id}")) };
    }
    dir.funnels
        .iter()
        .find(|f| f.name.to_lowercase() == t.to_lowercase())
        .map(|f| Some(f.id))
        .ok_or_else(|| format!("unknown funnel «{t}»"))
}

/// The plan workbook for `months` (a sheet per month, also for months without rows).
pub fn export(rows: &[PlanRow], months: &[Month], dir: &Directory) -> Result<Vec<u8>, SheetError> {
    to_xlsx(&months.iter().map(|m| month_table(rows, *m, dir, false)).collect::<Vec<_>>())
}

/// The same rows as CSV with a month column.
pub fn export_csv(rows: &[PlanRow], months: &[Month], dir: &Directory) -> Result<Vec<u8>, SheetError> {
    let mut all = month_table(rows, months.first().copied().unwrap_or(Month { year: 2000, month: 1 }), dir, true);
    all.rows.clear();
    for m in months {
        all.rows.extend(month_table(rows, *m, dir, true).rows);
    }
    crate::table::to_csv(&all)
}

fn month_table(rows: &[PlanRow], m: Month, dir: &Directory, with_month: bool) -> Table {
    let col = |h: &str, kind| Column { header: h.into(), kind };
    let mut columns = vec![col("ID", Kind::Count), col("Сотрудник", Kind::Text), col("Отдел", Kind::Text), col("Воронка", Kind::Text)];
    columns.extend([col("Количество", Kind::Count), col("Сумма", Kind::Money), col("Бонус %", Kind::Percent)]);
    if with_month {
        columns.insert(0, col("Месяц", Kind::Text));
    }
    let body = rows
        .iter()
        .filter(|r| r.month == m)
        .map(|r| {
            let dept = dir
                .users
                .iter()
                .find(|u| u.id == r.user_id)
                .and_then(|u| u.departments.first())
                .and_then(|d| dir.departments.iter().find(|x| x.id == *d))
                .map(|d| d.name.clone())
                .unwrap_or_default();
            let mut v = vec![
                Value::Number(Decimal::from(r.user_id)),
                Value::Text(dir.user_name(r.user_id)),
                Value::Text(dept),
                Value::Text(r.funnel_id.map(|f| dir.funnel_name(f)).unwrap_or_else(|| "Все".into())),
                Value::Number(Decimal::from(r.plan_count)),
                Value::Number(r.plan_amount),
                Value::Number(r.bonus_pct),
            ];
            if with_month {
                v.insert(0, Value::Text(m.to_string()));
            }
            v
        })
        .collect();
    Table { title: sheet_name(m), columns, rows: body }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::Workbook;
    use sg_metrics::directory::{Funnel, User};

    fn dir() -> Directory {
        let user = |id, name: &str| User { id, name: name.into(), active: true, departments: vec![1] };
        Directory {
            users: vec![user(10, "Иван Петров"), user(11, "Анна Смирнова"), user(12, "Анна Смирнова"), user(13, "Олег Ёлкин")],
            funnels: vec![Funnel { id: 0, name: "Общая".into() }, Funnel { id: 1, name: "Опт".into() }],
            ..Directory::default()
        }
    }

    fn workbook(sheets: &[(&str, &[&[&str]])]) -> Vec<u8> {
        let mut wb = Workbook::new();
        for (name, rows) in sheets {
            let ws = wb.add_worksheet();
            ws.set_name(*name).unwrap();
            for (r, row) in rows.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    // Numbers go in as numbers, the rest as text (like a person would type).
                    match v.parse::<f64>() {
                        Ok(n) => ws.write_number(r as u32, c as u16, n).unwrap(),
                        Err(_) => ws.write_string(r as u32, c as u16, *v).unwrap(),
                    };
                }
            }
        }
        wb.save_to_buffer().unwrap()
    }

    const HEADER: &[&str] = &["ID", "Сотрудник", "Воронка", "Количество", "Сумма", "Бонус %"];

    #[test]
    fn sheet_names_in_every_accepted_form() {
        assert_eq!(parse_month("Февраль_2025"), Month::new(2025, 2));
        assert_eq!(parse_month("февраль_2025"), Month::new(2025, 2));
        assert_eq!(parse_month("Февраль 2025"), Month::new(2025, 2));
        assert_eq!(parse_month("2025-02"), Month::new(2025, 2));
        assert_eq!(parse_month("Feb_2025"), None);
        assert_eq!(sheet_name(Month::new(2026, 11).unwrap()), "Ноябрь_2026");
    }

    #[test]
    fn a_valid_workbook_parses_by_id_and_unambiguous_name() {
        let bytes = workbook(&[
            ("Ноябрь_2026", &[HEADER, &["10", "", "Все", "5", "1 500 000", "3"], &["", "олег елкин", "Опт", "2", "250000.50", ""]]),
            ("2026-12", &[HEADER, &["10", "Иван Петров", "1", "1", "100", "2.5"]]),
        ]);
        let f = parse(&bytes, Format::Xlsx, &dir()).unwrap();
        assert_eq!(f.months, vec![Month::new(2026, 11).unwrap(), Month::new(2026, 12).unwrap()]);
        assert_eq!(f.rows.len(), 3);
        assert_eq!((f.rows[0].user_id, f.rows[0].funnel_id, f.rows[0].plan_amount), (10, None, Decimal::from(1_500_000)));
        assert_eq!((f.rows[1].user_id, f.rows[1].funnel_id, f.rows[1].plan_amount), (13, Some(1), Decimal::new(25000050, 2)));
        assert_eq!(f.rows[2].bonus_pct, Decimal::new(25, 1));
    }

    #[test]
    fn every_problem_is_located_and_nothing_is_returned() {
        let bytes = workbook(&[
            (
                "Ноябрь_2026",
                &[
                    HEADER,
                    &["99", "", "", "1", "10", "1"],
                    &["", "Анна Смирнова", "", "1", "10", "1"],
                    &["10", "", "", "1", "-5", "1"],
                    &["10", "", "Опт", "много", "10", "1"],
                    &["10", "", "", "1", "20", "1"],
                    &["10", "", "", "1", "30", "1"],
                    &["13", "", "Розница", "1", "10", "1"],
                ],
            ),
            ("Итоги", &[HEADER]),
        ]);
        let Err(SheetError::Invalid(errs)) = parse(&bytes, Format::Xlsx, &dir()) else { panic!("must fail") };
        let at = |row: u32| errs.iter().find(|e| e.row == row).unwrap_or_else(|| panic!("no error at row {row}: {errs:?}"));
        assert!(at(2).message.contains("unknown employee") && at(2).column.starts_with("A"));
        assert!(at(3).message.contains("ambiguous") && at(3).column == "B (Сотрудник)");
        assert!(at(4).message.contains("negative") && at(4).column == "E (Сумма)");
        assert!(at(5).message.contains("not a number") && at(5).column == "D (Количество)");
        assert!(at(7).message.contains("duplicate row") && at(7).message.contains("row 6"));
        assert!(at(8).message.contains("unknown funnel «Розница»"));
        assert!(errs.iter().any(|e| e.sheet == "Итоги" && e.message.contains("not a month")));
        assert_eq!(errs.len(), 7, "{errs:#?}");
    }

    #[test]
    fn csv_with_semicolons_and_a_month_column() {
        let text = "\u{feff}Месяц;ID;Сумма;Бонус %\n2026-11;10;\"1 000,5\";2\nДекабрь_2026;11;7;\nмарт;10;1;1\n";
        let Err(SheetError::Invalid(errs)) = parse(text.as_bytes(), Format::Csv, &dir()) else { panic!("must fail") };
        assert_eq!(errs.len(), 1);
        assert_eq!((errs[0].row, errs[0].column.as_str()), (4, "A (Месяц)"));
        let ok = parse(&text.as_bytes()[..text.find("март").unwrap()], Format::Csv, &dir()).unwrap();
        assert_eq!(ok.rows[0].plan_amount, Decimal::new(10005, 1));
        assert_eq!(ok.months.len(), 2);
    }

    #[test]
    fn export_then_import_round_trips() {
        let rows = vec![
            PlanRow {
                month: Month::new(2026, 11).unwrap(),
                user_id: 10,
                funnel_id: None,
                plan_count: 4,
                plan_amount: Decimal::new(12345, 1),
                bonus_pct: Decimal::from(3),
                needs_review: false,
            },
            PlanRow {
                month: Month::new(2026, 11).unwrap(),
                user_id: 11,
                funnel_id: Some(1),
                plan_count: 1,
                plan_amount: Decimal::from(7),
                bonus_pct: Decimal::ZERO,
                needs_review: false,
            },
        ];
        let months = [Month::new(2026, 11).unwrap(), Month::new(2026, 12).unwrap()];
        let back = parse(&export(&rows, &months, &dir()).unwrap(), Format::Xlsx, &dir()).unwrap();
        assert_eq!(back.rows, rows);
        assert_eq!(back.months, months.to_vec());
        let csv = parse(&export_csv(&rows, &months, &dir()).unwrap(), Format::Csv, &dir()).unwrap();
        assert_eq!(csv.rows, rows);
    }
}
