//! `slavakt status`: the status view read straight from the state file.
//!
//! Read-only and lock-free on purpose: it must work while the daemon runs, so it never takes
//! the daemon's lock; it reads the JSON the daemon wrote atomically (a rename), so it always
//! sees one complete version. Missing or unreadable state → exit 2 with what to check.

use super::CliError;
use crate::clock::{Clock, SystemClock};
use crate::config::Language;
use crate::http::desk_words::Words;
use crate::state::State;
use crate::status_view::{self, human_duration, ActionView, ClockView, Labels, StatusView};
use chrono::{DateTime, Utc};
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Config file.
    #[arg(long, env = "SLAVAKT_CONFIG", default_value = super::DEFAULT_CONFIG)]
    pub config: std::path::PathBuf,
    /// Print the status as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Show the status as of this instant (RFC 3339) instead of now, e.g. to see what will be
    /// overdue at the end of the day.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub at: Option<DateTime<Utc>>,
    /// Print every table cell in full; by default the tables fit 120 columns and long cells
    /// end in "…".
    #[arg(long)]
    pub wide: bool,
    /// Name the plan rules behind each next action and each pending delivery (by default the
    /// next action is in words only: "Varsel 75 % (respons) på e-post").
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

/// The width the tables fit unless `--wide`: a common terminal, and what fits a mail or ticket.
pub const DEFAULT_WIDTH: usize = 120;

fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            format!("{s:?} is not an RFC 3339 time such as 2027-03-24T14:30:00+01:00: {e}")
        })
}

pub fn run(args: Args) -> Result<(), CliError> {
    let config = super::load_config(&args.config)?;
    let state = read_configured_state(&config)?;
    let mut view = status_view::build(
        &state,
        &config,
        args.at.unwrap_or_else(|| SystemClock.now()),
    );
    view.ha = leader_of(&config)?;
    if args.json {
        let text = serde_json::to_string_pretty(&view)
            .map_err(|e| CliError::Runtime(format!("cannot encode status: {e}")))?;
        super::print_out(&format!("{text}\n"))
    } else {
        let acks = acks_text(&state, &config);
        let width = (!args.wide).then_some(DEFAULT_WIDTH);
        super::print_out(&format!(
            "{}{acks}",
            render_text(&view, width, args.verbose)
        ))
    }
}

/// The call-outs of `ack_within` rules: who acknowledged each, and when — or that nobody has
/// yet (with how many escalation steps went out). Empty when no rule asks for acknowledgement.
pub fn acks_text(state: &State, config: &crate::config::Config) -> String {
    use crate::config::Language;
    use crate::plan::ack;
    let (title, by, waiting, escalated) = match config.daemon.language {
        Language::Nb => ("Bekreftelser", "bekreftet av", "ikke bekreftet", "eskalert"),
        Language::Nn => (
            "Stadfestingar",
            "stadfesta av",
            "ikkje stadfesta",
            "eskalert",
        ),
        Language::Da => (
            "Bekræftelser",
            "bekræftet af",
            "ikke bekræftet",
            "eskaleret",
        ),
        Language::En => (
            "Acknowledgements",
            "acknowledged by",
            "not acknowledged",
            "escalated",
        ),
    };
    let tz = config.daemon.timezone;
    let mut lines = Vec::new();
    for rule in config.plan.iter().filter(|r| r.ack.is_some()) {
        let mut seen = std::collections::BTreeSet::new();
        for e in state.ledger.entries.values() {
            let k = &e.intent.key;
            if k.rule != rule.id || !seen.insert((k.ticket, k.occurrence)) {
                continue;
            }
            let Some(t) = state.tickets.get(&k.ticket) else {
                continue;
            };
            let what = match ack::acknowledged(t, &rule.id, k.occurrence, &state.ledger) {
                Some((at, who)) => {
                    format!(
                        "{by} {who} {}",
                        at.with_timezone(&tz).format("%d.%m. %H:%M")
                    )
                }
                None => {
                    let prefix = format!("{}{}", rule.id, ack::ESCALATION_SUFFIX);
                    let steps: std::collections::BTreeSet<&str> = state
                        .ledger
                        .for_ticket(k.ticket)
                        .filter(|x| x.intent.key.occurrence == k.occurrence)
                        .filter_map(|x| x.intent.key.rule.strip_prefix(&prefix))
                        .collect();
                    match steps.len() {
                        0 => waiting.to_string(),
                        n => format!("{waiting}, {escalated} ×{n}"),
                    }
                }
            };
            lines.push(format!("  #{} {}: {what}\n", t.number, rule.id));
        }
    }
    if lines.is_empty() {
        return String::new();
    }
    format!("\n{title}:\n{}", lines.concat())
}

/// Reads the configured backend's state without changing it: the file (as [`read_state`]) or
/// the PostgreSQL database (without taking the lease).
pub fn read_configured_state(config: &crate::config::Config) -> Result<State, CliError> {
    match &config.state.backend {
        crate::config::StateBackend::File => read_state(&config.daemon.state_file),
        crate::config::StateBackend::Postgres { url } => {
            match crate::state::StateStore::read_only(config) {
                Ok(Some(state)) => Ok(state),
                Ok(None) => Err(CliError::Runtime(format!(
                    "the state database {} holds no state yet: no slavakt instance has led on it",
                    crate::state::postgres::describe(url)
                ))),
                Err(e) => Err(CliError::Runtime(e.to_string())),
            }
        }
    }
}

/// The leader of a PostgreSQL-backed pair (who holds a live lease), for the status view.
fn leader_of(
    config: &crate::config::Config,
) -> Result<Option<crate::status_view::HaView>, CliError> {
    let crate::config::StateBackend::Postgres { url } = &config.state.backend else {
        return Ok(None);
    };
    let pg = crate::state::postgres::PgStore::connect(url, config.state.lease)
        .map_err(|e| CliError::Runtime(e.to_string()))?;
    let row = pg.leader().map_err(|e| CliError::Runtime(e.to_string()))?;
    Ok(Some(crate::status_view::HaView {
        role: if row.live { "leader" } else { "standby" },
        generation: row.generation,
        instance: row
            .holder
            .filter(|_| row.live)
            .unwrap_or_else(|| "-".into()),
    }))
}

/// Reads the state file without locking, moving or healing it (the store's read-only load,
/// which also migrates older schema versions). Errors name the file and what to do.
pub fn read_state(path: &Path) -> Result<State, CliError> {
    match crate::state::read_only(path) {
        Ok(Some(state)) => Ok(state),
        Ok(None) => Err(CliError::Runtime(format!(
            "state file {} does not exist: the daemon has not saved state yet, or \
             daemon.state_file in the config points elsewhere",
            path.display()
        ))),
        Err(e) => Err(CliError::Runtime(e.to_string())),
    }
}

/// The human tables; with `width`, each table fits that many columns (long cells cut with "…").
pub fn render_text(v: &StatusView, width: Option<usize>, verbose: bool) -> String {
    let l = Labels::for_code(&v.language);
    let w = Words::for_language(language(&v.language));
    let fmt = "%d.%m. %H:%M";
    let mut out = String::new();
    out.push_str(&format!(
        "{} — {} {} ({})\n",
        l.title,
        l.updated,
        v.generated_at.format(fmt),
        v.timezone
    ));
    out.push_str(&format!(
        "{}: {}\n",
        l.last_poll,
        v.last_successful_poll
            .map(|t| t.format(fmt).to_string())
            .unwrap_or_else(|| l.never.to_string())
    ));
    if let Some(ha) = &v.ha {
        // PostgreSQL backend: who leads (holds a live lease) and the lease's generation.
        let (label, none, generation) = match v.language.as_str() {
            "en" => ("Leader", "none", "generation"),
            "da" => ("Aktiv instans", "ingen", "generation"),
            _ => ("Aktiv instans", "ingen", "generasjon"),
        };
        let who = if ha.role == "leader" {
            crate::escape::terminal(&ha.instance)
        } else {
            none.to_string()
        };
        out.push_str(&format!(
            "{label}: {who} ({generation} {})\n",
            ha.generation
        ));
    }
    if let Some(e) = &v.last_error {
        let line = format!("{}: {}", l.last_error, crate::escape::terminal(e));
        let line = match width {
            Some(w) => cut(&line, w),
            None => line,
        };
        out.push_str(&format!("{line}\n"));
    }
    if let Some(mode) = &v.sync_mode {
        let since = v
            .sync_since
            .map(|t| format!(" ({})", t.format(fmt)))
            .unwrap_or_default();
        out.push_str(&format!("{}: {mode}{since}\n", l.sync));
    }
    if v.outage {
        out.push_str(&format!("!! {}\n", l.outage));
    }
    out.push('\n');
    out.push_str(&format!("{} ({})\n", l.open_tickets, v.tickets.len()));
    if v.tickets.is_empty() {
        out.push_str(&format!("{}\n", l.no_open_tickets));
    } else {
        let mut rows = vec![vec![
            l.number.to_string(),
            l.priority.to_string(),
            l.response.to_string(),
            l.resolution.to_string(),
            l.next_deadline.to_string(),
            l.next_action.to_string(),
            l.municipality.to_string(),
            l.service.to_string(),
            l.subject.to_string(),
        ]];
        for t in &v.tickets {
            rows.push(vec![
                t.number.to_string(),
                t.level_label
                    .clone()
                    .or_else(|| t.priority.clone())
                    .unwrap_or_else(|| l.none_priority.to_string()),
                clock_text(t.response.as_ref(), l, fmt),
                clock_text(t.resolution.as_ref(), l, fmt),
                t.next_deadline
                    .as_ref()
                    .map(|d| {
                        let rem = if d.remaining_seconds < 0 {
                            format!("{} {}", human_duration(-d.remaining_seconds), l.overdue)
                        } else {
                            format!("{} {}", human_duration(d.remaining_seconds), l.left)
                        };
                        format!("{} {} ({rem})", l.clock(d.clock), d.due.format(fmt))
                    })
                    .unwrap_or_default(),
                t.next_action
                    .as_ref()
                    .map(|a| {
                        let mut text = format!("{} {}", a.at.format(fmt), action_words(a, l, w));
                        if verbose && !a.rules.is_empty() {
                            text.push_str(&format!(" [{}]", a.rules.join(", ")));
                        }
                        text
                    })
                    .unwrap_or_default(),
                t.municipalities.join(", "),
                t.service.clone().unwrap_or_default(),
                one_line(&t.subject),
            ]);
        }
        table(&mut out, &rows, width);
    }
    if !v.pending_deliveries.is_empty() {
        out.push('\n');
        out.push_str(&format!(
            "{} ({})\n",
            l.pending_deliveries,
            v.pending_deliveries.len()
        ));
        let mut rows = vec![vec![
            l.number.to_string(),
            l.rule.to_string(),
            l.channel.to_string(),
            l.recipient.to_string(),
            l.attempts.to_string(),
            l.last_error.to_string(),
        ]];
        for p in &v.pending_deliveries {
            rows.push(vec![
                p.number
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "-".into()),
                p.rule.clone(),
                w.channel(&p.channel),
                p.recipient.clone(),
                p.attempts.to_string(),
                p.last_outcome.clone().unwrap_or_default(),
            ]);
        }
        // The rule column is for whoever maintains the plan (`--verbose`).
        if !verbose {
            for r in &mut rows {
                r.remove(1);
            }
        }
        table(&mut out, &rows, width);
    }
    out
}

/// A next action in words, as the status page says it: "Varsel 75 % (respons) på e-post".
fn action_words(a: &ActionView, l: &Labels, w: &Words) -> String {
    let what = w
        .reason(&a.what)
        .map_or_else(|| l.action(a), str::to_string);
    if a.channels.is_empty() {
        return what;
    }
    let channels: Vec<String> = a.channels.iter().map(|c| w.channel(c)).collect();
    format!("{what} {} {}", w.on, channels.join(", "))
}

fn language(code: &str) -> Language {
    match code {
        "nn" => Language::Nn,
        "da" => Language::Da,
        "en" => Language::En,
        _ => Language::Nb,
    }
}

fn clock_text(c: Option<&ClockView>, l: &Labels, fmt: &str) -> String {
    let Some(c) = c else {
        return "-".into();
    };
    let state = match (c.state, c.percent) {
        ("warning", Some(p)) => format!("{} {p} %", l.warning),
        (s, _) => l.clock_state(s).to_string(),
    };
    let when = match c.stopped_at {
        Some(t) if c.state == "met" || c.state == "breached" => t,
        _ => c.due,
    };
    format!("{state} {}", when.format(fmt))
}

/// Subjects may carry line breaks or tabs; a table row must stay one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Narrowest a column is cut to: still shows a ticket number, a date or the start of a word.
const MIN_COLUMN: usize = 8;

/// Left-aligned columns separated by two spaces; the last column is not padded.
/// Every cell goes through [`crate::escape::terminal`]: ticket text must not drive the terminal.
/// With `max_width`, the widest columns are narrowed one character at a time (never below
/// [`MIN_COLUMN`]) until a row fits, and cells longer than their column end in "…".
fn table(out: &mut String, rows: &[Vec<String>], max_width: Option<usize>) {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| crate::escape::terminal(c)).collect())
        .collect();
    let rows = rows.as_slice();
    let cols = rows.first().map_or(0, Vec::len);
    let mut widths: Vec<usize> = (0..cols)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    if let Some(max) = max_width {
        let gaps = 2 * cols.saturating_sub(1);
        while widths.iter().sum::<usize>() + gaps > max {
            let Some(widest) = (0..cols).max_by_key(|&i| (widths[i], std::cmp::Reverse(i))) else {
                break;
            };
            if widths[widest] <= MIN_COLUMN {
                break;
            }
            widths[widest] -= 1;
        }
    }
    for r in rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            let cell = cut(cell, widths[i]);
            let len = cell.chars().count();
            line.push_str(&cell);
            if i + 1 < cols {
                line.push_str(&" ".repeat(widths[i] - len + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// `s` in at most `width` characters: cut with a trailing "…" when longer.
fn cut(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut c: String = s.chars().take(width.saturating_sub(1)).collect();
    c.push('…');
    c
}
