//! The public status feed under `/public/` (`[public] enabled = true`; otherwise 404): the
//! Statuspage v2 shape at `/public/status.json`, Atom 1.0 at `/public/feed.atom` and a plain
//! page at `/public/`. Built from the published [`StatusView`], but only from public fields:
//! service, municipality, SLA level word, times and derived status. Ticket subjects, people,
//! phone numbers, addresses and notes never reach these answers, so they need no token.

use crate::config::{Config, Language};
use crate::escape::html as esc;
use crate::status_view::StatusView;
use chrono::{DateTime, FixedOffset, SecondsFormat};
use serde_json::{json, Value};
use std::fmt::Write as _;

/// Component status, most severe last (the page's indicator follows the worst one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Component {
    Operational,
    Maintenance,
    Degraded,
    Partial,
    Major,
}

impl Component {
    fn code(self) -> &'static str {
        match self {
            Component::Operational => "operational",
            Component::Maintenance => "under_maintenance",
            Component::Degraded => "degraded_performance",
            Component::Partial => "partial_outage",
            Component::Major => "major_outage",
        }
    }

    /// The incident impact and page indicator matching this status.
    fn impact(self) -> &'static str {
        match self {
            Component::Operational => "none",
            Component::Maintenance => "maintenance",
            Component::Degraded => "minor",
            Component::Partial => "major",
            Component::Major => "critical",
        }
    }

    fn label(self, l: Language) -> &'static str {
        use Component::*;
        use Language::*;
        match (self, l) {
            (Operational, En) => "Operational",
            (Operational, _) => "Normal drift",
            (Degraded, En) => "Degraded performance",
            (Degraded, Da) => "Nedsat funktionalitet",
            (Degraded, _) => "Redusert funksjonalitet",
            (Partial, Nb) => "Delvis utilgjengelig",
            (Partial, Nn) => "Delvis utilgjengeleg",
            (Partial, Da) => "Delvist utilgængelig",
            (Partial, En) => "Partial outage",
            (Major, Nb) => "Utilgjengelig",
            (Major, Nn) => "Utilgjengeleg",
            (Major, Da) => "Utilgængelig",
            (Major, En) => "Major outage",
            (Maintenance, Nb) => "Vedlikehold",
            (Maintenance, Nn) => "Vedlikehald",
            (Maintenance, Da) => "Vedligeholdelse",
            (Maintenance, En) => "Under maintenance",
        }
    }

    /// The page-wide description for this (worst) status.
    fn description(self, l: Language) -> &'static str {
        use Component::*;
        use Language::*;
        match (self, l) {
            (Operational, Nb | Da) => "Alle tjenester har normal drift",
            (Operational, Nn) => "Alle tenester har normal drift",
            (Operational, En) => "All Systems Operational",
            (Maintenance, Nb) => "Planlagt vedlikehold pågår",
            (Maintenance, Nn) => "Planlagt vedlikehald pågår",
            (Maintenance, Da) => "Planlagt vedligeholdelse er i gang",
            (Maintenance, En) => "Service Under Maintenance",
            (Degraded, Nb) => "Enkelte tjenester har redusert funksjonalitet",
            (Degraded, Nn) => "Enkelte tenester har redusert funksjonalitet",
            (Degraded, Da) => "Enkelte tjenester har nedsat funktionalitet",
            (Degraded, En) => "Minor Service Outage",
            (Partial, Nb) => "Enkelte tjenester er delvis utilgjengelige",
            (Partial, Nn) => "Enkelte tenester er delvis utilgjengelege",
            (Partial, Da) => "Enkelte tjenester er delvist utilgængelige",
            (Partial, En) => "Partial System Outage",
            (Major, Nb) => "Enkelte tjenester er utilgjengelige",
            (Major, Nn) => "Enkelte tenester er utilgjengelege",
            (Major, Da) => "Enkelte tjenester er utilgængelige",
            (Major, En) => "Major Service Outage",
        }
    }
}

struct Words {
    title: &'static str,
    updated: &'static str,
    incidents: &'static str,
    maintenance: &'static str,
    none: &'static str,
    notified: &'static str,
    from: &'static str,
    until: &'static str,
}

fn words(l: Language) -> Words {
    match l {
        Language::Nb => Words {
            title: "Driftsstatus",
            updated: "Oppdatert",
            incidents: "Pågående driftsforstyrrelser",
            maintenance: "Planlagt vedlikehold",
            none: "Ingen",
            notified: "Berørte brukere er varslet.",
            from: "Fra",
            until: "til",
        },
        Language::Nn => Words {
            title: "Driftsstatus",
            updated: "Oppdatert",
            incidents: "Pågåande driftsforstyrringar",
            maintenance: "Planlagt vedlikehald",
            none: "Ingen",
            notified: "Brukarar som er råka, er varsla.",
            from: "Frå",
            until: "til",
        },
        Language::Da => Words {
            title: "Driftsstatus",
            updated: "Opdateret",
            incidents: "Igangværende driftsforstyrrelser",
            maintenance: "Planlagt vedligeholdelse",
            none: "Ingen",
            notified: "Berørte brugere er underrettet.",
            from: "Fra",
            until: "til",
        },
        Language::En => Words {
            title: "Service status",
            updated: "Updated",
            incidents: "Current incidents",
            maintenance: "Scheduled maintenance",
            none: "None",
            notified: "Affected users have been notified.",
            from: "From",
            until: "until",
        },
    }
}

fn ts(t: DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// An open incident, public fields only.
struct Incident {
    number: u64,
    name: String,
    service: Option<String>,
    status: Component,
    created_at: DateTime<FixedOffset>,
    /// Times the plan's notices for it were delivered, oldest first.
    updates: Vec<DateTime<FixedOffset>>,
}

/// A planned change, public fields only.
struct Change {
    number: u64,
    name: String,
    service: Option<String>,
    running: bool,
    start: Option<DateTime<FixedOffset>>,
    end: Option<DateTime<FixedOffset>>,
}

/// What all three answers show, derived once per request from the published view.
pub struct Feed {
    language: Language,
    title: String,
    url: String,
    updated: DateTime<FixedOffset>,
    components: Vec<(String, Component)>,
    incidents: Vec<Incident>,
    changes: Vec<Change>,
}

/// "Visma – Holstebro, Struer"; either part may be missing.
fn place(service: Option<&str>, municipalities: &[String]) -> String {
    let m = municipalities.join(", ");
    match (service, m.is_empty()) {
        (Some(s), false) => format!("{s} – {m}"),
        (Some(s), true) => s.to_string(),
        (None, false) => m,
        (None, true) => String::new(),
    }
}

fn titled(word: &str, place: &str) -> String {
    if place.is_empty() {
        word.to_string()
    } else {
        format!("{word}: {place}")
    }
}

impl Feed {
    pub fn build(view: &StatusView, config: &Config) -> Feed {
        let language = config.daemon.language;
        // The most severe SLA level is an outage, the second a partial one, the rest degraded.
        let mut ranks: Vec<u32> = config.sla.values().map(|l| l.rank).collect();
        ranks.sort_unstable_by(|a, b| b.cmp(a));
        ranks.dedup();
        let severity = |level: &str| {
            let rank = config.sla.get(level).map(|l| l.rank);
            match ranks.iter().position(|r| Some(*r) == rank) {
                Some(0) => Component::Major,
                Some(1) => Component::Partial,
                _ => Component::Degraded,
            }
        };
        let incidents: Vec<Incident> = view
            .tickets
            .iter()
            .filter(|t| !t.is_change)
            .filter_map(|t| {
                let level = t.level.as_deref()?;
                let word = t.level_label.as_deref().unwrap_or(level);
                let desk = view.incidents.iter().find(|i| i.number == t.number);
                let mut updates: Vec<_> = desk
                    .map(|i| {
                        i.told
                            .iter()
                            .filter(|n| n.status == "delivered")
                            .map(|n| n.at)
                            .collect()
                    })
                    .unwrap_or_default();
                updates.sort();
                updates.dedup();
                Some(Incident {
                    number: t.number,
                    name: titled(word, &place(t.service.as_deref(), &t.municipalities)),
                    service: t.service.clone(),
                    status: severity(level),
                    created_at: desk.map(|i| i.since).unwrap_or(view.generated_at),
                    updates,
                })
            })
            .collect();
        let changes: Vec<Change> = view
            .changes
            .iter()
            .filter(|c| c.state != "cancelled")
            .map(|c| Change {
                number: c.number,
                name: titled(
                    Component::Maintenance.label(language),
                    &place(c.service.as_deref(), &c.municipalities),
                ),
                service: c.service.clone(),
                running: c.state == "running",
                start: c.planned_start,
                end: c.planned_end,
            })
            .collect();
        let components = config
            .services
            .iter()
            .map(|s| {
                let mine = |x: &Option<String>| x.as_deref() == Some(s.name.as_str());
                let hit = incidents
                    .iter()
                    .filter(|i| mine(&i.service))
                    .map(|i| i.status);
                let work = changes
                    .iter()
                    .filter(|c| c.running && mine(&c.service))
                    .map(|_| Component::Maintenance);
                let status = hit.chain(work).max().unwrap_or(Component::Operational);
                (s.name.clone(), status)
            })
            .collect();
        let url = config
            .daemon
            .public_url
            .as_ref()
            .and_then(|u| u.join("public/").ok())
            .map(|u| u.to_string())
            .unwrap_or_default();
        Feed {
            language,
            title: config
                .public
                .title
                .clone()
                .unwrap_or_else(|| words(language).title.to_string()),
            url,
            updated: view.generated_at,
            components,
            incidents,
            changes,
        }
    }

    /// The worst of the components and the incidents (an incident without a configured
    /// service still counts); maintenance only when nothing is broken.
    fn overall(&self) -> Component {
        let worst = self
            .components
            .iter()
            .map(|(_, c)| *c)
            .chain(self.incidents.iter().map(|i| i.status))
            .max()
            .unwrap_or(Component::Operational);
        if worst == Component::Operational && self.changes.iter().any(|c| c.running) {
            Component::Maintenance
        } else {
            worst
        }
    }

    fn incident_updated(i: &Incident) -> DateTime<FixedOffset> {
        i.updates.last().copied().unwrap_or(i.created_at)
    }

    /// `/public/status.json`: Statuspage API v2 `summary.json`.
    pub fn json(&self) -> Value {
        let w = words(self.language);
        let overall = self.overall();
        let components: Vec<Value> = self
            .components
            .iter()
            .map(|(name, c)| json!({"id": name, "name": name, "status": c.code()}))
            .collect();
        let incidents: Vec<Value> = self
            .incidents
            .iter()
            .map(|i| {
                let status = if i.updates.is_empty() {
                    "investigating"
                } else {
                    "identified"
                };
                let updates: Vec<Value> = i
                    .updates
                    .iter()
                    .rev()
                    .enumerate()
                    .map(|(k, at)| {
                        json!({
                            "id": format!("{}-{}", i.number, i.updates.len() - k),
                            "status": status,
                            "body": w.notified,
                            "created_at": ts(*at),
                            "updated_at": ts(*at),
                        })
                    })
                    .collect();
                json!({
                    "id": i.number.to_string(),
                    "name": i.name,
                    "status": status,
                    "impact": i.status.impact(),
                    "created_at": ts(i.created_at),
                    "updated_at": ts(Self::incident_updated(i)),
                    "components": i.service.iter().collect::<Vec<_>>(),
                    "incident_updates": updates,
                })
            })
            .collect();
        let maintenances: Vec<Value> = self
            .changes
            .iter()
            .map(|c| {
                json!({
                    "id": c.number.to_string(),
                    "name": c.name,
                    "status": if c.running { "in_progress" } else { "scheduled" },
                    "impact": "maintenance",
                    "scheduled_for": c.start.map(ts),
                    "scheduled_until": c.end.map(ts),
                    "components": c.service.iter().collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "page": {
                "id": "slavakt",
                "name": self.title,
                "url": self.url,
                "updated_at": ts(self.updated),
            },
            "status": {
                "indicator": overall.impact(),
                "description": overall.description(self.language),
            },
            "components": components,
            "incidents": incidents,
            "scheduled_maintenances": maintenances,
        })
    }

    /// `/public/feed.atom`: one entry per open incident and planned change.
    pub fn atom(&self) -> String {
        let w = words(self.language);
        let mut x = String::with_capacity(4096);
        x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        let _ = write!(
            x,
            "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n<id>urn:slavakt:public</id>\n<title>{}</title>\n<updated>{}</updated>\n",
            self.language.code(),
            esc(&self.title),
            ts(self.updated)
        );
        if !self.url.is_empty() {
            let _ = writeln!(x, "<link href=\"{}\"/>", esc(&self.url));
        }
        let _ = writeln!(x, "<author><name>{}</name></author>", esc(&self.title));
        let mut entry = |id: String,
                         title: &str,
                         updated: DateTime<FixedOffset>,
                         content: String| {
            let _ = write!(
                x,
                "<entry>\n<id>{}</id>\n<title>{}</title>\n<updated>{}</updated>\n<content type=\"text\">{}</content>\n</entry>\n",
                esc(&id),
                esc(title),
                ts(updated),
                esc(&content)
            );
        };
        for i in &self.incidents {
            let mut content = format!("{}. {}", i.status.label(self.language), ts(i.created_at));
            if !i.updates.is_empty() {
                let _ = write!(content, ". {}", w.notified);
            }
            entry(
                format!("urn:slavakt:incident:{}", i.number),
                &i.name,
                Self::incident_updated(i),
                content,
            );
        }
        for c in &self.changes {
            entry(
                format!("urn:slavakt:change:{}", c.number),
                &c.name,
                c.start.unwrap_or(self.updated),
                self.window(c),
            );
        }
        x.push_str("</feed>\n");
        x
    }

    fn window(&self, c: &Change) -> String {
        let w = words(self.language);
        let fmt = |t: DateTime<FixedOffset>| t.format("%d.%m.%Y %H:%M").to_string();
        match (c.start, c.end) {
            (Some(s), Some(e)) => format!("{} {} {} {}", w.from, fmt(s), w.until, fmt(e)),
            (Some(s), None) => format!("{} {}", w.from, fmt(s)),
            _ => String::new(),
        }
    }

    /// `/public/`: the components and what is going on, no script.
    pub fn html(&self) -> String {
        let w = words(self.language);
        let l = self.language;
        let overall = self.overall();
        let mut h = String::with_capacity(4096);
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title>\
<link rel=\"alternate\" type=\"application/atom+xml\" href=\"feed.atom\">\
<style>body{{font-family:system-ui,sans-serif;margin:1rem;color:#111;background:#fff}}\
table{{border-collapse:collapse}}td,th{{text-align:left;padding:.3rem .8rem;border-bottom:1px solid #ccc}}</style>\
</head><body><h1>{}</h1><p><strong>{}</strong></p><p>{} {}</p>\n<table><tbody>\n",
            l.code(),
            esc(&self.title),
            esc(&self.title),
            esc(overall.description(l)),
            w.updated,
            esc(&self.updated.format("%d.%m.%Y %H:%M").to_string()),
        );
        for (name, c) in &self.components {
            let _ = writeln!(
                h,
                "<tr class=\"{}\"><th>{}</th><td>{}</td></tr>",
                c.code(),
                esc(name),
                c.label(l)
            );
        }
        let _ = write!(h, "</tbody></table>\n<h2>{}</h2>\n", w.incidents);
        if self.incidents.is_empty() {
            let _ = writeln!(h, "<p>{}</p>", w.none);
        } else {
            h.push_str("<ul>\n");
            for i in &self.incidents {
                let _ = writeln!(
                    h,
                    "<li>{} ({}, {})</li>",
                    esc(&i.name),
                    i.status.label(l),
                    esc(&i.created_at.format("%d.%m.%Y %H:%M").to_string())
                );
            }
            h.push_str("</ul>\n");
        }
        let _ = writeln!(h, "<h2>{}</h2>", w.maintenance);
        if self.changes.is_empty() {
            let _ = writeln!(h, "<p>{}</p>", w.none);
        } else {
            h.push_str("<ul>\n");
            for c in &self.changes {
                let _ = writeln!(h, "<li>{} ({})</li>", esc(&c.name), esc(&self.window(c)));
            }
            h.push_str("</ul>\n");
        }
        h.push_str("</body></html>\n");
        h
    }
}
