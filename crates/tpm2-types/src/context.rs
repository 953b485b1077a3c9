//! Context structures (TPM 2.0 Part 2 §14): what TPM2_ContextSave returns and
//! TPM2_ContextLoad takes.
//!
//! TPM2B_CONTEXT_DATA is a byte buffer (libtpms writes the integrity HMAC as a TPM2B, then the
//! encrypted context without a size of its own); TPMS_CONTEXT_DATA describes its layout.
//! Bounds are libtpms's: MAX_CONTEXT_SIZE (2680) for the sensitive part and
//! sizeof(TPMS_CONTEXT_DATA) = 66 + 2682 = 2748 for the blob; larger is TPM_RC_SIZE.
//!
//! libtpms parity, for the command layer: TPM2_ContextLoad tolerates padding after the
//! TPMS_CONTEXT when the command's parameter area is exactly TPM_PT_MAX_OBJECT_CONTEXT long
//! (Windows Server 2019 pads it); this structure itself consumes only its own bytes.

use tpm_wire::wire_struct;

use crate::algorithms::tpm2b_bytes;
use crate::{MAX_CONTEXT_SIZE, MAX_DIGEST_SIZE, Tpm2bDigest, TpmiDhSaved, TpmiRhHierarchy};

tpm2b_bytes! {
    /// TPM2B_CONTEXT_SENSITIVE (TPM 2.0 Part 2 §14.2, Table 216): the encrypted sensitive
    /// context, at most MAX_CONTEXT_SIZE (2680) bytes.
    #[doc(alias = "TPM2B_CONTEXT_SENSITIVE")]
    Tpm2bContextSensitive, MAX_CONTEXT_SIZE
}

/// TPMS_CONTEXT_DATA (TPM 2.0 Part 2 §14.3, Table 217): the integrity HMAC and the encrypted
/// context.
#[doc(alias = "TPMS_CONTEXT_DATA")]
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct TpmsContextData {
    /// integrity: the HMAC over the rest.
    pub integrity: Tpm2bDigest,
    /// encrypted: the encrypted sensitive context.
    pub encrypted: Tpm2bContextSensitive,
}

wire_struct!(TpmsContextData {
    integrity,
    encrypted
});

tpm2b_bytes! {
    /// TPM2B_CONTEXT_DATA (TPM 2.0 Part 2 §14.4, Table 218): the context blob, at most
    /// sizeof(TPMS_CONTEXT_DATA) = 2748 bytes in libtpms.
    #[doc(alias = "TPM2B_CONTEXT_DATA")]
    Tpm2bContextData, (2 + MAX_DIGEST_SIZE) + (2 + MAX_CONTEXT_SIZE)
}

/// TPMS_CONTEXT (TPM 2.0 Part 2 §14.5, Table 219): a saved context. savedHandle is checked as
/// TPMI_DH_SAVED and hierarchy as TPMI_RH_HIERARCHY+ (TPM_RC_VALUE), the blob's size against
/// its bound (TPM_RC_SIZE).
#[doc(alias = "TPMS_CONTEXT")]
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct TpmsContext {
    /// sequence: the context's sequence number.
    pub sequence: u64,
    /// savedHandle.
    pub saved_handle: TpmiDhSaved,
    /// hierarchy: the hierarchy of the saved object (TPM_RH_NULL for sessions).
    pub hierarchy: TpmiRhHierarchy<true>,
    /// contextBlob.
    pub context_blob: Tpm2bContextData,
}

wire_struct!(TpmsContext {
    sequence,
    saved_handle,
    hierarchy,
    context_blob
});

#[cfg(any(test, feature = "proptest"))]
mod arbitrary {
    use super::*;
    use proptest::prelude::*;

    impl Arbitrary for TpmsContextData {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;

        fn arbitrary_with(_: ()) -> Self::Strategy {
            (any::<Tpm2bDigest>(), any::<Tpm2bContextSensitive>())
                .prop_map(|(integrity, encrypted)| TpmsContextData {
                    integrity,
                    encrypted,
                })
                .boxed()
        }
    }

    impl Arbitrary for TpmsContext {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;

        fn arbitrary_with(_: ()) -> Self::Strategy {
            (
                any::<u64>(),
                any::<TpmiDhSaved>(),
                any::<TpmiRhHierarchy<true>>(),
                any::<Tpm2bContextData>(),
            )
                .prop_map(
                    |(sequence, saved_handle, hierarchy, context_blob)| TpmsContext {
                        sequence,
                        saved_handle,
                        hierarchy,
                        context_blob,
                    },
                )
                .boxed()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tpm_wire::{Profile, WireError, from_bytes, to_vec};

    fn context(saved: u32, hierarchy: u32, blob: u16) -> Vec<u8> {
        let mut v = vec![0, 0, 0, 0, 0, 0, 0, 5];
        v.extend_from_slice(&saved.to_be_bytes());
        v.extend_from_slice(&hierarchy.to_be_bytes());
        v.extend_from_slice(&blob.to_be_bytes());
        v.resize(v.len() + usize::from(blob), 0xCC);
        v
    }

    #[test]
    fn context_checks() {
        let p = Profile::ALL;
        assert_eq!(Tpm2bContextData::MAX, 2748);
        assert_eq!(Tpm2bContextSensitive::MAX, 2680);
        let good = context(0x8000_0000, 0x4000_0001, 2748);
        let c: TpmsContext = from_bytes(&good, &p).unwrap();
        assert_eq!(c.saved_handle, TpmiDhSaved::TRANSIENT);
        assert_eq!(to_vec(&c), good);
        assert!(from_bytes::<TpmsContext>(&context(0x0200_0001, 0x4000_0007, 0), &p).is_ok());
        assert_eq!(
            from_bytes::<TpmsContext>(&context(0x8000_0000, 0x4000_0001, 2749), &p),
            Err(WireError::Size)
        );
        assert_eq!(
            from_bytes::<TpmsContext>(&context(0x8000_0003, 0x4000_0001, 4), &p),
            Err(WireError::Value)
        );
        assert_eq!(
            from_bytes::<TpmsContext>(&context(0x8000_0001, 0x4000_000A, 4), &p),
            Err(WireError::Value)
        );
        let mut short = context(0x8000_0001, 0x4000_0001, 4);
        short.pop();
        assert_eq!(
            from_bytes::<TpmsContext>(&short, &p),
            Err(WireError::Insufficient)
        );
        let mut big = vec![0, 0, 0x0A, 0x79];
        big.resize(4 + 2681, 0);
        assert_eq!(
            from_bytes::<TpmsContextData>(&big, &p),
            Err(WireError::Size)
        );
    }

    proptest! {
        #[test]
        fn roundtrip(
            a in any::<TpmsContextData>(), b in any::<TpmsContext>(),
            c in any::<Tpm2bContextSensitive>(),
        ) {
            let p = Profile::ALL;
            prop_assert_eq!(from_bytes::<TpmsContextData>(&to_vec(&a), &p), Ok(a));
            prop_assert_eq!(from_bytes::<TpmsContext>(&to_vec(&b), &p), Ok(b));
            prop_assert_eq!(from_bytes::<Tpm2bContextSensitive>(&to_vec(&c), &p), Ok(c));
        }
    }
}
