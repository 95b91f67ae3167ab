//! Batch writes shared by every entity: body shape checks, per-item validation with Kommo's
//! `validation-errors` (codes `InvalidType`, `FieldMissing`, `NotSupportedChoice`; dot paths;
//! `request_id` = the item's own or its index), the fields every entity has (name, owner,
//! timestamps, custom fields, tags) and the create/update response bodies.
//!
//! A batch is all-or-nothing: every item is validated against the current state first, and the
//! store is only touched when no item has an error.

use serde_json::{json, Map, Value};

use super::embed::href;
use super::field_values::{self, FieldUpdate};
use super::http::{hal, self_link, ApiResult, FieldError, ItemErrors, Problem};
use super::store::{now, Entity, EntityCore, EntityType, Id, Store};

/// Kommo's documented maximum of entities per POST/PATCH.
pub const MAX_BATCH: usize = 250;

/// Validation state of one submitted item.
#[derive(Debug)]
pub struct ItemCtx {
    /// The item's `request_id`, or its index.
    pub request_id: String,
    errors: Vec<FieldError>,
}

impl ItemCtx {
    /// Starts validating item number `index`.
    pub fn new(index: usize, item: Option<&Map<String, Value>>) -> Self {
        let request_id = match item.and_then(|i| i.get("request_id")) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => index.to_string(),
        };
        Self {
            request_id,
            errors: Vec::new(),
        }
    }

    /// Records an error.
    pub fn error(&mut self, code: &'static str, path: &str, detail: impl Into<String>) {
        self.errors.push(FieldError {
            code,
            path: path.to_string(),
            detail: detail.into(),
        });
    }

    /// `InvalidType`: "This value should be of type {expected}."
    pub fn invalid_type(&mut self, path: &str, expected: &str) {
        self.error("InvalidType", path, format!("This value should be of type {expected}."));
    }

    /// `FieldMissing`: "This field is missing."
    pub fn missing(&mut self, path: &str) {
        self.error("FieldMissing", path, "This field is missing.");
    }

    /// `NotSupportedChoice`: "The value you selected is not a valid choice."
    pub fn not_supported(&mut self, path: &str) {
        self.error(
            "NotSupportedChoice",
            path,
            "The value you selected is not a valid choice.",
        );
    }

    /// An optional integer; `null` counts as absent.
    pub fn int(&mut self, value: Option<&Value>, path: &str) -> Option<i64> {
        match value {
            None | Some(Value::Null) => None,
            Some(v) => v.as_i64().or_else(|| {
                self.invalid_type(path, "int");
                None
            }),
        }
    }

    /// An optional string; `null` counts as absent.
    pub fn string(&mut self, value: Option<&Value>, path: &str) -> Option<String> {
        match value {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                self.invalid_type(path, "string");
                None
            }
        }
    }

    /// An optional boolean; `null` counts as absent.
    pub fn boolean(&mut self, value: Option<&Value>, path: &str) -> Option<bool> {
        match value {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                self.invalid_type(path, "bool");
                None
            }
        }
    }

    /// An optional array; `null` counts as absent.
    pub fn array<'v>(&mut self, value: Option<&'v Value>, path: &str) -> Option<&'v Vec<Value>> {
        match value {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => Some(items),
            Some(_) => {
                self.invalid_type(path, "array");
                None
            }
        }
    }

    /// An optional id that must name an existing user.
    pub fn user_id(&mut self, store: &Store, value: Option<&Value>, path: &str) -> Option<Id> {
        let id = self.int(value, path)?;
        if store.users.contains(id) {
            Some(id)
        } else {
            self.not_supported(path);
            None
        }
    }

    /// Whether no error was recorded.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// The recorded errors, if any, tagged with the request id.
    pub fn into_errors(self) -> Option<ItemErrors> {
        (!self.errors.is_empty()).then_some(ItemErrors {
            request_id: self.request_id,
            errors: self.errors,
        })
    }
}

/// An entity type that can be created and updated through the batch routes.
pub trait Writable: Entity {
    /// The validated entity-specific part of one item.
    type Extra;
    /// Whether create responses echo `is_deleted`/`is_unsorted` (contacts do).
    const ECHO_FLAGS: bool = false;
    /// Validates the entity-specific fields of `item`; `existing` is `None` on create.
    fn parse_extra(ctx: &mut ItemCtx, store: &Store, item: &Map<String, Value>, existing: Option<&Self>)
        -> Self::Extra;
    /// A new entity with defaults, before the item's fields are applied.
    fn blank(store: &Store, id: Id, now: i64, user: Id) -> Self;
    /// Writes the entity-specific fields (links included) into the stored entity `id`.
    fn apply_extra(store: &mut Store, id: Id, extra: Self::Extra, creating: bool);
}

/// Changes to tags: `_embedded.tags` replaces the set, `tags_to_add`/`tags_to_delete` adjust it.
#[derive(Debug, Default)]
pub struct TagChanges {
    replace: Option<Vec<TagRef>>,
    add: Vec<TagRef>,
    delete: Vec<TagRef>,
}

#[derive(Debug, Clone)]
enum TagRef {
    Id(Id),
    Name(String),
}

impl TagChanges {
    fn parse(ctx: &mut ItemCtx, store: &Store, entity: EntityType, item: &Map<String, Value>) -> Self {
        let embedded = item.get("_embedded").and_then(Value::as_object);
        let replace = match embedded.and_then(|e| e.get("tags")) {
            None => None,
            Some(Value::Null) => Some(Vec::new()),
            Some(tags) => Some(parse_tag_refs(ctx, store, entity, Some(tags), "_embedded.tags")),
        };
        Self {
            replace,
            add: parse_tag_refs(ctx, store, entity, item.get("tags_to_add"), "tags_to_add"),
            delete: parse_tag_refs(ctx, store, entity, item.get("tags_to_delete"), "tags_to_delete"),
        }
    }

    /// The new tag list, creating tags given by name; `None` when nothing changes.
    fn resolve(self, store: &mut Store, entity: EntityType, current: &[Id]) -> Option<Vec<Id>> {
        if self.replace.is_none() && self.add.is_empty() && self.delete.is_empty() {
            return None;
        }
        let mut resolve = |r: TagRef| match r {
            TagRef::Id(id) => id,
            TagRef::Name(name) => store.tag_id_for_name(entity, &name),
        };
        let mut tags: Vec<Id> = match self.replace {
            Some(refs) => refs.into_iter().map(&mut resolve).collect(),
            None => current.to_vec(),
        };
        for id in self.add.into_iter().map(&mut resolve) {
            if !tags.contains(&id) {
                tags.push(id);
            }
        }
        let delete: Vec<Id> = self.delete.into_iter().map(&mut resolve).collect();
        tags.retain(|id| !delete.contains(id));
        tags.dedup();
        Some(tags)
    }
}

fn parse_tag_refs(
    ctx: &mut ItemCtx,
    store: &Store,
    entity: EntityType,
    value: Option<&Value>,
    path: &str,
) -> Vec<TagRef> {
    let Some(items) = ctx.array(value, path) else {
        return Vec::new();
    };
    let mut refs = Vec::new();
    for (i, tag) in items.iter().enumerate() {
        let path = format!("{path}.{i}");
        let Some(tag) = tag.as_object() else {
            ctx.invalid_type(&path, "object");
            continue;
        };
        if let Some(id) = ctx.int(tag.get("id"), &format!("{path}.id")) {
            if store.tag(entity, id).is_some() {
                refs.push(TagRef::Id(id));
            } else {
                ctx.not_supported(&format!("{path}.id"));
            }
        } else if let Some(name) = ctx.string(tag.get("name"), &format!("{path}.name")) {
            refs.push(TagRef::Name(name));
        } else if tag.get("id").is_none() && tag.get("name").is_none() {
            ctx.missing(&format!("{path}.name"));
        }
    }
    refs
}

/// The validated fields every entity has.
#[derive(Debug, Default)]
pub struct CoreChanges {
    name: Option<String>,
    responsible_user_id: Option<Id>,
    created_by: Option<Id>,
    updated_by: Option<Id>,
    created_at: Option<i64>,
    updated_at: Option<i64>,
    fields: Option<Vec<FieldUpdate>>,
    tags: TagChanges,
}

impl CoreChanges {
    /// Validates `name`, `responsible_user_id`, `created_by`, `updated_by`, `created_at`,
    /// `updated_at`, `custom_fields_values`, `_embedded.tags`, `tags_to_add`, `tags_to_delete`.
    pub fn parse(ctx: &mut ItemCtx, store: &Store, entity: EntityType, item: &Map<String, Value>) -> Self {
        Self {
            name: ctx.string(item.get("name"), "name"),
            responsible_user_id: ctx.user_id(store, item.get("responsible_user_id"), "responsible_user_id"),
            created_by: ctx.int(item.get("created_by"), "created_by"),
            updated_by: ctx.int(item.get("updated_by"), "updated_by"),
            created_at: ctx.int(item.get("created_at"), "created_at"),
            updated_at: ctx.int(item.get("updated_at"), "updated_at"),
            fields: field_values::parse(
                ctx,
                store,
                entity,
                item.get("custom_fields_values"),
                "custom_fields_values",
            ),
            tags: TagChanges::parse(ctx, store, entity, item),
        }
    }

    /// Writes the changes into entity `id` of type `T`, resolving tag names first.
    fn apply<T: Entity>(self, store: &mut Store, id: Id, now: i64, user: Id, creating: bool) {
        let current_tags = T::table(store)
            .get(id)
            .map(|e| e.core().tag_ids.clone())
            .unwrap_or_default();
        let tags = self.tags.resolve(store, T::TYPE, &current_tags);
        let Some(entity) = T::table_mut(store).get_mut(id) else {
            return;
        };
        let core: &mut EntityCore = entity.core_mut();
        if let Some(name) = self.name {
            core.name = name;
        }
        if let Some(user) = self.responsible_user_id {
            core.responsible_user_id = user;
        }
        if let Some(fields) = self.fields {
            field_values::apply(&mut core.custom_fields, fields);
        }
        if let Some(tags) = tags {
            core.tag_ids = tags;
        }
        if creating {
            core.created_by = self.created_by.unwrap_or(user);
            core.updated_by = self.updated_by.unwrap_or(core.created_by);
            core.created_at = self.created_at.unwrap_or(now);
            core.updated_at = self.updated_at.unwrap_or(core.created_at.max(now));
        } else {
            core.touch(now, self.updated_by.unwrap_or(user));
            if let Some(at) = self.updated_at {
                core.updated_at = at;
            }
        }
    }
}

/// Parses a request body as JSON.
pub fn parse_body(body: &[u8]) -> Result<Value, Problem> {
    serde_json::from_slice(body).map_err(|e| Problem::bad_request(format!("Request body is not valid JSON: {e}")))
}

/// The items of a collection write: a JSON array of 1..=250 values (a non-array is a 400).
pub fn batch_items(body: &[u8]) -> Result<Vec<Value>, Problem> {
    let items = match parse_body(body)? {
        Value::Array(items) => items,
        _ => {
            let mut ctx = ItemCtx::new(0, None);
            ctx.invalid_type("", "array");
            return Err(Problem::validation(ctx.into_errors().into_iter().collect()));
        }
    };
    if items.is_empty() {
        return Err(Problem::bad_request("The request body is an empty array"));
    }
    if items.len() > MAX_BATCH {
        return Err(Problem::bad_request(format!(
            "Too many entities in one request: {} (at most {MAX_BATCH})",
            items.len()
        )));
    }
    Ok(items)
}

struct Validated<X> {
    request_id: String,
    target: Option<Id>,
    core: CoreChanges,
    extra: X,
}

/// Validates every item against the current state; any error fails the whole batch.
fn validate<T: Writable>(store: &Store, items: &[Value], mode: Mode) -> Result<Vec<Validated<T::Extra>>, Problem> {
    let mut valid = Vec::with_capacity(items.len());
    let mut failed = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let object = item.as_object();
        let mut ctx = ItemCtx::new(index, object);
        let Some(object) = object else {
            ctx.invalid_type("", "object");
            failed.extend(ctx.into_errors());
            continue;
        };
        let target = match mode {
            Mode::Create => None,
            Mode::Update(Some(id)) => Some(id),
            Mode::Update(None) => match object.get("id") {
                None | Some(Value::Null) => {
                    ctx.missing("id");
                    None
                }
                Some(v) => ctx.int(Some(v), "id").and_then(|id| {
                    if T::table(store).contains(id) {
                        Some(id)
                    } else {
                        ctx.not_supported("id");
                        None
                    }
                }),
            },
        };
        let existing = target.and_then(|id| T::table(store).get(id));
        let core = CoreChanges::parse(&mut ctx, store, T::TYPE, object);
        let extra = T::parse_extra(&mut ctx, store, object, existing);
        if ctx.is_ok() {
            valid.push(Validated {
                request_id: ctx.request_id,
                target,
                core,
                extra,
            });
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

#[derive(Clone, Copy)]
enum Mode {
    Create,
    /// `Some(id)` for `PATCH /{e}/{id}`, `None` for a batch where each item names its id.
    Update(Option<Id>),
}

/// `POST /api/v4/{e}`: creates every item and answers
/// `{_links, _embedded: {e: [{id, request_id, _links}]}}`.
pub fn create_batch<T: Writable>(store: &mut Store, base: &str, body: &[u8]) -> ApiResult {
    let items = batch_items(body)?;
    let valid = validate::<T>(store, &items, Mode::Create)?;
    let (now, user) = (now(), store.account.current_user_id);
    let mut created = Vec::with_capacity(valid.len());
    for item in valid {
        let id = T::table_mut(store).next_id();
        let blank = T::blank(store, id, now, user);
        T::table_mut(store).insert(id, blank);
        item.core.apply::<T>(store, id, now, user, true);
        T::apply_extra(store, id, item.extra, true);
        let entity = super::activity::event_entity(T::TYPE);
        let kind = format!("{entity}_added");
        store
            .activity
            .record(&kind, entity, id, user, now, json!([]), json!([]));
        let mut echo = Map::new();
        echo.insert("id".into(), json!(id));
        if T::ECHO_FLAGS {
            echo.insert("is_deleted".into(), json!(false));
            echo.insert("is_unsorted".into(), json!(false));
        }
        echo.insert("request_id".into(), json!(item.request_id));
        echo.insert("_links".into(), self_link(href(base, T::TYPE, id)));
        created.push(Value::Object(echo));
    }
    Ok(hal(collection_body::<T>(base, created)))
}

/// `PATCH /api/v4/{e}`: updates every item (each names its `id`) and answers
/// `{_links, _embedded: {e: [{id, updated_at, _links}]}}`.
pub fn update_batch<T: Writable>(store: &mut Store, base: &str, body: &[u8]) -> ApiResult {
    let items = batch_items(body)?;
    let valid = validate::<T>(store, &items, Mode::Update(None))?;
    let updated: Vec<Value> = valid
        .into_iter()
        .filter_map(|item| apply_update::<T>(store, base, item))
        .collect();
    Ok(hal(collection_body::<T>(base, updated)))
}

/// `PATCH /api/v4/{e}/{id}`: updates one entity from an object body and answers
/// `{id, updated_at, _links}` at the root.
pub fn update_one<T: Writable>(store: &mut Store, base: &str, id: Id, body: &[u8]) -> ApiResult {
    if !T::table(store).contains(id) {
        return Err(Problem::not_found(format!("Entity {id} not found")));
    }
    let item = parse_body(body)?;
    if !item.is_object() {
        let mut ctx = ItemCtx::new(0, None);
        ctx.invalid_type("", "object");
        return Err(Problem::validation(ctx.into_errors().into_iter().collect()));
    }
    let mut valid = validate::<T>(store, std::slice::from_ref(&item), Mode::Update(Some(id)))?;
    let updated = valid.pop().and_then(|item| apply_update::<T>(store, base, item));
    Ok(hal(updated.unwrap_or(Value::Null)))
}

fn apply_update<T: Writable>(store: &mut Store, base: &str, item: Validated<T::Extra>) -> Option<Value> {
    let id = item.target?;
    let (now, user) = (now(), store.account.current_user_id);
    item.core.apply::<T>(store, id, now, user, false);
    T::apply_extra(store, id, item.extra, false);
    let updated_at = T::table(store).get(id)?.core().updated_at;
    Some(json!({
        "id": id,
        "updated_at": updated_at,
        "_links": self_link(href(base, T::TYPE, id)),
    }))
}

fn collection_body<T: Entity>(base: &str, items: Vec<Value>) -> Value {
    let name = T::TYPE.as_str();
    json!({
        "_links": self_link(format!("{base}/api/v4/{name}")),
        "_embedded": { name: items },
    })
}
