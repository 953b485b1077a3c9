//! The `--key` and `--migration-key` option values and the state-file key they produce
//! (swtpm-interface §2.7; swtpm `src/swtpm/common.c` `parse_key_options`, `src/swtpm/key.c`).
//!
//! Split in three so that everything but the OS reads is pure and testable:
//! 1. [`KeyOptions::parse`]: the option string (`file=P|fd=N|pwdfile=P|pwdfd=N`, `format=`,
//!    `mode=`, `kdf=`, `remove=`), with swtpm's defaults and option-parser rules.
//! 2. [`KeyOptions::key_from_material`]: the bytes read from the file or fd → [`StateKey`].
//! 3. [`read_material`]: the one function that reads a file or an already-adopted fd, the way
//!    swtpm reads it, and removes the file if `remove=true`.

use std::io::Read;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha512};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::{Error, Result, io_err};

/// PBKDF2 salt swtpm uses for passphrases (`key.c` `key_from_pwdfile_fd`).
pub const PBKDF2_SALT: &[u8] = b"swtpm";
/// PBKDF2 iteration count swtpm uses.
pub const PBKDF2_ITERATIONS: u32 = 1000;
/// A passphrase of at most this many bytes gets swtpm's warning
/// "Warning: Passphrase is only N bytes long" (the caller logs it; it is not an error).
pub const SHORT_PASSPHRASE: usize = 6;
/// swtpm reads a key file or fd with one read of at most this many bytes
/// (`key_load_key_fd`: `2 + 256/4 + 1 + 1` minus the terminating NUL).
pub const KEY_READ_MAX: usize = 67;

/// `mode=`: the cipher, which fixes the key length a passphrase is stretched to and the
/// maximum key length a key file may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyMode {
    /// `aes-cbc` or `aes-128-cbc` (the default): 16-byte key.
    Aes128Cbc,
    /// `aes-256-cbc`: 32-byte key.
    Aes256Cbc,
}

impl KeyMode {
    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            KeyMode::Aes128Cbc => 16,
            KeyMode::Aes256Cbc => 32,
        }
    }
}

/// `format=` of a key file or fd.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyFormat {
    /// `hex` (the default): optional `0x`, then 32 or 64 hex digits, then NUL, whitespace or end.
    Hex,
    /// `binary`: the raw key bytes.
    Binary,
}

/// `kdf=` for passphrases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kdf {
    /// `pbkdf2` (the default): PBKDF2-HMAC-SHA512, salt `swtpm`, 1000 iterations.
    Pbkdf2,
    /// `sha512`: the first 16/32 bytes of SHA-512(passphrase).
    Sha512,
}

/// Where the key or passphrase bytes come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// `file=` / `pwdfile=`: a path.
    File(PathBuf),
    /// `fd=` / `pwdfd=`: a file descriptor number inherited by the process. The daemon adopts
    /// it as an [`OwnedFd`] and hands it to [`read_material`], which closes it (as swtpm does).
    Fd(i32),
}

/// What the material is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// A key in the given format (`file=` / `fd=`).
    Key(KeyFormat),
    /// A passphrase stretched by the given KDF (`pwdfile=` / `pwdfd=`).
    Passphrase(Kdf),
}

/// A parsed `--key` / `--migration-key` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyOptions {
    /// Where the material is read from (swtpm's precedence: file, fd, pwdfile, pwdfd).
    pub source: KeySource,
    /// Key or passphrase, and how to turn it into a key.
    pub kind: KeyKind,
    /// The cipher / key length.
    pub mode: KeyMode,
    /// `remove=true`: unlink the key or passphrase *file* after reading it.
    pub remove: bool,
    /// Every fd number named (`fd=` and `pwdfd=`, even an unused one): swtpm closes them all
    /// after reading, so the daemon should too.
    pub named_fds: Vec<i32>,
}

/// One `name=value` (or bare `name`) of swtpm's option syntax, first occurrence wins.
#[derive(Debug)]
struct OptValues<'a> {
    items: Vec<(&'static str, &'a str)>,
}

const KEY_OPTS: [&str; 8] = [
    "file", "mode", "format", "remove", "pwdfile", "kdf", "fd", "pwdfd",
];

impl<'a> OptValues<'a> {
    /// swtpm `options.c` `options_parse`: comma-separated tokens; `name=value` needs a non-empty
    /// value; a bare `name` means `name=true`; anything else is "Unknown option '…'".
    fn parse(s: &'a str) -> Result<Self> {
        let mut items = Vec::new();
        for tok in s.split(',') {
            let found = KEY_OPTS.iter().find_map(|&name| {
                if tok == name {
                    Some((name, "true"))
                } else {
                    tok.strip_prefix(name)
                        .and_then(|rest| rest.strip_prefix('='))
                        .filter(|v| !v.is_empty())
                        .map(|v| (name, v))
                }
            });
            match found {
                Some(item) => items.push(item),
                None => return Err(Error::KeyOption(format!("Unknown option '{tok}'"))),
            }
        }
        Ok(OptValues { items })
    }

    fn get(&self, name: &str) -> Option<&'a str> {
        self.items.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    /// swtpm's `OPT_TYPE_INT`: strtol base 10, the whole value, within `int`. Every value is
    /// validated at parse time, even one that is later ignored.
    fn int(name: &str, v: &str) -> Result<i32> {
        let t = v.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
        let t = t.strip_prefix('+').unwrap_or(t);
        t.parse::<i32>()
            .map_err(|_| Error::KeyOption(format!("invalid number '{v}' for {name}")))
    }

    /// swtpm's `OPT_TYPE_BOOLEAN`: `true` or `1` (any case) is true, anything else false.
    fn boolean(v: &str) -> bool {
        v.eq_ignore_ascii_case("true") || v == "1"
    }
}

impl KeyOptions {
    /// Parse a `--key` or `--migration-key` value as swtpm 0.7-0.11 does.
    ///
    /// libtpms parity (deliberate): `format=` is validated even for passphrases; `kdf=` only
    /// for passphrases; a negative `fd=`/`pwdfd=` counts as absent.
    ///
    /// # Errors
    /// [`Error::KeyOption`] with swtpm's message for an unknown sub-option, a bad number, no
    /// source, an unknown format, mode or kdf.
    pub fn parse(value: &str) -> Result<KeyOptions> {
        let ovs = OptValues::parse(value)?;
        let fd_of = |name: &str| -> Result<Option<i32>> {
            ovs.get(name)
                .map(|v| OptValues::int(name, v))
                .transpose()
                .map(|o| o.filter(|fd| *fd >= 0))
        };
        // Every INT sub-option is validated by swtpm's parser even when unused.
        let fd = fd_of("fd")?;
        let pwdfd = fd_of("pwdfd")?;
        let file = ovs.get("file").map(PathBuf::from);
        let pwdfile = ovs.get("pwdfile").map(PathBuf::from);

        if file.is_none() && fd.is_none() && pwdfile.is_none() && pwdfd.is_none() {
            return Err(Error::KeyOption(
                "Either file=, fd=, pwdfile=, or pwdfd= is required for key option".into(),
            ));
        }
        let format = match ovs.get("format").unwrap_or("hex") {
            "hex" => KeyFormat::Hex,
            "binary" => KeyFormat::Binary,
            other => return Err(Error::KeyOption(format!("Unknown key format '{other}'."))),
        };
        let mode = match ovs.get("mode").unwrap_or("aes-128-cbc") {
            "aes-cbc" | "aes-128-cbc" => KeyMode::Aes128Cbc,
            "aes-256-cbc" => KeyMode::Aes256Cbc,
            other => {
                return Err(Error::KeyOption(format!(
                    "Unknown encryption mode '{other}'."
                )));
            }
        };
        let (source, kind) = if let Some(p) = file {
            (KeySource::File(p), KeyKind::Key(format))
        } else if let Some(n) = fd {
            (KeySource::Fd(n), KeyKind::Key(format))
        } else {
            let kdf = match ovs.get("kdf").unwrap_or("pbkdf2") {
                "pbkdf2" => Kdf::Pbkdf2,
                "sha512" => Kdf::Sha512,
                other => return Err(Error::KeyOption(format!("Unknown kdf '{other}'."))),
            };
            let source = match (pwdfile, pwdfd) {
                (Some(p), _) => KeySource::File(p),
                (None, Some(n)) => KeySource::Fd(n),
                // Unreachable by the check above; keep it an error, not a panic.
                (None, None) => return Err(Error::KeyOption("no key source".into())),
            };
            (source, KeyKind::Passphrase(kdf))
        };
        Ok(KeyOptions {
            source,
            kind,
            mode,
            remove: ovs.get("remove").is_some_and(OptValues::boolean),
            named_fds: [fd, pwdfd].into_iter().flatten().collect(),
        })
    }

    /// Turn the bytes read from the source into the key, as swtpm does (pure).
    ///
    /// - key, `format=binary`: at most the mode's key length, and 16 or 32 bytes; the length
    ///   decides the cipher (a 16-byte key with `aes-256-cbc` is AES-128, as in swtpm).
    /// - key, `format=hex`: see [`parse_hex_key`]; exactly the mode's key length.
    /// - passphrase: all bytes, a trailing newline included; PBKDF2 or SHA-512 to the mode's
    ///   key length.
    ///
    /// # Errors
    /// [`Error::KeyMaterial`] for a malformed or wrong-sized key.
    pub fn key_from_material(&self, material: &[u8]) -> Result<StateKey> {
        let len = self.mode.key_len();
        match self.kind {
            KeyKind::Key(KeyFormat::Binary) => {
                if material.len() > len {
                    return Err(Error::KeyMaterial(format!(
                        "Key is larger than buffer ({} > {len}).",
                        material.len()
                    )));
                }
                StateKey::from_bytes(material)
            }
            KeyKind::Key(KeyFormat::Hex) => parse_hex_key(material, len),
            KeyKind::Passphrase(kdf) => Ok(derive_from_passphrase(material, kdf, self.mode)),
        }
    }
}

/// `format=hex` as swtpm's `key_parse_as_hexkey`: the text ends at the first NUL; an optional
/// lowercase `0x`; then hex digit pairs up to `max_len` bytes; the next character must be
/// whitespace, NUL or the end (whatever follows a whitespace is ignored); 32 or 64 digits; and
/// not fewer than `max_len` bytes.
///
/// Stricter than swtpm's `sscanf("%2hhx")`, deliberately: a sign or whitespace inside a digit
/// pair is rejected here (glibc would accept `+a` as `0a`).
///
/// # Errors
/// [`Error::KeyMaterial`] with swtpm's texts.
pub fn parse_hex_key(material: &[u8], max_len: usize) -> Result<StateKey> {
    let text = material.split(|b| *b == 0).next().unwrap_or(&[]);
    let text = text.strip_prefix(b"0x").unwrap_or(text);
    let cant = || {
        Error::KeyMaterial(format!(
            "Could not parse key hex string into {max_len} byte buffer."
        ))
    };
    let mut key = Zeroizing::new(Vec::with_capacity(max_len));
    let mut rest = text;
    while key.len() < max_len {
        match rest {
            [h, l, tail @ ..] if !h.is_ascii_whitespace() => {
                let byte = (hex_val(*h).ok_or_else(cant)? << 4) | hex_val(*l).ok_or_else(cant)?;
                key.push(byte);
                rest = tail;
            }
            // A lone digit is "n != 2" in swtpm; whitespace or end stops the digits.
            [h] if !h.is_ascii_whitespace() => return Err(cant()),
            _ => break,
        }
    }
    if rest.first().is_some_and(|c| !c.is_ascii_whitespace()) || key.is_empty() {
        return Err(cant());
    }
    let digits = key.len() * 2;
    if digits != 32 && digits != 64 {
        return Err(Error::KeyMaterial(format!(
            "Unsupported key length with {digits} digits."
        )));
    }
    if key.len() < max_len {
        return Err(Error::KeyMaterial(format!(
            "The provided key is too short. Got {} bytes, need {max_len}.",
            key.len()
        )));
    }
    StateKey::from_bytes(&key)
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Stretch a passphrase to the mode's key length as swtpm does (`key_from_pwdfile_fd`).
pub fn derive_from_passphrase(passphrase: &[u8], kdf: Kdf, mode: KeyMode) -> StateKey {
    let mut out = Zeroizing::new([0u8; 64]);
    let len = mode.key_len();
    match kdf {
        Kdf::Pbkdf2 => {
            if let Some(dst) = out.get_mut(..len) {
                pbkdf2::pbkdf2_hmac::<Sha512>(passphrase, PBKDF2_SALT, PBKDF2_ITERATIONS, dst);
            }
        }
        Kdf::Sha512 => {
            let mut h = Sha512::digest(passphrase);
            out.copy_from_slice(&h);
            h.as_mut_slice().zeroize();
        }
    }
    match mode {
        KeyMode::Aes128Cbc => {
            let mut k = [0u8; 16];
            k.copy_from_slice(out.get(..16).unwrap_or(&[0; 16]));
            StateKey::Aes128(k)
        }
        KeyMode::Aes256Cbc => {
            let mut k = [0u8; 32];
            k.copy_from_slice(out.get(..32).unwrap_or(&[0; 32]));
            StateKey::Aes256(k)
        }
    }
}

/// An AES key for the state files or migration blobs. Wiped on drop, never `Copy`, `Debug`
/// shows only its size.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub enum StateKey {
    /// AES-128 (header flag 0x08/0x10 clear).
    Aes128([u8; 16]),
    /// AES-256 (header flag 0x08/0x10 set).
    Aes256([u8; 32]),
}

impl std::fmt::Debug for StateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StateKey(AES-{}, <redacted>)", self.bits())
    }
}

impl StateKey {
    /// A key of 16 or 32 bytes (swtpm `SWTPM_NVRAM_KeyParamCheck`).
    ///
    /// # Errors
    /// [`Error::KeyMaterial`] for any other length.
    pub fn from_bytes(bytes: &[u8]) -> Result<StateKey> {
        if let Ok(k) = <[u8; 16]>::try_from(bytes) {
            Ok(StateKey::Aes128(k))
        } else if let Ok(k) = <[u8; 32]>::try_from(bytes) {
            Ok(StateKey::Aes256(k))
        } else {
            Err(Error::KeyMaterial(format!(
                "key length {} is neither 16 nor 32 bytes",
                bytes.len()
            )))
        }
    }

    /// The raw key bytes (handle with care: this is the secret).
    pub fn expose_bytes(&self) -> &[u8] {
        match self {
            StateKey::Aes128(k) => k,
            StateKey::Aes256(k) => k,
        }
    }

    /// Key length in bytes (16 or 32); also the IV-TLV length and the padding unit.
    pub fn len(&self) -> usize {
        self.expose_bytes().len()
    }

    /// Never true; present for API symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Key size in bits.
    pub fn bits(&self) -> u16 {
        match self {
            StateKey::Aes128(_) => 128,
            StateKey::Aes256(_) => 256,
        }
    }

    /// True for AES-256 (sets header flag 0x08 or 0x10).
    pub fn is_256(&self) -> bool {
        matches!(self, StateKey::Aes256(_))
    }
}

/// Read the key or passphrase bytes the way swtpm does, then apply `remove=`.
///
/// `fd` must be the adopted descriptor when `opts.source` is [`KeySource::Fd`] (it is read and
/// closed); it is ignored (and closed) for a file source. A key is one read of at most
/// [`KEY_READ_MAX`] bytes; a passphrase is read in 1024-byte reads until a short read.
/// Key files are opened following symlinks, as swtpm opens them.
///
/// # Errors
/// [`Error::Io`] if the file cannot be opened or read, or an fd source came without an fd.
pub fn read_material(opts: &KeyOptions, fd: Option<OwnedFd>) -> Result<Zeroizing<Vec<u8>>> {
    let material = match &opts.source {
        KeySource::File(path) => {
            drop(fd);
            let mut f = std::fs::File::open(path)
                .map_err(io_err(format!("Unable to open file {}", path.display())))?;
            read_by_kind(&mut f, opts.kind, path)?
        }
        KeySource::Fd(n) => {
            let Some(fd) = fd else {
                return Err(Error::Io {
                    context: format!("key fd {n}"),
                    source: std::io::Error::from(std::io::ErrorKind::NotFound),
                });
            };
            let mut f = std::fs::File::from(fd);
            read_by_kind(&mut f, opts.kind, Path::new("fd"))?
        }
    };
    if opts.remove {
        if let KeySource::File(path) = &opts.source {
            // swtpm ignores unlink errors here.
            let _ = std::fs::remove_file(path);
        }
    }
    Ok(material)
}

fn read_by_kind(f: &mut impl Read, kind: KeyKind, what: &Path) -> Result<Zeroizing<Vec<u8>>> {
    let ctx = || format!("Unable to read key from {}", what.display());
    match kind {
        KeyKind::Key(_) => {
            let mut buf = Zeroizing::new(vec![0u8; KEY_READ_MAX]);
            let n = read_eintr(f, &mut buf).map_err(io_err(ctx()))?;
            buf.truncate(n);
            Ok(buf)
        }
        KeyKind::Passphrase(_) => {
            let mut out = Zeroizing::new(Vec::new());
            let mut chunk = Zeroizing::new([0u8; 1024]);
            loop {
                let n = read_eintr(f, chunk.as_mut_slice()).map_err(io_err(ctx()))?;
                out.extend_from_slice(chunk.get(..n).unwrap_or(&[]));
                if n < chunk.len() {
                    return Ok(out);
                }
            }
        }
    }
}

fn read_eintr(f: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match f.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Parse, read and derive in one go: what the daemon calls for `--key` / `--migration-key`.
///
/// # Errors
/// As [`KeyOptions::parse`], [`read_material`] and [`KeyOptions::key_from_material`].
pub fn load_key(value: &str, fd: Option<OwnedFd>) -> Result<StateKey> {
    let opts = KeyOptions::parse(value)?;
    let material = read_material(&opts, fd)?;
    opts.key_from_material(&material)
}

#[cfg(test)]
mod tests;
