//! `GET /api/v4/account` with the `with=` extras clients commonly ask for.

use axum::extract::{RawQuery, State};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};

use super::http::{hal, self_link, ApiResult};
use super::query::Params;
use super::AppState;

/// The account route.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/v4/account", get(account))
}

async fn account(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let store = state.store();
    let a = &store.account;
    let mut body = json!({
        "id": a.id,
        "name": a.name,
        "subdomain": a.subdomain,
        "created_at": a.created_at,
        "created_by": 0,
        "updated_at": a.created_at,
        "updated_by": 0,
        "current_user_id": a.current_user_id,
        "country": a.country,
        "currency": a.currency,
        "currency_symbol": a.currency_symbol,
        "customers_mode": "disabled",
        "is_unsorted_on": true,
        "is_loss_reason_enabled": true,
        "is_helpbot_enabled": false,
        "is_technical_account": false,
        "contact_name_display_order": 1,
        "mobile_feature_version": 0,
        "_links": self_link(state.url("/api/v4/account")),
    });
    if params.has_with("amojo_id") {
        body["amojo_id"] = json!("5a1f7c3e-0b9d-4e6a-9c2f-31000001aa00");
    }
    if params.has_with("uuid") {
        body["uuid"] = json!("0c4e7d12-8f3a-4b51-a6d9-31000001bb00");
    }
    if params.has_with("version") {
        body["version"] = json!(21);
    }
    if params.has_with("is_api_filter_enabled") {
        body["is_api_filter_enabled"] = json!(true);
    }
    if params.has_with("drive_url") {
        body["drive_url"] = json!(state.url("/drive"));
    }
    let mut embedded = Map::new();
    if params.has_with("amojo_rights") {
        embedded.insert(
            "amojo_rights".into(),
            json!({ "can_direct": true, "can_create_groups": true }),
        );
    }
    if params.has_with("users_groups") {
        embedded.insert(
            "users_groups".into(),
            json!([{ "id": 0, "name": "Main group", "uuid": null }]),
        );
    }
    if params.has_with("task_types") {
        embedded.insert(
            "task_types".into(),
            json!([
                { "id": 1, "name": "Follow-up", "color": null, "icon_id": null, "code": "FOLLOW_UP" },
                { "id": 2, "name": "Meeting", "color": null, "icon_id": null, "code": "MEETING" },
            ]),
        );
    }
    if params.has_with("datetime_settings") {
        embedded.insert(
            "datetime_settings".into(),
            json!({
                "date_pattern": "d.m.Y H:i",
                "short_date_pattern": "d.m.Y",
                "short_time_pattern": "H:i",
                "date_format": "d.m.Y",
                "time_format": "H:i:s",
                "timezone": "America/Bogota",
                "timezone_offset": "-05:00",
            }),
        );
    }
    if !embedded.is_empty() {
        body["_embedded"] = Value::Object(embedded);
    }
    Ok(hal(body))
}
