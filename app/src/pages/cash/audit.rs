//! Admin page `/admin/sessions`: the session audit. Every field of the cash-session
//! filter is a labelled form field; applying the form writes the filter into the URL
//! (so a view can be bookmarked or sent), and the results are read from the URL alone:
//! loading the address restores the form and the results. Sorting and paging happen on
//! the server; the totals cover the whole filtered set; the exports send the same
//! filter to the export route.
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;

use super::filter_form::{CashFilterFields, CashFilterForm};
use crate::pages::choice::Choice;
use super::reconciliation::signed;
use crate::auth::Permission;
use crate::cash::{CashSessionFilter, SessionSort};
use crate::cash_api::list_sessions;
use crate::download::download_post;
use crate::error::AppError;
use crate::filter::{url_encode, Filter};
use crate::pages::fields::DownloadStatus;
use crate::pages::guard::Guarded;
use crate::pages::scheduled_reports::SaveAsScheduledReport;
use crate::schedule::report::ReportType;
use crate::load::load;

/// Parameters of the page besides the filter.
const PAGE_PARAMS: [&str; 3] = ["sort", "page", "page_size"];
const PAGE_SIZES: [i64; 4] = [25, 50, 100, 200];

#[component]
pub fn AdminSessions() -> impl IntoView {
    view! {
        <Guarded permission=Some(Permission::Admin)>
            <AuditPanel/>
        </Guarded>
    }
}

/// What the URL asks for: the filter, the order and the page.
#[derive(Clone, Debug, PartialEq)]
struct AuditQuery {
    filter: CashSessionFilter,
    sort: SessionSort,
    page: i64,
    page_size: i64,
}

impl AuditQuery {
    fn from_params(q: &ParamsMap) -> Result<Self, AppError> {
        let pairs: Vec<(String, String)> = q.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let filter = CashSessionFilter::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), &PAGE_PARAMS)?;
        let sort = SessionSort::parse(q.get_str("sort"))?;
        let number = |name: &str, default: i64| -> Result<i64, AppError> {
            match q.get_str(name).map(str::trim).filter(|v| !v.is_empty()) {
                None => Ok(default),
                Some(v) => v.parse::<i64>().map_err(|_| AppError::field(name, format!("{name} doit être un nombre entier."))),
            }
        };
        Ok(AuditQuery { filter, sort, page: number("page", 1)?, page_size: number("page_size", 50)? })
    }

    /// The address of this query, at `page`.
    fn href(&self, page: i64) -> String {
        let mut q = self.filter.to_query();
        for (k, v) in [("sort", self.sort.as_str().to_string()), ("page", page.to_string()), ("page_size", self.page_size.to_string())] {
            if !q.is_empty() {
                q.push('&');
            }
            q.push_str(&format!("{k}={}", url_encode(&v)));
        }
        format!("/admin/sessions?{q}")
    }
}

/// The form: the filter's fields, the order and the page size.
#[derive(Clone, Copy)]
struct AuditForm {
    filter: CashFilterForm,
    sort: RwSignal<String>,
    page_size: RwSignal<String>,
}

impl AuditForm {
    fn new() -> Self {
        AuditForm {
            filter: CashFilterForm::new(),
            sort: RwSignal::new(SessionSort::default().as_str().to_string()),
            page_size: RwSignal::new("50".into()),
        }
    }

    /// Fills the form from the URL's parameters.
    fn load(&self, q: &ParamsMap) {
        let mut fields: Vec<(&str, String)> = CashSessionFilter::FIELDS.iter().filter(|f| !CashSessionFilter::LIST_FIELDS.contains(f)).filter_map(|f| q.get_str(f).map(|v| (*f, v.to_string()))).collect();
        let methods = q.get_all("payment_methods").unwrap_or_default().join(",");
        fields.push(("payment_methods", methods));
        self.filter.load_fields(&fields);
        self.sort.set(q.get("sort").unwrap_or_else(|| SessionSort::default().as_str().to_string()));
        self.page_size.set(q.get("page_size").unwrap_or_else(|| "50".into()));
    }

    /// The query the form asks for, checked by the one filter parser (first page).
    fn query(&self) -> Result<AuditQuery, AppError> {
        let filter = self.filter.filter()?;
        let sort = SessionSort::parse(Some(&self.sort.get_untracked()))?;
        let page_size = self.page_size.get_untracked().parse().unwrap_or(50);
        Ok(AuditQuery { filter, sort, page: 1, page_size })
    }
}

fn sort_label(s: SessionSort) -> &'static str {
    match s {
        SessionSort::OpenedAtDesc => "Ouverture, plus récentes d'abord",
        SessionSort::OpenedAt => "Ouverture, plus anciennes d'abord",
        SessionSort::TotalDesc => "Total, du plus grand",
        SessionSort::Total => "Total, du plus petit",
        SessionSort::VarianceDesc => "Écart d'espèces, du plus grand",
        SessionSort::Variance => "Écart d'espèces, du plus petit",
    }
}

#[component]
fn AuditPanel() -> impl IntoView {
    let params = use_query_map();
    let form = AuditForm::new();
    form.load(&params.get_untracked());
    // Back and forward in the browser change the URL: the form follows.
    Effect::new(move |_| params.with(|q| form.load(q)));
    let form_error = RwSignal::new(None::<AppError>);
    let navigate = use_navigate();
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match form.query() {
            Ok(q) => {
                form_error.set(None);
                navigate(&q.href(1), Default::default());
            }
            Err(e) => form_error.set(Some(e)),
        }
    };
    let asked = Memo::new(move |_| params.with(AuditQuery::from_params));
    let results = load(
        move || asked.get(),
        |q| async move {
            let q = q?;
            list_sessions(q.filter, Some(q.sort.as_str().to_string()), q.page, q.page_size).await
        },
    );
    view! {
        <h1 class="page-title" data-testid="admin-sessions">"Sessions de caisse"</h1>
        <section class="card">
            <h2>"Filtres"</h2>
            <p class="notice">"Tous les filtres se combinent. La période porte sur le jour d'ouverture (heure de Paris), dernier jour inclus : une période nommée, ou des dates. L'adresse de la page garde les filtres : ajoutez-la à vos favoris."</p>
            <form class="form-grid filters" data-testid="audit-form" on:submit=apply>
                <CashFilterFields form=form.filter prefix="f"/>
                <OrderFields form/>
                <div class="buttons span-all">
                    <button type="submit" class="primary" data-testid="audit-apply">"Appliquer les filtres"</button>
                    <a class="button-link" href="/admin/sessions" data-testid="audit-reset">"Tout effacer"</a>
                </div>
            </form>
            {move || form_error.get().map(|e| view! { <p class="error" role="alert" data-testid="audit-form-error">{e.to_string()}</p> })}
        </section>
        <Transition fallback=|| view! { <section class="card"><p>"Chargement…"</p></section> }>
            {move || Suspend::new(async move {
                match (results.await, asked.get_untracked()) {
                    (Ok(page), Ok(query)) => view! { <AuditResults query page/> }.into_any(),
                    (Err(e), _) | (_, Err(e)) => view! { <section class="card"><p class="error" role="alert" data-testid="audit-error">{e.to_string()}</p></section> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The order and page size, after the filter's fields.
#[component]
fn OrderFields(form: AuditForm) -> impl IntoView {
    view! {
        <Choice id="f-sort".to_string() label="Tri" value=form.sort all=None
            options=SessionSort::ALL.iter().map(|s| (s.as_str().to_string(), sort_label(*s).to_string())).collect()/>
        <Choice id="f-page-size".to_string() label="Sessions par page" value=form.page_size all=None
            options=PAGE_SIZES.iter().map(|n| (n.to_string(), n.to_string())).collect()/>
    }
}

#[component]
fn AuditResults(query: AuditQuery, page: crate::cash::SessionPage) -> impl IntoView {
    let t = page.totals.clone();
    let pages = ((page.total + page.page_size - 1) / page.page_size).max(1);
    let prev = (page.page > 1).then(|| query.href(page.page - 1));
    let next = (page.page < pages).then(|| query.href(page.page + 1));
    let export_result = RwSignal::new(None::<Result<String, String>>);
    let export_pending = RwSignal::new(false);
    let filters = query.filter.to_json();
    let saved_filters = filters.clone();
    let sort = query.sort.as_str();
    let export = move |format: &'static str| {
        let body = serde_json::json!({ "filters": filters.clone(), "format": format, "sort": sort }).to_string();
        export_pending.set(true);
        export_result.set(None);
        leptos::task::spawn_local(async move {
            let r = download_post("/v1/admin/reports/cash-sessions/export-bulk", body).await;
            export_pending.set(false);
            export_result.set(Some(r));
        });
    };
    let export_xlsx = export.clone();
    view! {
        <section class="card" data-testid="audit-totals">
            <h2>"Totaux de la sélection"</h2>
            <dl class="figures">
                <div><dt>"Sessions"</dt><dd data-testid="totals-sessions">{t.sessions}</dd></div>
                <div><dt>"Ventes"</dt><dd data-testid="totals-sales">{t.sales}</dd></div>
                <div><dt>"Articles"</dt><dd data-testid="totals-items">{t.items}</dd></div>
                <div><dt>"Total des ventes"</dt><dd data-testid="totals-total">{t.total_cents.to_string()}</dd></div>
                <div><dt>"Espèces"</dt><dd data-testid="totals-cash">{t.cash_cents.to_string()}</dd></div>
                <div><dt>"Carte"</dt><dd data-testid="totals-card">{t.card_cents.to_string()}</dd></div>
                <div><dt>"Chèques"</dt><dd data-testid="totals-check">{t.check_cents.to_string()}</dd></div>
                <div><dt>"Gratuit"</dt><dd data-testid="totals-free">{t.free_cents.to_string()}</dd></div>
                <div><dt>"Dons"</dt><dd data-testid="totals-donations">{t.donation_cents.to_string()}</dd></div>
                <div><dt>"Somme des écarts d'espèces"</dt><dd data-testid="totals-variance">{signed(t.cash_variance_cents)}</dd></div>
                <div><dt>"Poids vendu"</dt><dd data-testid="totals-weight">{format!("{} kg", crate::format::weight(t.weight_kg))}</dd></div>
            </dl>
            <div class="buttons">
                <button type="button" data-testid="audit-export-xlsx" disabled=move || export_pending.get() on:click=move |_| export_xlsx("xlsx")>
                    "Exporter la sélection (Excel)"
                </button>
                <button type="button" data-testid="audit-export-csv" disabled=move || export_pending.get() on:click=move |_| export("csv")>
                    "Exporter la sélection (CSV)"
                </button>
                {move || export_pending.get().then_some(view! { <span class="notice">"Export en cours…"</span> })}
            </div>
            <SaveAsScheduledReport report_type=ReportType::CashSession filters=Callback::new(move |()| Ok(saved_filters.clone()))/>
            <DownloadStatus result=export_result prefix="audit-export"/>
        </section>
        <section class="card">
            <div class="card-head">
                <h2>"Sessions"</h2>
                <span class="notice" data-testid="audit-page-info">{format!("Page {} sur {pages} · {} session(s)", page.page, page.total)}</span>
            </div>
            {if page.items.is_empty() {
                view! { <p class="notice" data-testid="audit-empty">"Aucune session ne correspond à ces filtres."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="cards-narrow" data-testid="audit-table">
                            <thead><tr>
                                <th scope="col">"Ouverture"</th><th scope="col">"Fermeture"</th><th scope="col">"Caisse"</th>
                                <th scope="col">"Opérateur"</th><th scope="col">"Statut"</th><th scope="col" class="num">"Ventes"</th>
                                <th scope="col" class="num">"Articles"</th><th scope="col" class="num">"Total"</th><th scope="col" class="num">"Dons"</th>
                                <th scope="col" class="num">"Écart espèces"</th><th scope="col">"Détail"</th>
                            </tr></thead>
                            <tbody>
                                {page.items.into_iter().map(|s| view! {
                                    <tr data-testid="audit-row" data-session-id=s.id.to_string()>
                                        <td data-label="Ouverture">{crate::format::paris_datetime(s.opened_at)}{s.is_deferred.then_some(" (différée)")}</td>
                                        <td data-label="Fermeture">{s.closed_at.map(crate::format::paris_datetime).unwrap_or_default()}</td>
                                        <td data-label="Caisse">{format!("{} — {}", s.register_name, s.site_name)}</td>
                                        <td data-label="Opérateur">{s.operator_name.clone()}</td>
                                        <td data-label="Statut">{s.status.label()}</td>
                                        <td class="num" data-label="Ventes">{s.sales_count}</td>
                                        <td class="num" data-label="Articles">{s.items_count}</td>
                                        <td class="num" data-label="Total">{s.total_cents.to_string()}</td>
                                        <td class="num" data-label="Dons">{s.donation_cents.to_string()}</td>
                                        <td class="num" data-label="Écart espèces" data-testid="audit-row-variance">{s.cash_variance_cents.map(signed).unwrap_or_default()}</td>
                                        <td data-label="Détail"><a href=format!("/admin/sessions/{}", s.id) data-testid="audit-row-link">"Voir le détail"</a></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            <nav class="pager" aria-label="Pages">
                {prev.map(|h| view! { <a class="button-link" href=h data-testid="audit-prev">"‹ Page précédente"</a> })}
                {next.map(|h| view! { <a class="button-link" href=h data-testid="audit-next">"Page suivante ›"</a> })}
            </nav>
        </section>
    }
}
