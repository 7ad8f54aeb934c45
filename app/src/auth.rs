//! Users and permissions as both sides see them, with the validation of what users type.
//! Validation lives here so that the server (authoritative) and the browser (early
//! feedback) apply the very same rules.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};


use crate::error::AppError;

/// What a user may do. `Admin` implies every other permission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Permission {
    #[serde(rename = "reception.access")]
    ReceptionAccess,
    #[serde(rename = "caisse.access")]
    CaisseAccess,
    #[serde(rename = "admin")]
    Admin,
}

impl Permission {
    pub const ALL: [Permission; 3] = [Permission::ReceptionAccess, Permission::CaisseAccess, Permission::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ReceptionAccess => "reception.access",
            Permission::CaisseAccess => "caisse.access",
            Permission::Admin => "admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Permission::ReceptionAccess => "Réception",
            Permission::CaisseAccess => "Caisse",
            Permission::Admin => "Administration",
        }
    }

    pub fn parse(s: &str) -> Result<Self, AppError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s.trim())
            .ok_or_else(|| AppError::invalid(format!("Permission inconnue : « {} ».", crate::error::truncate(s.trim()))))
    }

    /// Parses a list from a client, dropping duplicates; the result is sorted.
    pub fn parse_list(items: &[String]) -> Result<Vec<Self>, AppError> {
        let mut out = items.iter().map(|s| Self::parse(s)).collect::<Result<Vec<_>, _>>()?;
        out.sort();
        out.dedup();
        Ok(out)
    }
}

/// A user as shown to clients: never carries the password hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: crate::ids::UserId,
    pub username: String,
    pub display_name: String,
    pub active: bool,
    pub permissions: Vec<Permission>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl UserView {
    pub fn has(&self, p: Permission) -> bool {
        self.active && (self.permissions.contains(&Permission::Admin) || self.permissions.contains(&p))
    }
}

/// The one permission check: REST handlers, server functions and services all call it.
/// Refuses (403) unless `actor` holds `permission` (admin implies all).
pub fn require(actor: &UserView, permission: Permission) -> Result<&UserView, AppError> {
    if actor.has(permission) {
        Ok(actor)
    } else {
        Err(AppError::forbidden())
    }
}

/// A username: 3 to 50 characters among lowercase letters, digits, `.`, `_` and `-`.
/// Stored lowercased so that "Marie" and "marie" cannot be two accounts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let s = raw.trim().to_lowercase();
        let count = s.chars().count();
        if !(3..=50).contains(&count) {
            return Err(AppError::invalid("L'identifiant doit faire entre 3 et 50 caractères."));
        }
        if !s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')) {
            return Err(AppError::invalid(
                "L'identifiant ne peut contenir que des lettres sans accent, des chiffres, « . », « _ » et « - ».",
            ));
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The name shown in the interface: 1 to 100 printable characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(AppError::invalid("Le nom affiché est obligatoire."));
        }
        if s.chars().count() > 100 {
            return Err(AppError::invalid("Le nom affiché ne peut pas dépasser 100 caractères."));
        }
        if s.chars().any(char::is_control) {
            return Err(AppError::invalid("Le nom affiché contient des caractères invalides."));
        }
        // Bidirectional overrides and isolates reorder the text around them: a name
        // could make a table row or a log line read as something else.
        if s.chars().any(|c| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')) {
            return Err(AppError::invalid("Le nom affiché ne peut pas contenir de caractères de contrôle de direction du texte."));
        }
        Ok(Self(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A new password: at least 8 characters, at most 200 (argon2 input stays bounded).
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

impl NewPassword {
    pub const MIN_LEN: usize = 8;
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let count = raw.chars().count();
        if count < Self::MIN_LEN {
            return Err(AppError::invalid(format!(
                "Le mot de passe doit faire au moins {} caractères.",
                Self::MIN_LEN
            )));
        }
        if count > 200 {
            return Err(AppError::invalid("Le mot de passe ne peut pas dépasser 200 caractères."));
        }
        Ok(Self(raw.to_string()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// Body of `POST /v1/admin/users` and of the admin form.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CreateUserRequest {
    pub username: String,
    /// Defaults to the username when absent or blank.
    #[serde(default)]
    pub display_name: Option<String>,
    pub password: String,
    #[serde(default)]
    pub permissions: Vec<String>,
    /// Defaults to true.
    #[serde(default)]
    pub active: Option<bool>,
}

/// Body of `PUT /v1/admin/users/{id}`: absent fields are left unchanged.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct UpdateUserRequest {
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    /// A new password; absent, null or empty keeps the current one.
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub permissions: Option<Vec<String>>,
    #[serde(default)]
    pub active: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_rules() {
        assert_eq!(Username::parse("  Marie.D ").unwrap().as_str(), "marie.d");
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("héloïse").is_err());
        assert!(Username::parse("a b c").is_err());
        assert!(Username::parse(&"x".repeat(51)).is_err());
    }

    #[test]
    fn permissions_parse_and_admin_implies_all() {
        let perms = Permission::parse_list(&["admin".into(), "reception.access".into(), "admin".into()]).unwrap();
        assert_eq!(perms, vec![Permission::ReceptionAccess, Permission::Admin]);
        let err = Permission::parse("root").unwrap_err();
        assert_eq!(err, AppError::Invalid("Permission inconnue : « root ».".into()));
        let now = Utc::now();
        let mut u = UserView {
            id: crate::ids::UserId(uuid::Uuid::nil()),
            username: "a".into(),
            display_name: "A".into(),
            active: true,
            permissions: vec![Permission::Admin],
            created_at: now,
            updated_at: now,
        };
        assert!(u.has(Permission::CaisseAccess));
        u.active = false;
        assert!(!u.has(Permission::Admin));
    }

    #[test]
    fn password_length() {
        assert!(NewPassword::parse("1234567").is_err());
        assert!(NewPassword::parse("12345678").is_ok());
        assert_eq!(format!("{:?}", NewPassword::parse("secret-secret").unwrap()), "NewPassword(***)");
    }
}
