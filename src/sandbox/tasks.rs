//! `/api/v4/tasks`: list (`filter[id|responsible_user_id|is_completed|task_type|entity_type|
//! entity_id|updated_at]`, `order[complete_till|created_at|id]`), get by id, batch create, batch
//! and single update. Writes keep the attached entity's `closest_task_at` current and add
//! `task_added` / `task_completed` / `task_text_changed` / `task_deadline_changed` events.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};

use super::activity::{entity_exists, entity_type, refresh_closest_task, Task, TASK_TYPES};
use super::http::{hal, no_content, parse_id, self_link, ApiResult, Problem};
use super::list::{hal_page, Totals};
use super::query::{Direction, Params};
use super::store::{now, EntityRef, Id, Store};
use super::write::{batch_items, parse_body, ItemCtx};
use super::{AppState, MissingEntity};

const PATH: &str = "/api/v4/tasks";

/// The task routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(PATH, get(list).post(create).patch(update_batch))
        .route("/api/v4/tasks/{id}", get(get_one).patch(update_one))
}

fn render(store: &Store, base: &str, t: &Task) -> Value {
    json!({
        "id": t.id,
        "created_by": t.created_by,
        "updated_by": t.updated_by,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
        "responsible_user_id": t.responsible_user_id,
        "group_id": 0,
        "entity_id": t.entity.map(|e| e.id),
        "entity_type": t.entity.map(|e| e.kind.as_str()),
        "duration": t.duration,
        "is_completed": t.is_completed,
        "task_type_id": t.task_type_id,
        "text": t.text,
        // Kommo reads an empty result as `[]`.
        "result": match &t.result { Some(text) => json!({ "text": text }), None => json!([]) },
        "complete_till": t.complete_till,
        "account_id": store.account.id,
        "_links": self_link(format!("{base}{PATH}/{}", t.id)),
    })
}

fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "true" => Some(true),
        "0" | "false" => Some(false),
        _ => None,
    }
}

async fn list(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let paging = params.paging()?;
    let filter = params.filter();
    let ids = filter.ids("id")?;
    let users = filter.ids("responsible_user_id")?;
    let created_by = filter.ids("created_by")?;
    let mut types = filter.ids("task_type")?;
    if let Some(more) = filter.ids("task_type_id")? {
        types.get_or_insert_with(Vec::new).extend(more);
    }
    let completed = match filter.strings("is_completed") {
        None => None,
        Some(v) => Some(
            v.first()
                .and_then(|s| parse_bool(s))
                .ok_or_else(|| Problem::bad_request("Invalid value for filter[is_completed]: use 1 or 0"))?,
        ),
    };
    let kind = match filter.strings("entity_type") {
        None => None,
        Some(v) => Some(
            v.first()
                .and_then(|s| entity_type(s))
                .ok_or_else(|| Problem::bad_request("Invalid value for filter[entity_type]"))?,
        ),
    };
    let entity_ids = filter.ids("entity_id")?;
    let updated = filter.range("updated_at")?;
    let order = params.order()?;
    let store = state.store();
    let mut found: Vec<&Task> = store
        .activity
        .tasks
        .iter()
        .filter(|t| {
            ids.as_ref().is_none_or(|l| l.contains(&t.id))
                && users.as_ref().is_none_or(|l| l.contains(&t.responsible_user_id))
                && created_by.as_ref().is_none_or(|l| l.contains(&t.created_by))
                && types.as_ref().is_none_or(|l| l.contains(&t.task_type_id))
                && completed.is_none_or(|c| c == t.is_completed)
                && kind.is_none_or(|k| t.entity.is_some_and(|e| e.kind == k))
                && entity_ids
                    .as_ref()
                    .is_none_or(|l| t.entity.is_some_and(|e| l.contains(&e.id)))
                && updated.is_none_or(|r| r.contains(t.updated_at))
        })
        .collect();
    let key = |t: &&Task| -> (i64, Id) {
        match order.as_ref().map(|o| o.field.as_str()) {
            Some("complete_till") => (t.complete_till, t.id),
            Some("created_at") => (t.created_at, t.id),
            Some("updated_at") => (t.updated_at, t.id),
            _ => (t.id, t.id),
        }
    };
    found.sort_by_key(key);
    if order.as_ref().is_some_and(|o| o.direction == Direction::Desc) {
        found.reverse();
    }
    let items = found.iter().map(|t| render(&store, &state.base_url, t)).collect();
    Ok(hal_page(
        &state.url(PATH),
        &params,
        paging,
        "tasks",
        items,
        Totals::Hidden,
    ))
}

async fn get_one(State(state): State<AppState>, Path(segment): Path<String>) -> ApiResult {
    let url = state.url(&format!("{PATH}/{segment}"));
    let Some(id) = parse_id(&segment) else {
        return Err(Problem::no_route("GET", &url));
    };
    let store = state.store();
    match store.activity.tasks.get(id) {
        Some(t) => Ok(hal(render(&store, &state.base_url, t))),
        None => match state.missing_entity() {
            MissingEntity::NoContent => Ok(no_content()),
            MissingEntity::NotFound => Err(Problem::not_found(format!("Task {id} not found"))),
        },
    }
}

/// The validated fields of one task item.
#[derive(Debug, Default)]
struct TaskChanges {
    text: Option<String>,
    task_type_id: Option<Id>,
    responsible_user_id: Option<Id>,
    complete_till: Option<i64>,
    duration: Option<i64>,
    is_completed: Option<bool>,
    /// `Some(None)` clears it.
    result: Option<Option<String>>,
    entity: Option<EntityRef>,
    created_by: Option<Id>,
}

fn parse_item(ctx: &mut ItemCtx, store: &Store, item: &Map<String, Value>, creating: bool) -> TaskChanges {
    let text = ctx.string(item.get("text"), "text");
    let complete_till = ctx.int(item.get("complete_till"), "complete_till");
    if creating {
        let absent = item.get("text").is_none_or(Value::is_null);
        if (absent && text.is_none()) || text.as_deref().is_some_and(|t| t.trim().is_empty()) {
            ctx.missing("text");
        }
        if complete_till.is_none() && item.get("complete_till").is_none_or(Value::is_null) {
            ctx.missing("complete_till");
        }
    }
    let task_type_id = ctx.int(item.get("task_type_id"), "task_type_id");
    if let Some(t) = task_type_id {
        if !TASK_TYPES.iter().any(|(id, _, _)| *id == t) {
            ctx.not_supported("task_type_id");
        }
    }
    let result = match item.get("result") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::Object(r)) => ctx.string(r.get("text"), "result.text").map(Some),
        Some(Value::Array(a)) if a.is_empty() => Some(None),
        Some(_) => {
            ctx.invalid_type("result", "object");
            None
        }
    };
    let entity_id = ctx.int(item.get("entity_id"), "entity_id");
    let kind = match ctx.string(item.get("entity_type"), "entity_type") {
        None => None,
        Some(name) => match entity_type(&name) {
            Some(k) => Some(k),
            None => {
                ctx.not_supported("entity_type");
                None
            }
        },
    };
    let entity = match (entity_id, kind) {
        (Some(id), Some(k)) => {
            let e = EntityRef::new(k, id);
            if entity_exists(store, e) {
                Some(e)
            } else {
                ctx.not_supported("entity_id");
                None
            }
        }
        (Some(_), None) if item.get("entity_type").is_none() => {
            ctx.missing("entity_type");
            None
        }
        (None, Some(_)) if item.get("entity_id").is_none() => {
            ctx.missing("entity_id");
            None
        }
        _ => None,
    };
    TaskChanges {
        text,
        task_type_id,
        responsible_user_id: ctx.user_id(store, item.get("responsible_user_id"), "responsible_user_id"),
        complete_till,
        duration: ctx.int(item.get("duration"), "duration"),
        is_completed: ctx.boolean(item.get("is_completed"), "is_completed"),
        result,
        entity,
        created_by: ctx.int(item.get("created_by"), "created_by"),
    }
}

/// Applies changes to task `id` (inserting a blank one when creating), recording events.
fn apply(store: &mut Store, id: Id, c: TaskChanges, creating: bool) -> i64 {
    let (at, user) = (now(), store.account.current_user_id);
    let before = store.activity.tasks.get(id).cloned();
    let mut t = before.clone().unwrap_or(Task {
        id,
        text: String::new(),
        task_type_id: 1,
        responsible_user_id: user,
        created_by: c.created_by.unwrap_or(user),
        updated_by: user,
        created_at: at,
        updated_at: at,
        complete_till: at,
        duration: 0,
        is_completed: false,
        result: None,
        entity: None,
    });
    if let Some(v) = c.text {
        t.text = v;
    }
    if let Some(v) = c.task_type_id {
        t.task_type_id = v;
    }
    if let Some(v) = c.responsible_user_id {
        t.responsible_user_id = v;
    }
    if let Some(v) = c.complete_till {
        t.complete_till = v;
    }
    if let Some(v) = c.duration {
        t.duration = v;
    }
    if let Some(v) = c.is_completed {
        t.is_completed = v;
    }
    if let Some(v) = c.result {
        t.result = v;
    }
    if let Some(e) = c.entity {
        t.entity = Some(e);
    }
    t.updated_by = user;
    t.updated_at = if creating { at } else { at.max(t.updated_at + 1) };
    let updated_at = t.updated_at;
    let old_entity = before.as_ref().and_then(|b| b.entity);
    let new_entity = t.entity;
    let ev = &mut store.activity;
    match &before {
        None => ev.record(
            "task_added",
            "task",
            id,
            user,
            at,
            json!([]),
            json!([{ "task": { "text": t.text } }]),
        ),
        Some(b) => {
            if !b.is_completed && t.is_completed {
                ev.record(
                    "task_completed",
                    "task",
                    id,
                    user,
                    at,
                    json!([]),
                    json!([{ "task": { "result": t.result } }]),
                );
            }
            if b.text != t.text {
                ev.record(
                    "task_text_changed",
                    "task",
                    id,
                    user,
                    at,
                    json!([{ "task": { "text": b.text } }]),
                    json!([{ "task": { "text": t.text } }]),
                );
            }
            if b.complete_till != t.complete_till {
                ev.record(
                    "task_deadline_changed",
                    "task",
                    id,
                    user,
                    at,
                    json!([{ "task_deadline": { "timestamp": b.complete_till } }]),
                    json!([{ "task_deadline": { "timestamp": t.complete_till } }]),
                );
            }
        }
    }
    store.activity.tasks.insert(id, t);
    for e in [old_entity, new_entity].into_iter().flatten() {
        refresh_closest_task(store, e);
    }
    updated_at
}

fn validate(
    store: &Store,
    items: &[Value],
    target: Option<Id>,
    creating: bool,
) -> Result<Vec<(String, Id, TaskChanges)>, Problem> {
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
        let id = if creating {
            0
        } else if let Some(id) = target {
            id
        } else {
            match ctx.int(object.get("id"), "id") {
                Some(id) if store.activity.tasks.contains(id) => id,
                Some(_) => {
                    ctx.not_supported("id");
                    0
                }
                None => {
                    if object.get("id").is_none() {
                        ctx.missing("id");
                    }
                    0
                }
            }
        };
        let changes = parse_item(&mut ctx, store, object, creating);
        if ctx.is_ok() {
            valid.push((ctx.request_id, id, changes));
        } else {
            failed.extend(ctx.into_errors());
        }
    }
    if failed.is_empty() {
        Ok(valid)
    } else {
        Err(Problem::validation(failed))
    }
}

async fn create(State(state): State<AppState>, body: Bytes) -> ApiResult {
    let items = batch_items(&body)?;
    let mut store = state.store();
    let valid = validate(&store, &items, None, true)?;
    let mut out = Vec::new();
    for (request_id, _, changes) in valid {
        let id = store.activity.tasks.next_id();
        apply(&mut store, id, changes, true);
        out.push(
            json!({ "id": id, "request_id": request_id, "_links": self_link(state.url(&format!("{PATH}/{id}"))) }),
        );
    }
    Ok(hal(
        json!({ "_links": self_link(state.url(PATH)), "_embedded": { "tasks": out } }),
    ))
}

async fn update_batch(State(state): State<AppState>, body: Bytes) -> ApiResult {
    let items = batch_items(&body)?;
    let mut store = state.store();
    let valid = validate(&store, &items, None, false)?;
    let mut out = Vec::new();
    for (request_id, id, changes) in valid {
        let updated_at = apply(&mut store, id, changes, false);
        out.push(json!({ "id": id, "updated_at": updated_at, "request_id": request_id, "_links": self_link(state.url(&format!("{PATH}/{id}"))) }));
    }
    Ok(hal(
        json!({ "_links": self_link(state.url(PATH)), "_embedded": { "tasks": out } }),
    ))
}

async fn update_one(State(state): State<AppState>, Path(segment): Path<String>, body: Bytes) -> ApiResult {
    let Some(id) = parse_id(&segment) else {
        return Err(Problem::no_route("PATCH", &state.url(&format!("{PATH}/{segment}"))));
    };
    let mut store = state.store();
    if !store.activity.tasks.contains(id) {
        return Err(Problem::not_found(format!("Task {id} not found")));
    }
    let item = parse_body(&body)?;
    if !item.is_object() {
        let mut ctx = ItemCtx::new(0, None);
        ctx.invalid_type("", "object");
        return Err(Problem::validation(ctx.into_errors().into_iter().collect()));
    }
    let mut valid = validate(&store, std::slice::from_ref(&item), Some(id), false)?;
    let Some((_, _, changes)) = valid.pop() else {
        return Err(Problem::bad_request("Nothing to update"));
    };
    let updated_at = apply(&mut store, id, changes, false);
    Ok(hal(
        json!({ "id": id, "updated_at": updated_at, "_links": self_link(state.url(&format!("{PATH}/{id}"))) }),
    ))
}
