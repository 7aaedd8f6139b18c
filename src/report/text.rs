//! Report wording: one word table per language (nb, nn, da, en) for every format, and the
//! board's number formats (decimal comma, decimal hours / working days).

use super::figures::{IncidentRow, LevelFigures, MonthlyFigures};
use crate::config::Language;
use crate::ticket::TicketKind;
use chrono::Duration;

pub struct Words {
    pub title: &'static str,
    pub period: &'static str,
    pub compliance: &'static str,
    pub level: &'static str,
    pub opened: &'static str,
    pub resolved: &'static str,
    pub resp_met: &'static str,
    pub resp_breached: &'static str,
    pub res_met: &'static str,
    pub res_breached: &'static str,
    pub percent: &'static str,
    pub total: &'static str,
    pub unit: &'static str,
    pub without_level: &'static str,
    pub resolution_time: &'static str,
    /// Header of the incident list's duration column: one ticket's own resolution time.
    pub ticket_resolution_time: &'static str,
    pub target: &'static str,
    pub average: &'static str,
    pub median: &'static str,
    pub incidents: &'static str,
    pub no_incidents: &'static str,
    pub date: &'static str,
    pub number: &'static str,
    pub service: &'static str,
    pub subject: &'static str,
    pub outcome: &'static str,
    pub met: &'static str,
    pub breached: &'static str,
    pub open: &'static str,
    pub open_at_end: &'static str,
    pub types: &'static str,
    pub kind: &'static str,
    pub kind_incident: &'static str,
    pub kind_request: &'static str,
    pub kind_change: &'static str,
    /// "Saker per {unit}": `{unit}` is the configured unit word (`daemon.unit_word`).
    pub per_unit: &'static str,
    pub unknown: &'static str,
    pub per_category: &'static str,
    pub category: &'static str,
    pub other_categories: &'static str,
    pub no_category: &'static str,
    pub unknown_service: &'static str,
    pub trend: &'static str,
    pub trend_resolution: &'static str,
    pub trend_flow: &'static str,
    pub month: &'static str,
    pub availability: &'static str,
    pub downtime: &'static str,
    pub uptime: &'static str,
    pub availability_note: &'static str,
    pub out_of_scope: &'static str,
    pub partial: &'static str,
    /// Chart captions (text alternatives say what each chart shows).
    pub chart_compliance: &'static str,
    pub chart_resolution: &'static str,
    pub chart_flow: &'static str,
    pub chart_no_data: &'static str,
    pub none: &'static str,
}

/// The unit column's heading: the configured unit word with a capital ("Kommune", "Forvaltning").
pub fn unit_heading(unit: &str) -> String {
    let mut c = unit.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The per-unit section's heading in `w`'s language, with the configured unit word.
pub fn per_unit(w: &Words, unit: &str) -> String {
    w.per_unit.replace("{unit}", unit)
}

/// The sentence that says which figures rest on backfilled tickets, or `None` when none do.
pub fn backfill_note(lang: Language, f: &MonthlyFigures) -> Option<String> {
    let b = &f.backfilled;
    if b.tickets == 0 {
        return None;
    }
    let what = |key: &str| -> &'static str {
        match (lang, key) {
            (Language::Nb, "pauses") => "tid i ventestatus (pauser)",
            (Language::Nn, "pauses") => "tid i ventestatus (pausar)",
            (Language::Da, "pauses") => "tid i ventestatus (pauser)",
            (Language::En, "pauses") => "time in waiting statuses (pauses)",
            (Language::Nb, "reopenings") => "tid før gjenåpning",
            (Language::Nn, "reopenings") => "tid før gjenopning",
            (Language::Da, "reopenings") => "tid før genåbning",
            (Language::En, "reopenings") => "time before a reopening",
            (Language::Nn, "resolved_time") => "tidspunkt for løysing",
            (Language::En, "resolved_time") => "resolution time",
            (_, "resolved_time") => "løsningstidspunkt",
            (Language::Nb, _) => "prioritetsendringer",
            (Language::Nn, _) => "prioritetsendringar",
            (Language::Da, _) => "prioritetsændringer",
            (Language::En, _) => "priority changes",
        }
    };
    let list: Vec<String> = b
        .approximate
        .iter()
        .map(|(k, n)| format!("{} ({n})", what(k)))
        .collect();
    let n = b.tickets;
    let sentence = match lang {
        Language::Nb => {
            format!("{n} av sakene i perioden er hentet i etterkant med slavakt backfill.")
        }
        Language::Nn => {
            format!("{n} av sakene i perioden er henta i etterkant med slavakt backfill.")
        }
        Language::Da => {
            format!("{n} af sagerne i perioden er hentet bagefter med slavakt backfill.")
        }
        Language::En => format!(
            "{n} of the tickets in the period were recorded afterwards by slavakt backfill."
        ),
    };
    if list.is_empty() {
        return Some(sentence);
    }
    let list = crate::templates::format::join(lang, &list);
    Some(match lang {
        Language::Nb => format!("{sentence} For dem er disse tallene anslått: {list}."),
        Language::Nn => format!("{sentence} For dei er desse tala anslåtte: {list}."),
        Language::Da => format!("{sentence} For dem er disse tal anslået: {list}."),
        Language::En => format!("{sentence} For them these figures are estimates: {list}."),
    })
}

pub fn words(lang: Language) -> &'static Words {
    match lang {
        Language::Nb => &NB,
        Language::Nn => &NN,
        Language::Da => &DA,
        Language::En => &EN,
    }
}

/// The `lang` attribute of the HTML report.
pub fn html_lang(lang: Language) -> &'static str {
    match lang {
        Language::Nb => "nb",
        Language::Nn => "nn",
        Language::Da => "da",
        Language::En => "en",
    }
}

pub fn kind_name(kind: TicketKind, w: &Words) -> &'static str {
    match kind {
        TicketKind::Incident => w.kind_incident,
        TicketKind::Request => w.kind_request,
        TicketKind::Change => w.kind_change,
    }
}

const NB: Words = Words {
    title: "SLA-rapport",
    period: "Periode",
    compliance: "Overholdelse av tjenestenivåavtalen",
    level: "Prioritet",
    opened: "Meldt",
    resolved: "Løst",
    resp_met: "Respons innen frist",
    resp_breached: "Respons brutt",
    res_met: "Løst innen frist",
    res_breached: "Løsning brutt",
    percent: "Overholdelse %",
    total: "Totalt",
    unit: "Enhet",
    without_level: "Uten prioritet",
    resolution_time: "Gjennomsnittlig løsningstid",
    ticket_resolution_time: "Sakens løsningstid",
    target: "Mål",
    average: "Gjennomsnitt",
    median: "Median",
    incidents: "Hendelser med kritisk og høy prioritet",
    no_incidents: "Ingen hendelser med kritisk eller høy prioritet i perioden.",
    date: "Dato",
    number: "Saksnr.",
    service: "Tjeneste",
    subject: "Tittel",
    outcome: "Resultat",
    met: "innen frist",
    breached: "brutt",
    open: "åpen",
    open_at_end: "Åpne ved periodens slutt",
    types: "Feilmeldinger og tjenesteforespørsler",
    kind: "Type",
    kind_incident: "Feilmeldinger",
    kind_request: "Tjenesteforespørsler",
    kind_change: "Endringer",
    per_unit: "Saker per {unit}",
    unknown: "(ukjent)",
    per_category: "Saker per kategori",
    category: "Kategori",
    other_categories: "Øvrige kategorier",
    no_category: "(uten kategori)",
    unknown_service: "(ukjent tjeneste)",
    trend: "Utvikling siste seks måneder",
    trend_resolution: "Gjennomsnittlig løsningstid per måned",
    trend_flow: "Meldte og løste saker per måned",
    month: "Måned",
    availability: "Beregnet oppetid per tjeneste (estimat)",
    downtime: "Nedetid (timer)",
    uptime: "Oppetid %",
    availability_note: "Estimat, ikke målt oppetid: nedetiden er tiden sakene med kritisk og høy prioritet sto åpne i perioden (fra innmelding til løsning, pauser medregnet, overlappende saker for samme tjeneste telt én gang). Mål for oppetid:",
    out_of_scope: "Telefonstatistikk (antall henvendelser og svarprosent) er ikke med i rapporten; den hentes fra telefonsystemet.",
    partial: "Perioden er ikke over; tallene gjelder per",
    chart_compliance: "Andel løst innen frist per prioritet",
    chart_resolution: "Gjennomsnittlig løsningstid per prioritet og måned, i prosent av målet",
    chart_flow: "Meldte og løste saker per måned",
    chart_no_data: "ingen løste saker",
    none: "–",
};

const NN: Words = Words {
    title: "SLA-rapport",
    period: "Periode",
    compliance: "Overhald av tenestenivåavtalen",
    level: "Prioritet",
    opened: "Meldt",
    resolved: "Løyst",
    resp_met: "Respons innan frist",
    resp_breached: "Respons broten",
    res_met: "Løyst innan frist",
    res_breached: "Løysing broten",
    percent: "Overhald %",
    total: "Totalt",
    unit: "Eining",
    without_level: "Utan prioritet",
    resolution_time: "Gjennomsnittleg løysingstid",
    ticket_resolution_time: "Løysingstida for saka",
    target: "Mål",
    average: "Gjennomsnitt",
    median: "Median",
    incidents: "Hendingar med kritisk og høg prioritet",
    no_incidents: "Ingen hendingar med kritisk eller høg prioritet i perioden.",
    date: "Dato",
    number: "Saksnr.",
    service: "Teneste",
    subject: "Tittel",
    outcome: "Resultat",
    met: "innan frist",
    breached: "broten",
    open: "open",
    open_at_end: "Opne ved slutten av perioden",
    types: "Feilmeldingar og tenesteførespurnader",
    kind: "Type",
    kind_incident: "Feilmeldingar",
    kind_request: "Tenesteførespurnader",
    kind_change: "Endringar",
    per_unit: "Saker per {unit}",
    unknown: "(ukjend)",
    per_category: "Saker per kategori",
    category: "Kategori",
    other_categories: "Andre kategoriar",
    no_category: "(utan kategori)",
    unknown_service: "(ukjend teneste)",
    trend: "Utviklinga dei siste seks månadene",
    trend_resolution: "Gjennomsnittleg løysingstid per månad",
    trend_flow: "Melde og løyste saker per månad",
    month: "Månad",
    availability: "Utrekna oppetid per teneste (estimat)",
    downtime: "Nedetid (timar)",
    uptime: "Oppetid %",
    availability_note: "Estimat, ikkje målt oppetid: nedetida er tida sakene med kritisk og høg prioritet stod opne i perioden (frå innmelding til løysing, pausar medrekna, overlappande saker for same teneste talde éin gong). Mål for oppetid:",
    out_of_scope: "Telefonstatistikk (talet på førespurnader og svarprosent) er ikkje med i rapporten; han kjem frå telefonsystemet.",
    partial: "Perioden er ikkje over; tala gjeld per",
    chart_compliance: "Delen løyst innan fristen, per prioritet",
    chart_resolution: "Gjennomsnittleg løysingstid per prioritet og månad, i prosent av målet",
    chart_flow: "Melde og løyste saker per månad",
    chart_no_data: "ingen løyste saker",
    none: "–",
};

const DA: Words = Words {
    title: "SLA-rapport",
    period: "Periode",
    compliance: "Overholdelse af serviceniveauaftalen",
    level: "Prioritet",
    opened: "Oprettet",
    resolved: "Løst",
    resp_met: "Svar inden for fristen",
    resp_breached: "Svarfrist overskredet",
    res_met: "Løst inden for fristen",
    res_breached: "Løsningsfrist overskredet",
    percent: "Overholdelse %",
    total: "I alt",
    unit: "Enhed",
    without_level: "Uden prioritet",
    resolution_time: "Gennemsnitlig løsningstid",
    ticket_resolution_time: "Sagens løsningstid",
    target: "Mål",
    average: "Gennemsnit",
    median: "Median",
    incidents: "Hændelser med kritisk og høj prioritet",
    no_incidents: "Ingen hændelser med kritisk eller høj prioritet i perioden.",
    date: "Dato",
    number: "Sagsnr.",
    service: "Tjeneste",
    subject: "Titel",
    outcome: "Resultat",
    met: "inden for fristen",
    breached: "overskredet",
    open: "åben",
    open_at_end: "Åbne ved periodens slutning",
    types: "Fejlmeldinger og serviceanmodninger",
    kind: "Type",
    kind_incident: "Fejlmeldinger",
    kind_request: "Serviceanmodninger",
    kind_change: "Ændringer",
    per_unit: "Sager pr. {unit}",
    unknown: "(ukendt)",
    per_category: "Sager pr. kategori",
    category: "Kategori",
    other_categories: "Øvrige kategorier",
    no_category: "(uden kategori)",
    unknown_service: "(ukendt tjeneste)",
    trend: "Udviklingen de seneste seks måneder",
    trend_resolution: "Gennemsnitlig løsningstid pr. måned",
    trend_flow: "Oprettede og løste sager pr. måned",
    month: "Måned",
    availability: "Beregnet oppetid pr. tjeneste (skøn)",
    downtime: "Nedetid (timer)",
    uptime: "Oppetid %",
    availability_note: "Et skøn, ikke målt oppetid: nedetiden er den tid, sagerne med kritisk og høj prioritet stod åbne i perioden (fra oprettelse til løsning, pauser medregnet, overlappende sager om samme tjeneste talt én gang). Mål for oppetid:",
    out_of_scope: "Telefonstatistik (antal opkald og svarprocent) indgår ikke i rapporten; den kommer fra telefonsystemet.",
    partial: "Perioden er ikke slut; tallene gælder pr.",
    chart_compliance: "Andel løst inden for fristen pr. prioritet",
    chart_resolution: "Gennemsnitlig løsningstid pr. prioritet og måned, i procent af målet",
    chart_flow: "Oprettede og løste sager pr. måned",
    chart_no_data: "ingen løste sager",
    none: "–",
};

const EN: Words = Words {
    title: "SLA report",
    period: "Period",
    compliance: "SLA compliance",
    level: "Priority",
    opened: "Opened",
    resolved: "Resolved",
    resp_met: "Response met",
    resp_breached: "Response breached",
    res_met: "Resolved within target",
    res_breached: "Resolution breached",
    percent: "Compliance %",
    total: "Total",
    unit: "Unit",
    without_level: "No priority",
    resolution_time: "Average resolution time",
    ticket_resolution_time: "Resolution time of the ticket",
    target: "Target",
    average: "Average",
    median: "Median",
    incidents: "Critical and high priority incidents",
    no_incidents: "No critical or high priority incidents in the period.",
    date: "Date",
    number: "Ticket",
    service: "Service",
    subject: "Title",
    outcome: "Outcome",
    met: "met",
    breached: "breached",
    open: "open",
    open_at_end: "Open at the end of the period",
    types: "Fault reports and service requests",
    kind: "Type",
    kind_incident: "Fault reports",
    kind_request: "Service requests",
    kind_change: "Changes",
    per_unit: "Tickets per {unit}",
    unknown: "(unknown)",
    per_category: "Tickets per category",
    category: "Category",
    other_categories: "Other categories",
    no_category: "(no category)",
    unknown_service: "(unknown service)",
    trend: "Trend over the last six months",
    trend_resolution: "Average resolution time per month",
    trend_flow: "Tickets opened and resolved per month",
    month: "Month",
    availability: "Availability per service (estimate)",
    downtime: "Downtime (hours)",
    uptime: "Availability %",
    availability_note: "An estimate, not measured availability: downtime is the time the critical and high priority tickets stood open in the period (reported to resolved, pauses included, overlapping tickets about one service counted once). Target:",
    out_of_scope: "Telephone statistics (calls and answer rate) are not part of this report; they come from the telephone system.",
    partial: "The period is not over; figures as of",
    chart_compliance: "Share resolved within target per priority",
    chart_resolution: "Average resolution time per priority and month, as a percentage of the target",
    chart_flow: "Tickets opened and resolved per month",
    chart_no_data: "no resolved tickets",
    none: "–",
};

/// `93,8` (one decimal, kept when zero; comma except in English) or the dash.
pub fn pct(p: Option<f64>, w: &Words, lang: Language) -> String {
    p.map(|p| fixed(p, 1, lang))
        .unwrap_or_else(|| w.none.to_string())
}

/// `value` with exactly `places` decimals (half away from zero), comma except in English.
pub fn fixed(value: f64, places: usize, lang: Language) -> String {
    let scale = 10f64.powi(places as i32);
    let rounded = (value * scale).round() / scale;
    let text = format!("{rounded:.places$}");
    if lang == Language::En {
        text
    } else {
        text.replace('.', ",")
    }
}

/// The period as text: `2023-05`, or `2023-10–2023-11` over several months.
pub fn period_text(f: &MonthlyFigures) -> String {
    if f.from == f.to {
        super::month_text(f.to)
    } else {
        format!("{}–{}", super::month_text(f.from), super::month_text(f.to))
    }
}

/// A level's duration as the board writes it: decimal hours on a 24×7 calendar ("34,2 timer"),
/// working days of the level's calendar on a business calendar ("10,4 dager"); one decimal,
/// dropped when it is zero ("3 dager"), with a decimal comma in nb/nn/da.
pub fn amount(d: Duration, level: &LevelFigures, lang: Language) -> String {
    let minutes = d.num_minutes().max(0) as f64;
    let (value, unit) = if level.business_time {
        let day = level.working_day.num_minutes().max(1) as f64;
        let unit = match lang {
            Language::Nb => "dager",
            Language::Nn => "dagar",
            Language::Da => "dage",
            Language::En => "working days",
        };
        (minutes / day, unit)
    } else {
        let unit = match lang {
            Language::Nb | Language::Da => "timer",
            Language::Nn => "timar",
            Language::En => "hours",
        };
        (minutes / 60.0, unit)
    };
    format!("{} {unit}", decimal(value, lang))
}

/// An incident's own resolution time in its level's unit (hours if the level is gone from the
/// config).
pub fn incident_time(f: &MonthlyFigures, i: &IncidentRow, lang: Language) -> String {
    match f.levels.iter().find(|l| l.level == i.level) {
        Some(l) => amount(i.resolution_time, l, lang),
        None => format!(
            "{} {}",
            decimal(i.resolution_time.num_minutes().max(0) as f64 / 60.0, lang),
            if lang == Language::En {
                "hours"
            } else {
                "timer"
            }
        ),
    }
}

/// One decimal (none when it is zero), a comma as the decimal sign except in English.
pub fn decimal(value: f64, lang: Language) -> String {
    // Half away from zero, as by hand (2.25 → 2.3), not the formatter's tie rule.
    let rounded = (value * 10.0).round() / 10.0;
    let text = format!("{rounded:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text).to_string();
    if lang == Language::En {
        text
    } else {
        text.replace('.', ",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(business_time: bool) -> LevelFigures {
        LevelFigures {
            level: "x".into(),
            label: "X".into(),
            rank: 1,
            calendar: "c".into(),
            business_time,
            working_day: if business_time {
                Duration::minutes(450)
            } else {
                Duration::hours(24)
            },
            response_target: Duration::zero(),
            resolution_target: Duration::zero(),
            opened: 0,
            resolved: 0,
            response_met: 0,
            response_breached: 0,
            resolution_met: 0,
            resolution_breached: 0,
            open_at_end: 0,
            average_resolution: None,
            median_resolution: None,
        }
    }

    #[test]
    fn hours_on_a_24x7_calendar_with_a_decimal_comma() {
        let d = Duration::minutes(34 * 60 + 12);
        assert_eq!(amount(d, &level(false), Language::Nb), "34,2 timer");
        assert_eq!(amount(d, &level(false), Language::Nn), "34,2 timar");
        assert_eq!(amount(d, &level(false), Language::Da), "34,2 timer");
        assert_eq!(amount(d, &level(false), Language::En), "34.2 hours");
    }

    #[test]
    fn working_days_on_a_business_calendar_and_whole_targets_without_decimals() {
        // 5 working days of 7 h 30 min: the target shows as the board writes it.
        let five = Duration::minutes(5 * 450);
        assert_eq!(amount(five, &level(true), Language::Nb), "5 dager");
        assert_eq!(amount(five, &level(true), Language::Da), "5 dage");
        assert_eq!(amount(five, &level(true), Language::Nn), "5 dagar");
        let d = Duration::minutes(10 * 450 + 180);
        assert_eq!(amount(d, &level(true), Language::Nb), "10,4 dager");
        assert_eq!(amount(d, &level(true), Language::En), "10.4 working days");
    }
}
