//! Lead pipelines and their statuses (`/api/v4/leads/pipelines`).

use serde::{Deserialize, Serialize};

use std::sync::Arc;

use crate::api::cache::METADATA_TTL;
use crate::api::{Client, Query};
use crate::error::Result;

/// Status id of "Closed - won" in every pipeline.
pub const WON_STATUS_ID: i64 = 142;
/// Status id of "Closed - lost" in every pipeline.
pub const LOST_STATUS_ID: i64 = 143;

/// A sales pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pipeline {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub sort: i64,
    #[serde(default)]
    pub is_main: bool,
    #[serde(default)]
    pub is_unsorted_on: bool,
    #[serde(default)]
    pub is_archive: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<i64>,
    #[serde(default, rename = "_embedded")]
    pub embedded: PipelineEmbedded,
}

/// `_embedded` of a pipeline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PipelineEmbedded {
    #[serde(default)]
    pub statuses: Vec<Status>,
}

/// A stage of a pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub sort: i64,
    #[serde(default)]
    pub is_editable: bool,
    pub pipeline_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// 1 for the "Incoming leads" stage, 0 otherwise.
    #[serde(default, rename = "type")]
    pub kind: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<i64>,
}

impl Pipeline {
    /// The statuses, in Kommo's `sort` order.
    pub fn statuses(&self) -> &[Status] {
        &self.embedded.statuses
    }
}

impl Status {
    /// What the stage means for a lead: `incoming`, `won`, `lost` or `open`.
    pub fn role(&self) -> &'static str {
        match self.id {
            WON_STATUS_ID => "won",
            LOST_STATUS_ID => "lost",
            _ if self.kind == 1 => "incoming",
            _ => "open",
        }
    }
}

/// All pipelines with their statuses. Kommo returns them in one response (at most 50).
pub async fn list(client: &Client) -> Result<Vec<Pipeline>> {
    let (mut pipelines, _) = client
        .get_all::<Pipeline>("leads/pipelines", &Query::new(), "pipelines", 5)
        .await?;
    for p in &mut pipelines {
        p.embedded.statuses.sort_by_key(|s| (s.sort, s.id));
    }
    pipelines.sort_by_key(|p| (p.sort, p.id));
    Ok(pipelines)
}

/// The pipelines, from the account's metadata cache (fetched at most every few minutes).
pub async fn cached(client: &Client) -> Result<Arc<Vec<Pipeline>>> {
    let c = client.clone();
    client
        .cache()
        .get_or_fetch("pipelines", METADATA_TTL, || async move { list(&c).await })
        .await
}

/// Name of a stage, from cached pipelines if they are loaded (no request).
pub fn status_name(pipelines: &[Pipeline], pipeline_id: Option<i64>, status_id: i64) -> Option<(String, String)> {
    pipelines
        .iter()
        .filter(|p| pipeline_id.is_none_or(|id| id == p.id))
        .find_map(|p| {
            p.statuses()
                .iter()
                .find(|s| s.id == status_id)
                .map(|s| (p.name.clone(), s.name.clone()))
        })
}
