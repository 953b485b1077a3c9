//! The container of every state image an engine exports: versioned, self-describing, checked.
//!
//! Layout (big-endian): magic `FERROTPM` (8 bytes), family (u8: 1 = TPM 1.2, 2 = TPM 2.0),
//! kind (u8: 1 permanent, 2 volatile, 3 savestate, as swtpm numbers blobs), format version
//! (u32), body length (u32), the body — a sequence of sections `tag (u16), length (u32),
//! bytes` — and a CRC-32 of everything before it (u32).
//!
//! Rules that make an image safe to read years later:
//! - a version newer than the reader's is refused ([`EngineError::UnsupportedVersion`]), never
//!   guessed at;
//! - a section whose tag has the high bit set (`0x8000`, "critical") must be understood; an
//!   unknown critical section is refused, an unknown ordinary one is skipped, so a newer writer
//!   can add optional data that an older reader ignores;
//! - a duplicate tag, a length past the end, trailing bytes or a wrong checksum is
//!   [`EngineError::BadState`].
//!
//! The CRC catches accidental damage only; authenticity and secrecy are the store's job (it
//! wraps images in authenticated encryption when a key is configured).

use zeroize::Zeroizing;

use tpm_wire::{Reader, Writer};

use crate::{EngineError, StateKind, TpmFamily};

/// The first bytes of every image.
pub const MAGIC: [u8; 8] = *b"FERROTPM";

/// A section tag whose high bit is set must be understood by the reader.
pub const CRITICAL: u16 = 0x8000;

const HEADER_LEN: usize = 8 + 1 + 1 + 4 + 4;

fn family_code(f: TpmFamily) -> u8 {
    match f {
        TpmFamily::Tpm12 => 1,
        TpmFamily::Tpm20 => 2,
    }
}

fn kind_code(k: StateKind) -> u8 {
    match k {
        StateKind::Permanent => 1,
        StateKind::Volatile => 2,
        StateKind::Savestate => 3,
    }
}

/// CRC-32 (IEEE 802.3, reflected, as zlib computes it).
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// Builds an image section by section. Secrets written into it stay in zeroizing buffers.
pub struct ImageWriter {
    buf: Zeroizing<Vec<u8>>,
}

impl ImageWriter {
    /// Start an image of `family` and `kind` in format `version`.
    pub fn new(family: TpmFamily, kind: StateKind, version: u32) -> Self {
        let mut buf = Zeroizing::new(Vec::with_capacity(4096));
        buf.extend_from_slice(&MAGIC);
        buf.push(family_code(family));
        buf.push(kind_code(kind));
        buf.extend_from_slice(&version.to_be_bytes());
        // Body length, filled in by `finish`.
        buf.extend_from_slice(&[0; 4]);
        ImageWriter { buf }
    }

    /// Append a section with `tag`, its bytes written by `f`.
    pub fn section(&mut self, tag: u16, f: impl FnOnce(&mut Writer<'_>)) {
        let mut body = Zeroizing::new(Vec::new());
        f(&mut Writer::to_vec(&mut body));
        self.reserve(6 + body.len());
        self.buf.extend_from_slice(&tag.to_be_bytes());
        // A section longer than 4 GiB cannot occur (engine state is a few hundred KiB); if it
        // ever did, the saturated length makes the reader refuse the image instead of
        // misreading it.
        let len = u32::try_from(body.len()).unwrap_or(u32::MAX);
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.extend_from_slice(&body);
    }

    /// Grow without leaving copies of the contents in freed memory.
    fn reserve(&mut self, extra: usize) {
        let need = self.buf.len().saturating_add(extra);
        if need > self.buf.capacity() {
            let mut bigger = Zeroizing::new(Vec::with_capacity(need.saturating_mul(2)));
            bigger.extend_from_slice(&self.buf);
            self.buf = bigger;
        }
    }

    /// The finished image.
    pub fn finish(mut self) -> Zeroizing<Vec<u8>> {
        let body_len = self.buf.len().saturating_sub(HEADER_LEN);
        let len = u32::try_from(body_len).unwrap_or(u32::MAX).to_be_bytes();
        if let Some(field) = self.buf.get_mut(HEADER_LEN - 4..HEADER_LEN) {
            field.copy_from_slice(&len);
        }
        self.reserve(4);
        let crc = crc32(&self.buf);
        self.buf.extend_from_slice(&crc.to_be_bytes());
        self.buf
    }
}

/// A parsed image: its version and sections, borrowed from the input.
#[derive(Debug)]
pub struct ImageReader<'a> {
    version: u32,
    sections: Vec<(u16, &'a [u8])>,
}

impl<'a> ImageReader<'a> {
    /// Parse `image`, which must be of `family` and `kind` and at most format `max_version`.
    /// `known` lists the tags this reader understands (critical ones that are not listed make
    /// the image unreadable).
    ///
    /// # Errors
    /// [`EngineError::BadState`] for damage, [`EngineError::WrongFamily`] for another family or
    /// kind, [`EngineError::UnsupportedVersion`] for a newer format.
    pub fn parse(
        image: &'a [u8],
        family: TpmFamily,
        kind: StateKind,
        max_version: u32,
        known: &[u16],
    ) -> Result<Self, EngineError> {
        let bad = |why| EngineError::BadState(why);
        let (content, crc) = image
            .len()
            .checked_sub(4)
            .map(|n| image.split_at(n))
            .ok_or(bad("image too short"))?;
        let mut r = Reader::new(content);
        let magic: [u8; 8] = r.take_array().map_err(|_| bad("image too short"))?;
        if magic != MAGIC {
            return Err(bad("not a ferrotpm state image (wrong magic)"));
        }
        let crc_ok = crc32(content).to_be_bytes() == crc;
        let fam = r.read_u8().map_err(|_| bad("image too short"))?;
        let knd = r.read_u8().map_err(|_| bad("image too short"))?;
        let version = r.read_u32().map_err(|_| bad("image too short"))?;
        let body_len = r.read_u32().map_err(|_| bad("image too short"))?;
        if !crc_ok {
            return Err(bad("checksum mismatch (the image is damaged)"));
        }
        if fam != family_code(family) || knd != kind_code(kind) {
            return Err(EngineError::WrongFamily);
        }
        if version > max_version {
            return Err(EngineError::UnsupportedVersion {
                found: version,
                supported: max_version,
            });
        }
        let body_len = usize::try_from(body_len).map_err(|_| bad("body length"))?;
        if body_len != r.remaining() {
            return Err(bad("body length does not match the image"));
        }
        let mut sections: Vec<(u16, &'a [u8])> = Vec::new();
        while !r.is_empty() {
            let tag = r.read_u16().map_err(|_| bad("truncated section header"))?;
            let len = r.read_u32().map_err(|_| bad("truncated section header"))?;
            let len = usize::try_from(len).map_err(|_| bad("section length"))?;
            let data = r.take(len).map_err(|_| bad("section runs past the end"))?;
            if sections.iter().any(|(t, _)| *t == tag) {
                return Err(bad("duplicate section"));
            }
            if !known.contains(&tag) {
                if tag & CRITICAL != 0 {
                    return Err(bad("unknown critical section (written by a newer version)"));
                }
                continue;
            }
            sections.push((tag, data));
        }
        Ok(ImageReader { version, sections })
    }

    /// The format version the image was written in.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// A reader over section `tag`, if present.
    pub fn section(&self, tag: u16) -> Option<Reader<'a>> {
        self.sections
            .iter()
            .find(|(t, _)| *t == tag)
            .map(|(_, d)| Reader::new(d))
    }

    /// A reader over section `tag`, which must be present.
    ///
    /// # Errors
    /// [`EngineError::BadState`] when it is missing.
    pub fn required(&self, tag: u16) -> Result<Reader<'a>, EngineError> {
        self.section(tag)
            .ok_or(EngineError::BadState("a required section is missing"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const A: u16 = 1;
    const B: u16 = CRITICAL | 2;

    fn sample() -> Zeroizing<Vec<u8>> {
        let mut w = ImageWriter::new(TpmFamily::Tpm20, StateKind::Permanent, 3);
        w.section(A, |w| w.u32(0xDEAD_BEEF));
        w.section(B, |w| w.put(&[1, 2, 3]));
        w.finish()
    }

    #[test]
    fn crc_known_answer() {
        // The standard check value of CRC-32/ISO-HDLC.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn round_trip() {
        let img = sample();
        let r =
            ImageReader::parse(&img, TpmFamily::Tpm20, StateKind::Permanent, 3, &[A, B]).unwrap();
        assert_eq!(r.version(), 3);
        assert_eq!(r.required(A).unwrap().read_u32(), Ok(0xDEAD_BEEF));
        assert_eq!(r.required(B).unwrap().rest(), &[1, 2, 3]);
        assert!(r.section(7).is_none());
    }

    #[test]
    fn refusals() {
        let img = sample();
        let parse = |b: &[u8], max, known: &[u16]| {
            ImageReader::parse(b, TpmFamily::Tpm20, StateKind::Permanent, max, known).map(|_| ())
        };
        assert_eq!(
            parse(&img, 2, &[A, B]),
            Err(EngineError::UnsupportedVersion {
                found: 3,
                supported: 2
            })
        );
        // An unknown ordinary section is skipped, an unknown critical one refused.
        assert_eq!(parse(&img, 3, &[B]), Ok(()));
        assert!(matches!(
            parse(&img, 3, &[A]),
            Err(EngineError::BadState(_))
        ));
        assert_eq!(
            ImageReader::parse(&img, TpmFamily::Tpm12, StateKind::Permanent, 3, &[A, B])
                .map(|_| ()),
            Err(EngineError::WrongFamily)
        );
        assert_eq!(
            ImageReader::parse(&img, TpmFamily::Tpm20, StateKind::Volatile, 3, &[A, B]).map(|_| ()),
            Err(EngineError::WrongFamily)
        );
        // Every single-bit flip is detected.
        for i in 0..img.len() * 8 {
            let mut d = img.to_vec();
            d[i / 8] ^= 1 << (i % 8);
            assert!(parse(&d, 3, &[A, B]).is_err(), "bit {i} flipped unnoticed");
        }
        // Every truncation is detected.
        for n in 0..img.len() {
            assert!(parse(&img[..n], 3, &[A, B]).is_err());
        }
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = ImageReader::parse(&bytes, TpmFamily::Tpm20, StateKind::Permanent, 9, &[A, B]);
        }

        #[test]
        fn arbitrary_body_with_valid_frame_never_panics(body in proptest::collection::vec(any::<u8>(), 0..128)) {
            let mut v = MAGIC.to_vec();
            v.extend_from_slice(&[2, 1, 0, 0, 0, 1]);
            v.extend_from_slice(&(body.len() as u32).to_be_bytes());
            v.extend_from_slice(&body);
            let crc = crc32(&v);
            v.extend_from_slice(&crc.to_be_bytes());
            let _ = ImageReader::parse(&v, TpmFamily::Tpm20, StateKind::Permanent, 9, &[A, B]);
        }
    }
}
