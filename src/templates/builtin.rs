//! The built-in template sets, embedded in the binary (sources in `config/templates/<lang>/`).
//! Every set has the same files: `_macros` plus one file per name in `BUILTIN_NAMES`.

macro_rules! set {
    ($lang:literal) => {
        set!($lang: "_macros", "incident_alert", "incident_admin", "driftsmelding",
            "incident_announcement", "incident_municipality", "incident_leadership", "incident_status", "status_overdue",
            "incident_resolved", "incident_reopened", "sla_warning", "sla_breach",
            "change_notice", "change_reminder", "change_started", "change_completed",
            "change_moved", "change_cancelled", "change_short_notice", "classified", "mismatch",
            "cluster", "digest", "alert", "test", "callout", "escalation",
            "driftsmelding_intranet", "incident_note", "incident_coordinator",
            "incident_status_municipality")
    };
    ($lang:literal: $($name:literal),*) => {
        &[$(($name, include_str!(concat!("../../config/templates/", $lang, "/", $name, ".j2")))),*]
    };
}

type Set = &'static [(&'static str, &'static str)];

const NB: Set = set!("nb");
const NN: Set = set!("nn");
const DA: Set = set!("da");
const EN: Set = set!("en");

/// The built-in source of `name` in `lang` (`nb`, `nn`, `da`, `en`).
pub fn get(lang: &str, name: &str) -> Option<&'static str> {
    let set = match lang {
        "nb" => NB,
        "nn" => NN,
        "da" => DA,
        "en" => EN,
        _ => return None,
    };
    set.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_set_has_every_template() {
        for lang in ["nb", "nn", "da", "en"] {
            for name in super::super::BUILTIN_NAMES.iter().chain(["_macros"].iter()) {
                assert!(get(lang, name).is_some(), "{lang}/{name}");
            }
        }
        assert_eq!(NB.len(), super::super::BUILTIN_NAMES.len() + 1);
    }
}
