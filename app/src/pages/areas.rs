//! The home page: a tile per area the user may open, then, for reception users and
//! admins, the reception dashboard.
use leptos::prelude::*;

use super::dashboard::{dashboard_resource, ReceptionDashboardPanel};
use super::guard::Guarded;
use crate::auth::Permission;
use crate::shell::CurrentUser;

#[component]
pub fn Home() -> impl IntoView {
    let user = expect_context::<CurrentUser>();
    let dashboard = dashboard_resource(user);
    view! {
        <Guarded permission=None>
            <section class="card" data-testid="home">
                <h1>"Bienvenue sur RecyClique"</h1>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let u = user.await.ok().flatten();
                        let figures = dashboard.await;
                        let tiles = [
                            (Permission::ReceptionAccess, "/reception", "Réception", "Postes, tickets de dépôt et pesées."),
                            (Permission::CaisseAccess, "/caisse", "Caisse", "Sessions de caisse et ventes."),
                            (Permission::Admin, "/admin", "Administration", "Utilisateurs, e-mails, rapports."),
                        ]
                            .into_iter()
                            .filter(|(p, ..)| u.as_ref().is_some_and(|u| u.has(*p)))
                            .map(|(_, href, title, text)| view! {
                                <a class="tile" href=href><strong>{title}</strong><span>{text}</span></a>
                            })
                            .collect_view();
                        let panel = figures.map(|data| view! { <ReceptionDashboardPanel data/> });
                        view! { <div class="tiles">{tiles}</div>{panel} }
                    })}
                </Suspense>
            </section>
        </Guarded>
    }
}
