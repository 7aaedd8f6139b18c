//! Raw config → typed [`super::Config`], collecting every problem with its key path.

use super::{Config, ConfigErrors};
use std::collections::BTreeMap;
use std::path::Path;

pub(super) fn load_file(
    path: &Path,
    env: &BTreeMap<String, String>,
) -> Result<Config, ConfigErrors> {
    let _ = (path, env);
    todo!("config: load_file")
}

pub(super) fn from_str(
    text: &str,
    origin: &Path,
    env: &BTreeMap<String, String>,
) -> Result<Config, ConfigErrors> {
    let _ = (text, origin, env);
    todo!("config: from_str")
}
