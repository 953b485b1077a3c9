//! Fuzzing entry points (cargo-fuzz targets in `fuzz/` and the corpus replay in `cargo test`
//! call these). Not part of the API.

/// The command lines of `swtpm` and `swtpm_ioctl`: `data` is split at NUL bytes into
/// arguments. Neither parser may panic, and a re-parse gives the same answer (parsing is
/// pure). (A `swtpm_ioctl` command word may be empty: with `-h=x` swtpm_ioctl takes the
/// word before the option, which can be an empty argument; it then prints its usage.)
pub fn cli_args(data: &[u8]) {
    let args: Vec<String> = data
        .split(|&b| b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    let first = crate::cli::parse(&args, None, None);
    let again = crate::cli::parse(&args, None, None);
    assert_eq!(
        format!("{first:?}"),
        format!("{again:?}"),
        "the swtpm CLI parse is not deterministic"
    );
    let _ = crate::cli::parse(&args, Some("/tmp".into()), Some("2321".into()));
    let p = crate::ioctl::parse("swtpm_ioctl", &args);
    let q = crate::ioctl::parse("swtpm_ioctl", &args);
    assert_eq!(
        format!("{:?}", p.result),
        format!("{:?}", q.result),
        "the swtpm_ioctl parse is not deterministic"
    );
}
