//! Properties of keyword matching on arbitrary text: no panics, folding is idempotent, a keyword
//! always matches text that contains it (whatever the case, HTML or Nordic spelling around it).

use proptest::prelude::*;
use slavakt::classify::text::{normalise, plain_text, tokens, Keyword};

fn nordic_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("å"),
            Just("Å"),
            Just("aa"),
            Just("ø"),
            Just("Ø"),
            Just("oe"),
            Just("æ"),
            Just("e"),
            Just("n"),
            Just("d"),
            Just(" "),
            Just("-"),
            Just("<b>"),
            Just("</p>"),
            Just("&aring;"),
            Just("&nbsp;"),
            Just("&#248;"),
            Just("<"),
            Just("&"),
            Just(">"),
            Just("*"),
            Just("!"),
            Just("ikke"),
            Just("\n"),
            Just("é"),
            Just("ß"),
        ],
        0..40,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn never_panics_on_any_input(s in any::<String>()) {
        let _ = normalise(&s);
        let _ = plain_text(&s);
        let _ = Keyword::parse(&s).map(|k| k.matches(&tokens(&s)));
    }

    #[test]
    fn normalise_is_idempotent(s in nordic_text()) {
        let once = normalise(&s);
        prop_assert_eq!(normalise(&once), once);
    }

    #[test]
    fn a_keyword_matches_itself_in_context(k in "[a-zæøå]{1,8}( [a-zæøå]{1,8}){0,2}", before in "[A-Za-z ]{0,10}", after in "[A-Za-z ]{0,10}") {
        let kw = Keyword::parse(&k).expect("has letters");
        let text = format!("<p>{before} {} {after}</p>", k.to_uppercase());
        prop_assert!(kw.matches(&tokens(&text)), "{k:?} in {text:?}");
    }
}
