//! A mail as sent (`Captured::Mail` data) made readable for `slavakt demo --full`: the headers
//! a reader cares about with RFC 2047 encoded words decoded, the `text/plain` part decoded from
//! quoted-printable or base64, and the names of attachments. Only what lettre writes needs to
//! be understood (UTF-8, `multipart/mixed` around `multipart/alternative`); anything else is
//! shown as it came rather than guessed at.

use base64::Engine;

/// Headers shown, in this order.
const SHOWN: [&str; 9] = [
    "From",
    "Reply-To",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Importance",
];

/// The readable form of one raw message.
pub fn readable(raw: &str) -> String {
    let (headers, body) = split(raw);
    let mut out = String::new();
    for name in SHOWN {
        if let Some(v) = header(&headers, name) {
            out.push_str(&format!("{name}: {}\n", decode_words(&v)));
        }
    }
    let mut text = None;
    let mut attachments = Vec::new();
    walk(&headers, body, &mut text, &mut attachments);
    out.push('\n');
    out.push_str(text.as_deref().unwrap_or("(no text part)").trim_end());
    out.push('\n');
    for a in attachments {
        out.push_str(&format!("[attachment: {a}]\n"));
    }
    out
}

/// Headers (unfolded) and body of a message or part.
fn split(raw: &str) -> (Vec<(String, String)>, &str) {
    let raw = raw.trim_start_matches(['\r', '\n']);
    let (head, body) = match raw.find("\r\n\r\n") {
        Some(i) => (&raw[..i], &raw[i + 4..]),
        None => match raw.find("\n\n") {
            Some(i) => (&raw[..i], &raw[i + 2..]),
            None => (raw, ""),
        },
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    (headers, body)
}

fn header(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

/// A parameter of a structured header (`boundary`, `filename`, `name`), unquoted.
fn param(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

/// Finds the first `text/plain` part and every attachment's name.
fn walk(
    headers: &[(String, String)],
    body: &str,
    text: &mut Option<String>,
    attachments: &mut Vec<String>,
) {
    let ctype = header(headers, "Content-Type").unwrap_or_else(|| "text/plain".into());
    let mime = ctype
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let disposition = header(headers, "Content-Disposition").unwrap_or_default();
    if mime.starts_with("multipart/") {
        let Some(boundary) = param(&ctype, "boundary") else {
            return;
        };
        let delimiter = format!("--{boundary}");
        for part in body.split(delimiter.as_str()).skip(1) {
            if part.starts_with("--") {
                break; // the closing delimiter
            }
            let (h, b) = split(part);
            walk(&h, b, text, attachments);
        }
    } else if disposition.to_ascii_lowercase().starts_with("attachment") {
        let name = param(&disposition, "filename")
            .or_else(|| param(&ctype, "name"))
            .unwrap_or_else(|| mime.clone());
        attachments.push(decode_words(&name));
    } else if mime == "text/plain" && text.is_none() {
        let cte = header(headers, "Content-Transfer-Encoding").unwrap_or_default();
        *text = Some(decode_body(body, &cte));
    }
}

/// A body in its transfer encoding → text (UTF-8, as lettre writes it).
fn decode_body(body: &str, cte: &str) -> String {
    let bytes = match cte.trim().to_ascii_lowercase().as_str() {
        "quoted-printable" => {
            quoted_printable::decode(body.as_bytes(), quoted_printable::ParseMode::Robust)
                .unwrap_or_else(|_| body.as_bytes().to_vec())
        }
        "base64" => {
            let compact: String = body.split_whitespace().collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact.as_bytes())
                .unwrap_or_else(|_| body.as_bytes().to_vec())
        }
        _ => body.as_bytes().to_vec(),
    };
    String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
}

/// RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) in a header value decoded; the
/// whitespace between two adjacent encoded words is dropped, as the RFC says.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let (before, tail) = rest.split_at(start);
        let Some((word, after)) = encoded_word(tail) else {
            out.push_str(before);
            out.push_str("=?");
            rest = &tail[2..];
            last_was_word = false;
            continue;
        };
        if !(last_was_word && before.trim().is_empty()) {
            out.push_str(before);
        }
        out.push_str(&word);
        rest = after;
        last_was_word = true;
    }
    out.push_str(rest);
    out
}

/// One encoded word at the start of `s`: its text and what follows it.
fn encoded_word(s: &str) -> Option<(String, &str)> {
    let inner = s.strip_prefix("=?")?;
    let (_charset, inner) = inner.split_once('?')?;
    let (enc, inner) = inner.split_once('?')?;
    let end = inner.find("?=")?;
    let (data, after) = (&inner[..end], &inner[end + 2..]);
    let bytes = match enc.to_ascii_lowercase().as_str() {
        "b" => base64::engine::general_purpose::STANDARD
            .decode(data.as_bytes())
            .ok()?,
        "q" => quoted_printable::decode(
            data.replace('_', " ").as_bytes(),
            quoted_printable::ParseMode::Robust,
        )
        .ok()?,
        _ => return None,
    };
    Some((String::from_utf8_lossy(&bytes).into_owned(), after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lettre_mail_reads_as_plain_text() {
        let to: lettre::message::Mailbox = "Kari Nordmann <kari@molde.example>".parse().unwrap();
        let m = lettre::Message::builder()
            .from("ROR-IKT <varsling@ror-ikt.example>".parse().unwrap())
            .to(to)
            .subject("Kritisk: Pasientvarsling – Molde, Ålesund")
            .multipart(lettre::message::MultiPart::mixed()
                .multipart(lettre::message::MultiPart::alternative_plain_html(
                    "Feilen gjelder pasientvarsling på Bergmo sjukeheim. Vi kommer tilbake med ny status innen kl. 15:00 – følg med på e-post og Teams. ".repeat(3),
                    "<p>Feilen gjelder</p>".to_string(),
                ))
                .singlepart(lettre::message::Attachment::new("rapport.md".into()).body(
                    b"# Rapport".to_vec(),
                    lettre::message::header::ContentType::parse("text/markdown; charset=utf-8").unwrap(),
                )))
            .unwrap();
        let raw = String::from_utf8(m.formatted()).unwrap();
        assert!(
            !raw.contains("Kritisk: Pasientvarsling – Molde"),
            "encoded in the raw mail"
        );
        let r = readable(&raw);
        assert!(
            r.contains("Subject: Kritisk: Pasientvarsling – Molde, Ålesund\n"),
            "{r}"
        );
        assert!(
            r.contains("To: \"Kari Nordmann\" <kari@molde.example>")
                || r.contains("To: Kari Nordmann <kari@molde.example>"),
            "{r}"
        );
        assert!(
            r.contains("Feilen gjelder pasientvarsling på Bergmo sjukeheim. Vi kommer tilbake"),
            "{r}"
        );
        assert!(!r.contains("=C3") && !r.contains("=\n"), "{r}");
        assert!(!r.contains("<p>"), "the html part is not shown: {r}");
        assert!(r.contains("[attachment: rapport.md]"), "{r}");
    }

    #[test]
    fn base64_bodies_and_q_words_are_decoded() {
        let raw = "Subject: =?utf-8?q?Sak_1001_l=C3=B8st?= =?utf-8?b?IOKAkyBNb2xkZQ==?=\r\n\
                   Content-Type: text/plain; charset=utf-8\r\n\
                   Content-Transfer-Encoding: base64\r\n\r\n\
                   U2FrZW4gZXIgbMO4c3Qu\r\n";
        let r = readable(raw);
        assert!(r.contains("Subject: Sak 1001 løst – Molde\n"), "{r}");
        assert!(r.contains("\nSaken er løst.\n"), "{r}");
    }

    #[test]
    fn broken_input_is_shown_not_dropped() {
        let r = readable("Subject: =?utf-8?x?odd?=\r\n\r\nhei");
        assert!(r.contains("Subject: =?utf-8?x?odd?="), "{r}");
        assert!(r.contains("hei"), "{r}");
    }
}
