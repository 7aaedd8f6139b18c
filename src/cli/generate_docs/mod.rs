//! `slavakt generate-docs --out-dir DIR` (hidden; run by `scripts/package`): the manual pages
//! and shell completions, generated from the command-line definition and the config reference
//! so that neither is written twice.
//!
//! Writes `DIR/man/slavakt.1` (every subcommand listed), one `slavakt-<command>.1` per
//! subcommand (its options), `slavakt.toml.5` (from `docs/CONFIG.md`, compiled in), and
//! `DIR/completions/{slavakt.bash,_slavakt,slavakt.fish}`.

mod markdown;

use super::CliError;
use clap_complete::Shell;
use roff::{bold, roman, Roff};
use std::path::{Path, PathBuf};

pub use markdown::{to_man, Page};

/// The config reference, the source of `slavakt.toml(5)`.
const CONFIG_MD: &str = include_str!("../../../docs/CONFIG.md");

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory to write `man/` and `completions/` into (created when missing).
    #[arg(long)]
    pub out_dir: PathBuf,
}

/// `cmd` is the binary's own definition (`Cli::command()` in `main.rs`).
pub fn run(args: Args, cmd: clap::Command) -> Result<(), CliError> {
    let man = args.out_dir.join("man");
    let completions = args.out_dir.join("completions");
    for dir in [&man, &completions] {
        std::fs::create_dir_all(dir).map_err(|e| write_error(dir, e))?;
    }
    write_man_pages(cmd.clone(), &man)?;
    let config_page = to_man(
        CONFIG_MD,
        &Page {
            title: "SLAVAKT.TOML",
            section: "5",
            date: crate::build_info::DATE,
            source: &source(),
            manual: "File Formats",
            name: "slavakt.toml",
            summary: "configuration file of the slavakt SLA watch",
            trailer: &[("SEE ALSO", "slavakt(1), slavakt-check-config(1)")],
        },
    );
    write(&man.join("slavakt.toml.5"), config_page.as_bytes())?;
    let mut cmd = cmd;
    for (shell, file) in [
        (Shell::Bash, "slavakt.bash"),
        (Shell::Zsh, "_slavakt"),
        (Shell::Fish, "slavakt.fish"),
    ] {
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut cmd, "slavakt", &mut out);
        write(&completions.join(file), &out)?;
    }
    Ok(())
}

fn source() -> String {
    format!("slavakt {}", crate::build_info::VERSION)
}

/// `slavakt.1` and one page per (visible) subcommand, `slavakt-run.1` …, with this build's
/// version and date. slavakt(1) is complete on its own: under COMMANDS every subcommand with its
/// synopsis and options (clap_mangen's sections, without their headings), then the sections an
/// admin looks for.
fn write_man_pages(cmd: clap::Command, dir: &Path) -> Result<(), CliError> {
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let page = |c: clap::Command| {
        clap_mangen::Man::new(c)
            .date(crate::build_info::DATE)
            .source(source())
            .manual("slavakt manual")
    };
    let subs: Vec<clap::Command> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .cloned()
        .collect();
    for sub in &subs {
        let man = page(sub.clone());
        let mut out = Vec::new();
        man.render(&mut out).map_err(|e| write_error(dir, e))?;
        write(&dir.join(man.get_filename()), &out)?;
    }
    let top = page(cmd.clone());
    let mut text = String::new();
    type Render = fn(&clap_mangen::Man, &mut dyn std::io::Write) -> std::io::Result<()>;
    let piece = |man: &clap_mangen::Man, f: Render| -> Result<String, CliError> {
        let mut out = Vec::new();
        f(man, &mut out).map_err(|e| write_error(dir, e))?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    };
    text.push_str(&piece(&top, clap_mangen::Man::render_title)?);
    for f in [
        clap_mangen::Man::render_name_section as Render,
        clap_mangen::Man::render_synopsis_section,
        clap_mangen::Man::render_description_section,
        clap_mangen::Man::render_options_section,
    ] {
        text.push_str(without_preamble(&piece(&top, f)?));
    }
    text.push_str(".SH COMMANDS\n");
    for sub in &subs {
        let man = page(sub.clone());
        let name = format!("slavakt {}", sub.get_name());
        text.push_str(&format!(".SS \"{name}\"\n"));
        text.push_str(without_heading(without_preamble(&piece(
            &man,
            clap_mangen::Man::render_synopsis_section,
        )?)));
        let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
        let mut r = Roff::new();
        r.control("PP", []).text([roman(format!(
            "{about}. See slavakt-{}(1).",
            sub.get_name()
        ))]);
        text.push_str(without_preamble(&r.render()));
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            text.push_str(".RS\n");
            text.push_str(without_heading(without_preamble(&piece(
                &man,
                clap_mangen::Man::render_options_section,
            )?)));
            text.push_str(".RE\n");
        }
    }
    text.push_str(without_preamble(&piece(
        &top,
        clap_mangen::Man::render_version_section,
    )?));
    text.push_str(&top_page_sections(&subs));
    write(&dir.join("slavakt.1"), text.as_bytes())
}

/// The roff crate starts every rendering with the definition of its apostrophe string; the page
/// needs it once (from the title).
fn without_preamble(text: &str) -> &str {
    let mut rest = text;
    for line in [".ie \\n(.g .ds Aq \\(aq\n", ".el .ds Aq '\n"] {
        rest = rest.strip_prefix(line).unwrap_or(rest);
    }
    rest
}

/// A section's body without its `.SH` line (to nest it under a command's `.SS`).
fn without_heading(text: &str) -> &str {
    match text.strip_prefix(".SH ") {
        Some(rest) => rest.split_once('\n').map_or("", |(_, body)| body),
        None => text,
    }
}

/// EXIT STATUS, FILES, ENVIRONMENT and SEE ALSO for slavakt(1) (INTERFACE.md's exit codes).
fn top_page_sections(subs: &[clap::Command]) -> String {
    let mut r = Roff::new();
    let item = |r: &mut Roff, tag: &str, text: &str| {
        r.control("TP", []).text([bold(tag)]).text([roman(text)]);
    };
    r.control("SH", ["EXIT STATUS"]);
    item(&mut r, "0", "Success.");
    item(
        &mut r,
        "1",
        "The configuration or the command's input is invalid; the message says what and where.",
    );
    item(&mut r, "2", "A failure at run time.");
    r.control("SH", ["FILES"]);
    item(
        &mut r,
        super::DEFAULT_CONFIG,
        "The configuration, see slavakt.toml(5).",
    );
    item(
        &mut r,
        "/etc/slavakt/credentials/",
        "Secrets (root only), handed to the service by the unit's LoadCredential= lines.",
    );
    item(
        &mut r,
        "/var/lib/slavakt/state.json",
        "The state: tracked tickets, the ledger of what was sent, the outbox.",
    );
    item(
        &mut r,
        "/usr/lib/systemd/system/slavakt.service",
        "The systemd unit (installed by the package); local changes with systemctl edit slavakt.",
    );
    r.control("SH", ["ENVIRONMENT"]);
    item(
        &mut r,
        "SLAVAKT_CONFIG",
        "The config file when --config is not given.",
    );
    item(
        &mut r,
        "SLAVAKT_<SECTION>__<KEY>",
        "Overrides a config key, e.g. SLAVAKT_PURESERVICE__API_KEY_FILE.",
    );
    item(
        &mut r,
        "SLAVAKT_LOG",
        "json writes one JSON object per log line.",
    );
    item(&mut r, "RUST_LOG", "Log level filter, e.g. debug.");
    r.control("SH", ["SEE ALSO"]);
    let pages: Vec<String> = subs
        .iter()
        .map(|s| format!("slavakt-{}(1)", s.get_name()))
        .collect();
    r.text([roman(format!(
        "slavakt.toml(5), {}, systemd.exec(5), journalctl(1)",
        pages.join(", ")
    ))]);
    without_preamble(&r.render()).to_string()
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    std::fs::write(path, bytes).map_err(|e| write_error(path, e))
}

fn write_error(path: &Path, e: std::io::Error) -> CliError {
    CliError::Runtime(format!("cannot write {}: {e}", path.display()))
}
