//! The daemon's host-side failures (CLI, sockets, state files, logging). TPM and control
//! channel result codes are chosen in `handler`, not here.

use std::path::PathBuf;

/// Host-side failures of the `swtpm` daemon.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A socket, file or poll call failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// An inherited file descriptor named on the command line cannot be used.
    #[error("{what}: file descriptor {fd}: {why}")]
    Fd {
        /// Which option named it.
        what: String,
        /// The number.
        fd: i32,
        /// Why it was refused.
        why: String,
    },
    /// The state store refused an operation (lock, read, write, key).
    #[error(transparent)]
    Store(#[from] tpm_store::Error),
    /// The TPM engine refused its state or power-on (the cause follows in the error chain).
    #[error("the TPM engine refused its state or power-on")]
    Engine(#[from] tpm_device::EngineError),
    /// A configuration the daemon cannot run with (message says which).
    #[error("{0}")]
    Config(String),
    /// A TPM command the daemon sends itself (Startup) failed.
    #[error("{what} failed with TPM response code 0x{rc:x}")]
    TpmCommand {
        /// The command.
        what: &'static str,
        /// The response code.
        rc: u32,
    },
    /// A socket path is too long or otherwise unusable.
    #[error("invalid socket path {0}")]
    SocketPath(PathBuf),
}

/// `map_err` helper with a context string.
pub(crate) fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let context = context.into();
    move |source| Error::Io { context, source }
}
