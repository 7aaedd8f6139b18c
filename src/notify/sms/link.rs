//! LINK Mobility "Common" REST API: Basic auth, JSON `{source, destination, userData,
//! platformId}` posted to the configured URL (e.g. `https://wsx.sp247.net/sms/send`). A queued
//! message answers `resultCode: 1005`; any other code (the 1061xx family and friends) means the
//! message was not accepted even if the HTTP status was 200.

use super::{SmsBody, SmsRequest};
use crate::config::SmsChannel;
use crate::notify::http::Reply;
use crate::notify::NotifyError;
use serde_json::json;

/// LINK's code for "accepted and queued".
pub const QUEUED: i64 = 1005;

pub fn request(cfg: &SmsChannel, to: &str, text: &str) -> Result<SmsRequest, NotifyError> {
    let (Some(user), Some(pass)) = (&cfg.username, &cfg.password) else {
        return Err(NotifyError::Config(
            "channels.sms: LINK needs username and password".into(),
        ));
    };
    Ok(SmsRequest {
        url: cfg.url.clone(),
        body: SmsBody::Json(json!({
            "source": cfg.sender,
            "destination": to,
            "userData": text,
            "platformId": "COMMON_API",
            "useDeliveryReport": false,
        })),
        basic_auth: Some((user.clone(), pass.clone())),
    })
}

pub fn interpret(reply: &Reply) -> Result<(Option<String>, String), NotifyError> {
    let v = reply.json();
    let code = v.get("resultCode").and_then(|c| c.as_i64());
    let description = v
        .get("description")
        .and_then(|d| d.as_str())
        .unwrap_or("")
        .to_string();
    match code {
        Some(QUEUED) => {
            let id = v
                .get("messageId")
                .and_then(|m| m.as_str())
                .map(str::to_string);
            Ok((id, format!("LINK resultCode 1005 ({description})")))
        }
        Some(other) => Err(NotifyError::Permanent(format!(
            "LINK SMS send: HTTP {} but resultCode {other} ({description})",
            reply.status
        ))),
        None => Err(NotifyError::Permanent(format!(
            "LINK SMS send: HTTP {} without a resultCode: {}",
            reply.status, reply.body
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SmsProvider;
    use crate::secret::Secret;

    fn cfg() -> SmsChannel {
        SmsChannel {
            provider: SmsProvider::Link,
            url: "https://link.example/sms/send".into(),
            username: Some("ror".into()),
            password: Some(Secret::new("pw-123456")),
            sender: "ROR-IKT".into(),
            body_template: None,
            timeout: chrono::Duration::seconds(5),
        }
    }

    #[test]
    fn payload_has_source_destination_and_text() {
        let r = request(&cfg(), "+4790000101", "Hei æøå").unwrap();
        assert_eq!(r.url, "https://link.example/sms/send");
        let SmsBody::Json(v) = r.body else { panic!() };
        assert_eq!(v["source"], "ROR-IKT");
        assert_eq!(v["destination"], "+4790000101");
        assert_eq!(v["userData"], "Hei æøå");
        assert_eq!(r.basic_auth.unwrap().0, "ror");
    }

    #[test]
    fn only_1005_is_success() {
        let ok = Reply {
            status: 200,
            body: r#"{"messageId":"m-1","resultCode":1005,"description":"Queued"}"#.into(),
        };
        assert_eq!(interpret(&ok).unwrap().0.as_deref(), Some("m-1"));
        let bad = Reply {
            status: 200,
            body: r#"{"resultCode":106100,"description":"Invalid destination"}"#.into(),
        };
        assert!(matches!(interpret(&bad), Err(NotifyError::Permanent(_))));
    }
}
