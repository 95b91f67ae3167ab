//! The Node binding: thin glue between JS values and the Rust core.
//!
//! - [`config`]: `kommoConfigSchema` and reading configs passed to SDK functions;
//! - one file per resource with its SDK functions ([`contacts`], [`leads`], [`pipelines`], ...),
//!   on top of [`args`] (argument reading and the result convention);
//! - [`cli`]: `runCli`/`stopServer`, used by `bin/kommo-mcp.js`;
//! - [`sandbox`]: `startSandbox`, the embedded Kommo emulator for tests.
//!
//! Conventions: SDK functions return a Promise of `{ success, ..., error? }` and never reject
//! for API failures; they throw (synchronously, before any request) only for programmer errors:
//! an invalid config (a `KommoConfigError`) or arguments of the wrong type (a `TypeError`).

pub mod account;
pub mod args;
pub mod batch;
pub mod catalogs;
pub mod cli;
pub mod companies;
pub mod config;
pub mod contacts;
pub mod custom_fields;
pub mod deals;
pub(crate) mod json_result;
pub mod leads;
pub mod links;
pub mod notes;
pub mod oauth;
pub mod pipelines;
pub mod sandbox;
pub mod schemas;
pub mod shapes;
pub mod tags;
pub mod tasks;
pub mod utils;

use napi::bindgen_prelude::*;
use serde::Serialize;

/// Spawns `fut` on the runtime and resolves the returned Promise with its output converted
/// through serde (so `null`s, nesting and snake_case keys are exactly as serialised).
pub(crate) fn promise_json<'e, T, F>(env: &'e Env, fut: F) -> Result<PromiseRaw<'e, Unknown<'e>>>
where
    T: Serialize + Send + 'static,
    F: std::future::Future<Output = T> + Send + 'static,
{
    spawn_boxed(env, Box::pin(async move { Box::new(fut.await) as Box<dyn ToJs> }))
}

/// A result converted to JS on the main thread once its future is done.
trait ToJs: Send {
    fn to_js<'e>(&self, env: &'e Env) -> Result<Unknown<'e>>;
}

impl<T: Serialize + Send> ToJs for T {
    fn to_js<'e>(&self, env: &'e Env) -> Result<Unknown<'e>> {
        env.to_js_value(self)
    }
}

type BoxedResult = std::pin::Pin<Box<dyn std::future::Future<Output = Box<dyn ToJs>> + Send>>;

/// The one place SDK futures are spawned. Boxed, so napi's and tokio's task machinery (spawn,
/// harness, deferred resolution) is compiled once instead of once per SDK function: about
/// 1 MB less addon code (BENCHMARKS.md "Binary size").
#[inline(never)]
fn spawn_boxed<'e>(env: &'e Env, fut: BoxedResult) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    env.spawn_future_with_callback(async move { Ok(fut.await) }, |env, value| value.to_js(env))
}

/// Calls `f` with the UTF-16 code units of a JS string: a stack buffer for up to 2,047 units, else
/// one allocation of the exact length.
///
/// Node-API's UTF-8 read (`napi_get_value_string_utf8`, what napi-rs uses for `String`
/// arguments) costs 2-4 ns per character in Node 20 (V8 measures, then encodes); the UTF-16 read
/// is a plain widening copy.
pub(crate) fn with_utf16<R>(env: &Env, value: &Unknown, f: impl FnOnce(&[u16]) -> R) -> Result<R> {
    use napi::sys;
    use std::mem::MaybeUninit;
    let not_a_string = || Error::new(Status::StringExpected, "expected a string");
    // Not zeroed: Node-API writes the units it reports (zeroing 4 KB was 6% of a config check).
    let mut stack = [MaybeUninit::<u16>::uninit(); 2048];
    let mut len = 0usize;
    // SAFETY: `stack` is writable for its length; Node-API writes at most len - 1 units and a NUL.
    let status = unsafe {
        sys::napi_get_value_string_utf16(env.raw(), value.raw(), stack.as_mut_ptr().cast(), stack.len(), &mut len)
    };
    if status != sys::Status::napi_ok {
        return Err(not_a_string());
    }
    if len < stack.len() - 1 {
        // SAFETY: Node-API initialised the first `len` units.
        return Ok(f(unsafe {
            std::slice::from_raw_parts(stack.as_ptr().cast::<u16>(), len)
        }));
    }
    let mut full = 0usize;
    // SAFETY: a null buffer asks for the length (UTF-16 code units) only.
    unsafe { sys::napi_get_value_string_utf16(env.raw(), value.raw(), std::ptr::null_mut(), 0, &mut full) };
    let mut heap: Vec<u16> = Vec::with_capacity(full + 1);
    // SAFETY: `heap` has room for full + 1 units (the string and a NUL); Node-API reports in `len`
    // how many it wrote, and only those are read.
    let status =
        unsafe { sys::napi_get_value_string_utf16(env.raw(), value.raw(), heap.as_mut_ptr(), full + 1, &mut len) };
    if status != sys::Status::napi_ok {
        return Err(not_a_string());
    }
    // SAFETY: the first `len` units (at most `full`) were written by Node-API.
    unsafe { heap.set_len(len.min(full)) };
    Ok(f(&heap))
}

/// Calls `f` with a short ASCII JS string as `&str`, narrowed from [`with_utf16`]'s stack buffer into
/// another (no allocation); `None` when `value` is not a string, is longer than 255 units or is not
/// ASCII.
pub(crate) fn with_short_ascii<R>(env: &Env, value: &Unknown, f: impl FnOnce(&str) -> R) -> Option<R> {
    with_utf16(env, value, |units| {
        let mut bytes = [0u8; 255];
        if units.len() > bytes.len() {
            return None;
        }
        for (b, &u) in bytes.iter_mut().zip(units) {
            if u >= 0x80 {
                return None;
            }
            *b = u as u8;
        }
        // SAFETY: every byte is below 0x80 (checked above): ASCII, which is UTF-8.
        Some(f(unsafe { std::str::from_utf8_unchecked(&bytes[..units.len()]) }))
    })
    .ok()
    .flatten()
}

/// Copies a JS string into a Rust `String` through [`with_utf16`]. ASCII (JSON.stringify output,
/// URLs, tokens) narrows byte by byte; anything else decodes with `String::from_utf16_lossy`, which
/// gives what the UTF-8 read gives (lone surrogates become U+FFFD).
///
/// A long string (a JSON batch is megabytes) is read into one byte buffer that the ASCII case
/// narrows in place, instead of a UTF-16 buffer plus a second one for the bytes: fresh pages cost
/// a page fault each, which was a third of a batch check.
pub(crate) fn js_string(env: &Env, value: &Unknown) -> Result<String> {
    js_text(env, value, false).map(Option::unwrap_or_default)
}

/// [`js_string`] that refuses what UTF-8 cannot hold: `None` for a string with a lone surrogate
/// (instead of U+FFFD), so that a caller comparing lengths in UTF-16 units can trust the text.
pub(crate) fn js_string_exact(env: &Env, value: &Unknown) -> Result<Option<String>> {
    js_text(env, value, true)
}

fn js_text(env: &Env, value: &Unknown, exact: bool) -> Result<Option<String>> {
    use napi::sys;
    let mut full = 0usize;
    // SAFETY: a null buffer asks for the length (UTF-16 code units) only.
    let status =
        unsafe { sys::napi_get_value_string_utf16(env.raw(), value.raw(), std::ptr::null_mut(), 0, &mut full) };
    if status != sys::Status::napi_ok || full < 2047 {
        return with_utf16(env, value, |units| narrow(units, exact));
    }
    let mut buf: Vec<u8> = Vec::with_capacity(2 * (full + 1));
    if !(buf.as_ptr() as usize).is_multiple_of(std::mem::align_of::<u16>()) {
        return with_utf16(env, value, |units| narrow(units, exact));
    }
    let mut len = 0usize;
    // SAFETY: `buf` has room for full + 1 units, and is aligned for u16 (checked above); Node-API
    // reports in `len` how many units it wrote, and only those are read.
    let status = unsafe {
        sys::napi_get_value_string_utf16(env.raw(), value.raw(), buf.as_mut_ptr().cast(), full + 1, &mut len)
    };
    if status != sys::Status::napi_ok {
        return Err(Error::new(Status::StringExpected, "expected a string"));
    }
    let len = len.min(full);
    // SAFETY: the first `len` units were written by Node-API; the buffer is aligned for u16.
    let units = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u16>(), len) };
    if units.iter().fold(0u16, |acc, &u| acc | u) >= 0x80 {
        return Ok(decode_utf16(units, exact));
    }
    // Narrow in place, 32 units at a time: each chunk is read whole before its bytes are written,
    // and byte k lies inside unit k / 2, so a chunk only overwrites units already read.
    const CHUNK: usize = 32;
    let base = buf.as_mut_ptr();
    let mut i = 0;
    while i < len {
        let n = CHUNK.min(len - i);
        let mut chunk = [0u16; CHUNK];
        // SAFETY: units i..i + n are initialised and in bounds; bytes i..i + n are in bounds
        // (len <= capacity / 2) and belong to units below i + n, read by this or an earlier chunk.
        unsafe {
            std::ptr::copy_nonoverlapping(base.add(2 * i).cast::<u16>(), chunk.as_mut_ptr(), n);
            for (j, &u) in chunk[..n].iter().enumerate() {
                *base.add(i + j) = u as u8;
            }
        }
        i += n;
    }
    // SAFETY: the first `len` bytes are ASCII (every unit was below 0x80), which is UTF-8.
    unsafe {
        buf.set_len(len);
        Ok(Some(String::from_utf8_unchecked(buf)))
    }
}

/// [`js_string`] for units read into a buffer of their own.
fn narrow(units: &[u16], exact: bool) -> Option<String> {
    // Branch-free over the whole string so that both loops vectorise.
    if units.iter().fold(0u16, |acc, &u| acc | u) < 0x80 {
        let bytes: Vec<u8> = units.iter().map(|&u| u as u8).collect();
        // SAFETY: every unit is below 0x80, so every byte is ASCII, which is UTF-8.
        Some(unsafe { String::from_utf8_unchecked(bytes) })
    } else {
        decode_utf16(units, exact)
    }
}

/// Non-ASCII units as UTF-8: lone surrogates become U+FFFD (what the UTF-8 read gives), or `None`
/// when `exact`.
fn decode_utf16(units: &[u16], exact: bool) -> Option<String> {
    if exact {
        String::from_utf16(units).ok()
    } else {
        Some(String::from_utf16_lossy(units))
    }
}

/// A `TypeError` naming the function and argument, to return as `Err` (it is thrown as is).
pub(crate) fn type_error(env: &Env, message: impl Into<String>) -> Error {
    let js = JsTypeError::from(Error::new(Status::InvalidArg, message.into()));
    // SAFETY: `env` is the live env of the current call.
    unsafe {
        let raw = js.into_value(env.raw());
        Error::from(Unknown::from_raw_unchecked(env.raw(), raw))
    }
}

/// Describes a JS value's type for error messages.
pub(crate) fn describe(value: &Unknown) -> &'static str {
    match value.get_type() {
        Ok(ValueType::Undefined) => "undefined",
        Ok(ValueType::Null) => "null",
        Ok(ValueType::Boolean) => "a boolean",
        Ok(ValueType::Number) => "a number",
        Ok(ValueType::String) => "a string",
        Ok(ValueType::Symbol) => "a symbol",
        Ok(ValueType::Object) => {
            if value.is_array().unwrap_or(false) {
                "an array"
            } else {
                "an object"
            }
        }
        Ok(ValueType::Function) => "a function",
        _ => "an unknown value",
    }
}

/// Reads an optional string property: `Ok(None)` when absent or undefined.
pub(crate) fn opt_string(env: &Env, obj: &Object, key: &str, what: &str) -> Result<Option<String>> {
    match obj.get::<Unknown>(key)? {
        None => Ok(None),
        Some(v) => match v.get_type()? {
            ValueType::Undefined => Ok(None),
            ValueType::String => Ok(Some(String::from_unknown(v)?)),
            _ => Err(type_error(
                env,
                format!("{what}.{key} must be a string, got {}", describe(&v)),
            )),
        },
    }
}
