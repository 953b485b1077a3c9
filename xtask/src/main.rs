//! xtask: the project's jobs, run as `cargo xtask <job>`.
//!
//! Jobs:
//! - `record [--out FILE]`: run the Debian `swtpm` behind a logging proxy, drive it with a
//!   script of tpm2-tools invocations and write every TPM 2.0 command/response pair to a vector
//!   file (default `tests/vectors/tpm2-traffic.txt`), see [`record`].
//! - `fuzz-corpus`: rewrite the seed corpora of the cargo-fuzz targets under `fuzz/corpus/`,
//!   see [`corpus`].
//! - `bench-compare [--iterations N] [--quick] [--transport unix|tcp]`: our `swtpm` against
//!   the Debian one, round trips per command, start-up, memory, state sizes; see [`bench`].

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
        Some(other) => bail!("unknown job {other:?}; jobs: record, fuzz-corpus, bench-compare"),
        None => bail!(
            "usage: cargo xtask <job>; jobs: record [--out FILE], fuzz-corpus, bench-compare \
             [--iterations N] [--quick] [--transport unix|tcp]"
        ),
    }
}
