//! `swtpm_ioctl`: ferrotpm's drop-in for swtpm's control-channel client (see
//! [`ferrotpm::ioctl`]).

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut argv = std::env::args();
    let prog = argv.next().unwrap_or_else(|| "swtpm_ioctl".to_string());
    let args: Vec<String> = argv.collect();
    let (out, err, code) = ferrotpm::ioctl::main_with(&prog, &args, &mut std::io::stdin().lock());
    let _ = std::io::stderr().write_all(err.as_bytes());
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
    ExitCode::from(code)
}
