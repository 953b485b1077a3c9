//! RSA and ECC key material and parameters (TPM 2.0 Part 2 §11.2.3-§11.2.5 and §12.2.3, rev
//! 1.59 as libtpms implements it): public and private key buffers, ECC points, curve details
//! and the asymmetric parameter structures of TPMU_PUBLIC_PARMS.

use tpm_wire::{wire_sized, wire_struct};

use crate::algorithms::tpm2b_bytes;
use crate::{
    MAX_ECC_KEY_BYTES, MAX_RSA_KEY_BYTES, SecretBuf, TpmEccCurve, TpmiEccCurve, TpmiRsaKeyBits,
    TpmtAsymScheme, TpmtEccScheme, TpmtKdfScheme, TpmtRsaScheme, TpmtSymDefObject,
};

tpm2b_bytes! {
    /// TPM2B_PUBLIC_KEY_RSA (TPM 2.0 Part 2 §11.2.4.5): an RSA modulus or signature of at most
    /// MAX_RSA_KEY_BYTES; a longer size is TPM_RC_SIZE.
    #[doc(alias = "TPM2B_PUBLIC_KEY_RSA")]
    Tpm2bPublicKeyRsa, MAX_RSA_KEY_BYTES
}

/// TPM2B_PRIVATE_KEY_RSA (TPM 2.0 Part 2 §11.2.4.7): one RSA prime, at most
/// MAX_RSA_KEY_BYTES/2 bytes on the wire (libtpms `TPM2B_PRIVATE_KEY_RSA_Unmarshal`); secret,
/// erased on drop. A longer size is TPM_RC_SIZE.
#[doc(alias = "TPM2B_PRIVATE_KEY_RSA")]
pub type Tpm2bPrivateKeyRsa = SecretBuf<{ MAX_RSA_KEY_BYTES / 2 }>;

tpm2b_bytes! {
    /// TPM2B_ECC_PARAMETER (TPM 2.0 Part 2 §11.2.5.1): an ECC coordinate or scalar of at most
    /// MAX_ECC_KEY_BYTES (80, for BN P638); a longer size is TPM_RC_SIZE. Public values only:
    /// private scalars travel in TPMU_SENSITIVE_COMPOSITE as a secret buffer.
    #[doc(alias = "TPM2B_ECC_PARAMETER")]
    Tpm2bEccParameter, MAX_ECC_KEY_BYTES
}

/// TPMS_ECC_POINT (TPM 2.0 Part 2 §11.2.5.2): an ECC point (x, y).
#[doc(alias = "TPMS_ECC_POINT")]
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct TpmsEccPoint {
    /// `x`.
    pub x: Tpm2bEccParameter,
    /// `y`.
    pub y: Tpm2bEccParameter,
}

wire_struct!(TpmsEccPoint { x, y });

/// sizeof(TPMS_ECC_POINT) in the reference implementation: two TPM2B_ECC_PARAMETERs.
pub const TPMS_ECC_POINT_SIZE: usize = 2 * (2 + MAX_ECC_KEY_BYTES);

/// TPM2B_ECC_POINT (TPM 2.0 Part 2 §11.2.5.3): TPMS_ECC_POINT behind a 16-bit size. A zero
/// size, or a point that does not fill the size exactly, is TPM_RC_SIZE (libtpms
/// `TPM2B_ECC_POINT_Unmarshal`).
#[doc(alias = "TPM2B_ECC_POINT")]
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Tpm2bEccPoint {
    /// `point`.
    pub point: TpmsEccPoint,
}

wire_sized!(Tpm2bEccPoint { point });

/// TPMS_ALGORITHM_DETAIL_ECC (TPM 2.0 Part 2 §11.2.5.8): the parameters of a curve, as
/// TPM2_ECC_Parameters returns them. The curve ID is not judged on input (response only).
#[doc(alias = "TPMS_ALGORITHM_DETAIL_ECC")]
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct TpmsAlgorithmDetailEcc {
    /// `curveID`.
    pub curve_id: TpmEccCurve,
    /// `keySize`: the key size in bits.
    pub key_size: u16,
    /// `kdf`: the curve's default KDF, if any.
    pub kdf: TpmtKdfScheme<true>,
    /// `sign`: the curve's default signing scheme, if any.
    pub sign: TpmtEccScheme<true>,
    /// `p`: the prime modulus.
    pub p: Tpm2bEccParameter,
    /// `a`: coefficient of the linear term.
    pub a: Tpm2bEccParameter,
    /// `b`: the constant term.
    pub b: Tpm2bEccParameter,
    /// `gX`: x of the base point.
    pub g_x: Tpm2bEccParameter,
    /// `gY`: y of the base point.
    pub g_y: Tpm2bEccParameter,
    /// `n`: the order of the base point.
    pub n: Tpm2bEccParameter,
    /// `h`: the cofactor.
    pub h: Tpm2bEccParameter,
}

wire_struct!(TpmsAlgorithmDetailEcc {
    curve_id,
    key_size,
    kdf,
    sign,
    p,
    a,
    b,
    g_x,
    g_y,
    n,
    h
});

/// TPMS_RSA_PARMS (TPM 2.0 Part 2 §12.2.3.5): the parameters of an RSA key.
#[doc(alias = "TPMS_RSA_PARMS")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TpmsRsaParms {
    /// `symmetric`: the storage cipher of a restricted decryption key, else TPM_ALG_NULL.
    pub symmetric: TpmtSymDefObject<true>,
    /// `scheme`: the key's scheme, or TPM_ALG_NULL.
    pub scheme: TpmtRsaScheme<true>,
    /// `keyBits`: the modulus size (TPM_RC_VALUE for an unsupported size).
    pub key_bits: TpmiRsaKeyBits,
    /// `exponent`: the public exponent; 0 means 2^16 + 1.
    pub exponent: u32,
}

wire_struct!(TpmsRsaParms {
    symmetric,
    scheme,
    key_bits,
    exponent
});

/// TPMS_ECC_PARMS (TPM 2.0 Part 2 §12.2.3.6): the parameters of an ECC key.
#[doc(alias = "TPMS_ECC_PARMS")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TpmsEccParms {
    /// `symmetric`: the storage cipher of a restricted decryption key, else TPM_ALG_NULL.
    pub symmetric: TpmtSymDefObject<true>,
    /// `scheme`: the key's scheme, or TPM_ALG_NULL.
    pub scheme: TpmtEccScheme<true>,
    /// `curveID` (TPM_RC_CURVE for an unimplemented or disabled curve).
    pub curve_id: TpmiEccCurve,
    /// `kdf`: the KDF, or TPM_ALG_NULL.
    pub kdf: TpmtKdfScheme<true>,
}

wire_struct!(TpmsEccParms {
    symmetric,
    scheme,
    curve_id,
    kdf
});

/// TPMS_ASYM_PARMS (TPM 2.0 Part 2 §12.2.3.4): the parameters common to asymmetric keys
/// (the `asymDetail` member of TPMU_PUBLIC_PARMS, which no selector picks on the wire).
#[doc(alias = "TPMS_ASYM_PARMS")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TpmsAsymParms {
    /// `symmetric`.
    pub symmetric: TpmtSymDefObject<true>,
    /// `scheme`.
    pub scheme: TpmtAsymScheme<true>,
}

wire_struct!(TpmsAsymParms { symmetric, scheme });

#[cfg(any(test, feature = "proptest"))]
mod arbitrary {
    use super::*;
    use proptest::prelude::*;

    arb_struct!(TpmsEccPoint {
        x: any::<Tpm2bEccParameter>(),
        y: any::<Tpm2bEccParameter>(),
    });

    arb_struct!(Tpm2bEccPoint {
        point: any::<TpmsEccPoint>(),
    });

    impl Arbitrary for TpmsAlgorithmDetailEcc {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;
        fn arbitrary_with(_: ()) -> Self::Strategy {
            (
                (any::<u16>(), any::<u16>()),
                any::<TpmtKdfScheme<true>>(),
                any::<TpmtEccScheme<true>>(),
                proptest::collection::vec(any::<Tpm2bEccParameter>(), 7),
            )
                .prop_map(|((c, key_size), kdf, sign, v)| {
                    let mut it = v.into_iter();
                    let mut next = || it.next().unwrap_or_default();
                    TpmsAlgorithmDetailEcc {
                        curve_id: TpmEccCurve(c),
                        key_size,
                        kdf,
                        sign,
                        p: next(),
                        a: next(),
                        b: next(),
                        g_x: next(),
                        g_y: next(),
                        n: next(),
                        h: next(),
                    }
                })
                .boxed()
        }
    }

    impl Arbitrary for TpmsRsaParms {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;
        fn arbitrary_with(_: ()) -> Self::Strategy {
            (
                any::<TpmtSymDefObject<true>>(),
                any::<TpmtRsaScheme<true>>(),
                any::<TpmiRsaKeyBits>(),
                any::<u32>(),
            )
                .prop_map(|(symmetric, scheme, key_bits, exponent)| TpmsRsaParms {
                    symmetric,
                    scheme,
                    key_bits,
                    exponent,
                })
                .boxed()
        }
    }

    impl Arbitrary for TpmsEccParms {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;
        fn arbitrary_with(_: ()) -> Self::Strategy {
            (
                any::<TpmtSymDefObject<true>>(),
                any::<TpmtEccScheme<true>>(),
                any::<TpmiEccCurve>(),
                any::<TpmtKdfScheme<true>>(),
            )
                .prop_map(|(symmetric, scheme, curve_id, kdf)| TpmsEccParms {
                    symmetric,
                    scheme,
                    curve_id,
                    kdf,
                })
                .boxed()
        }
    }

    impl Arbitrary for TpmsAsymParms {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;
        fn arbitrary_with(_: ()) -> Self::Strategy {
            (
                any::<TpmtSymDefObject<true>>(),
                any::<TpmtAsymScheme<true>>(),
            )
                .prop_map(|(symmetric, scheme)| TpmsAsymParms { symmetric, scheme })
                .boxed()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tpm_wire::{Marshal, Profile, Unmarshal, WireError, from_bytes, to_vec};

    const P: Profile = Profile::ALL;

    fn round_trip<T>(v: &T)
    where
        T: Marshal + for<'a> Unmarshal<'a> + PartialEq + core::fmt::Debug,
    {
        let bytes = to_vec(v);
        assert_eq!(bytes.len(), v.marshalled_len());
        assert_eq!(&from_bytes::<T>(&bytes, &P).unwrap(), v);
    }

    /// RSA-2048 parameters of the TCG EK template (AES-128-CFB, null scheme, exponent 0).
    const EK_RSA_PARMS: [u8; 14] = [
        0x00, 0x06, 0x00, 0x80, 0x00, 0x43, // AES-128-CFB
        0x00, 0x10, // TPM_ALG_NULL
        0x08, 0x00, // 2048
        0x00, 0x00, 0x00, 0x00, // exponent
    ];

    #[test]
    fn rsa_parms() {
        let parms: TpmsRsaParms = from_bytes(&EK_RSA_PARMS, &P).unwrap();
        assert_eq!(parms.key_bits, TpmiRsaKeyBits(2048));
        assert_eq!(to_vec(&parms), EK_RSA_PARMS);
        // 2047 bits -> Value.
        let mut b = EK_RSA_PARMS;
        b[9] = 0xFF;
        b[8] = 0x07;
        assert_eq!(from_bytes::<TpmsRsaParms>(&b, &P), Err(WireError::Value));
        // Unknown symmetric (SHA1) -> Symmetric.
        let mut b = EK_RSA_PARMS;
        b[1] = 0x04;
        assert_eq!(
            from_bytes::<TpmsRsaParms>(&b, &P),
            Err(WireError::Symmetric)
        );
        // ECDSA is not an RSA scheme -> Value.
        let mut b = EK_RSA_PARMS.to_vec();
        b.splice(6..8, [0x00, 0x18, 0x00, 0x0B]);
        assert_eq!(from_bytes::<TpmsRsaParms>(&b, &P), Err(WireError::Value));
        // Truncated exponent.
        assert_eq!(
            from_bytes::<TpmsRsaParms>(&EK_RSA_PARMS[..13], &P),
            Err(WireError::Insufficient)
        );
    }

    #[test]
    fn ecc_parms() {
        // AES-128-CFB, null scheme, P-256, null KDF.
        let b = [
            0x00, 0x06, 0x00, 0x80, 0x00, 0x43, 0x00, 0x10, 0x00, 0x03, 0x00, 0x10,
        ];
        let parms: TpmsEccParms = from_bytes(&b, &P).unwrap();
        assert_eq!(parms.curve_id, TpmiEccCurve::NIST_P256);
        assert_eq!(to_vec(&parms), b);
        // Curve 0x0006 (unassigned) -> Curve.
        let mut c = b;
        c[9] = 0x06;
        assert_eq!(from_bytes::<TpmsEccParms>(&c, &P), Err(WireError::Curve));
        // P-256 disabled -> Curve.
        assert_eq!(
            from_bytes::<TpmsEccParms>(&b, &Profile::ALL.without_curve(3)),
            Err(WireError::Curve)
        );
        // Bad KDF -> Kdf.
        let mut c = b;
        c[11] = 0x0B;
        assert_eq!(from_bytes::<TpmsEccParms>(&c, &P), Err(WireError::Kdf));
        // RSASSA is not an ECC scheme -> Scheme.
        let mut c = b.to_vec();
        c.splice(6..8, [0x00, 0x14, 0x00, 0x0B]);
        assert_eq!(from_bytes::<TpmsEccParms>(&c, &P), Err(WireError::Scheme));
    }

    #[test]
    fn points_and_parameters() {
        let mut big = vec![0, 81];
        big.extend_from_slice(&[1; 81]);
        assert_eq!(
            from_bytes::<Tpm2bEccParameter>(&big, &P),
            Err(WireError::Size)
        );
        let mut big = vec![0x02, 0x01];
        big.extend_from_slice(&[1; 513]);
        assert_eq!(
            from_bytes::<Tpm2bPublicKeyRsa>(&big, &P),
            Err(WireError::Size)
        );
        let mut big = vec![0x01, 0x01];
        big.extend_from_slice(&[1; 257]);
        assert_eq!(
            from_bytes::<Tpm2bPrivateKeyRsa>(&big, &P),
            Err(WireError::Size)
        );
        // TPM2B_ECC_POINT: x = [1], y = [2].
        let ok = [0, 6, 0, 1, 1, 0, 1, 2];
        let pt: Tpm2bEccPoint = from_bytes(&ok, &P).unwrap();
        assert_eq!(pt.point.y.as_slice(), &[2]);
        assert_eq!(to_vec(&pt), ok);
        // Zero size -> Size; mismatched size -> Size; short -> Insufficient.
        assert_eq!(
            from_bytes::<Tpm2bEccPoint>(&[0, 0], &P),
            Err(WireError::Size)
        );
        assert_eq!(
            from_bytes::<Tpm2bEccPoint>(&[0, 7, 0, 1, 1, 0, 1, 2, 0], &P),
            Err(WireError::Size)
        );
        assert_eq!(
            from_bytes::<Tpm2bEccPoint>(&[0, 6, 0, 1, 1, 0, 1], &P),
            Err(WireError::Insufficient)
        );
        assert_eq!(TPMS_ECC_POINT_SIZE, 164);
    }

    proptest! {
        #[test]
        fn asym_round_trip(
            a in any::<TpmsRsaParms>(),
            b in any::<TpmsEccParms>(),
            c in any::<TpmsAsymParms>(),
            d in any::<Tpm2bEccPoint>(),
            e in any::<TpmsAlgorithmDetailEcc>(),
            f in any::<Tpm2bPrivateKeyRsa>(),
            g in any::<Tpm2bPublicKeyRsa>(),
        ) {
            round_trip(&a);
            round_trip(&b);
            round_trip(&c);
            round_trip(&d);
            round_trip(&e);
            round_trip(&f);
            round_trip(&g);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = from_bytes::<TpmsRsaParms>(&bytes, &P);
            let _ = from_bytes::<TpmsEccParms>(&bytes, &P);
            let _ = from_bytes::<Tpm2bEccPoint>(&bytes, &P);
        }
    }
}
