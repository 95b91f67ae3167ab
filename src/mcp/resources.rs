//! MCP resources: read-only views of the account a model (or the user, through the client) can
//! attach as context without a tool call.
//!
//! | URI | content |
//! |---|---|
//! | `kommo://account` | name, subdomain, country, currency, timezone, users and pipelines |
//! | `kommo://pipelines` | every pipeline with its stages in order, with ids |
//! | `kommo://users` | every user with id, email, admin/active |
//! | `kommo://custom-fields/{leads,contacts,companies}` | field definitions with types and options |
//! | `kommo://leads/{id}`, `kommo://contacts/{id}`, `kommo://companies/{id}` (templates) | one record |
//!
//! Metadata comes from the account's cache (the same entries the tools use), so reading a
//! resource again within a few minutes costs no request. Content is compact markdown, rendered
//! with the tools' one-line formats. An unknown URI is "resource not found" (-32002), a bad id
//! "invalid params" (-32602); a Kommo failure is an internal error whose message says what failed.

use rmcp::model::{ErrorData as McpError, Resource, ResourceContents, ResourceTemplate};

use crate::api::cache::METADATA_TTL;
use crate::api::custom_fields::{self, CustomField, FieldEntity};
use crate::api::{account, companies, contacts, leads, pipelines, Client};
use crate::error::Error;
use crate::mcp::format::{self, CompanySummary, ContactSummary, LeadSummary, PipelineSummary};

/// MIME type of every resource.
pub const MIME: &str = "text/markdown";

/// Entities with custom-field resources (the API module's entity types; catalogs have their
/// own tool).
pub const FIELD_ENTITIES: [&str; 3] = ["leads", "contacts", "companies"];

/// Options listed per select field before "and N more".
const OPTIONS_SHOWN: usize = 25;

/// A parsed resource URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceUri {
    Account,
    Pipelines,
    Users,
    CustomFields(FieldEntity),
    Lead(i64),
    Contact(i64),
    Company(i64),
}

/// Why a URI names no resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UriError {
    /// No resource has this URI (-32002).
    NotFound(String),
    /// The URI has the right shape but an invalid id (-32602).
    InvalidId(String),
}

impl From<UriError> for McpError {
    fn from(e: UriError) -> Self {
        match e {
            UriError::NotFound(m) => McpError::resource_not_found(m, None),
            UriError::InvalidId(m) => McpError::invalid_params(m, None),
        }
    }
}

const KNOWN: &str =
    "kommo://account, kommo://pipelines, kommo://users, kommo://custom-fields/{leads|contacts|companies}, \
kommo://leads/{id}, kommo://contacts/{id} and kommo://companies/{id}";

fn parse_id(uri: &str, kind: &str, plural: &str, raw: &str) -> Result<i64, UriError> {
    match raw.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(UriError::InvalidId(format!(
            "{uri}: \"{raw}\" is not a {kind} id; use a positive integer, e.g. kommo://{plural}/10000001"
        ))),
    }
}

/// Parses a `kommo://` URI.
pub fn parse(uri: &str) -> Result<ResourceUri, UriError> {
    let not_found = || UriError::NotFound(format!("no resource {uri:?}; this server serves {KNOWN}"));
    let rest = uri.strip_prefix("kommo://").ok_or_else(not_found)?;
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        ["account"] => Ok(ResourceUri::Account),
        ["pipelines"] => Ok(ResourceUri::Pipelines),
        ["users"] => Ok(ResourceUri::Users),
        ["custom-fields", entity] => match *entity {
            "leads" => Ok(ResourceUri::CustomFields(FieldEntity::Leads)),
            "contacts" => Ok(ResourceUri::CustomFields(FieldEntity::Contacts)),
            "companies" => Ok(ResourceUri::CustomFields(FieldEntity::Companies)),
            other => Err(UriError::NotFound(format!(
                "no custom-field resource for \"{other}\"; use kommo://custom-fields/leads, \
kommo://custom-fields/contacts or kommo://custom-fields/companies"
            ))),
        },
        ["leads", id] => parse_id(uri, "lead", "leads", id).map(ResourceUri::Lead),
        ["contacts", id] => parse_id(uri, "contact", "contacts", id).map(ResourceUri::Contact),
        ["companies", id] => parse_id(uri, "company", "companies", id).map(ResourceUri::Company),
        _ => Err(not_found()),
    }
}

fn resource(uri: &str, name: &str, title: &str, description: &str) -> Resource {
    Resource::new(uri, name)
        .with_title(title)
        .with_description(description)
        .with_mime_type(MIME)
}

/// The fixed resources.
pub fn list() -> Vec<Resource> {
    let mut out = vec![
        resource(
            "kommo://account",
            "account",
            "Kommo account",
            "The account: name, subdomain, country, currency, timezone, users and pipelines.",
        ),
        resource(
            "kommo://pipelines",
            "pipelines",
            "Pipelines and stages",
            "Every lead pipeline with its stages in order, with the ids the lead tools take.",
        ),
        resource(
            "kommo://users",
            "users",
            "Users",
            "Every user of the account with id, email and whether they are admins or active.",
        ),
    ];
    for entity in FIELD_ENTITIES {
        out.push(resource(
            &format!("kommo://custom-fields/{entity}"),
            &format!("custom-fields-{entity}"),
            &format!("Custom fields of {entity}"),
            &format!("The custom fields of {entity}: name, id, code, type and the options of select fields."),
        ));
    }
    out
}

fn template(uri: &str, name: &str, title: &str, description: &str) -> ResourceTemplate {
    ResourceTemplate::new(uri, name)
        .with_title(title)
        .with_description(description)
        .with_mime_type(MIME)
}

/// The resource templates.
pub fn templates() -> Vec<ResourceTemplate> {
    vec![
        template(
            "kommo://leads/{id}",
            "lead",
            "Lead by id",
            "One lead: name, price, pipeline and stage, responsible user, contacts, company, tags and custom fields.",
        ),
        template(
            "kommo://contacts/{id}",
            "contact",
            "Contact by id",
            "One contact: name, phones, emails, company, leads, tags and custom fields.",
        ),
        template(
            "kommo://companies/{id}",
            "company",
            "Company by id",
            "One company: name, phones, emails, website, contacts, leads, tags and custom fields.",
        ),
        template(
            "kommo://custom-fields/{entity}",
            "custom-fields",
            "Custom fields of an entity",
            "The custom fields of leads, contacts or companies.",
        ),
    ]
}

/// Reads `uri`: its markdown text, or the JSON-RPC error to answer.
pub async fn read(client: &Client, uri: &str) -> Result<ResourceContents, McpError> {
    let parsed = parse(uri)?;
    match render(client, parsed).await {
        Ok(Some(text)) => Ok(ResourceContents::text(text, uri).with_mime_type(MIME)),
        Ok(None) => Err(McpError::resource_not_found(
            format!(
                "{uri}: Kommo has no {} with this id (it may have been deleted)",
                what(parsed)
            ),
            None,
        )),
        Err(e) if e.is_programmer_error() => Err(McpError::invalid_params(format!("{uri}: {e}"), None)),
        Err(e) => Err(McpError::internal_error(
            format!("could not read {uri} from Kommo: {e}"),
            None,
        )),
    }
}

fn what(uri: ResourceUri) -> &'static str {
    match uri {
        ResourceUri::Lead(_) => "lead",
        ResourceUri::Contact(_) => "contact",
        ResourceUri::Company(_) => "company",
        _ => "resource",
    }
}

/// The text of a resource; `None` when the record does not exist.
async fn render(client: &Client, uri: ResourceUri) -> Result<Option<String>, Error> {
    Ok(Some(match uri {
        ResourceUri::Account => account_text(client).await?,
        ResourceUri::Pipelines => pipelines_text(&pipelines::cached(client).await?),
        ResourceUri::Users => users_text(&account::cached_users(client).await?),
        ResourceUri::CustomFields(entity) => fields_text(entity, &custom_fields::cached(client, entity).await?),
        ResourceUri::Lead(id) => {
            let Some(lead) = leads::get(client, id, &["contacts"]).await? else {
                return Ok(None);
            };
            let (ps, users) = names(client).await;
            lead_text(
                &lead,
                ps.as_deref().map(Vec::as_slice),
                users.as_deref().map(Vec::as_slice),
            )
        }
        ResourceUri::Contact(id) => {
            let Some(c) = contacts::get(client, id, &["leads"]).await? else {
                return Ok(None);
            };
            let users = account::cached_users(client).await.ok();
            contact_text(&c, users.as_deref().map(Vec::as_slice))
        }
        ResourceUri::Company(id) => {
            let Some(c) = companies::get(client, id, &["contacts", "leads"]).await? else {
                return Ok(None);
            };
            let users = account::cached_users(client).await.ok();
            company_text(&c, users.as_deref().map(Vec::as_slice))
        }
    }))
}

type Shared<T> = Option<std::sync::Arc<Vec<T>>>;

/// Cached pipelines and users for names (a failure only costs the names).
async fn names(client: &Client) -> (Shared<pipelines::Pipeline>, Shared<account::User>) {
    let (ps, users) = tokio::join!(pipelines::cached(client), account::cached_users(client));
    (ps.ok(), users.ok())
}

async fn account_text(client: &Client) -> Result<String, Error> {
    let c = client.clone();
    let acc = client
        .cache()
        .get_or_fetch("resource:account", METADATA_TTL, || async move {
            account::get(&c, &["datetime_settings"]).await
        })
        .await?;
    let (ps, users) = names(client).await;
    let mut out = format!("# Account {} #{}\n", acc.name, acc.id);
    out.push_str(&format!("- Address: https://{}.kommo.com\n", acc.subdomain));
    if let Some(c) = &acc.country {
        out.push_str(&format!("- Country: {c}\n"));
    }
    match (&acc.currency, &acc.currency_symbol) {
        (Some(c), Some(s)) => out.push_str(&format!("- Currency: {c} ({s})\n")),
        (Some(c), None) => out.push_str(&format!("- Currency: {c}\n")),
        _ => {}
    }
    let tz = acc
        .embedded
        .as_ref()
        .and_then(|e| e.datetime_settings.as_ref())
        .and_then(|d| d.get("timezone"))
        .and_then(serde_json::Value::as_str);
    if let Some(tz) = tz {
        out.push_str(&format!("- Timezone: {tz}\n"));
    }
    if let Some(users) = &users {
        let names: Vec<&str> = users.iter().map(|u| u.name.as_str()).collect();
        out.push_str(&format!("- Users: {} ({})\n", users.len(), names.join(", ")));
    }
    if let Some(ps) = &ps {
        let names: Vec<&str> = ps.iter().map(|p| p.name.as_str()).collect();
        out.push_str(&format!("- Pipelines: {} ({})\n", ps.len(), names.join(", ")));
    }
    if let Some(id) = acc.current_user_id {
        out.push_str(&format!(
            "- Connected as: {} (user #{id})\n",
            account::user_name(users.as_deref().map(Vec::as_slice), id)
        ));
    }
    if let Some(mode) = &acc.customers_mode {
        out.push_str(&format!("- Customers mode: {mode}\n"));
    }
    Ok(out)
}

fn pipelines_text(ps: &[pipelines::Pipeline]) -> String {
    let mut out = format!(
        "# Pipelines ({})\nStages in order, as `name [status id] (role)`.\n\n",
        ps.len()
    );
    for p in ps {
        out.push_str("- ");
        out.push_str(&format::pipeline_block(&PipelineSummary::from(p)));
    }
    out
}

fn users_text(users: &[account::User]) -> String {
    let mut out = format!("# Users ({})\n", users.len());
    for u in users {
        let mut line = format!("- {} #{}", u.name, u.id);
        if let Some(e) = u.email.as_deref().filter(|e| !e.is_empty()) {
            line.push_str(&format!(" · {e}"));
        }
        if u.is_admin() {
            line.push_str(" · admin");
        }
        if !u.is_active() {
            line.push_str(" · inactive");
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn fields_text(entity: FieldEntity, fields: &[CustomField]) -> String {
    let mut out = format!("# Custom fields of {entity} ({})\n", fields.len());
    for f in fields {
        let mut line = format!("- {} #{}", f.name, f.id);
        if let Some(code) = f.code.as_deref().filter(|c| !c.is_empty()) {
            line.push_str(&format!(" (code {code})"));
        }
        line.push_str(&format!(" · {}", f.field_type));
        let options = f.options();
        if !options.is_empty() {
            let shown: Vec<String> = options
                .iter()
                .take(OPTIONS_SHOWN)
                .map(|o| format!("{} [{}]", o.value, o.id))
                .collect();
            line.push_str(&format!(" · options: {}", shown.join(", ")));
            if options.len() > OPTIONS_SHOWN {
                line.push_str(&format!(" and {} more", options.len() - OPTIONS_SHOWN));
            }
        }
        if f.is_api_only == Some(true) {
            line.push_str(" · API only");
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn dates(out: &mut String, created: Option<i64>, updated: Option<i64>) {
    if let Some(at) = created {
        out.push_str(&format!("- Created: {}\n", format::datetime(at)));
    }
    if let Some(at) = updated {
        out.push_str(&format!("- Updated: {}\n", format::datetime(at)));
    }
}

fn responsible(out: &mut String, users: Option<&[account::User]>, id: Option<i64>) {
    if let Some(id) = id {
        out.push_str(&format!(
            "- Responsible: {} (user #{id})\n",
            account::user_name(users, id)
        ));
    }
}

fn fields_section(out: &mut String, lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    out.push_str("\n## Fields\n");
    for l in lines {
        out.push_str(&format!("- {l}\n"));
    }
}

fn lead_text(lead: &leads::Lead, ps: Option<&[pipelines::Pipeline]>, users: Option<&[account::User]>) -> String {
    // The "Responsible" line below names the user; the summary line keeps the id only.
    let s = LeadSummary::new(lead, ps, None);
    let name = if s.name.is_empty() { "(no name)" } else { &s.name };
    let mut out = format!("# Lead {name} #{}\n{}\n\n", s.id, format::lead_line(&s));
    responsible(&mut out, users, s.responsible_user_id);
    if let Some(closed) = lead.closed_at {
        out.push_str(&format!("- Closed: {}\n", format::datetime(closed)));
    }
    dates(&mut out, lead.created_at, lead.updated_at);
    fields_section(&mut out, &s.fields);
    out
}

fn contact_text(c: &contacts::Contact, users: Option<&[account::User]>) -> String {
    let s = ContactSummary::from(c);
    let name = if s.name.is_empty() { "(no name)" } else { &s.name };
    let mut out = format!("# Contact {name} #{}\n{}\n\n", s.id, format::contact_line(&s));
    let leads: Vec<String> = c
        .embedded
        .iter()
        .flat_map(|e| e.leads.iter().map(|l| format!("#{}", l.id)))
        .collect();
    if !leads.is_empty() {
        out.push_str(&format!("- Leads: {}\n", leads.join(", ")));
    }
    let tags: Vec<&str> = c
        .embedded
        .iter()
        .flat_map(|e| e.tags.iter().map(|t| t.name.as_str()))
        .collect();
    if !tags.is_empty() {
        out.push_str(&format!("- Tags: {}\n", tags.join(", ")));
    }
    responsible(&mut out, users, s.responsible_user_id);
    dates(&mut out, c.created_at, c.updated_at);
    let others: Option<Vec<_>> = c.custom_fields_values.as_ref().map(|v| {
        v.iter()
            .filter(|f| !matches!(f.field_code.as_deref(), Some("PHONE" | "EMAIL")))
            .cloned()
            .collect()
    });
    fields_section(&mut out, &format::field_lines(&others));
    out
}

fn company_text(c: &companies::Company, users: Option<&[account::User]>) -> String {
    let s = CompanySummary::from(c);
    let name = if s.name.is_empty() { "(no name)" } else { &s.name };
    let mut out = format!("# Company {name} #{}\n{}\n\n", s.id, format::company_line(&s));
    responsible(&mut out, users, s.responsible_user_id);
    dates(&mut out, c.created_at, c.updated_at);
    let others: Option<Vec<_>> = c.custom_fields_values.as_ref().map(|v| {
        v.iter()
            .filter(|f| !matches!(f.field_code.as_deref(), Some("PHONE" | "EMAIL" | "WEB")))
            .cloned()
            .collect()
    });
    fields_section(&mut out, &format::field_lines(&others));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_uris_parse_to_their_resource() {
        assert_eq!(parse("kommo://account"), Ok(ResourceUri::Account));
        assert_eq!(parse("kommo://pipelines"), Ok(ResourceUri::Pipelines));
        assert_eq!(parse("kommo://users"), Ok(ResourceUri::Users));
        assert_eq!(
            parse("kommo://custom-fields/contacts"),
            Ok(ResourceUri::CustomFields(FieldEntity::Contacts))
        );
        assert_eq!(parse("kommo://leads/10000001"), Ok(ResourceUri::Lead(10_000_001)));
        assert_eq!(parse("kommo://contacts/20000001"), Ok(ResourceUri::Contact(20_000_001)));
        assert_eq!(
            parse("kommo://companies/30000001"),
            Ok(ResourceUri::Company(30_000_001))
        );
    }

    #[test]
    fn every_listed_resource_parses() {
        for r in list() {
            assert!(parse(&r.uri).is_ok(), "{}", r.uri);
            assert_eq!(r.mime_type.as_deref(), Some(MIME));
        }
    }

    #[test]
    fn unknown_uris_are_not_found_and_list_what_exists() {
        for uri in [
            "kommo://tasks",
            "http://account",
            "kommo://account/",
            "kommo://leads",
            "kommo://leads/1/notes",
            "",
        ] {
            match parse(uri) {
                Err(UriError::NotFound(m)) => assert!(m.contains("kommo://pipelines"), "{uri}: {m}"),
                other => panic!("{uri}: {other:?}"),
            }
        }
        match parse("kommo://custom-fields/customers") {
            Err(UriError::NotFound(m)) => assert!(m.contains("kommo://custom-fields/leads"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_ids_are_invalid_params_that_say_what_an_id_looks_like() {
        for uri in [
            "kommo://leads/abc",
            "kommo://leads/0",
            "kommo://contacts/-5",
            "kommo://companies/1.5",
        ] {
            match parse(uri) {
                Err(UriError::InvalidId(m)) => assert!(m.contains("positive integer"), "{uri}: {m}"),
                other => panic!("{uri}: {other:?}"),
            }
        }
        let e: McpError = parse("kommo://leads/x").unwrap_err().into();
        assert_eq!(e.code, rmcp::model::ErrorCode::INVALID_PARAMS);
        let e: McpError = parse("kommo://nope").unwrap_err().into();
        assert_eq!(e.code, rmcp::model::ErrorCode::RESOURCE_NOT_FOUND);
    }
}
