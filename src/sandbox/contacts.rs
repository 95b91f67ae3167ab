//! `/api/v4/contacts`: list (filters, `query=`, `with=leads`), get by id, batch create,
//! batch and single update.

use axum::Router;
use serde_json::{json, Map, Value};

use super::embed;
use super::field_values;
use super::http::self_link;
use super::list::entity_routes;
use super::query::Params;
use super::store::{Contact, EntityCore, EntityRef, EntityType, Id, Store};
use super::write::{ItemCtx, Writable};
use super::AppState;

/// The contact routes.
pub(super) fn routes() -> Router<AppState> {
    entity_routes::<Contact>(render)
}

/// A contact as Kommo returns it. `_embedded.companies` is always present, `leads` only with
/// `with=leads`.
fn render(store: &Store, base: &str, contact: &Contact, params: &Params) -> Value {
    let core = &contact.core;
    let me = EntityRef::new(EntityType::Contacts, core.id);
    let mut embedded = Map::new();
    embedded.insert("tags".into(), embed::tags(store, EntityType::Contacts, &core.tag_ids));
    embedded.insert(
        "companies".into(),
        embed::linked(store, base, me, EntityType::Companies),
    );
    if params.has_with("leads") {
        embedded.insert("leads".into(), embed::linked(store, base, me, EntityType::Leads));
    }
    json!({
        "id": core.id,
        "name": core.name,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "responsible_user_id": core.responsible_user_id,
        "group_id": core.group_id,
        "created_by": core.created_by,
        "updated_by": core.updated_by,
        "created_at": core.created_at,
        "updated_at": core.updated_at,
        "closest_task_at": core.closest_task_at,
        "is_deleted": core.is_deleted,
        "is_unsorted": contact.is_unsorted,
        "custom_fields_values": field_values::render(store, EntityType::Contacts, &core.custom_fields),
        "account_id": store.account.id,
        "_links": self_link(embed::href(base, EntityType::Contacts, core.id)),
        "_embedded": embedded,
    })
}

/// `name` composed from the parts, as Kommo does when only first/last names are sent.
pub fn compose_name(first: &str, last: &str) -> String {
    format!("{} {}", first.trim(), last.trim()).trim().to_string()
}

/// Contact-specific fields of a write.
#[derive(Debug, Default)]
pub struct ContactChanges {
    first_name: Option<String>,
    last_name: Option<String>,
    name_given: bool,
    /// `_embedded.companies[0].id`, honoured on create.
    company: Option<Id>,
}

impl Writable for Contact {
    type Extra = ContactChanges;
    const ECHO_FLAGS: bool = true;

    fn parse_extra(
        ctx: &mut ItemCtx,
        store: &Store,
        item: &Map<String, Value>,
        existing: Option<&Self>,
    ) -> ContactChanges {
        let company = if existing.is_none() {
            embedded_company(ctx, store, item)
        } else {
            None
        };
        ContactChanges {
            first_name: ctx.string(item.get("first_name"), "first_name"),
            last_name: ctx.string(item.get("last_name"), "last_name"),
            name_given: item.get("name").is_some_and(Value::is_string),
            company,
        }
    }

    fn blank(_store: &Store, id: Id, now: i64, user: Id) -> Self {
        Contact {
            core: EntityCore::new(id, String::new(), user, now, now),
            first_name: String::new(),
            last_name: String::new(),
            is_unsorted: false,
        }
    }

    fn apply_extra(store: &mut Store, id: Id, extra: ContactChanges, creating: bool) {
        if let Some(company) = extra.company {
            let me = EntityRef::new(EntityType::Contacts, id);
            store.link(me, EntityRef::new(EntityType::Companies, company), false);
        }
        let Some(contact) = store.contacts.get_mut(id) else {
            return;
        };
        let parts_given = extra.first_name.is_some() || extra.last_name.is_some();
        if let Some(first) = extra.first_name {
            contact.first_name = first;
        }
        if let Some(last) = extra.last_name {
            contact.last_name = last;
        }
        if parts_given && !extra.name_given {
            contact.core.name = compose_name(&contact.first_name, &contact.last_name);
        } else if creating && !parts_given {
            contact.first_name = contact.core.name.clone();
        }
    }
}

/// The company named in `_embedded.companies` (the first one; a contact has at most one).
pub fn embedded_company(ctx: &mut ItemCtx, store: &Store, item: &Map<String, Value>) -> Option<Id> {
    let embedded = item.get("_embedded").and_then(Value::as_object)?;
    let companies = ctx.array(embedded.get("companies"), "_embedded.companies")?;
    let first = companies.first()?;
    let path = "_embedded.companies.0.id";
    let id = ctx.int(first.get("id"), path);
    match id {
        Some(id) if store.companies.contains(id) => Some(id),
        Some(_) => {
            ctx.not_supported(path);
            None
        }
        None => {
            if first.get("id").is_none() {
                ctx.missing(path);
            }
            None
        }
    }
}
