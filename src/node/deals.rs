//! The original's "deals" family: a view over leads with its names and result keys (`deals`,
//! `deal`, `dealId`). `stage_id` is Kommo's `status_id` (sent with its pipeline).

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::api::leads::{self, LeadData};
use crate::api::list::ListOptions;
use crate::api::{pipelines, Client};
use crate::error::{Error, Result as ApiResult};
use crate::node::args::{from_js, sdk, Failure};
use crate::node::json_result::{renamed, Deals, Json, NoList};
use crate::node::leads::{list_with, ListLeadsFilters, ListLeadsResult, OneOrMany, SearchLeadResult};

#[derive(Deserialize)]
struct SearchDealParams {
    query: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetDealParams {
    deal_id: i64,
}

/// `listDeals` filters: those of `listLeads` plus `stage_id` (= status_id) and `company_id`.
#[derive(Debug, Default, Deserialize)]
struct ListDealsFilters {
    #[serde(default)]
    stage_id: Option<OneOrMany>,
    #[serde(default)]
    company_id: Option<i64>,
    #[serde(flatten)]
    leads: ListLeadsFilters,
}

fn deals(r: &ListLeadsResult) -> Json<Deals> {
    Json::new(renamed(r, "leads", "deals"))
}

/// Finds deals (leads) by Kommo's full-text search. Resolves to `{ success, deals, totalFound, error? }`.
#[napi(
    ts_args_type = "params: { query: string }, config: KommoConfigInput",
    ts_return_type = "Promise<SearchDealResult>"
)]
pub fn search_deal<'e>(env: &'e Env, params: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let p: SearchDealParams = from_js(env, "searchDeal", "params", params)?;
    sdk(env, config, move |client| async move {
        if p.query.trim().is_empty() {
            return Err(Error::invalid("query", "must not be empty"));
        }
        let opts = ListOptions {
            query: Some(p.query),
            limit: Some(250),
            ..ListOptions::default()
        };
        let l = leads::list_leads(&client, &leads::LeadFilter::default(), &opts).await?;
        let r = SearchLeadResult {
            success: true,
            total_found: l.items.len(),
            leads: l.items,
            error: None,
        };
        Ok(Json::<Deals>::new(renamed(&r, "leads", "deals")))
    })
}

/// One deal by id. Resolves to `{ success, deal?, error? }`.
#[napi(
    ts_args_type = "params: { dealId: number }, config: KommoConfigInput",
    ts_return_type = "Promise<GetDealResult>"
)]
pub fn get_deal<'e>(env: &'e Env, params: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let p: GetDealParams = from_js(env, "getDeal", "params", params)?;
    sdk(env, config, move |client| async move {
        Ok(Json::<NoList>::new(
            match leads::get(&client, p.deal_id, &["contacts"]).await? {
                Some(d) => json!({ "success": true, "deal": d }),
                None => json!({ "success": false, "error": format!("Deal with ID {} not found", p.deal_id) }),
            },
        ))
    })
}

async fn list_deals_with(client: Client, f: ListDealsFilters) -> ApiResult<Json<Deals>> {
    let mut lf = f.leads;
    if let Some(stage) = f.stage_id {
        let mut all = lf.status_id.take().map(OneOrMany::into_vec).unwrap_or_default();
        all.extend(stage.into_vec());
        lf.status_id = Some(OneOrMany::Many(all));
    }
    if let Some(company) = f.company_id {
        let Some(ids) = leads::linked_lead_ids(&client, "companies", company).await? else {
            return Ok(Json::failure(format!("Company with ID {company} not found")));
        };
        let ids = match lf.ids.take() {
            Some(given) => given.into_iter().filter(|i| ids.contains(i)).collect(),
            None => ids,
        };
        if ids.is_empty() {
            let opts = lf.paging.options();
            return Ok(Json::new(json!({
                "success": true, "deals": [], "totalFound": 0, "page": opts.page.unwrap_or(1), "hasMore": false,
            })));
        }
        lf.ids = Some(ids);
    }
    Ok(deals(&list_with(client, lf).await?))
}

/// Lists deals with the filters of `listLeads` plus `stage_id` (a stage id, sent as Kommo's
/// status filter with its pipeline) and `company_id` (the company's leads).
/// Resolves to `{ success, deals, totalFound, page, totalPages?, hasMore, nextPage?, error? }`.
#[napi(
    ts_args_type = "filters: ListDealsFilters | undefined, config: KommoConfigInput",
    ts_return_type = "Promise<ListDealsResult>"
)]
pub fn list_deals<'e>(env: &'e Env, filters: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let f: Option<ListDealsFilters> = from_js(env, "listDeals", "filters", filters)?;
    sdk(env, config, move |client| {
        list_deals_with(client, f.unwrap_or_default())
    })
}

async fn linked(client: Client, entity: &'static str, id: i64) -> ApiResult<Json<Deals>> {
    let what = if entity == "companies" { "Company" } else { "Contact" };
    match leads::linked_leads(
        &client,
        entity,
        id,
        &ListOptions {
            limit: Some(250),
            ..ListOptions::default()
        },
    )
    .await?
    {
        None => Ok(Json::failure(format!("{what} with ID {id} not found"))),
        Some(l) => Ok(deals(&l.into())),
    }
}

/// Deals linked to a contact (read from the contact's `with=leads`, then listed by id).
/// Resolves to `{ success, deals, totalFound, page, hasMore, error? }`.
#[napi(
    ts_args_type = "contactId: number, config: KommoConfigInput",
    ts_return_type = "Promise<ListDealsResult>"
)]
pub fn get_deals_by_contact<'e>(
    env: &'e Env,
    contact_id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let id: i64 = from_js(env, "getDealsByContact", "contactId", contact_id)?;
    sdk(env, config, move |client| linked(client, "contacts", id))
}

/// Deals linked to a company. Resolves to `{ success, deals, totalFound, page, hasMore, error? }`.
#[napi(
    ts_args_type = "companyId: number, config: KommoConfigInput",
    ts_return_type = "Promise<ListDealsResult>"
)]
pub fn get_deals_by_company<'e>(
    env: &'e Env,
    company_id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let id: i64 = from_js(env, "getDealsByCompany", "companyId", company_id)?;
    sdk(env, config, move |client| linked(client, "companies", id))
}

/// Reads deal data: lead fields plus `stage_id` (turned into `status_id`).
fn deal_data(env: &Env, func: &str, v: Unknown) -> Result<LeadData> {
    let mut m: Map<String, Value> = from_js(env, func, "data", v)?;
    if let Some(stage) = m.remove("stage_id") {
        if !stage.is_null() {
            m.insert("status_id".into(), stage);
        }
    }
    serde_path_to_error::deserialize::<_, LeadData>(Value::Object(m)).map_err(|e| {
        let path = e.path().to_string();
        crate::node::type_error(env, format!("{func}: data.{path}: {}", e.into_inner()))
    })
}

fn deal_written(id: i64, data: &LeadData) -> Json<NoList> {
    let mut deal = data.to_map();
    deal.insert("id".into(), id.into());
    Json::new(json!({ "success": true, "deal": deal, "dealId": id }))
}

/// Fills in the pipeline of a stage given without one.
async fn with_pipeline(client: &Client, mut data: LeadData) -> ApiResult<LeadData> {
    if let (Some(s), None) = (data.status_id, data.pipeline_id) {
        if s != pipelines::WON_STATUS_ID && s != pipelines::LOST_STATUS_ID {
            data.pipeline_id = leads::statuses_for(client, None, &[s]).await?.first().map(|(p, _)| *p);
        }
    }
    Ok(data)
}

/// Creates a deal (a lead). `stage_id` is accepted as `status_id`. Resolves to `{ success, deal?, dealId?, error? }`.
#[napi(
    ts_args_type = "data: CreateDealData, config: KommoConfigInput",
    ts_return_type = "Promise<DealWriteResult>"
)]
pub fn create_deal<'e>(env: &'e Env, data: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let data = deal_data(env, "createDeal", data)?;
    sdk(env, config, move |client| async move {
        let data = with_pipeline(&client, data).await?;
        let id = leads::create_one(&client, data.to_map()).await?;
        Ok(deal_written(id, &data))
    })
}

/// Updates a deal (a lead). Resolves to `{ success, deal?, dealId?, error? }`.
#[napi(
    ts_args_type = "dealId: number, data: UpdateDealData, config: KommoConfigInput",
    ts_return_type = "Promise<DealWriteResult>"
)]
pub fn update_deal<'e>(
    env: &'e Env,
    deal_id: Unknown<'e>,
    data: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let id: i64 = from_js(env, "updateDeal", "dealId", deal_id)?;
    let data = deal_data(env, "updateDeal", data)?;
    sdk(env, config, move |client| async move {
        let data = with_pipeline(&client, data).await?;
        let id = leads::update_one(&client, id, data.to_map()).await?;
        Ok(deal_written(id, &data))
    })
}

/// Moves a deal to a stage: sends `status_id` with the stage's pipeline (0.1.x sent a
/// `stage_id` Kommo does not know). Resolves to `{ success, deal?, dealId?, error? }`.
#[napi(
    ts_args_type = "dealId: number, stageId: number, config: KommoConfigInput",
    ts_return_type = "Promise<DealWriteResult>"
)]
pub fn update_deal_stage<'e>(
    env: &'e Env,
    deal_id: Unknown<'e>,
    stage_id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let id: i64 = from_js(env, "updateDealStage", "dealId", deal_id)?;
    let stage: i64 = from_js(env, "updateDealStage", "stageId", stage_id)?;
    sdk(env, config, move |client| async move {
        let data = with_pipeline(
            &client,
            LeadData {
                status_id: Some(stage),
                ..LeadData::default()
            },
        )
        .await?;
        let id = leads::update_one(&client, id, data.to_map()).await?;
        Ok(deal_written(id, &data))
    })
}

async fn link_deal(client: Client, deal: i64, kind: &'static str, id: i64) -> ApiResult<Json<NoList>> {
    crate::api::list::check_id(if kind == "companies" { "companyId" } else { "contactId" }, id)?;
    let target = crate::api::links::Link {
        to_entity_id: id,
        to_entity_type: kind.to_string(),
        metadata: None,
    };
    crate::api::links::link_one(&client, "leads", deal, target).await?;
    Ok(Json::new(json!({ "success": true })))
}

/// Links a contact to a deal (`POST /leads/{id}/link` with an array body). Linking twice is
/// harmless. Resolves to `{ success, error? }`.
#[napi(
    ts_args_type = "dealId: number, contactId: number, config: KommoConfigInput",
    ts_return_type = "Promise<LinkResult>"
)]
pub fn link_deal_to_contact<'e>(
    env: &'e Env,
    deal_id: Unknown<'e>,
    contact_id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let deal: i64 = from_js(env, "linkDealToContact", "dealId", deal_id)?;
    let id: i64 = from_js(env, "linkDealToContact", "contactId", contact_id)?;
    sdk(env, config, move |client| link_deal(client, deal, "contacts", id))
}

/// Links a company to a deal. Resolves to `{ success, error? }`.
#[napi(
    ts_args_type = "dealId: number, companyId: number, config: KommoConfigInput",
    ts_return_type = "Promise<LinkResult>"
)]
pub fn link_deal_to_company<'e>(
    env: &'e Env,
    deal_id: Unknown<'e>,
    company_id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let deal: i64 = from_js(env, "linkDealToCompany", "dealId", deal_id)?;
    let id: i64 = from_js(env, "linkDealToCompany", "companyId", company_id)?;
    sdk(env, config, move |client| link_deal(client, deal, "companies", id))
}
