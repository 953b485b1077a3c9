//! TPM_RC, the TPM 2.0 response codes (TPM 2.0 Part 2 §6.6, Tables 15 and 16), as the error
//! type of the whole engine.
//!
//! A response code is never zero here: success is `Ok(..)`, and [`TPM_RC_SUCCESS`] is the raw
//! `u32` the response header carries then. Format-one codes (bit 7 set) name the handle, session
//! or parameter they are about in bits 6 and 8-11; [`TpmRc::handle`], [`TpmRc::session`] and
//! [`TpmRc::parameter`] add that number, and leave format-zero codes and codes that already carry
//! a number unchanged, as the reference implementation's `RcSafeAddToResult` does (libtpms
//! `src/tpm2/Global.h`/`CommandDispatcher.c`).
//!
//! Unmarshal failures become response codes in one place, `impl From<WireError> for TpmRc`
//! (TPM 2.0 Part 3 §5.8.2, Table 2).

use core::fmt;
use core::num::NonZeroU32;

use tpm_wire::WireError;

/// TPM_RC_SUCCESS (TPM 2.0 Part 2 §6.6.3, Table 16): the raw response code of a command that
/// succeeded. [`TpmRc`] cannot hold it; a handler returns `Ok(..)` instead.
pub const TPM_RC_SUCCESS: u32 = 0x000;

/// TPM_RC, a non-zero TPM 2.0 response code (TPM 2.0 Part 2 §6.6, Tables 15 and 16).
///
/// Any non-zero `u32` is representable (vendor codes, TPM 1.2 codes from a shared front end);
/// the named constants are every TPM_RC of rev 1.59. `Display` and `Debug` print the spec name
/// and, for a numbered format-one code, its position: `[TPM_RC_HANDLE, handle[1]]`.
#[doc(alias = "TPM_RC")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TpmRc(NonZeroU32);

/// A `NonZeroU32` from a constant; zero (never passed) becomes 1 instead of failing the build.
const fn nz(v: u32) -> NonZeroU32 {
    match NonZeroU32::new(v) {
        Some(n) => n,
        None => NonZeroU32::MIN,
    }
}

/// Defines the named response codes and [`TpmRc::ALL_NAMED`] from one list, so a name can not be
/// left out of the table `Display` uses.
macro_rules! rc_consts {
    ($( $(#[$m:meta])* $name:ident = $val:expr ),* $(,)?) => {
        impl TpmRc {
            $( $(#[$m])* pub const $name: TpmRc = TpmRc(nz($val)); )*

            /// Every named response code with its name (without the `TPM_RC_` prefix), in
            /// declaration order.
            pub const ALL_NAMED: &'static [(&'static str, TpmRc)] =
                &[ $( (stringify!($name), TpmRc::$name) ),* ];
        }
    };
}

impl TpmRc {
    /// RC_VER1: set in every format-zero TPM 2.0 code (TPM 2.0 Part 2 §6.6.3, Table 16).
    pub const RC_VER1: u32 = 0x100;
    /// RC_MAX_FM0: the largest format-zero code that is not a warning.
    pub const RC_MAX_FM0: u32 = Self::RC_VER1 + 0x07F;
    /// RC_FMT1: set in every format-one code.
    pub const RC_FMT1: u32 = 0x080;
    /// RC_WARN: set in every warning (format zero, severity bit 11).
    pub const RC_WARN: u32 = 0x900;
    /// TPM_RC_H: added to a handle-related format-one code (with TPM_RC_1..TPM_RC_7).
    #[doc(alias = "TPM_RC_H")]
    pub const RC_H: u32 = 0x000;
    /// TPM_RC_P: added to a parameter-related format-one code (with TPM_RC_1..TPM_RC_F).
    #[doc(alias = "TPM_RC_P")]
    pub const RC_P: u32 = 0x040;
    /// TPM_RC_S: added to a session-related format-one code (with TPM_RC_1..TPM_RC_7).
    #[doc(alias = "TPM_RC_S")]
    pub const RC_S: u32 = 0x800;
    /// TPM_RC_N_MASK: the number field of a format-one code.
    #[doc(alias = "TPM_RC_N_MASK")]
    pub const RC_N_MASK: u32 = 0xF00;
    /// Format-zero vendor bit (T, bit 10; TPM 2.0 Part 2 §6.6.2, Table 15).
    pub const RC_VENDOR: u32 = 0x400;
    /// The error-number bits of a format-one code (E, bits 5:0).
    const FMT1_NUMBER_MASK: u32 = 0x03F;
    /// The bits `RcSafeAddToResult` checks before adding a number: N and P.
    const FMT1_INDEX_MASK: u32 = 0xF40;
}

rc_consts! {
    /// TPM_RC_BAD_TAG: the command tag is neither TPM_ST_NO_SESSIONS nor TPM_ST_SESSIONS (the
    /// TPM 1.2 TPM_BADTAG value, TPM 2.0 Part 2 §6.6.3, Table 16).
    BAD_TAG = 0x01E,

    // Format zero, TPM_RC_VER1 + n (TPM 2.0 Part 2 §6.6.3, Table 16).
    /// TPM_RC_INITIALIZE: TPM not initialized by TPM2_Startup or already initialized.
    INITIALIZE = 0x100,
    /// TPM_RC_FAILURE: commands not being accepted because of a TPM failure.
    FAILURE = 0x101,
    /// TPM_RC_SEQUENCE: improper use of a sequence handle.
    SEQUENCE = 0x103,
    /// TPM_RC_PRIVATE: not currently used.
    PRIVATE = 0x10B,
    /// TPM_RC_HMAC: not currently used.
    HMAC = 0x119,
    /// TPM_RC_DISABLED: the command is disabled.
    DISABLED = 0x120,
    /// TPM_RC_EXCLUSIVE: the command failed because an audit sequence required exclusivity.
    EXCLUSIVE = 0x121,
    /// TPM_RC_AUTH_TYPE: authorization handle is not correct for the command.
    AUTH_TYPE = 0x124,
    /// TPM_RC_AUTH_MISSING: the command requires an authorization session for a handle and it
    /// is not present.
    AUTH_MISSING = 0x125,
    /// TPM_RC_POLICY: policy failure in a math operation or an invalid authPolicy value.
    POLICY = 0x126,
    /// TPM_RC_PCR: PCR check failed.
    PCR = 0x127,
    /// TPM_RC_PCR_CHANGED: PCRs have changed since checked.
    PCR_CHANGED = 0x128,
    /// TPM_RC_UPGRADE: the TPM is in field upgrade mode.
    UPGRADE = 0x12D,
    /// TPM_RC_TOO_MANY_CONTEXTS: the context ID counter is at its maximum.
    TOO_MANY_CONTEXTS = 0x12E,
    /// TPM_RC_AUTH_UNAVAILABLE: authValue or authPolicy is not available for the selected
    /// entity.
    AUTH_UNAVAILABLE = 0x12F,
    /// TPM_RC_REBOOT: a _TPM_Init and Startup(CLEAR) is required before the TPM can resume.
    REBOOT = 0x130,
    /// TPM_RC_UNBALANCED: the protection algorithms (hash and symmetric) are not reasonably
    /// balanced.
    UNBALANCED = 0x131,
    /// TPM_RC_COMMAND_SIZE: commandSize is inconsistent with the contents of the command buffer.
    COMMAND_SIZE = 0x142,
    /// TPM_RC_COMMAND_CODE: command code not supported.
    COMMAND_CODE = 0x143,
    /// TPM_RC_AUTHSIZE: authorizationSize is out of range or the number of sessions is wrong.
    AUTHSIZE = 0x144,
    /// TPM_RC_AUTH_CONTEXT: an authorization session was used with a context command.
    AUTH_CONTEXT = 0x145,
    /// TPM_RC_NV_RANGE: NV offset + size is out of range.
    NV_RANGE = 0x146,
    /// TPM_RC_NV_SIZE: the requested allocation size is larger than allowed.
    NV_SIZE = 0x147,
    /// TPM_RC_NV_LOCKED: NV access locked.
    NV_LOCKED = 0x148,
    /// TPM_RC_NV_AUTHORIZATION: NV access authorization fails in command actions.
    NV_AUTHORIZATION = 0x149,
    /// TPM_RC_NV_UNINITIALIZED: an NV Index is used before being initialized.
    NV_UNINITIALIZED = 0x14A,
    /// TPM_RC_NV_SPACE: insufficient space for NV allocation.
    NV_SPACE = 0x14B,
    /// TPM_RC_NV_DEFINED: NV Index or persistent object already defined.
    NV_DEFINED = 0x14C,
    /// TPM_RC_BAD_CONTEXT: the context in TPM2_ContextLoad is not valid.
    BAD_CONTEXT = 0x150,
    /// TPM_RC_CPHASH: cpHash value already set or not correct for use.
    CPHASH = 0x151,
    /// TPM_RC_PARENT: the handle for a parent is not a valid parent.
    PARENT = 0x152,
    /// TPM_RC_NEEDS_TEST: some function needs testing.
    NEEDS_TEST = 0x153,
    /// TPM_RC_NO_RESULT: an internal function cannot process a request due to an unspecified
    /// problem.
    NO_RESULT = 0x154,
    /// TPM_RC_SENSITIVE: the sensitive area did not unmarshal correctly after decryption.
    SENSITIVE = 0x155,

    // Format one, TPM_RC_FMT1 + n (TPM 2.0 Part 2 §6.6.3, Table 16).
    /// TPM_RC_ASYMMETRIC: asymmetric algorithm not supported or not correct.
    ASYMMETRIC = 0x081,
    /// TPM_RC_ATTRIBUTES: inconsistent attributes.
    ATTRIBUTES = 0x082,
    /// TPM_RC_HASH: hash algorithm not supported or not appropriate.
    HASH = 0x083,
    /// TPM_RC_VALUE: value is out of range or is not correct for the context.
    VALUE = 0x084,
    /// TPM_RC_HIERARCHY: hierarchy is not enabled or is not correct for the use.
    HIERARCHY = 0x085,
    /// TPM_RC_KEY_SIZE: key size is not supported.
    KEY_SIZE = 0x087,
    /// TPM_RC_MGF: mask generation function not supported.
    MGF = 0x088,
    /// TPM_RC_MODE: mode of operation not supported.
    MODE = 0x089,
    /// TPM_RC_TYPE: the type of the value is not appropriate for the use.
    TYPE = 0x08A,
    /// TPM_RC_HANDLE: the handle is not correct for the use.
    HANDLE = 0x08B,
    /// TPM_RC_KDF: unsupported key derivation function or function not appropriate for use.
    KDF = 0x08C,
    /// TPM_RC_RANGE: value was out of the allowed range.
    RANGE = 0x08D,
    /// TPM_RC_AUTH_FAIL: the authorization HMAC check failed and the DA counter incremented.
    AUTH_FAIL = 0x08E,
    /// TPM_RC_NONCE: invalid nonce size or nonce value mismatch.
    NONCE = 0x08F,
    /// TPM_RC_PP: authorization requires assertion of Physical Presence.
    PP = 0x090,
    /// TPM_RC_SCHEME: unsupported or incompatible scheme.
    SCHEME = 0x092,
    /// TPM_RC_SIZE: structure is the wrong size.
    SIZE = 0x095,
    /// TPM_RC_SYMMETRIC: unsupported symmetric algorithm or key size, or not appropriate.
    SYMMETRIC = 0x096,
    /// TPM_RC_TAG: incorrect structure tag.
    TAG = 0x097,
    /// TPM_RC_SELECTOR: union selector is incorrect.
    SELECTOR = 0x098,
    /// TPM_RC_INSUFFICIENT: the TPM was unable to unmarshal a value because there were not
    /// enough octets in the input buffer.
    INSUFFICIENT = 0x09A,
    /// TPM_RC_SIGNATURE: the signature is not valid.
    SIGNATURE = 0x09B,
    /// TPM_RC_KEY: key fields are not compatible with the selected use.
    KEY = 0x09C,
    /// TPM_RC_POLICY_FAIL: a policy check failed.
    POLICY_FAIL = 0x09D,
    /// TPM_RC_INTEGRITY: integrity check failed.
    INTEGRITY = 0x09F,
    /// TPM_RC_TICKET: invalid ticket.
    TICKET = 0x0A0,
    /// TPM_RC_RESERVED_BITS: reserved bits not set to zero as required.
    RESERVED_BITS = 0x0A1,
    /// TPM_RC_BAD_AUTH: authorization failure without DA implications.
    BAD_AUTH = 0x0A2,
    /// TPM_RC_EXPIRED: the policy has expired.
    EXPIRED = 0x0A3,
    /// TPM_RC_POLICY_CC: the commandCode in the policy is not the commandCode of the command, or
    /// the command code in a policy command references a command that is not implemented.
    POLICY_CC = 0x0A4,
    /// TPM_RC_BINDING: the public and sensitive portions of an object are not cryptographically
    /// bound.
    BINDING = 0x0A5,
    /// TPM_RC_CURVE: curve not supported.
    CURVE = 0x0A6,
    /// TPM_RC_ECC_POINT: point is not on the required curve.
    ECC_POINT = 0x0A7,

    // Warnings, TPM_RC_WARN + n (TPM 2.0 Part 2 §6.6.3, Table 16).
    /// TPM_RC_CONTEXT_GAP: the gap for context IDs is too large.
    CONTEXT_GAP = 0x901,
    /// TPM_RC_OBJECT_MEMORY: out of memory for object contexts.
    OBJECT_MEMORY = 0x902,
    /// TPM_RC_SESSION_MEMORY: out of memory for session contexts.
    SESSION_MEMORY = 0x903,
    /// TPM_RC_MEMORY: out of shared object/session memory or need space for internal operations.
    MEMORY = 0x904,
    /// TPM_RC_SESSION_HANDLES: out of session handles; a session must be flushed.
    SESSION_HANDLES = 0x905,
    /// TPM_RC_OBJECT_HANDLES: out of object handles; an object must be flushed.
    OBJECT_HANDLES = 0x906,
    /// TPM_RC_LOCALITY: bad locality.
    LOCALITY = 0x907,
    /// TPM_RC_YIELDED: the TPM has suspended operation on the command.
    YIELDED = 0x908,
    /// TPM_RC_CANCELED: the command was canceled.
    CANCELED = 0x909,
    /// TPM_RC_TESTING: the TPM is performing self-tests.
    TESTING = 0x90A,
    /// TPM_RC_REFERENCE_H0: the 1st handle in the handle area references a transient object or
    /// session that is not loaded.
    REFERENCE_H0 = 0x910,
    /// TPM_RC_REFERENCE_H1: the 2nd handle references an object or session that is not loaded.
    REFERENCE_H1 = 0x911,
    /// TPM_RC_REFERENCE_H2: the 3rd handle references an object or session that is not loaded.
    REFERENCE_H2 = 0x912,
    /// TPM_RC_REFERENCE_H3: the 4th handle references an object or session that is not loaded.
    REFERENCE_H3 = 0x913,
    /// TPM_RC_REFERENCE_H4: the 5th handle references an object or session that is not loaded.
    REFERENCE_H4 = 0x914,
    /// TPM_RC_REFERENCE_H5: the 6th handle references an object or session that is not loaded.
    REFERENCE_H5 = 0x915,
    /// TPM_RC_REFERENCE_H6: the 7th handle references an object or session that is not loaded.
    REFERENCE_H6 = 0x916,
    /// TPM_RC_REFERENCE_S0: the 1st authorization session handle references a session that is
    /// not loaded.
    REFERENCE_S0 = 0x918,
    /// TPM_RC_REFERENCE_S1: the 2nd session handle references a session that is not loaded.
    REFERENCE_S1 = 0x919,
    /// TPM_RC_REFERENCE_S2: the 3rd session handle references a session that is not loaded.
    REFERENCE_S2 = 0x91A,
    /// TPM_RC_REFERENCE_S3: the 4th session handle references a session that is not loaded.
    REFERENCE_S3 = 0x91B,
    /// TPM_RC_REFERENCE_S4: the 5th session handle references a session that is not loaded.
    REFERENCE_S4 = 0x91C,
    /// TPM_RC_REFERENCE_S5: the 6th session handle references a session that is not loaded.
    REFERENCE_S5 = 0x91D,
    /// TPM_RC_REFERENCE_S6: the 7th session handle references a session that is not loaded.
    REFERENCE_S6 = 0x91E,
    /// TPM_RC_NV_RATE: the TPM is rate-limiting accesses to prevent wearout of NV.
    NV_RATE = 0x920,
    /// TPM_RC_LOCKOUT: authorizations for objects subject to DA protection are not allowed at
    /// this time because the TPM is in DA lockout mode.
    LOCKOUT = 0x921,
    /// TPM_RC_RETRY: the TPM was not able to start the command.
    RETRY = 0x922,
    /// TPM_RC_NV_UNAVAILABLE: the command may require writing of NV and NV is not accessible.
    NV_UNAVAILABLE = 0x923,
    /// TPM_RC_NOT_USED: reserved; never returned by a TPM.
    NOT_USED = 0x97F,
}

impl TpmRc {
    /// The response code with raw value `v`; `None` for 0, which is TPM_RC_SUCCESS.
    pub const fn from_raw(v: u32) -> Option<TpmRc> {
        match NonZeroU32::new(v) {
            Some(n) => Some(TpmRc(n)),
            None => None,
        }
    }

    /// The raw value as the response header carries it.
    pub const fn raw(self) -> u32 {
        self.0.get()
    }

    /// Is this a format-one code (bit 7 set), one that may name a handle, session or parameter?
    pub const fn is_format_one(self) -> bool {
        self.raw() & Self::RC_FMT1 != 0
    }

    /// Is this a warning (format zero, TPM 2.0 code, severity bit set; TPM_RC_WARN + n)?
    pub const fn is_warning(self) -> bool {
        let r = self.raw();
        !self.is_format_one() && r & Self::RC_WARN == Self::RC_WARN
    }

    /// Is this a format-zero vendor-defined code (bit 10 set)?
    pub const fn is_vendor(self) -> bool {
        !self.is_format_one() && self.raw() & Self::RC_VENDOR != 0
    }

    /// The code without its handle, session or parameter number: format-one codes lose N and P,
    /// format-zero codes are returned unchanged.
    #[must_use]
    pub const fn base(self) -> TpmRc {
        if self.is_format_one() {
            TpmRc(nz(self.raw() & (Self::RC_FMT1 | Self::FMT1_NUMBER_MASK)))
        } else {
            self
        }
    }

    /// Add `bits` the way `RcSafeAddToResult` does: only to a format-one code that carries no
    /// number yet.
    const fn add_index(self, bits: u32) -> TpmRc {
        let r = self.raw();
        if r & Self::RC_FMT1 != 0 && r & Self::FMT1_INDEX_MASK == 0 {
            TpmRc(nz(r | bits))
        } else {
            self
        }
    }

    /// This format-one code about handle `n` (1..=7): `| n << 8` (TPM_RC_H + TPM_RC_n).
    /// Format-zero codes, codes that already carry a number, and `n` outside 1..=7 come back
    /// unchanged.
    #[must_use]
    pub const fn handle(self, n: u8) -> TpmRc {
        if n >= 1 && n <= 7 {
            self.add_index(Self::RC_H | (n as u32) << 8)
        } else {
            self
        }
    }

    /// This format-one code about session `n` (1..=7): `| 0x800 | n << 8` (TPM_RC_S +
    /// TPM_RC_n). Unchanged as for [`TpmRc::handle`].
    #[must_use]
    pub const fn session(self, n: u8) -> TpmRc {
        if n >= 1 && n <= 7 {
            self.add_index(Self::RC_S | (n as u32) << 8)
        } else {
            self
        }
    }

    /// This format-one code about parameter `n` (1..=15): `| 0x040 | n << 8` (TPM_RC_P +
    /// TPM_RC_n). Unchanged as for [`TpmRc::handle`], and for `n` outside 1..=15.
    #[must_use]
    pub const fn parameter(self, n: u8) -> TpmRc {
        if n >= 1 && n <= 15 {
            self.add_index(Self::RC_P | (n as u32) << 8)
        } else {
            self
        }
    }

    /// Which handle, session or parameter a format-one code names, if any.
    pub const fn index(self) -> Option<RcIndex> {
        let r = self.raw();
        if r & Self::RC_FMT1 == 0 {
            return None;
        }
        // N is 4 bits: the cast cannot lose anything.
        let n = ((r & Self::RC_N_MASK) >> 8) as u8;
        if r & Self::RC_P != 0 {
            if n == 0 {
                None
            } else {
                Some(RcIndex::Parameter(n))
            }
        } else if n == 0 {
            None
        } else if n & 0x8 != 0 {
            Some(RcIndex::Session(n & 0x7))
        } else {
            Some(RcIndex::Handle(n))
        }
    }

    /// The spec name of [`TpmRc::base`] without the `TPM_RC_` prefix, if it has one.
    pub fn name(self) -> Option<&'static str> {
        let b = self.base();
        Self::ALL_NAMED
            .iter()
            .find(|(_, rc)| *rc == b)
            .map(|(n, _)| *n)
    }
}

/// What a numbered format-one response code is about (TPM 2.0 Part 2 §6.6.2, Table 15).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RcIndex {
    /// Handle 1..=7 of the handle area.
    Handle(u8),
    /// Session 1..=7 of the authorization area (0 would be a malformed code).
    Session(u8),
    /// Parameter 1..=15.
    Parameter(u8),
}

impl fmt::Display for TpmRc {
    /// `TPM_RC_INITIALIZE`, `TPM_RC_VALUE`, `[TPM_RC_HANDLE, handle[1]]`,
    /// `[TPM_RC_SIZE, parameter[2]]`, `[TPM_RC_AUTH_FAIL, session[1]]`, `TPM_RC(0x0000017e)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let base = self.base();
        let write_base = |f: &mut fmt::Formatter<'_>| match self.name() {
            Some(n) => write!(f, "TPM_RC_{n}"),
            None => write!(f, "TPM_RC(0x{:08x})", base.raw()),
        };
        match self.index() {
            None => write_base(f),
            Some(idx) => {
                f.write_str("[")?;
                write_base(f)?;
                match idx {
                    RcIndex::Handle(n) => write!(f, ", handle[{n}]]"),
                    RcIndex::Session(n) => write!(f, ", session[{n}]]"),
                    RcIndex::Parameter(n) => write!(f, ", parameter[{n}]]"),
                }
            }
        }
    }
}

impl fmt::Debug for TpmRc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for TpmRc {}

impl From<TpmRc> for u32 {
    fn from(rc: TpmRc) -> u32 {
        rc.raw()
    }
}

/// The one place an unmarshal failure becomes a response code (TPM 2.0 Part 3 §5.8.2, Table 2,
/// with the codes libtpms `Unmarshal.c` returns). The dispatcher then adds the handle, session
/// or parameter number with [`TpmRc::handle`], [`TpmRc::session`] or [`TpmRc::parameter`].
impl From<WireError> for TpmRc {
    fn from(e: WireError) -> TpmRc {
        match e {
            WireError::Insufficient => TpmRc::INSUFFICIENT,
            // Bytes left over after a sized structure: "structure is the wrong size".
            WireError::Trailing | WireError::Size => TpmRc::SIZE,
            WireError::Value => TpmRc::VALUE,
            WireError::Selector => TpmRc::SELECTOR,
            WireError::Tag => TpmRc::TAG,
            WireError::ReservedBits => TpmRc::RESERVED_BITS,
            WireError::Hash => TpmRc::HASH,
            WireError::Symmetric => TpmRc::SYMMETRIC,
            WireError::Scheme => TpmRc::SCHEME,
            WireError::Kdf => TpmRc::KDF,
            WireError::Curve => TpmRc::CURVE,
            WireError::Mode => TpmRc::MODE,
            WireError::KeySize => TpmRc::KEY_SIZE,
            WireError::Type => TpmRc::TYPE,
            WireError::Asymmetric => TpmRc::ASYMMETRIC,
            // A handle of the wrong type: libtpms' TPMI_DH_* unmarshallers return TPM_RC_VALUE.
            WireError::Handle => TpmRc::VALUE,
            WireError::Range => TpmRc::RANGE,
            // Writer-side only: reaching it from a command is a broken invariant.
            WireError::Overflow => TpmRc::FAILURE,
            // `WireError` is non_exhaustive: a variant added later is a failure until mapped.
            _ => TpmRc::FAILURE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    #[test]
    fn named_values_are_distinct_and_non_zero() {
        let mut vals = HashSet::new();
        let mut names = HashSet::new();
        for (n, rc) in TpmRc::ALL_NAMED {
            assert!(vals.insert(rc.raw()), "{n} repeats a value");
            assert!(names.insert(*n), "{n} listed twice");
            assert_ne!(rc.raw(), TPM_RC_SUCCESS);
            assert_eq!(rc.name(), Some(*n));
        }
        assert_eq!(TpmRc::ALL_NAMED.len(), 1 + 34 + 33 + 29);
    }

    #[test]
    fn formats() {
        assert_eq!(TpmRc::INITIALIZE.raw(), TpmRc::RC_VER1);
        assert_eq!(TpmRc::RC_MAX_FM0, 0x17F);
        assert!(!TpmRc::INITIALIZE.is_format_one());
        assert!(!TpmRc::INITIALIZE.is_warning());
        assert!(TpmRc::VALUE.is_format_one());
        assert!(!TpmRc::VALUE.is_warning());
        assert!(TpmRc::RETRY.is_warning());
        assert!(TpmRc::REFERENCE_H0.is_warning());
        assert!(!TpmRc::BAD_TAG.is_warning());
        assert!(TpmRc::from_raw(0x500).unwrap().is_vendor());
        assert!(!TpmRc::NV_LOCKED.is_vendor());
        for (n, rc) in TpmRc::ALL_NAMED {
            let v = rc.raw();
            match *n {
                "BAD_TAG" => assert_eq!(v, 0x01E),
                _ if rc.is_warning() => assert_eq!(v & 0xF80, 0x900, "{n}"),
                _ if rc.is_format_one() => assert_eq!(v & 0xFC0, 0x080, "{n}"),
                _ => assert_eq!(v & 0xF80, 0x100, "{n}"),
            }
        }
    }

    #[test]
    fn numbering_matches_the_reference() {
        // TPM_RC_HANDLE + TPM_RC_H + TPM_RC_1
        assert_eq!(TpmRc::HANDLE.handle(1).raw(), 0x18B);
        // TPM_RC_VALUE + TPM_RC_P + TPM_RC_1 (the classic 0x1C4)
        assert_eq!(TpmRc::VALUE.parameter(1).raw(), 0x1C4);
        assert_eq!(TpmRc::SIZE.parameter(15).raw(), 0xFD5);
        // TPM_RC_AUTH_FAIL + TPM_RC_S + TPM_RC_1 (the classic 0x98E)
        assert_eq!(TpmRc::AUTH_FAIL.session(1).raw(), 0x98E);
        assert_eq!(TpmRc::BAD_AUTH.session(7).raw(), 0xFA2);
        assert_eq!(TpmRc::HANDLE.handle(7).raw(), 0x78B);
        // Format zero and warnings are left alone.
        assert_eq!(TpmRc::INITIALIZE.handle(1), TpmRc::INITIALIZE);
        assert_eq!(TpmRc::NV_LOCKED.parameter(2), TpmRc::NV_LOCKED);
        assert_eq!(TpmRc::RETRY.session(1), TpmRc::RETRY);
        // A code that already carries a number keeps it (RcSafeAddToResult).
        assert_eq!(
            TpmRc::VALUE.parameter(1).handle(2),
            TpmRc::VALUE.parameter(1)
        );
        // Out-of-range positions are left alone.
        assert_eq!(TpmRc::VALUE.handle(0), TpmRc::VALUE);
        assert_eq!(TpmRc::VALUE.handle(8), TpmRc::VALUE);
        assert_eq!(TpmRc::VALUE.session(8), TpmRc::VALUE);
        assert_eq!(TpmRc::VALUE.parameter(16), TpmRc::VALUE);
        assert_eq!(TpmRc::VALUE.parameter(0), TpmRc::VALUE);
    }

    #[test]
    fn index_and_base() {
        assert_eq!(TpmRc::HANDLE.handle(3).index(), Some(RcIndex::Handle(3)));
        assert_eq!(TpmRc::HANDLE.session(3).index(), Some(RcIndex::Session(3)));
        assert_eq!(
            TpmRc::HANDLE.parameter(12).index(),
            Some(RcIndex::Parameter(12))
        );
        assert_eq!(TpmRc::HANDLE.index(), None);
        assert_eq!(TpmRc::RETRY.index(), None);
        assert_eq!(TpmRc::HANDLE.parameter(12).base(), TpmRc::HANDLE);
        assert_eq!(TpmRc::SIZE.session(2).base(), TpmRc::SIZE);
        assert_eq!(TpmRc::CANCELED.base(), TpmRc::CANCELED);
    }

    #[test]
    fn display() {
        assert_eq!(TpmRc::INITIALIZE.to_string(), "TPM_RC_INITIALIZE");
        assert_eq!(
            TpmRc::HANDLE.handle(1).to_string(),
            "[TPM_RC_HANDLE, handle[1]]"
        );
        assert_eq!(
            TpmRc::SIZE.parameter(2).to_string(),
            "[TPM_RC_SIZE, parameter[2]]"
        );
        assert_eq!(
            TpmRc::AUTH_FAIL.session(1).to_string(),
            "[TPM_RC_AUTH_FAIL, session[1]]"
        );
        assert_eq!(TpmRc::VALUE.to_string(), "TPM_RC_VALUE");
        assert_eq!(TpmRc::REFERENCE_S6.to_string(), "TPM_RC_REFERENCE_S6");
        assert_eq!(
            TpmRc::from_raw(0x17E).unwrap().to_string(),
            "TPM_RC(0x0000017e)"
        );
        assert_eq!(
            TpmRc::from_raw(0x1FF).unwrap().to_string(),
            "[TPM_RC(0x000000bf), parameter[1]]"
        );
        assert_eq!(
            format!("{:?}", TpmRc::HANDLE.handle(2)),
            "[TPM_RC_HANDLE, handle[2]]"
        );
        let e: &dyn std::error::Error = &TpmRc::FAILURE;
        assert_eq!(e.to_string(), "TPM_RC_FAILURE");
    }

    #[test]
    fn from_raw_zero_is_success() {
        assert_eq!(TpmRc::from_raw(TPM_RC_SUCCESS), None);
        assert_eq!(TpmRc::from_raw(0x101), Some(TpmRc::FAILURE));
        assert_eq!(u32::from(TpmRc::TAG), 0x097);
    }

    #[test]
    fn wire_errors_map_per_part3_table2() {
        let table = [
            (WireError::Insufficient, TpmRc::INSUFFICIENT),
            (WireError::Trailing, TpmRc::SIZE),
            (WireError::Size, TpmRc::SIZE),
            (WireError::Value, TpmRc::VALUE),
            (WireError::Selector, TpmRc::SELECTOR),
            (WireError::Tag, TpmRc::TAG),
            (WireError::ReservedBits, TpmRc::RESERVED_BITS),
            (WireError::Hash, TpmRc::HASH),
            (WireError::Symmetric, TpmRc::SYMMETRIC),
            (WireError::Scheme, TpmRc::SCHEME),
            (WireError::Kdf, TpmRc::KDF),
            (WireError::Curve, TpmRc::CURVE),
            (WireError::Mode, TpmRc::MODE),
            (WireError::KeySize, TpmRc::KEY_SIZE),
            (WireError::Type, TpmRc::TYPE),
            (WireError::Asymmetric, TpmRc::ASYMMETRIC),
            (WireError::Handle, TpmRc::VALUE),
            (WireError::Range, TpmRc::RANGE),
            (WireError::Overflow, TpmRc::FAILURE),
        ];
        for (e, rc) in table {
            assert_eq!(TpmRc::from(e), rc, "{e:?}");
        }
        // Every mapped unmarshal error is format one, so the dispatcher can number it.
        for (e, rc) in table {
            if e != WireError::Overflow {
                assert!(rc.is_format_one(), "{e:?}");
            }
        }
    }

    proptest! {
        #[test]
        fn raw_roundtrip(v in 1u32..) {
            let rc = TpmRc::from_raw(v).unwrap();
            prop_assert_eq!(rc.raw(), v);
            prop_assert_eq!(TpmRc::from_raw(rc.raw()), Some(rc));
        }

        #[test]
        fn numbering_roundtrip(i in 0usize..TpmRc::ALL_NAMED.len(), n in 1u8..=15, kind in 0u8..3) {
            let (_, rc) = TpmRc::ALL_NAMED[i];
            let numbered = match kind {
                0 => rc.handle(n),
                1 => rc.session(n),
                _ => rc.parameter(n),
            };
            if !rc.is_format_one() || (kind < 2 && n > 7) {
                prop_assert_eq!(numbered, rc);
            } else {
                prop_assert_eq!(numbered.base(), rc);
                let want = match kind {
                    0 => RcIndex::Handle(n),
                    1 => RcIndex::Session(n),
                    _ => RcIndex::Parameter(n),
                };
                prop_assert_eq!(numbered.index(), Some(want));
                prop_assert_eq!(TpmRc::from_raw(numbered.raw()), Some(numbered));
            }
        }

        #[test]
        fn display_never_panics(v in 1u32..) {
            let rc = TpmRc::from_raw(v).unwrap();
            prop_assert!(!rc.to_string().is_empty());
        }
    }
}
