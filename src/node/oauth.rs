//! OAuth from JS: the token store bridge (`tokenStore: { load(), save(tokens) }` and
//! `onTokens(tokens)` on a config), `exchangeAuthorizationCode` and `refreshAccessToken`.
//!
//! The store is called through a threadsafe function wrapping both hooks in one async JS
//! function, so sync and async hooks behave the same and a throw becomes a rejected promise
//! (an error for Rust, never a crash). `save` is awaited before the new access token is used.

use std::sync::Arc;

use futures::future::BoxFuture;
use napi::bindgen_prelude::*;
use napi::threadsafe_function::ThreadsafeFunction;
use napi::UnknownRef;
use napi_derive::napi;
use serde::{Deserialize, Serialize};

use crate::api::oauth::{TokenStore, Tokens};
use crate::api::Client;
use crate::error::Error as KError;
use crate::node::config::require_config_with;
use crate::node::promise_json;

/// One async JS function over the config's hooks: `null` loads, a JSON string saves.
const BRIDGE: &str = r#"(function (cfg) {
  const store = cfg.tokenStore, onTokens = cfg.onTokens;
  return async function (arg) {
    if (arg === null || arg === undefined) {
      if (!store) return null;
      const t = await store.load();
      return t == null ? null : JSON.stringify(t);
    }
    const tokens = JSON.parse(arg);
    if (store) await store.save(tokens);
    if (typeof onTokens === 'function') await onTokens(tokens);
    return null;
  };
})"#;

type Bridge = ThreadsafeFunction<Option<String>, Promise<Option<String>>, Option<String>, Status, false, true>;

/// Tokens as JS sees them.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsTokens {
    access_token: String,
    refresh_token: String,
    #[serde(default)]
    expires_at: Option<f64>,
}

impl std::fmt::Debug for JsTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsTokens")
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// The config's `tokenStore` / `onTokens`.
pub(crate) struct JsTokenStore {
    bridge: Bridge,
    has_store: bool,
}

impl JsTokenStore {
    async fn call(&self, arg: Option<String>) -> crate::error::Result<Option<String>> {
        let promise = self.bridge.call_async_catch(arg).await.map_err(js_error)?;
        promise.await.map_err(js_error)
    }
}

fn js_error(e: napi::Error) -> KError {
    KError::TokenStore {
        message: format!(
            "the token store failed: {}",
            crate::text::truncate_chars(&e.reason, 300)
        ),
    }
}

impl TokenStore for JsTokenStore {
    fn load(&self) -> BoxFuture<'_, crate::error::Result<Option<Tokens>>> {
        Box::pin(async move {
            if !self.has_store {
                return Ok(None);
            }
            let Some(json) = self.call(None).await? else {
                return Ok(None);
            };
            let t: JsTokens = serde_json::from_str(&json).map_err(|_| KError::TokenStore {
                message: "tokenStore.load() must return null or { accessToken, refreshToken, expiresAt } (strings and Unix seconds)".into(),
            })?;
            Ok(Some(Tokens {
                access_token: t.access_token,
                refresh_token: t.refresh_token,
                expires_at: t
                    .expires_at
                    .filter(|v| v.is_finite() && *v > 0.0)
                    .map(|v| v as i64)
                    .unwrap_or(0),
                lifetime: 0,
            }))
        })
    }

    fn save<'a>(&'a self, tokens: &'a Tokens) -> BoxFuture<'a, crate::error::Result<()>> {
        Box::pin(async move {
            let json = serde_json::to_string(&to_js_tokens(tokens))
                .map_err(|e| KError::TokenStore { message: e.to_string() })?;
            self.call(Some(json)).await.map(|_| ())
        })
    }

    fn describe(&self) -> String {
        if self.has_store {
            "the tokenStore".into()
        } else {
            "onTokens".into()
        }
    }
}

fn to_js_tokens(t: &Tokens) -> JsTokens {
    JsTokens {
        access_token: t.access_token.clone(),
        refresh_token: t.refresh_token.clone(),
        expires_at: (t.expires_at > 0).then_some(t.expires_at as f64),
    }
}

/// Most bridges kept per JS thread (see [`js_token_store`]).
const BRIDGE_CACHE: usize = 32;

/// A bridge built for one pair of hook values, with references to them for comparison.
struct CachedBridge {
    store: Option<UnknownRef<false>>,
    on_tokens: Option<UnknownRef<false>>,
    bridge: Arc<dyn TokenStore>,
}

thread_local! {
    /// Bridges built on this JS thread, most recently used last.
    static BRIDGES: std::cell::RefCell<Vec<CachedBridge>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The config's `tokenStore` / `onTokens` value, `None` when absent, `undefined` or `null`.
fn hook<'e>(obj: &Object<'e>, key: &str) -> Result<Option<Unknown<'e>>> {
    Ok(match obj.get::<Unknown>(key)? {
        Some(v) if !matches!(v.get_type()?, ValueType::Undefined | ValueType::Null) => Some(v),
        _ => None,
    })
}

fn same_hook(env: &Env, cached: &Option<UnknownRef<false>>, value: &Option<Unknown>) -> Result<bool> {
    Ok(match (cached, value) {
        (None, None) => true,
        (Some(r), Some(v)) => env.strict_equals(r.get_value(env)?, *v)?,
        _ => false,
    })
}

fn make_ref(env: &Env, value: &Option<Unknown>) -> Result<Option<UnknownRef<false>>> {
    value
        .as_ref()
        // SAFETY: a live value of this env, on the JS thread; the reference is released with
        // `unref` when the bridge leaves the cache (or leaks harmlessly at exit).
        .map(|v| unsafe { UnknownRef::<false>::from_napi_value(env.raw(), v.raw()) })
        .transpose()
}

/// The store bridge for the config object's `tokenStore` / `onTokens`, or `None` without them.
///
/// The same hook values (the same `tokenStore` object and `onTokens` function, compared with
/// `===`) give the same bridge, so the shared token manager sees the same store across calls
/// and the JS function and threadsafe function are built once per pair, not per call.
pub(crate) fn js_token_store(env: &Env, config: &Unknown) -> Result<Option<Arc<dyn TokenStore>>> {
    if config.get_type()? != ValueType::Object {
        return Ok(None);
    }
    let obj = Object::from_unknown(*config)?;
    let store = hook(&obj, "tokenStore")?;
    let on_tokens = hook(&obj, "onTokens")?;
    if store.is_none() && on_tokens.is_none() {
        return Ok(None);
    }
    let found = BRIDGES.with(|cache| -> Result<Option<Arc<dyn TokenStore>>> {
        let mut cache = cache.borrow_mut();
        for i in 0..cache.len() {
            if same_hook(env, &cache[i].store, &store)? && same_hook(env, &cache[i].on_tokens, &on_tokens)? {
                let entry = cache.remove(i);
                let bridge = entry.bridge.clone();
                cache.push(entry);
                return Ok(Some(bridge));
            }
        }
        Ok(None)
    })?;
    if let Some(bridge) = found {
        return Ok(Some(bridge));
    }
    let factory: Function<Unknown, Function<Option<String>, Promise<Option<String>>>> = env.run_script(BRIDGE)?;
    let hook = factory.call(*config)?;
    let tsfn: Bridge = hook
        .build_threadsafe_function::<Option<String>>()
        .callee_handled::<false>()
        .weak::<true>()
        .build()?;
    let bridge: Arc<dyn TokenStore> = Arc::new(JsTokenStore {
        bridge: tsfn,
        has_store: store.is_some(),
    });
    let entry = CachedBridge {
        store: make_ref(env, &store)?,
        on_tokens: make_ref(env, &on_tokens)?,
        bridge: bridge.clone(),
    };
    let evicted = BRIDGES.with(|cache| {
        let mut cache = cache.borrow_mut();
        cache.push(entry);
        let over = cache.len().saturating_sub(BRIDGE_CACHE);
        cache.drain(..over).collect::<Vec<_>>()
    });
    for old in evicted {
        for r in [old.store, old.on_tokens].into_iter().flatten() {
            r.unref(env)?;
        }
    }
    Ok(Some(bridge))
}

/// Warns once per process (Node's `process.emitWarning`, code `KOMMO_NO_TOKEN_STORE`) that an
/// OAuth config that refreshes by itself has nowhere to save the rotated refresh token.
pub(crate) fn warn_no_token_store(env: &Env) -> Result<()> {
    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        return Ok(());
    }
    let emit: Function<String, Unknown> =
        env.run_script("(function (m) { process.emitWarning(m, { code: 'KOMMO_NO_TOKEN_STORE' }) })")?;
    emit.call(NO_STORE_WARNING.to_string())?;
    Ok(())
}

/// The text of the `KOMMO_NO_TOKEN_STORE` warning.
pub(crate) const NO_STORE_WARNING: &str = "kommo-mcp: this OAuth config has neither tokenStore nor onTokens, so refreshed tokens are kept only in memory. Kommo rotates refresh tokens: after a refresh the refresh token in your config no longer works, and when this process exits the new one is lost and someone must authorize again. Pass tokenStore: { load(), save(tokens) } or onTokens(tokens) to keep them.";

/// Validates an OAuth config and returns its shared client (with the config's store).
fn oauth_client(env: &Env, func: &str, config: Unknown) -> Result<Client> {
    // No store warning here: these functions return the tokens to the caller.
    let cfg = require_config_with(env, config, false)?;
    if cfg.oauth.is_none() {
        return Err(crate::node::type_error(
            env,
            format!("{func}: config must be the OAuth form (clientId, clientSecret, redirectUri, and authorizationCode or refreshToken), not a long-lived accessToken"),
        ));
    }
    // require_config made the shared transport with the config's store.
    Client::new(&cfg).map_err(|e| Error::new(Status::GenericFailure, e.to_string()))
}

/// Result of `exchangeAuthorizationCode` / `refreshAccessToken`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokensResult {
    success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    tokens: Option<JsTokens>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn tokens_result(r: crate::error::Result<Tokens>) -> TokensResult {
    match r {
        Ok(t) => TokensResult {
            success: true,
            tokens: Some(to_js_tokens(&t)),
            error: None,
        },
        Err(e) => TokensResult {
            success: false,
            tokens: None,
            error: Some(e.to_string()),
        },
    }
}

/// Exchanges the config's authorization code (`authorizationCode`, or a `def50...`
/// `refreshToken`) for tokens, saves them through `tokenStore` / `onTokens`, and resolves with
/// them. Later SDK calls with the same config use these tokens and refresh by themselves.
/// When the config's tokens were already obtained, resolves with the current ones.
#[napi(
    ts_args_type = "config: KommoOAuthConfig",
    ts_return_type = "Promise<OAuthTokensResult>"
)]
pub fn exchange_authorization_code<'e>(env: &'e Env, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let client = oauth_client(env, "exchangeAuthorizationCode", config)?;
    promise_json(env, async move {
        match client.token_manager() {
            Some(manager) => tokens_result(manager.tokens().await),
            None => tokens_result(Err(KError::invalid("config", "not the OAuth form"))),
        }
    })
}

/// Refreshes the access token now (the refresh token rotates), saves the new pair through
/// `tokenStore` / `onTokens`, and resolves with it.
#[napi(
    ts_args_type = "config: KommoOAuthConfig",
    ts_return_type = "Promise<OAuthTokensResult>"
)]
pub fn refresh_access_token<'e>(env: &'e Env, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let client = oauth_client(env, "refreshAccessToken", config)?;
    promise_json(env, async move {
        match client.token_manager() {
            Some(manager) => tokens_result(manager.force_refresh().await),
            None => tokens_result(Err(KError::invalid("config", "not the OAuth form"))),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn js_tokens_debug_redacts_the_tokens() {
        let t = JsTokens {
            access_token: "CANARY-access".into(),
            refresh_token: "CANARY-refresh".into(),
            expires_at: Some(1234.0),
        };
        let shown = format!("{t:?}");
        assert!(!shown.contains("CANARY"), "{shown}");
        assert!(shown.contains("1234"), "{shown}");
    }

    #[test]
    fn the_no_store_warning_explains_rotation_and_the_hooks() {
        for word in ["tokenStore", "onTokens", "rotates"] {
            assert!(NO_STORE_WARNING.contains(word), "{word}");
        }
    }
}
