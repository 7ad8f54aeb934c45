//! The reception filter as a form (period, status, poste, bénévole, category,
//! destination), for the ScheduledReportsModal: each field labelled, read by the one
//! reception filter parser.
use leptos::prelude::*;

use crate::api::list_users;
use crate::error::AppError;
use crate::filter::Filter;
use crate::pages::choice::{Choice, FieldError, FieldMarks};
use crate::reception::{Category, Destination, ReceptionFilter, Status};
use crate::format::paris_datetime;
use crate::reception_api::list_categories;
use super::filter_fields::{more_postes, postes_offered};
use crate::time::RelativePeriod;
use crate::load::load;

const FIELDS: [&str; 8] = ["period", "date_from", "date_to", "status", "poste_id", "benevole_id", "category_id", "destination"];

#[derive(Clone, Copy)]
pub struct ReceptionFilterForm {
    text: StoredValue<Vec<(&'static str, RwSignal<String>)>>,
    pub error: FieldError,
}

impl ReceptionFilterForm {
    pub fn new() -> Self {
        ReceptionFilterForm { text: StoredValue::new(FIELDS.iter().map(|f| (*f, RwSignal::new(String::new()))).collect()), error: RwSignal::new(None) }
    }

    pub fn field(&self, name: &str) -> RwSignal<String> {
        self.text.with_value(|t| t.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)).expect("a filter field of the form")
    }

    /// Fills the form from a filter; its fields not given are emptied.
    pub fn load(&self, filter: &ReceptionFilter) {
        let fields = filter.to_fields();
        for name in FIELDS {
            self.field(name).set(fields.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()).unwrap_or_default());
        }
        self.error.set(None);
    }

    /// The filter the form says; an error is also kept on its field.
    pub fn filter(&self) -> Result<ReceptionFilter, AppError> {
        let pairs: Vec<(&str, String)> = FIELDS.iter().map(|f| (*f, self.field(f).get_untracked())).collect();
        let result = ReceptionFilter::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())), &[]);
        self.error.set(result.as_ref().err().map(|e| (e.field_name().unwrap_or("filters").to_string(), e.to_string())));
        result
    }
}

impl Default for ReceptionFilterForm {
    fn default() -> Self {
        Self::new()
    }
}

/// Each category with its path ("Mobilier › Chaises"), in path order.
pub fn category_paths(categories: &[Category]) -> Vec<(String, String)> {
    let path = |c: &Category| {
        let mut names = vec![c.name.clone()];
        let mut parent = c.parent_id;
        // Bounded by the tree's size, should a cycle ever be stored.
        for _ in 0..categories.len() {
            match parent.and_then(|p| categories.iter().find(|x| x.id == p)) {
                Some(p) => {
                    names.push(p.name.clone());
                    parent = p.parent_id;
                }
                None => break,
            }
        }
        names.reverse();
        names.join(" › ")
    };
    let mut out: Vec<(String, String)> = categories.iter().map(|c| (c.id.to_string(), path(c))).collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

/// A poste is one person's session of a day: those opened in the form's period are
/// offered (the one already chosen stays offered when it is not among them).
#[component]
fn PosteChoice(form: ReceptionFilterForm, id: String, marks: FieldMarks) -> impl IntoView {
    let period = move || ["period", "date_from", "date_to"].map(|f| (f, form.field(f).get()));
    let postes = load(period, |fields| async move {
        let period = ReceptionFilter::from_pairs(fields.iter().map(|(k, v)| (*k, v.as_str())), &[]).ok().filter(|f| f.period.is_some());
        match period {
            Some(f) => postes_offered(f).await,
            None => (Vec::new(), 0),
        }
    });
    let value = form.field("poste_id");
    view! {
        <Transition fallback=|| ()>
            {move || {
                let id = id.clone();
                Suspend::new(async move {
                    let (postes, more) = postes.await;
                    let mut options: Vec<(String, String)> =
                        postes.into_iter().map(|p| (p.id.to_string(), format!("{} — {}", p.opened_by_name, paris_datetime(p.opened_at)))).collect();
                    let chosen = value.get_untracked();
                    if !chosen.is_empty() && !options.iter().any(|(v, _)| *v == chosen) {
                        let short: String = chosen.chars().take(8).collect();
                        options.insert(0, (chosen, format!("Poste n° {short}")));
                    }
                    view! {
                        <Choice id label="Poste (ceux ouverts sur la période)" value all=Some("Tous") options field=("poste_id", marks)/>
                        {(more > 0).then(|| view! { <small class="notice" data-testid="postes-more">{more_postes(more)}</small> })}
                    }
                })
            }}
        </Transition>
    }
}

/// Ids and test ids are `{prefix}-period`, `{prefix}-status`…
#[component]
pub fn ReceptionFilterFields(form: ReceptionFilterForm, prefix: &'static str, #[prop(default = false)] announce: bool) -> impl IntoView {
    let marks = FieldMarks { error: form.error, announce };
    let users = load(|| (), |_| list_users());
    let categories = load(|| (), |_| list_categories());
    let id = move |suffix: &str| format!("{prefix}-{suffix}");
    let input = move |suffix: &'static str, label: &'static str, name: &'static str, kind: &'static str| {
        let value = form.field(name);
        let id = id(suffix);
        view! {
            <div>
                <label for=id.clone()>{label}</label>
                <input id=id.clone() type=kind autocomplete="off" data-testid=id.clone()
                    aria-invalid=marks.invalid(name) aria-describedby=marks.described_by(name, id.clone())
                    prop:value=value on:input:target=move |ev| value.set(ev.target().value())/>
                {marks.message(name, id)}
            </div>
        }
    };
    view! {
        <p class="notice">"Une période est obligatoire : une période nommée (calculée à chaque envoi), ou des dates fixes."</p>
        <Choice id=id("period") label="Période nommée" value=form.field("period") all=Some("Aucune (dates ci-dessous)") field=("period", marks)
            options=RelativePeriod::ALL.iter().map(|p| (p.as_str().to_string(), p.label().to_string())).collect()/>
        {input("date-from", "Du (date du ticket)", "date_from", "date")}
        {input("date-to", "Au (inclus)", "date_to", "date")}
        <Choice id=id("status") label="Statut des tickets" value=form.field("status") field=("status", marks)
            options=[Status::Opened, Status::Closed].iter().map(|s| (s.as_str().to_string(), s.label().to_string())).collect()/>
        <PosteChoice form id=id("poste") marks/>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let users = users.await.unwrap_or_default();
                let categories = categories.await.unwrap_or_default();
                view! {
                    <Choice id=id("benevole") label="Bénévole" value=form.field("benevole_id") field=("benevole_id", marks)
                        options=users.into_iter().map(|u| (u.id.to_string(), u.display_name)).collect()/>
                    <Choice id=id("category") label="Catégorie (et ses sous-catégories)" value=form.field("category_id") all=Some("Toutes") field=("category_id", marks)
                        options=category_paths(&categories)/>
                }
            })}
        </Transition>
        <Choice id=id("destination") label="Destination" value=form.field("destination") all=Some("Toutes") field=("destination", marks)
            options=Destination::ALL.iter().map(|d| (d.as_str().to_string(), d.label().to_string())).collect()/>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::CategoryId;

    #[test]
    fn categories_are_named_by_their_path_in_path_order() {
        let cat = |n: u128, parent: Option<u128>, name: &str| Category {
            id: CategoryId(uuid::Uuid::from_u128(n)),
            parent_id: parent.map(|p| CategoryId(uuid::Uuid::from_u128(p))),
            name: name.into(),
            display_order: 0,
            visible_reception: true,
            archived: false,
        };
        let tree = [cat(2, Some(1), "Chaises"), cat(1, None, "Mobilier"), cat(3, None, "Livres")];
        let paths: Vec<String> = category_paths(&tree).into_iter().map(|(_, p)| p).collect();
        assert_eq!(paths, ["Livres", "Mobilier", "Mobilier › Chaises"]);
    }
}
