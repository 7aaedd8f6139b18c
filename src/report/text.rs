//! Report wording: Norwegian (nb, also used for nn and da) or English.

use super::figures::{IncidentRow, LevelFigures, MonthlyFigures};
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
    /// Header of the incident list's duration column: one ticket's own resolution time.
    pub ticket_resolution_time: &'static str,
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
    ticket_resolution_time: "Sakens løsningstid",
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
    ticket_resolution_time: "Resolution time of the ticket",
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
