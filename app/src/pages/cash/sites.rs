//! Admin page `/admin/sites`: the sites and their registers (list, create). A register
//! belongs to a site; cashiers open their sessions on a register.
use leptos::prelude::*;

use crate::auth::Permission;
use crate::cash::{RegisterInput, SiteInput};
use crate::cash_api::{list_registers, list_sites, CreateRegister, CreateSite};
use crate::pages::guard::Guarded;
use crate::load::load;

#[component]
pub fn AdminSites() -> impl IntoView {
    view! {
        <Guarded permission=Some(Permission::Admin)>
            <SitesPanel/>
        </Guarded>
    }
}

#[component]
fn SitesPanel() -> impl IntoView {
    let create_site = ServerAction::<CreateSite>::new();
    let create_register = ServerAction::<CreateRegister>::new();
    let sites = load(move || create_site.version().get(), |_| list_sites());
    let registers = load(move || (create_site.version().get(), create_register.version().get()), |_| list_registers());
    let site_name = RwSignal::new(String::new());
    let register_name = RwSignal::new(String::new());
    let register_site = RwSignal::new(String::new());
    let register_error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if matches!(create_site.value().get(), Some(Ok(_))) {
            site_name.set(String::new());
        }
    });
    Effect::new(move |_| match create_register.value().get() {
        Some(Ok(_)) => {
            register_name.set(String::new());
            register_error.set(None);
        }
        Some(Err(e)) => register_error.set(Some(e.to_string())),
        None => {}
    });
    view! {
        <h1 class="page-title" data-testid="admin-sites">"Sites et caisses"</h1>
        <div class="columns">
            <section class="card">
                <h2>"Sites"</h2>
                <Transition fallback=|| view! { <p>"Chargement…"</p> }>
                    {move || Suspend::new(async move {
                        match sites.await {
                            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                            Ok(list) if list.is_empty() => view! { <p class="notice" data-testid="sites-empty">"Aucun site."</p> }.into_any(),
                            Ok(list) => view! {
                                <ul class="plain list" data-testid="sites-list">
                                    {list.into_iter().map(|s| view! { <li data-testid="site-row">{s.name}</li> }).collect_view()}
                                </ul>
                            }.into_any(),
                        }
                    })}
                </Transition>
                <form class="inline-form" on:submit=move |ev| {
                    ev.prevent_default();
                    create_site.dispatch(CreateSite { input: SiteInput { name: site_name.get_untracked() } });
                }>
                    <label for="site-name">"Nouveau site"</label>
                    <input id="site-name" type="text" required maxlength="100" data-testid="site-name"
                        prop:value=site_name on:input:target=move |ev| site_name.set(ev.target().value())/>
                    <button type="submit" class="primary" data-testid="site-submit" disabled=move || create_site.pending().get()>"Créer le site"</button>
                </form>
                {move || create_site.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert" data-testid="site-error">{e.to_string()}</p> })}
            </section>

            <section class="card">
                <h2>"Caisses"</h2>
                <Transition fallback=|| view! { <p>"Chargement…"</p> }>
                    {move || Suspend::new(async move {
                        match registers.await {
                            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                            Ok(list) if list.is_empty() => view! { <p class="notice" data-testid="registers-empty">"Aucune caisse."</p> }.into_any(),
                            Ok(list) => view! {
                                <div class="table-wrap">
                                    <table class="cards-narrow" data-testid="registers-table">
                                        <thead><tr><th scope="col">"Caisse"</th><th scope="col">"Site"</th></tr></thead>
                                        <tbody>
                                            {list.into_iter().map(|r| view! {
                                                <tr data-testid="register-row"><td data-label="Caisse">{r.name}</td><td data-label="Site">{r.site_name}</td></tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }.into_any(),
                        }
                    })}
                </Transition>
                <form class="form-grid two" on:submit=move |ev| {
                    ev.prevent_default();
                    let Ok(site_id) = register_site.get_untracked().parse() else {
                        register_error.set(Some("Choisissez le site de la caisse.".into()));
                        return;
                    };
                    create_register.dispatch(CreateRegister { input: RegisterInput { name: register_name.get_untracked(), site_id } });
                }>
                    <div>
                        <label for="register-name">"Nom de la caisse"</label>
                        <input id="register-name" type="text" required maxlength="100" data-testid="register-name"
                            prop:value=register_name on:input:target=move |ev| register_name.set(ev.target().value())/>
                    </div>
                    <div>
                        <label for="register-site">"Site"</label>
                        <select id="register-site" data-testid="register-site" required prop:value=register_site
                            on:change:target=move |ev| register_site.set(ev.target().value())>
                            <option value="">"Choisir…"</option>
                            <Transition fallback=|| ()>
                                {move || Suspend::new(async move {
                                    sites.await.unwrap_or_default().into_iter()
                                        .map(|s| view! { <option value=s.id.to_string()>{s.name}</option> })
                                        .collect_view()
                                })}
                            </Transition>
                        </select>
                    </div>
                    <button type="submit" class="primary" data-testid="register-submit" disabled=move || create_register.pending().get()>"Créer la caisse"</button>
                </form>
                {move || register_error.get().map(|e| view! { <p class="error" role="alert" data-testid="register-error">{e}</p> })}
            </section>
        </div>
    }
}
