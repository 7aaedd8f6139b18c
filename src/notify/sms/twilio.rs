//! Twilio Programmable Messaging: form POST to `{url}/Accounts/{sid}/Messages.json` (url e.g.
//! `https://api.twilio.com/2010-04-01`), Basic auth with the account SID (`username`) and auth
//! token (`password`). A created message answers 201 with its `sid`; a `status` of `failed` or
//! `undelivered` in a 2xx answer is a failure.

use super::{SmsBody, SmsRequest};
use crate::config::SmsChannel;
use crate::notify::http::Reply;
use crate::notify::NotifyError;

pub fn request(cfg: &SmsChannel, to: &str, text: &str) -> Result<SmsRequest, NotifyError> {
    let (Some(sid), Some(token)) = (&cfg.username, &cfg.password) else {
        return Err(NotifyError::Config(
            "channels.sms: Twilio needs username (account SID) and password (auth token)".into(),
        ));
    };
    Ok(SmsRequest {
        url: format!(
            "{}/Accounts/{sid}/Messages.json",
            cfg.url.trim_end_matches('/')
        ),
        body: SmsBody::Form(vec![
            ("To".into(), to.into()),
            ("From".into(), cfg.sender.clone()),
            ("Body".into(), text.into()),
        ]),
        basic_auth: Some((sid.clone(), token.clone())),
    })
}

pub fn interpret(reply: &Reply) -> Result<(Option<String>, String), NotifyError> {
    let v = reply.json();
    let status = v.get("status").and_then(|s| s.as_str()).unwrap_or("");
    if matches!(status, "failed" | "undelivered") {
        let code = v
            .get("error_code")
            .map(|c| c.to_string())
            .unwrap_or_default();
        let msg = v
            .get("error_message")
            .and_then(|m| m.as_str())
            .unwrap_or("");
        return Err(NotifyError::Permanent(format!(
            "Twilio SMS send: HTTP {} but status {status} (error {code} {msg})",
            reply.status
        )));
    }
    let sid = v.get("sid").and_then(|s| s.as_str()).map(str::to_string);
    if sid.is_none() {
        return Err(NotifyError::Permanent(format!(
            "Twilio SMS send: HTTP {} without a message sid: {}",
            reply.status, reply.body
        )));
    }
    Ok((sid, format!("Twilio HTTP {} status {status}", reply.status)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SmsProvider;
    use crate::secret::Secret;

    #[test]
    fn form_goes_to_the_account_messages_url() {
        let cfg = SmsChannel {
            provider: SmsProvider::Twilio,
            url: "https://api.twilio.example/2010-04-01/".into(),
            username: Some("AC0123".into()),
            password: Some(Secret::new("token-abcdef")),
            sender: "+4790000999".into(),
            body_template: None,
            timeout: chrono::Duration::seconds(5),
        };
        let r = request(&cfg, "+4790000101", "Hei").unwrap();
        assert_eq!(
            r.url,
            "https://api.twilio.example/2010-04-01/Accounts/AC0123/Messages.json"
        );
        let SmsBody::Form(f) = r.body else { panic!() };
        assert!(f.contains(&("To".into(), "+4790000101".into())));
        assert!(f.contains(&("Body".into(), "Hei".into())));
    }

    #[test]
    fn failed_status_is_permanent() {
        let r = Reply {
            status: 201,
            body: r#"{"sid":"SM1","status":"failed","error_code":30006}"#.into(),
        };
        assert!(matches!(interpret(&r), Err(NotifyError::Permanent(_))));
        let ok = Reply {
            status: 201,
            body: r#"{"sid":"SM1","status":"queued"}"#.into(),
        };
        assert_eq!(interpret(&ok).unwrap().0.as_deref(), Some("SM1"));
    }
}
