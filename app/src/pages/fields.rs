//! Form pieces shared by the export forms.
use chrono::Datelike;
use leptos::prelude::*;

use crate::reception::Destination;
use crate::time::paris_date;

/// A period typed as two Paris days, end day included; starts on the current month.
#[derive(Clone, Copy)]
pub struct PeriodInput {
    pub from: RwSignal<String>,
    pub to: RwSignal<String>,
}

impl PeriodInput {
    pub fn current_month() -> Self {
        let today = paris_date(chrono::Utc::now());
        Self { from: RwSignal::new(today.with_day(1).unwrap_or(today).to_string()), to: RwSignal::new(today.to_string()) }
    }
}

/// "Du" / "Au (inclus)" date fields; ids and test ids are `{prefix}-date-from|to`.
#[component]
pub fn PeriodFields(period: PeriodInput, prefix: &'static str) -> impl IntoView {
    let field = move |label: &'static str, suffix: &'static str, signal: RwSignal<String>| {
        let id = format!("{prefix}-date-{suffix}");
        view! {
            <div>
                <label for=id.clone()>{label}</label>
                <input id=id.clone() type="date" required data-testid=id
                    prop:value=signal on:input:target=move |ev| signal.set(ev.target().value())/>
            </div>
        }
    };
    view! {
        {field("Du", "from", period.from)}
        {field("Au (inclus)", "to", period.to)}
    }
}

/// A destination filter; the empty value means all of them.
#[component]
pub fn DestinationFilter(id: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <div>
            <label for=id>"Destination"</label>
            <select id=id data-testid=id on:change:target=move |ev| value.set(ev.target().value())>
                <option value="">"Toutes"</option>
                {Destination::ALL.into_iter().map(|d| view! { <option value=d.as_str()>{d.label()}</option> }).collect_view()}
            </select>
        </div>
    }
}

/// Downloads the lines `filter` selects as CSV (`/v1/reception/lignes/export-csv`, scoped
/// to the caller on the server), with `pending` up meanwhile and the outcome in `result`.
pub fn export_lines(filter: &crate::reception::ReceptionFilter, pending: RwSignal<bool>, result: RwSignal<Option<Result<String, String>>>) {
    use crate::filter::Filter;
    let url = format!("/v1/reception/lignes/export-csv?{}", filter.to_query());
    pending.set(true);
    result.set(None);
    leptos::task::spawn_local(async move {
        let r = crate::download::download(&url).await;
        pending.set(false);
        result.set(Some(r));
    });
}

/// The outcome of a download: the saved file's name, or the server's message.
#[component]
pub fn DownloadStatus(result: RwSignal<Option<Result<String, String>>>, prefix: &'static str) -> impl IntoView {
    move || {
        result.get().map(|r| match r {
            Ok(name) => view! { <p class="success" role="status" data-testid=format!("{prefix}-result")>{format!("Fichier « {name} » téléchargé.")}</p> }.into_any(),
            Err(e) => view! { <p class="error" role="alert" data-testid=format!("{prefix}-error")>{e}</p> }.into_any(),
        })
    }
}
