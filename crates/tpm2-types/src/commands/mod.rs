//! The parameter structures of every TPM 2.0 Part 3 command of rev 1.59 (as libtpms 0.9 and
//! the TCG reference code list them), grouped like Part 3's chapters, and the typed
//! [`Request`] / [`Response`] enums over them.
//!
//! Each command is declared with [`command!`](crate::commands) in a few lines: its marker type
//! (`CreatePrimary`) implementing [`Command`], its request handles (`CreatePrimaryHandles`),
//! request parameters (`CreatePrimaryIn`), response handles (`CreatePrimaryRspHandles`) and
//! response parameters (`CreatePrimaryOut`), fields in Part 3 order.
//!
//! Handles are plain [`TpmHandle`]s here: which handle types a command accepts (TPMI_DH_*,
//! TPMI_RH_*) and the response code for a wrong one are the dispatcher's business, driven by
//! the metadata table [`COMMANDS`].

use tpm_wire::{Profile, Reader, Writer};

use crate::TpmCc;
#[allow(unused_imports)]
use crate::TpmHandle;
use crate::command::{
    Cmd, Command, CommandAuthArea, CommandInfo, OpaqueBody, ParseError, ResponseAuthArea, Rsp,
};

/// Declares one Part 3 command: marker type, handle and parameter structures, `Command` impl.
///
/// `in [enc]` / `out [enc]` mark a first parameter that is a structure behind a size (an
/// encrypting session makes it unparseable, see [`crate::command`]).
macro_rules! command {
    (
        $name:ident = $cc:ident, $alias:literal, $sect:literal;
        handles $h:ident { $($hf:ident),* $(,)? }
        in $(#$ienc:ident)? $i:ident { $($fi:ident : $ti:ty),* $(,)? }
        rsp_handles $rh:ident { $($rhf:ident),* $(,)? }
        out $(#$oenc:ident)? $o:ident { $($fo:ident : $to:ty),* $(,)? }
    ) => {
        #[doc = concat!($alias, " (TPM 2.0 Part 3 ", $sect, "): the command's marker type.")]
        #[doc(alias = $alias)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct $name;

        #[doc = concat!($alias, " request handles (TPM 2.0 Part 3 ", $sect, ").")]
        #[doc(alias = $alias)]
        #[derive(Debug, PartialEq)]
        pub struct $h {
            $(
                #[doc = concat!("`", stringify!($hf), "` (TPM 2.0 Part 3 ", $sect, ").")]
                pub $hf: TpmHandle,
            )*
        }
        tpm_wire::wire_struct!($h { $($hf),* });

        #[doc = concat!($alias, " request parameters (TPM 2.0 Part 3 ", $sect, ").")]
        #[doc(alias = $alias)]
        #[derive(Debug, PartialEq)]
        pub struct $i {
            $(
                #[doc = concat!("`", stringify!($fi), "` (TPM 2.0 Part 3 ", $sect, ").")]
                pub $fi: $ti,
            )*
        }
        tpm_wire::wire_struct!($i { $($fi),* });

        #[doc = concat!($alias, " response handles (TPM 2.0 Part 3 ", $sect, ").")]
        #[doc(alias = $alias)]
        #[derive(Debug, PartialEq)]
        pub struct $rh {
            $(
                #[doc = concat!("`", stringify!($rhf), "` (TPM 2.0 Part 3 ", $sect, ").")]
                pub $rhf: TpmHandle,
            )*
        }
        tpm_wire::wire_struct!($rh { $($rhf),* });

        #[doc = concat!($alias, " response parameters (TPM 2.0 Part 3 ", $sect, ").")]
        #[doc(alias = $alias)]
        #[derive(Debug, PartialEq)]
        pub struct $o {
            $(
                #[doc = concat!("`", stringify!($fo), "` (TPM 2.0 Part 3 ", $sect, ").")]
                pub $fo: $to,
            )*
        }
        tpm_wire::wire_struct!($o { $($fo),* });

        impl $crate::command::Command for $name {
            const CODE: $crate::TpmCc = $crate::TpmCc::$cc;
            const NAME: &'static str = $alias;
            const HANDLES: usize = <[&str]>::len(&[$(stringify!($hf)),*]);
            const RSP_HANDLES: usize = <[&str]>::len(&[$(stringify!($rhf)),*]);
            const STRUCTURED_FIRST_IN: bool = <[&str]>::len(&[$(stringify!($ienc)),*]) > 0;
            const STRUCTURED_FIRST_OUT: bool = <[&str]>::len(&[$(stringify!($oenc)),*]) > 0;
            type Handles = $h;
            type In = $i;
            type RspHandles = $rh;
            type Out = $o;
        }
    };
}

mod ac;
mod asymmetric;
mod attestation;
mod audit;
mod capability;
mod clock;
mod context;
mod dictionary_attack;
mod duplication;
mod ephemeral;
mod field_upgrade;
mod hash_hmac;
mod hierarchy;
mod miscellaneous;
mod nv;
mod object;
mod pcr;
mod policy;
mod random;
mod session;
mod signing;
mod startup;
mod symmetric;
mod testing;
mod vendor;

pub use ac::*;
pub use asymmetric::*;
pub use attestation::*;
pub use audit::*;
pub use capability::*;
pub use clock::*;
pub use context::*;
pub use dictionary_attack::*;
pub use duplication::*;
pub use ephemeral::*;
pub use field_upgrade::*;
pub use hash_hmac::*;
pub use hierarchy::*;
pub use miscellaneous::*;
pub use nv::*;
pub use object::*;
pub use pcr::*;
pub use policy::*;
pub use random::*;
pub use session::*;
pub use signing::*;
pub use startup::*;
pub use symmetric::*;
pub use testing::*;
pub use vendor::*;

/// Generates [`Request`], [`Response`] and [`COMMANDS`] from the list of commands.
macro_rules! command_table {
    ($($name:ident),* $(,)?) => {
        /// A command's handles and parameters, typed by its command code (TPM 2.0 Part 3).
        #[derive(Debug, PartialEq)]
        #[allow(clippy::large_enum_variant)]
        pub enum Request {
            $(
                #[doc = concat!("`", stringify!($name), "`.")]
                $name(Cmd<$name>),
            )*
            /// A command code this crate does not know: the bytes after the header.
            Unknown(OpaqueBody),
        }

        /// A successful response's handles and parameters, typed by its command code.
        #[derive(Debug, PartialEq)]
        #[allow(clippy::large_enum_variant)]
        pub enum Response {
            $(
                #[doc = concat!("`", stringify!($name), "`.")]
                $name(Rsp<$name>),
            )*
            /// An error response: the header alone (TPM 2.0 Part 3 §4.6), rc in the header.
            Error,
            /// A response to a command code this crate does not know: the bytes after the header.
            Unknown(OpaqueBody),
        }

        /// The metadata of every command this crate knows (TPM 2.0 Part 3; libtpms
        /// `CommandAttributeData.h`), in Part 3 order.
        pub const COMMANDS: &[CommandInfo] = &[$(CommandInfo::of::<$name>()),*];

        impl Request {
            pub(crate) fn parse(
                code: TpmCc,
                r: &mut Reader<'_>,
                sessions: bool,
                p: &Profile,
            ) -> Result<(Option<CommandAuthArea>, Request), ParseError> {
                $(
                    if code == <$name as Command>::CODE {
                        let (auth, c) = Cmd::<$name>::parse(r, sessions, p)?;
                        return Ok((auth, Request::$name(c)));
                    }
                )*
                Ok((None, Request::Unknown(OpaqueBody { code, body: r.rest().to_vec() })))
            }

            /// The command code.
            pub fn code(&self) -> TpmCc {
                match self {
                    $( Request::$name(_) => <$name as Command>::CODE, )*
                    Request::Unknown(o) => o.code,
                }
            }

            /// True unless this is [`Request::Unknown`].
            pub fn is_known(&self) -> bool {
                !matches!(self, Request::Unknown(_))
            }

            pub(crate) fn marshal(&self, auth: Option<&CommandAuthArea>, w: &mut Writer<'_>) {
                match self {
                    $( Request::$name(c) => c.marshal(auth, w), )*
                    Request::Unknown(o) => w.put(&o.body),
                }
            }
        }

        impl Response {
            pub(crate) fn parse(
                code: TpmCc,
                r: &mut Reader<'_>,
                sessions: bool,
                p: &Profile,
            ) -> Result<(Option<ResponseAuthArea>, Response), ParseError> {
                $(
                    if code == <$name as Command>::CODE {
                        let (auth, c) = Rsp::<$name>::parse(r, sessions, p)?;
                        return Ok((auth, Response::$name(c)));
                    }
                )*
                Ok((None, Response::Unknown(OpaqueBody { code, body: r.rest().to_vec() })))
            }

            /// True unless this is [`Response::Unknown`].
            pub fn is_known(&self) -> bool {
                !matches!(self, Response::Unknown(_))
            }

            pub(crate) fn marshal(&self, auth: Option<&ResponseAuthArea>, w: &mut Writer<'_>) {
                match self {
                    $( Response::$name(c) => c.marshal(auth, w), )*
                    Response::Error => {}
                    Response::Unknown(o) => w.put(&o.body),
                }
            }
        }
    };
}

command_table! {
    // Part 3 §9-§10
    Startup, Shutdown, SelfTest, IncrementalSelfTest, GetTestResult,
    // §11
    StartAuthSession, PolicyRestart,
    // §12
    Create, Load, LoadExternal, ReadPublic, ActivateCredential, MakeCredential, Unseal,
    ObjectChangeAuth, CreateLoaded,
    // §13
    Duplicate, Rewrap, Import,
    // §14
    RsaEncrypt, RsaDecrypt, EcdhKeyGen, EcdhZGen, EccParameters, ZGen2Phase, EccEncrypt,
    EccDecrypt,
    // §15
    EncryptDecrypt, EncryptDecrypt2, Hash, Hmac,
    // §16
    GetRandom, StirRandom,
    // §17
    HmacStart, HashSequenceStart, SequenceUpdate, SequenceComplete, EventSequenceComplete,
    // §18
    Certify, CertifyCreation, Quote, GetSessionAuditDigest, GetCommandAuditDigest, GetTime,
    CertifyX509,
    // §19
    Commit, EcEphemeral,
    // §20
    VerifySignature, Sign,
    // §21
    SetCommandCodeAuditStatus,
    // §22
    PcrExtend, PcrEvent, PcrRead, PcrAllocate, PcrSetAuthPolicy, PcrSetAuthValue, PcrReset,
    // §23
    PolicySigned, PolicySecret, PolicyTicket, PolicyOr, PolicyPcr, PolicyLocality, PolicyNv,
    PolicyCounterTimer, PolicyCommandCode, PolicyPhysicalPresence, PolicyCpHash,
    PolicyNameHash, PolicyDuplicationSelect, PolicyAuthorize, PolicyAuthValue, PolicyPassword,
    PolicyGetDigest, PolicyNvWritten, PolicyTemplate, PolicyAuthorizeNv,
    // §24
    CreatePrimary, HierarchyControl, SetPrimaryPolicy, ChangePps, ChangeEps, Clear,
    ClearControl, HierarchyChangeAuth,
    // §25
    DictionaryAttackLockReset, DictionaryAttackParameters,
    // §26
    PpCommands, SetAlgorithmSet,
    // §27
    FieldUpgradeStart, FieldUpgradeData, FirmwareRead,
    // §28
    ContextSave, ContextLoad, FlushContext, EvictControl,
    // §29
    ReadClock, ClockSet, ClockRateAdjust,
    // §30
    GetCapability, TestParms,
    // §31
    NvDefineSpace, NvUndefineSpace, NvUndefineSpaceSpecial, NvReadPublic, NvWrite,
    NvIncrement, NvExtend, NvSetBits, NvWriteLock, NvGlobalWriteLock, NvRead, NvReadLock,
    NvChangeAuth, NvCertify,
    // §32-§33
    // AcGetCapability, AcSend: see ac.rs.
    PolicyAcSendSelect, ActSetTimeout,
    // §34
    VendorTcgTest,
}
