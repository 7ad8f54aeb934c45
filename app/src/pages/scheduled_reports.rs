//! Admin page "Rapports programmés" (`/admin/scheduled-reports`): the list of scheduled
//! reports with their schedule in words, next run and last status; the
//! ScheduledReportsModal to create or edit one (the schedule's words and next five runs
//! computed as one types, by the same code as the server; the configuration checked in
//! the browser with the server's rules before it is sent, and the server's field errors
//! shown on the same fields); send now; the log of each report, with a retry of a
//! failed run.
use chrono::Utc;
use leptos::prelude::*;
use crate::ids::ScheduledReportId;

use super::guard::Guarded;
use crate::auth::Permission;
use crate::error::AppError;
use crate::schedule::report::{check_address, ReportType, ScheduledReport, ScheduledReportInput};
use crate::schedule::{Frequency, Schedule, ScheduleFields};
use crate::scheduled_api::{scheduled_report_logs, scheduled_reports, DeleteScheduledReport, SaveScheduledReport, SendScheduledReport};
use crate::time::RelativePeriod;

#[component]
pub fn AdminScheduledReports() -> impl IntoView {
    view! {
        <Guarded permission=Some(Permission::Admin)>
            <ReportsPanel/>
        </Guarded>
    }
}

/// The modal's fields.
#[derive(Clone, Copy)]
struct Form {
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
    period: RwSignal<String>,
    /// The other filters, as a JSON object.
    filters: RwSignal<String>,
    notify_email: RwSignal<String>,
    enabled: RwSignal<bool>,
    /// The field in error and its message (browser checks and server answers alike).
    error: RwSignal<Option<(String, String)>>,
}

impl Form {
    fn new() -> Self {
        Self {
            name: RwSignal::new(String::new()),
            report_type: RwSignal::new("cash_session".into()),
            frequency: RwSignal::new("weekly".into()),
            time_of_day: RwSignal::new("07:00".into()),
            weekday: RwSignal::new("1".into()),
            day_of_month: RwSignal::new("1".into()),
            cron: RwSignal::new(String::new()),
            timezone: RwSignal::new(crate::schedule::DEFAULT_TIMEZONE.into()),
            recipients: RwSignal::new(Vec::new()),
            recipient: RwSignal::new(String::new()),
            format: RwSignal::new("excel".into()),
            period: RwSignal::new("last_week".into()),
            filters: RwSignal::new(String::new()),
            notify_email: RwSignal::new(String::new()),
            enabled: RwSignal::new(true),
            error: RwSignal::new(None),
        }
    }

    fn reset(&self) {
        let fresh = Form::new();
        self.load_from(&fresh);
    }

    fn load_from(&self, other: &Form) {
        self.name.set(other.name.get_untracked());
        self.report_type.set(other.report_type.get_untracked());
        self.frequency.set(other.frequency.get_untracked());
        self.time_of_day.set(other.time_of_day.get_untracked());
        self.weekday.set(other.weekday.get_untracked());
        self.day_of_month.set(other.day_of_month.get_untracked());
        self.cron.set(other.cron.get_untracked());
        self.timezone.set(other.timezone.get_untracked());
        self.recipients.set(other.recipients.get_untracked());
        self.recipient.set(String::new());
        self.format.set(other.format.get_untracked());
        self.period.set(other.period.get_untracked());
        self.filters.set(other.filters.get_untracked());
        self.notify_email.set(other.notify_email.get_untracked());
        self.enabled.set(other.enabled.get_untracked());
        self.error.set(None);
    }

    fn edit(&self, r: &ScheduledReport) {
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
        let mut filters = r.filters_json.as_object().cloned().unwrap_or_default();
        let period = filters.remove("period").and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        self.period.set(period);
        self.filters.set(if filters.is_empty() { String::new() } else { serde_json::Value::Object(filters).to_string() });
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

    /// The filters JSON: the other filters with the period chosen.
    fn filters_json(&self) -> Result<serde_json::Value, AppError> {
        let raw = self.filters.get();
        let mut obj = if raw.trim().is_empty() {
            serde_json::Map::new()
        } else {
            match serde_json::from_str::<serde_json::Value>(&raw) {
                Ok(serde_json::Value::Object(o)) => o,
                _ => return Err(AppError::field("filters_json", "Les autres filtres doivent être un objet JSON, par exemple {\"status\": \"closed\"}.")),
            }
        };
        let period = self.period.get();
        if !period.is_empty() {
            obj.insert("period".into(), serde_json::Value::String(period));
        }
        Ok(serde_json::Value::Object(obj))
    }

    fn input(&self) -> Result<ScheduledReportInput, AppError> {
        let s = self.schedule_fields();
        let notify = self.notify_email.get();
        Ok(ScheduledReportInput {
            name: Some(self.name.get()),
            report_type: Some(self.report_type.get()),
            frequency: Some(s.frequency),
            time_of_day: s.time_of_day,
            weekday: s.weekday,
            day_of_month: s.day_of_month,
            cron_expression: s.cron_expression,
            timezone: s.timezone,
            recipients: Some(self.recipients.get()),
            format: Some(self.format.get()),
            filters_json: Some(self.filters_json()?),
            enabled: Some(self.enabled.get()),
            notify_email: Some(notify),
        })
    }

    fn error_of(&self, field: &'static str) -> impl Fn() -> Option<String> + Copy + 'static {
        let error = self.error;
        move || error.get().filter(|(f, _)| f == field).map(|(_, m)| m)
    }

    fn fail(&self, e: &AppError) {
        let field = e.field_name().unwrap_or("form").to_string();
        self.error.set(Some((field, e.to_string())));
    }

    /// Adds the typed recipient, refusing a bad address or a duplicate.
    fn add_recipient(&self) {
        let typed = self.recipient.get();
        if typed.trim().is_empty() {
            return;
        }
        match check_address(&typed) {
            Err(e) => self.fail(&e),
            Ok(a) => {
                if self.recipients.get().iter().any(|r| r.eq_ignore_ascii_case(&a)) {
                    self.error.set(Some(("recipients".into(), format!("L'adresse « {a} » est déjà dans la liste."))));
                    return;
                }
                self.recipients.update(|l| l.push(a));
                self.recipient.set(String::new());
                self.error.set(None);
            }
        }
    }
}

fn status_label(s: &str) -> &'static str {
    match s {
        "success" => "réussi",
        "failed" => "échec",
        "retrying" => "nouvel essai prévu",
        "missed" => "manqué",
        "interrupted" => "interrompu",
        _ => "—",
    }
}

fn when(t: Option<chrono::DateTime<Utc>>) -> String {
    t.map(crate::format::paris_datetime).unwrap_or_else(|| "—".into())
}

#[component]
fn ReportsPanel() -> impl IntoView {
    let save = ServerAction::<SaveScheduledReport>::new();
    let remove = ServerAction::<DeleteScheduledReport>::new();
    let send = ServerAction::<SendScheduledReport>::new();
    let reports = Resource::new(move || (save.version().get(), remove.version().get(), send.version().get()), |_| scheduled_reports());
    // Closed: None; open: Some(None) to create, Some(Some(id)) to edit.
    let modal = RwSignal::new(None::<Option<ScheduledReportId>>);
    let form = Form::new();
    let notice = RwSignal::new(None::<String>);
    let confirm_delete = RwSignal::new(None::<ScheduledReportId>);
    let logs_of = RwSignal::new(None::<(ScheduledReportId, String)>);

    Effect::new(move |_| match save.value().get() {
        Some(Ok(r)) => {
            notice.set(Some(format!("Rapport « {} » enregistré : {}.", r.name, r.description)));
            modal.set(None);
        }
        Some(Err(e)) => form.fail(&e),
        None => {}
    });
    Effect::new(move |_| {
        if let Some(result) = send.value().get() {
            notice.set(Some(match result {
                Ok(detail) => detail,
                Err(e) => e.to_string(),
            }));
        }
    });
    Effect::new(move |_| {
        if let Some(result) = remove.value().get() {
            notice.set(Some(match result {
                Ok(()) => "Rapport supprimé.".to_string(),
                Err(e) => e.to_string(),
            }));
        }
    });

    let open_create = move |_| {
        form.reset();
        notice.set(None);
        modal.set(Some(None));
    };

    view! {
        <section class="card">
            <div class="card-head">
                <h1 data-testid="scheduled-title">"Rapports programmés"</h1>
                <button type="button" class="primary" data-testid="scheduled-new" on:click=open_create>"Nouveau rapport programmé"</button>
            </div>
            {move || notice.get().map(|n| view! { <p class="notice" role="status" data-testid="scheduled-notice">{n}</p> })}
            <Transition fallback=|| view! { <p>"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    match reports.await {
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p data-testid="scheduled-empty">"Aucun rapport programmé."</p> }.into_any(),
                        Ok(list) => view! {
                            <div class="table-wrap">
                            <table data-testid="scheduled-table">
                                <thead><tr>
                                    <th scope="col">"Nom"</th>
                                    <th scope="col">"Type"</th>
                                    <th scope="col">"Fréquence"</th>
                                    <th scope="col">"Prochain envoi"</th>
                                    <th scope="col">"Dernier statut"</th>
                                    <th scope="col">"Actif"</th>
                                    <th scope="col">"Actions"</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|r| {
                                        let id = r.id;
                                        let type_label = ReportType::parse(&r.report_type).map(|t| t.label()).unwrap_or("—");
                                        let status = r.last_status.as_deref().map(status_label).unwrap_or("—");
                                        let paused = r.paused_reason.clone();
                                        let for_edit = r.clone();
                                        let for_toggle = r.clone();
                                        let name = r.name.clone();
                                        let name_for_logs = r.name.clone();
                                        view! {
                                            <tr data-testid="scheduled-row">
                                                <td>{r.name.clone()}</td>
                                                <td>{type_label}</td>
                                                <td data-testid="scheduled-description">{r.description.clone()}</td>
                                                <td>{when(r.next_run)}</td>
                                                <td data-testid="scheduled-status">
                                                    {status}
                                                    {paused.map(|p| view! { <p class="error">{p}</p> })}
                                                </td>
                                                <td>
                                                    <input type="checkbox" aria-label=format!("Activer « {name} »") data-testid="scheduled-enabled"
                                                        prop:checked=r.enabled
                                                        on:change=move |_| {
                                                            notice.set(None);
                                                            save.dispatch(SaveScheduledReport { id: Some(for_toggle.id), input: ScheduledReportInput { enabled: Some(!for_toggle.enabled), ..Default::default() } });
                                                        }/>
                                                </td>
                                                <td class="actions">
                                                    <button type="button" data-testid="scheduled-edit" on:click=move |_| {
                                                        form.edit(&for_edit);
                                                        notice.set(None);
                                                        modal.set(Some(Some(for_edit.id)));
                                                    }>"Modifier"</button>
                                                    <button type="button" data-testid="scheduled-send" on:click=move |_| {
                                                        send.dispatch(SendScheduledReport { id, log_id: None });
                                                    }>"Envoyer maintenant"</button>
                                                    <button type="button" data-testid="scheduled-logs" on:click=move |_| logs_of.set(Some((id, name_for_logs.clone())))>"Journal"</button>
                                                    {move || if confirm_delete.get() == Some(id) {
                                                        view! {
                                                            <button type="button" class="danger" data-testid="scheduled-delete-confirm" on:click=move |_| {
                                                                confirm_delete.set(None);
                                                                remove.dispatch(DeleteScheduledReport { id });
                                                            }>"Confirmer la suppression"</button>
                                                            <button type="button" on:click=move |_| confirm_delete.set(None)>"Annuler"</button>
                                                        }.into_any()
                                                    } else {
                                                        view! { <button type="button" data-testid="scheduled-delete" on:click=move |_| confirm_delete.set(Some(id))>"Supprimer"</button> }.into_any()
                                                    }}
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
        {move || logs_of.get().map(|(id, name)| view! { <LogsView id name send/> })}
        {move || modal.get().map(|editing| view! { <ScheduledReportsModal form editing modal save/> })}
    }
}

/// The log of one report, newest first; a failed run can be sent again.
#[component]
fn LogsView(id: ScheduledReportId, name: String, send: ServerAction<SendScheduledReport>) -> impl IntoView {
    let logs = Resource::new(move || send.version().get(), move |_| scheduled_report_logs(id));
    view! {
        <section class="card" data-testid="scheduled-log">
            <h2>{format!("Journal des envois : {name}")}</h2>
            <Transition fallback=|| view! { <p>"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    match logs.await {
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p>"Aucun envoi pour l'instant."</p> }.into_any(),
                        Ok(list) => view! {
                            <div class="table-wrap">
                            <table>
                                <thead><tr>
                                    <th scope="col">"Échéance"</th>
                                    <th scope="col">"Début"</th>
                                    <th scope="col">"Durée"</th>
                                    <th scope="col">"Statut"</th>
                                    <th scope="col">"Tentative"</th>
                                    <th scope="col">"Lignes"</th>
                                    <th scope="col">"Taille"</th>
                                    <th scope="col">"Erreur"</th>
                                    <th scope="col">"Action"</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|l| {
                                        let log_id = l.id;
                                        let retry = matches!(l.status.as_str(), "failed" | "interrupted" | "missed");
                                        view! {
                                            <tr data-testid="scheduled-log-row" data-status=l.status.clone()>
                                                <td>{crate::format::paris_datetime(l.scheduled_for)}</td>
                                                <td>{crate::format::paris_datetime(l.started_at)}</td>
                                                <td>{l.duration_ms.map(|d| format!("{d} ms")).unwrap_or_default()}</td>
                                                <td>{status_label(&l.status)}</td>
                                                <td>{l.attempt}</td>
                                                <td>{l.rows.map(|r| r.to_string()).unwrap_or_default()}</td>
                                                <td>{l.bytes.map(|b| format!("{b} octets")).unwrap_or_default()}</td>
                                                <td>{l.error.clone().unwrap_or_default()}</td>
                                                <td>{retry.then(|| view! {
                                                    <button type="button" data-testid="scheduled-retry" on:click=move |_| {
                                                        send.dispatch(SendScheduledReport { id, log_id: Some(log_id) });
                                                    }>"Réessayer"</button>
                                                })}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The next five runs and the words of the schedule being typed, or why it is wrong.
fn preview(form: Form) -> Result<(String, Vec<String>), String> {
    let s = Schedule::from_fields(&form.schedule_fields()).map_err(|e| e.to_string())?;
    let runs = s.next_runs(Utc::now(), 5).into_iter().map(|t| t.with_timezone(&s.tz).format("%d/%m/%Y %H:%M").to_string()).collect();
    Ok((s.describe(), runs))
}

/// Create (`editing` none) or edit a scheduled report. States: open, loading (the save
/// is pending), error (the browser's or the server's, on its field).
#[component]
fn ScheduledReportsModal(form: Form, editing: Option<ScheduledReportId>, modal: RwSignal<Option<Option<ScheduledReportId>>>, save: ServerAction<SaveScheduledReport>) -> impl IntoView {
    let close = move || modal.set(None);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // A recipient typed but not added yet counts.
        form.add_recipient();
        let checked = form.input().and_then(|i| i.check().map(|_| i));
        match checked {
            Err(e) => form.fail(&e),
            Ok(input) => {
                form.error.set(None);
                save.dispatch(SaveScheduledReport { id: editing, input });
            }
        }
    };
    let name_ref = NodeRef::<leptos::html::Input>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(el) = name_ref.get() {
            let _ = el.focus();
        }
    });
    let field_error = move |field: &'static str| {
        let e = form.error_of(field);
        move || e().map(|m| view! { <p class="error" role="alert" data-testid=format!("error-{field}")>{m}</p> })
    };
    let title = if editing.is_some() { "Modifier le rapport programmé" } else { "Nouveau rapport programmé" };
    let frequency = form.frequency;
    let words = move || preview(form);
    view! {
        <div class="modal-backdrop">
            <div class="modal" role="dialog" aria-modal="true" aria-labelledby="scheduled-modal-title" data-testid="scheduled-modal"
                on:keydown=move |ev| if ev.key() == "Escape" { close() }>
                <h2 id="scheduled-modal-title">{title}</h2>
                <form on:submit=submit novalidate>
                    <label for="sr-name">"Nom"</label>
                    <input id="sr-name" node_ref=name_ref data-testid="sr-name" prop:value=form.name on:input:target=move |ev| form.name.set(ev.target().value())/>
                    {field_error("name")}

                    <label for="sr-type">"Type de rapport"</label>
                    <select id="sr-type" data-testid="sr-type" prop:value=form.report_type on:change:target=move |ev| form.report_type.set(ev.target().value())>
                        <option value="cash_session">"Sessions de caisse"</option>
                        <option value="reception_ticket">"Tickets de réception"</option>
                    </select>
                    {field_error("type")}

                    <label for="sr-frequency">"Fréquence"</label>
                    <select id="sr-frequency" data-testid="sr-frequency" prop:value=form.frequency on:change:target=move |ev| form.frequency.set(ev.target().value())>
                        {Frequency::ALL.into_iter().map(|f| view! { <option value=f.as_str()>{f.label()}</option> }).collect_view()}
                    </select>
                    {field_error("frequency")}

                    {move || (frequency.get() != "custom").then(|| view! {
                        <label for="sr-time">"Heure d'envoi"</label>
                        <input id="sr-time" type="time" data-testid="sr-time" prop:value=form.time_of_day on:input:target=move |ev| form.time_of_day.set(ev.target().value())/>
                    })}
                    {field_error("time_of_day")}
                    {move || (frequency.get() == "weekly").then(|| view! {
                        <label for="sr-weekday">"Jour de la semaine"</label>
                        <select id="sr-weekday" data-testid="sr-weekday" prop:value=form.weekday on:change:target=move |ev| form.weekday.set(ev.target().value())>
                            {["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"].into_iter().enumerate().map(|(i, d)| view! { <option value=(i + 1).to_string()>{d}</option> }).collect_view()}
                        </select>
                    })}
                    {field_error("weekday")}
                    {move || (frequency.get() == "monthly").then(|| view! {
                        <label for="sr-day">"Jour du mois (le dernier jour pour les mois plus courts)"</label>
                        <input id="sr-day" type="number" min="1" max="31" data-testid="sr-day" prop:value=form.day_of_month on:input:target=move |ev| form.day_of_month.set(ev.target().value())/>
                    })}
                    {field_error("day_of_month")}
                    {move || (frequency.get() == "custom").then(|| view! {
                        <label for="sr-cron">"Expression cron (minute heure jour mois jour-de-semaine)"</label>
                        <input id="sr-cron" data-testid="sr-cron" placeholder="0 7 * * 1" prop:value=form.cron on:input:target=move |ev| form.cron.set(ev.target().value())/>
                    })}
                    {field_error("cron_expression")}

                    <label for="sr-timezone">"Fuseau horaire"</label>
                    <input id="sr-timezone" data-testid="sr-timezone" prop:value=form.timezone on:input:target=move |ev| form.timezone.set(ev.target().value())/>
                    {field_error("timezone")}

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

                    <label for="sr-recipient">"Destinataires"</label>
                    <div class="inline-form">
                        <input id="sr-recipient" type="email" data-testid="sr-recipient" prop:value=form.recipient
                            on:input:target=move |ev| form.recipient.set(ev.target().value())
                            on:keydown=move |ev| if ev.key() == "Enter" { ev.prevent_default(); form.add_recipient(); }/>
                        <button type="button" data-testid="sr-recipient-add" on:click=move |_| form.add_recipient()>"Ajouter"</button>
                    </div>
                    <ul class="chips" data-testid="sr-recipients">
                        {move || form.recipients.get().into_iter().enumerate().map(|(i, a)| view! {
                            <li>{a.clone()}
                                <button type="button" aria-label=format!("Retirer {a}") on:click=move |_| form.recipients.update(|l| { l.remove(i); })>"×"</button>
                            </li>
                        }).collect_view()}
                    </ul>
                    {field_error("recipients")}

                    <label for="sr-format">"Format"</label>
                    <select id="sr-format" data-testid="sr-format" prop:value=form.format on:change:target=move |ev| form.format.set(ev.target().value())>
                        <option value="excel">"Excel (XLSX)"</option>
                        <option value="csv">"CSV"</option>
                    </select>
                    {field_error("format")}

                    <label for="sr-period">"Période du rapport (calculée à chaque envoi)"</label>
                    <select id="sr-period" data-testid="sr-period" prop:value=form.period on:change:target=move |ev| form.period.set(ev.target().value())>
                        <option value="">"Aucune (toutes les dates, ou dates dans les autres filtres)"</option>
                        {RelativePeriod::ALL.into_iter().map(|p| view! { <option value=p.as_str()>{p.label()}</option> }).collect_view()}
                    </select>
                    <label for="sr-filters">"Autres filtres (JSON, mêmes noms que la liste)"</label>
                    <textarea id="sr-filters" data-testid="sr-filters" prop:value=form.filters on:input:target=move |ev| form.filters.set(ev.target().value())></textarea>
                    {field_error("filters_json")}

                    <label for="sr-notify">"Adresse pour les avis d'échec (facultatif)"</label>
                    <input id="sr-notify" type="email" data-testid="sr-notify" prop:value=form.notify_email on:input:target=move |ev| form.notify_email.set(ev.target().value())/>
                    {field_error("notify_email")}

                    <label class="check"><input type="checkbox" data-testid="sr-enabled" prop:checked=form.enabled on:change:target=move |ev| form.enabled.set(ev.target().checked())/>" Actif"</label>

                    <div class="summary" data-testid="sr-summary">
                        <h3>"Récapitulatif"</h3>
                        <p>{move || format!("« {} », {}", form.name.get(), ReportType::parse(&form.report_type.get()).map(|t| t.label()).unwrap_or("—"))}</p>
                        <p>{move || words().map(|(w, _)| w).unwrap_or_default()}</p>
                        <p>{move || format!("Destinataires : {}", form.recipients.get().join(", "))}</p>
                        <p>{move || format!("Format : {}", if form.format.get() == "csv" { "CSV" } else { "Excel" })}</p>
                    </div>
                    {field_error("form")}
                    <div class="actions">
                        <button type="submit" class="primary" data-testid="sr-submit" disabled=move || save.pending().get()>
                            {move || if save.pending().get() { "Enregistrement…" } else { "Confirmer" }}
                        </button>
                        <button type="button" data-testid="sr-cancel" on:click=move |_| close()>"Annuler"</button>
                    </div>
                </form>
            </div>
        </div>
    }
}
