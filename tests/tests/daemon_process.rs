//! daemon_process: the process-level behaviour of our `swtpm` (crate ferrotpm) as swtpm(8)
//! defines it: SIGTERM ends the daemon gracefully (auto TPM2_Shutdown, state persisted, pid
//! file removed, exit status 0), `-d` daemonizes only once the sockets exist and the pid file
//! names the daemon, `--runas`/`--chroot` change credentials and root before any file is
//! opened, and `--seccomp` installs a real filter under which a whole tpm2-tools session runs.
//! The Debian swtpm is the oracle for the default seccomp state and for `-d`.
//!
//! Finding the binary: as in `daemon.rs` (cargo builds it, or FERROTPM_SWTPM_BIN).
//! Needs tpm2-tools, `swtpm` and `swtpm_ioctl`; without them the test fails unless
//! FERROTPM_SKIP_SWTPM=1. The `--runas`/`--chroot` tests need root and say so when skipped.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn have(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn tools_present() -> bool {
    let missing: Vec<&str> = ["tpm2_getrandom", "tpm2_pcrread", "swtpm_ioctl", "swtpm"]
        .into_iter()
        .filter(|t| !have(t))
        .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var("FERROTPM_SKIP_SWTPM").as_deref() == Ok("1") {
        println!("SKIPPED: FERROTPM_SKIP_SWTPM=1 and missing {missing:?}");
        return false;
    }
    panic!("missing {missing:?}: install tpm2-tools and swtpm-tools (or FERROTPM_SKIP_SWTPM=1)");
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
}

/// Our `swtpm`, built once per test run (see daemon.rs).
fn swtpm_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Ok(p) = std::env::var("FERROTPM_SWTPM_BIN") {
            return PathBuf::from(p);
        }
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
        let target_dir = profile_dir.parent().unwrap().to_path_buf();
        let profile = profile_dir
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args(["build", "--quiet", "-p", "ferrotpm", "--bin", "swtpm"])
            .arg("--target-dir")
            .arg(&target_dir)
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        match profile.as_str() {
            "debug" => {}
            "release" => {
                cmd.arg("--release");
            }
            other => {
                cmd.args(["--profile", other]);
            }
        }
        assert!(
            cmd.status().unwrap().success(),
            "cargo build of swtpm failed"
        );
        profile_dir.join("swtpm")
    })
    .clone()
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let p = std::env::temp_dir().join(format!(
            "ferrotpm-proc-{tag}-{}-{nanos}",
            std::process::id()
        ));
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
    for _ in 0..100 {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let p = l.local_addr().unwrap().port();
        if p < 65000 && TcpListener::bind(("127.0.0.1", p + 1)).is_ok() {
            return p;
        }
    }
    panic!("no free port pair");
}

struct Proc {
    child: Child,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proc {
    fn spawn(bin: &Path, args: &[String]) -> Proc {
        let child = Command::new(bin)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn swtpm");
        Proc { child }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn wait_exit(&mut self) -> ExitStatus {
        let end = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            assert!(Instant::now() < end, "swtpm did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn wait_tcp(port: u16) {
    let end = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < end, "port {port} never opened");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Wait until the main loop serves the control channel: the last start-up step (the seccomp
/// filter) happened before that.
fn wait_loop(port: u16) {
    wait_tcp(port + 1);
    let out = Command::new("swtpm_ioctl")
        .args(["--tcp", &format!("127.0.0.1:{}", port + 1), "-g"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

fn wait_path(p: &Path) {
    let end = Instant::now() + Duration::from_secs(10);
    while !p.exists() {
        assert!(Instant::now() < end, "{} never appeared", p.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_gone(pid: u32) {
    let end = Instant::now() + Duration::from_secs(20);
    while Path::new(&format!("/proc/{pid}")).exists() {
        assert!(Instant::now() < end, "process {pid} did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn run_env(tool: &str, args: &[&str], port: u16) -> Output {
    Command::new(tool)
        .args(args)
        .env(
            "TPM2TOOLS_TCTI",
            format!("swtpm:host=127.0.0.1,port={port}"),
        )
        .output()
        .expect(tool)
}

fn ok(tool: &str, args: &[&str], port: u16) -> String {
    let out = run_env(tool, args, port);
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn tcp_args(dir: &Path, port: u16, extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = vec![
        "socket".into(),
        "--tpm2".into(),
        "--tpmstate".into(),
        format!("dir={}", dir.display()),
        "--server".into(),
        format!("type=tcp,port={port},bindaddr=127.0.0.1"),
        "--ctrl".into(),
        format!("type=tcp,port={},bindaddr=127.0.0.1", port + 1),
        "--flags".into(),
        "not-need-init".into(),
    ];
    v.extend(extra.iter().map(|s| (*s).to_string()));
    v
}

/// `Name:\tvalue` from /proc/PID/status.
fn status_field(pid: u32, name: &str) -> String {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .unwrap_or_else(|| panic!("no {name} in status"))
        .trim()
        .to_string()
}

fn sigterm(pid: u32) {
    let st = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(st.success());
}

const EXT10: &str = "10:sha256=0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a";

fn pcr10(text: &str) -> String {
    text.lines()
        .find(|l| l.trim_start().starts_with("10:"))
        .unwrap_or_else(|| panic!("no PCR 10 in {text}"))
        .trim()
        .to_string()
}

/// Start, Startup(CLEAR), extend PCR 10, SIGTERM; then restart and Startup(STATE). With the
/// automatic TPM2_Shutdown(SU_STATE) of swtpm's exit path the resume succeeds and PCR 10 is
/// kept; returns (exit status, pid file still there, startup-state output, PCR 10 before, after).
fn sigterm_cycle(extra: &[&str]) -> (ExitStatus, bool, Output, String, Option<String>) {
    let bin = swtpm_bin();
    let dir = TempDir::new("sigterm");
    let state = dir.0.join("state");
    std::fs::create_dir(&state).unwrap();
    let pidf = dir.0.join("swtpm.pid");
    let port = free_port_pair();
    let mut a: Vec<&str> = vec!["--pid"];
    let pid_opt = format!("file={}", pidf.display());
    a.push(&pid_opt);
    a.extend_from_slice(extra);
    let mut p = Proc::spawn(&bin, &tcp_args(&state, port, &a));
    wait_tcp(port);
    wait_path(&pidf);
    assert_eq!(
        std::fs::read_to_string(&pidf).unwrap(),
        p.pid().to_string(),
        "pid file content (no newline)"
    );
    ok("tpm2_startup", &["-c"], port);
    ok("tpm2_pcrextend", &[EXT10], port);
    let before = pcr10(&ok("tpm2_pcrread", &["sha256:10"], port));
    sigterm(p.pid());
    let st = p.wait_exit();
    let pid_left = pidf.exists();

    let port = free_port_pair();
    let _q = Proc::spawn(&bin, &tcp_args(&state, port, &[]));
    wait_tcp(port);
    let resume = run_env("tpm2_startup", &[], port);
    let after = if resume.status.success() {
        Some(pcr10(&ok("tpm2_pcrread", &["sha256:10"], port)))
    } else {
        None
    };
    (st, pid_left, resume, before, after)
}

#[test]
fn sigterm_shuts_down_persists_and_exits_zero() {
    if !tools_present() {
        return;
    }
    let (st, pid_left, resume, before, after) = sigterm_cycle(&[]);
    // swtpm: SIGTERM ends the main loop; the exit status is EXIT_SUCCESS.
    assert_eq!(st.code(), Some(0), "{st:?}");
    assert!(!pid_left, "swtpm removes its pid file at exit");
    assert!(
        resume.status.success(),
        "Startup(STATE) after SIGTERM: {}",
        String::from_utf8_lossy(&resume.stderr)
    );
    assert_eq!(
        after.as_deref(),
        Some(before.as_str()),
        "PCR 10 survives the resume"
    );
}

#[test]
fn sigterm_with_auto_shutdown_disabled_cannot_resume() {
    if !tools_present() {
        return;
    }
    // Same cycle without the automatic TPM2_Shutdown: the saved state is not there, so
    // Startup(STATE) fails (TPM 2.0 Part 3 §9.3 TPM2_Startup: TPM_RC_VALUE).
    let (st, pid_left, resume, _, after) =
        sigterm_cycle(&["--flags", "not-need-init,disable-auto-shutdown"]);
    assert_eq!(st.code(), Some(0));
    assert!(!pid_left);
    assert!(
        !resume.status.success(),
        "resume must fail without a Shutdown(STATE)"
    );
    assert!(after.is_none());
}

#[test]
fn sigint_and_sighup_keep_their_default_action() {
    if !tools_present() {
        return;
    }
    // swtpm installs a handler for SIGTERM only (and ignores SIGPIPE).
    use std::os::unix::process::ExitStatusExt;
    for sig in ["INT", "HUP"] {
        let dir = TempDir::new("sigint");
        let port = free_port_pair();
        let mut p = Proc::spawn(&swtpm_bin(), &tcp_args(&dir.0, port, &[]));
        wait_tcp(port);
        assert_eq!(status_field(p.pid(), "SigIgn").chars().last(), Some('0'));
        Command::new("kill")
            .args([&format!("-{sig}"), &p.pid().to_string()])
            .status()
            .unwrap();
        let st = p.wait_exit();
        assert_eq!(
            st.signal(),
            Some(if sig == "INT" { 2 } else { 1 }),
            "{sig}: {st:?}"
        );
    }
}

/// `-d` with a Unix control socket and a pid file; returns (parent status, socket existed when
/// the parent returned, pid file content).
fn daemonize(bin: &Path, dir: &Path) -> (ExitStatus, bool, String, PathBuf) {
    let sock = dir.join("ctrl.sock");
    let pidf = dir.join("pid");
    let state = dir.join("state");
    std::fs::create_dir_all(&state).unwrap();
    let st = Command::new(bin)
        .args([
            "socket",
            "--tpm2",
            "-d",
            "--ctrl",
            &format!("type=unixio,path={},mode=0600", sock.display()),
            "--tpmstate",
            &format!("dir={},mode=0600", state.display()),
            "--pid",
            &format!("file={}", pidf.display()),
            "--flags",
            "not-need-init",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    let existed = sock.exists();
    let pid = std::fs::read_to_string(&pidf).unwrap_or_default();
    (st, existed, pid, sock)
}

/// The session id of /proc/<which>/stat.
fn session_of(which: &str) -> String {
    let stat = std::fs::read_to_string(format!("/proc/{which}/stat")).unwrap();
    let fields: Vec<&str> = stat
        .rsplit(") ")
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    fields[3].to_string()
}

#[test]
fn daemon_mode_as_debian_swtpm() {
    if !tools_present() {
        return;
    }
    for (who, bin) in [("debian", PathBuf::from("swtpm")), ("ours", swtpm_bin())] {
        let dir = TempDir::new("daemon");
        let (st, existed, pid, sock) = daemonize(&bin, &dir.0);
        assert_eq!(st.code(), Some(0), "{who}: parent exit status");
        assert!(
            existed,
            "{who}: the control socket exists when the parent returns"
        );
        let pid: u32 = pid
            .parse()
            .unwrap_or_else(|_| panic!("{who}: pid file {pid:?}"));
        // The daemon is a grandchild: not the process we started, and in its own session.
        // A new session (setsid in the middle process), of which the daemon is not the
        // leader (so it can never acquire a controlling terminal).
        let sid = session_of(&pid.to_string());
        assert_ne!(sid, session_of("self"), "{who}: a new session");
        assert_ne!(sid, pid.to_string(), "{who}: not the session leader");
        // The standard streams point to the null device.
        let fd1 = std::fs::read_link(format!("/proc/{pid}/fd/1")).unwrap();
        assert_eq!(fd1, PathBuf::from("/dev/null"), "{who}");
        let out = Command::new("swtpm_ioctl")
            .args(["--unix", sock.to_str().unwrap(), "-g"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{who}: {out:?}");
        let out = Command::new("swtpm_ioctl")
            .args(["--unix", sock.to_str().unwrap(), "-s"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{who}: {out:?}");
        wait_gone(pid);
        assert!(!dir.0.join("pid").exists(), "{who}: pid file removed");
    }
}

#[test]
fn daemon_mode_reports_startup_failure() {
    if !tools_present() {
        return;
    }
    // A start-up error in the daemon (state directory missing, TPM started at launch) makes
    // the waiting parent exit with the daemon's status, as swtpm's daemonize does.
    for (who, bin) in [("debian", PathBuf::from("swtpm")), ("ours", swtpm_bin())] {
        let dir = TempDir::new("daemonfail");
        let st = Command::new(&bin)
            .args([
                "socket",
                "--tpm2",
                "-d",
                "--ctrl",
                &format!("type=unixio,path={}", dir.0.join("c.sock").display()),
                "--tpmstate",
                &format!("dir={}", dir.0.join("missing").display()),
                "--flags",
                "not-need-init",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert_eq!(st.code(), Some(1), "{who}");
    }
}

/// A short tpm2-tools session; returns the PCR 10 line.
fn tools_session(port: u16) -> String {
    ok("tpm2_startup", &["-c"], port);
    let r = ok("tpm2_getrandom", &["--hex", "16"], port);
    assert_eq!(r.trim().len(), 32, "{r}");
    ok("tpm2_pcrextend", &[EXT10], port);
    let p = pcr10(&ok("tpm2_pcrread", &["sha256:10"], port));
    let caps = ok("tpm2_getcap", &["properties-fixed"], port);
    assert!(caps.contains("TPM2_PT_FAMILY_INDICATOR"), "{caps}");
    ok("tpm2_getcap", &["algorithms"], port);
    ok("tpm2_shutdown", &[], port);
    p
}

#[test]
fn seccomp_filter_installed_and_tpm_works() {
    if !tools_present() {
        return;
    }
    // Oracle: the Debian swtpm installs its filter without any --seccomp option.
    {
        let dir = TempDir::new("seccomp-deb");
        let port = free_port_pair();
        let p = Proc::spawn(Path::new("swtpm"), &tcp_args(&dir.0, port, &[]));
        wait_loop(port);
        assert_eq!(
            status_field(p.pid(), "Seccomp"),
            "2",
            "Debian swtpm default"
        );
        assert_eq!(status_field(p.pid(), "NoNewPrivs"), "1");
    }
    for (extra, mode) in [
        (&[][..], "2"),
        (&["--seccomp", "action=kill"][..], "2"),
        (&["--seccomp", "action=log"][..], "2"),
        (&["--seccomp", "action=none"][..], "0"),
    ] {
        let dir = TempDir::new("seccomp");
        let port = free_port_pair();
        let mut p = Proc::spawn(&swtpm_bin(), &tcp_args(&dir.0, port, extra));
        wait_loop(port);
        assert_eq!(status_field(p.pid(), "Seccomp"), mode, "{extra:?}");
        let perm = dir.0.join("tpm2-00.permall");
        let before = std::fs::read(&perm).unwrap();
        tools_session(port);
        // TPM2_Shutdown wrote the state: the state write path works under the filter.
        assert_ne!(std::fs::read(&perm).unwrap(), before, "{extra:?}");
        // And the exit path too (SIGTERM → exit 0, not killed by the filter).
        sigterm(p.pid());
        assert_eq!(p.wait_exit().code(), Some(0), "{extra:?}");
    }
}

#[test]
fn seccomp_option_errors_as_swtpm() {
    for (arg, msg) in [
        ("action=foo", "Unsupported seccomp log action foo"),
        (
            "foo=1",
            "Error parsing seccomp options: Unknown option 'foo=1'",
        ),
    ] {
        let out = Command::new(swtpm_bin())
            .args([
                "socket",
                "--tpm2",
                "--seccomp",
                arg,
                "--ctrl",
                "type=tcp,port=1",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let e = String::from_utf8_lossy(&out.stderr);
        assert!(e.contains(msg), "{e}");
    }
}

#[test]
fn runas_nobody_drops_privileges() {
    if !tools_present() {
        return;
    }
    if !is_root() {
        println!("SKIPPED: --runas needs root");
        return;
    }
    let dir = TempDir::new("runas");
    let state = dir.0.join("state");
    std::fs::create_dir(&state).unwrap();
    // nobody must be able to write its state directory.
    let out = Command::new("id").args(["-u", "nobody"]).output().unwrap();
    let uid: u32 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    let out = Command::new("id").args(["-g", "nobody"]).output().unwrap();
    let gid: u32 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    std::os::unix::fs::chown(&state, Some(uid), Some(gid)).unwrap();
    let port = free_port_pair();
    let mut p = Proc::spawn(
        &swtpm_bin(),
        &tcp_args(&state, port, &["--runas", "nobody"]),
    );
    wait_loop(port);
    let want_uid = format!("{uid}\t{uid}\t{uid}\t{uid}");
    let want_gid = format!("{gid}\t{gid}\t{gid}\t{gid}");
    assert_eq!(status_field(p.pid(), "Uid"), want_uid);
    assert_eq!(status_field(p.pid(), "Gid"), want_gid);
    tools_session(port);
    // The state files were created by nobody.
    use std::os::unix::fs::MetadataExt;
    let md = std::fs::metadata(state.join("tpm2-00.permall")).unwrap();
    assert_eq!((md.uid(), md.gid()), (uid, gid));
    sigterm(p.pid());
    assert_eq!(p.wait_exit().code(), Some(0));

    // A numeric --runas is uid and gid at once (swtpm change_process_owner).
    let port = free_port_pair();
    let p = Proc::spawn(
        &swtpm_bin(),
        &tcp_args(&state, port, &["-r", &uid.to_string()]),
    );
    wait_tcp(port);
    assert_eq!(
        status_field(p.pid(), "Gid"),
        format!("{uid}\t{uid}\t{uid}\t{uid}")
    );

    // An unknown user: swtpm's message, exit 1 (both binaries).
    for bin in [PathBuf::from("swtpm"), swtpm_bin()] {
        let out = Command::new(&bin)
            .args([
                "socket",
                "--tpm2",
                "--runas",
                "no-such-user-x",
                "--ctrl",
                "type=tcp,port=1",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(
            String::from_utf8_lossy(&out.stderr)
                .contains("Error: User 'no-such-user-x' does not exist."),
            "{}: {out:?}",
            bin.display()
        );
    }
}

#[test]
fn chroot_resolves_paths_inside() {
    if !tools_present() {
        return;
    }
    if !is_root() {
        println!("SKIPPED: --chroot needs root");
        return;
    }
    let root = TempDir::new("chroot");
    std::fs::create_dir(root.0.join("state")).unwrap();
    let mut p = Proc::spawn(
        &swtpm_bin(),
        &[
            "socket".into(),
            "--tpm2".into(),
            "--chroot".into(),
            root.0.display().to_string(),
            "--tpmstate".into(),
            "dir=/state".into(),
            "--ctrl".into(),
            "type=unixio,path=/ctrl.sock".into(),
            "--pid".into(),
            "file=/swtpm.pid".into(),
        ],
    );
    // Paths are inside the new root.
    wait_path(&root.0.join("ctrl.sock"));
    wait_path(&root.0.join("swtpm.pid"));
    assert_eq!(
        std::fs::read_link(format!("/proc/{}/root", p.pid())).unwrap(),
        root.0
    );
    let sock = root.0.join("ctrl.sock");
    let out = Command::new("swtpm_ioctl")
        .args(["--unix", sock.to_str().unwrap(), "-i"])
        .output()
        .unwrap();
    assert!(out.status.success(), "INIT in the chroot: {out:?}");
    assert!(root.0.join("state/tpm2-00.permall").exists());
    let out = Command::new("swtpm_ioctl")
        .args(["--unix", sock.to_str().unwrap(), "-s"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(p.wait_exit().code(), Some(0));
    assert!(!root.0.join("ctrl.sock").exists() && !root.0.join("swtpm.pid").exists());
}

/// The outgoing side of a migration (QEMU pre_save: GET_STATEBLOB permanent, volatile,
/// savestate; then CMD_SHUTDOWN): once the savestate blob was read the storage lock is
/// released and the state belongs to the destination, so the exit path must not send the
/// automatic TPM2_Shutdown nor write the state. Without the savestate read it does.
#[test]
fn no_auto_shutdown_write_after_outgoing_migration() {
    if !tools_present() {
        return;
    }
    for migrate in [false, true] {
        let dir = TempDir::new("migout");
        let state = dir.0.join("state");
        std::fs::create_dir(&state).unwrap();
        let port = free_port_pair();
        let mut p = Proc::spawn(&swtpm_bin(), &tcp_args(&state, port, &[]));
        wait_loop(port);
        ok("tpm2_startup", &["-c"], port);
        ok("tpm2_pcrextend", &[EXT10], port);
        let ctrl = format!("127.0.0.1:{}", port + 1);
        let blobs: &[&str] = if migrate {
            &["permanent", "volatile", "savestate"]
        } else {
            &["permanent", "volatile"]
        };
        for b in blobs {
            // A TPM 2 has no savestate blob (TPM_RETRY); the lock is released all the same.
            let _ = Command::new("swtpm_ioctl")
                .args(["--tcp", &ctrl, "--save", b])
                .arg(dir.0.join(b))
                .output()
                .unwrap();
        }
        let perm = state.join("tpm2-00.permall");
        let before = std::fs::read(&perm).unwrap();
        let out = Command::new("swtpm_ioctl")
            .args(["--tcp", &ctrl, "-s"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        assert_eq!(p.wait_exit().code(), Some(0));
        let after = std::fs::read(&perm).unwrap();
        if migrate {
            assert_eq!(
                after, before,
                "state written after the savestate was handed out"
            );
        } else {
            assert_ne!(
                after, before,
                "the auto TPM2_Shutdown(SU_STATE) writes the state"
            );
        }
    }
}
