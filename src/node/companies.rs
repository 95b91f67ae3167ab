//! Company functions of the JS SDK (same names, argument order and result shapes as the
//! original package; behaviour fixed where it was wrong, see CHANGELOG.md).

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::Deserialize;

use crate::api::companies::{self, Company, CompanyData};
use crate::node::args::{from_js, sdk, Failure};
use crate::node::contacts::ListEntitiesFilters;
use crate::node::shapes::{get_result, list_result, search_result, write_result};

search_result!(SearchCompanyResult, companies, Company);
get_result!(GetCompanyResult, company, Company);
list_result!(ListCompaniesResult, companies, Company);
write_result!(CompanyWriteResult, company, company_id);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchCompanyParams {
    query: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetCompanyParams {
    company_id: i64,
    #[serde(default)]
    with: Option<Vec<String>>,
}

/// Finds companies by Kommo's full-text search (name, phones, emails, web, other fields).
/// Reads up to 250 matches.
#[napi(
    ts_args_type = "params: SearchCompanyParams, config: KommoConfigInput",
    ts_return_type = "Promise<SearchCompanyResult>"
)]
pub fn search_company<'e>(
    env: &'e Env,
    params: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let p: SearchCompanyParams = from_js(env, "searchCompany", "params", params)?;
    sdk(env, config, move |client| async move {
        if p.query.trim().is_empty() {
            return Err(crate::error::Error::invalid("query", "must not be empty"));
        }
        let opts = crate::api::list::ListOptions {
            query: Some(p.query),
            limit: Some(250),
            ..Default::default()
        };
        let l = companies::list_companies(&client, &Default::default(), &opts).await?;
        Ok(SearchCompanyResult::found(l.items))
    })
}

/// One company by id. A missing company resolves to
/// `{ success: false, error: 'Company with ID N not found' }`.
#[napi(
    ts_args_type = "params: GetCompanyParams, config: KommoConfigInput",
    ts_return_type = "Promise<GetCompanyResult>"
)]
pub fn get_company<'e>(env: &'e Env, params: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let p: GetCompanyParams = from_js(env, "getCompany", "params", params)?;
    sdk(env, config, move |client| async move {
        let with: Vec<&str> = p.with.iter().flatten().map(String::as_str).collect();
        Ok(match companies::get(&client, p.company_id, &with).await? {
            Some(c) => GetCompanyResult::found(c),
            None => GetCompanyResult::failure(format!("Company with ID {} not found", p.company_id)),
        })
    })
}

/// Lists companies with the same filters as `listContacts`.
#[napi(
    ts_args_type = "filters: ListCompaniesFilters | undefined, config: KommoConfigInput",
    ts_return_type = "Promise<ListCompaniesResult>"
)]
pub fn list_companies<'e>(
    env: &'e Env,
    filters: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let f: Option<ListEntitiesFilters> = from_js(env, "listCompanies", "filters", filters)?;
    let f = f.unwrap_or_default();
    sdk(env, config, move |client| async move {
        let filter = f
            .filter(&client, crate::api::custom_fields::FieldEntity::Companies)
            .await?;
        let mut listing = companies::list_companies(&client, &filter, &f.paging.options()).await?;

        if let Some(g) = f.group_id {
            listing.items.retain(|c| c.group_id == Some(g));
        }
        Ok(ListCompaniesResult::from(listing))
    })
}

/// Companies whose web address or an email is on `domain` (`acme.com`, `https://www.acme.com`
/// or `info@acme.com` all work). Companies that merely mention the domain are not returned.
#[napi(
    ts_args_type = "domain: string, config: KommoConfigInput",
    ts_return_type = "Promise<SearchCompanyResult>"
)]
pub fn search_company_by_domain<'e>(
    env: &'e Env,
    domain: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let domain: String = from_js(env, "searchCompanyByDomain", "domain", domain)?;
    sdk(env, config, move |client| async move {
        Ok(SearchCompanyResult::found(
            companies::search_by_domain(&client, &domain).await?,
        ))
    })
}

/// Creates a company (`name`, `responsible_user_id`, `custom_fields_values`, tags, and the
/// `phones` / `emails` shortcuts).
#[napi(
    ts_args_type = "data: CreateCompanyData, config: KommoConfigInput",
    ts_return_type = "Promise<CompanyWriteResult>"
)]
pub fn create_company<'e>(env: &'e Env, data: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let data: CompanyData = from_js(env, "createCompany", "data", data)?;
    sdk(env, config, move |client| async move {
        let map = data.to_map()?;
        let id = companies::create_one(&client, map.clone()).await?;
        Ok(CompanyWriteResult::written(id, map))
    })
}

/// Updates a company's fields with one `PATCH /companies/{id}`.
#[napi(
    ts_args_type = "companyId: number, data: UpdateCompanyData, config: KommoConfigInput",
    ts_return_type = "Promise<CompanyWriteResult>"
)]
pub fn update_company<'e>(
    env: &'e Env,
    company_id: Unknown<'e>,
    data: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let id: i64 = from_js(env, "updateCompany", "companyId", company_id)?;
    let data: CompanyData = from_js(env, "updateCompany", "data", data)?;
    sdk(env, config, move |client| async move {
        let map = data.to_map()?;
        let id = companies::update_one(&client, id, map.clone()).await?;
        Ok(CompanyWriteResult::written(id, map))
    })
}
