//! OAuth 2.0 for Kommo: the token endpoint (`POST {account}/oauth2/access_token`), and the
//! [`TokenManager`] that hands out a current access token for one account.
//!
//! Kommo rotates refresh tokens: each refresh returns a new refresh token and the old one stops
//! working at once. So the manager always *saves* a new pair (token file, JS token store or
//! `onTokens` callback) before it uses the new access token, and if saving fails it keeps the
//! pair in memory (access is never lost) and retries saving before the next use.
//!
//! Refreshes happen ahead of expiry ([`REFRESH_MARGIN`]) and once after a 401. Concurrent callers
//! share one refresh: the state sits behind a `tokio::sync::Mutex`, so whoever holds it refreshes
//! and the others then find a fresh token.
//!
//! Nothing here logs or formats a token, a code or the client secret: [`Tokens`] and
//! [`OAuthConfig`] have redacting `Debug`, request/response bodies are never logged, and error
//! messages are built from Kommo's `hint` only.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::future::BoxFuture;
use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::config::{Grant, KommoConfig, OAuthConfig};
use crate::error::{Error, Result};

/// Time allowed for a token request.
pub const TOKEN_TIMEOUT: Duration = Duration::from_secs(15);
/// Refresh this long before the access token expires.
pub const REFRESH_MARGIN: i64 = 60;
/// Largest token-endpoint body read (bytes).
const MAX_BODY: usize = 64 * 1024;

/// Seconds since the Unix epoch.
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// An OAuth token pair and when the access token expires.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    /// Unix seconds; 0 when unknown (the token is then used until Kommo answers 401).
    pub expires_at: i64,
    /// Seconds the access token was issued for (Kommo's `expires_in`); 0 when unknown (tokens
    /// loaded from an older token file or a JS token store). Sets the refresh margin.
    #[serde(default)]
    pub lifetime: i64,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

impl Tokens {
    /// True when the access token is still usable for at least `margin` seconds.
    pub fn fresh(&self, now: i64, margin: i64) -> bool {
        self.expires_at == 0 || self.expires_at - margin > now
    }

    /// How long before expiry to refresh: [`REFRESH_MARGIN`], but at most half the token's
    /// lifetime when it is known, so a short-lived token (tests, proxies) is not refreshed on
    /// every request and concurrent callers still share one refresh.
    pub fn refresh_margin(&self) -> i64 {
        if self.lifetime > 0 {
            REFRESH_MARGIN.min(self.lifetime / 2)
        } else {
            REFRESH_MARGIN
        }
    }

    /// [`Tokens::fresh`] with [`Tokens::refresh_margin`].
    pub fn usable(&self, now: i64) -> bool {
        self.fresh(now, self.refresh_margin())
    }
}

/// Where refreshed tokens are kept between runs: the server's token file, a JS token store or
/// `onTokens` callback. `save` must complete before the new access token is used.
pub trait TokenStore: Send + Sync {
    /// The saved tokens, if any.
    fn load(&self) -> BoxFuture<'_, Result<Option<Tokens>>>;
    /// Saves `tokens` durably; an error keeps them in memory and is reported.
    fn save<'a>(&'a self, tokens: &'a Tokens) -> BoxFuture<'a, Result<()>>;
    /// Where the tokens go, for messages ("the token file /home/me/.config/...").
    fn describe(&self) -> String;
}

/// The token endpoint of one account and integration.
#[derive(Clone)]
pub struct OAuthClient {
    http: reqwest::Client,
    token_url: Url,
    client_id: String,
    client_secret: String,
    redirect_uri: String,
}

impl fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthClient")
            .field("token_url", &self.token_url.as_str())
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    refresh_token: String,
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    server_time: Option<i64>,
}

#[derive(Default, Deserialize)]
struct OAuthProblem {
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    title: Option<String>,
}

/// What kind of grant was sent, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GrantKind {
    Code,
    Refresh,
}

impl OAuthClient {
    /// The token endpoint of `account_url` for this integration.
    pub fn new(account_url: &Url, oauth: &OAuthConfig) -> Result<Self> {
        crate::api::transport::install_crypto_provider();
        let mut token_url = account_url.clone();
        token_url.set_path("/oauth2/access_token");
        let http = reqwest::Client::builder()
            .user_agent(crate::api::transport::user_agent())
            .connect_timeout(crate::api::transport::CONNECT_TIMEOUT)
            .timeout(TOKEN_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Connect {
                context: "building the OAuth HTTP client".into(),
                host: account_url.host_str().unwrap_or_default().to_string(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            http,
            token_url,
            client_id: oauth.client_id.clone(),
            client_secret: oauth.client_secret.clone(),
            redirect_uri: oauth.redirect_uri.clone(),
        })
    }

    /// Exchanges an authorization code (`def50...`, valid 20 minutes, single use) for tokens.
    pub async fn exchange_code(&self, code: &str) -> Result<Tokens> {
        self.request(GrantKind::Code, code).await
    }

    /// Trades a refresh token for a new pair. The old refresh token is dead afterwards.
    pub async fn refresh(&self, refresh_token: &str) -> Result<Tokens> {
        self.request(GrantKind::Refresh, refresh_token).await
    }

    async fn request(&self, kind: GrantKind, secret: &str) -> Result<Tokens> {
        let context = match kind {
            GrantKind::Code => "exchanging the authorization code (POST /oauth2/access_token)",
            GrantKind::Refresh => "refreshing the access token (POST /oauth2/access_token)",
        };
        let mut body = serde_json::json!({
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "redirect_uri": self.redirect_uri,
        });
        match kind {
            GrantKind::Code => {
                body["grant_type"] = "authorization_code".into();
                body["code"] = secret.into();
            }
            GrantKind::Refresh => {
                body["grant_type"] = "refresh_token".into();
                body["refresh_token"] = secret.into();
            }
        }
        let bytes = serde_json::to_vec(&body).map_err(|e| Error::invalid("body", e.to_string()))?;
        let host = self.token_url.host_str().unwrap_or_default().to_string();
        let resp = self
            .http
            .post(self.token_url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .body(bytes)
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    Error::Timeout {
                        context: context.to_string(),
                        after: TOKEN_TIMEOUT,
                    }
                } else {
                    Error::Connect {
                        context: context.to_string(),
                        host: host.clone(),
                        reason: if e.is_connect() {
                            "connection failed".into()
                        } else {
                            "the request failed".into()
                        },
                    }
                }
            })?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|_| Error::Network {
            context: context.to_string(),
            reason: "the answer was cut off".into(),
        })?;
        let body = &body[..body.len().min(MAX_BODY)];
        tracing::debug!(target: "kommo_mcp::oauth", status, kind = ?kind, "kommo token request");
        if (200..300).contains(&status) {
            let parsed: TokenResponse = serde_json::from_slice(body).map_err(|_| Error::InvalidResponse {
                context: context.to_string(),
                reason: "the token response is not the expected JSON (access_token, refresh_token, expires_in)".into(),
            })?;
            let issued = parsed.server_time.filter(|t| *t > 0).unwrap_or_else(now_unix);
            // Measure from our own clock: a skewed server_time must not make us use a dead token.
            let issued = issued.min(now_unix());
            return Ok(Tokens {
                access_token: parsed.access_token,
                refresh_token: parsed.refresh_token,
                expires_at: parsed.expires_in.map(|s| issued + s.max(0)).unwrap_or(0),
                lifetime: parsed.expires_in.unwrap_or(0).max(0),
            });
        }
        let html = crate::api::transport::looks_like_html(body);
        let problem: OAuthProblem = if html {
            OAuthProblem::default()
        } else {
            serde_json::from_slice(body).unwrap_or_default()
        };
        Err(Error::OAuth {
            status,
            hint: problem.hint.clone(),
            message: explain(kind, status, &problem, html),
        })
    }
}

const NEW_CODE: &str = "copy a new authorization code from Kommo > Settings > Integrations > your integration > Keys and scopes (valid 20 minutes) and run `kommo-mcp auth` again (or pass it as authorizationCode / KOMMO_AUTH_CODE)";

/// Turns Kommo's `hint` into what happened and what to do next. Never includes a token.
fn explain(kind: GrantKind, status: u16, p: &OAuthProblem, html: bool) -> String {
    let hint = p.hint.as_deref().unwrap_or("");
    match hint {
        "Authorization code has expired" => format!(
            "the authorization code expired: codes are valid 20 minutes; {NEW_CODE}"
        ),
        "Authorization code has been revoked" => format!(
            "this authorization code was already used: codes work only once; {NEW_CODE}"
        ),
        "Cannot decrypt the authorization code" => format!(
            "Kommo cannot read this authorization code: copy it again completely (it starts with def50); {NEW_CODE}"
        ),
        "Token has been revoked" => format!(
            "this refresh token was already used or was revoked: Kommo refresh tokens work once and every refresh returns a new one, so another program (or another copy of this config) refreshed with it, or the integration was disconnected; authorize again: {NEW_CODE}"
        ),
        "Invalid refresh token" => format!("Kommo does not accept this refresh token; authorize again: {NEW_CODE}"),
        "Check the `client_id` parameter" => "Kommo does not know this client id: set clientId / KOMMO_CLIENT_ID to the Integration ID from Kommo > Settings > Integrations > your integration > Keys and scopes".into(),
        "Check the `client_secret` parameter" => "Kommo refused the client secret: set clientSecret / KOMMO_CLIENT_SECRET to the Secret key from Keys and scopes of the same integration".into(),
        "Redirect URI is not associated with client" => "the redirect URI does not match the integration's: set redirectUri / KOMMO_REDIRECT_URI to exactly the Redirect URI configured in the integration's settings".into(),
        "Invalid account" => "the integration is not installed in this account: check baseUrl / KOMMO_BASE_URL, and that the authorization code comes from the same account".into(),
        _ => {
            let what = match kind {
                GrantKind::Code => "exchange of the authorization code",
                GrantKind::Refresh => "token refresh",
            };
            let detail = if html {
                " with an HTML page (is baseUrl / KOMMO_BASE_URL your account's address? an HTML 403 can also mean the IP is blocked)".to_string()
            } else {
                match p.hint.as_deref().or(p.detail.as_deref()).or(p.title.as_deref()) {
                    Some(d) if !d.is_empty() => format!(": {}", crate::text::truncate_chars(d, 200)),
                    _ => String::new(),
                }
            };
            let next = match kind {
                GrantKind::Code => NEW_CODE.to_string(),
                GrantKind::Refresh => format!("if it keeps failing, authorize again: {NEW_CODE}"),
            };
            format!("Kommo refused the {what} (HTTP {status}){detail}; {next}")
        }
    }
}

/// Mutable state of a [`TokenManager`].
struct State {
    /// The store was read (once, on first use).
    loaded: bool,
    tokens: Option<Tokens>,
    /// The grant from the config, not yet used.
    grant: Option<Grant>,
    /// The current tokens were not saved yet (the save failed); save before the next use.
    unsaved: bool,
    /// The current tokens came from a token request of this manager (not from the config or a
    /// store): a store attached later must receive them rather than be loaded over them.
    obtained: bool,
}

/// The manager's token store, replaceable while the manager is in use (a JS `tokenStore` /
/// `onTokens` given on a later SDK call with an equal config is attached to the shared
/// manager, see [`TokenManager::attach_store`]).
#[derive(Default)]
struct StoreSlot {
    /// The store in use.
    current: Option<Arc<dyn TokenStore>>,
    /// A store attached while there was none: reconciled under the state lock at the next use
    /// (the current tokens are saved to it, or it is loaded).
    pending: Option<Arc<dyn TokenStore>>,
}

/// Hands out a current access token for one account, refreshing and saving as needed.
pub struct TokenManager {
    client: OAuthClient,
    store: std::sync::Mutex<StoreSlot>,
    state: tokio::sync::Mutex<State>,
    refreshes: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenManager").finish_non_exhaustive()
    }
}

impl TokenManager {
    /// A manager for an OAuth config; `store` keeps the tokens between runs.
    pub fn new(config: &KommoConfig, oauth: &OAuthConfig, store: Option<Arc<dyn TokenStore>>) -> Result<Self> {
        let mut grant = oauth.grant.clone();
        let tokens = (!config.access_token.is_empty()).then(|| Tokens {
            access_token: config.access_token.clone(),
            // An access token given with its refresh token is a pair: refresh with it later
            // (a `def50...` value next to an access token is a refresh token, not a code).
            refresh_token: match grant.take_if(|g| !matches!(g, Grant::AuthorizationCode(_))) {
                Some(Grant::RefreshToken(rt) | Grant::CodeOrRefreshToken(rt)) => rt,
                _ => String::new(),
            },
            expires_at: oauth.expires_at.unwrap_or(0),
            lifetime: 0,
        });
        Ok(Self {
            client: OAuthClient::new(&config.account_url, oauth)?,
            store: std::sync::Mutex::new(StoreSlot {
                current: store,
                pending: None,
            }),
            state: tokio::sync::Mutex::new(State {
                loaded: false,
                tokens,
                grant,
                unsaved: false,
                obtained: false,
            }),
            refreshes: Default::default(),
        })
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, StoreSlot> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The store in use (not counting one attached but not reconciled yet).
    fn current_store(&self) -> Option<Arc<dyn TokenStore>> {
        self.slot().current.clone()
    }

    /// True when tokens are kept in a store (or one was attached for the next use).
    pub fn has_store(&self) -> bool {
        let slot = self.slot();
        slot.current.is_some() || slot.pending.is_some()
    }

    /// Uses `store` from now on (the same store again changes nothing).
    ///
    /// - When there was a store, this just switches: the tokens were saved to the old one and
    ///   are neither saved again nor reloaded (an inline `onTokens` arrow is a new store on every
    ///   call and must not cause a save per call).
    /// - When there was none, the store is reconciled at the next use, under the state lock: if
    ///   the manager already obtained tokens by a token request (the rotated tokens exist only in
    ///   memory), they are saved to it first; otherwise (only the config's tokens, or requests
    ///   that failed) it is loaded like a store given at the start.
    pub fn attach_store(&self, store: Arc<dyn TokenStore>) {
        let mut slot = self.slot();
        match &slot.current {
            Some(cur) if Arc::ptr_eq(cur, &store) => {}
            Some(_) => slot.current = Some(store),
            None => slot.pending = Some(store),
        }
    }

    /// How many token requests (exchanges and refreshes) this manager made.
    pub fn token_requests(&self) -> u64 {
        self.refreshes.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A current access token: loads the store on first use, exchanges a pending code, and
    /// refreshes when the token expires within [`REFRESH_MARGIN`] seconds.
    pub async fn access_token(&self) -> Result<String> {
        let mut st = self.state.lock().await;
        self.prepare(&mut st).await?;
        match &st.tokens {
            Some(t) if t.usable(now_unix()) && !t.access_token.is_empty() => return Ok(t.access_token.clone()),
            _ => {}
        }
        self.renew(&mut st).await
    }

    /// Called after Kommo answered 401 to `rejected`: refreshes unless another caller already
    /// did, and returns the token to retry with.
    pub async fn after_unauthorized(&self, rejected: &str) -> Result<String> {
        let mut st = self.state.lock().await;
        self.prepare(&mut st).await?;
        if let Some(t) = &st.tokens {
            if t.access_token != rejected && t.usable(now_unix()) {
                return Ok(t.access_token.clone());
            }
        }
        if let Some(t) = &mut st.tokens {
            // The server no longer takes it, whatever its expiry said.
            t.expires_at = 1;
        }
        self.renew(&mut st).await
    }

    /// Current tokens, obtaining them first if needed (exchanges a pending code; refreshes an
    /// expired token). Used by `exchangeAuthorizationCode` and `kommo-mcp auth`.
    pub async fn tokens(&self) -> Result<Tokens> {
        self.access_token().await?;
        let st = self.state.lock().await;
        st.tokens.clone().ok_or_else(no_tokens)
    }

    /// Refreshes now, whatever the expiry, and returns the new (saved) tokens.
    pub async fn force_refresh(&self) -> Result<Tokens> {
        let mut st = self.state.lock().await;
        self.prepare(&mut st).await?;
        if let Some(t) = &mut st.tokens {
            t.expires_at = 1;
        }
        self.renew(&mut st).await?;
        st.tokens.clone().ok_or_else(no_tokens)
    }

    /// Loads the store once, and retries a failed save.
    async fn prepare(&self, st: &mut State) -> Result<()> {
        let attached = {
            let mut slot = self.slot();
            let pending = slot.pending.take();
            if let Some(store) = &pending {
                slot.current = Some(store.clone());
            }
            pending
        };
        if attached.is_some() {
            if st.obtained && st.tokens.is_some() {
                // Rotated tokens exist only in memory: the new store gets them first.
                st.unsaved = true;
            } else {
                st.loaded = false;
            }
        }
        let store = self.current_store();
        if !st.loaded {
            if let Some(store) = &store {
                if let Some(saved) = store.load().await? {
                    // Saved tokens are newer than the config's (they were rotated since).
                    st.tokens = Some(saved);
                }
            }
            st.loaded = true;
        }
        if st.unsaved {
            if let (Some(store), Some(tokens)) = (&store, &st.tokens) {
                store.save(tokens).await.map_err(|e| save_error(store.as_ref(), e))?;
            }
            st.unsaved = false;
        }
        Ok(())
    }

    /// Gets a new pair from the refresh token, or from the config's grant, saves it, and
    /// returns the new access token.
    async fn renew(&self, st: &mut State) -> Result<String> {
        let refresh_token = st
            .tokens
            .as_ref()
            .map(|t| t.refresh_token.clone())
            .filter(|r| !r.is_empty());
        let result = match refresh_token {
            Some(rt) => {
                self.count();
                match self.client.refresh(&rt).await {
                    // The stored token is dead; the config may carry a newer grant (a new code).
                    Err(e @ Error::OAuth { .. }) => match st.grant.take() {
                        Some(g) if g.value() != rt => self.use_grant(g).await.map_err(|_| e),
                        _ => Err(e),
                    },
                    other => other,
                }
            }
            None => match st.grant.take() {
                Some(g) => self.use_grant(g).await,
                None => Err(no_tokens()),
            },
        };
        let tokens = result?;
        st.grant = None;
        st.obtained = true;
        let access = tokens.access_token.clone();
        st.tokens = Some(tokens);
        if let (Some(store), Some(tokens)) = (&self.current_store(), &st.tokens) {
            if let Err(e) = store.save(tokens).await {
                // Keep the new pair: the old refresh token is dead now. Saving is retried
                // before the next use.
                st.unsaved = true;
                return Err(save_error(store.as_ref(), e));
            }
        }
        Ok(access)
    }

    async fn use_grant(&self, grant: Grant) -> Result<Tokens> {
        self.count();
        match grant {
            Grant::AuthorizationCode(code) => self.client.exchange_code(&code).await,
            Grant::RefreshToken(rt) => self.client.refresh(&rt).await,
            Grant::CodeOrRefreshToken(v) => match self.client.exchange_code(&v).await {
                // A `def50...` value that is not a code: Kommo's refresh tokens look the same.
                Err(Error::OAuth { hint: Some(h), .. }) if h == "Cannot decrypt the authorization code" => {
                    self.count();
                    self.client.refresh(&v).await
                }
                other => other,
            },
        }
    }

    fn count(&self) {
        self.refreshes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

fn no_tokens() -> Error {
    Error::OAuth {
        status: 0,
        hint: None,
        message: format!("there are no OAuth tokens to use: give refreshToken or authorizationCode (KOMMO_REFRESH_TOKEN / KOMMO_AUTH_CODE), or {NEW_CODE}"),
    }
}

fn save_error(store: &dyn TokenStore, e: Error) -> Error {
    let reason = match e {
        Error::TokenStore { message } => message,
        other => other.to_string(),
    };
    Error::TokenStore {
        message: format!(
            "Kommo issued new OAuth tokens but they could not be saved to {}: {reason}. The old refresh token no longer works, so the new tokens are kept in memory and saving is retried before the next request; fix the cause (permissions, disk space, the token store) to keep access after a restart",
            store.describe()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(hint: &str) -> OAuthProblem {
        OAuthProblem {
            hint: Some(hint.into()),
            ..Default::default()
        }
    }

    #[test]
    fn invalid_account_points_at_the_base_url_and_the_codes_account() {
        for kind in [GrantKind::Code, GrantKind::Refresh] {
            let msg = explain(kind, 400, &problem("Invalid account"), false);
            assert!(msg.contains("not installed in this account"), "{msg}");
            assert!(msg.contains("KOMMO_BASE_URL") && msg.contains("baseUrl"), "{msg}");
        }
    }

    #[test]
    fn the_refresh_margin_is_at_most_half_the_lifetime() {
        let t = |lifetime| Tokens {
            access_token: "a".into(),
            refresh_token: "r".into(),
            expires_at: 1_000,
            lifetime,
        };
        assert_eq!(t(0).refresh_margin(), REFRESH_MARGIN, "unknown lifetime");
        assert_eq!(t(86_400).refresh_margin(), REFRESH_MARGIN);
        assert_eq!(t(30).refresh_margin(), 15);
        assert!(t(30).usable(984) && !t(30).usable(985));
        // Old token files (no lifetime) still load.
        let old: Tokens = serde_json::from_str(r#"{"access_token":"a","refresh_token":"r","expires_at":5}"#).unwrap();
        assert_eq!(old.lifetime, 0);
    }
}
