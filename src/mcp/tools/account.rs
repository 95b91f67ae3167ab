//! Account-level tools: the account, users, the events feed, incoming (unsorted) leads, loss
//! reasons and sources.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{define, Access, Context, Meta, Render, ToolDef};
use crate::api::account::{self, ACCOUNT_WITH};
use crate::api::events::{self, EventFilter};
use crate::api::list::ListOptions;
use crate::api::pipelines;
use crate::api::tasks::Deadline;
use crate::api::unsorted::{self, UnsortedFilter};
use crate::error::Error;
use crate::mcp::format;

/// No arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// Arguments of `kommo_get_account`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetAccountArgs {
    /// Extras to include: task_types, users_groups, datetime_settings, amojo_id, amojo_rights, version, entity_names, drive_url, uuid, invoices_settings, is_api_filter_enabled. Default: task_types and datetime_settings.
    #[serde(default)]
    pub with: Option<Vec<String>>,
}

/// The account.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AccountInfo {
    pub id: i64,
    pub name: String,
    pub subdomain: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_user_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// `id name (CODE)` of each task type.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub task_types: Vec<String>,
    /// Other requested extras as `key: value`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extras: Vec<String>,
}

impl Render for AccountInfo {
    fn render(&self) -> String {
        let mut out = format!("Account {} #{} ({}.kommo.com)", self.name, self.id, self.subdomain);
        if let Some(c) = &self.country {
            out.push_str(&format!(" · country {c}"));
        }
        if let Some(c) = &self.currency {
            out.push_str(&format!(" · currency {c}"));
        }
        if let Some(tz) = &self.timezone {
            out.push_str(&format!(" · timezone {tz}"));
        }
        if let Some(u) = self.current_user_id {
            out.push_str(&format!(" · token user #{u}"));
        }
        out.push('\n');
        if !self.task_types.is_empty() {
            out.push_str(&format!("Task types: {}\n", self.task_types.join(", ")));
        }
        for e in &self.extras {
            out.push_str(e);
            out.push('\n');
        }
        out
    }
}

fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    crate::text::truncate_chars(&s, 300)
}

async fn get_account(ctx: Context, a: GetAccountArgs) -> Result<AccountInfo, Error> {
    let with = a
        .with
        .unwrap_or_else(|| vec!["task_types".into(), "datetime_settings".into()]);
    let with: Vec<&str> = with.iter().map(String::as_str).collect();
    let acc = account::get(&ctx.client, &with).await?;
    let embedded = acc.embedded.clone().unwrap_or_default();
    let mut extras: Vec<String> = acc
        .extra
        .iter()
        .filter(|(k, v)| ACCOUNT_WITH.contains(&k.as_str()) && !v.is_null())
        .map(|(k, v)| format!("{k}: {}", short(v)))
        .collect();
    if !embedded.users_groups.is_empty() {
        let groups: Vec<String> = embedded
            .users_groups
            .iter()
            .map(|g| {
                format!(
                    "{} #{}",
                    g.get("name").map(short).unwrap_or_default(),
                    g.get("id").map(short).unwrap_or_default()
                )
            })
            .collect();
        extras.push(format!("users_groups: {}", groups.join(", ")));
    }
    for (k, v) in [
        ("amojo_rights", &embedded.amojo_rights),
        ("entity_names", &embedded.entity_names),
    ] {
        if let Some(v) = v {
            extras.push(format!("{k}: {}", short(v)));
        }
    }
    Ok(AccountInfo {
        id: acc.id,
        name: acc.name,
        subdomain: acc.subdomain,
        country: acc.country,
        currency: acc.currency,
        current_user_id: acc.current_user_id,
        timezone: embedded
            .datetime_settings
            .as_ref()
            .and_then(|d| d.get("timezone"))
            .and_then(Value::as_str)
            .map(str::to_string),
        task_types: embedded
            .task_types
            .iter()
            .map(|t| match &t.code {
                Some(c) => format!("{} {} ({c})", t.id, t.name),
                None => format!("{} {}", t.id, t.name),
            })
            .collect(),
        extras,
    })
}

/// Arguments of `kommo_list_users`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListUsersArgs {
    /// Page number, from 1.
    #[serde(default)]
    pub page: Option<u32>,
    /// Users per page, up to 250 (default 50).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// A user.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UserSummary {
    pub id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub is_admin: bool,
    pub is_active: bool,
}

/// A page of users.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UserPage {
    pub users: Vec<UserSummary>,
    pub page: u32,
    pub has_more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page: Option<u32>,
}

impl Render for UserPage {
    fn render(&self) -> String {
        if self.users.is_empty() {
            return "No users.".into();
        }
        let mut out = format!("{} users (page {}):\n", self.users.len(), self.page);
        for u in &self.users {
            let mut line = format!("- {} #{}", u.name, u.id);
            if let Some(e) = &u.email {
                line.push_str(&format!(" · {e}"));
            }
            if u.is_admin {
                line.push_str(" · admin");
            }
            if !u.is_active {
                line.push_str(" · inactive");
            }
            out.push_str(&line);
            out.push('\n');
        }
        out.push_str(&format::paging_hint(self.has_more, self.next_page));
        out
    }
}

async fn list_users(ctx: Context, a: ListUsersArgs) -> Result<UserPage, Error> {
    let opts = ListOptions {
        page: a.page,
        limit: a.limit,
        ..ListOptions::default()
    };
    let l = account::list_users(&ctx.client, &opts).await?;
    Ok(UserPage {
        users: l
            .items
            .iter()
            .map(|u| UserSummary {
                id: u.id,
                name: u.name.clone(),
                email: u.email.clone(),
                is_admin: u.is_admin(),
                is_active: u.is_active(),
            })
            .collect(),
        page: l.page,
        has_more: l.has_more(),
        next_page: l.next_page,
    })
}

/// Arguments of `kommo_list_events`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListEventsArgs {
    /// Only events of this kind of entity: lead, contact, company or task.
    #[serde(default)]
    pub entity: Option<String>,
    /// Only events of this entity id (give entity too).
    #[serde(default)]
    pub entity_id: Option<i64>,
    /// Only these event types, e.g. ["lead_status_changed"], ["lead_added"], ["common_note_added"], ["task_completed"], ["incoming_call"].
    #[serde(default, rename = "type", alias = "types")]
    pub types: Option<Vec<String>>,
    /// Only events created at or after this time (Unix seconds or ISO 8601).
    #[serde(default)]
    pub created_at_from: Option<Deadline>,
    /// Only events created at or before this time (Unix seconds or ISO 8601).
    #[serde(default)]
    pub created_at_to: Option<Deadline>,
    /// Only events by this user id.
    #[serde(default)]
    pub created_by: Option<i64>,
    /// Page number, from 1.
    #[serde(default)]
    pub page: Option<u32>,
    /// Events per page, up to 100 (default 50).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// An event.
#[derive(Debug, Serialize, JsonSchema)]
pub struct EventSummary {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub entity_type: String,
    pub entity_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// What changed, e.g. `Ventas › Contacto inicial → Ventas › Negociación`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
}

/// A page of events.
#[derive(Debug, Serialize, JsonSchema)]
pub struct EventPage {
    pub events: Vec<EventSummary>,
    pub page: u32,
    pub has_more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page: Option<u32>,
}

impl Render for EventPage {
    fn render(&self) -> String {
        if self.events.is_empty() {
            return if self.page > 1 {
                format!("No events on page {}.", self.page)
            } else {
                "No events match.".into()
            };
        }
        let mut out = format!("{} events (page {}), newest first:\n", self.events.len(), self.page);
        for e in &self.events {
            let mut parts = Vec::new();
            if let Some(at) = e.created_at {
                parts.push(format::datetime(at));
            }
            parts.push(e.kind.clone());
            let mut target = format::entity_label(&e.entity_type, e.entity_id);
            if let Some(n) = &e.entity_name {
                target.push_str(&format!(" \"{n}\""));
            }
            parts.push(target);
            if let Some(c) = &e.change {
                parts.push(c.clone());
            }
            if let Some(b) = &e.by {
                parts.push(format!("by {b}"));
            }
            out.push_str(&format!("- {} [{}]\n", parts.join(" · "), e.id));
        }
        out.push_str(&format::paging_hint(self.has_more, self.next_page));
        out
    }
}

fn stage(ps: Option<&[pipelines::Pipeline]>, v: &Value) -> Option<String> {
    let s = v.as_array()?.first()?.get("lead_status")?;
    let status = s.get("id")?.as_i64()?;
    let pipeline = s.get("pipeline_id").and_then(Value::as_i64);
    Some(
        ps.and_then(|ps| pipelines::status_name(ps, pipeline, status))
            .map(|(p, st)| format!("{p} › {st}"))
            .unwrap_or_else(|| format!("stage {status}")),
    )
}

async fn list_events(ctx: Context, a: ListEventsArgs) -> Result<EventPage, Error> {
    let filter = EventFilter {
        entities: a.entity.into_iter().collect(),
        entity_ids: a.entity_id.into_iter().collect(),
        types: a.types.unwrap_or_default(),
        created_by: a.created_by.into_iter().collect(),
        created_at: (
            a.created_at_from.map(|d| d.to_unix("created_at_from")).transpose()?,
            a.created_at_to.map(|d| d.to_unix("created_at_to")).transpose()?,
        ),
        ..EventFilter::default()
    };
    let opts = ListOptions {
        page: a.page,
        limit: Some(a.limit.unwrap_or(50).min(100)),
        with: vec!["lead_name".into(), "contact_name".into(), "company_name".into()],
        ..ListOptions::default()
    };
    // Check the filter before the metadata requests that run beside the listing.
    let query = filter.to_query()?;
    let (listing, users, ps) = tokio::join!(
        events::list_events_query(&ctx.client, query, &opts),
        account::cached_users(&ctx.client),
        pipelines::cached(&ctx.client)
    );
    let listing = listing?;
    let users = users.ok();
    let ps = ps.ok();
    let events = listing
        .items
        .iter()
        .map(|e| {
            let change = if e.kind == "lead_status_changed" {
                let ps = ps.as_deref().map(Vec::as_slice);
                match (stage(ps, &e.value_before), stage(ps, &e.value_after)) {
                    (Some(b), Some(a)) => Some(format!("{b} → {a}")),
                    (None, Some(a)) => Some(format!("→ {a}")),
                    _ => None,
                }
            } else {
                None
            };
            EventSummary {
                id: e.id.clone(),
                kind: e.kind.clone(),
                entity_type: e.entity_type.clone(),
                entity_id: e.entity_id,
                entity_name: e.entity_name().map(str::to_string),
                created_at: e.created_at,
                by: e
                    .created_by
                    .filter(|id| *id > 0)
                    .map(|id| account::user_name(users.as_deref().map(Vec::as_slice), id)),
                change,
            }
        })
        .collect();
    Ok(EventPage {
        events,
        page: listing.page,
        has_more: listing.has_more(),
        next_page: listing.next_page,
    })
}

/// Arguments of `kommo_list_unsorted`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListUnsortedArgs {
    /// Only this channel: forms, sip (calls), chats or mail.
    #[serde(default)]
    pub category: Option<String>,
    /// Only incoming leads of this pipeline.
    #[serde(default)]
    pub pipeline_id: Option<i64>,
    /// Page number, from 1.
    #[serde(default)]
    pub page: Option<u32>,
    /// Items per page, up to 250 (default 50).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// An incoming lead.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UnsortedSummary {
    pub uid: String,
    pub category: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline_id: Option<i64>,
    pub lead_ids: Vec<i64>,
    pub contact_ids: Vec<i64>,
    /// Form name, caller, chat client or last message, when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A page of incoming leads.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UnsortedPage {
    pub unsorted: Vec<UnsortedSummary>,
    pub page: u32,
    pub has_more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page: Option<u32>,
}

impl Render for UnsortedPage {
    fn render(&self) -> String {
        if self.unsorted.is_empty() {
            return "No incoming leads are waiting.".into();
        }
        let mut out = format!("{} incoming leads waiting (page {}):\n", self.unsorted.len(), self.page);
        for u in &self.unsorted {
            let mut parts = vec![format!("uid {}", u.uid), u.category.clone()];
            if let Some(s) = &u.source_name {
                parts.push(s.clone());
            }
            if let Some(at) = u.created_at {
                parts.push(format::datetime(at));
            }
            let ids = |label: &str, ids: &[i64]| {
                format!(
                    "{label} {}",
                    ids.iter().map(|i| format!("#{i}")).collect::<Vec<_>>().join(", ")
                )
            };
            if !u.lead_ids.is_empty() {
                parts.push(ids("lead", &u.lead_ids));
            }
            if !u.contact_ids.is_empty() {
                parts.push(ids("contacts", &u.contact_ids));
            }
            if let Some(d) = &u.detail {
                parts.push(d.clone());
            }
            out.push_str(&format!("- {}\n", parts.join(" · ")));
        }
        out.push_str(&format::paging_hint(self.has_more, self.next_page));
        out
    }
}

fn detail(metadata: &Value) -> Option<String> {
    let pick = |k: &str| metadata.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let parts: Vec<String> = [
        ("form", pick("form_name")),
        ("from", pick("from")),
        ("message", pick("last_message_text")),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| format!("{k} \"{}\"", crate::text::truncate_chars(v, 200))))
    .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

async fn list_unsorted(ctx: Context, a: ListUnsortedArgs) -> Result<UnsortedPage, Error> {
    let filter = UnsortedFilter {
        categories: a.category.into_iter().collect(),
        pipeline_id: a.pipeline_id,
        ..UnsortedFilter::default()
    };
    let opts = ListOptions {
        page: a.page,
        limit: a.limit,
        ..ListOptions::default()
    };
    let l = unsorted::list_unsorted(&ctx.client, &filter, &opts).await?;
    Ok(UnsortedPage {
        unsorted: l
            .items
            .iter()
            .map(|u| UnsortedSummary {
                uid: u.uid.clone(),
                category: u.category.clone(),
                source_name: u.source_name.clone(),
                created_at: u.created_at,
                pipeline_id: u.pipeline_id,
                lead_ids: u.lead_ids(),
                contact_ids: u.contact_ids(),
                detail: detail(&u.metadata),
            })
            .collect(),
        page: l.page,
        has_more: l.has_more(),
        next_page: l.next_page,
    })
}

/// Arguments of `kommo_accept_unsorted`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptUnsortedArgs {
    /// The incoming lead's uid (from kommo_list_unsorted).
    pub uid: String,
    /// User who accepts it and becomes responsible.
    #[serde(default)]
    pub user_id: Option<i64>,
    /// Stage to put the lead in (default: the pipeline's first stage after Incoming leads).
    #[serde(default)]
    pub status_id: Option<i64>,
}

/// Outcome of accepting or declining.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UnsortedDone {
    pub uid: String,
    pub action: &'static str,
    pub lead_ids: Vec<i64>,
    pub contact_ids: Vec<i64>,
}

impl Render for UnsortedDone {
    fn render(&self) -> String {
        let leads: Vec<String> = self.lead_ids.iter().map(|i| format!("#{i}")).collect();
        format!(
            "Incoming lead {} {}{}.",
            self.uid,
            self.action,
            if leads.is_empty() {
                String::new()
            } else {
                format!(" (lead {})", leads.join(", "))
            }
        )
    }
}

fn done(o: unsorted::UnsortedOutcome, action: &'static str) -> UnsortedDone {
    let e = o.embedded.unwrap_or_default();
    UnsortedDone {
        uid: o.uid,
        action,
        lead_ids: e.leads.iter().map(|l| l.id).collect(),
        contact_ids: e.contacts.iter().map(|c| c.id).collect(),
    }
}

fn unsorted_missing(e: Error, uid: &str) -> Error {
    match e {
        Error::NotFound { .. } => Error::invalid(
            "uid",
            format!(
                "no incoming lead has uid {uid:?} (already accepted or declined?); list them with kommo_list_unsorted"
            ),
        ),
        other => other,
    }
}

async fn accept_unsorted(ctx: Context, a: AcceptUnsortedArgs) -> Result<UnsortedDone, Error> {
    let o = unsorted::accept(&ctx.client, &a.uid, a.user_id, a.status_id)
        .await
        .map_err(|e| unsorted_missing(e, &a.uid))?;
    Ok(done(o, "accepted"))
}

/// Arguments of `kommo_decline_unsorted`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineUnsortedArgs {
    /// The incoming lead's uid (from kommo_list_unsorted).
    pub uid: String,
    /// User who declines it.
    #[serde(default)]
    pub user_id: Option<i64>,
}

async fn decline_unsorted(ctx: Context, a: DeclineUnsortedArgs) -> Result<UnsortedDone, Error> {
    let o = unsorted::decline(&ctx.client, &a.uid, a.user_id)
        .await
        .map_err(|e| unsorted_missing(e, &a.uid))?;
    Ok(done(o, "declined (its lead was deleted)"))
}

/// `id name` pairs.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NamedList {
    pub items: Vec<Named>,
    #[serde(skip)]
    pub what: &'static str,
}

/// One named item.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Named {
    pub id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Render for NamedList {
    fn render(&self) -> String {
        if self.items.is_empty() {
            return format!("The account has no {}.", self.what);
        }
        let mut out = format!("{} {}:\n", self.items.len(), self.what);
        for i in &self.items {
            out.push_str(&format!("- {} #{}", i.name, i.id));
            if let Some(d) = &i.detail {
                out.push_str(&format!(" · {d}"));
            }
            out.push('\n');
        }
        out
    }
}

async fn list_loss_reasons(ctx: Context, _a: NoArgs) -> Result<NamedList, Error> {
    let items = account::list_loss_reasons(&ctx.client).await?;
    Ok(NamedList {
        what: "loss reasons",
        items: items
            .into_iter()
            .map(|r| Named {
                id: r.id,
                name: r.name,
                detail: None,
            })
            .collect(),
    })
}

async fn list_sources(ctx: Context, _a: NoArgs) -> Result<NamedList, Error> {
    let (items, ps) = tokio::join!(account::list_sources(&ctx.client, &[]), pipelines::cached(&ctx.client));
    let ps = ps.ok();
    Ok(NamedList {
        what: "sources",
        items: items?
            .into_iter()
            .map(|s| {
                let mut d = Vec::new();
                if let Some(x) = &s.external_id {
                    d.push(format!("external_id {x}"));
                }
                if let Some(p) = s.pipeline_id {
                    let name = ps
                        .as_deref()
                        .and_then(|ps| ps.iter().find(|x| x.id == p))
                        .map(|x| x.name.clone());
                    d.push(match name {
                        Some(n) => format!("pipeline {n} #{p}"),
                        None => format!("pipeline #{p}"),
                    });
                }
                if s.default == Some(true) {
                    d.push("default".into());
                }
                Named {
                    id: s.id,
                    name: s.name,
                    detail: (!d.is_empty()).then(|| d.join(" · ")),
                }
            })
            .collect(),
    })
}

/// Account-level tools.
pub fn tools() -> Vec<ToolDef> {
    vec![
        define(
            Meta {
                name: "kommo_get_account",
                title: "Get account settings",
                description:
                    "Get the Kommo account: name, subdomain, country, currency, timezone and the token's user, \
plus extras on request (with: task_types, users_groups, datetime_settings, ...). Use it to learn task type ids.",
                toolset: "account",
                access: Access::Read,
            },
            get_account,
        ),
        define(
            Meta {
                name: "kommo_list_users",
                title: "List users",
                description: "List the account's users with id, name, email and whether they are admins, to find the \
responsible_user_id for leads and tasks.",
                toolset: "account",
                access: Access::Read,
            },
            list_users,
        ),
        define(
            Meta {
                name: "kommo_list_events",
                title: "List activity events",
                description: "Read the account's activity feed, newest first: leads added or moved between stages, \
notes and calls added, tasks completed... Filter by entity (lead, contact, company, task) and entity_id, event \
type, author and time. Each line shows when, what, on which record (with its name) and who.",
                toolset: "account",
                access: Access::Read,
            },
            list_events,
        ),
        define(
            Meta {
                name: "kommo_list_unsorted",
                title: "List incoming leads",
                description: "List incoming (unsorted) leads waiting for a decision: from web forms, calls, chats or \
mail, with their uid, channel, source and the lead and contacts behind them. Accept one with \
kommo_accept_unsorted or decline it with kommo_decline_unsorted.",
                toolset: "unsorted",
                access: Access::Read,
            },
            list_unsorted,
        ),
        define(
            Meta {
                name: "kommo_accept_unsorted",
                title: "Accept an incoming lead",
                description:
                    "Accept an incoming lead (uid from kommo_list_unsorted) into its pipeline, optionally into \
a given stage and assigned to a user. The lead becomes a regular lead.",
                toolset: "unsorted",
                access: Access::Write {
                    destructive: false,
                    idempotent: false,
                },
            },
            accept_unsorted,
        ),
        define(
            Meta {
                name: "kommo_decline_unsorted",
                title: "Decline an incoming lead",
                description: "Decline an incoming lead (uid from kommo_list_unsorted): Kommo deletes the lead. Only \
for spam or duplicates; this cannot be undone from here.",
                toolset: "unsorted",
                access: Access::Write {
                    destructive: true,
                    idempotent: false,
                },
            },
            decline_unsorted,
        ),
        define(
            Meta {
                name: "kommo_list_loss_reasons",
                title: "List loss reasons",
                description: "The reasons a lead can be marked lost (stage 143) for, with their ids.",
                toolset: "account",

                access: Access::Read,
            },
            list_loss_reasons,
        ),
        define(
            Meta {
                name: "kommo_list_sources",
                title: "List lead sources",
                description: "List the account's lead sources (integration channels such as forms or chats) with \
their external id and pipeline.",
                toolset: "account",
                access: Access::Read,
            },
            list_sources,
        ),
    ]
}
