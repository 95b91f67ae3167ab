//! Response shapes shared by every route: HAL success bodies, `application/problem+json` errors
//! (with Kommo's `validation-errors` block) and the empty 204.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{json, Value};

use super::store::Id;

/// Content type of every successful body.
pub const HAL_JSON: &str = "application/hal+json";
/// Content type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// What a route handler returns.
pub type ApiResult = Result<Response, Problem>;

/// `200` with a HAL body.
pub fn hal(body: Value) -> Response {
    ([(header::CONTENT_TYPE, HAL_JSON)], body.to_string()).into_response()
}

/// `204` with no body and no content type: Kommo's answer for "nothing found".
pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// `{"self": {"href": href}}`, the `_links` block of every entity.
pub fn self_link(href: String) -> Value {
    json!({ "self": { "href": href } })
}

/// One error inside a `validation-errors` item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// `InvalidType`, `FieldMissing`, `NotSupportedChoice`...
    pub code: &'static str,
    /// Dot path into the submitted item, e.g. `custom_fields_values.0.field_id`.
    pub path: String,
    /// Human text.
    pub detail: String,
}

/// The errors of one submitted item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemErrors {
    /// The item's `request_id`, or its index in the batch as a string.
    pub request_id: String,
    /// What is wrong with it.
    pub errors: Vec<FieldError>,
}

/// An error answered as `application/problem+json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// HTTP status.
    pub status: StatusCode,
    /// The `detail` text.
    pub detail: String,
    /// Per-item validation errors (400 only; omitted when empty).
    pub validation_errors: Vec<ItemErrors>,
}

impl Problem {
    /// A problem with this status and detail.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
            validation_errors: Vec::new(),
        }
    }

    /// `400` without validation errors.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    /// `404` with this detail.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    /// `400 Request validation failed` with per-item errors.
    pub fn validation(items: Vec<ItemErrors>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            detail: "Request validation failed".to_string(),
            validation_errors: items,
        }
    }

    /// `404 Cannot GET http://…`: what Kommo answers for a route it does not have.
    pub fn no_route(method: &str, url: &str) -> Self {
        Self::not_found(format!("Cannot {method} {url}"))
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut body = json!({
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "type": format!("https://httpstatus.es/{}", self.status.as_u16()),
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        if !self.validation_errors.is_empty() {
            body["validation-errors"] = json!(self.validation_errors);
        }
        body
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = self.body().to_string();
        (self.status, [(header::CONTENT_TYPE, PROBLEM_JSON)], body).into_response()
    }
}

/// Parses an id from a path segment; Kommo ids are positive integers.
pub fn parse_id(segment: &str) -> Option<Id> {
    segment.parse::<Id>().ok().filter(|id| *id > 0)
}
