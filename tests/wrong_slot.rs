//! The wrong file in a slot gets one `WrongInputKind` error that names what the file is and the
//! flag it belongs to, never the cascade the slot's own checks would give (a job read as a config
//! "names no VM: pass --vm-name").
//!
//! Every file here is a real shape:
//! - the job: `tests/data/recorded/job-restore-disks-msi.json`, a real `Recover disks` job
//!   resource (Azure PowerShell's recorded GET, see PROVENANCE.md), as `az backup job show` prints it;
//! - the job list: that job and `job-replace-disks.json` (also recorded) in a JSON array, which
//!   is what `az backup job list` prints (the `value` of the REST list); and the recorded REST
//!   list `list-backup-jobs-timefilter.json` itself (`{"value": [...]}` of six backup jobs);
//! - the config blob and Azure Backup's template: the `real-shape-managed-windows` fixture, a
//!   look-alike of the only complete real managed restore found (aollivierre/Azure @8633274c,
//!   azure-facts.md S19), in the blob's own encoding (UTF-16LE, CRLF, NUL-padded);
//! - the encryption-info blob: the `managed-bek-noaad-windows` fixture's, with the field names
//!   the Azure Backup docs' PowerShell reads (`OsDiskKeyAndSecretDetails.SecretUrl`, …);
//! - YAML and TSV: the recorded job rendered as `az … -o yaml` and `az … -o tsv` render a job
//!   (az's YAML is a block-style dump of the same object; its TSV prints an object's scalar
//!   fields tab-separated on one line and leaves nested objects out).

use serde_json::Value;

use crate::support::{self, run_in, Run};

const JOB: &str = include_str!("data/recorded/job-restore-disks-msi.json");
const OTHER_JOB: &str = include_str!("data/recorded/job-replace-disks.json");
const BACKUP_JOB_LIST: &str = include_str!("data/recorded/list-backup-jobs-timefilter.json");

/// A file of one kind: its name, bytes, and the flag (or hint) the error must point to.
struct File {
    name: &'static str,
    bytes: Vec<u8>,
    /// What the message says the file is.
    is: &'static str,
    /// What the help must name.
    belongs: &'static str,
    /// The slot it belongs in, which is not tried.
    own: Option<&'static str>,
}

fn yaml(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let key = if k.ends_with(' ') {
                    format!("'{k}'")
                } else {
                    k.clone()
                };
                match v {
                    Value::Object(_) | Value::Array(_) => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        yaml(v, indent + 2, out);
                    }
                    _ => out.push_str(&format!("{pad}{key}: {}\n", scalar(v))),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(_) | Value::Array(_) => {
                        let mut inner = String::new();
                        yaml(item, indent + 2, &mut inner);
                        out.push_str(&format!("{pad}- {}", inner.trim_start()));
                    }
                    _ => out.push_str(&format!("{pad}- {}\n", scalar(item))),
                }
            }
        }
        _ => out.push_str(&format!("{pad}{}\n", scalar(v))),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) if s.contains(": ") || s.is_empty() => format!("'{s}'"),
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

fn files() -> Vec<File> {
    let job: Value = serde_json::from_str(JOB).expect("recorded job");
    let other: Value = serde_json::from_str(OTHER_JOB).expect("recorded job");
    let real = support::fixture("valid", "real-shape-managed-windows");
    let encoding = real["encoding"].as_str().unwrap_or("utf8");
    let pretty = |v: &Value| serde_json::to_string_pretty(v).expect("json");
    let info = support::fixture("valid", "managed-bek-noaad-windows")["encryption_info"].clone();
    let mut as_yaml = String::new();
    yaml(&job, 0, &mut as_yaml);
    let tsv = ["id", "name", "type"]
        .iter()
        .map(|k| job[k].as_str().expect("scalar"))
        .collect::<Vec<_>>()
        .join("\t")
        + "\n";
    vec![
        File {
            name: "job.json",
            bytes: JOB.as_bytes().to_vec(),
            is: "is the restore job's details",
            belongs: "pass it with `--job`",
            own: Some("--job"),
        },
        File {
            name: "config.json",
            bytes: support::encode(&pretty(&real["config"]), encoding),
            is: "is a config blob",
            belongs: "pass it with `--config`",
            own: Some("--config"),
        },
        File {
            name: "encryption-info.json",
            bytes: pretty(&info).into_bytes(),
            is: "is the encryption-info blob",
            belongs: "pass it with `--encryption-info`",
            own: Some("--encryption-info"),
        },
        File {
            name: "azuredeploy1fc2d55d.json",
            bytes: pretty(&real["template"]).into_bytes(),
            is: "is an ARM template, such as Azure Backup's own",
            belongs: "pass Backup's template with `--template`",
            own: Some("--template"),
        },
        File {
            name: "jobs.json",
            bytes: pretty(&Value::Array(vec![job.clone(), other])).into_bytes(),
            is: "is a list of 2 jobs (`az backup job list`)",
            belongs: "`--jobs`",
            own: None,
        },
        File {
            name: "rest-list.json",
            bytes: BACKUP_JOB_LIST.as_bytes().to_vec(),
            is: "is a list of 6 jobs",
            belongs: "`az backup job show -g <group> -v <vault> -n <job id>`",
            own: None,
        },
        File {
            name: "job.yaml",
            bytes: as_yaml.into_bytes(),
            is: "`az` output in YAML, not JSON",
            belongs: "`-o json`",
            own: None,
        },
        File {
            name: "job.tsv",
            bytes: tsv.into_bytes(),
            is: "`az` output in TSV, not JSON",
            belongs: "`-o json`",
            own: None,
        },
    ]
}

/// `inspect` with `file` as `slot`; the other slots hold the right real files where the command
/// needs one (a config for the blob slots).
fn run(dir: &std::path::Path, file: &File, slot: &str) -> Run {
    std::fs::write(dir.join(file.name), &file.bytes).expect("write");
    let mut args: Vec<String> = vec!["inspect".into(), slot.into(), file.name.into()];
    if matches!(slot, "--encryption-info" | "--template") {
        args.extend(["--config".into(), "right-config.json".into()]);
    }
    run_in(dir, &args)
}

#[test]
fn every_file_in_every_wrong_slot_gets_one_error_naming_its_flag() {
    let dir = tempfile::tempdir().expect("tmp");
    let right = files()
        .into_iter()
        .find(|f| f.name == "config.json")
        .expect("config");
    std::fs::write(dir.path().join("right-config.json"), &right.bytes).expect("write");
    let mut tried = 0;
    for file in files() {
        for slot in ["--config", "--job", "--encryption-info", "--template"] {
            if file.own == Some(slot) {
                continue;
            }
            let r = run(dir.path(), &file, slot);
            let what = format!("{} as {slot}", file.name);
            assert_eq!(r.code, 1, "{what}: {}", r.stderr);
            assert_eq!(
                r.stderr.matches("error[").count(),
                1,
                "{what}: {}",
                r.stderr
            );
            assert!(
                r.stderr.contains("error[WrongInputKind]"),
                "{what}: {}",
                r.stderr
            );
            assert!(r.stderr.contains(file.is), "{what}: {}", r.stderr);
            assert!(r.stderr.contains(file.belongs), "{what}: {}", r.stderr);
            assert!(
                r.stderr.contains(&format!("--> {}", file.name)),
                "{what}: {}",
                r.stderr
            );
            assert!(!r.stderr.contains("--vm-name"), "{what}: {}", r.stderr);
            tried += 1;
        }
    }
    assert_eq!(tried, 4 * 3 + 4 * 4);
}

/// Each real file in its own slot is not mistaken for another kind.
#[test]
fn every_file_in_its_own_slot_is_not_refused_as_another_kind() {
    let dir = tempfile::tempdir().expect("tmp");
    let right = files()
        .into_iter()
        .find(|f| f.name == "config.json")
        .expect("config");
    std::fs::write(dir.path().join("right-config.json"), &right.bytes).expect("write");
    for file in files() {
        let Some(slot) = file.own else { continue };
        let r = run(dir.path(), &file, slot);
        assert!(
            !r.stderr.contains("WrongInputKind"),
            "{} as {slot}: {}",
            file.name,
            r.stderr
        );
    }
}

/// Text that is neither JSON nor `az` output keeps its own error: an HTML error page, a
/// truncated download.
#[test]
fn other_broken_files_keep_their_own_error() {
    let dir = tempfile::tempdir().expect("tmp");
    for (name, text, code) in [
        (
            "page.json",
            "<html><body>403 Forbidden</body></html>",
            "InvalidJson",
        ),
        ("cut.json", &JOB[..JOB.len() / 2], "InvalidJson"),
        (
            "prose.json",
            "this is not the file you are looking for\n",
            "InvalidJson",
        ),
    ] {
        std::fs::write(dir.path().join(name), text).expect("write");
        let r = run_in(dir.path(), &["inspect".into(), "--job".into(), name.into()]);
        assert!(
            r.stderr.contains(&format!("error[{code}]")),
            "{name}: {}",
            r.stderr
        );
    }
}

/// "the restore job's details are", not "is" (newcomer row 38).
#[test]
fn a_broken_job_reads_as_english() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("cut.json"), &JOB[..JOB.len() / 2]).expect("write");
    let r = run_in(
        dir.path(),
        &["inspect".into(), "--job".into(), "cut.json".into()],
    );
    assert!(
        r.stderr
            .contains("the restore job's details are not valid JSON"),
        "{}",
        r.stderr
    );
}
