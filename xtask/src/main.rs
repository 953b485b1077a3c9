//! xtask: the project's jobs, run as `cargo xtask <job>`.
//!
//! Jobs:
//! - `record [--out FILE]`: run the Debian `swtpm` behind a logging proxy, drive it with a
//!   script of tpm2-tools invocations and write every TPM 2.0 command/response pair to a vector
//!   file (default `tests/vectors/tpm2-traffic.txt`), see [`record`].
//! - `fuzz-corpus`: rewrite the seed corpora of the cargo-fuzz targets under `fuzz/corpus/`,
//!   see [`corpus`].
//! - `bench-compare [--iterations N] [--quick] [--transport unix|tcp]`: our `swtpm` against
//!   the Debian one, round trips per command, start-up, memory, state sizes; see [`mod@bench`].
//! - `diff-fuzz [--minutes N] [--len L] [--seed S]`: the differential runner (the generator
//!   and player of `tests/tests/diff_fuzz.rs`, built with optimizations) for a time; a
//!   difference is shrunk and written to `tests/regressions/diff-fuzz/`, which the test suite
//!   replays.

mod bench;
mod corpus;
mod record;
mod script;

use anyhow::{Context, Result, bail};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("record") => {
            let mut out = String::from("tests/vectors/tpm2-traffic.txt");
            while let Some(a) = args.next() {
                match a.as_str() {
                    "--out" => out = args.next().context("--out needs a file name")?,
                    other => bail!("record: unknown argument {other:?}"),
                }
            }
            record::run(std::path::Path::new(&out))
        }
        Some("fuzz-corpus") => corpus::run(
            std::path::Path::new("fuzz/corpus"),
            std::path::Path::new("tests/vectors/tpm2-traffic.txt"),
        ),
        Some("bench-compare") => {
            let o = bench::Options::parse(args)?;
            print!("{}", bench::run(std::path::Path::new("."), &o)?);
            Ok(())
        }
        Some("diff-fuzz") => {
            let (mut minutes, mut len, mut seed) = ("10".to_string(), "40".to_string(), None);
            while let Some(a) = args.next() {
                let v = args.next().with_context(|| format!("{a} needs a value"))?;
                match a.as_str() {
                    "--minutes" => minutes = v,
                    "--len" => len = v,
                    "--seed" => seed = Some(v),
                    other => bail!("diff-fuzz: unknown argument {other:?}"),
                }
            }
            // A different stretch of seeds each run unless one is given.
            let seed = seed.unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_secs())
                    .to_string()
            });
            println!("diff-fuzz: {minutes} minutes, streams of {len}, seeds from {seed}");
            let status = std::process::Command::new("cargo")
                .args([
                    "test",
                    "--release",
                    "-p",
                    "ferrotpm-tests",
                    "--test",
                    "diff_fuzz",
                    "random_streams",
                    "--",
                    "--nocapture",
                ])
                .env("FERROTPM_DIFF_MINUTES", &minutes)
                .env("FERROTPM_DIFF_LEN", &len)
                .env("FERROTPM_DIFF_SEED", &seed)
                .env("FERROTPM_DIFF_WRITE", "1")
                .status()
                .context("run cargo test")?;
            if !status.success() {
                bail!("diff-fuzz found a difference (see tests/regressions/diff-fuzz/)");
            }
            Ok(())
        }
        Some(other) => {
            bail!("unknown job {other:?}; jobs: record, fuzz-corpus, bench-compare, diff-fuzz")
        }
        None => bail!(
            "usage: cargo xtask <job>; jobs: record [--out FILE], fuzz-corpus, bench-compare \
             [--iterations N] [--quick] [--transport unix|tcp], diff-fuzz [--minutes N] \
             [--len L] [--seed S]"
        ),
    }
}
