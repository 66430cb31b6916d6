//! The on-disk cache of drawn diagrams.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::{DiagramError, DiagramRequest, ENGINE_VERSION, LOOK, PIPELINE_VERSION, THEME, render};

// Cache

/// On-disk cache of rendered SVGs, keyed by SHA-256 of (pipeline + engine version, theme,
/// id prefix, fallback label, links, source). Safe to share between threads and processes:
/// entries are written to a temporary file and renamed into place; an entry that is
/// missing, unreadable or fails its checksum is re-rendered and rewritten. It remembers the
/// entries it was asked for, so a complete build can remove the rest ([`DiagramCache::prune`]).
#[derive(Debug, Clone)]
pub struct DiagramCache {
    pub(super) dir: PathBuf,
    pub(super) used: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
}

pub(super) const CACHE_MAGIC: &str = "policybook-diagram-cache-v1";

pub(super) fn hex(bytes: &[u8]) -> String {
    pub(super) const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(2 * bytes.len());
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

pub(super) fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    hex(&sha2::Sha256::digest(data))
}

impl DiagramCache {
    /// Uses `dir` (created on first write) for entries, e.g. `<root>/.policybook-cache/diagrams`.
    pub fn open(dir: &Path) -> Self {
        DiagramCache {
            dir: dir.to_path_buf(),
            used: Default::default(),
        }
    }

    /// Remove the entries no request since [`DiagramCache::open`] asked for: after a complete
    /// build, the diagrams the handbook no longer has. Only files named like entries are touched.
    /// Returns how many were removed.
    pub fn prune(&self) -> std::io::Result<usize> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        let used = self
            .used
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut removed = 0;
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            let Some(key) = name.to_str().and_then(|n| n.strip_suffix(".svg")) else {
                continue;
            };
            let is_entry =
                key.len() == 64 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
            if is_entry && !used.contains(key) && entry.file_type()?.is_file() {
                std::fs::remove_file(entry.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// The cache key of a request (hex SHA-256).
    pub fn key(req: &DiagramRequest) -> String {
        use sha2::Digest as _;
        let mut h = sha2::Sha256::new();
        let mut field = |bytes: &[u8]| {
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        field(PIPELINE_VERSION.as_bytes());
        field(ENGINE_VERSION.as_bytes());
        field(THEME.as_bytes());
        field(LOOK.as_bytes());
        field(req.id_prefix.as_bytes());
        field(req.fallback_label.as_bytes());
        field(req.source.as_bytes());
        for (node, url) in req.links {
            field(node.as_bytes());
            field(url.as_bytes());
        }
        hex(&h.finalize())
    }

    pub(super) fn entry_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.svg"))
    }

    /// Reads a valid entry; anything else (missing, unreadable, corrupt) is `None`.
    pub(super) fn read(&self, key: &str) -> Option<String> {
        let mut data = std::fs::read_to_string(self.entry_path(key)).ok()?;
        let (header, body) = data.split_once('\n')?;
        let mut parts = header.split(' ');
        if parts.next()? != CACHE_MAGIC || parts.next()? != key {
            return None;
        }
        let digest = parts.next()?;
        if sha256_hex(body.as_bytes()) != digest {
            return None;
        }
        // The SVG is the rest of the file: drop the header line in place rather than copy the SVG.
        let header_len = header.len() + 1;
        data.drain(..header_len);
        Some(data)
    }

    pub(super) fn write(&self, key: &str, svg: &str) -> std::io::Result<()> {
        pub(super) static COUNTER: AtomicU64 = AtomicU64::new(0);
        std::fs::create_dir_all(&self.dir)?;
        let tmp = self.dir.join(format!(
            ".tmp-{key}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let result = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            write!(
                f,
                "{CACHE_MAGIC} {key} {}\n{svg}",
                sha256_hex(svg.as_bytes())
            )?;
            drop(f);
            std::fs::rename(&tmp, self.entry_path(key))
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// Returns the cached SVG for `req`, or renders and stores it. Cache I/O problems are
    /// never fatal; errors from rendering are returned (and not cached).
    pub fn get_or_render(&self, req: &DiagramRequest) -> Result<String, DiagramError> {
        let key = Self::key(req);
        self.used
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(key.clone());
        if let Some(svg) = self.read(&key) {
            return Ok(svg);
        }
        crate::memory::purge_promptly();
        let svg = render(req)?;
        let _ = self.write(&key, &svg);
        Ok(svg)
    }
}

#[cfg(test)]
mod cache_key_tests {
    #[test]
    pub(super) fn digests_are_lowercase_hex() {
        assert_eq!(
            super::sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(super::hex(&[0, 9, 10, 255]), "00090aff");
        assert_eq!(super::hex(&[]), "");
    }
}
