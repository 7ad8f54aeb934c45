//! Reception exports: a ticket's CSV, the lines of a period, and the admin bulk export
//! (CSV, XLSX with a summary and a detail sheet, or a ZIP of CSV files). All of them
//! use the same columns and go through `crate::export`.
use std::io::Write;

use app::auth::{Permission, UserView};
use app::error::AppError;
use app::reception::{Destination, Period, Status, Ticket, Weight};
use axum::body::Body;
use futures::StreamExt;
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::require;
use crate::export::csv::{stream_body, CsvEncoder};
use crate::export::xlsx::{write_workbook, Rows, SheetSpec};
use crate::export::{col, owned_row, Cell, Column, Dialect};
use crate::state::AppState;
use crate::storage::reception::{ExportLine, SummaryRow, TicketFilter};

/// Columns of every line export (period, ticket, bulk detail). Dates are the ticket's
/// date (which follows the poste for deferred entry) and the line's entry time.
pub const LINE_COLUMNS: [Column; 14] = [
    col("Ticket", "ticket_id", 38.0),
    col("Date du ticket", "ticket_at", 20.0),
    col("Statut du ticket", "ticket_status", 10.0),
    col("Poste", "poste_id", 38.0),
    col("Saisie différée", "is_deferred", 10.0),
    col("Bénévole", "benevole", 20.0),
    col("Ligne", "ligne_id", 38.0),
    col("Saisie de la ligne", "ligne_created_at", 20.0),
    col("Catégorie", "category", 24.0),
    col("Catégorie parente", "parent_category", 24.0),
    col("Poids (kg)", "poids_kg", 12.0),
    col("Destination", "destination", 12.0),
    col("Sortie", "is_exit", 8.0),
    col("Notes", "notes", 40.0),
];

fn line_cells(l: &ExportLine) -> Vec<Cell<'_>> {
    vec![
        Cell::code(&l.ticket_id),
        Cell::Instant(l.ticket_at),
        Cell::code(l.ticket_status.as_str()),
        Cell::code(&l.poste_id),
        Cell::Bool(l.is_deferred),
        Cell::user(&l.benevole_name),
        Cell::code(&l.ligne_id),
        Cell::Instant(l.created_at),
        Cell::user(&l.category_name),
        l.parent_category_name.as_deref().map_or(Cell::Empty, Cell::user),
        Cell::Weight(l.poids),
        Cell::code(l.destination.as_str()),
        Cell::Bool(l.is_exit),
        l.notes.as_deref().map_or(Cell::Empty, Cell::user),
    ]
}

pub const TICKET_COLUMNS: [Column; 10] = [
    col("Ticket", "ticket_id", 38.0),
    col("Date du ticket", "ticket_at", 20.0),
    col("Statut", "status", 10.0),
    col("Poste", "poste_id", 38.0),
    col("Saisie différée", "is_deferred", 10.0),
    col("Bénévole", "benevole", 20.0),
    col("Fermé le", "closed_at", 20.0),
    col("Lignes", "lines_count", 8.0),
    col("Poids entrées (kg)", "entry_weight_kg", 14.0),
    col("Poids sorties (kg)", "exit_weight_kg", 14.0),
];

fn ticket_cells(t: &Ticket) -> Vec<Cell<'_>> {
    vec![
        Cell::Code(t.id.to_string().into()),
        Cell::Instant(t.ticket_at),
        Cell::code(t.status.as_str()),
        Cell::Code(t.poste_id.to_string().into()),
        Cell::Bool(t.is_deferred),
        Cell::user(&t.benevole_name),
        t.closed_at.map_or(Cell::Empty, Cell::Instant),
        Cell::Int(t.lines_count),
        Cell::Weight(t.entry_weight_kg),
        Cell::Weight(t.exit_weight_kg),
    ]
}

pub const SUMMARY_COLUMNS: [Column; 6] = [
    col("Catégorie parente", "parent_category", 24.0),
    col("Catégorie", "category", 24.0),
    col("Destination", "destination", 12.0),
    col("Flux", "flow", 10.0),
    col("Lignes", "lines_count", 8.0),
    col("Poids (kg)", "poids_kg", 12.0),
];

/// Summary rows, then a total per flow (sums in grams, converted once).
fn summary_cells(rows: &[SummaryRow]) -> Vec<Vec<Cell<'_>>> {
    let flow = |exit: bool| Cell::code(if exit { "sortie" } else { "entrée" });
    let mut out: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            vec![
                r.parent_category_name.as_deref().map_or(Cell::Empty, Cell::user),
                Cell::user(&r.category_name),
                Cell::code(r.destination.as_str()),
                flow(r.is_exit),
                Cell::Int(r.lines),
                Cell::Weight(Weight::from_grams(r.grams)),
            ]
        })
        .collect();
    for exit in [false, true] {
        let (lines, grams) = rows.iter().filter(|r| r.is_exit == exit).fold((0, 0), |(l, g), r| (l + r.lines, g + r.grams));
        out.push(vec![
            Cell::code(if exit { "Total sorties" } else { "Total entrées" }),
            Cell::Empty,
            Cell::Empty,
            flow(exit),
            Cell::Int(lines),
            Cell::Weight(Weight::from_grams(grams)),
        ]);
    }
    out
}

/// A file ready to send.
pub struct Download {
    pub filename: String,
    pub content_type: &'static str,
    pub body: Body,
}

const CSV_TYPE: &str = "text/csv; charset=utf-8";
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn lines_body(state: &AppState, dialect: Dialect, filter: TicketFilter) -> Body {
    stream_body(dialect, &LINE_COLUMNS, state.store.stream_export_lines(filter), line_cells)
}

/// One ticket's lines, for its owner or an admin (authorised by the caller).
pub fn ticket_csv(state: &AppState, ticket_id: Uuid, dialect: Dialect) -> Download {
    let filter = TicketFilter { ticket_id: Some(ticket_id), ..Default::default() };
    Download { filename: format!("ticket-{ticket_id}.csv"), content_type: CSV_TYPE, body: lines_body(state, dialect, filter) }
}

/// Query of `GET /v1/reception/lignes/export-csv`; read as text so that every mistake
/// gets a French message.
#[derive(Debug, Default, Deserialize)]
pub struct LinesQuery {
    pub date_from: Option<String>,
    pub date_to: Option<String>,
    pub category_id: Option<String>,
    pub destination: Option<String>,
    pub poste_id: Option<String>,
    pub dialect: Option<String>,
}

fn uuid_param(v: Option<&str>, what: &str) -> Result<Option<Uuid>, AppError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Uuid::parse_str(s).map(Some).map_err(|_| AppError::invalid(format!("{what} invalide : « {s} »."))),
    }
}

fn period_filter(period: &Period) -> TicketFilter {
    let (from, to) = period.utc_bounds();
    TicketFilter { from, to, ..Default::default() }
}

/// The lines of a period (ticket dates, Paris days, end day included): the caller's
/// own for a bénévole, everyone's for an admin.
pub fn lines_csv(state: &AppState, actor: &UserView, q: &LinesQuery) -> Result<Download, AppError> {
    require(actor, Permission::ReceptionAccess)?;
    let period = Period::parse(q.date_from.as_deref(), q.date_to.as_deref())?;
    let dialect = Dialect::parse(q.dialect.as_deref())?;
    let mut filter = period_filter(&period);
    filter.category_id = uuid_param(q.category_id.as_deref(), "category_id")?;
    filter.poste_id = uuid_param(q.poste_id.as_deref(), "poste_id")?;
    filter.destination = q.destination.as_deref().filter(|d| !d.trim().is_empty()).map(Destination::parse).transpose()?;
    // Like ticket lists: bénévoles export their own lines, admins everyone's.
    if !actor.has(Permission::Admin) {
        filter.benevole_id = Some(actor.id);
    }
    Ok(Download {
        filename: format!("reception-lignes-{}_{}.csv", period.from, period.to),
        content_type: CSV_TYPE,
        body: lines_body(state, dialect, filter),
    })
}

/// Body of `POST /v1/admin/reports/reception-tickets/export-bulk`.
#[derive(Debug, Default, Deserialize)]
pub struct BulkExportRequest {
    pub date_from: Option<String>,
    pub date_to: Option<String>,
    pub category_id: Option<String>,
    pub destination: Option<String>,
    pub poste_id: Option<String>,
    pub benevole_id: Option<String>,
    pub status: Option<String>,
    /// `csv` (tickets), `xlsx` (summary, tickets, lines) or `zip` (the same as CSV files).
    pub format: Option<String>,
    pub dialect: Option<String>,
}

pub async fn bulk_export(state: &AppState, actor: &UserView, req: BulkExportRequest) -> Result<Download, AppError> {
    require(actor, Permission::Admin)?;
    let period = Period::parse(req.date_from.as_deref(), req.date_to.as_deref())?;
    let dialect = Dialect::parse(req.dialect.as_deref())?;
    let mut filter = period_filter(&period);
    filter.category_id = uuid_param(req.category_id.as_deref(), "category_id")?;
    filter.poste_id = uuid_param(req.poste_id.as_deref(), "poste_id")?;
    filter.benevole_id = uuid_param(req.benevole_id.as_deref(), "benevole_id")?;
    filter.destination = req.destination.as_deref().filter(|d| !d.trim().is_empty()).map(Destination::parse).transpose()?;
    filter.status = req.status.as_deref().filter(|s| !s.trim().is_empty()).map(Status::parse).transpose()?;
    let stem = format!("reception-tickets-{}_{}", period.from, period.to);
    match req.format.as_deref().map(str::trim).unwrap_or("csv") {
        "csv" => Ok(Download {
            filename: format!("{stem}.csv"),
            content_type: CSV_TYPE,
            body: stream_body(dialect, &TICKET_COLUMNS, state.store.stream_export_tickets(filter), ticket_cells),
        }),
        "xlsx" => {
            let summary = state.store.export_summary(&filter).await?;
            let tickets = state.store.stream_export_tickets(filter.clone()).map(|r| r.map(|t| owned_row(ticket_cells(&t))).map_err(anyhow::Error::from)).boxed();
            let lines = state.store.stream_export_lines(filter).map(|r| r.map(|l| owned_row(line_cells(&l))).map_err(anyhow::Error::from)).boxed();
            let summary_rows = summary_cells(&summary).into_iter().map(owned_row).collect();
            let sheets = vec![
                SheetSpec { name: "Synthèse", columns: &SUMMARY_COLUMNS, rows: Rows::Ready(summary_rows) },
                SheetSpec { name: "Tickets", columns: &TICKET_COLUMNS, rows: Rows::Streamed(tickets) },
                SheetSpec { name: "Lignes", columns: &LINE_COLUMNS, rows: Rows::Streamed(lines) },
            ];
            let file = tempfile::NamedTempFile::new().map_err(crate::error::internal)?;
            write_workbook(file.path(), sheets).await.map_err(crate::error::internal)?;
            Ok(Download { filename: format!("{stem}.xlsx"), content_type: XLSX_TYPE, body: file_body(file).await? })
        }
        "zip" => {
            let summary = state.store.export_summary(&filter).await?;
            let file = tempfile::NamedTempFile::new().map_err(crate::error::internal)?;
            write_zip(state, file.reopen().map_err(crate::error::internal)?, dialect, filter, summary).await.map_err(crate::error::internal)?;
            Ok(Download { filename: format!("{stem}.zip"), content_type: "application/zip", body: file_body(file).await? })
        }
        other => Err(AppError::invalid(format!("Format inconnu : « {other} » (csv, xlsx ou zip)."))),
    }
}

/// Streams a finished temporary file; its name is removed at once, the open handle keeps
/// the data readable until the body is sent.
async fn file_body(file: tempfile::NamedTempFile) -> Result<Body, AppError> {
    let (f, path) = file.into_parts();
    drop(path);
    let f = tokio::fs::File::from_std(f);
    Ok(Body::from_stream(tokio_util::io::ReaderStream::with_capacity(f, 64 * 1024)))
}

/// A ZIP of `synthese.csv`, `tickets.csv` and `lignes.csv`, each written as it streams.
async fn write_zip(state: &AppState, out: std::fs::File, dialect: Dialect, filter: TicketFilter, summary: Vec<SummaryRow>) -> anyhow::Result<()> {
    let mut tickets = state.store.stream_export_tickets(filter.clone());
    let mut lines = state.store.stream_export_lines(filter);
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut zip = zip::ZipWriter::new(out);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let mut enc = CsvEncoder::new(dialect);

        zip.start_file("synthese.csv", options)?;
        enc.header(&SUMMARY_COLUMNS);
        for row in summary_cells(&summary) {
            enc.row(&row);
        }
        zip.write_all(&enc.take())?;

        zip_csv(&mut zip, options, &mut enc, &handle, "tickets.csv", &TICKET_COLUMNS, &mut tickets, ticket_cells)?;
        zip_csv(&mut zip, options, &mut enc, &handle, "lignes.csv", &LINE_COLUMNS, &mut lines, line_cells)?;
        zip.finish()?;
        Ok(())
    })
    .await?
}

/// Writes one streamed table as a CSV entry of the ZIP, flushing every 64 KiB.
#[allow(clippy::too_many_arguments)]
fn zip_csv<T, W: std::io::Write + std::io::Seek>(
    zip: &mut zip::ZipWriter<W>,
    options: zip::write::SimpleFileOptions,
    enc: &mut CsvEncoder,
    handle: &tokio::runtime::Handle,
    name: &str,
    columns: &[Column],
    rows: &mut futures::stream::BoxStream<'static, crate::storage::StoreResult<T>>,
    to_cells: for<'r> fn(&'r T) -> Vec<Cell<'r>>,
) -> anyhow::Result<()> {
    zip.start_file(name, options)?;
    enc.header(columns);
    while let Some(row) = handle.block_on(rows.next()) {
        enc.row(&to_cells(&row?));
        if enc.buffered() > 64 * 1024 {
            zip.write_all(&enc.take())?;
        }
    }
    zip.write_all(&enc.take())?;
    Ok(())
}
