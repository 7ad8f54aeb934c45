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
    /// The filter field an error is about (`date_from`, `date_to`), if any: that field
    /// is marked invalid, described by the message, and focused.
    pub error_field: RwSignal<Option<String>>,
}

impl PeriodInput {
    pub fn current_month() -> Self {
        let today = paris_date(chrono::Utc::now());
        Self {
            from: RwSignal::new(today.with_day(1).unwrap_or(today).to_string()),
            to: RwSignal::new(today.to_string()),
            error_field: RwSignal::new(None),
        }
    }

    /// Shows `e` in `result`, on its field when it names one of these dates.
    pub fn refuse(&self, e: &crate::error::AppError, result: RwSignal<Option<Result<String, String>>>) {
        self.error_field.set(e.field_name().map(str::to_string));
        result.set(Some(Err(e.to_string())));
    }
}

/// Gives `input` the focus whenever `invalid` turns true: the keyboard goes to the field
/// in error.
pub fn focus_when(input: NodeRef<leptos::html::Input>, invalid: impl Fn() -> bool + 'static) {
    Effect::new(move || {
        if invalid() {
            if let Some(el) = input.get() {
                let _ = el.focus();
            }
        }
    });
}

/// "Du" / "Au (inclus)" date fields; ids and test ids are `{prefix}-date-from|to`.
/// `result` is the form's outcome, shown by [`DownloadStatus`] with `status_prefix`:
/// a date in error points to its message, which goes when a date changes.
#[component]
pub fn PeriodFields(period: PeriodInput, prefix: &'static str, result: RwSignal<Option<Result<String, String>>>, status_prefix: &'static str) -> impl IntoView {
    let field = move |label: &'static str, suffix: &'static str, name: &'static str, signal: RwSignal<String>| {
        let id = format!("{prefix}-date-{suffix}");
        let invalid = move || period.error_field.with(|f| f.as_deref() == Some(name));
        let input_ref = NodeRef::<leptos::html::Input>::new();
        focus_when(input_ref, invalid);
        view! {
            <div>
                <label for=id.clone()>{label}</label>
                <input id=id.clone() type="date" required data-testid=id node_ref=input_ref
                    aria-invalid=move || invalid().then_some("true")
                    aria-describedby=move || invalid().then(|| format!("{status_prefix}-error"))
                    prop:value=signal on:input:target=move |ev| {
                        signal.set(ev.target().value());
                        period.error_field.set(None);
                        if matches!(result.get_untracked(), Some(Err(_))) {
                            result.set(None);
                        }
                    }/>
            </div>
        }
    };
    view! {
        {field("Du", "from", "date_from", period.from)}
        {field("Au (inclus)", "to", "date_to", period.to)}
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
            Err(e) => view! { <p class="error" role="alert" id=format!("{prefix}-error") data-testid=format!("{prefix}-error")>{e}</p> }.into_any(),
        })
    }
}
