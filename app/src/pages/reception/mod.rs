//! Reception pages: the home (KPIs, my poste, tickets, period export) and a ticket's
//! entry page.
mod export_button;
pub(crate) mod filter_fields;
pub(crate) mod filter_form;
mod home;
mod kpi;
mod receipt;
mod ticket;

pub use home::ReceptionHome;
pub use receipt::ReceiptPage;
pub use ticket::TicketPage;

