//! Known-answer self-tests of the algorithms the engine uses (TPM 2.0 Part 1 §12; run by
//! TPM2_SelfTest and TPM2_IncrementalSelfTest). Vectors: FIPS 180-4 examples ("abc") and
//! RFC 4231 test case 2 for HMAC.

use tpm_crypto::hash::{HashAlg, digest};
use tpm_crypto::hmac::hmac;

const SHA1: u16 = 0x0004;
const HMAC: u16 = 0x0005;
const SHA256: u16 = 0x000B;
const SHA384: u16 = 0x000C;
const SHA512: u16 = 0x000D;

/// The algorithms with a self-test, in TPM_ALG_ID order.
pub const TESTED_ALGS: &[u16] = &[SHA1, HMAC, SHA256, SHA384, SHA512];

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| s.get(2 * i..2 * i + 2))
        .filter_map(|b| u8::from_str_radix(b, 16).ok())
        .collect()
}

/// Run the known-answer test of `alg`; `true` when it passes (or `alg` has none).
pub fn test_algorithm(alg: u16) -> bool {
    let check = |h: HashAlg, expect: &str| digest(h, b"abc").as_slice() == hex(expect).as_slice();
    match alg {
        SHA1 => check(HashAlg::Sha1, "a9993e364706816aba3e25717850c26c9cd0d89d"),
        SHA256 => check(
            HashAlg::Sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        SHA384 => check(
            HashAlg::Sha384,
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed\
             8086072ba1e7cc2358baeca134c825a7",
        ),
        SHA512 => check(
            HashAlg::Sha512,
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        ),
        // RFC 4231 test case 2.
        HMAC => {
            hmac(HashAlg::Sha256, b"Jefe", b"what do ya want for nothing?").as_slice()
                == hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
                    .as_slice()
        }
        _ => true,
    }
}

/// Run every self-test; the names of those that fail.
pub fn run_all() -> Vec<u16> {
    TESTED_ALGS
        .iter()
        .copied()
        .filter(|a| !test_algorithm(*a))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn all_pass() {
        assert!(super::run_all().is_empty());
    }
}
