//! When a failed Kommo request is tried again, and when not.
//!
//! [`Transport::send`](super::transport::Transport::send) runs
//! `loop { gate.wait; attempt = send_once; decide(...) }`; this module is the `decide` part:
//!
//! | Failure | GET / DELETE / PATCH | POST |
//! |---|---|---|
//! | 429, 503 (Kommo did nothing) | retried | retried |
//! | no connection made (refused, DNS, connect timeout) | retried | retried |
//! | timeout or connection dropped after sending, other 5xx, unreadable 2xx body | retried | **never**: reported as [`Error::OutcomeUnknown`] when Kommo may have written |
//! | anything else (400, 401, 403, 404...) | not retried | not retried |
//!
//! PATCH counts as idempotent: Kommo's PATCH sets fields to the given values (tags and links
//! included), so sending the same body twice leaves the same data; only `updated_at` moves.
//! POST creates, so a POST whose outcome is unknown is never resent.
//!
//! Delays grow exponentially with full jitter (`base * 2^n`, drawn from its upper half), or
//! follow `Retry-After` when Kommo sends it (seconds or an HTTP date); retries are bounded in
//! number and in total time: every retry, its wait and its own run end within
//! [`Policy::max_total`] of the first attempt's start (a retry gets only the time left).

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use reqwest::Method;

use crate::error::Error;

/// Retry bounds.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Retries (their waits and their runs) end within this time of the first attempt's start.
    pub max_total: Duration,
    /// First backoff delay.
    pub base: Duration,
    /// Largest backoff delay.
    pub max_delay: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            max_retries: 4,
            max_total: Duration::from_secs(30),
            base: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
        }
    }
}

/// Whether the failed request may have reached Kommo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// No connection was made: Kommo cannot have seen it.
    No,
    /// It was (or may have been) sent.
    Maybe,
}

/// A failed attempt, as `decide` sees it.
#[derive(Debug)]
pub struct Failure {
    pub error: Error,
    pub sent: Sent,
    /// `Retry-After`, when the answer had one.
    pub retry_after: Option<Duration>,
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Wait this long, then try again.
    Retry(Duration),
    /// Give up and return the error.
    Stop,
}

/// The least time worth giving a retry: one with less left is not started.
pub const MIN_ATTEMPT: Duration = Duration::from_millis(500);

/// Reads a `Retry-After` value: delay seconds, or an HTTP date (a date in the past is no
/// delay). `None` when it is neither.
pub fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Methods whose repetition leaves the same state.
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE | Method::PATCH
    )
}

/// Kommo refused the request without doing anything: safe to resend whatever the method.
fn refused_untouched(error: &Error) -> bool {
    matches!(
        error,
        Error::RateLimited { .. } | Error::Status { status: 503, .. } | Error::Html { status: 503, .. }
    )
}

/// A transient failure after which the request's effect is unknown.
fn transient(error: &Error) -> bool {
    match error {
        Error::Timeout { .. } | Error::Network { .. } | Error::Connect { .. } => true,
        Error::InvalidResponse { .. } => true,
        Error::Status { status, .. } | Error::Html { status, .. } => (500..=599).contains(status) || *status == 200,
        _ => false,
    }
}

/// Decides whether `failure` (after `retries` retries, `elapsed` since the first attempt) is
/// retried.
pub fn decide(policy: &Policy, method: &Method, failure: &Failure, retries: u32, elapsed: Duration) -> Decision {
    let retryable = refused_untouched(&failure.error)
        || (transient(&failure.error) && (failure.sent == Sent::No || is_idempotent(method)));
    if !retryable || retries >= policy.max_retries {
        return Decision::Stop;
    }
    let delay = match failure.retry_after {
        Some(after) => after + jitter(Duration::from_millis(100)),
        None => backoff(policy, retries),
    };
    if elapsed + delay + MIN_ATTEMPT > policy.max_total {
        return Decision::Stop;
    }
    Decision::Retry(delay)
}

/// Whether a POST failure leaves Kommo's state unknown (it may have written).
pub fn outcome_unknown(method: &Method, failure: &Failure) -> bool {
    if is_idempotent(method) || failure.sent == Sent::No || refused_untouched(&failure.error) {
        return false;
    }
    match &failure.error {
        Error::Timeout { .. } | Error::Network { .. } | Error::InvalidResponse { .. } => true,
        // A gateway error or an unreadable success page: the request may have been processed.
        Error::Status { status, .. } | Error::Html { status, .. } => matches!(status, 200..=299 | 502 | 504),
        _ => false,
    }
}

/// `base * 2^retries`, capped, drawn uniformly from its upper half.
pub fn backoff(policy: &Policy, retries: u32) -> Duration {
    let full = policy
        .base
        .saturating_mul(1u32.checked_shl(retries).unwrap_or(u32::MAX))
        .min(policy.max_delay);
    full / 2 + jitter(full / 2)
}

/// A random duration in `[0, max]`.
fn jitter(max: Duration) -> Duration {
    let nanos = max.as_nanos() as u64;
    if nanos == 0 {
        return Duration::ZERO;
    }
    // RandomState is randomly keyed per instance: a cheap random number without a dependency.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(nanos);
    Duration::from_nanos(h.finish() % (nanos + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail(error: Error, sent: Sent) -> Failure {
        Failure {
            error,
            sent,
            retry_after: None,
        }
    }

    fn network() -> Error {
        Error::Network {
            context: "x".into(),
            reason: "reset".into(),
        }
    }

    fn status(s: u16) -> Error {
        Error::Status {
            status: s,
            context: "x".into(),
            detail: None,
        }
    }

    fn rate_limited() -> Error {
        Error::RateLimited {
            context: "x".into(),
            retry_after: None,
        }
    }

    fn retries(d: Decision) -> bool {
        matches!(d, Decision::Retry(_))
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_an_http_date() {
        let now = std::time::UNIX_EPOCH + Duration::from_secs(1_445_412_480); // Wed, 21 Oct 2015 07:28:00 GMT
        assert_eq!(parse_retry_after(" 3 ", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:05 GMT", now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn no_retry_starts_without_time_left_to_run() {
        let p = Policy::default();
        let f = Failure {
            error: rate_limited(),
            sent: Sent::Maybe,
            retry_after: Some(Duration::from_secs(2)),
        };
        assert!(retries(decide(&p, &Method::GET, &f, 0, Duration::from_secs(27))));
        assert_eq!(
            decide(&p, &Method::GET, &f, 0, Duration::from_millis(27_600)),
            Decision::Stop,
            "2 s of Retry-After would leave under 0.5 s to run"
        );
    }

    #[test]
    fn rate_limits_and_503_are_retried_for_every_method() {
        let p = Policy::default();
        for m in [Method::GET, Method::POST, Method::PATCH] {
            assert!(retries(decide(
                &p,
                &m,
                &fail(rate_limited(), Sent::Maybe),
                0,
                Duration::ZERO
            )));
            assert!(retries(decide(
                &p,
                &m,
                &fail(status(503), Sent::Maybe),
                0,
                Duration::ZERO
            )));
        }
    }

    #[test]
    fn a_post_is_never_retried_after_it_may_have_been_sent() {
        let p = Policy::default();
        for e in [network(), status(500), status(502), status(504)] {
            assert_eq!(
                decide(&p, &Method::POST, &fail(e, Sent::Maybe), 0, Duration::ZERO),
                Decision::Stop
            );
        }
        assert!(outcome_unknown(&Method::POST, &fail(network(), Sent::Maybe)));
        assert!(outcome_unknown(&Method::POST, &fail(status(504), Sent::Maybe)));
        assert!(!outcome_unknown(&Method::POST, &fail(status(500), Sent::Maybe)));
        assert!(!outcome_unknown(&Method::POST, &fail(rate_limited(), Sent::Maybe)));
        // Nothing reached Kommo: safe.
        assert!(retries(decide(
            &p,
            &Method::POST,
            &fail(network(), Sent::No),
            0,
            Duration::ZERO
        )));
        assert!(!outcome_unknown(&Method::POST, &fail(network(), Sent::No)));
    }

    #[test]
    fn idempotent_requests_are_retried_after_transient_failures() {
        let p = Policy::default();
        for m in [Method::GET, Method::PATCH, Method::DELETE] {
            assert!(retries(decide(
                &p,
                &m,
                &fail(network(), Sent::Maybe),
                0,
                Duration::ZERO
            )));
            assert!(retries(decide(
                &p,
                &m,
                &fail(status(502), Sent::Maybe),
                0,
                Duration::ZERO
            )));
            assert!(!outcome_unknown(&m, &fail(network(), Sent::Maybe)));
        }
        let not_found = Error::NotFound {
            context: "x".into(),
            detail: None,
        };
        assert_eq!(
            decide(&p, &Method::GET, &fail(not_found, Sent::Maybe), 0, Duration::ZERO),
            Decision::Stop
        );
    }

    #[test]
    fn retries_are_bounded_in_count_and_time() {
        let p = Policy::default();
        let f = fail(rate_limited(), Sent::Maybe);
        assert!(retries(decide(&p, &Method::GET, &f, 3, Duration::ZERO)));
        assert_eq!(decide(&p, &Method::GET, &f, 4, Duration::ZERO), Decision::Stop);
        assert_eq!(decide(&p, &Method::GET, &f, 0, Duration::from_secs(30)), Decision::Stop);
    }

    #[test]
    fn retry_after_is_honoured_and_backoff_grows_with_jitter() {
        let p = Policy::default();
        let mut f = fail(rate_limited(), Sent::Maybe);
        f.retry_after = Some(Duration::from_secs(2));
        match decide(&p, &Method::GET, &f, 0, Duration::ZERO) {
            Decision::Retry(d) => assert!(d >= Duration::from_secs(2) && d <= Duration::from_millis(2100)),
            Decision::Stop => panic!("should retry"),
        }
        f.retry_after = Some(Duration::from_secs(60));
        assert_eq!(
            decide(&p, &Method::GET, &f, 0, Duration::ZERO),
            Decision::Stop,
            "beyond the budget"
        );
        for n in 0..6 {
            let full = (p.base * 2u32.pow(n)).min(p.max_delay);
            let d = backoff(&p, n);
            assert!(d >= full / 2 && d <= full, "{n}: {d:?}");
        }
        assert!(backoff(&p, 40) <= p.max_delay);
    }
}
