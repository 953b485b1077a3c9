//! A bounded big-endian reader over a byte slice: every read checks the remaining length
//! and returns `None` instead of indexing past the end.

/// Big-endian cursor; never panics.
pub(crate) struct Rd<'a> {
    b: &'a [u8],
}

impl<'a> Rd<'a> {
    pub(crate) fn new(b: &'a [u8]) -> Self {
        Rd { b }
    }

    pub(crate) fn u8(&mut self) -> Option<u8> {
        let (h, t) = self.b.split_first()?;
        self.b = t;
        Some(*h)
    }

    pub(crate) fn u16(&mut self) -> Option<u16> {
        let (h, t) = self.b.split_first_chunk::<2>()?;
        self.b = t;
        Some(u16::from_be_bytes(*h))
    }

    pub(crate) fn u32(&mut self) -> Option<u32> {
        let (h, t) = self.b.split_first_chunk::<4>()?;
        self.b = t;
        Some(u32::from_be_bytes(*h))
    }

    pub(crate) fn u64(&mut self) -> Option<u64> {
        let (h, t) = self.b.split_first_chunk::<8>()?;
        self.b = t;
        Some(u64::from_be_bytes(*h))
    }

    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.b.len() {
            return None;
        }
        let (h, t) = self.b.split_at(n);
        self.b = t;
        Some(h)
    }

    pub(crate) fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.b)
    }

    pub(crate) fn remaining(&self) -> usize {
        self.b.len()
    }
}

/// Reads a big-endian u32 at `off` without indexing.
pub(crate) fn be32_at(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off.checked_add(4)?)?;
    let a: [u8; 4] = s.try_into().ok()?;
    Some(u32::from_be_bytes(a))
}
