//! The output side: a writer into a caller's buffer, a vector, or nowhere (counting).

use crate::{Marshal, WireError};

enum Sink<'a> {
    Slice(&'a mut [u8]),
    Vec(&'a mut Vec<u8>),
    Count,
}

/// Writes big-endian wire bytes.
///
/// Writing never panics: into a fixed slice, bytes past its end are dropped and the writer
/// remembers the overflow, which [`Writer::finish`] reports. The engine writes responses into
/// the caller's buffer this way, without allocating.
pub struct Writer<'a> {
    sink: Sink<'a>,
    /// Offset in a `Vec` sink where this writer began.
    base: usize,
    len: usize,
    overflow: bool,
}

impl<'a> Writer<'a> {
    /// A writer into `buf`, from its start.
    pub fn new(buf: &'a mut [u8]) -> Self {
        Writer {
            sink: Sink::Slice(buf),
            base: 0,
            len: 0,
            overflow: false,
        }
    }

    /// A writer appending to `v`.
    pub fn to_vec(v: &'a mut Vec<u8>) -> Self {
        let base = v.len();
        Writer {
            sink: Sink::Vec(v),
            base,
            len: 0,
            overflow: false,
        }
    }

    /// A writer that only counts the bytes it is given.
    pub fn counter() -> Writer<'static> {
        Writer {
            sink: Sink::Count,
            base: 0,
            len: 0,
            overflow: false,
        }
    }

    /// Bytes written so far (or that would have been, after an overflow).
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True when a write did not fit.
    pub fn overflowed(&self) -> bool {
        self.overflow
    }

    /// Ends writing.
    ///
    /// # Errors
    /// [`WireError::Overflow`] when something did not fit; otherwise the length written.
    pub fn finish(self) -> Result<usize, WireError> {
        if self.overflow {
            Err(WireError::Overflow)
        } else {
            Ok(self.len)
        }
    }

    /// Raw bytes.
    pub fn put(&mut self, bytes: &[u8]) {
        let Some(end) = self.len.checked_add(bytes.len()) else {
            self.overflow = true;
            return;
        };
        match &mut self.sink {
            Sink::Slice(buf) => match buf.get_mut(self.len..end) {
                Some(dst) if !self.overflow => dst.copy_from_slice(bytes),
                _ => self.overflow = true,
            },
            Sink::Vec(v) => v.extend_from_slice(bytes),
            Sink::Count => {}
        }
        self.len = end;
    }

    /// One byte.
    pub fn u8(&mut self, v: u8) {
        self.put(&[v]);
    }

    /// A big-endian `u16`.
    pub fn u16(&mut self, v: u16) {
        self.put(&v.to_be_bytes());
    }

    /// A big-endian `u32`.
    pub fn u32(&mut self, v: u32) {
        self.put(&v.to_be_bytes());
    }

    /// A big-endian `u64`.
    pub fn u64(&mut self, v: u64) {
        self.put(&v.to_be_bytes());
    }

    /// Marshal one value.
    pub fn write<T: Marshal + ?Sized>(&mut self, v: &T) {
        v.marshal(self);
    }

    /// Overwrite bytes already written at offset `at` (a size field filled in afterwards).
    pub fn patch(&mut self, at: usize, bytes: &[u8]) {
        let Some(end) = at.checked_add(bytes.len()) else {
            self.overflow = true;
            return;
        };
        if end > self.len {
            self.overflow = true;
            return;
        }
        let dst = match &mut self.sink {
            Sink::Slice(buf) => buf.get_mut(at..end),
            Sink::Vec(v) => match (self.base.checked_add(at), self.base.checked_add(end)) {
                (Some(s), Some(e)) => v.get_mut(s..e),
                _ => None,
            },
            Sink::Count => return,
        };
        match dst {
            Some(d) => d.copy_from_slice(bytes),
            // Only reachable for a slice that already overflowed.
            None => self.overflow = true,
        }
    }

    /// A value behind a 16-bit size field: reserves the field, writes the value, fills the
    /// field in. A value longer than 65535 bytes marks the writer overflowed.
    pub fn sized_u16(&mut self, f: impl FnOnce(&mut Self)) {
        let at = self.len;
        self.u16(0);
        f(self);
        let size = self.len.saturating_sub(at).saturating_sub(2);
        match u16::try_from(size) {
            Ok(s) => self.patch(at, &s.to_be_bytes()),
            Err(_) => self.overflow = true,
        }
    }
}

/// The bytes of `v` in a new vector.
pub fn to_vec<T: Marshal + ?Sized>(v: &T) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = Writer::to_vec(&mut out);
    v.marshal(&mut w);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_overflow_is_reported() {
        let mut buf = [0u8; 3];
        let mut w = Writer::new(&mut buf);
        w.u16(0x0102);
        w.u16(0x0304);
        assert!(w.overflowed());
        assert_eq!(w.finish(), Err(WireError::Overflow));
        assert_eq!(buf, [1, 2, 0]);
    }

    #[test]
    fn sized_patches_length() {
        let mut v = vec![0xEE];
        let mut w = Writer::to_vec(&mut v);
        w.sized_u16(|w| w.u32(0xAABBCCDD));
        assert_eq!(w.finish(), Ok(6));
        assert_eq!(v, [0xEE, 0, 4, 0xAA, 0xBB, 0xCC, 0xDD]);

        let mut buf = [0u8; 6];
        let mut w = Writer::new(&mut buf);
        w.sized_u16(|w| w.u32(0xAABBCCDD));
        assert_eq!(w.finish(), Ok(6));
        assert_eq!(buf, [0, 4, 0xAA, 0xBB, 0xCC, 0xDD]);

        let mut w = Writer::counter();
        w.sized_u16(|w| w.put(&[0; 70000]));
        assert_eq!(w.finish(), Err(WireError::Overflow));
    }
}
