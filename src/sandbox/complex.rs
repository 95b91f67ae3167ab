//! `POST /api/v4/leads/complex`: a lead with one new (or existing) contact and company in one
//! request, at most 50 per request. The answer is a bare JSON array
//! `[{id, contact_id, company_id, request_id: [..], merged: false}]` (not HAL). The sandbox does
//! no duplicate control, so `merged` is always false. All-or-nothing like the other writes.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use serde_json::{json, Map, Value};

use super::http::{ApiResult, Problem};
use super::store::{Company, Contact, EntityRef, EntityType, Id, Lead, Store};
use super::write::{self, ItemCtx, Writable};
use super::AppState;

/// Kommo's limit of leads per complex request.
pub const MAX_COMPLEX: usize = 50;

/// The complex-lead route.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/v4/leads/complex", post(create))
}

async fn create(State(state): State<AppState>, body: Bytes) -> ApiResult {
    let items = match write::parse_body(&body)? {
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
    if items.len() > MAX_COMPLEX {
        return Err(Problem::bad_request(format!(
            "Too many leads in one complex request: {} (at most {MAX_COMPLEX})",
            items.len()
        )));
    }
    let mut guard = state.store();
    // Work on a copy so a failing item leaves the account untouched.
    let mut store: Store = guard.clone();
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let Some(object) = item.as_object() else {
            let mut ctx = ItemCtx::new(index, None);
            ctx.invalid_type("", "object");
            return Err(Problem::validation(ctx.into_errors().into_iter().collect()));
        };
        let request_id = ItemCtx::new(index, Some(object)).request_id;
        let mut lead = object.clone();
        let embedded = lead
            .remove("_embedded")
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default();
        let contact = one_of::<Contact>(&mut store, &state.base_url, &embedded, "contacts", &request_id)?;
        let company = one_of::<Company>(&mut store, &state.base_url, &embedded, "companies", &request_id)?;
        // Tags and other embedded keys stay with the lead.
        let mut rest = embedded;
        rest.remove("contacts");
        rest.remove("companies");
        rest.remove("metadata");
        rest.remove("source");
        if !rest.is_empty() {
            lead.insert("_embedded".into(), Value::Object(rest));
        }
        lead.insert("request_id".into(), json!(request_id));
        let lead_id = create_one::<Lead>(&mut store, &state.base_url, lead)?;
        let me = EntityRef::new(EntityType::Leads, lead_id);
        if let Some(c) = contact {
            store.link(me, EntityRef::new(EntityType::Contacts, c), true);
        }
        if let Some(c) = company {
            store.link(me, EntityRef::new(EntityType::Companies, c), false);
            if let Some(contact) = contact {
                store.link(
                    EntityRef::new(EntityType::Contacts, contact),
                    EntityRef::new(EntityType::Companies, c),
                    false,
                );
            }
        }
        out.push(json!({
            "id": lead_id,
            "contact_id": contact,
            "company_id": company,
            "request_id": [request_id],
            "merged": false,
        }));
    }
    *guard = store;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        Value::Array(out).to_string(),
    )
        .into_response())
}

/// The first `_embedded.<key>` entity: an existing one by `id`, or a new one created from it.
fn one_of<T: Writable>(
    store: &mut Store,
    base: &str,
    embedded: &Map<String, Value>,
    key: &str,
    request_id: &str,
) -> Result<Option<Id>, Problem> {
    let Some(first) = embedded.get(key).and_then(Value::as_array).and_then(|a| a.first()) else {
        return Ok(None);
    };
    let Some(object) = first.as_object() else {
        let mut ctx = ItemCtx::new(0, None);
        ctx.request_id = request_id.to_string();
        ctx.invalid_type(&format!("_embedded.{key}.0"), "object");
        return Err(Problem::validation(ctx.into_errors().into_iter().collect()));
    };
    if let Some(id) = object.get("id").and_then(Value::as_i64) {
        if T::table(store).contains(id) {
            return Ok(Some(id));
        }
        let mut ctx = ItemCtx::new(0, None);
        ctx.request_id = request_id.to_string();
        ctx.not_supported(&format!("_embedded.{key}.0.id"));
        return Err(Problem::validation(ctx.into_errors().into_iter().collect()));
    }
    let mut item = object.clone();
    item.insert("request_id".into(), json!(request_id));
    create_one::<T>(store, base, item).map(Some)
}

fn create_one<T: Writable>(store: &mut Store, base: &str, item: Map<String, Value>) -> Result<Id, Problem> {
    let body = Value::Array(vec![Value::Object(item)]).to_string();
    write::create_batch::<T>(store, base, body.as_bytes())?;
    // The new entity is the table's newest row.
    T::table(store)
        .iter()
        .map(|e| e.core().id)
        .max()
        .ok_or_else(|| Problem::bad_request("could not create the entity"))
}
