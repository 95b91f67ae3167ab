//! Utilities exported by the original package: `normalizePagination`, `formatContactAsText`,
//! `formatSearchResultsAsContext`, `getKommoConfig` and the tool description strings.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::Deserialize;

use crate::api::contacts::Contact;
use crate::node::args::from_js;

/// Page and limit after clamping.
#[napi(object)]
pub struct Pagination {
    /// At least 1.
    pub page: u32,
    /// Between 1 and 250 (default 50).
    pub limit: u32,
}

#[derive(Debug, Default, Deserialize)]
struct PaginationIn {
    #[serde(default)]
    page: Option<f64>,
    #[serde(default)]
    limit: Option<f64>,
}

/// Clamps paging arguments the way Kommo accepts them: `page` at least 1 (default 1), `limit`
/// between 1 and 250 (default 50); fractions are rounded down, `NaN` counts as absent.
pub fn clamp_pagination(page: Option<f64>, limit: Option<f64>) -> (u32, u32) {
    let page = page
        .filter(|p| p.is_finite())
        .map_or(1.0, f64::floor)
        .clamp(1.0, u32::MAX as f64) as u32;
    let limit = limit
        .filter(|l| l.is_finite())
        .map_or(50.0, f64::floor)
        .clamp(1.0, 250.0) as u32;
    (page, limit)
}

/// Normalises `{ page, limit }`: `page` at least 1, `limit` between 1 and 250 (default 50).
#[napi(ts_args_type = "params: PaginationParams")]
pub fn normalize_pagination(env: &Env, params: Option<Unknown>) -> Result<Pagination> {
    let p: Option<PaginationIn> = match params {
        Some(v) => from_js(env, "normalizePagination", "params", v)?,
        None => None,
    };
    let p = p.unwrap_or_default();
    let (page, limit) = clamp_pagination(p.page, p.limit);
    Ok(Pagination { page, limit })
}

/// `YYYY-MM-DD` (UTC) of a Unix time in seconds.
pub fn iso_date(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn labeled(values: &[(String, Option<&str>)]) -> String {
    values
        .iter()
        .map(|(v, k)| match k {
            Some(k) => format!("{v} ({k})"),
            None => v.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Readable text for one contact: id, name, phones and emails with their types, companies,
/// up to 5 other fields, creation date.
pub fn contact_text(c: &Contact) -> String {
    let mut lines = vec![format!("Contact ID: {}", c.id), format!("Name: {}", c.display_name())];
    let full = format!(
        "{} {}",
        c.first_name.as_deref().unwrap_or(""),
        c.last_name.as_deref().unwrap_or("")
    );
    let full = full.trim();
    if !full.is_empty() && full != c.display_name() {
        lines.push(format!("Full Name: {full}"));
    }
    let phones = c.phones();
    if !phones.is_empty() {
        lines.push(format!("Phone: {}", labeled(&phones)));
    }
    let emails = c.emails();
    if !emails.is_empty() {
        lines.push(format!("Email: {}", labeled(&emails)));
    }
    let companies = c.company_ids();
    if !companies.is_empty() {
        let ids: Vec<String> = companies.iter().map(|i| format!("#{i}")).collect();
        lines.push(format!("Company: {}", ids.join(", ")));
    }
    let others: Vec<String> = c
        .custom_fields_values
        .iter()
        .flatten()
        .filter(|f| !matches!(f.field_code.as_deref(), Some("PHONE" | "EMAIL")))
        .filter_map(|f| {
            let values: Vec<String> = f.values.iter().filter_map(|v| v.as_text()).collect();
            let name = f
                .field_name
                .clone()
                .or(f.field_code.clone())
                .unwrap_or_else(|| format!("Field {}", f.field_id));
            (!values.is_empty()).then(|| format!("  - {name}: {}", values.join(", ")))
        })
        .take(5)
        .collect();
    if !others.is_empty() {
        lines.push("Additional Information:".into());
        lines.extend(others);
    }
    if let Some(at) = c.created_at {
        lines.push(format!("Created: {}", iso_date(at)));
    }
    lines.join("\n")
}

/// Formats a contact as readable text for a model: id, name, phones and emails (with types),
/// company, up to 5 other fields and the creation date (`YYYY-MM-DD`, UTC).
#[napi(ts_args_type = "contact: KommoContact")]
pub fn format_contact_as_text(env: &Env, contact: Unknown) -> Result<String> {
    let c: Contact = from_js(env, "formatContactAsText", "contact", contact)?;
    Ok(contact_text(&c))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchResultIn {
    #[serde(default)]
    success: bool,
    #[serde(default)]
    contacts: Vec<Contact>,
    #[serde(default)]
    total_found: Option<usize>,
    #[serde(default)]
    error: Option<String>,
}

/// Formats a contact search result (`searchContactByPhone`, `searchContactByEmail`,
/// `listContacts`) as context text: the error, "no contacts", or up to 5 contacts.
#[napi(ts_args_type = "result: SearchContactResult | ListContactsResult")]
pub fn format_search_results_as_context(env: &Env, result: Unknown) -> Result<String> {
    let r: SearchResultIn = from_js(env, "formatSearchResultsAsContext", "result", result)?;
    if !r.success || r.contacts.is_empty() {
        return Ok(match r.error {
            Some(e) => format!("Error searching Kommo CRM: {e}"),
            None => "No contacts found in Kommo CRM matching the search criteria.".into(),
        });
    }
    let total = r.total_found.unwrap_or(r.contacts.len()).max(r.contacts.len());
    if r.contacts.len() == 1 {
        return Ok(format!(
            "Found 1 contact in Kommo CRM:\n\n{}",
            contact_text(&r.contacts[0])
        ));
    }
    let shown: Vec<String> = r
        .contacts
        .iter()
        .take(5)
        .enumerate()
        .map(|(i, c)| format!("[Contact {}]\n{}", i + 1, contact_text(c)))
        .collect();
    let mut out = format!("Found {total} contacts in Kommo CRM:\n\n{}", shown.join("\n\n---\n\n"));
    if r.contacts.len() > 5 {
        out.push_str(&format!("\n\n({} more not shown)", r.contacts.len() - 5));
    }
    Ok(out)
}

/// Reads the connection settings from the environment like the MCP server does
/// (`KOMMO_BASE_URL` or `KOMMO_SUBDOMAIN`, `KOMMO_ACCESS_TOKEN`, `KOMMO_DEFAULT_COUNTRY`,
/// `KOMMO_ALLOW_UNTRUSTED_HOST`) and returns the normalised config, or throws a
/// `KommoConfigError` whose issues name the variables to set.
#[napi(ts_return_type = "KommoConfig")]
pub fn get_kommo_config(env: &Env) -> Result<Object<'_>> {
    match crate::config::from_env(|k| std::env::var(k).ok()) {
        Ok(config) => {
            let mut out = Object::new(env)?;
            out.set("baseUrl", config.base_url())?;
            out.set("accessToken", config.access_token.as_str())?;
            if config.allow_untrusted_host {
                out.set("allowUntrustedHost", true)?;
            }
            if let Some(c) = &config.default_country {
                out.set("defaultCountry", c.as_str())?;
            }
            Ok(out)
        }
        Err(err) => Err(crate::node::config::config_error(env, &err)?),
    }
}

/// Tool description for contact search by phone (kept from 0.1.x as an export).
#[napi]
pub const SEARCH_CONTACT_TOOL_DESCRIPTION: &str = "Find contacts in Kommo CRM by phone number. Give `phone` in any \
format (with or without country code, spaces, dots, brackets); optionally `name` to narrow the matches. Only \
contacts that really have that number are returned, with their ids, names, phones, emails and companies. \
Example: searchContactByPhone({ phone: '+57 300 123 4567' })";

/// Tool description for getting one contact.
#[napi]
pub const GET_CONTACT_TOOL_DESCRIPTION: &str = "Get one Kommo contact by id (`contactId`), with its phones, emails, \
company and custom fields. Use it when the id is known, e.g. from a search. Example: getContact({ contactId: 12345 })";

/// Tool description for listing pipelines.
#[napi]
pub const LIST_PIPELINES_TOOL_DESCRIPTION: &str = "List every sales pipeline of the Kommo account with its stages \
(statuses) in order and their ids. Use it to turn pipeline or stage names into pipeline_id / status_id. \
Example: listPipelines()";

/// Tool description for getting one pipeline.
#[napi]
pub const GET_PIPELINE_TOOL_DESCRIPTION: &str = "Get one Kommo pipeline by id (`pipelineId`) with its stages. \
Example: getPipeline({ pipelineId: 7000001 })";

/// Tool description for finding pipelines by name.
#[napi]
pub const SEARCH_PIPELINE_BY_NAME_TOOL_DESCRIPTION: &str = "Find Kommo pipelines whose name contains `name` \
(case-insensitive) to get their ids and stages. Example: searchPipelineByName({ name: 'Ventas' })";

/// Tool description for a pipeline's stages.
#[napi]
pub const GET_PIPELINE_STATUSES_TOOL_DESCRIPTION: &str = "List the stages (statuses) of one Kommo pipeline \
(`pipelineId`) in order, with ids, names, colours and type; 142 is won and 143 lost in every pipeline. \
Example: getPipelineStatuses({ pipelineId: 7000001 })";

/// Tool description for a lead's custom fields.
#[napi]
pub const GET_LEAD_CUSTOM_FIELDS_TOOL_DESCRIPTION: &str = "Get the custom field values of one Kommo lead \
(`leadId`) with their field ids, names and types. Example: getLeadCustomFields(21640674)";

/// Tool description for updating a lead.
#[napi]
pub const UPDATE_LEAD_TOOL_DESCRIPTION: &str = "Update a Kommo lead (`leadId`): name, price, responsible_user_id, \
status_id, pipeline_id, custom_fields_values ({ field_id, values: [{ value }] }). One request. To set custom \
fields by name use updateLeadCustomFields. Example: updateLead(21640674, { name: 'New name', price: 150000 })";

/// Tool description for finding a lead's custom field.
#[napi]
pub const SEARCH_LEAD_CUSTOM_FIELD_TOOL_DESCRIPTION: &str = "Find a custom field of leads by name or id \
(`searchTerm`) for one lead (`leadId`), with its id, type and the lead's current value. \
Example: searchLeadCustomField(21640674, 'Fuente')";

/// Tool description for a select field's options.
#[napi]
pub const GET_SELECT_FIELD_OPTIONS_TOOL_DESCRIPTION: &str = "List the valid options (enum ids and values) of a \
select or multiselect lead field (`fieldId`). Use it when a write failed with NotSupportedChoice. \
Example: getSelectFieldOptions(2099839)";

/// Tool description for updating lead custom fields by name.
#[napi]
pub const UPDATE_LEAD_CUSTOM_FIELDS_TOOL_DESCRIPTION: &str = "Set custom fields of a Kommo lead (`leadId`) by \
field name or id (`fields`: { 'Fuente': 'Referido', 2099835: 'x' }). Names resolve against every lead field, \
empty ones included; select values match option names ignoring case and accents. \
Example: updateLeadCustomFields(21640674, { Fuente: 'Referido' })";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagination_is_clamped() {
        assert_eq!(clamp_pagination(None, None), (1, 50));
        assert_eq!(clamp_pagination(Some(0.0), Some(1000.0)), (1, 250));
        assert_eq!(clamp_pagination(Some(-3.0), Some(0.0)), (1, 1));
        assert_eq!(clamp_pagination(Some(2.7), Some(f64::NAN)), (2, 50));
    }

    #[test]
    fn iso_dates_are_utc_calendar_days() {
        assert_eq!(iso_date(0), "1970-01-01");
        assert_eq!(iso_date(1_767_225_600), "2026-01-01");
        assert_eq!(iso_date(951_782_400), "2000-02-29");
    }
}
