//! Phone numbers: parse what people type and what Kommo stores, and decide whether two
//! strings are the same number.
//!
//! Kommo stores PHONE values exactly as they were typed (`+57 300 123 4567`, `(300) 123-4567`,
//! `8 (916) 123-45-67`), and its `query=` search is a loose substring match over all fields.
//! So a phone search is two steps: ask Kommo with the national digits, then keep only contacts
//! with a PHONE value that is the same number. Parsing uses the libphonenumber metadata (the
//! `phonenumber` crate, with metadata loaded per calling code by [`crate::phone_db`]) for international forms and, when a default country is known, for
//! national forms with trunk prefixes.
//!
//! A number is reduced to one or more [`PhoneKey`]s: `(country code if known, national
//! significant number)`. A string can have several readings (`573001234567` may be a
//! Colombian number written without `+`, or a national number); two strings are the same
//! number when some reading of each has the same national number and the country codes agree
//! or one of them is unknown.

use phonenumber::country::Id;

/// One reading of a phone string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneKey {
    /// Country calling code (57 for Colombia), when the string determines it.
    pub country_code: Option<u16>,
    /// National significant number as digits (keeps Italian-style leading zeros).
    pub national: String,
}

/// A phone string understood as a set of readings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    keys: Vec<PhoneKey>,
    /// E.164 form (`+573001234567`) when the country is known.
    pub e164: Option<String>,
}

/// Why a string is not usable as a phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("no digits found; expected a phone number such as +57 300 123 4567")]
    NoDigits,
    #[error("{0} digits is too short for a phone number; give at least 6 digits (the national number, optionally with the country code)")]
    TooShort(usize),
    #[error("{0} digits is too long for a phone number; E.164 numbers have at most 15 digits")]
    TooLong(usize),
}

/// Parses an ISO 3166-1 alpha-2 region code (`"co"` or `"CO"`).
pub fn parse_region(code: &str) -> Option<Id> {
    // Two bytes, upper-cased on the stack: this runs on every config check.
    let [a, b] = code.trim().as_bytes() else {
        return None;
    };
    let upper = [a.to_ascii_uppercase(), b.to_ascii_uppercase()];
    std::str::from_utf8(&upper).ok()?.parse::<Id>().ok()
}

/// Digits of `s`, in order.
pub fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Normalises a phone string to digits for searching: everything but digits is removed and an
/// international `00` prefix is dropped, so `+57 300 123 4567` and `0057 300 123 4567` both
/// give `573001234567`. Kept for compatibility with the original package's `normalizePhone`,
/// which only stripped spaces, dashes, parentheses and `+`.
pub fn normalize_phone(s: &str) -> String {
    let main = strip_extension(s);
    let d = digits(main);
    match main.trim_start().strip_prefix("00") {
        Some(_) if d.len() > 2 => d[2..].to_string(),
        _ => d,
    }
}

/// Drops an extension such as `ext. 12`, `x12` or `#12`: everything from the first letter or `#`.
fn strip_extension(s: &str) -> &str {
    match s.find(|c: char| c.is_alphabetic() || c == '#' || c == ';' || c == ',') {
        Some(i) => &s[..i],
        None => s,
    }
}

fn key_of(number: &phonenumber::PhoneNumber) -> PhoneKey {
    let national = number.national();
    let mut s = "0".repeat(usize::from(national.zeros()));
    s.push_str(&national.value().to_string());
    PhoneKey {
        country_code: Some(number.code().value()),
        national: s,
    }
}

fn e164_of(key: &PhoneKey) -> Option<String> {
    key.country_code.map(|cc| format!("+{cc}{}", key.national))
}

impl Phone {
    /// Parses what a person typed or what Kommo stored. `region` is the country assumed for
    /// numbers written without a country code; without it such numbers keep an unknown
    /// country code and common trunk prefixes (`0`, and `8` for 11-digit numbers) are also tried.
    pub fn parse(input: &str, region: Option<Id>) -> Result<Phone, PhoneError> {
        let main = strip_extension(input).trim();
        let all = digits(main);
        if all.is_empty() {
            return Err(PhoneError::NoDigits);
        }
        let (international, d) = if main.starts_with('+') {
            (true, all.clone())
        } else if let Some(rest) = all.strip_prefix("00") {
            (true, rest.to_string())
        } else if region.is_some_and(|r| matches!(r, Id::US | Id::CA)) && all.starts_with("011") {
            (true, all[3..].to_string())
        } else {
            (false, all.clone())
        };
        if d.len() < 6 {
            return Err(PhoneError::TooShort(d.len()));
        }
        if d.len() > 17 {
            return Err(PhoneError::TooLong(d.len()));
        }

        let mut keys: Vec<PhoneKey> = Vec::new();
        let push = |k: PhoneKey, keys: &mut Vec<PhoneKey>| {
            if k.national.len() >= 4 && !keys.contains(&k) {
                keys.push(k);
            }
        };
        let mut e164 = None;
        if international {
            match crate::phone_db::parse_international(&d) {
                Some(n) => {
                    let k = key_of(&n.number);
                    e164 = e164_of(&k);
                    push(k, &mut keys);
                }
                None => push(
                    PhoneKey {
                        country_code: None,
                        national: d.clone(),
                    },
                    &mut keys,
                ),
            }
        } else {
            let mut regional_valid = false;
            if let Some(r) = region {
                if let Some(n) = crate::phone_db::parse_national(r, &d) {
                    let k = key_of(&n.number);
                    if n.is_valid() {
                        e164 = e164_of(&k);
                        regional_valid = true;
                    }
                    push(k, &mut keys);
                }
            }
            // The digits as a national number of an unknown country, unless the default
            // country already read them as a valid number.
            if !regional_valid {
                push(
                    PhoneKey {
                        country_code: None,
                        national: d.clone(),
                    },
                    &mut keys,
                );
            }
            if region.is_none() {
                // Common trunk prefixes: 0 (most of the world), 8 (Russia, Kazakhstan, Belarus).
                if let Some(rest) = d.strip_prefix('0') {
                    push(
                        PhoneKey {
                            country_code: None,
                            national: rest.to_string(),
                        },
                        &mut keys,
                    );
                }
                if d.len() == 11 && d.starts_with('8') {
                    push(
                        PhoneKey {
                            country_code: None,
                            national: d[1..].to_string(),
                        },
                        &mut keys,
                    );
                }
            }
            // Digits that start with a country code, written without `+` (573001234567).
            if let Some(n) = crate::phone_db::parse_international(&d) {
                if n.is_valid() {
                    let k = key_of(&n.number);
                    if e164.is_none() {
                        e164 = e164_of(&k);
                    }
                    push(k, &mut keys);
                }
            }
        }
        if keys.is_empty() {
            // libphonenumber read a country code but too short a national part ("+5700+57-",
            // found by fuzzing): keep the digits, so the number is at least itself.
            keys.push(PhoneKey {
                country_code: None,
                national: d,
            });
        }
        Ok(Phone { keys, e164 })
    }

    /// The readings of this number.
    pub fn keys(&self) -> &[PhoneKey] {
        &self.keys
    }

    /// Whether `self` and `other` are the same number (see the module docs).
    pub fn same_number(&self, other: &Phone) -> bool {
        self.keys.iter().any(|a| {
            other.keys.iter().any(|b| {
                a.national == b.national
                    && match (a.country_code, b.country_code) {
                        (Some(x), Some(y)) => x == y,
                        _ => true,
                    }
            })
        })
    }

    /// Digits to send as Kommo's `query`: the shortest national reading, which is a substring
    /// of every way the number can be written (with or without country code or trunk prefix).
    pub fn search_digits(&self) -> &str {
        self.keys
            .iter()
            .map(|k| k.national.as_str())
            .filter(|n| n.len() >= 6)
            .min_by_key(|n| n.len())
            .or_else(|| self.keys.first().map(|k| k.national.as_str()))
            .unwrap_or("")
    }

    /// National significant number of the most specific reading.
    pub fn national(&self) -> &str {
        self.keys.first().map(|k| k.national.as_str()).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Phone {
        Phone::parse(s, None).unwrap()
    }

    #[test]
    fn colombian_forms_are_the_same_number() {
        let forms = [
            "+57 300 123 4567",
            "0057 300 123 4567",
            "300.123.4567",
            "(300) 123-4567",
            "3001234567",
            "573001234567",
            "+573001234567",
        ];
        for a in forms {
            for b in forms {
                assert!(p(a).same_number(&p(b)), "{a} vs {b}");
            }
            assert_eq!(p(a).search_digits(), "3001234567", "{a}");
        }
    }

    #[test]
    fn different_numbers_do_not_match() {
        assert!(!p("+57 300 123 4567").same_number(&p("+57 300 123 45670")));
        assert!(!p("+57 300 123 4567").same_number(&p("+57 311 555 0000")));
        // Same national digits, different country codes.
        assert!(!p("+57 300 123 4567").same_number(&p("+1 300 123 4567")));
    }

    #[test]
    fn trunk_prefixes_are_understood() {
        assert!(p("8 (916) 123-45-67").same_number(&p("+7 916 123-45-67")));
        assert!(p("020 7946 0018").same_number(&p("+44 20 7946 0018")));
        let ru = Phone::parse("8 (916) 123-45-67", parse_region("RU")).unwrap();
        assert_eq!(ru.e164.as_deref(), Some("+79161234567"));
    }

    #[test]
    fn default_region_fixes_the_country_of_national_numbers() {
        let co = parse_region("co");
        let national = Phone::parse("300 123 4567", co).unwrap();
        assert_eq!(national.e164.as_deref(), Some("+573001234567"));
        assert!(!national.same_number(&p("+1 300 123 4567")));
        assert!(national.same_number(&p("+57 3001234567")));
    }

    #[test]
    fn rejects_non_numbers_with_reasons() {
        assert_eq!(Phone::parse("call me", None), Err(PhoneError::NoDigits));
        assert_eq!(Phone::parse("12-34", None), Err(PhoneError::TooShort(4)));
        assert!(matches!(
            Phone::parse("1234567890123456789", None),
            Err(PhoneError::TooLong(_))
        ));
    }

    #[test]
    fn extensions_are_ignored() {
        assert!(p("+57 300 123 4567 ext. 12").same_number(&p("3001234567")));
    }

    #[test]
    fn normalize_phone_gives_digits_without_idd_prefix() {
        assert_eq!(normalize_phone("+57 (300) 123-4567"), "573001234567");
        assert_eq!(normalize_phone("0057 300.123.4567"), "573001234567");
        assert_eq!(normalize_phone("300.123.4567"), "3001234567");
    }

    #[test]
    fn a_number_with_a_too_short_national_part_is_still_itself() {
        // Found by fuzzing: no reading was kept, so the number did not match itself.
        let p = Phone::parse("+5700+57-", None).unwrap();
        assert!(p.same_number(&p));
        assert!(!p.keys().is_empty());
    }
}
