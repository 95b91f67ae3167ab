//! Link tools: lead ↔ contact (the original's tool) and generic links between leads, contacts,
//! companies and catalog elements.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{define, Access, Context, Meta, Render, ToolDef};
use crate::api::links::{self, Link, LinkFilter, LinkMetadata, Linked};
use crate::api::list::ListOptions;
use crate::error::Error;
use crate::mcp::format;

/// An entity type that has links and tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    Leads,
    Contacts,
    Companies,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Leads => "leads",
            EntityKind::Contacts => "contacts",
            EntityKind::Companies => "companies",
        }
    }
    fn singular(self) -> &'static str {
        match self {
            EntityKind::Leads => "lead",
            EntityKind::Contacts => "contact",
            EntityKind::Companies => "company",
        }
    }
}

/// What a link can point to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Leads,
    Contacts,
    Companies,
    CatalogElements,
}

impl TargetKind {
    fn as_str(self) -> &'static str {
        match self {
            TargetKind::Leads => "leads",
            TargetKind::Contacts => "contacts",
            TargetKind::Companies => "companies",
            TargetKind::CatalogElements => "catalog_elements",
        }
    }
}

/// Arguments of `kommo_link_lead_to_contact`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkLeadContactArgs {
    /// The lead id.
    #[serde(rename = "leadId", alias = "lead_id")]
    pub lead_id: i64,
    /// The contact id.
    #[serde(rename = "contactId", alias = "contact_id")]
    pub contact_id: i64,
}

async fn link_lead_to_contact(ctx: Context, a: LinkLeadContactArgs) -> Result<format::Written, Error> {
    let target = Link {
        to_entity_id: a.contact_id,
        to_entity_type: "contacts".into(),
        metadata: None,
    };
    let outcome = links::link_one(&ctx.client, "leads", a.lead_id, target).await?;
    Ok(format::Written {
        entity: "lead",
        id: a.lead_id,
        action: match outcome {
            Linked::Created => format!("linked to contact #{}", a.contact_id),
            Linked::AlreadyLinked => format!("was already linked to contact #{}", a.contact_id),
        },
    })
}

/// Arguments of `kommo_list_links`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListLinksArgs {
    /// Type of the entity whose links to read.
    pub entity_type: EntityKind,
    /// Its id.
    pub entity_id: i64,
    /// Only links to this type.
    #[serde(default)]
    pub to_entity_type: Option<TargetKind>,
    /// Page number, from 1.
    #[serde(default)]
    pub page: Option<u32>,
}

/// One link.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LinkLine {
    pub to_entity_type: String,
    pub to_entity_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catalog_id: Option<i64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub main_contact: bool,
}

/// The links of one entity.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LinkPage {
    pub entity: String,
    /// The target type the links were limited to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub only: Option<TargetKind>,
    pub links: Vec<LinkLine>,
    pub page: u32,
    pub has_more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page: Option<u32>,
}

impl Render for LinkPage {
    fn render(&self) -> String {
        if self.links.is_empty() {
            let to = self.only.map(|t| format!(" to {}", t.as_str())).unwrap_or_default();
            let here = if self.page > 1 { " on this page" } else { "" };
            return format!("{} has no links{to}{here}.", self.entity);
        }
        let mut out = format!("{} is linked to:\n", self.entity);
        for l in &self.links {
            let mut line = format!("- {} #{}", l.to_entity_type, l.to_entity_id);
            if l.main_contact {
                line.push_str(" (main contact)");
            }
            if let Some(q) = l.quantity {
                line.push_str(&format!(" · quantity {q}"));
            }
            if let Some(c) = l.catalog_id {
                line.push_str(&format!(" · catalog #{c}"));
            }
            out.push_str(&line);
            out.push('\n');
        }
        out.push_str(&format::paging_hint(self.has_more, self.next_page));
        out
    }
}

async fn list_links(ctx: Context, a: ListLinksArgs) -> Result<LinkPage, Error> {
    let opts = ListOptions {
        page: a.page,
        limit: Some(250),
        ..ListOptions::default()
    };
    let mut l = links::list_links(
        &ctx.client,
        a.entity_type.as_str(),
        a.entity_id,
        &LinkFilter::default(),
        &opts,
    )
    .await?;
    if let Some(t) = a.to_entity_type {
        l.items.retain(|x| x.to_entity_type == t.as_str());
    }
    Ok(LinkPage {
        entity: format!("{} #{}", a.entity_type.singular(), a.entity_id),
        only: a.to_entity_type,
        links: l
            .items
            .into_iter()
            .map(|x| {
                let m = x.metadata.unwrap_or_default();
                LinkLine {
                    to_entity_type: x.to_entity_type,
                    to_entity_id: x.to_entity_id,
                    quantity: m.quantity,
                    catalog_id: m.catalog_id,
                    main_contact: m.main_contact.unwrap_or(false),
                }
            })
            .collect(),
        page: l.page,
        has_more: l.next_page.is_some(),
        next_page: l.next_page,
    })
}

/// One link to create or remove.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkTarget {
    /// Type of the other entity.
    pub to_entity_type: TargetKind,
    /// Its id.
    pub to_entity_id: i64,
    /// Catalog of a catalog element (required for catalog_elements).
    #[serde(default)]
    pub catalog_id: Option<i64>,
    /// Quantity of a catalog element (default 1).
    #[serde(default)]
    pub quantity: Option<f64>,
    /// Make this contact the lead's main contact.
    #[serde(default)]
    pub is_main: Option<bool>,
}

/// Arguments of `kommo_link_entities` and `kommo_unlink_entities`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkEntitiesArgs {
    /// Type of the entity to link from.
    pub entity_type: EntityKind,
    /// Its id.
    pub entity_id: i64,
    /// The entities to link to (or unlink from).
    pub links: Vec<LinkTarget>,
    /// More entities of the same type to link the same way: all in one request.
    #[serde(default)]
    pub more_entity_ids: Option<Vec<i64>>,
}

/// The sources of a call: `entity_id` and `more_entity_ids` (at most 250 links in all).
fn sources(a: &LinkEntitiesArgs) -> Result<Vec<i64>, Error> {
    let mut ids = vec![a.entity_id];
    for id in a.more_entity_ids.iter().flatten() {
        if !ids.contains(id) {
            ids.push(*id);
        }
    }
    super::check_id_list("more_entity_ids", &ids[1..], 250)?;
    super::check_count("links", ids.len() * a.links.len(), links::MASS_LINK_SIZE)?;
    Ok(ids)
}

/// `(entity_id, target)` for every source and target.
fn mass(ids: &[i64], list: &[Link]) -> Vec<links::EntityLink> {
    ids.iter()
        .flat_map(|id| {
            list.iter().map(move |l| links::EntityLink {
                entity_id: *id,
                to_entity_id: l.to_entity_id,
                to_entity_type: l.to_entity_type.clone(),
                metadata: l.metadata.clone(),
            })
        })
        .collect()
}

fn label(kind: EntityKind, ids: &[i64]) -> String {
    if ids.len() == 1 {
        format!("{} #{}", kind.singular(), ids[0])
    } else {
        let list: Vec<String> = ids.iter().map(|i| format!("#{i}")).collect();
        format!("{} {}", kind.as_str(), list.join(", "))
    }
}

fn to_links(targets: Vec<LinkTarget>, linking: bool) -> Vec<Link> {
    targets
        .into_iter()
        .map(|t| {
            let catalog = t.to_entity_type == TargetKind::CatalogElements;
            let metadata = LinkMetadata {
                quantity: if catalog && linking {
                    Some(t.quantity.unwrap_or(1.0))
                } else {
                    None
                },
                catalog_id: t.catalog_id,
                is_main: t.is_main.filter(|_| linking),
                ..LinkMetadata::default()
            };
            Link {
                to_entity_id: t.to_entity_id,
                to_entity_type: t.to_entity_type.as_str().into(),
                metadata: (metadata != LinkMetadata::default()).then_some(metadata),
            }
        })
        .collect()
}

/// Links written or removed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LinksChanged {
    pub entity: String,
    pub action: &'static str,
    /// `type #id` of each other entity.
    pub targets: Vec<String>,
}

impl Render for LinksChanged {
    fn render(&self) -> String {
        format!("{} {} {}.", self.entity, self.action, self.targets.join(", "))
    }
}

fn describe(links: &[Link]) -> Vec<String> {
    links
        .iter()
        .map(|l| format!("{} #{}", l.to_entity_type, l.to_entity_id))
        .collect()
}

async fn link_entities(ctx: Context, a: LinkEntitiesArgs) -> Result<LinksChanged, Error> {
    let ids = sources(&a)?;
    let (kind, entity_id) = (a.entity_type, a.entity_id);
    let list = to_links(a.links, true);
    if ids.len() == 1 {
        links::link(&ctx.client, kind.as_str(), entity_id, &list).await?;
    } else {
        links::link_many(&ctx.client, kind.as_str(), &mass(&ids, &list)).await?;
    }
    Ok(LinksChanged {
        entity: label(kind, &ids),
        action: "linked to",
        targets: describe(&list),
    })
}

async fn unlink_entities(ctx: Context, a: LinkEntitiesArgs) -> Result<LinksChanged, Error> {
    let ids = sources(&a)?;
    let (kind, entity_id) = (a.entity_type, a.entity_id);
    let list = to_links(a.links, false);
    if ids.len() == 1 {
        links::unlink(&ctx.client, kind.as_str(), entity_id, &list).await?;
    } else {
        links::unlink_many(&ctx.client, kind.as_str(), &mass(&ids, &list)).await?;
    }
    Ok(LinksChanged {
        entity: label(kind, &ids),
        action: "unlinked from",
        targets: describe(&list),
    })
}

/// Link tools.
pub fn tools() -> Vec<ToolDef> {
    vec![
        define(
            Meta {
                name: "kommo_link_lead_to_contact",
                title: "Link a contact to a lead",
                description: "Link an existing contact to an existing lead (one request). Succeeds, saying so, \
when they are already linked. To link several entities or companies use kommo_link_entities.",
                toolset: "links",
                access: Access::Write {
                    destructive: false,
                    idempotent: true,
                },
            },
            link_lead_to_contact,
        ),
        define(
            Meta {
                name: "kommo_list_links",
                title: "List an entity's links",
                description: "List what a lead, contact or company is linked to: contacts (and which is main), \
companies, leads and catalog elements with quantities. Optionally only one target type.",
                toolset: "links",
                access: Access::Read,
            },
            list_links,
        ),
        define(
            Meta {
                name: "kommo_link_entities",
                title: "Link entities",
                description: "Link a lead, contact or company to several others in one request: contacts \
(is_main for a lead's main contact), companies, leads, or catalog elements (catalog_id required, quantity).",
                toolset: "links",
                access: Access::Write {
                    destructive: false,
                    idempotent: false,
                },
            },
            link_entities,
        ),
        define(
            Meta {
                name: "kommo_unlink_entities",
                title: "Unlink entities",
                description: "Remove links between a lead, contact or company and other entities in one request. \
The entities themselves are not deleted.",
                toolset: "links",
                access: Access::Write {
                    destructive: true,
                    idempotent: true,
                },
            },
            unlink_entities,
        ),
    ]
}
