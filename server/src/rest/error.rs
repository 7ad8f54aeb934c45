//! The REST edge: errors as `{"detail": "..."}` with the right status, JSON bodies whose
//! rejections speak French, and the authenticated caller as an extractor.
use app::auth::{Permission, UserView};
use app::error::AppError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;

use crate::state::AppState;

/// An [`AppError`] on its way out of a REST handler.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl From<crate::storage::StoreError> for ApiError {
    fn from(e: crate::storage::StoreError) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = match self.0.field_name() {
            Some(field) => serde_json::json!({ "detail": self.0.to_string(), "field": field }),
            None => serde_json::json!({ "detail": self.0.to_string() }),
        };
        (status, Json(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// `Json<T>` whose rejections are `{"detail"}` in French: 422 for a body of the wrong
/// shape, 400 for a body that is not JSON at all (the content type was checked before,
/// see `crate::http::guard`).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(ApiError(json_rejection(rejection))),
        }
    }
}

fn json_rejection(r: JsonRejection) -> AppError {
    match r {
        JsonRejection::JsonDataError(e) => {
            let text = e.body_text();
            AppError::undecodable(text.strip_prefix("Failed to deserialize the JSON body into the target type: ").unwrap_or(&text))
        }
        JsonRejection::JsonSyntaxError(_) => AppError::BadRequest("Le corps de la requête n'est pas un JSON valide.".into()),
        JsonRejection::MissingJsonContentType(_) => {
            AppError::BadRequest("Le corps de la requête doit être du JSON (Content-Type: application/json).".into())
        }
        _ => AppError::BadRequest("Le corps de la requête n'a pas pu être lu.".into()),
    }
}

/// A JSON body read by hand (an optional one, say), with the same French errors as
/// [`ApiJson`].
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError(AppError::undecodable(&e.to_string())))
}

/// The logged-in caller; anonymous requests are refused with 401.
pub struct Caller(pub UserView);

impl Caller {
    pub fn require(&self, p: Permission) -> Result<&UserView, ApiError> {
        Ok(crate::auth::require(&self.0, p)?)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match crate::auth::authenticate(state, &parts.headers).await? {
            Some(u) => Ok(Caller(u)),
            None => Err(ApiError(AppError::unauthenticated())),
        }
    }
}

/// A permission, as a type, for [`Allowed`].
pub trait Needs: Send + Sync + 'static {
    const PERMISSION: Permission;
}

pub struct AdminOnly;
pub struct CaisseOnly;
pub struct ReceptionOnly;

impl Needs for AdminOnly {
    const PERMISSION: Permission = Permission::Admin;
}
impl Needs for CaisseOnly {
    const PERMISSION: Permission = Permission::CaisseAccess;
}
impl Needs for ReceptionOnly {
    const PERMISSION: Permission = Permission::ReceptionAccess;
}

/// The logged-in caller holding `P::PERMISSION`: 401 for anonymous requests, 403 for a
/// missing permission, checked before the body is read, so that nobody learns how a
/// body they may not send would be validated.
pub struct Allowed<P: Needs>(pub UserView, pub std::marker::PhantomData<P>);

impl<P: Needs> FromRequestParts<AppState> for Allowed<P> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Caller(user) = Caller::from_request_parts(parts, state).await?;
        crate::auth::require(&user, P::PERMISSION)?;
        Ok(Allowed(user, std::marker::PhantomData))
    }
}

/// Unknown `/v1` paths answer in JSON like the rest of the API.
pub async fn not_found() -> ApiError {
    ApiError(AppError::NotFound("Ressource introuvable.".into()))
}

/// `Query<T>` whose rejections are `{"detail"}` in French (422), like [`ApiJson`].
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(r) => {
                let text = r.body_text();
                let (_, message) = app::error::french_decode_error(text.strip_prefix("Failed to deserialize query string: ").unwrap_or(&text));
                Err(ApiError(AppError::Invalid(message.replacen("Données invalides", "Paramètres invalides", 1))))
            }
        }
    }
}
