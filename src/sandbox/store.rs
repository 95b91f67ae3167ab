//! The in-memory state of one sandbox account.
//!
//! Everything lives in one [`Store`] behind a mutex in the server state: handlers lock it, read or
//! change it, render their JSON and release it, so every request sees a consistent account.
//! Entities are typed structs; their JSON shape is produced by each resource module at render time.
//! Relations between entities (lead↔contact, contact↔company...) are kept in one link table so a
//! future `/link` API reads and writes the same data the `_embedded` blocks are built from.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// Kommo ids are integers (events and unsorted are the exceptions, not emulated yet).
pub type Id = i64;

/// The entity types that can carry custom fields, tags and links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntityType {
    /// `leads`
    Leads,
    /// `contacts`
    Contacts,
    /// `companies`
    Companies,
}

impl EntityType {
    /// The name used in paths and in `_embedded`, e.g. `contacts`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::Leads => "leads",
            EntityType::Contacts => "contacts",
            EntityType::Companies => "companies",
        }
    }
}

/// A reference to one entity, used by the link table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntityRef {
    /// Which table.
    pub kind: EntityType,
    /// Row id in that table.
    pub id: Id,
}

impl EntityRef {
    /// Shorthand constructor.
    pub fn new(kind: EntityType, id: Id) -> Self {
        Self { kind, id }
    }
}

/// A link between two entities. Links are symmetric: stored once, found from either side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// One end (by convention the lead, or the contact in a contact↔company link).
    pub from: EntityRef,
    /// The other end.
    pub to: EntityRef,
    /// `is_main` / `main_contact` metadata for lead→contact links.
    pub is_main: bool,
}

/// One value of a custom field as stored on an entity.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldValue {
    /// The value as Kommo returns it: a string for text-like fields, a number for dates,
    /// a bool for checkboxes, the option text for enum fields.
    pub value: Value,
    /// Option id for enum fields (select, multiselect, multitext...); `enum_code` is derived from it.
    pub enum_id: Option<Id>,
}

/// The values an entity holds for one custom field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldValues {
    /// Definition id; name, code and type are read from the definition when rendering.
    pub field_id: Id,
    /// Never empty: a field without values is removed from the entity.
    pub values: Vec<FieldValue>,
}

/// Fields shared by leads, contacts and companies (and the parts of the list machinery that
/// filter, search and sort them).
#[derive(Debug, Clone, PartialEq)]
pub struct EntityCore {
    /// Entity id.
    pub id: Id,
    /// Display name.
    pub name: String,
    /// Owner.
    pub responsible_user_id: Id,
    /// Group of the owner (0 = main group).
    pub group_id: Id,
    /// Creator (0 = robot).
    pub created_by: Id,
    /// Last editor.
    pub updated_by: Id,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds, bumped on every write.
    pub updated_at: i64,
    /// Deadline of the nearest open task, if any.
    pub closest_task_at: Option<i64>,
    /// Soft-deleted flag.
    pub is_deleted: bool,
    /// Custom field values in the order they were first set.
    pub custom_fields: Vec<FieldValues>,
    /// Tag ids (tags of this entity type).
    pub tag_ids: Vec<Id>,
}

impl EntityCore {
    /// A core with the given identity and timestamps, no values, no tags.
    pub fn new(id: Id, name: String, user: Id, created_at: i64, updated_at: i64) -> Self {
        Self {
            id,
            name,
            responsible_user_id: user,
            group_id: 0,
            created_by: user,
            updated_by: user,
            created_at,
            updated_at,
            closest_task_at: None,
            is_deleted: false,
            custom_fields: Vec::new(),
            tag_ids: Vec::new(),
        }
    }

    /// Marks a write: `updated_at` always moves forward, even for two writes in one second.
    pub fn touch(&mut self, now: i64, by: Id) {
        self.updated_at = now.max(self.updated_at + 1);
        self.updated_by = by;
    }
}

/// A contact.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    /// Shared fields.
    pub core: EntityCore,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Created from an incoming (unsorted) lead and not yet accepted.
    pub is_unsorted: bool,
}

/// A company.
#[derive(Debug, Clone, PartialEq)]
pub struct Company {
    /// Shared fields.
    pub core: EntityCore,
}

/// A lead (deal).
#[derive(Debug, Clone, PartialEq)]
pub struct Lead {
    /// Shared fields.
    pub core: EntityCore,
    /// Budget in account currency units.
    pub price: i64,
    /// Pipeline the lead is in.
    pub pipeline_id: Id,
    /// Stage within the pipeline (142 won, 143 lost in every pipeline).
    pub status_id: Id,
    /// Why it was lost.
    pub loss_reason_id: Option<Id>,
    /// When it reached 142/143.
    pub closed_at: Option<i64>,
    /// Lead score (not computed by the sandbox).
    pub score: Option<i64>,
    /// Labor cost (not computed by the sandbox).
    pub labor_cost: Option<i64>,
}

/// A pipeline stage.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// Status id; 142 and 143 repeat in every pipeline.
    pub id: Id,
    /// Display name.
    pub name: String,
    /// Position.
    pub sort: i64,
    /// False for system statuses (incoming, won, lost).
    pub is_editable: bool,
    /// `#rrggbb`.
    pub color: String,
    /// 1 = incoming leads (unsorted), 0 = regular.
    pub kind: i64,
}

/// Status id of "Closed - won", the same in every pipeline.
pub const STATUS_WON: Id = 142;
/// Status id of "Closed - lost", the same in every pipeline.
pub const STATUS_LOST: Id = 143;
/// Kommo's limit of pipelines per account.
pub const MAX_PIPELINES: usize = 50;
/// Kommo's limit of statuses per pipeline.
pub const MAX_STATUSES: usize = 100;

/// A sales pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    /// Pipeline id.
    pub id: Id,
    /// Display name.
    pub name: String,
    /// Position.
    pub sort: i64,
    /// The account's main pipeline (exactly one).
    pub is_main: bool,
    /// Whether incoming leads are enabled (adds a type-1 status).
    pub is_unsorted_on: bool,
    /// Archived pipelines keep their leads but take no new ones.
    pub is_archive: bool,
    /// Stages, kept sorted by `sort`.
    pub statuses: Vec<Status>,
}

impl Pipeline {
    /// The stage with this id in this pipeline.
    pub fn status(&self, status_id: Id) -> Option<&Status> {
        self.statuses.iter().find(|s| s.id == status_id)
    }

    /// The first regular stage: where a lead lands when no status is given.
    pub fn first_open_status(&self) -> Option<&Status> {
        self.statuses
            .iter()
            .filter(|s| s.kind == 0 && s.id != STATUS_WON && s.id != STATUS_LOST)
            .min_by_key(|s| s.sort)
    }
}

/// A pipeline to create with [`Store::add_pipeline`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewPipeline {
    /// Display name.
    pub name: String,
    /// Position; after the last pipeline when absent.
    pub sort: Option<i64>,
    /// Make it the main pipeline.
    pub is_main: bool,
    /// Enable incoming leads (adds the type-1 stage).
    pub is_unsorted_on: bool,
    /// Regular stages, in order.
    pub statuses: Vec<NewStatus>,
}

/// A stage of a [`NewPipeline`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewStatus {
    /// Display name.
    pub name: String,
    /// Position.
    pub sort: Option<i64>,
    /// `#rrggbb`.
    pub color: Option<String>,
}

/// A user of the account.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// User id.
    pub id: Id,
    /// Full name.
    pub name: String,
    /// Login email.
    pub email: String,
    /// Interface language.
    pub lang: String,
    /// Account administrator.
    pub is_admin: bool,
    /// Can log in.
    pub is_active: bool,
}

/// A tag; tag ids are per entity type as on Kommo.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    /// Tag id.
    pub id: Id,
    /// Which entities it labels.
    pub entity_type: EntityType,
    /// Tag text (unique per entity type, case-insensitively).
    pub name: String,
    /// Hex colour without `#`, or none.
    pub color: Option<String>,
}

/// Custom field types the sandbox knows (a subset of Kommo's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Single line of text.
    Text,
    /// Multi-line text.
    Textarea,
    /// Number (Kommo returns it as a string).
    Numeric,
    /// Boolean.
    Checkbox,
    /// One option.
    Select,
    /// One option, shown as radio buttons.
    Radiobutton,
    /// Several options.
    Multiselect,
    /// Several typed values (PHONE, EMAIL).
    Multitext,
    /// Unix seconds.
    Date,
    /// Unix seconds.
    DateTime,
    /// Unix seconds.
    Birthday,
    /// A URL.
    Url,
}

impl FieldType {
    /// Wire name, e.g. `multitext`.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Textarea => "textarea",
            FieldType::Numeric => "numeric",
            FieldType::Checkbox => "checkbox",
            FieldType::Select => "select",
            FieldType::Radiobutton => "radiobutton",
            FieldType::Multiselect => "multiselect",
            FieldType::Multitext => "multitext",
            FieldType::Date => "date",
            FieldType::DateTime => "date_time",
            FieldType::Birthday => "birthday",
            FieldType::Url => "url",
        }
    }

    /// Whether values carry `enum_id`/`enum_code`.
    pub fn has_enums(self) -> bool {
        matches!(
            self,
            FieldType::Select | FieldType::Radiobutton | FieldType::Multiselect | FieldType::Multitext
        )
    }

    /// Whether the field holds more than one value.
    pub fn is_multiple(self) -> bool {
        matches!(self, FieldType::Multiselect | FieldType::Multitext)
    }
}

/// One option of an enum field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldEnum {
    /// Per-account option id.
    pub id: Id,
    /// Option text (for PHONE/EMAIL it is the code itself: WORK, MOB...).
    pub value: String,
    /// Position.
    pub sort: i64,
    /// `enum_code` written on values; multitext options use their value as code.
    pub code: Option<String>,
}

/// A custom field definition.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomField {
    /// Field id.
    pub id: Id,
    /// Entity type it belongs to.
    pub entity_type: EntityType,
    /// Display name.
    pub name: String,
    /// Code (PHONE, EMAIL, POSITION, WEB...) or none.
    pub code: Option<String>,
    /// Type.
    pub kind: FieldType,
    /// Position.
    pub sort: i64,
    /// Created by Kommo itself (PHONE, EMAIL...).
    pub is_predefined: bool,
    /// Editable only through the API.
    pub is_api_only: bool,
    /// Options of enum fields (empty otherwise).
    pub enums: Vec<FieldEnum>,
}

impl CustomField {
    /// The option with this id.
    pub fn enum_by_id(&self, id: Id) -> Option<&FieldEnum> {
        self.enums.iter().find(|e| e.id == id)
    }

    /// The option with this `enum_code`.
    pub fn enum_by_code(&self, code: &str) -> Option<&FieldEnum> {
        self.enums.iter().find(|e| e.code.as_deref() == Some(code))
    }

    /// The option whose text equals `value`.
    pub fn enum_by_value(&self, value: &str) -> Option<&FieldEnum> {
        self.enums.iter().find(|e| e.value == value)
    }
}

/// Account-level settings returned by `GET /api/v4/account`.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    /// Account id.
    pub id: Id,
    /// Account name.
    pub name: String,
    /// Subdomain (`sandbox`).
    pub subdomain: String,
    /// Unix seconds.
    pub created_at: i64,
    /// The user the sandbox token acts as.
    pub current_user_id: Id,
    /// ISO country code.
    pub country: String,
    /// ISO currency code.
    pub currency: String,
    /// Currency symbol.
    pub currency_symbol: String,
}

/// A table of rows keyed by id, with its own id sequence.
#[derive(Debug, Clone)]
pub struct Table<T> {
    rows: BTreeMap<Id, T>,
    next_id: Id,
}

impl<T> Table<T> {
    /// An empty table whose first generated id is `first_id`.
    pub fn new(first_id: Id) -> Self {
        Self {
            rows: BTreeMap::new(),
            next_id: first_id,
        }
    }

    /// Reserves the next id.
    pub fn next_id(&mut self) -> Id {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Stores a row under `id` (the sequence skips past it).
    pub fn insert(&mut self, id: Id, row: T) {
        self.next_id = self.next_id.max(id + 1);
        self.rows.insert(id, row);
    }

    /// The row with this id.
    pub fn get(&self, id: Id) -> Option<&T> {
        self.rows.get(&id)
    }

    /// The row with this id, mutably.
    pub fn get_mut(&mut self, id: Id) -> Option<&mut T> {
        self.rows.get_mut(&id)
    }

    /// Whether a row with this id exists.
    pub fn contains(&self, id: Id) -> bool {
        self.rows.contains_key(&id)
    }

    /// Rows in id order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.rows.values()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// The whole account.
#[derive(Debug, Clone)]
pub struct Store {
    /// Account settings.
    pub account: Account,
    /// Users.
    pub users: Table<User>,
    /// Pipelines with their statuses.
    pub pipelines: Table<Pipeline>,
    /// Sequence for new (non-system) status ids, shared by all pipelines.
    pub next_status_id: Id,
    /// Sequence for new enum option ids, shared by all fields.
    pub next_enum_id: Id,
    /// Custom field definitions of every entity type.
    pub custom_fields: Table<CustomField>,
    /// Tags of every entity type.
    pub tags: Table<Tag>,
    /// Contacts.
    pub contacts: Table<Contact>,
    /// Companies.
    pub companies: Table<Company>,
    /// Leads.
    pub leads: Table<Lead>,
    /// Relations between entities.
    pub links: Vec<Link>,
    /// Catalogs (lists), their elements and entity↔element links.
    pub lists: Lists,
    /// Tasks, notes, events, incoming leads, loss reasons and sources.
    pub activity: super::activity::Activity,
}

impl Store {
    /// The custom field definitions of one entity type, in sort order.
    pub fn fields_of(&self, entity: EntityType) -> Vec<&CustomField> {
        let mut fields: Vec<&CustomField> = self.custom_fields.iter().filter(|f| f.entity_type == entity).collect();
        fields.sort_by_key(|f| (f.sort, f.id));
        fields
    }

    /// A field of `entity` by id.
    pub fn field(&self, entity: EntityType, id: Id) -> Option<&CustomField> {
        self.custom_fields.get(id).filter(|f| f.entity_type == entity)
    }

    /// A field of `entity` by code (PHONE, EMAIL...).
    pub fn field_by_code(&self, entity: EntityType, code: &str) -> Option<&CustomField> {
        self.custom_fields
            .iter()
            .find(|f| f.entity_type == entity && f.code.as_deref() == Some(code))
    }

    /// The main pipeline.
    pub fn main_pipeline(&self) -> Option<&Pipeline> {
        self.pipelines
            .iter()
            .find(|p| p.is_main)
            .or_else(|| self.pipelines.iter().next())
    }

    /// Adds a pipeline the way Kommo creates one: an "Incoming leads" stage (type 1) first when
    /// `is_unsorted_on`, then the given stages (default sort 20, 30...; default colour `#99ccff`),
    /// then the system stages 142 "Closed - won" and 143 "Closed - lost". A new main pipeline
    /// takes the flag from the old one.
    pub fn add_pipeline(&mut self, spec: NewPipeline) -> Id {
        let id = self.pipelines.next_id();
        let mut statuses = Vec::with_capacity(spec.statuses.len() + 3);
        if spec.is_unsorted_on {
            statuses.push(Status {
                id: self.take_status_id(),
                name: "Incoming leads".into(),
                sort: 10,
                is_editable: false,
                color: "#c1c1c1".into(),
                kind: 1,
            });
        }
        for (i, stage) in spec.statuses.into_iter().enumerate() {
            let default_sort = i64::try_from(i).unwrap_or(i64::MAX / 10).saturating_add(2) * 10;
            statuses.push(Status {
                id: self.take_status_id(),
                name: stage.name,
                sort: stage.sort.unwrap_or(default_sort),
                is_editable: true,
                color: stage.color.unwrap_or_else(|| "#99ccff".into()),
                kind: 0,
            });
        }
        for (status_id, name, sort, color) in [
            (STATUS_WON, "Closed - won", 10000, "#CCFF66"),
            (STATUS_LOST, "Closed - lost", 11000, "#D5D8DB"),
        ] {
            statuses.push(Status {
                id: status_id,
                name: name.into(),
                sort,
                is_editable: false,
                color: color.into(),
                kind: 0,
            });
        }
        statuses.sort_by_key(|s| s.sort);
        let sort = spec
            .sort
            .unwrap_or_else(|| self.pipelines.iter().map(|p| p.sort).max().unwrap_or(0) + 1);
        let is_main = spec.is_main || self.pipelines.is_empty();
        if is_main {
            for other in self.pipelines.rows.values_mut() {
                other.is_main = false;
            }
        }
        self.pipelines.insert(
            id,
            Pipeline {
                id,
                name: spec.name,
                sort,
                is_main,
                is_unsorted_on: spec.is_unsorted_on,
                is_archive: false,
                statuses,
            },
        );
        id
    }

    fn take_status_id(&mut self) -> Id {
        let id = self.next_status_id;
        self.next_status_id += 1;
        id
    }

    /// A tag of `entity` by id.
    pub fn tag(&self, entity: EntityType, id: Id) -> Option<&Tag> {
        self.tags.get(id).filter(|t| t.entity_type == entity)
    }

    /// The id of the tag named `name` (case-insensitive), creating it if needed.
    pub fn tag_id_for_name(&mut self, entity: EntityType, name: &str) -> Id {
        let wanted = name.to_lowercase();
        if let Some(tag) = self
            .tags
            .iter()
            .find(|t| t.entity_type == entity && t.name.to_lowercase() == wanted)
        {
            return tag.id;
        }
        let id = self.tags.next_id();
        self.tags.insert(
            id,
            Tag {
                id,
                entity_type: entity,
                name: name.to_string(),
                color: None,
            },
        );
        id
    }

    /// Entities of type `kind` linked to `entity`, in link order, with the `is_main` flag.
    pub fn linked(&self, entity: EntityRef, kind: EntityType) -> Vec<(Id, bool)> {
        self.links
            .iter()
            .filter_map(|link| {
                if link.from == entity && link.to.kind == kind {
                    Some((link.to.id, link.is_main))
                } else if link.to == entity && link.from.kind == kind {
                    Some((link.from.id, link.is_main))
                } else {
                    None
                }
            })
            .collect()
    }

    /// Whether the two entities are linked (in either direction).
    pub fn is_linked(&self, a: EntityRef, b: EntityRef) -> bool {
        self.links
            .iter()
            .any(|l| (l.from == a && l.to == b) || (l.from == b && l.to == a))
    }

    /// Removes the link between two entities, if any.
    pub fn unlink(&mut self, a: EntityRef, b: EntityRef) {
        self.links
            .retain(|l| !((l.from == a && l.to == b) || (l.from == b && l.to == a)));
    }

    /// Adds a link unless the two entities are already linked.
    pub fn link(&mut self, from: EntityRef, to: EntityRef, is_main: bool) {
        let exists = self
            .links
            .iter()
            .any(|l| (l.from == from && l.to == to) || (l.from == to && l.to == from));
        if !exists {
            self.links.push(Link { from, to, is_main });
        }
    }
}

/// Current Unix time in seconds (write timestamps; seed data never uses it).
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// What the shared list, get and write machinery needs from an entity type.
pub trait Entity: Sized {
    /// The entity type.
    const TYPE: EntityType;
    /// Shared fields.
    fn core(&self) -> &EntityCore;
    /// Shared fields, mutably.
    fn core_mut(&mut self) -> &mut EntityCore;
    /// The table holding this type.
    fn table(store: &Store) -> &Table<Self>;
    /// The table holding this type, mutably.
    fn table_mut(store: &mut Store) -> &mut Table<Self>;
}

macro_rules! impl_entity {
    ($ty:ty, $kind:expr, $table:ident) => {
        impl Entity for $ty {
            const TYPE: EntityType = $kind;
            fn core(&self) -> &EntityCore {
                &self.core
            }
            fn core_mut(&mut self) -> &mut EntityCore {
                &mut self.core
            }
            fn table(store: &Store) -> &Table<Self> {
                &store.$table
            }
            fn table_mut(store: &mut Store) -> &mut Table<Self> {
                &mut store.$table
            }
        }
    };
}

impl_entity!(Contact, EntityType::Contacts, contacts);
impl_entity!(Company, EntityType::Companies, companies);
impl_entity!(Lead, EntityType::Leads, leads);

/// A field definition of a catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogField {
    /// Field id (unique in the account).
    pub id: Id,
    /// Display name.
    pub name: String,
    /// Code (SKU, PRICE, DESCRIPTION...) or none.
    pub code: Option<String>,
    /// Wire type: `text`, `textarea`, `price`, `numeric`...
    pub kind: &'static str,
    /// Position.
    pub sort: i64,
}

/// A catalog ("list"): products, suppliers...
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    /// Catalog id.
    pub id: Id,
    /// Display name.
    pub name: String,
    /// `regular` or `products`.
    pub kind: &'static str,
    /// Position.
    pub sort: i64,
    /// Unix seconds.
    pub created_at: i64,
    /// Field definitions.
    pub fields: Vec<CatalogField>,
}

/// An element of a catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogElement {
    /// Element id (unique in the account).
    pub id: Id,
    /// Catalog it belongs to.
    pub catalog_id: Id,
    /// Display name.
    pub name: String,
    /// Creator.
    pub created_by: Id,
    /// Last editor.
    pub updated_by: Id,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
    /// `(field_id, values)`; each value is the `{value}` object as written.
    pub fields: Vec<(Id, Vec<Value>)>,
}

/// A link from a lead, contact or company to a catalog element, with a quantity.
#[derive(Debug, Clone, PartialEq)]
pub struct ElementLink {
    /// The linked entity.
    pub entity: EntityRef,
    /// Catalog of the element.
    pub catalog_id: Id,
    /// The element.
    pub element_id: Id,
    /// How many.
    pub quantity: f64,
}

/// Catalogs, their elements and the links to them.
#[derive(Debug, Clone)]
pub struct Lists {
    /// Catalogs.
    pub catalogs: Table<Catalog>,
    /// Elements of every catalog.
    pub elements: Table<CatalogElement>,
    /// Sequence for catalog field ids.
    pub next_field_id: Id,
    /// Entity ↔ element links.
    pub element_links: Vec<ElementLink>,
}

impl Default for Lists {
    fn default() -> Self {
        Self {
            catalogs: Table::new(8_000_001),
            elements: Table::new(50_000_001),
            next_field_id: 1_100_001,
            element_links: Vec::new(),
        }
    }
}

impl Lists {
    /// Element links of `entity`.
    pub fn links_of(&self, entity: EntityRef) -> impl Iterator<Item = &ElementLink> {
        self.element_links.iter().filter(move |l| l.entity == entity)
    }
}
