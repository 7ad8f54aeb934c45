//! The server's side of the seam with the UI crate: server functions reach the services
//! through this implementation, provided in Leptos context.
use app::auth::{CreateUserRequest, LoginRequest, Permission, UpdateUserRequest, UserView};
use app::backend::Backend;
use app::error::AppError;
use app::mail::{MailStatus, OutboxEntry, OutboxMessage};
use http::{HeaderMap, HeaderValue};
use uuid::Uuid;

use crate::auth::require;
use crate::state::AppState;

#[async_trait::async_trait]
impl Backend for AppState {
    async fn authenticate(&self, headers: &HeaderMap) -> Result<Option<UserView>, AppError> {
        crate::auth::authenticate(self, headers).await
    }
    async fn login(&self, headers: &HeaderMap, req: LoginRequest) -> Result<(UserView, HeaderValue), AppError> {
        crate::auth::login(self, headers, req).await
    }
    async fn logout(&self, headers: &HeaderMap) -> Result<HeaderValue, AppError> {
        crate::auth::logout(self, headers).await
    }
    async fn list_users(&self, actor: &UserView) -> Result<Vec<UserView>, AppError> {
        crate::auth::list_users(self, actor).await
    }
    async fn create_user(&self, actor: &UserView, req: CreateUserRequest) -> Result<UserView, AppError> {
        crate::auth::create_user(self, actor, req).await
    }
    async fn update_user(&self, actor: &UserView, id: Uuid, req: UpdateUserRequest) -> Result<UserView, AppError> {
        crate::auth::update_user(self, actor, id, req).await
    }
    async fn mail_status(&self, actor: &UserView) -> Result<MailStatus, AppError> {
        require(actor, Permission::Admin)?;
        Ok(MailStatus { transport: self.mailer.transport_name().into(), from: self.mailer.from_address() })
    }
    async fn list_outbox(&self, actor: &UserView) -> Result<Vec<OutboxEntry>, AppError> {
        require(actor, Permission::Admin)?;
        crate::mail::list_outbox(self.mailer.outbox_dir()).await
    }
    async fn read_outbox(&self, actor: &UserView, id: &str) -> Result<OutboxMessage, AppError> {
        require(actor, Permission::Admin)?;
        crate::mail::read_outbox(self.mailer.outbox_dir(), id).await
    }
    async fn send_test_mail(&self, actor: &UserView, to: &str) -> Result<(), AppError> {
        crate::mail::send_test_mail(self, actor, to).await
    }
}
