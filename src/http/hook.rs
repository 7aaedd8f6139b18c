//! `POST /hooks/pureservice`: the push hint. A Pureservice workflow calls it when a ticket
//! changes (one call, no retry), and the run loop starts a poll and cycle at once instead of
//! waiting out `poll_interval`. It is only a hint: nothing in the body is read or trusted, the
//! poll stays the source of truth, so a lost or forged-but-authorised call costs at most one
//! extra poll.
//!
//! Guarded by its own `daemon.hook_token` (not `http_token`: the workflow knows only this one),
//! given as `?token=` or `Authorization: Bearer`, compared in constant time. Without a token
//! configured the path does not exist (404 for every method). Bodies over [`MAX_BODY`] are
//! refused with 413 and start nothing.

use super::HttpShared;
use axum::extract::{Request, State as AxState};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The largest body accepted. A workflow's call carries a few fields at most; anything bigger
/// is not from it.
pub const MAX_BODY: usize = 64 * 1024;

pub async fn pureservice(AxState(shared): AxState<Arc<HttpShared>>, request: Request) -> Response {
    let token = shared.read().config.daemon.hook_token.clone();
    let Some(token) = token else {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    };
    if request.method() != Method::POST {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "POST")],
            "POST only\n",
        )
            .into_response();
    }
    let given = presented(&request);
    if !given.is_some_and(|g| same_token(g.as_bytes(), token.expose().as_bytes())) {
        shared.metrics.hook_call("unauthorized");
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer realm=\"slavakt hook\"")],
            "token required (daemon.hook_token)\n",
        )
            .into_response();
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return too_large(&shared);
    }
    // Read (and drop) the body so a chunked one over the limit is refused too.
    if axum::body::to_bytes(request.into_body(), MAX_BODY)
        .await
        .is_err()
    {
        return too_large(&shared);
    }
    shared.metrics.hook_call("accepted");
    shared.hook.notify_one();
    tracing::debug!("push hint from Pureservice: a cycle starts now");
    (StatusCode::ACCEPTED, "ok\n").into_response()
}

fn too_large(shared: &HttpShared) -> Response {
    shared.metrics.hook_call("too_large");
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("body over {} KiB\n", MAX_BODY / 1024),
    )
        .into_response()
}

/// The token from `Authorization: Bearer <t>`, else from `?token=<t>`.
fn presented(request: &Request) -> Option<String> {
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| rest.trim().to_string())
        });
    bearer.or_else(|| {
        let query = request.uri().query()?;
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.into_owned())
    })
}

/// Compares digests, so neither the first differing byte nor the token's length shows in the
/// time taken.
fn same_token(given: &[u8], token: &[u8]) -> bool {
    let a = Sha256::digest(given);
    let b = Sha256::digest(token);
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

#[cfg(test)]
mod tests {
    use super::same_token;

    #[test]
    fn tokens_compare_by_content_only() {
        assert!(same_token(
            b"a-long-token-0123456789",
            b"a-long-token-0123456789"
        ));
        assert!(!same_token(
            b"a-long-token-0123456788",
            b"a-long-token-0123456789"
        ));
        assert!(!same_token(b"", b"a-long-token-0123456789"));
        assert!(!same_token(
            b"a-long-token-01234567890",
            b"a-long-token-0123456789"
        ));
    }
}
