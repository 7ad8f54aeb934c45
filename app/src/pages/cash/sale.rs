//! Ringing up a sale at the counter, keyboard first.
//!
//! Items: type any part of a category name (arrows to move, Entrée to choose), then the
//! price and Entrée adds the line (Tab reaches the quantity and the weight on the way).
//! Payment: card, cheque and « gratuit » are typed, cash is what remains; the cash
//! handed over gives the change. Entrée in a payment field, or Ctrl+Entrée anywhere,
//! validates the sale.
//!
//! A slow connection loses nothing: the sale sent is a snapshot of the lines and the
//! payment fields; while it travels the validation is refused (no sale rung twice) but
//! the cashier can keep typing the next items, and only what was sent is cleared when
//! the server has recorded it. On an error nothing is cleared.
use leptos::html;
use leptos::prelude::*;

use super::{fold, payments_label};
use crate::cash::{Payment, PaymentMethod, SaleInput, SaleItemInput};
use crate::cash::CashSessionDetail;
use crate::cash_api::add_sale;
use crate::error::AppError;
use crate::ids::{CashSessionId, CategoryId};
use crate::money::Cents;
use crate::reception::{category_tree, Category};
use crate::weight::Weight;
use crate::load::Loaded;

/// A category offered at the till: its path (« Textile › Vêtements ») and the folded
/// text it is searched by.
#[derive(Clone, Debug, PartialEq)]
struct CategoryOption {
    id: CategoryId,
    label: String,
    folded: String,
}

fn category_options(all: &[Category]) -> Vec<CategoryOption> {
    let mut path: Vec<String> = Vec::new();
    category_tree(all, |c| !c.archived)
        .into_iter()
        .map(|(depth, c)| {
            path.truncate(depth);
            path.push(c.name.clone());
            let label = path.join(" › ");
            CategoryOption { id: c.id, folded: fold(&label), label }
        })
        .collect()
}

/// Matches of `query` anywhere in the path, those whose own name starts with it first.
fn matching(options: &[CategoryOption], query: &str) -> Vec<CategoryOption> {
    let q = fold(query.trim());
    if q.is_empty() {
        return Vec::new();
    }
    let mut found: Vec<&CategoryOption> = options.iter().filter(|o| o.folded.contains(&q)).collect();
    found.sort_by_key(|o| !o.folded.rsplit(" › ").next().is_some_and(|leaf| leaf.starts_with(&q)));
    found.into_iter().take(8).cloned().collect()
}

/// A line of the sale being rung up; `key` tells lines apart while one is in flight.
#[derive(Clone, Debug, PartialEq)]
struct CartLine {
    key: u32,
    category_id: CategoryId,
    label: String,
    quantity: i64,
    weight: Option<Weight>,
    unit_price: Cents,
}

impl CartLine {
    fn total(&self) -> Cents {
        Cents(self.quantity * self.unit_price.0)
    }
}

/// The payment fields as typed.
#[derive(Clone, Debug, Default, PartialEq)]
struct PaymentFields {
    donation: String,
    card: String,
    check: String,
    free: String,
    tendered: String,
    note: String,
}

/// What the payment fields say about a cart total: amounts by method, cash being the
/// remainder, and the change for the cash handed over.
#[derive(Clone, Debug, PartialEq)]
struct Split {
    due: Cents,
    cash: Cents,
    payments: Vec<Payment>,
    change: Option<Cents>,
}

fn optional_euros(raw: &str, label: &str) -> Result<Cents, AppError> {
    if raw.trim().is_empty() {
        Ok(Cents(0))
    } else {
        Cents::parse_euros(raw, label)
    }
}

fn split(items_total: Cents, f: &PaymentFields) -> Result<Split, AppError> {
    let donation = optional_euros(&f.donation, "Don")?;
    let card = optional_euros(&f.card, "Carte")?;
    let check = optional_euros(&f.check, "Chèque")?;
    let free = optional_euros(&f.free, "Gratuit")?;
    let due = Cents(items_total.0 + donation.0);
    let cash = Cents(due.0 - card.0 - check.0 - free.0);
    if cash.0 < 0 {
        return Err(AppError::field("payments", format!("Carte, chèque et gratuit ({}) dépassent le total à payer ({due}).", Cents(card.0 + check.0 + free.0))));
    }
    let change = if f.tendered.trim().is_empty() {
        None
    } else {
        let tendered = Cents::parse_euros(&f.tendered, "Espèces reçues")?;
        if tendered.0 < cash.0 {
            return Err(AppError::field("tendered", format!("Espèces reçues insuffisantes : il manque {}.", Cents(cash.0 - tendered.0))));
        }
        Some(Cents(tendered.0 - cash.0))
    };
    let payments = [(PaymentMethod::Cash, cash), (PaymentMethod::Card, card), (PaymentMethod::Check, check), (PaymentMethod::Free, free)]
        .into_iter()
        .filter(|(_, a)| a.0 > 0)
        .map(|(method, amount_cents)| Payment { method, amount_cents })
        .collect();
    Ok(Split { due, cash, payments, change })
}

/// The last sale recorded, for the cashier to read the change once the form is cleared.
#[derive(Clone, Debug)]
struct LastSale {
    due: Cents,
    change: Option<Cents>,
    payments: Vec<Payment>,
}

#[component]
pub fn SaleEntry(session_id: CashSessionId, categories: Loaded<Result<Vec<Category>, AppError>>, sales_version: RwSignal<u32>) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <section class="card"><p>"Chargement des catégories…"</p></section> }>
            {move || Suspend::new(async move {
                match categories.await {
                    Err(e) => view! { <section class="card"><p class="error" role="alert">{e.to_string()}</p></section> }.into_any(),
                    Ok(all) => view! { <SaleForm session_id sales_version options=category_options(&all)/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SaleForm(session_id: CashSessionId, sales_version: RwSignal<u32>, options: Vec<CategoryOption>) -> impl IntoView {
    let options = StoredValue::new(options);
    // Item entry.
    let query = RwSignal::new(String::new());
    let chosen = RwSignal::new(None::<CategoryOption>);
    let highlight = RwSignal::new(0usize);
    let quantity = RwSignal::new("1".to_string());
    let weight = RwSignal::new(String::new());
    let price = RwSignal::new(String::new());
    let item_error = RwSignal::new(None::<String>);
    // The cart and the payment.
    let lines = RwSignal::new(Vec::<CartLine>::new());
    let next_key = StoredValue::new(0u32);
    let in_flight = RwSignal::new(Vec::<u32>::new());
    let pay = RwSignal::new(PaymentFields::default());
    let sale_error = RwSignal::new(None::<AppError>);
    let last_sale = RwSignal::new(None::<LastSale>);
    let pending = move || !in_flight.with(Vec::is_empty);

    let category_ref = NodeRef::<html::Input>::new();
    let price_ref = NodeRef::<html::Input>::new();
    let tendered_ref = NodeRef::<html::Input>::new();
    let focus = |r: NodeRef<html::Input>| {
        if let Some(el) = r.get_untracked() {
            let _ = el.focus();
            el.select();
        }
    };

    let matches = Memo::new(move |_| {
        let q = query.get();
        if chosen.with(|c| c.as_ref().is_some_and(|c| c.label == q)) {
            return Vec::new();
        }
        options.with_value(|o| matching(o, &q))
    });
    let choose = move |o: CategoryOption| {
        query.set(o.label.clone());
        chosen.set(Some(o));
        highlight.set(0);
        item_error.set(None);
        focus(price_ref);
    };
    // The lines not yet sent: what the next validation will send.
    let open_lines = move || {
        let sent = in_flight.get();
        lines.get().into_iter().filter(|l| !sent.contains(&l.key)).collect::<Vec<_>>()
    };
    let items_total = move || Cents(open_lines().iter().map(|l| l.total().0).sum());
    let current_split = move || split(items_total(), &pay.get());

    let add_item = move || {
        let category = match chosen.get_untracked().filter(|c| c.label == query.get_untracked()) {
            Some(c) => c,
            // Typed but not chosen: take the highlighted match.
            None => match matches.get_untracked().get(highlight.get_untracked()).cloned() {
                Some(o) => o,
                None => {
                    item_error.set(Some("Choisissez une catégorie : tapez une partie de son nom.".into()));
                    focus(category_ref);
                    return;
                }
            },
        };
        let qty = match quantity.get_untracked().trim().parse::<i64>() {
            Ok(q) if (1..=10_000).contains(&q) => q,
            _ => {
                item_error.set(Some("Quantité : un nombre entier de 1 à 10 000.".into()));
                return;
            }
        };
        let w = match weight.get_untracked().trim() {
            "" => None,
            raw => match Weight::parse(raw) {
                Ok(w) => Some(w),
                Err(e) => {
                    item_error.set(Some(format!("Poids : {e}")));
                    return;
                }
            },
        };
        let unit_price = match Cents::parse_euros(&price.get_untracked(), "Prix unitaire") {
            Ok(p) => p,
            Err(e) => {
                item_error.set(Some(e.to_string()));
                focus(price_ref);
                return;
            }
        };
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        lines.update(|l| l.push(CartLine { key, category_id: category.id, label: category.label, quantity: qty, weight: w, unit_price }));
        query.set(String::new());
        chosen.set(None);
        quantity.set("1".into());
        weight.set(String::new());
        price.set(String::new());
        item_error.set(None);
        sale_error.set(None);
        focus(category_ref);
    };

    let validate = move || {
        if pending() {
            return;
        }
        let sent = open_lines();
        if sent.is_empty() {
            sale_error.set(Some(AppError::field("items", "Ajoutez au moins un article avant de valider.")));
            focus(category_ref);
            return;
        }
        let fields = pay.get_untracked();
        let s = match split(Cents(sent.iter().map(|l| l.total().0).sum()), &fields) {
            Ok(s) => s,
            Err(e) => return sale_error.set(Some(e)),
        };
        let donation = optional_euros(&fields.donation, "Don").unwrap_or_default();
        let input = SaleInput {
            items: sent.iter().map(|l| SaleItemInput { category_id: l.category_id, quantity: l.quantity, weight_kg: l.weight, unit_price_cents: l.unit_price }).collect(),
            payments: s.payments.clone(),
            donation_cents: (donation.0 > 0).then_some(donation),
            note: Some(fields.note.clone()).filter(|n| !n.trim().is_empty()),
        };
        let keys: Vec<u32> = sent.iter().map(|l| l.key).collect();
        in_flight.set(keys.clone());
        sale_error.set(None);
        leptos::task::spawn_local(async move {
            let result = add_sale(session_id, input).await;
            match result {
                Ok(_) => {
                    lines.update(|l| l.retain(|line| !keys.contains(&line.key)));
                    // Only the fields sent are cleared: what was typed meanwhile stays.
                    pay.update(|p| {
                        let blank_if_sent = |now: &mut String, sent: &String| {
                            if now == sent {
                                now.clear();
                            }
                        };
                        blank_if_sent(&mut p.donation, &fields.donation);
                        blank_if_sent(&mut p.card, &fields.card);
                        blank_if_sent(&mut p.check, &fields.check);
                        blank_if_sent(&mut p.free, &fields.free);
                        blank_if_sent(&mut p.tendered, &fields.tendered);
                        blank_if_sent(&mut p.note, &fields.note);
                    });
                    last_sale.set(Some(LastSale { due: s.due, change: s.change, payments: s.payments }));
                    in_flight.set(Vec::new());
                    sales_version.update(|v| *v += 1);
                    // Back to the first field, unless the cashier is already typing elsewhere.
                    #[cfg(feature = "hydrate")]
                    {
                        let typing = leptos::prelude::document().active_element().is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
                        if !typing {
                            focus(category_ref);
                        }
                    }
                }
                Err(e) => {
                    in_flight.set(Vec::new());
                    sale_error.set(Some(e));
                }
            }
        });
    };

    let on_category_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.ctrl_key() || ev.meta_key() {
            return;
        }
        match ev.key().as_str() {
            "ArrowDown" => {
                ev.prevent_default();
                let n = matches.with_untracked(Vec::len);
                if n > 0 {
                    highlight.update(|h| *h = (*h + 1).min(n - 1));
                }
            }
            "ArrowUp" => {
                ev.prevent_default();
                highlight.update(|h| *h = h.saturating_sub(1));
            }
            "Escape" => {
                query.set(String::new());
                chosen.set(None);
            }
            "Enter" => {
                ev.prevent_default();
                if query.get_untracked().trim().is_empty() {
                    // Nothing typed: the items are done, on to the payment.
                    if !lines.with_untracked(Vec::is_empty) {
                        focus(tendered_ref);
                    }
                    return;
                }
                if chosen.with_untracked(|c| c.as_ref().is_some_and(|c| c.label == query.get_untracked())) {
                    focus(price_ref);
                    return;
                }
                match matches.get_untracked().get(highlight.get_untracked()).cloned() {
                    Some(o) => choose(o),
                    None => item_error.set(Some(format!("Aucune catégorie ne contient « {} ».", query.get_untracked().trim()))),
                }
            }
            _ => {}
        }
    };
    let enter_adds = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.ctrl_key() && !ev.meta_key() {
            ev.prevent_default();
            add_item();
        }
    };
    let enter_validates = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.ctrl_key() && !ev.meta_key() {
            ev.prevent_default();
            validate();
        }
    };
    // Ctrl+Entrée (or ⌘+Entrée) validates from anywhere in the sale.
    let on_sale_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
            ev.prevent_default();
            validate();
        }
    };
    let pay_field = move |id: &'static str, label: &'static str, get: fn(&PaymentFields) -> String, set: fn(&mut PaymentFields, String), node: NodeRef<html::Input>| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id type="text" inputmode="decimal" autocomplete="off" data-testid=id node_ref=node
                    prop:value=move || pay.with(get) on:input:target=move |ev| { let v = ev.target().value(); pay.update(|p| set(p, v)) }
                    on:keydown=enter_validates/>
            </div>
        }
    };

    view! {
        <section class="card sale" data-testid="sale-card" on:keydown=on_sale_key>
            <div class="card-head">
                <h2>"Vente"</h2>
                <p class="shortcuts" data-testid="sale-shortcuts">
                    "Entrée sur une catégorie : la choisir · Entrée sur le prix : ajouter l'article · Entrée sur une catégorie vide : paiement · "
                    <kbd>"Entrée"</kbd>" dans le paiement ou "<kbd>"Ctrl"</kbd>"+"<kbd>"Entrée"</kbd>" : valider la vente"
                </p>
            </div>
            <div class="item-entry" data-testid="item-entry">
                <div class="field category">
                    <label for="item-category">"Catégorie"</label>
                    <input id="item-category" type="text" autocomplete="off" role="combobox" aria-autocomplete="list"
                        aria-controls="item-category-list" aria-expanded=move || (!matches.with(Vec::is_empty)).to_string()
                        placeholder="Tapez une partie du nom" data-testid="item-category" node_ref=category_ref
                        prop:value=query
                        on:input:target=move |ev| { query.set(ev.target().value()); highlight.set(0); }
                        on:keydown=on_category_key/>
                    <ul id="item-category-list" class="suggestions" role="listbox" aria-label="Catégories correspondantes" data-testid="item-category-list">
                        {move || matches.get().into_iter().enumerate().map(|(i, o)| {
                            let pick = o.clone();
                            view! {
                                <li role="option" aria-selected=move || (highlight.get() == i).to_string() class:active=move || highlight.get() == i
                                    data-testid="item-category-option"
                                    on:mousedown=move |ev| { ev.prevent_default(); choose(pick.clone()); }>
                                    {o.label}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </div>
                <div class="field qty">
                    <label for="item-quantity">"Quantité"</label>
                    <input id="item-quantity" type="text" inputmode="numeric" autocomplete="off" data-testid="item-quantity"
                        prop:value=quantity on:input:target=move |ev| quantity.set(ev.target().value()) on:keydown=enter_adds/>
                </div>
                <div class="field weight">
                    <label for="item-weight">"Poids (kg, facultatif)"</label>
                    <input id="item-weight" type="text" inputmode="decimal" autocomplete="off" data-testid="item-weight"
                        prop:value=weight on:input:target=move |ev| weight.set(ev.target().value()) on:keydown=enter_adds/>
                </div>
                <div class="field price">
                    <label for="item-price">"Prix unitaire (€)"</label>
                    <input id="item-price" type="text" inputmode="decimal" autocomplete="off" placeholder="ex. 2,50" data-testid="item-price"
                        node_ref=price_ref prop:value=price on:input:target=move |ev| price.set(ev.target().value()) on:keydown=enter_adds/>
                </div>
                <div class="field add">
                    <button type="button" data-testid="item-add" on:click=move |_| add_item()>"Ajouter l'article"</button>
                </div>
            </div>
            {move || item_error.get().map(|e| view! { <p class="error" role="alert" data-testid="item-error">{e}</p> })}

            <div class="table-wrap">
                <table class="cart cards-narrow" data-testid="cart">
                    <thead><tr>
                        <th scope="col">"Article"</th><th scope="col" class="num">"Qté"</th><th scope="col" class="num">"Poids (kg)"</th>
                        <th scope="col" class="num">"Prix unitaire"</th><th scope="col" class="num">"Total"</th><th scope="col">"Action"</th>
                    </tr></thead>
                    <tbody>
                        <For each=move || lines.get() key=|l| l.key let:line>
                            {
                                let key = line.key;
                                let sending = move || in_flight.with(|f| f.contains(&key));
                                view! {
                                    <tr data-testid="cart-line" class:sending=sending>
                                        <td data-label="Article">{line.label.clone()}{move || sending().then_some(" (envoi…)")}</td>
                                        <td class="num" data-label="Qté">{line.quantity}</td>
                                        <td class="num" data-label="Poids (kg)">{line.weight.map(crate::format::weight).unwrap_or_default()}</td>
                                        <td class="num" data-label="Prix unitaire">{line.unit_price.to_string()}</td>
                                        <td class="num" data-label="Total">{line.total().to_string()}</td>
                                        <td class="actions" data-label="Action">
                                            <button type="button" data-testid="cart-remove" disabled=sending
                                                on:click=move |_| lines.update(|l| l.retain(|x| x.key != key))>"Retirer"</button>
                                        </td>
                                    </tr>
                                }
                            }
                        </For>
                    </tbody>
                </table>
            </div>
            <p class="sale-total">"Total articles : "<strong data-testid="sale-items-total">{move || items_total().to_string()}</strong></p>

            <div class="payment" data-testid="payment">
                {pay_field("pay-donation", "Don (€)", |p| p.donation.clone(), |p, v| p.donation = v, NodeRef::new())}
                {pay_field("pay-card", "Carte (€)", |p| p.card.clone(), |p, v| p.card = v, NodeRef::new())}
                {pay_field("pay-check", "Chèque (€)", |p| p.check.clone(), |p, v| p.check = v, NodeRef::new())}
                {pay_field("pay-free", "Gratuit (€)", |p| p.free.clone(), |p, v| p.free = v, NodeRef::new())}
                <div class="field note">
                    <label for="pay-note">"Note (facultatif)"</label>
                    <input id="pay-note" type="text" autocomplete="off" data-testid="pay-note"
                        prop:value=move || pay.with(|p| p.note.clone()) on:input:target=move |ev| { let v = ev.target().value(); pay.update(|p| p.note = v) }
                        on:keydown=enter_validates/>
                </div>
                {pay_field("pay-tendered", "Espèces reçues (€)", |p| p.tendered.clone(), |p, v| p.tendered = v, tendered_ref)}
            </div>
            <div class="due" aria-live="polite">
                {move || match current_split() {
                    Ok(s) => view! {
                        <span>"À payer : "<strong data-testid="sale-due">{s.due.to_string()}</strong></span>
                        <span>"dont espèces : "<strong data-testid="sale-cash">{s.cash.to_string()}</strong></span>
                        {s.change.map(|c| view! { <span class="change">"À rendre : "<strong data-testid="sale-change">{c.to_string()}</strong></span> })}
                    }.into_any(),
                    Err(e) => view! { <span class="error" data-testid="sale-split-error">{e.to_string()}</span> }.into_any(),
                }}
            </div>
            <div class="buttons">
                <button type="button" data-testid="pay-all-card" on:click=move |_| {
                    let due = current_split().map(|s| s.due).unwrap_or_default();
                    pay.update(|p| { p.card = due.to_comma_string(); p.check.clear(); p.free.clear(); p.tendered.clear(); });
                }>"Tout en carte"</button>
                <button type="button" data-testid="pay-all-free" on:click=move |_| {
                    let due = current_split().map(|s| s.due).unwrap_or_default();
                    pay.update(|p| { p.free = due.to_comma_string(); p.card.clear(); p.check.clear(); p.tendered.clear(); });
                }>"Tout gratuit"</button>
                <button type="button" class="primary validate" data-testid="sale-validate" disabled=pending on:click=move |_| validate()>
                    {move || if pending() { "Enregistrement…" } else { "Valider la vente (Ctrl+Entrée)" }}
                </button>
            </div>
            {move || sale_error.get().map(|e| view! { <p class="error" role="alert" data-testid="sale-error">{e.to_string()}</p> })}
            {move || last_sale.get().map(|s| view! {
                <p class="success last-sale" role="status" data-testid="last-sale">
                    {format!("Vente enregistrée : {} ({}).", s.due, payments_label(&s.payments))}
                    {s.change.map(|c| view! { " À rendre : "<strong data-testid="last-sale-change">{c.to_string()}</strong> })}
                </p>
            })}
        </section>
    }
}

/// The session's sales and running totals, refreshed after each sale.
#[component]
pub fn SessionSales(detail: Loaded<Result<Option<CashSessionDetail>, AppError>>) -> impl IntoView {
    view! {
        <section class="card" data-testid="session-sales">
            <h2>"Ventes de la session"</h2>
            <Transition fallback=|| view! { <p>"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(None) => view! { <p class="notice">"Aucune session ouverte."</p> }.into_any(),
                        Ok(Some(d)) => {
                            let s = &d.session;
                            view! {
                                <div class="totals" data-testid="session-totals">
                                    <span>"Ventes : "<strong data-testid="session-sales-count">{s.sales_count}</strong></span>
                                    <span>"Articles : "<strong>{s.items_count}</strong></span>
                                    <span>"Total : "<strong data-testid="session-total">{s.total_cents.to_string()}</strong></span>
                                    <span>"Espèces : "<strong>{s.cash_cents.to_string()}</strong></span>
                                    <span>"Carte : "<strong>{s.card_cents.to_string()}</strong></span>
                                    <span>"Chèques : "<strong>{s.check_cents.to_string()}</strong></span>
                                    <span>"Gratuit : "<strong>{s.free_cents.to_string()}</strong></span>
                                    <span>"Dons : "<strong data-testid="session-donations">{s.donation_cents.to_string()}</strong></span>
                                </div>
                                {if d.sales.is_empty() {
                                    view! { <p class="notice" data-testid="sales-empty">"Aucune vente pour l'instant."</p> }.into_any()
                                } else {
                                    view! { <SalesTable sales=d.sales.into_iter().rev().collect()/> }.into_any()
                                }}
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

/// Sales with their items and payments (the till's list and the detail page).
#[component]
pub fn SalesTable(sales: Vec<crate::cash::Sale>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="cards-narrow" data-testid="sales-table">
                <thead><tr>
                    <th scope="col">"Heure"</th><th scope="col">"Articles"</th><th scope="col" class="num">"Total"</th>
                    <th scope="col" class="num">"Don"</th><th scope="col">"Paiement"</th><th scope="col">"Note"</th>
                </tr></thead>
                <tbody>
                    {sales.into_iter().map(|s| view! {
                        <tr data-testid="sale-row">
                            <td data-label="Heure">{crate::format::paris_datetime(s.sold_at)}</td>
                            <td data-label="Articles">
                                <ul class="plain">
                                    {s.items.iter().map(|i| view! {
                                        <li data-testid="sale-item">
                                            {format!("{} × {} à {}", i.quantity, i.category_name, i.unit_price_cents)}
                                            {i.weight_kg.map(|w| format!(" ({} kg)", crate::format::weight(w)))}
                                            {format!(" = {}", i.line_total_cents)}
                                        </li>
                                    }).collect_view()}
                                </ul>
                            </td>
                            <td class="num" data-label="Total">{s.total_cents.to_string()}</td>
                            <td class="num" data-label="Don">{(s.donation_cents.0 > 0).then(|| s.donation_cents.to_string())}</td>
                            <td data-label="Paiement" data-testid="sale-payments">{payments_label(&s.payments)}</td>
                            <td data-label="Note">{s.note.clone().unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(card: &str, tendered: &str, donation: &str) -> PaymentFields {
        PaymentFields { card: card.into(), tendered: tendered.into(), donation: donation.into(), ..Default::default() }
    }

    #[test]
    fn cash_is_what_the_other_methods_leave() {
        let s = split(Cents(1500), &fields("10", "20", "2")).unwrap();
        assert_eq!((s.due, s.cash, s.change), (Cents(1700), Cents(700), Some(Cents(1300))));
        assert_eq!(s.payments, vec![Payment { method: PaymentMethod::Cash, amount_cents: Cents(700) }, Payment { method: PaymentMethod::Card, amount_cents: Cents(1000) }]);
        let all_card = split(Cents(450), &fields("4,50", "", "")).unwrap();
        assert_eq!(all_card.payments, vec![Payment { method: PaymentMethod::Card, amount_cents: Cents(450) }]);
        assert_eq!(split(Cents(450), &fields("5", "", "")).unwrap_err().field_name(), Some("payments"));
        assert_eq!(split(Cents(450), &fields("", "4", "")).unwrap_err().field_name(), Some("tendered"));
        assert!(split(Cents(450), &fields("abc", "", "")).is_err());
    }

    #[test]
    fn categories_are_found_by_any_part_of_their_path() {
        let cat = |id: u128, parent: Option<u128>, name: &str| Category {
            id: CategoryId(uuid::Uuid::from_u128(id)),
            parent_id: parent.map(|p| CategoryId(uuid::Uuid::from_u128(p))),
            name: name.into(),
            display_order: 0,
            visible_reception: true,
            archived: false,
        };
        let mut archived = cat(4, None, "Ancien");
        archived.archived = true;
        let all = vec![cat(1, None, "Électroménager"), cat(2, Some(1), "Petit électroménager"), cat(3, None, "Vaisselle et cuisine"), archived];
        let options = category_options(&all);
        // The tree's order (display order, then name), children under their parent, archived ones left out.
        assert_eq!(options.iter().map(|o| o.label.as_str()).collect::<Vec<_>>(), ["Vaisselle et cuisine", "Électroménager", "Électroménager › Petit électroménager"]);
        assert_eq!(matching(&options, "cuis")[0].label, "Vaisselle et cuisine");
        // The category whose own name starts with the text comes first.
        assert_eq!(matching(&options, "petit")[0].label, "Électroménager › Petit électroménager");
        assert_eq!(matching(&options, "ELECTRO").len(), 2);
        assert!(matching(&options, "ancien").is_empty());
        assert!(matching(&options, "  ").is_empty());
    }
}
