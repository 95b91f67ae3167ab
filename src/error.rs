//! One error type for everything the connector reports, and how it reads.
//!
//! Every message says what was being done and what to do about it. None contains a token:
//! the token only ever lives in the `Authorization` header, which no error captures.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::ConfigError;

/// A field-level problem Kommo reported in a 400 `validation-errors` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationError {
    /// The batch item: the caller's `request_id`, or its array index as a string.
    pub request_id: String,
    /// Kommo's code: `InvalidType`, `NotSupportedChoice`, `FieldMissing`, ...
    pub code: String,
    /// Dot path into the submitted item, e.g. `custom_fields_values.0.field_id`.
    pub path: String,
    /// Kommo's explanation.
    pub detail: String,
}

/// Everything that can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The connection settings are invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),

    /// An argument given by the caller is invalid; nothing was sent to Kommo.
    #[error("{arg}: {message}")]
    InvalidArgument { arg: String, message: String },

    /// 401: the token was refused.
    #[error("Kommo refused the access token (HTTP 401{}) on {context}. Check KOMMO_ACCESS_TOKEN / accessToken: the token may be expired or revoked (long-lived tokens end on the date chosen when they were generated), or it may belong to another Kommo account than {host}", detail_suffix(.detail))]
    Unauthorized {
        context: String,
        host: String,
        detail: Option<String>,
    },

    /// 402: the account's subscription ended.
    #[error("Kommo answered 402 Payment Required on {context}: the account's paid or trial period has ended; renew it in Kommo")]
    PaymentRequired { context: String },

    /// 403 with a JSON body: the token's user lacks a right or scope.
    #[error("Kommo refused {context} (HTTP 403{}): the token's user lacks the right or the integration lacks the scope for it", detail_suffix(.detail))]
    Forbidden { context: String, detail: Option<String> },

    /// 403 with an HTML page: Kommo blocked this IP or account after rate-limit violations.
    #[error("Kommo blocked the request with an HTML 403 page on {context}: this usually means the IP address or account was blocked after exceeding Kommo's limit of 7 requests per second. Stop sending requests and contact Kommo support with your account's subdomain and IP address to lift the block")]
    Blocked { context: String },

    /// Not sent: an HTML 403 block page was seen for this account a moment ago, and the client
    /// holds back every request to it for a cool-down period instead of deepening the block.
    #[error("not sent: Kommo blocked this account's requests with an HTML 403 page {} s ago (on {blocked_on}), which usually means the IP address or account was blocked after exceeding Kommo's limit of 7 requests per second. To avoid prolonging the block, no request is sent to {host} for {} more s ({context} was held back). Contact Kommo support with your account's subdomain and IP address to lift the block", .since.as_secs(), .remaining.as_secs().max(1))]
    SendingPaused {
        context: String,
        host: String,
        blocked_on: String,
        since: Duration,
        remaining: Duration,
    },

    /// A create request was sent but no usable answer came back (timeout, connection dropped,
    /// unreadable body, gateway error): Kommo may or may not have written the data. Never
    /// retried, to avoid duplicates.
    #[error("the outcome of {context} is unknown ({reason}): Kommo may have created the entities or not. It was not retried, to avoid creating duplicates; search for them (by name, phone or email) before trying again")]
    OutcomeUnknown { context: String, reason: String },

    /// 429: too many requests.
    #[error("Kommo's rate limit was hit on {context} (HTTP 429, at most 7 requests per second). Wait a few seconds and try again; repeated violations get the IP blocked")]
    RateLimited {
        context: String,
        retry_after: Option<Duration>,
    },

    /// 404 from Kommo: an unknown route or sub-resource.
    #[error("Kommo answered 404 Not Found on {context}{}", detail_suffix_colon(.detail))]
    NotFound { context: String, detail: Option<String> },

    /// 400 with or without `validation-errors`.
    #[error("Kommo rejected {context} (HTTP 400{}){}", detail_suffix(.detail), validation_suffix(.errors))]
    Validation {
        context: String,
        detail: Option<String>,
        errors: Vec<ValidationError>,
    },

    /// Any other non-success status.
    #[error("Kommo answered HTTP {status} on {context}{}", detail_suffix_colon(.detail))]
    Status {
        status: u16,
        context: String,
        detail: Option<String>,
    },

    /// The server sent HTML where JSON was expected (wrong host, a login page, a proxy).
    #[error("{}", html_text(.context, *.status))]
    Html { context: String, status: u16 },

    /// A 3xx redirect: the account URL is probably wrong.
    #[error("Kommo redirected {context} to {location}: the account address is probably wrong; check baseUrl / KOMMO_BASE_URL or KOMMO_SUBDOMAIN")]
    Redirect { context: String, location: String },

    /// The body could not be understood.
    #[error("Kommo's answer to {context} could not be read: {reason}")]
    InvalidResponse { context: String, reason: String },

    /// No connection could be made (DNS, refused, TLS).
    #[error("could not reach {host} for {context}: {reason}. Check the account address and the network")]
    Connect {
        context: String,
        host: String,
        reason: String,
    },

    /// The request took too long.
    #[error("Kommo did not answer {context} within {}; try again later", seconds(*.after))]
    Timeout { context: String, after: Duration },

    /// Any other transport failure (connection reset mid-request...).
    #[error("the request {context} failed: {reason}")]
    Network { context: String, reason: String },

    /// The OAuth token endpoint refused a code or refresh token (the message says what to do).
    #[error("Kommo OAuth: {message}")]
    OAuth {
        /// HTTP status of the token endpoint (0 when no request was made).
        status: u16,
        /// Kommo's `hint` (e.g. "Token has been revoked").
        hint: Option<String>,
        message: String,
    },

    /// New OAuth tokens could not be saved (token file, token store, onTokens).
    #[error("{message}")]
    TokenStore { message: String },

    /// The caller cancelled long work (an all-pages listing, a batch) between two requests.
    #[error("{context} was cancelled before it finished; requests already answered were not undone")]
    Cancelled { context: String },

    /// A link from Kommo pointed somewhere the token must not go.
    #[error(
        "Kommo's paging link for {context} points to {host}, not to the configured account; refusing to follow it"
    )]
    ForeignLink { context: String, host: String },
}

fn detail_suffix(detail: &Option<String>) -> String {
    match detail {
        Some(d) if !d.is_empty() => format!(": {d}"),
        _ => String::new(),
    }
}

fn detail_suffix_colon(detail: &Option<String>) -> String {
    detail_suffix(detail)
}

fn validation_suffix(errors: &[ValidationError]) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = errors
        .iter()
        .take(10)
        .map(|e| format!("item {} {}: {} ({})", e.request_id, e.path, e.detail, e.code))
        .collect();
    let more = if errors.len() > 10 {
        format!("; and {} more", errors.len() - 10)
    } else {
        String::new()
    };
    format!(". {}{more}", shown.join("; "))
}

impl Error {
    /// An invalid-argument error.
    pub fn invalid(arg: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidArgument {
            arg: arg.into(),
            message: message.into(),
        }
    }

    /// HTTP status behind this error, when it came from Kommo.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Unauthorized { .. } => Some(401),
            Error::PaymentRequired { .. } => Some(402),
            Error::Forbidden { .. } | Error::Blocked { .. } | Error::SendingPaused { .. } => Some(403),
            Error::NotFound { .. } => Some(404),
            Error::RateLimited { .. } => Some(429),
            Error::Validation { .. } => Some(400),
            Error::Status { status, .. } | Error::Html { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// A caller's mistake rather than a failure of Kommo or the network.
    pub fn is_programmer_error(&self) -> bool {
        matches!(self, Error::Config(_) | Error::InvalidArgument { .. })
    }
}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The message of [`Error::Html`]: a gateway page is Kommo's (or a proxy's) passing trouble; any
/// other HTML page means the address does not lead to the API.
fn html_text(context: &str, status: u16) -> String {
    if (500..=599).contains(&status) {
        format!("Kommo answered {context} with an HTML error page (HTTP {status}): Kommo or a proxy in between is having trouble; try again in a minute")
    } else {
        format!("Kommo answered {context} with an HTML page (HTTP {status}) instead of JSON: check that baseUrl / KOMMO_BASE_URL is your account's address (https://<subdomain>.kommo.com)")
    }
}

/// A duration as people read it: `30 s`, `1.5 s`, `300 ms`.
pub fn seconds(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn html_pages_are_explained_by_their_status() {
        let gateway = Error::Html {
            context: "GET /api/v4/leads".into(),
            status: 502,
        }
        .to_string();
        assert!(gateway.contains("try again in a minute"), "{gateway}");
        assert!(!gateway.contains("baseUrl"), "{gateway}");
        let login = Error::Html {
            context: "GET /api/v4/leads".into(),
            status: 200,
        }
        .to_string();
        assert!(login.contains("baseUrl / KOMMO_BASE_URL"), "{login}");
    }

    #[test]
    fn durations_read_as_people_write_them() {
        use std::time::Duration;
        assert_eq!(seconds(Duration::from_secs(30)), "30 s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(seconds(Duration::from_millis(300)), "300 ms");
    }

    use super::*;

    #[test]
    fn validation_errors_are_listed_per_item() {
        let e = Error::Validation {
            context: "POST /api/v4/contacts".into(),
            detail: Some("Request validation failed".into()),
            errors: vec![ValidationError {
                request_id: "1".into(),
                code: "NotSupportedChoice".into(),
                path: "custom_fields_values.0.field_id".into(),
                detail: "The value you selected is not a valid choice.".into(),
            }],
        };
        assert_eq!(
            e.to_string(),
            "Kommo rejected POST /api/v4/contacts (HTTP 400: Request validation failed). item 1 custom_fields_values.0.field_id: The value you selected is not a valid choice. (NotSupportedChoice)"
        );
    }

    #[test]
    fn unauthorized_says_what_to_check() {
        let e = Error::Unauthorized {
            context: "GET /api/v4/leads/pipelines".into(),
            host: "acme.kommo.com".into(),
            detail: None,
        };
        let s = e.to_string();
        assert!(s.contains("KOMMO_ACCESS_TOKEN"));
        assert!(s.contains("acme.kommo.com"));
    }
}
