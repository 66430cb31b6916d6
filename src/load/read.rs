//! Reading one source file, bounded: a file over the size limit is refused before it is read
//! whole, and a file that is not UTF-8 is kept (lossily) so its error can point at the bad byte.

use std::io::Read;
use std::path::Path;

/// What a source file held.
#[derive(Debug, PartialEq, Eq)]
pub enum Source {
    Text(String),
    /// Larger than the limit: the size in bytes (or more, if the file grew while read).
    TooLarge(u64),
    /// Not UTF-8: the text with each bad sequence replaced by U+FFFD, and the byte offset (the
    /// same in both) of the first one.
    NotUtf8 {
        text: String,
        at: usize,
    },
}

/// Read `path`, refusing more than `limit` bytes.
pub fn read(path: &Path, limit: u64) -> std::io::Result<Source> {
    Ok(match read_bytes(path, limit)? {
        Ok(bytes) => decode(bytes),
        Err(size) => Source::TooLarge(size),
    })
}

/// The bytes of `path`, or `Err(size)` when it holds more than `limit` bytes (the file is not
/// read whole then, even if it grows while read).
pub fn read_bytes(path: &Path, limit: u64) -> std::io::Result<Result<Vec<u8>, u64>> {
    let file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    if size > limit {
        return Ok(Err(size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Ok(Err(bytes.len() as u64));
    }
    Ok(Ok(bytes))
}

/// UTF-8 text, or the lossy text and the offset of the first bad byte.
pub fn decode(bytes: Vec<u8>) -> Source {
    match String::from_utf8(bytes) {
        Ok(text) => Source::Text(text),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            Source::NotUtf8 { text, at }
        }
    }
}

/// `bytes` as people write sizes: `10 MB`, `512 KB`, `1.5 MB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1_000_000_000, "GB"), (1_000_000, "MB"), (1_000, "KB")];
    for (unit, name) in UNITS {
        if bytes >= unit {
            let tenths = bytes * 10 / unit;
            return if tenths.is_multiple_of(10) {
                format!("{} {name}", tenths / 10)
            } else {
                format!("{}.{} {name}", tenths / 10, tenths % 10)
            };
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_bad_byte_keeps_its_offset() {
        let Source::NotUtf8 { text, at } = decode(b"line one\nline \xff two\n".to_vec()) else {
            panic!("not detected");
        };
        assert_eq!(at, 14);
        assert_eq!(&text[..at], "line one\nline ");
        assert!(text[at..].starts_with('\u{fffd}'));
    }

    #[test]
    fn files_over_the_limit_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.md");
        std::fs::write(&path, vec![b'a'; 2048]).unwrap();
        assert_eq!(read(&path, 1024).unwrap(), Source::TooLarge(2048));
        assert_eq!(read(&path, 4096).unwrap(), Source::Text("a".repeat(2048)));
    }

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(human_size(10_000_000), "10 MB");
        assert_eq!(human_size(1_500_000), "1.5 MB");
        assert_eq!(human_size(999), "999 bytes");
    }
}
