//! A small schema engine: declarative, zod-like schemas checked against any [`Input`] (a JS
//! value read directly through napi, or a `serde_json::Value`), collecting zod-style
//! [`Issue`]s (`path`, `message`, `code`).
//!
//! Schemas are static data ([`Ty`], [`ObjectSchema`], [`Field`]), so checking an input walks
//! the input once and allocates only for issues. Objects are strict (unknown keys are an
//! `unrecognized_keys` issue), so a valid input is exactly the parsed output and the Node
//! binding can return it as is instead of building a copy.
//!
//! - [`kommo`]: the Kommo write payloads (leads, contacts, companies, tasks, notes, complex leads);
//! - [`webhook`]: decoding Kommo's form-encoded webhook bodies.

pub mod kommo;
pub mod tape;
pub mod webhook;

use std::borrow::Cow;
use std::fmt;

/// One step of an issue path: an object key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSeg {
    Key(Cow<'static, str>),
    Index(usize),
}

impl fmt::Display for PathSeg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathSeg::Key(k) => f.write_str(k),
            PathSeg::Index(i) => write!(f, "{i}"),
        }
    }
}

/// One validation problem, in zod's vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Where: keys and indexes from the validated value (empty for the value itself).
    pub path: Vec<PathSeg>,
    /// What is wrong and what is expected.
    pub message: String,
    /// `invalid_type`, `too_small`, `too_big`, `invalid_value`, `unrecognized_keys` or `custom`.
    pub code: &'static str,
    /// For `unrecognized_keys`: the unknown keys.
    pub keys: Vec<String>,
}

impl Issue {
    pub fn new(path: Vec<PathSeg>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            path,
            message: message.into(),
            code,
            keys: Vec::new(),
        }
    }

    /// The path as `a.b[0].c` (empty for the root).
    pub fn path_string(&self) -> String {
        let mut s = String::new();
        for seg in &self.path {
            match seg {
                PathSeg::Key(k) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(k);
                }
                PathSeg::Index(i) => {
                    s.push('[');
                    s.push_str(&i.to_string());
                    s.push(']');
                }
            }
        }
        s
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.path_string();
        if p.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{p}: {}", self.message)
        }
    }
}

/// The summary message of a failed validation (`Invalid <what>: a: ...; b: ...`).
pub fn summary(what: &str, issues: &[Issue]) -> String {
    let mut s = format!("Invalid {what}: ");
    for (i, issue) in issues.iter().enumerate() {
        if i > 0 {
            s.push_str("; ");
        }
        if i == 5 {
            s.push_str(&format!("and {} more", issues.len() - 5));
            break;
        }
        s.push_str(&issue.to_string());
    }
    s
}

/// The type of an input value, as JS sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Undefined,
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
    /// Functions, symbols, bigints.
    Other,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Undefined => "undefined",
            Kind::Null => "null",
            Kind::Bool => "boolean",
            Kind::Number => "number",
            Kind::String => "string",
            Kind::Array => "array",
            Kind::Object => "object",
            Kind::Other => "unsupported value",
        }
    }
}

/// A value the engine can check. Reading never fails: a value that cannot be read is
/// [`Kind::Other`] (and a napi failure stays pending as a JS exception).
pub trait Input: Sized {
    fn kind(&self) -> Kind;
    /// The number (only called when `kind() == Number`).
    fn number(&self) -> f64;
    /// Calls `f` with the string (only called when `kind() == String`).
    fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R;
    /// Array length (only called when `kind() == Array`).
    fn array_len(&self) -> usize;
    /// Array element (only called when `kind() == Array`).
    fn index(&self, i: usize) -> Option<Self>;
    /// Calls `f` with each own enumerable string key and its value; never calls it unless
    /// `kind() == Object`.
    fn for_each_entry(&self, f: impl FnMut(&str, Self));
    /// One property; `None` unless `kind() == Object` (a rule may ask any value).
    fn get(&self, key: &str) -> Option<Self>;
}

impl Input for &serde_json::Value {
    fn kind(&self) -> Kind {
        match self {
            serde_json::Value::Null => Kind::Null,
            serde_json::Value::Bool(_) => Kind::Bool,
            serde_json::Value::Number(_) => Kind::Number,
            serde_json::Value::String(_) => Kind::String,
            serde_json::Value::Array(_) => Kind::Array,
            serde_json::Value::Object(_) => Kind::Object,
        }
    }
    fn number(&self) -> f64 {
        self.as_f64().unwrap_or(f64::NAN)
    }
    fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        f(self.as_str().unwrap_or(""))
    }
    fn array_len(&self) -> usize {
        self.as_array().map_or(0, Vec::len)
    }
    fn index(&self, i: usize) -> Option<Self> {
        self.as_array().and_then(|a| a.get(i))
    }
    fn for_each_entry(&self, mut f: impl FnMut(&str, Self)) {
        if let Some(map) = self.as_object() {
            for (k, v) in map {
                f(k, v);
            }
        }
    }
    fn get(&self, key: &str) -> Option<Self> {
        self.as_object().and_then(|m| m.get(key))
    }
}

/// A schema for one value.
#[derive(Debug)]
pub enum Ty {
    /// Any value (kept as is).
    Any,
    Bool,
    /// A safe integer within `min..=max`.
    Int {
        min: i64,
        max: i64,
    },
    /// A string of `min..=max` characters (after trimming when `trim`, for the length check only).
    Str {
        min: usize,
        max: usize,
        trim: bool,
    },
    /// One of a fixed set of strings.
    OneOf(&'static [&'static str]),
    /// An array of `min..=max` items.
    Array {
        item: &'static Ty,
        min: usize,
        max: usize,
    },
    /// A strict object.
    Object(&'static ObjectSchema),
    /// `null` or the inner schema.
    Nullable(&'static Ty),
    /// A custom field value (`custom_fields_values[].values[].value`): string, number,
    /// boolean, object or null.
    FieldValue,
    /// `custom_fields_values`: an array of field objects (or `null`), with at most
    /// `max_values` values in all when set (Kommo's complex-creation limit).
    CustomFields {
        max_values: Option<usize>,
    },
}

/// A field of an object schema.
#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
}

/// Cross-field rules of an object.
#[derive(Debug)]
pub enum Rule {
    /// At least one of these keys must be present.
    AnyOf(&'static [&'static str]),
    /// Either all or none of these keys.
    Together(&'static [&'static str]),
    /// Notes: `params.text` is required when `note_type` is one of these.
    NoteText(&'static [&'static str]),
}

#[derive(Debug)]
pub struct ObjectSchema {
    /// What the object is, for messages (`lead`, `tag`, ...).
    pub what: &'static str,
    pub fields: &'static [Field],
    pub rules: &'static [Rule],
    /// Unknown keys are allowed (passthrough) instead of being an issue.
    pub open: bool,
}

/// Shorthand constructors for static schema tables.
pub const fn req(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        required: true,
    }
}
pub const fn opt(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        required: false,
    }
}

/// Maximum safe integer in JS.
pub const MAX_SAFE: i64 = 9_007_199_254_740_991;

/// A checker: the current path and the issues found so far.
#[derive(Debug, Default)]
pub struct Ctx {
    path: Vec<PathSeg>,
    pub issues: Vec<Issue>,
}

impl Ctx {
    pub fn new() -> Self {
        Self::default()
    }

    fn issue(&mut self, code: &'static str, message: impl Into<String>) {
        self.issues.push(Issue::new(self.path.clone(), code, message));
    }

    fn issue_at(&mut self, key: &'static str, code: &'static str, message: impl Into<String>) {
        let mut path = self.path.clone();
        path.push(PathSeg::Key(Cow::Borrowed(key)));
        self.issues.push(Issue::new(path, code, message));
    }

    /// Checks `v` against `ty`, recording issues under the current path.
    pub fn check<V: Input>(&mut self, ty: &Ty, v: &V) {
        let kind = v.kind();
        match ty {
            Ty::Any => {}
            Ty::Bool => {
                if kind != Kind::Bool {
                    self.type_issue("boolean", kind);
                }
            }
            Ty::Int { min, max } => {
                if kind != Kind::Number {
                    return self.type_issue("integer", kind);
                }
                let n = v.number();
                if !n.is_finite() || n.fract() != 0.0 || n.abs() > MAX_SAFE as f64 {
                    return self.issue("invalid_type", format!("expected an integer, received {n}"));
                }
                let n = n as i64;
                if n < *min {
                    let msg = if *min == 1 {
                        format!("expected a positive id (>= 1), received {n}")
                    } else {
                        format!("too small: expected >= {min}, received {n}")
                    };
                    self.issue("too_small", msg);
                } else if n > *max {
                    self.issue("too_big", format!("too big: expected <= {max}, received {n}"));
                }
            }
            Ty::Str { min, max, trim } => {
                if kind != Kind::String {
                    return self.type_issue("string", kind);
                }
                let len = v.with_str(|s| if *trim { s.trim() } else { s }.chars().count());
                if len < *min {
                    let msg = if *min == 1 {
                        "too small: expected a non-empty string".to_string()
                    } else {
                        format!("too small: expected at least {min} characters, received {len}")
                    };
                    self.issue("too_small", msg);
                } else if len > *max {
                    self.issue(
                        "too_big",
                        format!("too big: expected at most {max} characters, received {len}"),
                    );
                }
            }
            Ty::OneOf(options) => {
                if kind != Kind::String {
                    return self.type_issue("string", kind);
                }
                if !v.with_str(|s| options.contains(&s)) {
                    let got = v.with_str(|s| truncate(s, 40));
                    self.issue(
                        "invalid_value",
                        format!("invalid value {got:?}: expected one of {}", quoted(options)),
                    );
                }
            }
            Ty::Array { item, min, max } => {
                if kind != Kind::Array {
                    return self.type_issue("array", kind);
                }
                let len = v.array_len();
                if len < *min {
                    self.issue(
                        "too_small",
                        format!("too small: expected at least {min} item{}", plural(*min)),
                    );
                } else if len > *max {
                    self.issue(
                        "too_big",
                        format!("too big: expected at most {max} items, received {len}"),
                    );
                    // Still check the items: the caller wants every problem.
                }
                self.check_items(item, v, len);
            }
            Ty::Object(schema) => {
                if kind != Kind::Object {
                    return self.type_issue("object", kind);
                }
                self.check_object(schema, v);
            }
            Ty::Nullable(inner) => {
                if kind != Kind::Null {
                    self.check(inner, v);
                }
            }
            Ty::FieldValue => {
                if matches!(kind, Kind::Undefined | Kind::Array | Kind::Other) {
                    self.type_issue("string, number, boolean, object or null", kind);
                }
            }
            Ty::CustomFields { max_values } => {
                if kind == Kind::Null {
                    return;
                }
                if kind != Kind::Array {
                    return self.type_issue("array of { field_id | field_code, values }", kind);
                }
                let len = v.array_len();
                self.check_items(&CUSTOM_FIELD_TY, v, len);
                if let Some(limit) = max_values {
                    let mut total = 0usize;
                    for i in 0..len {
                        if let Some(values) = v.index(i).and_then(|f| f.get("values")) {
                            if values.kind() == Kind::Array {
                                total += values.array_len();
                            }
                        }
                    }
                    if total > *limit {
                        self.issue(
                            "too_big",
                            format!(
                                "too big: Kommo accepts at most {limit} custom field values per entity in complex creation, received {total}"
                            ),
                        );
                    }
                }
            }
        }
    }

    fn check_items<V: Input>(&mut self, item: &Ty, v: &V, len: usize) {
        for i in 0..len {
            match v.index(i) {
                Some(el) => {
                    self.path.push(PathSeg::Index(i));
                    self.check(item, &el);
                    self.path.pop();
                }
                None => {
                    self.path.push(PathSeg::Index(i));
                    self.type_issue(ty_name(item), Kind::Undefined);
                    self.path.pop();
                }
            }
        }
    }

    fn check_object<V: Input>(&mut self, schema: &'static ObjectSchema, v: &V) {
        debug_assert!(schema.fields.len() <= 64);
        let mut seen: u64 = 0;
        let mut unknown: Vec<String> = Vec::new();
        v.for_each_entry(|key, value| {
            let Some(i) = schema.fields.iter().position(|f| f.name == key) else {
                if !schema.open {
                    unknown.push(key.to_string());
                }
                return;
            };
            let field = &schema.fields[i];
            let kind = value.kind();
            if kind == Kind::Undefined {
                return; // like zod's optional(): undefined is absent
            }
            seen |= 1 << i;
            self.path.push(PathSeg::Key(Cow::Borrowed(field.name)));
            self.check(&field.ty, &value);
            self.path.pop();
        });
        for (i, field) in schema.fields.iter().enumerate() {
            if field.required && seen & (1 << i) == 0 {
                self.issue_at(
                    field.name,
                    "invalid_type",
                    format!("required: expected {}", ty_name(&field.ty)),
                );
            }
        }
        if !unknown.is_empty() {
            let hint = match unknown.as_slice() {
                [one] => match schema.fields.iter().find(|f| similar(f.name, one)) {
                    Some(f) => format!(" (did you mean {}?)", f.name),
                    None => String::new(),
                },
                _ => String::new(),
            };
            let list = quoted(&unknown);
            let mut issue = Issue::new(
                self.path.clone(),
                "unrecognized_keys",
                format!(
                    "unrecognized key{} in {}: {list}{hint}",
                    if unknown.len() == 1 { "" } else { "s" },
                    schema.what
                ),
            );
            issue.keys = unknown;
            self.issues.push(issue);
        }
        let index = |name: &str| schema.fields.iter().position(|f| f.name == name);
        let has = |name: &str| index(name).is_some_and(|i| seen & (1 << i) != 0);
        for rule in schema.rules {
            match rule {
                Rule::AnyOf(keys) => {
                    if !keys.iter().any(|k| has(k)) {
                        self.issue("custom", format!("{} needs {}", schema.what, keys.join(" or ")));
                    }
                }
                Rule::Together(keys) => {
                    let n = keys.iter().filter(|k| has(k)).count();
                    if n != 0 && n != keys.len() {
                        let missing = keys.iter().find(|k| !has(k)).copied().unwrap_or("");
                        self.issue_at(
                            missing,
                            "custom",
                            format!(
                                "required when {} is set: give {} together",
                                others(keys, missing),
                                keys.join(" and ")
                            ),
                        );
                    }
                }
                Rule::NoteText(types) => {
                    let Some(note_type) = v.get("note_type") else { continue };
                    if note_type.kind() != Kind::String || !note_type.with_str(|s| types.contains(&s)) {
                        continue;
                    }
                    let text = v
                        .get("params")
                        .filter(|p| p.kind() == Kind::Object)
                        .and_then(|p| p.get("text"));
                    if text.is_none_or(|t| t.kind() == Kind::Undefined) {
                        let mut path = self.path.clone();
                        path.push(PathSeg::Key(Cow::Borrowed("params")));
                        path.push(PathSeg::Key(Cow::Borrowed("text")));
                        let t = note_type.with_str(str::to_string);
                        self.issues.push(Issue::new(
                            path,
                            "invalid_type",
                            format!("required: a {t} note needs its text in params.text (not at the top level)"),
                        ));
                    }
                }
            }
        }
    }

    fn type_issue(&mut self, expected: &str, got: Kind) {
        let msg = if got == Kind::Undefined {
            format!("required: expected {expected}")
        } else {
            format!("expected {expected}, received {}", got.name())
        };
        self.issue("invalid_type", msg);
    }
}

/// The expected type of a schema in words.
pub fn ty_name(ty: &Ty) -> &'static str {
    match ty {
        Ty::Any => "a value",
        Ty::Bool => "boolean",
        Ty::Int { min: 1, .. } => "a positive integer id",
        Ty::Int { .. } => "integer",
        Ty::Str { .. } => "string",
        Ty::OneOf(_) => "string",
        Ty::Array { .. } => "array",
        Ty::Object(_) => "object",
        Ty::Nullable(inner) => ty_name(inner),
        Ty::FieldValue => "string, number, boolean, object or null",
        Ty::CustomFields { .. } => "array",
    }
}

fn others(keys: &[&str], missing: &str) -> String {
    keys.iter()
        .filter(|k| **k != missing)
        .copied()
        .collect::<Vec<_>>()
        .join(" and ")
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The options as `"a", "b", "c"`: each written as `{:?}` would, into one buffer (an invalid enum value's
/// message lists every option, and a `String` per option was a fifth of the cost of that error).
fn quoted<S: AsRef<str>>(options: &[S]) -> String {
    let mut out = String::with_capacity(options.iter().map(|o| o.as_ref().len() + 4).sum());
    for (i, o) in options.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let o = o.as_ref();
        // Printable ASCII other than `"` and `\\` is written as is by `{:?}`.
        if o.bytes().all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\') {
            out.push('"');
            out.push_str(o);
            out.push('"');
        } else {
            use std::fmt::Write;
            let _ = write!(out, "{o:?}");
        }
    }
    out
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

/// Whether an unknown key looks like a typo of `name` (case, `-`/`_`, camelCase).
fn similar(name: &str, key: &str) -> bool {
    fn norm(s: &str) -> impl Iterator<Item = char> + '_ {
        s.chars()
            .filter(|c| *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
    }
    norm(name).eq(norm(key))
}

static CUSTOM_FIELD_TY: Ty = Ty::Object(&kommo::CUSTOM_FIELD);

/// Checks `v` against `ty` and returns the issues (empty when valid).
pub fn check<V: Input>(ty: &Ty, v: &V) -> Vec<Issue> {
    let mut cx = Ctx::new();
    cx.check(ty, v);
    cx.issues
}

#[cfg(test)]
mod tests;
