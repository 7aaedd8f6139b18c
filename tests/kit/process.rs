//! Shared helpers for the tests that start the real `slavakt run` binary as a child process: the
//! command with the settings those tests have in common, and a collector that gathers the child's
//! stdout and stderr lines while it runs so a test can wait for, or assert on, what it logged.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

/// `slavakt run --config <config>` polling every second, logging at `info`, with stdout and
/// stderr piped. A test adds or overrides settings (env, stdio) before spawning.
pub fn slavakt_run(config: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_slavakt"));
    c.args(["run", "--config"])
        .arg(config)
        .env("SLAVAKT_DAEMON__POLL_INTERVAL", "1s")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// The lines a child wrote to stdout and stderr so far, in the order they were read (the two
/// streams interleave as they arrive).
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    /// Whether any line so far contains `needle`.
    pub fn contains(&self, needle: &str) -> bool {
        self.0.lock().unwrap().iter().any(|l| l.contains(needle))
    }

    /// A copy of every line so far, e.g. for a failure message.
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// Takes the child's piped stdout and stderr and reads each on its own thread into a [`Log`],
/// so the child never blocks on a full pipe. Panics if either stream was not piped.
pub fn collect_output(child: &mut Child) -> Log {
    let log = Log::default();
    let streams: [Box<dyn Read + Send>; 2] = [
        Box::new(child.stdout.take().expect("stdout is not piped")),
        Box::new(child.stderr.take().expect("stderr is not piped")),
    ];
    for stream in streams {
        let lines = log.0.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
    }
    log
}
