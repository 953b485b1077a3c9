//! Secret byte containers and constant-time comparison.
//!
//! Seeds, proofs, private keys, session keys and authValues live in [`SecretBytes`]: wiped on
//! drop, never `Copy`, `Debug` redacted, equality in constant time. authValues, HMACs and
//! policy digests compare with [`ct_eq`] (TPM 2.0 Part 1 §19.6.5 session HMAC check: the
//! comparison must not reveal how many leading bytes matched).

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Compare two byte strings in constant time (for equal lengths; lengths are public).
/// Returns false when the lengths differ.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    bool::from(a.ct_eq(b))
}

/// A variable-length secret (seed, proof, private exponent, authValue, session key).
#[derive(Default)]
pub struct SecretBytes {
    bytes: Vec<u8>,
}

impl SecretBytes {
    /// Take ownership of `bytes` (they are wiped when this value drops).
    pub fn new(bytes: Vec<u8>) -> SecretBytes {
        SecretBytes { bytes }
    }

    /// Copy `bytes` into a new secret.
    pub fn from_slice(bytes: &[u8]) -> SecretBytes {
        SecretBytes {
            bytes: bytes.to_vec(),
        }
    }

    /// A zero-filled secret of `len` bytes, to be filled in place.
    pub fn zeroed(len: usize) -> SecretBytes {
        SecretBytes {
            bytes: vec![0; len],
        }
    }

    /// The secret bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The secret bytes, mutable (fill in place; do not grow, a reallocation would leave a
    /// copy behind).
    pub fn as_mut_bytes(&mut self) -> &mut [u8] {
        &mut self.bytes
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// True when empty (an empty authValue is legal).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// An explicit copy; deliberately not `Clone` so copies of secrets are visible in review.
    pub fn duplicate(&self) -> SecretBytes {
        SecretBytes::from_slice(&self.bytes)
    }
}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl ZeroizeOnDrop for SecretBytes {}

impl Zeroize for SecretBytes {
    fn zeroize(&mut self) {
        self.bytes.zeroize();
    }
}

impl core::fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SecretBytes(<{} bytes redacted>)", self.bytes.len())
    }
}

impl ConstantTimeEq for SecretBytes {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.bytes.as_slice().ct_eq(other.bytes.as_slice())
    }
}

impl PartialEq for SecretBytes {
    fn eq(&self, other: &Self) -> bool {
        bool::from(ConstantTimeEq::ct_eq(self, other))
    }
}

impl Eq for SecretBytes {}

impl From<&[u8]> for SecretBytes {
    fn from(b: &[u8]) -> Self {
        SecretBytes::from_slice(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eq_debug_and_lengths() {
        let a = SecretBytes::from_slice(b"secret");
        assert_eq!(a, SecretBytes::from_slice(b"secret"));
        assert_ne!(a, SecretBytes::from_slice(b"secreT"));
        assert_ne!(a, SecretBytes::from_slice(b"secret!"));
        assert!(!format!("{a:?}").contains("secret"));
        assert!(ct_eq(b"", b""));
        assert!(!ct_eq(b"a", b""));
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
    }
}
