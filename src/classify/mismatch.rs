//! The mismatch notice: a person-set priority below what the rules say → one notice to the
//! ticket's assignee and the incident manager. The priority itself is never changed.
//!
//! Audience: the assignee (when there is one — a new ticket often has none yet), plus
//! `role:incident_manager` when that role exists, otherwise `[classification].notify`. Channels:
//! the personal ones of `[classification].via` (a mismatch is about one ticket's handling, not
//! news for a shared channel), e-mail when it lists none.

use super::notices::{Builder, Notice, TEMPLATE_MISMATCH};
use super::HORIZON;
use crate::config::{Audience, ChannelRef};
use crate::plan::Reason;
use crate::ticket::TrackedTicket;
use std::collections::BTreeMap;

/// Role told about mismatches when it is configured.
pub const INCIDENT_MANAGER: &str = "incident_manager";

pub(super) fn notices(b: &mut Builder, t: &TrackedTicket) {
    let Some(c) = &t.classification else {
        return;
    };
    let Some(m) = &c.mismatch else {
        return;
    };
    if m.at < b.now - HORIZON {
        return;
    }
    let mut vars = BTreeMap::new();
    vars.insert("level".into(), c.level.clone());
    vars.insert("level_label".into(), b.label(&c.level));
    vars.insert("rule".into(), c.rule.clone());
    vars.insert("reasons".into(), c.reasons.join("; "));
    vars.insert("priority".into(), m.priority.clone());
    vars.insert("priority_level".into(), m.level.clone());
    vars.insert("priority_label".into(), b.label(&m.level));
    let n = Notice {
        ticket: t,
        rule: format!("mismatch:{}", c.rule),
        occurrence: 1,
        reason: Reason::Mismatch,
        due_at: m.at,
        template: TEMPLATE_MISMATCH,
        important: false,
        vars,
    };
    let cfg = b.config;
    let mut to = Vec::new();
    if t.assignee.is_some() {
        to.push(Audience::TicketAssignee);
    }
    if cfg.roles.contains_key(INCIDENT_MANAGER) {
        to.push(Audience::Role(INCIDENT_MANAGER.into()));
    } else {
        to.extend(cfg.classify.notify.iter().cloned());
    }
    let mut via: Vec<ChannelRef> = cfg
        .classify
        .via
        .iter()
        .filter(|v| v.is_personal())
        .cloned()
        .collect();
    if via.is_empty() && cfg.channels.email.is_some() {
        via.push(ChannelRef::Email);
    }
    b.issue(&n, &to, &via);
}
