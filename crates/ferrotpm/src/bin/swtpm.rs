//! `swtpm`: ferrotpm's drop-in for swtpm(8) (`swtpm socket|chardev [options]`).

use std::io::Write;
use std::process::ExitCode;

use ferrotpm::cli::{self, Invocation};
use ferrotpm::daemon::{self, Daemon};
use ferrotpm::sys;

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("swtpm: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = cli::parse(
        &args,
        std::env::var("TPM_PATH").ok(),
        std::env::var("TPM_PORT").ok(),
    );
    let inv = match parsed {
        Ok(i) => i,
        Err(e) => {
            // getopt errors carry their own prefix; swtpm's own errors get "swtpm: ".
            if e.usage.is_some() || e.general_usage {
                eprintln!("{}", e.message);
            } else {
                eprintln!("swtpm: {}", e.message);
            }
            if let Some(iface) = e.usage {
                eprint!("{}", cli::iface_usage(iface));
            }
            if e.general_usage {
                eprint!("{}", cli::general_usage());
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    let mut out = std::io::stdout().lock();
    match inv {
        Invocation::GeneralHelp => {
            out.write_all(cli::general_usage().as_bytes())?;
        }
        Invocation::Version => out.write_all(cli::version_text().as_bytes())?,
        Invocation::Help(iface) => out.write_all(cli::iface_usage(iface).as_bytes())?,
        Invocation::PrintCapabilities { tpm2 } => {
            out.write_all(cli::capabilities_json(tpm2).as_bytes())?;
        }
        Invocation::Run(opts) => {
            drop(out);
            // swtpm(8) start-up order (swtpm-interface §2.10): -d forks while options are
            // read (the process is single-threaded here), then chroot, then runas, and only
            // then are logs, sockets and state files opened.
            let ready = if opts.daemon {
                Some(sys::process::daemonize_prep()?)
            } else {
                None
            };
            if let Some(dir) = &opts.chroot {
                sys::process::chroot(dir)?;
            }
            if let Some(user) = &opts.runas {
                sys::process::change_process_owner(user)?;
            }
            let mut out = std::io::stdout().lock();
            if opts.print_states {
                out.write_all(daemon::print_states(&opts)?.as_bytes())?;
                out.flush()?;
                return Ok(ExitCode::SUCCESS);
            }
            drop(out);
            let mut d = Daemon::start(&opts)?;
            d.arm(opts.seccomp)?;
            if let Some(r) = ready {
                // The sockets exist and the pid file holds our pid: release the parent.
                r.finish();
            }
            return Ok(match d.run() {
                0 => ExitCode::SUCCESS,
                _ => ExitCode::FAILURE,
            });
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
