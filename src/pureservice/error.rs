//! Errors of the Pureservice client. Each carries the method and URL path (never the query's
//! key, never a header) and, for HTTP failures, the status and a short, scrubbed body excerpt.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PsError {
    /// The server answered with a non-success status.
    #[error("Pureservice {method} {path}: HTTP {status}: {excerpt}")]
    Status {
        method: String,
        path: String,
        status: u16,
        /// At most ~200 characters of the body, with secrets removed.
        excerpt: String,
        /// From `Retry-After`, when the server sent one.
        retry_after: Option<Duration>,
    },
    /// No usable HTTP answer: timeout, refused or reset connection, TLS failure.
    #[error("Pureservice {method} {path}: {kind}: {message}")]
    Transport {
        method: String,
        path: String,
        kind: TransportKind,
        message: String,
    },
    /// 2xx, but the body is not the envelope we expect (the whole page is unusable).
    #[error("Pureservice {method} {path}: malformed response: {message}")]
    Malformed {
        method: String,
        path: String,
        message: String,
    },
    /// The request could not be built (bad base URL, bad header value).
    #[error("Pureservice client: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    Timeout,
    Connect,
    Other,
}

impl std::fmt::Display for TransportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TransportKind::Timeout => "timed out",
            TransportKind::Connect => "connection failed",
            TransportKind::Other => "transport error",
        })
    }
}

impl PsError {
    pub fn status(&self) -> Option<u16> {
        match self {
            PsError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
    /// Whether a later attempt may succeed (429, 502/503/504, timeouts, connection errors).
    pub fn is_transient(&self) -> bool {
        match self {
            PsError::Status { status, .. } => matches!(status, 429 | 502 | 503 | 504),
            PsError::Transport { .. } => true,
            _ => false,
        }
    }
    /// 401/403: the key is wrong, expired or lacks rights.
    pub fn is_auth(&self) -> bool {
        matches!(self.status(), Some(401 | 403))
    }
}

/// First ~200 characters of a body, on one line, with secrets removed.
pub(crate) fn excerpt(body: &[u8], secrets: &[&crate::secret::Secret]) -> String {
    let text = String::from_utf8_lossy(body);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let scrubbed = crate::secret::scrub(&one_line, secrets);
    let mut out: String = scrubbed.chars().take(200).collect();
    if scrubbed.chars().count() > 200 {
        out.push('…');
    }
    if out.is_empty() {
        out.push_str("(empty body)");
    }
    out
}
