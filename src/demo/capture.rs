//! Loopback capture peers for `demo` and the benchmark: a minimal SMTP sink and an HTTP sink that
//! accept everything and record what arrived, so the real channel code can run with no outside
//! service. (The test suite uses a real SMTP server, aiosmtpd, instead; see tests/support.)

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::routing::any;
use axum::Router;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// One message or request that reached a sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Captured {
    Mail {
        from: String,
        to: Vec<String>,
        /// The raw message as sent in DATA (headers and body, dot-unstuffed).
        data: String,
    },
    Http {
        method: String,
        path: String,
        body: String,
    },
}

/// What the sinks received, in arrival order, with a way to wait for more.
#[derive(Debug, Default)]
pub struct Inbox {
    items: Mutex<Vec<Captured>>,
    changed: Notify,
}

impl Inbox {
    pub fn push(&self, c: Captured) {
        self.items.lock().expect("inbox lock").push(c);
        self.changed.notify_waiters();
    }
    pub fn snapshot(&self) -> Vec<Captured> {
        self.items.lock().expect("inbox lock").clone()
    }
    pub fn len(&self) -> usize {
        self.items.lock().expect("inbox lock").len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Waits until at least `n` items arrived or `deadline` passes; returns the count.
    pub async fn wait_for(&self, n: usize, deadline: std::time::Duration) -> usize {
        let until = tokio::time::Instant::now() + deadline;
        loop {
            let notified = self.changed.notified();
            let have = self.len();
            if have >= n {
                return have;
            }
            if tokio::time::timeout_at(until, notified).await.is_err() {
                return self.len();
            }
        }
    }
}

/// Starts an SMTP sink on 127.0.0.1:0 (plain SMTP, no TLS, any AUTH accepted is not offered).
pub async fn smtp_sink(
    inbox: Arc<Inbox>,
    cancel: CancellationToken,
) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                _ = cancel.cancelled() => break,
                a = listener.accept() => a,
            };
            let Ok((sock, _)) = accepted else { continue };
            let inbox = inbox.clone();
            tokio::spawn(async move {
                let _ = smtp_session(sock, inbox).await;
            });
        }
    });
    Ok(addr)
}

async fn smtp_session(sock: tokio::net::TcpStream, inbox: Arc<Inbox>) -> std::io::Result<()> {
    let (r, mut w) = sock.into_split();
    let mut lines = BufReader::new(r).lines();
    w.write_all(b"220 slavakt-demo ESMTP capture\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    while let Some(line) = lines.next_line().await? {
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-slavakt-demo\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if upper.starts_with("HELO") {
            b"250 slavakt-demo\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            from = angle(&line[10..]);
            to.clear();
            b"250 ok\r\n"
        } else if upper.starts_with("RCPT TO:") {
            to.push(angle(&line[8..]));
            b"250 ok\r\n"
        } else if upper == "DATA" {
            w.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
            let mut data = String::new();
            let mut ended = false;
            while let Some(l) = lines.next_line().await? {
                if l == "." {
                    ended = true;
                    break;
                }
                let l = l
                    .strip_prefix('.')
                    .filter(|_| l.starts_with(".."))
                    .unwrap_or(&l);
                data.push_str(l);
                data.push_str("\r\n");
            }
            if !ended {
                // The client went away inside DATA (e.g. killed): like a real server, this
                // message was never accepted, so it is not recorded.
                break;
            }
            inbox.push(Captured::Mail {
                from: from.clone(),
                to: std::mem::take(&mut to),
                data,
            });
            b"250 2.0.0 accepted\r\n"
        } else if upper == "QUIT" {
            w.write_all(b"221 bye\r\n").await?;
            break;
        } else if upper.starts_with("RSET") || upper.starts_with("NOOP") {
            b"250 ok\r\n"
        } else {
            b"502 not implemented\r\n"
        };
        w.write_all(reply).await?;
    }
    Ok(())
}

fn angle(s: &str) -> String {
    let s = s.trim();
    let s = s.split_whitespace().next().unwrap_or("");
    s.trim_start_matches('<').trim_end_matches('>').to_string()
}

/// Starts an HTTP sink on 127.0.0.1:0 that answers every request with `status` and an empty JSON
/// object with an `id` (enough for Teams/SharePoint/SMS gateways in the demo).
pub async fn http_sink(
    inbox: Arc<Inbox>,
    cancel: CancellationToken,
) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = Router::new().fallback(any(record)).with_state(inbox);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move { cancel.cancelled().await })
            .await;
    });
    Ok(addr)
}

async fn record(
    State(inbox): State<Arc<Inbox>>,
    method: axum::http::Method,
    uri: Uri,
    body: Bytes,
) -> (StatusCode, String) {
    let n = inbox.len() + 1;
    inbox.push(Captured::Http {
        method: method.to_string(),
        path: uri.path().to_string(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    (
        StatusCode::OK,
        format!(
            "{{\"id\":\"demo-{n}\",\"access_token\":\"demo-token\",\"expires_in\":3600,\"resultCode\":1005}}"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

    #[tokio::test]
    async fn smtp_sink_records_a_mail_sent_by_lettre() {
        let inbox = Arc::new(Inbox::default());
        let cancel = CancellationToken::new();
        let addr = smtp_sink(inbox.clone(), cancel.clone()).await.unwrap();
        let mailer = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
            .port(addr.port())
            .build();
        let msg = Message::builder()
            .from("driftsmeldinger@ror-ikt.example".parse().unwrap())
            .to("ola.nordmann@molde.example".parse().unwrap())
            .subject("Pasientvarsling nede på Bergmo")
            .body(String::from("Feilen er rettet.\n.leading dot"))
            .unwrap();
        mailer.send(msg).await.unwrap();
        assert_eq!(
            inbox.wait_for(1, std::time::Duration::from_secs(10)).await,
            1
        );
        let Captured::Mail { from, to, data } = &inbox.snapshot()[0] else {
            panic!("not a mail")
        };
        assert_eq!(from, "driftsmeldinger@ror-ikt.example");
        assert_eq!(to, &vec!["ola.nordmann@molde.example".to_string()]);
        assert!(data.contains("\r\n.leading dot"), "dot-unstuffed: {data}");
        cancel.cancel();
    }

    #[tokio::test]
    async fn a_mail_cut_off_inside_data_is_not_recorded() {
        use tokio::io::AsyncReadExt;
        let inbox = Arc::new(Inbox::default());
        let cancel = CancellationToken::new();
        let addr = smtp_sink(inbox.clone(), cancel.clone()).await.unwrap();
        // A client that dies halfway through DATA (as under kill -9): never accepted.
        let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
        sock.write_all(
            b"EHLO t\r\nMAIL FROM:<a@ror-ikt.example>\r\nRCPT TO:<b@molde.example>\r\nDATA\r\nSubject: cut",
        )
        .await
        .unwrap();
        let mut seen = Vec::new();
        while !String::from_utf8_lossy(&seen).contains("354") {
            let mut buf = [0u8; 256];
            let n = sock.read(&mut buf).await.unwrap();
            assert!(n > 0, "sink closed early");
            seen.extend_from_slice(&buf[..n]);
        }
        drop(sock);
        // Then a whole mail on a new connection; only that one is in the inbox.
        let mailer = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
            .port(addr.port())
            .build();
        let msg = Message::builder()
            .from("driftsmeldinger@ror-ikt.example".parse().unwrap())
            .to("ola.nordmann@molde.example".parse().unwrap())
            .subject("Hel melding")
            .body(String::from("Alt kom fram."))
            .unwrap();
        mailer.send(msg).await.unwrap();
        inbox.wait_for(1, std::time::Duration::from_secs(10)).await;
        let mails = inbox.snapshot();
        assert_eq!(mails.len(), 1, "{mails:#?}");
        let Captured::Mail { data, .. } = &mails[0] else {
            panic!("not a mail")
        };
        assert!(data.contains("Hel melding"), "{data}");
        cancel.cancel();
    }

    #[tokio::test]
    async fn http_sink_records_posts() {
        let inbox = Arc::new(Inbox::default());
        let cancel = CancellationToken::new();
        let addr = http_sink(inbox.clone(), cancel.clone()).await.unwrap();
        let resp = reqwest::Client::new()
            .post(format!("http://{addr}/webhook/abc"))
            .body("{\"x\":1}")
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success());
        assert_eq!(
            inbox.snapshot(),
            vec![Captured::Http {
                method: "POST".into(),
                path: "/webhook/abc".into(),
                body: "{\"x\":1}".into()
            }]
        );
        cancel.cancel();
    }
}
