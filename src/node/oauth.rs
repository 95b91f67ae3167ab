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
use napi_derive::napi;
use serde::{Deserialize, Serialize};

use crate::api::oauth::{TokenStore, Tokens};
use crate::api::Client;
use crate::error::Error as KError;
use crate::node::config::require_config;
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
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsTokens {
    access_token: String,
    refresh_token: String,
    #[serde(default)]
    expires_at: Option<f64>,
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

/// Builds the store bridge when the config object has `tokenStore` or `onTokens`.
pub(crate) fn js_token_store(env: &Env, config: &Unknown) -> Result<Option<Arc<dyn TokenStore>>> {
    if config.get_type()? != ValueType::Object {
        return Ok(None);
    }
    let obj = Object::from_unknown(*config)?;
    let present = |k: &str| -> Result<bool> {
        Ok(match obj.get::<Unknown>(k)? {
            Some(v) => !matches!(v.get_type()?, ValueType::Undefined | ValueType::Null),
            None => false,
        })
    };
    let has_store = present("tokenStore")?;
    if !has_store && !present("onTokens")? {
        return Ok(None);
    }
    let factory: Function<Unknown, Function<Option<String>, Promise<Option<String>>>> = env.run_script(BRIDGE)?;
    let hook = factory.call(*config)?;
    let bridge: Bridge = hook
        .build_threadsafe_function::<Option<String>>()
        .callee_handled::<false>()
        .weak::<true>()
        .build()?;
    Ok(Some(Arc::new(JsTokenStore { bridge, has_store })))
}

/// Validates an OAuth config and returns its shared client (with the config's store).
fn oauth_client(env: &Env, func: &str, config: Unknown) -> Result<Client> {
    let cfg = require_config(env, config)?;
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
