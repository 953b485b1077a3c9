//! tpm-wire: the byte-level codec under every TPM structure in ferrotpm.
//!
//! What it is: a bounded [`Reader`] (take, sub, finish rejecting trailing bytes), a [`Writer`]
//! into a caller's buffer or a vector, the [`Marshal`]/[`Unmarshal`] trait pair, the bounded
//! containers [`SizedBuf`] (TPM2B) and [`List`] (TPML), the codec macros for the regular type
//! families, [`WireError`] and the algorithm-enablement [`Profile`]. Big-endian throughout, as
//! TPM 2.0 Part 1 §18 and TPM 1.2 Part 2 specify.
//!
//! The contract: no input byte sequence makes anything here panic, index out of bounds,
//! overflow, or allocate more than the input could describe; every length is checked before
//! use. Property tests and the fuzz targets hold it to that.
//!
//! What it is not: it knows no TPM structure (`tpm2-types`, `tpm12-types` define those) and
//! maps no error to a response code (`impl From<WireError> for TpmRc` lives in `tpm2-types`).
#![forbid(unsafe_code)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

mod buf;
mod error;
mod macros;
mod profile;
mod reader;
mod writer;

pub use buf::{List, SizedBuf};
pub use error::WireError;
pub use profile::{KEY_SIZES, Profile};
pub use reader::Reader;
pub use writer::{Writer, to_vec};

/// A value that can be written in wire form.
pub trait Marshal {
    /// Write `self` to `w`. Never fails: a writer that runs out of room records it.
    fn marshal(&self, w: &mut Writer<'_>);

    /// How many bytes [`Marshal::marshal`] writes.
    fn marshalled_len(&self) -> usize {
        let mut w = Writer::counter();
        self.marshal(&mut w);
        w.len()
    }
}

/// A value that can be read from wire form.
pub trait Unmarshal<'a>: Sized {
    /// Read one value from `r`, judging algorithm IDs against `p`.
    ///
    /// # Errors
    /// The [`WireError`] naming what is wrong; the reader's position is unspecified then.
    fn unmarshal(r: &mut Reader<'a>, p: &Profile) -> Result<Self, WireError>;
}

/// An unmarshalling failure with the 1-based position of the field that failed.
///
/// TPM 2.0 Part 3 §5.8.2: a parameter that fails to unmarshal is reported with its number
/// (TPM_RC_P + n); a handle with its handle number. Structures made with [`wire_struct!`]
/// report the field's position in the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumberedError {
    /// What went wrong.
    pub error: WireError,
    /// Which field (1 = the first).
    pub index: u8,
}

/// A structure whose fields are numbered parameters: unmarshalling says which one failed.
pub trait UnmarshalNumbered<'a>: Sized {
    /// Read the fields in order, reporting the position of the first that fails.
    ///
    /// # Errors
    /// The failing field's [`WireError`] and its 1-based position.
    fn unmarshal_numbered(r: &mut Reader<'a>, p: &Profile) -> Result<Self, NumberedError>;
}

/// Read a `T` that must fill `bytes` exactly.
///
/// # Errors
/// Whatever `T::unmarshal` returns, or [`WireError::Trailing`] when bytes remain.
pub fn from_bytes<'a, T: Unmarshal<'a>>(bytes: &'a [u8], p: &Profile) -> Result<T, WireError> {
    let mut r = Reader::new(bytes);
    let v = T::unmarshal(&mut r, p)?;
    r.finish()?;
    Ok(v)
}

macro_rules! int_codec {
    ($($t:ty => $read:ident, $write:ident;)*) => {$(
        impl Marshal for $t {
            fn marshal(&self, w: &mut Writer<'_>) {
                w.$write(*self);
            }
        }
        impl<'a> Unmarshal<'a> for $t {
            fn unmarshal(r: &mut Reader<'a>, _p: &Profile) -> Result<Self, WireError> {
                r.$read()
            }
        }
    )*};
}

int_codec! {
    u8 => read_u8, u8;
    u16 => read_u16, u16;
    u32 => read_u32, u32;
    u64 => read_u64, u64;
}

macro_rules! signed_codec {
    ($($t:ty => $u:ty;)*) => {$(
        impl Marshal for $t {
            fn marshal(&self, w: &mut Writer<'_>) {
                w.put(&self.to_be_bytes());
            }
        }
        impl<'a> Unmarshal<'a> for $t {
            fn unmarshal(r: &mut Reader<'a>, _p: &Profile) -> Result<Self, WireError> {
                Ok(<$t>::from_be_bytes(r.take_array()?))
            }
        }
    )*};
}

signed_codec! {
    i8 => u8;
    i16 => u16;
    i32 => u32;
    i64 => u64;
}

/// Fixed-size byte arrays (TPM 1.2 nonces and digests, TPM 2.0 fixed fields).
impl<const N: usize> Marshal for [u8; N] {
    fn marshal(&self, w: &mut Writer<'_>) {
        w.put(self);
    }
}

impl<'a, const N: usize> Unmarshal<'a> for [u8; N] {
    fn unmarshal(r: &mut Reader<'a>, _p: &Profile) -> Result<Self, WireError> {
        r.take_array()
    }
}

/// Raw bytes with no size prefix (write only: the reader cannot know their length).
impl Marshal for [u8] {
    fn marshal(&self, w: &mut Writer<'_>) {
        w.put(self);
    }
}

impl<T: Marshal + ?Sized> Marshal for &T {
    fn marshal(&self, w: &mut Writer<'_>) {
        (**self).marshal(w);
    }
}

#[cfg(test)]
mod tests;
