//! Soak test: many daemons at once, as on a host with one vTPM per VM, with clients changing
//! persistent state and a chaos thread that SIGKILLs, SIGTERMs and SIGSTOPs them at random.
//!
//! What must hold:
//! - every acknowledged change survives any kill: after a restart the owner authValue is the
//!   last one a client saw acknowledged, or the one in flight when the daemon died;
//! - a stopped (SIGSTOP) daemon holds no one else up, and carries on after SIGCONT;
//! - daemons that were never killed neither leak file descriptors nor grow without bound
//!   (`/proc/PID/fd` counted, `VmRSS` compared, after a warm-up and at the end).
//!
//! Size: `FERROTPM_SOAK_DAEMONS` (default 50) daemons for `FERROTPM_SOAK_SECONDS` (default
//! 20) seconds.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{TempDir, our_bin};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A tiny deterministic PRNG (xorshift), so a failing run can be repeated with its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// What the clients know about one daemon's owner authValue.
#[derive(Clone, Debug, Default)]
struct Known {
    /// The last value whose HierarchyChangeAuth was acknowledged.
    acked: u64,
    /// A value sent without an answer (the daemon died or stopped meanwhile).
    in_flight: Option<u64>,
}

struct Slot {
    dir: PathBuf,
    child: Option<Child>,
    known: Known,
    /// Never killed or restarted: checked for leaks.
    pristine: bool,
    stopped: bool,
}

fn auth_bytes(v: u64) -> Vec<u8> {
    if v == 0 {
        Vec::new()
    } else {
        v.to_be_bytes().to_vec()
    }
}

/// TPM2_HierarchyChangeAuth(TPM_RH_OWNER) authorized with `old`, to `new`.
fn change_auth(old: u64, new: u64) -> Vec<u8> {
    let old = auth_bytes(old);
    let new = auth_bytes(new);
    let mut auth = Vec::new();
    auth.extend_from_slice(&0x4000_0009u32.to_be_bytes());
    auth.extend_from_slice(&0u16.to_be_bytes());
    auth.push(0);
    auth.extend_from_slice(&u16::try_from(old.len()).unwrap().to_be_bytes());
    auth.extend_from_slice(&old);
    let mut c = Vec::new();
    c.extend_from_slice(&0x8002u16.to_be_bytes());
    c.extend_from_slice(&0u32.to_be_bytes());
    c.extend_from_slice(&0x0000_0129u32.to_be_bytes());
    c.extend_from_slice(&0x4000_0001u32.to_be_bytes());
    c.extend_from_slice(&u32::try_from(auth.len()).unwrap().to_be_bytes());
    c.extend_from_slice(&auth);
    c.extend_from_slice(&u16::try_from(new.len()).unwrap().to_be_bytes());
    c.extend_from_slice(&new);
    let n = u32::try_from(c.len()).unwrap().to_be_bytes();
    c[2..6].copy_from_slice(&n);
    c
}

/// Sends `cmd` over a fresh data connection; the response code, or None when the daemon
/// did not answer (dead, stopped, restarting).
fn send(dir: &Path, cmd: &[u8], timeout: Duration) -> Option<u32> {
    send_why(dir, cmd, timeout).ok()
}

fn send_why(dir: &Path, cmd: &[u8], timeout: Duration) -> Result<u32, String> {
    let e = |what: &'static str| move |e: std::io::Error| format!("{what}: {e}");
    let mut s = UnixStream::connect(dir.join("data")).map_err(e("connect"))?;
    s.set_read_timeout(Some(timeout)).map_err(e("timeout"))?;
    s.set_write_timeout(Some(timeout)).map_err(e("timeout"))?;
    s.write_all(cmd).map_err(e("write"))?;
    let mut hdr = [0u8; 10];
    s.read_exact(&mut hdr).map_err(e("read header"))?;
    let size = u32::from_be_bytes(hdr[2..6].try_into().unwrap()) as usize;
    let mut rest = vec![0u8; size.checked_sub(10).ok_or("short size")?];
    s.read_exact(&mut rest).map_err(e("read body"))?;
    Ok(u32::from_be_bytes(hdr[6..10].try_into().unwrap()))
}

fn spawn(dir: &Path) -> Child {
    let _ = std::fs::remove_file(dir.join("data"));
    let _ = std::fs::remove_file(dir.join("ctrl"));
    let child = Command::new(our_bin("swtpm"))
        .args(["socket", "--tpm2", "--tpmstate"])
        .arg(format!("dir={}", dir.join("state").display()))
        .arg("--server")
        .arg(format!("type=unixio,path={}", dir.join("data").display()))
        .arg("--ctrl")
        .arg(format!("type=unixio,path={}", dir.join("ctrl").display()))
        .args(["--flags", "not-need-init,startup-clear"])
        .arg("--log")
        .arg(format!("file={},level=20", dir.join("log").display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    // A socket file exists from bind(); connections succeed from listen() on: wait for a
    // connection to go through (closed again at once).
    while !(dir.join("ctrl").exists() && UnixStream::connect(dir.join("data")).is_ok()) {
        assert!(
            Instant::now() < deadline,
            "daemon in {} did not start",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child
}

fn signal(child: &Child, sig: &str) {
    let _ = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status();
}

/// After a restart: which of the candidate values opens the owner hierarchy. Probing with
/// a no-op change (to the same value) keeps the state as it is.
fn settle(dir: &Path, k: &mut Known, pid: u32) {
    let mut candidates = vec![k.acked];
    candidates.extend(k.in_flight);
    for v in candidates {
        match send_why(dir, &change_auth(v, v), Duration::from_secs(10)) {
            Ok(0) => {
                k.acked = v;
                k.in_flight = None;
                return;
            }
            Ok(_) => continue,
            Err(why) => panic!(
                "restarted daemon {pid} in {} does not answer ({why}); its log:\n{}\nstate: {}",
                dir.display(),
                std::fs::read_to_string(dir.join("log")).unwrap_or_default(),
                std::fs::read_to_string(format!("/proc/{pid}/status"))
                    .unwrap_or_default()
                    .lines()
                    .filter(|l| l.starts_with("State") || l.starts_with("Seccomp"))
                    .collect::<Vec<_>>()
                    .join(", ")
                    + " wchan="
                    + &std::fs::read_to_string(format!("/proc/{pid}/wchan")).unwrap_or_default()
            ),
        }
    }
    panic!(
        "{}: owner auth is neither the acknowledged value {} nor the one in flight {:?}: an \
         acknowledged change was lost",
        dir.display(),
        k.acked,
        k.in_flight
    );
}

fn resources(pid: u32) -> (usize, u64) {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    (fds, rss)
}

#[test]
fn many_daemons_under_clients_and_signals() {
    let n = env_usize("FERROTPM_SOAK_DAEMONS", 50);
    let secs = env_usize("FERROTPM_SOAK_SECONDS", 20) as u64;
    let seed = std::env::var("FERROTPM_SOAK_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_f00d_u64);
    println!("soak: {n} daemons, {secs} s, seed {seed}");
    let root = TempDir::new("soak");
    let slots: Vec<Arc<Mutex<Slot>>> = (0..n)
        .map(|i| {
            let dir = root.0.join(format!("d{i}"));
            std::fs::create_dir_all(dir.join("state")).unwrap();
            let child = spawn(&dir);
            Arc::new(Mutex::new(Slot {
                dir,
                child: Some(child),
                known: Known::default(),
                pristine: true,
                stopped: false,
            }))
        })
        .collect();

    // Warm-up: one change on each, then the baseline of every daemon's resources.
    for s in &slots {
        let mut s = s.lock().unwrap();
        assert_eq!(
            send(&s.dir, &change_auth(0, 1), Duration::from_secs(10)),
            Some(0)
        );
        s.known.acked = 1;
    }
    let baseline: Vec<(usize, u64)> = slots
        .iter()
        .map(|s| resources(s.lock().unwrap().child.as_ref().unwrap().id()))
        .collect();

    let stop = Arc::new(AtomicBool::new(false));
    let acks = Arc::new(AtomicUsize::new(0));
    let kills = Arc::new(AtomicUsize::new(0));
    let mut threads = Vec::new();
    // Clients: change the owner auth of random daemons, one counter per daemon.
    for t in 0..3u64 {
        let slots = slots.clone();
        let stop = Arc::clone(&stop);
        let acks = Arc::clone(&acks);
        threads.push(std::thread::spawn(move || {
            let mut rng = Rng(seed ^ (t + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            while !stop.load(Ordering::Relaxed) {
                let i = rng.below(slots.len());
                let mut s = slots[i].lock().unwrap();
                if s.child.is_none() || s.stopped || s.known.in_flight.is_some() {
                    continue;
                }
                let new = s.known.acked + 1;
                match send(
                    &s.dir,
                    &change_auth(s.known.acked, new),
                    Duration::from_millis(300),
                ) {
                    Some(0) => {
                        s.known.acked = new;
                        acks.fetch_add(1, Ordering::Relaxed);
                    }
                    Some(rc) => panic!("{}: HierarchyChangeAuth rc {rc:#x}", s.dir.display()),
                    None => s.known.in_flight = Some(new),
                }
            }
        }));
    }
    // Chaos: kill, terminate, stop/continue; restart and check.
    {
        let slots = slots.clone();
        let stop = Arc::clone(&stop);
        let kills = Arc::clone(&kills);
        threads.push(std::thread::spawn(move || {
            let mut rng = Rng(seed);
            // Daemons 0..n/5 are left alone for the leak check.
            let first = (slots.len() / 5).max(1);
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(20 + rng.below(60) as u64));
                let i = first + rng.below(slots.len() - first);
                let mut s = slots[i].lock().unwrap();
                s.pristine = false;
                let action = rng.below(10);
                if s.stopped {
                    signal(s.child.as_ref().unwrap(), "-CONT");
                    s.stopped = false;
                    continue;
                }
                match action {
                    0..=5 => {
                        let mut c = s.child.take().unwrap();
                        let _ = c.kill();
                        let _ = c.wait();
                        kills.fetch_add(1, Ordering::Relaxed);
                    }
                    6..=7 => {
                        let mut c = s.child.take().unwrap();
                        signal(&c, "-TERM");
                        let st = c.wait().unwrap();
                        assert!(st.success(), "SIGTERM exit status {st}");
                    }
                    _ => {
                        signal(s.child.as_ref().unwrap(), "-STOP");
                        s.stopped = true;
                        continue;
                    }
                }
                let dir = s.dir.clone();
                let child = spawn(&dir);
                let pid = child.id();
                s.child = Some(child);
                let mut known = s.known.clone();
                settle(&dir, &mut known, pid);
                s.known = known;
            }
        }));
    }
    std::thread::sleep(Duration::from_secs(secs));
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }

    // Wake the stopped ones; every daemon answers, with its last acknowledged value.
    for s in &slots {
        let mut s = s.lock().unwrap();
        if s.stopped {
            signal(s.child.as_ref().unwrap(), "-CONT");
            s.stopped = false;
        }
        let dir = s.dir.clone();
        let pid = s.child.as_ref().unwrap().id();
        let mut known = s.known.clone();
        settle(&dir, &mut known, pid);
        s.known = known;
    }
    for (i, s) in slots.iter().enumerate() {
        let s = s.lock().unwrap();
        if !s.pristine {
            continue;
        }
        let (fds0, rss0) = baseline[i];
        let (fds1, rss1) = resources(s.child.as_ref().unwrap().id());
        assert_eq!(fds1, fds0, "daemon {i} leaks file descriptors");
        assert!(
            rss1 <= rss0 + 2048,
            "daemon {i} grew from {rss0} KiB to {rss1} KiB"
        );
    }
    let acks = acks.load(Ordering::Relaxed);
    let kills = kills.load(Ordering::Relaxed);
    println!("soak: {acks} acknowledged changes, {kills} SIGKILLs");
    assert!(acks > 100, "too little traffic: {acks}");
    assert!(kills > 10, "too few kills: {kills}");
    for s in &slots {
        let mut s = s.lock().unwrap();
        if let Some(mut c) = s.child.take() {
            signal(&c, "-TERM");
            assert!(c.wait().unwrap().success());
        }
    }
}
