//! The events feed (`/api/v4/events`, read-only): what happened to leads, contacts, companies and
//! tasks. Event ids are strings. Kommo's event filters take comma-separated lists.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::list::{list, ListOptions, Listing};
use crate::api::{Client, Query};
use crate::error::{Error, Result};

/// Entities `filter[entity]` accepts (plus `catalog_{id}`).
pub const EVENT_ENTITIES: [&str; 5] = ["lead", "contact", "company", "task", "customer"];

/// One event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub entity_id: i64,
    #[serde(default)]
    pub entity_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    #[serde(default)]
    pub value_after: Value,
    #[serde(default)]
    pub value_before: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<i64>,
    #[serde(default, rename = "_embedded", skip_serializing_if = "Option::is_none")]
    pub embedded: Option<Value>,
}

impl Event {
    /// The entity's name, when asked for with `with=lead_name` etc.
    pub fn entity_name(&self) -> Option<&str> {
        self.embedded.as_ref()?.get("entity")?.get("name")?.as_str()
    }
}

/// Filters of `GET /events`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFilter {
    pub ids: Vec<String>,
    /// `lead`, `contact`, `company`, `task`, `customer`, `catalog_{id}`; plurals are accepted.
    pub entities: Vec<String>,
    /// At most 10; needs exactly one entity.
    pub entity_ids: Vec<i64>,
    /// Event types, e.g. `lead_added`, `lead_status_changed`, `common_note_added`.
    pub types: Vec<String>,
    /// At most 10.
    pub created_by: Vec<i64>,
    pub created_at: (Option<i64>, Option<i64>),
}

fn singular(entity: &str) -> Result<String> {
    let s = match entity {
        "leads" | "lead" | "deals" | "deal" => "lead",
        "contacts" | "contact" => "contact",
        "companies" | "company" => "company",
        "tasks" | "task" => "task",
        "customers" | "customer" => "customer",
        other => {
            if let Some(id) = other.strip_prefix("catalog_") {
                // Digits only (`parse` would take a leading `+`); `parse` refuses what overflows i64.
                return match id.parse::<i64>() {
                    Ok(n) if n > 0 && id.bytes().all(|b| b.is_ascii_digit()) => Ok(format!("catalog_{n}")),
                    _ => Err(Error::invalid(
                        "entity",
                        format!(
                            "{:?}: catalog_<id> takes a catalog's positive integer id, e.g. catalog_1234",
                            crate::text::truncate_chars(other, 40)
                        ),
                    )),
                };
            }
            return Err(Error::invalid(
                "entity",
                format!(
                    "{:?} is not an event entity; use lead, contact, company, task, customer or catalog_<id>",
                    crate::text::truncate_chars(other, 40)
                ),
            ));
        }
    };
    Ok(s.to_string())
}

impl EventFilter {
    /// Checks the limits and writes the query (comma-separated lists, as Kommo documents).
    pub fn to_query(&self) -> Result<Query> {
        let mut q = Query::new();
        let entities = self.entities.iter().map(|e| singular(e)).collect::<Result<Vec<_>>>()?;
        if !self.entity_ids.is_empty() && entities.len() != 1 {
            return Err(Error::invalid(
                "entity_id",
                "needs exactly one entity type (e.g. entity: 'lead')",
            ));
        }
        if self.entity_ids.len() > 10 {
            return Err(Error::invalid("entity_id", "at most 10 ids per request"));
        }
        if self.created_by.len() > 10 {
            return Err(Error::invalid("created_by", "at most 10 user ids per request"));
        }
        let join = |v: &[String]| v.join(",");
        if !self.ids.is_empty() {
            q.push("filter[id]", join(&self.ids));
        }
        if !entities.is_empty() {
            q.push("filter[entity]", join(&entities));
        }
        if !self.entity_ids.is_empty() {
            q.push(
                "filter[entity_id]",
                join(&self.entity_ids.iter().map(i64::to_string).collect::<Vec<_>>()),
            );
        }
        if !self.types.is_empty() {
            q.push("filter[type]", join(&self.types));
        }
        if !self.created_by.is_empty() {
            q.push(
                "filter[created_by]",
                join(&self.created_by.iter().map(i64::to_string).collect::<Vec<_>>()),
            );
        }
        q.filter_range("created_at", self.created_at.0, self.created_at.1);
        Ok(q)
    }
}

/// Lists events, newest first.
pub async fn list_events(client: &Client, filter: &EventFilter, opts: &ListOptions) -> Result<Listing<Event>> {
    list_events_query(client, filter.to_query()?, opts).await
}

/// [`list_events`] with the filter already checked and written as a query
/// ([`EventFilter::to_query`]), for callers that check it before starting other requests.
pub async fn list_events_query(client: &Client, q: Query, opts: &ListOptions) -> Result<Listing<Event>> {
    list(client, "events", "events", q, opts).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_are_named_as_kommo_filters_them() {
        for (given, sent) in [
            ("leads", "lead"),
            ("deal", "lead"),
            ("companies", "company"),
            ("catalog_1234", "catalog_1234"),
        ] {
            assert_eq!(singular(given).unwrap(), sent);
        }
        // A catalog takes a positive i64 id written in digits only.
        for bad in [
            "catalog_0",
            "catalog_",
            "catalog_+5",
            "catalog_-5",
            "catalog_1e3",
            "catalog_ 7",
            "catalog_9223372036854775808",
            "catalog_00000000000000000000000000001x",
            "widgets",
        ] {
            let err = singular(bad).unwrap_err().to_string();
            assert!(err.contains("entity"), "{bad}: {err}");
        }
        assert_eq!(
            singular("catalog_9223372036854775807").unwrap(),
            "catalog_9223372036854775807"
        );
        // Leading zeros are digits: the id is still positive, and Kommo gets it written plainly.
        assert_eq!(singular("catalog_007").unwrap(), "catalog_7");
    }
}
