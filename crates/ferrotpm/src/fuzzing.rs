//! Fuzzing entry points (cargo-fuzz targets in `fuzz/` and the corpus replay in `cargo test`
//! call these). Not part of the API.
//!
//! - [`cli_args`]: the command lines of `swtpm` and `swtpm_ioctl`.
//! - [`stateblob`]: the STATEBLOB path of the control channel into the real handler
//!   ([`crate::handler::Core`] over the TPM 2.0 engine and a state directory); input byte 0
//!   configures the core (bit 0: a state key, bit 1: a migration key, bit 2: the TPM runs
//!   before the stream, bit 3: `backup`), byte 1 is the read size the transport delivers
//!   (0: everything at once), the rest is the control-channel byte stream. Its oracle: no
//!   panic; afterwards every state file in the directory opens with the configured key (the
//!   handler never writes an image it cannot read back), and a running TPM's permanent image
//!   imports into a fresh engine. [`stateblob_seeds`] gives the committed seeds.
#![allow(clippy::panic, clippy::indexing_slicing, clippy::expect_used)]

use crate::handler::{Core, CoreConfig};
use crate::log::Logger;
use std::path::PathBuf;
use std::sync::OnceLock;
use swtpm_protocol::server::{ControlServer, Disposition, ServerConfig};
use swtpm_protocol::{BlobType, Request};
use tpm_device::{StateKind, TpmEngine};
use tpm_store::{DirStore, StateKey, StateName, Store, TpmVersion};

/// The command lines of `swtpm` and `swtpm_ioctl`: `data` is split at NUL bytes into
/// arguments. Neither parser may panic, and a re-parse gives the same answer (parsing is
/// pure). (A `swtpm_ioctl` command word may be empty: with `-h=x` swtpm_ioctl takes the
/// word before the option, which can be an empty argument; it then prints its usage.)
pub fn cli_args(data: &[u8]) {
    let args: Vec<String> = data
        .split(|&b| b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    let first = crate::cli::parse(&args, None, None);
    let again = crate::cli::parse(&args, None, None);
    assert_eq!(
        format!("{first:?}"),
        format!("{again:?}"),
        "the swtpm CLI parse is not deterministic"
    );
    let _ = crate::cli::parse(&args, Some("/tmp".into()), Some("2321".into()));
    let p = crate::ioctl::parse("swtpm_ioctl", &args);
    let q = crate::ioctl::parse("swtpm_ioctl", &args);
    assert_eq!(
        format!("{:?}", p.result),
        format!("{:?}", q.result),
        "the swtpm_ioctl parse is not deterministic"
    );
}

/// Config bit: a state-file key.
pub const CFG_KEY: u8 = 1;
/// Config bit: a migration key.
pub const CFG_MIGRATION_KEY: u8 = 2;
/// Config bit: the TPM is started before the stream.
pub const CFG_RUNNING: u8 = 4;
/// Config bit: `--tpmstate ...,backup`.
pub const CFG_BACKUP: u8 = 8;

fn scratch() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // tmpfs when there is one: every INIT writes and fsyncs the state.
        let shm = std::path::Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let d = base.join(format!("ferrotpm-fuzz-stateblob-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("scratch dir");
        d
    })
    .clone()
}

fn state_key() -> StateKey {
    StateKey::from_bytes(&[0x5a; 32]).expect("key")
}

fn migration_key() -> StateKey {
    StateKey::from_bytes(&[0xa5; 16]).expect("key")
}

/// Run one input (see the module doc).
pub fn stateblob(data: &[u8]) {
    let [cfg, chunk, stream @ ..] = data else {
        return;
    };
    let dir = scratch();
    if let Ok(rd) = std::fs::read_dir(&dir) {
        for e in rd.flatten() {
            let _ = std::fs::remove_file(e.path());
        }
    }
    let mut ds = DirStore::new(&dir, TpmVersion::Tpm2, None);
    ds.set_backup(cfg & CFG_BACKUP != 0);
    let key = (cfg & CFG_KEY != 0).then(state_key);
    let mkey = (cfg & CFG_MIGRATION_KEY != 0).then(migration_key);
    let engine = Box::new(tpm2_engine::Tpm2::new(Box::new(
        tpm2_engine::platform::ManualPlatform::new(),
    )));
    let mut core = Core::new(
        engine,
        Some(Store::Dir(ds)),
        key.clone(),
        mkey,
        CoreConfig {
            lock_enabled: false,
            auto_shutdown: true,
            ..CoreConfig::default()
        },
        Logger::discard(),
    );
    if cfg & CFG_RUNNING != 0 {
        core.start(false).expect("a fresh TPM starts");
    }
    let mut server = ControlServer::new(ServerConfig {
        tpm_running: core.running(),
        ..ServerConfig::default()
    });
    let size = if *chunk == 0 {
        stream.len().max(1)
    } else {
        usize::from(*chunk)
    };
    for piece in stream.chunks(size) {
        let step = server.feed(&mut core, piece, false);
        if step.disposition == Disposition::Exit {
            break;
        }
        if step.disposition == Disposition::CloseConnection {
            server.reset_connection();
        }
        assert_eq!(
            server.tpm_running(),
            core.running(),
            "server and handler disagree"
        );
    }
    // Every file the handler wrote opens with its key.
    let check = DirStore::new(&dir, TpmVersion::Tpm2, None);
    for name in StateName::ALL {
        if let Ok(Some(raw)) = check.load_raw(name) {
            tpm_store::unwrap_state(&raw, key.as_ref()).expect("a written state file opens");
        }
    }
    if core.running() {
        let perm = core.export(StateKind::Permanent);
        let mut fresh =
            tpm2_engine::Tpm2::new(Box::new(tpm2_engine::platform::ManualPlatform::new()));
        fresh
            .set_state(StateKind::Permanent, &perm)
            .expect("an exported permanent image imports");
    }
}

/// The committed seeds: QEMU's outgoing and incoming migration sequences against this
/// handler, with and without keys, and damaged blobs.
pub fn stateblob_seeds() -> Vec<(String, Vec<u8>)> {
    // Blobs as a source daemon hands them out.
    let mut out = Vec::new();
    for cfg in [0u8, CFG_KEY, CFG_MIGRATION_KEY, CFG_KEY | CFG_MIGRATION_KEY] {
        let dir = scratch();
        if let Ok(rd) = std::fs::read_dir(&dir) {
            for e in rd.flatten() {
                let _ = std::fs::remove_file(e.path());
            }
        }
        let key = (cfg & CFG_KEY != 0).then(state_key);
        let mkey = (cfg & CFG_MIGRATION_KEY != 0).then(migration_key);
        let mut core = Core::new(
            Box::new(tpm2_engine::Tpm2::new(Box::new(
                tpm2_engine::platform::ManualPlatform::new(),
            ))),
            Some(Store::Dir(DirStore::new(&dir, TpmVersion::Tpm2, None))),
            key,
            mkey,
            CoreConfig {
                auto_shutdown: true,
                ..CoreConfig::default()
            },
            Logger::discard(),
        );
        core.start(false).expect("start");
        let mut blobs = Vec::new();
        for bt in [BlobType::Permanent, BlobType::Volatile] {
            use swtpm_protocol::ControlHandler;
            if let Ok(b) = core.get_state_blob(0, bt) {
                let flags = if b.encrypted {
                    swtpm_protocol::consts::STATE_FLAG_ENCRYPTED
                } else {
                    0
                };
                blobs.push((bt, flags, b.data));
            }
        }
        let mut stream = Vec::new();
        for (bt, flags, data) in &blobs {
            stream.extend(
                Request::SetStateBlob(swtpm_protocol::messages::SetStateBlobRequest {
                    state_flags: *flags,
                    blob_type: bt.to_u32(),
                    data: data.clone(),
                })
                .encode(),
            );
        }
        let tail: Vec<u8> = [
            Request::Init(swtpm_protocol::messages::InitRequest { init_flags: 0 }),
            Request::GetStateBlob(swtpm_protocol::messages::GetStateBlobRequest {
                state_flags: 0,
                blob_type: 1,
                offset: 0,
            }),
            Request::GetStateBlob(swtpm_protocol::messages::GetStateBlobRequest {
                state_flags: 1,
                blob_type: 2,
                offset: 16,
            }),
            Request::GetStateBlob(swtpm_protocol::messages::GetStateBlobRequest {
                state_flags: 0,
                blob_type: 3,
                offset: 0,
            }),
            Request::Stop,
        ]
        .iter()
        .flat_map(Request::encode)
        .collect();
        let mut good = vec![cfg, 0];
        good.extend_from_slice(&stream);
        good.extend_from_slice(&tail);
        out.push((format!("incoming-cfg{cfg}"), good.clone()));
        let mut chunked = good.clone();
        chunked[1] = 7;
        out.push((format!("incoming-cfg{cfg}-chunked"), chunked));
        // A flipped byte inside the first blob's body, and a wrong configuration.
        let mut flipped = good.clone();
        let at = 2 + 4 + 12 + 40;
        if let Some(b) = flipped.get_mut(at) {
            *b ^= 0x10;
        }
        out.push((format!("incoming-cfg{cfg}-flipped"), flipped));
        let mut other = good;
        other[0] ^= CFG_MIGRATION_KEY | CFG_RUNNING;
        out.push((format!("incoming-cfg{cfg}-otherkey"), other));
    }
    out
}
