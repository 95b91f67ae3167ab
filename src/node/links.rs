//! Link functions of the JS SDK: the original's lead↔contact and lead↔product helpers (with
//! array bodies and correct arguments) and generic links between any entities.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::Deserialize;

use crate::api::catalogs::{self, LeadProduct};
use crate::api::links::{self, Link, LinkFilter, LinkMetadata};
use crate::api::list::{check_id, ListOptions};
use crate::node::args::{from_js, sdk, Failure};
use crate::node::shapes::{get_result, list_result, search_result, SuccessResult};

list_result!(ListLinksResult, links, Link);
search_result!(LinkEntitiesResult, links, Link);

get_result!(LeadProductsResult, products, Vec<LeadProduct>);

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListLinksFilters {
    #[serde(default)]
    to_entity_id: Option<i64>,
    #[serde(default)]
    to_entity_type: Option<String>,
    #[serde(default)]
    to_catalog_id: Option<i64>,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    limit: Option<u32>,
}

/// Links a contact to a lead (one request, array body). An already linked contact resolves to
/// success with `alreadyLinked: true`.
#[napi(
    ts_args_type = "leadId: number, contactId: number, config: KommoConfigInput",
    ts_return_type = "Promise<LinkResult>"
)]
pub fn link_lead_to_contact<'e>(
    env: &'e Env,
    lead_id: Unknown<'e>,
    contact_id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let lead: i64 = from_js(env, "linkLeadToContact", "leadId", lead_id)?;
    let contact: i64 = from_js(env, "linkLeadToContact", "contactId", contact_id)?;
    sdk(env, config, move |client| async move {
        check_id("contactId", contact)?;
        let target = Link {
            to_entity_id: contact,
            to_entity_type: "contacts".into(),
            metadata: None,
        };
        Ok(SuccessResult::linked(
            links::link_one(&client, "leads", lead, target).await?,
        ))
    })
}

/// Links a catalog element (product) to a lead with a quantity (default 1). Linking it again
/// sets the new quantity.
#[napi(
    ts_args_type = "leadId: number, elementId: number, catalogId: number, quantity: number | undefined, config: KommoConfigInput",
    ts_return_type = "Promise<LinkResult>"
)]
pub fn link_product_to_lead<'e>(
    env: &'e Env,
    lead_id: Unknown<'e>,
    element_id: Unknown<'e>,
    catalog_id: Unknown<'e>,
    quantity: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let lead: i64 = from_js(env, "linkProductToLead", "leadId", lead_id)?;
    let element: i64 = from_js(env, "linkProductToLead", "elementId", element_id)?;
    let catalog: i64 = from_js(env, "linkProductToLead", "catalogId", catalog_id)?;
    let quantity: Option<f64> = from_js(env, "linkProductToLead", "quantity", quantity)?;
    sdk(env, config, move |client| async move {
        check_id("elementId", element)?;
        check_id("catalogId", catalog)?;
        let quantity = quantity.unwrap_or(1.0);
        if quantity.is_nan() || quantity <= 0.0 {
            return Err(crate::error::Error::invalid("quantity", "must be greater than 0"));
        }
        let target = Link {
            to_entity_id: element,
            to_entity_type: "catalog_elements".into(),
            metadata: Some(LinkMetadata {
                quantity: Some(quantity),
                catalog_id: Some(catalog),
                ..LinkMetadata::default()
            }),
        };
        Ok(SuccessResult::linked(
            links::link_one(&client, "leads", lead, target).await?,
        ))
    })
}

/// Removes a product (catalog element) from a lead (one request).
#[napi(
    ts_args_type = "leadId: number, elementId: number, config: KommoConfigInput",
    ts_return_type = "Promise<LinkResult>"
)]
pub fn unlink_product_from_lead<'e>(
    env: &'e Env,
    lead_id: Unknown<'e>,
    element_id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let lead: i64 = from_js(env, "unlinkProductFromLead", "leadId", lead_id)?;
    let element: i64 = from_js(env, "unlinkProductFromLead", "elementId", element_id)?;
    sdk(env, config, move |client| async move {
        let target = Link {
            to_entity_id: element,
            to_entity_type: "catalog_elements".into(),
            metadata: None,
        };
        links::unlink(&client, "leads", lead, &[target]).await?;
        Ok(SuccessResult::ok())
    })
}

/// The products linked to a lead with their real names, quantities and catalog ids: one
/// request for the lead, one per catalog for the elements.
#[napi(
    ts_args_type = "leadId: number, config: KommoConfigInput",
    ts_return_type = "Promise<LeadProductsResult>"
)]
pub fn get_lead_products<'e>(
    env: &'e Env,
    lead_id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let lead: i64 = from_js(env, "getLeadProducts", "leadId", lead_id)?;
    sdk(env, config, move |client| async move {
        Ok(match catalogs::lead_products(&client, lead).await? {
            Some(p) => LeadProductsResult::found(p),
            None => LeadProductsResult::failure(format!("Lead with ID {lead} not found")),
        })
    })
}

/// The links of one entity (`leads`, `contacts`, `companies`, `customers`), optionally only to
/// one entity (`to_entity_id` with `to_entity_type`) or one catalog (`to_catalog_id`).
#[napi(
    ts_args_type = "entityType: LinkEntityType, entityId: number, filters: ListLinksFilters | undefined, config: KommoConfigInput",
    ts_return_type = "Promise<ListLinksResult>"
)]
pub fn list_links<'e>(
    env: &'e Env,
    entity_type: Unknown<'e>,
    entity_id: Unknown<'e>,
    filters: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let entity: String = from_js(env, "listLinks", "entityType", entity_type)?;
    let id: i64 = from_js(env, "listLinks", "entityId", entity_id)?;
    let f: Option<ListLinksFilters> = from_js(env, "listLinks", "filters", filters)?;
    let f = f.unwrap_or_default();
    sdk(env, config, move |client| async move {
        let to_entity = match (f.to_entity_id, f.to_entity_type) {
            (Some(id), Some(t)) => Some((id, t)),
            (None, None) => None,
            _ => {
                return Err(crate::error::Error::invalid(
                    "filters",
                    "to_entity_id and to_entity_type go together (Kommo filters by both)",
                ))
            }
        };
        let filter = LinkFilter {
            to_entity,
            to_catalog_id: f.to_catalog_id,
        };
        let opts = ListOptions {
            page: f.page,
            limit: f.limit,
            ..ListOptions::default()
        };
        Ok(ListLinksResult::from(
            links::list_links(&client, &entity, id, &filter, &opts).await?,
        ))
    })
}

/// Links one entity to several others in one request. Each link is
/// `{ to_entity_id, to_entity_type, metadata? }`; catalog elements need `metadata.catalog_id`
/// (and take `quantity`), contacts of a lead take `metadata.is_main`.
#[napi(
    ts_args_type = "entityType: LinkEntityType, entityId: number, links: KommoLink[], config: KommoConfigInput",
    ts_return_type = "Promise<LinkEntitiesResult>"
)]
pub fn link_entities<'e>(
    env: &'e Env,
    entity_type: Unknown<'e>,
    entity_id: Unknown<'e>,
    targets: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let entity: String = from_js(env, "linkEntities", "entityType", entity_type)?;
    let id: i64 = from_js(env, "linkEntities", "entityId", entity_id)?;
    let targets: Vec<Link> = from_js(env, "linkEntities", "links", targets)?;
    sdk(env, config, move |client| async move {
        Ok(LinkEntitiesResult::found(
            links::link(&client, &entity, id, &targets).await?,
        ))
    })
}

/// Removes links in one request (`{ to_entity_id, to_entity_type }` each).
#[napi(
    ts_args_type = "entityType: LinkEntityType, entityId: number, links: KommoLink[], config: KommoConfigInput",
    ts_return_type = "Promise<LinkResult>"
)]
pub fn unlink_entities<'e>(
    env: &'e Env,
    entity_type: Unknown<'e>,
    entity_id: Unknown<'e>,
    targets: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let entity: String = from_js(env, "unlinkEntities", "entityType", entity_type)?;
    let id: i64 = from_js(env, "unlinkEntities", "entityId", entity_id)?;
    let targets: Vec<Link> = from_js(env, "unlinkEntities", "links", targets)?;
    sdk(env, config, move |client| async move {
        links::unlink(&client, &entity, id, &targets).await?;
        Ok(SuccessResult::ok())
    })
}

search_result!(LinkManyResult, links, crate::api::links::EntityLink);

/// Links many entities of one type at once (`POST /{entityType}/link`, 250 links per request).
/// Each link is `{ entity_id, to_entity_id, to_entity_type, metadata? }`. Resolves to
/// `{ success, links, totalFound, error? }`.
#[napi(
    ts_args_type = "entityType: LinkEntityType, links: KommoEntityLink[], config: KommoConfigInput",
    ts_return_type = "Promise<LinkManyResult>"
)]
pub fn link_many<'e>(
    env: &'e Env,
    entity_type: Unknown<'e>,
    links_arg: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let entity: String = from_js(env, "linkMany", "entityType", entity_type)?;
    let items: Vec<crate::api::links::EntityLink> = from_js(env, "linkMany", "links", links_arg)?;
    sdk(env, config, move |client| async move {
        Ok(LinkManyResult::found(links::link_many(&client, &entity, &items).await?))
    })
}

/// Removes many links at once (`POST /{entityType}/unlink`, 250 per request).
#[napi(
    ts_args_type = "entityType: LinkEntityType, links: KommoEntityLink[], config: KommoConfigInput",
    ts_return_type = "Promise<LinkResult>"
)]
pub fn unlink_many<'e>(
    env: &'e Env,
    entity_type: Unknown<'e>,
    links_arg: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let entity: String = from_js(env, "unlinkMany", "entityType", entity_type)?;
    let items: Vec<crate::api::links::EntityLink> = from_js(env, "unlinkMany", "links", links_arg)?;
    sdk(env, config, move |client| async move {
        links::unlink_many(&client, &entity, &items).await?;
        Ok(SuccessResult::ok())
    })
}
