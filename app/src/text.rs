//! Free text typed by users (ticket line notes, sale notes, close comments): the one
//! rule for what is kept.

use crate::error::AppError;

/// Trimmed, at most 1000 characters, line breaks and tabs allowed but no other control
/// character; empty is `None`. `field` names the field in the error (`notes`,
/// `comment`...).
pub fn clean_text(raw: Option<&str>, field: &str) -> Result<Option<String>, AppError> {
    match raw.map(str::trim).filter(|n| !n.is_empty()) {
        None => Ok(None),
        Some(n) if n.chars().count() > 1000 => Err(AppError::field(field, format!("{field} : au plus 1000 caractères."))),
        Some(n) if n.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) => {
            Err(AppError::field(field, format!("{field} : caractères invalides.")))
        }
        Some(n) => Ok(Some(n.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_bounded_and_free_of_control_characters() {
        assert!(clean_text(Some("a\u{0}b"), "notes").is_err());
        assert_eq!(clean_text(Some(" ligne 1\nligne 2 "), "notes").unwrap().as_deref(), Some("ligne 1\nligne 2"));
        assert_eq!(clean_text(Some("   "), "notes").unwrap(), None);
        assert_eq!(clean_text(Some(&"é".repeat(1000)), "notes").unwrap().map(|s| s.chars().count()), Some(1000));
        let e = clean_text(Some(&"é".repeat(1001)), "comment").unwrap_err();
        assert_eq!(e.field_name(), Some("comment"));
    }
}
