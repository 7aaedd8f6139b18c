//! SLA reports: the monthly board report and the serious-incident report.
//!
//! - `figures.rs`: the data of a report over one or more whole months.
//! - `monthly.rs`: computing it from the tracked tickets (pure): periods, the trend;
//!   `tally.rs`: counting one period's tickets.
//! - `render_md.rs`, `render_csv.rs`, `render_html.rs`, `render_json.rs`: the four formats;
//!   `text.rs`: their words (nb, nn, da, en) and number formats; `charts.rs`: the SVG charts;
//!   `png.rs`: the charts as PNG for the mail.
//! - `incident/`: the serious-incident report draft.
//! - `schedule.rs`: which `[[reports]]` schedule is due for which month.
//! - `scheduled.rs`: the daemon mailing due reports once per period (owed → sent, with retries).
//! - `send.rs`: the report e-mail (body in the chosen format, CSV attached).

pub mod charts;
pub mod figures;
pub mod incident;
pub mod monthly;
pub mod tally;

pub use figures::{Month, MonthlyFigures};
pub use monthly::{figures, period_figures};

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

pub mod png;
pub mod render_csv;
pub mod render_html;
pub mod render_json;
pub mod render_md;
pub mod send;
pub mod text;

use crate::config::{Config, ReportFormat};

/// The report in a format (HTML with inline SVG charts), in the configured language and time zone.
pub fn render(f: &MonthlyFigures, format: ReportFormat, config: &Config) -> String {
    let (lang, tz) = (config.daemon.language, config.daemon.timezone);
    match format {
        ReportFormat::Md => render_md::render(f, lang, tz),
        ReportFormat::Html => render_html::render(f, lang, tz),
        ReportFormat::Csv => render_csv::render(f, lang, tz),
        ReportFormat::Json => render_json::render(f),
    }
}
pub mod schedule;
pub mod scheduled;
pub use schedule::due_schedules;
