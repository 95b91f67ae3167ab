//! Notes, scoped by entity type as on Kommo (there is no `/api/v4/notes`):
//! `GET|POST|PATCH /api/v4/{e}/notes`, `GET|POST /api/v4/{e}/{id}/notes`,
//! `GET|PATCH /api/v4/{e}/notes/{id}`, `POST /api/v4/{e}/notes/{id}/pin|unpin` (204).
//!
//! `params` are checked per `note_type`: `common` needs `params.text`, calls need `uniq`,
//! `duration`, `source` and `phone`, SMS need `text` and `phone`, service messages `service` and
//! `text`. Creating a note adds a `common_note_added` (or `incoming_call`, ...) event.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::Uri;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Map, Value};

use super::activity::{entity_exists, entity_type, event_entity, Note};
use super::http::{hal, no_content, parse_id, self_link, ApiResult, Problem};
use super::list::{hal_page, Totals};
use super::query::{Direction, Params};
use super::store::{now, EntityRef, EntityType, Id, Store};
use super::write::{batch_items, parse_body, ItemCtx};
use super::{AppState, MissingEntity};

/// Note types that can be written, with the `params` keys each requires.
const WRITABLE: [(&str, &[&str]); 9] = [
    ("common", &["text"]),
    ("call_in", &["uniq", "duration", "source", "phone"]),
    ("call_out", &["uniq", "duration", "source", "phone"]),
    ("service_message", &["service", "text"]),
    ("extended_service_message", &["service", "text"]),
    ("message_cashier", &["status", "text"]),
    ("geolocation", &["text", "address", "longitude", "latitude"]),
    ("sms_in", &["text", "phone"]),
    ("sms_out", &["text", "phone"]),
];

/// The note routes, for leads, contacts and companies.
pub(super) fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for e in ["leads", "contacts", "companies"] {
        router = router
            .route(
                &format!("/api/v4/{e}/notes"),
                get(list).post(create).patch(update_batch),
            )
            .route(&format!("/api/v4/{e}/{{id}}/notes"), get(list_of).post(create_on))
            .route(&format!("/api/v4/{e}/notes/{{id}}"), get(get_one).patch(update_one))
            .route(&format!("/api/v4/{e}/{{id}}/notes/{{note_id}}"), get(get_nested))
            .route(&format!("/api/v4/{e}/notes/{{id}}/pin"), post(pin))
            .route(&format!("/api/v4/{e}/notes/{{id}}/unpin"), post(unpin));
    }
    router
}

/// The entity type named by the path's third segment (`/api/v4/{e}/...`).
fn kind_of(uri: &Uri) -> Result<EntityType, Problem> {
    uri.path()
        .split('/')
        .nth(3)
        .and_then(entity_type)
        .ok_or_else(|| Problem::not_found("Unknown entity type"))
}

fn render(store: &Store, base: &str, n: &Note, with_pinned: bool) -> Value {
    let e = n.entity.kind.as_str();
    let mut body = json!({
        "id": n.id,
        "entity_id": n.entity.id,
        "created_by": n.created_by,
        "updated_by": n.updated_by,
        "created_at": n.created_at,
        "updated_at": n.updated_at,
        "responsible_user_id": n.responsible_user_id,
        "group_id": 0,
        "note_type": n.note_type,
        "params": n.params,
        "account_id": store.account.id,
        "_links": self_link(format!("{base}/api/v4/{e}/{}/notes/{}", n.entity.id, n.id)),
    });
    if with_pinned {
        body["is_pinned"] = json!(n.is_pinned);
    }
    body
}

fn list_notes(state: &AppState, uri: &Uri, raw: Option<&str>, kind: EntityType, entity: Option<Id>) -> ApiResult {
    let params = Params::parse(raw);
    let paging = params.paging()?;
    let filter = params.filter();
    let ids = filter.ids("id")?;
    let types = filter.strings("note_type");
    let mut entity_ids = filter.ids("entity_id")?;
    if let Some(e) = entity {
        entity_ids = Some(vec![e]);
    }
    let updated = filter.range("updated_at")?;
    let order = params.order()?;
    let store = state.store();
    let mut found: Vec<&Note> = store
        .activity
        .notes
        .iter()
        .filter(|n| {
            n.entity.kind == kind
                && ids.as_ref().is_none_or(|l| l.contains(&n.id))
                && types.as_ref().is_none_or(|l| l.contains(&n.note_type))
                && entity_ids.as_ref().is_none_or(|l| l.contains(&n.entity.id))
                && updated.is_none_or(|r| r.contains(n.updated_at))
        })
        .collect();
    found.sort_by_key(|n| match order.as_ref().map(|o| o.field.as_str()) {
        Some("updated_at") => (n.updated_at, n.id),
        Some("created_at") => (n.created_at, n.id),
        _ => (n.id, n.id),
    });
    if order.as_ref().is_some_and(|o| o.direction == Direction::Desc) {
        found.reverse();
    }
    let with_pinned = params.has_with("is_pinned");
    let items = found
        .iter()
        .map(|n| render(&store, &state.base_url, n, with_pinned))
        .collect();
    Ok(hal_page(
        &state.url(uri.path()),
        &params,
        paging,
        "notes",
        items,
        Totals::Hidden,
    ))
}

async fn list(State(state): State<AppState>, uri: Uri, RawQuery(raw): RawQuery) -> ApiResult {
    let kind = kind_of(&uri)?;
    list_notes(&state, &uri, raw.as_deref(), kind, None)
}

async fn list_of(
    State(state): State<AppState>,
    uri: Uri,
    Path(segment): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let kind = kind_of(&uri)?;
    let Some(id) = parse_id(&segment) else {
        return Err(Problem::no_route("GET", &state.url(uri.path())));
    };
    list_notes(&state, &uri, raw.as_deref(), kind, Some(id))
}

fn one(state: &AppState, kind: EntityType, id: Option<Id>, entity: Option<Id>, with_pinned: bool) -> ApiResult {
    let store = state.store();
    let note = id
        .and_then(|id| store.activity.notes.get(id))
        .filter(|n| n.entity.kind == kind && entity.is_none_or(|e| e == n.entity.id));
    match note {
        Some(n) => Ok(hal(render(&store, &state.base_url, n, with_pinned))),
        None => match state.missing_entity() {
            MissingEntity::NoContent => Ok(no_content()),
            MissingEntity::NotFound => Err(Problem::not_found("Note not found")),
        },
    }
}

async fn get_one(
    State(state): State<AppState>,
    uri: Uri,
    Path(segment): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let kind = kind_of(&uri)?;
    let with = Params::parse(raw.as_deref()).has_with("is_pinned");
    one(&state, kind, parse_id(&segment), None, with)
}

async fn get_nested(
    State(state): State<AppState>,
    uri: Uri,
    Path((entity, segment)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let kind = kind_of(&uri)?;
    let with = Params::parse(raw.as_deref()).has_with("is_pinned");
    one(&state, kind, parse_id(&segment), parse_id(&entity).or(Some(0)), with)
}

/// The validated fields of one note item.
struct NoteChanges {
    entity_id: Option<Id>,
    note_type: Option<String>,
    params: Option<Value>,
    responsible_user_id: Option<Id>,
    created_by: Option<Id>,
}

fn parse_item(
    ctx: &mut ItemCtx,
    store: &Store,
    kind: EntityType,
    item: &Map<String, Value>,
    existing: Option<&Note>,
    fixed_entity: Option<Id>,
) -> NoteChanges {
    let entity_id = match fixed_entity {
        Some(id) => Some(id),
        None => ctx.int(item.get("entity_id"), "entity_id"),
    };
    match (entity_id, existing) {
        (None, None) => ctx.missing("entity_id"),
        (Some(id), None) if !entity_exists(store, EntityRef::new(kind, id)) => ctx.not_supported("entity_id"),
        (Some(id), Some(n)) if n.entity.id != id => ctx.not_supported("entity_id"),
        _ => {}
    }
    let note_type = ctx.string(item.get("note_type"), "note_type");
    if existing.is_none() && note_type.is_none() && item.get("note_type").is_none() {
        ctx.missing("note_type");
    }
    let effective_type = note_type.clone().or(existing.map(|n| n.note_type.clone()));
    let required: Option<&[&str]> = effective_type
        .as_deref()
        .and_then(|t| WRITABLE.iter().find(|(name, _)| *name == t).map(|(_, keys)| *keys));
    if note_type.is_some() && required.is_none() {
        ctx.not_supported("note_type");
    }
    let params = match item.get("params") {
        None | Some(Value::Null) => None,
        Some(Value::Object(p)) => Some(p.clone()),
        Some(_) => {
            ctx.invalid_type("params", "object");
            None
        }
    };
    if let Some(keys) = required {
        // On update, missing keys are kept from the stored params.
        let merged: Map<String, Value> = match (existing, &params) {
            (Some(n), Some(p)) => {
                let mut m = n.params.as_object().cloned().unwrap_or_default();
                m.extend(p.clone());
                m
            }
            (Some(n), None) => n.params.as_object().cloned().unwrap_or_default(),
            (None, p) => p.clone().unwrap_or_default(),
        };
        for key in keys {
            match merged.get(*key) {
                None | Some(Value::Null) => ctx.missing(&format!("params.{key}")),
                Some(Value::String(s)) if s.trim().is_empty() && *key == "text" => {
                    ctx.missing(&format!("params.{key}"))
                }
                _ => {}
            }
        }
        if let Some(d) = merged.get("duration") {
            if !d.is_i64() && keys.contains(&"duration") {
                ctx.invalid_type("params.duration", "int");
            }
        }
    }
    NoteChanges {
        entity_id,
        note_type,
        params: params.map(Value::Object),
        responsible_user_id: ctx.user_id(store, item.get("responsible_user_id"), "responsible_user_id"),
        created_by: ctx.int(item.get("created_by"), "created_by"),
    }
}

fn event_kind(note_type: &str) -> &'static str {
    match note_type {
        "call_in" => "incoming_call",
        "call_out" => "outgoing_call",
        "sms_in" => "incoming_sms",
        "sms_out" => "outgoing_sms",
        "service_message" | "extended_service_message" => "service_note_added",
        "geolocation" => "geo_note_added",
        _ => "common_note_added",
    }
}

fn create_items(state: &AppState, uri: &Uri, body: &[u8], fixed_entity: Option<Id>) -> ApiResult {
    let kind = kind_of(uri)?;
    let items = batch_items(body)?;
    let mut store = state.store();
    let mut valid = Vec::new();
    let mut failed = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let object = item.as_object();
        let mut ctx = ItemCtx::new(index, object);
        let Some(object) = object else {
            ctx.invalid_type("", "object");
            failed.extend(ctx.into_errors());
            continue;
        };
        let changes = parse_item(&mut ctx, &store, kind, object, None, fixed_entity);
        if ctx.is_ok() {
            valid.push((ctx.request_id, changes));
        } else {
            failed.extend(ctx.into_errors());
        }
    }
    if !failed.is_empty() {
        return Err(Problem::validation(failed));
    }
    let (at, user) = (now(), store.account.current_user_id);
    let mut out = Vec::new();
    for (request_id, c) in valid {
        let id = store.activity.notes.next_id();
        let entity = EntityRef::new(kind, c.entity_id.unwrap_or_default());
        let note_type = c.note_type.unwrap_or_else(|| "common".into());
        let author = c.created_by.unwrap_or(user);
        store.activity.record(
            event_kind(&note_type),
            event_entity(kind),
            entity.id,
            author,
            at,
            json!([]),
            json!([{ "note": { "id": id } }]),
        );
        store.activity.notes.insert(
            id,
            Note {
                id,
                entity,
                note_type,
                params: c.params.unwrap_or_else(|| json!({})),
                responsible_user_id: c.responsible_user_id.unwrap_or(user),
                created_by: author,
                updated_by: author,
                created_at: at,
                updated_at: at,
                is_pinned: false,
            },
        );
        let e = kind.as_str();
        out.push(json!({
            "id": id,
            "entity_id": entity.id,
            "request_id": request_id,
            "_links": self_link(state.url(&format!("/api/v4/{e}/{}/notes/{id}", entity.id))),
        }));
    }
    Ok(hal(json!({
        "_links": self_link(state.url(uri.path())),
        "_embedded": { "notes": out },
    })))
}

async fn create(State(state): State<AppState>, uri: Uri, body: Bytes) -> ApiResult {
    create_items(&state, &uri, &body, None)
}

async fn create_on(State(state): State<AppState>, uri: Uri, Path(segment): Path<String>, body: Bytes) -> ApiResult {
    let Some(id) = parse_id(&segment) else {
        return Err(Problem::no_route("POST", &state.url(uri.path())));
    };
    create_items(&state, &uri, &body, Some(id))
}

/// Applies validated changes to a stored note; returns `(entity_id, updated_at)`.
fn apply(store: &mut Store, id: Id, c: NoteChanges) -> Option<(Id, i64)> {
    let user = store.account.current_user_id;
    let at = now();
    let note = store.activity.notes.get_mut(id)?;
    if let Some(t) = c.note_type {
        note.note_type = t;
    }
    if let Some(Value::Object(p)) = c.params {
        if let Some(stored) = note.params.as_object_mut() {
            stored.extend(p);
        } else {
            note.params = Value::Object(p);
        }
    }
    if let Some(u) = c.responsible_user_id {
        note.responsible_user_id = u;
    }
    note.updated_by = user;
    note.updated_at = at.max(note.updated_at + 1);
    Some((note.entity.id, note.updated_at))
}

async fn update_batch(State(state): State<AppState>, uri: Uri, body: Bytes) -> ApiResult {
    let kind = kind_of(&uri)?;
    let items = batch_items(&body)?;
    let mut store = state.store();
    let mut valid = Vec::new();
    let mut failed = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let object = item.as_object();
        let mut ctx = ItemCtx::new(index, object);
        let Some(object) = object else {
            ctx.invalid_type("", "object");
            failed.extend(ctx.into_errors());
            continue;
        };
        let existing = match ctx.int(object.get("id"), "id") {
            Some(id) => match store.activity.notes.get(id).filter(|n| n.entity.kind == kind) {
                Some(n) => Some(n.clone()),
                None => {
                    ctx.not_supported("id");
                    None
                }
            },
            None => {
                if object.get("id").is_none() {
                    ctx.missing("id");
                }
                None
            }
        };
        if let Some(existing) = existing {
            let changes = parse_item(&mut ctx, &store, kind, object, Some(&existing), None);
            if ctx.is_ok() {
                valid.push((ctx.request_id, existing.id, changes));
                continue;
            }
        }
        failed.extend(ctx.into_errors());
    }
    if !failed.is_empty() {
        return Err(Problem::validation(failed));
    }
    let e = kind.as_str();
    let mut out = Vec::new();
    for (request_id, id, c) in valid {
        if let Some((entity_id, updated_at)) = apply(&mut store, id, c) {
            out.push(json!({
                "id": id,
                "entity_id": entity_id,
                "updated_at": updated_at,
                "request_id": request_id,
                "_links": self_link(state.url(&format!("/api/v4/{e}/{entity_id}/notes/{id}"))),
            }));
        }
    }
    Ok(hal(
        json!({ "_links": self_link(state.url(uri.path())), "_embedded": { "notes": out } }),
    ))
}

async fn update_one(State(state): State<AppState>, uri: Uri, Path(segment): Path<String>, body: Bytes) -> ApiResult {
    let kind = kind_of(&uri)?;
    let Some(id) = parse_id(&segment) else {
        return Err(Problem::no_route("PATCH", &state.url(uri.path())));
    };
    let mut store = state.store();
    let Some(existing) = store.activity.notes.get(id).filter(|n| n.entity.kind == kind).cloned() else {
        return Err(Problem::not_found("Note not found"));
    };
    let item = parse_body(&body)?;
    let Some(object) = item.as_object() else {
        let mut ctx = ItemCtx::new(0, None);
        ctx.invalid_type("", "object");
        return Err(Problem::validation(ctx.into_errors().into_iter().collect()));
    };
    let mut ctx = ItemCtx::new(0, Some(object));
    let changes = parse_item(&mut ctx, &store, kind, object, Some(&existing), None);
    if let Some(errors) = ctx.into_errors() {
        return Err(Problem::validation(vec![errors]));
    }
    let Some((entity_id, updated_at)) = apply(&mut store, id, changes) else {
        return Err(Problem::not_found("Note not found"));
    };
    let e = kind.as_str();
    Ok(hal(json!({
        "id": id,
        "entity_id": entity_id,
        "updated_at": updated_at,
        "_links": self_link(state.url(&format!("/api/v4/{e}/{entity_id}/notes/{id}"))),
    })))
}

fn set_pinned(state: &AppState, uri: &Uri, segment: &str, pinned: bool) -> ApiResult {
    let kind = kind_of(uri)?;
    let mut store = state.store();
    let note = parse_id(segment)
        .and_then(|id| store.activity.notes.get_mut(id))
        .filter(|n| n.entity.kind == kind)
        .ok_or_else(|| Problem::not_found("Note not found"))?;
    note.is_pinned = pinned;
    Ok(no_content())
}

async fn pin(State(state): State<AppState>, uri: Uri, Path(segment): Path<String>) -> ApiResult {
    set_pinned(&state, &uri, &segment, true)
}

async fn unpin(State(state): State<AppState>, uri: Uri, Path(segment): Path<String>) -> ApiResult {
    set_pinned(&state, &uri, &segment, false)
}
