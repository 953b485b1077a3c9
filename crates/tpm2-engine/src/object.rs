//! Key objects: the loaded form of an object, its Name and qualified Name, the checks a
//! public area must pass, the creation of keys, and the protection of private areas (TPM 2.0
//! Part 1 §23 "Protected Storage", §26 "Object Attributes", §27 "Object Structure Elements";
//! libtpms `Object.c`, `Object_spt.c`, `CryptUtil.c` for the order of checks and the response
//! codes).
//!
//! What this is not: the command handlers (in `cmd::object`), and the use of keys for signing
//! or encryption.
//!
//! # Private areas
//!
//! A child's TPM2B_PRIVATE is `integrity (TPM2B_DIGEST) || iv (TPM2B_IV) || encrypted`, where
//! `encrypted` is the marshalled TPMT_SENSITIVE behind its 16-bit size, encrypted in CFB mode
//! with the parent's symmetric algorithm and a key KDFa(parent nameAlg, parent seedValue,
//! "STORAGE", child Name, -, keyBits), and `integrity` is HMAC(KDFa(parent nameAlg, parent
//! seedValue, "INTEGRITY", -, -, digest bits), iv || encrypted || Name) (Part 1 §23.3 and
//! §23.5; libtpms `SensitiveToPrivate`, `ProduceOuterWrap`). The authValue is padded with zeros
//! to the digest size of the object's nameAlg before marshalling (`MarshalSensitive`). Blobs
//! made by libtpms under the same parent load here, and the reverse.

use tpm_crypto::hash::{HashAlg, Hasher};
use tpm_crypto::hmac::HmacState;
use tpm_crypto::kdf::kdfa;
use tpm_crypto::primary::{self, PrimaryInputs, SeedCompat, SymKey};
use tpm_wire::{Marshal, Profile, Reader, Unmarshal, Writer};
use tpm2_types::{
    SecretBuf, Tpm2bAuth, Tpm2bDigest, Tpm2bEccParameter, Tpm2bPrivateKeyRsa, Tpm2bPublicKeyRsa,
    Tpm2bSensitiveData, Tpm2bSymKey, TpmAlgId, TpmHandle, TpmRc, TpmaObject, TpmiAlgPublic,
    TpmsEccPoint, TpmsSensitiveCreate, TpmtPublic, TpmtSensitive, TpmtSymDefObject, TpmuAsymScheme,
    TpmuPublicId, TpmuPublicParms, TpmuSchemeKeyedhash, TpmuSensitiveComposite, TpmuSymKeyBits,
};
use zeroize::Zeroizing;

use crate::state::AuthValue;

/// OBJECT_ATTRIBUTES bits of libtpms that are not in the public area.
pub(crate) mod flag {
    /// A primary object (CreatePrimary, or CreateLoaded under a hierarchy).
    pub const PRIMARY: u16 = 1 << 0;
    /// In the null hierarchy, or loaded with LoadExternal, or a child of such (libtpms
    /// `temporary`): may not be made persistent.
    pub const TEMPORARY: u16 = 1 << 1;
    /// Loaded with TPM2_LoadExternal.
    pub const EXTERNAL: u16 = 1 << 2;
    /// An ordinary parent: restricted decryption RSA, ECC or SYMCIPHER key with a private part.
    pub const PARENT: u16 = 1 << 3;
    /// A derivation parent: restricted decryption KEYEDHASH key.
    pub const DERIVATION: u16 = 1 << 4;
    /// Flushed at TPM Reset and TPM Restart: its own or an ancestor's stClear.
    pub const ST_CLEAR: u16 = 1 << 5;
    /// No sensitive area.
    pub const PUBLIC_ONLY: u16 = 1 << 6;
    /// A transient copy of a persistent object for the duration of one command.
    pub const EVICT: u16 = 1 << 7;
}

/// A loaded key, sealed-data or external object (libtpms OBJECT without the sequence state).
#[derive(Debug)]
pub(crate) struct KeyObject {
    /// The public area.
    pub public: TpmtPublic<true>,
    /// The sensitive area; `None` for a public-only object.
    pub sensitive: Option<TpmtSensitive>,
    /// `nameAlg || H(public)`; empty when the nameAlg is TPM_ALG_NULL.
    pub name: Vec<u8>,
    /// The qualified Name (Part 1 §16.6).
    pub qualified_name: Vec<u8>,
    /// TPM_RH_OWNER, TPM_RH_ENDORSEMENT, TPM_RH_PLATFORM or TPM_RH_NULL.
    pub hierarchy: TpmHandle,
    /// [`flag`] bits.
    pub flags: u16,
    /// libtpms SEED_COMPAT_LEVEL inherited by children derived from this object.
    pub seed_compat: u8,
}

impl KeyObject {
    /// An explicit copy (secrets are not `Clone`).
    pub fn duplicate(&self) -> KeyObject {
        KeyObject {
            public: self.public.clone(),
            sensitive: self.sensitive.as_ref().map(TpmtSensitive::duplicate),
            name: self.name.clone(),
            qualified_name: self.qualified_name.clone(),
            hierarchy: self.hierarchy,
            flags: self.flags,
            seed_compat: self.seed_compat,
        }
    }

    /// A [`flag`] bit.
    pub fn has(&self, f: u16) -> bool {
        self.flags & f != 0
    }

    /// The object attributes.
    pub fn attrs(&self) -> TpmaObject {
        self.public.object_attributes
    }

    /// The USER authValue (trailing zeros removed, as the TPM compares them).
    pub fn auth(&self) -> AuthValue {
        self.sensitive
            .as_ref()
            .and_then(|s| AuthValue::new(s.auth_value.expose()))
            .unwrap_or_default()
    }

    /// The seedValue of the sensitive area (empty for a public-only object).
    pub fn seed_value(&self) -> &[u8] {
        self.sensitive
            .as_ref()
            .map_or(&[][..], |s| s.seed_value.expose())
    }

    /// The nameAlg as a hash, `None` for TPM_ALG_NULL.
    pub fn name_hash(&self) -> Option<HashAlg> {
        HashAlg::from_tpm_alg(self.public.name_alg.0.0)
    }
}

/// The digest size of `alg`, 0 for TPM_ALG_NULL or anything that is not a hash.
pub(crate) fn digest_size(alg: TpmAlgId) -> usize {
    HashAlg::from_tpm_alg(alg.0).map_or(0, HashAlg::digest_size)
}

/// The key size in bits of a symmetric definition (0 for XOR and NULL).
pub(crate) fn sym_key_bits(d: &TpmtSymDefObject<true>) -> u16 {
    match d.key_bits {
        TpmuSymKeyBits::Aes(b) => b.0,
        TpmuSymKeyBits::Sm4(b) => b.0,
        TpmuSymKeyBits::Camellia(b) => b.0,
        TpmuSymKeyBits::Tdes(b) => b.0,
        TpmuSymKeyBits::Xor(_) | TpmuSymKeyBits::Null => 0,
    }
}

/// The block size of a symmetric algorithm (libtpms `CryptGetSymmetricBlockSize`).
fn sym_block_size(alg: TpmAlgId) -> usize {
    match alg {
        TpmAlgId::AES | TpmAlgId::SM4 | TpmAlgId::CAMELLIA => 16,
        TpmAlgId::TDES => 8,
        _ => 0,
    }
}

/// The marshalled public area (canonical form).
pub(crate) fn marshal_public(p: &TpmtPublic<true>) -> Vec<u8> {
    let mut v = Vec::with_capacity(128);
    p.marshal(&mut Writer::to_vec(&mut v));
    v
}

/// The Name of an object (Part 1 §16; libtpms `PublicMarshalAndComputeName`):
/// `nameAlg || H_nameAlg(marshalled public area)`; empty for nameAlg TPM_ALG_NULL.
pub(crate) fn compute_name(p: &TpmtPublic<true>) -> Vec<u8> {
    match HashAlg::from_tpm_alg(p.name_alg.0.0) {
        Some(alg) => primary::primary_name(alg, &marshal_public(p)),
        None => Vec::new(),
    }
}

/// The qualified Name (Part 1 §16.6; libtpms `ComputeQualifiedName`):
/// `nameAlg || H_nameAlg(parent QN || Name)`.
pub(crate) fn qualified_name(parent_qn: &[u8], name_alg: TpmAlgId, name: &[u8]) -> Vec<u8> {
    let Some(alg) = HashAlg::from_tpm_alg(name_alg.0) else {
        return Vec::new();
    };
    let mut h = Hasher::new(alg);
    h.update(parent_qn);
    h.update(name);
    let d = h.finalize();
    let mut out = Vec::with_capacity(2 + d.len());
    out.extend_from_slice(&name_alg.0.to_be_bytes());
    out.extend_from_slice(d.as_slice());
    out
}

fn is_asym_sign_scheme(t: TpmAlgId, s: TpmAlgId) -> bool {
    match t {
        TpmAlgId::RSA => matches!(s, TpmAlgId::RSASSA | TpmAlgId::RSAPSS),
        TpmAlgId::ECC => matches!(
            s,
            TpmAlgId::ECDSA | TpmAlgId::ECDAA | TpmAlgId::ECSCHNORR | TpmAlgId::SM2
        ),
        _ => false,
    }
}

fn is_asym_decrypt_scheme(t: TpmAlgId, s: TpmAlgId) -> bool {
    match t {
        TpmAlgId::RSA => matches!(s, TpmAlgId::RSAES | TpmAlgId::OAEP),
        TpmAlgId::ECC => matches!(s, TpmAlgId::ECDH | TpmAlgId::SM2 | TpmAlgId::ECMQV),
        _ => false,
    }
}

/// The hash of a signing scheme's details (TPM_ALG_NULL when it has none).
fn asym_scheme_hash(d: &TpmuAsymScheme) -> TpmAlgId {
    match d {
        TpmuAsymScheme::Ecdh(h)
        | TpmuAsymScheme::Ecmqv(h)
        | TpmuAsymScheme::Rsassa(h)
        | TpmuAsymScheme::Rsapss(h)
        | TpmuAsymScheme::Ecdsa(h)
        | TpmuAsymScheme::Sm2(h)
        | TpmuAsymScheme::Ecschnorr(h)
        | TpmuAsymScheme::Oaep(h) => h.hash_alg.0,
        TpmuAsymScheme::Ecdaa(e) => e.hash_alg.0,
        _ => TpmAlgId::NULL,
    }
}

/// The asymmetric scheme and its details of an RSA or ECC key.
fn asym_scheme(p: &TpmuPublicParms) -> Option<(TpmAlgId, TpmuAsymScheme)> {
    match p {
        TpmuPublicParms::Rsa(r) => Some((r.scheme.scheme.0, r.scheme.details)),
        TpmuPublicParms::Ecc(e) => Some((e.scheme.scheme.0, e.scheme.details)),
        _ => None,
    }
}

/// libtpms `SchemeChecks` (Object_spt.c): the schemes of a public area against its attributes
/// and its parent. The code carries no parameter number.
pub(crate) fn scheme_checks(parent: Option<&KeyObject>, p: &TpmtPublic<true>) -> Result<(), TpmRc> {
    let a = p.object_attributes;
    let sign = a.contains(TpmaObject::SIGN);
    let decrypt = a.contains(TpmaObject::DECRYPT);
    let restricted = a.contains(TpmaObject::RESTRICTED);
    let mut sym: Option<TpmtSymDefObject<true>> = None;
    match &p.parameters {
        TpmuPublicParms::Sym(s) => {
            let def: TpmtSymDefObject<true> = s.sym.into();
            // A decryption key needs a block-cipher mode (not an SMAC one); NULL is fine.
            if decrypt {
                let mode = match def.mode {
                    tpm2_types::TpmuSymMode::Aes(m)
                    | tpm2_types::TpmuSymMode::Sm4(m)
                    | tpm2_types::TpmuSymMode::Camellia(m)
                    | tpm2_types::TpmuSymMode::Tdes(m) => m.0,
                    _ => TpmAlgId::NULL,
                };
                if !matches!(
                    mode,
                    TpmAlgId::CTR
                        | TpmAlgId::OFB
                        | TpmAlgId::CBC
                        | TpmAlgId::CFB
                        | TpmAlgId::ECB
                        | TpmAlgId::NULL
                ) {
                    return Err(TpmRc::SCHEME);
                }
            }
            sym = Some(def);
        }
        TpmuPublicParms::KeyedHash(k) => {
            let scheme = k.scheme.scheme.0;
            if sign == decrypt {
                if scheme != TpmAlgId::NULL {
                    return Err(TpmRc::SCHEME);
                }
            } else if sign && scheme != TpmAlgId::HMAC {
                return Err(TpmRc::SCHEME);
            } else if decrypt {
                if scheme != TpmAlgId::XOR {
                    return Err(TpmRc::SCHEME);
                }
                if restricted {
                    if let TpmuSchemeKeyedhash::Xor(x) = k.scheme.details {
                        if x.kdf.0 != TpmAlgId::KDF1_SP800_108 {
                            return Err(TpmRc::SCHEME);
                        }
                        if digest_size(x.hash_alg.0) == 0 {
                            return Err(TpmRc::HASH);
                        }
                    }
                }
            }
        }
        TpmuPublicParms::Rsa(_) | TpmuPublicParms::Ecc(_) => {
            let t = p.object_type.0;
            let (scheme, details) =
                asym_scheme(&p.parameters).unwrap_or((TpmAlgId::NULL, TpmuAsymScheme::Null));
            let symmetric = p.parameters.symmetric();
            if sign == decrypt {
                if scheme != TpmAlgId::NULL {
                    return Err(TpmRc::SCHEME);
                }
            } else if sign {
                if is_asym_sign_scheme(t, scheme) {
                    if asym_scheme_hash(&details) == TpmAlgId::NULL {
                        return Err(TpmRc::SCHEME);
                    }
                } else if restricted || scheme != TpmAlgId::NULL {
                    return Err(TpmRc::SCHEME);
                }
            } else if decrypt {
                if restricted {
                    if scheme != TpmAlgId::NULL {
                        return Err(TpmRc::SCHEME);
                    }
                } else if scheme != TpmAlgId::NULL && !is_asym_decrypt_scheme(t, scheme) {
                    return Err(TpmRc::SCHEME);
                }
            }
            if !restricted || !decrypt {
                // A key that is not a parent has no symmetric algorithm.
                if symmetric.is_some_and(|s| s.algorithm.0 != TpmAlgId::NULL) {
                    return Err(TpmRc::SYMMETRIC);
                }
            }
            if let TpmuPublicParms::Ecc(e) = &p.parameters {
                // The NIST curves require no particular scheme (CryptGetCurveSignScheme);
                // the KDF must be TPM_ALG_NULL.
                if e.kdf.scheme.0 != TpmAlgId::NULL {
                    return Err(TpmRc::KDF);
                }
            }
            sym = symmetric;
        }
    }
    // A restricted decryption key with symmetric algorithms is an ordinary parent.
    if let Some(s) = sym {
        if restricted && decrypt {
            if s.algorithm.0 == TpmAlgId::NULL {
                return Err(TpmRc::SYMMETRIC);
            }
            if a.contains(TpmaObject::FIXED_PARENT) {
                if let Some(parent) = parent {
                    if p.name_alg.0 != parent.public.name_alg.0 {
                        return Err(TpmRc::HASH);
                    }
                    if parent.public.parameters.symmetric() != Some(s) {
                        return Err(TpmRc::SYMMETRIC);
                    }
                }
            }
        }
    }
    Ok(())
}

/// libtpms `PublicAttributesValidation` (Object_spt.c): attribute combinations, the
/// authPolicy size, the parent's constraints, then [`scheme_checks`].
pub(crate) fn public_attributes_validation(
    parent: Option<&KeyObject>,
    p: &TpmtPublic<true>,
) -> Result<(), TpmRc> {
    let a = p.object_attributes;
    let pa = parent.map_or(TpmaObject::empty(), KeyObject::attrs);
    if p.name_alg.0 == TpmAlgId::NULL {
        return Err(TpmRc::HASH);
    }
    if !p.auth_policy.is_empty() && p.auth_policy.len() != digest_size(p.name_alg.0) {
        return Err(TpmRc::SIZE);
    }
    if parent.is_none() || pa.contains(TpmaObject::FIXED_TPM) {
        if a.contains(TpmaObject::FIXED_PARENT) != a.contains(TpmaObject::FIXED_TPM) {
            return Err(TpmRc::ATTRIBUTES);
        }
    } else if a.contains(TpmaObject::FIXED_TPM) {
        return Err(TpmRc::ATTRIBUTES);
    }
    let sign = a.contains(TpmaObject::SIGN);
    if sign == a.contains(TpmaObject::DECRYPT) {
        if a.contains(TpmaObject::RESTRICTED) {
            return Err(TpmRc::ATTRIBUTES);
        }
        if p.object_type.0 != TpmAlgId::KEYEDHASH && !sign {
            return Err(TpmRc::ATTRIBUTES);
        }
    }
    if a.contains(TpmaObject::FIXED_TPM) && a.contains(TpmaObject::ENCRYPTED_DUPLICATION) {
        return Err(TpmRc::ATTRIBUTES);
    }
    if let Some(parent) = parent {
        if !pa.contains(TpmaObject::FIXED_TPM)
            && a.contains(TpmaObject::ENCRYPTED_DUPLICATION)
                != pa.contains(TpmaObject::ENCRYPTED_DUPLICATION)
        {
            return Err(TpmRc::ATTRIBUTES);
        }
        if parent.has(flag::DERIVATION) {
            if a.contains(TpmaObject::FIXED_TPM) != pa.contains(TpmaObject::FIXED_TPM) {
                return Err(TpmRc::ATTRIBUTES);
            }
            if !a.contains(TpmaObject::FIXED_PARENT) {
                return Err(TpmRc::ATTRIBUTES);
            }
        }
    }
    scheme_checks(parent, p)
}

/// libtpms `CreateChecks` (Object_spt.c): what only creation checks (who supplies the
/// sensitive data), then [`public_attributes_validation`].
pub(crate) fn create_checks(
    parent: Option<&KeyObject>,
    p: &TpmtPublic<true>,
    sensitive_data_len: usize,
) -> Result<(), TpmRc> {
    let a = p.object_attributes;
    let origin = a.contains(TpmaObject::SENSITIVE_DATA_ORIGIN);
    if !origin && sensitive_data_len == 0 {
        return Err(TpmRc::ATTRIBUTES);
    }
    if parent.is_some() && origin && sensitive_data_len != 0 {
        return Err(TpmRc::ATTRIBUTES);
    }
    let mut result = Ok(());
    match p.object_type.0 {
        TpmAlgId::KEYEDHASH | TpmAlgId::SYMCIPHER => {
            if p.object_type.0 == TpmAlgId::KEYEDHASH
                && !a.contains(TpmaObject::SIGN)
                && !a.contains(TpmaObject::DECRYPT)
                && origin
            {
                // A data object's data comes from the caller.
                result = Err(TpmRc::ATTRIBUTES);
            }
            if a.contains(TpmaObject::RESTRICTED)
                && !origin
                && (a.contains(TpmaObject::FIXED_PARENT) || a.contains(TpmaObject::FIXED_TPM))
            {
                result = Err(TpmRc::ATTRIBUTES);
            }
        }
        _ => {
            // Asymmetric keys cannot have the sensitive part provided.
            if !origin {
                result = Err(TpmRc::ATTRIBUTES);
            }
        }
    }
    result?;
    public_attributes_validation(parent, p)
}

/// libtpms `AdjustAuthSize`: an authValue may not be longer than the nameAlg's digest (after
/// removing trailing zeros); it is then padded with zeros to that size. `None` when too long.
pub(crate) fn adjust_auth(auth: &[u8], name_alg: TpmAlgId) -> Option<Vec<u8>> {
    let size = match digest_size(name_alg) {
        0 => 64,
        n => n,
    };
    let end = auth.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    if end > size {
        return None;
    }
    let mut v = auth.get(..end)?.to_vec();
    v.resize(size, 0);
    Some(v)
}

/// Where the randomness of a new object comes from.
pub(crate) enum Source<'a> {
    /// A primary: the hierarchy's seed (libtpms `DRBG_InstantiateSeeded` with the template's
    /// Name and the sensitive data), and for the endorsement hierarchy the two proofs to stir
    /// in before the seedValue.
    Primary {
        seed: &'a [u8],
        compat: SeedCompat,
        endorsement_proofs: Option<(&'a [u8], &'a [u8])>,
    },
    /// An ordinary object: fresh random bytes from the TPM's DRBG seed a derivation of the
    /// same shape. The output is as random as the seed; using the reference code's prime
    /// sieve for ordinary RSA keys too is several times faster than a generic search.
    Random(Zeroizing<[u8; 64]>),
}

/// A map of crypto-layer failures to the TPM codes libtpms gives for object creation.
fn crypto_rc(e: tpm_crypto::Error) -> TpmRc {
    match e {
        tpm_crypto::Error::Value => TpmRc::RANGE,
        tpm_crypto::Error::Limit => TpmRc::NO_RESULT,
        tpm_crypto::Error::Unsupported => TpmRc::KEY_SIZE,
        _ => TpmRc::FAILURE,
    }
}

/// libtpms `CryptCreateObject`: the sensitive area and the filled-in public area of a new
/// object from a validated template. `data` is `inSensitive.data` as received (it seeds a
/// primary's DRBG even when the TPM generates the key).
pub(crate) fn create_object(
    template: &TpmtPublic<true>,
    create: &TpmsSensitiveCreate,
    source: &Source<'_>,
) -> Result<(TpmtPublic<true>, TpmtSensitive), TpmRc> {
    let name_hash = HashAlg::from_tpm_alg(template.name_alg.0.0).ok_or(TpmRc::HASH)?;
    let a = template.object_attributes;
    let origin = a.contains(TpmaObject::SENSITIVE_DATA_ORIGIN);
    let data: &[u8] = if origin { &[] } else { create.data.expose() };
    let template_name = primary::primary_name(name_hash, &marshal_public(template));
    let (seed, compat, proofs, sens_data): (&[u8], SeedCompat, _, &[u8]) = match source {
        Source::Primary {
            seed,
            compat,
            endorsement_proofs,
        } => (seed, *compat, *endorsement_proofs, create.data.expose()),
        Source::Random(r) => (&r[..], SeedCompat::Level1, None, &[]),
    };
    let inputs = PrimaryInputs {
        seed,
        compat,
        name: &template_name,
        sensitive_data: sens_data,
        name_alg: name_hash,
        endorsement_proofs: proofs,
    };
    let mut public = template.clone();
    let mut seed_value: Vec<u8>;
    let sensitive = match &template.parameters {
        TpmuPublicParms::Rsa(r) => {
            let k = primary::derive_rsa_primary(&inputs, r.key_bits.0, r.exponent)
                .map_err(crypto_rc)?;
            public.unique =
                TpmuPublicId::Rsa(Tpm2bPublicKeyRsa::new(k.n()).map_err(|_| TpmRc::FAILURE)?);
            seed_value = k.seed_value().to_vec();
            TpmuSensitiveComposite::Rsa(Tpm2bPrivateKeyRsa::new(k.p()).map_err(|_| TpmRc::FAILURE)?)
        }
        TpmuPublicParms::Ecc(e) => {
            let curve = primary::EccCurve::from_tpm_curve_id(e.curve_id.0.0).ok_or(TpmRc::CURVE)?;
            let k = primary::derive_ecc_primary(&inputs, curve).map_err(crypto_rc)?;
            public.unique = TpmuPublicId::Ecc(TpmsEccPoint {
                x: Tpm2bEccParameter::new(k.x()).map_err(|_| TpmRc::FAILURE)?,
                y: Tpm2bEccParameter::new(k.y()).map_err(|_| TpmRc::FAILURE)?,
            });
            seed_value = k.seed_value().to_vec();
            TpmuSensitiveComposite::Ecc(SecretBuf::new(k.d()).map_err(|_| TpmRc::FAILURE)?)
        }
        TpmuPublicParms::Sym(s) => {
            let def: TpmtSymDefObject<true> = s.sym.into();
            let bits = sym_key_bits(&def);
            if bits % 8 != 0 {
                return Err(TpmRc::KEY_SIZE);
            }
            let key = if data.is_empty() {
                SymKey::Generate {
                    bytes: usize::from(bits / 8),
                }
            } else {
                // CryptSymKeyValidate.
                if data.len() != usize::from(bits / 8) {
                    return Err(TpmRc::KEY_SIZE);
                }
                SymKey::Provided(data)
            };
            let k = primary::derive_symmetric_primary(&inputs, key).map_err(crypto_rc)?;
            seed_value = k.seed_value().to_vec();
            TpmuSensitiveComposite::Sym(Tpm2bSymKey::new(k.key()).map_err(|_| TpmRc::FAILURE)?)
        }
        TpmuPublicParms::KeyedHash(k) => {
            let hash = match k.scheme.details {
                TpmuSchemeKeyedhash::Xor(x) => x.hash_alg.0,
                TpmuSchemeKeyedhash::Hmac(h) => h.hash_alg.0,
                TpmuSchemeKeyedhash::Null => template.name_alg.0,
            };
            let hash = HashAlg::from_tpm_alg(hash.0).ok_or(TpmRc::HASH)?;
            let key = if data.is_empty() {
                SymKey::Generate {
                    bytes: hash.digest_size(),
                }
            } else {
                if (a.contains(TpmaObject::DECRYPT) || a.contains(TpmaObject::SIGN))
                    && data.len() > hash.block_size()
                {
                    return Err(TpmRc::SIZE);
                }
                SymKey::Provided(data)
            };
            let k = primary::derive_symmetric_primary(&inputs, key).map_err(crypto_rc)?;
            seed_value = k.seed_value().to_vec();
            TpmuSensitiveComposite::Bits(
                Tpm2bSensitiveData::new(k.key()).map_err(|_| TpmRc::FAILURE)?,
            )
        }
    };
    let seed_value = Zeroizing::new(core::mem::take(&mut seed_value));
    finish_created(template, create, public, sensitive, &seed_value)
}

/// An object derived from a derivation parent's KDF stream (TPM2_CreateLoaded): as
/// [`create_object`], with every byte from `rng` and no caller data.
pub(crate) fn create_object_with(
    template: &TpmtPublic<true>,
    create: &TpmsSensitiveCreate,
    rng: &mut tpm_crypto::kdf::KdfaStream,
) -> Result<(TpmtPublic<true>, TpmtSensitive), TpmRc> {
    let name_hash = HashAlg::from_tpm_alg(template.name_alg.0.0).ok_or(TpmRc::HASH)?;
    let mut public = template.clone();
    let (sensitive, seed_value) = match &template.parameters {
        TpmuPublicParms::Ecc(e) => {
            let curve = primary::EccCurve::from_tpm_curve_id(e.curve_id.0.0).ok_or(TpmRc::CURVE)?;
            let k = primary::derive_ecc_with(rng, curve, name_hash).map_err(crypto_rc)?;
            public.unique = TpmuPublicId::Ecc(TpmsEccPoint {
                x: Tpm2bEccParameter::new(k.x()).map_err(|_| TpmRc::FAILURE)?,
                y: Tpm2bEccParameter::new(k.y()).map_err(|_| TpmRc::FAILURE)?,
            });
            (
                TpmuSensitiveComposite::Ecc(SecretBuf::new(k.d()).map_err(|_| TpmRc::FAILURE)?),
                Zeroizing::new(k.seed_value().to_vec()),
            )
        }
        TpmuPublicParms::Sym(s) => {
            let def: TpmtSymDefObject<true> = s.sym.into();
            let bits = sym_key_bits(&def);
            if bits % 8 != 0 {
                return Err(TpmRc::KEY_SIZE);
            }
            let k = primary::derive_symmetric_with(rng, usize::from(bits / 8), name_hash)
                .map_err(crypto_rc)?;
            (
                TpmuSensitiveComposite::Sym(Tpm2bSymKey::new(k.key()).map_err(|_| TpmRc::FAILURE)?),
                Zeroizing::new(k.seed_value().to_vec()),
            )
        }
        TpmuPublicParms::KeyedHash(k) => {
            let hash = match k.scheme.details {
                TpmuSchemeKeyedhash::Xor(x) => x.hash_alg.0,
                TpmuSchemeKeyedhash::Hmac(h) => h.hash_alg.0,
                TpmuSchemeKeyedhash::Null => template.name_alg.0,
            };
            let hash = HashAlg::from_tpm_alg(hash.0).ok_or(TpmRc::HASH)?;
            let k = primary::derive_symmetric_with(rng, hash.digest_size(), name_hash)
                .map_err(crypto_rc)?;
            (
                TpmuSensitiveComposite::Bits(
                    Tpm2bSensitiveData::new(k.key()).map_err(|_| TpmRc::FAILURE)?,
                ),
                Zeroizing::new(k.seed_value().to_vec()),
            )
        }
        TpmuPublicParms::Rsa(_) => return Err(TpmRc::TYPE),
    };
    finish_created(template, create, public, sensitive, &seed_value)
}

/// The end of `CryptCreateObject`: the `unique` of symmetric objects, the seedValue kept
/// only where it protects children, the sensitive area with the caller's authValue.
fn finish_created(
    template: &TpmtPublic<true>,
    create: &TpmsSensitiveCreate,
    mut public: TpmtPublic<true>,
    sensitive: TpmuSensitiveComposite,
    seed_value: &[u8],
) -> Result<(TpmtPublic<true>, TpmtSensitive), TpmRc> {
    let name_hash = HashAlg::from_tpm_alg(template.name_alg.0.0).ok_or(TpmRc::HASH)?;
    let a = template.object_attributes;
    let restricted_decrypt = a.contains(TpmaObject::RESTRICTED) && a.contains(TpmaObject::DECRYPT);
    let kept_seed: &[u8] = match template.object_type.0 {
        TpmAlgId::SYMCIPHER | TpmAlgId::KEYEDHASH => {
            let sens = match &sensitive {
                TpmuSensitiveComposite::Sym(k) => k.expose(),
                TpmuSensitiveComposite::Bits(k) => k.expose(),
                _ => &[],
            };
            let u = primary::symmetric_unique(name_hash, restricted_decrypt, seed_value, sens);
            let u = Tpm2bDigest::new(u.as_slice()).map_err(|_| TpmRc::FAILURE)?;
            public.unique = if template.object_type.0 == TpmAlgId::SYMCIPHER {
                TpmuPublicId::Sym(u)
            } else {
                TpmuPublicId::KeyedHash(u)
            };
            seed_value
        }
        // An asymmetric key that is not a parent keeps no seed (libtpms zeroes it, size 0).
        _ if a.contains(TpmaObject::SIGN) || !a.contains(TpmaObject::RESTRICTED) => &[],
        _ => seed_value,
    };
    let sensitive = TpmtSensitive {
        sensitive_type: TpmiAlgPublic(template.object_type.0),
        auth_value: Tpm2bAuth::new(create.user_auth.expose()).map_err(|_| TpmRc::SIZE)?,
        seed_value: SecretBuf::new(kept_seed).map_err(|_| TpmRc::FAILURE)?,
        sensitive,
    };
    Ok((public, sensitive))
}

/// libtpms `CryptValidateKeys`: the key material of a public area and, if given, of its
/// sensitive area, and their binding. `pp` and `ps` are the parameter numbers to blame.
pub(crate) fn validate_keys(
    p: &TpmtPublic<true>,
    s: Option<&TpmtSensitive>,
    pp: u8,
    ps: u8,
) -> Result<(), TpmRc> {
    let ds = digest_size(p.name_alg.0);
    if let Some(s) = s {
        if p.object_type.0 != s.sensitive_type.0 {
            return Err(TpmRc::TYPE.parameter(ps));
        }
        if s.auth_value.len() > ds && ds > 0 {
            return Err(TpmRc::SIZE.parameter(ps));
        }
    }
    match (&p.parameters, &p.unique) {
        (TpmuPublicParms::Rsa(r), TpmuPublicId::Rsa(n)) => {
            let bytes = usize::from(r.key_bits.0).div_ceil(8);
            if n.len() != bytes || n.first().is_none_or(|b| *b < 0x80) {
                return Err(TpmRc::KEY.parameter(pp));
            }
            if r.exponent != 0 && r.exponent < 7 {
                return Err(TpmRc::VALUE.parameter(pp));
            }
            if let Some(s) = s {
                let TpmuSensitiveComposite::Rsa(prime) = &s.sensitive else {
                    return Err(TpmRc::TYPE.parameter(ps));
                };
                let prime = prime.expose();
                if prime.len() * 2 != bytes || prime.first().is_none_or(|b| *b < 0x80) {
                    return Err(TpmRc::KEY_SIZE.parameter(ps));
                }
                // CryptRsaLoadPrivateExponent: the prime must divide the modulus.
                let e = if r.exponent == 0 { 65537 } else { r.exponent };
                if tpm_crypto::rsa::RsaPrivateKey::from_n_e_p(n, e, prime).is_err() {
                    return Err(TpmRc::BINDING);
                }
            }
        }
        (TpmuPublicParms::Ecc(e), TpmuPublicId::Ecc(point)) => {
            let curve = tpm_crypto::ecc::EccCurve::from_tpm(e.curve_id.0.0).ok_or(TpmRc::CURVE)?;
            let bytes = curve.field_bytes();
            match s {
                None => {
                    if point.x.len() != bytes || point.y.len() != bytes {
                        return Err(TpmRc::KEY.parameter(pp));
                    }
                    if p.name_alg.0 != TpmAlgId::NULL {
                        let pt = tpm_crypto::ecc::EccPoint {
                            x: point.x.to_vec(),
                            y: point.y.to_vec(),
                        };
                        if tpm_crypto::ecc::EccPublicKey::from_point(curve, &pt).is_err() {
                            return Err(TpmRc::ECC_POINT.parameter(pp));
                        }
                    }
                }
                Some(s) => {
                    let TpmuSensitiveComposite::Ecc(d) = &s.sensitive else {
                        return Err(TpmRc::TYPE.parameter(ps));
                    };
                    let Ok(k) = tpm_crypto::ecc::EccPrivateKey::from_scalar(curve, d.expose())
                    else {
                        // libtpms returns TPM_RCS_KEY_SIZE without a parameter number.
                        return Err(TpmRc::KEY_SIZE);
                    };
                    if p.name_alg.0 != TpmAlgId::NULL {
                        let Ok(q) = k.public_key().to_point() else {
                            return Err(TpmRc::BINDING.parameter(pp));
                        };
                        if !same_number(&q.x, &point.x) || !same_number(&q.y, &point.y) {
                            return Err(TpmRc::BINDING.parameter(pp));
                        }
                    }
                }
            }
        }
        (TpmuPublicParms::Sym(_) | TpmuPublicParms::KeyedHash(_), unique) => {
            let u: &[u8] = match unique {
                TpmuPublicId::Sym(d) | TpmuPublicId::KeyedHash(d) => d,
                _ => &[],
            };
            match s {
                None => {
                    if u.len() != ds {
                        return Err(TpmRc::KEY.parameter(pp));
                    }
                }
                Some(s) => {
                    let sens: &[u8] = match (&p.parameters, &s.sensitive) {
                        (TpmuPublicParms::Sym(sp), TpmuSensitiveComposite::Sym(k)) => {
                            let def: TpmtSymDefObject<true> = sp.sym.into();
                            if k.len() != usize::from(sym_key_bits(&def)).div_ceil(8) {
                                return Err(TpmRc::KEY_SIZE.parameter(ps));
                            }
                            k.expose()
                        }
                        (TpmuPublicParms::KeyedHash(kp), TpmuSensitiveComposite::Bits(k)) => {
                            let max = match kp.scheme.details {
                                TpmuSchemeKeyedhash::Xor(x) => {
                                    HashAlg::from_tpm_alg(x.hash_alg.0.0)
                                        .map_or(0, HashAlg::block_size)
                                }
                                TpmuSchemeKeyedhash::Hmac(h) => {
                                    HashAlg::from_tpm_alg(h.hash_alg.0.0)
                                        .map_or(0, HashAlg::block_size)
                                }
                                TpmuSchemeKeyedhash::Null => 128,
                            };
                            if k.len() > max {
                                return Err(TpmRc::KEY_SIZE.parameter(ps));
                            }
                            k.expose()
                        }
                        _ => return Err(TpmRc::TYPE.parameter(ps)),
                    };
                    if let Some(alg) = HashAlg::from_tpm_alg(p.name_alg.0.0) {
                        if s.seed_value.len() != ds {
                            return Err(TpmRc::KEY_SIZE.parameter(ps));
                        }
                        let a = p.object_attributes;
                        let rd =
                            a.contains(TpmaObject::RESTRICTED) && a.contains(TpmaObject::DECRYPT);
                        let want = primary::symmetric_unique(alg, rd, s.seed_value.expose(), sens);
                        if !tpm_crypto::secret::ct_eq(want.as_slice(), u) {
                            return Err(TpmRc::BINDING);
                        }
                    }
                }
            }
        }
        _ => return Err(TpmRc::TYPE.parameter(pp)),
    }
    let a = p.object_attributes;
    if a.contains(TpmaObject::RESTRICTED) && a.contains(TpmaObject::DECRYPT) {
        if let Some(s) = s {
            if p.name_alg.0 != TpmAlgId::NULL {
                let n = s.seed_value.len();
                if n < ds / 2 || n > ds {
                    return Err(TpmRc::SIZE.parameter(ps));
                }
            }
        }
    }
    Ok(())
}

/// Equal as unsigned big-endian numbers (libtpms `AdjustNumberB` before comparing).
fn same_number(a: &[u8], b: &[u8]) -> bool {
    let strip = |v: &[u8]| -> Vec<u8> {
        let i = v.iter().position(|x| *x != 0).unwrap_or(v.len());
        v.get(i..).unwrap_or(&[]).to_vec()
    };
    strip(a) == strip(b)
}

/// The protection parameters a parent gives its children: the hash for KDFa and HMAC, the
/// symmetric algorithm and key size, and the seed.
struct Protector<'a> {
    hash: HashAlg,
    sym_alg: TpmAlgId,
    key_bits: u16,
    seed: &'a [u8],
}

impl<'a> Protector<'a> {
    fn of(parent: &'a KeyObject) -> Result<Protector<'a>, TpmRc> {
        let hash = parent.name_hash().ok_or(TpmRc::FAILURE)?;
        let def = parent.public.parameters.symmetric().ok_or(TpmRc::FAILURE)?;
        Ok(Protector {
            hash,
            sym_alg: def.algorithm.0,
            key_bits: sym_key_bits(&def),
            seed: parent.seed_value(),
        })
    }

    fn sym_key(&self, name: &[u8]) -> Zeroizing<Vec<u8>> {
        let mut k = Zeroizing::new(vec![0u8; usize::from(self.key_bits).div_ceil(8)]);
        kdfa(
            self.hash,
            self.seed,
            b"STORAGE",
            name,
            &[],
            u32::from(self.key_bits),
            &mut k,
        );
        k
    }

    fn integrity(&self, data: &[u8], name: &[u8]) -> Vec<u8> {
        let mut key = Zeroizing::new(vec![0u8; self.hash.digest_size()]);
        let bits = u32::try_from(key.len() * 8).unwrap_or(0);
        kdfa(self.hash, self.seed, b"INTEGRITY", &[], &[], bits, &mut key);
        let mut m = HmacState::new(self.hash, &key);
        m.update(data);
        m.update(name);
        m.finalize().as_slice().to_vec()
    }

    fn cipher(&self, name: &[u8], iv: &[u8], data: &mut [u8], decrypt: bool) -> Result<(), TpmRc> {
        use tpm_crypto::sym::{AesKey, SymMode};
        if self.sym_alg != TpmAlgId::AES {
            return Err(TpmRc::SYMMETRIC);
        }
        let key = self.sym_key(name);
        let aes = AesKey::new(&key).map_err(|_| TpmRc::FAILURE)?;
        let mut ivb = [0u8; 16];
        if iv.len() != 16 {
            return Err(TpmRc::VALUE);
        }
        ivb.copy_from_slice(iv);
        let r = if decrypt {
            tpm_crypto::sym::decrypt(&aes, SymMode::Cfb, &mut ivb, data)
        } else {
            tpm_crypto::sym::encrypt(&aes, SymMode::Cfb, &mut ivb, data)
        };
        r.map_err(|_| TpmRc::FAILURE)
    }
}

/// libtpms `MarshalSensitive`: u16 size || TPMT_SENSITIVE, the authValue padded with zeros to
/// the nameAlg's digest size.
fn marshal_sensitive(s: &TpmtSensitive, name_alg: TpmAlgId) -> Result<Zeroizing<Vec<u8>>, TpmRc> {
    let mut padded = s.duplicate();
    let ds = digest_size(name_alg);
    if padded.auth_value.len() < ds {
        let mut a = Zeroizing::new(padded.auth_value.expose().to_vec());
        a.resize(ds, 0);
        padded.auth_value = Tpm2bAuth::new(&a).map_err(|_| TpmRc::FAILURE)?;
    }
    let mut body = Zeroizing::new(Vec::with_capacity(256));
    padded.marshal(&mut Writer::to_vec(&mut body));
    let mut out = Zeroizing::new(Vec::with_capacity(body.len() + 2));
    out.extend_from_slice(
        &u16::try_from(body.len())
            .map_err(|_| TpmRc::FAILURE)?
            .to_be_bytes(),
    );
    out.extend_from_slice(&body);
    Ok(out)
}

/// libtpms `SensitiveToPrivate`: the TPM2B_PRIVATE body of `s` under `parent`. `iv` is fresh
/// random bytes of the parent's block size.
pub(crate) fn sensitive_to_private(
    s: &TpmtSensitive,
    name: &[u8],
    name_alg: TpmAlgId,
    parent: &KeyObject,
    iv: &[u8],
) -> Result<Vec<u8>, TpmRc> {
    let prot = Protector::of(parent)?;
    wrap(&prot, s, name, name_alg, iv)
}

/// `ProduceOuterWrap` with an IV over the marshalled sensitive area.
fn wrap(
    prot: &Protector<'_>,
    s: &TpmtSensitive,
    name: &[u8],
    name_alg: TpmAlgId,
    iv: &[u8],
) -> Result<Vec<u8>, TpmRc> {
    if iv.len() != sym_block_size(prot.sym_alg) {
        return Err(TpmRc::FAILURE);
    }
    let mut inner = marshal_sensitive(s, name_alg)?;
    prot.cipher(name, iv, &mut inner, false)?;
    // Integrity covers the IV (with its size) and the encrypted data.
    let mut covered = Vec::with_capacity(2 + iv.len() + inner.len());
    covered.extend_from_slice(&u16::try_from(iv.len()).unwrap_or(0).to_be_bytes());
    covered.extend_from_slice(iv);
    covered.extend_from_slice(&inner);
    let integrity = prot.integrity(&covered, name);
    let mut out = Vec::with_capacity(2 + integrity.len() + covered.len());
    out.extend_from_slice(&u16::try_from(integrity.len()).unwrap_or(0).to_be_bytes());
    out.extend_from_slice(&integrity);
    out.extend_from_slice(&covered);
    Ok(out)
}

/// libtpms `SensitiveToPrivate` with no parent object (TPM2_ObjectChangeAuth of a primary):
/// the object's own nameAlg, the context encryption algorithm (AES-256) and `seed`
/// (nullProof) protect it.
pub(crate) fn sensitive_to_private_with(
    s: &TpmtSensitive,
    name: &[u8],
    name_alg: TpmAlgId,
    seed: &[u8],
    iv: &[u8],
) -> Result<Vec<u8>, TpmRc> {
    let prot = Protector {
        hash: HashAlg::from_tpm_alg(name_alg.0).ok_or(TpmRc::FAILURE)?,
        sym_alg: TpmAlgId::AES,
        key_bits: 256,
        seed,
    };
    wrap(&prot, s, name, name_alg, iv)
}

/// libtpms `PrivateToSensitive`: check and decrypt a TPM2B_PRIVATE body under `parent`.
/// Errors carry no parameter number (the caller adds it): TPM_RC_INTEGRITY for a wrong
/// integrity value, TPM_RC_VALUE for a wrong IV size, TPM_RC_SENSITIVE for a sensitive area
/// that does not unmarshal or fill its size, unmarshal codes for a short buffer.
pub(crate) fn private_to_sensitive(
    private: &[u8],
    name: &[u8],
    parent: &KeyObject,
    profile: &Profile,
) -> Result<TpmtSensitive, TpmRc> {
    let prot = Protector::of(parent)?;
    let mut r = Reader::new(private);
    let isize = usize::from(r.read_u16().map_err(TpmRc::from)?);
    if isize > 64 {
        return Err(TpmRc::SIZE);
    }
    let integrity = r.take(isize).map_err(TpmRc::from)?;
    let covered = r.rest();
    let want = prot.integrity(covered, name);
    if !tpm_crypto::secret::ct_eq(&want, integrity) {
        return Err(TpmRc::INTEGRITY);
    }
    let mut r = Reader::new(covered);
    let ivsize = usize::from(r.read_u16().map_err(TpmRc::from)?);
    if ivsize > 16 {
        return Err(TpmRc::SIZE);
    }
    let iv = r.take(ivsize).map_err(TpmRc::from)?;
    if iv.len() != sym_block_size(prot.sym_alg) {
        return Err(TpmRc::VALUE);
    }
    let mut plain = Zeroizing::new(r.rest().to_vec());
    prot.cipher(name, iv, &mut plain, true)?;
    let mut r = Reader::new(&plain);
    let size = usize::from(r.read_u16().map_err(TpmRc::from)?);
    if size + 2 != plain.len() {
        return Err(TpmRc::SENSITIVE);
    }
    let s = TpmtSensitive::unmarshal(&mut r, profile).map_err(|_| TpmRc::SENSITIVE)?;
    if !r.is_empty() {
        return Err(TpmRc::SENSITIVE);
    }
    Ok(s)
}

/// Encoding of a key object in the volatile image, in context blobs and in the persistent
/// store: public area, sensitive area (u16 size, 0 for none), Name, qualified Name,
/// hierarchy, flags, seed compat level. Our own format, marshalled with the TPM codec.
pub(crate) fn encode(o: &KeyObject, out: &mut Vec<u8>) {
    let mut w = Writer::to_vec(out);
    w.sized_u16(|w| o.public.marshal(w));
    match &o.sensitive {
        Some(s) => w.sized_u16(|w| s.marshal(w)),
        None => w.u16(0),
    }
    w.u16(u16::try_from(o.name.len()).unwrap_or(0));
    w.put(&o.name);
    w.u16(u16::try_from(o.qualified_name.len()).unwrap_or(0));
    w.put(&o.qualified_name);
    w.u32(o.hierarchy.0);
    w.u16(o.flags);
    w.u8(o.seed_compat);
}

/// The inverse of [`encode`]; `None` for anything malformed.
pub(crate) fn decode(r: &mut Reader<'_>) -> Option<KeyObject> {
    let p = Profile::ALL;
    let n = usize::from(r.read_u16().ok()?);
    let public: TpmtPublic<true> = tpm_wire::from_bytes(r.take(n).ok()?, &p).ok()?;
    let n = usize::from(r.read_u16().ok()?);
    let sensitive = if n == 0 {
        None
    } else {
        let b = Zeroizing::new(r.take(n).ok()?.to_vec());
        Some(tpm_wire::from_bytes::<TpmtSensitive>(&b, &p).ok()?)
    };
    let n = usize::from(r.read_u16().ok()?);
    let name = r.take(n).ok()?.to_vec();
    let n = usize::from(r.read_u16().ok()?);
    let qualified_name = r.take(n).ok()?.to_vec();
    let hierarchy = TpmHandle(r.read_u32().ok()?);
    let flags = r.read_u16().ok()?;
    let seed_compat = r.read_u8().ok()?;
    if !public.is_consistent() {
        return None;
    }
    Some(KeyObject {
        public,
        sensitive,
        name,
        qualified_name,
        hierarchy,
        flags,
        seed_compat,
    })
}

#[cfg(test)]
mod tests;
