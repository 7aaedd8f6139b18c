//! E-mail over SMTP (lettre, tokio, rustls).
//!
//! [`build_message`] is pure: it turns a [`Delivery`] into a MIME message (multipart plain +
//! HTML, deterministic `Message-ID` from the delivery key, `In-Reply-To`/`References` from the
//! thread so every mail about one incident threads under the first). [`EmailNotifier`] sends it
//! with `tls = starttls` (STARTTLS required), `tls` (implicit TLS) or `none`, AUTH when a
//! username is configured, and an optional extra CA for private relays. Important messages carry
//! `Importance: high` / `X-Priority: 1`; the subject is left as the template wrote it.
//! A message's `attachments` (the serious-incident report on the resolved notice, the monthly
//! report's CSV) go as a `multipart/mixed` around the same body. Inline images (the monthly
//! report's charts as PNG, [`InlineImage`]) go in a `multipart/related` with the HTML part,
//! which refers to them as `cid:`.

use super::failure::clean;
use super::{Delivery, Notifier, NotifyError, Receipt, SendFuture};
use crate::clock::Clock;
use crate::config::{EmailChannel, SmtpTls};
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use lettre::message::header::ContentType;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The deterministic `Message-ID` of a delivery: the same intent key always gives the same id,
/// so a resend after a crash is recognisable as the same mail.
pub fn message_id(key: &str, id_domain: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("<{hex}@slavakt.{id_domain}>")
}

/// `<id>` whether or not the stored id already had its angle brackets.
fn bracketed(id: &str) -> String {
    let id = id.trim();
    if id.starts_with('<') && id.ends_with('>') {
        id.to_string()
    } else {
        format!("<{id}>")
    }
}

/// The domain part of the From address, used in Message-IDs.
pub fn id_domain(from: &Mailbox) -> String {
    from.email.domain().to_ascii_lowercase()
}

/// An image the HTML part shows as `<img src="cid:CID">` (sent inline, not as an attachment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineImage {
    /// The Content-ID without angle brackets, e.g. `chart-flow@slavakt`.
    pub cid: String,
    /// e.g. `image/png`.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Builds the MIME message for one delivery. `date` is the Date header (from the caller's clock);
/// `reply_to` is `[channels.email] reply_to`.
pub fn build_message(
    delivery: &Delivery,
    from: &Mailbox,
    reply_to: Option<&Mailbox>,
    date: DateTime<Utc>,
) -> Result<lettre::Message, NotifyError> {
    build_message_with_images(delivery, from, reply_to, date, &[])
}

/// [`build_message`] with images for the HTML part: `multipart/alternative` of the text part
/// and a `multipart/related` (the HTML part, then each image inline with its Content-ID).
pub fn build_message_with_images(
    delivery: &Delivery,
    from: &Mailbox,
    reply_to: Option<&Mailbox>,
    date: DateTime<Utc>,
    images: &[InlineImage],
) -> Result<lettre::Message, NotifyError> {
    let address = delivery.recipient.address.trim();
    let to: Mailbox = address.parse().map_err(|_| {
        NotifyError::Permanent(format!(
            "recipient {:?} is not a valid e-mail address",
            delivery.recipient.address
        ))
    })?;
    let to = if to.name.is_none() && !delivery.recipient.name.is_empty() {
        // A Pureservice name with CR/LF/NUL must not break (or inject into) the header.
        Mailbox::new(
            Some(crate::escape::mail_header(&delivery.recipient.name)),
            to.email,
        )
    } else {
        to
    };
    let mut builder = lettre::Message::builder()
        .from(from.clone())
        .to(to)
        // One short line: ticket text may carry CR/LF or a token longer than SMTP's line limit.
        .subject(crate::escape::mail_header(&delivery.message.subject))
        .date(date.into())
        .message_id(Some(message_id(&delivery.key, &id_domain(from))))
        // RFC 3834: stops out-of-office replies to a no-reply address.
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".into(),
        ))
        // Exchange/Outlook do not honour RFC 3834; this keeps their auto-replies away too.
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-Auto-Response-Suppress"),
            "All".into(),
        ));
    if let Some(r) = reply_to {
        builder = builder.reply_to(r.clone());
    }
    let previous: Vec<String> = delivery
        .thread
        .previous
        .iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| bracketed(p))
        .collect();
    if let Some(first) = previous.first() {
        builder = builder
            .in_reply_to(first.clone())
            // One header with every id, oldest first (lettre would otherwise add several).
            .references(previous.join(" "));
    }
    if delivery.message.important {
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Importance"),
                "high".into(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Priority"),
                "1 (Highest)".into(),
            ));
    }
    let mut body = if images.is_empty() {
        MultiPart::alternative_plain_html(
            delivery.message.text.clone(),
            delivery.message.html.clone(),
        )
    } else {
        let mut related =
            MultiPart::related().singlepart(SinglePart::html(delivery.message.html.clone()));
        for img in images {
            let content_type = ContentType::parse(&img.content_type).map_err(|e| {
                NotifyError::Permanent(format!(
                    "inline image {:?}: bad content type {:?}: {e}",
                    img.cid, img.content_type
                ))
            })?;
            related = related.singlepart(
                lettre::message::Attachment::new_inline(img.cid.clone())
                    .body(img.bytes.clone(), content_type),
            );
        }
        MultiPart::alternative()
            .singlepart(SinglePart::plain(delivery.message.text.clone()))
            .multipart(related)
    };
    let attachments = &delivery.message.attachments;
    if !attachments.is_empty() {
        let mut mixed = MultiPart::mixed().multipart(body);
        for a in attachments {
            // Text files, always sent as UTF-8.
            let mime = format!("{}; charset=utf-8", a.content_type);
            let content_type = ContentType::parse(&mime).map_err(|e| {
                NotifyError::Permanent(format!(
                    "attachment {:?}: bad content type {:?}: {e}",
                    a.filename, a.content_type
                ))
            })?;
            // As bytes (base64): the file arrives exactly as written, line endings included.
            mixed = mixed.singlepart(
                lettre::message::Attachment::new(a.filename.clone())
                    .body(a.text.clone().into_bytes(), content_type),
            );
        }
        body = mixed;
    }
    builder
        .multipart(body)
        .map_err(|e| NotifyError::Permanent(format!("cannot build the e-mail: {e}")))
}

/// Sends mail through one SMTP relay.
pub struct EmailNotifier {
    name: String,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    reply_to: Option<Mailbox>,
    endpoint: String,
    secrets: Vec<Secret>,
    clock: Arc<dyn Clock>,
}

impl EmailNotifier {
    /// Prepares the transport (reads `ca_file`); connects only when sending.
    pub fn new(cfg: &EmailChannel, clock: Arc<dyn Clock>) -> Result<Self, NotifyError> {
        let from: Mailbox = cfg.from.parse().map_err(|_| {
            NotifyError::Config(format!(
                "channels.email.from {:?} is not a valid address",
                cfg.from
            ))
        })?;
        let reply_to = match cfg.reply_to.as_deref() {
            None => None,
            Some(r) => Some(r.parse::<Mailbox>().map_err(|_| {
                NotifyError::Config(format!(
                    "channels.email.reply_to {r:?} is not a valid address"
                ))
            })?),
        };
        if cfg.host.trim().is_empty() {
            return Err(NotifyError::Config("channels.email.host is empty".into()));
        }
        let tls_params = || -> Result<TlsParameters, NotifyError> {
            let mut b = TlsParameters::builder(cfg.host.clone());
            if let Some(path) = &cfg.ca_file {
                let pem = std::fs::read(path).map_err(|e| {
                    NotifyError::Config(format!(
                        "channels.email.ca_file {}: cannot read: {e}",
                        path.display()
                    ))
                })?;
                let cert = Certificate::from_pem(&pem).map_err(|e| {
                    NotifyError::Config(format!(
                        "channels.email.ca_file {}: not a PEM certificate: {e}",
                        path.display()
                    ))
                })?;
                b = b.add_root_certificate(cert);
            }
            b.build_rustls()
                .map_err(|e| NotifyError::Config(format!("TLS setup for SMTP failed: {e}")))
        };
        let tls = match cfg.tls {
            SmtpTls::StartTls => Tls::Required(tls_params()?),
            SmtpTls::Tls => Tls::Wrapper(tls_params()?),
            SmtpTls::None => Tls::None,
        };
        let timeout = cfg
            .timeout
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(30));
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(cfg.host.clone())
            .port(cfg.port)
            .tls(tls)
            .timeout(Some(timeout));
        let mut secrets = Vec::new();
        if let Some(user) = cfg.username.as_ref().filter(|u| !u.is_empty()) {
            let password = cfg.password.clone().ok_or_else(|| {
                NotifyError::Config(
                    "channels.email.username is set but no password (password or password_file)"
                        .into(),
                )
            })?;
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose().to_string(),
            ));
            // AUTH PLAIN and LOGIN send these encodings; a relay may echo them in a refusal.
            use base64::Engine;
            let b64 = |s: String| Secret::new(base64::engine::general_purpose::STANDARD.encode(s));
            secrets.push(b64(format!("\0{user}\0{}", password.expose())));
            secrets.push(b64(password.expose().to_string()));
            secrets.push(password);
        }
        Ok(EmailNotifier {
            name: "email".into(),
            transport: builder.build(),
            from,
            reply_to,
            endpoint: format!("{}:{}", cfg.host, cfg.port),
            secrets,
            clock,
        })
    }

    async fn deliver(&self, delivery: &Delivery) -> Result<Receipt, NotifyError> {
        self.send_with_images(delivery, &[]).await
    }

    /// Sends a delivery whose HTML part shows `images` (`cid:`); the ledger's deliveries go
    /// through [`Notifier::send`], which has none.
    pub async fn send_with_images(
        &self,
        delivery: &Delivery,
        images: &[InlineImage],
    ) -> Result<Receipt, NotifyError> {
        let message = build_message_with_images(
            delivery,
            &self.from,
            self.reply_to.as_ref(),
            self.clock.now(),
            images,
        )?;
        let id = message_id(&delivery.key, &id_domain(&self.from));
        match self.transport.send(message).await {
            Ok(response) => {
                let first = response.message().next().unwrap_or("").to_string();
                let secrets: Vec<&Secret> = self.secrets.iter().collect();
                Ok(Receipt {
                    remote_id: Some(id),
                    detail: clean(&format!("{} {first}", response.code()), &secrets),
                })
            }
            Err(e) => {
                let e = classify_smtp(&e, &self.endpoint, &self.secrets);
                tracing::debug!(error = %e, "SMTP send failed");
                Err(e)
            }
        }
    }
}

/// SMTP failure → class. AUTH rejections (530/534/535/538), TLS failures and client-side
/// refusals (no STARTTLS, no common AUTH mechanism) are configuration problems.
fn classify_smtp(
    e: &lettre::transport::smtp::Error,
    endpoint: &str,
    secrets: &[Secret],
) -> NotifyError {
    let secrets: Vec<&Secret> = secrets.iter().collect();
    let text = clean(&error_chain(e), &secrets);
    if let Some(code) = e.status() {
        let code_num: u16 = code.to_string().parse().unwrap_or(0);
        if e.is_transient() {
            return NotifyError::Retryable {
                message: format!("SMTP {endpoint}: {text}"),
                retry_after: None,
            };
        }
        return match code_num {
            530 | 534 | 535 | 538 => NotifyError::Config(format!(
                "SMTP {endpoint} rejected the login: {text} (check channels.email.username and password)"
            )),
            _ => NotifyError::Permanent(format!("SMTP {endpoint}: {text}")),
        };
    }
    // rustls refusals arrive as connection errors; a retry cannot fix an untrusted certificate.
    let lower = text.to_ascii_lowercase();
    if e.is_tls() || lower.contains("certificate") || lower.contains("handshake") {
        return NotifyError::Config(format!(
            "SMTP {endpoint}: TLS failed: {text} (check channels.email.tls and ca_file)"
        ));
    }
    if e.is_client() {
        return NotifyError::Config(format!(
            "SMTP {endpoint}: {text} (check channels.email.tls and the relay's STARTTLS/AUTH support)"
        ));
    }
    NotifyError::Retryable {
        message: format!("SMTP {endpoint}: {text}"),
        retry_after: None,
    }
}

/// The error and its causes on one line (lettre's Display stops at the first cause).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let t = s.to_string();
        if !out.contains(&t) {
            out.push_str(": ");
            out.push_str(&t);
        }
        source = s.source();
    }
    out
}

impl Notifier for EmailNotifier {
    fn name(&self) -> &str {
        &self.name
    }
    fn send<'a>(&'a self, delivery: &'a Delivery) -> SendFuture<'a> {
        Box::pin(self.deliver(delivery))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::{Message, Thread};
    use crate::plan::Recipient;
    use chrono::TimeZone;

    fn delivery(previous: Vec<String>, important: bool) -> Delivery {
        Delivery {
            key: "4711/kritisk-opened/0/email/ola@aukra.example".into(),
            ticket: 4711,
            recipient: Recipient {
                name: "Ola Nordmann".into(),
                address: "ola@aukra.example".into(),
            },
            message: Message {
                subject: "Kritisk feil: Fagsystem nede på Ålesund legevakt".into(),
                text: "Hei! Vi jobber med saken. Blåbærsyltetøy.".into(),
                html: "<p>Hei! Vi jobber med saken. Blåbærsyltetøy.</p>".into(),
                short: "kort".into(),
                important,
                level: "kritisk".into(),
                attachments: Vec::new(),
            },
            thread: Thread { previous },
        }
    }

    fn from() -> Mailbox {
        "Driftsmeldinger <driftsmeldinger@ror-ikt.example>"
            .parse()
            .unwrap()
    }

    fn header_text(m: &lettre::Message) -> String {
        let raw = String::from_utf8_lossy(&m.formatted()).to_string();
        raw.split("\r\n\r\n").next().unwrap().to_string()
    }

    #[test]
    fn message_id_is_deterministic_per_key() {
        let a = message_id("k1", "ror-ikt.example");
        assert_eq!(a, message_id("k1", "ror-ikt.example"));
        assert_ne!(a, message_id("k2", "ror-ikt.example"));
        assert!(a.starts_with('<') && a.ends_with("@slavakt.ror-ikt.example>"));
    }

    #[test]
    fn first_mail_has_no_thread_headers() {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
        let m = build_message(&delivery(vec![], false), &from(), None, at).unwrap();
        let h = header_text(&m);
        assert!(h.contains(&format!(
            "Message-ID: {}",
            message_id(
                "4711/kritisk-opened/0/email/ola@aukra.example",
                "ror-ikt.example"
            )
        )));
        assert!(!h.contains("In-Reply-To"));
        assert!(!h.contains("References"));
        assert!(!h.contains("Importance"));
        assert!(h.contains("Auto-Submitted: auto-generated"));
        assert!(h.contains("X-Auto-Response-Suppress: All"));
        assert!(h.contains("Date: Mon, 02 Mar 2026 08:00:00"));
    }

    #[test]
    fn follow_ups_thread_under_the_first_mail() {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
        let m = build_message(
            &delivery(vec!["<a@x.example>".into(), "b@x.example".into()], true),
            &from(),
            None,
            at,
        )
        .unwrap();
        let h = header_text(&m);
        assert!(h.contains("In-Reply-To: <a@x.example>"), "{h}");
        assert!(h.contains("References: <a@x.example> <b@x.example>"), "{h}");
        assert_eq!(h.matches("References:").count(), 1);
        assert!(h.contains("Importance: high"));
        assert!(h.contains("X-Priority: 1"));
    }

    #[test]
    fn a_message_carries_its_own_text_attachment() {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
        let mut d = delivery(vec![], false);
        d.message.attachments.push(crate::notify::TextAttachment {
            filename: "hendelse-4711-2026-03-02.md".into(),
            content_type: "text/markdown".into(),
            text: "# Alvorlig hendelse-rapport – sak 4711\n\nÅrsak: ø\n".into(),
        });
        let m = build_message(&d, &from(), None, at).unwrap();
        let raw = String::from_utf8_lossy(&m.formatted()).to_string();
        assert!(raw.contains("multipart/mixed"), "{raw}");
        assert!(
            raw.contains("filename=\"hendelse-4711-2026-03-02.md\""),
            "{raw}"
        );
        assert!(raw.contains("text/markdown; charset=utf-8"), "{raw}");
    }

    #[test]
    fn attachments_wrap_the_body_in_multipart_mixed() {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
        let mut d = delivery(vec![], false);
        d.message.attachments.push(crate::notify::TextAttachment {
            filename: "rapport.csv".into(),
            content_type: "text/csv".into(),
            text: "\"a\",\"b\"\r\n".into(),
        });
        let raw =
            String::from_utf8_lossy(&build_message(&d, &from(), None, at).unwrap().formatted())
                .to_string();
        assert!(raw.contains("multipart/mixed"), "{raw}");
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("filename=\"rapport.csv\""), "{raw}");
        assert!(raw.contains("text/csv; charset=utf-8"), "{raw}");
        let plain = build_message(&delivery(vec![], false), &from(), None, at).unwrap();
        let raw = String::from_utf8_lossy(&plain.formatted()).to_string();
        assert!(!raw.contains("multipart/mixed"));
        d.message.attachments[0].content_type = "not a type".into();
        assert!(matches!(
            build_message(&d, &from(), None, at),
            Err(NotifyError::Permanent(_))
        ));
    }

    #[test]
    fn bad_recipient_is_permanent() {
        let mut d = delivery(vec![], false);
        d.recipient.address = "not an address".into();
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
        assert!(matches!(
            build_message(&d, &from(), None, at),
            Err(NotifyError::Permanent(_))
        ));
    }

    #[test]
    fn inline_images_go_in_a_related_part_with_their_content_id() {
        let d = delivery(vec![], false);
        let date = Utc.with_ymd_and_hms(2027, 4, 1, 5, 0, 0).unwrap();
        let images = [InlineImage {
            cid: "chart-flow@slavakt".into(),
            content_type: "image/png".into(),
            bytes: b"\x89PNG\r\n\x1a\nnot really".to_vec(),
        }];
        let raw = String::from_utf8(
            build_message_with_images(&d, &from(), None, date, &images)
                .unwrap()
                .formatted(),
        )
        .unwrap();
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("multipart/related"));
        assert!(raw.contains("Content-ID: <chart-flow@slavakt>"), "{raw}");
        assert!(raw.contains("Content-Type: image/png"));
        assert!(raw.contains("Content-Disposition: inline"));
    }
}
