#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| swtpm_protocol::fuzzing::ctrl_stream(data));
