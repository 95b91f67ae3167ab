//! `_embedded` blocks shared by the entity renderers: tags and links to other entities.

use serde_json::{json, Value};

use super::http::self_link;
use super::store::{EntityRef, EntityType, Id, Store};

/// `[{id, name, color}]` for the given tag ids (unknown ids are skipped).
pub fn tags(store: &Store, entity: EntityType, ids: &[Id]) -> Value {
    let tags: Vec<Value> = ids
        .iter()
        .filter_map(|id| store.tag(entity, *id))
        .map(|tag| json!({ "id": tag.id, "name": tag.name, "color": tag.color }))
        .collect();
    Value::Array(tags)
}

/// `[{id, _links}]` of the `kind` entities linked to `entity`.
pub fn linked(store: &Store, base: &str, entity: EntityRef, kind: EntityType) -> Value {
    let items: Vec<Value> = store
        .linked(entity, kind)
        .into_iter()
        .map(|(id, _)| json!({ "id": id, "_links": self_link(href(base, kind, id)) }))
        .collect();
    Value::Array(items)
}

/// `[{id, is_main, _links}]` of the contacts linked to a lead.
pub fn lead_contacts(store: &Store, base: &str, lead: Id) -> Value {
    let kind = EntityType::Contacts;
    let items: Vec<Value> = store
        .linked(EntityRef::new(EntityType::Leads, lead), kind)
        .into_iter()
        .map(|(id, is_main)| json!({ "id": id, "is_main": is_main, "_links": self_link(href(base, kind, id)) }))
        .collect();
    Value::Array(items)
}

/// `http://host/api/v4/{kind}/{id}`.
pub fn href(base: &str, kind: EntityType, id: Id) -> String {
    format!("{base}/api/v4/{}/{id}", kind.as_str())
}
