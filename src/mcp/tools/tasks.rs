//! Task tools. Argument names follow the original package (`taskId`, `entity_type`,
//! `complete_till`, `result_text`...), so existing prompts keep working.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{check_len, define, Access, Context, Meta, Render, ToolDef};
use crate::api::account;
use crate::api::list::ListOptions;
use crate::api::tasks::{self, Deadline, TaskData, TaskFilter, TaskResult};
use crate::error::Error;
use crate::mcp::format::{self, TaskSummary};

/// The entity a task or note belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    /// Leads (deals).
    #[serde(alias = "lead", alias = "deals", alias = "deal")]
    Leads,
    /// Contacts.
    #[serde(alias = "contact")]
    Contacts,
    /// Companies.
    #[serde(alias = "company")]
    Companies,
}

impl EntityKind {
    /// `leads`, `contacts` or `companies`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Leads => "leads",
            EntityKind::Contacts => "contacts",
            EntityKind::Companies => "companies",
        }
    }
}

/// Task summaries with type and user names (cached lists; a failure only costs the names).
async fn summaries(ctx: &Context, list: &[tasks::Task]) -> Vec<TaskSummary> {
    let (types, users) = tokio::join!(tasks::task_types(&ctx.client), account::cached_users(&ctx.client));
    let (types, users) = (types.ok(), users.ok());
    list.iter()
        .map(|t| {
            TaskSummary::new(
                t,
                types.as_deref().map(Vec::as_slice),
                users.as_deref().map(Vec::as_slice),
            )
        })
        .collect()
}

/// Arguments of `kommo_list_tasks`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListTasksArgs {
    /// Only tasks attached to this kind of entity (needed with entity_id).
    #[serde(default)]
    pub entity_type: Option<EntityKind>,
    /// Only tasks of this lead, contact or company (give entity_type too).
    #[serde(default)]
    pub entity_id: Option<i64>,
    /// true: only completed tasks; false: only open tasks.
    #[serde(default)]
    pub is_completed: Option<bool>,
    /// Only tasks of this responsible user (ids from kommo_list_users).
    #[serde(default)]
    pub responsible_user_id: Option<i64>,
    /// Only tasks of this type (1 Follow-up, 2 Meeting, or the account's own types).
    #[serde(default)]
    pub task_type_id: Option<i64>,
    /// Page number, from 1.
    #[serde(default)]
    pub page: Option<u32>,
    /// Tasks per page, up to 250 (default 50).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// A page of tasks.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TaskPage {
    pub tasks: Vec<TaskSummary>,
    pub page: u32,
    pub has_more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page: Option<u32>,
}

impl Render for TaskPage {
    fn render(&self) -> String {
        if self.tasks.is_empty() {
            return if self.page > 1 {
                format!("No tasks on page {}.", self.page)
            } else {
                "No tasks match.".to_string()
            };
        }
        let n = self.tasks.len();
        let mut out = format!(
            "{n} task{} (page {}), soonest deadline first:\n",
            if n == 1 { "" } else { "s" },
            self.page
        );
        for t in &self.tasks {
            out.push_str("- ");
            out.push_str(&format::task_line(t));
            out.push('\n');
        }
        out.push_str(&format::paging_hint(self.has_more, self.next_page));
        out
    }
}

async fn list_tasks(ctx: Context, a: ListTasksArgs) -> Result<TaskPage, Error> {
    if a.entity_id.is_some() && a.entity_type.is_none() {
        return Err(Error::invalid(
            "entity_type",
            "is required with entity_id (leads, contacts or companies)",
        ));
    }
    let filter = TaskFilter {
        responsible_user_ids: a.responsible_user_id.into_iter().collect(),
        task_type_ids: a.task_type_id.into_iter().collect(),
        is_completed: a.is_completed,
        entity_type: a.entity_type.map(|e| e.as_str().to_string()),
        entity_ids: a.entity_id.into_iter().collect(),
        ..TaskFilter::default()
    };
    let opts = ListOptions {
        page: a.page,
        limit: a.limit,
        order: Some(("complete_till".into(), crate::api::list::Direction::Asc)),
        ..ListOptions::default()
    };
    let listing = tasks::list_tasks(&ctx.client, &filter, &opts).await?;
    Ok(TaskPage {
        tasks: summaries(&ctx, &listing.items).await,
        page: listing.page,
        has_more: listing.has_more(),
        next_page: listing.next_page,
    })
}

/// Arguments of `kommo_get_task`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetTaskArgs {
    /// The task id.
    #[serde(rename = "taskId", alias = "task_id")]
    pub task_id: i64,
}

/// One task.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TaskDetail {
    pub task: TaskSummary,
}

impl Render for TaskDetail {
    fn render(&self) -> String {
        format!("Task {}\n", format::task_line(&self.task))
    }
}

async fn get_task(ctx: Context, a: GetTaskArgs) -> Result<TaskDetail, Error> {
    let task = tasks::get(&ctx.client, a.task_id).await?.ok_or_else(|| {
        Error::invalid(
            "taskId",
            format!("no task has id {}; list tasks with kommo_list_tasks", a.task_id),
        )
    })?;
    let mut s = summaries(&ctx, std::slice::from_ref(&task)).await;
    Ok(TaskDetail { task: s.remove(0) })
}

/// Arguments of `kommo_create_task`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTaskArgs {
    /// What to do, e.g. "Call back about the quote".
    pub text: String,
    /// Deadline: Unix seconds, or an ISO 8601 date-time such as "2026-05-01T15:00:00-05:00" (a bare date means the end of that day, UTC).
    pub complete_till: Deadline,
    /// Id of the lead, contact or company the task is about.
    #[serde(default)]
    pub entity_id: Option<i64>,
    /// Kind of that entity.
    #[serde(default)]
    pub entity_type: Option<EntityKind>,
    /// Task type: 1 Follow-up (default), 2 Meeting, or an account type (see kommo_get_account with task_types).
    #[serde(default)]
    pub task_type_id: Option<i64>,
    /// Who must do it (user id from kommo_list_users); default: the token's user.
    #[serde(default)]
    pub responsible_user_id: Option<i64>,
}

/// A written task.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TaskWritten {
    pub task_id: i64,
    pub action: String,
}

impl Render for TaskWritten {
    fn render(&self) -> String {
        format!("Task #{} {}.", self.task_id, self.action)
    }
}

async fn create_task(ctx: Context, a: CreateTaskArgs) -> Result<TaskWritten, Error> {
    let data = create_data(a)?;
    let complete_till = data.complete_till.unwrap_or_default();
    let id = tasks::create_one(&ctx.client, &data).await?;
    let target = match (data.entity_type.as_deref(), data.entity_id) {
        (Some(e), Some(i)) => format!(" on {}", format::entity_label(e, i)),
        _ => String::new(),
    };
    Ok(TaskWritten {
        task_id: id,
        action: format!("created{target}, due {}", format::datetime(complete_till)),
    })
}

/// The task for `kommo_create_task`'s arguments (also one item of `kommo_batch_tasks`).
pub(super) fn create_data(a: CreateTaskArgs) -> Result<TaskData, Error> {
    check_len("text", &a.text, 2000)?;
    let complete_till = a.complete_till.to_unix("complete_till")?;
    if a.entity_id.is_some() != a.entity_type.is_some() {
        return Err(Error::invalid("entity_type", "give entity_id and entity_type together"));
    }
    let data = TaskData {
        text: Some(a.text),
        complete_till: Some(complete_till),
        entity_id: a.entity_id,
        entity_type: a.entity_type.map(|e| e.as_str().to_string()),
        task_type_id: a.task_type_id,
        responsible_user_id: a.responsible_user_id,
        ..TaskData::default()
    };
    Ok(data)
}

/// Arguments of `kommo_update_task`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTaskArgs {
    /// The task id.
    #[serde(rename = "taskId", alias = "task_id")]
    pub task_id: i64,
    /// New text.
    #[serde(default)]
    pub text: Option<String>,
    /// true marks the task done; false reopens it.
    #[serde(default)]
    pub is_completed: Option<bool>,
    /// New deadline: Unix seconds or an ISO 8601 date-time.
    #[serde(default)]
    pub complete_till: Option<Deadline>,
    /// Outcome to record (implies is_completed=true unless is_completed is given).
    #[serde(default, alias = "result")]
    pub result_text: Option<String>,
    /// New task type id.
    #[serde(default)]
    pub task_type_id: Option<i64>,
    /// New responsible user id.
    #[serde(default)]
    pub responsible_user_id: Option<i64>,
}

async fn update_task(ctx: Context, a: UpdateTaskArgs) -> Result<TaskWritten, Error> {
    let (task_id, body) = update_body(a)?;
    let id = tasks::update_one(&ctx.client, task_id, body).await?;
    Ok(TaskWritten {
        task_id: id,
        action: "updated".into(),
    })
}

/// The task id and changes for `kommo_update_task`'s arguments (also one update item of
/// `kommo_batch_tasks`).
pub(super) fn update_body(a: UpdateTaskArgs) -> Result<(i64, serde_json::Map<String, serde_json::Value>), Error> {
    if let Some(t) = &a.text {
        check_len("text", t, 2000)?;
    }
    let complete_till = a
        .complete_till
        .as_ref()
        .map(|d| d.to_unix("complete_till"))
        .transpose()?;
    let result = a
        .result_text
        .filter(|t| !t.trim().is_empty())
        .map(|text| TaskResult { text });
    let data = TaskData {
        text: a.text,
        is_completed: a.is_completed.or(result.as_ref().map(|_| true)),
        complete_till,
        result,
        task_type_id: a.task_type_id,
        responsible_user_id: a.responsible_user_id,
        ..TaskData::default()
    };
    if data == TaskData::default() {
        return Err(Error::invalid(
            "taskId",
            "nothing to change: give text, is_completed, complete_till, result_text, task_type_id or responsible_user_id",
        ));
    }
    Ok((a.task_id, data.to_map()))
}

/// Arguments of `kommo_complete_task`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteTaskArgs {
    /// The task id.
    #[serde(rename = "taskId", alias = "task_id")]
    pub task_id: i64,
    /// What came out of it, e.g. "Client confirmed the demo for Friday" (saved as the task result).
    #[serde(default, alias = "result")]
    pub result_text: Option<String>,
}

async fn complete_task(ctx: Context, a: CompleteTaskArgs) -> Result<TaskWritten, Error> {
    if let Some(t) = &a.result_text {
        check_len("result_text", t, 2000)?;
    }
    let data = tasks::complete(&ctx.client, a.task_id, a.result_text).await?;
    Ok(TaskWritten {
        task_id: a.task_id,
        action: match data.result {
            Some(r) => format!("completed with result \"{}\"", r.text),
            None => "completed".into(),
        },
    })
}

/// Task tools.
pub fn tools() -> Vec<ToolDef> {
    vec![
        define(
            Meta {
                name: "kommo_list_tasks",
                title: "List tasks",
                description:
                    "List tasks, soonest deadline first, optionally only those of one lead, contact or company \
(entity_type + entity_id), open or completed, of one responsible user or type. One line per task: id, type, text, \
deadline, done/open, result, responsible user, entity; with a paging hint.",
                toolset: "tasks",
                access: Access::Read,
            },
            list_tasks,
        ),
        define(
            Meta {
                name: "kommo_get_task",
                title: "Get a task",
                description:
                    "Get one task by id: type, text, deadline, whether it is done and its result, responsible \
user and the entity it is attached to.",
                toolset: "tasks",
                access: Access::Read,
            },
            get_task,
        ),
        define(
            Meta {
                name: "kommo_create_task",
                title: "Create a task",
                description:
                    "Create a task (a to-do with a deadline) for a user, usually on a lead, contact or company. \
complete_till accepts Unix seconds or an ISO 8601 date-time. Returns the new task id. To log something that already \
happened use kommo_create_note instead.",
                toolset: "tasks",
                access: Access::Write {
                    destructive: false,
                    idempotent: false,
                },
            },
            create_task,
        ),
        define(
            Meta {
                name: "kommo_update_task",
                title: "Update a task",
                description: "Change a task's text, deadline, type or responsible user, mark it done or reopen it. \
To finish a task with an outcome, kommo_complete_task is simpler.",
                toolset: "tasks",
                access: Access::Write {
                    destructive: true,
                    idempotent: true,
                },
            },
            update_task,
        ),
        define(
            Meta {
                name: "kommo_complete_task",
                title: "Complete a task",
                description: "Mark a task as done, optionally recording its result (what came out of the call or \
meeting). Returns the task id.",
                toolset: "tasks",
                access: Access::Write {
                    destructive: false,
                    idempotent: true,
                },
            },
            complete_task,
        ),
    ]
}
