//! Incoming leads (`/api/v4/leads/unsorted`: list, get, accept, decline), loss reasons
//! (`/api/v4/leads/loss_reasons`) and sources (`/api/v4/sources`).
//!
//! Accepting moves the lead out of "Incoming leads" (to `status_id` or the pipeline's first
//! regular stage) and records `lead_status_changed`; declining deletes the lead. Either way the
//! incoming entry disappears, so a second accept or decline is a 404.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{delete, get, post};
use axum::Router;
use serde_json::{json, Value};

use super::activity::Unsorted;
use super::http::{hal, parse_id, self_link, ApiResult, Problem};
use super::list::{hal_page, Totals};
use super::query::{Direction, Params};
use super::store::{now, Store};
use super::write::{parse_body, ItemCtx};
use super::AppState;

const PATH: &str = "/api/v4/leads/unsorted";

/// The incoming-lead, loss-reason and source routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(PATH, get(list))
        .route("/api/v4/leads/unsorted/{uid}", get(get_one))
        .route("/api/v4/leads/unsorted/{uid}/accept", post(accept))
        .route("/api/v4/leads/unsorted/{uid}/decline", delete(decline))
        .route("/api/v4/leads/loss_reasons", get(loss_reasons))
        .route("/api/v4/leads/loss_reasons/{id}", get(loss_reason))
        .route("/api/v4/sources", get(sources))
        .route("/api/v4/sources/{id}", get(source))
}

fn render(store: &Store, base: &str, u: &Unsorted) -> Value {
    let contacts: Vec<Value> = u
        .contact_ids
        .iter()
        .map(|id| json!({ "id": id, "_links": self_link(format!("{base}/api/v4/contacts/{id}")) }))
        .collect();
    json!({
        "uid": u.uid,
        "source_uid": u.source_uid,
        "source_name": u.source_name,
        "category": u.category,
        "pipeline_id": u.pipeline_id,
        "created_at": u.created_at,
        "metadata": u.metadata,
        "account_id": store.account.id,
        "_links": self_link(format!("{base}{PATH}/{}", u.uid)),
        "_embedded": {
            "leads": [{ "id": u.lead_id, "_links": self_link(format!("{base}/api/v4/leads/{}", u.lead_id)) }],
            "contacts": contacts,
            "companies": [],
        },
    })
}

async fn list(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let paging = params.paging()?;
    let filter = params.filter();
    let uids = filter.strings("uid");
    let categories = filter.strings("category");
    let pipelines = filter.ids("pipeline_id")?;
    let order = params.order()?;
    let store = state.store();
    let mut found: Vec<&Unsorted> = store
        .activity
        .unsorted
        .iter()
        .filter(|u| {
            uids.as_ref().is_none_or(|l| l.contains(&u.uid))
                && categories.as_ref().is_none_or(|l| l.contains(&u.category))
                && pipelines.as_ref().is_none_or(|l| l.contains(&u.pipeline_id))
        })
        .collect();
    found.sort_by_key(|u| u.created_at);
    if order.as_ref().is_some_and(|o| o.direction == Direction::Desc) {
        found.reverse();
    }
    let items = found.iter().map(|u| render(&store, &state.base_url, u)).collect();
    Ok(hal_page(
        &state.url(PATH),
        &params,
        paging,
        "unsorted",
        items,
        Totals::Shown,
    ))
}

async fn get_one(State(state): State<AppState>, Path(uid): Path<String>) -> ApiResult {
    let store = state.store();
    let u = store
        .activity
        .unsorted
        .iter()
        .find(|u| u.uid == uid)
        .ok_or_else(|| Problem::not_found("Unsorted not found"))?;
    Ok(hal(render(&store, &state.base_url, u)))
}

/// Reads `{user_id?, status_id?}` (an empty body is fine).
fn read_body(store: &Store, body: &[u8], with_status: bool) -> Result<(Option<i64>, Option<i64>), Problem> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok((None, None));
    }
    let value = parse_body(body)?;
    let Some(object) = value.as_object() else {
        let mut ctx = ItemCtx::new(0, None);
        ctx.invalid_type("", "object");
        return Err(Problem::validation(ctx.into_errors().into_iter().collect()));
    };
    let mut ctx = ItemCtx::new(0, Some(object));
    let user = ctx.user_id(store, object.get("user_id"), "user_id");
    let status = if with_status {
        ctx.int(object.get("status_id"), "status_id")
    } else {
        None
    };
    match ctx.into_errors() {
        Some(errors) => Err(Problem::validation(vec![errors])),
        None => Ok((user, status)),
    }
}

fn take(store: &mut Store, uid: &str) -> Result<Unsorted, Problem> {
    let index = store
        .activity
        .unsorted
        .iter()
        .position(|u| u.uid == uid)
        .ok_or_else(|| Problem::not_found("Unsorted not found"))?;
    Ok(store.activity.unsorted.remove(index))
}

fn answer(state: &AppState, store: &Store, u: &Unsorted) -> Value {
    let mut body = render(store, &state.base_url, u);
    if let Some(o) = body.as_object_mut() {
        for key in [
            "source_uid",
            "source_name",
            "category",
            "pipeline_id",
            "created_at",
            "metadata",
        ] {
            o.remove(key);
        }
    }
    body
}

async fn accept(State(state): State<AppState>, Path(uid): Path<String>, body: Bytes) -> ApiResult {
    let mut store = state.store();
    let (user, status) = read_body(&store, &body, true)?;
    let Some(u) = store.activity.unsorted.iter().find(|u| u.uid == uid).cloned() else {
        return Err(Problem::not_found("Unsorted not found"));
    };
    let pipeline = store.pipelines.get(u.pipeline_id).cloned();
    let target = match (status, &pipeline) {
        (Some(s), Some(p)) if p.status(s).is_some_and(|st| st.kind == 0) => s,
        (Some(_), _) => {
            let mut ctx = ItemCtx::new(0, None);
            ctx.not_supported("status_id");
            return Err(Problem::validation(ctx.into_errors().into_iter().collect()));
        }
        (None, Some(p)) => p.first_open_status().map(|s| s.id).unwrap_or(0),
        (None, None) => 0,
    };
    let u = take(&mut store, &uid)?;
    let at = now();
    let actor = user.unwrap_or(store.account.current_user_id);
    let mut old = None;
    if let Some(lead) = store.leads.get_mut(u.lead_id) {
        old = Some((lead.pipeline_id, lead.status_id));
        lead.status_id = target;
        if let Some(user) = user {
            lead.core.responsible_user_id = user;
        }
        lead.core.touch(at, actor);
    }
    for id in &u.contact_ids {
        if let Some(c) = store.contacts.get_mut(*id) {
            c.is_unsorted = false;
        }
    }
    if let Some((pipeline_id, status_id)) = old {
        store.activity.record(
            "lead_status_changed",
            "lead",
            u.lead_id,
            actor,
            at,
            json!([{ "lead_status": { "id": status_id, "pipeline_id": pipeline_id } }]),
            json!([{ "lead_status": { "id": target, "pipeline_id": pipeline_id } }]),
        );
    }
    Ok(hal(answer(&state, &store, &u)))
}

async fn decline(State(state): State<AppState>, Path(uid): Path<String>, body: Bytes) -> ApiResult {
    let mut store = state.store();
    let (user, _) = read_body(&store, &body, false)?;
    let u = take(&mut store, &uid)?;
    let at = now();
    let actor = user.unwrap_or(store.account.current_user_id);
    if let Some(lead) = store.leads.get_mut(u.lead_id) {
        lead.core.is_deleted = true;
        lead.core.touch(at, actor);
    }
    store
        .activity
        .record("lead_deleted", "lead", u.lead_id, actor, at, json!([]), json!([]));
    Ok(hal(answer(&state, &store, &u)))
}

async fn loss_reasons(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let paging = params.paging()?;
    let store = state.store();
    let mut reasons: Vec<_> = store.activity.loss_reasons.iter().collect();
    reasons.sort_by_key(|r| (r.sort, r.id));
    let items = reasons
        .iter()
        .map(|r| {
            json!({
                "id": r.id, "name": r.name, "sort": r.sort, "created_at": r.created_at, "updated_at": r.updated_at,
                "_links": self_link(state.url(&format!("/api/v4/leads/loss_reasons/{}", r.id))),
            })
        })
        .collect();
    Ok(hal_page(
        &state.url("/api/v4/leads/loss_reasons"),
        &params,
        paging,
        "loss_reasons",
        items,
        Totals::Shown,
    ))
}

async fn loss_reason(State(state): State<AppState>, Path(segment): Path<String>) -> ApiResult {
    let store = state.store();
    let r = parse_id(&segment)
        .and_then(|id| store.activity.loss_reasons.get(id))
        .ok_or_else(|| Problem::not_found("Loss reason not found"))?;
    Ok(hal(json!({
        "id": r.id, "name": r.name, "sort": r.sort, "created_at": r.created_at, "updated_at": r.updated_at,
        "_links": self_link(state.url(&format!("/api/v4/leads/loss_reasons/{}", r.id))),
    })))
}

fn render_source(state: &AppState, s: &super::activity::Source) -> Value {
    json!({
        "id": s.id, "name": s.name, "pipeline_id": s.pipeline_id, "external_id": s.external_id,
        "services": [], "default": s.default, "origin_code": s.origin_code,
        "_links": self_link(state.url(&format!("/api/v4/sources/{}", s.id))),
    })
}

async fn sources(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let paging = params.paging()?;
    let external = params.filter().strings("external_id");
    let store = state.store();
    let items = store
        .activity
        .sources
        .iter()
        .filter(|s| external.as_ref().is_none_or(|l| l.contains(&s.external_id)))
        .map(|s| render_source(&state, s))
        .collect();
    Ok(hal_page(
        &state.url("/api/v4/sources"),
        &params,
        paging,
        "sources",
        items,
        Totals::Shown,
    ))
}

async fn source(State(state): State<AppState>, Path(segment): Path<String>) -> ApiResult {
    let store = state.store();
    let s = parse_id(&segment)
        .and_then(|id| store.activity.sources.get(id))
        .ok_or_else(|| Problem::not_found("Source not found"))?;
    Ok(hal(render_source(&state, s)))
}
