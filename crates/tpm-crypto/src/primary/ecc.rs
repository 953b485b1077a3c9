//! ECC primary keys: the private scalar by FIPS 186-4 B.4.1 ("extra random bits") from the
//! derivation DRBG, as `BnEccGetPrivate` does it, and the public point from RustCrypto.

use crypto_bigint::NonZero;
use elliptic_curve::point::AffineCoordinates;
use zeroize::Zeroizing;

use super::num::{add_u32, random_bits, sub_u32, to_be_len, to_uint};
use crate::Error;

/// The curves a primary key may use here (TPM 2.0 Part 2 §6.4 TPM_ECC_CURVE).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EccCurve {
    /// TPM_ECC_NIST_P256 (0x0003).
    NistP256,
    /// TPM_ECC_NIST_P384 (0x0004).
    NistP384,
}

/// The group order n of NIST P-256 (FIPS 186-4 D.1.2.3), big-endian.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];
/// The group order n of NIST P-384 (FIPS 186-4 D.1.2.4), big-endian.
const P384_ORDER: [u8; 48] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf,
    0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73,
];

impl EccCurve {
    /// The TPM_ECC_CURVE value.
    pub fn tpm_curve_id(self) -> u16 {
        match self {
            EccCurve::NistP256 => 0x0003,
            EccCurve::NistP384 => 0x0004,
        }
    }

    /// The curve for a TPM_ECC_CURVE value, if supported here.
    pub fn from_tpm_curve_id(id: u16) -> Option<EccCurve> {
        match id {
            0x0003 => Some(EccCurve::NistP256),
            0x0004 => Some(EccCurve::NistP384),
            _ => None,
        }
    }

    /// Bytes of a scalar or coordinate.
    pub fn key_bytes(self) -> usize {
        self.order().len()
    }

    pub(crate) fn order(self) -> &'static [u8] {
        match self {
            EccCurve::NistP256 => &P256_ORDER,
            EccCurve::NistP384 => &P384_ORDER,
        }
    }
}

/// A derived ECC key: private scalar and affine public point, each `key_bytes()` long.
pub(crate) struct EccKey {
    pub(crate) d: Zeroizing<Vec<u8>>,
    pub(crate) x: Vec<u8>,
    pub(crate) y: Vec<u8>,
}

/// `BnEccGetPrivate` (CryptEccMain.c): `c = BnGetRandomBits(orderBytes * 8 + 64)` in one DRBG
/// request, then `d = c mod (n - 1) + 1`, so that 1 <= d < n (FIPS 186-4 B.4.1).
pub(crate) fn private_scalar<R: super::DerivationRng + ?Sized>(
    curve: EccCurve,
    drbg: &mut R,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let order = curve.order();
    let order_bits = u32::try_from(order.len())
        .ok()
        .and_then(|l| l.checked_mul(8))
        .ok_or(Error::Internal)?;
    let c_be = random_bits(drbg, order_bits + 64)?;
    // n - 1, padded to the width of c.
    let mut nm1 = vec![0u8; c_be.len()];
    let pad = nm1.len().checked_sub(order.len()).ok_or(Error::Internal)?;
    nm1.get_mut(pad..)
        .ok_or(Error::Internal)?
        .copy_from_slice(order);
    sub_u32(&mut nm1, 1)?;
    let c = to_uint(&c_be)?;
    let nm1 = Option::from(NonZero::new(to_uint(&nm1)?)).ok_or(Error::Internal)?;
    let r = c.rem(&nm1);
    let mut d = to_be_len(&r, c_be.len())?;
    add_u32(&mut d, 1)?;
    let (head, tail) = d.split_at(pad);
    if head.iter().any(|b| *b != 0) {
        return Err(Error::Internal);
    }
    Ok(Zeroizing::new(tail.to_vec()))
}

/// `BnEccGenerateKeyPair`: the scalar, then Q = dG.
pub(crate) fn generate_key<R: super::DerivationRng + ?Sized>(
    curve: EccCurve,
    drbg: &mut R,
) -> Result<EccKey, Error> {
    let d = private_scalar(curve, drbg)?;
    let (x, y) = match curve {
        EccCurve::NistP256 => {
            let sk = p256::SecretKey::from_slice(&d).map_err(|_| Error::Internal)?;
            let q = *sk.public_key().as_affine();
            (q.x().to_vec(), q.y().to_vec())
        }
        EccCurve::NistP384 => {
            let sk = p384::SecretKey::from_slice(&d).map_err(|_| Error::Internal)?;
            let q = *sk.public_key().as_affine();
            (q.x().to_vec(), q.y().to_vec())
        }
    };
    let len = curve.key_bytes();
    if x.len() != len || y.len() != len {
        return Err(Error::Internal);
    }
    Ok(EccKey { d, x, y })
}
