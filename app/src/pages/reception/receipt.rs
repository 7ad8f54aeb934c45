//! The donor's receipt of a ticket: date, what was weighed, total weight. Printed from
//! the browser on A4 or on an 80 mm receipt printer; print CSS (`style/main.css`,
//! "Receipt") hides the application around it and sizes the page.
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::auth::Permission;
use crate::ids::TicketId;
use crate::pages::guard::Guarded;
use crate::reception_api::get_ticket;
use crate::weight::Weight;
use crate::load::load;

#[component]
pub fn ReceiptPage() -> impl IntoView {
    view! {
        <Guarded permission=Some(Permission::ReceptionAccess)>
            <Receipt/>
        </Guarded>
    }
}

/// The two layouts a desk prints on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Paper {
    A4,
    Roll80,
}

#[component]
fn Receipt() -> impl IntoView {
    let params = use_params_map();
    let ticket_id = move || params.with(|p| p.get("id").and_then(|s| s.parse::<TicketId>().ok()));
    let ticket = load(ticket_id, |id| async move {
        match id {
            Some(id) => get_ticket(id).await,
            None => Err(crate::error::AppError::NotFound("Ticket introuvable.".into())),
        }
    });
    let paper = RwSignal::new(Paper::A4);
    let print = move |p: Paper| {
        paper.set(p);
        #[cfg(feature = "hydrate")]
        {
            // Printed once the new layout is in the page.
            gloo_timers::callback::Timeout::new(50, || {
                let _ = leptos::prelude::window().print();
            })
            .forget();
        }
    };
    view! {
        <Transition fallback=|| view! { <p>"Chargement…"</p> }>
            {move || Suspend::new(async move {
                match ticket.await {
                    Err(e) => view! { <section class="card"><p class="error" role="alert" data-testid="receipt-error">{e.to_string()}</p></section> }.into_any(),
                    Ok(t) => {
                        let number = t.ticket.number.to_string();
                        let entries: Vec<_> = t.lignes.iter().filter(|l| !l.is_exit).cloned().collect();
                        let total = Weight::from_grams(entries.iter().map(|l| l.poids_kg.grams()).sum());
                        let back = format!("/reception/tickets/{}", t.ticket.id);
                        view! {
                            <leptos_meta::Title text=format!("Reçu {number}")/>
                            <div class="buttons no-print">
                                <a href=back data-testid="receipt-back">"Retour au ticket"</a>
                                <button type="button" class="primary" data-testid="print-a4" on:click=move |_| print(Paper::A4)>"Imprimer (A4)"</button>
                                <button type="button" data-testid="print-80" on:click=move |_| print(Paper::Roll80)>"Imprimer (ticket 80 mm)"</button>
                            </div>
                            <article class="receipt" class:receipt-80=move || paper.get() == Paper::Roll80 data-testid="receipt">
                                <header>
                                    <p class="receipt-brand">"RecyClique"</p>
                                    <h1>"Reçu de dépôt"</h1>
                                    <p>"Ticket n° "<strong data-testid="receipt-number">{number.clone()}</strong></p>
                                    <p data-testid="receipt-date">{format!("Le {}", crate::format::paris_datetime(t.ticket.ticket_at))}</p>
                                </header>
                                {if entries.is_empty() {
                                    view! { <p data-testid="receipt-empty">"Aucun objet pesé sur ce ticket."</p> }.into_any()
                                } else {
                                    view! {
                                        <table data-testid="receipt-lines">
                                            <thead><tr><th scope="col">"Objet"</th><th scope="col" class="num">"Poids (kg)"</th></tr></thead>
                                            <tbody>
                                                {entries.iter().map(|l| view! {
                                                    <tr data-testid="receipt-line"><td>{l.category_name.clone()}</td><td class="num">{crate::format::weight(l.poids_kg)}</td></tr>
                                                }).collect_view()}
                                            </tbody>
                                            <tfoot><tr><th scope="row">"Poids total"</th><td class="num" data-testid="receipt-total">{format!("{} kg", crate::format::weight(total))}</td></tr></tfoot>
                                        </table>
                                    }.into_any()
                                }}
                                <p class="receipt-thanks">"Merci pour votre don : il aura une seconde vie."</p>
                            </article>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}
