//! `lockscope convert` end to end: every encoding and compression reads
//! back, it never writes over its own input, a trace with no events
//! converts to a file lockscope reads back, and an STD trace means the same
//! after conversion.

mod common;

use std::path::Path;

use common::{data, json_of, lockscope, tiny_jsonl, workdir};

fn info_events(path: &Path) -> u64 {
    let out = lockscope()
        .args(["info", "--json"])
        .arg(path)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    json_of(&out)[0]["events"].as_u64().unwrap()
}

#[test]
fn every_encoding_and_compression_reads_back() {
    let dir = workdir();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, tiny_jsonl("acquired")).unwrap();
    let want = info_events(&input);
    assert!(want > 0);
    for name in [
        "a.lsb",
        "a.lsb.zst",
        "a.lsb.gz",
        "a.jsonl.zst",
        "a.json.gz",
        "a.std",
    ] {
        let out = dir.path().join(name);
        lockscope()
            .args(["convert", "-q"])
            .arg(&input)
            .arg(&out)
            .assert()
            .code(0);
        assert_eq!(info_events(&out), want, "{name}");
    }
    let out = lockscope()
        .args(["info", "--json"])
        .arg(dir.path().join("a.lsb.zst"))
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert_eq!(json_of(&out)[0]["format"], "binary");
}

#[test]
fn convert_refuses_to_overwrite_its_input_by_any_path() {
    let dir = workdir();
    let input = dir.path().join("t.jsonl");
    let text = tiny_jsonl("acquired");
    std::fs::write(&input, &text).unwrap();
    let hard = dir.path().join("hard.jsonl");
    std::fs::hard_link(&input, &hard).unwrap();
    let mut outputs = vec![input.clone(), hard];
    #[cfg(unix)]
    {
        let soft = dir.path().join("soft.jsonl");
        std::os::unix::fs::symlink(&input, &soft).unwrap();
        outputs.push(soft);
    }
    for out in outputs {
        let err = lockscope()
            .arg("convert")
            .arg(&input)
            .arg(&out)
            .assert()
            .code(2)
            .get_output()
            .stderr
            .clone();
        let err = String::from_utf8(err).unwrap();
        assert!(err.contains("this is the input trace"), "{err}");
        assert_eq!(std::fs::read_to_string(&input).unwrap(), text, "untouched");
    }
    // Standard input redirected from the output file.
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("lockscope"))
        .current_dir(dir.path())
        .args(["convert", "-", "t.jsonl"])
        .stdin(std::fs::File::open(&input).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("this is the input trace"), "{err}");
    assert_eq!(std::fs::read_to_string(&input).unwrap(), text, "untouched");
}

#[test]
fn a_trace_without_events_converts_to_a_file_that_reads_back() {
    let dir = workdir();
    let input = dir.path().join("empty.jsonl");
    std::fs::write(
        &input,
        "{\"type\":\"header\",\"format\":\"lockscope-trace\",\"version\":\"1.0\"}\n",
    )
    .unwrap();
    for name in [
        "e.std",
        "e.lsb",
        "e.jsonl",
        "e.json",
        "e.std.gz",
        "e.lsb.zst",
    ] {
        let out = dir.path().join(name);
        lockscope()
            .args(["convert", "-q"])
            .arg(&input)
            .arg(&out)
            .assert()
            .code(0);
        assert_eq!(info_events(&out), 0, "{name}");
        lockscope()
            .args(["analyze", "-q"])
            .arg(&out)
            .assert()
            .code(0);
    }
}

/// The findings of `analyze --format json` as sorted (kind, fingerprint).
fn findings(path: &Path) -> Vec<(String, String)> {
    let out = lockscope()
        .args([
            "analyze",
            "--no-config",
            "--allow",
            "all",
            "--format",
            "json",
        ])
        .arg(path)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let report = json_of(&out);
    let mut found: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_owned(),
                f["fingerprint"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn an_std_trace_means_the_same_after_conversion() {
    let dir = workdir();
    // Traces whose re-entrant Java monitors would read as self-deadlocks if
    // a conversion made them plain mutexes.
    for name in ["Dbcp1.std", "cache4j_dlf.std"] {
        let std_path = Path::new(&data(name)).to_path_buf();
        let want = findings(&std_path);
        for ext in ["jsonl", "lsb", "json"] {
            let out = dir.path().join(format!("{name}.{ext}"));
            lockscope()
                .args(["convert", "-q"])
                .arg(&std_path)
                .arg(&out)
                .assert()
                .code(0);
            assert_eq!(findings(&out), want, "{name} as {ext}");
        }
    }
}
