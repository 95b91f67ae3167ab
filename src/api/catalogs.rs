//! Catalogs ("lists", e.g. products) and their elements (`/api/v4/catalogs`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::contacts::patch_one;
use crate::api::links::LinkMetadata;
use crate::api::list::{check_id, list, ListOptions, Listing};
use crate::api::model::{CustomFieldValues, CustomFieldWrite};
use crate::api::write::create_single;
use crate::api::{Client, Query};
use crate::error::{Error, Result};

/// A catalog (list) of the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    pub id: i64,
    #[serde(default)]
    pub name: String,
    /// `regular`, `products`, `invoices`, ...
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_add_elements: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_show_in_cards: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_link_multiple: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_be_deleted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdk_widget_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<i64>,
}

/// An element of a catalog (a product, a service...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogElement {
    pub id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_deleted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields_values: Option<Vec<CustomFieldValues>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<i64>,
}

/// A custom field definition of a catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogField {
    pub id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_api_only: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enums: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog_id: Option<i64>,
}

/// Fields of a catalog element to create or update. Unknown keys are refused.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogElementData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields_values: Option<Vec<CustomFieldWrite>>,
}

impl CatalogElementData {
    pub fn to_map(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        }
    }
}

/// Every catalog of the account (Kommo allows a handful, so all pages are read).
pub async fn list_catalogs(client: &Client) -> Result<Vec<Catalog>> {
    let mut q = Query::new();
    q.push("limit", 250);
    let (items, _) = client.get_all::<Catalog>("catalogs", &q, "catalogs", 5).await?;
    Ok(items)
}

fn not_found_is_none<T>(r: Result<Option<T>>) -> Result<Option<T>> {
    match r {
        Err(Error::NotFound { .. }) => Ok(None),
        other => other,
    }
}

/// One catalog; `None` when it does not exist.
pub async fn get_catalog(client: &Client, id: i64) -> Result<Option<Catalog>> {
    check_id("catalogId", id)?;
    not_found_is_none(client.get(&format!("catalogs/{id}"), &Query::new()).await)
}

/// The custom field definitions of a catalog (all pages); `None` when the catalog does not exist.
pub async fn custom_fields(client: &Client, catalog_id: i64) -> Result<Option<Vec<CatalogField>>> {
    check_id("catalogId", catalog_id)?;
    let mut q = Query::new();
    q.push("limit", 250);
    match client
        .get_all::<CatalogField>(&format!("catalogs/{catalog_id}/custom_fields"), &q, "custom_fields", 10)
        .await
    {
        Ok((items, _)) => Ok(Some(items)),
        Err(Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Lists elements of a catalog; `ids` filters by element id, `opts.query` searches names and
/// field values (Kommo's `query`).
pub async fn list_elements(
    client: &Client,
    catalog_id: i64,
    ids: &[i64],
    opts: &ListOptions,
) -> Result<Listing<CatalogElement>> {
    check_id("catalogId", catalog_id)?;
    let mut q = Query::new();
    q.filter_list("id", ids);
    list(client, &format!("catalogs/{catalog_id}/elements"), "elements", q, opts).await
}

/// Elements by id, one request per 250 ids.
pub async fn elements_by_ids(client: &Client, catalog_id: i64, ids: &[i64]) -> Result<Vec<CatalogElement>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(250) {
        let opts = ListOptions {
            limit: Some(250),
            ..ListOptions::default()
        };
        out.extend(list_elements(client, catalog_id, chunk, &opts).await?.items);
    }
    Ok(out)
}

/// One element (one request); `None` when it does not exist.
pub async fn get_element(client: &Client, catalog_id: i64, element_id: i64) -> Result<Option<CatalogElement>> {
    check_id("catalogId", catalog_id)?;
    check_id("elementId", element_id)?;
    not_found_is_none(
        client
            .get(&format!("catalogs/{catalog_id}/elements/{element_id}"), &Query::new())
            .await,
    )
}

/// Creates one element and returns its id.
pub async fn create_element(client: &Client, catalog_id: i64, item: Map<String, Value>) -> Result<i64> {
    check_id("catalogId", catalog_id)?;
    create_single(client, &format!("catalogs/{catalog_id}/elements"), "elements", item).await
}

/// Updates one element with `PATCH /catalogs/{id}/elements/{element_id}`.
pub async fn update_element(
    client: &Client,
    catalog_id: i64,
    element_id: i64,
    changes: Map<String, Value>,
) -> Result<i64> {
    check_id("catalogId", catalog_id)?;
    patch_one(
        client,
        &format!("catalogs/{catalog_id}/elements"),
        "elementId",
        element_id,
        changes,
    )
    .await
}

/// A product (catalog element) linked to a lead.
#[derive(Debug, Clone, Serialize)]
pub struct LeadProduct {
    pub id: i64,
    /// The element's name (read from the catalog).
    pub name: String,
    pub catalog_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_fields_values: Option<Vec<CustomFieldValues>>,
}

/// The products linked to a lead, with their names, quantities and field values: one request
/// for the lead's links, then one per catalog for the elements.
pub async fn lead_products(client: &Client, lead_id: i64) -> Result<Option<Vec<LeadProduct>>> {
    check_id("leadId", lead_id)?;
    let mut q = Query::new();
    q.with(&["catalog_elements"]);
    let lead = match client.get::<serde_json::Value>(&format!("leads/{lead_id}"), &q).await {
        Err(Error::NotFound { .. }) | Ok(None) => return Ok(None),
        Err(e) => return Err(e),
        Ok(Some(v)) => v,
    };
    #[derive(Deserialize)]
    struct Stub {
        id: i64,
        #[serde(default)]
        metadata: Option<LinkMetadata>,
    }
    let stubs: Vec<Stub> = lead
        .pointer("/_embedded/catalog_elements")
        .cloned()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let mut by_catalog: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for s in &stubs {
        if let Some(c) = s.metadata.as_ref().and_then(|m| m.catalog_id) {
            by_catalog.entry(c).or_default().push(s.id);
        }
    }
    let mut elements = Vec::new();
    for (catalog, ids) in &by_catalog {
        elements.extend(elements_by_ids(client, *catalog, ids).await?);
    }
    Ok(Some(
        stubs
            .into_iter()
            .map(|s| {
                let el = elements.iter().find(|e| e.id == s.id);
                let meta = s.metadata.unwrap_or_default();
                LeadProduct {
                    id: s.id,
                    name: el.map(|e| e.name.clone()).unwrap_or_default(),
                    catalog_id: meta.catalog_id.or(el.and_then(|e| e.catalog_id)).unwrap_or_default(),
                    quantity: meta.quantity,
                    custom_fields_values: el.and_then(|e| e.custom_fields_values.clone()),
                }
            })
            .collect(),
    ))
}
