//! Pieces every filter form shares: a select that shows its value in the server's
//! render, and the marks of a field in error (`aria-invalid`, `aria-describedby`, the
//! message under the field).
use leptos::prelude::*;

/// A field in error and its message, as the forms show it (browser and server alike).
pub type FieldError = RwSignal<Option<(String, String)>>;

/// The accessibility attributes and message of a field: `aria-invalid` and
/// `aria-describedby` while `error` names `name`, and the message under the field
/// (announced when `announce`: the modal has no other alert for it).
#[derive(Clone, Copy)]
pub struct FieldMarks {
    pub error: FieldError,
    pub announce: bool,
}

impl FieldMarks {
    pub fn invalid(self, name: &'static str) -> impl Fn() -> Option<&'static str> + Copy + Send + Sync + 'static {
        let error = self.error;
        move || error.with(|e| e.as_ref().is_some_and(|(f, _)| f == name)).then_some("true")
    }

    pub fn described_by(self, name: &'static str, id: String) -> impl Fn() -> Option<String> + Clone + Send + Sync + 'static {
        let error = self.error;
        move || error.with(|e| e.as_ref().is_some_and(|(f, _)| f == name)).then(|| format!("{id}-error"))
    }

    pub fn message(self, name: &'static str, id: String) -> impl IntoView {
        let error = self.error;
        let role = self.announce.then_some("alert");
        move || {
            error.get().filter(|(f, _)| f == name).map(|(_, m)| {
                let id = format!("{id}-error");
                view! { <p class="error field-error" id=id.clone() role=role data-testid=id>{m}</p> }
            })
        }
    }
}

/// A select whose options say which is chosen, so the server's render shows the
/// filter of the URL before the page is even interactive.
#[component]
pub fn Choice(
    id: String,
    label: &'static str,
    value: RwSignal<String>,
    options: Vec<(String, String)>,
    #[prop(default = Some("Tous"))] all: Option<&'static str>,
    /// The filter field it sets, to mark it in error.
    #[prop(optional)]
    field: Option<(&'static str, FieldMarks)>,
) -> impl IntoView {
    let invalid = field.map(|(n, m)| m.invalid(n));
    let described = field.map(|(n, m)| m.described_by(n, id.clone()));
    let message = field.map(|(n, m)| m.message(n, id.clone()));
    view! {
        <div>
            <label for=id.clone()>{label}</label>
            <select id=id.clone() data-testid=id.clone() prop:value=value on:change:target=move |ev| value.set(ev.target().value())
                aria-invalid=move || invalid.and_then(|f| f()) aria-describedby=move || described.clone().and_then(|f| f())>
                {all.map(|all| view! { <option value="" selected=move || value.get().is_empty()>{all}</option> })}
                {options.into_iter().map(|(v, l)| {
                    let v2 = v.clone();
                    view! { <option value=v selected=move || value.get() == v2>{l}</option> }
                }).collect_view()}
            </select>
            {message}
        </div>
    }
}
