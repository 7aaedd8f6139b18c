//! `classify::decide`: which level the `[[classify]]` rules give a ticket, and why.

use crate::kit::classify as classify_support;

use classify_support::{config, oslo, rule, ticket};
use slavakt::classify::{decide, text, Field, Why};
use slavakt::config::ClassifyAction;

#[test]
fn patient_alarm_outage_is_kritisk_with_reasons() {
    let cfg = config();
    let mut s = ticket(
        1,
        "Pasientvarsling nede på Bergmo",
        "",
        oslo(2027, 3, 24, 15, 25),
    );
    s.service = Some("Sensio Pasientvarsling".into());
    let d = decide(&s, &cfg).expect("a decision");
    assert_eq!(d.level, "kritisk");
    // Both kritisk rules match; the first written wins the tie.
    assert_eq!(d.rule.as_deref(), Some("liv-og-helse-nede"));
    assert_eq!(d.matched, vec!["liv-og-helse-nede", "pasientvarsling"]);
    assert_eq!(d.action, ClassifyAction::Suggest);
    assert_eq!(
        d.reasons,
        vec![
            Why::LifeAndHealth {
                service: "Sensio Pasientvarsling".into()
            },
            Why::Keyword {
                keyword: "nede".into(),
                field: Field::Subject
            },
        ]
    );
    let text = slavakt::classify::rules::describe_all(&d.reasons, cfg.daemon.language);
    assert_eq!(
        text,
        "«Sensio Pasientvarsling» er en Liv og Helse-tjeneste; nøkkelordet «nede» i emnet"
    );
}

#[test]
fn service_found_through_category_and_html_description() {
    let cfg = config();
    let mut s = ticket(
        2,
        "Hjelp",
        "<div><p>Trygghets<b>alarmen</b> hos bruker <i>virker&nbsp;ikke</i></p></div>",
        oslo(2027, 3, 24, 9, 0),
    );
    s.category = Some("trygghetsalarm".into()); // case differs from the config
    let d = decide(&s, &cfg).expect("a decision");
    assert_eq!(d.level, "kritisk");
    assert_eq!(d.rule.as_deref(), Some("liv-og-helse-nede"));
    assert!(d.reasons.contains(&Why::Keyword {
        keyword: "virker ikke".into(),
        field: Field::Description
    }));
    // The service rule needs "pasientvarsling"/"trygghetsalarm" as a whole word: the
    // inflected "trygghetsalarmen" is not it.
    assert_eq!(d.matched, vec!["liv-og-helse-nede"]);
}

#[test]
fn keywords_need_all_criteria_of_a_rule() {
    let cfg = config();
    // Outage words, but Gerica is not a life-and-health service.
    let mut s = ticket(3, "Gerica er nede", "", oslo(2027, 3, 24, 9, 0));
    s.service = Some("Gerica".into());
    assert_eq!(decide(&s, &cfg), None);
    // A life-and-health service without outage words.
    let mut s = ticket(4, "Ny bruker", "Opprett tilgang", oslo(2027, 3, 24, 9, 0));
    s.service = Some("Sensio Pasientvarsling".into());
    assert_eq!(decide(&s, &cfg), None);
}

#[test]
fn nordic_letters_written_three_ways() {
    let cfg = config();
    for subject in [
        "Får ikke logget inn",
        "faar ikke logget inn",
        "far ikke logget inn",
        "FÅR IKKE LOGGET INN!!",
        "F&aring;r ikke logget inn",
    ] {
        let d = decide(&ticket(5, subject, "", oslo(2027, 3, 24, 9, 0)), &cfg);
        assert_eq!(d.map(|d| d.level), Some("middels".into()), "{subject}");
    }
}

#[test]
fn misspellings_and_word_parts_do_not_match() {
    let cfg = config();
    let mut base = ticket(6, "", "", oslo(2027, 3, 24, 9, 0));
    base.service = Some("Sensio Pasientvarsling".into());
    for subject in [
        "Pasientvarslinga er nedde",                    // misspelt
        "Planlagt nedetid for pasientvarsling i kveld", // "nede" only inside "nedetid"
        "Får ikke logget på",                           // a different phrase
        "fungrer ikke",                                 // misspelt
        "ikke fungerer",                                // words in another order
    ] {
        let mut s = base.clone();
        s.subject = subject.into();
        let d = decide(&s, &cfg);
        assert!(
            d.as_ref()
                .is_none_or(|d| d.rule.as_deref() == Some("pasientvarsling")),
            "{subject}: {d:?}"
        );
        assert!(
            d.as_ref()
                .is_none_or(|d| !d.matched.contains(&"liv-og-helse-nede".to_string())),
            "{subject}"
        );
    }
}

#[test]
fn highest_level_wins_whatever_the_order() {
    let cfg = config();
    // Matches hjemmekontor (lav), innlogging (middels) and innbyggertjeneste (hoy).
    let s = ticket(
        7,
        "Hjemmekontor: får ikke logget inn på Min side",
        "",
        oslo(2027, 3, 24, 9, 0),
    );
    let d = decide(&s, &cfg).unwrap();
    assert_eq!(d.level, "hoy");
    assert_eq!(d.rule.as_deref(), Some("innbyggertjeneste"));
    assert_eq!(
        d.matched,
        vec!["hjemmekontor", "innlogging", "innbyggertjeneste"]
    );
    // Reverse the rule order: same winner.
    let mut rev = cfg.clone();
    rev.classify.rules.reverse();
    assert_eq!(
        decide(&s, &rev).unwrap().rule.as_deref(),
        Some("innbyggertjeneste")
    );
}

#[test]
fn default_level_when_nothing_matches() {
    let mut cfg = config();
    let s = ticket(8, "Skriveren er tom for toner", "", oslo(2027, 3, 24, 9, 0));
    assert_eq!(decide(&s, &cfg), None);
    cfg.classify.default_level = Some("lav".into());
    let d = decide(&s, &cfg).unwrap();
    assert_eq!(d.level, "lav");
    assert_eq!(d.rule, None);
    assert_eq!(d.rule_id(), "default");
    assert_eq!(d.reasons, vec![Why::Default]);
    // A matching rule still beats the default, even a lower one.
    let s = ticket(9, "Hjemmekontor", "", oslo(2027, 3, 24, 9, 0));
    cfg.classify.default_level = Some("middels".into());
    assert_eq!(decide(&s, &cfg).unwrap().level, "lav");
}

#[test]
fn municipality_company_and_source_criteria() {
    let mut cfg = config();
    let mut r = rule("molde-telefon", "hoy");
    r.municipalities = vec!["Molde".into()];
    r.sources = vec!["Telefon".into()];
    r.keywords = vec!["alle brukere".into()];
    cfg.classify.rules = vec![r];
    let mut s = ticket(10, "Alle brukere mister nett", "", oslo(2027, 3, 24, 9, 0));
    s.municipalities.clear();
    s.company = Some("Molde helse og omsorg".into());
    s.source = Some("telefon".into());
    let d = decide(&s, &cfg).unwrap();
    assert_eq!(
        d.reasons,
        vec![
            Why::Municipality {
                name: "Molde".into()
            },
            Why::Source {
                name: "telefon".into()
            },
            Why::Keyword {
                keyword: "alle brukere".into(),
                field: Field::Subject
            },
        ]
    );
    s.source = Some("E-post".into());
    assert_eq!(decide(&s, &cfg), None);
    s.source = Some("Telefon".into());
    s.company = Some("Rauma kommune".into());
    assert_eq!(decide(&s, &cfg), None);
}

#[test]
fn normalise_is_documented_form() {
    assert_eq!(
        text::normalise("<p>Får IKKE logget&nbsp;inn – hjelp!</p>"),
        "far ikke logget inn hjelp"
    );
}

#[test]
fn also_keywords_must_match_too_and_both_are_reasons() {
    let mut cfg = config();
    let mut r = rule("min-side-nede", "hoy");
    r.keywords = vec!["min side".into(), "e-skjema*".into()];
    r.also_keywords = vec!["nede".into(), "utilgjengelig".into()];
    cfg.classify.rules = vec![r];
    // Only the system: a question, no outage.
    let s = ticket(11, "Passord på Min side?", "", oslo(2027, 3, 24, 9, 0));
    assert_eq!(decide(&s, &cfg), None);
    // Only an outage word: about something else.
    let s = ticket(12, "Skriveren er nede", "", oslo(2027, 3, 24, 9, 0));
    assert_eq!(decide(&s, &cfg), None);
    // Both, one in the subject and one in the (HTML) description.
    let s = ticket(
        13,
        "E-skjemaene for byggesak",
        "<p>Alt er <b>utilgjengelig</b> siden 09:00</p>",
        oslo(2027, 3, 24, 9, 0),
    );
    let d = decide(&s, &cfg).expect("both groups match");
    assert_eq!(d.level, "hoy");
    assert_eq!(
        d.reasons,
        vec![
            Why::Keyword {
                keyword: "e-skjema*".into(),
                field: Field::Subject
            },
            Why::Keyword {
                keyword: "utilgjengelig".into(),
                field: Field::Description
            },
        ]
    );
}

#[test]
fn also_keywords_that_can_never_match_are_reported() {
    let mut cfg = config();
    let mut r = rule("tom", "hoy");
    r.keywords = vec!["min side".into()];
    r.also_keywords = vec!["!!!".into()];
    cfg.classify.rules = vec![r];
    let errs = slavakt::classify::lint(&cfg);
    let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
    assert!(paths.contains(&"classify[0].also_keywords[0]"), "{errs:?}");
    assert!(
        errs.iter()
            .any(|e| e.path == "classify[0].also_keywords" && e.message.contains("can never match")),
        "{errs:?}"
    );
}
