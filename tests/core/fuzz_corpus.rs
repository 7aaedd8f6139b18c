//! The CI "short fuzz": every file of the cargo-fuzz seed corpus (`fuzz/corpus/<target>/`) and a
//! few thousand seeded, deterministic mutations of them (byte flips, truncations, splices,
//! inserted tokens) go through the same entry functions the fuzz targets call
//! (`slavakt::fuzzing`). Nothing may panic, and every rejection must be a clean error: non-empty,
//! readable and short. Also checks that the pages the fake Pureservice serves today are still
//! accepted, and (with `SLAVAKT_WRITE_FUZZ_SEEDS=1`) writes them into the seed corpus.
//!
//! A failing input is saved under `target/fuzz-failures/` for `cargo fuzz run <target> FILE`.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use slavakt::clock::FakeClock;
use slavakt::fuzzing::{self, PageSummary};
use slavakt::pureservice::fake::{FakeOptions, FakePureservice, NewTicket};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Mutations per seed file and target: with 20–40 seeds each this is a few thousand inputs.
const MUTATIONS_PER_SEED: usize = 100;
/// Longest acceptable rejection message for a page: it ends up in the log once per cycle.
const MAX_PAGE_ERROR_CHARS: usize = 600;

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("read seed"))
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "seed corpus {} has only {} files",
        dir.display(),
        files.len()
    );
    files
}

/// SplitMix64: a tiny, fully deterministic generator (the same inputs on every machine).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// One to four stacked mutations of `seed`; `others` feed splices, `tokens` are inserted whole.
fn mutate(rng: &mut Rng, seed: &[u8], others: &[&[u8]], tokens: &[&str]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = v.len();
        let at = rng.below(len + 1);
        match rng.below(8) {
            0 if len > 0 => {
                let i = rng.below(len);
                v[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                v[i] = [0u8, b'"', b'{', b'}', b'[', b']', b',', b'\\', 0xff][rng.below(9)];
            }
            2 => v.truncate(at),
            3 if len > 0 => {
                let end = (at + 1 + rng.below(64)).min(len);
                v.drain(at.min(end)..end);
            }
            4 => {
                let tok = tokens[rng.below(tokens.len())].as_bytes();
                v.splice(at..at, tok.iter().copied());
            }
            5 => {
                // Splice: our head, another seed's tail.
                let other = others[rng.below(others.len())];
                let from = rng.below(other.len() + 1);
                v.truncate(at);
                v.extend_from_slice(&other[from..]);
            }
            6 if len > 0 => {
                // Repeat a chunk (deep nesting, long runs).
                let end = (at + 1 + rng.below(32)).min(len);
                let chunk = v[at.min(end)..end].to_vec();
                for _ in 0..1 + rng.below(40) {
                    v.splice(at..at, chunk.iter().copied());
                }
            }
            _ => {
                let tok = tokens[rng.below(tokens.len())].as_bytes();
                v.extend_from_slice(tok);
            }
        }
    }
    v
}

/// Runs `f` on `input`; a panic saves the input and fails with where to find it.
fn must_not_panic<R>(target: &str, label: &str, input: &[u8], f: impl FnOnce(&[u8]) -> R) -> R {
    match catch_unwind(AssertUnwindSafe(|| f(input))) {
        Ok(r) => r,
        Err(_) => {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-failures");
            std::fs::create_dir_all(&dir).expect("failure dir");
            let file: PathBuf = dir.join(format!("{target}-{label}"));
            std::fs::write(&file, input).expect("save failing input");
            panic!(
                "{target}: input {label} panicked; saved to {} (reproduce: cargo fuzz run {target} {})",
                file.display(),
                file.display()
            );
        }
    }
}

fn check_page(label: &str, input: &[u8]) -> Result<PageSummary, String> {
    let r = must_not_panic("pureservice_page", label, input, fuzzing::pureservice_page);
    if let Err(e) = &r {
        assert!(!e.trim().is_empty(), "{label}: empty error");
        assert!(
            e.chars().count() <= MAX_PAGE_ERROR_CHARS,
            "{label}: error of {} chars: {}…",
            e.chars().count(),
            e.chars().take(200).collect::<String>()
        );
    }
    r
}

fn check_config(label: &str, input: &[u8]) -> Option<Result<usize, String>> {
    // As the fuzz target: non-UTF-8 never reaches the parser (the loader refuses it).
    let text = std::str::from_utf8(input).ok()?;
    let r = must_not_panic("config", label, input, |_| fuzzing::config_text(text));
    Some(r.map_err(|e| {
        assert!(!e.errors.is_empty(), "{label}: Err without a problem");
        for p in &e.errors {
            assert!(
                !p.path.trim().is_empty(),
                "{label}: problem without a path: {p}"
            );
            assert!(
                !p.message.trim().is_empty(),
                "{label}: problem without a message: {p}"
            );
        }
        let shown = e.to_string();
        assert!(shown.contains("problem(s) found"), "{label}: {shown}");
        shown
    }))
}

const JSON_TOKENS: &[&str] = &[
    "null",
    "\"\"",
    "-1",
    "0",
    "1e400",
    "18446744073709551616",
    "-0.0",
    "\"12\"",
    "\"/Date(-62135596800000)/\"",
    "\"/Date(253402300799999)/\"",
    "\"/Date(-9223372036854775808)/\"",
    "\"0001-01-01T00:00:00\"",
    "\"9999-12-31T23:59:59.9999999\"",
    "\"+262143-12-31T23:59:59Z\"",
    "\"-262144-01-01T00:00:00Z\"",
    "\"2026-05-06T10:11:12.12345678901234567890+14:00\"",
    "\"modified\":",
    "\"id\":",
    "\"linked\":",
    "\"tickets\":",
    "{\"id\":1}",
    "[",
    "]",
    "{",
    "}",
    "\"<script>",
    "&#x110000;",
    "&amp;",
    "\\u0000",
    "\\ud800",
];

const TOML_TOKENS: &[&str] = &[
    "\n[daemon]\n",
    "\n[[plan]]\n",
    "\n[calendars.x]\n",
    "\n[sla.x]\n",
    " = \"\"\n",
    " = -1\n",
    " = 9223372036854775807\n",
    " = \"0s\"\n",
    " = \"99999999999d\"\n",
    " = \"3wd\"\n",
    " = [\"00:00-24:00\"]\n",
    " = [\"25:00-26:00\"]\n",
    "\"9999-12-31\"",
    "\"0000-01-01\"",
    "1979-05-27T07:32:00Z",
    "inf",
    "nan",
    "\"Europe/Oslo\"",
    "\"Mars/Olympus\"",
    "{ mon = [\"08:00-15:30\"] }",
    "'''",
    "\"\"\"",
    "\\u0000",
    "=",
    ".",
    "#",
];

/// A report line: inputs run, accepted, rejected.
fn tally(target: &str, ok: usize, err: usize) {
    eprintln!(
        "{target}: {} inputs, {ok} accepted, {err} rejected cleanly",
        ok + err
    );
}

#[test]
fn pureservice_page_short_fuzz() {
    let seeds = corpus("pureservice_page");
    let others: Vec<&[u8]> = seeds.iter().map(|(_, b)| b.as_slice()).collect();
    let (mut ok, mut err) = (0, 0);
    for (name, bytes) in &seeds {
        match check_page(name, bytes) {
            Ok(_) => ok += 1,
            Err(_) => err += 1,
        }
    }
    let mut rng = Rng(0x5EED_0009_0004_0001);
    for (name, bytes) in &seeds {
        for i in 0..MUTATIONS_PER_SEED {
            let m = mutate(&mut rng, bytes, &others, JSON_TOKENS);
            match check_page(&format!("{name}-m{i}"), &m) {
                Ok(_) => ok += 1,
                Err(_) => err += 1,
            }
        }
    }
    tally("pureservice_page", ok, err);
    assert!(
        ok > seeds.len() / 2,
        "most seeds and some mutations must parse"
    );
    assert!(err > 0, "mutations must produce rejections too");
}

/// `Retry-After` from any far side: never a panic, never more than the documented cap.
#[test]
fn retry_after_short_fuzz() {
    const TOKENS: &[&str] = &[
        "e", "E", "9", "0", ".", "-", "+", " GMT", "9999", "\n", "inf",
    ];
    let seeds = corpus("retry_after");
    let others: Vec<&[u8]> = seeds.iter().map(|(_, b)| b.as_slice()).collect();
    let cap = slavakt::pureservice::retry::MAX_RETRY_AFTER;
    let (mut ok, mut err) = (0, 0);
    let mut rng = Rng(0x5EED_0017_0001_0001);
    for (name, bytes) in &seeds {
        for i in 0..=MUTATIONS_PER_SEED {
            let input = if i == 0 {
                bytes.clone()
            } else {
                mutate(&mut rng, bytes, &others, TOKENS)
            };
            let label = format!("{name}-m{i}");
            match must_not_panic("retry_after", &label, &input, fuzzing::retry_after) {
                Some(wait) => {
                    assert!(wait <= cap, "{label}: {wait:?}");
                    ok += 1
                }
                None => err += 1,
            }
        }
    }
    tally("retry_after", ok, err);
    assert!(ok > 0 && err > 0);
}

#[test]
fn config_short_fuzz() {
    let mut seeds = corpus("config");
    // The live shipped config too: the corpus copy is a snapshot and may lag behind.
    let live = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/slavakt.toml");
    seeds.push((
        "live-slavakt.toml".into(),
        std::fs::read(live).expect("shipped config"),
    ));
    let others: Vec<&[u8]> = seeds.iter().map(|(_, b)| b.as_slice()).collect();
    let (mut ok, mut err) = (0, 0);
    for (name, bytes) in &seeds {
        match check_config(name, bytes) {
            Some(Ok(_)) => ok += 1,
            Some(Err(_)) => err += 1,
            None => {}
        }
    }
    let mut rng = Rng(0x5EED_0009_0004_0002);
    for (name, bytes) in &seeds {
        for i in 0..MUTATIONS_PER_SEED {
            let m = mutate(&mut rng, bytes, &others, TOML_TOKENS);
            match check_config(&format!("{name}-m{i}"), &m) {
                Some(Ok(_)) => ok += 1,
                Some(Err(_)) => err += 1,
                None => {}
            }
        }
    }
    tally("config", ok, err);
    assert!(
        ok > 0 && err > 0,
        "the corpus must hold valid and broken configs"
    );
}

#[test]
fn shipped_config_is_accepted() {
    // The live shipped config (the corpus holds a snapshot of it) must pass the entry cleanly.
    let shipped = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("config/slavakt.toml"))
        .expect("shipped config");
    match check_config("config/slavakt.toml", &shipped) {
        Some(Ok(rules)) => assert!(rules > 0, "the shipped plan has rules"),
        other => panic!("shipped config rejected: {other:?}"),
    }
}

/// Ticket pages and reference tables exactly as the fake serves them, plain and with odd
/// timestamp forms. Every one must be accepted; with `SLAVAKT_WRITE_FUZZ_SEEDS=1` they are
/// (re)written into the seed corpus as `fake-*.json`.
#[tokio::test]
async fn fake_pages_are_accepted() {
    let t0: DateTime<Utc> = "2026-11-02T08:00:00Z".parse().unwrap();
    let clock = FakeClock::new(t0);
    let fake = FakePureservice::start(FakeOptions::new(Arc::new(clock.clone())))
        .await
        .expect("fake");
    let tickets = [
        (
            "Pasientvarsling nede på Bergmo",
            Some("Kritisk"),
            "Ny",
            101,
            Some(201),
            vec!["Helse og omsorg", "Pasientvarsling"],
            None,
        ),
        (
            "Skriver på rådhuset",
            Some("Lav"),
            "Under arbeid",
            102,
            Some(202),
            vec!["Klient", "Skriver"],
            None,
        ),
        (
            "Tilgang til Gerica",
            Some("Ikke satt"),
            "Venter - sluttbruker",
            103,
            None,
            vec!["Helse og omsorg", "Gerica"],
            None,
        ),
        (
            "Nettverksbrudd Vestnes",
            Some("Høy"),
            "Løst",
            104,
            Some(203),
            vec!["Infrastruktur", "Nettverk"],
            None,
        ),
        (
            "Oppgradering av brannmur",
            Some("Middels"),
            "Ny",
            105,
            Some(201),
            vec!["Infrastruktur"],
            Some(2),
        ),
        ("Uten prioritet", None, "Lukket", 101, None, vec![], None),
    ];
    for (i, (subject, prio, status, user, agent, cats, rt)) in tickets.into_iter().enumerate() {
        let mut custom = BTreeMap::new();
        custom.insert(
            "cf_1".into(),
            json!("<p>Alle <b>alarmer</b> ute &amp; ingen varsling</p>"),
        );
        custom.insert("cf_2".into(), json!(12));
        custom.insert("cf_3".into(), json!(null));
        if rt.is_some() {
            custom.insert("cf_5".into(), json!("2026-11-03T18:00:00+01:00"));
            custom.insert("cf_6".into(), json!("2026-11-03 20:00:00"));
        }
        custom.insert("cf_7".into(), json!("Molde; Aukra"));
        fake.create_ticket(NewTicket {
            subject: subject.into(),
            description: format!("<div>Sak {i}<br/>Ring +4790000{:03}</div>", 200 + i),
            status: Some(status.into()),
            priority: prio.map(str::to_string),
            requester: Some(user),
            assignee: agent,
            categories: cats.into_iter().map(str::to_string).collect(),
            request_type: rt,
            custom,
            created: None,
            modified: Some(t0 + Duration::seconds(i as i64 * 61)),
        })
        .expect("create ticket");
    }

    let http = reqwest::Client::new();
    let base = format!("{}agent/api/", fake.base_url());
    let get = |path: &str, query: &[(&str, &str)]| {
        let req = http
            .get(format!("{base}{path}"))
            .query(query)
            .header("X-Authorization-Key", fake.api_key().expose().to_string())
            .header("Accept", "application/vnd.api+json");
        let path = path.to_string();
        async move {
            let r = req.send().await.expect("request");
            assert!(r.status().is_success(), "{path}: {}", r.status());
            r.bytes().await.expect("body").to_vec()
        }
    };
    let include = "user,user.company,status,priority,assignedagent,category1,category2";
    let sort = "modified asc, id asc";
    let mut pages: Vec<(String, Vec<u8>)> = Vec::new();
    for odd in [false, true] {
        fake.set_odd_timestamps(odd);
        let tag = if odd { "odd" } else { "plain" };
        for start in ["0", "3"] {
            let body = get(
                "ticket/",
                &[
                    ("include", include),
                    ("sort", sort),
                    ("start", start),
                    ("limit", "3"),
                ],
            )
            .await;
            pages.push((format!("fake-tickets-{tag}-{start}.json"), body));
        }
        let all = get("ticket/", &[("include", include), ("sort", sort)]).await;
        pages.push((format!("fake-tickets-{tag}-all.json"), all));
    }
    fake.set_odd_timestamps(false);
    let one = get(
        "ticket/1/",
        &[("include", "user,user.company,status,priority")],
    )
    .await;
    pages.push(("fake-ticket-single.json".into(), one));
    let empty = get("ticket/", &[("filter", "id == -1")]).await;
    pages.push(("fake-tickets-empty.json".into(), empty));
    for path in [
        "status/",
        "priority/",
        "category/",
        "company/",
        "emailaddress/",
        "phonenumber/",
    ] {
        let body = get(path, &[]).await;
        pages.push((format!("fake-{}.json", path.trim_end_matches('/')), body));
    }
    let users = get("user/", &[("include", "company,emailaddress,phonenumbers")]).await;
    pages.push(("fake-user.json".into(), users));

    for (name, body) in &pages {
        let r = check_page(name, body);
        if name.starts_with("fake-ticket") {
            let s = r.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(
                name.contains("empty") || s.tickets > 0,
                "{name}: no tickets"
            );
        }
    }
    if std::env::var("SLAVAKT_WRITE_FUZZ_SEEDS").as_deref() == Ok("1") {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/pureservice_page");
        for (name, body) in &pages {
            std::fs::write(dir.join(name), body).expect("write seed");
        }
    }
}

/// Regressions for what fuzzing found, through the same entry points (details in
/// `docs/FUZZING.md`).
#[test]
fn fuzz_findings_stay_fixed() {
    // 1. A ticket modified before year 1 (or after 9999) made the next cycle's filter
    //    (`modified − overlap`) panic in chrono; now the page is refused as unreadable.
    for ts in [
        "-262143-01-01T00:00:00Z",
        "/Date(-8210298412800000)/",
        "+262142-12-31T23:59:59Z",
    ] {
        let page = format!(r#"{{"tickets":[{{"id":1,"modified":"{ts}"}}]}}"#);
        let e = check_page(ts, page.as_bytes()).unwrap_err();
        assert!(e.contains("unreadable timestamp"), "{ts}: {e}");
    }
    // 2. A decoder message quoted the offending value whole (megabytes into the log).
    let long = "x".repeat(1 << 18);
    let page = format!(r#"{{"tickets":[{{"id":1,"links":"{long}"}}]}}"#);
    check_page("long-links", page.as_bytes()).unwrap_err();
    // 3. A huge duration in the config panicked (`TimeDelta::seconds out of bounds`).
    for d in ["99999999999999999s", "9999999999999wd", "36526d"] {
        let text = format!("[daemon]\nshutdown_grace = \"{d}\"\n");
        let e = check_config(d, text.as_bytes()).unwrap().unwrap_err();
        assert!(e.contains("daemon.shutdown_grace"), "{d}: {e}");
    }
    // 4. Descriptions full of '<', '&' or `<script>` blocks took quadratic time to map.
    let body = serde_json::json!({"tickets": [{
        "id": 1,
        "modified": "2026-11-02T08:00:00Z",
        "description": format!("{}{}{}", "<".repeat(1 << 18), "&".repeat(1 << 18), "<script>x</script>".repeat(1 << 14)),
    }]});
    let s = check_page("hostile-html", body.to_string().as_bytes()).unwrap();
    assert_eq!(s.tickets, 1);
    // 5. An id too large for a JSON number to hold exactly was clamped to u64::MAX (two
    //    different far-side ids became one ticket); now the page is refused.
    let page = br#"{"tickets":[{"id":1e30,"modified":"2026-11-02T08:00:00Z"}]}"#;
    check_page("huge-id", page).unwrap_err();
    // 6. `Retry-After: 1e20` panicked in `Duration::from_secs_f64` (a crash loop): now capped.
    for v in ["1e20", "99999999999999999999", "10000000000000"] {
        assert_eq!(
            fuzzing::retry_after(v.as_bytes()),
            Some(slavakt::pureservice::retry::MAX_RETRY_AFTER),
            "{v}"
        );
    }
}

/// Found reviewing what the config target can reach: a `*_file` secret was read whole, so a
/// path at an endless device or a huge file meant an unbounded read. Now it is capped at 64 KiB
/// and reported; a normal secret file still works.
#[test]
fn secret_files_are_read_with_a_bound() {
    let shipped =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config/slavakt.toml"))
            .expect("shipped config");
    assert!(shipped.contains("api_key = \"CHANGE-ME\""));
    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("big");
    std::fs::write(&big, "k".repeat(65 * 1024)).expect("big file");
    let ok = dir.path().join("key");
    std::fs::write(&ok, "fake-pureservice-key-0001\n").expect("key file");
    let cases = [
        ("/dev/zero".to_string(), Some("larger than 64 KiB")),
        (big.display().to_string(), Some("larger than 64 KiB")),
        (ok.display().to_string(), None),
    ];
    for (file, want) in cases {
        let text = shipped.replace(
            "api_key = \"CHANGE-ME\"",
            &format!("api_key_file = {file:?}"),
        );
        match (fuzzing::config_text(&text), want) {
            (Err(e), Some(msg)) => {
                let shown = e.to_string();
                assert!(
                    shown.contains("pureservice.api_key_file") && shown.contains(msg),
                    "{file}: {shown}"
                );
            }
            (Ok(_), None) => {}
            (other, _) => panic!("{file}: {:?}", other.map_err(|e| e.to_string())),
        }
    }
}
