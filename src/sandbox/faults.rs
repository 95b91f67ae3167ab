//! Fault injection and Kommo's rate limit, for reliability tests.
//!
//! Per test, a sandbox can be told (Rust: [`super::Sandbox::inject`] and friends; HTTP:
//! `/__sandbox/faults`) to misbehave on matching `/api/v4` requests:
//!
//! | `kind` | Effect |
//! |---|---|
//! | `latency` | waits `latency_ms`, then answers normally |
//! | `status` | answers `status` without doing anything: 429 and 403 as Kommo does (HTML page, no `Retry-After` unless `retry_after` is set), others as problem+json |
//! | `html` | answers `status` (default 502) with an nginx-style HTML page, without doing anything |
//! | `reset` | does the work, then drops the connection in the middle of the answer |
//! | `malformed` | does the work, then sends the JSON body cut in half |
//! | `slow_body` | does the work, then sends the body in 8 pieces, `latency_ms` apart |
//!
//! A rule applies to requests matching its optional `method` and `path` prefix, `times` times
//! (or always when `times` is absent). The rate-limit enforcer mimics Kommo: more than
//! `per_second` accepted requests in a sliding one-second window get a 429 HTML page; after
//! `block_after` such violations every request gets a 403 HTML page (Kommo's IP block) until
//! the faults are cleared.
//!
//! Counters ([`FaultStats`]): the most requests seen in any one-second window, entities created
//! by POSTs (to assert that no write was duplicated), requests abandoned by the client before
//! their answer was complete, faults injected, 429s and 403s sent.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::http::Problem;
use super::{lock, AppState};

/// What a fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    Latency,
    Status,
    Html,
    Reset,
    Malformed,
    SlowBody,
}

/// One fault rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    pub kind: FaultKind,
    /// Status for `status` (required) and `html` (default 502).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// How many matching requests it applies to; absent: all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// Only requests with this method (`GET`, `POST`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Only paths starting with this, e.g. `/api/v4/leads`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Delay for `latency`, and between body pieces for `slow_body`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// `Retry-After` seconds sent with a `status` fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl FaultRule {
    /// A rule of `kind` for every request.
    pub fn new(kind: FaultKind) -> Self {
        Self {
            kind,
            status: None,
            times: None,
            method: None,
            path: None,
            latency_ms: None,
            retry_after: None,
        }
    }
    /// `status` answered without doing anything.
    pub fn status(status: u16) -> Self {
        Self {
            status: Some(status),
            ..Self::new(FaultKind::Status)
        }
    }
    /// Added latency.
    pub fn latency(ms: u64) -> Self {
        Self {
            latency_ms: Some(ms),
            ..Self::new(FaultKind::Latency)
        }
    }
    /// Applies to the next `n` matching requests only.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }
    /// Applies to this method only.
    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
        self
    }
    /// Applies to paths starting with `prefix` only.
    pub fn path(mut self, prefix: &str) -> Self {
        self.path = Some(prefix.to_string());
        self
    }

    fn check(&self) -> Result<(), String> {
        match (self.kind, self.status) {
            (FaultKind::Status, None) => Err("a status fault needs \"status\"".into()),
            (_, Some(s)) if !(100..=599).contains(&s) => Err(format!("status {s} is not an HTTP status")),
            _ => Ok(()),
        }
    }

    fn matches(&self, method: &Method, path: &str) -> bool {
        self.times != Some(0)
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method.as_str()))
            && self.path.as_deref().is_none_or(|p| path.starts_with(p))
    }
}

/// Kommo's limit, as enforced by the sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitRule {
    /// Accepted requests per sliding second.
    pub per_second: u32,
    /// After this many 429s, block everything with 403 HTML pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_after: Option<u32>,
}

/// What the faults did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FaultStats {
    /// Most `/api/v4` requests that arrived within any one-second window.
    pub max_per_second: u64,
    /// Entities created by successful POSTs, per collection (`leads`, `contacts`...).
    pub created: BTreeMap<String, u64>,
    /// Requests whose answer the client abandoned before it was complete (disconnect,
    /// cancellation).
    pub dropped: u64,
    /// Fault rules applied.
    pub injected: u64,
    /// 429s sent by the enforcer.
    pub rate_limited: u64,
    /// 403 block pages sent by the enforcer.
    pub blocked: u64,
}

/// Fault state of one sandbox.
#[derive(Debug, Default)]
pub(super) struct Faults {
    rules: Vec<FaultRule>,
    rate_limit: Option<RateLimitRule>,
    violations: u32,
    is_blocked: bool,
    /// Arrivals of every API request in the last second.
    arrivals: VecDeque<Instant>,
    /// Arrivals of accepted requests in the last second (for the enforcer).
    accepted: VecDeque<Instant>,
    pub(super) stats: FaultStats,
}

impl Faults {
    /// Adds rules (after checking all of them).
    pub(super) fn add(&mut self, rules: Vec<FaultRule>) -> Result<(), String> {
        for r in &rules {
            r.check()?;
        }
        self.rules.extend(rules);
        Ok(())
    }

    pub(super) fn set_rate_limit(&mut self, rule: Option<RateLimitRule>) {
        self.rate_limit = rule;
        self.violations = 0;
        self.is_blocked = false;
        self.accepted.clear();
    }

    /// Removes every rule, the enforcer and the block, and zeroes the counters.
    pub(super) fn clear(&mut self) {
        *self = Faults::default();
    }

    pub(super) fn describe(&self) -> serde_json::Value {
        serde_json::json!({
            "rules": self.rules,
            "rate_limit": self.rate_limit,
            "blocked": self.is_blocked,
            "stats": self.stats,
        })
    }

    /// Records an arrival and decides what the request gets.
    fn on_arrival(&mut self, method: &Method, path: &str) -> Verdict {
        let now = Instant::now();
        trim(&mut self.arrivals, now);
        self.arrivals.push_back(now);
        self.stats.max_per_second = self.stats.max_per_second.max(self.arrivals.len() as u64);
        if self.is_blocked {
            self.stats.blocked += 1;
            return Verdict::Answer(html_page(StatusCode::FORBIDDEN, None));
        }
        if let Some(limit) = self.rate_limit {
            trim(&mut self.accepted, now);
            if self.accepted.len() >= limit.per_second as usize {
                self.violations += 1;
                if limit.block_after.is_some_and(|n| self.violations > n) {
                    self.is_blocked = true;
                    self.stats.blocked += 1;
                    return Verdict::Answer(html_page(StatusCode::FORBIDDEN, None));
                }
                self.stats.rate_limited += 1;
                return Verdict::Answer(html_page(StatusCode::TOO_MANY_REQUESTS, None));
            }
            self.accepted.push_back(now);
        }
        let Some(rule) = self.rules.iter_mut().find(|r| r.matches(method, path)) else {
            return Verdict::Pass;
        };
        if let Some(n) = rule.times.as_mut() {
            *n -= 1;
        }
        let rule = rule.clone();
        self.rules.retain(|r| r.times != Some(0));
        self.stats.injected += 1;
        Verdict::Fault(rule)
    }
}

fn trim(window: &mut VecDeque<Instant>, now: Instant) {
    while window
        .front()
        .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
    {
        window.pop_front();
    }
}

enum Verdict {
    Pass,
    Answer(Response),
    Fault(FaultRule),
}

/// An nginx-style HTML error page, as Kommo sends for 429 and for blocks.
fn html_page(status: StatusCode, retry_after: Option<u64>) -> Response {
    let code = status.as_u16();
    let reason = status.canonical_reason().unwrap_or("Error");
    let body = format!(
        "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    let mut resp = (status, [(header::CONTENT_TYPE, "text/html")], body).into_response();
    if let Some(secs) = retry_after {
        if let Ok(v) = header::HeaderValue::from_str(&secs.to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    resp
}

/// Counts a request abandoned before its answer was produced.
struct InFlight {
    state: Option<AppState>,
}

impl InFlight {
    fn done(mut self) {
        self.state = None;
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(state) = self.state.take() {
            lock(&state.faults).stats.dropped += 1;
        }
    }
}

/// The middleware: enforcer, faults, creation counting. Control paths pass untouched.
pub(super) async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if !(path == "/api/v4" || path.starts_with("/api/v4/")) {
        return next.run(request).await;
    }
    let method = request.method().clone();
    let verdict = lock(&state.faults).on_arrival(&method, &path);
    let guard = InFlight {
        state: Some(state.clone()),
    };
    let response = match verdict {
        Verdict::Answer(resp) => resp,
        Verdict::Pass => finish(&state, &method, &path, next.run(request).await).await,
        Verdict::Fault(rule) => apply(&state, rule, &method, &path, request, next).await,
    };
    guard.done();
    response
}

async fn apply(
    state: &AppState,
    rule: FaultRule,
    method: &Method,
    path: &str,
    request: Request,
    next: Next,
) -> Response {
    match rule.kind {
        FaultKind::Latency => {
            tokio::time::sleep(Duration::from_millis(rule.latency_ms.unwrap_or(0))).await;
            finish(state, method, path, next.run(request).await).await
        }
        FaultKind::Status => {
            let status = StatusCode::from_u16(rule.status.unwrap_or(500)).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if matches!(status.as_u16(), 403 | 429) {
                html_page(status, rule.retry_after)
            } else {
                let mut resp = Problem::new(status, "Injected fault").into_response();
                if let Some(secs) = rule.retry_after {
                    if let Ok(v) = header::HeaderValue::from_str(&secs.to_string()) {
                        resp.headers_mut().insert(header::RETRY_AFTER, v);
                    }
                }
                resp
            }
        }
        FaultKind::Html => html_page(
            StatusCode::from_u16(rule.status.unwrap_or(502)).unwrap_or(StatusCode::BAD_GATEWAY),
            None,
        ),
        FaultKind::Reset | FaultKind::Malformed | FaultKind::SlowBody => {
            let resp = finish(state, method, path, next.run(request).await).await;
            let (mut parts, body) = resp.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
            parts.headers.remove(header::CONTENT_LENGTH);
            let half = bytes.slice(..bytes.len() / 2);
            let body = match rule.kind {
                FaultKind::Malformed => Body::from(half),
                FaultKind::Reset => Body::from_stream(futures::stream::iter([
                    Ok(half),
                    Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionReset,
                        "injected reset",
                    )),
                ])),
                _ => slow(
                    bytes,
                    Duration::from_millis(rule.latency_ms.unwrap_or(100)),
                    state.clone(),
                ),
            };
            Response::from_parts(parts, body)
        }
    }
}

/// A body sent in 8 pieces with `gap` between them; counts a drop if the client leaves early.
fn slow(bytes: Bytes, gap: Duration, state: AppState) -> Body {
    let piece = bytes.len().div_ceil(8).max(1);
    let pieces: Vec<Bytes> = (0..bytes.len())
        .step_by(piece)
        .map(|i| bytes.slice(i..bytes.len().min(i + piece)))
        .collect();
    let guard = InFlight { state: Some(state) };
    let stream = futures::stream::unfold(
        (pieces.into_iter(), Some(guard)),
        move |(mut it, mut guard)| async move {
            tokio::time::sleep(gap).await;
            match it.next() {
                Some(p) => Some((Ok::<_, std::io::Error>(p), (it, guard))),
                None => {
                    if let Some(g) = guard.take() {
                        g.done();
                    }
                    None
                }
            }
        },
    );
    Body::from_stream(stream)
}

/// Counts the entities a successful POST created.
async fn finish(state: &AppState, method: &Method, path: &str, resp: Response) -> Response {
    if method != Method::POST || resp.status() != StatusCode::OK {
        return resp;
    }
    let collection = path
        .trim_start_matches("/api/v4/")
        .split('/')
        .next()
        .unwrap_or("")
        .to_string();
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let created = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(serde_json::Value::Array(items)) => vec![(collection, items.len() as u64)],
        Ok(v) => v
            .get("_embedded")
            .and_then(|e| e.as_object())
            .map(|e| {
                e.iter()
                    .filter_map(|(k, v)| v.as_array().map(|a| (k.clone(), a.len() as u64)))
                    .collect()
            })
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    {
        let mut faults = lock(&state.faults);
        for (k, n) in created {
            *faults.stats.created.entry(k).or_insert(0) += n;
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
