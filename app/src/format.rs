//! Formatting shared by pages: one place that decides how dates look to users.
use chrono::{DateTime, Utc};

/// `YYYY-MM-DD HH:MM` in Europe/Paris, the way every date is shown to users.
pub fn paris_datetime(d: DateTime<Utc>) -> String {
    d.with_timezone(&chrono_tz::Europe::Paris).format("%Y-%m-%d %H:%M").to_string()
}
