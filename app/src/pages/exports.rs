//! Admin page: bulk export of reception tickets as CSV, Excel (summary, tickets, lines)
//! or a ZIP of CSV files, over a period with filters.
use leptos::prelude::*;

use super::fields::{DestinationFilter, DownloadStatus, PeriodFields, PeriodInput};
use super::guard::Guarded;
use super::scheduled_reports::SaveAsScheduledReport;
use crate::auth::Permission;
use crate::download::download_post;
use crate::filter::Filter;
use crate::reception::ReceptionFilter;
use crate::schedule::report::ReportType;

#[component]
pub fn AdminExports() -> impl IntoView {
    view! {
        <Guarded permission=Some(Permission::Admin)>
            <ExportsPanel/>
        </Guarded>
    }
}

#[component]
fn ExportsPanel() -> impl IntoView {
    let period = PeriodInput::current_month();
    let format = RwSignal::new("xlsx".to_string());
    let status = RwSignal::new(String::new());
    let destination = RwSignal::new(String::new());
    let pending = RwSignal::new(false);
    let result = RwSignal::new(None::<Result<String, String>>);
    // The filter the form says: what is exported, and what a scheduled report saves.
    let current_filter = move || {
        let fields = [("date_from", period.from.get()), ("date_to", period.to.get()), ("status", status.get()), ("destination", destination.get())];
        ReceptionFilter::from_pairs(fields.iter().map(|(k, v)| (*k, v.as_str())), &[])
    };
    let run = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let filter = match current_filter() {
            Ok(f) => f,
            Err(e) => return result.set(Some(Err(e.to_string()))),
        };
        let mut body = filter.to_json();
        body["format"] = serde_json::Value::String(format.get());
        let body = body.to_string();
        pending.set(true);
        result.set(None);
        leptos::task::spawn_local(async move {
            let r = download_post("/v1/admin/reports/reception-tickets/export-bulk", body).await;
            pending.set(false);
            result.set(Some(r));
        });
    };
    view! {
        <section class="card">
            <h1>"Export groupé de la réception"</h1>
            <p class="notice">"Période en jours de Paris, dernier jour inclus, sur la date des tickets (celle du poste pour une saisie différée)."</p>
            <form class="form-grid two" on:submit=run>
                <PeriodFields period prefix="bulk"/>
                <div>
                    <label for="bulk-format">"Format"</label>
                    <select id="bulk-format" data-testid="bulk-format" prop:value=format on:change:target=move |ev| format.set(ev.target().value())>
                        <option value="xlsx">"Excel (synthèse, tickets, lignes)"</option>
                        <option value="csv">"CSV (un ticket par ligne)"</option>
                        <option value="zip">"ZIP (synthèse, tickets et lignes en CSV)"</option>
                    </select>
                </div>
                <div>
                    <label for="bulk-status">"Statut des tickets"</label>
                    <select id="bulk-status" data-testid="bulk-status" on:change:target=move |ev| status.set(ev.target().value())>
                        <option value="">"Tous"</option>
                        <option value="opened">"Ouverts"</option>
                        <option value="closed">"Fermés"</option>
                    </select>
                </div>
                <DestinationFilter id="bulk-destination" value=destination/>
                <button type="submit" class="primary" data-testid="bulk-submit" disabled=move || pending.get()>
                    {move || if pending.get() { "Export en cours…" } else { "Exporter" }}
                </button>
            </form>
            <DownloadStatus result prefix="bulk"/>
            <SaveAsScheduledReport report_type=ReportType::ReceptionTicket filters=Callback::new(move |()| current_filter().map(|f| f.to_json()))/>
        </section>
    }
}
