//! tpm-device: where engines and front doors meet.
//!
//! What it is: the [`TpmEngine`] trait that the TPM 2.0 engine (and later the TPM 1.2 engine)
//! implement, and that the daemon (`swtpm socket|chardev`), the TIS/CRB register models and the
//! vhost-user backend drive, with its few shared types: [`StateKind`], [`InitFlags`],
//! [`EngineError`], [`TpmFamily`], and the versioned container every state image uses
//! ([`image`]). The trait mirrors what swtpm's control channel asks of
//! libtpms (swtpm_ioctls(3): CMD_INIT, CMD_SHUTDOWN, CMD_GET_TPMESTABLISHED,
//! CMD_RESET_TPMESTABLISHED, CMD_HASH_START/DATA/END, CMD_GET/SET_STATEBLOB) plus command
//! execution, so that a front door needs nothing else.
//!
//! What it is not: no engine, no I/O, no state files. Engines are pure and synchronous: they get
//! their RNG and clock injected and never touch the OS; the store decides where images go.
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

pub mod image;

use core::fmt;

use zeroize::Zeroizing;

/// Which TPM family an engine implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TpmFamily {
    /// TPM 1.2 (TCG TPM Main Specification 1.2).
    Tpm12,
    /// TPM 2.0 (TCG TPM 2.0 Library Specification).
    Tpm20,
}

/// The three state images a TPM keeps, as swtpm and libtpms name them.
///
/// `Permanent` is `tpm2-00.permall` (seeds, hierarchy data, NV, persistent objects, ...),
/// `Volatile` is `tpm2-00.volatilestate` (what survives a suspend of the emulator process:
/// loaded objects, sessions, PCRs), `Savestate` is `tpm2-00.savestate` (what TPM2_Shutdown(STATE)
/// keeps for a later TPM2_Startup(STATE)). swtpm_ioctls(3) CMD_GET_STATEBLOB types 1, 2, 3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StateKind {
    /// Permanent state (blob type 1, PTM_BLOB_TYPE_PERMANENT).
    Permanent,
    /// Volatile state (blob type 2, PTM_BLOB_TYPE_VOLATILE).
    Volatile,
    /// Savestate (blob type 3, PTM_BLOB_TYPE_SAVESTATE).
    Savestate,
}

impl StateKind {
    /// Every kind, in the order swtpm numbers them.
    pub const ALL: [StateKind; 3] = [
        StateKind::Permanent,
        StateKind::Volatile,
        StateKind::Savestate,
    ];
}

/// Options of power-on (swtpm_ioctls(3) CMD_INIT, `ptm_init.u.req.init_flags`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InitFlags {
    /// PTM_INIT_FLAG_DELETE_VOLATILE: discard the volatile state after loading it, so that a
    /// later crash cannot resume from it.
    pub delete_volatile: bool,
}

/// Why an engine refused a host-side request.
///
/// Never caused by guest bytes on the data channel: those always get a TPM response.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EngineError {
    /// The engine is not powered on (no `init` since the last `shutdown`).
    NotRunning,
    /// The engine is powered on and the request needs it off (or the reverse).
    Busy,
    /// A state image is malformed, truncated, or fails its own integrity checks.
    BadState(&'static str),
    /// A state image was written by a newer format version than this engine reads.
    UnsupportedVersion {
        /// The version found in the image.
        found: u32,
        /// The newest version this engine reads.
        supported: u32,
    },
    /// A state image belongs to another TPM family or profile.
    WrongFamily,
    /// The request is not allowed at this locality.
    Locality,
    /// The engine is in failure mode (a broken invariant), as TPM_RC_FAILURE reports it.
    Failure,
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::NotRunning => f.write_str("the TPM is not running (no INIT)"),
            EngineError::Busy => f.write_str("the TPM is running; stop it first"),
            EngineError::BadState(why) => write!(f, "bad state image: {why}"),
            EngineError::UnsupportedVersion { found, supported } => write!(
                f,
                "state image version {found} is newer than this build reads ({supported})"
            ),
            EngineError::WrongFamily => f.write_str("state image is of another TPM family"),
            EngineError::Locality => f.write_str("not allowed at this locality"),
            EngineError::Failure => f.write_str("the TPM is in failure mode"),
        }
    }
}

impl std::error::Error for EngineError {}

/// A TPM engine as front doors see it.
///
/// Implementations are pure and synchronous: no I/O, no threads, no clocks or randomness of
/// their own. Guest-facing input goes through [`TpmEngine::execute`], which always produces a
/// well-formed TPM response, whatever the bytes.
pub trait TpmEngine {
    /// The family this engine implements.
    fn family(&self) -> TpmFamily;

    /// Execute one command received at `locality` (0-4) and write the response into `rsp`.
    ///
    /// Returns the response length. The response is always well-formed (its size field equals
    /// the returned length): malformed input gets the response code the specification
    /// prescribes, and a broken invariant gets TPM_RC_FAILURE (TPM 1.2: TPM_FAIL), never a
    /// panic. `rsp` must hold at least [`TpmEngine::max_response_size`] bytes; a shorter buffer
    /// gets a response-too-large error response if even that fits, else 0.
    fn execute(&mut self, locality: u8, cmd: &[u8], rsp: &mut [u8]) -> usize;

    /// The largest command this engine accepts (TPM_PT_MAX_COMMAND_SIZE).
    fn max_command_size(&self) -> usize;

    /// The largest response this engine produces (TPM_PT_MAX_RESPONSE_SIZE).
    fn max_response_size(&self) -> usize;

    /// Power on (_TPM_Init): start from the state images given with [`TpmEngine::set_state`]
    /// (a fresh TPM when none were given), as swtpm_ioctls(3) CMD_INIT does.
    ///
    /// # Errors
    /// A state image cannot be used; the engine stays off and keeps nothing of it.
    fn init(&mut self, flags: InitFlags) -> Result<(), EngineError>;

    /// Power off. The caller sends TPM2_Shutdown first when the guest did not (swtpm's
    /// auto-shutdown rule lives in the daemon, not here).
    fn shutdown(&mut self);

    /// True between `init` and `shutdown`.
    fn is_running(&self) -> bool;

    /// The TPM-established flag as the TPM keeps it (TPM_ACCESS.tpmEstablishment is its
    /// inverse; the front end does that inversion: QEMU TIS/CRB expose `!flag`).
    fn established(&self) -> bool;

    /// Reset the TPM-established flag (swtpm_ioctls(3) CMD_RESET_TPMESTABLISHED).
    ///
    /// # Errors
    /// [`EngineError::Locality`] below locality 3 (PC Client PTP: only localities 3 and 4
    /// may reset it); [`EngineError::NotRunning`] before `init`.
    fn reset_established(&mut self, locality: u8) -> Result<(), EngineError>;

    /// _TPM_Hash_Start (TPM 2.0 Part 3 §6.3; H-CRTM sequence at locality 4).
    ///
    /// # Errors
    /// [`EngineError::NotRunning`] before `init`.
    fn hash_start(&mut self) -> Result<(), EngineError>;

    /// _TPM_Hash_Data (TPM 2.0 Part 3 §6.4).
    ///
    /// # Errors
    /// [`EngineError::NotRunning`] before `init`, or no sequence was started.
    fn hash_data(&mut self, data: &[u8]) -> Result<(), EngineError>;

    /// _TPM_Hash_End (TPM 2.0 Part 3 §6.5): extend the H-CRTM measurement into PCR 0 (before
    /// Startup) or PCR 17 (DRTM).
    ///
    /// # Errors
    /// [`EngineError::NotRunning`] before `init`, or no sequence was started.
    fn hash_end(&mut self) -> Result<(), EngineError>;

    /// The current image of `kind` in this engine's versioned format (empty when the engine
    /// has no such state, e.g. no savestate after Shutdown(CLEAR)).
    fn state(&self, kind: StateKind) -> Zeroizing<Vec<u8>>;

    /// Give the engine an image of `kind` to use at the next `init` (or at once for a running
    /// engine's volatile state when swtpm would). An empty image deletes that state.
    ///
    /// # Errors
    /// The image is malformed, of a newer version, or of another family; nothing changes then.
    fn set_state(&mut self, kind: StateKind, image: &[u8]) -> Result<(), EngineError>;

    /// Which image changed since it was last taken, and must be persisted before the response
    /// that changed it is released. Call until it returns `None`.
    fn take_dirty(&mut self) -> Option<StateKind>;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The trait must stay object-safe: the daemon holds a `Box<dyn TpmEngine>`.
    #[test]
    fn object_safe() {
        fn takes(_: Option<Box<dyn TpmEngine>>) {}
        takes(None);
    }

    #[test]
    fn errors_display() {
        let e = EngineError::UnsupportedVersion {
            found: 9,
            supported: 1,
        };
        assert_eq!(
            e.to_string(),
            "state image version 9 is newer than this build reads (1)"
        );
    }
}
