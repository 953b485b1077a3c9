//! The codec's error: what went wrong while reading wire bytes.

use core::fmt;

/// Why unmarshalling failed.
///
/// Small and `Copy`. Each variant names the TPM 2.0 response code it becomes (TPM 2.0 Part 3
/// §5.8.2, Table 2); the mapping itself lives in `tpm2-types` (`impl From<WireError> for TpmRc`)
/// and, for TPM 1.2, in `tpm12-types`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WireError {
    /// The input ended before the value did (TPM_RC_INSUFFICIENT).
    Insufficient,
    /// Bytes remain after the value that should have consumed the input (TPM_RC_SIZE).
    Trailing,
    /// A size or count field is out of the range the type allows (TPM_RC_SIZE).
    Size,
    /// A value is not one the type allows (TPM_RC_VALUE).
    Value,
    /// A union selector is not one the union allows (TPM_RC_SELECTOR).
    Selector,
    /// A structure tag is wrong (TPM_RC_TAG).
    Tag,
    /// A command header's tag is neither TPM_ST_NO_SESSIONS nor TPM_ST_SESSIONS
    /// (TPM_RC_BAD_TAG, TPM 2.0 Part 2 §9.35 TPMI_ST_COMMAND_TAG; libtpms
    /// `TPMI_ST_COMMAND_TAG_Unmarshal`).
    BadTag,
    /// Reserved bits of an attribute field are set (TPM_RC_RESERVED_BITS).
    ReservedBits,
    /// A hash algorithm is not allowed here or not implemented (TPM_RC_HASH).
    Hash,
    /// A symmetric algorithm is not allowed or not implemented (TPM_RC_SYMMETRIC).
    Symmetric,
    /// A scheme is not allowed or not implemented (TPM_RC_SCHEME).
    Scheme,
    /// A key derivation function is not allowed or not implemented (TPM_RC_KDF).
    Kdf,
    /// An ECC curve is not allowed or not implemented (TPM_RC_CURVE).
    Curve,
    /// A symmetric mode is not allowed or not implemented (TPM_RC_MODE).
    Mode,
    /// A key size is not allowed (TPM_RC_KEY_SIZE).
    KeySize,
    /// An object or algorithm type is not allowed here (TPM_RC_TYPE).
    Type,
    /// An asymmetric algorithm is not allowed here (TPM_RC_ASYMMETRIC).
    Asymmetric,
    /// A handle is not of a type allowed here (TPM_RC_VALUE at a handle position).
    Handle,
    /// The value is outside its numeric range (TPM_RC_RANGE).
    Range,
    /// The output buffer is too small for the value (writer side; never from guest input).
    Overflow,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            WireError::Insufficient => "input ended early",
            WireError::Trailing => "trailing bytes after value",
            WireError::Size => "size or count out of range",
            WireError::Value => "value not allowed",
            WireError::Selector => "union selector not allowed",
            WireError::Tag => "wrong structure tag",
            WireError::BadTag => "command tag is not a TPMI_ST_COMMAND_TAG",
            WireError::ReservedBits => "reserved bits set",
            WireError::Hash => "hash algorithm not allowed",
            WireError::Symmetric => "symmetric algorithm not allowed",
            WireError::Scheme => "scheme not allowed",
            WireError::Kdf => "KDF not allowed",
            WireError::Curve => "ECC curve not allowed",
            WireError::Mode => "symmetric mode not allowed",
            WireError::KeySize => "key size not allowed",
            WireError::Type => "type not allowed",
            WireError::Asymmetric => "asymmetric algorithm not allowed",
            WireError::Handle => "handle type not allowed",
            WireError::Range => "value out of range",
            WireError::Overflow => "output buffer too small",
        };
        f.write_str(s)
    }
}

impl std::error::Error for WireError {}
