//! Kommo webhook bodies (kommo-api-v4.md section 11).
//!
//! Kommo POSTs `application/x-www-form-urlencoded` bodies with PHP-style bracket keys, every
//! value a string: `leads[add][0][id]=1&leads[add][0][name]=Deal&account[subdomain]=acme`.
//! [`parse`] decodes them into `{ "leads": { "add": [ { "id": 1, "name": "Deal" } ] },
//! "account": { "subdomain": "acme" } }`: bracket paths become nested objects, objects whose
//! keys are all indexes become arrays, and integer strings under id-like keys (`id`, `*_id`,
//! `*_at`, `price`, `last_modified`, `date_create`) become numbers. Other values stay strings
//! (task dates arrive as `Y-m-d H:i:s`, message ids are UUIDs).

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::{Issue, PathSeg};

/// Entities Kommo sends events for.
pub const ENTITIES: &[&str] = &[
    "leads",
    "contacts",
    "companies",
    "customers",
    "task",
    "catalogs",
    "talk",
    "unsorted",
    "message",
];

enum Node {
    Leaf(String),
    Map(Vec<(String, Node)>),
}

/// Decodes and checks a webhook body. Issues: an empty or malformed body, conflicting keys,
/// no `account`, no event.
pub fn parse(body: &[u8]) -> Result<Value, Vec<Issue>> {
    let mut root: Vec<(String, Node)> = Vec::new();
    let mut issues = Vec::new();
    let mut pairs = 0usize;
    for (key, value) in url::form_urlencoded::parse(body) {
        pairs += 1;
        let Some(segments) = split_key(&key) else {
            issues.push(Issue::new(
                Vec::new(),
                "custom",
                format!("malformed key {:?}: expected name[part][part]...", truncate(&key)),
            ));
            continue;
        };
        if let Err(path) = insert(&mut root, &segments, value.into_owned()) {
            issues.push(Issue::new(
                path.into_iter().map(|s| PathSeg::Key(Cow::Owned(s))).collect(),
                "custom",
                format!("key {:?} conflicts with another key of the body", truncate(&key)),
            ));
        }
    }
    if pairs == 0 {
        issues.push(Issue::new(
            Vec::new(),
            "too_small",
            "empty webhook body: expected Kommo's form-encoded fields such as leads[add][0][id]=...",
        ));
        return Err(issues);
    }
    let value = to_value(Node::Map(root), "");
    let obj = value.as_object();
    let account_ok = obj
        .and_then(|o| o.get("account"))
        .and_then(Value::as_object)
        .is_some_and(|a| a.contains_key("subdomain") || a.contains_key("id"));
    if !account_ok {
        issues.push(Issue::new(
            vec![PathSeg::Key(Cow::Borrowed("account"))],
            "invalid_type",
            "required: Kommo webhooks carry account[subdomain] and account[id]; is this a Kommo webhook body?",
        ));
    }
    let has_event = obj.is_some_and(|o| o.iter().any(|(k, v)| k != "account" && v.is_object()));
    if !has_event {
        issues.push(Issue::new(
            Vec::new(),
            "custom",
            format!(
                "no event found: expected <entity>[<action>][0][...] keys with an entity among {}",
                ENTITIES.join(", ")
            ),
        ));
    }
    if issues.is_empty() {
        Ok(value)
    } else {
        Err(issues)
    }
}

/// `a[b][0][c]` -> `["a", "b", "0", "c"]`; `None` when brackets do not match.
fn split_key(key: &str) -> Option<Vec<&str>> {
    let (head, mut rest) = match key.find('[') {
        Some(i) => (&key[..i], &key[i..]),
        None => (key, ""),
    };
    if head.is_empty() {
        return None;
    }
    let mut out = vec![head];
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let end = inner.find(']')?;
        out.push(&inner[..end]);
        rest = &inner[end + 1..];
    }
    Some(out)
}

/// Inserts a leaf; `Err(path)` when a leaf and a branch meet at the same key.
fn insert(map: &mut Vec<(String, Node)>, segments: &[&str], value: String) -> Result<(), Vec<String>> {
    let (first, rest) = match segments {
        [first, rest @ ..] => (*first, rest),
        [] => return Ok(()),
    };
    // `a[]=x` appends.
    let key = if first.is_empty() {
        map.len().to_string()
    } else {
        first.to_string()
    };
    let pos = map.iter().position(|(k, _)| *k == key);
    if rest.is_empty() {
        match pos {
            None => map.push((key, Node::Leaf(value))),
            Some(i) => match &mut map[i].1 {
                Node::Leaf(v) => *v = value, // last one wins, like PHP
                Node::Map(_) => return Err(vec![key]),
            },
        }
        return Ok(());
    }
    let i = match pos {
        Some(i) => i,
        None => {
            map.push((key.clone(), Node::Map(Vec::new())));
            map.len() - 1
        }
    };
    match &mut map[i].1 {
        Node::Map(child) => insert(child, rest, value).map_err(|mut p| {
            p.insert(0, key);
            p
        }),
        Node::Leaf(_) => Err(vec![key]),
    }
}

fn to_value(node: Node, key: &str) -> Value {
    match node {
        Node::Leaf(s) => typed(key, s),
        Node::Map(entries) => {
            let is_list = !entries.is_empty()
                && entries
                    .iter()
                    .all(|(k, _)| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()));
            if is_list {
                let mut items: Vec<(usize, Node)> = entries
                    .into_iter()
                    .map(|(k, v)| (k.parse::<usize>().unwrap_or(usize::MAX), v))
                    .collect();
                items.sort_by_key(|(i, _)| *i);
                // Array items take the parent's key for typing (`custom_fields[0][values][0][value]`).
                Value::Array(items.into_iter().map(|(_, v)| to_value(v, key)).collect())
            } else {
                let mut map = Map::new();
                for (k, v) in entries {
                    let value = to_value(v, &k);
                    map.insert(k, value);
                }
                Value::Object(map)
            }
        }
    }
}

/// Whether values under `key` are numbers when they look like integers.
fn numeric_key(key: &str) -> bool {
    key == "id"
        || key.ends_with("_id")
        || key.ends_with("_at")
        || matches!(
            key,
            "price" | "last_modified" | "date_create" | "sort" | "duration" | "complete_till"
        )
}

fn typed(key: &str, s: String) -> Value {
    if numeric_key(key) && is_plain_integer(&s) {
        if let Ok(n) = s.parse::<i64>() {
            if n.unsigned_abs() <= super::MAX_SAFE as u64 {
                return Value::from(n);
            }
        }
    }
    Value::String(s)
}

/// `0`, `123`, `-5`; not `007` (kept as a string: it would not survive the round trip).
fn is_plain_integer(s: &str) -> bool {
    let d = s.strip_prefix('-').unwrap_or(s);
    !d.is_empty() && d.len() <= 16 && d.bytes().all(|b| b.is_ascii_digit()) && (d == "0" || !d.starts_with('0'))
}

fn truncate(s: &str) -> String {
    s.chars().take(60).collect()
}
