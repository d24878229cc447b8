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
    // Its VHDs are in the tutorial job's staging account, where a restore writes them (S20:
    // `vhd.uri` is `<osDisk.name>.vhd` in the staging container); a VHD elsewhere is refused.
    let config = fixture("valid", "unmanaged-bek-aad-windows")["config"].clone();
    let config = serde_json::to_string_pretty(&config)
        .expect("json")
        .replace(
            "https://strestorestaging01.blob.",
            "https://mystorageaccount.blob.",
        );
    std::fs::write(
        dir.path()
            .join("blobs/config-myVM-1fc2d55d-f0dc-4ca6-ad48-aca0fe5d0414.json"),
        config,
    )
    .expect("config");
    let run = run_in(dir.path(), &cmd);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// Azure Backup's template, named by the job's `Template Blob Uri`, is found in `--config-dir`
/// by its blob name, and its network defaults decide; when it is not there, the job goes on
/// with a warning that says which file was looked for and what it would have given.
#[test]
fn config_dir_finds_backups_template_by_its_blob_name_or_says_it_is_missing() {
    let fx = fixture("valid", "managed-bek-aad-windows");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("jobs")).expect("jobs");
    std::fs::create_dir_all(dir.path().join("blobs")).expect("blobs");
    let write = |path: &str, v: &serde_json::Value| {
        std::fs::write(
            dir.path().join(path),
            serde_json::to_string_pretty(v).expect("json"),
        )
        .expect("write")
    };
    write("jobs/app01.json", &fx["job"]);
    write(
        "blobs/config-app01-1fc2d55d-f0dc-4ca6-ad48-aca0519c0232.json",
        &fx["config"],
    );
    let template = "blobs/azuredeploy1fc2d55d-f0dc-4ca6-ad48-aca0519c0232.json";
    let args = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let source = ["--jobs", "jobs", "--config-dir", "blobs"];

    // Missing: exit 0, the warning names the file looked for and what it would have given.
    let run = run_in(
        dir.path(),
        &args(
            &[
                &["generate", "--format", "arm", "--out", "out"][..],
                &source,
            ]
            .concat(),
        ),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("`{template}` was not found"))
            && run.stderr.contains("the network is not taken from it"),
        "{}",
        run.stderr
    );
    let run = run_in(dir.path(), &args(&[&["inspect"][..], &source].concat()));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        !run.stdout.contains("Azure Backup's template"),
        "{}",
        run.stdout
    );
    // `inspect --json` carries the same warning in the job's restore.
    let run = run_in(
        dir.path(),
        &args(&[&["inspect", "--json"][..], &source].concat()),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let line: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("one JSON line");
    let warnings = line["restore"]["warnings"].to_string();
    assert!(
        warnings.contains(&format!("`{template}` was not found")),
        "{warnings}"
    );

    // There: its parameter defaults give the network and its NIC the NSG, as `inspect` says.
    write(
        template,
        &fixture("valid", "real-shape-managed-windows")["template"],
    );
    let run = run_in(dir.path(), &args(&[&["inspect"][..], &source].concat()));
    assert_eq!(run.code, 0, "{}", run.stderr);
    for line in [
        format!("vnet vnet-app in group rg-network, subnet snet-app  (Azure Backup's template {template} at $.parameters.*.defaultValue)"),
        format!("networkSecurityGroups/app01-nsg  (Azure Backup's template {template}"),
    ] {
        assert!(run.stdout.contains(&line), "{line}\n{}", run.stdout);
    }
    let run = run_in(
        dir.path(),
        &args(
            &[
                &["generate", "--format", "arm", "--out", "out2"][..],
                &source,
            ]
            .concat(),
        ),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("was not found"), "{}", run.stderr);
}
