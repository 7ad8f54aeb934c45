//! The close report (issue 10): when a session closes and `CASH_CLOSE_REPORT_RECIPIENTS`
//! names someone, a mail delivery is recorded in the close's own transaction. The mail
//! worker then renders the session's audit report (summary, per-method reconciliation,
//! sales with their items: the cash export, filtered on that one session) and sends it
//! as an attachment. Sending never holds up the close; its outcome is on the outbox page.
use app::auth::UserView;
use app::cash::CashSession;
use app::money::Cents;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::mail::delivery::ReportAttachment;
use crate::state::AppState;
use crate::storage::cash::SessionClose;
use crate::storage::mail::NewDelivery;

pub const KIND: &str = "cash_close_report";

fn counted_line(label: &str, expected: Cents, counted: Option<Cents>) -> String {
    match counted {
        Some(c) => format!("- {label} : attendu {expected}, compté {c}, écart {}", Cents(c.0 - expected.0)),
        None => format!("- {label} : attendu {expected}, non compté"),
    }
}

/// The delivery of the report of `session`, closed as `close` says by `actor`; `None`
/// when nobody is to receive it.
pub fn delivery(state: &AppState, session: &CashSession, close: &SessionClose, actor: &UserView) -> Option<NewDelivery> {
    let recipients = state.settings.cash_close_report_recipients.clone();
    if recipients.is_empty() {
        return None;
    }
    let paris = |t: DateTime<Utc>| app::format::paris_datetime(t);
    let day = app::time::paris_date(close.closed_at);
    let mut intro = format!(
        "Bonjour,\n\nLa session de caisse de {} sur la caisse « {} » ({}) a été fermée le {} par {}.\n\n\
         Ouverture : {}\nFond de caisse : {}\nVentes : {}, articles : {}, total des ventes : {}, dons : {}\n\n\
         Rapprochement par moyen de paiement :\n{}\n{}\n{}\n",
        session.operator_name,
        session.register_name,
        session.site_name,
        paris(close.closed_at),
        actor.display_name,
        paris(session.opened_at),
        session.opening_float_cents,
        session.sales_count,
        session.items_count,
        session.total_cents,
        session.donation_cents,
        counted_line("Espèces (fond de caisse compris)", close.expected_cash, Some(close.counted_cash)),
        counted_line("Carte", close.expected_card, close.counted_card),
        counted_line("Chèques", close.expected_check, close.counted_check),
    );
    if let Some(c) = &close.comment {
        intro.push_str(&format!("Commentaire : {c}\n"));
    }
    intro.push_str("\nLe rapport joint détaille la session : résumé, détails et ventes avec leurs articles.");
    let spec = ReportAttachment {
        report_type: "cash_session".into(),
        filters: serde_json::json!({ "session_id": session.id.to_string() }),
        as_user: actor.id.0,
        format: "xlsx".into(),
        file_stem: format!("cloture-caisse-{}-{day}", crate::reports::slug(&session.register_name)),
        timezone: "Europe/Paris".into(),
        max_bytes: state.settings.report_max_bytes,
        intro,
    };
    Some(NewDelivery {
        id: app::ids::DeliveryId(Uuid::new_v4()),
        kind: KIND,
        source_id: Some(session.id.0),
        recipients,
        subject: format!(
            "Clôture de caisse : {} ({}), {}",
            session.register_name,
            session.site_name,
            app::time::french_date(day)
        ),
        body: String::new(),
        render_json: Some(serde_json::to_string(&spec).expect("a report description serialises")),
        now: close.closed_at,
    })
}
