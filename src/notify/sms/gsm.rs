//! SMS length: GSM-7 detection (Norwegian æøåÆØÅ are in the GSM-7 basic set), segment counting
//! (160/153 septets for GSM-7, 70/67 UTF-16 units for UCS-2) and polite truncation at a segment
//! limit (cut at a word boundary, mark the cut).

/// GSM 03.38 basic character set (one septet each; ESC left out on purpose).
const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The extension table: two septets each (ESC + char).
const EXTENDED: &str = "\x0c^{}\\[~]|€";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

/// Size of a text as sent: encoding, length in units (septets or UTF-16 units) and segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub encoding: Encoding,
    pub units: usize,
    pub segments: usize,
}

fn septets(c: char) -> Option<usize> {
    if BASIC.contains(c) {
        Some(1)
    } else if EXTENDED.contains(c) {
        Some(2)
    } else {
        None
    }
}

pub fn encoding(text: &str) -> Encoding {
    if text.chars().all(|c| septets(c).is_some()) {
        Encoding::Gsm7
    } else {
        Encoding::Ucs2
    }
}

fn units(text: &str, enc: Encoding) -> usize {
    match enc {
        Encoding::Gsm7 => text.chars().map(|c| septets(c).unwrap_or(2)).sum(),
        Encoding::Ucs2 => text.encode_utf16().count(),
    }
}

/// (single-message limit, per-segment limit when concatenated)
fn limits(enc: Encoding) -> (usize, usize) {
    match enc {
        Encoding::Gsm7 => (160, 153),
        Encoding::Ucs2 => (70, 67),
    }
}

pub fn size(text: &str) -> Size {
    let enc = encoding(text);
    let n = units(text, enc);
    let (single, multi) = limits(enc);
    let segments = if n <= single { 1 } else { n.div_ceil(multi) };
    Size {
        encoding: enc,
        units: n,
        segments,
    }
}

/// Cuts `text` so that it fits in `max_segments`, at a word boundary when one is near, and
/// marks the cut ("..." in GSM-7, "…" in UCS-2 so the encoding does not change).
/// Returns the text unchanged when it already fits.
pub fn truncate(text: &str, max_segments: usize) -> String {
    let max_segments = max_segments.max(1);
    let s = size(text);
    if s.segments <= max_segments {
        return text.to_string();
    }
    let (single, multi) = limits(s.encoding);
    let budget = if max_segments == 1 {
        single
    } else {
        multi * max_segments
    };
    let mark = match s.encoding {
        Encoding::Gsm7 => "...",
        Encoding::Ucs2 => "…",
    };
    let room = budget - units(mark, s.encoding);
    let mut used = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        let u = units(&c.to_string(), s.encoding);
        if used + u > room {
            break;
        }
        used += u;
        end = i + c.len_utf8();
    }
    let head = &text[..end];
    // Prefer a word boundary if it costs at most a fifth of the budget.
    let cut = match head.rfind(char::is_whitespace) {
        Some(ws) if head.len() - ws <= budget / 5 => &head[..ws],
        _ => head,
    };
    format!("{}{mark}", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norwegian_letters_are_gsm7() {
        assert_eq!(encoding("Blåbærsyltetøy ÆØÅ"), Encoding::Gsm7);
        assert_eq!(encoding("Emoji 🙂"), Encoding::Ucs2);
        assert_eq!(encoding("Kroner – dash"), Encoding::Ucs2);
    }

    #[test]
    fn segments_follow_the_limits() {
        assert_eq!(size(&"a".repeat(160)).segments, 1);
        assert_eq!(size(&"a".repeat(161)).segments, 2);
        assert_eq!(size(&"a".repeat(306)).segments, 2);
        assert_eq!(size(&"a".repeat(307)).segments, 3);
        assert_eq!(size(&"€".repeat(80)).units, 160);
        assert_eq!(size(&"€".repeat(81)).segments, 2);
        assert_eq!(size(&"ж".repeat(70)).segments, 1);
        assert_eq!(size(&"ж".repeat(71)).segments, 2);
        assert_eq!(size("").segments, 1);
    }

    #[test]
    fn truncation_fits_and_marks_the_cut() {
        let long = "Driftsmelding om fagsystemet på Ålesund legevakt. ".repeat(20);
        let t = truncate(&long, 3);
        let s = size(&t);
        assert!(s.segments <= 3, "{s:?}");
        assert_eq!(s.encoding, Encoding::Gsm7);
        assert!(t.ends_with("..."));
        assert!(!t.ends_with(" ..."));
        let one = truncate(&long, 1);
        assert!(size(&one).units <= 160);
        let uni = truncate(&"Ошибка системы ".repeat(30), 2);
        assert!(size(&uni).segments <= 2);
        assert!(uni.ends_with('…'));
        assert_eq!(truncate("kort", 3), "kort");
    }
}
