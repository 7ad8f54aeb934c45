//! Authentication (passwords, sessions, login throttling) and user administration.
mod limits;
mod password;
mod session;
mod users;

pub use limits::{address_key, GateStats, LoginLimits, PasswordGate};
pub use password::{hash_password, verify_password};
pub use session::{authenticate, login, logout, session_hash, SESSION_COOKIE};
pub use users::{create_user, create_user_unchecked, ensure_initial_admin, list_users, reset_password, update_user, InitialAdmin};

/// The one permission check (see `app::auth::require`). Services call it even when
/// their callers already did: a service must be safe whoever calls it.
pub use app::auth::require;
