//! The list machinery shared by every collection: the HAL page envelope, the filters common to
//! leads/contacts/companies, `query=` search and `order[...]`.

use axum::response::Response;
use serde_json::{json, Map, Value};

use super::http::{hal, no_content, parse_id, ApiResult, Problem};
use super::query::{Direction, FieldCondition, Filter, Order, Paging, Params, Range};
use super::store::{Entity, EntityCore, Id, Store};
use super::MissingEntity;

/// Whether a list body carries `_total_items`/`_page_count` (custom fields, users) or not
/// (leads, contacts, companies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Totals {
    /// No totals, as on the main entity lists.
    Hidden,
    /// `_total_items`, `_page_count` and `_links.last`.
    Shown,
}

/// A HAL page: `_page`, `_links.self` (+ `next` when another page exists), `_embedded.{collection}`.
/// Answers 204 when the page is empty, as Kommo does for no results and for a page past the end.
pub fn hal_page(
    url: &str,
    params: &Params,
    paging: Paging,
    collection: &str,
    items: Vec<Value>,
    totals: Totals,
) -> Response {
    let total = items.len();
    let Some(window) = paging.window(total) else {
        return no_content();
    };
    let has_next = window.end < total;
    let page_items: Vec<Value> = items.into_iter().skip(window.start).take(window.len()).collect();
    page_body(url, params, paging, collection, page_items, total, has_next, totals)
}

/// Builds the page body from already-sliced items.
#[allow(clippy::too_many_arguments)]
fn page_body(
    url: &str,
    params: &Params,
    paging: Paging,
    collection: &str,
    items: Vec<Value>,
    total: usize,
    has_next: bool,
    totals: Totals,
) -> Response {
    let mut links = Map::new();
    links.insert(
        "self".into(),
        json!({ "href": params.page_href(url, paging, paging.page) }),
    );
    if has_next {
        links.insert(
            "next".into(),
            json!({ "href": params.page_href(url, paging, paging.page + 1) }),
        );
    }
    let mut body = Map::new();
    if totals == Totals::Shown {
        let page_count = paging.page_count(total);
        body.insert("_total_items".into(), json!(total));
        body.insert("_page_count".into(), json!(page_count));
        links.insert(
            "last".into(),
            json!({ "href": params.page_href(url, paging, page_count) }),
        );
    }
    body.insert("_page".into(), json!(paging.page));
    body.insert("_links".into(), Value::Object(links));
    body.insert("_embedded".into(), json!({ collection: items }));
    hal(Value::Object(body))
}

/// Lists one entity type: common filters, `query=`, `extra` (resource-specific filters),
/// `order[...]`, then the page. Only the returned page is rendered.
pub fn list_entities<T: Entity>(
    store: &Store,
    url: &str,
    params: &Params,
    extra: impl Fn(&T) -> bool,
    render: impl Fn(&T) -> Value,
) -> ApiResult {
    let paging = params.paging()?;
    let common = CommonFilter::parse(&params.filter())?;
    let search = params.search_text().map(Search::new);
    let order = params.order()?;
    let mut found: Vec<&T> = T::table(store)
        .iter()
        .filter(|e| {
            let core = e.core();
            !core.is_deleted && common.matches(core) && search.as_ref().is_none_or(|s| s.matches(core)) && extra(e)
        })
        .collect();
    sort(&mut found, order.as_ref());
    let Some(window) = paging.window(found.len()) else {
        return Ok(no_content());
    };
    let has_next = window.end < found.len();
    let items = found[window].iter().map(|e| render(e)).collect();
    let collection = T::TYPE.as_str();
    Ok(page_body(
        url,
        params,
        paging,
        collection,
        items,
        found.len(),
        has_next,
        Totals::Hidden,
    ))
}

/// `GET /api/v4/{e}/{id}`: the entity at the root. A missing id answers 204 (or 404 when the
/// sandbox is switched to it); a non-numeric id is an unknown route. `url` is the request URL.
pub fn get_entity<T: Entity>(
    store: &Store,
    missing: MissingEntity,
    url: &str,
    segment: &str,
    render: impl Fn(&T) -> Value,
) -> ApiResult {
    let Some(id) = parse_id(segment) else {
        return Err(Problem::no_route("GET", url));
    };
    match T::table(store).get(id).filter(|e| !e.core().is_deleted) {
        Some(entity) => Ok(hal(render(entity))),
        None => match missing {
            MissingEntity::NoContent => Ok(no_content()),
            MissingEntity::NotFound => Err(Problem::not_found(format!("Entity {id} not found"))),
        },
    }
}

/// Sorts by `order[created_at|updated_at|id]`; id ascending by default and as tie-breaker.
fn sort<T: Entity>(items: &mut [&T], order: Option<&Order>) {
    let key = |e: &&T| -> (i64, Id) {
        let core = e.core();
        let primary = match order.map(|o| o.field.as_str()) {
            Some("created_at") => core.created_at,
            Some("updated_at") => core.updated_at,
            _ => core.id,
        };
        (primary, core.id)
    };
    items.sort_by_key(key);
    if order.is_some_and(|o| o.direction == Direction::Desc) {
        items.reverse();
    }
}

/// Filters every main entity supports.
#[derive(Debug, Clone, Default)]
pub struct CommonFilter {
    ids: Option<Vec<Id>>,
    names: Option<Vec<String>>,
    responsible: Option<Vec<Id>>,
    created_by: Option<Vec<Id>>,
    updated_by: Option<Vec<Id>>,
    created_at: Option<Range>,
    updated_at: Option<Range>,
    closest_task_at: Option<Range>,
    custom_fields: Vec<FieldCondition>,
}

impl CommonFilter {
    /// Reads `filter[id]`, `filter[name]`, `filter[responsible_user_id]`, `filter[created_by]`,
    /// `filter[updated_by]`, `filter[created_at]`, `filter[updated_at]`, `filter[closest_task_at]`
    /// and `filter[custom_fields_values][<field_id>]` (values or `[from]`/`[to]`).
    pub fn parse(filter: &Filter) -> Result<Self, Problem> {
        Ok(Self {
            ids: filter.ids("id")?,
            names: filter
                .strings("name")
                .map(|names| names.into_iter().map(|n| n.to_lowercase()).collect()),
            responsible: filter.ids("responsible_user_id")?,
            created_by: filter.ids("created_by")?,
            updated_by: filter.ids("updated_by")?,
            created_at: filter.range("created_at")?,
            updated_at: filter.range("updated_at")?,
            closest_task_at: filter.range("closest_task_at")?,
            custom_fields: filter.custom_fields()?,
        })
    }

    /// Whether an entity passes every given filter. Names compare whole and case-insensitively.
    pub fn matches(&self, core: &EntityCore) -> bool {
        let within = |list: &Option<Vec<Id>>, v: Id| list.as_ref().is_none_or(|l| l.contains(&v));
        let in_range = |range: &Option<Range>, v: i64| range.is_none_or(|r| r.contains(v));
        within(&self.ids, core.id)
            && self
                .names
                .as_ref()
                .is_none_or(|names| names.contains(&core.name.to_lowercase()))
            && within(&self.responsible, core.responsible_user_id)
            && within(&self.created_by, core.created_by)
            && within(&self.updated_by, core.updated_by)
            && in_range(&self.created_at, core.created_at)
            && in_range(&self.updated_at, core.updated_at)
            && self
                .closest_task_at
                .is_none_or(|r| core.closest_task_at.is_some_and(|at| r.contains(at)))
            && self.custom_fields.iter().all(|c| c.matches(&core.custom_fields))
    }
}

/// `query=`: a case-insensitive substring of the name or of any custom field value. A query made
/// only of digits and phone punctuation also matches the digits of a value (`3001234567` finds
/// `+57 (300) 123-4567`). Nothing else is normalised: no country-code or trunk-prefix rewriting,
/// so a caller looking for a phone must still check which value matched.
#[derive(Debug, Clone)]
pub struct Search {
    lower: String,
    digits: Option<String>,
}

impl Search {
    /// Prepares a search for `text`.
    pub fn new(text: &str) -> Self {
        let phone_like = text.chars().any(|c| c.is_ascii_digit())
            && text.chars().all(|c| c.is_ascii_digit() || "+-(). ".contains(c));
        Self {
            lower: text.to_lowercase(),
            digits: phone_like.then(|| digits_of(text)),
        }
    }

    /// Whether the entity matches.
    pub fn matches(&self, core: &EntityCore) -> bool {
        if core.name.to_lowercase().contains(&self.lower) {
            return true;
        }
        core.custom_fields.iter().flat_map(|field| &field.values).any(|v| {
            let text = match &v.value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return false,
            };
            text.to_lowercase().contains(&self.lower)
                || self
                    .digits
                    .as_ref()
                    .is_some_and(|d| digits_of(&text).contains(d.as_str()))
        })
    }
}

/// The ASCII digits of `text`, in order.
pub fn digits_of(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// How list and get answers render one entity: `(store, base URL, entity, request params)`.
pub type RenderFn<T> = fn(&Store, &str, &T, &Params) -> Value;

/// The routes of a main entity type with no filters of its own (contacts, companies):
/// `GET|POST|PATCH /api/v4/{e}` (list, batch create, batch update) and `GET|PATCH
/// /api/v4/{e}/{id}`, each entity rendered by `render`.
pub fn entity_routes<T>(render: RenderFn<T>) -> axum::Router<super::AppState>
where
    T: super::write::Writable + Send + Sync + 'static,
{
    use super::write::{create_batch, update_batch, update_one};
    use super::AppState;
    use axum::body::Bytes;
    use axum::extract::{Path, RawQuery, State};
    use axum::routing::get;

    let base = format!("/api/v4/{}", T::TYPE.as_str());
    let list = move |State(state): State<AppState>, RawQuery(raw): RawQuery| async move {
        let params = Params::parse(raw.as_deref());
        let store = state.store();
        let url = state.url(&format!("/api/v4/{}", T::TYPE.as_str()));
        list_entities(
            &store,
            &url,
            &params,
            |_: &T| true,
            |e: &T| render(&store, &state.base_url, e, &params),
        )
    };
    let get_one = move |State(state): State<AppState>, Path(segment): Path<String>, RawQuery(raw): RawQuery| async move {
        let params = Params::parse(raw.as_deref());
        let store = state.store();
        let url = state.url(&format!("/api/v4/{}/{segment}", T::TYPE.as_str()));
        get_entity(&store, state.missing_entity(), &url, &segment, |e: &T| {
            render(&store, &state.base_url, e, &params)
        })
    };
    let create = |State(state): State<AppState>, body: Bytes| async move {
        create_batch::<T>(&mut state.store(), &state.base_url, &body)
    };
    let patch_many = |State(state): State<AppState>, body: Bytes| async move {
        update_batch::<T>(&mut state.store(), &state.base_url, &body)
    };
    let patch_one = |State(state): State<AppState>, Path(segment): Path<String>, body: Bytes| async move {
        let Some(id) = parse_id(&segment) else {
            return Err(Problem::no_route(
                "PATCH",
                &state.url(&format!("/api/v4/{}/{segment}", T::TYPE.as_str())),
            ));
        };
        update_one::<T>(&mut state.store(), &state.base_url, id, &body)
    };
    axum::Router::new()
        .route(&base, get(list).post(create).patch(patch_many))
        .route(&format!("{base}/{{id}}"), get(get_one).patch(patch_one))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::store::{FieldValue, FieldValues};

    fn core_with_phone(phone: &str) -> EntityCore {
        let mut core = EntityCore::new(1, "Someone".into(), 1, 0, 0);
        core.custom_fields.push(FieldValues {
            field_id: 1,
            values: vec![FieldValue {
                value: json!(phone),
                enum_id: None,
            }],
        });
        core
    }

    #[test]
    fn phone_digits_match_any_punctuation() {
        let search = Search::new("3001234567");
        assert!(search.matches(&core_with_phone("+57 (300) 123-4567")));
        assert!(search.matches(&core_with_phone("300.123.4567")));
        assert!(!search.matches(&core_with_phone("+57 300 123 4560")));
    }

    #[test]
    fn text_queries_do_not_strip_punctuation() {
        let search = Search::new("someone@x.co");
        assert!(!search.matches(&core_with_phone("+57 300")));
        assert!(Search::new("SOME").matches(&core_with_phone("")));
    }
}
