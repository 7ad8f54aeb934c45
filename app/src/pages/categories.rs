//! Admin page: the category tree (parent, display order, visible at reception, archive).
//! Archived categories disappear from entry but stay in statistics and exports.
use leptos::prelude::*;
use crate::ids::CategoryId;

use super::guard::Guarded;
use crate::auth::Permission;
use crate::reception::{category_tree, CategoryInput, CategoryUpdate};
use crate::reception_api::{list_categories, CreateCategory, UpdateCategory};
use crate::load::load;

#[component]
pub fn AdminCategories() -> impl IntoView {
    view! {
        <Guarded permission=Some(Permission::Admin)>
            <CategoriesPanel/>
        </Guarded>
    }
}

#[component]
fn CategoriesPanel() -> impl IntoView {
    let create = ServerAction::<CreateCategory>::new();
    let update = ServerAction::<UpdateCategory>::new();
    let cats = load(move || (create.version().get(), update.version().get()), |_| list_categories());

    let editing = RwSignal::new(None::<CategoryId>);
    let name = RwSignal::new(String::new());
    let parent = RwSignal::new(String::new());
    let order = RwSignal::new("0".to_string());
    let visible = RwSignal::new(true);
    let reset = move || {
        editing.set(None);
        name.set(String::new());
        parent.set(String::new());
        order.set("0".into());
        visible.set(true);
    };
    Effect::new(move |_| {
        if matches!(create.value().get(), Some(Ok(_))) || matches!(update.value().get(), Some(Ok(_))) {
            reset();
        }
    });
    let last_error = move || create.value().get().and_then(|r| r.err()).or_else(|| update.value().get().and_then(|r| r.err()));
    // The message goes as soon as the name changes; a new submit may bring it back.
    let dismissed = RwSignal::new(false);
    let error = move || if dismissed.get() { None } else { last_error().map(|e| e.to_string()) };
    let name_invalid = move || !dismissed.get() && last_error().is_some_and(|e| e.field_name() == Some("name"));
    let name_ref = NodeRef::<leptos::html::Input>::new();
    super::fields::focus_when(name_ref, name_invalid);
    // One write at a time: a double click on "Créer la catégorie" sends it once.
    let saving = move || create.pending().get() || update.pending().get();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving() {
            return;
        }
        dismissed.set(false);
        let parent_id = parent.get().parse::<CategoryId>().ok();
        let display_order = order.get().trim().parse::<i32>().ok();
        match editing.get() {
            None => {
                create.dispatch(CreateCategory {
                    input: CategoryInput { name: name.get(), parent_id, display_order, visible_reception: Some(visible.get()) },
                });
            }
            Some(id) => {
                update.dispatch(UpdateCategory {
                    id,
                    input: CategoryUpdate {
                        name: Some(name.get()),
                        parent_id: Some(parent_id),
                        display_order,
                        visible_reception: Some(visible.get()),
                        archived: None,
                    },
                });
            }
        }
    };

    view! {
        <section class="card">
            <h1>"Catégories"</h1>
            <p class="notice">"Les catégories archivées ne sont plus proposées à la saisie mais restent dans les statistiques et les exports."</p>
            <Transition fallback=|| view! { <p>"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    match cats.await {
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(all) => {
                            let rows: Vec<_> = category_tree(&all, |_| true).into_iter().map(|(d, c)| (d, c.clone())).collect();
                            view! {
                                <div class="table-wrap">
                                <table class="cards-narrow" data-testid="categories-table">
                                    <thead><tr>
                                        <th scope="col">"Nom"</th><th scope="col" class="num">"Ordre"</th>
                                        <th scope="col">"Réception"</th><th scope="col">"État"</th><th scope="col">"Actions"</th>
                                    </tr></thead>
                                    <tbody>
                                        {rows.into_iter().map(|(depth, c)| {
                                            let (c_edit, id, archived) = (c.clone(), c.id, c.archived);
                                            view! {
                                                <tr data-testid="category-row" class:archived=archived>
                                                    // Indented by a class, not a style attribute: the pages' policy allows no inline style.
                                                    <td data-label="Nom" class=format!("depth-{}", depth.min(5))>{c.name.clone()}</td>
                                                    <td data-label="Ordre" class="num">{c.display_order}</td>
                                                    <td data-label="Réception">{if c.visible_reception { "Visible" } else { "Masquée" }}</td>
                                                    <td data-label="État">{if archived { "Archivée" } else { "Active" }}</td>
                                                    <td data-label="Actions" class="actions">
                                                        <button type="button" data-testid="category-edit" on:click=move |_| {
                                                            editing.set(Some(c_edit.id));
                                                            name.set(c_edit.name.clone());
                                                            parent.set(c_edit.parent_id.map(|p| p.to_string()).unwrap_or_default());
                                                            order.set(c_edit.display_order.to_string());
                                                            visible.set(c_edit.visible_reception);
                                                        }>"Modifier"</button>
                                                        <button type="button" data-testid="category-archive" on:click=move |_| {
                                                            update.dispatch(UpdateCategory { id, input: CategoryUpdate { archived: Some(!archived), ..Default::default() } });
                                                        }>{if archived { "Restaurer" } else { "Archiver" }}</button>
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                </div>
                                <h2>{move || if editing.get().is_some() { "Modifier la catégorie" } else { "Nouvelle catégorie" }}</h2>
                                <form class="form-grid two" on:submit=submit>
                                    <div>
                                        <label for="category-name">"Nom"</label>
                                        <input id="category-name" type="text" required data-testid="category-name" node_ref=name_ref
                                            aria-invalid=move || name_invalid().then_some("true")
                                            aria-describedby=move || name_invalid().then_some("category-error")
                                            prop:value=name on:input:target=move |ev| { name.set(ev.target().value()); dismissed.set(true); }/>
                                    </div>
                                    <div>
                                        <label for="category-parent">"Catégorie parente"</label>
                                        <select id="category-parent" data-testid="category-parent" prop:value=parent
                                            on:change:target=move |ev| parent.set(ev.target().value())>
                                            <option value="">"(aucune : premier niveau)"</option>
                                            {all.iter().filter(|c| !c.archived).map(|c| view! { <option value=c.id.to_string()>{c.name.clone()}</option> }).collect_view()}
                                        </select>
                                    </div>
                                    <div>
                                        <label for="category-order">"Ordre d'affichage"</label>
                                        <input id="category-order" type="number" step="1" data-testid="category-order"
                                            prop:value=order on:input:target=move |ev| order.set(ev.target().value())/>
                                    </div>
                                    <div>
                                        <label class="check" for="category-visible">
                                            <input id="category-visible" type="checkbox" data-testid="category-visible"
                                                prop:checked=visible on:change:target=move |ev| visible.set(ev.target().checked())/>
                                            "Proposée à la réception"
                                        </label>
                                    </div>
                                    <div class="buttons">
                                        <button type="submit" class="primary" data-testid="category-submit" disabled=saving>
                                            {move || if editing.get().is_some() { "Enregistrer" } else { "Créer la catégorie" }}
                                        </button>
                                        <Show when=move || editing.get().is_some()>
                                            <button type="button" on:click=move |_| reset()>"Annuler"</button>
                                        </Show>
                                    </div>
                                </form>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
            {move || error().map(|e| view! { <p class="error" role="alert" id="category-error" data-testid="category-error">{e}</p> })}
        </section>
    }
}
