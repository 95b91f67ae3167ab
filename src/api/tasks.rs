//! Tasks (`/api/v4/tasks`): list with Kommo's `filter[...]`, get, create, update, complete.

use std::sync::Arc;

use reqwest::Method;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::api::cache::METADATA_TTL;
use crate::api::list::{check_id, list, ListOptions, Listing};
use crate::api::write::{batch, create_single, ItemResult};
use crate::api::{account, Client, Query};
use crate::error::{Error, Result};

/// A task as Kommo returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub id: i64,
    #[serde(default)]
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_type_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible_user_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<String>,
    #[serde(default)]
    pub is_completed: bool,
    /// Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complete_till: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<i64>,
    /// `{ text }` once completed with a result; Kommo sends `[]` for "none", read as absent.
    #[serde(default, deserialize_with = "result_text", skip_serializing_if = "Option::is_none")]
    pub result: Option<TaskResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<i64>,
}

/// A task's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskResult {
    pub text: String,
}

fn result_text<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<TaskResult>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Object(m) => m
            .get("text")
            .and_then(Value::as_str)
            .map(|t| TaskResult { text: t.to_string() }),
        Value::String(s) if !s.is_empty() => Some(TaskResult { text: s }),
        _ => None,
    })
}

/// A deadline as Unix seconds or an ISO 8601 / RFC 3339 date-time (`2026-05-01T15:00:00-05:00`,
/// `2026-05-01T15:00:00Z`, `2026-05-01 15:00`, `2026-05-01` = end of that day, UTC).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Deadline {
    Unix(i64),
    Text(String),
}

impl Deadline {
    /// Unix seconds.
    pub fn to_unix(&self, arg: &str) -> Result<i64> {
        match self {
            Deadline::Unix(n) => Ok(*n),
            Deadline::Text(s) => parse_datetime(s).ok_or_else(|| {
                Error::invalid(
                    arg,
                    format!("{s:?} is not a date-time; give Unix seconds or ISO 8601 like 2026-05-01T15:00:00-05:00"),
                )
            }),
        }
    }
}

/// Parses ISO 8601 date-times without a date library: `YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z|±HH[:]MM]`.
/// A bare date means the end of that day (23:59:59), which is how Kommo's UI sets "due today".
pub fn parse_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse::<i64>().ok() };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, m, d);
    if b.len() == 10 {
        return Some(days * 86_400 + 86_399);
    }
    if b[10] != b'T' && b[10] != b't' && b[10] != b' ' {
        return None;
    }
    let rest = &s[11..];
    let (time, offset) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let mut parts = time.split(':');
    let h: i64 = parts.next()?.parse().ok()?;
    let mi: i64 = parts.next()?.parse().ok()?;
    let sec: i64 = match parts.next() {
        Some(p) => p.split('.').next()?.parse().ok()?,
        None => 0,
    };
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let off = match offset {
        "" | "Z" | "z" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let digits: String = o[1..].chars().filter(char::is_ascii_digit).collect();
            if digits.len() != 4 && digits.len() != 2 {
                return None;
            }
            let oh: i64 = digits.get(0..2)?.parse().ok()?;
            let om: i64 = digits.get(2..4).map_or(Some(0), |x| x.parse().ok())?;
            sign * (oh * 3600 + om * 60)
        }
    };
    Some(days * 86_400 + h * 3600 + mi * 60 + sec - off)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Fields of a task to create or update (Kommo's write shape). `result` is `{ text }`; a plain
/// string (the original package's type) is accepted and sent as `{ text }`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_type_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible_user_id: Option<i64>,
    /// Unix seconds (an ISO date-time string is converted before sending).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "deadline_opt")]
    pub complete_till: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_completed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "result_opt")]
    pub result: Option<TaskResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<i64>,
    /// Batch updates only: the task to change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
}

fn deadline_opt<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<i64>, D::Error> {
    match Option::<Deadline>::deserialize(d)? {
        None => Ok(None),
        Some(v) => v.to_unix("complete_till").map(Some).map_err(serde::de::Error::custom),
    }
}

fn result_opt<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<TaskResult>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum R {
        Text(String),
        Obj { text: String },
    }
    Ok(Option::<R>::deserialize(d)?.map(|r| match r {
        R::Text(text) | R::Obj { text } => TaskResult { text },
    }))
}

/// Entity types a task can be attached to.
pub const ENTITY_TYPES: [&str; 3] = ["leads", "contacts", "companies"];

/// Checks an entity type argument (`leads`, `contacts`, `companies`; `deals` means leads).
pub fn entity_type(arg: &str, value: &str) -> Result<&'static str> {
    match value {
        "leads" | "lead" | "deals" | "deal" => Ok("leads"),
        "contacts" | "contact" => Ok("contacts"),
        "companies" | "company" => Ok("companies"),
        other => Err(Error::invalid(
            arg,
            format!("{other:?} is not an entity type; use leads, contacts or companies"),
        )),
    }
}

impl TaskData {
    /// The JSON object sent to Kommo.
    pub fn to_map(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        }
    }

    /// Checks a task to create: `text` and `complete_till` are required, the entity is complete.
    pub fn check_create(&self) -> Result<()> {
        if self.text.as_deref().is_none_or(|t| t.trim().is_empty()) {
            return Err(Error::invalid("text", "is required (what to do)"));
        }
        if self.complete_till.is_none() {
            return Err(Error::invalid(
                "complete_till",
                "is required: the deadline as Unix seconds or an ISO 8601 date-time",
            ));
        }
        self.check_entity()
    }

    /// Checks that `entity_id` and `entity_type` come together and the type is known.
    pub fn check_entity(&self) -> Result<()> {
        match (&self.entity_id, &self.entity_type) {
            (Some(_), None) => Err(Error::invalid("entity_type", "is required with entity_id")),
            (None, Some(_)) => Err(Error::invalid("entity_id", "is required with entity_type")),
            (Some(id), Some(t)) => {
                check_id("entity_id", *id)?;
                entity_type("entity_type", t).map(|_| ())
            }
            (None, None) => Ok(()),
        }
    }

    /// Normalises `entity_type` (`deals` → `leads`).
    pub fn normalise(mut self) -> Result<Self> {
        if let Some(t) = &self.entity_type {
            self.entity_type = Some(entity_type("entity_type", t)?.to_string());
        }
        Ok(self)
    }
}

/// Filters of `GET /tasks`, in Kommo's `filter[...]` syntax.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskFilter {
    pub ids: Vec<i64>,
    pub responsible_user_ids: Vec<i64>,
    pub task_type_ids: Vec<i64>,
    pub is_completed: Option<bool>,
    /// `leads`, `contacts` or `companies`.
    pub entity_type: Option<String>,
    /// Needs `entity_type`.
    pub entity_ids: Vec<i64>,
    pub updated_at: (Option<i64>, Option<i64>),
}

impl TaskFilter {
    /// The query parameters.
    pub fn to_query(&self) -> Query {
        let mut q = Query::new();
        q.filter_list("id", &self.ids)
            .filter_list("responsible_user_id", &self.responsible_user_ids)
            .filter_list("task_type", &self.task_type_ids);
        if let Some(c) = self.is_completed {
            q.push("filter[is_completed]", u8::from(c));
        }
        if let Some(t) = &self.entity_type {
            q.push("filter[entity_type]", t);
            q.filter_list("entity_id", &self.entity_ids);
        }
        q.filter_range("updated_at", self.updated_at.0, self.updated_at.1);
        q
    }
}

/// Lists tasks.
pub async fn list_tasks(client: &Client, filter: &TaskFilter, opts: &ListOptions) -> Result<Listing<Task>> {
    if !filter.entity_ids.is_empty() && filter.entity_type.is_none() {
        return Err(Error::invalid(
            "entity_id",
            "needs entity_type (leads, contacts or companies)",
        ));
    }
    list(client, "tasks", "tasks", filter.to_query(), opts).await
}

/// One task by id; `None` when it does not exist.
pub async fn get(client: &Client, id: i64) -> Result<Option<Task>> {
    check_id("taskId", id)?;
    match client.get::<Task>(&format!("tasks/{id}"), &Query::new()).await {
        Err(Error::NotFound { .. }) => Ok(None),
        other => other,
    }
}

/// Creates one task and returns its id.
pub async fn create_one(client: &Client, data: &TaskData) -> Result<i64> {
    data.check_create()?;
    create_single(client, "tasks", "tasks", data.to_map()).await
}

/// Creates tasks (any number; 250 per request), one result per item.
pub async fn create(client: &Client, items: Vec<Map<String, Value>>) -> Result<Vec<ItemResult>> {
    batch(client, Method::POST, "tasks", "tasks", items).await
}

/// Updates tasks; each item carries its `id`.
pub async fn update(client: &Client, items: Vec<Map<String, Value>>) -> Result<Vec<ItemResult>> {
    batch(client, Method::PATCH, "tasks", "tasks", items).await
}

/// Updates one task with `PATCH /tasks/{id}` (an object body).
pub async fn update_one(client: &Client, id: i64, changes: Map<String, Value>) -> Result<i64> {
    check_id("taskId", id)?;
    if changes.is_empty() {
        return Err(Error::invalid("data", "nothing to change"));
    }
    let body = Value::Object(changes);
    let resp: Option<Value> = client
        .send_json(Method::PATCH, &format!("tasks/{id}"), &Query::new(), Some(&body))
        .await?;
    Ok(resp
        .as_ref()
        .and_then(|v| {
            v.get("id")
                .and_then(Value::as_i64)
                .or_else(|| v.pointer("/_embedded/tasks/0/id").and_then(Value::as_i64))
        })
        .unwrap_or(id))
}

/// Marks a task done, with an optional result text (`{is_completed: true, result: {text}}`).
pub async fn complete(client: &Client, id: i64, result: Option<String>) -> Result<TaskData> {
    let data = TaskData {
        is_completed: Some(true),
        result: result.filter(|t| !t.trim().is_empty()).map(|text| TaskResult { text }),
        ..TaskData::default()
    };
    update_one(client, id, data.to_map()).await?;
    Ok(data)
}

/// A task type of the account (`with=task_types`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskType {
    pub id: i64,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// The account's task types, from the metadata cache.
pub async fn task_types(client: &Client) -> Result<Arc<Vec<TaskType>>> {
    let c = client.clone();
    client
        .cache()
        .get_or_fetch("task_types", METADATA_TTL, || async move {
            let a = account::get(&c, &["task_types"]).await?;
            Ok(a.embedded.map(|e| e.task_types).unwrap_or_default())
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_become_unix_seconds() {
        assert_eq!(parse_datetime("2026-01-01T00:00:00Z"), Some(1_767_225_600));
        assert_eq!(
            parse_datetime("2026-01-01T00:00:00-05:00"),
            Some(1_767_225_600 + 5 * 3600)
        );
        assert_eq!(
            parse_datetime("2026-01-01 10:30"),
            Some(1_767_225_600 + 10 * 3600 + 1800)
        );
        assert_eq!(parse_datetime("2026-01-01"), Some(1_767_225_600 + 86_399));
        assert_eq!(parse_datetime("1767225600"), Some(1_767_225_600));
        assert_eq!(parse_datetime("tomorrow"), None);
        assert_eq!(parse_datetime("2026-13-01"), None);
    }

    #[test]
    fn a_string_result_is_sent_as_an_object() {
        let d: TaskData = serde_json::from_value(serde_json::json!({"text": "x", "result": "done"})).unwrap();
        assert_eq!(d.to_map()["result"], serde_json::json!({"text": "done"}));
    }

    #[test]
    fn empty_results_read_as_none() {
        let t: Task = serde_json::from_value(serde_json::json!({"id": 1, "result": []})).unwrap();
        assert_eq!(t.result, None);
    }
}
