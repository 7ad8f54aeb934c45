//! Bar charts of weights, drawn as SVG from the data with ordinary view elements: the
//! server renders them in the page, and the same code draws them again in the browser
//! if the data changes, with no chart library in the WASM bundle. Each chart has a
//! title, `role="img"` with words for screen readers, and its figures as a table.
//! Colours and text anchors come from the style sheet (the page's CSP refuses inline
//! styles).
use leptos::prelude::*;

use crate::format::{thousands, weight};
use crate::weight::Weight;

/// One group of bars: its axis label, its words in the table, one value per series.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bar {
    pub short: String,
    pub label: String,
    pub values: Vec<Weight>,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 22.0;
const BOTTOM: f64 = 40.0;
/// Horizontal grid lines above zero.
const TICKS: i64 = 4;
/// At most this many axis labels under the bars, so that they never overlap.
const MAX_X_LABELS: usize = 12;

/// The grams between two grid lines: 1, 2 or 5 times a power of ten, at least 100 g,
/// so that [`TICKS`] of them reach `max_g`.
pub fn axis_step(max_g: i64) -> i64 {
    let target = (max_g.max(1) + TICKS - 1) / TICKS;
    let mut power = 100i64;
    loop {
        for m in [1, 2, 5] {
            if m * power >= target {
                return m * power;
            }
        }
        power *= 10;
    }
}

/// `1 500` or `2,5`: an axis value in kilograms, decimals only when needed (steps are
/// whole tenths of a kilogram).
pub fn axis_label(g: i64) -> String {
    let tenths = (g % 1000) / 100;
    if tenths == 0 {
        thousands(g / 1000)
    } else {
        format!("{},{tenths}", thousands(g / 1000))
    }
}

fn num(v: f64) -> String {
    format!("{v:.1}")
}

#[component]
pub fn BarChart(
    title: String,
    /// Names of the series, in the order of [`Bar::values`] (`Entrées`, `Sorties`).
    series: Vec<&'static str>,
    /// What the bars are (`Jour`, `Mois`), the horizontal axis title and the table's
    /// first header.
    x_title: &'static str,
    bars: Vec<Bar>,
    testid: &'static str,
) -> impl IntoView {
    let max = bars.iter().flat_map(|b| b.values.iter().map(|w| w.grams())).max().unwrap_or(0);
    let step = axis_step(max);
    let top_value = (step * TICKS) as f64;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let y = move |g: i64| TOP + plot_h - g as f64 * plot_h / top_value;
    let slot = plot_w / bars.len().max(1) as f64;
    let per_series = slot * 0.8 / series.len().max(1) as f64;
    let every = bars.len().div_ceil(MAX_X_LABELS).max(1);

    let grid = (0..=TICKS)
        .map(|t| {
            let at = num(y(t * step));
            view! {
                <line class="grid" x1=num(LEFT) x2=num(WIDTH - RIGHT) y1=at.clone() y2=at.clone()></line>
                <text class="y-tick" x=num(LEFT - 6.0) y=num(y(t * step) + 4.0)>{axis_label(t * step)}</text>
            }
        })
        .collect_view();
    let columns = bars
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let left = LEFT + i as f64 * slot + slot * 0.1;
            let rects = b
                .values
                .iter()
                .enumerate()
                .map(|(k, w)| {
                    let top = y(w.grams());
                    view! {
                        <rect class=format!("bar s{k}") x=num(left + k as f64 * per_series) y=num(top) width=num(per_series) height=num(TOP + plot_h - top)></rect>
                    }
                })
                .collect_view();
            let label = (i % every == 0).then(|| {
                view! { <text class="x-tick" x=num(LEFT + (i as f64 + 0.5) * slot) y=num(HEIGHT - BOTTOM + 16.0)>{b.short.clone()}</text> }
            });
            view! { <g>{rects}{label}</g> }
        })
        .collect_view();
    let peak = bars.iter().flat_map(|b| b.values.iter()).max().copied().unwrap_or_default();
    let aria = format!(
        "{title} : histogramme de {} {}, {} ; maximum {} kg. Les valeurs sont dans le tableau qui suit.",
        bars.len(),
        x_title.to_lowercase(),
        series.join(" et "),
        weight(peak)
    );
    let legend = series
        .iter()
        .enumerate()
        .map(|(k, s)| view! { <li><span class=format!("swatch s{k}") aria-hidden="true"></span>{*s}</li> })
        .collect_view();
    let headers = series.iter().map(|s| view! { <th scope="col">{format!("{s} (kg)")}</th> }).collect_view();
    let rows = bars
        .iter()
        .map(|b| {
            let cells = b.values.iter().zip(series.iter()).map(|(w, s)| view! { <td data-label=format!("{s} (kg)")>{weight(*w)}</td> }).collect_view();
            view! { <tr><th scope="row" data-label=x_title>{b.label.clone()}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <figure class="chart" data-testid=testid>
            <figcaption><h3>{title.clone()}</h3></figcaption>
            <svg class="chart-svg" role="img" aria-label=aria viewBox=format!("0 0 {WIDTH} {HEIGHT}") data-testid=format!("{testid}-svg")>
                <text class="axis-title" x="4" y="12">"Poids (kg)"</text>
                {grid}
                {columns}
                <line class="axis" x1=num(LEFT) x2=num(WIDTH - RIGHT) y1=num(TOP + plot_h) y2=num(TOP + plot_h)></line>
                <line class="axis" x1=num(LEFT) x2=num(LEFT) y1=num(TOP) y2=num(TOP + plot_h)></line>
                <text class="axis-title x-title" x=num(LEFT + plot_w / 2.0) y=num(HEIGHT - 4.0)>{x_title}</text>
            </svg>
            <ul class="chart-legend">{legend}</ul>
            <details>
                <summary>"Voir les données (tableau)"</summary>
                <table class="cards-narrow" data-testid=format!("{testid}-table")>
                    <caption>{title}</caption>
                    <thead><tr><th scope="col">{x_title}</th>{headers}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </details>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_have_round_steps_that_reach_the_top_bar() {
        assert_eq!(axis_step(0), 100);
        assert_eq!(axis_step(350), 100);
        assert_eq!(axis_step(401), 200);
        assert_eq!(axis_step(17_000), 5_000);
        assert_eq!(axis_step(20_000), 5_000);
        assert_eq!(axis_step(20_001), 10_000);
        assert_eq!(axis_step(4_337_050), 2_000_000);
        assert_eq!(axis_label(2_500), "2,5");
        assert_eq!(axis_label(1_500_000), "1\u{202f}500");
        assert_eq!(axis_label(0), "0");
    }
}
