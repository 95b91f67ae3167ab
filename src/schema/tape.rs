//! A flat, order-preserving JSON document that borrows from its text, for checking values that
//! crossed the napi boundary as one `JSON.stringify` string (see `index.js`).
//!
//! `serde_json::Value` would do, but its objects are sorted maps here (no `preserve_order`), and
//! the schema engine reports unknown keys and issues in the input's key order; this document keeps
//! that order, so both ways of reading a value give the same issues. It is also what makes the
//! fast path fast: every node of a batch of 10,000 items lives in one `Vec` (no allocation per
//! value, one free at the end), strings without escapes are borrowed from the text, and arrays
//! index their items through one shared table. The first version built a tree of `Vec`s through
//! `serde_json`'s visitor; parsing, allocating and freeing it were 60% of a lead batch's check
//! (BENCHMARKS.md "Validation schemas").

use super::{Input, Kind};

/// Nesting deeper than this is refused (the limit of `serde_json`, which this reader replaced), so
/// hostile text cannot exhaust the stack; the caller then falls back to reading the value itself.
const MAX_DEPTH: u32 = 127;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Node {
    Null,
    Bool(bool),
    Num(f64),
    /// A string: `start..end` of the text, or of `Doc::unescaped` when `escaped`.
    Str {
        start: u32,
        end: u32,
        escaped: bool,
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

/// Why the text is not a JSON document (the caller only needs to know that it is not).
#[derive(Debug, PartialEq, Eq)]
pub struct NotJson;

/// A parsed JSON document.
#[derive(Debug)]
pub struct Doc<'a> {
    text: &'a str,
    nodes: Vec<Node>,
    items: Vec<u32>,
    unescaped: String,
}

/// One value of a [`Doc`].
#[derive(Clone, Copy)]
pub struct Value<'d, 'a> {
    doc: &'d Doc<'a>,
    at: u32,
}

impl<'a> Doc<'a> {
    /// Parses JSON text (RFC 8259; `JSON.stringify` output in practice). Lone surrogate escapes,
    /// which a Rust string cannot hold, and nesting deeper than 128 are refused.
    pub fn parse(text: &'a str) -> Result<Self, NotJson> {
        let mut p = Parser::new(text)?;
        p.doc.nodes.reserve(text.len() / 16 + 1);
        p.ws();
        p.value(0)?;
        p.finish()?;
        Ok(p.doc)
    }

    /// Parses a JSON array one item at a time, calling `f` with each item's index and value; the
    /// nodes of one item are reused for the next, so a batch of thousands of items stays in a few
    /// KB of cache-warm memory. On malformed text it stops with `NotJson` (after calling `f` for
    /// the items before the fault).
    pub fn for_each_item(text: &'a str, mut f: impl FnMut(usize, Value<'_, 'a>)) -> Result<(), NotJson> {
        let mut p = Parser::new(text)?;
        p.ws();
        if !p.eat(b'[') {
            return Err(NotJson);
        }
        let mut index = 0;
        p.list(b']', |p| {
            p.doc.nodes.clear();
            p.doc.items.clear();
            p.doc.unescaped.clear();
            p.value(1)?;
            f(index, p.doc.root());
            index += 1;
            Ok(())
        })?;
        p.finish()
    }

    /// The top-level value.
    pub fn root(&self) -> Value<'_, 'a> {
        Value { doc: self, at: 0 }
    }
}

impl<'d, 'a> Value<'d, 'a> {
    fn node(&self) -> Node {
        self.doc.nodes[self.at as usize]
    }

    fn at(&self, at: u32) -> Self {
        Value { doc: self.doc, at }
    }

    /// The string of a `Str` node.
    fn text(&self, node: Node) -> &'d str {
        match node {
            Node::Str {
                start,
                end,
                escaped: false,
            } => &self.doc.text[start as usize..end as usize],
            Node::Str {
                start,
                end,
                escaped: true,
            } => &self.doc.unescaped[start as usize..end as usize],
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

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    doc: Doc<'a>,
    /// Item node indices of the arrays being parsed (each array's items sit above its mark).
    stack: Vec<u32>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Result<Self, NotJson> {
        // Node positions are u32.
        if text.len() >= u32::MAX as usize {
            return Err(NotJson);
        }
        Ok(Parser {
            b: text.as_bytes(),
            i: 0,
            doc: Doc {
                text,
                nodes: Vec::new(),
                items: Vec::new(),
                unescaped: String::new(),
            },
            stack: Vec::new(),
        })
    }

    /// Only whitespace may follow the document.
    fn finish(&mut self) -> Result<(), NotJson> {
        self.ws();
        if self.i == self.b.len() {
            Ok(())
        } else {
            Err(NotJson)
        }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn push(&mut self, node: Node) -> u32 {
        self.doc.nodes.push(node);
        (self.doc.nodes.len() - 1) as u32
    }

    fn literal(&mut self, word: &[u8], node: Node) -> Result<(), NotJson> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            self.push(node);
            Ok(())
        } else {
            Err(NotJson)
        }
    }

    fn value(&mut self, depth: u32) -> Result<(), NotJson> {
        match self.b.get(self.i).copied().ok_or(NotJson)? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => {
                let node = self.string()?;
                self.push(node);
                Ok(())
            }
            b'n' => self.literal(b"null", Node::Null),
            b't' => self.literal(b"true", Node::Bool(true)),
            b'f' => self.literal(b"false", Node::Bool(false)),
            b'-' | b'0'..=b'9' => {
                let n = self.number()?;
                self.push(Node::Num(n));
                Ok(())
            }
            _ => Err(NotJson),
        }
    }

    fn object(&mut self, depth: u32) -> Result<(), NotJson> {
        if depth > MAX_DEPTH {
            return Err(NotJson);
        }
        self.i += 1; // '{'
        let me = self.push(Node::Obj { len: 0, end: 0 });
        let len = self.list(b'}', |p| {
            if p.b.get(p.i) != Some(&b'"') {
                return Err(NotJson);
            }
            let key = p.string()?;
            p.push(key);
            p.ws();
            if !p.eat(b':') {
                return Err(NotJson);
            }
            p.ws();
            p.value(depth)
        })?;
        let end = self.doc.nodes.len() as u32;
        self.doc.nodes[me as usize] = Node::Obj { len, end };
        Ok(())
    }

    fn array(&mut self, depth: u32) -> Result<(), NotJson> {
        if depth > MAX_DEPTH {
            return Err(NotJson);
        }
        self.i += 1; // '['
        let me = self.push(Node::Arr { len: 0, at: 0, end: 0 });
        let mark = self.stack.len();
        let len = self.list(b']', |p| {
            p.stack.push(p.doc.nodes.len() as u32);
            p.value(depth)
        })?;
        let at = self.doc.items.len() as u32;
        self.doc.items.extend_from_slice(&self.stack[mark..]);
        self.stack.truncate(mark);
        let end = self.doc.nodes.len() as u32;
        self.doc.nodes[me as usize] = Node::Arr { len, at, end };
        Ok(())
    }

    /// The comma-separated elements after an opening bracket, up to and including `close`: calls
    /// `element` at the start of each (whitespace skipped); returns how many there were.
    fn list(&mut self, close: u8, mut element: impl FnMut(&mut Self) -> Result<(), NotJson>) -> Result<u32, NotJson> {
        let mut len = 0;
        self.ws();
        if self.eat(close) {
            return Ok(0);
        }
        loop {
            self.ws();
            element(self)?;
            len += 1;
            self.ws();
            if self.eat(close) {
                return Ok(len);
            }
            if !self.eat(b',') {
                return Err(NotJson);
            }
        }
    }

    /// A string at `self.i` (the opening quote); borrowed unless it has escapes.
    fn string(&mut self) -> Result<Node, NotJson> {
        self.i += 1;
        let start = self.i;
        loop {
            match self.b.get(self.i).copied().ok_or(NotJson)? {
                b'"' => {
                    self.i += 1;
                    return Ok(Node::Str {
                        start: start as u32,
                        end: (self.i - 1) as u32,
                        escaped: false,
                    });
                }
                b'\\' => break,
                0..=0x1f => return Err(NotJson),
                _ => self.i += 1,
            }
        }
        // Escapes: decode the whole string into `unescaped`.
        let out_start = self.doc.unescaped.len();
        let text = self.doc.text;
        let mut run = start;
        loop {
            match self.b.get(self.i).copied().ok_or(NotJson)? {
                b'"' => {
                    self.doc.unescaped.push_str(&text[run..self.i]);
                    self.i += 1;
                    let end = self.doc.unescaped.len();
                    return Ok(Node::Str {
                        start: out_start as u32,
                        end: end as u32,
                        escaped: true,
                    });
                }
                b'\\' => {
                    self.doc.unescaped.push_str(&text[run..self.i]);
                    let c = self.escape()?;
                    self.doc.unescaped.push(c);
                    run = self.i;
                }
                0..=0x1f => return Err(NotJson),
                _ => self.i += 1,
            }
        }
    }

    /// One escape at `self.i` (the backslash).
    fn escape(&mut self) -> Result<char, NotJson> {
        let c = *self.b.get(self.i + 1).ok_or(NotJson)?;
        self.i += 2;
        Ok(match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4()?;
                if (0xD800..0xDC00).contains(&hi) {
                    if self.b.get(self.i) != Some(&b'\\') || self.b.get(self.i + 1) != Some(&b'u') {
                        return Err(NotJson);
                    }
                    self.i += 2;
                    let lo = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return Err(NotJson);
                    }
                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)).ok_or(NotJson)?
                } else {
                    char::from_u32(hi).ok_or(NotJson)?
                }
            }
            _ => return Err(NotJson),
        })
    }

    fn hex4(&mut self) -> Result<u32, NotJson> {
        let digits = self.b.get(self.i..self.i + 4).ok_or(NotJson)?;
        let mut n = 0u32;
        for &d in digits {
            n = n * 16 + (d as char).to_digit(16).ok_or(NotJson)?;
        }
        self.i += 4;
        Ok(n)
    }

    /// A number per the JSON grammar: `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn number(&mut self) -> Result<f64, NotJson> {
        let start = self.i;
        let negative = self.eat(b'-');
        let digits_start = self.i;
        let mut int: u64 = 0;
        match self.b.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                while let Some(&d @ b'0'..=b'9') = self.b.get(self.i) {
                    int = int.wrapping_mul(10).wrapping_add((d - b'0') as u64);
                    self.i += 1;
                }
            }
            _ => return Err(NotJson),
        }
        let int_digits = self.i - digits_start;
        let mut simple = true;
        if self.eat(b'.') {
            simple = false;
            self.digits()?;
        }
        if let Some(b'e' | b'E') = self.b.get(self.i) {
            simple = false;
            self.i += 1;
            if let Some(b'+' | b'-') = self.b.get(self.i) {
                self.i += 1;
            }
            self.digits()?;
        }
        // Up to 15 digits are exact in an f64; `-0` keeps its sign, as in JavaScript.
        if simple && int_digits <= 15 && !(negative && int == 0) {
            let n = int as f64;
            return Ok(if negative { -n } else { n });
        }
        let n: f64 = self.doc.text[start..self.i].parse().map_err(|_| NotJson)?;
        if n.is_finite() {
            Ok(n)
        } else {
            Err(NotJson)
        }
    }

    fn digits(&mut self) -> Result<(), NotJson> {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.b.get(self.i) {
            self.i += 1;
        }
        if self.i == start {
            Err(NotJson)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Doc<'_> {
        Doc::parse(text).unwrap()
    }

    #[test]
    fn keeps_key_order_and_borrows_plain_strings() {
        let text = r#"{"z":1,"a":"x","m":[true,null,"e\u00e9"]}"#;
        let d = doc(text);
        let root = d.root();
        let mut keys = Vec::new();
        root.for_each_entry(|k, _| keys.push(k.to_string()));
        assert_eq!(keys, ["z", "a", "m"]);
        assert!(matches!(
            root.get("a").unwrap().node(),
            Node::Str { escaped: false, .. }
        ));
        let m = root.get("m").unwrap();
        assert_eq!(m.array_len(), 3);
        assert_eq!(m.index(2).unwrap().with_str(|s| s.to_string()), "eé");
        assert_eq!(m.index(0).unwrap().kind(), Kind::Bool);
        assert!(m.index(3).is_none());
        assert_eq!(root.get("a").map(|v| v.kind()), Some(Kind::String));
        assert!(root.get("nope").is_none());
    }

    /// The document as a `serde_json::Value`, through the `Input` view only.
    fn to_value(v: Value<'_, '_>) -> serde_json::Value {
        match v.kind() {
            Kind::Null => serde_json::Value::Null,
            Kind::Bool => serde_json::Value::Bool(matches!(v.node(), Node::Bool(true))),
            Kind::Number => {
                serde_json::Number::from_f64(v.number()).map_or(serde_json::Value::Null, serde_json::Value::Number)
            }
            Kind::String => serde_json::Value::String(v.with_str(|s| s.to_string())),
            Kind::Array => (0..v.array_len()).map(|i| to_value(v.index(i).unwrap())).collect(),
            _ => {
                let mut map = serde_json::Map::new();
                v.for_each_entry(|k, x| {
                    map.entry(k.to_string()).or_insert_with(|| to_value(x));
                });
                serde_json::Value::Object(map)
            }
        }
    }

    /// Numbers as f64 (as JavaScript reads them).
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

    /// serde_json's reading of the text.
    fn reference(text: &str) -> Option<serde_json::Value> {
        serde_json::from_str::<serde_json::Value>(text).ok().map(floats)
    }

    #[test]
    fn reads_what_serde_json_reads_and_refuses_what_it_refuses() {
        let cases = [
            "null",
            "true",
            "false",
            "0",
            "-0",
            "12",
            "-12",
            "1.5",
            "-1.25e-3",
            "1E+2",
            "123456789012345678901234567890",
            "9007199254740993",
            "1e308",
            "[]",
            "{}",
            " [ 1 , 2 ] ",
            r#"{"a":{"b":[{"c":null}]}}"#,
            r#""\"\\\/\b\f\n\r\t""#,
            r#""\ud83d\ude00 x""#,
            r#""é€😀""#,
            // refused
            "",
            " ",
            "nul",
            "tru",
            "01",
            "-",
            "1.",
            ".5",
            "1e",
            "+1",
            "[1,]",
            "[1 2]",
            "{\"a\"1}",
            r#"{"a":1,}"#,
            "{1:2}",
            r#""abc"#,
            "\"a\u{1}\"",
            "\"\t\"",
            r#""\x""#,
            r#""\u12""#,
            r#""\ud800""#,
            r#""\udc00""#,
            r#""\ud800\u0041""#,
            "[1] x",
            "1e999",
            "[",
            "]",
            "{\"a\":",
            "NaN",
            "Infinity",
        ];
        for text in cases {
            let ours = Doc::parse(text).ok().map(|d| to_value(d.root()));
            assert_eq!(ours, reference(text), "{text:?}");
        }
    }

    #[test]
    fn reads_an_array_item_by_item_as_the_whole_document_does() {
        let text = r#" [ {"a":"x\\y","b":[1,2,{"c":[]}]}, 7, "s\u00e9", [], {} ] "#;
        let whole = Doc::parse(text).unwrap();
        let mut seen = Vec::new();
        Doc::for_each_item(text, |i, v| seen.push((i, to_value(v)))).unwrap();
        let expected: Vec<_> = (0..5).map(|i| (i, to_value(whole.root().index(i).unwrap()))).collect();
        assert_eq!(seen, expected);
        let mut n = 0;
        Doc::for_each_item("[]", |_, _| n += 1).unwrap();
        assert_eq!(n, 0);
        for bad in ["", "{}", "[1,]", "[1 2]", "[1", "[1] x", "[[[[", "1"] {
            assert_eq!(Doc::for_each_item(bad, |_, _| {}), Err(NotJson), "{bad:?}");
        }
    }

    #[test]
    fn refuses_nesting_as_deep_as_serde_json_does() {
        for depth in 120..136 {
            for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
                let text = format!("{}1{}", open.repeat(depth), close.repeat(depth));
                let ours = Doc::parse(&text).is_ok();
                assert_eq!(ours, reference(&text).is_some(), "depth {depth} {open}");
                assert_eq!(ours, depth <= MAX_DEPTH as usize, "depth {depth}");
                let items = Doc::for_each_item(&format!("[{text}]"), |_, _| {}).is_ok();
                assert_eq!(items, reference(&format!("[{text}]")).is_some(), "item depth {depth}");
            }
        }
        let hostile = "[".repeat(1 << 20);
        assert_eq!(Doc::parse(&hostile).unwrap_err(), NotJson);
    }

    /// Random values: the document reads back exactly what `serde_json` wrote. (Compared with the
    /// value written, not with `serde_json`'s reading: without its `float_roundtrip` feature it
    /// may round a long decimal to the neighbouring f64, where Rust's parser and JavaScript's agree.)
    #[test]
    fn round_trips_generated_values() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        fn gen(next: &mut impl FnMut() -> u64, depth: u32) -> serde_json::Value {
            let pick = next() % if depth > 4 { 5 } else { 7 };
            match pick {
                0 => serde_json::Value::Null,
                1 => serde_json::Value::Bool(next().is_multiple_of(2)),
                2 => {
                    let r = next();
                    let n = match r % 4 {
                        0 => (r >> 8) as f64,
                        1 => -((r >> 40) as f64),
                        2 => f64::from_bits(r >> 2) % 1e12,
                        _ => (r % 1000) as f64 / 7.0,
                    };
                    serde_json::Number::from_f64(n).map_or(serde_json::Value::Null, serde_json::Value::Number)
                }
                3 | 4 => {
                    const ALPHABET: [&str; 12] = [
                        "a", "Z", "\"", "\\", "\n", "\u{1}", "é", "😀", "/", " ", "\u{7f}", "\u{2028}",
                    ];
                    let len = next() % 8;
                    serde_json::Value::String((0..len).map(|_| ALPHABET[(next() % 12) as usize]).collect())
                }
                5 => (0..next() % 5).map(|_| gen(next, depth + 1)).collect(),
                _ => {
                    let mut map = serde_json::Map::new();
                    for i in 0..next() % 5 {
                        map.insert(
                            format!("k{}{}", i, if next().is_multiple_of(3) { "\"é" } else { "" }),
                            gen(next, depth + 1),
                        );
                    }
                    serde_json::Value::Object(map)
                }
            }
        }
        for _ in 0..5_000 {
            let value = gen(&mut next, 0);
            let text = serde_json::to_string(&value).unwrap();
            let d = Doc::parse(&text).unwrap_or_else(|_| panic!("{text}"));
            assert_eq!(to_value(d.root()), floats(value), "{text}");
        }
    }

    #[test]
    fn gives_the_same_issues_as_serde_json_values() {
        let text = r#"{"price":"12","name":"","zzz":1,"custom_fields_values":[{"field_id":0,"values":[]}]}"#;
        let ours = super::super::kommo::LEAD_CREATE.check(&Doc::parse(text).unwrap().root());
        let theirs = super::super::kommo::LEAD_CREATE.check(&&serde_json::from_str::<serde_json::Value>(text).unwrap());
        assert!(!ours.is_empty());
        let mut a: Vec<String> = ours.iter().map(|i| i.to_string()).collect();
        let mut b: Vec<String> = theirs.iter().map(|i| i.to_string()).collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }
}
