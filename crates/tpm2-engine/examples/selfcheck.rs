//! The engine's self-check: power on a fresh TPM 2.0 engine, run TPM2_Startup, the full
//! TPM2_SelfTest and TPM2_GetTestResult, read the TPM's identity, replay a small measured
//! boot (PCR_Extend of PCRs 0-7) and check every PCR against a replay of the event log.
//! Exits non-zero when anything is off.
//!
//! Run: `cargo run --release -p tpm2-engine --example selfcheck`

use std::process::ExitCode;

use tpm_crypto::hash::{HashAlg, digest};
use tpm_device::{InitFlags, TpmEngine};
use tpm2_engine::Tpm2;
use tpm2_engine::platform::StdPlatform;

fn command(tag: u16, cc: u32, body: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(10 + body.len());
    v.extend_from_slice(&tag.to_be_bytes());
    v.extend_from_slice(&u32::try_from(10 + body.len()).unwrap_or(0).to_be_bytes());
    v.extend_from_slice(&cc.to_be_bytes());
    v.extend_from_slice(body);
    v
}

fn rc(rsp: &[u8]) -> u32 {
    rsp.get(6..10)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(u32::MAX, u32::from_be_bytes)
}

fn check(what: &str, ok: bool, failures: &mut u32) {
    println!("{} {what}", if ok { "ok  " } else { "FAIL" });
    if !ok {
        *failures += 1;
    }
}

fn main() -> ExitCode {
    let mut failures = 0;
    let mut tpm = Tpm2::new(Box::new(StdPlatform::new()));
    if let Err(e) = tpm.init(InitFlags::default()) {
        eprintln!("power-on failed: {e}");
        return ExitCode::FAILURE;
    }
    let r = tpm.execute_vec(0, &command(0x8001, 0x144, &[0, 0]));
    check("TPM2_Startup(CLEAR)", rc(&r) == 0, &mut failures);
    let r = tpm.execute_vec(0, &command(0x8001, 0x143, &[1]));
    check("TPM2_SelfTest(fullTest=YES)", rc(&r) == 0, &mut failures);
    let r = tpm.execute_vec(0, &command(0x8001, 0x17C, &[]));
    let result = r.get(12..16).map(|b| b.to_vec()).unwrap_or_default();
    check(
        "TPM2_GetTestResult = TPM_RC_SUCCESS",
        rc(&r) == 0 && result == [0, 0, 0, 0],
        &mut failures,
    );

    // GetCapability(TPM_PROPERTIES, TPM_PT_MANUFACTURER, 1).
    let body = [
        6u32.to_be_bytes(),
        0x105u32.to_be_bytes(),
        1u32.to_be_bytes(),
    ]
    .concat();
    let r = tpm.execute_vec(0, &command(0x8001, 0x17A, &body));
    // Header, moreData, capability, count, property, then the value.
    let manufacturer = r.get(23..27).map(|b| {
        String::from_utf8_lossy(b)
            .trim_end_matches('\0')
            .to_string()
    });
    println!(
        "     manufacturer {:?} (TPM_PT_MANUFACTURER, as libtpms reports it)",
        manufacturer.unwrap_or_default()
    );

    // A measured boot: extend PCR 0-7 with SHA-256 digests of events, then compare with an
    // independent replay of the log.
    let events: Vec<(u32, Vec<u8>)> = (0..8u32)
        .flat_map(|pcr| (0..3).map(move |i| (pcr, format!("event {i} of pcr {pcr}").into_bytes())))
        .collect();
    let mut log_ok = true;
    for (pcr, event) in &events {
        let d = digest(HashAlg::Sha256, event);
        let mut body = pcr.to_be_bytes().to_vec();
        // Password session: TPM_RS_PW, empty nonce, continueSession, empty password.
        body.extend_from_slice(&9u32.to_be_bytes());
        body.extend_from_slice(&0x4000_0009u32.to_be_bytes());
        body.extend_from_slice(&[0, 0, 1, 0, 0]);
        body.extend_from_slice(&1u32.to_be_bytes());
        body.extend_from_slice(&0x000Bu16.to_be_bytes());
        body.extend_from_slice(d.as_slice());
        log_ok &= rc(&tpm.execute_vec(0, &command(0x8002, 0x182, &body))) == 0;
    }
    check(
        "TPM2_PCR_Extend x24 (SHA-256, PCR 0-7)",
        log_ok,
        &mut failures,
    );
    let mut replay_ok = true;
    for pcr in 0..8u32 {
        let mut value = vec![0u8; 32];
        for (_, event) in events.iter().filter(|(p, _)| *p == pcr) {
            value.extend_from_slice(digest(HashAlg::Sha256, event).as_slice());
            value = digest(HashAlg::Sha256, &value).as_slice().to_vec();
        }
        let mut sel = [0u8; 3];
        if let Some(b) = sel.get_mut(usize::try_from(pcr / 8).unwrap_or(0)) {
            *b = 1 << (pcr % 8);
        }
        let body = [
            &1u32.to_be_bytes()[..],
            &0x000Bu16.to_be_bytes(),
            &[3],
            &sel,
        ]
        .concat();
        let r = tpm.execute_vec(0, &command(0x8001, 0x17E, &body));
        replay_ok &= rc(&r) == 0 && r.get(r.len().saturating_sub(32)..) == Some(&value[..]);
    }
    check(
        "PCR 0-7 equal the replayed event log",
        replay_ok,
        &mut failures,
    );

    if failures == 0 {
        println!("self-check passed");
        ExitCode::SUCCESS
    } else {
        println!("self-check FAILED ({failures})");
        ExitCode::FAILURE
    }
}
