//! Authentication (passwords, sessions, login throttling) and user administration.
mod password;
mod session;
mod users;

pub use password::{hash_password, verify_password};
pub use session::{authenticate, login, logout, SESSION_COOKIE};
pub use users::{create_user, create_user_unchecked, ensure_initial_admin, list_users, reset_password, update_user, InitialAdmin};

use app::auth::{Permission, UserView};
use app::error::AppError;

/// Refuses unless `actor` holds `permission` (admin implies all). Services call it even
/// when their callers already did: a service must be safe whoever calls it.
pub fn require(actor: &UserView, permission: Permission) -> Result<(), AppError> {
    if actor.has(permission) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}
