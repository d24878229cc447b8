//! Fixture-driven cases: every file in tests/fixtures/valid is generated in both formats and
//! inspected (as text and as JSON); every file in tests/fixtures/invalid must be rejected with
//! nothing written. Each run is snapshotted (exit code, output, every written file), beside the
//! fixture's own description.
//!
//! One fixture alone: `INSTA_GLOB_FILTER=valid/hostile-strings.json cargo test fixtures`.
//! A failing fixture does not stop the others: every failure is listed at the end.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::Path;

use serde_json::Value;

use crate::support::{self, arm_unescape, files_under, lay_out, ps_quote, run_in, snapshot, Run};

/// Every fixture's key material carries this marker; no output may.
pub const LEAK_MARKER: &str = "MUST-NOT-LEAK";

/// Run `case` for each fixture the glob matches, with its description bound to every snapshot it
/// takes. Snapshot mismatches are collected by `insta::glob!`; a panic in one fixture is caught so
/// the rest still run, and the test fails at the end naming each fixture that panicked.
fn each_fixture(pattern: &str, case: fn(&str, &Value)) {
    let mut panicked = Vec::new();
    let snapshots = catch_unwind(AssertUnwindSafe(|| {
        insta::glob!("fixtures", pattern, |path: &Path| {
            let outcome = catch_unwind(|| {
                let (name, fx) = support::load_fixture(path);
                let description = fx["description"]
                    .as_str()
                    .expect("every fixture says what it shows in `description`")
                    .to_owned();
                insta::with_settings!({ description => description }, {
                    case(&name, &fx);
                });
            });
            if outcome.is_err() {
                let shown = path
                    .strip_prefix(env!("CARGO_MANIFEST_DIR"))
                    .unwrap_or(path);
                panicked.push(shown.display().to_string());
            }
        });
    }));
    match (panicked.is_empty(), snapshots) {
        (true, Ok(())) => {}
        (true, Err(mismatches)) => resume_unwind(mismatches),
        (false, snapshots) => panic!(
            "{} fixture(s) failed (their messages are above){}:\n  {}",
            panicked.len(),
            if snapshots.is_err() {
                ", and snapshots differ"
            } else {
                ""
            },
            panicked.join("\n  ")
        ),
    }
}

fn expected_exit(fx: &Value, format: &str) -> i32 {
    fx.get("expect_exit")
        .and_then(|e| e.get(format))
        .and_then(Value::as_i64)
        .unwrap_or(0) as i32
}

/// Generate into `out-<format>`, and also to stdout: the two must agree, and a second run must
/// give the same bytes.
fn generate(name: &str, fx: &Value, format: &str) -> (Run, Vec<(String, String)>) {
    let laid = lay_out(fx);
    let out_dir = format!("out-{format}");
    let run = run_in(
        laid.path(),
        &laid.args(&["generate", "--format", format, "--out", &out_dir]),
    );
    let files: Vec<(String, String)> = files_under(&laid.path().join(&out_dir))
        .into_iter()
        .map(|(p, t)| {
            let rel = p.strip_prefix(laid.path()).expect("under");
            (rel.display().to_string(), t)
        })
        .collect();
    assert_eq!(
        run.code,
        expected_exit(fx, format),
        "{name} {format}: {}",
        run.stderr
    );
    if run.code != 0 {
        assert!(
            files.is_empty(),
            "{name} {format}: a failed run wrote {files:?}"
        );
        return (run, files);
    }
    let to_stdout = run_in(laid.path(), &laid.args(&["generate", "--format", format]));
    assert_eq!(to_stdout.code, 0);
    assert_eq!(
        Some(&to_stdout.stdout),
        files.first().map(|f| &f.1),
        "{name}: stdout differs from the main file"
    );
    let again = run_in(
        laid.path(),
        &laid.args(&["generate", "--format", format, "--out", "again"]),
    );
    let again_files: Vec<String> = files_under(&laid.path().join("again"))
        .into_iter()
        .map(|f| f.1)
        .collect();
    assert_eq!(again.code, 0);
    assert_eq!(
        again_files,
        files.iter().map(|f| f.1.clone()).collect::<Vec<_>>(),
        "{name}: not deterministic"
    );
    let check = run_in(
        laid.path(),
        &laid.args(&["generate", "--format", format, "--out", &out_dir, "--check"]),
    );
    assert_eq!(
        check.code, 0,
        "{name}: --check finds its own output stale: {}",
        check.stdout
    );
    (run, files)
}

/// With `RESTORE_DEPLOY_EXPORT` set, every generated file is also copied to
/// `$RESTORE_DEPLOY_EXPORT/<fixture>/`, for the scanners `.ci/run` runs outside cargo (Checkov).
fn export(name: &str, files: &[(String, String)]) {
    let Some(root) = std::env::var_os("RESTORE_DEPLOY_EXPORT") else {
        return;
    };
    let dir = Path::new(&root).join(name);
    std::fs::create_dir_all(&dir).expect("export dir");
    for (path, text) in files {
        let file = Path::new(path).file_name().expect("file name");
        std::fs::write(dir.join(file), text).expect("export");
    }
}

fn transcript(run: &Run, files: &[(String, String)]) -> String {
    let mut s = run.header();
    s.push_str("--- stderr\n");
    s.push_str(&run.stderr);
    for (path, text) in files {
        s.push_str(&format!("--- {path}\n{text}"));
    }
    s
}

fn valid_case(name: &str, fx: &Value) {
    for format in ["arm", "powershell"] {
        let (run, files) = generate(name, fx, format);
        for (path, text) in &files {
            if path.ends_with(".json") {
                let v: Value = serde_json::from_str(text)
                    .unwrap_or_else(|e| panic!("{name}: {path} is not JSON: {e}"));
                assert!(v.is_object());
            }
            assert!(
                !text.contains(LEAK_MARKER),
                "{name}: key material in {path}"
            );
        }
        assert!(
            !run.stderr.contains(LEAK_MARKER) && !run.stdout.contains(LEAK_MARKER),
            "{name}: key material printed"
        );
        export(name, &files);
        snapshot(
            &format!("valid__{name}__{format}"),
            &transcript(&run, &files),
        );
    }
    let laid = lay_out(fx);
    let inspect = run_in(laid.path(), &laid.args(&["inspect"]));
    assert_eq!(inspect.code, 0, "{name}: {}", inspect.stderr);
    let json = run_in(laid.path(), &laid.args(&["inspect", "--json"]));
    assert_eq!(json.code, 0, "{name}: {}", json.stderr);
    let doc: Value = serde_json::from_str(&json.stdout).expect("inspect --json is JSON");
    crate::inspect_json::assert_document(&doc, "inspection");
    for out in [&inspect.stdout, &inspect.stderr, &json.stdout, &json.stderr] {
        assert!(
            !out.contains(LEAK_MARKER),
            "{name}: key material in inspect"
        );
    }
    snapshot(
        &format!("valid__{name}__inspect"),
        &format!("{}--- stdout\n{}", inspect.header(), inspect.stdout),
    );
    // The JSON is a contract for scripts that read it: any change to it is reviewed here.
    snapshot(
        &format!("valid__{name}__inspect-json"),
        &format!(
            "{}--- stdout\n{}--- stderr\n{}",
            json.header(),
            json.stdout,
            json.stderr
        ),
    );
}

#[test]
fn valid_fixtures_generate_both_formats_and_inspect() {
    assert!(
        support::fixtures("valid").len() >= 20,
        "the case matrix is missing"
    );
    each_fixture("valid/*.json", valid_case);
}

fn invalid_case(name: &str, fx: &Value) {
    let laid = lay_out(fx);
    let cmd: &[&str] = match fx.get("command").and_then(Value::as_str) {
        Some("check") => &["check"],
        _ => &["generate", "--format", "arm", "--out", "out"],
    };
    let run = run_in(laid.path(), &laid.args(cmd));
    let expected = fx.get("expect_exit").and_then(Value::as_i64).unwrap_or(1) as i32;
    assert_eq!(run.code, expected, "{name}: {}", run.stderr);
    assert!(
        run.stderr.contains("error["),
        "{name}: no error code: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("help: "),
        "{name}: no next step: {}",
        run.stderr
    );
    assert!(!laid.path().join("out").exists(), "{name}: wrote output");
    assert!(
        !run.stderr.contains(LEAK_MARKER),
        "{name}: key material printed"
    );
    snapshot(
        &format!("invalid__{name}"),
        &format!(
            "{}--- stdout\n{}--- stderr\n{}",
            run.header(),
            run.stdout,
            run.stderr
        ),
    );
}

#[test]
fn invalid_fixtures_are_rejected_and_write_nothing() {
    assert!(support::fixtures("invalid").len() >= 10);
    each_fixture("invalid/*.json", invalid_case);
}

/// Every hostile value in the hostile fixture reaches each output as a literal, byte for byte.
#[test]
fn hostile_strings_round_trip_exactly() {
    let fx = support::fixture("valid", "hostile-strings");
    let tags = fx["config"]["tags"].as_object().expect("tags").clone();
    // The new VM's name (`--vm-name`): Azure's VM name rule holds for it, so it is no probe.
    let args: Vec<&str> = fx["args"]
        .as_array()
        .expect("args")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let at = args
        .iter()
        .position(|a| *a == "--vm-name")
        .expect("--vm-name");
    let vm_name = args[at + 1].to_owned();
    let disk_name = fx["config"]["properties.storageProfile"]["dataDisks"][0]["name"]
        .as_str()
        .expect("disk")
        .to_owned();

    let (_, files) = generate("hostile-strings", &fx, "arm");
    let template: Value = serde_json::from_str(&files[0].1).expect("json");
    let params: Value = serde_json::from_str(&files[1].1).expect("json");
    let vm = template["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["type"] == "Microsoft.Compute/virtualMachines")
        .expect("vm");
    for (k, v) in &tags {
        let got = vm["tags"][k]
            .as_str()
            .unwrap_or_else(|| panic!("tag {k} missing"));
        assert_eq!(arm_unescape(got), v.as_str().expect("str"), "tag {k}");
    }
    assert_eq!(
        arm_unescape(
            template["parameters"]["virtualMachineName"]["defaultValue"]
                .as_str()
                .expect("s")
        ),
        vm_name
    );
    assert_eq!(
        params["parameters"]["virtualMachineName"]["value"],
        Value::String(vm_name.clone())
    );
    assert_eq!(params["parameters"]["subnet"]["value"], "[subnet]");
    // An input value that looks like an ARM expression is escaped wherever ARM would evaluate it.
    assert_eq!(vm["tags"]["tag8"], "[[concat('pwn')]");

    let (_, files) = generate("hostile-strings", &fx, "powershell");
    let script = &files[0].1;
    for (k, v) in &tags {
        let line = format!(
            "    {} = {}",
            ps_quote(k),
            ps_quote(v.as_str().expect("str"))
        );
        assert!(script.contains(&line), "tag {k} is not a literal: {line}");
    }
    assert!(script.contains(&format!("[string] $VMName = {}", ps_quote(&vm_name))));
    assert!(script.contains(&format!("-Name {}", ps_quote(&disk_name))));
    assert!(script.contains(&format!(
        "[string] $VirtualNetworkName = {}",
        ps_quote("vnet '$(x)'")
    )));
}
