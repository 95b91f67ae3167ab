//! Custom field tools: write a lead's fields by name, list a field's options, list an entity's
//! field definitions. Definitions come from the account's cache.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{define, Access, Context, Meta, Render, ToolDef};
use crate::api::custom_fields::{self, CustomField, FieldEntity};
use crate::api::leads;
use crate::error::Error;

/// Arguments of `kommo_update_lead_custom_fields`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLeadFieldsArgs {
    /// The lead id.
    #[serde(rename = "leadId", alias = "lead_id")]
    pub lead_id: i64,
    /// Field name (or code, or id) → value, e.g. {"Fuente": "Referido", "Unidades": 12, "Facturado": true,
    /// "Productos de interés": ["CRM", "ERP"], "Fecha estimada de cierre": "2026-03-15"}. null clears a field.
    pub fields: Map<String, Value>,
}

/// One field written.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FieldSet {
    pub field_id: i64,
    pub name: String,
    /// The value as written (option names for select fields); empty when cleared.
    pub value: String,
}

/// The result of a custom field update.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FieldsUpdated {
    pub lead_id: i64,
    pub updated: Vec<FieldSet>,
    /// Fields that could not be written, with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

impl Render for FieldsUpdated {
    fn render(&self) -> String {
        let set: Vec<String> = self
            .updated
            .iter()
            .map(|f| {
                if f.value.is_empty() {
                    format!("{} cleared", f.name)
                } else {
                    format!("{} = {}", f.name, f.value)
                }
            })
            .collect();
        let mut out = format!("Lead #{} updated: {}.\n", self.lead_id, set.join("; "));
        for e in &self.errors {
            out.push_str(&format!("Not written: {e}\n"));
        }
        out
    }
}

fn shown(field: Option<&CustomField>, values: &Option<Vec<crate::api::model::CustomFieldValueWrite>>) -> String {
    let Some(values) = values else {
        return String::new();
    };
    values
        .iter()
        .map(|v| match (v.enum_id, &v.value) {
            (Some(id), _) => field
                .and_then(|f| f.options().iter().find(|e| e.id == id))
                .map(|e| e.value.clone())
                .unwrap_or_else(|| format!("option {id}")),
            (None, Some(Value::String(s))) => match &v.enum_code {
                Some(c) => format!("{s} ({c})"),
                None => s.clone(),
            },
            (None, Some(other)) => other.to_string(),
            (None, None) => String::new(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

async fn update_lead_fields(ctx: Context, a: UpdateLeadFieldsArgs) -> Result<FieldsUpdated, Error> {
    if a.fields.is_empty() {
        return Err(Error::invalid("fields", "is empty; give field names and values"));
    }
    let pairs = custom_fields::pairs_of(&a.fields);
    let resolution = custom_fields::resolve_values(&ctx.client, FieldEntity::Leads, &pairs).await?;
    let errors: Vec<String> = resolution
        .errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.error))
        .collect();
    if resolution.fields.is_empty() {
        return Err(Error::invalid("fields", errors.join("; ")));
    }
    let mut body = Map::new();
    body.insert("custom_fields_values".into(), serde_json::json!(resolution.writes()));
    leads::update_one(&ctx.client, a.lead_id, body).await?;
    let defs = custom_fields::cached(&ctx.client, FieldEntity::Leads).await.ok();
    let updated = resolution
        .fields
        .iter()
        .map(|f| FieldSet {
            field_id: f.field_id,
            name: f.field_name.clone(),
            value: shown(
                defs.as_ref().and_then(|d| d.iter().find(|x| x.id == f.field_id)),
                &f.values,
            ),
        })
        .collect();
    Ok(FieldsUpdated {
        lead_id: a.lead_id,
        updated,
        errors,
    })
}

/// Arguments of `kommo_get_select_field_options`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SelectOptionsArgs {
    /// The field: its id, code or name (e.g. "Fuente").
    #[serde(rename = "fieldId", alias = "field_id", alias = "field")]
    pub field_id: Value,
    /// Not needed (accepted for compatibility; options belong to the field, not to a lead).
    #[serde(default, rename = "leadId", alias = "lead_id")]
    pub lead_id: Option<i64>,
}

/// A field and its options.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FieldOptions {
    pub field_id: i64,
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: String,
    pub options: Vec<OptionSummary>,
}

/// One option.
#[derive(Debug, Serialize, JsonSchema)]
pub struct OptionSummary {
    pub enum_id: i64,
    pub value: String,
}

impl Render for FieldOptions {
    fn render(&self) -> String {
        if self.options.is_empty() {
            return format!(
                "\"{}\" #{} ({}) has no options; it takes a free value.",
                self.name, self.field_id, self.field_type
            );
        }
        // Option names only: every write tool takes them (case and accents ignored); their enum
        // ids and the field id are in structuredContent.
        let opts: Vec<&str> = self.options.iter().map(|o| o.value.as_str()).collect();
        let several = if self.field_type == "multiselect" {
            " (several)"
        } else {
            ""
        };
        format!("{}{several}: {}", self.name, opts.join(", "))
    }
}

async fn select_options(ctx: Context, a: SelectOptionsArgs) -> Result<FieldOptions, Error> {
    let key = match &a.field_id {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return Err(Error::invalid("fieldId", "give the field id or name")),
    };
    let mut defs = custom_fields::cached(&ctx.client, FieldEntity::Leads).await?;
    if custom_fields::resolve(&defs, &key).is_err() {
        ctx.client.cache().invalidate("custom_fields:leads");
        defs = custom_fields::cached(&ctx.client, FieldEntity::Leads).await?;
    }
    let f = custom_fields::resolve(&defs, &key).map_err(|e| Error::invalid("fieldId", e.to_string()))?;
    Ok(FieldOptions {
        field_id: f.id,
        name: f.name.clone(),
        field_type: f.field_type.clone(),
        options: f
            .options()
            .iter()
            .map(|e| OptionSummary {
                enum_id: e.id,
                value: e.value.clone(),
            })
            .collect(),
    })
}

/// Arguments of `kommo_list_custom_fields`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListFieldsArgs {
    /// "leads", "contacts", "companies" or "catalogs/<catalog id>".
    #[serde(alias = "entity_type", alias = "entityType")]
    pub entity: String,
}

/// One field definition.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FieldSummary {
    pub id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(rename = "type")]
    pub field_type: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

/// The custom fields of an entity.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FieldList {
    pub entity: String,
    pub fields: Vec<FieldSummary>,
}

impl Render for FieldList {
    fn render(&self) -> String {
        if self.fields.is_empty() {
            return format!("{} have no custom fields.", self.entity);
        }
        // One line per field, by name (what the tools take); ids are in structuredContent.
        let mut out = format!("Fields of {} ({}):", self.entity, self.fields.len());
        for f in &self.fields {
            out.push_str(&format!("\n{} ({}", f.name, f.field_type));
            if let Some(c) = &f.code {
                out.push_str(&format!(", code {c}"));
            }
            out.push(')');
            if !f.options.is_empty() {
                out.push_str(&format!(": {}", f.options.join(", ")));
            }
        }
        out
    }
}

async fn list_fields(ctx: Context, a: ListFieldsArgs) -> Result<FieldList, Error> {
    let entity = FieldEntity::parse(&a.entity)?;
    let defs = custom_fields::cached(&ctx.client, entity).await?;
    Ok(FieldList {
        entity: entity.to_string(),
        fields: defs
            .iter()
            .map(|d| FieldSummary {
                id: d.id,
                name: d.name.clone(),
                code: d.code.clone(),
                field_type: d.field_type.clone(),
                options: d.options().iter().map(|e| e.value.clone()).collect(),
            })
            .collect(),
    })
}

/// Custom field tools.
pub fn tools() -> Vec<ToolDef> {
    vec![
        define(
            Meta {
                name: "kommo_update_lead_custom_fields",
                title: "Set a lead's custom fields by name",
                description: "Set custom fields of a lead by their names (case and accents ignored), e.g. \
{\"Fuente\": \"Referido\", \"Unidades\": 12}. Select options are matched the same way; a wrong name or option \
gets an error listing the valid ones. Multiselect takes a list; dates take 2026-03-15; null clears. Fields that \
are empty on the lead work too. Use kommo_list_custom_fields to see the fields.",
                toolset: "custom_fields",
                access: Access::Write {
                    destructive: true,
                    idempotent: true,
                },
            },
            update_lead_fields,
        ),
        define(
            Meta {
                name: "kommo_get_select_field_options",
                title: "Options of a lead field",
                description: "List the options of a lead select/multiselect field, given its id or name, with \
their enum ids. leadId is not needed.",
                toolset: "custom_fields",
                access: Access::Read,
            },
            select_options,
        ),
        define(
            Meta {
                name: "kommo_list_custom_fields",
                title: "List custom fields",
                description: "List the custom fields of leads, contacts, companies or a catalog (entity = \
\"catalogs/<id>\"): name, id, type, code and options. Use it before setting fields by name.",
                toolset: "custom_fields",
                access: Access::Read,
            },
            list_fields,
        ),
    ]
}
