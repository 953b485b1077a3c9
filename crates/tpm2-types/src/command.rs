//! The TPM 2.0 command and response envelopes (TPM 2.0 Part 1 §18, Part 3 §4-§5): headers,
//! the handle areas, the authorization (session) areas and the parameter areas, and the typed
//! whole-message parsers [`parse_request`] / [`parse_response`] over every Part 3 command of
//! [`crate::commands`].
//!
//! Layout of a command: `tag u16, commandSize u32, commandCode u32`, then the command's
//! handles (`u32` each), then, only with `TPM_ST_SESSIONS`, `authorizationSize u32` and one to
//! three TPMS_AUTH_COMMAND, then the parameters. A response: `tag, responseSize, responseCode`,
//! and, on success, the response handles, then with `TPM_ST_SESSIONS` `parameterSize u32`, the
//! parameters and one TPMS_AUTH_RESPONSE per command session; without sessions the
//! parameters alone. An error response is the header alone (Part 3 §4.6).
//!
//! Parameter encryption (Part 1 §21): a session with `decrypt` (command) or `encrypt`
//! (response) hides the contents of the first parameter, a TPM2B whose size stays plain. A
//! first parameter that is a byte buffer still parses (its bytes are ciphertext); one that is a
//! structure behind a size (TPM2B_SENSITIVE_CREATE, TPM2B_PUBLIC, TPM2B_ECC_POINT, ...) cannot,
//! so the parameter area of such a message is kept whole as [`Params::Encrypted`].

use core::fmt;

use tpm_wire::{
    Marshal, NumberedError, Profile, Reader, Unmarshal, UnmarshalNumbered, WireError, Writer,
};

use crate::{TpmCc, TpmSt, TpmaSession, TpmsAuthCommand, TpmsAuthResponse};

/// Length of a command or response header: tag, size, code (TPM 2.0 Part 1 §18.2).
pub const HEADER_SIZE: usize = 10;

/// At most three sessions per command (TPM 2.0 Part 1 §18.6; libtpms MAX_SESSION_NUM).
pub const MAX_SESSIONS: usize = 3;

/// The smallest TPMS_AUTH_COMMAND: handle, empty nonce, attributes, empty HMAC
/// (libtpms `ExecCommand.c`: an authorizationSize below 9 is TPM_RC_SIZE).
pub const MIN_AUTH_SIZE: u32 = 9;

/// Command header (TPM 2.0 Part 1 §18.2, Part 3 §4.5).
#[doc(alias = "TPM2_COMMAND_HEADER")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandHeader {
    /// TPM_ST_SESSIONS or TPM_ST_NO_SESSIONS.
    pub tag: TpmSt,
    /// commandSize: the whole command, header included.
    pub size: u32,
    /// commandCode.
    pub code: TpmCc,
}
tpm_wire::wire_struct!(CommandHeader { tag, size, code });

/// Response header (TPM 2.0 Part 1 §18.2, Part 3 §4.6).
#[doc(alias = "TPM2_RESPONSE_HEADER")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseHeader {
    /// TPM_ST_SESSIONS or TPM_ST_NO_SESSIONS.
    pub tag: TpmSt,
    /// responseSize: the whole response, header included.
    pub size: u32,
    /// responseCode (TPM_RC; 0 is success, so a plain `u32`).
    pub rc: u32,
}
tpm_wire::wire_struct!(ResponseHeader { tag, size, rc });

/// The authorization area of a command: one to three TPMS_AUTH_COMMAND (TPM 2.0 Part 1
/// §18.6, Part 3 §4.5). A session handle that is not TPM_RS_PW or a session is TPM_RC_VALUE
/// at that session (libtpms `SessionProcess.c` RetrieveSessionData).
#[derive(Debug, PartialEq, Default)]
pub struct CommandAuthArea {
    /// The sessions, in command order.
    pub sessions: Vec<TpmsAuthCommand>,
}

impl CommandAuthArea {
    /// True when a session asks for the first command parameter to be decrypted.
    pub fn decrypts(&self) -> bool {
        self.sessions
            .iter()
            .any(|s| s.session_attributes.contains(TpmaSession::DECRYPT))
    }

    /// Read `authorizationSize` and the sessions it covers.
    ///
    /// # Errors
    /// [`Area::AuthSize`] with [`WireError::Size`] when the size is below 9 or beyond the
    /// command (libtpms `ExecCommand.c`); [`Area::Session`] with `Size` for a fourth session
    /// or a session that runs past the area, or the failing field's error.
    fn unmarshal(r: &mut Reader<'_>, p: &Profile) -> Result<Self, ParseError> {
        let size = r
            .read_u32()
            .map_err(|e| ParseError::new(Area::AuthSize, e))?;
        let len =
            usize::try_from(size).map_err(|_| ParseError::new(Area::AuthSize, WireError::Size))?;
        if size < MIN_AUTH_SIZE || len > r.remaining() {
            return Err(ParseError::new(Area::AuthSize, WireError::Size));
        }
        let mut sub = r.sub(len).map_err(|e| ParseError::new(Area::AuthSize, e))?;
        let mut sessions = Vec::new();
        let mut index: u8 = 0;
        while !sub.is_empty() {
            index = index.saturating_add(1);
            if sessions.len() == MAX_SESSIONS {
                return Err(ParseError::new(Area::Session(index), WireError::Size));
            }
            let s = TpmsAuthCommand::unmarshal(&mut sub, p).map_err(|e| {
                // Running out inside the area means the area's size was wrong.
                ParseError::new(Area::Session(index), e)
            })?;
            sessions.push(s);
        }
        Ok(CommandAuthArea { sessions })
    }

    fn marshal(&self, w: &mut Writer<'_>) {
        let size: usize = self.sessions.iter().map(Marshal::marshalled_len).sum();
        w.u32(u32::try_from(size).unwrap_or(u32::MAX));
        for s in &self.sessions {
            s.marshal(w);
        }
    }
}

/// The session area of a response: one TPMS_AUTH_RESPONSE per command session.
#[derive(Debug, PartialEq, Default)]
pub struct ResponseAuthArea {
    /// The sessions, in command order.
    pub sessions: Vec<TpmsAuthResponse>,
}

impl ResponseAuthArea {
    /// True when a session says the first response parameter is encrypted.
    pub fn encrypts(&self) -> bool {
        self.sessions
            .iter()
            .any(|s| s.session_attributes.contains(TpmaSession::ENCRYPT))
    }
}

/// Where in a message parsing failed, so that the caller can number the response code the
/// way libtpms does (TPM 2.0 Part 3 §5.8.2: TPM_RC_H + n, TPM_RC_S + n, TPM_RC_P + n).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    /// The header; `Size` here means commandSize disagrees with the bytes (TPM_RC_COMMAND_SIZE),
    /// `BadTag` an unknown tag (TPM_RC_BAD_TAG).
    Header,
    /// Handle `n` (1-based).
    Handle(u8),
    /// The authorizationSize field (TPM_RC_SIZE without an index) or, in a response, the
    /// parameterSize field.
    AuthSize,
    /// Session `n` (1-based).
    Session(u8),
    /// Parameter `n` (1-based); 0 when the parameter area as a whole is wrong (trailing bytes).
    Parameter(u8),
}

/// A message that does not parse: where, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Where.
    pub area: Area,
    /// Why.
    pub error: WireError,
}

impl ParseError {
    /// A parse error at `area`.
    pub const fn new(area: Area, error: WireError) -> Self {
        ParseError { area, error }
    }

    fn numbered(area: fn(u8) -> Area, e: NumberedError) -> Self {
        ParseError::new(area(e.index), e.error)
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.area, self.error)
    }
}

impl std::error::Error for ParseError {}

/// A parameter area: parsed, or kept whole because its first parameter is encrypted by a
/// session and is a structure that ciphertext does not parse as (see the module docs).
#[derive(Debug, PartialEq)]
pub enum Params<T> {
    /// The parameters.
    Plain(T),
    /// The raw parameter area, first parameter encrypted.
    Encrypted(Vec<u8>),
}

impl<T: Marshal> Params<T> {
    fn marshal(&self, w: &mut Writer<'_>) {
        match self {
            Params::Plain(t) => t.marshal(w),
            Params::Encrypted(b) => w.put(b),
        }
    }
}

impl<T> Params<T> {
    /// The parameters, if they were not encrypted.
    pub fn plain(&self) -> Option<&T> {
        match self {
            Params::Plain(t) => Some(t),
            Params::Encrypted(_) => None,
        }
    }
}

/// One Part 3 command: its code, its handle and parameter structures.
///
/// Implemented by the marker types of [`crate::commands`] (`CreatePrimary`, ...).
pub trait Command {
    /// The command code.
    const CODE: TpmCc;
    /// The Part 3 name, e.g. `TPM2_CreatePrimary`.
    const NAME: &'static str;
    /// Number of handles in the command's handle area.
    const HANDLES: usize;
    /// Number of handles in the response's handle area.
    const RSP_HANDLES: usize;
    /// The first command parameter is a structure behind a size, so an encrypting session
    /// makes the parameter area unparseable.
    const STRUCTURED_FIRST_IN: bool;
    /// The same for the first response parameter.
    const STRUCTURED_FIRST_OUT: bool;
    /// The command handles.
    type Handles: Marshal + for<'a> UnmarshalNumbered<'a> + fmt::Debug + PartialEq;
    /// The command parameters (`<Name>In`).
    type In: Marshal + for<'a> UnmarshalNumbered<'a> + fmt::Debug + PartialEq;
    /// The response handles.
    type RspHandles: Marshal + for<'a> UnmarshalNumbered<'a> + fmt::Debug + PartialEq;
    /// The response parameters (`<Name>Out`).
    type Out: Marshal + for<'a> UnmarshalNumbered<'a> + fmt::Debug + PartialEq;
}

/// The per-command metadata table row (TPM 2.0 Part 3; libtpms `CommandAttributeData.h`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandInfo {
    /// The command code.
    pub code: TpmCc,
    /// The Part 3 name.
    pub name: &'static str,
    /// Handles in the command.
    pub handles: u8,
    /// Handles in the response.
    pub rsp_handles: u8,
}

impl CommandInfo {
    /// The row of command `C`.
    pub const fn of<C: Command>() -> Self {
        CommandInfo {
            code: C::CODE,
            name: C::NAME,
            handles: C::HANDLES as u8,
            rsp_handles: C::RSP_HANDLES as u8,
        }
    }
}

/// The metadata of command `code`, if it is a Part 3 command this crate knows.
pub fn command_info(code: TpmCc) -> Option<&'static CommandInfo> {
    crate::commands::COMMANDS.iter().find(|c| c.code == code)
}

/// A command's handles and parameters.
pub struct Cmd<C: Command> {
    /// The handle area.
    pub handles: C::Handles,
    /// The parameter area.
    pub params: Params<C::In>,
}

impl<C: Command> fmt::Debug for Cmd<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(C::NAME)
            .field("handles", &self.handles)
            .field("params", &self.params)
            .finish()
    }
}

impl<C: Command> PartialEq for Cmd<C> {
    fn eq(&self, other: &Self) -> bool {
        self.handles == other.handles && self.params == other.params
    }
}

impl<C: Command> Cmd<C> {
    /// Parse the handles, the optional auth area and the parameters of command `C`.
    pub(crate) fn parse(
        r: &mut Reader<'_>,
        sessions: bool,
        p: &Profile,
    ) -> Result<(Option<CommandAuthArea>, Self), ParseError> {
        let handles = C::Handles::unmarshal_numbered(r, p)
            .map_err(|e| ParseError::numbered(Area::Handle, e))?;
        let auth = if sessions {
            Some(CommandAuthArea::unmarshal(r, p)?)
        } else {
            None
        };
        let encrypted =
            C::STRUCTURED_FIRST_IN && auth.as_ref().is_some_and(CommandAuthArea::decrypts);
        let params = if encrypted {
            Params::Encrypted(r.rest().to_vec())
        } else {
            let v = C::In::unmarshal_numbered(r, p)
                .map_err(|e| ParseError::numbered(Area::Parameter, e))?;
            if !r.is_empty() {
                return Err(ParseError::new(Area::Parameter(0), WireError::Trailing));
            }
            Params::Plain(v)
        };
        Ok((auth, Cmd { handles, params }))
    }

    /// Write the handles, the auth area (if any) and the parameters.
    pub(crate) fn marshal(&self, auth: Option<&CommandAuthArea>, w: &mut Writer<'_>) {
        self.handles.marshal(w);
        if let Some(a) = auth {
            a.marshal(w);
        }
        self.params.marshal(w);
    }
}

/// A successful response's handles and parameters.
pub struct Rsp<C: Command> {
    /// The response handle area.
    pub handles: C::RspHandles,
    /// The response parameters.
    pub params: Params<C::Out>,
}

impl<C: Command> fmt::Debug for Rsp<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(C::NAME)
            .field("handles", &self.handles)
            .field("params", &self.params)
            .finish()
    }
}

impl<C: Command> PartialEq for Rsp<C> {
    fn eq(&self, other: &Self) -> bool {
        self.handles == other.handles && self.params == other.params
    }
}

impl<C: Command> Rsp<C> {
    pub(crate) fn parse(
        r: &mut Reader<'_>,
        sessions: bool,
        p: &Profile,
    ) -> Result<(Option<ResponseAuthArea>, Self), ParseError> {
        let handles = C::RspHandles::unmarshal_numbered(r, p)
            .map_err(|e| ParseError::numbered(Area::Handle, e))?;
        let (mut params_r, auth) = if sessions {
            let size = r
                .read_u32()
                .map_err(|e| ParseError::new(Area::AuthSize, e))?;
            let len = usize::try_from(size)
                .map_err(|_| ParseError::new(Area::AuthSize, WireError::Size))?;
            let params_r = r
                .sub(len)
                .map_err(|_| ParseError::new(Area::AuthSize, WireError::Size))?;
            let mut sessions = Vec::new();
            let mut index: u8 = 0;
            // TPM_ST_SESSIONS answers a command with sessions: at least one comes back.
            if r.is_empty() {
                return Err(ParseError::new(Area::Session(1), WireError::Insufficient));
            }
            while !r.is_empty() {
                index = index.saturating_add(1);
                if sessions.len() == MAX_SESSIONS {
                    return Err(ParseError::new(Area::Session(index), WireError::Size));
                }
                let s = TpmsAuthResponse::unmarshal(r, p)
                    .map_err(|e| ParseError::new(Area::Session(index), e))?;
                sessions.push(s);
            }
            (params_r, Some(ResponseAuthArea { sessions }))
        } else {
            (Reader::new(r.rest()), None)
        };
        let encrypted =
            C::STRUCTURED_FIRST_OUT && auth.as_ref().is_some_and(ResponseAuthArea::encrypts);
        let params = if encrypted {
            Params::Encrypted(params_r.rest().to_vec())
        } else {
            let v = C::Out::unmarshal_numbered(&mut params_r, p)
                .map_err(|e| ParseError::numbered(Area::Parameter, e))?;
            if !params_r.is_empty() {
                return Err(ParseError::new(Area::Parameter(0), WireError::Trailing));
            }
            Params::Plain(v)
        };
        Ok((auth, Rsp { handles, params }))
    }

    pub(crate) fn marshal(&self, auth: Option<&ResponseAuthArea>, w: &mut Writer<'_>) {
        self.handles.marshal(w);
        match auth {
            Some(a) => {
                let mut counter = Writer::counter();
                self.params.marshal(&mut counter);
                w.u32(u32::try_from(counter.len()).unwrap_or(u32::MAX));
                self.params.marshal(w);
                for s in &a.sessions {
                    s.marshal(w);
                }
            }
            None => self.params.marshal(w),
        }
    }
}

/// A command whose code this crate does not know: its bytes after the header, untouched.
#[derive(Debug, PartialEq, Eq)]
pub struct OpaqueBody {
    /// The command or response code.
    pub code: TpmCc,
    /// Everything after the header.
    pub body: Vec<u8>,
}

/// A whole command: header, optional authorization area and typed body.
#[derive(Debug, PartialEq)]
pub struct ParsedCommand {
    /// The header as read.
    pub header: CommandHeader,
    /// The authorization area, present exactly when the tag is TPM_ST_SESSIONS (for a
    /// command of a known code).
    pub auth: Option<CommandAuthArea>,
    /// The handles and parameters.
    pub request: crate::commands::Request,
}

/// A whole response.
#[derive(Debug, PartialEq)]
pub struct ParsedResponse {
    /// The header as read.
    pub header: ResponseHeader,
    /// The session area of a successful response with TPM_ST_SESSIONS.
    pub auth: Option<ResponseAuthArea>,
    /// The handles and parameters.
    pub response: crate::commands::Response,
}

fn read_tag(r: &mut Reader<'_>, p: &Profile) -> Result<(TpmSt, bool), ParseError> {
    let tag = TpmSt::unmarshal(r, p).map_err(|e| ParseError::new(Area::Header, e))?;
    if tag == TpmSt::SESSIONS {
        Ok((tag, true))
    } else if tag == TpmSt::NO_SESSIONS {
        Ok((tag, false))
    } else {
        Err(ParseError::new(Area::Header, WireError::BadTag))
    }
}

fn check_size(size: u32, len: usize) -> Result<(), ParseError> {
    if usize::try_from(size).ok() == Some(len) {
        Ok(())
    } else {
        Err(ParseError::new(Area::Header, WireError::Size))
    }
}

/// Parse a whole command into its typed structures (TPM 2.0 Part 3 §4-§5).
///
/// Never panics, whatever the bytes. A command code this crate does not know parses as
/// [`crate::commands::Request::Unknown`] holding the bytes after the header.
///
/// # Errors
/// A [`ParseError`] saying where: header (short input, BadTag, a commandSize that is not the
/// length of `bytes`), handle n, the authorization size, session n, or parameter n.
pub fn parse_request(bytes: &[u8], p: &Profile) -> Result<ParsedCommand, ParseError> {
    let mut r = Reader::new(bytes);
    let (tag, sessions) = read_tag(&mut r, p)?;
    let size = r.read_u32().map_err(|e| ParseError::new(Area::Header, e))?;
    let code = TpmCc::unmarshal(&mut r, p).map_err(|e| ParseError::new(Area::Header, e))?;
    check_size(size, bytes.len())?;
    let header = CommandHeader { tag, size, code };
    let (auth, request) = crate::commands::Request::parse(code, &mut r, sessions, p)?;
    Ok(ParsedCommand {
        header,
        auth,
        request,
    })
}

/// Parse a whole response to a command of code `code` (its layout depends on the command).
///
/// An error response (non-zero responseCode) must be the header alone. A code this crate
/// does not know parses as [`crate::commands::Response::Unknown`].
///
/// # Errors
/// As [`parse_request`].
pub fn parse_response(
    code: TpmCc,
    bytes: &[u8],
    p: &Profile,
) -> Result<ParsedResponse, ParseError> {
    let mut r = Reader::new(bytes);
    let (tag, sessions) = read_tag(&mut r, p)?;
    let size = r.read_u32().map_err(|e| ParseError::new(Area::Header, e))?;
    let rc = r.read_u32().map_err(|e| ParseError::new(Area::Header, e))?;
    check_size(size, bytes.len())?;
    let header = ResponseHeader { tag, size, rc };
    if rc != 0 {
        if sessions || !r.is_empty() {
            return Err(ParseError::new(Area::Header, WireError::Size));
        }
        return Ok(ParsedResponse {
            header,
            auth: None,
            response: crate::commands::Response::Error,
        });
    }
    let (auth, response) = crate::commands::Response::parse(code, &mut r, sessions, p)?;
    Ok(ParsedResponse {
        header,
        auth,
        response,
    })
}

fn finish_with_size(mut out: Vec<u8>) -> Vec<u8> {
    let len = u32::try_from(out.len()).unwrap_or(u32::MAX);
    if let Some(s) = out.get_mut(2..6) {
        s.copy_from_slice(&len.to_be_bytes());
    }
    out
}

impl ParsedCommand {
    /// The command's bytes; the size field is recomputed and the tag follows
    /// [`ParsedCommand::auth`], so a parsed command re-marshals to its input.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        let mut w = Writer::to_vec(&mut out);
        let tag = match (&self.auth, &self.request) {
            (_, crate::commands::Request::Unknown(_)) => self.header.tag,
            (Some(_), _) => TpmSt::SESSIONS,
            (None, _) => TpmSt::NO_SESSIONS,
        };
        CommandHeader {
            tag,
            size: 0,
            code: self.request.code(),
        }
        .marshal(&mut w);
        self.request.marshal(self.auth.as_ref(), &mut w);
        finish_with_size(out)
    }
}

impl ParsedResponse {
    /// The response's bytes; size recomputed, tag from [`ParsedResponse::auth`].
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        let mut w = Writer::to_vec(&mut out);
        let tag = match (&self.auth, &self.response) {
            (_, crate::commands::Response::Unknown(_)) => self.header.tag,
            (Some(_), _) => TpmSt::SESSIONS,
            (None, _) => TpmSt::NO_SESSIONS,
        };
        ResponseHeader {
            tag,
            size: 0,
            rc: self.header.rc,
        }
        .marshal(&mut w);
        self.response.marshal(self.auth.as_ref(), &mut w);
        finish_with_size(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TpmHandle;
    use crate::commands::{Request, Response};

    const P: Profile = Profile::ALL;

    /// TPM2_GetRandom(16), no sessions.
    const GET_RANDOM: &str = "80010000000c0000017b0010";
    /// TPM2_PCR_Reset(16) with one password session.
    const PCR_RESET: &str = "80020000001b0000013d0000001000000009400000090000010000";

    fn bytes(h: &str) -> Vec<u8> {
        hex::decode(h).unwrap()
    }

    #[test]
    fn typed_request_round_trips() {
        let b = bytes(GET_RANDOM);
        let c = parse_request(&b, &P).unwrap();
        assert_eq!(c.header.code, TpmCc::GET_RANDOM);
        match &c.request {
            Request::GetRandom(cmd) => {
                assert_eq!(cmd.params.plain().unwrap().bytes_requested, 16);
            }
            other => panic!("{other:?}"),
        }
        assert!(c.auth.is_none());
        assert_eq!(c.to_bytes(), b);
    }

    #[test]
    fn sessions_and_handles() {
        let b = bytes(PCR_RESET);
        let c = parse_request(&b, &P).unwrap();
        let Request::PcrReset(cmd) = &c.request else {
            panic!("{:?}", c.request)
        };
        assert_eq!(cmd.handles.pcr_handle, TpmHandle(16));
        let auth = c.auth.as_ref().unwrap();
        assert_eq!(auth.sessions.len(), 1);
        assert_eq!(auth.sessions[0].session_handle.0, TpmHandle(0x4000_0009));
        assert!(!auth.decrypts());
        assert_eq!(c.to_bytes(), b);
    }

    #[test]
    fn header_errors() {
        // Short header.
        assert_eq!(
            parse_request(&[0x80, 0x01, 0], &P).unwrap_err().area,
            Area::Header
        );
        // Bad tag.
        let mut b = bytes(GET_RANDOM);
        b[1] = 0x03;
        assert_eq!(
            parse_request(&b, &P).unwrap_err(),
            ParseError::new(Area::Header, WireError::BadTag)
        );
        // commandSize disagrees with the bytes.
        let mut b = bytes(GET_RANDOM);
        b.push(0);
        assert_eq!(
            parse_request(&b, &P).unwrap_err(),
            ParseError::new(Area::Header, WireError::Size)
        );
        // Trailing parameter bytes with a consistent size.
        b[5] = 13;
        assert_eq!(
            parse_request(&b, &P).unwrap_err(),
            ParseError::new(Area::Parameter(0), WireError::Trailing)
        );
        // A parameter cut short: numbered.
        let b = bytes("80010000000b0000017b00");
        assert_eq!(
            parse_request(&b, &P).unwrap_err(),
            ParseError::new(Area::Parameter(1), WireError::Insufficient)
        );
    }

    #[test]
    fn auth_area_rules() {
        // authorizationSize below 9 (libtpms ExecCommand.c): TPM_RC_SIZE.
        let b = bytes("8002000000170000013d00000010000000050000000000");
        assert_eq!(
            parse_request(&b, &P).unwrap_err(),
            ParseError::new(Area::AuthSize, WireError::Size)
        );
        // authorizationSize beyond the command.
        let b = bytes("80020000001b0000013d000000100000000a400000090000010000");
        assert_eq!(
            parse_request(&b, &P).unwrap_err(),
            ParseError::new(Area::AuthSize, WireError::Size)
        );
        // Four sessions: the fourth is TPM_RC_SIZE at session 4.
        let s = "400000090000010000";
        let body = format!("0000013d00000010{:08x}{}", 36, s.repeat(4));
        let total = 6 + body.len() / 2;
        let b = bytes(&format!("8002{total:08x}{body}"));
        assert_eq!(
            parse_request(&b, &P).unwrap_err(),
            ParseError::new(Area::Session(4), WireError::Size)
        );
        // Three sessions are fine.
        let body = format!("0000013d00000010{:08x}{}", 27, s.repeat(3));
        let total = 6 + body.len() / 2;
        let b = bytes(&format!("8002{total:08x}{body}"));
        let c = parse_request(&b, &P).unwrap();
        assert_eq!(c.auth.as_ref().unwrap().sessions.len(), 3);
        assert_eq!(c.to_bytes(), b);
        // A session running past the area.
        let b = bytes("80020000001b0000013d0000001000000009400000090002010000");
        assert_eq!(parse_request(&b, &P).unwrap_err().area, Area::Session(1));
    }

    #[test]
    fn unknown_code_is_opaque() {
        let b = bytes("80010000000e0000ffff01020304");
        let c = parse_request(&b, &P).unwrap();
        assert_eq!(
            c.request,
            Request::Unknown(OpaqueBody {
                code: TpmCc(0xffff),
                body: vec![1, 2, 3, 4]
            })
        );
        assert!(!c.request.is_known());
        assert!(command_info(TpmCc(0xffff)).is_none());
        assert_eq!(c.to_bytes(), b);
    }

    #[test]
    fn responses() {
        // Error response: header only.
        let b = bytes("80010000000a00000100");
        let r = parse_response(TpmCc::STARTUP, &b, &P).unwrap();
        assert_eq!(r.response, Response::Error);
        assert_eq!(r.header.rc, 0x100);
        assert_eq!(r.to_bytes(), b);
        // An error response with a body is malformed.
        let b = bytes("80010000000b0000010000");
        assert!(parse_response(TpmCc::STARTUP, &b, &P).is_err());
        // GetRandom returning 2 bytes.
        let b = bytes("80010000000e000000000002abcd");
        let r = parse_response(TpmCc::GET_RANDOM, &b, &P).unwrap();
        let Response::GetRandom(rsp) = &r.response else {
            panic!("{:?}", r.response)
        };
        assert_eq!(
            rsp.params.plain().unwrap().random_bytes.as_slice(),
            &[0xab, 0xcd]
        );
        assert_eq!(r.to_bytes(), b);
        // PCR_Reset with a session: parameterSize 0, then one response session.
        let b = bytes("80020000001300000000000000000000010000");
        let r = parse_response(TpmCc::PCR_RESET, &b, &P).unwrap();
        assert_eq!(r.auth.as_ref().unwrap().sessions.len(), 1);
        assert_eq!(r.to_bytes(), b);
        // parameterSize beyond the response.
        let b = bytes("80020000001300000000000000090000010000");
        assert_eq!(
            parse_response(TpmCc::PCR_RESET, &b, &P).unwrap_err(),
            ParseError::new(Area::AuthSize, WireError::Size)
        );
    }

    #[test]
    fn metadata_table() {
        let cp = command_info(TpmCc::CREATE_PRIMARY).unwrap();
        assert_eq!((cp.handles, cp.rsp_handles), (1, 1));
        assert_eq!(cp.name, "TPM2_CreatePrimary");
        let pn = command_info(TpmCc::POLICY_NV).unwrap();
        assert_eq!((pn.handles, pn.rsp_handles), (3, 0));
        let sas = command_info(TpmCc::START_AUTH_SESSION).unwrap();
        assert_eq!((sas.handles, sas.rsp_handles), (2, 1));
        // Every code appears once, and every TpmCc constant has a row.
        for c in crate::commands::COMMANDS {
            assert_eq!(
                crate::commands::COMMANDS
                    .iter()
                    .filter(|d| d.code == c.code)
                    .count(),
                1,
                "{}",
                c.name
            );
        }
        for cc in TpmCc::ALL {
            if [TpmCc::AC_GET_CAPABILITY, TpmCc::AC_SEND].contains(cc) {
                // Not declared yet: their structures (TPMS_AC_OUTPUT, ...) do not exist yet.
                continue;
            }
            assert!(command_info(*cc).is_some(), "{cc:?} has no row");
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A cheap deterministic fuzz: every prefix and every single-byte change of a few
        // messages, each with its size field made consistent.
        for m in [GET_RANDOM, PCR_RESET, "80010000000e0000ffff01020304"] {
            let b = bytes(m);
            for len in 0..=b.len() {
                for pos in 0..len {
                    for v in [0u8, 1, 0x7f, 0x80, 0xff] {
                        let mut t = b[..len].to_vec();
                        t[pos] = v;
                        if len >= 6 {
                            t[2..6].copy_from_slice(&(len as u32).to_be_bytes());
                        }
                        let _ = parse_request(&t, &P);
                        let _ = parse_response(TpmCc::PCR_RESET, &t, &P);
                    }
                }
            }
        }
    }

    /// Fuzz regression (tpm2_execute/state_load): TPM2_PCR_Read of a bank selection that
    /// holds no allocated PCR answers with an empty pcrValues (TPML_DIGEST count 0), which
    /// must parse and re-marshal, unlike PolicyOR's pHashList (at least two digests).
    #[test]
    fn pcr_read_response_with_no_digests() {
        let b = bytes("80010000001c000000000000001400000001000b0300000000000000");
        let r = parse_response(TpmCc::PCR_READ, &b, &P).unwrap();
        assert_eq!(r.to_bytes(), b);
    }
}
