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
    /// The responsible user's name, when the users list is already cached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub responsible: Option<String>,
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
    /// Summarises `lead`, naming its stage from `pipelines` and its responsible user from `users` when given.
    pub fn new(
        lead: &crate::api::leads::Lead,
        pipelines: Option<&[Pipeline]>,
        users: Option<&[crate::api::account::User]>,
    ) -> Self {
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
            responsible: lead
                .responsible_user_id
                .and_then(|id| crate::api::account::find_user_name(users, id)),
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

/// `Diego Torres (user #9000002)` when the name is known, else `user #9000002`.
pub fn user_ref(name: Option<&str>, id: i64) -> String {
    match name {
        Some(n) => format!("{n} (user #{id})"),
        None => format!("user #{id}"),
    }
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
        parts.push(user_ref(l.responsible.as_deref(), u));
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

// ---- tasks, notes, account, users, events, unsorted ----

/// `2026-01-03 15:00 UTC` for Unix seconds.
pub fn datetime(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", secs / 3600, (secs % 3600) / 60)
}

/// Calendar date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `lead #10000001` for (`leads`, 10000001).
pub fn entity_label(entity_type: &str, id: i64) -> String {
    let singular = match entity_type {
        "leads" | "lead" => "lead",
        "contacts" | "contact" => "contact",
        "companies" | "company" => "company",
        "tasks" | "task" => "task",
        other => other,
    };
    format!("{singular} #{id}")
}

/// The fields of a task a model needs, with type and user names when known.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TaskSummary {
    pub id: i64,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_type_id: Option<i64>,
    /// Task type name (Follow-up, Meeting...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_type: Option<String>,
    /// Deadline, Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complete_till: Option<i64>,
    /// Deadline as `YYYY-MM-DD HH:MM UTC`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    pub is_completed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub responsible_user_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub responsible: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<i64>,
}

impl TaskSummary {
    /// Summarises `t`, naming its type and user from the cached lists when given.
    pub fn new(
        t: &crate::api::tasks::Task,
        types: Option<&[crate::api::tasks::TaskType]>,
        users: Option<&[crate::api::account::User]>,
    ) -> Self {
        TaskSummary {
            id: t.id,
            text: t.text.clone(),
            task_type_id: t.task_type_id,
            task_type: t.task_type_id.and_then(|id| {
                types
                    .and_then(|ts| ts.iter().find(|x| x.id == id))
                    .map(|x| x.name.clone())
            }),
            complete_till: t.complete_till,
            due: t.complete_till.map(datetime),
            is_completed: t.is_completed,
            result: t.result.as_ref().map(|r| r.text.clone()),
            responsible_user_id: t.responsible_user_id,
            responsible: t
                .responsible_user_id
                .and_then(|id| crate::api::account::find_user_name(users, id)),
            entity_type: t.entity_type.clone(),
            entity_id: t.entity_id,
        }
    }
}

/// `#50000001 Follow-up "Call Juan" · due 2026-01-03 00:00 UTC · open · Diego Torres · lead #10000001`
pub fn task_line(t: &TaskSummary) -> String {
    let mut parts = vec![format!(
        "#{} {}\"{}\"",
        t.id,
        t.task_type.as_deref().map(|n| format!("{n} ")).unwrap_or_default(),
        crate::text::truncate_chars(&t.text, 200)
    )];
    if let Some(due) = &t.due {
        parts.push(format!("due {due}"));
    }
    parts.push(if t.is_completed {
        "done".into()
    } else {
        "open".to_string()
    });
    if let Some(r) = &t.result {
        parts.push(format!("result \"{}\"", crate::text::truncate_chars(r, 200)));
    }
    if let Some(id) = t.responsible_user_id {
        parts.push(user_ref(t.responsible.as_deref(), id));
    }
    if let (Some(e), Some(id)) = (&t.entity_type, t.entity_id) {
        parts.push(entity_label(e, id));
    }
    parts.join(" · ")
}

/// The fields of a note a model needs.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct NoteSummary {
    pub id: i64,
    pub entity_id: i64,
    pub note_type: String,
    /// `params.text`, when the note has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Other params (call phone and duration, service name...), as `key: value`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_pinned: Option<bool>,
}

impl NoteSummary {
    /// Summarises `n`, naming its author from the cached users when given.
    pub fn new(n: &crate::api::notes::Note, users: Option<&[crate::api::account::User]>) -> Self {
        let details = n
            .params
            .as_object()
            .map(|p| {
                p.iter()
                    .filter(|(k, v)| k.as_str() != "text" && !v.is_null() && v.as_str() != Some(""))
                    .map(|(k, v)| match v.as_str() {
                        Some(s) => format!("{k}: {s}"),
                        None => format!("{k}: {v}"),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let by = n.created_by.or(n.responsible_user_id);
        NoteSummary {
            id: n.id,
            entity_id: n.entity_id,
            note_type: n.note_type.clone(),
            text: n
                .params
                .get("text")
                .and_then(serde_json::Value::as_str)
                .map(str::to_string),
            details,
            created_at: n.created_at,
            author: by.map(|id| crate::api::account::user_name(users, id)),
            is_pinned: n.is_pinned,
        }
    }
}

/// `#60000001 common · 2025-12-24 00:00 UTC · Diego Torres: "text" (pinned)`
pub fn note_line(n: &NoteSummary) -> String {
    let mut line = format!("#{} {}", n.id, n.note_type);
    if let Some(at) = n.created_at {
        line.push_str(&format!(" · {}", datetime(at)));
    }
    if let Some(a) = &n.author {
        line.push_str(&format!(" · {a}"));
    }
    if let Some(t) = &n.text {
        line.push_str(&format!(": \"{}\"", crate::text::truncate_chars(t, 500)));
    }
    if !n.details.is_empty() {
        line.push_str(&format!(" [{}]", n.details.join(", ")));
    }
    if n.is_pinned == Some(true) {
        line.push_str(" (pinned)");
    }
    line
}
