//! Fuzzing entry points of tpm2-types, shared by the cargo-fuzz targets in `fuzz/` and the
//! corpus replay in `tests/tests/fuzz_corpus.rs` (so `cargo test` re-runs every committed
//! corpus file through exactly what the fuzzer runs).
//!
//! The oracle, as rustls states it for its codec: no input makes anything here panic, and a
//! value that unmarshals re-marshals to exactly the bytes it was read from. The assertions in
//! this module are that oracle; they are the only panics allowed, and a failing one is a bug in
//! the codec.
#![allow(clippy::panic, clippy::indexing_slicing)]

use tpm_wire::{Marshal, Profile, Reader, Unmarshal, to_vec};

use crate::{
    Tpm2bAttest, Tpm2bContextData, Tpm2bCreationData, Tpm2bData, Tpm2bDerive, Tpm2bDigest,
    Tpm2bEccParameter, Tpm2bEccPoint, Tpm2bEncryptedSecret, Tpm2bIdObject, Tpm2bMaxBuffer,
    Tpm2bName, Tpm2bNvPublic, Tpm2bPrivate, Tpm2bPublic, Tpm2bPublicKeyRsa, Tpm2bSensitive,
    Tpm2bSensitiveCreate, Tpm2bTemplate, TpmCc, TpmaNv, TpmaObject, TpmaSession, TpmiAlgHash,
    TpmiEccCurve, TpmiRhHierarchy, TpmiYesNo, TpmlAlg, TpmlAlgProperty, TpmlCc, TpmlDigest,
    TpmlDigestValues, TpmlEccCurve, TpmlHandle, TpmlPcrSelection, TpmlTaggedPcrProperty,
    TpmlTaggedPolicy, TpmlTaggedTpmProperty, TpmsAlgorithmDetailEcc, TpmsAttest, TpmsAuthCommand,
    TpmsAuthResponse, TpmsCapabilityData, TpmsCertifyInfo, TpmsClockInfo, TpmsContext,
    TpmsContextData, TpmsCreationData, TpmsDerive, TpmsEccParms, TpmsEccPoint, TpmsIdObject,
    TpmsKeyedhashParms, TpmsNvPinCounterParameters, TpmsNvPublic, TpmsPcrSelect, TpmsPcrSelection,
    TpmsQuoteInfo, TpmsRsaParms, TpmsSensitiveCreate, TpmsSymcipherParms, TpmsTimeAttestInfo,
    TpmsTimeInfo, TpmtAsymScheme, TpmtEccScheme, TpmtHa, TpmtKdfScheme, TpmtKeyedhashScheme,
    TpmtPublic, TpmtPublicParms, TpmtRsaDecrypt, TpmtRsaScheme, TpmtSensitive, TpmtSigScheme,
    TpmtSignature, TpmtSymDef, TpmtSymDefObject, TpmtTkAuth, TpmtTkCreation, TpmtTkHashcheck,
    TpmtTkVerified, parse_request, parse_response,
};

/// Unmarshal one `T` from the front of `data`; if that succeeds, re-marshalling must give
/// exactly the bytes consumed, and `marshalled_len` must count them.
fn check<'a, T: Unmarshal<'a> + Marshal>(data: &'a [u8]) {
    let mut r = Reader::new(data);
    let Ok(v) = T::unmarshal(&mut r, &Profile::ALL) else {
        return;
    };
    let used = r.position();
    assert!(used <= data.len(), "reader went past its input");
    let consumed = &data[..used];
    let again = to_vec(&v);
    assert_eq!(
        again.as_slice(),
        consumed,
        "{}: re-marshalling differs from the bytes read",
        core::any::type_name::<T>()
    );
    assert_eq!(
        v.marshalled_len(),
        used,
        "{}: marshalled_len differs from the bytes read",
        core::any::type_name::<T>()
    );
}

/// Seed values for one type (with the `proptest` feature: deterministic arbitrary values).
#[cfg(feature = "proptest")]
macro_rules! seeds_of {
    (any(), $ty:ty, $n:expr) => {
        sample($n, proptest::arbitrary::any::<$ty>())
    };
    (list($elem:ty), $ty:ty, $n:expr) => {
        sample(
            $n,
            proptest::strategy::Strategy::prop_filter_map(
                proptest::collection::vec(proptest::arbitrary::any::<$elem>(), 0..4),
                "list bounds",
                |v| <$ty>::from_vec(v).ok(),
            ),
        )
    };
    // Types without an `Arbitrary`: given wire forms (the fuzzer mutates from there).
    (raw[$($b:expr),* $(,)?], $ty:ty, $n:expr) => {
        {
            let _ = $n;
            let v: Vec<Vec<u8>> = vec![$($b.to_vec()),*];
            v
        }
    };
}

macro_rules! wire_types {
    ($($name:literal => $ty:ty : $seed:ident $args:tt;)*) => {
        /// The TPM names of the types [`wire_roundtrip`] selects, in selector order (the first
        /// input byte modulo the length of this list picks one).
        pub const WIRE_TYPES: &[&str] = &[$($name),*];

        fn roundtrip_nth(n: usize, data: &[u8]) {
            let mut i = 0usize;
            $(
                if n == i {
                    return check::<$ty>(data);
                }
                i += 1;
            )*
            let _ = i;
        }

        /// Seed inputs for [`wire_roundtrip`]: for every type, `per_type` deterministic
        /// arbitrary values, each marshalled behind its selector byte.
        #[cfg(feature = "proptest")]
        pub fn wire_seeds(per_type: usize) -> Vec<Vec<u8>> {
            let mut out = Vec::new();
            let mut i = 0u8;
            $(
                for v in seeds_of!($seed $args, $ty, per_type) {
                    let mut input = vec![i];
                    input.extend_from_slice(&v);
                    out.push(input);
                }
                i += 1;
            )*
            let _ = i;
            out
        }
    };
}

/// `n` values of `s` from a fixed-seed runner (so that regenerating the corpus is stable),
/// marshalled.
#[cfg(feature = "proptest")]
fn sample<S>(n: usize, s: S) -> Vec<Vec<u8>>
where
    S: proptest::strategy::Strategy,
    S::Value: Marshal,
{
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    (0..n)
        .filter_map(|_| s.new_tree(&mut runner).ok().map(|t| to_vec(&t.current())))
        .collect()
}

wire_types! {
    "TPMT_PUBLIC" => TpmtPublic: any();
    "TPMT_PUBLIC+" => TpmtPublic<true>: any();
    "TPM2B_PUBLIC" => Tpm2bPublic: any();
    "TPM2B_PUBLIC+" => Tpm2bPublic<true>: any();
    "TPMT_PUBLIC_PARMS" => TpmtPublicParms: any();
    "TPMS_RSA_PARMS" => TpmsRsaParms: any();
    "TPMS_ECC_PARMS" => TpmsEccParms: any();
    "TPMS_KEYEDHASH_PARMS" => TpmsKeyedhashParms: any();
    "TPMS_SYMCIPHER_PARMS" => TpmsSymcipherParms: any();
    "TPM2B_TEMPLATE" => Tpm2bTemplate: any();
    "TPMS_SENSITIVE_CREATE" => TpmsSensitiveCreate: any();
    "TPM2B_SENSITIVE_CREATE" => Tpm2bSensitiveCreate: any();
    "TPMT_SENSITIVE" => TpmtSensitive: any();
    "TPM2B_SENSITIVE" => Tpm2bSensitive: any();
    "TPM2B_PRIVATE" => Tpm2bPrivate: any();
    "TPMT_SIG_SCHEME" => TpmtSigScheme: any();
    "TPMT_SIG_SCHEME+" => TpmtSigScheme<true>: any();
    "TPMT_SIGNATURE" => TpmtSignature: any();
    "TPMT_SIGNATURE+" => TpmtSignature<true>: any();
    "TPMT_SYM_DEF" => TpmtSymDef: any();
    "TPMT_SYM_DEF+" => TpmtSymDef<true>: any();
    "TPMT_SYM_DEF_OBJECT" => TpmtSymDefObject: any();
    "TPMT_SYM_DEF_OBJECT+" => TpmtSymDefObject<true>: any();
    "TPMT_KDF_SCHEME+" => TpmtKdfScheme<true>: any();
    "TPMT_KEYEDHASH_SCHEME+" => TpmtKeyedhashScheme<true>: any();
    "TPMT_ASYM_SCHEME+" => TpmtAsymScheme<true>: any();
    "TPMT_RSA_SCHEME+" => TpmtRsaScheme<true>: any();
    "TPMT_RSA_DECRYPT+" => TpmtRsaDecrypt<true>: any();
    "TPMT_ECC_SCHEME+" => TpmtEccScheme<true>: any();
    "TPMS_ECC_POINT" => TpmsEccPoint: any();
    "TPM2B_ECC_POINT" => Tpm2bEccPoint: any();
    "TPM2B_ECC_PARAMETER" => Tpm2bEccParameter: any();
    "TPM2B_PUBLIC_KEY_RSA" => Tpm2bPublicKeyRsa: any();
    "TPMS_ALGORITHM_DETAIL_ECC" => TpmsAlgorithmDetailEcc: any();
    "TPMS_DERIVE" => TpmsDerive: any();
    "TPM2B_DERIVE" => Tpm2bDerive: any();
    "TPMS_PCR_SELECT" => TpmsPcrSelect: any();
    "TPMS_PCR_SELECTION" => TpmsPcrSelection: any();
    "TPML_PCR_SELECTION" => TpmlPcrSelection: list(TpmsPcrSelection);
    "TPMS_CAPABILITY_DATA" => TpmsCapabilityData: any();
    "TPML_TAGGED_TPM_PROPERTY" => TpmlTaggedTpmProperty: list(crate::TpmsTaggedProperty);
    "TPML_ALG_PROPERTY" => TpmlAlgProperty: list(crate::TpmsAlgProperty);
    "TPML_TAGGED_PCR_PROPERTY" => TpmlTaggedPcrProperty: list(crate::TpmsTaggedPcrSelect);
    "TPML_TAGGED_POLICY" => TpmlTaggedPolicy: list(crate::TpmsTaggedPolicy);
    "TPML_ECC_CURVE" => TpmlEccCurve: raw[[0u8, 0, 0, 2, 0, 3, 0, 4], [0u8, 0, 0, 0]];
    "TPML_CC" => TpmlCc: raw[[0u8, 0, 0, 2, 0, 0, 1, 0x44, 0, 0, 1, 0x7b]];
    "TPML_ALG" => TpmlAlg: raw[[0u8, 0, 0, 3, 0, 1, 0, 0x0b, 0, 0x23]];
    "TPML_HANDLE" => TpmlHandle: raw[[0u8, 0, 0, 2, 0x81, 0, 0, 1, 0x40, 0, 0, 1]];
    "TPML_DIGEST" => TpmlDigest: list(Tpm2bDigest);
    "TPML_DIGEST_VALUES" => TpmlDigestValues: list(TpmtHa);
    "TPMS_ATTEST" => TpmsAttest: any();
    "TPM2B_ATTEST" => Tpm2bAttest: any();
    "TPMS_CERTIFY_INFO" => TpmsCertifyInfo: any();
    "TPMS_QUOTE_INFO" => TpmsQuoteInfo: any();
    "TPMS_CLOCK_INFO" => TpmsClockInfo: any();
    "TPMS_TIME_INFO" => TpmsTimeInfo: any();
    "TPMS_TIME_ATTEST_INFO" => TpmsTimeAttestInfo: any();
    "TPMS_CONTEXT" => TpmsContext: any();
    "TPMS_CONTEXT_DATA" => TpmsContextData: any();
    "TPM2B_CONTEXT_DATA" => Tpm2bContextData: any();
    "TPMS_NV_PUBLIC" => TpmsNvPublic: any();
    "TPM2B_NV_PUBLIC" => Tpm2bNvPublic: any();
    "TPMS_NV_PIN_COUNTER_PARAMETERS" => TpmsNvPinCounterParameters: any();
    "TPMT_HA" => TpmtHa: any();
    "TPMT_HA+" => TpmtHa<true>: any();
    "TPMT_TK_CREATION" => TpmtTkCreation: any();
    "TPMT_TK_VERIFIED" => TpmtTkVerified: any();
    "TPMT_TK_HASHCHECK" => TpmtTkHashcheck: any();
    "TPMT_TK_AUTH" => TpmtTkAuth: any();
    "TPMS_AUTH_COMMAND" => TpmsAuthCommand: any();
    "TPMS_AUTH_RESPONSE" => TpmsAuthResponse: any();
    "TPMS_CREATION_DATA" => TpmsCreationData: any();
    "TPM2B_CREATION_DATA" => Tpm2bCreationData: any();
    "TPMS_ID_OBJECT" => TpmsIdObject: any();
    "TPM2B_ID_OBJECT" => Tpm2bIdObject: any();
    "TPM2B_ENCRYPTED_SECRET" => Tpm2bEncryptedSecret: any();
    "TPM2B_DIGEST" => Tpm2bDigest: any();
    "TPM2B_DATA" => Tpm2bData: any();
    "TPM2B_NAME" => Tpm2bName: any();
    "TPM2B_MAX_BUFFER" => Tpm2bMaxBuffer: any();
    "TPMA_OBJECT" => TpmaObject: raw[[0u8, 3, 0, 0x72], [0u8, 0x04, 0, 0x72]];
    "TPMA_NV" => TpmaNv: raw[[0u8, 4, 0, 6], [0x20u8, 0, 0, 0x06]];
    "TPMA_SESSION" => TpmaSession: raw[[1u8], [0x21u8], [0x41u8]];
    "TPMI_ALG_HASH+" => TpmiAlgHash<true>: any();
    "TPMI_ECC_CURVE" => TpmiEccCurve: any();
    "TPMI_RH_HIERARCHY+" => TpmiRhHierarchy<true>: any();
    "TPMI_YES_NO" => TpmiYesNo: any();
}

/// Fuzz the codec of one structure: the first byte selects a type of [`WIRE_TYPES`] (modulo
/// its length), the rest is unmarshalled with [`Profile::ALL`]; a value that unmarshals must
/// re-marshal to exactly the bytes it consumed. Never panics otherwise.
pub fn wire_roundtrip(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    roundtrip_nth(usize::from(sel) % WIRE_TYPES.len(), rest);
}

/// Fuzz the whole-message parsers: `data` as a command (if it parses, it must re-marshal to
/// itself), and `data[4..]` as the response to the command whose code is `data[..4]` (the
/// same).
pub fn command_parse(data: &[u8]) {
    let p = Profile::ALL;
    if let Ok(c) = parse_request(data, &p) {
        assert_eq!(c.to_bytes(), data, "command re-marshals differently");
        assert_eq!(c.header.code, c.request.code(), "command code changed");
    }
    if let Some((cc, rsp)) = data.split_first_chunk::<4>() {
        let code = TpmCc::from(u32::from_be_bytes(*cc));
        if let Ok(r) = parse_response(code, rsp, &p) {
            assert_eq!(r.to_bytes(), rsp, "response re-marshals differently");
        }
    }
}
