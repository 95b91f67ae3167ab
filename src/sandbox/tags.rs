//! `/api/v4/{leads|contacts|companies}/tags`: list (`query=` by name, `filter[id]`,
//! `filter[name]` exact) and create (an array; an existing name gives back the existing tag).
//! Attaching and detaching go through the entities' PATCH (`tags_to_add`, `tags_to_delete`).

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use super::http::{hal, self_link, ApiResult, Problem};
use super::list::{hal_page, Totals};
use super::query::Params;
use super::store::{EntityType, Tag};
use super::write::{batch_items, ItemCtx};
use super::AppState;

/// The tag routes of leads, contacts and companies.
pub(super) fn routes() -> Router<AppState> {
    [EntityType::Leads, EntityType::Contacts, EntityType::Companies]
        .into_iter()
        .fold(Router::new(), |router, entity| {
            router.route(
                &format!("/api/v4/{}/tags", entity.as_str()),
                get(move |s: State<AppState>, q: RawQuery| list(entity, s, q))
                    .post(move |s: State<AppState>, b: Bytes| create(entity, s, b)),
            )
        })
}

fn render(t: &Tag) -> Value {
    json!({ "id": t.id, "name": t.name, "color": t.color })
}

async fn list(entity: EntityType, State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let paging = params.paging()?;
    let filter = params.filter();
    let ids = filter.ids("id")?;
    let name = filter
        .strings("name")
        .and_then(|n| n.into_iter().next())
        .map(|n| n.to_lowercase());
    let search = params.search_text().map(str::to_lowercase);
    let store = state.store();
    let items = store
        .tags
        .iter()
        .filter(|t| t.entity_type == entity)
        .filter(|t| ids.as_ref().is_none_or(|ids| ids.contains(&t.id)))
        .filter(|t| name.as_ref().is_none_or(|n| t.name.to_lowercase() == *n))
        .filter(|t| search.as_ref().is_none_or(|q| t.name.to_lowercase().contains(q)))
        .map(render)
        .collect();
    let url = state.url(&format!("/api/v4/{}/tags", entity.as_str()));
    Ok(hal_page(&url, &params, paging, "tags", items, Totals::Hidden))
}

async fn create(entity: EntityType, State(state): State<AppState>, body: Bytes) -> ApiResult {
    let items = batch_items(&body)?;
    let mut valid = Vec::new();
    let mut failed = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let mut ctx = ItemCtx::new(i, item.as_object());
        let name = ctx.string(item.get("name"), "name");
        let color = ctx.string(item.get("color"), "color");
        match name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()) {
            Some(n) if ctx.is_ok() => valid.push((ctx.request_id.clone(), n, color)),
            None if ctx.is_ok() => ctx.missing("name"),
            _ => {}
        }
        failed.extend(ctx.into_errors());
    }
    if !failed.is_empty() {
        return Err(Problem::validation(failed));
    }
    let mut store = state.store();
    let mut out = Vec::new();
    for (request_id, name, color) in valid {
        let id = store.tag_id_for_name(entity, &name);
        if let (Some(c), Some(tag)) = (color, store.tags.get_mut(id)) {
            if tag.color.is_none() {
                tag.color = Some(c.trim_start_matches('#').to_string());
            }
        }
        if let Some(tag) = store.tags.get(id) {
            let mut v = render(tag);
            v["request_id"] = json!(request_id);
            out.push(v);
        }
    }
    Ok(hal(json!({
        "_total_items": out.len(),
        "_links": self_link(state.url(&format!("/api/v4/{}/tags", entity.as_str()))),
        "_embedded": { "tags": out },
    })))
}
