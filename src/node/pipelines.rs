//! Pipeline functions of the JS SDK.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::Serialize;

use crate::api::{self, pipelines::Pipeline, Client};
use crate::node::config::require_config;
use crate::node::promise_json;

/// `listPipelines` result.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListPipelinesResult {
    pub success: bool,
    pub pipelines: Vec<Pipeline>,
    pub total_found: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Lists every pipeline of the account with its statuses (`_embedded.statuses`, in order).
///
/// Resolves to `{ success, pipelines, totalFound, error? }` and never rejects for API failures.
#[napi(
    ts_args_type = "config: KommoConfigInput",
    ts_return_type = "Promise<ListPipelinesResult>"
)]
pub fn list_pipelines<'e>(env: &'e Env, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let config = require_config(env, config)?;
    promise_json(env, async move {
        let run = async {
            let client = Client::new(&config)?;
            api::pipelines::list(&client).await
        };
        match run.await {
            Ok(pipelines) => ListPipelinesResult {
                success: true,
                total_found: pipelines.len(),
                pipelines,
                error: None,
            },
            Err(e) => ListPipelinesResult {
                success: false,
                pipelines: Vec::new(),
                total_found: 0,
                error: Some(e.to_string()),
            },
        }
    })
}
