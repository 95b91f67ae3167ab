//! Regenerates `src/phone_metadata.bin` from the `phonenumber` crate's libphonenumber metadata:
//!
//! ```text
//! cargo run --example phone_metadata -- \
//!     ~/.cargo/registry/src/*/phonenumber-<version>/assets/PhoneNumberMetadata.xml src/phone_metadata.bin
//! ```
//!
//! The file is postcard: an index of `(calling code, region ids, offset, length)`, then for each
//! calling code its postcard `Vec<loader::Metadata>` at that offset of the rest of the file, so
//! `src/phone_db.rs` reads the short index and decodes only the codes a number needs, and the
//! pages of the others are never touched. Patterns are made smaller and cheaper to compile:
//! - every `\d` becomes `[0-9]`: the parser only matches normalised ASCII digits, and an ASCII
//!   class compiles to about 1/18 of the memory of Unicode `\d`;
//! - whitespace is dropped: the XML indents its long patterns over many lines (45% of their
//!   bytes), which the crate compiles in verbose mode (`ignore_whitespace`) but first checks in
//!   normal mode, where every space is a literal of its own (GB's patterns took 2.2 MB to check).

use std::collections::BTreeMap;

use phonenumber::metadata::loader::{self, Descriptor, Format};

/// A pattern as written in the XML -> the same regex, compact and ASCII (see the module docs).
fn compact(s: &mut String) {
    // Verbose mode would give these a meaning that dropping whitespace changes.
    assert!(
        !s.contains('#') && !s.contains("\\ "),
        "pattern with a comment or an escaped space: {s}"
    );
    s.retain(|c| !c.is_whitespace());
    *s = s.replace("\\d", "[0-9]");
}

fn ascii(p: &mut Option<String>) {
    if let Some(s) = p {
        compact(s);
    }
}

fn descriptor(d: &mut Option<Descriptor>) {
    if let Some(d) = d {
        ascii(&mut d.national_number);
    }
}

fn format(f: &mut Format) {
    ascii(&mut f.pattern);
    f.leading_digits.iter_mut().for_each(compact);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, xml, out] = &args[..] else {
        eprintln!("usage: phone_metadata <PhoneNumberMetadata.xml> <output.bin>");
        std::process::exit(2);
    };
    let file = std::fs::File::open(xml).expect("open the metadata XML");
    let all = loader::load(std::io::BufReader::new(file)).expect("parse the metadata XML");
    let mut groups: BTreeMap<u16, Vec<loader::Metadata>> = BTreeMap::new();
    for mut m in all {
        let code = m.country_code.expect("every territory has a country code");
        for d in [
            &mut m.general,
            &mut m.fixed_line,
            &mut m.mobile,
            &mut m.toll_free,
            &mut m.premium_rate,
            &mut m.shared_cost,
            &mut m.personal_number,
            &mut m.voip,
            &mut m.pager,
            &mut m.uan,
            &mut m.emergency,
            &mut m.voicemail,
            &mut m.short_code,
            &mut m.standard_rate,
            &mut m.carrier,
            &mut m.no_international,
        ] {
            descriptor(d);
        }
        ascii(&mut m.international_prefix);
        ascii(&mut m.national_prefix_for_parsing);
        ascii(&mut m.leading_digits);
        m.formats.iter_mut().for_each(format);
        m.international_formats.iter_mut().for_each(format);
        groups.entry(code).or_default().push(m);
    }
    let mut index: Vec<(u16, Vec<String>, u32, u32)> = Vec::new();
    let mut payload: Vec<u8> = Vec::new();
    for (code, metas) in groups {
        let regions = metas.iter().filter_map(|m| m.id.clone()).collect();
        let bytes = postcard::to_allocvec(&metas).expect("encode a group");
        let offset = u32::try_from(payload.len()).expect("under 4 GB");
        let len = u32::try_from(bytes.len()).expect("under 4 GB");
        index.push((code, regions, offset, len));
        payload.extend_from_slice(&bytes);
    }
    let mut blob = postcard::to_allocvec(&index).expect("encode the index");
    let header = blob.len();
    blob.extend_from_slice(&payload);
    std::fs::write(out, &blob).expect("write the output");
    eprintln!(
        "{} calling codes, {} bytes (index {header} bytes)",
        index.len(),
        blob.len()
    );
}
