//! Note functions of the JS SDK. Notes are scoped by entity type (`leads`, `contacts`,
//! `companies`); the text is written to `params.text` (the original saved notes without it).

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::notes::{self, Note, NoteData, NoteFilter};
use crate::api::Client;
use crate::error::{Error, Result as ApiResult};
use crate::node::args::{from_js, sdk, Failure};
use crate::node::leads::PageArgs;
use crate::node::promise_json;
use crate::node::shapes::{get_result, list_result};
use crate::node::tasks::BatchResult;

list_result!(ListNotesResult, notes, Note);
get_result!(GetNoteResult, note, Note);

/// `{ success, note?, noteId?, error? }`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NoteWriteResult {
    pub success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Failure for NoteWriteResult {
    fn failure(error: String) -> Self {
        NoteWriteResult {
            success: false,
            note: None,
            note_id: None,
            error: Some(error),
        }
    }
}

/// `{ success, error? }`.
#[derive(Debug, Serialize)]
pub struct SimpleResult {
    pub success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Failure for SimpleResult {
    fn failure(error: String) -> Self {
        SimpleResult {
            success: false,
            error: Some(error),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetNoteParams {
    note_id: i64,
    entity_type: String,
}

/// Arguments of `listNotes`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListNotesParams {
    pub entity_type: String,
    #[serde(default, alias = "entity_id")]
    pub entity_id: Option<i64>,
    #[serde(default, rename = "note_type", alias = "noteType")]
    pub note_type: Option<NoteTypes>,
    #[serde(default)]
    pub ids: Option<Vec<i64>>,
    #[serde(default, rename = "updated_at_from")]
    pub updated_at_from: Option<i64>,
    #[serde(default, rename = "updated_at_to")]
    pub updated_at_to: Option<i64>,
    /// Not a Kommo filter: applied to the returned page(s).
    #[serde(default, rename = "responsible_user_id")]
    pub responsible_user_id: Option<i64>,
    #[serde(default, rename = "created_at_from")]
    pub created_at_from: Option<i64>,
    #[serde(default, rename = "created_at_to")]
    pub created_at_to: Option<i64>,
    #[serde(flatten)]
    pub paging: PageArgs,
}

/// One note type or several.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum NoteTypes {
    One(String),
    Many(Vec<String>),
}

pub(crate) async fn list_with(client: Client, p: ListNotesParams) -> ApiResult<ListNotesResult> {
    let filter = NoteFilter {
        ids: p.ids.clone().unwrap_or_default(),
        note_types: match p.note_type.clone() {
            None => Vec::new(),
            Some(NoteTypes::One(t)) => vec![t],
            Some(NoteTypes::Many(t)) => t,
        },
        entity_ids: Vec::new(),
        updated_at: (p.updated_at_from, p.updated_at_to),
    };
    let mut opts = p.paging.options();
    opts.query = None;
    let listing = notes::list_notes(&client, &p.entity_type, p.entity_id, &filter, &opts).await?;
    let mut result = ListNotesResult::from(listing);
    if p.responsible_user_id.is_some() || p.created_at_from.is_some() || p.created_at_to.is_some() {
        result.notes.retain(|n| {
            p.responsible_user_id.is_none_or(|u| n.responsible_user_id == Some(u))
                && p.created_at_from.is_none_or(|f| n.created_at.is_some_and(|c| c >= f))
                && p.created_at_to.is_none_or(|t| n.created_at.is_some_and(|c| c <= t))
        });
        result.total_found = result.notes.len();
        result.note = Some(
            "Kommo has no responsible_user_id/created_at filter for notes: they were applied to the page(s) read; \
use allPages: true for complete results"
                .into(),
        );
    }
    Ok(result)
}

/// One note of a lead, contact or company.
#[napi(
    ts_args_type = "params: GetNoteParams, config: KommoConfigInput",
    ts_return_type = "Promise<GetNoteResult>"
)]
pub fn get_note<'e>(env: &'e Env, params: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let p: GetNoteParams = from_js(env, "getNote", "params", params)?;
    sdk(env, config, move |client| async move {
        Ok(match notes::get(&client, &p.entity_type, p.note_id).await? {
            Some(n) => GetNoteResult::ok(n),
            None => GetNoteResult::failure(format!("Note with ID {} not found in {}", p.note_id, p.entity_type)),
        })
    })
}

/// Lists notes of one entity (`entityId`) or of every entity of a type, with `note_type`
/// (one or a list), `ids`, `updated_at_from/to`, `page`, `limit`, `order` and `allPages`.
#[napi(
    ts_args_type = "params: ListNotesParams, config: KommoConfigInput",
    ts_return_type = "Promise<ListNotesResult>"
)]
pub fn list_notes<'e>(env: &'e Env, params: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let p: ListNotesParams = from_js(env, "listNotes", "params", params)?;
    sdk(env, config, move |client| list_with(client, p))
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
            ListNotesParams {
                entity_type: entity.into(),
                entity_id: Some(id),
                ..ListNotesParams::default()
            },
        )
    })
}

/// Notes of a contact.
#[napi(
    ts_args_type = "contactId: number, config: KommoConfigInput",
    ts_return_type = "Promise<ListNotesResult>"
)]
pub fn get_notes_by_contact<'e>(
    env: &'e Env,
    id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    by_entity(env, "getNotesByContact", "contactId", "contacts", id, config)
}

/// Notes of a lead.
#[napi(
    ts_args_type = "leadId: number, config: KommoConfigInput",
    ts_return_type = "Promise<ListNotesResult>"
)]
pub fn get_notes_by_lead<'e>(
    env: &'e Env,
    id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    by_entity(env, "getNotesByLead", "leadId", "leads", id, config)
}

/// Notes of a deal (a lead).
#[napi(
    ts_args_type = "dealId: number, config: KommoConfigInput",
    ts_return_type = "Promise<ListNotesResult>"
)]
pub fn get_notes_by_deal<'e>(
    env: &'e Env,
    id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    by_entity(env, "getNotesByDeal", "dealId", "leads", id, config)
}

/// Arguments of `createNote`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateNoteParams {
    #[serde(default)]
    text: Option<String>,
    entity_type: String,
    #[serde(alias = "entity_id")]
    entity_id: i64,
    #[serde(default, rename = "note_type", alias = "noteType")]
    note_type: Option<String>,
    #[serde(default, rename = "responsible_user_id", alias = "responsibleUserId")]
    responsible_user_id: Option<i64>,
    /// Type-specific params (calls: uniq, duration, source, phone...).
    #[serde(default)]
    params: Option<Map<String, Value>>,
}

fn note_value(id: i64, entity_type: &str, data: &NoteData) -> Value {
    let mut m = data.to_map();
    m.insert("id".into(), id.into());
    m.insert("entity_type".into(), entity_type.into());
    if let Some(t) = data.params.as_ref().and_then(|p| p.get("text")) {
        m.insert("text".into(), t.clone());
    }
    Value::Object(m)
}

/// Adds a note to a lead, contact or company: `{ text, entityType, entityId, note_type = 'common',
/// responsible_user_id?, params? }`. The text is saved in Kommo's `params.text`.
#[napi(
    ts_args_type = "params: CreateNoteParams, config: KommoConfigInput",
    ts_return_type = "Promise<NoteWriteResult>"
)]
pub fn create_note<'e>(env: &'e Env, params: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let p: CreateNoteParams = from_js(env, "createNote", "params", params)?;
    sdk(env, config, move |client| async move {
        let data = NoteData {
            entity_id: Some(p.entity_id),
            note_type: Some(p.note_type.unwrap_or_else(|| "common".into())),
            params: p.params,
            responsible_user_id: p.responsible_user_id,
            ..NoteData::default()
        }
        .with_text(p.text);
        let id = notes::create_one(&client, &p.entity_type, &data).await?;
        Ok(NoteWriteResult {
            success: true,
            note: Some(note_value(id, &p.entity_type, &data)),
            note_id: Some(id),
            error: None,
        })
    })
}

/// Arguments of `updateNote`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateNoteParams {
    note_id: i64,
    entity_type: String,
    /// The note's entity; looked up (one extra request) when not given.
    #[serde(default, alias = "entity_id")]
    entity_id: Option<i64>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default, rename = "note_type", alias = "noteType")]
    note_type: Option<String>,
    #[serde(default, rename = "responsible_user_id", alias = "responsibleUserId")]
    responsible_user_id: Option<i64>,
    #[serde(default)]
    params: Option<Map<String, Value>>,
}

/// Changes a note's text, type, params or responsible user with one `PATCH /{e}/notes/{id}`
/// (an object body with its `entity_id`; the note is read first when `entityId` is not given).
#[napi(
    ts_args_type = "params: UpdateNoteParams, config: KommoConfigInput",
    ts_return_type = "Promise<NoteWriteResult>"
)]
pub fn update_note<'e>(env: &'e Env, params: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let p: UpdateNoteParams = from_js(env, "updateNote", "params", params)?;
    sdk(env, config, move |client| async move {
        let (entity_id, note_type) = match p.entity_id {
            Some(e) => (e, p.note_type.clone()),
            None => {
                let Some(note) = notes::get(&client, &p.entity_type, p.note_id).await? else {
                    return Ok(NoteWriteResult::failure(format!(
                        "Note with ID {} not found in {}",
                        p.note_id, p.entity_type
                    )));
                };
                (note.entity_id, p.note_type.clone().or(Some(note.note_type)))
            }
        };
        if p.text.is_none() && p.params.is_none() && p.note_type.is_none() && p.responsible_user_id.is_none() {
            return Err(Error::invalid(
                "params",
                "nothing to change: give text, params, note_type or responsible_user_id",
            ));
        }
        let mut params = p.params.clone();
        if let Some(text) = p.text.clone() {
            params
                .get_or_insert_with(Map::new)
                .insert("text".into(), Value::String(text));
        }
        let data = NoteData {
            entity_id: Some(entity_id),
            note_type,
            params,
            responsible_user_id: p.responsible_user_id,
            ..NoteData::default()
        };
        let answer = notes::update_one(&client, &p.entity_type, p.note_id, &data).await?;
        let id = answer.get("id").and_then(Value::as_i64).unwrap_or(p.note_id);
        let mut note = note_value(id, &p.entity_type, &data);
        if let (Some(m), Some(at)) = (note.as_object_mut(), answer.get("updated_at")) {
            m.insert("updated_at".into(), at.clone());
        }
        Ok(NoteWriteResult {
            success: true,
            note: Some(note),
            note_id: Some(id),
            error: None,
        })
    })
}

const NOT_LINKABLE: &str = "Notes in Kommo v4 cannot be linked to another entity: a note belongs to the one lead, \
contact or company it was created on. Create a new note on the other entity with createNote({ entityType, entityId, text }).";

fn not_linkable<'e>(env: &'e Env) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    promise_json(env, async move { SimpleResult::failure(NOT_LINKABLE.into()) })
}

/// Kept for compatibility: always `{ success: false, error }` explaining that notes belong to
/// one entity from creation (no request is made).
#[napi(
    ts_args_type = "noteId: number, contactId: number, config: KommoConfigInput",
    ts_return_type = "Promise<SimpleResult>"
)]
pub fn link_note_to_contact<'e>(
    env: &'e Env,
    _note_id: Unknown<'e>,
    _id: Unknown<'e>,
    _config: Option<Unknown<'e>>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    not_linkable(env)
}

/// Kept for compatibility: always `{ success: false, error }` (see `linkNoteToContact`).
#[napi(
    ts_args_type = "noteId: number, leadId: number, config: KommoConfigInput",
    ts_return_type = "Promise<SimpleResult>"
)]
pub fn link_note_to_lead<'e>(
    env: &'e Env,
    _note_id: Unknown<'e>,
    _id: Unknown<'e>,
    _config: Option<Unknown<'e>>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    not_linkable(env)
}

/// Kept for compatibility: always `{ success: false, error }` (see `linkNoteToContact`).
#[napi(
    ts_args_type = "noteId: number, dealId: number, config: KommoConfigInput",
    ts_return_type = "Promise<SimpleResult>"
)]
pub fn link_note_to_deal<'e>(
    env: &'e Env,
    _note_id: Unknown<'e>,
    _id: Unknown<'e>,
    _config: Option<Unknown<'e>>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    not_linkable(env)
}

fn pin<'e>(
    env: &'e Env,
    func: &str,
    pinned: bool,
    params: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let p: GetNoteParams = from_js(env, func, "params", params)?;
    sdk(env, config, move |client| async move {
        notes::set_pinned(&client, &p.entity_type, p.note_id, pinned).await?;
        Ok(SimpleResult {
            success: true,
            error: None,
        })
    })
}

/// Pins a note to the top of its entity's feed (`{ noteId, entityType }`).
#[napi(
    ts_args_type = "params: GetNoteParams, config: KommoConfigInput",
    ts_return_type = "Promise<SimpleResult>"
)]
pub fn pin_note<'e>(env: &'e Env, params: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    pin(env, "pinNote", true, params, config)
}

/// Unpins a note.
#[napi(
    ts_args_type = "params: GetNoteParams, config: KommoConfigInput",
    ts_return_type = "Promise<SimpleResult>"
)]
pub fn unpin_note<'e>(env: &'e Env, params: Unknown<'e>, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    pin(env, "unpinNote", false, params, config)
}

/// One item of `createNotes` / `updateNotes`: Kommo's note shape plus `text` (saved in `params.text`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteItem {
    #[serde(default)]
    id: Option<i64>,
    #[serde(default, alias = "entityId")]
    entity_id: Option<i64>,
    #[serde(default, rename = "note_type", alias = "noteType")]
    note_type: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    params: Option<Map<String, Value>>,
    #[serde(default)]
    responsible_user_id: Option<i64>,
    #[serde(default)]
    created_by: Option<i64>,
}

fn note_items(items: Vec<NoteItem>, creating: bool) -> ApiResult<Vec<Map<String, Value>>> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, it)| {
            let data = NoteData {
                id: it.id,
                entity_id: it.entity_id,
                note_type: it.note_type.or(creating.then(|| "common".to_string())),
                params: it.params,
                responsible_user_id: it.responsible_user_id,
                created_by: it.created_by,
            }
            .with_text(it.text);
            if creating {
                if data.entity_id.is_none() {
                    return Err(Error::invalid(format!("items[{i}].entity_id"), "is required"));
                }
                data.check(true)
                    .map_err(|e| Error::invalid(format!("items[{i}]"), e.to_string()))?;
            }
            Ok(data.to_map())
        })
        .collect()
}

/// Creates many notes on entities of one type (250 per request), with a result per item.
#[napi(
    ts_args_type = "entityType: 'leads' | 'contacts' | 'companies', items: NoteItem[], config: KommoConfigInput",
    ts_return_type = "Promise<BatchWriteResult>"
)]
pub fn create_notes<'e>(
    env: &'e Env,
    entity_type: Unknown<'e>,
    items: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let entity: String = from_js(env, "createNotes", "entityType", entity_type)?;
    let items: Vec<NoteItem> = from_js(env, "createNotes", "items", items)?;
    sdk(env, config, move |client| async move {
        let items = note_items(items, true)?;
        Ok(BatchResult::from(notes::create(&client, &entity, items).await?))
    })
}

/// Updates many notes of one entity type (each item with `id` and `entity_id`), with a result per item.
#[napi(
    ts_args_type = "entityType: 'leads' | 'contacts' | 'companies', items: NoteItem[], config: KommoConfigInput",
    ts_return_type = "Promise<BatchWriteResult>"
)]
pub fn update_notes<'e>(
    env: &'e Env,
    entity_type: Unknown<'e>,
    items: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let entity: String = from_js(env, "updateNotes", "entityType", entity_type)?;
    let items: Vec<NoteItem> = from_js(env, "updateNotes", "items", items)?;
    sdk(env, config, move |client| async move {
        let items = note_items(items, false)?;
        Ok(BatchResult::from(notes::update(&client, &entity, items).await?))
    })
}
