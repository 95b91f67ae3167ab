//! Custom field functions of the JS SDK: the original's lead custom field helpers (now backed by
//! the cached definitions, so empty fields are found too), writing fields by name, and
//! definitions and groups of any entity.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::api::custom_fields::{self, CustomField, FieldEntity};
use crate::api::leads::{self, Lead};
use crate::api::list::ListOptions;
use crate::api::model::{CustomFieldValue, CustomFieldValues};
use crate::api::Client;
use crate::error::{Error, Result as ApiResult};
use crate::node::args::{from_js, sdk};
use crate::node::json_result::{CustomFields, Fields, Groups, Json, NoList};

/// A lead's custom field: its definition and its values on the lead (empty when not filled).
#[derive(Debug, Serialize)]
pub struct LeadFieldEntry {
    pub field_id: i64,
    pub field_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_code: Option<String>,
    pub field_type: String,
    pub values: Vec<CustomFieldValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enums: Option<Vec<custom_fields::FieldEnum>>,
}

fn entry(def: &CustomField, lead: &Lead) -> LeadFieldEntry {
    let values = lead
        .custom_fields_values
        .iter()
        .flatten()
        .find(|v| v.field_id == def.id)
        .map(|v| v.values.clone())
        .unwrap_or_default();
    LeadFieldEntry {
        field_id: def.id,
        field_name: def.name.clone(),
        field_code: def.code.clone(),
        field_type: def.field_type.clone(),
        values,
        enums: def.enums.clone(),
    }
}

/// Values on the lead of fields missing from the definitions (e.g. deleted since the cache).
fn orphan(v: &CustomFieldValues) -> LeadFieldEntry {
    LeadFieldEntry {
        field_id: v.field_id,
        field_name: v.field_name.clone().unwrap_or_default(),
        field_code: v.field_code.clone(),
        field_type: v.field_type.clone().unwrap_or_default(),
        values: v.values.clone(),
        enums: None,
    }
}

fn not_found(lead_id: i64) -> Error {
    Error::invalid("leadId", format!("Lead with ID {lead_id} not found"))
}

/// The lead (one request) and the lead field definitions (cached) together.
async fn lead_and_fields(client: &Client, lead_id: i64) -> ApiResult<(Lead, std::sync::Arc<Vec<CustomField>>)> {
    let (lead, defs) = tokio::join!(
        leads::get(client, lead_id, &[]),
        custom_fields::cached(client, FieldEntity::Leads)
    );
    let lead = lead?.ok_or_else(|| not_found(lead_id))?;
    Ok((lead, defs?))
}

fn failure_text(e: Error) -> String {
    match e {
        Error::InvalidArgument { message, .. } => message,
        other => other.to_string(),
    }
}

/// Every custom field of leads with this lead's values (fields it has not filled have
/// `values: []`). Resolves to `{ success, customFields, pipelineId, error? }`.
#[napi(
    ts_args_type = "leadId: number, config: KommoConfigInput",
    ts_return_type = "Promise<GetLeadCustomFieldsResult>"
)]
pub fn get_lead_custom_fields<'e>(
    env: &'e Env,
    lead_id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let id: i64 = from_js(env, "getLeadCustomFields", "leadId", lead_id)?;
    sdk(env, config, move |client| async move {
        let (lead, defs) = match lead_and_fields(&client, id).await {
            Ok(x) => x,
            Err(e) => return Ok(Json::<CustomFields>::failure_of(e)),
        };
        let mut fields: Vec<LeadFieldEntry> = defs.iter().map(|d| entry(d, &lead)).collect();
        for v in lead.custom_fields_values.iter().flatten() {
            if !defs.iter().any(|d| d.id == v.field_id) {
                fields.push(orphan(v));
            }
        }
        let filled = fields.iter().filter(|f| !f.values.is_empty()).count();
        Ok(Json::new(json!({
            "success": true,
            "totalFound": fields.len(),
            "filled": filled,
            "pipelineId": lead.pipeline_id,
            "customFields": fields,
        })))
    })
}

impl<K: crate::node::json_result::ListKey> Json<K> {
    fn failure_of(e: Error) -> Self {
        <Self as crate::node::args::Failure>::failure(failure_text(e))
    }
}

/// Finds one of the lead's custom fields by id, code or name (case and accents ignored; a
/// unique prefix or part of the name works), filled or not. Resolves to
/// `{ success, field?, error? }`; an ambiguous term lists the candidates.
#[napi(
    ts_args_type = "leadId: number, searchTerm: string | number, config: KommoConfigInput",
    ts_return_type = "Promise<SearchLeadCustomFieldResult>"
)]
pub fn search_lead_custom_field<'e>(
    env: &'e Env,
    lead_id: Unknown<'e>,
    term: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let id: i64 = from_js(env, "searchLeadCustomField", "leadId", lead_id)?;
    let term: Value = from_js(env, "searchLeadCustomField", "searchTerm", term)?;
    let term = match term {
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        _ => {
            return Err(crate::node::type_error(
                env,
                "searchLeadCustomField: searchTerm must be a string or a number",
            ))
        }
    };
    sdk(env, config, move |client| async move {
        let (lead, defs) = match lead_and_fields(&client, id).await {
            Ok(x) => x,
            Err(e) => return Ok(Json::<NoList>::failure_of(e)),
        };
        Ok(match custom_fields::resolve(&defs, &term) {
            Ok(def) => Json::new(json!({ "success": true, "field": entry(def, &lead) })),
            Err(e) => Json::new(json!({ "success": false, "error": e.to_string() })),
        })
    })
}

/// One custom field of a lead by id, with its definition and current value.
/// Resolves to `{ success, field?, currentValue?, error? }` (`currentValue` is the values
/// array, `null` when the lead has not filled it).
#[napi(
    ts_args_type = "leadId: number, fieldId: number, config: KommoConfigInput",
    ts_return_type = "Promise<GetLeadCustomFieldInfoResult>"
)]
pub fn get_lead_custom_field_info<'e>(
    env: &'e Env,
    lead_id: Unknown<'e>,
    field_id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let id: i64 = from_js(env, "getLeadCustomFieldInfo", "leadId", lead_id)?;
    let field_id: i64 = from_js(env, "getLeadCustomFieldInfo", "fieldId", field_id)?;
    sdk(env, config, move |client| async move {
        let (lead, defs) = match lead_and_fields(&client, id).await {
            Ok(x) => x,
            Err(e) => return Ok(Json::<NoList>::failure_of(e)),
        };
        let Some(def) = defs.iter().find(|d| d.id == field_id) else {
            return Ok(Json::new(json!({
                "success": false,
                "error": format!("Leads have no custom field with ID {field_id}; list them with getLeadCustomFieldsMetadata"),
            })));
        };
        let e = entry(def, &lead);
        let current = if e.values.is_empty() {
            Value::Null
        } else {
            json!(e.values)
        };
        Ok(Json::new(
            json!({ "success": true, "field": e, "currentValue": current }),
        ))
    })
}

/// Options of a lead select/multiselect/radiobutton field, from the cached definitions
/// (all pages). Resolves to `{ success, fieldId, fieldName?, fieldCode?, fieldType?, options?, error? }`.
#[napi(
    ts_args_type = "fieldId: number, config: KommoConfigInput",
    ts_return_type = "Promise<GetSelectFieldOptionsResult>"
)]
pub fn get_select_field_options<'e>(
    env: &'e Env,
    field_id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let field_id: i64 = from_js(env, "getSelectFieldOptions", "fieldId", field_id)?;
    sdk(env, config, move |client| async move {
        Ok(Json::<NoList>::new(select_options(&client, field_id).await))
    })
}

pub(crate) async fn select_options(client: &Client, field_id: i64) -> Value {
    let fail = |e: String| json!({ "success": false, "fieldId": field_id, "error": e });
    let mut defs = match custom_fields::cached(client, FieldEntity::Leads).await {
        Ok(d) => d,
        Err(e) => return fail(e.to_string()),
    };
    if !defs.iter().any(|d| d.id == field_id) {
        // A field created since the definitions were cached: reload once.
        client.cache().invalidate("custom_fields:leads");
        defs = match custom_fields::cached(client, FieldEntity::Leads).await {
            Ok(d) => d,
            Err(e) => return fail(e.to_string()),
        };
    }
    let Some(def) = defs.iter().find(|d| d.id == field_id) else {
        return fail(format!("Leads have no custom field with ID {field_id}"));
    };
    let options: Vec<Value> = def
        .options()
        .iter()
        .map(|e| {
            let mut o = json!({ "value": e.value, "enum_id": e.id });
            if let Some(s) = e.sort {
                o["sort"] = json!(s);
            }
            if let Some(c) = &e.color {
                o["color"] = json!(c);
            }
            o
        })
        .collect();
    json!({
        "success": true,
        "fieldId": def.id,
        "fieldName": def.name,
        "fieldCode": def.code,
        "fieldType": def.field_type,
        "options": options,
    })
}

/// Every custom field definition of leads (all pages, all types; 0.1.x kept only fields with
/// options). Resolves to `{ success, fields, error? }`.
#[napi(
    ts_args_type = "config: KommoConfigInput",
    ts_return_type = "Promise<GetLeadCustomFieldsMetadataResult>"
)]
pub fn get_lead_custom_fields_metadata<'e>(env: &'e Env, config: Unknown<'e>) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    sdk(env, config, move |client| async move {
        let defs = custom_fields::cached(&client, FieldEntity::Leads).await?;
        let fields: Vec<Value> = defs
            .iter()
            .map(|d| {
                let mut f = json!({ "id": d.id, "name": d.name, "type": d.field_type });
                if let Some(c) = &d.code {
                    f["code"] = json!(c);
                }
                if let Some(e) = &d.enums {
                    f["enums"] = json!(e);
                }
                f
            })
            .collect();
        Ok(Json::<Fields>::new(json!({ "success": true, "fields": fields })))
    })
}

/// Writes a lead's custom fields given by name, code or id: `{ "Fuente": "Referido",
/// "Unidades": 12, "Facturado": true, "Productos de interés": ["CRM", "ERP"] }`. Values are typed
/// by field (options matched ignoring case and accents, numbers, booleans, dates, phones); `null`
/// clears a field. One request (the PATCH) when the definitions are cached. Fields that cannot
/// be resolved are listed in `errors`; the others are written.
/// Resolves to `{ success, updatedFields?, errors?, error? }`.
#[napi(
    ts_args_type = "leadId: number, fields: Record<string, unknown>, config: KommoConfigInput",
    ts_return_type = "Promise<UpdateLeadCustomFieldsResult>"
)]
pub fn update_lead_custom_fields<'e>(
    env: &'e Env,
    lead_id: Unknown<'e>,
    fields: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let id: i64 = from_js(env, "updateLeadCustomFields", "leadId", lead_id)?;
    let fields: Map<String, Value> = from_js(env, "updateLeadCustomFields", "fields", fields)?;
    sdk(env, config, move |client| async move {
        Ok(Json::<NoList>::new(update_fields(&client, id, &fields).await?))
    })
}

/// Shared by the SDK and the MCP tool.
pub(crate) async fn update_fields(client: &Client, id: i64, fields: &Map<String, Value>) -> ApiResult<Value> {
    crate::api::list::check_id("leadId", id)?;
    if fields.is_empty() {
        return Err(Error::invalid(
            "fields",
            "is empty; give at least one field name and value",
        ));
    }
    let resolution =
        custom_fields::resolve_values(client, FieldEntity::Leads, &custom_fields::pairs_of(fields)).await?;
    let errors = resolution.errors.clone();
    if resolution.fields.is_empty() {
        let text: Vec<String> = errors.iter().map(|e| format!("{}: {}", e.field, e.error)).collect();
        return Ok(json!({
            "success": false,
            "errors": errors,
            "error": format!("No fields could be written: {}", text.join("; ")),
        }));
    }
    let mut body = Map::new();
    body.insert("custom_fields_values".into(), json!(resolution.writes()));
    if let Err(e) = leads::update_one(client, id, body).await {
        return Ok(json!({ "success": false, "errors": errors, "error": e.to_string() }));
    }
    let mut out = json!({ "success": true, "leadId": id, "updatedFields": resolution.fields });
    if !errors.is_empty() {
        out["errors"] = json!(errors);
    }
    Ok(out)
}

/// Options of `listCustomFields`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListFieldsOptions {
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    limit: Option<u32>,
    /// Only these types (`select`, `multitext`, ...).
    #[serde(default)]
    types: Option<Vec<String>>,
    #[serde(default)]
    all_pages: Option<bool>,
}

fn entity_of(env: &Env, func: &str, v: Unknown) -> Result<FieldEntity> {
    let s: String = from_js(env, func, "entityType", v)?;
    FieldEntity::parse(&s).map_err(|e| crate::node::type_error(env, format!("{func}: {}", failure_text(e))))
}

/// Custom field definitions of `leads`, `contacts`, `companies` or `catalogs/<id>`, one page
/// (`limit` up to 250) or all pages. Resolves to
/// `{ success, customFields, totalFound, page, hasMore, nextPage?, totalPages?, error? }`.
#[napi(
    ts_args_type = "entityType: CustomFieldEntity, options: ListCustomFieldsOptions | undefined, config: KommoConfigInput",
    ts_return_type = "Promise<ListCustomFieldsResult>"
)]
pub fn list_custom_fields<'e>(
    env: &'e Env,
    entity_type: Unknown<'e>,
    options: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let entity = entity_of(env, "listCustomFields", entity_type)?;
    let o: Option<ListFieldsOptions> = from_js(env, "listCustomFields", "options", options)?;
    let o = o.unwrap_or_default();
    sdk(env, config, move |client| async move {
        let opts = ListOptions {
            page: o.page,
            limit: o.limit.or(Some(250)),
            all_pages: o.all_pages.unwrap_or(false),
            ..ListOptions::default()
        };
        let l = custom_fields::list_page(&client, entity, &o.types.unwrap_or_default(), &opts).await?;
        Ok(Json::<CustomFields>::new(json!({
            "success": true,
            "totalFound": l.items.len(),
            "page": l.page,
            "totalPages": l.page_count,
            "hasMore": l.has_more(),
            "nextPage": l.next_page,
            "customFields": l.items,
        })))
    })
}

/// One custom field definition by id. Resolves to `{ success, customField?, error? }`.
#[napi(
    ts_args_type = "entityType: CustomFieldEntity, fieldId: number, config: KommoConfigInput",
    ts_return_type = "Promise<GetCustomFieldResult>"
)]
pub fn get_custom_field<'e>(
    env: &'e Env,
    entity_type: Unknown<'e>,
    field_id: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let entity = entity_of(env, "getCustomField", entity_type)?;
    let id: i64 = from_js(env, "getCustomField", "fieldId", field_id)?;
    sdk(env, config, move |client| async move {
        Ok(Json::<NoList>::new(
            match custom_fields::get(&client, entity, id).await? {
                Some(f) => json!({ "success": true, "customField": f }),
                None => {
                    json!({ "success": false, "error": format!("Custom field with ID {id} not found in {entity}") })
                }
            },
        ))
    })
}

/// Custom field groups (tabs) of `leads`, `contacts` or `companies`.
/// Resolves to `{ success, groups, totalFound, error? }`.
#[napi(
    ts_args_type = "entityType: CustomFieldEntity, config: KommoConfigInput",
    ts_return_type = "Promise<ListCustomFieldGroupsResult>"
)]
pub fn list_custom_field_groups<'e>(
    env: &'e Env,
    entity_type: Unknown<'e>,
    config: Unknown<'e>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    let entity = entity_of(env, "listCustomFieldGroups", entity_type)?;
    sdk(env, config, move |client| async move {
        let groups = custom_fields::groups(&client, entity).await?;
        Ok(Json::<Groups>::new(
            json!({ "success": true, "totalFound": groups.len(), "groups": groups }),
        ))
    })
}
