//! Page guard: sends anonymous visitors to the login page and shows a refusal to users
//! without the permission. This only decides what is displayed; every server function
//! and REST route checks permissions again on the server.
use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::auth::Permission;
use crate::shell::CurrentUser;

#[component]
pub fn Guarded(permission: Option<Permission>, children: ChildrenFn) -> impl IntoView {
    let user = expect_context::<CurrentUser>();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <p>"Chargement…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(u)) if permission.is_none_or(|p| u.has(p)) => {
                        children.with_value(|c| c()).into_any()
                    }
                    Ok(Some(_)) => view! {
                        <section class="card" data-testid="access-denied" role="alert">
                            <h1>"Accès refusé"</h1>
                            <p>"Votre compte n'a pas la permission d'ouvrir cette page."</p>
                            <a href="/">"Retour à l'accueil"</a>
                        </section>
                    }
                    .into_any(),
                    Ok(None) => view! { <Redirect path="/login"/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
