//! Deterministic seed data: one Colombian account with 3 users, 3 pipelines, custom fields for
//! every entity type, 300 contacts, 40 companies and 150 leads. A fixed-seed splitmix64 generator
//! and a fixed base timestamp ([`BASE_TIMESTAMP`], 2026-01-01) make every run identical.
//!
//! # Fixtures tests rely on
//!
//! | const | entity | why it exists |
//! |---|---|---|
//! | [`JUAN_PEREZ_ID`] | contact "Juan Pérez", PHONE `+57 300 123 4567` (WORK), EMAIL `juan.perez@example.co` (WORK), company [`ANDINA_COMPANY_ID`], lead [`ANDINA_LEAD_ID`] | the phone everyone searches for |
//! | [`JUANA_PEREZ_GOMEZ_ID`] | contact "Juana Pérez Gómez", PHONE `(300) 123-4567` (MOB, national form, no country code) | same national number, other format |
//! | [`MARIA_RODRIGUEZ_ID`] | contact "María Rodríguez", PHONE `+57 300 123 45670` | decoy: substring match, one digit longer, a different number |
//! | [`CARLOS_RUIZ_ID`] | contact "Carlos Ruiz", PHONE `+57 311 555 0000`, text field "Comentarios" containing `3001234567` | decoy: Kommo's `query` finds him, a phone verifier must not |
//! | [`ANA_GOMEZ_ID`] | contact "Ana Gómez", PHONE `+57 301 999 8877`, EMAIL `ana.gomez@example.co` | an unrelated Colombian number |
//! | [`OLIVER_BROWN_ID`] | contact "Oliver Brown", PHONE `+44 20 7946 0018` | UK number |
//! | [`IVAN_PETROV_ID`] | contact "Ivan Petrov", PHONE `8 (916) 123-45-67` | Russian number with trunk prefix 8 |
//! | [`ANDINA_COMPANY_ID`] | company "Andina Logística S.A.S." | Juan's company |
//! | [`ANDINA_LEAD_ID`] | lead "Implementación CRM — Andina Logística", pipeline Ventas, status Negociación, main contact Juan | a linked lead |
//!
//! Generated contacts never reuse the fixtures' first names, never contain the fixtures' phone
//! digits, and their emails always carry a number (`name.surname42@…`), so searches for the
//! fixtures return exactly the fixtures.

use std::collections::BTreeSet;

use serde_json::json;

use super::store::EntityType::{Companies, Contacts, Leads};
use super::store::FieldType::{Checkbox, Date, Multiselect, Multitext, Numeric, Select, Text, Textarea, Url};
use super::store::{
    Account, Company, Contact, CustomField, EntityCore, EntityRef, EntityType, FieldEnum, FieldType, FieldValue,
    FieldValues, Id, Lead, NewPipeline, NewStatus, Store, Table, Tag, User, STATUS_LOST, STATUS_WON,
};

/// 2026-01-01T00:00:00Z: seed timestamps lie before it.
pub const BASE_TIMESTAMP: i64 = 1_767_225_600;
const DAY: i64 = 86_400;

/// The account id.
pub const ACCOUNT_ID: Id = 31_000_001;
/// "Laura Méndez", administrator; the user the sandbox token acts as.
pub const ADMIN_USER_ID: Id = 9_000_001;
/// "Diego Torres", manager.
pub const MANAGER_USER_ID: Id = 9_000_002;
/// "Emily Carter", manager.
pub const SECOND_MANAGER_USER_ID: Id = 9_000_003;

/// Pipeline "Ventas" (main, incoming leads on).
pub const VENTAS_PIPELINE_ID: Id = 7_000_001;
/// Pipeline "Partners".
pub const PARTNERS_PIPELINE_ID: Id = 7_000_002;
/// Pipeline "Soporte".
pub const SOPORTE_PIPELINE_ID: Id = 7_000_003;
/// Ventas → "Incoming leads" (type 1).
pub const VENTAS_INCOMING_STATUS_ID: Id = 61_000_001;
/// Ventas → "Contacto inicial".
pub const VENTAS_CONTACTO_INICIAL_STATUS_ID: Id = 61_000_002;
/// Ventas → "Negociación".
pub const VENTAS_NEGOCIACION_STATUS_ID: Id = 61_000_003;
/// Ventas → "Propuesta enviada".
pub const VENTAS_PROPUESTA_STATUS_ID: Id = 61_000_004;

/// Contacts: PHONE (multitext).
pub const CONTACT_PHONE_FIELD_ID: Id = 1_000_001;
/// Contacts: EMAIL (multitext).
pub const CONTACT_EMAIL_FIELD_ID: Id = 1_000_002;
/// Contacts: "Position" (text, code POSITION).
pub const CONTACT_POSITION_FIELD_ID: Id = 1_000_003;
/// Contacts: "Comentarios" (text).
pub const CONTACT_NOTES_FIELD_ID: Id = 1_000_004;
/// Companies: PHONE (multitext).
pub const COMPANY_PHONE_FIELD_ID: Id = 1_000_011;
/// Companies: EMAIL (multitext).
pub const COMPANY_EMAIL_FIELD_ID: Id = 1_000_012;
/// Companies: "Web" (url, code WEB).
pub const COMPANY_WEB_FIELD_ID: Id = 1_000_013;
/// Companies: "Dirección" (textarea, code ADDRESS).
pub const COMPANY_ADDRESS_FIELD_ID: Id = 1_000_014;
/// Leads: "Fuente" (select; options include "Búsqueda orgánica").
pub const LEAD_SOURCE_FIELD_ID: Id = 1_000_021;
/// Leads: "Productos de interés" (multiselect).
pub const LEAD_PRODUCTS_FIELD_ID: Id = 1_000_022;
/// Leads: "Unidades" (numeric).
pub const LEAD_UNITS_FIELD_ID: Id = 1_000_023;
/// Leads: "Fecha estimada de cierre" (date).
pub const LEAD_CLOSE_DATE_FIELD_ID: Id = 1_000_024;
/// Leads: "Facturado" (checkbox).
pub const LEAD_INVOICED_FIELD_ID: Id = 1_000_025;
/// Leads: "Sitio del proyecto" (url).
pub const LEAD_PROJECT_URL_FIELD_ID: Id = 1_000_026;
/// Leads: "Notas internas" (text).
pub const LEAD_NOTES_FIELD_ID: Id = 1_000_027;

/// Fixture contact "Juan Pérez".
pub const JUAN_PEREZ_ID: Id = 20_000_001;
/// Fixture contact "Juana Pérez Gómez".
pub const JUANA_PEREZ_GOMEZ_ID: Id = 20_000_002;
/// Fixture decoy "María Rodríguez".
pub const MARIA_RODRIGUEZ_ID: Id = 20_000_003;
/// Fixture decoy "Carlos Ruiz".
pub const CARLOS_RUIZ_ID: Id = 20_000_004;
/// Fixture contact "Ana Gómez".
pub const ANA_GOMEZ_ID: Id = 20_000_005;
/// Fixture contact "Oliver Brown" (UK).
pub const OLIVER_BROWN_ID: Id = 20_000_006;
/// Fixture contact "Ivan Petrov" (Russia).
pub const IVAN_PETROV_ID: Id = 20_000_007;
/// Fixture company "Andina Logística S.A.S.".
pub const ANDINA_COMPANY_ID: Id = 30_000_001;
/// Fixture lead of Juan Pérez and Andina.
pub const ANDINA_LEAD_ID: Id = 10_000_001;

/// Number of seeded contacts (fixtures included).
pub const CONTACT_COUNT: usize = 300;
/// Number of seeded companies (fixtures included).
pub const COMPANY_COUNT: usize = 40;
/// Number of seeded leads (fixtures included).
pub const LEAD_COUNT: usize = 150;

const SEED: u64 = 0x5EED_C0DE_2026_0101;

/// Digit runs of the fixture phones that generated data must not contain.
const FIXTURE_DIGITS: [&str; 5] = ["3001234567", "3115550000", "3019998877", "2079460018", "9161234567"];

/// Builds the seeded account. Same output on every call.
pub fn build() -> Store {
    let mut store = Store {
        account: Account {
            id: ACCOUNT_ID,
            name: "Sandbox Kommo".into(),
            subdomain: "sandbox".into(),
            created_at: BASE_TIMESTAMP - 400 * DAY,
            current_user_id: ADMIN_USER_ID,
            country: "CO".into(),
            currency: "COP".into(),
            currency_symbol: "$".into(),
        },
        users: Table::new(ADMIN_USER_ID),
        pipelines: Table::new(VENTAS_PIPELINE_ID),
        next_status_id: VENTAS_INCOMING_STATUS_ID,
        next_enum_id: 2_000_001,
        custom_fields: Table::new(CONTACT_PHONE_FIELD_ID),
        tags: Table::new(40_001),
        contacts: Table::new(JUAN_PEREZ_ID),
        companies: Table::new(ANDINA_COMPANY_ID),
        leads: Table::new(ANDINA_LEAD_ID),
        links: Vec::new(),
        lists: Default::default(),
        activity: Default::default(),
    };
    let mut rng = Rng(SEED);
    seed_users(&mut store);
    seed_pipelines(&mut store);
    seed_fields(&mut store);
    seed_tags(&mut store);
    seed_companies(&mut store, &mut rng);
    seed_contacts(&mut store, &mut rng);
    seed_leads(&mut store, &mut rng);
    seed_catalogs(&mut store);
    super::activity::seed(&mut store);
    store
}

/// splitmix64: tiny, fast and good enough for fake data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// Uniform in `lo..hi`.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        let span = u64::try_from(hi - lo).unwrap_or(1).max(1);
        lo + i64::try_from(self.below(span)).unwrap_or(0)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let index = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
        &items[index]
    }

    /// `digits` random decimal digits.
    fn digits(&mut self, digits: u32) -> String {
        let n = self.below(10u64.pow(digits));
        format!("{n:0width$}", width = digits as usize)
    }

    /// A created/updated pair within the year before [`BASE_TIMESTAMP`].
    fn timestamps(&mut self) -> (i64, i64) {
        let created = BASE_TIMESTAMP - self.between(DAY, 365 * DAY);
        let updated = created + self.between(0, BASE_TIMESTAMP - created);
        (created, updated)
    }
}

fn seed_users(store: &mut Store) {
    let users = [
        (
            ADMIN_USER_ID,
            "Laura Méndez",
            "laura.mendez@sandbox.example",
            "es",
            true,
        ),
        (
            MANAGER_USER_ID,
            "Diego Torres",
            "diego.torres@sandbox.example",
            "es",
            false,
        ),
        (
            SECOND_MANAGER_USER_ID,
            "Emily Carter",
            "emily.carter@sandbox.example",
            "en",
            false,
        ),
    ];
    for (id, name, email, lang, is_admin) in users {
        store.users.insert(
            id,
            User {
                id,
                name: name.into(),
                email: email.into(),
                lang: lang.into(),
                is_admin,
                is_active: true,
            },
        );
    }
}

fn seed_pipelines(store: &mut Store) {
    let stage = |name: &str, color: &str| NewStatus {
        name: name.into(),
        sort: None,
        color: Some(color.into()),
    };
    store.add_pipeline(NewPipeline {
        name: "Ventas".into(),
        sort: Some(1),
        is_main: true,
        is_unsorted_on: true,
        statuses: vec![
            stage("Contacto inicial", "#99ccff"),
            stage("Negociación", "#ffff99"),
            stage("Propuesta enviada", "#ffcc66"),
        ],
    });
    store.add_pipeline(NewPipeline {
        name: "Partners".into(),
        sort: Some(2),
        is_main: false,
        is_unsorted_on: false,
        statuses: vec![
            stage("Prospecto", "#d6eaff"),
            stage("Evaluación", "#c1e0ff"),
            stage("Acuerdo firmado", "#87f2c0"),
        ],
    });
    store.add_pipeline(NewPipeline {
        name: "Soporte".into(),
        sort: Some(3),
        is_main: false,
        is_unsorted_on: false,
        statuses: vec![
            stage("Nuevo ticket", "#fffeb2"),
            stage("En progreso", "#ffdc7f"),
            stage("Esperando cliente", "#f3beff"),
        ],
    });
}

/// A field definition: `(id, entity, name, code, type, sort, options)`. Multitext options
/// (PHONE/EMAIL types) use their text as `enum_code`; other options have no code.
type FieldSpec = (
    Id,
    EntityType,
    &'static str,
    Option<&'static str>,
    FieldType,
    i64,
    &'static [&'static str],
);

const PHONE_TYPES: &[&str] = &["WORK", "WORKDD", "MOB", "FAX", "HOME", "OTHER"];
const EMAIL_TYPES: &[&str] = &["WORK", "PRIV", "OTHER"];

#[rustfmt::skip]
const FIELDS: [FieldSpec; 15] = [
    (CONTACT_PHONE_FIELD_ID,    Contacts,  "Phone",                    Some("PHONE"),    Multitext,   4,   PHONE_TYPES),
    (CONTACT_EMAIL_FIELD_ID,    Contacts,  "Email",                    Some("EMAIL"),    Multitext,   6,   EMAIL_TYPES),
    (CONTACT_POSITION_FIELD_ID, Contacts,  "Position",                 Some("POSITION"), Text,        2,   &[]),
    (CONTACT_NOTES_FIELD_ID,    Contacts,  "Comentarios",              None,             Text,        500, &[]),
    (COMPANY_PHONE_FIELD_ID,    Companies, "Phone",                    Some("PHONE"),    Multitext,   4,   PHONE_TYPES),
    (COMPANY_EMAIL_FIELD_ID,    Companies, "Email",                    Some("EMAIL"),    Multitext,   6,   EMAIL_TYPES),
    (COMPANY_WEB_FIELD_ID,      Companies, "Web",                      Some("WEB"),      Url,         8,   &[]),
    (COMPANY_ADDRESS_FIELD_ID,  Companies, "Dirección",                Some("ADDRESS"),  Textarea,    10,  &[]),
    (LEAD_SOURCE_FIELD_ID,      Leads,     "Fuente",                   None,             Select,      500, &LEAD_SOURCES),
    (LEAD_PRODUCTS_FIELD_ID,    Leads,     "Productos de interés",     None,             Multiselect, 501, &PRODUCTS),
    (LEAD_UNITS_FIELD_ID,       Leads,     "Unidades",                 None,             Numeric,     502, &[]),
    (LEAD_CLOSE_DATE_FIELD_ID,  Leads,     "Fecha estimada de cierre", None,             Date,        503, &[]),
    (LEAD_INVOICED_FIELD_ID,    Leads,     "Facturado",                None,             Checkbox,    504, &[]),
    (LEAD_PROJECT_URL_FIELD_ID, Leads,     "Sitio del proyecto",       None,             Url,         505, &[]),
    (LEAD_NOTES_FIELD_ID,       Leads,     "Notas internas",           None,             Text,        506, &[]),
];

fn seed_fields(store: &mut Store) {
    for (id, entity_type, name, code, kind, sort, options) in FIELDS {
        let mut enums = Vec::with_capacity(options.len());
        for (position, value) in (1..).zip(options) {
            let enum_id = store.next_enum_id;
            store.next_enum_id += 1;
            let code = (kind == Multitext).then(|| value.to_string());
            enums.push(FieldEnum {
                id: enum_id,
                value: value.to_string(),
                sort: position * 2,
                code,
            });
        }
        let is_predefined = matches!(code, Some("PHONE" | "EMAIL" | "POSITION"));
        let field = CustomField {
            id,
            entity_type,
            name: name.into(),
            code: code.map(Into::into),
            kind,
            sort,
            is_predefined,
            is_api_only: false,
            enums,
        };
        store.custom_fields.insert(id, field);
    }
}

const LEAD_TAGS: [&str; 4] = ["VIP", "Recompra", "Web", "Evento"];

fn seed_tags(store: &mut Store) {
    for name in LEAD_TAGS {
        let id = store.tags.next_id();
        store.tags.insert(
            id,
            Tag {
                id,
                entity_type: EntityType::Leads,
                name: name.into(),
                color: None,
            },
        );
    }
}

/// `{value}` of a text-like field.
fn plain(field_id: Id, value: serde_json::Value) -> FieldValues {
    FieldValues {
        field_id,
        values: vec![FieldValue { value, enum_id: None }],
    }
}

/// Multitext values with their `enum_code`s (WORK, MOB...).
fn typed(store: &Store, field_id: Id, entries: &[(String, &str)]) -> FieldValues {
    let field = store.custom_fields.get(field_id);
    let values = entries
        .iter()
        .map(|(value, code)| FieldValue {
            value: json!(value),
            enum_id: field.and_then(|f| f.enum_by_code(code)).map(|e| e.id),
        })
        .collect();
    FieldValues { field_id, values }
}

/// Values of a select/multiselect field by option text.
fn options(store: &Store, field_id: Id, texts: &[&str]) -> FieldValues {
    let field = store.custom_fields.get(field_id);
    let values = texts
        .iter()
        .filter_map(|text| field.and_then(|f| f.enum_by_value(text)))
        .map(|e| FieldValue {
            value: json!(e.value),
            enum_id: Some(e.id),
        })
        .collect();
    FieldValues { field_id, values }
}

fn seed_companies(store: &mut Store, rng: &mut Rng) {
    let mut core = EntityCore::new(
        ANDINA_COMPANY_ID,
        "Andina Logística S.A.S.".into(),
        MANAGER_USER_ID,
        BASE_TIMESTAMP - 200 * DAY,
        BASE_TIMESTAMP - 20 * DAY,
    );
    core.custom_fields = vec![
        typed(store, COMPANY_PHONE_FIELD_ID, &[("+57 601 745 2200".into(), "WORK")]),
        typed(
            store,
            COMPANY_EMAIL_FIELD_ID,
            &[("contacto@andinalogistica.example".into(), "WORK")],
        ),
        plain(COMPANY_WEB_FIELD_ID, json!("https://andinalogistica.example")),
    ];
    store.companies.insert(ANDINA_COMPANY_ID, Company { core });

    let mut names: BTreeSet<String> = BTreeSet::new();
    while store.companies.len() < COMPANY_COUNT {
        let name = format!(
            "{} {} {}",
            rng.pick(&COMPANY_PREFIXES),
            rng.pick(&COMPANY_SECTORS),
            rng.pick(&COMPANY_FORMS)
        );
        if !names.insert(name.clone()) {
            continue;
        }
        let id = store.companies.next_id();
        let (created, updated) = rng.timestamps();
        let mut core = EntityCore::new(id, name.clone(), *rng.pick(&USERS), created, updated);
        let host = slug(&name);
        if rng.chance(85) {
            let phone = guarded(rng, landline);
            core.custom_fields
                .push(typed(store, COMPANY_PHONE_FIELD_ID, &[(phone, "WORK")]));
        }
        if rng.chance(70) {
            let email = format!("info@{host}.example");
            core.custom_fields
                .push(typed(store, COMPANY_EMAIL_FIELD_ID, &[(email, "WORK")]));
        }
        if rng.chance(60) {
            core.custom_fields
                .push(plain(COMPANY_WEB_FIELD_ID, json!(format!("https://{host}.example"))));
        }
        if rng.chance(40) {
            let address = format!(
                "{} # {}-{}, {}",
                rng.pick(&STREETS),
                rng.between(1, 150),
                rng.between(1, 99),
                rng.pick(&CITIES)
            );
            core.custom_fields.push(plain(COMPANY_ADDRESS_FIELD_ID, json!(address)));
        }
        store.companies.insert(id, Company { core });
    }
}

/// A fixture contact.
struct Fixture {
    id: Id,
    first: &'static str,
    last: &'static str,
    phones: &'static [(&'static str, &'static str)],
    emails: &'static [&'static str],
    notes: Option<&'static str>,
    position: Option<&'static str>,
}

const FIXTURES: [Fixture; 7] = [
    Fixture {
        id: JUAN_PEREZ_ID,
        first: "Juan",
        last: "Pérez",
        phones: &[("+57 300 123 4567", "WORK")],
        emails: &["juan.perez@example.co"],
        notes: None,
        position: Some("Gerente comercial"),
    },
    Fixture {
        id: JUANA_PEREZ_GOMEZ_ID,
        first: "Juana",
        last: "Pérez Gómez",
        phones: &[("(300) 123-4567", "MOB")],
        emails: &[],
        notes: None,
        position: None,
    },
    Fixture {
        id: MARIA_RODRIGUEZ_ID,
        first: "María",
        last: "Rodríguez",
        phones: &[("+57 300 123 45670", "WORK")],
        emails: &["maria.rodriguez@example.co"],
        notes: None,
        position: Some("Jefe de compras"),
    },
    Fixture {
        id: CARLOS_RUIZ_ID,
        first: "Carlos",
        last: "Ruiz",
        phones: &[("+57 311 555 0000", "MOB")],
        emails: &[],
        notes: Some("Pidió que lo llamen al 3001234567 (línea de su asistente)"),
        position: None,
    },
    Fixture {
        id: ANA_GOMEZ_ID,
        first: "Ana",
        last: "Gómez",
        phones: &[("+57 301 999 8877", "MOB")],
        emails: &["ana.gomez@example.co"],
        notes: None,
        position: None,
    },
    Fixture {
        id: OLIVER_BROWN_ID,
        first: "Oliver",
        last: "Brown",
        phones: &[("+44 20 7946 0018", "WORK")],
        emails: &["oliver.brown@example.co.uk"],
        notes: None,
        position: Some("Head of Operations"),
    },
    Fixture {
        id: IVAN_PETROV_ID,
        first: "Ivan",
        last: "Petrov",
        phones: &[("8 (916) 123-45-67", "MOB")],
        emails: &["ivan.petrov@example.ru"],
        notes: None,
        position: None,
    },
];

fn seed_contacts(store: &mut Store, rng: &mut Rng) {
    for (i, fixture) in FIXTURES.iter().enumerate() {
        let age = 30 + i64::try_from(i).unwrap_or(0);
        let name = format!("{} {}", fixture.first, fixture.last);
        let mut core = EntityCore::new(
            fixture.id,
            name,
            MANAGER_USER_ID,
            BASE_TIMESTAMP - age * DAY,
            BASE_TIMESTAMP - (age - 10) * DAY,
        );
        let phones: Vec<(String, &str)> = fixture.phones.iter().map(|(p, c)| (p.to_string(), *c)).collect();
        core.custom_fields.push(typed(store, CONTACT_PHONE_FIELD_ID, &phones));
        if !fixture.emails.is_empty() {
            let emails: Vec<(String, &str)> = fixture.emails.iter().map(|e| (e.to_string(), "WORK")).collect();
            core.custom_fields.push(typed(store, CONTACT_EMAIL_FIELD_ID, &emails));
        }
        if let Some(position) = fixture.position {
            core.custom_fields
                .push(plain(CONTACT_POSITION_FIELD_ID, json!(position)));
        }
        if let Some(notes) = fixture.notes {
            core.custom_fields.push(plain(CONTACT_NOTES_FIELD_ID, json!(notes)));
        }
        let contact = Contact {
            core,
            first_name: fixture.first.into(),
            last_name: fixture.last.into(),
            is_unsorted: false,
        };
        store.contacts.insert(fixture.id, contact);
    }
    let juan = EntityRef::new(EntityType::Contacts, JUAN_PEREZ_ID);
    store.link(juan, EntityRef::new(EntityType::Companies, ANDINA_COMPANY_ID), false);

    let company_ids: Vec<Id> = store.companies.iter().map(|c| c.core.id).collect();
    while store.contacts.len() < CONTACT_COUNT {
        let id = store.contacts.next_id();
        let first = *rng.pick(&FIRST_NAMES);
        let last = if rng.chance(30) {
            format!("{} {}", rng.pick(&LAST_NAMES), rng.pick(&LAST_NAMES))
        } else {
            rng.pick(&LAST_NAMES).to_string()
        };
        let (created, updated) = rng.timestamps();
        let mut core = EntityCore::new(id, format!("{first} {last}"), *rng.pick(&USERS), created, updated);
        let phone_count = match rng.below(100) {
            0..=14 => 0,
            15..=79 => 1,
            _ => 2,
        };
        let phones: Vec<(String, &str)> = (0..phone_count)
            .map(|_| {
                (
                    guarded(rng, random_phone),
                    *rng.pick(&["WORK", "MOB", "MOB", "HOME", "WORKDD"]),
                )
            })
            .collect();
        if !phones.is_empty() {
            core.custom_fields.push(typed(store, CONTACT_PHONE_FIELD_ID, &phones));
        }
        if rng.chance(70) {
            let surname = last.split(' ').next().unwrap_or(&last);
            let email = format!(
                "{}.{}{}@{}",
                ascii_fold(first),
                ascii_fold(surname),
                rng.between(1, 100),
                rng.pick(&EMAIL_DOMAINS)
            );
            let kind = *rng.pick(&["WORK", "PRIV"]);
            core.custom_fields
                .push(typed(store, CONTACT_EMAIL_FIELD_ID, &[(email, kind)]));
        }
        if rng.chance(30) {
            core.custom_fields
                .push(plain(CONTACT_POSITION_FIELD_ID, json!(rng.pick(&POSITIONS))));
        }
        if rng.chance(10) {
            core.custom_fields
                .push(plain(CONTACT_NOTES_FIELD_ID, json!(rng.pick(&CONTACT_NOTES))));
        }
        let contact = Contact {
            core,
            first_name: first.into(),
            last_name: last,
            is_unsorted: false,
        };
        store.contacts.insert(id, contact);
        if rng.chance(40) {
            let company = *rng.pick(&company_ids);
            let me = EntityRef::new(EntityType::Contacts, id);
            store.link(me, EntityRef::new(EntityType::Companies, company), false);
        }
    }
}

fn seed_leads(store: &mut Store, rng: &mut Rng) {
    let mut core = EntityCore::new(
        ANDINA_LEAD_ID,
        "Implementación CRM — Andina Logística".into(),
        MANAGER_USER_ID,
        BASE_TIMESTAMP - 25 * DAY,
        BASE_TIMESTAMP - 3 * DAY,
    );
    core.custom_fields = vec![
        options(store, LEAD_SOURCE_FIELD_ID, &["Búsqueda orgánica"]),
        options(store, LEAD_PRODUCTS_FIELD_ID, &["CRM", "Capacitación"]),
        plain(LEAD_UNITS_FIELD_ID, json!("25")),
    ];
    core.tag_ids = store.tags.iter().filter(|t| t.name == "VIP").map(|t| t.id).collect();
    store.leads.insert(
        ANDINA_LEAD_ID,
        Lead {
            core,
            price: 12_500_000,
            pipeline_id: VENTAS_PIPELINE_ID,
            status_id: VENTAS_NEGOCIACION_STATUS_ID,
            loss_reason_id: None,
            closed_at: None,
            score: None,
            labor_cost: None,
        },
    );
    let lead = EntityRef::new(EntityType::Leads, ANDINA_LEAD_ID);
    store.link(lead, EntityRef::new(EntityType::Contacts, JUAN_PEREZ_ID), true);
    store.link(lead, EntityRef::new(EntityType::Companies, ANDINA_COMPANY_ID), false);

    let contact_ids: Vec<Id> = store.contacts.iter().map(|c| c.core.id).collect();
    let company_ids: Vec<Id> = store.companies.iter().map(|c| c.core.id).collect();
    let tag_ids: Vec<Id> = store.tags.iter().map(|t| t.id).collect();
    while store.leads.len() < LEAD_COUNT {
        let id = store.leads.next_id();
        let pipeline_id = match rng.below(100) {
            0..=59 => VENTAS_PIPELINE_ID,
            60..=79 => PARTNERS_PIPELINE_ID,
            _ => SOPORTE_PIPELINE_ID,
        };
        let Some(pipeline) = store.pipelines.get(pipeline_id) else {
            continue;
        };
        let open: Vec<Id> = pipeline
            .statuses
            .iter()
            .filter(|s| s.id != STATUS_WON && s.id != STATUS_LOST)
            .map(|s| s.id)
            .collect();
        let status_id = match rng.below(100) {
            0..=14 => STATUS_WON,
            15..=24 => STATUS_LOST,
            _ => *rng.pick(&open),
        };
        let contact = *rng.pick(&contact_ids);
        let company = store
            .linked(EntityRef::new(EntityType::Contacts, contact), EntityType::Companies)
            .first()
            .map(|(id, _)| *id)
            .or_else(|| rng.chance(30).then(|| *rng.pick(&company_ids)));
        let party = company
            .and_then(|c| store.companies.get(c))
            .map(|c| c.core.name.clone())
            .or_else(|| store.contacts.get(contact).map(|c| c.core.name.clone()))
            .unwrap_or_default();
        let (created, updated) = rng.timestamps();
        let mut core = EntityCore::new(
            id,
            format!("{} — {party}", rng.pick(&DEAL_KINDS)),
            *rng.pick(&USERS),
            created,
            updated,
        );
        if rng.chance(70) {
            core.custom_fields
                .push(options(store, LEAD_SOURCE_FIELD_ID, &[*rng.pick(&LEAD_SOURCES)]));
        }
        if rng.chance(50) {
            let first = *rng.pick(&PRODUCTS);
            let second = *rng.pick(&PRODUCTS);
            let picked: Vec<&str> = if first == second {
                vec![first]
            } else {
                vec![first, second]
            };
            core.custom_fields.push(options(store, LEAD_PRODUCTS_FIELD_ID, &picked));
        }
        if rng.chance(40) {
            core.custom_fields
                .push(plain(LEAD_UNITS_FIELD_ID, json!(rng.between(1, 200).to_string())));
        }
        if rng.chance(30) {
            let date = BASE_TIMESTAMP + rng.between(1, 120) * DAY;
            core.custom_fields.push(plain(LEAD_CLOSE_DATE_FIELD_ID, json!(date)));
        }
        if status_id == STATUS_WON {
            core.custom_fields
                .push(plain(LEAD_INVOICED_FIELD_ID, json!(rng.chance(70))));
        }
        if rng.chance(10) {
            core.custom_fields.push(plain(
                LEAD_PROJECT_URL_FIELD_ID,
                json!(format!("https://{}.example/proyecto", slug(&party))),
            ));
        }
        if rng.chance(20) {
            core.custom_fields
                .push(plain(LEAD_NOTES_FIELD_ID, json!(rng.pick(&LEAD_NOTES))));
        }
        if rng.chance(25) {
            core.tag_ids.push(*rng.pick(&tag_ids));
        }
        let closed = status_id == STATUS_WON || status_id == STATUS_LOST;
        let price = if rng.chance(5) {
            0
        } else {
            rng.between(1, 500) * 100_000
        };
        store.leads.insert(
            id,
            Lead {
                core,
                price,
                pipeline_id,
                status_id,
                loss_reason_id: None,
                closed_at: closed.then_some(updated),
                score: None,
                labor_cost: None,
            },
        );
        let me = EntityRef::new(EntityType::Leads, id);
        if rng.chance(85) {
            store.link(me, EntityRef::new(EntityType::Contacts, contact), true);
            if rng.chance(15) {
                let second = *rng.pick(&contact_ids);
                store.link(me, EntityRef::new(EntityType::Contacts, second), false);
            }
        }
        if let Some(company) = company {
            store.link(me, EntityRef::new(EntityType::Companies, company), false);
        }
    }
}

/// Calls `make` until the number's digits contain no fixture phone.
fn guarded(rng: &mut Rng, make: fn(&mut Rng) -> String) -> String {
    loop {
        let phone = make(rng);
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        if !FIXTURE_DIGITS.iter().any(|f| digits.contains(f)) {
            return phone;
        }
    }
}

/// A phone in one of the formats real accounts accumulate.
fn random_phone(rng: &mut Rng) -> String {
    match rng.below(100) {
        0..=59 => colombian_mobile(rng),
        60..=69 => us_number(rng),
        70..=79 => mexican_number(rng),
        80..=87 => spanish_mobile(rng),
        88..=93 => uk_number(rng),
        _ => russian_mobile(rng),
    }
}

fn colombian_mobile(rng: &mut Rng) -> String {
    let a = format!("3{}{}", rng.below(3), rng.below(10));
    let (b, c) = (rng.digits(3), rng.digits(4));
    match rng.below(7) {
        0 => format!("+57 {a} {b} {c}"),
        1 => format!("+57{a}{b}{c}"),
        2 => format!("{a}{b}{c}"),
        3 => format!("({a}) {b}-{c}"),
        4 => format!("{a}.{b}.{c}"),
        5 => format!("0057 {a} {b} {c}"),
        _ => format!("+57 ({a}) {b}-{c}"),
    }
}

fn landline(rng: &mut Rng) -> String {
    let (b, c) = (rng.digits(3), rng.digits(4));
    match rng.below(3) {
        0 => format!("+57 601 {b} {c}"),
        1 => format!("(601) {b}-{c}"),
        _ => format!("+576014{}", rng.digits(6)),
    }
}

fn us_number(rng: &mut Rng) -> String {
    let area = rng.pick(&["415", "212", "305", "646", "512"]);
    let line = format!("01{}", rng.digits(2));
    match rng.below(4) {
        0 => format!("+1 ({area}) 555-{line}"),
        1 => format!("+1 {area} 555 {line}"),
        2 => format!("{area}-555-{line}"),
        _ => format!("+1{area}555{line}"),
    }
}

fn mexican_number(rng: &mut Rng) -> String {
    let area = rng.pick(&["55", "33", "81"]);
    let (b, c) = (rng.digits(4), rng.digits(4));
    match rng.below(3) {
        0 => format!("+52 {area} {b} {c}"),
        1 => format!("+52 1 {area} {b} {c}"),
        _ => format!("{area} {b} {c}"),
    }
}

fn spanish_mobile(rng: &mut Rng) -> String {
    let n = format!("6{}", rng.digits(8));
    match rng.below(3) {
        0 => format!("+34 {} {} {}", &n[..3], &n[3..6], &n[6..]),
        1 => format!("{} {} {} {} {}", &n[..3], &n[3..5], &n[5..7], &n[7..9], &n[9..]),
        _ => format!("+34{n}"),
    }
}

fn uk_number(rng: &mut Rng) -> String {
    let tail = format!("0{}", rng.digits(3));
    match rng.below(3) {
        0 => format!("+44 20 7946 {tail}"),
        1 => format!("020 7946 {tail}"),
        _ => format!("+44207946{tail}"),
    }
}

fn russian_mobile(rng: &mut Rng) -> String {
    let code = rng.pick(&["916", "903", "925", "985"]);
    let (a, b, c) = (rng.digits(3), rng.digits(2), rng.digits(2));
    match rng.below(3) {
        0 => format!("8 ({code}) {a}-{b}-{c}"),
        1 => format!("+7 {code} {a}-{b}-{c}"),
        _ => format!("+7{code}{a}{b}{c}"),
    }
}

/// Lower-case ASCII for emails and hostnames: `Sebastián` → `sebastian`.
fn ascii_fold(text: &str) -> String {
    text.chars()
        .filter_map(|c| {
            let c = match c {
                'á' | 'Á' => 'a',
                'é' | 'É' => 'e',
                'í' | 'Í' => 'i',
                'ó' | 'Ó' => 'o',
                'ú' | 'Ú' | 'ü' | 'Ü' => 'u',
                'ñ' | 'Ñ' => 'n',
                c => c,
            };
            c.is_ascii_alphanumeric().then(|| c.to_ascii_lowercase())
        })
        .collect()
}

fn slug(name: &str) -> String {
    name.split_whitespace()
        .take(2)
        .map(ascii_fold)
        .collect::<Vec<_>>()
        .join("")
}

const USERS: [Id; 3] = [ADMIN_USER_ID, MANAGER_USER_ID, SECOND_MANAGER_USER_ID];

/// First names of generated contacts: none of the fixtures' (Juan, Juana, María, Carlos, Ana,
/// Oliver, Ivan), so a name search finds only fixtures.
#[rustfmt::skip]
const FIRST_NAMES: [&str; 40] = [
    "Alejandro", "Andrés", "Camila", "Carolina", "Daniel", "Daniela", "Diego", "Elena", "Emily", "Fernando",
    "Gabriela", "Hannah", "Isabella", "James", "Javier", "Jessica", "Jorge", "José", "Laura", "Lucía",
    "Luis", "Manuel", "Mariana", "Mateo", "Michael", "Natalia", "Olivia", "Pablo", "Paula", "Ricardo",
    "Samuel", "Santiago", "Sara", "Sebastián", "Sofía", "Thomas", "Valentina", "Valeria", "William", "Ximena",
];

/// Surnames of generated contacts (none of the fixtures').
#[rustfmt::skip]
const LAST_NAMES: [&str; 40] = [
    "Acosta", "Álvarez", "Bermúdez", "Castillo", "Castro", "Díaz", "Escobar", "Fernández", "García", "Herrera",
    "Jiménez", "López", "Martínez", "Medina", "Morales", "Navarro", "Ortiz", "Ramírez", "Restrepo", "Ríos",
    "Romero", "Salazar", "Sánchez", "Silva", "Suárez", "Torres", "Vargas", "Vega", "Anderson", "Clark",
    "Davis", "Harris", "Johnson", "Miller", "Moore", "Taylor", "Walker", "White", "Wilson", "Young",
];

const EMAIL_DOMAINS: [&str; 5] = [
    "example.com",
    "example.co",
    "example.org",
    "mail.example",
    "correo.example",
];

#[rustfmt::skip]
const POSITIONS: [&str; 10] = [
    "Gerente general", "Director comercial", "Jefe de compras", "Coordinadora de marketing", "Analista financiero",
    "CEO", "Head of Operations", "Account Manager", "Asistente administrativa", "CTO",
];

#[rustfmt::skip]
const CONTACT_NOTES: [&str; 5] = [
    "Prefiere contacto por WhatsApp", "Llamar en la tarde", "Referido por un cliente",
    "Interesado en el plan anual", "Pidió una demo",
];

#[rustfmt::skip]
const COMPANY_PREFIXES: [&str; 20] = [
    "Altamira", "Bluebird", "Brisa", "Cóndor", "Cordillera", "Delta", "Horizonte", "Nexo", "Northwind", "Pacífico",
    "Quantum", "Sabana", "Sierra", "Solaris", "Tequendama", "Vértice", "Zenit", "Aurora", "Caribe", "Meridian",
];
#[rustfmt::skip]
const COMPANY_SECTORS: [&str; 10] = [
    "Software", "Consultores", "Alimentos", "Textiles", "Energía", "Salud", "Construcciones", "Logistics", "Media", "Agro",
];
const COMPANY_FORMS: [&str; 6] = ["S.A.S.", "Ltda.", "S.A. de C.V.", "S.L.", "Inc.", "Ltd."];
const STREETS: [&str; 4] = ["Calle 93", "Carrera 7", "Avenida 68", "Calle 26"];
const CITIES: [&str; 4] = ["Bogotá", "Medellín", "Cali", "Barranquilla"];

/// Options of the lead "Fuente" select (accented on purpose).
#[rustfmt::skip]
const LEAD_SOURCES: [&str; 5] = ["Búsqueda orgánica", "Referido", "Redes sociales", "Publicidad pagada", "Evento"];
/// Options of the lead "Productos de interés" multiselect.
const PRODUCTS: [&str; 4] = ["CRM", "Automatización", "Soporte premium", "Capacitación"];
#[rustfmt::skip]
const DEAL_KINDS: [&str; 8] = [
    "Licencias CRM", "Implementación", "Renovación anual", "Consultoría", "Soporte premium", "Capacitación equipo",
    "Integración API", "Migración de datos",
];
#[rustfmt::skip]
const LEAD_NOTES: [&str; 4] = [
    "Decisor: gerencia financiera", "Pide descuento por volumen", "Competencia: otro CRM", "Enviar caso de éxito",
];

/// Catalog "Productos" (type products): fields SKU, PRICE, DESCRIPTION; [`PRODUCT_COUNT`] elements.
pub const PRODUCTS_CATALOG_ID: Id = 8_000_001;
/// Catalog "Proveedores" (regular): 2 elements.
pub const SUPPLIERS_CATALOG_ID: Id = 8_000_002;
/// Products: SKU (text, code SKU).
pub const PRODUCT_SKU_FIELD_ID: Id = 1_100_001;
/// Products: price (price, code PRICE).
pub const PRODUCT_PRICE_FIELD_ID: Id = 1_100_002;
/// Products: description (textarea, code DESCRIPTION).
pub const PRODUCT_DESCRIPTION_FIELD_ID: Id = 1_100_003;
/// Element "Licencia CRM Pro" (SKU CRM-PRO), linked to [`ANDINA_LEAD_ID`] with quantity 3.
pub const CRM_PRO_ELEMENT_ID: Id = 50_000_001;
/// Element "Capacitación de equipo" (SKU TRAIN-01), linked to [`ANDINA_LEAD_ID`] with quantity 1.
pub const TRAINING_ELEMENT_ID: Id = 50_000_002;
/// Element "Soporte premium anual" (SKU SUP-PREM), not linked to anything.
pub const SUPPORT_ELEMENT_ID: Id = 50_000_003;
/// Number of elements in the products catalog.
pub const PRODUCT_COUNT: usize = 25;

#[rustfmt::skip]
const PRODUCT_NAMES: [(&str, &str, i64); 8] = [
    ("Licencia CRM Pro", "CRM-PRO", 450_000),
    ("Capacitación de equipo", "TRAIN-01", 1_200_000),
    ("Soporte premium anual", "SUP-PREM", 3_000_000),
    ("Licencia CRM Básica", "CRM-BAS", 150_000),
    ("Integración API", "INT-API", 2_500_000),
    ("Migración de datos", "MIG-DAT", 1_800_000),
    ("Consultoría por hora", "CONS-H", 180_000),
    ("Módulo de automatización", "AUTO-MOD", 900_000),
];

fn seed_catalogs(store: &mut Store) {
    use super::store::{Catalog, CatalogElement, CatalogField, ElementLink};
    let field = |id: Id, name: &str, code: &str, kind: &'static str, sort: i64| CatalogField {
        id,
        name: name.into(),
        code: Some(code.into()),
        kind,
        sort,
    };
    let created_at = BASE_TIMESTAMP - 300 * DAY;
    store.lists.catalogs.insert(
        PRODUCTS_CATALOG_ID,
        Catalog {
            id: PRODUCTS_CATALOG_ID,
            name: "Productos".into(),
            kind: "products",
            sort: 10,
            created_at,
            fields: vec![
                field(PRODUCT_SKU_FIELD_ID, "SKU", "SKU", "text", 10),
                field(PRODUCT_PRICE_FIELD_ID, "Precio", "PRICE", "price", 20),
                field(
                    PRODUCT_DESCRIPTION_FIELD_ID,
                    "Descripción",
                    "DESCRIPTION",
                    "textarea",
                    30,
                ),
            ],
        },
    );
    store.lists.next_field_id = PRODUCT_DESCRIPTION_FIELD_ID + 1;
    let supplier_field = store.lists.next_field_id;
    store.lists.next_field_id += 1;
    store.lists.catalogs.insert(
        SUPPLIERS_CATALOG_ID,
        Catalog {
            id: SUPPLIERS_CATALOG_ID,
            name: "Proveedores".into(),
            kind: "regular",
            sort: 20,
            created_at,
            fields: vec![field(supplier_field, "NIT", "NIT", "text", 10)],
        },
    );
    let element = |id: Id, catalog_id: Id, name: String, fields: Vec<(Id, Vec<serde_json::Value>)>| CatalogElement {
        id,
        catalog_id,
        name,
        created_by: ADMIN_USER_ID,
        updated_by: ADMIN_USER_ID,
        created_at,
        updated_at: created_at + DAY,
        fields,
    };
    for i in 0..PRODUCT_COUNT {
        let id = store.lists.elements.next_id();
        let (name, sku, price) = match PRODUCT_NAMES.get(i) {
            Some((n, s, p)) => (n.to_string(), s.to_string(), *p),
            None => (
                format!("Paquete de horas {:02}", i + 1),
                format!("PKG-{:02}", i + 1),
                100_000 * (i as i64),
            ),
        };
        let fields = vec![
            (PRODUCT_SKU_FIELD_ID, vec![json!({ "value": sku })]),
            (PRODUCT_PRICE_FIELD_ID, vec![json!({ "value": price })]),
        ];
        store
            .lists
            .elements
            .insert(id, element(id, PRODUCTS_CATALOG_ID, name, fields));
    }
    for (name, nit) in [("Distribuidora Andes", "900123456"), ("Tecnología Caribe", "901987654")] {
        let id = store.lists.elements.next_id();
        let fields = vec![(supplier_field, vec![json!({ "value": nit })])];
        store
            .lists
            .elements
            .insert(id, element(id, SUPPLIERS_CATALOG_ID, name.into(), fields));
    }
    let lead = EntityRef::new(EntityType::Leads, ANDINA_LEAD_ID);
    for (element_id, quantity) in [(CRM_PRO_ELEMENT_ID, 3.0), (TRAINING_ELEMENT_ID, 1.0)] {
        store.lists.element_links.push(ElementLink {
            entity: lead,
            catalog_id: PRODUCTS_CATALOG_ID,
            element_id,
            quantity,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::list::Search;

    #[test]
    fn seed_is_deterministic() {
        let (a, b) = (build(), build());
        let names = |s: &Store| s.contacts.iter().map(|c| c.core.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&a), names(&b));
        assert_eq!(a.links, b.links);
    }

    #[test]
    fn seed_has_the_documented_sizes_and_fixture_ids() {
        let store = build();
        assert_eq!(store.contacts.len(), CONTACT_COUNT);
        assert_eq!(store.companies.len(), COMPANY_COUNT);
        assert_eq!(store.leads.len(), LEAD_COUNT);
        let name = |id| store.contacts.get(id).map(|c| c.core.name.as_str());
        assert_eq!(name(JUAN_PEREZ_ID), Some("Juan Pérez"));
        assert_eq!(name(JUANA_PEREZ_GOMEZ_ID), Some("Juana Pérez Gómez"));
        assert_eq!(name(IVAN_PETROV_ID), Some("Ivan Petrov"));
        let ventas = store.pipelines.get(VENTAS_PIPELINE_ID).map(|p| p.name.as_str());
        assert_eq!(ventas, Some("Ventas"));
        let status = |sid| {
            store
                .pipelines
                .get(VENTAS_PIPELINE_ID)
                .and_then(|p| p.status(sid))
                .map(|s| s.name.clone())
        };
        assert_eq!(status(VENTAS_INCOMING_STATUS_ID).as_deref(), Some("Incoming leads"));
        assert_eq!(status(VENTAS_NEGOCIACION_STATUS_ID).as_deref(), Some("Negociación"));
        assert_eq!(status(VENTAS_PROPUESTA_STATUS_ID).as_deref(), Some("Propuesta enviada"));
        let soporte = store.pipelines.get(SOPORTE_PIPELINE_ID).map(|p| p.name.as_str());
        assert_eq!(soporte, Some("Soporte"));
    }

    #[test]
    fn only_fixtures_match_the_fixture_phone_digits() {
        let store = build();
        let search = Search::new("3001234567");
        let found: Vec<Id> = store
            .contacts
            .iter()
            .filter(|c| search.matches(&c.core))
            .map(|c| c.core.id)
            .collect();
        assert_eq!(
            found,
            vec![JUAN_PEREZ_ID, JUANA_PEREZ_GOMEZ_ID, MARIA_RODRIGUEZ_ID, CARLOS_RUIZ_ID]
        );
    }
}
