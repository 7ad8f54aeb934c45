//! `/logout`: ends the session and says so, for bookmarks and shared tablets. The header
//! button does the same and goes straight back to the login page.
use leptos::prelude::*;

use crate::api::Logout as LogoutFn;

#[component]
pub fn Logout() -> impl IntoView {
    let action = ServerAction::<LogoutFn>::new();
    // Runs in the browser once the page is live.
    Effect::new(move |_| {
        action.dispatch(LogoutFn {});
    });
    view! {
        <section class="card login" data-testid="logout-page">
            <h1>"Déconnexion"</h1>
            {move || match action.value().get() {
                None => view! { <p>"Déconnexion en cours…"</p> }.into_any(),
                Some(Ok(())) => view! {
                    <p role="status" data-testid="logout-done">"Vous êtes déconnecté."</p>
                    <a class="button-link" href="/login">"Se reconnecter"</a>
                }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
            }}
        </section>
    }
}
