//! References between sections: `to` entries (audiences), `via` entries (channels), and the
//! names they point at (roles, configured channels). Used by the plan, classification, alerts.

use super::ctx::{key, Ctx};
use super::people::list;
use super::{Audience, ChannelRef, Role};
use std::collections::{BTreeMap, BTreeSet};

/// What the other sections may refer to.
pub(super) struct Known<'a> {
    pub roles: &'a BTreeMap<String, Role>,
    /// Channels declared in the file (`email`, `sms`, `teams:NAME`, `intranet`,
    /// `pureservice_note`), even if their own settings have problems: those are reported there.
    pub channels: BTreeSet<String>,
}

const AUDIENCES: &str = "\"role:NAME\", \"service:administrator\", \"service:vendor\", \"municipality:critical\", \"municipality:all\", \"ticket:assignee\", \"notified\"";

pub(super) fn audience(s: &str, path: &str, known: &Known, ctx: &mut Ctx) -> Option<Audience> {
    let Some(a) = Audience::parse(s.trim()) else {
        ctx.err(
            path,
            format!("{s:?} is not a recipient"),
            Some(format!("use one of {AUDIENCES}")),
        );
        return None;
    };
    if let Audience::Role(r) = &a {
        if !known.roles.contains_key(r) {
            let names: BTreeSet<String> = known.roles.keys().cloned().collect();
            ctx.err(
                path,
                format!("unknown role {r:?}"),
                Some(format!(
                    "define [roles.{}] or use one of: {}",
                    key(r),
                    list(&names)
                )),
            );
            return None;
        }
    }
    Some(a)
}

pub(super) fn channel(s: &str, path: &str, known: &Known, ctx: &mut Ctx) -> Option<ChannelRef> {
    let Some(c) = ChannelRef::parse(s.trim()) else {
        ctx.err(
            path,
            format!("{s:?} is not a channel"),
            Some(
                "use \"email\", \"sms\", \"teams:NAME\", \"intranet\" or \"pureservice_note\""
                    .into(),
            ),
        );
        return None;
    };
    let name = c.to_string();
    // Resolved per ticket from the `teams` of its municipalities or service (checked there).
    let per_unit = matches!(&c, ChannelRef::Teams(t)
        if t == super::TEAMS_MUNICIPALITY || t == super::TEAMS_SERVICE);
    if !per_unit && !known.channels.contains(&name) {
        let how = match &c {
            ChannelRef::Email => "configure [channels.email]".to_string(),
            ChannelRef::Sms => "configure [channels.sms]".to_string(),
            ChannelRef::Teams(t) => {
                let targets: BTreeSet<String> = known
                    .channels
                    .iter()
                    .filter_map(|c| c.strip_prefix("teams:").map(str::to_string))
                    .collect();
                format!(
                    "configure [channels.teams.{}] (configured Teams targets: {})",
                    key(t),
                    list(&targets)
                )
            }
            ChannelRef::Intranet => "configure [channels.intranet]".to_string(),
            ChannelRef::PureserviceNote => {
                "set [channels.pureservice_note] enabled = true".to_string()
            }
        };
        ctx.err(
            path,
            format!("channel {name:?} is not configured"),
            Some(how),
        );
        return None;
    }
    Some(c)
}

/// A list of `to` entries; `None` when the key is absent (the caller applies its default).
pub(super) fn audiences(
    v: &super::raw::L<Vec<String>>,
    path: &str,
    known: &Known,
    ctx: &mut Ctx,
) -> Option<Vec<Audience>> {
    let list = ctx.get(v, path)?;
    Some(
        list.iter()
            .enumerate()
            .filter_map(|(i, s)| audience(s, &format!("{path}[{i}]"), known, ctx))
            .collect(),
    )
}

pub(super) fn channels(
    v: &super::raw::L<Vec<String>>,
    path: &str,
    known: &Known,
    ctx: &mut Ctx,
) -> Option<Vec<ChannelRef>> {
    let list = ctx.get(v, path)?;
    Some(
        list.iter()
            .enumerate()
            .filter_map(|(i, s)| channel(s, &format!("{path}[{i}]"), known, ctx))
            .collect(),
    )
}
