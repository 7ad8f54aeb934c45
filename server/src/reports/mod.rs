//! Reports: a file described by a value ([`Report`]: what to read, already scoped and
//! resolved, and in which format) and rendered by one function, [`render`], into any
//! byte sink: the socket of an HTTP download, a file, a mail attachment. Nothing here
//! knows HTTP or who is asking: permissions are checked at the edges (REST handlers,
//! server functions) and the scheduler, before a `Report` exists.
//!
//! Rendering is a pipeline. A producer (async) opens one read snapshot and reads the
//! sheets in order, sending them as [`Event`]s in batches; a format writer (CSV, XLSX
//! or ZIP, on a blocking thread) turns them into bytes. Both ends are bounded, so a
//! slow sink slows the reads instead of filling memory, and a sink that goes away stops
//! them.
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use app::error::AppError;
use app::cash::{CashSessionFilter, SessionSort};
use app::filter::{Filter, Resolved};
use app::time::Period;
use app::ids::TicketId;
use app::reception::ReceptionFilter;
use futures::future::BoxFuture;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::export::{Cell, Column, Dialect};
use crate::storage::{Store, StoreResult};

/// The file formats a report can take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// One table in the project's CSV profile (or the standard dialect).
    Csv,
    /// A workbook with one sheet per table, real numbers and dates.
    Xlsx,
    /// One CSV file per table.
    Zip,
}

impl ReportFormat {
    pub fn parse(raw: Option<&str>, default: ReportFormat) -> Result<Self, AppError> {
        match raw.map(str::trim) {
            None | Some("") => Ok(default),
            Some("csv") => Ok(ReportFormat::Csv),
            Some("xlsx") | Some("excel") => Ok(ReportFormat::Xlsx),
            Some("zip") => Ok(ReportFormat::Zip),
            Some(other) => Err(AppError::field("format", format!("Format inconnu : « {} » (csv, xlsx ou zip).", app::error::truncate(other)))),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Csv => "csv",
            ReportFormat::Xlsx => "xlsx",
            ReportFormat::Zip => "zip",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ReportFormat::Csv => "text/csv; charset=utf-8",
            ReportFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ReportFormat::Zip => "application/zip",
        }
    }
}

/// What a report reads. Each variant carries a filter that was scoped to whoever may
/// receive the file and resolved against the clock.
#[derive(Clone, Debug)]
pub enum ReportKind {
    /// The lines of one ticket.
    TicketLines(Resolved<ReceptionFilter>, TicketId),
    /// Reception lines of a period.
    ReceptionLines(Resolved<ReceptionFilter>),
    /// Reception tickets of a period: one row per ticket (CSV), or summary, tickets and
    /// lines (XLSX, ZIP).
    ReceptionTickets(Resolved<ReceptionFilter>),
    /// The cash audit: summary, a row per session, a row per sale item.
    CashSessions(Resolved<CashSessionFilter>, SessionSort),
    /// The figures of a reception dashboard, computed for (and checked against) its
    /// reader before: a row per period card, per day and per month of the charts.
    ReceptionDashboard(std::sync::Arc<app::reception::ReceptionDashboard>),
}

impl ReportKind {
    /// The [`Sheet::file`] of the table with a row per thing the report is about.
    pub fn subject_sheet(&self) -> &'static str {
        match self {
            ReportKind::TicketLines(..) | ReportKind::ReceptionLines(_) => crate::reception::export::LINES.file,
            ReportKind::ReceptionTickets(_) => crate::reception::export::TICKETS.file,
            ReportKind::CashSessions(..) => crate::cash::export::DETAILS.file,
            ReportKind::ReceptionDashboard(_) => crate::reception::dashboard::FIGURES.file,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Report {
    pub kind: ReportKind,
    pub format: ReportFormat,
    pub dialect: Dialect,
}

impl Report {
    /// The file name: subject and period, e.g. `reception-lignes-2026-01-01_2026-03-31.csv`.
    pub fn file_name(&self) -> String {
        let period = |f: &Resolved<ReceptionFilter>| f.dates().map(|d| format!("-{}_{}", d.from, d.to)).unwrap_or_default();
        let stem = match &self.kind {
            ReportKind::TicketLines(_, id) => format!("ticket-{id}"),
            ReportKind::ReceptionLines(f) => format!("reception-lignes{}", period(f)),
            ReportKind::ReceptionTickets(f) => format!("reception-tickets{}", period(f)),
            ReportKind::CashSessions(f, _) => format!("caisse-sessions{}", f.dates().map(|d| format!("-{}_{}", d.from, d.to)).unwrap_or_default()),
            ReportKind::ReceptionDashboard(d) => format!("reception-tableau-de-bord-{}", d.today),
        };
        crate::export::safe_filename(&format!("{stem}.{}", self.format.extension()))
    }
}

/// A name as a file name part: lowercase ASCII letters and digits, accents dropped,
/// everything else one `-` (`Caisse n°1 Été` → `caisse-n-1-ete`).
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' | 'ì' => 'i',
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' | 'œ' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ç' => 'c',
            'ÿ' => 'y',
            'ñ' => 'n',
            'æ' => 'a',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out: String = out.trim_end_matches('-').chars().take(60).collect();
    if out.is_empty() {
        "rapport".into()
    } else {
        out
    }
}

/// What a rendering produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rendered {
    /// Data rows written, all tables together (headers excluded).
    pub rows: u64,
    /// Bytes written to the sink.
    pub bytes: u64,
    /// Data rows per table, in order, by [`Sheet::file`]: counted from the rows
    /// written, so from the same snapshot as the file.
    pub sheets: Vec<(&'static str, u64)>,
}

impl Rendered {
    /// The rows of the report's subject table (its sessions, its tickets, its lines),
    /// without a summary's total row: zero means "no data on the period".
    pub fn subject_rows(&self, kind: &ReportKind) -> u64 {
        self.sheets.iter().filter(|(file, _)| *file == kind.subject_sheet()).map(|(_, n)| n).sum()
    }
}

/// Renders `report` into `sink`. XLSX is assembled in a temporary file under `tmp_dir`
/// (the zip container needs to seek), removed whatever happens; CSV and ZIP bytes reach
/// the sink while rows are still being read.
pub async fn render<W: Write + Send + 'static>(store: Arc<dyn Store>, report: Report, sink: W, tmp_dir: PathBuf) -> anyhow::Result<Rendered> {
    let (tx, rx) = mpsc::channel::<Event>(4);
    let format = report.format;
    let dialect = report.dialect;
    let writer = tokio::task::spawn_blocking(move || write_events(rx, format, dialect, sink, &tmp_dir));
    let produced = produce(&*store, &report.kind, format, &Sheets { tx }).await;
    // The producer's sender is gone: the writer sees the end of the events.
    let written = writer.await.context("report writer task")?;
    match (produced, written) {
        (Ok(()), Ok(r)) => Ok(r),
        // The writer failing (the sink went away) makes the producer fail too: its
        // error says why.
        (_, Err(e)) => Err(e),
        (Err(e), Ok(_)) => Err(e),
    }
}

async fn produce(store: &dyn Store, kind: &ReportKind, format: ReportFormat, out: &Sheets) -> anyhow::Result<()> {
    match kind {
        ReportKind::TicketLines(f, _) | ReportKind::ReceptionLines(f) => {
            let mut snap = store.reception_snapshot().await?;
            crate::reception::export::produce_lines(&mut *snap, f, out).await
        }
        ReportKind::ReceptionTickets(f) => {
            // Only a workbook has room for a caption (a CSV file stays a plain table).
            let lines = if format == ReportFormat::Xlsx { caption("Réception : tickets et lignes", f, &names(store).await?) } else { Vec::new() };
            let mut snap = store.reception_snapshot().await?;
            crate::reception::export::produce_tickets(&mut *snap, f, format, lines, out).await
        }
        ReportKind::CashSessions(f, sort) => {
            out.caption(caption("Audit des sessions de caisse", f, &names(store).await?)).await?;
            let mut snap = store.cash_snapshot().await?;
            crate::cash::export::produce_sessions(&mut *snap, f, *sort, format, out).await
        }
        ReportKind::ReceptionDashboard(d) => crate::reception::dashboard::produce_figures(d, out).await,
    }
}

/// The names of the ids a filter may hold (sites, registers, users, categories): small
/// tables, read whole.
pub async fn names(store: &dyn Store) -> anyhow::Result<HashMap<Uuid, String>> {
    let mut names = HashMap::new();
    names.extend(store.list_sites().await?.into_iter().map(|s| (s.id.0, s.name)));
    names.extend(store.list_registers().await?.into_iter().map(|r| (r.id.0, r.name)));
    names.extend(store.list_users().await?.into_iter().map(|u| (u.id.0, u.display_name)));
    names.extend(store.list_categories().await?.into_iter().map(|c| (c.id.0, c.name)));
    Ok(names)
}

/// The lines above a sheet's header: what the file is, its period and its filters in
/// words, so that a printed or forwarded sheet still says what it selects.
pub fn caption<F: Filter>(title: &str, f: &Resolved<F>, names: &HashMap<Uuid, String>) -> Vec<String> {
    let period = match (f.filter().period(), f.dates()) {
        (Some(Period::Relative(p)), Some(d)) => format!("Période : {} ({d})", p.label().to_lowercase()),
        (_, Some(d)) => format!("Période : {d}"),
        (_, None) => "Période : toutes les dates".to_string(),
    };
    let conditions = f.filter().describe(&|id| names.get(&id).cloned());
    let filters = if conditions.is_empty() { "Filtres : aucun".to_string() } else { format!("Filtres : {}", conditions.join(" ; ")) };
    vec![format!("RecyClique · {title}"), period, filters]
}

/// One table of a report.
#[derive(Clone, Copy, Debug)]
pub struct Sheet {
    /// The XLSX sheet name.
    pub name: &'static str,
    /// The ZIP entry name, without `.csv`.
    pub file: &'static str,
    pub columns: &'static [Column],
}

/// How a row type becomes cells (borrowing its text): an array as long as its sheet's
/// columns (each cell function's length is its `*_COLUMNS.len()`, so a missing or
/// extra cell is a compile error), on the writer's stack rather than a heap
/// allocation per row.
pub type CellsFn<T, const N: usize> = for<'r> fn(&'r T) -> [Cell<'r>; N];

/// What travels from the producer to the format writer.
pub enum Event {
    /// Lines written above the header of every following sheet (XLSX only: a CSV file
    /// stays a plain table).
    Caption(Vec<String>),
    Sheet(Sheet),
    Rows(Box<dyn Batch>),
}

/// Rows of one type with the function that turns each into cells.
pub trait Batch: Send {
    fn write(&self, out: &mut dyn SheetWriter) -> anyhow::Result<u64>;
}

struct Typed<T, const N: usize> {
    rows: Vec<T>,
    cells: CellsFn<T, N>,
}

impl<T: Send, const N: usize> Batch for Typed<T, N> {
    fn write(&self, out: &mut dyn SheetWriter) -> anyhow::Result<u64> {
        for r in &self.rows {
            out.row(&(self.cells)(r))?;
        }
        Ok(self.rows.len() as u64)
    }
}

/// The producer's end of the pipeline.
pub struct Sheets {
    tx: mpsc::Sender<Event>,
}

fn writer_gone() -> anyhow::Error {
    anyhow::anyhow!("the report writer stopped")
}

/// A channel of row batches from a snapshot read.
pub type BatchSender<T> = mpsc::Sender<StoreResult<Vec<T>>>;

impl Sheets {
    pub async fn caption(&self, lines: Vec<String>) -> anyhow::Result<()> {
        self.tx.send(Event::Caption(lines)).await.map_err(|_| writer_gone())
    }

    pub async fn sheet(&self, sheet: Sheet) -> anyhow::Result<()> {
        self.tx.send(Event::Sheet(sheet)).await.map_err(|_| writer_gone())
    }

    pub async fn rows<T: Send + 'static, const N: usize>(&self, rows: Vec<T>, cells: CellsFn<T, N>) -> anyhow::Result<()> {
        self.tx.send(Event::Rows(Box::new(Typed { rows, cells }))).await.map_err(|_| writer_gone())
    }

    /// Runs a snapshot read (`read` gets the sender its batches go to) and forwards
    /// its batches into the current sheet as they arrive. Returns the rows read.
    pub async fn pipe<'a, T: Send + 'static, const N: usize>(&self, cells: CellsFn<T, N>, read: impl FnOnce(BatchSender<T>) -> BoxFuture<'a, StoreResult<u64>>) -> anyhow::Result<u64> {
        let (tx, mut rx) = mpsc::channel(2);
        // The read owns the sender: when it ends, the forwarding loop sees the end.
        let reading = read(tx);
        let forwarding = async {
            while let Some(batch) = rx.recv().await {
                self.rows(batch?, cells).await?;
            }
            Ok::<(), anyhow::Error>(())
        };
        let (n, ()) = tokio::try_join!(async { reading.await.map_err(anyhow::Error::from) }, forwarding)?;
        Ok(n)
    }
}

/// A format writer: tables in order, rows as cells.
pub trait SheetWriter {
    /// Lines to write above the header of the following sheets, where the format has
    /// room for them.
    fn caption(&mut self, _lines: Vec<String>) {}
    fn start_sheet(&mut self, sheet: &Sheet) -> anyhow::Result<()>;
    fn row(&mut self, cells: &[Cell<'_>]) -> anyhow::Result<()>;
}

/// Counts the bytes that reach the sink.
struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The writer's end: runs on a blocking thread until the producer hangs up.
fn write_events<W: Write>(mut rx: mpsc::Receiver<Event>, format: ReportFormat, dialect: Dialect, sink: W, tmp_dir: &std::path::Path) -> anyhow::Result<Rendered> {
    let mut sink = Counting { inner: sink, bytes: 0 };
    let mut rows = 0u64;
    let mut sheets: Vec<(&'static str, u64)> = Vec::new();
    let mut feed = |w: &mut dyn SheetWriter| -> anyhow::Result<()> {
        while let Some(event) = rx.blocking_recv() {
            match event {
                Event::Caption(lines) => w.caption(lines),
                Event::Sheet(s) => {
                    w.start_sheet(&s)?;
                    sheets.push((s.file, 0));
                }
                Event::Rows(b) => {
                    let n = b.write(w)?;
                    rows += n;
                    if let Some((_, in_sheet)) = sheets.last_mut() {
                        *in_sheet += n;
                    }
                }
            }
        }
        Ok(())
    };
    match format {
        ReportFormat::Csv => {
            let mut w = crate::export::csv::CsvTable::new(dialect, &mut sink);
            feed(&mut w)?;
            w.finish()?;
        }
        ReportFormat::Zip => {
            let mut w = crate::export::zip::CsvZip::new(dialect, &mut sink);
            feed(&mut w)?;
            w.finish()?;
        }
        ReportFormat::Xlsx => {
            std::fs::create_dir_all(tmp_dir).with_context(|| format!("creating {}", tmp_dir.display()))?;
            let mut w = crate::export::xlsx::XlsxWriter::new(tmp_dir)?;
            feed(&mut w)?;
            // The workbook is assembled in an anonymous temporary file (removed when
            // dropped, also on error or panic), then copied to the sink.
            let mut file = tempfile::tempfile_in(tmp_dir).with_context(|| format!("temporary file in {}", tmp_dir.display()))?;
            w.finish(&mut file)?;
            use std::io::Seek;
            file.rewind()?;
            std::io::copy(&mut file, &mut sink).context("copying the workbook")?;
        }
    }
    sink.flush()?;
    Ok(Rendered { rows, bytes: sink.bytes, sheets })
}

impl SheetWriter for crate::export::xlsx::XlsxWriter {
    fn caption(&mut self, lines: Vec<String>) {
        crate::export::xlsx::XlsxWriter::set_caption(self, lines)
    }
    fn start_sheet(&mut self, sheet: &Sheet) -> anyhow::Result<()> {
        crate::export::xlsx::XlsxWriter::start_sheet(self, sheet.name, sheet.columns)
    }
    fn row(&mut self, cells: &[Cell<'_>]) -> anyhow::Result<()> {
        crate::export::xlsx::XlsxWriter::row(self, cells)
    }
}
