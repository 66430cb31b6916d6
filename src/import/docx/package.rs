//! The `.docx` zip, read within limits: the entry count is checked before anything is read, every
//! entry name must stay inside the package (no absolute paths, no `..`), and each entry is read
//! through `Read::take`, so a header that lies about the uncompressed size cannot make us read
//! more than the per-entry and total limits.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use zip::ZipArchive;

use super::{Limits, Problem};

pub struct Package<'a> {
    archive: ZipArchive<Cursor<&'a [u8]>>,
    /// Part names, lowercased (Office Open XML part names are case-insensitive) → entry index.
    index: HashMap<String, usize>,
    used: u64,
    limits: Limits,
}

impl<'a> Package<'a> {
    pub fn open(bytes: &'a [u8], limits: Limits) -> Result<Self, Problem> {
        if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            return Err(Problem::OldWordFormat);
        }
        if let Some(count) = declared_entries(bytes)
            && count > limits.max_entries as u64
        {
            return Err(Problem::TooManyEntries {
                count: usize::try_from(count).unwrap_or(usize::MAX),
                limit: limits.max_entries,
            });
        }
        // The zip crate panics on some damaged extra fields (found by the `docx` fuzz target): a
        // damaged file is an error, never a crash.
        let opened = std::panic::catch_unwind(|| ZipArchive::new(Cursor::new(bytes)))
            .map_err(|_| Problem::NotZip("its zip directory is damaged".into()))?;
        let mut archive = opened.map_err(|e| Problem::NotZip(e.to_string()))?;
        if archive.len() > limits.max_entries {
            return Err(Problem::TooManyEntries {
                count: archive.len(),
                limit: limits.max_entries,
            });
        }
        let mut index = HashMap::new();
        for i in 0..archive.len() {
            let entry = archive
                .by_index_raw(i)
                .map_err(|e| Problem::NotZip(e.to_string()))?;
            let name = entry.name().to_string();
            let unsafe_name = name.starts_with('/')
                || name.starts_with('\\')
                || name.contains(':')
                || name.split(['/', '\\']).any(|part| part == "..")
                || entry.enclosed_name().is_none();
            if unsafe_name {
                return Err(Problem::UnsafeEntryName(name));
            }
            index.insert(name.to_ascii_lowercase(), i);
        }
        Ok(Package {
            archive,
            index,
            used: 0,
            limits,
        })
    }

    pub fn has(&self, part: &str) -> bool {
        self.index.contains_key(&part.to_ascii_lowercase())
    }

    /// The bytes of `part` (a name inside the zip, without a leading `/`), or `None` if there is
    /// no such entry.
    pub fn read(&mut self, part: &str) -> Result<Option<Vec<u8>>, Problem> {
        let Some(&i) = self.index.get(&part.to_ascii_lowercase()) else {
            return Ok(None);
        };
        let entry = self.archive.by_index(i).map_err(|e| Problem::Entry {
            part: part.to_string(),
            message: e.to_string(),
        })?;
        let remaining = self.limits.max_total_bytes.saturating_sub(self.used);
        let allowed = self.limits.max_entry_bytes.min(remaining);
        let mut bytes = Vec::with_capacity(entry.size().min(allowed).min(1 << 20) as usize);
        entry
            .take(allowed + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Problem::Entry {
                part: part.to_string(),
                message: e.to_string(),
            })?;
        let read = bytes.len() as u64;
        if read > allowed {
            return Err(if allowed == self.limits.max_entry_bytes {
                Problem::EntryTooLarge {
                    part: part.to_string(),
                    limit: self.limits.max_entry_bytes,
                }
            } else {
                Problem::TotalTooLarge {
                    limit: self.limits.max_total_bytes,
                }
            });
        }
        self.used += read;
        Ok(Some(bytes))
    }
}

/// The entry count the end-of-central-directory record declares (the zip64 one when the classic
/// record says 0xFFFF), read before the zip crate builds its directory.
fn declared_entries(bytes: &[u8]) -> Option<u64> {
    let u16_at = |at: usize| Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?));
    let u64_at = |at: usize| Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?));
    // The record is 22 bytes plus a comment of at most 65,535.
    let search_from = bytes.len().saturating_sub(22 + 65_535);
    let eocd = search_from
        + bytes[search_from..]
            .windows(4)
            .rposition(|w| w == b"PK\x05\x06")?;
    let count = u16_at(eocd + 10)?;
    if count != 0xFFFF {
        return Some(count.into());
    }
    let locator = eocd.checked_sub(20)?;
    if bytes.get(locator..locator + 4)? != b"PK\x06\x07" {
        return Some(count.into());
    }
    let record = usize::try_from(u64_at(locator + 8)?).ok()?;
    if bytes.get(record..record + 4)? != b"PK\x06\x06" {
        return None;
    }
    u64_at(record + 32)
}
