//! Request extractors whose failures are `ApiError`s (so every refusal has
//! an `ErrorBody`): JSON bodies, query strings, and the device's bearer
//! token.

use crate::app::AppState;
use crate::error::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use gocua_central::DeviceAuth;
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
        let DeviceToken(token) = DeviceToken::from_request_parts(parts, state).await?;
        let auth = state.db_read(move |db| db.authenticate(&token)).await?;
        Ok(Device(auth))
    }
}

/// The bearer token alone, checked by the handler inside its own database
/// call (`CentralDb::authenticate`, a 401 when unknown or revoked). Push and
/// pull use it: on SQLite every database call waits its turn at the gate,
/// and with 200 devices syncing, authenticating in a call of its own made
/// each request wait in that queue twice. A missing token is a 401 here.
pub struct DeviceToken(pub String);

impl<S: Send + Sync> FromRequestParts<S> for DeviceToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|t| !t.is_empty())
            .map(|t| DeviceToken(t.to_string()))
            .ok_or(ApiError::NoToken)
    }
}
