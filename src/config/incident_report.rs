//! `[incident_report]`: whose resolved-notice e-mail carries the serious-incident report.

use super::ctx::Ctx;
use super::raw::RawIncidentReport;
use super::refs::{self, Known};
use super::{Audience, IncidentReportConfig};

pub(super) fn build(
    raw: Option<RawIncidentReport>,
    known: &Known,
    lead_role: Option<&str>,
    ctx: &mut Ctx,
) -> IncidentReportConfig {
    let raw = raw.unwrap_or_default();
    let path = "incident_report.attach_to";
    let attach_to = match ctx.get(&raw.attach_to, path) {
        Some(list) => {
            let mut roles = Vec::new();
            for (i, entry) in list.iter().enumerate() {
                let p = format!("{path}[{i}]");
                match refs::audience(entry, &p, known, ctx) {
                    Some(Audience::Role(r)) => roles.push(r),
                    Some(other) => ctx.err(
                        p,
                        format!("{other} cannot receive the report"),
                        Some("use \"role:NAME\" entries".into()),
                    ),
                    None => {} // already reported with its hint
                }
            }
            roles
        }
        // The neutral default is the first role the plan tells; with none, no error: the
        // report file is written anyway.
        None => lead_role.map(str::to_string).into_iter().collect(),
    };
    IncidentReportConfig { attach_to }
}
