//! Fuzzing entry point of the control channel, shared by the cargo-fuzz target
//! `fuzz/fuzz_targets/ctrl_frame.rs` and the corpus replay in `tests/tests/fuzz_corpus.rs`,
//! plus the input encoder the corpus generator (`cargo xtask fuzz-corpus`) uses.
//!
//! Input: byte 0 configures the server ([`CFG_RUNNING`], [`CFG_REJECT_LOC4`],
//! [`CFG_SMALL_STATE`], [`CFG_DATA_CHANNEL`]), byte 1 makes the fake handler fail
//! (`FAIL_*`), then records, one per read the transport makes: a control byte
//! ([`REC_FD`]: an SCM_RIGHTS fd came with the read, [`REC_TIMEOUT`]: the receive window
//! expires before it, [`REC_RESET`]: the client reconnects before it, [`REC_EXACT`]: the read
//! is exactly what the server says is outstanding; bits 4-7, when not zero and not exact, the
//! read's length 1-15) and, when the length is not in the control byte, a BE u16 length; then
//! the read's bytes (fewer at the end of the input).
//!
//! The oracle: no panic; the handler is only called as the server's rules allow (running or
//! stopped, localities, piece sizes, the fd); the server's running flag follows the handler's;
//! every reply is a sequence of responses the client decoder ([`Response::decode`]) reads
//! whole, the first one as the answer to the command the harness knows it answers; a read
//! never produces more than 16 bytes per input byte plus what the handler handed out; and the
//! server never waits for more than a message declared (feeding exactly what
//! [`ControlServer::outstanding`] says ends the receive window or the body).
#![allow(clippy::panic, clippy::indexing_slicing)]

use crate::consts::{BlobType, CTRL_RECV_BUFFER, CtrlCmd, HASH_DATA_CHUNK, PtmRes};
use crate::messages::{DecodeError, Response};
use crate::server::{
    BufferSizes, ControlHandler, ControlServer, Disposition, ServerConfig, StateBlob,
};

/// At most this many reads per input.
pub const MAX_RECORDS: usize = 256;

/// Config byte: the TPM runs without CMD_INIT.
pub const CFG_RUNNING: u8 = 1;
/// Config byte: `reject-locality-4`.
pub const CFG_REJECT_LOC4: u8 = 2;
/// Config byte: SET_STATEBLOB bodies above 8 KiB are refused (reaches the limit cheaply).
pub const CFG_SMALL_STATE: u8 = 4;
/// Config byte: a data channel exists from the start (`--server`).
pub const CFG_DATA_CHANNEL: u8 = 8;

/// Fail byte: CMD_INIT fails.
pub const FAIL_INIT: u8 = 1;
/// Fail byte: hashing fails (HASH_START, every HASH_DATA piece, HASH_END).
pub const FAIL_HASH: u8 = 2;
/// Fail byte: GET_STATEBLOB of the volatile blob is TPM_RETRY (no blob).
pub const FAIL_NO_VOLATILE: u8 = 4;
/// Fail byte: the storage cannot be locked before a SET_STATEBLOB body.
pub const FAIL_LOCK: u8 = 8;
/// Fail byte: SET_STATEBLOB fails.
pub const FAIL_SET_STATE: u8 = 16;
/// Fail byte: GET_INFO runs out of memory.
pub const FAIL_INFO: u8 = 32;

/// Record control: an fd came with this read.
pub const REC_FD: u8 = 1;
/// Record control: the receive window expires before this read.
pub const REC_TIMEOUT: u8 = 2;
/// Record control: the control client reconnects before this read.
pub const REC_RESET: u8 = 4;
/// Record control: the read is exactly what the server says is outstanding.
pub const REC_EXACT: u8 = 8;

/// One read of an input, for [`ctrl_input`].
#[derive(Clone, Debug, Default)]
pub struct Read {
    /// The read's bytes.
    pub bytes: Vec<u8>,
    /// An fd came with it.
    pub fd: bool,
    /// The receive window expires before it.
    pub timeout: bool,
}

/// Encodes an input of [`ctrl_stream`]: reads longer than 65535 bytes become several
/// records (the fd and timeout on the first).
pub fn ctrl_input(cfg: u8, fail: u8, reads: &[Read]) -> Vec<u8> {
    let mut v = vec![cfg, fail];
    for r in reads {
        let mut first = true;
        let mut pieces: Vec<&[u8]> = r.bytes.chunks(usize::from(u16::MAX)).collect();
        if pieces.is_empty() {
            pieces.push(&[]);
        }
        for p in pieces {
            let mut ctl = 0;
            if first && r.fd {
                ctl |= REC_FD;
            }
            if first && r.timeout {
                ctl |= REC_TIMEOUT;
            }
            first = false;
            v.push(ctl);
            let len = u16::try_from(p.len()).unwrap_or(u16::MAX);
            v.extend_from_slice(&len.to_be_bytes());
            v.extend_from_slice(p);
        }
    }
    v
}

/// A daemon stand-in: answers every command plausibly and checks that the server only calls
/// it as its rules allow.
#[derive(Debug)]
struct FakeHandler {
    running: bool,
    data_channel: bool,
    hashing: bool,
    fail: u8,
    max_state: u32,
    buffer_size: u32,
    locality: u8,
    /// Handler-supplied response bytes (blobs, info text) during the current read.
    handed_out: usize,
    /// CMD_SET_DATAFD adopted the fd during the current read.
    took_fd: bool,
    /// An fd came with the current read.
    fd_in_read: bool,
}

impl FakeHandler {
    fn blob(&self, state_flags: u32, blob: BlobType) -> Vec<u8> {
        let base = match blob {
            BlobType::Permanent => 3 * 1024,
            BlobType::Volatile => 1536,
            BlobType::Savestate => 5 * 1024,
        };
        let n = base + (state_flags as usize & 0xff) + usize::from(self.locality);
        (0..n).map(|i| (i % 251) as u8).collect()
    }
}

impl ControlHandler for FakeHandler {
    fn capabilities(&mut self) -> u32 {
        crate::consts::cap::SWTPM_NEWEST_TPM2
    }
    fn init(&mut self, init_flags: u32) -> PtmRes {
        self.hashing = false;
        if self.fail & FAIL_INIT != 0 || init_flags > 1 {
            self.running = false;
            return PtmRes::FAIL;
        }
        self.running = true;
        PtmRes::SUCCESS
    }
    fn shutdown(&mut self) {
        self.running = false;
    }
    fn stop(&mut self) {
        self.running = false;
        self.hashing = false;
    }
    fn get_tpm_established(&mut self) -> Result<bool, PtmRes> {
        assert!(self.running, "GET_TPMESTABLISHED reached a stopped TPM");
        Ok(self.locality == 3)
    }
    fn set_locality(&mut self, locality: u8) {
        assert!(
            locality <= 4,
            "SET_LOCALITY({locality}) reached the handler"
        );
        self.locality = locality;
    }
    fn hash_start(&mut self) -> PtmRes {
        assert!(self.running, "HASH_START reached a stopped TPM");
        if self.fail & FAIL_HASH != 0 {
            return PtmRes::FAIL;
        }
        self.hashing = true;
        PtmRes::SUCCESS
    }
    fn hash_data(&mut self, data: &[u8]) -> PtmRes {
        assert!(self.running, "HASH_DATA reached a stopped TPM");
        assert!(
            data.len() <= HASH_DATA_CHUNK,
            "HASH_DATA piece of {}",
            data.len()
        );
        if self.fail & FAIL_HASH != 0 || !self.hashing {
            return PtmRes::FAIL;
        }
        PtmRes::SUCCESS
    }
    fn hash_end(&mut self) -> PtmRes {
        assert!(self.running, "HASH_END reached a stopped TPM");
        if !core::mem::take(&mut self.hashing) {
            return PtmRes::FAIL;
        }
        PtmRes::SUCCESS
    }
    fn cancel_tpm_cmd(&mut self) -> PtmRes {
        assert!(self.running, "CANCEL_TPM_CMD reached a stopped TPM");
        PtmRes::SUCCESS
    }
    fn store_volatile(&mut self) -> PtmRes {
        assert!(self.running, "STORE_VOLATILE reached a stopped TPM");
        PtmRes::SUCCESS
    }
    fn reset_tpm_established(&mut self, locality: u8) -> PtmRes {
        assert!(self.running, "RESET_TPMESTABLISHED reached a stopped TPM");
        assert!(
            locality <= 4,
            "RESET_TPMESTABLISHED({locality}) reached the handler"
        );
        if locality == 3 {
            PtmRes::SUCCESS
        } else {
            PtmRes::BAD_LOCALITY
        }
    }
    fn get_state_blob(&mut self, state_flags: u32, blob: BlobType) -> Result<StateBlob, PtmRes> {
        assert!(self.running, "GET_STATEBLOB reached a stopped TPM");
        if blob == BlobType::Volatile && self.fail & FAIL_NO_VOLATILE != 0 {
            return Err(PtmRes::RETRY);
        }
        let data = self.blob(state_flags, blob);
        self.handed_out += data.len();
        Ok(StateBlob {
            encrypted: state_flags & 1 == 0,
            data,
        })
    }
    fn ensure_storage_locked(&mut self) -> bool {
        assert!(!self.running, "SET_STATEBLOB body started on a running TPM");
        self.fail & FAIL_LOCK == 0
    }
    fn set_state_blob(&mut self, _state_flags: u32, _blob: BlobType, data: &[u8]) -> PtmRes {
        assert!(!self.running, "SET_STATEBLOB reached a running TPM");
        assert!(
            data.len() as u64 <= u64::from(self.max_state),
            "SET_STATEBLOB body of {} above the limit",
            data.len()
        );
        if self.fail & FAIL_SET_STATE != 0 {
            PtmRes::FAIL
        } else {
            PtmRes::SUCCESS
        }
    }
    fn get_config(&mut self) -> u32 {
        crate::consts::CONFIG_FLAG_FILE_KEY
    }
    fn has_data_channel(&mut self) -> bool {
        self.data_channel
    }
    fn set_datafd(&mut self) -> PtmRes {
        assert!(
            self.fd_in_read,
            "SET_DATAFD adopted an fd that did not come"
        );
        assert!(
            !self.data_channel,
            "SET_DATAFD over an existing data channel"
        );
        assert!(!self.took_fd, "one fd adopted twice");
        self.data_channel = true;
        self.took_fd = true;
        PtmRes::SUCCESS
    }
    fn set_buffer_size(&mut self, requested: u32) -> BufferSizes {
        assert!(
            requested == 0 || !self.running,
            "SET_BUFFERSIZE({requested}) reached a running TPM"
        );
        if requested != 0 {
            self.buffer_size = requested.clamp(2048, 4096);
        }
        BufferSizes {
            buffer_size: self.buffer_size,
            min_size: 2048,
            max_size: 4096,
        }
    }
    fn get_info(&mut self, flags: u64) -> Option<String> {
        if self.fail & FAIL_INFO != 0 {
            return None;
        }
        // Up to 8 KiB of text, so that offsets and pieces matter.
        let n = (flags & 0x1fff) as usize;
        let text = format!("{{\"TPMSpecification\":\"{}\"}}", "x".repeat(n));
        self.handed_out += text.len() + 1;
        Some(text)
    }
    fn lock_storage(&mut self, retries: u32) -> PtmRes {
        if retries == 0 {
            PtmRes::FAIL
        } else {
            PtmRes::SUCCESS
        }
    }
}

/// Every command code a response can answer, for [`replies_parse`].
fn candidates() -> impl Iterator<Item = CtrlCmd> {
    CtrlCmd::ALL.iter().copied().chain([CtrlCmd(0)])
}

/// True when `reply` is a sequence of whole responses, each decodable for some command.
fn replies_parse(reply: &[u8], memo: &mut [Option<bool>], at: usize) -> bool {
    if at == reply.len() {
        return true;
    }
    if let Some(b) = memo[at] {
        return b;
    }
    let rest = &reply[at..];
    let mut ok = false;
    let mut tried: Vec<usize> = Vec::new();
    for c in candidates() {
        if let Ok((_, used)) = Response::decode(c, rest) {
            assert!(
                used > 0 && used <= rest.len(),
                "decode used {used} of {}",
                rest.len()
            );
            if !tried.contains(&used) {
                tried.push(used);
                if replies_parse(reply, memo, at + used) {
                    ok = true;
                    break;
                }
            }
        }
    }
    memo[at] = Some(ok);
    ok
}

/// The fuzz target: `data` as reads of a control connection (see the module docs).
pub fn ctrl_stream(data: &[u8]) {
    let Some((&cfg_b, rest)) = data.split_first() else {
        return;
    };
    let Some((&fail, mut input)) = rest.split_first() else {
        return;
    };
    let cfg = ServerConfig {
        tpm_running: cfg_b & CFG_RUNNING != 0,
        reject_locality_4: cfg_b & CFG_REJECT_LOC4 != 0,
        max_state_blob: if cfg_b & CFG_SMALL_STATE != 0 {
            8 * 1024
        } else {
            crate::consts::MAX_SET_STATEBLOB
        },
    };
    let mut server = ControlServer::new(cfg);
    let mut h = FakeHandler {
        running: cfg.tpm_running,
        data_channel: cfg_b & CFG_DATA_CHANNEL != 0,
        hashing: false,
        fail,
        max_state: cfg.max_state_blob,
        buffer_size: 4096,
        locality: 0,
        handed_out: 0,
        took_fd: false,
        fd_in_read: false,
    };
    // The bytes of the message in the receive window since its start, when known.
    let mut head: Option<Vec<u8>> = Some(Vec::new());

    for _ in 0..MAX_RECORDS {
        let Some((&ctl, after)) = input.split_first() else {
            break;
        };
        input = after;
        if ctl & REC_RESET != 0 {
            server.reset_connection();
            assert!(
                !server.mid_message(),
                "a reconnect leaves a partial message"
            );
        }
        if ctl & REC_TIMEOUT != 0 {
            let was = server.mid_message();
            let d = server.timed_out();
            let want = if was {
                Disposition::CloseConnection
            } else {
                Disposition::Continue
            };
            assert_eq!(d, want, "timeout disposition");
            assert!(!server.mid_message(), "a timeout leaves a partial message");
        }
        let outstanding = server.outstanding();
        let len = if ctl & REC_EXACT != 0 {
            outstanding.map_or(1, |n| usize::try_from(n).unwrap_or(usize::MAX))
        } else if ctl >> 4 != 0 {
            usize::from(ctl >> 4)
        } else {
            let Some((l, after)) = input.split_first_chunk::<2>() else {
                break;
            };
            input = after;
            usize::from(u16::from_be_bytes(*l))
        };
        let len = len.min(input.len());
        let (chunk, after) = input.split_at(len);
        input = after;
        let fd = ctl & REC_FD != 0;

        let was_mid = server.mid_message();
        let was_window = server.in_receive_window();
        if !was_mid {
            head = Some(Vec::new());
        } else if !was_window {
            head = None;
        }
        // The command the first response answers, when the harness can tell.
        let first_cmd = head.as_ref().and_then(|hd| {
            let mut b = hd.clone();
            b.extend_from_slice(
                chunk
                    .get(..4usize.saturating_sub(hd.len()))
                    .unwrap_or(chunk),
            );
            crate::codec::be32_at(&b, 0).map(CtrlCmd)
        });

        h.handed_out = 0;
        h.took_fd = false;
        h.fd_in_read = fd;
        let step = server.feed(&mut h, chunk, fd);

        // The server's running flag is the handler's.
        assert_eq!(server.tpm_running(), h.running, "running flag diverged");
        assert!(
            !step.fd_used || h.took_fd,
            "fd_used without SET_DATAFD adopting it"
        );
        assert!(!h.took_fd || step.fd_used, "adopted fd not reported");
        // Output bounded by input.
        assert!(
            step.reply.len() <= 16 * chunk.len() + h.handed_out,
            "{} reply bytes for a read of {} (handler gave {})",
            step.reply.len(),
            chunk.len(),
            h.handed_out
        );
        // Responses decode.
        let mut skip = 0;
        if let (Some(c), false) = (first_cmd, step.reply.is_empty()) {
            match Response::decode(c, &step.reply) {
                Ok((_, used)) => skip = used,
                Err(DecodeError::Incomplete(n)) => {
                    panic!(
                        "reply to {c:?} cut short: need {n}, have {}",
                        step.reply.len()
                    )
                }
                Err(e) => panic!("reply to {c:?} does not decode: {e}"),
            }
        }
        let rest = &step.reply[skip..];
        let mut memo = vec![None; rest.len()];
        assert!(
            replies_parse(rest, &mut memo, 0),
            "reply is not a sequence of responses: {:02x?}",
            step.reply
        );
        // The server waits for no more than declared.
        if let Some(n) = server.outstanding() {
            assert!(server.mid_message(), "outstanding bytes between messages");
            if server.in_receive_window() {
                assert!(n <= CTRL_RECV_BUFFER as u64, "receive window wants {n}");
            } else {
                assert!(n <= u64::from(u32::MAX), "body wants {n}");
            }
        }
        if let Some(n) = outstanding.filter(|&n| n > 0 && was_mid) {
            let k = chunk.len() as u64;
            if !was_window && k > 0 && k <= n {
                // A body (or a skipped body) takes exactly its declared bytes.
                if k < n {
                    assert!(
                        server.mid_message() && !server.in_receive_window(),
                        "body ended early"
                    );
                    if step.disposition == Disposition::Continue {
                        assert_eq!(server.outstanding(), Some(n - k), "body accounting");
                    }
                } else {
                    assert!(!server.mid_message(), "body not done after its bytes");
                }
                assert!(
                    step.reply.len() <= 4,
                    "a body piece answers at most a result"
                );
            }
            let head_len = head.as_ref().map_or(0, Vec::len);
            if was_window && k == n && head.is_some() && head_len >= 4 {
                assert!(
                    !server.in_receive_window(),
                    "receive window still open after the outstanding bytes"
                );
            }
        }
        if step.disposition == Disposition::Exit {
            assert!(!server.tpm_running(), "exit with a running TPM");
            return;
        }
        if step.disposition == Disposition::CloseConnection {
            server.reset_connection();
            head = None;
            continue;
        }
        // Track the message in the receive window.
        if server.in_receive_window() {
            head = match head.take() {
                Some(mut hd) if (!was_mid || was_window) && step.reply.is_empty() => {
                    hd.extend_from_slice(chunk);
                    Some(hd)
                }
                _ => None,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::{GetStateBlobRequest, InitRequest, Request};

    #[test]
    fn encoded_stream_runs() {
        let reads = [
            Read {
                bytes: Request::GetCapability.encode(),
                ..Read::default()
            },
            Read {
                bytes: Request::Init(InitRequest { init_flags: 0 }).encode(),
                ..Read::default()
            },
            Read {
                bytes: Request::GetStateBlob(GetStateBlobRequest {
                    state_flags: 0,
                    blob_type: 1,
                    offset: 0,
                })
                .encode(),
                ..Read::default()
            },
        ];
        ctrl_stream(&ctrl_input(0, 0, &reads));
    }
}
