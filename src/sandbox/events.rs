//! `GET /api/v4/events` (the activity feed, newest first) and `GET /api/v4/events/{id}`.
//! Filters as on Kommo: `filter[id]`, `filter[type]`, `filter[entity]` (`lead|contact|company|
//! task`), `filter[entity_id]` (only with one entity type), `filter[created_by]` (comma lists or
//! `[]` lists), `filter[created_at]` (`[from]`/`[to]`, or one value meaning "from").
//! `with=lead_name|contact_name|company_name` adds `_embedded.entity.name`.

use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use super::activity::Event;
use super::http::{hal, self_link, ApiResult, Problem};
use super::list::{hal_page, Totals};
use super::query::{Params, Range};
use super::store::Store;
use super::AppState;

const PATH: &str = "/api/v4/events";

/// The event routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(PATH, get(list))
        .route("/api/v4/events/{id}", get(get_one))
}

fn entity_name(store: &Store, e: &Event) -> Option<String> {
    match e.entity_type {
        "lead" => store.leads.get(e.entity_id).map(|l| l.core.name.clone()),
        "contact" => store.contacts.get(e.entity_id).map(|c| c.core.name.clone()),
        "company" => store.companies.get(e.entity_id).map(|c| c.core.name.clone()),
        _ => None,
    }
}

fn render(store: &Store, base: &str, e: &Event, params: &Params) -> Value {
    let mut entity = json!({ "id": e.entity_id });
    let wants_name = params.has_with(&format!("{}_name", e.entity_type));
    if wants_name {
        if let Some(name) = entity_name(store, e) {
            entity["name"] = json!(name);
        }
    }
    json!({
        "id": e.id,
        "type": e.kind,
        "entity_id": e.entity_id,
        "entity_type": e.entity_type,
        "created_by": e.created_by,
        "created_at": e.created_at,
        "value_after": e.value_after,
        "value_before": e.value_before,
        "account_id": store.account.id,
        "_links": self_link(format!("{base}{PATH}/{}", e.id)),
        "_embedded": { "entity": entity },
    })
}

async fn list(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let paging = params.paging()?;
    let filter = params.filter();
    let ids = filter.strings("id");
    let types = filter.strings("type");
    let entities = filter.strings("entity");
    if let Some(list) = &entities {
        if let Some(bad) = list.iter().find(|e| {
            !["lead", "contact", "company", "task", "customer"].contains(&e.as_str()) && !e.starts_with("catalog_")
        }) {
            return Err(Problem::bad_request(format!(
                "Invalid value '{bad}' for filter[entity]"
            )));
        }
    }
    let entity_ids = filter.ids("entity_id")?;
    if entity_ids.is_some() && entities.as_ref().is_none_or(|e| e.len() != 1) {
        return Err(Problem::bad_request(
            "filter[entity_id] requires exactly one filter[entity]",
        ));
    }
    let created_by = filter.ids("created_by")?;
    let created_at = match filter.strings("created_at") {
        // A single value means "created at or after".
        Some(single) if single.len() == 1 => Some(Range {
            from: Some(
                single[0]
                    .parse::<i64>()
                    .map_err(|_| Problem::bad_request("Invalid value for filter[created_at]"))?,
            ),
            to: None,
        }),
        _ => filter.range("created_at")?,
    };
    let store = state.store();
    let mut found: Vec<&Event> = store
        .activity
        .events
        .iter()
        .filter(|e| {
            ids.as_ref().is_none_or(|l| l.contains(&e.id))
                && types.as_ref().is_none_or(|l| l.contains(&e.kind))
                && entities.as_ref().is_none_or(|l| l.iter().any(|x| x == e.entity_type))
                && entity_ids.as_ref().is_none_or(|l| l.contains(&e.entity_id))
                && created_by.as_ref().is_none_or(|l| l.contains(&e.created_by))
                && created_at.is_none_or(|r| r.contains(e.created_at))
        })
        .collect();
    // Newest first; the feed order is the tie-breaker.
    found.reverse();
    found.sort_by_key(|e| std::cmp::Reverse(e.created_at));
    let items = found
        .iter()
        .map(|e| render(&store, &state.base_url, e, &params))
        .collect();
    Ok(hal_page(
        &state.url(PATH),
        &params,
        paging,
        "events",
        items,
        Totals::Hidden,
    ))
}

async fn get_one(State(state): State<AppState>, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let store = state.store();
    let event = store
        .activity
        .events
        .iter()
        .find(|e| e.id == id)
        .ok_or_else(|| Problem::not_found("Event not found"))?;
    Ok(hal(render(&store, &state.base_url, event, &params)))
}
