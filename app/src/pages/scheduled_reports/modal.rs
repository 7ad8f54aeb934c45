//! The ScheduledReportsModal, variants Create and Edit. States: open (editing the
//! fields), summary (the configuration in words, before it is confirmed), loading (the
//! save is pending), error (the browser's check or the server's answer, shown on the
//! field at fault). The filters are the real fields of the report's type (the cash
//! audit's and the reception filter's forms), turned into the `filters_json` the server
//! validates. Accessible: the focus stays in the dialog (Tab and Shift+Tab cycle),
//! Escape closes it and gives the focus back to what opened it, every field is
//! labelled, errors are announced and marked on their field.
use std::collections::HashMap;

use chrono::Utc;
use leptos::prelude::*;
use uuid::Uuid;

use crate::api::list_users;
use crate::cash::CashSessionFilter;
use crate::cash_api::{list_registers, list_sites};
use crate::error::AppError;
use crate::filter::Filter;
use crate::pages::cash::filter_form::{CashFilterFields, CashFilterForm};
use crate::pages::choice::{FieldError, FieldMarks};
use crate::pages::reception::filter_form::{category_paths, ReceptionFilterFields, ReceptionFilterForm};
use crate::reception::ReceptionFilter;
use crate::reception_api::list_categories;
use crate::schedule::report::{check_address, ReportType, ScheduledReport, ScheduledReportInput};
use crate::schedule::{Frequency, Schedule, ScheduleFields};
use crate::scheduled_api::SaveScheduledReport;
use crate::time::Period;
use crate::load::load;

/// The fields the server's errors may name, each shown on its own field; an error
/// naming none of them is shown above the buttons.
const FORM_FIELDS: [&str; 12] = [
    "name",
    "type",
    "frequency",
    "time_of_day",
    "weekday",
    "day_of_month",
    "cron_expression",
    "timezone",
    "recipients",
    "format",
    "filters_json",
    "notify_email",
];

/// The modal's fields.
#[derive(Clone, Copy)]
pub struct Form {
    name: RwSignal<String>,
    report_type: RwSignal<String>,
    frequency: RwSignal<String>,
    time_of_day: RwSignal<String>,
    weekday: RwSignal<String>,
    day_of_month: RwSignal<String>,
    cron: RwSignal<String>,
    timezone: RwSignal<String>,
    recipients: RwSignal<Vec<String>>,
    recipient: RwSignal<String>,
    format: RwSignal<String>,
    cash: CashFilterForm,
    reception: ReceptionFilterForm,
    notify_email: RwSignal<String>,
    enabled: RwSignal<bool>,
    /// The field in error and its message (browser checks and server answers alike).
    error: FieldError,
    /// Set once the fields are checked: the configuration the summary shows and
    /// "Confirmer" sends.
    summary: RwSignal<Option<ScheduledReportInput>>,
}

impl Form {
    pub fn new() -> Self {
        Self {
            name: RwSignal::new(String::new()),
            report_type: RwSignal::new(ReportType::CashSession.as_str().into()),
            frequency: RwSignal::new("weekly".into()),
            time_of_day: RwSignal::new("07:00".into()),
            weekday: RwSignal::new("1".into()),
            day_of_month: RwSignal::new("1".into()),
            cron: RwSignal::new(String::new()),
            timezone: RwSignal::new(crate::schedule::DEFAULT_TIMEZONE.into()),
            recipients: RwSignal::new(Vec::new()),
            recipient: RwSignal::new(String::new()),
            format: RwSignal::new("excel".into()),
            cash: CashFilterForm::new(),
            reception: ReceptionFilterForm::new(),
            notify_email: RwSignal::new(String::new()),
            enabled: RwSignal::new(true),
            error: RwSignal::new(None),
            summary: RwSignal::new(None),
        }
    }

    /// Back to a new report's defaults: weekly, Excel, last week's data.
    pub fn reset(&self) {
        self.name.set(String::new());
        self.report_type.set(ReportType::CashSession.as_str().into());
        self.frequency.set("weekly".into());
        self.time_of_day.set("07:00".into());
        self.weekday.set("1".into());
        self.day_of_month.set("1".into());
        self.cron.set(String::new());
        self.timezone.set(crate::schedule::DEFAULT_TIMEZONE.into());
        self.recipients.set(Vec::new());
        self.recipient.set(String::new());
        self.format.set("excel".into());
        let last_week = || Some(Period::Relative(crate::time::RelativePeriod::LastWeek));
        self.cash.load(&CashSessionFilter { period: last_week(), ..Default::default() });
        self.reception.load(&ReceptionFilter { period: last_week(), ..Default::default() });
        self.notify_email.set(String::new());
        self.enabled.set(true);
        self.error.set(None);
        self.summary.set(None);
    }

    /// A new report of `report_type` with the filters of the page it is saved from.
    pub fn prefill(&self, report_type: ReportType, filters: &serde_json::Value) -> Result<(), AppError> {
        self.reset();
        self.report_type.set(report_type.as_str().into());
        let period = self.load_filters(report_type, filters)?;
        let words = period.map(|p| p.describe()).unwrap_or_else(|| "toutes dates".into());
        self.name.set(format!("{} — {}", report_type.label(), words));
        Ok(())
    }

    /// Loads `filters` in the form of `report_type`; returns their period.
    fn load_filters(&self, report_type: ReportType, filters: &serde_json::Value) -> Result<Option<Period>, AppError> {
        Ok(match report_type {
            ReportType::CashSession => {
                let f = CashSessionFilter::from_json(filters)?;
                self.cash.load(&f);
                f.period
            }
            ReportType::ReceptionTicket => {
                let f = ReceptionFilter::from_json(filters)?;
                self.reception.load(&f);
                f.period
            }
        })
    }

    pub fn edit(&self, r: &ScheduledReport) {
        self.reset();
        self.name.set(r.name.clone());
        self.report_type.set(r.report_type.clone());
        self.frequency.set(r.frequency.clone());
        self.time_of_day.set(r.time_of_day.clone().unwrap_or_else(|| "07:00".into()));
        self.weekday.set(r.weekday.unwrap_or(1).to_string());
        self.day_of_month.set(r.day_of_month.unwrap_or(1).to_string());
        self.cron.set(r.cron_expression.clone().unwrap_or_default());
        self.timezone.set(r.timezone.clone());
        self.recipients.set(r.recipients.clone());
        self.format.set(r.format.clone());
        if let Ok(t) = ReportType::parse(&r.report_type) {
            // A stored filter is valid (the server checked it on save).
            let _ = self.load_filters(t, &r.filters_json);
        }
        self.notify_email.set(r.notify_email.clone().unwrap_or_default());
        self.enabled.set(r.enabled);
    }

    fn schedule_fields(&self) -> ScheduleFields {
        let frequency = self.frequency.get();
        let text = |s: String| Some(s).filter(|s| !s.trim().is_empty());
        ScheduleFields {
            time_of_day: text(self.time_of_day.get()).filter(|_| frequency != "custom"),
            weekday: self.weekday.get().trim().parse().ok().filter(|_| frequency == "weekly"),
            day_of_month: self.day_of_month.get().trim().parse().ok().filter(|_| frequency == "monthly"),
            cron_expression: text(self.cron.get()).filter(|_| frequency == "custom"),
            timezone: text(self.timezone.get()),
            frequency,
        }
    }

    /// The filters of the chosen type, from their fields (an error stays on its field).
    fn filters_json(&self) -> Result<serde_json::Value, AppError> {
        match ReportType::parse(&self.report_type.get_untracked())? {
            ReportType::CashSession => self.cash.filter().map(|f| f.to_json()),
            ReportType::ReceptionTicket => {
                let f = self.reception.filter()?;
                if f.period.is_none() {
                    let e = AppError::field("period", "Choisissez une période nommée ou des dates : un rapport de réception porte sur une période.");
                    self.reception.error.set(Some(("period".into(), e.to_string())));
                    return Err(e);
                }
                Ok(f.to_json())
            }
        }
    }

    fn input(&self) -> Result<ScheduledReportInput, AppError> {
        let s = self.schedule_fields();
        Ok(ScheduledReportInput {
            name: Some(self.name.get_untracked()),
            report_type: Some(self.report_type.get_untracked()),
            frequency: Some(s.frequency),
            time_of_day: s.time_of_day,
            weekday: s.weekday,
            day_of_month: s.day_of_month,
            cron_expression: s.cron_expression,
            timezone: s.timezone,
            recipients: Some(self.recipients.get_untracked()),
            format: Some(self.format.get_untracked()),
            filters_json: Some(self.filters_json()?),
            enabled: Some(self.enabled.get_untracked()),
            notify_email: Some(self.notify_email.get_untracked()),
        })
    }

    /// Shows `e` on its field (or above the buttons), back on the fields' step.
    pub fn fail(&self, e: &AppError) {
        let field = e.field_name().filter(|f| FORM_FIELDS.contains(f)).unwrap_or("form").to_string();
        self.error.set(Some((field, e.to_string())));
        self.summary.set(None);
    }

    /// Adds the typed recipient, refusing a bad address or a duplicate. Returns false
    /// when the typed text is refused.
    fn add_recipient(&self) -> bool {
        let typed = self.recipient.get_untracked();
        if typed.trim().is_empty() {
            return true;
        }
        match check_address(&typed) {
            Err(e) => {
                self.fail(&e);
                false
            }
            Ok(a) => {
                if self.recipients.get_untracked().iter().any(|r| r.eq_ignore_ascii_case(&a)) {
                    self.fail(&AppError::field("recipients", format!("L'adresse « {a} » est déjà dans la liste.")));
                    return false;
                }
                self.recipients.update(|l| l.push(a));
                self.recipient.set(String::new());
                self.error.set(None);
                true
            }
        }
    }

    /// "Suivant": checks every field with the server's rules; the summary follows.
    fn next(&self) {
        if !self.add_recipient() {
            return;
        }
        match self.input().and_then(|i| i.check().map(|_| i)) {
            Err(e) if e.field_name().is_some_and(|f| !FORM_FIELDS.contains(&f)) => {
                // A filter field: its message is already on it.
                self.error.set(None);
            }
            Err(e) => self.fail(&e),
            Ok(input) => {
                self.error.set(None);
                self.summary.set(Some(input));
            }
        }
    }
}

impl Default for Form {
    fn default() -> Self {
        Self::new()
    }
}

/// The next five runs and the words of the schedule being typed, or why it is wrong.
fn preview(form: Form) -> Result<(String, Vec<String>), String> {
    let s = Schedule::from_fields(&form.schedule_fields()).map_err(|e| e.to_string())?;
    let runs = s.next_runs(Utc::now(), 5).into_iter().map(|t| t.with_timezone(&s.tz).format("%d/%m/%Y %H:%M").to_string()).collect();
    Ok((s.describe(), runs))
}

/// Moves the focus to the first or last focusable element of `dialog` when Tab or
/// Shift+Tab would leave it.
#[cfg(feature = "hydrate")]
fn trap_tab(dialog: &web_sys::HtmlElement, ev: &leptos::ev::KeyboardEvent) {
    use wasm_bindgen::JsCast;
    const FOCUSABLE: &str =
        "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";
    let Ok(list) = dialog.query_selector_all(FOCUSABLE) else { return };
    let items: Vec<web_sys::HtmlElement> = (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into().ok()).collect();
    let (Some(first), Some(last)) = (items.first(), items.last()) else { return };
    let active = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element());
    let at = |el: &web_sys::HtmlElement| active.as_ref().is_some_and(|a| a == el.unchecked_ref::<web_sys::Element>());
    let inside = active.as_ref().is_some_and(|a| dialog.contains(Some(&**a)));
    if ev.shift_key() && (at(first) || !inside) {
        ev.prevent_default();
        let _ = last.focus();
    } else if !ev.shift_key() && (at(last) || !inside) {
        ev.prevent_default();
        let _ = first.focus();
    }
}

/// Create (`editing` none) or edit a scheduled report.
#[component]
pub fn ScheduledReportsModal(form: Form, editing: Option<crate::ids::ScheduledReportId>, #[prop(into)] close: Callback<()>, save: ServerAction<SaveScheduledReport>) -> impl IntoView {
    let dialog_ref = NodeRef::<leptos::html::Div>::new();
    let name_ref = NodeRef::<leptos::html::Input>::new();
    let confirm_ref = NodeRef::<leptos::html::Button>::new();
    // The element that opened the dialog gets the focus back when it closes.
    #[cfg(feature = "hydrate")]
    {
        let opener = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element());
        let opener = send_wrapper::SendWrapper::new(opener);
        on_cleanup(move || {
            use wasm_bindgen::JsCast;
            if let Some(el) = opener.take().and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = el.focus();
            }
        });
        Effect::new(move |_| {
            if form.summary.with(Option::is_some) {
                if let Some(b) = confirm_ref.get() {
                    let _ = b.focus();
                }
            } else if let Some(el) = name_ref.get() {
                let _ = el.focus();
            }
        });
    }
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            close.run(());
        }
        "Tab" =>
        {
            #[cfg(feature = "hydrate")]
            if let Some(d) = dialog_ref.get() {
                trap_tab(&d, &ev);
            }
        }
        _ => {}
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.next();
    };
    let title = if editing.is_some() { "Modifier le rapport programmé" } else { "Nouveau rapport programmé" };
    let general =
        move || form.error.get().filter(|(f, _)| f == "form").map(|(_, m)| view! { <p class="error" role="alert" data-testid="sr-form-error">{m}</p> });
    view! {
        <div class="modal-backdrop">
            <div class="modal" role="dialog" aria-modal="true" aria-labelledby="scheduled-modal-title" data-testid="scheduled-modal"
                node_ref=dialog_ref on:keydown=on_keydown>
                <h2 id="scheduled-modal-title">{title}</h2>
                {move || match form.summary.get() {
                    None => view! {
                        <form on:submit=submit novalidate data-testid="sr-form">
                            <Fields form name_ref/>
                            {general}
                            <div class="actions">
                                <button type="submit" class="primary" data-testid="sr-next">"Suivant : récapitulatif"</button>
                                <button type="button" data-testid="sr-cancel" on:click=move |_| close.run(())>"Annuler"</button>
                            </div>
                        </form>
                    }.into_any(),
                    Some(input) => {
                        let to_send = input.clone();
                        view! {
                            <Summary input/>
                            {general}
                            <div class="actions">
                                <button type="button" class="primary" data-testid="sr-submit" node_ref=confirm_ref disabled=move || save.pending().get()
                                    on:click=move |_| {
                                        save.dispatch(SaveScheduledReport { id: editing, input: to_send.clone() });
                                    }>
                                    {move || if save.pending().get() { "Enregistrement…" } else { "Confirmer" }}
                                </button>
                                <button type="button" data-testid="sr-back" on:click=move |_| form.summary.set(None)>"Modifier"</button>
                                <button type="button" data-testid="sr-cancel" on:click=move |_| close.run(())>"Annuler"</button>
                            </div>
                        }.into_any()
                    }
                }}
            </div>
        </div>
    }
}

/// The fields' step.
#[component]
fn Fields(form: Form, name_ref: NodeRef<leptos::html::Input>) -> impl IntoView {
    let marks = FieldMarks { error: form.error, announce: true };
    let frequency = form.frequency;
    let words = move || preview(form);
    // The address being typed, while it is not a valid one.
    let typed_invalid = move || {
        let t = form.recipient.get();
        (!t.trim().is_empty() && check_address(&t).is_err()).then(|| format!("« {} » n'est pas encore une adresse e-mail valide.", t.trim()))
    };
    let recipient_described = move || {
        let mut ids = Vec::new();
        if typed_invalid().is_some() {
            ids.push("sr-recipient-hint");
        }
        if form.error.with(|e| e.as_ref().is_some_and(|(f, _)| f == "recipients")) {
            ids.push("sr-recipient-error");
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    };
    let recipient_invalid = move || recipient_described().map(|_| "true");
    view! {
        <label for="sr-name">"Nom"</label>
        <input id="sr-name" node_ref=name_ref data-testid="sr-name" aria-invalid=marks.invalid("name") aria-describedby=marks.described_by("name", "sr-name".into())
            prop:value=form.name on:input:target=move |ev| form.name.set(ev.target().value())/>
        {marks.message("name", "sr-name".into())}

        <label for="sr-type">"Type de rapport"</label>
        <select id="sr-type" data-testid="sr-type" aria-invalid=marks.invalid("type") aria-describedby=marks.described_by("type", "sr-type".into())
            prop:value=form.report_type on:change:target=move |ev| form.report_type.set(ev.target().value())>
            {[ReportType::CashSession, ReportType::ReceptionTicket].into_iter().map(|t| {
                let v = t.as_str();
                view! { <option value=v selected=move || form.report_type.get() == v>{t.label()}</option> }
            }).collect_view()}
        </select>
        {marks.message("type", "sr-type".into())}

        <label for="sr-frequency">"Fréquence"</label>
        <select id="sr-frequency" data-testid="sr-frequency" aria-invalid=marks.invalid("frequency") aria-describedby=marks.described_by("frequency", "sr-frequency".into())
            prop:value=form.frequency on:change:target=move |ev| form.frequency.set(ev.target().value())>
            {Frequency::ALL.into_iter().map(|f| {
                let v = f.as_str();
                view! { <option value=v selected=move || frequency.get() == v>{f.label()}</option> }
            }).collect_view()}
        </select>
        {marks.message("frequency", "sr-frequency".into())}

        {move || (frequency.get() != "custom").then(|| view! {
            <label for="sr-time">"Heure d'envoi"</label>
            <input id="sr-time" type="time" data-testid="sr-time" aria-invalid=marks.invalid("time_of_day") aria-describedby=marks.described_by("time_of_day", "sr-time".into())
                prop:value=form.time_of_day on:input:target=move |ev| form.time_of_day.set(ev.target().value())/>
        })}
        {marks.message("time_of_day", "sr-time".into())}
        {move || (frequency.get() == "weekly").then(|| view! {
            <label for="sr-weekday">"Jour de la semaine"</label>
            <select id="sr-weekday" data-testid="sr-weekday" aria-invalid=marks.invalid("weekday") aria-describedby=marks.described_by("weekday", "sr-weekday".into())
                prop:value=form.weekday on:change:target=move |ev| form.weekday.set(ev.target().value())>
                {["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"].into_iter().enumerate().map(|(i, d)| {
                    let v = (i + 1).to_string();
                    let v2 = v.clone();
                    view! { <option value=v selected=move || form.weekday.get() == v2>{d}</option> }
                }).collect_view()}
            </select>
        })}
        {marks.message("weekday", "sr-weekday".into())}
        {move || (frequency.get() == "monthly").then(|| view! {
            <label for="sr-day">"Jour du mois (le dernier jour pour les mois plus courts)"</label>
            <input id="sr-day" type="number" min="1" max="31" data-testid="sr-day" aria-invalid=marks.invalid("day_of_month") aria-describedby=marks.described_by("day_of_month", "sr-day".into())
                prop:value=form.day_of_month on:input:target=move |ev| form.day_of_month.set(ev.target().value())/>
        })}
        {marks.message("day_of_month", "sr-day".into())}
        {move || (frequency.get() == "custom").then(|| view! {
            <label for="sr-cron">"Expression cron (minute heure jour mois jour-de-semaine)"</label>
            <input id="sr-cron" data-testid="sr-cron" placeholder="0 7 * * 1" aria-invalid=marks.invalid("cron_expression") aria-describedby=marks.described_by("cron_expression", "sr-cron".into())
                prop:value=form.cron on:input:target=move |ev| form.cron.set(ev.target().value())/>
        })}
        {marks.message("cron_expression", "sr-cron".into())}

        <label for="sr-timezone">"Fuseau horaire"</label>
        <input id="sr-timezone" data-testid="sr-timezone" aria-invalid=marks.invalid("timezone") aria-describedby=marks.described_by("timezone", "sr-timezone".into())
            prop:value=form.timezone on:input:target=move |ev| form.timezone.set(ev.target().value())/>
        {marks.message("timezone", "sr-timezone".into())}

        <div class="schedule-preview" aria-live="polite" data-testid="sr-preview">
            {move || match words() {
                Ok((text, runs)) => view! {
                    <p data-testid="sr-words">{text}</p>
                    <p>"Prochains envois :"</p>
                    <ul data-testid="sr-next-runs">{runs.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
                }.into_any(),
                Err(e) => view! { <p class="error" data-testid="sr-words-error">{e}</p> }.into_any(),
            }}
        </div>

        <label for="sr-recipient">"Destinataires (au moins un)"</label>
        <div class="inline-form">
            <input id="sr-recipient" type="email" data-testid="sr-recipient" prop:value=form.recipient
                aria-invalid=recipient_invalid aria-describedby=recipient_described
                on:input:target=move |ev| form.recipient.set(ev.target().value())
                on:keydown=move |ev| if ev.key() == "Enter" { ev.prevent_default(); form.add_recipient(); }/>
            <button type="button" data-testid="sr-recipient-add" on:click=move |_| { form.add_recipient(); }>"Ajouter"</button>
        </div>
        <p id="sr-recipient-hint" class="hint" aria-live="polite" data-testid="sr-recipient-hint">{typed_invalid}</p>
        <ul class="chips" data-testid="sr-recipients" aria-label="Destinataires ajoutés">
            {move || form.recipients.get().into_iter().enumerate().map(|(i, a)| view! {
                <li>{a.clone()}
                    <button type="button" aria-label=format!("Retirer {a}") on:click=move |_| form.recipients.update(|l| { l.remove(i); })>"×"</button>
                </li>
            }).collect_view()}
        </ul>
        {marks.message("recipients", "sr-recipient".into())}

        <label for="sr-format">"Format"</label>
        <select id="sr-format" data-testid="sr-format" aria-invalid=marks.invalid("format") aria-describedby=marks.described_by("format", "sr-format".into())
            prop:value=form.format on:change:target=move |ev| form.format.set(ev.target().value())>
            <option value="excel" selected=move || form.format.get() != "csv">"Excel (XLSX)"</option>
            <option value="csv" selected=move || form.format.get() == "csv">"CSV"</option>
        </select>
        {marks.message("format", "sr-format".into())}

        <fieldset class="form-grid two" id="sr-filters" data-testid="sr-filters" aria-invalid=marks.invalid("filters_json")
            aria-describedby=marks.described_by("filters_json", "sr-filters".into())>
            <legend>"Filtres du rapport (les mêmes que la liste ; la période est calculée à chaque envoi)"</legend>
            {move || match ReportType::parse(&form.report_type.get()) {
                Ok(ReportType::ReceptionTicket) => view! { <ReceptionFilterFields form=form.reception prefix="sr-r" announce=true/> }.into_any(),
                _ => view! { <CashFilterFields form=form.cash prefix="sr-f" announce=true/> }.into_any(),
            }}
        </fieldset>
        {marks.message("filters_json", "sr-filters".into())}

        <label for="sr-notify">"Adresse pour les avis d'échec (facultatif)"</label>
        <input id="sr-notify" type="email" data-testid="sr-notify" aria-invalid=marks.invalid("notify_email") aria-describedby=marks.described_by("notify_email", "sr-notify".into())
            prop:value=form.notify_email on:input:target=move |ev| form.notify_email.set(ev.target().value())/>
        {marks.message("notify_email", "sr-notify".into())}

        <label class="check" for="sr-enabled"><input id="sr-enabled" type="checkbox" data-testid="sr-enabled" prop:checked=form.enabled on:change:target=move |ev| form.enabled.set(ev.target().checked())/>" Actif"</label>
    }
}

/// The names of the ids a filter may hold (sites, registers, users, categories).
async fn names() -> HashMap<Uuid, String> {
    let mut out = HashMap::new();
    if let Ok(sites) = list_sites().await {
        out.extend(sites.into_iter().map(|s| (s.id.0, s.name)));
    }
    if let Ok(registers) = list_registers().await {
        out.extend(registers.into_iter().map(|r| (r.id.0, format!("{} — {}", r.name, r.site_name))));
    }
    if let Ok(users) = list_users().await {
        out.extend(users.into_iter().map(|u| (u.id.0, u.display_name)));
    }
    if let Ok(categories) = list_categories().await {
        out.extend(category_paths(&categories).into_iter().filter_map(|(id, path)| id.parse().ok().map(|id| (id, path))));
    }
    out
}

/// The period and the other filters in words; the period as it will be at the next run.
fn filters_in_words(
    report_type: ReportType,
    filters: &serde_json::Value,
    next_run: Option<(chrono_tz::Tz, chrono::DateTime<Utc>)>,
    names: &HashMap<Uuid, String>,
) -> (String, Vec<String>) {
    let name_of = |id: Uuid| names.get(&id).cloned();
    let (period, rest) = match report_type {
        ReportType::CashSession => match CashSessionFilter::from_json(filters) {
            Ok(f) => (f.period, f.describe(&name_of)),
            Err(e) => return (e.to_string(), vec![]),
        },
        ReportType::ReceptionTicket => match ReceptionFilter::from_json(filters) {
            Ok(f) => (f.period, f.describe(&name_of)),
            Err(e) => return (e.to_string(), vec![]),
        },
    };
    let period = match (period, next_run) {
        (None, _) => "toutes les dates".to_string(),
        (Some(p @ Period::Relative(_)), Some((tz, at))) => format!("{} (au prochain envoi : {})", p.describe(), p.resolve_in(tz, at)),
        (Some(p), _) => p.describe(),
    };
    (period, rest)
}

/// The configuration in words, before it is confirmed.
#[component]
fn Summary(input: ScheduledReportInput) -> impl IntoView {
    let names = load(|| (), |_| names());
    // The input was checked before this step.
    let config = input.check();
    let out = match config {
        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        Ok(c) => {
            let runs = c.schedule.next_runs(Utc::now(), 5);
            let tz = c.schedule.tz;
            let next = runs.first().map(|t| (tz, *t));
            let runs: Vec<String> = runs.into_iter().map(|t| t.with_timezone(&tz).format("%d/%m/%Y %H:%M").to_string()).collect();
            let filters = c.filters_json.clone();
            let report_type = c.report_type;
            view! {
                <section class="summary" data-testid="sr-summary" aria-labelledby="sr-summary-title">
                    <h3 id="sr-summary-title" tabindex="-1">"Récapitulatif"</h3>
                    <dl class="figures">
                        <div><dt>"Nom"</dt><dd data-testid="sr-summary-name">{c.name.clone()}</dd></div>
                        <div><dt>"Type"</dt><dd data-testid="sr-summary-type">{c.report_type.label()}</dd></div>
                        <div><dt>"Envoi"</dt><dd data-testid="sr-summary-schedule">{format!("{} ({})", c.schedule.describe(), tz.name())}</dd></div>
                        <div><dt>"Destinataires"</dt><dd data-testid="sr-summary-recipients">{c.recipients.join(", ")}</dd></div>
                        <div><dt>"Format"</dt><dd data-testid="sr-summary-format">{if c.format == "csv" { "CSV" } else { "Excel (XLSX)" }}</dd></div>
                        <div><dt>"État"</dt><dd>{if c.enabled { "actif" } else { "désactivé" }}</dd></div>
                        {c.notify_email.clone().map(|a| view! { <div><dt>"Avis d'échec à"</dt><dd>{a}</dd></div> })}
                    </dl>
                    <p>"Prochains envois :"</p>
                    <ul data-testid="sr-summary-runs">{runs.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
                    <Transition fallback=|| view! { <p>"Chargement des filtres…"</p> }>
                        {move || {
                            let filters = filters.clone();
                            Suspend::new(async move {
                                let names = names.await;
                                let (period, rest) = filters_in_words(report_type, &filters, next, &names);
                                view! {
                                    <p data-testid="sr-summary-period">{format!("Période : {period}")}</p>
                                    <ul data-testid="sr-summary-filters">
                                        {if rest.is_empty() {
                                            view! { <li>"Aucun autre filtre."</li> }.into_any()
                                        } else {
                                            rest.into_iter().map(|l| view! { <li>{l}</li> }).collect_view().into_any()
                                        }}
                                    </ul>
                                }
                            })
                        }}
                    </Transition>
                </section>
            }
            .into_any()
        }
    };
    out
}

/// "Sauvegarder comme rapport programmé": opens the modal (Create) with the filters of
/// the page it stands on; `filters` reads them when the button is pressed.
#[component]
pub fn SaveAsScheduledReport(report_type: ReportType, filters: Callback<(), Result<serde_json::Value, AppError>>) -> impl IntoView {
    let save = ServerAction::<SaveScheduledReport>::new();
    let open = RwSignal::new(false);
    let form = Form::new();
    let saved = RwSignal::new(None::<String>);
    let refused = RwSignal::new(None::<String>);
    Effect::new(move |_| match save.value().get() {
        Some(Ok(r)) => {
            saved.set(Some(format!("Rapport programmé « {} » enregistré : {}.", r.name, r.description)));
            open.set(false);
        }
        Some(Err(e)) => form.fail(&e),
        None => {}
    });
    let start = move |_| {
        saved.set(None);
        refused.set(None);
        match filters.run(()).and_then(|json| form.prefill(report_type, &json)) {
            Ok(()) => open.set(true),
            Err(e) => refused.set(Some(e.to_string())),
        }
    };
    view! {
        <div class="buttons">
            <button type="button" data-testid="save-as-scheduled" on:click=start>"Sauvegarder comme rapport programmé"</button>
        </div>
        {move || saved.get().map(|m| view! {
            <p class="success" role="status" data-testid="save-as-scheduled-done">{m}" "<a href="/admin/scheduled-reports">"Voir les rapports programmés"</a></p>
        })}
        {move || refused.get().map(|m| view! { <p class="error" role="alert" data-testid="save-as-scheduled-error">{m}</p> })}
        {move || open.get().then(|| view! { <ScheduledReportsModal form editing=None close=move |()| open.set(false) save/> })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_summary_says_the_period_as_of_the_next_run_and_the_filters_by_name() {
        let site = Uuid::from_u128(1);
        let names = HashMap::from([(site, "Boutique".to_string())]);
        let filters = serde_json::json!({"period": "last_week", "site_id": site.to_string(), "status": "closed"});
        // Monday 23 November 2026, 07:00 in Paris.
        let next = (chrono_tz::Europe::Paris, Utc.with_ymd_and_hms(2026, 11, 23, 6, 0, 0).unwrap());
        let (period, rest) = filters_in_words(ReportType::CashSession, &filters, Some(next), &names);
        assert_eq!(period, "La semaine dernière (au prochain envoi : du 16/11/2026 au 22/11/2026)");
        assert_eq!(rest, ["Site : Boutique", "Statut : Fermée"]);
        let fixed = serde_json::json!({"date_from": "2026-03-01", "date_to": "2026-03-31"});
        assert_eq!(filters_in_words(ReportType::ReceptionTicket, &fixed, Some(next), &names).0, "du 01/03/2026 au 31/03/2026");
        assert_eq!(filters_in_words(ReportType::CashSession, &serde_json::json!({}), None, &names), ("toutes les dates".to_string(), vec![]));
    }
}
