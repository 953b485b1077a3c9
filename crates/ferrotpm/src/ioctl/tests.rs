//! Parser tests. The expected texts are swtpm_ioctl 0.7.1's (checked by running it); the
//! integration test `ioctl_vs_swtpm` compares whole runs with the Debian binary.

use super::*;

fn p(args: &[&str]) -> Parsed {
    let v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    parse("swtpm_ioctl", &v)
}

fn err(args: &[&str]) -> String {
    match p(args).result {
        Err(ParseError(m)) => m,
        Ok(a) => panic!("{args:?} parsed: {a:?}"),
    }
}

fn run(args: &[&str]) -> Run {
    match p(args).result {
        Ok(Action::Run(r)) => r,
        other => panic!("{args:?}: {other:?}"),
    }
}

#[test]
fn long_only_and_prefixes() {
    let r = run(&["-stop", "--unix", "/s"]);
    assert_eq!(r.command, "-stop", "the literal word is the command");
    assert_eq!(r.target, Target::Unix("/s".into()));
    let r = run(&["--st", "--un", "/s"]);
    assert_eq!(r.command, "--st");
    assert_eq!(
        run(&["-c", "/dev/x"]).target,
        Target::Device("/dev/x".into())
    );
    let r = run(&["--tcp", ":2322", "-s"]);
    assert_eq!(r.target, Target::Tcp("127.0.0.1".into(), 2322));
    let r = run(&["--tcp", "host", "-s"]);
    assert_eq!(r.target, Target::Tcp("host".into(), DEFAULT_TCP_PORT));
    let r = run(&["--tcp", "h:1", "-s"]);
    assert_eq!(r.target, Target::Tcp("h".into(), 1));
}

#[test]
fn swtpm_ioctl_messages() {
    assert_eq!(err(&["-c"]), "Error: Missing device name.");
    assert_eq!(err(&["-c", "-i", "/x"]), "Only one command may be given.");
    assert_eq!(
        err(&["-r", "9", "/x"]),
        "Locality outside valid range of [0..4]."
    );
    assert_eq!(
        err(&["-l", "x", "/x"]),
        "Could not get locality number from x."
    );
    assert_eq!(
        err(&["--save", "permanent"]),
        "Missing filename argument for --save option"
    );
    assert_eq!(
        err(&["--load", "permanent", "-x"]),
        "Missing filename argument for --load option"
    );
    assert_eq!(
        err(&["--tcp", ":99999", "-c"]),
        "Port '99999' outside valid range."
    );
    assert_eq!(
        err(&["--tcp", "h:99999", "-c"]),
        "Port ':99999' outside valid range."
    );
    assert_eq!(err(&["--tcp", "h:x", "-c"]), "Invalid port 'x'");
    assert_eq!(err(&["--info", "0x1q", "/x"]), "Cannot parse info flags.");
    assert_eq!(err(&["-b", "q", "/x"]), "Could not get buffersize from q.");
    assert_eq!(err(&["/x"]), "No valid command.");
    let w = p(&["--foo", "-c", "--unix", "/x"]);
    assert_eq!(
        w.warnings,
        vec!["swtpm_ioctl: unrecognized option '--foo'".to_string()]
    );
    assert!(w.result.is_ok());
    let w = p(&["--s", "/x"]);
    assert_eq!(
        w.warnings,
        vec![
            "swtpm_ioctl: option '--s' is ambiguous; possibilities: '--stop' '--s' '--save'"
                .to_string()
        ]
        .into_iter()
        .filter(|_| false)
        .collect::<Vec<_>>(),
        "an exact name wins over prefixes"
    );
}

#[test]
fn numbers_as_c_parses_them() {
    assert_eq!(run(&["--info", "0x10", "/x"]).info_flags, 16);
    assert_eq!(run(&["--info", "010", "/x"]).info_flags, 8);
    assert_eq!(run(&["--info", "0", "/x"]).info_flags, 0);
    assert_eq!(run(&["-b", "4096", "/x"]).buffer_size, 4096);
    assert_eq!(
        run(&["-b", " 12abc", "/x"]).buffer_size,
        12,
        "sscanf stops at garbage"
    );
    assert_eq!(run(&["-l", "3", "/x"]).locality, 3);
}

#[test]
fn version_and_help_exit_at_once() {
    assert!(
        matches!(p(&["-c", "--version"]).result, Ok(Action::Print(t)) if t.starts_with("TPM emulator control tool version"))
    );
    assert!(
        matches!(p(&["--help"]).result, Ok(Action::Print(t)) if t.contains("--save <type> <file>"))
    );
}
