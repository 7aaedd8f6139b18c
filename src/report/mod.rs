//! SLA reports: the monthly board report and the serious-incident report.
//!
//! - `figures.rs`: the data of a monthly report.
//! - `monthly.rs`: computing it from the tracked tickets (pure).
//! - `render_md.rs`, `render_csv.rs`, `render_html.rs`: the three formats.
//! - `incident.rs`: the serious-incident report draft.
//! - `schedule.rs`: which `[[reports]]` schedule is due for which month.

pub mod figures;
pub mod monthly;

pub use figures::{Month, MonthlyFigures};
pub use monthly::figures;

/// Parses `YYYY-MM`.
pub fn parse_month(s: &str) -> Option<Month> {
    let (y, m) = s.trim().split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let y: i32 = y.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    (1..=12).contains(&m).then_some((y, m))
}

/// `YYYY-MM`.
pub fn month_text((y, m): Month) -> String {
    format!("{y:04}-{m:02}")
}
