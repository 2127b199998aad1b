//! Stories out as a spreadsheet: one row per story and step, in [`COLUMNS`] order, as CSV
//! (UTF-8, optionally with a byte-order mark for Excel) or XLSX. The rows are made by the
//! service for one reader (what they may see, names as they may see them); this module only
//! writes them. A cell that a spreadsheet would read as a formula (starting with `=`, `+`,
//! `-`, `@`, a tab or a carriage return) is written with a leading `'`.

use std::borrow::Cow;
use std::io::Write;

/// The columns, in their stable order (documented in the README).
pub const COLUMNS: [&str; 20] = [
    "story_id",
    "revision",
    "told_at",
    "updated_at",
    "convening_id",
    "wave_id",
    "framework_version",
    "title",
    "language",
    "visibility",
    "show_name",
    "teller",
    "hidden",
    "step",
    "cycle",
    "kind",
    "text",
    "indicators",
    "outcome",
    "outcome_text",
];

/// One story step as a reader may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryRow {
    pub story_id: i64,
    pub revision: i64,
    pub told_at: String,
    pub updated_at: String,
    pub convening_id: i64,
    pub wave_id: Option<i64>,
    pub framework_version: i64,
    pub title: String,
    pub language: String,
    pub visibility: &'static str,
    pub show_name: bool,
    /// The teller's name, or empty when this reader may not see it.
    pub teller: String,
    pub hidden: bool,
    /// 1, 2, … within the story.
    pub step: usize,
    pub cycle: String,
    pub kind: &'static str,
    pub text: String,
    /// Indicator keys, separated by spaces (as XLSForm's `select_multiple`).
    pub indicators: String,
    /// The latest outcome of an aspirational step (`happened`, `changed`, `not_yet`, `dropped`).
    pub outcome: String,
    pub outcome_text: String,
}

/// Keeps a spreadsheet from reading a cell as a formula.
pub fn safe_cell(s: &str) -> Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { Cow::Owned(format!("'{s}")) } else { Cow::Borrowed(s) }
}

impl StoryRow {
    /// The row's cells in [`COLUMNS`] order, neutralised.
    pub fn cells(&self) -> [String; 20] {
        let yes = |b: bool| if b { "yes" } else { "no" }.to_string();
        let text = |s: &str| safe_cell(s).into_owned();
        [
            self.story_id.to_string(),
            self.revision.to_string(),
            text(&self.told_at),
            text(&self.updated_at),
            self.convening_id.to_string(),
            self.wave_id.map(|w| w.to_string()).unwrap_or_default(),
            self.framework_version.to_string(),
            text(&self.title),
            text(&self.language),
            self.visibility.to_string(),
            yes(self.show_name),
            text(&self.teller),
            yes(self.hidden),
            self.step.to_string(),
            text(&self.cycle),
            self.kind.to_string(),
            text(&self.text),
            text(&self.indicators),
            text(&self.outcome),
            text(&self.outcome_text),
        ]
    }
}

/// Writes the rows as CSV (`,`, quotes where needed, CRLF-free `\n` lines), with a UTF-8
/// byte-order mark first when `bom` (Excel then reads the accents right).
pub fn write_csv<W: Write>(rows: &[StoryRow], mut out: W, bom: bool) -> Result<(), csv::Error> {
    if bom {
        out.write_all("\u{feff}".as_bytes())?;
    }
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS)?;
    for r in rows {
        w.write_record(r.cells())?;
    }
    w.flush()?;
    Ok(())
}

/// Writes the rows as an `.xlsx` workbook with one sheet, `stories`; every cell is text.
pub fn write_xlsx(rows: &[StoryRow]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("stories")?;
    for (c, name) in COLUMNS.iter().enumerate() {
        sheet.write_string(0, col(c), *name)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let line = u32::try_from(i + 1).unwrap_or(u32::MAX);
        for (c, cell) in r.cells().iter().enumerate() {
            if !cell.is_empty() {
                sheet.write_string(line, col(c), cell)?;
            }
        }
    }
    book.save_to_buffer()
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(text: &str) -> StoryRow {
        StoryRow {
            story_id: 1,
            revision: 1,
            told_at: "2026-03-10T10:00:00Z".into(),
            updated_at: "2026-03-10T10:00:00Z".into(),
            convening_id: 2,
            wave_id: None,
            framework_version: 1,
            title: "=HYPERLINK(\"http://x\")".into(),
            language: "fr".into(),
            visibility: "public",
            show_name: true,
            teller: "@Amina".into(),
            hidden: false,
            step: 1,
            cycle: "immediate".into(),
            kind: "realized",
            text: text.into(),
            indicators: "networking quality".into(),
            outcome: String::new(),
            outcome_text: String::new(),
        }
    }

    #[test]
    fn formula_cells_are_neutralised_and_the_csv_reads_back() {
        let mut out = Vec::new();
        write_csv(&[row("-1+2, \"quoted\"\nsecond line")], &mut out, true).unwrap();
        assert!(out.starts_with("\u{feff}".as_bytes()));
        let mut r = csv::Reader::from_reader(&out[3..]);
        assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), COLUMNS);
        let rec = r.records().next().unwrap().unwrap();
        assert_eq!(&rec[7], "'=HYPERLINK(\"http://x\")");
        assert_eq!(&rec[11], "'@Amina");
        assert_eq!(&rec[16], "'-1+2, \"quoted\"\nsecond line");
        assert_eq!(&rec[17], "networking quality");
    }

    #[test]
    fn plain_text_is_kept_as_is() {
        assert_eq!(safe_cell("Nairobi"), "Nairobi");
        assert_eq!(safe_cell("a=b"), "a=b");
        assert_eq!(safe_cell("+254"), "'+254");
    }
}
