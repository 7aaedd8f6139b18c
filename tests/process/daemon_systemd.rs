//! The `slavakt run` binary talking to systemd: the test plays systemd's side of the notify
//! protocol (a datagram socket named in `NOTIFY_SOCKET`, `WATCHDOG_USEC` set) and checks READY
//! once the state is loaded, WATCHDOG pings while the loop runs, RELOADING then READY on SIGHUP,
//! and STOPPING on SIGTERM; meanwhile `/healthz`, `/metrics` and `/` answer on `http_listen`.
//! Also: a second daemon on the same state file is refused (exit 2, the
//! first one keeps running), and a corrupt state file stops `run` with exit 2 and a clear message.

use slavakt::clock::SystemClock;
use slavakt::pureservice::fake::{FakePureservice, Fault};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

use crate::kit::process as process_support;
use process_support::{collect_output, slavakt_run};
use process_support::{demo_world, DemoWorld};

const DEADLINE: Duration = Duration::from_secs(60);

struct World {
    fake: FakePureservice,
    dir: tempfile::TempDir,
    config_path: PathBuf,
    _cancel: CancellationToken,
}

async fn world() -> World {
    let DemoWorld {
        fake,
        inbox: _,
        cancel,
        dir,
        config_path,
        ..
    } = demo_world(Arc::new(SystemClock)).await;
    World {
        fake,
        dir,
        config_path,
        _cancel: cancel,
    }
}

/// `slavakt run` outside systemd, whatever the environment running the tests holds.
fn slavakt(config: &Path) -> Command {
    let mut c = slavakt_run(config);
    c.env_remove("NOTIFY_SOCKET")
        .env_remove("WATCHDOG_USEC")
        .env_remove("WATCHDOG_PID");
    c
}

/// `slavakt run` as systemd starts it with a watchdog: `NOTIFY_SOCKET`, `WATCHDOG_USEC` and
/// `WATCHDOG_PID` = the daemon's own pid (which sd_notify checks; `exec` keeps the shell's pid).
fn under_systemd(config: &Path, socket: &Path, watchdog_usec: &str) -> Command {
    let c = slavakt(config);
    let args: Vec<std::ffi::OsString> = c.get_args().map(|a| a.to_os_string()).collect();
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg("export WATCHDOG_PID=$$; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_slavakt"))
        .args(args);
    for (k, v) in c.get_envs() {
        match v {
            Some(v) => sh.env(k, v),
            None => sh.env_remove(k),
        };
    }
    sh.env("NOTIFY_SOCKET", socket)
        .env("WATCHDOG_USEC", watchdog_usec);
    sh
}

fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{sig} failed");
}

/// systemd's end of the notify socket: every datagram, split into its `KEY=value` lines.
struct Notifications {
    socket: UnixDatagram,
    seen: Vec<String>,
}

impl Notifications {
    fn bind(path: &Path) -> Notifications {
        let socket = UnixDatagram::bind(path).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        Notifications {
            socket,
            seen: Vec::new(),
        }
    }

    /// Takes in every datagram already sent, without waiting.
    fn drain(&mut self) {
        self.socket.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 4096];
        while let Ok(n) = self.socket.recv(&mut buf) {
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            self.seen.extend(text.lines().map(str::to_string));
        }
        self.socket.set_nonblocking(false).unwrap();
    }

    /// Reads until a line equal to `want` arrives (after those already seen); returns its index.
    fn wait_for(&mut self, want: &str) -> usize {
        let from = self.seen.len();
        let start = Instant::now();
        loop {
            if let Some(i) = self.seen[from..].iter().position(|l| l == want) {
                return from + i;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "no {want} from the daemon; got {:?}",
                self.seen
            );
            let mut buf = [0u8; 4096];
            if let Ok(n) = self.socket.recv(&mut buf) {
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                self.seen.extend(text.lines().map(str::to_string));
            }
        }
    }
}

#[test]
fn ready_watchdog_reloading_and_stopping_reach_systemd() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let w = rt.block_on(world());
    let socket_path = w.dir.path().join("notify.sock");
    let mut notes = Notifications::bind(&socket_path);
    // A free loopback port for health, metrics and the status page.
    let http = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    // 2 s watchdog: the loop must ping about every second, also between 1 s polls.
    let mut child = under_systemd(&w.config_path, &socket_path, "2000000")
        .env("SLAVAKT_DAEMON__HTTP_LISTEN", http.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    let ready = notes.wait_for("READY=1");
    // Several pings while the loop runs.
    for _ in 0..3 {
        assert!(notes.wait_for("WATCHDOG=1") > ready);
    }
    assert!(
        notes.seen.iter().any(|l| l.starts_with("STATUS=")),
        "a STATUS line for systemctl status: {:?}",
        notes.seen
    );

    // The running daemon serves /healthz (200 once a poll succeeded and the state is saved),
    // /metrics and the self-refreshing status page on http_listen.
    let get = |path: &str| {
        rt.block_on(async {
            let r = reqwest::get(format!("http://{http}{path}")).await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        })
    };
    let start = Instant::now();
    while get("/healthz").0 != 200 {
        assert!(
            start.elapsed() < DEADLINE,
            "never healthy: {:?}",
            get("/healthz")
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (status, metrics) = get("/metrics");
    assert_eq!(status, 200);
    assert!(metrics.contains("slavakt_polls_total"), "{metrics}");
    let (status, page) = get("/");
    assert_eq!(status, 200);
    assert!(page.contains("fetch('status.json'"), "{page}");

    signal(child.id(), "HUP");
    let reloading = notes.wait_for("RELOADING=1");
    assert!(notes.wait_for("READY=1") > reloading, "READY after reload");
    assert!(notes.wait_for("WATCHDOG=1") > reloading, "still pinging");

    signal(child.id(), "TERM");
    notes.wait_for("STOPPING=1");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(start.elapsed() < DEADLINE, "did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    let stopping = notes.seen.iter().rposition(|l| l == "STOPPING=1").unwrap();
    assert!(
        !notes.seen[stopping..].iter().any(|l| l == "WATCHDOG=1"),
        "no watchdog ping after STOPPING: {:?}",
        notes.seen
    );
}

fn run_to_exit(config: &Path) -> Output {
    slavakt(config).output().unwrap()
}

#[test]
fn a_second_daemon_on_the_same_state_file_is_refused_and_the_first_keeps_running() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let w = rt.block_on(world());
    let mut first = slavakt(&w.config_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let state_file = w.dir.path().join("state.json");
    let start = Instant::now();
    while !state_file.exists() {
        assert!(start.elapsed() < DEADLINE, "first daemon never saved");
        std::thread::sleep(Duration::from_millis(20));
    }

    let second = run_to_exit(&w.config_path);
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        stderr.contains("state.json") && stderr.to_lowercase().contains("lock"),
        "the message names the file and the lock: {stderr}"
    );
    assert!(first.try_wait().unwrap().is_none(), "the first daemon died");
    let before = std::fs::read(&state_file).unwrap();
    assert!(slavakt::state::read_only(&state_file).unwrap().is_some());

    signal(first.id(), "TERM");
    let status = first.wait().unwrap();
    assert!(status.success());
    assert!(!before.is_empty());
}

#[test]
fn a_corrupt_state_file_stops_run_with_exit_2_and_keeps_the_file() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let w = rt.block_on(world());
    let state_file = w.dir.path().join("state.json");
    std::fs::write(&state_file, b"{\"version\": 1, \"tickets\": [tr").unwrap();

    let out = run_to_exit(&w.config_path);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains("corrupt"), "{stderr}");
    let kept: Vec<PathBuf> = std::fs::read_dir(w.dir.path())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().contains("state.json.corrupt-"))
        .collect();
    assert_eq!(kept.len(), 1, "set aside once: {kept:?}");
    assert!(
        stderr.contains(&*kept[0].file_name().unwrap().to_string_lossy()),
        "the message names where the file went: {stderr}"
    );
    assert_eq!(
        std::fs::read(&kept[0]).unwrap(),
        b"{\"version\": 1, \"tickets\": [tr"
    );
    assert!(!state_file.exists());

    // A restart is not a silent fresh start either.
    let again = run_to_exit(&w.config_path);
    assert_eq!(again.status.code(), Some(2));
    assert!(!state_file.exists(), "no fresh state over a set-aside one");
}

#[test]
fn the_watchdog_is_fed_while_a_poll_hangs_and_a_stop_does_not_wait_for_it() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let w = rt.block_on(world());
    let socket_path = w.dir.path().join("notify.sock");
    let mut notes = Notifications::bind(&socket_path);
    let mut child = under_systemd(&w.config_path, &socket_path, "2000000")
        // Each hanging request costs 5 attempts × 20 s: one poll far outlasts the watchdog.
        .env("SLAVAKT_PURESERVICE__TIMEOUT", "20s")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = collect_output(&mut child);
    notes.wait_for("READY=1");
    notes.wait_for("WATCHDOG=1");

    // Pureservice accepts connections but answers nothing for 10 minutes.
    const HELD: u32 = 1000;
    w.fake
        .inject(Fault::Slow(Duration::from_secs(600)), HELD, None);
    let start = Instant::now();
    while w.fake.faults_left() == HELD {
        assert!(start.elapsed() < DEADLINE, "no request reached Pureservice");
        std::thread::sleep(Duration::from_millis(20));
    }
    // A poll is now waiting on Pureservice: the watchdog must still be fed meanwhile (pings
    // sent before the poll started are drained first).
    notes.drain();
    notes.wait_for("WATCHDOG=1");
    assert!(
        !log.contains("poll failed"),
        "the ping came only after the poll gave up: {:?}",
        log.lines()
    );

    // SIGTERM abandons the hanging poll: a clean stop with the state saved, long before the
    // poll's own timeouts would have run out.
    signal(child.id(), "TERM");
    notes.wait_for("STOPPING=1");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "the stop waited for the hanging poll: {:?}",
            log.lines()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}: {:?}", log.lines());
    assert!(log.contains("the poll in progress was abandoned"));
    assert!(log.contains("stopped; state saved"));
    assert!(!log.contains("poll failed"), "{:?}", log.lines());
}
