//! The client side of the control channel, as QEMU's tpm_emulator backend and swtpm_ioctl
//! use it: encode a request ([`Request::encode`]), write it in one write, read the response
//! incrementally ([`Response::decode`] says how many bytes to wait for), one request at a
//! time (swtpm does not allow pipelining).
//!
//! [`Client`] wraps any `Read + Write` stream (TCP, Unix socket) with one method per command.

use std::io::{self, Read, Write};

use crate::consts::{BlobType, CtrlCmd, PtmRes};
use crate::messages::{
    DecodeError, EstablishedResponse, GetInfoRequest, GetStateBlobRequest, GetStateBlobResponse,
    InitRequest, LockStorageRequest, Request, ResetEstablishedRequest, Response,
    SetBufferSizeRequest, SetBufferSizeResponse, SetLocalityRequest, SetStateBlobHeader,
};

/// A control-channel client failure.
#[derive(Debug)]
pub enum ClientError {
    /// The stream failed or closed early.
    Io(io::Error),
    /// The response did not decode.
    Decode(DecodeError),
    /// The server answered a non-zero result.
    Result(CtrlCmd, PtmRes),
    /// The response violates the protocol (e.g. GET_STATEBLOB totlength ≠ length).
    Protocol(&'static str),
}

impl core::fmt::Display for ClientError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ClientError::Io(e) => write!(f, "control channel I/O: {e}"),
            ClientError::Decode(e) => write!(f, "{e}"),
            ClientError::Result(c, r) => write!(f, "TPM result from {c:?}: {r}"),
            ClientError::Protocol(why) => write!(f, "protocol violation: {why}"),
        }
    }
}

impl std::error::Error for ClientError {}

impl From<io::Error> for ClientError {
    fn from(e: io::Error) -> Self {
        ClientError::Io(e)
    }
}

/// Reads the response to `cmd` from `r`, never asking for more bytes than the response
/// declares.
///
/// # Errors
/// I/O errors (EOF mid-response is `UnexpectedEof`) and undecodable responses.
pub fn read_response<R: Read + ?Sized>(r: &mut R, cmd: CtrlCmd) -> Result<Response, ClientError> {
    let mut buf = Vec::new();
    loop {
        match Response::decode(cmd, &buf) {
            Ok((resp, _)) => return Ok(resp),
            Err(DecodeError::Incomplete(need)) => {
                let need = usize::try_from(need)
                    .map_err(|_| ClientError::Protocol("response larger than memory"))?;
                let have = buf.len();
                let want = need.saturating_sub(have);
                // Grow as bytes arrive, not by the declared size.
                let mut chunk = vec![0u8; want.min(64 * 1024)];
                r.read_exact(&mut chunk)?;
                buf.extend_from_slice(&chunk);
            }
            Err(e) => return Err(ClientError::Decode(e)),
        }
    }
}

/// One request, one response.
///
/// # Errors
/// As [`read_response`].
pub fn transact<S: Read + Write + ?Sized>(
    s: &mut S,
    req: &Request,
) -> Result<Response, ClientError> {
    s.write_all(&req.encode())?;
    s.flush()?;
    read_response(s, req.cmd())
}

fn ok(cmd: CtrlCmd, r: PtmRes) -> Result<(), ClientError> {
    if r.is_success() {
        Ok(())
    } else {
        Err(ClientError::Result(cmd, r))
    }
}

/// A typed control-channel client over a stream.
#[derive(Debug)]
pub struct Client<S> {
    /// The stream.
    pub stream: S,
}

impl<S: Read + Write> Client<S> {
    /// Wraps a connected stream.
    pub fn new(stream: S) -> Self {
        Client { stream }
    }

    /// Sends `req` and returns the decoded response whatever its result.
    ///
    /// # Errors
    /// As [`read_response`].
    pub fn raw(&mut self, req: &Request) -> Result<Response, ClientError> {
        transact(&mut self.stream, req)
    }

    fn result_only(&mut self, req: &Request) -> Result<(), ClientError> {
        let r = self.raw(req)?;
        ok(req.cmd(), r.result())
    }

    /// swtpm_ioctls(3) CMD_GET_CAPABILITY: the `PTM_CAP_*` bits.
    ///
    /// # Errors
    /// I/O, decoding, or a non-zero result.
    pub fn get_capability(&mut self) -> Result<u32, ClientError> {
        match self.raw(&Request::GetCapability)? {
            Response::Capability(c) => ok(CtrlCmd::GET_CAPABILITY, c.result).map(|()| c.caps),
            _ => Err(ClientError::Protocol("GET_CAPABILITY reply")),
        }
    }

    /// swtpm_ioctls(3) CMD_INIT.
    ///
    /// # Errors
    /// I/O, decoding, or a non-zero result.
    pub fn init(&mut self, init_flags: u32) -> Result<(), ClientError> {
        self.result_only(&Request::Init(InitRequest { init_flags }))
    }

    /// swtpm_ioctls(3) CMD_SHUTDOWN (the server exits after answering).
    ///
    /// # Errors
    /// I/O, decoding, or a non-zero result.
    pub fn shutdown(&mut self) -> Result<(), ClientError> {
        self.result_only(&Request::Shutdown)
    }

    /// swtpm_ioctls(3) CMD_STOP.
    ///
    /// # Errors
    /// I/O, decoding, or a non-zero result.
    pub fn stop(&mut self) -> Result<(), ClientError> {
        self.result_only(&Request::Stop)
    }

    /// swtpm_ioctls(3) CMD_GET_TPMESTABLISHED.
    ///
    /// # Errors
    /// I/O, decoding, or a non-zero result.
    pub fn get_tpm_established(&mut self) -> Result<bool, ClientError> {
        match self.raw(&Request::GetTpmEstablished)? {
            Response::Established(EstablishedResponse { result, bit }) => {
                ok(CtrlCmd::GET_TPMESTABLISHED, result).map(|()| bit != 0)
            }
            r => Err(ClientError::Result(CtrlCmd::GET_TPMESTABLISHED, r.result())),
        }
    }

    /// swtpm_ioctls(3) CMD_SET_LOCALITY.
    ///
    /// # Errors
    /// I/O, decoding, or a non-zero result.
    pub fn set_locality(&mut self, locality: u8) -> Result<(), ClientError> {
        self.result_only(&Request::SetLocality(SetLocalityRequest { locality }))
    }

    /// swtpm_ioctls(3) CMD_RESET_TPMESTABLISHED.
    ///
    /// # Errors
    /// I/O, decoding, or a non-zero result.
    pub fn reset_tpm_established(&mut self, locality: u8) -> Result<(), ClientError> {
        self.result_only(&Request::ResetTpmEstablished(ResetEstablishedRequest {
            locality,
        }))
    }

    /// swtpm_ioctls(3) CMD_HASH_START, CMD_HASH_DATA (pieces of ≤ 4096 bytes, as swtpm_ioctl
    /// sends them), CMD_HASH_END.
    ///
    /// # Errors
    /// I/O, decoding, or a non-zero result.
    pub fn hash(&mut self, data: &[u8]) -> Result<(), ClientError> {
        self.result_only(&Request::HashStart)?;
        for piece in data.chunks(crate::consts::HASH_DATA_CHUNK) {
            self.result_only(&Request::HashData(crate::messages::HashDataRequest {
                data: piece.to_vec(),
            }))?;
        }
        self.result_only(&Request::HashEnd)
    }

    /// swtpm_ioctls(3) CMD_CANCEL_TPM_CMD.
    ///
    /// # Errors
    /// I/O, decoding, or a non-zero result.
    pub fn cancel_tpm_cmd(&mut self) -> Result<(), ClientError> {
        self.result_only(&Request::CancelTpmCmd)
    }

    /// swtpm_ioctls(3) CMD_STORE_VOLATILE.
    ///
    /// # Errors
    /// I/O, decoding, or a non-zero result.
    pub fn store_volatile(&mut self) -> Result<(), ClientError> {
        self.result_only(&Request::StoreVolatile)
    }

    /// swtpm_ioctls(3) CMD_GET_STATEBLOB, one request at `offset`.
    ///
    /// # Errors
    /// I/O or decoding (a non-zero result is returned in the response).
    pub fn get_state_blob_at(
        &mut self,
        state_flags: u32,
        blob: BlobType,
        offset: u32,
    ) -> Result<GetStateBlobResponse, ClientError> {
        match self.raw(&Request::GetStateBlob(GetStateBlobRequest {
            state_flags,
            blob_type: blob.to_u32(),
            offset,
        }))? {
            Response::StateBlob(s) => Ok(s),
            r => Err(ClientError::Result(CtrlCmd::GET_STATEBLOB, r.result())),
        }
    }

    /// A whole blob as QEMU's pre_save takes it: offset 0, result 0 or TPM_RETRY (empty),
    /// totlength must equal length. Returns the state flags and the bytes.
    ///
    /// # Errors
    /// I/O, decoding, another non-zero result, or totlength ≠ length.
    pub fn get_state_blob(
        &mut self,
        state_flags: u32,
        blob: BlobType,
    ) -> Result<(u32, Vec<u8>), ClientError> {
        let r = self.get_state_blob_at(state_flags, blob, 0)?;
        if r.result == PtmRes::RETRY {
            return Ok((r.state_flags, Vec::new()));
        }
        ok(CtrlCmd::GET_STATEBLOB, r.result)?;
        if r.totlength != r.length {
            return Err(ClientError::Protocol("GET_STATEBLOB totlength != length"));
        }
        Ok((r.state_flags, r.data))
    }

    /// swtpm_ioctls(3) CMD_SET_STATEBLOB as QEMU's post_load sends it: the 16-byte header in
    /// one write, the body in a second, then the 4-byte result.
    ///
    /// # Errors
    /// I/O, decoding, or a non-zero result.
    pub fn set_state_blob(
        &mut self,
        state_flags: u32,
        blob: BlobType,
        data: &[u8],
    ) -> Result<(), ClientError> {
        let length =
            u32::try_from(data.len()).map_err(|_| ClientError::Protocol("blob > 4 GiB"))?;
        let hdr = SetStateBlobHeader {
            state_flags,
            blob_type: blob.to_u32(),
            length,
        };
        self.stream.write_all(&hdr.encode())?;
        self.stream.flush()?;
        if !data.is_empty() {
            self.stream.write_all(data)?;
            self.stream.flush()?;
        }
        let r = read_response(&mut self.stream, CtrlCmd::SET_STATEBLOB)?;
        ok(CtrlCmd::SET_STATEBLOB, r.result())
    }

    /// swtpm_ioctls(3) CMD_GET_CONFIG: `PTM_CONFIG_FLAG_*`.
    ///
    /// # Errors
    /// I/O, decoding, or a non-zero result.
    pub fn get_config(&mut self) -> Result<u32, ClientError> {
        match self.raw(&Request::GetConfig)? {
            Response::Config(c) => Ok(c.flags),
            r => Err(ClientError::Result(CtrlCmd::GET_CONFIG, r.result())),
        }
    }

    /// swtpm_ioctls(3) CMD_SET_BUFFERSIZE (0 queries).
    ///
    /// # Errors
    /// I/O, decoding, or a non-zero result.
    pub fn set_buffer_size(
        &mut self,
        buffer_size: u32,
    ) -> Result<SetBufferSizeResponse, ClientError> {
        match self.raw(&Request::SetBufferSize(SetBufferSizeRequest {
            buffer_size,
        }))? {
            Response::BufferSize(b) => Ok(b),
            r => Err(ClientError::Result(CtrlCmd::SET_BUFFERSIZE, r.result())),
        }
    }

    /// swtpm_ioctls(3) CMD_GET_INFO, looping on the offset until totlength bytes arrived
    /// (as swtpm_ioctl does); returns the text without its NUL.
    ///
    /// # Errors
    /// I/O, decoding, a non-zero result, or inconsistent lengths.
    pub fn get_info(&mut self, flags: u64) -> Result<String, ClientError> {
        let mut text = Vec::new();
        loop {
            let offset =
                u32::try_from(text.len()).map_err(|_| ClientError::Protocol("GET_INFO > 4 GiB"))?;
            let r = match self.raw(&Request::GetInfo(GetInfoRequest { flags, offset }))? {
                Response::Info(i) => i,
                r => return Err(ClientError::Result(CtrlCmd::GET_INFO, r.result())),
            };
            if r.data.is_empty() {
                return Err(ClientError::Protocol("GET_INFO empty piece"));
            }
            text.extend_from_slice(&r.data);
            if text.len() >= r.totlength as usize {
                break;
            }
        }
        if text.last() == Some(&0) {
            text.pop();
        }
        String::from_utf8(text).map_err(|_| ClientError::Protocol("GET_INFO not UTF-8"))
    }

    /// swtpm_ioctls(3) CMD_LOCK_STORAGE (swtpm 0.8+).
    ///
    /// # Errors
    /// I/O, decoding, or a non-zero result.
    pub fn lock_storage(&mut self, retries: u32) -> Result<(), ClientError> {
        self.result_only(&Request::LockStorage(LockStorageRequest { retries }))
    }
}
