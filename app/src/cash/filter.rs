//! The one cash-session filter: the audit list (`/admin/sessions` and
//! `GET /v1/admin/cash-sessions`), its exports and scheduled reports of type
//! `cash_session` select with it, under the same names. All conditions combine with
//! AND; the period is on the opening day (Paris), end day included.
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{CashSessionId, PaymentMethod, RegisterId, SessionStatus, SiteId, UserId};
use crate::auth::{Permission, UserView};
use crate::error::AppError;
use crate::filter::{id_words, period_fields, yes_no, Fields, Filter, Scoped};
use crate::money::Cents;
use crate::time::Period;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CashSessionFilter {
    pub period: Option<Period>,
    pub site_id: Option<SiteId>,
    pub register_id: Option<RegisterId>,
    pub operator_id: Option<UserId>,
    pub status: Option<SessionStatus>,
    /// Bounds on the session's sales total (items, donations excluded), inclusive.
    pub amount_min_cents: Option<Cents>,
    pub amount_max_cents: Option<Cents>,
    /// Closed with a cash variance (true) or exactly balanced (false).
    pub has_variance: Option<bool>,
    /// Absolute cash variance at least this.
    pub variance_threshold_cents: Option<Cents>,
    /// Bounds on the duration of closed sessions, inclusive.
    pub duration_min_minutes: Option<i64>,
    pub duration_max_minutes: Option<i64>,
    /// Sessions having a payment by one of these methods (read from the payments).
    pub payment_methods: Vec<PaymentMethod>,
    pub has_donation: Option<bool>,
    /// Operator name, comment text, or the start of the session id.
    pub search: Option<String>,
    /// Exactly this session (its close report).
    pub session_id: Option<CashSessionId>,
}

fn non_negative(field: &'static str) -> impl Fn(&str) -> Result<i64, AppError> {
    move |v| match v.parse::<i64>() {
        Ok(n) if n >= 0 => Ok(n),
        _ => Err(AppError::field(field, format!("{field} : un nombre entier positif est attendu, pas « {} ».", crate::error::truncate(v)))),
    }
}

fn boolean(field: &'static str) -> impl Fn(&str) -> Result<bool, AppError> {
    move |v| match v {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(AppError::field(field, format!("{field} doit valoir true ou false, pas « {} ».", crate::error::truncate(v)))),
    }
}

impl CashSessionFilter {
    /// The audit is for admins; anyone else sees only the sessions they operated.
    pub fn scope(mut self, actor: &UserView) -> Scoped<Self> {
        if !actor.has(Permission::Admin) {
            self.operator_id = Some(actor.id);
        }
        Scoped::new(self)
    }
}

impl Filter for CashSessionFilter {
    const FIELDS: &'static [&'static str] = &[
        "period",
        "date_from",
        "date_to",
        "site_id",
        "register_id",
        "operator_id",
        "status",
        "amount_min_cents",
        "amount_max_cents",
        "has_variance",
        "variance_threshold_cents",
        "duration_min_minutes",
        "duration_max_minutes",
        "payment_methods",
        "has_donation",
        "search",
        "session_id",
    ];
    const LIST_FIELDS: &'static [&'static str] = &["payment_methods"];

    fn from_fields(f: &Fields<'_>) -> Result<Self, AppError> {
        let cents = |name: &'static str| f.parse(name, non_negative(name)).map(|v| v.map(Cents));
        let mut payment_methods = Vec::new();
        if let Some(list) = f.get("payment_methods") {
            for m in list.split(',').map(str::trim).filter(|m| !m.is_empty()) {
                let m = PaymentMethod::parse(m).map_err(|e| AppError::field("payment_methods", format!("payment_methods : {e}")))?;
                if !payment_methods.contains(&m) {
                    payment_methods.push(m);
                }
            }
        }
        let search = f.get("search").map(|s| s.chars().take(100).collect::<String>());
        let out = Self {
            period: f.period()?,
            site_id: f.id("site_id")?,
            register_id: f.id("register_id")?,
            operator_id: f.id("operator_id")?,
            status: f.parse("status", SessionStatus::parse)?,
            amount_min_cents: cents("amount_min_cents")?,
            amount_max_cents: cents("amount_max_cents")?,
            has_variance: f.parse("has_variance", boolean("has_variance"))?,
            variance_threshold_cents: cents("variance_threshold_cents")?,
            duration_min_minutes: f.parse("duration_min_minutes", non_negative("duration_min_minutes"))?,
            duration_max_minutes: f.parse("duration_max_minutes", non_negative("duration_max_minutes"))?,
            payment_methods,
            has_donation: f.parse("has_donation", boolean("has_donation"))?,
            search,
            session_id: f.id("session_id")?,
        };
        if let (Some(min), Some(max)) = (out.amount_min_cents, out.amount_max_cents) {
            if min > max {
                return Err(AppError::field("amount_max_cents", "amount_max_cents doit être supérieur ou égal à amount_min_cents."));
            }
        }
        if let (Some(min), Some(max)) = (out.duration_min_minutes, out.duration_max_minutes) {
            if min > max {
                return Err(AppError::field("duration_max_minutes", "duration_max_minutes doit être supérieur ou égal à duration_min_minutes."));
            }
        }
        Ok(out)
    }

    fn to_fields(&self) -> Vec<(&'static str, String)> {
        let mut out = period_fields(&self.period);
        let mut put = |k: &'static str, v: Option<String>| {
            if let Some(v) = v {
                out.push((k, v));
            }
        };
        put("site_id", self.site_id.map(|v| v.to_string()));
        put("register_id", self.register_id.map(|v| v.to_string()));
        put("operator_id", self.operator_id.map(|v| v.to_string()));
        put("status", self.status.map(|v| v.as_str().to_string()));
        put("amount_min_cents", self.amount_min_cents.map(|v| v.0.to_string()));
        put("amount_max_cents", self.amount_max_cents.map(|v| v.0.to_string()));
        put("has_variance", self.has_variance.map(|v| v.to_string()));
        put("variance_threshold_cents", self.variance_threshold_cents.map(|v| v.0.to_string()));
        put("duration_min_minutes", self.duration_min_minutes.map(|v| v.to_string()));
        put("duration_max_minutes", self.duration_max_minutes.map(|v| v.to_string()));
        put("payment_methods", (!self.payment_methods.is_empty()).then(|| self.payment_methods.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(",")));
        put("has_donation", self.has_donation.map(|v| v.to_string()));
        put("search", self.search.clone());
        put("session_id", self.session_id.map(|v| v.to_string()));
        out
    }

    fn period(&self) -> Option<Period> {
        self.period
    }

    fn describe(&self, name_of: &dyn Fn(uuid::Uuid) -> Option<String>) -> Vec<String> {
        let euros = |c: Cents| format!("{} €", c.to_comma_string());
        let mut out = Vec::new();
        let mut put = |label: &str, v: Option<String>| {
            if let Some(v) = v {
                out.push(format!("{label} : {v}"));
            }
        };
        put("Site", self.site_id.map(|v| id_words(name_of, v.0)));
        put("Caisse", self.register_id.map(|v| id_words(name_of, v.0)));
        put("Opérateur", self.operator_id.map(|v| id_words(name_of, v.0)));
        put("Statut", self.status.map(|v| v.label().to_string()));
        put("Montant minimum", self.amount_min_cents.map(euros));
        put("Montant maximum", self.amount_max_cents.map(euros));
        put("Avec écart de caisse", self.has_variance.map(|v| yes_no(v).to_string()));
        put("Écart d'au moins", self.variance_threshold_cents.map(euros));
        put("Durée minimum", self.duration_min_minutes.map(|v| format!("{v} min")));
        put("Durée maximum", self.duration_max_minutes.map(|v| format!("{v} min")));
        put(
            "Moyens de paiement",
            (!self.payment_methods.is_empty()).then(|| self.payment_methods.iter().map(|m| m.label()).collect::<Vec<_>>().join(", ")),
        );
        put("Avec don", self.has_donation.map(|v| yes_no(v).to_string()));
        put("Recherche", self.search.as_ref().map(|v| format!("« {v} »")));
        put("Session", self.session_id.map(|v| v.to_string()));
        out
    }
}

impl Serialize for CashSessionFilter {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

impl<'de> Deserialize<'de> for CashSessionFilter {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        Self::from_json(&v).map_err(|e| serde::de::Error::custom(e.to_string()))
    }
}

/// The audit list's order: `opened_at`, `total` or `variance` (absolute cash
/// variance), `-` for descending; latest first by default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SessionSort {
    OpenedAt,
    #[default]
    OpenedAtDesc,
    Total,
    TotalDesc,
    Variance,
    VarianceDesc,
}

impl SessionSort {
    pub const ALL: [SessionSort; 6] = [SessionSort::OpenedAt, SessionSort::OpenedAtDesc, SessionSort::Total, SessionSort::TotalDesc, SessionSort::Variance, SessionSort::VarianceDesc];

    pub fn as_str(self) -> &'static str {
        match self {
            SessionSort::OpenedAt => "opened_at",
            SessionSort::OpenedAtDesc => "-opened_at",
            SessionSort::Total => "total",
            SessionSort::TotalDesc => "-total",
            SessionSort::Variance => "variance",
            SessionSort::VarianceDesc => "-variance",
        }
    }

    pub fn parse(raw: Option<&str>) -> Result<Self, AppError> {
        match raw.map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(SessionSort::default()),
            Some(v) => Self::ALL.into_iter().find(|s| s.as_str() == v).ok_or_else(|| {
                AppError::field("sort", format!("sort : tri inconnu « {} » (opened_at, -opened_at, total, -total, variance, -variance).", crate::error::truncate(v)))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_filter_round_trips_through_query_and_json() {
        let q = "period=last_week&site_id=00000000-0000-4000-8000-000000000001&status=closed&amount_min_cents=100&amount_max_cents=5000&has_variance=true&variance_threshold_cents=50&duration_min_minutes=10&duration_max_minutes=600&payment_methods=cash%2Ccheck&has_donation=false&search=Marie%20D";
        let pairs: Vec<(String, String)> = q
            .split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                (k.to_string(), v.replace("%2C", ",").replace("%20", " "))
            })
            .collect();
        let f = CashSessionFilter::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), &[]).unwrap();
        assert_eq!(f.payment_methods, vec![PaymentMethod::Cash, PaymentMethod::Check]);
        assert_eq!(f.to_query(), q);
        assert_eq!(CashSessionFilter::from_json(&f.to_json()).unwrap(), f);
        let repeated = CashSessionFilter::from_pairs([("payment_methods", "card"), ("payment_methods", "free")], &[]).unwrap();
        assert_eq!(repeated.payment_methods, vec![PaymentMethod::Card, PaymentMethod::Free]);
        let json = CashSessionFilter::from_json(&serde_json::json!({"payment_methods": ["card"], "has_donation": true, "amount_min_cents": 250})).unwrap();
        assert_eq!((json.payment_methods, json.has_donation, json.amount_min_cents), (vec![PaymentMethod::Card], Some(true), Some(Cents(250))));
    }

    #[test]
    fn bad_values_name_their_field() {
        let field = |pairs: &[(&str, &str)]| CashSessionFilter::from_pairs(pairs.iter().copied(), &[]).unwrap_err().field_name().map(str::to_string);
        assert_eq!(field(&[("amount_min_cents", "-5")]).as_deref(), Some("amount_min_cents"));
        assert_eq!(field(&[("has_variance", "oui")]).as_deref(), Some("has_variance"));
        assert_eq!(field(&[("payment_methods", "cash,bitcoin")]).as_deref(), Some("payment_methods"));
        assert_eq!(field(&[("amount_min_cents", "500"), ("amount_max_cents", "100")]).as_deref(), Some("amount_max_cents"));
        assert_eq!(field(&[("status", "perdu")]).as_deref(), Some("status"));
        assert_eq!(SessionSort::parse(Some("-total")).unwrap(), SessionSort::TotalDesc);
        assert!(SessionSort::parse(Some("name")).is_err());
    }
}
