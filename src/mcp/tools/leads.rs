//! Lead tools. Argument names follow the original package (`leadId`, `status_id`,
//! `pipeline_id`, ...), so existing prompts keep working.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{check_count, check_id_list, check_ids, check_len, define, Access, Context, Meta, Render, ToolDef};
use crate::api::leads::{self, LeadData, LeadEmbeddedWrite, LeadFilter};
use crate::api::list::ListOptions;
use crate::api::model::{EntityRefWrite, TagWrite};
use crate::api::pipelines;
use crate::error::Error;
use crate::mcp::format::{self, LeadSummary};

/// Arguments of `kommo_list_leads`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListLeadsArgs {
    /// Only leads in this pipeline (id from kommo_list_pipelines).
    #[serde(default)]
    pub pipeline_id: Option<i64>,
    /// Only leads in this stage (status id from kommo_list_pipelines); its pipeline is found automatically.
    #[serde(default)]
    pub status_id: Option<i64>,
    /// Only leads of this responsible user.
    #[serde(default)]
    pub responsible_user_id: Option<i64>,
    /// Only leads created at or after this Unix time (seconds).
    #[serde(default)]
    pub created_at_from: Option<i64>,
    /// Only leads created at or before this Unix time (seconds).
    #[serde(default)]
    pub created_at_to: Option<i64>,
    /// Full-text search within the results.
    #[serde(default)]
    pub query: Option<String>,
    /// Page number, from 1.
    #[serde(default)]
    pub page: Option<u32>,
    /// Leads per page, up to 250 (default 50).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// A page of leads.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LeadPage {
    pub leads: Vec<LeadSummary>,
    pub page: u32,
    pub has_more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page: Option<u32>,
}

impl Render for LeadPage {
    fn render(&self) -> String {
        if self.leads.is_empty() {
            return if self.page > 1 {
                format!("No leads on page {}.", self.page)
            } else {
                "No leads match.".to_string()
            };
        }
        let mut out = format!(
            "{} lead{} (page {}):\n",
            self.leads.len(),
            if self.leads.len() == 1 { "" } else { "s" },
            self.page
        );
        for l in &self.leads {
            out.push_str("- ");
            out.push_str(&format::lead_line(l));
            out.push('\n');
        }
        out.push_str(&format::paging_hint(self.has_more, self.next_page));
        out
    }
}

async fn summaries(ctx: &Context, list: &[leads::Lead]) -> Vec<LeadSummary> {
    // Stage names come from the cached pipelines; a failure there only costs the names.
    let pipelines = pipelines::cached(&ctx.client).await.ok();
    list.iter()
        .map(|l| LeadSummary::new(l, pipelines.as_deref().map(Vec::as_slice)))
        .collect()
}

async fn list_leads(ctx: Context, a: ListLeadsArgs) -> Result<LeadPage, Error> {
    if let Some(q) = &a.query {
        check_len("query", q, 200)?;
    }
    check_ids(&[
        ("pipeline_id", a.pipeline_id),
        ("status_id", a.status_id),
        ("responsible_user_id", a.responsible_user_id),
    ])?;
    let statuses = leads::statuses_for(&ctx.client, a.pipeline_id, a.status_id.as_slice()).await?;
    let filter = LeadFilter {
        pipeline_ids: a.pipeline_id.into_iter().collect(),
        statuses,
        responsible_user_ids: a.responsible_user_id.into_iter().collect(),
        created_at: (a.created_at_from, a.created_at_to),
        ..LeadFilter::default()
    };
    let opts = ListOptions {
        page: a.page,
        limit: a.limit,
        query: a.query,
        ..ListOptions::default()
    };
    let (listing, pipelines) = tokio::join!(
        leads::list_leads(&ctx.client, &filter, &opts),
        pipelines::cached(&ctx.client)
    );
    let listing = listing?;
    let pipelines = pipelines.ok();
    Ok(LeadPage {
        leads: listing
            .items
            .iter()
            .map(|l| LeadSummary::new(l, pipelines.as_deref().map(Vec::as_slice)))
            .collect(),
        page: listing.page,
        has_more: listing.has_more(),
        next_page: listing.next_page,
    })
}

/// Arguments of `kommo_get_lead`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetLeadArgs {
    /// The lead id.
    #[serde(rename = "leadId", alias = "lead_id")]
    pub lead_id: i64,
}

/// One lead.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LeadDetail {
    pub lead: LeadSummary,
}

impl Render for LeadDetail {
    fn render(&self) -> String {
        let mut out = format::lead_line(&self.lead);
        out.push('\n');
        for f in &self.lead.fields {
            out.push_str("  ");
            out.push_str(f);
            out.push('\n');
        }
        out
    }
}

async fn get_lead(ctx: Context, a: GetLeadArgs) -> Result<LeadDetail, Error> {
    let lead = leads::get(&ctx.client, a.lead_id, &["contacts"])
        .await?
        .ok_or_else(|| {
            Error::invalid(
                "leadId",
                format!("no lead has id {}; find leads with kommo_search_lead", a.lead_id),
            )
        })?;
    let mut s = summaries(&ctx, std::slice::from_ref(&lead)).await;
    Ok(LeadDetail { lead: s.remove(0) })
}

/// Arguments of `kommo_search_lead`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchLeadArgs {
    /// Text to find in lead names and field values (Kommo full-text search).
    pub query: String,
    /// Only leads in this pipeline.
    #[serde(default)]
    pub pipeline_id: Option<i64>,
}

async fn search_lead(ctx: Context, a: SearchLeadArgs) -> Result<LeadPage, Error> {
    check_len("query", &a.query, 200)?;
    if a.query.trim().is_empty() {
        return Err(Error::invalid("query", "must not be empty"));
    }
    let filter = LeadFilter {
        pipeline_ids: a.pipeline_id.into_iter().collect(),
        ..LeadFilter::default()
    };
    let opts = ListOptions {
        query: Some(a.query),
        limit: Some(50),
        ..ListOptions::default()
    };
    let (listing, pipelines) = tokio::join!(
        leads::list_leads(&ctx.client, &filter, &opts),
        pipelines::cached(&ctx.client)
    );
    let listing = listing?;
    let pipelines = pipelines.ok();
    Ok(LeadPage {
        leads: listing
            .items
            .iter()
            .map(|l| LeadSummary::new(l, pipelines.as_deref().map(Vec::as_slice)))
            .collect(),
        page: listing.page,
        has_more: listing.has_more(),
        next_page: listing.next_page,
    })
}

/// Arguments of `kommo_create_lead`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLeadArgs {
    /// Lead name, e.g. "Website order #1042".
    #[serde(default)]
    pub name: Option<String>,
    /// Deal value (whole currency units).
    #[serde(default)]
    pub price: Option<i64>,
    /// Stage to put the lead in (defaults to the first stage of the main pipeline).
    #[serde(default)]
    pub status_id: Option<i64>,
    /// Pipeline of that stage.
    #[serde(default)]
    pub pipeline_id: Option<i64>,
    /// Responsible user id.
    #[serde(default)]
    pub responsible_user_id: Option<i64>,
    /// Contacts to link; the first becomes the main contact.
    #[serde(default)]
    pub contact_ids: Option<Vec<i64>>,
    /// Company to link.
    #[serde(default)]
    pub company_id: Option<i64>,
    /// Tag names to attach (created if new).
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

/// The written lead.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LeadWritten {
    pub lead_id: i64,
    pub action: &'static str,
}

impl Render for LeadWritten {
    fn render(&self) -> String {
        format!("Lead #{} {}.", self.lead_id, self.action)
    }
}

async fn create_lead(ctx: Context, a: CreateLeadArgs) -> Result<LeadWritten, Error> {
    if let Some(n) = &a.name {
        check_len("name", n, 255)?;
    }
    check_ids(&[
        ("status_id", a.status_id),
        ("pipeline_id", a.pipeline_id),
        ("responsible_user_id", a.responsible_user_id),
        ("company_id", a.company_id),
    ])?;
    check_id_list("contact_ids", a.contact_ids.as_deref().unwrap_or_default(), 50)?;
    if let Some(tags) = &a.tags {
        check_count("tags", tags.len(), 50)?;
        for (i, t) in tags.iter().enumerate() {
            check_len(&format!("tags[{i}]"), t, 255)?;
        }
    }
    let pipeline_id = match (a.status_id, a.pipeline_id) {
        (Some(s), None) => leads::statuses_for(&ctx.client, None, &[s])
            .await?
            .first()
            .map(|(p, _)| *p),
        (_, p) => p,
    };
    let contacts: Vec<EntityRefWrite> = a
        .contact_ids
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, id)| EntityRefWrite {
            id,
            is_main: Some(i == 0),
        })
        .collect();
    let embedded = LeadEmbeddedWrite {
        contacts: (!contacts.is_empty()).then_some(contacts),
        companies: a.company_id.map(|id| vec![EntityRefWrite { id, is_main: None }]),
        tags: a.tags.map(|t| {
            t.into_iter()
                .map(|name| TagWrite {
                    id: None,
                    name: Some(name),
                })
                .collect()
        }),
    };
    let data = LeadData {
        name: a.name,
        price: a.price,
        status_id: a.status_id,
        pipeline_id,
        responsible_user_id: a.responsible_user_id,
        embedded: Some(embedded),
        ..LeadData::default()
    };
    let id = leads::create_one(&ctx.client, data.to_map()).await?;
    Ok(LeadWritten {
        lead_id: id,
        action: "created",
    })
}

/// Arguments of `kommo_update_lead`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLeadArgs {
    /// The lead id.
    #[serde(rename = "leadId", alias = "lead_id")]
    pub lead_id: i64,
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New deal value.
    #[serde(default)]
    pub price: Option<i64>,
    /// Move to this stage (its pipeline is found automatically).
    #[serde(default)]
    pub status_id: Option<i64>,
    /// Move to this pipeline.
    #[serde(default)]
    pub pipeline_id: Option<i64>,
    /// New responsible user.
    #[serde(default)]
    pub responsible_user_id: Option<i64>,
}

async fn update_lead(ctx: Context, a: UpdateLeadArgs) -> Result<LeadWritten, Error> {
    if let Some(n) = &a.name {
        check_len("name", n, 255)?;
    }
    check_ids(&[
        ("leadId", Some(a.lead_id)),
        ("status_id", a.status_id),
        ("pipeline_id", a.pipeline_id),
        ("responsible_user_id", a.responsible_user_id),
    ])?;
    let pipeline_id = match (a.status_id, a.pipeline_id) {
        (Some(s), None) if s != pipelines::WON_STATUS_ID && s != pipelines::LOST_STATUS_ID => {
            leads::statuses_for(&ctx.client, None, &[s])
                .await?
                .first()
                .map(|(p, _)| *p)
        }
        (_, p) => p,
    };
    let data = LeadData {
        name: a.name,
        price: a.price,
        status_id: a.status_id,
        pipeline_id,
        responsible_user_id: a.responsible_user_id,
        ..LeadData::default()
    };
    if data == LeadData::default() {
        return Err(Error::invalid(
            "leadId",
            "nothing to change: give name, price, status_id, pipeline_id or responsible_user_id",
        ));
    }
    let id = leads::update_one(&ctx.client, a.lead_id, data.to_map()).await?;
    Ok(LeadWritten {
        lead_id: id,
        action: "updated",
    })
}

/// Lead tools.
pub fn tools() -> Vec<ToolDef> {
    vec![
        define(
            Meta {
                name: "kommo_list_leads",
                title: "List leads",
                description:
                    "List leads (deals) with Kommo filters: pipeline, stage, responsible user, creation time, \
text. Returns one line per lead with id, price, pipeline › stage, responsible user, linked contacts and company, \
and a paging hint. Use kommo_search_lead to find leads by text only, kommo_get_lead for one lead's fields.",
                toolset: "leads",
                access: Access::Read,
            },
            list_leads,
        ),
        define(
            Meta {
                name: "kommo_get_lead",
                title: "Get a lead",
                description:
                    "Get one lead by id with its stage, price, responsible user, linked contacts and company, \
tags and custom field values.",
                toolset: "leads",
                access: Access::Read,
            },
            get_lead,
        ),
        define(
            Meta {
                name: "kommo_search_lead",
                title: "Search leads",
                description: "Find leads whose name or field values contain the text (Kommo full-text search), \
optionally within one pipeline. Returns up to 50 leads, one line each.",
                toolset: "leads",
                access: Access::Read,
            },
            search_lead,
        ),
        define(
            Meta {
                name: "kommo_create_lead",
                title: "Create a lead",
                description: "Create a lead, optionally in a given stage, linked to existing contacts and a company \
and with tags, in one request. Find contact ids first with kommo_search_contact_by_phone. Returns the new lead id.",
                toolset: "leads",
                access: Access::Write {
                    destructive: false,
                    idempotent: false,
                },
            },
            create_lead,
        ),
        define(
            Meta {
                name: "kommo_update_lead",
                title: "Update a lead",
                description:
                    "Change a lead's name, price, stage, pipeline or responsible user. Giving status_id alone \
moves the lead to that stage, in whatever pipeline it belongs to. Returns the lead id.",
                toolset: "leads",
                access: Access::Write {
                    destructive: true,
                    idempotent: true,
                },
            },
            update_lead,
        ),
    ]
}
