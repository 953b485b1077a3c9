//! The algorithm interface types of TPM 2.0 Part 2 §9 and §11: `TPMI_ALG_*`, `TPMI_ECC_CURVE`
//! and the key-size types (`TPMI_RSA_KEY_BITS`, `TPMI_AES_KEY_BITS`, ...), rev 1.59 as libtpms
//! implements them.
//!
//! Each type is a newtype over its base (`TpmAlgId`, `TpmEccCurve` or the `u16` of
//! TPM_KEY_BITS), marshalled as that base and validated on unmarshal the way libtpms
//! `Unmarshal.c` does: the value must be one the type lists, and, for algorithms and curves,
//! enabled in the [`Profile`]; otherwise the type's own response code. Types whose Part 2 table
//! has the conditional null (`+TPM_ALG_NULL`) carry a const generic `NULL`: `TpmiAlgHash<true>`
//! accepts TPM_ALG_NULL, `TpmiAlgHash` (the default, `false`) rejects it with the same code.
//!
//! libtpms parity: the lists are those of libtpms (TPM_ALG_TDES is accepted where libtpms adds
//! it); SM3_256 and SM4, which Part 2 lists but libtpms compiles out, are accepted only when the
//! profile enables them. TPM_ALG_NULL is never checked against the profile.

use tpm_wire::{Marshal, Profile, Reader, Unmarshal, WireError, Writer};

use crate::{TpmAlgId, TpmEccCurve};

/// Declares a `TPMI_ALG_*` newtype over `TpmAlgId`.
///
/// `nullable` types get the `NULL` const generic; `plain` ones accept no TPM_ALG_NULL.
macro_rules! tpmi_alg {
    (
        $(#[$meta:meta])*
        nullable $name:ident, err = $err:ident, accepts = [$($alg:ident),* $(,)?]
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub struct $name<const NULL: bool = false>(pub TpmAlgId);

        impl<const N: bool> $name<N> {
            /// The algorithms this type lists, apart from TPM_ALG_NULL; the profile decides
            /// which of them are accepted.
            pub const ACCEPTS: &'static [TpmAlgId] = &[$(TpmAlgId::$alg),*];

            /// The error an unlisted, disabled or (without `NULL`) null algorithm gives.
            pub const ERROR: WireError = WireError::$err;

            /// Validate `alg` as unmarshalling does.
            ///
            /// # Errors
            /// [`Self::ERROR`] when `alg` is not listed, not enabled in `p`, or TPM_ALG_NULL
            /// without `NULL`.
            pub fn new(alg: TpmAlgId, p: &Profile) -> Result<Self, WireError> {
                if alg == TpmAlgId::NULL {
                    return if N { Ok(Self(alg)) } else { Err(WireError::$err) };
                }
                if Self::ACCEPTS.contains(&alg) && p.alg_enabled(alg.0) {
                    Ok(Self(alg))
                } else {
                    Err(WireError::$err)
                }
            }

            /// The algorithm.
            pub const fn alg(self) -> TpmAlgId {
                self.0
            }

            /// True for TPM_ALG_NULL (only possible with `NULL`).
            pub fn is_null(self) -> bool {
                self.0 == TpmAlgId::NULL
            }
        }

        impl $name<false> {
            $(
                #[doc = concat!("TPM_ALG_", stringify!($alg), ".")]
                pub const $alg: Self = Self(TpmAlgId::$alg);
            )*

            /// The same algorithm in the type that also admits TPM_ALG_NULL.
            pub const fn nullable(self) -> $name<true> {
                $name(self.0)
            }
        }

        impl $name<true> {
            /// TPM_ALG_NULL.
            pub const NULL: Self = Self(TpmAlgId::NULL);

            /// The same algorithm as the type without null, or `None` for TPM_ALG_NULL.
            pub fn non_null(self) -> Option<$name<false>> {
                if self.is_null() { None } else { Some($name(self.0)) }
            }
        }

        impl From<$name<false>> for $name<true> {
            fn from(v: $name<false>) -> Self {
                $name(v.0)
            }
        }

        impl<const N: bool> From<$name<N>> for TpmAlgId {
            fn from(v: $name<N>) -> Self {
                v.0
            }
        }

        impl<const N: bool> Marshal for $name<N> {
            fn marshal(&self, w: &mut Writer<'_>) {
                self.0.marshal(w);
            }
        }

        impl<'a, const N: bool> Unmarshal<'a> for $name<N> {
            fn unmarshal(r: &mut Reader<'a>, p: &Profile) -> Result<Self, WireError> {
                Self::new(TpmAlgId::unmarshal(r, p)?, p)
            }
        }

        #[cfg(any(test, feature = "proptest"))]
        impl<const N: bool> proptest::arbitrary::Arbitrary for $name<N> {
            type Parameters = ();
            type Strategy = proptest::strategy::BoxedStrategy<Self>;

            fn arbitrary_with(_: ()) -> Self::Strategy {
                use proptest::strategy::Strategy;
                let mut all: Vec<Self> = Self::ACCEPTS.iter().map(|a| Self(*a)).collect();
                if N {
                    all.push(Self(TpmAlgId::NULL));
                }
                proptest::sample::select(all).boxed()
            }
        }
    };
    (
        $(#[$meta:meta])*
        plain $name:ident, err = $err:ident, accepts = [$($alg:ident),* $(,)?]
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub struct $name(pub TpmAlgId);

        impl $name {
            /// The algorithms this type lists; the profile decides which are accepted.
            pub const ACCEPTS: &'static [TpmAlgId] = &[$(TpmAlgId::$alg),*];

            /// The error an unlisted or disabled algorithm gives.
            pub const ERROR: WireError = WireError::$err;

            $(
                #[doc = concat!("TPM_ALG_", stringify!($alg), ".")]
                pub const $alg: Self = Self(TpmAlgId::$alg);
            )*

            /// Validate `alg` as unmarshalling does.
            ///
            /// # Errors
            /// [`Self::ERROR`] when `alg` is not listed or not enabled in `p`.
            pub fn new(alg: TpmAlgId, p: &Profile) -> Result<Self, WireError> {
                if Self::ACCEPTS.contains(&alg) && p.alg_enabled(alg.0) {
                    Ok(Self(alg))
                } else {
                    Err(WireError::$err)
                }
            }

            /// The algorithm.
            pub const fn alg(self) -> TpmAlgId {
                self.0
            }
        }

        impl From<$name> for TpmAlgId {
            fn from(v: $name) -> Self {
                v.0
            }
        }

        impl Marshal for $name {
            fn marshal(&self, w: &mut Writer<'_>) {
                self.0.marshal(w);
            }
        }

        impl<'a> Unmarshal<'a> for $name {
            fn unmarshal(r: &mut Reader<'a>, p: &Profile) -> Result<Self, WireError> {
                Self::new(TpmAlgId::unmarshal(r, p)?, p)
            }
        }

        #[cfg(any(test, feature = "proptest"))]
        impl proptest::arbitrary::Arbitrary for $name {
            type Parameters = ();
            type Strategy = proptest::strategy::BoxedStrategy<Self>;

            fn arbitrary_with(_: ()) -> Self::Strategy {
                use proptest::strategy::Strategy;
                let all: Vec<Self> = Self::ACCEPTS.iter().map(|a| Self(*a)).collect();
                proptest::sample::select(all).boxed()
            }
        }
    };
}

tpmi_alg! {
    /// TPMI_ALG_HASH (TPM 2.0 Part 2 §9.27): a hash algorithm; anything else is
    /// TPM_RC_HASH (libtpms `TPMI_ALG_HASH_Unmarshal`).
    #[doc(alias = "TPMI_ALG_HASH")]
    nullable TpmiAlgHash, err = Hash, accepts = [SHA1, SHA256, SHA384, SHA512, SM3_256]
}

impl<const N: bool> TpmiAlgHash<N> {
    /// The digest size in bytes (TPM 2.0 Part 2 §10.3.1, TPMU_HA); 0 for TPM_ALG_NULL.
    pub fn digest_size(self) -> usize {
        digest_size(self.0)
    }
}

/// The digest size of hash algorithm `alg` in bytes, 0 for TPM_ALG_NULL and non-hashes
/// (TPM 2.0 Part 2 §10.3.1, TPMU_HA).
pub fn digest_size(alg: TpmAlgId) -> usize {
    match alg {
        TpmAlgId::SHA1 => 20,
        TpmAlgId::SHA256 | TpmAlgId::SM3_256 => 32,
        TpmAlgId::SHA384 => 48,
        TpmAlgId::SHA512 => 64,
        _ => 0,
    }
}

tpmi_alg! {
    /// TPMI_ALG_ASYM (TPM 2.0 Part 2 §9.28): an asymmetric object type; anything
    /// else is TPM_RC_ASYMMETRIC.
    #[doc(alias = "TPMI_ALG_ASYM")]
    nullable TpmiAlgAsym, err = Asymmetric, accepts = [RSA, ECC]
}

tpmi_alg! {
    /// TPMI_ALG_SYM (TPM 2.0 Part 2 §9.29): a symmetric block cipher or XOR; anything
    /// else is TPM_RC_SYMMETRIC (libtpms adds TDES).
    #[doc(alias = "TPMI_ALG_SYM")]
    nullable TpmiAlgSym, err = Symmetric, accepts = [AES, SM4, CAMELLIA, TDES, XOR]
}

tpmi_alg! {
    /// TPMI_ALG_SYM_OBJECT (TPM 2.0 Part 2 §9.30): a block cipher for objects;
    /// anything else is TPM_RC_SYMMETRIC (libtpms adds TDES).
    #[doc(alias = "TPMI_ALG_SYM_OBJECT")]
    nullable TpmiAlgSymObject, err = Symmetric, accepts = [AES, SM4, CAMELLIA, TDES]
}

tpmi_alg! {
    /// TPMI_ALG_SYM_MODE (TPM 2.0 Part 2 §9.31): a block cipher mode including CMAC;
    /// anything else is TPM_RC_MODE.
    #[doc(alias = "TPMI_ALG_SYM_MODE")]
    nullable TpmiAlgSymMode, err = Mode, accepts = [CTR, OFB, CBC, CFB, ECB, CMAC]
}

tpmi_alg! {
    /// TPMI_ALG_KDF (TPM 2.0 Part 2 §9.32): a key or mask generation function;
    /// anything else is TPM_RC_KDF.
    #[doc(alias = "TPMI_ALG_KDF")]
    nullable TpmiAlgKdf, err = Kdf, accepts = [MGF1, KDF1_SP800_56A, KDF2, KDF1_SP800_108]
}

tpmi_alg! {
    /// TPMI_ALG_SIG_SCHEME (TPM 2.0 Part 2 §9.33): a signing scheme; anything else is
    /// TPM_RC_SCHEME.
    #[doc(alias = "TPMI_ALG_SIG_SCHEME")]
    nullable TpmiAlgSigScheme, err = Scheme,
    accepts = [HMAC, RSASSA, RSAPSS, ECDSA, ECDAA, SM2, ECSCHNORR]
}

tpmi_alg! {
    /// TPMI_ECC_KEY_EXCHANGE (TPM 2.0 Part 2 §9.34): an ECC key exchange scheme;
    /// anything else is TPM_RC_SCHEME.
    #[doc(alias = "TPMI_ECC_KEY_EXCHANGE")]
    nullable TpmiEccKeyExchange, err = Scheme, accepts = [ECDH, ECMQV, SM2]
}

tpmi_alg! {
    /// TPMI_ALG_MAC_SCHEME (TPM 2.0 Part 2 §9.36): a hash (HMAC) or CMAC; anything
    /// else is TPM_RC_SYMMETRIC (libtpms `TPMI_ALG_MAC_SCHEME_Unmarshal`).
    #[doc(alias = "TPMI_ALG_MAC_SCHEME")]
    nullable TpmiAlgMacScheme, err = Symmetric,
    accepts = [SHA1, SHA256, SHA384, SHA512, SM3_256, CMAC]
}

tpmi_alg! {
    /// TPMI_ALG_CIPHER_MODE (TPM 2.0 Part 2 §9.37): a block cipher mode for
    /// TPM2_EncryptDecrypt (no CMAC); anything else is TPM_RC_MODE.
    #[doc(alias = "TPMI_ALG_CIPHER_MODE")]
    nullable TpmiAlgCipherMode, err = Mode, accepts = [CTR, OFB, CBC, CFB, ECB]
}

tpmi_alg! {
    /// TPMI_ALG_PUBLIC (TPM 2.0 Part 2 §12.2.2): an object type; anything else is
    /// TPM_RC_TYPE. No null.
    #[doc(alias = "TPMI_ALG_PUBLIC")]
    plain TpmiAlgPublic, err = Type, accepts = [KEYEDHASH, RSA, ECC, SYMCIPHER]
}

tpmi_alg! {
    /// TPMI_ALG_KEYEDHASH_SCHEME (TPM 2.0 Part 2 §11.1.20): HMAC or XOR; anything
    /// else is TPM_RC_VALUE.
    #[doc(alias = "TPMI_ALG_KEYEDHASH_SCHEME")]
    nullable TpmiAlgKeyedhashScheme, err = Value, accepts = [HMAC, XOR]
}

tpmi_alg! {
    /// TPMI_ALG_ASYM_SCHEME (TPM 2.0 Part 2 §11.2.3.4): any asymmetric scheme;
    /// anything else is TPM_RC_VALUE.
    #[doc(alias = "TPMI_ALG_ASYM_SCHEME")]
    nullable TpmiAlgAsymScheme, err = Value,
    accepts = [ECDH, ECMQV, RSASSA, RSAPSS, ECDSA, ECDAA, SM2, ECSCHNORR, RSAES, OAEP]
}

tpmi_alg! {
    /// TPMI_ALG_RSA_SCHEME (TPM 2.0 Part 2 §11.2.4.1): an RSA scheme; anything else
    /// is TPM_RC_VALUE.
    #[doc(alias = "TPMI_ALG_RSA_SCHEME")]
    nullable TpmiAlgRsaScheme, err = Value, accepts = [RSASSA, RSAPSS, RSAES, OAEP]
}

tpmi_alg! {
    /// TPMI_ALG_RSA_DECRYPT (TPM 2.0 Part 2 §11.2.4.3): an RSA encryption scheme;
    /// anything else is TPM_RC_VALUE.
    #[doc(alias = "TPMI_ALG_RSA_DECRYPT")]
    nullable TpmiAlgRsaDecrypt, err = Value, accepts = [RSAES, OAEP]
}

tpmi_alg! {
    /// TPMI_ALG_ECC_SCHEME (TPM 2.0 Part 2 §11.2.5.4): an ECC signing or key
    /// exchange scheme; anything else is TPM_RC_SCHEME.
    #[doc(alias = "TPMI_ALG_ECC_SCHEME")]
    nullable TpmiAlgEccScheme, err = Scheme, accepts = [ECDSA, SM2, ECDAA, ECSCHNORR, ECDH, ECMQV]
}

/// TPMI_ECC_CURVE (TPM 2.0 Part 2 §11.2.5.5): an implemented ECC curve; anything
/// else, or a curve the profile disables, is TPM_RC_CURVE (libtpms `TPMI_ECC_CURVE_Unmarshal`,
/// which adds BN P638 and the NIST P192/P224/P521 curves).
#[doc(alias = "TPMI_ECC_CURVE")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TpmiEccCurve(pub TpmEccCurve);

impl TpmiEccCurve {
    /// The curves libtpms implements; the profile decides which are accepted.
    pub const ACCEPTS: &'static [TpmEccCurve] = &[
        TpmEccCurve::BN_P256,
        TpmEccCurve::BN_P638,
        TpmEccCurve::NIST_P192,
        TpmEccCurve::NIST_P224,
        TpmEccCurve::NIST_P256,
        TpmEccCurve::NIST_P384,
        TpmEccCurve::NIST_P521,
        TpmEccCurve::SM2_P256,
    ];

    /// TPM_ECC_NIST_P256.
    pub const NIST_P256: Self = Self(TpmEccCurve::NIST_P256);
    /// TPM_ECC_NIST_P384.
    pub const NIST_P384: Self = Self(TpmEccCurve::NIST_P384);

    /// Validate `curve` as unmarshalling does.
    ///
    /// # Errors
    /// [`WireError::Curve`] when `curve` is not implemented or not enabled in `p`.
    pub fn new(curve: TpmEccCurve, p: &Profile) -> Result<Self, WireError> {
        if Self::ACCEPTS.contains(&curve) && p.curve_enabled(curve.0) {
            Ok(Self(curve))
        } else {
            Err(WireError::Curve)
        }
    }

    /// The curve.
    pub const fn curve(self) -> TpmEccCurve {
        self.0
    }
}

impl From<TpmiEccCurve> for TpmEccCurve {
    fn from(v: TpmiEccCurve) -> Self {
        v.0
    }
}

impl Marshal for TpmiEccCurve {
    fn marshal(&self, w: &mut Writer<'_>) {
        self.0.marshal(w);
    }
}

impl<'a> Unmarshal<'a> for TpmiEccCurve {
    fn unmarshal(r: &mut Reader<'a>, p: &Profile) -> Result<Self, WireError> {
        Self::new(TpmEccCurve::unmarshal(r, p)?, p)
    }
}

#[cfg(any(test, feature = "proptest"))]
impl proptest::arbitrary::Arbitrary for TpmiEccCurve {
    type Parameters = ();
    type Strategy = proptest::strategy::BoxedStrategy<Self>;

    fn arbitrary_with(_: ()) -> Self::Strategy {
        use proptest::strategy::Strategy;
        proptest::sample::select(Self::ACCEPTS)
            .prop_map(Self)
            .boxed()
    }
}

/// Declares a key-size newtype over TPM_KEY_BITS (`u16`) accepting a fixed list; anything else
/// is TPM_RC_VALUE.
macro_rules! tpmi_key_bits {
    (
        $(#[$meta:meta])*
        $name:ident, alg = $alg:literal, accepts = [$($bits:literal),* $(,)?]
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub struct $name(pub u16);

        impl $name {
            /// The key sizes this type accepts, in bits.
            pub const ACCEPTS: &'static [u16] = &[$($bits),*];

            /// Validate `bits` as unmarshalling does.
            ///
            /// # Errors
            /// [`WireError::Value`] when `bits` is not listed.
            pub fn new(bits: u16) -> Result<Self, WireError> {
                if Self::ACCEPTS.contains(&bits) {
                    Ok(Self(bits))
                } else {
                    Err(WireError::Value)
                }
            }

            /// The key size in bits.
            pub const fn bits(self) -> u16 {
                self.0
            }

            /// The key size in bytes, rounded up.
            pub const fn bytes(self) -> usize {
                (self.0 as usize).div_ceil(8)
            }
        }

        impl From<$name> for u16 {
            fn from(v: $name) -> Self {
                v.0
            }
        }

        impl Marshal for $name {
            fn marshal(&self, w: &mut Writer<'_>) {
                w.u16(self.0);
            }
        }

        impl<'a> Unmarshal<'a> for $name {
            /// A listed size that the profile switches off (e.g. AES-192 in libtpms 0.9) is
            /// TPM_RC_VALUE too.
            fn unmarshal(r: &mut Reader<'a>, p: &Profile) -> Result<Self, WireError> {
                let v = Self::new(r.read_u16()?)?;
                if p.key_size_enabled($alg, v.0) {
                    Ok(v)
                } else {
                    Err(WireError::Value)
                }
            }
        }

        #[cfg(any(test, feature = "proptest"))]
        impl proptest::arbitrary::Arbitrary for $name {
            type Parameters = ();
            type Strategy = proptest::strategy::BoxedStrategy<Self>;

            fn arbitrary_with(_: ()) -> Self::Strategy {
                use proptest::strategy::Strategy;
                proptest::sample::select(Self::ACCEPTS).prop_map(Self).boxed()
            }
        }
    };
}

tpmi_key_bits! {
    /// TPMI_RSA_KEY_BITS (TPM 2.0 Part 2 §11.2.4.6): 1024, 2048, 3072 or 4096
    /// (libtpms `TPMI_RSA_KEY_BITS_Unmarshal`, 4096 since libtpms 0.10); else TPM_RC_VALUE.
    #[doc(alias = "TPMI_RSA_KEY_BITS")]
    TpmiRsaKeyBits, alg = 0x0001, accepts = [1024, 2048, 3072, 4096]
}

tpmi_key_bits! {
    /// TPMI_AES_KEY_BITS (TPM 2.0 Part 2 §11.1.3): 128, 192 or 256; else
    /// TPM_RC_VALUE.
    #[doc(alias = "TPMI_AES_KEY_BITS")]
    TpmiAesKeyBits, alg = 0x0006, accepts = [128, 192, 256]
}

tpmi_key_bits! {
    /// TPMI_SM4_KEY_BITS (TPM 2.0 Part 2 §11.1.3): 128; else TPM_RC_VALUE.
    #[doc(alias = "TPMI_SM4_KEY_BITS")]
    TpmiSm4KeyBits, alg = 0x0013, accepts = [128]
}

tpmi_key_bits! {
    /// TPMI_CAMELLIA_KEY_BITS (TPM 2.0 Part 2 §11.1.3): 128, 192 or 256; else
    /// TPM_RC_VALUE.
    #[doc(alias = "TPMI_CAMELLIA_KEY_BITS")]
    TpmiCamelliaKeyBits, alg = 0x0026, accepts = [128, 192, 256]
}

tpmi_key_bits! {
    /// TPMI_TDES_KEY_BITS (libtpms addition beside TPM 2.0 Part 2 §11.1.3): 128 or
    /// 192; else TPM_RC_VALUE.
    #[doc(alias = "TPMI_TDES_KEY_BITS")]
    TpmiTdesKeyBits, alg = 0x0003, accepts = [128, 192]
}

/// Binds a union member's payload in a pattern or expression (helper of [`tpmu!`]).
macro_rules! tpmu_bind {
    ($v:ident $t:ty) => {
        $v
    };
}
pub(crate) use tpmu_bind;

/// Declares a TPMU union as a Rust enum whose variant is the selected member.
///
/// Emits `selector()` (the selector value naming the variant), `unmarshal_selected(selector,
/// r, p)` (reads the member `selector` picks; a selector the union does not list is
/// [`WireError::Selector`], as libtpms `TPMU_*_Unmarshal` does) and `Marshal`, which writes the
/// member only (the selector is the enclosing TPMT's field). Derives are the caller's.
macro_rules! tpmu {
    (
        $(#[$meta:meta])*
        pub enum $name:ident: $selty:ident {
            $( $(#[$vmeta:meta])* $sel:ident => $var:ident $( ( $ty:ty ) )? ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        pub enum $name {
            $( $(#[$vmeta])* $var $( ($ty) )? ),*
        }

        impl $name {
            /// The selector value that picks this member.
            pub fn selector(&self) -> $selty {
                match self {
                    $( Self::$var { .. } => $selty::$sel, )*
                }
            }

            /// Read the member `selector` picks.
            ///
            /// # Errors
            /// [`WireError::Selector`](::tpm_wire::WireError::Selector) for a selector this union
            /// does not list; whatever the member's unmarshal returns.
            pub fn unmarshal_selected<'a>(
                selector: $selty,
                r: &mut ::tpm_wire::Reader<'a>,
                p: &::tpm_wire::Profile,
            ) -> Result<Self, ::tpm_wire::WireError> {
                let _ = (&r, p);
                match selector {
                    $(
                        $selty::$sel => Ok(Self::$var $( (
                            <$ty as ::tpm_wire::Unmarshal<'a>>::unmarshal(r, p)?
                        ) )?),
                    )*
                    _ => Err(::tpm_wire::WireError::Selector),
                }
            }
        }

        impl ::tpm_wire::Marshal for $name {
            fn marshal(&self, w: &mut ::tpm_wire::Writer<'_>) {
                let _ = &w;
                match self {
                    $(
                        Self::$var $( ($crate::algorithms::tpmu_bind!(v $ty)) )? => {
                            $( ::tpm_wire::Marshal::marshal(
                                $crate::algorithms::tpmu_bind!(v $ty), w); )?
                        }
                    )*
                }
            }
        }
    };
}
pub(crate) use tpmu;

/// `Marshal` and `Unmarshal` for a TPMT made of a conditional-null selector (a `tpmi_alg!`
/// type with the `NULL` const generic) followed by the unions it selects:
/// `tpmt!(TpmtSymDef { algorithm: TpmiAlgSym, key_bits: TpmuSymKeyBits, mode: TpmuSymMode })`.
/// The selector is validated first; each union then reads the member it picks.
macro_rules! tpmt {
    ($name:ident { $sel:ident: $selty:ident, $( $field:ident: $uty:ty ),+ $(,)? }) => {
        impl<const N: bool> ::tpm_wire::Marshal for $name<N> {
            fn marshal(&self, w: &mut ::tpm_wire::Writer<'_>) {
                let $name { $sel, $($field),+ } = self;
                ::tpm_wire::Marshal::marshal($sel, w);
                $( ::tpm_wire::Marshal::marshal($field, w); )+
            }
        }

        impl<'a, const N: bool> ::tpm_wire::Unmarshal<'a> for $name<N> {
            fn unmarshal(
                r: &mut ::tpm_wire::Reader<'a>,
                p: &::tpm_wire::Profile,
            ) -> Result<Self, ::tpm_wire::WireError> {
                let $sel = <$selty<N> as ::tpm_wire::Unmarshal<'a>>::unmarshal(r, p)?;
                $( let $field = <$uty>::unmarshal_selected($sel.0, r, p)?; )+
                Ok($name { $sel, $($field),+ })
            }
        }
    };
}
pub(crate) use tpmt;

/// Declares a public TPM2B byte buffer as a newtype over [`tpm_wire::SizedBuf`]: wire form,
/// `new`, `Deref` to the bytes, and (for tests and the `proptest` feature) `Arbitrary`.
macro_rules! tpm2b_bytes {
    ($(#[$meta:meta])* $name:ident, $max:expr) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
        pub struct $name(pub ::tpm_wire::SizedBuf<{ $max }>);

        impl $name {
            /// The most bytes the buffer holds.
            pub const MAX: usize = $max;

            /// A buffer holding a copy of `data`.
            ///
            /// # Errors
            /// [`WireError::Size`](::tpm_wire::WireError::Size) when `data` is longer than
            /// [`Self::MAX`].
            pub fn new(data: &[u8]) -> Result<Self, ::tpm_wire::WireError> {
                Ok(Self(::tpm_wire::SizedBuf::new(data)?))
            }

            /// The bytes.
            pub fn as_slice(&self) -> &[u8] {
                self.0.as_slice()
            }
        }

        impl ::core::ops::Deref for $name {
            type Target = [u8];
            fn deref(&self) -> &[u8] {
                self.0.as_slice()
            }
        }

        ::tpm_wire::wire_newtype!($name(::tpm_wire::SizedBuf<{ $max }>));

        #[cfg(any(test, feature = "proptest"))]
        impl ::proptest::arbitrary::Arbitrary for $name {
            type Parameters = ();
            type Strategy = ::proptest::strategy::BoxedStrategy<Self>;

            fn arbitrary_with(_: ()) -> Self::Strategy {
                use ::proptest::strategy::Strategy;
                ::proptest::collection::vec(::proptest::num::u8::ANY, 0..=$max)
                    .prop_map(|v| Self::new(&v).unwrap_or_default())
                    .boxed()
            }
        }
    };
}
pub(crate) use tpm2b_bytes;

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use tpm_wire::{from_bytes, to_vec};

    /// Any element of `list`.
    pub(crate) fn pick<T: Copy + core::fmt::Debug + 'static>(
        list: &'static [T],
    ) -> impl Strategy<Value = T> + Clone {
        proptest::sample::select(list)
    }

    /// A non-null hash (SHA-1/256/384/512, SM3-256).
    pub(crate) fn any_hash() -> impl Strategy<Value = TpmiAlgHash> + Clone {
        pick(TpmiAlgHash::<false>::ACCEPTS).prop_map(TpmiAlgHash)
    }

    /// A hash or TPM_ALG_NULL.
    pub(crate) fn any_hash_or_null() -> impl Strategy<Value = TpmiAlgHash<true>> + Clone {
        prop_oneof![
            Just(TpmiAlgHash::<true>::NULL),
            any_hash().prop_map(TpmiAlgHash::<true>::from)
        ]
    }

    /// A KDF or TPM_ALG_NULL.
    pub(crate) fn any_kdf_or_null() -> impl Strategy<Value = TpmiAlgKdf<true>> + Clone {
        prop_oneof![
            Just(TpmiAlgKdf::<true>::NULL),
            pick(TpmiAlgKdf::<true>::ACCEPTS).prop_map(TpmiAlgKdf)
        ]
    }

    /// A symmetric block-cipher mode or TPM_ALG_NULL.
    pub(crate) fn any_sym_mode_or_null() -> impl Strategy<Value = TpmiAlgSymMode<true>> + Clone {
        prop_oneof![
            Just(TpmiAlgSymMode::<true>::NULL),
            pick(TpmiAlgSymMode::<true>::ACCEPTS).prop_map(TpmiAlgSymMode)
        ]
    }

    /// An implemented curve.
    pub(crate) fn any_curve() -> impl Strategy<Value = TpmiEccCurve> + Clone {
        pick(TpmiEccCurve::ACCEPTS).prop_map(TpmiEccCurve)
    }

    fn round_trip<T>(v: &T)
    where
        T: Marshal + for<'a> Unmarshal<'a> + PartialEq + core::fmt::Debug,
    {
        let bytes = to_vec(v);
        assert_eq!(&from_bytes::<T>(&bytes, &Profile::ALL).unwrap(), v);
    }

    /// Every listed value of every TPMI type round-trips; every unlisted one gives the type's
    /// error.
    macro_rules! check_all {
        ($($t:ty),*) => {$(
            for id in 0..=0x0050u16 {
                let bytes = id.to_be_bytes();
                let got = from_bytes::<$t>(&bytes, &Profile::ALL);
                if <$t>::ACCEPTS.contains(&TpmAlgId(id)) {
                    assert_eq!(got.unwrap().0, TpmAlgId(id), "{}", stringify!($t));
                } else {
                    assert_eq!(got, Err(<$t>::ERROR), "{} {id:#x}", stringify!($t));
                }
            }
        )*};
    }

    #[test]
    fn lists_and_errors() {
        check_all!(
            TpmiAlgHash,
            TpmiAlgAsym,
            TpmiAlgSym,
            TpmiAlgSymObject,
            TpmiAlgSymMode,
            TpmiAlgKdf,
            TpmiAlgSigScheme,
            TpmiEccKeyExchange,
            TpmiAlgMacScheme,
            TpmiAlgCipherMode,
            TpmiAlgPublic,
            TpmiAlgKeyedhashScheme,
            TpmiAlgAsymScheme,
            TpmiAlgRsaScheme,
            TpmiAlgRsaDecrypt,
            TpmiAlgEccScheme
        );
        assert_eq!(TpmiAlgHash::<false>::ERROR, WireError::Hash);
        assert_eq!(TpmiAlgSym::<false>::ERROR, WireError::Symmetric);
        assert_eq!(TpmiAlgSymMode::<false>::ERROR, WireError::Mode);
        assert_eq!(TpmiAlgKdf::<false>::ERROR, WireError::Kdf);
        assert_eq!(TpmiAlgSigScheme::<false>::ERROR, WireError::Scheme);
        assert_eq!(TpmiAlgMacScheme::<false>::ERROR, WireError::Symmetric);
        assert_eq!(TpmiAlgPublic::ERROR, WireError::Type);
        assert_eq!(TpmiAlgRsaScheme::<false>::ERROR, WireError::Value);
        assert_eq!(TpmiAlgEccScheme::<false>::ERROR, WireError::Scheme);
        assert_eq!(TpmiAlgAsym::<false>::ERROR, WireError::Asymmetric);
    }

    #[test]
    fn conditional_null() {
        let null = [0x00, 0x10];
        let p = Profile::ALL;
        assert_eq!(from_bytes::<TpmiAlgHash>(&null, &p), Err(WireError::Hash));
        assert_eq!(
            from_bytes::<TpmiAlgHash<true>>(&null, &p),
            Ok(TpmiAlgHash::<true>::NULL)
        );
        assert_eq!(
            from_bytes::<TpmiAlgSym>(&null, &p),
            Err(WireError::Symmetric)
        );
        assert_eq!(
            from_bytes::<TpmiAlgSymMode>(&null, &p),
            Err(WireError::Mode)
        );
        assert_eq!(from_bytes::<TpmiAlgKdf>(&null, &p), Err(WireError::Kdf));
        assert_eq!(
            from_bytes::<TpmiAlgSigScheme>(&null, &p),
            Err(WireError::Scheme)
        );
        assert_eq!(
            from_bytes::<TpmiAlgRsaScheme>(&null, &p),
            Err(WireError::Value)
        );
        assert_eq!(from_bytes::<TpmiAlgPublic>(&null, &p), Err(WireError::Type));
        assert!(
            from_bytes::<TpmiAlgEccScheme<true>>(&null, &p)
                .unwrap()
                .is_null()
        );
        assert_eq!(TpmiAlgHash::<true>::NULL.non_null(), None);
        assert_eq!(
            TpmiAlgHash::SHA256.nullable().non_null(),
            Some(TpmiAlgHash::SHA256)
        );
        // Null is never judged by the profile.
        assert!(from_bytes::<TpmiAlgHash<true>>(&null, &Profile::NONE).is_ok());
    }

    #[test]
    fn disabled_in_profile() {
        let sha256 = [0x00, 0x0B];
        let p = Profile::ALL.without_alg(0x000B);
        assert_eq!(from_bytes::<TpmiAlgHash>(&sha256, &p), Err(WireError::Hash));
        assert_eq!(
            from_bytes::<TpmiAlgHash<true>>(&sha256, &p),
            Err(WireError::Hash)
        );
        assert_eq!(
            from_bytes::<TpmiAlgMacScheme>(&sha256, &p),
            Err(WireError::Symmetric)
        );
        let aes = [0x00, 0x06];
        let p = Profile::ALL.without_alg(0x0006);
        assert_eq!(
            from_bytes::<TpmiAlgSymObject>(&aes, &p),
            Err(WireError::Symmetric)
        );
        let p256 = [0x00, 0x03];
        assert_eq!(
            from_bytes::<TpmiEccCurve>(&p256, &Profile::ALL.without_curve(3)),
            Err(WireError::Curve)
        );
        assert_eq!(
            from_bytes::<TpmiEccCurve>(&p256, &Profile::ALL),
            Ok(TpmiEccCurve::NIST_P256)
        );
    }

    #[test]
    fn curves() {
        for id in 0..=0x0030u16 {
            let got = from_bytes::<TpmiEccCurve>(&id.to_be_bytes(), &Profile::ALL);
            if TpmiEccCurve::ACCEPTS.contains(&TpmEccCurve(id)) {
                assert_eq!(got, Ok(TpmiEccCurve(TpmEccCurve(id))));
            } else {
                assert_eq!(got, Err(WireError::Curve), "{id:#x}");
            }
        }
    }

    #[test]
    fn key_bits() {
        let p = Profile::ALL;
        for bits in [0u16, 1, 512, 1023, 1536, 8192, 16384, 0xFFFF] {
            let b = bits.to_be_bytes();
            assert_eq!(from_bytes::<TpmiRsaKeyBits>(&b, &p), Err(WireError::Value));
        }
        for bits in [1024u16, 2048, 3072, 4096] {
            let b = bits.to_be_bytes();
            assert_eq!(
                from_bytes::<TpmiRsaKeyBits>(&b, &p),
                Ok(TpmiRsaKeyBits(bits))
            );
        }
        assert_eq!(
            from_bytes::<TpmiAesKeyBits>(&[0, 64], &p),
            Err(WireError::Value)
        );
        assert_eq!(
            from_bytes::<TpmiAesKeyBits>(&[0, 192], &p),
            Ok(TpmiAesKeyBits(192))
        );
        assert_eq!(
            from_bytes::<TpmiSm4KeyBits>(&[1, 0], &p),
            Err(WireError::Value)
        );
        assert_eq!(
            from_bytes::<TpmiTdesKeyBits>(&[1, 0], &p),
            Err(WireError::Value)
        );
        assert_eq!(
            from_bytes::<TpmiCamelliaKeyBits>(&[1, 0], &p),
            Ok(TpmiCamelliaKeyBits(256))
        );
        assert_eq!(TpmiRsaKeyBits(3072).bytes(), 384);
    }

    #[test]
    fn truncated() {
        let p = Profile::ALL;
        assert_eq!(
            from_bytes::<TpmiAlgHash>(&[0x00], &p),
            Err(WireError::Insufficient)
        );
        assert_eq!(
            from_bytes::<TpmiEccCurve>(&[], &p),
            Err(WireError::Insufficient)
        );
        assert_eq!(
            from_bytes::<TpmiRsaKeyBits>(&[0x08], &p),
            Err(WireError::Insufficient)
        );
        assert_eq!(
            from_bytes::<TpmiAlgHash>(&[0x00, 0x0B, 0x00], &p),
            Err(WireError::Trailing)
        );
    }

    #[test]
    fn digest_sizes() {
        assert_eq!(TpmiAlgHash::SHA1.digest_size(), 20);
        assert_eq!(TpmiAlgHash::SHA256.digest_size(), 32);
        assert_eq!(TpmiAlgHash::SHA384.digest_size(), 48);
        assert_eq!(TpmiAlgHash::SHA512.digest_size(), 64);
        assert_eq!(TpmiAlgHash::<true>::NULL.digest_size(), 0);
    }

    proptest! {
        #[test]
        fn hash_round_trip(h in any_hash(), hn in any_hash_or_null()) {
            round_trip(&h);
            round_trip(&hn);
        }

        #[test]
        fn misc_round_trip(
            k in any_kdf_or_null(),
            m in any_sym_mode_or_null(),
            c in any_curve(),
            rsa in pick(TpmiRsaKeyBits::ACCEPTS).prop_map(TpmiRsaKeyBits),
            aes in pick(TpmiAesKeyBits::ACCEPTS).prop_map(TpmiAesKeyBits),
            t in pick(TpmiAlgPublic::ACCEPTS).prop_map(TpmiAlgPublic),
        ) {
            round_trip(&k);
            round_trip(&m);
            round_trip(&c);
            round_trip(&rsa);
            round_trip(&aes);
            round_trip(&t);
        }

        #[test]
        fn any_id_never_panics(id in any::<u16>()) {
            let b = id.to_be_bytes();
            let _ = from_bytes::<TpmiAlgHash<true>>(&b, &Profile::ALL);
            let _ = from_bytes::<TpmiEccCurve>(&b, &Profile::ALL);
            let _ = from_bytes::<TpmiRsaKeyBits>(&b, &Profile::ALL);
        }
    }
}
