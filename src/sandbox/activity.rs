//! State of the sandbox beyond the main entities: tasks, notes, the events feed, incoming
//! (unsorted) leads, loss reasons and sources, with their seed data.
//!
//! Kept apart from [`super::store`] so the resources that hang off leads, contacts and companies
//! live in one place; [`super::store::Store::activity`] holds it. Writes elsewhere call
//! [`Activity::record`] so the events feed reflects what tests did (`lead_added`,
//! `lead_status_changed`, `task_added`, `common_note_added`...).

use serde_json::{json, Value};

use super::seed::{ADMIN_USER_ID, BASE_TIMESTAMP, MANAGER_USER_ID, VENTAS_INCOMING_STATUS_ID, VENTAS_PIPELINE_ID};
use super::store::{EntityRef, EntityType, Id, Store, Table};

const DAY: i64 = 86_400;

/// Task types of the account (`GET /account?with=task_types`): 1 Follow-up, 2 Meeting.
pub const TASK_TYPES: [(Id, &str, &str); 2] = [(1, "Follow-up", "FOLLOW_UP"), (2, "Meeting", "MEETING")];

/// First seeded task id.
pub const FIRST_TASK_ID: Id = 50_000_001;
/// First seeded note id.
pub const FIRST_NOTE_ID: Id = 60_000_001;
/// Seeded loss reason "Precio demasiado alto".
pub const LOSS_REASON_PRICE_ID: Id = 8_000_001;
/// Seeded source "Formulario web".
pub const WEB_FORM_SOURCE_ID: Id = 8_100_001;

/// A task.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: Id,
    pub text: String,
    pub task_type_id: Id,
    pub responsible_user_id: Id,
    pub created_by: Id,
    pub updated_by: Id,
    pub created_at: i64,
    pub updated_at: i64,
    pub complete_till: i64,
    pub duration: i64,
    pub is_completed: bool,
    /// The completion result text (`result: {text}`), if any.
    pub result: Option<String>,
    /// The lead, contact or company the task is attached to.
    pub entity: Option<EntityRef>,
}

/// A note on a lead, contact or company.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub id: Id,
    pub entity: EntityRef,
    pub note_type: String,
    /// `params` as given (`{text}` for common notes, call details for calls...).
    pub params: Value,
    pub responsible_user_id: Id,
    pub created_by: Id,
    pub updated_by: Id,
    pub created_at: i64,
    pub updated_at: i64,
    pub is_pinned: bool,
}

/// One entry of the events feed. Ids are strings, as on Kommo.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: String,
    /// `lead_added`, `lead_status_changed`, `task_added`, `common_note_added`...
    pub kind: String,
    /// `lead`, `contact`, `company` or `task`.
    pub entity_type: &'static str,
    pub entity_id: Id,
    pub created_by: Id,
    pub created_at: i64,
    pub value_before: Value,
    pub value_after: Value,
}

/// An incoming lead waiting to be accepted or declined.
#[derive(Debug, Clone, PartialEq)]
pub struct Unsorted {
    pub uid: String,
    pub source_uid: String,
    pub source_name: String,
    /// `forms`, `sip`, `chats` or `mail`.
    pub category: String,
    pub pipeline_id: Id,
    pub created_at: i64,
    pub metadata: Value,
    pub lead_id: Id,
    pub contact_ids: Vec<Id>,
}

/// A reason a lead was lost.
#[derive(Debug, Clone, PartialEq)]
pub struct LossReason {
    pub id: Id,
    pub name: String,
    pub sort: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A lead source (an integration's channel).
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub id: Id,
    pub name: String,
    pub pipeline_id: Id,
    pub external_id: String,
    pub default: bool,
    pub origin_code: String,
}

/// Everything in this module's care.
#[derive(Debug, Clone)]
pub struct Activity {
    pub tasks: Table<Task>,
    pub notes: Table<Note>,
    /// Oldest first.
    pub events: Vec<Event>,
    next_event: u64,
    pub unsorted: Vec<Unsorted>,
    pub loss_reasons: Table<LossReason>,
    pub sources: Table<Source>,
}

impl Default for Activity {
    fn default() -> Self {
        Self {
            tasks: Table::new(FIRST_TASK_ID),
            notes: Table::new(FIRST_NOTE_ID),
            events: Vec::new(),
            next_event: 1,
            unsorted: Vec::new(),
            loss_reasons: Table::new(LOSS_REASON_PRICE_ID),
            sources: Table::new(WEB_FORM_SOURCE_ID),
        }
    }
}

/// The singular event name of an entity type (`lead`, `contact`, `company`).
pub fn event_entity(kind: EntityType) -> &'static str {
    match kind {
        EntityType::Leads => "lead",
        EntityType::Contacts => "contact",
        EntityType::Companies => "company",
    }
}

/// Parses `leads|contacts|companies`.
pub fn entity_type(name: &str) -> Option<EntityType> {
    match name {
        "leads" => Some(EntityType::Leads),
        "contacts" => Some(EntityType::Contacts),
        "companies" => Some(EntityType::Companies),
        _ => None,
    }
}

/// Whether the entity exists (and is not deleted).
pub fn entity_exists(store: &Store, entity: EntityRef) -> bool {
    match entity.kind {
        EntityType::Leads => store.leads.get(entity.id).is_some_and(|e| !e.core.is_deleted),
        EntityType::Contacts => store.contacts.get(entity.id).is_some_and(|e| !e.core.is_deleted),
        EntityType::Companies => store.companies.get(entity.id).is_some_and(|e| !e.core.is_deleted),
    }
}

impl Activity {
    /// Appends an event to the feed.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        kind: &str,
        entity_type: &'static str,
        entity_id: Id,
        user: Id,
        at: i64,
        value_before: Value,
        value_after: Value,
    ) {
        let n = self.next_event;
        self.next_event += 1;
        self.events.push(Event {
            id: format!("01k{n:023x}"),
            kind: kind.to_string(),
            entity_type,
            entity_id,
            created_by: user,
            created_at: at,
            value_before,
            value_after,
        });
    }
}

/// Recomputes `closest_task_at` (earliest deadline of open tasks) of one entity.
pub fn refresh_closest_task(store: &mut Store, entity: EntityRef) {
    let closest = store
        .activity
        .tasks
        .iter()
        .filter(|t| !t.is_completed && t.entity == Some(entity))
        .map(|t| t.complete_till)
        .min();
    let core = match entity.kind {
        EntityType::Leads => store.leads.get_mut(entity.id).map(|e| &mut e.core),
        EntityType::Contacts => store.contacts.get_mut(entity.id).map(|e| &mut e.core),
        EntityType::Companies => store.companies.get_mut(entity.id).map(|e| &mut e.core),
    };
    if let Some(core) = core {
        core.closest_task_at = closest;
    }
}

/// Seeds tasks and notes on the fixture entities, a few events, three incoming leads (from the
/// seeded leads sitting in Ventas › Incoming leads), loss reasons and sources.
pub fn seed(store: &mut Store) {
    use super::seed::{ANDINA_COMPANY_ID, ANDINA_LEAD_ID, JUAN_PEREZ_ID};
    let lead = EntityRef::new(EntityType::Leads, ANDINA_LEAD_ID);
    let juan = EntityRef::new(EntityType::Contacts, JUAN_PEREZ_ID);
    let andina = EntityRef::new(EntityType::Companies, ANDINA_COMPANY_ID);
    let tasks = [
        (
            "Llamar a Juan para confirmar la demo",
            1,
            MANAGER_USER_ID,
            2,
            false,
            None,
            Some(lead),
        ),
        (
            "Reunión de cierre con Andina",
            2,
            MANAGER_USER_ID,
            5,
            false,
            None,
            Some(lead),
        ),
        (
            "Enviar propuesta revisada",
            1,
            ADMIN_USER_ID,
            -3,
            true,
            Some("Propuesta enviada por correo"),
            Some(lead),
        ),
        (
            "Confirmar datos de facturación",
            1,
            ADMIN_USER_ID,
            1,
            false,
            None,
            Some(juan),
        ),
        (
            "Visita a la bodega de Andina",
            2,
            MANAGER_USER_ID,
            9,
            false,
            None,
            Some(andina),
        ),
        ("Revisar pipeline semanal", 1, ADMIN_USER_ID, 3, false, None, None),
    ];
    for (i, (text, kind, user, days, done, result, entity)) in tasks.into_iter().enumerate() {
        let id = store.activity.tasks.next_id();
        let created = BASE_TIMESTAMP - (10 - i as i64) * DAY;
        store.activity.tasks.insert(
            id,
            Task {
                id,
                text: text.into(),
                task_type_id: kind,
                responsible_user_id: user,
                created_by: ADMIN_USER_ID,
                updated_by: ADMIN_USER_ID,
                created_at: created,
                updated_at: created,
                complete_till: BASE_TIMESTAMP + days * DAY,
                duration: 0,
                is_completed: done,
                result: result.map(str::to_string),
                entity,
            },
        );
    }
    for entity in [lead, juan, andina] {
        refresh_closest_task(store, entity);
    }
    let notes = [
        (
            lead,
            "common",
            json!({ "text": "El cliente pidió una demo para el equipo de bodega" }),
        ),
        (
            lead,
            "common",
            json!({ "text": "Presupuesto aprobado por gerencia financiera" }),
        ),
        (
            lead,
            "call_out",
            json!({ "uniq": "call-0001", "duration": 240, "source": "sandbox", "link": "", "phone": "+57 300 123 4567" }),
        ),
        (juan, "common", json!({ "text": "Prefiere contacto por WhatsApp" })),
        (
            andina,
            "service_message",
            json!({ "service": "Sandbox", "text": "Empresa importada" }),
        ),
    ];
    for (i, (entity, note_type, params)) in notes.into_iter().enumerate() {
        let id = store.activity.notes.next_id();
        let created = BASE_TIMESTAMP - (8 - i as i64) * DAY;
        store.activity.notes.insert(
            id,
            Note {
                id,
                entity,
                note_type: note_type.into(),
                params,
                responsible_user_id: MANAGER_USER_ID,
                created_by: MANAGER_USER_ID,
                updated_by: MANAGER_USER_ID,
                created_at: created,
                updated_at: created,
                is_pinned: false,
            },
        );
    }
    let at = BASE_TIMESTAMP - 30 * DAY;
    store.activity.record(
        "lead_added",
        "lead",
        ANDINA_LEAD_ID,
        MANAGER_USER_ID,
        at,
        json!([]),
        json!([]),
    );
    store.activity.record(
        "lead_status_changed",
        "lead",
        ANDINA_LEAD_ID,
        MANAGER_USER_ID,
        at + DAY,
        json!([{ "lead_status": { "id": super::seed::VENTAS_CONTACTO_INICIAL_STATUS_ID, "pipeline_id": VENTAS_PIPELINE_ID } }]),
        json!([{ "lead_status": { "id": super::seed::VENTAS_NEGOCIACION_STATUS_ID, "pipeline_id": VENTAS_PIPELINE_ID } }]),
    );
    store.activity.record(
        "contact_added",
        "contact",
        JUAN_PEREZ_ID,
        ADMIN_USER_ID,
        at - DAY,
        json!([]),
        json!([]),
    );
    for (name, sort) in [
        ("Precio demasiado alto", 1),
        ("Eligió a la competencia", 2),
        ("Sin presupuesto", 3),
        ("No responde", 4),
    ] {
        let id = store.activity.loss_reasons.next_id();
        store.activity.loss_reasons.insert(
            id,
            LossReason {
                id,
                name: name.into(),
                sort,
                created_at: BASE_TIMESTAMP - 300 * DAY,
                updated_at: BASE_TIMESTAMP - 300 * DAY,
            },
        );
    }
    for (name, external_id, default) in [("Formulario web", "web-form", true), ("WhatsApp", "wa-main", false)] {
        let id = store.activity.sources.next_id();
        store.activity.sources.insert(
            id,
            Source {
                id,
                name: name.into(),
                pipeline_id: VENTAS_PIPELINE_ID,
                external_id: external_id.into(),
                default,
                origin_code: "sandbox.ext.31000001".into(),
            },
        );
    }
    let incoming: Vec<Id> = store
        .leads
        .iter()
        .filter(|l| l.status_id == VENTAS_INCOMING_STATUS_ID && !l.core.is_deleted)
        .map(|l| l.core.id)
        .take(3)
        .collect();
    let categories = ["forms", "sip", "chats"];
    for (i, lead_id) in incoming.into_iter().enumerate() {
        let contact_ids: Vec<Id> = store
            .linked(EntityRef::new(EntityType::Leads, lead_id), EntityType::Contacts)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        let category = categories[i % categories.len()];
        let metadata = match category {
            "forms" => {
                json!({ "form_id": "web-1", "form_name": "Contacto web", "form_page": "https://sandbox.example/contacto", "ip": "127.0.0.1", "form_sent_at": BASE_TIMESTAMP - DAY, "referer": "https://sandbox.example" })
            }
            "sip" => {
                json!({ "from": "+57 301 555 0101", "phone": "+57 1 555 0000", "called_at": BASE_TIMESTAMP - DAY, "duration": 95, "link": "", "service_code": "sandbox", "is_call_event_needed": false })
            }
            _ => {
                json!({ "from": "WhatsApp", "client": { "name": "Cliente WhatsApp", "avatar": null }, "source_name": "WhatsApp", "last_message_text": "Hola, quiero una cotización" })
            }
        };
        store.activity.unsorted.push(Unsorted {
            uid: format!("sbx-unsorted-{:04}", i + 1),
            source_uid: format!("src-{:04}", i + 1),
            source_name: ["Formulario web", "Telefonía", "WhatsApp"][i % 3].into(),
            category: category.into(),
            pipeline_id: VENTAS_PIPELINE_ID,
            created_at: BASE_TIMESTAMP - (3 - i as i64) * DAY,
            metadata,
            lead_id,
            contact_ids,
        });
    }
}
