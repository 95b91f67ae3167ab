//! Lead tools. Argument names follow the original package (`leadId`, `status_id`,
//! `pipeline_id`, ...), so existing prompts keep working.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{check_count, check_id_list, check_ids, check_len, define, Access, Context, Meta, Render, ToolDef};
use crate::api::leads::{self, LeadData, LeadEmbeddedWrite, LeadFilter};
use crate::api::list::ListOptions;
use crate::api::model::{EntityRefWrite, TagWrite};
use crate::api::{account, custom_fields, pipelines};
use crate::error::Error;
use crate::mcp::format::{self, LeadSummary};

/// Arguments of `kommo_list_leads`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListLeadsArgs {
    #[serde(default)]
    pub pipeline_id: Option<i64>,
    /// Stage id.
    #[serde(default)]
    pub status_id: Option<i64>,
    #[serde(default)]
    pub responsible_user_id: Option<i64>,
    /// Unix seconds.
    #[serde(default)]
    pub created_at_from: Option<i64>,
    /// Unix seconds.
    #[serde(default)]
    pub created_at_to: Option<i64>,
    /// Full-text search.
    #[serde(default)]
    pub query: Option<String>,
    /// By name: {"Fuente": "Referido", "Unidades": {"from": 5}}.
    #[serde(default)]
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
    /// From 1.
    #[serde(default)]
    pub page: Option<u32>,
    /// Up to 250 (default 50).
    #[serde(default)]
    pub limit: Option<u32>,
    /// All pages from `page` (max 50).
    #[serde(default, alias = "allPages")]
    pub all_pages: Option<bool>,
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

/// Summaries naming stages from `pipelines` and responsible users from the users cache when it is warm: no
/// request is made for user names alone (Kommo's /users needs admin rights on some accounts).
fn summarise(ctx: &Context, list: &[leads::Lead], pipelines: Option<&[pipelines::Pipeline]>) -> Vec<LeadSummary> {
    let users = account::peek_users(&ctx.client);
    list.iter()
        .map(|l| LeadSummary::new(l, pipelines, users.as_deref().map(Vec::as_slice)))
        .collect()
}

async fn summaries(ctx: &Context, list: &[leads::Lead]) -> Vec<LeadSummary> {
    // Stage names come from the cached pipelines; a failure there only costs the names.
    let pipelines = pipelines::cached(&ctx.client).await.ok();
    summarise(ctx, list, pipelines.as_deref().map(Vec::as_slice))
}

/// One page of leads with stage names; the pipelines (cached) load alongside the leads.
async fn lead_page(ctx: &Context, filter: &LeadFilter, opts: &ListOptions) -> Result<LeadPage, Error> {
    let (listing, pipelines) = tokio::join!(
        leads::list_leads(&ctx.client, filter, opts),
        pipelines::cached(&ctx.client)
    );
    let listing = listing?;
    let pipelines = pipelines.ok();
    Ok(LeadPage {
        leads: summarise(ctx, &listing.items, pipelines.as_deref().map(Vec::as_slice)),
        page: listing.page,
        has_more: listing.has_more(),
        next_page: listing.next_page,
    })
}

pub(super) async fn list_leads(ctx: Context, a: ListLeadsArgs) -> Result<LeadPage, Error> {
    if let Some(q) = &a.query {
        check_len("query", q, 200)?;
    }
    check_ids(&[
        ("pipeline_id", a.pipeline_id),
        ("status_id", a.status_id),
        ("responsible_user_id", a.responsible_user_id),
    ])?;
    let statuses = leads::statuses_for(&ctx.client, a.pipeline_id, a.status_id.as_slice()).await?;
    let custom_fields = match &a.custom_fields {
        Some(spec) => {
            custom_fields::filters_by_name(&ctx.client, custom_fields::FieldEntity::Leads, "custom_fields", spec)
                .await?
        }
        None => Vec::new(),
    };
    let filter = LeadFilter {
        pipeline_ids: a.pipeline_id.into_iter().collect(),
        statuses,
        responsible_user_ids: a.responsible_user_id.into_iter().collect(),
        created_at: (a.created_at_from, a.created_at_to),
        custom_fields,

        ..LeadFilter::default()
    };
    let opts = ListOptions {
        page: a.page,
        limit: a.limit,
        query: a.query,
        all_pages: a.all_pages.unwrap_or(false),
        progress: ctx.progress.clone(),
        ..ListOptions::default()
    };
    lead_page(&ctx, &filter, &opts).await
}

/// Arguments of `kommo_get_lead`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetLeadArgs {
    #[serde(rename = "leadId", alias = "lead_id")]
    pub lead_id: i64,
}

/// One lead.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LeadDetail {
    pub lead: LeadSummary,
}

impl Render for LeadDetail {
    /// `Name #id: Pipeline › Stage, price P, user #U, contact #C, company #K, tags T` and, on a
    /// second line, the custom fields with values as `Name: value; ...`. Empty facts are left
    /// out; the stage id is in structuredContent (moving a lead takes a stage from
    /// kommo_list_pipelines anyway).
    fn render(&self) -> String {
        let l = &self.lead;
        let mut parts: Vec<String> = Vec::new();
        match (&l.stage, l.status_id) {
            (Some(stage), _) => parts.push(stage.clone()),
            (None, Some(s)) => parts.push(format!("pipeline {} stage {s}", l.pipeline_id.unwrap_or_default())),
            _ => {}
        }
        if let Some(p) = l.price {
            parts.push(format!("price {p}"));
        }
        if let Some(u) = l.responsible_user_id {
            parts.push(format::user_ref(l.responsible.as_deref(), u));
        }
        let refs = |one: &str, many: &str, ids: &[i64]| {
            let list: Vec<String> = ids.iter().map(|i| format!("#{i}")).collect();
            format!("{} {}", if ids.len() == 1 { one } else { many }, list.join(" "))
        };
        if !l.contact_ids.is_empty() {
            parts.push(refs("contact", "contacts", &l.contact_ids));
        }
        if !l.company_ids.is_empty() {
            parts.push(refs("company", "companies", &l.company_ids));
        }
        if !l.tags.is_empty() {
            parts.push(format!(
                "{} {}",
                if l.tags.len() == 1 { "tag" } else { "tags" },
                l.tags.join(", ")
            ));
        }
        let name = if l.name.is_empty() { "(no name)" } else { &l.name };
        let mut out = format!("{name} #{}", l.id);
        if !parts.is_empty() {
            out.push_str(": ");
            out.push_str(&parts.join(", "));
        }
        if !l.fields.is_empty() {
            out.push('\n');
            out.push_str(&l.fields.join("; "));
        }
        out
    }
}

pub(super) async fn get_lead(ctx: Context, a: GetLeadArgs) -> Result<LeadDetail, Error> {
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
    /// Text in names or field values.
    pub query: String,
    #[serde(default)]
    pub pipeline_id: Option<i64>,
}

pub(super) async fn search_lead(ctx: Context, a: SearchLeadArgs) -> Result<LeadPage, Error> {
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
    lead_page(&ctx, &filter, &opts).await
}

/// Arguments of `kommo_create_lead`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLeadArgs {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub price: Option<i64>,
    /// Default: first stage of the main pipeline.
    #[serde(default, alias = "stage_id")]
    pub status_id: Option<i64>,
    #[serde(default)]
    pub pipeline_id: Option<i64>,
    #[serde(default)]
    pub responsible_user_id: Option<i64>,
    /// The first is the main contact.
    #[serde(default)]
    pub contact_ids: Option<Vec<i64>>,
    #[serde(default)]
    pub company_id: Option<i64>,
    /// Names; new ones are created.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// By name: {"Fuente": "Referido", "Unidades": 12}; case and accents ignored.
    #[serde(default)]
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
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

pub(super) async fn create_lead(ctx: Context, a: CreateLeadArgs) -> Result<LeadWritten, Error> {
    let body = create_body(&ctx, a).await?;
    let id = leads::create_one(&ctx.client, body).await?;
    Ok(LeadWritten {
        lead_id: id,
        action: "created",
    })
}

/// The Kommo lead object for `kommo_create_lead`'s arguments (also one item of
/// `kommo_batch_leads`): checks them, resolves custom fields by name and the stage's pipeline.
pub(super) async fn create_body(
    ctx: &Context,
    a: CreateLeadArgs,
) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
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
    let custom_fields_values = named_fields(ctx, a.custom_fields).await?;
    let data = LeadData {
        name: a.name,
        price: a.price,
        status_id: a.status_id,
        pipeline_id,
        responsible_user_id: a.responsible_user_id,
        embedded: Some(embedded),
        custom_fields_values,
        ..LeadData::default()
    };
    Ok(data.to_map())
}

/// Arguments of `kommo_update_lead`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLeadArgs {
    #[serde(rename = "leadId", alias = "lead_id")]
    pub lead_id: i64,
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub price: Option<i64>,
    /// Moves the lead to this stage.
    #[serde(default, alias = "stage_id")]
    pub status_id: Option<i64>,
    #[serde(default)]
    pub pipeline_id: Option<i64>,
    #[serde(default)]
    pub responsible_user_id: Option<i64>,
    /// By name, as in kommo_create_lead; null clears one.
    #[serde(default)]
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
}

pub(super) async fn update_lead(ctx: Context, a: UpdateLeadArgs) -> Result<LeadWritten, Error> {
    let (lead_id, body) = update_body(&ctx, a).await?;
    let id = leads::update_one(&ctx.client, lead_id, body).await?;
    Ok(LeadWritten {
        lead_id: id,
        action: "updated",
    })
}

/// The lead id and changes for `kommo_update_lead`'s arguments (also one update item of
/// `kommo_batch_leads`).
pub(super) async fn update_body(
    ctx: &Context,
    a: UpdateLeadArgs,
) -> Result<(i64, serde_json::Map<String, serde_json::Value>), Error> {
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
    let custom_fields_values = named_fields(ctx, a.custom_fields).await?;
    let data = LeadData {
        name: a.name,
        price: a.price,
        status_id: a.status_id,
        pipeline_id,
        responsible_user_id: a.responsible_user_id,
        custom_fields_values,
        ..LeadData::default()
    };
    if data == LeadData::default() {
        return Err(Error::invalid(
            "leadId",
            "nothing to change: give name, price, status_id, pipeline_id, responsible_user_id or custom_fields",
        ));
    }
    Ok((a.lead_id, data.to_map()))
}

/// Custom fields given by name, resolved against the cached definitions (no request when warm);
/// any name or value that does not resolve fails the call with the valid choices.
pub(super) async fn named_fields(
    ctx: &Context,
    fields: Option<serde_json::Map<String, serde_json::Value>>,
) -> Result<Option<Vec<crate::api::model::CustomFieldWrite>>, Error> {
    let Some(fields) = fields.filter(|f| !f.is_empty()) else {
        return Ok(None);
    };
    let pairs = custom_fields::pairs_of(&fields);
    let writes = custom_fields::resolve_values(&ctx.client, custom_fields::FieldEntity::Leads, &pairs)
        .await?
        .into_strict("custom_fields")?;
    Ok(Some(writes))
}

/// Arguments of `kommo_get_leads_by_contact`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadsByContactArgs {
    #[serde(rename = "contactId", alias = "contact_id")]
    pub contact_id: i64,
}

pub(super) async fn leads_by_contact(ctx: Context, a: LeadsByContactArgs) -> Result<LeadPage, Error> {
    let opts = ListOptions {
        limit: Some(250),
        ..ListOptions::default()
    };
    let listing = leads::linked_leads(&ctx.client, "contacts", a.contact_id, &opts)
        .await?
        .ok_or_else(|| {
            Error::invalid(
                "contactId",
                format!(
                    "no contact has id {}; find contacts with kommo_search_contact_by_phone",
                    a.contact_id
                ),
            )
        })?;
    Ok(LeadPage {
        leads: summaries(&ctx, &listing.items).await,
        page: listing.page,
        has_more: listing.has_more(),
        next_page: listing.next_page,
    })
}

/// Arguments of `kommo_create_complex_lead`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplexLeadArgs {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub price: Option<i64>,
    #[serde(default, alias = "stage_id")]
    pub status_id: Option<i64>,
    #[serde(default)]
    pub pipeline_id: Option<i64>,
    /// User id for all three.
    #[serde(default)]
    pub responsible_user_id: Option<i64>,
    #[serde(default)]
    pub contact_name: Option<String>,
    /// Contact's work phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Contact's work email.
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub company_name: Option<String>,
    /// Lead fields by name, as in kommo_create_lead.
    #[serde(default)]
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
}

/// What a complex creation made.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ComplexWritten {
    pub lead_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_id: Option<i64>,
    /// Kommo's duplicate control merged it into an existing lead.
    pub merged: bool,
}

impl Render for ComplexWritten {
    fn render(&self) -> String {
        let mut out = format!("Lead #{} created", self.lead_id);
        if let Some(c) = self.contact_id {
            out.push_str(&format!(" with contact #{c}"));
        }
        if let Some(c) = self.company_id {
            out.push_str(&format!(" and company #{c}"));
        }
        if self.merged {
            out.push_str(" (merged into an existing lead by Kommo's duplicate control)");
        }
        out.push('.');
        out
    }
}

pub(super) async fn create_complex_lead(ctx: Context, a: ComplexLeadArgs) -> Result<ComplexWritten, Error> {
    for (arg, v, max) in [
        ("name", &a.name, 255),
        ("contact_name", &a.contact_name, 255),
        ("phone", &a.phone, 64),
        ("email", &a.email, 254),
        ("company_name", &a.company_name, 255),
    ] {
        if let Some(v) = v {
            check_len(arg, v, max)?;
        }
    }
    let has_contact = a.contact_name.is_some() || a.phone.is_some() || a.email.is_some();
    if !has_contact && a.company_name.is_none() {
        return Err(Error::invalid(
            "contact_name",
            "give a contact (contact_name, phone or email) and/or company_name; for a lead alone use kommo_create_lead",
        ));
    }
    let pipeline_id = match (a.status_id, a.pipeline_id) {
        (Some(s), None) if s != pipelines::WON_STATUS_ID && s != pipelines::LOST_STATUS_ID => {
            leads::statuses_for(&ctx.client, None, &[s])
                .await?
                .first()
                .map(|(p, _)| *p)
        }
        (_, p) => p,
    };
    let custom_fields_values = named_fields(&ctx, a.custom_fields).await?;
    let data = LeadData {
        name: a.name,
        price: a.price,
        status_id: a.status_id,
        pipeline_id,
        responsible_user_id: a.responsible_user_id,
        custom_fields_values,
        ..LeadData::default()
    };
    let mut lead = data.to_map();
    let mut embedded = serde_json::Map::new();
    if has_contact {
        let mut contact = serde_json::Map::new();
        if let Some(n) = &a.contact_name {
            contact.insert("name".into(), n.clone().into());
        }
        if let Some(u) = a.responsible_user_id {
            contact.insert("responsible_user_id".into(), u.into());
        }
        let mut cfv = Vec::new();
        if let Some(p) = &a.phone {
            cfv.push(serde_json::json!({ "field_code": "PHONE", "values": [{ "value": p, "enum_code": "WORK" }] }));
        }
        if let Some(e) = &a.email {
            cfv.push(serde_json::json!({ "field_code": "EMAIL", "values": [{ "value": e, "enum_code": "WORK" }] }));
        }
        if !cfv.is_empty() {
            contact.insert("custom_fields_values".into(), cfv.into());
        }
        embedded.insert("contacts".into(), serde_json::json!([contact]));
    }
    if let Some(c) = &a.company_name {
        let mut company = serde_json::json!({ "name": c });
        if let Some(u) = a.responsible_user_id {
            company["responsible_user_id"] = u.into();
        }
        embedded.insert("companies".into(), serde_json::json!([company]));
    }
    lead.insert("_embedded".into(), serde_json::Value::Object(embedded));
    let r = leads::create_complex(&ctx.client, vec![lead])
        .await?
        .pop()
        .ok_or_else(|| Error::InvalidResponse {
            context: "POST /api/v4/leads/complex".into(),
            reason: "the answer listed no lead".into(),
        })?;
    Ok(ComplexWritten {
        lead_id: r.id,
        contact_id: r.contact_id,
        company_id: r.company_id,
        merged: r.merged,
    })
}

/// Lead tools.
pub fn tools() -> Vec<ToolDef> {
    vec![
        define(
            Meta {
                name: "kommo_list_leads",
                title: "List leads",
                description: "Leads by pipeline, stage, user, creation time, text or custom fields, one line each.",
                toolset: "leads",
                access: Access::Read,
            },
            list_leads,
        ),
        define(
            Meta {
                name: "kommo_get_lead",
                title: "Get a lead",
                description: "One lead by id: stage, price, user, contacts, company, tags, custom fields.",
                toolset: "leads",
                access: Access::Read,
            },
            get_lead,
        ),
        define(
            Meta {
                name: "kommo_search_lead",
                title: "Search leads",
                description: "Leads whose name or field values contain the text (up to 50).",
                toolset: "leads",
                access: Access::Read,
            },
            search_lead,
        ),
        define(
            Meta {
                name: "kommo_create_lead",
                title: "Create a lead",
                description: "Create a lead in a stage, linked to existing contacts and company, with tags and \
custom fields by name.",
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
                description: "Change a lead's name, price, stage (status_id alone moves it), user or custom fields \
by name.",

                toolset: "leads",
                access: Access::Write {
                    destructive: true,
                    idempotent: true,
                },
            },
            update_lead,
        ),
        define(
            Meta {
                name: "kommo_get_leads_by_contact",
                title: "Leads of a contact",
                description: "The leads linked to a contact, with stage, price and responsible user.",
                toolset: "leads",
                access: Access::Read,
            },
            leads_by_contact,
        ),
        define(
            Meta {
                name: "kommo_create_complex_lead",
                title: "Create a lead, contact and company",

                description: "Create a lead with a NEW contact and/or company, linked, in one request (search \
contacts first).",

                toolset: "leads",
                access: Access::Write {
                    destructive: false,
                    idempotent: false,
                },
            },
            create_complex_lead,
        ),
    ]
}
