//! swtpm's state-file wrapper, its encryption and the migration blob format
//! (swtpm-interface §7.3-7.5; swtpm `src/swtpm/swtpm_nvstore.c`, `swtpm_aes.c`, `tlv.c`).
//!
//! ```text
//! header (10 bytes, big-endian): version u8 | min_version u8 | hdrsize u16 = 10 | flags u16 | totlen u32
//! body (version 2): TLVs, each tag u16 | length u32 | value
//!   plain:     TLV(1, image)
//!   encrypted: TLV(2, AES-CBC(image ‖ pad)) TLV(3, HMAC-SHA256(key, ct ‖ iv)) TLV(6, iv)
//! body (version 1, read only): the image, or AES-CBC(zero IV, SHA-256(image) ‖ image ‖ pad)
//! ```
//!
//! Padding is to a multiple of the KEY length (16 or 32), `p` bytes of value `p`, `1 <= p <=
//! keylen`; the IV TLV is key-length long and its first 16 bytes are the CBC IV; the HMAC is
//! keyed with the AES key itself. Decryption happens only after the HMAC verified in constant
//! time, so a wrong key or a modified byte is one error, [`Error::Integrity`].
//!
//! Every length comes from the input and is checked against it before use: a blob shorter than
//! the header (CVE-2026-75900), a header size or total length beyond the blob (CVE-2022-23645),
//! TLV lengths beyond the body.

use aes::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use aes::{Aes128, Aes256};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use crate::key::StateKey;
use crate::{Error, Result};

/// Size of the blob header.
pub const HEADER_LEN: usize = 10;
/// The header version written (and the highest `min_version` read).
pub const HEADER_VERSION: u8 = 2;
/// AES block size and CBC IV length.
pub const AES_BLOCK: usize = 16;
/// HMAC-SHA256 length.
pub const HMAC_LEN: usize = 32;
/// TLV header size: tag u16, length u32.
pub const TLV_HEADER_LEN: usize = 6;

/// Header flags (swtpm `BLOB_FLAG_*`).
pub mod flags {
    /// Data encrypted with the state key.
    pub const ENCRYPTED: u16 = 0x01;
    /// Migration blob encrypted with the migration key.
    pub const MIGRATION_ENCRYPTED: u16 = 0x02;
    /// This is a migration blob (CMD_GET_STATEBLOB output).
    pub const MIGRATION_DATA: u16 = 0x04;
    /// The state key is AES-256.
    pub const ENCRYPTED_256BIT_KEY: u16 = 0x08;
    /// The migration key is AES-256.
    pub const MIGRATION_256BIT_KEY: u16 = 0x10;
}

/// TLV tags (swtpm `TAG_*`).
pub mod tag {
    /// Plain image.
    pub const DATA: u16 = 1;
    /// Image encrypted with the state key.
    pub const ENCRYPTED_DATA: u16 = 2;
    /// HMAC-SHA256 over ciphertext ‖ IV.
    pub const HMAC: u16 = 3;
    /// Migration payload (an inner TLV stream), not encrypted with the migration key.
    pub const MIGRATION_DATA: u16 = 4;
    /// Migration payload encrypted with the migration key.
    pub const ENCRYPTED_MIGRATION_DATA: u16 = 5;
    /// IV of [`ENCRYPTED_DATA`].
    pub const IVEC_ENCRYPTED_DATA: u16 = 6;
    /// IV of [`ENCRYPTED_MIGRATION_DATA`].
    pub const IVEC_ENCRYPTED_MIGRATION_DATA: u16 = 7;
}

/// The parsed 10-byte header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Layout version: 1 (legacy, no TLVs) or 2.
    pub version: u8,
    /// Minimum reader version.
    pub min_version: u8,
    /// [`flags`].
    pub flags: u16,
}

/// Check the header against the blob and return it with the body.
///
/// # Errors
/// [`Error::ShortBlob`], [`Error::TotalLength`], [`Error::Version`], [`Error::HeaderSize`].
pub fn parse_header(blob: &[u8]) -> Result<(Header, &[u8])> {
    let Some((hdr, body)) = blob.split_first_chunk::<HEADER_LEN>() else {
        return Err(Error::ShortBlob(blob.len()));
    };
    let [version, min_version, s0, s1, f0, f1, t0, t1, t2, t3] = *hdr;
    let totlen = u32::from_be_bytes([t0, t1, t2, t3]);
    if usize::try_from(totlen).ok() != Some(blob.len()) {
        return Err(Error::TotalLength {
            header: totlen,
            actual: blob.len(),
        });
    }
    if min_version > HEADER_VERSION {
        return Err(Error::Version {
            version,
            min_version,
        });
    }
    let hdrsize = u16::from_be_bytes([s0, s1]);
    if usize::from(hdrsize) != HEADER_LEN {
        return Err(Error::HeaderSize(hdrsize));
    }
    // The header is not covered by the HMAC: refuse flag bits no swtpm version writes, so a
    // flipped header bit is noticed instead of ignored (swtpm ignores them; files swtpm
    // writes never set them).
    let flags = u16::from_be_bytes([f0, f1]);
    if flags & !0x001F != 0 {
        return Err(Error::Flags(flags));
    }
    // swtpm reads layouts 1 and 2 only (`SWTPM_NVRAM_GetPlainData` / `DecryptData`).
    if version != 1 && version != 2 {
        return Err(Error::Version {
            version,
            min_version,
        });
    }
    Ok((
        Header {
            version,
            min_version,
            flags,
        },
        body,
    ))
}

fn header_then(flags: u16, body: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let total = body
        .len()
        .checked_add(HEADER_LEN)
        .ok_or(Error::TooLarge(body.len()))?;
    let totlen = u32::try_from(total).map_err(|_| Error::TooLarge(total))?;
    let mut out = Zeroizing::new(Vec::with_capacity(total));
    out.extend_from_slice(&[HEADER_VERSION, 1]);
    out.extend_from_slice(&10u16.to_be_bytes());
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&totlen.to_be_bytes());
    out.extend_from_slice(body);
    Ok(out)
}

/// A validated TLV stream: every TLV lies inside the body, nothing trails.
#[derive(Debug)]
pub struct Tlvs<'a> {
    items: Vec<(u16, &'a [u8])>,
}

impl<'a> Tlvs<'a> {
    /// Split a body into TLVs.
    ///
    /// Stricter than swtpm's `tlv_data_find_tag` (which stops quietly at a broken TLV): a TLV
    /// running past the end, or trailing bytes shorter than a TLV header, are an error.
    ///
    /// # Errors
    /// [`Error::MalformedTlv`] with the offset of the broken TLV.
    pub fn parse(body: &'a [u8]) -> Result<Tlvs<'a>> {
        let mut items = Vec::new();
        let mut rest = body;
        while !rest.is_empty() {
            let offset = body.len() - rest.len();
            let Some((hdr, after)) = rest.split_first_chunk::<TLV_HEADER_LEN>() else {
                return Err(Error::MalformedTlv(offset));
            };
            let [a, b, l0, l1, l2, l3] = *hdr;
            let len = usize::try_from(u32::from_be_bytes([l0, l1, l2, l3]))
                .map_err(|_| Error::MalformedTlv(offset))?;
            let (value, tail) = after
                .split_at_checked(len)
                .ok_or(Error::MalformedTlv(offset))?;
            items.push((u16::from_be_bytes([a, b]), value));
            rest = tail;
        }
        Ok(Tlvs { items })
    }

    /// The value of `tag`; unknown tags are skipped by callers (forward compatibility).
    ///
    /// # Errors
    /// [`Error::DuplicateTlv`] if the tag appears twice (swtpm never writes that).
    pub fn get(&self, tag: u16) -> Result<Option<&'a [u8]>> {
        let mut found = self
            .items
            .iter()
            .filter(|(t, _)| *t == tag)
            .map(|(_, v)| *v);
        let first = found.next();
        if found.next().is_some() {
            return Err(Error::DuplicateTlv(tag));
        }
        Ok(first)
    }

    /// Like [`Tlvs::get`], but the tag must be present.
    ///
    /// # Errors
    /// [`Error::MissingTlv`], [`Error::DuplicateTlv`].
    pub fn require(&self, tag: u16) -> Result<&'a [u8]> {
        self.get(tag)?.ok_or(Error::MissingTlv(tag))
    }

    /// All (tag, value) pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (u16, &'a [u8])> + '_ {
        self.items.iter().copied()
    }
}

/// Append one TLV.
///
/// # Errors
/// [`Error::TooLarge`] if the value does not fit a u32 length.
pub fn put_tlv(out: &mut Vec<u8>, tag: u16, value: &[u8]) -> Result<()> {
    let len = u32::try_from(value.len()).map_err(|_| Error::TooLarge(value.len()))?;
    out.extend_from_slice(&tag.to_be_bytes());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(value);
    Ok(())
}

// Short-lived on the stack, one per call: boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
enum Cipher {
    A128(Aes128),
    A256(Aes256),
}

impl Cipher {
    fn new(key: &StateKey) -> Result<Cipher> {
        let bad = |_| Error::KeyMaterial("bad AES key length".into());
        Ok(match key {
            StateKey::Aes128(k) => Cipher::A128(Aes128::new_from_slice(k).map_err(bad)?),
            StateKey::Aes256(k) => Cipher::A256(Aes256::new_from_slice(k).map_err(bad)?),
        })
    }

    fn encrypt(&self, block: &mut aes::Block) {
        match self {
            Cipher::A128(c) => c.encrypt_block(block),
            Cipher::A256(c) => c.encrypt_block(block),
        }
    }

    fn decrypt(&self, block: &mut aes::Block) {
        match self {
            Cipher::A128(c) => c.decrypt_block(block),
            Cipher::A256(c) => c.decrypt_block(block),
        }
    }
}

/// AES-CBC of `plain` padded to a multiple of the key length (swtpm
/// `SWTPM_SymmetricKeyData_Encrypt`, OpenSSL padding off).
fn cbc_encrypt(key: &StateKey, iv: &[u8; AES_BLOCK], plain: &[u8]) -> Result<Vec<u8>> {
    let unit = key.len();
    let pad = unit - plain.len() % unit;
    let total = plain
        .len()
        .checked_add(pad)
        .ok_or(Error::TooLarge(plain.len()))?;
    let mut buf = Zeroizing::new(Vec::with_capacity(total));
    buf.extend_from_slice(plain);
    // pad <= 32, so the cast cannot truncate.
    buf.resize(total, pad as u8);
    let cipher = Cipher::new(key)?;
    let mut chain = aes::Block::from(*iv);
    let mut out = Vec::with_capacity(total);
    for chunk in buf.chunks_exact(AES_BLOCK) {
        let mut block = aes::Block::default();
        for ((b, p), c) in block.iter_mut().zip(chunk).zip(chain.iter()) {
            *b = p ^ c;
        }
        cipher.encrypt(&mut block);
        out.extend_from_slice(&block);
        chain = block;
    }
    Ok(out)
}

/// AES-CBC decryption and removal of key-length padding (swtpm
/// `SWTPM_SymmetricKeyData_Decrypt`: ciphertext at least one key length, pad byte 1..=keylen,
/// every pad byte equal).
fn cbc_decrypt(key: &StateKey, iv: &[u8; AES_BLOCK], ct: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let unit = key.len();
    if ct.len() < unit || ct.len() % AES_BLOCK != 0 {
        return Err(Error::CiphertextLength(ct.len()));
    }
    let cipher = Cipher::new(key)?;
    let mut chain = aes::Block::from(*iv);
    let mut out = Zeroizing::new(Vec::with_capacity(ct.len()));
    for chunk in ct.chunks_exact(AES_BLOCK) {
        let mut block = aes::Block::default();
        block.copy_from_slice(chunk);
        let saved = block;
        cipher.decrypt(&mut block);
        for (b, c) in block.iter_mut().zip(chain.iter()) {
            *b ^= c;
        }
        out.extend_from_slice(&block);
        block.zeroize();
        chain = saved;
    }
    let pad = usize::from(*out.last().ok_or(Error::Padding)?);
    if pad == 0 || pad > unit {
        return Err(Error::Padding);
    }
    let keep = out.len() - pad;
    if out
        .get(keep..)
        .is_none_or(|p| p.iter().any(|b| usize::from(*b) != pad))
    {
        return Err(Error::Padding);
    }
    out.truncate(keep);
    Ok(out)
}

fn hmac_sha256(key: &StateKey, ct: &[u8], iv: Option<&[u8]>) -> Result<[u8; HMAC_LEN]> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.expose_bytes())
        .map_err(|_| Error::KeyMaterial("bad HMAC key".into()))?;
    mac.update(ct);
    if let Some(iv) = iv {
        mac.update(iv);
    }
    Ok(mac.finalize().into_bytes().into())
}

/// Encrypt `plain` as swtpm's `SWTPM_NVRAM_EncryptData`: TLV(tag_data, ct), TLV(3, HMAC),
/// TLV(tag_iv, iv), `iv` being key-length bytes.
fn seal(key: &StateKey, plain: &[u8], iv: &[u8], tag_data: u16, tag_iv: u16) -> Result<Vec<u8>> {
    let cbc_iv: &[u8; AES_BLOCK] = iv.first_chunk().ok_or(Error::BadIv(iv.len()))?;
    let ct = cbc_encrypt(key, cbc_iv, plain)?;
    let mac = hmac_sha256(key, &ct, Some(iv))?;
    let mut out = Vec::with_capacity(ct.len() + iv.len() + HMAC_LEN + 3 * TLV_HEADER_LEN);
    put_tlv(&mut out, tag_data, &ct)?;
    put_tlv(&mut out, tag::HMAC, &mac)?;
    put_tlv(&mut out, tag_iv, iv)?;
    Ok(out)
}

/// Decrypt a body as swtpm's `SWTPM_NVRAM_DecryptData`: layout 1 is the legacy
/// zero-IV + SHA-256 form; layout 2 checks the key size against `flag_256`, finds the
/// ciphertext and HMAC (required) and the IV (optional: absent means a zero IV and an HMAC over
/// the ciphertext alone), verifies the HMAC in constant time, then decrypts.
fn open(
    key: &StateKey,
    hdr: Header,
    body: &[u8],
    flag_256: u16,
    tag_data: u16,
    tag_iv: u16,
) -> Result<Zeroizing<Vec<u8>>> {
    if hdr.version == 1 {
        let plain = cbc_decrypt(key, &[0; AES_BLOCK], body)?;
        let (digest, image) = plain.split_first_chunk::<32>().ok_or(Error::Integrity)?;
        let actual: [u8; 32] = Sha256::digest(image).into();
        if !bool::from(actual.ct_eq(digest)) {
            return Err(Error::Integrity);
        }
        return Ok(Zeroizing::new(image.to_vec()));
    }
    let blob_bits = if hdr.flags & flag_256 != 0 { 256 } else { 128 };
    if blob_bits != key.bits() {
        return Err(Error::KeySize {
            blob_bits,
            key_bits: key.bits(),
        });
    }
    let tlvs = Tlvs::parse(body)?;
    let mac = tlvs.require(tag::HMAC)?;
    let ct = tlvs.require(tag_data)?;
    let iv = tlvs.get(tag_iv)?;
    let expected = hmac_sha256(key, ct, iv)?;
    // swtpm writes exactly 32 bytes; anything else cannot match.
    if mac.len() != HMAC_LEN || !bool::from(expected.as_slice().ct_eq(mac)) {
        return Err(Error::Integrity);
    }
    let cbc_iv: [u8; AES_BLOCK] = match iv {
        None => [0; AES_BLOCK],
        Some(iv) => *iv.first_chunk().ok_or(Error::BadIv(iv.len()))?,
    };
    cbc_decrypt(key, &cbc_iv, ct)
}

/// The plain payload of a body (swtpm `SWTPM_NVRAM_GetPlainData`): layout 1 is the body,
/// layout 2 the value of `tag_data`.
fn plain(hdr: Header, body: &[u8], tag_data: u16) -> Result<Zeroizing<Vec<u8>>> {
    if hdr.version == 1 {
        return Ok(Zeroizing::new(body.to_vec()));
    }
    Ok(Zeroizing::new(
        Tlvs::parse(body)?.require(tag_data)?.to_vec(),
    ))
}

fn random_iv(len: usize) -> Result<Zeroizing<Vec<u8>>> {
    let mut iv = Zeroizing::new(vec![0u8; len]);
    getrandom::fill(&mut iv).map_err(|e| Error::Random(e.to_string()))?;
    Ok(iv)
}

/// Wrap a state image for storage as swtpm does (`SWTPM_NVRAM_StoreData`): header v2 and
/// TLV(1) without a key; with a key, flags 0x01 (|0x08 for AES-256) and TLV(2) TLV(3) TLV(6)
/// with a fresh random IV.
///
/// # Errors
/// [`Error::TooLarge`], [`Error::Random`].
pub fn wrap_state(image: &[u8], key: Option<&StateKey>) -> Result<Zeroizing<Vec<u8>>> {
    match key {
        None => wrap_state_with_iv(image, None),
        Some(k) => {
            let iv = random_iv(k.len())?;
            wrap_state_with_iv(image, Some((k, &iv)))
        }
    }
}

/// [`wrap_state`] with a caller-chosen IV (tests, fixed vectors). The IV must be at least 16
/// bytes; swtpm writes key-length IVs.
///
/// # Errors
/// As [`wrap_state`], and [`Error::BadIv`].
pub fn wrap_state_with_iv(
    image: &[u8],
    key: Option<(&StateKey, &[u8])>,
) -> Result<Zeroizing<Vec<u8>>> {
    match key {
        None => {
            let mut body = Zeroizing::new(Vec::with_capacity(image.len() + TLV_HEADER_LEN));
            put_tlv(&mut body, tag::DATA, image)?;
            header_then(0, &body)
        }
        Some((k, iv)) => {
            let body = seal(k, image, iv, tag::ENCRYPTED_DATA, tag::IVEC_ENCRYPTED_DATA)?;
            let mut f = flags::ENCRYPTED;
            if k.is_256() {
                f |= flags::ENCRYPTED_256BIT_KEY;
            }
            header_then(f, &body)
        }
    }
}

/// Unwrap a stored state file (swtpm `SWTPM_NVRAM_LoadData`). With a key every file must be
/// encrypted; without one, it must be plain. The result is the image, authenticated first.
///
/// # Errors
/// Header errors; [`Error::NotEncrypted`] (key given, plain file); [`Error::KeyRequired`]
/// (no key, encrypted file); [`Error::KeySize`]; [`Error::Integrity`] (wrong key or modified
/// data); TLV errors.
pub fn unwrap_state(file: &[u8], key: Option<&StateKey>) -> Result<Zeroizing<Vec<u8>>> {
    let (hdr, body) = parse_header(file)?;
    // A state file is never a migration blob.
    let migration =
        flags::MIGRATION_ENCRYPTED | flags::MIGRATION_DATA | flags::MIGRATION_256BIT_KEY;
    if hdr.flags & migration != 0 {
        return Err(Error::Flags(hdr.flags));
    }

    match key {
        Some(k) => {
            if hdr.version == 2 {
                let tlvs = Tlvs::parse(body)?;
                if tlvs.get(tag::ENCRYPTED_DATA)?.is_none() && tlvs.get(tag::DATA)?.is_some() {
                    return Err(Error::NotEncrypted);
                }
                // swtpm writes the encrypted flag exactly when the data is encrypted.
                if hdr.flags & flags::ENCRYPTED == 0 {
                    return Err(Error::Flags(hdr.flags));
                }
            }
            open(
                k,
                hdr,
                body,
                flags::ENCRYPTED_256BIT_KEY,
                tag::ENCRYPTED_DATA,
                tag::IVEC_ENCRYPTED_DATA,
            )
        }
        None => {
            // swtpm does not look at the flag here; we do, so that ciphertext is never handed
            // to the engine as a state image.
            if hdr.flags & flags::ENCRYPTED != 0 {
                return Err(Error::KeyRequired);
            }
            if hdr.version == 2 {
                let tlvs = Tlvs::parse(body)?;
                if tlvs.get(tag::DATA)?.is_none() && tlvs.get(tag::ENCRYPTED_DATA)?.is_some() {
                    return Err(Error::KeyRequired);
                }
            }
            plain(hdr, body, tag::DATA)
        }
    }
}

/// A migration blob and whether its inner data is still state-key encrypted (the
/// `state_flags` ENCRYPTED bit of the CMD_GET_STATEBLOB response).
#[derive(Debug)]
pub struct MigrationBlob {
    /// The blob, header included.
    pub blob: Zeroizing<Vec<u8>>,
    /// True if the inner data is encrypted with the state key.
    pub is_encrypted: bool,
}

/// Build a CMD_GET_STATEBLOB blob from a plain image (swtpm `SWTPM_NVRAM_GetStateBlob`,
/// §7.5): the inner stream is state-key encrypted unless `decrypt` is requested or there is no
/// state key; the outer is migration-key encrypted if there is a migration key.
///
/// # Errors
/// [`Error::TooLarge`], [`Error::Random`].
pub fn wrap_migration(
    image: &[u8],
    state_key: Option<&StateKey>,
    decrypt: bool,
    migration_key: Option<&StateKey>,
) -> Result<MigrationBlob> {
    let iv1 = match state_key {
        Some(k) if !decrypt => Some(random_iv(k.len())?),
        _ => None,
    };
    let iv2 = migration_key.map(|k| random_iv(k.len())).transpose()?;
    wrap_migration_with_iv(
        image,
        state_key.zip(iv1.as_deref().map(Vec::as_slice)),
        migration_key.zip(iv2.as_deref().map(Vec::as_slice)),
    )
}

/// [`wrap_migration`] with caller-chosen IVs: `state` is `Some` when the inner data is to be
/// state-key encrypted (i.e. `!decrypt` and a state key exists).
///
/// # Errors
/// As [`wrap_migration`], and [`Error::BadIv`].
pub fn wrap_migration_with_iv(
    image: &[u8],
    state: Option<(&StateKey, &[u8])>,
    migration: Option<(&StateKey, &[u8])>,
) -> Result<MigrationBlob> {
    let mut f = flags::MIGRATION_DATA;
    let inner = Zeroizing::new(match state {
        Some((k, iv)) => {
            f |= flags::ENCRYPTED;
            if k.is_256() {
                f |= flags::ENCRYPTED_256BIT_KEY;
            }
            seal(k, image, iv, tag::ENCRYPTED_DATA, tag::IVEC_ENCRYPTED_DATA)?
        }
        None => {
            let mut v = Vec::with_capacity(image.len() + TLV_HEADER_LEN);
            put_tlv(&mut v, tag::DATA, image)?;
            v
        }
    });
    let outer = Zeroizing::new(match migration {
        Some((k, iv)) => {
            f |= flags::MIGRATION_ENCRYPTED;
            if k.is_256() {
                f |= flags::MIGRATION_256BIT_KEY;
            }
            seal(
                k,
                &inner,
                iv,
                tag::ENCRYPTED_MIGRATION_DATA,
                tag::IVEC_ENCRYPTED_MIGRATION_DATA,
            )?
        }
        None => {
            let mut v = Vec::with_capacity(inner.len() + TLV_HEADER_LEN);
            put_tlv(&mut v, tag::MIGRATION_DATA, &inner)?;
            v
        }
    });
    Ok(MigrationBlob {
        blob: header_then(f, &outer)?,
        is_encrypted: state.is_some(),
    })
}

/// Take a CMD_SET_STATEBLOB blob apart (swtpm `SWTPM_NVRAM_SetStateBlob`): flag 0x02 needs the
/// migration key; `is_encrypted` (the request's ENCRYPTED flag) or header flag 0x01 needs the
/// state key; a plain blob is accepted even when keys are configured. An empty blob, or a bare
/// header, yields an empty image ("no state of this type").
///
/// # Errors
/// Header and TLV errors; [`Error::KeyRequired`]; [`Error::KeySize`]; [`Error::Integrity`].
pub fn unwrap_migration(
    blob: &[u8],
    is_encrypted: bool,
    state_key: Option<&StateKey>,
    migration_key: Option<&StateKey>,
) -> Result<Zeroizing<Vec<u8>>> {
    if blob.is_empty() {
        return Ok(Zeroizing::new(Vec::new()));
    }
    let (hdr, body) = parse_header(blob)?;
    if body.is_empty() {
        return Ok(Zeroizing::new(Vec::new()));
    }
    let inner = if hdr.flags & flags::MIGRATION_ENCRYPTED != 0 {
        let k = migration_key.ok_or(Error::KeyRequired)?;
        open(
            k,
            hdr,
            body,
            flags::MIGRATION_256BIT_KEY,
            tag::ENCRYPTED_MIGRATION_DATA,
            tag::IVEC_ENCRYPTED_MIGRATION_DATA,
        )?
    } else {
        plain(hdr, body, tag::MIGRATION_DATA)?
    };
    if is_encrypted || hdr.flags & flags::ENCRYPTED != 0 {
        let k = state_key.ok_or(Error::KeyRequired)?;
        open(
            k,
            hdr,
            &inner,
            flags::ENCRYPTED_256BIT_KEY,
            tag::ENCRYPTED_DATA,
            tag::IVEC_ENCRYPTED_DATA,
        )
    } else {
        plain(hdr, &inner, tag::DATA)
    }
}

#[cfg(test)]
mod tests;
