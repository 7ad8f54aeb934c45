//! Admin page: bulk export of reception tickets as CSV, Excel (summary, tickets, lines)
//! or a ZIP of CSV files, with every field of the reception filter.
use leptos::prelude::*;

use super::fields::{DestinationFilter, DownloadStatus, PeriodFields, PeriodInput};
use super::guard::Guarded;
use super::reception::filter_fields::{BenevoleSelect, CategorySelect, PeriodSelect, PosteSelect, StatusSelect};
use super::scheduled_reports::SaveAsScheduledReport;
use crate::auth::Permission;
use crate::download::download_post;
use crate::error::AppError;
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

/// The form's fields, one per field of the reception filter; the empty value is "any".
#[derive(Clone, Copy)]
struct ExportForm {
    /// A relative period (`last_month`…), or empty for the dates below.
    period: RwSignal<String>,
    dates: PeriodInput,
    status: RwSignal<String>,
    poste: RwSignal<String>,
    benevole: RwSignal<String>,
    category: RwSignal<String>,
    destination: RwSignal<String>,
}

impl ExportForm {
    fn new() -> Self {
        let text = || RwSignal::new(String::new());
        Self { period: text(), dates: PeriodInput::current_month(), status: text(), poste: text(), benevole: text(), category: text(), destination: text() }
    }

    /// The filter the fields make, read by the same parser as the server's.
    fn filter(&self) -> Result<ReceptionFilter, AppError> {
        let period = self.period.get();
        let mut fields = vec![
            ("status", self.status.get()),
            ("poste_id", self.poste.get()),
            ("benevole_id", self.benevole.get()),
            ("category_id", self.category.get()),
            ("destination", self.destination.get()),
        ];
        if period.is_empty() {
            fields.extend([("date_from", self.dates.from.get()), ("date_to", self.dates.to.get())]);
        } else {
            fields.push(("period", period));
        }
        ReceptionFilter::from_pairs(fields.iter().map(|(k, v)| (*k, v.as_str())), &[])
    }
}

#[component]
fn ExportsPanel() -> impl IntoView {
    let form = ExportForm::new();
    // The page's one filter, as the export will send it: what a "save as a scheduled
    // report" action prefills from, and what the poste list follows.
    let filter: Memo<Result<ReceptionFilter, String>> = Memo::new(move |_| form.filter().map_err(|e| e.to_string()));
    let among = Signal::derive(move || filter.get().map(|f| ReceptionFilter { period: f.period, benevole_id: f.benevole_id, ..Default::default() }));
    // A poste chosen for another period or bénévole would select nothing: a new period
    // or bénévole clears it.
    Effect::new(move |_| {
        let _ = (form.period.get(), form.dates.from.get(), form.dates.to.get(), form.benevole.get());
        form.poste.set(String::new());
    });
    let format = RwSignal::new("xlsx".to_string());
    let pending = RwSignal::new(false);
    let result = RwSignal::new(None::<Result<String, String>>);
    let run = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let filter = match form.filter() {
            Ok(f) => f,
            Err(e) => return form.dates.refuse(&e, result),
        };
        form.dates.error_field.set(None);
        let mut body = filter.to_json();
        body["format"] = serde_json::Value::String(format.get_untracked());
        let body = body.to_string();
        pending.set(true);
        result.set(None);
        leptos::task::spawn_local(async move {
            let r = download_post("/v1/admin/reports/reception-tickets/export-bulk", body).await;
            pending.set(false);
            result.set(Some(r));
        });
    };
    let set = |s: RwSignal<String>| Callback::new(move |v: String| s.set(v));
    let dates_chosen = move || form.period.get().is_empty();
    view! {
        <section class="card">
            <h1>"Export groupé de la réception"</h1>
            <p class="notice">"Période en jours de Paris, dernier jour inclus, sur la date des tickets (celle du poste pour une saisie différée)."</p>
            <form class="form-grid two" on:submit=run>
                <div>
                    <PeriodSelect id="bulk-period" value=form.period on_change=set(form.period) empty_label="Dates choisies (Du, Au)"/>
                </div>
                <Show when=dates_chosen>
                    <PeriodFields period=form.dates prefix="bulk" result status_prefix="bulk"/>
                </Show>
                <div>
                    <CategorySelect id="bulk-category" value=form.category on_change=set(form.category)/>
                </div>
                <DestinationFilter id="bulk-destination" value=form.destination/>
                <div>
                    <StatusSelect id="bulk-status" value=form.status on_change=set(form.status)/>
                </div>
                <div>
                    <BenevoleSelect id="bulk-benevole" value=form.benevole on_change=set(form.benevole)/>
                </div>
                <div>
                    <PosteSelect id="bulk-poste" value=form.poste on_change=set(form.poste) among/>
                </div>
                <div>
                    <label for="bulk-format">"Format"</label>
                    <select id="bulk-format" data-testid="bulk-format" prop:value=format on:change:target=move |ev| format.set(ev.target().value())>
                        <option value="xlsx">"Excel (synthèse, tickets, lignes)"</option>
                        <option value="csv">"CSV (un ticket par ligne)"</option>
                        <option value="zip">"ZIP (synthèse, tickets et lignes en CSV)"</option>
                    </select>
                </div>
                <button type="submit" class="primary" data-testid="bulk-submit" disabled=move || pending.get()>
                    {move || if pending.get() { "Export en cours…" } else { "Exporter" }}
                </button>
            </form>
            <DownloadStatus result prefix="bulk"/>
            <SaveAsScheduledReport report_type=ReportType::ReceptionTicket filters=Callback::new(move |()| form.filter().map(|f| f.to_json()))/>
        </section>
    }
}
