//! The linear file backend (`--tpmstate backend-uri=file://PATH`; swtpm-interface §7.6;
//! swtpm `swtpm_nvstore_linear.c`, `swtpm_nvstore_linear_file.c`).
//!
//! One regular file or block device holds all blobs behind a 192-byte little-endian header:
//!
//! ```text
//! 0   u64 magic 0x737774706d6c696e ("nilmptws" on disk)
//! 8   u8  version = 1      9 u8 padding      10 u16 hdrsize = 192
//! 12  15 x { u32 offset (0 = unused), u32 data_length, u32 section_length }
//! ```
//!
//! Slot 0 = permall, 1 = volatilestate, 2 = savestate; each value is a wrapped blob
//! ([`crate::blob`]). A new entry is appended after the last section with a section length of
//! the data length rounded up to a power of two; an entry that outgrows its section is removed
//! (later sections move down) and re-appended; deletion compacts likewise. Writes are in place,
//! as in swtpm, so this backend is not crash-atomic (the dir backend is).
//!
//! Every offset and length read from the file is checked against the file size in 64-bit
//! arithmetic before use, and sections may not overlap or start inside the header: the
//! swtpm#1170-1174 wrap-around bugs cannot happen here. A file without the magic (new or
//! zeroed) is formatted, as swtpm does.

use std::fs::{File, OpenOptions, Permissions};
use std::io::{Seek, SeekFrom};
use std::os::unix::fs::{FileExt, FileTypeExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rustix::fs::OFlags;
use zeroize::Zeroizing;

use crate::dir::StateName;
use crate::{Error, Result, io_err};

/// `swtpmlin` as a little-endian u64.
pub const MAGIC: u64 = 0x7377_7470_6d6c_696e;
/// The only version written; newer ones are refused.
pub const VERSION: u8 = 1;
/// Header size (and the lowest section offset).
pub const HEADER_LEN: usize = 192;
/// File-table entries.
pub const SLOTS: usize = 15;

/// One file-table entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Slot {
    /// Offset from the start of the file; 0 = unused.
    pub offset: u32,
    /// Valid bytes in the section.
    pub data_length: u32,
    /// Bytes reserved up to the next section.
    pub section_length: u32,
}

impl Slot {
    fn end(&self) -> u64 {
        u64::from(self.offset) + u64::from(self.section_length)
    }
}

/// The 192-byte header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinearHeader {
    /// Format version.
    pub version: u8,
    /// The file table.
    pub slots: [Slot; SLOTS],
}

impl Default for LinearHeader {
    fn default() -> Self {
        LinearHeader {
            version: VERSION,
            slots: [Slot::default(); SLOTS],
        }
    }
}

fn bad(msg: impl Into<String>) -> Error {
    Error::Linear(msg.into())
}

impl LinearHeader {
    /// Parse the header of a file of `size` bytes. `Ok(None)` if the magic is absent (the file
    /// is to be formatted). Everything is validated against `size`.
    ///
    /// # Errors
    /// [`Error::Linear`] naming the failed check.
    pub fn parse(head: &[u8], size: u64) -> Result<Option<LinearHeader>> {
        let Some(magic) = head.first_chunk::<8>() else {
            return Ok(None);
        };
        if u64::from_le_bytes(*magic) != MAGIC {
            return Ok(None);
        }
        let Some(h) = head.first_chunk::<HEADER_LEN>() else {
            return Err(bad(format!(
                "{} bytes cannot hold the 192-byte header",
                head.len()
            )));
        };
        let [_, _, _, _, _, _, _, _, version, _pad, s0, s1, table @ ..] = *h;
        if version > VERSION {
            return Err(bad(format!("Unknown format version: {version}")));
        }
        let hdrsize = u16::from_le_bytes([s0, s1]);
        if usize::from(hdrsize) != HEADER_LEN {
            return Err(bad(format!("header size {hdrsize} != 192")));
        }
        let mut slots = [Slot::default(); SLOTS];
        for (slot, e) in slots.iter_mut().zip(table.chunks_exact(12)) {
            let w = |i: usize| {
                e.get(i..i + 4)
                    .and_then(|b| b.try_into().ok())
                    .map(u32::from_le_bytes)
                    .unwrap_or(0)
            };
            *slot = Slot {
                offset: w(0),
                data_length: w(4),
                section_length: w(8),
            };
        }
        let hdr = LinearHeader { version, slots };
        hdr.validate(size)?;
        Ok(Some(hdr))
    }

    /// Check every entry against a file of `size` bytes: used sections start at or after the
    /// header, hold their data, end within the file and do not overlap; unused ones are zero.
    ///
    /// # Errors
    /// [`Error::Linear`] naming the slot and the check.
    pub fn validate(&self, size: u64) -> Result<()> {
        let mut used: Vec<(usize, Slot)> = Vec::new();
        for (i, s) in self.slots.iter().enumerate() {
            if s.offset == 0 {
                if s.data_length != 0 || s.section_length != 0 {
                    return Err(bad(format!("slot {i}: unused but has lengths")));
                }
                continue;
            }
            if (s.offset as usize) < HEADER_LEN {
                return Err(bad(format!(
                    "slot {i}: offset {} inside the header",
                    s.offset
                )));
            }
            if s.section_length == 0 {
                // swtpm sections are at least one byte (a power of two); an empty one at the
                // offset of a new section would make the two look disjoint and share bytes
                // (fuzz regression store_linear/empty-section).
                return Err(bad(format!("slot {i}: empty section at {}", s.offset)));
            }
            if s.data_length > s.section_length {
                return Err(bad(format!(
                    "slot {i}: data length {} > section length {}",
                    s.data_length, s.section_length
                )));
            }
            if s.end() > size {
                return Err(bad(format!(
                    "slot {i}: section {}+{} beyond the file size {size}",
                    s.offset, s.section_length
                )));
            }
            used.push((i, *s));
        }
        used.sort_by_key(|(_, s)| s.offset);
        for pair in used.windows(2) {
            if let [(i, a), (j, b)] = pair {
                if a.end() > u64::from(b.offset) {
                    return Err(bad(format!("slots {i} and {j} overlap")));
                }
            }
        }
        Ok(())
    }

    /// The 192 bytes on disk.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        let mut v = Vec::with_capacity(HEADER_LEN);
        v.extend_from_slice(&MAGIC.to_le_bytes());
        v.push(self.version);
        v.push(0);
        v.extend_from_slice(&(HEADER_LEN as u16).to_le_bytes());
        for s in &self.slots {
            v.extend_from_slice(&s.offset.to_le_bytes());
            v.extend_from_slice(&s.data_length.to_le_bytes());
            v.extend_from_slice(&s.section_length.to_le_bytes());
        }
        out.copy_from_slice(&v);
        out
    }

    fn end_of_sections(&self) -> u64 {
        self.slots
            .iter()
            .filter(|s| s.offset != 0)
            .map(Slot::end)
            .fold(HEADER_LEN as u64, u64::max)
    }
}

/// Storage under the linear layout: a file, a block device, or memory (tests).
pub trait Backing {
    /// Current size.
    fn size(&self) -> u64;
    /// Read exactly `buf.len()` bytes at `off` (the caller checked the range).
    fn read_at(&self, off: u64, buf: &mut [u8]) -> Result<()>;
    /// Write `data` at `off` (the caller checked the range).
    fn write_at(&mut self, off: u64, data: &[u8]) -> Result<()>;
    /// Make the size `len`; a fixed-size device fails if `len` exceeds its size and otherwise
    /// keeps its size.
    fn resize(&mut self, len: u64) -> Result<()>;
    /// Make written data durable.
    fn sync(&mut self) -> Result<()>;
}

impl Backing for Vec<u8> {
    fn size(&self) -> u64 {
        self.len() as u64
    }
    fn read_at(&self, off: u64, buf: &mut [u8]) -> Result<()> {
        let src = usize::try_from(off)
            .ok()
            .and_then(|o| self.get(o..o.checked_add(buf.len())?))
            .ok_or_else(|| bad("read beyond the image"))?;
        buf.copy_from_slice(src);
        Ok(())
    }
    fn write_at(&mut self, off: u64, data: &[u8]) -> Result<()> {
        let dst = usize::try_from(off)
            .ok()
            .and_then(|o| self.get_mut(o..o.checked_add(data.len())?))
            .ok_or_else(|| bad("write beyond the image"))?;
        dst.copy_from_slice(data);
        Ok(())
    }
    fn resize(&mut self, len: u64) -> Result<()> {
        let len = usize::try_from(len).map_err(|_| bad("image too large"))?;
        Vec::resize(self, len, 0);
        Ok(())
    }
    fn sync(&mut self) -> Result<()> {
        Ok(())
    }
}

/// A linear store over some [`Backing`].
#[derive(Debug)]
pub struct Linear<B: Backing> {
    backing: B,
    hdr: LinearHeader,
}

fn slot_of(name: StateName) -> usize {
    match name {
        StateName::Permanent => 0,
        StateName::Volatile => 1,
        StateName::SaveState => 2,
    }
}

impl<B: Backing> Linear<B> {
    /// Open a store; format it if the magic is absent. Returns whether it was formatted (the
    /// daemon then prints swtpm's `Formatting '<uri>' as new linear NVRAM store` on stdout).
    ///
    /// # Errors
    /// [`Error::Linear`] for an invalid header; backing errors.
    pub fn open(mut backing: B) -> Result<(Linear<B>, bool)> {
        if backing.size() < HEADER_LEN as u64 {
            backing.resize(HEADER_LEN as u64)?;
        }
        let mut head = [0u8; HEADER_LEN];
        backing.read_at(0, &mut head)?;
        match LinearHeader::parse(&head, backing.size())? {
            Some(hdr) => Ok((Linear { backing, hdr }, false)),
            None => {
                let hdr = LinearHeader::default();
                backing.write_at(0, &hdr.encode())?;
                backing.sync()?;
                Ok((Linear { backing, hdr }, true))
            }
        }
    }

    /// The header in memory.
    pub fn header(&self) -> &LinearHeader {
        &self.hdr
    }

    /// The backing storage.
    pub fn backing(&self) -> &B {
        &self.backing
    }

    /// Give the backing storage back.
    pub fn into_backing(self) -> B {
        self.backing
    }

    /// Read a stored (wrapped) blob; `Ok(None)` if the slot is unused.
    ///
    /// # Errors
    /// [`Error::Linear`] if the entry does not fit the file (re-checked here), backing errors.
    pub fn load(&self, name: StateName) -> Result<Option<Zeroizing<Vec<u8>>>> {
        let s = self.slot(name)?;
        if s.offset == 0 {
            return Ok(None);
        }
        let end = u64::from(s.offset) + u64::from(s.data_length);
        if end > self.backing.size() {
            return Err(bad("entry beyond the file size"));
        }
        let mut buf = Zeroizing::new(vec![0u8; s.data_length as usize]);
        self.backing.read_at(u64::from(s.offset), &mut buf)?;
        Ok(Some(buf))
    }

    fn slot(&self, name: StateName) -> Result<Slot> {
        self.hdr
            .slots
            .get(slot_of(name))
            .copied()
            .ok_or_else(|| bad("no such slot"))
    }

    fn set_slot(&mut self, i: usize, s: Slot) -> Result<()> {
        *self
            .hdr
            .slots
            .get_mut(i)
            .ok_or_else(|| bad("no such slot"))? = s;
        Ok(())
    }

    /// Append a section for `len` bytes after the last one (swtpm `AllocFile`).
    fn alloc(&mut self, i: usize, len: u32) -> Result<()> {
        let section = len
            .max(1)
            .checked_next_power_of_two()
            .ok_or(Error::TooLarge(len as usize))?;
        let offset = self.hdr.end_of_sections();
        let new_size = offset + u64::from(section);
        let offset32 = u32::try_from(offset).map_err(|_| Error::TooLarge(offset as usize))?;
        if u32::try_from(new_size).is_err() {
            return Err(Error::TooLarge(new_size as usize));
        }
        if new_size > self.backing.size() {
            self.backing
                .resize(new_size)
                .map_err(|_| Error::LinearNoSpace {
                    needed: new_size,
                    size: self.backing.size(),
                })?;
            if self.backing.size() < new_size {
                return Err(Error::LinearNoSpace {
                    needed: new_size,
                    size: self.backing.size(),
                });
            }
        }
        self.set_slot(
            i,
            Slot {
                offset: offset32,
                data_length: len,
                section_length: section,
            },
        )
    }

    /// Free slot `i` and move later sections down by its section length (swtpm `RemoveFile`,
    /// but section by section, so that even a file with holes stays consistent).
    fn remove(&mut self, i: usize) -> Result<u64> {
        let old = self
            .hdr
            .slots
            .get(i)
            .copied()
            .ok_or_else(|| bad("no such slot"))?;
        if old.offset == 0 {
            return Ok(0);
        }
        self.set_slot(i, Slot::default())?;
        let shift = old.section_length;
        let mut later: Vec<usize> = (0..SLOTS)
            .filter(|&j| self.hdr.slots.get(j).is_some_and(|s| s.offset > old.offset))
            .collect();
        later.sort_by_key(|&j| self.hdr.slots.get(j).map(|s| s.offset));
        for j in later {
            let s = self
                .hdr
                .slots
                .get(j)
                .copied()
                .ok_or_else(|| bad("no such slot"))?;
            let mut buf = Zeroizing::new(vec![0u8; s.data_length as usize]);
            self.backing.read_at(u64::from(s.offset), &mut buf)?;
            let to = s.offset - shift; // validated: s.offset >= old.offset + shift
            self.backing.write_at(u64::from(to), &buf)?;
            self.set_slot(j, Slot { offset: to, ..s })?;
        }
        Ok(u64::from(shift))
    }

    /// Store a wrapped blob (swtpm `StoreData_Linear`): in place if it fits its section,
    /// otherwise re-appended at the end; then the header; then sync.
    ///
    /// # Errors
    /// [`Error::LinearNoSpace`], [`Error::TooLarge`], backing errors.
    pub fn store(&mut self, name: StateName, wrapped: &[u8]) -> Result<()> {
        let i = slot_of(name);
        let len = u32::try_from(wrapped.len()).map_err(|_| Error::TooLarge(wrapped.len()))?;
        let s = self.slot(name)?;
        if s.offset == 0 {
            self.alloc(i, len)?;
        } else if len > s.section_length {
            self.remove(i)?;
            self.alloc(i, len)?;
        }
        let mut s = self.slot(name)?;
        s.data_length = len;
        self.set_slot(i, s)?;
        self.hdr.validate(self.backing.size())?;
        self.backing.write_at(u64::from(s.offset), wrapped)?;
        self.backing.write_at(0, &self.hdr.encode())?;
        self.backing.sync()
    }

    /// Delete a blob and compact (swtpm `DeleteName_Linear`); `Ok(false)` if it was unused.
    ///
    /// # Errors
    /// Backing errors.
    pub fn delete(&mut self, name: StateName) -> Result<bool> {
        let shift = self.remove(slot_of(name))?;
        if shift == 0 {
            return Ok(false);
        }
        let new_size = self
            .backing
            .size()
            .saturating_sub(shift)
            .max(self.hdr.end_of_sections());
        self.backing.write_at(0, &self.hdr.encode())?;
        self.backing.resize(new_size)?;
        self.backing.sync()?;
        Ok(true)
    }
}

/// A linear store in a regular file (grown and shrunk as needed) or a block device (fixed).
#[derive(Debug)]
pub struct FileBacking {
    file: File,
    path: PathBuf,
    size: u64,
    resizable: bool,
}

impl FileBacking {
    /// Open `path` read/write, creating it (no-follow, `mode` or 0640 before umask; an explicit
    /// mode is applied exactly).
    ///
    /// # Errors
    /// [`Error::Io`], [`Error::Symlink`], [`Error::NotRegular`].
    pub fn open(path: &Path, mode: Option<u32>) -> Result<FileBacking> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(mode.unwrap_or(crate::dir::DEFAULT_MODE))
            .custom_flags(OFlags::NOFOLLOW.bits() as i32)
            .open(path)
            .map_err(|e| {
                if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
                    Error::Symlink(path.to_path_buf())
                } else {
                    io_err(format!("Could not open file {}", path.display()))(e)
                }
            })?;
        if let Some(m) = mode {
            file.set_permissions(Permissions::from_mode(m))
                .map_err(io_err(format!("chmod {}", path.display())))?;
        }
        let meta = file
            .metadata()
            .map_err(io_err(format!("stat {}", path.display())))?;
        let (size, resizable) = if meta.is_file() {
            (meta.len(), true)
        } else if meta.file_type().is_block_device() {
            let mut f = &file;
            let size = f
                .seek(SeekFrom::End(0))
                .map_err(io_err("block device size"))?;
            (size, false)
        } else {
            return Err(Error::NotRegular(path.to_path_buf()));
        };
        Ok(FileBacking {
            file,
            path: path.to_path_buf(),
            size,
            resizable,
        })
    }

    /// The open file (e.g. to take the fcntl lock with `lock`).
    pub fn file(&self) -> &File {
        &self.file
    }
}

impl Backing for FileBacking {
    fn size(&self) -> u64 {
        self.size
    }
    fn read_at(&self, off: u64, buf: &mut [u8]) -> Result<()> {
        self.file
            .read_exact_at(buf, off)
            .map_err(io_err(format!("reading {}", self.path.display())))
    }
    fn write_at(&mut self, off: u64, data: &[u8]) -> Result<()> {
        self.file
            .write_all_at(data, off)
            .map_err(io_err(format!("writing {}", self.path.display())))
    }
    fn resize(&mut self, len: u64) -> Result<()> {
        if !self.resizable {
            if len > self.size {
                return Err(Error::LinearNoSpace {
                    needed: len,
                    size: self.size,
                });
            }
            return Ok(());
        }
        self.file
            .set_len(len)
            .map_err(io_err(format!("ftruncate {}", self.path.display())))?;
        self.size = len;
        Ok(())
    }
    fn sync(&mut self) -> Result<()> {
        self.file
            .sync_data()
            .map_err(io_err(format!("fsync {}", self.path.display())))
    }
}

/// Open a `file://` store on disk.
///
/// # Errors
/// As [`FileBacking::open`] and [`Linear::open`].
pub fn open_file(path: &Path, mode: Option<u32>) -> Result<(Linear<FileBacking>, bool)> {
    Linear::open(FileBacking::open(path, mode)?)
}

#[cfg(test)]
mod tests;
