//! The `http` SMS provider: POST a JSON body rendered from `body_template` to `url`.
//!
//! Placeholders `{{ to }}` (E.164), `{{ text }}`, `{{ sender }}`, `{{ username }}` and
//! `{{ password }}` are inserted JSON-escaped, so the template writes them inside quotes:
//! `{"to": "{{ to }}", "message": "{{ text }}"}`. The rendered body must be valid JSON. Basic
//! auth is used when `username` and `password` are set. A 2xx answer whose JSON says
//! `"success": false`, `"ok": false`, `"status": "failed"`/`"error"` or carries a non-empty
//! `error`/`errors` is a failure.

use super::{SmsBody, SmsRequest};
use crate::config::SmsChannel;
use crate::notify::failure::{body_reports_failure, generic_id};
use crate::notify::http::Reply;
use crate::notify::NotifyError;
use serde_json::Value;

/// A string JSON-escaped without its surrounding quotes.
fn json_escaped(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    quoted[1..quoted.len() - 1].to_string()
}

pub fn request(cfg: &SmsChannel, to: &str, text: &str) -> Result<SmsRequest, NotifyError> {
    let template = cfg.body_template.as_deref().ok_or_else(|| {
        NotifyError::Config("channels.sms: provider \"http\" needs body_template".into())
    })?;
    let env = minijinja::Environment::new();
    let password = cfg.password.as_ref().map(|p| p.expose()).unwrap_or("");
    let ctx = minijinja::context! {
        to => json_escaped(to),
        text => json_escaped(text),
        sender => json_escaped(&cfg.sender),
        username => json_escaped(cfg.username.as_deref().unwrap_or("")),
        password => json_escaped(password),
    };
    let rendered = env.render_str(template, ctx).map_err(|e| {
        NotifyError::Config(format!(
            "channels.sms.body_template cannot be rendered: {e}"
        ))
    })?;
    let body: Value = serde_json::from_str(&rendered).map_err(|e| {
        NotifyError::Config(format!(
            "channels.sms.body_template does not render to JSON ({e}); write placeholders inside quotes"
        ))
    })?;
    let basic_auth = match (&cfg.username, &cfg.password) {
        (Some(u), Some(p)) if !u.is_empty() => Some((u.clone(), p.clone())),
        _ => None,
    };
    Ok(SmsRequest {
        url: cfg.url.clone(),
        body: SmsBody::Json(body),
        basic_auth,
    })
}

pub fn interpret(reply: &Reply) -> Result<(Option<String>, String), NotifyError> {
    let v = reply.json();
    if body_reports_failure(&v) {
        return Err(NotifyError::Permanent(format!(
            "SMS http send: HTTP {} but the answer reports a failure: {}",
            reply.status, reply.body
        )));
    }
    Ok((generic_id(&v), format!("HTTP {}", reply.status)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SmsProvider;
    use crate::secret::Secret;

    fn cfg(template: &str) -> SmsChannel {
        SmsChannel {
            provider: SmsProvider::Http,
            url: "https://sms.example/send".into(),
            username: None,
            password: Some(Secret::new("key-123456")),
            sender: "ROR-IKT".into(),
            body_template: Some(template.into()),
            timeout: chrono::Duration::seconds(5),
        }
    }

    #[test]
    fn values_are_json_escaped() {
        let r = request(
            &cfg(r#"{"to":"{{ to }}","msg":"{{ text }}","from":"{{ sender }}","key":"{{ password }}"}"#),
            "+4790000101",
            "Sitat \"her\"\nny linje æøå",
        )
        .unwrap();
        let SmsBody::Json(v) = r.body else { panic!() };
        assert_eq!(v["msg"], "Sitat \"her\"\nny linje æøå");
        assert_eq!(v["to"], "+4790000101");
        assert_eq!(v["key"], "key-123456");
        assert!(r.basic_auth.is_none());
    }

    #[test]
    fn a_template_that_is_not_json_is_a_config_error() {
        assert!(matches!(
            request(&cfg(r#"{"to": {{ to }}}"#), "+4790000101", "x"),
            Err(NotifyError::Config(_))
        ));
    }

    #[test]
    fn failure_bodies_are_detected() {
        for body in [
            r#"{"success":false}"#,
            r#"{"status":"failed"}"#,
            r#"{"error":"bad number"}"#,
        ] {
            let r = Reply {
                status: 200,
                body: body.into(),
            };
            assert!(interpret(&r).is_err(), "{body}");
        }
        let ok = Reply {
            status: 200,
            body: r#"{"id":"abc","error":null}"#.into(),
        };
        assert_eq!(interpret(&ok).unwrap().0.as_deref(), Some("abc"));
    }
}
