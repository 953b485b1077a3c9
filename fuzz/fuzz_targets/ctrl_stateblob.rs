#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ferrotpm::fuzzing::stateblob(data));
