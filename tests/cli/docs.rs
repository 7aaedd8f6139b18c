//! `slavakt generate-docs`: the man pages and completions the package ships. slavakt(1) has
//! every subcommand `slavakt --help` lists, with its options; each has its own page;
//! slavakt.toml(5) has every section of docs/CONFIG.md; the pages render with man(1) (and
//! groff reports no macro or syntax problems); the completions know every subcommand and the
//! bash one loads and completes.

use std::path::Path;
use std::process::Command;

const CONFIG_MD: &str = include_str!("../../docs/CONFIG.md");

fn slavakt(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_slavakt"))
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The subcommands `slavakt --help` lists (`help` aside).
fn subcommands() -> Vec<String> {
    let help = slavakt(&["--help"]);
    let list = help
        .split("Commands:\n")
        .nth(1)
        .expect("a Commands section")
        .split("\n\n")
        .next()
        .unwrap();
    list.lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

fn generate(dir: &Path) {
    slavakt(&["generate-docs", "--out-dir", dir.to_str().unwrap()]);
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The page as man(1) shows it, 100 columns, no pager; panics on errors from the formatter.
fn render(page: &Path) -> String {
    let out = Command::new("man")
        .args(["-l", "-P", "cat"])
        .arg(page)
        .env("MANWIDTH", "100")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .unwrap();
    assert!(out.status.success(), "man -l {}: {out:?}", page.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// groff's warnings about macros, requests and escapes (not line-filling ones).
fn groff_problems(page: &Path) -> String {
    let out = Command::new("groff")
        .args([
            "-k", "-man", "-Tutf8", "-z", "-wmac", "-wsyntax", "-winput", "-wescape", "-wchar",
            "-wdelim",
        ])
        .arg(page)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn the_hidden_generator_is_not_in_the_help() {
    assert!(!slavakt(&["--help"]).contains("generate-docs"));
    assert!(subcommands().contains(&"check-config".to_string()));
}

#[test]
fn slavakt_1_has_every_subcommand_with_its_options_and_each_has_a_page() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path());
    let man = dir.path().join("man");
    let top = read(&man.join("slavakt.1"));
    assert!(top.contains(".TH slavakt 1 "), "{top}");
    for section in [
        "COMMANDS",
        "\"EXIT STATUS\"",
        "FILES",
        "ENVIRONMENT",
        "\"SEE ALSO\"",
    ] {
        assert!(top.contains(&format!(".SH {section}\n")), "no {section}");
    }
    let subs = subcommands();
    assert!(subs.len() >= 10, "{subs:?}");
    for sub in &subs {
        assert!(
            top.contains(&format!(".SS \"slavakt {sub}\"\n")),
            "slavakt(1) lacks {sub}"
        );
        let page = read(&man.join(format!("slavakt-{sub}.1")));
        assert!(page.contains(&format!(".TH slavakt-{sub} 1 ")), "{page}");
    }
    // An option of a subcommand is in the top page too.
    assert!(top.contains("\\fB\\-\\-wide\\fR"), "status --wide missing");
    assert!(
        !top.contains("generate"),
        "the hidden command leaked into slavakt(1)"
    );
    if have("man") {
        let text = render(&man.join("slavakt.1"));
        for sub in &subs {
            assert!(text.contains(&format!("slavakt {sub}")), "{text}");
        }
        assert!(text.contains("/etc/slavakt/slavakt.toml"), "{text}");
    }
    if have("groff") {
        for entry in std::fs::read_dir(&man).unwrap() {
            let path = entry.unwrap().path();
            let problems = groff_problems(&path);
            assert!(problems.is_empty(), "{}: {problems}", path.display());
        }
    }
}

#[test]
fn slavakt_toml_5_is_the_config_reference() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path());
    let page = read(&dir.path().join("man/slavakt.toml.5"));
    assert!(page.contains(".TH SLAVAKT.TOML 5 "), "{page}");
    let sections: Vec<&str> = CONFIG_MD
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .collect();
    assert!(sections.len() >= 10);
    let text = if have("man") {
        render(&dir.path().join("man/slavakt.toml.5"))
    } else {
        page.clone()
    };
    for s in sections {
        let heading = s.replace('`', "").to_uppercase();
        assert!(text.contains(&heading), "slavakt.toml(5) lacks {heading}");
    }
    // Table rows become tagged paragraphs with their defaults; keys are there.
    for key in [
        "poll_interval",
        "http_listen",
        "api_key_file",
        "storm_limit",
    ] {
        assert!(text.contains(key), "slavakt.toml(5) lacks {key}");
    }
    assert!(text.contains("Default: 30s"), "{text}");
}

#[test]
fn completions_know_every_subcommand_and_bash_completes() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path());
    let c = dir.path().join("completions");
    let subs = subcommands();
    for file in ["slavakt.bash", "_slavakt", "slavakt.fish"] {
        let text = read(&c.join(file));
        for sub in &subs {
            assert!(text.contains(sub.as_str()), "{file} lacks {sub}");
        }
    }
    // Load it in bash and ask for the completions of `slavakt che`.
    let script = format!(
        "source {}; COMP_WORDS=(slavakt che); COMP_CWORD=1; COMP_LINE='slavakt che'; \
         COMP_POINT=11; _slavakt slavakt che slavakt; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        c.join("slavakt.bash").display()
    );
    let out = Command::new("bash").args(["-c", &script]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "check-config");
}
