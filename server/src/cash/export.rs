//! The cash audit export: sheets "Résumé" (a row per session and a total row),
//! "Détails" (a row per session, every figure) and "Détails Tickets" (a row per sale
//! item), read from one snapshot with every filter of the audit list applied. CSV is
//! the "Détails" table.
use app::cash::{CashSession, CashSessionFilter, PaymentMethod, SessionSort, SessionStatus, SessionTotals};
use app::filter::Resolved;
use futures::FutureExt;

use crate::export::{col, Cell, Column, Dialect};
use crate::reports::{Report, ReportFormat, ReportKind, Sheet, Sheets};
use crate::storage::cash::{CashSnapshot, ExportItem};

pub const SUMMARY_COLUMNS: [Column; 10] = [
    col("Ouverture", "opened_at", 20.0),
    col("Caisse", "register", 18.0),
    col("Site", "site", 18.0),
    col("Opérateur", "operator", 20.0),
    col("Statut", "status", 10.0),
    col("Ventes", "sales_count", 8.0),
    col("Articles", "items_count", 8.0),
    col("Total ventes (€)", "total_eur", 14.0),
    col("Dons (€)", "donations_eur", 12.0),
    col("Écart espèces (€)", "cash_variance_eur", 14.0),
];

/// A row of the summary: a session, or the total of all of them.
enum SummaryEntry {
    Session(Box<CashSession>),
    Total(SessionTotals),
}

/// A session's status as people read it (`fermée`) or as programs do (`closed`).
fn status(s: SessionStatus) -> Cell<'static> {
    Cell::label(s.as_str(), s.word())
}

fn money_opt(v: Option<app::money::Cents>) -> Cell<'static> {
    v.map_or(Cell::Empty, Cell::Money)
}

fn summary_cells(e: &SummaryEntry) -> [Cell<'_>; SUMMARY_COLUMNS.len()] {
    match e {
        SummaryEntry::Session(s) => [
            Cell::Instant(s.opened_at),
            Cell::user(&s.register_name),
            Cell::user(&s.site_name),
            Cell::user(&s.operator_name),
            status(s.status),
            Cell::Int(s.sales_count),
            Cell::Int(s.items_count),
            Cell::Money(s.total_cents),
            Cell::Money(s.donation_cents),
            money_opt(s.cash_variance_cents),
        ],
        SummaryEntry::Total(t) => [
            Cell::code("TOTAL"),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Int(t.sessions),
            Cell::Int(t.sales),
            Cell::Int(t.items),
            Cell::Money(t.total_cents),
            Cell::Money(t.donation_cents),
            Cell::Money(t.cash_variance_cents),
        ],
    }
}

pub const DETAIL_COLUMNS: [Column; 23] = [
    col("Ouverture", "opened_at", 20.0),
    col("Fermeture", "closed_at", 20.0),
    col("Opérateur", "operator", 20.0),
    col("Caisse", "register", 18.0),
    col("Site", "site", 18.0),
    col("Fond de caisse (€)", "opening_float_eur", 14.0),
    col("Total ventes (€)", "total_eur", 14.0),
    col("Ventes", "sales_count", 8.0),
    col("Articles", "items_count", 8.0),
    col("Dons (€)", "donations_eur", 12.0),
    col("Espèces (€)", "cash_eur", 12.0),
    col("Carte (€)", "card_eur", 12.0),
    col("Chèques (€)", "check_eur", 12.0),
    col("Gratuit (€)", "free_eur", 12.0),
    col("Espèces attendues (€)", "expected_cash_eur", 14.0),
    col("Espèces comptées (€)", "counted_cash_eur", 14.0),
    col("Écart espèces (€)", "cash_variance_eur", 14.0),
    col("Carte comptée (€)", "counted_card_eur", 14.0),
    col("Chèques comptés (€)", "counted_check_eur", 14.0),
    col("Commentaire", "comment", 40.0),
    col("Statut", "status", 10.0),
    col("Saisie différée", "is_deferred", 10.0),
    col("Session", "session_id", 38.0),
];

fn detail_cells(s: &CashSession) -> [Cell<'_>; DETAIL_COLUMNS.len()] {
    [
        Cell::Instant(s.opened_at),
        s.closed_at.map_or(Cell::Empty, Cell::Instant),
        Cell::user(&s.operator_name),
        Cell::user(&s.register_name),
        Cell::user(&s.site_name),
        Cell::Money(s.opening_float_cents),
        Cell::Money(s.total_cents),
        Cell::Int(s.sales_count),
        Cell::Int(s.items_count),
        Cell::Money(s.donation_cents),
        Cell::Money(s.cash_cents),
        Cell::Money(s.card_cents),
        Cell::Money(s.check_cents),
        Cell::Money(s.free_cents),
        money_opt(s.expected_cash_cents),
        money_opt(s.counted_cash_cents),
        money_opt(s.cash_variance_cents),
        money_opt(s.counted_card_cents),
        money_opt(s.counted_check_cents),
        s.comment.as_deref().map_or(Cell::Empty, Cell::user),
        status(s.status),
        Cell::Bool(s.is_deferred),
        Cell::Code(s.id.to_string().into()),
    ]
}

pub const ITEM_COLUMNS: [Column; 12] = [
    col("Vente", "sale_id", 38.0),
    col("Date de vente", "sold_at", 20.0),
    col("Session", "session_id", 38.0),
    col("Caisse", "register", 18.0),
    col("Opérateur", "operator", 20.0),
    col("Catégorie", "category", 24.0),
    col("Catégorie parente", "parent_category", 24.0),
    col("Quantité", "quantity", 8.0),
    col("Poids (kg)", "weight_kg", 12.0),
    col("Prix unitaire (€)", "unit_price_eur", 12.0),
    col("Total ligne (€)", "line_total_eur", 12.0),
    col("Paiements", "payment_methods", 16.0),
];

fn item_cells(i: &ExportItem) -> [Cell<'_>; ITEM_COLUMNS.len()] {
    let methods: Vec<PaymentMethod> = PaymentMethod::ALL.into_iter().zip(i.paid_by).filter(|(_, paid)| *paid).map(|(m, _)| m).collect();
    let codes: Vec<&str> = methods.iter().map(|m| m.as_str()).collect();
    let labels: Vec<&str> = methods.iter().map(|m| m.label()).collect();
    [
        Cell::code(i.sale_id.as_str()),
        Cell::Instant(i.sold_at),
        Cell::code(i.session_id.as_str()),
        Cell::user(&i.register_name),
        Cell::user(&i.operator_name),
        Cell::user(&i.category_name),
        i.parent_category_name.as_deref().map_or(Cell::Empty, Cell::user),
        Cell::Int(i.quantity),
        i.weight.map_or(Cell::Empty, Cell::Weight),
        Cell::Money(i.unit_price),
        Cell::Money(i.line_total),
        Cell::Label { code: codes.join(",").into(), label: labels.join(", ").into() },
    ]
}

const SUMMARY: Sheet = Sheet { name: "Résumé", file: "resume", columns: &SUMMARY_COLUMNS };
pub(crate) const DETAILS: Sheet = Sheet { name: "Détails", file: "details", columns: &DETAIL_COLUMNS };
const ITEMS: Sheet = Sheet { name: "Détails Tickets", file: "details_tickets", columns: &ITEM_COLUMNS };

/// The audit export of the sessions a scoped, resolved filter selects.
pub fn sessions_report(f: Resolved<CashSessionFilter>, sort: SessionSort, format: ReportFormat, dialect: Dialect) -> Report {
    Report { kind: ReportKind::CashSessions(f, sort), format, dialect }
}

/// Reads the export's sheets from one snapshot: "Détails" alone for CSV.
pub(crate) async fn produce_sessions(snap: &mut dyn CashSnapshot, f: &Resolved<CashSessionFilter>, sort: SessionSort, format: ReportFormat, out: &Sheets) -> anyhow::Result<()> {
    if format != ReportFormat::Csv {
        // The total row comes from the same snapshot as the session rows.
        let totals = snap.totals(f).await?;
        out.sheet(SUMMARY).await?;
        let s = &mut *snap;
        out.pipe(summary_cells, move |tx| {
            async move {
                // Sessions are forwarded as summary entries, then the total.
                let (inner_tx, mut inner_rx) = tokio::sync::mpsc::channel::<crate::storage::StoreResult<Vec<CashSession>>>(2);
                let forward = async {
                    while let Some(batch) = inner_rx.recv().await {
                        let batch: Vec<SummaryEntry> = match batch {
                            Ok(b) => b.into_iter().map(|s| SummaryEntry::Session(Box::new(s))).collect(),
                            Err(e) => return Err(e),
                        };
                        if tx.send(Ok(batch)).await.is_err() {
                            break;
                        }
                    }
                    Ok(())
                };
                let read = async move { s.sessions(f, sort, &inner_tx).await };
                let (n, ()) = tokio::try_join!(read, forward)?;
                let _ = tx.send(Ok(vec![SummaryEntry::Total(totals)])).await;
                Ok(n + 1)
            }
            .boxed()
        })
        .await?;
    }
    out.sheet(DETAILS).await?;
    let s = &mut *snap;
    out.pipe(detail_cells, move |tx| async move { s.sessions(f, sort, &tx).await }.boxed()).await?;
    if format != ReportFormat::Csv {
        out.sheet(ITEMS).await?;
        out.pipe(item_cells, move |tx| async move { snap.items(f, &tx).await }.boxed()).await?;
    }
    Ok(())
}
