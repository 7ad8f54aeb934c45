//! Reception as both sides see it: postes, tickets, lines, categories, live KPIs and the
//! one reception filter, shared so the browser and the server apply the same rules.
mod dashboard;
mod filter;
mod number;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::AppError;
pub use crate::ids::{CategoryId, LigneId, PosteId, TicketId, UserId};
use crate::weight::{line_weight, line_weight_opt, Weight};
pub use dashboard::{BenevoleStats, DashboardPeriod, DashboardPoint, DashboardRanges, ReceptionDashboard, DASHBOARD_PERIODS, TOP_CATEGORIES};
pub use filter::ReceptionFilter;
pub use number::TicketNumber;
/// Ticket lists are paged with the shared page request.
pub use crate::paging::{Page, PageRequest};

/// Where a line's material goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Destination {
    Recyclage,
    Revente,
    Destruction,
    Don,
    Autre,
}

impl Destination {
    pub const ALL: [Destination; 5] = [Destination::Recyclage, Destination::Revente, Destination::Destruction, Destination::Don, Destination::Autre];

    pub fn as_str(self) -> &'static str {
        match self {
            Destination::Recyclage => "recyclage",
            Destination::Revente => "revente",
            Destination::Destruction => "destruction",
            Destination::Don => "don",
            Destination::Autre => "autre",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Destination::Recyclage => "Recyclage",
            Destination::Revente => "Revente",
            Destination::Destruction => "Destruction",
            Destination::Don => "Don",
            Destination::Autre => "Autre",
        }
    }
    pub fn parse(s: &str) -> Result<Self, AppError> {
        Self::ALL.into_iter().find(|d| d.as_str() == s.trim()).ok_or_else(|| {
            AppError::invalid(format!("Destination inconnue : « {} » (recyclage, revente, destruction, don ou autre).", crate::error::truncate(s.trim())))
        })
    }
}

impl<'de> Deserialize<'de> for Destination {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Destination::parse(&raw).map_err(|e| serde::de::Error::custom(e.to_string()))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub id: CategoryId,
    pub parent_id: Option<CategoryId>,
    pub name: String,
    pub display_order: i32,
    pub visible_reception: bool,
    /// Soft-deleted: hidden from entry, kept for statistics.
    pub archived: bool,
}

/// A name as searched at the desk: lower case, French accents dropped, so that "pe",
/// "électro" and "ELECTRO" all find "Petit électroménager". Kept small (no Unicode
/// tables) because it runs in the browser.
pub fn search_key(name: &str) -> String {
    name.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' | 'ì' => 'i',
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ÿ' => 'y',
            'ç' => 'c',
            'œ' => 'o',
            'æ' => 'a',
            other => other,
        })
        .collect()
}

/// The tree flattened in display order (order, then name), children under their
/// parent, with each category's depth; `keep` prunes a category and its subtree.
pub fn category_tree(all: &[Category], keep: impl Fn(&Category) -> bool + Copy) -> Vec<(usize, &Category)> {
    fn walk<'a>(all: &'a [Category], parent: Option<CategoryId>, depth: usize, keep: impl Fn(&Category) -> bool + Copy, out: &mut Vec<(usize, &'a Category)>) {
        let mut level: Vec<&Category> = all.iter().filter(|c| c.parent_id == parent && keep(c)).collect();
        level.sort_by(|a, b| a.display_order.cmp(&b.display_order).then_with(|| a.name.cmp(&b.name)));
        for c in level {
            out.push((depth, c));
            walk(all, Some(c.id), depth + 1, keep, out);
        }
    }
    let mut out = Vec::new();
    walk(all, None, 0, keep, &mut out);
    out
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CategoryInput {
    pub name: String,
    #[serde(default)]
    pub parent_id: Option<CategoryId>,
    #[serde(default)]
    pub display_order: Option<i32>,
    #[serde(default)]
    pub visible_reception: Option<bool>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CategoryUpdate {
    #[serde(default)]
    pub name: Option<String>,
    /// `Some(None)` moves the category to the top level; `None` leaves the parent as
    /// it is. Absent on the wire when `None`: a `null` there means "move to the top",
    /// and archiving from the admin page (which sends this type) used to say so.
    #[serde(default, deserialize_with = "double_option", skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<Option<CategoryId>>,
    #[serde(default)]
    pub display_order: Option<i32>,
    #[serde(default)]
    pub visible_reception: Option<bool>,
    #[serde(default)]
    pub archived: Option<bool>,
}

fn double_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<CategoryId>>, D::Error> {
    Ok(Some(Option::<CategoryId>::deserialize(d)?))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Opened,
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Opened => "opened",
            Status::Closed => "closed",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Status::Opened => "Ouvert",
            Status::Closed => "Fermé",
        }
    }
    /// The status as a word in a table cell of an export (`ouvert`), beside the
    /// capitalised label of badges and headings.
    pub fn word(self) -> &'static str {
        match self {
            Status::Opened => "ouvert",
            Status::Closed => "fermé",
        }
    }
    pub fn parse(s: &str) -> Result<Self, AppError> {
        match s.trim() {
            "opened" | "open" => Ok(Status::Opened),
            "closed" => Ok(Status::Closed),
            other => Err(AppError::invalid(format!("Statut inconnu : « {} » (opened ou closed).", crate::error::truncate(other)))),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Poste {
    pub id: PosteId,
    pub opened_by: UserId,
    pub opened_by_name: String,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Opened with a date in the past (saisie différée of a paper logbook).
    pub is_deferred: bool,
    pub status: Status,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct OpenPosteRequest {
    /// Admins only: a past instant for deferred entry (RFC 3339, or Paris local time).
    #[serde(default)]
    pub opened_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: TicketId,
    /// Short human number (`2026-00123`), shown beside the UUID.
    pub number: TicketNumber,
    pub poste_id: PosteId,
    pub benevole_id: UserId,
    pub benevole_name: String,
    pub status: Status,
    /// The ticket's date for statistics and period filters: its creation time, or the
    /// poste's opening time when the poste is deferred.
    pub ticket_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub is_deferred: bool,
    pub lines_count: i64,
    /// Entries: lines that are not exits.
    pub entry_weight_kg: Weight,
    pub exit_weight_kg: Weight,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ligne {
    pub id: LigneId,
    pub ticket_id: TicketId,
    pub category_id: CategoryId,
    pub category_name: String,
    pub poids_kg: Weight,
    pub destination: Destination,
    pub notes: Option<String>,
    pub is_exit: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketDetail {
    #[serde(flatten)]
    pub ticket: Ticket,
    pub lignes: Vec<Ligne>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LigneInput {
    /// The line's id, chosen by the client when it takes the line: sending the same
    /// line again (a retry after an answer that never arrived) then adds nothing and
    /// answers the line already saved. Optional: the server picks one otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<LigneId>,
    #[serde(deserialize_with = "line_weight")]
    pub poids_kg: Weight,
    pub category_id: CategoryId,
    pub destination: Destination,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub is_exit: bool,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct LigneUpdate {
    #[serde(default, deserialize_with = "line_weight_opt")]
    pub poids_kg: Option<Weight>,
    #[serde(default)]
    pub category_id: Option<CategoryId>,
    #[serde(default)]
    pub destination: Option<Destination>,
    /// `""` clears the notes.
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub is_exit: Option<bool>,
}

/// Live reception KPIs for the current Paris day.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReceptionLiveStats {
    /// The Paris day these figures cover.
    pub day: NaiveDate,
    pub generated_at: DateTime<Utc>,
    pub exclude_deferred: bool,
    /// Tickets dated today.
    pub tickets_today: i64,
    /// Tickets still open, whatever their date.
    pub tickets_open: i64,
    /// Lines of today's tickets (entries and exits).
    pub lines_count: i64,
    /// Entry weight: today's lines that are not exits.
    pub total_weight_kg: Weight,
    /// Exit weight: today's exit lines (sales weight comes with the cash module).
    pub exit_weight_kg: Weight,
    pub by_poste: Vec<PosteStats>,
    pub by_destination: Vec<DestinationStats>,
    pub by_category: Vec<CategoryStats>,
    /// The caller's own tickets of the day, beside the site's figures; absent for
    /// admins, who oversee the site rather than a desk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mine: Option<OwnDayStats>,
}

/// What a poste's shift took in and let out, shown when it closes: its tickets, its
/// entries and exits, by destination.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PosteSummary {
    pub poste_id: PosteId,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub tickets: i64,
    pub lines_count: i64,
    pub entry_weight_kg: Weight,
    pub exit_weight_kg: Weight,
    pub by_destination: Vec<DestinationStats>,
}

/// One bénévole's own figures of the day (tickets they created, their lines).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnDayStats {
    pub tickets: i64,
    pub lines_count: i64,
    pub entry_weight_kg: Weight,
    pub exit_weight_kg: Weight,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PosteStats {
    pub poste_id: PosteId,
    pub opened_by_name: String,
    pub is_deferred: bool,
    pub tickets: i64,
    pub lines_count: i64,
    pub entry_weight_kg: Weight,
    pub exit_weight_kg: Weight,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DestinationStats {
    pub destination: Destination,
    pub lines_count: i64,
    pub entry_weight_kg: Weight,
    pub exit_weight_kg: Weight,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryStats {
    pub category_id: CategoryId,
    pub name: String,
    pub archived: bool,
    pub lines_count: i64,
    pub entry_weight_kg: Weight,
    pub exit_weight_kg: Weight,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_are_found_by_any_part_of_their_name() {
        assert!(search_key("Petit électroménager").contains(&search_key("pe")));
        assert!(search_key("Petit électroménager").contains(&search_key("ELECTRO")));
        assert!(search_key("Électroménager (DEEE)").contains(&search_key("electro")));
        assert!(!search_key("Mobilier").contains(&search_key("pe")));
    }

    #[test]
    fn a_category_update_keeps_its_meaning_on_the_wire() {
        let id = CategoryId(uuid::Uuid::from_u128(3));
        for parent_id in [None, Some(None), Some(Some(id))] {
            let u = CategoryUpdate { parent_id, archived: Some(true), ..Default::default() };
            let back: CategoryUpdate = serde_json::from_str(&serde_json::to_string(&u).unwrap()).unwrap();
            assert_eq!(back.parent_id, parent_id);
        }
    }

}
