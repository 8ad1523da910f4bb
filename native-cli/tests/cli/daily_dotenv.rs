//! The `.env` parser against the npm `dotenv` package's `parse()` on the
//! corpus in `tests/dotenv/` (fake values only). Every file in `corpus/`
//! must give exactly what the npm package gives; every file in
//! `differences/` is a deliberate difference (docs/migration.md lists them):
//! it must give what `differences/expected.json` says, and the npm package
//! must give something else, so that the list stays true.
//!
//! Needs `npm ci` in `tests/dotenv` (scripts/test.sh does it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use agent_secrets_core::dotenv;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/dotenv")
}

type Values = BTreeMap<String, String>;

fn ours(file: &str) -> Result<Values, Vec<usize>> {
    let bytes = std::fs::read(root().join(file)).expect("fixture");
    dotenv::parse(&bytes)
        .map(|p| {
            p.entries
                .into_iter()
                .map(|e| (e.name, e.value.expose().to_owned()))
                .collect()
        })
        .map_err(|errors| errors.into_iter().map(|e| e.line).collect())
}

fn npm() -> BTreeMap<String, Values> {
    let dir = root();
    assert!(
        dir.join("node_modules/dotenv").is_dir(),
        "run `npm ci` in {} first (scripts/test.sh does)",
        dir.display()
    );
    let out = Command::new("node")
        .arg("parse.mjs")
        .current_dir(&dir)
        .output()
        .expect("node");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn corpus_matches_the_npm_dotenv_package() {
    let npm = npm();
    let corpus: Vec<&String> = npm.keys().filter(|k| k.starts_with("corpus/")).collect();
    assert!(corpus.len() >= 12, "corpus too small: {corpus:?}");
    for file in corpus {
        let mine = ours(file).unwrap_or_else(|lines| panic!("{file}: errors on lines {lines:?}"));
        assert_eq!(&mine, &npm[file], "{file}");
    }
}

#[derive(serde::Deserialize)]
struct Expected {
    #[serde(default)]
    values: Option<Values>,
    #[serde(default)]
    error_lines: Option<Vec<usize>>,
}

#[test]
fn deliberate_differences_are_real_and_as_documented() {
    let npm = npm();
    let expected: BTreeMap<String, Expected> = serde_json::from_slice(
        &std::fs::read(root().join("differences/expected.json")).expect("expected.json"),
    )
    .expect("json");
    let files: Vec<&String> = npm
        .keys()
        .filter(|k| k.starts_with("differences/"))
        .collect();
    assert_eq!(
        files.len(),
        expected.len(),
        "every difference file has an expectation"
    );
    for file in files {
        let want = &expected[file.as_str()];
        match (ours(file), &want.values, &want.error_lines) {
            (Ok(mine), Some(values), None) => {
                assert_eq!(&mine, values, "{file}");
                assert_ne!(&mine, &npm[file], "{file}: no longer differs from npm");
            }
            (Err(lines), None, Some(error_lines)) => {
                assert_eq!(&lines, error_lines, "{file}");
            }
            (got, _, _) => panic!("{file}: unexpected outcome {got:?}"),
        }
    }
}

#[test]
fn the_writer_output_reads_the_same_in_npm_dotenv() {
    // Every value the writer accepts (single quotes, or double quotes
    // without escapes; line feeds as they are): the npm package must read
    // each back unchanged too.
    let values = [
        "plain",
        " padded ",
        "# hash $dollar \"dq\" \\ backslash `tick` $(x) ${Y}",
        "it's",
        "multi\nline it's # not a comment",
        "multi\nline \"both\" \\ \\n $ `\nB=x\n",
        "ends with a backslash \\",
        "ends with a backslash\\\nC=\"y\"",
        "\n",
        "unicode é 🔑",
        "",
    ];
    let names: Vec<String> = (0..values.len()).map(|i| format!("V{i}")).collect();
    let text = dotenv::write(names.iter().map(String::as_str).zip(values)).expect("write");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("w.env");
    std::fs::write(&file, text.as_bytes()).expect("write");
    let script = format!(
        "const d=require('{}');process.stdout.write(JSON.stringify(d.parse(require('fs').readFileSync(process.argv[1]))))",
        root().join("node_modules/dotenv").display()
    );
    let out = Command::new("node")
        .args(["-e", &script])
        .arg(&file)
        .output()
        .expect("node");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: Values = serde_json::from_slice(&out.stdout).expect("json");
    let want: Values = names
        .iter()
        .cloned()
        .zip(values.iter().map(|v| (*v).to_owned()))
        .collect();
    assert_eq!(theirs, want);
}
