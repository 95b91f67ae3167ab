//! Schemas of the Kommo API v4 write payloads (kommo-api-v4.md sections 6.3-6.5, 7, 8.1-8.3).
//!
//! Each schema validates one item of a `POST`/`PATCH` array; [`Schema::batch_max`] is Kommo's
//! limit on items per request (250, 50 for `/leads/complex`).

use super::{opt, req, ObjectSchema, Rule, Ty, MAX_SAFE};

/// A named payload schema.
#[derive(Debug)]
pub struct Schema {
    /// JS export name, e.g. `leadCreateSchema`.
    pub js_name: &'static str,
    /// What one item is, for messages: `lead (create)`.
    pub what: &'static str,
    pub ty: Ty,
    /// Items per Kommo request.
    pub batch_max: usize,
}

const ID: Ty = Ty::Int { min: 1, max: MAX_SAFE };
/// User ids: 0 is the robot (`created_by: 0`).
const USER: Ty = Ty::Int { min: 0, max: MAX_SAFE };
/// Unix seconds.
const TS: Ty = Ty::Int { min: 0, max: MAX_SAFE };
const COUNT: Ty = Ty::Int { min: 0, max: MAX_SAFE };
const TEXT: Ty = Ty::Str {
    min: 0,
    max: usize::MAX,
    trim: false,
};
const NON_EMPTY: Ty = Ty::Str {
    min: 1,
    max: usize::MAX,
    trim: true,
};
const NAME: Ty = Ty::Str {
    min: 0,
    max: 255,
    trim: false,
};

/// Kommo's limit on entities per POST/PATCH request.
pub const BATCH_MAX: usize = 250;
/// Kommo's limit on leads per `/leads/complex` request.
pub const COMPLEX_BATCH_MAX: usize = 50;
/// Custom field values per entity in complex creation.
pub const COMPLEX_FIELD_VALUES_MAX: usize = 40;

/// `custom_fields_values[].values[]`.
pub static FIELD_VALUE: ObjectSchema = ObjectSchema {
    what: "custom field value",
    fields: &[
        opt("value", Ty::FieldValue),
        opt("enum_id", ID),
        opt("enum_code", NON_EMPTY),
        opt("subtype", TEXT),
        // Legacy amoCRM spelling of enum_code, still read back from older accounts.
        opt("enum", NON_EMPTY),
    ],
    rules: &[Rule::AnyOf(&["value", "enum_id", "enum_code"])],
    open: false,
};

static FIELD_VALUE_TY: Ty = Ty::Object(&FIELD_VALUE);
static FIELD_VALUES_TY: Ty = Ty::Array {
    item: &FIELD_VALUE_TY,
    min: 0,
    max: usize::MAX,
};

/// `custom_fields_values[]`: `{ field_id | field_code, values }`; `values: null` clears the field.
pub static CUSTOM_FIELD: ObjectSchema = ObjectSchema {
    what: "custom field",
    fields: &[
        opt("field_id", ID),
        opt("field_code", NON_EMPTY),
        req("values", Ty::Nullable(&FIELD_VALUES_TY)),
        // Read-only keys that appear when a read entity is sent back.
        opt("field_name", TEXT),
        opt("field_type", TEXT),
        opt("is_computed", Ty::Bool),
    ],
    rules: &[Rule::AnyOf(&["field_id", "field_code"])],
    open: false,
};

/// A tag reference: `{ id }` or `{ name }`.
pub static TAG_REF: ObjectSchema = ObjectSchema {
    what: "tag",
    fields: &[opt("id", ID), opt("name", NON_EMPTY), opt("color", TEXT)],
    rules: &[Rule::AnyOf(&["id", "name"])],
    open: false,
};
static TAG_REF_TY: Ty = Ty::Object(&TAG_REF);
static TAGS_TY: Ty = Ty::Array {
    item: &TAG_REF_TY,
    min: 0,
    max: usize::MAX,
};

/// A linked entity `{ id, is_main? }`.
pub static ENTITY_REF: ObjectSchema = ObjectSchema {
    what: "linked entity",
    fields: &[req("id", ID), opt("is_main", Ty::Bool)],
    rules: &[],
    open: false,
};
static ENTITY_REF_TY: Ty = Ty::Object(&ENTITY_REF);
const ENTITY_REFS: Ty = Ty::Array {
    item: &ENTITY_REF_TY,
    min: 0,
    max: usize::MAX,
};

/// `_embedded.source`.
pub static SOURCE: ObjectSchema = ObjectSchema {
    what: "source",
    fields: &[req("external_id", Ty::Any), opt("type", Ty::OneOf(&["widget"]))],
    rules: &[],
    open: false,
};

// ---- leads ----

static LEAD_CREATE_EMBEDDED: ObjectSchema = ObjectSchema {
    what: "lead _embedded",
    fields: &[
        opt("tags", TAGS_TY_COPY),
        opt("contacts", ENTITY_REFS),
        opt("companies", ENTITY_REFS),
        opt("source", Ty::Object(&SOURCE)),
    ],
    rules: &[],
    open: false,
};

// `Ty` is not `Copy`; a const duplicate of the tags array type for use in several tables.
const TAGS_TY_COPY: Ty = Ty::Array {
    item: &TAG_REF_TY,
    min: 0,
    max: usize::MAX,
};

static LEAD_UPDATE_EMBEDDED: ObjectSchema = ObjectSchema {
    what: "lead _embedded",
    // On update `_embedded.tags` replaces the whole set; null removes every tag.
    fields: &[opt("tags", Ty::Nullable(&TAGS_TY))],
    rules: &[],
    open: false,
};

macro_rules! lead_fields {
    ($($extra:expr),* $(,)?) => {
        &[
            $($extra,)*
            opt("name", NAME),
            opt("price", COUNT),
            opt("status_id", ID),
            opt("pipeline_id", ID),
            opt("created_by", USER),
            opt("updated_by", USER),
            opt("created_at", TS),
            opt("updated_at", TS),
            opt("closed_at", TS),
            opt("loss_reason_id", ID),
            opt("responsible_user_id", USER),
            opt("tags_to_add", TAGS_TY_COPY),
            opt("visitor_uid", TEXT),
            opt("request_id", TEXT),
        ]
    };
}

pub static LEAD_CREATE_OBJ: ObjectSchema = ObjectSchema {
    what: "lead",
    fields: lead_fields!(
        opt("custom_fields_values", Ty::CustomFields { max_values: None }),
        opt("_embedded", Ty::Object(&LEAD_CREATE_EMBEDDED)),
    ),
    rules: &[],
    open: false,
};

pub static LEAD_UPDATE_OBJ: ObjectSchema = ObjectSchema {
    what: "lead",
    fields: lead_fields!(
        req("id", ID),
        opt("custom_fields_values", Ty::CustomFields { max_values: None }),
        opt("_embedded", Ty::Object(&LEAD_UPDATE_EMBEDDED)),
        opt("tags_to_delete", TAGS_TY_COPY),
    ),
    rules: &[],
    open: false,
};

// ---- contacts and companies ----

static TAGS_EMBEDDED: ObjectSchema = ObjectSchema {
    what: "_embedded",
    fields: &[opt("tags", TAGS_TY_COPY)],
    rules: &[],
    open: false,
};
static TAGS_EMBEDDED_UPDATE: ObjectSchema = ObjectSchema {
    what: "_embedded",
    fields: &[opt("tags", Ty::Nullable(&TAGS_TY))],
    rules: &[],
    open: false,
};

macro_rules! party_fields {
    ($($extra:expr),* $(,)?) => {
        &[
            $($extra,)*
            opt("name", NAME),
            opt("responsible_user_id", USER),
            opt("created_by", USER),
            opt("updated_by", USER),
            opt("created_at", TS),
            opt("updated_at", TS),
            opt("tags_to_add", TAGS_TY_COPY),
            opt("request_id", TEXT),
        ]
    };
}

pub static CONTACT_CREATE_OBJ: ObjectSchema = ObjectSchema {
    what: "contact",
    fields: party_fields!(
        opt("first_name", NAME),
        opt("last_name", NAME),
        opt("custom_fields_values", Ty::CustomFields { max_values: None }),
        opt("_embedded", Ty::Object(&TAGS_EMBEDDED)),
    ),
    rules: &[],
    open: false,
};

pub static CONTACT_UPDATE_OBJ: ObjectSchema = ObjectSchema {
    what: "contact",
    fields: party_fields!(
        req("id", ID),
        opt("first_name", NAME),
        opt("last_name", NAME),
        opt("custom_fields_values", Ty::CustomFields { max_values: None }),
        opt("_embedded", Ty::Object(&TAGS_EMBEDDED_UPDATE)),
        opt("tags_to_delete", TAGS_TY_COPY),
    ),
    rules: &[],
    open: false,
};

pub static COMPANY_CREATE_OBJ: ObjectSchema = ObjectSchema {
    what: "company",
    fields: party_fields!(
        opt("custom_fields_values", Ty::CustomFields { max_values: None }),
        opt("_embedded", Ty::Object(&TAGS_EMBEDDED)),
    ),
    rules: &[],
    open: false,
};

pub static COMPANY_UPDATE_OBJ: ObjectSchema = ObjectSchema {
    what: "company",
    fields: party_fields!(
        req("id", ID),
        opt("custom_fields_values", Ty::CustomFields { max_values: None }),
        opt("_embedded", Ty::Object(&TAGS_EMBEDDED_UPDATE)),
        opt("tags_to_delete", TAGS_TY_COPY),
    ),
    rules: &[],
    open: false,
};

// ---- tasks ----

/// Entity types a task or note can be attached to.
pub const TASK_ENTITY_TYPES: &[&str] = &["leads", "contacts", "companies", "customers"];

static TASK_RESULT: ObjectSchema = ObjectSchema {
    what: "task result",
    fields: &[req("text", NON_EMPTY)],
    rules: &[],
    open: false,
};

macro_rules! task_fields {
    ($($extra:expr),* $(,)?) => {
        &[
            $($extra,)*
            opt("task_type_id", ID),
            opt("entity_id", ID),
            opt("entity_type", Ty::OneOf(TASK_ENTITY_TYPES)),
            opt("responsible_user_id", USER),
            opt("created_by", USER),
            opt("updated_by", USER),
            opt("created_at", TS),
            opt("updated_at", TS),
            opt("duration", COUNT),
            opt("is_completed", Ty::Bool),
            opt("result", Ty::Object(&TASK_RESULT)),
            opt("request_id", TEXT),
        ]
    };
}

pub static TASK_CREATE_OBJ: ObjectSchema = ObjectSchema {
    what: "task",
    fields: task_fields!(req("text", NON_EMPTY), req("complete_till", TS)),
    rules: &[Rule::Together(&["entity_id", "entity_type"])],
    open: false,
};

pub static TASK_UPDATE_OBJ: ObjectSchema = ObjectSchema {
    what: "task",
    fields: task_fields!(req("id", ID), opt("text", NON_EMPTY), opt("complete_till", TS)),
    rules: &[Rule::Together(&["entity_id", "entity_type"])],
    open: false,
};

// ---- notes ----

/// Note types Kommo documents (kommo-api-v4.md 8.2).
pub const NOTE_TYPES: &[&str] = &[
    "common",
    "call_in",
    "call_out",
    "service_message",
    "extended_service_message",
    "geolocation",
    "sms_in",
    "sms_out",
    "attachment",
    "amomail_message",
    "chat",
    "site_visit",
    "targeting_in",
    "targeting_out",
    "transaction",
    "message_cashier",
    "invoice_paid",
    "zoom_meeting",
    "dropbox_attachment",
    "link_followed",
    "bill_paid",
    "ai_result",
];

/// Note types whose text lives in `params.text` and is required.
pub const NOTE_TYPES_WITH_TEXT: &[&str] = &["common", "service_message", "sms_in", "sms_out"];

/// `params` depends on the note type; its keys are checked loosely (any JSON), `text` must be a string.
static NOTE_PARAMS: ObjectSchema = ObjectSchema {
    what: "note params",
    fields: &[opt("text", NON_EMPTY)],
    rules: &[],
    open: true,
};

pub static NOTE_CREATE_OBJ: ObjectSchema = ObjectSchema {
    what: "note",
    fields: &[
        req("entity_id", ID),
        req("note_type", Ty::OneOf(NOTE_TYPES)),
        opt("params", Ty::Object(&NOTE_PARAMS)),
        opt("request_id", TEXT),
        opt("responsible_user_id", USER),
        opt("created_by", USER),
        opt("created_at", TS),
        opt("is_need_to_trigger_digital_pipeline", Ty::Bool),
    ],
    rules: &[Rule::NoteText(NOTE_TYPES_WITH_TEXT)],
    open: false,
};

pub static NOTE_UPDATE_OBJ: ObjectSchema = ObjectSchema {
    what: "note",
    fields: &[
        req("id", ID),
        req("entity_id", ID),
        opt("note_type", Ty::OneOf(NOTE_TYPES)),
        opt("params", Ty::Object(&NOTE_PARAMS)),
        opt("request_id", TEXT),
        opt("responsible_user_id", USER),
        opt("updated_by", USER),
        opt("updated_at", TS),
    ],
    rules: &[Rule::NoteText(NOTE_TYPES_WITH_TEXT)],
    open: false,
};

// ---- complex leads ----

static COMPLEX_CONTACT: ObjectSchema = ObjectSchema {
    what: "contact",
    fields: party_fields!(
        opt("first_name", NAME),
        opt("last_name", NAME),
        opt(
            "custom_fields_values",
            Ty::CustomFields {
                max_values: Some(COMPLEX_FIELD_VALUES_MAX)
            }
        ),
        opt("_embedded", Ty::Object(&TAGS_EMBEDDED)),
    ),
    rules: &[],
    open: false,
};
static COMPLEX_CONTACT_TY: Ty = Ty::Object(&COMPLEX_CONTACT);

static COMPLEX_COMPANY: ObjectSchema = ObjectSchema {
    what: "company",
    fields: party_fields!(
        opt(
            "custom_fields_values",
            Ty::CustomFields {
                max_values: Some(COMPLEX_FIELD_VALUES_MAX)
            }
        ),
        opt("_embedded", Ty::Object(&TAGS_EMBEDDED)),
    ),
    rules: &[],
    open: false,
};
static COMPLEX_COMPANY_TY: Ty = Ty::Object(&COMPLEX_COMPANY);

static COMPLEX_EMBEDDED: ObjectSchema = ObjectSchema {
    what: "complex lead _embedded",
    fields: &[
        // One contact and one company per lead (Kommo's limit).
        opt(
            "contacts",
            Ty::Array {
                item: &COMPLEX_CONTACT_TY,
                min: 0,
                max: 1,
            },
        ),
        opt(
            "companies",
            Ty::Array {
                item: &COMPLEX_COMPANY_TY,
                min: 0,
                max: 1,
            },
        ),
        opt("tags", TAGS_TY_COPY),
        opt("source", Ty::Object(&SOURCE)),
        opt("metadata", Ty::Any),
    ],
    rules: &[],
    open: false,
};

pub static COMPLEX_LEAD_OBJ: ObjectSchema = ObjectSchema {
    what: "complex lead",
    fields: lead_fields!(
        opt(
            "custom_fields_values",
            Ty::CustomFields {
                max_values: Some(COMPLEX_FIELD_VALUES_MAX)
            }
        ),
        opt("_embedded", Ty::Object(&COMPLEX_EMBEDDED)),
    ),
    rules: &[],
    open: false,
};

macro_rules! schema {
    ($name:ident, $js:literal, $what:literal, $obj:ident, $max:expr) => {
        pub static $name: Schema = Schema {
            js_name: $js,
            what: $what,
            ty: Ty::Object(&$obj),
            batch_max: $max,
        };
    };
}

schema!(LEAD_CREATE, "leadCreateSchema", "lead", LEAD_CREATE_OBJ, BATCH_MAX);
schema!(
    LEAD_UPDATE,
    "leadUpdateSchema",
    "lead update",
    LEAD_UPDATE_OBJ,
    BATCH_MAX
);
schema!(
    CONTACT_CREATE,
    "contactCreateSchema",
    "contact",
    CONTACT_CREATE_OBJ,
    BATCH_MAX
);
schema!(
    CONTACT_UPDATE,
    "contactUpdateSchema",
    "contact update",
    CONTACT_UPDATE_OBJ,
    BATCH_MAX
);
schema!(
    COMPANY_CREATE,
    "companyCreateSchema",
    "company",
    COMPANY_CREATE_OBJ,
    BATCH_MAX
);
schema!(
    COMPANY_UPDATE,
    "companyUpdateSchema",
    "company update",
    COMPANY_UPDATE_OBJ,
    BATCH_MAX
);
schema!(TASK_CREATE, "taskCreateSchema", "task", TASK_CREATE_OBJ, BATCH_MAX);
schema!(
    TASK_UPDATE,
    "taskUpdateSchema",
    "task update",
    TASK_UPDATE_OBJ,
    BATCH_MAX
);
schema!(NOTE_CREATE, "noteCreateSchema", "note", NOTE_CREATE_OBJ, BATCH_MAX);
schema!(
    NOTE_UPDATE,
    "noteUpdateSchema",
    "note update",
    NOTE_UPDATE_OBJ,
    BATCH_MAX
);
schema!(
    COMPLEX_LEAD,
    "complexLeadSchema",
    "complex lead",
    COMPLEX_LEAD_OBJ,
    COMPLEX_BATCH_MAX
);

/// Every payload schema.
pub static ALL: [&Schema; 11] = [
    &LEAD_CREATE,
    &LEAD_UPDATE,
    &CONTACT_CREATE,
    &CONTACT_UPDATE,
    &COMPANY_CREATE,
    &COMPANY_UPDATE,
    &TASK_CREATE,
    &TASK_UPDATE,
    &NOTE_CREATE,
    &NOTE_UPDATE,
    &COMPLEX_LEAD,
];

impl Schema {
    /// Issues of one item.
    pub fn check<V: super::Input>(&self, v: &V) -> Vec<super::Issue> {
        super::check(&self.ty, v)
    }

    /// Issues of a whole request body: an array of 1..=`batch_max` items (paths start with the index).
    pub fn check_batch<V: super::Input>(&'static self, v: &V) -> Vec<super::Issue> {
        let item: &'static Ty = &self.ty;
        let batch = Ty::Array {
            item,
            min: 1,
            max: self.batch_max,
        };
        let mut issues = super::check(&batch, v);
        for issue in &mut issues {
            if issue.code == "too_big" && issue.path.is_empty() {
                issue.message = format!(
                    "too big: Kommo accepts at most {} {}s per request, received {}; split the batch",
                    self.batch_max,
                    self.what,
                    v.array_len()
                );
            }
        }
        issues
    }
}
