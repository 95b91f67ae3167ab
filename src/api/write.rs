//! Batch writes: create or update many entities in as few requests as Kommo allows, with a
//! result per item.
//!
//! Items are sent 250 per request (Kommo's maximum). Each POSTed item carries a `request_id`
//! (its index in the input), so Kommo's answer and its `validation-errors` map back to the item.
//! A 400 means Kommo wrote nothing, so the valid items of a rejected request are sent once
//! more on their own; no other failure is retried here, and a request whose outcome is unknown
//! (timeout, dropped connection) is reported as such, never resent blindly.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::progress::Progress;
use crate::api::{Client, Query};
use crate::error::{Error, Result, ValidationError};

/// Items per request.
pub const BATCH_SIZE: usize = 250;
/// Largest input accepted by one batch call (40 requests).
pub const MAX_BATCH_ITEMS: usize = 10_000;

/// What happened to one input item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemResult {
    /// Position in the input (0-based).
    pub index: usize,
    /// Whether Kommo saved it.
    pub success: bool,
    /// Id of the created or updated entity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// Why it was not saved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Kommo's field-level errors for this item.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<ValidationError>,
}

impl ItemResult {
    fn ok(index: usize, id: i64) -> Self {
        ItemResult {
            index,
            success: true,
            id: Some(id),
            error: None,
            errors: Vec::new(),
        }
    }
    fn failed(index: usize, error: String, errors: Vec<ValidationError>) -> Self {
        ItemResult {
            index,
            success: false,
            id: None,
            error: Some(error),
            errors,
        }
    }
}

#[derive(Debug, Deserialize)]
struct Written {
    #[serde(default)]
    id: Option<i64>,
    #[serde(default)]
    request_id: Option<Value>,
}

fn request_id_of(w: &Written) -> Option<String> {
    match &w.request_id {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// Creates (`POST`) or updates (`PATCH`, each item with its `id`) `items` at `path`; the
/// response lists them under `_embedded.<key>`. Returns one result per item, in input order.
/// Fails as a whole only for invalid input (nothing sent).
pub async fn batch(
    client: &Client,
    method: Method,
    path: &str,
    key: &str,
    items: Vec<Map<String, Value>>,
) -> Result<Vec<ItemResult>> {
    batch_with_progress(client, method, path, key, items, None).await
}

/// [`batch`], telling `progress` after each request how many items were sent, and sending no
/// further request once it is cancelled (the items left are reported as not sent).
pub async fn batch_with_progress(
    client: &Client,
    method: Method,
    path: &str,
    key: &str,
    items: Vec<Map<String, Value>>,
    progress: Option<&Progress>,
) -> Result<Vec<ItemResult>> {
    if items.is_empty() {
        return Err(Error::invalid("items", "is empty; give at least one item"));
    }
    if items.len() > MAX_BATCH_ITEMS {
        return Err(Error::invalid(
            "items",
            format!("has {} items; at most {MAX_BATCH_ITEMS} per call", items.len()),
        ));
    }
    let updating = method == Method::PATCH;
    if updating {
        if let Some(i) = items
            .iter()
            .position(|it| it.get("id").and_then(Value::as_i64).is_none_or(|id| id <= 0))
        {
            return Err(Error::invalid(
                format!("items[{i}].id"),
                "is required for an update (a positive integer)",
            ));
        }
    }
    let mut results: Vec<Option<ItemResult>> = vec![None; items.len()];
    let indexed: Vec<(usize, Map<String, Value>)> = items.into_iter().enumerate().collect();
    let mut aborted: Option<String> = None;
    let total = indexed.len() as u64;
    let requests = indexed.len().div_ceil(BATCH_SIZE);
    let mut sent = 0u64;
    for (n, chunk) in indexed.chunks(BATCH_SIZE).enumerate() {
        if aborted.is_none() && progress.is_some_and(Progress::is_cancelled) {
            aborted = Some("the call was cancelled before this request".into());
        }
        if let Some(reason) = &aborted {
            for (i, _) in chunk {
                results[*i] = Some(ItemResult::failed(*i, format!("not sent: {reason}"), Vec::new()));
            }
            continue;
        }
        let outcome = send_chunk(client, method.clone(), path, key, chunk, true).await;
        for r in outcome.results {
            let i = r.index;
            results[i] = Some(r);
        }
        if let Some(reason) = outcome.abort {
            aborted = Some(reason);
        }
        sent += chunk.len() as u64;
        if let Some(p) = progress {
            let message = format!("request {} of {requests}: {sent} of {total} items sent", n + 1);
            p.report(sent, Some(total), message).await;
        }
    }
    Ok(results
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.unwrap_or_else(|| ItemResult::failed(i, "Kommo's answer did not mention this item".into(), Vec::new()))
        })
        .collect())
}

struct ChunkOutcome {
    results: Vec<ItemResult>,
    /// Set when later chunks should not be sent (rate limit, auth, block, unknown outcome).
    abort: Option<String>,
}

async fn send_chunk(
    client: &Client,
    method: Method,
    path: &str,
    key: &str,
    chunk: &[(usize, Map<String, Value>)],
    may_resend_valid: bool,
) -> ChunkOutcome {
    let updating = method == Method::PATCH;
    let body = Value::Array(
        chunk
            .iter()
            .map(|(i, item)| {
                let mut item = item.clone();
                item.insert("request_id".into(), Value::String(i.to_string()));
                Value::Object(item)
            })
            .collect(),
    );
    let response = client
        .send_json::<Value>(method.clone(), path, &Query::new(), Some(&body))
        .await;
    match response {
        Ok(value) => {
            let written: Vec<Written> = value
                .as_ref()
                .and_then(|v| v.get("_embedded"))
                .and_then(|e| e.get(key))
                .and_then(|list| serde_json::from_value(list.clone()).ok())
                .unwrap_or_default();
            let mut results = Vec::with_capacity(chunk.len());
            for (pos, (i, item)) in chunk.iter().enumerate() {
                let found = written
                    .iter()
                    .find(|w| request_id_of(w).as_deref() == Some(i.to_string().as_str()))
                    .or_else(|| {
                        if updating {
                            written.iter().find(|w| w.id == item.get("id").and_then(Value::as_i64))
                        } else {
                            None
                        }
                    })
                    .or_else(|| written.get(pos).filter(|w| request_id_of(w).is_none()));
                results.push(match found.and_then(|w| w.id) {
                    Some(id) => ItemResult::ok(*i, id),
                    None => ItemResult::failed(*i, "Kommo's answer did not include this item".into(), Vec::new()),
                });
            }
            ChunkOutcome { results, abort: None }
        }
        Err(Error::Validation { errors, detail, .. }) => {
            // Kommo wrote nothing. Report the items it named; resend the others once.
            let named = |i: usize| -> Vec<ValidationError> {
                errors
                    .iter()
                    .filter(|e| e.request_id == i.to_string())
                    .cloned()
                    .collect()
            };
            let mut results = Vec::new();
            let mut valid: Vec<(usize, Map<String, Value>)> = Vec::new();
            for (i, item) in chunk {
                let mine = named(*i);
                if mine.is_empty() {
                    valid.push((*i, item.clone()));
                } else {
                    let text = mine
                        .iter()
                        .map(|e| format!("{}: {} ({})", e.path, e.detail, e.code))
                        .collect::<Vec<_>>()
                        .join("; ");
                    results.push(ItemResult::failed(
                        *i,
                        format!("Kommo rejected this item: {text}"),
                        mine,
                    ));
                }
            }
            if valid.len() == chunk.len() || !may_resend_valid {
                // Kommo did not say which item was wrong: report the request's error on each.
                let why = detail.unwrap_or_else(|| "Request validation failed".into());
                for (i, _) in &valid {
                    results.push(ItemResult::failed(
                        *i,
                        format!("Kommo rejected the request: {why}"),
                        Vec::new(),
                    ));
                }
                return ChunkOutcome { results, abort: None };
            }
            if !valid.is_empty() {
                let again = Box::pin(send_chunk(client, method, path, key, &valid, false)).await;
                results.extend(again.results);
                return ChunkOutcome {
                    results,
                    abort: again.abort,
                };
            }
            ChunkOutcome { results, abort: None }
        }
        Err(e) => {
            // The transport reports a POST whose outcome is unknown as Error::OutcomeUnknown,
            // whose text already says to search before trying again.
            let message = e.to_string();
            let results = chunk
                .iter()
                .map(|(i, _)| ItemResult::failed(*i, message.clone(), Vec::new()))
                .collect();
            ChunkOutcome {
                results,
                abort: Some(message),
            }
        }
    }
}

/// Creates one entity with `POST <path>` (an array of one) and returns its id. Errors are
/// Kommo's own (a 400 keeps its `validation-errors`).
pub async fn create_single(client: &Client, path: &str, key: &str, mut item: Map<String, Value>) -> Result<i64> {
    item.insert("request_id".into(), Value::String("0".into()));
    let body = Value::Array(vec![Value::Object(item)]);
    let resp: Option<Value> = client.send_json(Method::POST, path, &Query::new(), Some(&body)).await?;
    resp.as_ref()
        .and_then(|v| v.get("_embedded"))
        .and_then(|e| e.get(key))
        .and_then(|list| list.get(0))
        .and_then(|w| w.get("id"))
        .and_then(Value::as_i64)
        .ok_or_else(|| Error::InvalidResponse {
            context: format!("POST /api/v4/{path}"),
            reason: format!("no id in _embedded.{key}"),
        })
}
