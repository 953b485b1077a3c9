//! Corpus replay: every committed seed of every cargo-fuzz target (`fuzz/corpus/<target>/`)
//! and every committed reproducer (`fuzz/regressions/<target>/`) through the same
//! `fuzzing` function the target calls, so that `cargo test --workspace` re-runs them
//! without cargo-fuzz. A target whose corpus directory is missing or empty fails: the fuzz
//! smoke run starts from it, and an empty corpus would hide that it was lost.

use std::fs;
use std::path::{Path, PathBuf};

/// The fuzz targets replayed below (one test each, calling what `fuzz/fuzz_targets/*.rs`
/// calls).
const TARGETS: &[&str] = &[
    "wire_roundtrip",
    "tpm2_command_parse",
    "tpm2_execute",
    "state_load",
    "ctrl_frame",
    "cli_args",
    "store_wrapper",
    "store_linear",
    "ctrl_stateblob",
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The files of `dir`, sorted; none when it does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

fn replay(target: &str, f: fn(&[u8])) {
    let corpus = files(&fuzz_dir().join("corpus").join(target));
    assert!(
        !corpus.is_empty(),
        "fuzz/corpus/{target}/ is missing or empty (regenerate it: cargo xtask fuzz-corpus)"
    );
    let regressions = files(&fuzz_dir().join("regressions").join(target));
    for path in corpus.iter().chain(&regressions) {
        let data = fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if std::panic::catch_unwind(|| f(&data)).is_err() {
            panic!("{target}: {name} fails (input {} bytes)", data.len());
        }
    }
}

#[test]
fn corpus_wire_roundtrip() {
    replay(TARGETS[0], tpm2_types::fuzzing::wire_roundtrip);
}

#[test]
fn corpus_tpm2_command_parse() {
    replay(TARGETS[1], tpm2_types::fuzzing::command_parse);
}

#[test]
fn corpus_tpm2_execute() {
    replay(TARGETS[2], tpm2_engine::fuzzing::execute_stream);
}

#[test]
fn corpus_state_load() {
    replay(TARGETS[3], tpm2_engine::fuzzing::state_load);
}

#[test]
fn corpus_ctrl_frame() {
    replay(TARGETS[4], swtpm_protocol::fuzzing::ctrl_stream);
}

#[test]
fn corpus_cli_args() {
    replay(TARGETS[5], ferrotpm::fuzzing::cli_args);
}

#[test]
fn corpus_store_wrapper() {
    replay(TARGETS[6], tpm_store::fuzzing::state_wrapper);
}

#[test]
fn corpus_store_linear() {
    replay(TARGETS[7], tpm_store::fuzzing::linear_header);
}

#[test]
fn corpus_ctrl_stateblob() {
    replay(TARGETS[8], ferrotpm::fuzzing::stateblob);
}

/// Writes the seeds of the store targets (their blobs carry random IVs, so they are generated
/// once and committed): `cargo test -p ferrotpm-tests --test fuzz_corpus -- --ignored
/// write_store_seeds`.
#[test]
#[ignore = "writes fuzz/corpus; run by hand"]
fn write_store_seeds() {
    type Gen = fn() -> Vec<(String, Vec<u8>)>;
    let gens: [(&str, Gen); 3] = [
        ("store_wrapper", tpm_store::fuzzing::wrapper_seeds),
        ("store_linear", tpm_store::fuzzing::linear_seeds),
        ("ctrl_stateblob", ferrotpm::fuzzing::stateblob_seeds),
    ];
    for (target, g) in gens {
        let dir = fuzz_dir().join("corpus").join(target);
        fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in g() {
            fs::write(dir.join(name), bytes).unwrap();
        }
    }
}

/// Every target of `fuzz/Cargo.toml` is replayed here.
#[test]
fn every_target_is_replayed() {
    let manifest = fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    for line in manifest.lines() {
        if let Some(name) = line
            .strip_prefix("name = \"")
            .and_then(|r| r.strip_suffix('"'))
        {
            if name == "ferrotpm-fuzz" {
                continue;
            }
            assert!(
                TARGETS.contains(&name),
                "fuzz target {name} has no corpus replay here"
            );
        }
    }
}
