//! The WASM entry point: hydrates the server-rendered page.
//!
//! Pages are lazy routes (`app::shell`): hydration waits for the current page's
//! chunk, so it is asynchronous, and the `data-hydrated` marker is set once it is done.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let owner = leptos::mount::hydrate_from_async(leptos::prelude::document().body().expect("a <body>"), app::App).await;
        owner.forget();
        // Resources serialised by the server resolve in microtasks right after
        // hydration; a zero-delay timeout runs after them, so tests that wait for this
        // marker never click on an element whose handlers are not attached yet.
        leptos::prelude::set_timeout(
            || {
                if let Some(body) = leptos::prelude::document().body() {
                    let _ = body.set_attribute("data-hydrated", "true");
                }
            },
            std::time::Duration::ZERO,
        );
    });
}
