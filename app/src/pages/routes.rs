//! The pages behind a login, as lazily loaded routes: the browser's main bundle holds
//! the shell, the router, the login and the home page; each of these pages is a
//! chunk of its own (`cargo leptos build --split`), fetched when the route is first
//! shown, and code shared by several pages is in chunks fetched once. A reception
//! tablet thus never downloads the till, the audit or the report editor before it can
//! hydrate. Hydration waits for the current page's chunks (`frontend`'s
//! `hydrate_from_async`); the server renders every page as before.
//!
//! A page is added here with its component; the route in `shell` names this type.
use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use super::{
    AdminCategories, AdminExports, AdminHome, AdminOutbox, AdminScheduledReports, AdminSessions, AdminSites, AdminUsers, ReceiptPage, ReceptionHome,
    SessionDetailPage, TicketPage, Till,
};

/// For each `Route => Page`: a route type whose view, the page component with its
/// resources, is split out of the main bundle. The route data is empty: pages load
/// their own data, so the one chunk per page holds all of it.
macro_rules! lazy_pages {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        #[doc = concat!("The route of [`", stringify!($page), "`], loaded lazily.")]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                let page = $page();
                page.into_any()
            }
        }
    )*};
}

lazy_pages! {
    ReceptionRoute => ReceptionHome,
    TicketRoute => TicketPage,
    ReceiptRoute => ReceiptPage,
    TillRoute => Till,
    AdminRoute => AdminHome,
    UsersRoute => AdminUsers,
    OutboxRoute => AdminOutbox,
    CategoriesRoute => AdminCategories,
    ExportsRoute => AdminExports,
    SitesRoute => AdminSites,
    SessionsRoute => AdminSessions,
    SessionDetailRoute => SessionDetailPage,
    ScheduledReportsRoute => AdminScheduledReports,
}
