//! Note tools. Argument names follow the original package (`entityType`, `entityId`,
//! `noteId`, `text`), so existing prompts keep working.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::tasks::EntityKind;
use super::{check_len, define, Access, Context, Meta, Render, ToolDef};
use crate::api::account;
use crate::api::list::{Direction, ListOptions};
use crate::api::notes::{self, NoteData, NoteFilter};
use crate::error::Error;
use crate::mcp::format::{self, NoteSummary};

async fn summaries(ctx: &Context, list: &[notes::Note]) -> Vec<NoteSummary> {
    let users = account::cached_users(&ctx.client).await.ok();
    list.iter()
        .map(|n| NoteSummary::new(n, users.as_deref().map(Vec::as_slice)))
        .collect()
}

/// Arguments of `kommo_list_notes`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListNotesArgs {
    /// Kind of entity the notes are on.
    #[serde(rename = "entityType", alias = "entity_type")]
    pub entity_type: EntityKind,
    /// Only notes of this lead, contact or company (otherwise the latest notes of every entity of that kind).
    #[serde(default, rename = "entityId", alias = "entity_id")]
    pub entity_id: Option<i64>,
    /// Only notes of this type: common, call_in, call_out, service_message, sms_in, sms_out...
    #[serde(default)]
    pub note_type: Option<String>,
    /// Page number, from 1.
    #[serde(default)]
    pub page: Option<u32>,
    /// Notes per page, up to 250 (default 50).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// A page of notes.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NotePage {
    pub notes: Vec<NoteSummary>,
    pub page: u32,
    pub has_more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page: Option<u32>,
}

impl Render for NotePage {
    fn render(&self) -> String {
        if self.notes.is_empty() {
            return if self.page > 1 {
                format!("No notes on page {}.", self.page)
            } else {
                "No notes.".to_string()
            };
        }
        let n = self.notes.len();
        let mut out = format!(
            "{n} note{} (page {}), newest first:\n",
            if n == 1 { "" } else { "s" },
            self.page
        );
        for note in &self.notes {
            out.push_str("- ");
            out.push_str(&format::note_line(note));
            out.push('\n');
        }
        out.push_str(&format::paging_hint(self.has_more, self.next_page));
        out
    }
}

async fn list_notes(ctx: Context, a: ListNotesArgs) -> Result<NotePage, Error> {
    let filter = NoteFilter {
        note_types: a.note_type.into_iter().collect(),
        ..NoteFilter::default()
    };
    let opts = ListOptions {
        page: a.page,
        limit: a.limit,
        order: Some(("id".into(), Direction::Desc)),
        ..ListOptions::default()
    };
    let listing = notes::list_notes(&ctx.client, a.entity_type.as_str(), a.entity_id, &filter, &opts).await?;
    Ok(NotePage {
        notes: summaries(&ctx, &listing.items).await,
        page: listing.page,
        has_more: listing.has_more(),
        next_page: listing.next_page,
    })
}

/// Arguments of `kommo_get_note`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetNoteArgs {
    /// The note id.
    #[serde(rename = "noteId", alias = "note_id")]
    pub note_id: i64,
    /// Kind of entity the note is on.
    #[serde(rename = "entityType", alias = "entity_type")]
    pub entity_type: EntityKind,
}

/// One note.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NoteDetail {
    pub entity_type: String,
    pub note: NoteSummary,
}

impl Render for NoteDetail {
    fn render(&self) -> String {
        format!(
            "Note on {}: {}\n",
            format::entity_label(&self.entity_type, self.note.entity_id),
            format::note_line(&self.note)
        )
    }
}

async fn get_note(ctx: Context, a: GetNoteArgs) -> Result<NoteDetail, Error> {
    let e = a.entity_type.as_str();
    let note = notes::get(&ctx.client, e, a.note_id).await?.ok_or_else(|| {
        Error::invalid(
            "noteId",
            format!("no note of {e} has id {}; list them with kommo_list_notes", a.note_id),
        )
    })?;
    let mut s = summaries(&ctx, std::slice::from_ref(&note)).await;
    Ok(NoteDetail {
        entity_type: e.into(),
        note: s.remove(0),
    })
}

/// Arguments of `kommo_create_note`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateNoteArgs {
    /// Kind of entity to add the note to.
    #[serde(rename = "entityType", alias = "entity_type")]
    pub entity_type: EntityKind,
    /// Id of that lead, contact or company.
    #[serde(rename = "entityId", alias = "entity_id")]
    pub entity_id: i64,
    /// The note's text.
    pub text: String,
    /// common (default), call_in, call_out, service_message, sms_in, sms_out.
    #[serde(default)]
    pub note_type: Option<String>,
    /// Extra params for non-common types, e.g. for call_in/call_out {"uniq": "call-123", "duration": 120, "source": "phone", "phone": "+573001234567"}; for sms_in/sms_out {"phone": "..."}; for service_message {"service": "My bot"}.
    #[serde(default)]
    pub params: Option<Map<String, Value>>,
}

/// A written note.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NoteWritten {
    pub note_id: i64,
    pub action: String,
}

impl Render for NoteWritten {
    fn render(&self) -> String {
        format!("Note #{} {}.", self.note_id, self.action)
    }
}

async fn create_note(ctx: Context, a: CreateNoteArgs) -> Result<NoteWritten, Error> {
    let (e, data) = create_data(a)?;
    let id = notes::create_one(&ctx.client, e, &data).await?;
    let entity_id = data.entity_id.unwrap_or_default();
    Ok(NoteWritten {
        note_id: id,
        action: format!("added to {}", format::entity_label(e, entity_id)),
    })
}

/// The entity type and note for `kommo_create_note`'s arguments (also one item of
/// `kommo_batch_notes`).
pub(super) fn create_data(a: CreateNoteArgs) -> Result<(&'static str, NoteData), Error> {
    check_len("text", &a.text, 10_000)?;
    if a.text.trim().is_empty() {
        return Err(Error::invalid("text", "must not be empty"));
    }
    let e = a.entity_type.as_str();
    let data = NoteData {
        entity_id: Some(a.entity_id),
        note_type: Some(a.note_type.unwrap_or_else(|| "common".into())),
        params: a.params,
        ..NoteData::default()
    }
    .with_text(Some(a.text));
    Ok((e, data))
}

/// Arguments of `kommo_update_note`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateNoteArgs {
    /// The note id.
    #[serde(rename = "noteId", alias = "note_id")]
    pub note_id: i64,
    /// Kind of entity the note is on.
    #[serde(rename = "entityType", alias = "entity_type")]
    pub entity_type: EntityKind,
    /// The new text.
    pub text: String,
}

async fn update_note(ctx: Context, a: UpdateNoteArgs) -> Result<NoteWritten, Error> {
    check_len("text", &a.text, 10_000)?;
    let e = a.entity_type.as_str();
    // Kommo wants the note's entity_id and type in the PATCH: read them first.
    let note = notes::get(&ctx.client, e, a.note_id).await?.ok_or_else(|| {
        Error::invalid(
            "noteId",
            format!("no note of {e} has id {}; list them with kommo_list_notes", a.note_id),
        )
    })?;
    let mut params = Map::new();
    params.insert("text".into(), Value::String(a.text));
    let data = NoteData {
        entity_id: Some(note.entity_id),
        note_type: Some(note.note_type),
        params: Some(params),
        ..NoteData::default()
    };
    notes::update_one(&ctx.client, e, a.note_id, &data).await?;
    Ok(NoteWritten {
        note_id: a.note_id,
        action: "updated".into(),
    })
}

/// Arguments of `kommo_pin_note`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PinNoteArgs {
    /// The note id.
    #[serde(rename = "noteId", alias = "note_id")]
    pub note_id: i64,
    /// Kind of entity the note is on.
    #[serde(rename = "entityType", alias = "entity_type")]
    pub entity_type: EntityKind,
    /// false unpins it (default true).
    #[serde(default)]
    pub pinned: Option<bool>,
}

async fn pin_note(ctx: Context, a: PinNoteArgs) -> Result<NoteWritten, Error> {
    let pinned = a.pinned.unwrap_or(true);
    notes::set_pinned(&ctx.client, a.entity_type.as_str(), a.note_id, pinned).await?;
    Ok(NoteWritten {
        note_id: a.note_id,
        action: if pinned { "pinned" } else { "unpinned" }.into(),
    })
}

/// Note tools.
pub fn tools() -> Vec<ToolDef> {
    vec![
        define(
            Meta {
                name: "kommo_list_notes",
                title: "List notes",
                description: "List the notes (comments, call logs, SMS, system messages) of one lead, contact or \
company (entityType + entityId), newest first; without entityId, the latest notes of every entity of that kind. \
One line per note: id, type, date, author, text and call/SMS details; with a paging hint.",
                toolset: "notes",
                access: Access::Read,
            },
            list_notes,
        ),
        define(
            Meta {
                name: "kommo_get_note",
                title: "Get a note",
                description: "Get one note by id and entity type, with its text, type, author and date.",
                toolset: "notes",
                access: Access::Read,
            },
            get_note,
        ),
        define(
            Meta {
                name: "kommo_create_note",
                title: "Add a note",
                description:
                    "Add a note to a lead, contact or company: a comment (note_type common, the default), or a \
logged call (call_in/call_out with params uniq, duration, source, phone), SMS or service message. Returns the new \
note id. For something still to be done use kommo_create_task.",
                toolset: "notes",
                access: Access::Write {
                    destructive: false,
                    idempotent: false,
                },
            },
            create_note,
        ),
        define(
            Meta {
                name: "kommo_update_note",
                title: "Edit a note",
                description: "Replace the text of an existing note (its type and entity stay the same).",
                toolset: "notes",
                access: Access::Write {
                    destructive: true,
                    idempotent: true,
                },
            },
            update_note,
        ),
        define(
            Meta {
                name: "kommo_pin_note",
                title: "Pin or unpin a note",
                description:
                    "Pin a note to the top of its lead, contact or company feed, or unpin it with pinned=false.",
                toolset: "notes",
                access: Access::Write {
                    destructive: false,
                    idempotent: true,
                },
            },
            pin_note,
        ),
    ]
}
