//! Validation schemas for Node with zod's calling convention: `leadCreateSchema.parse(x)`,
//! `.safeParse(x)`, `.parseMany(xs)`, `.safeParseMany(xs)`, `.parseBatch(xs)`, plus
//! `parsePhone` and `parseWebhook` / `webhookSchema`.
//!
//! Speed: JS values are read in place with raw napi calls ([`JsVal`]), never converted to JSON
//! or to Rust structs; schemas are strict, so a valid input is returned as is (no output
//! object is built); per-item results of the batch forms are built with one
//! `napi_define_properties` call each, inside a handle scope per item.

use std::ffi::c_char;
use std::ptr;

use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;

use crate::phone::{parse_region, Phone, PhoneError};
use crate::schema::kommo::{self, Schema};
use crate::schema::tape::{Doc, NotTape, Value};
use crate::schema::{self, Input, Issue, Kind, PathSeg};

/// A JS value read through raw napi calls. Valid only during the call that received it.
#[derive(Clone, Copy)]
pub struct JsVal {
    env: sys::napi_env,
    v: sys::napi_value,
    /// `Array.isArray`, when the value is checked by a schema: Node-API's `napi_is_array` says
    /// false for a Proxy of an array (a Vue or MobX reactive array), where JS, zod and the tape
    /// see an array. Null for values whose kind only needs to be told apart from a string.
    is_array: sys::napi_value,
}

impl JsVal {
    pub fn new(env: &Env, v: &Unknown) -> Self {
        Self {
            env: env.raw(),
            v: v.raw(),
            is_array: ptr::null_mut(),
        }
    }

    /// A value a schema checks: its arrays are what `Array.isArray` says they are.
    fn for_schema(env: &Env, v: &Unknown) -> Self {
        let raw = env.raw();
        let (mut global, mut array, mut is_array) = (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
        // SAFETY: env is live for the current call; out-pointers are valid; names are NUL-terminated.
        let found = unsafe {
            sys::napi_get_global(raw, &mut global) == sys::Status::napi_ok
                && sys::napi_get_named_property(raw, global, c"Array".as_ptr(), &mut array) == sys::Status::napi_ok
                && sys::napi_get_named_property(raw, array, c"isArray".as_ptr(), &mut is_array) == sys::Status::napi_ok
        };
        Self {
            env: raw,
            v: v.raw(),
            is_array: if found { is_array } else { ptr::null_mut() },
        }
    }

    /// Another value read from this one (same env, same `Array.isArray`).
    fn with(&self, v: sys::napi_value) -> Self {
        Self { v, ..*self }
    }

    fn get_property(&self, name: &std::ffi::CStr) -> Option<Self> {
        let mut out = ptr::null_mut();
        // SAFETY: as above; `name` is NUL-terminated.
        let status = unsafe { sys::napi_get_named_property(self.env, self.v, name.as_ptr(), &mut out) };
        (status == sys::Status::napi_ok).then_some(self.with(out))
    }

    /// `Array.isArray(v)` for an object `napi_is_array` refused: true for a Proxy of an array.
    fn proxied_array(&self) -> bool {
        if self.is_array.is_null() {
            return false;
        }
        let (mut recv, mut out, mut yes) = (ptr::null_mut(), ptr::null_mut(), false);
        // SAFETY: as above; `is_array` is a function of this env, `v` one argument. A revoked
        // proxy makes it throw: the exception stays pending and the call's caller reports it,
        // as for a throwing getter.
        unsafe {
            sys::napi_get_undefined(self.env, &mut recv) == sys::Status::napi_ok
                && sys::napi_call_function(self.env, recv, self.is_array, 1, &self.v, &mut out) == sys::Status::napi_ok
                && sys::napi_get_value_bool(self.env, out, &mut yes) == sys::Status::napi_ok
                && yes
        }
    }
}

/// Reads a JS string with `f`, through a stack buffer for short strings.
fn with_js_str<R>(env: sys::napi_env, v: sys::napi_value, f: impl FnOnce(&str) -> R) -> R {
    let mut buf = [0u8; 128];
    let mut len = 0usize;
    // SAFETY: `buf` is writable for its length; napi writes at most bufsize-1 bytes and a NUL.
    let status =
        unsafe { sys::napi_get_value_string_utf8(env, v, buf.as_mut_ptr().cast::<c_char>(), buf.len(), &mut len) };
    if status != sys::Status::napi_ok {
        return f("");
    }
    if len < buf.len() - 1 {
        return f(std::str::from_utf8(&buf[..len]).unwrap_or(""));
    }
    // Possibly truncated: ask for the length, then read it all.
    let mut full = 0usize;
    // SAFETY: a null buffer asks napi for the length only.
    unsafe { sys::napi_get_value_string_utf8(env, v, ptr::null_mut(), 0, &mut full) };
    let mut big = vec![0u8; full + 1];
    // SAFETY: `big` is writable for its length.
    unsafe { sys::napi_get_value_string_utf8(env, v, big.as_mut_ptr().cast::<c_char>(), big.len(), &mut len) };
    f(std::str::from_utf8(&big[..len.min(full)]).unwrap_or(""))
}

impl Input for JsVal {
    fn kind(&self) -> Kind {
        let mut t = 0;
        // SAFETY: env and value are live for the current call.
        if unsafe { sys::napi_typeof(self.env, self.v, &mut t) } != sys::Status::napi_ok {
            return Kind::Other;
        }
        match t {
            sys::ValueType::napi_undefined => Kind::Undefined,
            sys::ValueType::napi_null => Kind::Null,
            sys::ValueType::napi_boolean => Kind::Bool,
            sys::ValueType::napi_number => Kind::Number,
            sys::ValueType::napi_string => Kind::String,
            sys::ValueType::napi_object => {
                let mut is_array = false;
                // SAFETY: as above.
                unsafe { sys::napi_is_array(self.env, self.v, &mut is_array) };
                if is_array || self.proxied_array() {
                    Kind::Array
                } else {
                    Kind::Object
                }
            }
            _ => Kind::Other,
        }
    }

    fn number(&self) -> f64 {
        let mut n = f64::NAN;
        // SAFETY: as above.
        unsafe { sys::napi_get_value_double(self.env, self.v, &mut n) };
        n
    }

    fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        with_js_str(self.env, self.v, f)
    }

    fn array_len(&self) -> usize {
        let mut n = 0u32;
        // SAFETY: as above.
        if unsafe { sys::napi_get_array_length(self.env, self.v, &mut n) } == sys::Status::napi_ok {
            return n as usize;
        }
        // A Proxy of an array: Node-API reads no length from it, so read its `length` as JS does.
        self.get_property(c"length").map_or(0, |len| {
            let n = len.number();
            if n >= 1.0 {
                n.min(u32::MAX as f64) as usize
            } else {
                0
            }
        })
    }

    fn index(&self, i: usize) -> Option<Self> {
        let mut out = ptr::null_mut();
        // SAFETY: as above.
        let status = unsafe { sys::napi_get_element(self.env, self.v, i as u32, &mut out) };
        (status == sys::Status::napi_ok).then_some(self.with(out))
    }

    fn for_each_entry(&self, mut f: impl FnMut(&str, Self)) {
        // Only objects have entries (as on the tape): Node-API would throw a TypeError for null,
        // and that exception would escape even `safeParse`.
        if self.kind() != Kind::Object {
            return;
        }
        let mut keys = ptr::null_mut();
        // SAFETY: as above. Enumerable string keys (for-in order; plain objects have no
        // enumerable inherited keys, so this is what Object.keys returns).
        let status = unsafe { sys::napi_get_property_names(self.env, self.v, &mut keys) };
        if status != sys::Status::napi_ok {
            return;
        }
        let keys = self.with(keys);
        for i in 0..keys.array_len() {
            let Some(key) = keys.index(i) else { continue };
            let mut value = ptr::null_mut();
            // SAFETY: as above.
            if unsafe { sys::napi_get_property(self.env, self.v, key.v, &mut value) } != sys::Status::napi_ok {
                continue;
            }
            let value = self.with(value);
            with_js_str(self.env, key.v, |k| f(k, value));
        }
    }

    fn get(&self, key: &str) -> Option<Self> {
        // As above: reading a key of null or undefined would leave a TypeError pending.
        if self.kind() != Kind::Object {
            return None;
        }
        self.get_property(&std::ffi::CString::new(key).ok()?)
    }
}

// ---------------------------------------------------------------------------------------------
// Errors and results

const ERROR_NAME: &str = "KommoValidationError";
const ERROR_CODE: &str = "ERR_KOMMO_VALIDATION";

/// Builds the `KommoValidationError`: an `Error` with `name`, `code` and zod-style `issues`.
fn error_object<'e>(env: &'e Env, what: &str, issues: &[Issue]) -> Result<Object<'e>> {
    let mut obj = env.create_error(Error::new(Status::InvalidArg, schema::summary(what, issues)))?;
    obj.set("name", ERROR_NAME)?;
    obj.set("code", ERROR_CODE)?;
    obj.set("issues", issues_array(env, issues)?)?;
    Ok(obj)
}

fn issues_array<'e>(env: &'e Env, issues: &[Issue]) -> Result<Array<'e>> {
    let mut arr = env.create_array(issues.len() as u32)?;
    for (i, issue) in issues.iter().enumerate() {
        let mut o = Object::new(env)?;
        o.set("code", issue.code)?;
        let mut path = env.create_array(issue.path.len() as u32)?;
        for (j, seg) in issue.path.iter().enumerate() {
            match seg {
                PathSeg::Key(k) => path.set(j as u32, k.as_ref())?,
                PathSeg::Index(n) => path.set(j as u32, *n as u32)?,
            }
        }
        o.set("path", path)?;
        o.set("message", issue.message.as_str())?;
        if !issue.keys.is_empty() {
            o.set("keys", issue.keys.clone())?;
        }
        arr.set(i as u32, o)?;
    }
    Ok(arr)
}

fn throw(env: &Env, what: &str, issues: &[Issue]) -> Result<Error> {
    Ok(Error::from(error_object(env, what, issues)?.to_unknown()))
}

static SUCCESS: &[u8] = b"success\0";
static DATA: &[u8] = b"data\0";
static ERROR: &[u8] = b"error\0";

/// `{ success, data | error }` built with a single `napi_define_properties` call.
fn result_object(env: &Env, ok: bool, payload: sys::napi_value) -> Result<sys::napi_value> {
    let raw = env.raw();
    let mut obj = ptr::null_mut();
    let mut flag = ptr::null_mut();
    // SAFETY: env is live; out-pointers are valid.
    unsafe {
        check(sys::napi_create_object(raw, &mut obj))?;
        check(sys::napi_get_boolean(raw, ok, &mut flag))?;
    }
    let prop = |name: &'static [u8], value: sys::napi_value| sys::napi_property_descriptor {
        utf8name: name.as_ptr().cast::<c_char>(),
        name: ptr::null_mut(),
        method: None,
        getter: None,
        setter: None,
        value,
        // writable | enumerable | configurable, like a literal's properties
        attributes: 7,
        data: ptr::null_mut(),
    };
    let props = [prop(SUCCESS, flag), prop(if ok { DATA } else { ERROR }, payload)];
    // SAFETY: `props` lives across the call; names are NUL-terminated statics.
    unsafe { check(sys::napi_define_properties(raw, obj, props.len(), props.as_ptr()))? };
    Ok(obj)
}

fn check(status: sys::napi_status) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Error::new(
            Status::GenericFailure,
            format!("napi call failed with status {status}"),
        ))
    }
}

fn raw_unknown<'e>(env: &'e Env, v: sys::napi_value) -> Unknown<'e> {
    // SAFETY: `v` was created in this env during the current call.
    unsafe { Unknown::from_raw_unchecked(env.raw(), v) }
}

// ---------------------------------------------------------------------------------------------
// The generic schema methods

fn parse_one<'e>(env: &'e Env, s: &'static Schema, input: Unknown<'e>) -> Result<Unknown<'e>> {
    let issues = s.check(&JsVal::for_schema(env, &input));
    if issues.is_empty() {
        Ok(input)
    } else {
        Err(throw(env, s.what, &issues)?)
    }
}

fn safe_parse_one<'e>(env: &'e Env, s: &'static Schema, input: Unknown<'e>) -> Result<Unknown<'e>> {
    let issues = s.check(&JsVal::for_schema(env, &input));
    let obj = if issues.is_empty() {
        result_object(env, true, input.raw())?
    } else {
        result_object(env, false, error_object(env, s.what, &issues)?.raw())?
    };
    Ok(raw_unknown(env, obj))
}

fn require_array(env: &Env, s: &Schema, method: &str, input: &Unknown) -> Result<JsVal> {
    let v = JsVal::for_schema(env, input);
    if v.kind() != Kind::Array {
        return Err(crate::node::type_error(
            env,
            format!(
                "{}.{method}(items): items must be an array, got {}",
                s.js_name,
                crate::node::describe(input)
            ),
        ));
    }
    Ok(v)
}

/// Runs `f` inside a fresh handle scope (so a batch does not pile up handles).
fn scoped<R>(env: &Env, f: impl FnOnce() -> R) -> R {
    let mut scope = ptr::null_mut();
    // SAFETY: scopes are opened and closed in strict nesting on the same env.
    let opened = unsafe { sys::napi_open_handle_scope(env.raw(), &mut scope) } == sys::Status::napi_ok;
    let out = f();
    if opened {
        // SAFETY: as above.
        unsafe { sys::napi_close_handle_scope(env.raw(), scope) };
    }
    out
}

fn parse_many<'e>(env: &'e Env, s: &'static Schema, items: Unknown<'e>) -> Result<Unknown<'e>> {
    let arr = require_array(env, s, "parseMany", &items)?;
    let mut all: Vec<Issue> = Vec::new();
    for i in 0..arr.array_len() {
        let issues = scoped(env, || arr.index(i).map(|el| s.check(&el)));
        for mut issue in issues.unwrap_or_default() {
            issue.path.insert(0, PathSeg::Index(i));
            all.push(issue);
        }
    }
    if all.is_empty() {
        Ok(items)
    } else {
        Err(throw(env, &format!("{}s", s.what), &all)?)
    }
}

fn safe_parse_many<'e>(env: &'e Env, s: &'static Schema, items: Unknown<'e>) -> Result<Unknown<'e>> {
    let arr = require_array(env, s, "safeParseMany", &items)?;
    let n = arr.array_len();
    let mut out = ptr::null_mut();
    // SAFETY: env is live.
    unsafe { check(sys::napi_create_array_with_length(env.raw(), n, &mut out))? };
    for i in 0..n {
        let mut scope = ptr::null_mut();
        // SAFETY: nested scope, closed below before the next iteration.
        unsafe { check(sys::napi_open_handle_scope(env.raw(), &mut scope))? };
        let res = (|| -> Result<()> {
            let Some(el) = arr.index(i) else { return Ok(()) };
            let issues = s.check(&el);
            let result = if issues.is_empty() {
                result_object(env, true, el.v)?
            } else {
                result_object(env, false, error_object(env, s.what, &issues)?.raw())?
            };
            // SAFETY: `out` was created in the outer scope and outlives this one.
            unsafe { check(sys::napi_set_element(env.raw(), out, i as u32, result)) }
        })();
        // SAFETY: as above.
        unsafe { sys::napi_close_handle_scope(env.raw(), scope) };
        res?;
    }
    Ok(raw_unknown(env, out))
}

fn parse_batch<'e>(env: &'e Env, s: &'static Schema, items: Unknown<'e>) -> Result<Unknown<'e>> {
    let issues = s.check_batch(&JsVal::for_schema(env, &items));
    if issues.is_empty() {
        Ok(items)
    } else {
        Err(throw(env, &format!("{} batch", s.what), &issues)?)
    }
}

// ---------------------------------------------------------------------------------------------
// The tape fast path (called by `index.js`)
//
// Reading a JS object through Node-API costs ~0.1 µs per call and several calls per property, far
// more than the rules. For plain data the wrapper writes the value as a tape instead (one
// `Float64Array` and one string: `schema::tape`), the same rules run on it, and the answer comes
// back as one string: empty when valid, else the error(s) as JSON that `index.js` turns into the
// same `KommoValidationError` objects as the detailed path.

/// What `checkTape` does with the value.
const MODE_ONE: u32 = 0;
const MODE_MANY: u32 = 1;
const MODE_SAFE_MANY: u32 = 2;
const MODE_BATCH: u32 = 3;

/// `checkTape`: the value as `index.js` writes it (`schema::tape`): `slots` is a `Float64Array`
/// of which the first `len` are read, `text` the keys and strings. `"?"` when they are not a tape
/// (the detailed path answers then).
fn check_tape(s: &'static Schema, env: &Env, slots: &Unknown, len: u32, text: &Unknown, mode: u32) -> Result<String> {
    let Some(text) = crate::node::js_string_exact(env, text)? else {
        return Ok("?".into());
    };
    let Some(slots) = f64_slice(env, slots, len as usize) else {
        return Ok("?".into());
    };
    Ok(check_doc(
        s,
        mode,
        || Doc::read(slots, &text),
        |f| Doc::for_each_item(slots, &text, f),
    ))
}

/// The first `len` values of a `Float64Array`, borrowed: no JS runs while the slice lives, so the
/// buffer can be neither detached nor resized under it.
fn f64_slice<'v>(env: &Env, value: &'v Unknown, len: usize) -> Option<&'v [f64]> {
    let (mut kind, mut length, mut data, mut buffer, mut offset) =
        (0, 0usize, std::ptr::null_mut(), std::ptr::null_mut(), 0usize);
    // SAFETY: all out-pointers are valid; a value that is not a typed array gives an error status.
    let status = unsafe {
        sys::napi_get_typedarray_info(
            env.raw(),
            value.raw(),
            &mut kind,
            &mut length,
            &mut data,
            &mut buffer,
            &mut offset,
        )
    };
    if status != sys::Status::napi_ok
        || kind != sys::TypedarrayType::float64_array
        || len > length
        || (len > 0 && (data.is_null() || !(data as usize).is_multiple_of(std::mem::align_of::<f64>())))
    {
        return None;
    }
    if len == 0 {
        return Some(&[]);
    }
    // SAFETY: a Float64Array of `length` >= `len` values starts at `data`, aligned (checked above).
    Some(unsafe { std::slice::from_raw_parts(data.cast::<f64>(), len) })
}

/// Checks a document read by `whole` (one item, or a request body) or item by item through
/// `items` (`parseMany`, `safeParseMany`), and writes the answer `index.js` reads: `""` when
/// valid, else the errors as [`push_error`] writes them.
fn check_doc<'a>(
    s: &'static Schema,
    mode: u32,
    whole: impl FnOnce() -> std::result::Result<Doc<'a>, NotTape>,
    items: impl FnOnce(&mut dyn FnMut(usize, Value<'_, 'a>)) -> std::result::Result<(), NotTape>,
) -> String {
    let mut out = String::new();
    let read = match mode {
        MODE_ONE => whole().map(|doc| push_error(&mut out, s.what, &s.check(&doc.root()))),
        MODE_BATCH => {
            whole().map(|doc| push_error(&mut out, &format!("{} batch", s.what), &s.check_batch(&doc.root())))
        }
        MODE_MANY => {
            let mut all: Vec<Issue> = Vec::new();
            items(&mut |i, item| {
                for mut issue in s.check(&item) {
                    issue.path.insert(0, PathSeg::Index(i));
                    all.push(issue);
                }
            })
            .map(|()| push_error(&mut out, &format!("{}s", s.what), &all))
        }
        MODE_SAFE_MANY => items(&mut |i, item| {
            let issues = s.check(&item);
            if !issues.is_empty() {
                push_number(&mut out, i, '@');
                push_error(&mut out, s.what, &issues);
            }
        }),
        _ => Err(NotTape),
    };
    match read {
        Ok(()) => out,
        // Not what index.js writes after all: let the detailed path answer.
        Err(NotTape) => "?".to_string(),
    }
}

/// Appends the error for `issues` (nothing when there are none) in the form `readErrors` in
/// `index.js` reads: tokens of a decimal number and a mark. `<n>!` is followed by the error's
/// subject (`lead`, `notes`, ...) and starts an error; `<n>=` by an issue's code and starts the
/// issue; `<n>.` by a key of its path; `<n>:` by its message; `<n>,` by one of its unrecognized
/// keys; `<n>#` is an index of its path, and `<n>@` (safeParseMany) the item the next error is for.
/// Text lengths count UTF-16 units, as JS strings do. JS builds the summary message and the
/// objects, so no text is written twice and nothing needs escaping or a JSON parser.
fn push_error(out: &mut String, what: &str, issues: &[Issue]) {
    if issues.is_empty() {
        return;
    }
    push_text(out, '!', what);
    for issue in issues {
        push_text(out, '=', issue.code);
        for seg in &issue.path {
            match seg {
                PathSeg::Key(k) => push_text(out, '.', k),
                PathSeg::Index(n) => push_number(out, *n, '#'),
            }
        }
        push_text(out, ':', &issue.message);
        for key in &issue.keys {
            push_text(out, ',', key);
        }
    }
}

fn push_text(out: &mut String, mark: char, text: &str) {
    let units = if text.is_ascii() {
        text.len()
    } else {
        text.encode_utf16().count()
    };
    push_number(out, units, mark);
    out.push_str(text);
}

fn push_number(out: &mut String, n: usize, mark: char) {
    use std::fmt::Write;
    let _ = write!(out, "{n}{mark}"); // writing to a String cannot fail
}

/// Declares one exported schema class with the zod-style static methods.
macro_rules! schema_class {
    ($rust:ident, $js:tt, $schema:path, $ty:tt, $safe:tt, $arr:tt, $safe_arr:tt, $doc:literal) => {
        #[doc = $doc]
        ///
        /// `parse(x)` returns `x` itself when valid (schemas are strict, so nothing is stripped)
        /// or throws a `KommoValidationError` with zod-style `issues`; `safeParse` never throws;
        /// `parseMany` / `safeParseMany` check thousands of items in one call; `parseBatch`
        /// checks a whole request body (1 to Kommo's per-request limit of items).
        #[napi(js_name = $js)]
        pub struct $rust;

        #[napi]
        impl $rust {
            /// Returns the input, typed, or throws a `KommoValidationError`.
            #[napi(ts_args_type = "input: unknown", ts_return_type = $ty)]
            pub fn parse<'e>(env: &'e Env, input: Unknown<'e>) -> Result<Unknown<'e>> {
                parse_one(env, &$schema, input)
            }

            /// `{ success: true, data }` or `{ success: false, error }`; never throws for invalid input.
            #[napi(ts_args_type = "input: unknown", ts_return_type = $safe)]
            pub fn safe_parse<'e>(env: &'e Env, input: Unknown<'e>) -> Result<Unknown<'e>> {
                safe_parse_one(env, &$schema, input)
            }

            /// Validates every item in one native call; returns the array or throws one
            /// `KommoValidationError` whose issue paths start with the item index.
            #[napi(ts_args_type = "items: unknown[]", ts_return_type = $arr)]
            pub fn parse_many<'e>(env: &'e Env, items: Unknown<'e>) -> Result<Unknown<'e>> {
                parse_many(env, &$schema, items)
            }

            /// Validates every item in one native call; returns one `safeParse` result per item.
            #[napi(ts_args_type = "items: unknown[]", ts_return_type = $safe_arr)]
            pub fn safe_parse_many<'e>(env: &'e Env, items: Unknown<'e>) -> Result<Unknown<'e>> {
                safe_parse_many(env, &$schema, items)
            }

            /// Validates a request body: an array of 1 to Kommo's per-request limit of items
            /// (250; 50 for complex leads). Returns it or throws.
            #[napi(ts_args_type = "items: unknown", ts_return_type = $arr)]
            pub fn parse_batch<'e>(env: &'e Env, items: Unknown<'e>) -> Result<Unknown<'e>> {
                parse_batch(env, &$schema, items)
            }

            /// Kommo's limit of items per request for this payload (250; 50 for complex leads).
            #[napi]
            pub fn batch_max() -> u32 {
                $schema.batch_max as u32
            }

            /// The tape fast path behind `index.js` (not part of the typed API).
            #[napi(skip_typescript)]
            pub fn check_tape(env: &Env, slots: Unknown, len: u32, text: Unknown, mode: u32) -> Result<String> {
                check_tape(&$schema, env, &slots, len, &text, mode)
            }
        }
    };
}

schema_class!(
    LeadCreateSchema,
    "leadCreateSchema",
    kommo::LEAD_CREATE,
    "LeadCreate",
    "SafeParseResult<LeadCreate, KommoValidationError>",
    "LeadCreate[]",
    "Array<SafeParseResult<LeadCreate, KommoValidationError>>",
    "Payload of `POST /api/v4/leads` (one item)."
);
schema_class!(
    LeadUpdateSchema,
    "leadUpdateSchema",
    kommo::LEAD_UPDATE,
    "LeadUpdate",
    "SafeParseResult<LeadUpdate, KommoValidationError>",
    "LeadUpdate[]",
    "Array<SafeParseResult<LeadUpdate, KommoValidationError>>",
    "Payload of `PATCH /api/v4/leads` (one item, `id` required)."
);
schema_class!(
    ContactCreateSchema,
    "contactCreateSchema",
    kommo::CONTACT_CREATE,
    "ContactCreate",
    "SafeParseResult<ContactCreate, KommoValidationError>",
    "ContactCreate[]",
    "Array<SafeParseResult<ContactCreate, KommoValidationError>>",
    "Payload of `POST /api/v4/contacts` (one item)."
);
schema_class!(
    ContactUpdateSchema,
    "contactUpdateSchema",
    kommo::CONTACT_UPDATE,
    "ContactUpdate",
    "SafeParseResult<ContactUpdate, KommoValidationError>",
    "ContactUpdate[]",
    "Array<SafeParseResult<ContactUpdate, KommoValidationError>>",
    "Payload of `PATCH /api/v4/contacts` (one item, `id` required)."
);
schema_class!(
    CompanyCreateSchema,
    "companyCreateSchema",
    kommo::COMPANY_CREATE,
    "CompanyCreate",
    "SafeParseResult<CompanyCreate, KommoValidationError>",
    "CompanyCreate[]",
    "Array<SafeParseResult<CompanyCreate, KommoValidationError>>",
    "Payload of `POST /api/v4/companies` (one item)."
);
schema_class!(
    CompanyUpdateSchema,
    "companyUpdateSchema",
    kommo::COMPANY_UPDATE,
    "CompanyUpdate",
    "SafeParseResult<CompanyUpdate, KommoValidationError>",
    "CompanyUpdate[]",
    "Array<SafeParseResult<CompanyUpdate, KommoValidationError>>",
    "Payload of `PATCH /api/v4/companies` (one item, `id` required)."
);
schema_class!(
    TaskCreateSchema,
    "taskCreateSchema",
    kommo::TASK_CREATE,
    "TaskCreate",
    "SafeParseResult<TaskCreate, KommoValidationError>",
    "TaskCreate[]",
    "Array<SafeParseResult<TaskCreate, KommoValidationError>>",
    "Payload of `POST /api/v4/tasks` (one item; `text` and `complete_till` required)."
);
schema_class!(
    TaskUpdateSchema,
    "taskUpdateSchema",
    kommo::TASK_UPDATE,
    "TaskUpdate",
    "SafeParseResult<TaskUpdate, KommoValidationError>",
    "TaskUpdate[]",
    "Array<SafeParseResult<TaskUpdate, KommoValidationError>>",
    "Payload of `PATCH /api/v4/tasks` (one item, `id` required)."
);
schema_class!(
    NoteCreateSchema,
    "noteCreateSchema",
    kommo::NOTE_CREATE,
    "NoteCreate",
    "SafeParseResult<NoteCreate, KommoValidationError>",
    "NoteCreate[]",
    "Array<SafeParseResult<NoteCreate, KommoValidationError>>",
    "Payload of `POST /api/v4/{entity}/notes` (one item; `entity_id`, `note_type`, and `params.text` for common notes)."
);
schema_class!(
    NoteUpdateSchema,
    "noteUpdateSchema",
    kommo::NOTE_UPDATE,
    "NoteUpdate",
    "SafeParseResult<NoteUpdate, KommoValidationError>",
    "NoteUpdate[]",
    "Array<SafeParseResult<NoteUpdate, KommoValidationError>>",
    "Payload of `PATCH /api/v4/{entity}/notes` (one item; `id` and `entity_id` required)."
);
schema_class!(
    ComplexLeadSchema,
    "complexLeadSchema",
    kommo::COMPLEX_LEAD,
    "ComplexLead",
    "SafeParseResult<ComplexLead, KommoValidationError>",
    "ComplexLead[]",
    "Array<SafeParseResult<ComplexLead, KommoValidationError>>",
    "Payload of `POST /api/v4/leads/complex` (one lead with at most one new contact and one new company, at most 40 custom field values per entity)."
);

// ---------------------------------------------------------------------------------------------
// Phones

/// Parses a phone number: `parsePhone('+57 300 123 4567')` gives
/// `{ e164: '+573001234567', national: '3001234567', countryCode: 57, country: 'CO', ... }`.
/// `defaultCountry` (ISO 3166-1 alpha-2) reads numbers written without a country code.
/// Throws a `KommoValidationError` when the input has no usable number.
#[napi(
    ts_args_type = "input: string, defaultCountry?: string",
    ts_return_type = "ParsedPhone"
)]
pub fn parse_phone<'e>(env: &'e Env, input: Unknown<'e>, default_country: Option<Unknown<'e>>) -> Result<Object<'e>> {
    match phone_parts(env, input, default_country)? {
        Ok(obj) => Ok(obj),
        Err(issues) => Err(throw(env, "phone number", &issues)?),
    }
}

/// `parsePhone` that never throws for invalid input: `{ success, data | error }`.
#[napi(
    ts_args_type = "input: unknown, defaultCountry?: string",
    ts_return_type = "SafeParseResult<ParsedPhone, KommoValidationError>"
)]
pub fn safe_parse_phone<'e>(
    env: &'e Env,
    input: Unknown<'e>,
    default_country: Option<Unknown<'e>>,
) -> Result<Unknown<'e>> {
    let obj = match phone_parts(env, input, default_country)? {
        Ok(obj) => result_object(env, true, obj.raw())?,
        Err(issues) => result_object(env, false, error_object(env, "phone number", &issues)?.raw())?,
    };
    Ok(raw_unknown(env, obj))
}

fn key_issue(key: &'static str, code: &'static str, message: String) -> Issue {
    let path = if key.is_empty() {
        Vec::new()
    } else {
        vec![PathSeg::Key(key.into())]
    };
    Issue::new(path, code, message)
}

fn phone_parts<'e>(
    env: &'e Env,
    input: Unknown<'e>,
    default_country: Option<Unknown<'e>>,
) -> Result<std::result::Result<Object<'e>, Vec<Issue>>> {
    let v = JsVal::new(env, &input);
    if v.kind() != Kind::String {
        let got = v.kind().name();
        return Ok(Err(vec![key_issue(
            "",
            "invalid_type",
            format!("expected a phone number string, received {got}"),
        )]));
    }
    let text = v.with_str(str::to_string);
    let region = match default_country {
        None => None,
        Some(c) => {
            let cv = JsVal::new(env, &c);
            match cv.kind() {
                Kind::Undefined | Kind::Null => None,
                Kind::String => {
                    let code = cv.with_str(str::to_string);
                    match parse_region(&code) {
                        Some(r) => Some(r),
                        None => {
                            return Ok(Err(vec![key_issue(
                                "defaultCountry",
                                "invalid_value",
                                format!("{code:?} is not a known ISO 3166-1 alpha-2 country code; expected two letters such as \"CO\", \"MX\" or \"US\""),
                            )]))
                        }
                    }
                }
                k => {
                    return Ok(Err(vec![key_issue(
                        "defaultCountry",
                        "invalid_type",
                        format!("expected a two-letter country code string, received {}", k.name()),
                    )]))
                }
            }
        }
    };
    let phone = match Phone::parse(&text, region) {
        Ok(p) => p,
        Err(e) => {
            let code = match e {
                PhoneError::NoDigits => "invalid_value",
                PhoneError::TooShort(_) => "too_small",
                PhoneError::TooLong(_) => "too_big",
            };
            return Ok(Err(vec![key_issue("", code, e.to_string())]));
        }
    };
    let parsed = phone
        .e164
        .as_deref()
        .and_then(|e| crate::phone_db::parse_international(e.trim_start_matches('+')));
    let mut obj = Object::new(env)?;
    obj.set("input", text.as_str())?;
    obj.set("e164", phone.e164.as_deref())?;
    obj.set("national", phone.national())?;
    obj.set(
        "countryCode",
        phone.keys().first().and_then(|k| k.country_code).map(u32::from),
    )?;
    obj.set(
        "country",
        parsed.as_ref().and_then(|n| n.region()).map(|id| format!("{id:?}")),
    )?;
    obj.set(
        "nationalFormatted",
        parsed.as_ref().map(|n| n.format(phonenumber::Mode::National)),
    )?;
    obj.set(
        "international",
        parsed.as_ref().map(|n| n.format(phonenumber::Mode::International)),
    )?;
    obj.set("valid", parsed.as_ref().is_some_and(|n| n.is_valid()))?;
    obj.set("digits", crate::phone::normalize_phone(&text))?;
    obj.set("searchDigits", phone.search_digits())?;
    Ok(Ok(obj))
}

// ---------------------------------------------------------------------------------------------
// Webhooks

fn webhook_body(env: &Env, input: &Unknown) -> Result<std::result::Result<Vec<u8>, Vec<Issue>>> {
    match input.get_type()? {
        ValueType::String => Ok(Ok(String::from_unknown(*input)?.into_bytes())),
        ValueType::Object if input.is_buffer()? || input.is_typedarray()? => {
            // SAFETY: the value was checked to be a Buffer / Uint8Array.
            let slice = unsafe { BufferSlice::from_napi_value(env.raw(), input.raw())? };
            Ok(Ok(slice.to_vec()))
        }
        _ => Ok(Err(vec![Issue::new(
            Vec::new(),
            "invalid_type",
            format!(
                "expected the raw request body as a string or Buffer (form-encoded), received {}",
                crate::node::describe(input)
            ),
        )])),
    }
}

fn webhook<'e>(env: &'e Env, input: &Unknown<'e>) -> Result<std::result::Result<Unknown<'e>, Vec<Issue>>> {
    let body = match webhook_body(env, input)? {
        Ok(b) => b,
        Err(issues) => return Ok(Err(issues)),
    };
    match schema::webhook::parse(&body) {
        Ok(value) => Ok(Ok(env.to_js_value(&value)?.to_unknown())),
        Err(issues) => Ok(Err(issues)),
    }
}

/// Parses a Kommo webhook body (`leads[add][0][id]=...`, form-encoded) into a typed object:
/// `{ leads: { add: [{ id: 1, name: 'Deal', ... }] }, account: { subdomain, id, ... } }`.
/// Ids, timestamps and prices become numbers. Throws a `KommoValidationError` for a body that
/// is not a Kommo webhook.
#[napi(ts_args_type = "body: string | Uint8Array", ts_return_type = "KommoWebhook")]
pub fn parse_webhook<'e>(env: &'e Env, body: Unknown<'e>) -> Result<Unknown<'e>> {
    match webhook(env, &body)? {
        Ok(v) => Ok(v),
        Err(issues) => Err(throw(env, "webhook body", &issues)?),
    }
}

/// Kommo webhook bodies with zod's calling convention (`parse` = `parseWebhook`).
#[napi(js_name = "webhookSchema")]
pub struct WebhookSchema;

#[napi]
impl WebhookSchema {
    /// Same as `parseWebhook`.
    #[napi(ts_args_type = "body: string | Uint8Array", ts_return_type = "KommoWebhook")]
    pub fn parse<'e>(env: &'e Env, body: Unknown<'e>) -> Result<Unknown<'e>> {
        parse_webhook(env, body)
    }

    /// `{ success: true, data }` or `{ success: false, error }`; never throws for invalid input.
    #[napi(
        ts_args_type = "body: unknown",
        ts_return_type = "SafeParseResult<KommoWebhook, KommoValidationError>"
    )]
    pub fn safe_parse<'e>(env: &'e Env, body: Unknown<'e>) -> Result<Unknown<'e>> {
        let obj = match webhook(env, &body)? {
            Ok(v) => result_object(env, true, v.raw())?,
            Err(issues) => result_object(env, false, error_object(env, "webhook body", &issues)?.raw())?,
        };
        Ok(raw_unknown(env, obj))
    }
}

#[cfg(test)]
mod tests {
    use super::{push_error, push_number};
    use crate::schema::{Issue, PathSeg};

    #[test]
    fn errors_are_written_as_counted_tokens() {
        let mut unknown = Issue::new(vec![], "unrecognized_keys", "unrecognized key in lead: \"clé🚀\"");
        unknown.keys = vec!["clé🚀".into(), "x".into()];
        let issues = [
            Issue::new(
                vec![
                    PathSeg::Key("_embedded".into()),
                    PathSeg::Index(12),
                    PathSeg::Key("name".into()),
                ],
                "invalid_type",
                "expected string, received number",
            ),
            unknown,
        ];
        let mut out = String::new();
        push_number(&mut out, 7, '@');
        push_error(&mut out, "lead", &issues);
        // UTF-16 lengths: "é" is one unit, "🚀" two.
        assert_eq!(
            out,
            "7@4!lead12=invalid_type9._embedded12#4.name32:expected string, received number\
             17=unrecognized_keys33:unrecognized key in lead: \"clé🚀\"5,clé🚀1,x"
        );
        let mut none = String::new();
        push_error(&mut none, "lead", &[]);
        assert_eq!(none, "");
    }
}
