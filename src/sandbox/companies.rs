//! `/api/v4/companies`: list (filters, `query=`, `with=contacts,leads`), get by id, batch create,
//! batch and single update.

use axum::Router;
use serde_json::{json, Map, Value};

use super::embed;
use super::field_values;
use super::http::self_link;
use super::list::entity_routes;
use super::query::Params;
use super::store::{Company, EntityCore, EntityRef, EntityType, Id, Store};
use super::write::{ItemCtx, Writable};
use super::AppState;

/// The company routes.
pub(super) fn routes() -> Router<AppState> {
    entity_routes::<Company>(render)
}

/// A company as Kommo returns it; `contacts` and `leads` are embedded on request.
fn render(store: &Store, base: &str, company: &Company, params: &Params) -> Value {
    let core = &company.core;
    let me = EntityRef::new(EntityType::Companies, core.id);
    let mut embedded = Map::new();
    embedded.insert("tags".into(), embed::tags(store, EntityType::Companies, &core.tag_ids));
    if params.has_with("contacts") {
        embedded.insert("contacts".into(), embed::linked(store, base, me, EntityType::Contacts));
    }
    if params.has_with("leads") {
        embedded.insert("leads".into(), embed::linked(store, base, me, EntityType::Leads));
    }
    json!({
        "id": core.id,
        "name": core.name,
        "responsible_user_id": core.responsible_user_id,
        "group_id": core.group_id,
        "created_by": core.created_by,
        "updated_by": core.updated_by,
        "created_at": core.created_at,
        "updated_at": core.updated_at,
        "closest_task_at": core.closest_task_at,
        "is_deleted": core.is_deleted,
        "custom_fields_values": field_values::render(store, EntityType::Companies, &core.custom_fields),
        "account_id": store.account.id,
        "_links": self_link(embed::href(base, EntityType::Companies, core.id)),
        "_embedded": embedded,
    })
}

impl Writable for Company {
    type Extra = ();

    fn parse_extra(_: &mut ItemCtx, _: &Store, _: &Map<String, Value>, _: Option<&Self>) {}

    fn blank(_store: &Store, id: Id, now: i64, user: Id) -> Self {
        Company {
            core: EntityCore::new(id, String::new(), user, now, now),
        }
    }

    fn apply_extra(_: &mut Store, _: Id, _: (), _: bool) {}
}
