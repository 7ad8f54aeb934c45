//! The per-method reconciliation of a closed session: cash against the drawer (opening
//! float + cash payments), card against the card payments, cheques against the cheque
//! payments; each variance is counted minus expected. Shown after a close and on the
//! session's detail page.
use leptos::prelude::*;

use crate::cash::{CashSession, Reconciliation};
use crate::money::Cents;

#[derive(Clone)]
pub struct MethodCount {
    pub key: &'static str,
    pub label: &'static str,
    pub expected: Cents,
    pub counted: Option<Cents>,
    pub variance: Option<Cents>,
}

fn variance(counted: Option<Cents>, expected: Cents) -> Option<Cents> {
    counted.map(|c| Cents(c.0 - expected.0))
}

pub fn from_close(r: &Reconciliation) -> Vec<MethodCount> {
    vec![
        MethodCount { key: "cash", label: "Espèces", expected: r.expected_cash_cents, counted: Some(r.counted_cash_cents), variance: Some(r.cash_variance_cents) },
        MethodCount { key: "card", label: "Carte", expected: r.expected_card_cents, counted: r.counted_card_cents, variance: r.card_variance_cents },
        MethodCount { key: "check", label: "Chèques", expected: r.expected_check_cents, counted: r.counted_check_cents, variance: r.check_variance_cents },
    ]
}

/// The same table for a session read back (closed sessions only have counts).
pub fn from_session(s: &CashSession) -> Vec<MethodCount> {
    let expected_cash = s.expected_cash_cents.unwrap_or(Cents(s.opening_float_cents.0 + s.cash_cents.0));
    let expected_card = s.expected_card_cents.unwrap_or(s.card_cents);
    let expected_check = s.expected_check_cents.unwrap_or(s.check_cents);
    vec![
        MethodCount {
            key: "cash",
            label: "Espèces",
            expected: expected_cash,
            counted: s.counted_cash_cents,
            variance: s.cash_variance_cents.or_else(|| variance(s.counted_cash_cents, expected_cash)),
        },
        MethodCount { key: "card", label: "Carte", expected: expected_card, counted: s.counted_card_cents, variance: variance(s.counted_card_cents, expected_card) },
        MethodCount { key: "check", label: "Chèques", expected: expected_check, counted: s.counted_check_cents, variance: variance(s.counted_check_cents, expected_check) },
    ]
}

/// A variance in words, signed: « +1,50 € » (surplus), « -0,20 € » (missing), « 0,00 € ».
pub fn signed(c: Cents) -> String {
    if c.0 > 0 {
        format!("+{c}")
    } else {
        c.to_string()
    }
}

#[component]
pub fn ReconciliationTable(rows: Vec<MethodCount>, #[prop(into)] testid: String) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="cards-narrow" data-testid=testid>
                <thead><tr>
                    <th scope="col">"Moyen"</th>
                    <th scope="col" class="num">"Attendu"</th>
                    <th scope="col" class="num">"Compté"</th>
                    <th scope="col" class="num">"Écart"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let class = match r.variance {
                            Some(v) if v.0 != 0 => "num variance",
                            _ => "num",
                        };
                        view! {
                            <tr data-testid=format!("reco-{}", r.key)>
                                <th scope="row" data-label="Moyen">{r.label}</th>
                                <td class="num" data-label="Attendu" data-testid=format!("reco-{}-expected", r.key)>{r.expected.to_string()}</td>
                                <td class="num" data-label="Compté" data-testid=format!("reco-{}-counted", r.key)>
                                    {r.counted.map_or_else(|| "non compté".to_string(), |c| c.to_string())}
                                </td>
                                <td class=class data-label="Écart" data-testid=format!("reco-{}-variance", r.key)>
                                    {r.variance.map_or_else(|| "—".to_string(), signed)}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
