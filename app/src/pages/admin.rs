use leptos::prelude::*;

use super::guard::Guarded;
use crate::auth::Permission;

#[component]
pub fn AdminHome() -> impl IntoView {
    view! {
        <Guarded permission=Some(Permission::Admin)>
            <section class="card" data-testid="admin-home">
                <h1>"Administration"</h1>
                <div class="tiles">
                    <a class="tile" href="/admin/users" data-testid="admin-users-link">
                        <strong>"Utilisateurs"</strong>
                        <span>"Comptes, permissions, activation."</span>
                    </a>
                    <a class="tile" href="/admin/categories" data-testid="admin-categories-link">
                        <strong>"Catégories"</strong>
                        <span>"Arbre des catégories de la réception."</span>
                    </a>
                    <a class="tile" href="/admin/exports" data-testid="admin-exports-link">
                        <strong>"Exports"</strong>
                        <span>"Export groupé de la réception : Excel, CSV, ZIP."</span>
                    </a>
                    <a class="tile" href="/admin/sites" data-testid="admin-sites-link">
                        <strong>"Sites et caisses"</strong>
                        <span>"Sites de vente et leurs caisses."</span>
                    </a>
                    <a class="tile" href="/admin/sessions" data-testid="admin-sessions-link">
                        <strong>"Sessions de caisse"</strong>
                        <span>"Audit des sessions : filtres, totaux, détail, exports."</span>
                    </a>
                    <a class="tile" href="/admin/scheduled-reports" data-testid="admin-scheduled-link">
                        <strong>"Rapports programmés"</strong>
                        <span>"Envoi automatique des rapports par e-mail."</span>
                    </a>
                    <a class="tile" href="/admin/outbox" data-testid="admin-outbox-link">
                        <strong>"E-mails envoyés"</strong>
                        <span>"Boîte d'envoi locale et test de la messagerie."</span>
                    </a>
                </div>
            </section>
        </Guarded>
    }
}
