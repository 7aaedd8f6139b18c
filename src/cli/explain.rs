//! `slavakt explain`: a ticket's response and resolution deadlines with the reasoning —
//! level, calendar, working-day length, holidays and closed days skipped, pauses applied.
//!
//! Human output follows `daemon.language` (nb, nn, da, en); `--json` prints the
//! object of INTERFACE.md with times in `daemon.timezone`'s offset.

use super::CliError;
use crate::clock::{Clock as _, SystemClock};
use crate::config::{Config, Language};
use crate::duration::format_secs;
use crate::sla::explain::{hhmm, ExcludedKind, ExplainInput, Explanation};
use chrono::{DateTime, Datelike, Duration, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Config file.
    #[arg(long, env = "SLAVAKT_CONFIG", default_value = super::DEFAULT_CONFIG)]
    pub config: std::path::PathBuf,
    /// Pureservice priority name (`Kritisk`, `Høy`, …) or SLA level (`kritisk`, `hoy`, …).
    #[arg(long, value_name = "NAME")]
    pub priority: String,
    /// When the ticket was created, RFC 3339 (e.g. `2027-03-22T10:00:00+01:00`). Without an
    /// offset the time is read in `daemon.timezone`.
    #[arg(long, value_name = "TIME")]
    pub created: String,
    /// A pause (waiting on the user or a vendor) as `FROM/TO`, both RFC 3339. Repeatable.
    #[arg(long, value_name = "FROM/TO")]
    pub paused: Vec<String>,
    /// Print JSON instead of the human breakdown.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let config = super::load_config(&args.config)?;
    let text = render(&args, &config, SystemClock.now())?;
    super::print_out(&format!("{text}\n"))?;
    Ok(())
}

/// The command's output for `args` (without loading the config): JSON or the human breakdown.
pub fn render(args: &Args, config: &Config, now: DateTime<Utc>) -> Result<String, CliError> {
    let tz = config.daemon.timezone;
    let created =
        parse_time(&args.created, tz).map_err(|e| CliError::Invalid(format!("--created: {e}")))?;
    let mut pauses = Vec::with_capacity(args.paused.len());
    for p in &args.paused {
        pauses.push(
            parse_pause(p, tz).map_err(|e| CliError::Invalid(format!("--paused {p:?}: {e}")))?,
        );
    }
    let input = ExplainInput {
        priority: args.priority.clone(),
        created,
        pauses,
    };
    let ex = crate::sla::explain(&input, config, now)
        .map_err(|e| CliError::Invalid(format!("--priority: {e}")))?;
    if args.json {
        serde_json::to_string_pretty(&ex.to_json(tz))
            .map_err(|e| CliError::Runtime(format!("cannot write JSON: {e}")))
    } else {
        Ok(human(&ex, tz, config.daemon.language))
    }
}

/// RFC 3339, or a local `YYYY-MM-DDTHH:MM[:SS]` in `tz`.
pub fn parse_time(s: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let local = [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .ok_or_else(|| {
        format!("{s:?} is not an RFC 3339 time; write e.g. \"2027-03-22T10:00:00+01:00\"")
    })?;
    match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        chrono::LocalResult::Ambiguous(..) => Err(format!(
            "{s:?} happens twice in {tz} (clocks go back); add the offset, e.g. \"{s}+02:00\""
        )),
        chrono::LocalResult::None => Err(format!(
            "{s:?} does not exist in {tz} (clocks go forward); add the offset"
        )),
    }
}

fn parse_pause(s: &str, tz: Tz) -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
    let (a, b) = s.split_once('/').ok_or(
        "write a pause as FROM/TO, e.g. 2027-03-22T11:00:00+01:00/2027-03-22T12:00:00+01:00",
    )?;
    let from = parse_time(a, tz)?;
    let to = parse_time(b, tz)?;
    if to < from {
        return Err("the pause ends before it starts".into());
    }
    Ok((from, to))
}

/// The words of the human breakdown in one language.
struct Words {
    priority: &'static str,
    level: &'static str,
    calendar: &'static str,
    always_open: &'static str,
    holidays: &'static str,
    no_holidays: &'static str,
    hours: &'static str,
    closed: &'static str,
    working_day: &'static str,
    per_day: &'static str,
    business_time: &'static str,
    real_time: &'static str,
    created: &'static str,
    starts: &'static str,
    pauses: &'static str,
    no_pauses: &'static str,
    solved_span: &'static str,
    moved: &'static str,
    skipped: &'static str,
    none_skipped: &'static str,
    response: &'static str,
    resolution: &'static str,
    extended: &'static str,
    response_short: &'static str,
    resolution_short: &'static str,
    days: [&'static str; 7],
}

const EN: Words = Words {
    priority: "Priority",
    level: "SLA level",
    calendar: "Calendar",
    always_open: "always open (24x7): real elapsed time counts",
    holidays: "public holidays",
    no_holidays: "no public holidays",
    hours: "Opening hours",
    closed: "closed",
    working_day: "One working day (wd)",
    per_day: "Days differ in length: each counts as one whole working day of its own length",
    business_time: "business time",
    real_time: "real time",
    created: "Created",
    starts: "Clocks start counting",
    pauses: "Pauses (not counted)",
    no_pauses: "Pauses: none",
    solved_span: "solved, later reopened",
    moved: "moves the deadlines by",
    skipped: "Holidays and closed days skipped",
    none_skipped: "Holidays and closed days skipped: none",
    response: "Response due",
    resolution: "Resolution due",
    extended: "pauses added",
    response_short: "response",
    resolution_short: "resolution",
    days: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
};

const NB: Words = Words {
    priority: "Prioritet",
    level: "SLA-nivå",
    calendar: "Kalender",
    always_open: "alltid åpen (24x7): faktisk medgått tid teller",
    holidays: "helligdager",
    no_holidays: "ingen helligdager",
    hours: "Åpningstid",
    closed: "stengt",
    working_day: "Én arbeidsdag (wd)",
    per_day: "Dagene er ulike lange: hver teller som én hel arbeidsdag med sin egen lengde",
    business_time: "åpningstid",
    real_time: "faktisk tid",
    created: "Opprettet",
    starts: "Klokkene begynner å telle",
    pauses: "Pauser (teller ikke)",
    no_pauses: "Pauser: ingen",
    solved_span: "løst, senere gjenåpnet",
    moved: "flytter fristene med",
    skipped: "Helligdager og stengte dager hoppet over",
    none_skipped: "Helligdager og stengte dager hoppet over: ingen",
    response: "Svarfrist",
    resolution: "Løsningsfrist",
    extended: "pauser lagt til",
    response_short: "svar",
    resolution_short: "løsning",
    days: ["man", "tir", "ons", "tor", "fre", "lør", "søn"],
};

const NN: Words = Words {
    priority: "Prioritet",
    level: "SLA-nivå",
    calendar: "Kalender",
    always_open: "alltid open (24x7): faktisk medgått tid tel",
    holidays: "heilagdagar",
    no_holidays: "ingen heilagdagar",
    hours: "Opningstid",
    closed: "stengd",
    working_day: "Éin arbeidsdag (wd)",
    per_day: "Dagane er ulike lange: kvar tel som éin heil arbeidsdag med si eiga lengd",
    business_time: "opningstid",
    real_time: "faktisk tid",
    created: "Oppretta",
    starts: "Klokkene byrjar å telje",
    pauses: "Pausar (tel ikkje)",
    no_pauses: "Pausar: ingen",
    solved_span: "løyst, seinare opna att",
    moved: "flyttar fristane med",
    skipped: "Heilagdagar og stengde dagar hoppa over",
    none_skipped: "Heilagdagar og stengde dagar hoppa over: ingen",
    response: "Svarfrist",
    resolution: "Løysingsfrist",
    extended: "pausar lagde til",
    response_short: "svar",
    resolution_short: "løysing",
    days: ["man", "tys", "ons", "tor", "fre", "lau", "sun"],
};

const DA: Words = Words {
    priority: "Prioritet",
    level: "SLA-niveau",
    calendar: "Kalender",
    always_open: "altid åben (24x7): faktisk forløbet tid tæller",
    holidays: "helligdage",
    no_holidays: "ingen helligdage",
    hours: "Åbningstid",
    closed: "lukket",
    working_day: "Én arbejdsdag (wd)",
    per_day: "Dagene er ikke lige lange: hver tæller som én hel arbejdsdag med sin egen længde",
    business_time: "åbningstid",
    real_time: "faktisk tid",
    created: "Oprettet",
    starts: "Urene begynder at tælle",
    pauses: "Pauser (tæller ikke)",
    no_pauses: "Pauser: ingen",
    solved_span: "løst, senere genåbnet",
    moved: "flytter fristerne med",
    skipped: "Helligdage og lukkedage sprunget over",
    none_skipped: "Helligdage og lukkedage sprunget over: ingen",
    response: "Svarfrist",
    resolution: "Løsningsfrist",
    extended: "pauser lagt til",
    response_short: "svar",
    resolution_short: "løsning",
    days: ["man", "tir", "ons", "tor", "fre", "lør", "søn"],
};

fn words(lang: Language) -> &'static Words {
    match lang {
        Language::En => &EN,
        Language::Da => &DA,
        Language::Nn => &NN,
        Language::Nb => &NB,
    }
}

/// A duration in hours and minutes (`37h30m`): business time has no "days" of 24 hours, so
/// 5 working days of 7.5 h read as 37h30m, not as 1d13h30m.
fn dur(d: Duration) -> String {
    let secs = d.num_seconds();
    let (hours, rest) = (secs / 3600, secs % 3600);
    if hours == 0 || rest % 60 != 0 {
        return format_secs(secs);
    }
    match rest / 60 {
        0 => format!("{hours}h"),
        m => format!("{hours}h{m}m"),
    }
}

/// The human breakdown.
pub fn human(ex: &Explanation, tz: Tz, lang: Language) -> String {
    let w = words(lang);
    let ts = |t: DateTime<Utc>| {
        let local = t.with_timezone(&tz);
        let day = w.days[local.weekday().num_days_from_monday() as usize];
        format!("{day} {}", local.format("%Y-%m-%d %H:%M (%:z)"))
    };
    let mut out = Vec::new();
    out.push(format!(
        "{}: {}  →  {}: {} ({})",
        w.priority, ex.priority, w.level, ex.level, ex.level_label
    ));
    if ex.always_open {
        out.push(format!(
            "{}: {} — {}",
            w.calendar, ex.calendar, w.always_open
        ));
    } else {
        let holidays = match &ex.holidays {
            Some(c) => format!("{} {c}", w.holidays),
            None => w.no_holidays.to_string(),
        };
        out.push(format!(
            "{}: {} ({}, {holidays})",
            w.calendar, ex.calendar, ex.timezone
        ));
        out.push(format!("  {}: {}", w.hours, hours(ex, w)));
        out.push(format!(
            "  {}: {} {}",
            w.working_day,
            dur(ex.working_day),
            w.business_time
        ));
        if let Some(lengths) = day_lengths(ex, w) {
            out.push(format!("  {}: {lengths}", w.per_day));
        }
    }
    out.push(format!("{}: {}", w.created, ts(ex.created)));
    if ex.counting_starts != ex.created {
        out.push(format!("{}: {}", w.starts, ts(ex.counting_starts)));
    }
    if ex.excluded.is_empty() {
        out.push(w.no_pauses.to_string());
    } else {
        out.push(format!("{}:", w.pauses));
        for e in &ex.excluded {
            let to = e.to.map(ts).unwrap_or_else(|| "…".into());
            let kind = match e.kind {
                ExcludedKind::Pause => String::new(),
                ExcludedKind::Solved => format!(" ({})", w.solved_span),
            };
            out.push(format!(
                "  {} – {to}{kind}: {} {} {}, {} {}",
                ts(e.from),
                w.moved,
                w.response_short,
                dur(e.response),
                w.resolution_short,
                dur(e.resolution)
            ));
        }
    }
    if ex.skipped_days.is_empty() {
        out.push(w.none_skipped.to_string());
    } else {
        out.push(format!("{}:", w.skipped));
        for (d, why) in &ex.skipped_days {
            out.push(format!("  {} {why}", d.format("%Y-%m-%d")));
        }
    }
    let time_kind = if ex.always_open {
        w.real_time
    } else {
        w.business_time
    };
    for (label, c) in [(w.response, &ex.response), (w.resolution, &ex.resolution)] {
        let mut line = format!(
            "{label}: {} ({} {time_kind}) → {}",
            c.target_text,
            dur(c.clock.target),
            ts(c.clock.due)
        );
        if c.excluded > Duration::zero() {
            line.push_str(&format!(" [{} {}]", w.extended, dur(c.excluded)));
        }
        out.push(line);
    }
    out.join("\n")
}

/// Each open weekday's length when they differ (`man–tor 7h30m; fre 5h`), else `None`: then
/// `wd` counts each day at its own length (`Calendar::working_days_from`).
fn day_lengths(ex: &Explanation, w: &Words) -> Option<String> {
    let mins: Vec<u32> = ex
        .hours
        .iter()
        .map(|d| d.iter().map(|&(a, b)| u32::from(b.saturating_sub(a))).sum())
        .collect();
    let mut open = mins.iter().filter(|&&m| m > 0);
    let first = open.next()?;
    if open.all(|m| m == first) {
        return None;
    }
    let mut parts = Vec::new();
    let mut i = 0;
    while i < 7 {
        let mut j = i;
        while j + 1 < 7 && mins[j + 1] == mins[i] {
            j += 1;
        }
        if mins[i] > 0 {
            let days = if i == j {
                w.days[i].to_string()
            } else {
                format!("{}–{}", w.days[i], w.days[j])
            };
            parts.push(format!(
                "{days} {}",
                dur(Duration::minutes(i64::from(mins[i])))
            ));
        }
        i = j + 1;
    }
    Some(parts.join("; "))
}

/// Opening hours with equal consecutive weekdays grouped: `Mon–Fri 08:00–15:30; Sat–Sun closed`.
fn hours(ex: &Explanation, w: &Words) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < 7 {
        let mut j = i;
        while j + 1 < 7 && ex.hours[j + 1] == ex.hours[i] {
            j += 1;
        }
        let days = if i == j {
            w.days[i].to_string()
        } else {
            format!("{}–{}", w.days[i], w.days[j])
        };
        let times = if ex.hours[i].is_empty() {
            w.closed.to_string()
        } else {
            ex.hours[i]
                .iter()
                .map(|(a, b)| format!("{}–{}", hhmm(*a), hhmm(*b)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        parts.push(format!("{days} {times}"));
        i = j + 1;
    }
    parts.join("; ")
}
