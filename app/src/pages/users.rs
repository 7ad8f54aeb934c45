//! Admin page: list, create, edit and (de)activate users and set their permissions.
use leptos::prelude::*;
use crate::ids::UserId;

use super::guard::Guarded;
use crate::api::{list_users, CreateUser, UpdateUser};
use crate::auth::{CreateUserRequest, Permission, UpdateUserRequest, UserView};
use crate::load::load;

#[component]
pub fn AdminUsers() -> impl IntoView {
    view! {
        <Guarded permission=Some(Permission::Admin)>
            <UsersPanel/>
        </Guarded>
    }
}

#[component]
fn UsersPanel() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let update = ServerAction::<UpdateUser>::new();
    // Reload the list after every successful change.
    let users = load(
        move || (create.version().get(), update.version().get()),
        |_| list_users(),
    );

    // The form: `editing` holds the id of the user being edited, None for a new one.
    let editing = RwSignal::new(None::<UserId>);
    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let active = RwSignal::new(true);
    let perms = RwSignal::new(Vec::<Permission>::new());
    let message = RwSignal::new(None::<String>);

    let reset = move || {
        editing.set(None);
        username.set(String::new());
        display_name.set(String::new());
        password.set(String::new());
        active.set(true);
        perms.set(Vec::new());
    };
    let start_edit = move |u: UserView| {
        editing.set(Some(u.id));
        username.set(u.username);
        display_name.set(u.display_name);
        password.set(String::new());
        active.set(u.active);
        perms.set(u.permissions);
        message.set(None);
    };

    Effect::new(move |_| {
        if let Some(Ok(u)) = create.value().get() {
            message.set(Some(format!("Utilisateur « {} » créé.", u.username)));
            reset();
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(u)) = update.value().get() {
            message.set(Some(format!("Utilisateur « {} » mis à jour.", u.username)));
            reset();
        }
    });
    let error = move || {
        let e = if editing.get().is_some() { update.value().get() .and_then(|r| r.err()) } else { create.value().get().and_then(|r| r.err()) };
        e.map(|e| e.to_string())
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        message.set(None);
        let permissions: Vec<String> = perms.get().iter().map(|p| p.as_str().to_string()).collect();
        match editing.get() {
            None => {
                create.dispatch(CreateUser {
                    req: CreateUserRequest {
                        username: username.get(),
                        display_name: Some(display_name.get()),
                        password: password.get(),
                        permissions,
                        active: Some(active.get()),
                    },
                });
            }
            Some(id) => {
                let pw = password.get();
                update.dispatch(UpdateUser {
                    id,
                    req: UpdateUserRequest {
                        username: Some(username.get()),
                        display_name: Some(display_name.get()),
                        password: (!pw.is_empty()).then_some(pw),
                        permissions: Some(permissions),
                        active: Some(active.get()),
                    },
                });
            }
        }
    };
    let toggle_active = move |u: UserView| {
        message.set(None);
        update.dispatch(UpdateUser {
            id: u.id,
            req: UpdateUserRequest { active: Some(!u.active), ..Default::default() },
        });
    };
    let pending = move || create.pending().get() || update.pending().get();

    view! {
        <section class="card">
            <h1>"Utilisateurs"</h1>
            <Transition fallback=|| view! { <p>"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    match users.await {
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(list) => view! {
                            <div class="table-wrap">
                            <table class="cards-narrow" data-testid="users-table">
                                <thead>
                                    <tr>
                                        <th scope="col">"Identifiant"</th>
                                        <th scope="col">"Nom affiché"</th>
                                        <th scope="col">"Permissions"</th>
                                        <th scope="col">"État"</th>
                                        <th scope="col">"Actions"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list.into_iter().map(|u| {
                                        let perms_text = u.permissions.iter().map(|p| p.label()).collect::<Vec<_>>().join(", ");
                                        let (u_edit, u_toggle) = (u.clone(), u.clone());
                                        view! {
                                            <tr data-testid=format!("user-row-{}", u.username)>
                                                <td data-label="Identifiant">{u.username.clone()}</td>
                                                <td data-label="Nom affiché">{u.display_name.clone()}</td>
                                                <td data-label="Permissions">{perms_text}</td>
                                                <td data-label="État">{if u.active { "Actif" } else { "Désactivé" }}</td>
                                                <td class="actions" data-label="Actions">
                                                    <button type="button" data-testid=format!("user-edit-{}", u.username)
                                                        on:click=move |_| start_edit(u_edit.clone())>"Modifier"</button>
                                                    <button type="button" data-testid=format!("user-toggle-active-{}", u.username)
                                                        on:click=move |_| toggle_active(u_toggle.clone())>
                                                        {if u.active { "Désactiver" } else { "Réactiver" }}
                                                    </button>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>

        <section class="card">
            <h2>{move || if editing.get().is_some() { "Modifier l'utilisateur" } else { "Nouvel utilisateur" }}</h2>
            <form class="form-grid" on:submit=submit>
                <label for="user-form-username">"Identifiant"</label>
                <input id="user-form-username" type="text" required autocapitalize="none" data-testid="user-form-username"
                    prop:value=username on:input:target=move |ev| username.set(ev.target().value())/>
                <label for="user-form-display-name">"Nom affiché"</label>
                <input id="user-form-display-name" type="text" data-testid="user-form-display-name"
                    prop:value=display_name on:input:target=move |ev| display_name.set(ev.target().value())/>
                <label for="user-form-password">
                    {move || if editing.get().is_some() { "Nouveau mot de passe (laisser vide pour ne pas changer)" } else { "Mot de passe" }}
                </label>
                <input id="user-form-password" type="password" autocomplete="new-password" data-testid="user-form-password"
                    prop:value=password on:input:target=move |ev| password.set(ev.target().value())/>
                <fieldset>
                    <legend>"Permissions"</legend>
                    {Permission::ALL.into_iter().map(|p| {
                        let id = format!("user-form-perm-{}", p.as_str());
                        let (label_for, test_id) = (id.clone(), id.clone());
                        view! {
                            <label class="check" for=label_for>
                                <input type="checkbox" id=id data-testid=test_id
                                    prop:checked=move || perms.get().contains(&p)
                                    on:change:target=move |ev| {
                                        let on = ev.target().checked();
                                        perms.update(|v| { v.retain(|x| *x != p); if on { v.push(p); } });
                                    }/>
                                {p.label()}
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                <label class="check" for="user-form-active">
                    <input type="checkbox" id="user-form-active" data-testid="user-form-active"
                        prop:checked=active on:change:target=move |ev| active.set(ev.target().checked())/>
                    "Compte actif"
                </label>
                <Show when=move || error().is_some()>
                    <p class="error" role="alert" data-testid="user-form-error">{error}</p>
                </Show>
                <Show when=move || message.get().is_some()>
                    <p class="success" role="status" data-testid="user-form-message">{move || message.get()}</p>
                </Show>
                <div class="buttons">
                    <button type="submit" class="primary" data-testid="user-form-submit" disabled=pending>
                        {move || if editing.get().is_some() { "Enregistrer" } else { "Créer l'utilisateur" }}
                    </button>
                    <Show when=move || editing.get().is_some()>
                        <button type="button" on:click=move |_| reset()>"Annuler"</button>
                    </Show>
                </div>
            </form>
        </section>
    }
}
