//! The test suite's own shape: integration tests live in a few area binaries
//! (`tests/<area>/main.rs`), each linking the crate once, over the shared `tests/kit`.
//! A loose `tests/*.rs` would become one more binary; a file in an area folder that its
//! `main.rs` does not declare would silently never run. Both are caught here.

use std::path::Path;

fn rust_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".rs"))
        .collect();
    names.sort();
    names
}

#[test]
fn no_loose_test_binaries() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let loose = rust_files(&tests);
    assert!(
        loose.is_empty(),
        "move these into an area folder (tests/<area>/) and declare them in its main.rs: {loose:?}"
    );
}

#[test]
fn every_file_in_an_area_is_declared_by_its_main() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut areas = 0;
    for entry in std::fs::read_dir(&tests).unwrap() {
        let dir = entry.unwrap().path();
        let main = dir.join("main.rs");
        if !main.is_file() {
            continue;
        }
        areas += 1;
        let text = std::fs::read_to_string(&main).unwrap();
        for file in rust_files(&dir) {
            if file == "main.rs" {
                continue;
            }
            let module = file.trim_end_matches(".rs");
            assert!(
                text.lines().any(|l| l.trim() == format!("mod {module};")),
                "{} is not declared in {} (it would never run)",
                dir.join(&file).display(),
                main.display()
            );
        }
    }
    assert!(
        areas >= 5,
        "expected the area binaries under tests/, found {areas}"
    );
}
