//! The server's side of the seam with the UI crate: server functions reach the services
//! through this implementation, provided in Leptos context.
use app::auth::{CreateUserRequest, LoginRequest, Permission, UpdateUserRequest, UserView};
use app::backend::Backend;
use app::cash::{
    CashSession, CashSessionDetail, CashSessionFilter, CloseOutcome, CloseSessionRequest, OpenSessionRequest, Register, RegisterInput, Sale, SaleInput,
    SessionPage, SessionSort, Site, SiteInput,
};
use app::error::AppError;
use app::mail::{MailStatus, OutboxEntry};
use app::ids::{CashSessionId, CategoryId, LigneId, PosteId, TicketId, UserId};
use app::reception::{
    Category, CategoryInput, CategoryUpdate, DownloadToken, Ligne, LigneInput, LigneUpdate, OpenPosteRequest, Page, PageRequest, Poste, ReceptionDashboard, ReceptionFilter, ReceptionLiveStats,
    Ticket, TicketDetail,
};
use http::{HeaderMap, HeaderValue};

use crate::auth::require;
use crate::cash as c;
use crate::reception as r;
use crate::state::AppState;

#[async_trait::async_trait]
impl Backend for AppState {
    async fn authenticate(&self, headers: &HeaderMap) -> Result<Option<UserView>, AppError> {
        crate::auth::authenticate(self, headers).await
    }
    async fn login(&self, headers: &HeaderMap, client: Option<std::net::IpAddr>, req: LoginRequest) -> Result<(UserView, HeaderValue), AppError> {
        crate::auth::login(self, headers, client, req).await
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
    async fn update_user(&self, headers: &HeaderMap, actor: &UserView, id: UserId, req: UpdateUserRequest) -> Result<UserView, AppError> {
        crate::auth::update_user(self, actor, crate::auth::session_hash(headers).as_deref(), id, req).await
    }
    async fn mail_status(&self, actor: &UserView) -> Result<MailStatus, AppError> {
        require(actor, Permission::Admin)?;
        Ok(MailStatus { transport: self.mailer.transport_name().into(), from: self.mailer.from_address() })
    }
    async fn list_outbox(&self, actor: &UserView) -> Result<Vec<OutboxEntry>, AppError> {
        require(actor, Permission::Admin)?;
        crate::mail::list_outbox(self.mailer.outbox_dir()).await
    }
    async fn list_scheduled_reports(&self, actor: &UserView) -> Result<Vec<app::schedule::report::ScheduledReport>, AppError> {
        crate::scheduled::list(self, actor).await
    }
    async fn save_scheduled_report(
        &self,
        actor: &UserView,
        id: Option<app::ids::ScheduledReportId>,
        input: app::schedule::report::ScheduledReportInput,
    ) -> Result<app::schedule::report::ScheduledReport, AppError> {
        match id {
            None => crate::scheduled::create(self, actor, input).await,
            Some(id) => crate::scheduled::update(self, actor, id, input).await,
        }
    }
    async fn delete_scheduled_report(&self, actor: &UserView, id: app::ids::ScheduledReportId) -> Result<(), AppError> {
        crate::scheduled::delete(self, actor, id).await
    }
    async fn send_scheduled_report(&self, actor: &UserView, id: app::ids::ScheduledReportId, log_id: Option<app::ids::ReportLogId>) -> Result<String, AppError> {
        let started = match log_id {
            None => crate::scheduled::run_now(self, actor, id).await?,
            Some(log) => crate::scheduled::retry_log(self, actor, id, log).await?,
        };
        Ok(started.detail)
    }
    async fn scheduled_report_logs(&self, actor: &UserView, id: app::ids::ScheduledReportId) -> Result<Vec<app::schedule::report::ScheduledReportLog>, AppError> {
        crate::scheduled::logs(self, actor, id).await
    }
    async fn scheduled_reports_needing_attention(&self, actor: &UserView) -> Result<i64, AppError> {
        crate::scheduled::needing_attention(self, actor).await
    }
    async fn list_deliveries(&self, actor: &UserView) -> Result<Vec<app::mail::MailDelivery>, AppError> {
        crate::mail::delivery::list(self, actor).await
    }
    async fn send_test_mail(&self, actor: &UserView, to: &str) -> Result<(), AppError> {
        crate::mail::send_test_mail(self, actor, to).await
    }

    async fn current_poste(&self, a: &UserView) -> Result<Option<Poste>, AppError> {
        r::current_poste(self, a).await
    }
    async fn open_poste(&self, a: &UserView, req: OpenPosteRequest) -> Result<Poste, AppError> {
        r::open_poste(self, a, req).await
    }
    async fn close_poste(&self, a: &UserView, id: PosteId) -> Result<Poste, AppError> {
        r::close_poste(self, a, id).await
    }
    async fn poste_summary(&self, a: &UserView, id: PosteId) -> Result<app::reception::PosteSummary, AppError> {
        r::poste_summary(self, a, id).await
    }
    // The edge for server functions: filters are scoped to the caller here.
    async fn list_tickets(&self, a: &UserView, f: ReceptionFilter, page: PageRequest) -> Result<Page<Ticket>, AppError> {
        r::list_tickets(self, a, f.scope(a), page).await
    }
    async fn list_postes(&self, a: &UserView, f: ReceptionFilter, page: PageRequest) -> Result<Page<Poste>, AppError> {
        r::list_postes(self, a, f.scope(a), page).await
    }
    async fn create_ticket(&self, a: &UserView) -> Result<TicketDetail, AppError> {
        r::create_ticket(self, a).await
    }
    async fn get_ticket(&self, a: &UserView, id: TicketId) -> Result<TicketDetail, AppError> {
        r::get_ticket(self, a, id).await
    }
    async fn close_ticket(&self, a: &UserView, id: TicketId) -> Result<TicketDetail, AppError> {
        r::close_ticket(self, a, id).await
    }
    async fn add_ligne(&self, a: &UserView, t: TicketId, i: LigneInput) -> Result<Ligne, AppError> {
        r::add_ligne(self, a, t, i).await
    }
    async fn update_ligne(&self, a: &UserView, t: TicketId, l: LigneId, i: LigneUpdate) -> Result<Ligne, AppError> {
        r::update_ligne(self, a, t, l, i).await
    }
    async fn delete_ligne(&self, a: &UserView, t: TicketId, l: LigneId) -> Result<(), AppError> {
        r::delete_ligne(self, a, t, l).await
    }
    async fn download_token(&self, a: &UserView, t: TicketId) -> Result<DownloadToken, AppError> {
        r::issue_download_token(self, a, t).await
    }
    async fn live_stats(&self, a: &UserView, exclude_deferred: bool) -> Result<ReceptionLiveStats, AppError> {
        r::live_stats(self, a, exclude_deferred).await
    }
    async fn reception_dashboard(&self, a: &UserView, f: ReceptionFilter) -> Result<ReceptionDashboard, AppError> {
        r::dashboard(self, a, f.scope(a)).await
    }
    async fn list_categories(&self, a: &UserView) -> Result<Vec<Category>, AppError> {
        r::list_categories(self, a).await
    }
    async fn frequent_categories(&self, a: &UserView) -> Result<Vec<CategoryId>, AppError> {
        r::frequent_categories(self, a).await
    }
    async fn create_category(&self, a: &UserView, i: CategoryInput) -> Result<Category, AppError> {
        r::create_category(self, a, i).await
    }
    async fn update_category(&self, a: &UserView, id: CategoryId, i: CategoryUpdate) -> Result<Category, AppError> {
        r::update_category(self, a, id, i).await
    }

    async fn list_sites(&self, a: &UserView) -> Result<Vec<Site>, AppError> {
        c::list_sites(self, a).await
    }

    async fn create_site(&self, a: &UserView, i: SiteInput) -> Result<Site, AppError> {
        c::create_site(self, a, i).await
    }

    async fn list_registers(&self, a: &UserView) -> Result<Vec<Register>, AppError> {
        c::list_registers(self, a).await
    }

    async fn create_register(&self, a: &UserView, i: RegisterInput) -> Result<Register, AppError> {
        c::create_register(self, a, i).await
    }

    async fn sale_categories(&self, a: &UserView) -> Result<Vec<Category>, AppError> {
        c::sale_categories(self, a).await
    }

    async fn current_cash_session(&self, a: &UserView) -> Result<Option<CashSession>, AppError> {
        c::current_session(self, a).await
    }

    async fn open_cash_session(&self, a: &UserView, req: OpenSessionRequest) -> Result<CashSession, AppError> {
        c::open_session(self, a, req).await
    }

    async fn get_cash_session(&self, a: &UserView, id: CashSessionId) -> Result<CashSessionDetail, AppError> {
        c::get_session(self, a, id).await
    }

    async fn add_sale(&self, a: &UserView, id: CashSessionId, i: SaleInput) -> Result<Sale, AppError> {
        c::add_sale(self, a, id, i).await
    }

    async fn close_cash_session(&self, a: &UserView, id: CashSessionId, req: CloseSessionRequest) -> Result<CloseOutcome, AppError> {
        c::close_session(self, a, id, req).await
    }

    // Scoped here, like the reception filters: an operator only ever gets their own sessions.
    async fn list_cash_sessions(&self, a: &UserView, f: CashSessionFilter, sort: SessionSort, page: i64, page_size: i64) -> Result<SessionPage, AppError> {
        c::list_sessions(self, a, f.scope(a), sort, page, page_size).await
    }
}
