//! `/api/v4/catalogs`: catalogs (list, get), their field definitions, and elements (list with
//! `query=` and `filter[id]`, get, batch create, batch and single update).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};

use super::http::{hal, parse_id, self_link, ApiResult, Problem};
use super::list::{hal_page, Totals};
use super::query::Params;
use super::store::{now, Catalog, CatalogElement, Id, Store};
use super::write::{batch_items, parse_body, ItemCtx};
use super::AppState;

/// The catalog routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v4/catalogs", get(list_catalogs))
        .route("/api/v4/catalogs/{id}", get(get_catalog))
        .route("/api/v4/catalogs/{id}/custom_fields", get(list_fields))
        .route(
            "/api/v4/catalogs/{id}/elements",
            get(list_elements).post(create_elements).patch(update_elements),
        )
        .route(
            "/api/v4/catalogs/{id}/elements/{element_id}",
            get(get_element).patch(update_element),
        )
}

fn catalog_href(base: &str, id: Id) -> String {
    format!("{base}/api/v4/catalogs/{id}")
}

fn render_catalog(store: &Store, base: &str, c: &Catalog) -> Value {
    json!({
        "id": c.id,
        "name": c.name,
        "created_by": store.account.current_user_id,
        "updated_by": store.account.current_user_id,
        "created_at": c.created_at,
        "updated_at": c.created_at,
        "sort": c.sort,
        "type": c.kind,
        "can_add_elements": true,
        "can_show_in_cards": c.kind == "products",
        "can_link_multiple": true,
        "can_be_deleted": c.kind != "products",
        "sdk_widget_code": null,
        "account_id": store.account.id,
        "_links": self_link(catalog_href(base, c.id)),
    })
}

fn render_element(store: &Store, base: &str, e: &CatalogElement) -> Value {
    let catalog = store.lists.catalogs.get(e.catalog_id);
    let fields: Vec<Value> = e
        .fields
        .iter()
        .map(|(field_id, values)| {
            let def = catalog.and_then(|c| c.fields.iter().find(|f| f.id == *field_id));
            json!({
                "field_id": field_id,
                "field_name": def.map(|f| f.name.clone()),
                "field_code": def.and_then(|f| f.code.clone()),
                "field_type": def.map(|f| f.kind),
                "values": values,
            })
        })
        .collect();
    json!({
        "id": e.id,
        "name": e.name,
        "created_by": e.created_by,
        "updated_by": e.updated_by,
        "created_at": e.created_at,
        "updated_at": e.updated_at,
        "is_deleted": false,
        "custom_fields_values": if fields.is_empty() { Value::Null } else { Value::Array(fields) },
        "catalog_id": e.catalog_id,
        "account_id": store.account.id,
        "_links": self_link(format!("{}/elements/{}", catalog_href(base, e.catalog_id), e.id)),
    })
}

async fn list_catalogs(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let paging = params.paging()?;
    let store = state.store();
    let mut catalogs: Vec<&Catalog> = store.lists.catalogs.iter().collect();
    catalogs.sort_by_key(|c| (c.sort, c.id));
    let items = catalogs
        .iter()
        .map(|c| render_catalog(&store, &state.base_url, c))
        .collect();
    Ok(hal_page(
        &state.url("/api/v4/catalogs"),
        &params,
        paging,
        "catalogs",
        items,
        Totals::Shown,
    ))
}

fn catalog<'s>(store: &'s Store, segment: &str) -> Result<&'s Catalog, Problem> {
    parse_id(segment)
        .and_then(|id| store.lists.catalogs.get(id))
        .ok_or_else(|| Problem::not_found("Catalog not found"))
}

async fn get_catalog(State(state): State<AppState>, Path(segment): Path<String>) -> ApiResult {
    let store = state.store();
    let c = catalog(&store, &segment)?;
    Ok(hal(render_catalog(&store, &state.base_url, c)))
}

async fn list_fields(State(state): State<AppState>, Path(segment): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let paging = params.paging()?;
    let store = state.store();
    let c = catalog(&store, &segment)?;
    let items = c
        .fields
        .iter()
        .map(|f| {
            json!({
                "id": f.id,
                "name": f.name,
                "type": f.kind,
                "code": f.code,
                "sort": f.sort,
                "is_api_only": false,
                "enums": null,
                "catalog_id": c.id,
                "account_id": store.account.id,
                "_links": self_link(format!("{}/custom_fields/{}", catalog_href(&state.base_url, c.id), f.id)),
            })
        })
        .collect();
    let url = state.url(&format!("/api/v4/catalogs/{}/custom_fields", c.id));
    Ok(hal_page(&url, &params, paging, "custom_fields", items, Totals::Shown))
}

async fn list_elements(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let paging = params.paging()?;
    let ids = params.filter().ids("id")?;
    let search = params.search_text().map(str::to_lowercase);
    let store = state.store();
    let c = catalog(&store, &segment)?;
    let items = store
        .lists
        .elements
        .iter()
        .filter(|e| e.catalog_id == c.id)
        .filter(|e| ids.as_ref().is_none_or(|ids| ids.contains(&e.id)))
        .filter(|e| {
            search.as_ref().is_none_or(|q| {
                e.name.to_lowercase().contains(q)
                    || e.fields.iter().flat_map(|(_, v)| v).any(|v| match v.get("value") {
                        Some(Value::String(s)) => s.to_lowercase().contains(q),
                        Some(Value::Number(n)) => n.to_string().contains(q),
                        _ => false,
                    })
            })
        })
        .map(|e| render_element(&store, &state.base_url, e))
        .collect();
    let url = state.url(&format!("/api/v4/catalogs/{}/elements", c.id));
    Ok(hal_page(&url, &params, paging, "elements", items, Totals::Hidden))
}

async fn get_element(State(state): State<AppState>, Path((segment, element)): Path<(String, String)>) -> ApiResult {
    let store = state.store();
    let c = catalog(&store, &segment)?;
    let e = parse_id(&element)
        .and_then(|id| store.lists.elements.get(id))
        .filter(|e| e.catalog_id == c.id)
        .ok_or_else(|| Problem::not_found("Element not found"))?;
    Ok(hal(render_element(&store, &state.base_url, e)))
}

/// A validated element write.
struct ElementWrite {
    request_id: String,
    id: Option<Id>,
    name: Option<String>,
    fields: Option<Vec<(Id, Vec<Value>)>>,
}

fn validate(
    store: &Store,
    c: &Catalog,
    item: &Value,
    index: usize,
    target: Option<Option<Id>>,
) -> Result<ElementWrite, ItemCtx> {
    let object = item.as_object();
    let mut ctx = ItemCtx::new(index, object);
    let Some(object) = object else {
        ctx.invalid_type("", "object");
        return Err(ctx);
    };
    let id = match target {
        None => None,
        Some(Some(id)) => Some(id),
        Some(None) => match ctx.int(object.get("id"), "id") {
            Some(id) if store.lists.elements.get(id).is_some_and(|e| e.catalog_id == c.id) => Some(id),
            Some(_) => {
                ctx.not_supported("id");
                None
            }
            None => {
                ctx.missing("id");
                None
            }
        },
    };
    let name = ctx.string(object.get("name"), "name");
    if target.is_none() && name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        ctx.missing("name");
    }
    let fields = ctx
        .array(object.get("custom_fields_values"), "custom_fields_values")
        .map(|items| {
            let mut out = Vec::new();
            for (i, f) in items.iter().enumerate() {
                let path = format!("custom_fields_values.{i}");
                let def = f
                    .get("field_id")
                    .and_then(Value::as_i64)
                    .and_then(|id| c.fields.iter().find(|d| d.id == id))
                    .or_else(|| {
                        f.get("field_code")
                            .and_then(Value::as_str)
                            .and_then(|code| c.fields.iter().find(|d| d.code.as_deref() == Some(code)))
                    });
                let Some(def) = def else {
                    ctx.not_supported(&format!("{path}.field_id"));
                    continue;
                };
                match f.get("values") {
                    Some(Value::Array(values)) if values.iter().all(|v| v.get("value").is_some()) => {
                        out.push((def.id, values.clone()));
                    }
                    Some(Value::Null) => out.push((def.id, Vec::new())),
                    _ => ctx.invalid_type(&format!("{path}.values"), "array"),
                }
            }
            out
        });
    if ctx.is_ok() {
        Ok(ElementWrite {
            request_id: ctx.request_id,
            id,
            name,
            fields,
        })
    } else {
        Err(ctx)
    }
}

fn validate_all(store: &Store, c: &Catalog, items: &[Value], updating: bool) -> Result<Vec<ElementWrite>, Problem> {
    let mut ok = Vec::new();
    let mut failed = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match validate(store, c, item, i, updating.then_some(None)) {
            Ok(w) => ok.push(w),
            Err(ctx) => failed.extend(ctx.into_errors()),
        }
    }
    if failed.is_empty() {
        Ok(ok)
    } else {
        Err(Problem::validation(failed))
    }
}

fn apply(store: &mut Store, catalog_id: Id, w: ElementWrite) -> Id {
    let (now, user) = (now(), store.account.current_user_id);
    let id = match w.id {
        Some(id) => id,
        None => {
            let id = store.lists.elements.next_id();
            store.lists.elements.insert(
                id,
                CatalogElement {
                    id,
                    catalog_id,
                    name: String::new(),
                    created_by: user,
                    updated_by: user,
                    created_at: now,
                    updated_at: now,
                    fields: Vec::new(),
                },
            );
            id
        }
    };
    if let Some(e) = store.lists.elements.get_mut(id) {
        if let Some(name) = w.name {
            e.name = name;
        }
        for (field_id, values) in w.fields.into_iter().flatten() {
            e.fields.retain(|(f, _)| *f != field_id);
            if !values.is_empty() {
                e.fields.push((field_id, values));
            }
        }
        if w.id.is_some() {
            e.updated_at = now.max(e.updated_at + 1);
            e.updated_by = user;
        }
    }
    id
}

fn element_echo(store: &Store, base: &str, id: Id, request_id: Option<String>) -> Value {
    let mut echo = Map::new();
    echo.insert("id".into(), json!(id));
    if let Some(e) = store.lists.elements.get(id) {
        echo.insert("name".into(), json!(e.name));
        echo.insert("updated_at".into(), json!(e.updated_at));
        echo.insert(
            "_links".into(),
            self_link(format!("{}/elements/{id}", catalog_href(base, e.catalog_id))),
        );
    }
    if let Some(r) = request_id {
        echo.insert("request_id".into(), json!(r));
    }
    Value::Object(echo)
}

async fn write_batch(state: AppState, segment: String, body: Bytes, updating: bool) -> ApiResult {
    let items = batch_items(&body)?;
    let mut store = state.store();
    let c = catalog(&store, &segment)?.clone();
    let valid = validate_all(&store, &c, &items, updating)?;
    let mut out = Vec::new();
    for w in valid {
        let request_id = w.request_id.clone();
        let id = apply(&mut store, c.id, w);
        out.push(element_echo(&store, &state.base_url, id, Some(request_id)));
    }
    Ok(hal(json!({
        "_links": self_link(format!("{}/elements", catalog_href(&state.base_url, c.id))),
        "_embedded": { "elements": out },
    })))
}

async fn create_elements(State(state): State<AppState>, Path(segment): Path<String>, body: Bytes) -> ApiResult {
    write_batch(state, segment, body, false).await
}

async fn update_elements(State(state): State<AppState>, Path(segment): Path<String>, body: Bytes) -> ApiResult {
    write_batch(state, segment, body, true).await
}

async fn update_element(
    State(state): State<AppState>,
    Path((segment, element)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let item = parse_body(&body)?;
    let mut store = state.store();
    let c = catalog(&store, &segment)?.clone();
    let id = parse_id(&element)
        .filter(|id| store.lists.elements.get(*id).is_some_and(|e| e.catalog_id == c.id))
        .ok_or_else(|| Problem::not_found("Element not found"))?;
    let w = validate(&store, &c, &item, 0, Some(Some(id)))
        .map_err(|ctx| Problem::validation(ctx.into_errors().into_iter().collect()))?;
    let id = apply(&mut store, c.id, w);
    Ok(hal(element_echo(&store, &state.base_url, id, None)))
}
