//! Lead functions of the JS SDK (same names, argument order and result shapes as the
//! original package; behaviour fixed where it was wrong, see CHANGELOG.md).

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::{Deserialize, Serialize};

use crate::api::leads::{self, Lead, LeadData, LeadFilter};
use crate::api::list::{Direction, ListOptions, Listing};
use crate::api::{contacts, Client};
use crate::error::Result as ApiResult;
use crate::node::args::{from_js, sdk, Failure};

/// A number or a list of numbers (the original accepted one id; Kommo filters take lists).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum OneOrMany {
    One(i64),
    Many(Vec<i64>),
}

impl OneOrMany {
    pub(crate) fn into_vec(self) -> Vec<i64> {
        match self {
            OneOrMany::One(v) => vec![v],
            OneOrMany::Many(v) => v,
        }
    }
}

pub(crate) fn opt_vec(v: Option<OneOrMany>) -> Vec<i64> {
    v.map(OneOrMany::into_vec).unwrap_or_default()
}

/// Paging and ordering options shared by every list function.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageArgs {
    #[serde(default)]
    pub page: Option<u32>,
    #[serde(default)]
    pub limit: Option<u32>,
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub with: Option<Vec<String>>,
    /// `{ field: 'asc' | 'desc' }`, e.g. `{ updated_at: 'desc' }`.
    #[serde(default)]
    pub order: Option<std::collections::BTreeMap<String, Direction>>,
    #[serde(default)]
    pub all_pages: Option<bool>,
}

impl PageArgs {
    pub(crate) fn options(&self) -> ListOptions {
        ListOptions {
            page: self.page,
            limit: self.limit,
            query: self.query.clone(),
            with: self.with.clone().unwrap_or_default(),
            order: self
                .order
                .as_ref()
                .and_then(|o| o.iter().next().map(|(k, v)| (k.clone(), *v))),
            all_pages: self.all_pages.unwrap_or(false),
            ..ListOptions::default()
        }
    }
}

/// `{ success, leads, totalFound, error? }`
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchLeadResult {
    pub success: bool,
    pub leads: Vec<Lead>,
    pub total_found: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Failure for SearchLeadResult {
    fn failure(error: String) -> Self {
        SearchLeadResult {
            success: false,
            leads: Vec::new(),
            total_found: 0,
            error: Some(error),
        }
    }
}

/// `{ success, leads, totalFound, page, totalPages?, hasMore, nextPage?, capped?, error? }`
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListLeadsResult {
    pub success: bool,
    pub leads: Vec<Lead>,
    /// Leads in this result.
    pub total_found: usize,
    pub page: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_pages: Option<u32>,
    /// Whether Kommo has more pages after this result.
    pub has_more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page: Option<u32>,
    /// An `allPages` listing stopped at its page cap.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub capped: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Failure for ListLeadsResult {
    fn failure(error: String) -> Self {
        ListLeadsResult {
            success: false,
            leads: Vec::new(),
            total_found: 0,
            page: 1,
            total_pages: None,
            has_more: false,
            next_page: None,
            capped: false,
            error: Some(error),
        }
    }
}

impl From<Listing<Lead>> for ListLeadsResult {
    fn from(l: Listing<Lead>) -> Self {
        ListLeadsResult {
            success: true,
            total_found: l.items.len(),
            page: l.page,
            total_pages: l.page_count,
            has_more: l.has_more(),
            next_page: l.next_page,
            capped: l.capped,
            leads: l.items,
            error: None,
        }
    }
}

/// `{ success, lead?, error? }`
#[derive(Debug, Serialize)]
pub struct GetLeadResult {
    pub success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead: Option<Lead>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Failure for GetLeadResult {
    fn failure(error: String) -> Self {
        GetLeadResult {
            success: false,
            lead: None,
            error: Some(error),
        }
    }
}

/// `{ success, lead?, leadId?, error? }`: `lead` is the data written, with its `id`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadWriteResult {
    pub success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Failure for LeadWriteResult {
    fn failure(error: String) -> Self {
        LeadWriteResult {
            success: false,
            lead: None,
            lead_id: None,
            error: Some(error),
        }
    }
}

fn written(id: i64, data: &LeadData) -> LeadWriteResult {
    let mut lead = data.to_map();
    lead.insert("id".into(), id.into());
    LeadWriteResult {
        success: true,
        lead: Some(serde_json::Value::Object(lead)),
        lead_id: Some(id),
        error: None,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetLeadParams {
    lead_id: i64,
    #[serde(default)]
    with: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct SearchLeadParams {
    query: String,
}

/// Filters of `listLeads` (the original's names), plus paging options.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListLeadsFilters {
    #[serde(default)]
    pub responsible_user_id: Option<OneOrMany>,
    #[serde(default)]
    pub status_id: Option<OneOrMany>,
    #[serde(default)]
    pub pipeline_id: Option<OneOrMany>,
    #[serde(default)]
    pub contact_id: Option<i64>,
    #[serde(default)]
    pub created_at_from: Option<i64>,
    #[serde(default)]
    pub created_at_to: Option<i64>,
    #[serde(default)]
    pub updated_at_from: Option<i64>,
    #[serde(default)]
    pub updated_at_to: Option<i64>,
    #[serde(default)]
    pub price_from: Option<i64>,
    #[serde(default)]
    pub price_to: Option<i64>,
    #[serde(default)]
    pub ids: Option<Vec<i64>>,
    /// Custom fields by name, id or code: `{ "Fuente": "Referido", "Unidades": { "from": 5 } }`.
    #[serde(default)]
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(flatten)]
    pub paging: PageArgs,
}

/// Turns the original's filter names into Kommo's `filter[...]`: `status_id` becomes
/// `filter[statuses][i][pipeline_id|status_id]` (its pipeline found from cached pipelines when
/// not given), `contact_id` becomes the contact's lead ids (one extra request).
pub(crate) async fn lead_filter(client: &Client, f: &ListLeadsFilters) -> ApiResult<Option<LeadFilter>> {
    let pipeline_ids = opt_vec(f.pipeline_id.clone());
    let status_ids = opt_vec(f.status_id.clone());
    let single_pipeline = if pipeline_ids.len() == 1 {
        Some(pipeline_ids[0])
    } else {
        None
    };
    let statuses = if !status_ids.is_empty() && pipeline_ids.len() > 1 {
        pipeline_ids
            .iter()
            .flat_map(|p| status_ids.iter().map(move |s| (*p, *s)))
            .collect()
    } else {
        leads::statuses_for(client, single_pipeline, &status_ids).await?
    };
    let custom_fields = match &f.custom_fields {
        Some(spec) => {
            crate::api::custom_fields::filters_by_name(
                client,
                crate::api::custom_fields::FieldEntity::Leads,
                "custom_fields",
                spec,
            )
            .await?
        }
        None => Vec::new(),
    };
    let mut ids = f.ids.clone().unwrap_or_default();
    if let Some(contact_id) = f.contact_id {
        let Some(contact) = contacts::get(client, contact_id, &["leads"]).await? else {
            return Ok(None);
        };
        let lead_ids: Vec<i64> = contact
            .embedded
            .iter()
            .flat_map(|e| e.leads.iter().map(|l| l.id))
            .collect();
        if lead_ids.is_empty() {
            return Ok(None);
        }
        ids = if ids.is_empty() {
            lead_ids
        } else {
            ids.into_iter().filter(|i| lead_ids.contains(i)).collect()
        };
        if ids.is_empty() {
            return Ok(None);
        }
    }
    Ok(Some(LeadFilter {
        ids,
        responsible_user_ids: opt_vec(f.responsible_user_id.clone()),
        pipeline_ids,
        statuses,
        price: (f.price_from, f.price_to),
        created_at: (f.created_at_from, f.created_at_to),
        updated_at: (f.updated_at_from, f.updated_at_to),
        custom_fields,
        ..LeadFilter::default()
    }))
}

pub(crate) async fn list_with(client: Client, f: ListLeadsFilters) -> ApiResult<ListLeadsResult> {
    let opts = f.paging.options();
    opts.validate()?;
    match lead_filter(&client, &f).await? {
        // A contact without leads: nothing to list, no request needed.
        None => Ok(ListLeadsResult {
            success: true,
            error: None,
            page: opts.page.unwrap_or(1),
            ..ListLeadsResult::failure(String::new())
        }),
        Some(filter) => Ok(leads::list_leads(&client, &filter, &opts).await?.into()),
    }
}

/// Finds leads by Kommo's full-text search (name, custom field values...).
///
/// Resolves to `{ success, leads, totalFound, error? }`.
#[napi(
    ts_args_type = "params: SearchLeadParams, config: KommoConfigInput",
    ts_return_type = "Promise<SearchLeadResult>"
)]
pub fn search_lead<'e>(env: &'e Env, params: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let p: SearchLeadParams = from_js(env, "searchLead", "params", params)?;
    sdk(env, config, move |client| async move {
        if p.query.trim().is_empty() {
            return Err(crate::error::Error::invalid("query", "must not be empty"));
        }
        let opts = ListOptions {
            query: Some(p.query),
            limit: Some(250),
            ..ListOptions::default()
        };
        let l = leads::list_leads(&client, &LeadFilter::default(), &opts).await?;
        Ok(SearchLeadResult {
            success: true,
            total_found: l.items.len(),
            leads: l.items,
            error: None,
        })
    })
}

/// One lead by id. A missing lead resolves to `{ success: false, error: 'Lead with ID N not found' }`.
#[napi(
    ts_args_type = "params: GetLeadParams, config: KommoConfigInput",
    ts_return_type = "Promise<GetLeadResult>"
)]
pub fn get_lead<'e>(env: &'e Env, params: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let p: GetLeadParams = from_js(env, "getLead", "params", params)?;
    sdk(env, config, move |client| async move {
        let with: Vec<&str> = p.with.iter().flatten().map(String::as_str).collect();
        match leads::get(&client, p.lead_id, &with).await? {
            Some(lead) => Ok(GetLeadResult {
                success: true,
                lead: Some(lead),
                error: None,
            }),
            None => Ok(GetLeadResult::failure(format!("Lead with ID {} not found", p.lead_id))),
        }
    })
}

/// Lists leads with Kommo's filters: `pipeline_id`, `status_id`, `responsible_user_id` (a
/// number or a list), `contact_id`, `created_at_from/to`, `updated_at_from/to`, `price_from/to`,
/// `ids`, `query`, plus `page`, `limit` (up to 250), `with`, `order` and `allPages`.
#[napi(
    ts_args_type = "filters: ListLeadsFilters | undefined, config: KommoConfigInput",
    ts_return_type = "Promise<ListLeadsResult>"
)]
pub fn list_leads<'e>(env: &'e Env, filters: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let f: Option<ListLeadsFilters> = from_js(env, "listLeads", "filters", filters)?;
    sdk(env, config, move |client| list_with(client, f.unwrap_or_default()))
}

/// Creates a lead. Link contacts and a company at creation with
/// `_embedded: { contacts: [{ id }], companies: [{ id }] }`.
#[napi(
    ts_args_type = "data: CreateLeadData, config: KommoConfigInput",
    ts_return_type = "Promise<LeadWriteResult>"
)]
pub fn create_lead<'e>(env: &'e Env, data: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let mut data: LeadData = from_js(env, "createLead", "data", data)?;
    sdk(env, config, move |client| async move {
        resolve_named_fields(&client, &mut data).await?;
        let id = leads::create_one(&client, data.to_map()).await?;
        Ok(written(id, &data))
    })
}

/// Updates a lead's fields (one request).
#[napi(
    ts_args_type = "leadId: number, data: UpdateLeadData, config: KommoConfigInput",
    ts_return_type = "Promise<LeadWriteResult>"
)]
pub fn update_lead<'e>(
    env: &'e Env,
    lead_id: Unknown<'e>,
    data: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let id: i64 = from_js(env, "updateLead", "leadId", lead_id)?;
    let mut data: LeadData = from_js(env, "updateLead", "data", data)?;
    sdk(env, config, move |client| async move {
        resolve_named_fields(&client, &mut data).await?;
        let id = leads::update_one(&client, id, data.to_map()).await?;
        Ok(written(id, &data))
    })
}

/// Moves a lead to a stage. `pipelineId` moves it to another pipeline; without it the
/// stage's pipeline is looked up, so a stage of another pipeline works too.
#[napi(
    ts_args_type = "leadId: number, statusId: number, config: KommoConfigInput, pipelineId?: number",
    ts_return_type = "Promise<LeadWriteResult>"
)]
pub fn update_lead_status<'e>(
    env: &'e Env,
    lead_id: Unknown<'e>,
    status_id: Unknown<'e>,
    config: Unknown<'e>,
    pipeline_id: Option<Unknown<'e>>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let id: i64 = from_js(env, "updateLeadStatus", "leadId", lead_id)?;
    let status: i64 = from_js(env, "updateLeadStatus", "statusId", status_id)?;
    let pipeline: Option<i64> = match pipeline_id {
        Some(v) => from_js(env, "updateLeadStatus", "pipelineId", v)?,
        None => None,
    };
    sdk(env, config, move |client| async move {
        let pipeline = match pipeline {
            Some(p) => Some(p),
            None if status == crate::api::pipelines::WON_STATUS_ID
                || status == crate::api::pipelines::LOST_STATUS_ID =>
            {
                None
            }
            None => leads::statuses_for(&client, None, &[status])
                .await?
                .first()
                .map(|(p, _)| *p),
        };
        let data = LeadData {
            status_id: Some(status),
            pipeline_id: pipeline,
            ..LeadData::default()
        };
        let id = leads::update_one(&client, id, data.to_map()).await?;
        Ok(written(id, &data))
    })
}

/// Leads linked to a contact: read from the contact's `with=leads` (0.1.x sent a `contact_id`
/// filter Kommo ignores and got every lead), then listed by id, up to 250.
/// Resolves to `{ success, leads, totalFound, page, hasMore, error? }`.
#[napi(
    ts_args_type = "contactId: number, config: KommoConfigInput",
    ts_return_type = "Promise<ListLeadsResult>"
)]
pub fn get_leads_by_contact<'e>(
    env: &'e Env,
    contact_id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let id: i64 = from_js(env, "getLeadsByContact", "contactId", contact_id)?;
    sdk(env, config, move |client| async move {
        let opts = ListOptions {
            limit: Some(250),
            ..ListOptions::default()
        };
        match leads::linked_leads(&client, "contacts", id, &opts).await? {
            None => Ok(ListLeadsResult::failure(format!("Contact with ID {id} not found"))),
            Some(l) => Ok(l.into()),
        }
    })
}

/// Resolves `custom_fields` given by name into `custom_fields_values` (appended).
pub(crate) async fn resolve_named_fields(client: &Client, data: &mut LeadData) -> ApiResult<()> {
    let Some(named) = data.custom_fields.take() else {
        return Ok(());
    };
    if named.is_empty() {
        return Ok(());
    }
    let pairs = crate::api::custom_fields::pairs_of(&named);
    let writes =
        crate::api::custom_fields::resolve_values(client, crate::api::custom_fields::FieldEntity::Leads, &pairs)
            .await?
            .into_strict("custom_fields")?;
    data.custom_fields_values.get_or_insert_with(Vec::new).extend(writes);
    Ok(())
}
