#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tpm_store::fuzzing::state_wrapper(data));
