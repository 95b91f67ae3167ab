//! Compact renderings of Kommo records for the model: ids, names and the key fields, one line
//! per record, never raw HAL JSON. The same summaries are the tools' `structuredContent`.

use schemars::JsonSchema;
use serde::Serialize;

use crate::api::contacts::Contact;
use crate::api::pipelines::{Pipeline, Status};

/// A phone or email with its type (`WORK`, `MOB`, ...).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Labeled {
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// The fields of a contact a model needs.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ContactSummary {
    pub id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<Labeled>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<Labeled>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub company_ids: Vec<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub responsible_user_id: Option<i64>,
}

fn labeled(values: Vec<(String, Option<&str>)>) -> Vec<Labeled> {
    values
        .into_iter()
        .map(|(value, kind)| Labeled {
            value,
            kind: kind.map(str::to_string),
        })
        .collect()
}

impl From<&Contact> for ContactSummary {
    fn from(c: &Contact) -> Self {
        ContactSummary {
            id: c.id,
            name: c.display_name(),
            phones: labeled(c.phones()),
            emails: labeled(c.emails()),
            company_ids: c.company_ids(),
            responsible_user_id: c.responsible_user_id,
        }
    }
}

fn join_labeled(items: &[Labeled]) -> String {
    items
        .iter()
        .map(|l| match &l.kind {
            Some(k) => format!("{} ({k})", l.value),
            None => l.value.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `Juan Pérez #1001 · phone +57 300 123 4567 (WORK) · email juan@x.co · company #5001`
pub fn contact_line(c: &ContactSummary) -> String {
    let name = if c.name.is_empty() {
        "(no name)"
    } else {
        c.name.as_str()
    };
    let mut line = format!("{name} #{}", c.id);
    if !c.phones.is_empty() {
        line.push_str(&format!(" · phone {}", join_labeled(&c.phones)));
    }
    if !c.emails.is_empty() {
        line.push_str(&format!(" · email {}", join_labeled(&c.emails)));
    }
    if !c.company_ids.is_empty() {
        let ids: Vec<String> = c.company_ids.iter().map(|id| format!("#{id}")).collect();
        line.push_str(&format!(" · company {}", ids.join(", ")));
    }
    line
}

/// A pipeline stage.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct StatusSummary {
    pub id: i64,
    pub name: String,
    /// `incoming`, `open`, `won` or `lost`.
    pub role: &'static str,
}

/// A pipeline with its stages in order.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PipelineSummary {
    pub id: i64,
    pub name: String,
    pub is_main: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub is_archive: bool,
    pub statuses: Vec<StatusSummary>,
}

impl From<&Status> for StatusSummary {
    fn from(s: &Status) -> Self {
        StatusSummary {
            id: s.id,
            name: s.name.clone(),
            role: s.role(),
        }
    }
}

impl From<&Pipeline> for PipelineSummary {
    fn from(p: &Pipeline) -> Self {
        PipelineSummary {
            id: p.id,
            name: p.name.clone(),
            is_main: p.is_main,
            is_archive: p.is_archive,
            statuses: p.statuses().iter().map(StatusSummary::from).collect(),
        }
    }
}

/// ```text
/// Ventas #7000001 (main): Incoming leads [70011] (incoming) → Contacto inicial [70012] → … → Closed - won [142] (won) → Closed - lost [143] (lost)
/// ```
pub fn pipeline_block(p: &PipelineSummary) -> String {
    let mut flags = Vec::new();
    if p.is_main {
        flags.push("main");
    }
    if p.is_archive {
        flags.push("archived");
    }
    let flags = if flags.is_empty() {
        String::new()
    } else {
        format!(" ({})", flags.join(", "))
    };
    let stages: Vec<String> = p
        .statuses
        .iter()
        .map(|s| match s.role {
            "open" => format!("{} [{}]", s.name, s.id),
            role => format!("{} [{}] ({role})", s.name, s.id),
        })
        .collect();
    format!("{} #{}{flags}: {}\n", p.name, p.id, stages.join(" → "))
}

/// The fields of a lead a model needs, with stage names resolved when known.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LeadSummary {
    pub id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_id: Option<i64>,
    /// `Pipeline › Stage`, when the pipelines are known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub responsible_user_id: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contact_ids: Vec<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub company_ids: Vec<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Custom fields with values, as `name: value`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<i64>,
}

/// `Name: v1, v2` for each custom field with values.
pub fn field_lines(fields: &Option<Vec<crate::api::model::CustomFieldValues>>) -> Vec<String> {
    fields
        .iter()
        .flatten()
        .filter_map(|f| {
            let values: Vec<String> = f.values.iter().filter_map(|v| v.as_text()).collect();
            if values.is_empty() {
                return None;
            }
            let name = f
                .field_name
                .clone()
                .or(f.field_code.clone())
                .unwrap_or_else(|| format!("field {}", f.field_id));
            Some(format!("{name}: {}", values.join(", ")))
        })
        .collect()
}

impl LeadSummary {
    /// Summarises `lead`, naming its stage from `pipelines` when given.
    pub fn new(lead: &crate::api::leads::Lead, pipelines: Option<&[Pipeline]>) -> Self {
        let stage = match (pipelines, lead.status_id) {
            (Some(ps), Some(status)) => {
                crate::api::pipelines::status_name(ps, lead.pipeline_id, status).map(|(p, s)| format!("{p} › {s}"))
            }
            _ => None,
        };
        LeadSummary {
            id: lead.id,
            name: lead.name.clone(),
            price: lead.price,
            pipeline_id: lead.pipeline_id,
            status_id: lead.status_id,
            stage,
            responsible_user_id: lead.responsible_user_id,
            contact_ids: lead.contact_ids(),
            company_ids: lead.company_ids(),
            tags: lead.tag_names(),
            fields: field_lines(&lead.custom_fields_values),
            updated_at: lead.updated_at,
        }
    }
}

fn ids(label: &str, ids: &[i64]) -> Option<String> {
    (!ids.is_empty()).then(|| {
        format!(
            "{label} {}",
            ids.iter().map(|i| format!("#{i}")).collect::<Vec<_>>().join(", ")
        )
    })
}

/// `Big deal #42 · 1500 · Ventas › Negociación · user #9000001 · contacts #1, #2`
pub fn lead_line(l: &LeadSummary) -> String {
    let mut parts = vec![format!(
        "{} #{}",
        if l.name.is_empty() { "(no name)" } else { &l.name },
        l.id
    )];
    if let Some(p) = l.price {
        parts.push(format!("price {p}"));
    }
    match (&l.stage, l.status_id) {
        (Some(stage), Some(s)) => parts.push(format!("{stage} [{s}]")),
        (None, Some(s)) => parts.push(format!("pipeline {} stage {s}", l.pipeline_id.unwrap_or_default())),
        _ => {}
    }
    if let Some(u) = l.responsible_user_id {
        parts.push(format!("user #{u}"));
    }
    parts.extend(ids("contacts", &l.contact_ids));
    parts.extend(ids("company", &l.company_ids));
    if !l.tags.is_empty() {
        parts.push(format!("tags {}", l.tags.join(", ")));
    }
    parts.join(" · ")
}

/// Paging hint for list tools: `More results: call again with page=3.`
pub fn paging_hint(has_more: bool, next_page: Option<u32>) -> String {
    match (has_more, next_page) {
        (true, Some(p)) => format!("More results: call again with page={p}.\n"),
        (true, None) => "More results exist.\n".to_string(),
        _ => String::new(),
    }
}

// ---- contacts, companies, catalogs, links, tags ----

/// The fields of a company a model needs.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CompanySummary {
    pub id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<Labeled>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<Labeled>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub websites: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contact_ids: Vec<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lead_ids: Vec<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub responsible_user_id: Option<i64>,
}

impl From<&crate::api::companies::Company> for CompanySummary {
    fn from(c: &crate::api::companies::Company) -> Self {
        CompanySummary {
            id: c.id,
            name: c.name.clone(),
            phones: labeled(c.phones()),
            emails: labeled(c.emails()),
            websites: c.websites(),
            contact_ids: c.contact_ids(),
            lead_ids: c.lead_ids(),
            tags: c.tag_names(),
            responsible_user_id: c.responsible_user_id,
        }
    }
}

/// `Andina Logística #30000001 · phone … · email … · web … · contacts #1, #2`
pub fn company_line(c: &CompanySummary) -> String {
    let mut parts = vec![format!(
        "{} #{}",
        if c.name.is_empty() { "(no name)" } else { &c.name },
        c.id
    )];
    if !c.phones.is_empty() {
        parts.push(format!("phone {}", join_labeled(&c.phones)));
    }
    if !c.emails.is_empty() {
        parts.push(format!("email {}", join_labeled(&c.emails)));
    }
    if !c.websites.is_empty() {
        parts.push(format!("web {}", c.websites.join(", ")));
    }
    parts.extend(ids("contacts", &c.contact_ids));
    parts.extend(ids("leads", &c.lead_ids));
    if !c.tags.is_empty() {
        parts.push(format!("tags {}", c.tags.join(", ")));
    }
    parts.join(" · ")
}

/// A catalog element: id, name and its field values as `name: value`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ElementSummary {
    pub id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catalog_id: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

impl From<&crate::api::catalogs::CatalogElement> for ElementSummary {
    fn from(e: &crate::api::catalogs::CatalogElement) -> Self {
        ElementSummary {
            id: e.id,
            name: e.name.clone(),
            catalog_id: e.catalog_id,
            fields: field_lines(&e.custom_fields_values),
        }
    }
}

/// `Licencia CRM Pro #50000001 · SKU: CRM-PRO · Precio: 450000`
pub fn element_line(e: &ElementSummary) -> String {
    let mut parts = vec![format!("{} #{}", e.name, e.id)];
    parts.extend(e.fields.iter().cloned());
    parts.join(" · ")
}

/// What a write tool did.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Written {
    /// `contact`, `company`, `lead`, `catalog element`...
    pub entity: &'static str,
    pub id: i64,
    /// `created`, `updated`, `linked`, ...
    pub action: String,
}

impl crate::mcp::tools::Render for Written {
    fn render(&self) -> String {
        let mut e = self.entity.to_string();
        if let Some(first) = e.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        format!("{e} #{} {}.", self.id, self.action)
    }
}
