//! Writing owed report drafts into `daemon.reports_dir`: each atomically (temporary file,
//! fsync, rename), so a reader never sees half a report and a crash leaves either nothing or
//! the whole file. A write that fails stays owed and is tried again next cycle.

use super::Record;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes every owed draft; marks each written one (dropping its text from the state).
/// Returns the written paths and the failures (key, error), for the log.
pub fn write_owed(
    records: &mut BTreeMap<String, Record>,
    dir: &Path,
    now: DateTime<Utc>,
) -> (Vec<PathBuf>, Vec<(String, String)>) {
    let mut written = Vec::new();
    let mut failed = Vec::new();
    for (key, r) in records.iter_mut().filter(|(_, r)| r.is_owed()) {
        let Some(text) = r.draft.as_deref() else {
            continue;
        };
        match write_atomically(dir, &r.file, text) {
            Ok(path) => {
                r.written_at = Some(now);
                r.draft = None;
                written.push(path);
            }
            Err(e) => failed.push((key.clone(), e)),
        }
    }
    (written, failed)
}

fn write_atomically(dir: &Path, file: &str, text: &str) -> Result<PathBuf, String> {
    // The name comes from our own pattern, but never let it leave the directory.
    if file.contains(['/', '\\']) || file.starts_with('.') {
        return Err(format!("refusing report file name {file:?}"));
    }
    let show = |e: std::io::Error, what: &str, p: &Path| format!("{what} {}: {e}", p.display());
    std::fs::create_dir_all(dir).map_err(|e| show(e, "cannot create", dir))?;
    let path = dir.join(file);
    let tmp = dir.join(format!(".{file}.tmp"));
    // 0640 like the rest of slavakt's data (not 0644 under umask 022).
    crate::atomic_file::replace(&tmp, &path, 0o640, |w| w.write_all(text.as_bytes()))
        .map_err(|e| e.to_string())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn owed(file: &str) -> Record {
        Record {
            file: file.into(),
            drafted_at: Utc.with_ymd_and_hms(2027, 3, 24, 12, 0, 0).unwrap(),
            written_at: None,
            draft: Some("# Rapport\n".into()),
            error: None,
        }
    }

    #[test]
    fn writes_owed_drafts_once_and_keeps_failures_owed() {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc.with_ymd_and_hms(2027, 3, 24, 12, 1, 0).unwrap();
        let mut records = BTreeMap::new();
        records.insert("1/1".to_string(), owed("hendelse-1-2027-03-24.md"));
        records.insert("2/1".to_string(), owed("../utenfor.md"));
        let (written, failed) = write_owed(&mut records, &dir.path().join("reports"), now);
        assert_eq!(written.len(), 1);
        assert_eq!(std::fs::read_to_string(&written[0]).unwrap(), "# Rapport\n");
        assert_eq!(failed.len(), 1, "{failed:?}");
        assert_eq!(records["1/1"].written_at, Some(now));
        assert_eq!(records["1/1"].draft, None);
        assert!(records["2/1"].is_owed());
        // Nothing owed any more for the written one: a second pass writes nothing new.
        let (again, _) = write_owed(&mut records, &dir.path().join("reports"), now);
        assert!(again.is_empty());
        // No temporary files left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path().join("reports"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        assert_eq!(names, vec!["hendelse-1-2027-03-24.md".to_string()]);
    }

    #[test]
    fn an_unwritable_directory_keeps_the_draft_owed() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("not-a-dir");
        std::fs::write(&blocker, b"x").unwrap();
        let now = Utc.with_ymd_and_hms(2027, 3, 24, 12, 1, 0).unwrap();
        let mut records = BTreeMap::new();
        records.insert("1/1".to_string(), owed("hendelse-1-2027-03-24.md"));
        let (written, failed) = write_owed(&mut records, &blocker, now);
        assert!(written.is_empty());
        assert!(failed[0].1.contains("not-a-dir"), "{failed:?}");
        assert!(records["1/1"].is_owed());
    }
}
