//! Reception exports: which tables and columns a ticket's CSV, the lines of a period
//! and the bulk export hold, and how they are read from one snapshot. Rendering (CSV,
//! XLSX, ZIP) is `crate::reports`; who may ask is checked at the edges.
use app::error::AppError;
use app::filter::Resolved;
use app::ids::TicketId;
use app::reception::{Destination, ReceptionFilter, Status, Ticket};
use futures::FutureExt;

use super::summary::{flow, summary_cells, summary_entries, SUMMARY_COLUMNS};
use crate::export::{col, Cell, Column, Dialect};
use crate::reports::{Report, ReportFormat, ReportKind, Sheet, Sheets};
use crate::storage::reception::ExportLine;
use crate::storage::ReceptionSnapshot;

/// Columns of every line export (period, ticket, bulk detail). Dates are the ticket's
/// date (which follows the poste for deferred entry) and the line's entry time.
pub const LINE_COLUMNS: [Column; 15] = [
    col("Ticket", "ticket_id", 38.0),
    col("N° de ticket", "ticket_number", 12.0),
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
    col("Flux", "flow", 8.0),
    col("Notes", "notes", 40.0),
];

/// A status as people read it (`ouvert`) or as programs do (`opened`).
fn status(s: Status) -> Cell<'static> {
    Cell::label(s.as_str(), s.word())
}

/// A destination as the pages name it (`Revente`), or its code (`revente`).
fn destination(d: Destination) -> Cell<'static> {
    Cell::label(d.as_str(), d.label())
}

fn line_cells(l: &ExportLine) -> [Cell<'_>; LINE_COLUMNS.len()] {
    [
        Cell::code(l.ticket_id.as_str()),
        // Formatted here, on the writer's thread, not on the database's.
        Cell::Code(l.ticket_number.to_string().into()),
        Cell::Instant(l.ticket_at),
        status(l.ticket_status),
        Cell::code(l.poste_id.as_str()),
        Cell::Bool(l.is_deferred),
        Cell::user(&l.benevole_name),
        Cell::code(l.ligne_id.as_str()),
        Cell::Instant(l.created_at),
        Cell::user(&l.category_name),
        l.parent_category_name.as_deref().map_or(Cell::Empty, Cell::user),
        Cell::Weight(l.poids),
        destination(l.destination),
        flow(l.is_exit),
        l.notes.as_deref().map_or(Cell::Empty, Cell::user),
    ]
}

pub const TICKET_COLUMNS: [Column; 11] = [
    col("Ticket", "ticket_id", 38.0),
    col("N° de ticket", "ticket_number", 12.0),
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

fn ticket_cells(t: &Ticket) -> [Cell<'_>; TICKET_COLUMNS.len()] {
    [
        Cell::Code(t.id.to_string().into()),
        Cell::Code(t.number.to_string().into()),
        Cell::Instant(t.ticket_at),
        status(t.status),
        Cell::Code(t.poste_id.to_string().into()),
        Cell::Bool(t.is_deferred),
        Cell::user(&t.benevole_name),
        t.closed_at.map_or(Cell::Empty, Cell::Instant),
        Cell::Int(t.lines_count),
        Cell::Weight(t.entry_weight_kg),
        Cell::Weight(t.exit_weight_kg),
    ]
}

pub(crate) const LINES: Sheet = Sheet { name: "Lignes", file: "lignes", columns: &LINE_COLUMNS };
pub(crate) const TICKETS: Sheet = Sheet { name: "Tickets", file: "tickets", columns: &TICKET_COLUMNS };
const SUMMARY: Sheet = Sheet { name: "Synthèse", file: "synthese", columns: &SUMMARY_COLUMNS };

fn require_period(f: &Resolved<ReceptionFilter>) -> Result<(), AppError> {
    if f.dates().is_none() {
        return Err(AppError::field("date_from", "Choisissez une période : date_from et date_to (AAAA-MM-JJ), ou period."));
    }
    Ok(())
}

/// One ticket's lines (authorised by the caller).
pub fn ticket_report(f: Resolved<ReceptionFilter>, ticket_id: TicketId, dialect: Dialect) -> Report {
    Report { kind: ReportKind::TicketLines(f, ticket_id), format: ReportFormat::Csv, dialect }
}

/// The lines of a period (ticket dates, Paris days, end day included).
pub fn lines_report(f: Resolved<ReceptionFilter>, dialect: Dialect) -> Result<Report, AppError> {
    require_period(&f)?;
    Ok(Report { kind: ReportKind::ReceptionLines(f), format: ReportFormat::Csv, dialect })
}

/// The bulk export: one row per ticket (CSV), or summary, tickets and lines (XLSX, ZIP).
pub fn tickets_report(f: Resolved<ReceptionFilter>, format: ReportFormat, dialect: Dialect) -> Result<Report, AppError> {
    require_period(&f)?;
    Ok(Report { kind: ReportKind::ReceptionTickets(f), format, dialect })
}

/// Reads the lines sheet.
pub(crate) async fn produce_lines(snap: &mut dyn ReceptionSnapshot, f: &Resolved<ReceptionFilter>, out: &Sheets) -> anyhow::Result<()> {
    out.sheet(LINES).await?;
    out.pipe(line_cells, move |tx| async move { snap.lines(f, &tx).await }.boxed()).await?;
    Ok(())
}

/// Reads the bulk export's sheets: tickets alone for CSV; summary, tickets and lines
/// otherwise, all from the same snapshot so that they agree. `caption` (the period and
/// filters in words) heads the summary only: the Tickets and Lignes sheets stay plain
/// tables starting at A1, for pivot tables and imports.
pub(crate) async fn produce_tickets(snap: &mut dyn ReceptionSnapshot, f: &Resolved<ReceptionFilter>, format: ReportFormat, caption: Vec<String>, out: &Sheets) -> anyhow::Result<()> {
    if format != ReportFormat::Csv {
        let categories = snap.categories().await?;
        let summary = snap.summary(f).await?;
        out.caption(caption).await?;
        out.sheet(SUMMARY).await?;
        out.rows(summary_entries(&summary, &categories), summary_cells).await?;
        out.caption(Vec::new()).await?;
    }
    out.sheet(TICKETS).await?;
    let s = &mut *snap;
    out.pipe(ticket_cells, move |tx| async move { s.tickets(f, &tx).await }.boxed()).await?;
    if format != ReportFormat::Csv {
        out.sheet(LINES).await?;
        out.pipe(line_cells, move |tx| async move { snap.lines(f, &tx).await }.boxed()).await?;
    }
    Ok(())
}
