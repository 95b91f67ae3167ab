//! `/api/v4/{leads|contacts|companies}/{id}/links` (list, `filter[to_entity_id]` with
//! `filter[to_entity_type]`, `filter[to_catalog_id]`), `…/link` and `…/unlink` (array bodies;
//! unlink answers 204), reading and writing the same link tables the `_embedded` blocks use.
//!
//! Mass links: `POST /api/v4/{e}/link` and `/unlink` take the same items with the source's
//! `entity_id` in each, so one request links many entities (an unknown `entity_id` is a
//! validation error of that item; nothing is written then, as for the other batch writes).
//!
//! Linking two entities that are already linked answers 500, as observed on Kommo; linking a
//! catalog element again updates its quantity.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use super::http::{hal, no_content, parse_id, self_link, ApiResult, Problem};
use super::list::{hal_page, Totals};
use super::query::Params;
use super::store::{ElementLink, EntityRef, EntityType, Id, Store};
use super::write::{batch_items, ItemCtx};
use super::AppState;

/// The link routes of leads, contacts and companies.
pub(super) fn routes() -> Router<AppState> {
    [EntityType::Leads, EntityType::Contacts, EntityType::Companies]
        .into_iter()
        .fold(Router::new(), |router, entity| {
            let base = format!("/api/v4/{}/{{id}}", entity.as_str());
            router
                .route(
                    &format!("{base}/links"),
                    get(move |s: State<AppState>, id: Path<String>, q: RawQuery| list(entity, s, id, q)),
                )
                .route(
                    &format!("{base}/link"),
                    post(move |s: State<AppState>, id: Path<String>, b: Bytes| link(entity, s, id, b)),
                )
                .route(
                    &format!("{base}/unlink"),
                    post(move |s: State<AppState>, id: Path<String>, b: Bytes| unlink(entity, s, id, b)),
                )
                .route(
                    &format!("/api/v4/{}/link", entity.as_str()),
                    post(move |s: State<AppState>, b: Bytes| mass_link(entity, s, b)),
                )
                .route(
                    &format!("/api/v4/{}/unlink", entity.as_str()),
                    post(move |s: State<AppState>, b: Bytes| mass_unlink(entity, s, b)),
                )
        })
}

fn exists(store: &Store, r: EntityRef) -> bool {
    match r.kind {
        EntityType::Leads => store.leads.contains(r.id),
        EntityType::Contacts => store.contacts.contains(r.id),
        EntityType::Companies => store.companies.contains(r.id),
    }
}

fn entity_of(store: &Store, kind: EntityType, segment: &str) -> Result<EntityRef, Problem> {
    parse_id(segment)
        .map(|id| EntityRef::new(kind, id))
        .filter(|r| exists(store, *r))
        .ok_or_else(|| Problem::not_found("Entity not found"))
}

fn kind_of(name: &str) -> Option<EntityType> {
    match name {
        "leads" => Some(EntityType::Leads),
        "contacts" => Some(EntityType::Contacts),
        "companies" => Some(EntityType::Companies),
        _ => None,
    }
}

/// Every link of `me` as `{to_entity_id, to_entity_type, metadata}`.
fn links_of(store: &Store, me: EntityRef) -> Vec<(Id, &'static str, Value, Option<Id>)> {
    let mut out = Vec::new();
    for kind in [EntityType::Leads, EntityType::Contacts, EntityType::Companies] {
        if kind == me.kind {
            continue;
        }
        for (id, is_main) in store.linked(me, kind) {
            let metadata = if me.kind == EntityType::Leads && kind == EntityType::Contacts {
                json!({ "main_contact": is_main })
            } else {
                Value::Null
            };
            out.push((id, kind.as_str(), metadata, None));
        }
    }
    for l in store.lists.links_of(me) {
        out.push((
            l.element_id,
            "catalog_elements",
            json!({ "quantity": l.quantity, "catalog_id": l.catalog_id }),
            Some(l.catalog_id),
        ));
    }
    out
}

async fn list(
    entity: EntityType,
    State(state): State<AppState>,
    Path(segment): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let paging = params.paging()?;
    let filter = params.filter();
    let to_id = filter.ids("to_entity_id")?;
    let to_type = filter.strings("to_entity_type");
    let to_catalog = filter.ids("to_catalog_id")?;
    if to_id.is_some() != to_type.is_some() {
        return Err(Problem::bad_request(
            "filter[to_entity_id] and filter[to_entity_type] must be given together",
        ));
    }
    let store = state.store();
    let me = entity_of(&store, entity, &segment)?;
    let items: Vec<Value> = links_of(&store, me)
        .into_iter()
        .filter(|(id, _, _, _)| to_id.as_ref().is_none_or(|ids| ids.contains(id)))
        .filter(|(_, kind, _, _)| to_type.as_ref().is_none_or(|t| t.iter().any(|t| t == kind)))
        .filter(|(_, _, _, cat)| {
            to_catalog
                .as_ref()
                .is_none_or(|c| cat.is_some_and(|cat| c.contains(&cat)))
        })
        .map(|(id, kind, metadata, _)| json!({ "to_entity_id": id, "to_entity_type": kind, "metadata": metadata }))
        .collect();
    let url = state.url(&format!("/api/v4/{}/{}/links", entity.as_str(), me.id));
    Ok(hal_page(&url, &params, paging, "links", items, Totals::Shown))
}

/// One validated link item.
enum Target {
    Entity(EntityRef, bool),
    Element {
        catalog_id: Id,
        element_id: Id,
        quantity: f64,
    },
}

fn parse_target(store: &Store, me: EntityRef, item: &Value, index: usize) -> Result<Target, ItemCtx> {
    let object = item.as_object();
    let mut ctx = ItemCtx::new(index, object);
    let Some(object) = object else {
        ctx.invalid_type("", "object");
        return Err(ctx);
    };
    let to_id = match ctx.int(object.get("to_entity_id"), "to_entity_id") {
        Some(id) => id,
        None => {
            if object.get("to_entity_id").is_none() {
                ctx.missing("to_entity_id");
            }
            return Err(ctx);
        }
    };
    let Some(to_type) = ctx.string(object.get("to_entity_type"), "to_entity_type") else {
        ctx.missing("to_entity_type");
        return Err(ctx);
    };
    let metadata = object.get("metadata").and_then(Value::as_object);
    if to_type == "catalog_elements" {
        let catalog_id = metadata.and_then(|m| m.get("catalog_id")).and_then(Value::as_i64);
        let quantity = metadata
            .and_then(|m| m.get("quantity"))
            .map(|q| q.as_f64().ok_or(()))
            .transpose();
        let Ok(quantity) = quantity else {
            ctx.invalid_type("metadata.quantity", "float");
            return Err(ctx);
        };
        let Some(catalog_id) = catalog_id else {
            ctx.missing("metadata.catalog_id");
            return Err(ctx);
        };
        if store
            .lists
            .elements
            .get(to_id)
            .is_none_or(|e| e.catalog_id != catalog_id)
        {
            ctx.not_supported("to_entity_id");
            return Err(ctx);
        }
        return Ok(Target::Element {
            catalog_id,
            element_id: to_id,
            quantity: quantity.unwrap_or(1.0),
        });
    }
    let Some(kind) = kind_of(&to_type).filter(|k| *k != me.kind) else {
        ctx.not_supported("to_entity_type");
        return Err(ctx);
    };
    let target = EntityRef::new(kind, to_id);
    if !exists(store, target) {
        ctx.not_supported("to_entity_id");
        return Err(ctx);
    }
    let is_main = metadata
        .and_then(|m| m.get("is_main").or(m.get("main_contact")))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok(Target::Entity(target, is_main))
}

fn parse_all(store: &Store, me: EntityRef, body: &[u8]) -> Result<Vec<Target>, Problem> {
    let items = batch_items(body)?;
    let mut ok = Vec::new();
    let mut failed = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match parse_target(store, me, item, i) {
            Ok(t) => ok.push(t),
            Err(ctx) => failed.extend(ctx.into_errors()),
        }
    }
    if failed.is_empty() {
        Ok(ok)
    } else {
        Err(Problem::validation(failed))
    }
}

async fn link(
    entity: EntityType,
    State(state): State<AppState>,
    Path(segment): Path<String>,
    body: Bytes,
) -> ApiResult {
    let mut store = state.store();
    let me = entity_of(&store, entity, &segment)?;
    let targets = parse_all(&store, me, &body)?;
    if targets
        .iter()
        .any(|t| matches!(t, Target::Entity(other, _) if store.is_linked(me, *other)))
    {
        return Err(Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"));
    }
    let items: Vec<Value> = targets.into_iter().map(|t| apply(&mut store, me, t)).collect();
    Ok(hal(json!({
        "_total_items": items.len(),
        "_links": self_link(state.url(&format!("/api/v4/{}/{}/link", me.kind.as_str(), me.id))),
        "_embedded": { "links": items },
    })))
}

async fn unlink(
    entity: EntityType,
    State(state): State<AppState>,
    Path(segment): Path<String>,
    body: Bytes,
) -> ApiResult {
    let mut store = state.store();
    let me = entity_of(&store, entity, &segment)?;
    let items = batch_items(&body)?;
    let mut failed = Vec::new();
    let mut removals = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let mut ctx = ItemCtx::new(i, item.as_object());
        removals.extend(removal_of(&mut ctx, item));
        failed.extend(ctx.into_errors());
    }
    if !failed.is_empty() {
        return Err(Problem::validation(failed));
    }
    for (id, kind) in removals {
        remove(&mut store, me, id, kind);
    }
    Ok(no_content())
}

/// Writes one validated link of `me` and returns its echo as Kommo answers it.
fn apply(store: &mut Store, me: EntityRef, t: Target) -> Value {
    let (id, kind, metadata) = match t {
        Target::Entity(other, is_main) => {
            let main = is_main && other.kind == EntityType::Contacts && me.kind == EntityType::Leads;
            store.link(me, other, main);
            let metadata = if main { json!({ "is_main": true }) } else { Value::Null };
            (other.id, other.kind.as_str(), metadata)
        }
        Target::Element {
            catalog_id,
            element_id,
            quantity,
        } => {
            let links = &mut store.lists.element_links;
            match links.iter_mut().find(|l| l.entity == me && l.element_id == element_id) {
                Some(l) => l.quantity = quantity,
                None => links.push(ElementLink {
                    entity: me,
                    catalog_id,
                    element_id,
                    quantity,
                }),
            }
            (
                element_id,
                "catalog_elements",
                json!({ "quantity": quantity, "catalog_id": catalog_id }),
            )
        }
    };
    json!({
        "entity_id": me.id,
        "entity_type": me.kind.as_str(),
        "to_entity_id": id,
        "to_entity_type": kind,
        "metadata": metadata,
    })
}

/// The source of a mass link item: its `entity_id`, an existing entity of the path's type.
fn source_of(store: &Store, kind: EntityType, item: &Value, index: usize) -> Result<EntityRef, ItemCtx> {
    let mut ctx = ItemCtx::new(index, item.as_object());
    match ctx.int(item.get("entity_id"), "entity_id") {
        Some(id) if exists(store, EntityRef::new(kind, id)) => Ok(EntityRef::new(kind, id)),
        Some(_) => {
            ctx.not_supported("entity_id");
            Err(ctx)
        }
        None => {
            if item.get("entity_id").is_none() {
                ctx.missing("entity_id");
            }
            Err(ctx)
        }
    }
}

/// `POST /api/v4/{e}/link`: `[{entity_id, to_entity_id, to_entity_type, metadata?}, ...]`.
async fn mass_link(entity: EntityType, State(state): State<AppState>, body: Bytes) -> ApiResult {
    let mut store = state.store();
    let items = batch_items(&body)?;
    let mut ok = Vec::new();
    let mut failed = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match source_of(&store, entity, item, i).and_then(|me| parse_target(&store, me, item, i).map(|t| (me, t))) {
            Ok(pair) => ok.push(pair),
            Err(ctx) => failed.extend(ctx.into_errors()),
        }
    }
    if !failed.is_empty() {
        return Err(Problem::validation(failed));
    }
    if ok
        .iter()
        .any(|(me, t)| matches!(t, Target::Entity(other, _) if store.is_linked(*me, *other)))
    {
        return Err(Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"));
    }
    let links: Vec<Value> = ok.into_iter().map(|(me, t)| apply(&mut store, me, t)).collect();
    Ok(hal(json!({
        "_total_items": links.len(),
        "_links": self_link(state.url(&format!("/api/v4/{}/link", entity.as_str()))),
        "_embedded": { "links": links },
    })))
}

/// `POST /api/v4/{e}/unlink`: the same items; answers 204.
async fn mass_unlink(entity: EntityType, State(state): State<AppState>, body: Bytes) -> ApiResult {
    let mut store = state.store();
    let items = batch_items(&body)?;
    let mut failed = Vec::new();
    let mut removals = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let me = match source_of(&store, entity, item, i) {
            Ok(me) => me,
            Err(ctx) => {
                failed.extend(ctx.into_errors());
                continue;
            }
        };
        let mut ctx = ItemCtx::new(i, item.as_object());
        removals.extend(removal_of(&mut ctx, item).map(|(id, kind)| (me, id, kind)));
        failed.extend(ctx.into_errors());
    }
    if !failed.is_empty() {
        return Err(Problem::validation(failed));
    }
    for (me, id, kind) in removals {
        remove(&mut store, me, id, kind);
    }
    Ok(no_content())
}

/// The target of an unlink item: its id and kind (`None` for a catalog element); problems go
/// to `ctx`.
fn removal_of(ctx: &mut ItemCtx, item: &Value) -> Option<(Id, Option<EntityType>)> {
    let id = ctx.int(item.get("to_entity_id"), "to_entity_id");
    let kind = ctx.string(item.get("to_entity_type"), "to_entity_type");
    match (id, kind.as_deref()) {
        (Some(id), Some("catalog_elements")) => Some((id, None)),
        (Some(id), Some(k)) => match kind_of(k) {
            Some(kind) => Some((id, Some(kind))),
            None => {
                ctx.not_supported("to_entity_type");
                None
            }
        },
        (None, _) if item.get("to_entity_id").is_none() => {
            ctx.missing("to_entity_id");
            None
        }
        (_, None) if item.get("to_entity_type").is_none() => {
            ctx.missing("to_entity_type");
            None
        }
        _ => None,
    }
}

/// Removes the link of `me` to `id` (a catalog element when `kind` is `None`).
fn remove(store: &mut Store, me: EntityRef, id: Id, kind: Option<EntityType>) {
    match kind {
        None => store
            .lists
            .element_links
            .retain(|l| !(l.entity == me && l.element_id == id)),
        Some(kind) => store.unlink(me, EntityRef::new(kind, id)),
    }
}
