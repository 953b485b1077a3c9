//! ferrotpm-benches: criterion benches (`cargo bench -p ferrotpm-benches`); groups `wire` and
//! `crypto` now, `commands` and `state` as the engine grows. Not a library.
#![forbid(unsafe_code)]
