//! ferrotpm: the swtpm-compatible daemon. The binary `swtpm` is a drop-in for swtpm(8)'s
//! `socket` and `chardev` front ends as libvirt launches them and QEMU's `-tpmdev emulator`,
//! swtpm_setup, swtpm_ioctl and tpm2-tss's swtpm TCTI drive them.
//!
//! What it is:
//! - [`cli`]: swtpm's command line (GNU getopt_long with prefixes, sub-options, error texts).
//! - [`daemon`]: start-up in swtpm's order and the single-threaded poll loop serving the
//!   control and data channels, one client each, over non-blocking sockets.
//! - [`handler`]: the TPM 2.0 engine behind swtpm_ioctls(3)'s CMD_* and the data channel,
//!   with the state directory (tpm-store) written before each response is released.
//! - [`ioctl`]: the `swtpm_ioctl` control-channel client (options, messages, exit codes).
//! - `sys`: the one module allowed `unsafe`: adopting inherited fds named on the command line,
//!   `-d`, `--chroot`, `--runas` and the `--seccomp` filter.
//!
//! What it is not (yet): TPM 1.2, CUSE, profiles, `--print-info`, and swtpm_setup. Each is
//! refused by name, never ignored.
#![deny(unsafe_code)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

pub mod cli;
pub mod daemon;
mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod handler;
pub mod ioctl;
pub mod log;
pub mod sys;

pub use error::Error;
