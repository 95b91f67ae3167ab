//! Pipeline tools.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{define, Access, Context, Meta, Render, ToolDef};
use crate::api::pipelines;
use crate::error::Error;
use crate::mcp::format::{self, PipelineSummary};

/// `kommo_list_pipelines` takes no arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// All pipelines with their statuses.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PipelineList {
    /// Number of pipelines.
    pub total_found: usize,
    pub pipelines: Vec<PipelineSummary>,
}

impl Render for PipelineList {
    fn render(&self) -> String {
        if self.pipelines.is_empty() {
            return "The account has no pipelines.".to_string();
        }
        let mut out = format!(
            "{} pipeline{} (stages in order, as name [status_id]):\n",
            self.total_found,
            if self.total_found == 1 { "" } else { "s" }
        );
        for p in &self.pipelines {
            out.push_str(&format::pipeline_block(p));
        }
        out
    }
}

async fn list_pipelines(ctx: Context, _args: NoArgs) -> Result<PipelineList, Error> {
    let list = pipelines::list(&ctx.client).await?;
    let pipelines: Vec<PipelineSummary> = list.iter().map(PipelineSummary::from).collect();
    Ok(PipelineList {
        total_found: pipelines.len(),
        pipelines,
    })
}

/// Arguments of `kommo_get_pipeline_statuses`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PipelineStatusesArgs {
    #[serde(rename = "pipelineId", alias = "pipeline_id")]
    pub pipeline_id: i64,
}

/// One pipeline's stages.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PipelineStatuses {
    pub pipeline: PipelineSummary,
}

impl Render for PipelineStatuses {
    fn render(&self) -> String {
        // One line: the stages in order as `name id`. Won and lost are always 142 and 143 (the
        // tool description says so); only the incoming stage is marked.
        let stages: Vec<String> = self
            .pipeline
            .statuses
            .iter()
            .map(|s| match s.role {
                "incoming" => format!("{} {} (incoming)", s.name, s.id),
                _ => format!("{} {}", s.name, s.id),
            })
            .collect();
        format!("{} #{}: {}", self.pipeline.name, self.pipeline.id, stages.join(", "))
    }
}

async fn pipeline_statuses(ctx: Context, a: PipelineStatusesArgs) -> Result<PipelineStatuses, Error> {
    crate::api::list::check_id("pipelineId", a.pipeline_id)?;
    let mut all = pipelines::cached(&ctx.client).await?;
    if !all.iter().any(|p| p.id == a.pipeline_id) {
        ctx.client.cache().invalidate("pipelines");
        all = pipelines::cached(&ctx.client).await?;
    }
    let p = all.iter().find(|p| p.id == a.pipeline_id).ok_or_else(|| {
        Error::invalid(
            "pipelineId",
            format!(
                "no pipeline has id {}; list them with kommo_list_pipelines",
                a.pipeline_id
            ),
        )
    })?;
    Ok(PipelineStatuses {
        pipeline: PipelineSummary::from(p),
    })
}

/// Pipeline tools.
pub fn tools() -> Vec<ToolDef> {
    vec![
        define(
            Meta {
                name: "kommo_list_pipelines",
                title: "List pipelines and stages",
                description: "Every pipeline with its stages in order and ids (pipeline_id, status_id); 142 won, \
143 lost.",

                toolset: "pipelines",
                access: Access::Read,
            },
            list_pipelines,
        ),
        define(
            Meta {
                name: "kommo_get_pipeline_statuses",
                title: "Stages of a pipeline",
                description: "The stages of one pipeline in order with ids; 142 won, 143 lost.",

                toolset: "pipelines",
                access: Access::Read,
            },
            pipeline_statuses,
        ),
    ]
}
