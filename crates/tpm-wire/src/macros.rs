//! Codec macros for the regular families of TPM types.
//!
//! Each emits impls for a type written as plain Rust beside it (docs, derives and rustfmt stay
//! usable), except [`wire_enum!`] and [`wire_bits!`], which also declare their newtype because
//! the type is nothing but its constants. Irregular types (unions, TPMI with a conditional null,
//! TPMT with conditional fields) are written by hand next to the regular ones.

/// `Marshal` and `Unmarshal` for a TPMS-like structure: its fields in order.
///
/// The marshal side destructures `let Self { a, b, c } = self;`, and the unmarshal side builds
/// the struct from the same list, so a field left out of the list does not compile. It also
/// implements [`UnmarshalNumbered`](crate::UnmarshalNumbered), which says which field failed:
/// a command's parameter structure reports that number in its response code.
///
/// ```
/// use tpm_wire::{wire_struct, Profile, Reader};
/// /// TPMS_CLOCK_INFO-like.
/// #[derive(Debug, PartialEq)]
/// pub struct Clock { pub clock: u64, pub reset_count: u32 }
/// wire_struct!(Clock { clock, reset_count });
/// let c: Clock = Reader::new(&[0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2]).read(&Profile::ALL).unwrap();
/// assert_eq!(c, Clock { clock: 1, reset_count: 2 });
/// assert_eq!(tpm_wire::to_vec(&c).len(), 12);
/// ```
#[macro_export]
macro_rules! wire_struct {
    ($name:ident { $($field:ident),* $(,)? }) => {
        impl $crate::Marshal for $name {
            fn marshal(&self, w: &mut $crate::Writer<'_>) {
                let $name { $($field),* } = self;
                $( $crate::Marshal::marshal($field, w); )*
                let _ = w;
            }
        }
        impl<'a> $crate::Unmarshal<'a> for $name {
            fn unmarshal(
                r: &mut $crate::Reader<'a>,
                p: &$crate::Profile,
            ) -> ::core::result::Result<Self, $crate::WireError> {
                let _ = (&r, p);
                $( let $field = $crate::Unmarshal::unmarshal(r, p)?; )*
                Ok($name { $($field),* })
            }
        }
        impl<'a> $crate::UnmarshalNumbered<'a> for $name {
            fn unmarshal_numbered(
                r: &mut $crate::Reader<'a>,
                p: &$crate::Profile,
            ) -> ::core::result::Result<Self, $crate::NumberedError> {
                let _ = (&r, p);
                let mut _index: u8 = 0;
                $(
                    _index = _index.saturating_add(1);
                    let $field = $crate::Unmarshal::unmarshal(r, p)
                        .map_err(|error| $crate::NumberedError { error, index: _index })?;
                )*
                Ok($name { $($field),* })
            }
        }
    };
}

/// `Marshal` and `Unmarshal` for a TPM2B that wraps one structure behind a 16-bit size
/// (TPM2B_PUBLIC, TPM2B_ECC_POINT, TPM2B_NV_PUBLIC, ...): `wire_sized!(Tpm2bEccPoint { point })`.
///
/// A zero size is [`WireError::Size`](crate::WireError::Size); a structure that does not fill
/// the size exactly is `Size` too; running out of input is `Insufficient` (libtpms
/// `Unmarshal.c`). Types whose zero size means "empty" are written by hand with
/// [`Reader::sized_u16`](crate::Reader::sized_u16)`(true, ..)`.
#[macro_export]
macro_rules! wire_sized {
    ($name:ident { $field:ident }) => {
        impl $crate::Marshal for $name {
            fn marshal(&self, w: &mut $crate::Writer<'_>) {
                let $name { $field } = self;
                w.sized_u16(|w| $crate::Marshal::marshal($field, w));
            }
        }
        impl<'a> $crate::Unmarshal<'a> for $name {
            fn unmarshal(
                r: &mut $crate::Reader<'a>,
                p: &$crate::Profile,
            ) -> ::core::result::Result<Self, $crate::WireError> {
                let $field = r
                    .sized_u16(false, |r| $crate::Unmarshal::unmarshal(r, p))?
                    .ok_or($crate::WireError::Size)?;
                Ok($name { $field })
            }
        }
    };
}

/// `Marshal` and `Unmarshal` for a newtype that is exactly its inner value on the wire:
/// `wire_newtype!(Tpm2bDigest(SizedBuf<64>))`.
#[macro_export]
macro_rules! wire_newtype {
    ($name:ident($inner:ty)) => {
        impl $crate::Marshal for $name {
            fn marshal(&self, w: &mut $crate::Writer<'_>) {
                $crate::Marshal::marshal(&self.0, w);
            }
        }
        impl<'a> $crate::Unmarshal<'a> for $name {
            fn unmarshal(
                r: &mut $crate::Reader<'a>,
                p: &$crate::Profile,
            ) -> ::core::result::Result<Self, $crate::WireError> {
                Ok($name(<$inner as $crate::Unmarshal<'a>>::unmarshal(r, p)?))
            }
        }
    };
}

/// An open enumeration: a newtype over an integer with named constants (TPM_CC, TPM_ALG_ID,
/// TPM_ST, ...), like rustls' `enum_builder!`. Every value unmarshals; which ones a field
/// accepts is decided by the TPMI type that uses it.
///
/// ```
/// tpm_wire::wire_enum! {
///     /// TPM_SU (TPM 2.0 Part 2 §6.8).
///     pub struct Su(u16) {
///         /// TPM_SU_CLEAR
///         CLEAR = 0x0000,
///         /// TPM_SU_STATE
///         STATE = 0x0001,
///     }
/// }
/// assert_eq!(Su::STATE.name(), Some("STATE"));
/// assert_eq!(format!("{:?}", Su(7)), "Su(0x0007)");
/// ```
#[macro_export]
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident($repr:ident) {
            $( $(#[$cmeta:meta])* $konst:ident = $val:expr ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        $vis struct $name(pub $repr);

        impl $name {
            $( $(#[$cmeta])* pub const $konst: $name = $name($val); )*

            /// Every named value, in declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$konst ),* ];

            /// The spec name of this value (without its prefix), if it has one.
            pub fn name(self) -> ::core::option::Option<&'static str> {
                $( if self == $name::$konst { return Some(stringify!($konst)); } )*
                None
            }
        }

        impl ::core::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(
                        f,
                        concat!(stringify!($name), "(0x{:0w$x})"),
                        self.0,
                        w = ::core::mem::size_of::<$repr>() * 2
                    ),
                }
            }
        }

        impl ::core::convert::From<$repr> for $name {
            fn from(v: $repr) -> Self {
                $name(v)
            }
        }

        impl ::core::convert::From<$name> for $repr {
            fn from(v: $name) -> Self {
                v.0
            }
        }

        impl $crate::Marshal for $name {
            fn marshal(&self, w: &mut $crate::Writer<'_>) {
                $crate::Marshal::marshal(&self.0, w);
            }
        }

        impl<'a> $crate::Unmarshal<'a> for $name {
            fn unmarshal(
                r: &mut $crate::Reader<'a>,
                p: &$crate::Profile,
            ) -> ::core::result::Result<Self, $crate::WireError> {
                Ok($name(<$repr as $crate::Unmarshal<'a>>::unmarshal(r, p)?))
            }
        }
    };
}

/// An attribute bit field (TPMA_*): a newtype with named bits and a reserved mask.
/// Unmarshalling a value with a reserved bit set is
/// [`WireError::ReservedBits`](crate::WireError::ReservedBits) (TPM 2.0 Part 2 §8).
///
/// ```
/// tpm_wire::wire_bits! {
///     /// TPMA_SESSION (TPM 2.0 Part 2 §8.4).
///     pub struct Session(u8) reserved = 0x18; {
///         /// continueSession
///         CONTINUE_SESSION = 0x01,
///         /// auditExclusive
///         AUDIT_EXCLUSIVE = 0x02,
///     }
/// }
/// use tpm_wire::{Reader, Profile, WireError};
/// assert_eq!(Reader::new(&[0x08]).read::<Session>(&Profile::ALL), Err(WireError::ReservedBits));
/// assert!(Reader::new(&[0x03]).read::<Session>(&Profile::ALL).unwrap().contains(Session::AUDIT_EXCLUSIVE));
/// ```
#[macro_export]
macro_rules! wire_bits {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident($repr:ident) reserved = $mask:expr; {
            $( $(#[$cmeta:meta])* $konst:ident = $val:expr ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        $vis struct $name(pub $repr);

        impl $name {
            $( $(#[$cmeta])* pub const $konst: $name = $name($val); )*

            /// The bits that must be clear on input.
            pub const RESERVED: $repr = $mask;

            /// Every named bit, in declaration order, with its name.
            pub const NAMED: &'static [(&'static str, $name)] =
                &[ $( (stringify!($konst), $name::$konst) ),* ];

            /// No bits set.
            pub const fn empty() -> Self {
                $name(0)
            }

            /// The raw value.
            pub const fn bits(self) -> $repr {
                self.0
            }

            /// True when every bit of `other` is set here.
            pub const fn contains(self, other: $name) -> bool {
                self.0 & other.0 == other.0
            }

            /// True when any bit of `other` is set here.
            pub const fn intersects(self, other: $name) -> bool {
                self.0 & other.0 != 0
            }

            /// This value with the bits of `other` set (`on`) or cleared.
            #[must_use]
            pub const fn with(self, other: $name, on: bool) -> Self {
                if on { $name(self.0 | other.0) } else { $name(self.0 & !other.0) }
            }
        }

        impl ::core::ops::BitOr for $name {
            type Output = $name;
            fn bitor(self, rhs: $name) -> $name {
                $name(self.0 | rhs.0)
            }
        }

        impl ::core::ops::BitAnd for $name {
            type Output = $name;
            fn bitand(self, rhs: $name) -> $name {
                $name(self.0 & rhs.0)
            }
        }

        impl ::core::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                write!(f, concat!(stringify!($name), "(0x{:x}"), self.0)?;
                for (n, b) in Self::NAMED {
                    if b.0 != 0 && self.contains(*b) {
                        write!(f, " {}", n)?;
                    }
                }
                f.write_str(")")
            }
        }

        impl $crate::Marshal for $name {
            fn marshal(&self, w: &mut $crate::Writer<'_>) {
                $crate::Marshal::marshal(&self.0, w);
            }
        }

        impl<'a> $crate::Unmarshal<'a> for $name {
            fn unmarshal(
                r: &mut $crate::Reader<'a>,
                p: &$crate::Profile,
            ) -> ::core::result::Result<Self, $crate::WireError> {
                let v = <$repr as $crate::Unmarshal<'a>>::unmarshal(r, p)?;
                if v & $mask != 0 {
                    return Err($crate::WireError::ReservedBits);
                }
                Ok($name(v))
            }
        }
    };
}
