//! `generate`, `inspect` and `check` build the same model, so a restore refused by one is refused
//! by all three with the same code: an at-risk restore without its BEK secret URL never exits 0.

use crate::support::{fixture, lay_out, run_in};

#[test]
fn generate_inspect_and_check_refuse_an_at_risk_restore_without_its_secret_url_alike() {
    let fx = fixture("invalid", "at-risk-without-encryption-info");
    let laid = lay_out(&fx);
    for cmd in [
        &["generate", "--format", "arm"][..],
        &["generate", "--format", "powershell"],
        &["inspect"],
        &["inspect", "--json"],
        &["check"],
    ] {
        let run = run_in(laid.path(), &laid.args(cmd));
        assert_eq!(run.code, 1, "{cmd:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("error[IncompleteKeyReference]")
                && run
                    .stderr
                    .contains("--encryption-info encryptioninfo-app01-1fc2d55d.json"),
            "{cmd:?}: {}",
            run.stderr
        );
        assert!(!run.stdout.starts_with("ok"), "{cmd:?}: {}", run.stdout);
    }
    // With the blob, all three pass.
    let fx = fixture("valid", "at-risk-17-disks-managed-noaad-windows");
    let laid = lay_out(&fx);
    for cmd in [&["inspect"][..], &["check"]] {
        let run = run_in(laid.path(), &laid.args(cmd));
        assert_eq!(run.code, 0, "{cmd:?}: {}", run.stderr);
    }
}

/// The docs tutorial's job names two config blobs (MicrosoftDocs/azure-docs
/// `articles/backup/tutorial-restore-disk.md`, ms.date 10/28/2022): `--config-dir` takes
/// whichever is in the folder, and names both when neither is.
#[test]
fn config_dir_looks_for_either_disagreeing_name_and_names_both() {
    let tutorial = fixture("invalid", "job-blob-names-disagree")["job"].clone();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("jobs")).expect("jobs");
    std::fs::create_dir_all(dir.path().join("blobs")).expect("blobs");
    std::fs::write(
        dir.path().join("jobs/tutorial.json"),
        serde_json::to_string_pretty(&tutorial).expect("json"),
    )
    .expect("job");
    let args = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let cmd = args(&["inspect", "--jobs", "jobs", "--config-dir", "blobs"]);
    let run = run_in(dir.path(), &cmd);
    assert_eq!(run.code, 1, "{}", run.stderr);
    for name in [
        "config-appvm8-1fc2d55d-f0dc-4ca6-ad48-aca0519c0232.json",
        "config-myVM-1fc2d55d-f0dc-4ca6-ad48-aca0fe5d0414.json",
    ] {
        assert!(run.stderr.contains(name), "{name}: {}", run.stderr);
    }
    assert!(run.stderr.contains("ConfigNotFound"), "{}", run.stderr);
    // The blob under the name only `Config Blob Name` gives is found. A VHD config (the real
    // unmanaged shape, which names its VM): a real-shape managed config names no VM, which a
    // batch cannot supply, and an id-shape one names disks outside this job's target group.
    let config = fixture("valid", "unmanaged-bek-aad-windows")["config"].clone();
    std::fs::write(
        dir.path()
            .join("blobs/config-myVM-1fc2d55d-f0dc-4ca6-ad48-aca0fe5d0414.json"),
        serde_json::to_string_pretty(&config).expect("json"),
    )
    .expect("config");
    let run = run_in(dir.path(), &cmd);
    assert_eq!(run.code, 0, "{}", run.stderr);
}
