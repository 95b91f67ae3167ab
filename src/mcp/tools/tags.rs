//! Tag tools: list an entity type's tags, add tags to and remove tags from one entity.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::links::EntityKind;
use super::{check_len, define, Access, Context, Meta, Render, ToolDef};
use crate::api::list::ListOptions;
use crate::api::model::TagWrite;
use crate::api::tags;
use crate::error::Error;
use crate::mcp::format;

/// Arguments of `kommo_list_tags`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListTagsArgs {
    /// Whose tags: leads, contacts or companies (tags are separate per type).
    pub entity_type: EntityKind,
    /// Text to find in tag names.
    #[serde(default)]
    pub query: Option<String>,
    /// Page number, from 1.
    #[serde(default)]
    pub page: Option<u32>,
    /// Tags per page, up to 250 (default 250).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// A tag.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TagLine {
    pub id: i64,
    pub name: String,
}

/// A page of tags.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TagPage {
    pub tags: Vec<TagLine>,
    pub page: u32,
    pub has_more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page: Option<u32>,
}

impl Render for TagPage {
    fn render(&self) -> String {
        if self.tags.is_empty() {
            return "No tags match.".into();
        }
        let names: Vec<String> = self.tags.iter().map(|t| format!("{} #{}", t.name, t.id)).collect();
        format!(
            "{} tag{}: {}\n{}",
            self.tags.len(),
            if self.tags.len() == 1 { "" } else { "s" },
            names.join(", "),
            format::paging_hint(self.has_more, self.next_page)
        )
    }
}

async fn list_tags(ctx: Context, a: ListTagsArgs) -> Result<TagPage, Error> {
    if let Some(q) = &a.query {
        check_len("query", q, 200)?;
    }
    let opts = ListOptions {
        page: a.page,
        limit: Some(a.limit.unwrap_or(250)),
        query: a.query,
        ..ListOptions::default()
    };
    let l = tags::list_tags(&ctx.client, a.entity_type.as_str(), &[], None, &opts).await?;
    Ok(TagPage {
        tags: l
            .items
            .into_iter()
            .map(|t| TagLine { id: t.id, name: t.name })
            .collect(),
        page: l.page,
        has_more: l.next_page.is_some(),
        next_page: l.next_page,
    })
}

/// Arguments of `kommo_add_tags` and `kommo_remove_tags`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TagEntityArgs {
    /// Type of the entity: leads, contacts or companies.
    pub entity_type: EntityKind,
    /// Its id.
    pub entity_id: i64,
    /// Tag names, e.g. ["VIP", "Web"]. New names are created when adding.
    pub tags: Vec<String>,
}

/// Tags per call (as `kommo_create_lead` takes).
pub const MAX_TAGS: usize = 50;

fn refs(names: &[String]) -> Result<Vec<TagWrite>, Error> {
    super::check_count("tags", names.len(), MAX_TAGS)?;
    names
        .iter()
        .map(|n| {
            check_len("tags", n, 100)?;
            Ok(TagWrite {
                id: None,
                name: Some(n.trim().to_string()),
            })
        })
        .collect()
}

async fn add_tags(ctx: Context, a: TagEntityArgs) -> Result<format::Written, Error> {
    let id = tags::attach(&ctx.client, a.entity_type.as_str(), a.entity_id, &refs(&a.tags)?).await?;
    Ok(format::Written {
        entity: "entity",
        id,
        action: format!("tagged {}", a.tags.join(", ")),
    })
}

async fn remove_tags(ctx: Context, a: TagEntityArgs) -> Result<format::Written, Error> {
    let id = tags::detach(&ctx.client, a.entity_type.as_str(), a.entity_id, &refs(&a.tags)?).await?;
    Ok(format::Written {
        entity: "entity",
        id,
        action: format!("no longer tagged {}", a.tags.join(", ")),
    })
}

/// Tag tools.
pub fn tools() -> Vec<ToolDef> {
    vec![
        define(
            Meta {
                name: "kommo_list_tags",
                title: "List tags",
                description: "List the tags used on leads, contacts or companies (separate per type), optionally \
matching a text. Use the names with kommo_add_tags.",
                toolset: "tags",
                access: Access::Read,
            },
            list_tags,
        ),
        define(
            Meta {
                name: "kommo_add_tags",
                title: "Add tags",
                description: "Add tags by name to one lead, contact or company (one request); other tags stay. \
Names that do not exist yet are created.",
                toolset: "tags",
                access: Access::Write {
                    destructive: false,
                    idempotent: true,
                },
            },
            add_tags,
        ),
        define(
            Meta {
                name: "kommo_remove_tags",
                title: "Remove tags",
                description: "Remove tags by name from one lead, contact or company (one request). The tags \
themselves remain available.",
                toolset: "tags",
                access: Access::Write {
                    destructive: true,
                    idempotent: true,
                },
            },
            remove_tags,
        ),
    ]
}
