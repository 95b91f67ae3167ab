//! The one HTTP transport every Kommo call goes through.
//!
//! Bearer auth, JSON bodies, a `User-Agent`, connect and request timeouts, gzip, no redirects
//! (a redirect means a wrong account address, and following one could carry the token
//! elsewhere). Responses become typed values or a typed [`Error`]: 204 is "no content",
//! problem+json bodies are parsed, HTML pages (401/403/429) are recognised and explained.
//!
//! Pacing ([`super::limiter`]) and retries ([`super::retry`]) sit in [`Transport::send`], so
//! every resource module gets them without change.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, LOCATION};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use url::Url;

use crate::api::limiter::{self, AccountGate};
use crate::api::retry;
use crate::config::KommoConfig;
use crate::error::{Error, Result, ValidationError};

/// Time allowed to open a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Time allowed for a whole request, body included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest body we read from an error response (bytes).
const MAX_ERROR_BODY: usize = 64 * 1024;
/// Largest successful answer accepted (bytes); a page of 250 leads is about 1 MB.
const MAX_BODY: usize = 32 << 20;

/// Query parameters in order, with Kommo's bracket syntax built by the helpers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds `key=value`.
    pub fn push(&mut self, key: impl Into<String>, value: impl ToString) -> &mut Self {
        self.0.push((key.into(), value.to_string()));
        self
    }
    /// Adds `key=value` when `value` is `Some`.
    pub fn opt<V: ToString>(&mut self, key: &str, value: Option<V>) -> &mut Self {
        if let Some(v) = value {
            self.push(key, v);
        }
        self
    }
    /// Adds `filter[name][]=v` for each value.
    pub fn filter_list<V: std::fmt::Display>(&mut self, name: &str, values: &[V]) -> &mut Self {
        for v in values {
            self.push(format!("filter[{name}][]"), v);
        }
        self
    }
    /// Adds `filter[name][from]` / `filter[name][to]`.
    pub fn filter_range(&mut self, name: &str, from: Option<i64>, to: Option<i64>) -> &mut Self {
        self.opt(&format!("filter[{name}][from]"), from);
        self.opt(&format!("filter[{name}][to]"), to);
        self
    }
    /// Adds `with=a,b` when the list is not empty.
    pub fn with(&mut self, values: &[&str]) -> &mut Self {
        if !values.is_empty() {
            self.push("with", values.join(","));
        }
        self
    }
    /// The pairs.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }
    fn apply(&self, url: &mut Url) {
        if !self.0.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(self.0.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        }
    }
}

/// A successful response: status and body (empty for 204).
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Response {
    /// Parses the body, or `None` for 204 / an empty body (Kommo's "nothing found").
    pub fn json<T: DeserializeOwned>(&self, context: &str) -> Result<Option<T>> {
        if self.status == 204 || self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        match serde_json::from_slice(&self.body) {
            Ok(v) => Ok(Some(v)),
            Err(e) if looks_like_html(&self.body) => {
                let _ = e;
                Err(Error::Html {
                    context: context.to_string(),
                    status: self.status,
                })
            }
            Err(e) => Err(Error::InvalidResponse {
                context: context.to_string(),
                reason: e.to_string(),
            }),
        }
    }
}

/// Kommo's `application/problem+json` body.
#[derive(Debug, Default, Deserialize)]
struct Problem {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default, rename = "validation-errors")]
    validation_errors: Vec<ProblemItem>,
}

#[derive(Debug, Deserialize)]
struct ProblemItem {
    #[serde(default, deserialize_with = "string_or_number")]
    request_id: String,
    #[serde(default)]
    errors: Vec<ProblemError>,
}

#[derive(Debug, Deserialize)]
struct ProblemError {
    #[serde(default)]
    code: String,
    #[serde(default)]
    path: String,
    #[serde(default)]
    detail: String,
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => s,
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    })
}

/// True for bodies that are HTML pages (nginx error pages, login pages).
pub fn looks_like_html(body: &[u8]) -> bool {
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(body.len());
    let head = &body[start..body.len().min(start + 512)];
    let lower = String::from_utf8_lossy(head).to_ascii_lowercase();
    lower.starts_with("<!doctype")
        || lower.starts_with("<html")
        || lower.starts_with("<head")
        || lower.starts_with("<body")
        || (lower.starts_with('<') && (lower.contains("<html") || lower.contains("<body")))
}

/// How requests are authorised.
pub enum Auth {
    /// A long-lived token (or a plain access token): sent as is, never refreshed. The header
    /// value is marked sensitive so it is never printed.
    Static(HeaderValue),
    /// OAuth: the token comes from the manager, which refreshes (and saves) it.
    OAuth(Box<crate::api::oauth::TokenManager>),
}

/// Shared HTTP machinery for one account and token.
pub struct Transport {
    http: reqwest::Client,
    config: KommoConfig,
    /// How requests are authorised (static token or OAuth).
    auth: Auth,
    /// Metadata cached for this account (pipelines, users, field definitions).
    pub(crate) cache: crate::api::cache::Cache,
    /// Pacing and the block breaker, shared by every transport of the account.
    gate: Arc<AccountGate>,
    /// Time allowed for one attempt, body included ([`REQUEST_TIMEOUT`] unless set for tests).
    request_timeout: Duration,
    /// What is retried, how often and for how long.
    policy: retry::Policy,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("account", &self.config.base_url())
            .finish_non_exhaustive()
    }
}

pub(crate) fn install_crypto_provider() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        // Fails only if another provider was installed first, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Transport {
    /// Builds the transport for a validated config.
    pub fn new(config: KommoConfig) -> Result<Self> {
        Self::with_store(config, None)
    }

    /// Builds the transport; for an OAuth config, `store` keeps refreshed tokens.
    pub fn with_store(config: KommoConfig, store: Option<Arc<dyn crate::api::oauth::TokenStore>>) -> Result<Self> {
        install_crypto_provider();
        let auth = match &config.oauth {
            Some(oauth) => Auth::OAuth(Box::new(crate::api::oauth::TokenManager::new(&config, oauth, store)?)),
            None => Auth::Static(bearer(&config.access_token)?),
        };
        let mut headers = HeaderMap::new();
        headers.insert(
            ACCEPT,
            HeaderValue::from_static("application/hal+json, application/json, application/problem+json"),
        );
        let http = reqwest::Client::builder()
            .user_agent(user_agent())
            .default_headers(headers)
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .gzip(true)
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| Error::Connect {
                context: "building the HTTP client".into(),
                host: config.base_url(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            http,
            gate: limiter::gate_for(&config),
            config,
            auth,
            cache: Default::default(),
            request_timeout: REQUEST_TIMEOUT,
            policy: retry::Policy::default(),
        })
    }

    /// Sets the time allowed for one attempt and the retry bounds (tests use short ones; the
    /// defaults are [`REQUEST_TIMEOUT`] and [`retry::Policy::default`]).
    pub fn with_limits(mut self, request_timeout: Duration, policy: retry::Policy) -> Self {
        self.request_timeout = request_timeout;
        self.policy = policy;
        self
    }

    /// The config this transport serves.
    pub fn config(&self) -> &KommoConfig {
        &self.config
    }

    fn host(&self) -> String {
        self.config.account_url.host_str().unwrap_or_default().to_string()
    }

    /// Absolute URL of an API path (`contacts`, `leads/pipelines/3`).
    pub fn api_url(&self, path: &str) -> Url {
        let mut url = self.config.api_root();
        let base = url.path().to_string();
        url.set_path(&format!("{base}{}", path.trim_start_matches('/')));
        url
    }

    /// Checks that a link Kommo returned points at the configured account before the token
    /// is sent there.
    pub fn check_own_link(&self, href: &str, context: &str) -> Result<Url> {
        let url = Url::parse(href).map_err(|e| Error::InvalidResponse {
            context: context.to_string(),
            reason: format!("bad paging link {href:?}: {e}"),
        })?;
        let ours = &self.config.account_url;
        if url.scheme() == ours.scheme()
            && url.host_str() == ours.host_str()
            && url.port_or_known_default() == ours.port_or_known_default()
        {
            Ok(url)
        } else {
            Err(Error::ForeignLink {
                context: context.to_string(),
                host: url.host_str().unwrap_or("?").to_string(),
            })
        }
    }

    /// The OAuth token manager, for an OAuth config.
    pub fn token_manager(&self) -> Option<&crate::api::oauth::TokenManager> {
        match &self.auth {
            Auth::OAuth(m) => Some(m),
            Auth::Static(_) => None,
        }
    }

    /// The `Authorization` value for the next request (OAuth: refreshed ahead of expiry).
    async fn authorization(&self) -> Result<HeaderValue> {
        match &self.auth {
            Auth::Static(value) => Ok(value.clone()),
            Auth::OAuth(manager) => bearer(&manager.access_token().await?),
        }
    }

    /// Sends a request and maps failures to [`Error`]. `body` is sent as JSON. With OAuth, a
    /// 401 triggers one refresh and one retry.
    pub async fn send(
        &self,
        method: Method,
        url: Url,
        query: &Query,
        body: Option<&serde_json::Value>,
    ) -> Result<Response> {
        let auth = self.authorization().await?;
        match self.send_paced(method.clone(), url.clone(), query, body, &auth).await {
            Err(Error::Unauthorized { .. }) if matches!(self.auth, Auth::OAuth(_)) => {
                let rejected = auth
                    .to_str()
                    .unwrap_or_default()
                    .trim_start_matches("Bearer ")
                    .to_string();
                let manager = self
                    .token_manager()
                    .ok_or_else(|| Error::invalid("auth", "no token manager"))?;
                let retry = bearer(&manager.after_unauthorized(&rejected).await?)?;
                self.send_paced(method, url, query, body, &retry).await
            }
            other => other,
        }
    }

    /// The single path of every Kommo request:
    /// `loop { breaker check; limiter wait; send_once; decide retry }` (see [`super::retry`]).
    /// A POST whose outcome is unknown comes back as [`Error::OutcomeUnknown`], never resent.
    async fn send_paced(
        &self,
        method: Method,
        mut url: Url,
        query: &Query,
        body: Option<&serde_json::Value>,
        auth: &HeaderValue,
    ) -> Result<Response> {
        query.apply(&mut url);
        let context = format!("{method} {}", url.path());
        let body = match body {
            Some(body) => Some(serde_json::to_vec(body).map_err(|e| Error::invalid("body", e.to_string()))?),
            None => None,
        };
        let policy = &self.policy;
        // Set by the first attempt: no retry starts, and no retry runs, past it.
        let mut deadline: Option<Instant> = None;
        let mut retries = 0u32;
        let mut last: Option<retry::Failure> = None;
        loop {
            self.check_breaker(&context)?;
            self.gate.wait().await;
            // A block page may have come back while this request waited for its turn.
            self.check_breaker(&context)?;
            let timeout = match deadline {
                None => self.request_timeout,
                Some(d) => match d.checked_duration_since(Instant::now()) {
                    Some(left) if left >= retry::MIN_ATTEMPT => left.min(self.request_timeout),
                    // The pacing wait used up the time left: report the last failure.
                    _ => return Err(self.give_up(&method, context, last)),
                },
            };
            let started = Instant::now();
            let deadline = *deadline.get_or_insert(started + policy.max_total);
            let failure = match self
                .send_once(&method, &url, body.as_deref(), &context, auth, timeout)
                .await
            {
                Ok(resp) => return Ok(resp),
                Err(failure) => failure,
            };
            if matches!(failure.error, Error::Blocked { .. }) {
                self.gate.breaker.trip(&context);
                return Err(failure.error);
            }
            let elapsed = policy
                .max_total
                .saturating_sub(deadline.saturating_duration_since(Instant::now()));
            match retry::decide(policy, &method, &failure, retries, elapsed) {
                retry::Decision::Retry(delay) => {
                    tracing::debug!(
                        target: "kommo_mcp::http",
                        request = %context,
                        retry = retries + 1,
                        delay_ms = delay.as_millis() as u64,
                        error = %failure.error,
                        "retrying"
                    );
                    retries += 1;
                    last = Some(failure);
                    tokio::time::sleep(delay).await;
                }
                retry::Decision::Stop => return Err(self.give_up(&method, context, Some(failure))),
            }
        }
    }

    /// Fails fast while the account's breaker is open (a block page was seen).
    fn check_breaker(&self, context: &str) -> Result<()> {
        match self.gate.breaker.check() {
            Some(open) => Err(Error::SendingPaused {
                context: context.to_string(),
                host: self.host(),
                blocked_on: open.blocked_on,
                since: open.since,
                remaining: open.remaining,
            }),
            None => Ok(()),
        }
    }

    /// The error returned when no more attempts are made after `failure`.
    fn give_up(&self, method: &Method, context: String, failure: Option<retry::Failure>) -> Error {
        let Some(failure) = failure else {
            return Error::Timeout {
                context,
                after: self.policy.max_total,
            };
        };
        if retry::outcome_unknown(method, &failure) {
            return Error::OutcomeUnknown {
                context,
                reason: unknown_reason(&failure.error),
            };
        }
        failure.error
    }

    /// One attempt: sends the request once and reads the whole answer.
    async fn send_once(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&[u8]>,
        context: &str,
        auth: &HeaderValue,
        timeout: Duration,
    ) -> std::result::Result<Response, retry::Failure> {
        let started = Instant::now();
        let mut req = self
            .http
            .request(method.clone(), url.clone())
            .timeout(timeout)
            .header(AUTHORIZATION, auth.clone());
        if let Some(bytes) = body {
            req = req.header(CONTENT_TYPE, "application/json").body(bytes.to_vec());
        }
        let resp = req.send().await.map_err(|e| retry::Failure {
            sent: if e.is_connect() {
                retry::Sent::No
            } else {
                retry::Sent::Maybe
            },
            error: self.map_reqwest(e, context, timeout),
            retry_after: None,
        })?;
        let status = resp.status();
        let location = resp
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry::parse_retry_after(v, std::time::SystemTime::now()));
        let body = self.read_body(resp, status.is_success(), context, timeout).await?;
        tracing::debug!(
            target: "kommo_mcp::http",
            method = %method,
            path = url.path(),
            query = url.query().unwrap_or(""),
            status = status.as_u16(),
            bytes = body.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "kommo request"
        );
        if status.is_success() {
            // A cut or garbled body is a failed attempt (retried for reads), not a success.
            if let Some(error) = unreadable_success(status.as_u16(), &body, context) {
                return Err(retry::Failure {
                    error,
                    sent: retry::Sent::Maybe,
                    retry_after: None,
                });
            }
            return Ok(Response {
                status: status.as_u16(),
                body,
            });
        }
        Err(retry::Failure {
            error: self.map_status(status, &body, context.to_string(), location, retry_after),
            sent: retry::Sent::Maybe,
            retry_after,
        })
    }

    /// Reads an answer's body: a success up to [`MAX_BODY`] (past it the answer is refused, so
    /// a wrong host streaming a huge file cannot exhaust memory), an error page's first
    /// [`MAX_ERROR_BODY`] bytes (the rest is not read).
    async fn read_body(
        &self,
        mut resp: reqwest::Response,
        success: bool,
        context: &str,
        timeout: Duration,
    ) -> std::result::Result<Vec<u8>, retry::Failure> {
        let limit = if success { MAX_BODY } else { MAX_ERROR_BODY };
        let too_large = || retry::Failure {
            error: Error::InvalidResponse {
                context: context.to_string(),
                reason: format!("the answer is larger than {} MB", MAX_BODY >> 20),
            },
            sent: retry::Sent::Maybe,
            retry_after: None,
        };
        if success && resp.content_length().is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        loop {
            let chunk = resp.chunk().await.map_err(|e| retry::Failure {
                error: self.map_reqwest(e, context, timeout),
                sent: retry::Sent::Maybe,
                retry_after: None,
            })?;
            let Some(chunk) = chunk else { break };
            if body.len() + chunk.len() > limit {
                if success {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk[..limit - body.len()]);
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn map_reqwest(&self, e: reqwest::Error, context: &str, timeout: Duration) -> Error {
        // reqwest's Display includes the URL; we build our own text from the cause chain so
        // nothing but the host and path is shown.
        let reason = error_chain(&e);
        if e.is_timeout() {
            Error::Timeout {
                context: context.to_string(),
                after: timeout,
            }
        } else if e.is_connect() {
            Error::Connect {
                context: context.to_string(),
                host: self.host(),
                reason,
            }
        } else {
            Error::Network {
                context: context.to_string(),
                reason,
            }
        }
    }

    fn map_status(
        &self,
        status: StatusCode,
        body: &[u8],
        context: String,
        location: Option<String>,
        retry_after: Option<Duration>,
    ) -> Error {
        map_status(self.host(), status, body, context, location, retry_after)
    }
}

/// The [`Error`] for a non-success answer: problem+json parsed, HTML pages recognised.
/// Public for fuzzing and tests; `host` only appears in the 401 message.
pub fn error_from_answer(host: &str, status: u16, body: &[u8]) -> Error {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    map_status(host.to_string(), status, body, "GET /api/v4/fuzz".into(), None, None)
}

/// Checks a success body the way every request does: `None` when it is empty or JSON.
pub fn check_success_body(status: u16, body: &[u8]) -> Option<Error> {
    unreadable_success(status, body, "GET /api/v4/fuzz")
}

fn map_status(
    host: String,
    status: StatusCode,
    body: &[u8],
    context: String,
    location: Option<String>,
    retry_after: Option<Duration>,
) -> Error {
    let body = &body[..body.len().min(MAX_ERROR_BODY)];
    let html = looks_like_html(body);
    let problem: Problem = if html {
        Problem::default()
    } else {
        serde_json::from_slice(body).unwrap_or_default()
    };
    let detail = problem
        .detail
        .clone()
        .or(problem.hint.clone())
        .or(problem.title.clone())
        .filter(|d| !d.is_empty());
    match status.as_u16() {
        300..=399 => Error::Redirect {
            context,
            location: location.unwrap_or_else(|| "an unknown location".into()),
        },
        400 => Error::Validation {
            context,
            detail,
            errors: problem
                .validation_errors
                .into_iter()
                .flat_map(|item| {
                    let request_id = item.request_id;
                    item.errors.into_iter().map(move |e| ValidationError {
                        request_id: request_id.clone(),
                        code: e.code,
                        path: e.path,
                        detail: e.detail,
                    })
                })
                .collect(),
        },
        401 => Error::Unauthorized {
            context,
            host,
            detail: if html { None } else { detail },
        },
        402 => Error::PaymentRequired { context },
        403 if html || body.is_empty() => Error::Blocked { context },
        403 => Error::Forbidden { context, detail },
        404 if html => Error::Html { context, status: 404 },
        404 => Error::NotFound { context, detail },
        429 => Error::RateLimited { context, retry_after },
        s => {
            if html {
                Error::Html { context, status: s }
            } else {
                Error::Status {
                    status: s,
                    context,
                    detail,
                }
            }
        }
    }
}

/// The error for a 2xx body that is neither empty nor JSON (cut off, garbled, an HTML page).
fn unreadable_success(status: u16, body: &[u8], context: &str) -> Option<Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let e = serde_json::from_slice::<serde::de::IgnoredAny>(body).err()?;
    Some(if looks_like_html(body) {
        Error::Html {
            context: context.to_string(),
            status,
        }
    } else {
        Error::InvalidResponse {
            context: context.to_string(),
            reason: e.to_string(),
        }
    })
}

/// Why a POST's outcome is unknown, in words.
fn unknown_reason(error: &Error) -> String {
    match error {
        Error::Timeout { after, .. } => format!("no answer within {}", crate::error::seconds(*after)),
        Error::Network { reason, .. } => format!("the connection failed after sending: {reason}"),
        Error::InvalidResponse { reason, .. } => format!("Kommo's answer could not be read: {reason}"),
        Error::Html { status, .. } => format!("Kommo answered HTTP {status} with an HTML page instead of JSON"),
        Error::Status { status, .. } => format!("a gateway answered HTTP {status}"),
        other => other.to_string(),
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    // Skip the outermost reqwest message (it embeds the URL); keep the causes.
    let mut parts = Vec::new();
    let mut cur = e.source();
    while let Some(err) = cur {
        let s = err.to_string();
        if !parts.contains(&s) {
            parts.push(s);
        }
        cur = err.source();
    }
    if parts.is_empty() {
        "connection failed".to_string()
    } else {
        parts.join(": ")
    }
}

/// `Bearer <token>` as a sensitive header value.
fn bearer(token: &str) -> Result<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
        Error::invalid(
            "accessToken",
            "contains characters that cannot be sent in an HTTP header",
        )
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// `User-Agent` sent with every request.
pub fn user_agent() -> String {
    format!(
        "kommo-mcp/{} (+https://www.npmjs.com/package/{})",
        crate::VERSION,
        crate::PACKAGE_NAME
    )
}

/// Transports shared per config (account, token, settings), so that SDK calls made with the
/// same config reuse connections. The rate limiter and block breaker are shared per account URL
/// across all of them ([`limiter::gate_for`]).
pub fn shared(config: &KommoConfig) -> Result<Arc<Transport>> {
    shared_with_store(config, None)
}

/// [`shared`], with a token store for an OAuth config. SDK calls with an equal OAuth config
/// share one transport, so one set of tokens and one refresh. A store given with a later call
/// is attached to that transport's token manager ([`TokenManager::attach_store`]): the same
/// store again changes nothing, a new one replaces it, and a first one receives the tokens
/// rotated so far. A call without a store keeps the one attached before.
///
/// [`TokenManager::attach_store`]: crate::api::oauth::TokenManager::attach_store
pub fn shared_with_store(
    config: &KommoConfig,
    store: Option<Arc<dyn crate::api::oauth::TokenStore>>,
) -> Result<Arc<Transport>> {
    type Registry = Mutex<Vec<(KommoConfig, Arc<Transport>)>>;
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    let registry = REGISTRY.get_or_init(|| Mutex::new(Vec::new()));
    let mut list = registry.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, t)) = list.iter().find(|(c, _)| c == config) {
        if let (Some(store), Some(manager)) = (store, t.token_manager()) {
            manager.attach_store(store);
        }
        return Ok(t.clone());
    }
    let transport = Arc::new(Transport::with_store(config.clone(), store)?);
    evict_for_one_more(&mut list, REGISTRY_SIZE, |c| c.oauth.is_none());
    list.push((config.clone(), transport.clone()));
    Ok(transport)
}

/// Transports kept in the registry, not counting OAuth ones (never evicted).
const REGISTRY_SIZE: usize = 32;

/// Makes room for one more entry: removes the oldest evictable entries while `max` evictable
/// ones are kept. OAuth transports are never evicted: without a store they hold the only copy
/// of rotated tokens, and a new transport for the same config would refresh with a dead token.
fn evict_for_one_more<C, T>(list: &mut Vec<(C, T)>, max: usize, evictable: impl Fn(&C) -> bool) {
    while list.iter().filter(|(c, _)| evictable(c)).count() >= max {
        match list.iter().position(|(c, _)| evictable(c)) {
            Some(i) => {
                list.remove(i);
            }
            None => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_builds_kommo_bracket_syntax() {
        let mut q = Query::new();
        q.filter_list("id", &[1, 2])
            .filter_range("created_at", Some(10), None)
            .with(&["leads", "contacts"]);
        let mut url = Url::parse("https://a.kommo.com/api/v4/leads").unwrap();
        q.apply(&mut url);
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("filter[id][]".to_string(), "1".to_string()),
                ("filter[id][]".into(), "2".into()),
                ("filter[created_at][from]".into(), "10".into()),
                ("with".into(), "leads,contacts".into()),
            ]
        );
    }

    #[test]
    fn the_registry_never_evicts_oauth_transports() {
        // (config is OAuth, id)
        let mut list: Vec<(bool, u32)> = (0..40).map(|i| (true, i)).collect();
        list.extend((100..132).map(|i| (false, i)));
        evict_for_one_more(&mut list, 32, |oauth| !oauth);
        assert_eq!(
            list.iter().filter(|(o, _)| *o).count(),
            40,
            "every OAuth transport stays"
        );
        assert_eq!(list.iter().filter(|(o, _)| !o).count(), 31);
        assert!(!list.iter().any(|(_, id)| *id == 100), "the oldest long-lived one went");
        // Only OAuth transports: nothing is evicted, the list grows.
        let mut only: Vec<(bool, u32)> = (0..50).map(|i| (true, i)).collect();
        evict_for_one_more(&mut only, 32, |oauth| !oauth);
        assert_eq!(only.len(), 50);
    }

    #[test]
    fn html_bodies_are_recognised() {
        assert!(looks_like_html(b"  <!DOCTYPE html><html>"));
        assert!(looks_like_html(b"<html><head><title>403 Forbidden</title></head>"));
        assert!(!looks_like_html(b"{\"title\":\"x\"}"));
    }
}
