//! `inspect --json` is a public contract: `schemas/inspect.schema.json` (shipped, documented in
//! README) describes every document `inspect --json` prints, success or failure, and every
//! `--jobs --json` line. Every valid fixture's inspection is validated in `cases.rs`, the batch
//! lines in `batch.rs`; here the invalid fixtures' failures, the schema's own strictness (it
//! rejects the old shape and wrong documents, so the check can fail), and its error codes
//! against the code table.

use std::sync::LazyLock;

use jsonschema::Validator;
use serde_json::{json, Value};

use crate::support::{self, lay_out, run_in};

fn schema() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/inspect.schema.json");
    let text = std::fs::read_to_string(&path).expect("the schema is shipped in schemas/");
    serde_json::from_str(&text).expect("the schema is JSON")
}

/// The schema with its root replaced by one of its definitions (offline: it has no remote `$ref`).
fn validator(def: &str) -> Validator {
    let mut s = schema();
    let root = s.as_object_mut().expect("object");
    root.remove("oneOf");
    root.insert("$ref".into(), json!(format!("#/$defs/{def}")));
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&s)
        .expect("the schema compiles")
}

static WHOLE: LazyLock<Validator> =
    LazyLock::new(|| jsonschema::draft202012::new(&schema()).expect("the schema compiles"));
static INSPECTION: LazyLock<Validator> = LazyLock::new(|| validator("inspection"));
static FAILURE: LazyLock<Validator> = LazyLock::new(|| validator("failure"));
static JOB_LINE: LazyLock<Validator> = LazyLock::new(|| validator("jobLine"));

fn verdict(v: &Validator, doc: &Value) -> Result<(), String> {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

/// `doc` is a valid document of kind `inspection` or `failure`, and of the schema as a whole.
pub fn assert_document(doc: &Value, kind: &str) {
    let v = match kind {
        "inspection" => &*INSPECTION,
        "failure" => &*FAILURE,
        other => panic!("no document kind {other}"),
    };
    if let Err(e) = verdict(v, doc).and_then(|()| verdict(&WHOLE, doc)) {
        panic!("not a valid {kind}: {e}\n{doc:#}");
    }
}

pub fn assert_job_line(line: &Value) {
    if let Err(e) = verdict(&JOB_LINE, line) {
        panic!("not a valid jobLine: {e}\n{line}");
    }
}

/// Every invalid fixture inspected with `--json`: standard output is one JSON document, a
/// failure carries on stdout exactly the codes stderr shows, and the exit status is unchanged.
#[test]
fn a_failed_inspection_prints_its_errors_as_json() {
    let mut failures = 0;
    let mut with_found = 0;
    for (name, fx) in support::fixtures("invalid") {
        let laid = lay_out(&fx);
        let text = run_in(laid.path(), &laid.args(&["inspect"]));
        let json = run_in(laid.path(), &laid.args(&["inspect", "--json"]));
        assert_eq!(
            json.code, text.code,
            "{name}: --json changed the exit status"
        );
        assert_eq!(json.stderr, text.stderr, "{name}: --json changed stderr");
        let doc: Value = serde_json::from_str(&json.stdout)
            .unwrap_or_else(|e| panic!("{name}: stdout is not one JSON document: {e}"));
        if json.code == 0 {
            // Rejected only by `generate --format arm` or `check`: inspect shows the restore.
            assert_document(&doc, "inspection");
            continue;
        }
        failures += 1;
        assert_document(&doc, "failure");
        // Inputs that were read carry what they gave (newcomer row 5); a fact is present or
        // named missing, never both.
        if let Some(found) = doc.get("found") {
            with_found += 1;
            for key in found["missing"].as_array().expect("missing") {
                let key = key.as_str().expect("a key");
                assert!(
                    found.get(key).is_none(),
                    "{name}: {key} both found and missing"
                );
            }
            assert_eq!(
                found["encrypted"].as_bool(),
                Some(
                    !found["encryptionEvidence"]
                        .as_array()
                        .expect("evidence")
                        .is_empty()
                ),
                "{name}"
            );
        }
        let on_stdout: Vec<&str> = doc["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["code"].as_str().expect("code"))
            .collect();
        let on_stderr: Vec<&str> = json
            .stderr
            .match_indices("error[")
            .filter_map(|(i, _)| json.stderr[i + 6..].split(']').next())
            .collect();
        assert_eq!(on_stdout, on_stderr, "{name}");
    }
    assert!(
        failures >= 20,
        "only {failures} invalid fixtures fail inspect"
    );
    assert!(
        with_found >= 10,
        "only {with_found} failures say what they found"
    );
}

/// `causes` (stderr's `caused by:` lines) and `found` are optional members added under
/// schemaVersion 1: a failure without them (as printed before) still fits, an unknown member
/// of `found` or a missing-fact name it does not know does not.
#[test]
fn the_failures_optional_members_are_strict_but_optional() {
    let error = json!({"code": "InvalidLun", "message": "m", "source": null, "location": null, "help": "h"});
    let mut doc = json!({"schemaVersion": 1, "errors": [error.clone()]});
    assert_document(&doc, "failure");
    doc["errors"][0]["causes"] = json!(["Connection refused"]);
    doc["found"] = json!({"osType": "Windows", "dataDisks": 0, "missing": ["location"], "encrypted": false, "encryptionEvidence": []});
    assert_document(&doc, "failure");
    for (what, bad) in [
        (
            "an unknown fact",
            json!({"dataDisks": 0, "missing": [], "encrypted": false, "encryptionEvidence": [], "colour": "red"}),
        ),
        (
            "an unknown missing name",
            json!({"dataDisks": 0, "missing": ["colour"], "encrypted": false, "encryptionEvidence": []}),
        ),
        (
            "null for absent",
            json!({"location": null, "dataDisks": 0, "missing": ["location"], "encrypted": false, "encryptionEvidence": []}),
        ),
    ] {
        let mut d = doc.clone();
        d["found"] = bad;
        assert!(verdict(&FAILURE, &d).is_err(), "the schema accepts {what}");
    }
}

/// A failure before any job is read (a `--jobs` folder with no job in it) is still one JSON line,
/// with the exit status of the text mode; a job file that is missing is a job line of its own.
#[test]
fn a_batch_that_cannot_start_prints_one_failure_line() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir(dir.path().join("empty")).expect("mkdir");
    for cmd in [
        &["inspect", "--json", "--jobs", "empty"][..],
        &[
            "generate", "--format", "arm", "--out", "o", "--json", "--jobs", "empty",
        ],
    ] {
        let r = run_in(dir.path(), &support::args(cmd));
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
        let doc: Value = serde_json::from_str(&r.stdout).expect("one JSON object");
        assert_document(&doc, "failure");
        assert!(r.stderr.contains("error[Usage]"), "{}", r.stderr);
    }
    let r = run_in(
        dir.path(),
        &support::args(&["inspect", "--json", "--jobs", "missing.json"]),
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    let line: Value = serde_json::from_str(&r.stdout).expect("one JSON line");
    assert_job_line(&line);
    assert_eq!(line["errors"][0]["code"], "FileSystem");
}

/// A way to spoil a good document.
type Breaker = fn(&mut Value);

fn sample() -> Value {
    let fx = support::fixture("valid", "managed-bek-kek-aad-windows");
    let laid = lay_out(&fx);
    let r = run_in(laid.path(), &laid.args(&["inspect", "--json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).expect("json")
}

/// The schema is strict enough to fail: the internal model's shape, a misspelt or unknown
/// member, a `null` for an absent value and an impossible encryption are all refused.
#[test]
fn the_schema_rejects_wrong_documents() {
    let good = sample();
    assert_document(&good, "inspection");
    let wrong: [(&str, Breaker); 9] = [
        ("no schemaVersion", |v| {
            v.as_object_mut().map(|o| o.remove("schemaVersion"));
        }),
        ("schemaVersion 2", |v| v["schemaVersion"] = json!(2)),
        ("a Rust enum tag", |v| {
            v["restore"]["encryption"] = json!({"Ade": v["restore"]["encryption"].clone()})
        }),
        ("snake_case", |v| {
            let r = v["restore"].as_object_mut().expect("restore");
            let size = r.remove("vmSize").expect("vmSize");
            r.insert("vm_size".into(), size);
        }),
        ("tags as pairs", |v| {
            v["restore"]["tags"] = json!([["env", "prod"]])
        }),
        ("null for absent", |v| v["restore"]["plan"] = Value::Null),
        ("prose provenance", |v| {
            v["restore"]["vmSize"]["decidedBy"] = json!("config config.json at $.x")
        }),
        ("an ADE case without a vault", |v| {
            let e = v["restore"]["encryption"].as_object_mut().expect("enc");
            e.remove("keyVaultId");
        }),
        ("a disk with both sources", |v| {
            v["restore"]["disks"]["osDisk"]["vhd"] = json!({"uri": "https://a/b/c.vhd"})
        }),
    ];
    for (what, break_it) in wrong {
        let mut doc = good.clone();
        break_it(&mut doc);
        assert!(
            verdict(&INSPECTION, &doc).is_err() && verdict(&WHOLE, &doc).is_err(),
            "the schema accepts {what}"
        );
    }
    let mut none = good.clone();
    none["restore"]["encryption"]["kind"] = json!("none");
    assert!(
        verdict(&INSPECTION, &none).is_err(),
        "kind none with key references"
    );
    assert!(verdict(&FAILURE, &json!({"schemaVersion": 1, "errors": []})).is_err());
    assert!(verdict(
        &FAILURE,
        &json!({"schemaVersion": 1, "errors": [
        {"code": "NoSuchCode", "message": "m", "source": null, "location": null, "help": "h"}]})
    )
    .is_err());
}

/// The schema lists exactly the codes of the error table, in its order.
#[test]
fn the_schema_names_every_error_code() {
    let s = schema();
    let listed: Vec<&str> = s["$defs"]["errorCode"]["enum"]
        .as_array()
        .expect("enum")
        .iter()
        .map(|c| c.as_str().expect("string"))
        .collect();
    let table: Vec<&str> = restore_deploy::error::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(listed, table);
}
