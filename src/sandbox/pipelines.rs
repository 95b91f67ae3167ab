//! `/api/v4/leads/pipelines`: list, get, create; statuses list and get. Statuses 142 and 143
//! exist in every pipeline, so a status is identified by `(pipeline_id, status_id)`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use super::http::{hal, parse_id, self_link, ApiResult, Problem};
use super::store::{NewPipeline, NewStatus, Pipeline, Status, Store, MAX_PIPELINES, MAX_STATUSES};
use super::write::{batch_items, ItemCtx};
use super::AppState;

const PATH: &str = "/api/v4/leads/pipelines";
/// Longest pipeline or status name Kommo accepts.
const MAX_NAME_CHARS: usize = 255;

/// The pipeline and status routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(PATH, get(list).post(create))
        .route("/api/v4/leads/pipelines/{id}", get(get_one))
        .route("/api/v4/leads/pipelines/{id}/statuses", get(list_statuses))
        .route("/api/v4/leads/pipelines/{id}/statuses/{status_id}", get(get_status))
}

async fn list(State(state): State<AppState>) -> ApiResult {
    let store = state.store();
    let mut pipelines: Vec<&Pipeline> = store.pipelines.iter().collect();
    pipelines.sort_by_key(|p| (p.sort, p.id));
    let items: Vec<Value> = pipelines.iter().map(|p| render(&store, &state.base_url, p)).collect();
    Ok(hal(collection(&state.url(PATH), "pipelines", items)))
}

async fn get_one(State(state): State<AppState>, Path(segment): Path<String>) -> ApiResult {
    let store = state.store();
    let pipeline = find(&store, &segment)?;
    Ok(hal(render(&store, &state.base_url, pipeline)))
}

async fn list_statuses(State(state): State<AppState>, Path(segment): Path<String>) -> ApiResult {
    let store = state.store();
    let pipeline = find(&store, &segment)?;
    let items: Vec<Value> = pipeline
        .statuses
        .iter()
        .map(|s| render_status(&store, &state.base_url, pipeline, s))
        .collect();
    let url = state.url(&format!("{PATH}/{}/statuses", pipeline.id));
    Ok(hal(collection(&url, "statuses", items)))
}

async fn get_status(State(state): State<AppState>, Path((segment, status)): Path<(String, String)>) -> ApiResult {
    let store = state.store();
    let pipeline = find(&store, &segment)?;
    let status = parse_id(&status)
        .and_then(|id| pipeline.status(id))
        .ok_or_else(|| Problem::not_found("Status not found"))?;
    Ok(hal(render_status(&store, &state.base_url, pipeline, status)))
}

/// `POST /api/v4/leads/pipelines`: an array of `{name, sort?, is_main?, is_unsorted_on?,
/// _embedded: {statuses: [{name, sort?, color?}]}}`; answers the created pipelines in full.
async fn create(State(state): State<AppState>, body: Bytes) -> ApiResult {
    let items = batch_items(&body)?;
    let mut store = state.store();
    if store.pipelines.len() + items.len() > MAX_PIPELINES {
        return Err(Problem::bad_request(format!(
            "Pipelines limit exceeded: an account can have at most {MAX_PIPELINES} pipelines"
        )));
    }
    let mut specs = Vec::with_capacity(items.len());
    let mut failed = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let mut ctx = ItemCtx::new(index, item.as_object());
        let spec = parse_pipeline(&mut ctx, item);
        match (spec, ctx.into_errors()) {
            (Some(spec), None) => specs.push(spec),
            (_, errors) => failed.extend(errors),
        }
    }
    if !failed.is_empty() {
        return Err(Problem::validation(failed));
    }
    let ids: Vec<_> = specs.into_iter().map(|spec| store.add_pipeline(spec)).collect();
    let created: Vec<Value> = ids
        .iter()
        .filter_map(|id| store.pipelines.get(*id))
        .map(|p| render(&store, &state.base_url, p))
        .collect();
    Ok(hal(collection(&state.url(PATH), "pipelines", created)))
}

fn parse_pipeline(ctx: &mut ItemCtx, item: &Value) -> Option<NewPipeline> {
    let Some(item) = item.as_object() else {
        ctx.invalid_type("", "object");
        return None;
    };
    let name = required_name(ctx, item.get("name"), "name");
    let sort = ctx.int(item.get("sort"), "sort");
    let is_main = ctx.boolean(item.get("is_main"), "is_main").unwrap_or(false);
    let is_unsorted_on = ctx
        .boolean(item.get("is_unsorted_on"), "is_unsorted_on")
        .unwrap_or(false);
    let embedded = item.get("_embedded").and_then(Value::as_object);
    let raw_statuses = ctx
        .array(embedded.and_then(|e| e.get("statuses")), "_embedded.statuses")
        .cloned()
        .unwrap_or_default();
    let system = 2 + usize::from(is_unsorted_on);
    if raw_statuses.len() + system > MAX_STATUSES {
        ctx.error(
            "LimitExceeded",
            "_embedded.statuses",
            format!("A pipeline can have at most {MAX_STATUSES} statuses"),
        );
    }
    let mut statuses = Vec::with_capacity(raw_statuses.len());
    for (i, raw) in raw_statuses.iter().enumerate() {
        let path = format!("_embedded.statuses.{i}");
        let Some(raw) = raw.as_object() else {
            ctx.invalid_type(&path, "object");
            continue;
        };
        let name = required_name(ctx, raw.get("name"), &format!("{path}.name"));
        let sort = ctx.int(raw.get("sort"), &format!("{path}.sort"));
        let color_path = format!("{path}.color");
        let color = ctx.string(raw.get("color"), &color_path);
        if color.as_deref().is_some_and(|c| !is_hex_color(c)) {
            ctx.not_supported(&color_path);
        }
        if let Some(name) = name {
            statuses.push(NewStatus { name, sort, color });
        }
    }
    Some(NewPipeline {
        name: name?,
        sort,
        is_main,
        is_unsorted_on,
        statuses,
    })
}

/// A required, non-blank name of at most 255 characters.
fn required_name(ctx: &mut ItemCtx, value: Option<&Value>, path: &str) -> Option<String> {
    let name = match value {
        None | Some(Value::Null) => {
            ctx.missing(path);
            return None;
        }
        Some(value) => ctx.string(Some(value), path)?,
    };
    if name.trim().is_empty() {
        ctx.missing(path);
        None
    } else if name.chars().count() > MAX_NAME_CHARS {
        ctx.error(
            "TooLong",
            path,
            format!("This value is too long. It should have {MAX_NAME_CHARS} characters or less."),
        );
        None
    } else {
        Some(name)
    }
}

fn is_hex_color(color: &str) -> bool {
    color.len() == 7 && color.starts_with('#') && color[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// The pipeline named by a path segment, or 404 "Pipeline not found".
fn find<'s>(store: &'s Store, segment: &str) -> Result<&'s Pipeline, Problem> {
    parse_id(segment)
        .and_then(|id| store.pipelines.get(id))
        .ok_or_else(|| Problem::not_found("Pipeline not found"))
}

/// `{_total_items, _links, _embedded: {name: items}}`.
fn collection(url: &str, name: &str, items: Vec<Value>) -> Value {
    json!({
        "_total_items": items.len(),
        "_links": self_link(url.to_string()),
        "_embedded": { name: items },
    })
}

/// A pipeline with its statuses, as Kommo returns it.
fn render(store: &Store, base: &str, pipeline: &Pipeline) -> Value {
    let statuses: Vec<Value> = pipeline
        .statuses
        .iter()
        .map(|s| render_status(store, base, pipeline, s))
        .collect();
    json!({
        "id": pipeline.id,
        "name": pipeline.name,
        "sort": pipeline.sort,
        "is_main": pipeline.is_main,
        "is_unsorted_on": pipeline.is_unsorted_on,
        "is_archive": pipeline.is_archive,
        "account_id": store.account.id,
        "_links": self_link(format!("{base}{PATH}/{}", pipeline.id)),
        "_embedded": { "statuses": statuses },
    })
}

fn render_status(store: &Store, base: &str, pipeline: &Pipeline, status: &Status) -> Value {
    json!({
        "id": status.id,
        "name": status.name,
        "sort": status.sort,
        "is_editable": status.is_editable,
        "pipeline_id": pipeline.id,
        "color": status.color,
        "type": status.kind,
        "account_id": store.account.id,
        "_links": self_link(format!("{base}{PATH}/{}/statuses/{}", pipeline.id, status.id)),
    })
}
