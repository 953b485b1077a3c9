//! SP 800-90A CTR_DRBG with AES-256 (SP 800-90A Rev. 1 §10.2), as the TCG reference code
//! uses it for the TPM's RNG (libtpms CryptRand.c: `DRBG_Instantiate`, `DRBG_Reseed`,
//! `DRBG_Generate`, `CryptRandomStir`).
//!
//! The reference code runs the DRBG *without* a derivation function: seed length is 48 bytes
//! (key 32 + V 16), entropy comes as a full 48-byte seed and additional data is XORed into
//! it. Only TPM2_StirRandom input goes through the block-cipher derivation function first
//! (`DfBuffer`, SP 800-90A §10.3.2 Block_Cipher_df), because that input has any length.
//! Both forms are here ([`DfMode`]) so the CAVP "no df" and "use df" vectors test them.
//!
//! [`Drbg`] implements the `rand_core` 0.10 traits (`TryRng`/`TryCryptoRng`, error
//! [`Error`]) so it can drive RustCrypto key generation and signing; [`Drbg::infallible`]
//! adapts it for APIs that need an infallible `CryptoRng` and reports failures afterwards.

use rsa::rand_core::{TryCryptoRng, TryRng};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::Error;
use crate::sym::{AesKey, BLOCK};

/// Seed length of CTR_DRBG with AES-256 (SP 800-90A Table 3): key 32 + V 16 bytes.
pub const SEED_LEN: usize = 48;
const KEY_LEN: usize = 32;
/// Maximum bytes per generate request (SP 800-90A Table 3: 2^19 bits).
pub const MAX_REQUEST: usize = 1 << 16;
/// Generate requests between reseeds (SP 800-90A Table 3 allows 2^48; the reference code's
/// CTR_DRBG_MAX_REQUESTS_PER_RESEED is the same bound).
pub const RESEED_INTERVAL: u64 = 1 << 48;

/// Whether inputs go through the derivation function (SP 800-90A §10.2.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DfMode {
    /// No df (the TPM's RNG): entropy is exactly 48 bytes, personalization and additional
    /// input at most 48 bytes, zero-padded and XORed in.
    NoDf,
    /// Block_Cipher_df applied to every input (CAVP "use df").
    UseDf,
}

/// An AES-256 CTR_DRBG. Key and V wipe on drop.
pub struct Drbg {
    key: [u8; KEY_LEN],
    v: [u8; BLOCK],
    reseed_counter: u64,
    df: DfMode,
    /// Seeded from the operating system: reseeds itself when the interval runs out.
    os_seeded: bool,
}

fn xor_into(dst: &mut [u8], src: &[u8]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d ^= s;
    }
}

fn increment(v: &mut [u8; BLOCK]) {
    for b in v.iter_mut().rev() {
        let (n, carry) = b.overflowing_add(1);
        *b = n;
        if !carry {
            break;
        }
    }
}

/// Zero-pad `input` (at most 48 bytes) to a seed (SP 800-90A §10.2.1.3.1 step 2).
fn pad_seed(input: &[u8]) -> Result<[u8; SEED_LEN], Error> {
    if input.len() > SEED_LEN {
        return Err(Error::Length);
    }
    let mut s = [0u8; SEED_LEN];
    for (d, b) in s.iter_mut().zip(input) {
        *d = *b;
    }
    Ok(s)
}

/// Block_Cipher_df (SP 800-90A §10.3.2) with AES-256, returning 48 bytes of `parts`
/// concatenated.
pub fn block_cipher_df(parts: &[&[u8]]) -> Result<[u8; SEED_LEN], Error> {
    let in_len: usize = parts.iter().map(|p| p.len()).sum();
    let l = u32::try_from(in_len).map_err(|_| Error::Length)?;
    // S = L || N || input || 0x80 || 0* (to a block multiple).
    let mut s = Vec::with_capacity(in_len + 8 + BLOCK);
    s.extend_from_slice(&l.to_be_bytes());
    s.extend_from_slice(&(SEED_LEN as u32).to_be_bytes());
    for p in parts {
        s.extend_from_slice(p);
    }
    s.push(0x80);
    while s.len() % BLOCK != 0 {
        s.push(0);
    }
    // §10.3.2 step 8: K = leftmost keylen bits of 0x00010203...1F.
    let mut k = [0u8; KEY_LEN];
    for (i, b) in (0u8..).zip(k.iter_mut()) {
        *b = i;
    }
    let bcc_key = AesKey::new(&k)?;
    let mut temp = [0u8; SEED_LEN];
    for (i, out) in (0u32..).zip(temp.chunks_mut(BLOCK)) {
        // BCC(K, IV || S) with IV = i || 0^96 (§10.3.3).
        let mut chain = [0u8; BLOCK];
        let mut iv = [0u8; BLOCK];
        for (d, b) in iv.iter_mut().zip(i.to_be_bytes()) {
            *d = b;
        }
        xor_into(&mut chain, &iv);
        bcc_key.encrypt_block(&mut chain);
        for block in s.chunks(BLOCK) {
            xor_into(&mut chain, block);
            bcc_key.encrypt_block(&mut chain);
        }
        for (d, c) in out.iter_mut().zip(chain) {
            *d = c;
        }
    }
    let (tk, tx) = temp.split_at(KEY_LEN);
    let key = AesKey::new(tk)?;
    let mut x = [0u8; BLOCK];
    for (d, b) in x.iter_mut().zip(tx) {
        *d = *b;
    }
    let mut out = [0u8; SEED_LEN];
    for chunk in out.chunks_mut(BLOCK) {
        key.encrypt_block(&mut x);
        for (d, b) in chunk.iter_mut().zip(x) {
            *d = b;
        }
    }
    s.zeroize();
    temp.zeroize();
    x.zeroize();
    Ok(out)
}

impl Drbg {
    /// Instantiate (SP 800-90A §10.2.1.3) from caller-supplied entropy, nonce and
    /// personalization string (deterministic; for tests and reproducible setups).
    ///
    /// # Errors
    /// [`Error::Length`] in [`DfMode::NoDf`] when `entropy` is not 48 bytes or the
    /// personalization string is longer than 48 bytes (the nonce is not used without df).
    pub fn instantiate(
        df: DfMode,
        entropy: &[u8],
        nonce: &[u8],
        personalization: &[u8],
    ) -> Result<Drbg, Error> {
        let mut seed = match df {
            DfMode::NoDf => {
                if entropy.len() != SEED_LEN {
                    return Err(Error::Length);
                }
                let mut s = pad_seed(personalization)?;
                xor_into(&mut s, entropy);
                s
            }
            DfMode::UseDf => block_cipher_df(&[entropy, nonce, personalization])?,
        };
        let mut d = Drbg {
            key: [0; KEY_LEN],
            v: [0; BLOCK],
            reseed_counter: 1,
            df,
            os_seeded: false,
        };
        d.update(&seed)?;
        seed.zeroize();
        Ok(d)
    }

    /// Instantiate from operating-system entropy (48 bytes, no df) with an optional
    /// personalization string, the way the TPM's RNG starts (`DRBG_Instantiate`).
    ///
    /// # Errors
    /// [`Error::Entropy`] when the OS source fails; [`Error::Length`] for a personalization
    /// string over 48 bytes.
    pub fn from_os_entropy(personalization: &[u8]) -> Result<Drbg, Error> {
        let mut e = os_entropy()?;
        let mut d = Drbg::instantiate(DfMode::NoDf, &e, &[], personalization)?;
        e.zeroize();
        d.os_seeded = true;
        Ok(d)
    }

    /// CTR_DRBG_Update (SP 800-90A §10.2.1.2).
    fn update(&mut self, provided: &[u8; SEED_LEN]) -> Result<(), Error> {
        let key = AesKey::new(&self.key)?;
        self.update_with(&key, provided);
        Ok(())
    }

    /// CTR_DRBG_Update with the key schedule of the current key already expanded (saves an
    /// AES key expansion and the wipe of its schedule on every generate).
    fn update_with(&mut self, key: &AesKey, provided: &[u8; SEED_LEN]) {
        let mut temp = [0u8; SEED_LEN];
        for chunk in temp.chunks_mut(BLOCK) {
            increment(&mut self.v);
            let mut b = self.v;
            key.encrypt_block(&mut b);
            for (d, s) in chunk.iter_mut().zip(b) {
                *d = s;
            }
            b.zeroize();
        }
        xor_into(&mut temp, provided);
        let (k, v) = temp.split_at(KEY_LEN);
        for (d, s) in self.key.iter_mut().zip(k) {
            *d = *s;
        }
        for (d, s) in self.v.iter_mut().zip(v) {
            *d = *s;
        }
        temp.zeroize();
    }

    /// Process additional input to a 48-byte value per the df mode (zero for none).
    fn additional(&self, additional: &[u8]) -> Result<Option<[u8; SEED_LEN]>, Error> {
        if additional.is_empty() {
            return Ok(None);
        }
        Ok(Some(match self.df {
            DfMode::NoDf => pad_seed(additional)?,
            DfMode::UseDf => block_cipher_df(&[additional])?,
        }))
    }

    /// Reseed (SP 800-90A §10.2.1.4) with caller-supplied entropy and additional input.
    ///
    /// # Errors
    /// [`Error::Length`] in [`DfMode::NoDf`] when `entropy` is not 48 bytes or `additional`
    /// is longer than 48 bytes.
    pub fn reseed(&mut self, entropy: &[u8], additional: &[u8]) -> Result<(), Error> {
        let mut seed = match self.df {
            DfMode::NoDf => {
                if entropy.len() != SEED_LEN {
                    return Err(Error::Length);
                }
                let mut s = pad_seed(additional)?;
                xor_into(&mut s, entropy);
                s
            }
            DfMode::UseDf => block_cipher_df(&[entropy, additional])?,
        };
        self.update(&seed)?;
        seed.zeroize();
        self.reseed_counter = 1;
        Ok(())
    }

    /// Reseed from operating-system entropy.
    ///
    /// # Errors
    /// [`Error::Entropy`] when the OS source fails.
    pub fn reseed_from_os(&mut self) -> Result<(), Error> {
        let mut e = os_entropy()?;
        let r = match self.df {
            DfMode::NoDf => self.reseed(&e, &[]),
            DfMode::UseDf => self.reseed(&e, &[]),
        };
        e.zeroize();
        r
    }

    /// TPM2_StirRandom (TPM 2.0 Part 3 §16.2): the input is additional information for a
    /// reseed. As the reference code's `CryptRandomStir` does: fresh 48-byte OS entropy XOR
    /// Block_Cipher_df(input) becomes the reseed value.
    ///
    /// # Errors
    /// [`Error::Entropy`] when the OS source fails.
    pub fn stir(&mut self, input: &[u8]) -> Result<(), Error> {
        let mut e = os_entropy()?;
        let r = self.stir_with_entropy(&e, input);
        e.zeroize();
        r
    }

    /// [`Drbg::stir`] with caller-supplied entropy (deterministic, for tests).
    ///
    /// # Errors
    /// [`Error::Length`] if the df input length does not fit in 32 bits.
    pub fn stir_with_entropy(
        &mut self,
        entropy: &[u8; SEED_LEN],
        input: &[u8],
    ) -> Result<(), Error> {
        let mut seed = block_cipher_df(&[input])?;
        xor_into(&mut seed, entropy);
        self.update(&seed)?;
        seed.zeroize();
        self.reseed_counter = 1;
        Ok(())
    }

    /// Generate (SP 800-90A §10.2.1.5) `out.len()` bytes with optional additional input.
    ///
    /// # Errors
    /// [`Error::Length`] for requests over [`MAX_REQUEST`] bytes or (no df) additional input
    /// over 48 bytes; [`Error::Limit`] when the reseed interval is exhausted and the DRBG
    /// cannot reseed itself (not OS-seeded); [`Error::Entropy`] if that reseed fails.
    pub fn generate(&mut self, out: &mut [u8], additional: &[u8]) -> Result<(), Error> {
        if out.len() > MAX_REQUEST {
            return Err(Error::Length);
        }
        if self.reseed_counter > RESEED_INTERVAL {
            if !self.os_seeded {
                return Err(Error::Limit);
            }
            self.reseed_from_os()?;
        }
        let add = self.additional(additional)?;
        if let Some(a) = &add {
            self.update(a)?;
        }
        let key = AesKey::new(&self.key)?;
        for chunk in out.chunks_mut(BLOCK) {
            increment(&mut self.v);
            let mut b = self.v;
            key.encrypt_block(&mut b);
            for (d, s) in chunk.iter_mut().zip(b) {
                *d = s;
            }
            b.zeroize();
        }
        // The final Update runs under the same key as the output blocks (SP 800-90A §10.2.1.5.1
        // step 6 uses Key before it is replaced), so its schedule is reused.
        let mut a = add.unwrap_or([0u8; SEED_LEN]);
        self.update_with(&key, &a);
        a.zeroize();
        self.reseed_counter = self.reseed_counter.saturating_add(1);
        Ok(())
    }

    /// Fill `out` of any length (split into [`MAX_REQUEST`]-sized requests).
    ///
    /// # Errors
    /// As [`Drbg::generate`].
    pub fn fill(&mut self, out: &mut [u8]) -> Result<(), Error> {
        for chunk in out.chunks_mut(MAX_REQUEST) {
            self.generate(chunk, &[])?;
        }
        Ok(())
    }

    /// An infallible `rand_core::CryptoRng` view for APIs that require one (RustCrypto key
    /// generation). A failure fills zeros and is remembered; check
    /// [`InfallibleDrbg::finish`] and discard the result on error.
    pub fn infallible(&mut self) -> InfallibleDrbg<'_> {
        InfallibleDrbg {
            drbg: self,
            failed: None,
        }
    }
}

fn os_entropy() -> Result<[u8; SEED_LEN], Error> {
    let mut e = [0u8; SEED_LEN];
    getrandom::fill(&mut e).map_err(|_| Error::Entropy)?;
    Ok(e)
}

impl Drop for Drbg {
    fn drop(&mut self) {
        self.key.zeroize();
        self.v.zeroize();
    }
}

impl ZeroizeOnDrop for Drbg {}

impl core::fmt::Debug for Drbg {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Drbg")
            .field("df", &self.df)
            .field("reseed_counter", &self.reseed_counter)
            .finish_non_exhaustive()
    }
}

impl TryRng for Drbg {
    type Error = Error;

    fn try_next_u32(&mut self) -> Result<u32, Error> {
        let mut b = [0u8; 4];
        self.fill(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Error> {
        let mut b = [0u8; 8];
        self.fill(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Error> {
        self.fill(dst)
    }
}

impl TryCryptoRng for Drbg {}

/// See [`Drbg::infallible`].
#[derive(Debug)]
pub struct InfallibleDrbg<'a> {
    drbg: &'a mut Drbg,
    failed: Option<Error>,
}

impl InfallibleDrbg<'_> {
    /// The first failure, if any; results produced with this view must then be discarded.
    ///
    /// # Errors
    /// The first error the DRBG reported.
    pub fn finish(self) -> Result<(), Error> {
        match self.failed {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl TryRng for InfallibleDrbg<'_> {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        if self.failed.is_none() {
            if let Err(e) = self.drbg.fill(dst) {
                self.failed = Some(e);
            }
        }
        if self.failed.is_some() {
            dst.zeroize();
        }
        Ok(())
    }
}

impl TryCryptoRng for InfallibleDrbg<'_> {}
