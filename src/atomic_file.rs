//! The one way slavakt replaces a file on disk: write a fresh temporary file beside it (created
//! exclusively with the final mode, so a planted symlink is never followed and the mode never
//! depends on the umask), fsync it, rename it onto the target and fsync the directory, so a
//! power loss leaves either the old file or the new one, never a torn or a missing one.
//! Used for the state snapshot, serious-incident reports and the Graph token cache.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Which step failed, on which path; the caller words the error for its own reader.
#[derive(Debug)]
pub struct AtomicWriteError {
    pub step: &'static str,
    pub path: PathBuf,
    pub source: std::io::Error,
}

impl std::fmt::Display for AtomicWriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot {} {}: {}",
            self.step,
            self.path.display(),
            self.source
        )
    }
}

/// Replaces `target` with what `write` produces, through the temporary file `tmp` (same
/// directory), created with `mode`. Returns the new file's size. On failure the temporary
/// file is removed and `target` is untouched.
pub fn replace(
    tmp: &Path,
    target: &Path,
    mode: u32,
    write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<u64, AtomicWriteError> {
    let fail = |step: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source| AtomicWriteError { step, path, source }
    };
    // A stale temporary file from a crash may have another mode or be a planted link.
    match std::fs::remove_file(tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(fail("remove the stale temp file", tmp)(e)),
    }
    let written = (|| {
        let f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(tmp)
            .map_err(fail("create the temp file", tmp))?;
        let mut w = BufWriter::with_capacity(1 << 16, f);
        write(&mut w)
            .and_then(|()| w.flush())
            .map_err(fail("write", tmp))?;
        let f = w
            .into_inner()
            .map_err(|e| fail("write", tmp)(e.into_error()))?;
        f.sync_all().map_err(fail("fsync", tmp))?;
        f.metadata().map(|m| m.len()).map_err(fail("stat", tmp))
    })();
    let size = match written {
        Ok(size) => size,
        Err(e) => {
            let _ = std::fs::remove_file(tmp);
            return Err(e);
        }
    };
    if let Err(e) = std::fs::rename(tmp, target) {
        let _ = std::fs::remove_file(tmp);
        return Err(fail("rename the temp file onto", target)(e));
    }
    sync_dir(target)?;
    Ok(size)
}

/// Makes a rename durable: the directory entry itself must reach the disk.
pub fn sync_dir(target: &Path) -> Result<(), AtomicWriteError> {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| AtomicWriteError {
            step: "fsync the directory",
            path: dir,
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn replaces_with_the_given_mode_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("f.json");
        let tmp = dir.path().join(".f.json.tmp");
        std::fs::write(&target, "old").unwrap();
        let size = replace(&tmp, &target, 0o640, |w| w.write_all(b"new!")).unwrap();
        assert_eq!(size, 4);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new!");
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        assert!(!tmp.exists());
    }

    #[test]
    fn a_failed_write_keeps_the_old_file_and_removes_the_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("f.json");
        let tmp = dir.path().join(".f.json.tmp");
        std::fs::write(&target, "old").unwrap();
        let err = replace(&tmp, &target, 0o600, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
        assert_eq!(err.step, "write");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        assert!(!tmp.exists());
    }

    #[test]
    fn a_planted_link_at_the_temp_name_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        let target = dir.path().join("f.json");
        let tmp = dir.path().join(".f.json.tmp");
        std::os::unix::fs::symlink(&victim, &tmp).unwrap();
        replace(&tmp, &target, 0o600, |w| w.write_all(b"x")).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "x");
    }
}
