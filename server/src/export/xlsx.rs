//! The XLSX writer: real numeric and date cells, strings written as strings (never as
//! formulas) and neutralised like in CSV. Worksheets use rust_xlsxwriter's constant
//! memory mode and the workbook goes to a temporary file that is then streamed, so
//! memory stays flat whatever the row count.
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use futures::stream::{BoxStream, StreamExt};
use rust_xlsxwriter::{Format, Workbook, Worksheet};

use super::{neutralize, Cell, Column, ParisClock};

/// Excel's last row is 1,048,576; the header takes one.
const MAX_DATA_ROWS: u32 = 1_048_575;

pub enum Rows {
    Ready(Vec<Vec<Cell<'static>>>),
    Streamed(BoxStream<'static, anyhow::Result<Vec<Cell<'static>>>>),
}

pub struct SheetSpec {
    pub name: &'static str,
    pub columns: &'static [Column],
    pub rows: Rows,
}

struct Formats {
    header: Format,
    weight: Format,
    datetime: Format,
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
            Cell::UserText(t) => ws.write_string(row, c, neutralize(t).as_ref())?,
            Cell::Code(t) => ws.write_string(row, c, t.as_ref())?,
            Cell::Weight(w) => ws.write_number_with_format(row, c, w.as_kg_f64(), &f.weight)?,
            Cell::Int(n) => ws.write_number(row, c, *n as f64)?,
            Cell::Instant(t) => ws.write_number_with_format(row, c, excel_serial(clock, *t), &f.datetime)?,
            Cell::Bool(b) => ws.write_string(row, c, if *b { "oui" } else { "non" })?,
            Cell::Empty => ws,
        };
    }
    Ok(())
}

/// Writes the sheets, in order, into a new workbook at `path`. Streamed rows are pulled
/// one at a time; a sheet that outgrows Excel's row limit continues on "<name> (2)".
pub async fn write_workbook(path: &Path, sheets: Vec<SheetSpec>) -> anyhow::Result<u64> {
    let path = path.to_path_buf();
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || -> anyhow::Result<u64> {
        let f = Formats {
            header: Format::new().set_bold(),
            weight: Format::new().set_num_format("0.000"),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
        };
        let mut wb = Workbook::new();
        let mut clock = ParisClock::default();
        let mut total = 0u64;
        for sheet in sheets {
            let mut part = 1;
            let mut ws = new_sheet(&mut wb, sheet.name, sheet.columns, &f)?;
            let mut row = 0u32;
            let next = |rows: &mut Rows| -> anyhow::Result<Option<Vec<Cell<'static>>>> {
                match rows {
                    Rows::Ready(v) => Ok(v.pop()),
                    // Not on a runtime worker: blocking on the stream is allowed here.
                    Rows::Streamed(s) => handle.block_on(s.next()).transpose(),
                }
            };
            let mut rows = sheet.rows;
            if let Rows::Ready(v) = &mut rows {
                // Popped from the end below.
                v.reverse();
            }
            while let Some(cells) = next(&mut rows)? {
                if row == MAX_DATA_ROWS {
                    part += 1;
                    ws = new_sheet(&mut wb, &format!("{} ({part})", sheet.name), sheet.columns, &f)?;
                    row = 0;
                }
                row += 1;
                total += 1;
                write_row(ws, row, &cells, &f, &mut clock)?;
            }
        }
        wb.save(&path).with_context(|| format!("saving {}", path.display()))?;
        Ok(total)
    })
    .await
    .context("xlsx writer task")?
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
