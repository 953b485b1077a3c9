//! `cargo xtask fuzz-corpus`: (re)write the committed seed corpora of the cargo-fuzz targets,
//! `fuzz/corpus/<target>/`, deterministically.
//!
//! - `tpm2_command_parse`: recorded commands (one per command code) and recorded successful
//!   responses behind their command code, from `tests/vectors/tpm2-traffic.txt`;
//! - `wire_roundtrip`: one deterministic arbitrary value of every selectable type, marshalled
//!   behind its selector byte (`tpm2_types::fuzzing::wire_seeds`);
//! - `tpm2_execute`: the recorded tool runs, each as a command stream after TPM2_Startup, and
//!   the boot sequence itself without it;
//! - `state_load`: images exported after boot-like sequences, whole, one at a time, with and
//!   without the checksum fix-up flag.
//!
//! Every seed is small (at most a few KiB). Files are named `<kind>-<nnn>`; the job first
//! deletes the files of those directories, so removed seeds do not linger.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use tpm2_engine::fuzzing::{
    STATE_FIX_CRC, STREAM_STARTUP, images_after, state_input, stream_input,
};

/// At most this many seeds of each kind.
const MAX_PER_KIND: usize = 40;
/// At most this many commands in one `tpm2_execute` seed (each costs an image round trip).
const MAX_STREAM: usize = 12;

struct Frame {
    cc: u32,
    is_cmd: bool,
    rc: Option<u32>,
    bytes: Vec<u8>,
}

/// The frames of the vector file, grouped by the `#` comment (tool run) before them.
fn traffic(text: &str) -> Result<Vec<Vec<Frame>>> {
    let mut blocks: Vec<Vec<Frame>> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with('#') {
            blocks.push(Vec::new());
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        let [cc, kind, rc, hex] = f.as_slice() else {
            bail!("line {}: expected four fields", i + 1);
        };
        let frame = Frame {
            cc: u32::from_str_radix(cc, 16).with_context(|| format!("line {}", i + 1))?,
            is_cmd: *kind == "cmd",
            rc: if *rc == "-" {
                None
            } else {
                Some(u32::from_str_radix(rc, 16).with_context(|| format!("line {}", i + 1))?)
            },
            bytes: hex::decode(hex).with_context(|| format!("line {}", i + 1))?,
        };
        match blocks.last_mut() {
            Some(b) => b.push(frame),
            None => blocks.push(vec![frame]),
        }
    }
    Ok(blocks)
}

/// At most `n` items spread evenly over `v`.
fn spread<T>(v: Vec<T>, n: usize) -> Vec<T> {
    let len = v.len();
    if len <= n {
        return v;
    }
    v.into_iter()
        .enumerate()
        .filter(|(i, _)| i * n / len != (i + 1) * n / len)
        .map(|(_, x)| x)
        .collect()
}

fn write_dir(root: &Path, target: &str, seeds: &[(String, Vec<u8>)]) -> Result<()> {
    let dir = root.join(target);
    if dir.exists() {
        for e in fs::read_dir(&dir)? {
            let p = e?.path();
            if p.is_file() {
                fs::remove_file(&p).with_context(|| format!("remove {}", p.display()))?;
            }
        }
    }
    fs::create_dir_all(&dir)?;
    for (name, bytes) in seeds {
        fs::write(dir.join(name), bytes)?;
    }
    println!("{target}: {} seeds", seeds.len());
    Ok(())
}

fn named(kind: &str, v: Vec<Vec<u8>>) -> Vec<(String, Vec<u8>)> {
    v.into_iter()
        .enumerate()
        .map(|(i, b)| (format!("{kind}-{i:03}"), b))
        .collect()
}

/// Write every corpus under `root` (normally `fuzz/corpus`) from the vector file `vectors`.
pub fn run(root: &Path, vectors: &Path) -> Result<()> {
    let text =
        fs::read_to_string(vectors).with_context(|| format!("read {}", vectors.display()))?;
    let blocks = traffic(&text)?;
    let frames: Vec<&Frame> = blocks.iter().flatten().collect();

    // tpm2_command_parse: the first command and first successful response of each code.
    let mut cmds = Vec::new();
    let mut rsps = Vec::new();
    let (mut seen_cmd, mut seen_rsp) = (Vec::new(), Vec::new());
    for f in &frames {
        if f.is_cmd && !seen_cmd.contains(&f.cc) {
            seen_cmd.push(f.cc);
            cmds.push(f.bytes.clone());
        } else if !f.is_cmd && f.rc == Some(0) && !seen_rsp.contains(&f.cc) {
            seen_rsp.push(f.cc);
            let mut b = f.cc.to_be_bytes().to_vec();
            b.extend_from_slice(&f.bytes);
            rsps.push(b);
        }
    }
    let mut seeds = named("cmd", spread(cmds, MAX_PER_KIND));
    seeds.extend(named("rsp", spread(rsps, MAX_PER_KIND)));
    write_dir(root, "tpm2_command_parse", &seeds)?;

    // wire_roundtrip: one value per type.
    write_dir(
        root,
        "wire_roundtrip",
        &named("value", tpm2_types::fuzzing::wire_seeds(1)),
    )?;

    // tpm2_execute: each tool run after Startup; the first run (Startup itself) without.
    let streams: Vec<Vec<u8>> = blocks
        .iter()
        .enumerate()
        .filter_map(|(i, b)| {
            let cmds: Vec<(u8, &[u8])> = b
                .iter()
                .filter(|f| f.is_cmd)
                .take(MAX_STREAM)
                .map(|f| (0u8, f.bytes.as_slice()))
                .collect();
            let flags = if i == 0 { 0 } else { STREAM_STARTUP };
            (!cmds.is_empty()).then(|| stream_input(flags, cmds))
        })
        .collect();
    write_dir(
        root,
        "tpm2_execute",
        &named("stream", spread(streams, MAX_PER_KIND)),
    )?;

    // state_load: images after boot-like sequences.
    let startup_clear: &[u8] = &[0x80, 0x01, 0, 0, 0, 0x0c, 0, 0, 0x01, 0x44, 0, 0];
    let shutdown_state: &[u8] = &[0x80, 0x01, 0, 0, 0, 0x0c, 0, 0, 0x01, 0x45, 0, 1];
    let shutdown_clear: &[u8] = &[0x80, 0x01, 0, 0, 0, 0x0c, 0, 0, 0x01, 0x45, 0, 0];
    let mut sequences: Vec<Vec<&[u8]>> = vec![
        vec![],
        vec![startup_clear],
        vec![startup_clear, shutdown_state],
        vec![startup_clear, shutdown_clear],
    ];
    // A few recorded tool runs after Startup (PCR extends, clock, hierarchy changes, ...).
    for b in spread(blocks.iter().skip(1).collect(), 4) {
        let mut seq = vec![startup_clear];
        seq.extend(b.iter().filter(|f| f.is_cmd).map(|f| f.bytes.as_slice()));
        sequences.push(seq);
    }
    let mut images = Vec::new();
    for seq in &sequences {
        let (perm, vol) = images_after(seq);
        for flags in [0, STATE_FIX_CRC] {
            images.push(state_input(flags, &perm, &vol));
        }
        images.push(state_input(0, &perm, &[]));
        if !vol.is_empty() {
            images.push(state_input(0, &[], &vol));
        }
    }
    write_dir(
        root,
        "state_load",
        &named("image", spread(images, MAX_PER_KIND)),
    )?;
    Ok(())
}
