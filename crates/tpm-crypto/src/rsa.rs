//! RSA for the TPM (TPM 2.0 Part 1 §11.2.2; PKCS #1 v2.2 = RFC 8017): 1024- to 4096-bit keys,
//! RSASSA-PKCS1-v1_5 and RSASSA-PSS signatures, RSAES-PKCS1-v1_5 and RSAES-OAEP encryption,
//! and raw RSA (TPM_ALG_NULL scheme) with the reference code's length rules.
//!
//! Choices, with their sources:
//! - PSS signing uses a salt of the digest size, or the largest the key allows if smaller
//!   (`emLen - hLen - 2`), as the TCG reference code does (`PssEncode`, CryptRsa.c; Part 1
//!   §11.2.2 notes the TPM uses the digest size). PSS verification accepts any salt length,
//!   as the reference `PssDecode` recovers the salt from the encoding; signatures from other
//!   signers with other salt lengths therefore verify.
//! - OAEP labels follow the TPM convention (Part 1 §11.4.2, e.g. "DUPLICATE", "SECRET",
//!   "IDENTITY"): a non-empty label is used with its terminating 0x00, appended here if the
//!   caller left it off; an empty label stays empty.
//! - Decryption is no padding oracle: the private operation runs on crypto-bigint in constant
//!   time (rsa 0.10; RUSTSEC-2023-0071), padding checks in the `rsa` crate are constant time,
//!   and every padding failure is the single [`Error::Decrypt`]. Only public facts (the
//!   ciphertext length) give a different error.
//! - A ciphertext must be exactly the modulus size (reference `CryptRsaDecrypt`: TPM_RC_SIZE).
//! - Limitation: private keys need e >= 65537 (the rsa crate rejects small exponents for
//!   private keys); public operations accept the small exponents CAVP uses (3, 17).

use rsa::BoxedUint;
use rsa::traits::{PaddingScheme, PublicKeyParts, SignatureScheme};
use rsa::{Oaep, Pkcs1v15Encrypt, Pkcs1v15Sign, Pss};
use sha1::Sha1;
use sha2::{Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

use crate::Error;
use crate::drbg::Drbg;
use crate::hash::HashAlg;
use crate::secret::SecretBytes;

/// Smallest and largest modulus the TPM supports (TPMI_RSA_KEY_BITS).
const MIN_BITS: usize = 1024;
const MAX_BITS: usize = 4096;

/// The TPM default public exponent, used when TPMS_RSA_PARMS.exponent is 0 (Part 2 §12.2.3.5).
pub const DEFAULT_EXPONENT: u32 = 65537;

/// DigestInfo prefixes for EMSA-PKCS1-v1_5 (RFC 8017 §9.2, note 1).
fn digest_info_prefix(alg: HashAlg) -> &'static [u8] {
    match alg {
        HashAlg::Sha1 => &[
            0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04,
            0x14,
        ],
        HashAlg::Sha256 => &[
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ],
        HashAlg::Sha384 => &[
            0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x02, 0x05, 0x00, 0x04, 0x30,
        ],
        HashAlg::Sha512 => &[
            0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x03, 0x05, 0x00, 0x04, 0x40,
        ],
    }
}

fn pkcs1v15_sign(alg: HashAlg) -> Pkcs1v15Sign {
    Pkcs1v15Sign {
        hash_len: Some(alg.digest_size()),
        prefix: digest_info_prefix(alg).into(),
    }
}

/// Run `$body` with `$D` bound to the RustCrypto digest type of `$alg`.
macro_rules! with_digest {
    ($alg:expr, $D:ident => $body:expr) => {
        match $alg {
            HashAlg::Sha1 => {
                type $D = Sha1;
                $body
            }
            HashAlg::Sha256 => {
                type $D = Sha256;
                $body
            }
            HashAlg::Sha384 => {
                type $D = Sha384;
                $body
            }
            HashAlg::Sha512 => {
                type $D = Sha512;
                $body
            }
        }
    };
}

/// The label with its terminating zero (TPM convention; empty stays empty).
fn tpm_label(label: &[u8]) -> Option<Box<[u8]>> {
    if label.is_empty() {
        return None;
    }
    let mut l = label.to_vec();
    if l.last() != Some(&0) {
        l.push(0);
    }
    Some(l.into_boxed_slice())
}

fn uint(bytes: &[u8]) -> BoxedUint {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    BoxedUint::from_be_slice_vartime(bytes.get(start..).unwrap_or(&[]))
}

/// `v` as exactly `len` big-endian bytes (leading zeros stripped or added).
fn to_fixed(v: &[u8], len: usize) -> Result<Vec<u8>, Error> {
    let start = v.iter().position(|b| *b != 0).unwrap_or(v.len());
    let v = v.get(start..).unwrap_or(&[]);
    let pad = len.checked_sub(v.len()).ok_or(Error::Internal)?;
    let mut out = vec![0u8; pad];
    out.extend_from_slice(v);
    Ok(out)
}

fn exponent(e: u32) -> BoxedUint {
    BoxedUint::from(u64::from(if e == 0 { DEFAULT_EXPONENT } else { e }))
}

/// An RSA public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RsaPublicKey(rsa::RsaPublicKey);

/// An RSA private key (wipes itself on drop: `rsa::RsaPrivateKey` is `ZeroizeOnDrop`).
pub struct RsaPrivateKey(rsa::RsaPrivateKey);

impl RsaPublicKey {
    /// A public key from the modulus (big-endian) and exponent (0 = 65537).
    ///
    /// # Errors
    /// [`Error::Key`] when the modulus is even, outside 1024..=4096 bits, or not above e, or e
    /// is too small.
    pub fn new(n: &[u8], e: u32) -> Result<RsaPublicKey, Error> {
        rsa::RsaPublicKey::new_with_size_limits(uint(n), exponent(e), MIN_BITS..=MAX_BITS)
            .map(RsaPublicKey)
            .map_err(|_| Error::Key)
    }

    /// Modulus size in bytes (k of RFC 8017).
    pub fn size(&self) -> usize {
        self.0.size()
    }

    /// The modulus, exactly [`RsaPublicKey::size`] bytes.
    pub fn modulus(&self) -> Vec<u8> {
        to_fixed(&self.0.n().to_be_bytes(), self.size()).unwrap_or_default()
    }

    /// Verify an RSASSA-PKCS1-v1_5 signature over `digest` (TPM_ALG_RSASSA).
    ///
    /// # Errors
    /// [`Error::Signature`].
    pub fn verify_pkcs1v15(&self, alg: HashAlg, digest: &[u8], sig: &[u8]) -> Result<(), Error> {
        self.0
            .verify(pkcs1v15_sign(alg), digest, sig)
            .map_err(|_| Error::Signature)
    }

    /// Verify an RSASSA-PSS signature over `digest` with MGF1 of the same hash, any salt
    /// length (TPM_ALG_RSAPSS; see module docs).
    ///
    /// # Errors
    /// [`Error::Signature`].
    pub fn verify_pss(&self, alg: HashAlg, digest: &[u8], sig: &[u8]) -> Result<(), Error> {
        if digest.len() != alg.digest_size() {
            return Err(Error::Signature);
        }
        with_digest!(alg, D => {
            let scheme = Pss::<D> { blinded: false, digest: <D as sha2::Digest>::new(), salt_len: None };
            SignatureScheme::verify(scheme, &self.0, digest, sig).map_err(|_| Error::Signature)
        })
    }

    /// RSAES-OAEP encryption (TPM_ALG_OAEP) with hash `alg` for the label and MGF1.
    ///
    /// # Errors
    /// [`Error::Value`] when the message is too long for the key (TPM_RC_VALUE); a DRBG
    /// failure.
    pub fn encrypt_oaep(
        &self,
        alg: HashAlg,
        label: &[u8],
        msg: &[u8],
        rng: &mut Drbg,
    ) -> Result<Vec<u8>, Error> {
        let label = tpm_label(label);
        with_digest!(alg, D => {
            let scheme = match label {
                Some(l) => Oaep::<D>::new_with_label(l),
                None => Oaep::<D>::new(),
            };
            PaddingScheme::encrypt(scheme, rng, &self.0, msg).map_err(|_| Error::Value)
        })
    }

    /// RSAES-PKCS1-v1_5 encryption (TPM_ALG_RSAES).
    ///
    /// # Errors
    /// [`Error::Value`] when the message is longer than k - 11; a DRBG failure.
    pub fn encrypt_pkcs1v15(&self, msg: &[u8], rng: &mut Drbg) -> Result<Vec<u8>, Error> {
        PaddingScheme::encrypt(Pkcs1v15Encrypt, rng, &self.0, msg).map_err(|_| Error::Value)
    }

    /// Raw RSA, m^e mod n (TPM_ALG_NULL scheme). As the reference code: leading zero bytes
    /// of `msg` are ignored, the rest must fit in k bytes and be less than n; the result is
    /// k bytes.
    ///
    /// # Errors
    /// [`Error::Value`] when the message is longer than k or not less than n (TPM_RC_VALUE).
    pub fn encrypt_raw(&self, msg: &[u8]) -> Result<Vec<u8>, Error> {
        let k = self.size();
        let m = to_fixed(msg, k).map_err(|_| Error::Value)?;
        let n = self.0.n();
        let m =
            BoxedUint::from_be_slice(&m, n.as_ref().bits_precision()).map_err(|_| Error::Value)?;
        if m >= *n.as_ref() {
            return Err(Error::Value);
        }
        let c = rsa::hazmat::rsa_encrypt(&self.0, &m).map_err(|_| Error::Value)?;
        to_fixed(&c.to_be_bytes(), k)
    }
}

impl RsaPrivateKey {
    /// Generate a key (ordinary, non-primary keys; RustCrypto's generator driven by the DRBG).
    /// `e` = 0 means 65537.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for a size other than 1024/2048/3072/4096; a DRBG failure;
    /// [`Error::Key`] if generation fails.
    pub fn generate(bits: u16, e: u32, rng: &mut Drbg) -> Result<RsaPrivateKey, Error> {
        if !matches!(bits, 1024 | 2048 | 3072 | 4096) {
            return Err(Error::Unsupported);
        }
        let mut r = rng.infallible();
        let k = rsa::RsaPrivateKey::new_with_exp(&mut r, usize::from(bits), exponent(e));
        r.finish()?;
        k.map(RsaPrivateKey).map_err(|_| Error::Key)
    }

    fn check_size(k: rsa::RsaPrivateKey) -> Result<RsaPrivateKey, Error> {
        let bits = k.n().as_ref().bits_vartime() as usize;
        if !(MIN_BITS..=MAX_BITS).contains(&bits) {
            return Err(Error::Key);
        }
        Ok(RsaPrivateKey(k))
    }

    /// A private key from its primes (TPM2B_PRIVATE_KEY_RSA carries one prime; the primary
    /// derivation produces both). `e` = 0 means 65537.
    ///
    /// # Errors
    /// [`Error::Key`] for equal primes, an exponent not invertible mod λ(n), or a modulus
    /// outside 1024..=4096 bits.
    pub fn from_p_q_e(p: &[u8], q: &[u8], e: u32) -> Result<RsaPrivateKey, Error> {
        let k =
            rsa::RsaPrivateKey::from_p_q(uint(p), uint(q), exponent(e)).map_err(|_| Error::Key)?;
        Self::check_size(k)
    }

    /// A private key from the public modulus and one prime (TPM2_Load of an RSA key: the
    /// sensitive area holds p; q = n / p, TPM 2.0 Part 1 §11.2.2 / reference
    /// `CryptRsaLoadPrivateExponent`).
    ///
    /// # Errors
    /// [`Error::Key`] when p does not divide n (TPM_RC_BINDING in the engine) or the key is
    /// otherwise invalid.
    pub fn from_n_e_p(n: &[u8], e: u32, p: &[u8]) -> Result<RsaPrivateKey, Error> {
        let n = uint(n);
        let p = Zeroizing::new(
            BoxedUint::from_be_slice(
                &to_fixed(p, n.bits_precision() as usize / 8).map_err(|_| Error::Key)?,
                n.bits_precision(),
            )
            .map_err(|_| Error::Key)?,
        );
        let pnz = crypto_bigint::NonZero::new(BoxedUint::clone(&p))
            .into_option()
            .ok_or(Error::Key)?;
        let (q, r) = n.div_rem(&pnz);
        if !bool::from(r.is_zero()) || bool::from(q.is_one()) || bool::from(p.is_one()) {
            return Err(Error::Key);
        }
        let q = Zeroizing::new(q);
        let pb = Zeroizing::new(p.to_be_bytes());
        let qb = Zeroizing::new(q.to_be_bytes());
        Self::from_p_q_e(&pb, &qb, e)
    }

    /// A private key from n, e and d (the primes are recovered, SP 800-56B Appendix C.2, which
    /// requires 2^16 < e; the TPM's exponents are 65537 or larger in practice).
    ///
    /// # Errors
    /// [`Error::Key`] when the components are inconsistent or e is below 2^16.
    pub fn from_n_e_d(n: &[u8], e: u32, d: &[u8]) -> Result<RsaPrivateKey, Error> {
        let d = Zeroizing::new(uint(d));
        let k =
            rsa::RsaPrivateKey::from_components(uint(n), exponent(e), BoxedUint::clone(&d), vec![])
                .map_err(|_| Error::Key)?;
        Self::check_size(k)
    }

    /// The public half.
    pub fn public_key(&self) -> RsaPublicKey {
        RsaPublicKey(self.0.to_public_key())
    }

    /// Modulus size in bytes.
    pub fn size(&self) -> usize {
        self.0.size()
    }

    /// The first prime, exactly half the modulus size (the TPM's sensitive value).
    pub fn prime(&self) -> SecretBytes {
        use rsa::traits::PrivateKeyParts;
        let half = self.size() / 2;
        match self.0.primes().first() {
            Some(p) => {
                let b = Zeroizing::new(p.to_be_bytes());
                SecretBytes::new(to_fixed(&b, half).unwrap_or_default())
            }
            None => SecretBytes::default(),
        }
    }

    /// RSASSA-PKCS1-v1_5 signature over `digest` (TPM_ALG_RSASSA).
    ///
    /// # Errors
    /// [`Error::Value`] when the digest has the wrong size or the key is too small.
    pub fn sign_pkcs1v15(&self, alg: HashAlg, digest: &[u8]) -> Result<Vec<u8>, Error> {
        if digest.len() != alg.digest_size() {
            return Err(Error::Value);
        }
        self.0
            .sign(pkcs1v15_sign(alg), digest)
            .map_err(|_| Error::Value)
    }

    /// RSASSA-PSS signature over `digest` (TPM_ALG_RSAPSS), salt per module docs.
    ///
    /// # Errors
    /// [`Error::Value`] when the digest has the wrong size or the key is too small; a DRBG
    /// failure.
    pub fn sign_pss(&self, alg: HashAlg, digest: &[u8], rng: &mut Drbg) -> Result<Vec<u8>, Error> {
        let h = alg.digest_size();
        if digest.len() != h {
            return Err(Error::Value);
        }
        // emLen = ceil((modBits - 1) / 8); salt = min(hLen, emLen - hLen - 2).
        let mod_bits = self.0.n().as_ref().bits_vartime() as usize;
        let em_len = mod_bits.saturating_sub(1).div_ceil(8);
        let salt = em_len.checked_sub(h + 2).ok_or(Error::Value)?.min(h);
        with_digest!(alg, D => {
            let scheme = Pss::<D> { blinded: false, digest: <D as sha2::Digest>::new(), salt_len: Some(salt) };
            SignatureScheme::sign(scheme, Some(rng), &self.0, digest).map_err(|_| Error::Value)
        })
    }

    fn check_ciphertext(&self, c: &[u8]) -> Result<(), Error> {
        if c.len() != self.size() {
            return Err(Error::Length);
        }
        Ok(())
    }

    /// RSAES-OAEP decryption. Every failure after the length check is [`Error::Decrypt`].
    ///
    /// # Errors
    /// [`Error::Length`] when the ciphertext is not k bytes; [`Error::Decrypt`] otherwise.
    pub fn decrypt_oaep(&self, alg: HashAlg, label: &[u8], c: &[u8]) -> Result<SecretBytes, Error> {
        self.check_ciphertext(c)?;
        let label = tpm_label(label);
        with_digest!(alg, D => {
            let scheme = match label {
                Some(l) => Oaep::<D>::new_with_label(l),
                None => Oaep::<D>::new(),
            };
            self.0.decrypt(scheme, c).map(SecretBytes::new).map_err(|_| Error::Decrypt)
        })
    }

    /// RSAES-PKCS1-v1_5 decryption. Every failure after the length check is
    /// [`Error::Decrypt`].
    ///
    /// # Errors
    /// [`Error::Length`] when the ciphertext is not k bytes; [`Error::Decrypt`] otherwise.
    pub fn decrypt_pkcs1v15(&self, c: &[u8]) -> Result<SecretBytes, Error> {
        self.check_ciphertext(c)?;
        self.0
            .decrypt(Pkcs1v15Encrypt, c)
            .map(SecretBytes::new)
            .map_err(|_| Error::Decrypt)
    }

    /// Raw RSA, c^d mod n (TPM_ALG_NULL scheme); the result is k bytes.
    ///
    /// # Errors
    /// [`Error::Length`] when the ciphertext is not k bytes; [`Error::Value`] when it is not
    /// less than n.
    pub fn decrypt_raw(&self, c: &[u8]) -> Result<SecretBytes, Error> {
        self.check_ciphertext(c)?;
        let n = self.0.n();
        let cu =
            BoxedUint::from_be_slice(c, n.as_ref().bits_precision()).map_err(|_| Error::Value)?;
        if cu >= *n.as_ref() {
            return Err(Error::Value);
        }
        let m = rsa::hazmat::rsa_decrypt_and_check::<Drbg>(&self.0, None, &cu)
            .map_err(|_| Error::Decrypt)?;
        let mb = Zeroizing::new(m.to_be_bytes());
        Ok(SecretBytes::new(to_fixed(&mb, self.size())?))
    }
}

impl core::fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "RsaPrivateKey({} bits, <redacted>)", self.size() * 8)
    }
}
