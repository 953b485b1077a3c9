//! Deterministic primary-key derivation as the TCG reference implementation (and libtpms)
//! does it for TPM2_CreatePrimary (TPM 2.0 Part 3 §24.1; Part 1 §26.3 "Primary Keys").
//!
//! A primary object is not stored: it is re-derived from the hierarchy's primary seed and the
//! caller's template at every TPM2_CreatePrimary. Importing swtpm state therefore only yields
//! the same EK (the key its certificate names) if every step below matches libtpms bit for
//! bit. The facts were taken from libtpms 0.9 (`src/tpm2/HierarchyCommands.c`,
//! `CryptUtil.c`, `crypto/openssl/CryptRand.c`, `CryptRsa.c`, `CryptPrime.c`,
//! `CryptPrimeSieve.c`, `CryptEccMain.c`, `BnMath.c`, `NVMarshal.c`); the code here is our own.
//!
//! # The sequence, step by step
//!
//! 1. **Name of the template** — `PublicMarshalAndComputeName` (Object.c): the TPMT_PUBLIC
//!    *as received* (the `unique` field as the caller sent it, usually empty) is marshalled and
//!    hashed with its nameAlg; the Name is `nameAlg (u16 BE) || digest` ([`primary_name`]).
//! 2. **DRBG instantiation** — `TPM2_CreatePrimary` (HierarchyCommands.c) calls
//!    `DRBG_InstantiateSeeded(&rand, seed, PRIMARY_OBJECT_CREATION, name, inSensitive.data,
//!    seedCompatLevel)`: the hierarchy seed (EPS/SPS/PPS or the null seed), the label
//!    `"Primary Object Creation"` *including its terminating NUL* (24 bytes, `TPM2B_STRING`
//!    takes `sizeof`), the Name of step 1, and the `data` of TPMS_SENSITIVE_CREATE as received.
//!    They go through the reference code's own AES-256 derivation function into a CTR_DRBG
//!    ([`drbg::PrimaryDrbg`]; `DfStart`/`DfUpdate`/`DfEnd`, `DRBG_Reseed`, `DRBG_Update`).
//!    Note: this is a `DRBG_STATE`, not the KDFa-based `KDF_STATE`; libtpms uses the KDF state
//!    (`DRBG_InstantiateSeededKdf`, label = purpose, context = parent-derived) only for
//!    TPM2_CreateLoaded under a derivation parent.
//! 3. **The key** — `CryptCreateObject` (CryptUtil.c) dispatches on the type:
//!    * RSA — `CryptRsaGenerateKey` (CryptRsa.c): exponent 0 means 65537; other exponents must
//!      be ≥ 65537 and pass `IsPrimeInt` (TPM_RC_RANGE otherwise); key bits a multiple of 1024.
//!      Then up to 99 rounds of `BnGeneratePrimeForRSA(bits/2)` (CryptPrime.c):
//!      * candidate: level 1 `BnGetRandomBits` (one DRBG request of bits/8 bytes, big-endian);
//!        level 0 `DRBG_Generate` straight into the little-endian 64-bit word array
//!        (libtpms parity: so the bytes are read *little-endian*);
//!      * top bits: `RsaAdjustPrimeCandidate_New` (level 1) maps the top 32 bits into
//!        [0xB5050000, 2^32); `RsaAdjustPrimeCandidate_PreRev155` (level 0) sets the top 16
//!        bits to `0xB505 + top16·0x4AFB/2^16` and clears bits 16..47 of the top word; both
//!        make the candidate odd;
//!      * `PrimeSelectWithSieve` (CryptPrimeSieve.c): the candidate is moved down to an odd
//!        multiple of 105, a 2048-byte field of odd numbers is sieved with the table primes up
//!        to 8167 (primes ≤ 512 bits), 38891 (≤ 1024 bits) or 65521 (larger), then surviving
//!        bits are picked pseudo-randomly by `(first % ones) + 1` with `first` the low 32 bits
//!        of the candidate ORed with 2^31; a pick `t` is tried if `t mod e ∉ {0, 1}` and then
//!        `MillerRabin` (CryptPrime.c) with `MillerRabinRounds` (5 rounds below 1536 bits, 4
//!        from there) and the bases drawn from the *same* DRBG (`BnGetRandomBits(wlen)`,
//!        redrawn while `b ≤ 1` or `b ≥ w − 1`); an exhausted field draws a new candidate;
//!      * the first prime found becomes Q, the next ones P; a P within 2^100 of Q
//!        (`BnMsb(|P − Q|) < 100`) is replaced; `ComputePrivateExponent` (CRT form) must find
//!        e⁻¹ mod (p−1) and mod (q−1), else the failing prime is zeroed and Q refilled from P.
//!
//!      The sensitive area holds P (the *later* prime) and `unique.rsa` = P·Q.
//!      For signing keys the reference then draws a trial message from the DRBG
//!      (`BnGenerateRandomInRange`); that only affects the `seedValue`, which signing keys
//!      discard (step 5), so it is not reproduced.
//!    * ECC — `CryptEccGenerateKey` → `BnEccGenerateKeyPair` → `BnEccGetPrivate`
//!      (CryptEccMain.c): one request of `orderBytes + 8` bytes (`BnGetRandomBits`), d =
//!      c mod (n − 1) + 1 (FIPS 186-4 B.4.1), Q = dG. No compat-level variant.
//!    * SYMCIPHER — `CryptGenerateKeySymmetric`: one request of keyBits/8 bytes (unless
//!      the caller supplied the key and `sensitiveDataOrigin` is clear).
//!    * KEYEDHASH — `CryptGenerateKeyedHash`: one request of the scheme hash's digest size
//!      (nameAlg for a null scheme), unless the caller supplied the data.
//! 4. **Proof stirring** — for a primary of the *endorsement* hierarchy, `CryptCreateObject`
//!    calls `DRBG_AdditionalData` with `shProof`, then with `ehProof` (each through the
//!    derivation function, then a reseed), so the EK's `seedValue` cannot be computed from
//!    the EPS alone.
//! 5. **seedValue** — one request of nameAlg's digest size. It is the storage key's
//!    protection seed (a restricted decryption key derives its child-protection AES key and
//!    HMAC key from it with KDFa); libtpms zeroes it for RSA/ECC keys that sign or are not
//!    restricted. A storage primary has no separate symmetric key in its sensitive area.
//! 6. **unique of symmetric objects** — `CryptComputeSymmetricUnique`: for restricted
//!    decryption keys HMAC_nameAlg(key = seedValue, data = sensitive), otherwise
//!    H_nameAlg(seedValue || sensitive) ([`symmetric_unique`]).
//!
//! # SEED_COMPAT_LEVEL
//!
//! libtpms keeps a compatibility level per primary seed (`EPSeedCompatLevel`,
//! `SPSeedCompatLevel`, `PPSeedCompatLevel` in PERSISTENT_DATA, `nullSeedCompatLevel` in
//! STATE_RESET_DATA) and per loaded OBJECT (inherited by children). A state marshalled before
//! the field existed unmarshals as level 0 (ORIGINAL); a seed (re)generated by a libtpms that
//! knows the fix (TPM2_Clear, ChangeEPS/PPS, manufacture) gets level 1
//! (RSA_PRIME_ADJUST_FIX). Only RSA prime generation differs between the levels.
//!
//! Level 0 follows a 64-bit little-endian libtpms build (x86_64, aarch64, ppc64le, …), as its
//! output there depends on the host's word layout; big-endian or 32-bit builds produced other
//! keys at that level.
//!
//! # Performance
//!
//! RSA derivation is slow by nature (a prime search with Miller-Rabin on constant-time
//! arithmetic); callers should cache derived primaries by (seed, template) as the
//! architecture notes suggest.

mod drbg;
mod ecc;
mod num;
mod rsa;

#[cfg(test)]
mod tests;

pub use drbg::PrimaryDrbg;
pub use ecc::EccCurve;

use core::fmt;

use zeroize::Zeroizing;

use crate::Error;
use crate::hash::{Digest, HashAlg, Hasher};
use crate::hmac::hmac;

/// A source of derivation bytes: the primary DRBG (`DRBG_STATE`) or, for objects derived
/// under a derivation parent with TPM2_CreateLoaded, the KDFa stream (`KDF_STATE`). Both
/// are driven through libtpms `DRBG_Generate`.
pub trait DerivationRng {
    /// The next `out.len()` bytes.
    ///
    /// # Errors
    /// [`Error::Limit`] when the generator reached its limit.
    fn generate(&mut self, out: &mut [u8]) -> Result<(), Error>;
}

impl DerivationRng for PrimaryDrbg {
    fn generate(&mut self, out: &mut [u8]) -> Result<(), Error> {
        PrimaryDrbg::generate(self, out)
    }
}

impl DerivationRng for crate::kdf::KdfaStream {
    fn generate(&mut self, out: &mut [u8]) -> Result<(), Error> {
        crate::kdf::KdfaStream::generate(self, out)
    }
}

/// libtpms `TPM_MAX_DERIVATION_BITS`: the limit of a derivation KDF stream.
pub const MAX_DERIVATION_BITS: u32 = 8192;

/// The KDF_STATE of TPM2_CreateLoaded under a derivation parent (libtpms
/// `DRBG_InstantiateSeededKdf`): KDFa with the parent's XOR-scheme hash, keyed with the
/// parent's sensitive value, the label and context of TPMS_DERIVE, limited to
/// [`MAX_DERIVATION_BITS`].
pub fn derivation_stream(
    alg: HashAlg,
    parent_key: &[u8],
    label: &[u8],
    context: &[u8],
) -> crate::kdf::KdfaStream {
    crate::kdf::KdfaStream::new(alg, parent_key, label, context, &[], MAX_DERIVATION_BITS)
}

/// A derived ECC object (TPM2_CreateLoaded under a derivation parent): the key, then the
/// `seedValue` of `name_alg`'s size, both from `rng`.
///
/// # Errors
/// [`Error::Limit`] when the stream runs out, [`Error::Internal`] for a broken invariant.
pub fn derive_ecc_with<R: DerivationRng + ?Sized>(
    rng: &mut R,
    curve: EccCurve,
    name_alg: HashAlg,
) -> Result<DerivedEcc, Error> {
    let key = ecc::generate_key(curve, rng)?;
    let mut seed_value = Zeroizing::new(vec![0u8; name_alg.digest_size()]);
    rng.generate(&mut seed_value)?;
    Ok(DerivedEcc {
        curve,
        d: key.d,
        x: key.x,
        y: key.y,
        seed_value,
    })
}

/// A derived SYMCIPHER or KEYEDHASH object: `bytes` of key, then the `seedValue`.
///
/// # Errors
/// [`Error::Limit`] when the stream runs out.
pub fn derive_symmetric_with<R: DerivationRng + ?Sized>(
    rng: &mut R,
    bytes: usize,
    name_alg: HashAlg,
) -> Result<DerivedSymmetric, Error> {
    let mut key = Zeroizing::new(vec![0u8; bytes]);
    rng.generate(&mut key)?;
    let mut seed_value = Zeroizing::new(vec![0u8; name_alg.digest_size()]);
    rng.generate(&mut seed_value)?;
    Ok(DerivedSymmetric { key, seed_value })
}

/// The purpose label of TPM2_CreatePrimary, `PRIMARY_OBJECT_CREATION` in the reference code,
/// with its terminating NUL (libtpms parity: `TPM2B_STRING` uses `sizeof` of the literal).
pub const PRIMARY_OBJECT_CREATION: &[u8] = b"Primary Object Creation\0";

/// libtpms's `SEED_COMPAT_LEVEL`, kept per hierarchy seed in its permanent state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SeedCompat {
    /// `SEED_COMPAT_LEVEL_ORIGINAL` (0): RSA primes as before TCG rev 1.55
    /// (`RsaAdjustPrimeCandidate_PreRev155`, candidate bytes read as host words).
    Level0,
    /// `SEED_COMPAT_LEVEL_RSA_PRIME_ADJUST_FIX` (1): the fixed algorithm.
    Level1,
}

impl SeedCompat {
    /// The level as stored in libtpms state (one byte).
    pub fn from_u8(level: u8) -> Option<SeedCompat> {
        match level {
            0 => Some(SeedCompat::Level0),
            1 => Some(SeedCompat::Level1),
            _ => None,
        }
    }

    /// The stored byte.
    pub fn to_u8(self) -> u8 {
        match self {
            SeedCompat::Level0 => 0,
            SeedCompat::Level1 => 1,
        }
    }
}

/// What a TPM2_CreatePrimary derivation starts from.
#[derive(Clone, Copy)]
pub struct PrimaryInputs<'a> {
    /// The hierarchy's primary seed (EPS, SPS, PPS or null seed), as stored.
    pub seed: &'a [u8],
    /// The seed's compatibility level.
    pub compat: SeedCompat,
    /// The template's Name ([`primary_name`]).
    pub name: &'a [u8],
    /// `inSensitive.sensitive.data` as received (usually empty); it seeds the DRBG even when
    /// `sensitiveDataOrigin` makes the TPM ignore it as key material.
    pub sensitive_data: &'a [u8],
    /// The template's nameAlg; sizes the `seedValue`.
    pub name_alg: HashAlg,
    /// For the endorsement hierarchy: `(shProof, ehProof)`, stirred in before the
    /// `seedValue` is drawn. `None` for the other hierarchies.
    pub endorsement_proofs: Option<(&'a [u8], &'a [u8])>,
}

impl fmt::Debug for PrimaryInputs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrimaryInputs")
            .field("seed", &"<redacted>")
            .field("compat", &self.compat)
            .field("name", &self.name)
            .field("name_alg", &self.name_alg)
            .field(
                "endorsement_proofs",
                &self.endorsement_proofs.map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

impl PrimaryInputs<'_> {
    /// Step 2: the DRBG every derivation draws from.
    ///
    /// # Errors
    /// [`Error::Length`] for inputs beyond 2^32 bytes.
    pub fn drbg(&self) -> Result<PrimaryDrbg, Error> {
        PrimaryDrbg::instantiate_seeded(
            self.seed,
            PRIMARY_OBJECT_CREATION,
            self.name,
            self.sensitive_data,
        )
    }

    /// Steps 4 and 5 on a DRBG that has produced the key.
    fn seed_value(&self, drbg: &mut PrimaryDrbg) -> Result<Zeroizing<Vec<u8>>, Error> {
        if let Some((sh_proof, eh_proof)) = self.endorsement_proofs {
            drbg.additional_data(sh_proof)?;
            drbg.additional_data(eh_proof)?;
        }
        let mut seed_value = Zeroizing::new(vec![0u8; self.name_alg.digest_size()]);
        drbg.generate(&mut seed_value)?;
        Ok(seed_value)
    }
}

/// The Name of a template: `nameAlg || H_nameAlg(marshalled TPMT_PUBLIC)` (TPM 2.0 Part 1
/// §16 "Names"). Pass the TPMT_PUBLIC exactly as the caller sent it in TPM2_CreatePrimary.
pub fn primary_name(name_alg: HashAlg, marshalled_public: &[u8]) -> Vec<u8> {
    let mut h = Hasher::new(name_alg);
    h.update(marshalled_public);
    let d = h.finalize();
    let mut out = Vec::with_capacity(2 + d.len());
    out.extend_from_slice(&name_alg.tpm_alg().to_be_bytes());
    out.extend_from_slice(d.as_slice());
    out
}

/// A derived RSA primary key.
pub struct DerivedRsa {
    n: Vec<u8>,
    e: u32,
    p: Zeroizing<Vec<u8>>,
    q: Zeroizing<Vec<u8>>,
    seed_value: Zeroizing<Vec<u8>>,
}

impl DerivedRsa {
    /// The modulus, big-endian, exactly keyBits/8 bytes (`unique.rsa`).
    pub fn n(&self) -> &[u8] {
        &self.n
    }
    /// The public exponent in effect (65537 for a template exponent of 0).
    pub fn e(&self) -> u32 {
        self.e
    }
    /// The prime the TPM keeps in the sensitive area (`sensitive.rsa`), keyBits/16 bytes.
    pub fn p(&self) -> &[u8] {
        &self.p
    }
    /// The other prime.
    pub fn q(&self) -> &[u8] {
        &self.q
    }
    /// The derived `seedValue` (nameAlg digest size). libtpms keeps it only for restricted
    /// decryption keys; for signing keys it zeroes it, and this value is then not the one
    /// libtpms drew (its trial encryption consumed DRBG output first), so callers must zero it
    /// too.
    pub fn seed_value(&self) -> &[u8] {
        &self.seed_value
    }

    /// The key as an `rsa` private key (CRT values precomputed).
    ///
    /// # Errors
    /// [`Error::Key`] if the `rsa` crate rejects the factors.
    pub fn to_private_key(&self) -> Result<::rsa::RsaPrivateKey, Error> {
        let p = num::to_uint(&self.p)?;
        let q = num::to_uint(&self.q)?;
        let e = crypto_bigint::BoxedUint::from(u64::from(self.e));
        ::rsa::RsaPrivateKey::from_p_q(p, q, e).map_err(|_| Error::Key)
    }
}

impl fmt::Debug for DerivedRsa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DerivedRsa")
            .field("bits", &(self.n.len() * 8))
            .field("e", &self.e)
            .field("p", &"<redacted>")
            .field("q", &"<redacted>")
            .field("seed_value", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Derive an RSA primary key (steps 2–5).
///
/// # Errors
/// [`Error::Value`] for an exponent the reference code rejects (TPM_RC_RANGE),
/// [`Error::Unsupported`] for key sizes other than 1024/2048/3072/4096,
/// [`Error::Limit`] if no key was found in 99 rounds or the DRBG hit its limit
/// (TPM_RC_NO_RESULT), [`Error::Internal`] for a broken invariant.
pub fn derive_rsa_primary(
    inputs: &PrimaryInputs<'_>,
    key_bits: u16,
    exponent: u32,
) -> Result<DerivedRsa, Error> {
    let e = rsa::check_exponent(exponent)?;
    let mut drbg = inputs.drbg()?;
    let primes = rsa::generate_key(key_bits, e, inputs.compat, &mut drbg)?;
    let seed_value = inputs.seed_value(&mut drbg)?;
    Ok(DerivedRsa {
        n: primes.n,
        e,
        p: primes.p,
        q: primes.q,
        seed_value,
    })
}

/// A derived ECC primary key.
pub struct DerivedEcc {
    curve: EccCurve,
    d: Zeroizing<Vec<u8>>,
    x: Vec<u8>,
    y: Vec<u8>,
    seed_value: Zeroizing<Vec<u8>>,
}

impl DerivedEcc {
    /// The curve.
    pub fn curve(&self) -> EccCurve {
        self.curve
    }
    /// The private scalar, big-endian, curve size (`sensitive.ecc`).
    pub fn d(&self) -> &[u8] {
        &self.d
    }
    /// The public point's x coordinate (`unique.ecc.x`).
    pub fn x(&self) -> &[u8] {
        &self.x
    }
    /// The public point's y coordinate (`unique.ecc.y`).
    pub fn y(&self) -> &[u8] {
        &self.y
    }
    /// The derived `seedValue` (see [`DerivedRsa::seed_value`]).
    pub fn seed_value(&self) -> &[u8] {
        &self.seed_value
    }
}

impl fmt::Debug for DerivedEcc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DerivedEcc")
            .field("curve", &self.curve)
            .field("d", &"<redacted>")
            .field("x", &self.x)
            .field("y", &self.y)
            .field("seed_value", &"<redacted>")
            .finish()
    }
}

/// Derive an ECC primary key (steps 2–5).
///
/// # Errors
/// [`Error::Limit`] if the DRBG hit its limit, [`Error::Internal`] for a broken invariant.
pub fn derive_ecc_primary(
    inputs: &PrimaryInputs<'_>,
    curve: EccCurve,
) -> Result<DerivedEcc, Error> {
    let mut drbg = inputs.drbg()?;
    let key = ecc::generate_key(curve, &mut drbg)?;
    let seed_value = inputs.seed_value(&mut drbg)?;
    Ok(DerivedEcc {
        curve,
        d: key.d,
        x: key.x,
        y: key.y,
        seed_value,
    })
}

/// Where the sensitive value of a SYMCIPHER or KEYEDHASH primary comes from.
#[derive(Clone, Copy)]
pub enum SymKey<'a> {
    /// The TPM generates it: keyBits/8 bytes for SYMCIPHER, the scheme hash's digest size
    /// (nameAlg for a null scheme) for KEYEDHASH.
    Generate {
        /// Bytes to draw.
        bytes: usize,
    },
    /// The caller supplied it in `inSensitive.data` and `sensitiveDataOrigin` is clear (the
    /// caller has checked its size); nothing is drawn.
    Provided(&'a [u8]),
}

impl fmt::Debug for SymKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SymKey::Generate { bytes } => f.debug_struct("Generate").field("bytes", bytes).finish(),
            SymKey::Provided(_) => f.write_str("Provided(<redacted>)"),
        }
    }
}

/// A derived SYMCIPHER or KEYEDHASH primary.
pub struct DerivedSymmetric {
    key: Zeroizing<Vec<u8>>,
    seed_value: Zeroizing<Vec<u8>>,
}

impl DerivedSymmetric {
    /// The sensitive value (`sensitive.sym` or `sensitive.bits`).
    pub fn key(&self) -> &[u8] {
        &self.key
    }
    /// The derived `seedValue`.
    pub fn seed_value(&self) -> &[u8] {
        &self.seed_value
    }
}

impl fmt::Debug for DerivedSymmetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DerivedSymmetric(<redacted>)")
    }
}

/// Derive a SYMCIPHER or KEYEDHASH primary (steps 2–5). The caller computes `unique` with
/// [`symmetric_unique`].
///
/// # Errors
/// [`Error::Limit`] if the DRBG hit its limit or `bytes` exceeds 64 KiB.
pub fn derive_symmetric_primary(
    inputs: &PrimaryInputs<'_>,
    key: SymKey<'_>,
) -> Result<DerivedSymmetric, Error> {
    let mut drbg = inputs.drbg()?;
    let key = match key {
        SymKey::Generate { bytes } => {
            let mut k = Zeroizing::new(vec![0u8; bytes]);
            drbg.generate(&mut k)?;
            k
        }
        SymKey::Provided(data) => Zeroizing::new(data.to_vec()),
    };
    let seed_value = inputs.seed_value(&mut drbg)?;
    Ok(DerivedSymmetric { key, seed_value })
}

/// `CryptComputeSymmetricUnique` (CryptUtil.c): the `unique` digest of a SYMCIPHER or
/// KEYEDHASH object. Restricted decryption keys (parents) use
/// HMAC_nameAlg(seedValue, sensitive); all others H_nameAlg(seedValue || sensitive).
pub fn symmetric_unique(
    name_alg: HashAlg,
    restricted_decrypt: bool,
    seed_value: &[u8],
    sensitive: &[u8],
) -> Digest {
    if restricted_decrypt {
        hmac(name_alg, seed_value, sensitive)
    } else {
        let mut h = Hasher::new(name_alg);
        h.update(seed_value);
        h.update(sensitive);
        h.finalize()
    }
}
