//! Output encoding: one function per kind of output that text from a ticket (a subject, a
//! user's name, a note) can reach, used by every writer of that kind. Ticket text is written by
//! anyone who can mail the service desk, so each function makes it inert for its medium:
//!
//! | Function | Writer | Makes harmless |
//! |---|---|---|
//! | [`card_text`] | Teams Adaptive Card `TextBlock` | Markdown links, emphasis, headings, lists |
//! | [`terminal`] | `slavakt status`, `explain`, other CLI tables | ESC/CSI/OSC and other control sequences, bidi overrides |
//! | [`mail_header`] | e-mail `Subject`, display names | CR/LF/NUL (header injection, lettre panics), over-long lines (SMTP "500 Line too long") |
//! | [`sms`] | SMS bodies | control characters, escape sequences |
//! | [`html`] | HTML pages and HTML mail parts | markup (`<script>`, attributes) |
//! | [`csv_cell`] | the report's CSV (opened in Excel) | quotes, separators, line breaks, formulas (`=`, `+`, `-`, `@`, TAB, CR) |
//! | [`markdown_cell`] | Markdown report table cells | pipes, emphasis, links, inline HTML, line breaks |

/// Longest header text kept (characters): far below SMTP's 998-octet line limit even after
/// RFC 2047 encoding, and longer than any real subject.
pub const MAX_HEADER_CHARS: usize = 200;

/// Bidirectional overrides and isolates ("Trojan Source"): they reorder what a reader sees.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// Controls (C0, DEL, C1) and bidi controls become one space each; runs of whitespace fold to
/// one space; the ends are trimmed. The common core of the one-line kinds.
fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        let c = if c.is_control() || is_bidi_control(c) {
            ' '
        } else {
            c
        };
        if c.is_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

/// Text for an Adaptive Card `TextBlock` (Teams renders a Markdown subset there): the
/// characters that make links and emphasis are backslash-escaped everywhere, and those that
/// make headings, quotes and lists at the start of a line, so `[Klikk her](https://…)` shows as
/// typed instead of as a link. Line breaks are kept (the card shows them); other controls go.
pub fn card_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut line_start = true;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' | '[' | ']' | '(' | ')' | '*' | '_' | '`' | '~' => {
                    out.push('\\');
                    out.push(c);
                }
                '#' | '>' | '-' | '+' | '|' if line_start => {
                    out.push('\\');
                    out.push(c);
                }
                // "1. " at the start of a line is a numbered list.
                '0'..='9' if line_start => {
                    out.push(c);
                    while let Some(d) = chars.next_if(char::is_ascii_digit) {
                        out.push(d);
                    }
                    if chars.peek() == Some(&'.') {
                        out.push('\\');
                    }
                }
                c if c.is_control() || is_bidi_control(c) => out.push(' '),
                c => out.push(c),
            }
            line_start = line_start && c.is_whitespace();
        }
    }
    out
}

/// Text for a terminal: control characters (ESC, CSI, OSC, BEL, backspace, carriage return…)
/// and bidi controls are shown as visible `\u{…}` escapes, never sent to the terminal; tabs and
/// line breaks become spaces, so one value stays on one line of a table.
pub fn terminal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() || is_bidi_control(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// Text for a mail header (subject, display name): one line without CR, LF, NUL or other
/// controls, cut to [`MAX_HEADER_CHARS`] with "…". lettre encodes non-ASCII per RFC 2047.
pub fn mail_header(s: &str) -> String {
    let line = one_line(s);
    if line.chars().count() <= MAX_HEADER_CHARS {
        return line;
    }
    let mut cut: String = line.chars().take(MAX_HEADER_CHARS - 1).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// Text for an SMS body: line breaks are kept (phones show them), every other control
/// character and bidi control becomes a space; runs of spaces within a line fold to one.
pub fn sms(s: &str) -> String {
    s.split('\n')
        .map(|line| one_line(line.trim_end_matches('\r')))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Text for HTML element content and quoted attribute values: `& < > " '` as entities;
/// controls other than tab and line breaks are dropped (they are invalid in HTML).
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\r' | '\t' => out.push(c),
            c if c.is_control() || is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// One CSV field for a spreadsheet: always in double quotes, `"` doubled. A value a
/// spreadsheet would run as a formula (first character `=`, `+`, `-`, `@`, TAB or CR, the
/// OWASP list) gets a leading `'`, so Excel and LibreOffice show it as text instead of
/// evaluating it (`=HYPERLINK(…)` in a ticket title stays a title). Line breaks are kept inside
/// the quotes (RFC 4180); other controls become spaces.
pub fn csv_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 3);
    out.push('"');
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        out.push('\'');
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\"\""),
            '\n' | '\r' => out.push(c),
            c if c.is_control() || is_bidi_control(c) => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text for one Markdown table cell: one line, and every character that makes a table break,
/// emphasis, code, a link, an image, a heading or inline HTML is backslash-escaped, so a ticket
/// title shows as typed.
pub fn markdown_cell(s: &str) -> String {
    let line = one_line(s);
    let mut out = String::with_capacity(line.len() + 8);
    for c in line.chars() {
        match c {
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '(' | ')' | '<' | '>' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every hostile class, fed to every kind.
    const HOSTILE: &[&str] = &[
        "[Klikk her](https://evil.example/login)",
        "\u{1b}]8;;https://evil.example\u{7}lenke\u{1b}]8;;\u{7}",
        "\u{1b}[2J\u{1b}[31mRØD\u{1b}[0m",
        "Ola\r\nBcc: alle@evil.example",
        "Kari\0Nordmann",
        "<script>alert(1)</script>",
        "\u{202E}gnp.exe",
        "\u{9b}31m C1-CSI",
        "=HYPERLINK(\"https://evil.example\")",
    ];

    fn no_controls(s: &str) -> bool {
        !s.chars().any(|c| c.is_control() || is_bidi_control(c))
    }

    #[test]
    fn every_kind_neutralises_every_class() {
        for h in HOSTILE {
            let t = terminal(h);
            assert!(no_controls(&t), "terminal {t:?}");
            let m = mail_header(h);
            assert!(no_controls(&m), "mail {m:?}");
            let s = sms(h);
            assert!(!s.chars().any(|c| c != '\n' && c.is_control()), "sms {s:?}");
            let x = html(h);
            let stray = x.chars().any(|c| {
                !matches!(c, '\n' | '\r' | '\t') && (c.is_control() || is_bidi_control(c))
            });
            assert!(!x.contains('<') && !x.contains('"') && !stray, "html {x:?}");
            let c = card_text(h);
            assert!(!c.contains("](") && !c.contains('\u{1b}'), "card {c:?}");
            let v = csv_cell(h);
            assert!(!v.starts_with("\"=") && v.ends_with('"'), "csv {v:?}");
            let m = markdown_cell(h);
            assert!(
                !m.contains("](") && !m.contains("\n") && no_controls(&m),
                "md {m:?}"
            );
        }
    }

    #[test]
    fn card_text_shows_markdown_as_typed() {
        assert_eq!(
            card_text("[Klikk](https://e.example) *fet*"),
            "\\[Klikk\\]\\(https://e.example\\) \\*fet\\*"
        );
        assert_eq!(card_text("Linje 1\nLinje 2"), "Linje 1\nLinje 2");
        assert_eq!(
            card_text("# Tittel\n- punkt\n12. ledd\nBergmo-legevakt 2.5"),
            "\\# Tittel\n\\- punkt\n12\\. ledd\nBergmo-legevakt 2.5"
        );
    }

    #[test]
    fn terminal_makes_escapes_visible() {
        assert_eq!(terminal("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(
            terminal("Skriver\tnede\npå Bergmo"),
            "Skriver nede på Bergmo"
        );
    }

    #[test]
    fn mail_headers_are_one_short_line() {
        assert_eq!(mail_header("Ola\r\nNordmann\0"), "Ola Nordmann");
        let token = "A".repeat(1262);
        let h = mail_header(&format!("Kritisk: {token}"));
        assert_eq!(h.chars().count(), MAX_HEADER_CHARS);
        assert!(h.ends_with('…'));
        assert_eq!(
            mail_header("Kritisk feil på Ålesund"),
            "Kritisk feil på Ålesund"
        );
    }

    #[test]
    fn sms_keeps_lines_and_drops_controls() {
        assert_eq!(
            sms("Kritisk\u{1b}[2J feil\r\nSak 1234"),
            "Kritisk [2J feil\nSak 1234"
        );
    }

    #[test]
    fn csv_cells_never_start_a_formula() {
        for f in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            let c = csv_cell(f);
            assert!(c.starts_with("\"'"), "{f:?} -> {c:?}");
        }
        assert_eq!(
            csv_cell("Nett \"nede\"; Rauma"),
            "\"Nett \"\"nede\"\"; Rauma\""
        );
        assert_eq!(csv_cell("34,2"), "\"34,2\"");
        assert_eq!(csv_cell("Bergmo - legevakt"), "\"Bergmo - legevakt\"");
    }

    #[test]
    fn markdown_cells_show_titles_as_typed() {
        assert_eq!(
            markdown_cell("Skriver | *nede* [x](https://e.example)\nBergmo"),
            "Skriver \\| \\*nede\\* \\[x\\]\\(https://e.example\\) Bergmo"
        );
        assert_eq!(markdown_cell("<img src=x>"), "\\<img src=x\\>");
    }
}
