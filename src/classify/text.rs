//! Text normalisation for keyword matching: HTML stripped, entities decoded, lower-cased,
//! Norwegian/Danish letters folded, split into word tokens.
//!
//! Folding (documented for admins in docs/CLASSIFY.md) makes the three ways people write the
//! Nordic letters equal, and nothing else:
//! - `å`, `aa` and plain `a` are the same letter (`får` = `faar` = `far`);
//! - `ø`, `oe` and plain `o` are the same letter (`møte` = `moete` = `mote`);
//! - `æ` and `ae` are the same (`vær` = `vaer`), and so are `ä`/`ae`, `ö`/`o`;
//! - other accents are dropped (`é` → `e`, `ü` → `u`).
//!
//! Matching is exact on whole words after folding: no fuzzy matching, so a misspelling
//! (`nedde`) never matches `nede`, and `nede` does not match inside `nedetid`. A keyword word may
//! end in `*` to match word beginnings (`alarm*` matches `alarmen`, `alarmene`), which is how an
//! admin covers Norwegian inflection explicitly.

use crate::pureservice::html::decode_entities;

/// Plain text of an HTML (or plain) fragment: tags, comments, `<style>`/`<script>` content
/// removed, entities decoded, whitespace collapsed. Case and letters are kept.
pub fn plain_text(s: &str) -> String {
    let decoded = decode_entities(&strip_tags(s));
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The matching form of a text: [`plain_text`], lower-cased, folded, punctuation removed, one
/// space between words. `normalise("<p>Får IKKE logget&nbsp;inn!</p>") == "far ikke logget inn"`.
pub fn normalise(s: &str) -> String {
    tokens(s).join(" ")
}

/// The folded words of a text (see [`normalise`]).
pub fn tokens(s: &str) -> Vec<String> {
    split(&plain_text(s), false)
        .into_iter()
        .map(|(w, _)| w)
        .collect()
}

/// A configured keyword, ready for matching: its folded words, each maybe a prefix (`word*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyword {
    /// As written in the config (for reasons and messages).
    pub text: String,
    words: Vec<(String, bool)>,
}

impl Keyword {
    /// `None` when the keyword has no letters or digits at all (it could never match).
    pub fn parse(text: &str) -> Option<Keyword> {
        let words = split(&plain_text(text), true);
        if words.is_empty() {
            return None;
        }
        Some(Keyword {
            text: text.trim().to_string(),
            words,
        })
    }

    /// Whether the keyword's words occur consecutively in `tokens` (a phrase match).
    pub fn matches(&self, tokens: &[String]) -> bool {
        let n = self.words.len();
        if tokens.len() < n {
            return false;
        }
        tokens.windows(n).any(|w| {
            w.iter().zip(&self.words).all(|(t, (k, prefix))| {
                if *prefix {
                    t.starts_with(k.as_str())
                } else {
                    t == k
                }
            })
        })
    }
}

/// Splits plain text into folded words. With `stars`, a `*` right after a word marks it as a
/// prefix (keywords only); elsewhere `*` is punctuation.
fn split(s: &str, stars: bool) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, prefix: bool, out: &mut Vec<(String, bool)>| {
        if !cur.is_empty() {
            out.push((collapse(cur), prefix));
            cur.clear();
        }
    };
    for c in s.chars().flat_map(char::to_lowercase) {
        if let Some(f) = fold_char(c) {
            cur.push_str(f);
        } else if c.is_alphanumeric() {
            cur.push(c);
        } else {
            let prefix = stars && c == '*' && !cur.is_empty();
            flush(&mut cur, prefix, &mut out);
        }
    }
    flush(&mut cur, false, &mut out);
    out
}

/// The ASCII spelling of a lower-case accented letter (`None`: keep the character as it is).
fn fold_char(c: char) -> Option<&'static str> {
    Some(match c {
        'æ' | 'ä' => "ae",
        'ø' | 'ö' | 'ò' | 'ó' | 'ô' | 'õ' | 'œ' => "o",
        'å' | 'à' | 'á' | 'â' | 'ã' | 'ā' => "a",
        'é' | 'è' | 'ê' | 'ë' => "e",
        'í' | 'ì' | 'î' | 'ï' => "i",
        'ú' | 'ù' | 'û' | 'ü' => "u",
        'ý' | 'ÿ' => "y",
        'ç' => "c",
        'ñ' => "n",
        'ß' => "ss",
        'ð' => "d",
        'þ' => "th",
        _ => return None,
    })
}

/// `aa` → `a` and `oe` → `o` until none is left (the ASCII spellings of `å` and `ø`), so that
/// folding is idempotent.
fn collapse(w: &str) -> String {
    let mut s = w.to_string();
    loop {
        let next = s.replace("aa", "a").replace("oe", "o");
        if next == s {
            return s;
        }
        s = next;
    }
}

/// Inline elements join their text to the neighbours (`<b>ne</b>de` is one word); every other
/// tag separates words.
const INLINE: &[&str] = &[
    "a", "b", "i", "u", "s", "em", "strong", "span", "font", "small", "big", "sub", "sup", "mark",
    "abbr", "code",
];

/// Removes tags, comments and the content of `<style>`/`<script>`/`<head>`. A `<` that does not
/// start a tag (`a < b`) is text.
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('<') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(body) = after.strip_prefix("!--") {
            rest = body.find("-->").map_or("", |e| &body[e + 3..]);
            out.push(' ');
            continue;
        }
        let starts_tag = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!' || c == '?');
        let Some(end) = after.find('>').filter(|_| starts_tag) else {
            out.push('<');
            rest = after;
            continue;
        };
        let tag = &after[..end];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        rest = &after[end + 1..];
        if !tag.starts_with('/') && matches!(name.as_str(), "style" | "script" | "head") {
            // Skip to the matching close tag (case-insensitive).
            let close = format!("</{name}");
            rest = match rest.to_ascii_lowercase().find(&close) {
                Some(c) => {
                    let tail = &rest[c..];
                    tail.find('>').map_or("", |e| &tail[e + 1..])
                }
                None => "",
            };
            out.push(' ');
            continue;
        }
        if !INLINE.contains(&name.as_str()) {
            out.push(' ');
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw(s: &str) -> Keyword {
        Keyword::parse(s).expect("keyword")
    }

    #[test]
    fn folds_nordic_spellings_together() {
        for s in [
            "får ikke logget inn",
            "faar ikke logget inn",
            "far ikke logget inn",
            "FÅR IKKE LOGGET INN",
        ] {
            assert_eq!(normalise(s), "far ikke logget inn", "{s}");
        }
        assert_eq!(normalise("møte"), normalise("moete"));
        assert_eq!(normalise("møte"), normalise("mote"));
        assert_eq!(normalise("vær"), normalise("vaer"));
        assert_ne!(normalise("vær"), normalise("var"));
    }

    #[test]
    fn folding_is_idempotent() {
        for s in [
            "aaa",
            "oee",
            "Blåskjerm på Ålesund",
            "Øæå ÆØÅ",
            "kaffe-aaoe",
        ] {
            let once = normalise(s);
            assert_eq!(normalise(&once), once, "{s}");
        }
    }

    #[test]
    fn strips_html_and_entities() {
        let html = "<html><head><style>p { color: red }</style></head><body><p>Pasientvarsling p&aring; Bergmo er <b>ne</b>de</p><p>Hilsen&nbsp;Kari&#44; avd. &#xF8;st</p><!-- sig --></body></html>";
        assert_eq!(
            plain_text(html),
            "Pasientvarsling på Bergmo er nede Hilsen Kari, avd. øst"
        );
        assert_eq!(
            normalise(html),
            "pasientvarsling pa bergmo er nede hilsen kari avd ost"
        );
        // A lone `<` is text, an unknown entity stays.
        assert_eq!(plain_text("a < b &foo; c"), "a < b &foo; c");
        assert_eq!(plain_text("linje1<br>linje2"), "linje1 linje2");
    }

    #[test]
    fn whole_words_only() {
        let t = tokens("Systemet er nede siden i morges");
        assert!(kw("nede").matches(&t));
        assert!(kw("er nede").matches(&t));
        assert!(!kw("nedetid").matches(&t));
        assert!(!kw("nede siden morges").matches(&t));
        let t = tokens("Planlagt nedetid i kveld");
        assert!(!kw("nede").matches(&t));
        // Misspellings never match.
        assert!(!kw("nede").matches(&tokens("systemet er nedde")));
        assert!(!kw("fungerer ikke").matches(&tokens("fungrer ikke")));
    }

    #[test]
    fn prefix_keywords() {
        let t = tokens("Alarmene går ikke");
        assert!(!kw("alarm").matches(&t));
        assert!(kw("alarm*").matches(&t));
        assert!(kw("alarm* går*").matches(&t));
        assert!(Keyword::parse("*").is_none());
        assert!(Keyword::parse(" * !").is_none());
    }

    #[test]
    fn keyword_diacritics_both_ways() {
        let k = kw("får ikke logget inn");
        for s in [
            "Jeg far ikke logget inn",
            "jeg faar ikke logget inn i Gerica",
            "<p>F&aring;r ikke logget&nbsp;inn</p>",
        ] {
            assert!(k.matches(&tokens(s)), "{s}");
        }
        assert!(kw("far ikke logget inn").matches(&tokens("Får ikke logget inn")));
        assert!(!k.matches(&tokens("får ikke logget på")));
    }
}
