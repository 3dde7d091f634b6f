//! Spreadsheets in and out, with no database: the plan workbook in the customer's layout
//! (import with located errors, export) and any report table as XLSX or CSV.

pub mod plan;
pub mod table;

/// Where in a file something is wrong, and what.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Located {
    /// Sheet name (XLSX) or empty for CSV.
    pub sheet: String,
    /// 1-based row number as the spreadsheet shows it (0: the sheet as a whole).
    pub row: u32,
    /// Column letter and header, e.g. `C (Сумма)`; empty when about the whole row/sheet.
    pub column: String,
    pub message: String,
}

impl std::fmt::Display for Located {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sheet = if self.sheet.is_empty() { String::new() } else { format!("sheet «{}», ", self.sheet) };
        let row = if self.row == 0 { String::new() } else { format!("row {}, ", self.row) };
        let col = if self.column.is_empty() { String::new() } else { format!("column {}, ", self.column) };
        write!(f, "{sheet}{row}{col}{}", self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    /// The file cannot be read as a spreadsheet at all.
    #[error("not a readable {format} file: {reason}")]
    Unreadable { format: &'static str, reason: String },
    /// The file was read; these are all the problems found (nothing was applied).
    #[error("{} problem(s) in the file; first: {}", .0.len(), .0.first().map(|e| e.to_string()).unwrap_or_default())]
    Invalid(Vec<Located>),
    #[error("writing the spreadsheet failed: {0}")]
    Write(String),
}

/// Column letter for a 0-based index (`0` → `A`, `27` → `AB`).
pub fn column_letter(mut i: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ASCII letters")
}

#[cfg(test)]
mod tests {
    #[test]
    fn letters() {
        assert_eq!(super::column_letter(0), "A");
        assert_eq!(super::column_letter(25), "Z");
        assert_eq!(super::column_letter(27), "AB");
    }
}
