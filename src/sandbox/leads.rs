//! `/api/v4/leads`: list (common filters plus `filter[pipeline_id]`, `filter[statuses]`,
//! `filter[price]`; `query=`; `with=contacts`), get by id, batch create, batch and single update.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};

use super::contacts::embedded_company;
use super::embed;
use super::field_values;
use super::http::{parse_id, self_link, ApiResult, Problem};
use super::list::{get_entity, list_entities};
use super::query::{Filter, Params, Range};
use super::store::{now, EntityCore, EntityRef, EntityType, Id, Lead, Pipeline, Store, STATUS_LOST, STATUS_WON};
use super::write::{self, ItemCtx, Writable};
use super::AppState;

const PATH: &str = "/api/v4/leads";

/// The lead routes (pipelines and custom fields live in their own modules).
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(PATH, get(list).post(create).patch(update_batch))
        .route("/api/v4/leads/{id}", get(get_one).patch(update_one))
}

async fn list(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let filter = LeadFilter::parse(&params.filter())?;
    let store = state.store();
    let render = |l: &Lead| render(&store, &state.base_url, l, &params);
    list_entities(&store, &state.url(PATH), &params, |l| filter.matches(l), render)
}

async fn get_one(State(state): State<AppState>, Path(segment): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let store = state.store();
    let url = state.url(&format!("{PATH}/{segment}"));
    let render = |l: &Lead| render(&store, &state.base_url, l, &params);
    get_entity(&store, state.missing_entity(), &url, &segment, render)
}

async fn create(State(state): State<AppState>, body: Bytes) -> ApiResult {
    write::create_batch::<Lead>(&mut state.store(), &state.base_url, &body)
}

async fn update_batch(State(state): State<AppState>, body: Bytes) -> ApiResult {
    write::update_batch::<Lead>(&mut state.store(), &state.base_url, &body)
}

async fn update_one(State(state): State<AppState>, Path(segment): Path<String>, body: Bytes) -> ApiResult {
    let Some(id) = parse_id(&segment) else {
        return Err(Problem::no_route("PATCH", &state.url(&format!("{PATH}/{segment}"))));
    };
    write::update_one::<Lead>(&mut state.store(), &state.base_url, id, &body)
}

/// Lead-only filters.
#[derive(Debug, Default)]
struct LeadFilter {
    pipelines: Option<Vec<Id>>,
    /// `(pipeline_id, status_id)` pairs; either side may be absent.
    statuses: Vec<(Option<Id>, Option<Id>)>,
    price: Option<Range>,
}

impl LeadFilter {
    fn parse(filter: &Filter) -> Result<Self, Problem> {
        let mut statuses = Vec::new();
        for group in filter.groups("statuses") {
            let id = |key: &str| -> Result<Option<Id>, Problem> {
                group
                    .get(key)
                    .map(|v| {
                        v.trim().parse::<Id>().map_err(|_| {
                            Problem::bad_request(format!("Invalid value '{v}' for filter[statuses][][{key}]"))
                        })
                    })
                    .transpose()
            };
            statuses.push((id("pipeline_id")?, id("status_id")?));
        }
        Ok(Self {
            pipelines: filter.ids("pipeline_id")?,
            statuses,
            price: filter.range("price")?,
        })
    }

    fn matches(&self, lead: &Lead) -> bool {
        self.pipelines.as_ref().is_none_or(|p| p.contains(&lead.pipeline_id))
            && (self.statuses.is_empty()
                || self.statuses.iter().any(|(pipeline, status)| {
                    pipeline.is_none_or(|p| p == lead.pipeline_id) && status.is_none_or(|s| s == lead.status_id)
                }))
            && self.price.is_none_or(|r| r.contains(lead.price))
    }
}

/// A lead as Kommo returns it. `_embedded.tags` and `companies` always, `contacts` with
/// `with=contacts`.
fn render(store: &Store, base: &str, lead: &Lead, params: &Params) -> Value {
    let core = &lead.core;
    let me = EntityRef::new(EntityType::Leads, core.id);
    let mut embedded = Map::new();
    embedded.insert("tags".into(), embed::tags(store, EntityType::Leads, &core.tag_ids));
    embedded.insert(
        "companies".into(),
        embed::linked(store, base, me, EntityType::Companies),
    );
    if params.has_with("contacts") {
        embedded.insert("contacts".into(), embed::lead_contacts(store, base, core.id));
    }
    if params.has_with("catalog_elements") {
        let elements: Vec<Value> = store
            .lists
            .links_of(me)
            .map(|l| json!({ "id": l.element_id, "metadata": { "quantity": l.quantity, "catalog_id": l.catalog_id } }))
            .collect();
        embedded.insert("catalog_elements".into(), Value::Array(elements));
    }
    let mut body = json!({
        "id": core.id,
        "name": core.name,
        "price": lead.price,
        "responsible_user_id": core.responsible_user_id,
        "group_id": core.group_id,
        "status_id": lead.status_id,
        "pipeline_id": lead.pipeline_id,
        "loss_reason_id": lead.loss_reason_id,
        "created_by": core.created_by,
        "updated_by": core.updated_by,
        "created_at": core.created_at,
        "updated_at": core.updated_at,
        "closed_at": lead.closed_at,
        "closest_task_at": core.closest_task_at,
        "is_deleted": core.is_deleted,
        "custom_fields_values": field_values::render(store, EntityType::Leads, &core.custom_fields),
        "score": lead.score,
        "account_id": store.account.id,
        "labor_cost": lead.labor_cost,
        "is_price_computed": false,
        "_links": self_link(embed::href(base, EntityType::Leads, core.id)),
        "_embedded": embedded,
    });
    if params.has_with("source_id") {
        body["source_id"] = Value::Null;
    }
    if params.has_with("is_price_modified_by_robot") {
        body["is_price_modified_by_robot"] = json!(false);
    }
    body
}

/// Lead-specific fields of a write.
#[derive(Debug, Default)]
pub struct LeadChanges {
    price: Option<i64>,
    /// New `(pipeline_id, status_id)`, validated together.
    placement: Option<(Id, Id)>,
    loss_reason_id: Option<Id>,
    closed_at: Option<i64>,
    /// `_embedded.contacts` on create: `(id, is_main)`.
    contacts: Vec<(Id, bool)>,
    /// `_embedded.companies[0]` on create.
    company: Option<Id>,
}

impl Writable for Lead {
    type Extra = LeadChanges;

    fn parse_extra(
        ctx: &mut ItemCtx,
        store: &Store,
        item: &Map<String, Value>,
        existing: Option<&Self>,
    ) -> LeadChanges {
        let price = ctx.int(item.get("price"), "price");
        let placement = placement(ctx, store, item, existing);
        let (contacts, company) = if existing.is_none() {
            (embedded_contacts(ctx, store, item), embedded_company(ctx, store, item))
        } else {
            (Vec::new(), None)
        };
        LeadChanges {
            price,
            placement,
            loss_reason_id: ctx.int(item.get("loss_reason_id"), "loss_reason_id"),
            closed_at: ctx.int(item.get("closed_at"), "closed_at"),
            contacts,
            company,
        }
    }

    fn blank(store: &Store, id: Id, now: i64, user: Id) -> Self {
        let pipeline = store.main_pipeline();
        Lead {
            core: EntityCore::new(id, String::new(), user, now, now),
            price: 0,
            pipeline_id: pipeline.map_or(0, |p| p.id),
            status_id: pipeline.and_then(default_status).unwrap_or(0),
            loss_reason_id: None,
            closed_at: None,
            score: None,
            labor_cost: None,
        }
    }

    fn apply_extra(store: &mut Store, id: Id, extra: LeadChanges, creating: bool) {
        let me = EntityRef::new(EntityType::Leads, id);
        let main = extra.contacts.iter().any(|(_, is_main)| *is_main);
        for (i, (contact, is_main)) in extra.contacts.iter().enumerate() {
            let is_main = *is_main || (!main && i == 0);
            store.link(me, EntityRef::new(EntityType::Contacts, *contact), is_main);
        }
        if let Some(company) = extra.company {
            store.link(me, EntityRef::new(EntityType::Companies, company), false);
        }
        let Some(lead) = store.leads.get_mut(id) else {
            return;
        };
        if let Some(price) = extra.price {
            lead.price = price;
        }
        let mut moved = None;
        if let Some((pipeline, status)) = extra.placement {
            if !creating && (lead.pipeline_id, lead.status_id) != (pipeline, status) {
                moved = Some(((lead.pipeline_id, lead.status_id), (pipeline, status)));
            }
            lead.pipeline_id = pipeline;
            lead.status_id = status;
        }
        if extra.loss_reason_id.is_some() {
            lead.loss_reason_id = extra.loss_reason_id;
        }
        let closed = lead.status_id == STATUS_WON || lead.status_id == STATUS_LOST;
        lead.closed_at = match (extra.closed_at, closed) {
            (Some(at), _) => Some(at),
            (None, true) => lead
                .closed_at
                .or(Some(if creating { lead.core.created_at } else { now() })),
            (None, false) => None,
        };
        if let Some(((p0, s0), (p1, s1))) = moved {
            let user = lead.core.updated_by;
            store.activity.record(
                "lead_status_changed",
                "lead",
                id,
                user,
                now(),
                json!([{ "lead_status": { "id": s0, "pipeline_id": p0 } }]),
                json!([{ "lead_status": { "id": s1, "pipeline_id": p1 } }]),
            );
        }
    }
}

/// Where the lead goes: a given pipeline and/or status, validated as a pair. Without a status the
/// lead lands in the first regular stage; without a pipeline it stays where it is (or, on create,
/// goes to the main pipeline). A status outside the pipeline is `NotSupportedChoice`.
fn placement(ctx: &mut ItemCtx, store: &Store, item: &Map<String, Value>, existing: Option<&Lead>) -> Option<(Id, Id)> {
    let pipeline_id = ctx.int(item.get("pipeline_id"), "pipeline_id");
    let status_id = ctx.int(item.get("status_id"), "status_id");
    if !ctx.is_ok() || (pipeline_id.is_none() && status_id.is_none() && existing.is_some()) {
        return None;
    }
    let pipeline: &Pipeline = match pipeline_id {
        Some(id) => match store.pipelines.get(id) {
            Some(p) => p,
            None => {
                ctx.not_supported("pipeline_id");
                return None;
            }
        },
        None => match existing
            .and_then(|l| store.pipelines.get(l.pipeline_id))
            .or(store.main_pipeline())
        {
            Some(p) => p,
            None => {
                ctx.not_supported("pipeline_id");
                return None;
            }
        },
    };
    let status = match status_id {
        Some(id) if pipeline.status(id).is_some() => id,
        Some(_) => {
            ctx.not_supported("status_id");
            return None;
        }
        None => match default_status(pipeline) {
            Some(id) => id,
            None => {
                ctx.missing("status_id");
                return None;
            }
        },
    };
    Some((pipeline.id, status))
}

/// The stage a lead lands in when none is given.
fn default_status(pipeline: &Pipeline) -> Option<Id> {
    pipeline.first_open_status().or(pipeline.statuses.first()).map(|s| s.id)
}

/// `_embedded.contacts[{id, is_main?}]` of a lead create.
fn embedded_contacts(ctx: &mut ItemCtx, store: &Store, item: &Map<String, Value>) -> Vec<(Id, bool)> {
    let Some(embedded) = item.get("_embedded").and_then(Value::as_object) else {
        return Vec::new();
    };
    let Some(contacts) = ctx.array(embedded.get("contacts"), "_embedded.contacts") else {
        return Vec::new();
    };
    let mut linked = Vec::new();
    for (i, contact) in contacts.iter().enumerate() {
        let path = format!("_embedded.contacts.{i}");
        let id_path = format!("{path}.id");
        match ctx.int(contact.get("id"), &id_path) {
            Some(id) if store.contacts.contains(id) => {
                let is_main = ctx.boolean(contact.get("is_main"), &format!("{path}.is_main"));
                linked.push((id, is_main.unwrap_or(false)));
            }
            Some(_) => ctx.not_supported(&id_path),
            None if contact.get("id").is_none() => ctx.missing(&id_path),
            None => {}
        }
    }
    linked
}
