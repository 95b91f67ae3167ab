//! Task functions of the JS SDK (same names, argument order and result shapes as the original
//! package; filters sent in Kommo's `filter[...]` syntax, `result` sent as `{ text }`).

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::list::Listing;
use crate::api::tasks::{self, Task, TaskData, TaskFilter};
use crate::api::write::ItemResult;
use crate::api::Client;
use crate::error::{Error, Result as ApiResult};
use crate::node::args::{from_js, sdk, Failure};
use crate::node::leads::{opt_vec, OneOrMany, PageArgs};

use crate::node::shapes::{get_result, list_result};

/// `{ success, results, created|updated, failed, error? }` of a batch write.
#[derive(Debug, Serialize)]
pub struct BatchResult {
    pub success: bool,
    /// One entry per input item, in order: `{ index, success, id?, error?, errors? }`.
    pub results: Vec<ItemResult>,
    /// Items Kommo saved.
    pub saved: usize,
    /// Items that failed.
    pub failed: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Failure for BatchResult {
    fn failure(error: String) -> Self {
        BatchResult {
            success: false,
            results: Vec::new(),
            saved: 0,
            failed: 0,
            error: Some(error),
        }
    }
}

impl From<Vec<ItemResult>> for BatchResult {
    fn from(results: Vec<ItemResult>) -> Self {
        let saved = results.iter().filter(|r| r.success).count();
        let failed = results.len() - saved;
        BatchResult {
            success: failed == 0,
            error: (failed > 0).then(|| format!("{failed} of {} items were not saved; see results", results.len())),
            results,
            saved,
            failed,
        }
    }
}

list_result!(ListTasksResult, tasks, Task);
get_result!(GetTaskResult, task, Task);

/// `{ success, task?, taskId?, error? }`: `task` is the data written, with its `id`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskWriteResult {
    pub success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Failure for TaskWriteResult {
    fn failure(error: String) -> Self {
        TaskWriteResult {
            success: false,
            task: None,
            task_id: None,
            error: Some(error),
        }
    }
}

fn written(id: i64, data: &TaskData) -> TaskWriteResult {
    let mut task = data.to_map();
    task.insert("id".into(), id.into());
    TaskWriteResult {
        success: true,
        task: Some(Value::Object(task)),
        task_id: Some(id),
        error: None,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetTaskParams {
    task_id: i64,
}

/// Filters of `listTasks` (the original's names, sent as Kommo `filter[...]`).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListTasksFilters {
    #[serde(default)]
    pub responsible_user_id: Option<OneOrMany>,
    #[serde(default, alias = "task_type")]
    pub task_type_id: Option<OneOrMany>,
    #[serde(default)]
    pub entity_id: Option<OneOrMany>,
    #[serde(default)]
    pub entity_type: Option<String>,
    #[serde(default)]
    pub is_completed: Option<bool>,
    #[serde(default)]
    pub ids: Option<Vec<i64>>,
    #[serde(default)]
    pub updated_at_from: Option<i64>,
    #[serde(default)]
    pub updated_at_to: Option<i64>,
    /// Not a Kommo filter: applied to the returned page(s).
    #[serde(default)]
    pub complete_till_from: Option<i64>,
    #[serde(default)]
    pub complete_till_to: Option<i64>,
    /// Not a Kommo filter: applied to the returned page(s).
    #[serde(default)]
    pub created_at_from: Option<i64>,
    #[serde(default)]
    pub created_at_to: Option<i64>,
    #[serde(flatten)]
    pub paging: PageArgs,
}

fn within(v: Option<i64>, from: Option<i64>, to: Option<i64>) -> bool {
    match v {
        Some(v) => from.is_none_or(|f| v >= f) && to.is_none_or(|t| v <= t),
        None => from.is_none() && to.is_none(),
    }
}

pub(crate) async fn list_with(client: Client, f: ListTasksFilters) -> ApiResult<ListTasksResult> {
    let entity_type = f
        .entity_type
        .as_deref()
        .map(|t| tasks::entity_type("entity_type", t))
        .transpose()?;
    let filter = TaskFilter {
        ids: f.ids.clone().unwrap_or_default(),
        responsible_user_ids: opt_vec(f.responsible_user_id.clone()),
        task_type_ids: opt_vec(f.task_type_id.clone()),
        is_completed: f.is_completed,
        entity_type: entity_type.map(str::to_string),
        entity_ids: opt_vec(f.entity_id.clone()),
        updated_at: (f.updated_at_from, f.updated_at_to),
    };
    let mut opts = f.paging.options();
    opts.query = None;
    let listing: Listing<Task> = tasks::list_tasks(&client, &filter, &opts).await?;
    let local = [
        f.complete_till_from,
        f.complete_till_to,
        f.created_at_from,
        f.created_at_to,
    ]
    .iter()
    .any(Option::is_some);
    let mut result = ListTasksResult::from(listing);
    if local {
        result.tasks.retain(|t| {
            within(t.complete_till, f.complete_till_from, f.complete_till_to)
                && within(t.created_at, f.created_at_from, f.created_at_to)
        });
        result.total_found = result.tasks.len();
        result.note = Some(
            "Kommo has no complete_till/created_at filter for tasks: these ranges were applied to the page(s) read; \
use allPages: true (or order by complete_till) for complete results"
                .into(),
        );
    }
    Ok(result)
}

/// One task by id. A missing task resolves to `{ success: false, error: 'Task with ID N not found' }`.
#[napi(
    ts_args_type = "params: GetTaskParams, config: KommoConfigInput",
    ts_return_type = "Promise<GetTaskResult>"
)]
pub fn get_task<'e>(env: &'e Env, params: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let p: GetTaskParams = from_js(env, "getTask", "params", params)?;
    sdk(env, config, move |client| async move {
        Ok(match tasks::get(&client, p.task_id).await? {
            Some(t) => GetTaskResult::ok(t),
            None => GetTaskResult::failure(format!("Task with ID {} not found", p.task_id)),
        })
    })
}

/// Lists tasks with Kommo's filters: `responsible_user_id`, `task_type_id`, `entity_type` +
/// `entity_id`, `is_completed`, `updated_at_from/to`, `ids`, plus `page`, `limit`, `order`
/// (`complete_till`, `created_at`, `id`) and `allPages`. `complete_till_from/to` and
/// `created_at_from/to` are not Kommo filters: they are applied to the page(s) read (see `note`).
#[napi(
    ts_args_type = "filters: ListTasksFilters | undefined, config: KommoConfigInput",
    ts_return_type = "Promise<ListTasksResult>"
)]
pub fn list_tasks<'e>(env: &'e Env, filters: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let f: Option<ListTasksFilters> = from_js(env, "listTasks", "filters", filters)?;
    sdk(env, config, move |client| list_with(client, f.unwrap_or_default()))
}

fn by_entity<'e>(
    env: &'e Env,
    func: &str,
    arg: &str,
    entity: &'static str,
    id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let id: i64 = from_js(env, func, arg, id)?;
    sdk(env, config, move |client| {
        list_with(
            client,
            ListTasksFilters {
                entity_type: Some(entity.into()),
                entity_id: Some(OneOrMany::One(id)),
                ..ListTasksFilters::default()
            },
        )
    })
}

/// Tasks attached to a contact.
#[napi(
    ts_args_type = "contactId: number, config: KommoConfigInput",
    ts_return_type = "Promise<ListTasksResult>"
)]
pub fn get_tasks_by_contact<'e>(
    env: &'e Env,
    contact_id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    by_entity(env, "getTasksByContact", "contactId", "contacts", contact_id, config)
}

/// Tasks attached to a lead.
#[napi(
    ts_args_type = "leadId: number, config: KommoConfigInput",
    ts_return_type = "Promise<ListTasksResult>"
)]
pub fn get_tasks_by_lead<'e>(
    env: &'e Env,
    lead_id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    by_entity(env, "getTasksByLead", "leadId", "leads", lead_id, config)
}

/// Tasks attached to a deal (a lead).
#[napi(
    ts_args_type = "dealId: number, config: KommoConfigInput",
    ts_return_type = "Promise<ListTasksResult>"
)]
pub fn get_tasks_by_deal<'e>(
    env: &'e Env,
    deal_id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    by_entity(env, "getTasksByDeal", "dealId", "leads", deal_id, config)
}

/// Creates a task. `text` and `complete_till` (Unix seconds or an ISO 8601 string) are required;
/// attach it with `entity_id` + `entity_type`. `result` may be a string or `{ text }`.
#[napi(
    ts_args_type = "data: CreateTaskData, config: KommoConfigInput",
    ts_return_type = "Promise<TaskWriteResult>"
)]
pub fn create_task<'e>(env: &'e Env, data: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let data: TaskData = from_js(env, "createTask", "data", data)?;
    sdk(env, config, move |client| async move {
        let data = data.normalise()?;
        let id = tasks::create_one(&client, &data).await?;
        Ok(written(id, &data))
    })
}

/// Updates a task's fields (one request).
#[napi(
    ts_args_type = "taskId: number, data: UpdateTaskData, config: KommoConfigInput",
    ts_return_type = "Promise<TaskWriteResult>"
)]
pub fn update_task<'e>(
    env: &'e Env,
    task_id: Unknown<'e>,
    data: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let id: i64 = from_js(env, "updateTask", "taskId", task_id)?;
    let data: TaskData = from_js(env, "updateTask", "data", data)?;
    sdk(env, config, move |client| async move {
        let mut data = data.normalise()?;
        data.check_entity()?;
        data.id = None;
        let id = tasks::update_one(&client, id, data.to_map()).await?;
        Ok(written(id, &data))
    })
}

/// Marks a task done, optionally with a result text (saved as Kommo's `result: { text }`).
/// Both `completeTask(taskId, config, resultText?)` and `completeTask(taskId, resultText, config)` work.
#[napi(
    ts_args_type = "taskId: number, config: KommoConfigInput, resultText?: string",
    ts_return_type = "Promise<TaskWriteResult>"
)]
pub fn complete_task<'e>(
    env: &'e Env,
    task_id: Unknown<'e>,
    second: Unknown<'e>,
    third: Option<Unknown<'e>>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let id: i64 = from_js(env, "completeTask", "taskId", task_id)?;
    let (config, text) = if second.get_type()? == ValueType::String {
        let text: String = from_js(env, "completeTask", "resultText", second)?;
        let Some(config) = third else {
            return Err(crate::node::type_error(
                env,
                "completeTask: config is required after resultText",
            ));
        };
        (config, Some(text))
    } else {
        let text: Option<String> = match third {
            Some(t) => from_js(env, "completeTask", "resultText", t)?,
            None => None,
        };
        (second, text)
    };
    sdk(env, config, move |client| async move {
        let data = tasks::complete(&client, id, text).await?;
        Ok(written(id, &data))
    })
}

fn link<'e>(
    env: &'e Env,
    func: &str,
    arg: &str,
    entity: &'static str,
    task_id: Unknown<'e>,
    id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let task: i64 = from_js(env, func, "taskId", task_id)?;
    let id: i64 = from_js(env, func, arg, id)?;
    sdk(env, config, move |client| async move {
        crate::api::list::check_id(arg_name(entity), id)?;
        let data = TaskData {
            entity_id: Some(id),
            entity_type: Some(entity.into()),
            ..TaskData::default()
        };
        let task = tasks::update_one(&client, task, data.to_map()).await?;
        Ok(written(task, &data))
    })
}

fn arg_name(entity: &str) -> &'static str {
    match entity {
        "contacts" => "contactId",
        _ => "leadId",
    }
}

/// Attaches a task to a contact (a task belongs to one entity; this moves it).
#[napi(
    ts_args_type = "taskId: number, contactId: number, config: KommoConfigInput",
    ts_return_type = "Promise<TaskWriteResult>"
)]
pub fn link_task_to_contact<'e>(
    env: &'e Env,
    task_id: Unknown<'e>,
    contact_id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    link(
        env,
        "linkTaskToContact",
        "contactId",
        "contacts",
        task_id,
        contact_id,
        config,
    )
}

/// Attaches a task to a lead.
#[napi(
    ts_args_type = "taskId: number, leadId: number, config: KommoConfigInput",
    ts_return_type = "Promise<TaskWriteResult>"
)]
pub fn link_task_to_lead<'e>(
    env: &'e Env,
    task_id: Unknown<'e>,
    lead_id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    link(env, "linkTaskToLead", "leadId", "leads", task_id, lead_id, config)
}

/// Attaches a task to a deal (a lead).
#[napi(
    ts_args_type = "taskId: number, dealId: number, config: KommoConfigInput",
    ts_return_type = "Promise<TaskWriteResult>"
)]
pub fn link_task_to_deal<'e>(
    env: &'e Env,
    task_id: Unknown<'e>,
    deal_id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    link(env, "linkTaskToDeal", "dealId", "leads", task_id, deal_id, config)
}

fn task_items(items: Vec<TaskData>, creating: bool) -> ApiResult<Vec<Map<String, Value>>> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            let d = d
                .normalise()
                .map_err(|e| Error::invalid(format!("items[{i}]"), e.to_string()))?;
            if creating {
                d.check_create()
                    .map_err(|e| Error::invalid(format!("items[{i}]"), e.to_string()))?;
            }
            Ok(d.to_map())
        })
        .collect()
}

/// Creates many tasks in as few requests as Kommo allows (250 per request), with a result per item.
#[napi(
    ts_args_type = "items: CreateTaskData[], config: KommoConfigInput",
    ts_return_type = "Promise<BatchWriteResult>"
)]
pub fn create_tasks<'e>(env: &'e Env, items: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let items: Vec<TaskData> = from_js(env, "createTasks", "items", items)?;
    sdk(env, config, move |client| async move {
        let items = task_items(items, true)?;
        Ok(BatchResult::from(tasks::create(&client, items).await?))
    })
}

/// Updates many tasks (each item with its `id`), with a result per item.
#[napi(
    ts_args_type = "items: Array<UpdateTaskData & { id: number }>, config: KommoConfigInput",
    ts_return_type = "Promise<BatchWriteResult>"
)]
pub fn update_tasks<'e>(env: &'e Env, items: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let items: Vec<TaskData> = from_js(env, "updateTasks", "items", items)?;
    sdk(env, config, move |client| async move {
        let items = task_items(items, false)?;
        Ok(BatchResult::from(tasks::update(&client, items).await?))
    })
}
