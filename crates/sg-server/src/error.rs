//! The one API error envelope: `{"error": {"code": "...", "message": "...", "details": ...}}`
//! with a stable `code` per kind of failure.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable, machine-readable: `bad_parameter`, `not_found`, `invalid_file`, `store_error`, …
    pub code: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

impl ApiError {
    pub fn bad(message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::BAD_REQUEST, code: "bad_parameter", message: message.into(), details: None }
    }
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::NOT_FOUND, code: "not_found", message: message.into(), details: None }
    }
    pub fn invalid_file(message: impl Into<String>, details: Value) -> ApiError {
        ApiError { status: StatusCode::UNPROCESSABLE_ENTITY, code: "invalid_file", message: message.into(), details: Some(details) }
    }
    pub fn internal(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::INTERNAL_SERVER_ERROR, code, message: message.into(), details: None }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(code = self.code, "{}", self.message);
        }
        let mut body = json!({"error": {"code": self.code, "message": self.message}});
        if let Some(d) = self.details {
            body["error"]["details"] = d;
        }
        (self.status, Json(body)).into_response()
    }
}

impl From<sg_metrics::MetricsError> for ApiError {
    fn from(e: sg_metrics::MetricsError) -> ApiError {
        match e {
            sg_metrics::MetricsError::BadInput(m) => ApiError::bad(m),
            sg_metrics::MetricsError::Shape(m) => ApiError::internal("internal_error", m),
        }
    }
}

impl From<sg_store::StoreError> for ApiError {
    fn from(e: sg_store::StoreError) -> ApiError {
        ApiError::internal("store_error", e.to_string())
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> ApiError {
        ApiError::internal("internal_error", format!("request task failed: {e}"))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
