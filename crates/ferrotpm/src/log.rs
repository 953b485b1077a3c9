//! swtpm-style logging (swtpm(8) `--log`): with a log file or fd every line goes there, with
//! the prefix; a line is written only if its indentation (leading spaces) is below the level.
//! Without `--log`, errors go to stderr prefixed `swtpm: ` (swtpm `logprintf`).

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

use crate::cli::LogOptions;
use crate::error::{Error, io_err};
use crate::sys::FdAdopter;

/// Where log lines go.
#[derive(Debug, Default)]
pub struct Logger {
    sink: Option<File>,
    level: u32,
    prefix: String,
}

impl Logger {
    /// Every line discarded (fuzzing: hostile inputs make the handler log errors).
    pub fn discard() -> Logger {
        Logger {
            sink: std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/null")
                .ok(),
            level: 0,
            prefix: String::new(),
        }
    }

    /// Errors to stderr only (no `--log`, or `file=-`).
    pub fn stderr() -> Logger {
        Logger::default()
    }

    /// Open the `--log` target: `file=` appended (created 0600, no symlink following,
    /// truncated with `truncate`), or `fd=`.
    ///
    /// # Errors
    /// The file cannot be opened, or the fd is not usable.
    pub fn open(o: &LogOptions, fds: &mut FdAdopter) -> Result<Logger, Error> {
        let sink = match (&o.file, o.fd) {
            (Some(p), _) if p.as_os_str() == "-" => None,
            (Some(p), _) => {
                let mut oo = std::fs::OpenOptions::new();
                oo.create(true).mode(0o600);
                oo.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
                if o.truncate {
                    oo.write(true).truncate(true);
                } else {
                    oo.append(true);
                }
                Some(
                    oo.open(p)
                        .map_err(io_err(format!("Could not open logfile {}", p.display())))?,
                )
            }
            (None, Some(fd)) => Some(File::from(fds.adopt(fd, "--log fd=")?)),
            (None, None) => None,
        };
        Ok(Logger {
            sink,
            level: o.level,
            prefix: o.prefix.clone(),
        })
    }

    /// True when a log target is configured.
    pub fn has_sink(&self) -> bool {
        self.sink.is_some()
    }

    /// An error: to the log, else to stderr with `swtpm: `.
    pub fn error(&mut self, msg: &str) {
        match self.sink.as_mut() {
            Some(f) => {
                let _ = writeln!(f, "{}{msg}", self.prefix);
            }
            None => eprintln!("swtpm: {msg}"),
        }
    }

    /// swtpm `logprintf(STDOUT_FILENO, ...)`: to the log, else to stdout.
    pub fn stdout(&mut self, msg: &str) {
        match self.sink.as_mut() {
            Some(f) => {
                let _ = writeln!(f, "{}{msg}", self.prefix);
            }
            None => println!("{msg}"),
        }
    }

    /// An informational line; `msg`'s leading spaces are its indentation.
    pub fn info(&mut self, msg: &str) {
        let indent = msg.len() - msg.trim_start_matches(' ').len();
        if let Some(f) = self.sink.as_mut() {
            if u32::try_from(indent).unwrap_or(u32::MAX) < self.level {
                let _ = writeln!(f, "{}{msg}", self.prefix);
            }
        }
    }
}
