//! Shared helpers for the tests that start the real `slavakt run` binary as a child process: the
//! command with the settings those tests have in common, and a collector that gathers the child's
//! stdout and stderr lines while it runs so a test can wait for, or assert on, what it logged;
//! and the demo world such a child runs against ([`demo_world`]).

use slavakt::clock::Clock;
use slavakt::demo::capture::{self, Inbox};
use slavakt::demo::{script, world};
use slavakt::pureservice::fake::{FakeOptions, FakePureservice};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
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

/// What a `slavakt run` child runs against: the fake Pureservice with the demo script's reference
/// data, loopback SMTP and HTTP capture sinks into one inbox (stopped with `cancel`), and the
/// shipped config pointed at them, written to `config_path` in `dir`.
pub struct DemoWorld {
    pub fake: FakePureservice,
    pub inbox: Arc<Inbox>,
    pub cancel: tokio_util::sync::CancellationToken,
    pub dir: tempfile::TempDir,
    pub peers: world::Peers,
    pub config_path: PathBuf,
}

/// Starts the [`DemoWorld`] with the fake Pureservice on `clock`.
pub async fn demo_world(clock: Arc<dyn Clock>) -> DemoWorld {
    let fake = FakePureservice::start(FakeOptions::new(clock))
        .await
        .unwrap();
    script::prepare(&fake);
    let cancel = tokio_util::sync::CancellationToken::new();
    let inbox = Arc::new(Inbox::default());
    let smtp = capture::smtp_sink(inbox.clone(), cancel.clone())
        .await
        .unwrap();
    let http = capture::http_sink(inbox.clone(), cancel.clone())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let peers = world::Peers {
        pureservice: fake.base_url(),
        api_key: fake.api_key().expose().to_string(),
        smtp,
        http,
    };
    let config_path = dir.path().join("slavakt.toml");
    std::fs::write(
        &config_path,
        world::config_text(&peers, dir.path()).unwrap(),
    )
    .unwrap();
    DemoWorld {
        fake,
        inbox,
        cancel,
        dir,
        peers,
        config_path,
    }
}
