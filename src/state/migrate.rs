//! Schema versions: reading the `version` of a file and stepping it up to [`SCHEMA_VERSION`].
//!
//! Each step is a function on the raw JSON value from version `n` to `n + 1`, so a file of any
//! released version loads. When the schema changes: bump `SCHEMA_VERSION`, append one step
//! here, and add a fixture `tests/fixtures/state-vN.json` of the old version with a test that it
//! still loads. Version 1 → 2: the snapshot gained `journal_seq` (a v1 file has no journal).

use super::{LoadProblem, SCHEMA_VERSION};
use serde_json::Value;

/// One step: a version-`n` document in, a version-`n + 1` document out.
type Step = fn(Value) -> Result<Value, String>;

/// `STEPS[i]` turns version `i + 1` into version `i + 2`.
const STEPS: &[Step] = &[v1_to_v2];

/// A v1 file was the whole state; as a v2 snapshot it includes no journal line yet.
fn v1_to_v2(mut doc: Value) -> Result<Value, String> {
    let obj = doc.as_object_mut().ok_or("not an object")?;
    obj.insert("journal_seq".into(), Value::from(0u64));
    obj.insert("version".into(), Value::from(2u64));
    Ok(doc)
}

/// The document's declared version, checked to be one this build can read.
pub(crate) fn version_of(doc: &Value) -> Result<u32, LoadProblem> {
    let Some(obj) = doc.as_object() else {
        return Err(LoadProblem::Corrupt(
            "the top level is not a JSON object".into(),
        ));
    };
    let Some(v) = obj.get("version") else {
        return Err(LoadProblem::Corrupt("it has no \"version\" field".into()));
    };
    match v.as_u64() {
        Some(n) if (1..=u64::from(SCHEMA_VERSION)).contains(&n) => Ok(n as u32),
        Some(n) if n > u64::from(SCHEMA_VERSION) => Err(LoadProblem::UnknownVersion(format!(
            "version {n}, written by a newer slavakt"
        ))),
        _ => Err(LoadProblem::UnknownVersion(format!("version {v}"))),
    }
}

/// Steps a document of version `from` up to the current version.
pub(crate) fn to_current(mut doc: Value, from: u32) -> Result<Value, LoadProblem> {
    for (i, step) in STEPS.iter().enumerate().skip(from as usize - 1) {
        doc = step(doc).map_err(|e| {
            LoadProblem::Corrupt(format!(
                "migrating from version {} to {} failed: {e}",
                i + 1,
                i + 2
            ))
        })?;
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_step_per_version() {
        assert_eq!(STEPS.len() as u32, SCHEMA_VERSION - 1);
    }

    #[test]
    fn versions_are_checked() {
        assert_eq!(version_of(&json!({"version": 1})), Ok(1));
        assert!(matches!(
            version_of(&json!({"version": 99})),
            Err(LoadProblem::UnknownVersion(m)) if m.contains("newer")
        ));
        assert!(matches!(
            version_of(&json!({"version": 0})),
            Err(LoadProblem::UnknownVersion(_))
        ));
        assert!(matches!(
            version_of(&json!({"version": "1"})),
            Err(LoadProblem::UnknownVersion(_))
        ));
        assert!(matches!(
            version_of(&json!({})),
            Err(LoadProblem::Corrupt(_))
        ));
        assert!(matches!(
            version_of(&json!([1])),
            Err(LoadProblem::Corrupt(_))
        ));
    }
}
