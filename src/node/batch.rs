//! Batch writes of the JS SDK: many leads, contacts or companies in as few requests as Kommo
//! allows (250 per request; 50 per complex-lead request), with a result per item.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use reqwest::Method;
use serde_json::{json, Map, Value};

use crate::api::leads;
use crate::api::write::{batch, ItemResult};
use crate::node::args::{from_js, sdk};
use crate::node::json_result::{Json, Results};

fn summary(results: Vec<ItemResult>) -> Json<Results> {
    let failed = results.iter().filter(|r| !r.success).count();
    Json::new(json!({
        "success": failed == 0,
        "succeeded": results.len() - failed,
        "failed": failed,
        "results": results,
    }))
}

fn run<'e>(
    env: &'e Env,
    func: &'static str,
    method: Method,
    path: &'static str,
    items: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let items: Vec<Map<String, Value>> = from_js(env, func, "items", items)?;
    sdk(env, config, move |client| async move {
        Ok(summary(batch(&client, method, path, path, items).await?))
    })
}

/// Creates many leads (Kommo's lead objects), 250 per request. Resolves to
/// `{ success, succeeded, failed, results: [{ index, success, id?, error?, errors? }] }`.
#[napi(
    ts_args_type = "items: CreateLeadData[], config: KommoConfigInput",
    ts_return_type = "Promise<BatchWriteResult>"
)]
pub fn create_leads<'e>(env: &'e Env, items: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    run(env, "createLeads", Method::POST, "leads", items, config)
}

/// Updates many leads (each item with its `id`), 250 per request.
#[napi(
    ts_args_type = "items: Array<UpdateLeadData & { id: number }>, config: KommoConfigInput",
    ts_return_type = "Promise<BatchWriteResult>"
)]
pub fn update_leads<'e>(env: &'e Env, items: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    run(env, "updateLeads", Method::PATCH, "leads", items, config)
}

/// Creates many contacts (Kommo's contact objects), 250 per request.
#[napi(
    ts_args_type = "items: Array<Record<string, unknown>>, config: KommoConfigInput",
    ts_return_type = "Promise<BatchWriteResult>"
)]
pub fn create_contacts<'e>(
    env: &'e Env,
    items: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    run(env, "createContacts", Method::POST, "contacts", items, config)
}

/// Updates many contacts (each item with its `id`), 250 per request.
#[napi(
    ts_args_type = "items: Array<Record<string, unknown> & { id: number }>, config: KommoConfigInput",
    ts_return_type = "Promise<BatchWriteResult>"
)]
pub fn update_contacts<'e>(
    env: &'e Env,
    items: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    run(env, "updateContacts", Method::PATCH, "contacts", items, config)
}

/// Creates many companies, 250 per request.
#[napi(
    ts_args_type = "items: Array<Record<string, unknown>>, config: KommoConfigInput",
    ts_return_type = "Promise<BatchWriteResult>"
)]
pub fn create_companies<'e>(
    env: &'e Env,
    items: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    run(env, "createCompanies", Method::POST, "companies", items, config)
}

/// Updates many companies (each item with its `id`), 250 per request.
#[napi(
    ts_args_type = "items: Array<Record<string, unknown> & { id: number }>, config: KommoConfigInput",
    ts_return_type = "Promise<BatchWriteResult>"
)]
pub fn update_companies<'e>(
    env: &'e Env,
    items: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    run(env, "updateCompanies", Method::PATCH, "companies", items, config)
}

/// Creates leads together with a new contact and company each (`POST /leads/complex`, 50 per
/// request): `{ name, price, _embedded: { contacts: [{ first_name, custom_fields_values }],
/// companies: [{ name }] } }`. Resolves to
/// `{ success, results: [{ id, contact_id, company_id, request_id, merged }], error? }`.
#[napi(
    ts_args_type = "items: ComplexLeadData[], config: KommoConfigInput",
    ts_return_type = "Promise<ComplexLeadsResult>"
)]
pub fn create_complex_leads<'e>(
    env: &'e Env,
    items: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let items: Vec<Map<String, Value>> = from_js(env, "createComplexLeads", "items", items)?;
    sdk(env, config, move |client| async move {
        let results = leads::create_complex(&client, items).await?;
        Ok(Json::<Results>::new(json!({ "success": true, "results": results })))
    })
}
