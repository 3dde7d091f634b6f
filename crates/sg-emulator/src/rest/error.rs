//! Bitrix24 error bodies: `{"error": CODE, "error_description": TEXT}` with the HTTP status the
//! real service uses for that code.

use serde_json::{Value, json};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub description: String,
}

impl ApiError {
    pub fn new(status: u16, code: &str, description: &str) -> Self {
        ApiError { status, code: code.to_string(), description: description.to_string() }
    }
    /// Legacy CRM methods answer 400 with an empty code and the meaning in the text.
    pub fn legacy(description: &str) -> Self {
        ApiError::new(400, "", description)
    }
    pub fn method_not_found() -> Self {
        ApiError::new(404, "ERROR_METHOD_NOT_FOUND", "Method not found!")
    }
    pub fn query_limit() -> Self {
        ApiError::new(503, "QUERY_LIMIT_EXCEEDED", "Too many requests")
    }
    pub fn operation_time_limit() -> Self {
        ApiError::new(429, "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit.")
    }
    pub fn no_auth() -> Self {
        ApiError::new(401, "NO_AUTH_FOUND", "Wrong authorization data")
    }
    pub fn argument(description: &str) -> Self {
        ApiError::new(400, "ERROR_ARGUMENT", description)
    }
    pub fn body(&self) -> Value {
        json!({"error": self.code, "error_description": self.description})
    }
}
