//! The seeded AES-256 CTR_DRBG that TPM2_CreatePrimary derives a primary object from.
//!
//! This is the reference implementation's `DRBG_STATE` (TPM 2.0 Part 4 `CryptRand.c`), with
//! its own block-cipher derivation function. It is *not* a general SP 800-90A CTR_DRBG: the
//! derivation function deviates from SP 800-90A §10.3.2 in three ways that change every
//! output bit, and parity with libtpms needs all three:
//!
//! 1. The three chaining blocks are not three independent CBC-MACs: one 16-byte accumulator
//!    runs through all three in turn (libtpms parity: `CryptRand.c DfCompute`).
//! 2. The length header `L || N` overwrites the first 8 bytes of the *first chaining value*
//!    instead of being MACed as data (libtpms parity: `CryptRand.c DfStart`).
//! 3. The first data block starts with 4 zero bytes: data is absorbed from offset 4 of the
//!    first block (`contents = 4` in `DfStart`).
//!
//! The DRBG proper (`DRBG_Update`, `DRBG_Generate`, `DRBG_Reseed`) is SP 800-90A §10.2.1
//! CTR_DRBG without derivation function, AES-256, a 128-bit counter incremented *before*
//! each block; it reproduces the NIST vectors the reference code self-tests with.
//!
//! What is generated depends on how the requests are cut: every `generate` call ends with an
//! update of key and counter, so 2 × 64 bytes differ from 1 × 128 bytes. The prime search
//! must therefore make exactly the calls the reference code makes.

use aes::Aes256;
use cipher::{Array, BlockCipherEncrypt, KeyInit};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::Error;

/// AES block (and counter) size in bytes.
const BLOCK: usize = 16;
/// AES-256 key size in bytes.
const KEY: usize = 32;
/// `sizeof(DRBG_SEED)`: key followed by counter.
const SEED: usize = KEY + BLOCK;
/// `CTR_DRBG_MAX_REQUESTS_PER_RESEED` (CryptRand.h): a seeded DRBG that reaches it fails
/// (the reference code enters failure mode; there is no entropy to reseed from).
const MAX_REQUESTS: u64 = 1 << 20;
/// `CTR_DRBG_MAX_BYTES_PER_REQUEST` (CryptRand.h). The reference code silently truncates a
/// larger request and its callers then fail; we fail at once.
const MAX_BYTES_PER_REQUEST: usize = 1 << 16;
/// The derivation function's fixed key: bytes 0x00..0x1f (`DfStart` `dfKey`).
const DF_KEY: [u8; KEY] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
];
/// `DF_COUNT` = key words / block words + 1 = 3 chaining blocks = 48 bytes of output.
const DF_COUNT: usize = SEED / BLOCK;

fn aes256(key: &[u8; KEY]) -> Aes256 {
    Aes256::new(&Array::from(*key))
}

fn encrypt(cipher: &Aes256, input: &[u8; BLOCK]) -> [u8; BLOCK] {
    let mut block = Array::from(*input);
    cipher.encrypt_block(&mut block);
    let out: [u8; BLOCK] = block.into();
    block.zeroize();
    out
}

/// The derivation function state (`DF_STATE`).
struct Df {
    cipher: Aes256,
    iv: [[u8; BLOCK]; DF_COUNT],
    buf: [u8; BLOCK],
    contents: usize,
}

impl Df {
    /// `DfStart`: chaining values from the encrypted block indices, then the length header
    /// written over the first 8 bytes of chaining value 0, then 4 bytes of zero data.
    fn start(input_len: u32) -> Df {
        let mut df = Df {
            cipher: aes256(&DF_KEY),
            iv: [[0; BLOCK]; DF_COUNT],
            buf: [0; BLOCK],
            contents: 0,
        };
        for (i, iv) in df.iv.iter_mut().enumerate() {
            // ((BYTE *)&iv[i])[3] = i
            if let Some(b) = iv.get_mut(3) {
                *b = i as u8;
            }
        }
        df.compute();
        let mut header = [0u8; 8];
        header[..4].copy_from_slice(&input_len.to_be_bytes());
        header[4..].copy_from_slice(&(SEED as u32).to_be_bytes());
        if let Some(first) = df.iv.first_mut() {
            first[..8].copy_from_slice(&header);
        }
        df.contents = 4;
        df
    }

    /// `DfCompute`: one accumulator `temp` chained through all blocks (see the module doc).
    fn compute(&mut self) {
        let mut temp = [0u8; BLOCK];
        for iv in self.iv.iter_mut() {
            for ((t, v), b) in temp.iter_mut().zip(iv.iter()).zip(self.buf.iter()) {
                *t ^= *v ^ *b;
            }
            *iv = encrypt(&self.cipher, &temp);
        }
        temp.zeroize();
        self.buf = [0; BLOCK];
        self.contents = 0;
    }

    /// `DfUpdate`.
    fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let room = BLOCK.saturating_sub(self.contents);
            let n = room.min(data.len());
            let (head, tail) = data.split_at(n);
            if let Some(dst) = self.buf.get_mut(self.contents..self.contents + n) {
                dst.copy_from_slice(head);
            }
            self.contents += n;
            data = tail;
            if self.contents >= BLOCK {
                self.compute();
            }
        }
    }

    /// `DfEnd`: 0x80 terminator, zero padding, a last pass; the chaining values are the
    /// 48-byte result.
    fn end(mut self) -> [u8; SEED] {
        if let Some(b) = self.buf.get_mut(self.contents) {
            *b = 0x80;
        }
        // The rest of `buf` is already zero (compute() clears it).
        self.compute();
        let mut out = [0u8; SEED];
        for (chunk, iv) in out.chunks_exact_mut(BLOCK).zip(self.iv.iter()) {
            chunk.copy_from_slice(iv);
        }
        out
    }
}

impl Drop for Df {
    fn drop(&mut self) {
        self.iv.zeroize();
        self.buf.zeroize();
    }
}

/// `DfBuffer`: the derivation function over one buffer.
fn df_buffer(data: &[u8]) -> Result<[u8; SEED], Error> {
    let len = u32::try_from(data.len()).map_err(|_| Error::Length)?;
    let mut df = Df::start(len);
    df.update(data);
    Ok(df.end())
}

/// The reference code's seeded DRBG (`DRBG_STATE` with `DRBG_MAGIC`).
///
/// Holds secrets (the derived key and counter): zeroized on drop, no `Clone`.
pub struct PrimaryDrbg {
    /// The key half of `DRBG_SEED` (AES-256).
    key: [u8; KEY],
    /// The counter half of `DRBG_SEED` (V, 128 bits, big-endian).
    v: [u8; BLOCK],
    reseed_counter: u64,
}

impl PrimaryDrbg {
    /// `DRBG_InstantiateSeeded(seed, purpose, name, additional)`: zero state, the derivation
    /// function over `seed || purpose || name || additional` (the header carries their total
    /// length), then a reseed with its output.
    ///
    /// For TPM2_CreatePrimary: `seed` is the hierarchy's primary seed, `purpose` the label
    /// [`super::PRIMARY_OBJECT_CREATION`] (with its NUL), `name` the template's Name
    /// (nameAlg || digest) and `additional` the `inSensitive.data` bytes as received.
    ///
    /// # Errors
    /// [`Error::Length`] if the inputs together exceed 2^32 bytes.
    pub fn instantiate_seeded(
        seed: &[u8],
        purpose: &[u8],
        name: &[u8],
        additional: &[u8],
    ) -> Result<PrimaryDrbg, Error> {
        let total = [seed.len(), purpose.len(), name.len(), additional.len()]
            .iter()
            .try_fold(0u32, |acc, l| {
                u32::try_from(*l).ok().and_then(|l| acc.checked_add(l))
            })
            .ok_or(Error::Length)?;
        let mut df = Df::start(total);
        df.update(seed);
        df.update(purpose);
        df.update(name);
        df.update(additional);
        let mut entropy = df.end();
        let mut drbg = PrimaryDrbg {
            key: [0; KEY],
            v: [0; BLOCK],
            reseed_counter: 0,
        };
        drbg.reseed(&entropy);
        entropy.zeroize();
        Ok(drbg)
    }

    /// A DRBG from zero state reseeded with `entropy` without derivation function, as the
    /// reference code's self-test instantiates it (used for the NIST known-answer test).
    #[cfg(test)]
    pub(crate) fn from_entropy(entropy: &[u8; SEED]) -> PrimaryDrbg {
        let mut drbg = PrimaryDrbg {
            key: [0; KEY],
            v: [0; BLOCK],
            reseed_counter: 0,
        };
        drbg.reseed(entropy);
        drbg
    }

    /// `DRBG_Reseed(state, entropy, NULL)`: an update with `entropy` as provided data.
    pub(crate) fn reseed(&mut self, entropy: &[u8; SEED]) {
        let cipher = aes256(&self.key);
        self.update(&cipher, Some(entropy));
        self.reseed_counter = 1;
    }

    /// `DRBG_AdditionalData`: the derivation function over `data`, then a reseed with it.
    /// CryptCreateObject stirs in `shProof` then `ehProof` this way before it draws the
    /// `seedValue` of an endorsement-hierarchy primary.
    ///
    /// # Errors
    /// [`Error::Length`] for empty `data`: the reference code would then reseed from the
    /// platform's entropy, which no deterministic derivation can follow.
    pub fn additional_data(&mut self, data: &[u8]) -> Result<(), Error> {
        if data.is_empty() {
            return Err(Error::Length);
        }
        let mut entropy = df_buffer(data)?;
        self.reseed(&entropy);
        entropy.zeroize();
        Ok(())
    }

    /// `DRBG_Generate` on a `DRBG_STATE`: counter-mode output (the counter is incremented
    /// before each block; a partial last block is cut), then an update with the same key.
    ///
    /// # Errors
    /// [`Error::Limit`] when the reseed counter reached 2^20 or the request exceeds 64 KiB.
    pub fn generate(&mut self, out: &mut [u8]) -> Result<(), Error> {
        if self.reseed_counter >= MAX_REQUESTS || out.len() > MAX_BYTES_PER_REQUEST {
            return Err(Error::Limit);
        }
        let cipher = aes256(&self.key);
        self.encrypt_counter(&cipher, out);
        self.update(&cipher, None);
        self.reseed_counter = self.reseed_counter.saturating_add(1);
        Ok(())
    }

    /// `EncryptDRBG`: for each block, V += 1 (big-endian, wrapping), output E_K(V).
    fn encrypt_counter(&mut self, cipher: &Aes256, out: &mut [u8]) {
        for chunk in out.chunks_mut(BLOCK) {
            for b in self.v.iter_mut().rev() {
                *b = b.wrapping_add(1);
                if *b != 0 {
                    break;
                }
            }
            let mut block = encrypt(cipher, &self.v);
            if let Some(src) = block.get(..chunk.len()) {
                chunk.copy_from_slice(src);
            }
            block.zeroize();
        }
    }

    /// `DRBG_Update`: key || V := E_K(V+1) || E_K(V+2) || E_K(V+3), XOR provided data.
    /// `cipher` is keyed with the *current* key.
    fn update(&mut self, cipher: &Aes256, provided: Option<&[u8; SEED]>) {
        let mut temp = [0u8; SEED];
        self.encrypt_counter(cipher, &mut temp);
        if let Some(p) = provided {
            for (t, x) in temp.iter_mut().zip(p.iter()) {
                *t ^= *x;
            }
        }
        let (key, v) = temp.split_at(KEY);
        self.key.copy_from_slice(key);
        self.v.copy_from_slice(v);
        temp.zeroize();
    }
}

impl Drop for PrimaryDrbg {
    fn drop(&mut self) {
        self.key.zeroize();
        self.v.zeroize();
        self.reseed_counter = 0;
    }
}

impl ZeroizeOnDrop for PrimaryDrbg {}

impl core::fmt::Debug for PrimaryDrbg {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PrimaryDrbg")
            .field("key", &"<redacted>")
            .field("reseed_counter", &self.reseed_counter)
            .finish()
    }
}
