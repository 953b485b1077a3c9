//! swtpm-protocol: the wire protocol between QEMU/libvirt/swtpm_ioctl and an swtpm-compatible
//! daemon, as defined by swtpm's `include/swtpm/tpm_ioctl.h` and implemented by swtpm's
//! `src/swtpm/ctrlchannel.c` (control channel) and `src/swtpm/mainloop.c` (data channel).
//!
//! What it is:
//! - [`consts`]: the `CMD_*` codes, `PTM_CAP_*` bits, flags, blob types and the TPM 1.2
//!   numbered result codes the control channel uses even for TPM 2 ([`PtmRes`]).
//! - [`messages`]: one struct per request and per response, encoded and decoded both ways
//!   (big-endian, the socket/chardev layout, not the host-endian CUSE ioctl layout).
//! - [`server`]: the [`ControlHandler`] trait (one method per command) and the
//!   [`ControlServer`] state machine that owns framing, sizes, the fd flag and ordering
//!   (commands that need a running TPM, commands that need a stopped one).
//! - [`client`]: request encoders and incremental response decoders, plus blocking helpers
//!   over `std::io::{Read, Write}` for tools and tests.
//! - [`data`]: data-channel framing: plain TPM frames and the MS-simulator
//!   `TPM_SEND_COMMAND` prefix (capability `PTM_CAP_SEND_COMMAND_HEADER`).
//!
//! What it is not: no sockets, no fds, no clocks, no TPM. The daemon reads bytes, feeds them
//! in, writes what comes out, and passes an `SCM_RIGHTS` fd only as a flag; the 500 ms
//! receive window swtpm applies is the transport's timer (see [`ControlServer::timed_out`]).
//! Nothing here panics on any input: every length is checked before use.
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

pub mod client;
pub mod consts;
pub mod data;
#[doc(hidden)]
pub mod fuzzing;
pub mod messages;
pub mod server;

mod codec;

pub use consts::{BlobType, CtrlCmd, PtmRes};
pub use messages::{Request, Response};
pub use server::{ControlHandler, ControlServer, Disposition, ServerConfig, Step};
