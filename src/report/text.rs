//! Report wording: Norwegian (nb, also used for nn and da) or English.

use crate::config::Language;
use chrono::Duration;

pub struct Words {
    pub title: &'static str,
    pub compliance: &'static str,
    pub level: &'static str,
    pub opened: &'static str,
    pub resolved: &'static str,
    pub resp_met: &'static str,
    pub resp_breached: &'static str,
    pub res_met: &'static str,
    pub res_breached: &'static str,
    pub percent: &'static str,
    pub resolution_time: &'static str,
    pub target: &'static str,
    pub average: &'static str,
    pub median: &'static str,
    pub business: &'static str,
    pub wall: &'static str,
    pub incidents: &'static str,
    pub date: &'static str,
    pub municipality: &'static str,
    pub service: &'static str,
    pub subject: &'static str,
    pub outcome: &'static str,
    pub met: &'static str,
    pub breached: &'static str,
    pub open: &'static str,
    pub open_at_end: &'static str,
    pub per_municipality: &'static str,
    pub unknown: &'static str,
    pub trend: &'static str,
    pub month: &'static str,
    pub partial: &'static str,
    pub none: &'static str,
}

pub fn words(lang: Language) -> &'static Words {
    match lang {
        Language::En => &EN,
        _ => &NB,
    }
}

const NB: Words = Words {
    title: "SLA-rapport",
    compliance: "Overholdelse av tjenestenivåavtalen",
    level: "Prioritet",
    opened: "Meldt",
    resolved: "Løst",
    resp_met: "Respons innen frist",
    resp_breached: "Respons brutt",
    res_met: "Løst innen frist",
    res_breached: "Løsning brutt",
    percent: "Overholdelse %",
    resolution_time: "Gjennomsnittlig løsningstid",
    target: "Mål",
    average: "Gjennomsnitt",
    median: "Median",
    business: "arbeidstid",
    wall: "døgnet rundt",
    incidents: "Hendelser med kritisk og høy prioritet",
    date: "Dato",
    municipality: "Kommune",
    service: "Tjeneste",
    subject: "Tittel",
    outcome: "Resultat",
    met: "innen frist",
    breached: "brutt",
    open: "åpen",
    open_at_end: "Åpne saker ved månedens slutt",
    per_municipality: "Saker per kommune",
    unknown: "(ukjent)",
    trend: "Utvikling siste måneder",
    month: "Måned",
    partial: "Måneden er ikke over; tallene gjelder per",
    none: "–",
};

const EN: Words = Words {
    title: "SLA report",
    compliance: "SLA compliance",
    level: "Priority",
    opened: "Opened",
    resolved: "Resolved",
    resp_met: "Response met",
    resp_breached: "Response breached",
    res_met: "Resolution met",
    res_breached: "Resolution breached",
    percent: "Compliance %",
    resolution_time: "Average resolution time",
    target: "Target",
    average: "Average",
    median: "Median",
    business: "business time",
    wall: "around the clock",
    incidents: "Critical and high priority incidents",
    date: "Date",
    municipality: "Municipality",
    service: "Service",
    subject: "Title",
    outcome: "Outcome",
    met: "met",
    breached: "breached",
    open: "open",
    open_at_end: "Open tickets at month end",
    per_municipality: "Tickets per municipality",
    unknown: "(unknown)",
    trend: "Trend over recent months",
    month: "Month",
    partial: "The month is not over; figures as of",
    none: "–",
};

/// `2h 05m`, `3d 4h` style; clock time.
pub fn duration(d: Duration) -> String {
    let mins = d.num_minutes().max(0);
    let (dd, h, m) = (mins / 1440, mins / 60 % 24, mins % 60);
    if dd > 0 {
        format!("{dd}d {h}h {m:02}m")
    } else {
        format!("{h}h {m:02}m")
    }
}

/// `93.8` (one decimal) or the dash.
pub fn pct(p: Option<f64>, w: &Words) -> String {
    p.map(|p| format!("{p:.1}"))
        .unwrap_or_else(|| w.none.to_string())
}
