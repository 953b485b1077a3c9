#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tpm2_types::fuzzing::wire_roundtrip(data));
