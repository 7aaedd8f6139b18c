//! The lock that keeps two daemons off one state file.
//!
//! It is taken on a sibling `<file>.lock`, not the state file itself, because every save
//! replaces the state file by rename: a lock on the old inode would silently stop protecting
//! the new one. The lock is an `flock` held for the life of the open file handle, so it goes
//! away by itself when the process dies — no stale locks after a crash.

use super::StateError;
use fs4::fs_std::FileExt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// An exclusive lock, released when dropped.
#[derive(Debug)]
pub(crate) struct StateLock {
    _file: File,
    path: PathBuf,
}

impl StateLock {
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

/// `state.json` → `state.json.lock`.
pub(crate) fn lock_path(state_file: &Path) -> PathBuf {
    let mut name = state_file.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    state_file.with_file_name(name)
}

/// Takes the lock without waiting; a held lock is an error naming the holder's pid if known.
pub(crate) fn acquire(state_file: &Path) -> Result<StateLock, StateError> {
    let path = lock_path(state_file);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        // A symlink planted as the lock file must not get its target truncated.
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ELOOP) {
                StateError::io(
                    "open the lock file (it is a symbolic link; remove it)",
                    &path,
                    e,
                )
            } else {
                StateError::io("open the lock file", &path, e)
            }
        })?;
    let got = file
        .try_lock_exclusive()
        .map_err(|e| StateError::io("lock", &path, e))?;
    if !got {
        let mut text = String::new();
        let _ = file.read_to_string(&mut text);
        let holder = text
            .trim()
            .parse::<u32>()
            .map(|pid| format!(" (pid {pid})"))
            .unwrap_or_default();
        return Err(StateError::Locked {
            state_file: state_file.to_path_buf(),
            lock_file: path,
            holder,
        });
    }
    // The pid is only a hint for the error above; failing to write it is harmless.
    let _ = file
        .set_len(0)
        .and_then(|_| file.rewind())
        .and_then(|_| writeln!(file, "{}", std::process::id()));
    Ok(StateLock { _file: file, path })
}
