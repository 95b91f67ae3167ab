//! An order-preserving JSON tree that borrows from its text, for checking values that crossed the
//! napi boundary as one `JSON.stringify` string (see `index.js`).
//!
//! `serde_json::Value` would do, but its objects are sorted maps here (no `preserve_order`), and
//! the schema engine reports unknown keys and issues in the input's key order; this tree keeps
//! that order, so both ways of reading a value give the same issues. Strings without escapes are
//! borrowed from the text.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{Input, Kind};

#[derive(Debug, PartialEq)]
pub enum Json<'a> {
    Null,
    Bool(bool),
    Num(f64),
    Str(Cow<'a, str>),
    Arr(Vec<Json<'a>>),
    Obj(Vec<(Cow<'a, str>, Json<'a>)>),
}

impl<'a> Json<'a> {
    /// Parses JSON text (as produced by `JSON.stringify`).
    pub fn parse(text: &'a str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
        Ok(Json::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Self::Value, E> {
        Ok(Json::Num(n as f64))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
        Ok(Json::Num(n as f64))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Self::Value, E> {
        Ok(Json::Num(n))
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Borrowed(s)))
    }
    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Owned(s.to_owned())))
    }
    fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Owned(s)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(Key(key)) = map.next_key()? {
            entries.push((key, map.next_value()?));
        }
        Ok(Json::Obj(entries))
    }
}

/// An object key, borrowed from the text when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(s)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

impl<'j, 'a> Input for &'j Json<'a> {
    fn kind(&self) -> Kind {
        match self {
            Json::Null => Kind::Null,
            Json::Bool(_) => Kind::Bool,
            Json::Num(_) => Kind::Number,
            Json::Str(_) => Kind::String,
            Json::Arr(_) => Kind::Array,
            Json::Obj(_) => Kind::Object,
        }
    }
    fn number(&self) -> f64 {
        match self {
            Json::Num(n) => *n,
            _ => f64::NAN,
        }
    }
    fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        match self {
            Json::Str(s) => f(s),
            _ => f(""),
        }
    }
    fn array_len(&self) -> usize {
        match self {
            Json::Arr(a) => a.len(),
            _ => 0,
        }
    }
    fn index(&self, i: usize) -> Option<Self> {
        match self {
            Json::Arr(a) => a.get(i),
            _ => None,
        }
    }
    fn for_each_entry(&self, mut f: impl FnMut(&str, Self)) {
        if let Json::Obj(entries) = self {
            for (k, v) in entries {
                f(k, v);
            }
        }
    }
    fn get(&self, key: &str) -> Option<Self> {
        match self {
            Json::Obj(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_order_and_borrows_plain_strings() {
        let text = r#"{"z":1,"a":"x","m":[true,null,"e\u00e9"]}"#;
        let j = Json::parse(text).unwrap();
        let Json::Obj(entries) = &j else { panic!("object") };
        let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_ref()).collect();
        assert_eq!(keys, ["z", "a", "m"]);
        assert!(matches!(&entries[1].1, Json::Str(Cow::Borrowed("x"))));
        let Json::Arr(items) = &entries[2].1 else {
            panic!("array")
        };
        assert_eq!(items[2], Json::Str(Cow::Owned("eé".into())));
        assert_eq!((&j).get("a").map(|v| v.kind()), Some(Kind::String));
    }

    #[test]
    fn gives_the_same_issues_as_serde_json_values() {
        let text = r#"{"price":"12","name":"","zzz":1,"custom_fields_values":[{"field_id":0,"values":[]}]}"#;
        let ours = super::super::kommo::LEAD_CREATE.check(&&Json::parse(text).unwrap());
        let theirs = super::super::kommo::LEAD_CREATE.check(&&serde_json::from_str::<serde_json::Value>(text).unwrap());
        assert!(!ours.is_empty());
        let mut a: Vec<String> = ours.iter().map(|i| i.to_string()).collect();
        let mut b: Vec<String> = theirs.iter().map(|i| i.to_string()).collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }
}
