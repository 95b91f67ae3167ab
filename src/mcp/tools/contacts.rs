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
    /// Phone number in any common format: "+57 300 123 4567", "0057 300 123 4567",
    /// "(300) 123-4567", "300.123.4567" or plain digits, with or without the country code.
    pub phone: String,
    /// Optional name to narrow the matches: every word must appear in the contact's name
    /// (case and accents are ignored).
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

/// Contact tools.
pub fn tools() -> Vec<ToolDef> {
    vec![define(
        Meta {
            name: "kommo_search_contact_by_phone",
            title: "Find contacts by phone",
            description: "Find Kommo contacts by phone number, whatever format it was typed or stored in \
(country code, 00 prefix, spaces, dots, brackets). Only contacts with a phone field that is the same \
number are returned, so near-misses and notes that mention the digits are excluded. Give `name` to \
narrow matches when several people share a number. Returns id, name, phones, emails and linked \
company ids for each match. Use it before creating a contact to avoid duplicates.",
            toolset: "contacts",
            access: Access::Read,
        },
        search_by_phone,
    )]
}
