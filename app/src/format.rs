//! Formatting shared by pages: one place that decides how dates look to users.
use chrono::{DateTime, Utc};

/// `25/11/2026 14:03` in Europe/Paris, the way every date is shown to users.
pub fn paris_datetime(d: DateTime<Utc>) -> String {
    d.with_timezone(&chrono_tz::Europe::Paris).format("%d/%m/%Y %H:%M").to_string()
}

/// `4 337,050`: a weight on screen, exact to the gram, thousands grouped (exports keep
/// their own plain decimals).
pub fn weight(w: crate::weight::Weight) -> String {
    let g = w.grams();
    format!("{}{},{:03}", if g < 0 { "-" } else { "" }, thousands((g / 1000).abs()), (g % 1000).abs())
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
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
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

    #[test]
    fn screens_show_french_dates_and_grouped_weights() {
        use chrono::TimeZone;
        let d = chrono::Utc.with_ymd_and_hms(2026, 11, 25, 13, 3, 0).unwrap();
        assert_eq!(super::paris_datetime(d), "25/11/2026 14:03");
        assert_eq!(super::weight(crate::weight::Weight::from_grams(4_337_050)), "4\u{202f}337,050");
        assert_eq!(super::weight(crate::weight::Weight::from_grams(12_500)), "12,500");
    }
}
