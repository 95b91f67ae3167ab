//! Catalog (product list) tools and the lead ↔ product tools.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{check_len, define, Access, Context, Meta, Render, ToolDef};
use crate::api::cache::METADATA_TTL;
use crate::api::catalogs::{self, Catalog};
use crate::api::links::{self, Link, LinkMetadata, Linked};
use crate::api::list::ListOptions;
use crate::error::Error;
use crate::mcp::format::{self, ElementSummary};

/// Tools that take no arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// A catalog.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CatalogSummary {
    pub id: i64,
    pub name: String,
    /// `products`, `regular`, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// Every catalog.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CatalogList {
    pub catalogs: Vec<CatalogSummary>,
}

impl Render for CatalogList {
    fn render(&self) -> String {
        if self.catalogs.is_empty() {
            return "The account has no catalogs (lists).".into();
        }
        let mut out = format!(
            "{} catalog{}:\n",
            self.catalogs.len(),
            if self.catalogs.len() == 1 { "" } else { "s" }
        );
        for c in &self.catalogs {
            out.push_str(&format!(
                "- {} #{}{}\n",
                c.name,
                c.id,
                c.kind.as_deref().map(|k| format!(" ({k})")).unwrap_or_default()
            ));
        }
        out
    }
}

/// The catalogs, from the account's metadata cache.
async fn cached_catalogs(ctx: &Context) -> Result<std::sync::Arc<Vec<Catalog>>, Error> {
    let c = ctx.client.clone();
    ctx.client
        .cache()
        .get_or_fetch(
            "catalogs",
            METADATA_TTL,
            || async move { catalogs::list_catalogs(&c).await },
        )
        .await
}

async fn list_catalogs(ctx: Context, _a: NoArgs) -> Result<CatalogList, Error> {
    let list = catalogs::list_catalogs(&ctx.client).await?;
    Ok(CatalogList {
        catalogs: list
            .into_iter()
            .map(|c| CatalogSummary {
                id: c.id,
                name: c.name,
                kind: c.kind,
            })
            .collect(),
    })
}

/// Arguments of `kommo_list_catalog_elements`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListElementsArgs {
    /// Catalog id (from kommo_list_catalogs).
    #[serde(alias = "catalogId")]
    pub catalog_id: i64,
    /// Text to find in element names and fields (SKU...).
    #[serde(default)]
    pub query: Option<String>,
    /// Page number, from 1.
    #[serde(default)]
    pub page: Option<u32>,
    /// Elements per page, up to 250 (default 50).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// A page of catalog elements.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ElementPage {
    pub catalog_id: i64,
    pub elements: Vec<ElementSummary>,
    pub page: u32,
    pub has_more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page: Option<u32>,
}

impl Render for ElementPage {
    fn render(&self) -> String {
        if self.elements.is_empty() {
            return if self.page > 1 {
                format!("No elements on page {}.", self.page)
            } else {
                format!("No elements in catalog #{} match.", self.catalog_id)
            };
        }
        let mut out = format!(
            "{} element{} of catalog #{} (page {}):\n",
            self.elements.len(),
            if self.elements.len() == 1 { "" } else { "s" },
            self.catalog_id,
            self.page
        );
        for e in &self.elements {
            out.push_str("- ");
            out.push_str(&format::element_line(e));
            out.push('\n');
        }
        out.push_str(&format::paging_hint(self.has_more, self.next_page));
        out
    }
}

async fn list_elements(ctx: Context, a: ListElementsArgs) -> Result<ElementPage, Error> {
    if let Some(q) = &a.query {
        check_len("query", q, 200)?;
    }
    let opts = ListOptions {
        page: a.page,
        limit: a.limit,
        query: a.query,
        ..ListOptions::default()
    };
    let l = match catalogs::list_elements(&ctx.client, a.catalog_id, &[], &opts).await {
        Err(Error::NotFound { .. }) => {
            return Err(Error::invalid(
                "catalog_id",
                format!("no catalog has id {}; see kommo_list_catalogs", a.catalog_id),
            ))
        }
        other => other?,
    };
    Ok(ElementPage {
        catalog_id: a.catalog_id,
        elements: l.items.iter().map(ElementSummary::from).collect(),
        page: l.page,
        has_more: l.has_more(),
        next_page: l.next_page,
    })
}

/// Arguments of `kommo_link_product_to_lead`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkProductArgs {
    /// The lead id.
    #[serde(rename = "leadId", alias = "lead_id")]
    pub lead_id: i64,
    /// The product (catalog element) id.
    #[serde(rename = "productId", alias = "product_id", alias = "elementId")]
    pub product_id: i64,
    /// How many (default 1). Linking the same product again sets this quantity.
    #[serde(default)]
    pub quantity: Option<f64>,
    /// Catalog of the product; found automatically when omitted.
    #[serde(default, alias = "catalogId")]
    pub catalog_id: Option<i64>,
}

/// A product linked to a lead.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ProductLinked {
    pub lead_id: i64,
    pub product_id: i64,
    pub catalog_id: i64,
    pub quantity: f64,
    pub already_linked: bool,
}

impl Render for ProductLinked {
    fn render(&self) -> String {
        format!(
            "Product #{} (catalog #{}) {} lead #{} with quantity {}.",
            self.product_id,
            self.catalog_id,
            if self.already_linked {
                "was already linked to"
            } else {
                "linked to"
            },
            self.lead_id,
            self.quantity
        )
    }
}

/// The catalog holding `element_id`: product catalogs first, one request per catalog tried.
async fn catalog_of(ctx: &Context, element_id: i64) -> Result<i64, Error> {
    let mut list: Vec<Catalog> = cached_catalogs(ctx).await?.as_ref().clone();
    list.sort_by_key(|c| c.kind.as_deref() != Some("products"));
    for c in list {
        if catalogs::get_element(&ctx.client, c.id, element_id).await?.is_some() {
            return Ok(c.id);
        }
    }
    Err(Error::invalid(
        "productId",
        format!("no catalog has an element with id {element_id}; find products with kommo_list_catalog_elements"),
    ))
}

async fn link_product(ctx: Context, a: LinkProductArgs) -> Result<ProductLinked, Error> {
    let quantity = a.quantity.unwrap_or(1.0);
    if quantity.is_nan() || quantity <= 0.0 {
        return Err(Error::invalid("quantity", "must be greater than 0"));
    }
    let catalog_id = match a.catalog_id {
        Some(c) => c,
        None => catalog_of(&ctx, a.product_id).await?,
    };
    let target = Link {
        to_entity_id: a.product_id,
        to_entity_type: "catalog_elements".into(),
        metadata: Some(LinkMetadata {
            quantity: Some(quantity),
            catalog_id: Some(catalog_id),
            ..LinkMetadata::default()
        }),
    };
    let outcome = links::link_one(&ctx.client, "leads", a.lead_id, target).await?;
    Ok(ProductLinked {
        lead_id: a.lead_id,
        product_id: a.product_id,
        catalog_id,
        quantity,
        already_linked: outcome == Linked::AlreadyLinked,
    })
}

/// Arguments of `kommo_unlink_product_from_lead`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnlinkProductArgs {
    /// The lead id.
    #[serde(rename = "leadId", alias = "lead_id")]
    pub lead_id: i64,
    /// The product (catalog element) id.
    #[serde(rename = "productId", alias = "product_id", alias = "elementId")]
    pub product_id: i64,
}

async fn unlink_product(ctx: Context, a: UnlinkProductArgs) -> Result<format::Written, Error> {
    let target = Link {
        to_entity_id: a.product_id,
        to_entity_type: "catalog_elements".into(),
        metadata: None,
    };
    links::unlink(&ctx.client, "leads", a.lead_id, &[target]).await?;
    Ok(format::Written {
        entity: "product",
        id: a.product_id,
        action: format!("removed from lead #{}", a.lead_id),
    })
}

/// Arguments of `kommo_get_lead_products`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadProductsArgs {
    /// The lead id.
    #[serde(rename = "leadId", alias = "lead_id")]
    pub lead_id: i64,
}

/// One product of a lead.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ProductLine {
    pub id: i64,
    pub name: String,
    pub catalog_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

/// The products of a lead.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LeadProducts {
    pub lead_id: i64,
    pub products: Vec<ProductLine>,
}

impl Render for LeadProducts {
    fn render(&self) -> String {
        if self.products.is_empty() {
            return format!("Lead #{} has no products.", self.lead_id);
        }
        let mut out = format!("{} product(s) on lead #{}:\n", self.products.len(), self.lead_id);
        for p in &self.products {
            let mut parts = vec![format!("{} #{}", p.name, p.id)];
            if let Some(q) = p.quantity {
                parts.push(format!("quantity {q}"));
            }
            parts.extend(p.fields.iter().cloned());
            parts.push(format!("catalog #{}", p.catalog_id));
            out.push_str(&format!("- {}\n", parts.join(" · ")));
        }
        out
    }
}

async fn lead_products(ctx: Context, a: LeadProductsArgs) -> Result<LeadProducts, Error> {
    let products = catalogs::lead_products(&ctx.client, a.lead_id)
        .await?
        .ok_or_else(|| Error::invalid("leadId", format!("no lead has id {}", a.lead_id)))?;
    Ok(LeadProducts {
        lead_id: a.lead_id,
        products: products
            .into_iter()
            .map(|p| ProductLine {
                fields: format::field_lines(&p.custom_fields_values),
                id: p.id,
                name: p.name,
                catalog_id: p.catalog_id,
                quantity: p.quantity,
            })
            .collect(),
    })
}

/// Catalog and product tools.
pub fn tools() -> Vec<ToolDef> {
    vec![
        define(
            Meta {
                name: "kommo_list_catalogs",
                title: "List catalogs",
                description: "List the account's catalogs (lists such as Products) with their ids and types. Use \
the id with kommo_list_catalog_elements.",
                toolset: "catalogs",
                access: Access::Read,
            },
            list_catalogs,
        ),
        define(
            Meta {
                name: "kommo_list_catalog_elements",
                title: "List catalog elements",
                description: "List the elements (products...) of one catalog, optionally matching a text in names \
or fields such as SKU, with their ids and field values, and a paging hint.",
                toolset: "catalogs",
                access: Access::Read,
            },
            list_elements,
        ),
        define(
            Meta {
                name: "kommo_get_lead_products",
                title: "Get a lead's products",
                description: "List the products (catalog elements) linked to a lead with their names, quantities \
and field values such as SKU and price.",
                toolset: "catalogs",
                access: Access::Read,
            },
            lead_products,
        ),
        define(
            Meta {
                name: "kommo_link_product_to_lead",
                title: "Add a product to a lead",
                description: "Link a product (catalog element id from kommo_list_catalog_elements) to a lead with a \
quantity (default 1). catalog_id is found automatically when omitted. Linking it again sets the quantity.",
                toolset: "catalogs",
                access: Access::Write {
                    destructive: false,
                    idempotent: true,
                },
            },
            link_product,
        ),
        define(
            Meta {
                name: "kommo_unlink_product_from_lead",
                title: "Remove a product from a lead",
                description: "Remove a product (catalog element) from a lead. The product itself stays in its catalog.",
                toolset: "catalogs",
                access: Access::Write {
                    destructive: true,
                    idempotent: true,
                },
            },
            unlink_product,
        ),
    ]
}
