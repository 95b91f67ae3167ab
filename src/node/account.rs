//! SDK functions beyond the original package: the account, users, the events feed, incoming
//! (unsorted) leads, loss reasons and sources.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::{Deserialize, Serialize};

use crate::api::account::{self, Account, LossReason, Source, User};
use crate::api::events::{self, Event, EventFilter};
use crate::api::unsorted::{self, Unsorted, UnsortedFilter};
use crate::node::args::{from_js, sdk, Failure};
use crate::node::leads::{opt_vec, OneOrMany, PageArgs};
use crate::node::shapes::{get_result, list_result};

get_result!(GetAccountResult, account, Account);
get_result!(GetUserResult, user, User);
list_result!(ListUsersResult, users, User);
list_result!(ListEventsResult, events, Event);
list_result!(ListUnsortedResult, unsorted, Unsorted);

/// One string or several.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Strings {
    One(String),
    Many(Vec<String>),
}

impl Strings {
    fn into_vec(self) -> Vec<String> {
        match self {
            Strings::One(s) => s
                .split(',')
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect(),
            Strings::Many(v) => v,
        }
    }
}

fn strings(v: Option<Strings>) -> Vec<String> {
    v.map(Strings::into_vec).unwrap_or_default()
}

/// Whether a JS value looks like a config object (has `accessToken`).
fn is_config(value: &Unknown) -> bool {
    if value.get_type().ok() != Some(ValueType::Object) || value.is_array().unwrap_or(true) {
        return false;
    }
    Object::from_unknown(*value)
        .and_then(|o| o.has_named_property("accessToken"))
        .unwrap_or(false)
}

/// Splits `(options?, config)` when a caller may also write `(config)`.
fn options_and_config<'e>(first: Unknown<'e>, second: Option<Unknown<'e>>) -> (Option<Unknown<'e>>, Unknown<'e>) {
    match second {
        Some(config) if config.get_type().ok() != Some(ValueType::Undefined) || !is_config(&first) => {
            (Some(first), config)
        }
        _ => (None, first),
    }
}

/// The account with `with=` extras (`task_types`, `users_groups`, `datetime_settings`,
/// `amojo_id`, `amojo_rights`, `version`, `entity_names`, `drive_url`, `uuid`,
/// `invoices_settings`, `is_api_filter_enabled`). Call `getAccount(with, config)` or `getAccount(config)`.
#[napi(
    ts_args_type = "withOrConfig: string[] | string | undefined | KommoConfigInput, config?: KommoConfigInput",
    ts_return_type = "Promise<GetAccountResult>"
)]
pub fn get_account<'e>(
    env: &'e Env,
    first: Unknown<'e>,
    second: Option<Unknown<'e>>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let (with, config) = options_and_config(first, second);
    let with: Option<Strings> = match with {
        Some(w) => from_js(env, "getAccount", "with", w)?,
        None => None,
    };
    sdk(env, config, move |client| async move {
        let with = strings(with);
        let with: Vec<&str> = with.iter().map(String::as_str).collect();
        Ok(GetAccountResult::ok(account::get(&client, &with).await?))
    })
}

/// Lists the account's users (`page`, `limit`, `with`: role, group, uuid, amojo_id, user_rank, phone_number).
#[napi(
    ts_args_type = "options: PageOptions | undefined | KommoConfigInput, config?: KommoConfigInput",
    ts_return_type = "Promise<ListUsersResult>"
)]
pub fn list_users<'e>(
    env: &'e Env,
    first: Unknown<'e>,
    second: Option<Unknown<'e>>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let (opts, config) = options_and_config(first, second);
    let paging: Option<PageArgs> = match opts {
        Some(o) => from_js(env, "listUsers", "options", o)?,
        None => None,
    };
    sdk(env, config, move |client| async move {
        let mut opts = paging.unwrap_or_default().options();
        opts.query = None;
        Ok(ListUsersResult::from(account::list_users(&client, &opts).await?))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetUserParams {
    user_id: i64,
}

/// One user by id (`{ userId }`).
#[napi(
    ts_args_type = "params: GetUserParams, config: KommoConfigInput",
    ts_return_type = "Promise<GetUserResult>"
)]
pub fn get_user<'e>(env: &'e Env, params: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let p: GetUserParams = from_js(env, "getUser", "params", params)?;
    sdk(env, config, move |client| async move {
        Ok(match account::get_user(&client, p.user_id).await? {
            Some(u) => GetUserResult::ok(u),
            None => GetUserResult::failure(format!("User with ID {} not found", p.user_id)),
        })
    })
}

/// Filters of `listEvents`.
#[derive(Debug, Default, Deserialize)]
struct ListEventsFilters {
    /// `lead`, `contact`, `company`, `task` (plurals accepted), or several.
    #[serde(default)]
    entity: Option<Strings>,
    #[serde(default)]
    entity_id: Option<OneOrMany>,
    /// Event types, e.g. `lead_status_changed`.
    #[serde(default, rename = "type", alias = "types")]
    kind: Option<Strings>,
    #[serde(default)]
    created_by: Option<OneOrMany>,
    #[serde(default)]
    created_at_from: Option<i64>,
    #[serde(default)]
    created_at_to: Option<i64>,
    #[serde(default)]
    ids: Option<Vec<String>>,
    #[serde(flatten)]
    paging: PageArgs,
}

/// The activity feed, newest first: `entity`, `entity_id` (≤ 10, with one entity), `type`,
/// `created_by` (≤ 10), `created_at_from/to`, `ids`, `page`, `limit`, `with`
/// (`lead_name`, `contact_name`, `company_name`...). Event ids are strings.
#[napi(
    ts_args_type = "filters: ListEventsFilters | undefined, config: KommoConfigInput",
    ts_return_type = "Promise<ListEventsResult>"
)]
pub fn list_events<'e>(env: &'e Env, filters: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let f: Option<ListEventsFilters> = from_js(env, "listEvents", "filters", filters)?;
    sdk(env, config, move |client| async move {
        let f = f.unwrap_or_default();
        let filter = EventFilter {
            ids: f.ids.clone().unwrap_or_default(),
            entities: strings(f.entity.clone()),
            entity_ids: opt_vec(f.entity_id.clone()),
            types: strings(f.kind.clone()),
            created_by: opt_vec(f.created_by.clone()),
            created_at: (f.created_at_from, f.created_at_to),
        };
        let mut opts = f.paging.options();
        opts.query = None;
        Ok(ListEventsResult::from(
            events::list_events(&client, &filter, &opts).await?,
        ))
    })
}

/// Filters of `listUnsorted`.
#[derive(Debug, Default, Deserialize)]
struct ListUnsortedFilters {
    #[serde(default)]
    category: Option<Strings>,
    #[serde(default)]
    pipeline_id: Option<i64>,
    #[serde(default)]
    uid: Option<Strings>,
    #[serde(flatten)]
    paging: PageArgs,
}

/// Incoming leads waiting in "Incoming leads": `category` (forms, sip, chats, mail),
/// `pipeline_id`, `uid`, `page`, `limit`, `order` (`{ created_at: 'desc' }`).
#[napi(
    ts_args_type = "filters: ListUnsortedFilters | undefined, config: KommoConfigInput",
    ts_return_type = "Promise<ListUnsortedResult>"
)]
pub fn list_unsorted<'e>(
    env: &'e Env,
    filters: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let f: Option<ListUnsortedFilters> = from_js(env, "listUnsorted", "filters", filters)?;
    sdk(env, config, move |client| async move {
        let f = f.unwrap_or_default();
        let filter = UnsortedFilter {
            uids: strings(f.uid.clone()),
            categories: strings(f.category.clone()),
            pipeline_id: f.pipeline_id,
        };
        let mut opts = f.paging.options();
        opts.query = None;
        Ok(ListUnsortedResult::from(
            unsorted::list_unsorted(&client, &filter, &opts).await?,
        ))
    })
}

/// `{ success, uid, leadIds, contactIds, error? }`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnsortedActionResult {
    pub success: bool,
    pub uid: String,
    pub lead_ids: Vec<i64>,
    pub contact_ids: Vec<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Failure for UnsortedActionResult {
    fn failure(error: String) -> Self {
        UnsortedActionResult {
            success: false,
            uid: String::new(),
            lead_ids: Vec::new(),
            contact_ids: Vec::new(),
            error: Some(error),
        }
    }
}

impl From<unsorted::UnsortedOutcome> for UnsortedActionResult {
    fn from(o: unsorted::UnsortedOutcome) -> Self {
        let e = o.embedded.unwrap_or_default();
        UnsortedActionResult {
            success: true,
            uid: o.uid,
            lead_ids: e.leads.iter().map(|l| l.id).collect(),
            contact_ids: e.contacts.iter().map(|c| c.id).collect(),
            error: None,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnsortedActionOptions {
    #[serde(default, alias = "userId")]
    user_id: Option<i64>,
    #[serde(default, alias = "statusId")]
    status_id: Option<i64>,
}

fn action_args<'e>(
    env: &'e Env,
    func: &str,
    uid: Unknown<'e>,
    second: Unknown<'e>,
    third: Option<Unknown<'e>>,
) -> Result<(String, UnsortedActionOptions, Unknown<'e>)> {
    let uid: String = from_js(env, func, "uid", uid)?;
    let (opts, config) = options_and_config(second, third);
    let opts: Option<UnsortedActionOptions> = match opts {
        Some(o) => from_js(env, func, "options", o)?,
        None => None,
    };
    Ok((uid, opts.unwrap_or_default(), config))
}

/// Accepts an incoming lead into its pipeline: `acceptUnsorted(uid, { user_id?, status_id? }, config)`.
#[napi(
    ts_args_type = "uid: string, options: { user_id?: number; status_id?: number } | undefined | KommoConfigInput, config?: KommoConfigInput",
    ts_return_type = "Promise<UnsortedActionResult>"
)]
pub fn accept_unsorted<'e>(
    env: &'e Env,
    uid: Unknown<'e>,
    second: Unknown<'e>,
    third: Option<Unknown<'e>>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let (uid, opts, config) = action_args(env, "acceptUnsorted", uid, second, third)?;
    sdk(env, config, move |client| async move {
        Ok(UnsortedActionResult::from(
            unsorted::accept(&client, &uid, opts.user_id, opts.status_id).await?,
        ))
    })
}

/// Declines (deletes) an incoming lead: `declineUnsorted(uid, { user_id? }, config)`.
#[napi(
    ts_args_type = "uid: string, options: { user_id?: number } | undefined | KommoConfigInput, config?: KommoConfigInput",
    ts_return_type = "Promise<UnsortedActionResult>"
)]
pub fn decline_unsorted<'e>(
    env: &'e Env,
    uid: Unknown<'e>,
    second: Unknown<'e>,
    third: Option<Unknown<'e>>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let (uid, opts, config) = action_args(env, "declineUnsorted", uid, second, third)?;
    sdk(env, config, move |client| async move {
        if opts.status_id.is_some() {
            return Err(crate::error::Error::invalid(
                "status_id",
                "only acceptUnsorted takes a status",
            ));
        }
        Ok(UnsortedActionResult::from(
            unsorted::decline(&client, &uid, opts.user_id).await?,
        ))
    })
}

/// `{ success, lossReasons, totalFound, error? }`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListLossReasonsResult {
    pub success: bool,
    pub loss_reasons: Vec<LossReason>,
    pub total_found: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Failure for ListLossReasonsResult {
    fn failure(error: String) -> Self {
        ListLossReasonsResult {
            success: false,
            loss_reasons: Vec::new(),
            total_found: 0,
            error: Some(error),
        }
    }
}

/// Every reason a lead can be lost for (to set `loss_reason_id` when closing a lead as lost).
#[napi(
    ts_args_type = "config: KommoConfigInput",
    ts_return_type = "Promise<ListLossReasonsResult>"
)]
pub fn list_loss_reasons<'e>(env: &'e Env, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    sdk(env, config, move |client| async move {
        let items = account::list_loss_reasons(&client).await?;
        Ok(ListLossReasonsResult {
            success: true,
            total_found: items.len(),
            loss_reasons: items,
            error: None,
        })
    })
}

/// `{ success, sources, totalFound, error? }`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListSourcesResult {
    pub success: bool,
    pub sources: Vec<Source>,
    pub total_found: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Failure for ListSourcesResult {
    fn failure(error: String) -> Self {
        ListSourcesResult {
            success: false,
            sources: Vec::new(),
            total_found: 0,
            error: Some(error),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct SourceFilters {
    #[serde(default)]
    external_id: Option<Strings>,
}

/// The account's lead sources (integration channels); `listSources(config)` or
/// `listSources({ external_id }, config)`.
#[napi(
    ts_args_type = "filtersOrConfig: { external_id?: string | string[] } | undefined | KommoConfigInput, config?: KommoConfigInput",
    ts_return_type = "Promise<ListSourcesResult>"
)]
pub fn list_sources<'e>(
    env: &'e Env,
    first: Unknown<'e>,
    second: Option<Unknown<'e>>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let (filters, config) = options_and_config(first, second);
    let f: Option<SourceFilters> = match filters {
        Some(f) => from_js(env, "listSources", "filters", f)?,
        None => None,
    };
    sdk(env, config, move |client| async move {
        let ids = strings(f.unwrap_or_default().external_id);
        let items = account::list_sources(&client, &ids).await?;
        Ok(ListSourcesResult {
            success: true,
            total_found: items.len(),
            sources: items,
            error: None,
        })
    })
}
