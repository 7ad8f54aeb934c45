//! The document shell, the router and the header every page shares.
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes, A},
    path, Lazy,
};

use crate::api::{current_user, Logout};
use crate::auth::{Permission, UserView};
use crate::error::AppError;
use crate::pages::{self, routes};
use crate::scheduled_api::scheduled_reports_attention;
use crate::load::Loaded;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="fr">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The current user, loaded once per page load and shared through context.
pub type CurrentUser = Loaded<Result<Option<UserView>, AppError>>;

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let user: CurrentUser = Loaded::new_with_options(|| (), |_| current_user(), true);
    provide_context(user);
    let main_ref = NodeRef::<leptos::html::Main>::new();
    // The skip link moves the focus itself: the router would treat `#contenu` as a
    // navigation and leave the focus where it was.
    let skip = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        if let Some(main) = main_ref.get() {
            let _ = main.focus();
        }
    };

    // True while the router fetches the next page: its area's chunk the first time
    // (`pages::routes`), which takes a moment on a weak connection.
    let (routing, set_routing) = signal(false);

    view! {
        <Stylesheet id="leptos" href="/pkg/recyclique.css"/>
        <Title formatter=|text: String| if text == "RecyClique" { text } else { format!("{text} · RecyClique") }/>
        <Router set_is_routing=set_routing>
            <RouteTitle/>
            <a class="skip-link" href="#contenu" on:click=skip>"Aller au contenu"</a>
            <Header/>
            <p class="routing" role="status" data-testid="routing">{move || routing.get().then_some("Chargement de la page…")}</p>
            <main class="page" id="contenu" tabindex="-1" node_ref=main_ref>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=pages::Home/>
                    <Route path=path!("/login") view=pages::Login/>
                    <Route path=path!("/logout") view=pages::Logout/>
                    <Route path=path!("/reception") view={Lazy::<routes::ReceptionRoute>::new()}/>
                    <Route path=path!("/reception/tickets/:id") view={Lazy::<routes::TicketRoute>::new()}/>
                    <Route path=path!("/reception/tickets/:id/recu") view={Lazy::<routes::ReceiptRoute>::new()}/>
                    <Route path=path!("/caisse") view={Lazy::<routes::TillRoute>::new()}/>
                    <Route path=path!("/admin") view={Lazy::<routes::AdminRoute>::new()}/>
                    <Route path=path!("/admin/users") view={Lazy::<routes::UsersRoute>::new()}/>
                    <Route path=path!("/admin/outbox") view={Lazy::<routes::OutboxRoute>::new()}/>
                    <Route path=path!("/admin/categories") view={Lazy::<routes::CategoriesRoute>::new()}/>
                    <Route path=path!("/admin/exports") view={Lazy::<routes::ExportsRoute>::new()}/>
                    <Route path=path!("/admin/sites") view={Lazy::<routes::SitesRoute>::new()}/>
                    <Route path=path!("/admin/sessions") view={Lazy::<routes::SessionsRoute>::new()}/>
                    <Route path=path!("/admin/sessions/:id") view={Lazy::<routes::SessionDetailRoute>::new()}/>
                    <Route path=path!("/admin/scheduled-reports") view={Lazy::<routes::ScheduledReportsRoute>::new()}/>
                </Routes>
            </main>
        </Router>
    }
}

/// The title of the page at `path` ("Réception · RecyClique"), so that a tab, the
/// history and a screen reader say where one is. A page that knows better (a ticket's
/// number) sets its own `<Title>`, which is mounted later and wins.
pub fn route_title(path: &str) -> &'static str {
    let path = path.trim_end_matches('/');
    match path {
        "" => "Accueil",
        "/login" => "Connexion",
        "/logout" => "Déconnexion",
        "/reception" => "Réception",
        "/caisse" => "Caisse",
        "/admin" => "Administration",
        "/admin/users" => "Utilisateurs",
        "/admin/outbox" => "Courriels",
        "/admin/categories" => "Catégories",
        "/admin/exports" => "Exports",
        "/admin/sites" => "Sites et caisses",
        "/admin/sessions" => "Sessions de caisse",
        "/admin/scheduled-reports" => "Rapports programmés",
        p if p.starts_with("/reception/tickets/") && p.ends_with("/recu") => "Reçu",
        p if p.starts_with("/reception/tickets/") => "Ticket",
        p if p.starts_with("/admin/sessions/") => "Session de caisse",
        _ => "RecyClique",
    }
}

#[component]
fn RouteTitle() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    view! { <Title text=move || route_title(&location.pathname.get())/> }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(http::StatusCode::NOT_FOUND);
    }
    view! { <section class="card"><h1>"Page introuvable"</h1><p><a href="/">"Retour à l'accueil"</a></p></section> }
}

#[component]
fn Header() -> impl IntoView {
    let user = expect_context::<CurrentUser>();
    let logout = ServerAction::<Logout>::new();
    // The badge's count, read with the user at each page load (the server's render
    // carries it), no polling; asked only for admins, whom the function requires.
    let attention = Loaded::new_with_options(
        || (),
        move |_| async move {
            match user.await {
                Ok(Some(u)) if u.has(Permission::Admin) => scheduled_reports_attention().await.ok(),
                _ => None,
            }
        },
        true,
    );
    Effect::new(move |_| {
        if let Some(Ok(())) = logout.value().get() {
            crate::pages::go_to("/login");
        }
    });
    view! {
        <header class="app-header">
            <a class="brand" href="/">"RecyClique"</a>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(u)) => {
                            let nav = [
                                (Permission::ReceptionAccess, "/reception", "nav-reception"),
                                (Permission::CaisseAccess, "/caisse", "nav-caisse"),
                                (Permission::Admin, "/admin", "nav-admin"),
                            ]
                                .into_iter()
                                .filter(|(p, _, _)| u.has(*p))
                                .map(|(p, href, id)| view! { <A href=href attr:data-testid=id>{p.label()}</A> })
                                .collect_view();
                            let badge = attention_badge(attention.await);
                            view! {
                                <nav class="app-nav" aria-label="Navigation principale">{nav}</nav>
                                <div class="app-user">
                                    {badge}
                                    <span data-testid="header-user">{u.display_name.clone()}</span>
                                    <button
                                        type="button"
                                        data-testid="logout-button"
                                        on:click=move |_| {
                                            logout.dispatch(Logout {});
                                        }
                                    >
                                        "Se déconnecter"
                                    </button>
                                </div>
                            }
                                .into_any()
                        }
                        _ => ().into_any(),
                    }
                })}
            </Suspense>
        </header>
    }
}

/// For admins: how many scheduled reports failed their last run or are paused, as a
/// link to their page; nothing when none.
fn attention_badge(count: Option<i64>) -> impl IntoView {
    count.filter(|n| *n > 0).map(|n| {
        let words = if n == 1 { "1 rapport programmé en échec ou en pause".to_string() } else { format!("{n} rapports programmés en échec ou en pause") };
        view! {
            <a class="attention-badge" href="/admin/scheduled-reports" data-testid="header-attention" title=words.clone() aria-label=words>
                "⚠ "<span data-testid="header-attention-count">{n}</span>
            </a>
        }
    })
}
