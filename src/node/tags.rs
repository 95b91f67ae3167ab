//! Tag functions of the JS SDK (new in 0.2.0): list, create, attach, detach.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::Deserialize;

use crate::api::list::ListOptions;
use crate::api::model::{Tag, TagWrite};
use crate::api::tags::{self, NewTag};
use crate::node::args::{from_js, sdk};
use crate::node::shapes::{list_result, search_result, SuccessResult};

list_result!(ListTagsResult, tags, Tag);
search_result!(CreateTagsResult, tags, Tag);

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListTagsFilters {
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    ids: Option<Vec<i64>>,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    limit: Option<u32>,
}

/// A tag given by name (`'VIP'`), or `{ id }` / `{ name }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum TagArg {
    Name(String),
    Ref(TagWrite),
}

fn tag_refs(tags: Vec<TagArg>) -> Vec<TagWrite> {
    tags.into_iter()
        .map(|t| match t {
            TagArg::Name(name) => TagWrite {
                id: None,
                name: Some(name),
            },
            TagArg::Ref(r) => r,
        })
        .collect()
}

/// The tags of an entity type (`leads`, `contacts`, `companies`, `customers`): `query`
/// searches names, `name` matches one exactly, plus `ids`, `page`, `limit`.
#[napi(
    ts_args_type = "entityType: TagEntityType, filters: ListTagsFilters | undefined, config: KommoConfigInput",
    ts_return_type = "Promise<ListTagsResult>"
)]
pub fn list_tags<'e>(
    env: &'e Env,
    entity_type: Unknown<'e>,
    filters: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let entity: String = from_js(env, "listTags", "entityType", entity_type)?;
    let f: Option<ListTagsFilters> = from_js(env, "listTags", "filters", filters)?;
    let f = f.unwrap_or_default();
    sdk(env, config, move |client| async move {
        let opts = ListOptions {
            page: f.page,
            limit: f.limit,
            query: f.query,
            ..ListOptions::default()
        };
        let ids = f.ids.unwrap_or_default();
        Ok(ListTagsResult::from(
            tags::list_tags(&client, &entity, &ids, f.name.as_deref(), &opts).await?,
        ))
    })
}

/// Creates tags in one request (`[{ name, color? }]` or names); existing names return the
/// existing tags.
#[napi(
    ts_args_type = "entityType: TagEntityType, tags: Array<string | { name: string; color?: string }>, config: KommoConfigInput",
    ts_return_type = "Promise<CreateTagsResult>"
)]
pub fn create_tags<'e>(
    env: &'e Env,
    entity_type: Unknown<'e>,
    new_tags: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NewTagArg {
        Name(String),
        Tag(NewTag),
    }
    let entity: String = from_js(env, "createTags", "entityType", entity_type)?;
    let list: Vec<NewTagArg> = from_js(env, "createTags", "tags", new_tags)?;
    let list: Vec<NewTag> = list
        .into_iter()
        .map(|t| match t {
            NewTagArg::Name(name) => NewTag { name, color: None },
            NewTagArg::Tag(t) => t,
        })
        .collect();
    sdk(env, config, move |client| async move {
        Ok(CreateTagsResult::found(
            tags::create_tags(&client, &entity, &list).await?,
        ))
    })
}

/// Adds tags to one entity with one PATCH (`tags_to_add`); names that do not exist yet are created.
#[napi(
    ts_args_type = "entityType: TagEntityType, entityId: number, tags: Array<string | { id?: number; name?: string }>, config: KommoConfigInput",
    ts_return_type = "Promise<LinkResult>"
)]
pub fn attach_tags<'e>(
    env: &'e Env,
    entity_type: Unknown<'e>,
    entity_id: Unknown<'e>,
    list: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let entity: String = from_js(env, "attachTags", "entityType", entity_type)?;
    let id: i64 = from_js(env, "attachTags", "entityId", entity_id)?;
    let list: Vec<TagArg> = from_js(env, "attachTags", "tags", list)?;
    sdk(env, config, move |client| async move {
        tags::attach(&client, &entity, id, &tag_refs(list)).await?;
        Ok(SuccessResult::ok())
    })
}

/// Removes tags from one entity with one PATCH (`tags_to_delete`).
#[napi(
    ts_args_type = "entityType: TagEntityType, entityId: number, tags: Array<string | { id?: number; name?: string }>, config: KommoConfigInput",
    ts_return_type = "Promise<LinkResult>"
)]
pub fn detach_tags<'e>(
    env: &'e Env,
    entity_type: Unknown<'e>,
    entity_id: Unknown<'e>,
    list: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let entity: String = from_js(env, "detachTags", "entityType", entity_type)?;
    let id: i64 = from_js(env, "detachTags", "entityId", entity_id)?;
    let list: Vec<TagArg> = from_js(env, "detachTags", "tags", list)?;
    sdk(env, config, move |client| async move {
        tags::detach(&client, &entity, id, &tag_refs(list)).await?;
        Ok(SuccessResult::ok())
    })
}
