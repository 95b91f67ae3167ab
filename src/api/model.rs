//! Types shared by several Kommo resources.

use serde::{Deserialize, Serialize};

/// One custom field's values on an entity (`custom_fields_values[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomFieldValues {
    pub field_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    /// `PHONE`, `EMAIL`, ... for predefined fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_type: Option<String>,
    #[serde(default)]
    pub values: Vec<CustomFieldValue>,
}

/// One value of a custom field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomFieldValue {
    /// Text, number, boolean or (for a few field types) an object.
    #[serde(default)]
    pub value: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enum_id: Option<i64>,
    /// `WORK`, `MOB`, ... (older accounts send it as `enum`).
    #[serde(default, alias = "enum", skip_serializing_if = "Option::is_none")]
    pub enum_code: Option<String>,
}

impl CustomFieldValue {
    /// The value as text (numbers and booleans are formatted).
    pub fn as_text(&self) -> Option<String> {
        match &self.value {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

/// Text values of the custom field with `code` (e.g. `PHONE`), with their enum codes.
pub fn values_with_code<'a>(fields: &'a Option<Vec<CustomFieldValues>>, code: &str) -> Vec<(String, Option<&'a str>)> {
    fields
        .iter()
        .flatten()
        .filter(|f| f.field_code.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(code)))
        .flat_map(|f| f.values.iter())
        .filter_map(|v| v.as_text().map(|t| (t, v.enum_code.as_deref())))
        .collect()
}

/// A reference to a related entity in `_embedded` (`{id, is_main?}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityRef {
    pub id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_main: Option<bool>,
}

/// A tag in `_embedded.tags`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    pub id: i64,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

/// A custom field value to write: `field_id` or `field_code`, and its values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomFieldWrite {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_code: Option<String>,
    /// `null` clears the field.
    pub values: Option<Vec<CustomFieldValueWrite>>,
}

/// One value to write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomFieldValueWrite {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enum_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enum_code: Option<String>,
}

/// A tag to attach: by id or by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagWrite {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A related entity to link at creation (`_embedded.contacts[]`, `_embedded.companies[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityRefWrite {
    pub id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_main: Option<bool>,
}
