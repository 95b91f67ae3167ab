//! Pipeline functions of the JS SDK.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::pipelines::Status;
use crate::api::Query;
use crate::api::{self, pipelines::Pipeline, Client};
use crate::error::Error;
use crate::node::args::{from_js, sdk};
use crate::node::config::require_config;
use crate::node::json_result::{Json, NoList, Pipelines, Statuses};
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PipelineIdParams {
    pipeline_id: i64,
}

#[derive(Deserialize)]
struct PipelineNameParams {
    name: String,
}

fn missing(id: i64, e: Error) -> crate::error::Result<serde_json::Value> {
    match e {
        Error::NotFound { .. } => Ok(json!({ "success": false, "error": format!("Pipeline with ID {id} not found") })),
        other => Err(other),
    }
}

/// One pipeline with its stages (`GET /leads/pipelines/{id}`; no fallback to endpoints that do
/// not exist). Resolves to `{ success, pipeline?, error? }`.
#[napi(
    ts_args_type = "params: { pipelineId: number }, config: KommoConfigInput",
    ts_return_type = "Promise<GetPipelineResult>"
)]
pub fn get_pipeline<'e>(env: &'e Env, params: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let p: PipelineIdParams = from_js(env, "getPipeline", "params", params)?;
    sdk(env, config, move |client| async move {
        crate::api::list::check_id("pipelineId", p.pipeline_id)?;
        let got = client
            .get::<Pipeline>(&format!("leads/pipelines/{}", p.pipeline_id), &Query::new())
            .await;
        Ok(Json::<NoList>::new(match got {
            Ok(Some(mut pipeline)) => {
                pipeline.embedded.statuses.sort_by_key(|s| (s.sort, s.id));
                json!({ "success": true, "pipeline": pipeline })
            }
            Ok(None) => json!({ "success": false, "error": format!("Pipeline with ID {} not found", p.pipeline_id) }),
            Err(e) => missing(p.pipeline_id, e)?,
        }))
    })
}

/// Pipelines whose name contains `name`, ignoring case and accents.
/// Resolves to `{ success, pipelines, totalFound, error? }`.
#[napi(
    ts_args_type = "params: { name: string }, config: KommoConfigInput",
    ts_return_type = "Promise<ListPipelinesResult>"
)]
pub fn search_pipeline_by_name<'e>(
    env: &'e Env,
    params: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let p: PipelineNameParams = from_js(env, "searchPipelineByName", "params", params)?;
    sdk(env, config, move |client| async move {
        if p.name.trim().is_empty() {
            return Err(Error::invalid("name", "must not be empty"));
        }
        let all = api::pipelines::list(&client).await?;
        let wanted = crate::text::fold(&p.name);
        let found: Vec<&Pipeline> = all
            .iter()
            .filter(|pl| crate::text::fold(&pl.name).contains(&wanted))
            .collect();
        Ok(Json::<Pipelines>::new(
            json!({ "success": true, "totalFound": found.len(), "pipelines": found }),
        ))
    })
}

/// The stages of a pipeline, in order (`GET /leads/pipelines/{id}/statuses`).
/// Resolves to `{ success, statuses, totalFound, error? }`.
#[napi(
    ts_args_type = "params: { pipelineId: number }, config: KommoConfigInput",
    ts_return_type = "Promise<GetPipelineStatusesResult>"
)]
pub fn get_pipeline_statuses<'e>(
    env: &'e Env,
    params: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let p: PipelineIdParams = from_js(env, "getPipelineStatuses", "params", params)?;
    sdk(env, config, move |client| async move {
        Ok(Json::<Statuses>::new(pipeline_statuses(&client, p.pipeline_id).await?))
    })
}

pub(crate) async fn pipeline_statuses(client: &Client, id: i64) -> crate::error::Result<serde_json::Value> {
    crate::api::list::check_id("pipelineId", id)?;
    let got = client
        .get_page::<Status>(&format!("leads/pipelines/{id}/statuses"), &Query::new(), "statuses")
        .await;
    match got {
        Ok(page) => {
            let mut statuses = page.items;
            statuses.sort_by_key(|s| (s.sort, s.id));
            Ok(json!({ "success": true, "totalFound": statuses.len(), "statuses": statuses }))
        }
        Err(e) => missing(id, e).map(|mut v| {
            v["statuses"] = json!([]);
            v["totalFound"] = json!(0);
            v
        }),
    }
}
