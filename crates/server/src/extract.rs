//! Request extractors whose failures are `ApiError`s (so every refusal has
//! an `ErrorBody`): JSON bodies, query strings, and the device's bearer
//! token.

use crate::app::AppState;
use crate::error::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use gocua_store::central::DeviceAuth;
use serde::de::DeserializeOwned;

/// A JSON body; malformed, mistyped, oversized or unknown-field bodies are
/// refused with a 4xx.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|axum::Json(v)| ApiJson(v))
            .map_err(ApiError::Json)
    }
}

/// A query string.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(ApiError::Query)
    }
}

/// The enrolled device making the request, from `Authorization: Bearer
/// TOKEN`. Missing, unknown and revoked tokens are a 401.
pub struct Device(pub DeviceAuth);

impl FromRequestParts<AppState> for Device {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|t| !t.is_empty())
            .ok_or(ApiError::NoToken)?
            .to_string();
        let auth = state.db(move |db| db.authenticate(&token)).await?;
        Ok(Device(auth))
    }
}
