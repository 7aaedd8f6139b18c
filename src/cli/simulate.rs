//! `slavakt simulate`: replays a scenario file through the tracker, the SLA clocks and the plan
//! (the daemon's own code) and prints every action that would fire. Sends nothing, touches no
//! state file.

use super::CliError;
use crate::config::Config;
use crate::scenario::{self, Simulation};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Config file.
    #[arg(long, env = "SLAVAKT_CONFIG", default_value = super::DEFAULT_CONFIG)]
    pub config: std::path::PathBuf,
    /// Scenario file (TOML: `until` and `[[event]]` tables).
    #[arg(long)]
    pub scenario: std::path::PathBuf,
    /// Print one JSON object `{"actions": [...], "deadlines": [...]}` instead of the timeline.
    #[arg(long)]
    pub json: bool,
    /// Also print every rendered message (subject, text and SMS text) in the timeline.
    #[arg(long)]
    pub messages: bool,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let config = super::load_config(&args.config)?;
    let text = std::fs::read_to_string(&args.scenario).map_err(|e| {
        CliError::Invalid(format!(
            "cannot read scenario {}: {e}",
            args.scenario.display()
        ))
    })?;
    let mut sc = scenario::parse(&text)
        .map_err(|e| CliError::Invalid(format!("{}: {e}", args.scenario.display())))?;
    scenario::resolve_names(&mut sc, &config)
        .map_err(|e| CliError::Invalid(format!("{}: {e}", args.scenario.display())))?;
    // On stderr, so the timeline and --json stay as they are.
    for w in scenario::unknown_statuses(&sc, &config) {
        eprintln!("warning: {}: {w}", args.scenario.display());
    }
    let sim = scenario::replay(&sc, &config);
    if args.json {
        let out = serde_json::to_string_pretty(&to_json(&sim, &config))
            .map_err(|e| CliError::Runtime(e.to_string()))?;
        super::print_out(&format!("{out}\n"))?;
    } else {
        super::print_out(&timeline(&sim, &config, args.messages))?;
    }
    Ok(())
}

fn ts(config: &Config, t: DateTime<Utc>) -> String {
    t.with_timezone(&config.daemon.timezone).to_rfc3339()
}

/// The `--json` document (keys fixed by INTERFACE.md; extra keys are additions).
pub fn to_json(sim: &Simulation, config: &Config) -> Value {
    let actions: Vec<Value> = sim
        .actions
        .iter()
        .map(|a| {
            let i = &a.intent;
            let mut v = json!({
                "at": ts(config, a.at),
                "ticket": i.key.ticket,
                "rule": i.key.rule,
                "audience": i.audience,
                "channel": i.key.channel,
                "recipient": i.recipient.address,
                "recipient_name": i.recipient.name,
                "reason": i.reason.as_str(),
                "late": i.late,
                "due_at": ts(config, i.due_at),
                "occurrence": i.key.occurrence,
                "template": i.template,
                "important": i.important,
            });
            match &a.message {
                Ok(m) => v["subject"] = json!(m.subject),
                Err(e) => v["template_error"] = json!(e),
            }
            if let Some(t) = i.vars.get("tickets") {
                let list: Vec<u64> = t.split(',').filter_map(|x| x.parse().ok()).collect();
                v["tickets"] = json!(list);
            }
            v
        })
        .collect();
    let deadlines: Vec<Value> = sim
        .deadlines
        .iter()
        .map(|d| {
            json!({
                "ticket": d.ticket,
                "level": d.level,
                "response_due": d.response_due.map(|t| ts(config, t)),
                "resolution_due": d.resolution_due.map(|t| ts(config, t)),
            })
        })
        .collect();
    let findings: Vec<Value> = sim
        .findings
        .iter()
        .map(|f| json!({"key": f.key, "message": f.message}))
        .collect();
    let acks: Vec<Value> = sim
        .ledger
        .acks()
        .iter()
        .map(|(k, a)| json!({"occurrence": k, "by": a.by, "at": ts(config, a.at), "source": a.source}))
        .collect();
    json!({"actions": actions, "deadlines": deadlines, "findings": findings, "acks": acks})
}

/// The human timeline: one line per action, then deadlines and problems.
pub fn timeline(sim: &Simulation, config: &Config, messages: bool) -> String {
    let tz = config.daemon.timezone;
    let fmt = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let mut out = String::new();
    if sim.actions.is_empty() {
        out.push_str("No actions would fire.\n");
    }
    for a in &sim.actions {
        let i = &a.intent;
        let late = if i.late {
            format!(" (late; due {})", fmt(i.due_at))
        } else {
            String::new()
        };
        out.push_str(&format!(
            "{}  #{:<6} {:<24} {:<20} {} <{}>  {} [{}]{}\n",
            fmt(a.at),
            i.key.ticket,
            i.key.rule,
            i.key.channel,
            i.recipient.name,
            i.recipient.address,
            i.reason.as_str(),
            i.audience,
            late
        ));
        match &a.message {
            Err(e) => out.push_str(&format!("    template problem: {e}\n")),
            Ok(m) if messages => {
                let indent = |s: &str| {
                    s.lines()
                        .map(|l| format!("    | {l}\n"))
                        .collect::<String>()
                };
                out.push_str(&format!("    Subject: {}\n", m.subject));
                out.push_str(&indent(&m.text));
                out.push_str(&format!("    SMS: {}\n\n", m.short));
            }
            Ok(_) => {}
        }
    }
    if !sim.deadlines.is_empty() {
        out.push_str("\nDeadlines:\n");
        for d in &sim.deadlines {
            out.push_str(&format!(
                "  #{:<6} {:<8} response {}  resolution {}\n",
                d.ticket,
                d.level.as_deref().unwrap_or("-"),
                d.response_due.map(fmt).unwrap_or_else(|| "-".into()),
                d.resolution_due.map(fmt).unwrap_or_else(|| "-".into()),
            ));
        }
    }
    if !sim.ledger.acks().is_empty() {
        out.push_str("\nAcknowledged:\n");
        for (k, a) in sim.ledger.acks() {
            out.push_str(&format!(
                "  {k}  {} by {} ({})\n",
                fmt(a.at),
                a.by,
                a.source
            ));
        }
    }
    if !sim.findings.is_empty() {
        out.push_str("\nProblems the plan would report:\n");
        for f in &sim.findings {
            out.push_str(&format!("  - {}\n", f.message));
        }
    }
    out
}
