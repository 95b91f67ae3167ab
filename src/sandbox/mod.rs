//! The embedded Kommo API v4 emulator ("sandbox"): a stateful fake account on 127.0.0.1 that
//! answers like Kommo does (HAL bodies, problem+json errors, 204 for "nothing found", PHP-style
//! filters, `query=` search), so the client, the MCP server and the JS SDK can be exercised
//! without a real account.
//!
//! Layout: this file runs the server (auth, request counting, fallbacks); [`store`] holds the
//! state and [`seed`] fills it deterministically; `query`, `list`, `write`, `field_values`,
//! `embed` and `http` are the shared machinery (query-string parsing, HAL pages, batch writes,
//! custom field values, `_embedded` blocks, response shapes); then one file per resource.
//! `/__sandbox/*` holds control endpoints (stats, config, reset) and needs no token.

mod account;
pub mod activity;
mod catalogs;
mod companies;
mod complex;
mod contacts;
mod control;
mod custom_fields;
mod embed;
mod events;
pub mod faults;
mod field_values;
mod http;
mod leads;
mod links;
mod list;
mod notes;
pub mod oauth;
mod pipelines;
mod query;
pub mod seed;
pub mod store;
mod tags;
mod tasks;
mod unsorted;
mod users;
mod write;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde::Serialize;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use self::http::Problem;
use self::store::Store;

/// Bearer token the sandbox accepts unless another one is configured.
pub const DEFAULT_TOKEN: &str = "sandbox-token";

/// Path prefix of the control endpoints (no auth, not counted).
pub const CONTROL_PREFIX: &str = "/__sandbox/";

/// How long [`Sandbox::shutdown`] waits for open connections before aborting the server task.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Port on 127.0.0.1; 0 picks a free ephemeral port.
    pub port: u16,
    /// The bearer token requests must carry (OAuth access tokens it issued are accepted too).
    pub token: String,
    /// Lifetime of the OAuth access tokens it issues (Kommo: 24 h).
    pub access_token_lifetime: Duration,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            port: 0,
            token: DEFAULT_TOKEN.to_string(),
            access_token_lifetime: oauth::ACCESS_TOKEN_LIFETIME,
        }
    }
}

/// Request counters: every request except `/__sandbox/*` control calls.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SandboxStats {
    /// Total requests, including rejected ones (401, 404...).
    pub requests: u64,
    /// Requests per `"METHOD /route"`, numeric path segments shown as `{id}`
    /// (e.g. `"GET /api/v4/contacts/{id}"`).
    pub by_route: BTreeMap<String, u64>,
}

/// What `GET /api/v4/{leads|contacts|companies}/{id}` answers for an id that does not exist.
/// Kommo's documentation says 204; some accounts were reported to answer 404.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingEntity {
    /// `204 No Content` (the documented behaviour).
    #[default]
    NoContent,
    /// `404` problem+json.
    NotFound,
}

impl MissingEntity {
    /// The HTTP status code it stands for.
    pub fn status(self) -> u16 {
        match self {
            MissingEntity::NoContent => 204,
            MissingEntity::NotFound => 404,
        }
    }
}

/// State shared by every handler.
struct Shared {
    /// `http://127.0.0.1:PORT`, the host of every href.
    base_url: String,
    token: String,
    store: Mutex<Store>,
    stats: Mutex<SandboxStats>,
    missing_entity: Mutex<MissingEntity>,
    faults: Mutex<faults::Faults>,
    oauth: Mutex<oauth::OAuthState>,
}

type AppState = Arc<Shared>;

impl Shared {
    fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }

    /// Absolute URL of a path on this sandbox.
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    fn missing_entity(&self) -> MissingEntity {
        *lock(&self.missing_entity)
    }
}

/// Locks a mutex, recovering the data if a handler panicked while holding it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running sandbox. Dropping it signals the server to stop; [`Sandbox::shutdown`] also waits.
pub struct Sandbox {
    addr: SocketAddr,
    state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Binds 127.0.0.1:`port`, seeds the account and serves it on the current tokio runtime.
    /// Returns once the socket accepts connections.
    pub async fn start(options: SandboxOptions) -> std::io::Result<Sandbox> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Shared {
            base_url: format!("http://{addr}"),
            token: options.token,
            store: Mutex::new(seed::build()),
            stats: Mutex::new(SandboxStats::default()),
            missing_entity: Mutex::new(MissingEntity::default()),
            faults: Mutex::new(faults::Faults::default()),
            oauth: Mutex::new(oauth::OAuthState::new(options.access_token_lifetime)),
        });
        let app = router(state.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let server = axum::serve(listener, app).with_graceful_shutdown(async move {
                // A dropped sender also means "stop".
                let _ = stopped.await;
            });
            if let Err(error) = server.await {
                tracing::warn!(%error, "kommo sandbox server stopped with an error");
            }
        });
        tracing::debug!(%addr, "kommo sandbox listening");
        Ok(Sandbox {
            addr,
            state,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// Account URL of the sandbox, e.g. `http://127.0.0.1:41234` (the API is under `/api/v4`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bearer token it accepts.
    pub fn token(&self) -> &str {
        &self.state.token
    }

    /// A snapshot of the request counters.
    pub fn stats(&self) -> SandboxStats {
        lock(&self.state.stats).clone()
    }

    /// Sets the counters back to zero.
    pub fn reset_stats(&self) {
        *lock(&self.state.stats) = SandboxStats::default();
    }

    /// Chooses what a get-by-id for a missing lead, contact or company answers (default 204).
    pub fn set_missing_entity(&self, answer: MissingEntity) {
        *lock(&self.state.missing_entity) = answer;
    }

    /// Mints a single-use OAuth authorization code (`def50...`) for the sandbox integration
    /// ([`oauth::CLIENT_ID`], [`oauth::CLIENT_SECRET`], [`oauth::REDIRECT_URI`]).
    pub fn mint_code(&self) -> String {
        lock(&self.state.oauth).mint_code()
    }

    /// Counters of the OAuth token endpoint.
    pub fn oauth_stats(&self) -> oauth::OAuthStats {
        lock(&self.state.oauth).stats.clone()
    }

    /// Sets the lifetime of access tokens issued from now on.
    pub fn set_access_token_lifetime(&self, lifetime: Duration) {
        lock(&self.state.oauth).access_token_lifetime = lifetime;
    }

    /// Sets how long authorization codes stay valid (Kommo: 20 minutes).
    pub fn set_code_lifetime(&self, lifetime: Duration) {
        lock(&self.state.oauth).code_lifetime = lifetime;
    }

    /// Invalidates every issued OAuth access token (the next API call gets a 401).
    pub fn revoke_access_tokens(&self) {
        lock(&self.state.oauth).revoke_access_tokens();
    }

    /// Adds a fault rule (see [`faults`]). Panics on an invalid rule (a test's mistake).
    pub fn inject(&self, rule: faults::FaultRule) {
        if let Err(e) = lock(&self.state.faults).add(vec![rule]) {
            panic!("invalid fault rule: {e}");
        }
    }

    /// Enforces Kommo's rate limit: 429 HTML past `per_second` requests in a sliding second,
    /// and 403 HTML for everything after `block_after` violations.
    pub fn enforce_rate_limit(&self, per_second: u32, block_after: Option<u32>) {
        lock(&self.state.faults).set_rate_limit(Some(faults::RateLimitRule {
            per_second,
            block_after,
        }));
    }

    /// Removes every fault, the rate limit and any block, and zeroes the fault counters.
    pub fn clear_faults(&self) {
        lock(&self.state.faults).clear();
    }

    /// The fault counters: max requests per second seen, entities created, drops...
    pub fn fault_stats(&self) -> faults::FaultStats {
        lock(&self.state.faults).stats.clone()
    }

    /// Restores the seed data, discarding every write.
    pub fn reset_data(&self) {
        *self.state.store() = seed::build();
    }

    /// Stops accepting connections and waits for the server task to end (open connections get
    /// a short grace period, then the task is aborted).
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await.is_err() {
                task.abort();
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Every route, the fallbacks and the two middlewares (counting outside auth, so rejected
/// requests are counted too).
fn router(state: AppState) -> Router {
    Router::new()
        .merge(account::routes())
        .merge(users::routes())
        .merge(pipelines::routes())
        .merge(custom_fields::routes())
        .merge(contacts::routes())
        .merge(companies::routes())
        .merge(leads::routes())
        .merge(complex::routes())
        .merge(links::routes())
        .merge(catalogs::routes())
        .merge(tags::routes())
        .merge(tasks::routes())
        .merge(notes::routes())
        .merge(events::routes())
        .merge(unsorted::routes())
        .merge(control::routes())
        .merge(oauth::routes())
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(no_route)
        .layer(middleware::from_fn_with_state(state.clone(), authorize))
        .layer(middleware::from_fn_with_state(state.clone(), faults::middleware))
        .layer(middleware::from_fn_with_state(state.clone(), count))
        .with_state(state)
}

/// `/api/v4/*` needs `Authorization: Bearer <token>` (the static token or a current OAuth access
/// token); Kommo answers 401 problem+json otherwise.
async fn authorize(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path == "/api/v4" || path.starts_with("/api/v4/") {
        let authorized = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().split_once(' '))
            .is_some_and(|(scheme, token)| {
                let token = token.trim();
                scheme.eq_ignore_ascii_case("bearer")
                    && (token == state.token || lock(&state.oauth).access_valid(token))
            });
        if !authorized {
            return Problem::new(StatusCode::UNAUTHORIZED, "Invalid user name or password").into_response();
        }
    }
    next.run(request).await
}

/// Counts the request under `"METHOD /route"` before handling it.
async fn count(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !path.starts_with(CONTROL_PREFIX) {
        let label = format!("{} {}", request.method(), route_label(path));
        let mut stats = lock(&state.stats);
        stats.requests += 1;
        *stats.by_route.entry(label).or_insert(0) += 1;
    }
    next.run(request).await
}

/// `/api/v4/leads/pipelines/7/statuses/142` → `/api/v4/leads/pipelines/{id}/statuses/{id}`.
fn route_label(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
                "{id}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Kommo's answer for a path it does not serve: 404 `Cannot GET https://…`.
async fn no_route(State(state): State<AppState>, method: Method, uri: Uri) -> Problem {
    Problem::no_route(method.as_str(), &state.url(&path_and_query(&uri)))
}

/// A known path with the wrong method: 405 problem+json.
async fn method_not_allowed(State(state): State<AppState>, method: Method, uri: Uri) -> Problem {
    let url = state.url(&path_and_query(&uri));
    Problem::new(StatusCode::METHOD_NOT_ALLOWED, format!("Cannot {method} {url}"))
}

fn path_and_query(uri: &Uri) -> String {
    uri.path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_else(|| uri.path().to_string())
}

#[cfg(test)]
mod tests {
    use super::route_label;

    #[test]
    fn route_labels_hide_numeric_ids() {
        assert_eq!(
            route_label("/api/v4/leads/pipelines/7/statuses/142"),
            "/api/v4/leads/pipelines/{id}/statuses/{id}"
        );
        assert_eq!(route_label("/api/v4/contacts"), "/api/v4/contacts");
    }
}
