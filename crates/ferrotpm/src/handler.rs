//! The TPM side of the daemon: the engine, its state directory and keys, the locality, and the
//! [`ControlHandler`] that swtpm-protocol's [`swtpm_protocol::ControlServer`] drives
//! (swtpm_ioctls(3) CMD_*), plus data-channel command execution with persist-before-respond.
//!
//! What it is: the rules of swtpm's `ctrlchannel.c`/`mainloop.c`/`tpmlib.c` that concern the
//! TPM (auto TPM2_Shutdown, INIT loading the state, STORE_VOLATILE, state blobs, locking).
//! What it is not: no sockets (see `daemon`); TPM 2.0 only.

use std::os::fd::OwnedFd;

use sha2::Digest;
use subtle::ConstantTimeEq;
use swtpm_protocol::consts::{
    CONFIG_FLAG_FILE_KEY, CONFIG_FLAG_MIGRATION_KEY, INIT_FLAG_DELETE_VOLATILE,
    STATE_FLAG_DECRYPTED, STATE_FLAG_ENCRYPTED, cap, info,
};
use swtpm_protocol::data::{Family, Frame, fatal_error_response};
use swtpm_protocol::server::{BufferSizes, StateBlob};
use swtpm_protocol::{BlobType, ControlHandler, PtmRes};
use tpm_device::{EngineError, InitFlags, StateKind, TpmEngine};
use tpm_store::{StateKey, StateName, Store};

use crate::error::Error;
use crate::log::Logger;

/// TPM2_CC_Startup.
const TPM2_CC_STARTUP: u32 = 0x144;
/// TPM2_CC_Shutdown.
const TPM2_CC_SHUTDOWN: u32 = 0x145;
/// TPM_RC_INITIALIZE: the TPM was never started.
const TPM_RC_INITIALIZE: u32 = 0x100;
/// TPM_RC_FAILURE.
const TPM_RC_FAILURE: u32 = 0x101;
/// TPM_RC_LOCALITY (libtpms's answer to RESET_TPMESTABLISHED below locality 3).
const TPM_RC_LOCALITY: u32 = 0x907;
/// TPM_RC_INSUFFICIENT.
const TPM_RC_INSUFFICIENT: u32 = 0x9a;
/// swtpm's in-band vendor command TPM_CC_SetLocality (`--locality allow-set-locality`).
const TPM_CC_SET_LOCALITY: u32 = 0x2000_1000;
/// TPM 2 minimum buffer size (libtpms 0.9: sizeof(TPMS_CONTEXT) + 128, observed 2808).
const MIN_BUFFER_SIZE: u32 = 2808;
/// swtpm `mainloop.h` DEFAULT_LOCKING_RETRIES.
const DEFAULT_LOCKING_RETRIES: u32 = 300;
/// `TPM_SU_CLEAR`.
pub const SU_CLEAR: u16 = 0;
/// `TPM_SU_STATE`.
pub const SU_STATE: u16 = 1;

/// The daemon's TPM: engine, store and the per-process settings.
pub struct Core {
    engine: Box<dyn TpmEngine>,
    store: Option<Store>,
    lock_enabled: bool,
    /// `--migration incoming`, until the lock has been taken once (swtpm 0.10 mainloop.c).
    incoming: bool,
    /// Retries of the next lazy lock (swtpm `mlp->locking_retries`): 300 after the lock was
    /// released for an outgoing migration, so that a source whose migration failed waits up
    /// to 3 s for the destination to let go.
    locking_retries: u32,
    key: Option<StateKey>,
    migration_key: Option<StateKey>,
    locality: u8,
    reject_locality_4: bool,
    allow_set_locality: bool,
    auto_shutdown: bool,
    last_was_shutdown: bool,
    /// A state write failed (disk full, I/O error): like libtpms after a failed NvCommit the
    /// TPM is in failure mode, answers TPM_RC_FAILURE and writes nothing more until CMD_INIT
    /// reloads the last durable state.
    nv_failed: bool,
    /// Response buffer of the engine, allocated once; what a command wrote is copied out
    /// and wiped (responses can carry secrets: random bytes, unsealed data).
    rsp_buf: Vec<u8>,
    buffer_size: u32,
    /// The last GET_STATEBLOB answer: (kind, state flags, SHA-256 of the plain image, blob).
    /// A repeated read of the same unchanged image (QEMU's retry, swtpm_ioctl's reads at
    /// offsets) gets the same bytes, not a re-encryption under a fresh IV that would make
    /// chunks of different reads not fit together.
    last_blob: Option<(StateKind, u32, [u8; 32], StateBlob)>,
    /// Kinds given by CMD_SET_STATEBLOB and not yet consumed by INIT (they beat the files).
    cached: [bool; 3],
    /// Set by the daemon before feeding the control server: a data channel exists.
    pub data_present: bool,
    /// Set by the daemon before feeding: the fd that came with the chunk (SCM_RIGHTS).
    pub pending_fd: Option<OwnedFd>,
    /// Set by CMD_SET_DATAFD: the daemon takes it as its data connection.
    pub adopted_data_fd: Option<OwnedFd>,
    /// A storage failure that must end the process (an acknowledged change would be lost).
    pub fatal: Option<String>,
    /// The log.
    pub log: Logger,
}

impl core::fmt::Debug for Core {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Core")
            .field("running", &self.engine.is_running())
            .field("locality", &self.locality)
            .finish_non_exhaustive()
    }
}

/// Settings of a [`Core`].
#[derive(Debug, Clone, Copy, Default)]
pub struct CoreConfig {
    /// Lock the state directory.
    pub lock_enabled: bool,
    /// `--locality reject-locality-4`.
    pub reject_locality_4: bool,
    /// `--locality allow-set-locality`.
    pub allow_set_locality: bool,
    /// Not `--flags disable-auto-shutdown`.
    pub auto_shutdown: bool,
    /// `--migration incoming`: INIT does not take the storage lock; the first SET_STATEBLOB,
    /// LOCK_STORAGE or data-channel command does.
    pub incoming_migration: bool,
}

fn name_of(kind: StateKind) -> StateName {
    match kind {
        StateKind::Permanent => StateName::Permanent,
        StateKind::Volatile => StateName::Volatile,
        StateKind::Savestate => StateName::SaveState,
    }
}

fn kind_of(b: BlobType) -> StateKind {
    match b {
        BlobType::Permanent => StateKind::Permanent,
        BlobType::Volatile => StateKind::Volatile,
        BlobType::Savestate => StateKind::Savestate,
    }
}

fn idx(kind: StateKind) -> usize {
    match kind {
        StateKind::Permanent => 0,
        StateKind::Volatile => 1,
        StateKind::Savestate => 2,
    }
}

/// The response code of a TPM response (0 if too short).
pub fn response_code(rsp: &[u8]) -> u32 {
    match rsp.get(6..10) {
        Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
        _ => TPM_RC_FAILURE,
    }
}

fn command_code(cmd: &[u8]) -> Option<u32> {
    match cmd.get(6..10) {
        Some(&[a, b, c, d]) => Some(u32::from_be_bytes([a, b, c, d])),
        _ => None,
    }
}

/// A 10-byte TPM 2 error response.
fn error_response(rc: u32) -> Vec<u8> {
    let mut v = vec![0x80, 0x01, 0, 0, 0, 0x0a];
    v.extend_from_slice(&rc.to_be_bytes());
    v
}

/// TPM2_Startup / TPM2_Shutdown with one u16 parameter (TPM 2.0 Part 3 §9.3, §9.4).
pub fn su_command(cc: u32, su: u16) -> [u8; 12] {
    let c = cc.to_be_bytes();
    let s = su.to_be_bytes();
    [
        0x80, 0x01, 0, 0, 0, 0x0c, c[0], c[1], c[2], c[3], s[0], s[1],
    ]
}

fn store_res(e: &tpm_store::Error) -> PtmRes {
    use tpm_store::Error as E;
    match e {
        E::Integrity => PtmRes::DECRYPT_ERROR,
        E::KeyRequired => PtmRes::KEYNOTFOUND,
        E::KeySize { .. } => PtmRes::BAD_KEY_PROPERTY,
        E::Version { .. } => PtmRes::BAD_VERSION,
        E::HeaderSize(_) => PtmRes::BAD_DATASIZE,
        E::ShortBlob(_) | E::TotalLength { .. } => PtmRes::BAD_PARAMETER,
        _ => PtmRes::FAIL,
    }
}

impl Core {
    /// A core over `engine`, with an optional state directory.
    pub fn new(
        engine: Box<dyn TpmEngine>,
        store: Option<Store>,
        key: Option<StateKey>,
        migration_key: Option<StateKey>,
        cfg: CoreConfig,
        log: Logger,
    ) -> Core {
        let buffer_size = u32::try_from(engine.max_command_size()).unwrap_or(4096);
        Core {
            engine,
            store,
            lock_enabled: cfg.lock_enabled,
            incoming: cfg.incoming_migration,
            locking_retries: 0,
            key,
            migration_key,
            locality: 0,
            reject_locality_4: cfg.reject_locality_4,
            allow_set_locality: cfg.allow_set_locality,
            auto_shutdown: cfg.auto_shutdown,
            last_was_shutdown: false,
            buffer_size,
            cached: [false; 3],
            last_blob: None,
            data_present: false,
            pending_fd: None,
            adopted_data_fd: None,
            fatal: None,
            nv_failed: false,
            rsp_buf: Vec::new(),
            log,
        }
    }

    /// The TPM is powered on.
    pub fn running(&self) -> bool {
        self.engine.is_running()
    }

    /// The engine's current image of `kind` (what GET_STATEBLOB would wrap).
    pub fn export(&self, kind: StateKind) -> zeroize::Zeroizing<Vec<u8>> {
        self.engine.state(kind)
    }

    /// The current TPM buffer size (the data framer's limit).
    pub fn buffer_size(&self) -> u32 {
        self.buffer_size
    }

    /// Release the storage lock (exit path).
    pub fn unlock(&mut self) {
        if let Some(s) = self.store.as_mut() {
            s.unlock();
        }
    }

    fn lock(&mut self, retries: u32) -> Result<(), Error> {
        if !self.lock_enabled {
            return Ok(());
        }
        match self.store.as_mut() {
            Some(s) => {
                s.lock(retries)?;
                // swtpm `mainloop_ensure_locked_storage`: once locked, INIT locks again.
                self.incoming = false;
                self.locking_retries = 0;
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Write every image the engine reports dirty (tpm-store: temp file, fsync, rename, fsync
    /// of the directory), before any response that depends on it is released.
    ///
    /// # Errors
    /// No store, or the write failed.
    pub fn persist_dirty(&mut self) -> Result<(), Error> {
        while let Some(kind) = self.engine.take_dirty() {
            let image = self.engine.state(kind);
            let Some(store) = self.store.as_mut() else {
                return Err(Error::Config("Missing backend URI".into()));
            };
            store.store(name_of(kind), &image, self.key.as_ref())?;
        }
        Ok(())
    }

    /// Persist what the engine marked dirty. On failure the change is not acknowledged, the
    /// unwritten state is dropped (never written later), and the TPM enters failure mode as
    /// libtpms does when NvCommit fails (ExecCommand: FAIL(FATAL_ERROR_INTERNAL)); the process
    /// keeps serving, and CMD_INIT (a VM reset) brings back the last durable state.
    fn persist_or_fatal(&mut self) -> bool {
        if self.nv_failed {
            while self.engine.take_dirty().is_some() {}
            return false;
        }
        match self.persist_dirty() {
            Ok(()) => true,
            Err(e) => {
                self.log.error(&format!(
                    "Could not write the TPM state: {e}; the TPM is in failure mode until the \
                     next CMD_INIT, which reloads the last state written"
                ));
                self.nv_failed = true;
                while self.engine.take_dirty().is_some() {}
                false
            }
        }
    }

    fn exec_raw(&mut self, cmd: &[u8]) -> Vec<u8> {
        let max = self.engine.max_response_size().max(10);
        if self.rsp_buf.len() != max {
            self.rsp_buf.resize(max, 0);
        }
        let n = self.engine.execute(self.locality, cmd, &mut self.rsp_buf);
        let rsp = self.rsp_buf.get(..n).unwrap_or(&[]).to_vec();
        if let Some(used) = self.rsp_buf.get_mut(..n) {
            zeroize::Zeroize::zeroize(used);
        }
        if let Some(cc) = command_code(cmd) {
            self.last_was_shutdown = cc == TPM2_CC_SHUTDOWN;
        }
        rsp
    }

    /// swtpm `tpmlib_maybe_send_tpm2_shutdown` (swtpm-interface §4.5): unless disabled, and
    /// unless the last command was TPM2_Shutdown, send TPM2_Shutdown(SU_STATE), falling back
    /// to SU_CLEAR; nothing more if the TPM was never started. Persists what it changed.
    pub fn maybe_auto_shutdown(&mut self) {
        if !self.engine.is_running() || !self.auto_shutdown || self.last_was_shutdown {
            return;
        }
        let rc = response_code(&self.exec_raw(&su_command(TPM2_CC_SHUTDOWN, SU_STATE)));
        if rc != 0 && rc != TPM_RC_INITIALIZE {
            self.exec_raw(&su_command(TPM2_CC_SHUTDOWN, SU_CLEAR));
        }
        self.persist_or_fatal();
    }

    /// True while the state is released to a migration destination (locking on, lock not
    /// held while the TPM runs: only after GET_STATEBLOB(savestate)).
    fn handed_over(&self) -> bool {
        self.lock_enabled && self.store.as_ref().is_some_and(|s| !s.is_locked())
    }

    /// Power off after the auto shutdown (CMD_STOP, CMD_SHUTDOWN, INIT on a running TPM,
    /// process exit).
    ///
    /// Not after an outgoing migration: once the savestate blob was handed out and the
    /// storage lock released (and not re-taken by LOCK_STORAGE or a TPM command), the state
    /// belongs to the migration destination, so neither the automatic TPM2_Shutdown nor any
    /// write happens. (swtpm still sends it and writes the shared state without the lock;
    /// an open point in swtpm, not followed here.)
    pub fn power_off(&mut self) {
        if self.nv_failed || (self.engine.is_running() && self.handed_over()) {
            // nv_failed: nothing of the running TPM may reach the disk any more;
            // handed_over: the state belongs to the migration destination.
            self.engine.shutdown();
            while self.engine.take_dirty().is_some() {}
            return;
        }
        if self.engine.is_running() {
            self.maybe_auto_shutdown();
            self.engine.shutdown();
            self.persist_or_fatal();
        }
    }

    /// Start the TPM (swtpm_ioctls(3) CMD_INIT, or start-up with `not-need-init`): lock the
    /// directory, load `permall` and `volatilestate` unless a SET_STATEBLOB blob stands in for
    /// them, power on, then delete the volatile state if asked and persist.
    ///
    /// # Errors
    /// No state directory, lock failure, an unreadable state (never replaced by a fresh
    /// TPM), or the engine refused it.
    pub fn start(&mut self, delete_volatile: bool) -> Result<(), Error> {
        self.power_off();
        // The state is reloaded from storage below: failure mode ends here.
        self.nv_failed = false;
        if self.store.is_none() {
            return Err(Error::Config("Missing backend URI".into()));
        }
        // swtpm 0.10 `storage_locked = !incoming_migration` before tpmlib_start.
        if !self.incoming {
            self.lock(0)?;
        }
        let backup = self.store.as_ref().is_some_and(Store::backup);
        if backup {
            if let Some(s) = self.store.as_ref() {
                s.restore_backup_pre_start()?;
            }
        }
        let fresh_perm = self.load_images(delete_volatile);
        if let Some(Store::File(f)) = self.store.as_mut() {
            if f.take_formatted() {
                // swtpm `SWTPM_NVRAM_Prepare_Linear`.
                let msg = format!(
                    "Formatting 'file://{}' as new linear NVRAM store",
                    f.path().display()
                );
                self.log.stdout(&msg);
            }
        }
        let fresh_perm = match fresh_perm {
            Ok(f) => f,
            // swtpm master `tpmlib_start`: with `backup`, a permanent state that cannot be
            // started from is swapped with its backup and tried once more; if that fails too,
            // the swap is reverted and the first error stands.
            Err(first) if backup => {
                let swapped = self.store.as_ref().map(Store::swap_backup);
                if !matches!(swapped, Some(Ok(true))) {
                    return Err(first);
                }
                self.log.error(&format!(
                    "Could not start with the permanent state ({first}); attempting to start with the backup state file."
                ));
                match self.load_images(delete_volatile) {
                    Ok(f) => f,
                    Err(second) => {
                        if let Some(s) = self.store.as_ref() {
                            let _ = s.swap_backup();
                        }
                        self.log
                            .error(&format!("The backup state file failed too: {second}"));
                        return Err(first);
                    }
                }
            }
            Err(e) => return Err(e),
        };
        self.cached = [false; 3];
        self.last_was_shutdown = false;
        if fresh_perm {
            let image = self.engine.state(StateKind::Permanent);
            if let Some(s) = self.store.as_mut() {
                s.store(StateName::Permanent, &image, self.key.as_ref())?;
            }
        }
        if delete_volatile {
            if let Some(s) = self.store.as_mut() {
                s.delete(StateName::Volatile)?;
            }
        }
        self.persist_dirty()?;
        Ok(())
    }

    /// Load `permall` and `volatilestate` into the engine (unless a SET_STATEBLOB blob stands
    /// in for them) and power it on. `Ok(true)` if the permanent state is new (to be written).
    fn load_images(&mut self, delete_volatile: bool) -> Result<bool, Error> {
        let mut fresh_perm = false;

        for kind in [StateKind::Permanent, StateKind::Volatile] {
            if self.cached.get(idx(kind)).copied().unwrap_or(false) {
                if kind == StateKind::Permanent {
                    // A cached permanent blob is committed to storage at INIT (swtpm NvCommit).
                    fresh_perm = true;
                }
                continue;
            }
            let loaded = match self.store.as_mut() {
                Some(s) => s.load(name_of(kind), self.key.as_ref())?,
                None => None,
            };
            match loaded {
                Some(img) => {
                    if is_libtpms_blob(&img) {
                        // Never start a fresh TPM over a guest's existing state (architecture.md:
                        // state that exists but cannot be read is an error, not an empty TPM).
                        return Err(Error::Config(format!(
                            "the state directory holds swtpm/libtpms state ({}), which this build \
                             cannot import yet; refusing to start so that it is not overwritten",
                            match kind {
                                StateKind::Permanent => "tpm2-00.permall",
                                StateKind::Volatile => "tpm2-00.volatilestate",
                                StateKind::Savestate => "tpm2-00.savestate",
                            }
                        )));
                    }
                    self.engine.set_state(kind, &img)?
                }
                None => {
                    if kind == StateKind::Permanent {
                        fresh_perm = true;
                    }
                    self.engine.set_state(kind, &[])?;
                }
            }
        }
        self.engine.init(InitFlags { delete_volatile })?;
        Ok(fresh_perm)
    }

    /// Send TPM2_Startup of `su` (`--flags startup-clear|startup-state`).
    ///
    /// # Errors
    /// The TPM answered with an error (swtpm then terminates).
    pub fn send_startup(&mut self, su: u16) -> Result<(), Error> {
        let rc = response_code(&self.exec_raw(&su_command(TPM2_CC_STARTUP, su)));
        self.persist_dirty()?;
        if rc != 0 {
            return Err(Error::TpmCommand {
                what: "TPM2_Startup",
                rc,
            });
        }
        Ok(())
    }

    /// One data-channel command (swtpm `mainloop.c`): the MS-simulator prefix sets the
    /// locality; while the TPM is off the fatal response answers without looking at the
    /// command (swtpm-interface §4.2); otherwise the engine executes it, dirty state is
    /// persisted, and only then is the response returned.
    pub fn data_command(&mut self, frame: &Frame) -> Vec<u8> {
        if let Some(l) = frame.ms_locality {
            self.locality = l;
        }
        if !self.engine.is_running() {
            return frame.response(&fatal_error_response(Family::Tpm2));
        }
        if self.nv_failed {
            return frame.response(&error_response(TPM_RC_FAILURE));
        }
        // Lazy re-lock (after a savestate blob was read); failure ends the process.
        if self.lock_enabled && self.store.as_ref().is_some_and(|s| !s.is_locked()) {
            if let Err(e) = self.lock(self.locking_retries) {
                let msg = format!("{e}");
                self.log.error(&msg);
                self.fatal = Some(msg);
                return frame.response(&error_response(TPM_RC_FAILURE));
            }
        }
        if self.allow_set_locality && command_code(&frame.command) == Some(TPM_CC_SET_LOCALITY) {
            return frame.response(&self.vendor_set_locality(&frame.command));
        }
        let rsp = self.exec_raw(&frame.command);
        if !self.persist_or_fatal() {
            // Not acknowledged: the change could not be made durable.
            return frame.response(&error_response(TPM_RC_FAILURE));
        }
        frame.response(&rsp)
    }

    /// swtpm's vendor TPM_CC_SetLocality (`--locality allow-set-locality`).
    fn vendor_set_locality(&mut self, cmd: &[u8]) -> Vec<u8> {
        let Some(&loc) = cmd.get(10) else {
            return error_response(TPM_RC_INSUFFICIENT);
        };
        if loc > 4 || (loc == 4 && self.reject_locality_4) {
            return error_response(TPM_RC_LOCALITY);
        }
        self.locality = loc;
        error_response(0)
    }

    fn engine_res(&mut self, r: Result<(), EngineError>) -> PtmRes {
        match r {
            Ok(()) => PtmRes::SUCCESS,
            Err(EngineError::NotRunning) => PtmRes::BAD_ORDINAL,
            Err(EngineError::Locality) => PtmRes(TPM_RC_LOCALITY),
            Err(e) => {
                self.log.error(&format!("{e}"));
                PtmRes::FAIL
            }
        }
    }

    fn load_image(
        &mut self,
        kind: StateKind,
    ) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>, PtmRes> {
        let Some(store) = self.store.as_mut() else {
            return Err(PtmRes::FAIL);
        };
        match store.load(name_of(kind), self.key.as_ref()) {
            Ok(v) => Ok(v),
            Err(e) => {
                let r = store_res(&e);
                self.log.error(&format!("{e}"));
                Err(r)
            }
        }
    }
}

impl ControlHandler for Core {
    fn capabilities(&mut self) -> u32 {
        // swtpm-interface §3.5: everything newest swtpm advertises for TPM 2.
        cap::SWTPM_NEWEST_TPM2
    }

    fn init(&mut self, init_flags: u32) -> PtmRes {
        match self.start(init_flags & INIT_FLAG_DELETE_VOLATILE != 0) {
            Ok(()) => PtmRes::SUCCESS,
            Err(e) => {
                self.log
                    .error(&format!("Could not initialize the TPM: {e}"));
                if self.engine.is_running() {
                    self.engine.shutdown();
                }
                PtmRes::FAIL
            }
        }
    }

    fn shutdown(&mut self) {
        self.power_off();
    }

    fn stop(&mut self) {
        self.power_off();
    }

    fn get_tpm_established(&mut self) -> Result<bool, PtmRes> {
        Ok(self.engine.established())
    }

    fn set_locality(&mut self, locality: u8) {
        self.locality = locality;
    }

    fn hash_start(&mut self) -> PtmRes {
        let r = self.engine.hash_start();
        self.engine_res(r)
    }

    fn hash_data(&mut self, data: &[u8]) -> PtmRes {
        let r = self.engine.hash_data(data);
        self.engine_res(r)
    }

    fn hash_end(&mut self) -> PtmRes {
        let r = self.engine.hash_end();
        let res = self.engine_res(r);
        if !self.persist_or_fatal() {
            return PtmRes::FAIL;
        }
        res
    }

    fn cancel_tpm_cmd(&mut self) -> PtmRes {
        // Commands run synchronously in this loop: nothing to cancel (as swtpm socket mode).
        PtmRes::SUCCESS
    }

    fn store_volatile(&mut self) -> PtmRes {
        let image = self.engine.state(StateKind::Volatile);
        let Some(store) = self.store.as_mut() else {
            return PtmRes::FAIL;
        };
        let r = if image.is_empty() {
            store.delete(StateName::Volatile).map(|_| ())
        } else {
            store.store(StateName::Volatile, &image, self.key.as_ref())
        };
        match r {
            Ok(()) => PtmRes::SUCCESS,
            Err(e) => {
                self.log.error(&format!("{e}"));
                PtmRes::FAIL
            }
        }
    }

    fn reset_tpm_established(&mut self, locality: u8) -> PtmRes {
        let r = self.engine.reset_established(locality);
        self.engine_res(r)
    }

    fn get_state_blob(&mut self, state_flags: u32, blob: BlobType) -> Result<StateBlob, PtmRes> {
        let kind = kind_of(blob);
        if kind == StateKind::Volatile {
            // swtpm: store the volatile state first, read it back, then delete the file.
            let r = self.store_volatile();
            if !r.is_success() {
                return Err(r);
            }
        }
        let image = self.load_image(kind);
        if kind == StateKind::Volatile {
            if let Some(s) = self.store.as_mut() {
                let _ = s.delete(StateName::Volatile);
            }
        }
        if kind == StateKind::Savestate {
            // swtpm 0.10 `ctrlchannel_return_state`: the lock is released after the savestate
            // blob (whether or not `release-lock-outgoing` was given: swtpm parses that flag
            // but never reads it), so that a destination on shared storage can take it; it is
            // re-taken lazily, with DEFAULT_LOCKING_RETRIES (300 × 10 ms).
            self.unlock();
            self.locking_retries = DEFAULT_LOCKING_RETRIES;
        }
        let image = image?;
        let Some(image) = image.filter(|i| !i.is_empty()) else {
            return Err(PtmRes::RETRY);
        };
        let decrypt = state_flags & STATE_FLAG_DECRYPTED != 0;
        let digest: [u8; 32] = sha2::Sha256::digest(&image[..]).into();
        if let Some((k, f, d, b)) = &self.last_blob {
            if *k == kind && *f == state_flags && bool::from(d.ct_eq(&digest)) {
                return Ok(b.clone());
            }
        }
        match tpm_store::wrap_migration(
            &image,
            self.key.as_ref(),
            decrypt,
            self.migration_key.as_ref(),
        ) {
            Ok(m) => {
                let blob = StateBlob {
                    encrypted: m.is_encrypted,
                    data: m.blob.to_vec(),
                };
                self.last_blob = Some((kind, state_flags, digest, blob.clone()));
                Ok(blob)
            }
            Err(e) => {
                self.log.error(&format!("{e}"));
                Err(PtmRes::FAIL)
            }
        }
    }

    fn ensure_storage_locked(&mut self) -> bool {
        match self.lock(self.locking_retries) {
            Ok(()) => true,
            Err(e) => {
                self.log.error(&format!("{e}"));
                false
            }
        }
    }

    fn set_state_blob(&mut self, state_flags: u32, blob: BlobType, data: &[u8]) -> PtmRes {
        let kind = kind_of(blob);
        let image = match tpm_store::unwrap_migration(
            data,
            state_flags & STATE_FLAG_ENCRYPTED != 0,
            self.key.as_ref(),
            self.migration_key.as_ref(),
        ) {
            Ok(i) => i,
            Err(e) => {
                self.log.error(&format!("{e}"));
                self.clear_cached();
                return store_res(&e);
            }
        };
        if kind == StateKind::Savestate && !image.is_empty() {
            // TPM 2 keeps no savestate (swtpm-interface §3.4).
            self.clear_cached();
            return PtmRes::BAD_TYPE;
        }
        match self.engine.set_state(kind, &image) {
            Ok(()) => {
                if let Some(c) = self.cached.get_mut(idx(kind)) {
                    *c = !image.is_empty();
                }
                PtmRes::SUCCESS
            }
            Err(e) => {
                self.log.error(&format!("{e}"));
                self.clear_cached();
                PtmRes::FAIL
            }
        }
    }

    fn get_config(&mut self) -> u32 {
        let mut f = 0;
        if self.key.is_some() {
            f |= CONFIG_FLAG_FILE_KEY;
        }
        if self.migration_key.is_some() {
            f |= CONFIG_FLAG_MIGRATION_KEY;
        }
        f
    }

    fn has_data_channel(&mut self) -> bool {
        self.data_present
    }

    fn set_datafd(&mut self) -> PtmRes {
        match self.pending_fd.take() {
            Some(fd) => {
                self.adopted_data_fd = Some(fd);
                PtmRes::SUCCESS
            }
            None => PtmRes::BAD_PARAMETER,
        }
    }

    fn set_buffer_size(&mut self, requested: u32) -> BufferSizes {
        let max = u32::try_from(self.engine.max_command_size()).unwrap_or(4096);
        if requested != 0 {
            self.buffer_size = requested.clamp(MIN_BUFFER_SIZE, max);
        }
        BufferSizes {
            buffer_size: self.buffer_size,
            min_size: MIN_BUFFER_SIZE,
            max_size: max,
        }
    }

    fn get_info(&mut self, flags: u64) -> Option<String> {
        // TPMLIB_GetInfo: the members this build knows (libtpms 0.9 parity values).
        let mut parts = Vec::new();
        if flags & info::TPMSPECIFICATION != 0 {
            parts.push(format!(
                "\"TPMSpecification\":{{\"family\":\"2.0\",\"level\":0,\"revision\":{}}}",
                tpm2_engine::properties::REVISION
            ));
        }
        if flags & info::TPMATTRIBUTES != 0 {
            parts.push(format!(
                "\"TPMAttributes\":{{\"manufacturer\":\"id:00001014\",\"version\":\"id:{:08X}\",\"model\":\"swtpm\"}}",
                tpm2_engine::properties::FIRMWARE_V1
            ));
        }
        if flags & info::TPMFEATURES != 0 {
            // libtpms 0.9 TPM2_GetInfo: the RSA and Camellia key sizes the TPM supports
            // (swtpm_setup reads RSAKeySizes). No Camellia here: an empty list.
            let profile = tpm2_engine::algorithms::PROFILE;
            let rsa: Vec<String> = [1024u16, 2048, 3072, 4096]
                .into_iter()
                .filter(|&b| profile.alg_enabled(0x0001) && profile.key_size_enabled(0x0001, b))
                .map(|b| b.to_string())
                .collect();
            let camellia: Vec<String> = [128u16, 192, 256]
                .into_iter()
                .filter(|&b| profile.alg_enabled(0x0026) && profile.key_size_enabled(0x0026, b))
                .map(|b| b.to_string())
                .collect();
            parts.push(format!(
                "\"TPMFeatures\":{{\"RSAKeySizes\":[{}],\"CamelliaKeySizes\":[{}]}}",
                rsa.join(","),
                camellia.join(",")
            ));
        }
        Some(format!("{{{}}}", parts.join(",")))
    }

    fn lock_storage(&mut self, retries: u32) -> PtmRes {
        // swtpm CMD_LOCK_STORAGE: the retries also apply to later lazy locks until one works.
        self.locking_retries = retries;
        match self.lock(retries) {
            Ok(()) => PtmRes::SUCCESS,
            Err(e) => {
                self.log.error(&format!("{e}"));
                PtmRes::FAIL
            }
        }
    }
}

impl Core {
    fn clear_cached(&mut self) {
        for kind in StateKind::ALL {
            if self.cached.get(idx(kind)).copied().unwrap_or(false) {
                let _ = self.engine.set_state(kind, &[]);
            }
        }
        self.cached = [false; 3];
    }
}

/// Does `img` look like a libtpms TPM 2.0 state blob (a 16-bit version, then the permanent
/// magic 0xab364723 or the volatile magic 0x45637889; swtpm-interface.md §7.1)?
fn is_libtpms_blob(img: &[u8]) -> bool {
    matches!(
        img.get(2..6),
        Some([0xab, 0x36, 0x47, 0x23]) | Some([0x45, 0x63, 0x78, 0x89])
    )
}
