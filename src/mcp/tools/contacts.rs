//! Contact tools.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{check_len, define, Access, Context, Meta, Render, ToolDef};
use crate::api::contacts;
use crate::error::Error;
use crate::mcp::format::{self, ContactSummary};

/// Arguments of `kommo_search_contact_by_phone`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchByPhoneArgs {
    /// Any format, e.g. "+57 300 123 4567", "(300) 123-4567".
    pub phone: String,
    /// Narrows matches: words that must all be in the name.
    #[serde(default)]
    pub name: Option<String>,
}

/// Contacts found by phone.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PhoneMatches {
    /// The number searched, in E.164 form when its country is known, else its digits.
    pub phone: String,
    /// Number of contacts returned.
    pub total_found: usize,
    /// Matching contacts.
    pub contacts: Vec<ContactSummary>,
    /// True when Kommo had more candidates than were checked (over 1000).
    pub truncated: bool,
    #[serde(skip)]
    name: Option<String>,
}

impl Render for PhoneMatches {
    fn render(&self) -> String {
        let named = self
            .name
            .as_deref()
            .map(|n| format!(" named \"{n}\""))
            .unwrap_or_default();
        if self.contacts.is_empty() {
            return format!(
                "No contact{named} has phone {}. Check the number, or search without the name.",
                self.phone
            );
        }
        let mut out = format!(
            "{} contact{}{named} with phone {}:\n",
            self.total_found,
            if self.total_found == 1 { "" } else { "s" },
            self.phone
        );
        for c in &self.contacts {
            out.push_str("- ");
            out.push_str(&format::contact_line(c));
            out.push('\n');
        }
        if self.truncated {
            out.push_str("(More than 1000 contacts contain these digits; only the first 1000 were checked.)\n");
        }
        out
    }
}

async fn search_by_phone(ctx: Context, args: SearchByPhoneArgs) -> Result<PhoneMatches, Error> {
    check_len("phone", &args.phone, 64)?;
    if let Some(name) = &args.name {
        check_len("name", name, 200)?;
    }
    let found = contacts::search_by_phone(&ctx.client, &args.phone, args.name.as_deref()).await?;
    let contacts: Vec<ContactSummary> = found.contacts.iter().map(ContactSummary::from).collect();
    Ok(PhoneMatches {
        phone: found.e164.unwrap_or(found.query),
        total_found: contacts.len(),
        contacts,
        truncated: found.truncated,
        name: args.name.filter(|n| !n.trim().is_empty()),
    })
}

/// Arguments of `kommo_search_contact_by_email`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchByEmailArgs {
    /// E.g. "juan@example.co".
    pub email: String,
}

/// Contacts found.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ContactMatches {
    /// Number of contacts returned.
    pub total_found: usize,
    pub contacts: Vec<ContactSummary>,
    #[serde(skip)]
    what: String,
}

impl Render for ContactMatches {
    fn render(&self) -> String {
        if self.contacts.is_empty() {
            return format!("No contact {}.", self.what);
        }
        let mut out = format!(
            "{} contact{} {}:\n",
            self.total_found,
            if self.total_found == 1 { "" } else { "s" },
            self.what
        );
        for c in &self.contacts {
            out.push_str("- ");
            out.push_str(&format::contact_line(c));
            out.push('\n');
        }
        out
    }
}

async fn search_by_email(ctx: Context, a: SearchByEmailArgs) -> Result<ContactMatches, Error> {
    check_len("email", &a.email, 254)?;
    let found = contacts::search_by_email(&ctx.client, &a.email).await?;
    let contacts: Vec<ContactSummary> = found.iter().map(ContactSummary::from).collect();
    Ok(ContactMatches {
        total_found: contacts.len(),
        contacts,
        what: format!("has email {}", a.email.trim()),
    })
}

/// Arguments of `kommo_get_contact`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetContactArgs {
    #[serde(rename = "contactId", alias = "contact_id")]
    pub contact_id: i64,
}

/// One contact with its fields and leads.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ContactDetail {
    pub contact: ContactSummary,
    /// Other custom fields with values, as `name: value`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lead_ids: Vec<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

impl Render for ContactDetail {
    fn render(&self) -> String {
        let mut out = format::contact_line(&self.contact);
        out.push('\n');
        if !self.lead_ids.is_empty() {
            let ids: Vec<String> = self.lead_ids.iter().map(|i| format!("#{i}")).collect();
            out.push_str(&format!("  leads: {}\n", ids.join(", ")));
        }
        if !self.tags.is_empty() {
            out.push_str(&format!("  tags: {}\n", self.tags.join(", ")));
        }
        for f in &self.fields {
            out.push_str(&format!("  {f}\n"));
        }
        out
    }
}

async fn get_contact(ctx: Context, a: GetContactArgs) -> Result<ContactDetail, Error> {
    let c = contacts::get(&ctx.client, a.contact_id, &["leads"])
        .await?
        .ok_or_else(|| {
            Error::invalid(
                "contactId",
                format!(
                    "no contact has id {}; find contacts with kommo_search_contact_by_phone or kommo_list_contacts",
                    a.contact_id
                ),
            )
        })?;
    let others: Option<Vec<_>> = c.custom_fields_values.as_ref().map(|v| {
        v.iter()
            .filter(|f| !matches!(f.field_code.as_deref(), Some("PHONE" | "EMAIL")))
            .cloned()
            .collect()
    });
    Ok(ContactDetail {
        contact: ContactSummary::from(&c),
        fields: format::field_lines(&others),
        lead_ids: c.embedded.iter().flat_map(|e| e.leads.iter().map(|l| l.id)).collect(),
        tags: c
            .embedded
            .iter()
            .flat_map(|e| e.tags.iter().map(|t| t.name.clone()))
            .collect(),
    })
}

/// Arguments of `kommo_list_contacts`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListContactsArgs {
    /// Full-text search.
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub responsible_user_id: Option<i64>,
    /// From 1.
    #[serde(default)]
    pub page: Option<u32>,
    /// Up to 250 (default 50).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// A page of contacts.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ContactPage {
    pub contacts: Vec<ContactSummary>,
    pub page: u32,
    pub has_more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page: Option<u32>,
}

impl Render for ContactPage {
    fn render(&self) -> String {
        if self.contacts.is_empty() {
            return if self.page > 1 {
                format!("No contacts on page {}.", self.page)
            } else {
                "No contacts match.".to_string()
            };
        }
        let mut out = format!(
            "{} contact{} (page {}):\n",
            self.contacts.len(),
            if self.contacts.len() == 1 { "" } else { "s" },
            self.page
        );
        for c in &self.contacts {
            out.push_str("- ");
            out.push_str(&format::contact_line(c));
            out.push('\n');
        }
        out.push_str(&format::paging_hint(self.has_more, self.next_page));
        out
    }
}

async fn list_contacts(ctx: Context, a: ListContactsArgs) -> Result<ContactPage, Error> {
    if let Some(q) = &a.query {
        check_len("query", q, 200)?;
    }
    let filter = contacts::EntityFilter {
        responsible_user_ids: a.responsible_user_id.into_iter().collect(),
        ..Default::default()
    };
    let opts = crate::api::list::ListOptions {
        page: a.page,
        limit: a.limit,
        query: a.query,
        ..Default::default()
    };
    let l = contacts::list_contacts(&ctx.client, &filter, &opts).await?;
    Ok(ContactPage {
        contacts: l.items.iter().map(ContactSummary::from).collect(),
        page: l.page,
        has_more: l.has_more(),
        next_page: l.next_page,
    })
}

/// Arguments of `kommo_create_contact`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateContactArgs {
    /// Or first_name, last_name.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub responsible_user_id: Option<i64>,
    /// "+57 300 123 4567" or {value, type}; type WORK, WORKDD, MOB, FAX, HOME or OTHER.
    #[serde(default)]
    pub phones: Option<Vec<contacts::TypedValue>>,
    /// "a@b.co" or {value, type}; type WORK, PRIV or OTHER.
    #[serde(default)]
    pub emails: Option<Vec<contacts::TypedValue>>,
    #[serde(default)]
    pub company_id: Option<i64>,
    /// Names; new ones are created.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

fn tag_writes(tags: Option<Vec<String>>) -> Option<Vec<crate::api::model::TagWrite>> {
    tags.map(|t| {
        t.into_iter()
            .map(|name| crate::api::model::TagWrite {
                id: None,
                name: Some(name),
            })
            .collect()
    })
}

async fn create_contact(ctx: Context, a: CreateContactArgs) -> Result<format::Written, Error> {
    let id = contacts::create_one(&ctx.client, create_body(a)?).await?;
    Ok(format::Written {
        entity: "contact",
        id,
        action: "created".into(),
    })
}

/// The Kommo contact object for `kommo_create_contact`'s arguments (also one item of
/// `kommo_batch_contacts`).
pub(super) fn create_body(a: CreateContactArgs) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
    for (arg, v) in [
        ("name", &a.name),
        ("first_name", &a.first_name),
        ("last_name", &a.last_name),
    ] {
        if let Some(v) = v {
            check_len(arg, v, 255)?;
        }
    }
    if [&a.name, &a.first_name, &a.last_name]
        .iter()
        .all(|v| v.as_deref().is_none_or(|s| s.trim().is_empty()))
    {
        return Err(Error::invalid("name", "give name, or first_name / last_name"));
    }
    let data = contacts::ContactData {
        name: a.name,
        first_name: a.first_name,
        last_name: a.last_name,
        responsible_user_id: a.responsible_user_id,
        phones: a.phones,
        emails: a.emails,
        embedded: Some(contacts::EmbeddedWrite {
            tags: tag_writes(a.tags),
            companies: a
                .company_id
                .map(|id| vec![crate::api::model::EntityRefWrite { id, is_main: None }]),
        }),
        ..Default::default()
    };
    data.to_map()
}

/// Arguments of `kommo_update_contact`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateContactArgs {
    #[serde(rename = "contactId", alias = "contact_id")]
    pub contact_id: i64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub responsible_user_id: Option<i64>,
    /// As in kommo_create_contact.
    #[serde(default)]
    pub phones: Option<Vec<contacts::TypedValue>>,
    /// As in kommo_create_contact.
    #[serde(default)]
    pub emails: Option<Vec<contacts::TypedValue>>,
}

async fn update_contact(ctx: Context, a: UpdateContactArgs) -> Result<format::Written, Error> {
    let (contact_id, body) = update_body(a)?;
    let id = contacts::update_one(&ctx.client, contact_id, body).await?;
    Ok(format::Written {
        entity: "contact",
        id,
        action: "updated".into(),
    })
}

/// The contact id and changes for `kommo_update_contact`'s arguments (also one update item of
/// `kommo_batch_contacts`).
pub(super) fn update_body(a: UpdateContactArgs) -> Result<(i64, serde_json::Map<String, serde_json::Value>), Error> {
    let data = contacts::ContactData {
        name: a.name,
        first_name: a.first_name,
        last_name: a.last_name,
        responsible_user_id: a.responsible_user_id,
        phones: a.phones,
        emails: a.emails,
        ..Default::default()
    };
    if data == contacts::ContactData::default() {
        return Err(Error::invalid(
            "contactId",
            "nothing to change: give name, first_name, last_name, responsible_user_id, phones or emails",
        ));
    }
    Ok((a.contact_id, data.to_map()?))
}

/// Contact tools.
pub fn tools() -> Vec<ToolDef> {
    let write = Access::Write {
        destructive: false,
        idempotent: false,
    };
    vec![
        define(
            Meta {
                name: "kommo_search_contact_by_email",
                title: "Find contacts by email",
                description: "Contacts whose email equals the address (case ignored), one line each.",

                toolset: "contacts",
                access: Access::Read,
            },
            search_by_email,
        ),
        define(
            Meta {
                name: "kommo_get_contact",
                title: "Get a contact",
                description: "One contact by id: phones, emails, company, lead ids, tags, custom fields.",
                toolset: "contacts",
                access: Access::Read,
            },
            get_contact,
        ),
        define(
            Meta {
                name: "kommo_list_contacts",
                title: "List contacts",
                description: "List contacts, optionally by text or responsible user (to find one, use search).",
                toolset: "contacts",
                access: Access::Read,
            },
            list_contacts,
        ),
        define(
            Meta {
                name: "kommo_create_contact",
                title: "Create a contact",
                description: "Create a contact with phones, emails, company and tags (search first: no \
duplicates).",
                toolset: "contacts",
                access: write,
            },
            create_contact,
        ),
        define(
            Meta {
                name: "kommo_update_contact",
                title: "Update a contact",
                description: "Change a contact's name, user, phones or emails (a list given replaces the old one).",

                toolset: "contacts",
                access: Access::Write {
                    destructive: true,
                    idempotent: true,
                },
            },
            update_contact,
        ),
        define(
            Meta {
                name: "kommo_search_contact_by_phone",
                title: "Find contacts by phone",
                description: "Find contacts by phone in any format; only the same number matches. Search \
before creating a contact.",
                toolset: "contacts",
                access: Access::Read,
            },
            search_by_phone,
        ),
    ]
}
