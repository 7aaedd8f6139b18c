//! `[channels.*]`: e-mail (SMTP), SMS, named Teams targets, the intranet, Pureservice notes,
//! retry policy and concurrency. Every external URL is configurable (tests use loopback).

use super::ctx::{key, Ctx};
use super::raw::{RawChannels, RawEmail, RawGraphTarget, RawSms};
use super::{
    Channels, EmailChannel, GraphAuth, IntranetChannel, RetryPolicy, SmsChannel, SmsProvider,
    SmtpTls, TeamsChannel,
};
use crate::secret::Secret;
use std::collections::BTreeMap;

const AUTHORITY: &str = "https://login.microsoftonline.com";
const GRAPH_URL: &str = "https://graph.microsoft.com/v1.0";

pub(super) fn build(raw: Option<RawChannels>, ctx: &mut Ctx) -> Channels {
    let raw = raw.unwrap_or_default();
    let mut teams = BTreeMap::new();
    for (name, t) in raw.teams.unwrap_or_default() {
        let path = format!("channels.teams.{}", key(&name));
        if [super::TEAMS_MUNICIPALITY, super::TEAMS_SERVICE].contains(&name.as_str()) {
            ctx.err(
                &path,
                format!("{name:?} is reserved: via = \"teams:{name}\" means each {name}'s own `teams` target"),
                Some("give this Teams target another name".into()),
            );
            continue;
        }
        if let Some(c) = teams_target(&t, &path, ctx) {
            teams.insert(name, c);
        }
    }
    let retry = match &raw.retry {
        None => RetryPolicy::default(),
        Some(r) => {
            let policy = RetryPolicy {
                initial: ctx.wall(&r.initial, "channels.retry.initial", "5s"),
                max: ctx.wall(&r.max, "channels.retry.max", "5m"),
                deadline: ctx.wall(&r.deadline, "channels.retry.deadline", "1h"),
            };
            if policy.max < policy.initial {
                ctx.err(
                    "channels.retry.max",
                    "is shorter than channels.retry.initial",
                    Some("max is the longest wait between two tries".into()),
                );
            }
            policy
        }
    };
    let concurrency = match &raw.limits {
        None => 4,
        Some(l) => ctx.number(&l.concurrency, "channels.limits.concurrency", 1, 64, 4) as usize,
    };
    Channels {
        email: raw.email.as_ref().map(|e| email(e, ctx)),
        sms: raw.sms.as_ref().map(|s| sms(s, ctx)),
        teams,
        intranet: raw.intranet.as_ref().and_then(|i| intranet(i, ctx)),
        pureservice_note: raw.pureservice_note.as_ref().is_some_and(|n| {
            ctx.get(&n.enabled, "channels.pureservice_note.enabled")
                .unwrap_or(true)
        }),
        retry,
        concurrency,
    }
}

fn email(e: &RawEmail, ctx: &mut Ctx) -> EmailChannel {
    let p = |k: &str| format!("channels.email.{k}");
    let tls = match ctx.text(&e.tls, &p("tls")).as_deref() {
        None | Some("starttls") => SmtpTls::StartTls,
        Some("tls") => SmtpTls::Tls,
        Some("none") => SmtpTls::None,
        Some(o) => {
            ctx.err(
                p("tls"),
                format!("unknown tls mode {o:?}"),
                Some("use \"starttls\", \"tls\" or \"none\"".into()),
            );
            SmtpTls::StartTls
        }
    };
    let default_port = match tls {
        SmtpTls::StartTls => 587,
        SmtpTls::Tls => 465,
        SmtpTls::None => 25,
    };
    let username = ctx.text(&e.username, &p("username"));
    let password = ctx.secret(&e.password, &e.password_file, "channels.email", "password");
    if username.is_some() != (e.password.is_some() || e.password_file.is_some()) {
        ctx.err(
            "channels.email",
            "username and password go together",
            Some(
                "set both username and password_file, or neither for an unauthenticated relay"
                    .into(),
            ),
        );
    }
    let from = ctx
        .req_text(&e.from, &p("from"), "the sender address, e.g. \"slavakt@ror-ikt.example\" or \"ROR-IKT <varsling@ror-ikt.example>\"")
        .unwrap_or_default();
    if !from.is_empty() && !from_ok(&from) {
        ctx.err(
            p("from"),
            format!("{from:?} is not an e-mail address"),
            Some("write \"name@domain\" or \"Name <name@domain>\"".into()),
        );
    }
    let reply_to = ctx.text(&e.reply_to, &p("reply_to"));
    if let Some(r) = reply_to.as_deref().filter(|r| !from_ok(r)) {
        ctx.err(
            p("reply_to"),
            format!("{r:?} is not an e-mail address"),
            Some(
                "write \"name@domain\" or \"Name <name@domain>\", e.g. the service desk's address"
                    .into(),
            ),
        );
    }
    let ca_file = ctx.path(&e.ca_file, &p("ca_file"));
    if let Some(f) = &ca_file {
        if std::fs::metadata(f).is_err() {
            ctx.err(
                p("ca_file"),
                format!("cannot read {}", f.display()),
                Some("give a PEM file with the relay's CA certificate".into()),
            );
        }
    }
    EmailChannel {
        host: ctx
            .req_text(
                &e.host,
                &p("host"),
                "the SMTP relay, e.g. \"smtp.kommune.example\"",
            )
            .unwrap_or_default(),
        port: ctx.number(&e.port, &p("port"), 1, 65535, default_port) as u16,
        tls,
        username,
        password,
        from,
        ca_file,
        timeout: ctx.wall(&e.timeout, &p("timeout"), "30s"),
        reply_to,
    }
}

/// `a@b.c` or `Name <a@b.c>`.
fn from_ok(s: &str) -> bool {
    match (s.rfind('<'), s.strip_suffix('>')) {
        (Some(i), Some(inner)) => super::ctx::is_email(&inner[i + 1..]),
        _ => super::ctx::is_email(s),
    }
}

fn sms(s: &RawSms, ctx: &mut Ctx) -> SmsChannel {
    let p = |k: &str| format!("channels.sms.{k}");
    let provider = match ctx
        .req_text(
            &s.provider,
            &p("provider"),
            "one of \"link\", \"sveve\", \"twilio\", \"http\"",
        )
        .as_deref()
    {
        Some("link") | None => SmsProvider::Link,
        Some("sveve") => SmsProvider::Sveve,
        Some("twilio") => SmsProvider::Twilio,
        Some("http") => SmsProvider::Http,
        Some(o) => {
            ctx.err(
                p("provider"),
                format!("unknown SMS provider {o:?}"),
                Some("use \"link\", \"sveve\", \"twilio\" or \"http\"".into()),
            );
            SmsProvider::Link
        }
    };
    let url = ctx
        .req_text(&s.url, &p("url"), "the provider's API address")
        .unwrap_or_default();
    if !url.is_empty() {
        check_url(&url, &p("url"), ctx);
    }
    let body_template = ctx.text(&s.body_template, &p("body_template"));
    if provider == SmsProvider::Http && body_template.is_none() {
        ctx.err(
            p("body_template"),
            "the http provider needs a body_template",
            Some("a JSON body with {{ to }}, {{ text }} and {{ sender }} placeholders".into()),
        );
    }
    let sender = ctx
        .req_text(
            &s.sender,
            &p("sender"),
            "the sender id shown on the phone (max 11 letters or a number)",
        )
        .unwrap_or_default();
    if !sender.is_empty() && !valid_sms_sender(&sender) {
        ctx.err(
            p("sender"),
            format!("{sender:?} is not a sender id a phone network accepts"),
            Some(
                "use at most 11 letters and digits with at least one letter (e.g. \"RORIKT\"), \
                 or a phone number in E.164 form (e.g. \"+4790000999\"); longer ids or other \
                 characters are cut or replaced by the operators"
                    .into(),
            ),
        );
    }
    SmsChannel {
        provider,
        url,
        username: ctx.text(&s.username, &p("username")),
        password: ctx.secret(&s.password, &s.password_file, "channels.sms", "password"),
        sender,
        body_template,
        timeout: ctx.wall(&s.timeout, &p("timeout"), "30s"),
    }
}

/// An SMS originator: an alphanumeric id (1–11 ASCII letters/digits, at least one letter) or an
/// E.164 number (`+`, then 8–15 digits, no leading 0).
pub(crate) fn valid_sms_sender(s: &str) -> bool {
    if let Some(digits) = s.strip_prefix('+') {
        return (8..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
    }
    (1..=11).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric())
        && s.bytes().any(|b| b.is_ascii_alphabetic())
}

fn check_url(s: &str, path: &str, ctx: &mut Ctx) {
    match url::Url::parse(s) {
        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {}
        _ => ctx.err(path, format!("{s:?} is not an http(s) URL"), None),
    }
}

/// A secret URL (a webhook with its signature): checked without showing it.
fn secret_url(t: &RawGraphTarget, path: &str, ctx: &mut Ctx) -> Option<Secret> {
    let url = ctx.secret(&t.url, &t.url_file, path, "url");
    match &url {
        None if t.url.is_none() && t.url_file.is_none() => ctx.err(
            format!("{path}.url_file"),
            "missing the webhook URL",
            Some("set url_file (a file with the URL: it contains a signature) or url".into()),
        ),
        Some(u) if !matches!(url::Url::parse(u.expose()), Ok(p) if p.scheme() == "http" || p.scheme() == "https") => {
            ctx.err(
                format!("{path}.url"),
                "the webhook URL is not an http(s) URL (value not shown: it is a secret)",
                None,
            )
        }
        _ => {}
    }
    url
}

fn forbid(t: &RawGraphTarget, path: &str, kind: &str, keys: &[&str], ctx: &mut Ctx) {
    let set = |k: &str| match k {
        "url" => t.url.is_some() || t.url_file.is_some(),
        "authority" => t.authority.is_some(),
        "tenant" => t.tenant.is_some(),
        "client_id" => t.client_id.is_some(),
        "client_secret" => t.client_secret.is_some() || t.client_secret_file.is_some(),
        "graph_url" => t.graph_url.is_some(),
        "refresh_token_file" => t.refresh_token_file.is_some(),
        "team_id" => t.team_id.is_some(),
        "channel_id" => t.channel_id.is_some(),
        "site_id" => t.site_id.is_some(),
        "list_id" => t.list_id.is_some(),
        _ => false,
    };
    for k in keys {
        if set(k) {
            ctx.err(
                format!("{path}.{k}"),
                format!("not used with kind = {kind:?}"),
                Some("remove it".into()),
            );
        }
    }
}

fn graph_auth(t: &RawGraphTarget, path: &str, need_secret: bool, ctx: &mut Ctx) -> GraphAuth {
    let p = |k: &str| format!("{path}.{k}");
    let authority = ctx
        .text(&t.authority, &p("authority"))
        .unwrap_or_else(|| AUTHORITY.into());
    check_url(&authority, &p("authority"), ctx);
    let graph_url = ctx
        .text(&t.graph_url, &p("graph_url"))
        .unwrap_or_else(|| GRAPH_URL.into());
    check_url(&graph_url, &p("graph_url"), ctx);
    let client_secret = ctx.secret(
        &t.client_secret,
        &t.client_secret_file,
        path,
        "client_secret",
    );
    if need_secret && t.client_secret.is_none() && t.client_secret_file.is_none() {
        ctx.err(
            p("client_secret_file"),
            "missing the app registration's client secret",
            Some("set client_secret_file (or client_secret)".into()),
        );
    }
    GraphAuth {
        authority,
        tenant: ctx
            .req_text(&t.tenant, &p("tenant"), "the Entra ID tenant id or domain")
            .unwrap_or_default(),
        client_id: ctx
            .req_text(
                &t.client_id,
                &p("client_id"),
                "the app registration's client id",
            )
            .unwrap_or_default(),
        client_secret,
        graph_url,
    }
}

fn teams_target(t: &RawGraphTarget, path: &str, ctx: &mut Ctx) -> Option<TeamsChannel> {
    let kind = ctx.req_text(
        &t.kind,
        &format!("{path}.kind"),
        "\"workflows\" (a Teams Workflows webhook) or \"graph\"",
    )?;
    match kind.as_str() {
        "workflows" => {
            forbid(
                t,
                path,
                "workflows",
                &[
                    "authority",
                    "tenant",
                    "client_id",
                    "client_secret",
                    "graph_url",
                    "refresh_token_file",
                    "team_id",
                    "channel_id",
                    "site_id",
                    "list_id",
                ],
                ctx,
            );
            secret_url(t, path, ctx).map(|url| TeamsChannel::Workflows { url })
        }
        "graph" => {
            forbid(t, path, "graph", &["url", "site_id", "list_id"], ctx);
            let auth = graph_auth(t, path, false, ctx);
            let refresh_token_file =
                ctx.path(&t.refresh_token_file, &format!("{path}.refresh_token_file"));
            match &refresh_token_file {
                None => ctx.err(
                    format!("{path}.refresh_token_file"),
                    "missing required key",
                    Some("a file holding the delegated refresh token (slavakt writes rotated tokens back)".into()),
                ),
                Some(f) if !readable(f) => ctx.err(
                    format!("{path}.refresh_token_file"),
                    format!("cannot read secret file {}", f.display()),
                    Some("create it with the refresh token; it must be readable and writable by slavakt".into()),
                ),
                _ => {}
            }
            Some(TeamsChannel::Graph {
                auth,
                refresh_token_file: refresh_token_file.unwrap_or_default(),
                team_id: ctx
                    .req_text(&t.team_id, &format!("{path}.team_id"), "the team's id")
                    .unwrap_or_default(),
                channel_id: ctx
                    .req_text(
                        &t.channel_id,
                        &format!("{path}.channel_id"),
                        "the channel's id",
                    )
                    .unwrap_or_default(),
            })
        }
        other => {
            ctx.err(
                format!("{path}.kind"),
                format!("unknown kind {other:?}"),
                Some("use \"workflows\" or \"graph\"".into()),
            );
            None
        }
    }
}

fn intranet(t: &RawGraphTarget, ctx: &mut Ctx) -> Option<IntranetChannel> {
    let path = "channels.intranet";
    let kind = ctx.req_text(
        &t.kind,
        &format!("{path}.kind"),
        "\"sharepoint_news\", \"sharepoint_list\" or \"webhook\"",
    )?;
    let graph_only = [
        "authority",
        "tenant",
        "client_id",
        "client_secret",
        "graph_url",
        "site_id",
        "list_id",
    ];
    let site = |ctx: &mut Ctx| {
        ctx.req_text(
            &t.site_id,
            &format!("{path}.site_id"),
            "the SharePoint site id",
        )
        .unwrap_or_default()
    };
    match kind.as_str() {
        "webhook" => {
            forbid(t, path, "webhook", &graph_only, ctx);
            forbid(
                t,
                path,
                "webhook",
                &["refresh_token_file", "team_id", "channel_id"],
                ctx,
            );
            secret_url(t, path, ctx).map(|url| IntranetChannel::Webhook { url })
        }
        "sharepoint_news" => {
            forbid(
                t,
                path,
                "sharepoint_news",
                &[
                    "url",
                    "list_id",
                    "refresh_token_file",
                    "team_id",
                    "channel_id",
                ],
                ctx,
            );
            let auth = graph_auth(t, path, true, ctx);
            Some(IntranetChannel::SharepointNews {
                auth,
                site_id: site(ctx),
            })
        }
        "sharepoint_list" => {
            forbid(
                t,
                path,
                "sharepoint_list",
                &["url", "refresh_token_file", "team_id", "channel_id"],
                ctx,
            );
            let auth = graph_auth(t, path, true, ctx);
            let site_id = site(ctx);
            let list_id = ctx
                .req_text(
                    &t.list_id,
                    &format!("{path}.list_id"),
                    "the SharePoint list id",
                )
                .unwrap_or_default();
            Some(IntranetChannel::SharepointList {
                auth,
                site_id,
                list_id,
            })
        }
        other => {
            ctx.err(
                format!("{path}.kind"),
                format!("unknown kind {other:?}"),
                Some("use \"sharepoint_news\", \"sharepoint_list\" or \"webhook\"".into()),
            );
            None
        }
    }
}

/// Whether `f` can be read: one byte is read, not the whole file, so a path pointing at a huge
/// file or an endless device is not read without bound.
fn readable(f: &std::path::Path) -> bool {
    use std::io::Read;
    std::fs::File::open(f)
        .and_then(|mut h| h.read(&mut [0u8; 1]))
        .is_ok()
}
