//! `[[reports]]`: SLA reports (over `months` months) on a cron schedule, mailed to addresses or
//! roles.

use super::ctx::{is_email, Ctx};
use super::raw::RawReport;
use super::refs::Known;
use super::{ReportFormat, ReportSchedule};
use std::str::FromStr;

pub(super) fn build(raw: Vec<RawReport>, known: &Known, ctx: &mut Ctx) -> Vec<ReportSchedule> {
    if !raw.is_empty() && !known.channels.contains("email") {
        ctx.err(
            "reports",
            "reports are sent by e-mail, but [channels.email] is not configured",
            Some("configure [channels.email] or remove [[reports]]".into()),
        );
    }
    let mut out = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let path = format!("reports[{i}]");
        let p = |k: &str| format!("{path}.{k}");
        let text = ctx.req_text(&r.schedule, &p("schedule"), "a cron expression with seconds, e.g. \"0 0 7 1 * *\" (07:00 on the 1st of every month)");
        let schedule = text.as_ref().and_then(|t| match cron::Schedule::from_str(t.trim()) {
            Ok(s) => Some(s),
            Err(e) => {
                ctx.err(
                    p("schedule"),
                    format!("{t:?} is not a cron expression: {e}"),
                    Some("write 6 or 7 fields: sec min hour day-of-month month day-of-week [year], e.g. \"0 0 7 1 * *\"".into()),
                );
                None
            }
        });
        let to = ctx.list(&r.to, &p("to"));
        if r.to.is_none() || (to.is_empty() && matches!(&r.to, Some(super::raw::Lenient::Ok(_)))) {
            ctx.err(
                p("to"),
                "no recipients",
                Some("list e-mail addresses or \"role:NAME\" entries".into()),
            );
        }
        for (j, t) in to.iter().enumerate() {
            let tp = format!("{}[{j}]", p("to"));
            match t.strip_prefix("role:") {
                Some(role) if known.roles.contains_key(role) => {}
                Some(role) => ctx.err(
                    tp,
                    format!("unknown role {role:?}"),
                    Some(format!("define [roles.{role}]")),
                ),
                None if is_email(t) => {}
                None => ctx.err(
                    tp,
                    format!("{t:?} is neither an e-mail address nor \"role:NAME\""),
                    None,
                ),
            }
        }
        let format = match ctx.text(&r.format, &p("format")).as_deref() {
            None | Some("md") => ReportFormat::Md,
            Some("html") => ReportFormat::Html,
            Some("csv") => ReportFormat::Csv,
            Some("json") => ReportFormat::Json,
            Some(o) => {
                ctx.err(
                    p("format"),
                    format!("unknown format {o:?}"),
                    Some("use \"md\", \"html\", \"csv\" or \"json\"".into()),
                );
                ReportFormat::Md
            }
        };
        let months = ctx.number(&r.months, &p("months"), 1, 12, 1) as u32;
        if let (Some(schedule), Some(schedule_text)) = (schedule, text) {
            out.push(ReportSchedule {
                schedule,
                schedule_text,
                to,
                format,
                months,
            });
        }
    }
    out
}
