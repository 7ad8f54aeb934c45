//! Formatting shared by pages: one place that decides how dates look to users.
use chrono::{DateTime, Utc};

/// `YYYY-MM-DD HH:MM` in Europe/Paris, the way every date is shown to users.
pub fn paris_datetime(d: DateTime<Utc>) -> String {
    d.with_timezone(&chrono_tz::Europe::Paris).format("%Y-%m-%d %H:%M").to_string()
}

/// `2 500`: an integer with a narrow no-break space between thousands, as French
/// typography (and `Intl.NumberFormat("fr-FR")`) writes it.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_are_grouped_by_three() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(2500), "2\u{202f}500");
        assert_eq!(thousands(-1_234_567), "-1\u{202f}234\u{202f}567");
    }
}
