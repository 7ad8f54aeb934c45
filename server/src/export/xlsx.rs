//! The XLSX writer: real numeric and date cells, strings written as strings (never as
//! formulas); user text that looks like a formula keeps its text exactly and gets
//! Excel's quote-prefix style, so it stays text even when a user edits the cell. Worksheets use rust_xlsxwriter's constant
//! memory mode and the workbook goes to a temporary file that is then streamed, so
//! memory stays flat whatever the row count.
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use rust_xlsxwriter::{Format, Workbook, Worksheet};

use super::{formula_like, Cell, Column, ParisClock};

/// Excel's last row (numbered from 0): 1,048,576 rows.
const MAX_ROW: u32 = 1_048_575;

struct Formats {
    header: Format,
    /// The first caption line (what the file is).
    title: Format,
    weight: Format,
    money: Format,
    datetime: Format,
    /// Text shown as typed that can never become a formula.
    quoted: Format,
}

/// Excel's serial date: days since 1899-12-30, in Paris wall-clock time.
fn excel_serial(clock: &mut ParisClock, t: DateTime<Utc>) -> f64 {
    let local = clock.local(t);
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap().and_hms_opt(0, 0, 0).unwrap();
    (local - epoch).num_milliseconds() as f64 / 86_400_000.0
}

/// A new sheet: the caption lines (if any) and an empty row, then the header row,
/// frozen. Returns the header's row number.
fn new_sheet(wb: &mut Workbook, name: &str, columns: &[Column], caption: &[String], f: &Formats) -> anyhow::Result<u32> {
    let ws = wb.add_worksheet_with_constant_memory()?;
    ws.set_name(name)?;
    for (r, line) in caption.iter().enumerate() {
        // Caption text comes from our own words and the names of sites, users...:
        // written as strings, never formulas.
        if r == 0 {
            ws.write_string_with_format(0, 0, line, &f.title)?;
        } else {
            ws.write_string(r as u32, 0, line)?;
        }
    }
    let header_row = if caption.is_empty() { 0 } else { caption.len() as u32 + 1 };
    for (i, c) in columns.iter().enumerate() {
        ws.set_column_width(i as u16, c.width)?;
        ws.write_string_with_format(header_row, i as u16, c.header, &f.header)?;
    }
    ws.set_freeze_panes(header_row + 1, 0)?;
    Ok(header_row)
}

/// Filter buttons on the header over the rows written.
fn add_autofilter(ws: &mut Worksheet, header_row: u32, last_row: u32, columns: usize) -> anyhow::Result<()> {
    if columns > 0 {
        ws.autofilter(header_row, 0, last_row.max(header_row), columns as u16 - 1)?;
    }
    Ok(())
}

fn write_row(ws: &mut Worksheet, row: u32, cells: &[Cell<'_>], f: &Formats, clock: &mut ParisClock) -> anyhow::Result<()> {
    for (i, cell) in cells.iter().enumerate() {
        let c = i as u16;
        match cell {
            Cell::UserText(t) if formula_like(t) => ws.write_string_with_format(row, c, t.as_ref(), &f.quoted)?,
            Cell::UserText(t) => ws.write_string(row, c, t.as_ref())?,
            Cell::Code(t) => ws.write_string(row, c, t.as_ref())?,
            // A workbook is for people: the French word, never the machine code.
            Cell::Label { label, .. } => ws.write_string(row, c, label.as_ref())?,
            Cell::Weight(w) => ws.write_number_with_format(row, c, w.as_kg_f64(), &f.weight)?,
            // Whole cents / 100 prints back as the same 2-decimal number.
            Cell::Money(m) => ws.write_number_with_format(row, c, m.0 as f64 / 100.0, &f.money)?,
            Cell::Int(n) => ws.write_number(row, c, *n as f64)?,
            Cell::Instant(t) => ws.write_number_with_format(row, c, excel_serial(clock, *t), &f.datetime)?,
            Cell::Bool(b) => ws.write_string(row, c, if *b { "oui" } else { "non" })?,
            Cell::Empty => ws,
        };
    }
    Ok(())
}

/// A workbook written row by row (push style, from a blocking thread): constant-memory
/// worksheets keep their rows in temporary files under `tempdir`.
pub struct XlsxWriter {
    wb: Workbook,
    formats: Formats,
    clock: ParisClock,
    /// The current sheet.
    current: Option<Current>,
    /// Lines above the header of the following sheets.
    caption: Vec<String>,
    rows: u64,
}

/// The sheet being written: a report sheet may continue on further parts.
struct Current {
    name: String,
    columns: Vec<Column>,
    part: u32,
    header_row: u32,
    /// The last row written (the header's until a data row comes).
    row: u32,
}

impl XlsxWriter {
    pub fn new(tempdir: &Path) -> anyhow::Result<Self> {
        let mut wb = Workbook::new();
        wb.set_tempdir(tempdir)?;
        // Deflate level 1: saving a million rows is several times faster than the
        // default level 6, for a file about a quarter larger.
        wb.set_zip_compression_level(1);
        let formats = Formats {
            header: Format::new().set_bold(),
            title: Format::new().set_bold().set_font_size(13),
            weight: Format::new().set_num_format("#,##0.000"),
            money: Format::new().set_num_format("0.00"),
            quoted: Format::new().set_quote_prefix(),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
        };
        Ok(Self { wb, formats, clock: ParisClock::default(), current: None, caption: Vec::new(), rows: 0 })
    }

    /// Lines written above the header of every sheet started from now on.
    pub fn set_caption(&mut self, lines: Vec<String>) {
        self.caption = lines;
    }

    pub fn start_sheet(&mut self, name: &str, columns: &[Column]) -> anyhow::Result<()> {
        self.end_sheet()?;
        let header_row = new_sheet(&mut self.wb, name, columns, &self.caption, &self.formats)?;
        self.current = Some(Current { name: name.to_string(), columns: columns.to_vec(), part: 1, header_row, row: header_row });
        Ok(())
    }

    /// Closes the current sheet part: its autofilter covers the rows written.
    fn end_sheet(&mut self) -> anyhow::Result<()> {
        if let Some(c) = &self.current {
            let ws = self.wb.worksheets_mut().last_mut().context("no worksheet")?;
            add_autofilter(ws, c.header_row, c.row, c.columns.len())?;
        }
        Ok(())
    }

    /// One row on the current sheet; a sheet that outgrows Excel's row limit continues
    /// on "<name> (2)".
    pub fn row(&mut self, cells: &[Cell<'_>]) -> anyhow::Result<()> {
        let c = self.current.as_ref().context("a row before any sheet")?;
        if c.row == MAX_ROW {
            self.end_sheet()?;
            let c = self.current.as_mut().context("a row before any sheet")?;
            c.part += 1;
            c.header_row = new_sheet(&mut self.wb, &format!("{} ({})", c.name, c.part), &c.columns, &self.caption, &self.formats)?;
            c.row = c.header_row;
        }
        let c = self.current.as_mut().context("a row before any sheet")?;
        c.row += 1;
        let r = c.row;
        let ws = self.wb.worksheets_mut().last_mut().context("no worksheet")?;
        write_row(ws, r, cells, &self.formats, &mut self.clock)?;
        self.rows += 1;
        Ok(())
    }

    pub fn rows_written(&self) -> u64 {
        self.rows
    }

    pub fn finish<W: std::io::Write + std::io::Seek + Send>(mut self, out: W) -> anyhow::Result<()> {
        self.end_sheet()?;
        self.wb.save_to_writer(out).context("saving the workbook")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn excel_serials_are_paris_time() {
        // 2026-01-01 00:00 Paris = 2025-12-31 23:00 UTC; serial 46023.
        let mut clock = ParisClock::default();
        let t = Utc.with_ymd_and_hms(2025, 12, 31, 23, 0, 0).unwrap();
        assert_eq!(excel_serial(&mut clock, t), 46023.0);
        let t = Utc.with_ymd_and_hms(2026, 7, 1, 10, 0, 0).unwrap();
        assert_eq!(excel_serial(&mut clock, t), 46204.5);
    }
}
