//! `/logout`: a page with one button that ends the session and says so, for bookmarks
//! and shared tablets. Nothing happens on load: a link from another site must not be
//! able to sign someone out.
use leptos::prelude::*;

use crate::api::Logout as LogoutFn;

#[component]
pub fn Logout() -> impl IntoView {
    let action = ServerAction::<LogoutFn>::new();
    view! {
        <section class="card login" data-testid="logout-page">
            <h1>"Déconnexion"</h1>
            {move || match action.value().get() {
                None => view! {
                    <p>"Terminer la session sur cet appareil ?"</p>
                    <button type="button" class="primary" data-testid="logout-confirm" disabled=move || action.pending().get()
                        on:click=move |_| { action.dispatch(LogoutFn {}); }>
                        "Se déconnecter"
                    </button>
                }.into_any(),
                Some(Ok(())) => view! {
                    <p role="status" data-testid="logout-done">"Vous êtes déconnecté."</p>
                    <a class="button-link" href="/login">"Se reconnecter"</a>
                }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
            }}
        </section>
    }
}
