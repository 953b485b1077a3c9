//! PCR selection structures (TPM 2.0 Part 2 §10.6 and §10.8.3): TPMS_PCR_SELECT,
//! TPMS_PCR_SELECTION and TPMS_TAGGED_PCR_SELECT.
//!
//! The selection bitmap is TPMS_PCR_SELECT (`sizeofSelect`, then that many bytes, PCR `n` in
//! bit `n % 8` of byte `n / 8`). TPMS_PCR_SELECTION and TPMS_TAGGED_PCR_SELECT are a hash or
//! property tag followed by exactly those bytes, so they hold a [`TpmsPcrSelect`].
//! `sizeofSelect` outside PCR_SELECT_MIN..=PCR_SELECT_MAX is TPM_RC_VALUE (libtpms
//! `TPMS_PCR_SELECTION_Unmarshal`; with 24 PCRs both bounds are 3).

use tpm_wire::{Marshal, Profile, Reader, Unmarshal, WireError, Writer, wire_struct};

use crate::{IMPLEMENTATION_PCR, PCR_SELECT_MAX, PCR_SELECT_MIN, TpmPtPcr, TpmiAlgHash};

/// TPMS_PCR_SELECT (TPM 2.0 Part 2 §10.6.1, Table 94): a PCR bitmap of `sizeofSelect` bytes.
#[doc(alias = "TPMS_PCR_SELECT")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TpmsPcrSelect {
    /// sizeofSelect: how many bitmap bytes are on the wire (PCR_SELECT_MIN..=PCR_SELECT_MAX).
    sizeof_select: u8,
    /// pcrSelect: the bitmap; bytes past `sizeof_select` stay zero.
    pcr_select: [u8; PCR_SELECT_MAX],
}

impl Default for TpmsPcrSelect {
    fn default() -> Self {
        Self::none()
    }
}

impl TpmsPcrSelect {
    /// No PCR selected, with the full bitmap size (PCR_SELECT_MAX bytes).
    pub const fn none() -> Self {
        TpmsPcrSelect {
            // PCR_SELECT_MAX is 3.
            sizeof_select: PCR_SELECT_MAX as u8,
            pcr_select: [0; PCR_SELECT_MAX],
        }
    }

    /// A bitmap from its wire bytes.
    ///
    /// # Errors
    /// [`WireError::Value`] when `bytes` is shorter than PCR_SELECT_MIN or longer than
    /// PCR_SELECT_MAX.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        if !(PCR_SELECT_MIN..=PCR_SELECT_MAX).contains(&bytes.len()) {
            return Err(WireError::Value);
        }
        let mut s = Self::none();
        s.sizeof_select = u8::try_from(bytes.len()).map_err(|_| WireError::Value)?;
        s.pcr_select
            .get_mut(..bytes.len())
            .ok_or(WireError::Value)?
            .copy_from_slice(bytes);
        Ok(s)
    }

    /// A full-size bitmap with the PCRs in `pcrs` selected (indices of implemented PCRs;
    /// others are ignored).
    pub fn from_pcrs(pcrs: impl IntoIterator<Item = usize>) -> Self {
        let mut s = Self::none();
        for pcr in pcrs {
            s.set(pcr, true);
        }
        s
    }

    /// The bitmap bytes as on the wire (`sizeofSelect` of them).
    pub fn as_bytes(&self) -> &[u8] {
        self.pcr_select
            .get(..usize::from(self.sizeof_select))
            .unwrap_or(&[])
    }

    /// sizeofSelect.
    pub fn sizeof_select(&self) -> u8 {
        self.sizeof_select
    }

    /// Is PCR `pcr` selected? PCRs beyond the bitmap are not.
    pub fn is_selected(&self, pcr: usize) -> bool {
        self.as_bytes()
            .get(pcr / 8)
            .is_some_and(|b| b & (1 << (pcr % 8)) != 0)
    }

    /// Select or deselect PCR `pcr`; a PCR beyond the bitmap is ignored.
    pub fn set(&mut self, pcr: usize, on: bool) {
        let len = usize::from(self.sizeof_select);
        if pcr / 8 >= len {
            return;
        }
        if let Some(b) = self.pcr_select.get_mut(pcr / 8) {
            if on {
                *b |= 1 << (pcr % 8);
            } else {
                *b &= !(1 << (pcr % 8));
            }
        }
    }

    /// The selected PCR indices, ascending.
    pub fn selected(&self) -> impl Iterator<Item = usize> + '_ {
        (0..usize::from(self.sizeof_select) * 8).filter(|&i| self.is_selected(i))
    }

    /// True when no PCR is selected.
    pub fn is_empty(&self) -> bool {
        self.as_bytes().iter().all(|b| *b == 0)
    }
}

impl Marshal for TpmsPcrSelect {
    fn marshal(&self, w: &mut Writer<'_>) {
        w.u8(self.sizeof_select);
        w.put(self.as_bytes());
    }
}

impl<'a> Unmarshal<'a> for TpmsPcrSelect {
    fn unmarshal(r: &mut Reader<'a>, _p: &Profile) -> Result<Self, WireError> {
        let n = usize::from(r.read_u8()?);
        if !(PCR_SELECT_MIN..=PCR_SELECT_MAX).contains(&n) {
            return Err(WireError::Value);
        }
        Self::from_bytes(r.take(n)?)
    }
}

/// TPMS_PCR_SELECTION (TPM 2.0 Part 2 §10.6.2, Table 95): a PCR bank (hash) and the PCRs
/// selected in it. The hash is checked first (TPM_RC_HASH, not TPM_ALG_NULL), then the bitmap
/// (TPM_RC_VALUE).
#[doc(alias = "TPMS_PCR_SELECTION")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TpmsPcrSelection {
    /// hash: the bank.
    pub hash: TpmiAlgHash,
    /// sizeofSelect and pcrSelect.
    pub pcr_select: TpmsPcrSelect,
}

wire_struct!(TpmsPcrSelection { hash, pcr_select });

/// TPMS_TAGGED_PCR_SELECT (TPM 2.0 Part 2 §10.8.3, Table 98): a PCR property and the PCRs that
/// have it (TPM2_GetCapability(TPM_CAP_PCR_PROPERTIES)).
#[doc(alias = "TPMS_TAGGED_PCR_SELECT")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TpmsTaggedPcrSelect {
    /// tag: the property.
    pub tag: TpmPtPcr,
    /// sizeofSelect and pcrSelect.
    pub pcr_select: TpmsPcrSelect,
}

wire_struct!(TpmsTaggedPcrSelect { tag, pcr_select });

const _: () = assert!(PCR_SELECT_MAX * 8 >= IMPLEMENTATION_PCR && PCR_SELECT_MAX <= 255);

#[cfg(any(test, feature = "proptest"))]
impl proptest::arbitrary::Arbitrary for TpmsPcrSelect {
    type Parameters = ();
    type Strategy = proptest::strategy::BoxedStrategy<Self>;

    fn arbitrary_with(_: ()) -> Self::Strategy {
        use proptest::prelude::*;
        proptest::collection::vec(any::<u8>(), PCR_SELECT_MIN..=PCR_SELECT_MAX)
            .prop_filter_map("bitmap size", |v| Self::from_bytes(&v).ok())
            .boxed()
    }
}

#[cfg(any(test, feature = "proptest"))]
impl proptest::arbitrary::Arbitrary for TpmsPcrSelection {
    type Parameters = ();
    type Strategy = proptest::strategy::BoxedStrategy<Self>;

    fn arbitrary_with(_: ()) -> Self::Strategy {
        use proptest::prelude::*;
        (
            proptest::sample::select(TpmiAlgHash::<false>::ACCEPTS),
            any::<TpmsPcrSelect>(),
        )
            .prop_map(|(h, pcr_select)| TpmsPcrSelection {
                hash: TpmiAlgHash(h),
                pcr_select,
            })
            .boxed()
    }
}

#[cfg(any(test, feature = "proptest"))]
impl proptest::arbitrary::Arbitrary for TpmsTaggedPcrSelect {
    type Parameters = ();
    type Strategy = proptest::strategy::BoxedStrategy<Self>;

    fn arbitrary_with(_: ()) -> Self::Strategy {
        use proptest::prelude::*;
        (any::<u32>(), any::<TpmsPcrSelect>())
            .prop_map(|(t, pcr_select)| TpmsTaggedPcrSelect {
                tag: TpmPtPcr(t),
                pcr_select,
            })
            .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tpm_wire::{from_bytes, to_vec};

    #[test]
    fn selection_wire() {
        let p = Profile::ALL;
        // SHA-256 bank, PCRs 0, 7 and 23.
        let bytes = [0x00, 0x0B, 3, 0x81, 0x00, 0x80];
        let s: TpmsPcrSelection = from_bytes(&bytes, &p).unwrap();
        assert_eq!(s.hash, TpmiAlgHash::SHA256);
        assert_eq!(s.pcr_select.selected().collect::<Vec<_>>(), vec![0, 7, 23]);
        assert_eq!(to_vec(&s), bytes);
        assert_eq!(s.pcr_select, TpmsPcrSelect::from_pcrs([0, 7, 23, 24, 1000]));
    }

    #[test]
    fn selection_errors() {
        let p = Profile::ALL;
        // sizeofSelect 2 and 4: below PCR_SELECT_MIN, above PCR_SELECT_MAX.
        assert_eq!(
            from_bytes::<TpmsPcrSelection>(&[0x00, 0x0B, 2, 0xFF, 0xFF], &p),
            Err(WireError::Value)
        );
        assert_eq!(
            from_bytes::<TpmsPcrSelection>(&[0x00, 0x0B, 4, 0, 0, 0, 0], &p),
            Err(WireError::Value)
        );
        assert_eq!(
            from_bytes::<TpmsPcrSelection>(&[0x00, 0x0B, 0], &p),
            Err(WireError::Value)
        );
        // TPM_ALG_NULL or a non-hash bank: TPM_RC_HASH, before the size is looked at.
        assert_eq!(
            from_bytes::<TpmsPcrSelection>(&[0x00, 0x10, 9], &p),
            Err(WireError::Hash)
        );
        assert_eq!(
            from_bytes::<TpmsPcrSelection>(&[0x00, 0x01, 3, 0, 0, 0], &p),
            Err(WireError::Hash)
        );
        // A disabled bank.
        let no_sha1 = Profile::ALL.without_alg(0x0004);
        assert_eq!(
            from_bytes::<TpmsPcrSelection>(&[0x00, 0x04, 3, 0, 0, 0], &no_sha1),
            Err(WireError::Hash)
        );
        // Truncated bitmap.
        assert_eq!(
            from_bytes::<TpmsPcrSelection>(&[0x00, 0x0B, 3, 0, 0], &p),
            Err(WireError::Insufficient)
        );
        assert_eq!(
            from_bytes::<TpmsTaggedPcrSelect>(&[0, 0, 0, 1, 5, 0, 0, 0, 0, 0], &p),
            Err(WireError::Value)
        );
        assert_eq!(TpmsPcrSelect::from_bytes(&[0; 2]), Err(WireError::Value));
    }

    #[test]
    fn bitmap_ops() {
        let mut s = TpmsPcrSelect::none();
        assert!(s.is_empty());
        s.set(16, true);
        assert!(s.is_selected(16));
        assert!(!s.is_selected(17));
        assert!(!s.is_selected(100));
        s.set(100, true);
        assert_eq!(s.as_bytes(), &[0, 0, 1]);
        s.set(16, false);
        assert!(s.is_empty());
        assert_eq!(to_vec(&TpmsPcrSelect::default()), vec![3, 0, 0, 0]);
    }

    proptest! {
        #[test]
        fn roundtrip(
            a in any::<TpmsPcrSelect>(),
            b in any::<TpmsPcrSelection>(),
            c in any::<TpmsTaggedPcrSelect>(),
        ) {
            prop_assert_eq!(from_bytes::<TpmsPcrSelect>(&to_vec(&a), &Profile::ALL), Ok(a));
            prop_assert_eq!(from_bytes::<TpmsPcrSelection>(&to_vec(&b), &Profile::ALL), Ok(b));
            prop_assert_eq!(
                from_bytes::<TpmsTaggedPcrSelect>(&to_vec(&c), &Profile::ALL),
                Ok(c)
            );
        }

        #[test]
        fn no_panic(bytes in proptest::collection::vec(any::<u8>(), 0..12)) {
            let _ = from_bytes::<TpmsPcrSelection>(&bytes, &Profile::ALL);
        }
    }
}
