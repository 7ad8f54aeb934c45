use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use super::export_button::TicketCsvButton;
use super::filter_fields::{BenevoleSelect, CategorySelect, PeriodSelect, PosteSelect, StatusSelect};
use super::kpi::{KpiBanner, KpiRefresh};
use crate::auth::Permission;
use crate::filter::{url_encode, Filter};
use crate::pages::fields::{export_lines, DestinationFilter, DownloadStatus, PeriodFields, PeriodInput};
use crate::pages::guard::Guarded;
use crate::reception::{PageRequest, PosteSummary, ReceptionFilter};
use crate::reception_api::{current_poste, list_tickets, poste_summary, ClosePoste, CreateTicket, OpenPoste};
use crate::shell::CurrentUser;
use crate::load::load;

#[component]
pub fn ReceptionHome() -> impl IntoView {
    view! {
        <Guarded permission=Some(Permission::ReceptionAccess)>
            <ReceptionPanel/>
        </Guarded>
    }
}

#[component]
fn ReceptionPanel() -> impl IntoView {
    KpiRefresh::provide();
    view! {
        <h1 class="page-title" data-testid="reception-home">"Réception"</h1>
        <KpiBanner/>
        <div class="columns">
            <PosteCard/>
            <PeriodExport/>
        </div>
        <TicketsCard/>
    }
}

#[component]
fn PosteCard() -> impl IntoView {
    let user = expect_context::<CurrentUser>();
    let open = ServerAction::<OpenPoste>::new();
    let close = ServerAction::<ClosePoste>::new();
    let create = ServerAction::<CreateTicket>::new();
    let poste = load(move || (open.version().get(), close.version().get()), |_| current_poste());
    let deferred_at = RwSignal::new(String::new());
    // Closing the poste asks first.
    let confirm_close = RwSignal::new(false);
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(t)) = create.value().get() {
            navigate(&format!("/reception/tickets/{}", t.ticket.id), Default::default());
        }
    });
    Effect::new(move |_| {
        if matches!(open.value().get(), Some(Ok(_))) || matches!(close.value().get(), Some(Ok(_))) {
            KpiRefresh::bump();
        }
    });
    // Once closed, the shift's summary; it goes when a new poste opens.
    let summary = RwSignal::new(None::<PosteSummary>);
    Effect::new(move |_| {
        if let Some(Ok(p)) = close.value().get() {
            leptos::task::spawn_local(async move {
                if let Ok(s) = poste_summary(p.id).await {
                    summary.set(Some(s));
                }
            });
        }
    });
    Effect::new(move |_| {
        if matches!(open.value().get(), Some(Ok(_))) {
            summary.set(None);
        }
    });
    let error = move || {
        [open.value().get().and_then(|r| r.err()), close.value().get().and_then(|r| r.err()), create.value().get().and_then(|r| r.err())]
            .into_iter()
            .flatten()
            .next()
            .map(|e| e.to_string())
    };
    view! {
        <section class="card" data-testid="poste-card">
            <h2>"Mon poste"</h2>
            <Transition fallback=|| view! { <p>"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    let is_admin = user.await.ok().flatten().is_some_and(|u| u.has(Permission::Admin));
                    match poste.await {
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(Some(p)) => {
                            let id = p.id;
                            let since = crate::format::paris_datetime(p.opened_at);
                            view! {
                                <p data-testid="poste-status">
                                    {format!("Poste ouvert depuis le {since}")}
                                    {p.is_deferred.then_some(" (saisie différée)")}
                                </p>
                                <div class="buttons">
                                    <button type="button" class="primary" data-testid="new-ticket"
                                        disabled=move || create.pending().get()
                                        on:click=move |_| { create.dispatch(CreateTicket {}); }>
                                        "Nouveau ticket"
                                    </button>
                                    <Show when=move || confirm_close.get() fallback=move || view! {
                                        <button type="button" data-testid="close-poste"
                                            disabled=move || close.pending().get()
                                            on:click=move |_| confirm_close.set(true)>
                                            "Fermer mon poste"
                                        </button>
                                    }>
                                        <span role="status">"Fermer votre poste ? Vous ne pourrez plus y créer de ticket."</span>
                                        <button type="button" class="primary" data-testid="close-poste-confirm"
                                            on:click=move |_| { confirm_close.set(false); close.dispatch(ClosePoste { id }); }>"Oui, fermer"</button>
                                        <button type="button" data-testid="close-poste-cancel" on:click=move |_| confirm_close.set(false)>"Non"</button>
                                    </Show>
                                </div>
                            }.into_any()
                        }
                        Ok(None) => view! {
                            <p data-testid="poste-status">"Aucun poste ouvert."</p>
                            <form class="stack" on:submit=move |ev| {
                                ev.prevent_default();
                                let at = deferred_at.get();
                                open.dispatch(OpenPoste { opened_at: (!at.is_empty()).then_some(at) });
                            }>
                                {is_admin.then(|| view! {
                                    <label for="poste-opened-at">"Saisie différée : date et heure d'ouverture (facultatif)"</label>
                                    <input id="poste-opened-at" type="datetime-local" data-testid="poste-opened-at"
                                        prop:value=deferred_at on:input:target=move |ev| deferred_at.set(ev.target().value())/>
                                })}
                                <button type="submit" class="primary" data-testid="open-poste" disabled=move || open.pending().get()>
                                    "Ouvrir mon poste"
                                </button>
                            </form>
                        }.into_any(),
                    }
                })}
            </Transition>
            {move || error().map(|e| view! { <p class="error" role="alert" data-testid="poste-error">{e}</p> })}
            {move || summary.get().map(|s| view! { <PosteSummaryView summary=s/> })}
        </section>
    }
}

/// The shift's summary, shown when a poste closes: what the desk took in and let out.
#[component]
fn PosteSummaryView(summary: PosteSummary) -> impl IntoView {
    let w = crate::format::weight;
    let period = format!(
        "du {} au {}",
        crate::format::paris_datetime(summary.opened_at),
        summary.closed_at.map(crate::format::paris_datetime).unwrap_or_default()
    );
    view! {
        <div class="poste-summary" data-testid="poste-summary" role="status">
            <h3>"Bilan du poste"</h3>
            <p class="notice">{period}</p>
            <p>
                <span data-testid="summary-tickets">{summary.tickets}</span>" ticket(s), "
                <span data-testid="summary-lines">{summary.lines_count}</span>" ligne(s) ; entrées "
                <span data-testid="summary-entry">{w(summary.entry_weight_kg)}</span>" kg, sorties "
                <span data-testid="summary-exit">{w(summary.exit_weight_kg)}</span>" kg."
            </p>
            {(!summary.by_destination.is_empty()).then(|| view! {
                <table class="cards-narrow" data-testid="summary-destinations">
                    <thead><tr><th scope="col">"Destination"</th><th scope="col" class="num">"Lignes"</th><th scope="col" class="num">"Entrées (kg)"</th><th scope="col" class="num">"Sorties (kg)"</th></tr></thead>
                    <tbody>
                        {summary.by_destination.iter().map(|d| view! {
                            <tr>
                                <th scope="row" data-label="Destination">{d.destination.label()}</th>
                                <td class="num" data-label="Lignes">{d.lines_count}</td>
                                <td class="num" data-label="Entrées (kg)">{w(d.entry_weight_kg)}</td>
                                <td class="num" data-label="Sorties (kg)">{w(d.exit_weight_kg)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </div>
    }
}

/// The query parameters of the ticket list, all kept in the page's URL so that a
/// list can be bookmarked, shared and reloaded: the filter's, then the page's.
const LIST_PARAMS: [&str; 9] = ["status", "period", "date_from", "date_to", "poste_id", "benevole_id", "number", "page", "page_size"];

#[component]
fn TicketsCard() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.with(|m| m.get(k).unwrap_or_default());
    let navigate = StoredValue::new(use_navigate());
    // Changes some parameters (any other change goes back to the first page).
    let set = move |changes: &[(&str, String)]| {
        let mut pairs: Vec<(&str, String)> = LIST_PARAMS.iter().map(|k| (*k, query.with_untracked(|m| m.get(k).unwrap_or_default()))).collect();
        if !changes.iter().any(|(k, _)| *k == "page") {
            pairs.retain(|(k, _)| *k != "page");
        }
        for (k, v) in changes {
            match pairs.iter_mut().find(|p| p.0 == *k) {
                Some(p) => p.1 = v.clone(),
                None => pairs.push((*k, v.clone())),
            }
        }
        let qs = pairs.iter().filter(|(_, v)| !v.trim().is_empty()).map(|(k, v)| format!("{k}={}", url_encode(v.trim()))).collect::<Vec<_>>().join("&");
        let url = if qs.is_empty() { "/reception".to_string() } else { format!("/reception?{qs}") };
        navigate.with_value(|n| n(&url, NavigateOptions { scroll: false, ..Default::default() }));
    };
    // The one reception filter and the page, read from the URL and validated again by
    // the server.
    let request = move || {
        query.with(|m| {
            let pairs: Vec<(&str, String)> = LIST_PARAMS.iter().filter_map(|k| m.get(k).map(|v| (*k, v))).collect();
            let pairs = || pairs.iter().map(|(k, v)| (*k, v.as_str()));
            Ok::<_, crate::error::AppError>((ReceptionFilter::from_pairs(pairs(), &PageRequest::FIELDS)?, PageRequest::from_pairs(pairs())?))
        })
    };
    let tickets = load(request, |r| async move {
        let (f, page) = r?;
        list_tickets(f, page).await
    });
    // The postes of the chosen period (and bénévole), to narrow the list to one of them.
    let among = Signal::derive(move || {
        let pairs = ["period", "date_from", "date_to", "benevole_id"].map(|k| (k, param(k)));
        ReceptionFilter::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())), &[]).map_err(|e| e.to_string())
    });
    let on = move |k: &'static str| Callback::new(move |v: String| set(&[(k, v)]));
    let number = RwSignal::new(String::new());
    Effect::new(move |_| number.set(param("number")));
    let number_error = RwSignal::new(None::<String>);
    let number_ref = NodeRef::<leptos::html::Input>::new();
    // Dates go to the URL once both are given (or both cleared): one alone is no period.
    let (date_from, date_to) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    Effect::new(move |_| {
        date_from.set(param("date_from"));
        date_to.set(param("date_to"));
    });
    let set_dates = move || {
        let (from, to) = (date_from.get_untracked(), date_to.get_untracked());
        if from.is_empty() == to.is_empty() {
            set(&[("date_from", from), ("date_to", to), ("period", String::new()), ("poste_id", String::new())]);
        }
    };
    view! {
        <section class="card">
            <div class="card-head">
                <h2>"Tickets"</h2>
                <StatusSelect id="tickets-status" value=Signal::derive(move || param("status")) on_change=on("status") inline=true/>
                <PeriodSelect id="tickets-period" value=Signal::derive(move || param("period")) empty_label="Toutes" inline=true
                    on_change=Callback::new(move |v: String| set(&[("period", v), ("poste_id", String::new()), ("date_from", String::new()), ("date_to", String::new())]))/>
                <label class="inline" for="tickets-from">"Du"</label>
                <input id="tickets-from" type="date" data-testid="tickets-date-from" prop:value=date_from
                    on:change:target=move |ev| { date_from.set(ev.target().value()); set_dates(); }/>
                <label class="inline" for="tickets-to">"Au"</label>
                <input id="tickets-to" type="date" data-testid="tickets-date-to" prop:value=date_to
                    on:change:target=move |ev| { date_to.set(ev.target().value()); set_dates(); }/>
                <PosteSelect id="tickets-poste" value=Signal::derive(move || param("poste_id")) on_change=on("poste_id") among inline=true/>
                <BenevoleSelect id="tickets-benevole" value=Signal::derive(move || param("benevole_id")) on_change=on("benevole_id") inline=true/>
                <form class="inline-search" role="search" on:submit=move |ev| {
                    ev.prevent_default();
                    // Read by the filter's own parser first: a number that cannot be one
                    // is refused on the field, and the list stays as it is.
                    let typed = number.get_untracked();
                    match ReceptionFilter::from_pairs([("number", typed.as_str())], &[]) {
                        Ok(_) => set(&[("number", typed)]),
                        Err(e) => {
                            number_error.set(Some(e.to_string()));
                            if let Some(input) = number_ref.get_untracked() {
                                let _ = input.focus();
                            }
                        }
                    }
                }>
                    <label class="inline" for="tickets-number">"N° de ticket"</label>
                    <input id="tickets-number" type="search" data-testid="tickets-number" placeholder="ex. 2026-00123" size="12" node_ref=number_ref
                        aria-invalid=move || number_error.with(Option::is_some).then_some("true")
                        aria-describedby=move || number_error.with(Option::is_some).then_some("tickets-number-error")
                        prop:value=number on:input:target=move |ev| { number.set(ev.target().value()); number_error.set(None); }/>
                    <button type="submit" data-testid="tickets-number-search">"Chercher"</button>
                    {move || number_error.get().map(|e| view! { <small id="tickets-number-error" class="error" role="alert" data-testid="tickets-number-error">{e}</small> })}
                </form>
            </div>
            <Transition fallback=|| view! { <p>"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    match tickets.await {
                        Err(e) => view! { <p class="error" role="alert" data-testid="tickets-error">{e.to_string()}</p> }.into_any(),
                        Ok(list) if list.items.is_empty() => view! { <p class="notice" data-testid="tickets-empty">"Aucun ticket."</p> }.into_any(),
                        Ok(list) => {
                            let (label, page) = (list.range_label(), list.page);
                            let (previous, next) = (list.has_previous(), list.has_next());
                            view! {
                            <div class="table-wrap">
                            <table class="cards-narrow" data-testid="tickets-table">
                                <thead><tr>
                                    <th scope="col">"N°"</th><th scope="col">"Date"</th><th scope="col">"Bénévole"</th><th scope="col">"Statut"</th>
                                    <th scope="col" class="num">"Lignes"</th><th scope="col" class="num">"Entrées (kg)"</th><th scope="col" class="num">"Sorties (kg)"</th>
                                    <th scope="col">"Actions"</th>
                                </tr></thead>
                                <tbody>
                                    {list.items.into_iter().map(|t| view! {
                                        <tr data-testid="ticket-row">
                                            <td class="ticket-number" data-label="N°" data-testid="ticket-number">{t.number.to_string()}</td>
                                            <td data-label="Date">{crate::format::paris_datetime(t.ticket_at)}{t.is_deferred.then_some(" (différé)")}</td>
                                            <td data-label="Bénévole">{t.benevole_name.clone()}</td>
                                            <td data-label="Statut">{t.status.label()}</td>
                                            <td class="num" data-label="Lignes">{t.lines_count}</td>
                                            <td class="num" data-label="Entrées (kg)">{crate::format::weight(t.entry_weight_kg)}</td>
                                            <td class="num" data-label="Sorties (kg)">{crate::format::weight(t.exit_weight_kg)}</td>
                                            <td class="actions">
                                                <a class="button-link" href=format!("/reception/tickets/{}", t.id)>"Ouvrir"</a>
                                                <TicketCsvButton ticket_id=t.id prefix="row-export"/>
                                            </td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                            <nav class="buttons pager" aria-label="Pages de la liste des tickets">
                                <button type="button" data-testid="tickets-previous" disabled=!previous
                                    on:click=move |_| set(&[("page", (page - 1).to_string())])>"← Précédents"</button>
                                <span data-testid="tickets-range" aria-live="polite">{label}</span>
                                <button type="button" data-testid="tickets-next" disabled=!next
                                    on:click=move |_| set(&[("page", (page + 1).to_string())])>"Suivants →"</button>
                            </nav>
                        }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

/// "Export lignes (période)": Paris days, end day included, optional filters.
#[component]
fn PeriodExport() -> impl IntoView {
    let period = PeriodInput::current_month();
    let destination = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let pending = RwSignal::new(false);
    let result = RwSignal::new(None::<Result<String, String>>);
    let run = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let fields = [("date_from", period.from.get()), ("date_to", period.to.get()), ("destination", destination.get()), ("category_id", category.get())];
        let filter = match ReceptionFilter::from_pairs(fields.iter().map(|(k, v)| (*k, v.as_str())), &[]) {
            Ok(f) => f,
            Err(e) => return period.refuse(&e, result),
        };
        period.error_field.set(None);
        export_lines(&filter, pending, result);
    };
    view! {
        <section class="card">
            <h2>"Export lignes (période)"</h2>
            <form class="form-grid two" on:submit=run>
                <PeriodFields period prefix="export" result status_prefix="export-period"/>
                <DestinationFilter id="export-destination" value=destination/>
                <div>
                    <CategorySelect id="export-category" value=category on_change=Callback::new(move |v| category.set(v))/>
                </div>
                <button type="submit" class="primary" data-testid="export-period" disabled=move || pending.get()>
                    {move || if pending.get() { "Export en cours…" } else { "Exporter en CSV" }}
                </button>
            </form>
            <DownloadStatus result prefix="export-period"/>
        </section>
    }
}
