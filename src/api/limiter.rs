//! Per-account pacing and the "blocked" circuit breaker.
//!
//! Kommo allows about 7 requests per second; past that it answers 429, and repeated
//! violations get the account's IP blocked with HTML 403 pages until support lifts the block
//! (kommo-api-v4.md section 3.5). So every request to an account first passes one
//! [`AccountGate`], shared by every tool and SDK call of that account (keyed by the account URL,
//! not by the token: two tokens of one account share Kommo's limit):
//!
//! - a token bucket (the `governor` crate, GCRA) with a burst of 1, so requests are spaced
//!   evenly and no one-second window ever holds more than the limit. The spacing carries a 10%
//!   margin, so that jitter between leaving the client and arriving at Kommo cannot squeeze one
//!   request too many into a window;
//! - a breaker: after an HTML 403 block page, requests to the account fail fast for
//!   [`BLOCK_COOL_DOWN`] instead of being sent, since each one would prolong the block.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use crate::config::KommoConfig;

/// How long requests to an account are held back after an HTML 403 block page.
pub const BLOCK_COOL_DOWN: Duration = Duration::from_secs(5 * 60);

/// Extra spacing between requests, in percent of `1 s / limit`.
const SAFETY_MARGIN_PERCENT: u64 = 10;

/// A token-bucket limiter: at most `per_second` requests in any one-second window.
pub struct Limiter {
    inner: DefaultDirectRateLimiter,
    per_second: u32,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter").field("per_second", &self.per_second).finish()
    }
}

impl Limiter {
    /// A limiter admitting one request every `1 s / per_second` (plus the safety margin).
    pub fn new(per_second: NonZeroU32) -> Self {
        let nanos = 1_000_000_000u64 * (100 + SAFETY_MARGIN_PERCENT) / 100 / u64::from(per_second.get());
        let period = Duration::from_nanos(nanos.max(1));
        // with_period is None only for a zero period, excluded above.
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(per_second))
            .allow_burst(NonZeroU32::MIN);
        Self {
            inner: RateLimiter::direct(quota),
            per_second: per_second.get(),
        }
    }

    /// The configured requests per second.
    pub fn per_second(&self) -> u32 {
        self.per_second
    }

    /// Waits until one more request may be sent. Cancel-safe: a wait that is dropped (a
    /// cancelled tool call) has not taken a slot.
    pub async fn wait(&self) {
        self.inner.until_ready().await;
    }
}

/// Open while an account is believed blocked.
#[derive(Debug)]
pub struct Breaker {
    cool_down: Duration,
    tripped: Mutex<Option<Trip>>,
}

#[derive(Debug, Clone)]
struct Trip {
    at: Instant,
    on: String,
}

/// Why a request is held back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open {
    /// The request that saw the block page.
    pub blocked_on: String,
    /// Time since then.
    pub since: Duration,
    /// Time until requests are sent again.
    pub remaining: Duration,
}

impl Breaker {
    /// A closed breaker that stays open for `cool_down` once tripped.
    pub fn new(cool_down: Duration) -> Self {
        Self {
            cool_down,
            tripped: Mutex::new(None),
        }
    }

    /// `Some` while requests must not be sent.
    pub fn check(&self) -> Option<Open> {
        let mut guard = self.tripped.lock().unwrap_or_else(PoisonError::into_inner);
        let trip = guard.as_ref()?;
        let since = trip.at.elapsed();
        if since >= self.cool_down {
            // Half-open: let the next request probe; a new block page trips it again.
            *guard = None;
            return None;
        }
        Some(Open {
            blocked_on: trip.on.clone(),
            since,
            remaining: self.cool_down - since,
        })
    }

    /// Opens the breaker: `context` got a block page.
    pub fn trip(&self, context: &str) {
        tracing::warn!(target: "kommo_mcp::http", on = context, "Kommo block page: holding requests back");
        *self.tripped.lock().unwrap_or_else(PoisonError::into_inner) = Some(Trip {
            at: Instant::now(),
            on: context.to_string(),
        });
    }
}

/// Everything a request to one account passes before it is sent.
#[derive(Debug)]
pub struct AccountGate {
    /// `None`: no pacing (loopback without an explicit `rateLimit`). Replaced, never raised,
    /// when a client asks for a lower rate (see [`gate_for`]).
    limiter: Mutex<Option<Arc<Limiter>>>,
    /// Open while the account is believed blocked.
    pub breaker: Breaker,
}

impl AccountGate {
    /// A gate pacing to `per_second` (or not at all).
    pub fn new(per_second: Option<u32>) -> Self {
        Self {
            limiter: Mutex::new(per_second.and_then(NonZeroU32::new).map(|r| Arc::new(Limiter::new(r)))),
            breaker: Breaker::new(BLOCK_COOL_DOWN),
        }
    }

    fn current(&self) -> Option<Arc<Limiter>> {
        self.limiter.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The rate the account is paced at, if any.
    pub fn rate(&self) -> Option<u32> {
        self.current().as_deref().map(Limiter::per_second)
    }

    /// Paces the account at `per_second` when that is lower than its current rate (or it was
    /// not paced): the account's requests never go faster than its slowest client asked.
    fn lower_to(&self, per_second: Option<u32>) {
        let Some(rate) = per_second.and_then(NonZeroU32::new) else {
            return;
        };
        let mut slot = self.limiter.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.as_ref().is_none_or(|l| l.per_second() > rate.get()) {
            *slot = Some(Arc::new(Limiter::new(rate)));
        }
    }

    /// Waits for the limiter, if any.
    pub async fn wait(&self) {
        if let Some(l) = self.current() {
            l.wait().await;
        }
    }
}

/// The gate of `config`'s account: one per account URL, shared by every transport of that
/// account whatever its token or rate. The account is paced at the lowest rate any of its
/// clients asked for (an explicit `rateLimit`, or the default for a non-loopback host).
pub fn gate_for(config: &KommoConfig) -> Arc<AccountGate> {
    static GATES: OnceLock<Mutex<HashMap<String, Arc<AccountGate>>>> = OnceLock::new();
    let rate = config.effective_rate_limit();
    let key = config.base_url();
    let mut gates = GATES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(gate) = gates.get(&key) {
        gate.lower_to(rate);
        return gate.clone();
    }
    if gates.len() >= 256 {
        // Only idle gates can go: one still held by a transport keeps its pacing.
        gates.retain(|_, g| Arc::strong_count(g) > 1);
    }
    let gate = Arc::new(AccountGate::new(rate));
    gates.insert(key, gate.clone());
    gate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_limiter_spaces_requests_evenly() {
        let limiter = Limiter::new(NonZeroU32::new(20).unwrap());
        let start = Instant::now();
        for _ in 0..11 {
            limiter.wait().await;
        }
        // Ten gaps of 55 ms (50 ms + 10%) after the first request.
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(545), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(900), "{elapsed:?}");
    }

    #[test]
    fn the_breaker_opens_and_closes_after_its_cool_down() {
        let b = Breaker::new(Duration::from_millis(50));
        assert!(b.check().is_none());
        b.trip("GET /api/v4/leads");
        let open = b.check().expect("open after a trip");
        assert_eq!(open.blocked_on, "GET /api/v4/leads");
        assert!(open.remaining <= Duration::from_millis(50));
        std::thread::sleep(Duration::from_millis(60));
        assert!(b.check().is_none(), "half-open after the cool-down");
    }

    #[test]
    fn one_gate_per_account_url_whatever_the_token() {
        let cfg = |token: &str| {
            crate::config::validate(crate::config::RawConfig {
                base_url: Some("https://gate-test.kommo.com".into()),
                access_token: Some(token.into()),
                ..Default::default()
            })
            .unwrap()
        };
        let a = gate_for(&cfg("one"));
        let b = gate_for(&cfg("two"));
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(a.rate(), Some(crate::config::DEFAULT_RATE_LIMIT));
    }

    #[test]
    fn one_gate_per_account_paced_at_the_lowest_rate_asked() {
        let cfg = |rate: Option<f64>| {
            crate::config::validate(crate::config::RawConfig {
                base_url: Some("http://127.0.0.1:9".into()),
                access_token: Some("t".into()),
                rate_limit: rate,
                ..Default::default()
            })
            .unwrap()
        };
        let unpaced = gate_for(&cfg(None));
        assert_eq!(unpaced.rate(), None, "loopback without a rate is not paced");
        let six = gate_for(&cfg(Some(6.0)));
        let five = gate_for(&cfg(Some(5.0)));
        let eight = gate_for(&cfg(Some(8.0)));
        for g in [&six, &five, &eight] {
            assert!(Arc::ptr_eq(&unpaced, g), "one gate for the account");
        }
        assert_eq!(unpaced.rate(), Some(5), "the slowest client's rate holds for all");
    }
}
