//! The report's template: Markdown through minijinja (strict), the built-in per language or an
//! admin's override in `daemon.templates_dir` (`incident_report.<lang>.j2`, then
//! `incident_report.j2`), looked up like the message templates.

use super::facts::Facts;
use crate::config::{Config, Language};
use minijinja::{Environment, UndefinedBehavior};
use std::path::Path;

/// The template's name (file `incident_report[.<lang>].j2`).
pub const NAME: &str = "incident_report";

fn builtin(lang: Language) -> &'static str {
    match lang {
        Language::Nb => include_str!("../../../config/templates/nb/incident_report.j2"),
        Language::Nn => include_str!("../../../config/templates/nn/incident_report.j2"),
        Language::Da => include_str!("../../../config/templates/da/incident_report.j2"),
        Language::En => include_str!("../../../config/templates/en/incident_report.j2"),
    }
}

/// The template source for `lang`: an override file if there is one, else the built-in.
pub fn source(lang: Language, templates_dir: Option<&Path>) -> String {
    if let Some(dir) = templates_dir {
        for file in [format!("{NAME}.{}.j2", lang.code()), format!("{NAME}.j2")] {
            if let Ok(s) = std::fs::read_to_string(dir.join(file)) {
                return s;
            }
        }
    }
    builtin(lang).to_string()
}

/// A value safe inside one Markdown table cell: no line breaks, `|` escaped.
fn cell(s: String) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// Renders the report. The error names the template and what went wrong.
pub fn render(facts: &Facts, config: &Config) -> Result<String, String> {
    let lang = config.daemon.language;
    let src = source(lang, config.daemon.templates_dir.as_deref());
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.add_filter("cell", cell);
    let err = |e: minijinja::Error| {
        let mut s = format!("template {NAME:?} ({}): {e}", lang.code());
        let mut inner = std::error::Error::source(&e);
        while let Some(i) = inner {
            s.push_str(&format!(": {i}"));
            inner = i.source();
        }
        s
    };
    env.add_template_owned(NAME, src).map_err(err)?;
    let text = env
        .get_template(NAME)
        .map_err(err)?
        .render(facts)
        .map_err(err)?;
    let mut text = text.trim().to_string();
    text.push('\n');
    Ok(text)
}
