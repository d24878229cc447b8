//! The CLI contract: exit codes, stdout/stderr split, --check, standard input. What only a process
//! shows (its exit status, its standard input) runs the real binary; the rest runs in-process.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::{args as s, files_under, fixture, lay_out, run_in, spawn_in, Laid, BIN};

#[test]
fn no_source_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let r = spawn_in(dir.path(), &s(&["generate", "--format", "arm"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn missing_file_is_an_environment_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let r = spawn_in(dir.path(), &s(&["inspect", "--config", "nope.json"]));
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("error[FileSystem]") && r.stderr.contains("nope.json"),
        "{}",
        r.stderr
    );
}

#[test]
fn check_flag_reports_stale_files_with_a_diff() {
    let fx = fixture("valid", "managed-bek-kek-aad-windows");
    let laid = lay_out(&fx);
    let mut a = s(&["generate", "--format", "arm", "--out", "out"]);
    a.extend(laid.source_args.clone());
    assert_eq!(run_in(laid.dir.path(), &a).code, 0);
    let p = laid.dir.path().join("out/azuredeploy.json");
    let edited = std::fs::read_to_string(&p)
        .expect("read")
        .replace("\"1.1\"", "\"9.9\"");
    std::fs::write(&p, edited).expect("edit");
    a.push("--check".into());
    let r = run_in(laid.dir.path(), &a);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("-        \"typeHandlerVersion\": \"9.9\"")
            && r.stdout
                .contains("+        \"typeHandlerVersion\": \"1.1\""),
        "{}",
        r.stdout
    );
    assert!(r.stderr.contains("error[StaleOutput]"));
    assert!(
        std::fs::read_to_string(&p).expect("read").contains("9.9"),
        "--check must not write"
    );
}

#[test]
fn config_from_standard_input() {
    // The real managed-restore shape (UTF-16LE, no BOM, CRLF, NUL padding) through a pipe; its
    // disks are named, so the job gives their group, and the flags the VM name and network.
    let fx = fixture("valid", "unencrypted-managed-windows");
    let laid = lay_out(&fx);
    let bytes = std::fs::read(laid.dir.path().join("config.json")).expect("config");
    let mut child = Command::new(BIN)
        .args(["generate", "--format", "powershell", "--config", "-"])
        .args(["--job", "job.json"])
        .args(&laid.extra_args)
        .current_dir(laid.dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&bytes)
        .expect("write");
    let o = child.wait_with_output().expect("wait");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout)
        .starts_with("#Requires -Modules Az.Accounts, Az.Compute, Az.Network, Az.Resources\n"));
}

#[test]
fn recovery_point_override_beats_the_job() {
    let fx = fixture("valid", "date-one-second-before");
    let laid = lay_out(&fx);
    let mut a = s(&[
        "generate",
        "--format",
        "arm",
        "--recovery-point-time",
        "2020-01-01T00:00:00Z",
    ]);
    a.extend(laid.source_args.clone());
    // The fixture's own `--vm-name` (its real-shape config names no VM).
    a.extend(laid.extra_args.clone());
    let r = run_in(laid.dir.path(), &a);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn overrides_change_the_case_and_show_in_inspect() {
    // A config that names its VM (the id-shape tolerant reader; the real managed blob's name is
    // null), so the source's name and the new one can differ.
    let fx = fixture("valid", "managed-bek-noaad-windows");
    let laid = lay_out(&fx);
    let mut a = s(&[
        "inspect",
        "--json",
        "--volume-type",
        "Data",
        "--vm-name",
        "other",
    ]);
    a.extend(laid.source_args.clone());
    a.extend(laid.extra_args.clone());
    let r = run_in(laid.dir.path(), &a);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    // `--vm-name` names the new VM; `sourceVmName` stays the source's, which is what is restored.
    let option = |o: &str| serde_json::json!({"input": "option", "option": o});
    assert_eq!(v["restore"]["vmName"]["value"], "other");
    assert_eq!(v["restore"]["vmName"]["decidedBy"], option("--vm-name"));
    assert_eq!(v["restore"]["sourceVmName"]["value"], "app01");
    assert_eq!(
        v["restore"]["encryption"]["volumeType"],
        serde_json::json!({"value": "Data", "decidedBy": option("--volume-type")})
    );
    let mut a = s(&["generate", "--format", "arm", "--ade", "none"]);
    a.extend(laid.source_args.clone());
    let r = run_in(laid.dir.path(), &a);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains("AzureDiskEncryption"));
}

#[test]
fn inputs_over_64_mib_are_refused_before_reading() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = std::fs::File::create(dir.path().join("huge.json")).expect("create");
    // Sparse: costs no disk, and proves the size is checked before the bytes are read.
    f.set_len(64 * 1024 * 1024 + 1).expect("set_len");
    let r = run_in(dir.path(), &s(&["inspect", "--config", "huge.json"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("error[InputTooLarge]"), "{}", r.stderr);
}

/// Most tests run the tool in-process (`run_in`); that only proves anything while it reads exactly
/// as the binary does. Compared here on a success, a rejected input, a multi-problem check and a
/// usage error: exit code, stdout and stderr must match byte for byte, and so must the files.
#[test]
fn in_process_runs_read_as_the_binary() {
    let cases = [
        (
            "valid",
            "managed-bek-kek-aad-windows",
            &["generate", "--format", "arm", "--out", "out"][..],
        ),
        (
            "valid",
            "job-rest-resource-noaad-linux",
            &["inspect", "--json"][..],
        ),
        (
            "invalid",
            "duplicate-lun",
            &["generate", "--format", "powershell", "--out", "out"][..],
        ),
        ("invalid", "check-every-key-problem", &["check"][..]),
        (
            "valid",
            "real-shape-managed-bek-aad-linux",
            &["generate", "--format", "no-such-format"][..],
        ),
    ];
    for (kind, name, cmd) in cases {
        let fx = fixture(kind, name);
        let (here, there) = (lay_out(&fx), lay_out(&fx));
        let a = here.args(cmd);
        let (inproc, binary) = (run_in(here.path(), &a), spawn_in(there.path(), &a));
        let what = format!("{kind}/{name}: {}", inproc.header());
        assert_eq!(inproc.code, binary.code, "{what}");
        assert_eq!(inproc.stdout, binary.stdout, "{what}");
        assert_eq!(inproc.stderr, binary.stderr, "{what}");
        let files = |l: &Laid| -> Vec<(std::path::PathBuf, String)> {
            files_under(&l.path().join("out"))
                .into_iter()
                .map(|(p, t)| (p.strip_prefix(l.path()).expect("under").to_path_buf(), t))
                .collect()
        };
        assert_eq!(files(&here), files(&there), "{what}");
    }
}

/// The product written to a closed standard output went nowhere: that is a failure (exit 3),
/// while a reader that leaves early (`| head`) is the reader's choice (exit 0, no message).
#[cfg(unix)]
#[test]
fn closed_stdout_fails_and_a_reader_that_leaves_does_not() {
    let fx = fixture("valid", "managed-bek-kek-aad-windows");
    let laid = lay_out(&fx);
    let args = laid.source_args.join(" ");
    let sh = |redirect: &str| {
        let o = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "'{BIN}' generate --format arm {args} {redirect}; echo \"exit=${{PIPESTATUS[0]}}\" >&2"
            ))
            .current_dir(laid.dir.path())
            .output()
            .expect("sh");
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let closed = sh(">&-");
    assert!(
        closed.contains("error[FileSystem]: cannot write to standard output")
            && closed.contains("exit=3"),
        "{closed}"
    );
    let full = sh(">/dev/full");
    assert!(full.contains("exit=3"), "{full}");
    // Discarding on purpose is not a closed descriptor.
    let null = sh(">/dev/null");
    assert!(
        null.contains("exit=0") && !null.contains("error["),
        "{null}"
    );
}

/// A hostile config with thousands of broken disks: every problem is found, at most 50 are
/// listed, then how many more there are.
#[test]
fn at_most_fifty_problems_are_listed_then_a_count() {
    let dir = tempfile::tempdir().expect("tmp");
    let disks: Vec<String> = (0..2000)
        .map(|i| {
            format!(
                r#"{{"lun": {}, "name": "d{i}", "managedDisk": {{"id": "x"}}}}"#,
                64 + i
            )
        })
        .collect();
    let config = format!(
        r#"{{"name": "vm", "properties.hardwareProfile": {{"vmSize": "S"}}, "properties.storageProfile": {{"osDisk": {{"osType": "Linux", "name": "os", "managedDisk": {{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/disks/os"}}}}, "dataDisks": [{}]}}}}"#,
        disks.join(",")
    );
    std::fs::write(dir.path().join("c.json"), config).expect("write");
    let r = run_in(dir.path(), &s(&["inspect", "--config", "c.json"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stderr.matches("error[").count(), 50, "{}", r.stderr);
    assert!(r.stderr.contains("more problems not shown"), "{}", r.stderr);
    assert!(
        r.stderr.len() < 64 * 1024,
        "{} bytes of errors",
        r.stderr.len()
    );
}

/// A document of millions of tiny values is refused while parsing, before it can take gigabytes.
#[test]
fn a_document_of_millions_of_values_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = format!(r#"{{"name": "vm", "junk": [{}0]}}"#, "0,".repeat(1_500_000));
    std::fs::write(dir.path().join("c.json"), config).expect("write");
    let r = run_in(dir.path(), &s(&["inspect", "--config", "c.json"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("error[InputTooLarge]") && r.stderr.contains("JSON values"),
        "{}",
        r.stderr
    );
}

/// A3: a VHD URI is copied into the template's `sourceUri`, so it must be a plain https URL on
/// the job's staging account (where the restore wrote its VHDs): another host, http, a port, an
/// address, a user name or a SAS query is refused, and nothing is written.
#[test]
fn vhd_uris_must_be_plain_https_on_the_job_s_storage_account() {
    let fx = fixture("valid", "unmanaged-bek-kek-noaad-windows");
    let good = fx["config"]["properties.storageProfile"]["osDisk"]["vhd"]["uri"]
        .as_str()
        .expect("the fixture's OS disk is a VHD")
        .to_owned();
    let path = good.split_once(".net/").expect("an Azure blob URL").1;
    for bad in [
        format!("https://evil.example/{path}"),
        good.replacen("https://", "http://", 1),
        good.replacen(".net/", ".net:8443/", 1),
        "https://127.0.0.1/c/os.vhd".to_owned(),
        good.replacen("https://", "https://user:pw@", 1),
        format!("{good}?sv=1&sig=SECRETSIG"),
        format!("https://otheraccount01.blob.core.windows.net/{path}"),
    ] {
        let mut fx = fx.clone();
        fx["config"]["properties.storageProfile"]["osDisk"]["vhd"]["uri"] =
            serde_json::Value::String(bad.clone());
        let laid = lay_out(&fx);
        let r = run_in(
            laid.path(),
            &laid.args(&["generate", "--format", "arm", "--out", "out"]),
        );
        assert_eq!(r.code, 1, "{bad}: {}", r.stderr);
        assert!(
            r.stderr.contains("error[InvalidVhdUri]"),
            "{bad}: {}",
            r.stderr
        );
        assert!(
            !r.stderr.contains("SECRETSIG") && !r.stderr.contains(":pw@"),
            "{}",
            r.stderr
        );
        assert!(!laid.path().join("out").exists(), "{bad}");
    }
}

/// K1, K2: `--target-key-vault` is refused at generation, before anything is written, when Azure
/// cannot have that id, and when the vault is in another subscription than the VM's, also when
/// the config has no VM id and its disks are VHDs (the disk encryption key vault's subscription,
/// which ADE requires to be the VM's, decides).
#[test]
fn target_key_vault_is_checked_at_generation() {
    let mut fx = fixture("valid", "unmanaged-bek-kek-noaad-windows");
    fx["config"].as_object_mut().expect("config").remove("id");
    let laid = lay_out(&fx);
    let sub = "3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c";
    let vault = |sub: &str, group: &str, name: &str| {
        format!("/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.KeyVault/vaults/{name}")
    };
    for (target, code) in [
        (vault(sub, "..", "kv-dr"), "InvalidResourceGroupName"),
        (vault(sub, "rg-keys-dr", "kv name?x#y"), "InvalidVaultId"),
        (vault(sub, "rg-keys-dr", "%2F..%2Fx"), "InvalidVaultId"),
        (vault(sub, "rg-keys-dr", &"k".repeat(300)), "InvalidVaultId"),
        (
            vault("00000000-0000-0000-0000-000000000000", "rg", "kv-other"),
            "TargetVaultInAnotherSubscription",
        ),
    ] {
        let r = run_in(
            laid.path(),
            &laid.args(&[
                "generate",
                "--format",
                "arm",
                "--out",
                "out",
                "--restore-keys",
                "--target-key-vault",
                &target,
            ]),
        );
        assert_eq!(r.code, 1, "{target}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("error[{code}]")),
            "{target}: {}",
            r.stderr
        );
        assert!(!laid.path().join("out").exists(), "{target}");
    }
    let r = run_in(
        laid.path(),
        &laid.args(&[
            "generate",
            "--format",
            "arm",
            "--out",
            "out",
            "--restore-keys",
            "--target-key-vault",
            &vault(sub, "rg-keys-dr", "kv-contoso-dr"),
        ]),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// RB4: a job URI on another cloud's storage suffix is refused before any request (no SAS, no
/// token) when `--blob-endpoint` does not name that cloud.
#[cfg(feature = "azure")]
#[test]
fn the_job_does_not_choose_the_cloud() {
    let mut fx = fixture("valid", "unmanaged-bek-kek-noaad-windows");
    let job = fx["job"].as_object_mut().expect("job bag");
    let uri = job["Config Blob Uri"]
        .as_str()
        .expect("uri")
        .replace(".blob.core.windows.net/", ".blob.core.chinacloudapi.cn/");
    job.insert("Config Blob Uri".into(), serde_json::Value::String(uri));
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("job-china.json"),
        serde_json::to_string(&fx["job"]).expect("json"),
    )
    .expect("job");
    let r = run_in(
        dir.path(),
        &s(&[
            "inspect",
            "--job",
            "job-china.json",
            "--sas",
            "sv=1&sig=SECRETSIG",
        ]),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("error[ConfigNotFound]"), "{}", r.stderr);
    assert!(r.stderr.contains("chinacloudapi.cn"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("--blob-endpoint https://strestorestaging01.blob.core.chinacloudapi.cn"),
        "{}",
        r.stderr
    );
}

/// `--color`: labels and the `--check` diff are styled only when asked (`always`) or on a
/// terminal; a pipe, `never`, and `NO_COLOR` (for `auto`) get plain text, and the product is
/// never styled. Clap's own usage errors follow the same choice.
#[test]
fn color_follows_the_flag_and_no_color_and_never_touches_the_product() {
    use std::ffi::OsStr;
    let fx = fixture("valid", "managed-bek-kek-aad-windows");
    let laid = lay_out(&fx);
    let dir = laid.dir.path();
    let mut wrote = s(&["generate", "--format", "arm", "--out", "out"]);
    wrote.extend(laid.source_args.clone());
    assert_eq!(run_in(dir, &wrote).code, 0);
    let p = dir.join("out/azuredeploy.json");
    let edited = std::fs::read_to_string(&p)
        .expect("read")
        .replace("\"1.1\"", "\"9.9\"");
    std::fs::write(&p, edited).expect("edit");
    let mut check = wrote.clone();
    check.push("--check".into());
    let with = |extra: &[&str], env: &[(&str, &OsStr)]| {
        let mut a = check.clone();
        a.extend(s(extra));
        crate::support::run::spawn_with(dir, &a, env)
    };
    let red_label = "\x1b[1m\x1b[31merror[StaleOutput]:\x1b[0m";
    let no_color: &[(&str, &OsStr)] = &[("NO_COLOR", OsStr::new("1"))];
    // Into a pipe: plain, whatever NO_COLOR says.
    for (extra, env) in [
        (&[][..], &[][..]),
        (&["--color", "never"], &[]),
        (&["--color=auto"], no_color),
    ] {
        let r = with(extra, env);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(
            !r.stderr.contains('\x1b') && !r.stdout.contains('\x1b'),
            "{extra:?}: {:?}",
            r.stderr
        );
        assert!(r.stderr.contains("error[StaleOutput]:"));
    }
    // `always` wins over a pipe and over NO_COLOR, as in cargo.
    for env in [&[][..], no_color] {
        let r = with(&["--color", "always"], env);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.stderr.contains(red_label), "{:?}", r.stderr);
        assert!(
            r.stdout
                .contains("\x1b[31m-        \"typeHandlerVersion\": \"9.9\",\x1b[0m")
                || r.stdout
                    .contains("\x1b[31m-        \"typeHandlerVersion\": \"9.9\"\x1b[0m"),
            "{:?}",
            r.stdout
        );
    }
    // The product itself is never styled, even with `always`.
    let mut to_stdout = s(&["--color", "always", "generate", "--format", "arm"]);
    to_stdout.extend(laid.source_args.clone());
    let r = crate::support::spawn_in(dir, &to_stdout);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains('\x1b'), "the template was styled");
    // Clap's usage errors follow the flag too.
    let r = crate::support::spawn_in(dir, &s(&["--color", "always", "inspect"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("\x1b[1m\x1b[31merror:"),
        "{:?}",
        r.stderr
    );
    let r = crate::support::spawn_in(dir, &s(&["--color", "never", "inspect"]));
    assert!(!r.stderr.contains('\x1b'), "{:?}", r.stderr);
}

/// Next steps name only what this run wrote (newcomer rows 3, 11, 26): to stdout there is no
/// parameters file or `prepare.ps1`, so the steps say how to get them and put the missing
/// parameters on the deploy line; with `--out` and `prepare.ps1` (which checks the keys) the
/// checklist does not ask for that check again.
#[test]
fn next_steps_are_true_to_what_was_written() {
    let fx = fixture("valid", "managed-bek-kek-noaad-windows");
    let laid = lay_out(&fx);
    let r = run_in(
        laid.dir.path(),
        &laid.args(&["generate", "--format", "arm"]),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let steps = r.stderr.split("next steps:").nth(1).expect("next steps");
    assert!(steps.starts_with("\n  1. save this template as azuredeploy.json; this run wrote no azuredeploy.parameters.json and prepare.ps1"), "{steps}");
    assert!(
        steps.contains("run it again with `--out DIR` to get them"),
        "{steps}"
    );
    for absent in [
        "review ",
        "& 'prepare.ps1'",
        "@azuredeploy.parameters.json",
        "TemplateParameterFile",
        "  0.",
    ] {
        assert!(!steps.contains(absent), "{absent:?} in {steps}");
    }
    // With --out: prepare.ps1 checks the keys, so the checklist does not.
    let r = run_in(
        laid.dir.path(),
        &laid.args(&["generate", "--format", "arm", "--out", "o"]),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("prepare.ps1"), "{}", r.stderr);
    assert!(!r.stderr.contains("still exist"), "{}", r.stderr);
    assert!(!r.stderr.contains("(and the KEK)"), "{}", r.stderr);
    // PowerShell to stdout: numbered from 1, and the script run as `./restore-vm.ps1`.
    let r = run_in(
        laid.dir.path(),
        &laid.args(&["generate", "--format", "powershell"]),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let steps = r.stderr.split("next steps:").nth(1).expect("next steps");
    assert!(
        steps.starts_with("\n  1. save this script as restore-vm.ps1\n"),
        "{steps}"
    );
    assert!(steps.contains("  3. run: & './restore-vm.ps1'"), "{steps}");
    assert!(
        !steps.contains("<subscription of the restored disks>"),
        "{steps}"
    );
}

/// `check --format powershell` leaves out the ARM-only date rule (newcomer row 6): a recovery
/// point before 2017-04-26 fails `check` (for ARM, the default) and passes it for PowerShell.
#[test]
fn check_takes_the_format_its_date_rule_is_for() {
    let fx = fixture("valid", "managed-bek-kek-aad-windows");
    let laid = lay_out(&fx);
    let old = ["--recovery-point-time", "2016-01-01"];
    let mut arm = laid.args(&["check"]);
    arm.extend(s(&old));
    let r = run_in(laid.dir.path(), &arm);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("error[RecoveryPointBeforeTemplateSupport]"),
        "{}",
        r.stderr
    );
    let mut ps = laid.args(&["check", "--format", "powershell"]);
    ps.extend(s(&old));
    let r = run_in(laid.dir.path(), &ps);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("a PowerShell script takes any recovery point"),
        "{}",
        r.stdout
    );
}

/// `inspect` shows what it found even when the restore cannot be built (newcomer row 5): the
/// facts read, the missing ones marked `missing`, and the evidence that the VM is encrypted;
/// the errors still go to stderr with exit 1, and `--json` keeps its one failure object.
#[test]
fn inspect_shows_what_it_found_when_something_is_missing() {
    // The bundled restore without its encryption-info blob and key vault id: the job still
    // names the blob, so the VM is encrypted and its key references are missing.
    let ex = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/app01-restore");
    let dir = tempfile::tempdir().expect("tmp");
    let mut args = s(&["inspect", "--vm-name", "app01-restored", "--config"]);
    args.push(ex.join("config-app01.json").display().to_string());
    args.push("--job".into());
    args.push(ex.join("job.json").display().to_string());
    let r = run_in(dir.path(), &args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("error[IncompleteKeyReference]"),
        "{}",
        r.stderr
    );
    assert!(
        r.stdout
            .starts_with("found (the restore could not be built"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("  os               Windows\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("  encrypted        yes: ")
            && r.stdout.contains("Encryption Info Blob Name"),
        "{}",
        r.stdout
    );
    args.push("--json".into());
    let text = r;
    let r = run_in(dir.path(), &args);
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr, text.stderr, "--json changed stderr");
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("one JSON document");
    crate::inspect_json::assert_document(&doc, "failure");
    assert_eq!(
        doc["errors"][0]["code"], "IncompleteKeyReference",
        "{}",
        r.stdout
    );
    // The same facts as the text, with the evidence for "encrypted".
    let found = &doc["found"];
    assert_eq!(found["osType"], "Windows", "{}", r.stdout);
    assert_eq!(found["encrypted"], true, "{}", r.stdout);
    assert!(
        found["encryptionEvidence"]
            .as_array()
            .is_some_and(|e| e.iter().any(|x| x
                .as_str()
                .is_some_and(|x| x.contains("Encryption Info Blob Name")))),
        "{}",
        r.stdout
    );
    // The real managed-restore config names no VM, and this job no source VM: said missing.
    assert_eq!(
        found["missing"],
        serde_json::json!(["sourceVmName"]),
        "{}",
        r.stdout
    );
    assert_eq!(found["location"], "westeurope", "{}", r.stdout);
}

/// An id or URL that is almost right gets the `az` command that prints the right one, filled in
/// with the vault and object it names (newcomer row 25).
#[test]
fn almost_right_key_references_get_the_command_that_prints_the_right_one() {
    let ex = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/app01-restore");
    let dir = tempfile::tempdir().expect("tmp");
    let mut args = s(&["check", "--vm-name", "app01-restored", "--config"]);
    args.push(ex.join("config-app01.json").display().to_string());
    args.push("--job".into());
    args.push(ex.join("job.json").display().to_string());
    args.extend(s(&[
        "--key-vault-id",
        "kv-new",
        "--secret-url",
        "https://kv-contoso-prod.vault.azure.net/secrets/bek1",
    ]));
    let r = run_in(dir.path(), &args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("`az keyvault show --name 'kv-new' --subscription '3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c' --query id --output tsv` prints it"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("`az keyvault secret show --vault-name 'kv-contoso-prod' --name 'bek1' --query id --output tsv` prints it"),
        "{}",
        r.stderr
    );
}

/// Newcomer row 25: `--target-key-vault` takes a bare vault name when the restore already names
/// that vault by id (restoring deleted keys into their own vault; any case), and writes the
/// same bundle as with the id; another name, whose group nothing gives, gets the `az` command
/// that prints its id, in the VM's subscription.
#[test]
fn a_bare_target_vault_name_is_the_vault_the_restore_names_or_gets_its_command() {
    let ex = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/app01-restore");
    let dir = tempfile::tempdir().expect("tmp");
    let kv = "/subscriptions/3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-contoso-prod";
    let run = |target: &str, out: &str| {
        let mut args = s(&["generate", "--format", "arm", "--vm-name", "app01-restored"]);
        for (flag, file) in [
            ("--config", "config-app01.json"),
            ("--job", "job.json"),
            ("--encryption-info", "encryption-info.json"),
        ] {
            args.push(flag.into());
            args.push(ex.join(file).display().to_string());
        }
        args.extend(s(&[
            "--key-vault-id",
            kv,
            "--restore-keys",
            "--target-key-vault",
            target,
            "--out",
            out,
        ]));
        run_in(dir.path(), &args)
    };
    let by_id = run(kv, "by-id");
    assert_eq!(by_id.code, 0, "{}", by_id.stderr);
    let by_name = run("KV-Contoso-Prod", "by-name");
    assert_eq!(by_name.code, 0, "{}", by_name.stderr);
    let prepare = |out: &str| {
        std::fs::read_to_string(dir.path().join(out).join("prepare.ps1")).expect("prepare.ps1")
    };
    assert_eq!(prepare("by-id"), prepare("by-name"));
    let other = run("kv-new", "other");
    assert_eq!(other.code, 1, "{}", other.stderr);
    assert!(
        other.stderr.contains("error[InvalidVaultId]")
            && other.stderr.contains("`az keyvault show --name 'kv-new' --subscription '3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c' --query id --output tsv` prints it"),
        "{}",
        other.stderr
    );
}

/// A real managed restore's config names neither the VM nor its disks by id, but keeps its NIC
/// ids: the source NIC's subscription is the VM's, so a key vault in another subscription is
/// still caught without Backup's template (it was silently skipped).
#[test]
fn the_source_nic_tells_the_vms_subscription_when_nothing_else_does() {
    let mut fx = fixture("valid", "real-shape-managed-bek-aad-linux");
    let other = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
    let vault = &mut fx["config"]["properties.storageProfile"]["osDisk"]["encryptionSettings"]
        ["diskEncryptionKey"]["sourceVault"]["id"];
    let moved = vault
        .as_str()
        .expect("the fixture's key vault id")
        .replace("3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c", other);
    *vault = serde_json::Value::String(moved);
    assert!(
        fx.get("template").is_none(),
        "no template: the NIC alone must tell"
    );
    let laid = lay_out(&fx);
    for command in ["check", "inspect"] {
        let r = run_in(laid.path(), &laid.args(&[command]));
        assert_eq!(r.code, 1, "{command}: {}", r.stderr);
        assert!(
            r.stderr.contains("error[VaultSubscriptionMismatch]") && r.stderr.contains(other),
            "{command}: {}",
            r.stderr
        );
    }
}
