//! SLA reports: the monthly board report and the serious-incident report.
