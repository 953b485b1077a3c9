//! The TPM key derivation functions: KDFa (TPM 2.0 Part 1 §11.4.10.2, SP 800-108 counter mode
//! with HMAC) and KDFe (Part 1 §11.4.10.3, SP 800-56A concatenation KDF).
//!
//! Label convention (Part 1 §11.4.10.2 and §4.6 "label"): the label is used with its
//! terminating zero octet. A caller may pass `b"STORAGE"` or `b"STORAGE\0"`: as in the TCG
//! reference code (`CryptKDFa`/`CryptKDFe`, CryptHash.c), a 0x00 is appended only when the
//! label is empty or does not already end in 0x00, so both give the same bytes.

use rsa::rand_core::{TryCryptoRng, TryRng};
use zeroize::Zeroize;

use crate::Error;
use crate::hash::{Digest, HashAlg, Hasher};
use crate::hmac::HmacState;

/// Append `label` with its terminating zero to `buf` (reference-code rule, see module docs).
fn push_label(buf: &mut Vec<u8>, label: &[u8]) {
    buf.extend_from_slice(label);
    if label.last() != Some(&0) {
        buf.push(0);
    }
}

/// Mask the most significant octet of a `bits`-bit big-endian output when `bits % 8 != 0`.
fn mask_top(out: &mut [u8], bits: u32) {
    let rem = bits % 8;
    if rem != 0 {
        if let Some(first) = out.first_mut() {
            *first &= (1u8 << rem) - 1;
        }
    }
}

/// KDFa (TPM 2.0 Part 1 §11.4.10.2): SP 800-108 counter-mode KDF with HMAC-`alg`, the 32-bit
/// big-endian counter first and starting at 1, fixed input
/// `label || 0x00 || context_u || context_v || bits` (bits as u32 big-endian).
///
/// `out` should be `ceil(bits / 8)` bytes. If it is another length, exactly `out.len()` bytes
/// of the KDFa stream with `bits` in the fixed input are written (the reference code's
/// block-wise use in `DRBG_Generate`); [`KdfaStream`] is the incremental form.
///
/// When `bits % 8 != 0` the excess high bits of `out[0]` are cleared, the Part 1 rule for a
/// big-endian value of `bits` bits. libtpms parity: newer `CryptKDFa` leaves that masking to
/// its callers; every TPM caller asks for whole octets, so the outputs never differ.
pub fn kdfa(
    alg: HashAlg,
    key: &[u8],
    label: &[u8],
    context_u: &[u8],
    context_v: &[u8],
    bits: u32,
    out: &mut [u8],
) {
    let mut s = KdfaStream::new(alg, key, label, context_u, context_v, bits);
    s.fill(out);
    mask_top(out, bits);
}

/// The SP 800-108 counter-mode KDF with HMAC-`alg` that KDFa specializes: block `i` (from 1)
/// is `HMAC(key, i as u32 BE || fixed)`; `out` is filled with the leading bytes. KDFa is this
/// with `fixed = label || 0x00 || context_u || context_v || bits` (CAVP KBKDF, counter before
/// the fixed input, r = 32).
pub fn kbkdf_counter_hmac(alg: HashAlg, key: &[u8], fixed: &[u8], out: &mut [u8]) {
    let mut s = KdfaStream {
        mac: HmacState::new(alg, key),
        alg,
        fixed: fixed.to_vec(),
        size_in_bits: u32::MAX,
        counter: 0,
        block: Digest::from_bytes(&[]),
        pos: 0,
    };
    s.fill(out);
}

/// KDFe (TPM 2.0 Part 1 §11.4.10.3): SP 800-56A §5.8.1 concatenation KDF with hash `alg`,
/// `Hash(counter || Z || label || 0x00 || party_u_info || party_v_info)` with a 32-bit
/// big-endian counter starting at 1 (the label-zero rule of the module docs applies).
///
/// `out` should be `ceil(bits / 8)` bytes; any other length is filled completely. When
/// `bits % 8 != 0` the excess high bits of `out[0]` are cleared (as `CryptKDFe` does).
pub fn kdfe(
    alg: HashAlg,
    z: &[u8],
    label: &[u8],
    party_u_info: &[u8],
    party_v_info: &[u8],
    bits: u32,
    out: &mut [u8],
) {
    let mut other = Vec::with_capacity(label.len() + 1 + party_u_info.len() + party_v_info.len());
    push_label(&mut other, label);
    other.extend_from_slice(party_u_info);
    other.extend_from_slice(party_v_info);
    let mut counter: u32 = 0;
    for chunk in out.chunks_mut(alg.digest_size()) {
        counter = counter.wrapping_add(1);
        let mut h = Hasher::new(alg);
        h.update(&counter.to_be_bytes());
        h.update(z);
        h.update(&other);
        let mut d = h.finalize();
        for (o, b) in chunk.iter_mut().zip(d.as_slice()) {
            *o = *b;
        }
        d.zeroize();
    }
    mask_top(out, bits);
}

/// The KDFa output as an unbounded byte stream: block `i` (counter `i`, from 1) is
/// `HMAC(key, i || label || 0x00 || context_u || context_v || size_in_bits)`, with
/// `size_in_bits` fixed at construction, and the bytes come out in order across calls.
///
/// This is the reference code's KDF-based "DRBG" (`KDF_STATE`, CryptRand.c):
/// `DRBG_InstantiateSeededKdf(state, hashAlg, KDF1_SP800_108, seed, label, context, limit)`
/// corresponds to `KdfaStream::new(hashAlg, seed, label, context, &[], limit)` (contextV is
/// NULL there and the `limit` is what goes into the L field of every block), and each
/// `DRBG_Generate(state, buf, n)` corresponds to [`KdfaStream::generate`], which applies the
/// same limit check (`(blocks_used * digest_size + n) * 8 > limit` fails and consumes
/// nothing; libtpms returns 0 there). The residual block is kept, so successive requests read
/// one contiguous stream exactly as the reference code's residual buffer does. TPM2_CreatePrimary
/// uses label "Primary Object Creation" and limit TPM_MAX_DERIVATION_BITS (8192).
///
/// [`KdfaStream::fill`] ignores the limit (the counter wraps after 2^32 blocks, as the
/// reference code's UINT32 would). The stream also implements `rand_core` `TryRng` (that
/// is unlimited too) so it can drive generic code; the primary-key derivation should call
/// [`KdfaStream::generate`] for reference-code parity.
pub struct KdfaStream {
    mac: HmacState,
    alg: HashAlg,
    fixed: Vec<u8>,
    size_in_bits: u32,
    counter: u32,
    block: Digest,
    /// Read offset into `block`; `block.len()` when the residual is empty.
    pos: usize,
}

impl KdfaStream {
    /// Set up the stream (nothing is computed until bytes are requested).
    pub fn new(
        alg: HashAlg,
        key: &[u8],
        label: &[u8],
        context_u: &[u8],
        context_v: &[u8],
        size_in_bits: u32,
    ) -> KdfaStream {
        let mut fixed = Vec::with_capacity(label.len() + 5 + context_u.len() + context_v.len());
        push_label(&mut fixed, label);
        fixed.extend_from_slice(context_u);
        fixed.extend_from_slice(context_v);
        fixed.extend_from_slice(&size_in_bits.to_be_bytes());
        KdfaStream {
            mac: HmacState::new(alg, key),
            alg,
            fixed,
            size_in_bits,
            counter: 0,
            block: Digest::from_bytes(&[]),
            pos: 0,
        }
    }

    /// Number of KDFa blocks computed so far (the reference code's `KDF_STATE.counter`).
    pub fn counter(&self) -> u32 {
        self.counter
    }

    /// The next `out.len()` bytes of the stream, without any limit.
    pub fn fill(&mut self, out: &mut [u8]) {
        let mut rest = out;
        while !rest.is_empty() {
            if self.pos >= self.block.len() {
                self.next_block();
            }
            let avail = self.block.as_slice().get(self.pos..).unwrap_or(&[]);
            let n = avail.len().min(rest.len());
            let (head, tail) = rest.split_at_mut(n);
            for (o, b) in head.iter_mut().zip(avail) {
                *o = *b;
            }
            self.pos += n;
            rest = tail;
        }
    }

    /// The next `out.len()` bytes, under the reference code's limit (`DRBG_Generate` on a
    /// `KDF_STATE`).
    ///
    /// # Errors
    /// [`Error::Limit`] when `(counter * digest_size + out.len()) * 8 > size_in_bits`; no
    /// bytes are consumed then.
    pub fn generate(&mut self, out: &mut [u8]) -> Result<(), Error> {
        let used = u64::from(self.counter)
            .checked_mul(self.alg.digest_size() as u64)
            .and_then(|u| u.checked_add(out.len() as u64))
            .and_then(|u| u.checked_mul(8))
            .ok_or(Error::Limit)?;
        if used > u64::from(self.size_in_bits) {
            return Err(Error::Limit);
        }
        self.fill(out);
        Ok(())
    }

    fn next_block(&mut self) {
        self.counter = self.counter.wrapping_add(1);
        let mut m = self.mac.fork();
        m.update(&self.counter.to_be_bytes());
        m.update(&self.fixed);
        self.block.zeroize();
        self.block = m.finalize();
        self.pos = 0;
    }
}

impl Drop for KdfaStream {
    fn drop(&mut self) {
        self.block.zeroize();
    }
}

impl zeroize::ZeroizeOnDrop for KdfaStream {}

impl core::fmt::Debug for KdfaStream {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KdfaStream")
            .field("alg", &self.alg)
            .field("counter", &self.counter)
            .finish_non_exhaustive()
    }
}

impl TryRng for KdfaStream {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.fill(&mut b);
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.fill(&mut b);
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.fill(dst);
        Ok(())
    }
}

/// A KDFa stream keyed by a secret seed is unpredictable to anyone without the seed.
impl TryCryptoRng for KdfaStream {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_zero_is_not_doubled() {
        let mut a = [0u8; 40];
        let mut b = [0u8; 40];
        kdfa(HashAlg::Sha256, b"k", b"STORAGE", b"u", b"v", 320, &mut a);
        kdfa(HashAlg::Sha256, b"k", b"STORAGE\0", b"u", b"v", 320, &mut b);
        assert_eq!(a, b);
        kdfe(HashAlg::Sha256, b"z", b"SECRET", b"u", b"v", 320, &mut a);
        kdfe(HashAlg::Sha256, b"z", b"SECRET\0", b"u", b"v", 320, &mut b);
        assert_eq!(a, b);
    }

    #[test]
    fn stream_is_contiguous_kdfa_and_limit_matches_reference() {
        let label = b"Primary Object Creation";
        let mut whole = [0u8; 100];
        kdfa(
            HashAlg::Sha256,
            b"seed",
            label,
            b"name",
            b"",
            8192,
            &mut whole,
        );
        let mut s = KdfaStream::new(HashAlg::Sha256, b"seed", label, b"name", b"", 8192);
        let mut got = Vec::new();
        for n in [1usize, 31, 2, 33, 5, 28] {
            let mut buf = vec![0u8; n];
            s.generate(&mut buf).unwrap();
            got.extend_from_slice(&buf);
        }
        assert_eq!(got, whole);

        // Limit 800 bits: the reference check counts whole blocks already computed.
        let mut s = KdfaStream::new(HashAlg::Sha256, b"seed", label, b"name", b"", 800);
        s.generate(&mut [0u8; 96]).unwrap();
        assert_eq!(s.counter(), 3);
        assert_eq!(s.generate(&mut [0u8; 5]), Err(Error::Limit));
        assert_eq!(s.counter(), 3);
        s.generate(&mut [0u8; 4]).unwrap();
    }

    #[test]
    fn odd_bit_sizes_mask_the_top_byte() {
        let mut a = [0u8; 3];
        let mut b = [0u8; 3];
        kdfa(HashAlg::Sha1, b"k", b"L", b"", b"", 20, &mut a);
        let mut s = KdfaStream::new(HashAlg::Sha1, b"k", b"L", b"", b"", 20);
        s.fill(&mut b);
        assert_eq!(a[0], b[0] & 0x0f);
        assert_eq!(a[1..], b[1..]);
    }
}
