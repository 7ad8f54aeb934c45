//! Cash as both sides see it: sites, registers, till sessions, sales with items and
//! split payments, the close with a per-method count, and the session audit filter.
//! Money is whole cents ([`Cents`]); weights are exact ([`Weight`]).
mod filter;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
pub use crate::ids::{CashSessionId, CategoryId, RegisterId, SaleId, SiteId, UserId};
use crate::money::Cents;
use crate::weight::Weight;
pub use filter::{CashSessionFilter, SessionSort};

/// How a sale was paid. `Free` is given away ("Gratuit / Don"): the items keep their
/// value for statistics, no drawer receives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaymentMethod {
    Cash,
    Card,
    Check,
    Free,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 4] = [PaymentMethod::Cash, PaymentMethod::Card, PaymentMethod::Check, PaymentMethod::Free];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Cash => "cash",
            PaymentMethod::Card => "card",
            PaymentMethod::Check => "check",
            PaymentMethod::Free => "free",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PaymentMethod::Cash => "Espèces",
            PaymentMethod::Card => "Carte",
            PaymentMethod::Check => "Chèque",
            PaymentMethod::Free => "Gratuit",
        }
    }

    pub fn parse(s: &str) -> Result<Self, AppError> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == s.trim())
            .ok_or_else(|| AppError::invalid(format!("Moyen de paiement inconnu : « {} » (cash, card, check ou free).", crate::error::truncate(s.trim()))))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionStatus {
    Open,
    Closed,
}

impl SessionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Open => "open",
            SessionStatus::Closed => "closed",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SessionStatus::Open => "Ouverte",
            SessionStatus::Closed => "Fermée",
        }
    }
    /// The status as a word in a table cell of an export (`ouverte`), like the
    /// reception's ticket statuses.
    pub fn word(self) -> &'static str {
        match self {
            SessionStatus::Open => "ouverte",
            SessionStatus::Closed => "fermée",
        }
    }
    pub fn parse(s: &str) -> Result<Self, AppError> {
        match s.trim() {
            "open" | "opened" => Ok(SessionStatus::Open),
            "closed" => Ok(SessionStatus::Closed),
            other => Err(AppError::invalid(format!("Statut inconnu : « {} » (open ou closed).", crate::error::truncate(other)))),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    pub id: SiteId,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Register {
    pub id: RegisterId,
    pub site_id: SiteId,
    pub site_name: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SiteInput {
    pub name: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RegisterInput {
    pub name: String,
    pub site_id: SiteId,
}

/// A till session with its running totals and, once closed, its count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashSession {
    pub id: CashSessionId,
    pub register_id: RegisterId,
    pub register_name: String,
    pub site_id: SiteId,
    pub site_name: String,
    pub operator_id: UserId,
    pub operator_name: String,
    pub status: SessionStatus,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Opened with a past date: its sales take the session's day.
    pub is_deferred: bool,
    pub opening_float_cents: Cents,
    pub sales_count: i64,
    /// Items of all sales (quantities added up), not sales.
    pub items_count: i64,
    /// Items total of all sales, donations excluded.
    pub total_cents: Cents,
    pub donation_cents: Cents,
    pub cash_cents: Cents,
    pub card_cents: Cents,
    pub check_cents: Cents,
    pub free_cents: Cents,
    pub weight_kg: Weight,
    pub counted_cash_cents: Option<Cents>,
    pub counted_card_cents: Option<Cents>,
    pub counted_check_cents: Option<Cents>,
    pub expected_cash_cents: Option<Cents>,
    pub expected_card_cents: Option<Cents>,
    pub expected_check_cents: Option<Cents>,
    /// Counted cash minus expected cash, at close.
    pub cash_variance_cents: Option<Cents>,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleItem {
    pub category_id: CategoryId,
    pub category_name: String,
    pub quantity: i64,
    pub weight_kg: Option<Weight>,
    pub unit_price_cents: Cents,
    pub line_total_cents: Cents,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub method: PaymentMethod,
    pub amount_cents: Cents,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sale {
    pub id: SaleId,
    pub session_id: CashSessionId,
    pub sold_at: DateTime<Utc>,
    /// Items total, donation excluded.
    pub total_cents: Cents,
    pub donation_cents: Cents,
    pub note: Option<String>,
    pub items: Vec<SaleItem>,
    pub payments: Vec<Payment>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashSessionDetail {
    #[serde(flatten)]
    pub session: CashSession,
    pub sales: Vec<Sale>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OpenSessionRequest {
    pub register_id: RegisterId,
    pub opening_float_cents: Cents,
    /// Admins only: a past instant (a paper sales book typed in later).
    #[serde(default)]
    pub opened_at: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SaleItemInput {
    pub category_id: CategoryId,
    pub quantity: i64,
    #[serde(default, deserialize_with = "crate::weight::line_weight_opt")]
    pub weight_kg: Option<Weight>,
    pub unit_price_cents: Cents,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SaleInput {
    pub items: Vec<SaleItemInput>,
    pub payments: Vec<Payment>,
    #[serde(default)]
    pub donation_cents: Option<Cents>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CloseSessionRequest {
    pub counted_cash_cents: Cents,
    #[serde(default)]
    pub counted_card_cents: Option<Cents>,
    #[serde(default)]
    pub counted_check_cents: Option<Cents>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// The per-method reconciliation of a close: cash against the drawer (opening float +
/// cash payments), card against the terminal total, cheques against the cheques
/// counted. Variances are counted minus expected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reconciliation {
    pub deleted: bool,
    pub session_id: CashSessionId,
    pub closed_at: DateTime<Utc>,
    pub opening_float_cents: Cents,
    pub expected_cash_cents: Cents,
    pub counted_cash_cents: Cents,
    pub cash_variance_cents: Cents,
    pub expected_card_cents: Cents,
    pub counted_card_cents: Option<Cents>,
    pub card_variance_cents: Option<Cents>,
    pub expected_check_cents: Cents,
    pub counted_check_cents: Option<Cents>,
    pub check_variance_cents: Option<Cents>,
    pub comment: Option<String>,
}

/// A session without any sale is not kept: closing it deletes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedSession {
    pub deleted: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CloseOutcome {
    Closed(Reconciliation),
    Deleted(DeletedSession),
}

/// A name typed by an admin (site, register): trimmed, 1 to 100 characters, no control
/// characters.
pub fn clean_name(raw: &str, what: &str) -> Result<String, AppError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(AppError::field("name", format!("Le nom {what} est obligatoire.")));
    }
    if name.chars().count() > 100 {
        return Err(AppError::field("name", format!("Le nom {what} ne peut pas dépasser 100 caractères.")));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::field("name", format!("Le nom {what} contient des caractères invalides.")));
    }
    Ok(name.to_string())
}

/// Totals over every session a filter selects (not only the page shown).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionTotals {
    pub sessions: i64,
    pub sales: i64,
    pub items: i64,
    pub total_cents: Cents,
    pub cash_cents: Cents,
    pub card_cents: Cents,
    pub check_cents: Cents,
    pub free_cents: Cents,
    pub donation_cents: Cents,
    /// Sum of the cash variances of closed sessions.
    pub cash_variance_cents: Cents,
    pub weight_kg: Weight,
}

/// One page of the audit list, with the totals of the whole filtered set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionPage {
    pub items: Vec<CashSession>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    pub totals: SessionTotals,
}

/// Live cash KPIs for the current Paris day (sales dated today, which follow the
/// session for deferred entry).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashLiveStats {
    pub day: chrono::NaiveDate,
    /// Sessions open now, whatever their date.
    pub sessions_open: i64,
    pub sales_count: i64,
    /// Items sold (quantities added up).
    pub items_count: i64,
    /// Items total, donations excluded.
    pub total_cents: Cents,
    pub donation_cents: Cents,
    /// Takings by method; `free` is given away, no drawer receives it.
    pub cash_cents: Cents,
    pub card_cents: Cents,
    pub check_cents: Cents,
    pub free_cents: Cents,
    /// Weight of the items sold that were weighed.
    pub weight_sold_kg: Weight,
}
