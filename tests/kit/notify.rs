//! Helpers for the channel tests: a real SMTP peer (tests/support/smtp_server.py), a throwaway
//! CA + leaf certificate for 127.0.0.1, and fictional deliveries.

use serde_json::Value;
use slavakt::notify::{Delivery, Message, Thread};
use slavakt::plan::Recipient;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a test waits for a peer to be ready or a message to arrive.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// A throwaway CA and a leaf for 127.0.0.1/localhost signed by it, as PEM files in a temp dir.
pub struct TestCerts {
    pub dir: tempfile::TempDir,
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub fn test_certs() -> TestCerts {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "slavakt test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf_params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let leaf = leaf_params.signed_by(&leaf_key, &ca_cert, &ca_key).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    let cert = dir.path().join("leaf.pem");
    let key = dir.path().join("leaf.key");
    std::fs::write(&ca, ca_cert.pem()).unwrap();
    std::fs::write(&cert, leaf.pem()).unwrap();
    std::fs::write(&key, leaf_key.serialize_pem()).unwrap();
    TestCerts { dir, ca, cert, key }
}

/// A running aiosmtpd peer; killed when dropped.
pub struct SmtpPeer {
    child: Child,
    pub port: u16,
    pub out: tempfile::TempDir,
}

impl SmtpPeer {
    /// `mode`: plain | starttls | tls. `auth`: required user and password.
    pub fn start(mode: &str, certs: Option<&TestCerts>, auth: Option<(&str, &str)>) -> SmtpPeer {
        let out = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_server.py");
        let mut cmd = Command::new("python3");
        cmd.arg(script)
            .arg("--mode")
            .arg(mode)
            .arg("--out")
            .arg(out.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(c) = certs {
            cmd.arg("--cert").arg(&c.cert).arg("--key").arg(&c.key);
        }
        if let Some((u, p)) = auth {
            cmd.arg("--user").arg(u).arg("--password").arg(p);
        }
        let mut child = cmd
            .spawn()
            .expect("python3 with aiosmtpd (python3 -m pip install aiosmtpd)");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(DEADLINE)
            .expect("SMTP peer did not report its port in time");
        let v: Value = serde_json::from_str(line.trim()).unwrap_or_else(|_| {
            panic!("SMTP peer did not start (is aiosmtpd installed?): {line:?}")
        });
        let port = v["port"].as_u64().unwrap() as u16;
        SmtpPeer { child, port, out }
    }

    /// Waits until at least `n` messages were received, then returns them in arrival order.
    pub fn wait_for(&self, n: usize) -> Vec<Value> {
        let start = Instant::now();
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "expected {n} messages, got {}",
                got.len()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Messages received so far.
    pub fn received(&self) -> Vec<Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.out.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }
}

impl Drop for SmtpPeer {
    fn drop(&mut self) {
        if let Some(mut stdin) = self.child.stdin.take() {
            let _ = stdin.flush();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every value of header `name` (case-insensitive) in a received message.
pub fn headers(msg: &Value, name: &str) -> Vec<String> {
    msg["headers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h[0].as_str().unwrap().eq_ignore_ascii_case(name))
        .map(|h| h[1].as_str().unwrap().to_string())
        .collect()
}

pub fn header(msg: &Value, name: &str) -> String {
    let all = headers(msg, name);
    assert_eq!(all.len(), 1, "expected one {name} header, got {all:?}");
    all[0].clone()
}

/// A fictional delivery about ticket 4711 with Norwegian characters everywhere.
pub fn delivery(key: &str, address: &str, previous: Vec<String>, important: bool) -> Delivery {
    Delivery {
        key: key.to_string(),
        ticket: 4711,
        recipient: Recipient {
            name: "Kari Ødegård".into(),
            address: address.to_string(),
        },
        message: Message {
            subject: "Kritisk: Fagsystem for pleie og omsorg er nede på Ålesund-kontoret".into(),
            text: "Hei Kari,\n\nVi jobber med feilen. Blåbær og rødgrøt: æøå ÆØÅ.\n".into(),
            html: "<p>Hei Kari,</p><p>Vi jobber med feilen. Blåbær og rødgrøt: æøå ÆØÅ.</p>".into(),
            short: "Kritisk feil i fagsystem PLO. Vi jobber med saken. Hilsen ROR-IKT, æøå.".into(),
            important,
            level: "kritisk".into(),
            attachments: Vec::new(),
        },
        thread: Thread { previous },
    }
}
