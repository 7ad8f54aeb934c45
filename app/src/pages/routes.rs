//! The pages behind a login, as lazily loaded routes, grouped by area: the browser's
//! main bundle holds the shell, the router, the login and the home page; each area
//! (reception, till, administration) is a chunk of its own (`cargo leptos build
//! --split`), fetched when one of its pages is first shown, and code that several
//! areas share is in chunks fetched once. A reception tablet thus never downloads
//! the till, the audit or the report editor before it can hydrate, and moving
//! between the pages of its area fetches nothing more.
//!
//! One chunk per area rather than per page: per page, the code the pages share was
//! cut into about ninety chunks, a request each on a weak Wi-Fi.
//!
//! Hydration waits for the current page's chunks (`frontend`'s `hydrate_from_async`);
//! the server renders every page as before. A page is added to its area's `match`
//! and to its area's route list below; the route in `shell` names the route type.
use leptos::prelude::*;
use leptos_router::LazyRoute;

use super::{
    AdminCategories, AdminExports, AdminHome, AdminOutbox, AdminScheduledReports, AdminSessions, AdminSites, AdminUsers, ReceiptPage, ReceptionHome,
    SessionDetailPage, TicketPage, Till,
};

/// A page of the reception area.
pub enum ReceptionPage {
    Home,
    Ticket,
    Receipt,
}

/// A page of the till area.
pub enum TillPage {
    Till,
}

/// A page of the administration area.
pub enum AdminPage {
    Home,
    Users,
    Outbox,
    Categories,
    Exports,
    Sites,
    Sessions,
    SessionDetail,
    ScheduledReports,
}

#[lazy]
fn reception_area(page: ReceptionPage) -> AnyView {
    match page {
        ReceptionPage::Home => ReceptionHome().into_any(),
        ReceptionPage::Ticket => TicketPage().into_any(),
        ReceptionPage::Receipt => ReceiptPage().into_any(),
    }
}

#[lazy]
fn till_area(page: TillPage) -> AnyView {
    match page {
        TillPage::Till => Till().into_any(),
    }
}

#[lazy]
fn admin_area(page: AdminPage) -> AnyView {
    match page {
        AdminPage::Home => AdminHome().into_any(),
        AdminPage::Users => AdminUsers().into_any(),
        AdminPage::Outbox => AdminOutbox().into_any(),
        AdminPage::Categories => AdminCategories().into_any(),
        AdminPage::Exports => AdminExports().into_any(),
        AdminPage::Sites => AdminSites().into_any(),
        AdminPage::Sessions => AdminSessions().into_any(),
        AdminPage::SessionDetail => SessionDetailPage().into_any(),
        AdminPage::ScheduledReports => AdminScheduledReports().into_any(),
    }
}

/// For each `Route => Page` of an area: a route type whose view is that page of the
/// area's lazily loaded function (what `#[lazy_route]` does for one page, with the
/// chunk shared by the area). The route data is empty: pages load their own data.
macro_rules! area_routes {
    ($area:ident, $preload:ident, $page:ident { $($route:ident => $variant:ident),* $(,)? }) => {$(
        #[doc = concat!("The route of ", stringify!($page), "::", stringify!($variant), ", loaded with its area.")]
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_this: Self) -> AnyView {
                $area($page::$variant).await
            }

            async fn preload() {
                // Only the browser has chunks to fetch.
                #[cfg(target_arch = "wasm32")]
                $preload().await;
            }
        }
    )*};
}

area_routes!(reception_area, __preload_reception_area, ReceptionPage {
    ReceptionRoute => Home,
    TicketRoute => Ticket,
    ReceiptRoute => Receipt,
});

area_routes!(till_area, __preload_till_area, TillPage {
    TillRoute => Till,
});

area_routes!(admin_area, __preload_admin_area, AdminPage {
    AdminRoute => Home,
    UsersRoute => Users,
    OutboxRoute => Outbox,
    CategoriesRoute => Categories,
    ExportsRoute => Exports,
    SitesRoute => Sites,
    SessionsRoute => Sessions,
    SessionDetailRoute => SessionDetail,
    ScheduledReportsRoute => ScheduledReports,
});
