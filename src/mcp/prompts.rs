//! MCP prompts: ready-made instructions for common CRM work, each naming the tools to call
//! and their arguments.
//!
//! A prompt is listed only when the tools it cannot do without are exposed (toolsets and
//! read-only mode), and its text mentions only exposed tools: in read-only mode the prompts
//! that would change data say so and ask for a list of changes instead. Arguments are checked
//! (unknown names, missing or malformed values, a pipeline, stage or user that does not exist)
//! with errors that list what is valid. Pipeline, stage and user names are resolved from the
//! metadata cache, so the text carries their ids and the model needs no lookup call.

use std::collections::HashMap;

use rmcp::model::{ErrorData as McpError, GetPromptResult, JsonObject, Prompt, PromptArgument, PromptMessage, Role};

use crate::api::account::{self, User};
use crate::api::pipelines::{self, Pipeline, Status};
use crate::api::Client;
use crate::text::fold;

/// Where completions for an argument come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Free text: no suggestions.
    Nothing,
    Pipelines,
    /// Stages of the pipeline given in the `pipeline` argument (all stages without it).
    Stages,
    Users,
    /// `leads`, `contacts`, `companies`.
    Entities,
}

#[derive(Debug)]
struct ArgDef {
    name: &'static str,
    description: &'static str,
    required: bool,
    source: Source,
}

#[derive(Debug)]
struct PromptDef {
    name: &'static str,
    title: &'static str,
    description: &'static str,
    args: &'static [ArgDef],
    /// Tools the prompt cannot do without: it is listed only when all are exposed.
    requires: &'static [&'static str],
}

const PROMPTS: &[PromptDef] = &[
    PromptDef {
        name: "summarize_pipeline",
        title: "Summarize a pipeline",
        description: "Summarize one sales pipeline: leads and value per stage, stale leads, next actions.",
        args: &[
            ArgDef {
                name: "pipeline",
                description: "Pipeline name or id, e.g. Ventas",
                required: true,
                source: Source::Pipelines,
            },
            ArgDef {
                name: "stage",
                description: "Only this stage of the pipeline (name or status id)",
                required: false,
                source: Source::Stages,
            },
        ],
        requires: &["kommo_list_leads"],
    },
    PromptDef {
        name: "prepare_call",
        title: "Prepare for a call",
        description: "Brief me before calling a contact: who they are, their deals, recent history, talking points.",
        args: &[ArgDef {
            name: "contact",
            description: "The contact's phone number (any format), name, or id",
            required: true,
            source: Source::Nothing,
        }],
        requires: &["kommo_get_contact"],
    },
    PromptDef {
        name: "qualify_lead",
        title: "Qualify a lead",
        description:
            "Assess a lead (budget, authority, need, timeline) from what the CRM holds, and propose next steps.",
        args: &[ArgDef {
            name: "lead_id",
            description: "The lead id, e.g. 10000001",
            required: true,
            source: Source::Nothing,
        }],
        requires: &["kommo_get_lead"],
    },
    PromptDef {
        name: "follow_ups_due_today",
        title: "Follow-ups due today",
        description: "List the open tasks due today or overdue, with the lead or contact each belongs to.",
        args: &[ArgDef {
            name: "user",
            description: "Only tasks of this user (name or id); everyone's when omitted",
            required: false,
            source: Source::Users,
        }],
        requires: &["kommo_list_tasks"],
    },
];

fn available(def: &PromptDef, visible: &[&str]) -> bool {
    def.requires.iter().all(|t| visible.contains(t))
}

fn known_names(visible: &[&str]) -> String {
    PROMPTS
        .iter()
        .filter(|p| available(p, visible))
        .map(|p| p.name)
        .collect::<Vec<_>>()
        .join(", ")
}

fn find_def(name: &str, visible: &[&str]) -> Result<&'static PromptDef, McpError> {
    match PROMPTS.iter().find(|p| p.name == name) {
        Some(def) if available(def, visible) => Ok(def),
        Some(def) => Err(McpError::invalid_params(
            format!(
                "prompt {name:?} is not available: it needs {}, which this server does not expose \
(toolsets or read-only mode)",
                def.requires.join(", ")
            ),
            None,
        )),
        None => Err(McpError::invalid_params(
            format!("unknown prompt {name:?}; this server has: {}", known_names(visible)),
            None,
        )),
    }
}

/// The prompts whose tools are exposed.
pub fn list(visible: &[&str]) -> Vec<Prompt> {
    PROMPTS
        .iter()
        .filter(|p| available(p, visible))
        .map(|p| {
            let args = p
                .args
                .iter()
                .map(|a| {
                    PromptArgument::new(a.name)
                        .with_description(a.description)
                        .with_required(a.required)
                })
                .collect();
            Prompt::new(p.name, Some(p.description), Some(args)).with_title(p.title)
        })
        .collect()
}

/// Where completions of `arg` of prompt `name` come from.
pub fn argument_source(name: &str, arg: &str, visible: &[&str]) -> Result<Source, McpError> {
    let def = find_def(name, visible)?;
    def.args
        .iter()
        .find(|a| a.name == arg)
        .map(|a| a.source)
        .ok_or_else(|| unknown_arg(def, arg))
}

fn unknown_arg(def: &PromptDef, arg: &str) -> McpError {
    let names: Vec<&str> = def.args.iter().map(|a| a.name).collect();
    McpError::invalid_params(
        format!(
            "prompt {} has no argument {arg:?}; it takes {}",
            def.name,
            names.join(", ")
        ),
        None,
    )
}

/// Checks the arguments against the prompt's definition: known names, required ones present,
/// strings (numbers accepted), trimmed, at most 200 characters.
fn parse_args(def: &PromptDef, args: Option<&JsonObject>) -> Result<HashMap<&'static str, String>, McpError> {
    let bad = |m: String| McpError::invalid_params(format!("prompt {}: {m}", def.name), None);
    let mut out = HashMap::new();
    for (k, v) in args.into_iter().flatten() {
        let Some(a) = def.args.iter().find(|a| a.name == k) else {
            return Err(unknown_arg(def, k));
        };
        let text = match v {
            serde_json::Value::String(s) => s.trim().to_string(),
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Null => continue,
            _ => return Err(bad(format!("argument {k} must be a string"))),
        };
        if text.chars().count() > 200 {
            return Err(bad(format!("argument {k} is longer than 200 characters")));
        }
        if !text.is_empty() {
            out.insert(a.name, text);
        }
    }
    for a in def.args.iter().filter(|a| a.required) {
        if !out.contains_key(a.name) {
            return Err(bad(format!("argument {} is required ({})", a.name, a.description)));
        }
    }
    Ok(out)
}

/// Finds a pipeline by id or name (case and accents ignored, then a unique prefix).
pub fn find_pipeline<'p>(ps: &'p [Pipeline], key: &str) -> Result<&'p Pipeline, String> {
    let names = || {
        ps.iter()
            .map(|p| format!("{} ({})", p.name, p.id))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let key = key.trim().trim_start_matches('#');
    if let Ok(id) = key.parse::<i64>() {
        return ps
            .iter()
            .find(|p| p.id == id)
            .ok_or_else(|| format!("no pipeline has id {id}; pipelines: {}", names()));
    }
    find_named(ps, key, |p| &p.name).map_err(|many| match many {
        Some(m) => format!("\"{key}\" matches several pipelines ({m}); give the full name or the id"),
        None => format!("no pipeline is named \"{key}\"; pipelines: {}", names()),
    })
}

fn find_stage<'p>(p: &'p Pipeline, key: &str) -> Result<&'p Status, String> {
    let names = || {
        p.statuses()
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let key = key.trim().trim_start_matches('#');
    if let Ok(id) = key.parse::<i64>() {
        return p
            .statuses()
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| format!("pipeline {} has no stage with id {id}; its stages: {}", p.name, names()));
    }
    find_named(p.statuses(), key, |s| &s.name).map_err(|many| match many {
        Some(m) => format!(
            "\"{key}\" matches several stages of {} ({m}); give the full name",
            p.name
        ),
        None => format!("pipeline {} has no stage \"{key}\"; its stages: {}", p.name, names()),
    })
}

fn find_user<'u>(users: &'u [User], key: &str) -> Result<&'u User, String> {
    let names = || users.iter().map(|u| u.name.as_str()).collect::<Vec<_>>().join(", ");
    let key = key.trim().trim_start_matches('#');
    if let Ok(id) = key.parse::<i64>() {
        return users
            .iter()
            .find(|u| u.id == id)
            .ok_or_else(|| format!("no user has id {id}; users: {}", names()));
    }
    find_named(users, key, |u| &u.name).map_err(|many| match many {
        Some(m) => format!("\"{key}\" matches several users ({m}); give the full name"),
        None => format!("no user is named \"{key}\"; users: {}", names()),
    })
}

/// The item whose name equals `key` (folded), else the only one the completion rules match.
/// `Err(Some(names))` when several match, `Err(None)` when none does.
fn find_named<'a, T>(items: &'a [T], key: &str, name: impl Fn(&T) -> &str) -> Result<&'a T, Option<String>> {
    let k = fold(key);
    if let Some(exact) = items.iter().find(|i| fold(name(i)) == k) {
        return Ok(exact);
    }
    let hits = crate::mcp::completion::matching(items.iter().map(|i| name(i).to_string()), key).values;
    match hits.as_slice() {
        [one] => items.iter().find(|i| name(i) == one).ok_or(None),
        [] => Err(None),
        many => Err(Some(many.join(", "))),
    }
}

/// What a contact argument names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ContactKey {
    Id(i64),
    Phone(String),
    Name(String),
}

/// `#123`/`id 123`/a bare number of at most 9 digits: an id; digits with `+`, spaces or
/// punctuation, or 10 digits and more: a phone; anything with a letter: a name.
fn contact_key(raw: &str) -> Result<ContactKey, String> {
    let s = raw.trim();
    let id_text = s
        .strip_prefix('#')
        .or_else(|| s.strip_prefix("id "))
        .or_else(|| s.strip_prefix("id:"))
        .unwrap_or(s)
        .trim();
    if !id_text.is_empty() && id_text.len() <= 9 && id_text.chars().all(|c| c.is_ascii_digit()) {
        return match id_text.parse::<i64>() {
            Ok(id) if id > 0 => Ok(ContactKey::Id(id)),
            _ => Err(format!("\"{raw}\" is not a contact id (ids are positive integers)")),
        };
    }
    if s.chars().any(char::is_alphabetic) {
        return Ok(ContactKey::Name(s.to_string()));
    }
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let phone_chars = s.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if phone_chars && digits >= 5 {
        return Ok(ContactKey::Phone(s.to_string()));
    }
    Err(format!(
        "\"{raw}\" is neither a phone number, a name nor a contact id; give e.g. +57 300 123 4567, Juan Pérez or 20000001"
    ))
}

/// A lead id: `10000001` or `#10000001`.
fn lead_id(raw: &str) -> Result<i64, String> {
    match raw.trim().trim_start_matches('#').parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(format!(
            "\"{raw}\" is not a lead id; give a positive integer, e.g. 10000001"
        )),
    }
}

/// Prompt text with the tool calls it mentions, so tests can check every tool and argument.
struct Writer<'v> {
    visible: &'v [&'v str],
    text: String,
    calls: Vec<(String, Vec<String>)>,
}

impl<'v> Writer<'v> {
    fn new(visible: &'v [&'v str]) -> Self {
        Writer {
            visible,
            text: String::new(),
            calls: Vec::new(),
        }
    }
    fn has(&self, tool: &str) -> bool {
        self.visible.contains(&tool)
    }
    /// `` `tool` with a=1, b="x" `` (values given already formatted).
    fn call(&mut self, tool: &str, args: &[(&str, String)]) -> String {
        self.calls
            .push((tool.to_string(), args.iter().map(|(k, _)| k.to_string()).collect()));
        if args.is_empty() {
            return format!("`{tool}`");
        }
        let list: Vec<String> = args.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("`{tool}` with {}", list.join(", "))
    }
    fn line(&mut self, s: impl AsRef<str>) {
        self.text.push_str(s.as_ref());
        self.text.push('\n');
    }
    fn writes(&self) -> bool {
        self.visible.iter().any(|t| {
            [
                "kommo_update_lead",
                "kommo_create_task",
                "kommo_create_note",
                "kommo_complete_task",
            ]
            .contains(t)
        })
    }
}

fn quoted(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// What a prompt's text is built from, loaded from Kommo's cached metadata.
#[derive(Default)]
struct Facts {
    pipelines: Option<std::sync::Arc<Vec<Pipeline>>>,
    users: Option<std::sync::Arc<Vec<User>>>,
    /// `YYYY-MM-DD` (UTC).
    today: String,
}

/// Builds prompt `name` (already validated) from its arguments and the facts; the text and
/// the tool calls it mentions. Errors are invalid params (a pipeline, stage or user unknown).
fn build<'v>(
    def: &PromptDef,
    args: &HashMap<&'static str, String>,
    facts: &Facts,
    visible: &'v [&'v str],
) -> Result<Writer<'v>, McpError> {
    let bad = |m: String| McpError::invalid_params(format!("prompt {}: {m}", def.name), None);
    let mut w = Writer::new(visible);
    let arg = |k: &str| args.get(k).map(String::as_str);
    match def.name {
        "summarize_pipeline" => {
            let key = arg("pipeline").unwrap_or_default();
            match facts.pipelines.as_deref() {
                Some(ps) => {
                    let p = find_pipeline(ps, key).map_err(bad)?;
                    let stage = arg("stage").map(|s| find_stage(p, s)).transpose().map_err(bad)?;
                    w.line(format!(
                        "Summarize the Kommo pipeline \"{}\" (pipeline_id {}).",
                        p.name, p.id
                    ));
                    let stages: Vec<String> = p.statuses().iter().map(|s| format!("{} [{}]", s.name, s.id)).collect();
                    w.line(format!("Its stages, in order: {}.", stages.join(" → ")));
                    w.line("");
                    let mut list_args = vec![("pipeline_id", p.id.to_string())];
                    if let Some(s) = stage {
                        list_args.push(("status_id", s.id.to_string()));
                        w.line(format!("Focus on the stage \"{}\" (status_id {}).", s.name, s.id));
                    }
                    list_args.push(("all_pages", "true".into()));
                    list_args.push(("limit", "250".into()));
                    let call = w.call("kommo_list_leads", &list_args);
                    w.line(format!("1. Call {call} to read every lead of it."));
                }
                None => {
                    w.line(format!("Summarize the Kommo pipeline {}.", quoted(key)));
                    w.line("");
                    let find = if w.has("kommo_list_pipelines") {
                        w.call("kommo_list_pipelines", &[])
                    } else {
                        "the kommo://pipelines resource".to_string()
                    };
                    w.line(format!("1. Find its pipeline_id and stages with {find}."));
                    let call = w.call(
                        "kommo_list_leads",
                        &[
                            ("pipeline_id", "<its id>".into()),
                            ("all_pages", "true".into()),
                            ("limit", "250".into()),
                        ],
                    );
                    w.line(format!("2. Call {call} to read every lead of it."));
                }
            }
            w.line("Then, per stage in pipeline order: the number of leads and their total price; name the 3 largest open leads.");
            w.line("Point out stale leads (not updated for 14 days or more) and leads without a responsible user or a contact.");
            w.line("End with 3 concrete next actions. Cite leads as name #id. Do not change any data.");
        }
        "prepare_call" => {
            let raw = arg("contact").unwrap_or_default();
            let key = contact_key(raw).map_err(|m| bad(format!("argument contact: {m}")))?;
            w.line(format!("Prepare me for a call with the Kommo contact {}.", quoted(raw)));
            w.line("");
            let find = match &key {
                ContactKey::Id(id) => w.call("kommo_get_contact", &[("contactId", id.to_string())]),
                ContactKey::Phone(p) if w.has("kommo_search_contact_by_phone") => {
                    w.call("kommo_search_contact_by_phone", &[("phone", quoted(p))])
                }
                ContactKey::Phone(p) | ContactKey::Name(p) if w.has("kommo_list_contacts") => {
                    w.call("kommo_list_contacts", &[("query", quoted(p))])
                }
                ContactKey::Phone(_) | ContactKey::Name(_) => {
                    return Err(bad(
                        "this server exposes no contact search tool; give the contact id instead".into(),
                    ))
                }
            };
            w.line(format!(
                "1. Find the contact with {find}. If several contacts match, list them and ask me which one."
            ));
            let contact = w.call("kommo_get_contact", &[("contactId", "<its id>".into())]);
            w.line(format!(
                "2. Read it with {contact}: phones, emails, company, tags and fields."
            ));
            let mut n = 3;
            if w.has("kommo_get_leads_by_contact") {
                let c = w.call("kommo_get_leads_by_contact", &[("contactId", "<its id>".into())]);
                w.line(format!(
                    "{n}. Read their deals with {c}: stage, value, responsible user."
                ));
                n += 1;
            }
            if w.has("kommo_get_company") {
                let c = w.call("kommo_get_company", &[("companyId", "<the company id>".into())]);
                w.line(format!("{n}. If they belong to a company, read it with {c}."));
                n += 1;
            }
            if w.has("kommo_list_notes") {
                let c = w.call(
                    "kommo_list_notes",
                    &[("entityType", "\"contacts\"".into()), ("entityId", "<its id>".into())],
                );
                w.line(format!(
                    "{n}. Read the latest notes with {c} (and the same for their open leads)."
                ));
                n += 1;
            }
            if w.has("kommo_list_tasks") {
                let c = w.call(
                    "kommo_list_tasks",
                    &[
                        ("entity_type", "\"contacts\"".into()),
                        ("entity_id", "<its id>".into()),
                        ("is_completed", "false".into()),
                    ],
                );
                w.line(format!("{n}. List open tasks with {c}."));
            }
            w.line("");
            w.line("Then write a one-screen brief: who they are and their company, open deals with stage and value, the last interactions, open tasks, and 3 talking points or questions for the call. Do not change any data.");
        }
        "qualify_lead" => {
            let id = lead_id(arg("lead_id").unwrap_or_default()).map_err(|m| bad(format!("argument lead_id: {m}")))?;
            w.line(format!("Qualify the Kommo lead #{id}."));
            w.line("");
            let c = w.call("kommo_get_lead", &[("leadId", id.to_string())]);
            w.line(format!(
                "1. Read it with {c}: stage, price, responsible user, contacts, company and custom fields."
            ));
            let mut n = 2;
            if w.has("kommo_get_contact") {
                let c = w.call("kommo_get_contact", &[("contactId", "<its first contact id>".into())]);
                w.line(format!("{n}. Read the buyer with {c}."));
                n += 1;
            }
            if w.has("kommo_list_notes") {
                let c = w.call(
                    "kommo_list_notes",
                    &[("entityType", "\"leads\"".into()), ("entityId", id.to_string())],
                );
                w.line(format!("{n}. Read its history with {c}."));
                n += 1;
            }
            if w.has("kommo_list_tasks") {
                let c = w.call(
                    "kommo_list_tasks",
                    &[("entity_type", "\"leads\"".into()), ("entity_id", id.to_string())],
                );
                w.line(format!("{n}. See its tasks with {c}."));
                n += 1;
            }
            if w.has("kommo_list_custom_fields") {
                let c = w.call("kommo_list_custom_fields", &[("entity", "\"leads\"".into())]);
                w.line(format!(
                    "{n}. See which lead fields exist (and are still empty) with {c}."
                ));
            }
            w.line("");
            w.line("Assess it with BANT: for budget, authority, need and timeline say what the CRM shows, what is missing, and a score from 0 to 3. Give a verdict (qualified, nurture or disqualify) with the reason and the next step.");
            if w.writes() {
                let mut tools = Vec::new();
                if w.has("kommo_update_lead") {
                    tools.push(w.call(
                        "kommo_update_lead",
                        &[("leadId", id.to_string()), ("status_id", "<stage id>".into())],
                    ));
                }
                if w.has("kommo_create_task") {
                    tools.push(w.call(
                        "kommo_create_task",
                        &[
                            ("entity_type", "\"leads\"".into()),
                            ("entity_id", id.to_string()),
                            ("text", "<next step>".into()),
                            ("complete_till", "<date>".into()),
                        ],
                    ));
                }
                if w.has("kommo_create_note") {
                    tools.push(w.call(
                        "kommo_create_note",
                        &[
                            ("entityType", "\"leads\"".into()),
                            ("entityId", id.to_string()),
                            ("text", "<your assessment>".into()),
                        ],
                    ));
                }
                w.line(format!(
                    "Propose the changes ({}) and make them only after I confirm.",
                    tools.join("; ")
                ));
            } else {
                w.line("This server is read-only: list the changes (stage, follow-up task, note) for a person to make in Kommo.");
            }
        }
        "follow_ups_due_today" => {
            let user = match (arg("user"), facts.users.as_deref()) {
                (Some(key), Some(users)) => Some(find_user(users, key).map_err(bad)?),
                _ => None,
            };
            let mut list_args = vec![("is_completed", "false".to_string())];
            match (user, arg("user")) {
                (Some(u), _) => {
                    w.line(format!(
                        "List the Kommo follow-ups of {} (user #{}) due today, {} (UTC), or overdue.",
                        u.name, u.id, facts.today
                    ));
                    list_args.push(("responsible_user_id", u.id.to_string()));
                }
                (None, Some(name)) => {
                    w.line(format!(
                        "List the Kommo follow-ups of the user {} due today, {} (UTC), or overdue.",
                        quoted(name),
                        facts.today
                    ));
                    if w.has("kommo_list_users") {
                        let c = w.call("kommo_list_users", &[]);
                        w.line(format!("First find their user id with {c}."));
                    }
                    list_args.push(("responsible_user_id", "<their id>".into()));
                }
                (None, None) => w.line(format!(
                    "List everyone's Kommo follow-ups due today, {} (UTC), or overdue.",
                    facts.today
                )),
            }
            w.line("");
            list_args.push(("limit", "250".into()));
            let c = w.call("kommo_list_tasks", &list_args);
            w.line(format!(
                "1. Call {c}. Tasks come soonest deadline first: read further pages only while deadlines are still today or earlier."
            ));
            w.line("2. Keep the tasks due today or before, overdue ones first.");
            let mut fetch = Vec::new();
            if w.has("kommo_get_lead") {
                fetch.push(w.call("kommo_get_lead", &[("leadId", "<entity id>".into())]));
            }
            if w.has("kommo_get_contact") {
                fetch.push(w.call("kommo_get_contact", &[("contactId", "<entity id>".into())]));
            }
            if !fetch.is_empty() {
                w.line(format!(
                    "3. Name what each task belongs to with {} (one call per distinct entity).",
                    fetch.join(" or ")
                ));
            }
            w.line("");
            w.line("Answer as a checklist: deadline, task type and text, the lead or contact (name #id), and a suggested next action.");
            if w.has("kommo_complete_task") {
                let c = w.call(
                    "kommo_complete_task",
                    &[("taskId", "<id>".into()), ("result_text", "<outcome>".into())],
                );
                w.line(format!("When I say a task is done, mark it with {c}."));
            }
        }
        other => return Err(bad(format!("no text for prompt {other}"))),
    }
    Ok(w)
}

fn today() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    crate::mcp::format::datetime(now).chars().take(10).collect()
}

/// Answers `prompts/get`: validates the arguments, resolves names from the metadata cache
/// (when Kommo cannot be reached, the text tells the model how to look them up instead), and
/// returns one user message.
pub async fn get(
    client: &Client,
    name: &str,
    args: Option<&JsonObject>,
    visible: &[&str],
) -> Result<GetPromptResult, McpError> {
    let def = find_def(name, visible)?;
    let parsed = parse_args(def, args)?;
    let mut facts = Facts {
        today: today(),
        ..Facts::default()
    };
    match def.name {
        "summarize_pipeline" => facts.pipelines = pipelines::cached(client).await.ok(),
        "follow_ups_due_today" if parsed.contains_key("user") => {
            facts.users = account::cached_users(client).await.ok();
        }
        _ => {}
    }
    let w = build(def, &parsed, &facts, visible)?;
    Ok(GetPromptResult::new(vec![PromptMessage::new_text(Role::User, w.text)]).with_description(def.description))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::tools;

    fn all_tools() -> Vec<&'static str> {
        tools::all().iter().map(|t| t.name).collect()
    }

    fn read_only_tools() -> Vec<&'static str> {
        tools::all()
            .iter()
            .filter(|t| t.is_read_only())
            .map(|t| t.name)
            .collect()
    }

    fn pipelines() -> Vec<Pipeline> {
        serde_json::from_value(serde_json::json!([
            {"id": 7000001, "name": "Ventas", "is_main": true, "_embedded": {"statuses": [
                {"id": 61000001, "name": "Incoming leads", "pipeline_id": 7000001, "type": 1},
                {"id": 61000003, "name": "Negociación", "pipeline_id": 7000001},
                {"id": 142, "name": "Closed - won", "pipeline_id": 7000001},
                {"id": 143, "name": "Closed - lost", "pipeline_id": 7000001}]}},
            {"id": 7000002, "name": "Partners", "_embedded": {"statuses": []}}
        ]))
        .unwrap()
    }

    fn users() -> Vec<User> {
        serde_json::from_value(serde_json::json!([
            {"id": 9000001, "name": "Laura Méndez"}, {"id": 9000002, "name": "Diego Torres"}
        ]))
        .unwrap()
    }

    fn facts() -> Facts {
        Facts {
            pipelines: Some(std::sync::Arc::new(pipelines())),
            users: Some(std::sync::Arc::new(users())),
            today: "2026-01-02".into(),
        }
    }

    fn args(pairs: &[(&str, serde_json::Value)]) -> JsonObject {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    fn text_of(
        name: &str,
        a: &[(&str, serde_json::Value)],
        visible: &[&'static str],
    ) -> Result<Writer<'static>, McpError> {
        let visible: &'static [&'static str] = Box::leak(visible.to_vec().into_boxed_slice());
        let def = find_def(name, visible)?;
        let parsed = parse_args(def, Some(&args(a)))?;
        build(def, &parsed, &facts(), visible)
    }

    /// Every call a prompt mentions names an exposed tool and only arguments of its schema.
    fn assert_calls_are_real(w: &Writer<'_>, visible: &[&str]) {
        let defs = tools::all();
        for (tool, arg_names) in &w.calls {
            assert!(visible.contains(&tool.as_str()), "{tool} is not exposed: {}", w.text);
            let def = defs.iter().find(|t| t.name == tool).expect("registered tool");
            let schema = serde_json::to_value(def.to_tool().input_schema).unwrap();
            for a in arg_names {
                assert!(
                    schema["properties"].get(a).is_some(),
                    "{tool} has no argument {a}: {}",
                    schema["properties"]
                );
            }
        }
    }

    const EXAMPLES: &[(&str, &[(&str, &str)])] = &[
        (
            "summarize_pipeline",
            &[("pipeline", "ventas"), ("stage", "negociacion")],
        ),
        ("prepare_call", &[("contact", "+57 300 123 4567")]),
        ("prepare_call", &[("contact", "Juan Pérez")]),
        ("prepare_call", &[("contact", "20000001")]),
        ("qualify_lead", &[("lead_id", "10000001")]),
        ("follow_ups_due_today", &[("user", "diego")]),
        ("follow_ups_due_today", &[]),
    ];

    #[test]
    fn every_prompt_names_real_tools_with_real_arguments() {
        for visible in [all_tools(), read_only_tools()] {
            for (name, a) in EXAMPLES {
                let a: Vec<(&str, serde_json::Value)> = a.iter().map(|(k, v)| (*k, (*v).into())).collect();
                let w = text_of(name, &a, &visible).unwrap_or_else(|e| panic!("{name}: {e:?}"));
                assert!(!w.calls.is_empty(), "{name} names tools");
                assert_calls_are_real(&w, &visible);
            }
        }
    }

    #[test]
    fn prompt_texts_carry_resolved_names_and_ids() {
        let w = text_of(
            "summarize_pipeline",
            &[("pipeline", "VENTAS".into()), ("stage", "negociacion".into())],
            &all_tools(),
        )
        .unwrap();
        assert!(w.text.contains("\"Ventas\" (pipeline_id 7000001)"), "{}", w.text);
        assert!(w.text.contains("status_id=61000003"), "{}", w.text);
        assert!(
            w.text.contains("`kommo_list_leads` with pipeline_id=7000001"),
            "{}",
            w.text
        );
        let w = text_of("follow_ups_due_today", &[("user", "diego".into())], &all_tools()).unwrap();
        assert!(w.text.contains("Diego Torres (user #9000002)"), "{}", w.text);
        assert!(w.text.contains("responsible_user_id=9000002"), "{}", w.text);
        let w = text_of("prepare_call", &[("contact", "+57 300 123 4567".into())], &all_tools()).unwrap();
        assert!(
            w.text
                .contains("`kommo_search_contact_by_phone` with phone=\"+57 300 123 4567\""),
            "{}",
            w.text
        );
        let w = text_of("qualify_lead", &[("lead_id", 10000001.into())], &all_tools()).unwrap();
        assert!(w.text.contains("`kommo_get_lead` with leadId=10000001"), "{}", w.text);
        assert!(w.text.contains("only after I confirm"), "{}", w.text);
    }

    #[test]
    fn read_only_prompts_ask_for_a_list_of_changes_instead_of_writes() {
        let ro = read_only_tools();
        let w = text_of("qualify_lead", &[("lead_id", "10000001".into())], &ro).unwrap();
        assert!(w.text.contains("read-only"), "{}", w.text);
        assert!(!w.text.contains("kommo_update_lead"), "{}", w.text);
        let w = text_of("follow_ups_due_today", &[], &ro).unwrap();
        assert!(!w.text.contains("kommo_complete_task"), "{}", w.text);
    }

    #[test]
    fn prompts_whose_tools_are_hidden_are_not_listed() {
        let default: Vec<&str> = tools::all()
            .iter()
            .filter(|t| tools::DEFAULT_TOOLSETS.contains(&t.toolset))
            .map(|t| t.name)
            .collect();
        let names: Vec<String> = list(&default).into_iter().map(|p| p.name).collect();
        assert!(names.contains(&"summarize_pipeline".to_string()), "{names:?}");
        assert!(
            !names.contains(&"follow_ups_due_today".to_string()),
            "tasks are not a default toolset"
        );
        let e = find_def("follow_ups_due_today", &default).unwrap_err();
        assert!(e.message.contains("kommo_list_tasks"), "{}", e.message);
        assert_eq!(list(&all_tools()).len(), PROMPTS.len());
    }

    #[test]
    fn bad_arguments_get_errors_that_say_what_is_valid() {
        let all = all_tools();
        let msg = |name: &str, a: &[(&str, serde_json::Value)]| match text_of(name, a, &all) {
            Err(e) => {
                assert_eq!(e.code, rmcp::model::ErrorCode::INVALID_PARAMS);
                e.message.to_string()
            }
            Ok(w) => panic!("{name} {a:?} accepted: {}", w.text),
        };
        assert!(msg("summarize_pipeline", &[]).contains("argument pipeline is required"));
        assert!(msg("summarize_pipeline", &[("pipeline", "Nope".into())]).contains("Ventas (7000001), Partners"));
        assert!(msg(
            "summarize_pipeline",
            &[("pipeline", "Ventas".into()), ("stage", "zzz".into())]
        )
        .contains("Incoming leads, Negociación"));
        assert!(msg("summarize_pipeline", &[("pipelin", "Ventas".into())]).contains("it takes pipeline, stage"));
        assert!(msg("qualify_lead", &[("lead_id", "abc".into())]).contains("positive integer"));
        assert!(msg("qualify_lead", &[("lead_id", "-3".into())]).contains("positive integer"));
        assert!(msg("qualify_lead", &[("lead_id", serde_json::json!({"id": 1}))]).contains("must be a string"));
        assert!(msg("prepare_call", &[("contact", "  ".into())]).contains("argument contact is required"));
        assert!(msg("prepare_call", &[("contact", "12-3".into())]).contains("neither a phone"));
        assert!(msg("follow_ups_due_today", &[("user", "Nobody".into())]).contains("Laura Méndez, Diego Torres"));
        assert!(msg("nope", &[]).contains("this server has: summarize_pipeline"));
    }

    #[test]
    fn contact_arguments_are_told_apart() {
        assert_eq!(contact_key("20000001"), Ok(ContactKey::Id(20_000_001)));
        assert_eq!(contact_key("#42"), Ok(ContactKey::Id(42)));
        assert_eq!(contact_key("3001234567"), Ok(ContactKey::Phone("3001234567".into())));
        assert_eq!(
            contact_key("+57 300 123 4567"),
            Ok(ContactKey::Phone("+57 300 123 4567".into()))
        );
        assert_eq!(
            contact_key("(300) 123-4567"),
            Ok(ContactKey::Phone("(300) 123-4567".into()))
        );
        assert_eq!(contact_key("Juan Pérez"), Ok(ContactKey::Name("Juan Pérez".into())));
        assert!(contact_key("0").is_err());
    }

    #[test]
    fn names_resolve_exactly_then_by_unique_prefix() {
        let ps = pipelines();
        assert_eq!(find_pipeline(&ps, "ventas").unwrap().id, 7_000_001);
        assert_eq!(find_pipeline(&ps, "part").unwrap().id, 7_000_002);
        assert_eq!(find_pipeline(&ps, "#7000002").unwrap().id, 7_000_002);
        assert!(find_pipeline(&ps, "9").unwrap_err().contains("no pipeline has id 9"));
        assert_eq!(find_stage(&ps[0], "closed - won").unwrap().id, 142);
        assert!(find_stage(&ps[0], "closed")
            .unwrap_err()
            .contains("matches several stages"));
        assert_eq!(find_user(&users(), "mendez").unwrap().id, 9_000_001);
    }
}
