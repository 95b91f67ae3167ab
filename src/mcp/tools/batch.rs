//! Batch write tools: create or update many leads, contacts, companies, tasks or notes in one
//! call. Each item takes the arguments of the single-item tool (`kommo_create_lead`,
//! `kommo_update_lead`, ...), is checked and resolved the same way (custom fields by name,
//! stage → pipeline), and the valid items go to Kommo in one request (`api::write::batch_with_progress`: progress and cancellation from the call).
//! The result says, per item, the id written or why it failed; one bad item never stops the
//! others.

use std::future::Future;

use reqwest::Method;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{companies, contacts, define, leads, notes, parse_args, tasks, Access, Context, Meta, Render, ToolDef};
use crate::api::write::{batch_with_progress, ItemResult};
use crate::error::Error;

/// Items per call: one Kommo request per call (Kommo takes up to 250 objects per request).
pub const MAX_ITEMS: usize = 250;

type Body = Map<String, Value>;

/// Create or update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum BatchAction {
    Create,
    Update,
}

/// Arguments of the `kommo_batch_*` tools that create or update.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchArgs {
    /// create or update.
    pub action: BatchAction,
    /// Up to 250, each with the single tool's arguments.
    pub items: Vec<Body>,
}

/// Arguments of `kommo_batch_notes`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotesBatchArgs {
    /// Up to 250, each with kommo_create_note's arguments.
    pub items: Vec<Body>,
}

/// What happened to one item.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct BatchItem {
    /// Position in `items` (from 0).
    pub index: usize,
    /// Id written (absent when the item failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// Why the item was not written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Result of a batch write.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BatchWritten {
    /// `leads`, `contacts`, ...
    pub entity: &'static str,
    /// `created` or `updated`.
    pub action: &'static str,
    pub succeeded: usize,
    pub failed: usize,
    /// One per input item, in input order.
    pub results: Vec<BatchItem>,
}

impl Render for BatchWritten {
    fn render(&self) -> String {
        let total = self.results.len();
        let mut out = if self.failed == 0 {
            format!(
                "{} {} of {total} {}:",
                capitalise(self.action),
                self.succeeded,
                self.entity
            )
        } else {
            format!(
                "{} {} of {total} {}; {} failed (fix those items and send only them again):",
                capitalise(self.action),
                self.succeeded,
                self.entity,
                self.failed
            )
        };
        out.push('\n');
        for r in &self.results {
            match (&r.id, &r.error) {
                (Some(id), _) => out.push_str(&format!("- item {}: #{id}\n", r.index)),
                (None, e) => out.push_str(&format!(
                    "- item {} failed: {}\n",
                    r.index,
                    e.as_deref().unwrap_or("unknown")
                )),
            }
        }
        out
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn check_items(items: &[Body]) -> Result<(), Error> {
    if items.is_empty() {
        return Err(Error::invalid("items", "is empty; give at least one item"));
    }
    if items.len() > MAX_ITEMS {
        return Err(Error::invalid(
            "items",
            format!(
                "has {} items; at most {MAX_ITEMS} per call: split them into several calls",
                items.len()
            ),
        ));
    }
    Ok(())
}

fn failed(index: usize, e: &Error) -> BatchItem {
    BatchItem {
        index,
        id: None,
        error: Some(e.to_string()),
    }
}

/// Parses and prepares each item with `build`; items that fail are reported, not sent.
async fn prepare<A, F, Fut>(
    tool: &str,
    items: Vec<Body>,
    id_key: Option<&str>,
    mut build: F,
) -> (Vec<(usize, Body)>, Vec<BatchItem>)
where
    A: DeserializeOwned,
    F: FnMut(A) -> Fut,
    Fut: Future<Output = Result<Body, Error>>,
{
    let mut ready = Vec::new();
    let mut done = Vec::new();
    for (i, mut item) in items.into_iter().enumerate() {
        // `id` is accepted for the update tools' own id argument (`leadId`, `contactId`, ...).
        if let Some(key) = id_key {
            if !item.contains_key(key) {
                if let Some(id) = item.remove("id") {
                    item.insert(key.to_string(), id);
                }
            }
        }
        let prepared = match parse_args::<A>(tool, item) {
            Ok(args) => build(args).await,
            Err(e) => Err(e),
        };
        match prepared {
            Ok(body) => ready.push((i, body)),
            Err(e) => done.push(failed(i, &e)),
        }
    }
    (ready, done)
}

/// Sends the prepared items in one batch and merges the per-item outcomes.
async fn send(
    ctx: &Context,
    method: Method,
    path: &str,
    key: &str,
    ready: Vec<(usize, Body)>,
    mut done: Vec<BatchItem>,
) -> Vec<BatchItem> {
    if !ready.is_empty() {
        let (indices, bodies): (Vec<usize>, Vec<Body>) = ready.into_iter().unzip();
        match batch_with_progress(&ctx.client, method, path, key, bodies, ctx.progress.as_ref()).await {
            Ok(results) => done.extend(results.into_iter().map(|r: ItemResult| BatchItem {
                index: indices.get(r.index).copied().unwrap_or(r.index),
                id: r.id.filter(|_| r.success),
                error: if r.success { None } else { r.error },
            })),
            Err(e) => done.extend(indices.into_iter().map(|i| failed(i, &e))),
        }
    }
    done.sort_by_key(|r| r.index);
    done
}

fn written(entity: &'static str, action: BatchAction, results: Vec<BatchItem>) -> BatchWritten {
    let failed = results.iter().filter(|r| r.id.is_none()).count();
    BatchWritten {
        entity,
        action: match action {
            BatchAction::Create => "created",
            BatchAction::Update => "updated",
        },
        succeeded: results.len() - failed,
        failed,
        results,
    }
}

fn with_id((id, mut body): (i64, Body)) -> Body {
    body.insert("id".into(), id.into());
    body
}

async fn batch_leads(ctx: Context, a: BatchArgs) -> Result<BatchWritten, Error> {
    check_items(&a.items)?;
    let (ready, done) = match a.action {
        BatchAction::Create => {
            prepare("kommo_create_lead", a.items, None, |args| {
                let ctx = ctx.clone();
                async move { leads::create_body(&ctx, args).await }
            })
            .await
        }
        BatchAction::Update => {
            prepare("kommo_update_lead", a.items, Some("leadId"), |args| {
                let ctx = ctx.clone();
                async move { leads::update_body(&ctx, args).await.map(with_id) }
            })
            .await
        }
    };
    let method = method_of(a.action);
    Ok(written(
        "leads",
        a.action,
        send(&ctx, method, "leads", "leads", ready, done).await,
    ))
}

fn method_of(action: BatchAction) -> Method {
    match action {
        BatchAction::Create => Method::POST,
        BatchAction::Update => Method::PATCH,
    }
}

async fn batch_contacts(ctx: Context, a: BatchArgs) -> Result<BatchWritten, Error> {
    check_items(&a.items)?;
    let (ready, done) = match a.action {
        BatchAction::Create => {
            prepare("kommo_create_contact", a.items, None, |args| async move {
                contacts::create_body(args)
            })
            .await
        }
        BatchAction::Update => {
            prepare("kommo_update_contact", a.items, Some("contactId"), |args| async move {
                contacts::update_body(args).map(with_id)
            })
            .await
        }
    };
    let method = method_of(a.action);
    Ok(written(
        "contacts",
        a.action,
        send(&ctx, method, "contacts", "contacts", ready, done).await,
    ))
}

async fn batch_companies(ctx: Context, a: BatchArgs) -> Result<BatchWritten, Error> {
    check_items(&a.items)?;
    let (ready, done) = match a.action {
        BatchAction::Create => {
            prepare("kommo_create_company", a.items, None, |args| async move {
                companies::create_body(args)
            })
            .await
        }
        BatchAction::Update => {
            prepare("kommo_update_company", a.items, Some("companyId"), |args| async move {
                companies::update_body(args).map(with_id)
            })
            .await
        }
    };
    let method = method_of(a.action);
    Ok(written(
        "companies",
        a.action,
        send(&ctx, method, "companies", "companies", ready, done).await,
    ))
}

async fn batch_tasks(ctx: Context, a: BatchArgs) -> Result<BatchWritten, Error> {
    check_items(&a.items)?;
    let (ready, done) = match a.action {
        BatchAction::Create => {
            prepare("kommo_create_task", a.items, None, |args| async move {
                let data = tasks::create_data(args)?;
                data.check_create()?;
                Ok(data.to_map())
            })
            .await
        }
        BatchAction::Update => {
            prepare("kommo_update_task", a.items, Some("taskId"), |args| async move {
                tasks::update_body(args).map(with_id)
            })
            .await
        }
    };
    let method = method_of(a.action);
    Ok(written(
        "tasks",
        a.action,
        send(&ctx, method, "tasks", "tasks", ready, done).await,
    ))
}

async fn batch_notes(ctx: Context, a: NotesBatchArgs) -> Result<BatchWritten, Error> {
    check_items(&a.items)?;
    // Notes are written per entity type (`/leads/notes`, `/contacts/notes`, ...): one request
    // per type present.
    let mut by_entity: Vec<(&'static str, Vec<(usize, Body)>)> = Vec::new();
    let (ready, mut done) = prepare("kommo_create_note", a.items, None, |args| async move {
        let (entity, data) = notes::create_data(args)?;
        data.check(true)?;
        let mut body = data.to_map();
        // Remembered for the grouping below, removed before sending.
        body.insert("__entity".into(), entity.into());
        Ok(body)
    })
    .await;
    for (i, mut body) in ready {
        let entity = match body.remove("__entity").as_ref().and_then(Value::as_str) {
            Some("contacts") => "contacts",
            Some("companies") => "companies",
            _ => "leads",
        };
        match by_entity.iter_mut().find(|(e, _)| *e == entity) {
            Some((_, list)) => list.push((i, body)),
            None => by_entity.push((entity, vec![(i, body)])),
        }
    }
    for (entity, list) in by_entity {
        let path = format!("{entity}/notes");
        done = send(&ctx, Method::POST, &path, "notes", list, done).await;
    }
    done.sort_by_key(|r| r.index);
    Ok(written("notes", BatchAction::Create, done))
}

const WRITE: Access = Access::Write {
    destructive: true,
    idempotent: false,
};

/// Toolset of the batch tools. They are not in their resources' toolsets: two more tools in the
/// default toolsets (contacts, leads) would take `tools/list` over its 10 KB budget, and most
/// sessions never write in bulk. `KOMMO_TOOLSETS=default,batch` adds them.
pub const TOOLSET: &str = "batch";

/// The batch tool for one resource (`leads`, `contacts`, `companies`, `tasks`, `notes`).
pub fn tool(resource: &str) -> Option<ToolDef> {
    Some(match resource {
        "leads" => define(
            Meta {
                name: "kommo_batch_leads",
                title: "Create or update many leads",
                description: "Create or update up to 250 leads in one request; items take the arguments of \
kommo_create_lead or kommo_update_lead. Gives each item's id or error.",
                toolset: TOOLSET,
                access: WRITE,
            },
            batch_leads,
        ),
        "contacts" => define(
            Meta {
                name: "kommo_batch_contacts",
                title: "Create or update many contacts",
                description: "Create or update up to 250 contacts in one request; items take the arguments of \
kommo_create_contact or kommo_update_contact. Gives each item's id or error.",
                toolset: TOOLSET,
                access: WRITE,
            },
            batch_contacts,
        ),
        "companies" => define(
            Meta {
                name: "kommo_batch_companies",
                title: "Create or update many companies",
                description: "Create or update up to 250 companies in one request; items take the arguments of \
kommo_create_company or kommo_update_company. Gives each item's id or error.",
                toolset: TOOLSET,
                access: WRITE,
            },
            batch_companies,
        ),
        "tasks" => define(
            Meta {
                name: "kommo_batch_tasks",
                title: "Create or update many tasks",
                description: "Create or update up to 250 tasks in one request; items take the arguments of \
kommo_create_task or kommo_update_task. Gives each item's id or error.",
                toolset: TOOLSET,
                access: WRITE,
            },
            batch_tasks,
        ),
        "notes" => define(
            Meta {
                name: "kommo_batch_notes",
                title: "Add many notes",
                description: "Add up to 250 notes (one request per entity type), each item with the arguments of \
kommo_create_note. Gives each item's id or error.",
                toolset: TOOLSET,
                access: Access::Write {
                    destructive: false,
                    idempotent: false,
                },
            },
            batch_notes,
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_lists_every_item_with_its_id_or_error() {
        let w = written(
            "leads",
            BatchAction::Create,
            vec![
                BatchItem {
                    index: 0,
                    id: Some(7),
                    error: None,
                },
                BatchItem {
                    index: 1,
                    id: None,
                    error: Some("name: is 300 characters long".into()),
                },
            ],
        );
        assert_eq!((w.succeeded, w.failed), (1, 1));
        let text = w.render();
        assert!(text.starts_with("Created 1 of 2 leads; 1 failed"), "{text}");
        assert!(text.contains("- item 0: #7\n"), "{text}");
        assert!(text.contains("- item 1 failed: name: is 300 characters long"), "{text}");
    }

    #[test]
    fn too_many_or_no_items_are_refused_before_any_request() {
        let err = check_items(&vec![Body::new(); MAX_ITEMS + 1]).unwrap_err().to_string();
        assert!(err.contains("at most 250 per call"), "{err}");
        assert!(check_items(&[]).is_err());
        assert!(check_items(&vec![Body::new(); MAX_ITEMS]).is_ok());
    }
}
