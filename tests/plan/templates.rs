//! Message templates: every built-in template renders in nb, nn, da and en; incident messages carry
//! the facts of DOMAIN.md and read naturally without the optional ones; strict variables;
//! overrides from `templates_dir`; HTML escaping; `check_all`.

use crate::kit::plan as plan_support;

use chrono::Duration;
use plan_support::*;
use slavakt::config::Language;
use slavakt::plan::{Intent, IntentKey, Reason, Recipient};
use slavakt::templates::{self, render, BUILTIN_NAMES};
use slavakt::ticket::{CoreStatus, Person, TrackedTicket};
use std::collections::BTreeMap;

fn ticket(w: &mut World, fields: bool, solved: bool) -> TrackedTicket {
    let t0 = oslo(2027, 3, 24, 10, 0);
    let mut s = snapshot(1, "Kritisk", t0);
    s.subject = "Pasientvarsling nede på Bergmo".into();
    s.status = "Under arbeid".into();
    s.assignee = Some(Person {
        name: "Per Saksbehandler".into(),
        email: None,
        phone: None,
    });
    if fields {
        for (k, v) in [
            ("consequence", "Alarmer fra pasientrom når ikke fram"),
            ("expected_fix", "kl. 13:00"),
            ("cause", "defekt nettverkssvitsj"),
            ("units", "Bergmo omsorgssenter"),
        ] {
            s.fields.insert(k.into(), v.into());
        }
    }
    w.observe(&s, t0);
    if solved {
        s.core = CoreStatus::Solved;
        s.resolved = Some(t0 + Duration::minutes(110));
        s.modified = t0 + Duration::minutes(110);
        w.observe(&s, s.modified);
    }
    w.tickets[&1].clone()
}

fn intent(template: &str, reason: Reason, channel: &str) -> Intent {
    let mut vars = BTreeMap::new();
    for (k, v) in [
        ("percent", "75"),
        ("clock", "resolution"),
        ("due", "2027-03-24T11:00:00+00:00"),
        ("since", "2027-03-24T09:00:00+00:00"),
        ("silence", "1h"),
        ("count", "6"),
        ("ticket_count", "6"),
        ("tickets", "1,2,3,4,5,6"),
        ("items", "#1001 Kritisk – A (r)\n#1002 Høy – B (r)"),
        ("ack_within", "15 minutter"),
        ("numbers", "1001, 1002"),
        ("not_answered", "Vakthavende"),
        ("escalation_step", "1"),
    ] {
        vars.insert(k.to_string(), v.to_string());
    }
    Intent {
        key: IntentKey {
            ticket: 1,
            rule: "r".into(),
            occurrence: 0,
            channel: channel.into(),
            recipient: "x@ikt.example".into(),
        },
        reason,
        // The reader the test config's status rules reach (a promised next status needs one).
        audience: "role:varslingsansvarlig".into(),
        recipient: Recipient {
            name: "Ingrid Imsen".into(),
            address: "x@ikt.example".into(),
        },
        due_at: oslo(2027, 3, 24, 10, 0),
        late: false,
        template: template.into(),
        important: true,
        vars,
    }
}

#[test]
fn every_builtin_template_renders_in_every_language() {
    for lang in [Language::Nb, Language::Nn, Language::Da, Language::En] {
        let mut c = config();
        c.daemon.language = lang;
        let mut w = World::new(c.clone());
        for (fields, solved) in [(true, false), (false, false), (true, true), (false, true)] {
            let t = ticket(&mut w, fields, solved);
            let now = oslo(2027, 3, 24, 12, 0);
            let clocks = slavakt::sla::clocks(&t, &c, now);
            for name in BUILTIN_NAMES {
                let m = render(
                    &intent(name, Reason::Opened, "email"),
                    Some(&t),
                    clocks.as_ref(),
                    &c,
                    now,
                )
                .unwrap_or_else(|e| panic!("{e}"));
                for part in [&m.subject, &m.text, &m.html, &m.short] {
                    assert!(!part.trim().is_empty(), "{name} {lang:?}: empty part");
                    assert!(
                        !part.contains("{{") && !part.contains("{%"),
                        "{name}: {part}"
                    );
                    assert!(
                        !part.contains("none") && !part.contains("None"),
                        "{name} {lang:?}: {part}"
                    );
                }
                assert!(!m.subject.contains('\n'));
                assert!(!m.short.contains("http"), "{name}: SMS carries no URLs");
                assert!(
                    slavakt::notify::sms::gsm::size(&m.short).segments
                        <= templates::SHORT_MAX_SEGMENTS
                );
            }
        }
    }
}

#[test]
fn an_incident_message_carries_the_facts_in_norwegian() {
    let c = config();
    let mut w = World::new(c.clone());
    let t = ticket(&mut w, true, false);
    let now = oslo(2027, 3, 24, 10, 0);
    let m = render(
        &intent("incident_announcement", Reason::Opened, "teams:ik_varsling"),
        Some(&t),
        None,
        &c,
        now,
    )
    .unwrap();
    for want in [
        "Sensio Pasientvarsling",                                         // service
        "onsdag 24. mars 2027 kl. 10:00",                                 // start, Oslo time
        "Alarmer fra pasientrom når ikke fram",                           // consequence and scope
        "Molde (Bergmo omsorgssenter)",                                   // municipality and units
        "Status nå: under arbeid",   // plain status, no agent name
        "Forventet løst: kl. 13:00", // expected fix
        "Neste statusoppdatering: senest onsdag 24. mars 2027 kl. 11:00", // next status
        "KUNNGJØRING",               // important announcement
    ] {
        assert!(m.text.contains(want), "missing {want:?} in:\n{}", m.text);
    }
    assert!(m.html.contains("<table>") && m.html.contains("Bergmo omsorgssenter"));
    assert_eq!(m.level, "kritisk");
    assert!(m.important);
}

#[test]
fn without_the_optional_fields_it_still_reads_naturally() {
    let c = config();
    let mut w = World::new(c.clone());
    let t = ticket(&mut w, false, false);
    let now = oslo(2027, 3, 24, 10, 0);
    let m = render(
        &intent("incident_alert", Reason::Opened, "email"),
        Some(&t),
        None,
        &c,
        now,
    )
    .unwrap();
    assert!(
        m.text.contains("Konsekvens og omfang: kartlegges"),
        "{}",
        m.text
    );
    assert!(
        m.text.contains("Forventet løsningstid er ikke kjent ennå."),
        "{}",
        m.text
    );
    assert!(m.text.starts_with("Hei Ingrid,\n\nSak 1001"), "{}", m.text);
    assert_eq!(
        m.short,
        "KRITISK hendelse: Sensio Pasientvarsling - Pasientvarsling nede på Bergmo (Molde). Startet 24.03. kl. 10:00. Sak 1001."
    );
}

#[test]
fn the_resolved_notice_says_fixed_and_the_main_cause() {
    let c = config();
    let mut w = World::new(c.clone());
    let now = oslo(2027, 3, 24, 11, 50);
    let t = ticket(&mut w, true, true);
    let m = render(
        &intent("incident_resolved", Reason::Resolved, "email"),
        Some(&t),
        None,
        &c,
        now,
    )
    .unwrap();
    assert!(m.subject.starts_with("Løst – Kritisk:"), "{}", m.subject);
    assert!(m.text.contains("Feilen er rettet"));
    assert!(m.text.contains("Hovedårsak: defekt nettverkssvitsj"));
    assert!(m.text.contains("varighet 1 time 50 min"), "{}", m.text);
    let t = ticket(&mut World::new(c.clone()), false, true);
    let m = render(
        &intent("incident_resolved", Reason::Resolved, "sms"),
        Some(&t),
        None,
        &c,
        now,
    )
    .unwrap();
    assert!(
        m.text.contains("Hovedårsaken er ikke fastslått ennå"),
        "{}",
        m.text
    );
    assert!(
        m.short
            .starts_with("LØST: Sensio Pasientvarsling (Molde) fungerer igjen"),
        "{}",
        m.short
    );
}

#[test]
fn danish_and_english_sets_speak_their_language() {
    for (lang, word) in [
        (Language::Da, "Tjeneste: Sensio"),
        (Language::En, "Service: Sensio"),
    ] {
        let mut c = config();
        c.daemon.language = lang;
        let mut w = World::new(c.clone());
        let t = ticket(&mut w, false, false);
        let m = render(
            &intent("incident_alert", Reason::Opened, "email"),
            Some(&t),
            None,
            &c,
            oslo(2027, 3, 24, 10, 0),
        )
        .unwrap();
        assert!(m.text.contains(word), "{lang:?}: {}", m.text);
    }
    let mut c = config();
    c.daemon.language = Language::Da;
    let t = ticket(&mut World::new(c.clone()), false, false);
    let m = render(
        &intent("incident_alert", Reason::Opened, "email"),
        Some(&t),
        None,
        &c,
        oslo(2027, 3, 24, 10, 0),
    )
    .unwrap();
    assert!(
        m.text.contains("onsdag den 24. marts 2027 kl. 10.00"),
        "{}",
        m.text
    );
}

/// Words that are bokmål and not nynorsk: none of them may appear in a nynorsk message.
const BOKMAL_ONLY: &[&str] = &[
    "ikke",
    "hendelse",
    "hendelsen",
    "hendelser",
    "tjeneste",
    "tjenesten",
    "ennå",
    "nå",
    "fra",
    "hvis",
    "hva",
    "hvem",
    "en",
    "et",
    "noen",
    "saken",
    "startet",
    "forventet",
    "senest",
    "siden",
    "løst",
    "rettet",
    "varighet",
    "hovedårsak",
    "hovedårsaken",
    "berørt",
    "berørte",
    "kommuner",
    "mangler",
    "fortsatt",
    "gjelder",
    "kommer",
    "behandles",
    "følges",
    "varsler",
    "gjenåpnet",
    "påminnelse",
    "planlagt",
    "begrunnelse",
    "mulig",
    "flere",
    "samme",
    "tålmodigheten",
    "oppdaget",
    "ingen handling",
    "brudd",
    "brukeren",
];

/// The bokmål-only words in `text` (whole words, any case).
fn bokmal_words(text: &str) -> Vec<&'static str> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .collect();
    BOKMAL_ONLY
        .iter()
        .copied()
        .filter(|w| match w.split_once(' ') {
            Some((a, b)) => words.windows(2).any(|p| p[0] == a && p[1] == b),
            None => words.contains(w),
        })
        .collect()
}

#[test]
fn the_nynorsk_set_speaks_nynorsk_in_every_template() {
    let mut c = config();
    c.daemon.language = Language::Nn;
    // The checklist is the operator's words, like the ticket's fields: in nynorsk here.
    c.sla.get_mut("kritisk").unwrap().checklist = vec![
        "Legg inn meldingsmal i Pureservice".into(),
        "Kunngjering i aktuell kanal der ho ikkje går ut automatisk".into(),
    ];
    let mut nb = config();
    nb.daemon.language = Language::Nb;
    let mut w = World::new(c.clone());
    let now = oslo(2027, 3, 24, 12, 0);
    for (fields, solved) in [(true, false), (false, false), (true, true), (false, true)] {
        let mut t = ticket(&mut w, fields, solved);
        if fields {
            // The ticket's own fields are the agent's words; give them in nynorsk here.
            for (k, v) in [
                ("consequence", "Alarmar frå pasientrom kjem ikkje fram"),
                ("cause", "defekt nettverkssvitsj"),
            ] {
                t.fields.insert(k.into(), v.into());
            }
        }
        let clocks = slavakt::sla::clocks(&t, &c, now);
        for name in BUILTIN_NAMES {
            for reason in [Reason::Opened, Reason::After] {
                let i = intent(name, reason, "email");
                let m = render(&i, Some(&t), clocks.as_ref(), &c, now)
                    .unwrap_or_else(|e| panic!("{e}"));
                for part in [&m.subject, &m.text, &m.html, &m.short] {
                    let leaks = bokmal_words(part);
                    assert!(leaks.is_empty(), "{name}: bokmål {leaks:?} in:\n{part}");
                }
                // SMS: the same length budget as the bokmål text (a few characters of slack
                // for longer words such as «hending» or «løysingstida»).
                let b = render(&i, Some(&t), clocks.as_ref(), &nb, now).unwrap();
                let (nn_len, nb_len) = (m.short.chars().count(), b.short.chars().count());
                assert!(
                    nn_len <= nb_len + 8,
                    "{name}: nn SMS {nn_len} chars, nb {nb_len}:\n{}\n{}",
                    m.short,
                    b.short
                );
            }
        }
    }
}

#[test]
fn nynorsk_incident_messages_read_as_nynorsk() {
    let mut c = config();
    c.daemon.language = Language::Nn;
    let now = oslo(2027, 3, 24, 10, 0);
    let t = ticket(&mut World::new(c.clone()), false, false);
    let render_nn = |name: &str, reason: Reason, channel: &str, t: &TrackedTicket| {
        render(&intent(name, reason, channel), Some(t), None, &c, now).unwrap()
    };
    let m = render_nn("incident_alert", Reason::Opened, "email", &t);
    assert!(
        m.subject.starts_with("Alvorleg hending – Kritisk:"),
        "{}",
        m.subject
    );
    for want in [
        "er ei alvorleg hending. Kommunikasjonsplanen gjeld frå no.",
        "Teneste: Sensio Pasientvarsling",
        "Starta: onsdag 24. mars 2027 kl. 10:00",
        "Konsekvens og omfang: blir kartlagt",
        "Råka kommune: Molde",
        "Status no: under arbeid",
        "Venta løysingstid er ikkje kjend enno.",
        "Neste statusoppdatering: seinast onsdag 24. mars 2027 kl. 11:00.",
    ] {
        assert!(m.text.contains(want), "missing {want:?} in:\n{}", m.text);
    }
    assert!(
        m.html.contains("<th align=\"left\">Råka kommune</th>"),
        "{}",
        m.html
    );
    assert_eq!(
        m.short,
        "KRITISK hending: Sensio Pasientvarsling - Pasientvarsling nede på Bergmo (Molde). Starta 24.03. kl. 10:00. Sak 1001."
    );
    let m = render_nn(
        "incident_announcement",
        Reason::Opened,
        "teams:ik_varsling",
        &t,
    );
    assert!(
        m.text.starts_with("KUNNGJERING – alvorleg hending"),
        "{}",
        m.text
    );

    let solved = ticket(&mut World::new(c.clone()), false, true);
    let m = render_nn("incident_resolved", Reason::Resolved, "email", &solved);
    assert!(m.subject.starts_with("Løyst – Kritisk:"), "{}", m.subject);
    for want in [
        "Feilen er retta: Pasientvarsling nede på Bergmo.",
        "(varigheit 1 time 50 min)",
        "Hovudårsaka er ikkje slått fast enno; ho kjem i hendingsrapporten.",
    ] {
        assert!(m.text.contains(want), "missing {want:?} in:\n{}", m.text);
    }
    // Thanks for the patience go to those who waited (a municipality), not to ROR-IKT's own.
    assert!(!m.text.contains("Takk for tolmodet."), "{}", m.text);
    let mut i = intent("incident_resolved", Reason::Resolved, "email");
    i.audience = "municipality:critical".into();
    let m = render(&i, Some(&solved), None, &c, now).unwrap();
    assert!(m.text.contains("Takk for tolmodet."), "{}", m.text);
    assert!(
        m.short
            .starts_with("LØYST: Sensio Pasientvarsling (Molde) fungerer igjen"),
        "{}",
        m.short
    );
    let mut warn = intent("sla_warning", Reason::ResolutionWarning, "email");
    warn.vars.insert("clock".into(), "response".into());
    let m = render(&warn, Some(&t), None, &c, now).unwrap();
    assert_eq!(m.short, "SLA-varsel sak 1001: 75 % av svartida brukt.");
    assert!(
        m.text.contains("Gje brukaren eit første svar før fristen."),
        "{}",
        m.text
    );
}

#[test]
fn html_gets_escaped_values_text_does_not() {
    let c = config();
    let mut w = World::new(c.clone());
    let mut t = ticket(&mut w, false, false);
    t.subject = "Feil i <Fagsystem> & co".into();
    let m = render(
        &intent("incident_alert", Reason::Opened, "email"),
        Some(&t),
        None,
        &c,
        oslo(2027, 3, 24, 10, 0),
    )
    .unwrap();
    assert!(m.text.contains("Feil i <Fagsystem> & co"));
    assert!(
        m.html.contains("Feil i &lt;Fagsystem&gt; &amp; co"),
        "{}",
        m.html
    );
    assert!(!m.html.contains("<Fagsystem>"));
}

#[test]
fn overrides_from_templates_dir_win_and_strict_variables_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("incident_alert.nb.j2"),
        "{% block subject %}EGEN: {{ ticket.subject }}{% endblock %}{% block text %}Tekst {{ ticket.number }}{% endblock %}",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("sla_warning.j2"),
        "{% block subject %}{{ no_such_variable }}{% endblock %}{% block text %}x{% endblock %}",
    )
    .unwrap();
    let mut c = config();
    c.daemon.templates_dir = Some(dir.path().to_path_buf());
    let mut w = World::new(c.clone());
    let t = ticket(&mut w, false, false);
    let now = oslo(2027, 3, 24, 10, 0);
    let m = render(
        &intent("incident_alert", Reason::Opened, "email"),
        Some(&t),
        None,
        &c,
        now,
    )
    .unwrap();
    assert_eq!(m.subject, "EGEN: Pasientvarsling nede på Bergmo");
    assert_eq!(
        m.html,
        "<p>Tekst 1001</p>\n\
         <p>Saken i Pureservice: <a href=\"https://ror-ikt.pureservice.example/agent/app#/ticket/1001\">\
         https://ror-ikt.pureservice.example/agent/app#/ticket/1001</a></p>\n\
         <p>Hilsen ROR-IKT Kundeservice, tlf. 900 00 999, kundeservice@ror-ikt.example</p>",
        "no html block: escaped text paragraphs, the link to the ticket, the signature"
    );
    assert_eq!(m.short, m.subject, "no short block: the subject");
    let err = render(
        &intent("sla_warning", Reason::ResolutionWarning, "email"),
        Some(&t),
        None,
        &c,
        now,
    )
    .unwrap_err();
    assert_eq!(err.name, "sla_warning");
    assert!(err.message.contains("undefined"), "{err}");
    assert!(templates::template_exists("sla_warning", Some(dir.path())));
    std::fs::write(dir.path().join("eget_varsel.j2"), "x").unwrap();
    assert!(templates::template_exists("eget_varsel", Some(dir.path())));
    assert!(!templates::template_exists("finnes_ikke", Some(dir.path())));
    // check-config finds the broken override and only that.
    let problems = templates::check_all(&c);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("sla_warning"), "{problems:?}");
}

#[test]
fn check_all_passes_for_the_builtin_sets() {
    for lang in [Language::Nb, Language::Nn, Language::Da, Language::En] {
        let mut c = config();
        c.daemon.language = lang;
        assert_eq!(templates::check_all(&c), Vec::<String>::new());
    }
}

#[test]
fn the_driftsmelding_ends_the_consequence_with_one_full_stop() {
    let c = config();
    let mut w = World::new(c.clone());
    let mut t = ticket(&mut w, true, false);
    let now = oslo(2027, 3, 24, 10, 0);
    let text = |t: &TrackedTicket| {
        render(
            &intent("driftsmelding_intranet", Reason::Opened, "intranet"),
            Some(t),
            None,
            &c,
            now,
        )
        .unwrap()
        .text
    };
    // As the agent wrote it: without a full stop, one is added; with one, none is doubled.
    assert!(
        text(&t).contains(" Alarmer fra pasientrom når ikke fram. Berørt: Molde"),
        "{}",
        text(&t)
    );
    t.fields
        .insert("consequence".into(), "Ingen alarmer når fram.".into());
    let with_stop = text(&t);
    assert!(
        with_stop.contains(" Ingen alarmer når fram. Berørt:"),
        "{with_stop}"
    );
    assert!(!with_stop.contains("fram.."), "{with_stop}");
}

/// Independent GSM 03.38 count: septets of a text in the default alphabet (extension
/// characters count two), or `None` when a character is outside it (the SMS would be UCS-2).
fn gsm7_septets(s: &str) -> Option<usize> {
    const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    const EXT: &str = "^{}\\[~]|€\u{c}";
    s.chars().try_fold(0, |n, c| {
        if BASIC.contains(c) {
            Some(n + 1)
        } else if EXT.contains(c) {
            Some(n + 2)
        } else {
            None
        }
    })
}

fn segments(septets: usize) -> usize {
    if septets <= 160 {
        1
    } else {
        septets.div_ceil(153)
    }
}

#[test]
fn every_sms_is_gsm7_and_at_most_two_segments_keeping_the_request_number() {
    for lang in [Language::Nb, Language::Nn, Language::Da, Language::En] {
        let mut c = config();
        c.daemon.language = lang;
        let mut w = World::new(c.clone());
        let t0 = oslo(2027, 3, 24, 10, 0);
        let mut s = snapshot(1, "Kritisk", t0);
        s.subject = format!(
            "Pasientvarsling – «alarmer» når ikke fram {}",
            "på rom ".repeat(40)
        );
        for (k, v) in [
            (
                "consequence",
                "Alarmer fra pasientrom når ikke fram – vaktrom varsles ikke ".repeat(4),
            ),
            ("cause", "defekt nettverkssvitsj – byttet ".repeat(5)),
        ] {
            s.fields.insert(k.into(), v);
        }
        w.observe(&s, t0);
        let t = w.tickets[&1].clone();
        let now = oslo(2027, 3, 24, 12, 0);
        for name in BUILTIN_NAMES {
            let m = render(
                &intent(name, Reason::Opened, "sms"),
                Some(&t),
                None,
                &c,
                now,
            )
            .unwrap_or_else(|e| panic!("{e}"));
            let n = gsm7_septets(&m.short)
                .unwrap_or_else(|| panic!("{name} {lang:?}: not GSM-7: {}", m.short));
            assert!(
                segments(n) <= 2,
                "{name} {lang:?}: {n} septets: {}",
                m.short
            );
            let template_names_number = templates::source(name, lang, None)
                .unwrap()
                .split("block short")
                .nth(1)
                .is_some_and(|b| b.contains("ticket.number"));
            if template_names_number && name.starts_with("incident") {
                assert!(
                    m.short.contains(&t.number.to_string()),
                    "{name} {lang:?}: {}",
                    m.short
                );
            }
        }
    }
}

#[test]
fn actions_workaround_fault_start_and_what_to_tell_callers_are_shown() {
    let c = config();
    let mut w = World::new(c.clone());
    let t0 = oslo(2027, 3, 24, 10, 0);
    let mut s = snapshot(1, "Kritisk", t0);
    s.subject = "Pasientvarsling nede".into();
    for (k, v) in [
        ("actions", "leverandøren bytter svitsj"),
        ("workaround", "manuell runde hver halvtime"),
        ("fault_started", "kl. 09:40"),
        ("tell_callers", "feilen er kjent, bruk manuell runde"),
    ] {
        s.fields.insert(k.into(), v.into());
    }
    w.observe(&s, t0);
    let t = w.tickets[&1].clone();
    let now = oslo(2027, 3, 24, 10, 30);
    let m = render(
        &intent("incident_alert", Reason::Opened, "email"),
        Some(&t),
        None,
        &c,
        now,
    )
    .unwrap();
    for want in [
        "Feilen oppsto: kl. 09:40",
        "Tiltak nå: leverandøren bytter svitsj",
        "Midlertidig løsning: manuell runde hver halvtime",
        "Status nå: under arbeid",
    ] {
        assert!(m.text.contains(want), "{want}: {}", m.text);
    }
    assert!(!m.text.contains("Per Saksbehandler"));
    let d = render(
        &intent("driftsmelding", Reason::Opened, "teams:driftsmeldinger"),
        Some(&t),
        None,
        &c,
        now,
    )
    .unwrap();
    assert!(
        d.text.contains("feilen er kjent, bruk manuell runde"),
        "{}",
        d.text
    );
    s.core = CoreStatus::Solved;
    s.resolved = Some(t0 + Duration::minutes(90));
    s.modified = t0 + Duration::minutes(90);
    w.observe(&s, s.modified);
    let t = w.tickets[&1].clone();
    let r = render(
        &intent("incident_resolved", Reason::Resolved, "email"),
        Some(&t),
        None,
        &c,
        now,
    )
    .unwrap();
    assert!(
        r.text
            .contains("Dette er gjort: leverandøren bytter svitsj"),
        "{}",
        r.text
    );
}

#[test]
fn a_next_status_is_promised_only_to_readers_a_cadence_rule_reaches() {
    let c = slavakt::config::load(std::path::Path::new("config/slavakt.toml")).unwrap();
    assert!(
        templates::check::promise_warnings(&c).is_empty(),
        "{:?}",
        templates::check::promise_warnings(&c)
    );
    let mut w = World::new(c.clone());
    let t0 = oslo(2027, 3, 27, 2, 0);
    let mut s = snapshot(1, "Kritisk", t0);
    s.subject = "Pasientvarsling nede".into();
    w.observe(&s, t0);
    let t = w.tickets[&1].clone();
    let mut i = intent("incident_municipality", Reason::Opened, "email");
    i.audience = "municipality:critical".into();
    let m = render(&i, Some(&t), None, &c, t0).unwrap();
    assert!(
        m.text.contains("Neste statusoppdatering: senest"),
        "{}",
        m.text
    );
    assert!(
        m.text.starts_with("Hei Ingrid,\n\nROR-IKT har"),
        "{}",
        m.text
    );
    assert!(m
        .text
        .ends_with("Hilsen ROR-IKT Kundeservice, tlf. 900 00 999, kundeservice@ror-ikt.example"));
    // The leadership is informed, not promised a status no rule sends them.
    let mut i = intent("incident_leadership", Reason::Opened, "email");
    i.audience = "role:daglig_leder".into();
    let m = render(&i, Some(&t), None, &c, t0).unwrap();
    assert!(!m.text.contains("Neste statusoppdatering"), "{}", m.text);
    // A config without the municipal status rule: the promise is dropped and check-config warns.
    let mut c2 = c.clone();
    c2.plan.retain(|r| r.id != "kritisk-status-municipality");
    let mut i = intent("incident_municipality", Reason::Opened, "email");
    i.audience = "municipality:critical".into();
    let m = render(&i, Some(&t), None, &c2, t0).unwrap();
    assert!(!m.text.contains("Neste statusoppdatering"), "{}", m.text);
    let warns = templates::check::promise_warnings(&c2);
    assert!(
        warns
            .iter()
            .any(|w| w.contains("kritisk-municipality") && w.contains("municipality:critical")),
        "{warns:?}"
    );
}

/// Item 4 of issue 14: the Kritisk opening alert lists what slavakt has sent (the shipped
/// `opened` rules) and the steps `[sla.kritisk] checklist` leaves to people, in every language.
#[test]
fn kritisk_alert_carries_the_checklist_in_every_language() {
    let mut c = config();
    let mut w = World::new(c.clone());
    let t = ticket(&mut w, true, false);
    let now = oslo(2027, 3, 24, 10, 0);
    for (lang, done, todo, channel) in [
        (
            Language::Nb,
            "Dette har slavakt allerede varslet:",
            "Dette gjør du selv etter kommunikasjonsplanen:",
            "Teams (ik_varsling)",
        ),
        (
            Language::Nn,
            "Dette har slavakt alt varsla:",
            "Dette gjer du sjølv etter kommunikasjonsplanen:",
            "intranett",
        ),
        (
            Language::Da,
            "Det har slavakt allerede varslet:",
            "Det gør du selv efter kommunikationsplanen:",
            "intern note i Pureservice",
        ),
        (
            Language::En,
            "Already notified by slavakt:",
            "Left to you by the communication plan:",
            "internal note in Pureservice",
        ),
    ] {
        c.daemon.language = lang;
        let m = render(
            &intent("incident_alert", Reason::Opened, "email"),
            Some(&t),
            None,
            &c,
            now,
        )
        .unwrap();
        for needle in [
            done,
            todo,
            channel,
            "- Legg inn meldingsmal i Pureservice\n",
        ] {
            assert!(
                m.text.contains(needle),
                "{lang:?}: missing {needle:?} in\n{}",
                m.text
            );
            assert!(
                m.html.contains(needle.trim_start_matches("- ").trim_end()),
                "{lang:?}: {needle:?} not in\n{}",
                m.html
            );
        }
        assert!(
            !m.text.contains("teams:") && !m.text.contains("role:"),
            "{}",
            m.text
        );
    }
    // A level without a checklist gets none.
    c.daemon.language = Language::Nb;
    c.sla.get_mut("kritisk").unwrap().checklist.clear();
    let m = render(
        &intent("incident_alert", Reason::Opened, "email"),
        Some(&t),
        None,
        &c,
        now,
    )
    .unwrap();
    assert!(!m.text.contains("allerede varslet"), "{}", m.text);
}
