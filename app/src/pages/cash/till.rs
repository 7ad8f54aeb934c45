//! The till screen, `/caisse`: open a session on a register with an opening float, ring
//! up sales (see [`super::sale`]), and close with the amounts counted. The session is
//! loaded once per open or close; sales refresh only the list below the entry form, so
//! the form is never rebuilt under the cashier's fingers. Every resource is created
//! here, at the top of the page, never inside a suspended part: hydration finds each
//! one's server value by its place.
use leptos::prelude::*;

use super::reconciliation::{from_close, ReconciliationTable};
use super::sale::{SaleEntry, SessionSales};
use crate::auth::Permission;
use crate::cash::{CashSession, CashSessionDetail, CloseOutcome, CloseSessionRequest, Register};
use crate::cash_api::{close_session, current_session, get_session, list_registers, open_session, sale_categories};
use crate::reception::Category;
use crate::error::AppError;
use crate::money::Cents;
use crate::pages::guard::Guarded;
use crate::shell::CurrentUser;
use crate::load::{load, Loaded};

#[component]
pub fn Till() -> impl IntoView {
    view! {
        <Guarded permission=Some(Permission::CaisseAccess)>
            <TillPanel/>
        </Guarded>
    }
}

#[component]
fn TillPanel() -> impl IntoView {
    // Bumped after an open or a close: the only times the whole screen is rebuilt.
    let session_version = RwSignal::new(0u32);
    let session = load(move || session_version.get(), |_| current_session());
    let registers = load(|| (), |_| list_registers());
    let categories = load(|| (), |_| sale_categories());
    // Bumped after each sale: refreshes the list of the session's sales only.
    let sales_version = RwSignal::new(0u32);
    let detail = load(move || (session_version.get(), sales_version.get()), |_| current_detail());
    let last_close = RwSignal::new(None::<CloseOutcome>);
    view! {
        <h1 class="page-title" data-testid="caisse-home">"Caisse"</h1>
        {move || last_close.get().map(|outcome| match outcome {
            CloseOutcome::Deleted(_) => view! {
                <section class="card" role="status" data-testid="close-deleted">
                    <h2>"Session supprimée"</h2>
                    <p>"La session ne comptait aucune vente : elle n'a pas été conservée."</p>
                </section>
            }.into_any(),
            CloseOutcome::Closed(r) => view! {
                <section class="card" role="status" data-testid="close-result">
                    <h2>"Session fermée"</h2>
                    <p class="notice">{format!("Fermée le {}. Fond de caisse : {}.", crate::format::paris_datetime(r.closed_at), r.opening_float_cents)}</p>
                    <ReconciliationTable rows=from_close(&r) testid="close-reconciliation"/>
                    {r.comment.clone().map(|c| view! { <p>"Commentaire : "<span data-testid="close-result-comment">{c}</span></p> })}
                </section>
            }.into_any(),
        })}
        <Transition fallback=|| view! { <p>"Chargement…"</p> }>
            {move || Suspend::new(async move {
                match session.await {
                    Err(e) => view! { <section class="card"><p class="error" role="alert">{e.to_string()}</p></section> }.into_any(),
                    Ok(None) => view! { <OpenForm registers session_version last_close/> }.into_any(),
                    Ok(Some(s)) => view! { <SessionView session=s categories detail sales_version session_version last_close/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The open session with its sales, if any.
async fn current_detail() -> Result<Option<CashSessionDetail>, AppError> {
    match current_session().await? {
        Some(s) => get_session(s.id).await.map(Some),
        None => Ok(None),
    }
}

type Fetched<T> = Loaded<Result<T, AppError>>;

#[component]
fn OpenForm(registers: Fetched<Vec<Register>>, session_version: RwSignal<u32>, last_close: RwSignal<Option<CloseOutcome>>) -> impl IntoView {
    let user = expect_context::<CurrentUser>();
    let register = RwSignal::new(String::new());
    let float = RwSignal::new(String::new());
    let opened_at = RwSignal::new(String::new());
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let Ok(register_id) = register.get_untracked().parse() else {
            return error.set(Some(AppError::field("register_id", "Choisissez une caisse.")));
        };
        let opening_float_cents = match Cents::parse_euros(&float.get_untracked(), "Fond de caisse") {
            Ok(c) => c,
            Err(e) => return error.set(Some(e)),
        };
        let at = opened_at.get_untracked();
        pending.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let r = open_session(register_id, opening_float_cents, (!at.is_empty()).then_some(at)).await;
            pending.set(false);
            match r {
                Ok(_) => {
                    last_close.set(None);
                    session_version.update(|v| *v += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card" data-testid="open-session-card">
            <h2>"Ouvrir une session de caisse"</h2>
            <Transition fallback=|| view! { <p>"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    let is_admin = user.await.ok().flatten().is_some_and(|u| u.has(Permission::Admin));
                    match registers.await {
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <p class="notice" data-testid="no-register">
                                "Aucune caisse n'est déclarée. Un administrateur doit créer un site et une caisse (Administration › Sites et caisses)."
                            </p>
                        }.into_any(),
                        Ok(list) => {
                            if register.get_untracked().is_empty() && list.len() == 1 {
                                register.set(list[0].id.to_string());
                            }
                            view! {
                                <form class="form-grid two" on:submit=submit>
                                    <div>
                                        <label for="open-register">"Caisse"</label>
                                        <select id="open-register" data-testid="open-register" required prop:value=register
                                            on:change:target=move |ev| register.set(ev.target().value())>
                                            <option value="" selected=move || register.get().is_empty()>"Choisir…"</option>
                                            {list.into_iter().map(|r| {
                                                let id = r.id.to_string();
                                                let chosen = id.clone();
                                                view! {
                                                    <option value=id selected=move || register.get() == chosen>{format!("{} — {}", r.name, r.site_name)}</option>
                                                }
                                            }).collect_view()}
                                        </select>
                                    </div>
                                    <div>
                                        <label for="open-float">"Fond de caisse (€)"</label>
                                        <input id="open-float" type="text" inputmode="decimal" autocomplete="off" required placeholder="ex. 50,00"
                                            data-testid="open-float" prop:value=float on:input:target=move |ev| float.set(ev.target().value())/>
                                    </div>
                                    {is_admin.then(|| view! {
                                        <div>
                                            <label for="open-opened-at">"Saisie différée : date et heure d'ouverture (facultatif)"</label>
                                            <input id="open-opened-at" type="datetime-local" data-testid="open-opened-at"
                                                prop:value=opened_at on:input:target=move |ev| opened_at.set(ev.target().value())/>
                                        </div>
                                    })}
                                    <button type="submit" class="primary" data-testid="open-session" disabled=move || pending.get()>
                                        {move || if pending.get() { "Ouverture…" } else { "Ouvrir la session" }}
                                    </button>
                                </form>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
            {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="open-error">{e.to_string()}</p> })}
        </section>
    }
}

#[component]
fn SessionView(
    session: CashSession,
    categories: Fetched<Vec<Category>>,
    detail: Fetched<Option<CashSessionDetail>>,
    sales_version: RwSignal<u32>,
    session_version: RwSignal<u32>,
    last_close: RwSignal<Option<CloseOutcome>>,
) -> impl IntoView {
    let id = session.id;
    view! {
        <section class="card session-head" data-testid="session-card">
            <div class="card-head">
                <h2 data-testid="session-title">{format!("{} — {}", session.register_name, session.site_name)}</h2>
                <span class="badge open" data-testid="session-status">{session.status.label()}</span>
            </div>
            <p class="notice" data-testid="session-info">
                {format!("Ouverte le {} par {}. Fond de caisse : {}.", crate::format::paris_datetime(session.opened_at), session.operator_name, session.opening_float_cents)}
                {session.is_deferred.then_some(" Saisie différée : les ventes prennent la date de la session.")}
            </p>
        </section>
        <SaleEntry session_id=id categories sales_version/>
        <SessionSales detail/>
        <CloseForm session_id=id session_version last_close/>
    }
}

#[component]
fn CloseForm(session_id: crate::ids::CashSessionId, session_version: RwSignal<u32>, last_close: RwSignal<Option<CloseOutcome>>) -> impl IntoView {
    let cash = RwSignal::new(String::new());
    let card = RwSignal::new(String::new());
    let check = RwSignal::new(String::new());
    let comment = RwSignal::new(String::new());
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    // The message of the field at fault, shown under that field.
    let field_error = move |name: &'static str| move || error.get().filter(|e| e.field_name() == Some(name)).map(|e| e.to_string());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let optional = |raw: String, field: &'static str, label: &str| -> Result<Option<Cents>, AppError> {
            if raw.trim().is_empty() {
                Ok(None)
            } else {
                Cents::parse_euros(&raw, label).map(Some).map_err(|e| AppError::field(field, e.to_string()))
            }
        };
        let req = (|| {
            let counted_cash_cents = Cents::parse_euros(&cash.get_untracked(), "Espèces comptées").map_err(|e| AppError::field("counted_cash_cents", e.to_string()))?;
            Ok::<_, AppError>(CloseSessionRequest {
                counted_cash_cents,
                counted_card_cents: optional(card.get_untracked(), "counted_card_cents", "Total carte")?,
                counted_check_cents: optional(check.get_untracked(), "counted_check_cents", "Total chèques")?,
                comment: Some(comment.get_untracked()).filter(|c| !c.trim().is_empty()),
            })
        })();
        let req = match req {
            Ok(r) => r,
            Err(e) => return error.set(Some(e)),
        };
        pending.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match close_session(session_id, req).await {
                Ok(outcome) => {
                    last_close.set(Some(outcome));
                    session_version.update(|v| *v += 1);
                }
                Err(e) => {
                    pending.set(false);
                    error.set(Some(e));
                }
            }
        });
    };
    let field = move |id: &'static str, label: &'static str, value: RwSignal<String>, err: &'static str| {
        view! {
            <div>
                <label for=id>{label}</label>
                <input id=id type="text" inputmode="decimal" autocomplete="off" data-testid=id
                    prop:value=value on:input:target=move |ev| value.set(ev.target().value())/>
                {move || field_error(err)().map(|m| view! { <p class="error" role="alert" data-testid=format!("{id}-error")>{m}</p> })}
            </div>
        }
    };
    view! {
        <section class="card" data-testid="close-section">
            <h2>"Clôturer la session"</h2>
            <p class="notice">"Comptez le tiroir (fond de caisse compris), puis le total du terminal de carte et celui des chèques si vous les avez. Les montants attendus s'affichent après la clôture."</p>
            <form class="form-grid two" on:submit=submit>
                {field("close-cash", "Espèces comptées (€)", cash, "counted_cash_cents")}
                {field("close-card", "Total carte (€, facultatif)", card, "counted_card_cents")}
                {field("close-check", "Total chèques (€, facultatif)", check, "counted_check_cents")}
                <div class="span-all">
                    <label for="close-comment">"Commentaire (obligatoire si l'écart d'espèces dépasse la tolérance)"</label>
                    <textarea id="close-comment" data-testid="close-comment" rows="2"
                        prop:value=comment on:input:target=move |ev| comment.set(ev.target().value())></textarea>
                    {move || field_error("comment")().map(|m| view! { <p class="error" role="alert" data-testid="close-comment-error">{m}</p> })}
                </div>
                <button type="submit" class="primary" data-testid="close-session" disabled=move || pending.get()>
                    {move || if pending.get() { "Clôture…" } else { "Clôturer la session" }}
                </button>
            </form>
            {move || error.get().filter(|e| !matches!(e.field_name(), Some("comment" | "counted_cash_cents" | "counted_card_cents" | "counted_check_cents")))
                .map(|e| view! { <p class="error" role="alert" data-testid="close-error">{e.to_string()}</p> })}
        </section>
    }
}
