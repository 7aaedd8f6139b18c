//! Microsoft identity platform tokens for the Graph channels, cached until shortly before they
//! expire.
//!
//! Two grants: client credentials (app-only; SharePoint news and lists) and refresh token
//! (delegated; Teams channel messages, which app-only tokens cannot post). The refresh token
//! lives in a file; it is read when a token is needed and a rotated one is written back
//! atomically (temp file, fsync, rename, mode 0600). One refresh runs at a time, so two sends
//! never race to spend the same refresh token. Callers that get a 401 call
//! [`GraphToken::invalidate`] and try once more.

use super::http::HttpClient;
use super::NotifyError;
use crate::config::GraphAuth;
use crate::secret::Secret;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
// tokio's clock, so paused test time drives token expiry too.
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Tokens are renewed this long before they expire, so a send never starts with a dying token.
const EXPIRY_MARGIN: Duration = Duration::from_secs(300);
const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    ClientCredentials,
    RefreshToken { file: PathBuf },
}

struct Cached {
    token: Secret,
    renew_at: Instant,
}

#[derive(Default)]
struct State {
    cached: Option<Cached>,
    /// A rotated refresh token that could not be written back (read-only file): used instead
    /// of the file until a write succeeds.
    rotated: Option<Secret>,
}

/// A token source for one (tenant, client, grant).
pub struct GraphToken {
    auth: GraphAuth,
    grant: Grant,
    http: HttpClient,
    state: Mutex<State>,
}

/// `{authority}/{tenant}/oauth2/v2.0/token`
pub fn token_url(auth: &GraphAuth) -> String {
    format!(
        "{}/{}/oauth2/v2.0/token",
        auth.authority.trim_end_matches('/'),
        auth.tenant
    )
}

/// The token request form (pure). Secrets are exposed here because this is the wire.
pub fn token_form(
    auth: &GraphAuth,
    grant: &Grant,
    refresh_token: Option<&Secret>,
) -> Vec<(String, String)> {
    let mut form = vec![("client_id".to_string(), auth.client_id.clone())];
    match grant {
        Grant::ClientCredentials => {
            form.push(("grant_type".into(), "client_credentials".into()));
            form.push(("scope".into(), GRAPH_SCOPE.into()));
        }
        Grant::RefreshToken { .. } => {
            form.push(("grant_type".into(), "refresh_token".into()));
            form.push(("scope".into(), format!("{GRAPH_SCOPE} offline_access")));
            if let Some(rt) = refresh_token {
                form.push(("refresh_token".into(), rt.expose().to_string()));
            }
        }
    }
    if let Some(s) = &auth.client_secret {
        form.push(("client_secret".into(), s.expose().to_string()));
    }
    form
}

impl GraphToken {
    pub fn new(auth: &GraphAuth, grant: Grant, http: HttpClient) -> Result<Self, NotifyError> {
        if url::Url::parse(&token_url(auth)).is_err() {
            return Err(NotifyError::Config(format!(
                "Graph authority {:?} is not a valid URL",
                auth.authority
            )));
        }
        if auth.client_id.trim().is_empty() || auth.tenant.trim().is_empty() {
            return Err(NotifyError::Config(
                "Graph channel needs tenant and client_id".into(),
            ));
        }
        if grant == Grant::ClientCredentials && auth.client_secret.is_none() {
            return Err(NotifyError::Config(
                "Graph app-only access needs client_secret (or client_secret_file)".into(),
            ));
        }
        Ok(GraphToken {
            auth: auth.clone(),
            grant,
            http,
            state: Mutex::new(State::default()),
        })
    }

    /// Secrets of this token source, for scrubbing far-side text.
    pub fn static_secrets(&self) -> Vec<Secret> {
        self.auth.client_secret.iter().cloned().collect()
    }

    /// A valid access token: the cached one, or a fresh one.
    pub async fn get(&self) -> Result<Secret, NotifyError> {
        let mut state = self.state.lock().await;
        if let Some(c) = state.cached.as_ref() {
            if Instant::now() < c.renew_at {
                return Ok(c.token.clone());
            }
        }
        let fresh = self.fetch(&mut state).await?;
        let token = fresh.token.clone();
        state.cached = Some(fresh);
        Ok(token)
    }

    /// Forgets the cached token (after a 401), so the next [`get`](Self::get) fetches anew.
    pub async fn invalidate(&self) {
        self.state.lock().await.cached = None;
    }

    async fn fetch(&self, state: &mut State) -> Result<Cached, NotifyError> {
        let refresh_token = match &self.grant {
            Grant::RefreshToken { file } => match &state.rotated {
                Some(rt) => Some(rt.clone()),
                None => Some(read_refresh_token(file)?),
            },
            Grant::ClientCredentials => None,
        };
        let form = token_form(&self.auth, &self.grant, refresh_token.as_ref());
        let mut secrets = self.static_secrets();
        secrets.extend(refresh_token.iter().cloned());
        let refs: Vec<&Secret> = secrets.iter().collect();
        let req = self.http.client().post(token_url(&self.auth)).form(&form);
        let reply = self
            .http
            .send(req, "Graph token request", &refs)
            .await
            .map_err(|e| match e {
                // invalid_grant / invalid_client come back as 400: only an admin can fix them.
                NotifyError::Permanent(m) => NotifyError::Config(format!(
                    "{m} (the token was refused: check tenant, client_id, client_secret{})",
                    match &self.grant {
                        Grant::RefreshToken { .. } => " and renew the refresh token file",
                        Grant::ClientCredentials => "",
                    }
                )),
                other => other,
            })?;
        let v = reply.json();
        let access = v
            .get("access_token")
            .and_then(|t| t.as_str())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| NotifyError::Config("Graph token answer has no access_token".into()))?;
        let expires_in = v
            .get("expires_in")
            .and_then(|e| {
                e.as_u64()
                    .or_else(|| e.as_str().and_then(|s| s.parse().ok()))
            })
            .unwrap_or(3600);
        if let (Grant::RefreshToken { file }, Some(new_rt)) =
            (&self.grant, v.get("refresh_token").and_then(|t| t.as_str()))
        {
            if Some(new_rt) != refresh_token.as_ref().map(|r| r.expose()) && !new_rt.is_empty() {
                match write_refresh_token(file, new_rt) {
                    Ok(()) => state.rotated = None,
                    Err(e) => {
                        // The access token is good; keep the new refresh token in memory and
                        // say loudly that the file is stale (it may still work until expiry).
                        tracing::warn!(error = %e, "rotated Graph refresh token kept in memory only");
                        state.rotated = Some(Secret::new(new_rt));
                    }
                }
            }
        }
        // Far-side input: an absurd `expires_in` must not overflow `Instant + Duration`.
        let lifetime = Duration::from_secs(expires_in.min(MAX_TOKEN_LIFETIME_SECS))
            .saturating_sub(EXPIRY_MARGIN);
        Ok(Cached {
            token: Secret::new(access),
            renew_at: Instant::now() + lifetime,
        })
    }
}

/// Longest token lifetime believed (Entra ID issues 60–90 minutes); a longer `expires_in` is cut.
const MAX_TOKEN_LIFETIME_SECS: u64 = 24 * 60 * 60;

fn read_refresh_token(file: &Path) -> Result<Secret, NotifyError> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        NotifyError::Config(format!(
            "cannot read the refresh token file {}: {e}",
            file.display()
        ))
    })?;
    let token = text.trim();
    if token.is_empty() {
        return Err(NotifyError::Config(format!(
            "the refresh token file {} is empty",
            file.display()
        )));
    }
    Ok(Secret::new(token))
}

/// Replaces the refresh token file atomically, readable by the owner only.
pub fn write_refresh_token(file: &Path, token: &str) -> Result<(), NotifyError> {
    use std::io::Write;
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "refresh_token".into());
    let tmp = dir.join(format!(".{name}.tmp"));
    crate::atomic_file::replace(&tmp, file, 0o600, |w| {
        w.write_all(token.as_bytes())?;
        w.write_all(b"\n")
    })
    .map_err(|e| {
        NotifyError::Config(format!(
            "cannot write the rotated refresh token to {}: {}",
            file.display(),
            e.source
        ))
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> GraphAuth {
        GraphAuth {
            authority: "https://login.example/".into(),
            tenant: "tenant-1".into(),
            client_id: "client-1".into(),
            client_secret: Some(Secret::new("cs-123456")),
            graph_url: "https://graph.example/v1.0".into(),
        }
    }

    #[test]
    fn token_requests_per_grant() {
        assert_eq!(
            token_url(&auth()),
            "https://login.example/tenant-1/oauth2/v2.0/token"
        );
        let f = token_form(&auth(), &Grant::ClientCredentials, None);
        assert!(f.contains(&("grant_type".into(), "client_credentials".into())));
        assert!(f.contains(&("client_secret".into(), "cs-123456".into())));
        let rt = Secret::new("rt-1");
        let f = token_form(
            &auth(),
            &Grant::RefreshToken { file: "x".into() },
            Some(&rt),
        );
        assert!(f.contains(&("grant_type".into(), "refresh_token".into())));
        assert!(f.contains(&("refresh_token".into(), "rt-1".into())));
    }

    #[test]
    fn rotated_token_is_written_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rt");
        std::fs::write(&file, "old").unwrap();
        write_refresh_token(&file, "new-token").unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap().trim(), "new-token");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}

/// Token sources shared between channels that use the same tenant, client and grant (two Teams
/// targets on one service account must not spend one refresh token twice).
#[derive(Default)]
pub struct TokenPool {
    tokens: std::collections::BTreeMap<(String, String, String, Option<PathBuf>), Arc<GraphToken>>,
}

impl TokenPool {
    pub fn get(
        &mut self,
        auth: &GraphAuth,
        grant: Grant,
        http: HttpClient,
    ) -> Result<Arc<GraphToken>, NotifyError> {
        let file = match &grant {
            Grant::RefreshToken { file } => Some(file.clone()),
            Grant::ClientCredentials => None,
        };
        let key = (
            auth.authority.clone(),
            auth.tenant.clone(),
            auth.client_id.clone(),
            file,
        );
        if let Some(t) = self.tokens.get(&key) {
            return Ok(t.clone());
        }
        let t = Arc::new(GraphToken::new(auth, grant, http)?);
        self.tokens.insert(key, t.clone());
        Ok(t)
    }
}
