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
