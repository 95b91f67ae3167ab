//! `POST /api/v4/{leads|contacts|companies}/{id}/link`: links an entity to contacts, companies
//! or leads (array body `[{to_entity_id, to_entity_type, metadata?}]`), answering
//! `{_links, _embedded: {links: [{entity_id, entity_type, to_entity_id, to_entity_type, metadata}]}}`.
//! Linking twice is harmless. A minimal version for lead links; catalog elements are not served.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

use super::http::{hal, parse_id, self_link, ApiResult, Problem};
use super::store::{EntityRef, EntityType, Id, Store};
use super::write::{batch_items, ItemCtx};
use super::AppState;

/// The link routes.
pub(super) fn routes() -> Router<AppState> {
    [EntityType::Leads, EntityType::Contacts, EntityType::Companies]
        .into_iter()
        .fold(Router::new(), |router, entity| {
            let path = format!("/api/v4/{}/{{id}}/link", entity.as_str());
            router.route(
                &path,
                post(move |state: State<AppState>, id: Path<String>, body: Bytes| link(entity, state, id, body)),
            )
        })
}

fn exists(store: &Store, kind: EntityType, id: Id) -> bool {
    match kind {
        EntityType::Leads => store.leads.contains(id),
        EntityType::Contacts => store.contacts.contains(id),
        EntityType::Companies => store.companies.contains(id),
    }
}

fn kind_of(name: &str) -> Option<EntityType> {
    [EntityType::Leads, EntityType::Contacts, EntityType::Companies]
        .into_iter()
        .find(|k| k.as_str() == name)
}

async fn link(
    entity: EntityType,
    State(state): State<AppState>,
    Path(segment): Path<String>,
    body: Bytes,
) -> ApiResult {
    let mut store = state.store();
    let id = parse_id(&segment)
        .filter(|id| exists(&store, entity, *id))
        .ok_or_else(|| Problem::not_found(format!("Entity {segment} not found")))?;
    let items = batch_items(&body)?;
    let mut failed = Vec::new();
    let mut targets = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let object = item.as_object();
        let mut ctx = ItemCtx::new(index, object);
        let Some(object) = object else {
            ctx.invalid_type("", "object");
            failed.extend(ctx.into_errors());
            continue;
        };
        let to_id = ctx.int(object.get("to_entity_id"), "to_entity_id");
        if object.get("to_entity_id").is_none() {
            ctx.missing("to_entity_id");
        }
        let kind = match object.get("to_entity_type").and_then(Value::as_str) {
            Some(name) => match kind_of(name).filter(|k| *k != entity) {
                Some(k) => Some(k),
                None => {
                    ctx.not_supported("to_entity_type");
                    None
                }
            },
            None => {
                ctx.missing("to_entity_type");
                None
            }
        };
        if let (Some(to_id), Some(kind)) = (to_id, kind) {
            if !exists(&store, kind, to_id) {
                ctx.not_supported("to_entity_id");
            }
            let is_main = object
                .get("metadata")
                .and_then(|m| m.get("is_main").or_else(|| m.get("main_contact")))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if ctx.is_ok() {
                targets.push((
                    kind,
                    to_id,
                    is_main,
                    object.get("metadata").cloned().unwrap_or(Value::Null),
                ));
            }
        }
        if !ctx.is_ok() {
            failed.extend(ctx.into_errors());
        }
    }
    if !failed.is_empty() {
        return Err(Problem::validation(failed));
    }
    let me = EntityRef::new(entity, id);
    let mut out = Vec::with_capacity(targets.len());
    for (kind, to_id, is_main, metadata) in targets {
        store.link(me, EntityRef::new(kind, to_id), is_main);
        out.push(json!({
            "entity_id": id,
            "entity_type": entity.as_str(),
            "to_entity_id": to_id,
            "to_entity_type": kind.as_str(),
            "metadata": metadata,
        }));
    }
    Ok(hal(json!({
        "_links": self_link(state.url(&format!("/api/v4/{}/{id}/link", entity.as_str()))),
        "_embedded": { "links": out },
    })))
}
