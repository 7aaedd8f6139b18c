//! Errors of the state store. Each message says what happened to the file and what the admin
//! can do; the daemon prints it and exits 2.

use std::path::PathBuf;

/// Why a state file could not be used as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadProblem {
    /// Not JSON, not an object, or JSON that does not fit the schema it claims.
    Corrupt(String),
    /// A `version` this build does not know (newer, or nonsense).
    UnknownVersion(String),
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(
        "state file {state_file} is in use by another slavakt process{holder} (lock {lock_file} is held); \
         stop the other instance (e.g. `systemctl stop slavakt`) or give this one its own daemon.state_file"
    )]
    Locked {
        state_file: PathBuf,
        lock_file: PathBuf,
        /// " (pid N)" when the holder wrote its pid, else empty.
        holder: String,
    },

    #[error("{}", describe_unusable(.path, .moved_to, .problem))]
    Unusable {
        path: PathBuf,
        /// Where the file was moved; `None` when only read (e.g. `slavakt status`).
        moved_to: Option<PathBuf>,
        problem: LoadProblem,
    },

    #[error(
        "state file {path} does not exist, but an earlier state file was set aside as {}; \
         slavakt will not start from an empty state, which would re-send notices about every open ticket. \
         Restore a good copy to {path}, or, to start fresh on purpose, move the set-aside file(s) out of the directory",
        list(.set_aside)
    )]
    SetAside {
        path: PathBuf,
        set_aside: Vec<PathBuf>,
    },

    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The PostgreSQL backend failed; `target` has no password, `detail` is scrubbed of it.
    #[error("cannot {action} the state database {target}: {detail}")]
    Database {
        action: &'static str,
        target: String,
        detail: String,
    },

    /// The database refused a save: another instance took the lease (see `docs/HA.md`).
    #[error(
        "the state database refused the save: this instance's leadership (generation {mine}) has \
         ended and another instance leads (generation {current}); nothing was written or sent"
    )]
    Fenced { mine: u64, current: u64 },

    /// A save was asked of an instance that does not hold the lease.
    #[error("this instance is a standby (it does not hold the lease): it saves nothing")]
    NotLeader,
}

impl StateError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        StateError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

fn list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_unusable(
    path: &std::path::Path,
    moved_to: &Option<PathBuf>,
    problem: &LoadProblem,
) -> String {
    let what = match problem {
        LoadProblem::Corrupt(why) => format!("state file {} is corrupt ({why})", path.display()),
        LoadProblem::UnknownVersion(why) => format!(
            "state file {} has a schema version this slavakt cannot read ({why}; this build reads versions 1 to {})",
            path.display(),
            super::SCHEMA_VERSION
        ),
    };
    match moved_to {
        Some(to) => format!(
            "{what}. It was moved aside, unchanged, to {}. slavakt stopped rather than start empty and re-send notices about every open ticket. \
             To continue: restore a good copy (or the moved file, repaired) to {}{}; \
             to start fresh on purpose instead, move the set-aside file out of the directory",
            to.display(),
            path.display(),
            match problem {
                LoadProblem::UnknownVersion(_) => ", or run the newer slavakt that wrote it",
                LoadProblem::Corrupt(_) => "",
            }
        ),
        None => what,
    }
}
