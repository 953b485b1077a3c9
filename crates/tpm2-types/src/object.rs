//! Objects: public and sensitive areas, their sized forms, private blobs, credential blobs
//! and creation data (TPM 2.0 Part 2 §12 and §15, rev 1.59 as libtpms implements it).
//!
//! No cryptography here: object names, integrity HMACs and encryption of the private area
//! are computed by the engine. [`TpmtPublic`] keeps the spec layout (type, nameAlg,
//! attributes, authPolicy, parameters, unique) and offers the accessors the engine needs.

use tpm_wire::{Marshal, Profile, Reader, Unmarshal, WireError, Writer, wire_sized, wire_struct};

use crate::algorithms::{tpm2b_bytes, tpmu};
use crate::{
    MAX_DIGEST_SIZE, MAX_ECC_KEY_BYTES, MAX_RSA_KEY_BYTES, PRIVATE_VENDOR_SPECIFIC_BYTES,
    SecretBuf, Tpm2bAuth, Tpm2bData, Tpm2bDigest, Tpm2bName, Tpm2bPrivateKeyRsa, Tpm2bPublicKeyRsa,
    Tpm2bSensitiveData, Tpm2bSymKey, TpmAlgId, TpmaLocality, TpmaObject, TpmiAlgHash,
    TpmiAlgPublic, TpmlPcrSelection, TpmsEccParms, TpmsEccPoint, TpmsRsaParms, TpmsSymcipherParms,
    TpmtKeyedhashScheme, TpmtSymDefObject,
};

/// TPMS_KEYEDHASH_PARMS (TPM 2.0 Part 2 §12.2.3.3): the parameters of a keyed-hash object
/// (HMAC key, XOR obfuscation or sealed data with TPM_ALG_NULL).
#[doc(alias = "TPMS_KEYEDHASH_PARMS")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TpmsKeyedhashParms {
    /// `scheme`.
    pub scheme: TpmtKeyedhashScheme<true>,
}

wire_struct!(TpmsKeyedhashParms { scheme });

tpmu! {
    /// TPMU_PUBLIC_PARMS (TPM 2.0 Part 2 §12.2.3.7): the type-specific parameters of an
    /// object. (`asymDetail`, TPMS_ASYM_PARMS, has no selector and never travels here.)
    #[doc(alias = "TPMU_PUBLIC_PARMS")]
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
    pub enum TpmuPublicParms: TpmAlgId {
        /// TPM_ALG_KEYEDHASH: `keyedHashDetail`.
        KEYEDHASH => KeyedHash(TpmsKeyedhashParms),
        /// TPM_ALG_SYMCIPHER: `symDetail`.
        SYMCIPHER => Sym(TpmsSymcipherParms),
        /// TPM_ALG_RSA: `rsaDetail`.
        RSA => Rsa(TpmsRsaParms),
        /// TPM_ALG_ECC: `eccDetail`.
        ECC => Ecc(TpmsEccParms),
    }
}

impl TpmuPublicParms {
    /// The symmetric algorithm of a storage key or of a symmetric-cipher object: the
    /// `symmetric` field of RSA and ECC parameters, or `sym` of a symmetric cipher; `None`
    /// for keyed-hash objects.
    pub fn symmetric(&self) -> Option<TpmtSymDefObject<true>> {
        match self {
            Self::Rsa(r) => Some(r.symmetric),
            Self::Ecc(e) => Some(e.symmetric),
            Self::Sym(s) => Some(s.sym.into()),
            Self::KeyedHash(_) => None,
        }
    }
}

/// TPMT_PUBLIC_PARMS (TPM 2.0 Part 2 §12.2.3.8): an object type and its parameters
/// (TPM2_TestParms).
#[doc(alias = "TPMT_PUBLIC_PARMS")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TpmtPublicParms {
    /// `type` (TPM_RC_TYPE for an unknown type).
    #[doc(alias = "type")]
    pub object_type: TpmiAlgPublic,
    /// `parameters`, selected by `object_type`.
    pub parameters: TpmuPublicParms,
}

impl Marshal for TpmtPublicParms {
    fn marshal(&self, w: &mut Writer<'_>) {
        self.object_type.marshal(w);
        self.parameters.marshal(w);
    }
}

impl<'a> Unmarshal<'a> for TpmtPublicParms {
    fn unmarshal(r: &mut Reader<'a>, p: &Profile) -> Result<Self, WireError> {
        let object_type = TpmiAlgPublic::unmarshal(r, p)?;
        let parameters = TpmuPublicParms::unmarshal_selected(object_type.0, r, p)?;
        Ok(TpmtPublicParms {
            object_type,
            parameters,
        })
    }
}

tpmu! {
    /// TPMU_PUBLIC_ID (TPM 2.0 Part 2 §12.2.3.2): the unique identifier of an object: the
    /// public key of an asymmetric key, a digest for symmetric and keyed-hash objects.
    /// (`derive`, TPMS_DERIVE, has no selector and never travels here.)
    #[doc(alias = "TPMU_PUBLIC_ID")]
    // Inline like the C union: no allocation per structure; the size is bounded.
    #[allow(clippy::large_enum_variant)]
    #[derive(Clone, PartialEq, Eq, Hash, Debug)]
    pub enum TpmuPublicId: TpmAlgId {
        /// TPM_ALG_KEYEDHASH: `keyedHash`.
        KEYEDHASH => KeyedHash(Tpm2bDigest),
        /// TPM_ALG_SYMCIPHER: `sym`.
        SYMCIPHER => Sym(Tpm2bDigest),
        /// TPM_ALG_RSA: `rsa`, the modulus.
        RSA => Rsa(Tpm2bPublicKeyRsa),
        /// TPM_ALG_ECC: `ecc`, the public point.
        ECC => Ecc(TpmsEccPoint),
    }
}

/// TPMT_PUBLIC (TPM 2.0 Part 2 §12.2.4): the public area of an object.
///
/// With `NULL` the nameAlg may be TPM_ALG_NULL (libtpms `TPMT_PUBLIC_Unmarshal(allowNull)`:
/// TPM2_LoadExternal's `inPublic`, and the state of sequence objects). `object_attributes` is
/// checked for reserved bits (TPM_RC_RESERVED_BITS); `parameters` and `unique` are read with
/// the member `object_type` selects.
#[doc(alias = "TPMT_PUBLIC")]
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct TpmtPublic<const NULL: bool = false> {
    /// `type` (TPM_RC_TYPE for an unknown type).
    #[doc(alias = "type")]
    pub object_type: TpmiAlgPublic,
    /// `nameAlg`: the hash of the object's Name (TPM_RC_HASH if not a hash).
    pub name_alg: TpmiAlgHash<NULL>,
    /// `objectAttributes`.
    pub object_attributes: TpmaObject,
    /// `authPolicy`: the policy digest, empty for none.
    pub auth_policy: Tpm2bDigest,
    /// `parameters`, selected by `object_type`.
    pub parameters: TpmuPublicParms,
    /// `unique`, selected by `object_type`.
    pub unique: TpmuPublicId,
}

impl<const N: bool> Marshal for TpmtPublic<N> {
    fn marshal(&self, w: &mut Writer<'_>) {
        let TpmtPublic {
            object_type,
            name_alg,
            object_attributes,
            auth_policy,
            parameters,
            unique,
        } = self;
        object_type.marshal(w);
        name_alg.marshal(w);
        object_attributes.marshal(w);
        auth_policy.marshal(w);
        parameters.marshal(w);
        unique.marshal(w);
    }
}

impl<'a, const N: bool> Unmarshal<'a> for TpmtPublic<N> {
    fn unmarshal(r: &mut Reader<'a>, p: &Profile) -> Result<Self, WireError> {
        let object_type = TpmiAlgPublic::unmarshal(r, p)?;
        let name_alg = TpmiAlgHash::<N>::unmarshal(r, p)?;
        let object_attributes = TpmaObject::unmarshal(r, p)?;
        let auth_policy = Tpm2bDigest::unmarshal(r, p)?;
        let parameters = TpmuPublicParms::unmarshal_selected(object_type.0, r, p)?;
        let unique = TpmuPublicId::unmarshal_selected(object_type.0, r, p)?;
        Ok(TpmtPublic {
            object_type,
            name_alg,
            object_attributes,
            auth_policy,
            parameters,
            unique,
        })
    }
}

impl<const N: bool> TpmtPublic<N> {
    /// The object type (TPM_ALG_RSA, TPM_ALG_ECC, TPM_ALG_KEYEDHASH, TPM_ALG_SYMCIPHER).
    pub fn object_type(&self) -> TpmAlgId {
        self.object_type.0
    }

    /// The nameAlg (TPM_ALG_NULL only with `NULL`).
    pub fn name_alg(&self) -> TpmAlgId {
        self.name_alg.0
    }

    /// The object attributes.
    pub fn attributes(&self) -> TpmaObject {
        self.object_attributes
    }

    /// The authPolicy digest.
    pub fn auth_policy(&self) -> &Tpm2bDigest {
        &self.auth_policy
    }

    /// The type-specific parameters.
    pub fn parameters(&self) -> &TpmuPublicParms {
        &self.parameters
    }

    /// The unique field (public key or digest).
    pub fn unique(&self) -> &TpmuPublicId {
        &self.unique
    }

    /// The RSA parameters, for an RSA key.
    pub fn rsa_parms(&self) -> Option<&TpmsRsaParms> {
        match &self.parameters {
            TpmuPublicParms::Rsa(r) => Some(r),
            _ => None,
        }
    }

    /// The ECC parameters, for an ECC key.
    pub fn ecc_parms(&self) -> Option<&TpmsEccParms> {
        match &self.parameters {
            TpmuPublicParms::Ecc(e) => Some(e),
            _ => None,
        }
    }

    /// True when `parameters` and `unique` are the members `object_type` selects (always so
    /// after unmarshalling; a hand-built value may break it).
    pub fn is_consistent(&self) -> bool {
        self.parameters.selector() == self.object_type.0
            && self.unique.selector() == self.object_type.0
    }

    /// This public area with a different `unique` (templates carry an empty or
    /// caller-chosen one; the engine fills in the key).
    #[must_use]
    pub fn with_unique(mut self, unique: TpmuPublicId) -> Self {
        self.unique = unique;
        self
    }
}

impl From<TpmtPublic<false>> for TpmtPublic<true> {
    fn from(v: TpmtPublic<false>) -> Self {
        TpmtPublic {
            object_type: v.object_type,
            name_alg: v.name_alg.into(),
            object_attributes: v.object_attributes,
            auth_policy: v.auth_policy,
            parameters: v.parameters,
            unique: v.unique,
        }
    }
}

/// TPM2B_PUBLIC (TPM 2.0 Part 2 §12.2.5): TPMT_PUBLIC behind a 16-bit size. A zero size, or
/// a public area that does not fill the size exactly, is TPM_RC_SIZE (libtpms
/// `TPM2B_PUBLIC_Unmarshal`); `NULL` is passed to the nameAlg (`TPM2B_PUBLIC+` of
/// TPM2_LoadExternal).
#[doc(alias = "TPM2B_PUBLIC")]
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Tpm2bPublic<const NULL: bool = false> {
    /// `publicArea`.
    pub public_area: TpmtPublic<NULL>,
}

impl<const N: bool> Marshal for Tpm2bPublic<N> {
    fn marshal(&self, w: &mut Writer<'_>) {
        w.sized_u16(|w| self.public_area.marshal(w));
    }
}

impl<'a, const N: bool> Unmarshal<'a> for Tpm2bPublic<N> {
    fn unmarshal(r: &mut Reader<'a>, p: &Profile) -> Result<Self, WireError> {
        let public_area = r
            .sized_u16(false, |r| TpmtPublic::<N>::unmarshal(r, p))?
            .ok_or(WireError::Size)?;
        Ok(Tpm2bPublic { public_area })
    }
}

/// sizeof(TPMT_PUBLIC) in libtpms, which bounds TPM2B_TEMPLATE: measured as 612 bytes with
/// MAX_RSA_KEY_BYTES 512 (484 with 384), i.e. MAX_RSA_KEY_BYTES + 100 (the `unique` union is
/// MAX_RSA_KEY_BYTES + 2; the rest, with C padding, is 98).
pub const TPMT_PUBLIC_SIZE: usize = MAX_RSA_KEY_BYTES + 100;

tpm2b_bytes! {
    /// TPM2B_TEMPLATE (TPM 2.0 Part 2 §12.2.6): a marshalled TPMT_PUBLIC (TPM2_CreateLoaded's
    /// template) in a byte buffer of at most sizeof(TPMT_PUBLIC) (libtpms
    /// `TPM2B_TEMPLATE_Unmarshal`); a longer size is TPM_RC_SIZE.
    #[doc(alias = "TPM2B_TEMPLATE")]
    Tpm2bTemplate, TPMT_PUBLIC_SIZE
}

impl Tpm2bTemplate {
    /// The template of TPM2_CreateLoaded under a derivation parent (libtpms
    /// `UnmarshalToPublic` with `derivation`): a TPMT_PUBLIC whose `unique` position holds a
    /// TPMS_DERIVE (label and context). The returned public area has an empty `unique` of
    /// its type.
    ///
    /// # Errors
    /// Whatever the members' unmarshalling returns; [`WireError::Trailing`] for extra bytes.
    pub fn derivation_public(
        &self,
        p: &Profile,
    ) -> Result<(TpmtPublic, crate::TpmsDerive), WireError> {
        let mut r = Reader::new(self.as_slice());
        let object_type = TpmiAlgPublic::unmarshal(&mut r, p)?;
        let name_alg = TpmiAlgHash::<false>::unmarshal(&mut r, p)?;
        let object_attributes = TpmaObject::unmarshal(&mut r, p)?;
        let auth_policy = Tpm2bDigest::unmarshal(&mut r, p)?;
        let parameters = TpmuPublicParms::unmarshal_selected(object_type.0, &mut r, p)?;
        let derive = crate::TpmsDerive::unmarshal(&mut r, p)?;
        r.finish()?;
        let empty: &[u8] = if object_type.0 == TpmAlgId::ECC {
            &[0, 0, 0, 0]
        } else {
            &[0, 0]
        };
        let unique = TpmuPublicId::unmarshal_selected(object_type.0, &mut Reader::new(empty), p)?;
        Ok((
            TpmtPublic {
                object_type,
                name_alg,
                object_attributes,
                auth_policy,
                parameters,
                unique,
            },
            derive,
        ))
    }

    /// The template's TPMT_PUBLIC, which must fill the buffer.
    ///
    /// # Errors
    /// Whatever TPMT_PUBLIC unmarshalling returns; [`WireError::Trailing`] for extra bytes.
    pub fn public<const N: bool>(&self, p: &Profile) -> Result<TpmtPublic<N>, WireError> {
        tpm_wire::from_bytes(self.as_slice(), p)
    }
}

/// TPM2B_PRIVATE_VENDOR_SPECIFIC (TPM 2.0 Part 2 §12.3.2.1): vendor-specific private key
/// material, at most PRIVATE_VENDOR_SPECIFIC_BYTES; secret, erased on drop.
#[doc(alias = "TPM2B_PRIVATE_VENDOR_SPECIFIC")]
pub type Tpm2bPrivateVendorSpecific = SecretBuf<PRIVATE_VENDOR_SPECIFIC_BYTES>;

tpmu! {
    /// TPMU_SENSITIVE_COMPOSITE (TPM 2.0 Part 2 §12.3.2.2): the private key or secret of an
    /// object; every member is a secret buffer (erased on drop, redacted in `Debug`). The
    /// ECC member is a TPM2B_ECC_PARAMETER on the wire.
    #[doc(alias = "TPMU_SENSITIVE_COMPOSITE")]
    // Inline like the C union: no allocation per structure; the size is bounded.
    #[allow(clippy::large_enum_variant)]
    #[derive(PartialEq, Eq, Debug)]
    pub enum TpmuSensitiveComposite: TpmAlgId {
        /// TPM_ALG_RSA: `rsa`, one prime.
        RSA => Rsa(Tpm2bPrivateKeyRsa),
        /// TPM_ALG_ECC: `ecc`, the private scalar (TPM2B_ECC_PARAMETER).
        ECC => Ecc(SecretBuf<MAX_ECC_KEY_BYTES>),
        /// TPM_ALG_KEYEDHASH: `bits`, the HMAC key or sealed data.
        KEYEDHASH => Bits(Tpm2bSensitiveData),
        /// TPM_ALG_SYMCIPHER: `sym`, the symmetric key.
        SYMCIPHER => Sym(Tpm2bSymKey),
    }
}

impl TpmuSensitiveComposite {
    /// An explicit copy (secrets are not `Clone`).
    pub fn duplicate(&self) -> Self {
        match self {
            Self::Rsa(b) => Self::Rsa(b.duplicate()),
            Self::Ecc(b) => Self::Ecc(b.duplicate()),
            Self::Bits(b) => Self::Bits(b.duplicate()),
            Self::Sym(b) => Self::Sym(b.duplicate()),
        }
    }
}

/// The seedValue of TPMT_SENSITIVE: a TPM2B_DIGEST on the wire, kept secret.
pub type SensitiveSeed = SecretBuf<MAX_DIGEST_SIZE>;

/// TPMT_SENSITIVE (TPM 2.0 Part 2 §12.3.2.3): the sensitive area of an object.
#[doc(alias = "TPMT_SENSITIVE")]
#[derive(PartialEq, Eq, Debug)]
pub struct TpmtSensitive {
    /// `sensitiveType`: must match the public area's type (TPM_RC_TYPE if unknown).
    pub sensitive_type: TpmiAlgPublic,
    /// `authValue`: the USER authValue.
    pub auth_value: Tpm2bAuth,
    /// `seedValue`: the child-protection seed of a storage key, or the obfuscation value
    /// (TPM2B_DIGEST on the wire; secret here).
    pub seed_value: SensitiveSeed,
    /// `sensitive`, selected by `sensitive_type`.
    pub sensitive: TpmuSensitiveComposite,
}

impl Marshal for TpmtSensitive {
    fn marshal(&self, w: &mut Writer<'_>) {
        let TpmtSensitive {
            sensitive_type,
            auth_value,
            seed_value,
            sensitive,
        } = self;
        sensitive_type.marshal(w);
        auth_value.marshal(w);
        seed_value.marshal(w);
        sensitive.marshal(w);
    }
}

impl<'a> Unmarshal<'a> for TpmtSensitive {
    fn unmarshal(r: &mut Reader<'a>, p: &Profile) -> Result<Self, WireError> {
        let sensitive_type = TpmiAlgPublic::unmarshal(r, p)?;
        let auth_value = Tpm2bAuth::unmarshal(r, p)?;
        let seed_value = SensitiveSeed::unmarshal(r, p)?;
        let sensitive = TpmuSensitiveComposite::unmarshal_selected(sensitive_type.0, r, p)?;
        Ok(TpmtSensitive {
            sensitive_type,
            auth_value,
            seed_value,
            sensitive,
        })
    }
}

impl TpmtSensitive {
    /// An explicit copy (secrets are not `Clone`).
    pub fn duplicate(&self) -> Self {
        TpmtSensitive {
            sensitive_type: self.sensitive_type,
            auth_value: self.auth_value.duplicate(),
            seed_value: self.seed_value.duplicate(),
            sensitive: self.sensitive.duplicate(),
        }
    }
}

/// TPM2B_SENSITIVE (TPM 2.0 Part 2 §12.3.3): TPMT_SENSITIVE behind a 16-bit size. A zero size
/// is allowed and means "no sensitive area" (`None`, TPM2_LoadExternal of a public key); a
/// sensitive area that does not fill the size exactly is TPM_RC_SIZE (libtpms
/// `TPM2B_SENSITIVE_Unmarshal`).
#[doc(alias = "TPM2B_SENSITIVE")]
#[derive(PartialEq, Eq, Debug, Default)]
pub struct Tpm2bSensitive {
    /// `sensitiveArea`, absent for a zero size.
    pub sensitive_area: Option<TpmtSensitive>,
}

impl Marshal for Tpm2bSensitive {
    fn marshal(&self, w: &mut Writer<'_>) {
        match &self.sensitive_area {
            Some(s) => w.sized_u16(|w| s.marshal(w)),
            None => w.u16(0),
        }
    }
}

impl<'a> Unmarshal<'a> for Tpm2bSensitive {
    fn unmarshal(r: &mut Reader<'a>, p: &Profile) -> Result<Self, WireError> {
        let sensitive_area = r.sized_u16(true, |r| TpmtSensitive::unmarshal(r, p))?;
        Ok(Tpm2bSensitive { sensitive_area })
    }
}

/// sizeof(_PRIVATE) in libtpms, which bounds TPM2B_PRIVATE: two TPM2B_DIGESTs (outer and
/// inner integrity) and a TPM2B_SENSITIVE whose union is sized by the in-memory RSA private
/// key (RSA_PRIVATE_SIZE = PRIVATE_VENDOR_SPECIFIC_BYTES): 1550 bytes with MAX_RSA_KEY_BYTES
/// 512 (1230 with 384), as measured on libtpms.
pub const PRIVATE_SIZE: usize = 2 * (2 + MAX_DIGEST_SIZE)
    + 2
    + (2 + 2 * (2 + MAX_DIGEST_SIZE) + 2 + PRIVATE_VENDOR_SPECIFIC_BYTES);

tpm2b_bytes! {
    /// TPM2B_PRIVATE (TPM 2.0 Part 2 §12.3.7): an object's protected private area (integrity
    /// HMAC and encrypted sensitive area) of at most sizeof(_PRIVATE) bytes (libtpms
    /// `TPM2B_PRIVATE_Unmarshal`); a longer size is TPM_RC_SIZE. Encrypted, so not secret.
    #[doc(alias = "TPM2B_PRIVATE")]
    Tpm2bPrivate, PRIVATE_SIZE
}

/// TPMS_ID_OBJECT (TPM 2.0 Part 2 §12.4.2): a credential blob's integrity HMAC and encrypted
/// credential (TPM2_MakeCredential/ActivateCredential).
#[doc(alias = "TPMS_ID_OBJECT")]
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct TpmsIdObject {
    /// `integrityHMAC`.
    pub integrity_hmac: Tpm2bDigest,
    /// `encIdentity`: the encrypted credential (its size field is encrypted too).
    pub enc_identity: Tpm2bDigest,
}

wire_struct!(TpmsIdObject {
    integrity_hmac,
    enc_identity
});

/// sizeof(TPMS_ID_OBJECT): two TPM2B_DIGESTs.
pub const TPMS_ID_OBJECT_SIZE: usize = 2 * (2 + MAX_DIGEST_SIZE);

tpm2b_bytes! {
    /// TPM2B_ID_OBJECT (TPM 2.0 Part 2 §12.4.3): a credential blob of at most
    /// sizeof(TPMS_ID_OBJECT) bytes (libtpms `TPM2B_ID_OBJECT_Unmarshal`); a longer size is
    /// TPM_RC_SIZE.
    #[doc(alias = "TPM2B_ID_OBJECT")]
    Tpm2bIdObject, TPMS_ID_OBJECT_SIZE
}

/// TPMS_CREATION_DATA (TPM 2.0 Part 2 §15.1): the context in which an object was created,
/// returned by TPM2_Create/CreatePrimary and hashed into the creation ticket.
#[doc(alias = "TPMS_CREATION_DATA")]
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct TpmsCreationData {
    /// `pcrSelect`.
    pub pcr_select: TpmlPcrSelection,
    /// `pcrDigest`: digest of the selected PCRs with the nameAlg of the object.
    pub pcr_digest: Tpm2bDigest,
    /// `locality`.
    pub locality: TpmaLocality,
    /// `parentNameAlg` (TPM_ALG_ID, unchecked: a permanent parent has TPM_ALG_NULL).
    pub parent_name_alg: TpmAlgId,
    /// `parentName`.
    pub parent_name: Tpm2bName,
    /// `parentQualifiedName`.
    pub parent_qualified_name: Tpm2bName,
    /// `outsideInfo`.
    pub outside_info: Tpm2bData,
}

wire_struct!(TpmsCreationData {
    pcr_select,
    pcr_digest,
    locality,
    parent_name_alg,
    parent_name,
    parent_qualified_name,
    outside_info
});

/// TPM2B_CREATION_DATA (TPM 2.0 Part 2 §15.2): TPMS_CREATION_DATA behind a 16-bit size
/// (zero size or a mismatch is TPM_RC_SIZE).
#[doc(alias = "TPM2B_CREATION_DATA")]
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Tpm2bCreationData {
    /// `creationData`.
    pub creation_data: TpmsCreationData,
}

wire_sized!(Tpm2bCreationData { creation_data });

#[cfg(any(test, feature = "proptest"))]
mod arbitrary {
    use super::*;
    use crate::{HASH_COUNT, TpmsPcrSelection};
    use proptest::prelude::*;
    use tpm_wire::List;

    arb_struct!(TpmsKeyedhashParms {
        scheme: any::<TpmtKeyedhashScheme<true>>(),
    });

    /// Parameters and unique members for `t`.
    fn members(t: TpmAlgId) -> BoxedStrategy<(TpmuPublicParms, TpmuPublicId)> {
        match t {
            TpmAlgId::RSA => (any::<TpmsRsaParms>(), any::<Tpm2bPublicKeyRsa>())
                .prop_map(|(a, b)| (TpmuPublicParms::Rsa(a), TpmuPublicId::Rsa(b)))
                .boxed(),
            TpmAlgId::ECC => (any::<TpmsEccParms>(), any::<TpmsEccPoint>())
                .prop_map(|(a, b)| (TpmuPublicParms::Ecc(a), TpmuPublicId::Ecc(b)))
                .boxed(),
            TpmAlgId::SYMCIPHER => (any::<TpmsSymcipherParms>(), any::<Tpm2bDigest>())
                .prop_map(|(a, b)| (TpmuPublicParms::Sym(a), TpmuPublicId::Sym(b)))
                .boxed(),
            _ => (any::<TpmsKeyedhashParms>(), any::<Tpm2bDigest>())
                .prop_map(|(a, b)| (TpmuPublicParms::KeyedHash(a), TpmuPublicId::KeyedHash(b)))
                .boxed(),
        }
    }

    impl Arbitrary for TpmtPublicParms {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;
        fn arbitrary_with(_: ()) -> Self::Strategy {
            any::<TpmiAlgPublic>()
                .prop_flat_map(|object_type| {
                    members(object_type.0).prop_map(move |(parameters, _)| TpmtPublicParms {
                        object_type,
                        parameters,
                    })
                })
                .boxed()
        }
    }

    impl<const N: bool> Arbitrary for TpmtPublic<N> {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;
        fn arbitrary_with(_: ()) -> Self::Strategy {
            (
                any::<TpmiAlgPublic>(),
                any::<TpmiAlgHash<N>>(),
                any::<u32>(),
                any::<Tpm2bDigest>(),
            )
                .prop_flat_map(|(object_type, name_alg, attrs, auth_policy)| {
                    members(object_type.0).prop_map(move |(parameters, unique)| TpmtPublic {
                        object_type,
                        name_alg,
                        object_attributes: TpmaObject(attrs & !TpmaObject::RESERVED),
                        auth_policy: auth_policy.clone(),
                        parameters,
                        unique,
                    })
                })
                .boxed()
        }
    }

    impl<const N: bool> Arbitrary for Tpm2bPublic<N> {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;
        fn arbitrary_with(_: ()) -> Self::Strategy {
            any::<TpmtPublic<N>>()
                .prop_map(|public_area| Tpm2bPublic { public_area })
                .boxed()
        }
    }

    impl Arbitrary for TpmuSensitiveComposite {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;
        fn arbitrary_with(_: ()) -> Self::Strategy {
            prop_oneof![
                any::<Tpm2bPrivateKeyRsa>().prop_map(Self::Rsa),
                any::<SecretBuf<MAX_ECC_KEY_BYTES>>().prop_map(Self::Ecc),
                any::<Tpm2bSensitiveData>().prop_map(Self::Bits),
                any::<Tpm2bSymKey>().prop_map(Self::Sym),
            ]
            .boxed()
        }
    }

    impl Arbitrary for TpmtSensitive {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;
        fn arbitrary_with(_: ()) -> Self::Strategy {
            (
                any::<TpmuSensitiveComposite>(),
                any::<Tpm2bAuth>(),
                any::<SensitiveSeed>(),
            )
                .prop_map(|(sensitive, auth_value, seed_value)| TpmtSensitive {
                    sensitive_type: TpmiAlgPublic(sensitive.selector()),
                    auth_value,
                    seed_value,
                    sensitive,
                })
                .boxed()
        }
    }

    arb_struct!(Tpm2bSensitive {
        sensitive_area: proptest::option::of(any::<TpmtSensitive>()),
    });

    impl Arbitrary for TpmsIdObject {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;
        fn arbitrary_with(_: ()) -> Self::Strategy {
            (any::<Tpm2bDigest>(), any::<Tpm2bDigest>())
                .prop_map(|(integrity_hmac, enc_identity)| TpmsIdObject {
                    integrity_hmac,
                    enc_identity,
                })
                .boxed()
        }
    }

    impl Arbitrary for TpmsCreationData {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;
        fn arbitrary_with(_: ()) -> Self::Strategy {
            (
                proptest::collection::vec(any::<TpmsPcrSelection>(), 0..=HASH_COUNT),
                any::<Tpm2bDigest>(),
                any::<u8>(),
                any::<u16>(),
                any::<Tpm2bName>(),
                any::<Tpm2bName>(),
                any::<Tpm2bData>(),
            )
                .prop_map(
                    |(sel, pcr_digest, loc, alg, pn, pqn, outside_info)| TpmsCreationData {
                        pcr_select: List::from_vec(sel).unwrap_or_default(),
                        pcr_digest,
                        locality: TpmaLocality(loc),
                        parent_name_alg: TpmAlgId(alg),
                        parent_name: pn,
                        parent_qualified_name: pqn,
                        outside_info,
                    },
                )
                .boxed()
        }
    }

    arb_struct!(Tpm2bCreationData {
        creation_data: any::<TpmsCreationData>(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tpm_wire::{from_bytes, to_vec};

    const P: Profile = Profile::ALL;

    fn round_trip<T>(v: &T)
    where
        T: Marshal + for<'a> Unmarshal<'a> + PartialEq + core::fmt::Debug,
    {
        let bytes = to_vec(v);
        assert_eq!(bytes.len(), v.marshalled_len());
        assert_eq!(&from_bytes::<T>(&bytes, &P).unwrap(), v);
    }

    /// The TCG EK template (low range, RSA-2048), as swtpm_setup creates it: type RSA,
    /// nameAlg SHA256, attributes 0x000300B2, the PolicyA digest, AES-128-CFB, null scheme,
    /// 2048 bits, exponent 0, an empty unique.
    fn ek_rsa_template() -> Vec<u8> {
        let mut b = vec![0x00, 0x01, 0x00, 0x0B, 0x00, 0x03, 0x00, 0xB2, 0x00, 0x20];
        b.extend_from_slice(&[
            0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xB3, 0xF8, 0x1A, 0x90, 0xCC, 0x8D, 0x46, 0xA5,
            0xD7, 0x24, 0xFD, 0x52, 0xD7, 0x6E, 0x06, 0x52, 0x0B, 0x64, 0xF2, 0xA1, 0xDA, 0x1B,
            0x33, 0x14, 0x69, 0xAA,
        ]);
        b.extend_from_slice(&[
            0x00, 0x06, 0x00, 0x80, 0x00, 0x43, 0x00, 0x10, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00,
        ]);
        b
    }

    fn sized(body: &[u8]) -> Vec<u8> {
        let mut v = u16::try_from(body.len()).unwrap().to_be_bytes().to_vec();
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn ek_template() {
        let b = ek_rsa_template();
        let t: TpmtPublic = from_bytes(&b, &P).unwrap();
        assert_eq!(t.object_type(), TpmAlgId::RSA);
        assert_eq!(t.name_alg(), TpmAlgId::SHA256);
        assert_eq!(t.attributes(), TpmaObject(0x0003_00B2));
        assert_eq!(t.rsa_parms().unwrap().key_bits.bits(), 2048);
        assert_eq!(t.unique(), &TpmuPublicId::Rsa(Tpm2bPublicKeyRsa::default()));
        assert!(t.is_consistent());
        assert!(t.ecc_parms().is_none());
        assert_eq!(to_vec(&t), b);
        let p: Tpm2bPublic = from_bytes(&sized(&b), &P).unwrap();
        assert_eq!(p.public_area, t);
        assert_eq!(to_vec(&p), sized(&b));
        let sym = t.parameters().symmetric().unwrap();
        assert_eq!(sym.algorithm.0, TpmAlgId::AES);
        // As a TPM2B_TEMPLATE.
        let tpl = Tpm2bTemplate::new(&b).unwrap();
        assert_eq!(tpl.public::<false>(&P).unwrap(), t);
    }

    #[test]
    fn public_errors() {
        let b = ek_rsa_template();
        // Reserved attribute bit 0 -> ReservedBits.
        let mut c = b.clone();
        c[7] |= 0x01;
        assert_eq!(
            from_bytes::<TpmtPublic>(&c, &P),
            Err(WireError::ReservedBits)
        );
        // Reserved attribute bit 31.
        let mut c = b.clone();
        c[4] = 0x80;
        assert_eq!(
            from_bytes::<TpmtPublic>(&c, &P),
            Err(WireError::ReservedBits)
        );
        // Unknown type (AES is not an object type) -> Type.
        let mut c = b.clone();
        c[1] = 0x06;
        assert_eq!(from_bytes::<TpmtPublic>(&c, &P), Err(WireError::Type));
        // nameAlg not a hash -> Hash; nameAlg NULL: Hash without allowNull, fine with it.
        let mut c = b.clone();
        c[3] = 0x06;
        assert_eq!(from_bytes::<TpmtPublic>(&c, &P), Err(WireError::Hash));
        let mut c = b.clone();
        c[3] = 0x10;
        assert_eq!(from_bytes::<TpmtPublic>(&c, &P), Err(WireError::Hash));
        assert_eq!(
            from_bytes::<TpmtPublic<true>>(&c, &P).unwrap().name_alg(),
            TpmAlgId::NULL
        );
        assert_eq!(
            from_bytes::<Tpm2bPublic<true>>(&sized(&c), &P)
                .unwrap()
                .public_area
                .name_alg(),
            TpmAlgId::NULL
        );
        assert_eq!(
            from_bytes::<Tpm2bPublic>(&sized(&c), &P),
            Err(WireError::Hash)
        );
        // nameAlg disabled in the profile -> Hash.
        assert_eq!(
            from_bytes::<TpmtPublic>(&b, &Profile::ALL.without_alg(0x000B)),
            Err(WireError::Hash)
        );
        // authPolicy over 64 bytes -> Size.
        let mut c = b[..8].to_vec();
        c.extend_from_slice(&[0, 65]);
        c.extend_from_slice(&[0; 65]);
        assert_eq!(from_bytes::<TpmtPublic>(&c, &P), Err(WireError::Size));
        // RSA key bits 1000 -> Value.
        let mut c = b.clone();
        let kb = 42 + 8;
        c[kb] = 0x03;
        c[kb + 1] = 0xE8;
        assert_eq!(from_bytes::<TpmtPublic>(&c, &P), Err(WireError::Value));
        // Unique longer than MAX_RSA_KEY_BYTES -> Size.
        let mut c = b[..b.len() - 2].to_vec();
        c.extend_from_slice(&[0x01, 0x81]);
        c.extend_from_slice(&[0; 385]);
        assert_eq!(from_bytes::<TpmtPublic>(&c, &P), Err(WireError::Size));
        // Truncated.
        assert_eq!(
            from_bytes::<TpmtPublic>(&b[..b.len() - 1], &P),
            Err(WireError::Insufficient)
        );
        // Union selected by a type outside the unions.
        let mut r = Reader::new(&[]);
        assert_eq!(
            TpmuPublicParms::unmarshal_selected(TpmAlgId::NULL, &mut r, &P),
            Err(WireError::Selector)
        );
        assert_eq!(
            TpmuPublicId::unmarshal_selected(TpmAlgId::AES, &mut r, &P),
            Err(WireError::Selector)
        );
        assert_eq!(
            TpmuSensitiveComposite::unmarshal_selected(TpmAlgId::SHA1, &mut r, &P),
            Err(WireError::Selector)
        );
    }

    #[test]
    fn nested_sizes() {
        let b = ek_rsa_template();
        // Zero size -> Size.
        assert_eq!(from_bytes::<Tpm2bPublic>(&[0, 0], &P), Err(WireError::Size));
        // Size one larger than the area -> Size.
        let mut c = sized(&b);
        c[1] += 1;
        c.push(0);
        assert_eq!(from_bytes::<Tpm2bPublic>(&c, &P), Err(WireError::Size));
        // Size one smaller -> Size.
        let mut c = sized(&b);
        c[1] -= 1;
        assert_eq!(from_bytes::<Tpm2bPublic>(&c, &P), Err(WireError::Size));
        // TPM2B_TEMPLATE over sizeof(TPMT_PUBLIC) -> Size.
        let mut big = vec![0x01, 0xE5];
        big.extend_from_slice(&[0; 485]);
        assert_eq!(from_bytes::<Tpm2bTemplate>(&big, &P), Err(WireError::Size));
        assert_eq!(TPMT_PUBLIC_SIZE, 484);
        // TPM2B_PRIVATE over sizeof(_PRIVATE) -> Size.
        assert_eq!(PRIVATE_SIZE, 1230);
        let mut big = vec![0x04, 0xCF];
        big.extend_from_slice(&[0; 1231]);
        assert_eq!(from_bytes::<Tpm2bPrivate>(&big, &P), Err(WireError::Size));
        let mut ok = vec![0x04, 0xCE];
        ok.extend_from_slice(&[0; 1230]);
        assert!(from_bytes::<Tpm2bPrivate>(&ok, &P).is_ok());
        // TPM2B_ID_OBJECT over 132 -> Size.
        let mut big = vec![0, 133];
        big.extend_from_slice(&[0; 133]);
        assert_eq!(from_bytes::<Tpm2bIdObject>(&big, &P), Err(WireError::Size));
    }

    #[test]
    fn sensitive() {
        // Zero size: no sensitive area.
        let s: Tpm2bSensitive = from_bytes(&[0, 0], &P).unwrap();
        assert!(s.sensitive_area.is_none());
        assert_eq!(to_vec(&s), [0, 0]);
        // A keyed-hash sensitive area: type, empty auth, empty seed, 2 bytes of data.
        let body = [0x00, 0x08, 0, 0, 0, 0, 0, 2, 0xAA, 0xBB];
        let s: Tpm2bSensitive = from_bytes(&sized(&body), &P).unwrap();
        let area = s.sensitive_area.as_ref().unwrap();
        match &area.sensitive {
            TpmuSensitiveComposite::Bits(b) => assert_eq!(b.expose(), &[0xAA, 0xBB]),
            other => panic!("{other:?}"),
        }
        assert_eq!(to_vec(&s), sized(&body));
        assert!(!format!("{s:?}").contains("aa"));
        // Size mismatch -> Size.
        let mut c = sized(&body);
        c[1] += 1;
        c.push(0);
        assert_eq!(from_bytes::<Tpm2bSensitive>(&c, &P), Err(WireError::Size));
        // Unknown sensitive type -> Type.
        let mut c = body;
        c[1] = 0x0B;
        assert_eq!(
            from_bytes::<Tpm2bSensitive>(&sized(&c), &P),
            Err(WireError::Type)
        );
        // RSA prime over MAX_RSA_KEY_BYTES/2 -> Size.
        let mut c = vec![0x00, 0x01, 0, 0, 0, 0, 0x01, 0x01];
        c.extend_from_slice(&[0; 257]);
        assert_eq!(from_bytes::<TpmtSensitive>(&c, &P), Err(WireError::Size));
        // Symmetric key over 32 -> Size.
        let mut c = vec![0x00, 0x25, 0, 0, 0, 0, 0, 33];
        c.extend_from_slice(&[0; 33]);
        assert_eq!(from_bytes::<TpmtSensitive>(&c, &P), Err(WireError::Size));
        assert_eq!(area.duplicate(), *area);
    }

    #[test]
    fn creation_data() {
        // Empty selection, empty digest, locality 0, NULL parent alg, empty names and info.
        let body = [0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0];
        let c: Tpm2bCreationData = from_bytes(&sized(&body), &P).unwrap();
        assert_eq!(c.creation_data.parent_name_alg, TpmAlgId::NULL);
        assert_eq!(to_vec(&c), sized(&body));
        assert_eq!(
            from_bytes::<Tpm2bCreationData>(&[0, 0], &P),
            Err(WireError::Size)
        );
        // More selections than HASH_COUNT -> Size.
        let mut b = body;
        b[3] = 5;
        assert_eq!(
            from_bytes::<Tpm2bCreationData>(&sized(&b), &P),
            Err(WireError::Size)
        );
    }

    proptest! {
        #[test]
        fn public_round_trip(
            a in any::<TpmtPublic>(),
            b in any::<TpmtPublic<true>>(),
            c in any::<Tpm2bPublic>(),
            d in any::<Tpm2bPublic<true>>(),
            e in any::<TpmtPublicParms>(),
            f in any::<TpmsKeyedhashParms>(),
        ) {
            prop_assert!(a.is_consistent());
            round_trip(&a);
            round_trip(&b);
            round_trip(&c);
            round_trip(&d);
            round_trip(&e);
            round_trip(&f);
            // A public area always fits its template buffer.
            prop_assert!(to_vec(&a).len() <= TPMT_PUBLIC_SIZE);
        }

        #[test]
        fn private_round_trip(
            a in any::<Tpm2bSensitive>(),
            b in any::<TpmtSensitive>(),
            c in any::<Tpm2bPrivate>(),
            d in any::<TpmsIdObject>(),
            e in any::<Tpm2bIdObject>(),
            f in any::<Tpm2bCreationData>(),
            g in any::<Tpm2bTemplate>(),
            h in any::<Tpm2bPrivateVendorSpecific>(),
        ) {
            round_trip(&a);
            round_trip(&b);
            round_trip(&c);
            round_trip(&d);
            round_trip(&e);
            round_trip(&f);
            round_trip(&g);
            round_trip(&h);
            // A sensitive area always fits a private blob with both integrity digests.
            prop_assert!(to_vec(&a).len() + 2 * (2 + MAX_DIGEST_SIZE) <= PRIVATE_SIZE);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..160)) {
            let _ = from_bytes::<Tpm2bPublic<true>>(&bytes, &P);
            let _ = from_bytes::<TpmtPublic>(&bytes, &P);
            let _ = from_bytes::<Tpm2bSensitive>(&bytes, &P);
            let _ = from_bytes::<Tpm2bCreationData>(&bytes, &P);
        }
    }
}
