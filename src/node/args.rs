//! Reading SDK arguments from JS and running SDK calls with the package's result convention.

use std::future::Future;

use napi::bindgen_prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::api::Client;
use crate::node::config::require_config;
use crate::node::{promise_json, type_error};

/// Deserialises a JS argument into `T`, throwing a `TypeError` that names the function, the
/// argument and the offending field (`getLead: params.leadId: invalid type: string "x", expected i64`).
pub(crate) fn from_js<T: DeserializeOwned>(env: &Env, func: &str, arg: &str, value: Unknown) -> Result<T> {
    let json: serde_json::Value = match value.get_type()? {
        ValueType::Undefined => serde_json::Value::Null,
        _ => env
            .from_js_value(value)
            .map_err(|e| type_error(env, format!("{func}: {arg}: {}", e.reason)))?,
    };
    serde_path_to_error::deserialize::<_, T>(json).map_err(|e| {
        let path = e.path().to_string();
        let at = if path == "." {
            arg.to_string()
        } else {
            format!("{arg}.{path}")
        };
        type_error(env, format!("{func}: {at}: {}", e.into_inner()))
    })
}

/// SDK results that can express a failure (`{ success: false, error }`).
pub(crate) trait Failure {
    fn failure(error: String) -> Self;
}

/// Validates `config` (throwing a `KommoConfigError`), then runs `call` with a client and
/// resolves with its result, or with `R::failure(message)` when it fails.
pub(crate) fn sdk<'e, R, F, Fut>(env: &'e Env, config: Unknown<'e>, call: F) -> Result<PromiseRaw<'e, Unknown<'e>>>
where
    R: Serialize + Failure + Send + 'static,
    F: FnOnce(Client) -> Fut + Send + 'static,
    Fut: Future<Output = crate::error::Result<R>> + Send + 'static,
{
    let config = require_config(env, config)?;
    promise_json(env, async move {
        let client = match Client::new(&config) {
            Ok(c) => c,
            Err(e) => return R::failure(e.to_string()),
        };
        match call(client).await {
            Ok(r) => r,
            Err(e) => R::failure(e.to_string()),
        }
    })
}
