//! ECC on NIST P-256 and P-384 (TPM 2.0 Part 1 §11.2.3, Part 2 §6.4 TPM_ECC_CURVE): key
//! generation, public-point validation, ECDSA over a digest (FIPS 186-5 §6.4), and the ECDH
//! shared point of TPM2_ECDH_ZGen / TPM2_ECDH_KeyGen (Part 3 §14.5, §14.6; SP 800-56A
//! §5.7.1.2: Z is the x coordinate of the shared point).
//!
//! Coordinates are big-endian byte strings as in TPMS_ECC_POINT (Part 2 §11.2.5.2); they may
//! carry fewer bytes than the field size (leading zeros dropped) or extra leading zeros.

use elliptic_curve::sec1::ToSec1Point;
use rsa::BoxedUint;
use rsa::signature::hazmat::{PrehashVerifier, RandomizedPrehashSigner};
use zeroize::{Zeroize, Zeroizing};

use crate::Error;
use crate::drbg::Drbg;
use crate::secret::SecretBytes;

/// A TPM ECC curve (TPMI_ECC_CURVE, Part 2 §6.4, Table 11).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[doc(alias = "TPMI_ECC_CURVE")]
pub enum EccCurve {
    /// TPM_ECC_NIST_P256 (0x0003).
    NistP256,
    /// TPM_ECC_NIST_P384 (0x0004).
    NistP384,
}

/// Domain parameters of a curve, big-endian (SEC 2 §2.4.2, §2.5.1; FIPS 186-5 / SP 800-186
/// §3.2.1.3, §3.2.1.4). `y^2 = x^3 + a*x + b` over GF(p), base point (gx, gy) of order n.
#[derive(Debug)]
pub struct CurveParams {
    /// Field prime p.
    pub p: &'static [u8],
    /// Coefficient a (p - 3 for these curves).
    pub a: &'static [u8],
    /// Coefficient b.
    pub b: &'static [u8],
    /// Base point x.
    pub gx: &'static [u8],
    /// Base point y.
    pub gy: &'static [u8],
    /// Group order n.
    pub n: &'static [u8],
}

macro_rules! hexarr {
    ($s:literal) => {{
        const B: &[u8] = &const_hex::<{ $s.len() / 2 }>($s);
        B
    }};
}

/// Decode a hex literal at compile time (the curve constants).
// Only ever evaluated in const context: an out-of-range index is a build error, not a panic.
#[allow(clippy::indexing_slicing)]
const fn const_hex<const N: usize>(s: &str) -> [u8; N] {
    let b = s.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = (nib(b[2 * i]) << 4) | nib(b[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nib(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

static P256: CurveParams = CurveParams {
    p: hexarr!("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"),
    a: hexarr!("ffffffff00000001000000000000000000000000fffffffffffffffffffffffc"),
    b: hexarr!("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b"),
    gx: hexarr!("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"),
    gy: hexarr!("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"),
    n: hexarr!("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"),
};

static P384: CurveParams = CurveParams {
    p: hexarr!(
        "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff"
    ),
    a: hexarr!(
        "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffc"
    ),
    b: hexarr!(
        "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef"
    ),
    gx: hexarr!(
        "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7"
    ),
    gy: hexarr!(
        "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f"
    ),
    n: hexarr!(
        "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973"
    ),
};

impl EccCurve {
    /// Both curves.
    pub const ALL: [EccCurve; 2] = [Self::NistP256, Self::NistP384];

    /// The curve with TPM_ECC_CURVE `id`.
    pub fn from_tpm(id: u16) -> Option<EccCurve> {
        match id {
            0x0003 => Some(Self::NistP256),
            0x0004 => Some(Self::NistP384),
            _ => None,
        }
    }

    /// The TPM_ECC_CURVE id.
    pub const fn tpm_id(self) -> u16 {
        match self {
            Self::NistP256 => 0x0003,
            Self::NistP384 => 0x0004,
        }
    }

    /// Key size in bits (TPMS_ALGORITHM_DETAIL_ECC.keySize).
    pub const fn key_bits(self) -> u16 {
        match self {
            Self::NistP256 => 256,
            Self::NistP384 => 384,
        }
    }

    /// Size in bytes of a field element, a scalar and each coordinate.
    pub const fn field_bytes(self) -> usize {
        match self {
            Self::NistP256 => 32,
            Self::NistP384 => 48,
        }
    }

    /// The domain parameters (TPM2_ECC_Parameters, Part 3 §14.11).
    pub fn params(self) -> &'static CurveParams {
        match self {
            Self::NistP256 => &P256,
            Self::NistP384 => &P384,
        }
    }

    /// Number of random bytes [`EccCurve::scalar_from_random`] consumes: order bytes + 8.
    pub const fn random_scalar_bytes(self) -> usize {
        self.field_bytes() + 8
    }

    /// A private scalar in [1, n-1] from `random` bytes, the way the TCG reference code does
    /// it (`BnEccGetPrivate`, CryptEccMain.c; FIPS 186-5 Appendix A.4.1 "extra random bits"):
    /// `c` = the first [`EccCurve::random_scalar_bytes`] bytes as a big-endian integer
    /// (order bits + 64), `d = (c mod (n - 1)) + 1`. The reduction is constant time.
    ///
    /// # Errors
    /// [`Error::Length`] when `random` is shorter than [`EccCurve::random_scalar_bytes`]
    /// (extra bytes are ignored).
    pub fn scalar_from_random(self, random: &[u8]) -> Result<SecretBytes, Error> {
        let need = self.random_scalar_bytes();
        let c = random.get(..need).ok_or(Error::Length)?;
        let bits = u32::try_from(need * 8).map_err(|_| Error::Internal)?;
        let c = Zeroizing::new(BoxedUint::from_be_slice(c, bits).map_err(|_| Error::Internal)?);
        let n = BoxedUint::from_be_slice(self.params().n, bits).map_err(|_| Error::Internal)?;
        let n1 = n.wrapping_sub(BoxedUint::one_with_precision(bits));
        let n1 = crypto_bigint::NonZero::new(n1)
            .into_option()
            .ok_or(Error::Internal)?;
        let mut d = c.rem(&n1);
        d.wrapping_add_assign(BoxedUint::one_with_precision(bits));
        let be = Zeroizing::new(d.to_be_bytes());
        d.zeroize();
        let start = be
            .len()
            .checked_sub(self.field_bytes())
            .ok_or(Error::Internal)?;
        Ok(SecretBytes::from_slice(
            be.get(start..).ok_or(Error::Internal)?,
        ))
    }
}

/// A point as TPMS_ECC_POINT carries it: big-endian coordinates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EccPoint {
    /// x coordinate.
    pub x: Vec<u8>,
    /// y coordinate.
    pub y: Vec<u8>,
}

/// Normalize a big-endian value to exactly `len` bytes: strip leading zeros, left-pad.
fn fixed(bytes: &[u8], len: usize) -> Option<Vec<u8>> {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    let v = bytes.get(start..)?;
    if v.len() > len {
        return None;
    }
    let mut out = vec![0u8; len - v.len()];
    out.extend_from_slice(v);
    Some(out)
}

/// The ECDSA hash value for a curve: FIPS 186-5 §6.4.1 step 3 takes the leftmost
/// min(N, hashlen) bits of the digest; a shorter digest is the same integer left-padded. Both
/// curves have byte-sized orders, so this is "truncate or left-pad to the scalar size".
fn ecdsa_prehash(digest: &[u8], len: usize) -> Vec<u8> {
    if digest.len() >= len {
        digest.get(..len).unwrap_or(&[]).to_vec()
    } else {
        let mut v = vec![0u8; len - digest.len()];
        v.extend_from_slice(digest);
        v
    }
}

enum Priv {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
}

enum Pub {
    P256(p256::PublicKey),
    P384(p384::PublicKey),
}

/// An ECC private key. The scalar wipes itself on drop (RustCrypto `SigningKey`).
pub struct EccPrivateKey(Priv);

/// A validated ECC public key (on the curve, not the identity, coordinates < p).
#[derive(Clone)]
pub struct EccPublicKey(Pub);

impl Clone for Pub {
    fn clone(&self) -> Self {
        match self {
            Pub::P256(k) => Pub::P256(*k),
            Pub::P384(k) => Pub::P384(*k),
        }
    }
}

macro_rules! point_of {
    ($aff:expr, $curve:expr) => {{
        let ep = $aff.to_sec1_point(false);
        match (ep.x(), ep.y()) {
            (Some(x), Some(y)) => Ok(EccPoint {
                x: x.to_vec(),
                y: y.to_vec(),
            }),
            _ => Err(Error::EccPoint),
        }
    }};
}

impl EccPublicKey {
    /// Validate and load a public point (TPM 2.0 Part 1 §11.2.3.2 point validation; the
    /// engine maps the error to TPM_RC_ECC_POINT).
    ///
    /// # Errors
    /// [`Error::EccPoint`] when a coordinate is too long or not below p, the point is not on
    /// the curve, or it is the identity.
    pub fn from_point(curve: EccCurve, point: &EccPoint) -> Result<EccPublicKey, Error> {
        let n = curve.field_bytes();
        let x = fixed(&point.x, n).ok_or(Error::EccPoint)?;
        let y = fixed(&point.y, n).ok_or(Error::EccPoint)?;
        let mut sec1 = Vec::with_capacity(1 + 2 * n);
        sec1.push(0x04);
        sec1.extend_from_slice(&x);
        sec1.extend_from_slice(&y);
        Ok(EccPublicKey(match curve {
            EccCurve::NistP256 => {
                Pub::P256(p256::PublicKey::from_sec1_bytes(&sec1).map_err(|_| Error::EccPoint)?)
            }
            EccCurve::NistP384 => {
                Pub::P384(p384::PublicKey::from_sec1_bytes(&sec1).map_err(|_| Error::EccPoint)?)
            }
        }))
    }

    /// The curve.
    pub fn curve(&self) -> EccCurve {
        match self.0 {
            Pub::P256(_) => EccCurve::NistP256,
            Pub::P384(_) => EccCurve::NistP384,
        }
    }

    /// The point with coordinates of exactly the field size.
    ///
    /// # Errors
    /// [`Error::EccPoint`] only if the encoding is unexpectedly the identity.
    pub fn to_point(&self) -> Result<EccPoint, Error> {
        match &self.0 {
            Pub::P256(k) => point_of!(k.as_affine(), EccCurve::NistP256),
            Pub::P384(k) => point_of!(k.as_affine(), EccCurve::NistP384),
        }
    }

    /// Verify an ECDSA signature (r, s) over `digest` (truncated/padded per FIPS 186-5).
    ///
    /// # Errors
    /// [`Error::Signature`] when r or s is out of [1, n-1] or the signature does not verify.
    pub fn verify_ecdsa(&self, digest: &[u8], r: &[u8], s: &[u8]) -> Result<(), Error> {
        let n = self.curve().field_bytes();
        let r = fixed(r, n).ok_or(Error::Signature)?;
        let s = fixed(s, n).ok_or(Error::Signature)?;
        let h = ecdsa_prehash(digest, n);
        match &self.0 {
            Pub::P256(k) => {
                let sig = p256::ecdsa::Signature::from_scalars(
                    p256::FieldBytes::try_from(r.as_slice()).map_err(|_| Error::Signature)?,
                    p256::FieldBytes::try_from(s.as_slice()).map_err(|_| Error::Signature)?,
                )
                .map_err(|_| Error::Signature)?;
                p256::ecdsa::VerifyingKey::from(*k)
                    .verify_prehash(&h, &sig)
                    .map_err(|_| Error::Signature)
            }
            Pub::P384(k) => {
                let sig = p384::ecdsa::Signature::from_scalars(
                    p384::FieldBytes::try_from(r.as_slice()).map_err(|_| Error::Signature)?,
                    p384::FieldBytes::try_from(s.as_slice()).map_err(|_| Error::Signature)?,
                )
                .map_err(|_| Error::Signature)?;
                p384::ecdsa::VerifyingKey::from(*k)
                    .verify_prehash(&h, &sig)
                    .map_err(|_| Error::Signature)
            }
        }
    }
}

impl core::fmt::Debug for EccPublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("EccPublicKey")
            .field(&self.curve())
            .field(&self.to_point().ok())
            .finish()
    }
}

/// An ECDSA signature as TPMS_SIGNATURE_ECDSA carries it (Part 2 §11.3.2): r and s, each
/// exactly the scalar size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EcdsaSignature {
    /// r.
    pub r: Vec<u8>,
    /// s.
    pub s: Vec<u8>,
}

impl EccPrivateKey {
    /// Load a private scalar (big-endian; leading zeros allowed).
    ///
    /// # Errors
    /// [`Error::Key`] when the scalar is not in [1, n-1] (TPM_RC_KEY on load).
    pub fn from_scalar(curve: EccCurve, scalar: &[u8]) -> Result<EccPrivateKey, Error> {
        let d = Zeroizing::new(fixed(scalar, curve.field_bytes()).ok_or(Error::Key)?);
        Ok(EccPrivateKey(match curve {
            EccCurve::NistP256 => {
                Priv::P256(p256::ecdsa::SigningKey::from_slice(&d).map_err(|_| Error::Key)?)
            }
            EccCurve::NistP384 => {
                Priv::P384(p384::ecdsa::SigningKey::from_slice(&d).map_err(|_| Error::Key)?)
            }
        }))
    }

    /// Generate a key pair with the reference code's method ([`EccCurve::scalar_from_random`]
    /// over DRBG output).
    ///
    /// # Errors
    /// A DRBG failure.
    pub fn generate(curve: EccCurve, rng: &mut Drbg) -> Result<EccPrivateKey, Error> {
        let mut buf = Zeroizing::new([0u8; 64]);
        let buf = buf
            .get_mut(..curve.random_scalar_bytes())
            .ok_or(Error::Internal)?;
        rng.fill(buf)?;
        let d = curve.scalar_from_random(buf)?;
        EccPrivateKey::from_scalar(curve, d.as_bytes())
    }

    /// The curve.
    pub fn curve(&self) -> EccCurve {
        match self.0 {
            Priv::P256(_) => EccCurve::NistP256,
            Priv::P384(_) => EccCurve::NistP384,
        }
    }

    /// The private scalar, exactly the field size (for sealing into TPM2B_SENSITIVE).
    pub fn scalar(&self) -> SecretBytes {
        match &self.0 {
            Priv::P256(k) => SecretBytes::from_slice(&Zeroizing::new(k.to_bytes())),
            Priv::P384(k) => SecretBytes::from_slice(&Zeroizing::new(k.to_bytes())),
        }
    }

    /// The public key d*G.
    pub fn public_key(&self) -> EccPublicKey {
        EccPublicKey(match &self.0 {
            Priv::P256(k) => Pub::P256(p256::PublicKey::from(k.verifying_key())),
            Priv::P384(k) => Pub::P384(p384::PublicKey::from(k.verifying_key())),
        })
    }

    /// ECDSA-sign `digest` (TPM2_Sign with TPM_ALG_ECDSA). The nonce is RFC 6979's
    /// deterministic k with 32/48 bytes of DRBG output as additional data (RFC 6979 §3.6,
    /// "hedged"), so a weak DRBG does not leak the key and a good one makes k unpredictable.
    ///
    /// # Errors
    /// A DRBG failure or an internal signing failure.
    pub fn sign_ecdsa(&self, digest: &[u8], rng: &mut Drbg) -> Result<EcdsaSignature, Error> {
        let h = ecdsa_prehash(digest, self.curve().field_bytes());
        let (r, s) = match &self.0 {
            Priv::P256(k) => {
                let sig: p256::ecdsa::Signature = k
                    .sign_prehash_with_rng(rng, &h)
                    .map_err(|_| Error::Internal)?;
                let (r, s) = sig.split_bytes();
                (r.to_vec(), s.to_vec())
            }
            Priv::P384(k) => {
                let sig: p384::ecdsa::Signature = k
                    .sign_prehash_with_rng(rng, &h)
                    .map_err(|_| Error::Internal)?;
                let (r, s) = sig.split_bytes();
                (r.to_vec(), s.to_vec())
            }
        };
        Ok(EcdsaSignature { r, s })
    }

    /// ECDSA-sign `digest` with RFC 6979 deterministic k (no added randomness): for known
    /// answers and reproducible signatures.
    ///
    /// # Errors
    /// An internal signing failure.
    pub fn sign_ecdsa_deterministic(&self, digest: &[u8]) -> Result<EcdsaSignature, Error> {
        use rsa::signature::hazmat::PrehashSigner;
        let h = ecdsa_prehash(digest, self.curve().field_bytes());
        let (r, s) = match &self.0 {
            Priv::P256(k) => {
                let sig: p256::ecdsa::Signature =
                    k.sign_prehash(&h).map_err(|_| Error::Internal)?;
                let (r, s) = sig.split_bytes();
                (r.to_vec(), s.to_vec())
            }
            Priv::P384(k) => {
                let sig: p384::ecdsa::Signature =
                    k.sign_prehash(&h).map_err(|_| Error::Internal)?;
                let (r, s) = sig.split_bytes();
                (r.to_vec(), s.to_vec())
            }
        };
        Ok(EcdsaSignature { r, s })
    }

    /// The ECDH shared point d * Q (TPM2_ECDH_ZGen, Part 3 §14.6; the x coordinate is Z of
    /// SP 800-56A §5.7.1.2). The peer key is already validated by [`EccPublicKey::from_point`].
    ///
    /// # Errors
    /// [`Error::Unsupported`] when the peer is on another curve; [`Error::EccPoint`] if the
    /// product is the identity (impossible for a validated point of prime order).
    pub fn ecdh(&self, peer: &EccPublicKey) -> Result<SharedPoint, Error> {
        let p = match (&self.0, &peer.0) {
            (Priv::P256(k), Pub::P256(q)) => {
                let prod = (q.to_projective() * **k.as_nonzero_scalar()).to_affine();
                let prod = p256::PublicKey::from_affine(prod).map_err(|_| Error::EccPoint)?;
                point_of!(prod.as_affine(), EccCurve::NistP256)?
            }
            (Priv::P384(k), Pub::P384(q)) => {
                let prod = (q.to_projective() * **k.as_nonzero_scalar()).to_affine();
                let prod = p384::PublicKey::from_affine(prod).map_err(|_| Error::EccPoint)?;
                point_of!(prod.as_affine(), EccCurve::NistP384)?
            }
            _ => return Err(Error::Unsupported),
        };
        Ok(SharedPoint {
            x: SecretBytes::new(p.x),
            y: SecretBytes::new(p.y),
        })
    }
}

/// An ECDH shared point; both coordinates are secret.
#[derive(Debug)]
pub struct SharedPoint {
    /// x coordinate: the shared secret Z.
    pub x: SecretBytes,
    /// y coordinate (TPM2_ECDH_ZGen returns the whole point).
    pub y: SecretBytes,
}

impl core::fmt::Debug for EccPrivateKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "EccPrivateKey({:?}, <redacted>)", self.curve())
    }
}
