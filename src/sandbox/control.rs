//! `/__sandbox/*`: control endpoints for tests and tools (no token, not counted). Later fault
//! injection belongs here too.
//!
//! - `GET /__sandbox/stats`: request counters as JSON.
//! - `POST /__sandbox/reset-stats`: zero the counters (204).
//! - `GET|POST /__sandbox/config`: read or change `{"missing_entity_status": 204|404}`.
//! - `POST /__sandbox/reset`: restore the seed data (204).
//! - `POST /__sandbox/oauth/code`: mint an authorization code
//!   `{"code","client_id","client_secret","redirect_uri","expires_in"}` for the sandbox integration.
//! - `GET /__sandbox/oauth`: token endpoint counters `{"exchanges","refreshes","failures"}`.
//! - `POST /__sandbox/oauth/revoke-access-tokens`: every issued access token stops working (204).
//! - `/__sandbox/config` also takes `access_token_lifetime` and `code_lifetime` (seconds).
//! - `GET /__sandbox/faults`: fault rules, rate limit, block state and fault counters.
//! - `POST /__sandbox/faults`: `{"rules": [FaultRule...], "rate_limit": {"per_second": 7,
//!   "block_after": 3} | null}`; rules are appended (see [`super::faults`]).
//! - `DELETE /__sandbox/faults`: clear rules, rate limit, block and fault counters (204).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use super::http::{no_content, Problem};
use super::write::parse_body;
use super::{lock, seed, AppState, MissingEntity, SandboxStats};

/// The control routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/__sandbox/stats", get(stats))
        .route("/__sandbox/reset-stats", post(reset_stats))
        .route("/__sandbox/config", get(config).post(set_config))
        .route("/__sandbox/reset", post(reset))
        .route("/__sandbox/oauth/code", post(mint_code))
        .route("/__sandbox/oauth", get(oauth_stats))
        .route("/__sandbox/oauth/revoke-access-tokens", post(revoke_access_tokens))
        .route("/__sandbox/faults", get(faults).post(set_faults).delete(clear_faults))
}

fn json_response(body: Value) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

async fn stats(State(state): State<AppState>) -> Response {
    let stats = lock(&state.stats).clone();
    json_response(json!(stats))
}

async fn reset_stats(State(state): State<AppState>) -> Response {
    *lock(&state.stats) = SandboxStats::default();
    no_content()
}

fn config_body(state: &AppState) -> Value {
    let oauth = lock(&state.oauth);
    json!({
        "missing_entity_status": state.missing_entity().status(),
        "access_token_lifetime": oauth.access_token_lifetime.as_secs(),
        "code_lifetime": oauth.code_lifetime.as_secs(),
    })
}

async fn mint_code(State(state): State<AppState>) -> Response {
    let mut oauth = lock(&state.oauth);
    let code = oauth.mint_code();
    json_response(json!({
        "code": code,
        "client_id": super::oauth::CLIENT_ID,
        "client_secret": super::oauth::CLIENT_SECRET,
        "redirect_uri": super::oauth::REDIRECT_URI,
        "expires_in": oauth.code_lifetime.as_secs(),
    }))
}

async fn oauth_stats(State(state): State<AppState>) -> Response {
    let stats = lock(&state.oauth).stats.clone();
    json_response(json!(stats))
}

async fn revoke_access_tokens(State(state): State<AppState>) -> Response {
    lock(&state.oauth).revoke_access_tokens();
    no_content()
}

async fn config(State(state): State<AppState>) -> Response {
    json_response(config_body(&state))
}

async fn set_config(State(state): State<AppState>, body: Bytes) -> Result<Response, Problem> {
    let body = parse_body(&body)?;
    if let Some(value) = body.get("missing_entity_status") {
        let answer = match value.as_u64() {
            Some(204) => MissingEntity::NoContent,
            Some(404) => MissingEntity::NotFound,
            _ => return Err(Problem::bad_request("missing_entity_status must be 204 or 404")),
        };
        *lock(&state.missing_entity) = answer;
    }
    for key in ["access_token_lifetime", "code_lifetime"] {
        if let Some(value) = body.get(key) {
            let secs = value
                .as_u64()
                .ok_or_else(|| Problem::bad_request(format!("{key} must be a number of seconds")))?;
            let mut oauth = lock(&state.oauth);
            let d = std::time::Duration::from_secs(secs);
            if key == "code_lifetime" {
                oauth.code_lifetime = d;
            } else {
                oauth.access_token_lifetime = d;
            }
        }
    }
    Ok(json_response(config_body(&state)))
}

async fn reset(State(state): State<AppState>) -> Response {
    *state.store() = seed::build();
    no_content()
}

async fn faults(State(state): State<AppState>) -> Response {
    json_response(lock(&state.faults).describe())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultsBody {
    #[serde(default)]
    rules: Vec<super::faults::FaultRule>,
    #[serde(default)]
    rate_limit: Option<Option<super::faults::RateLimitRule>>,
}

async fn set_faults(State(state): State<AppState>, body: Bytes) -> Result<Response, Problem> {
    let body: FaultsBody = serde_json::from_value(parse_body(&body)?)
        .map_err(|e| Problem::bad_request(format!("invalid faults body: {e}")))?;
    let mut faults = lock(&state.faults);
    faults.add(body.rules).map_err(Problem::bad_request)?;
    if let Some(rule) = body.rate_limit {
        faults.set_rate_limit(rule);
    }
    Ok(json_response(faults.describe()))
}

async fn clear_faults(State(state): State<AppState>) -> Response {
    lock(&state.faults).clear();
    no_content()
}
