//! Native journald logging for `slavakt run` under systemd: each event becomes one journal entry
//! with its priority and its fields as journal fields (`SLAVAKT_TICKET=7001`,
//! `SLAVAKT_RULE=…`, `SLAVAKT_CHANNEL=…`), so `journalctl -u slavakt SLAVAKT_TICKET=7001`
//! finds everything about a ticket. Used only when stdout or stderr really is the journal stream
//! (`JOURNAL_STREAM` names its device and inode, systemd.exec(5)) and the journal socket
//! answers; otherwise `run` keeps writing `<N>`-prefixed lines to stdout.

use std::os::fd::AsFd;
use std::os::unix::fs::MetadataExt;

/// Prefix of every event field in the journal: `ticket` → `SLAVAKT_TICKET`.
pub const FIELD_PREFIX: &str = "SLAVAKT";

/// Whether `journal_stream` (`DEVICE:INODE`) is this process's stdout or stderr.
pub fn connected(journal_stream: &str) -> bool {
    let Some((dev, ino)) = journal_stream.split_once(':') else {
        return false;
    };
    let (Ok(dev), Ok(ino)) = (dev.parse::<u64>(), ino.parse::<u64>()) else {
        return false;
    };
    let is_stream = |fd: std::os::fd::BorrowedFd<'_>| {
        fd.try_clone_to_owned()
            .ok()
            .and_then(|fd| std::fs::File::from(fd).metadata().ok())
            .is_some_and(|m| m.dev() == dev && m.ino() == ino)
    };
    is_stream(std::io::stdout().as_fd()) || is_stream(std::io::stderr().as_fd())
}

/// The journald layer, or `None` when the journal socket does not answer.
pub fn layer() -> Option<tracing_journald::Layer> {
    use tracing_journald::{Priority, PriorityMappings};
    let layer = tracing_journald::layer().ok()?;
    Some(
        layer
            .with_field_prefix(Some(FIELD_PREFIX.into()))
            .with_syslog_identifier("slavakt".into())
            // The same priorities as the `<N>` prefixes (`run::syslog_priority`): info is 6,
            // so `journalctl -p info` and `-p notice` mean what they say.
            .with_priority_mappings(PriorityMappings {
                error: Priority::Error,
                warn: Priority::Warning,
                info: Priority::Informational,
                debug: Priority::Debug,
                trace: Priority::Debug,
            }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_that_is_not_stdout_or_stderr_is_not_the_journal() {
        assert!(!connected("8:424242"));
        assert!(!connected("garbage"));
        assert!(!connected(""));
    }

    #[test]
    fn a_file_on_stdout_is_recognised_by_device_and_inode() {
        // The test harness's own stdout: whatever it is, its device and inode match.
        let fd = std::io::stdout().as_fd().try_clone_to_owned().unwrap();
        let m = std::fs::File::from(fd).metadata().unwrap();
        assert!(connected(&format!("{}:{}", m.dev(), m.ino())));
    }
}
