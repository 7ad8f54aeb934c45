//! Admin page: the messages the embedded mail outbox holds, and a test send.
use leptos::prelude::*;

use super::guard::Guarded;
use crate::api::{outbox, SendTestMail};
use crate::auth::Permission;
use crate::load::load;

#[component]
pub fn AdminOutbox() -> impl IntoView {
    view! {
        <Guarded permission=Some(Permission::Admin)>
            <OutboxPanel/>
        </Guarded>
    }
}

#[component]
fn OutboxPanel() -> impl IntoView {
    let send = ServerAction::<SendTestMail>::new();
    let data = load(move || send.version().get(), |_| outbox());
    let recipient = RwSignal::new(String::new());
    let result = move || match send.value().get() {
        Some(Ok(())) => Some(("success", "E-mail de test envoyé.".to_string())),
        Some(Err(e)) => Some(("error", e.to_string())),
        None => None,
    };
    view! {
        <section class="card">
            <h1 data-testid="outbox-title">"E-mails envoyés"</h1>
            <Transition fallback=|| view! { <p>"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok((status, deliveries, entries)) => {
                            let mode = if status.transport == "smtp" {
                                format!("Les e-mails partent par SMTP (expéditeur {}). La boîte d'envoi locale ne garde que les messages écrits quand aucun serveur SMTP n'était configuré.", status.from)
                            } else {
                                format!("Aucun serveur SMTP n'est configuré : chaque e-mail (expéditeur {}) est enregistré ici au lieu d'être envoyé.", status.from)
                            };
                            let table = if entries.is_empty() {
                                view! { <p data-testid="outbox-empty">"Aucun e-mail pour l'instant."</p> }.into_any()
                            } else {
                                view! {
                                    <div class="table-wrap">
                                    <table class="cards-narrow" data-testid="outbox-table">
                                        <thead><tr>
                                            <th scope="col">"Date"</th>
                                            <th scope="col">"Destinataires"</th>
                                            <th scope="col">"Objet"</th>
                                            <th scope="col">"Pièces jointes"</th>
                                            <th scope="col">"Actions"</th>
                                        </tr></thead>
                                        <tbody>
                                            {entries.into_iter().map(|e| {
                                                let date = e.date.map(crate::format::paris_datetime).unwrap_or_default();
                                                let open = format!("/v1/admin/outbox/{}?disposition=inline", e.id);
                                                let download = format!("/v1/admin/outbox/{}", e.id);
                                                view! {
                                                    <tr data-testid="outbox-row">
                                                        <td data-label="Date">{date}</td>
                                                        <td data-label="Destinataires">{e.recipients.join(", ")}</td>
                                                        <td data-label="Objet">{e.subject.clone()}</td>
                                                        <td data-label="Pièces jointes">{if e.attachments.is_empty() { "—".to_string() } else { e.attachments.join(", ") }}</td>
                                                        <td class="actions" data-label="Actions">
                                                            <a href=open target="_blank" rel="noopener">"Ouvrir"</a>
                                                            <a href=download download>"Télécharger"</a>
                                                        </td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                    </div>
                                }.into_any()
                            };
                            view! {
                                <p class="notice">{mode}</p>
                                <h2>"Envois enregistrés"</h2>
                                <Deliveries deliveries/>
                                <h2>"Boîte d'envoi locale"</h2>
                                {table}
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
        <section class="card">
            <h2>"Tester la messagerie"</h2>
            <form class="inline-form" on:submit=move |ev| {
                ev.prevent_default();
                send.dispatch(SendTestMail { to: recipient.get() });
            }>
                <label for="outbox-test-recipient">"Destinataire"</label>
                <input id="outbox-test-recipient" type="email" required data-testid="outbox-test-recipient"
                    prop:value=recipient on:input:target=move |ev| recipient.set(ev.target().value())/>
                <button type="submit" class="primary" data-testid="outbox-test-send" disabled=move || send.pending().get()>
                    "Envoyer un e-mail de test"
                </button>
            </form>
            {move || result().map(|(class, text)| view! { <p class=class role="status" data-testid="outbox-test-result">{text}</p> })}
        </section>
    }
}

/// The recorded deliveries: reports and notifications, with their attempts.
#[component]
fn Deliveries(deliveries: Vec<crate::mail::MailDelivery>) -> impl IntoView {
    if deliveries.is_empty() {
        return view! { <p data-testid="deliveries-empty">"Aucun envoi enregistré."</p> }
            .into_any();
    }
    view! {
        <div class="table-wrap">
        <table class="cards-narrow" data-testid="deliveries-table">
            <thead><tr>
                <th scope="col">"Créé le"</th>
                <th scope="col">"Destinataires"</th>
                <th scope="col">"Objet"</th>
                <th scope="col">"Pièce jointe"</th>
                <th scope="col">"Statut"</th>
                <th scope="col">"Tentatives"</th>
            </tr></thead>
            <tbody>
                {deliveries.into_iter().map(|d| {
                    let created = crate::format::paris_datetime(d.created_at);
                    let attachment = match (&d.attachment_name, d.attachment_bytes) {
                        (Some(n), Some(b)) => format!("{n} ({b} octets)"),
                        (Some(n), None) => n.clone(),
                        _ => "—".to_string(),
                    };
                    let status = crate::mail::delivery_status_label(&d.status);
                    let attempts = d.attempt_log.iter().map(|a| {
                        let at = crate::format::paris_datetime(a.started_at);
                        let label = crate::mail::delivery_status_label(&a.status);
                        match &a.error {
                            Some(e) => format!("n° {} le {at} : {label} ({e})", a.attempt),
                            None => format!("n° {} le {at} : {label}", a.attempt),
                        }
                    }).collect::<Vec<_>>();
                    let next = d.next_attempt_at.filter(|_| d.status == "retrying").map(|t| format!("Prochain essai : {}", crate::format::paris_datetime(t)));
                    view! {
                        <tr data-testid="delivery-row" data-status=d.status.clone()>
                            <td data-label="Créé le">{created}</td>
                            <td data-label="Destinataires">{d.recipients.join(", ")}</td>
                            <td data-label="Objet">{d.subject.clone()}</td>
                            <td data-label="Pièce jointe">{attachment}</td>
                            <td data-testid="delivery-status" data-label="Statut">{status}</td>
                            <td data-label="Tentatives">
                                <ul class="plain">{attempts.into_iter().map(|a| view! { <li>{a}</li> }).collect_view()}</ul>
                                {next.map(|n| view! { <p>{n}</p> })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        </div>
    }.into_any()
}
