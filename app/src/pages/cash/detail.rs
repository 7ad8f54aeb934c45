//! Admin page `/admin/sessions/:id`: one session with its per-method reconciliation,
//! its comment, and its sales with their items and payments.
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::reconciliation::{from_session, ReconciliationTable};
use super::sale::SalesTable;
use crate::auth::Permission;
use crate::cash::SessionStatus;
use crate::cash_api::get_session;
use crate::error::AppError;
use crate::ids::CashSessionId;
use crate::pages::guard::Guarded;
use crate::load::load;

#[component]
pub fn SessionDetailPage() -> impl IntoView {
    view! {
        <Guarded permission=Some(Permission::Admin)>
            <DetailPanel/>
        </Guarded>
    }
}

#[component]
fn DetailPanel() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|s| s.parse::<CashSessionId>().ok()));
    let detail = load(id, |id| async move {
        match id {
            Some(id) => get_session(id).await,
            None => Err(AppError::NotFound("Session de caisse introuvable.".into())),
        }
    });
    view! {
        <p><a href="/admin/sessions" data-testid="detail-back">"‹ Retour aux sessions"</a></p>
        <Transition fallback=|| view! { <p>"Chargement…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Err(e) => view! { <section class="card"><p class="error" role="alert" data-testid="detail-error">{e.to_string()}</p></section> }.into_any(),
                    Ok(d) => {
                        let s = d.session.clone();
                        let closed = s.status == SessionStatus::Closed;
                        view! {
                            <section class="card" data-testid="session-detail">
                                <div class="card-head">
                                    <h1 data-testid="detail-title">{format!("Session du {} — {}", crate::format::paris_datetime(s.opened_at), s.register_name)}</h1>
                                    <span class=if closed { "badge closed" } else { "badge open" } data-testid="detail-status">{s.status.label()}</span>
                                </div>
                                <dl class="figures">
                                    <div><dt>"Site"</dt><dd>{s.site_name.clone()}</dd></div>
                                    <div><dt>"Opérateur"</dt><dd data-testid="detail-operator">{s.operator_name.clone()}</dd></div>
                                    <div><dt>"Ouverture"</dt><dd>{crate::format::paris_datetime(s.opened_at)}{s.is_deferred.then_some(" (saisie différée)")}</dd></div>
                                    <div><dt>"Fermeture"</dt><dd>{s.closed_at.map(crate::format::paris_datetime).unwrap_or_else(|| "ouverte".into())}</dd></div>
                                    <div><dt>"Fond de caisse"</dt><dd>{s.opening_float_cents.to_string()}</dd></div>
                                    <div><dt>"Ventes"</dt><dd data-testid="detail-sales-count">{s.sales_count}</dd></div>
                                    <div><dt>"Articles"</dt><dd>{s.items_count}</dd></div>
                                    <div><dt>"Total des ventes"</dt><dd data-testid="detail-total">{s.total_cents.to_string()}</dd></div>
                                    <div><dt>"Dons"</dt><dd data-testid="detail-donations">{s.donation_cents.to_string()}</dd></div>
                                    <div><dt>"Gratuit"</dt><dd>{s.free_cents.to_string()}</dd></div>
                                    <div><dt>"Poids vendu"</dt><dd>{format!("{} kg", crate::format::weight(s.weight_kg))}</dd></div>
                                    <div><dt>"Identifiant"</dt><dd class="mono" data-testid="detail-id">{s.id.to_string()}</dd></div>
                                </dl>
                            </section>
                            <section class="card">
                                <h2>"Rapprochement par moyen de paiement"</h2>
                                {if closed {
                                    view! { <ReconciliationTable rows=from_session(&s) testid="detail-reconciliation"/> }.into_any()
                                } else {
                                    view! { <p class="notice">"La session est encore ouverte : le comptage se fait à la clôture."</p> }.into_any()
                                }}
                                <h3>"Commentaire"</h3>
                                <p data-testid="detail-comment">{s.comment.clone().unwrap_or_else(|| "Aucun commentaire.".into())}</p>
                            </section>
                            <section class="card">
                                <h2>{format!("Ventes ({})", d.sales.len())}</h2>
                                {if d.sales.is_empty() {
                                    view! { <p class="notice">"Aucune vente."</p> }.into_any()
                                } else {
                                    view! { <SalesTable sales=d.sales/> }.into_any()
                                }}
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}
