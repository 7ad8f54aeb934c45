//! The « Export CSV » button of a ticket, on its page and in the ticket list: asks for a
//! one-time token, then fetches the file with it.
use leptos::prelude::*;
use crate::ids::TicketId;

use crate::download::download;
use crate::pages::fields::DownloadStatus;
use crate::reception_api::issue_download_token;

#[component]
pub fn TicketCsvButton(ticket_id: TicketId, #[prop(default = "export-ticket")] prefix: &'static str) -> impl IntoView {
    let pending = RwSignal::new(false);
    let result = RwSignal::new(None::<Result<String, String>>);
    let export = move |_| {
        pending.set(true);
        result.set(None);
        leptos::task::spawn_local(async move {
            let r = match issue_download_token(ticket_id).await {
                Ok(t) => download(&format!("/v1/reception/tickets/{ticket_id}/export-csv?token={}", t.token)).await,
                Err(e) => Err(e.to_string()),
            };
            pending.set(false);
            result.set(Some(r));
        });
    };
    view! {
        <button type="button" data-testid=format!("{prefix}-csv") disabled=move || pending.get() on:click=export>
            {move || if pending.get() { "Export en cours…" } else { "Export CSV" }}
        </button>
        <DownloadStatus result prefix/>
    }
}
