//! The live KPI banner: loads with the page, refreshes every 30 s (paused while the tab
//! is hidden, immediately on return), keeps the last figures and marks them stale when a
//! refresh fails. Pages bump [`KpiRefresh`] after a change to refresh at once.
use leptos::prelude::*;

use crate::reception::ReceptionLiveStats;
use crate::reception_api::live_stats;
use crate::load::load;

/// Incremented to ask the banner for fresh figures.
#[derive(Clone, Copy)]
pub struct KpiRefresh(pub RwSignal<u32>);

impl KpiRefresh {
    pub fn provide() -> Self {
        let r = KpiRefresh(RwSignal::new(0));
        provide_context(r);
        r
    }
    pub fn bump() {
        if let Some(r) = use_context::<KpiRefresh>() {
            r.0.update(|v| *v += 1);
        }
    }
}

/// Refresh period of the banner.
#[cfg(feature = "hydrate")]
const REFRESH_MS: u32 = 30_000;

#[component]
pub fn KpiBanner() -> impl IntoView {
    let tick = use_context::<KpiRefresh>().unwrap_or_else(KpiRefresh::provide).0;
    let stats = load(move || tick.get(), |_| live_stats(false));
    let last_good = RwSignal::new(None::<ReceptionLiveStats>);
    let stale = RwSignal::new(false);

    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{closure::Closure, JsCast};
        let hidden = || leptos::prelude::document().hidden();
        let interval = gloo_timers::callback::Interval::new(REFRESH_MS, move || {
            if !hidden() {
                tick.update(|v| *v += 1);
            }
        });
        let on_visible = Closure::<dyn Fn()>::new(move || {
            if !hidden() {
                tick.update(|v| *v += 1);
            }
        });
        let _ = leptos::prelude::document().add_event_listener_with_callback("visibilitychange", on_visible.as_ref().unchecked_ref());
        let guard = send_wrapper::SendWrapper::new((interval, on_visible));
        on_cleanup(move || {
            let (interval, on_visible) = guard.take();
            let _ = leptos::prelude::document().remove_event_listener_with_callback("visibilitychange", on_visible.as_ref().unchecked_ref());
            drop(interval);
        });
    }

    view! {
        <section class="kpi-banner" data-testid="kpi-banner" aria-live="polite" aria-label="Indicateurs du jour">
            <Transition fallback=|| view! { <p class="notice">"Chargement des indicateurs…"</p> }>
                {move || Suspend::new(async move {
                    let shown = match stats.await {
                        Ok(s) => {
                            last_good.set(Some(s.clone()));
                            stale.set(false);
                            Some(s)
                        }
                        Err(_) => {
                            stale.set(true);
                            last_good.get_untracked()
                        }
                    };
                    match shown {
                        None => view! { <p class="error" data-testid="kpi-error">"Indicateurs indisponibles pour l'instant."</p> }.into_any(),
                        Some(s) => view! { <KpiFigures stats=s stale=stale.get_untracked()/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn KpiFigures(stats: ReceptionLiveStats, stale: bool) -> impl IntoView {
    // Each figure says what it counts: "entrées" is the weight received, "sorties" the
    // weight that left (exit lines), so nobody reads one for the other.
    let figure = |label: &'static str, hint: &'static str, value: String, id: &'static str| {
        view! {
            <div class="kpi">
                <span class="kpi-value" data-testid=id>{value}</span>
                <span class="kpi-label">{label}</span>
                <span class="kpi-hint">{hint}</span>
            </div>
        }
    };
    let updated = stats.generated_at.with_timezone(&chrono_tz::Europe::Paris).format("%H:%M:%S").to_string();
    let mine = stats.mine.clone().map(|m| {
        view! {
            <div class="kpis kpis-mine" data-testid="kpi-mine" role="group" aria-label="Mes chiffres du jour">
                <h3 class="kpi-group">"Moi aujourd'hui"</h3>
                {figure("Mes tickets", "créés aujourd'hui", m.tickets.to_string(), "kpi-mine-tickets")}
                {figure("Mes lignes", "pesées", m.lines_count.to_string(), "kpi-mine-lines")}
                {figure("Mes entrées (kg)", "poids reçu", crate::format::weight(m.entry_weight_kg), "kpi-mine-entry-weight")}
                {figure("Mes sorties (kg)", "poids sorti", crate::format::weight(m.exit_weight_kg), "kpi-mine-exit-weight")}
            </div>
        }
    });
    let site_label = if mine.is_some() { "Site aujourd'hui" } else { "Aujourd'hui" };
    view! {
        <div class="kpis" role="group" aria-label="Chiffres du site aujourd'hui">
            <h3 class="kpi-group">{site_label}</h3>
            {figure("Tickets", "datés d'aujourd'hui", stats.tickets_today.to_string(), "kpi-tickets-today")}
            {figure("Tickets ouverts", "en cours de saisie", stats.tickets_open.to_string(), "kpi-tickets-open")}
            {figure("Lignes", "pesées du jour", stats.lines_count.to_string(), "kpi-lines")}
            {figure("Entrées (kg)", "poids reçu", crate::format::weight(stats.total_weight_kg), "kpi-entry-weight")}
            {figure("Sorties (kg)", "poids sorti", crate::format::weight(stats.exit_weight_kg), "kpi-exit-weight")}
        </div>
        {mine}
        <p class="kpi-meta">
            <span data-testid="kpi-updated">{format!("Mis à jour à {updated}")}</span>
            {stale.then(|| view! { <span class="stale" data-testid="kpi-stale" role="status">" — données non actualisées (serveur injoignable)"</span> })}
        </p>
    }
}
