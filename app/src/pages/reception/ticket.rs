//! A ticket's page: lines entry made for the keyboard (type the weight, Tab through
//! category and destination, Enter from any field adds the line and brings the cursor
//! back to the weight), running totals, edit and delete while open, close, CSV export.
//!
//! Entry never waits for the server: a line is taken (and the field emptied) as soon as
//! Enter is pressed, queued, and sent in order, one at a time. Each queued line is shown
//! until the server confirms it; a failed one stays with its error and a retry, and the
//! lines after it wait, so that the ticket keeps the order they were weighed in.
use leptos::html;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::export_button::TicketCsvButton;
use super::kpi::{KpiBanner, KpiRefresh};
use crate::auth::Permission;
use crate::ids::{CategoryId, LigneId, TicketId};
use crate::pages::guard::Guarded;
use crate::reception::{category_tree, search_key, Category, Destination, Ligne, LigneInput, LigneUpdate, Status};
use crate::reception_api::{add_ligne, delete_ligne, frequent_categories, get_ticket, list_categories, CloseTicket, UpdateLigne};
use crate::weight::Weight;
use crate::load::load;

#[component]
pub fn TicketPage() -> impl IntoView {
    view! {
        <Guarded permission=Some(Permission::ReceptionAccess)>
            <TicketPanel/>
        </Guarded>
    }
}

/// Categories offered for entry: visible and not archived, children under their parent,
/// each with its label (indented by depth) and its search key.
fn entry_categories(all: &[Category]) -> Vec<(CategoryId, String, String)> {
    category_tree(all, |c| !c.archived && c.visible_reception)
        .into_iter()
        .map(|(depth, c)| (c.id, format!("{}{}", "— ".repeat(depth), c.name), search_key(&c.name)))
        .collect()
}

/// Where a queued line stands.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum SendState {
    Waiting,
    Sending,
    Failed(String),
}

/// A line taken at the desk and not yet confirmed by the server.
#[derive(Clone, Debug)]
struct PendingLine {
    key: u64,
    input: LigneInput,
    category_name: String,
    state: SendState,
}

/// A random (version 4) line id from the browser's `crypto.getRandomValues`, which,
/// unlike `crypto.randomUUID`, also works on a plain-HTTP local network. None where
/// there is no browser crypto (the server then picks the id).
fn new_line_id() -> Option<LigneId> {
    #[cfg(feature = "hydrate")]
    {
        let mut bytes = [0u8; 16];
        let crypto = web_sys::window()?.crypto().ok()?;
        crypto.get_random_values_with_u8_array(&mut bytes).ok()?;
        Some(LigneId(uuid::Builder::from_random_bytes(bytes).into_uuid()))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

/// Asks whether to leave the page with lines not saved yet (true: leave).
fn confirm_leave() -> bool {
    #[cfg(feature = "hydrate")]
    {
        let question = "Des lignes ne sont pas encore enregistrées : elles seront perdues si vous quittez la page. Quitter quand même ?";
        web_sys::window().and_then(|w| w.confirm_with_message(question).ok()).unwrap_or(true)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        true
    }
}

/// The entry queue: lines in the order they were taken, sent one at a time.
#[derive(Clone, Copy)]
struct EntryQueue {
    items: RwSignal<Vec<PendingLine>>,
    /// Confirmed lines of the ticket, in entry order (the page's own copy, so that a
    /// confirmation appends one row instead of reloading the page under the cursor).
    lines: RwSignal<Vec<Ligne>>,
    running: StoredValue<bool>,
    next_key: StoredValue<u64>,
    kpi: KpiRefresh,
}

impl EntryQueue {
    fn push(self, ticket: TicketId, mut input: LigneInput, category_name: String) {
        // The line's id is chosen now, once: a retry sends the same id, so a line the
        // server saved before its answer was lost is not added a second time.
        input.id = new_line_id();
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        self.items.update(|q| q.push(PendingLine { key, input, category_name, state: SendState::Waiting }));
        self.pump(ticket);
    }

    /// Whether lines wait for the server or failed: leaving the page would drop them.
    fn has_unsaved(self) -> bool {
        self.items.with_untracked(|q| !q.is_empty())
    }

    fn set_state(self, key: u64, state: SendState) {
        self.items.update(|q| {
            if let Some(p) = q.iter_mut().find(|p| p.key == key) {
                p.state = state;
            }
        });
    }

    fn retry(self, ticket: TicketId, key: u64) {
        self.set_state(key, SendState::Waiting);
        self.pump(ticket);
    }

    fn abandon(self, ticket: TicketId, key: u64) {
        self.items.update(|q| q.retain(|p| p.key != key));
        self.pump(ticket);
    }

    /// Sends the queue from its head until it is empty or a line fails.
    fn pump(self, ticket: TicketId) {
        if self.running.get_value() {
            return;
        }
        self.running.set_value(true);
        leptos::task::spawn_local(async move {
            let mut sent = false;
            loop {
                let head = self.items.with_untracked(|q| q.first().map(|p| (p.key, p.input.clone(), p.state.clone())));
                let Some((key, input, state)) = head else { break };
                if matches!(state, SendState::Failed(_)) {
                    break;
                }
                self.set_state(key, SendState::Sending);
                match add_ligne(ticket, input).await {
                    Ok(l) => {
                        self.lines.update(|ls| ls.push(l));
                        self.items.update(|q| q.retain(|p| p.key != key));
                        sent = true;
                    }
                    Err(e) => {
                        self.set_state(key, SendState::Failed(e.to_string()));
                        break;
                    }
                }
            }
            self.running.set_value(false);
            if sent {
                self.kpi.0.update(|v| *v += 1);
            }
        });
    }
}

/// The fields of the line form an error can be about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LineField {
    Weight,
    Category,
    Destination,
}

#[component]
fn TicketPanel() -> impl IntoView {
    let kpi = KpiRefresh::provide();
    let params = use_params_map();
    let ticket_id = move || params.with(|p| p.get("id").and_then(|s| s.parse::<TicketId>().ok()));

    let update = ServerAction::<UpdateLigne>::new();
    let close = ServerAction::<CloseTicket>::new();
    // Loaded with the page and again once closed; lines then live in `queue.lines`.
    let ticket = load(
        move || (ticket_id(), close.version().get()),
        |(id, ..)| async move {
            match id {
                Some(id) => get_ticket(id).await,
                None => Err(crate::error::AppError::NotFound("Ticket introuvable.".into())),
            }
        },
    );
    let categories = load(|| (), |_| list_categories());
    let frequent = load(|| (), |_| frequent_categories());
    let queue = EntryQueue {
        items: RwSignal::new(Vec::new()),
        lines: RwSignal::new(Vec::new()),
        running: StoredValue::new(false),
        next_key: StoredValue::new(0),
        kpi,
    };
    let lines = queue.lines;
    // Leaving the page (reload, closing the tab) while lines wait for the server or
    // failed would drop them: the browser asks first.
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::beforeunload, move |ev| {
            if queue.has_unsaved() {
                ev.prevent_default();
                ev.set_return_value("Des lignes ne sont pas encore enregistrées.");
            }
        });
        on_cleanup(move || handle.remove());
    }
    let category_names = StoredValue::new(Vec::<(CategoryId, String)>::new());

    // The entry form; `editing` holds the line being edited, if any.
    let weight = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    // Narrows the category list to names containing what is typed (any part, any case,
    // accents or not); the first match is chosen.
    let category_search = RwSignal::new(String::new());
    let destination = RwSignal::new(Destination::Revente.as_str().to_string());
    let is_exit = RwSignal::new(false);
    let notes = RwSignal::new(String::new());
    let editing = RwSignal::new(None::<LigneId>);
    // The category and destination of the last line taken: when the form still holds
    // them, they are marked as kept, so nobody files a line under last one's category
    // without seeing it.
    let last_taken = RwSignal::new(None::<(String, String)>);
    // Deleting a line and closing the ticket ask first.
    let confirm_delete = RwSignal::new(None::<LigneId>);
    let confirm_close = RwSignal::new(false);
    // The form's message, with the field it is about (`aria-invalid`, focus), or none
    // for an error of the whole line (a server refusal of an edit).
    let form_error = RwSignal::new(None::<(Option<LineField>, String)>);
    let weight_ref = NodeRef::<html::Input>::new();
    let category_ref = NodeRef::<html::Select>::new();
    let destination_ref = NodeRef::<html::Select>::new();
    let focus_weight = move || {
        if let Some(el) = weight_ref.get_untracked() {
            let _ = el.focus();
        }
    };
    let set_error = move |field: Option<LineField>, message: String| {
        form_error.set(Some((field, message)));
        match field {
            Some(LineField::Weight) => focus_weight(),
            Some(LineField::Category) => {
                if let Some(el) = category_ref.get_untracked() {
                    let _ = el.focus();
                }
            }
            Some(LineField::Destination) => {
                if let Some(el) = destination_ref.get_untracked() {
                    let _ = el.focus();
                }
            }
            None => {}
        }
    };
    let clear_error = move || form_error.set(None);
    // A message goes as soon as the field it is about changes (any field, for a message
    // about the whole line).
    let changed = move |field: LineField| {
        if form_error.with_untracked(|e| e.as_ref().is_some_and(|(f, _)| f.is_none_or(|f| f == field))) {
            clear_error();
        }
    };
    let in_error = move |field: LineField| form_error.with(|e| e.as_ref().is_some_and(|(f, _)| *f == Some(field)));
    let invalid = move |field: LineField| move || in_error(field).then_some("true");
    let described = move |field: LineField| move || in_error(field).then_some("line-error");

    // Category and destination are kept for the next line (the next item is often alike).
    let reset_form = move || {
        weight.set(String::new());
        notes.set(String::new());
        is_exit.set(false);
        editing.set(None);
    };
    Effect::new(move |prev: Option<usize>| {
        let v = close.version().get();
        if prev.is_some_and(|p| p != v) {
            KpiRefresh::bump();
        }
        v
    });
    Effect::new(move |_| match update.value().get() {
        Some(Ok(l)) => {
            lines.update(|ls| {
                if let Some(x) = ls.iter_mut().find(|x| x.id == l.id) {
                    *x = l.clone();
                }
            });
            reset_form();
            clear_error();
            focus_weight();
            kpi.0.update(|v| *v += 1);
        }
        Some(Err(e)) => set_error(None, e.to_string()),
        None => {}
    });

    // Takes the line in the form: queued (add) or sent (edit). The form is emptied at
    // once for an add, so the next weight can be typed while this one is sent.
    let take_line = move || {
        let Some(tid) = ticket_id() else { return };
        let poids = match Weight::parse(&weight.get_untracked()) {
            Ok(w) => w,
            Err(e) => {
                set_error(Some(LineField::Weight), e.to_string());
                return;
            }
        };
        let Ok(category_id) = category.get_untracked().parse::<CategoryId>() else {
            set_error(Some(LineField::Category), "Choisissez une catégorie.".into());
            return;
        };
        let Ok(dest) = Destination::parse(&destination.get_untracked()) else {
            set_error(Some(LineField::Destination), "Choisissez une destination.".into());
            return;
        };
        let note = notes.get_untracked();
        match editing.get_untracked() {
            None => {
                let input = LigneInput { id: None, poids_kg: poids, category_id, destination: dest, notes: Some(note), is_exit: is_exit.get_untracked() };
                last_taken.set(Some((category_id.to_string(), dest.as_str().to_string())));
                let name = category_names.with_value(|n| n.iter().find(|(id, _)| *id == category_id).map(|(_, n)| n.clone())).unwrap_or_default();
                reset_form();
                category_search.set(String::new());
                clear_error();
                focus_weight();
                queue.push(tid, input, name);
            }
            Some(lid) => {
                update.dispatch(UpdateLigne {
                    ticket_id: tid,
                    ligne_id: lid,
                    input: LigneUpdate { poids_kg: Some(poids), category_id: Some(category_id), destination: Some(dest), notes: Some(note), is_exit: Some(is_exit.get_untracked()) },
                });
            }
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        take_line();
    };
    // Lists and the checkbox do not submit a form on Enter by themselves.
    let enter_adds = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" {
            ev.prevent_default();
            take_line();
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
    let delete = move |tid: TicketId, lid: LigneId| {
        leptos::task::spawn_local(async move {
            match delete_ligne(tid, lid).await {
                Ok(()) => {
                    lines.update(|ls| ls.retain(|l| l.id != lid));
                    kpi.0.update(|v| *v += 1);
                }
                Err(e) => set_error(None, e.to_string()),
            }
        });
    };
    let total = move |exit: bool| {
        lines.with(|ls| crate::format::weight(Weight::from_grams(ls.iter().filter(|l| l.is_exit == exit).map(|l| l.poids_kg.grams()).sum())))
    };

    view! {
        <KpiBanner/>
        <Transition fallback=|| view! { <p>"Chargement…"</p> }>
            {move || Suspend::new(async move {
                let cats = categories.await.unwrap_or_default();
                let frequent = frequent.await.unwrap_or_default();
                let options = entry_categories(&cats);
                category_names.set_value(cats.iter().map(|c| (c.id, c.name.clone())).collect());
                if category.get_untracked().is_empty() {
                    if let Some((id, ..)) = options.first() {
                        category.set(id.to_string());
                    }
                }
                match ticket.await {
                    Err(e) => view! { <section class="card"><p class="error" role="alert" data-testid="ticket-error">{e.to_string()}</p></section> }.into_any(),
                    Ok(t) => {
                        let open = t.ticket.status == Status::Opened;
                        let tid = t.ticket.id;
                        lines.set(t.lignes.clone());
                        let options = StoredValue::new(options);
                        view! {
                            <section class="card">
                                <div class="card-head">
                                    <leptos_meta::Title text=format!("Ticket {}", t.ticket.number)/>
                                    <h1 data-testid="ticket-title">{format!("Ticket {} du {}", t.ticket.number, crate::format::paris_datetime(t.ticket.ticket_at))}</h1>
                                    <span class=if open { "badge open" } else { "badge closed" } data-testid="ticket-status">{t.ticket.status.label()}</span>
                                </div>
                                <p class="notice">{format!("Bénévole : {}", t.ticket.benevole_name)}{t.ticket.is_deferred.then_some(" — saisie différée")}</p>
                                <div class="totals" data-testid="ticket-totals">
                                    <span>"Lignes : "<strong data-testid="total-lines">{move || lines.with(Vec::len)}</strong></span>
                                    <span>"Entrées : "<strong data-testid="total-entry">{move || format!("{} kg", total(false))}</strong></span>
                                    <span>"Sorties : "<strong data-testid="total-exit">{move || format!("{} kg", total(true))}</strong></span>
                                </div>
                                <div class="buttons">
                                    <TicketCsvButton ticket_id=tid/>
                                    <a class="button-link" href=format!("/reception/tickets/{tid}/recu") data-testid="receipt-link">"Reçu à imprimer"</a>
                                    {open.then(|| view! {
                                        <Show when=move || confirm_close.get() fallback=move || view! {
                                            <button type="button" data-testid="close-ticket"
                                                disabled=move || close.pending().get() || queue.items.with(|q| !q.is_empty())
                                                on:click=move |_| confirm_close.set(true)>
                                                "Fermer le ticket"
                                            </button>
                                        }>
                                            <span role="status">{move || format!("Fermer le ticket ? Ses {} ligne(s) ne pourront plus être modifiées.", lines.with(Vec::len))}</span>
                                            <button type="button" class="primary" data-testid="close-ticket-confirm"
                                                on:click=move |_| { confirm_close.set(false); close.dispatch(CloseTicket { id: tid }); }>"Oui, fermer"</button>
                                            <button type="button" data-testid="close-ticket-cancel" on:click=move |_| confirm_close.set(false)>"Non"</button>
                                        </Show>
                                    })}
                                    <a class="button-link" href="/reception" data-testid="back-to-reception" on:click=move |ev| {
                                        // In-page navigation too: the queue lives on this page.
                                        if queue.has_unsaved() && !confirm_leave() {
                                            ev.prevent_default();
                                        }
                                    }>"Retour à la réception"</a>
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
                                                aria-invalid=invalid(LineField::Weight) aria-describedby=described(LineField::Weight)
                                                prop:value=weight on:input:target=move |ev| { weight.set(ev.target().value()); changed(LineField::Weight); }/>
                                        </div>
                                        <div class="field">
                                            <label for="line-category-search">"Chercher une catégorie"</label>
                                            <input id="line-category-search" type="search" autocomplete="off" data-testid="line-category-search"
                                                placeholder="ex. électro" aria-describedby="line-category-matches"
                                                prop:value=category_search on:input:target=move |ev| {
                                                    changed(LineField::Category);
                                                    let q = search_key(ev.target().value().trim());
                                                    category_search.set(ev.target().value());
                                                    let first = options.with_value(|o| o.iter().find(|(_, _, key)| key.contains(&q)).map(|(id, ..)| id.to_string()));
                                                    let current = category.get_untracked();
                                                    let current_matches = options.with_value(|o| o.iter().any(|(id, _, key)| id.to_string() == current && key.contains(&q)));
                                                    // No match: no category either, rather than a
                                                    // hidden one that Enter would file the line under.
                                                    if !current_matches {
                                                        category.set(first.unwrap_or_default());
                                                    }
                                                }/>
                                            <small id="line-category-matches" class="notice" role="status" data-testid="line-category-matches">
                                                {move || {
                                                    let q = search_key(category_search.get().trim());
                                                    if q.is_empty() {
                                                        return String::new();
                                                    }
                                                    match options.with_value(|o| o.iter().filter(|(_, _, key)| key.contains(&q)).count()) {
                                                        0 => format!("Aucune catégorie ne contient « {} ».", category_search.get().trim()),
                                                        1 => "1 catégorie trouvée.".to_string(),
                                                        n => format!("{n} catégories trouvées."),
                                                    }
                                                }}
                                            </small>
                                        </div>
                                        {
                                            // Large tiles of the most used categories, for a finger at a
                                            // tablet. Out of the Tab order: the keyboard has the search
                                            // and the list, and its path through the form stays short.
                                            let tiles: Vec<(CategoryId, String)> = frequent
                                                .iter()
                                                .filter_map(|id| options.with_value(|o| o.iter().find(|(oid, ..)| oid == id).map(|(oid, label, _)| (*oid, label.trim_start_matches("— ").to_string()))))
                                                .collect();
                                            (!tiles.is_empty()).then(|| view! {
                                                <div class="category-tiles" role="group" aria-label="Catégories fréquentes" data-testid="category-tiles">
                                                    {tiles.into_iter().map(|(id, label)| {
                                                        let value = id.to_string();
                                                        let chosen = value.clone();
                                                        view! {
                                                            <button type="button" class="category-tile" tabindex="-1" data-testid="category-tile"
                                                                aria-pressed=move || if category.get() == chosen { "true" } else { "false" }
                                                                on:click=move |_| {
                                                                    category_search.set(String::new());
                                                                    category.set(value.clone());
                                                                    changed(LineField::Category);
                                                                    focus_weight();
                                                                }>
                                                                {label}
                                                            </button>
                                                        }
                                                    }).collect_view()}
                                                </div>
                                            })
                                        }
                                        <div class="field">
                                            <label for="line-category">"Catégorie"
                                                <Show when=move || editing.get().is_none() && last_taken.with(|l| l.as_ref().is_some_and(|(c, _)| *c == category.get()))>
                                                    <span class="kept" data-testid="category-kept">" · reprise de la ligne précédente"</span>
                                                </Show>
                                            </label>
                                            <select id="line-category" data-testid="line-category" prop:value=category node_ref=category_ref
                                                aria-invalid=invalid(LineField::Category) aria-describedby=described(LineField::Category)
                                                on:change:target=move |ev| { category.set(ev.target().value()); changed(LineField::Category); } on:keydown=enter_adds>
                                                // Only the categories the search finds are in the list (an
                                                // `<option hidden>` is still offered by iOS Safari). Each option
                                                // says whether it is the chosen one: a rebuilt list would
                                                // otherwise fall back to its first option.
                                                {move || {
                                                    let q = search_key(category_search.get().trim());
                                                    options.with_value(|o| o.iter().filter(|(_, _, key)| key.contains(&q)).map(|(id, label, _)| {
                                                        let value = id.to_string();
                                                        let chosen = value.clone();
                                                        view! { <option value=value prop:selected=move || category.get() == chosen>{label.clone()}</option> }
                                                    }).collect_view())
                                                }}
                                            </select>
                                        </div>
                                        <div class="field">
                                            <label for="line-destination">"Destination"
                                                <Show when=move || editing.get().is_none() && last_taken.with(|l| l.as_ref().is_some_and(|(_, d)| *d == destination.get()))>
                                                    <span class="kept" data-testid="destination-kept">" · reprise de la ligne précédente"</span>
                                                </Show>
                                            </label>
                                            <select id="line-destination" data-testid="line-destination" prop:value=destination node_ref=destination_ref
                                                aria-invalid=invalid(LineField::Destination) aria-describedby=described(LineField::Destination)
                                                on:change:target=move |ev| { destination.set(ev.target().value()); changed(LineField::Destination); } on:keydown=enter_adds>
                                                {Destination::ALL.into_iter().map(|d| view! { <option value=d.as_str()>{d.label()}</option> }).collect_view()}
                                            </select>
                                        </div>
                                        <div class="field">
                                            <label class="check" for="line-exit">
                                                <input id="line-exit" type="checkbox" data-testid="line-exit" on:keydown=enter_adds
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
                                            <button type="submit" class="primary" data-testid="line-submit" disabled=move || update.pending().get()>
                                                {move || if editing.get().is_some() { "Enregistrer (Entrée)" } else { "Ajouter (Entrée)" }}
                                            </button>
                                            <Show when=move || editing.get().is_some()>
                                                <button type="button" on:click=move |_| { reset_form(); focus_weight(); }>"Annuler"</button>
                                            </Show>
                                        </div>
                                    </form>
                                    {move || form_error.get().map(|(_, e)| view! { <p class="error" role="alert" id="line-error" data-testid="line-error">{e}</p> })}
                                </section>
                            })}

                            <section class="card">
                                <h2>"Lignes"</h2>
                                <p class="notice" role="status" data-testid="lines-sending">{move || queue.items.with(|q| match q.len() {
                                    0 => String::new(),
                                    1 => "1 ligne en cours d'envoi.".to_string(),
                                    n => format!("{n} lignes en cours d'envoi."),
                                })}</p>
                                <Show when=move || lines.with(Vec::is_empty) && queue.items.with(Vec::is_empty)
                                    fallback=move || view! {
                                        <div class="table-wrap">
                                        <table class="cards-narrow" data-testid="lines-table">
                                            <thead><tr>
                                                <th scope="col">"Catégorie"</th><th scope="col" class="num">"Poids (kg)"</th><th scope="col">"Destination"</th>
                                                <th scope="col">"Flux"</th><th scope="col">"Notes"</th>{open.then(|| view! { <th scope="col">"Actions"</th> })}
                                            </tr></thead>
                                            <tbody>
                                                <For each=move || lines.get() key=|l| (l.id, l.updated_at) children=move |l| {
                                                    let (lid, l_edit) = (l.id, l.clone());
                                                    view! {
                                                        <tr data-testid="line-row">
                                                            <td data-label="Catégorie">{l.category_name.clone()}</td>
                                                            <td class="num" data-label="Poids (kg)" data-testid="line-weight-cell">{crate::format::weight(l.poids_kg)}</td>
                                                            <td data-label="Destination">{l.destination.label()}</td>
                                                            <td data-label="Flux">{if l.is_exit { "Sortie" } else { "Entrée" }}</td>
                                                            <td data-label="Notes">{l.notes.clone().unwrap_or_default()}</td>
                                                            {open.then(|| view! {
                                                                <td class="actions">
                                                                    <Show when=move || confirm_delete.get() == Some(lid) fallback=move || {
                                                                        let l_edit = l_edit.clone();
                                                                        view! {
                                                                            <button type="button" data-testid="line-edit" on:click=move |_| start_edit(l_edit.clone())>"Modifier"</button>
                                                                            <button type="button" data-testid="line-delete" on:click=move |_| confirm_delete.set(Some(lid))>"Supprimer"</button>
                                                                        }
                                                                    }>
                                                                        <span>"Supprimer cette ligne ?"</span>
                                                                        <button type="button" data-testid="line-delete-confirm"
                                                                            on:click=move |_| { confirm_delete.set(None); delete(tid, lid); }>"Oui, supprimer"</button>
                                                                        <button type="button" data-testid="line-delete-cancel" on:click=move |_| confirm_delete.set(None)>"Non"</button>
                                                                    </Show>
                                                                </td>
                                                            })}
                                                        </tr>
                                                    }
                                                }/>
                                                <For each=move || queue.items.get() key=|p| (p.key, p.state.clone()) children=move |p| {
                                                    let key = p.key;
                                                    let status = match p.state {
                                                        SendState::Waiting => view! { <td class="actions">"En attente"</td> }.into_any(),
                                                        SendState::Sending => view! { <td class="actions">"Envoi…"</td> }.into_any(),
                                                        SendState::Failed(e) => view! {
                                                            <td class="actions" data-testid="line-failed">
                                                                <span class="error" data-testid="line-failed-error">{format!("Non enregistrée : {e}")}</span>
                                                                <button type="button" data-testid="line-retry" on:click=move |_| queue.retry(tid, key)>"Réessayer"</button>
                                                                <button type="button" data-testid="line-abandon" on:click=move |_| queue.abandon(tid, key)>"Abandonner"</button>
                                                            </td>
                                                        }.into_any(),
                                                    };
                                                    view! {
                                                        <tr data-testid="line-pending" class="pending">
                                                            <td data-label="Catégorie">{p.category_name.clone()}</td>
                                                            <td class="num" data-label="Poids (kg)" data-testid="line-pending-weight">{crate::format::weight(p.input.poids_kg)}</td>
                                                            <td data-label="Destination">{p.input.destination.label()}</td>
                                                            <td data-label="Flux">{if p.input.is_exit { "Sortie" } else { "Entrée" }}</td>
                                                            <td data-label="Notes">{p.input.notes.clone().unwrap_or_default()}</td>
                                                            {status}
                                                        </tr>
                                                    }
                                                }/>
                                            </tbody>
                                        </table>
                                        </div>
                                    }>
                                    <p class="notice" data-testid="lines-empty">"Aucune ligne pour l'instant."</p>
                                </Show>
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}
