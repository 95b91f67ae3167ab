//! Fuzz target: see kommo_mcp::fuzz_checks::payload_tape for the invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kommo_mcp::fuzz_checks::payload_tape(data);
});
