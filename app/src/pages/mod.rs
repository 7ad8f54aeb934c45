//! One module per area of the application.
mod admin;
mod areas;
mod cash;
mod categories;
mod choice;
mod chart;
mod dashboard;
mod exports;
mod fields;
mod guard;
mod login;
mod logout;
mod outbox;
mod reception;
pub mod routes;
mod scheduled_reports;
mod users;

pub use admin::AdminHome;
pub use areas::Home;
pub use cash::{AdminSessions, AdminSites, SessionDetailPage, Till};
pub use categories::AdminCategories;
pub use exports::AdminExports;
pub use reception::{ReceiptPage, ReceptionHome, TicketPage};
pub use login::Login;
pub use logout::Logout;
pub use outbox::AdminOutbox;
pub use scheduled_reports::AdminScheduledReports;
pub use users::AdminUsers;

/// Full navigation, used after login and logout so that every part of the page is
/// rendered again for the new session (the server is the judge of what is shown).
pub fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    {
        if let Some(w) = web_sys::window() {
            let _ = w.location().set_href(path);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = path;
    }
}
