//! Asymmetric schemes, key derivation schemes, signatures and encrypted secrets (TPM 2.0
//! Part 2 §11.2.1-§11.2.3, §11.3 and §11.4, rev 1.59 as libtpms implements it).
//!
//! The per-algorithm scheme structures are aliases of TPMS_SCHEME_HASH (or
//! TPMS_SCHEME_ECDAA, TPMS_EMPTY) exactly as Part 2 defines them; the unions are Rust enums
//! (see `tpmu!` in `algorithms.rs`) and the TPMT structures read them with the member their
//! selector picks.

use crate::algorithms::{tpm2b_bytes, tpmt, tpmu};
use crate::{
    MAX_RSA_KEY_BYTES, Tpm2bEccParameter, Tpm2bPublicKeyRsa, TpmAlgId, TpmiAlgAsymScheme,
    TpmiAlgEccScheme, TpmiAlgHash, TpmiAlgKdf, TpmiAlgRsaDecrypt, TpmiAlgRsaScheme,
    TpmiAlgSigScheme, TpmsEmpty, TpmsSchemeEcdaa, TpmsSchemeHash, TpmsSchemeHmac, TpmtHa,
};
use tpm_wire::wire_struct;

/// TPMS_SIG_SCHEME_RSASSA (TPM 2.0 Part 2 §11.2.1.2): TPMS_SCHEME_HASH.
#[doc(alias = "TPMS_SIG_SCHEME_RSASSA")]
pub type TpmsSigSchemeRsassa = TpmsSchemeHash;
/// TPMS_SIG_SCHEME_RSAPSS (TPM 2.0 Part 2 §11.2.1.2): TPMS_SCHEME_HASH.
#[doc(alias = "TPMS_SIG_SCHEME_RSAPSS")]
pub type TpmsSigSchemeRsapss = TpmsSchemeHash;
/// TPMS_SIG_SCHEME_ECDSA (TPM 2.0 Part 2 §11.2.1.3): TPMS_SCHEME_HASH.
#[doc(alias = "TPMS_SIG_SCHEME_ECDSA")]
pub type TpmsSigSchemeEcdsa = TpmsSchemeHash;
/// TPMS_SIG_SCHEME_SM2 (TPM 2.0 Part 2 §11.2.1.3): TPMS_SCHEME_HASH.
#[doc(alias = "TPMS_SIG_SCHEME_SM2")]
pub type TpmsSigSchemeSm2 = TpmsSchemeHash;
/// TPMS_SIG_SCHEME_ECSCHNORR (TPM 2.0 Part 2 §11.2.1.3): TPMS_SCHEME_HASH.
#[doc(alias = "TPMS_SIG_SCHEME_ECSCHNORR")]
pub type TpmsSigSchemeEcschnorr = TpmsSchemeHash;
/// TPMS_SIG_SCHEME_ECDAA (TPM 2.0 Part 2 §11.2.1.3): TPMS_SCHEME_ECDAA.
#[doc(alias = "TPMS_SIG_SCHEME_ECDAA")]
pub type TpmsSigSchemeEcdaa = TpmsSchemeEcdaa;

tpmu! {
    /// TPMU_SIG_SCHEME (TPM 2.0 Part 2 §11.2.1.4): the details of a signing scheme.
    #[doc(alias = "TPMU_SIG_SCHEME")]
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
    pub enum TpmuSigScheme: TpmAlgId {
        /// TPM_ALG_RSASSA: `rsassa`.
        RSASSA => Rsassa(TpmsSigSchemeRsassa),
        /// TPM_ALG_RSAPSS: `rsapss`.
        RSAPSS => Rsapss(TpmsSigSchemeRsapss),
        /// TPM_ALG_ECDSA: `ecdsa`.
        ECDSA => Ecdsa(TpmsSigSchemeEcdsa),
        /// TPM_ALG_ECDAA: `ecdaa`.
        ECDAA => Ecdaa(TpmsSigSchemeEcdaa),
        /// TPM_ALG_SM2: `sm2`.
        SM2 => Sm2(TpmsSigSchemeSm2),
        /// TPM_ALG_ECSCHNORR: `ecschnorr`.
        ECSCHNORR => Ecschnorr(TpmsSigSchemeEcschnorr),
        /// TPM_ALG_HMAC: `hmac`.
        HMAC => Hmac(TpmsSchemeHmac),
        /// TPM_ALG_NULL: no member.
        NULL => Null,
    }
}

/// TPMT_SIG_SCHEME (TPM 2.0 Part 2 §11.2.1.5): a signing scheme and its details; with `NULL`
/// the scheme may be TPM_ALG_NULL (`TPMT_SIG_SCHEME+`, e.g. TPM2_Sign's inScheme). An
/// unlisted scheme is TPM_RC_SCHEME.
#[doc(alias = "TPMT_SIG_SCHEME")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TpmtSigScheme<const NULL: bool = false> {
    /// `scheme`.
    pub scheme: TpmiAlgSigScheme<NULL>,
    /// `details`, selected by `scheme`.
    pub details: TpmuSigScheme,
}

tpmt!(TpmtSigScheme {
    scheme: TpmiAlgSigScheme,
    details: TpmuSigScheme
});

impl TpmtSigScheme<true> {
    /// TPM_ALG_NULL: use the key's scheme.
    pub const NULL: Self = TpmtSigScheme {
        scheme: TpmiAlgSigScheme::<true>::NULL,
        details: TpmuSigScheme::Null,
    };
}

/// TPMS_ENC_SCHEME_OAEP (TPM 2.0 Part 2 §11.2.2.2): TPMS_SCHEME_HASH.
#[doc(alias = "TPMS_ENC_SCHEME_OAEP")]
pub type TpmsEncSchemeOaep = TpmsSchemeHash;
/// TPMS_ENC_SCHEME_RSAES (TPM 2.0 Part 2 §11.2.2.2): TPMS_EMPTY.
#[doc(alias = "TPMS_ENC_SCHEME_RSAES")]
pub type TpmsEncSchemeRsaes = TpmsEmpty;
/// TPMS_KEY_SCHEME_ECDH (TPM 2.0 Part 2 §11.2.2.3): TPMS_SCHEME_HASH.
#[doc(alias = "TPMS_KEY_SCHEME_ECDH")]
pub type TpmsKeySchemeEcdh = TpmsSchemeHash;
/// TPMS_KEY_SCHEME_ECMQV (TPM 2.0 Part 2 §11.2.2.3): TPMS_SCHEME_HASH.
#[doc(alias = "TPMS_KEY_SCHEME_ECMQV")]
pub type TpmsKeySchemeEcmqv = TpmsSchemeHash;

/// TPMS_KDF_SCHEME_MGF1 (TPM 2.0 Part 2 §11.2.3.1): TPMS_SCHEME_HASH.
#[doc(alias = "TPMS_KDF_SCHEME_MGF1")]
pub type TpmsKdfSchemeMgf1 = TpmsSchemeHash;
/// TPMS_KDF_SCHEME_KDF1_SP800_56A (TPM 2.0 Part 2 §11.2.3.1): TPMS_SCHEME_HASH.
#[doc(alias = "TPMS_KDF_SCHEME_KDF1_SP800_56A")]
pub type TpmsKdfSchemeKdf1Sp80056a = TpmsSchemeHash;
/// TPMS_KDF_SCHEME_KDF2 (TPM 2.0 Part 2 §11.2.3.1): TPMS_SCHEME_HASH.
#[doc(alias = "TPMS_KDF_SCHEME_KDF2")]
pub type TpmsKdfSchemeKdf2 = TpmsSchemeHash;
/// TPMS_KDF_SCHEME_KDF1_SP800_108 (TPM 2.0 Part 2 §11.2.3.1): TPMS_SCHEME_HASH.
#[doc(alias = "TPMS_KDF_SCHEME_KDF1_SP800_108")]
pub type TpmsKdfSchemeKdf1Sp800108 = TpmsSchemeHash;

tpmu! {
    /// TPMU_KDF_SCHEME (TPM 2.0 Part 2 §11.2.3.2): the details of a KDF.
    #[doc(alias = "TPMU_KDF_SCHEME")]
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
    pub enum TpmuKdfScheme: TpmAlgId {
        /// TPM_ALG_MGF1: `mgf1`.
        MGF1 => Mgf1(TpmsKdfSchemeMgf1),
        /// TPM_ALG_KDF1_SP800_56A: `kdf1_sp800_56a`.
        KDF1_SP800_56A => Kdf1Sp80056a(TpmsKdfSchemeKdf1Sp80056a),
        /// TPM_ALG_KDF2: `kdf2`.
        KDF2 => Kdf2(TpmsKdfSchemeKdf2),
        /// TPM_ALG_KDF1_SP800_108: `kdf1_sp800_108`.
        KDF1_SP800_108 => Kdf1Sp800108(TpmsKdfSchemeKdf1Sp800108),
        /// TPM_ALG_NULL: no member.
        NULL => Null,
    }
}

/// TPMT_KDF_SCHEME (TPM 2.0 Part 2 §11.2.3.3): a KDF and its hash; with `NULL` the KDF may be
/// TPM_ALG_NULL (`TPMT_KDF_SCHEME+`, as in TPMS_ECC_PARMS). An unlisted KDF is TPM_RC_KDF.
#[doc(alias = "TPMT_KDF_SCHEME")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TpmtKdfScheme<const NULL: bool = false> {
    /// `scheme`.
    pub scheme: TpmiAlgKdf<NULL>,
    /// `details`, selected by `scheme`.
    pub details: TpmuKdfScheme,
}

tpmt!(TpmtKdfScheme {
    scheme: TpmiAlgKdf,
    details: TpmuKdfScheme
});

impl TpmtKdfScheme<true> {
    /// TPM_ALG_NULL: no KDF.
    pub const NULL: Self = TpmtKdfScheme {
        scheme: TpmiAlgKdf::<true>::NULL,
        details: TpmuKdfScheme::Null,
    };
}

tpmu! {
    /// TPMU_ASYM_SCHEME (TPM 2.0 Part 2 §11.2.3.5): the details of any asymmetric scheme
    /// (signing, encryption or key exchange).
    #[doc(alias = "TPMU_ASYM_SCHEME")]
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
    pub enum TpmuAsymScheme: TpmAlgId {
        /// TPM_ALG_ECDH: `ecdh`.
        ECDH => Ecdh(TpmsKeySchemeEcdh),
        /// TPM_ALG_ECMQV: `ecmqv`.
        ECMQV => Ecmqv(TpmsKeySchemeEcmqv),
        /// TPM_ALG_RSASSA: `rsassa`.
        RSASSA => Rsassa(TpmsSigSchemeRsassa),
        /// TPM_ALG_RSAPSS: `rsapss`.
        RSAPSS => Rsapss(TpmsSigSchemeRsapss),
        /// TPM_ALG_ECDSA: `ecdsa`.
        ECDSA => Ecdsa(TpmsSigSchemeEcdsa),
        /// TPM_ALG_ECDAA: `ecdaa`.
        ECDAA => Ecdaa(TpmsSigSchemeEcdaa),
        /// TPM_ALG_SM2: `sm2`.
        SM2 => Sm2(TpmsSigSchemeSm2),
        /// TPM_ALG_ECSCHNORR: `ecschnorr`.
        ECSCHNORR => Ecschnorr(TpmsSigSchemeEcschnorr),
        /// TPM_ALG_RSAES: `rsaes` (empty).
        RSAES => Rsaes(TpmsEncSchemeRsaes),
        /// TPM_ALG_OAEP: `oaep`.
        OAEP => Oaep(TpmsEncSchemeOaep),
        /// TPM_ALG_NULL: no member.
        NULL => Null,
    }
}

impl TpmuAsymScheme {
    /// The hash the scheme names, if it names one (RSAES and NULL do not).
    pub fn hash_alg(&self) -> Option<TpmiAlgHash> {
        match self {
            Self::Ecdh(s)
            | Self::Ecmqv(s)
            | Self::Rsassa(s)
            | Self::Rsapss(s)
            | Self::Ecdsa(s)
            | Self::Sm2(s)
            | Self::Ecschnorr(s)
            | Self::Oaep(s) => Some(s.hash_alg),
            Self::Ecdaa(s) => Some(s.hash_alg),
            Self::Rsaes(_) | Self::Null => None,
        }
    }
}

/// Declares a TPMT over TPMU_ASYM_SCHEME with its own scheme TPMI.
macro_rules! asym_tpmt {
    ($(#[$meta:meta])* $name:ident, $tpmi:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub struct $name<const NULL: bool = false> {
            /// `scheme`.
            pub scheme: $tpmi<NULL>,
            /// `details`, selected by `scheme`.
            pub details: TpmuAsymScheme,
        }

        tpmt!($name {
            scheme: $tpmi,
            details: TpmuAsymScheme
        });

        impl $name<true> {
            /// TPM_ALG_NULL: no scheme.
            pub const NULL: Self = $name {
                scheme: $tpmi::<true>::NULL,
                details: TpmuAsymScheme::Null,
            };
        }

        impl<const N: bool> $name<N> {
            /// The scheme with `hash` (for the schemes that take one; otherwise `details`
            /// is the empty member).
            ///
            /// # Errors
            /// The TPMI's error when `scheme` is not one this type lists (checked against
            /// [`Profile::ALL`](tpm_wire::Profile::ALL)).
            pub fn with_hash(
                scheme: TpmAlgId,
                hash: TpmiAlgHash,
            ) -> Result<Self, tpm_wire::WireError> {
                let scheme = $tpmi::<N>::new(scheme, &tpm_wire::Profile::ALL)?;
                Ok($name {
                    scheme,
                    details: asym_details(scheme.0, hash),
                })
            }
        }
    };
}

/// The TPMU_ASYM_SCHEME member for `scheme` with `hash` (count 0 for ECDAA).
fn asym_details(scheme: TpmAlgId, hash: TpmiAlgHash) -> TpmuAsymScheme {
    let h = TpmsSchemeHash { hash_alg: hash };
    match scheme {
        TpmAlgId::ECDH => TpmuAsymScheme::Ecdh(h),
        TpmAlgId::ECMQV => TpmuAsymScheme::Ecmqv(h),
        TpmAlgId::RSASSA => TpmuAsymScheme::Rsassa(h),
        TpmAlgId::RSAPSS => TpmuAsymScheme::Rsapss(h),
        TpmAlgId::ECDSA => TpmuAsymScheme::Ecdsa(h),
        TpmAlgId::ECDAA => TpmuAsymScheme::Ecdaa(TpmsSchemeEcdaa {
            hash_alg: hash,
            count: 0,
        }),
        TpmAlgId::SM2 => TpmuAsymScheme::Sm2(h),
        TpmAlgId::ECSCHNORR => TpmuAsymScheme::Ecschnorr(h),
        TpmAlgId::RSAES => TpmuAsymScheme::Rsaes(TpmsEmpty),
        TpmAlgId::OAEP => TpmuAsymScheme::Oaep(h),
        _ => TpmuAsymScheme::Null,
    }
}

asym_tpmt! {
    /// TPMT_ASYM_SCHEME (TPM 2.0 Part 2 §11.2.3.6): any asymmetric scheme (in
    /// TPMS_ASYM_PARMS); an unlisted scheme is TPM_RC_VALUE.
    #[doc(alias = "TPMT_ASYM_SCHEME")]
    TpmtAsymScheme, TpmiAlgAsymScheme
}

asym_tpmt! {
    /// TPMT_RSA_SCHEME (TPM 2.0 Part 2 §11.2.4.2): the scheme of an RSA key (RSASSA, RSAPSS,
    /// RSAES, OAEP); an unlisted scheme is TPM_RC_VALUE.
    #[doc(alias = "TPMT_RSA_SCHEME")]
    TpmtRsaScheme, TpmiAlgRsaScheme
}

asym_tpmt! {
    /// TPMT_RSA_DECRYPT (TPM 2.0 Part 2 §11.2.4.4): an RSA encryption scheme for
    /// TPM2_RSA_Encrypt/Decrypt (RSAES, OAEP); an unlisted scheme is TPM_RC_VALUE.
    #[doc(alias = "TPMT_RSA_DECRYPT")]
    TpmtRsaDecrypt, TpmiAlgRsaDecrypt
}

asym_tpmt! {
    /// TPMT_ECC_SCHEME (TPM 2.0 Part 2 §11.2.5.6): the scheme of an ECC key; an unlisted
    /// scheme is TPM_RC_SCHEME.
    #[doc(alias = "TPMT_ECC_SCHEME")]
    TpmtEccScheme, TpmiAlgEccScheme
}

/// TPMS_SIGNATURE_RSA (TPM 2.0 Part 2 §11.3.1): an RSA signature and the hash it signs with
/// (no null).
#[doc(alias = "TPMS_SIGNATURE_RSA")]
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct TpmsSignatureRsa {
    /// `hash`.
    pub hash: TpmiAlgHash,
    /// `sig`: the signature, as long as the key's modulus.
    pub sig: Tpm2bPublicKeyRsa,
}

wire_struct!(TpmsSignatureRsa { hash, sig });

/// TPMS_SIGNATURE_RSASSA (TPM 2.0 Part 2 §11.3.2): TPMS_SIGNATURE_RSA.
#[doc(alias = "TPMS_SIGNATURE_RSASSA")]
pub type TpmsSignatureRsassa = TpmsSignatureRsa;
/// TPMS_SIGNATURE_RSAPSS (TPM 2.0 Part 2 §11.3.2): TPMS_SIGNATURE_RSA.
#[doc(alias = "TPMS_SIGNATURE_RSAPSS")]
pub type TpmsSignatureRsapss = TpmsSignatureRsa;

/// TPMS_SIGNATURE_ECC (TPM 2.0 Part 2 §11.3.3): an ECC signature (r, s) and its hash (no
/// null).
#[doc(alias = "TPMS_SIGNATURE_ECC")]
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct TpmsSignatureEcc {
    /// `hash`.
    pub hash: TpmiAlgHash,
    /// `signatureR`.
    pub signature_r: Tpm2bEccParameter,
    /// `signatureS`.
    pub signature_s: Tpm2bEccParameter,
}

wire_struct!(TpmsSignatureEcc {
    hash,
    signature_r,
    signature_s
});

/// TPMS_SIGNATURE_ECDSA (TPM 2.0 Part 2 §11.3.4): TPMS_SIGNATURE_ECC.
#[doc(alias = "TPMS_SIGNATURE_ECDSA")]
pub type TpmsSignatureEcdsa = TpmsSignatureEcc;
/// TPMS_SIGNATURE_ECDAA (TPM 2.0 Part 2 §11.3.4): TPMS_SIGNATURE_ECC.
#[doc(alias = "TPMS_SIGNATURE_ECDAA")]
pub type TpmsSignatureEcdaa = TpmsSignatureEcc;
/// TPMS_SIGNATURE_SM2 (TPM 2.0 Part 2 §11.3.4): TPMS_SIGNATURE_ECC.
#[doc(alias = "TPMS_SIGNATURE_SM2")]
pub type TpmsSignatureSm2 = TpmsSignatureEcc;
/// TPMS_SIGNATURE_ECSCHNORR (TPM 2.0 Part 2 §11.3.4): TPMS_SIGNATURE_ECC.
#[doc(alias = "TPMS_SIGNATURE_ECSCHNORR")]
pub type TpmsSignatureEcschnorr = TpmsSignatureEcc;

tpmu! {
    /// TPMU_SIGNATURE (TPM 2.0 Part 2 §11.3.5): a signature of the selected scheme.
    #[doc(alias = "TPMU_SIGNATURE")]
    // Inline like the C union: no allocation per structure; the size is bounded.
    #[allow(clippy::large_enum_variant)]
    #[derive(Clone, PartialEq, Eq, Hash, Debug)]
    pub enum TpmuSignature: TpmAlgId {
        /// TPM_ALG_RSASSA: `rsassa`.
        RSASSA => Rsassa(TpmsSignatureRsassa),
        /// TPM_ALG_RSAPSS: `rsapss`.
        RSAPSS => Rsapss(TpmsSignatureRsapss),
        /// TPM_ALG_ECDSA: `ecdsa`.
        ECDSA => Ecdsa(TpmsSignatureEcdsa),
        /// TPM_ALG_ECDAA: `ecdaa`.
        ECDAA => Ecdaa(TpmsSignatureEcdaa),
        /// TPM_ALG_SM2: `sm2`.
        SM2 => Sm2(TpmsSignatureSm2),
        /// TPM_ALG_ECSCHNORR: `ecschnorr`.
        ECSCHNORR => Ecschnorr(TpmsSignatureEcschnorr),
        /// TPM_ALG_HMAC: `hmac`, the HMAC as a TPMT_HA (no null hash).
        HMAC => Hmac(TpmtHa),
        /// TPM_ALG_NULL: no signature.
        NULL => Null,
    }
}

/// TPMT_SIGNATURE (TPM 2.0 Part 2 §11.3.6): a signature with its scheme. With `NULL` the
/// scheme may be TPM_ALG_NULL, which Part 2 allows where no signature is produced (e.g. the
/// response of TPM2_Certify with a null signing key); an unlisted scheme is TPM_RC_SCHEME.
#[doc(alias = "TPMT_SIGNATURE")]
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct TpmtSignature<const NULL: bool = false> {
    /// `sigAlg`.
    pub sig_alg: TpmiAlgSigScheme<NULL>,
    /// `signature`, selected by `sig_alg`.
    pub signature: TpmuSignature,
}

tpmt!(TpmtSignature {
    sig_alg: TpmiAlgSigScheme,
    signature: TpmuSignature
});

impl TpmtSignature<true> {
    /// TPM_ALG_NULL: no signature.
    pub const NULL: Self = TpmtSignature {
        sig_alg: TpmiAlgSigScheme::<true>::NULL,
        signature: TpmuSignature::Null,
    };
}

/// TPMU_ENCRYPTED_SECRET (TPM 2.0 Part 2 §11.4.2): the largest encrypted secret of any
/// algorithm; it only sizes TPM2B_ENCRYPTED_SECRET (never marshalled as a union).
#[doc(alias = "TPMU_ENCRYPTED_SECRET")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TpmuEncryptedSecret;

impl TpmuEncryptedSecret {
    /// sizeof(TPMU_ENCRYPTED_SECRET): the largest of `ecc` (sizeof(TPMS_ECC_POINT)), `rsa`
    /// (MAX_RSA_KEY_BYTES), `symmetric` and `keyedHash` (sizeof(TPM2B_DIGEST)).
    pub const SIZE: usize = {
        let ecc = crate::TPMS_ECC_POINT_SIZE;
        let digest = 2 + crate::MAX_DIGEST_SIZE;
        let mut m = MAX_RSA_KEY_BYTES;
        if ecc > m {
            m = ecc;
        }
        if digest > m {
            m = digest;
        }
        m
    };
}

tpm2b_bytes! {
    /// TPM2B_ENCRYPTED_SECRET (TPM 2.0 Part 2 §11.4.3): an encrypted seed (RSA-OAEP
    /// ciphertext, an ECC ephemeral point, or a symmetric-wrapped value) of at most
    /// sizeof(TPMU_ENCRYPTED_SECRET) bytes (libtpms `TPM2B_ENCRYPTED_SECRET_Unmarshal`).
    #[doc(alias = "TPM2B_ENCRYPTED_SECRET")]
    Tpm2bEncryptedSecret, TpmuEncryptedSecret::SIZE
}

#[cfg(any(test, feature = "proptest"))]
mod arbitrary {
    use super::*;
    use proptest::prelude::*;

    /// A TPMU_ASYM_SCHEME member for `scheme`.
    pub(crate) fn asym_member(scheme: TpmAlgId) -> BoxedStrategy<TpmuAsymScheme> {
        match scheme {
            TpmAlgId::ECDAA => any::<TpmsSchemeEcdaa>()
                .prop_map(TpmuAsymScheme::Ecdaa)
                .boxed(),
            s => any::<TpmiAlgHash>()
                .prop_map(move |h| asym_details(s, h))
                .boxed(),
        }
    }

    macro_rules! arb_asym {
        ($($name:ident: $tpmi:ident),*) => {$(
            impl<const N: bool> Arbitrary for $name<N> {
                type Parameters = ();
                type Strategy = BoxedStrategy<Self>;
                fn arbitrary_with(_: ()) -> Self::Strategy {
                    any::<$tpmi<N>>()
                        .prop_flat_map(|scheme| {
                            asym_member(scheme.0)
                                .prop_map(move |details| $name { scheme, details })
                        })
                        .boxed()
                }
            }
        )*};
    }

    arb_asym!(
        TpmtAsymScheme: TpmiAlgAsymScheme,
        TpmtRsaScheme: TpmiAlgRsaScheme,
        TpmtRsaDecrypt: TpmiAlgRsaDecrypt,
        TpmtEccScheme: TpmiAlgEccScheme
    );

    /// A TPMU_SIG_SCHEME member for `scheme`.
    fn sig_member(scheme: TpmAlgId) -> BoxedStrategy<TpmuSigScheme> {
        match scheme {
            TpmAlgId::ECDAA => any::<TpmsSchemeEcdaa>()
                .prop_map(TpmuSigScheme::Ecdaa)
                .boxed(),
            TpmAlgId::NULL => Just(TpmuSigScheme::Null).boxed(),
            s => any::<TpmsSchemeHash>()
                .prop_map(move |h| match s {
                    TpmAlgId::RSASSA => TpmuSigScheme::Rsassa(h),
                    TpmAlgId::RSAPSS => TpmuSigScheme::Rsapss(h),
                    TpmAlgId::ECDSA => TpmuSigScheme::Ecdsa(h),
                    TpmAlgId::SM2 => TpmuSigScheme::Sm2(h),
                    TpmAlgId::ECSCHNORR => TpmuSigScheme::Ecschnorr(h),
                    _ => TpmuSigScheme::Hmac(h),
                })
                .boxed(),
        }
    }

    impl<const N: bool> Arbitrary for TpmtSigScheme<N> {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;
        fn arbitrary_with(_: ()) -> Self::Strategy {
            any::<TpmiAlgSigScheme<N>>()
                .prop_flat_map(|scheme| {
                    sig_member(scheme.0).prop_map(move |details| TpmtSigScheme { scheme, details })
                })
                .boxed()
        }
    }

    impl<const N: bool> Arbitrary for TpmtKdfScheme<N> {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;
        fn arbitrary_with(_: ()) -> Self::Strategy {
            (any::<TpmiAlgKdf<N>>(), any::<TpmsSchemeHash>())
                .prop_map(|(scheme, h)| TpmtKdfScheme {
                    scheme,
                    details: match scheme.0 {
                        TpmAlgId::MGF1 => TpmuKdfScheme::Mgf1(h),
                        TpmAlgId::KDF1_SP800_56A => TpmuKdfScheme::Kdf1Sp80056a(h),
                        TpmAlgId::KDF2 => TpmuKdfScheme::Kdf2(h),
                        TpmAlgId::KDF1_SP800_108 => TpmuKdfScheme::Kdf1Sp800108(h),
                        _ => TpmuKdfScheme::Null,
                    },
                })
                .boxed()
        }
    }

    arb_struct!(TpmsSignatureRsa {
        hash: any::<TpmiAlgHash>(),
        sig: any::<Tpm2bPublicKeyRsa>(),
    });

    impl Arbitrary for TpmsSignatureEcc {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;
        fn arbitrary_with(_: ()) -> Self::Strategy {
            (
                any::<TpmiAlgHash>(),
                any::<Tpm2bEccParameter>(),
                any::<Tpm2bEccParameter>(),
            )
                .prop_map(|(hash, signature_r, signature_s)| TpmsSignatureEcc {
                    hash,
                    signature_r,
                    signature_s,
                })
                .boxed()
        }
    }

    impl<const N: bool> Arbitrary for TpmtSignature<N> {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;
        fn arbitrary_with(_: ()) -> Self::Strategy {
            any::<TpmiAlgSigScheme<N>>()
                .prop_flat_map(|sig_alg| {
                    let s: BoxedStrategy<TpmuSignature> = match sig_alg.0 {
                        TpmAlgId::RSASSA => any::<TpmsSignatureRsa>()
                            .prop_map(TpmuSignature::Rsassa)
                            .boxed(),
                        TpmAlgId::RSAPSS => any::<TpmsSignatureRsa>()
                            .prop_map(TpmuSignature::Rsapss)
                            .boxed(),
                        TpmAlgId::ECDSA => any::<TpmsSignatureEcc>()
                            .prop_map(TpmuSignature::Ecdsa)
                            .boxed(),
                        TpmAlgId::ECDAA => any::<TpmsSignatureEcc>()
                            .prop_map(TpmuSignature::Ecdaa)
                            .boxed(),
                        TpmAlgId::SM2 => any::<TpmsSignatureEcc>()
                            .prop_map(TpmuSignature::Sm2)
                            .boxed(),
                        TpmAlgId::ECSCHNORR => any::<TpmsSignatureEcc>()
                            .prop_map(TpmuSignature::Ecschnorr)
                            .boxed(),
                        TpmAlgId::HMAC => any::<TpmtHa>().prop_map(TpmuSignature::Hmac).boxed(),
                        _ => Just(TpmuSignature::Null).boxed(),
                    };
                    s.prop_map(move |signature| TpmtSignature { sig_alg, signature })
                })
                .boxed()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tpm_wire::{Marshal, Profile, Reader, Unmarshal, WireError, from_bytes, to_vec};

    const P: Profile = Profile::ALL;

    fn round_trip<T>(v: &T)
    where
        T: Marshal + for<'a> Unmarshal<'a> + PartialEq + core::fmt::Debug,
    {
        let bytes = to_vec(v);
        assert_eq!(bytes.len(), v.marshalled_len());
        assert_eq!(&from_bytes::<T>(&bytes, &P).unwrap(), v);
    }

    #[test]
    fn rsa_scheme_wire_form() {
        let s = TpmtRsaScheme::<true>::with_hash(TpmAlgId::RSASSA, TpmiAlgHash::SHA256).unwrap();
        assert_eq!(to_vec(&s), [0x00, 0x14, 0x00, 0x0B]);
        round_trip(&s);
        // RSAES: no details.
        let s = TpmtRsaScheme::<true>::with_hash(TpmAlgId::RSAES, TpmiAlgHash::SHA256).unwrap();
        assert_eq!(to_vec(&s), [0x00, 0x15]);
        round_trip(&s);
        assert_eq!(to_vec(&TpmtRsaScheme::NULL), [0x00, 0x10]);
        assert_eq!(
            TpmtRsaScheme::<true>::with_hash(TpmAlgId::ECDSA, TpmiAlgHash::SHA256),
            Err(WireError::Value)
        );
        assert_eq!(s.details.hash_alg(), None);
    }

    #[test]
    fn scheme_errors() {
        // ECDSA is not an RSA scheme -> Value.
        assert_eq!(
            from_bytes::<TpmtRsaScheme<true>>(&[0x00, 0x18, 0x00, 0x0B], &P),
            Err(WireError::Value)
        );
        // RSASSA is not an ECC scheme -> Scheme.
        assert_eq!(
            from_bytes::<TpmtEccScheme<true>>(&[0x00, 0x14, 0x00, 0x0B], &P),
            Err(WireError::Scheme)
        );
        // Null sig scheme without `+` -> Scheme.
        assert_eq!(
            from_bytes::<TpmtSigScheme>(&[0x00, 0x10], &P),
            Err(WireError::Scheme)
        );
        assert_eq!(
            from_bytes::<TpmtSigScheme<true>>(&[0x00, 0x10], &P),
            Ok(TpmtSigScheme::NULL)
        );
        // Only RSAES/OAEP decrypt.
        assert_eq!(
            from_bytes::<TpmtRsaDecrypt>(&[0x00, 0x14, 0x00, 0x0B], &P),
            Err(WireError::Value)
        );
        // OAEP with a null hash -> Hash.
        assert_eq!(
            from_bytes::<TpmtRsaDecrypt>(&[0x00, 0x17, 0x00, 0x10], &P),
            Err(WireError::Hash)
        );
        // KDF: SHA256 is no KDF -> Kdf; a bad hash inside -> Hash.
        assert_eq!(
            from_bytes::<TpmtKdfScheme<true>>(&[0x00, 0x0B, 0x00, 0x0B], &P),
            Err(WireError::Kdf)
        );
        assert_eq!(
            from_bytes::<TpmtKdfScheme<true>>(&[0x00, 0x07, 0x00, 0x06], &P),
            Err(WireError::Hash)
        );
        // ECDAA: hash and count, truncated count -> Insufficient.
        assert_eq!(
            from_bytes::<TpmtEccScheme>(&[0x00, 0x1A, 0x00, 0x0B, 0x00], &P),
            Err(WireError::Insufficient)
        );
        let e = from_bytes::<TpmtEccScheme>(&[0x00, 0x1A, 0x00, 0x0B, 0x00, 0x05], &P).unwrap();
        assert_eq!(
            e.details,
            TpmuAsymScheme::Ecdaa(TpmsSchemeEcdaa {
                hash_alg: TpmiAlgHash::SHA256,
                count: 5
            })
        );
        // Disabled scheme -> its error.
        assert_eq!(
            from_bytes::<TpmtEccScheme>(
                &[0x00, 0x18, 0x00, 0x0B],
                &Profile::ALL.without_alg(0x0018)
            ),
            Err(WireError::Scheme)
        );
        // Union selector outside the union.
        let mut r = Reader::new(&[0x00, 0x0B]);
        assert_eq!(
            TpmuAsymScheme::unmarshal_selected(TpmAlgId::AES, &mut r, &P),
            Err(WireError::Selector)
        );
        assert_eq!(
            TpmuSignature::unmarshal_selected(TpmAlgId::OAEP, &mut r, &P),
            Err(WireError::Selector)
        );
    }

    #[test]
    fn signatures() {
        // Null signature where allowed.
        assert_eq!(
            from_bytes::<TpmtSignature<true>>(&[0x00, 0x10], &P),
            Ok(TpmtSignature::NULL)
        );
        assert_eq!(
            from_bytes::<TpmtSignature>(&[0x00, 0x10], &P),
            Err(WireError::Scheme)
        );
        // RSASSA-SHA256 with a 2-byte signature.
        let b = [0x00, 0x14, 0x00, 0x0B, 0x00, 0x02, 0xAB, 0xCD];
        let s: TpmtSignature = from_bytes(&b, &P).unwrap();
        assert_eq!(to_vec(&s), b);
        // Signature longer than MAX_RSA_KEY_BYTES -> Size.
        let mut big = vec![0x00, 0x14, 0x00, 0x0B, 0x02, 0x01];
        big.extend_from_slice(&[0; 513]);
        assert_eq!(from_bytes::<TpmtSignature>(&big, &P), Err(WireError::Size));
        // ECDSA with r over MAX_ECC_KEY_BYTES -> Size.
        let mut big = vec![0x00, 0x18, 0x00, 0x0B, 0x00, 81];
        big.extend_from_slice(&[0; 81]);
        big.extend_from_slice(&[0, 0]);
        assert_eq!(from_bytes::<TpmtSignature>(&big, &P), Err(WireError::Size));
        // HMAC signature: TPMT_HA with null hash -> Hash.
        assert_eq!(
            from_bytes::<TpmtSignature>(&[0x00, 0x05, 0x00, 0x10], &P),
            Err(WireError::Hash)
        );
        // Signature hash disabled -> Hash.
        assert_eq!(
            from_bytes::<TpmtSignature>(&b, &Profile::ALL.without_alg(0x000B)),
            Err(WireError::Hash)
        );
        // Truncated signature body.
        assert_eq!(
            from_bytes::<TpmtSignature>(&b[..7], &P),
            Err(WireError::Insufficient)
        );
    }

    #[test]
    fn encrypted_secret() {
        assert_eq!(TpmuEncryptedSecret::SIZE, MAX_RSA_KEY_BYTES);
        let mut big = vec![0x02, 0x01];
        big.extend_from_slice(&[0; 513]);
        assert_eq!(
            from_bytes::<Tpm2bEncryptedSecret>(&big, &P),
            Err(WireError::Size)
        );
    }

    proptest! {
        #[test]
        fn schemes_round_trip(
            a in any::<TpmtSigScheme>(),
            b in any::<TpmtSigScheme<true>>(),
            c in any::<TpmtKdfScheme<true>>(),
            d in any::<TpmtAsymScheme<true>>(),
            e in any::<TpmtRsaScheme<true>>(),
            f in any::<TpmtRsaDecrypt>(),
            g in any::<TpmtEccScheme<true>>(),
            h in any::<TpmtKdfScheme>(),
        ) {
            round_trip(&a);
            round_trip(&b);
            round_trip(&c);
            round_trip(&d);
            round_trip(&e);
            round_trip(&f);
            round_trip(&g);
            round_trip(&h);
        }

        #[test]
        fn signature_round_trip(
            a in any::<TpmtSignature>(),
            b in any::<TpmtSignature<true>>(),
            c in any::<Tpm2bEncryptedSecret>(),
        ) {
            round_trip(&a);
            round_trip(&b);
            round_trip(&c);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..96)) {
            let _ = from_bytes::<TpmtSignature<true>>(&bytes, &P);
            let _ = from_bytes::<TpmtSigScheme<true>>(&bytes, &P);
            let _ = from_bytes::<TpmtEccScheme<true>>(&bytes, &P);
            let _ = from_bytes::<TpmtKdfScheme<true>>(&bytes, &P);
        }
    }
}
