//! Numbers of the control channel: `CMD_*` codes, `PTM_CAP_*` bits, request/response flags,
//! blob types, fixed sizes, and the result codes (swtpm's `include/swtpm/tpm_ioctl.h`).

use core::fmt;

/// A control-channel command code: the first BE u32 of every request (swtpm_ioctls(3)).
///
/// Open: any u32 may arrive; unknown codes are answered with [`PtmRes::BAD_ORDINAL`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CtrlCmd(pub u32);

macro_rules! ctrl_cmds {
    ($($name:ident = $v:expr,)*) => {
        impl CtrlCmd {
            $(
                #[doc = concat!("`", stringify!($name), "` (swtpm_ioctls(3)).")]
                pub const $name: CtrlCmd = CtrlCmd($v);
            )*
            /// Every code swtpm knows (newest, 0x01..=0x13).
            pub const ALL: &'static [CtrlCmd] = &[$(CtrlCmd::$name),*];

            /// The `CMD_*` name without the prefix, or `None` for an unknown code.
            pub fn name(self) -> Option<&'static str> {
                match self {
                    $(CtrlCmd::$name => Some(stringify!($name)),)*
                    _ => None,
                }
            }
        }
    };
}

ctrl_cmds! {
    GET_CAPABILITY = 0x01,
    INIT = 0x02,
    SHUTDOWN = 0x03,
    GET_TPMESTABLISHED = 0x04,
    SET_LOCALITY = 0x05,
    HASH_START = 0x06,
    HASH_DATA = 0x07,
    HASH_END = 0x08,
    CANCEL_TPM_CMD = 0x09,
    STORE_VOLATILE = 0x0a,
    RESET_TPMESTABLISHED = 0x0b,
    GET_STATEBLOB = 0x0c,
    SET_STATEBLOB = 0x0d,
    STOP = 0x0e,
    GET_CONFIG = 0x0f,
    SET_DATAFD = 0x10,
    SET_BUFFERSIZE = 0x11,
    GET_INFO = 0x12,
    LOCK_STORAGE = 0x13,
}

impl fmt::Debug for CtrlCmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "CMD_{n}"),
            None => write!(f, "CtrlCmd({:#x})", self.0),
        }
    }
}

/// `ptm_res`: the result code that opens every control response.
///
/// TPM 1.2 numbering (TPM 1.2 Part 2 §16) even when the TPM is a TPM 2, because swtpm
/// reports libtpms's `TPM_RESULT` values on this channel (fact sheet §3.6).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PtmRes(pub u32);

macro_rules! ptm_results {
    ($($name:ident = $v:expr, $doc:expr;)*) => {
        impl PtmRes {
            $(
                #[doc = $doc]
                pub const $name: PtmRes = PtmRes($v);
            )*

            /// The TPM 1.2 name without `TPM_`, if this is one of the codes above.
            pub fn name(self) -> Option<&'static str> {
                match self {
                    $(PtmRes::$name => Some(stringify!($name)),)*
                    _ => None,
                }
            }
        }
    };
}

ptm_results! {
    SUCCESS = 0x00, "TPM_SUCCESS.";
    BAD_PARAMETER = 0x03, "TPM_BAD_PARAMETER: wrong payload size, bad offset, missing fd, bad blob.";
    FAIL = 0x09, "TPM_FAIL: INIT or LOCK_STORAGE failure, blob too large, unknown GET_STATEBLOB type.";
    BAD_ORDINAL = 0x0a, "TPM_BAD_ORDINAL: unknown command, or TPM not running / not stopped.";
    KEYNOTFOUND = 0x0d, "TPM_KEYNOTFOUND: encrypted blob without the key it needs.";
    SIZE = 0x17, "TPM_SIZE: out of memory (GET_INFO).";
    IOERROR = 0x1f, "TPM_IOERROR: data fd already set, storage lock failure, HASH_DATA stream error.";
    DECRYPT_ERROR = 0x21, "TPM_DECRYPT_ERROR: HMAC or decryption failure of a state blob.";
    BAD_KEY_PROPERTY = 0x28, "TPM_BAD_KEY_PROPERTY: key size does not match the blob header.";
    BAD_DATASIZE = 0x2b, "TPM_BAD_DATASIZE: blob header size field wrong.";
    BAD_MODE = 0x2c, "TPM_BAD_MODE: unknown blob encryption mode.";
    BAD_VERSION = 0x2e, "TPM_BAD_VERSION: blob header version too new.";
    BAD_TYPE = 0x34, "TPM_BAD_TYPE: non-empty TPM 2 savestate blob on SET_STATEBLOB.";
    BAD_LOCALITY = 0x3d, "TPM_BAD_LOCALITY: locality > 4, or 4 while rejected.";
    RETRY = 0x800, "TPM_RETRY: GET_STATEBLOB of a blob that does not exist (treated as empty).";
}

impl PtmRes {
    /// True for `TPM_SUCCESS`.
    pub fn is_success(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Debug for PtmRes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "TPM_{n}"),
            None => write!(f, "PtmRes({:#x})", self.0),
        }
    }
}

impl fmt::Display for PtmRes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "TPM_{n} ({:#x})", self.0),
            None => write!(f, "{:#x}", self.0),
        }
    }
}

/// `PTM_CAP_*` bits of the GET_CAPABILITY reply (swtpm_ioctls(3) CMD_GET_CAPABILITY).
pub mod cap {
    /// CMD_INIT.
    pub const INIT: u32 = 1;
    /// CMD_SHUTDOWN.
    pub const SHUTDOWN: u32 = 1 << 1;
    /// CMD_GET_TPMESTABLISHED.
    pub const GET_TPMESTABLISHED: u32 = 1 << 2;
    /// CMD_SET_LOCALITY.
    pub const SET_LOCALITY: u32 = 1 << 3;
    /// CMD_HASH_START, CMD_HASH_DATA, CMD_HASH_END.
    pub const HASHING: u32 = 1 << 4;
    /// CMD_CANCEL_TPM_CMD.
    pub const CANCEL_TPM_CMD: u32 = 1 << 5;
    /// CMD_STORE_VOLATILE.
    pub const STORE_VOLATILE: u32 = 1 << 6;
    /// CMD_RESET_TPMESTABLISHED.
    pub const RESET_TPMESTABLISHED: u32 = 1 << 7;
    /// CMD_GET_STATEBLOB.
    pub const GET_STATEBLOB: u32 = 1 << 8;
    /// CMD_SET_STATEBLOB.
    pub const SET_STATEBLOB: u32 = 1 << 9;
    /// CMD_STOP.
    pub const STOP: u32 = 1 << 10;
    /// CMD_GET_CONFIG.
    pub const GET_CONFIG: u32 = 1 << 11;
    /// CMD_SET_DATAFD.
    pub const SET_DATAFD: u32 = 1 << 12;
    /// CMD_SET_BUFFERSIZE.
    pub const SET_BUFFERSIZE: u32 = 1 << 13;
    /// CMD_GET_INFO.
    pub const GET_INFO: u32 = 1 << 14;
    /// Data channel accepts the MS-simulator `TPM_SEND_COMMAND` prefix (TPM 2 only).
    pub const SEND_COMMAND_HEADER: u32 = 1 << 15;
    /// CMD_LOCK_STORAGE (swtpm 0.8+).
    pub const LOCK_STORAGE: u32 = 1 << 16;

    /// What swtpm 0.7.1 reports for TPM 2 (socket/chardev, not Cygwin).
    pub const SWTPM_0_7_TPM2: u32 = 0xffff;
    /// What newest swtpm reports for TPM 2.
    pub const SWTPM_NEWEST_TPM2: u32 = 0x1_ffff;
    /// What newest swtpm reports for TPM 1.2 (no SEND_COMMAND_HEADER).
    pub const SWTPM_NEWEST_TPM12: u32 = 0x1_7fff;
    /// Bits QEMU requires of a TPM 2 backend (`tpm_emulator.c`).
    pub const QEMU_REQUIRED_TPM2: u32 = 0x348f;
    /// Bits QEMU requires of a TPM 1.2 backend.
    pub const QEMU_REQUIRED_TPM12: u32 = 0x340f;
}

/// `PTM_INIT_FLAG_DELETE_VOLATILE`: delete the volatile state after reading it
/// (swtpm_ioctls(3) CMD_INIT).
pub const INIT_FLAG_DELETE_VOLATILE: u32 = 1;

/// `PTM_STATE_FLAG_DECRYPTED` (GET_STATEBLOB request): remove the state-file encryption.
pub const STATE_FLAG_DECRYPTED: u32 = 1;
/// `PTM_STATE_FLAG_ENCRYPTED` (GET_STATEBLOB reply, SET_STATEBLOB request): blob is encrypted.
pub const STATE_FLAG_ENCRYPTED: u32 = 2;

/// `PTM_CONFIG_FLAG_FILE_KEY` (GET_CONFIG): a state-file key is set.
pub const CONFIG_FLAG_FILE_KEY: u32 = 1;
/// `PTM_CONFIG_FLAG_MIGRATION_KEY` (GET_CONFIG): a migration key is set.
pub const CONFIG_FLAG_MIGRATION_KEY: u32 = 2;

/// `SWTPM_INFO_*` flags of GET_INFO (swtpm_ioctls(3) CMD_GET_INFO); swtpm 0.7.1 with libtpms
/// 0.9.2 answers the first three (TPMLIB_GetInfo).
pub mod info {
    /// `"TPMSpecification"`.
    pub const TPMSPECIFICATION: u64 = 1 << 0;
    /// `"TPMAttributes"`.
    pub const TPMATTRIBUTES: u64 = 1 << 1;
    /// `"TPMFeatures"`: RSA and Camellia key sizes (libtpms 0.9).
    pub const TPMFEATURES: u64 = 1 << 2;
    /// Runtime algorithms (0.10+).
    pub const RUNTIME_ALGORITHMS: u64 = 1 << 3;
    /// Runtime commands (0.10+).
    pub const RUNTIME_COMMANDS: u64 = 1 << 4;
    /// Active profile (0.10+).
    pub const ACTIVE_PROFILE: u64 = 1 << 5;
    /// Available profiles (0.10+).
    pub const AVAILABLE_PROFILES: u64 = 1 << 6;
    /// Runtime attributes (0.11).
    pub const RUNTIME_ATTRIBUTES: u64 = 1 << 7;
}

/// `PTM_BLOB_TYPE_*`: which state blob GET/SET_STATEBLOB moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlobType {
    /// `PTM_BLOB_TYPE_PERMANENT` (1).
    Permanent,
    /// `PTM_BLOB_TYPE_VOLATILE` (2).
    Volatile,
    /// `PTM_BLOB_TYPE_SAVESTATE` (3).
    Savestate,
}

impl BlobType {
    /// All three, in the order QEMU transfers them.
    pub const ALL: [BlobType; 3] = [BlobType::Permanent, BlobType::Volatile, BlobType::Savestate];

    /// The wire number.
    pub fn to_u32(self) -> u32 {
        match self {
            BlobType::Permanent => 1,
            BlobType::Volatile => 2,
            BlobType::Savestate => 3,
        }
    }

    /// From the wire number; `None` for anything but 1..=3.
    pub fn from_u32(v: u32) -> Option<BlobType> {
        match v {
            1 => Some(BlobType::Permanent),
            2 => Some(BlobType::Volatile),
            3 => Some(BlobType::Savestate),
            _ => None,
        }
    }
}

/// `PTM_STATE_BLOB_SIZE`: the CUSE chunk size of state blobs. Not a limit on sockets, where
/// GET_STATEBLOB sends the whole remainder at once.
pub const STATE_BLOB_SIZE: usize = 3 * 1024;

/// `PTM_GETINFO_SIZE`: the most GET_INFO returns per request; clients loop on the offset.
pub const GETINFO_SIZE: usize = 3 * 1024;

/// Data bytes of `ptm_hdata` (`data[4096]`): swtpm's per-read HASH_DATA piece.
pub const HASH_DATA_CHUNK: usize = 4096;

/// swtpm's control receive buffer: 4-byte code + `sizeof(ptm_hdata)` (4 + 4096). A transport
/// that reads with this buffer size sees the same message boundaries swtpm does.
pub const CTRL_RECV_BUFFER: usize = 4 + 4 + HASH_DATA_CHUNK;

/// Largest SET_STATEBLOB body swtpm accepts (newest: 512 KiB, else TPM_FAIL).
pub const MAX_SET_STATEBLOB: u32 = 512 * 1024;
