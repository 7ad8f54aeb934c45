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
//! the server renders every page as before. A page is added to its area's list below;
//! the route in `shell` names the route type.
use leptos::prelude::*;
use leptos_router::LazyRoute;

use super::{
    AdminCategories, AdminExports, AdminHome, AdminOutbox, AdminScheduledReports, AdminSessions, AdminSites, AdminUsers, ReceiptPage, ReceptionHome,
    SessionDetailPage, TicketPage, Till,
};

/// One area from one list of `Route => Page component`: an enum of the area's pages,
/// one `#[lazy]` function (the area's chunk) that renders any of them, and for each
/// page a route type whose view is that page of the function (what `#[lazy_route]`
/// does for one page, with the chunk shared by the area). The route data is empty:
/// pages load their own data.
macro_rules! area {
    ($area:ident, $preload:ident, $pages:ident { $($route:ident => $page:ident),* $(,)? }) => {
        #[doc = concat!("The pages of `", stringify!($area), "`.")]
        enum $pages {
            $($page),*
        }

        #[lazy]
        fn $area(page: $pages) -> AnyView {
            match page {
                $($pages::$page => $page().into_any(),)*
            }
        }

        $(
            #[doc = concat!("The route of [`", stringify!($page), "`], loaded with `", stringify!($area), "`.")]
            pub struct $route;

            impl LazyRoute for $route {
                fn data() -> Self {
                    Self
                }

                async fn view(_this: Self) -> AnyView {
                    $area($pages::$page).await
                }

                async fn preload() {
                    // Only the browser has chunks to fetch.
                    #[cfg(target_arch = "wasm32")]
                    $preload().await;
                }
            }
        )*
    };
}

area!(reception_area, __preload_reception_area, ReceptionPages {
    ReceptionRoute => ReceptionHome,
    TicketRoute => TicketPage,
    ReceiptRoute => ReceiptPage,
});

area!(till_area, __preload_till_area, TillPages {
    TillRoute => Till,
});

area!(admin_area, __preload_admin_area, AdminPages {
    AdminRoute => AdminHome,
    UsersRoute => AdminUsers,
    OutboxRoute => AdminOutbox,
    CategoriesRoute => AdminCategories,
    ExportsRoute => AdminExports,
    SitesRoute => AdminSites,
    SessionsRoute => AdminSessions,
    SessionDetailRoute => SessionDetailPage,
    ScheduledReportsRoute => AdminScheduledReports,
});
