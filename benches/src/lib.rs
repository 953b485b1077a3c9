//! ferrotpm-benches: criterion benches (`cargo bench -p ferrotpm-benches`): groups `wire`
//! (codec), `crypto` (primitives), `commands` (the TPM 2.0 engine in process) and `state`
//! (state images). Not a library.
#![forbid(unsafe_code)]
