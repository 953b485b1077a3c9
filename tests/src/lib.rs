//! ferrotpm-tests: integration tests that hold ferrotpm against independent oracles (the system's
//! TSS headers, traffic recorded between tpm2-tools and the Debian swtpm, NIST vectors).
//!
//! It is not a library: the tests live in `tests/*.rs`; this file only holds shared helpers.
#![forbid(unsafe_code)]
