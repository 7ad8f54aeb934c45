use leptos::prelude::*;

use crate::api::Login as LoginFn;

#[component]
pub fn Login() -> impl IntoView {
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let action = ServerAction::<LoginFn>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            super::go_to("/");
        }
    });
    let error = move || match action.value().get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    view! {
        <section class="card login">
            <h1>"Connexion"</h1>
            // Without JavaScript the browser posts the form to the server function itself
            // (form-encoded), which answers with a redirect.
            <form method="post" action="/api/login" on:submit=move |ev| {
                ev.prevent_default();
                action.dispatch(LoginFn { username: username.get(), password: password.get() });
            }>
                <label for="login-username">"Identifiant"</label>
                <input
                    id="login-username"
                    name="username"
                    type="text"
                    autocomplete="username"
                    autocapitalize="none"
                    required
                    autofocus
                    data-testid="login-username"
                    prop:value=username
                    on:input:target=move |ev| username.set(ev.target().value())
                />
                <label for="login-password">"Mot de passe"</label>
                <input
                    id="login-password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required
                    data-testid="login-password"
                    prop:value=password
                    on:input:target=move |ev| password.set(ev.target().value())
                />
                <Show when=move || error().is_some()>
                    <p class="error" role="alert" data-testid="login-error">{error}</p>
                </Show>
                <button type="submit" class="primary" data-testid="login-submit" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Connexion…" } else { "Se connecter" }}
                </button>
            </form>
        </section>
    }
}
