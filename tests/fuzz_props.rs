//! The fuzz targets' invariants (src/fuzz_checks.rs) on generated inputs, under plain
//! `cargo test`: random bytes mixed with fragments that matter to each parser. The coverage-guided
//! runs live in `fuzz/` (`cargo +nightly fuzz run <target>`); set `KOMMO_FUZZ_ITERS` to run longer here.

use kommo_mcp::fuzz_checks;

struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn input(&mut self, dict: &[&str]) -> Vec<u8> {
        let mut out = vec![self.next() as u8];
        for _ in 0..self.below(12) {
            match self.below(4) {
                0 => out.extend((0..self.below(8)).map(|_| self.next() as u8)),
                1 => out.push(0xFF),
                _ => out.extend_from_slice(dict[self.below(dict.len())].as_bytes()),
            }
        }
        out
    }
}

fn iterations() -> usize {
    std::env::var("KOMMO_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

fn run(seed: u64, dict: &[&str], check: fn(&[u8])) {
    let mut g = Gen(seed);
    for _ in 0..iterations() {
        let input = g.input(dict);
        let result = std::panic::catch_unwind(|| check(&input));
        if result.is_err() {
            panic!(
                "invariant broken for input {input:?} ({:?})",
                String::from_utf8_lossy(&input)
            );
        }
    }
}

const CONFIG_DICT: &[&str] = &[
    "https://",
    "http://",
    "acme",
    ".kommo.com",
    ".amocrm.ru",
    ".amocrm.com",
    "www",
    "localhost",
    "127.0.0.1",
    "[::1]",
    ":8080",
    ":0",
    "/api/v4",
    "/api/v4/",
    "/",
    "?",
    "#",
    "@",
    "user:pw@",
    "Bearer ",
    " ",
    "\n",
    "\t",
    "tok3n-ABCDEFGHIJKLMNOP",
    "CO",
    "us",
    "XX",
    "7",
    "0",
    "-1",
    "2.5",
    "1000",
    "1e3",
    "NaN",
    "inf",
    "é",
    "ß",
    "xn--",
    "..",
    "-",
    "%2e",
];

const PHONE_DICT: &[&str] = &[
    "+",
    "+57",
    "+7",
    "8",
    "00",
    "011",
    "0",
    "300",
    "123",
    "4567",
    " ",
    "-",
    "(",
    ")",
    ".",
    "ext",
    "x",
    "#",
    ";",
    ",",
    "٣",
    "１",
    "+1 (555) 010-9999",
    "9999999999999999999",
    "é",
    "\u{0}",
];

const HAL_DICT: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"_page\"",
    "\"_links\"",
    "\"next\"",
    "\"href\"",
    "\"_embedded\"",
    "\"leads\"",
    "\"_total_items\"",
    "\"_page_count\"",
    "\"validation-errors\"",
    "\"request_id\"",
    "\"errors\"",
    "\"code\"",
    "\"path\"",
    "\"detail\"",
    "\"title\"",
    "\"hint\"",
    "null",
    "1",
    "-1",
    "1e400",
    "\"x\"",
    "true",
    "<html>",
    "<!DOCTYPE html>",
    "<body>",
    "nginx",
    " ",
];

#[test]
fn config_parsing_keeps_its_invariants_on_generated_input() {
    run(0x5EED_0001, CONFIG_DICT, fuzz_checks::config);
}

#[test]
fn phone_parsing_keeps_its_invariants_on_generated_input() {
    run(0x5EED_0002, PHONE_DICT, fuzz_checks::phone);
}

#[test]
fn hal_and_problem_parsing_keep_their_invariants_on_generated_input() {
    run(0x5EED_0003, HAL_DICT, fuzz_checks::hal);
}

/// The payload target's fragments on top of HAL's (which already has JSON's punctuation).
const JSON_EXTRA: &[&str] = &[
    "\"",
    "false",
    "0",
    "\\",
    "\\u00e9",
    "\\ud83d\\ude00",
    "\\ud800",
    "-0",
    "1.5",
    "1e308",
    "1e999",
    "12345678901234567890",
    "\"name\":",
    "\"price\":",
    "\"custom_fields_values\":",
    "\"field_id\":",
    "\"values\":",
    "\"value\":",
    "\"tags\":",
    "\n",
    "é",
];

#[test]
fn payload_tape_reading_keeps_its_invariants_on_generated_input() {
    let dict: Vec<&str> = HAL_DICT.iter().chain(JSON_EXTRA).copied().collect();
    run(0x5EED_0004, &dict, fuzz_checks::payload_tape);
}
