//! SMS through one configured provider: `link` (LINK Mobility Common REST), `sveve`, `twilio`,
//! or `http` (any JSON API via a body template).
//!
//! The text sent is `Message.short` (no URLs: Norwegian operators filter unregistered links),
//! truncated politely to at most `max_segments` (default 3). Numbers are stored as E.164 and
//! converted per provider ([`normalise`]). Each provider module is pure: `request` builds the
//! HTTP request, `interpret` reads a 2xx answer — several providers answer 200 when the message
//! was in fact refused, and that is a failure.

pub mod generic;
pub mod gsm;
pub mod link;
pub mod sveve;
pub mod twilio;

use super::http::{HttpClient, Reply};
use super::{Delivery, Notifier, NotifyError, Receipt, SendFuture};
use crate::clock::Clock;
use crate::config::{SmsChannel, SmsProvider};
use crate::secret::Secret;
use std::sync::Arc;

/// Longest SMS sent, in segments, unless configured otherwise.
pub const DEFAULT_MAX_SEGMENTS: usize = 3;

/// A provider request, built without I/O.
#[derive(Debug, Clone, PartialEq)]
pub struct SmsRequest {
    pub url: String,
    pub body: SmsBody,
    pub basic_auth: Option<(String, Secret)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SmsBody {
    Json(serde_json::Value),
    Form(Vec<(String, String)>),
}

/// An E.164 number (`+4790000101`), tolerant of spaces, dashes, a `00` prefix and bare
/// 8-digit Norwegian numbers; anything else is refused (permanent: no retry will fix it).
pub fn e164(number: &str) -> Result<String, NotifyError> {
    let compact: String = number
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
        .collect();
    let digits_after = |s: &str| s.chars().all(|c| c.is_ascii_digit()) && !s.is_empty();
    let e = if let Some(rest) = compact.strip_prefix('+') {
        format!("+{rest}")
    } else if let Some(rest) = compact.strip_prefix("00") {
        format!("+{rest}")
    } else if compact.len() == 8 && digits_after(&compact) {
        format!("+47{compact}")
    } else {
        compact.clone()
    };
    let rest = e.strip_prefix('+').unwrap_or("");
    if digits_after(rest) && (7..=15).contains(&rest.len()) && !rest.starts_with('0') {
        Ok(e)
    } else {
        Err(NotifyError::Permanent(format!(
            "{number:?} is not a phone number in E.164 form (+4790000101)"
        )))
    }
}

/// The number as the provider wants it: Sveve takes Norwegian numbers as 8 digits and others
/// with a `00` prefix; LINK, Twilio and `http` take E.164 with `+`.
pub fn normalise(provider: SmsProvider, number: &str) -> Result<String, NotifyError> {
    let e = e164(number)?;
    Ok(match provider {
        SmsProvider::Sveve => match e.strip_prefix("+47") {
            Some(national) if national.len() == 8 => national.to_string(),
            _ => format!("00{}", &e[1..]),
        },
        SmsProvider::Link | SmsProvider::Twilio | SmsProvider::Http => e,
    })
}

/// The text to send and a note on its size for the receipt.
pub fn prepare_text(short: &str, max_segments: usize) -> (String, String) {
    let original = gsm::size(short);
    let text = gsm::truncate(short, max_segments);
    let s = gsm::size(&text);
    let enc = match s.encoding {
        gsm::Encoding::Gsm7 => "GSM-7",
        gsm::Encoding::Ucs2 => "UCS-2",
    };
    let mut note = if s.segments > 1 {
        format!("{} segments {enc}, concatenated", s.segments)
    } else {
        format!("1 segment {enc}")
    };
    if original.segments > s.segments {
        note.push_str(&format!("; truncated from {} segments", original.segments));
    }
    (text, note)
}

/// Sends SMS through the configured provider.
pub struct SmsNotifier {
    cfg: SmsChannel,
    http: HttpClient,
    max_segments: usize,
}

impl SmsNotifier {
    pub fn new(cfg: &SmsChannel, clock: Arc<dyn Clock>) -> Result<Self, NotifyError> {
        if url::Url::parse(&cfg.url).is_err() {
            return Err(NotifyError::Config(format!(
                "channels.sms.url {:?} is not a valid URL",
                cfg.url
            )));
        }
        let needs_credentials = !matches!(cfg.provider, SmsProvider::Http);
        if needs_credentials && (cfg.username.is_none() || cfg.password.is_none()) {
            return Err(NotifyError::Config(
                "channels.sms: this provider needs username and password (or password_file)".into(),
            ));
        }
        if matches!(cfg.provider, SmsProvider::Http) && cfg.body_template.is_none() {
            return Err(NotifyError::Config(
                "channels.sms: provider \"http\" needs body_template".into(),
            ));
        }
        let timeout = cfg
            .timeout
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(30));
        Ok(SmsNotifier {
            cfg: cfg.clone(),
            http: HttpClient::new(timeout, clock)?,
            max_segments: DEFAULT_MAX_SEGMENTS,
        })
    }

    /// Overrides the segment limit (at least 1).
    pub fn with_max_segments(mut self, n: usize) -> Self {
        self.max_segments = n.max(1);
        self
    }

    fn provider_name(&self) -> &'static str {
        match self.cfg.provider {
            SmsProvider::Link => "LINK",
            SmsProvider::Sveve => "Sveve",
            SmsProvider::Twilio => "Twilio",
            SmsProvider::Http => "SMS http",
        }
    }

    /// The pure part: provider request for one delivery, plus the size note.
    pub fn request(&self, delivery: &Delivery) -> Result<(SmsRequest, String), NotifyError> {
        let to = normalise(self.cfg.provider, &delivery.recipient.address)?;
        let short = crate::escape::sms(&delivery.message.short);
        let (text, note) = prepare_text(&short, self.max_segments);
        let req = match self.cfg.provider {
            SmsProvider::Link => link::request(&self.cfg, &to, &text),
            SmsProvider::Sveve => sveve::request(&self.cfg, &to, &text),
            SmsProvider::Twilio => twilio::request(&self.cfg, &to, &text),
            SmsProvider::Http => generic::request(&self.cfg, &to, &text),
        }?;
        Ok((req, note))
    }

    fn interpret(&self, reply: &Reply) -> Result<(Option<String>, String), NotifyError> {
        match self.cfg.provider {
            SmsProvider::Link => link::interpret(reply),
            SmsProvider::Sveve => sveve::interpret(reply),
            SmsProvider::Twilio => twilio::interpret(reply),
            SmsProvider::Http => generic::interpret(reply),
        }
    }

    async fn deliver(&self, delivery: &Delivery) -> Result<Receipt, NotifyError> {
        let (req, note) = self.request(delivery)?;
        let what = format!("{} SMS send", self.provider_name());
        let mut secrets: Vec<Secret> = self.cfg.password.iter().cloned().collect();
        if let Some((user, p)) = &req.basic_auth {
            secrets.push(p.clone());
            // A far side may echo the Authorization header back.
            secrets.push(super::failure::basic_credentials(user, p));
        }
        let refs: Vec<&Secret> = secrets.iter().collect();
        let mut builder = self.http.client().post(&req.url);
        if let Some((user, pass)) = &req.basic_auth {
            builder = builder.basic_auth(user, Some(pass.expose()));
        }
        builder = match &req.body {
            SmsBody::Json(v) => builder.json(v),
            SmsBody::Form(f) => builder.form(f),
        };
        let reply = self.http.send(builder, &what, &refs).await?;
        let (remote_id, outcome) = self.interpret(&reply).map_err(|e| scrub_error(e, &refs))?;
        Ok(Receipt {
            remote_id,
            detail: super::failure::clean(&format!("{outcome}; {note}"), &refs),
        })
    }
}

/// Provider answers are echoed into errors; scrub them before they leave.
fn scrub_error(e: NotifyError, secrets: &[&Secret]) -> NotifyError {
    use super::failure::clean;
    match e {
        NotifyError::Retryable {
            message,
            retry_after,
        } => NotifyError::Retryable {
            message: clean(&message, secrets),
            retry_after,
        },
        NotifyError::Permanent(m) => NotifyError::Permanent(clean(&m, secrets)),
        NotifyError::Config(m) => NotifyError::Config(clean(&m, secrets)),
    }
}

impl Notifier for SmsNotifier {
    fn name(&self) -> &str {
        "sms"
    }
    fn send<'a>(&'a self, delivery: &'a Delivery) -> SendFuture<'a> {
        Box::pin(self.deliver(delivery))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_normalise_per_provider() {
        assert_eq!(e164("+47 900 00 101").unwrap(), "+4790000101");
        assert_eq!(e164("004790000101").unwrap(), "+4790000101");
        assert_eq!(e164("90000101").unwrap(), "+4790000101");
        assert!(e164("kari").is_err());
        assert!(e164("+47").is_err());
        assert_eq!(
            normalise(SmsProvider::Sveve, "+4790000101").unwrap(),
            "90000101"
        );
        assert_eq!(
            normalise(SmsProvider::Sveve, "+46700000101").unwrap(),
            "0046700000101"
        );
        assert_eq!(
            normalise(SmsProvider::Link, "+4790000101").unwrap(),
            "+4790000101"
        );
        assert!(matches!(
            normalise(SmsProvider::Twilio, "ring meg"),
            Err(NotifyError::Permanent(_))
        ));
    }

    #[test]
    fn size_note_mentions_concatenation_and_truncation() {
        let (t, note) = prepare_text("Kort melding, æøå.", 3);
        assert_eq!(t, "Kort melding, æøå.");
        assert_eq!(note, "1 segment GSM-7");
        let (_, note) = prepare_text(&"Lang melding ".repeat(20), 3);
        assert_eq!(note, "2 segments GSM-7, concatenated");
        let (t, note) = prepare_text(&"Lang melding ".repeat(60), 3);
        assert_eq!(gsm::size(&t).segments, 3);
        assert_eq!(
            note,
            "3 segments GSM-7, concatenated; truncated from 6 segments"
        );
    }
}
