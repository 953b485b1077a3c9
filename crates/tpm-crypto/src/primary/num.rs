//! Small big-endian byte-string arithmetic for the parts of the derivation that must follow
//! the reference code's bignum layout exactly (64-bit words, `BnMaskBits`, small-word
//! add/sub/mod), plus the bridge to `crypto-bigint` for the heavy operations.
//!
//! Numbers here are big-endian byte strings whose length is a multiple of 8, so byte offsets
//! map onto the reference code's 64-bit words (`RADIX_BITS == 64`, libtpms on x86_64 and the
//! other 64-bit targets it is built for).

use crypto_bigint::BoxedUint;

use crate::Error;

/// Bytes per reference-code word (`RADIX_BYTES` on 64-bit builds).
pub(crate) const WORD: usize = 8;

/// Number of significant bits (`BnSizeInBits`).
pub(crate) fn bit_len(be: &[u8]) -> u32 {
    let mut skipped: u32 = 0;
    for b in be {
        if *b != 0 {
            let rest = (be.len() as u32).saturating_sub(skipped);
            return rest.saturating_mul(8).saturating_sub(b.leading_zeros());
        }
        skipped = skipped.saturating_add(1);
    }
    0
}

/// Remainder by a small non-zero word (`BnModWord`).
pub(crate) fn mod_u32(be: &[u8], m: u32) -> u32 {
    if m == 0 {
        return 0;
    }
    let m = u64::from(m);
    let mut r: u64 = 0;
    for b in be {
        r = ((r << 8) | u64::from(*b)) % m;
    }
    // r < m <= u32::MAX
    r as u32
}

/// `be -= x` (`BnSubWord`). A borrow out of the top is a broken invariant.
pub(crate) fn sub_u32(be: &mut [u8], x: u32) -> Result<(), Error> {
    let mut borrow = u64::from(x);
    for b in be.iter_mut().rev() {
        if borrow == 0 {
            break;
        }
        let low = borrow & 0xff;
        borrow >>= 8;
        let cur = u64::from(*b);
        if cur >= low {
            *b = (cur - low) as u8;
        } else {
            *b = (cur + 0x100 - low) as u8;
            borrow += 1;
        }
    }
    if borrow != 0 {
        return Err(Error::Internal);
    }
    Ok(())
}

/// `be += x` (`BnAddWord`). A carry out of the buffer is a broken invariant (callers keep
/// a spare leading word, as the reference code grows its number by a word).
pub(crate) fn add_u32(be: &mut [u8], x: u32) -> Result<(), Error> {
    let mut carry = u64::from(x);
    for b in be.iter_mut().rev() {
        if carry == 0 {
            break;
        }
        let sum = u64::from(*b) + (carry & 0xff);
        *b = sum as u8;
        carry = (carry >> 8) + (sum >> 8);
    }
    if carry != 0 {
        return Err(Error::Internal);
    }
    Ok(())
}

/// The number of reference-code words needed for `bits` bits (`BITS_TO_CRYPT_WORDS`).
pub(crate) fn words_for_bits(bits: u32) -> usize {
    (bits as usize).div_ceil(WORD * 8)
}

/// `BnGetRandomBits(n, bits, rand)`: one DRBG request of `ceil(bits / 8)` bytes read as a
/// big-endian number, then `BnMaskBits(n, bits)`. The result is left-padded to whole
/// words.
///
/// `BnMaskBits` masks the top word with `~0 >> (bits % 64)`, which keeps the *low*
/// `64 - bits % 64` bits of that word; for the sizes used here (multiples of 64) it keeps
/// everything. We apply the same mask so that other sizes behave like the reference code.
pub(crate) fn random_bits<R: super::DerivationRng + ?Sized>(
    drbg: &mut R,
    bits: u32,
) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
    let nbytes = (bits as usize).div_ceil(8);
    let words = words_for_bits(bits);
    let total = words.checked_mul(WORD).ok_or(Error::Internal)?;
    let mut out = zeroize::Zeroizing::new(vec![0u8; total]);
    let pad = total.checked_sub(nbytes).ok_or(Error::Internal)?;
    drbg.generate(out.get_mut(pad..).ok_or(Error::Internal)?)?;
    let shift = bits % 64;
    if shift != 0 {
        let mask = (!0u64 >> shift).to_be_bytes();
        if let Some(top) = out.get_mut(..WORD) {
            for (b, m) in top.iter_mut().zip(mask.iter()) {
                *b &= *m;
            }
        }
    }
    Ok(out)
}

/// A `BoxedUint` of `be.len() * 8` bits precision.
pub(crate) fn to_uint(be: &[u8]) -> Result<BoxedUint, Error> {
    let bits = u32::try_from(be.len())
        .ok()
        .and_then(|l| l.checked_mul(8))
        .ok_or(Error::Internal)?;
    BoxedUint::from_be_slice(be, bits.max(64)).map_err(|_| Error::Internal)
}

/// Big-endian bytes of `x`, left-padded or trimmed to exactly `len` bytes. Trimming a
/// non-zero byte is a broken invariant.
pub(crate) fn to_be_len(x: &BoxedUint, len: usize) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
    let full = zeroize::Zeroizing::new(x.to_be_bytes().into_vec());
    let mut out = zeroize::Zeroizing::new(vec![0u8; len]);
    if full.len() >= len {
        let cut = full.len() - len;
        let (head, tail) = full.split_at(cut);
        if head.iter().any(|b| *b != 0) {
            return Err(Error::Internal);
        }
        out.copy_from_slice(tail);
    } else {
        let pad = len - full.len();
        out.get_mut(pad..)
            .ok_or(Error::Internal)?
            .copy_from_slice(&full);
    }
    Ok(out)
}
