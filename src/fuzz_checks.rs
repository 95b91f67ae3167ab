//! Invariants checked by the fuzz targets (`fuzz/`) and by the property tests
//! (`tests/fuzz_props.rs`, which run the same checks on generated inputs under plain
//! `cargo test`). Each function takes arbitrary bytes and panics when an invariant breaks.

use crate::config::{self, RawConfig, MAX_RATE_LIMIT};
use crate::phone::{self, Phone};

/// Splits fuzz input into up to `n` UTF-8 strings (0xFF separates them).
fn fields(data: &[u8], n: usize) -> Vec<String> {
    let mut out: Vec<String> = data
        .splitn(n, |b| *b == 0xFF)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    out.resize(n, String::new());
    out
}

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// `config::validate` and `config::from_env`: never panic; a valid config re-validates to
/// itself (normalisation is idempotent); errors name a key and never echo a long token; the
/// fast paths of `kommoConfigSchema` agree with `validate`.
pub fn config(data: &[u8]) {
    let flags = data.first().copied().unwrap_or(0);
    let f = fields(data.get(1..).unwrap_or_default(), 5);
    let rate = f[4].trim().parse::<f64>().ok();
    let raw = RawConfig {
        base_url: opt(&f[0]),
        subdomain: if flags & 1 == 1 { opt(&f[1]) } else { None },
        access_token: opt(&f[2]),
        allow_untrusted_host: (flags & 2 == 2).then_some(flags & 4 == 4),
        default_country: opt(&f[3]),
        rate_limit: rate,
        ..RawConfig::default()
    };
    match config::validate(raw.clone()) {
        Ok(c) => {
            let again = config::validate(RawConfig {
                base_url: Some(c.base_url()),
                subdomain: None,
                access_token: Some(c.access_token.clone()),
                allow_untrusted_host: Some(c.allow_untrusted_host),
                default_country: c.default_country.clone(),
                rate_limit: c.rate_limit.map(f64::from),
                ..RawConfig::default()
            })
            .unwrap_or_else(|e| panic!("{:?} does not re-validate: {e}", c.base_url()));
            assert!(again == c, "normalisation is not idempotent: {c:?} vs {again:?}");
            assert!(c.api_root().as_str().ends_with("/api/v4/"));
            assert!(c.rate_limit.is_none_or(|r| (1..=MAX_RATE_LIMIT).contains(&r)));
        }
        Err(e) => {
            assert!(!e.issues.is_empty());
        }
    }
    // A token never shows in an error or in Debug: two tokens of the same shape that differ
    // only in their last characters give the same text. (Looking for a canary token in the text
    // does not work: the fuzzer builds the canary from other fields, which messages quote
    // lowercased or as punycode.)
    for [a, b] in [
        ["Zq9Qx-TOKEN-aa1", "Zq9Qx-TOKEN-bb2"],
        ["Zq9Qx TOKEN\taa", "Zq9Qx TOKEN\tbb"],
    ] {
        let text = |token: &str| {
            config::validate(RawConfig {
                access_token: Some(token.into()),
                ..raw.clone()
            })
            .map_or_else(|e| e.to_string(), |c| format!("{c:?}"))
        };
        let (ta, tb) = (text(a), text(b));
        assert!(ta == tb, "the token shows in the error or Debug: {ta} / {tb}");
    }
    quick_paths_agree(&f[0], &f[1], &f[3], flags & 4 == 4);
    let _ = config::from_env(|k| match k {
        "KOMMO_BASE_URL" => opt(&f[0]),
        "KOMMO_SUBDOMAIN" => opt(&f[1]),
        "KOMMO_ACCESS_TOKEN" => opt(&f[2]),
        "KOMMO_DEFAULT_COUNTRY" => opt(&f[3]),
        "KOMMO_RATE_LIMIT" => opt(&f[4]),
        "KOMMO_ALLOW_UNTRUSTED_HOST" => Some(if flags & 2 == 2 { "true" } else { "maybe" }.into()),
        _ => None,
    });
}

/// `kommoConfigSchema`'s fast paths (`quick_base_url`, `quick_subdomain`, `quick_country`)
/// decide exactly as [`config::validate`] does whenever they decide at all.
fn quick_paths_agree(base_url: &str, sub: &str, country: &str, allow: bool) {
    let full = |raw: RawConfig| {
        config::validate(RawConfig {
            access_token: Some("t".into()),
            ..raw
        })
    };
    if let Some(quick) = config::quick_base_url(base_url, allow) {
        let result = full(RawConfig {
            base_url: Some(base_url.into()),
            allow_untrusted_host: Some(allow),
            ..RawConfig::default()
        });
        match (quick, &result) {
            (config::QuickUrl::Valid { base_url: b, untrusted }, Ok(c)) => {
                assert_eq!(b, c.base_url(), "{base_url:?}");
                assert_eq!(untrusted, c.allow_untrusted_host, "{base_url:?}");
            }
            (config::QuickUrl::UntrustedHost(h), Err(e)) => {
                assert_eq!(e.issues.len(), 1, "{base_url:?}");
                assert_eq!(e.issues[0].path, "baseUrl", "{base_url:?}");
                assert_eq!(e.issues[0].message, config::untrusted_host_message(h), "{base_url:?}");
            }
            (q, r) => panic!("{base_url:?} allow={allow}: quick {q:?}, validate {r:?}"),
        }
    }
    if config::quick_subdomain(sub) {
        let c = full(RawConfig {
            subdomain: Some(sub.into()),
            ..RawConfig::default()
        })
        .unwrap_or_else(|e| panic!("quick subdomain {sub:?} is invalid: {e}"));
        assert_eq!(c.base_url(), format!("https://{sub}.kommo.com"), "{sub:?}");
        assert!(!c.allow_untrusted_host);
    }
    if let Some(upper) = config::quick_country(country.as_bytes()) {
        let c = full(RawConfig {
            subdomain: Some("acme".into()),
            default_country: Some(country.into()),
            ..RawConfig::default()
        })
        .unwrap_or_else(|e| panic!("quick country {country:?} is invalid: {e}"));
        assert_eq!(
            c.default_country.as_deref().map(str::as_bytes),
            Some(&upper[..]),
            "{country:?}"
        );
    }
}

const REGIONS: [&str; 8] = ["", "CO", "US", "MX", "RU", "BR", "ES", "GB"];

/// Phone parsing: never panics; a parsed number is the same number as itself, its search
/// digits are digits, and `same_number` is symmetric.
pub fn phone(data: &[u8]) {
    let region = phone::parse_region(REGIONS[usize::from(data.first().copied().unwrap_or(0)) % REGIONS.len()]);
    let f = fields(data.get(1..).unwrap_or_default(), 2);
    let normalized = phone::normalize_phone(&f[0]);
    assert!(normalized.bytes().all(|b| b.is_ascii_digit()), "{normalized:?}");
    let a = Phone::parse(&f[0], region);
    let b = Phone::parse(&f[1], region);
    if let Ok(a) = &a {
        assert!(a.same_number(a), "{:?} is not itself", f[0]);
        assert!(a.search_digits().bytes().all(|b| b.is_ascii_digit()));
        assert!(!a.keys().is_empty());
    }
    if let (Ok(a), Ok(b)) = (&a, &b) {
        assert_eq!(a.same_number(b), b.same_number(a), "{:?} / {:?}", f[0], f[1]);
    }
}

/// HAL envelopes, problem+json and HTML error pages: never panic, always a readable error.
pub fn hal(data: &[u8]) {
    const STATUSES: [u16; 12] = [200, 204, 400, 401, 402, 403, 404, 429, 500, 502, 503, 504];
    let status = STATUSES[usize::from(data.first().copied().unwrap_or(0)) % STATUSES.len()];
    let body = data.get(1..).unwrap_or_default();
    let _ = crate::api::transport::looks_like_html(body);
    if status < 300 {
        match crate::api::hal::parse_page(status, body, "leads") {
            Ok(Some(page)) => assert!(page.page >= 1 || page.page == 0),
            Ok(None) => assert!(status == 204 || body.iter().all(u8::is_ascii_whitespace)),
            Err(e) => assert!(!e.to_string().is_empty()),
        }
        if let Some(e) = crate::api::transport::check_success_body(status, body) {
            assert!(!e.to_string().is_empty());
        }
    } else {
        let e = crate::api::transport::error_from_answer("acme.kommo.com", status, body);
        assert_eq!(e.status(), Some(status), "{e:?}");
        assert!(!e.to_string().is_empty());
    }
}

/// The payload schemas' tape reader (`schema::tape`, behind `index.js`'s fast path). Two halves:
/// - `data` as JSON text, when `serde_json` reads it: written as a tape the way `index.js` writes a
///   value, it reads back exactly (every kind, string and number), an array reads item by item as
///   it reads whole, and the lead schema finds the same issues in it as in `serde_json`'s value;
/// - `data` as a forged tape (each byte a slot: small tags and lengths, odd numbers among them)
///   over a text with ASCII, accented and astral characters: reading it never panics, and what it
///   reads can be checked by every payload schema without panicking.
pub fn payload_tape(data: &[u8]) {
    use crate::schema::tape::{self, Doc};
    use crate::schema::{kommo, Input, Kind};

    fn same<V: Input>(v: &V, j: &serde_json::Value) {
        match j {
            serde_json::Value::Null => assert_eq!(v.kind(), Kind::Null),
            serde_json::Value::Bool(_) => assert_eq!(v.kind(), Kind::Bool),
            serde_json::Value::Number(n) => {
                assert_eq!(v.kind(), Kind::Number);
                assert_eq!(v.number().to_bits(), n.as_f64().unwrap_or(f64::NAN).to_bits());
            }
            serde_json::Value::String(s) => v.with_str(|t| assert_eq!(t, s)),
            serde_json::Value::Array(items) => {
                assert_eq!(v.array_len(), items.len());
                for (i, item) in items.iter().enumerate() {
                    same(&v.index(i).expect("item"), item);
                }
            }
            serde_json::Value::Object(map) => {
                let mut keys = Vec::new();
                v.for_each_entry(|k, _| keys.push(k.to_string()));
                assert!(keys.iter().eq(map.keys()), "keys in the order written");
                for (k, x) in map {
                    same(&v.get(k).expect("key"), x);
                }
            }
        }
    }

    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let (mut slots, mut text) = (Vec::new(), String::new());
        tape::write(&value, &mut slots, &mut text);
        if let Ok(doc) = Doc::read(&slots, &text) {
            let root = doc.root();
            same(&root, &value);
            if let serde_json::Value::Array(items) = &value {
                let mut n = 0;
                Doc::for_each_item(&slots, &text, |i, item| {
                    assert_eq!(i, n);
                    same(&item, &items[i]);
                    n += 1;
                })
                .expect("an array read whole is read item by item");
                assert_eq!(n, items.len());
            }
            let a: Vec<String> = kommo::LEAD_CREATE.check(&root).iter().map(|i| i.to_string()).collect();
            let b: Vec<String> = kommo::LEAD_CREATE
                .check(&&value)
                .iter()
                .map(|i| i.to_string())
                .collect();
            assert_eq!(a, b, "lead issues differ");
        } else {
            // Only nesting beyond what index.js writes is refused.
            fn depth(v: &serde_json::Value) -> u32 {
                match v {
                    serde_json::Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
                    serde_json::Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
                    _ => 0,
                }
            }
            assert!(depth(&value) > tape::MAX_DEPTH, "a written value was refused");
        }
    }

    const TEXT: &str = "ab\u{e9}c\u{1F600}d\"k";
    const ODD: [f64; 6] = [-1.0, 0.5, f64::NAN, f64::INFINITY, 1e300, -0.0];
    let slots: Vec<f64> = data
        .iter()
        .map(|&b| {
            if b >= 250 {
                ODD[(b - 250) as usize]
            } else {
                (b % 12) as f64
            }
        })
        .collect();
    for cut in [0, TEXT.len() / 2, TEXT.len()] {
        let Some(text) = TEXT.get(..cut) else { continue };
        if let Ok(doc) = Doc::read(&slots, text) {
            for schema in kommo::ALL {
                let _ = schema.check(&doc.root());
                let _ = schema.check_batch(&doc.root());
            }
        }
        let _ = Doc::for_each_item(&slots, text, |_, item| {
            let _ = kommo::LEAD_CREATE.check(&item);
        });
    }
}
