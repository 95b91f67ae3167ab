//! A JSON result whose failure shape names its (empty) list key, for SDK functions whose
//! results are assembled as JSON (`{ success: false, deals: [], totalFound: 0, error }`).

use std::marker::PhantomData;

use serde::Serialize;
use serde_json::{json, Value};

use crate::node::args::Failure;

/// The list key (and whether there is a count) a failed result still carries.
pub(crate) trait ListKey {
    /// `""` when the result has no list.
    const KEY: &'static str;
    /// Whether the failure carries `totalFound: 0`.
    const COUNTED: bool = true;
}

/// A result built as JSON.
pub(crate) struct Json<K>(pub Value, PhantomData<K>);

impl<K> Json<K> {
    pub(crate) fn new(v: Value) -> Self {
        Json(v, PhantomData)
    }
}

impl<K> Serialize for Json<K> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<K: ListKey> Failure for Json<K> {
    fn failure(error: String) -> Self {
        let mut v = json!({ "success": false });
        if !K::KEY.is_empty() {
            v[K::KEY] = json!([]);
            if K::COUNTED {
                v["totalFound"] = json!(0);
            }
        }
        v["error"] = json!(error);
        Json::new(v)
    }
}

/// Serialises `v` and renames its key `from` to `to` (e.g. `leads` → `deals`).
pub(crate) fn renamed<T: Serialize>(v: &T, from: &str, to: &str) -> Value {
    let mut value = serde_json::to_value(v).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut value {
        if let Some(x) = m.remove(from) {
            m.insert(to.to_string(), x);
        }
    }
    value
}

macro_rules! list_key {
    ($name:ident, $key:expr) => {
        pub(crate) struct $name;
        impl ListKey for $name {
            const KEY: &'static str = $key;
        }
    };
    ($name:ident, $key:expr, uncounted) => {
        pub(crate) struct $name;
        impl ListKey for $name {
            const KEY: &'static str = $key;
            const COUNTED: bool = false;
        }
    };
}

list_key!(NoList, "");
list_key!(Deals, "deals");
list_key!(Statuses, "statuses");
list_key!(Pipelines, "pipelines");
list_key!(CustomFields, "customFields");
list_key!(Groups, "groups");
list_key!(Fields, "fields", uncounted);
list_key!(Results, "results", uncounted);
