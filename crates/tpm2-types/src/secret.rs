//! Secret TPM2B byte buffers: authValues, sensitive data, private keys, symmetric keys
//! (TPM 2.0 Part 2 §10.4.5 TPM2B_AUTH, §11.1.14 TPM2B_SYM_KEY, §11.2.4.7 TPM2B_PRIVATE_KEY_RSA,
//! §11.1.15 TPM2B_SENSITIVE_DATA).
//!
//! [`SecretBuf`] has the wire form of a plain TPM2B (a big-endian `u16` size, then the bytes)
//! but erases itself when dropped, is never `Copy` nor `Clone` (copies go through
//! [`SecretBuf::duplicate`] so they stand out in review), prints redacted, and compares in
//! constant time (TPM 2.0 Part 1 §19.6.5: an HMAC or authValue check must not reveal how many
//! leading bytes matched). The algorithm types build their secret TPM2Bs on it.

use core::fmt;

use subtle::ConstantTimeEq;
use tpm_wire::{Marshal, Profile, Reader, SizedBuf, Unmarshal, WireError, Writer};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A TPM2B of at most `N` secret bytes (TPM 2.0 Part 2 §10.4, the TPM2B form) that erases
/// itself on drop.
///
/// Wire form and bounds as [`SizedBuf`]: a size above `N` is [`WireError::Size`], fewer bytes
/// than the size is [`WireError::Insufficient`] (libtpms `TPM2B_Unmarshal`).
#[doc(alias = "TPM2B")]
#[derive(Default)]
pub struct SecretBuf<const N: usize>(SizedBuf<N>);

impl<const N: usize> SecretBuf<N> {
    /// The most bytes this buffer holds.
    pub const MAX: usize = N;

    /// An empty secret (an empty authValue is legal).
    pub const fn empty() -> Self {
        SecretBuf(SizedBuf::empty())
    }

    /// A secret holding a copy of `data` (the caller erases its own copy).
    ///
    /// # Errors
    /// [`WireError::Size`] when `data` is longer than `N`.
    pub fn new(data: &[u8]) -> Result<Self, WireError> {
        let mut s = Self::empty();
        s.0.set(data)?;
        Ok(s)
    }

    /// The secret bytes. The name says what it does: every call site reveals the secret.
    pub fn expose(&self) -> &[u8] {
        self.0.as_slice()
    }

    /// The whole backing store, to fill in place (then call [`SecretBuf::set_len`]); avoids a
    /// temporary copy of the secret.
    pub fn expose_backing_mut(&mut self) -> &mut [u8; N] {
        self.0.backing_mut()
    }

    /// Set the length after filling [`SecretBuf::expose_backing_mut`].
    ///
    /// # Errors
    /// [`WireError::Size`] when `len` exceeds `N`.
    pub fn set_len(&mut self, len: usize) -> Result<(), WireError> {
        self.0.set_len(len)
    }

    /// Replace the contents with a copy of `data`; what was there before is erased.
    ///
    /// # Errors
    /// [`WireError::Size`] when `data` is longer than `N`; the buffer is unchanged then.
    pub fn set(&mut self, data: &[u8]) -> Result<(), WireError> {
        self.0.set(data)
    }

    /// Number of secret bytes (lengths are public on the wire).
    pub fn len(&self) -> usize {
        self.0.as_slice().len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An explicit copy; deliberately not `Clone`, so copies of secrets are visible in review.
    pub fn duplicate(&self) -> Self {
        let mut d = Self::empty();
        // Cannot fail: `self` holds at most N bytes.
        let _ = d.0.set(self.expose());
        d
    }
}

impl<const N: usize> Drop for SecretBuf<N> {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl<const N: usize> Zeroize for SecretBuf<N> {
    fn zeroize(&mut self) {
        // Volatile writes (zeroize), so the erasure is not optimised away as a dead store.
        self.0.backing_mut().zeroize();
        let _ = self.0.set_len(0);
    }
}

impl<const N: usize> ZeroizeOnDrop for SecretBuf<N> {}

impl<const N: usize> PartialEq for SecretBuf<N> {
    /// Constant time in the contents; lengths are public and compared first.
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.expose().ct_eq(other.expose()))
    }
}

impl<const N: usize> Eq for SecretBuf<N> {}

impl<const N: usize> ConstantTimeEq for SecretBuf<N> {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.expose().ct_eq(other.expose())
    }
}

impl<const N: usize> fmt::Debug for SecretBuf<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBuf(<{} bytes>)", self.len())
    }
}

impl<const N: usize> Marshal for SecretBuf<N> {
    fn marshal(&self, w: &mut Writer<'_>) {
        self.0.marshal(w);
    }
}

impl<'a, const N: usize> Unmarshal<'a> for SecretBuf<N> {
    fn unmarshal(r: &mut Reader<'a>, _p: &Profile) -> Result<Self, WireError> {
        // Read straight into the erasing container: no plain `SizedBuf` copy is left behind.
        let size = usize::from(r.read_u16()?);
        if size > N {
            return Err(WireError::Size);
        }
        Self::new(r.take(size)?)
    }
}

/// TPM2B_AUTH (TPM 2.0 Part 2 §10.4.5, Table 2:76): an authValue, at most the largest digest
/// (sizeof(TPMU_HA) = 64 bytes, libtpms `TPM2B_AUTH_Unmarshal` via `TPM2B_DIGEST`); secret.
#[doc(alias = "TPM2B_AUTH")]
pub type Tpm2bAuth = SecretBuf<64>;

#[cfg(any(test, feature = "proptest"))]
impl<const N: usize> proptest::arbitrary::Arbitrary for SecretBuf<N> {
    type Parameters = ();
    type Strategy = proptest::strategy::BoxedStrategy<Self>;

    fn arbitrary_with(_: ()) -> Self::Strategy {
        use proptest::strategy::Strategy;
        proptest::collection::vec(proptest::num::u8::ANY, 0..=N)
            .prop_map(|v| SecretBuf::new(&v).unwrap_or_default())
            .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tpm_wire::{from_bytes, to_vec};

    #[test]
    fn wire_bounds() {
        let p = Profile::ALL;
        let a: Tpm2bAuth = from_bytes(&[0, 2, 0xAA, 0xBB], &p).unwrap();
        assert_eq!(a.expose(), &[0xAA, 0xBB]);
        assert_eq!(to_vec(&a), vec![0, 2, 0xAA, 0xBB]);
        let mut big = vec![0, 65];
        big.extend_from_slice(&[1; 65]);
        assert_eq!(from_bytes::<Tpm2bAuth>(&big, &p), Err(WireError::Size));
        assert_eq!(
            from_bytes::<Tpm2bAuth>(&[0, 3, 1, 2], &p),
            Err(WireError::Insufficient)
        );
        assert_eq!(
            from_bytes::<Tpm2bAuth>(&[0], &p),
            Err(WireError::Insufficient)
        );
        assert_eq!(
            SecretBuf::<2>::new(&[1, 2, 3]).unwrap_err(),
            WireError::Size
        );
    }

    #[test]
    fn redacted_debug_and_equality() {
        let a = Tpm2bAuth::new(b"secret").unwrap();
        assert_eq!(format!("{a:?}"), "SecretBuf(<6 bytes>)");
        assert!(!format!("{a:?}").contains("secret"));
        assert_eq!(a, a.duplicate());
        assert_ne!(a, Tpm2bAuth::new(b"secreT").unwrap());
        assert_ne!(a, Tpm2bAuth::new(b"secre").unwrap());
        assert!(bool::from(a.ct_eq(&a.duplicate())));
    }

    #[test]
    fn zeroize_erases_backing() {
        let mut a = SecretBuf::<8>::new(&[7; 8]).unwrap();
        a.zeroize();
        assert!(a.is_empty());
        assert_eq!(a.expose_backing_mut(), &[0; 8]);
        // A shorter value erases what a longer one left behind.
        let mut b = SecretBuf::<4>::new(&[9; 4]).unwrap();
        b.set(&[1]).unwrap();
        assert_eq!(b.expose_backing_mut(), &[1, 0, 0, 0]);
        // In-place fill.
        let mut c = SecretBuf::<4>::empty();
        c.expose_backing_mut()[..2].copy_from_slice(&[5, 6]);
        c.set_len(2).unwrap();
        assert_eq!(c.expose(), &[5, 6]);
        assert_eq!(c.set_len(5), Err(WireError::Size));
    }

    proptest! {
        #[test]
        fn roundtrip(a in any::<Tpm2bAuth>()) {
            let bytes = to_vec(&a);
            prop_assert_eq!(from_bytes::<Tpm2bAuth>(&bytes, &Profile::ALL).unwrap(), a);
        }
    }
}
