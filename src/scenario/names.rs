//! Names in a scenario matched to the config the way an admin means them: a priority, pause
//! status, municipality or service written with other case (or an en dash for a hyphen, as in
//! "Venter – leverandør") is the configured one. A priority the config does not know is an
//! error: it would silently give the ticket no SLA level and no plan.

use super::{Names, Scenario, ScenarioError};
use crate::config::Config;

/// Case, dashes and spacing folded away.
fn fold(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(['–', '—'], "-")
        .to_lowercase()
}

/// The configured name `given` means, if any (exact first, then folded).
fn canonical<'c>(given: &str, known: impl Iterator<Item = &'c str> + Clone) -> Option<&'c str> {
    known
        .clone()
        .find(|k| *k == given)
        .or_else(|| known.into_iter().find(|k| fold(k) == fold(given)))
}

/// Rewrites the scenario's names to the configured ones; an unknown priority is an error.
pub fn resolve(sc: &mut Scenario, config: &Config) -> Result<(), ScenarioError> {
    let ps = &config.pureservice;
    let priorities = ps
        .priorities
        .keys()
        .map(String::as_str)
        .chain(config.sla.keys().map(String::as_str))
        .chain(ps.unset_priorities.iter().map(String::as_str));
    let paused: Vec<&str> = ps.paused_statuses.iter().map(String::as_str).collect();
    let municipalities: Vec<&str> = config
        .municipalities
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    let services: Vec<&str> = config.services.iter().map(|s| s.name.as_str()).collect();
    // Replaces a name by the configured one it means (unknown names stay: the plan reports them).
    let fix = |v: &mut String, known: &[&str]| {
        if let Some(c) = canonical(v, known.iter().copied()) {
            *v = c.to_string();
        }
    };
    for e in &mut sc.events {
        if let Some(p) = e.priority.as_mut() {
            match canonical(p, priorities.clone()) {
                Some(c) => *p = c.to_string(),
                None => {
                    return Err(ScenarioError {
                        line: Some(e.line),
                        field: "event.priority".into(),
                        message: format!(
                            "unknown priority {p:?}: use a Pureservice priority name of the config ({}) or an SLA level ({})",
                            ps.priorities.keys().cloned().collect::<Vec<_>>().join(", "),
                            config.sla.keys().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    })
                }
            }
        }
        if let Some(s) = e.status.as_mut() {
            fix(s, &paused);
        }
        match e.municipality.as_mut() {
            Some(Names::One(m)) => fix(m, &municipalities),
            Some(Names::Many(v)) => v.iter_mut().for_each(|m| fix(m, &municipalities)),
            None => {}
        }
        if let Some(v) = e.municipalities.as_mut() {
            v.iter_mut().for_each(|m| fix(m, &municipalities));
        }
        if let Some(s) = e.service.as_mut() {
            fix(s, &services);
        }
    }
    Ok(())
}

/// The status names the replay itself gives solved, closed and reopened tickets.
const REPLAY_STATUSES: [&str; 3] = ["Løst", "Lukket", "Gjenåpnet"];

/// One warning per status a scenario names (after [`resolve`]) that the config does not know:
/// not one of `[pureservice] paused_statuses`. Such a status is replayed as an ordinary open
/// status — the SLA clocks keep running — which is what a misspelt pause status silently does.
pub fn unknown_statuses(sc: &Scenario, config: &Config) -> Vec<String> {
    let paused = &config.pureservice.paused_statuses;
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for e in &sc.events {
        let Some(s) = e.status.as_deref() else {
            continue;
        };
        if paused.iter().any(|p| p == s) || REPLAY_STATUSES.contains(&s) || !seen.insert(s) {
            continue;
        }
        let known = if paused.is_empty() {
            "the config names none".to_string()
        } else {
            paused.join(", ")
        };
        out.push(format!(
            "line {}: status {s:?} is not one of [pureservice] paused_statuses ({known}): it is \
             replayed as an open status and the SLA clocks keep running",
            e.line
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_dashes_and_spacing() {
        assert_eq!(fold("Venter – leverandør"), fold("Venter - leverandør"));
        assert_eq!(fold(" HØY "), "høy");
        assert_ne!(fold("Venter - sluttbruker"), fold("Venter - leverandør"));
    }
}
