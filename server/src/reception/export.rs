//! Reception exports: which tables and columns a ticket's CSV, the lines of a period
//! and the bulk export hold, and how they are read from one snapshot. Rendering (CSV,
//! XLSX, ZIP) is `crate::reports`; who may ask is checked at the edges.
use app::error::AppError;
use app::filter::Resolved;
use app::ids::TicketId;
use app::reception::{ReceptionFilter, Ticket};
use app::weight::Weight;
use futures::FutureExt;

use crate::export::{col, Cell, Column, Dialect};
use crate::reports::{Report, ReportFormat, ReportKind, Sheet, Sheets};
use crate::storage::reception::{ExportLine, SummaryRow};
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
    col("Sortie", "is_exit", 8.0),
    col("Notes", "notes", 40.0),
];

fn line_cells(l: &ExportLine) -> Vec<Cell<'_>> {
    vec![
        Cell::code(&l.ticket_id),
        Cell::code(&l.ticket_number),
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

fn ticket_cells(t: &Ticket) -> Vec<Cell<'_>> {
    vec![
        Cell::Code(t.id.to_string().into()),
        Cell::Code(t.number.to_string().into()),
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

/// A row of the summary sheet: a category, destination and flow, or a total per flow.
enum SummaryEntry {
    Row(SummaryRow),
    Total { exit: bool, lines: i64, grams: i64 },
}

/// Summary rows, then a total per flow (sums in grams, converted once).
fn summary_entries(rows: Vec<SummaryRow>) -> Vec<SummaryEntry> {
    let totals: Vec<SummaryEntry> = [false, true]
        .into_iter()
        .map(|exit| {
            let (lines, grams) = rows.iter().filter(|r| r.is_exit == exit).fold((0, 0), |(l, g), r| (l + r.lines, g + r.grams));
            SummaryEntry::Total { exit, lines, grams }
        })
        .collect();
    rows.into_iter().map(SummaryEntry::Row).chain(totals).collect()
}

fn flow(exit: bool) -> Cell<'static> {
    Cell::code(if exit { "sortie" } else { "entrée" })
}

fn summary_cells(e: &SummaryEntry) -> Vec<Cell<'_>> {
    match e {
        SummaryEntry::Row(r) => vec![
            r.parent_category_name.as_deref().map_or(Cell::Empty, Cell::user),
            Cell::user(&r.category_name),
            Cell::code(r.destination.as_str()),
            flow(r.is_exit),
            Cell::Int(r.lines),
            Cell::Weight(Weight::from_grams(r.grams)),
        ],
        SummaryEntry::Total { exit, lines, grams } => vec![
            Cell::code(if *exit { "Total sorties" } else { "Total entrées" }),
            Cell::Empty,
            Cell::Empty,
            flow(*exit),
            Cell::Int(*lines),
            Cell::Weight(Weight::from_grams(*grams)),
        ],
    }
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
/// otherwise, all from the same snapshot so that they agree.
pub(crate) async fn produce_tickets(snap: &mut dyn ReceptionSnapshot, f: &Resolved<ReceptionFilter>, format: ReportFormat, out: &Sheets) -> anyhow::Result<()> {
    if format != ReportFormat::Csv {
        let summary = snap.summary(f).await?;
        out.sheet(SUMMARY).await?;
        out.rows(summary_entries(summary), summary_cells).await?;
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
