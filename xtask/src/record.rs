//! `cargo xtask record`: a logging proxy between tpm2-tools and the Debian `swtpm`.
//!
//! It starts `swtpm socket --tpm2` on two free loopback ports (data, control), listens itself
//! on two consecutive loopback ports B and B+1 (the swtpm TCTI uses the data port and the data
//! port + 1 for control), copies control bytes untouched, splits the data stream into TPM
//! command and response frames by the size field of their headers (TPM 2.0 Part 1 §18), and
//! logs every pair. Then it runs the tool script of [`crate::script`] and writes the vector
//! file: one line per frame,
//!
//! ```text
//! <cc as 8 hex digits> cmd - <hex bytes>
//! <cc as 8 hex digits> rsp <rc as 8 hex digits> <hex bytes>
//! ```
//!
//! with a `#` comment line naming each tool invocation before its frames. Every socket read
//! has a timeout, every tool run has a deadline, and `swtpm` is killed when the job ends,
//! whichever way it ends.

use std::fmt::Write as _;
use std::fs;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::script::{SCRIPT, Step, leaves_objects};

/// Largest frame the proxy accepts (libtpms: 4096-byte command buffers; generous margin).
const MAX_FRAME: usize = 0x1_0000;
/// TPM 2.0 command/response header: tag u16, size u32, code u32.
const HEADER_LEN: usize = 10;
/// How long one tool invocation may run.
const TOOL_DEADLINE: Duration = Duration::from_secs(120);
/// How long swtpm may take for one command (RSA primary key generation is slow).
const SWTPM_READ_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a client connection may stay idle.
const CLIENT_READ_TIMEOUT: Duration = Duration::from_secs(300);

/// Frames logged per tool invocation.
#[derive(Default)]
struct Log {
    sections: Vec<Section>,
}

struct Section {
    label: String,
    lines: Vec<String>,
}

impl Log {
    fn begin(&mut self, label: String) {
        self.sections.push(Section {
            label,
            lines: Vec::new(),
        });
    }

    fn end(&mut self, status: &str) {
        if let Some(s) = self.sections.last_mut() {
            let _ = write!(s.label, " [{status}]");
        }
    }

    fn record(&mut self, cmd: &[u8], rsp: &[u8]) {
        let cc = be_u32_at(cmd, 6).unwrap_or(0);
        let rc = be_u32_at(rsp, 6).unwrap_or(0);
        if self.sections.is_empty() {
            self.begin("(traffic outside any tool invocation)".into());
        }
        if let Some(s) = self.sections.last_mut() {
            s.lines.push(format!("{cc:08x} cmd - {}", hex::encode(cmd)));
            s.lines
                .push(format!("{cc:08x} rsp {rc:08x} {}", hex::encode(rsp)));
        }
    }
}

fn be_u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes(s.try_into().ok()?))
}

type SharedLog = Arc<Mutex<Log>>;

fn with_log<T>(log: &SharedLog, f: impl FnOnce(&mut Log) -> T) -> T {
    let mut g = log.lock().unwrap_or_else(PoisonError::into_inner);
    f(&mut g)
}

/// The swtpm child process; killed when dropped.
struct Swtpm {
    child: Child,
    data_port: u16,
}

impl Drop for Swtpm {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Swtpm {
    fn start(state_dir: &Path) -> Result<Swtpm> {
        let mut last_err = None;
        for _ in 0..5 {
            // Find two consecutive free ports, release them, hand them to swtpm.
            let (a, b) = free_port_pair()?;
            let port = a.local_addr()?.port();
            drop((a, b));
            let ctrl_port = port.checked_add(1).context("port overflow")?;
            let child = Command::new("swtpm")
                .arg("socket")
                .arg("--tpm2")
                .arg("--tpmstate")
                .arg(format!("dir={}", state_dir.display()))
                .arg("--server")
                .arg(format!("type=tcp,port={port},bindaddr=127.0.0.1"))
                .arg("--ctrl")
                .arg(format!("type=tcp,port={ctrl_port},bindaddr=127.0.0.1"))
                .arg("--flags")
                .arg("not-need-init,startup-clear")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("cannot start swtpm (is the swtpm package installed?)")?;
            let mut s = Swtpm {
                child,
                data_port: port,
            };
            match s.wait_ready() {
                Ok(()) => return Ok(s),
                Err(e) => last_err = Some(e),
            }
        }
        Err(last_err.unwrap_or_else(|| anyhow::anyhow!("swtpm did not start")))
    }

    fn wait_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(st) = self.child.try_wait()? {
                bail!("swtpm exited early: {st}");
            }
            if TcpStream::connect(("127.0.0.1", self.data_port)).is_ok() {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(50));
        }
        bail!("swtpm did not listen within 10 s")
    }
}

fn free_port_pair() -> Result<(TcpListener, TcpListener)> {
    for _ in 0..100 {
        let a = TcpListener::bind(("127.0.0.1", 0))?;
        let Some(next) = a.local_addr()?.port().checked_add(1) else {
            continue;
        };
        if let Ok(b) = TcpListener::bind(("127.0.0.1", next)) {
            return Ok((a, b));
        }
    }
    bail!("no two consecutive free loopback ports")
}

/// One frame (header + body) from `s`; `None` on a clean end of stream before a frame.
fn read_frame(s: &mut TcpStream) -> Result<Option<Vec<u8>>> {
    let mut header = [0u8; HEADER_LEN];
    let mut got = 0;
    while got < HEADER_LEN {
        let rest = header.get_mut(got..).context("header")?;
        match s.read(rest) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => bail!("stream ended inside a frame header"),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e).context("reading a frame header"),
        }
    }
    let size = usize::try_from(be_u32_at(&header, 2).context("header")?)?;
    if !(HEADER_LEN..=MAX_FRAME).contains(&size) {
        bail!("frame size {size} out of range");
    }
    let mut frame = header.to_vec();
    frame.resize(size, 0);
    let body = frame.get_mut(HEADER_LEN..).context("frame")?;
    s.read_exact(body).context("reading a frame body")?;
    Ok(Some(frame))
}

fn serve_data(mut client: TcpStream, up_port: u16, log: &SharedLog) -> Result<()> {
    client.set_read_timeout(Some(CLIENT_READ_TIMEOUT))?;
    let mut up = TcpStream::connect(("127.0.0.1", up_port)).context("connect swtpm data")?;
    up.set_read_timeout(Some(SWTPM_READ_TIMEOUT))?;
    while let Some(cmd) = read_frame(&mut client)? {
        up.write_all(&cmd)?;
        let rsp = read_frame(&mut up)?.context("swtpm closed the data connection")?;
        // Log before the client sees the response, so the tool's exit implies its frames
        // are in the log.
        with_log(log, |l| l.record(&cmd, &rsp));
        client.write_all(&rsp)?;
    }
    Ok(())
}

fn serve_ctrl(client: TcpStream, up_port: u16) -> Result<()> {
    let up = TcpStream::connect(("127.0.0.1", up_port)).context("connect swtpm ctrl")?;
    for s in [&client, &up] {
        s.set_read_timeout(Some(CLIENT_READ_TIMEOUT))?;
    }
    let (mut c2, mut u2) = (client.try_clone()?, up.try_clone()?);
    let t = thread::spawn(move || {
        let _ = io::copy(&mut c2, &mut u2);
        let _ = u2.shutdown(Shutdown::Write);
    });
    let (mut u3, mut c3) = (up, client);
    let _ = io::copy(&mut u3, &mut c3);
    let _ = c3.shutdown(Shutdown::Write);
    let _ = t.join();
    Ok(())
}

fn spawn_acceptor(
    l: TcpListener,
    name: &'static str,
    f: impl Fn(TcpStream) -> Result<()> + Send + Sync + Clone + 'static,
) {
    thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(conn) = conn else { continue };
            let f = f.clone();
            thread::spawn(move || {
                if let Err(e) = f(conn) {
                    eprintln!("record: {name} connection: {e:#}");
                }
            });
        }
    });
}

/// Run a tool in `work` with the TCTI set; its exit status, or `None` if it hit the deadline.
fn run_tool(
    work: &Path,
    tcti: &str,
    argv: &[String],
    stderr_file: &Path,
) -> Result<Option<ExitStatus>> {
    let (prog, args) = argv.split_first().context("empty command")?;
    let err = fs::File::create(stderr_file)?;
    let mut child = Command::new(prog)
        .args(args)
        .current_dir(work)
        .env("TPM2TOOLS_TCTI", tcti)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(err)
        .spawn()
        .with_context(|| format!("cannot start {prog}"))?;
    let deadline = Instant::now() + TOOL_DEADLINE;
    loop {
        if let Some(st) = child.try_wait()? {
            return Ok(Some(st));
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// Replace `@hex:FILE` arguments by the hex of that file in `work`.
fn expand(work: &Path, cmd: &str) -> Result<Vec<String>> {
    cmd.split_whitespace()
        .map(|a| match a.strip_prefix("@hex:") {
            Some(f) => Ok(hex::encode(
                fs::read(work.join(f)).with_context(|| format!("reading {f}"))?,
            )),
            None => Ok(a.to_string()),
        })
        .collect()
}

fn tool_version() -> String {
    Command::new("tpm2_getrandom")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| {
            s.split_whitespace().find_map(|w| {
                w.strip_prefix("version=")
                    .map(|v| v.trim_matches('"').to_string())
            })
        })
        .unwrap_or_else(|| "unknown".into())
}

fn swtpm_version() -> String {
    Command::new("swtpm")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.lines().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

/// Flush transient objects a tool left loaded.
const FLUSH: Step = Step::Run("tpm2_flushcontext -t");

/// The `record` job.
pub fn run(out: &Path) -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let state = tmp.path().join("state");
    let work = tmp.path().join("work");
    fs::create_dir(&state)?;
    fs::create_dir(&work)?;
    let stderr_file = tmp.path().join("tool.stderr");

    let swtpm = Swtpm::start(&state)?;
    let log: SharedLog = Arc::default();
    let (data_l, ctrl_l) = free_port_pair()?;
    let port_b = data_l.local_addr()?.port();
    let up_data = swtpm.data_port;
    let up_ctrl = up_data.checked_add(1).context("port overflow")?;
    {
        let log = Arc::clone(&log);
        spawn_acceptor(data_l, "data", move |c| serve_data(c, up_data, &log));
    }
    spawn_acceptor(ctrl_l, "ctrl", move |c| serve_ctrl(c, up_ctrl));
    let tcti = format!("swtpm:host=127.0.0.1,port={port_b}");

    let (mut ok, mut failed) = (0usize, 0usize);
    let mut steps = Vec::new();
    let mut failed_last = false;
    for step in SCRIPT {
        steps.push(step);
        if let Step::Run(cmd) = step {
            if leaves_objects(cmd) && !cmd.starts_with("tpm2_flushcontext") {
                steps.push(&FLUSH);
            }
        }
    }
    for step in steps {
        if failed_last {
            // A tool that failed may leave its own sessions loaded; free the slots.
            failed_last = false;
            if let Step::Run(_) = step {
                with_log(&log, |l| {
                    l.begin("tpm2_flushcontext -l (after a failed step)".into());
                });
                let argv = expand(&work, "tpm2_flushcontext -l")?;
                let st = run_tool(&work, &tcti, &argv, &stderr_file);
                let ok = matches!(st, Ok(Some(s)) if s.success());
                with_log(&log, |l| l.end(if ok { "ok" } else { "failed" }));
            }
        }
        match *step {
            Step::Write(name, data) => fs::write(work.join(name), data)?,
            Step::WriteHex(name, hx) => fs::write(work.join(name), hex::decode(hx)?)?,
            Step::Run(cmd) => {
                let argv = match expand(&work, cmd) {
                    Ok(a) => a,
                    Err(e) => {
                        eprintln!("record: skipped `{cmd}`: {e:#}");
                        failed += 1;
                        continue;
                    }
                };
                with_log(&log, |l| l.begin(cmd.to_string()));
                let status = run_tool(&work, &tcti, &argv, &stderr_file);
                failed_last = !matches!(status, Ok(Some(st)) if st.success());
                let text = match status {
                    Err(e) => {
                        failed += 1;
                        eprintln!("record: `{cmd}` not run: {e:#}");
                        "not run".to_string()
                    }
                    Ok(status) => match status {
                        Some(st) if st.success() => {
                            ok += 1;
                            "ok".to_string()
                        }
                        Some(st) => {
                            failed += 1;
                            let msg = fs::read_to_string(&stderr_file).unwrap_or_default();
                            let last = msg
                                .lines()
                                .rfind(|l| !l.contains("Unable to run"))
                                .unwrap_or("")
                                .to_string();
                            eprintln!("record: `{cmd}` failed ({st}): {last}");
                            match st.code() {
                                Some(c) => format!("exit {c}"),
                                None => "killed".to_string(),
                            }
                        }
                        None => {
                            failed += 1;
                            eprintln!("record: `{cmd}` timed out");
                            "timed out".to_string()
                        }
                    },
                };
                with_log(&log, |l| l.end(&text));
            }
        }
    }
    drop(swtpm);

    let mut text = String::new();
    let _ = writeln!(
        text,
        "# TPM 2.0 traffic recorded by `cargo xtask record` (xtask/src/script.rs)."
    );
    let _ = writeln!(
        text,
        "# {}; tpm2-tools {}.",
        swtpm_version(),
        tool_version()
    );
    let _ = writeln!(
        text,
        "# Format: <cc 8 hex> cmd - <hex> | <cc 8 hex> rsp <rc 8 hex> <hex>; `#` lines name the tool run."
    );
    let mut codes = std::collections::BTreeSet::new();
    let mut frames = 0usize;
    with_log(&log, |l| {
        for s in &l.sections {
            let _ = writeln!(text, "# {}", s.label);
            for line in &s.lines {
                frames += 1;
                if let Some(cc) = line.split_whitespace().next() {
                    codes.insert(cc.to_string());
                }
                let _ = writeln!(text, "{line}");
            }
        }
    });
    if let Some(parent) = out.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(out, text)?;
    eprintln!(
        "record: {ok} tool runs ok, {failed} failed; {frames} frames, {} distinct command codes -> {}",
        codes.len(),
        out.display()
    );
    Ok(())
}
