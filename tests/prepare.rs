//! The steps before the deployment as a customer meets them: key material from the
//! encryption-info blob reaches no file, stream or inspection (the scripts read it when they run),
//! and `generate --check` holds `prepare.ps1` to the same rule as the template.

use crate::cases::LEAK_MARKER;
use crate::support::{self, files_under, lay_out, run_in};

/// Key material stays in the encryption-info blob: for every fixture that gives one (each holds
/// the marker in `SecretData`, `KeyBackupData` and `KeyVaultSecretBackupData`), no file any
/// format writes (`prepare.ps1` included), nothing on stdout or stderr, and no inspection
/// carries it; the scripts that restore keys read the blob at run time instead.
#[test]
fn key_material_never_leaves_the_blob() {
    let (mut fixtures, mut prepares, mut restoring) = (0, 0, 0);
    for (name, fx) in support::fixtures("valid") {
        let details = &fx["encryption_info"]["OsDiskKeyAndSecretDetails"];
        if !details.is_object() {
            continue;
        }
        let material: Vec<&str> = ["SecretData", "KeyBackupData", "KeyVaultSecretBackupData"]
            .iter()
            .filter_map(|k| details[*k].as_str())
            .filter(|v| !v.is_empty())
            .collect();
        assert!(
            material.iter().all(|v| v.contains(LEAK_MARKER)),
            "{name}: the fixture's key material must carry the marker, or this test proves nothing"
        );
        fixtures += 1;
        let laid = lay_out(&fx);
        let mut seen: Vec<(String, String)> = Vec::new();
        for format in ["arm", "powershell"] {
            let dir = format!("out-{format}");
            let run = run_in(
                laid.path(),
                &laid.args(&["generate", "--format", format, "--out", &dir]),
            );
            if run.code != 0 {
                continue;
            }
            seen.push((format!("{format} stdout"), run.stdout));
            seen.push((format!("{format} stderr"), run.stderr));
            for (path, text) in files_under(&laid.path().join(&dir)) {
                if path.ends_with("prepare.ps1") {
                    prepares += 1;
                    if text.contains("Restore-AzKeyVaultSecret") {
                        restoring += 1;
                        assert!(
                            text.contains("Read-EncryptionInfo -Source $EncryptionInfo"),
                            "{name}: prepare.ps1 restores keys without reading the blob at run time"
                        );
                    }
                }
                seen.push((path.display().to_string(), text));
            }
        }
        for args in [&["inspect"][..], &["inspect", "--json"][..], &["check"][..]] {
            let run = run_in(laid.path(), &laid.args(args));
            seen.push((format!("{args:?} stdout"), run.stdout));
            seen.push((format!("{args:?} stderr"), run.stderr));
        }
        for (what, text) in &seen {
            for m in &material {
                assert!(!text.contains(m), "{name}: key material in {what}");
            }
            assert!(
                !text.contains(LEAK_MARKER),
                "{name}: key material in {what}"
            );
        }
    }
    eprintln!("{fixtures} fixtures with key material: none in any output ({prepares} prepare.ps1, {restoring} of them restoring keys)");
    assert!(fixtures >= 8 && prepares >= 8 && restoring >= 4);
}

/// `generate --check` holds `prepare.ps1` to the same rule as the template: an edited or deleted
/// copy is stale, and the diff names it.
#[test]
fn check_covers_prepare_ps1() {
    let fx = support::fixture("valid", "managed-bek-kek-noaad-windows");
    let laid = lay_out(&fx);
    let generate = |extra: &[&str]| {
        let mut args = vec!["generate", "--format", "arm", "--out", "out"];
        args.extend_from_slice(extra);
        run_in(laid.path(), &laid.args(&args))
    };
    assert_eq!(generate(&[]).code, 0);
    let prepare = laid.path().join("out/prepare.ps1");
    let text = std::fs::read_to_string(&prepare).expect("prepare.ps1 is written");
    assert_eq!(generate(&["--check"]).code, 0, "fresh bundle");
    std::fs::write(
        &prepare,
        text.replace(
            "$ErrorActionPreference = 'Stop'",
            "$ErrorActionPreference = 'Continue'",
        ),
    )
    .expect("edit");
    let edited = generate(&["--check"]);
    assert_eq!(edited.code, 1, "{}", edited.stderr);
    assert!(edited.stdout.contains("prepare.ps1"), "{}", edited.stdout);
    std::fs::remove_file(&prepare).expect("delete");
    let deleted = generate(&["--check"]);
    assert_eq!(deleted.code, 1, "{}", deleted.stderr);
    assert!(deleted.stdout.contains("prepare.ps1"), "{}", deleted.stdout);
}
