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

/// The generated text of one fixture's file.
fn generated(fixture: &str, format: &str, file: &str) -> String {
    let fx = support::fixture("valid", fixture);
    let laid = lay_out(&fx);
    let run = run_in(
        laid.path(),
        &laid.args(&["generate", "--format", format, "--out", "out"]),
    );
    assert_eq!(run.code, 0, "{fixture}: {}", run.stderr);
    std::fs::read_to_string(laid.path().join("out").join(file)).expect("written")
}

/// The line where `needle` first appears; fails the test when it does not.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` not in the script"))
}

/// G1: when only the KEK was gone, `prepare.ps1` restores it, takes the restored KEK and the
/// target vault for the rest of the run, and the re-stamp then sees a KEK URL and vault the
/// disk does not name: both are compared with the secret URL and its vault, so it stamps.
#[test]
fn a_kek_only_restore_restamps_the_os_disk_with_the_restored_kek() {
    let p = generated(
        "restore-keys-kek-only-managed-bek-kek-noaad-windows",
        "arm",
        "prepare.ps1",
    );
    let restored = line_of(&p, "$KeyEncryptionKeyUrl = ConvertTo-AdeUrl -Url $kek.Id");
    let target = line_of(&p, "$KekVaultResourceId = $TargetKeyVaultId");
    let wanted = line_of(&p, "$wanted = [ordered] @{");
    let stamp = line_of(
        &p,
        "-KeyUrl $KeyEncryptionKeyUrl -SourceVaultId $KekVaultResourceId",
    );
    assert!(restored < wanted && target < wanted && wanted < stamp);
    for compared in [
        "'BEK secret URL' = $DiskEncryptionKeyUrl",
        "'BEK vault' = $KeyVaultResourceId",
        "'KEK URL' = $KeyEncryptionKeyUrl",
        "'KEK vault' = $KekVaultResourceId",
    ] {
        assert!(p.contains(compared), "{compared}");
    }
    // The run says which reference made it stamp.
    assert!(p.contains("encryption settings stamped ({1} changed)"));
    // Port-normalised, case-insensitive comparison.
    assert!(
        p.contains("ConvertTo-AdeUrl -Url $Value }\n    $Value.TrimEnd('/').ToLowerInvariant()")
    );
}

/// G3: every reference taken from an Az object goes through `ConvertTo-AdeUrl` (no port), and the
/// run stops before printing the deploy command if one still carries a port.
#[test]
fn restored_references_carry_no_port() {
    let p = generated(
        "restore-keys-kek-rsa-oaep-256-managed-noaad-windows",
        "arm",
        "prepare.ps1",
    );
    for assignment in p.lines().map(str::trim).filter(|l| {
        l.starts_with("$DiskEncryptionKeyUrl =") || l.starts_with("$KeyEncryptionKeyUrl =")
    }) {
        assert!(assignment.contains("ConvertTo-AdeUrl"), "{assignment}");
    }
    assert!(p.contains("$builder.Port = -1"));
    assert!(line_of(&p, "carries a port") < line_of(&p, "ready. Deploy with"));
    let t = generated(
        "restore-keys-kek-rsa-oaep-256-managed-noaad-windows",
        "arm",
        "azuredeploy.json",
    );
    assert!(t.contains("split(split(parameters('diskEncryptionKeyUrl'), '/')[2], ':')[0]"));
}

/// G4: a BEK re-created from `SecretData` is tagged with the algorithm the source's KEK wrapped it
/// with; with no algorithm in the inputs the script says it assumed RSA-OAEP.
#[test]
fn the_recreated_bek_is_tagged_with_the_source_algorithm() {
    let p = generated(
        "restore-keys-kek-rsa-oaep-256-managed-noaad-windows",
        "arm",
        "prepare.ps1",
    );
    assert!(p.contains("'DiskEncryptionKeyEncryptionAlgorithm' = 'RSA-OAEP-256'"));
    assert!(!p.contains("source names no KEK algorithm"));
    let unknown = generated(
        "restore-keys-managed-bek-kek-noaad-linux",
        "arm",
        "prepare.ps1",
    );
    assert!(unknown.contains("'DiskEncryptionKeyEncryptionAlgorithm' = 'RSA-OAEP'"));
    assert!(unknown.contains("source names no KEK algorithm"));
}

/// G5 (script half): a VHD source's availability set is checked for the Classic SKU before any
/// disk is imported, with the conversion command.
#[test]
fn a_classic_availability_set_stops_before_any_import() {
    let s = generated(
        "availability-set-unmanaged-windows",
        "powershell",
        "restore-vm.ps1",
    );
    let check = line_of(&s, "$availabilitySet.Sku.Name -eq 'Classic'");
    assert!(check < line_of(&s, "New-AzDisk -ResourceGroupName"));
    assert!(s.contains("Update-AzAvailabilitySet -AvailabilitySet"));
    let managed = generated(
        "managed-bek-kek-noaad-windows",
        "powershell",
        "restore-vm.ps1",
    );
    assert!(
        !managed.contains("Classic"),
        "managed sources have no Classic set to check"
    );
}

/// G10: a VM of that name carrying this restore's OS disk is resumed, not refused; the VM is
/// created only when none exists; imported disks and the NIC are reused.
#[test]
fn restore_vm_resumes_a_run_that_created_the_vm() {
    let s = generated(
        "managed-bek-kek-noaad-windows",
        "powershell",
        "restore-vm.ps1",
    );
    let guard = line_of(&s, "with other disks: choose another -VMName");
    assert!(s.contains("$restoredOsDisk = '/subscriptions/"));
    assert!(guard < line_of(&s, "New-AzVM -ResourceGroupName"));
    assert!(s.contains("if ($existingVm) {\n    Write-Host ('VM {0} exists: not created again'"));
    let v = generated(
        "unmanaged-bek-kek-noaad-windows",
        "powershell",
        "restore-vm.ps1",
    );
    assert!(v.contains("$restoredOsDisk = ('/resourceGroups/{0}/providers/Microsoft.Compute/disks/{1}' -f $ResourceGroupName, ($VMName + '-osdisk'))"));
    assert!(v.contains("exists (an earlier run): reused"));
    assert!(
        !v.contains("-DiskSizeGB"),
        "G9: an import takes the VHD's size"
    );
}

/// G7, G8 on the ARM path: before the deployment imports a VHD source's disks, `prepare.ps1`
/// finds the staging account in the group the deployment will name and stops unless it is in
/// the VM's region (a VHD is imported only in its account's region); the deployment is then given
/// the group it checked. A managed source has no such step.
#[test]
fn prepare_checks_the_staging_account_before_a_vhd_import() {
    let p = generated("unmanaged-bek-kek-noaad-windows", "arm", "prepare.ps1");
    let find = line_of(
        &p,
        "$stagingAccount = Get-AzResource -ResourceGroupName $VhdStorageAccountResourceGroup -Name 'strestorestaging01'",
    );
    let region = line_of(
        &p,
        "if (($stagingAccount.Location -replace '\\s', '') -ne ($Location -replace '\\s', '')) {",
    );
    let throw_at = line_of(
        &p,
        "a VHD is imported only in its storage account''s region",
    );
    let passed = line_of(
        &p,
        "'vhdStorageAccountResourceGroup' = $VhdStorageAccountResourceGroup",
    );
    let deploy = line_of(&p, "Write-Host 'ready. Deploy with the Azure CLI:'");
    assert!(find < region && region < throw_at && throw_at < deploy && passed < deploy);
    assert!(p.contains("[string] $VhdStorageAccountResourceGroup = 'rg-restore-target'"));
    assert!(
        p.starts_with("#Requires -Modules")
            && p.lines().next().is_some_and(|l| l.contains("Az.Resources"))
    );
    let managed = generated("real-shape-managed-bek-noaad-windows", "arm", "prepare.ps1");
    assert!(
        !managed.contains("$stagingAccount"),
        "a managed source has no staging account"
    );
}

/// Newcomer row 11: `-EncryptionInfo` is what the case needs. Where the scripts restore keys
/// from a blob read from a local file, the parameter is optional (the blob is read only when a
/// key or secret must be restored, and the script stops there, asking for it, when it was not
/// given), and the run command passes the file that was given, in both formats.
#[test]
fn encryption_info_is_optional_and_the_run_command_passes_the_file_given() {
    let mut seen = 0;
    for (name, fx) in support::fixtures("valid") {
        if !name.starts_with("restore-keys-") {
            continue;
        }
        let laid = lay_out(&fx);
        for (format, file) in [("arm", "prepare.ps1"), ("powershell", "restore-vm.ps1")] {
            let run = run_in(
                laid.path(),
                &laid.args(&["generate", "--format", format, "--out", "out"]),
            );
            assert_eq!(run.code, 0, "{name}: {}", run.stderr);
            let script =
                std::fs::read_to_string(laid.path().join("out").join(file)).expect("written");
            let param = line_of(&script, "[string] $EncryptionInfo");
            let lines: Vec<&str> = script.lines().collect();
            assert!(
                !lines[param - 1].contains("Mandatory"),
                "{name} {file}: -EncryptionInfo is still mandatory"
            );
            // The class, not only this guard: an optional -EncryptionInfo is safe only if nothing
            // reads it but Read-EncryptionInfo, which stops on an empty one.
            for (i, l) in lines.iter().enumerate() {
                if l.contains("$EncryptionInfo")
                    && !l.trim_start().starts_with("[string] $EncryptionInfo")
                {
                    assert!(
                        l.contains("Read-EncryptionInfo -Source $EncryptionInfo"),
                        "{name} {file}:{}: -EncryptionInfo read past its guard: {l}",
                        i + 1
                    );
                }
            }
            let read = line_of(&script, "function Read-EncryptionInfo");
            assert!(
                lines[read + 3].contains("if (-not $Source) { throw ")
                    && lines[read + 3].contains("-EncryptionInfo"),
                "{name} {file}: an empty -EncryptionInfo is not stopped where it is needed"
            );
            assert!(
                run.stderr.contains(&format!(
                    "out/{file}' -EncryptionInfo 'encryption-info.json'"
                )) || run
                    .stderr
                    .contains("-EncryptionInfo 'encryption-info.json'"),
                "{name} {format}: the run command does not pass the file given\n{}",
                run.stderr
            );
            seen += 1;
        }
    }
    assert!(seen >= 8, "only {seen} restore-keys runs");
}
