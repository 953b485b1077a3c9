//! Symmetric algorithm parameters and the keyed-hash schemes (TPM 2.0 Part 2 §11.1, rev 1.59
//! as libtpms implements it): symmetric definitions, symmetric keys, sensitive creation data,
//! key derivation labels and the hash-based scheme structures.
//!
//! Unions are Rust enums whose variant is the selected member (see `tpmu!` in
//! `algorithms.rs`); the TPMT structures keep the selector as their first field, as Part 2
//! lays them out, and read each union with the member it picks.

use tpm_wire::{Marshal, Profile, Reader, Unmarshal, WireError, wire_sized, wire_struct};

use crate::algorithms::{tpm2b_bytes, tpmt, tpmu};
use crate::{
    LABEL_MAX_BUFFER, MAX_SYM_DATA, MAX_SYM_KEY_BYTES, SecretBuf, Tpm2bAuth, TpmAlgId,
    TpmiAesKeyBits, TpmiAlgHash, TpmiAlgKdf, TpmiAlgKeyedhashScheme, TpmiAlgSym, TpmiAlgSymMode,
    TpmiAlgSymObject, TpmiCamelliaKeyBits, TpmiSm4KeyBits, TpmiTdesKeyBits,
};

tpmu! {
    /// TPMU_SYM_KEY_BITS (TPM 2.0 Part 2 §11.1.4): the key size of the selected symmetric
    /// algorithm, or the hash of XOR obfuscation.
    #[doc(alias = "TPMU_SYM_KEY_BITS")]
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
    pub enum TpmuSymKeyBits: TpmAlgId {
        /// TPM_ALG_AES: `aes`.
        AES => Aes(TpmiAesKeyBits),
        /// TPM_ALG_SM4: `sm4`.
        SM4 => Sm4(TpmiSm4KeyBits),
        /// TPM_ALG_CAMELLIA: `camellia`.
        CAMELLIA => Camellia(TpmiCamelliaKeyBits),
        /// TPM_ALG_TDES (libtpms addition): `tdes`.
        TDES => Tdes(TpmiTdesKeyBits),
        /// TPM_ALG_XOR: `xor`, the hash used by XOR obfuscation (no null).
        XOR => Xor(TpmiAlgHash),
        /// TPM_ALG_NULL: no member.
        NULL => Null,
    }
}

tpmu! {
    /// TPMU_SYM_MODE (TPM 2.0 Part 2 §11.1.5): the block cipher mode of the selected
    /// algorithm (TPM_ALG_NULL allowed); XOR and NULL have none.
    #[doc(alias = "TPMU_SYM_MODE")]
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
    pub enum TpmuSymMode: TpmAlgId {
        /// TPM_ALG_AES: `aes`.
        AES => Aes(TpmiAlgSymMode<true>),
        /// TPM_ALG_SM4: `sm4`.
        SM4 => Sm4(TpmiAlgSymMode<true>),
        /// TPM_ALG_CAMELLIA: `camellia`.
        CAMELLIA => Camellia(TpmiAlgSymMode<true>),
        /// TPM_ALG_TDES (libtpms addition): `tdes`.
        TDES => Tdes(TpmiAlgSymMode<true>),
        /// TPM_ALG_XOR: no member.
        XOR => Xor,
        /// TPM_ALG_NULL: no member.
        NULL => Null,
    }
}

tpmu! {
    /// TPMU_SYM_DETAILS (TPM 2.0 Part 2 §11.1.6): additional details of a symmetric
    /// algorithm; empty for every algorithm this TPM implements (and commented out of
    /// TPMT_SYM_DEF), so it never reads or writes a byte.
    #[doc(alias = "TPMU_SYM_DETAILS")]
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
    pub enum TpmuSymDetails: TpmAlgId {
        /// TPM_ALG_AES.
        AES => Aes,
        /// TPM_ALG_SM4.
        SM4 => Sm4,
        /// TPM_ALG_CAMELLIA.
        CAMELLIA => Camellia,
        /// TPM_ALG_TDES.
        TDES => Tdes,
        /// TPM_ALG_XOR.
        XOR => Xor,
        /// TPM_ALG_NULL.
        NULL => Null,
    }
}

/// TPMT_SYM_DEF (TPM 2.0 Part 2 §11.1.7): a symmetric algorithm, its key size and mode, as
/// used for session parameter encryption (TPM2_StartAuthSession). With `NULL` the algorithm
/// may be TPM_ALG_NULL (`TPMT_SYM_DEF+`).
///
/// The union members must be those `algorithm` selects; unmarshalling guarantees it.
#[doc(alias = "TPMT_SYM_DEF")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TpmtSymDef<const NULL: bool = false> {
    /// `algorithm`: the symmetric algorithm (TPMI_ALG_SYM; TPM_RC_SYMMETRIC otherwise).
    pub algorithm: TpmiAlgSym<NULL>,
    /// `keyBits`: the key size, selected by `algorithm`.
    pub key_bits: TpmuSymKeyBits,
    /// `mode`: the block cipher mode, selected by `algorithm`.
    pub mode: TpmuSymMode,
}

tpmt!(TpmtSymDef {
    algorithm: TpmiAlgSym,
    key_bits: TpmuSymKeyBits,
    mode: TpmuSymMode
});

impl TpmtSymDef<true> {
    /// TPM_ALG_NULL: no symmetric algorithm.
    pub const NULL: Self = TpmtSymDef {
        algorithm: TpmiAlgSym::<true>::NULL,
        key_bits: TpmuSymKeyBits::Null,
        mode: TpmuSymMode::Null,
    };
}

impl<const N: bool> TpmtSymDef<N> {
    /// AES with `bits` and `mode`.
    pub const fn aes(bits: TpmiAesKeyBits, mode: TpmiAlgSymMode<true>) -> Self {
        TpmtSymDef {
            algorithm: TpmiAlgSym(TpmAlgId::AES),
            key_bits: TpmuSymKeyBits::Aes(bits),
            mode: TpmuSymMode::Aes(mode),
        }
    }

    /// XOR obfuscation with `hash`.
    pub const fn xor(hash: TpmiAlgHash) -> Self {
        TpmtSymDef {
            algorithm: TpmiAlgSym(TpmAlgId::XOR),
            key_bits: TpmuSymKeyBits::Xor(hash),
            mode: TpmuSymMode::Xor,
        }
    }

    /// True when the union members are those `algorithm` selects (always so after
    /// unmarshalling; a hand-built value may break it).
    pub fn is_consistent(&self) -> bool {
        self.key_bits.selector() == self.algorithm.0 && self.mode.selector() == self.algorithm.0
    }
}

/// TPMT_SYM_DEF_OBJECT (TPM 2.0 Part 2 §11.1.8): the symmetric algorithm of an object: a
/// block cipher (no XOR), its key size and mode. With `NULL` the algorithm may be TPM_ALG_NULL
/// (`TPMT_SYM_DEF_OBJECT+`, as in the parameters of asymmetric keys).
#[doc(alias = "TPMT_SYM_DEF_OBJECT")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TpmtSymDefObject<const NULL: bool = false> {
    /// `algorithm`: the block cipher (TPMI_ALG_SYM_OBJECT; TPM_RC_SYMMETRIC otherwise).
    pub algorithm: TpmiAlgSymObject<NULL>,
    /// `keyBits`: the key size, selected by `algorithm`.
    pub key_bits: TpmuSymKeyBits,
    /// `mode`: the block cipher mode, selected by `algorithm`.
    pub mode: TpmuSymMode,
}

tpmt!(TpmtSymDefObject {
    algorithm: TpmiAlgSymObject,
    key_bits: TpmuSymKeyBits,
    mode: TpmuSymMode
});

impl TpmtSymDefObject<true> {
    /// TPM_ALG_NULL: no symmetric algorithm (a non-storage key).
    pub const NULL: Self = TpmtSymDefObject {
        algorithm: TpmiAlgSymObject::<true>::NULL,
        key_bits: TpmuSymKeyBits::Null,
        mode: TpmuSymMode::Null,
    };
}

impl<const N: bool> TpmtSymDefObject<N> {
    /// AES with `bits` and `mode` (the storage-key choice is AES-128/256 in CFB mode).
    pub const fn aes(bits: TpmiAesKeyBits, mode: TpmiAlgSymMode<true>) -> Self {
        TpmtSymDefObject {
            algorithm: TpmiAlgSymObject(TpmAlgId::AES),
            key_bits: TpmuSymKeyBits::Aes(bits),
            mode: TpmuSymMode::Aes(mode),
        }
    }

    /// True when the union members are those `algorithm` selects.
    pub fn is_consistent(&self) -> bool {
        self.key_bits.selector() == self.algorithm.0 && self.mode.selector() == self.algorithm.0
    }
}

impl From<TpmtSymDefObject<false>> for TpmtSymDefObject<true> {
    fn from(v: TpmtSymDefObject<false>) -> Self {
        TpmtSymDefObject {
            algorithm: v.algorithm.into(),
            key_bits: v.key_bits,
            mode: v.mode,
        }
    }
}

/// TPM2B_SYM_KEY (TPM 2.0 Part 2 §11.1.9): a symmetric key of at most MAX_SYM_KEY_BYTES;
/// secret (erased on drop). A longer size is TPM_RC_SIZE.
#[doc(alias = "TPM2B_SYM_KEY")]
pub type Tpm2bSymKey = SecretBuf<MAX_SYM_KEY_BYTES>;

/// TPMS_SYMCIPHER_PARMS (TPM 2.0 Part 2 §11.1.10): the parameters of a symmetric block
/// cipher object; the algorithm may not be TPM_ALG_NULL.
#[doc(alias = "TPMS_SYMCIPHER_PARMS")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TpmsSymcipherParms {
    /// `sym`: the cipher, key size and mode.
    pub sym: TpmtSymDefObject,
}

wire_struct!(TpmsSymcipherParms { sym });

tpm2b_bytes! {
    /// TPM2B_LABEL (TPM 2.0 Part 2 §11.1.11): a KDF label or context of at most
    /// LABEL_MAX_BUFFER (32) bytes; a longer size is TPM_RC_SIZE.
    #[doc(alias = "TPM2B_LABEL")]
    Tpm2bLabel, LABEL_MAX_BUFFER
}

/// TPMS_DERIVE (TPM 2.0 Part 2 §11.1.12): the label and context of a derived object
/// (TPM2_CreateLoaded under a derivation parent).
#[doc(alias = "TPMS_DERIVE")]
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct TpmsDerive {
    /// `label`.
    pub label: Tpm2bLabel,
    /// `context`.
    pub context: Tpm2bLabel,
}

wire_struct!(TpmsDerive { label, context });

/// sizeof(TPMS_DERIVE) in the reference implementation: two TPM2B_LABELs.
pub const TPMS_DERIVE_SIZE: usize = 2 * (2 + LABEL_MAX_BUFFER);

tpm2b_bytes! {
    /// TPM2B_DERIVE (TPM 2.0 Part 2 §11.1.13): a marshalled TPMS_DERIVE in a byte buffer of
    /// at most sizeof(TPMS_DERIVE) bytes.
    #[doc(alias = "TPM2B_DERIVE")]
    Tpm2bDerive, TPMS_DERIVE_SIZE
}

/// TPMU_SENSITIVE_CREATE (TPM 2.0 Part 2 §11.1.14): how the `data` of a
/// TPMS_SENSITIVE_CREATE is read: as sealed data (`create`), or as the TPMS_DERIVE of a
/// derived object (`derive`). No selector travels on the wire: the parent decides.
#[doc(alias = "TPMU_SENSITIVE_CREATE")]
#[derive(PartialEq, Eq, Debug)]
pub enum TpmuSensitiveCreate {
    /// `create`: sensitive data to seal (secret).
    Create(Tpm2bSensitiveData),
    /// `derive`: the label and context of a derived object.
    Derive(TpmsDerive),
}

impl TpmuSensitiveCreate {
    /// sizeof(TPMU_SENSITIVE_CREATE): the larger of MAX_SYM_DATA and sizeof(TPMS_DERIVE).
    pub const SIZE: usize = if MAX_SYM_DATA > TPMS_DERIVE_SIZE {
        MAX_SYM_DATA
    } else {
        TPMS_DERIVE_SIZE
    };

    /// Interpret `data` as the `derive` member (when `derive`) or keep it as `create`.
    ///
    /// # Errors
    /// Reading TPMS_DERIVE: [`WireError::Insufficient`] for a short buffer,
    /// [`WireError::Size`] for a label over LABEL_MAX_BUFFER, [`WireError::Trailing`] when
    /// bytes remain.
    pub fn from_data(
        data: Tpm2bSensitiveData,
        derive: bool,
        p: &Profile,
    ) -> Result<Self, WireError> {
        if derive {
            Ok(Self::Derive(tpm_wire::from_bytes(data.expose(), p)?))
        } else {
            Ok(Self::Create(data))
        }
    }
}

/// TPM2B_SENSITIVE_DATA (TPM 2.0 Part 2 §11.1.15): the secret data of a data object, at most
/// MAX_SYM_DATA (128) bytes (libtpms `TPM2B_SENSITIVE_DATA_Unmarshal`); erased on drop.
#[doc(alias = "TPM2B_SENSITIVE_DATA")]
pub type Tpm2bSensitiveData = SecretBuf<MAX_SYM_DATA>;

/// TPMS_SENSITIVE_CREATE (TPM 2.0 Part 2 §11.1.16): the values placed in the sensitive area of
/// a created object.
#[doc(alias = "TPMS_SENSITIVE_CREATE")]
#[derive(PartialEq, Eq, Debug, Default)]
pub struct TpmsSensitiveCreate {
    /// `userAuth`: the USER authValue.
    pub user_auth: Tpm2bAuth,
    /// `data`: data to seal, a key to import, or the TPMS_DERIVE of a derived object.
    pub data: Tpm2bSensitiveData,
}

wire_struct!(TpmsSensitiveCreate { user_auth, data });

/// TPM2B_SENSITIVE_CREATE (TPM 2.0 Part 2 §11.1.17): TPMS_SENSITIVE_CREATE behind a 16-bit
/// size (so parameter encryption covers both fields). A zero size, or a structure that does
/// not fill the size exactly, is TPM_RC_SIZE (libtpms `TPM2B_SENSITIVE_CREATE_Unmarshal`).
#[doc(alias = "TPM2B_SENSITIVE_CREATE")]
#[derive(PartialEq, Eq, Debug, Default)]
pub struct Tpm2bSensitiveCreate {
    /// `sensitive`.
    pub sensitive: TpmsSensitiveCreate,
}

wire_sized!(Tpm2bSensitiveCreate { sensitive });

/// TPMS_SCHEME_HASH (TPM 2.0 Part 2 §11.1.18): a scheme parameterised only by its hash (no
/// null: TPM_RC_HASH).
#[doc(alias = "TPMS_SCHEME_HASH")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TpmsSchemeHash {
    /// `hashAlg`.
    pub hash_alg: TpmiAlgHash,
}

wire_struct!(TpmsSchemeHash { hash_alg });

/// TPMS_SCHEME_ECDAA (TPM 2.0 Part 2 §11.1.19): the ECDAA scheme: hash and commit count.
#[doc(alias = "TPMS_SCHEME_ECDAA")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TpmsSchemeEcdaa {
    /// `hashAlg`.
    pub hash_alg: TpmiAlgHash,
    /// `count`: the counter value from TPM2_Commit.
    pub count: u16,
}

wire_struct!(TpmsSchemeEcdaa { hash_alg, count });

/// TPMS_SCHEME_HMAC (TPM 2.0 Part 2 §11.1.21, HMAC_SIG_SCHEME): TPMS_SCHEME_HASH.
#[doc(alias = "TPMS_SCHEME_HMAC")]
pub type TpmsSchemeHmac = TpmsSchemeHash;

/// TPMS_SCHEME_XOR (TPM 2.0 Part 2 §11.1.22): XOR obfuscation: its hash (no null) and KDF
/// (null allowed).
#[doc(alias = "TPMS_SCHEME_XOR")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TpmsSchemeXor {
    /// `hashAlg`.
    pub hash_alg: TpmiAlgHash,
    /// `kdf`.
    pub kdf: TpmiAlgKdf<true>,
}

wire_struct!(TpmsSchemeXor { hash_alg, kdf });

tpmu! {
    /// TPMU_SCHEME_KEYEDHASH (TPM 2.0 Part 2 §11.1.23): the scheme details of a keyed-hash
    /// object.
    #[doc(alias = "TPMU_SCHEME_KEYEDHASH")]
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
    pub enum TpmuSchemeKeyedhash: TpmAlgId {
        /// TPM_ALG_HMAC: `hmac`.
        HMAC => Hmac(TpmsSchemeHmac),
        /// TPM_ALG_XOR: `xor`.
        XOR => Xor(TpmsSchemeXor),
        /// TPM_ALG_NULL: no member.
        NULL => Null,
    }
}

/// TPMT_KEYEDHASH_SCHEME (TPM 2.0 Part 2 §11.1.24): the scheme of a keyed-hash object; with
/// `NULL` the scheme may be TPM_ALG_NULL (as in TPMS_KEYEDHASH_PARMS). An unlisted scheme is
/// TPM_RC_VALUE.
#[doc(alias = "TPMT_KEYEDHASH_SCHEME")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TpmtKeyedhashScheme<const NULL: bool = false> {
    /// `scheme`.
    pub scheme: TpmiAlgKeyedhashScheme<NULL>,
    /// `details`, selected by `scheme`.
    pub details: TpmuSchemeKeyedhash,
}

tpmt!(TpmtKeyedhashScheme {
    scheme: TpmiAlgKeyedhashScheme,
    details: TpmuSchemeKeyedhash
});

impl TpmtKeyedhashScheme<true> {
    /// TPM_ALG_NULL: no scheme.
    pub const NULL: Self = TpmtKeyedhashScheme {
        scheme: TpmiAlgKeyedhashScheme::<true>::NULL,
        details: TpmuSchemeKeyedhash::Null,
    };
}

// Keep `Reader`, `Marshal` and `Unmarshal` in use for the hand-written helpers below.
impl TpmsDerive {
    /// Read a TPMS_DERIVE from the bytes of a TPM2B_DERIVE.
    ///
    /// # Errors
    /// As [`TpmuSensitiveCreate::from_data`].
    pub fn from_derive_buf(buf: &Tpm2bDerive, p: &Profile) -> Result<Self, WireError> {
        let mut r = Reader::new(buf.as_slice());
        let d = Self::unmarshal(&mut r, p)?;
        r.finish()?;
        Ok(d)
    }

    /// This TPMS_DERIVE marshalled into a TPM2B_DERIVE.
    ///
    /// # Errors
    /// Never in practice: two TPM2B_LABELs always fit (kept fallible, no panics).
    pub fn to_derive_buf(&self) -> Result<Tpm2bDerive, WireError> {
        let mut v = Vec::with_capacity(self.marshalled_len());
        self.marshal(&mut tpm_wire::Writer::to_vec(&mut v));
        Tpm2bDerive::new(&v)
    }
}

#[cfg(any(test, feature = "proptest"))]
mod arbitrary {
    use super::*;
    use proptest::prelude::*;

    impl Arbitrary for TpmuSymKeyBits {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;
        fn arbitrary_with(_: ()) -> Self::Strategy {
            prop_oneof![
                any::<TpmiAesKeyBits>().prop_map(Self::Aes),
                any::<TpmiSm4KeyBits>().prop_map(Self::Sm4),
                any::<TpmiCamelliaKeyBits>().prop_map(Self::Camellia),
                any::<TpmiTdesKeyBits>().prop_map(Self::Tdes),
                any::<TpmiAlgHash>().prop_map(Self::Xor),
                Just(Self::Null),
            ]
            .boxed()
        }
    }

    /// Key bits and mode members for `alg`.
    fn members(alg: TpmAlgId) -> BoxedStrategy<(TpmuSymKeyBits, TpmuSymMode)> {
        let mode = any::<TpmiAlgSymMode<true>>();
        match alg {
            TpmAlgId::AES => (any::<TpmiAesKeyBits>(), mode)
                .prop_map(|(b, m)| (TpmuSymKeyBits::Aes(b), TpmuSymMode::Aes(m)))
                .boxed(),
            TpmAlgId::SM4 => (any::<TpmiSm4KeyBits>(), mode)
                .prop_map(|(b, m)| (TpmuSymKeyBits::Sm4(b), TpmuSymMode::Sm4(m)))
                .boxed(),
            TpmAlgId::CAMELLIA => (any::<TpmiCamelliaKeyBits>(), mode)
                .prop_map(|(b, m)| (TpmuSymKeyBits::Camellia(b), TpmuSymMode::Camellia(m)))
                .boxed(),
            TpmAlgId::TDES => (any::<TpmiTdesKeyBits>(), mode)
                .prop_map(|(b, m)| (TpmuSymKeyBits::Tdes(b), TpmuSymMode::Tdes(m)))
                .boxed(),
            TpmAlgId::XOR => any::<TpmiAlgHash>()
                .prop_map(|h| (TpmuSymKeyBits::Xor(h), TpmuSymMode::Xor))
                .boxed(),
            _ => Just((TpmuSymKeyBits::Null, TpmuSymMode::Null)).boxed(),
        }
    }

    impl<const N: bool> Arbitrary for TpmtSymDef<N> {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;
        fn arbitrary_with(_: ()) -> Self::Strategy {
            any::<TpmiAlgSym<N>>()
                .prop_flat_map(|algorithm| {
                    members(algorithm.0).prop_map(move |(key_bits, mode)| TpmtSymDef {
                        algorithm,
                        key_bits,
                        mode,
                    })
                })
                .boxed()
        }
    }

    impl<const N: bool> Arbitrary for TpmtSymDefObject<N> {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;
        fn arbitrary_with(_: ()) -> Self::Strategy {
            any::<TpmiAlgSymObject<N>>()
                .prop_flat_map(|algorithm| {
                    members(algorithm.0).prop_map(move |(key_bits, mode)| TpmtSymDefObject {
                        algorithm,
                        key_bits,
                        mode,
                    })
                })
                .boxed()
        }
    }

    arb_struct!(TpmsSymcipherParms {
        sym: any::<TpmtSymDefObject>(),
    });

    arb_struct!(TpmsDerive {
        label: any::<Tpm2bLabel>(),
        context: any::<Tpm2bLabel>(),
    });

    arb_struct!(TpmsSensitiveCreate {
        user_auth: any::<Tpm2bAuth>(),
        data: any::<Tpm2bSensitiveData>(),
    });

    arb_struct!(Tpm2bSensitiveCreate {
        sensitive: any::<TpmsSensitiveCreate>(),
    });

    arb_struct!(TpmsSchemeHash {
        hash_alg: any::<TpmiAlgHash>(),
    });

    arb_struct!(TpmsSchemeEcdaa {
        hash_alg: any::<TpmiAlgHash>(),
        count: any::<u16>(),
    });

    arb_struct!(TpmsSchemeXor {
        hash_alg: any::<TpmiAlgHash>(),
        kdf: any::<TpmiAlgKdf<true>>(),
    });

    impl<const N: bool> Arbitrary for TpmtKeyedhashScheme<N> {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;
        fn arbitrary_with(_: ()) -> Self::Strategy {
            let hmac = any::<TpmsSchemeHmac>().prop_map(|s| TpmtKeyedhashScheme {
                scheme: TpmiAlgKeyedhashScheme(TpmAlgId::HMAC),
                details: TpmuSchemeKeyedhash::Hmac(s),
            });
            let xor = any::<TpmsSchemeXor>().prop_map(|s| TpmtKeyedhashScheme {
                scheme: TpmiAlgKeyedhashScheme(TpmAlgId::XOR),
                details: TpmuSchemeKeyedhash::Xor(s),
            });
            let null = Just(TpmtKeyedhashScheme {
                scheme: TpmiAlgKeyedhashScheme(TpmAlgId::NULL),
                details: TpmuSchemeKeyedhash::Null,
            });
            if N {
                prop_oneof![hmac, xor, null].boxed()
            } else {
                prop_oneof![hmac, xor].boxed()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tpm_wire::{from_bytes, to_vec};

    fn round_trip<T>(v: &T)
    where
        T: Marshal + for<'a> Unmarshal<'a> + PartialEq + core::fmt::Debug,
    {
        let bytes = to_vec(v);
        assert_eq!(bytes.len(), v.marshalled_len());
        assert_eq!(&from_bytes::<T>(&bytes, &Profile::ALL).unwrap(), v);
    }

    const P: Profile = Profile::ALL;

    #[test]
    fn sym_def_wire_form() {
        // AES-128-CFB, as in the TCG EK template.
        let d = TpmtSymDefObject::<true>::aes(TpmiAesKeyBits(128), TpmiAlgSymMode(TpmAlgId::CFB));
        assert_eq!(to_vec(&d), [0x00, 0x06, 0x00, 0x80, 0x00, 0x43]);
        assert!(d.is_consistent());
        round_trip(&d);
        // Null: only the algorithm.
        assert_eq!(to_vec(&TpmtSymDefObject::NULL), [0x00, 0x10]);
        round_trip(&TpmtSymDefObject::NULL);
        // XOR in TPMT_SYM_DEF: a hash, no mode.
        let x = TpmtSymDef::<false>::xor(TpmiAlgHash::SHA256);
        assert_eq!(to_vec(&x), [0x00, 0x0A, 0x00, 0x0B]);
        round_trip(&x);
    }

    #[test]
    fn sym_def_errors() {
        // Unknown algorithm (RSA) -> Symmetric.
        assert_eq!(
            from_bytes::<TpmtSymDef>(&[0x00, 0x01, 0x00, 0x80, 0x00, 0x43], &P),
            Err(WireError::Symmetric)
        );
        // XOR is not an object cipher.
        assert_eq!(
            from_bytes::<TpmtSymDefObject>(&[0x00, 0x0A, 0x00, 0x0B], &P),
            Err(WireError::Symmetric)
        );
        // Null without `+`.
        assert_eq!(
            from_bytes::<TpmtSymDefObject>(&[0x00, 0x10], &P),
            Err(WireError::Symmetric)
        );
        // AES-64 -> Value.
        assert_eq!(
            from_bytes::<TpmtSymDefObject>(&[0x00, 0x06, 0x00, 0x40, 0x00, 0x43], &P),
            Err(WireError::Value)
        );
        // Mode not a mode (SHA256) -> Mode.
        assert_eq!(
            from_bytes::<TpmtSymDefObject>(&[0x00, 0x06, 0x00, 0x80, 0x00, 0x0B], &P),
            Err(WireError::Mode)
        );
        // Null mode is allowed inside the union.
        assert!(from_bytes::<TpmtSymDefObject>(&[0x00, 0x06, 0x00, 0x80, 0x00, 0x10], &P).is_ok());
        // XOR hash must not be null.
        assert_eq!(
            from_bytes::<TpmtSymDef>(&[0x00, 0x0A, 0x00, 0x10], &P),
            Err(WireError::Hash)
        );
        // AES disabled in the profile.
        assert_eq!(
            from_bytes::<TpmtSymDefObject>(
                &[0x00, 0x06, 0x00, 0x80, 0x00, 0x43],
                &Profile::ALL.without_alg(0x0006)
            ),
            Err(WireError::Symmetric)
        );
        // CFB disabled.
        assert_eq!(
            from_bytes::<TpmtSymDefObject>(
                &[0x00, 0x06, 0x00, 0x80, 0x00, 0x43],
                &Profile::ALL.without_alg(0x0043)
            ),
            Err(WireError::Mode)
        );
        // Truncated.
        assert_eq!(
            from_bytes::<TpmtSymDefObject>(&[0x00, 0x06, 0x00, 0x80, 0x00], &P),
            Err(WireError::Insufficient)
        );
    }

    #[test]
    fn union_selector() {
        let mut r = Reader::new(&[0, 128]);
        assert_eq!(
            TpmuSymKeyBits::unmarshal_selected(TpmAlgId::RSA, &mut r, &P),
            Err(WireError::Selector)
        );
        assert_eq!(
            TpmuSymMode::unmarshal_selected(TpmAlgId::SHA1, &mut r, &P),
            Err(WireError::Selector)
        );
        assert_eq!(
            TpmuSchemeKeyedhash::unmarshal_selected(TpmAlgId::AES, &mut r, &P),
            Err(WireError::Selector)
        );
        assert_eq!(
            TpmuSymDetails::unmarshal_selected(TpmAlgId::AES, &mut r, &P),
            Ok(TpmuSymDetails::Aes)
        );
        assert_eq!(r.remaining(), 2);
        assert_eq!(to_vec(&TpmuSymDetails::Aes), [0u8; 0]);
    }

    #[test]
    fn sensitive_create_sizes() {
        // size 4: empty userAuth, empty data.
        let ok = [0, 4, 0, 0, 0, 0];
        let s: Tpm2bSensitiveCreate = from_bytes(&ok, &P).unwrap();
        assert!(s.sensitive.user_auth.is_empty());
        assert_eq!(to_vec(&s), ok);
        // Zero size -> Size.
        assert_eq!(
            from_bytes::<Tpm2bSensitiveCreate>(&[0, 0], &P),
            Err(WireError::Size)
        );
        // Size larger than the structure -> Size.
        assert_eq!(
            from_bytes::<Tpm2bSensitiveCreate>(&[0, 5, 0, 0, 0, 0, 0], &P),
            Err(WireError::Size)
        );
        // Size smaller than the structure -> Size.
        assert_eq!(
            from_bytes::<Tpm2bSensitiveCreate>(&[0, 3, 0, 0, 0, 0], &P),
            Err(WireError::Size)
        );
        // Truncated inside.
        assert_eq!(
            from_bytes::<Tpm2bSensitiveCreate>(&[0, 4, 0, 0, 0], &P),
            Err(WireError::Insufficient)
        );
        // Data over MAX_SYM_DATA -> Size.
        let mut big = vec![0, 0, 0, 0, 0, 129];
        big.extend_from_slice(&[7; 129]);
        let n = u16::try_from(big.len() - 2).unwrap().to_be_bytes();
        big[0] = n[0];
        big[1] = n[1];
        assert_eq!(
            from_bytes::<Tpm2bSensitiveCreate>(&big, &P),
            Err(WireError::Size)
        );
        // userAuth over 64 -> Size.
        let mut big = vec![0, 0x45, 0, 65];
        big.extend_from_slice(&[7; 65]);
        big.extend_from_slice(&[0, 0]);
        assert_eq!(
            from_bytes::<Tpm2bSensitiveCreate>(&big, &P),
            Err(WireError::Size)
        );
    }

    #[test]
    fn labels_and_derive() {
        let mut big = vec![0, 33];
        big.extend_from_slice(&[1; 33]);
        assert_eq!(from_bytes::<Tpm2bLabel>(&big, &P), Err(WireError::Size));
        let d = TpmsDerive {
            label: Tpm2bLabel::new(b"label").unwrap(),
            context: Tpm2bLabel::new(b"ctx").unwrap(),
        };
        let buf = d.to_derive_buf().unwrap();
        assert_eq!(TpmsDerive::from_derive_buf(&buf, &P).unwrap(), d);
        let data = Tpm2bSensitiveData::new(buf.as_slice()).unwrap();
        assert_eq!(
            TpmuSensitiveCreate::from_data(data, true, &P).unwrap(),
            TpmuSensitiveCreate::Derive(d)
        );
        let data = Tpm2bSensitiveData::new(&[0, 1]).unwrap();
        assert_eq!(
            TpmuSensitiveCreate::from_data(data, true, &P),
            Err(WireError::Insufficient)
        );
        assert_eq!(TPMS_DERIVE_SIZE, 68);
        assert_eq!(TpmuSensitiveCreate::SIZE, 128);
    }

    #[test]
    fn keyedhash_scheme() {
        // HMAC-SHA256.
        let b = [0x00, 0x05, 0x00, 0x0B];
        let s: TpmtKeyedhashScheme = from_bytes(&b, &P).unwrap();
        assert_eq!(
            s.details,
            TpmuSchemeKeyedhash::Hmac(TpmsSchemeHash {
                hash_alg: TpmiAlgHash::SHA256
            })
        );
        // Unknown scheme -> Value.
        assert_eq!(
            from_bytes::<TpmtKeyedhashScheme>(&[0x00, 0x14, 0x00, 0x0B], &P),
            Err(WireError::Value)
        );
        // Null without `+` -> Value; with `+` fine.
        assert_eq!(
            from_bytes::<TpmtKeyedhashScheme>(&[0x00, 0x10], &P),
            Err(WireError::Value)
        );
        assert_eq!(
            from_bytes::<TpmtKeyedhashScheme<true>>(&[0x00, 0x10], &P),
            Ok(TpmtKeyedhashScheme::NULL)
        );
        // XOR with a bad KDF -> Kdf.
        assert_eq!(
            from_bytes::<TpmtKeyedhashScheme>(&[0x00, 0x0A, 0x00, 0x0B, 0x00, 0x0B], &P),
            Err(WireError::Kdf)
        );
        // XOR with a null KDF is fine.
        assert!(
            from_bytes::<TpmtKeyedhashScheme>(&[0x00, 0x0A, 0x00, 0x0B, 0x00, 0x10], &P).is_ok()
        );
        // HMAC with a disabled hash -> Hash.
        assert_eq!(
            from_bytes::<TpmtKeyedhashScheme>(&b, &Profile::ALL.without_alg(0x000B)),
            Err(WireError::Hash)
        );
    }

    proptest! {
        #[test]
        fn sym_round_trip(
            a in any::<TpmtSymDef>(),
            b in any::<TpmtSymDef<true>>(),
            c in any::<TpmtSymDefObject>(),
            d in any::<TpmtSymDefObject<true>>(),
            e in any::<TpmsSymcipherParms>(),
        ) {
            prop_assert!(a.is_consistent() && b.is_consistent());
            round_trip(&a);
            round_trip(&b);
            round_trip(&c);
            round_trip(&d);
            round_trip(&e);
        }

        #[test]
        fn scheme_round_trip(
            a in any::<TpmsSchemeHash>(),
            b in any::<TpmsSchemeEcdaa>(),
            c in any::<TpmsSchemeXor>(),
            d in any::<TpmtKeyedhashScheme>(),
            e in any::<TpmtKeyedhashScheme<true>>(),
        ) {
            round_trip(&a);
            round_trip(&b);
            round_trip(&c);
            round_trip(&d);
            round_trip(&e);
        }

        #[test]
        fn sensitive_round_trip(
            a in any::<Tpm2bSensitiveCreate>(),
            b in any::<TpmsDerive>(),
            c in any::<Tpm2bDerive>(),
            k in any::<Tpm2bSymKey>(),
        ) {
            round_trip(&a);
            round_trip(&b);
            round_trip(&c);
            round_trip(&k);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = from_bytes::<TpmtSymDef<true>>(&bytes, &P);
            let _ = from_bytes::<TpmtKeyedhashScheme<true>>(&bytes, &P);
            let _ = from_bytes::<Tpm2bSensitiveCreate>(&bytes, &P);
        }
    }
}
