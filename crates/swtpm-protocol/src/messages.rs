//! One struct per control request and response, with their exact socket layouts.
//!
//! Layouts are those of swtpm's `include/swtpm/tpm_ioctl.h` with every integer big-endian
//! and only the `req` (request) or `resp` (response) arm of each union on the wire
//! ("Commands used by the non-CUSE TPMs" in that header). A request is the BE u32 `CMD_*`
//! code followed by its payload; a response has no code.
//!
//! Size rules on decoding a request follow swtpm's `ctrlchannel_process_fd`: commands without
//! payload need exactly 0 payload bytes, CMD_INIT exactly 4, the others at least their
//! request size (extra bytes ignored), CMD_GET_CAPABILITY, CMD_SET_DATAFD and unknown codes
//! are not size-checked. A size violation is [`PtmRes::BAD_PARAMETER`], as swtpm answers.
//!
//! Response lengths: every error response is the 4-byte result alone, except that
//! CMD_GET_CAPABILITY is always 8 bytes, CMD_GET_TPMESTABLISHED is 8 bytes whenever the
//! command reached the TPM (`ptm_est` resp is `{u32, u8}`, which C pads to 8; newest swtpm
//! spells the 3 pad bytes out), and CMD_GET_STATEBLOB always has its 16-byte header once it
//! was dispatched. Before dispatch (TPM not running: TPM_BAD_ORDINAL; short payload:
//! TPM_BAD_PARAMETER) those two answer 4 bytes too; [`Response::decode`] tells the cases
//! apart by exactly those two codes.

use crate::codec::Rd;
use crate::consts::{BlobType, CtrlCmd, PtmRes};

/// CMD_INIT request (`ptm_init` req): u32 init_flags, exactly 4 bytes (swtpm_ioctls(3) CMD_INIT).
#[doc(alias = "ptm_init")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct InitRequest {
    /// `PTM_INIT_FLAG_*`; bit 0 = delete volatile state after loading it.
    pub init_flags: u32,
}

/// CMD_SET_LOCALITY request (`ptm_loc` req): u8 locality. swtpm needs at least 1 byte; QEMU
/// sends 4 (locality + 3 zero bytes) and so does [`Request::encode`].
#[doc(alias = "ptm_loc")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SetLocalityRequest {
    /// Locality 0..=4.
    pub locality: u8,
}

/// CMD_RESET_TPMESTABLISHED request (`ptm_reset_est` req): u8 locality to use (≥ 1 byte;
/// encoded as 4 like QEMU).
#[doc(alias = "ptm_reset_est")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ResetEstablishedRequest {
    /// Locality to issue the reset at (TPM 2 needs 3 or 4).
    pub locality: u8,
}

/// CMD_HASH_DATA request (`ptm_hdata` req): u32 length, then `length` bytes.
#[doc(alias = "ptm_hdata")]
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct HashDataRequest {
    /// Data to hash into the H-CRTM sequence.
    pub data: Vec<u8>,
}

/// CMD_GET_STATEBLOB request (`ptm_getstate` req): state_flags, type, offset.
#[doc(alias = "ptm_getstate")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct GetStateBlobRequest {
    /// `PTM_STATE_FLAG_DECRYPTED` (1) asks for the blob without state-file encryption.
    pub state_flags: u32,
    /// `PTM_BLOB_TYPE_*` as sent (1..=3 valid).
    pub blob_type: u32,
    /// Offset into the blob.
    pub offset: u32,
}

/// CMD_SET_STATEBLOB header (`ptm_setstate` req without `data`): state_flags, type, length.
/// The body (`length` bytes) follows on the same stream, possibly in later writes.
#[doc(alias = "ptm_setstate")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SetStateBlobHeader {
    /// `PTM_STATE_FLAG_ENCRYPTED` (2): the blob is encrypted.
    pub state_flags: u32,
    /// `PTM_BLOB_TYPE_*` as sent.
    pub blob_type: u32,
    /// Body length in bytes.
    pub length: u32,
}

/// Encoded size of [`SetStateBlobHeader`].
pub const SET_STATEBLOB_HEADER_LEN: usize = 12;

/// CMD_SET_STATEBLOB request with its body.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SetStateBlobRequest {
    /// As in [`SetStateBlobHeader::state_flags`].
    pub state_flags: u32,
    /// As in [`SetStateBlobHeader::blob_type`].
    pub blob_type: u32,
    /// The blob.
    pub data: Vec<u8>,
}

/// CMD_SET_BUFFERSIZE request (`ptm_setbuffersize` req): u32 buffersize, 0 = query.
#[doc(alias = "ptm_setbuffersize")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SetBufferSizeRequest {
    /// Requested TPM buffer size; 0 queries.
    pub buffer_size: u32,
}

/// CMD_GET_INFO request (`ptm_getinfo` req): u64 flags, u32 offset, u32 pad.
#[doc(alias = "ptm_getinfo")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct GetInfoRequest {
    /// `SWTPM_INFO_*` bits.
    pub flags: u64,
    /// Offset into the JSON text.
    pub offset: u32,
}

/// CMD_LOCK_STORAGE request (`ptm_lockstorage` req): u32 retries (×10 ms), swtpm 0.8+.
#[doc(alias = "ptm_lockstorage")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct LockStorageRequest {
    /// Number of retries.
    pub retries: u32,
}

/// A decoded control request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// CMD_GET_CAPABILITY (no payload; not size-checked by swtpm).
    GetCapability,
    /// CMD_INIT.
    Init(InitRequest),
    /// CMD_SHUTDOWN.
    Shutdown,
    /// CMD_GET_TPMESTABLISHED.
    GetTpmEstablished,
    /// CMD_SET_LOCALITY.
    SetLocality(SetLocalityRequest),
    /// CMD_HASH_START.
    HashStart,
    /// CMD_HASH_DATA.
    HashData(HashDataRequest),
    /// CMD_HASH_END.
    HashEnd,
    /// CMD_CANCEL_TPM_CMD.
    CancelTpmCmd,
    /// CMD_STORE_VOLATILE.
    StoreVolatile,
    /// CMD_RESET_TPMESTABLISHED.
    ResetTpmEstablished(ResetEstablishedRequest),
    /// CMD_GET_STATEBLOB.
    GetStateBlob(GetStateBlobRequest),
    /// CMD_SET_STATEBLOB with its whole body.
    SetStateBlob(SetStateBlobRequest),
    /// CMD_STOP.
    Stop,
    /// CMD_GET_CONFIG.
    GetConfig,
    /// CMD_SET_DATAFD: no payload; the fd travels as SCM_RIGHTS beside the 4 bytes and is
    /// modelled as this flag (the transport holds the fd itself).
    SetDataFd {
        /// An fd arrived with the message.
        fd_attached: bool,
    },
    /// CMD_SET_BUFFERSIZE.
    SetBufferSize(SetBufferSizeRequest),
    /// CMD_GET_INFO.
    GetInfo(GetInfoRequest),
    /// CMD_LOCK_STORAGE.
    LockStorage(LockStorageRequest),
    /// Any other code (answered with TPM_BAD_ORDINAL).
    Unknown(CtrlCmd),
}

impl Request {
    /// The command code.
    pub fn cmd(&self) -> CtrlCmd {
        match self {
            Request::GetCapability => CtrlCmd::GET_CAPABILITY,
            Request::Init(_) => CtrlCmd::INIT,
            Request::Shutdown => CtrlCmd::SHUTDOWN,
            Request::GetTpmEstablished => CtrlCmd::GET_TPMESTABLISHED,
            Request::SetLocality(_) => CtrlCmd::SET_LOCALITY,
            Request::HashStart => CtrlCmd::HASH_START,
            Request::HashData(_) => CtrlCmd::HASH_DATA,
            Request::HashEnd => CtrlCmd::HASH_END,
            Request::CancelTpmCmd => CtrlCmd::CANCEL_TPM_CMD,
            Request::StoreVolatile => CtrlCmd::STORE_VOLATILE,
            Request::ResetTpmEstablished(_) => CtrlCmd::RESET_TPMESTABLISHED,
            Request::GetStateBlob(_) => CtrlCmd::GET_STATEBLOB,
            Request::SetStateBlob(_) => CtrlCmd::SET_STATEBLOB,
            Request::Stop => CtrlCmd::STOP,
            Request::GetConfig => CtrlCmd::GET_CONFIG,
            Request::SetDataFd { .. } => CtrlCmd::SET_DATAFD,
            Request::SetBufferSize(_) => CtrlCmd::SET_BUFFERSIZE,
            Request::GetInfo(_) => CtrlCmd::GET_INFO,
            Request::LockStorage(_) => CtrlCmd::LOCK_STORAGE,
            Request::Unknown(c) => *c,
        }
    }

    /// The bytes a client writes: BE code + payload, in one write. (For CMD_SET_STATEBLOB
    /// QEMU writes the header and the body separately; see [`SetStateBlobHeader::encode`].)
    pub fn encode(&self) -> Vec<u8> {
        let mut v = self.cmd().0.to_be_bytes().to_vec();
        match self {
            Request::GetCapability
            | Request::Shutdown
            | Request::GetTpmEstablished
            | Request::HashStart
            | Request::HashEnd
            | Request::CancelTpmCmd
            | Request::StoreVolatile
            | Request::Stop
            | Request::GetConfig
            | Request::SetDataFd { .. }
            | Request::Unknown(_) => {}
            Request::Init(r) => v.extend_from_slice(&r.init_flags.to_be_bytes()),
            // QEMU's layout: the u8 then 3 zero bytes (sizeof the union arm).
            Request::SetLocality(r) => v.extend_from_slice(&[r.locality, 0, 0, 0]),
            Request::ResetTpmEstablished(r) => v.extend_from_slice(&[r.locality, 0, 0, 0]),
            Request::HashData(r) => {
                let len = u32::try_from(r.data.len()).unwrap_or(u32::MAX);
                v.extend_from_slice(&len.to_be_bytes());
                v.extend_from_slice(&r.data);
            }
            Request::GetStateBlob(r) => {
                v.extend_from_slice(&r.state_flags.to_be_bytes());
                v.extend_from_slice(&r.blob_type.to_be_bytes());
                v.extend_from_slice(&r.offset.to_be_bytes());
            }
            Request::SetStateBlob(r) => {
                let h = SetStateBlobHeader {
                    state_flags: r.state_flags,
                    blob_type: r.blob_type,
                    length: u32::try_from(r.data.len()).unwrap_or(u32::MAX),
                };
                v.extend_from_slice(&h.encode_payload());
                v.extend_from_slice(&r.data);
            }
            Request::SetBufferSize(r) => v.extend_from_slice(&r.buffer_size.to_be_bytes()),
            Request::GetInfo(r) => {
                v.extend_from_slice(&r.flags.to_be_bytes());
                v.extend_from_slice(&r.offset.to_be_bytes());
                v.extend_from_slice(&0u32.to_be_bytes());
            }
            Request::LockStorage(r) => v.extend_from_slice(&r.retries.to_be_bytes()),
        }
        v
    }

    /// Decodes one whole message (code + everything that arrived with it) with swtpm's size
    /// rules. `fd_attached`: an SCM_RIGHTS fd came with it.
    ///
    /// # Errors
    /// TPM_BAD_PARAMETER for a message shorter than 4 bytes or a payload of the wrong size
    /// (also when HASH_DATA or SET_STATEBLOB carry more bytes than their length says, as
    /// newest swtpm checks, or fewer).
    pub fn decode(msg: &[u8], fd_attached: bool) -> Result<Request, PtmRes> {
        let mut r = Rd::new(msg);
        let cmd = CtrlCmd(r.u32().ok_or(PtmRes::BAD_PARAMETER)?);
        let p = r.rest();
        Request::decode_payload(cmd, p, fd_attached)
    }

    /// As [`Request::decode`] with the code already split off.
    ///
    /// # Errors
    /// As [`Request::decode`].
    pub fn decode_payload(cmd: CtrlCmd, p: &[u8], fd_attached: bool) -> Result<Request, PtmRes> {
        let bad = PtmRes::BAD_PARAMETER;
        let mut r = Rd::new(p);
        let empty = |req: Request| if p.is_empty() { Ok(req) } else { Err(bad) };
        match cmd {
            // swtpm_ioctls(3) CMD_GET_CAPABILITY: no size check.
            CtrlCmd::GET_CAPABILITY => Ok(Request::GetCapability),
            // swtpm_ioctls(3) CMD_INIT: exactly sizeof(ptm_init) = 4.
            CtrlCmd::INIT => {
                if p.len() != 4 {
                    return Err(bad);
                }
                Ok(Request::Init(InitRequest {
                    init_flags: r.u32().ok_or(bad)?,
                }))
            }
            CtrlCmd::SHUTDOWN => empty(Request::Shutdown),
            CtrlCmd::GET_TPMESTABLISHED => empty(Request::GetTpmEstablished),
            CtrlCmd::SET_LOCALITY => Ok(Request::SetLocality(SetLocalityRequest {
                locality: r.u8().ok_or(bad)?,
            })),
            CtrlCmd::HASH_START => empty(Request::HashStart),
            CtrlCmd::HASH_DATA => {
                let len = r.u32().ok_or(bad)?;
                let rest = r.rest();
                if u32::try_from(rest.len()).ok() != Some(len) {
                    return Err(bad);
                }
                Ok(Request::HashData(HashDataRequest {
                    data: rest.to_vec(),
                }))
            }
            CtrlCmd::HASH_END => empty(Request::HashEnd),
            CtrlCmd::CANCEL_TPM_CMD => empty(Request::CancelTpmCmd),
            CtrlCmd::STORE_VOLATILE => empty(Request::StoreVolatile),
            CtrlCmd::RESET_TPMESTABLISHED => {
                Ok(Request::ResetTpmEstablished(ResetEstablishedRequest {
                    locality: r.u8().ok_or(bad)?,
                }))
            }
            CtrlCmd::GET_STATEBLOB => Ok(Request::GetStateBlob(GetStateBlobRequest {
                state_flags: r.u32().ok_or(bad)?,
                blob_type: r.u32().ok_or(bad)?,
                offset: r.u32().ok_or(bad)?,
            })),
            CtrlCmd::SET_STATEBLOB => {
                let h = SetStateBlobHeader::decode_payload(p).ok_or(bad)?;
                let body = p.get(SET_STATEBLOB_HEADER_LEN..).ok_or(bad)?;
                if u32::try_from(body.len()).ok() != Some(h.length) {
                    return Err(bad);
                }
                Ok(Request::SetStateBlob(SetStateBlobRequest {
                    state_flags: h.state_flags,
                    blob_type: h.blob_type,
                    data: body.to_vec(),
                }))
            }
            CtrlCmd::STOP => empty(Request::Stop),
            CtrlCmd::GET_CONFIG => empty(Request::GetConfig),
            // swtpm_ioctls(3) CMD_SET_DATAFD: no size check; the fd is what matters.
            CtrlCmd::SET_DATAFD => Ok(Request::SetDataFd { fd_attached }),
            CtrlCmd::SET_BUFFERSIZE => Ok(Request::SetBufferSize(SetBufferSizeRequest {
                buffer_size: r.u32().ok_or(bad)?,
            })),
            CtrlCmd::GET_INFO => {
                let flags = r.u64().ok_or(bad)?;
                let offset = r.u32().ok_or(bad)?;
                let _pad = r.u32().ok_or(bad)?;
                Ok(Request::GetInfo(GetInfoRequest { flags, offset }))
            }
            CtrlCmd::LOCK_STORAGE => Ok(Request::LockStorage(LockStorageRequest {
                retries: r.u32().ok_or(bad)?,
            })),
            other => Ok(Request::Unknown(other)),
        }
    }

    /// The fewest payload bytes (after the code) that make this command's request complete,
    /// given the payload bytes seen so far; `None` until enough is known to say (never for
    /// more than the 12 header bytes). HASH_DATA and SET_STATEBLOB include their declared
    /// body length. Unlike swtpm, which knows minimums only for INIT, SET_LOCALITY,
    /// HASH_DATA, RESET_TPMESTABLISHED, GET/SET_STATEBLOB, this knows them for every
    /// command, so a request split across writes still decodes.
    pub fn needed_payload(cmd: CtrlCmd, seen: &[u8]) -> Option<u64> {
        match cmd {
            CtrlCmd::INIT | CtrlCmd::SET_BUFFERSIZE | CtrlCmd::LOCK_STORAGE => Some(4),
            CtrlCmd::SET_LOCALITY | CtrlCmd::RESET_TPMESTABLISHED => Some(1),
            CtrlCmd::GET_STATEBLOB => Some(12),
            CtrlCmd::GET_INFO => Some(16),
            CtrlCmd::HASH_DATA => crate::codec::be32_at(seen, 0).map(|len| 4 + u64::from(len)),
            CtrlCmd::SET_STATEBLOB => crate::codec::be32_at(seen, 8)
                .map(|len| SET_STATEBLOB_HEADER_LEN as u64 + u64::from(len)),
            _ => Some(0),
        }
    }
}

impl SetStateBlobHeader {
    /// The 12 payload bytes (without the code).
    pub fn encode_payload(&self) -> [u8; SET_STATEBLOB_HEADER_LEN] {
        let mut b = [0u8; SET_STATEBLOB_HEADER_LEN];
        let mut w = b.iter_mut();
        for byte in self
            .state_flags
            .to_be_bytes()
            .into_iter()
            .chain(self.blob_type.to_be_bytes())
            .chain(self.length.to_be_bytes())
        {
            if let Some(slot) = w.next() {
                *slot = byte;
            }
        }
        b
    }

    /// Code + header: what QEMU writes as the first of two writes (swtpm_ioctls(3)
    /// CMD_SET_STATEBLOB); the body follows as the second.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = CtrlCmd::SET_STATEBLOB.0.to_be_bytes().to_vec();
        v.extend_from_slice(&self.encode_payload());
        v
    }

    /// Decodes the first 12 payload bytes; `None` if fewer.
    pub fn decode_payload(p: &[u8]) -> Option<SetStateBlobHeader> {
        let mut r = Rd::new(p);
        Some(SetStateBlobHeader {
            state_flags: r.u32()?,
            blob_type: r.u32()?,
            length: r.u32()?,
        })
    }

    /// The blob type, if it is one of the three.
    pub fn blob(&self) -> Option<BlobType> {
        BlobType::from_u32(self.blob_type)
    }
}

// ---------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------

/// CMD_GET_CAPABILITY reply: 8 bytes, `u32 0` + `u32 caps` (`ptm_cap_n`), which old clients
/// (QEMU, swtpm 0.7's own `ptm_cap`) read as one BE u64 with the same value.
#[doc(alias = "ptm_cap_n")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct CapabilityResponse {
    /// Always TPM_SUCCESS from swtpm; the upper half of the old u64.
    pub result: PtmRes,
    /// `PTM_CAP_*` bits.
    pub caps: u32,
}

impl CapabilityResponse {
    /// The value as QEMU's `ptm_cap` (BE u64) reading sees it.
    pub fn as_u64(&self) -> u64 {
        (u64::from(self.result.0) << 32) | u64::from(self.caps)
    }
}

/// CMD_GET_TPMESTABLISHED reply (`ptm_est` resp): u32 result, u8 bit, 3 zero pad bytes.
#[doc(alias = "ptm_est")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct EstablishedResponse {
    /// Result of reading the flag.
    pub result: PtmRes,
    /// The TPM-established flag (0 or 1).
    pub bit: u8,
}

/// CMD_GET_STATEBLOB reply (`ptm_getstate` resp): result, state_flags, totlength, length
/// (16-byte header), then `length` blob bytes when result is 0. On sockets swtpm sends
/// everything from the offset at once, so totlength == length (QEMU requires it).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct GetStateBlobResponse {
    /// TPM_SUCCESS, TPM_RETRY (no such blob: empty), or an error.
    pub result: PtmRes,
    /// `PTM_STATE_FLAG_ENCRYPTED` (2) when the blob is encrypted.
    pub state_flags: u32,
    /// Total bytes from the offset.
    pub totlength: u32,
    /// Bytes that follow the header.
    pub length: u32,
    /// The blob bytes (`length` of them when result is 0, else none).
    pub data: Vec<u8>,
}

/// Encoded size of the GET_STATEBLOB reply header.
pub const GET_STATEBLOB_HEADER_LEN: usize = 16;

/// CMD_GET_CONFIG reply (`ptm_getconfig` resp): result, flags.
#[doc(alias = "ptm_getconfig")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct GetConfigResponse {
    /// Always TPM_SUCCESS from swtpm.
    pub result: PtmRes,
    /// `PTM_CONFIG_FLAG_*`.
    pub flags: u32,
}

/// CMD_SET_BUFFERSIZE reply (`ptm_setbuffersize` resp): result, buffersize, minsize, maxsize.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SetBufferSizeResponse {
    /// TPM_SUCCESS (errors are 4-byte replies).
    pub result: PtmRes,
    /// The size in use from the next INIT (clamped into [min, max]).
    pub buffer_size: u32,
    /// Smallest supported size.
    pub min_size: u32,
    /// Largest supported size.
    pub max_size: u32,
}

/// CMD_GET_INFO reply (`ptm_getinfo` resp): result, totlength, length, then `length` bytes of
/// the JSON text (the final piece includes its NUL).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct GetInfoResponse {
    /// TPM_SUCCESS (errors are 4-byte replies).
    pub result: PtmRes,
    /// strlen(json) + 1.
    pub totlength: u32,
    /// Bytes in this piece (≤ `PTM_GETINFO_SIZE`).
    pub length: u32,
    /// The piece.
    pub data: Vec<u8>,
}

/// A decoded control response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Response {
    /// A 4-byte result: every error, and the success reply of the result-only commands.
    Result(PtmRes),
    /// CMD_GET_CAPABILITY.
    Capability(CapabilityResponse),
    /// CMD_GET_TPMESTABLISHED (once dispatched).
    Established(EstablishedResponse),
    /// CMD_GET_STATEBLOB (once dispatched).
    StateBlob(GetStateBlobResponse),
    /// CMD_GET_CONFIG success.
    Config(GetConfigResponse),
    /// CMD_SET_BUFFERSIZE success.
    BufferSize(SetBufferSizeResponse),
    /// CMD_GET_INFO success.
    Info(GetInfoResponse),
}

/// Why a response could not be decoded (yet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// At least this many bytes (in total) are needed.
    Incomplete(u64),
    /// A length field exceeds what the protocol allows.
    Invalid(&'static str),
}

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            DecodeError::Incomplete(n) => write!(f, "incomplete response: need {n} bytes"),
            DecodeError::Invalid(why) => write!(f, "invalid response: {why}"),
        }
    }
}

impl std::error::Error for DecodeError {}

impl Response {
    /// The result code of the response.
    pub fn result(&self) -> PtmRes {
        match self {
            Response::Result(r) => *r,
            Response::Capability(c) => c.result,
            Response::Established(e) => e.result,
            Response::StateBlob(s) => s.result,
            Response::Config(c) => c.result,
            Response::BufferSize(b) => b.result,
            Response::Info(i) => i.result,
        }
    }

    /// The exact bytes of the response.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::new();
        let mut put = |x: u32| v.extend_from_slice(&x.to_be_bytes());
        match self {
            Response::Result(r) => put(r.0),
            Response::Capability(c) => {
                put(c.result.0);
                put(c.caps);
            }
            Response::Established(e) => {
                put(e.result.0);
                v.extend_from_slice(&[e.bit, 0, 0, 0]);
            }
            Response::StateBlob(s) => {
                put(s.result.0);
                put(s.state_flags);
                put(s.totlength);
                put(s.length);
                v.extend_from_slice(&s.data);
            }
            Response::Config(c) => {
                put(c.result.0);
                put(c.flags);
            }
            Response::BufferSize(b) => {
                put(b.result.0);
                put(b.buffer_size);
                put(b.min_size);
                put(b.max_size);
            }
            Response::Info(i) => {
                put(i.result.0);
                put(i.totlength);
                put(i.length);
                v.extend_from_slice(&i.data);
            }
        }
        v
    }

    /// Decodes the response to `cmd` from the front of `buf`; returns it and the bytes used.
    /// Works on partial input: [`DecodeError::Incomplete`] says how many bytes to wait for,
    /// never more than the response's declared size.
    ///
    /// # Errors
    /// `Incomplete` while bytes are missing; `Invalid` for a GET_INFO piece longer than
    /// `PTM_GETINFO_SIZE`.
    pub fn decode(cmd: CtrlCmd, buf: &[u8]) -> Result<(Response, usize), DecodeError> {
        let mut r = Rd::new(buf);
        let inc = |n: u64| DecodeError::Incomplete(n);
        let res = PtmRes(r.u32().ok_or(inc(4))?);
        // Errors swtpm raises before dispatch: a 4-byte reply for every command.
        let pre_dispatch = res == PtmRes::BAD_ORDINAL || res == PtmRes::BAD_PARAMETER;
        match cmd {
            CtrlCmd::GET_CAPABILITY => {
                let caps = r.u32().ok_or(inc(8))?;
                Ok((
                    Response::Capability(CapabilityResponse { result: res, caps }),
                    8,
                ))
            }
            CtrlCmd::GET_TPMESTABLISHED if !pre_dispatch => {
                let bit = r.u8().ok_or(inc(8))?;
                r.take(3).ok_or(inc(8))?;
                Ok((
                    Response::Established(EstablishedResponse { result: res, bit }),
                    8,
                ))
            }
            CtrlCmd::GET_STATEBLOB if !pre_dispatch => {
                let hdr = GET_STATEBLOB_HEADER_LEN as u64;
                let state_flags = r.u32().ok_or(inc(hdr))?;
                let totlength = r.u32().ok_or(inc(hdr))?;
                let length = r.u32().ok_or(inc(hdr))?;
                let n = if res.is_success() { length } else { 0 };
                let total = hdr + u64::from(n);
                let data = r.take(n as usize).ok_or(inc(total))?.to_vec();
                let used = GET_STATEBLOB_HEADER_LEN + data.len();
                Ok((
                    Response::StateBlob(GetStateBlobResponse {
                        result: res,
                        state_flags,
                        totlength,
                        length,
                        data,
                    }),
                    used,
                ))
            }
            _ if !res.is_success() => Ok((Response::Result(res), 4)),
            CtrlCmd::GET_CONFIG => {
                let flags = r.u32().ok_or(inc(8))?;
                Ok((
                    Response::Config(GetConfigResponse { result: res, flags }),
                    8,
                ))
            }
            CtrlCmd::SET_BUFFERSIZE => {
                let buffer_size = r.u32().ok_or(inc(16))?;
                let min_size = r.u32().ok_or(inc(16))?;
                let max_size = r.u32().ok_or(inc(16))?;
                Ok((
                    Response::BufferSize(SetBufferSizeResponse {
                        result: res,
                        buffer_size,
                        min_size,
                        max_size,
                    }),
                    16,
                ))
            }
            CtrlCmd::GET_INFO => {
                let totlength = r.u32().ok_or(inc(12))?;
                let length = r.u32().ok_or(inc(12))?;
                if length as usize > crate::consts::GETINFO_SIZE {
                    return Err(DecodeError::Invalid("GET_INFO length > PTM_GETINFO_SIZE"));
                }
                let data = r
                    .take(length as usize)
                    .ok_or(inc(12 + u64::from(length)))?
                    .to_vec();
                let used = 12 + data.len();
                Ok((
                    Response::Info(GetInfoResponse {
                        result: res,
                        totlength,
                        length,
                        data,
                    }),
                    used,
                ))
            }
            _ => Ok((Response::Result(res), 4)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hx(b: &[u8]) -> String {
        hex::encode(b)
    }

    /// Request layouts: the BE code, then the `req` arm of each `ptm_*` union
    /// (include/swtpm/tpm_ioctl.h).
    #[test]
    fn request_layouts() {
        let cases: Vec<(Request, &str)> = vec![
            (Request::GetCapability, "00000001"),
            (
                Request::Init(InitRequest { init_flags: 1 }),
                "00000002 00000001",
            ),
            (Request::Shutdown, "00000003"),
            (Request::GetTpmEstablished, "00000004"),
            (
                Request::SetLocality(SetLocalityRequest { locality: 3 }),
                "00000005 03000000",
            ),
            (Request::HashStart, "00000006"),
            (
                Request::HashData(HashDataRequest {
                    data: vec![0xab, 0xcd],
                }),
                "00000007 00000002 abcd",
            ),
            (Request::HashEnd, "00000008"),
            (Request::CancelTpmCmd, "00000009"),
            (Request::StoreVolatile, "0000000a"),
            (
                Request::ResetTpmEstablished(ResetEstablishedRequest { locality: 4 }),
                "0000000b 04000000",
            ),
            (
                Request::GetStateBlob(GetStateBlobRequest {
                    state_flags: 1,
                    blob_type: 2,
                    offset: 3072,
                }),
                "0000000c 00000001 00000002 00000c00",
            ),
            (
                Request::SetStateBlob(SetStateBlobRequest {
                    state_flags: 2,
                    blob_type: 3,
                    data: vec![9],
                }),
                "0000000d 00000002 00000003 00000001 09",
            ),
            (Request::Stop, "0000000e"),
            (Request::GetConfig, "0000000f"),
            (Request::SetDataFd { fd_attached: true }, "00000010"),
            (
                Request::SetBufferSize(SetBufferSizeRequest { buffer_size: 3968 }),
                "00000011 00000f80",
            ),
            (
                Request::GetInfo(GetInfoRequest {
                    flags: 3,
                    offset: 5,
                }),
                "00000012 0000000000000003 00000005 00000000",
            ),
            (
                Request::LockStorage(LockStorageRequest { retries: 300 }),
                "00000013 0000012c",
            ),
        ];
        for (r, want) in cases {
            assert_eq!(hx(&r.encode()), want.replace(' ', ""), "{r:?}");
            let fd = matches!(r, Request::SetDataFd { fd_attached: true });
            assert_eq!(Request::decode(&r.encode(), fd), Ok(r));
        }
    }

    /// Sizes of the `req`/`resp` arms in tpm_ioctl.h (x86-64, as the BE socket layout).
    #[test]
    fn sizes_match_header_structs() {
        // ptm_est resp {u32; u8;} → 8 with padding (newest header: explicit pad[3]).
        assert_eq!(
            Response::Established(EstablishedResponse::default())
                .encode()
                .len(),
            8
        );
        // ptm_cap_n resp / QEMU's u64 ptm_cap.
        assert_eq!(
            Response::Capability(CapabilityResponse::default())
                .encode()
                .len(),
            8
        );
        // offsetof(ptm_getstate, u.resp.data) = 16.
        assert_eq!(
            Response::StateBlob(GetStateBlobResponse::default())
                .encode()
                .len(),
            16
        );
        // ptm_getconfig resp = 8; ptm_setbuffersize resp = 16; offsetof(ptm_getinfo, buffer) = 12.
        assert_eq!(
            Response::Config(GetConfigResponse::default())
                .encode()
                .len(),
            8
        );
        assert_eq!(
            Response::BufferSize(SetBufferSizeResponse::default())
                .encode()
                .len(),
            16
        );
        assert_eq!(
            Response::Info(GetInfoResponse::default()).encode().len(),
            12
        );
        // ptm_getinfo req = u64 + u32 + u32 = 16; ptm_getstate req = 12; ptm_setstate hdr = 12.
        assert_eq!(
            Request::GetInfo(GetInfoRequest::default()).encode().len(),
            4 + 16
        );
        assert_eq!(
            Request::GetStateBlob(GetStateBlobRequest::default())
                .encode()
                .len(),
            4 + 12
        );
        assert_eq!(SetStateBlobHeader::default().encode().len(), 4 + 12);
    }

    #[test]
    fn response_layouts_and_partial_decoding() {
        let caps = Response::Capability(CapabilityResponse {
            result: PtmRes(0),
            caps: 0xffff,
        });
        assert_eq!(hx(&caps.encode()), "000000000000ffff");
        if let Response::Capability(c) = &caps {
            assert_eq!(c.as_u64(), 0xffff);
        }
        let est = Response::Established(EstablishedResponse {
            result: PtmRes(0),
            bit: 1,
        });
        assert_eq!(hx(&est.encode()), "0000000001000000");
        // 4-byte errors before dispatch, 8/16-byte ones after.
        let b = hex::decode("0000000a").unwrap();
        assert_eq!(
            Response::decode(CtrlCmd::GET_TPMESTABLISHED, &b),
            Ok((Response::Result(PtmRes::BAD_ORDINAL), 4))
        );
        assert_eq!(
            Response::decode(CtrlCmd::GET_STATEBLOB, &b),
            Ok((Response::Result(PtmRes::BAD_ORDINAL), 4))
        );
        let b = hex::decode("00000800").unwrap();
        assert_eq!(
            Response::decode(CtrlCmd::GET_STATEBLOB, &b),
            Err(DecodeError::Incomplete(16))
        );
        let b = hex::decode("00000000 00000002 00000003 00000003 aabb".replace(' ', "")).unwrap();
        assert_eq!(
            Response::decode(CtrlCmd::GET_STATEBLOB, &b),
            Err(DecodeError::Incomplete(19))
        );
        assert_eq!(
            Response::decode(CtrlCmd::INIT, &[0, 0]),
            Err(DecodeError::Incomplete(4))
        );
        assert_eq!(
            Response::decode(CtrlCmd::SET_BUFFERSIZE, &[0, 0, 0, 9]),
            Ok((Response::Result(PtmRes::FAIL), 4))
        );
        let big = hex::decode("00000000 00002000 00000c01".replace(' ', "")).unwrap();
        assert!(matches!(
            Response::decode(CtrlCmd::GET_INFO, &big),
            Err(DecodeError::Invalid(_))
        ));
    }

    fn any_response() -> impl Strategy<Value = (CtrlCmd, Response)> {
        let data = proptest::collection::vec(any::<u8>(), 0..200);
        (0u8..8, any::<u32>(), any::<u32>(), any::<u8>(), data).prop_map(|(k, a, b, bit, data)| {
            // Results that keep the reply shape (0, or post-dispatch codes).
            let ok = PtmRes(0);
            let n = data.len() as u32;
            match k {
                0 => (
                    CtrlCmd::GET_CAPABILITY,
                    Response::Capability(CapabilityResponse {
                        result: ok,
                        caps: a,
                    }),
                ),
                1 => (
                    CtrlCmd::GET_TPMESTABLISHED,
                    Response::Established(EstablishedResponse {
                        result: PtmRes(b % 3 * 9),
                        bit,
                    }),
                ),
                2 => (
                    CtrlCmd::GET_STATEBLOB,
                    Response::StateBlob(GetStateBlobResponse {
                        result: ok,
                        state_flags: a,
                        totlength: n,
                        length: n,
                        data,
                    }),
                ),
                3 => (
                    CtrlCmd::GET_STATEBLOB,
                    Response::StateBlob(GetStateBlobResponse {
                        result: PtmRes::RETRY,
                        state_flags: a,
                        totlength: 0,
                        length: 0,
                        data: vec![],
                    }),
                ),
                4 => (
                    CtrlCmd::GET_CONFIG,
                    Response::Config(GetConfigResponse {
                        result: ok,
                        flags: a,
                    }),
                ),
                5 => (
                    CtrlCmd::SET_BUFFERSIZE,
                    Response::BufferSize(SetBufferSizeResponse {
                        result: ok,
                        buffer_size: a,
                        min_size: b,
                        max_size: a ^ b,
                    }),
                ),
                6 => (
                    CtrlCmd::GET_INFO,
                    Response::Info(GetInfoResponse {
                        result: ok,
                        totlength: a,
                        length: n,
                        data,
                    }),
                ),
                _ => {
                    // Result-only commands (not GET_CAPABILITY, GET_TPMESTABLISHED,
                    // GET_STATEBLOB, whose error replies have their full size).
                    let codes = [
                        2u32, 3, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 0x99,
                    ];
                    let c = codes[usize::from(bit) % codes.len()];
                    (CtrlCmd(c), Response::Result(PtmRes(a | 1)))
                }
            }
        })
    }

    proptest! {
        #[test]
        fn response_roundtrip((cmd, r) in any_response(), extra in proptest::collection::vec(any::<u8>(), 0..8)) {
            let mut b = r.encode();
            let len = b.len();
            // Every strict prefix is Incomplete with a need within the declared size.
            for cut in 0..len {
                match Response::decode(cmd, &b[..cut]) {
                    Err(DecodeError::Incomplete(n)) => prop_assert!(n as usize > cut && n as usize <= len),
                    other => prop_assert!(false, "{:?} at {}", other, cut),
                }
            }
            b.extend_from_slice(&extra);
            prop_assert_eq!(Response::decode(cmd, &b), Ok((r, len)));
        }

        #[test]
        fn decoders_never_panic(cmd in any::<u32>(), b in proptest::collection::vec(any::<u8>(), 0..64), fd in any::<bool>()) {
            let _ = Request::decode(&b, fd);
            let _ = Response::decode(CtrlCmd(cmd % 0x20), &b);
            let _ = Request::needed_payload(CtrlCmd(cmd % 0x20), &b);
        }
    }
}
