//! Admin page "Rapports programmés" (`/admin/scheduled-reports`): the list of scheduled
//! reports with their schedule in words, next run and last status; the
//! ScheduledReportsModal (`modal.rs`) to create or edit one (the schedule's words and
//! next five runs computed as one types, by the same code as the server; the
//! configuration checked in the browser with the server's rules, then shown in words
//! before it is confirmed; the server's field errors shown on the same fields); send
//! now; the log of each report, with a retry of a failed run.
mod modal;

use chrono::Utc;
use leptos::prelude::*;
use crate::ids::ScheduledReportId;

pub use modal::SaveAsScheduledReport;
use modal::{Form, ScheduledReportsModal};

use super::guard::Guarded;
use crate::auth::Permission;
use crate::schedule::report::{ReportType, ScheduledReportInput};
use crate::scheduled_api::{scheduled_report_logs, scheduled_reports, DeleteScheduledReport, SaveScheduledReport, SendScheduledReport};
use crate::load::load;

#[component]
pub fn AdminScheduledReports() -> impl IntoView {
    view! {
        <Guarded permission=Some(Permission::Admin)>
            <ReportsPanel/>
        </Guarded>
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
    let reports = load(move || (save.version().get(), remove.version().get(), send.version().get()), |_| scheduled_reports());
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
                            <table class="cards-narrow" data-testid="scheduled-table">
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
                                                <td data-label="Nom">{r.name.clone()}</td>
                                                <td data-label="Type">{type_label}</td>
                                                <td data-testid="scheduled-description" data-label="Fréquence">{r.description.clone()}</td>
                                                <td data-label="Prochain envoi">{when(r.next_run)}</td>
                                                <td data-testid="scheduled-status" data-label="Dernier statut">
                                                    {status}
                                                    {paused.map(|p| view! { <p class="error">{p}</p> })}
                                                </td>
                                                <td data-label="Actif">
                                                    <input type="checkbox" aria-label=format!("Activer « {name} »") data-testid="scheduled-enabled"
                                                        prop:checked=r.enabled
                                                        on:change=move |_| {
                                                            notice.set(None);
                                                            save.dispatch(SaveScheduledReport { id: Some(for_toggle.id), input: ScheduledReportInput { enabled: Some(!for_toggle.enabled), ..Default::default() } });
                                                        }/>
                                                </td>
                                                <td class="actions" data-label="Actions">
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
        {move || modal.get().map(|editing| view! { <ScheduledReportsModal form editing close=move |()| modal.set(None) save/> })}
    }
}

/// The log of one report, newest first; a failed run can be sent again.
#[component]
fn LogsView(id: ScheduledReportId, name: String, send: ServerAction<SendScheduledReport>) -> impl IntoView {
    let logs = load(move || send.version().get(), move |_| scheduled_report_logs(id));
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
                            <table class="cards-narrow">
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
                                                <td data-label="Échéance">{crate::format::paris_datetime(l.scheduled_for)}</td>
                                                <td data-label="Début">{crate::format::paris_datetime(l.started_at)}</td>
                                                <td data-label="Durée">{l.duration_ms.map(|d| format!("{d} ms")).unwrap_or_default()}</td>
                                                <td data-label="Statut">{status_label(&l.status)}</td>
                                                <td data-label="Tentative">{l.attempt}</td>
                                                <td data-label="Lignes">{l.rows.map(|r| r.to_string()).unwrap_or_default()}</td>
                                                <td data-label="Taille">{l.bytes.map(|b| format!("{b} octets")).unwrap_or_default()}</td>
                                                <td data-label="Erreur">{l.error.clone().unwrap_or_default()}</td>
                                                <td data-label="Action">{retry.then(|| view! {
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
