//! Regenerates `src/phone_metadata.bin` from the `phonenumber` crate's libphonenumber metadata:
//!
//! ```text
//! cargo run --example phone_metadata -- \
//!     ~/.cargo/registry/src/*/phonenumber-<version>/assets/PhoneNumberMetadata.xml src/phone_metadata.bin
//! ```
//!
//! The file is postcard: one `(calling code, region ids, postcard Vec<loader::Metadata>)` per
//! calling code, so `src/phone_db.rs` decodes only the codes a number needs. Every `\d` of the
//! patterns becomes `[0-9]`: the parser only matches normalised ASCII digits, and an ASCII class
//! compiles to about 1/18 of the memory of Unicode `\d`.

use std::collections::BTreeMap;

use phonenumber::metadata::loader::{self, Descriptor, Format};

fn ascii(p: &mut Option<String>) {
    if let Some(s) = p {
        *s = s.replace("\\d", "[0-9]");
    }
}

fn descriptor(d: &mut Option<Descriptor>) {
    if let Some(d) = d {
        ascii(&mut d.national_number);
    }
}

fn format(f: &mut Format) {
    ascii(&mut f.pattern);
    for l in &mut f.leading_digits {
        *l = l.replace("\\d", "[0-9]");
    }
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
    let mut entries: Vec<(u16, Vec<String>, Vec<u8>)> = Vec::new();
    for (code, metas) in groups {
        let regions = metas.iter().filter_map(|m| m.id.clone()).collect();
        let bytes = postcard::to_allocvec(&metas).expect("encode a group");
        entries.push((code, regions, bytes));
    }
    let blob = postcard::to_allocvec(&entries).expect("encode the index");
    std::fs::write(out, &blob).expect("write the output");
    eprintln!("{} calling codes, {} bytes", entries.len(), blob.len());
}
