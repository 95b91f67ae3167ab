//! libphonenumber metadata for the `phonenumber` crate, loaded one calling code at a time.
//!
//! `phonenumber::parse` uses the crate's `DEFAULT` database: the first phone number decodes the
//! metadata of all 246 regions (1.8 MB kept, 4 MB at peak, 150-250 ms) and its patterns compile
//! to Unicode-aware regexes of about 150 KB each. Here the same metadata
//! (`phone_metadata.bin`, made by `examples/phone_metadata.rs`) is split by calling code and a
//! [`Database`] holds only the regions of one code: parsing `+57 …` loads Colombia's metadata
//! alone. The patterns use `[0-9]` for `\d` (the parser only ever matches normalised ASCII
//! digits), which compiles to about 1/18 of the memory, and carry none of the XML's indentation
//! (the crate checks each pattern in normal mode, where every space is a literal, before it
//! compiles it in verbose mode: 2.2 MB to check Britain's). Results equal `DEFAULT`'s for every
//! region (`tests::every_region_parses_as_with_the_full_database`). The metadata is Google's
//! libphonenumber `PhoneNumberMetadata.xml` (Apache-2.0) as shipped in the `phonenumber` crate;
//! regenerate the file when that crate is upgraded.

use std::sync::{Arc, Mutex, OnceLock};

use phonenumber::country::Id;
use phonenumber::metadata::{loader, Database};
use phonenumber::{ParseError, PhoneNumber};

static BLOB: &[u8] = include_bytes!("phone_metadata.bin");

/// Databases kept loaded (most recently used first); each holds one calling code's regions.
const KEEP: usize = 8;

/// `(calling code, region ids, postcard-encoded Vec<loader::Metadata>)`.
type Group = (u16, Vec<&'static str>, &'static [u8]);

/// The blob's index: `(calling code, region ids, offset, length)` of each code's metadata in the
/// bytes after the index. Only the index (2.4 KB) is read here, so the pages of codes no number
/// uses are never touched.
fn index() -> &'static [Group] {
    static INDEX: OnceLock<Vec<Group>> = OnceLock::new();
    INDEX.get_or_init(|| {
        type Entry = (u16, Vec<&'static str>, u32, u32);
        let Ok((entries, payload)) = postcard::take_from_bytes::<Vec<Entry>>(BLOB) else {
            return Vec::new();
        };
        entries
            .into_iter()
            .filter_map(|(code, regions, offset, len)| {
                let start = usize::try_from(offset).ok()?;
                let end = start.checked_add(usize::try_from(len).ok()?)?;
                Some((code, regions, payload.get(start..end)?))
            })
            .collect()
    })
}

fn decode(bytes: &[u8]) -> Option<Vec<loader::Metadata>> {
    postcard::from_bytes(bytes).ok()
}

/// The database of every region that uses calling code `code`, or `None` for an unknown code.
pub fn for_code(code: u16) -> Option<Arc<Database>> {
    static LOADED: Mutex<Vec<(u16, Arc<Database>)>> = Mutex::new(Vec::new());
    let mut loaded = LOADED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(i) = loaded.iter().position(|(c, _)| *c == code) {
        let entry = loaded.remove(i);
        let db = entry.1.clone();
        loaded.insert(0, entry);
        return Some(db);
    }
    let (_, _, bytes) = index().iter().find(|g| g.0 == code)?;
    let db = Arc::new(Database::from(decode(bytes)?).ok()?);
    loaded.insert(0, (code, db.clone()));
    loaded.truncate(KEEP);
    Some(db)
}

/// Every region, for the rare number a one-code database cannot place (a national number
/// dialled with a region's international prefix other than `00`, such as Russia's `810`).
fn everything() -> Option<&'static Database> {
    static ALL: OnceLock<Option<Database>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut all = Vec::new();
        for (_, _, bytes) in index() {
            all.extend(decode(bytes)?);
        }
        Database::from(all).ok()
    })
    .as_ref()
}

/// The calling code `digits` starts with (calling codes are prefix-free), if any.
pub fn code_prefix(digits: &str) -> Option<u16> {
    if digits.starts_with('0') {
        return None;
    }
    (1..=3)
        .filter_map(|n| digits.get(..n)?.parse::<u16>().ok())
        .find(|c| index().iter().any(|g| g.0 == *c))
}

/// The calling code of a region.
pub fn code_of(region: Id) -> Option<u16> {
    let id: &str = region.as_ref();
    index().iter().find(|g| g.1.contains(&id)).map(|g| g.0)
}

/// A parsed number with the database that knows its calling code.
pub struct Parsed {
    pub number: PhoneNumber,
    pub db: Arc<Database>,
}

impl Parsed {
    pub fn is_valid(&self) -> bool {
        self.number.is_valid_with(&self.db)
    }

    /// The number in a format (`National`, `International`, `E164`).
    pub fn format(&self, mode: phonenumber::Mode) -> String {
        self.number.format_with(&self.db).mode(mode).to_string()
    }

    /// The region the number belongs to.
    pub fn region(&self) -> Option<Id> {
        self.number.metadata(&self.db).and_then(|m| m.id().parse().ok())
    }
}

/// `phonenumber::parse(None, "+<digits>")` for ASCII digits that start with a calling code.
pub fn parse_international(digits: &str) -> Option<Parsed> {
    let db = for_code(code_prefix(digits)?)?;
    let number = phonenumber::parse_with(&db, None, format!("+{digits}")).ok()?;
    Some(Parsed { number, db })
}

/// `phonenumber::parse(Some(region), text)`.
pub fn parse_national(region: Id, text: &str) -> Option<Parsed> {
    let db = for_code(code_of(region)?)?;
    match phonenumber::parse_with(&db, Some(region), text) {
        Ok(number) => Some(Parsed { number, db }),
        // The region's international prefix led to another calling code: look it up in the
        // full metadata, then keep the database of that code.
        Err(ParseError::InvalidCountryCode) => {
            let all = everything()?;
            let number = phonenumber::parse_with(all, Some(region), text).ok()?;
            let db = for_code(number.code().value())?;
            Some(Parsed { number, db })
        }
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use phonenumber::metadata::DATABASE;
    use phonenumber::Mode;

    #[test]
    fn every_group_decodes_and_its_patterns_are_compact() {
        let mut patterns = 0;
        for (code, regions, bytes) in index() {
            let metas = decode(bytes).unwrap_or_else(|| panic!("calling code {code} decodes"));
            assert_eq!(metas.len(), regions.len(), "calling code {code}");
            for m in metas {
                let descriptors = [
                    &m.general,
                    &m.fixed_line,
                    &m.mobile,
                    &m.toll_free,
                    &m.premium_rate,
                    &m.shared_cost,
                    &m.personal_number,
                    &m.voip,
                    &m.pager,
                    &m.uan,
                    &m.emergency,
                    &m.voicemail,
                    &m.short_code,
                    &m.standard_rate,
                    &m.carrier,
                    &m.no_international,
                ];
                let formats = m.formats.iter().chain(&m.international_formats);
                let all = descriptors
                    .into_iter()
                    .flatten()
                    .filter_map(|d| d.national_number.as_deref())
                    .chain(m.international_prefix.as_deref())
                    .chain(m.national_prefix_for_parsing.as_deref())
                    .chain(m.leading_digits.as_deref())
                    .chain(formats.flat_map(|f| {
                        f.pattern
                            .as_deref()
                            .into_iter()
                            .chain(f.leading_digits.iter().map(String::as_str))
                    }));
                for p in all {
                    assert!(!p.contains(char::is_whitespace) && !p.contains("\\d"), "{code}: {p:?}");
                    patterns += 1;
                }
            }
        }
        assert!(patterns > 4000, "only {patterns} patterns");
    }

    #[test]
    fn the_index_covers_every_calling_code_of_the_full_database() {
        for code in 1..1000u16 {
            fn sorted(mut v: Vec<&str>) -> Vec<&str> {
                v.sort_unstable();
                v
            }
            let ours = index().iter().find(|g| g.0 == code).map(|g| sorted(g.1.clone()));
            assert_eq!(ours, DATABASE.region(&code).map(sorted), "calling code {code}");
        }
        assert_eq!(code_of(Id::CO), Some(57));
        assert_eq!(code_of(Id::US), Some(1));
        assert_eq!(code_prefix("573001234567"), Some(57));
        assert_eq!(code_prefix("0573001234567"), None);
    }

    fn same(label: &str, ours: Option<Parsed>, full: Option<PhoneNumber>) {
        match (ours, full) {
            (None, None) => {}
            (Some(o), Some(f)) => {
                assert_eq!(o.number.code().value(), f.code().value(), "{label}");
                assert_eq!(o.number.national(), f.national(), "{label}");
                assert_eq!(o.is_valid(), f.is_valid(), "{label}: validity");
                for mode in [Mode::National, Mode::International, Mode::E164] {
                    assert_eq!(o.format(mode), f.format().mode(mode).to_string(), "{label}");
                }
                assert_eq!(o.region(), f.country().id(), "{label}: region");
            }
            (o, f) => panic!("{label}: ours {:?} full {:?}", o.map(|p| p.number), f),
        }
    }

    #[test]
    fn every_region_parses_as_with_the_full_database() {
        let mut checked = 0;
        // By calling code: `DATABASE.iter()` keeps one of the non-geographic entities (all `001`).
        for meta in (1..1000u16).flat_map(|c| DATABASE.by_code(&c).unwrap_or_default()) {
            let d = meta.descriptors();
            let examples = [
                Some(d.general()),
                d.fixed_line(),
                d.mobile(),
                d.toll_free(),
                d.premium_rate(),
                d.voip(),
                d.uan(),
            ];
            let region: Option<Id> = meta.id().parse().ok();
            for ex in examples.into_iter().flatten().filter_map(|d| d.example()) {
                let intl = format!("{}{ex}", meta.country_code());
                same(
                    &format!("+{intl}"),
                    parse_international(&intl),
                    phonenumber::parse(None, format!("+{intl}")).ok(),
                );
                if let Some(r) = region {
                    for text in [ex.to_string(), format!("0{ex}"), format!("8{ex}"), intl.clone()] {
                        same(
                            &format!("{} {text}", meta.id()),
                            parse_national(r, &text),
                            phonenumber::parse(Some(r), &text).ok(),
                        );
                    }
                }
                checked += 1;
            }
        }
        assert!(checked > 900, "{checked}");
        // Another code reached through a region's international prefix (Russia's 810).
        same(
            "RU 810…",
            parse_national(Id::RU, "810573001234567"),
            phonenumber::parse(Some(Id::RU), "810573001234567").ok(),
        );
        // Unknown calling codes and junk.
        for d in ["0573001234567", "999123456789", "2123"] {
            same(
                d,
                parse_international(d),
                phonenumber::parse(None, format!("+{d}")).ok(),
            );
        }
    }
}
