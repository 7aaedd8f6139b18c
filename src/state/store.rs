//! The state on disk: open (lock, load snapshot + journal, migrate, heal), save (append what
//! changed to the journal) and compaction (a new snapshot, then an empty journal).
//!
//! Invariants: the snapshot is only ever replaced whole (temp file in the same directory, fsync,
//! rename, fsync of the directory), so a crash leaves either the old or the new snapshot, never a
//! mix; a journal line is appended with one write and made durable before `save` returns, and a
//! torn last line is dropped at open; the snapshot names the last journal line it includes, so a
//! crash between a compaction's rename and its journal reset replays nothing twice; both files
//! are mode 0600; while a [`Store`] lives, no other process can open the same files.

use super::journal::{self, Shadow};
use super::lock::{self, StateLock};
use super::{heal, migrate, Health, LoadProblem, State, StateError};
use chrono::{DateTime, Utc};
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Health facts alone (`last_poll_ok`, the last poll error) are written at most this often: they
/// are served from memory, and losing a few minutes of them in a crash loses nothing that
/// matters.
pub const HEALTH_EVERY: chrono::Duration = chrono::Duration::minutes(5);

/// A journal longer than this, or than half the snapshot, is compacted into a new snapshot.
const COMPACT_MIN_BYTES: u64 = 1 << 20;
/// A journal older than this is compacted whatever its size (bounded replay at start-up).
const COMPACT_AFTER: chrono::Duration = chrono::Duration::days(7);

/// What the store wrote since it was opened (for the benchmark and the logs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Saves that wrote something (a journal line or a snapshot).
    pub writes: u64,
    pub journal_lines: u64,
    pub compactions: u64,
    /// Bytes handed to the file system (journal lines and snapshots).
    pub bytes_written: u64,
    /// Bytes of journal lines: what actually changed.
    pub journal_bytes_written: u64,
}

/// An open, locked state file.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    journal_path: PathBuf,
    lock: StateLock,
    fresh: bool,
    healed: Vec<String>,
    torn: bool,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    shadow: Shadow,
    /// Sequence number of the last journal line written (or included in the snapshot).
    seq: u64,
    journal: Option<File>,
    journal_bytes: u64,
    snapshot_bytes: u64,
    /// When the first line after the last compaction was written.
    journal_since: Option<DateTime<Utc>>,
    /// When health facts were last written.
    health_at: Option<DateTime<Utc>>,
    /// The next save writes a snapshot (no snapshot yet, a migrated one, or a failed write).
    must_compact: bool,
    /// `State::touched` up to here is on disk.
    touch_mark: u64,
    stats: WriteStats,
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
        let journal_path = journal_path(&path);
        let (mut state, journal_seq, migrated, snapshot_bytes, fresh) = match fs::read(&path) {
            Ok(bytes) => match decode(&bytes) {
                Ok((state, seq, migrated)) => (state, seq, migrated, bytes.len() as u64, false),
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
                (State::default(), 0, false, 0, true)
            }
            Err(e) => return Err(StateError::io("read", &path, e)),
        };
        let replay = replay_journal(&journal_path, &mut state, journal_seq, fresh)?;
        if replay.torn {
            // Cut the torn tail off, so the next line does not continue it.
            let f = OpenOptions::new()
                .write(true)
                .open(&journal_path)
                .map_err(|e| StateError::io("open", &journal_path, e))?;
            f.set_len(replay.valid_len)
                .and_then(|()| f.sync_all())
                .map_err(|e| StateError::io("cut the torn last line off", &journal_path, e))?;
        }
        state.ledger.slim_settled();
        let healed = heal::heal_in_flight(&mut state, now);
        let shadow = Shadow::of(&state);
        let inner = Inner {
            shadow,
            seq: replay.last_seq.max(journal_seq),
            journal: None,
            journal_bytes: replay.valid_len,
            snapshot_bytes,
            journal_since: (replay.valid_len > 0).then_some(now),
            // The first poll after a start is written at once (a restart shows on disk).
            health_at: None,
            must_compact: fresh || migrated,
            touch_mark: 0,
            stats: WriteStats::default(),
        };
        Ok((
            Store {
                path,
                journal_path,
                lock,
                fresh,
                healed,
                torn: replay.torn,
                inner: Mutex::new(inner),
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

    /// Whether the journal ended in a torn line at open (dropped; worth a log line).
    pub fn dropped_torn_line(&self) -> bool {
        self.torn
    }

    pub fn journal_path(&self) -> &Path {
        &self.journal_path
    }

    /// What this store wrote since it was opened.
    pub fn stats(&self) -> WriteStats {
        self.inner().stats
    }

    /// Whether health facts differ from the disk and were last written [`HEALTH_EVERY`] ago or
    /// more: then a save is due even if nothing else changed.
    pub fn health_due(&self, health: &Health, now: DateTime<Utc>) -> bool {
        let inner = self.inner();
        inner.shadow.health_differs(health)
            && !inner.health_at.is_some_and(|at| now - at < HEALTH_EVERY)
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Persists `state`: appends one journal line with what changed since the last save (and
    /// fsyncs it), or writes nothing if nothing did; health facts alone only every
    /// [`HEALTH_EVERY`]. When the journal has grown large or old, writes a new snapshot instead
    /// (atomically, like every snapshot) and empties the journal. Changed tickets must have been
    /// marked with [`State::touch_ticket`]. Returns the bytes on disk (snapshot + journal).
    /// On error what is on disk is unchanged (a torn journal line at most, dropped at the
    /// next open), and the next save writes a whole snapshot.
    pub fn save(&self, state: &State, now: DateTime<Utc>) -> Result<u64, StateError> {
        let mut inner = self.inner();
        let (touched, mark) = state.touched.since(inner.touch_mark);
        let compact_due = inner.must_compact
            || inner.journal_bytes > COMPACT_MIN_BYTES.max(inner.snapshot_bytes / 2)
            || inner
                .journal_since
                .is_some_and(|at| now - at >= COMPACT_AFTER);
        if compact_due {
            return self.compact_locked(&mut inner, state, &touched, mark, now);
        }
        let seq = inner.seq + 1;
        let health_due = !inner.health_at.is_some_and(|at| now - at < HEALTH_EVERY);
        let line = inner.shadow.changes(state, &touched, seq, now, health_due);
        if line.is_empty() {
            inner.touch_mark = mark;
            return Ok(inner.snapshot_bytes + inner.journal_bytes);
        }
        let wrote_health = line.writes_health();
        let mut bytes = serde_json::to_vec(&line).map_err(|e| {
            StateError::io(
                "serialize the changes for",
                &self.journal_path,
                std::io::Error::other(e),
            )
        })?;
        drop(line);
        bytes.push(b'\n');
        if let Err(e) = self.append(&mut inner, &bytes) {
            // The shadow already counts the line as written: only a snapshot is safe now.
            inner.must_compact = true;
            return Err(e);
        }
        inner.seq = seq;
        inner.touch_mark = mark;
        inner.journal_bytes += bytes.len() as u64;
        inner.journal_since.get_or_insert(now);
        if wrote_health {
            inner.health_at = Some(now);
        }
        let n = bytes.len() as u64;
        inner.stats.writes += 1;
        inner.stats.journal_lines += 1;
        inner.stats.bytes_written += n;
        inner.stats.journal_bytes_written += n;
        Ok(inner.snapshot_bytes + inner.journal_bytes)
    }

    /// Writes a new snapshot of `state` now and empties the journal (a clean stop does this, so
    /// the admin finds one whole file). Returns the snapshot's size.
    pub fn compact(&self, state: &State, now: DateTime<Utc>) -> Result<u64, StateError> {
        let mut inner = self.inner();
        let (touched, mark) = state.touched.since(inner.touch_mark);
        self.compact_locked(&mut inner, state, &touched, mark, now)
    }

    fn compact_locked(
        &self,
        inner: &mut Inner,
        state: &State,
        touched: &std::collections::BTreeSet<crate::ticket::TicketId>,
        mark: u64,
        now: DateTime<Utc>,
    ) -> Result<u64, StateError> {
        let fail = |inner: &mut Inner, e: StateError| {
            inner.must_compact = true;
            e
        };
        let tmp = temp_path(&self.path);
        let (seq, path) = (inner.seq, &self.path);
        let written = write_replace(&tmp, path, |f| {
            // Streamed into the file: no second copy of the whole state in memory.
            match encode_to(f, state, seq, now) {
                Err(e) if e.kind() == ErrorKind::InvalidData => {
                    // `saved_at` is no longer State's last field: the slower tree path.
                    f.get_mut().set_len(0)?;
                    std::io::Seek::rewind(f.get_mut())?;
                    let mut bytes = encode(state, seq, now).map_err(std::io::Error::other)?;
                    bytes.push(b'\n');
                    f.write_all(&bytes)
                }
                other => other,
            }
        });
        let size = match written {
            Ok(size) => size,
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                return Err(fail(inner, e));
            }
        };
        // The snapshot includes every journal line up to `seq`; a crash before the reset below
        // leaves lines that the next open skips.
        if inner.journal_bytes > 0 || self.journal_path.exists() {
            let reset = self.open_journal(inner).and_then(|f| {
                f.set_len(0)
                    .and_then(|()| f.sync_all())
                    .map_err(|e| StateError::io("empty", &self.journal_path, e))
            });
            if let Err(e) = reset {
                return Err(fail(inner, e));
            }
        }
        let _ = inner.shadow.changes(state, touched, 0, now, true);
        inner.journal_bytes = 0;
        inner.journal_since = None;
        inner.health_at = Some(now);
        inner.snapshot_bytes = size;
        inner.must_compact = false;
        inner.touch_mark = mark;
        inner.stats.writes += 1;
        inner.stats.compactions += 1;
        inner.stats.bytes_written += size;
        Ok(size)
    }

    fn open_journal<'a>(&self, inner: &'a mut Inner) -> Result<&'a mut File, StateError> {
        if inner.journal.is_none() {
            let f = OpenOptions::new()
                .append(true)
                .create(true)
                .mode(0o600)
                .open(&self.journal_path)
                .map_err(|e| StateError::io("open", &self.journal_path, e))?;
            inner.journal = Some(f);
        }
        Ok(inner.journal.as_mut().expect("opened above"))
    }

    fn append(&self, inner: &mut Inner, bytes: &[u8]) -> Result<(), StateError> {
        let created = !self.journal_path.exists();
        let f = self.open_journal(inner)?;
        f.write_all(bytes)
            .and_then(|()| f.sync_data())
            .map_err(|e| StateError::io("append to", &self.journal_path, e))?;
        if created {
            sync_dir_of(&self.journal_path)?;
        }
        Ok(())
    }
}

/// What replaying the journal found.
struct Replay {
    last_seq: u64,
    valid_len: u64,
    torn: bool,
}

/// Applies the journal's lines after `after` to `state`. A journal without a snapshot is refused:
/// replaying it onto an empty state would be a partial state.
fn replay_journal(
    journal_path: &Path,
    state: &mut State,
    after: u64,
    no_snapshot: bool,
) -> Result<Replay, StateError> {
    let unusable = |problem| StateError::Unusable {
        path: journal_path.to_path_buf(),
        moved_to: None,
        problem,
    };
    let bytes = match fs::read(journal_path) {
        Ok(b) => b,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Ok(Replay {
                last_seq: 0,
                valid_len: 0,
                torn: false,
            })
        }
        Err(e) => return Err(StateError::io("read", journal_path, e)),
    };
    let read = journal::read(&bytes).map_err(unusable)?;
    if no_snapshot && !read.lines.is_empty() {
        return Err(unusable(LoadProblem::Corrupt(
            "there is a journal but no snapshot next to it; restore the snapshot, or move the journal away to start fresh on purpose".into(),
        )));
    }
    let mut last_seq = 0;
    for line in read.lines {
        last_seq = line.seq;
        if line.seq > after {
            line.apply(state);
        }
    }
    Ok(Replay {
        last_seq,
        valid_len: read.valid_len,
        torn: read.torn,
    })
}

/// Loads the state (snapshot + journal) without locking, moving or healing it — for
/// `slavakt status`, which reads while the daemon runs (the snapshot is replaced whole, and a
/// journal line being written counts as torn and is left out). `None` if there is no snapshot.
pub fn read_only(path: &Path) -> Result<Option<State>, StateError> {
    match fs::read(path) {
        Ok(bytes) => {
            let (mut state, seq, _) = decode(&bytes).map_err(|problem| StateError::Unusable {
                path: path.to_path_buf(),
                moved_to: None,
                problem,
            })?;
            replay_journal(&journal_path(path), &mut state, seq, false)?;
            Ok(Some(state))
        }
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StateError::io("read", path, e)),
    }
}

/// `state.json` → `state.json.journal`.
pub fn journal_path(path: &Path) -> PathBuf {
    sibling(path, "", ".journal")
}

/// [`State`] → snapshot bytes with `journal_seq` = `seq` and `saved_at` = `now`.
///
/// Serialized straight to bytes: going through a `serde_json::Value` tree first (to set
/// `saved_at`) cost about twice the time and a second copy of the whole state in memory. `saved_at`
/// is the last field of `State`, so the fast path swaps the serialized tail; should the field
/// order ever change, the tail does not match and the slower tree path still gives a right file.
pub(crate) fn encode(state: &State, seq: u64, now: DateTime<Utc>) -> serde_json::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec(state)?;
    if let Some(len) = saved_at_tail(&bytes, state)? {
        bytes.truncate(len);
        bytes.extend_from_slice(format!(",\"journal_seq\":{seq},\"saved_at\":").as_bytes());
        serde_json::to_writer(&mut bytes, &now)?;
        bytes.push(b'}');
        return Ok(bytes);
    }
    let mut doc = serde_json::to_value(state)?;
    doc["journal_seq"] = seq.into();
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

/// Snapshot bytes → current-version [`State`], the last journal line it includes, and whether
/// it was migrated from an older version.
///
/// A file of the current version is parsed straight into `State` (one pass, no intermediate
/// `Value` tree: at 10,000 tickets that halved start-up time and peak memory). Anything else —
/// an older version to migrate, or a file that is not what it should be — takes the general
/// path, which also words the error.
pub(crate) fn decode(bytes: &[u8]) -> Result<(State, u64, bool), LoadProblem> {
    #[derive(serde::Deserialize)]
    struct Head {
        version: Option<u64>,
        #[serde(default)]
        journal_seq: u64,
    }
    let object = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if let (
        true,
        Ok(Head {
            version: Some(v),
            journal_seq,
        }),
    ) = (object, serde_json::from_slice::<Head>(bytes))
    {
        if v == u64::from(super::SCHEMA_VERSION) {
            return serde_json::from_slice::<State>(bytes)
                .map(|s| (s, journal_seq, false))
                .map_err(|e| {
                    LoadProblem::Corrupt(format!("does not match schema version {v}: {e}"))
                });
        }
    }
    let doc: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| LoadProblem::Corrupt(format!("not valid JSON: {e}")))?;
    let version = migrate::version_of(&doc)?;
    let doc = migrate::to_current(doc, version)?;
    let seq = doc.get("journal_seq").and_then(|v| v.as_u64()).unwrap_or(0);
    let mut state: State = serde_json::from_value(doc).map_err(|e| {
        LoadProblem::Corrupt(format!("does not match schema version {version}: {e}"))
    })?;
    state.version = super::SCHEMA_VERSION;
    Ok((state, seq, true))
}

/// Writes a new file at `tmp` with `write` (buffered, mode 0600), fsyncs it and renames it
/// onto `target` (see [`crate::atomic_file`]). Returns the file's size.
fn write_replace(
    tmp: &Path,
    target: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<File>) -> std::io::Result<()>,
) -> Result<u64, StateError> {
    crate::atomic_file::replace(tmp, target, 0o600, write)
        .map_err(|e| StateError::io(e.step, &e.path, e.source))
}

/// Streams the snapshot of `state` into `out`: the state's JSON with its `,"saved_at":…}` tail
/// held back and replaced by `,"journal_seq":seq,"saved_at":now}` and a newline. An
/// `InvalidData` error means the tail was not there (`saved_at` no longer the last field).
fn encode_to(
    out: &mut impl Write,
    state: &State,
    seq: u64,
    now: DateTime<Utc>,
) -> std::io::Result<()> {
    /// Forwards everything but the last `keep` bytes.
    struct HoldBack<'a, W: Write> {
        inner: &'a mut W,
        held: Vec<u8>,
        keep: usize,
    }
    impl<W: Write> Write for HoldBack<'_, W> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.held.extend_from_slice(buf);
            if self.held.len() > self.keep {
                let excess = self.held.len() - self.keep;
                self.inner.write_all(&self.held[..excess])?;
                self.held.drain(..excess);
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.inner.flush()
        }
    }
    let mut tail = b",\"saved_at\":".to_vec();
    serde_json::to_writer(&mut tail, &state.saved_at)?;
    tail.push(b'}');
    let mut w = HoldBack {
        inner: out,
        held: Vec::with_capacity(2 * tail.len()),
        keep: tail.len(),
    };
    serde_json::to_writer(&mut w, state)?;
    if w.held != tail {
        return Err(std::io::Error::new(
            ErrorKind::InvalidData,
            "saved_at is not the last field of State",
        ));
    }
    write!(out, ",\"journal_seq\":{seq},\"saved_at\":")?;
    serde_json::to_writer(&mut *out, &now)?;
    out.write_all(b"}\n")
}

/// Makes a new or renamed `path` durable: its directory entry must reach the disk.
fn sync_dir_of(path: &Path) -> Result<(), StateError> {
    crate::atomic_file::sync_dir(path).map_err(|e| StateError::io(e.step, &e.path, e.source))
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
    sync_dir_of(path)?;
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
        let (back, seq, migrated) = decode(&encode(&state, 7, now).unwrap()).unwrap();
        assert_eq!((seq, migrated), (7, false));
        assert_eq!(back.saved_at, Some(now));
        state.saved_at = Some(now);
        assert_eq!(back, state);
        // The streamed snapshot is byte for byte the buffered one.
        let mut streamed = Vec::new();
        encode_to(&mut streamed, &state, 7, now).unwrap();
        let mut buffered = encode(&state, 7, now).unwrap();
        buffered.push(b'\n');
        assert_eq!(streamed, buffered);
    }
}
