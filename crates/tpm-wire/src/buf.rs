//! Bounded containers: TPM2B byte buffers and TPML lists.

use core::fmt;
use core::ops::Deref;

use crate::{Marshal, Profile, Reader, Unmarshal, WireError, Writer};

/// A TPM2B byte buffer of at most `N` bytes, stored inline (no allocation).
///
/// Wire form: a big-endian `u16` size, then that many bytes (TPM 2.0 Part 2 §10.4). A size
/// above `N` is [`WireError::Size`]; fewer bytes than the size is [`WireError::Insufficient`]
/// (libtpms `TPM2B_Unmarshal`). Holds no secrets: secret buffers wrap it and erase it on drop.
#[derive(Clone)]
pub struct SizedBuf<const N: usize> {
    len: u16,
    bytes: [u8; N],
}

impl<const N: usize> SizedBuf<N> {
    /// The most bytes this buffer holds.
    pub const MAX: usize = N;

    /// An empty buffer.
    pub const fn empty() -> Self {
        SizedBuf {
            len: 0,
            bytes: [0; N],
        }
    }

    /// A buffer holding a copy of `data`.
    ///
    /// # Errors
    /// [`WireError::Size`] when `data` is longer than `N` (or than 65535).
    pub fn new(data: &[u8]) -> Result<Self, WireError> {
        let mut b = Self::empty();
        b.set(data)?;
        Ok(b)
    }

    /// Replace the contents with a copy of `data`.
    ///
    /// # Errors
    /// [`WireError::Size`] when `data` is too long; the buffer is unchanged then.
    pub fn set(&mut self, data: &[u8]) -> Result<(), WireError> {
        let len = u16::try_from(data.len()).map_err(|_| WireError::Size)?;
        let dst = self.bytes.get_mut(..data.len()).ok_or(WireError::Size)?;
        dst.copy_from_slice(data);
        // Erase what a longer previous value left behind.
        if let Some(tail) = self.bytes.get_mut(data.len()..) {
            tail.fill(0);
        }
        self.len = len;
        Ok(())
    }

    /// The contents.
    pub fn as_slice(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// The whole backing store, for callers that fill it in place and then call
    /// [`SizedBuf::set_len`].
    pub fn backing_mut(&mut self) -> &mut [u8; N] {
        &mut self.bytes
    }

    /// Set the length after filling [`SizedBuf::backing_mut`].
    ///
    /// # Errors
    /// [`WireError::Size`] when `len` exceeds `N`.
    pub fn set_len(&mut self, len: usize) -> Result<(), WireError> {
        if len > N {
            return Err(WireError::Size);
        }
        self.len = u16::try_from(len).map_err(|_| WireError::Size)?;
        Ok(())
    }

    /// Erase the contents and the backing store.
    pub fn clear(&mut self) {
        self.bytes.fill(0);
        self.len = 0;
    }
}

impl<const N: usize> Default for SizedBuf<N> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<const N: usize> Deref for SizedBuf<N> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl<const N: usize> AsRef<[u8]> for SizedBuf<N> {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl<const N: usize> PartialEq for SizedBuf<N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<const N: usize> Eq for SizedBuf<N> {}

impl<const N: usize> core::hash::Hash for SizedBuf<N> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl<const N: usize> fmt::Debug for SizedBuf<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("0x")?;
        for b in self.as_slice() {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl<const N: usize> Marshal for SizedBuf<N> {
    fn marshal(&self, w: &mut Writer<'_>) {
        w.u16(self.len);
        w.put(self.as_slice());
    }
}

impl<'a, const N: usize> Unmarshal<'a> for SizedBuf<N> {
    fn unmarshal(r: &mut Reader<'a>, _p: &Profile) -> Result<Self, WireError> {
        let size = usize::from(r.read_u16()?);
        if size > N {
            return Err(WireError::Size);
        }
        Self::new(r.take(size)?)
    }
}

/// A TPML list: a big-endian `u32` count, then that many items (TPM 2.0 Part 2 §10.9).
///
/// A count above `MAX` or below `MIN` is [`WireError::Size`] (libtpms: `TPML_*_Unmarshal`,
/// e.g. TPML_DIGEST needs at least 2 for TPM2_PolicyOR). Memory is reserved only as items
/// actually arrive, so a huge count in a short input cannot allocate much.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct List<T, const MAX: usize, const MIN: usize = 0> {
    items: Vec<T>,
}

impl<T, const MAX: usize, const MIN: usize> List<T, MAX, MIN> {
    /// The most items the list holds.
    pub const MAX: usize = MAX;

    /// An empty list (marshals even when `MIN > 0`; the bound is an input rule).
    pub const fn new() -> Self {
        List { items: Vec::new() }
    }

    /// A list of `items`.
    ///
    /// # Errors
    /// [`WireError::Size`] when there are more than `MAX`.
    pub fn from_vec(items: Vec<T>) -> Result<Self, WireError> {
        if items.len() > MAX {
            return Err(WireError::Size);
        }
        Ok(List { items })
    }

    /// Append an item.
    ///
    /// # Errors
    /// [`WireError::Size`] when the list is full; the item is dropped.
    pub fn push(&mut self, item: T) -> Result<(), WireError> {
        if self.items.len() >= MAX {
            return Err(WireError::Size);
        }
        self.items.push(item);
        Ok(())
    }

    /// The items.
    pub fn as_slice(&self) -> &[T] {
        &self.items
    }

    /// The items, by value.
    pub fn into_vec(self) -> Vec<T> {
        self.items
    }
}

impl<T, const MAX: usize, const MIN: usize> Default for List<T, MAX, MIN> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const MAX: usize, const MIN: usize> Deref for List<T, MAX, MIN> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.items
    }
}

impl<T: fmt::Debug, const MAX: usize, const MIN: usize> fmt::Debug for List<T, MAX, MIN> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.items.iter()).finish()
    }
}

impl<T: Marshal, const MAX: usize, const MIN: usize> Marshal for List<T, MAX, MIN> {
    fn marshal(&self, w: &mut Writer<'_>) {
        // Lists are built through `from_vec`/`push`, which cap the length at MAX (< 2^32).
        w.u32(u32::try_from(self.items.len()).unwrap_or(u32::MAX));
        for item in &self.items {
            item.marshal(w);
        }
    }
}

impl<'a, T: Unmarshal<'a>, const MAX: usize, const MIN: usize> Unmarshal<'a> for List<T, MAX, MIN> {
    fn unmarshal(r: &mut Reader<'a>, p: &Profile) -> Result<Self, WireError> {
        let count = usize::try_from(r.read_u32()?).map_err(|_| WireError::Size)?;
        if count > MAX || count < MIN {
            return Err(WireError::Size);
        }
        // Reserve no more than the input could hold (one byte per item at the least), capped.
        let mut items = Vec::with_capacity(count.min(r.remaining()).min(64));
        for _ in 0..count {
            items.push(T::unmarshal(r, p)?);
        }
        Ok(List { items })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sized_buf_bounds() {
        let p = Profile::ALL;
        assert_eq!(
            Reader::new(&[0, 3, 1, 2, 3])
                .read::<SizedBuf<4>>(&p)
                .unwrap()
                .as_slice(),
            &[1, 2, 3]
        );
        assert_eq!(
            Reader::new(&[0, 5, 1, 2, 3, 4, 5]).read::<SizedBuf<4>>(&p),
            Err(WireError::Size)
        );
        assert_eq!(
            Reader::new(&[0, 3, 1, 2]).read::<SizedBuf<4>>(&p),
            Err(WireError::Insufficient)
        );
        assert_eq!(SizedBuf::<2>::new(&[1, 2, 3]), Err(WireError::Size));
        let mut b = SizedBuf::<4>::new(&[9, 9, 9, 9]).unwrap();
        b.set(&[1]).unwrap();
        assert_eq!(b.backing_mut(), &[1, 0, 0, 0]);
    }

    #[test]
    fn list_bounds() {
        let p = Profile::ALL;
        type L = List<u16, 2, 1>;
        assert_eq!(
            Reader::new(&[0, 0, 0, 2, 0, 1, 0, 2])
                .read::<L>(&p)
                .unwrap()
                .as_slice(),
            &[1, 2]
        );
        assert_eq!(
            Reader::new(&[0, 0, 0, 3]).read::<L>(&p),
            Err(WireError::Size)
        );
        assert_eq!(
            Reader::new(&[0, 0, 0, 0]).read::<L>(&p),
            Err(WireError::Size)
        );
        assert_eq!(
            Reader::new(&[0, 0, 0, 2, 0, 1]).read::<L>(&p),
            Err(WireError::Insufficient)
        );
        // A huge count in a short input fails without a huge allocation.
        type Big = List<u8, { usize::MAX }>;
        assert_eq!(
            Reader::new(&[0xff, 0xff, 0xff, 0xff, 1]).read::<Big>(&p),
            Err(WireError::Insufficient)
        );
    }
}
