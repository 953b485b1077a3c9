//! tpm2-types: TPM 2.0 Part 2 (structures) and the parameter structures of Part 3 (commands).
//!
//! What it is: every constant (TPM_CC, TPM_RC, TPM_ALG_ID, TPM_ECC_CURVE, TPM_ST, TPM_SU, TPM_SE,
//! TPM_CAP, TPM_PT, TPM_PT_PCR, handles, TPMA_* bit fields), every structure Part 3's commands
//! take or return, and each command's request and response parameters, all marshalled with
//! `tpm-wire`. Unmarshal errors map to the response codes of TPM 2.0 Part 3 §5.
//!
//! What it is not: no command semantics (that is `tpm2-engine`) and no cryptography.
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

/// `proptest::arbitrary::Arbitrary` for a plain structure from its fields' strategies, in field
/// order (used by the per-file strategy modules; the caller has `proptest::prelude::*` in scope).
#[cfg(any(test, feature = "proptest"))]
macro_rules! arb_struct {
    ($name:ident { $($field:ident: $s:expr),* $(,)? }) => {
        impl Arbitrary for $name {
            type Parameters = ();
            type Strategy = BoxedStrategy<Self>;

            fn arbitrary_with(_: ()) -> Self::Strategy {
                ($($s,)*).prop_map(|($($field,)*)| $name { $($field),* }).boxed()
            }
        }
    };
}

mod secret;
pub use secret::*;

mod interface;
pub use interface::*;

mod basic;
pub use basic::*;

mod pcr;
pub use pcr::*;

mod tickets;
pub use tickets::*;

mod lists;
pub use lists::*;

mod capability;
pub use capability::*;

mod clock;
pub use clock::*;

mod attest;
pub use attest::*;

mod session;
pub use session::*;

mod nv;
pub use nv::*;

mod context;
pub use context::*;

mod constants;
pub use constants::*;

mod rc;
pub use rc::*;

mod attributes;
pub use attributes::*;

// Inherent methods on `TpmHandle`; nothing to re-export.
mod handles;

mod algorithms;
pub use algorithms::*;

mod symmetric;
pub use symmetric::*;

mod schemes;
pub use schemes::*;

mod asymmetric;
pub use asymmetric::*;

mod object;
pub use object::*;

mod command;
pub use command::*;

pub mod commands;
pub use commands::*;

#[doc(hidden)]
pub mod fuzzing;
