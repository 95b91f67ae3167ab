//! A JS value as `index.js` writes it for the payload schemas' fast path: a tape of f64 slots and
//! one string holding every key and string value, read into a flat document that the schema
//! engine checks through [`Input`].
//!
//! Reading a JS object through Node-API costs several calls per property, far more than the
//! rules. The first fast path sent `JSON.stringify` text instead, but serialising was most of a
//! single item's cost (Node 20's V8 has no fast JSON serializer) and it needed a second walk to
//! prove the text faithful. The tape is written in one walk that does both, and reading it here
//! is a copy of slots into nodes: no text to scan, no escapes, numbers exactly as JS holds them.
//!
//! In slots: a tag, then what the tag needs:
//! - `0` null, `1` false, `2` true, `7` undefined;
//! - `3` number: the value;
//! - `4` string: its length in UTF-16 code units (the text holds it next);
//! - `5` array: its length, then each item;
//! - `6` object: its number of keys, then for each the key's length (the text holds the key
//!   next) and the value. Keys are what a `for…in` loop gives, as the detailed path reads them.
//!
//! Every node of a document lives in one `Vec` (16 bytes a node), strings are borrowed from the
//! text, arrays index their items through one shared table, and a batch is read item by item,
//! reusing one item's nodes for the next. Anything out of shape (a forged tape: the class method
//! is reachable from JS) is [`NotTape`], never a panic; the caller then lets the detailed path
//! answer.

use super::{Input, Kind};

/// Nesting deeper than this is refused (`index.js` stops at the same depth, which also ends a
/// cycle), so a forged tape cannot exhaust the stack.
pub const MAX_DEPTH: u32 = 127;

const TAG_NULL: f64 = 0.0;
const TAG_FALSE: f64 = 1.0;
const TAG_TRUE: f64 = 2.0;
const TAG_NUMBER: f64 = 3.0;
const TAG_STRING: f64 = 4.0;
const TAG_ARRAY: f64 = 5.0;
const TAG_OBJECT: f64 = 6.0;
const TAG_UNDEFINED: f64 = 7.0;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Node {
    Undefined,
    Null,
    Bool(bool),
    Num(f64),
    /// A string: bytes `start..end` of the text.
    Str {
        start: u32,
        end: u32,
    },
    /// An array of `len` items; their node indices are `Doc::items[at..at + len]`; its subtree
    /// ends before node `end`.
    Arr {
        len: u32,
        at: u32,
        end: u32,
    },
    /// An object: `len` key/value pairs follow as key node, value subtree, ...; ends before `end`.
    Obj {
        len: u32,
        end: u32,
    },
}

/// Why the slots and text are not a tape (the caller only needs to know that they are not).
#[derive(Debug, PartialEq, Eq)]
pub struct NotTape;

/// A value read from a tape.
#[derive(Debug)]
pub struct Doc<'a> {
    text: &'a str,
    nodes: Vec<Node>,
    items: Vec<u32>,
}

/// One value of a [`Doc`].
#[derive(Clone, Copy)]
pub struct Value<'d, 'a> {
    doc: &'d Doc<'a>,
    at: u32,
}

impl<'a> Doc<'a> {
    /// Reads one value: all of `slots` and all of `text` must be used.
    pub fn read(slots: &[f64], text: &'a str) -> Result<Self, NotTape> {
        let mut r = Reader::new(slots, text)?;
        r.value(0)?;
        r.finish()?;
        Ok(r.doc)
    }

    /// Reads an array one item at a time, calling `f` with each item's index and value; the nodes
    /// of one item are reused for the next, so a batch of thousands of items stays in a few KB of
    /// cache-warm memory. On a fault it stops with `NotTape` (after calling `f` for the items
    /// before it).
    pub fn for_each_item(slots: &[f64], text: &'a str, mut f: impl FnMut(usize, Value<'_, 'a>)) -> Result<(), NotTape> {
        let mut r = Reader::new(slots, text)?;
        if r.slot()? != TAG_ARRAY {
            return Err(NotTape);
        }
        let len = r.count()?;
        for index in 0..len as usize {
            r.doc.nodes.clear();
            r.doc.items.clear();
            r.value(1)?;
            f(index, r.doc.root());
        }
        r.finish()
    }

    /// The top-level value.
    pub fn root(&self) -> Value<'_, 'a> {
        Value { doc: self, at: 0 }
    }
}

impl<'d> Value<'d, '_> {
    fn node(&self) -> Node {
        self.doc.nodes[self.at as usize]
    }

    fn at(&self, at: u32) -> Self {
        Value { doc: self.doc, at }
    }

    /// The string of a `Str` node.
    fn text(&self, node: Node) -> &'d str {
        match node {
            Node::Str { start, end } => &self.doc.text[start as usize..end as usize],
            _ => "",
        }
    }

    /// Index of the node after this value's subtree.
    fn next(&self) -> u32 {
        match self.node() {
            Node::Arr { end, .. } | Node::Obj { end, .. } => end,
            _ => self.at + 1,
        }
    }

    /// The key/value pairs of an object, in order.
    fn entries(&self) -> impl Iterator<Item = (&'d str, Self)> + '_ {
        let len = match self.node() {
            Node::Obj { len, .. } => len,
            _ => 0,
        };
        let mut key = self.at + 1;
        (0..len).map(move |_| {
            let value = self.at(key + 1);
            let k = self.text(self.doc.nodes[key as usize]);
            key = value.next();
            (k, value)
        })
    }
}

impl Input for Value<'_, '_> {
    fn kind(&self) -> Kind {
        match self.node() {
            Node::Undefined => Kind::Undefined,
            Node::Null => Kind::Null,
            Node::Bool(_) => Kind::Bool,
            Node::Num(_) => Kind::Number,
            Node::Str { .. } => Kind::String,
            Node::Arr { .. } => Kind::Array,
            Node::Obj { .. } => Kind::Object,
        }
    }
    fn number(&self) -> f64 {
        match self.node() {
            Node::Num(n) => n,
            _ => f64::NAN,
        }
    }
    fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        f(self.text(self.node()))
    }
    fn array_len(&self) -> usize {
        match self.node() {
            Node::Arr { len, .. } => len as usize,
            _ => 0,
        }
    }
    fn index(&self, i: usize) -> Option<Self> {
        match self.node() {
            Node::Arr { len, at, .. } if i < len as usize => Some(self.at(self.doc.items[at as usize + i])),
            _ => None,
        }
    }
    fn for_each_entry(&self, mut f: impl FnMut(&str, Self)) {
        for (k, v) in self.entries() {
            f(k, v);
        }
    }
    fn get(&self, key: &str) -> Option<Self> {
        self.entries().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

struct Reader<'a, 't> {
    slots: &'t [f64],
    i: usize,
    /// Where the next string starts in the text (bytes).
    pos: usize,
    /// An ASCII text's UTF-16 lengths are byte lengths.
    ascii: bool,
    doc: Doc<'a>,
    /// Item node indices of the arrays being read (each array's items sit above its mark).
    stack: Vec<u32>,
}

impl<'a, 't> Reader<'a, 't> {
    fn new(slots: &'t [f64], text: &'a str) -> Result<Self, NotTape> {
        // Node positions are u32.
        if text.len() >= u32::MAX as usize || slots.len() >= u32::MAX as usize {
            return Err(NotTape);
        }
        Ok(Reader {
            slots,
            i: 0,
            pos: 0,
            ascii: text.is_ascii(),
            doc: Doc {
                text,
                nodes: Vec::with_capacity(slots.len().min(1 << 12)),
                items: Vec::new(),
            },
            stack: Vec::new(),
        })
    }

    /// The whole tape and the whole text must have been read.
    fn finish(&self) -> Result<(), NotTape> {
        if self.i == self.slots.len() && self.pos == self.doc.text.len() {
            Ok(())
        } else {
            Err(NotTape)
        }
    }

    fn slot(&mut self) -> Result<f64, NotTape> {
        let v = *self.slots.get(self.i).ok_or(NotTape)?;
        self.i += 1;
        Ok(v)
    }

    /// A whole number below 2^32 (NaN fails every comparison).
    fn whole(&mut self) -> Result<u32, NotTape> {
        let v = self.slot()?;
        if v >= 0.0 && v < u32::MAX as f64 && v.fract() == 0.0 {
            Ok(v as u32)
        } else {
            Err(NotTape)
        }
    }

    /// An array's or object's size: every item and key takes at least one slot, so a forged size
    /// larger than what is left of the tape is refused before anything is read.
    fn count(&mut self) -> Result<u32, NotTape> {
        let n = self.whole()?;
        if n as usize <= self.slots.len() - self.i {
            Ok(n)
        } else {
            Err(NotTape)
        }
    }

    fn push(&mut self, node: Node) -> u32 {
        self.doc.nodes.push(node);
        (self.doc.nodes.len() - 1) as u32
    }

    /// The next string of the text; the slot gives its length in UTF-16 code units.
    fn string(&mut self) -> Result<Node, NotTape> {
        let units = self.whole()? as usize;
        let start = self.pos;
        let rest = &self.doc.text[start..];
        let len = if self.ascii {
            if units > rest.len() {
                return Err(NotTape);
            }
            units
        } else {
            let (mut seen, mut bytes) = (0, 0);
            for c in rest.chars() {
                if seen >= units {
                    break;
                }
                seen += c.len_utf16();
                bytes += c.len_utf8();
            }
            // Short of text, or ending inside a surrogate pair (two strings whose halves met).
            if seen != units {
                return Err(NotTape);
            }
            bytes
        };
        self.pos = start + len;
        Ok(Node::Str {
            start: start as u32,
            end: self.pos as u32,
        })
    }

    fn value(&mut self, depth: u32) -> Result<(), NotTape> {
        let tag = self.slot()?;
        let node = if tag == TAG_STRING {
            self.string()?
        } else if tag == TAG_NUMBER {
            Node::Num(self.slot()?)
        } else if tag == TAG_OBJECT {
            return self.object(depth + 1);
        } else if tag == TAG_ARRAY {
            return self.array(depth + 1);
        } else if tag == TAG_TRUE {
            Node::Bool(true)
        } else if tag == TAG_FALSE {
            Node::Bool(false)
        } else if tag == TAG_NULL {
            Node::Null
        } else if tag == TAG_UNDEFINED {
            Node::Undefined
        } else {
            return Err(NotTape);
        };
        self.push(node);
        Ok(())
    }

    fn object(&mut self, depth: u32) -> Result<(), NotTape> {
        if depth > MAX_DEPTH {
            return Err(NotTape);
        }
        let len = self.count()?;
        let me = self.push(Node::Obj { len, end: 0 });
        for _ in 0..len {
            let key = self.string()?;
            self.push(key);
            self.value(depth)?;
        }
        let end = self.doc.nodes.len() as u32;
        self.doc.nodes[me as usize] = Node::Obj { len, end };
        Ok(())
    }

    fn array(&mut self, depth: u32) -> Result<(), NotTape> {
        if depth > MAX_DEPTH {
            return Err(NotTape);
        }
        let len = self.count()?;
        let me = self.push(Node::Arr { len, at: 0, end: 0 });
        let mark = self.stack.len();
        for _ in 0..len {
            self.stack.push(self.doc.nodes.len() as u32);
            self.value(depth)?;
        }
        let at = self.doc.items.len() as u32;
        self.doc.items.extend_from_slice(&self.stack[mark..]);
        self.stack.truncate(mark);
        let end = self.doc.nodes.len() as u32;
        self.doc.nodes[me as usize] = Node::Arr { len, at, end };
        Ok(())
    }
}

/// Writes a JSON value as `index.js` writes a JS value (keys in the map's order), for the tests
/// and the fuzz target.
pub fn write(value: &serde_json::Value, slots: &mut Vec<f64>, text: &mut String) {
    fn string(s: &str, slots: &mut Vec<f64>, text: &mut String) {
        slots.push(s.encode_utf16().count() as f64);
        text.push_str(s);
    }
    match value {
        serde_json::Value::Null => slots.push(TAG_NULL),
        serde_json::Value::Bool(b) => slots.push(if *b { TAG_TRUE } else { TAG_FALSE }),
        serde_json::Value::Number(n) => slots.extend([TAG_NUMBER, n.as_f64().unwrap_or(f64::NAN)]),
        serde_json::Value::String(s) => {
            slots.push(TAG_STRING);
            string(s, slots, text);
        }
        serde_json::Value::Array(items) => {
            slots.extend([TAG_ARRAY, items.len() as f64]);
            for item in items {
                write(item, slots, text);
            }
        }
        serde_json::Value::Object(map) => {
            slots.extend([TAG_OBJECT, map.len() as f64]);
            for (k, v) in map {
                string(k, slots, text);
                write(v, slots, text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tape(value: &serde_json::Value) -> (Vec<f64>, String) {
        let (mut slots, mut text) = (Vec::new(), String::new());
        write(value, &mut slots, &mut text);
        (slots, text)
    }

    /// The document as a `serde_json::Value`, through the `Input` view only.
    fn to_value(v: Value<'_, '_>) -> serde_json::Value {
        match v.kind() {
            Kind::Null | Kind::Undefined | Kind::Other => serde_json::Value::Null,
            Kind::Bool => serde_json::Value::Bool(matches!(v.node(), Node::Bool(true))),
            Kind::Number => {
                serde_json::Number::from_f64(v.number()).map_or(serde_json::Value::Null, serde_json::Value::Number)
            }
            Kind::String => serde_json::Value::String(v.with_str(|s| s.to_string())),
            Kind::Array => (0..v.array_len()).map(|i| to_value(v.index(i).unwrap())).collect(),
            Kind::Object => {
                let mut map = serde_json::Map::new();
                v.for_each_entry(|k, x| {
                    map.entry(k.to_string()).or_insert_with(|| to_value(x));
                });
                serde_json::Value::Object(map)
            }
        }
    }

    /// Numbers as f64 (as JavaScript holds them).
    fn floats(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Number(n) => serde_json::Number::from_f64(n.as_f64().unwrap())
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            serde_json::Value::Array(a) => a.into_iter().map(floats).collect(),
            serde_json::Value::Object(o) => {
                serde_json::Value::Object(o.into_iter().map(|(k, v)| (k, floats(v))).collect())
            }
            v => v,
        }
    }

    #[test]
    fn keeps_key_order_and_borrows_strings() {
        // z, a, m: not sorted. (Written by hand: serde_json's maps are sorted here.)
        let slots = [6., 3., 1., 3., 1., 1., 4., 1., 1., 5., 3., 2., 0., 4., 2.];
        let text = "zaxméé";
        let d = Doc::read(&slots, text).unwrap();
        let root = d.root();
        let mut keys = Vec::new();
        root.for_each_entry(|k, _| keys.push(k.to_string()));
        assert_eq!(keys, ["z", "a", "m"]);
        assert_eq!(root.get("z").unwrap().number(), 1.0);
        assert_eq!(root.get("a").unwrap().with_str(str::to_string), "x");
        let m = root.get("m").unwrap();
        assert_eq!(m.array_len(), 3);
        assert_eq!(m.index(0).unwrap().kind(), Kind::Bool);
        assert_eq!(m.index(1).unwrap().kind(), Kind::Null);
        assert_eq!(m.index(2).unwrap().with_str(str::to_string), "éé");
        assert!(m.index(3).is_none());
        assert!(root.get("nope").is_none());
    }

    #[test]
    fn reads_undefined_and_exact_numbers() {
        let slots = [5., 4., 7., 3., -0.0, 3., f64::NAN, 3., 0.1 + 0.2];
        let d = Doc::read(&slots, "").unwrap();
        let a = d.root();
        assert_eq!(a.index(0).unwrap().kind(), Kind::Undefined);
        assert!(a.index(1).unwrap().number().is_sign_negative());
        assert!(a.index(2).unwrap().number().is_nan());
        assert_eq!(a.index(3).unwrap().number(), 0.1 + 0.2);
    }

    #[test]
    fn round_trips_values_and_reads_arrays_item_by_item() {
        let values = [
            json!(null),
            json!("é€😀 x"),
            json!({"a": {"b": [{"c": null}, [], {}]}, "n": -1.5e-3, "t": true, "f": false}),
            json!([{"a": "x\\y", "b": [1, 2, {"c": []}]}, 7, "sé", [], {}]),
            json!({"😀": "😀", "": ""}),
        ];
        for value in values {
            let (slots, text) = tape(&value);
            assert_eq!(
                to_value(Doc::read(&slots, &text).unwrap().root()),
                floats(value.clone())
            );
            if let serde_json::Value::Array(items) = &value {
                let mut seen = Vec::new();
                Doc::for_each_item(&slots, &text, |i, v| seen.push((i, to_value(v)))).unwrap();
                let expected: Vec<_> = items.iter().cloned().map(floats).enumerate().collect();
                assert_eq!(seen, expected);
            } else {
                assert_eq!(Doc::for_each_item(&slots, &text, |_, _| {}), Err(NotTape));
            }
        }
    }

    #[test]
    fn refuses_forged_tapes() {
        let nan = f64::NAN;
        let cases: &[(&[f64], &str)] = &[
            (&[], ""),
            (&[8.], ""),
            (&[-1.], ""),
            (&[0.5], ""),
            (&[nan], ""),
            (&[3.], ""),                       // a number without its value
            (&[0., 0.], ""),                   // slots left over
            (&[0.], "x"),                      // text left over
            (&[4., 2.], "x"),                  // a string longer than the text
            (&[4., 1.5], "xy"),                // a fractional length
            (&[4., nan], "x"),                 // a NaN length
            (&[4., 1e300], "x"),               // a huge length
            (&[5., 3., 0.], ""),               // fewer items than said
            (&[5., 1e9, 0.], ""),              // a size far beyond the tape
            (&[6., 1., 1.], "k"),              // a key without a value
            (&[6., 1., 2., 0.], "k"),          // a key longer than the text
            (&[5., 2., 4., 1., 4., 1.], "😀"), // two strings that split a surrogate pair
            (&[4., 1.], "é"),                  // UTF-16 length 1 is the whole é: fine...
        ];
        for (slots, text) in &cases[..cases.len() - 1] {
            assert_eq!(Doc::read(slots, text).unwrap_err(), NotTape, "{slots:?} {text:?}");
        }
        assert!(Doc::read(&[4., 1.], "é").is_ok());
        assert!(Doc::read(&[4., 2.], "😀").is_ok());
    }

    #[test]
    fn refuses_nesting_deeper_than_index_js_writes() {
        for depth in 120..136usize {
            let mut slots = Vec::new();
            for _ in 0..depth {
                slots.extend([5., 1.]);
            }
            slots.push(0.);
            assert_eq!(
                Doc::read(&slots, "").is_ok(),
                depth <= MAX_DEPTH as usize,
                "depth {depth}"
            );
            let mut item = vec![5., 1.];
            item.extend(&slots);
            // As a batch item, the batch array is one level more.
            assert_eq!(
                Doc::for_each_item(&item, "", |_, _| {}).is_ok(),
                depth < MAX_DEPTH as usize,
                "item depth {depth}"
            );
        }
        let hostile: Vec<f64> = [5., 1.].repeat(1 << 20);
        assert_eq!(Doc::read(&hostile, "").unwrap_err(), NotTape);
    }

    #[test]
    fn gives_the_same_issues_as_serde_json_values() {
        let value =
            json!({"price": "12", "name": "", "zzz": 1, "custom_fields_values": [{"field_id": 0, "values": []}]});
        let (slots, text) = tape(&value);
        let ours = super::super::kommo::LEAD_CREATE.check(&Doc::read(&slots, &text).unwrap().root());
        let theirs = super::super::kommo::LEAD_CREATE.check(&&value);
        assert!(!ours.is_empty());
        let a: Vec<String> = ours.iter().map(|i| i.to_string()).collect();
        let b: Vec<String> = theirs.iter().map(|i| i.to_string()).collect();
        assert_eq!(a, b);
    }
}
