//! Catalog (list) and catalog element functions of the JS SDK.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::Deserialize;

use crate::api::catalogs::{self, Catalog, CatalogElement, CatalogElementData, CatalogField};
use crate::api::list::ListOptions;
use crate::node::args::{from_js, sdk, Failure};
use crate::node::shapes::{get_result, list_result, search_result, write_result};

search_result!(ListCatalogsResult, catalogs, Catalog);
get_result!(GetCatalogResult, catalog, Catalog);
get_result!(CatalogCustomFieldsResult, custom_fields, Vec<CatalogField>);
list_result!(ListCatalogElementsResult, elements, CatalogElement);
get_result!(GetCatalogElementResult, element, CatalogElement);
search_result!(SearchCatalogElementResult, elements, CatalogElement);
write_result!(CatalogElementWriteResult, element, element_id);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CatalogParams {
    catalog_id: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchCatalogParams {
    name: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListElementsParams {
    catalog_id: i64,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    limit: Option<u32>,
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    all_pages: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ElementParams {
    catalog_id: i64,
    element_id: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SearchElementParams {
    catalog_id: i64,
    query: String,
}

/// Every catalog (list) of the account: products, suppliers, ...
#[napi(
    ts_args_type = "config: KommoConfigInput",
    ts_return_type = "Promise<ListCatalogsResult>"
)]
pub fn list_catalogs<'e>(env: &'e Env, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    sdk(env, config, move |client| async move {
        Ok(ListCatalogsResult::found(catalogs::list_catalogs(&client).await?))
    })
}

/// One catalog. A missing one resolves to `{ success: false, error: 'Catalog with ID N not found' }`.
#[napi(
    ts_args_type = "params: GetCatalogParams, config: KommoConfigInput",
    ts_return_type = "Promise<GetCatalogResult>"
)]
pub fn get_catalog<'e>(env: &'e Env, params: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let p: CatalogParams = from_js(env, "getCatalog", "params", params)?;
    sdk(env, config, move |client| async move {
        Ok(match catalogs::get_catalog(&client, p.catalog_id).await? {
            Some(c) => GetCatalogResult::found(c),
            None => GetCatalogResult::failure(format!("Catalog with ID {} not found", p.catalog_id)),
        })
    })
}

/// Catalogs whose name contains `name` (ignoring case and accents), optionally of one `type`
/// (`regular`, `products`, ...). One request.
#[napi(
    ts_args_type = "params: SearchCatalogParams, config: KommoConfigInput",
    ts_return_type = "Promise<ListCatalogsResult>"
)]
pub fn search_catalog<'e>(
    env: &'e Env,
    params: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let p: SearchCatalogParams = from_js(env, "searchCatalog", "params", params)?;
    sdk(env, config, move |client| async move {
        let wanted = crate::text::fold(&p.name);
        let found = catalogs::list_catalogs(&client)
            .await?
            .into_iter()
            .filter(|c| crate::text::fold(&c.name).contains(&wanted))
            .filter(|c| p.kind.as_deref().is_none_or(|k| c.kind.as_deref() == Some(k)))
            .collect();
        Ok(ListCatalogsResult::found(found))
    })
}

/// The custom field definitions of a catalog (SKU, price, ...).
#[napi(
    ts_args_type = "params: GetCatalogParams, config: KommoConfigInput",
    ts_return_type = "Promise<CatalogCustomFieldsResult>"
)]
pub fn get_catalog_custom_fields<'e>(
    env: &'e Env,
    params: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let p: CatalogParams = from_js(env, "getCatalogCustomFields", "params", params)?;
    sdk(env, config, move |client| async move {
        Ok(match catalogs::custom_fields(&client, p.catalog_id).await? {
            Some(f) => CatalogCustomFieldsResult::found(f),
            None => CatalogCustomFieldsResult::failure(format!("Catalog with ID {} not found", p.catalog_id)),
        })
    })
}

/// A page of a catalog's elements (`page`, `limit` up to 250, optional `query`, `allPages`).
#[napi(
    ts_args_type = "params: ListCatalogElementsParams, config: KommoConfigInput",
    ts_return_type = "Promise<ListCatalogElementsResult>"
)]
pub fn list_catalog_elements<'e>(
    env: &'e Env,
    params: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let p: ListElementsParams = from_js(env, "listCatalogElements", "params", params)?;
    sdk(env, config, move |client| async move {
        let opts = ListOptions {
            page: p.page,
            limit: p.limit,
            query: p.query,
            all_pages: p.all_pages.unwrap_or(false),
            ..ListOptions::default()
        };
        Ok(ListCatalogElementsResult::from(
            catalogs::list_elements(&client, p.catalog_id, &[], &opts).await?,
        ))
    })
}

/// One catalog element (one request). A missing one resolves to
/// `{ success: false, error: 'Element with ID N not found in catalog M' }`.
#[napi(
    ts_args_type = "params: GetCatalogElementParams, config: KommoConfigInput",
    ts_return_type = "Promise<GetCatalogElementResult>"
)]
pub fn get_catalog_element<'e>(
    env: &'e Env,
    params: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let p: ElementParams = from_js(env, "getCatalogElement", "params", params)?;
    sdk(env, config, move |client| async move {
        Ok(
            match catalogs::get_element(&client, p.catalog_id, p.element_id).await? {
                Some(e) => GetCatalogElementResult::found(e),
                None => GetCatalogElementResult::failure(format!(
                    "Element with ID {} not found in catalog {}",
                    p.element_id, p.catalog_id
                )),
            },
        )
    })
}

/// Elements of a catalog matching Kommo's `query` (names and field values such as SKU), up to 250.
#[napi(
    ts_args_type = "params: SearchCatalogElementParams, config: KommoConfigInput",
    ts_return_type = "Promise<SearchCatalogElementResult>"
)]
pub fn search_catalog_element<'e>(
    env: &'e Env,
    params: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let p: SearchElementParams = from_js(env, "searchCatalogElement", "params", params)?;
    sdk(env, config, move |client| async move {
        if p.query.trim().is_empty() {
            return Err(crate::error::Error::invalid("query", "must not be empty"));
        }
        let opts = ListOptions {
            query: Some(p.query),
            limit: Some(250),
            ..ListOptions::default()
        };
        let l = catalogs::list_elements(&client, p.catalog_id, &[], &opts).await?;
        Ok(SearchCatalogElementResult::found(l.items))
    })
}

/// Creates an element in a catalog (`name`, `custom_fields_values`).
#[napi(
    ts_args_type = "catalogId: number, data: CatalogElementData, config: KommoConfigInput",
    ts_return_type = "Promise<CatalogElementWriteResult>"
)]
pub fn create_catalog_element<'e>(
    env: &'e Env,
    catalog_id: Unknown<'e>,
    data: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let catalog: i64 = from_js(env, "createCatalogElement", "catalogId", catalog_id)?;
    let data: CatalogElementData = from_js(env, "createCatalogElement", "data", data)?;
    sdk(env, config, move |client| async move {
        if data.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
            return Err(crate::error::Error::invalid("data.name", "is required"));
        }
        let map = data.to_map();
        let id = catalogs::create_element(&client, catalog, map.clone()).await?;
        Ok(CatalogElementWriteResult::written(id, map))
    })
}

/// Updates an element with one `PATCH /catalogs/{id}/elements/{elementId}`.
#[napi(
    ts_args_type = "catalogId: number, elementId: number, data: CatalogElementData, config: KommoConfigInput",
    ts_return_type = "Promise<CatalogElementWriteResult>"
)]
pub fn update_catalog_element<'e>(
    env: &'e Env,
    catalog_id: Unknown<'e>,
    element_id: Unknown<'e>,
    data: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let catalog: i64 = from_js(env, "updateCatalogElement", "catalogId", catalog_id)?;
    let element: i64 = from_js(env, "updateCatalogElement", "elementId", element_id)?;
    let data: CatalogElementData = from_js(env, "updateCatalogElement", "data", data)?;
    sdk(env, config, move |client| async move {
        let map = data.to_map();
        let id = catalogs::update_element(&client, catalog, element, map.clone()).await?;
        Ok(CatalogElementWriteResult::written(id, map))
    })
}
