//! `POST /oauth2/access_token` as Kommo answers it, for one registered integration with fixed
//! credentials ([`CLIENT_ID`], [`CLIENT_SECRET`], [`REDIRECT_URI`]).
//!
//! - Authorization codes (`def50...`) are minted by tests with `POST /__sandbox/oauth/code`
//!   (or [`super::Sandbox::mint_code`]); they expire after 20 minutes (settable) and work once.
//! - Access tokens expire after `access_token_lifetime` (86400 s by default; settable through
//!   `POST /__sandbox/config {"access_token_lifetime": 2}` or `SandboxOptions`).
//! - Refresh tokens rotate: each refresh issues a new pair and the used refresh token is
//!   rejected afterwards with Kommo's `401 {"hint":"Token has been revoked",...}`.
//! - Wrong client id / secret / redirect URI get Kommo's hints (400).
//!
//! The API (`/api/v4/*`) accepts the sandbox's static token and any unexpired access token.
//! `GET /__sandbox/oauth` reports how many exchanges and refreshes succeeded or failed.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde::Serialize;
use serde_json::{json, Value};

use super::{lock, AppState};

/// The sandbox integration's id (Kommo's "Integration ID").
pub const CLIENT_ID: &str = "sandbox-client-id";
/// The sandbox integration's secret key.
pub const CLIENT_SECRET: &str = "sandbox-client-secret";
/// The redirect URI registered for the sandbox integration.
pub const REDIRECT_URI: &str = "https://example.com/kommo/oauth";
/// Default access token lifetime (Kommo: 24 h).
pub const ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(86_400);
/// Default authorization code lifetime (Kommo: 20 minutes).
pub const CODE_LIFETIME: Duration = Duration::from_secs(20 * 60);

/// Counters of the token endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OAuthStats {
    /// Successful code exchanges.
    pub exchanges: u64,
    /// Successful refreshes.
    pub refreshes: u64,
    /// Rejected token requests.
    pub failures: u64,
}

/// Token state.
#[derive(Debug)]
pub(super) struct OAuthState {
    pub access_token_lifetime: Duration,
    pub code_lifetime: Duration,
    /// code -> (minted at, used)
    codes: HashMap<String, (Instant, bool)>,
    /// access token -> expires at
    access: HashMap<String, Instant>,
    /// live refresh tokens
    refresh: HashSet<String>,
    /// refresh tokens already used (rotated away)
    used_refresh: HashSet<String>,
    pub stats: OAuthStats,
}

impl OAuthState {
    pub fn new(access_token_lifetime: Duration) -> Self {
        Self {
            access_token_lifetime,
            code_lifetime: CODE_LIFETIME,
            codes: HashMap::new(),
            access: HashMap::new(),
            refresh: HashSet::new(),
            used_refresh: HashSet::new(),
            stats: OAuthStats::default(),
        }
    }

    /// A new single-use authorization code.
    pub fn mint_code(&mut self) -> String {
        let code = random_token("def50200", 96);
        self.codes.insert(code.clone(), (Instant::now(), false));
        code
    }

    /// True when `token` is an access token that has not expired.
    pub fn access_valid(&self, token: &str) -> bool {
        self.access.get(token).is_some_and(|exp| Instant::now() < *exp)
    }

    /// Makes every issued access token invalid (to provoke 401-driven refreshes).
    pub fn revoke_access_tokens(&mut self) {
        self.access.clear();
    }

    fn issue(&mut self) -> Value {
        let access = random_token("sbx.", 64);
        let refresh = random_token("def50200", 128);
        self.access
            .insert(access.clone(), Instant::now() + self.access_token_lifetime);
        self.refresh.insert(refresh.clone());
        json!({
            "token_type": "Bearer",
            "expires_in": self.access_token_lifetime.as_secs(),
            "server_time": std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            "access_token": access,
            "refresh_token": refresh,
        })
    }
}

/// Random-looking token text (the std hasher is randomly keyed per process).
fn random_token(prefix: &str, len: usize) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let state = std::collections::hash_map::RandomState::new();
    let mut out = prefix.to_string();
    let mut i = 0u64;
    while out.len() < len {
        let mut h = state.build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_u64(i);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        out.push_str(&format!("{:016x}", h.finish()));
        i += 1;
    }
    out.truncate(len);
    out
}

/// The token route (outside `/api/v4`, like Kommo's).
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/oauth2/access_token", post(access_token))
}

/// Kommo's OAuth problem body.
fn oauth_error(status: StatusCode, hint: &str) -> Response {
    let body = json!({
        "hint": hint,
        "title": "Некорректный запрос",
        "type": "https://developers.amocrm.ru/v3/errors/OAuthProblemJson",
        "status": status.as_u16(),
        "detail": "В запросе отсутствует ряд параметров или параметры невалидны",
    });
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

async fn access_token(State(state): State<AppState>, body: Bytes) -> Response {
    let mut st = lock(&state.oauth);
    let response = grant(&mut st, &body);
    if response.status().is_success() {
        // counted in grant()
    } else {
        st.stats.failures += 1;
    }
    response
}

fn grant(st: &mut OAuthState, body: &[u8]) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return oauth_error(StatusCode::BAD_REQUEST, "Invalid request body");
    };
    let field = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or("");
    if field("client_id") != CLIENT_ID {
        return oauth_error(StatusCode::BAD_REQUEST, "Check the `client_id` parameter");
    }
    if field("client_secret") != CLIENT_SECRET {
        return oauth_error(StatusCode::BAD_REQUEST, "Check the `client_secret` parameter");
    }
    if field("redirect_uri") != REDIRECT_URI {
        return oauth_error(StatusCode::BAD_REQUEST, "Redirect URI is not associated with client");
    }
    match field("grant_type") {
        "authorization_code" => {
            let code = field("code");
            let lifetime = st.code_lifetime;
            match st.codes.get_mut(code) {
                None => oauth_error(StatusCode::BAD_REQUEST, "Cannot decrypt the authorization code"),
                Some((_, true)) => oauth_error(StatusCode::BAD_REQUEST, "Authorization code has been revoked"),
                Some((minted, _)) if minted.elapsed() >= lifetime => {
                    oauth_error(StatusCode::BAD_REQUEST, "Authorization code has expired")
                }
                Some((_, used)) => {
                    *used = true;
                    st.stats.exchanges += 1;
                    json_ok(st.issue())
                }
            }
        }
        "refresh_token" => {
            let rt = field("refresh_token");
            if st.refresh.remove(rt) {
                st.used_refresh.insert(rt.to_string());
                st.stats.refreshes += 1;
                json_ok(st.issue())
            } else if st.used_refresh.contains(rt) {
                oauth_error(StatusCode::UNAUTHORIZED, "Token has been revoked")
            } else {
                oauth_error(StatusCode::BAD_REQUEST, "Invalid refresh token")
            }
        }
        _ => oauth_error(StatusCode::BAD_REQUEST, "Unsupported grant type"),
    }
}

fn json_ok(body: Value) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}
