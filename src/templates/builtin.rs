//! The built-in template sets, embedded in the binary (sources in `config/templates/<lang>/`).

macro_rules! set {
    ($lang:literal: $($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../config/templates/", $lang, "/", $name, ".j2")))),*]
    };
}

type Set = &'static [(&'static str, &'static str)];

const NB: Set = set!("nb": "_macros", "incident_alert", "incident_admin", "driftsmelding",
    "incident_announcement", "incident_leadership", "incident_status", "status_overdue",
    "incident_resolved", "incident_reopened", "sla_warning", "sla_breach", "change_notice",
    "change_reminder", "change_started", "change_completed", "change_moved", "change_cancelled",
    "change_short_notice", "classified", "mismatch", "cluster", "digest", "alert", "test");
const DA: Set = &[];
const EN: Set = &[];

/// The built-in source of `name` in `lang` (`nb`, `da`, `en`).
pub fn get(lang: &str, name: &str) -> Option<&'static str> {
    let set = match lang {
        "nb" => NB,
        "da" => DA,
        "en" => EN,
        _ => return None,
    };
    set.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}
