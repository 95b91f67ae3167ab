//! The original's deal tools: the same data as the lead tools, under the names and argument
//! names (`dealId`, `stage_id`) existing prompts use.

use schemars::JsonSchema;
use serde::Deserialize;

use super::leads::{
    create_lead, get_lead, list_leads, search_lead, update_lead, CreateLeadArgs, GetLeadArgs, LeadDetail, LeadPage,
    LeadWritten, ListLeadsArgs, SearchLeadArgs, UpdateLeadArgs,
};
use super::{define, Access, Context, Meta, ToolDef};
use crate::error::Error;

/// Arguments of `kommo_list_deals`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListDealsArgs {
    /// Page number, from 1.
    #[serde(default)]
    pub page: Option<u32>,
    /// Deals per page, up to 250 (default 50).
    #[serde(default)]
    pub limit: Option<u32>,
    /// Only deals of this responsible user.
    #[serde(default)]
    pub responsible_user_id: Option<i64>,
    /// Only deals in this pipeline.
    #[serde(default)]
    pub pipeline_id: Option<i64>,
    /// Only deals in this stage (status id).
    #[serde(default, alias = "stage_id")]
    pub status_id: Option<i64>,
}

async fn list_deals(ctx: Context, a: ListDealsArgs) -> Result<LeadPage, Error> {
    list_leads(
        ctx,
        ListLeadsArgs {
            pipeline_id: a.pipeline_id,
            status_id: a.status_id,
            responsible_user_id: a.responsible_user_id,
            created_at_from: None,
            created_at_to: None,
            query: None,
            custom_fields: None,
            page: a.page,

            limit: a.limit,
            all_pages: None,
        },
    )
    .await
}

/// Arguments of `kommo_get_deal`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetDealArgs {
    /// The deal (lead) id.
    #[serde(rename = "dealId", alias = "deal_id", alias = "leadId")]
    pub deal_id: i64,
}

async fn get_deal(ctx: Context, a: GetDealArgs) -> Result<LeadDetail, Error> {
    get_lead(ctx, GetLeadArgs { lead_id: a.deal_id }).await
}

/// Arguments of `kommo_update_deal`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDealArgs {
    /// The deal (lead) id.
    #[serde(rename = "dealId", alias = "deal_id", alias = "leadId")]
    pub deal_id: i64,
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New deal value.
    #[serde(default)]
    pub price: Option<i64>,
    /// Move to this stage (its pipeline is found automatically).
    #[serde(default, alias = "stage_id")]
    pub status_id: Option<i64>,
    /// Move to this pipeline.
    #[serde(default)]
    pub pipeline_id: Option<i64>,
    /// New responsible user.
    #[serde(default)]
    pub responsible_user_id: Option<i64>,
    /// Custom fields to set, by name.
    #[serde(default)]
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
}

async fn update_deal(ctx: Context, a: UpdateDealArgs) -> Result<LeadWritten, Error> {
    update_lead(
        ctx,
        UpdateLeadArgs {
            lead_id: a.deal_id,
            name: a.name,
            price: a.price,
            status_id: a.status_id,
            pipeline_id: a.pipeline_id,
            responsible_user_id: a.responsible_user_id,
            custom_fields: a.custom_fields,
        },
    )
    .await
}

/// Deal tools.
pub fn tools() -> Vec<ToolDef> {
    let write = Access::Write {
        destructive: false,
        idempotent: false,
    };
    vec![
        define(
            Meta {
                name: "kommo_list_deals",
                title: "List deals",
                description: "List deals (Kommo leads) by responsible user, pipeline or stage, one line each. Same \
as kommo_list_leads, kept for prompts that say \"deals\".",
                toolset: "deals",
                access: Access::Read,
            },
            list_deals,
        ),
        define(
            Meta {
                name: "kommo_search_deal",
                title: "Search deals",
                description: "Find deals (Kommo leads) by text in their name or field values. Same as \
kommo_search_lead.",
                toolset: "deals",
                access: Access::Read,
            },
            |ctx: Context, a: SearchLeadArgs| search_lead(ctx, a),
        ),
        define(
            Meta {
                name: "kommo_get_deal",
                title: "Get a deal",
                description: "Get one deal (Kommo lead) by dealId with its stage, price, contacts, company and \
custom fields. Same as kommo_get_lead.",
                toolset: "deals",
                access: Access::Read,
            },
            get_deal,
        ),
        define(
            Meta {
                name: "kommo_create_deal",
                title: "Create a deal",
                description: "Create a deal (a Kommo lead): name, price, stage (status_id or stage_id), linked \
contacts and company, custom fields by name. Same as kommo_create_lead. Returns the new id.",
                toolset: "deals",
                access: write,
            },
            |ctx: Context, a: CreateLeadArgs| create_lead(ctx, a),
        ),
        define(
            Meta {
                name: "kommo_update_deal",
                title: "Update a deal",
                description: "Change a deal's (Kommo lead's) name, price, stage, pipeline, responsible user or \
custom fields. Same as kommo_update_lead.",
                toolset: "deals",
                access: Access::Write {
                    destructive: true,
                    idempotent: true,
                },
            },
            update_deal,
        ),
    ]
}
