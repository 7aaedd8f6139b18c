//! `[incident_report]`: whose resolved-notice e-mail carries the serious-incident report.

use super::ctx::Ctx;
use super::raw::RawIncidentReport;
use super::refs::{self, Known};
use super::{Audience, IncidentReportConfig};

/// The communication plan's roles (§5): Incident Manager and Varslingsansvarlig.
const DEFAULT_ROLES: &[&str] = &["incident_manager", "varslingsansvarlig"];

pub(super) fn build(
    raw: Option<RawIncidentReport>,
    known: &Known,
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
        // Unlike alerts, a missing default role is no error: the report file is written anyway.
        None => DEFAULT_ROLES
            .iter()
            .filter(|r| known.roles.contains_key(**r))
            .map(|r| r.to_string())
            .collect(),
    };
    IncidentReportConfig { attach_to }
}
