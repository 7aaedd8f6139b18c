//! The words of the alerts about slavakt itself (outage and all-clear, a state that could not be
//! saved, a changed sync mode, a takeover), in the four languages of `[daemon] language`. The
//! technical detail (English, from the HTTP stack or the database) stays in the log.

use crate::config::Language;

/// One alert, with the facts its text needs (times already formatted for the reader).
pub enum Alert<'a> {
    /// Saving worked again after failing from `since` (`database`: the PostgreSQL backend).
    SaveRecovered {
        database: bool,
        target: &'a str,
        since: &'a str,
        failures: u32,
    },
    /// Pureservice answers again (it had failed since `failing_since`, when known).
    OutageCleared { failing_since: Option<&'a str> },
    /// `sync = "auto"` switched from `before` to `now`.
    SyncMode { now: &'a str, before: &'a str },
    /// No contact with Pureservice since `since`; `error` in words ([`poll_failure`]).
    Outage { since: &'a str, error: &'a str },
    /// This instance (`me`) took over as leader from `prev`, which stopped renewing its lease.
    Takeover {
        me: &'a str,
        generation: u64,
        prev: &'a str,
    },
}

/// The alert's subject and body in `lang`.
pub fn text(lang: Language, alert: &Alert) -> (String, String) {
    use Language::*;
    match *alert {
        Alert::SaveRecovered {
            database,
            target,
            since,
            failures,
        } => {
            let subject = match lang {
                Nb => "Tilstanden kunne ikke lagres",
                Nn => "Tilstanden kunne ikkje lagrast",
                Da => "Tilstanden kunne ikke gemmes",
                En => "The state could not be saved",
            };
            let body = match (lang, database) {
                (Nb, false) => format!("slavakt fikk ikke lagret tilstandsfila {target} fra {since} ({failures} forsøk). Ingen varsler ble sendt mens lagringen feilet; det som ble holdt tilbake, sendes nå. Sjekk ledig plass og rettigheter på disken."),
                (Nb, true) => format!("slavakt fikk ikke lagret tilstanden i databasen {target} fra {since} ({failures} forsøk). Ingen varsler ble sendt mens lagringen feilet; det som ble holdt tilbake, sendes nå. Sjekk at PostgreSQL-tjeneren svarer."),
                (Nn, false) => format!("slavakt fekk ikkje lagra tilstandsfila {target} frå {since} ({failures} forsøk). Ingen varsel vart sende medan lagringa feila; det som vart halde tilbake, blir sendt no. Sjekk ledig plass og rettar på disken."),
                (Nn, true) => format!("slavakt fekk ikkje lagra tilstanden i databasen {target} frå {since} ({failures} forsøk). Ingen varsel vart sende medan lagringa feila; det som vart halde tilbake, blir sendt no. Sjekk at PostgreSQL-tenaren svarar."),
                (Da, false) => format!("slavakt kunne ikke gemme tilstandsfilen {target} fra {since} ({failures} forsøg). Der blev ikke sendt nogen varsler, mens lagringen fejlede; det, der blev holdt tilbage, sendes nu. Tjek ledig plads og rettigheder på disken."),
                (Da, true) => format!("slavakt kunne ikke gemme tilstanden i databasen {target} fra {since} ({failures} forsøg). Der blev ikke sendt nogen varsler, mens lagringen fejlede; det, der blev holdt tilbage, sendes nu. Tjek, at PostgreSQL-serveren svarer."),
                (En, false) => format!("slavakt could not save its state file {target} from {since} ({failures} attempts). No notices were sent while saving failed; what was held back is being sent now. Check free space and permissions on the disk."),
                (En, true) => format!("slavakt could not save its state in the database {target} from {since} ({failures} attempts). No notices were sent while saving failed; what was held back is being sent now. Check that the PostgreSQL server answers."),
            };
            (subject.into(), body)
        }
        Alert::OutageCleared { failing_since } => {
            let failed = |words: &str| failing_since.map_or(String::new(), |s| format!(" ({words} {s})"));
            match lang {
                Nb => ("Pureservice er tilgjengelig igjen".into(), format!("Pureservice svarer igjen{}. slavakt tar igjen det som ble forsinket; forsinkede varsler er merket som forsinket.", failed("feilet fra"))),
                Nn => ("Pureservice er tilgjengeleg igjen".into(), format!("Pureservice svarar igjen{}. slavakt tek igjen det som vart forseinka; forseinka varsel er merkte som forseinka.", failed("feila frå"))),
                Da => ("Pureservice er tilgængelig igen".into(), format!("Pureservice svarer igen{}. slavakt indhenter det, der blev forsinket; forsinkede varsler er markeret som forsinkede.", failed("fejlede fra"))),
                En => ("Pureservice is reachable again".into(), format!("Pureservice answers again{}. slavakt is catching up on what was delayed; late notices are marked as late.", failed("failing since"))),
            }
        }
        Alert::SyncMode { now, before } => match lang {
            Nb => ("Synkroniseringen med Pureservice er endret".into(), format!("slavakt leser nå saker fra Pureservice på en annen måte: «{now}» i stedet for «{before}». Varslene går som før; dette er bare til orientering. Årsaken står i loggen.")),
            Nn => ("Synkroniseringa med Pureservice er endra".into(), format!("slavakt les no saker frå Pureservice på ein annan måte: «{now}» i staden for «{before}». Varsla går som før; dette er berre til orientering. Årsaka står i loggen.")),
            Da => ("Synkroniseringen med Pureservice er ændret".into(), format!("slavakt læser nu sager fra Pureservice på en anden måde: »{now}« i stedet for »{before}«. Varslerne går som før; dette er kun til orientering. Årsagen står i loggen.")),
            En => ("The sync with Pureservice has changed".into(), format!("slavakt now reads tickets from Pureservice another way: “{now}” instead of “{before}”. Notices go out as before; this is for your information. The reason is in the log.")),
        },
        Alert::Outage { since, error } => match lang {
            Nb => ("Pureservice er utilgjengelig".into(), format!("slavakt har ikke fått kontakt med Pureservice siden {since} (siste feil: {error}). Nye og endrede saker oppdages ikke før kontakten er tilbake.")),
            Nn => ("Pureservice er utilgjengeleg".into(), format!("slavakt har ikkje fått kontakt med Pureservice sidan {since} (siste feil: {error}). Nye og endra saker blir ikkje oppdaga før kontakten er tilbake.")),
            Da => ("Pureservice er utilgængelig".into(), format!("slavakt har ikke haft forbindelse til Pureservice siden {since} (seneste fejl: {error}). Nye og ændrede sager opdages ikke, før forbindelsen er tilbage.")),
            En => ("Pureservice is unreachable".into(), format!("slavakt has had no contact with Pureservice since {since} (last error: {error}). New and changed tickets are not noticed until contact is back.")),
        },
        Alert::Takeover { me, generation, prev } => match lang {
            Nb => ("En annen slavakt-instans har tatt over".into(), format!("slavakt på {me} har tatt over som aktiv instans (generasjon {generation}). Den forrige aktive instansen, {prev}, fornyet ikke lederrollen i databasen i tide: den har stoppet, hengt seg opp eller mistet kontakten. Varsler som var under sending akkurat da, sendes på nytt og kan komme fram to ganger. Sjekk {prev}.")),
            Nn => ("Ein annan slavakt-instans har teke over".into(), format!("slavakt på {me} har teke over som aktiv instans (generasjon {generation}). Den førre aktive instansen, {prev}, fornya ikkje leiarrolla i databasen i tide: den har stoppa, hengt seg opp eller mista kontakten. Varsel som var under sending akkurat då, blir sende på nytt og kan kome fram to gonger. Sjekk {prev}.")),
            Da => ("En anden slavakt-instans har overtaget".into(), format!("slavakt på {me} har overtaget som aktiv instans (generation {generation}). Den forrige aktive instans, {prev}, fornyede ikke lederrollen i databasen i tide: den er stoppet, hængt eller har mistet forbindelsen. Varsler, der var ved at blive sendt netop da, sendes igen og kan komme frem to gange. Tjek {prev}.")),
            En => ("Another slavakt instance has taken over".into(), format!("slavakt on {me} has taken over as the active instance (generation {generation}). The previous active instance, {prev}, did not renew its leadership in the database in time: it has stopped, hung or lost its connection. Notices that were being sent at that moment are sent again and may arrive twice. Check {prev}.")),
        },
    }
}

/// A failed poll's kind (`metrics::error_kind`, or `internal` / `stalled`) in words.
pub fn poll_failure(lang: Language, kind: &str) -> String {
    use Language::*;
    let known = match (lang, kind) {
        (Nb, "auth") => "Pureservice avviste API-nøkkelen",
        (Nb, "rate_limited") => "for mange forespørsler (Pureservice ba oss vente)",
        (Nb, "http_5xx") => "feil hos Pureservice (HTTP 5xx)",
        (Nb, "http_4xx") => "Pureservice avviste forespørselen (HTTP 4xx)",
        (Nb, "timeout") => "tidsavbrudd, ingen svar i tide",
        (Nb, "connect") => "fikk ikke koblet til Pureservice",
        (Nb, "transport") => "nettverksfeil",
        (Nb, "malformed" | "invalid") => "svaret fra Pureservice kunne ikke leses",
        (Nb, "stalled") => "ingen svar, forespørselen ble avbrutt og startes på nytt",
        (Nn, "auth") => "Pureservice avviste API-nøkkelen",
        (Nn, "rate_limited") => "for mange førespurnader (Pureservice bad oss vente)",
        (Nn, "http_5xx") => "feil hos Pureservice (HTTP 5xx)",
        (Nn, "http_4xx") => "Pureservice avviste førespurnaden (HTTP 4xx)",
        (Nn, "timeout") => "tidsavbrot, ikkje svar i tide",
        (Nn, "connect") => "fekk ikkje kopla til Pureservice",
        (Nn, "transport") => "nettverksfeil",
        (Nn, "malformed" | "invalid") => "svaret frå Pureservice kunne ikkje lesast",
        (Nn, "stalled") => "ikkje svar, førespurnaden vart avbroten og blir starta på nytt",
        (Da, "auth") => "Pureservice afviste API-nøglen",
        (Da, "rate_limited") => "for mange forespørgsler (Pureservice bad os vente)",
        (Da, "http_5xx") => "fejl hos Pureservice (HTTP 5xx)",
        (Da, "http_4xx") => "Pureservice afviste forespørgslen (HTTP 4xx)",
        (Da, "timeout") => "tidsudløb, intet svar i tide",
        (Da, "connect") => "kunne ikke få forbindelse til Pureservice",
        (Da, "transport") => "netværksfejl",
        (Da, "malformed" | "invalid") => "svaret fra Pureservice kunne ikke læses",
        (Da, "stalled") => "intet svar, forespørgslen blev afbrudt og startes igen",
        (En, "auth") => "Pureservice refused the API key",
        (En, "rate_limited") => "too many requests (Pureservice asked us to wait)",
        (En, "http_5xx") => "an error at Pureservice (HTTP 5xx)",
        (En, "http_4xx") => "Pureservice refused the request (HTTP 4xx)",
        (En, "timeout") => "timed out, no answer in time",
        (En, "connect") => "could not connect to Pureservice",
        (En, "transport") => "a network error",
        (En, "malformed" | "invalid") => "the answer from Pureservice could not be read",
        (En, "stalled") => "no answer; the request was abandoned and is started again",
        _ => "",
    };
    if !known.is_empty() {
        return known.into();
    }
    match lang {
        Nb | Nn => format!("feil av typen «{kind}»"),
        Da => format!("fejl af typen »{kind}«"),
        En => format!("an error of kind “{kind}”"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every alert reads in every language, and the Nordic ones carry no English words.
    #[test]
    fn every_alert_in_every_language() {
        let alerts = [
            Alert::SaveRecovered {
                database: false,
                target: "/var/lib/slavakt/state.json",
                since: "x",
                failures: 3,
            },
            Alert::SaveRecovered {
                database: true,
                target: "postgresql://slavakt@db/slavakt",
                since: "x",
                failures: 3,
            },
            Alert::OutageCleared {
                failing_since: Some("x"),
            },
            Alert::OutageCleared {
                failing_since: None,
            },
            Alert::SyncMode {
                now: "open-set",
                before: "modified",
            },
            Alert::Outage {
                since: "x",
                error: "y",
            },
            Alert::Takeover {
                me: "a:1",
                generation: 2,
                prev: "b:2",
            },
        ];
        for lang in [Language::Nb, Language::Nn, Language::Da, Language::En] {
            for a in &alerts {
                let (subject, body) = text(lang, a);
                assert!(!subject.is_empty() && body.len() > 40, "{lang:?}");
                if lang != Language::En {
                    for english in [" the ", " was ", " could ", " again", " since "] {
                        assert!(!body.contains(english), "{lang:?}: {body}");
                    }
                }
            }
            for kind in [
                "auth",
                "rate_limited",
                "http_5xx",
                "http_4xx",
                "timeout",
                "connect",
                "transport",
                "malformed",
                "stalled",
                "internal",
            ] {
                assert!(!poll_failure(lang, kind).is_empty());
            }
        }
        assert_eq!(
            poll_failure(Language::Nn, "timeout"),
            "tidsavbrot, ikkje svar i tide"
        );
        assert_eq!(
            poll_failure(Language::Da, "internal"),
            "fejl af typen »internal«"
        );
    }
}
