//! `GET /api/v4/{leads|contacts|companies}/custom_fields` (paged, `_total_items`, `_page_count`,
//! `filter[id]`, `filter[type]`, `order[sort|id]`) and `GET …/custom_fields/{id}`.

use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use super::http::{hal, parse_id, self_link, ApiResult, Problem};
use super::list::{hal_page, Totals};
use super::query::{Direction, Params};
use super::store::{CustomField, EntityType, Store};
use super::AppState;

/// The custom field routes of every entity type.
pub(super) fn routes() -> Router<AppState> {
    [EntityType::Leads, EntityType::Contacts, EntityType::Companies]
        .into_iter()
        .fold(Router::new(), |router, entity| {
            let base = format!("/api/v4/{}/custom_fields", entity.as_str());
            router
                .route(
                    &base,
                    get(move |state: State<AppState>, raw: RawQuery| list(entity, state, raw)),
                )
                .route(
                    &format!("{base}/groups"),
                    get(move |state: State<AppState>| groups(entity, state)),
                )
                .route(
                    &format!("{base}/{{id}}"),
                    get(move |state: State<AppState>, id: Path<String>| get_one(entity, state, id)),
                )
        })
}

async fn list(entity: EntityType, State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let paging = params.paging()?;
    let filter = params.filter();
    let ids = filter.ids("id")?;
    let types = filter.strings("type");
    let store = state.store();
    let mut fields: Vec<&CustomField> = store
        .fields_of(entity)
        .into_iter()
        .filter(|f| ids.as_ref().is_none_or(|ids| ids.contains(&f.id)))
        .filter(|f| types.as_ref().is_none_or(|t| t.iter().any(|t| t == f.kind.as_str())))
        .collect();
    if let Some(order) = params.order()? {
        if order.field == "id" {
            fields.sort_by_key(|f| f.id);
        }
        if order.direction == Direction::Desc {
            fields.reverse();
        }
    }
    let items = fields.iter().map(|f| render(&store, &state.base_url, f)).collect();
    let url = state.url(&format!("/api/v4/{}/custom_fields", entity.as_str()));
    Ok(hal_page(&url, &params, paging, "custom_fields", items, Totals::Shown))
}

async fn get_one(entity: EntityType, State(state): State<AppState>, Path(segment): Path<String>) -> ApiResult {
    let store = state.store();
    let field = parse_id(&segment)
        .and_then(|id| store.field(entity, id))
        .ok_or_else(|| Problem::not_found("Custom field not found"))?;
    Ok(hal(render(&store, &state.base_url, field)))
}

/// `GET …/custom_fields/groups`: the account's one predefined group per entity ("Statistics"
/// for leads, "Info" otherwise), as Kommo lists them.
async fn groups(entity: EntityType, State(state): State<AppState>) -> ApiResult {
    let name = entity.as_str();
    let (id, title, kind) = match entity {
        EntityType::Leads => (format!("{name}_statistic"), "Statistics", "statistic"),
        _ => (format!("{name}_info"), "Info", "info"),
    };
    let url = state.url(&format!("/api/v4/{name}/custom_fields/groups"));
    Ok(hal(json!({
        "_total_items": 1,
        "_page": 1,
        "_page_count": 1,
        "_links": self_link(url.clone()),
        "_embedded": { "custom_field_groups": [{
            "id": id,
            "name": title,
            "is_predefined": true,
            "type": kind,
            "sort": 0,
            "entity_type": name,
            "_links": self_link(format!("{url}/{id}")),
        }]},
    })))
}

/// A field definition as Kommo returns it.
fn render(store: &Store, base: &str, field: &CustomField) -> Value {
    let enums = if field.kind.has_enums() {
        json!(field
            .enums
            .iter()
            .map(|e| json!({ "id": e.id, "value": e.value, "sort": e.sort }))
            .collect::<Vec<_>>())
    } else {
        Value::Null
    };
    let entity = field.entity_type.as_str();
    json!({
        "id": field.id,
        "name": field.name,
        "type": field.kind.as_str(),
        "account_id": store.account.id,
        "code": field.code,
        "sort": field.sort,
        "is_api_only": field.is_api_only,
        "enums": enums,
        "group_id": null,
        "required_statuses": [],
        "is_deletable": !field.is_predefined,
        "is_predefined": field.is_predefined,
        "entity_type": entity,
        "tracking_callback": null,
        "remind": null,
        "triggers": [],
        "currency": null,
        "hidden_statuses": [],
        "chained_lists": null,
        "settings": null,
        "_links": self_link(format!("{base}/api/v4/{entity}/custom_fields/{}", field.id)),
    })
}
