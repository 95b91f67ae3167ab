//! `custom_fields_values` on entities: validating what a write sends (`field_id` or
//! `field_code`, then `values` checked against the field's type and options) and rendering what a
//! read returns (`field_name`, `field_code`, `field_type` filled from the definition; `null` when
//! the entity has no values).

use serde_json::{json, Map, Value};

use super::store::{CustomField, EntityType, FieldType, FieldValue, FieldValues, Id, Store};
use super::write::ItemCtx;

/// The new values of one field; empty means "clear the field".
#[derive(Debug, Clone, PartialEq)]
pub struct FieldUpdate {
    /// Definition id.
    pub field_id: Id,
    /// Values to store, replacing the old ones.
    pub values: Vec<FieldValue>,
}

/// Validates `custom_fields_values` of a write. `None` when the key is absent (nothing changes).
pub fn parse(
    ctx: &mut ItemCtx,
    store: &Store,
    entity: EntityType,
    raw: Option<&Value>,
    path: &str,
) -> Option<Vec<FieldUpdate>> {
    let items = ctx.array(raw, path)?;
    let mut updates = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("{path}.{i}");
        let Some(item) = item.as_object() else {
            ctx.invalid_type(&path, "object");
            continue;
        };
        let Some(field) = resolve_field(ctx, store, entity, item, &path) else {
            continue;
        };
        let values_path = format!("{path}.values");
        let values = match item.get("values") {
            None => {
                ctx.missing(&values_path);
                continue;
            }
            Some(Value::Null) => Vec::new(),
            Some(Value::Array(values)) => values
                .iter()
                .enumerate()
                .filter_map(|(j, v)| parse_value(ctx, field, v, &format!("{values_path}.{j}")))
                .take(if field.kind.is_multiple() { usize::MAX } else { 1 })
                .collect(),
            Some(_) => {
                ctx.invalid_type(&values_path, "array");
                continue;
            }
        };
        let mut values: Vec<FieldValue> = values;
        if field.kind == FieldType::Multiselect {
            // Picking the same option twice stores it once.
            let mut seen = Vec::new();
            values.retain(|v| {
                !seen.contains(&v.enum_id) && {
                    seen.push(v.enum_id);
                    true
                }
            });
        }
        updates.push(FieldUpdate {
            field_id: field.id,
            values,
        });
    }
    Some(updates)
}

/// Finds the definition named by `field_id` or `field_code`.
fn resolve_field<'s>(
    ctx: &mut ItemCtx,
    store: &'s Store,
    entity: EntityType,
    item: &Map<String, Value>,
    path: &str,
) -> Option<&'s CustomField> {
    let id_path = format!("{path}.field_id");
    let code_path = format!("{path}.field_code");
    match (item.get("field_id"), item.get("field_code")) {
        (Some(id), _) if !id.is_null() => {
            let id = ctx.int(Some(id), &id_path)?;
            let field = store.field(entity, id);
            if field.is_none() {
                ctx.not_supported(&id_path);
            }
            field
        }
        (_, Some(code)) if !code.is_null() => {
            let code = ctx.string(Some(code), &code_path)?;
            let field = store.field_by_code(entity, &code);
            if field.is_none() {
                ctx.not_supported(&code_path);
            }
            field
        }
        _ => {
            ctx.missing(&id_path);
            None
        }
    }
}

/// Validates one `{value, enum_id?, enum_code?}` against the field's type.
fn parse_value(ctx: &mut ItemCtx, field: &CustomField, raw: &Value, path: &str) -> Option<FieldValue> {
    let Some(raw) = raw.as_object() else {
        ctx.invalid_type(path, "object");
        return None;
    };
    let value_path = format!("{path}.value");
    let value = raw.get("value").filter(|v| !v.is_null());
    let plain = |value: Value| Some(FieldValue { value, enum_id: None });
    match field.kind {
        FieldType::Text | FieldType::Textarea | FieldType::Url => match value {
            Some(Value::String(s)) => plain(json!(s)),
            Some(Value::Number(n)) => plain(json!(n.to_string())),
            Some(_) => {
                ctx.invalid_type(&value_path, "string");
                None
            }
            None => {
                ctx.missing(&value_path);
                None
            }
        },
        FieldType::Numeric => match value {
            Some(Value::Number(n)) => plain(json!(n.to_string())),
            Some(Value::String(s)) if s.trim().parse::<f64>().is_ok() => plain(json!(s.trim())),
            Some(_) => {
                ctx.invalid_type(&value_path, "numeric");
                None
            }
            None => {
                ctx.missing(&value_path);
                None
            }
        },
        FieldType::Checkbox => match value {
            Some(Value::Bool(b)) => plain(json!(b)),
            Some(_) => {
                ctx.invalid_type(&value_path, "bool");
                None
            }
            None => {
                ctx.missing(&value_path);
                None
            }
        },
        FieldType::Date | FieldType::DateTime | FieldType::Birthday => match value {
            Some(v) if v.as_i64().is_some() => plain(v.clone()),
            Some(Value::String(s)) if s.trim().parse::<i64>().is_ok() => {
                plain(json!(s.trim().parse::<i64>().unwrap_or_default()))
            }
            Some(_) => {
                ctx.invalid_type(&value_path, "int");
                None
            }
            None => {
                ctx.missing(&value_path);
                None
            }
        },
        FieldType::Select | FieldType::Radiobutton | FieldType::Multiselect => {
            let option = resolve_enum(ctx, field, raw, path)?.or_else(|| match value {
                Some(Value::String(s)) => field.enum_by_value(s).or_else(|| {
                    ctx.not_supported(&value_path);
                    None
                }),
                Some(_) => {
                    ctx.not_supported(&value_path);
                    None
                }
                None => {
                    ctx.missing(&value_path);
                    None
                }
            })?;
            Some(FieldValue {
                value: json!(option.value),
                enum_id: Some(option.id),
            })
        }
        FieldType::Multitext => {
            let text = match value {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                Some(_) => {
                    ctx.invalid_type(&value_path, "string");
                    return None;
                }
                None => {
                    ctx.missing(&value_path);
                    return None;
                }
            };
            // Kommo assigns a type when none is given; the first option (WORK) is the sandbox's pick.
            let option = resolve_enum(ctx, field, raw, path)?.or_else(|| field.enums.first())?;
            Some(FieldValue {
                value: json!(text),
                enum_id: Some(option.id),
            })
        }
    }
}

/// The option named by `enum_id`, `enum_code` or the legacy `enum` key.
/// `Some(None)` when none is given, `None` after recording an error.
fn resolve_enum<'f>(
    ctx: &mut ItemCtx,
    field: &'f CustomField,
    raw: &Map<String, Value>,
    path: &str,
) -> Option<Option<&'f super::store::FieldEnum>> {
    if let Some(id) = raw.get("enum_id").filter(|v| !v.is_null()) {
        let id_path = format!("{path}.enum_id");
        let id = ctx.int(Some(id), &id_path)?;
        return match field.enum_by_id(id) {
            Some(option) => Some(Some(option)),
            None => {
                ctx.not_supported(&id_path);
                None
            }
        };
    }
    for key in ["enum_code", "enum"] {
        if let Some(code) = raw.get(key).filter(|v| !v.is_null()) {
            let code_path = format!("{path}.{key}");
            let code = ctx.string(Some(code), &code_path)?;
            return match field.enum_by_code(&code) {
                Some(option) => Some(Some(option)),
                None => {
                    ctx.not_supported(&code_path);
                    None
                }
            };
        }
    }
    Some(None)
}

/// Applies updates: a field's values are replaced whole; an empty update removes the field.
pub fn apply(stored: &mut Vec<FieldValues>, updates: Vec<FieldUpdate>) {
    for update in updates {
        let position = stored.iter().position(|f| f.field_id == update.field_id);
        match (position, update.values.is_empty()) {
            (Some(i), true) => {
                stored.remove(i);
            }
            (Some(i), false) => stored[i].values = update.values,
            (None, true) => {}
            (None, false) => stored.push(FieldValues {
                field_id: update.field_id,
                values: update.values,
            }),
        }
    }
}

/// `custom_fields_values` as Kommo returns it; `null` when there are none.
pub fn render(store: &Store, entity: EntityType, stored: &[FieldValues]) -> Value {
    let rendered: Vec<Value> = stored
        .iter()
        .filter_map(|fv| {
            let field = store.field(entity, fv.field_id)?;
            let values: Vec<Value> = fv.values.iter().map(|v| render_value(field, v)).collect();
            let mut out = json!({
                "field_id": field.id,
                "field_name": field.name,
                "field_code": field.code,
                "field_type": field.kind.as_str(),
                "values": values,
            });
            if entity == EntityType::Leads {
                out["is_computed"] = json!(false);
            }
            Some(out)
        })
        .collect();
    if rendered.is_empty() {
        Value::Null
    } else {
        Value::Array(rendered)
    }
}

fn render_value(field: &CustomField, value: &FieldValue) -> Value {
    if !field.kind.has_enums() {
        return json!({ "value": value.value });
    }
    let code = value
        .enum_id
        .and_then(|id| field.enum_by_id(id))
        .and_then(|e| e.code.clone());
    json!({ "value": value.value, "enum_id": value.enum_id, "enum_code": code })
}
