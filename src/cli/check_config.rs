//! `slavakt check-config`: validates the whole config and prints a short summary (exit 0), or
//! every problem with file, key path, what is wrong and how to fix it (exit 1). Used as
//! `ExecStartPre`. Never prints a secret: it prints names and counts only. Warnings (exit 0):
//! placeholder secrets, credentials in clear text, promises no rule keeps.

use super::CliError;
use crate::config::Config;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Config file.
    #[arg(long, env = "SLAVAKT_CONFIG", default_value = super::DEFAULT_CONFIG)]
    pub config: std::path::PathBuf,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let config = super::load_config(&args.config)?;
    // Checks that need the whole typed config: classify rules that can never match or act,
    // and every template the config uses must render (built-ins and templates_dir overrides).
    let mut problems: Vec<String> = crate::classify::lint(&config)
        .iter()
        .map(|e| e.to_string())
        .collect();
    problems.extend(
        crate::templates::check::check_all(&config)
            .into_iter()
            .map(|p| format!("templates: {p}")),
    );
    if !problems.is_empty() {
        let mut msg = format!(
            "{}: {} problem(s) found\n",
            config.source.display(),
            problems.len()
        );
        for p in &problems {
            msg.push_str(&format!("  - {p}\n"));
        }
        return Err(CliError::Invalid(msg));
    }
    for w in placeholder_warnings(&config) {
        eprintln!("warning: {w}");
    }
    for w in security_warnings(&config) {
        eprintln!("warning: {w}");
    }
    for w in crate::templates::check::promise_warnings(&config) {
        eprintln!("warning: {w}");
    }
    super::print_out(&summary(&config))?;
    if let crate::config::StateBackend::Postgres { url } = &config.state.backend {
        super::print_out(&format!(
            "  state:          PostgreSQL {} (lease {}; see docs/HA.md)\n",
            crate::state::postgres::describe(url),
            crate::duration::format_secs(config.state.lease.num_seconds())
        ))?;
    }
    Ok(())
}

/// Secrets that are still the shipped placeholders (`CHANGE-ME`, `changeme`, any case): the
/// config is valid, so the shipped examples pass, but the service cannot log in or deliver with
/// them. A warning, not a problem: check-config runs as `ExecStartPre`, and an admin may start
/// with a channel not yet set up. Names the key path only, never the value.
pub fn placeholder_warnings(c: &Config) -> Vec<String> {
    use crate::config::{IntranetChannel, TeamsChannel};
    use crate::secret::Secret;
    let mut found: Vec<(String, &Secret)> =
        vec![("pureservice.api_key".into(), &c.pureservice.api_key)];
    let d = &c.daemon;
    found.extend(d.http_token.iter().map(|s| ("daemon.http_token".into(), s)));
    found.extend(d.ack_secret.iter().map(|s| ("daemon.ack_secret".into(), s)));
    found.extend(d.hook_token.iter().map(|s| ("daemon.hook_token".into(), s)));
    if let Some(e) = &c.channels.email {
        found.extend(
            e.password
                .iter()
                .map(|s| ("channels.email.password".into(), s)),
        );
    }
    if let Some(s) = &c.channels.sms {
        found.extend(
            s.password
                .iter()
                .map(|s| ("channels.sms.password".into(), s)),
        );
    }
    for (name, t) in &c.channels.teams {
        let path = format!("channels.teams.{name}");
        match t {
            TeamsChannel::Workflows { url } => found.push((format!("{path}.url"), url)),
            TeamsChannel::Graph { auth, .. } => found.extend(
                auth.client_secret
                    .iter()
                    .map(|s| (format!("{path}.client_secret"), s)),
            ),
        }
    }
    match &c.channels.intranet {
        Some(IntranetChannel::Webhook { url }) => found.push(("channels.intranet.url".into(), url)),
        Some(
            IntranetChannel::SharepointNews { auth, .. }
            | IntranetChannel::SharepointList { auth, .. },
        ) => found.extend(
            auth.client_secret
                .iter()
                .map(|s| ("channels.intranet.client_secret".into(), s)),
        ),
        None => {}
    }
    found
        .into_iter()
        .filter(|(_, s)| is_placeholder(s.expose()))
        .map(|(path, _)| {
            let var = format!("SLAVAKT_{}", path.replace('.', "__").to_uppercase());
            format!(
                "{path} is still a placeholder: set {path}_file to the secret's file \
                 (with systemd: /run/credentials/slavakt.service/NAME, see docs/OPERATIONS.md) \
                 or the environment variable {var}"
            )
        })
        .collect()
}

/// An unfilled secret: empty, or containing `CHANGE-ME` / `changeme` in any case.
fn is_placeholder(value: &str) -> bool {
    let v = value.to_ascii_lowercase();
    v.trim().is_empty() || v.contains("change-me") || v.contains("changeme")
}

/// Valid but risky settings: a credential that would cross the network in clear text.
pub fn security_warnings(c: &Config) -> Vec<String> {
    let mut out = Vec::new();
    let ps = &c.pureservice.base_url;
    if ps.scheme() == "http" && !is_loopback_host(ps.host_str().unwrap_or("")) {
        out.push(format!(
            "pureservice.base_url is http:// ({}): the API key crosses the network unencrypted; \
             use https://",
            crate::notify::http::host_of(ps.as_str())
        ));
    }
    if let crate::config::StateBackend::Postgres { url } = &c.state.backend {
        let target = crate::state::postgres::describe(url);
        let host = target
            .split('@')
            .nth(1)
            .and_then(|h| h.rsplit_once(':'))
            .map(|(h, _)| h)
            .unwrap_or("");
        if !is_loopback_host(host) && !host.starts_with('/') {
            out.push(format!(
                "state.url: PostgreSQL at {host} without TLS (not supported yet): the password and \
                 the state cross the network unencrypted; keep the database on a private network \
                 or a tunnel (docs/HA.md)"
            ));
        }
    }
    if let Some(e) = &c.channels.email {
        if e.tls == crate::config::SmtpTls::None
            && e.password.is_some()
            && !is_loopback_host(&e.host)
        {
            out.push(format!(
                "channels.email: tls = \"none\" with a password to {}: the password crosses \
                 the network unencrypted; use tls = \"starttls\" or \"tls\"",
                e.host
            ));
        }
    }
    out
}

fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The summary printed on success: what was loaded, by name and count.
pub fn summary(c: &Config) -> String {
    let names = |v: Vec<&str>| v.join(", ");
    let mut levels: Vec<_> = c.sla.values().collect();
    levels.sort_by_key(|l| std::cmp::Reverse(l.rank));
    let mut channels: Vec<String> = Vec::new();
    if c.channels.email.is_some() {
        channels.push("email".into());
    }
    if c.channels.sms.is_some() {
        channels.push("sms".into());
    }
    channels.extend(c.channels.teams.keys().map(|t| format!("teams:{t}")));
    if c.channels.intranet.is_some() {
        channels.push("intranet".into());
    }
    if c.channels.pureservice_note {
        channels.push("pureservice_note".into());
    }
    let lines = [
        format!("{}: configuration is valid", c.source.display()),
        format!(
            "  SLA levels:     {} ({})",
            levels.len(),
            names(levels.iter().map(|l| l.name.as_str()).collect())
        ),
        format!(
            "  calendars:      {} ({})",
            c.calendars.len(),
            names(c.calendars.keys().map(|s| s.as_str()).collect())
        ),
        format!(
            "  roles:          {} ({})",
            c.roles.len(),
            names(c.roles.keys().map(|s| s.as_str()).collect())
        ),
        format!(
            "  municipalities: {} ({})",
            c.municipalities.len(),
            names(c.municipalities.iter().map(|m| m.name.as_str()).collect())
        ),
        format!(
            "  services:       {} ({})",
            c.services.len(),
            names(c.services.iter().map(|s| s.name.as_str()).collect())
        ),
        format!(
            "  channels:       {} ({})",
            channels.len(),
            channels.join(", ")
        ),
        format!("  plan rules:     {}", c.plan.len()),
        format!("  classify rules: {}", c.classify.rules.len()),
        format!("  reports:        {}", c.reports.len()),
        format!(
            "  timezone {}, language {}, poll every {}{}",
            c.daemon.timezone,
            c.daemon.language.code(),
            crate::duration::format_secs(c.daemon.poll_interval.num_seconds()),
            if c.daemon.dry_run { ", DRY RUN" } else { "" }
        ),
    ];
    let mut out = lines.join("\n");
    out.push('\n');
    out
}
