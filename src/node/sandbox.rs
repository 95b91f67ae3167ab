//! `startSandbox()`: the embedded Kommo API emulator, for testing code against a local Kommo.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use tokio::sync::Mutex;

use crate::sandbox::{Sandbox, SandboxOptions, DEFAULT_TOKEN};

/// Options of `startSandbox`.
#[napi(object)]
pub struct StartSandboxOptions {
    /// Port on 127.0.0.1; 0 or absent picks a free port.
    pub port: Option<u32>,
    /// Bearer token the sandbox accepts; defaults to `"sandbox-token"`.
    pub token: Option<String>,
    /// Lifetime in seconds of the OAuth access tokens it issues (default 86400, like Kommo).
    pub access_token_lifetime: Option<u32>,
}

/// Counters of the sandbox's OAuth token endpoint.
#[napi(object)]
pub struct SandboxOAuthStats {
    /// Successful code exchanges.
    pub exchanges: u32,
    /// Successful refreshes.
    pub refreshes: u32,
    /// Rejected token requests.
    pub failures: u32,
}

/// A running sandbox. Pass `{ baseUrl, accessToken }` as the config of any SDK function.
#[napi]
pub struct SandboxHandle {
    base_url: String,
    access_token: String,
    inner: Mutex<Option<Sandbox>>,
}

#[napi]
impl SandboxHandle {
    /// Account URL, e.g. `http://127.0.0.1:41234` (the API is under `/api/v4`).
    #[napi(getter)]
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The bearer token the sandbox accepts.
    #[napi(getter)]
    pub fn access_token(&self) -> String {
        self.access_token.clone()
    }

    /// Client id of the sandbox's OAuth integration (fixed: `"sandbox-client-id"`).
    #[napi(getter)]
    pub fn client_id(&self) -> String {
        crate::sandbox::oauth::CLIENT_ID.to_string()
    }

    /// Client secret of the sandbox's OAuth integration (fixed: `"sandbox-client-secret"`).
    #[napi(getter)]
    pub fn client_secret(&self) -> String {
        crate::sandbox::oauth::CLIENT_SECRET.to_string()
    }

    /// Redirect URI registered for the sandbox's OAuth integration.
    #[napi(getter)]
    pub fn redirect_uri(&self) -> String {
        crate::sandbox::oauth::REDIRECT_URI.to_string()
    }

    /// Mints a single-use authorization code (`def50...`, valid 20 minutes), as copied from
    /// Kommo's Keys and scopes tab.
    #[napi]
    pub async fn mint_authorization_code(&self) -> Result<String> {
        match self.inner.lock().await.as_ref() {
            Some(sb) => Ok(sb.mint_code()),
            None => Err(Error::new(Status::GenericFailure, "the sandbox was stopped")),
        }
    }

    /// Counters of the OAuth token endpoint.
    #[napi]
    pub async fn oauth_stats(&self) -> Result<SandboxOAuthStats> {
        match self.inner.lock().await.as_ref() {
            Some(sb) => {
                let s = sb.oauth_stats();
                Ok(SandboxOAuthStats {
                    exchanges: s.exchanges as u32,
                    refreshes: s.refreshes as u32,
                    failures: s.failures as u32,
                })
            }
            None => Err(Error::new(Status::GenericFailure, "the sandbox was stopped")),
        }
    }

    /// Invalidates every issued OAuth access token (the next API call gets a 401).
    #[napi]
    pub async fn revoke_access_tokens(&self) {
        if let Some(sb) = self.inner.lock().await.as_ref() {
            sb.revoke_access_tokens();
        }
    }

    /// Stops the sandbox. Calling it twice is harmless.
    #[napi]
    pub async fn stop(&self) {
        if let Some(sb) = self.inner.lock().await.take() {
            sb.shutdown().await;
        }
    }
}

/// Starts the embedded Kommo API v4 sandbox on 127.0.0.1, seeded with deterministic data
/// (pipelines, a few hundred contacts, companies and leads).
#[napi]
pub async fn start_sandbox(options: Option<StartSandboxOptions>) -> Result<SandboxHandle> {
    let mut opts = SandboxOptions::default();
    if let Some(o) = options {
        if let Some(port) = o.port {
            opts.port = u16::try_from(port).map_err(|_| {
                Error::new(
                    Status::InvalidArg,
                    format!("startSandbox: port {port} is not a valid port (0-65535)"),
                )
            })?;
        }
        if let Some(token) = o.token {
            if token.is_empty() || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(Error::new(
                    Status::InvalidArg,
                    "startSandbox: token must be non-empty without whitespace",
                ));
            }
            opts.token = token;
        }
        if let Some(secs) = o.access_token_lifetime {
            opts.access_token_lifetime = std::time::Duration::from_secs(secs.into());
        }
    }
    let port = opts.port;
    let sb = Sandbox::start(opts).await.map_err(|e| {
        Error::new(
            Status::GenericFailure,
            format!("startSandbox: could not listen on 127.0.0.1:{port}: {e}"),
        )
    })?;
    Ok(SandboxHandle {
        base_url: sb.base_url(),
        access_token: sb.token().to_string(),
        inner: Mutex::new(Some(sb)),
    })
}

/// The token the sandbox accepts by default.
#[napi]
pub const SANDBOX_TOKEN: &str = DEFAULT_TOKEN;
