//! The fields of the one reception filter, shared by the ticket list (bound to the
//! page's address) and the admin export page (bound to its form). Each field takes its
//! current value and a callback for a new one, so one copy serves both; the empty value
//! means "any". Ids double as test ids.
use leptos::prelude::*;

use crate::api::list_users;
use crate::auth::Permission;
use crate::paging::PageRequest;
use crate::reception::{category_tree, Poste, ReceptionFilter};
use crate::reception_api::{list_categories, list_postes};
use crate::shell::CurrentUser;
use crate::time::RelativePeriod;
use crate::load::load;

/// The ticket status: all, open or closed.
#[component]
pub fn StatusSelect(id: &'static str, #[prop(into)] value: Signal<String>, on_change: Callback<String>, #[prop(optional)] inline: bool) -> impl IntoView {
    view! {
        <label class:inline=inline for=id>"Statut"</label>
        <select id=id data-testid=id prop:value=move || value.get() on:change:target=move |ev| on_change.run(ev.target().value())>
            <option value="">"Tous"</option>
            <option value="opened">"Ouverts"</option>
            <option value="closed">"Fermés"</option>
        </select>
    }
}

/// A relative period ("Ce mois-ci", "Le mois dernier"…), resolved in Paris days when
/// the request runs; the empty choice is named by the caller ("Toutes", or the dates
/// typed beside it).
#[component]
pub fn PeriodSelect(
    id: &'static str,
    #[prop(into)] value: Signal<String>,
    on_change: Callback<String>,
    empty_label: &'static str,
    #[prop(optional)] inline: bool,
) -> impl IntoView {
    view! {
        <label class:inline=inline for=id>"Période"</label>
        <select id=id data-testid=id prop:value=move || value.get() on:change:target=move |ev| on_change.run(ev.target().value())>
            <option value="">{empty_label}</option>
            {RelativePeriod::ALL.into_iter().map(|p| view! { <option value=p.as_str()>{p.label()}</option> }).collect_view()}
        </select>
    }
}

/// The postes a list offers for `f`: the latest ones, as many as one page holds, and
/// how many more the period has, so that a long period says it was cut short rather
/// than hide its older postes.
pub(super) async fn postes_offered(f: ReceptionFilter) -> (Vec<Poste>, i64) {
    match list_postes(f, PageRequest { page: 1, page_size: PageRequest::MAX_SIZE }).await {
        Ok(p) => {
            let more = (p.total - p.items.len() as i64).max(0);
            (p.items, more)
        }
        Err(_) => (Vec::new(), 0),
    }
}

/// What a poste list says when [`postes_offered`] left some out.
pub(super) fn more_postes(more: i64) -> String {
    format!("… et {more} poste(s) plus ancien(s) : précisez la période ou le bénévole.")
}

/// One poste among those opened in the period (and by the bénévole) of `among`.
#[component]
pub fn PosteSelect(
    id: &'static str,
    #[prop(into)] value: Signal<String>,
    on_change: Callback<String>,
    #[prop(into)] among: Signal<Result<ReceptionFilter, String>>,
    #[prop(optional)] inline: bool,
) -> impl IntoView {
    let postes = load(
        move || among.get(),
        |f| async move {
            match f {
                Ok(f) => postes_offered(f).await,
                Err(_) => (Vec::new(), 0),
            }
        },
    );
    view! {
        <label class:inline=inline for=id>"Poste"</label>
        <select id=id data-testid=id prop:value=move || value.get() on:change:target=move |ev| on_change.run(ev.target().value())>
            <option value="">"Tous"</option>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let (postes, more) = postes.await;
                    let options = postes.into_iter().map(|p| {
                        let label = format!("{} · {}{}", p.opened_by_name, crate::format::paris_datetime(p.opened_at), if p.closed_at.is_none() { " (ouvert)" } else { "" });
                        view! { <option value=p.id.to_string()>{label}</option> }
                    }).collect_view();
                    (options, (more > 0).then(|| view! { <option disabled=true value="">{more_postes(more)}</option> }))
                })}
            </Transition>
        </select>
    }
}

/// Whose tickets. Bénévoles see their own only, so the field shows for admins alone;
/// the users are read on the server and reused by hydration.
#[component]
pub fn BenevoleSelect(id: &'static str, #[prop(into)] value: Signal<String>, on_change: Callback<String>, #[prop(optional)] inline: bool) -> impl IntoView {
    let user = expect_context::<CurrentUser>();
    let users = load(
        || (),
        move |_| async move {
            match user.await {
                Ok(Some(u)) if u.has(Permission::Admin) => list_users().await.unwrap_or_default(),
                _ => Vec::new(),
            }
        },
    );
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let users = users.await;
                (!users.is_empty()).then(|| view! {
                    <label class:inline=inline for=id>"Bénévole"</label>
                    <select id=id data-testid=id prop:value=move || value.get() on:change:target=move |ev| on_change.run(ev.target().value())>
                        <option value="">"Tous"</option>
                        {users.into_iter().map(|u| view! { <option value=u.id.to_string()>{u.display_name}</option> }).collect_view()}
                    </select>
                })
            })}
        </Suspense>
    }
}

/// A category with its sub-categories (the filter's rule), in the tree's order with
/// children indented under their parent; archived ones stay, marked: their lines count.
#[component]
pub fn CategorySelect(id: &'static str, #[prop(into)] value: Signal<String>, on_change: Callback<String>, #[prop(optional)] inline: bool) -> impl IntoView {
    let categories = load(|| (), |_| list_categories());
    view! {
        <label class:inline=inline for=id>"Catégorie (et sous-catégories)"</label>
        <select id=id data-testid=id prop:value=move || value.get() on:change:target=move |ev| on_change.run(ev.target().value())>
            <option value="">"Toutes"</option>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let all = categories.await.unwrap_or_default();
                    category_tree(&all, |_| true).into_iter().map(|(depth, c)| {
                        // Non-breaking spaces: browsers drop leading plain spaces in an option.
                        let label = format!("{}{}{}", "\u{a0}\u{a0}\u{a0}".repeat(depth), c.name, if c.archived { " (archivée)" } else { "" });
                        view! { <option value=c.id.to_string()>{label}</option> }
                    }).collect_view()
                })}
            </Transition>
        </select>
    }
}
