//! Sveve JSON API: credentials travel in the JSON body (`user`, `passwd`), numbers as 8 digits
//! (Norway) or `00`-prefixed. Sveve answers HTTP 200 even when it refused everything: a
//! `fatalError` (bad credentials, no credit) or per-number `errors`, with `msgOkCount: 0`.

use super::{SmsBody, SmsRequest};
use crate::config::SmsChannel;
use crate::notify::http::Reply;
use crate::notify::NotifyError;
use serde_json::json;

pub fn request(cfg: &SmsChannel, to: &str, text: &str) -> Result<SmsRequest, NotifyError> {
    let (Some(user), Some(pass)) = (&cfg.username, &cfg.password) else {
        return Err(NotifyError::Config(
            "channels.sms: Sveve needs username and password".into(),
        ));
    };
    Ok(SmsRequest {
        url: cfg.url.clone(),
        body: SmsBody::Json(json!({
            "user": user,
            "passwd": pass.expose(),
            "to": to,
            "msg": text,
            "from": cfg.sender,
            "f": "json",
        })),
        basic_auth: None,
    })
}

pub fn interpret(reply: &Reply) -> Result<(Option<String>, String), NotifyError> {
    let v = reply.json();
    let r = v.get("response").unwrap_or(&v);
    if let Some(fatal) = r.get("fatalError").and_then(|f| f.as_str()) {
        let lower = fatal.to_lowercase();
        // Wrong user/password comes back as a fatal error inside a 200.
        if ["passord", "password", "brukernavn", "username", "user"]
            .iter()
            .any(|w| lower.contains(w))
        {
            return Err(NotifyError::Config(format!(
                "Sveve SMS send: HTTP {} but fatalError: {fatal} (check channels.sms.username and password)",
                reply.status
            )));
        }
        return Err(NotifyError::Permanent(format!(
            "Sveve SMS send: HTTP {} but fatalError: {fatal}",
            reply.status
        )));
    }
    let errors: Vec<String> = r
        .get("errors")
        .and_then(|e| e.as_array())
        .map(|a| {
            a.iter()
                .map(|e| {
                    e.get("message")
                        .and_then(|m| m.as_str())
                        .map(str::to_string)
                        .unwrap_or_else(|| e.to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    let ok = r.get("msgOkCount").and_then(|c| c.as_i64()).unwrap_or(0);
    if !errors.is_empty() || ok < 1 {
        return Err(NotifyError::Permanent(format!(
            "Sveve SMS send: HTTP {} but not sent: {}",
            reply.status,
            if errors.is_empty() {
                reply.body.clone()
            } else {
                errors.join("; ")
            }
        )));
    }
    let id = r
        .get("ids")
        .and_then(|i| i.as_array())
        .and_then(|a| a.first())
        .map(|i| i.to_string().trim_matches('"').to_string());
    Ok((id, format!("Sveve msgOkCount {ok}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(body: &str) -> Reply {
        Reply {
            status: 200,
            body: body.into(),
        }
    }

    #[test]
    fn two_hundred_but_failed_is_detected() {
        assert!(matches!(
            interpret(&reply(
                r#"{"response":{"msgOkCount":0,"stdSMSCount":0,"fatalError":"Feil brukernavn/passord"}}"#
            )),
            Err(NotifyError::Config(_))
        ));
        assert!(matches!(
            interpret(&reply(
                r#"{"response":{"msgOkCount":0,"errors":[{"number":"9000","message":"Ugyldig nummer"}]}}"#
            )),
            Err(NotifyError::Permanent(_))
        ));
        let (id, detail) = interpret(&reply(
            r#"{"response":{"msgOkCount":1,"stdSMSCount":1,"ids":[4242]}}"#,
        ))
        .unwrap();
        assert_eq!(id.as_deref(), Some("4242"));
        assert_eq!(detail, "Sveve msgOkCount 1");
    }
}
