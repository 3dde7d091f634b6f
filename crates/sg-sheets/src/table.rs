//! Any report table as a real spreadsheet (number formats, frozen header) or as CSV.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, Workbook};

use crate::SheetError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Count,
    /// Rubles: shown whole with thousands separators.
    Money,
    Percent,
    Days,
    Date,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Number(Decimal),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub header: String,
    pub kind: Kind,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Sheet name (trimmed to Excel's 31 characters).
    pub title: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Value>>,
}

fn num_format(kind: Kind) -> &'static str {
    match kind {
        Kind::Money => "# ##0 \"₽\"",
        Kind::Count => "# ##0",
        Kind::Percent => "0.0",
        Kind::Days => "0.0",
        Kind::Text | Kind::Date => "@",
    }
}

/// Excel forbids `[]:*?/\` in sheet names and more than 31 characters.
pub fn sheet_name(title: &str) -> String {
    let clean: String = title.chars().map(|c| if "[]:*?/\\".contains(c) { '_' } else { c }).collect();
    let clean = clean.trim();
    let name: String = clean.chars().take(31).collect();
    if name.is_empty() { "Sheet1".into() } else { name }
}

pub fn to_xlsx(tables: &[Table]) -> Result<Vec<u8>, SheetError> {
    let err = |e: rust_xlsxwriter::XlsxError| SheetError::Write(e.to_string());
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    for t in tables {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&t.title)).map_err(err)?;
        for (c, col) in t.columns.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, &col.header, &bold).map_err(err)?;
        }
        let formats: Vec<Format> = t.columns.iter().map(|c| Format::new().set_num_format(num_format(c.kind))).collect();
        for (r, row) in t.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, cu) = (r as u32 + 1, c as u16);
                match v {
                    Value::Empty => {}
                    Value::Text(s) => {
                        ws.write_string(r, cu, s).map_err(err)?;
                    }
                    Value::Number(n) => {
                        let f = formats.get(c).cloned().unwrap_or_default();
                        ws.write_number_with_format(r, cu, n.to_f64().unwrap_or(0.0), &f).map_err(err)?;
                    }
                }
            }
        }
        ws.set_freeze_panes(1, 0).map_err(err)?;
        ws.autofit();
    }
    wb.save_to_buffer().map_err(err)
}

/// RFC 4180 CSV, comma-separated, UTF-8; numbers with a dot and no grouping (for scripts).
pub fn to_csv(t: &Table) -> Result<Vec<u8>, SheetError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| SheetError::Write(e.to_string());
    w.write_record(t.columns.iter().map(|c| c.header.as_str())).map_err(err)?;
    for row in &t.rows {
        w.write_record(row.iter().map(|v| match v {
            Value::Empty => String::new(),
            Value::Text(s) => s.clone(),
            Value::Number(n) => n.normalize().to_string(),
        }))
        .map_err(err)?;
    }
    w.into_inner().map_err(|e| SheetError::Write(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

    fn sample() -> Table {
        Table {
            title: "По сотрудникам: ноябрь/2026".into(),
            columns: vec![Column { header: "Сотрудник".into(), kind: Kind::Text }, Column { header: "Выручка".into(), kind: Kind::Money }],
            rows: vec![
                vec![Value::Text("Иванов, \"Иван\"".into()), Value::Number(Decimal::new(123456789, 2))],
                vec![Value::Text("Петров".into()), Value::Empty],
            ],
        }
    }

    #[test]
    fn xlsx_is_a_real_workbook_with_numbers() {
        let bytes = to_xlsx(&[sample()]).unwrap();
        let mut wb: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(wb.sheet_names(), vec!["По сотрудникам_ ноябрь_2026".to_string()]);
        let range = wb.worksheet_range("По сотрудникам_ ноябрь_2026").unwrap();
        assert_eq!(range.get_value((1, 1)), Some(&Data::Float(1234567.89)));
        assert_eq!(range.get_value((0, 0)), Some(&Data::String("Сотрудник".into())));
    }

    #[test]
    fn csv_quotes_and_keeps_decimals() {
        let text = String::from_utf8(to_csv(&sample()).unwrap()).unwrap();
        assert_eq!(text, "Сотрудник,Выручка\n\"Иванов, \"\"Иван\"\"\",1234567.89\nПетров,\n");
    }
}
