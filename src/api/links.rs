//! Links between entities (`/api/v4/{e}/{id}/links`, `/link`, `/unlink`): lead↔contact,
//! lead↔company, contact↔company, any of them ↔ catalog elements (products, with a quantity).
//!
//! Link and unlink bodies are arrays, as Kommo requires (0.1.x sent single objects).

use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::api::list::{check_id, list, ListOptions, Listing};
use crate::api::{Client, Query};
use crate::error::{Error, Result};

/// Entity types whose links can be read and written.
pub const ENTITY_TYPES: [&str; 4] = ["leads", "contacts", "companies", "customers"];
/// Entity types a link can point to.
pub const TARGET_TYPES: [&str; 5] = ["leads", "contacts", "companies", "catalog_elements", "customers"];

/// Link metadata: `quantity`/`catalog_id` for catalog elements, `main_contact` (read) or
/// `is_main` (write) for contacts of a lead.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LinkMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_contact: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_main: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_id: Option<i64>,
}

/// One link from an entity to another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Link {
    pub to_entity_id: i64,
    /// `leads`, `contacts`, `companies`, `catalog_elements` or `customers`.
    pub to_entity_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<LinkMetadata>,
}

/// Checks an entity type used in a links path.
pub fn check_entity_type(arg: &str, entity: &str) -> Result<()> {
    if ENTITY_TYPES.contains(&entity) {
        Ok(())
    } else {
        Err(Error::invalid(
            arg,
            format!("{entity:?} is not one of {}", ENTITY_TYPES.join(", ")),
        ))
    }
}

fn check_links(links: &[Link]) -> Result<()> {
    if links.is_empty() {
        return Err(Error::invalid("links", "is empty; give at least one link"));
    }
    for (i, l) in links.iter().enumerate() {
        check_id(&format!("links[{i}].to_entity_id"), l.to_entity_id)?;
        if !TARGET_TYPES.contains(&l.to_entity_type.as_str()) {
            return Err(Error::invalid(
                format!("links[{i}].to_entity_type"),
                format!("{:?} is not one of {}", l.to_entity_type, TARGET_TYPES.join(", ")),
            ));
        }
        if l.to_entity_type == "catalog_elements" && l.metadata.as_ref().and_then(|m| m.catalog_id).is_none() {
            return Err(Error::invalid(
                format!("links[{i}].metadata.catalog_id"),
                "is required when linking a catalog element",
            ));
        }
    }
    Ok(())
}

/// Filters of `GET /{e}/{id}/links`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinkFilter {
    /// Kommo filters by target id only together with the target type.
    pub to_entity: Option<(i64, String)>,
    pub to_catalog_id: Option<i64>,
}

/// Lists the links of one entity.
pub async fn list_links(
    client: &Client,
    entity: &str,
    id: i64,
    filter: &LinkFilter,
    opts: &ListOptions,
) -> Result<Listing<Link>> {
    check_entity_type("entityType", entity)?;
    check_id("entityId", id)?;
    let mut q = Query::new();
    if let Some((to_id, to_type)) = &filter.to_entity {
        q.push("filter[to_entity_id]", to_id);
        q.push("filter[to_entity_type]", to_type);
    }
    q.opt("filter[to_catalog_id]", filter.to_catalog_id);
    list(client, &format!("{entity}/{id}/links"), "links", q, opts).await
}

/// Links `entity` `id` to every target in one request (`POST /{e}/{id}/link` with an array).
pub async fn link(client: &Client, entity: &str, id: i64, links: &[Link]) -> Result<Vec<Link>> {
    check_entity_type("entityType", entity)?;
    check_id("entityId", id)?;
    check_links(links)?;
    let body = serde_json::to_value(links).map_err(|e| Error::invalid("links", e.to_string()))?;
    let resp: Option<serde_json::Value> = client
        .send_json(Method::POST, &format!("{entity}/{id}/link"), &Query::new(), Some(&body))
        .await?;
    Ok(resp
        .and_then(|v| v.pointer("/_embedded/links").cloned())
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_else(|| links.to_vec()))
}

/// Removes links in one request (`POST /{e}/{id}/unlink` with an array; Kommo answers 204).
pub async fn unlink(client: &Client, entity: &str, id: i64, links: &[Link]) -> Result<()> {
    check_entity_type("entityType", entity)?;
    check_id("entityId", id)?;
    if links.is_empty() {
        return Err(Error::invalid("links", "is empty; give at least one link"));
    }
    for (i, l) in links.iter().enumerate() {
        check_id(&format!("links[{i}].to_entity_id"), l.to_entity_id)?;
    }
    let body = serde_json::to_value(links).map_err(|e| Error::invalid("links", e.to_string()))?;
    let _: Option<serde_json::Value> = client
        .send_json(
            Method::POST,
            &format!("{entity}/{id}/unlink"),
            &Query::new(),
            Some(&body),
        )
        .await?;
    Ok(())
}

/// What [`link_one`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Linked {
    /// The link was created (or updated, for a catalog element's quantity).
    Created,
    /// The two entities were already linked; nothing changed.
    AlreadyLinked,
}

/// Links two entities with one request. Kommo has been seen to answer 500 when the link already
/// exists; only then is the link looked up (one filtered request): if it exists the call is a
/// success, otherwise Kommo's error is returned as is. A 500 is never taken as success blindly.
pub async fn link_one(client: &Client, entity: &str, id: i64, target: Link) -> Result<Linked> {
    match link(client, entity, id, std::slice::from_ref(&target)).await {
        Ok(_) => Ok(Linked::Created),
        Err(e @ Error::Status { status: 500..=599, .. }) => {
            let filter = LinkFilter {
                to_entity: Some((target.to_entity_id, target.to_entity_type.clone())),
                to_catalog_id: None,
            };
            let existing = list_links(client, entity, id, &filter, &ListOptions::default()).await?;
            if existing
                .items
                .iter()
                .any(|l| l.to_entity_id == target.to_entity_id && l.to_entity_type == target.to_entity_type)
            {
                Ok(Linked::AlreadyLinked)
            } else {
                Err(e)
            }
        }
        Err(e) => Err(e),
    }
}

/// One link of a mass link or unlink (`POST /{e}/link`, `POST /{e}/unlink`): from the entity
/// `entity_id` (of the path's type) to a target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EntityLink {
    pub entity_id: i64,
    pub to_entity_id: i64,
    /// `leads`, `contacts`, `companies`, `catalog_elements` or `customers`.
    pub to_entity_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<LinkMetadata>,
}

/// Links per mass request (as for Kommo's other batch writes); larger inputs are split.
pub const MASS_LINK_SIZE: usize = 250;

fn check_mass(entity: &str, links: &[EntityLink], linking: bool) -> Result<()> {
    check_entity_type("entityType", entity)?;
    if links.is_empty() {
        return Err(Error::invalid("links", "is empty; give at least one link"));
    }
    for (i, l) in links.iter().enumerate() {
        check_id(&format!("links[{i}].entity_id"), l.entity_id)?;
    }
    let targets: Vec<Link> = links
        .iter()
        .map(|l| Link {
            to_entity_id: l.to_entity_id,
            to_entity_type: l.to_entity_type.clone(),
            metadata: l.metadata.clone(),
        })
        .collect();
    if linking {
        check_links(&targets)
    } else {
        for (i, l) in targets.iter().enumerate() {
            check_id(&format!("links[{i}].to_entity_id"), l.to_entity_id)?;
        }
        Ok(())
    }
}

/// Links many entities of one type to their targets with `POST /{e}/link` (one request per
/// 250 links) and returns the links Kommo echoed. A failed request stops there: the links of
/// earlier requests are written, later ones are not sent.
pub async fn link_many(client: &Client, entity: &str, links: &[EntityLink]) -> Result<Vec<EntityLink>> {
    check_mass(entity, links, true)?;
    let mut out = Vec::with_capacity(links.len());
    for chunk in links.chunks(MASS_LINK_SIZE) {
        let body = serde_json::to_value(chunk).map_err(|e| Error::invalid("links", e.to_string()))?;
        let resp: Option<serde_json::Value> = client
            .send_json(Method::POST, &format!("{entity}/link"), &Query::new(), Some(&body))
            .await?;
        let echoed: Option<Vec<EntityLink>> = resp
            .and_then(|v| v.pointer("/_embedded/links").cloned())
            .and_then(|v| serde_json::from_value(v).ok());
        out.extend(echoed.unwrap_or_else(|| chunk.to_vec()));
    }
    Ok(out)
}

/// Removes many links with `POST /{e}/unlink` (one request per 250; Kommo answers 204).
pub async fn unlink_many(client: &Client, entity: &str, links: &[EntityLink]) -> Result<()> {
    check_mass(entity, links, false)?;
    for chunk in links.chunks(MASS_LINK_SIZE) {
        let body = serde_json::to_value(chunk).map_err(|e| Error::invalid("links", e.to_string()))?;
        let _: Option<serde_json::Value> = client
            .send_json(Method::POST, &format!("{entity}/unlink"), &Query::new(), Some(&body))
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod mass_tests {
    use super::*;

    fn item(entity_id: i64, to: i64, kind: &str) -> EntityLink {
        EntityLink {
            entity_id,
            to_entity_id: to,
            to_entity_type: kind.into(),
            metadata: None,
        }
    }

    #[test]
    fn mass_links_are_checked_before_sending() {
        assert!(check_mass("leads", &[item(1, 2, "contacts")], true).is_ok());
        let err = check_mass("leads", &[], true).unwrap_err().to_string();
        assert!(err.contains("links: is empty"), "{err}");
        let err = check_mass("tasks", &[item(1, 2, "contacts")], true)
            .unwrap_err()
            .to_string();
        assert!(err.contains("entityType"), "{err}");
        let err = check_mass("leads", &[item(0, 2, "contacts")], true)
            .unwrap_err()
            .to_string();
        assert!(err.contains("links[0].entity_id"), "{err}");
        let err = check_mass("leads", &[item(1, 2, "catalog_elements")], true)
            .unwrap_err()
            .to_string();
        assert!(err.contains("catalog_id"), "{err}");
        // Unlinking a catalog element needs no catalog id.
        assert!(check_mass("leads", &[item(1, 2, "catalog_elements")], false).is_ok());
    }

    #[test]
    fn mass_link_items_serialise_as_kommo_expects() {
        let v = serde_json::to_value(item(5, 6, "companies")).unwrap();
        assert_eq!(
            v,
            serde_json::json!({ "entity_id": 5, "to_entity_id": 6, "to_entity_type": "companies" })
        );
    }
}
