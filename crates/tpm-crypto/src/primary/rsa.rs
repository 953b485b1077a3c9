//! RSA primary keys: candidate generation, the reference code's prime sieve, Miller-Rabin
//! with bases drawn from the same DRBG, and the p/q selection loop.
//!
//! Each function names the reference function it follows; the module doc of
//! [`super`] lists the whole sequence.

use std::sync::OnceLock;

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, ConcatenatingMul, Odd};
use zeroize::Zeroizing;

use super::SeedCompat;
use super::drbg::PrimaryDrbg;
use super::num::{WORD, add_u32, bit_len, mod_u32, random_bits, sub_u32, to_be_len, to_uint};
use crate::Error;

/// `RSA_DEFAULT_PUBLIC_EXPONENT` (TpmProfile.h); a template exponent of 0 means this.
pub(crate) const DEFAULT_EXPONENT: u32 = 0x0001_0001;

/// `MAX_FIELD_SIZE` (CryptPrimeSieve.c): the sieve field is always 2048 bytes, one bit per
/// odd number.
const FIELD_BYTES: usize = 2048;
const FIELD_BITS: u32 = (FIELD_BYTES * 8) as u32;

/// `s_LastPrimeInTable` (PrimeData.c): the table holds the odd primes 3..=65537.
const LAST_PRIME_IN_TABLE: u32 = 65537;
/// `s_PrimesInTable` (PrimeData.c).
const PRIMES_IN_TABLE: u32 = 6542;
/// `s_PrimeMarkers` (CryptPrimeSieve.c): the (1024·(i+1))-th prime.
const PRIME_MARKERS: [u32; 6] = [8167, 17881, 28183, 38891, 49871, 60961];
/// `sieveMarks` (CryptPrimeSieve.c): (stop prime, primes multiplied per remainder).
pub(crate) const SIEVE_MARKS: [(u32, usize); 5] =
    [(31, 7), (73, 5), (241, 4), (1621, 3), (65535, 2)];

/// The odd primes 3..=65537, i.e. exactly the entries of the reference `s_PrimeTable`
/// (a unit test checks the count against `s_PrimesInTable`).
pub(crate) fn odd_primes() -> &'static [u32] {
    static PRIMES: OnceLock<Vec<u32>> = OnceLock::new();
    PRIMES.get_or_init(|| {
        let n = LAST_PRIME_IN_TABLE as usize + 1;
        let mut composite = vec![false; n];
        let mut out = Vec::with_capacity(PRIMES_IN_TABLE as usize);
        for i in 2..n {
            if composite.get(i).copied().unwrap_or(true) {
                continue;
            }
            if i > 2 {
                out.push(i as u32);
            }
            let mut j = i.saturating_mul(i);
            while j < n {
                if let Some(c) = composite.get_mut(j) {
                    *c = true;
                }
                j += i;
            }
        }
        out
    })
}

/// `IsPrimeInt`, including its bound: trial division by the table primes `2i+1` for
/// `i < Root2(n) / 2`, which misses a factor equal to `ceil(sqrt(n))` (so 257² = 66049 passes
/// as "prime"). Used only to vet the public exponent, where parity matters more than truth.
pub(crate) fn is_prime_int(n: u32) -> Result<bool, Error> {
    if n < 3 || n & 1 == 0 {
        return Ok(n == 2);
    }
    if n <= LAST_PRIME_IN_TABLE {
        return Ok(odd_primes().binary_search(&n).is_ok());
    }
    let stop = root2(n)? >> 1;
    // Test the primes 2i+1 for 1 <= i < stop. Dividing by every odd number in that range
    // gives the same answer: a composite divisor's prime factors are smaller still.
    let mut d: u32 = 3;
    while d < stop.saturating_mul(2) {
        if n % d == 0 {
            return Ok(false);
        }
        d = d.saturating_add(2);
    }
    Ok(true)
}

/// `Root2` (CryptPrime.c): the reference's integer Newton iteration, returning about
/// `ceil(sqrt(n))`; it fails after 10 rounds without converging.
fn root2(n: u32) -> Result<u32, Error> {
    let n64 = i64::from(n);
    let mut last: i64 = n64 >> 2;
    let mut next: i64 = n64 >> 1;
    while next != 0 {
        last >>= 1;
        next >>= 2;
    }
    last += 1;
    let mut stop = 10;
    loop {
        if last <= 0 {
            return Err(Error::Internal);
        }
        next = (last + n64 / last) >> 1;
        let diff = next - last;
        last = next;
        if stop == 0 {
            return Err(Error::Internal);
        }
        stop -= 1;
        if (-1..=1).contains(&diff) {
            break;
        }
    }
    if next <= 0 {
        return Err(Error::Internal);
    }
    if n64 / next > next {
        next += 1;
    }
    u32::try_from(next).map_err(|_| Error::Internal)
}

/// `MillerRabinRounds` (CryptPrime.c, from FIPS 186-3).
fn miller_rabin_rounds(bits: u32) -> u32 {
    if bits < 511 {
        8
    } else if bits < 1536 {
        5
    } else {
        4
    }
}

/// `MillerRabin` (CryptPrime.c), FIPS 186-3 C.3.1 with the bases `b` from
/// `BnGetRandomBits(b, wlen)` on the derivation DRBG, redrawn while `b <= 1 || b >= w - 1`.
/// `w` is odd and big-endian, a multiple of 8 bytes long.
pub(crate) fn miller_rabin(w_be: &[u8], drbg: &mut PrimaryDrbg) -> Result<bool, Error> {
    // Fixed-width Montgomery arithmetic for the prime sizes of RSA-1024 to RSA-4096 (two to
    // three times faster than the heap-sized path, same constant-time exponentiation); the
    // DRBG is consumed identically.
    // The sieve's candidates carry a spare leading word: drop leading zero words (the value,
    // and so every base drawn, is the same).
    let mut w = w_be;
    while w.len() > 8 && w.get(..8).is_some_and(|h| h.iter().all(|b| *b == 0)) {
        w = w.get(8..).ok_or(Error::Internal)?;
    }
    match w.len() {
        64 => return miller_rabin_fixed::<8>(w, drbg),
        128 => return miller_rabin_fixed::<16>(w, drbg),
        192 => return miller_rabin_fixed::<24>(w, drbg),
        256 => return miller_rabin_fixed::<32>(w, drbg),
        _ => {}
    }
    miller_rabin_boxed(w_be, drbg)
}

/// [`miller_rabin`] on `LIMBS` 64-bit words (`w_be` is exactly `LIMBS * 8` bytes).
fn miller_rabin_fixed<const LIMBS: usize>(
    w_be: &[u8],
    drbg: &mut PrimaryDrbg,
) -> Result<bool, Error> {
    use crypto_bigint::Uint;
    use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
    if w_be.len() != LIMBS * 8 {
        return Err(Error::Internal);
    }
    let wlen = bit_len(w_be);
    let w = Uint::<LIMBS>::from_be_slice(w_be);
    let one = Uint::<LIMBS>::ONE;
    let wm1 = w.wrapping_sub(&one);
    let a = wm1.trailing_zeros();
    if a == 0 || a >= wlen {
        return Err(Error::Internal);
    }
    let m = wm1.wrapping_shr_vartime(a);
    let w_odd = Option::from(crypto_bigint::Odd::new(w)).ok_or(Error::Internal)?;
    let params = FixedMontyParams::new(w_odd);
    for _ in 0..miller_rabin_rounds(wlen) {
        let b = loop {
            let bytes = random_bits(drbg, wlen)?;
            let mut padded = Zeroizing::new([0u8; 256]);
            let field = padded.get_mut(..LIMBS * 8).ok_or(Error::Internal)?;
            let pad = field
                .len()
                .checked_sub(bytes.len())
                .ok_or(Error::Internal)?;
            field
                .get_mut(pad..)
                .ok_or(Error::Internal)?
                .copy_from_slice(&bytes);
            let b = Uint::<LIMBS>::from_be_slice(field);
            if b > one && b < wm1 {
                break b;
            }
        };
        let mut z = FixedMontyForm::new(&b, &params).pow(&m);
        let zr = z.retrieve();
        if zr == one || zr == wm1 {
            continue;
        }
        let mut witness = true;
        for _ in 1..a {
            z = z.square();
            let zr = z.retrieve();
            if zr == wm1 {
                witness = false;
                break;
            }
            if zr == one {
                break;
            }
        }
        if witness {
            return Ok(false);
        }
    }
    Ok(true)
}

/// [`miller_rabin`] on heap-sized integers (any other size).
fn miller_rabin_boxed(w_be: &[u8], drbg: &mut PrimaryDrbg) -> Result<bool, Error> {
    let wlen = bit_len(w_be);
    let mut wm1_be = Zeroizing::new(w_be.to_vec());
    sub_u32(&mut wm1_be, 1)?;
    // a = the largest power of 2 dividing w - 1 (w is odd, so a >= 1).
    let wm1 = to_uint(&wm1_be)?;
    let a = wm1.trailing_zeros();
    if a == 0 || a >= wlen {
        return Err(Error::Internal);
    }
    let m = wm1.shr_vartime(a).ok_or(Error::Internal)?;
    let w = to_uint(w_be)?;
    let one = to_uint(&{
        let mut v = vec![0u8; w_be.len()];
        if let Some(last) = v.last_mut() {
            *last = 1;
        }
        v
    })?;
    let w_odd: Odd<BoxedUint> = Option::from(Odd::new(w)).ok_or(Error::Internal)?;
    let params = BoxedMontyParams::new(w_odd);
    for _ in 0..miller_rabin_rounds(wlen) {
        let b = loop {
            let bytes = random_bits(drbg, wlen)?;
            let mut padded = Zeroizing::new(vec![0u8; w_be.len()]);
            let pad = padded
                .len()
                .checked_sub(bytes.len())
                .ok_or(Error::Internal)?;
            padded
                .get_mut(pad..)
                .ok_or(Error::Internal)?
                .copy_from_slice(&bytes);
            let b = to_uint(&padded)?;
            if b > one && b < wm1 {
                break b;
            }
        };
        let mut z = BoxedMontyForm::new(b, &params).pow(&m);
        let zr = z.retrieve();
        if zr == one || zr == wm1 {
            continue;
        }
        let mut witness = true;
        for _ in 1..a {
            z = z.square();
            let zr = z.retrieve();
            if zr == wm1 {
                witness = false;
                break;
            }
            if zr == one {
                break;
            }
        }
        if witness {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `RsaAdjustPrimeLimit` (CryptPrimeSieve.c): returns `primeLimit`, half the largest prime
/// the sieve uses (primes `p` with `p >> 1 <= primeLimit`).
pub(crate) fn prime_limit(requested: u32) -> u32 {
    let requested = if requested == 0 || requested > PRIMES_IN_TABLE {
        PRIMES_IN_TABLE
    } else {
        requested
    };
    let idx = ((requested - 1) / 1024) as usize;
    // libtpms parity: beyond the markers it stops at s_LastPrimeInTable - 2 (its fix that keeps
    // RSA-3072 from reading sieveMarks[5]).
    let limit = PRIME_MARKERS
        .get(idx)
        .copied()
        .unwrap_or(LAST_PRIME_IN_TABLE - 2);
    limit >> 1
}

/// One bit per odd number, bit `j` of the field standing for `base + 2j`, with `base` odd and
/// divisible by 105; the pattern of 3, 5 and 7 is pre-cleared (the reference code copies the
/// same pattern from its 105-byte `seedValues` table).
fn initial_field() -> Vec<u8> {
    let mut field = vec![0u8; FIELD_BYTES];
    for j in 0..FIELD_BITS {
        let v = 105 + 2 * j;
        if v % 3 != 0 && v % 5 != 0 && v % 7 != 0 {
            set_bit(&mut field, j);
        }
    }
    field
}

fn set_bit(field: &mut [u8], j: u32) {
    if let Some(b) = field.get_mut((j >> 3) as usize) {
        *b |= 1 << (j & 7);
    }
}

fn clear_bit(field: &mut [u8], j: u32) {
    if let Some(b) = field.get_mut((j >> 3) as usize) {
        *b &= !(1 << (j & 7));
    }
}

/// `FindNthSetBit`: the index of the `n`-th set bit (1-based `n`), bits counted from bit 0 of
/// byte 0 upwards.
pub(crate) fn nth_set_bit(field: &[u8], n: u32) -> Option<u32> {
    let mut seen: u32 = 0;
    for (i, byte) in field.iter().enumerate() {
        let ones = byte.count_ones();
        if seen + ones >= n {
            let mut b = *byte;
            let mut bit: u32 = 0;
            while b != 0 {
                if b & 1 != 0 {
                    seen += 1;
                    if seen == n {
                        return u32::try_from(i).ok()?.checked_mul(8)?.checked_add(bit);
                    }
                }
                b >>= 1;
                bit += 1;
            }
            return None;
        }
        seen += ones;
    }
    None
}

/// `PrimeSieve` (CryptPrimeSieve.c): moves `cand` down to the field base and sieves the
/// field with every table prime from 11 up to the limit. Returns the number of candidates
/// left.
///
/// The primes go in groups whose product fits a u32 (7 at a time up to 31, then 5, 4, 3, 2 —
/// `sieveMarks`); one big remainder by the product then gives each small remainder. The
/// grouping is reproduced, wrapping product included, even though the products never wrap
/// for the table (a unit test checks that).
fn prime_sieve(cand: &mut [u8], half_limit: u32, field: &mut [u8]) -> Result<u32, Error> {
    let mut adjust = mod_u32(cand, 105);
    if adjust & 1 != 0 {
        adjust += 105;
    }
    sub_u32(cand, adjust)?;
    let primes: Vec<u32> = odd_primes()
        .iter()
        .copied()
        .filter(|p| *p > 7 && (*p >> 1) <= half_limit)
        .collect();
    let mut mark = 0usize;
    let (mut stop, mut count) = SIEVE_MARKS[0];
    let mut rest: &[u32] = &primes;
    while !rest.is_empty() {
        let take = count.min(rest.len());
        let (group, tail) = rest.split_at(take);
        rest = tail;
        let composite = group.iter().fold(1u32, |acc, p| acc.wrapping_mul(*p));
        let rem = mod_u32(cand, composite);
        for p in group {
            let r = rem % *p;
            let mut j = if r & 1 != 0 {
                (*p - r) / 2
            } else if r == 0 {
                0
            } else {
                *p - r / 2
            };
            while j < FIELD_BITS {
                clear_bit(field, j);
                j += *p;
            }
        }
        if take < count {
            break;
        }
        let last = group.last().copied().unwrap_or(0);
        if last >= stop {
            mark += 1;
            (stop, count) = *SIEVE_MARKS.get(mark).ok_or(Error::Internal)?;
        }
    }
    Ok(field.iter().map(|b| b.count_ones()).sum())
}

/// `PrimeSelectWithSieve` (CryptPrimeSieve.c). `cand` carries a spare leading word.
/// Returns the prime, or `None` when the field holds none (`TPM_RC_NO_RESULT`, the caller
/// draws a new candidate).
fn prime_select_with_sieve(
    cand: &mut [u8],
    e: u32,
    drbg: &mut PrimaryDrbg,
) -> Result<Option<Zeroizing<Vec<u8>>>, Error> {
    let prime_size = bit_len(cand);
    let half_limit = if prime_size <= 512 {
        prime_limit(1024)
    } else if prime_size <= 1024 {
        prime_limit(4096)
    } else {
        prime_limit(0)
    };
    // `first`: the low 32 bits of the candidate with bit 31 set, taken before the sieve
    // moves the candidate; it picks which surviving bit to test.
    let low = cand
        .last_chunk::<4>()
        .map(|b| u32::from_be_bytes(*b))
        .ok_or(Error::Internal)?;
    let first = low | 0x8000_0000;
    let mut field = Zeroizing::new(initial_field());
    let mut ones = prime_sieve(cand, half_limit, &mut field)?;
    if ones == 0 || ones >= FIELD_BITS {
        return Err(Error::Internal);
    }
    while ones > 0 {
        let chosen = nth_set_bit(&field, first % ones + 1).ok_or(Error::Internal)?;
        let mut test = Zeroizing::new(cand.to_vec());
        add_u32(&mut test, chosen.checked_mul(2).ok_or(Error::Internal)?)?;
        // Also excludes e | p - 1 (p mod e == 1), which would leave no private exponent.
        let mod_e = mod_u32(&test, e);
        if mod_e != 0 && mod_e != 1 && miller_rabin(&test, drbg)? {
            return Ok(Some(test));
        }
        clear_bit(&mut field, chosen);
        ones -= 1;
    }
    Ok(None)
}

/// `RsaAdjustPrimeCandidate_PreRev155` on a 64-bit build (SEED_COMPAT_LEVEL 0): the top 16
/// bits become `0xB505 + (top16 * 0x4AFB >> 16)`, the low 16 bits of the top word stay, and
/// — the historical bug this level preserves — bits 16..47 of the top word are cleared
/// (`MASK` is `MAX_CRYPT_UWORD >> 48`). The number is made odd.
pub(crate) fn adjust_pre_rev155(be: &mut [u8]) -> Result<(), Error> {
    let top = be.first_chunk_mut::<WORD>().ok_or(Error::Internal)?;
    let msw = u64::from_be_bytes(*top);
    let high = (msw >> 48) as u32;
    let high = (((high * 0x4AFB) >> 16) as u16).wrapping_add(0xB505);
    let msw = (u64::from(high) << 48).wrapping_add(msw & 0xFFFF);
    *top = msw.to_be_bytes();
    let last = be.last_mut().ok_or(Error::Internal)?;
    *last |= 1;
    Ok(())
}

/// `RsaAdjustPrimeCandidate_New` on a 64-bit build (SEED_COMPAT_LEVEL 1): the top 32 bits
/// `x` of the most significant *non-zero* word become `0xB5050000 + x * 0x4AFB / 2^16`
/// (mapping [0, 2^32) onto [0xB5050000, 2^32), i.e. >= sqrt(2)/2 in fixed point), the low
/// 32 bits stay, and the number is made odd.
pub(crate) fn adjust_new(be: &mut [u8]) -> Result<(), Error> {
    // The reference code works on d[size - 1], and BnFrom2B trims zero top words.
    let mut words = be.chunks_exact_mut(WORD);
    let top = words
        .find(|w| w.iter().any(|b| *b != 0))
        .ok_or(Error::Internal)?;
    let (hi, _) = top.split_at_mut(4);
    let msw = u32::from_be_bytes(hi.try_into().map_err(|_| Error::Internal)?);
    let adjusted = ((msw >> 16).wrapping_mul(0x4AFB))
        .wrapping_add(((msw & 0xFFFF).wrapping_mul(0x4AFB)) >> 16)
        .wrapping_add(0xB505_0000);
    hi.copy_from_slice(&adjusted.to_be_bytes());
    let last = be.last_mut().ok_or(Error::Internal)?;
    *last |= 1;
    Ok(())
}

/// `BnGeneratePrimeForRSA` (CryptPrime.c): draw a candidate, adjust its top bits, sieve and
/// test; repeat until a prime is found. Returns the prime big-endian in `bits / 8` bytes.
fn generate_prime(
    bits: u32,
    e: u32,
    compat: SeedCompat,
    drbg: &mut PrimaryDrbg,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    if bits == 0 || bits % 64 != 0 {
        return Err(Error::Unsupported);
    }
    let nbytes = (bits / 8) as usize;
    loop {
        let mut raw = match compat {
            SeedCompat::Level0 => {
                // libtpms parity: DRBG_Generate straight into the word array; on a
                // little-endian 64-bit host the bytes are the number in little-endian order.
                let mut raw = Zeroizing::new(vec![0u8; nbytes]);
                drbg.generate(&mut raw)?;
                raw.reverse();
                adjust_pre_rev155(&mut raw)?;
                raw
            }
            SeedCompat::Level1 => {
                let mut raw = random_bits(drbg, bits)?;
                adjust_new(&mut raw)?;
                raw
            }
        };
        // One spare leading word, as the reference number may grow by a word.
        let mut cand = Zeroizing::new(vec![0u8; WORD]);
        cand.extend_from_slice(&raw);
        raw.fill(0);
        if let Some(prime) = prime_select_with_sieve(&mut cand, e, drbg)? {
            let (spare, body) = prime.split_at(WORD);
            if spare.iter().any(|b| *b != 0) || body.len() != nbytes {
                // The reference would now fail its MSB check (FATAL_ERROR_INTERNAL).
                return Err(Error::Internal);
            }
            return Ok(Zeroizing::new(body.to_vec()));
        }
    }
}

fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Whether `e` is invertible modulo `x - 1` (`BnModInverse(.., E, x - 1)` succeeds).
fn invertible_mod_pm1(x: &[u8], e: u32) -> bool {
    let r = mod_u32(x, e);
    let xm1 = if r == 0 { e - 1 } else { r - 1 };
    gcd(e, xm1) == 1
}

/// The two primes of an RSA primary, as CryptRsaGenerateKey leaves them.
pub(crate) struct Primes {
    /// The prime the reference code stores in the sensitive area (`bnP`, the later one).
    pub(crate) p: Zeroizing<Vec<u8>>,
    /// The other prime (`bnQ`, the earlier one).
    pub(crate) q: Zeroizing<Vec<u8>>,
    /// The modulus, `key_bits / 8` bytes.
    pub(crate) n: Vec<u8>,
}

/// The exponent check of CryptRsaGenerateKey: 0 means 65537; anything else must be at
/// least 65537 and pass `IsPrimeInt`.
pub(crate) fn check_exponent(exponent: u32) -> Result<u32, Error> {
    let e = if exponent == 0 {
        DEFAULT_EXPONENT
    } else {
        exponent
    };
    if e < DEFAULT_EXPONENT {
        return Err(Error::Value);
    }
    if e != DEFAULT_EXPONENT && !is_prime_int(e)? {
        return Err(Error::Value);
    }
    Ok(e)
}

/// `CryptRsaGenerateKey` (CryptRsa.c) with a DRBG: primes until two of them differ in more
/// than the low 100 bits and admit CRT exponents, at most 99 rounds.
pub(crate) fn generate_key(
    key_bits: u16,
    e: u32,
    compat: SeedCompat,
    drbg: &mut PrimaryDrbg,
) -> Result<Primes, Error> {
    if key_bits == 0 || key_bits % 1024 != 0 || key_bits > 4096 {
        return Err(Error::Unsupported);
    }
    let prime_bits = u32::from(key_bits) / 2;
    let nbytes = (prime_bits / 8) as usize;
    let zero = || Zeroizing::new(vec![0u8; nbytes]);
    let is_zero = |v: &[u8]| v.iter().all(|b| *b == 0);
    let mut p: Zeroizing<Vec<u8>>;
    let mut q = zero();
    // for(i = 1; (retVal != TPM_RC_SUCCESS) && (i != 100); i++)
    for _ in 1..100 {
        p = generate_prime(prime_bits, e, compat, drbg)?;
        if is_zero(&q) {
            q = p.clone();
            continue;
        }
        let pu = to_uint(&p)?;
        let qu = to_uint(&q)?;
        let diff = if pu < qu {
            qu.wrapping_sub(&pu)
        } else {
            pu.wrapping_sub(&qu)
        };
        // BnMsb(d) < 100: the primes must differ above bit 99.
        if diff.bits_vartime() <= 100 {
            continue;
        }
        let n = pu.concatenating_mul(&qu);
        let n_bytes = to_be_len(&n, usize::from(key_bits / 8))?;
        if n_bytes.first().is_none_or(|b| b & 0x80 == 0) || p.first().is_none_or(|b| b & 0x80 == 0)
        {
            return Err(Error::Internal);
        }
        // ComputePrivateExponent (CRT form): dP over the larger prime, dQ over the smaller;
        // a prime without an inverse of e is zeroed, and the loop refills Q from P.
        let p_larger = pu > qu;
        let p_ok = invertible_mod_pm1(&p, e);
        let q_ok = invertible_mod_pm1(&q, e);
        let (larger_ok, smaller_ok) = if p_larger { (p_ok, q_ok) } else { (q_ok, p_ok) };
        if !(larger_ok && smaller_ok) {
            let (zero_p, zero_q) = if p_larger {
                (!larger_ok, !smaller_ok)
            } else {
                (!smaller_ok, !larger_ok)
            };
            if zero_p {
                p = zero();
            }
            if zero_q {
                q = zero();
            }
            if is_zero(&q) {
                q = p.clone();
            }
            continue;
        }
        // qInv = q^-1 mod p exists for distinct primes. The reference's trial
        // encryption for signing keys draws from the DRBG only after the key is fixed.
        return Ok(Primes {
            p,
            q,
            n: n_bytes.to_vec(),
        });
    }
    Err(Error::Limit)
}

#[cfg(test)]
pub(crate) mod test_hooks {
    //! Internals exposed to the unit tests.
    pub(crate) use super::{
        SIEVE_MARKS, adjust_new, adjust_pre_rev155, is_prime_int, miller_rabin, nth_set_bit,
        odd_primes, prime_limit,
    };
}
