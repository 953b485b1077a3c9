//! tpm2-engine: the TPM 2.0 command engine of ferrotpm.
//!
//! What it is: a pure, synchronous, deterministic state machine that takes TPM 2.0 command
//! bytes and returns response bytes (TPM 2.0 Library Part 3), keeps the TPM's state in the
//! spec's three lifetimes (persistent, orderly/clear, volatile) and exports and imports it as
//! versioned images. It implements [`tpm_device::TpmEngine`], which is all the daemon and the
//! TIS/CRB front-ends use.
//!
//! What it is not: no I/O (clock and entropy come from a [`platform::Platform`]), no storage
//! (images go to `tpm-store`), no transport.
#![forbid(unsafe_code)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

pub mod algorithms;
mod audit;
mod auth;
pub mod clock;
mod cmd;
mod exec;
mod object;
pub mod pcr;
pub mod platform;
pub mod properties;
pub mod selftest;
mod session;
pub mod state;
mod table;
mod tpm;

pub use tpm::Tpm2;

#[cfg(test)]
mod tests;

#[doc(hidden)]
pub mod fuzzing;
