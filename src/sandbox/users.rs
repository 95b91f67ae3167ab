//! `GET /api/v4/users` (paged, with `_total_items`/`_page_count`) and `GET /api/v4/users/{id}`.

use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use super::http::{hal, parse_id, self_link, ApiResult, Problem};
use super::list::{hal_page, Totals};
use super::query::Params;
use super::store::User;
use super::AppState;

const PATH: &str = "/api/v4/users";

/// The user routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(PATH, get(list))
        .route("/api/v4/users/{id}", get(get_one))
}

async fn list(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let paging = params.paging()?;
    let store = state.store();
    let items = store
        .users
        .iter()
        .map(|u| render(&state.base_url, u, &params))
        .collect();
    Ok(hal_page(
        &state.url(PATH),
        &params,
        paging,
        "users",
        items,
        Totals::Shown,
    ))
}

async fn get_one(State(state): State<AppState>, Path(segment): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let store = state.store();
    let user = parse_id(&segment)
        .and_then(|id| store.users.get(id))
        .ok_or_else(|| Problem::not_found("User not found"))?;
    Ok(hal(render(&state.base_url, user, &params)))
}

/// A user as Kommo returns it (`rights` trimmed to the flags clients read).
fn render(base: &str, user: &User, params: &Params) -> Value {
    let delete = if user.is_admin { "A" } else { "D" };
    let entity_rights = json!({ "view": "A", "edit": "A", "add": "A", "delete": delete, "export": "A" });
    let mut body = json!({
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "lang": user.lang,
        "rights": {
            "leads": entity_rights,
            "contacts": entity_rights,
            "companies": entity_rights,
            "tasks": { "edit": "A", "delete": "A" },
            "mail_access": true,
            "catalog_access": true,
            "is_admin": user.is_admin,
            "is_free": false,
            "is_active": user.is_active,
            "group_id": null,
            "role_id": null,
        },
        "_links": self_link(format!("{base}{PATH}/{}", user.id)),
    });
    if params.has_with("role") || params.has_with("group") {
        body["_embedded"] = json!({ "roles": [], "groups": [] });
    }
    body
}
