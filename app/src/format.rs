//! Formatting shared by pages: one place that decides how dates look to users.
use chrono::{DateTime, Utc};

/// `25/11/2026 14:03` in Europe/Paris, the way every date is shown to users.
pub fn paris_datetime(d: DateTime<Utc>) -> String {
    d.with_timezone(&chrono_tz::Europe::Paris).format("%d/%m/%Y %H:%M").to_string()
}

/// `4 337,05`, `0,125`: a weight on screen, thousands grouped, with two decimals, or
/// three when the grams need them: never rounded (exports keep their own plain
/// decimals).
pub fn weight(w: crate::weight::Weight) -> String {
    let g = w.grams();
    let grams = (g % 1000).abs();
    let decimals = if grams % 10 == 0 { format!("{:02}", grams / 10) } else { format!("{grams:03}") };
    format!("{}{},{decimals}", if g < 0 { "-" } else { "" }, thousands((g / 1000).abs()))
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
    use super::{thousands, weight};
    use crate::weight::Weight;

    #[test]
    fn weights_show_two_decimals_or_three_when_the_grams_need_them() {
        let w = |g: i64| weight(Weight::from_grams(g));
        assert_eq!(w(4_337_050), "4\u{202f}337,05");
        assert_eq!(w(12_500), "12,50");
        assert_eq!(w(125), "0,125");
        assert_eq!(w(1), "0,001");
        assert_eq!(w(0), "0,00");
        assert_eq!(w(3_000), "3,00");
        assert_eq!(w(-1_250), "-1,25");
    }

    #[test]
    fn thousands_are_grouped_by_three() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(2500), "2\u{202f}500");
        assert_eq!(thousands(-1_234_567), "-1\u{202f}234\u{202f}567");
    }

    #[test]
    fn screens_show_french_dates() {
        use chrono::TimeZone;
        let d = chrono::Utc.with_ymd_and_hms(2026, 11, 25, 13, 3, 0).unwrap();
        assert_eq!(super::paris_datetime(d), "25/11/2026 14:03");
    }
}
