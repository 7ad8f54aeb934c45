//! A ticket's page: lines entry made for the keyboard (type the weight, Tab through
//! category and destination, Enter adds the line and brings the cursor back to the
//! weight), running totals, edit and delete while open, close, and CSV export.
use leptos::html;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use crate::ids::{CategoryId, LigneId, TicketId};

use super::export_button::TicketCsvButton;
use super::kpi::{KpiBanner, KpiRefresh};
use crate::auth::Permission;
use crate::pages::guard::Guarded;
use crate::reception::{category_tree, Category, Destination, Ligne, LigneInput, LigneUpdate, Status};
use crate::weight::Weight;
use crate::reception_api::{get_ticket, list_categories, AddLigne, CloseTicket, DeleteLigne, UpdateLigne};

#[component]
pub fn TicketPage() -> impl IntoView {
    view! {
        <Guarded permission=Some(Permission::ReceptionAccess)>
            <TicketPanel/>
        </Guarded>
    }
}

/// Categories offered for entry: visible and not archived, children under their parent.
fn entry_categories(all: &[Category]) -> Vec<(CategoryId, String)> {
    category_tree(all, |c| !c.archived && c.visible_reception).into_iter().map(|(depth, c)| (c.id, format!("{}{}", "— ".repeat(depth), c.name))).collect()
}

#[component]
fn TicketPanel() -> impl IntoView {
    KpiRefresh::provide();
    let params = use_params_map();
    let ticket_id = move || params.with(|p| p.get("id").and_then(|s| s.parse::<TicketId>().ok()));

    let add = ServerAction::<AddLigne>::new();
    let update = ServerAction::<UpdateLigne>::new();
    let delete = ServerAction::<DeleteLigne>::new();
    let close = ServerAction::<CloseTicket>::new();
    let ticket = Resource::new(
        move || (ticket_id(), add.version().get(), update.version().get(), delete.version().get(), close.version().get()),
        |(id, ..)| async move {
            match id {
                Some(id) => get_ticket(id).await,
                None => Err(crate::error::AppError::NotFound("Ticket introuvable.".into())),
            }
        },
    );
    let categories = Resource::new(|| (), |_| list_categories());

    // The entry form; `editing` holds the line being edited, if any.
    let weight = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let destination = RwSignal::new(Destination::Revente.as_str().to_string());
    let is_exit = RwSignal::new(false);
    let notes = RwSignal::new(String::new());
    let editing = RwSignal::new(None::<LigneId>);
    let form_error = RwSignal::new(None::<String>);
    let weight_ref = NodeRef::<html::Input>::new();
    let focus_weight = move || {
        if let Some(el) = weight_ref.get() {
            let _ = el.focus();
        }
    };

    let reset_form = move || {
        weight.set(String::new());
        notes.set(String::new());
        is_exit.set(false);
        editing.set(None);
    };
    // After a successful write: clear the weight, keep category and destination (the next
    // item is often alike), refresh the KPIs and return to the weight field.
    for version in [add.version(), update.version(), delete.version(), close.version()] {
        Effect::new(move |prev: Option<usize>| {
            let v = version.get();
            if prev.is_some_and(|p| p != v) {
                KpiRefresh::bump();
            }
            v
        });
    }
    let after_write = move |result: Option<Result<Ligne, crate::error::AppError>>| match result {
        Some(Ok(_)) => {
            reset_form();
            form_error.set(None);
            focus_weight();
        }
        Some(Err(e)) => form_error.set(Some(e.to_string())),
        None => {}
    };
    Effect::new(move |_| after_write(add.value().get()));
    Effect::new(move |_| after_write(update.value().get()));
    Effect::new(move |_| {
        if let Some(Err(e)) = delete.value().get() {
            form_error.set(Some(e.to_string()));
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(tid) = ticket_id() else { return };
        let poids = match Weight::parse(&weight.get()) {
            Ok(w) => w,
            Err(e) => {
                form_error.set(Some(e.to_string()));
                focus_weight();
                return;
            }
        };
        let Ok(category_id) = category.get().parse::<CategoryId>() else {
            form_error.set(Some("Choisissez une catégorie.".into()));
            return;
        };
        let Ok(dest) = Destination::parse(&destination.get()) else {
            form_error.set(Some("Choisissez une destination.".into()));
            return;
        };
        let note = notes.get();
        match editing.get() {
            None => {
                add.dispatch(AddLigne {
                    ticket_id: tid,
                    input: LigneInput { poids_kg: poids, category_id, destination: dest, notes: Some(note), is_exit: is_exit.get() },
                });
            }
            Some(lid) => {
                update.dispatch(UpdateLigne {
                    ticket_id: tid,
                    ligne_id: lid,
                    input: LigneUpdate { poids_kg: Some(poids), category_id: Some(category_id), destination: Some(dest), notes: Some(note), is_exit: Some(is_exit.get()) },
                });
            }
        }
    };
    let start_edit = move |l: Ligne| {
        editing.set(Some(l.id));
        weight.set(l.poids_kg.to_comma_string());
        category.set(l.category_id.to_string());
        destination.set(l.destination.as_str().to_string());
        is_exit.set(l.is_exit);
        notes.set(l.notes.unwrap_or_default());
        focus_weight();
    };

    view! {
        <KpiBanner/>
        <Transition fallback=|| view! { <p>"Chargement…"</p> }>
            {move || Suspend::new(async move {
                let cats = categories.await.unwrap_or_default();
                let options = entry_categories(&cats);
                if category.get_untracked().is_empty() {
                    if let Some((id, _)) = options.first() {
                        category.set(id.to_string());
                    }
                }
                match ticket.await {
                    Err(e) => view! { <section class="card"><p class="error" role="alert" data-testid="ticket-error">{e.to_string()}</p></section> }.into_any(),
                    Ok(t) => {
                        let open = t.ticket.status == Status::Opened;
                        let tid = t.ticket.id;
                        let options = StoredValue::new(options);
                        view! {
                            <section class="card">
                                <div class="card-head">
                                    <h1 data-testid="ticket-title">{format!("Ticket du {}", crate::format::paris_datetime(t.ticket.ticket_at))}</h1>
                                    <span class=if open { "badge open" } else { "badge closed" } data-testid="ticket-status">{t.ticket.status.label()}</span>
                                </div>
                                <p class="notice">{format!("Bénévole : {}", t.ticket.benevole_name)}{t.ticket.is_deferred.then_some(" — saisie différée")}</p>
                                <div class="totals" data-testid="ticket-totals">
                                    <span>"Lignes : "<strong data-testid="total-lines">{t.ticket.lines_count}</strong></span>
                                    <span>"Entrées : "<strong data-testid="total-entry">{format!("{} kg", t.ticket.entry_weight_kg.to_comma_string())}</strong></span>
                                    <span>"Sorties : "<strong data-testid="total-exit">{format!("{} kg", t.ticket.exit_weight_kg.to_comma_string())}</strong></span>
                                </div>
                                <div class="buttons">
                                    <TicketCsvButton ticket_id=tid/>
                                    {open.then(|| view! {
                                        <button type="button" data-testid="close-ticket" disabled=move || close.pending().get()
                                            on:click=move |_| { close.dispatch(CloseTicket { id: tid }); }>
                                            "Fermer le ticket"
                                        </button>
                                    })}
                                    <a class="button-link" href="/reception">"Retour à la réception"</a>
                                </div>
                                {move || close.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
                            </section>

                            {open.then(|| view! {
                                <section class="card">
                                    <h2>{move || if editing.get().is_some() { "Modifier la ligne" } else { "Ajouter une ligne" }}</h2>
                                    <form class="entry-form" data-testid="line-form" on:submit=submit>
                                        <div class="field weight">
                                            <label for="line-weight">"Poids (kg)"</label>
                                            <input id="line-weight" type="text" inputmode="decimal" autocomplete="off" required autofocus
                                                placeholder="ex. 12,5" data-testid="line-weight" node_ref=weight_ref
                                                prop:value=weight on:input:target=move |ev| weight.set(ev.target().value())/>
                                        </div>
                                        <div class="field">
                                            <label for="line-category">"Catégorie"</label>
                                            <select id="line-category" data-testid="line-category" prop:value=category
                                                on:change:target=move |ev| category.set(ev.target().value())>
                                                {options.get_value().into_iter().map(|(id, label)| view! { <option value=id.to_string()>{label}</option> }).collect_view()}
                                            </select>
                                        </div>
                                        <div class="field">
                                            <label for="line-destination">"Destination"</label>
                                            <select id="line-destination" data-testid="line-destination" prop:value=destination
                                                on:change:target=move |ev| destination.set(ev.target().value())>
                                                {Destination::ALL.into_iter().map(|d| view! { <option value=d.as_str()>{d.label()}</option> }).collect_view()}
                                            </select>
                                        </div>
                                        <div class="field">
                                            <label class="check" for="line-exit">
                                                <input id="line-exit" type="checkbox" data-testid="line-exit"
                                                    prop:checked=is_exit on:change:target=move |ev| is_exit.set(ev.target().checked())/>
                                                "Sortie de matière"
                                            </label>
                                        </div>
                                        <div class="field notes">
                                            <label for="line-notes">"Notes"</label>
                                            <input id="line-notes" type="text" data-testid="line-notes"
                                                prop:value=notes on:input:target=move |ev| notes.set(ev.target().value())/>
                                        </div>
                                        <div class="buttons">
                                            <button type="submit" class="primary" data-testid="line-submit"
                                                disabled=move || add.pending().get() || update.pending().get()>
                                                {move || if editing.get().is_some() { "Enregistrer (Entrée)" } else { "Ajouter (Entrée)" }}
                                            </button>
                                            <Show when=move || editing.get().is_some()>
                                                <button type="button" on:click=move |_| { reset_form(); focus_weight(); }>"Annuler"</button>
                                            </Show>
                                        </div>
                                    </form>
                                    {move || form_error.get().map(|e| view! { <p class="error" role="alert" data-testid="line-error">{e}</p> })}
                                </section>
                            })}

                            <section class="card">
                                <h2>"Lignes"</h2>
                                {if t.lignes.is_empty() {
                                    view! { <p class="notice" data-testid="lines-empty">"Aucune ligne pour l'instant."</p> }.into_any()
                                } else {
                                    view! {
                                        <div class="table-wrap">
                                        <table data-testid="lines-table">
                                            <thead><tr>
                                                <th scope="col">"Catégorie"</th><th scope="col" class="num">"Poids (kg)"</th><th scope="col">"Destination"</th>
                                                <th scope="col">"Flux"</th><th scope="col">"Notes"</th>{open.then(|| view! { <th scope="col">"Actions"</th> })}
                                            </tr></thead>
                                            <tbody>
                                                {t.lignes.into_iter().map(|l| {
                                                    let (lid, l_edit) = (l.id, l.clone());
                                                    view! {
                                                        <tr data-testid="line-row">
                                                            <td>{l.category_name.clone()}</td>
                                                            <td class="num">{l.poids_kg.to_comma_string()}</td>
                                                            <td>{l.destination.label()}</td>
                                                            <td>{if l.is_exit { "Sortie" } else { "Entrée" }}</td>
                                                            <td>{l.notes.clone().unwrap_or_default()}</td>
                                                            {open.then(|| view! {
                                                                <td class="actions">
                                                                    <button type="button" data-testid="line-edit" on:click=move |_| start_edit(l_edit.clone())>"Modifier"</button>
                                                                    <button type="button" data-testid="line-delete"
                                                                        on:click=move |_| { delete.dispatch(DeleteLigne { ticket_id: tid, ligne_id: lid }); }>"Supprimer"</button>
                                                                </td>
                                                            })}
                                                        </tr>
                                                    }
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                        </div>
                                    }.into_any()
                                }}
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}
