//! Server functions used by the pages. Each one authenticates and checks permissions
//! itself, through [`crate::backend::authorize`], exactly like the REST routes do.
use leptos::prelude::*;
use server_fn::codec::Json;
use crate::ids::UserId;

use crate::auth::{CreateUserRequest, UpdateUserRequest, UserView};
use crate::error::AppError;
use crate::mail::{MailDelivery, MailStatus, OutboxEntry};
#[cfg(feature = "ssr")]
use crate::{auth::Permission, backend::authorize, backend::with_status};

/// The logged-in user, or `None`.
#[server(prefix = "/api", endpoint = "current_user")]
pub async fn current_user() -> Result<Option<UserView>, AppError> {
    with_status(async move {
        let (backend, headers) = crate::backend::backend_and_headers().await?;
        backend.authenticate(&headers).await
    }.await)
}

/// Form-encoded (not JSON) so that the login form also works without JavaScript: the
/// browser posts it here and is sent on to `/` (or back to `/login` with the error).
#[server(prefix = "/api", endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<UserView, AppError> {
    with_status(async move {
        use crate::auth::LoginRequest;
        let (backend, headers) = crate::backend::backend_and_headers().await?;
        let client = crate::backend::client_addr();
        let (user, cookie) = backend.login(&headers, client, LoginRequest { username, password }).await?;
        let response = expect_context::<leptos_axum::ResponseOptions>();
        response.append_header(http::header::SET_COOKIE, cookie);
        if crate::backend::is_form_post(&headers) {
            leptos_axum::redirect("/");
        }
        Ok(user)
    }.await)
}

#[server(prefix = "/api", endpoint = "logout", input = Json)]
pub async fn logout() -> Result<(), AppError> {
    with_status(async move {
        let (backend, headers) = crate::backend::backend_and_headers().await?;
        let cookie = backend.logout(&headers).await?;
        let response = expect_context::<leptos_axum::ResponseOptions>();
        response.append_header(http::header::SET_COOKIE, cookie);
        Ok(())
    }.await)
}

#[server(prefix = "/api", endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<UserView>, AppError> {
    with_status(async move {
        let (backend, actor) = authorize(Some(Permission::Admin)).await?;
        backend.list_users(&actor).await
    }.await)
}

#[server(prefix = "/api", endpoint = "create_user", input = Json)]
pub async fn create_user(req: CreateUserRequest) -> Result<UserView, AppError> {
    with_status(async move {
        let (backend, actor) = authorize(Some(Permission::Admin)).await?;
        backend.create_user(&actor, req).await
    }.await)
}

#[server(prefix = "/api", endpoint = "update_user", input = Json)]
pub async fn update_user(id: UserId, req: UpdateUserRequest) -> Result<UserView, AppError> {
    with_status(async move {
        let (backend, headers, actor) = crate::backend::authorize_with_headers(Some(Permission::Admin)).await?;
        backend.update_user(&headers, &actor, id, req).await
    }.await)
}

#[server(prefix = "/api", endpoint = "outbox")]
pub async fn outbox() -> Result<(MailStatus, Vec<MailDelivery>, Vec<OutboxEntry>), AppError> {
    with_status(async move {
        let (backend, actor) = authorize(Some(Permission::Admin)).await?;
        Ok((backend.mail_status(&actor).await?, backend.list_deliveries(&actor).await?, backend.list_outbox(&actor).await?))
    }.await)
}

#[server(prefix = "/api", endpoint = "send_test_mail", input = Json)]
pub async fn send_test_mail(to: String) -> Result<(), AppError> {
    with_status(async move {
        let (backend, actor) = authorize(Some(Permission::Admin)).await?;
        backend.send_test_mail(&actor, &to).await
    }.await)
}
