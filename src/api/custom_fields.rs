//! Custom field definitions (`/api/v4/{leads|contacts|companies|catalogs/{id}}/custom_fields`)
//! and writing custom fields by name.
//!
//! Definitions are read across all pages and cached per account ([`cached`]), so a field that
//! is empty on a record can still be named, and a warm update-by-name costs only its PATCH.
//! [`resolve`] finds a field from an id, a code or a name (forgiving case and accents, then a
//! unique prefix or substring); [`typed_values`] turns a plain value into what Kommo expects for
//! the field's type (enum ids for select options, numbers, booleans, Unix dates, typed phones).

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::cache::METADATA_TTL;
use crate::api::list::{check_id, list, ListOptions, Listing};
use crate::api::model::{CustomFieldValueWrite, CustomFieldWrite};
use crate::api::{Client, Query};
use crate::error::{Error, Result};
use crate::text::fold;

/// Pages read when loading every definition (250 each).
const MAX_DEFINITION_PAGES: usize = 20;
/// How many candidates an error message lists.
const LISTED: usize = 12;

/// Whose custom fields: an entity type or a catalog (list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldEntity {
    Leads,
    Contacts,
    Companies,
    /// The fields of a catalog's elements.
    Catalog(i64),
}

impl FieldEntity {
    /// Parses `leads`, `contacts`, `companies` (singular accepted), `catalogs/123` or `catalog:123`.
    pub fn parse(s: &str) -> Result<Self> {
        let t = s.trim().to_ascii_lowercase();
        match t.as_str() {
            "leads" | "lead" | "deals" | "deal" => return Ok(FieldEntity::Leads),
            "contacts" | "contact" => return Ok(FieldEntity::Contacts),
            "companies" | "company" => return Ok(FieldEntity::Companies),
            _ => {}
        }
        let id = t
            .strip_prefix("catalogs/")
            .or_else(|| t.strip_prefix("catalog/"))
            .or_else(|| t.strip_prefix("catalog:"))
            .and_then(|id| id.parse::<i64>().ok())
            .filter(|id| *id > 0);
        match id {
            Some(id) => Ok(FieldEntity::Catalog(id)),
            None => Err(Error::invalid(
                "entity",
                format!("'{s}' is not leads, contacts, companies or catalogs/<catalog id>"),
            )),
        }
    }

    /// API path of the definitions, e.g. `leads/custom_fields`.
    pub fn path(self) -> String {
        format!("{self}/custom_fields")
    }
}

impl fmt::Display for FieldEntity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldEntity::Leads => f.write_str("leads"),
            FieldEntity::Contacts => f.write_str("contacts"),
            FieldEntity::Companies => f.write_str("companies"),
            FieldEntity::Catalog(id) => write!(f, "catalogs/{id}"),
        }
    }
}

/// A custom field definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomField {
    pub id: i64,
    #[serde(default)]
    pub name: String,
    /// `PHONE`, `EMAIL`, ... for predefined fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// `text`, `numeric`, `select`, `multiselect`, `multitext`, `date`, ...
    #[serde(rename = "type", default)]
    pub field_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_predefined: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_api_only: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_deletable: Option<bool>,
    /// Field group (a string id such as `leads_1589279421`, or null for the main tab).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<Value>,
    /// Options of select, multiselect, radiobutton, category and multitext fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enums: Option<Vec<FieldEnum>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog_id: Option<i64>,
}

/// One option of an enum field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldEnum {
    pub id: i64,
    #[serde(default)]
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

impl CustomField {
    /// The options (empty for fields without any).
    pub fn options(&self) -> &[FieldEnum] {
        self.enums.as_deref().unwrap_or_default()
    }

    /// Option texts, for error messages.
    fn option_list(&self) -> String {
        let names: Vec<&str> = self.options().iter().map(|e| e.value.as_str()).collect();
        list_names(&names)
    }

    /// `Name (code, type) #id` for messages.
    pub fn label(&self) -> String {
        match &self.code {
            Some(c) if !c.is_empty() => format!("\"{}\" ({c}, {}) #{}", self.name, self.field_type, self.id),
            _ => format!("\"{}\" ({}) #{}", self.name, self.field_type, self.id),
        }
    }
}

/// A group (tab) of custom fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldGroup {
    /// A string id such as `leads_1589279421` (numbers on some accounts).
    pub id: Value,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_predefined: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<String>,
}

fn list_names(names: &[&str]) -> String {
    let shown: Vec<String> = names.iter().take(LISTED).map(|n| format!("\"{n}\"")).collect();
    let more = names.len().saturating_sub(LISTED);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// Every definition of `entity`, all pages.
pub async fn list_all(client: &Client, entity: FieldEntity) -> Result<Vec<CustomField>> {
    let mut q = Query::new();
    q.push("limit", 250);
    let (fields, _) = client
        .get_all::<CustomField>(&entity.path(), &q, "custom_fields", MAX_DEFINITION_PAGES)
        .await?;
    Ok(fields)
}

fn cache_key(entity: FieldEntity) -> String {
    format!("custom_fields:{entity}")
}

/// Every definition of `entity`, from the account's metadata cache.
pub async fn cached(client: &Client, entity: FieldEntity) -> Result<Arc<Vec<CustomField>>> {
    let c = client.clone();
    client
        .cache()
        .get_or_fetch(&cache_key(entity), METADATA_TTL, || async move {
            list_all(&c, entity).await
        })
        .await
}

/// Definitions from the cache, and whether they came from it without a request. `fresh` forces
/// a reload (after a name was not found in cached definitions).
async fn definitions(client: &Client, entity: FieldEntity, fresh: bool) -> Result<(Arc<Vec<CustomField>>, bool)> {
    let key = cache_key(entity);
    if fresh {
        client.cache().invalidate(&key);
    } else if let Some(v) = client.cache().peek::<Vec<CustomField>>(&key, METADATA_TTL) {
        return Ok((v, true));
    }
    Ok((cached(client, entity).await?, false))
}

/// One page of definitions (`filter[type]` via `types`).
pub async fn list_page(
    client: &Client,
    entity: FieldEntity,
    types: &[String],
    opts: &ListOptions,
) -> Result<Listing<CustomField>> {
    let mut q = Query::new();
    for (i, t) in types.iter().enumerate() {
        q.push(format!("filter[type][{i}]"), t);
    }
    list(client, &entity.path(), "custom_fields", q, opts).await
}

/// One definition by id; `None` when it does not exist.
pub async fn get(client: &Client, entity: FieldEntity, id: i64) -> Result<Option<CustomField>> {
    check_id("fieldId", id)?;
    match client
        .get::<CustomField>(&format!("{}/{id}", entity.path()), &Query::new())
        .await
    {
        Err(Error::NotFound { .. }) => Ok(None),
        other => other,
    }
}

/// The field groups of `entity` (not for catalogs).
pub async fn groups(client: &Client, entity: FieldEntity) -> Result<Vec<FieldGroup>> {
    if let FieldEntity::Catalog(_) = entity {
        return Err(Error::invalid("entity", "catalogs have no custom field groups"));
    }
    let (groups, _) = client
        .get_all::<FieldGroup>(
            &format!("{}/groups", entity.path()),
            &Query::new(),
            "custom_field_groups",
            5,
        )
        .await?;
    Ok(groups)
}

/// Why a key named no field.
#[derive(Debug, Clone, PartialEq)]
pub enum ResolveError {
    /// Nothing matched; the names that exist.
    NotFound { key: String, available: Vec<String> },
    /// Several fields matched.
    Ambiguous { key: String, candidates: Vec<String> },
    /// Blank key.
    Empty,
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::Empty => f.write_str("a field name must not be empty"),
            ResolveError::NotFound { key, available } => {
                let names: Vec<&str> = available.iter().map(String::as_str).collect();
                write!(
                    f,
                    "no custom field is named \"{key}\"; the fields are {}",
                    list_names(&names)
                )
            }
            ResolveError::Ambiguous { key, candidates } => {
                let names: Vec<&str> = candidates.iter().map(String::as_str).collect();
                write!(
                    f,
                    "\"{key}\" matches several custom fields: {}; use the full name or the field id",
                    list_names(&names)
                )
            }
        }
    }
}

/// Finds the field `key` names: an exact id, a code (case-insensitive), a name (ignoring case
/// and accents), then a unique name prefix, then a unique name substring. Several matches at
/// the first level that has any is an error listing them.
pub fn resolve<'f>(fields: &'f [CustomField], key: &str) -> std::result::Result<&'f CustomField, ResolveError> {
    let key = key.trim();
    if key.is_empty() {
        return Err(ResolveError::Empty);
    }
    if let Ok(id) = key.parse::<i64>() {
        if let Some(f) = fields.iter().find(|f| f.id == id) {
            return Ok(f);
        }
    }
    if let Some(f) = fields
        .iter()
        .find(|f| f.code.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(key)))
    {
        return Ok(f);
    }
    let wanted = fold(key);
    let levels: [&dyn Fn(&str) -> bool; 3] = [
        &|name: &str| name == wanted,
        &|name: &str| name.starts_with(&wanted),
        &|name: &str| name.contains(&wanted),
    ];
    for matches in levels {
        let found: Vec<&CustomField> = fields.iter().filter(|f| matches(&fold(&f.name))).collect();
        match found.len() {
            0 => continue,
            1 => return Ok(found[0]),
            _ => {
                return Err(ResolveError::Ambiguous {
                    key: key.to_string(),
                    candidates: found.iter().map(|f| f.label()).collect(),
                })
            }
        }
    }
    Err(ResolveError::NotFound {
        key: key.to_string(),
        available: fields.iter().map(|f| f.name.clone()).collect(),
    })
}

/// Why a value does not fit its field.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueError {
    pub message: String,
    /// The value named an option that does not exist (a reload may know it).
    pub unknown_option: bool,
}

impl ValueError {
    fn new(message: impl Into<String>) -> Self {
        ValueError {
            message: message.into(),
            unknown_option: false,
        }
    }
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The option `v` names: an option id, or its text ignoring case and accents.
fn find_option<'f>(field: &'f CustomField, v: &Value) -> std::result::Result<&'f FieldEnum, ValueError> {
    if let Value::Object(o) = v {
        if let Some(id) = o.get("enum_id").and_then(Value::as_i64) {
            return field
                .options()
                .iter()
                .find(|e| e.id == id)
                .ok_or_else(|| unknown_option(field, &id.to_string()));
        }
        if let Some(inner) = o.get("value") {
            return find_option(field, inner);
        }
    }
    if let Some(id) = v.as_i64() {
        if let Some(e) = field.options().iter().find(|e| e.id == id) {
            return Ok(e);
        }
    }
    let Some(text) = text_of(v) else {
        return Err(ValueError::new(format!(
            "{} takes one of its options as text; valid options: {}",
            field.label(),
            field.option_list()
        )));
    };
    if text.is_empty() {
        return Err(ValueError::new(format!(
            "an empty value names no option of {}; give null to clear it. Valid options: {}",
            field.label(),
            field.option_list()
        )));
    }
    let wanted = fold(&text);
    field
        .options()
        .iter()
        .find(|e| fold(&e.value) == wanted)
        .ok_or_else(|| unknown_option(field, &text))
}

fn unknown_option(field: &CustomField, text: &str) -> ValueError {
    ValueError {
        message: format!(
            "\"{text}\" is not an option of {}; valid options: {}",
            field.label(),
            field.option_list()
        ),
        unknown_option: true,
    }
}

fn number_of(v: &Value) -> Option<Value> {
    match v {
        Value::Number(n) => Some(Value::Number(n.clone())),
        Value::String(s) => {
            let t: String = s.trim().chars().filter(|c| !c.is_whitespace() && *c != '_').collect();
            let t = if t.contains(',') && !t.contains('.') {
                t.replace(',', ".")
            } else {
                t.replace(',', "")
            };
            if let Ok(i) = t.parse::<i64>() {
                return Some(Value::from(i));
            }
            t.parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
        }
        _ => None,
    }
}

fn bool_of(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_i64() {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        },
        Value::String(s) => match fold(s).as_str() {
            "true" | "yes" | "y" | "si" | "sim" | "1" | "on" | "x" => Some(true),
            "false" | "no" | "n" | "nao" | "0" | "off" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Unix seconds from a number, digits, an ISO date (`2026-03-15`, midnight UTC) or an
/// RFC 3339 timestamp.
pub fn unix_time(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => {
            let s = s.trim();
            if let Ok(n) = s.parse::<i64>() {
                return Some(n);
            }
            if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
                return Some(t.timestamp());
            }
            if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S") {
                return Some(t.and_utc().timestamp());
            }
            if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S") {
                return Some(t.and_utc().timestamp());
            }
            if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M") {
                return Some(t.and_utc().timestamp());
            }
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc().timestamp())
        }
        _ => None,
    }
}

/// A list from an array, or from comma-separated text.
fn many(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.clone(),
        Value::String(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Value::String(s.to_string()))
            .collect(),
        other => vec![other.clone()],
    }
}

fn plain(value: Value) -> CustomFieldValueWrite {
    CustomFieldValueWrite {
        value: Some(value),
        enum_id: None,
        enum_code: None,
    }
}

/// Multitext entries (`+57 300…`, `{value, enum_code}` or `{value, type}`), with `WORK` as
/// the default type.
fn multitext(field: &CustomField, v: &Value) -> std::result::Result<Vec<CustomFieldValueWrite>, ValueError> {
    let entries = match v {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    let codes: Vec<&str> = field.options().iter().map(|e| e.value.as_str()).collect();
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let (text, code) = match &entry {
            Value::Object(o) => (
                o.get("value").and_then(text_of),
                o.get("enum_code")
                    .or_else(|| o.get("type"))
                    .or_else(|| o.get("enum"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
            ),
            other => (text_of(other), None),
        };
        let Some(text) = text.filter(|t| !t.is_empty()) else {
            return Err(ValueError::new(format!(
                "{} takes text values (a phone number or an email), optionally as {{value, enum_code}}",
                field.label()
            )));
        };
        let code = code.unwrap_or_else(|| "WORK".to_string()).trim().to_ascii_uppercase();
        let known = codes.is_empty() || codes.iter().any(|c| c.eq_ignore_ascii_case(&code));
        if !known {
            return Err(ValueError::new(format!(
                "\"{code}\" is not a type of {}; valid types: {}",
                field.label(),
                list_names(&codes)
            )));
        }
        out.push(CustomFieldValueWrite {
            value: Some(Value::String(text)),
            enum_id: None,
            enum_code: Some(code),
        });
    }
    Ok(out)
}

/// Converts `v` into the values Kommo expects for `field`'s type; `None` (JSON null) clears
/// the field.
pub fn typed_values(
    field: &CustomField,
    v: &Value,
) -> std::result::Result<Option<Vec<CustomFieldValueWrite>>, ValueError> {
    if v.is_null() {
        return Ok(None);
    }
    let wrong = |what: &str| {
        ValueError::new(format!(
            "{} takes {what}, got {}",
            field.label(),
            serde_json::to_string(v).unwrap_or_default()
        ))
    };
    let values = match field.field_type.as_str() {
        "select" | "radiobutton" | "category" => {
            let e = find_option(field, v)?;
            vec![CustomFieldValueWrite {
                value: None,
                enum_id: Some(e.id),
                enum_code: None,
            }]
        }
        "multiselect" => {
            let items = many(v);
            if items.is_empty() {
                return Err(wrong("a list of options (or comma-separated text)"));
            }
            let mut out: Vec<CustomFieldValueWrite> = Vec::new();
            for item in &items {
                let e = find_option(field, item)?;
                if !out.iter().any(|w| w.enum_id == Some(e.id)) {
                    out.push(CustomFieldValueWrite {
                        value: None,
                        enum_id: Some(e.id),
                        enum_code: None,
                    });
                }
            }
            out
        }
        "numeric" | "price" | "monetary" => vec![plain(number_of(v).ok_or_else(|| wrong("a number"))?)],
        "checkbox" => vec![plain(Value::Bool(
            bool_of(v).ok_or_else(|| wrong("true or false (yes/no, sí/no, 1/0)"))?,
        ))],
        "date" | "date_time" | "birthday" => {
            vec![plain(Value::from(unix_time(v).ok_or_else(|| {
                wrong("a date: Unix seconds or an ISO date such as 2026-03-15")
            })?))]
        }
        "multitext" => multitext(field, v)?,
        "text" | "textarea" | "url" | "streetaddress" => match v {
            Value::String(s) => vec![plain(Value::String(s.clone()))],
            Value::Number(n) => vec![plain(Value::String(n.to_string()))],
            _ => return Err(wrong("text")),
        },
        // Other types (legal_entity, smart_address, ...) take Kommo's own value shapes.
        _ => match v {
            Value::Array(items) => items
                .iter()
                .map(|item| match item {
                    Value::Object(_) => serde_json::from_value(item.clone()).unwrap_or_else(|_| plain(item.clone())),
                    other => plain(other.clone()),
                })
                .collect(),
            other => vec![plain(other.clone())],
        },
    };
    Ok(Some(values))
}

/// One field written by name, for results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedField {
    /// The key as given.
    pub key: String,
    pub field_id: i64,
    pub field_name: String,
    pub field_type: String,
    /// `null` when the field is cleared.
    pub values: Option<Vec<CustomFieldValueWrite>>,
}

/// A key that could not be written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    /// The key as given.
    pub field: String,
    pub error: String,
}

/// Custom fields given by name (or id, or code) turned into Kommo's write shape.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resolution {
    pub fields: Vec<ResolvedField>,
    pub errors: Vec<FieldError>,
}

impl Resolution {
    /// The `custom_fields_values` to send.
    pub fn writes(&self) -> Vec<CustomFieldWrite> {
        self.fields
            .iter()
            .map(|f| CustomFieldWrite {
                field_id: Some(f.field_id),
                field_code: None,
                values: f.values.clone(),
            })
            .collect()
    }

    /// Fails with every problem when any key could not be resolved.
    pub fn into_strict(self, arg: &str) -> Result<Vec<CustomFieldWrite>> {
        if self.errors.is_empty() {
            return Ok(self.writes());
        }
        let text: Vec<String> = self
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.error))
            .collect();
        Err(Error::invalid(arg, text.join("; ")))
    }
}

fn resolve_one(fields: &[CustomField], key: &str, value: &Value) -> std::result::Result<ResolvedField, (String, bool)> {
    let field = resolve(fields, key).map_err(|e| {
        let retry = matches!(e, ResolveError::NotFound { .. });
        (e.to_string(), retry)
    })?;
    let values = typed_values(field, value).map_err(|e| (e.message, e.unknown_option))?;
    Ok(ResolvedField {
        key: key.to_string(),
        field_id: field.id,
        field_name: field.name.clone(),
        field_type: field.field_type.clone(),
        values,
    })
}

/// Resolves `(key, value)` pairs against `entity`'s definitions from the cache. Keys that name
/// no field (or values naming no option) make the definitions reload once, if they came from
/// the cache, so fields added since are found. Costs no request when the cache is warm and
/// every key resolves.
pub async fn resolve_values(client: &Client, entity: FieldEntity, pairs: &[(String, Value)]) -> Result<Resolution> {
    if pairs.is_empty() {
        return Ok(Resolution::default());
    }
    let (defs, from_cache) = definitions(client, entity, false).await?;
    let mut out = Resolution::default();
    let mut retry: Vec<usize> = Vec::new();
    let mut results: Vec<Option<std::result::Result<ResolvedField, String>>> = vec![None; pairs.len()];
    for (i, (key, value)) in pairs.iter().enumerate() {
        match resolve_one(&defs, key, value) {
            Ok(r) => results[i] = Some(Ok(r)),
            Err((e, may_retry)) => {
                if may_retry && from_cache {
                    retry.push(i);
                }
                results[i] = Some(Err(e));
            }
        }
    }
    if !retry.is_empty() {
        let (defs, _) = definitions(client, entity, true).await?;
        for i in retry {
            let (key, value) = &pairs[i];
            results[i] = Some(resolve_one(&defs, key, value).map_err(|(e, _)| e));
        }
    }
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Some(Ok(f)) => {
                if let Some(prev) = out.fields.iter().position(|x| x.field_id == f.field_id) {
                    out.errors.push(FieldError {
                        field: pairs[i].0.clone(),
                        error: format!(
                            "names the same field as \"{}\" ({}); give each field once",
                            out.fields[prev].key, f.field_name
                        ),
                    });
                } else {
                    out.fields.push(f);
                }
            }
            Some(Err(error)) => out.errors.push(FieldError {
                field: pairs[i].0.clone(),
                error,
            }),
            None => {}
        }
    }
    Ok(out)
}

/// Object keys and values in their given order.
pub fn pairs_of(map: &serde_json::Map<String, Value>) -> Vec<(String, Value)> {
    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(id: i64, name: &str, code: Option<&str>, kind: &str, options: &[&str]) -> CustomField {
        CustomField {
            id,
            name: name.into(),
            code: code.map(Into::into),
            field_type: kind.into(),
            sort: None,
            is_predefined: None,
            is_api_only: None,
            is_deletable: None,
            group_id: None,
            enums: (!options.is_empty()).then(|| {
                options
                    .iter()
                    .enumerate()
                    .map(|(i, v)| FieldEnum {
                        id: id * 100 + i as i64,
                        value: (*v).into(),
                        sort: None,
                        color: None,
                    })
                    .collect()
            }),
            entity_type: None,
            catalog_id: None,
        }
    }

    fn fields() -> Vec<CustomField> {
        vec![
            field(1, "Fuente", None, "select", &["Búsqueda orgánica", "Referido", "No"]),
            field(
                2,
                "Productos de interés",
                None,
                "multiselect",
                &["CRM", "ERP", "Soporte"],
            ),
            field(3, "Unidades", None, "numeric", &[]),
            field(4, "Fecha estimada de cierre", None, "date", &[]),
            field(5, "Facturado", None, "checkbox", &[]),
            field(6, "Phone", Some("PHONE"), "multitext", &["WORK", "MOB", "HOME"]),
            field(7, "Notas internas", None, "text", &[]),
            field(8, "Notas externas", None, "text", &[]),
        ]
    }

    #[test]
    fn resolves_id_code_folded_name_then_unique_prefix() {
        let f = fields();
        assert_eq!(resolve(&f, "3").unwrap().id, 3);
        assert_eq!(resolve(&f, "phone").unwrap().id, 6);
        assert_eq!(resolve(&f, "PRODUCTOS DE INTERES").unwrap().id, 2);
        assert_eq!(resolve(&f, "fecha").unwrap().id, 4);
        assert_eq!(resolve(&f, "interés").unwrap().id, 2);
    }

    #[test]
    fn ambiguous_and_unknown_names_list_candidates() {
        let f = fields();
        let e = resolve(&f, "notas").unwrap_err().to_string();
        assert!(e.contains("Notas internas") && e.contains("Notas externas"), "{e}");
        let e = resolve(&f, "color").unwrap_err().to_string();
        assert!(e.contains("\"Fuente\"") && e.contains("\"Unidades\""), "{e}");
        assert_eq!(resolve(&f, "  "), Err(ResolveError::Empty));
    }

    #[test]
    fn select_matches_options_ignoring_case_and_accents_and_lists_them_on_a_miss() {
        let f = fields();
        let v = typed_values(&f[0], &json!("busqueda ORGANICA")).unwrap().unwrap();
        assert_eq!(v[0].enum_id, Some(100));
        // No substring matching: "N" must not pick "No".
        let e = typed_values(&f[0], &json!("N")).unwrap_err();
        assert!(e.unknown_option);
        assert!(e.message.contains("\"Referido\""), "{}", e.message);
        assert!(typed_values(&f[0], &json!("")).is_err());
    }

    #[test]
    fn multiselect_takes_lists_or_comma_separated_text() {
        let f = fields();
        let v = typed_values(&f[1], &json!("crm, soporte")).unwrap().unwrap();
        assert_eq!(v.iter().map(|w| w.enum_id.unwrap()).collect::<Vec<_>>(), vec![200, 202]);
        let v = typed_values(&f[1], &json!(["ERP"])).unwrap().unwrap();
        assert_eq!(v[0].enum_id, Some(201));
    }

    #[test]
    fn numbers_booleans_and_dates_are_typed() {
        let f = fields();
        assert_eq!(
            typed_values(&f[2], &json!("12")).unwrap().unwrap()[0].value,
            Some(json!(12))
        );
        assert_eq!(
            typed_values(&f[2], &json!("2,5")).unwrap().unwrap()[0].value,
            Some(json!(2.5))
        );
        assert!(typed_values(&f[2], &json!("many")).is_err());
        assert_eq!(
            typed_values(&f[4], &json!("Sí")).unwrap().unwrap()[0].value,
            Some(json!(true))
        );
        assert_eq!(
            typed_values(&f[4], &json!(0)).unwrap().unwrap()[0].value,
            Some(json!(false))
        );
        assert!(typed_values(&f[4], &json!("maybe")).is_err());
        assert_eq!(
            typed_values(&f[3], &json!("2026-03-15")).unwrap().unwrap()[0].value,
            Some(json!(1_773_532_800))
        );
        assert_eq!(
            typed_values(&f[3], &json!(1_773_532_800)).unwrap().unwrap()[0].value,
            Some(json!(1_773_532_800))
        );
        assert_eq!(typed_values(&f[6], &Value::Null).unwrap(), None);
    }

    #[test]
    fn multitext_defaults_to_work_and_checks_types() {
        let f = fields();
        let v = typed_values(&f[5], &json!("+57 300 123 4567")).unwrap().unwrap();
        assert_eq!(v[0].enum_code.as_deref(), Some("WORK"));
        let v = typed_values(&f[5], &json!([{ "value": "1", "enum_code": "mob" }]))
            .unwrap()
            .unwrap();
        assert_eq!(v[0].enum_code.as_deref(), Some("MOB"));
        let e = typed_values(&f[5], &json!({ "value": "1", "type": "PAGER" })).unwrap_err();
        assert!(e.message.contains("\"HOME\""), "{}", e.message);
    }

    #[test]
    fn entity_names_parse() {
        assert_eq!(FieldEntity::parse("Leads").unwrap(), FieldEntity::Leads);
        assert_eq!(FieldEntity::parse("catalogs/12").unwrap(), FieldEntity::Catalog(12));
        assert_eq!(FieldEntity::Catalog(12).path(), "catalogs/12/custom_fields");
        assert!(FieldEntity::parse("tasks").is_err());
    }
}

/// A `filter[custom_fields_values][<field_id>]` condition: the field has one of `values`
/// (option enum ids for select fields), and/or a value within `from..=to` (numbers; dates in
/// Unix seconds).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldFilter {
    pub field_id: i64,
    pub values: Vec<String>,
    pub from: Option<f64>,
    pub to: Option<f64>,
}

fn number_text(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        x.to_string()
    }
}

impl FieldFilter {
    /// Appends `filter[custom_fields_values][<id>][]=v`, `[<id>][from]` and `[<id>][to]`.
    pub fn push_all(q: &mut crate::api::Query, filters: &[FieldFilter]) {
        for f in filters {
            let base = format!("filter[custom_fields_values][{}]", f.field_id);
            for v in &f.values {
                q.push(format!("{base}[]"), v);
            }
            if let Some(x) = f.from {
                q.push(format!("{base}[from]"), number_text(x));
            }
            if let Some(x) = f.to {
                q.push(format!("{base}[to]"), number_text(x));
            }
        }
    }
}

/// Custom-field filters given by field name, code or id: `{"Fuente": "Referido"}`, `{"Fuente":
/// ["Referido", "Evento"]}` (any of), `{"Unidades": {"from": 5, "to": 10}}`, `{"Facturado":
/// true}`. Names and select options ignore case and accents; options become their enum ids.
/// The definitions come from the cache (refreshed once when a name is unknown). Errors name the
/// field (`<arg>.<name>`) and list the valid fields or options.
pub async fn filters_by_name(
    client: &Client,
    entity: FieldEntity,
    arg: &str,
    spec: &serde_json::Map<String, Value>,
) -> Result<Vec<FieldFilter>> {
    if spec.is_empty() {
        return Ok(Vec::new());
    }
    let mut defs = cached(client, entity).await?;
    if spec.keys().any(|k| resolve(&defs, k).is_err()) {
        client.cache().invalidate(&cache_key(entity));
        defs = cached(client, entity).await?;
    }
    let mut out = Vec::new();
    for (key, wanted) in spec {
        let field = resolve(&defs, key).map_err(|e| Error::invalid(format!("{arg}.{key}"), e.to_string()))?;
        let here = format!("{arg}.{key}");
        let mut filter = FieldFilter {
            field_id: field.id,
            ..FieldFilter::default()
        };
        let number =
            |v: &Value, bound: &str| -> Result<Option<f64>> {
                match v {
                    Value::Null => Ok(None),
                    Value::Number(n) => Ok(n.as_f64()),
                    Value::String(s) => s.trim().parse::<f64>().map(Some).map_err(|_| {
                        Error::invalid(format!("{here}.{bound}"), "must be a number (dates in Unix seconds)")
                    }),
                    _ => Err(Error::invalid(
                        format!("{here}.{bound}"),
                        "must be a number (dates in Unix seconds)",
                    )),
                }
            };
        let scalars: Vec<&Value> = match wanted {
            Value::Object(range) => {
                for k in range.keys() {
                    if k != "from" && k != "to" {
                        return Err(Error::invalid(
                            &here,
                            format!("unknown key {k:?}; a range is {{\"from\": a, \"to\": b}}"),
                        ));
                    }
                }
                filter.from = number(range.get("from").unwrap_or(&Value::Null), "from")?;
                filter.to = number(range.get("to").unwrap_or(&Value::Null), "to")?;
                if filter.from.is_none() && filter.to.is_none() {
                    return Err(Error::invalid(&here, "give from and/or to"));
                }
                Vec::new()
            }
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        for v in scalars {
            let text = match v {
                Value::String(s) => s.trim().to_string(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
                _ => return Err(Error::invalid(&here, "values are text, numbers or true/false")),
            };
            // Multitext fields (phones, emails) have enums too, but those are value types.
            let by_option = !field.options().is_empty() && field.field_type != "multitext";
            if !by_option {
                filter.values.push(text);
                continue;
            }

            let folded = crate::text::fold(&text);
            let option = field
                .options()
                .iter()
                .find(|o| o.id.to_string() == text || crate::text::fold(&o.value) == folded)
                .ok_or_else(|| {
                    Error::invalid(
                        &here,
                        format!("{text:?} is not an option; options: {}", field.option_list()),
                    )
                })?;
            filter.values.push(option.id.to_string());
        }
        out.push(filter);
    }
    Ok(out)
}
