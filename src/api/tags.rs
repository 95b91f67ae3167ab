//! Tags (`/api/v4/{e}/tags`) and attaching them to entities (`tags_to_add` / `tags_to_delete`
//! on `PATCH /{e}/{id}`). Tag ids are per entity type.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::api::contacts::patch_one;
use crate::api::list::{list, ListOptions, Listing};
use crate::api::model::{Tag, TagWrite};
use crate::api::{Client, Query};
use crate::error::{Error, Result};

/// Entity types that have tags.
pub const ENTITY_TYPES: [&str; 4] = ["leads", "contacts", "companies", "customers"];

/// Checks an entity type used in a tags path.
pub fn check_entity_type(entity: &str) -> Result<()> {
    if ENTITY_TYPES.contains(&entity) {
        Ok(())
    } else {
        Err(Error::invalid(
            "entityType",
            format!("{entity:?} is not one of {}", ENTITY_TYPES.join(", ")),
        ))
    }
}

/// A tag to create.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTag {
    pub name: String,
    /// Hex colour without `#` (leads only), e.g. `DDEBB5`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

/// Lists the tags of an entity type; `name` is an exact-name filter, `opts.query` a search.
pub async fn list_tags(
    client: &Client,
    entity: &str,
    ids: &[i64],
    name: Option<&str>,
    opts: &ListOptions,
) -> Result<Listing<Tag>> {
    check_entity_type(entity)?;
    let mut q = Query::new();
    q.filter_list("id", ids);
    q.opt("filter[name]", name);
    list(client, &format!("{entity}/tags"), "tags", q, opts).await
}

/// Creates tags in one request; a name that already exists gives back the existing tag.
pub async fn create_tags(client: &Client, entity: &str, tags: &[NewTag]) -> Result<Vec<Tag>> {
    check_entity_type(entity)?;
    if tags.is_empty() {
        return Err(Error::invalid("tags", "is empty; give at least one tag"));
    }
    if tags.len() > 250 {
        return Err(Error::invalid("tags", "at most 250 tags per call"));
    }
    let mut body = Vec::with_capacity(tags.len());
    for (i, t) in tags.iter().enumerate() {
        let name = t.name.trim();
        if name.is_empty() {
            return Err(Error::invalid(format!("tags[{i}].name"), "is empty"));
        }
        let mut item = json!({ "name": name, "request_id": i.to_string() });
        if let Some(c) = &t.color {
            item["color"] = json!(c.trim_start_matches('#'));
        }
        body.push(item);
    }
    let resp: Option<Value> = client
        .send_json(
            Method::POST,
            &format!("{entity}/tags"),
            &Query::new(),
            Some(&Value::Array(body)),
        )
        .await?;
    let created: Vec<Tag> = resp
        .and_then(|v| v.pointer("/_embedded/tags").cloned())
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    Ok(created)
}

fn tag_refs(tags: &[TagWrite]) -> Result<Value> {
    if tags.is_empty() {
        return Err(Error::invalid("tags", "is empty; give at least one tag (name or id)"));
    }
    for (i, t) in tags.iter().enumerate() {
        if t.id.is_none() && t.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
            return Err(Error::invalid(format!("tags[{i}]"), "needs a name or an id"));
        }
    }
    serde_json::to_value(tags).map_err(|e| Error::invalid("tags", e.to_string()))
}

/// Adds tags to one entity (one `PATCH /{e}/{id}` with `tags_to_add`; new names are created).
pub async fn attach(client: &Client, entity: &str, id: i64, tags: &[TagWrite]) -> Result<i64> {
    check_entity_type(entity)?;
    let mut changes = serde_json::Map::new();
    changes.insert("tags_to_add".into(), tag_refs(tags)?);
    patch_one(client, entity, "entityId", id, changes).await
}

/// Removes tags from one entity (one `PATCH /{e}/{id}` with `tags_to_delete`).
pub async fn detach(client: &Client, entity: &str, id: i64, tags: &[TagWrite]) -> Result<i64> {
    check_entity_type(entity)?;
    let mut changes = serde_json::Map::new();
    changes.insert("tags_to_delete".into(), tag_refs(tags)?);
    patch_one(client, entity, "entityId", id, changes).await
}
