//! The bounded input cursor.

use crate::{Profile, Unmarshal, WireError};

/// A cursor over input bytes that never reads past its end.
///
/// Every read is checked; running out gives [`WireError::Insufficient`]. Nothing here indexes
/// the input or can panic, whatever the bytes (the shape of rustls' `codec::Reader`).
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `buf`, positioned at its start.
    pub const fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// How many bytes are left.
    pub fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// True when every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// How many bytes have been read.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The next `n` bytes.
    ///
    /// # Errors
    /// [`WireError::Insufficient`] when fewer than `n` remain; nothing is consumed then.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let end = self.pos.checked_add(n).ok_or(WireError::Insufficient)?;
        let out = self.buf.get(self.pos..end).ok_or(WireError::Insufficient)?;
        self.pos = end;
        Ok(out)
    }

    /// The next `N` bytes as an array.
    ///
    /// # Errors
    /// [`WireError::Insufficient`] when fewer than `N` remain.
    pub fn take_array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let s = self.take(N)?;
        <[u8; N]>::try_from(s).map_err(|_| WireError::Insufficient)
    }

    /// The bytes not read yet, consuming them.
    pub fn rest(&mut self) -> &'a [u8] {
        let out = self.buf.get(self.pos..).unwrap_or(&[]);
        self.pos = self.buf.len();
        out
    }

    /// The bytes not read yet, without consuming them.
    pub fn peek_rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or(&[])
    }

    /// A reader over the next `len` bytes, which this reader skips.
    ///
    /// # Errors
    /// [`WireError::Insufficient`] when fewer than `len` remain.
    pub fn sub(&mut self, len: usize) -> Result<Reader<'a>, WireError> {
        Ok(Reader::new(self.take(len)?))
    }

    /// Ends reading: every byte must have been consumed.
    ///
    /// # Errors
    /// [`WireError::Trailing`] when bytes remain.
    pub fn finish(self) -> Result<(), WireError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(WireError::Trailing)
        }
    }

    /// One byte.
    ///
    /// # Errors
    /// [`WireError::Insufficient`] at the end of input.
    pub fn read_u8(&mut self) -> Result<u8, WireError> {
        Ok(u8::from_be_bytes(self.take_array()?))
    }

    /// A big-endian `u16`.
    ///
    /// # Errors
    /// [`WireError::Insufficient`] when fewer than 2 bytes remain.
    pub fn read_u16(&mut self) -> Result<u16, WireError> {
        Ok(u16::from_be_bytes(self.take_array()?))
    }

    /// A big-endian `u32`.
    ///
    /// # Errors
    /// [`WireError::Insufficient`] when fewer than 4 bytes remain.
    pub fn read_u32(&mut self) -> Result<u32, WireError> {
        Ok(u32::from_be_bytes(self.take_array()?))
    }

    /// A big-endian `u64`.
    ///
    /// # Errors
    /// [`WireError::Insufficient`] when fewer than 8 bytes remain.
    pub fn read_u64(&mut self) -> Result<u64, WireError> {
        Ok(u64::from_be_bytes(self.take_array()?))
    }

    /// The next big-endian `u16`, not consumed (union selectors, tags).
    ///
    /// # Errors
    /// [`WireError::Insufficient`] when fewer than 2 bytes remain.
    pub fn peek_u16(&self) -> Result<u16, WireError> {
        self.clone().read_u16()
    }

    /// The next big-endian `u32`, not consumed (command codes, handles).
    ///
    /// # Errors
    /// [`WireError::Insufficient`] when fewer than 4 bytes remain.
    pub fn peek_u32(&self) -> Result<u32, WireError> {
        self.clone().read_u32()
    }

    /// Unmarshal one `T`.
    ///
    /// # Errors
    /// Whatever `T::unmarshal` returns.
    pub fn read<T: Unmarshal<'a>>(&mut self, p: &Profile) -> Result<T, WireError> {
        T::unmarshal(self, p)
    }

    /// A value behind a 16-bit size field (the nested TPM2B structures such as TPM2B_PUBLIC).
    ///
    /// Follows the reference implementation (libtpms `Unmarshal.c`): a zero size is
    /// [`WireError::Size`] unless `allow_empty` (then `Ok(None)`); the value is read from the
    /// input as it stands, so running out is [`WireError::Insufficient`]; a value that does not
    /// consume exactly `size` bytes is [`WireError::Size`].
    ///
    /// # Errors
    /// As above, and whatever `f` returns.
    pub fn sized_u16<T>(
        &mut self,
        allow_empty: bool,
        f: impl FnOnce(&mut Self) -> Result<T, WireError>,
    ) -> Result<Option<T>, WireError> {
        let size = usize::from(self.read_u16()?);
        if size == 0 {
            return if allow_empty {
                Ok(None)
            } else {
                Err(WireError::Size)
            };
        }
        let start = self.pos;
        let value = f(self)?;
        if self.pos.checked_sub(start) != Some(size) {
            return Err(WireError::Size);
        }
        Ok(Some(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_bounds() {
        let mut r = Reader::new(&[1, 2, 3, 4, 5, 6]);
        assert_eq!(r.read_u8(), Ok(1));
        assert_eq!(r.peek_u16(), Ok(0x0203));
        assert_eq!(r.read_u16(), Ok(0x0203));
        assert_eq!(r.read_u32(), Err(WireError::Insufficient));
        // A failed read consumes nothing.
        assert_eq!(r.remaining(), 3);
        assert_eq!(r.take(usize::MAX), Err(WireError::Insufficient));
        let mut s = r.sub(2).unwrap();
        assert_eq!(s.take_array::<2>(), Ok([4, 5]));
        assert_eq!(s.finish(), Ok(()));
        assert_eq!(r.clone().finish(), Err(WireError::Trailing));
        assert_eq!(r.rest(), &[6]);
        assert!(r.is_empty());
        assert_eq!(r.rest(), &[] as &[u8]);
    }

    #[test]
    fn sized_value() {
        // size 2, then a u16 value
        let mut r = Reader::new(&[0, 2, 0xAB, 0xCD]);
        assert_eq!(r.sized_u16(false, |r| r.read_u16()), Ok(Some(0xABCD)));
        // size says 3 but the value is 2 bytes
        let mut r = Reader::new(&[0, 3, 0xAB, 0xCD, 0]);
        assert_eq!(r.sized_u16(false, |r| r.read_u16()), Err(WireError::Size));
        // size 0
        let mut r = Reader::new(&[0, 0]);
        assert_eq!(r.sized_u16(false, |r| r.read_u16()), Err(WireError::Size));
        let mut r = Reader::new(&[0, 0]);
        assert_eq!(r.sized_u16(true, |r| r.read_u16()), Ok(None));
        // value runs out of input
        let mut r = Reader::new(&[0, 4, 0xAB]);
        assert_eq!(
            r.sized_u16(false, |r| r.read_u16()),
            Err(WireError::Insufficient)
        );
    }
}
