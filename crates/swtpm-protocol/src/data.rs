//! Data-channel framing (swtpm `src/swtpm/mainloop.c`, `src/swtpm/tpmlib.c`).
//!
//! The data channel carries raw TPM commands and responses: u16 tag, u32 size (the whole
//! frame), u32 code, parameters. swtpm itself treats one `read()` (of at least the 10 header
//! bytes) as one command and lets libtpms check the size field; [`DataFramer`] frames by the
//! size field instead, which gives the same messages for clients that write one command and
//! wait for the response (all known clients), and also handles fragmented or back-to-back
//! commands.
//!
//! With `PTM_CAP_SEND_COMMAND_HEADER` (TPM 2 only, swtpm.pod "tpm-send-command-header"), a
//! command may carry the Microsoft simulator's `TPM_SEND_COMMAND` prefix
//! (`struct tpm2_send_command_prefix`, packed): BE u32 cmd = 8, u8 locality, BE u32 length of
//! the TPM command that follows. swtpm recognises it when the buffer does not start with a
//! TPM 2 tag (0x8001/0x8002) and its first u32 is 8; the locality then applies to this and
//! later commands. The response is then `struct tpm2_resp_prefix` (BE u32 length), the TPM
//! response, and a 4-byte zero trailer (acknowledgement), in one write.

use crate::codec::{Rd, be32_at};

/// Bytes in a TPM command/response header (tag, size, code).
pub const TPM_HEADER_LEN: usize = 10;
/// `TPM2_ST_NO_SESSIONS`.
pub const TPM2_ST_NO_SESSIONS: u16 = 0x8001;
/// `TPM2_ST_SESSIONS`.
pub const TPM2_ST_SESSIONS: u16 = 0x8002;
/// `TPM2_SEND_COMMAND` (swtpm `tpmlib.h`): the MS-simulator platform command swtpm handles.
pub const MS_SEND_COMMAND: u32 = 8;
/// Bytes of the MS-simulator command prefix (packed: u32 + u8 + u32).
pub const MS_PREFIX_LEN: usize = 9;
/// Default TPM buffer size (libtpms TPM 2 and TPM 1.2: 4096).
pub const DEFAULT_BUFFER_SIZE: usize = 4096;

/// The TPM family the daemon emulates (selects the fatal error response).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// TPM 1.2.
    Tpm12,
    /// TPM 2.0.
    Tpm2,
}

/// The response swtpm gives to every data-channel command while the TPM is not running
/// (before CMD_INIT, after CMD_STOP), without looking at the command (swtpm
/// `tpmlib_write_fatal_error_response`): TPM 2 `80 01 00000000a 00000101` (TPM_RC_FAILURE),
/// TPM 1.2 `00 c4 0000000a 00000009` (TPM_FAIL). QEMU's version probe reads the tag.
pub fn fatal_error_response(family: Family) -> [u8; TPM_HEADER_LEN] {
    match family {
        Family::Tpm2 => [0x80, 0x01, 0, 0, 0, 0x0a, 0, 0, 0x01, 0x01],
        Family::Tpm12 => [0x00, 0xc4, 0, 0, 0, 0x0a, 0, 0, 0, 0x09],
    }
}

/// A TPM command/response header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TpmHeader {
    /// Tag.
    pub tag: u16,
    /// Size of the whole frame.
    pub size: u32,
    /// Command code / ordinal, or response code.
    pub code: u32,
}

impl TpmHeader {
    /// Parses the first 10 bytes; `None` if fewer.
    pub fn parse(b: &[u8]) -> Option<TpmHeader> {
        let mut r = Rd::new(b);
        Some(TpmHeader {
            tag: r.u16()?,
            size: r.u32()?,
            code: r.u32()?,
        })
    }
}

/// The MS-simulator command prefix (`struct tpm2_send_command_prefix`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MsCommandPrefix {
    /// Locality for this and later commands (not checked against reject-locality-4).
    pub locality: u8,
    /// Length of the TPM command that follows.
    pub length: u32,
}

impl MsCommandPrefix {
    /// The 9 bytes.
    pub fn encode(&self) -> [u8; MS_PREFIX_LEN] {
        let c = MS_SEND_COMMAND.to_be_bytes();
        let l = self.length.to_be_bytes();
        [
            c[0],
            c[1],
            c[2],
            c[3],
            self.locality,
            l[0],
            l[1],
            l[2],
            l[3],
        ]
    }

    /// swtpm's rule (`tpmlib_handle_tcg_tpm2_cmd_header`): at least 10 bytes, not starting
    /// with a TPM 2 tag, first BE u32 = 8. `None` otherwise.
    pub fn detect(b: &[u8]) -> Option<MsCommandPrefix> {
        let hdr = TpmHeader::parse(b)?;
        if hdr.tag == TPM2_ST_NO_SESSIONS || hdr.tag == TPM2_ST_SESSIONS {
            return None;
        }
        let mut r = Rd::new(b);
        if r.u32()? != MS_SEND_COMMAND {
            return None;
        }
        Some(MsCommandPrefix {
            locality: r.u8()?,
            length: r.u32()?,
        })
    }
}

/// Wraps a TPM response for a command that came with the MS-simulator prefix: BE u32
/// length, the response, 4 zero bytes.
pub fn wrap_ms_response(rsp: &[u8]) -> Vec<u8> {
    let len = u32::try_from(rsp.len()).unwrap_or(u32::MAX);
    let mut v = Vec::with_capacity(rsp.len() + 8);
    v.extend_from_slice(&len.to_be_bytes());
    v.extend_from_slice(rsp);
    v.extend_from_slice(&[0; 4]);
    v
}

/// Splits a wrapped response back into the TPM response (client side); `None` unless the
/// length matches and the trailer is present.
pub fn unwrap_ms_response(b: &[u8]) -> Option<(&[u8], u32)> {
    let mut r = Rd::new(b);
    let len = r.u32()?;
    let rsp = r.take(usize::try_from(len).ok()?)?;
    let trailer = r.u32()?;
    if r.remaining() != 0 {
        return None;
    }
    Some((rsp, trailer))
}

/// One framed command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The TPM command bytes (size field = length, unless the prefix said otherwise).
    pub command: Vec<u8>,
    /// `Some(locality)` when the command came with the MS-simulator prefix: set the
    /// locality, and wrap the response with [`Frame::response`].
    pub ms_locality: Option<u8>,
}

impl Frame {
    /// The bytes to write for `rsp` (wrapped when the command was).
    pub fn response(&self, rsp: &[u8]) -> Vec<u8> {
        if self.ms_locality.is_some() {
            wrap_ms_response(rsp)
        } else {
            rsp.to_vec()
        }
    }
}

/// A data-channel framing error. The framer drops what it buffered (the stream cannot be
/// re-synchronised); the daemon answers with a TPM error response or closes the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// The declared size exceeds the TPM buffer size.
    TooLarge {
        /// Declared size.
        size: u32,
        /// The limit.
        max: u32,
    },
    /// The declared size exceeds the TPM buffer size, but the whole command fits in one of
    /// swtpm's reads (TPM buffer maximum + 9 bytes): swtpm hands it to libtpms, which answers
    /// TPM_RC_COMMAND_SIZE, and the connection stays. The framer skips exactly this command
    /// (also its bytes still to come) and goes on framing what follows.
    Skipped {
        /// Declared size.
        size: u32,
        /// The limit.
        max: u32,
    },
    /// The size field is smaller than a header.
    TooSmall {
        /// Declared size.
        size: u32,
    },
}

impl core::fmt::Display for FrameError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FrameError::TooLarge { size, max } => {
                write!(
                    f,
                    "TPM command of {size} bytes exceeds the buffer size {max}"
                )
            }
            FrameError::Skipped { size, max } => {
                write!(
                    f,
                    "TPM command of {size} bytes exceeds the buffer size {max} (skipped)"
                )
            }
            FrameError::TooSmall { size } => write!(f, "TPM command size {size} < 10"),
        }
    }
}

impl std::error::Error for FrameError {}

/// Stream framer for the data channel: push bytes as they arrive, pop whole commands.
#[derive(Clone, Debug)]
pub struct DataFramer {
    max: u32,
    ms_header: bool,
    buf: Vec<u8>,
    /// Bytes of a skipped oversized command still to arrive (dropped on arrival).
    skip: usize,
}

/// swtpm `mainloop.c`: one read of at most the TPM buffer maximum (4096) plus the 9-byte
/// TPM_SEND_COMMAND prefix is one command.
pub const SWTPM_READ_MAX: usize = 4096 + MS_PREFIX_LEN;

impl DataFramer {
    /// `max`: the TPM buffer size (CMD_SET_BUFFERSIZE); `ms_header`: accept the
    /// MS-simulator prefix (TPM 2 with `PTM_CAP_SEND_COMMAND_HEADER`).
    pub fn new(max: u32, ms_header: bool) -> Self {
        DataFramer {
            max,
            ms_header,
            buf: Vec::new(),
            skip: 0,
        }
    }

    /// Changes the buffer size (after CMD_SET_BUFFERSIZE + CMD_INIT).
    pub fn set_max(&mut self, max: u32) {
        self.max = max;
    }

    /// Appends received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        let drop = self.skip.min(bytes.len());
        self.skip -= drop;
        self.buf.extend_from_slice(bytes.get(drop..).unwrap_or(&[]));
    }

    /// Bytes buffered and not yet framed.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next whole command, `Ok(None)` while incomplete (waiting never exceeds the
    /// declared size, itself bounded by the buffer size).
    ///
    /// # Errors
    /// [`FrameError`] for a size field out of range; the buffer is then cleared.
    pub fn pop(&mut self) -> Result<Option<Frame>, FrameError> {
        // swtpm reads until it has at least a header's worth of bytes.
        if self.buf.len() < TPM_HEADER_LEN {
            return Ok(None);
        }
        let (skip, len, ms_locality) = match self
            .ms_header
            .then(|| MsCommandPrefix::detect(&self.buf))
            .flatten()
        {
            Some(p) => (MS_PREFIX_LEN, p.length, Some(p.locality)),
            None => {
                let size = be32_at(&self.buf, 2).unwrap_or(0);
                if (size as usize) < TPM_HEADER_LEN {
                    self.buf.clear();
                    return Err(FrameError::TooSmall { size });
                }
                (0, size, None)
            }
        };
        if len > self.max {
            let end = skip + len as usize;
            if end <= SWTPM_READ_MAX {
                let have = end.min(self.buf.len());
                self.buf.drain(..have);
                self.skip = end - have;
                return Err(FrameError::Skipped {
                    size: len,
                    max: self.max,
                });
            }
            self.buf.clear();
            return Err(FrameError::TooLarge {
                size: len,
                max: self.max,
            });
        }
        let end = skip + len as usize;
        if self.buf.len() < end {
            return Ok(None);
        }
        let command = self.buf.get(skip..end).unwrap_or(&[]).to_vec();
        self.buf.drain(..end);
        Ok(Some(Frame {
            command,
            ms_locality,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_command_within_one_swtpm_read_is_skipped() {
        let mut f = DataFramer::new(3000, false);
        let mut big = vec![0x80, 0x01, 0, 0, 0x0b, 0xb9, 0, 0, 0x01, 0x7b];
        big.resize(3001, 0);
        let startup = hex::decode("80010000000c000001440000").unwrap();
        f.push(&big[..2000]);
        assert_eq!(
            f.pop(),
            Err(FrameError::Skipped {
                size: 3001,
                max: 3000
            })
        );
        // The rest of the big command, then a good one in the same read.
        let mut tail = big[2000..].to_vec();
        tail.extend_from_slice(&startup);
        f.push(&tail);
        assert_eq!(f.pop().unwrap().unwrap().command, startup);
        assert_eq!(f.buffered(), 0);
        // Beyond one swtpm read the stream cannot be followed.
        let mut f = DataFramer::new(4096, false);
        f.push(&[0x80, 0x01, 0, 0, 0x13, 0x88, 0, 0, 0x01, 0x7b]);
        assert_eq!(
            f.pop(),
            Err(FrameError::TooLarge {
                size: 5000,
                max: 4096
            })
        );
    }

    #[test]
    fn fatal_responses() {
        assert_eq!(
            hex::encode(fatal_error_response(Family::Tpm2)),
            "80010000000a00000101"
        );
        assert_eq!(
            hex::encode(fatal_error_response(Family::Tpm12)),
            "00c40000000a00000009"
        );
    }

    #[test]
    fn plain_frames_fragmented_and_back_to_back() {
        let cmd = hex::decode("80010000000c0000014400000").unwrap_or_default();
        let startup = hex::decode("80010000000c000001440000").unwrap();
        let mut f = DataFramer::new(4096, true);
        let mut two = startup.clone();
        two.extend_from_slice(&startup);
        for b in &two[..13] {
            f.push(&[*b]);
        }
        let first = f.pop().unwrap().unwrap();
        assert_eq!(first.command, startup);
        assert_eq!(first.ms_locality, None);
        assert_eq!(f.pop().unwrap(), None);
        f.push(&two[13..]);
        assert_eq!(f.pop().unwrap().unwrap().command, startup);
        assert_eq!(f.buffered(), 0);
        let _ = cmd;
    }

    #[test]
    fn size_limits() {
        // 4097 bytes still fit one swtpm read (4096 + 9): skipped, the stream goes on.
        let mut f = DataFramer::new(4096, false);
        f.push(&hex::decode("80010000100100000144").unwrap());
        assert_eq!(
            f.pop(),
            Err(FrameError::Skipped {
                size: 0x1001,
                max: 4096
            })
        );
        // 4106 bytes do not.
        let mut f = DataFramer::new(4096, false);
        f.push(&hex::decode("80010000100a00000144").unwrap());
        assert_eq!(
            f.pop(),
            Err(FrameError::TooLarge {
                size: 0x100a,
                max: 4096
            })
        );
        assert_eq!(f.buffered(), 0);
        f.push(&hex::decode("80010000000900000144").unwrap());
        assert_eq!(f.pop(), Err(FrameError::TooSmall { size: 9 }));
        // Exactly the limit is accepted.
        let mut g = DataFramer::new(12, false);
        g.push(&hex::decode("80010000000c000001440000").unwrap());
        assert!(g.pop().unwrap().is_some());
    }

    #[test]
    fn ms_prefix_layout() {
        // TPM_SEND_COMMAND, locality 3, TPM2_Startup(CLEAR) (12 bytes).
        let wire = hex::decode("00000008030000000c80010000000c000001440000").unwrap();
        let p = MsCommandPrefix::detect(&wire).unwrap();
        assert_eq!(
            p,
            MsCommandPrefix {
                locality: 3,
                length: 12
            }
        );
        assert_eq!(p.encode().as_slice(), &wire[..9]);
        let mut f = DataFramer::new(4096, true);
        f.push(&wire[..15]);
        assert_eq!(f.pop().unwrap(), None);
        f.push(&wire[15..]);
        let fr = f.pop().unwrap().unwrap();
        assert_eq!(fr.ms_locality, Some(3));
        assert_eq!(fr.command, &wire[9..]);
        let rsp = hex::decode("80010000000a00000000").unwrap();
        let out = fr.response(&rsp);
        assert_eq!(hex::encode(&out), "0000000a80010000000a0000000000000000");
        assert_eq!(unwrap_ms_response(&out), Some((rsp.as_slice(), 0)));
        // Without the feature the same bytes are a plain frame with size 0x00080300.
        let mut g = DataFramer::new(4096, false);
        g.push(&wire);
        assert_eq!(
            g.pop(),
            Err(FrameError::TooLarge {
                size: 0x80300,
                max: 4096
            })
        );
        // A TPM 2 tag is never a prefix even if the next bytes look like one.
        assert_eq!(
            MsCommandPrefix::detect(&hex::decode("80010000000800000000").unwrap()),
            None
        );
        // Short buffers are never a prefix.
        assert_eq!(MsCommandPrefix::detect(&wire[..9]), None);
    }
}
