//! The CSV writer: RFC 4180 quoting by the `csv` crate and the profile of [`Dialect`].
//! [`CsvEncoder`] encodes into memory that its caller drains as it goes;
//! [`CsvTable`] writes one table to any sink in chunks as rows come.
use std::io::Write;

use bytes::Bytes;

use super::{neutralize, Cell, Column, Dialect, ParisClock};
use crate::reports::{Sheet, SheetWriter};

const BOM: &[u8] = b"\xEF\xBB\xBF";
/// Rows are sent in chunks of about this size.
const CHUNK: usize = 64 * 1024;

/// Encodes rows into an in-memory buffer that the caller drains as it goes.
pub struct CsvEncoder {
    writer: csv::Writer<Vec<u8>>,
    dialect: Dialect,
    clock: ParisClock,
    /// Reused for the fields the encoder formats itself (numbers, dates).
    scratch: String,
}

impl CsvEncoder {
    pub fn new(dialect: Dialect) -> Self {
        Self { writer: Self::writer(dialect, Vec::with_capacity(CHUNK * 2)), dialect, clock: ParisClock::default(), scratch: String::new() }
    }

    fn writer(dialect: Dialect, buf: Vec<u8>) -> csv::Writer<Vec<u8>> {
        csv::WriterBuilder::new()
            .delimiter(if dialect == Dialect::French { b';' } else { b',' })
            .terminator(csv::Terminator::CRLF)
            .quote_style(csv::QuoteStyle::Necessary)
            .from_writer(buf)
    }

    /// Starts a file: the BOM (French profile) and the header line. Whatever was encoded
    /// and not taken yet is kept before it.
    pub fn header(&mut self, columns: &[Column]) {
        if self.dialect == Dialect::French {
            let mut pending = self.take().to_vec();
            pending.extend_from_slice(BOM);
            self.writer = Self::writer(self.dialect, pending);
        }
        let names = columns.iter().map(|c| if self.dialect == Dialect::French { c.header } else { c.key });
        self.writer.write_record(names).expect("writing to memory");
    }

    /// Writes one record, field by field, without building intermediate strings for
    /// text the row already holds.
    pub fn row(&mut self, cells: &[Cell<'_>]) {
        let french = self.dialect == Dialect::French;
        for cell in cells {
            self.scratch.clear();
            let field: &str = match cell {
                Cell::UserText(t) => match neutralize(t) {
                    std::borrow::Cow::Borrowed(b) => b,
                    std::borrow::Cow::Owned(o) => {
                        self.scratch = o;
                        &self.scratch
                    }
                },
                Cell::Code(t) => t,
                Cell::Label { code, label } => {
                    if french {
                        label
                    } else {
                        code
                    }
                }
                Cell::Money(m) => {
                    let _ = m.write_decimal(&mut self.scratch, if french { ',' } else { '.' });
                    &self.scratch
                }
                Cell::Weight(w) => {
                    let _ = w.write_decimal(&mut self.scratch, if french { ',' } else { '.' });
                    &self.scratch
                }
                Cell::Int(i) => {
                    use std::fmt::Write;
                    let _ = write!(self.scratch, "{i}");
                    &self.scratch
                }
                Cell::Instant(t) => {
                    self.clock.write(*t, self.dialect, &mut self.scratch);
                    &self.scratch
                }
                Cell::Bool(b) => match (french, b) {
                    (true, true) => "oui",
                    (true, false) => "non",
                    (false, true) => "true",
                    (false, false) => "false",
                },
                Cell::Empty => "",
            };
            self.writer.write_field(field).expect("writing to memory");
        }
        self.writer.write_record(None::<&[u8]>).expect("writing to memory");
    }

    pub fn buffered(&self) -> usize {
        self.writer.get_ref().len()
    }

    /// Takes what has been encoded so far.
    pub fn take(&mut self) -> Bytes {
        let done = std::mem::replace(&mut self.writer, Self::writer(self.dialect, Vec::with_capacity(CHUNK * 2)));
        Bytes::from(done.into_inner().expect("flushing to memory cannot fail"))
    }
}

/// One table as a CSV file, written to `out` in chunks of about [`CHUNK`].
pub struct CsvTable<W: Write> {
    enc: CsvEncoder,
    out: W,
    started: bool,
}

impl<W: Write> CsvTable<W> {
    pub fn new(dialect: Dialect, out: W) -> Self {
        Self { enc: CsvEncoder::new(dialect), out, started: false }
    }

    pub fn finish(mut self) -> anyhow::Result<()> {
        self.out.write_all(&self.enc.take())?;
        self.out.flush()?;
        Ok(())
    }
}

impl<W: Write> SheetWriter for CsvTable<W> {
    fn start_sheet(&mut self, sheet: &Sheet) -> anyhow::Result<()> {
        anyhow::ensure!(!self.started, "a CSV file holds one table ({} is a second one)", sheet.name);
        self.started = true;
        self.enc.header(sheet.columns);
        Ok(())
    }

    fn row(&mut self, cells: &[Cell<'_>]) -> anyhow::Result<()> {
        self.enc.row(cells);
        if self.enc.buffered() >= CHUNK {
            self.out.write_all(&self.enc.take())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::col;
    use app::weight::Weight;
    use chrono::TimeZone;

    const COLS: [Column; 5] = [
        col("Poids (kg)", "poids_kg", 10.0),
        col("Notes", "notes", 10.0),
        col("Date", "date", 10.0),
        col("Sortie", "is_exit", 5.0),
        col("Statut", "status", 5.0),
    ];

    fn sample(d: Dialect) -> Vec<u8> {
        let mut e = CsvEncoder::new(d);
        e.header(&COLS);
        let t = chrono::Utc.with_ymd_and_hms(2026, 7, 1, 21, 30, 0).unwrap();
        e.row(&[Cell::Weight(Weight::from_grams(12_500)), Cell::user("=HYPERLINK(\"x\"); \"a\""), Cell::Instant(t), Cell::Bool(true), Cell::label("opened", "ouvert")]);
        e.take().to_vec()
    }

    #[test]
    fn french_profile_bytes() {
        let expected = "\u{feff}Poids (kg);Notes;Date;Sortie;Statut\r\n12,500;\"'=HYPERLINK(\"\"x\"\"); \"\"a\"\"\";2026-07-01 23:30:00;oui;ouvert\r\n";
        assert_eq!(String::from_utf8(sample(Dialect::French)).unwrap(), expected);
    }

    #[test]
    fn standard_profile_bytes() {
        let expected = "poids_kg,notes,date,is_exit,status\r\n12.500,\"'=HYPERLINK(\"\"x\"\"); \"\"a\"\"\",2026-07-01T23:30:00+02:00,true,opened\r\n";
        assert_eq!(String::from_utf8(sample(Dialect::Standard)).unwrap(), expected);
    }
}
