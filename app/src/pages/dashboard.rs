//! The reception dashboard of the home page: today, this week, this month and this
//! year, the detail of one of them (destinations, top categories, bénévoles for
//! admins), and the weight per day and per month as charts. A bénévole sees their own
//! figures; the server decides (see `ReceptionFilter::scope`).
use chrono::Datelike;
use leptos::prelude::*;

use super::chart::{Bar, BarChart};
use super::fields::{export_lines, DownloadStatus};
use crate::auth::Permission;
use crate::error::AppError;
use crate::format::{thousands, weight};
use crate::reception::{DashboardPeriod, DashboardPoint, ReceptionDashboard, ReceptionFilter};
use crate::reception_api::dashboard;
use crate::shell::CurrentUser;
use crate::time::{french_date, french_month, DateRange, Period, RelativePeriod, MONTH_ABBREVIATIONS};
use crate::load::{load, Loaded};

/// The detail shown first: this month.
const DEFAULT_DETAIL: usize = 2;

/// The figures for the home page, `None` for users without reception access. Made by
/// the page up front (not inside its `Suspend`), so that the server sends it with the
/// page and hydration reads it back in the same order.
pub fn dashboard_resource(user: CurrentUser) -> Loaded<Option<Result<ReceptionDashboard, AppError>>> {
    load(
        || (),
        move |_| async move {
            match user.await {
                Ok(Some(u)) if u.has(Permission::ReceptionAccess) => Some(dashboard(ReceptionFilter::default()).await),
                _ => None,
            }
        },
    )
}

#[component]
pub fn ReceptionDashboardPanel(data: Result<ReceptionDashboard, AppError>) -> impl IntoView {
    view! {
        <section class="dashboard" data-testid="dashboard" aria-labelledby="dashboard-title">
            <h2 id="dashboard-title">"Tableau de bord de la réception"</h2>
            {match data {
                Ok(d) => view! { <DashboardFigures data=d/> }.into_any(),
                Err(e) => view! { <p class="error" role="alert" data-testid="dashboard-error">{e.to_string()}</p> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn DashboardFigures(data: ReceptionDashboard) -> impl IntoView {
    let scope = if data.own_figures {
        "Vos chiffres : les tickets que vous avez saisis, par date de ticket (jours de Paris)."
    } else {
        "Chiffres de tout le site, par date de ticket (jours de Paris). Entrées : poids reçu ; sorties : poids sorti."
    };
    let cards = data.periods.iter().map(|p| view! { <PeriodCard period=p.clone()/> }).collect_view();
    let detail = RwSignal::new(DEFAULT_DETAIL.min(data.periods.len().saturating_sub(1)));
    let periods = StoredValue::new(data.periods.clone());
    let options = data
        .periods
        .iter()
        .enumerate()
        .map(|(i, p)| view! { <option value=i.to_string() selected=i == detail.get_untracked()>{p.label.clone()}</option> })
        .collect_view();
    let daily: Vec<Bar> = data.daily.iter().map(|d| bar(d, format!("{:02}/{:02}", d.date_from.day(), d.date_from.month()), french_date(d.date_from))).collect();
    let monthly: Vec<Bar> = data
        .monthly
        .iter()
        .map(|m| bar(m, format!("{} {:02}", MONTH_ABBREVIATIONS[m.date_from.month0() as usize], m.date_from.year() % 100), french_month(m.date_from)))
        .collect();
    view! {
        <p class="notice" data-testid="dashboard-scope">{scope}</p>
        <div class="period-cards">{cards}</div>
        <div class="dashboard-detail">
            <label for="dash-detail-period">"Détail pour la période"</label>
            <select id="dash-detail-period" data-testid="dash-detail-period" on:change:target=move |ev| {
                if let Ok(i) = ev.target().value().parse::<usize>() {
                    detail.set(i);
                }
            }>
                {options}
            </select>
            {move || periods.with_value(|ps| ps.get(detail.get()).cloned()).map(|p| view! { <PeriodDetail period=p/> })}
        </div>
        <div class="charts">
            <BarChart title="Poids par jour (30 derniers jours)".to_string() series=vec!["Entrées", "Sorties"] x_title="Jour" bars=daily testid="chart-daily"/>
            <BarChart title="Poids par mois (12 derniers mois)".to_string() series=vec!["Entrées", "Sorties"] x_title="Mois" bars=monthly testid="chart-monthly"/>
        </div>
        <FiguresExport/>
    }
}

/// The figures of the cards and charts as a file, for the same reader (the server
/// computes them again, scoped as the dashboard).
#[component]
fn FiguresExport() -> impl IntoView {
    let pending = RwSignal::new(false);
    let result = RwSignal::new(None::<Result<String, String>>);
    let run = move |format: &'static str| {
        pending.set(true);
        result.set(None);
        leptos::task::spawn_local(async move {
            let r = crate::download::download(&format!("/v1/reception/stats/dashboard/export?format={format}")).await;
            pending.set(false);
            result.set(Some(r));
        });
    };
    view! {
        <div class="buttons" role="group" aria-label="Exporter les chiffres du tableau de bord">
            <button type="button" data-testid="dash-figures-csv" disabled=move || pending.get() on:click=move |_| run("csv")>"Exporter les chiffres (CSV)"</button>
            <button type="button" data-testid="dash-figures-xlsx" disabled=move || pending.get() on:click=move |_| run("xlsx")>"Exporter les chiffres (Excel)"</button>
        </div>
        <DownloadStatus result prefix="dash-figures"/>
    }
}

fn bar(p: &DashboardPoint, short: String, label: String) -> Bar {
    Bar { short, label, values: vec![p.entry_weight_kg, p.exit_weight_kg] }
}

#[component]
fn PeriodCard(period: DashboardPeriod) -> impl IntoView {
    let id = period.period.clone();
    let testid = move |what: &str| format!("dash-{id}-{what}");
    let days = DateRange { from: period.date_from, to: period.date_to }.to_string();
    view! {
        <article class="period-card" data-testid=testid("card")>
            <h3>{period.label.clone()}</h3>
            <p class="notice">{days}</p>
            <dl>
                <div><dt>"Entrées (kg)"</dt><dd data-testid=testid("entry")>{weight(period.entry_weight_kg)}</dd></div>
                <div><dt>"Sorties (kg)"</dt><dd data-testid=testid("exit")>{weight(period.exit_weight_kg)}</dd></div>
                <div><dt>"Tickets"</dt><dd data-testid=testid("tickets")>{thousands(period.tickets)}</dd></div>
            </dl>
            <PeriodExportButton period=period.period.clone() label=period.label.clone()/>
        </article>
    }
}

/// The lines of the period as CSV: the figures of the card, line by line, scoped on
/// the server like the dashboard.
#[component]
fn PeriodExportButton(period: String, label: String) -> impl IntoView {
    let pending = RwSignal::new(false);
    let result = RwSignal::new(None::<Result<String, String>>);
    let relative = RelativePeriod::parse(&period).ok();
    // Test ids are the same on every card: tests look inside the card.
    let prefix = "dash-export";
    let run = move |_| {
        let Some(p) = relative else { return };
        let filter = ReceptionFilter { period: Some(Period::Relative(p)), ..Default::default() };
        export_lines(&filter, pending, result);
    };
    view! {
        <button type="button" data-testid=prefix disabled=move || pending.get() on:click=run
            aria-label=format!("Exporter les lignes ({}) en CSV", label.to_lowercase())>
            {move || if pending.get() { "Export en cours…" } else { "Exporter les lignes (CSV)" }}
        </button>
        <DownloadStatus result prefix/>
    }
}

#[component]
fn PeriodDetail(period: DashboardPeriod) -> impl IntoView {
    let destinations = period
        .by_destination
        .iter()
        .map(|d| {
            view! {
                <tr>
                    <th scope="row" data-label="Destination">{d.destination.label()}</th>
                    <td data-label="Entrées (kg)">{weight(d.entry_weight_kg)}</td>
                    <td data-label="Sorties (kg)">{weight(d.exit_weight_kg)}</td>
                    <td data-label="Lignes">{thousands(d.lines_count)}</td>
                </tr>
            }
        })
        .collect_view();
    let categories = period
        .top_categories
        .iter()
        .map(|c| {
            view! {
                <tr>
                    <th scope="row" data-label="Catégorie">{c.name.clone()}{c.archived.then_some(" (archivée)")}</th>
                    <td data-label="Entrées (kg)">{weight(c.entry_weight_kg)}</td>
                    <td data-label="Lignes">{thousands(c.lines_count)}</td>
                </tr>
            }
        })
        .collect_view();
    let empty = |cols: &'static str| view! { <tr><td colspan=cols>"Aucune ligne sur la période."</td></tr> };
    let no_destination = period.by_destination.is_empty().then(|| empty("4"));
    let no_category = period.top_categories.is_empty().then(|| empty("3"));
    let benevoles = (!period.by_benevole.is_empty()).then(|| {
        let rows = period
            .by_benevole
            .iter()
            .map(|b| {
                view! {
                    <tr>
                        <th scope="row" data-label="Bénévole">{b.name.clone()}</th>
                        <td data-label="Tickets">{thousands(b.tickets)}</td>
                        <td data-label="Entrées (kg)">{weight(b.entry_weight_kg)}</td>
                        <td data-label="Sorties (kg)">{weight(b.exit_weight_kg)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="cards-narrow" data-testid="dash-benevoles">
                <caption>{format!("Par bénévole — {}", period.label)}</caption>
                <thead><tr><th scope="col">"Bénévole"</th><th scope="col">"Tickets"</th><th scope="col">"Entrées (kg)"</th><th scope="col">"Sorties (kg)"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
    });
    view! {
        <div class="detail-tables" data-testid="dash-detail">
            <table class="cards-narrow" data-testid="dash-destinations">
                <caption>{format!("Par destination — {}", period.label)}</caption>
                <thead><tr><th scope="col">"Destination"</th><th scope="col">"Entrées (kg)"</th><th scope="col">"Sorties (kg)"</th><th scope="col">"Lignes"</th></tr></thead>
                <tbody>{destinations}{no_destination}</tbody>
            </table>
            <table class="cards-narrow" data-testid="dash-categories">
                <caption>{format!("Catégories les plus reçues — {}", period.label)}</caption>
                <thead><tr><th scope="col">"Catégorie"</th><th scope="col">"Entrées (kg)"</th><th scope="col">"Lignes"</th></tr></thead>
                <tbody>{categories}{no_category}</tbody>
            </table>
            {benevoles}
        </div>
    }
}
