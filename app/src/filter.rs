//! What every domain's filter shares. A filter is one typed value per domain (the
//! reception filter, the cash-session filter), read by one parser whether it comes from
//! a query string, a JSON body or a stored scheduled report, so the same text always
//! means the same rows. On its way to the database it is scoped to the caller
//! ([`Scoped`], made only by the domain's scope function) and its period resolved
//! against an instant ([`Resolved`]).
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::error::{truncate, AppError};
use crate::time::{DateRange, Period, UtcRange};

/// A domain filter: named fields, all optional, combined with AND.
pub trait Filter: Sized + Clone {
    /// The field names it reads (query parameters and JSON keys alike).
    const FIELDS: &'static [&'static str];
    /// The fields that hold a list: given several times in a query string, or as a
    /// comma-separated text, or as a JSON list.
    const LIST_FIELDS: &'static [&'static str] = &[];
    /// Builds the filter from its fields; errors name the field.
    fn from_fields(fields: &Fields<'_>) -> Result<Self, AppError>;
    /// The fields that are set, in their canonical text form.
    fn to_fields(&self) -> Vec<(&'static str, String)>;
    fn period(&self) -> Option<Period>;
    /// The conditions in French words, one per line ("Site : Boutique"), the period
    /// excepted (see [`Period::describe`]): for the header of an exported sheet, a
    /// scheduled report's e-mail and its summary in the modal. `name_of` gives the name
    /// of an id (a site, a user, a category...) when the caller knows it.
    fn describe(&self, name_of: &dyn Fn(uuid::Uuid) -> Option<String>) -> Vec<String>;

    /// From `(name, value)` pairs such as a query string. Names outside
    /// [`Filter::FIELDS`] and `extra` (the caller's own parameters, `format` say) are
    /// refused, so a misspelt filter never silently selects everything.
    fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>, extra: &[&str]) -> Result<Self, AppError> {
        let mut map: BTreeMap<&str, String> = BTreeMap::new();
        for (k, v) in pairs {
            if extra.contains(&k) {
                continue;
            }
            let name = Self::FIELDS.iter().find(|f| **f == k).ok_or_else(|| unknown_field(k))?;
            match map.get_mut(name) {
                None => {
                    map.insert(name, v.to_string());
                }
                // A repeated list parameter (`payment_methods=cash&payment_methods=card`).
                Some(e) if Self::LIST_FIELDS.contains(name) => {
                    e.push(',');
                    e.push_str(v);
                }
                Some(_) => return Err(AppError::field(*name, format!("Paramètres invalides : {name} est donné plusieurs fois."))),
            }
        }
        Self::from_fields(&Fields { map })
    }

    /// From a JSON object (a request body or a scheduled report's `filters_json`).
    /// Values are strings, numbers, booleans, lists of strings, or null (unset).
    fn from_json(value: &serde_json::Value) -> Result<Self, AppError> {
        use serde_json::Value;
        let obj = match value {
            Value::Object(o) => o,
            Value::Null => return Self::from_fields(&Fields { map: BTreeMap::new() }),
            _ => return Err(AppError::field("filters", "Les filtres doivent être un objet JSON.")),
        };
        let mut map = BTreeMap::new();
        for (k, v) in obj {
            let name = Self::FIELDS.iter().find(|f| **f == k.as_str()).ok_or_else(|| unknown_field(k))?;
            let text = match v {
                Value::Null => continue,
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map(str::to_string).ok_or_else(|| AppError::field(*name, format!("{name} : une liste de textes est attendue."))))
                    .collect::<Result<Vec<_>, _>>()?
                    .join(","),
                Value::Object(_) => return Err(AppError::field(*name, format!("{name} : valeur invalide."))),
            };
            map.insert(*name, text);
        }
        Self::from_fields(&Fields { map })
    }

    /// The JSON object form, with only the fields that are set.
    fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(self.to_fields().into_iter().map(|(k, v)| (k.to_string(), serde_json::Value::String(v))).collect())
    }

    /// The query-string form, for links and bookmarks (`period=last_month&status=closed`).
    fn to_query(&self) -> String {
        self.to_fields().iter().map(|(k, v)| format!("{k}={}", url_encode(v))).collect::<Vec<_>>().join("&")
    }
}

fn unknown_field(name: &str) -> AppError {
    AppError::field(truncate(name), format!("Filtre inconnu : « {} ».", truncate(name)))
}

/// The fields of a filter being parsed; empty values count as unset.
pub struct Fields<'a> {
    map: BTreeMap<&'a str, String>,
}

impl Fields<'_> {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    /// Parses `name` with `parse`; its error is reported on that field.
    pub fn parse<T>(&self, name: &str, parse: impl FnOnce(&str) -> Result<T, AppError>) -> Result<Option<T>, AppError> {
        self.get(name)
            .map(|v| {
                parse(v).map_err(|e| match e {
                    e @ AppError::InvalidField { .. } => e,
                    other => AppError::field(name, format!("{name} : {other}")),
                })
            })
            .transpose()
    }

    /// An id field.
    pub fn id<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, AppError> {
        self.parse(name, |v| v.parse::<T>().map_err(|_| AppError::field(name, format!("{name} invalide : « {} ».", truncate(v)))))
    }

    /// The period fields `period`, `date_from` and `date_to`.
    pub fn period(&self) -> Result<Option<Period>, AppError> {
        Period::parse(self.get("period"), self.get("date_from"), self.get("date_to"))
    }
}

/// The text fields of a period, as a filter writes them back.
pub fn period_fields(period: &Option<Period>) -> Vec<(&'static str, String)> {
    match period {
        None => vec![],
        Some(Period::Relative(p)) => vec![("period", p.as_str().to_string())],
        Some(Period::Dates(r)) => vec![("date_from", r.from.to_string()), ("date_to", r.to.to_string())],
    }
}

/// Percent-encodes a query-string value (everything but unreserved characters).
pub fn url_encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A filter narrowed to what its caller may see. Only the domain's scope function
/// (e.g. [`crate::reception::ReceptionFilter::scope`]) makes one, at the edge of the
/// server where the caller is known; services and storage accept nothing else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scoped<F>(F);

impl<F: Filter> Scoped<F> {
    pub(crate) fn new(filter: F) -> Self {
        Scoped(filter)
    }

    pub fn filter(&self) -> &F {
        &self.0
    }

    /// Resolves the period in Paris as it is at `now`.
    pub fn resolve(self, now: DateTime<Utc>) -> Resolved<F> {
        self.resolve_in(chrono_tz::Europe::Paris, now)
    }

    /// Resolves the period counting days in `tz` (a scheduled report's time zone).
    pub fn resolve_in(self, tz: Tz, now: DateTime<Utc>) -> Resolved<F> {
        let dates = self.0.period().map(|p| p.resolve_in(tz, now));
        let range = dates.map_or_else(UtcRange::all, |d| d.utc_bounds_in(tz));
        Resolved { filter: self.0, dates, range }
    }

    /// Resolves over `dates` (Paris days) instead of the filter's own period: for
    /// readers that choose their days themselves, such as the dashboard.
    pub fn over(self, dates: DateRange) -> Resolved<F> {
        Resolved { filter: self.0, dates: Some(dates), range: dates.utc_bounds() }
    }
}

/// A scoped filter whose period is fixed: what storage reads with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved<F> {
    filter: F,
    dates: Option<DateRange>,
    range: UtcRange,
}

impl<F> Resolved<F> {
    pub fn filter(&self) -> &F {
        &self.filter
    }
    /// The days selected, if the filter has a period.
    pub fn dates(&self) -> Option<DateRange> {
        self.dates
    }
    /// The instants selected, `[from, to)`; everything when there is no period.
    pub fn range(&self) -> UtcRange {
        self.range
    }
}

/// An id shown by its name when known, else by its first characters.
pub fn id_words(name_of: &dyn Fn(uuid::Uuid) -> Option<String>, id: uuid::Uuid) -> String {
    name_of(id).unwrap_or_else(|| format!("n° {}", &id.simple().to_string()[..8]))
}

/// `oui` / `non`.
pub fn yes_no(b: bool) -> &'static str {
    if b {
        "oui"
    } else {
        "non"
    }
}
