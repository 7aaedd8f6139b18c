//! `[[classify]]` rules → a [`Decision`]: which SLA level a ticket's description and origin call
//! for, by which rule, and why.
//!
//! A rule matches when every criterion it gives holds (AND across kinds) and, within one
//! criterion, any listed value matches (OR within a list). Among matching rules the highest
//! level wins (`[sla.*].rank`); on a tie the rule written first. No rule matching: the
//! `[classification].default_level`, if set. Names (services, categories, municipalities,
//! sources) compare without regard to case or surrounding spaces.

use super::text::{self, Keyword};
use crate::config::{ClassifyAction, ClassifyRule, Config, Language, Service};
use crate::ticket::TicketSnapshot;
use serde::{Deserialize, Serialize};

/// Rule id recorded when the default level was used.
pub const DEFAULT_RULE: &str = "default";

/// Where a keyword was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Subject,
    Description,
}

/// One reason for a decision (rendered in the configured language by [`Why::describe`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Why {
    Service {
        name: String,
    },
    LifeAndHealth {
        service: String,
    },
    Category {
        name: String,
    },
    Municipality {
        name: String,
    },
    Source {
        name: String,
    },
    Keyword {
        keyword: String,
        field: Field,
    },
    /// No rule matched; `[classification].default_level` applied.
    Default,
    /// Kept from an earlier classification of the same ticket.
    Kept,
}

impl Why {
    pub fn describe(&self, lang: Language) -> String {
        use Language::*;
        match (self, lang) {
            (Why::Service { name }, En) => format!("service “{name}”"),
            (Why::Service { name }, Da) => format!("tjenesten «{name}»"),
            (Why::Service { name }, _) => format!("tjenesten «{name}»"),
            (Why::LifeAndHealth { service }, En) => {
                format!("“{service}” is a life-and-health service")
            }
            (Why::LifeAndHealth { service }, Da) => {
                format!("«{service}» er en liv-og-helbred-tjeneste")
            }
            (Why::LifeAndHealth { service }, _) => {
                format!("«{service}» er en Liv og Helse-tjeneste")
            }
            (Why::Category { name }, En) => format!("category “{name}”"),
            (Why::Category { name }, _) => format!("kategori «{name}»"),
            (Why::Municipality { name }, En) => format!("municipality “{name}”"),
            (Why::Municipality { name }, Da) => format!("kommune «{name}»"),
            (Why::Municipality { name }, _) => format!("kommune «{name}»"),
            (Why::Source { name }, En) => format!("source “{name}”"),
            (Why::Source { name }, _) => format!("kilde «{name}»"),
            (Why::Keyword { keyword, field }, lang) => {
                let place = match (field, lang) {
                    (Field::Subject, En) => "subject",
                    (Field::Description, En) => "description",
                    (Field::Subject, Da) => "emnet",
                    (Field::Description, Da) => "beskrivelsen",
                    (Field::Subject, Nn) => "emnet",
                    (Field::Description, Nn) => "skildringa",
                    (Field::Subject, Nb) => "emnet",
                    (Field::Description, Nb) => "beskrivelsen",
                };
                match lang {
                    En => format!("keyword “{keyword}” in the {place}"),
                    Da => format!("nøgleordet «{keyword}» i {place}"),
                    Nn => format!("nøkkelordet «{keyword}» i {place}"),
                    Nb => format!("nøkkelordet «{keyword}» i {place}"),
                }
            }
            (Why::Default, En) => "no rule matched: the default level".into(),
            (Why::Default, Da) => "ingen regel passede: standardniveauet".into(),
            (Why::Default, Nn) => "ingen regel trefte: standardnivået".into(),
            (Why::Default, Nb) => "ingen regel traff: standardnivået".into(),
            (Why::Kept, En) => "kept from the earlier classification".into(),
            (Why::Kept, Da) => "beholdt fra den tidligere klassificering".into(),
            (Why::Kept, Nn) => "halden frå den tidlegare klassifiseringa".into(),
            (Why::Kept, Nb) => "beholdt fra den tidligere klassifiseringen".into(),
        }
    }
}

/// Reasons joined for a message: `a; b; c`.
pub fn describe_all(reasons: &[Why], lang: Language) -> String {
    reasons
        .iter()
        .map(|r| r.describe(lang))
        .collect::<Vec<_>>()
        .join("; ")
}

/// What the rules say about one ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// SLA level name (`kritisk`, …).
    pub level: String,
    /// The winning rule's id; `None` for the default level.
    pub rule: Option<String>,
    pub action: ClassifyAction,
    /// Why the winning rule matched.
    pub reasons: Vec<Why>,
    /// Every rule that matched, in file order (for logs and `status`).
    pub matched: Vec<String>,
}

impl Decision {
    /// The rule id, or [`DEFAULT_RULE`].
    pub fn rule_id(&self) -> &str {
        self.rule.as_deref().unwrap_or(DEFAULT_RULE)
    }
    pub fn is_default(&self) -> bool {
        self.rule.is_none()
    }
}

pub fn action_name(a: ClassifyAction) -> &'static str {
    match a {
        ClassifyAction::Suggest => "suggest",
        ClassifyAction::Set => "set",
    }
}

pub fn parse_action(s: &str) -> ClassifyAction {
    if s == "set" {
        ClassifyAction::Set
    } else {
        ClassifyAction::Suggest
    }
}

/// Rank of a level name (0 when unknown).
pub fn rank(config: &Config, level: &str) -> u32 {
    config.level(level).map_or(0, |l| l.rank)
}

fn same(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// The configured service a ticket is about: its service name, else the service whose
/// `categories` list its category.
pub fn service_of<'c>(s: &TicketSnapshot, config: &'c Config) -> Option<&'c Service> {
    match s.service.as_deref() {
        Some(name) => config.services.iter().find(|x| same(&x.name, name)),
        None => {
            let cat = s.category.as_deref()?;
            config
                .services
                .iter()
                .find(|x| x.categories.iter().any(|c| same(c, cat)))
        }
    }
}

/// Subject and description as words, computed once per ticket.
struct Words {
    subject: Vec<String>,
    description: Vec<String>,
}

/// Why `rule` matches the ticket, or `None` when it does not.
fn check(
    rule: &ClassifyRule,
    s: &TicketSnapshot,
    words: &Words,
    config: &Config,
) -> Option<Vec<Why>> {
    let mut why = Vec::new();
    let service = service_of(s, config);
    let service_name = service
        .map(|x| x.name.clone())
        .or_else(|| s.service.clone());
    if !rule.services.is_empty() {
        let name = service_name
            .as_deref()
            .filter(|n| rule.services.iter().any(|r| same(r, n)))?;
        why.push(Why::Service { name: name.into() });
    }
    if rule.life_and_health {
        let svc = service.filter(|x| x.life_and_health)?;
        why.push(Why::LifeAndHealth {
            service: svc.name.clone(),
        });
    }
    if !rule.categories.is_empty() {
        let cat = s
            .category
            .as_deref()
            .filter(|c| rule.categories.iter().any(|r| same(r, c)))?;
        why.push(Why::Category { name: cat.into() });
    }
    if !rule.municipalities.is_empty() {
        let m = rule.municipalities.iter().find(|m| {
            s.municipalities.iter().any(|x| same(x, m))
                || s.company.as_deref().is_some_and(|c| {
                    config
                        .municipalities
                        .iter()
                        .filter(|x| same(&x.name, m))
                        .any(|x| x.companies.iter().any(|k| same(k, c)))
                })
        })?;
        why.push(Why::Municipality { name: m.clone() });
    }
    if !rule.sources.is_empty() {
        let src = s
            .source
            .as_deref()
            .filter(|x| rule.sources.iter().any(|r| same(r, x)))?;
        why.push(Why::Source { name: src.into() });
    }
    // Each keyword group given must match: any one of its keywords, in subject or description.
    for group in [&rule.keywords, &rule.also_keywords] {
        if group.is_empty() {
            continue;
        }
        let found = group
            .iter()
            .filter_map(|k| Keyword::parse(k))
            .find_map(|k| {
                if k.matches(&words.subject) {
                    Some((k, Field::Subject))
                } else if k.matches(&words.description) {
                    Some((k, Field::Description))
                } else {
                    None
                }
            })?;
        why.push(Why::Keyword {
            keyword: found.0.text,
            field: found.1,
        });
    }
    Some(why)
}

/// The classification the rules give this ticket, whatever its current priority.
pub fn decide(s: &TicketSnapshot, config: &Config) -> Option<Decision> {
    let words = Words {
        subject: text::tokens(&s.subject),
        description: text::tokens(&s.description),
    };
    let mut best: Option<(u32, &ClassifyRule, Vec<Why>)> = None;
    let mut matched = Vec::new();
    for rule in &config.classify.rules {
        let Some(why) = check(rule, s, &words, config) else {
            continue;
        };
        matched.push(rule.id.clone());
        let r = rank(config, &rule.level);
        if !best.as_ref().is_some_and(|(b, _, _)| r <= *b) {
            best = Some((r, rule, why));
        }
    }
    match best {
        Some((_, rule, reasons)) => Some(Decision {
            level: rule.level.clone(),
            rule: Some(rule.id.clone()),
            action: rule.action,
            reasons,
            matched,
        }),
        None => config.classify.default_level.as_ref().map(|l| Decision {
            level: l.clone(),
            rule: None,
            action: config.classify.default_action,
            reasons: vec![Why::Default],
            matched,
        }),
    }
}
