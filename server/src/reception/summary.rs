//! The summary sheet ("Synthèse") of the reception bulk export, the table a manager
//! reads first: subtotals by category (each category with all its sub-categories, so a
//! parent counts each of its children's lines once, and the top-level rows add up to
//! the totals), the detail by category, destination and flow, subtotals by destination,
//! a total per flow and the grand total. Entries and exits stay apart everywhere but in
//! the grand total: an entry weight excludes exits. Sums are in grams, converted once.
use std::collections::{HashMap, HashSet};

use app::ids::CategoryId;
use app::reception::{category_tree, Category, Destination};
use app::weight::Weight;

use crate::export::{col, Cell, Column};
use crate::storage::reception::SummaryRow;

pub const SUMMARY_COLUMNS: [Column; 7] = [
    col("Rubrique", "section", 18.0),
    col("Catégorie parente", "parent_category", 24.0),
    col("Catégorie", "category", 24.0),
    col("Destination", "destination", 12.0),
    col("Flux", "flow", 10.0),
    col("Lignes", "lines_count", 8.0),
    col("Poids (kg)", "poids_kg", 14.0),
];

/// What a summary row adds up; its first cell, so the autofilter picks one kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// A top-level category with all its sub-categories.
    Category,
    /// A category below another one, with its own sub-categories.
    Subcategory,
    /// One category's own lines for one destination and flow.
    Detail,
    Destination,
    /// All lines of one flow.
    Flow,
    /// Every line, entries and exits.
    Total,
}

impl Section {
    fn code(self) -> &'static str {
        match self {
            Section::Category => "category",
            Section::Subcategory => "subcategory",
            Section::Detail => "detail",
            Section::Destination => "destination",
            Section::Flow => "flow",
            Section::Total => "total",
        }
    }

    fn label(self, exit: Option<bool>) -> &'static str {
        match (self, exit) {
            (Section::Category, _) => "Catégorie",
            (Section::Subcategory, _) => "Sous-catégorie",
            (Section::Detail, _) => "Détail",
            (Section::Destination, _) => "Destination",
            (Section::Flow, Some(true)) => "Total sorties",
            (Section::Flow, _) => "Total entrées",
            (Section::Total, _) => "Total général",
        }
    }
}

/// One row of the summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SummaryEntry {
    pub section: Section,
    pub parent: Option<String>,
    pub category: Option<String>,
    pub destination: Option<Destination>,
    /// `Some(true)` exits, `Some(false)` entries, `None` both (the grand total).
    pub exit: Option<bool>,
    pub lines: i64,
    pub grams: i64,
}

impl SummaryEntry {
    fn new(section: Section, exit: Option<bool>, (lines, grams): (i64, i64)) -> Self {
        Self { section, parent: None, category: None, destination: None, exit, lines, grams }
    }
}

/// Lines and grams of `rows`.
fn sum<'a>(rows: impl IntoIterator<Item = &'a SummaryRow>) -> (i64, i64) {
    rows.into_iter().fold((0, 0), |(l, g), r| (l + r.lines, g + r.grams))
}

/// The summary's rows, from the per category, destination and flow sums of one
/// snapshot and the category tree read in the same snapshot.
pub fn summary_entries(rows: &[SummaryRow], categories: &[Category]) -> Vec<SummaryEntry> {
    let tree = category_tree(categories, |_| true);
    let position: HashMap<CategoryId, usize> = tree.iter().enumerate().map(|(i, (_, c))| (c.id, i)).collect();
    let by_id: HashMap<CategoryId, &Category> = categories.iter().map(|c| (c.id, c)).collect();

    // Each row counts once for its own category and once for each ancestor; a visited
    // set keeps a damaged tree (a cycle) from counting a line twice.
    let mut subtree: HashMap<(CategoryId, bool), (i64, i64)> = HashMap::new();
    for r in rows {
        let mut seen = HashSet::new();
        let mut at = Some(r.category_id);
        while let Some(id) = at.filter(|id| seen.insert(*id)) {
            let s = subtree.entry((id, r.is_exit)).or_default();
            *s = (s.0 + r.lines, s.1 + r.grams);
            at = by_id.get(&id).and_then(|c| c.parent_id);
        }
    }

    let mut out = Vec::new();
    let name = |id: Option<CategoryId>| id.and_then(|id| by_id.get(&id)).map(|c| c.name.clone());
    for (depth, c) in &tree {
        for exit in [false, true] {
            if let Some(s) = subtree.get(&(c.id, exit)) {
                let section = if *depth == 0 { Section::Category } else { Section::Subcategory };
                out.push(SummaryEntry { parent: name(c.parent_id), category: Some(c.name.clone()), ..SummaryEntry::new(section, Some(exit), *s) });
            }
        }
    }
    // A category outside the tree (its parent missing) still shows, as a top level.
    let mut outside: Vec<&SummaryRow> = rows.iter().filter(|r| !position.contains_key(&r.category_id)).collect();
    outside.sort_by(|a, b| (&a.category_name, a.category_id.0, a.is_exit).cmp(&(&b.category_name, b.category_id.0, b.is_exit)));
    outside.dedup_by(|a, b| a.category_id == b.category_id && a.is_exit == b.is_exit);
    for r in outside {
        let s = subtree.get(&(r.category_id, r.is_exit)).copied().unwrap_or_default();
        out.push(SummaryEntry { category: Some(r.category_name.clone()), parent: r.parent_category_name.clone(), ..SummaryEntry::new(Section::Category, Some(r.is_exit), s) });
    }

    let mut detail: Vec<&SummaryRow> = rows.iter().collect();
    detail.sort_by_key(|r| (position.get(&r.category_id).copied().unwrap_or(usize::MAX), r.category_name.clone(), r.destination, r.is_exit));
    out.extend(detail.into_iter().map(|r| SummaryEntry {
        parent: r.parent_category_name.clone(),
        category: Some(r.category_name.clone()),
        destination: Some(r.destination),
        ..SummaryEntry::new(Section::Detail, Some(r.is_exit), (r.lines, r.grams))
    }));

    for d in Destination::ALL {
        for exit in [false, true] {
            let s = sum(rows.iter().filter(|r| r.destination == d && r.is_exit == exit));
            if s.0 > 0 {
                out.push(SummaryEntry { destination: Some(d), ..SummaryEntry::new(Section::Destination, Some(exit), s) });
            }
        }
    }
    // The flow totals and the grand total are always there, zero included.
    for exit in [false, true] {
        out.push(SummaryEntry::new(Section::Flow, Some(exit), sum(rows.iter().filter(|r| r.is_exit == exit))));
    }
    out.push(SummaryEntry::new(Section::Total, None, sum(rows)));
    out
}

/// A line's flow: `Entrée` or `Sortie` for people, `entrée` or `sortie` for programs.
pub(super) fn flow(exit: bool) -> Cell<'static> {
    if exit {
        Cell::label("sortie", "Sortie")
    } else {
        Cell::label("entrée", "Entrée")
    }
}

pub fn summary_cells(e: &SummaryEntry) -> [Cell<'_>; SUMMARY_COLUMNS.len()] {
    [
        Cell::label(e.section.code(), e.section.label(e.exit)),
        e.parent.as_deref().map_or(Cell::Empty, Cell::user),
        e.category.as_deref().map_or(Cell::Empty, Cell::user),
        e.destination.map_or(Cell::Empty, |d| Cell::label(d.as_str(), d.label())),
        e.exit.map_or(Cell::Empty, flow),
        Cell::Int(e.lines),
        Cell::Weight(Weight::from_grams(e.grams)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat(n: u128, parent: Option<u128>, name: &str, order: i32) -> Category {
        Category {
            id: CategoryId(uuid::Uuid::from_u128(n)),
            parent_id: parent.map(|p| CategoryId(uuid::Uuid::from_u128(p))),
            name: name.into(),
            display_order: order,
            visible_reception: true,
            archived: false,
        }
    }

    fn row(c: &Category, parent: Option<&str>, destination: Destination, is_exit: bool, lines: i64, grams: i64) -> SummaryRow {
        SummaryRow { category_id: c.id, category_name: c.name.clone(), parent_category_name: parent.map(str::to_string), destination, is_exit, lines, grams }
    }

    fn find<'a>(out: &'a [SummaryEntry], section: Section, category: Option<&str>, exit: Option<bool>) -> &'a SummaryEntry {
        out.iter().find(|e| e.section == section && e.category.as_deref() == category && e.exit == exit).unwrap_or_else(|| panic!("{section:?} {category:?} {exit:?} in {out:#?}"))
    }

    #[test]
    fn parents_count_their_children_once_and_top_levels_add_up() {
        let textile = cat(1, None, "Textile", 1);
        let linge = cat(2, Some(1), "Linge de maison", 1);
        let draps = cat(3, Some(2), "Draps", 1);
        let mobilier = cat(4, None, "Mobilier", 0);
        let cats = vec![textile.clone(), linge.clone(), draps.clone(), mobilier.clone()];
        let rows = vec![
            row(&textile, None, Destination::Revente, false, 1, 2_000),
            row(&linge, Some("Textile"), Destination::Recyclage, false, 2, 3_000),
            row(&linge, Some("Textile"), Destination::Recyclage, true, 1, 1_000),
            row(&draps, Some("Linge de maison"), Destination::Don, false, 1, 500),
            row(&mobilier, None, Destination::Revente, false, 3, 10_250),
        ];
        let out = summary_entries(&rows, &cats);
        assert_eq!(find(&out, Section::Category, Some("Textile"), Some(false)).grams, 5_500, "own, child and grandchild lines");
        assert_eq!(find(&out, Section::Category, Some("Textile"), Some(false)).lines, 4);
        assert_eq!(find(&out, Section::Subcategory, Some("Linge de maison"), Some(false)).grams, 3_500);
        assert_eq!(find(&out, Section::Subcategory, Some("Linge de maison"), Some(false)).parent.as_deref(), Some("Textile"));
        assert_eq!(find(&out, Section::Category, Some("Textile"), Some(true)).grams, 1_000);
        // The tree's display order: Mobilier (order 0) first, children under their parent.
        let categories: Vec<(&str, Option<bool>)> =
            out.iter().filter(|e| matches!(e.section, Section::Category | Section::Subcategory)).map(|e| (e.category.as_deref().unwrap(), e.exit)).collect();
        assert_eq!(
            categories,
            [
                ("Mobilier", Some(false)),
                ("Textile", Some(false)),
                ("Textile", Some(true)),
                ("Linge de maison", Some(false)),
                ("Linge de maison", Some(true)),
                ("Draps", Some(false))
            ]
        );
        for exit in [false, true] {
            let top: i64 = out.iter().filter(|e| e.section == Section::Category && e.exit == Some(exit)).map(|e| e.grams).sum();
            let details: i64 = out.iter().filter(|e| e.section == Section::Detail && e.exit == Some(exit)).map(|e| e.grams).sum();
            let destinations: i64 = out.iter().filter(|e| e.section == Section::Destination && e.exit == Some(exit)).map(|e| e.grams).sum();
            let flow = find(&out, Section::Flow, None, Some(exit)).grams;
            assert_eq!((top, details, destinations), (flow, flow, flow), "never double counted ({exit})");
        }
        assert_eq!(find(&out, Section::Flow, None, Some(false)).grams, 15_750);
        let total = out.last().unwrap();
        assert_eq!((total.section, total.lines, total.grams), (Section::Total, 8, 16_750));
        assert_eq!(out.iter().filter(|e| e.section == Section::Destination).count(), 4, "revente, recyclage (both flows), don");
    }

    #[test]
    fn an_empty_period_still_has_its_totals() {
        let out = summary_entries(&[], &[cat(1, None, "Textile", 0)]);
        let sections: Vec<Section> = out.iter().map(|e| e.section).collect();
        assert_eq!(sections, [Section::Flow, Section::Flow, Section::Total]);
        assert!(out.iter().all(|e| e.lines == 0 && e.grams == 0));
    }
}
