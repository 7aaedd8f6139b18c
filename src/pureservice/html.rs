//! HTML → plain text for ticket descriptions and custom fields: tags dropped (block ends become
//! line breaks), `<script>`/`<style>` contents removed, entities decoded, whitespace tidied.

/// Converts an HTML fragment to readable plain text.
pub fn to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..lt]));
        let after = &rest[lt + 1..];
        let Some(gt) = after.find('>') else {
            // A lone '<' is text, and with no '>' ahead no later '<' can open a tag either:
            // the rest is text. (Looking for '>' again after every '<' was quadratic.)
            out.push('<');
            rest = after;
            break;
        };
        let tag = after[..gt].trim().to_ascii_lowercase();
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        rest = &after[gt + 1..];
        if (name == "script" || name == "style") && !tag.starts_with('/') {
            let close = format!("</{name}");
            rest = match find_ignore_ascii_case(rest, &close) {
                Some(i) => rest[i..].find('>').map_or("", |j| &rest[i + j + 1..]),
                None => "",
            };
            continue;
        }
        if matches!(
            name.as_str(),
            "br" | "p"
                | "div"
                | "li"
                | "tr"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "h5"
                | "h6"
                | "ul"
                | "ol"
                | "table"
        ) {
            out.push('\n');
        }
    }
    out.push_str(&decode_entities(rest));
    tidy(&out)
}

/// Where `needle` (ASCII, starting with '<') first occurs in `hay`, ignoring ASCII case, without
/// lower-casing a copy of the whole rest for every `<script>` (which was quadratic).
fn find_ignore_ascii_case(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    hay.match_indices('<').map(|(i, _)| i).find(|&i| {
        hay.as_bytes()
            .get(i..i + n.len())
            .is_some_and(|b| b.eq_ignore_ascii_case(n))
    })
}

fn tidy(s: &str) -> String {
    s.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Decodes `&name;`, `&#229;` and `&#xE5;`; unknown entities stay as written. Shared with
/// classification, which strips HTML its own way but must read the same characters.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        // Entity names are short: look for the ';' in the next 11 bytes only (searching the
        // whole rest after every '&' was quadratic).
        let end = after.bytes().take(11).position(|b| b == b';');
        let decoded = end.and_then(|i| entity(&after[..i]));
        match (end, decoded) {
            (Some(i), Some(c)) => {
                out.push(c);
                rest = &after[i + 1..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "shy" => '\u{ad}',
        "aelig" => 'æ',
        "oslash" => 'ø',
        "aring" => 'å',
        "AElig" => 'Æ',
        "Oslash" => 'Ø',
        "Aring" => 'Å',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::to_text;

    #[test]
    fn strips_tags_and_decodes() {
        assert_eq!(
            to_text("<p>Pasientvarsling&nbsp;nede p&aring; <b>Bergmo</b></p><p>Ring 90000101 &amp; vent</p>"),
            "Pasientvarsling nede på Bergmo\nRing 90000101 & vent"
        );
        assert_eq!(
            to_text("a<br/>b<script>alert(1)</script>c &#248; &#xE6; 1 < 2"),
            "a\nbc ø æ 1 < 2"
        );
        assert_eq!(to_text(""), "");
        assert_eq!(
            to_text("1 &lt; 3 <b>x</B> <SCRIPT>y</sCrIpT>z"),
            "1 < 3 x z"
        );
        assert_eq!(to_text("a &amp<b>;</b> &#x41 ;"), "a &amp; &#x41 ;");
        assert_eq!(to_text("&unknown; & &"), "&unknown; & &");
    }

    #[test]
    fn hostile_descriptions_take_linear_time() {
        // Found reviewing the fuzz target's hot paths: each of these took quadratic time (a
        // 4 MB description ran for minutes); now they finish at once. The outputs also show
        // that the text is kept, not dropped.
        let n = 1 << 20;
        let lone_lt = "<".repeat(n);
        assert_eq!(to_text(&lone_lt), lone_lt);
        let lone_amp = "&".repeat(n);
        assert_eq!(to_text(&lone_amp), lone_amp);
        let scripts = "<script>x</script>a".repeat(n / 16);
        assert_eq!(to_text(&scripts), "a".repeat(n / 16));
    }
}
