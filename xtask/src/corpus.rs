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
//!   without the checksum fix-up flag;
//! - `ctrl_frame`: QEMU's control-channel sequences (start, reset, hashing, outgoing and
//!   incoming migration, shutdown) made with the client encoders, whole, pipelined,
//!   fragmented, truncated, and with oversized or inconsistent lengths (`ctrl_frame_seeds`);
//! - `cli_args`: the command lines libvirt 9.0, swtpm_setup and operators give `swtpm` and
//!   `swtpm_ioctl`, arguments separated by NUL bytes (`cli_args_seeds`).
//!
//! Every seed is small (at most a few KiB; the `ctrl_frame` migration seeds carry three
//! blobs, up to 14 KiB). Files are named `<kind>-<nnn>`; the job first deletes the files of
//! those directories, so removed seeds do not linger.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use swtpm_protocol::consts::BlobType;
use swtpm_protocol::fuzzing::{
    CFG_DATA_CHANNEL, CFG_REJECT_LOC4, CFG_RUNNING, CFG_SMALL_STATE, Read, ctrl_input,
};
use swtpm_protocol::messages::{
    GetInfoRequest, GetStateBlobRequest, HashDataRequest, InitRequest, LockStorageRequest, Request,
    ResetEstablishedRequest, SetBufferSizeRequest, SetLocalityRequest, SetStateBlobHeader,
};
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

/// A hand-written tpm2_execute stream over transient object slots: three HashSequenceStart
/// (slots full), a fourth (TPM_RC_OBJECT_MEMORY), FlushContext of a loaded, a flushed, an
/// out-of-range and a session handle, and a reuse of the freed slot.
fn objects_stream() -> Vec<u8> {
    let start: &[u8] = &[0x80, 0x01, 0, 0, 0, 0x0e, 0, 0, 0x01, 0x86, 0, 0, 0, 0x0b];
    let flush = |h: u32| {
        let mut c = vec![0x80, 0x01, 0, 0, 0, 0x0e, 0, 0, 0x01, 0x65];
        c.extend_from_slice(&h.to_be_bytes());
        c
    };
    let (f1, f3, fs) = (flush(0x8000_0001), flush(0x8000_0003), flush(0x0200_0000));
    let cmds: Vec<(u8, &[u8])> = vec![
        (0, start),
        (0, start),
        (0, start),
        (0, start),
        (0, &f1),
        (0, &f1),
        (0, &f3),
        (0, &fs),
        (0, start),
    ];
    stream_input(STREAM_STARTUP, cmds)
}

/// A hand-written tpm2_execute stream over key objects: CreatePrimary of the TCG ECC SRK,
/// Create of a sealed-data object and of an ECDSA key under it, ReadPublic, EvictControl to
/// 0x81000001, Create under the persistent handle, ContextSave, FlushContext, CreatePrimary
/// of a sealed-data primary and Unseal of it, CreateLoaded of an HMAC key.
fn keys_stream() -> Vec<u8> {
    fn cmd(tag: u16, cc: u32, body: &[u8]) -> Vec<u8> {
        let mut c = tag.to_be_bytes().to_vec();
        c.extend_from_slice(&u32::try_from(10 + body.len()).unwrap_or(0).to_be_bytes());
        c.extend_from_slice(&cc.to_be_bytes());
        c.extend_from_slice(body);
        c
    }
    fn b2(b: &[u8]) -> Vec<u8> {
        let mut v = u16::try_from(b.len()).unwrap_or(0).to_be_bytes().to_vec();
        v.extend_from_slice(b);
        v
    }
    fn auth(handles: &[u32], params: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        for h in handles {
            v.extend_from_slice(&h.to_be_bytes());
        }
        v.extend_from_slice(&9u32.to_be_bytes());
        v.extend_from_slice(&[0x40, 0, 0, 9, 0, 0, 1, 0, 0]);
        v.extend_from_slice(params);
        v
    }
    fn create(auth_v: &[u8], data: &[u8], tmpl: &[u8]) -> Vec<u8> {
        let mut sens = b2(auth_v);
        sens.extend(b2(data));
        let mut v = b2(&sens);
        v.extend(b2(tmpl));
        v.extend(b2(b""));
        v.extend_from_slice(&0u32.to_be_bytes());
        v
    }
    let srk: &[u8] = &[
        0x00, 0x23, 0x00, 0x0b, 0x00, 0x03, 0x04, 0x72, 0x00, 0x00, 0x00, 0x06, 0x00, 0x80, 0x00,
        0x43, 0x00, 0x10, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00,
    ];
    let sealed: &[u8] = &[
        0x00, 0x08, 0x00, 0x0b, 0x00, 0x00, 0x04, 0x52, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00,
    ];
    let ecdsa: &[u8] = &[
        0x00, 0x23, 0x00, 0x0b, 0x00, 0x04, 0x04, 0x72, 0x00, 0x00, 0x00, 0x10, 0x00, 0x18, 0x00,
        0x0b, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00,
    ];
    let hmac: &[u8] = &[
        0x00, 0x08, 0x00, 0x0b, 0x00, 0x04, 0x04, 0x72, 0x00, 0x00, 0x00, 0x05, 0x00, 0x0b, 0x00,
        0x00,
    ];
    let mut cl = b2(&[0, 0, 0, 0]);
    cl.extend(b2(hmac));
    let cmds: Vec<Vec<u8>> = vec![
        cmd(0x8002, 0x131, &auth(&[0x4000_0001], &create(b"", b"", srk))),
        cmd(
            0x8002,
            0x153,
            &auth(&[0x8000_0000], &create(b"pin", b"secret", sealed)),
        ),
        cmd(
            0x8002,
            0x153,
            &auth(&[0x8000_0000], &create(b"", b"", ecdsa)),
        ),
        cmd(0x8001, 0x173, &0x8000_0000u32.to_be_bytes()),
        cmd(
            0x8002,
            0x120,
            &auth(&[0x4000_0001, 0x8000_0000], &0x8100_0001u32.to_be_bytes()),
        ),
        cmd(
            0x8002,
            0x153,
            &auth(&[0x8100_0001], &create(b"", b"x", sealed)),
        ),
        cmd(0x8001, 0x162, &0x8000_0000u32.to_be_bytes()),
        cmd(0x8001, 0x165, &0x8000_0000u32.to_be_bytes()),
        cmd(
            0x8002,
            0x131,
            &auth(&[0x4000_0001], &create(b"", b"data", sealed)),
        ),
        cmd(0x8002, 0x15e, &auth(&[0x8000_0000], &[])),
        cmd(0x8002, 0x191, &auth(&[0x4000_0001], &cl)),
    ];
    stream_input(
        STREAM_STARTUP,
        cmds.iter().map(|c| (0u8, c.as_slice())).collect::<Vec<_>>(),
    )
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
    let mut exec_seeds = named("stream", spread(streams, MAX_PER_KIND));
    exec_seeds.push(("objects-000".to_string(), objects_stream()));
    exec_seeds.push(("keys-000".to_string(), keys_stream()));
    write_dir(root, "tpm2_execute", &exec_seeds)?;

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

    write_dir(root, "ctrl_frame", &ctrl_frame_seeds())?;
    write_dir(root, "cli_args", &cli_args_seeds())?;
    Ok(())
}

/// The `cli_args` seeds: real command lines (libvirt-cmdlines.md, swtpm-interface.md) and a
/// few malformed ones.
fn cli_args_seeds() -> Vec<(String, Vec<u8>)> {
    let lines: &[&str] = &[
        "socket --ctrl type=unixio,path=/run/s.sock,mode=0600 --tpmstate dir=/var/lib/s,mode=0600 --log file=/var/log/s.log --terminate --tpm2",
        "socket --ctrl type=unixio,path=/run/s.sock,mode=0600 --tpmstate dir=/var/lib/s,mode=0600 --log file=/l --terminate --tpm2 --key pwdfd=31,mode=aes-256-cbc --migration-key pwdfd=34,mode=aes-256-cbc",
        "socket --flags not-need-init,startup-clear --tpmstate backend-uri=dir:///s --pid file=/p --tpm2 --key pwdfd=31,mode=aes-256-cbc --log file=/l --server type=tcp,fd=7 --ctrl type=unixio,clientfd=5",
        "socket --print-capabilities --tpm2",
        "socket --print-states --tpmstate backend-uri=dir:///s --tpm2 --log file=/l",
        "socket --tpm2 --server type=tcp,port=2321,bindaddr=127.0.0.1 --ctrl type=tcp,port=2322 --flags not-need-init,startup-clear -t",
        "chardev --tpm2 --fd 3 --tpmstate dir=/s --locality reject-locality-4,allow-set-locality",
        "socket -p 2321 -td --tpm2 --tpmstate=dir=/s --log level=20,prefix=x,truncate",
        "--unix /run/s.sock -s",
        "--tcp 127.0.0.1:2322 --save permanent /tmp/p.blob",
        "-stop --unix /s",
        "--tcp :99999 -c",
        "socket --tpmstate dir= --ctrl type=unixio,path= --server type=tcp,port=-1",
        "socket --key file=/k,format=hex,mode=aes-cbc,remove=true --tpm2 --tpmstate dir=/s --ctrl type=unixio,path=/c",
    ];
    named(
        "cmdline",
        lines
            .iter()
            .map(|l| l.split(' ').collect::<Vec<_>>().join("\0").into_bytes())
            .collect(),
    )
}

/// One read carrying `req`.
fn rd(req: Request) -> Read {
    Read {
        bytes: req.encode(),
        ..Read::default()
    }
}

/// CMD_SET_STATEBLOB as QEMU's post_load writes it: the header, then the body.
fn set_state(blob: BlobType, data: &[u8]) -> Vec<Read> {
    let hdr = SetStateBlobHeader {
        state_flags: 0,
        blob_type: blob.to_u32(),
        length: u32::try_from(data.len()).unwrap_or(u32::MAX),
    };
    let mut v = vec![Read {
        bytes: hdr.encode(),
        ..Read::default()
    }];
    if !data.is_empty() {
        v.push(Read {
            bytes: data.to_vec(),
            ..Read::default()
        });
    }
    v
}

/// The `ctrl_frame` seeds: QEMU's tpm_emulator sequences and malformed variants.
fn ctrl_frame_seeds() -> Vec<(String, Vec<u8>)> {
    let get_blob = |blob: BlobType, offset: u32| {
        rd(Request::GetStateBlob(GetStateBlobRequest {
            state_flags: 0,
            blob_type: blob.to_u32(),
            offset,
        }))
    };
    // QEMU tpm_emulator: probe, hand over the data fd, then start (stop, buffer size, init).
    let mut start = vec![
        rd(Request::GetCapability),
        Read {
            fd: true,
            ..rd(Request::SetDataFd { fd_attached: true })
        },
        rd(Request::Stop),
        rd(Request::SetBufferSize(SetBufferSizeRequest {
            buffer_size: 0,
        })),
        rd(Request::SetBufferSize(SetBufferSizeRequest {
            buffer_size: 4096,
        })),
        rd(Request::Init(InitRequest { init_flags: 0 })),
        rd(Request::GetTpmEstablished),
        rd(Request::SetLocality(SetLocalityRequest { locality: 0 })),
    ];
    // A guest reset: the same start again, then locality changes and a hashed boot.
    let mut reset = vec![
        rd(Request::Stop),
        rd(Request::SetBufferSize(SetBufferSizeRequest {
            buffer_size: 0,
        })),
        rd(Request::Init(InitRequest { init_flags: 0 })),
        rd(Request::SetLocality(SetLocalityRequest { locality: 4 })),
        rd(Request::HashStart),
        rd(Request::HashData(HashDataRequest {
            data: (0..200u8).collect(),
        })),
        rd(Request::HashData(HashDataRequest {
            data: vec![0x5a; 4096],
        })),
        rd(Request::HashEnd),
        rd(Request::SetLocality(SetLocalityRequest { locality: 0 })),
        rd(Request::ResetTpmEstablished(ResetEstablishedRequest {
            locality: 3,
        })),
        rd(Request::GetTpmEstablished),
    ];
    // Outgoing migration: the three blobs, the savestate one at an offset too.
    let save = vec![
        rd(Request::GetConfig),
        get_blob(BlobType::Permanent, 0),
        get_blob(BlobType::Volatile, 0),
        get_blob(BlobType::Savestate, 0),
        get_blob(BlobType::Savestate, 1000),
        rd(Request::StoreVolatile),
        rd(Request::CancelTpmCmd),
    ];
    // Incoming migration: stop, the three blobs, init.
    let mut load = vec![
        rd(Request::GetCapability),
        rd(Request::Stop),
        rd(Request::LockStorage(LockStorageRequest { retries: 10 })),
    ];
    for (blob, n) in [
        (BlobType::Permanent, 3000usize),
        (BlobType::Volatile, 1500),
        (BlobType::Savestate, 5000),
    ] {
        let data: Vec<u8> = (0..n).map(|i| (i % 253) as u8).collect();
        load.extend(set_state(blob, &data));
    }
    load.push(rd(Request::Init(InitRequest { init_flags: 0 })));
    load.push(rd(Request::GetInfo(GetInfoRequest {
        flags: 0x1,
        offset: 0,
    })));
    let shutdown = vec![rd(Request::Shutdown)];

    let full = |parts: &[&Vec<Read>]| -> Vec<Read> {
        parts.iter().flat_map(|p| p.iter().cloned()).collect()
    };
    let mut seeds: Vec<(u8, u8, Vec<Read>)> = vec![
        (0, 0, start.clone()),
        (0, 0, full(&[&start, &reset])),
        (0, 0, full(&[&start, &save, &shutdown])),
        (0, 0, full(&[&load, &save])),
        (0, 0, full(&[&start, &reset, &save, &load, &shutdown])),
        (CFG_RUNNING, 0, full(&[&save, &reset])),
        // Failures: init, hashing, no volatile blob, lock, set_state, info.
        (0, 0x01, full(&[&start, &save])),
        (0, 0x02, full(&[&start, &reset])),
        (0, 0x04, full(&[&start, &save])),
        (0, 0x08, full(&[&load])),
        (0, 0x30, full(&[&load])),
        // A --server data channel: SET_DATAFD is TPM_IOERROR.
        (CFG_DATA_CHANNEL, 0, start.clone()),
    ];
    // Pipelined: the whole start sequence in one read (swtpm answers TPM_BAD_PARAMETER).
    let one: Vec<u8> = start.iter().flat_map(|r| r.bytes.clone()).collect();
    seeds.push((
        0,
        0,
        vec![Read {
            bytes: one.clone(),
            ..Read::default()
        }],
    ));
    // Fragmented: byte by byte, and in 3-byte reads.
    for size in [1, 3] {
        let pieces = one
            .chunks(size)
            .map(|c| Read {
                bytes: c.to_vec(),
                ..Read::default()
            })
            .collect();
        seeds.push((0, 0, pieces));
    }
    // Timed out in the middle of a request, then the start again.
    start.insert(
        0,
        Read {
            bytes: vec![0, 0, 0, 2, 0],
            ..Read::default()
        },
    );
    start[1].timeout = true;
    seeds.push((0, 0, start));
    // Oversized and inconsistent lengths: a SET_STATEBLOB above 512 KiB and above the small
    // limit, a body longer than declared, HASH_DATA declaring 4 GiB, an unknown code.
    for (cfg, length) in [(0, 600 * 1024), (CFG_SMALL_STATE, 9000)] {
        let hdr = SetStateBlobHeader {
            state_flags: 0,
            blob_type: BlobType::Permanent.to_u32(),
            length,
        };
        let reads = vec![
            Read {
                bytes: hdr.encode(),
                ..Read::default()
            },
            Read {
                bytes: vec![1; 100],
                ..Read::default()
            },
        ];
        seeds.push((cfg, 0, reads));
    }
    let mut long = set_state(BlobType::Savestate, &[3; 64]);
    long[1].bytes.extend_from_slice(&[4; 8]);
    seeds.push((0, 0, long));
    let mut huge_hash = 7u32.to_be_bytes().to_vec();
    huge_hash.extend_from_slice(&u32::MAX.to_be_bytes());
    huge_hash.extend_from_slice(&[0xee; 100]);
    seeds.push((
        CFG_RUNNING,
        0,
        vec![Read {
            bytes: huge_hash,
            ..Read::default()
        }],
    ));
    seeds.push((
        0,
        0,
        vec![rd(Request::Unknown(swtpm_protocol::CtrlCmd(0x99)))],
    ));
    // Bad localities and a capability probe as QEMU requires it.
    reset[3] = rd(Request::SetLocality(SetLocalityRequest { locality: 5 }));
    seeds.push((CFG_REJECT_LOC4, 0, full(&[&reset])));

    let mut out: Vec<Vec<u8>> = seeds
        .iter()
        .map(|(cfg, fail, reads)| ctrl_input(*cfg, *fail, reads))
        .collect();
    // Truncated: the full sequence cut inside its last request.
    let all = ctrl_input(0, 0, &full(&[&load, &save]));
    out.push(all[..all.len() - 3].to_vec());
    out.push(all[..all.len() / 2].to_vec());
    named("seq", out)
}
