//! State images on disk, compatible with swtpm's storage (swtpm-interface §7).
//!
//! What this crate is:
//! - [`key`]: the `--key` / `--migration-key` option values (`file=`, `fd=`, `pwdfile=`,
//!   `pwdfd=`, `format=`, `mode=`, `kdf=`, `remove=`) and the key derivation swtpm uses
//!   (PBKDF2-HMAC-SHA512 with salt `swtpm` and 1000 iterations, or SHA-512 truncation).
//! - [`blob`]: swtpm's state-file wrapper (header v2 + TLVs, legacy v1 read), its encryption
//!   (AES-CBC padded to the key length, HMAC-SHA256 over ciphertext ‖ IV) and the migration
//!   blob format of CMD_GET_STATEBLOB / CMD_SET_STATEBLOB.
//! - [`dir`]: the directory backend (`tpm2-00.permall` …), atomic crash-safe writes, the
//!   `.lock` file with an fcntl write lock that interoperates with swtpm's.
//! - [`backend`]: [`Store`], either backend behind one interface (load/store/delete/lock).
//! - [`linear`]: the linear file backend (`file://`), a 192-byte header and a section table,
//!   every offset and length checked against the file size.
//!
//! What it is not: it does not interpret the state images (libtpms's or ours); it does not
//! parse the command line (it parses one option's value); it does not adopt raw file
//! descriptor numbers (the daemon turns `fd=N` into an [`std::os::fd::OwnedFd`]); it does not
//! decide when to persist. Nothing here panics on file contents; every length read from disk is
//! checked before use.
//!
//! Safety rule for callers: never start a fresh TPM over state that exists but cannot be read
//! (wrong key, modified byte, unknown format). Every such case is an [`Error`] here, never an
//! empty result.

#![forbid(unsafe_code)]

pub mod backend;
pub mod blob;
pub mod dir;
#[doc(hidden)]
pub mod fuzzing;
pub mod key;
pub mod linear;
pub mod lock;

pub use backend::{FileStore, Store};
pub use blob::{unwrap_migration, unwrap_state, wrap_migration, wrap_state};
pub use dir::{DirStore, StateName, TpmVersion};
pub use key::{KeyOptions, StateKey};
pub use lock::StateLock;

use std::path::PathBuf;

/// Host-side failures of the state store. TPM result codes are chosen by the daemon, not here.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An operating-system call on a state, key or lock file failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, with the path.
        context: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The `--key` / `--migration-key` option value is invalid (texts follow swtpm's).
    #[error("Error parsing key options: {0}")]
    KeyOption(String),
    /// The key or passphrase material read from the file or fd is invalid.
    #[error("Invalid key material: {0}")]
    KeyMaterial(String),
    /// The blob is shorter than the 10-byte header (CVE-2026-75900).
    #[error("state blob of {0} bytes is shorter than the 10-byte header")]
    ShortBlob(usize),
    /// The header's total length does not equal the blob's length (CVE-2022-23645).
    #[error("broken state header: total length {header} != blob length {actual}")]
    TotalLength {
        /// `totlen` from the header.
        header: u32,
        /// Bytes actually present.
        actual: usize,
    },
    /// The header's size field is not 10.
    #[error("bad state header size: {0} != 10")]
    HeaderSize(u16),
    /// The header version cannot be read by this implementation.
    #[error("unsupported state header version {version} (minimum reader version {min_version})")]
    Version {
        /// `version` from the header.
        version: u8,
        /// `min_version` from the header.
        min_version: u8,
    },
    /// The header sets flag bits that no swtpm version defines, or flags that contradict the
    /// kind of file (migration flags on a state file, an encrypted flag without ciphertext).
    #[error("state header flags {0:#06x} are not valid for this file")]
    Flags(u16),
    /// A TLV in the body runs past the end of the body.
    #[error("malformed TLV at body offset {0}")]
    MalformedTlv(usize),
    /// A TLV tag this implementation consumes appears more than once.
    #[error("TLV tag {0} appears more than once")]
    DuplicateTlv(u16),
    /// A required TLV is absent.
    #[error("TLV tag {0} is missing")]
    MissingTlv(u16),
    /// The state (or migration blob) is encrypted but no key is configured.
    #[error("the state is encrypted but no key is configured")]
    KeyRequired,
    /// A key is configured but the stored state is not encrypted (swtpm refuses it too).
    #[error("a state key is configured but the stored state is not encrypted")]
    NotEncrypted,
    /// The key's size differs from the one the blob header names.
    #[error(
        "wrong decryption key: the blob needs a {blob_bits}-bit key, the key has {key_bits} bits"
    )]
    KeySize {
        /// Key size named by the header flags.
        blob_bits: u16,
        /// Size of the configured key.
        key_bits: u16,
    },
    /// The IV TLV is shorter than one AES block.
    #[error("IV of {0} bytes is shorter than 16")]
    BadIv(usize),
    /// The HMAC (or the legacy v1 hash) does not match: wrong key or modified data.
    #[error("state authentication failed: wrong key or modified data (HMAC mismatch)")]
    Integrity,
    /// The ciphertext length is not a positive multiple of 16 at least the key length.
    #[error("ciphertext length {0} is not a valid AES-CBC length")]
    CiphertextLength(usize),
    /// Authenticated ciphertext decrypted to invalid padding (a broken writer).
    #[error("invalid padding after decryption")]
    Padding,
    /// The data is larger than the 32-bit length fields allow.
    #[error("data of {0} bytes does not fit in the state format")]
    TooLarge(usize),
    /// Getting random bytes for an IV failed.
    #[error("random IV generation failed: {0}")]
    Random(String),
    /// A state file or directory entry is a symbolic link (CVE-2020-28407).
    #[error("refusing to follow symbolic link {0}")]
    Symlink(PathBuf),
    /// A state file is not a regular file.
    #[error("{0} is not a regular file")]
    NotRegular(PathBuf),
    /// The storage lock is held by someone else (swtpm's message).
    #[error("Could not lock access to lockfile {path}: {source}")]
    Locked {
        /// The lock file.
        path: PathBuf,
        /// The last fcntl error.
        #[source]
        source: std::io::Error,
    },
    /// The `file://` store is locked by someone else (swtpm `SWTPM_NVRAM_LinearFile_Lock`).
    #[error("Could not lock backend-uri file://{path}: {source}")]
    LockedUri {
        /// The file.
        path: PathBuf,
        /// The last fcntl error.
        #[source]
        source: std::io::Error,
    },
    /// The linear file's header is invalid (which check failed is in the text).
    #[error("linear state file: {0}")]
    Linear(String),
    /// The linear store has no room (a block device cannot grow).
    #[error("linear state file: no space for {needed} bytes (size {size})")]
    LinearNoSpace {
        /// Bytes needed in total.
        needed: u64,
        /// Current size.
        size: u64,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let context = context.into();
    move |source| Error::Io { context, source }
}
