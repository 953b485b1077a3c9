//! The algorithms this engine implements: what TPM2_GetCapability(TPM_CAP_ALGS) lists and
//! TPM2_TestParms accepts, with the TPMA_ALGORITHM attributes libtpms gives each
//! (`AlgorithmCap.c` `s_algorithms`). An algorithm is here when `tpm-crypto` implements it;
//! libtpms 0.9.2 has more (TDES, Camellia, SM2, ECDAA, EC-Schnorr, ECMQV, KDF2, CMAC, and the
//! curves P-192, P-224, P-521, BN P-256, BN P-638, SM2 P-256) that we do not list.

use tpm_wire::Profile;

/// TPMA_ALGORITHM bits (TPM 2.0 Part 2 §8.2).
const ASYM: u32 = 0x1;
const SYM: u32 = 0x2;
const HASH: u32 = 0x4;
const OBJECT: u32 = 0x8;
const SIGN: u32 = 0x100;
const ENCRYPT: u32 = 0x200;
const METHOD: u32 = 0x400;

/// (TPM_ALG_ID, TPMA_ALGORITHM), in TPM_ALG_ID order.
pub const IMPLEMENTED: &[(u16, u32)] = &[
    (0x0001, ASYM | OBJECT),                  // RSA
    (0x0004, HASH),                           // SHA1
    (0x0005, HASH | SIGN),                    // HMAC
    (0x0006, SYM),                            // AES
    (0x0007, HASH | METHOD),                  // MGF1
    (0x0008, HASH | OBJECT | SIGN | ENCRYPT), // KEYEDHASH
    (0x000A, SYM | HASH),                     // XOR
    (0x000B, HASH),                           // SHA256
    (0x000C, HASH),                           // SHA384
    (0x000D, HASH),                           // SHA512
    (0x0014, ASYM | SIGN),                    // RSASSA
    (0x0015, ASYM | ENCRYPT),                 // RSAES
    (0x0016, ASYM | SIGN),                    // RSAPSS
    (0x0017, ASYM | ENCRYPT),                 // OAEP
    (0x0018, ASYM | SIGN),                    // ECDSA
    (0x0019, ASYM | METHOD),                  // ECDH
    (0x0020, HASH | METHOD),                  // KDF1_SP800_56A
    (0x0022, HASH | METHOD),                  // KDF1_SP800_108
    (0x0023, ASYM | OBJECT),                  // ECC
    (0x0025, OBJECT),                         // SYMCIPHER
    (0x0040, SYM | ENCRYPT),                  // CTR
    (0x0041, SYM | ENCRYPT),                  // OFB
    (0x0042, SYM | ENCRYPT),                  // CBC
    (0x0043, SYM | ENCRYPT),                  // CFB
    (0x0044, SYM | ENCRYPT),                  // ECB
];

/// The ECC curves implemented: NIST P-256 and P-384.
pub const CURVES: &[u16] = &[0x0003, 0x0004];

/// The profile of what is implemented (TPM_ALG_NULL always passes; the TPMI types handle it).
pub const PROFILE: Profile = {
    let mut p = Profile::NONE.with_alg(0x0010);
    let mut algs = IMPLEMENTED;
    while let [(alg, _), rest @ ..] = algs {
        p = p.with_alg(*alg);
        algs = rest;
    }
    let mut curves = CURVES;
    while let [curve, rest @ ..] = curves {
        p = p.with_curve(*curve);
        curves = rest;
    }
    // Key sizes as libtpms 0.9.2 (see `exec::LIBTPMS_PROFILE`).
    p.without_key_size(0x0006, 192)
        .without_key_size(0x0001, 4096)
};

/// Is `alg` implemented?
pub fn is_implemented(alg: u16) -> bool {
    IMPLEMENTED.iter().any(|(a, _)| *a == alg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_in_profile() {
        for w in IMPLEMENTED.windows(2) {
            assert!(w[0].0 < w[1].0);
        }
        for (a, _) in IMPLEMENTED {
            assert!(PROFILE.alg_enabled(*a));
        }
        assert!(!PROFILE.alg_enabled(0x0026), "Camellia");
        assert!(PROFILE.curve_enabled(3) && !PROFILE.curve_enabled(5));
    }
}
