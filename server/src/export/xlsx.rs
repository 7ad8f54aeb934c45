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

/// Excel's last row is 1,048,576; the header takes one.
const MAX_DATA_ROWS: u32 = 1_048_575;

struct Formats {
    header: Format,
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

fn new_sheet<'a>(wb: &'a mut Workbook, name: &str, columns: &[Column], f: &Formats) -> anyhow::Result<&'a mut Worksheet> {
    let ws = wb.add_worksheet_with_constant_memory()?;
    ws.set_name(name)?;
    for (i, c) in columns.iter().enumerate() {
        ws.set_column_width(i as u16, c.width)?;
        ws.write_string_with_format(0, i as u16, c.header, &f.header)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(ws)
}

fn write_row(ws: &mut Worksheet, row: u32, cells: &[Cell<'_>], f: &Formats, clock: &mut ParisClock) -> anyhow::Result<()> {
    for (i, cell) in cells.iter().enumerate() {
        let c = i as u16;
        match cell {
            Cell::UserText(t) if formula_like(t) => ws.write_string_with_format(row, c, t.as_ref(), &f.quoted)?,
            Cell::UserText(t) => ws.write_string(row, c, t.as_ref())?,
            Cell::Code(t) => ws.write_string(row, c, t.as_ref())?,
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
    /// The current sheet: name, columns, part number, rows written in this part.
    current: Option<(String, Vec<Column>, u32, u32)>,
    rows: u64,
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
            weight: Format::new().set_num_format("0.000"),
            money: Format::new().set_num_format("0.00"),
            quoted: Format::new().set_quote_prefix(),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
        };
        Ok(Self { wb, formats, clock: ParisClock::default(), current: None, rows: 0 })
    }

    pub fn start_sheet(&mut self, name: &str, columns: &[Column]) -> anyhow::Result<()> {
        new_sheet(&mut self.wb, name, columns, &self.formats)?;
        self.current = Some((name.to_string(), columns.to_vec(), 1, 0));
        Ok(())
    }

    /// One row on the current sheet; a sheet that outgrows Excel's row limit continues
    /// on "<name> (2)".
    pub fn row(&mut self, cells: &[Cell<'_>]) -> anyhow::Result<()> {
        let (name, columns, part, row) = self.current.as_mut().context("a row before any sheet")?;
        if *row == MAX_DATA_ROWS {
            *part += 1;
            *row = 0;
            new_sheet(&mut self.wb, &format!("{name} ({part})"), columns, &self.formats)?;
        }
        *row += 1;
        let r = *row;
        let ws = self.wb.worksheets_mut().last_mut().context("no worksheet")?;
        write_row(ws, r, cells, &self.formats, &mut self.clock)?;
        self.rows += 1;
        Ok(())
    }

    pub fn rows_written(&self) -> u64 {
        self.rows
    }

    pub fn finish<W: std::io::Write + std::io::Seek + Send>(mut self, out: W) -> anyhow::Result<()> {
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
