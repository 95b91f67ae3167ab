//! The query string: PHP-style bracket keys (`filter[statuses][0][status_id]`), paging,
//! `order[...]`, `with=` and `query=`, parsed in one place for every list route.
//!
//! The raw query is split by hand (not through serde) because Kommo keys repeat (`filter[id][]`
//! twice), nest, and may arrive percent-encoded (`filter%5Bid%5D%5B%5D`). The original text of each
//! pair is kept so `_links` hrefs reproduce the caller's query with only the page changed.

use std::collections::BTreeMap;

use serde_json::Value;
use url::form_urlencoded;

use super::http::Problem;
use super::store::{FieldValues, Id};

/// Page size when `limit` is absent.
pub const DEFAULT_LIMIT: usize = 50;
/// Largest page size; larger `limit`s are capped to it.
pub const MAX_LIMIT: usize = 250;

#[derive(Debug, Clone)]
struct Pair {
    /// `key=value` exactly as received (still encoded).
    raw: String,
    /// Decoded key name before the first `[`.
    base: String,
    /// Decoded bracket segments: `filter[id][]` → `["id", ""]`.
    segments: Vec<String>,
    /// Decoded value.
    value: String,
}

/// The parsed query string of one request.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pairs: Vec<Pair>,
}

/// Which page of a list to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// 1-based page number.
    pub page: usize,
    /// Page size after capping.
    pub limit: usize,
}

impl Paging {
    /// The index range of this page within `total` items, or `None` past the end.
    pub fn window(&self, total: usize) -> Option<std::ops::Range<usize>> {
        let start = (self.page - 1).checked_mul(self.limit)?;
        if start >= total {
            return None;
        }
        Some(start..total.min(start + self.limit))
    }

    /// Number of pages for `total` items (at least 1).
    pub fn page_count(&self, total: usize) -> usize {
        total.div_ceil(self.limit).max(1)
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

/// `order[field]=asc|desc`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The field name as given (resources decide which they support).
    pub field: String,
    /// Direction.
    pub direction: Direction,
}

impl Params {
    /// Parses a raw query string (`None` = no query).
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .unwrap_or("")
            .split('&')
            .filter(|part| !part.is_empty())
            .filter_map(|part| {
                let (key, value) = form_urlencoded::parse(part.as_bytes()).next()?;
                let (base, segments) = split_key(&key);
                Some(Pair {
                    raw: part.to_string(),
                    base,
                    segments,
                    value: value.into_owned(),
                })
            })
            .collect();
        Self { pairs }
    }

    /// The first value of a plain (bracket-less) key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|p| p.base == key && p.segments.is_empty())
            .map(|p| p.value.as_str())
    }

    /// Whether `with=` lists `value` (comma-separated, case-sensitive as on Kommo).
    pub fn has_with(&self, value: &str) -> bool {
        self.get("with")
            .is_some_and(|with| with.split(',').any(|v| v.trim() == value))
    }

    /// The `query=` search text, trimmed; `None` when absent or blank.
    pub fn search_text(&self) -> Option<&str> {
        self.get("query").map(str::trim).filter(|q| !q.is_empty())
    }

    /// Everything under `filter[...]`.
    pub fn filter(&self) -> Filter {
        Filter {
            entries: self
                .pairs
                .iter()
                .filter(|p| p.base == "filter" && !p.segments.is_empty())
                .map(|p| (p.segments.clone(), p.value.clone()))
                .collect(),
        }
    }

    /// `page` and `limit`: invalid values are a 400, `limit` above 250 is capped.
    pub fn paging(&self) -> Result<Paging, Problem> {
        let page = match self.get("page") {
            None => 1,
            Some(raw) => positive(raw).ok_or_else(|| invalid_param("page", raw))?,
        };
        let limit = match self.get("limit") {
            None => DEFAULT_LIMIT,
            Some(raw) => positive(raw).ok_or_else(|| invalid_param("limit", raw))?.min(MAX_LIMIT),
        };
        Ok(Paging { page, limit })
    }

    /// `order[field]=asc|desc`; the first one wins, other directions are a 400.
    pub fn order(&self) -> Result<Option<Order>, Problem> {
        let Some(pair) = self.pairs.iter().find(|p| p.base == "order" && p.segments.len() == 1) else {
            return Ok(None);
        };
        let direction = match pair.value.to_ascii_lowercase().as_str() {
            "asc" => Direction::Asc,
            "desc" => Direction::Desc,
            _ => return Err(invalid_param(&format!("order[{}]", pair.segments[0]), &pair.value)),
        };
        Ok(Some(Order {
            field: pair.segments[0].clone(),
            direction,
        }))
    }

    /// `{path}?{original query without page/limit}&limit=L&page=N`, for `_links`.
    pub fn page_href(&self, url: &str, paging: Paging, page: usize) -> String {
        let mut parts: Vec<&str> = self
            .pairs
            .iter()
            .filter(|p| !(p.segments.is_empty() && (p.base == "page" || p.base == "limit")))
            .map(|p| p.raw.as_str())
            .collect();
        let tail = format!("limit={}&page={page}", paging.limit);
        parts.push(&tail);
        format!("{url}?{}", parts.join("&"))
    }
}

/// The `filter[...]` entries of a query, as bracket paths below `filter`.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    entries: Vec<(Vec<String>, String)>,
}

/// An inclusive range of integers (`[from]`/`[to]`, or one value meaning both ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Range {
    /// Lower bound.
    pub from: Option<i64>,
    /// Upper bound.
    pub to: Option<i64>,
}

impl Range {
    /// Whether `value` lies within the range.
    pub fn contains(&self, value: i64) -> bool {
        self.from.is_none_or(|from| value >= from) && self.to.is_none_or(|to| value <= to)
    }
}

impl Filter {
    /// The values of a list filter: `filter[f]=1`, `filter[f][]=1`, `filter[f][0]=1`
    /// (a comma-separated value counts as several). `None` when the filter is absent.
    pub fn strings(&self, field: &str) -> Option<Vec<String>> {
        let values: Vec<String> = self
            .entries
            .iter()
            .filter(|(path, _)| {
                path[0] == field
                    && (path.len() == 1 || (path.len() == 2 && path[1].chars().all(|c| c.is_ascii_digit())))
            })
            .flat_map(|(_, value)| value.split(',').map(|v| v.trim().to_string()))
            .filter(|v| !v.is_empty())
            .collect();
        (!values.is_empty()).then_some(values)
    }

    /// Like [`Filter::strings`], each value parsed as an id; a non-integer is a 400.
    pub fn ids(&self, field: &str) -> Result<Option<Vec<Id>>, Problem> {
        let Some(values) = self.strings(field) else {
            return Ok(None);
        };
        values
            .iter()
            .map(|v| {
                v.parse::<Id>()
                    .map_err(|_| invalid_param(&format!("filter[{field}]"), v))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// `filter[f][from]` / `filter[f][to]`, or a single `filter[f]=N`.
    pub fn range(&self, field: &str) -> Result<Option<Range>, Problem> {
        let mut range = Range::default();
        let mut present = false;
        for (path, value) in self.entries.iter().filter(|(path, _)| path[0] == field) {
            let bound = match path.get(1).map(String::as_str) {
                None => None,
                Some("from") => Some(true),
                Some("to") => Some(false),
                Some(_) => continue,
            };
            let name = format!("filter[{}]", path.join("]["));
            let n = value.trim().parse::<i64>().map_err(|_| invalid_param(&name, value))?;
            match bound {
                None => {
                    range.from = Some(n);
                    range.to = Some(n);
                }
                Some(true) => range.from = Some(n),
                Some(false) => range.to = Some(n),
            }
            present = true;
        }
        Ok(present.then_some(range))
    }

    /// Indexed groups such as `filter[statuses][0][pipeline_id]=1&filter[statuses][0][status_id]=2`,
    /// one map per index, in index order.
    pub fn groups(&self, field: &str) -> Vec<BTreeMap<String, String>> {
        let mut groups: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (path, value) in &self.entries {
            if path.len() == 3 && path[0] == field {
                groups
                    .entry(path[1].clone())
                    .or_default()
                    .insert(path[2].clone(), value.clone());
            }
        }
        let mut ordered: Vec<(String, BTreeMap<String, String>)> = groups.into_iter().collect();
        ordered.sort_by_key(|(index, _)| (index.parse::<u64>().unwrap_or(u64::MAX), index.clone()));
        ordered.into_iter().map(|(_, group)| group).collect()
    }
}

/// One `filter[custom_fields_values][<field_id>]...` condition of a list request.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FieldCondition {
    /// The custom field.
    pub field_id: Id,
    /// Wanted values (any of them): a stored value equal to one ignoring case, equal as a
    /// number, or an option whose enum id it is.
    pub values: Vec<String>,
    /// Lower bound for numeric and date (Unix seconds) values.
    pub from: Option<f64>,
    /// Upper bound.
    pub to: Option<f64>,
}

impl FieldCondition {
    /// Whether an entity's field values satisfy the condition (a field without values never does).
    pub fn matches(&self, fields: &[FieldValues]) -> bool {
        let Some(field) = fields.iter().find(|f| f.field_id == self.field_id) else {
            return false;
        };
        let number = |v: &Value| match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        let value_ok = self.values.is_empty()
            || field.values.iter().any(|stored| {
                self.values.iter().any(|wanted| {
                    let wanted_number = wanted.trim().parse::<f64>().ok();
                    stored.enum_id.is_some_and(|e| e.to_string() == wanted.trim())
                        || match &stored.value {
                            Value::String(s) => s.to_lowercase() == wanted.to_lowercase(),
                            Value::Bool(b) => {
                                matches!((b, wanted.trim()), (true, "1" | "true") | (false, "0" | "false"))
                            }
                            other => number(other).is_some() && number(other) == wanted_number,
                        }
                        || (number(&stored.value).is_some() && number(&stored.value) == wanted_number)
                })
            });
        let range_ok = (self.from.is_none() && self.to.is_none())
            || field.values.iter().any(|stored| {
                number(&stored.value)
                    .is_some_and(|x| self.from.is_none_or(|f| x >= f) && self.to.is_none_or(|t| x <= t))
            });
        value_ok && range_ok
    }
}

impl Filter {
    /// `filter[custom_fields_values][<field_id>][]=v` (also `=v` and `[0]=v`; several values
    /// mean any of them) and `filter[custom_fields_values][<field_id>][from|to]=n`. A field id or
    /// bound that is not a number is a 400, as for the other filters.
    pub fn custom_fields(&self) -> Result<Vec<FieldCondition>, Problem> {
        let mut out: Vec<FieldCondition> = Vec::new();
        for (path, value) in self.entries.iter().filter(|(p, _)| p[0] == "custom_fields_values") {
            let name = format!("filter[{}]", path.join("]["));
            let field_id = path
                .get(1)
                .and_then(|f| f.trim().parse::<Id>().ok())
                .ok_or_else(|| invalid_param(&name, value))?;
            let i = match out.iter().position(|c| c.field_id == field_id) {
                Some(i) => i,
                None => {
                    out.push(FieldCondition {
                        field_id,
                        ..FieldCondition::default()
                    });
                    out.len() - 1
                }
            };
            let bound = |v: &str| v.trim().parse::<f64>().map_err(|_| invalid_param(&name, v));
            match path.get(2).map(String::as_str) {
                Some("from") => out[i].from = Some(bound(value)?),
                Some("to") => out[i].to = Some(bound(value)?),
                None => out[i].values.push(value.clone()),
                Some(index) if index.chars().all(|c| c.is_ascii_digit()) && path.len() == 3 => {
                    out[i].values.push(value.clone())
                }
                Some(_) => return Err(invalid_param(&name, value)),
            }
        }
        Ok(out)
    }
}

/// Splits `filter[a][b]` into `("filter", ["a", "b"])`; a malformed key stays whole.
fn split_key(key: &str) -> (String, Vec<String>) {
    let Some(open) = key.find('[') else {
        return (key.to_string(), Vec::new());
    };
    let (base, mut rest) = key.split_at(open);
    let mut segments = Vec::new();
    while let Some(inner) = rest.strip_prefix('[') {
        let Some(close) = inner.find(']') else {
            return (key.to_string(), Vec::new());
        };
        segments.push(inner[..close].to_string());
        rest = &inner[close + 1..];
    }
    if !rest.is_empty() {
        return (key.to_string(), Vec::new());
    }
    (base.to_string(), segments)
}

fn positive(raw: &str) -> Option<usize> {
    raw.trim().parse::<usize>().ok().filter(|n| *n > 0)
}

fn invalid_param(name: &str, value: &str) -> Problem {
    Problem::bad_request(format!("Invalid value '{value}' for query parameter {name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bracket_keys_are_decoded_and_split() {
        let params = Params::parse(Some(
            "filter%5Bid%5D%5B%5D=1&filter[id][]=2&filter[id][5]=3&filter[name]=Juan+P%C3%A9rez",
        ));
        let filter = params.filter();
        assert_eq!(filter.ids("id").ok().flatten(), Some(vec![1, 2, 3]));
        assert_eq!(filter.strings("name"), Some(vec!["Juan Pérez".to_string()]));
    }

    #[test]
    fn status_groups_are_collected_per_index() {
        let params = Params::parse(Some(
            "filter[statuses][1][pipeline_id]=7&filter[statuses][0][pipeline_id]=5&filter[statuses][0][status_id]=142",
        ));
        let groups = params.filter().groups("statuses");
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].get("status_id").map(String::as_str), Some("142"));
        assert_eq!(groups[1].get("pipeline_id").map(String::as_str), Some("7"));
    }

    #[test]
    fn ranges_accept_bounds_or_a_single_value() {
        let params = Params::parse(Some(
            "filter[created_at][from]=10&filter[created_at][to]=20&filter[price]=5",
        ));
        let filter = params.filter();
        assert_eq!(
            filter.range("created_at").ok().flatten(),
            Some(Range {
                from: Some(10),
                to: Some(20)
            })
        );
        assert_eq!(
            filter.range("price").ok().flatten(),
            Some(Range {
                from: Some(5),
                to: Some(5)
            })
        );
        assert_eq!(filter.range("updated_at").ok().flatten(), None);
    }

    #[test]
    fn limit_is_capped_and_garbage_rejected() {
        assert_eq!(
            Params::parse(Some("limit=1000")).paging().ok().map(|p| p.limit),
            Some(250)
        );
        assert!(Params::parse(Some("limit=0")).paging().is_err());
        assert!(Params::parse(Some("page=x")).paging().is_err());
    }

    #[test]
    fn page_href_keeps_other_params_and_replaces_the_page() {
        let params = Params::parse(Some("query=ju&page=1&filter%5Bid%5D%5B%5D=1"));
        let paging = Paging { page: 1, limit: 50 };
        assert_eq!(
            params.page_href("http://h/api/v4/contacts", paging, 2),
            "http://h/api/v4/contacts?query=ju&filter%5Bid%5D%5B%5D=1&limit=50&page=2"
        );
    }
}

#[cfg(test)]
mod field_filter_tests {
    use super::*;
    use crate::sandbox::store::FieldValue;
    use serde_json::json;

    fn values(field_id: Id, items: &[(Value, Option<Id>)]) -> Vec<FieldValues> {
        vec![FieldValues {
            field_id,
            values: items
                .iter()
                .map(|(value, enum_id)| FieldValue {
                    value: value.clone(),
                    enum_id: *enum_id,
                })
                .collect(),
        }]
    }

    fn conditions(query: &str) -> Result<Vec<FieldCondition>, Problem> {
        Params::parse(Some(query)).filter().custom_fields()
    }

    #[test]
    fn custom_field_values_match_text_enum_ids_and_numbers() {
        let c = conditions(
            "filter%5Bcustom_fields_values%5D%5B7%5D%5B%5D=referido&filter%5Bcustom_fields_values%5D%5B7%5D%5B%5D=55",
        )
        .unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].values, ["referido", "55"]);
        assert!(
            c[0].matches(&values(7, &[(json!("Referido"), Some(1))])),
            "text ignores case"
        );
        assert!(
            c[0].matches(&values(7, &[(json!("Evento"), Some(55))])),
            "an option's enum id"
        );
        assert!(!c[0].matches(&values(7, &[(json!("Evento"), Some(56))])));
        assert!(!c[0].matches(&values(8, &[(json!("Referido"), None)])), "another field");
        let n = conditions("filter[custom_fields_values][9]=25").unwrap();
        assert!(n[0].matches(&values(9, &[(json!("25"), None)])));
        assert!(n[0].matches(&values(9, &[(json!(25), None)])));
        let b = conditions("filter[custom_fields_values][3][0]=1").unwrap();
        assert!(b[0].matches(&values(3, &[(json!(true), None)])));
        assert!(!b[0].matches(&values(3, &[(json!(false), None)])));
    }

    #[test]
    fn custom_field_ranges_bound_numbers_and_dates() {
        let c = conditions("filter[custom_fields_values][9][from]=20&filter[custom_fields_values][9][to]=30").unwrap();
        assert_eq!((c[0].from, c[0].to), (Some(20.0), Some(30.0)));
        assert!(c[0].matches(&values(9, &[(json!("25"), None)])));
        assert!(!c[0].matches(&values(9, &[(json!(31), None)])));
        let from = conditions("filter[custom_fields_values][9][from]=1767225600").unwrap();
        assert!(from[0].matches(&values(9, &[(json!(1767312000), None)])));
        assert!(!from[0].matches(&values(9, &[(json!("text"), None)])));
    }

    #[test]
    fn malformed_custom_field_filters_are_400s() {
        assert!(conditions("filter[custom_fields_values][abc][]=1").is_err());
        assert!(conditions("filter[custom_fields_values][9][from]=soon").is_err());
        assert!(conditions("filter[custom_fields_values][9][max]=1").is_err());
        assert!(conditions("filter[custom_fields_values]=1").is_err());
        assert!(conditions("filter[name]=x").unwrap().is_empty());
    }
}
