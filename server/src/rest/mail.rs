use app::mail::OutboxEntry;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;

use super::error::{AdminOnly, Allowed, ApiJson, ApiQuery, ApiResult};
use crate::state::AppState;

pub async fn list(State(state): State<AppState>, _admin: Allowed<AdminOnly>) -> ApiResult<Json<Vec<OutboxEntry>>> {
    Ok(Json(crate::mail::list_outbox(state.mailer.outbox_dir()).await?))
}

/// The recorded deliveries and their attempts, whatever the transport.
pub async fn deliveries(State(state): State<AppState>, Allowed(actor, _): Allowed<AdminOnly>) -> ApiResult<Json<Vec<app::mail::MailDelivery>>> {
    Ok(Json(crate::mail::delivery::list(&state, &actor).await?))
}

#[derive(Deserialize)]
pub struct DownloadQuery {
    /// `inline` shows the message as text in the browser; anything else downloads the `.eml`.
    disposition: Option<String>,
}

pub async fn download(
    State(state): State<AppState>,
    _admin: Allowed<AdminOnly>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DownloadQuery>,
) -> ApiResult<axum::response::Response> {
    let dir = state.mailer.outbox_dir();
    if q.disposition.as_deref() == Some("inline") {
        let m = crate::mail::read_outbox(dir, &id).await?;
        let date = m.entry.date.map(app::format::paris_datetime).unwrap_or_default();
        let attachments = if m.entry.attachments.is_empty() { "aucune".to_string() } else { m.entry.attachments.join(", ") };
        let text = format!(
            "De : {}\nÀ : {}\nDate : {}\nObjet : {}\nPièces jointes : {}\n\n{}",
            m.from,
            m.entry.recipients.join(", "),
            date,
            m.entry.subject,
            attachments,
            m.body_text
        );
        return Ok((
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::X_CONTENT_TYPE_OPTIONS, "nosniff")],
            text,
        )
            .into_response());
    }
    let bytes = crate::mail::read_outbox_raw(dir, &id).await?;
    // `id` is a UUID (checked by read_outbox_raw), safe in a header.
    let disposition = format!("attachment; filename=\"message-{id}.eml\"");
    Ok(([(header::CONTENT_TYPE, "message/rfc822".to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
}

#[derive(Deserialize)]
pub struct TestMailRequest {
    pub to: String,
}

pub async fn send_test(State(state): State<AppState>, Allowed(actor, _): Allowed<AdminOnly>, ApiJson(req): ApiJson<TestMailRequest>) -> ApiResult<impl IntoResponse> {
    crate::mail::send_test_mail(&state, &actor, &req.to).await?;
    Ok(Json(serde_json::json!({ "detail": "E-mail de test envoyé." })))
}
