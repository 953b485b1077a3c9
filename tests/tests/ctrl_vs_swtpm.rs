//! swtpm-protocol against the real swtpm: drive Debian's `swtpm socket --tpm2` control channel
//! over TCP with OUR request encoding and decode its answers with OUR decoders, in the order
//! QEMU and swtpm_ioctl use the commands; check the values are sane and consistent, and compare
//! the exact reply bytes of the deterministic exchanges with the vectors recorded in
//! `crates/swtpm-protocol/tests/vectors/ctrl-swtpm-<version>.txt` (re-record with
//! FERROTPM_RECORD_VECTORS=1).
//!
//! Needs `swtpm`; without it the test fails, unless FERROTPM_SKIP_SWTPM=1 is set.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use swtpm_protocol::client::{Client, read_response};
use swtpm_protocol::consts::{BlobType, CtrlCmd, PtmRes, STATE_FLAG_DECRYPTED, cap, info};
use swtpm_protocol::data::{DataFramer, Family, TpmHeader, fatal_error_response};
use swtpm_protocol::messages::{
    GetInfoRequest, GetStateBlobRequest, InitRequest, LockStorageRequest, Request, Response,
    SetBufferSizeRequest, SetLocalityRequest, SetStateBlobHeader,
};

fn swtpm_version() -> Option<String> {
    let out = Command::new("swtpm").arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    // "TPM emulator version 0.7.1, Copyright ..."
    let v = text
        .split("version ")
        .nth(1)?
        .split([',', ' '])
        .next()?
        .to_owned();
    Some(v)
}

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let p = std::env::temp_dir().join(format!("ferrotpm-ctrl-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn free_port_pair() -> u16 {
    for _ in 0..200 {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let p = l.local_addr().unwrap().port();
        if p < 65534 && TcpListener::bind(("127.0.0.1", p + 1)).is_ok() {
            return p;
        }
    }
    panic!("no pair of free loopback ports");
}

struct Swtpm {
    child: Child,
    _dir: TempDir,
}

impl Drop for Swtpm {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn connect(port: u16) -> TcpStream {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(s) = TcpStream::connect(("127.0.0.1", port)) {
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            s.set_nodelay(true).unwrap();
            return s;
        }
        assert!(Instant::now() < deadline, "swtpm did not listen on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Records the exact bytes of one exchange.
struct Vectors {
    lines: Vec<String>,
}

impl Vectors {
    /// Sends `req` (one write), reads the reply with our decoder, and returns both.
    fn exchange(&mut self, s: &mut TcpStream, req: &Request, record: bool) -> Response {
        let wire = req.encode();
        s.write_all(&wire).unwrap();
        let mut tee = Tee {
            inner: s,
            seen: Vec::new(),
        };
        let resp = read_response(&mut tee, req.cmd()).unwrap();
        assert_eq!(resp.encode(), tee.seen, "re-encoding {:?}", req.cmd());
        if record {
            let name = req
                .cmd()
                .name()
                .map(str::to_owned)
                .unwrap_or(format!("{:#x}", req.cmd().0));
            self.lines.push(format!(
                "{name} {} {}",
                hex::encode(&wire),
                hex::encode(&tee.seen)
            ));
        }
        resp
    }
}

struct Tee<'a> {
    inner: &'a mut TcpStream,
    seen: Vec<u8>,
}

impl Read for Tee<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.seen.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

fn result(r: &Response) -> PtmRes {
    r.result()
}

/// One TPM command on the data channel, framed by our DataFramer.
fn tpm(data: &mut TcpStream, cmd: &[u8]) -> Vec<u8> {
    data.write_all(cmd).unwrap();
    let mut f = DataFramer::new(4096, false);
    let mut buf = [0u8; 4096];
    loop {
        let n = data.read(&mut buf).unwrap();
        assert!(n > 0, "data channel closed");
        f.push(&buf[..n]);
        if let Some(frame) = f.pop().unwrap() {
            return frame.command;
        }
    }
}

fn rc(rsp: &[u8]) -> u32 {
    TpmHeader::parse(rsp).unwrap().code
}

#[test]
fn ctrl_channel_against_swtpm() {
    let have = Command::new("sh")
        .args(["-c", "command -v swtpm"])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !have {
        if std::env::var("FERROTPM_SKIP_SWTPM").as_deref() == Ok("1") {
            println!("SKIPPED: FERROTPM_SKIP_SWTPM=1 and swtpm missing");
            return;
        }
        panic!("swtpm missing: install swtpm (Debian: swtpm 0.7), or set FERROTPM_SKIP_SWTPM=1");
    }
    let version = swtpm_version().expect("swtpm --version");
    let dir = TempDir::new();
    let port = free_port_pair();
    let child = Command::new("swtpm")
        .arg("socket")
        .arg("--tpm2")
        .arg("--tpmstate")
        .arg(format!("dir={}", dir.0.display()))
        .arg("--ctrl")
        .arg(format!("type=tcp,port={port},bindaddr=127.0.0.1"))
        .arg("--server")
        .arg(format!("type=tcp,port={},bindaddr=127.0.0.1", port + 1))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start swtpm");
    let mut sw = Swtpm { child, _dir: dir };
    let mut ctrl = connect(port);
    let mut data = connect(port + 1);
    let mut v = Vectors { lines: Vec::new() };

    // --- Before INIT -------------------------------------------------------------------
    let caps = match v.exchange(&mut ctrl, &Request::GetCapability, true) {
        Response::Capability(c) => c,
        r => panic!("GET_CAPABILITY: {r:?}"),
    };
    assert_eq!(caps.result, PtmRes::SUCCESS);
    assert_eq!(caps.caps & cap::QEMU_REQUIRED_TPM2, cap::QEMU_REQUIRED_TPM2);
    assert_ne!(
        caps.caps & cap::SEND_COMMAND_HEADER,
        0,
        "TPM 2 advertises the MS header"
    );
    // Commands that need a running TPM: 4-byte TPM_BAD_ORDINAL.
    for r in [
        Request::GetTpmEstablished,
        Request::GetStateBlob(GetStateBlobRequest {
            state_flags: 1,
            blob_type: 1,
            offset: 0,
        }),
        Request::StoreVolatile,
    ] {
        let got = v.exchange(&mut ctrl, &r, true);
        assert_eq!(got, Response::Result(PtmRes::BAD_ORDINAL), "{r:?}");
    }
    // QEMU's version probe on the data channel: the fatal response, TPM 2 tag.
    let probe = tpm(&mut data, &hex::decode("80010000000a00000181").unwrap());
    assert_eq!(probe, fatal_error_response(Family::Tpm2));

    // --- QEMU reset sequence: STOP, SET_BUFFERSIZE(0), STOP, SET_BUFFERSIZE(n), INIT ---
    assert_eq!(
        result(&v.exchange(&mut ctrl, &Request::Stop, true)),
        PtmRes::SUCCESS
    );
    let q = match v.exchange(
        &mut ctrl,
        &Request::SetBufferSize(SetBufferSizeRequest { buffer_size: 0 }),
        true,
    ) {
        Response::BufferSize(b) => b,
        r => panic!("SET_BUFFERSIZE: {r:?}"),
    };
    assert!(
        q.min_size <= q.buffer_size && q.buffer_size <= q.max_size,
        "{q:?}"
    );
    // Clamping: below the minimum gives the minimum, above the maximum the maximum.
    let lo = v.exchange(
        &mut ctrl,
        &Request::SetBufferSize(SetBufferSizeRequest { buffer_size: 1 }),
        true,
    );
    assert!(
        matches!(lo, Response::BufferSize(b) if b.buffer_size == q.min_size),
        "{lo:?}"
    );
    let hi = v.exchange(
        &mut ctrl,
        &Request::SetBufferSize(SetBufferSizeRequest {
            buffer_size: 1 << 20,
        }),
        true,
    );
    assert!(
        matches!(hi, Response::BufferSize(b) if b.buffer_size == q.max_size),
        "{hi:?}"
    );
    assert_eq!(
        result(&v.exchange(&mut ctrl, &Request::Stop, false)),
        PtmRes::SUCCESS
    );
    let crb = v.exchange(
        &mut ctrl,
        &Request::SetBufferSize(SetBufferSizeRequest { buffer_size: 3968 }),
        true,
    );
    assert!(
        matches!(crb, Response::BufferSize(b) if b.buffer_size == 3968),
        "{crb:?}"
    );
    // INIT with a wrong payload size: BAD_PARAMETER (exactly 4 bytes required).
    let mut bad_init = Request::Init(InitRequest { init_flags: 0 }).encode();
    bad_init.push(0);
    ctrl.write_all(&bad_init).unwrap();
    assert_eq!(
        read_response(&mut ctrl, CtrlCmd::INIT).unwrap(),
        Response::Result(PtmRes::BAD_PARAMETER)
    );
    assert_eq!(
        result(&v.exchange(
            &mut ctrl,
            &Request::Init(InitRequest { init_flags: 0 }),
            true
        )),
        PtmRes::SUCCESS
    );
    // Setting the buffer size while running: TPM_BAD_ORDINAL; querying works.
    let r = v.exchange(
        &mut ctrl,
        &Request::SetBufferSize(SetBufferSizeRequest { buffer_size: 4096 }),
        true,
    );
    assert_eq!(r, Response::Result(PtmRes::BAD_ORDINAL));
    let r = v.exchange(
        &mut ctrl,
        &Request::SetBufferSize(SetBufferSizeRequest { buffer_size: 0 }),
        true,
    );
    assert!(
        matches!(r, Response::BufferSize(b) if b.buffer_size == 3968),
        "{r:?}"
    );

    // --- Established flag, H-CRTM sequence, localities -----------------------------------
    let est = v.exchange(&mut ctrl, &Request::GetTpmEstablished, true);
    assert!(
        matches!(est, Response::Established(e) if e.result == PtmRes::SUCCESS),
        "{est:?}"
    );
    let mut c = Client::new(ctrl);
    c.hash(&(0..5000u32).map(|i| i as u8).collect::<Vec<_>>())
        .unwrap();
    assert!(
        c.get_tpm_established().unwrap(),
        "HASH_START sets the established flag"
    );
    let mut ctrl = c.stream;
    // After the H-CRTM sequence, Startup(CLEAR) on the data channel.
    let su = tpm(&mut data, &hex::decode("80010000000c000001440000").unwrap());
    assert_eq!(rc(&su), 0, "TPM2_Startup");
    for loc in 0..=4u8 {
        let r = v.exchange(
            &mut ctrl,
            &Request::SetLocality(SetLocalityRequest { locality: loc }),
            loc == 0,
        );
        assert_eq!(result(&r), PtmRes::SUCCESS);
    }
    let r = v.exchange(
        &mut ctrl,
        &Request::SetLocality(SetLocalityRequest { locality: 5 }),
        true,
    );
    assert_eq!(r, Response::Result(PtmRes::BAD_LOCALITY));
    // tpm2-tss sends SET_LOCALITY with a 1-byte payload.
    ctrl.write_all(&[0, 0, 0, 5, 0]).unwrap();
    assert_eq!(
        read_response(&mut ctrl, CtrlCmd::SET_LOCALITY).unwrap(),
        Response::Result(PtmRes::SUCCESS)
    );
    let mut c = Client::new(ctrl);
    c.reset_tpm_established(3).unwrap();
    assert!(
        !c.get_tpm_established().unwrap(),
        "RESET_TPMESTABLISHED(3) clears the flag"
    );
    c.cancel_tpm_cmd().unwrap();
    let mut ctrl = c.stream;
    let r = v.exchange(
        &mut ctrl,
        &Request::ResetTpmEstablished(swtpm_protocol::messages::ResetEstablishedRequest {
            locality: 5,
        }),
        true,
    );
    assert_eq!(r, Response::Result(PtmRes::BAD_LOCALITY));

    // --- GET_CONFIG, GET_INFO ------------------------------------------------------------
    let r = v.exchange(&mut ctrl, &Request::GetConfig, true);
    assert!(
        matches!(r, Response::Config(c) if c.result == PtmRes::SUCCESS && c.flags == 0),
        "{r:?}"
    );
    if caps.caps & cap::GET_INFO != 0 {
        let r = v.exchange(
            &mut ctrl,
            &Request::GetInfo(GetInfoRequest {
                flags: info::TPMSPECIFICATION,
                offset: 0,
            }),
            true,
        );
        let Response::Info(i) = r else {
            panic!("GET_INFO: {r:?}")
        };
        assert_eq!(i.totlength, i.length);
        assert_eq!(i.data.last(), Some(&0), "the last piece carries the NUL");
        let text = std::str::from_utf8(&i.data[..i.data.len() - 1]).unwrap();
        assert!(text.contains("\"TPMSpecification\""), "{text}");
        // Offsets: the remainder from the offset, same totlength.
        let r = v.exchange(
            &mut ctrl,
            &Request::GetInfo(GetInfoRequest {
                flags: info::TPMSPECIFICATION,
                offset: 10,
            }),
            false,
        );
        let Response::Info(j) = r else {
            panic!("GET_INFO: {r:?}")
        };
        assert_eq!(
            (j.totlength, j.length as usize),
            (i.totlength, i.data.len() - 10)
        );
        assert_eq!(j.data, i.data[10..]);
        // An offset at strlen is TPM_BAD_PARAMETER.
        let r = v.exchange(
            &mut ctrl,
            &Request::GetInfo(GetInfoRequest {
                flags: info::TPMSPECIFICATION,
                offset: i.totlength - 1,
            }),
            true,
        );
        assert_eq!(r, Response::Result(PtmRes::BAD_PARAMETER));
        let mut c = Client::new(ctrl);
        let both = c
            .get_info(info::TPMSPECIFICATION | info::TPMATTRIBUTES)
            .unwrap();
        assert!(
            both.contains("\"TPMAttributes\"") && both.contains("\"TPMSpecification\""),
            "{both}"
        );
        ctrl = c.stream;
    }

    // --- State blobs, as QEMU's pre_save/post_load move them ---------------------------
    assert_eq!(
        result(&v.exchange(&mut ctrl, &Request::StoreVolatile, true)),
        PtmRes::SUCCESS
    );
    let mut c = Client::new(ctrl);
    let (pflags, permanent) = c
        .get_state_blob(STATE_FLAG_DECRYPTED, BlobType::Permanent)
        .unwrap();
    assert_eq!(pflags, 0, "no key: not encrypted");
    assert!(
        permanent.len() > 1000,
        "permanent blob {} bytes",
        permanent.len()
    );
    // Chunked with offsets: each reply is the remainder, totlength == length.
    let mut off = 0u32;
    while (off as usize) < permanent.len() {
        let r = c
            .get_state_blob_at(STATE_FLAG_DECRYPTED, BlobType::Permanent, off)
            .unwrap();
        assert_eq!(r.result, PtmRes::SUCCESS);
        assert_eq!(r.totlength, r.length);
        assert_eq!(r.data, permanent[off as usize..]);
        off += 3072;
    }
    let past = c
        .get_state_blob_at(
            STATE_FLAG_DECRYPTED,
            BlobType::Permanent,
            permanent.len() as u32,
        )
        .unwrap();
    assert_eq!(
        (past.result, past.totlength, past.length, past.data.len()),
        (PtmRes::SUCCESS, 0, 0, 0)
    );
    let (_, volatile) = c
        .get_state_blob(STATE_FLAG_DECRYPTED, BlobType::Volatile)
        .unwrap();
    assert!(!volatile.is_empty(), "volatile blob");
    let mut ctrl = c.stream;
    // TPM 2 has no savestate blob: TPM_RETRY with a 16-byte header.
    let r = v.exchange(
        &mut ctrl,
        &Request::GetStateBlob(GetStateBlobRequest {
            state_flags: 1,
            blob_type: 3,
            offset: 0,
        }),
        true,
    );
    assert!(
        matches!(&r, Response::StateBlob(s) if s.result == PtmRes::RETRY && s.length == 0),
        "{r:?}"
    );
    // Unknown type, after dispatch: a 16-byte header (0.7.1: TPM_RETRY; newest: TPM_FAIL).
    let r = v.exchange(
        &mut ctrl,
        &Request::GetStateBlob(GetStateBlobRequest {
            state_flags: 1,
            blob_type: 9,
            offset: 0,
        }),
        true,
    );
    assert!(
        matches!(&r, Response::StateBlob(s) if !s.result.is_success() && s.length == 0),
        "{r:?}"
    );
    // SET_STATEBLOB while running: TPM_BAD_ORDINAL.
    ctrl.write_all(
        &SetStateBlobHeader {
            state_flags: 0,
            blob_type: 1,
            length: 0,
        }
        .encode(),
    )
    .unwrap();
    assert_eq!(
        read_response(&mut ctrl, CtrlCmd::SET_STATEBLOB).unwrap(),
        Response::Result(PtmRes::BAD_ORDINAL)
    );

    // post_load: STOP, SET_STATEBLOB permanent + volatile (header write, body write), INIT(1).
    let mut c = Client::new(ctrl);
    c.stop().unwrap();
    c.set_state_blob(0, BlobType::Permanent, &permanent)
        .unwrap();
    c.set_state_blob(0, BlobType::Volatile, &volatile).unwrap();
    c.init(swtpm_protocol::consts::INIT_FLAG_DELETE_VOLATILE)
        .unwrap();
    // Resumed from the volatile state: the TPM is already started.
    let su = tpm(&mut data, &hex::decode("80010000000c000001440000").unwrap());
    assert_eq!(
        rc(&su),
        0x100,
        "TPM2_Startup after resume: TPM_RC_INITIALIZE"
    );
    let mut ctrl = c.stream;

    // --- Unknown codes, LOCK_STORAGE (0.8+), SET_DATAFD without an fd ---------------------
    let r = v.exchange(&mut ctrl, &Request::Unknown(CtrlCmd(0x99)), true);
    assert_eq!(r, Response::Result(PtmRes::BAD_ORDINAL));
    let r = v.exchange(
        &mut ctrl,
        &Request::LockStorage(LockStorageRequest { retries: 0 }),
        true,
    );
    if caps.caps & cap::LOCK_STORAGE == 0 {
        assert_eq!(
            r,
            Response::Result(PtmRes::BAD_ORDINAL),
            "no LOCK_STORAGE before 0.8"
        );
    } else {
        assert_eq!(r, Response::Result(PtmRes::SUCCESS));
    }
    // swtpm with --server already has a data "fd" (the listener): TPM_IOERROR, checked
    // before the missing SCM_RIGHTS fd would give TPM_BAD_PARAMETER.
    let r = v.exchange(&mut ctrl, &Request::SetDataFd { fd_attached: false }, true);
    assert_eq!(r, Response::Result(PtmRes::IOERROR));

    // --- SHUTDOWN: answer, then the process exits ------------------------------------------
    assert_eq!(
        result(&v.exchange(&mut ctrl, &Request::Shutdown, true)),
        PtmRes::SUCCESS
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(st) = sw.child.try_wait().unwrap() {
            assert!(st.success(), "swtpm exit status {st}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "swtpm did not exit after CMD_SHUTDOWN"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // --- Vectors ----------------------------------------------------------------------------
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/swtpm-protocol/tests/vectors")
        .join(format!("ctrl-swtpm-{version}.txt"));
    let mut text = format!(
        "# swtpm {version} (socket --tpm2, TCP control channel): <CMD> <request hex> <reply hex>\n\
         # recorded by tests/tests/ctrl_vs_swtpm.rs (FERROTPM_RECORD_VECTORS=1)\n"
    );
    for l in &v.lines {
        text.push_str(l);
        text.push('\n');
    }
    if std::env::var("FERROTPM_RECORD_VECTORS").as_deref() == Ok("1") {
        std::fs::write(&path, &text).unwrap();
        println!("recorded {}", path.display());
    } else if let Ok(old) = std::fs::read_to_string(&path) {
        assert_eq!(old, text, "replies differ from {}", path.display());
    } else {
        println!("no vectors for swtpm {version}; set FERROTPM_RECORD_VECTORS=1 to record");
    }
}
