//! The server side of the control channel: the [`ControlHandler`] trait the daemon implements
//! (one method per `CMD_*`), and the [`ControlServer`] state machine that owns framing,
//! payload sizes, the SCM_RIGHTS fd flag and the ordering rules of swtpm's
//! `src/swtpm/ctrlchannel.c`.
//!
//! Framing model. swtpm reads a message as "what one `recvmsg` returned, topped up by further
//! reads within 500 ms until the command's minimum length is there, at most 4 + 4100 bytes"
//! (`ctrlchannel_recv_cmd`); the whole of that buffer is the message, and its size is then
//! checked. The server reproduces that with chunks: each [`ControlServer::feed`] is one read;
//! a message takes every byte of the chunk that completes it (up to
//! [`CTRL_RECV_BUFFER`]), so a client that pipelines or pads
//! gets the same TPM_BAD_PARAMETER swtpm gives. Unlike swtpm, the minimum is known for every
//! command ([`Request::needed_payload`]), so any fragmentation of a well-formed request works.
//! CMD_HASH_DATA and CMD_SET_STATEBLOB bodies beyond the receive buffer stream in any pieces.
//!
//! Ordering (swtpm `ctrlchannel_process_fd`): GET_TPMESTABLISHED, RESET_TPMESTABLISHED,
//! HASH_START/DATA/END, CANCEL_TPM_CMD, STORE_VOLATILE and GET_STATEBLOB need a running TPM
//! (after a successful INIT, before STOP/SHUTDOWN), else TPM_BAD_ORDINAL, checked before the
//! payload size; SET_STATEBLOB and a non-zero SET_BUFFERSIZE need a stopped TPM, else
//! TPM_BAD_ORDINAL. Everything else works in either state.
//!
//! Deliberate differences from swtpm, all for requests swtpm cannot handle either:
//! - a HASH_DATA or SET_STATEBLOB refused before its body is read (wrong state, lock
//!   failure, handler error mid-stream) is answered at once and its declared body is then
//!   skipped, where swtpm would parse the unread body bytes as further commands;
//! - a SET_STATEBLOB longer than 512 KiB is answered TPM_FAIL and the connection is closed
//!   (swtpm answers TPM_FAIL and parses the body as commands).

use crate::codec::Rd;
use crate::consts::{
    BlobType, CTRL_RECV_BUFFER, CtrlCmd, HASH_DATA_CHUNK, MAX_SET_STATEBLOB, PtmRes,
};
use crate::messages::{
    CapabilityResponse, EstablishedResponse, GetConfigResponse, GetInfoResponse,
    GetStateBlobResponse, Request, Response, SET_STATEBLOB_HEADER_LEN, SetBufferSizeResponse,
    SetStateBlobHeader,
};

/// A state blob as the handler returns it for CMD_GET_STATEBLOB.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct StateBlob {
    /// The blob is encrypted (migration key, or the state-file key when no decryption was
    /// asked for): the reply's `PTM_STATE_FLAG_ENCRYPTED`.
    pub encrypted: bool,
    /// The whole blob (the server applies the request's offset).
    pub data: Vec<u8>,
}

/// Buffer sizes reported by CMD_SET_BUFFERSIZE.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct BufferSizes {
    /// Size in use (from the next INIT).
    pub buffer_size: u32,
    /// Minimum supported.
    pub min_size: u32,
    /// Maximum supported.
    pub max_size: u32,
}

/// What the daemon does for each control command, over its engine and store. The server has
/// already checked sizes, localities and the running/stopped rules; the handler only acts.
/// Results are TPM 1.2 numbered ([`PtmRes`]).
pub trait ControlHandler {
    /// swtpm_ioctls(3) CMD_GET_CAPABILITY: the `PTM_CAP_*` bits to advertise.
    fn capabilities(&mut self) -> u32;
    /// swtpm_ioctls(3) CMD_INIT: (auto TPM2_Shutdown if running,) terminate, start the TPM
    /// loading its state; `init_flags` bit 0 deletes the volatile state after loading.
    /// Success makes the TPM running; any error leaves it stopped.
    fn init(&mut self, init_flags: u32) -> PtmRes;
    /// swtpm_ioctls(3) CMD_SHUTDOWN: power off; the server answers 0 and asks the daemon to
    /// exit ([`Disposition::Exit`]).
    fn shutdown(&mut self);
    /// swtpm_ioctls(3) CMD_STOP: power off, keep the process (always answered 0).
    fn stop(&mut self);
    /// swtpm_ioctls(3) CMD_GET_TPMESTABLISHED: the established flag.
    fn get_tpm_established(&mut self) -> Result<bool, PtmRes>;
    /// swtpm_ioctls(3) CMD_SET_LOCALITY: locality (already checked ≤ 4, and ≠ 4 when rejected)
    /// for later TPM commands.
    fn set_locality(&mut self, locality: u8);
    /// swtpm_ioctls(3) CMD_HASH_START.
    fn hash_start(&mut self) -> PtmRes;
    /// swtpm_ioctls(3) CMD_HASH_DATA: one piece (≤ 4096 bytes) of the data; called per piece.
    fn hash_data(&mut self, data: &[u8]) -> PtmRes;
    /// swtpm_ioctls(3) CMD_HASH_END.
    fn hash_end(&mut self) -> PtmRes;
    /// swtpm_ioctls(3) CMD_CANCEL_TPM_CMD.
    fn cancel_tpm_cmd(&mut self) -> PtmRes;
    /// swtpm_ioctls(3) CMD_STORE_VOLATILE: write the volatile state to the store.
    fn store_volatile(&mut self) -> PtmRes;
    /// swtpm_ioctls(3) CMD_RESET_TPMESTABLISHED at `locality` (checked ≤ 4).
    fn reset_tpm_established(&mut self, locality: u8) -> PtmRes;
    /// swtpm_ioctls(3) CMD_GET_STATEBLOB: the whole blob. `state_flags` bit 0 asks for it
    /// without state-file encryption. A missing blob is `Err(TPM_RETRY)`. The volatile blob
    /// is stored first and its file deleted; after the savestate blob the storage lock is
    /// released (newest swtpm).
    fn get_state_blob(&mut self, state_flags: u32, blob: BlobType) -> Result<StateBlob, PtmRes>;
    /// Before a SET_STATEBLOB body is read: make sure the storage is locked. `false` answers
    /// TPM_IOERROR and ends the process, as newest swtpm does.
    fn ensure_storage_locked(&mut self) -> bool;
    /// swtpm_ioctls(3) CMD_SET_STATEBLOB: the whole body (length 0 clears a cached blob).
    fn set_state_blob(&mut self, state_flags: u32, blob: BlobType, data: &[u8]) -> PtmRes;
    /// swtpm_ioctls(3) CMD_GET_CONFIG: `PTM_CONFIG_FLAG_*`.
    fn get_config(&mut self) -> u32;
    /// True while a data channel exists: an fd from an earlier SET_DATAFD, or a `--server`
    /// listener (swtpm keeps the listening socket in the same slot; real swtpm 0.7.1 with
    /// `--server type=tcp` answers SET_DATAFD with TPM_IOERROR). CMD_SET_DATAFD is then
    /// TPM_IOERROR.
    fn has_data_channel(&mut self) -> bool;
    /// swtpm_ioctls(3) CMD_SET_DATAFD: adopt the fd the transport received with this
    /// message as the data channel (keep-connection mode).
    fn set_datafd(&mut self) -> PtmRes;
    /// swtpm_ioctls(3) CMD_SET_BUFFERSIZE: 0 queries; else clamp into [min, max] and use from
    /// the next INIT (only called with non-zero while stopped).
    fn set_buffer_size(&mut self, requested: u32) -> BufferSizes;
    /// swtpm_ioctls(3) CMD_GET_INFO: the JSON text for `flags` (without NUL); `None` is
    /// TPM_SIZE (out of memory).
    fn get_info(&mut self, flags: u64) -> Option<String>;
    /// swtpm_ioctls(3) CMD_LOCK_STORAGE: lock, retrying `retries` times every 10 ms;
    /// TPM_FAIL when it cannot.
    fn lock_storage(&mut self, retries: u32) -> PtmRes;
}

/// Server settings from the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerConfig {
    /// The TPM runs without CMD_INIT (`--flags not-need-init`).
    pub tpm_running: bool,
    /// `--locality reject-locality-4`: SET_LOCALITY(4) is TPM_BAD_LOCALITY.
    pub reject_locality_4: bool,
    /// Largest SET_STATEBLOB body (512 KiB in swtpm).
    pub max_state_blob: u32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            tpm_running: false,
            reject_locality_4: false,
            max_state_blob: MAX_SET_STATEBLOB,
        }
    }
}

/// What the transport does after writing [`Step::reply`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, PartialOrd, Ord)]
pub enum Disposition {
    /// Keep the connection.
    #[default]
    Continue,
    /// Close this control connection (the daemon keeps running).
    CloseConnection,
    /// Exit the process (CMD_SHUTDOWN, or storage lock failure on SET_STATEBLOB).
    Exit,
}

/// The outcome of feeding one chunk.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Step {
    /// Bytes to write, in one write (empty: nothing to send yet).
    pub reply: Vec<u8>,
    /// The fd that came with the chunk became the data channel (SET_DATAFD succeeded);
    /// otherwise the transport closes it.
    pub fd_used: bool,
    /// What to do after writing.
    pub disposition: Disposition,
}

impl Step {
    fn push(&mut self, r: &Response) {
        self.reply.extend_from_slice(&r.encode());
    }
    fn push_res(&mut self, r: PtmRes) {
        self.push(&Response::Result(r));
    }
    fn dispose(&mut self, d: Disposition) {
        self.disposition = self.disposition.max(d);
    }
}

/// Receive state.
#[derive(Debug, Default)]
enum Rx {
    /// Between messages.
    #[default]
    Idle,
    /// Collecting code + payload up to the command's minimum (the receive buffer).
    Head { buf: Vec<u8>, fd: bool },
    /// Streaming a HASH_DATA body.
    HashBody { remain: u64 },
    /// Collecting a SET_STATEBLOB body.
    StateBody {
        hdr: SetStateBlobHeader,
        data: Vec<u8>,
    },
    /// Skipping the rest of a refused body.
    Discard { remain: u64 },
}

/// The control-channel state machine for one daemon: feed it what each read returned, write
/// what it answers. Holds the "TPM running" flag that swtpm's main loop keeps.
#[derive(Debug)]
pub struct ControlServer {
    cfg: ServerConfig,
    running: bool,
    rx: Rx,
}

impl ControlServer {
    /// A server in its start state.
    pub fn new(cfg: ServerConfig) -> Self {
        ControlServer {
            cfg,
            running: cfg.tpm_running,
            rx: Rx::Idle,
        }
    }

    /// True after a successful CMD_INIT and until CMD_STOP/CMD_SHUTDOWN (or a failed INIT).
    /// The data channel answers the fatal error response while this is false.
    pub fn tpm_running(&self) -> bool {
        self.running
    }

    /// True while a message is partly received.
    pub fn mid_message(&self) -> bool {
        !matches!(self.rx, Rx::Idle)
    }

    /// True while collecting the receive buffer, the phase swtpm bounds with its 500 ms
    /// window; the transport calls [`ControlServer::timed_out`] when it expires.
    pub fn in_receive_window(&self) -> bool {
        matches!(self.rx, Rx::Head { .. })
    }

    /// Bytes still declared outstanding for the current message, if known: the server never
    /// waits for more than this.
    pub fn outstanding(&self) -> Option<u64> {
        match &self.rx {
            Rx::Idle => None,
            Rx::Head { buf, .. } => {
                let Some(code) = crate::codec::be32_at(buf, 0) else {
                    return Some(4u64.saturating_sub(buf.len() as u64));
                };
                let payload = buf.get(4..).unwrap_or(&[]);
                let have = payload.len() as u64;
                let need = match CtrlCmd(code) {
                    // Until the header is in, the header is what is outstanding.
                    CtrlCmd::HASH_DATA => 4,
                    CtrlCmd::SET_STATEBLOB => SET_STATEBLOB_HEADER_LEN as u64,
                    c => Request::needed_payload(c, payload).unwrap_or(0),
                };
                Some(need.saturating_sub(have))
            }
            Rx::HashBody { remain } | Rx::Discard { remain } => Some(*remain),
            Rx::StateBody { hdr, data } => {
                Some(u64::from(hdr.length).saturating_sub(data.len() as u64))
            }
        }
    }

    /// The receive window expired mid-message: swtpm closes the connection without an
    /// answer. Resets the receive state.
    pub fn timed_out(&mut self) -> Disposition {
        let was = self.mid_message();
        self.rx = Rx::Idle;
        if was {
            Disposition::CloseConnection
        } else {
            Disposition::Continue
        }
    }

    /// The control client went away (or a new one connected): forget any partial message.
    /// The TPM state (running or not) is unaffected.
    pub fn reset_connection(&mut self) {
        self.rx = Rx::Idle;
    }

    /// Feeds one chunk as one read returned it; `fd_attached`: an SCM_RIGHTS fd came with
    /// it. Calls the handler for every message the chunk completes and returns the replies.
    pub fn feed<H: ControlHandler + ?Sized>(
        &mut self,
        h: &mut H,
        chunk: &[u8],
        fd_attached: bool,
    ) -> Step {
        let mut step = Step::default();
        let mut rest = chunk;
        let mut fd_avail = fd_attached;
        loop {
            let rx = core::mem::take(&mut self.rx);
            match rx {
                Rx::Idle => {
                    if rest.is_empty() {
                        break;
                    }
                    // An fd belongs to the message whose first bytes it came with.
                    self.rx = Rx::Head {
                        buf: Vec::new(),
                        fd: core::mem::take(&mut fd_avail),
                    };
                }
                Rx::Head { mut buf, fd } => {
                    let room = CTRL_RECV_BUFFER.saturating_sub(buf.len());
                    let (now, later) = rest.split_at(rest.len().min(room));
                    buf.extend_from_slice(now);
                    rest = later;
                    match Self::head_complete(&buf) {
                        HeadState::Wait if buf.len() < CTRL_RECV_BUFFER => {
                            self.rx = Rx::Head { buf, fd };
                            break;
                        }
                        _ => self.dispatch(h, &buf, fd, &mut step),
                    }
                }
                Rx::HashBody { remain } => {
                    if rest.is_empty() {
                        self.rx = Rx::HashBody { remain };
                        break;
                    }
                    // swtpm reads at most min(remain, 4096) per read: bytes beyond the declared
                    // length are the next message.
                    let n = usize::try_from(remain)
                        .unwrap_or(usize::MAX)
                        .min(rest.len());
                    let (piece, later) = rest.split_at(n);
                    rest = later;
                    let left = remain - n as u64;
                    let res = hash_pieces(h, piece);
                    if !res.is_success() {
                        step.push_res(res);
                        self.rx = discard(left);
                    } else if left == 0 {
                        step.push_res(PtmRes::SUCCESS);
                    } else {
                        self.rx = Rx::HashBody { remain: left };
                    }
                }
                Rx::StateBody { hdr, mut data } => {
                    if rest.is_empty() {
                        self.rx = Rx::StateBody { hdr, data };
                        break;
                    }
                    let remain = (hdr.length as usize).saturating_sub(data.len());
                    if rest.len() > remain {
                        // swtpm_ioctls(3) CMD_SET_STATEBLOB: a read beyond the declared length
                        // is TPM_BAD_PARAMETER; the read's bytes are gone.
                        step.push_res(PtmRes::BAD_PARAMETER);
                        rest = &[];
                        continue;
                    }
                    data.extend_from_slice(rest);
                    rest = &[];
                    if data.len() == hdr.length as usize {
                        self.finish_set_state(h, hdr, &data, &mut step);
                    } else {
                        self.rx = Rx::StateBody { hdr, data };
                    }
                }
                Rx::Discard { remain } => {
                    let n = usize::try_from(remain)
                        .unwrap_or(usize::MAX)
                        .min(rest.len());
                    rest = rest.get(n..).unwrap_or(&[]);
                    self.rx = discard(remain - n as u64);
                    if rest.is_empty() {
                        break;
                    }
                }
            }
            if step.disposition != Disposition::Continue {
                // Nothing after a close/exit is processed.
                self.rx = Rx::Idle;
                break;
            }
        }
        // An fd that came with a continuation chunk belongs to no message: the transport
        // closes it (fd_used stays false). So does the fd of a message still in its receive
        // window: the transport closes every fd this read did not use, so a SET_DATAFD
        // completed by a later read has none (TPM_BAD_PARAMETER), not a closed fd's number.
        if let Rx::Head { fd, .. } = &mut self.rx {
            *fd = false;
        }
        step
    }

    fn head_complete(buf: &[u8]) -> HeadState {
        let Some(code) = crate::codec::be32_at(buf, 0) else {
            return HeadState::Wait;
        };
        let payload = buf.get(4..).unwrap_or(&[]);
        let need = match CtrlCmd(code) {
            // Streaming commands are dispatched once their header is in: state checks answer
            // at once, and the body streams (swtpm_ioctls(3) CMD_HASH_DATA, CMD_SET_STATEBLOB).
            CtrlCmd::HASH_DATA => Some(4),
            CtrlCmd::SET_STATEBLOB => Some(SET_STATEBLOB_HEADER_LEN as u64),
            c => Request::needed_payload(c, payload),
        };
        match need {
            Some(n) if payload.len() as u64 >= n => HeadState::Complete,
            _ => HeadState::Wait,
        }
    }

    /// Handles a received buffer (complete, or a full receive buffer of a streaming command).
    fn dispatch<H: ControlHandler + ?Sized>(
        &mut self,
        h: &mut H,
        buf: &[u8],
        fd: bool,
        step: &mut Step,
    ) {
        let mut r = Rd::new(buf);
        let Some(code) = r.u32() else {
            step.push_res(PtmRes::BAD_PARAMETER);
            return;
        };
        let cmd = CtrlCmd(code);
        let payload = r.rest();
        // swtpm checks "running" before the payload size for these.
        let needs_running = matches!(
            cmd,
            CtrlCmd::GET_TPMESTABLISHED
                | CtrlCmd::RESET_TPMESTABLISHED
                | CtrlCmd::HASH_START
                | CtrlCmd::HASH_DATA
                | CtrlCmd::HASH_END
                | CtrlCmd::CANCEL_TPM_CMD
                | CtrlCmd::STORE_VOLATILE
                | CtrlCmd::GET_STATEBLOB
        );
        if needs_running && !self.running {
            step.push_res(PtmRes::BAD_ORDINAL);
            if cmd == CtrlCmd::HASH_DATA {
                self.rx = discard(body_left(payload, 0));
            }
            return;
        }
        match cmd {
            CtrlCmd::HASH_DATA => return self.start_hash(h, payload, step),
            CtrlCmd::SET_STATEBLOB => return self.start_set_state(h, payload, step),
            _ => {}
        }
        let req = match Request::decode_payload(cmd, payload, fd) {
            Ok(req) => req,
            Err(res) => return step.push_res(res),
        };
        let resp = match req {
            // swtpm_ioctls(3) CMD_GET_CAPABILITY: always succeeds.
            Request::GetCapability => Response::Capability(CapabilityResponse {
                result: PtmRes::SUCCESS,
                caps: h.capabilities(),
            }),
            // swtpm_ioctls(3) CMD_INIT: the TPM is stopped first; running only on success.
            Request::Init(i) => {
                self.running = false;
                let res = h.init(i.init_flags);
                self.running = res.is_success();
                Response::Result(res)
            }
            Request::Shutdown => {
                h.shutdown();
                self.running = false;
                step.dispose(Disposition::Exit);
                Response::Result(PtmRes::SUCCESS)
            }
            Request::Stop => {
                h.stop();
                self.running = false;
                Response::Result(PtmRes::SUCCESS)
            }
            // swtpm_ioctls(3) CMD_GET_TPMESTABLISHED: 8 bytes even when the TPM fails.
            Request::GetTpmEstablished => {
                let (result, bit) = match h.get_tpm_established() {
                    Ok(b) => (PtmRes::SUCCESS, u8::from(b)),
                    Err(e) => (e, 0),
                };
                Response::Established(EstablishedResponse { result, bit })
            }
            // swtpm_ioctls(3) CMD_SET_LOCALITY: > 4, or 4 when rejected, is TPM_BAD_LOCALITY.
            Request::SetLocality(l) => {
                if l.locality > 4 || (l.locality == 4 && self.cfg.reject_locality_4) {
                    Response::Result(PtmRes::BAD_LOCALITY)
                } else {
                    h.set_locality(l.locality);
                    Response::Result(PtmRes::SUCCESS)
                }
            }
            // swtpm_ioctls(3) CMD_RESET_TPMESTABLISHED: > 4 is TPM_BAD_LOCALITY (no
            // reject-locality-4 check here).
            Request::ResetTpmEstablished(l) => {
                if l.locality > 4 {
                    Response::Result(PtmRes::BAD_LOCALITY)
                } else {
                    Response::Result(h.reset_tpm_established(l.locality))
                }
            }
            Request::HashStart => Response::Result(h.hash_start()),
            Request::HashEnd => Response::Result(h.hash_end()),
            Request::CancelTpmCmd => Response::Result(h.cancel_tpm_cmd()),
            Request::StoreVolatile => Response::Result(h.store_volatile()),
            Request::GetStateBlob(g) => {
                Response::StateBlob(get_state(h, g.state_flags, g.blob_type, g.offset))
            }
            Request::GetConfig => Response::Config(GetConfigResponse {
                result: PtmRes::SUCCESS,
                flags: h.get_config(),
            }),
            // swtpm_ioctls(3) CMD_SET_DATAFD: an existing data channel is TPM_IOERROR, then a
            // missing fd TPM_BAD_PARAMETER.
            Request::SetDataFd { fd_attached } => {
                if h.has_data_channel() {
                    Response::Result(PtmRes::IOERROR)
                } else if !fd_attached {
                    Response::Result(PtmRes::BAD_PARAMETER)
                } else {
                    let res = h.set_datafd();
                    step.fd_used = res.is_success();
                    Response::Result(res)
                }
            }
            // swtpm_ioctls(3) CMD_SET_BUFFERSIZE: setting only while stopped.
            Request::SetBufferSize(b) => {
                if b.buffer_size != 0 && self.running {
                    Response::Result(PtmRes::BAD_ORDINAL)
                } else {
                    let s = h.set_buffer_size(b.buffer_size);
                    Response::BufferSize(SetBufferSizeResponse {
                        result: PtmRes::SUCCESS,
                        buffer_size: s.buffer_size,
                        min_size: s.min_size,
                        max_size: s.max_size,
                    })
                }
            }
            Request::GetInfo(g) => get_info(h, g.flags, g.offset),
            Request::LockStorage(l) => Response::Result(h.lock_storage(l.retries)),
            Request::Unknown(_) | Request::HashData(_) | Request::SetStateBlob(_) => {
                Response::Result(PtmRes::BAD_ORDINAL)
            }
        };
        step.push(&resp);
    }

    /// swtpm_ioctls(3) CMD_HASH_DATA: u32 length then data; the first buffer must not hold
    /// more than `length` data bytes (newest swtpm), the rest streams.
    fn start_hash<H: ControlHandler + ?Sized>(
        &mut self,
        h: &mut H,
        payload: &[u8],
        step: &mut Step,
    ) {
        let mut r = Rd::new(payload);
        let Some(len) = r.u32() else {
            return step.push_res(PtmRes::BAD_PARAMETER);
        };
        let first = r.rest();
        if first.len() as u64 > u64::from(len) {
            return step.push_res(PtmRes::BAD_PARAMETER);
        }
        let res = hash_pieces(h, first);
        let left = u64::from(len) - first.len() as u64;
        if !res.is_success() {
            step.push_res(res);
            self.rx = discard(left);
        } else if left == 0 {
            step.push_res(PtmRes::SUCCESS);
        } else {
            self.rx = Rx::HashBody { remain: left };
        }
    }

    /// swtpm_ioctls(3) CMD_SET_STATEBLOB: refused while running (TPM_BAD_ORDINAL), storage
    /// locked before the body, header of 12 bytes, body of `length` bytes.
    fn start_set_state<H: ControlHandler + ?Sized>(
        &mut self,
        h: &mut H,
        payload: &[u8],
        step: &mut Step,
    ) {
        if self.running {
            step.push_res(PtmRes::BAD_ORDINAL);
            self.rx = discard(body_left(payload, SET_STATEBLOB_HEADER_LEN));
            return;
        }
        if !h.ensure_storage_locked() {
            step.push_res(PtmRes::IOERROR);
            step.dispose(Disposition::Exit);
            return;
        }
        let Some(hdr) = SetStateBlobHeader::decode_payload(payload) else {
            return step.push_res(PtmRes::BAD_PARAMETER);
        };
        if hdr.length > self.cfg.max_state_blob {
            step.push_res(PtmRes::FAIL);
            step.dispose(Disposition::CloseConnection);
            return;
        }
        let first = payload.get(SET_STATEBLOB_HEADER_LEN..).unwrap_or(&[]);
        if first.len() as u64 > u64::from(hdr.length) {
            return step.push_res(PtmRes::BAD_PARAMETER);
        }
        if first.len() == hdr.length as usize {
            return self.finish_set_state(h, hdr, first, step);
        }
        let mut data = Vec::with_capacity(hdr.length as usize);
        data.extend_from_slice(first);
        self.rx = Rx::StateBody { hdr, data };
    }

    fn finish_set_state<H: ControlHandler + ?Sized>(
        &mut self,
        h: &mut H,
        hdr: SetStateBlobHeader,
        data: &[u8],
        step: &mut Step,
    ) {
        // An unknown type has no blob name in swtpm: TPM_BAD_PARAMETER after the body.
        let res = match hdr.blob() {
            Some(b) => h.set_state_blob(hdr.state_flags, b, data),
            None => PtmRes::BAD_PARAMETER,
        };
        step.push_res(res);
    }
}

enum HeadState {
    Wait,
    Complete,
}

fn discard(remain: u64) -> Rx {
    if remain == 0 {
        Rx::Idle
    } else {
        Rx::Discard { remain }
    }
}

/// Declared body bytes not yet received, for HASH_DATA (`hdr` 0: length at payload 0) and
/// SET_STATEBLOB (`hdr` 12: length at payload 8).
fn body_left(payload: &[u8], hdr: usize) -> u64 {
    let at = if hdr == 0 { 0 } else { 8 };
    let skip = if hdr == 0 { 4 } else { hdr };
    match crate::codec::be32_at(payload, at) {
        Some(len) => {
            let got = payload.len().saturating_sub(skip) as u64;
            u64::from(len).saturating_sub(got)
        }
        None => 0,
    }
}

fn hash_pieces<H: ControlHandler + ?Sized>(h: &mut H, data: &[u8]) -> PtmRes {
    if data.is_empty() {
        // swtpm calls TPM_IO_Hash_Data with what it has, even nothing.
        return h.hash_data(&[]);
    }
    for piece in data.chunks(HASH_DATA_CHUNK) {
        let res = h.hash_data(piece);
        if !res.is_success() {
            return res;
        }
    }
    PtmRes::SUCCESS
}

/// swtpm_ioctls(3) CMD_GET_STATEBLOB: unknown type TPM_FAIL (newest), both lengths are
/// `blob_len - offset` (0 past the end), the data follows only on success.
fn get_state<H: ControlHandler + ?Sized>(
    h: &mut H,
    state_flags: u32,
    blob_type: u32,
    offset: u32,
) -> GetStateBlobResponse {
    let got = match BlobType::from_u32(blob_type) {
        Some(b) => h.get_state_blob(state_flags, b),
        None => Err(PtmRes::FAIL),
    };
    match got {
        Ok(blob) => {
            let data = blob.data.get(offset as usize..).unwrap_or(&[]).to_vec();
            let Ok(n) = u32::try_from(data.len()) else {
                return GetStateBlobResponse {
                    result: PtmRes::FAIL,
                    ..GetStateBlobResponse::default()
                };
            };
            let flags = if blob.encrypted {
                crate::consts::STATE_FLAG_ENCRYPTED
            } else {
                0
            };
            GetStateBlobResponse {
                result: PtmRes::SUCCESS,
                state_flags: flags,
                totlength: n,
                length: n,
                data,
            }
        }
        Err(result) => GetStateBlobResponse {
            result,
            ..GetStateBlobResponse::default()
        },
    }
}

/// swtpm_ioctls(3) CMD_GET_INFO: totlength = strlen + 1; offset ≥ strlen is
/// TPM_BAD_PARAMETER; a piece is at most `PTM_GETINFO_SIZE` bytes and the last one carries
/// the NUL.
fn get_info<H: ControlHandler + ?Sized>(h: &mut H, flags: u64, offset: u32) -> Response {
    let Some(text) = h.get_info(flags) else {
        return Response::Result(PtmRes::SIZE);
    };
    let mut bytes = text.into_bytes();
    let strlen = bytes.len();
    bytes.push(0);
    let off = offset as usize;
    if off >= strlen {
        return Response::Result(PtmRes::BAD_PARAMETER);
    }
    let piece: Vec<u8> = bytes
        .get(off..)
        .unwrap_or(&[])
        .iter()
        .take(crate::consts::GETINFO_SIZE)
        .copied()
        .collect();
    let (Ok(totlength), Ok(length)) = (u32::try_from(bytes.len()), u32::try_from(piece.len()))
    else {
        return Response::Result(PtmRes::SIZE);
    };
    Response::Info(GetInfoResponse {
        result: PtmRes::SUCCESS,
        totlength,
        length,
        data: piece,
    })
}

#[cfg(test)]
mod tests;
