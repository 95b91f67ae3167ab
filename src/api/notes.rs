//! Notes (`/api/v4/{leads|contacts|companies}/notes`). Kommo has no `/api/v4/notes`: every call
//! names the entity type. A note's content lives in `params` (`params.text` for a common note).

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::list::{check_id, list, ListOptions, Listing};
use crate::api::tasks::entity_type;
use crate::api::write::{batch, create_single, ItemResult};
use crate::api::{Client, Query};
use crate::error::{Error, Result};

/// Note types that can be created through the API, with the `params` each needs.
pub const NOTE_TYPES: [(&str, &str); 9] = [
    ("common", "text"),
    (
        "call_in",
        "uniq, duration (seconds), source, phone; optional link, call_status, call_result",
    ),
    (
        "call_out",
        "uniq, duration (seconds), source, phone; optional link, call_status, call_result",
    ),
    ("service_message", "service, text"),
    ("extended_service_message", "service, text"),
    ("message_cashier", "status, text"),
    ("geolocation", "text, address, longitude, latitude"),
    ("sms_in", "text, phone"),
    ("sms_out", "text, phone"),
];

/// A note as Kommo returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub id: i64,
    #[serde(default)]
    pub entity_id: i64,
    #[serde(default)]
    pub note_type: String,
    #[serde(default)]
    pub params: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible_user_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_pinned: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<i64>,
    /// The note's text (`params.text`), copied to the top level for readers of the original
    /// package's `note.text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl Note {
    /// Fills `text` from `params.text`.
    fn with_text(mut self) -> Self {
        if self.text.is_none() {
            self.text = self.params.get("text").and_then(Value::as_str).map(str::to_string);
        }
        self
    }
}

/// Filters of a note list, in Kommo's `filter[...]` syntax.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NoteFilter {
    pub ids: Vec<i64>,
    pub note_types: Vec<String>,
    /// Used when listing across the entity type (no entity in the path).
    pub entity_ids: Vec<i64>,
    pub updated_at: (Option<i64>, Option<i64>),
}

impl NoteFilter {
    fn to_query(&self) -> Query {
        let mut q = Query::new();
        q.filter_list("id", &self.ids)
            .filter_list("note_type", &self.note_types)
            .filter_list("entity_id", &self.entity_ids)
            .filter_range("updated_at", self.updated_at.0, self.updated_at.1);
        q
    }
}

/// Lists notes of one entity (`/{e}/{id}/notes`) or of the whole entity type (`/{e}/notes`).
pub async fn list_notes(
    client: &Client,
    entity: &str,
    entity_id: Option<i64>,
    filter: &NoteFilter,
    opts: &ListOptions,
) -> Result<Listing<Note>> {
    let e = entity_type("entityType", entity)?;
    let path = match entity_id {
        Some(id) => {
            check_id("entityId", id)?;
            format!("{e}/{id}/notes")
        }
        None => format!("{e}/notes"),
    };
    let mut l: Listing<Note> = list(client, &path, "notes", filter.to_query(), opts).await?;
    l.items = l.items.into_iter().map(Note::with_text).collect();
    Ok(l)
}

/// One note; `None` when it does not exist.
pub async fn get(client: &Client, entity: &str, id: i64) -> Result<Option<Note>> {
    let e = entity_type("entityType", entity)?;
    check_id("noteId", id)?;
    let mut q = Query::new();
    q.with(&["is_pinned"]);
    match client.get::<Note>(&format!("{e}/notes/{id}"), &q).await {
        Err(Error::NotFound { .. }) => Ok(None),
        other => other.map(|n| n.map(Note::with_text)),
    }
}

/// A note to create or change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NoteData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible_user_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<i64>,
}

impl NoteData {
    /// A note with `text`: common by default; for other types the text joins `params`.
    pub fn with_text(mut self, text: Option<String>) -> Self {
        if let Some(text) = text {
            self.params
                .get_or_insert_with(Map::new)
                .entry("text")
                .or_insert(Value::String(text));
        }
        self
    }

    /// Checks the note type and that its required `params` are present.
    pub fn check(&self, creating: bool) -> Result<()> {
        let t = self.note_type.as_deref().unwrap_or("common");
        let Some((_, needs)) = NOTE_TYPES.iter().find(|(name, _)| *name == t) else {
            let names: Vec<&str> = NOTE_TYPES.iter().map(|(n, _)| *n).collect();
            return Err(Error::invalid(
                "note_type",
                format!(
                    "{t:?} cannot be written through the API; use one of {}",
                    names.join(", ")
                ),
            ));
        };
        if creating {
            let params = self.params.clone().unwrap_or_default();
            for key in needs.split(';').next().unwrap_or("").split(',') {
                let key = key.trim().split(' ').next().unwrap_or("");
                if key.is_empty() {
                    continue;
                }
                let present = match params.get(key) {
                    None | Some(Value::Null) => false,
                    Some(Value::String(s)) => !s.trim().is_empty(),
                    Some(_) => true,
                };
                if !present {
                    let arg = if key == "text" {
                        "text".to_string()
                    } else {
                        format!("params.{key}")
                    };
                    return Err(Error::invalid(
                        arg,
                        format!("is required for a {t} note (needs {needs})"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The JSON object sent to Kommo (`note_type` defaults to `common`).
    pub fn to_map(&self) -> Map<String, Value> {
        let mut m = match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        if self.id.is_none() {
            m.entry("note_type").or_insert(Value::String("common".into()));
        }
        m
    }
}

/// Creates one note on `entity` and returns its id.
pub async fn create_one(client: &Client, entity: &str, data: &NoteData) -> Result<i64> {
    let e = entity_type("entityType", entity)?;
    check_id("entityId", data.entity_id.unwrap_or(0))?;
    data.check(true)?;
    create_single(client, &format!("{e}/notes"), "notes", data.to_map()).await
}

/// Creates notes on entities of one type, one result per item.
pub async fn create(client: &Client, entity: &str, items: Vec<Map<String, Value>>) -> Result<Vec<ItemResult>> {
    let e = entity_type("entityType", entity)?;
    batch(client, Method::POST, &format!("{e}/notes"), "notes", items).await
}

/// Updates notes of one entity type; each item carries `id` (and `entity_id`).
pub async fn update(client: &Client, entity: &str, items: Vec<Map<String, Value>>) -> Result<Vec<ItemResult>> {
    let e = entity_type("entityType", entity)?;
    batch(client, Method::PATCH, &format!("{e}/notes"), "notes", items).await
}

/// Updates one note with `PATCH /{e}/notes/{id}` (an object body) and returns the answer object.
pub async fn update_one(client: &Client, entity: &str, id: i64, data: &NoteData) -> Result<Value> {
    let e = entity_type("entityType", entity)?;
    check_id("noteId", id)?;
    data.check(false)?;
    let body = Value::Object(data.to_map());
    let resp: Option<Value> = client
        .send_json(Method::PATCH, &format!("{e}/notes/{id}"), &Query::new(), Some(&body))
        .await?;
    // Kommo answers the object itself; tolerate the `_embedded.notes[0]` wrapper too.
    let obj = resp
        .map(|v| v.pointer("/_embedded/notes/0").cloned().unwrap_or(v))
        .unwrap_or(Value::Null);
    Ok(obj)
}

/// Pins (`true`) or unpins a note; Kommo answers 204.
pub async fn set_pinned(client: &Client, entity: &str, id: i64, pinned: bool) -> Result<()> {
    let e = entity_type("entityType", entity)?;
    check_id("noteId", id)?;
    let action = if pinned { "pin" } else { "unpin" };
    client
        .send_json::<Value>(Method::POST, &format!("{e}/notes/{id}/{action}"), &Query::new(), None)
        .await?;
    Ok(())
}
