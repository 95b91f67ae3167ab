//! Company tools. Argument names follow the original package (`companyId`, `query`, ...).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{check_len, define, Access, Context, Meta, Render, ToolDef};
use crate::api::companies::{self, CompanyData};
use crate::api::contacts::{EmbeddedWrite, EntityFilter, TypedValue};
use crate::api::list::ListOptions;
use crate::api::model::TagWrite;
use crate::error::Error;
use crate::mcp::format::{self, CompanySummary, Written};

/// Arguments of `kommo_search_company`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchCompanyArgs {
    /// Text to find in company names, phones, emails, web addresses and other fields.
    pub query: String,
}

/// Arguments of `kommo_list_companies`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListCompaniesArgs {
    /// Full-text search.
    #[serde(default)]
    pub query: Option<String>,
    /// Only companies of this responsible user.
    #[serde(default)]
    pub responsible_user_id: Option<i64>,
    /// Custom fields by name: {"Sector": "Logística", "Empleados": {"from": 50}}.
    #[serde(default)]
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
    /// Page number, from 1.
    #[serde(default)]
    pub page: Option<u32>,
    /// Companies per page, up to 250 (default 50).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// A page of companies.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CompanyPage {
    pub companies: Vec<CompanySummary>,
    pub page: u32,
    pub has_more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page: Option<u32>,
}

impl Render for CompanyPage {
    fn render(&self) -> String {
        if self.companies.is_empty() {
            return if self.page > 1 {
                format!("No companies on page {}.", self.page)
            } else {
                "No companies match.".to_string()
            };
        }
        let n = self.companies.len();
        let mut out = format!("{n} compan{} (page {}):\n", if n == 1 { "y" } else { "ies" }, self.page);
        for c in &self.companies {
            out.push_str("- ");
            out.push_str(&format::company_line(c));
            out.push('\n');
        }
        out.push_str(&format::paging_hint(self.has_more, self.next_page));
        out
    }
}

async fn page(ctx: &Context, filter: EntityFilter, opts: ListOptions) -> Result<CompanyPage, Error> {
    let l = companies::list_companies(&ctx.client, &filter, &opts).await?;
    Ok(CompanyPage {
        companies: l.items.iter().map(CompanySummary::from).collect(),
        page: l.page,
        has_more: l.has_more(),
        next_page: l.next_page,
    })
}

async fn search_company(ctx: Context, a: SearchCompanyArgs) -> Result<CompanyPage, Error> {
    check_len("query", &a.query, 200)?;
    if a.query.trim().is_empty() {
        return Err(Error::invalid("query", "must not be empty"));
    }
    let opts = ListOptions {
        query: Some(a.query),
        limit: Some(50),
        ..ListOptions::default()
    };
    page(&ctx, EntityFilter::default(), opts).await
}

async fn list_companies(ctx: Context, a: ListCompaniesArgs) -> Result<CompanyPage, Error> {
    if let Some(q) = &a.query {
        check_len("query", q, 200)?;
    }
    let custom_fields = match &a.custom_fields {
        Some(spec) => {
            crate::api::custom_fields::filters_by_name(
                &ctx.client,
                crate::api::custom_fields::FieldEntity::Companies,
                "custom_fields",
                spec,
            )
            .await?
        }
        None => Vec::new(),
    };
    let filter = EntityFilter {
        responsible_user_ids: a.responsible_user_id.into_iter().collect(),
        custom_fields,
        ..EntityFilter::default()
    };

    let opts = ListOptions {
        page: a.page,
        limit: a.limit,
        query: a.query,
        ..ListOptions::default()
    };
    page(&ctx, filter, opts).await
}

/// Arguments of `kommo_get_company`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetCompanyArgs {
    /// The company id.
    #[serde(rename = "companyId", alias = "company_id")]
    pub company_id: i64,
}

/// One company.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CompanyDetail {
    pub company: CompanySummary,
    /// Other custom fields with values, as `name: value`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

impl Render for CompanyDetail {
    fn render(&self) -> String {
        let mut out = format::company_line(&self.company);
        out.push('\n');
        for f in &self.fields {
            out.push_str(&format!("  {f}\n"));
        }
        out
    }
}

async fn get_company(ctx: Context, a: GetCompanyArgs) -> Result<CompanyDetail, Error> {
    let c = companies::get(&ctx.client, a.company_id, &["contacts", "leads"])
        .await?
        .ok_or_else(|| {
            Error::invalid(
                "companyId",
                format!(
                    "no company has id {}; find companies with kommo_search_company",
                    a.company_id
                ),
            )
        })?;
    let others: Option<Vec<_>> = c.custom_fields_values.as_ref().map(|v| {
        v.iter()
            .filter(|f| {
                !matches!(f.field_code.as_deref(), Some("PHONE" | "EMAIL" | "WEB"))
                    && f.field_type.as_deref() != Some("url")
            })
            .cloned()
            .collect()
    });
    Ok(CompanyDetail {
        company: CompanySummary::from(&c),
        fields: format::field_lines(&others),
    })
}

/// Arguments of `kommo_create_company`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCompanyArgs {
    /// Company name.
    pub name: String,
    /// Responsible user id.
    #[serde(default)]
    pub responsible_user_id: Option<i64>,
    /// Phones: "+57 601 745 2200" or {"value": "...", "type": "WORK"}.
    #[serde(default)]
    pub phones: Option<Vec<TypedValue>>,
    /// Emails: "info@acme.co" or {"value": "...", "type": "WORK"}.
    #[serde(default)]
    pub emails: Option<Vec<TypedValue>>,
    /// Tag names to attach (created if new).
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

async fn create_company(ctx: Context, a: CreateCompanyArgs) -> Result<Written, Error> {
    let id = companies::create_one(&ctx.client, create_body(a)?).await?;
    Ok(Written {
        entity: "company",
        id,
        action: "created".into(),
    })
}

/// The Kommo company object for `kommo_create_company`'s arguments (also one item of
/// `kommo_batch_companies`).
pub(super) fn create_body(a: CreateCompanyArgs) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
    check_len("name", &a.name, 255)?;
    if a.name.trim().is_empty() {
        return Err(Error::invalid("name", "must not be empty"));
    }
    let data = CompanyData {
        name: Some(a.name),
        responsible_user_id: a.responsible_user_id,
        phones: a.phones,
        emails: a.emails,
        embedded: a.tags.map(|t| EmbeddedWrite {
            tags: Some(
                t.into_iter()
                    .map(|name| TagWrite {
                        id: None,
                        name: Some(name),
                    })
                    .collect(),
            ),
            companies: None,
        }),
        ..CompanyData::default()
    };
    data.to_map()
}

/// Arguments of `kommo_update_company`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCompanyArgs {
    /// The company id.
    #[serde(rename = "companyId", alias = "company_id")]
    pub company_id: i64,
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New responsible user.
    #[serde(default)]
    pub responsible_user_id: Option<i64>,
    /// Replaces all phones.
    #[serde(default)]
    pub phones: Option<Vec<TypedValue>>,
    /// Replaces all emails.
    #[serde(default)]
    pub emails: Option<Vec<TypedValue>>,
}

async fn update_company(ctx: Context, a: UpdateCompanyArgs) -> Result<Written, Error> {
    let (company_id, body) = update_body(a)?;
    let id = companies::update_one(&ctx.client, company_id, body).await?;
    Ok(Written {
        entity: "company",
        id,
        action: "updated".into(),
    })
}

/// The company id and changes for `kommo_update_company`'s arguments (also one update item of
/// `kommo_batch_companies`).
pub(super) fn update_body(a: UpdateCompanyArgs) -> Result<(i64, serde_json::Map<String, serde_json::Value>), Error> {
    let data = CompanyData {
        name: a.name,
        responsible_user_id: a.responsible_user_id,
        phones: a.phones,
        emails: a.emails,
        ..CompanyData::default()
    };
    if data == CompanyData::default() {
        return Err(Error::invalid(
            "companyId",
            "nothing to change: give name, responsible_user_id, phones or emails",
        ));
    }
    Ok((a.company_id, data.to_map()?))
}

/// Company tools.
pub fn tools() -> Vec<ToolDef> {
    vec![
        define(
            Meta {
                name: "kommo_search_company",
                title: "Search companies",
                description: "Find companies whose name, phone, email, web address or other field contains the \
text (Kommo full-text search). Returns up to 50, one line each with id, phones, emails, web and linked contacts.",
                toolset: "companies",
                access: Access::Read,
            },
            search_company,
        ),
        define(
            Meta {
                name: "kommo_get_company",
                title: "Get a company",
                description: "Get one company by id with its phones, emails, web address, linked contacts and \
leads, tags and other custom field values.",
                toolset: "companies",
                access: Access::Read,
            },
            get_company,
        ),
        define(
            Meta {
                name: "kommo_list_companies",
                title: "List companies",
                description: "List companies page by page, optionally with a full-text query or one responsible \
user. One line per company and a paging hint.",
                toolset: "companies",
                access: Access::Read,
            },
            list_companies,
        ),
        define(
            Meta {
                name: "kommo_create_company",
                title: "Create a company",
                description: "Create a company with name, phones, emails and tags in one request. Search first \
with kommo_search_company to avoid duplicates; link contacts with kommo_link_entities. Returns the new id.",
                toolset: "companies",
                access: Access::Write {
                    destructive: false,
                    idempotent: false,
                },
            },
            create_company,
        ),
        define(
            Meta {
                name: "kommo_update_company",
                title: "Update a company",
                description: "Change a company's name, responsible user, phones or emails (phones/emails replace \
the current list). One request. Returns the company id.",
                toolset: "companies",
                access: Access::Write {
                    destructive: true,
                    idempotent: true,
                },
            },
            update_company,
        ),
    ]
}
