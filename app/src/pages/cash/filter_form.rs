//! The cash-session filter as a form: one labelled field per filter field (euros for the
//! amounts), shared by the session audit (`/admin/sessions`) and the
//! ScheduledReportsModal, so a saved view and a scheduled report are typed alike and
//! read by the one filter parser.
use leptos::prelude::*;

use crate::api::list_users;
use crate::cash::{CashSessionFilter, PaymentMethod, SessionStatus};
use crate::cash_api::{list_registers, list_sites};
use crate::error::AppError;
use crate::filter::Filter;
use crate::money::Cents;
use crate::pages::choice::{Choice, FieldError, FieldMarks};
use crate::time::RelativePeriod;
use crate::load::load;

/// The filter fields typed in euros on the page and carried in cents in the filter.
const EURO_FIELDS: [&str; 3] = ["amount_min_cents", "amount_max_cents", "variance_threshold_cents"];

/// The fields held as text: every field of the filter but the payment methods (a list
/// of checkboxes), read from the filter's own list so the two never drift apart.
fn text_fields() -> impl Iterator<Item = &'static str> {
    CashSessionFilter::FIELDS.iter().copied().filter(|f| *f != "payment_methods")
}

/// The form: one text per filter field (euros for the amounts), as typed.
#[derive(Clone, Copy)]
pub struct CashFilterForm {
    text: StoredValue<Vec<(&'static str, RwSignal<String>)>>,
    pub methods: RwSignal<Vec<PaymentMethod>>,
    /// The filter field in error, shown on that field.
    pub error: FieldError,
}

impl CashFilterForm {
    pub fn new() -> Self {
        CashFilterForm {
            text: StoredValue::new(text_fields().map(|f| (f, RwSignal::new(String::new()))).collect()),
            methods: RwSignal::new(Vec::new()),
            error: RwSignal::new(None),
        }
    }

    pub fn field(&self, name: &str) -> RwSignal<String> {
        self.text.with_value(|t| t.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)).expect("a filter field of the form")
    }

    /// Fills the form from filter fields in their text form (`payment_methods`
    /// comma-separated, cents shown as euros); the fields not given are emptied.
    pub fn load_fields(&self, fields: &[(&str, String)]) {
        let get = |name: &str| fields.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()).unwrap_or_default();
        for name in text_fields() {
            let raw = get(name);
            let shown = if EURO_FIELDS.contains(&name) { raw.parse::<i64>().map(|c| Cents(c).to_comma_string()).unwrap_or(raw) } else { raw };
            self.field(name).set(shown);
        }
        let methods = get("payment_methods").split(',').filter_map(|m| PaymentMethod::parse(m.trim()).ok()).collect();
        self.methods.set(methods);
        self.error.set(None);
    }

    pub fn load(&self, filter: &CashSessionFilter) {
        self.load_fields(&filter.to_fields());
    }

    /// The filter the form says, checked by the one filter parser; an error is also
    /// kept on its field.
    pub fn filter(&self) -> Result<CashSessionFilter, AppError> {
        let result = self.parse();
        self.error.set(result.as_ref().err().map(|e| (e.field_name().unwrap_or("filters").to_string(), e.to_string())));
        result
    }

    fn parse(&self) -> Result<CashSessionFilter, AppError> {
        let mut pairs: Vec<(&'static str, String)> = Vec::new();
        for name in text_fields() {
            let raw = self.field(name).get_untracked();
            let value = if EURO_FIELDS.contains(&name) && !raw.trim().is_empty() {
                Cents::parse_euros(&raw, euro_label(name)).map_err(|e| AppError::field(name, e.to_string()))?.0.to_string()
            } else {
                raw
            };
            pairs.push((name, value));
        }
        let methods = self.methods.get_untracked().iter().map(|m| m.as_str()).collect::<Vec<_>>().join(",");
        pairs.push(("payment_methods", methods));
        CashSessionFilter::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())), &[])
    }
}

impl Default for CashFilterForm {
    fn default() -> Self {
        Self::new()
    }
}

fn euro_label(name: &str) -> &'static str {
    match name {
        "amount_min_cents" => "Total des ventes minimum",
        "amount_max_cents" => "Total des ventes maximum",
        _ => "Écart d'espèces minimum",
    }
}

/// The fields of the cash-session filter; ids and test ids are `{prefix}-period`,
/// `{prefix}-site`…, so the audit (`f`) and the modal (`sr-f`) can share a page.
#[component]
pub fn CashFilterFields(form: CashFilterForm, prefix: &'static str, #[prop(default = false)] announce: bool) -> impl IntoView {
    let marks = FieldMarks { error: form.error, announce };
    let sites = load(|| (), |_| list_sites());
    let registers = load(|| (), |_| list_registers());
    let users = load(|| (), |_| list_users());
    let id = move |suffix: &str| format!("{prefix}-{suffix}");
    let input = move |suffix: &'static str, label: &'static str, name: &'static str, kind: &'static str, mode: &'static str| {
        let value = form.field(name);
        let id = id(suffix);
        view! {
            <div>
                <label for=id.clone()>{label}</label>
                <input id=id.clone() type=kind inputmode=(!mode.is_empty()).then_some(mode) autocomplete="off" data-testid=id.clone()
                    aria-invalid=marks.invalid(name) aria-describedby=marks.described_by(name, id.clone())
                    prop:value=value on:input:target=move |ev| value.set(ev.target().value())/>
                {marks.message(name, id)}
            </div>
        }
    };
    let yes_no = || vec![("true".to_string(), "Oui".to_string()), ("false".to_string(), "Non".to_string())];
    view! {
        <Choice id=id("period") label="Période nommée" value=form.field("period") all=Some("Aucune") field=("period", marks)
            options=RelativePeriod::ALL.iter().map(|p| (p.as_str().to_string(), p.label().to_string())).collect()/>
        {input("date-from", "Du (date d'ouverture)", "date_from", "date", "")}
        {input("date-to", "Au (inclus)", "date_to", "date", "")}
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let sites = sites.await.unwrap_or_default();
                let registers = registers.await.unwrap_or_default();
                let users = users.await.unwrap_or_default();
                view! {
                    <Choice id=id("site") label="Site" value=form.field("site_id") field=("site_id", marks)
                        options=sites.into_iter().map(|s| (s.id.to_string(), s.name)).collect()/>
                    <Choice id=id("register") label="Caisse" value=form.field("register_id") all=Some("Toutes") field=("register_id", marks)
                        options=registers.into_iter().map(|r| (r.id.to_string(), format!("{} — {}", r.name, r.site_name))).collect()/>
                    <Choice id=id("operator") label="Opérateur" value=form.field("operator_id") field=("operator_id", marks)
                        options=users.into_iter().map(|u| (u.id.to_string(), u.display_name)).collect()/>
                }
            })}
        </Transition>
        <Choice id=id("status") label="Statut" value=form.field("status") all=Some("Tous") field=("status", marks)
            options=[SessionStatus::Open, SessionStatus::Closed].iter().map(|s| (s.as_str().to_string(), s.label().to_string())).collect()/>
        {input("amount-min", "Total des ventes minimum (€)", "amount_min_cents", "text", "decimal")}
        {input("amount-max", "Total des ventes maximum (€)", "amount_max_cents", "text", "decimal")}
        <Choice id=id("has-variance") label="Écart d'espèces" value=form.field("has_variance") field=("has_variance", marks)
            options=vec![("true".to_string(), "Avec écart".to_string()), ("false".to_string(), "Sans écart".to_string())]/>
        {input("variance-threshold", "Écart d'espèces d'au moins (€, en valeur absolue)", "variance_threshold_cents", "text", "decimal")}
        {input("duration-min", "Durée minimum (minutes, sessions fermées)", "duration_min_minutes", "text", "numeric")}
        {input("duration-max", "Durée maximum (minutes, sessions fermées)", "duration_max_minutes", "text", "numeric")}
        <Choice id=id("has-donation") label="Avec des dons" value=form.field("has_donation") options=yes_no() field=("has_donation", marks)/>
        {input("search", "Recherche (opérateur, commentaire, début de l'identifiant)", "search", "text", "text")}
        <fieldset class="methods" aria-invalid=marks.invalid("payment_methods")>
            <legend>"Moyens de paiement (au moins un paiement par l'un d'eux)"</legend>
            {PaymentMethod::ALL.into_iter().map(|m| {
                let id = id(&format!("method-{}", m.as_str()));
                view! {
                    <label class="check" for=id.clone()>
                        <input id=id.clone() type="checkbox" data-testid=id.clone()
                            prop:checked=move || form.methods.with(|ms| ms.contains(&m))
                            on:change:target=move |ev| {
                                let on = ev.target().checked();
                                form.methods.update(|ms| {
                                    ms.retain(|x| *x != m);
                                    if on {
                                        ms.push(m);
                                    }
                                    ms.sort();
                                });
                            }/>
                        {m.label()}
                    </label>
                }
            }).collect_view()}
            {marks.message("payment_methods", id("methods"))}
        </fieldset>
    }
}
