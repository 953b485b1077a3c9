//! AES (FIPS 197) in the TPM's block-cipher modes (TPM 2.0 Part 1 §11.4.6, Part 2 §6.3
//! TPM_ALG_CTR/OFB/CBC/CFB/ECB) and the XOR obfuscation of Part 1 §11.4.6.3.
//!
//! The modes are written here on the AES block function rather than taken from the RustCrypto
//! mode crates because the TPM fixes details those crates do not expose: the IV is an in/out
//! chaining value (TPM 2.0 Part 3 §15.2 TPM2_EncryptDecrypt `ivOut`; CVE-2021-3446: it must
//! be the chaining value after the LAST block, never the input IV), and CFB/OFB/CTR accept a
//! partial last block with the reference code's IV rule (libtpms `CryptSymmetricEncrypt`,
//! CryptSym.c):
//! - CFB: full-block CFB-128; after a partial last block the IV is the partial ciphertext
//!   followed by zero bytes.
//! - OFB: the IV is the last keystream block (the full block, even if partly used).
//! - CTR: the whole 16-byte IV is a big-endian counter, incremented after every block
//!   (partial ones too); the unused part of a partial keystream block is dropped.
//! - CBC: the IV is the last ciphertext block; lengths must be block multiples.
//! - ECB: no IV; lengths must be block multiples.
//!
//! So splitting data into block-multiple chunks gives the same result as one call.

use aes::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use aes::{Aes128, Aes192, Aes256};
use zeroize::Zeroize;

use crate::Error;
use crate::hash::HashAlg;

/// The AES block size in bytes.
pub const BLOCK: usize = 16;

/// An AES key schedule for a 128-, 192- or 256-bit key. The schedules wipe themselves on drop
/// (the `aes` crate's `zeroize` feature).
pub enum AesKey {
    /// AES-128.
    Aes128(Aes128),
    /// AES-192.
    Aes192(Aes192),
    /// AES-256.
    Aes256(Aes256),
}

impl AesKey {
    /// Expand `key` (16, 24 or 32 bytes).
    ///
    /// # Errors
    /// [`Error::Length`] for any other key length.
    pub fn new(key: &[u8]) -> Result<AesKey, Error> {
        let bad = |_| Error::Length;
        Ok(match key.len() {
            16 => AesKey::Aes128(Aes128::new_from_slice(key).map_err(bad)?),
            24 => AesKey::Aes192(Aes192::new_from_slice(key).map_err(bad)?),
            32 => AesKey::Aes256(Aes256::new_from_slice(key).map_err(bad)?),
            _ => return Err(Error::Length),
        })
    }

    /// Key size in bits (TPMI_AES_KEY_BITS).
    pub fn key_bits(&self) -> u16 {
        match self {
            AesKey::Aes128(_) => 128,
            AesKey::Aes192(_) => 192,
            AesKey::Aes256(_) => 256,
        }
    }

    /// Encrypt one block in place.
    pub fn encrypt_block(&self, block: &mut [u8; BLOCK]) {
        let mut b = aes::Block::from(*block);
        match self {
            AesKey::Aes128(k) => k.encrypt_block(&mut b),
            AesKey::Aes192(k) => k.encrypt_block(&mut b),
            AesKey::Aes256(k) => k.encrypt_block(&mut b),
        }
        *block = b.into();
        b.zeroize();
    }

    /// Decrypt one block in place.
    pub fn decrypt_block(&self, block: &mut [u8; BLOCK]) {
        let mut b = aes::Block::from(*block);
        match self {
            AesKey::Aes128(k) => k.decrypt_block(&mut b),
            AesKey::Aes192(k) => k.decrypt_block(&mut b),
            AesKey::Aes256(k) => k.decrypt_block(&mut b),
        }
        *block = b.into();
        b.zeroize();
    }
}

impl core::fmt::Debug for AesKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "AesKey(AES-{}, <redacted>)", self.key_bits())
    }
}

/// A TPM symmetric mode (TPMI_ALG_SYM_MODE, Part 2 §9.31).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[doc(alias = "TPMI_ALG_SYM_MODE")]
pub enum SymMode {
    /// TPM_ALG_CTR (0x0040).
    Ctr,
    /// TPM_ALG_OFB (0x0041).
    Ofb,
    /// TPM_ALG_CBC (0x0042).
    Cbc,
    /// TPM_ALG_CFB (0x0043), full-block CFB-128.
    Cfb,
    /// TPM_ALG_ECB (0x0044).
    Ecb,
}

impl SymMode {
    /// Every mode.
    pub const ALL: [SymMode; 5] = [Self::Ctr, Self::Ofb, Self::Cbc, Self::Cfb, Self::Ecb];

    /// The mode with TPM_ALG_ID `id` (Part 2 §6.3, Table 9).
    pub fn from_tpm_alg(id: u16) -> Option<SymMode> {
        match id {
            0x0040 => Some(Self::Ctr),
            0x0041 => Some(Self::Ofb),
            0x0042 => Some(Self::Cbc),
            0x0043 => Some(Self::Cfb),
            0x0044 => Some(Self::Ecb),
            _ => None,
        }
    }

    /// The TPM_ALG_ID of this mode.
    pub const fn tpm_alg(self) -> u16 {
        match self {
            Self::Ctr => 0x0040,
            Self::Ofb => 0x0041,
            Self::Cbc => 0x0042,
            Self::Cfb => 0x0043,
            Self::Ecb => 0x0044,
        }
    }

    /// True when the mode needs block-multiple lengths (CBC, ECB).
    pub const fn needs_full_blocks(self) -> bool {
        matches!(self, Self::Cbc | Self::Ecb)
    }
}

fn check_len(mode: SymMode, data: &[u8]) -> Result<(), Error> {
    if mode.needs_full_blocks() && data.len() % BLOCK != 0 {
        return Err(Error::Length);
    }
    Ok(())
}

fn xor_into(dst: &mut [u8], ks: &[u8]) {
    for (d, k) in dst.iter_mut().zip(ks) {
        *d ^= k;
    }
}

/// Increment the 16-byte big-endian counter (CTR mode, whole block, wrapping).
fn increment(iv: &mut [u8; BLOCK]) {
    for b in iv.iter_mut().rev() {
        let (v, carry) = b.overflowing_add(1);
        *b = v;
        if !carry {
            break;
        }
    }
}

/// Copy `src` into the first bytes of `dst` (at most `dst.len()`).
fn copy_into(dst: &mut [u8], src: &[u8]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
}

/// Encrypt `data` in place with `key` in `mode`; `iv` goes in as the chaining value and comes
/// out as the one for the next call (ignored for ECB). TPM 2.0 Part 3 §15.2.
///
/// # Errors
/// [`Error::Length`] when CBC or ECB data is not a multiple of 16 bytes (TPM_RC_SIZE); `data`
/// and `iv` are then unchanged.
pub fn encrypt(
    key: &AesKey,
    mode: SymMode,
    iv: &mut [u8; BLOCK],
    data: &mut [u8],
) -> Result<(), Error> {
    check_len(mode, data)?;
    let mut tmp = [0u8; BLOCK];
    match mode {
        SymMode::Cfb => {
            for chunk in data.chunks_mut(BLOCK) {
                key.encrypt_block(iv);
                xor_into(chunk, iv);
                // The next IV is the ciphertext, zero-padded after a partial block.
                *iv = [0; BLOCK];
                copy_into(iv, chunk);
            }
        }
        SymMode::Ofb => {
            for chunk in data.chunks_mut(BLOCK) {
                key.encrypt_block(iv);
                xor_into(chunk, iv);
            }
        }
        SymMode::Ctr => ctr(key, iv, data, &mut tmp),
        SymMode::Cbc => {
            for chunk in data.chunks_mut(BLOCK) {
                xor_into(iv, chunk);
                key.encrypt_block(iv);
                copy_into(chunk, iv);
            }
        }
        SymMode::Ecb => {
            for chunk in data.chunks_mut(BLOCK) {
                copy_into(&mut tmp, chunk);
                key.encrypt_block(&mut tmp);
                copy_into(chunk, &tmp);
            }
        }
    }
    tmp.zeroize();
    Ok(())
}

/// Decrypt `data` in place; the inverse of [`encrypt`] with the same IV rules.
///
/// # Errors
/// [`Error::Length`] when CBC or ECB data is not a multiple of 16 bytes (TPM_RC_SIZE).
pub fn decrypt(
    key: &AesKey,
    mode: SymMode,
    iv: &mut [u8; BLOCK],
    data: &mut [u8],
) -> Result<(), Error> {
    check_len(mode, data)?;
    let mut tmp = [0u8; BLOCK];
    match mode {
        SymMode::Cfb => {
            for chunk in data.chunks_mut(BLOCK) {
                tmp = *iv;
                key.encrypt_block(&mut tmp);
                *iv = [0; BLOCK];
                copy_into(iv, chunk);
                xor_into(chunk, &tmp);
            }
        }
        // OFB and CTR are their own inverse.
        SymMode::Ofb => {
            for chunk in data.chunks_mut(BLOCK) {
                key.encrypt_block(iv);
                xor_into(chunk, iv);
            }
        }
        SymMode::Ctr => ctr(key, iv, data, &mut tmp),
        SymMode::Cbc => {
            let mut next = [0u8; BLOCK];
            for chunk in data.chunks_mut(BLOCK) {
                copy_into(&mut next, chunk);
                copy_into(&mut tmp, chunk);
                key.decrypt_block(&mut tmp);
                xor_into(&mut tmp, iv);
                copy_into(chunk, &tmp);
                *iv = next;
            }
            next.zeroize();
        }
        SymMode::Ecb => {
            for chunk in data.chunks_mut(BLOCK) {
                copy_into(&mut tmp, chunk);
                key.decrypt_block(&mut tmp);
                copy_into(chunk, &tmp);
            }
        }
    }
    tmp.zeroize();
    Ok(())
}

fn ctr(key: &AesKey, iv: &mut [u8; BLOCK], data: &mut [u8], tmp: &mut [u8; BLOCK]) {
    for chunk in data.chunks_mut(BLOCK) {
        *tmp = *iv;
        key.encrypt_block(tmp);
        increment(iv);
        xor_into(chunk, tmp);
    }
}

/// XOR obfuscation (TPM 2.0 Part 1 §11.4.6.3, parameter encryption with TPM_ALG_XOR):
/// `data ^= KDFa(hash, key, "XOR", nonce_newer, nonce_older, data.len() * 8)`. The same call
/// obfuscates and de-obfuscates. `key` is the session key || authValue of Part 1 §21.2.
///
/// # Errors
/// [`Error::Length`] when `data.len() * 8` does not fit in a u32.
pub fn xor_obfuscate(
    hash: HashAlg,
    key: &[u8],
    nonce_newer: &[u8],
    nonce_older: &[u8],
    data: &mut [u8],
) -> Result<(), Error> {
    let bits = u32::try_from(data.len())
        .ok()
        .and_then(|n| n.checked_mul(8))
        .ok_or(Error::Length)?;
    let mut s = crate::kdf::KdfaStream::new(hash, key, b"XOR", nonce_newer, nonce_older, bits);
    let mut ks = [0u8; 64];
    for chunk in data.chunks_mut(ks.len()) {
        let ks = ks.get_mut(..chunk.len()).unwrap_or(&mut []);
        s.fill(ks);
        xor_into(chunk, ks);
    }
    ks.zeroize();
    Ok(())
}
