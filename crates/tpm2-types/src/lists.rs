//! The TPML lists of TPM 2.0 Part 2 §10.9: a `u32` count, then that many items, as
//! [`List<T, MAX, MIN>`](tpm_wire::List). A count above the list's maximum (libtpms's, from
//! MAX_CAP_BUFFER and the item size) or below its minimum is TPM_RC_SIZE (libtpms
//! `TPML_*_Unmarshal`).
//!
//! With the `proptest` feature (and in this crate's tests), the `strategies` module builds lists for
//! property tests elsewhere: `strategies::list::<TpmsPcrSelection, HASH_COUNT, 0>(4)`.

use tpm_wire::List;

use crate::{
    HASH_COUNT, MAX_ACT_DATA, MAX_ALG_LIST_SIZE, MAX_CAP_ALGS, MAX_CAP_CC, MAX_CAP_HANDLES,
    MAX_ECC_CURVES, MAX_PCR_PROPERTIES, MAX_TAGGED_POLICIES, MAX_TPM_PROPERTIES, Tpm2bDigest,
    TpmAlgId, TpmCc, TpmEccCurve, TpmHandle, TpmaCc, TpmsActData, TpmsAlgProperty,
    TpmsPcrSelection, TpmsTaggedPcrSelect, TpmsTaggedPolicy, TpmsTaggedProperty, TpmtHa,
};

/// TPML_CC (TPM 2.0 Part 2 §10.9.1, Table 102): command codes, at most MAX_CAP_CC (254).
#[doc(alias = "TPML_CC")]
pub type TpmlCc = List<TpmCc, MAX_CAP_CC>;

/// TPML_CCA (TPM 2.0 Part 2 §10.9.2, Table 103): command attributes, at most MAX_CAP_CC
/// (254).
#[doc(alias = "TPML_CCA")]
pub type TpmlCca = List<TpmaCc, MAX_CAP_CC>;

/// TPML_ALG (TPM 2.0 Part 2 §10.9.3, Table 104): algorithm IDs, at most MAX_ALG_LIST_SIZE
/// (64).
#[doc(alias = "TPML_ALG")]
pub type TpmlAlg = List<TpmAlgId, MAX_ALG_LIST_SIZE>;

/// TPML_HANDLE (TPM 2.0 Part 2 §10.9.4, Table 105): handles, at most MAX_CAP_HANDLES (254).
#[doc(alias = "TPML_HANDLE")]
pub type TpmlHandle = List<TpmHandle, MAX_CAP_HANDLES>;

/// TPML_DIGEST (TPM 2.0 Part 2 §10.9.5, Table 106): at most 8 digests.
///
/// libtpms parity: the TPM side reads a TPML_DIGEST only for TPM2_PolicyOR and hard-codes at
/// least two digests there (`TPML_DIGEST_Unmarshal`: count < 2 is TPM_RC_SIZE), so the default
/// `MIN` is 2. Responses (TPM2_PCR_Read's pcrValues) may hold fewer: read those as
/// `TpmlDigest<0>`.
#[doc(alias = "TPML_DIGEST")]
pub type TpmlDigest<const MIN: usize = 2> = List<Tpm2bDigest, 8, MIN>;

/// TPML_DIGEST_VALUES (TPM 2.0 Part 2 §10.9.6, Table 107): tagged digests, one per bank, at
/// most HASH_COUNT; TPM_ALG_NULL is not allowed (TPM_RC_HASH).
#[doc(alias = "TPML_DIGEST_VALUES")]
pub type TpmlDigestValues = List<TpmtHa, HASH_COUNT>;

/// TPML_PCR_SELECTION (TPM 2.0 Part 2 §10.9.7, Table 109): PCR selections, at most
/// HASH_COUNT.
#[doc(alias = "TPML_PCR_SELECTION")]
pub type TpmlPcrSelection = List<TpmsPcrSelection, HASH_COUNT>;

/// TPML_ALG_PROPERTY (TPM 2.0 Part 2 §10.9.8, Table 110): algorithm properties, at most
/// MAX_CAP_ALGS (127).
#[doc(alias = "TPML_ALG_PROPERTY")]
pub type TpmlAlgProperty = List<TpmsAlgProperty, MAX_CAP_ALGS>;

/// TPML_TAGGED_TPM_PROPERTY (TPM 2.0 Part 2 §10.9.9, Table 111): TPM properties, at most
/// MAX_TPM_PROPERTIES (127).
#[doc(alias = "TPML_TAGGED_TPM_PROPERTY")]
pub type TpmlTaggedTpmProperty = List<TpmsTaggedProperty, MAX_TPM_PROPERTIES>;

/// TPML_TAGGED_PCR_PROPERTY (TPM 2.0 Part 2 §10.9.10, Table 112): PCR properties, at most
/// MAX_PCR_PROPERTIES (127).
#[doc(alias = "TPML_TAGGED_PCR_PROPERTY")]
pub type TpmlTaggedPcrProperty = List<TpmsTaggedPcrSelect, MAX_PCR_PROPERTIES>;

/// TPML_ECC_CURVE (TPM 2.0 Part 2 §10.9.11, Table 113): ECC curves, at most MAX_ECC_CURVES
/// (508).
#[doc(alias = "TPML_ECC_CURVE")]
pub type TpmlEccCurve = List<TpmEccCurve, MAX_ECC_CURVES>;

/// TPML_TAGGED_POLICY (TPM 2.0 Part 2 §10.9.12, Table 114): authorization policies of
/// permanent handles, at most MAX_TAGGED_POLICIES (14).
#[doc(alias = "TPML_TAGGED_POLICY")]
pub type TpmlTaggedPolicy = List<TpmsTaggedPolicy, MAX_TAGGED_POLICIES>;

/// TPML_ACT_DATA (TPM 2.0 Part 2 §10.9.13, Table 115): ACT states, at most MAX_ACT_DATA (84).
#[doc(alias = "TPML_ACT_DATA")]
pub type TpmlActData = List<TpmsActData, MAX_ACT_DATA>;

/// Proptest strategies for the TPML lists (the item types implement
/// [`Arbitrary`](proptest::arbitrary::Arbitrary)).
#[cfg(any(test, feature = "proptest"))]
pub mod strategies {
    use proptest::prelude::*;
    use tpm_wire::List;

    /// A list of `MIN..=min(MAX, max(MIN, cap))` arbitrary items; `cap` keeps tests fast.
    pub fn list<T, const MAX: usize, const MIN: usize>(
        cap: usize,
    ) -> impl Strategy<Value = List<T, MAX, MIN>>
    where
        T: Arbitrary + 'static,
    {
        list_of(any::<T>(), cap)
    }

    /// A list of `MIN..=min(MAX, max(MIN, cap))` items drawn from `item` (for item types
    /// without an `Arbitrary`, such as the open enumerations: `any::<u32>().prop_map(TpmCc)`).
    pub fn list_of<T, S, const MAX: usize, const MIN: usize>(
        item: S,
        cap: usize,
    ) -> impl Strategy<Value = List<T, MAX, MIN>>
    where
        T: core::fmt::Debug,
        S: Strategy<Value = T>,
    {
        let hi = MAX.min(cap.max(MIN));
        proptest::collection::vec(item, MIN..=hi)
            .prop_filter_map("list within bounds", |v| List::from_vec(v).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tpm_wire::{Profile, WireError, from_bytes, to_vec};

    fn count(n: u32) -> Vec<u8> {
        n.to_be_bytes().to_vec()
    }

    #[test]
    fn maxima_are_libtpms() {
        assert_eq!(TpmlCc::MAX, 254);
        assert_eq!(TpmlCca::MAX, 254);
        assert_eq!(TpmlAlg::MAX, 64);
        assert_eq!(TpmlHandle::MAX, 254);
        assert_eq!(TpmlDigest::<2>::MAX, 8);
        assert_eq!(TpmlDigestValues::MAX, 4);
        assert_eq!(TpmlPcrSelection::MAX, 4);
        assert_eq!(TpmlAlgProperty::MAX, 127);
        assert_eq!(TpmlTaggedTpmProperty::MAX, 127);
        assert_eq!(TpmlTaggedPcrProperty::MAX, 127);
        assert_eq!(TpmlEccCurve::MAX, 508);
        assert_eq!(TpmlTaggedPolicy::MAX, 14);
        assert_eq!(TpmlActData::MAX, 84);
    }

    #[test]
    fn counts() {
        let p = Profile::ALL;
        // One more than the maximum: TPM_RC_SIZE before any item is read.
        assert_eq!(from_bytes::<TpmlCc>(&count(255), &p), Err(WireError::Size));
        assert_eq!(from_bytes::<TpmlAlg>(&count(65), &p), Err(WireError::Size));
        assert_eq!(
            from_bytes::<TpmlPcrSelection>(&count(5), &p),
            Err(WireError::Size)
        );
        assert_eq!(
            from_bytes::<TpmlDigestValues>(&count(5), &p),
            Err(WireError::Size)
        );
        assert_eq!(
            from_bytes::<TpmlHandle>(&count(u32::MAX), &p),
            Err(WireError::Size)
        );
        // TPML_DIGEST: 2..=8 for TPM2_PolicyOR (libtpms), 0..=8 as TpmlDigest<0>.
        let one = [0, 0, 0, 1, 0, 0];
        assert_eq!(from_bytes::<TpmlDigest>(&one, &p), Err(WireError::Size));
        assert_eq!(
            from_bytes::<TpmlDigest>(&count(0), &p),
            Err(WireError::Size)
        );
        assert_eq!(from_bytes::<TpmlDigest<0>>(&one, &p).unwrap().len(), 1);
        assert_eq!(
            from_bytes::<TpmlDigest<0>>(&count(9), &p),
            Err(WireError::Size)
        );
        let two = [0, 0, 0, 2, 0, 1, 7, 0, 0];
        assert_eq!(from_bytes::<TpmlDigest>(&two, &p).unwrap().len(), 2);
        // Fewer items than counted.
        assert_eq!(
            from_bytes::<TpmlDigest>(&two[..7], &p),
            Err(WireError::Insufficient)
        );
        // Items are validated: a TPM_ALG_NULL digest in TPML_DIGEST_VALUES is TPM_RC_HASH.
        assert_eq!(
            from_bytes::<TpmlDigestValues>(&[0, 0, 0, 1, 0, 0x10], &p),
            Err(WireError::Hash)
        );
        assert_eq!(
            from_bytes::<TpmlCc>(&[0, 0, 0], &p),
            Err(WireError::Insufficient)
        );
    }

    proptest! {
        #[test]
        fn roundtrip(
            a in strategies::list_of::<_, _, MAX_CAP_CC, 0>(any::<u32>().prop_map(TpmCc), 8),
            b in strategies::list_of::<_, _, MAX_CAP_CC, 0>(
                any::<u32>().prop_map(|v| TpmaCc(v & !TpmaCc::RESERVED)), 8),
            c in strategies::list_of::<_, _, MAX_ALG_LIST_SIZE, 0>(
                any::<u16>().prop_map(TpmAlgId), 8),
            d in strategies::list_of::<_, _, MAX_CAP_HANDLES, 0>(
                any::<u32>().prop_map(TpmHandle), 8),
            e in strategies::list::<Tpm2bDigest, 8, 2>(8),
            f in strategies::list::<TpmtHa, HASH_COUNT, 0>(4),
            g in strategies::list::<TpmsPcrSelection, HASH_COUNT, 0>(4),
            h in strategies::list::<TpmsAlgProperty, MAX_CAP_ALGS, 0>(8),
            i in strategies::list::<TpmsTaggedProperty, MAX_TPM_PROPERTIES, 0>(8),
            j in strategies::list::<TpmsTaggedPcrSelect, MAX_PCR_PROPERTIES, 0>(8),
            k in strategies::list_of::<_, _, MAX_ECC_CURVES, 0>(
                any::<u16>().prop_map(TpmEccCurve), 8),
            l in strategies::list::<TpmsTaggedPolicy, MAX_TAGGED_POLICIES, 0>(4),
            m in strategies::list::<TpmsActData, MAX_ACT_DATA, 0>(8),
        ) {
            let p = Profile::ALL;
            prop_assert_eq!(from_bytes::<TpmlCc>(&to_vec(&a), &p), Ok(a));
            prop_assert_eq!(from_bytes::<TpmlCca>(&to_vec(&b), &p), Ok(b));
            prop_assert_eq!(from_bytes::<TpmlAlg>(&to_vec(&c), &p), Ok(c));
            prop_assert_eq!(from_bytes::<TpmlHandle>(&to_vec(&d), &p), Ok(d));
            prop_assert_eq!(from_bytes::<TpmlDigest>(&to_vec(&e), &p), Ok(e));
            prop_assert_eq!(from_bytes::<TpmlDigestValues>(&to_vec(&f), &p), Ok(f));
            prop_assert_eq!(from_bytes::<TpmlPcrSelection>(&to_vec(&g), &p), Ok(g));
            prop_assert_eq!(from_bytes::<TpmlAlgProperty>(&to_vec(&h), &p), Ok(h));
            prop_assert_eq!(from_bytes::<TpmlTaggedTpmProperty>(&to_vec(&i), &p), Ok(i));
            prop_assert_eq!(from_bytes::<TpmlTaggedPcrProperty>(&to_vec(&j), &p), Ok(j));
            prop_assert_eq!(from_bytes::<TpmlEccCurve>(&to_vec(&k), &p), Ok(k));
            prop_assert_eq!(from_bytes::<TpmlTaggedPolicy>(&to_vec(&l), &p), Ok(l));
            prop_assert_eq!(from_bytes::<TpmlActData>(&to_vec(&m), &p), Ok(m));
        }
    }
}
