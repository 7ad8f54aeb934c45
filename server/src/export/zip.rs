//! ZIP of CSV files, one per table, written as a stream: the archive needs no seeking
//! (data descriptors after each entry), so its bytes leave while rows are still read.
use std::io::Write;

use zip::write::{SimpleFileOptions, StreamWriter};
use zip::{CompressionMethod, ZipWriter};

use super::csv::CsvEncoder;
use super::{Cell, Dialect};
use crate::reports::{Sheet, SheetWriter};

/// Encoded CSV is handed to the archive in chunks of about this size.
const CHUNK: usize = 64 * 1024;

pub struct CsvZip<W: Write> {
    zip: ZipWriter<StreamWriter<W>>,
    enc: CsvEncoder,
    open: bool,
}

impl<W: Write> CsvZip<W> {
    pub fn new(dialect: Dialect, out: W) -> Self {
        Self { zip: ZipWriter::new_stream(out), enc: CsvEncoder::new(dialect), open: false }
    }

    fn flush_entry(&mut self) -> anyhow::Result<()> {
        if self.open {
            self.zip.write_all(&self.enc.take())?;
        }
        Ok(())
    }

    pub fn finish(mut self) -> anyhow::Result<()> {
        self.flush_entry()?;
        self.zip.finish()?;
        Ok(())
    }
}

impl<W: Write> SheetWriter for CsvZip<W> {
    fn start_sheet(&mut self, sheet: &Sheet) -> anyhow::Result<()> {
        self.flush_entry()?;
        let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        self.zip.start_file(format!("{}.csv", sheet.file), options)?;
        self.enc.header(sheet.columns);
        self.open = true;
        Ok(())
    }

    fn row(&mut self, cells: &[Cell<'_>]) -> anyhow::Result<()> {
        self.enc.row(cells);
        if self.enc.buffered() >= CHUNK {
            self.zip.write_all(&self.enc.take())?;
        }
        Ok(())
    }
}
