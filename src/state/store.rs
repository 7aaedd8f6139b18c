//! The state file on disk: open (lock, load, migrate, heal) and atomic save.
//!
//! Invariants: the file is only ever replaced whole (temp file in the same directory, fsync,
//! rename, fsync of the directory), so a crash leaves either the old or the new state, never a
//! mix; it is mode 0600; while a [`Store`] lives, no other process can open the same file.

use super::lock::{self, StateLock};
use super::{heal, migrate, LoadProblem, State, StateError};
use chrono::{DateTime, Utc};
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// An open, locked state file.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    lock: StateLock,
    fresh: bool,
    healed: Vec<String>,
}

impl Store {
    /// Locks and loads the state file at `path`.
    ///
    /// - Missing file → a fresh, empty [`State`] (`is_fresh()` is true). This is a first start;
    ///   the caller decides what that means (the daemon does its initial load). Refused with
    ///   [`StateError::SetAside`] if an earlier file was set aside as corrupt, so a restart
    ///   after a refusal is never silently a fresh start.
    /// - Corrupt JSON, JSON that does not fit the schema, or an unknown `version` → the file is
    ///   renamed, unchanged, to `<file>.corrupt-<now>` and [`StateError::Unusable`] says so.
    /// - Deliveries found in flight are made pending again (see [`heal::heal_in_flight`]);
    ///   their keys are in [`Store::healed`].
    ///
    /// `now` names the set-aside file and dates the healed attempts.
    pub fn open(path: &Path, now: DateTime<Utc>) -> Result<(Store, State), StateError> {
        let path = path.to_path_buf();
        let dir = parent_dir(&path);
        if !dir.is_dir() {
            return Err(StateError::io(
                "use the state directory",
                dir,
                std::io::Error::new(
                    ErrorKind::NotFound,
                    "it does not exist; create it (systemd's StateDirectory= does) or fix daemon.state_file",
                ),
            ));
        }
        let lock = lock::acquire(&path)?;
        let (mut state, fresh) = match fs::read(&path) {
            Ok(bytes) => match decode(&bytes) {
                Ok(state) => (state, false),
                Err(problem) => {
                    let moved_to = set_aside(&path, now)?;
                    return Err(StateError::Unusable {
                        path,
                        moved_to: Some(moved_to),
                        problem,
                    });
                }
            },
            Err(e) if e.kind() == ErrorKind::NotFound => {
                let leftovers = set_aside_files(&path)?;
                if !leftovers.is_empty() {
                    return Err(StateError::SetAside {
                        path,
                        set_aside: leftovers,
                    });
                }
                (State::default(), true)
            }
            Err(e) => return Err(StateError::io("read", &path, e)),
        };
        let healed = heal::heal_in_flight(&mut state, now);
        Ok((
            Store {
                path,
                lock,
                fresh,
                healed,
            },
            state,
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn lock_path(&self) -> &Path {
        self.lock.path()
    }

    /// Whether `open` found no file and started from an empty state.
    pub fn is_fresh(&self) -> bool {
        self.fresh
    }

    /// Keys of ledger entries that were in flight at the last stop and are now pending again.
    pub fn healed(&self) -> &[String] {
        &self.healed
    }

    /// Writes `state` atomically, with `saved_at` set to `now` in the file. Returns the size in
    /// bytes. On error the previous file is untouched and no temp file is left behind.
    pub fn save(&self, state: &State, now: DateTime<Utc>) -> Result<u64, StateError> {
        let mut bytes = encode(state, now).map_err(|e| {
            StateError::io(
                "serialize the state for",
                &self.path,
                std::io::Error::other(e),
            )
        })?;
        bytes.push(b'\n');

        let tmp = temp_path(&self.path);
        let result = write_replace(&tmp, &self.path, &bytes);
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result.map(|()| bytes.len() as u64)
    }
}

/// Loads a state file without locking, moving or healing it — for `slavakt status`, which reads
/// while the daemon runs (atomic replacement means it always sees a whole file). `None` if the
/// file does not exist.
pub fn read_only(path: &Path) -> Result<Option<State>, StateError> {
    match fs::read(path) {
        Ok(bytes) => decode(&bytes)
            .map(Some)
            .map_err(|problem| StateError::Unusable {
                path: path.to_path_buf(),
                moved_to: None,
                problem,
            }),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StateError::io("read", path, e)),
    }
}

/// [`State`] → JSON bytes with `saved_at` = `now`.
///
/// Serialized straight to bytes: going through a `serde_json::Value` tree first (to set
/// `saved_at`) cost about twice the time and a second copy of the whole state in memory. `saved_at`
/// is the last field of `State`, so the fast path swaps the serialized tail; should the field
/// order ever change, the tail does not match and the slower tree path still gives a right file.
fn encode(state: &State, now: DateTime<Utc>) -> serde_json::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec(state)?;
    if let Some(len) = saved_at_tail(&bytes, state)? {
        bytes.truncate(len);
        bytes.extend_from_slice(b",\"saved_at\":");
        serde_json::to_writer(&mut bytes, &now)?;
        bytes.push(b'}');
        return Ok(bytes);
    }
    let mut doc = serde_json::to_value(state)?;
    doc["saved_at"] = serde_json::to_value(now)?;
    serde_json::to_vec(&doc)
}

/// Where the serialized `,"saved_at":…}` tail of `bytes` starts, if it is the last field.
fn saved_at_tail(bytes: &[u8], state: &State) -> serde_json::Result<Option<usize>> {
    let mut tail = b",\"saved_at\":".to_vec();
    serde_json::to_writer(&mut tail, &state.saved_at)?;
    tail.push(b'}');
    Ok(bytes.ends_with(&tail).then(|| bytes.len() - tail.len()))
}

/// Bytes → current-version [`State`].
///
/// A file of the current version is parsed straight into `State` (one pass, no intermediate
/// `Value` tree: at 10,000 tickets that halved start-up time and peak memory). Anything else —
/// an older version to migrate, or a file that is not what it should be — takes the general
/// path, which also words the error.
fn decode(bytes: &[u8]) -> Result<State, LoadProblem> {
    #[derive(serde::Deserialize)]
    struct Head {
        version: Option<u64>,
    }
    let object = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if let (true, Ok(Head { version: Some(v) })) = (object, serde_json::from_slice::<Head>(bytes)) {
        if v == u64::from(super::SCHEMA_VERSION) {
            return serde_json::from_slice::<State>(bytes).map_err(|e| {
                LoadProblem::Corrupt(format!("does not match schema version {v}: {e}"))
            });
        }
    }
    let doc: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| LoadProblem::Corrupt(format!("not valid JSON: {e}")))?;
    let version = migrate::version_of(&doc)?;
    let doc = migrate::to_current(doc, version)?;
    let mut state: State = serde_json::from_value(doc).map_err(|e| {
        LoadProblem::Corrupt(format!("does not match schema version {version}: {e}"))
    })?;
    state.version = super::SCHEMA_VERSION;
    Ok(state)
}

fn write_replace(tmp: &Path, target: &Path, bytes: &[u8]) -> Result<(), StateError> {
    // A stale temp file from a crash may have another mode; start from nothing.
    match fs::remove_file(tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(StateError::io("remove the stale temp file", tmp, e)),
    }
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(tmp)
        .map_err(|e| StateError::io("create the temp file", tmp, e))?;
    f.write_all(bytes)
        .map_err(|e| StateError::io("write", tmp, e))?;
    f.sync_all().map_err(|e| StateError::io("fsync", tmp, e))?;
    drop(f);
    fs::rename(tmp, target).map_err(|e| StateError::io("rename the temp file onto", target, e))?;
    sync_dir(&parent_dir(target))
}

/// Makes a rename durable: the directory entry itself must reach the disk.
fn sync_dir(dir: &Path) -> Result<(), StateError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StateError::io("fsync the directory", dir, e))
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn sibling(path: &Path, prefix: &str, suffix: &str) -> PathBuf {
    let mut name = std::ffi::OsString::from(prefix);
    name.push(path.file_name().unwrap_or_default());
    name.push(suffix);
    path.with_file_name(name)
}

/// `state.json` → `.state.json.tmp` (hidden, same directory so the rename is atomic).
fn temp_path(path: &Path) -> PathBuf {
    sibling(path, ".", ".tmp")
}

fn corrupt_prefix(path: &Path) -> String {
    format!(
        "{}.corrupt-",
        path.file_name().unwrap_or_default().to_string_lossy()
    )
}

/// Renames the file to `<file>.corrupt-<now>` (with `-2`, `-3`… if taken) and returns the name.
fn set_aside(path: &Path, now: DateTime<Utc>) -> Result<PathBuf, StateError> {
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    let mut n = 1;
    let target = loop {
        let suffix = if n == 1 {
            format!(".corrupt-{stamp}")
        } else {
            format!(".corrupt-{stamp}-{n}")
        };
        let candidate = sibling(path, "", &suffix);
        if !candidate.exists() {
            break candidate;
        }
        n += 1;
    };
    fs::rename(path, &target).map_err(|e| StateError::io("move aside the unusable", path, e))?;
    sync_dir(&parent_dir(path))?;
    Ok(target)
}

/// Files an earlier `set_aside` left next to `path`, sorted.
fn set_aside_files(path: &Path) -> Result<Vec<PathBuf>, StateError> {
    let dir = parent_dir(path);
    let prefix = corrupt_prefix(path);
    let mut out: Vec<PathBuf> = fs::read_dir(&dir)
        .map_err(|e| StateError::io("list", &dir, e))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect();
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_takes_the_fast_path_and_sets_saved_at() {
        let now: DateTime<Utc> = "2027-03-24T13:00:00Z".parse().unwrap();
        let mut state = State::default();
        let bytes = serde_json::to_vec(&state).unwrap();
        assert!(
            saved_at_tail(&bytes, &state).unwrap().is_some(),
            "saved_at is no longer State's last field: save() fell back to the slow path"
        );
        state.saved_at = Some(now - chrono::Duration::hours(1));
        let back = decode(&encode(&state, now).unwrap()).unwrap();
        assert_eq!(back.saved_at, Some(now));
        state.saved_at = Some(now);
        assert_eq!(back, state);
    }
}
