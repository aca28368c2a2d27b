//! Reading files safely: only regular files, never more bytes than asked.
//!
//! Every file jikimi reads (scanned files, `.gitignore` and `.ignore` files,
//! manifests such as `package.json`, config and baseline files, git's own
//! files) goes through here. A FIFO, socket or device (or a symlink to one,
//! such as a committed `package.json -> /dev/zero`) is never opened: opening
//! a FIFO blocks until a writer appears, and a device can be endless. Reads
//! are bounded, so a file cannot make jikimi allocate more than the caller's
//! limit.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::Path;

/// Configuration and ignore files larger than this are not read (the biggest
/// real `.gitignore` or `package.json` is a few hundred kilobytes).
pub const SMALL_FILE_LIMIT: u64 = 16 << 20;

/// What a non-regular file is, for messages: `None` for a regular file.
pub fn special_kind(meta: &Metadata) -> Option<&'static str> {
    let ft = meta.file_type();
    if ft.is_file() {
        return None;
    }
    if ft.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if ft.is_socket() {
            return Some("a socket");
        }
        if ft.is_char_device() || ft.is_block_device() {
            return Some("a device");
        }
    }
    Some("not a regular file")
}

fn not_regular(kind: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{kind}: not read (only regular files are)"),
    )
}

/// Open `path` (following symlinks) only if it is a regular file. The check
/// is made before opening (opening a device can have effects) and again on
/// the open file, so a file swapped for a FIFO in between is caught too.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let meta = std::fs::metadata(path)?;
    if let Some(kind) = special_kind(&meta) {
        return Err(not_regular(kind));
    }
    open_listed(path).map(|(f, _)| f)
}

/// Open a file that a directory listing just gave as a regular file (the
/// walk checked its type, so no `stat` first), never blocking; checked again
/// on the open file. Returns it with its size.
pub fn open_listed(path: &Path) -> io::Result<(File, u64)> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Never block in open(2), whatever the path has become.
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let file = opts.open(path)?;
    let meta = file.metadata()?;
    if let Some(kind) = special_kind(&meta) {
        return Err(not_regular(kind));
    }
    Ok((file, meta.len()))
}

/// Read a regular file into `buf` (cleared first), at most `max` bytes.
/// Returns `Ok(false)` when the file holds more than `max` bytes (then `buf`
/// holds the first `max + 1`).
pub fn read_bounded_into(path: &Path, max: u64, buf: &mut Vec<u8>) -> io::Result<bool> {
    let file = open_regular(path)?;
    buf.clear();
    file.take(max.saturating_add(1)).read_to_end(buf)?;
    Ok(buf.len() as u64 <= max)
}

/// A small regular file's bytes (at most [`SMALL_FILE_LIMIT`]).
pub fn read_small(path: &Path) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    if !read_bounded_into(path, SMALL_FILE_LIMIT, &mut buf)? {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than {} MiB: not read", SMALL_FILE_LIMIT >> 20),
        ));
    }
    Ok(buf)
}

/// A small regular file as text (invalid UTF-8 is replaced, not an error).
pub fn read_small_string(path: &Path) -> io::Result<String> {
    let bytes = read_small(path)?;
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn devices_and_fifos_are_not_opened() {
        let err = read_small(Path::new("/dev/zero")).unwrap_err();
        assert!(err.to_string().contains("device"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let err = read_small(&fifo).unwrap_err();
            assert!(err.to_string().contains("FIFO"), "{err}");
        }
        let link = dir.path().join("package.json");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(read_small_string(&link).is_err());
    }

    #[test]
    fn reads_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a");
        std::fs::write(&f, b"0123456789").unwrap();
        let mut buf = Vec::new();
        assert!(!read_bounded_into(&f, 4, &mut buf).unwrap());
        assert_eq!(buf.len(), 5);
        assert!(read_bounded_into(&f, u64::MAX, &mut buf).unwrap());
        assert_eq!(buf, b"0123456789");
    }
}
