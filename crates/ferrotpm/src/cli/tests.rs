//! Parser tests: every option, bad values with swtpm's texts (checked against Debian swtpm
//! 0.7.1 where it has the option), and libvirt's exact command lines (libvirt-cmdlines.md).

use super::*;

fn args(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

fn run(s: &str) -> Options {
    match parse(&args(s), None, None) {
        Ok(Invocation::Run(o)) => *o,
        other => panic!("{s}: {other:?}"),
    }
}

fn err(s: &str) -> CliError {
    match parse(&args(s), None, None) {
        Err(e) => e,
        Ok(o) => panic!("{s}: accepted {o:?}"),
    }
}

#[test]
fn top_level() {
    assert_eq!(err("").message, "Missing TPM interface type.");
    let e = err("foo");
    assert_eq!(e.message, "Unsupported TPM interface type 'foo'.");
    assert!(e.general_usage);
    assert!(matches!(
        parse(&args("-v"), None, None),
        Ok(Invocation::Version)
    ));
    assert!(matches!(
        parse(&args("--version"), None, None),
        Ok(Invocation::Version)
    ));
    assert!(matches!(
        parse(&args("--help"), None, None),
        Ok(Invocation::GeneralHelp)
    ));
    assert!(matches!(
        parse(&args("socket -h"), None, None),
        Ok(Invocation::Help(Iface::Socket))
    ));
    assert!(matches!(
        parse(&args("chardev --he"), None, None),
        Ok(Invocation::Help(Iface::Chardev))
    ));
    assert!(version_text().starts_with("TPM emulator version 0."));
}

#[test]
fn getopt_errors_as_glibc() {
    let e = err("socket --version");
    assert_eq!(e.message, "socket: unrecognized option '--version'");
    assert_eq!(e.usage, Some(Iface::Socket));
    assert_eq!(
        err("socket --t").message,
        "socket: option '--t' is ambiguous; possibilities: '--terminate' '--tpmstate' '--tpm2'"
    );
    assert_eq!(
        err("socket --tpm2=1").message,
        "socket: option '--tpm2' doesn't allow an argument"
    );
    assert_eq!(
        err("socket --ctrl").message,
        "socket: option '--ctrl' requires an argument"
    );
    assert_eq!(
        err("socket -p").message,
        "socket: option requires an argument -- 'p'"
    );
    assert_eq!(err("socket -x").message, "socket: invalid option -- 'x'");
    assert_eq!(
        err("socket --tpm2 extra").message,
        "Unknown parameter 'extra'"
    );
    // chardev has no --port.
    assert_eq!(
        err("chardev --port 1").message,
        "chardev: unrecognized option '--port'"
    );
}

#[test]
fn prefixes_and_forms() {
    let o = run("socket --tpm2 --tpmst dir=/s --ctr type=unixio,path=/c --print-s");
    assert!(o.tpm2 && o.print_states);
    assert_eq!(o.tpmstate.unwrap().dir, PathBuf::from("/s"));
    let o = run("socket --tpm2 --tpmstate=dir=/s --ctrl=type=tcp,port=5");
    assert_eq!(o.tpmstate.unwrap().dir, PathBuf::from("/s"));
    assert_eq!(
        o.ctrl.unwrap().spec,
        CtrlSpec::Tcp {
            port: 5,
            bindaddr: "127.0.0.1".into()
        }
    );
    // Clustered short options and attached arguments.
    let o = run("socket --tpm2 -tp2321");
    assert!(o.terminate);
    assert_eq!(
        o.server.unwrap().data,
        DataSpec::Tcp {
            port: 2321,
            bindaddr: "127.0.0.1".into()
        }
    );
    // `--` ends options.
    assert_eq!(
        err("socket --tpm2 -- --x").message,
        "Unknown parameter '--x'"
    );
    // --print-capabilities, also abbreviated, with or without --tpm2.
    assert!(matches!(
        parse(&args("socket --print-cap"), None, None),
        Ok(Invocation::PrintCapabilities { tpm2: false })
    ));
    assert!(matches!(
        parse(
            &args("socket --tpm2 --print-capabilities --log file=/x"),
            None,
            None
        ),
        Ok(Invocation::PrintCapabilities { tpm2: true })
    ));
    assert_eq!(
        err("socket --print").message,
        "socket: option '--print' is ambiguous; possibilities: '--print-capabilities' '--print-states' '--print-profiles' '--print-info'"
    );
}

#[test]
fn server_variants() {
    let o = run("socket --tpm2 --server type=tcp,port=10,bindaddr=::1,disconnect");
    let s = o.server.unwrap();
    assert_eq!(
        s.data,
        DataSpec::Tcp {
            port: 10,
            bindaddr: "::1".into()
        }
    );
    assert!(s.disconnect);
    let o = run("socket --tpm2 -p 0x10");
    let s = o.server.unwrap();
    assert!(s.disconnect, "-p implies disconnect");
    assert_eq!(
        s.data,
        DataSpec::Tcp {
            port: 16,
            bindaddr: "127.0.0.1".into()
        }
    );
    let o = run("socket --tpm2 --server type=tcp,fd=7");
    assert_eq!(o.server.unwrap().data, DataSpec::ConnectedFd(7));
    assert!(o.terminate, "a connected fd implies terminate");
    let o = run("socket --tpm2 -f 9");
    assert_eq!(o.server.unwrap().data, DataSpec::ConnectedFd(9));
    assert!(o.terminate);
    let o = run("socket --tpm2 --server type=unixio,path=/d,mode=0600,uid=0,gid=0");
    assert_eq!(
        o.server.unwrap().data,
        DataSpec::UnixPath(UnixPathSpec {
            path: "/d".into(),
            mode: 0o600,
            uid: Some(0),
            gid: Some(0)
        })
    );
    let o = run("socket --tpm2 --server type=unixio,fd=4");
    assert_eq!(o.server.unwrap().data, DataSpec::UnixListenFd(4));
    // -p and --server write the same setting: the last wins.
    let o = run("socket --tpm2 -p 5 --server type=unixio,path=/d");
    assert!(matches!(o.server.unwrap().data, DataSpec::UnixPath(_)));
    // Default type is tcp; port from TPM_PORT.
    match parse(
        &args("socket --tpm2 --server bindaddr=127.0.0.2"),
        None,
        Some("77".into()),
    ) {
        Ok(Invocation::Run(o)) => assert_eq!(
            o.server.unwrap().data,
            DataSpec::Tcp {
                port: 77,
                bindaddr: "127.0.0.2".into()
            }
        ),
        other => panic!("{other:?}"),
    }
    assert!(
        err("socket --tpm2 --server type=tcp")
            .message
            .starts_with("TPM_PORT is not set")
    );
    assert_eq!(
        err("socket --tpm2 --server type=tcp,port=1,bogus").message,
        "Error parsing server options: Unknown option 'bogus'"
    );
    assert_eq!(
        err("socket --tpm2 --server type=tcp,port=x").message,
        "Error parsing server options: invalid number 'x'"
    );
    assert!(
        err("socket --tpm2 --server type=tcp,port=70000")
            .message
            .contains("out of range")
    );
    assert!(
        err("socket --tpm2 --server type=udp,port=1")
            .message
            .contains("'udp'")
    );
    assert!(
        err("socket --tpm2 --server type=tcp,port=1,ifname=eth0")
            .message
            .contains("ifname")
    );
    assert!(
        err("socket --tpm2 --server type=unixio")
            .message
            .contains("Missing path")
    );
    // `port=` with an empty value is unknown, as in swtpm.
    assert_eq!(
        err("socket --tpm2 --server type=tcp,port=").message,
        "Error parsing server options: Unknown option 'port='"
    );
}

#[test]
fn ctrl_variants() {
    let c = run("socket --tpm2 --ctrl type=unixio,path=/c,mode=0600")
        .ctrl
        .unwrap();
    assert_eq!(
        c.spec,
        CtrlSpec::UnixPath(UnixPathSpec {
            path: "/c".into(),
            mode: 0o600,
            uid: None,
            gid: None
        })
    );
    assert!(!c.terminate);
    let c = run("socket --tpm2 --ctrl type=unixio,clientfd=5,terminate")
        .ctrl
        .unwrap();
    assert_eq!(c.spec, CtrlSpec::UnixClientFd(5));
    assert!(c.terminate);
    assert_eq!(
        run("socket --tpm2 --ctrl type=unixio,fd=6")
            .ctrl
            .unwrap()
            .spec,
        CtrlSpec::UnixListenFd(6)
    );
    assert_eq!(
        run("socket --tpm2 --ctrl type=tcp,fd=6").ctrl.unwrap().spec,
        CtrlSpec::TcpListenFd(6)
    );
    assert_eq!(
        run("socket --tpm2 --ctrl type=tcp,port=2322,bindaddr=0.0.0.0")
            .ctrl
            .unwrap()
            .spec,
        CtrlSpec::Tcp {
            port: 2322,
            bindaddr: "0.0.0.0".into()
        }
    );
    assert_eq!(
        err("socket --tpm2 --ctrl type=unixio,path=/x,mode=999").message,
        "Error parsing ctrl options: invalid mode type '999'"
    );
    assert!(
        err("socket --tpm2 --ctrl type=unixio,fd=3,clientfd=4")
            .message
            .contains("mutually exclusive")
    );
    assert!(
        err("socket --tpm2 --ctrl path=/x")
            .message
            .contains("Missing type")
    );
    assert!(
        err("socket --tpm2 --ctrl type=tcp")
            .message
            .contains("Missing port")
    );
    assert!(
        err("socket --tpm2 --ctrl type=unixio,path=/x,uid=nosuchuser_zz")
            .message
            .contains("nosuchuser_zz")
    );
}

#[test]
fn tpmstate_variants() {
    let t = run("socket --tpm2 --tpmstate dir=/s,mode=0600")
        .tpmstate
        .unwrap();
    assert_eq!(
        t,
        TpmStateOptions {
            dir: "/s".into(),
            linear: false,
            mode: Some(0o600),
            lock: true,
            backup: false,
        }
    );
    let t = run("socket --tpm2 --tpmstate backend-uri=dir:///var/s,lock")
        .tpmstate
        .unwrap();
    assert_eq!(t.dir, PathBuf::from("/var/s"));
    assert!(t.lock);
    assert!(
        !run("socket --tpm2 --tpmstate dir=/s,lock=false")
            .tpmstate
            .unwrap()
            .lock
    );
    // file://: the linear backend; not locked unless asked (swtpm 0.10); no backup.
    let t = run("socket --tpm2 --tpmstate backend-uri=file:///x")
        .tpmstate
        .unwrap();
    assert!(t.linear && !t.lock && t.dir == std::path::Path::new("/x"));
    assert!(
        run("socket --tpm2 --tpmstate backend-uri=file:///x,lock")
            .tpmstate
            .unwrap()
            .lock
    );
    assert!(
        err("socket --tpm2 --tpmstate backend-uri=file:///x,backup")
            .message
            .contains("backup option is not supported")
    );
    assert!(
        err("socket --tpm2 --tpmstate backend-uri=file:///x,fsync")
            .message
            .contains("fsync option is not supported")
    );
    assert!(
        err("socket --tpm2 --tpmstate backend-uri=nfs://x")
            .message
            .contains("Unsupported backend URI")
    );
    assert_eq!(
        err("socket --tpm2 --tpmstate dir=/tmp,bogus").message,
        "Error parsing tpmstate options: Unknown option 'bogus'"
    );
    assert!(
        err("socket --tpm2 --tpmstate mode=0600")
            .message
            .contains("Missing dir")
    );
    // swtpm master: `backup` keeps permall.bak; `fsync` is accepted (we always fsync).
    let t = run("socket --tpm2 --tpmstate dir=/s,backup,fsync")
        .tpmstate
        .unwrap();
    assert!(t.backup && t.lock);
    assert!(
        !run("socket --tpm2 --tpmstate dir=/s,fsync=false")
            .tpmstate
            .unwrap()
            .backup
    );
    // First occurrence of a sub-option wins.
    assert_eq!(
        run("socket --tpm2 --tpmstate dir=/a,dir=/b")
            .tpmstate
            .unwrap()
            .dir,
        PathBuf::from("/a")
    );
    // Last --tpmstate wins.
    assert_eq!(
        run("socket --tpm2 --tpmstate dir=/a --tpmstate dir=/b")
            .tpmstate
            .unwrap()
            .dir,
        PathBuf::from("/b")
    );
    // TPM_PATH stands in.
    match parse(&args("socket --tpm2"), Some("/env".into()), None) {
        Ok(Invocation::Run(o)) => assert_eq!(o.tpmstate.unwrap().dir, PathBuf::from("/env")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn log_pid_locality_flags() {
    let l = run("socket --tpm2 --log file=/l,level=20,prefix=X,truncate")
        .log
        .unwrap();
    assert_eq!(
        l,
        LogOptions {
            file: Some("/l".into()),
            fd: None,
            level: 20,
            prefix: "X".into(),
            truncate: true
        }
    );
    assert_eq!(run("socket --tpm2 --log fd=4").log.unwrap().level, 1);
    assert_eq!(
        err("socket --log level=x --tpm2").message,
        "Error parsing logging options: invalid number 'x'"
    );
    assert_eq!(
        run("socket --tpm2 --pid file=/p").pid,
        Some(PidOptions::File("/p".into()))
    );
    assert_eq!(run("socket --tpm2 --pid fd=8").pid, Some(PidOptions::Fd(8)));
    assert_eq!(
        err("socket --tpm2 --pid file=/p,bogus").message,
        "Error parsing pid options: Unknown option 'bogus'"
    );
    let l = run("socket --tpm2 --locality reject-locality-4,allow-set-locality").locality;
    assert!(l.reject_locality_4 && l.allow_set_locality);
    assert_eq!(
        err("socket --locality bogus").message,
        "Error parsing locality options: Unknown option 'bogus'"
    );
    let f = run("socket --tpm2 --flags not-need-init,startup-clear").flags;
    assert_eq!(
        f,
        Flags {
            not_need_init: true,
            startup: Some(StartupType::Clear),
            disable_auto_shutdown: false
        }
    );
    let f = run("socket --tpm2 --flags startup-state,disable-auto-shutdown").flags;
    assert!(f.not_need_init, "startup-* implies not-need-init");
    assert_eq!(f.startup, Some(StartupType::State));
    assert!(f.disable_auto_shutdown);
    assert_eq!(
        run("socket --tpm2 --flags startup-none").flags.startup,
        Some(StartupType::None)
    );
    assert!(
        err("socket --tpm2 --flags startup-deactivated")
            .message
            .contains("startup-deactivated")
    );
    assert_eq!(
        err("socket --flags bogus --tpm2").message,
        "Error parsing flags options: Unknown option 'bogus'"
    );
}

#[test]
fn keys_validated_at_parse_time() {
    let o = run(
        "socket --tpm2 --key pwdfd=31,mode=aes-256-cbc --migration-key pwdfd=34,mode=aes-256-cbc",
    );
    assert_eq!(o.key.as_deref(), Some("pwdfd=31,mode=aes-256-cbc"));
    assert_eq!(
        o.migration_key.as_deref(),
        Some("pwdfd=34,mode=aes-256-cbc")
    );
    assert!(
        err("socket --tpm2 --key mode=aes-256-cbc")
            .message
            .contains("required")
    );
    assert!(
        err("socket --tpm2 --key file=/k,mode=des")
            .message
            .contains("des")
    );
    assert!(
        err("socket --tpm2 --migration-key file=/k,bogus")
            .message
            .contains("bogus")
    );
}

#[test]
fn refused_options_are_named() {
    for (cmd, name) in [
        ("socket --tpm2 --profile name=null", "--profile"),
        ("socket --tpm2 --print-profiles", "--print-profiles"),
        ("socket --tpm2 --print-info 0x20", "--print-info"),
        ("socket --tpm2 --pcap file=/x", "--pcap"),
        ("chardev --tpm2 --vtpm-proxy", "--vtpm-proxy"),
    ] {
        let e = err(cmd);
        assert!(
            e.message.contains(&format!("'{name}'")),
            "{cmd}: {}",
            e.message
        );
        assert!(e.message.contains("not supported by this build"), "{cmd}");
    }
}

#[test]
fn chardev() {
    let o = run("chardev --tpm2 -c /dev/x --tpmstate dir=/s");
    assert_eq!(
        o.server.unwrap().data,
        DataSpec::CharDevPath("/dev/x".into())
    );
    assert!(o.terminate);
    let o = run("chardev --tpm2 --fd 5");
    assert_eq!(o.server.unwrap().data, DataSpec::ConnectedFd(5));
    assert!(
        err("chardev --tpm2")
            .message
            .contains("Missing character device")
    );
}

#[test]
fn libvirt_command_lines() {
    // libvirt-cmdlines.md §3: TPM 2.0, plain and encrypted.
    let o = run(
        "socket --ctrl type=unixio,path=/run/libvirt/qemu/swtpm/1-vm-swtpm.sock,mode=0600 \
         --tpmstate dir=/var/lib/libvirt/swtpm/u/tpm2,mode=0600 \
         --log file=/var/log/swtpm/libvirt/qemu/vm-swtpm.log --terminate --tpm2",
    );
    assert!(o.tpm2 && o.terminate && o.server.is_none());
    assert!(matches!(o.ctrl.unwrap().spec, CtrlSpec::UnixPath(ref u) if u.mode == 0o600));
    assert_eq!(o.tpmstate.unwrap().mode, Some(0o600));
    let o = run(
        "socket --ctrl type=unixio,path=/run/s.sock,mode=0600 --tpmstate dir=/var/s,mode=0600 \
         --log file=/var/log/l --terminate --tpm2 --key pwdfd=31,mode=aes-256-cbc \
         --migration-key pwdfd=34,mode=aes-256-cbc",
    );
    assert!(o.key.is_some() && o.migration_key.is_some());
    // libvirt 11: ,lock and a log level.
    let o = run(
        "socket --ctrl type=unixio,path=/s,mode=0600 --tpmstate dir=/d,mode=0600,lock --log file=/l,level=20 --terminate --tpm2",
    );
    assert!(o.tpmstate.unwrap().lock);
    // TPM 1.2 line parses (the daemon refuses it at start-up).
    assert!(!run("socket --ctrl type=unixio,path=/s,mode=0600 --tpmstate dir=/d,mode=0600 --log file=/l --terminate").tpm2);
    // swtpm_setup 0.7.1's lines.
    assert!(matches!(
        parse(
            &args("socket --print-capabilities --log file=/l"),
            None,
            None
        ),
        Ok(Invocation::PrintCapabilities { tpm2: false })
    ));
    assert!(
        run("socket --print-states --tpmstate backend-uri=dir:///var/s --tpm2 --log file=/l")
            .print_states
    );
    let o = run(
        "socket --flags not-need-init,startup-clear --tpmstate backend-uri=dir:///var/s \
         --pid file=/tmp/.swtpm_setup.pidfile.X --tpm2 --key pwdfd=31,mode=aes-256-cbc \
         --log file=/l --server type=tcp,fd=7 --ctrl type=unixio,clientfd=5",
    );
    assert_eq!(o.server.unwrap().data, DataSpec::ConnectedFd(7));
    assert_eq!(o.ctrl.unwrap().spec, CtrlSpec::UnixClientFd(5));
    assert_eq!(o.flags.startup, Some(StartupType::Clear));
    // Old libvirt (--daemon, swtpm writes the pid file).
    let o = run(
        "socket --daemon --ctrl type=unixio,path=/s,mode=0600 --tpmstate dir=/d,mode=0600 --log file=/l --tpm2 --pid file=/p",
    );
    assert!(o.daemon);
    assert_eq!(o.pid, Some(PidOptions::File("/p".into())));
}

#[test]
fn capabilities_list_only_honoured_features() {
    let c = capabilities_json(true);
    assert!(c.ends_with(" }\n"));
    for f in [
        "\"tpm-2.0\"",
        "\"cmdarg-pwd-fd\"",
        "\"cmdarg-print-states\"",
        "\"cmdarg-migration\"",
        "\"tpmstate-dir-backend-opt-backup\"",
        "\"tpmstate-dir-backend-opt-fsync\"",
        "\"nvram-backend-dir\"",
        "\"nvram-backend-file\"",
        "\"rsa-keysize-2048\"",
        "\"cmdarg-seccomp\"",
        "\"cmdarg-chroot\"",
    ] {
        assert!(c.contains(f), "{f}");
    }
    for f in ["tpm-1.2", "cmdarg-print-info", "rsa-keysize-4096"] {
        assert!(!c.contains(f), "{f}");
    }
    assert!(!capabilities_json(false).contains("rsa-keysize"));
}

#[test]
fn json_braces_in_values() {
    let o = subopts::SubOpts::parse("a={\"x\":1,\"y\":2},b=3", &[("a", Ty::Str), ("b", Ty::Int)])
        .unwrap();
    assert_eq!(o.str("a"), Some("{\"x\":1,\"y\":2}"));
    assert_eq!(o.int("b"), Some(3));
}

#[test]
fn migration_options() {
    use super::MigrationOptions;
    assert_eq!(run("socket --tpm2").migration, MigrationOptions::default());
    assert_eq!(
        run("socket --tpm2 --migration incoming").migration,
        MigrationOptions {
            incoming: true,
            release_lock_outgoing: false
        }
    );
    assert_eq!(
        run("socket --tpm2 --migration release-lock-outgoing,incoming=false").migration,
        MigrationOptions {
            incoming: false,
            release_lock_outgoing: true
        }
    );
    assert_eq!(
        err("socket --tpm2 --migration bogus").message,
        "Error parsing migration options: Unknown option 'bogus'"
    );
}

#[test]
fn privilege_and_seccomp_options() {
    let o = run("socket --tpm2 -d -r tss -R /srv/root --ctrl type=tcp,port=2322");
    assert!(o.daemon);
    assert_eq!(o.runas.as_deref(), Some("tss"));
    assert_eq!(o.chroot, Some(PathBuf::from("/srv/root")));
    // swtpm handle_seccomp_options: kill unless told otherwise.
    assert_eq!(o.seccomp, SeccompAction::Kill);
    for (v, a) in [
        ("action=none", SeccompAction::None),
        ("action=log", SeccompAction::Log),
        ("action=kill", SeccompAction::Kill),
        ("action=none,action=kill", SeccompAction::None),
    ] {
        let o = run(&format!(
            "socket --tpm2 --seccomp {v} --ctrl type=tcp,port=2322"
        ));
        assert_eq!(o.seccomp, a, "{v}");
    }
    assert_eq!(
        err("socket --tpm2 --seccomp action=foo --ctrl type=tcp,port=2322").message,
        "Unsupported seccomp log action foo"
    );
    assert!(
        err("socket --tpm2 --seccomp foo=1 --ctrl type=tcp,port=2322")
            .message
            .starts_with("Error parsing seccomp options: ")
    );
}
