//! tpm-crypto: the cryptography a TPM 2.0 (and later TPM 1.2) engine needs, on RustCrypto.
//!
//! What it is: hashes (SHA-1/256/384/512), HMAC, KDFa and KDFe (TPM 2.0 Part 1 §11.4.10),
//! AES in the TPM's modes, RSA and ECC with the TPM's schemes, an SP 800-90A CTR_DRBG, and the
//! deterministic primary-key derivation of the TCG reference implementation. Secrets zeroize on
//! drop and compare in constant time.
//!
//! What it is not: it knows nothing of TPM structures or wire formats (that is `tpm2-types`),
//! and it does no I/O beyond seeding the DRBG from the operating system.
//!
//! Every fallible function returns the crate [`Error`]; the engine maps it to a TPM_RC in one
//! place (each variant names the response code it usually becomes).
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

pub mod drbg;
pub mod ecc;
pub mod hash;
pub mod hmac;
pub mod kdf;
pub mod secret;
pub mod sym;

pub mod primary;
pub mod rsa;

pub use hash::{Digest, HashAlg, Hasher};
pub use hmac::{HmacState, hmac};
pub use kdf::{KdfaStream, kdfa, kdfe};
pub use secret::{SecretBytes, ct_eq};

use core::fmt;

/// Why a tpm-crypto operation failed. Small and `Copy`, like `tpm_wire::WireError`; it carries
/// no secret-dependent detail (one [`Error::Decrypt`] for every padding failure).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// An algorithm, key size, curve or mode this crate does not implement (TPM_RC_VALUE or
    /// TPM_RC_SCHEME, depending on the parameter).
    Unsupported,
    /// A length that does not fit the operation: a non-block-multiple for CBC/ECB, a wrong IV
    /// or key size, an output buffer of the wrong size (TPM_RC_SIZE).
    Length,
    /// Key material that is not a valid key: bad RSA factors, a scalar outside [1, n-1]
    /// (TPM_RC_KEY or TPM_RC_BINDING).
    Key,
    /// An ECC point that is not on the curve, is the identity or has out-of-range coordinates
    /// (TPM_RC_ECC_POINT).
    EccPoint,
    /// A value outside its range, e.g. an RSA message not less than the modulus (TPM_RC_VALUE).
    Value,
    /// Decryption failed. Every padding failure gives this one variant, in constant time, so
    /// it is no padding oracle (TPM_RC_VALUE).
    Decrypt,
    /// A signature did not verify (TPM_RC_SIGNATURE).
    Signature,
    /// A generator reached its limit: the KDF stream's bit limit, the DRBG's reseed counter
    /// or per-request maximum (TPM_RC_NO_RESULT).
    Limit,
    /// The operating-system entropy source failed (TPM_RC_FAILURE).
    Entropy,
    /// A broken internal invariant; the engine enters failure mode (TPM_RC_FAILURE).
    Internal,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unsupported => "unsupported algorithm or parameter",
            Self::Length => "invalid length",
            Self::Key => "invalid key",
            Self::EccPoint => "invalid ECC point",
            Self::Value => "value out of range",
            Self::Decrypt => "decryption error",
            Self::Signature => "signature verification failed",
            Self::Limit => "generator limit reached",
            Self::Entropy => "entropy source failure",
            Self::Internal => "internal error",
        })
    }
}

impl core::error::Error for Error {}
