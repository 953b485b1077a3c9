//! Recorded TPM 2.0 traffic (`tests/vectors/tpm2-traffic.txt`, made by `cargo xtask record`
//! from tpm2-tools against the Debian swtpm/libtpms) through the typed command and response
//! parsers of `tpm2-types`: every frame parses, re-marshals byte for byte, and every command
//! code the crate knows parses into its typed variant.
//!
//! Parameter encryption: tpm2-tools sometimes runs a session with `decrypt`/`encrypt`, which
//! turns the first parameter's contents into ciphertext while its size stays plain. Where that
//! parameter is a byte buffer it still parses (the bytes are just ciphertext). Where it is a
//! structure behind a size (TPM2B_SENSITIVE_CREATE, TPM2B_PUBLIC, TPM2B_ECC_POINT, ...)
//! ciphertext cannot be parsed as that structure, so the parser keeps that parameter area
//! whole (`Params::Encrypted`), decided from the session attributes, not by guessing. Such
//! frames still round-trip byte for byte; the test counts them and checks each one really has
//! an encrypting session.

use tpm_wire::Profile;
use tpm2_types::{Params, TpmCc, command_info, parse_request, parse_response};

const VECTORS: &str = include_str!("../vectors/tpm2-traffic.txt");

struct Frame {
    line: usize,
    /// For a command, the rc of the response recorded after it.
    answer: Option<u32>,
    cc: u32,
    is_cmd: bool,
    rc: Option<u32>,
    bytes: Vec<u8>,
}

fn frames() -> Vec<Frame> {
    let mut out = Vec::new();
    for (i, line) in VECTORS.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(parts.len(), 4, "line {}: four fields", i + 1);
        let cc = u32::from_str_radix(parts[0], 16).unwrap();
        let is_cmd = match parts[1] {
            "cmd" => true,
            "rsp" => false,
            other => panic!("line {}: kind {other}", i + 1),
        };
        let rc = if is_cmd {
            assert_eq!(parts[2], "-");
            None
        } else {
            Some(u32::from_str_radix(parts[2], 16).unwrap())
        };
        let bytes = hex::decode(parts[3]).unwrap();
        if let (false, Some(last)) = (is_cmd, out.last_mut()) {
            let last: &mut Frame = last;
            if last.is_cmd && last.cc == cc {
                last.answer = rc;
            }
        }
        out.push(Frame {
            line: i + 1,
            answer: None,
            cc,
            is_cmd,
            rc,
            bytes,
        });
    }
    out
}

/// Did the TPM reject the command as malformed? TPM_RC_BAD_TAG, or a format-one code (bit 7:
/// a handle, session or parameter failed to unmarshal; TPM 2.0 Part 2 §6.6.3), or
/// TPM_RC_COMMAND_SIZE / TPM_RC_INSUFFICIENT.
fn rejected_as_malformed(rc: Option<u32>) -> bool {
    matches!(rc, Some(rc) if rc == 0x1e || rc == 0x142 || rc == 0x9a || rc & 0x80 != 0)
}

#[test]
fn every_recorded_frame_parses_and_round_trips() {
    let p = Profile::ALL;
    let frames = frames();
    assert!(frames.len() > 500, "the vector file looks truncated");
    let mut typed_codes = std::collections::BTreeSet::new();
    let (mut enc_cmds, mut enc_rsps, mut malformed) = (0, 0, 0);
    for f in &frames {
        let cc = TpmCc(f.cc);
        let known = command_info(cc).is_some();
        if f.is_cmd {
            let parsed = match parse_request(&f.bytes, &p) {
                Ok(c) => c,
                Err(e) => {
                    // Malformed on purpose (the raw `tpm2_send` steps): libtpms must have
                    // rejected it as malformed too.
                    assert!(
                        rejected_as_malformed(f.answer),
                        "line {}: command {cc:?} does not parse ({e}) but the TPM answered {:x?}",
                        f.line,
                        f.answer
                    );
                    malformed += 1;
                    continue;
                }
            };
            assert_eq!(parsed.request.code(), cc, "line {}", f.line);
            assert_eq!(
                parsed.to_bytes(),
                f.bytes,
                "line {}: command {cc:?} round trip",
                f.line
            );
            if known {
                assert!(
                    parsed.request.is_known(),
                    "line {}: {cc:?} parsed opaque",
                    f.line
                );
                typed_codes.insert(f.cc);
            }
            if format!("{:?}", parsed.request).contains("Encrypted(") {
                enc_cmds += 1;
                let auth = parsed.auth.as_ref().unwrap();
                assert!(
                    auth.decrypts(),
                    "line {}: opaque params without a decrypt session",
                    f.line
                );
            }
        } else {
            let parsed = parse_response(cc, &f.bytes, &p).unwrap_or_else(|e| {
                panic!("line {}: response to {cc:?} does not parse: {e}", f.line)
            });
            assert_eq!(Some(parsed.header.rc), f.rc, "line {}", f.line);
            assert_eq!(
                parsed.to_bytes(),
                f.bytes,
                "line {}: response {cc:?} round trip",
                f.line
            );
            if known {
                assert!(
                    parsed.response.is_known(),
                    "line {}: {cc:?} parsed opaque",
                    f.line
                );
            }
            if let Some(auth) = &parsed.auth {
                if format!("{:?}", parsed.response).contains("Encrypted(") {
                    enc_rsps += 1;
                    assert!(auth.encrypts(), "line {}", f.line);
                }
            }
        }
    }
    eprintln!(
        "{} frames, {} typed command codes, {malformed} malformed commands, {enc_cmds} commands and {enc_rsps} responses with an encrypted structured first parameter",
        frames.len(),
        typed_codes.len()
    );
    assert!(
        typed_codes.len() >= 30,
        "only {} distinct typed command codes",
        typed_codes.len()
    );
}

/// A frame's prefix, with its size field made to agree, so parsing goes past the header.
fn truncated(bytes: &[u8], len: usize) -> Vec<u8> {
    let mut t = bytes[..len].to_vec();
    if len >= 6 {
        t[2..6].copy_from_slice(&u32::try_from(len).unwrap().to_be_bytes());
    }
    t
}

#[test]
fn truncated_commands_are_errors_not_panics() {
    let p = Profile::ALL;
    for f in frames().iter().filter(|f| f.is_cmd) {
        let Ok(full) = parse_request(&f.bytes, &p) else {
            continue;
        };
        // Opaque areas (unknown codes, encrypted parameters) take any length: only "no panic".
        let strict =
            full.request.is_known() && !format!("{:?}", full.request).contains("Encrypted(");
        for len in 0..f.bytes.len() {
            // The recorded size field, now wrong: always the header's error.
            assert!(
                parse_request(&f.bytes[..len], &p).is_err(),
                "line {} len {len}",
                f.line
            );
            let t = truncated(&f.bytes, len);
            let r = parse_request(&t, &p);
            if strict || len < 10 {
                assert!(r.is_err(), "line {}: prefix of {len} bytes parsed", f.line);
            }
        }
    }
}

#[test]
fn truncated_responses_are_errors_not_panics() {
    let p = Profile::ALL;
    for f in frames().iter().filter(|f| !f.is_cmd) {
        let cc = TpmCc(f.cc);
        let full = parse_response(cc, &f.bytes, &p).unwrap();
        let strict =
            full.response.is_known() && !format!("{:?}", full.response).contains("Encrypted(");
        let full_sessions = full.auth.as_ref().map_or(0, |a| a.sessions.len());
        for len in 0..f.bytes.len() {
            let r = parse_response(cc, &truncated(&f.bytes, len), &p);
            // A response alone does not say how many sessions its command had: a prefix that
            // ends between two sessions is a well-formed answer to a command with fewer.
            let fewer_sessions = r
                .as_ref()
                .is_ok_and(|x| x.auth.as_ref().map_or(0, |a| a.sessions.len()) < full_sessions);
            if (strict || len < 10) && !fewer_sessions {
                assert!(r.is_err(), "line {}: prefix of {len} bytes parsed", f.line);
            }
        }
    }
}

#[test]
fn encrypted_parameters_are_kept_whole() {
    // Every `Params::Encrypted` in the recording must still round-trip, and a command that is
    // not encrypted must never come out as `Encrypted`.
    let p = Profile::ALL;
    for f in frames().iter().filter(|f| f.is_cmd) {
        let Ok(parsed) = parse_request(&f.bytes, &p) else {
            continue;
        };
        let decrypts = parsed.auth.as_ref().is_some_and(|a| a.decrypts());
        let shown = format!("{:?}", parsed.request);
        if !decrypts {
            assert!(!shown.contains("Encrypted("), "line {}", f.line);
        }
    }
    // The type is public so that an engine can match on it.
    let _unused: Params<()> = Params::Encrypted(Vec::new());
}
