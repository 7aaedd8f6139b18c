//! The validation context: collects every problem with its key path, and the small converters
//! every section uses (typed leaves, durations, phone numbers, e-mail addresses, secrets).
//!
//! Converters never fail the whole load: they record the problem and return `None` (or a
//! default), so validation goes on and the admin sees all problems at once. Messages never quote
//! a secret's value; as a last guard, [`Ctx::finish`] scrubs every secret seen from every message.

use super::raw::{Kind, Lenient, L};
use super::ConfigError;
use crate::duration::HumanDuration;
use crate::secret::Secret;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub(super) struct Ctx {
    pub errors: Vec<ConfigError>,
    /// Directory of the config file: relative paths are resolved against it.
    pub base_dir: PathBuf,
    /// Key path → the environment variable that set it (named in messages about that key).
    pub env_paths: BTreeMap<String, String>,
    /// Every secret value read, scrubbed from all messages at the end.
    secrets: Vec<Secret>,
}

impl Ctx {
    pub fn new(base_dir: PathBuf) -> Ctx {
        Ctx {
            errors: Vec::new(),
            base_dir,
            env_paths: BTreeMap::new(),
            secrets: Vec::new(),
        }
    }

    pub fn err(
        &mut self,
        path: impl Into<String>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        let path = path.into();
        let mut message = message.into();
        if let Some(var) = self.env_paths.get(&path) {
            message.push_str(&format!(" (value from environment variable {var})"));
        }
        // Every problem comes with a hint; where the check has no specific one, point to the
        // reference of the section the key belongs to.
        let hint = hint.or_else(|| Some(reference_hint(&path)));
        self.errors.push(ConfigError {
            path,
            message,
            hint,
        });
    }

    /// Remembers a secret value so that no message can show it.
    pub fn remember_secret(&mut self, s: &str) {
        self.secrets.push(Secret::new(s));
    }

    /// The collected problems, with every secret value removed from their text.
    pub fn finish(self) -> Vec<ConfigError> {
        let secrets: Vec<&Secret> = self.secrets.iter().collect();
        self.errors
            .into_iter()
            .map(|e| ConfigError {
                path: e.path,
                message: crate::secret::scrub(&e.message, &secrets),
                hint: e.hint.map(|h| crate::secret::scrub(&h, &secrets)),
            })
            .collect()
    }

    /// A leaf of the right type; a wrong type is recorded and gives `None`.
    pub fn get<T: Kind + Clone>(&mut self, v: &L<T>, path: &str) -> Option<T> {
        match v {
            None => None,
            Some(Lenient::Ok(t)) => Some(t.clone()),
            Some(Lenient::Bad { found }) => {
                self.err(path, format!("expected {}, found {found}", T::WHAT), None);
                None
            }
        }
    }

    /// A required leaf: missing is a problem too.
    pub fn req<T: Kind + Clone>(&mut self, v: &L<T>, path: &str, hint: &str) -> Option<T> {
        if v.is_none() {
            self.err(path, "missing required key", Some(hint.to_string()));
        }
        self.get(v, path)
    }

    /// A non-empty string (an empty one is recorded as a problem).
    pub fn text(&mut self, v: &L<String>, path: &str) -> Option<String> {
        let s = self.get(v, path)?;
        if s.trim().is_empty() {
            self.err(path, "must not be empty", None);
            return None;
        }
        Some(s)
    }

    pub fn req_text(&mut self, v: &L<String>, path: &str, hint: &str) -> Option<String> {
        if v.is_none() {
            self.err(path, "missing required key", Some(hint.to_string()));
            return None;
        }
        self.text(v, path)
    }

    pub fn list(&mut self, v: &L<Vec<String>>, path: &str) -> Vec<String> {
        self.get(v, path).unwrap_or_default()
    }

    pub fn flag(&mut self, v: &L<bool>, path: &str) -> bool {
        self.get(v, path).unwrap_or(false)
    }

    /// A whole number in `[min, max]`, or `default` when absent or invalid.
    pub fn number(&mut self, v: &L<i64>, path: &str, min: i64, max: i64, default: i64) -> i64 {
        match self.get(v, path) {
            None => default,
            Some(n) if n < min || n > max => {
                self.err(
                    path,
                    format!("{n} is out of range"),
                    Some(format!("use a number from {min} to {max}")),
                );
                default
            }
            Some(n) => n,
        }
    }

    /// A human duration (`15m`, `2h`, `3wd`); `default` when absent or invalid.
    pub fn duration(&mut self, v: &L<String>, path: &str, default: &str) -> HumanDuration {
        let fallback = HumanDuration::parse(default).expect("built-in default duration");
        match self.get(v, path) {
            None => fallback,
            Some(s) => match HumanDuration::parse(&s) {
                Ok(d) => d,
                Err(e) => {
                    self.err(path, e, Some(DURATION_HINT.into()));
                    fallback
                }
            },
        }
    }

    /// A required human duration.
    pub fn req_duration(&mut self, v: &L<String>, path: &str) -> Option<HumanDuration> {
        let s = self.req(v, path, DURATION_HINT)?;
        match HumanDuration::parse(&s) {
            Ok(d) => Some(d),
            Err(e) => {
                self.err(path, e, Some(DURATION_HINT.into()));
                None
            }
        }
    }

    /// A wall-clock duration: working days (`wd`) have no meaning here.
    pub fn wall(&mut self, v: &L<String>, path: &str, default: &str) -> chrono::Duration {
        let d = self.duration(v, path, default);
        if d.is_working_days() {
            self.err(
                path,
                "working days (wd) are not allowed here: this is wall-clock time",
                Some("write it in s, m, h or d, e.g. \"30s\" or \"1h\"".into()),
            );
            return HumanDuration::parse(default).expect("default").as_wall();
        }
        d.as_wall()
    }

    /// An optional E.164 phone number.
    pub fn phone(&mut self, v: &L<String>, path: &str) -> Option<String> {
        let s = self.get(v, path)?;
        if is_e164(&s) {
            Some(s)
        } else {
            self.err(
                path,
                format!("{s:?} is not an E.164 phone number"),
                Some("write + and the country code, then 8–15 digits in all, no spaces: e.g. \"+4790000101\"".into()),
            );
            None
        }
    }

    /// An optional e-mail address (plain `local@domain`).
    pub fn email(&mut self, v: &L<String>, path: &str) -> Option<String> {
        let s = self.get(v, path)?;
        if is_email(&s) {
            Some(s)
        } else {
            self.err(
                path,
                format!("{s:?} is not an e-mail address"),
                Some("write it as name@domain, e.g. \"kari@ror-ikt.example\"".into()),
            );
            None
        }
    }

    /// A path; relative paths are taken from the config file's directory.
    pub fn path(&mut self, v: &L<String>, path: &str) -> Option<PathBuf> {
        self.text(v, path).map(|p| self.resolve(&p))
    }

    pub fn resolve(&self, p: &str) -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }

    /// A secret given inline as `key` or in a file as `key_file` (trailing newline trimmed).
    /// `prefix` is the table's path, e.g. `pureservice`.
    pub fn secret(
        &mut self,
        value: &L<String>,
        file: &L<String>,
        prefix: &str,
        key: &str,
    ) -> Option<Secret> {
        let vpath = format!("{prefix}.{key}");
        let fpath = format!("{prefix}.{key}_file");
        // Read the value before anything else so it is scrubbed even from unrelated messages.
        let inline = match value {
            Some(Lenient::Ok(s)) => {
                self.remember_secret(s);
                Some(s.clone())
            }
            Some(Lenient::Bad { found }) => {
                self.err(&vpath, format!("expected a string, found {found}"), None);
                None
            }
            None => None,
        };
        let file = self.get(file, &fpath);
        if value.is_some() && file.is_some() {
            self.err(
                &fpath,
                format!("both {key} and {key}_file are set"),
                Some(format!(
                    "keep only one; {key}_file is preferred (systemd LoadCredential)"
                )),
            );
            return None;
        }
        if let Some(s) = inline {
            if s.is_empty() {
                self.err(&vpath, "must not be empty", None);
                return None;
            }
            return Some(Secret::new(s));
        }
        let f = file?;
        let full = self.resolve(&f);
        match read_small(&full) {
            Ok(None) => {
                self.err(
                    &fpath,
                    format!(
                        "secret file {} is larger than {} KiB",
                        full.display(),
                        MAX_SECRET_FILE / 1024
                    ),
                    Some("a secret file holds just the secret; check the path".into()),
                );
                None
            }
            Ok(Some(text)) => {
                let s = text.trim_end_matches(['\n', '\r']).to_string();
                self.remember_secret(&s);
                if s.is_empty() {
                    self.err(
                        &fpath,
                        format!("secret file {} is empty", full.display()),
                        None,
                    );
                    return None;
                }
                Some(Secret::new(s))
            }
            Err(e) => {
                self.err(
                    &fpath,
                    format!("cannot read secret file {}: {}", full.display(), io_reason(&e)),
                    Some("check the path (relative paths start at the config file's directory) and that the slavakt user may read it".into()),
                );
                None
            }
        }
    }
}

pub(super) const DURATION_HINT: &str =
    "write a number with a unit: \"45s\", \"15m\", \"2h\", \"1h30m\", \"3d\", or working days \"3wd\"";

/// `+` then 8–15 digits.
pub(super) fn is_e164(s: &str) -> bool {
    s.strip_prefix('+').is_some_and(|d| {
        (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
    })
}

pub(super) fn is_email(s: &str) -> bool {
    let mut parts = s.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c == ',' || c == ';' || c == '<' || c == '>')
}

/// The most a secret file may hold. Reading is capped so that a path pointing at a large file
/// or an endless device (`/dev/zero`) is an error, not an unbounded read.
const MAX_SECRET_FILE: u64 = 64 * 1024;

/// The file's text, or `None` when it is larger than [`MAX_SECRET_FILE`].
fn read_small(path: &Path) -> std::io::Result<Option<String>> {
    read_bounded(path, MAX_SECRET_FILE)
}

/// The file's text, or `None` when it holds more than `max` bytes (read no further than that).
pub(super) fn read_bounded(path: &Path, max: u64) -> std::io::Result<Option<String>> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(max + 1)
        .read_to_string(&mut text)?;
    Ok((text.len() as u64 <= max).then_some(text))
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// A key as it appears in a dotted path: quoted when it is not a bare TOML key.
pub(super) fn key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        format!("{k:?}")
    }
}

/// The generic hint for a problem at `path`: where its section is documented.
fn reference_hint(path: &str) -> String {
    let section = path
        .split(['.', '['])
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("the file");
    format!("see `{section}` in docs/CONFIG.md for what this key takes")
}
