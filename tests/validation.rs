//! Every output the fixtures produce passes checks this project did not write:
//! templates against the official ARM schemas (strict) and regorus' ARM expression parser;
//! scripts through the PowerShell grammar, with only the intended commands, every Az call fitting
//! a parameter set of the Az modules' own help with its accepted values, every input value a
//! literal, every change to Azure made only after looking (a second run changes nothing), and an
//! OS disk re-stamp that compares every reference it writes.

use std::sync::LazyLock;

use serde_json::Value;

use crate::support::validate::prepare::{
    check_prepare, check_script_allowing, key_values, PREPARE_COMMANDS,
};
use crate::support::validate::{arm_expr, arm_schema};
use crate::support::{self, files_under, lay_out, run_in};

/// The commands the script template means to emit.
pub const SCRIPT_COMMANDS: &[&str] = &[
    "Get-AzVM",
    "Set-AzVMPlan",
    "Set-AzVMSecurityProfile",
    "Set-AzVMUefi",
    "Set-AzVMBootDiagnostic",
    "Get-AzResource",
    "New-AzDiskConfig",
    "Set-AzDiskDiskEncryptionKey",
    "Set-AzDiskKeyEncryptionKey",
    "New-AzDisk",
    "New-AzVMConfig",
    "Set-AzVMOSDisk",
    "Add-AzVMDataDisk",
    "Get-AzVirtualNetwork",
    "Get-AzVirtualNetworkSubnetConfig",
    "New-AzPublicIpAddress",
    "New-AzNetworkInterface",
    "Add-AzVMNetworkInterface",
    "New-AzVM",
    "Set-AzVMExtension",
    "Get-AzMarketplaceTerms",
    "Get-AzDisk",
    "Find-GroupResource",
    "Where-Object",
    "Select-Object",
    "Write-Host",
    "Set-StrictMode",
    "Write-Verbose",
];

/// The input strings a fixture's outputs carry.
fn emitted_values(fx: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let cfg = &fx["config"];
    let push = |out: &mut Vec<String>, v: &Value| {
        if let Some(s) = v.as_str() {
            out.push(s.to_owned());
        }
    };
    // The source VM's name is not carried (the new VM is never named after it); `--vm-name` is.
    if let Some(args) = fx["args"].as_array() {
        if let Some(i) = args.iter().position(|a| a == "--vm-name") {
            push(&mut out, &args[i + 1]);
        }
    }
    if let Some(tags) = cfg["tags"].as_object() {
        for (k, v) in tags {
            out.push(k.clone());
            push(&mut out, v);
        }
    }
    let storage = if cfg["properties.storageProfile"].is_object() {
        &cfg["properties.storageProfile"]
    } else {
        &cfg["properties"]["storageProfile"]
    };
    let disks = std::iter::once(&storage["osDisk"])
        .chain(storage["dataDisks"].as_array().into_iter().flatten());
    // An id outside the job's target group is never attached (it may be the source's live
    // disk): the disk Backup's template attaches at the same place is, so that one is expected.
    let target = fx["job"]["Target resource group"].as_str();
    let template_disk = |d: &Value| -> Option<String> {
        let vm = fx["template"]["resources"]
            .as_array()?
            .iter()
            .find(|r| r["type"] == "Microsoft.Compute/virtualMachines")?;
        let s = &vm["properties"]["storageProfile"];
        let t = match d.get("lun") {
            Some(lun) if !lun.is_null() => s["dataDisks"]
                .as_array()?
                .iter()
                .find(|t| &t["lun"] == lun)?,
            _ => &s["osDisk"],
        };
        t["managedDisk"]["id"].as_str().map(str::to_owned)
    };
    for d in disks {
        let id = d["managedDisk"]["id"].as_str().map(|id| match target {
            Some(t) if !id.contains(&format!("/resourceGroups/{t}/")) => {
                template_disk(d).unwrap_or_else(|| id.to_owned())
            }
            _ => id.to_owned(),
        });
        if let Some(id) = id {
            out.extend(id.rsplit('/').next().map(str::to_owned));
            out.push(id);
        }
        // A disk the config names (`managedDisk: null`, `vhd.uri: ""`) is looked up by that name.
        if d["managedDisk"].is_null() && d["vhd"]["uri"] == "" {
            push(&mut out, &d["name"]);
        }
        push(&mut out, &d["vhd"]["uri"]);
    }
    out.retain(|s| s.chars().count() >= 3);
    out
}

/// Generate one format for a fixture; the written files.
pub fn outputs(fx: &Value, format: &str) -> Option<Vec<(String, String)>> {
    let laid = lay_out(fx);
    let mut args: Vec<String> = ["generate", "--format", format, "--out", "out"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(laid.source_args.clone());
    args.extend(laid.extra_args.clone());
    let run = run_in(laid.dir.path(), &args);
    (run.code == 0).then(|| {
        files_under(&laid.dir.path().join("out"))
            .into_iter()
            .map(|(p, t)| {
                (
                    p.file_name().expect("name").to_string_lossy().into_owned(),
                    t,
                )
            })
            .collect()
    })
}

/// One valid fixture's outputs: file name and text of each file written.
pub struct Generated {
    pub name: String,
    /// The input strings the outputs carry.
    pub values: Vec<String>,
    /// `None` when the fixture's inputs make no template.
    pub arm: Option<Vec<(String, String)>>,
    pub powershell: Vec<(String, String)>,
}

impl Generated {
    pub fn arm_file(&self, file: &str) -> Option<&str> {
        self.arm
            .as_ref()?
            .iter()
            .find(|f| f.0 == file)
            .map(|f| f.1.as_str())
    }

    pub fn script(&self) -> &str {
        &self.powershell[0].1
    }
}

/// Every valid fixture generated once for all the tests that check the outputs: each generation
/// spawns the binary, and the checks only read the files.
pub static GENERATED: LazyLock<Vec<Generated>> = LazyLock::new(|| {
    support::fixtures("valid")
        .into_iter()
        .map(|(name, fx)| {
            let powershell =
                outputs(&fx, "powershell").unwrap_or_else(|| panic!("{name}: powershell failed"));
            Generated {
                values: emitted_values(&fx),
                arm: outputs(&fx, "arm"),
                powershell,
                name,
            }
        })
        .collect()
});

pub fn check_template(
    template: &str,
    params: &str,
    literals: &[String],
) -> Result<(), Vec<String>> {
    let t: Value = serde_json::from_str(template).map_err(|e| vec![e.to_string()])?;
    let p: Value = serde_json::from_str(params).map_err(|e| vec![e.to_string()])?;
    let mut problems = Vec::new();
    problems.extend(arm_schema::validate_template(&t).err().unwrap_or_default());
    problems.extend(
        arm_schema::validate_parameters(&p)
            .err()
            .unwrap_or_default(),
    );
    let lits: Vec<&str> = literals.iter().map(String::as_str).collect();
    problems.extend(
        arm_expr::check_expressions_with_literals(&t, &lits)
            .err()
            .unwrap_or_default(),
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

pub fn check_script(script: &str, values: &[String]) -> Result<(), Vec<String>> {
    let allowed: Vec<&str> = SCRIPT_COMMANDS
        .iter()
        .chain(PREPARE_COMMANDS)
        .copied()
        .collect();
    check_script_allowing(script, values, &allowed)
}

#[test]
fn every_fixture_output_passes_the_independent_checks() {
    let (mut templates, mut scripts, mut prepares) = (0, 0, 0);
    for g in GENERATED.iter() {
        let name = &g.name;
        if g.arm.is_some() {
            let get = |n: &str| g.arm_file(n).expect(n);
            check_template(
                get("azuredeploy.json"),
                get("azuredeploy.parameters.json"),
                &g.values,
            )
            .unwrap_or_else(|e| panic!("{name}: azuredeploy.json:\n  {}", e.join("\n  ")));
            templates += 1;
            if let Some(prepare) = g.arm_file("prepare.ps1") {
                let mut values = g.values.clone();
                values.extend(key_values(&support::fixture("valid", name)));
                check_prepare(prepare, &values)
                    .unwrap_or_else(|e| panic!("{name}: prepare.ps1:\n  {}", e.join("\n  ")));
                prepares += 1;
            }
        }
        check_script(g.script(), &g.values)
            .unwrap_or_else(|e| panic!("{name}: restore-vm.ps1:\n  {}", e.join("\n  ")));
        scripts += 1;
    }
    eprintln!("validated {templates} templates (schemas, expressions), {scripts} scripts and {prepares} prepare.ps1 (grammar, commands, Az signatures, literals)");
    assert!(templates >= 20 && scripts >= 20 && prepares >= 16);
}

/// The checks bite on real outputs: each mutation of a generated file must be caught.
#[test]
fn mutated_outputs_are_rejected() {
    let g = GENERATED
        .iter()
        .find(|g| g.name == "managed-bek-kek-aad-windows")
        .expect("fixture");
    let values = &g.values;
    let template = g.arm_file("azuredeploy.json").expect("template");
    let params = g
        .arm_file("azuredeploy.parameters.json")
        .expect("parameters");
    check_template(template, params, values).expect("the original passes");
    for (what, from, to) in [
        (
            "misspelt property",
            "\"encryptionSettings\"",
            "\"encryptionSetings\"",
        ),
        (
            "string for a boolean",
            "\"enabled\": true",
            "\"enabled\": \"yes\"",
        ),
        ("unknown apiVersion", "\"2024-07-01\"", "\"2024-07-02\""),
        (
            "undeclared parameter",
            "parameters('keyVaultResourceId')",
            "parameters('keyVaultId')",
        ),
        (
            "unterminated expression",
            "\"[parameters('vmSize')]\"",
            "\"[parameters('vmSize')\"",
        ),
        (
            "broken expression",
            "\"[parameters('vmSize')]\"",
            "\"[parameters('vmSize'))]\"",
        ),
    ] {
        assert!(
            template.contains(from),
            "{what}: `{from}` not in the template"
        );
        assert!(
            check_template(&template.replacen(from, to, 1), params, values).is_err(),
            "{what} was not caught"
        );
    }
    let script = g.script();
    check_script(script, values).expect("the original passes");
    for (what, from, to) in [
        ("missing mandatory -Lun", " -Lun 0", ""),
        (
            "unknown parameter",
            "-CreateOption 'Attach' -Windows",
            "-CreateOption 'Attach' -Windws",
        ),
        (
            "extension without its mandatory type",
            " -ExtensionType 'AzureDiskEncryption'",
            "",
        ),
        (
            "pasted value",
            "-Name 'app01-osdisk-20240301-101500'",
            "-Name app01-osdisk-20240301-101500",
        ),
        (
            "injected command",
            "$ErrorActionPreference = 'Stop'",
            "$ErrorActionPreference = 'Stop'\nRemove-Item -Recurse 'C:\\'",
        ),
        ("unbalanced brace", "param(", "param({"),
        (
            "a create that does not look first",
            "$ErrorActionPreference = 'Stop'",
            "$ErrorActionPreference = 'Stop'\n$nic = New-AzNetworkInterface -Name 'nic' -ResourceGroupName 'g' -Location 'l' -SubnetId 's'",
        ),
        (
            "a change to Azure nobody classified",
            "$ErrorActionPreference = 'Stop'",
            "$ErrorActionPreference = 'Stop'\nif ($x) { Remove-AzDisk -ResourceGroupName 'g' -DiskName 'd' }",
        ),
        (
            "the VM created again on a second run",
            "} else {\n    New-AzVM ",
            "}\n{\n    New-AzVM ",
        ),
    ] {
        assert!(script.contains(from), "{what}: `{from}` not in the script");
        assert!(
            check_script(&script.replacen(from, to, 1), values).is_err(),
            "{what} was not caught"
        );
    }
}

/// G2: `Set-AzVMDiskEncryptionExtension -KeyEncryptionAlgorithm` accepts RSA-OAEP and RSA1_5 only
/// (the copied help's "Accepted values"); the cmdlet stopped after `New-AzVM` for a source wrapped
/// with RSA-OAEP-256. The script now installs the extension as the template does, and the help
/// check catches that call if it ever comes back: for the accepted values, not for anything else.
#[test]
fn a_value_the_cmdlet_does_not_accept_is_caught() {
    let g = GENERATED
        .iter()
        .find(|g| g.name == "kek-rsa-oaep-256-os-only-windows")
        .expect("fixture");
    let script = g.script();
    check_script(script, &g.values).expect("the original passes");
    let line = script
        .lines()
        .find(|l| l.starts_with("Set-AzVMExtension "))
        .expect("the extension is installed with Set-AzVMExtension");
    assert!(script.contains("'KeyEncryptionAlgorithm' = 'RSA-OAEP-256'"));
    let before = "Set-AzVMDiskEncryptionExtension -ResourceGroupName $ResourceGroupName -VMName $VMName -DiskEncryptionKeyVaultUrl $KeyVaultUrl -DiskEncryptionKeyVaultId $KeyVaultResourceId -KeyEncryptionKeyUrl $KeyEncryptionKeyUrl -KeyEncryptionKeyVaultId $KekVaultResourceId -KeyEncryptionAlgorithm 'RSA-OAEP-256' -VolumeType $VolumeType -Force";
    let mut allowed: Vec<&str> = SCRIPT_COMMANDS
        .iter()
        .chain(PREPARE_COMMANDS)
        .copied()
        .collect();
    allowed.push("Set-AzVMDiskEncryptionExtension");
    let e = check_script_allowing(&script.replacen(line, before, 1), &g.values, &allowed)
        .expect_err("RSA-OAEP-256 is not an accepted value");
    assert!(
        e.iter()
            .any(|p| p.contains("-KeyEncryptionAlgorithm 'RSA-OAEP-256'")
                && p.contains("accepted values")),
        "{e:?}"
    );
    let fixed = before.replace("'RSA-OAEP-256'", "'RSA-OAEP'");
    check_script_allowing(&script.replacen(line, &fixed, 1), &g.values, &allowed)
        .expect("the same call with an accepted value passes");
}

/// The deploy command `prepare.ps1` prints overrides template parameters by name: each name must
/// be one the template declares, or the deployment fails (or silently keeps the old reference).
#[test]
fn prepare_overrides_name_template_parameters() {
    let mut checked = 0;
    for g in GENERATED.iter() {
        let Some(prepare) = g.arm_file("prepare.ps1") else {
            continue;
        };
        let template: Value =
            serde_json::from_str(g.arm_file("azuredeploy.json").expect("template")).expect("json");
        let block = prepare
            .split("$keyParameters = [ordered] @{")
            .nth(1)
            .and_then(|b| b.split("\n}").next())
            .unwrap_or_else(|| panic!("{}: prepare.ps1 prints no deploy overrides", g.name));
        let names: Vec<&str> = block
            .lines()
            .filter_map(|l| l.trim().strip_prefix('\'')?.split('\'').next())
            .collect();
        assert!(names.len() >= 2, "{}: {names:?}", g.name);
        for n in names {
            assert!(
                template["parameters"].get(n).is_some(),
                "{}: prepare.ps1 overrides `{n}`, which azuredeploy.json does not declare",
                g.name
            );
        }
        checked += 1;
    }
    assert!(checked >= 16, "{checked} prepare.ps1");
}

/// The checks bite on `prepare.ps1` too.
#[test]
fn mutated_prepare_scripts_are_rejected() {
    let g = GENERATED
        .iter()
        .find(|g| g.name == "restore-keys-managed-bek-kek-noaad-linux")
        .expect("fixture");
    let mut values = g.values.clone();
    values.extend(key_values(&support::fixture("valid", &g.name)));
    let script = g.arm_file("prepare.ps1").expect("prepare.ps1");
    check_prepare(script, &values).expect("the original passes");
    for (what, from, to) in [
        (
            "missing mandatory -InputFile",
            "Restore-AzKeyVaultKey -VaultName $target.VaultName -InputFile $backupFile",
            "Restore-AzKeyVaultKey -VaultName $target.VaultName",
        ),
        (
            "unknown parameter",
            "-DiskUpdate $diskUpdate\n",
            "-DiskUpdates $diskUpdate\n",
        ),
        (
            "a switch given a value",
            "-UseConnectedAccount",
            "-UseConnectedAccount $true",
        ),
        (
            "pasted value",
            "-DiskName 'app01-osdisk-20240301-101500'",
            "-DiskName app01-osdisk-20240301-101500",
        ),
        (
            "command the steps do not mean",
            "$ErrorActionPreference = 'Stop'",
            "$ErrorActionPreference = 'Stop'\nInvoke-Expression $EncryptionInfo",
        ),
        (
            "the re-stamp compares the secret URL alone (G1)",
            "    'KEK URL' = $KeyEncryptionKeyUrl\n    'KEK vault' = $KekVaultResourceId\n",
            "",
        ),
        (
            "a restore that does not look first",
            "$ErrorActionPreference = 'Stop'",
            "$ErrorActionPreference = 'Stop'\n$null = Restore-AzKeyVaultKey -VaultName 'v' -InputFile 'f'",
        ),
        (
            "S4: a secret set without the name gate",
            "        Assert-VaultNameFree -Kind 'secret' -Vault $target.VaultName -Name $bekRef.Name\n",
            "",
        ),
        (
            "S4: a key restored without the name gate",
            "        Assert-VaultNameFree -Kind 'key' -Vault $target.VaultName -Name $kekRef.Name\n",
            "",
        ),
        (
            "S4: a gate that lets an active name through",
            "    if ($held) {\n        throw",
            "    if ($held -and $false) {\n        Write-Warning",
        ),
        (
            "S5: the re-stamp without the ManagedBy guard",
            "    Assert-RestoredDisk -Disk $osDisk\n",
            "",
        ),
        (
            "S5: a guard that warns and goes on",
            "    throw ('OS disk {0} is attached",
            "    Write-Warning ('OS disk {0} is attached",
        ),
        (
            "try without finally",
            " finally {\n        if ($downloaded) { [System.IO.File]::Delete($downloaded) }\n    }",
            "",
        ),
    ] {
        assert!(script.contains(from), "{what}: `{from}` not in prepare.ps1");
        assert!(
            check_prepare(&script.replacen(from, to, 1), &values).is_err(),
            "{what} was not caught"
        );
    }
}

static UNCHECKED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The imports of every fixture, with the line each must be checked before: `restore-vm.ps1`'s
/// `New-AzDiskConfig -CreateOption 'Import'` lines (the account from its `-SourceUri`), and for
/// an ARM template that imports, the line where `prepare.ps1` prints the deploy command.
fn imports(g: &Generated) -> Vec<(String, &str, String, usize)> {
    let mut out = Vec::new();
    for (i, l) in g.script().lines().enumerate() {
        if l.contains("New-AzDiskConfig") && l.contains("-CreateOption 'Import'") {
            let account = l
                .split("-SourceUri 'https://")
                .nth(1)
                .and_then(|u| u.split('.').next())
                .expect("an import names its VHD URL");
            out.push(("restore-vm.ps1".into(), g.script(), account.into(), i + 1));
        }
    }
    let Some(template) = g.arm_file("azuredeploy.json") else {
        return out;
    };
    let t: Value = serde_json::from_str(template).expect("json");
    let accounts: Vec<String> = t["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["properties"]["creationData"]["createOption"] == "Import")
        .filter_map(|r| {
            let id = r["properties"]["creationData"]["storageAccountId"].as_str()?;
            Some(id.rsplit('\'').nth(1)?.to_owned())
        })
        .collect();
    // An unencrypted VHD source's bundle has no prepare.ps1, so nothing checks its imports: a
    // gap the closing note names, counted so that it cannot grow unseen.
    let Some(prepare) = g.arm_file("prepare.ps1") else {
        if !accounts.is_empty() {
            UNCHECKED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        return out;
    };
    for account in accounts {
        let deploy = prepare
            .lines()
            .position(|l| l.starts_with("Write-Host 'ready."))
            .expect("prepare.ps1 prints the deploy command")
            + 1;
        out.push(("prepare.ps1".into(), prepare, account, deploy));
    }
    out
}

/// G7, G8 as a class: every VHD import of every fixture, in either format, follows a read of its
/// staging account that stops when it is missing or outside the VM's region; and the rule bites
/// on the real scripts with the region check or the read taken out.
#[test]
fn every_vhd_import_follows_a_check_of_its_staging_account() {
    use crate::support::validate::staging::check_region_checked_before;
    let mut checked = 0;
    for g in GENERATED.iter() {
        for (file, script, account, act) in imports(g) {
            if let Err(e) = check_region_checked_before(script, &account, act) {
                panic!("{}: {file}: {e}", g.name);
            }
            checked += 1;
        }
    }
    assert!(checked >= 16, "{checked} imports checked");
    let unchecked = UNCHECKED.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        unchecked <= 2,
        "{unchecked} ARM bundles import VHDs with no prepare.ps1 to check the staging account"
    );
    let g = GENERATED
        .iter()
        .find(|g| g.name == "unmanaged-bek-kek-noaad-windows")
        .expect("fixture");
    for (file, script, account, act) in imports(g) {
        for (cut, why) in [(".Location -replace", "region"), ("Get-AzResource", "read")] {
            let mutated: String = script
                .lines()
                .map(|l| if l.contains(cut) { "" } else { l })
                .collect::<Vec<_>>()
                .join("\n");
            assert!(
                check_region_checked_before(&mutated, &account, act).is_err(),
                "{file} without its {why} check passes"
            );
        }
    }
}

/// The existing NICs of every fixture each format attaches, with the line each must be checked
/// before: `restore-vm.ps1`'s `Add-AzVMNetworkInterface -Id '<id>'` lines, and for a template that
/// references a NIC by id (not a resource it creates), the line where `prepare.ps1` prints the
/// deploy command. A template that does so without `prepare.ps1` is an error of its own.
fn existing_nics(g: &Generated) -> Result<Vec<(String, &str, String, usize)>, String> {
    let mut out = Vec::new();
    for (i, l) in g.script().lines().enumerate() {
        if let Some(id) = l
            .split("Add-AzVMNetworkInterface -VM $vm -Id '")
            .nth(1)
            .and_then(|r| r.split('\'').next())
        {
            out.push(("restore-vm.ps1".into(), g.script(), id.to_owned(), i + 1));
        }
    }
    let Some(template) = g.arm_file("azuredeploy.json") else {
        return Ok(out);
    };
    let t: Value = serde_json::from_str(template).expect("json");
    let ids: Vec<String> = t["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["type"] == "Microsoft.Compute/virtualMachines")
        .flat_map(|r| {
            r["properties"]["networkProfile"]["networkInterfaces"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|n| n["id"].as_str().map(str::to_owned))
        .filter(|id| !id.starts_with('['))
        .collect();
    if ids.is_empty() {
        return Ok(out);
    }
    let prepare = g.arm_file("prepare.ps1").ok_or(
        "the template attaches existing NICs and the bundle has no prepare.ps1 to check them",
    )?;
    let deploy = prepare
        .lines()
        .position(|l| l.starts_with("Write-Host 'ready."))
        .expect("prepare.ps1 prints the deploy command")
        + 1;
    for id in ids {
        out.push(("prepare.ps1".into(), prepare, id, deploy));
    }
    Ok(out)
}

/// Issue 18 item 2 as a class: every existing NIC either format attaches, of every fixture, follows
/// a read that stops when it is missing or another VM holds it; and the rule bites on the real
/// scripts with the holder check or the read taken out.
#[test]
fn every_reused_nic_follows_a_check_that_no_vm_holds_it() {
    use crate::support::validate::nics::check_nic_free_before;
    let mut checked = 0;
    for g in GENERATED.iter() {
        let nics = existing_nics(g).unwrap_or_else(|e| panic!("{}: {e}", g.name));
        for (file, script, id, act) in nics {
            if let Err(e) = check_nic_free_before(script, &id, act) {
                panic!("{}: {file}: {e}", g.name);
            }
            checked += 1;
        }
    }
    assert!(checked >= 4, "{checked} reused NICs checked");
    let g = GENERATED
        .iter()
        .find(|g| g.name == "reuse-source-nics-managed-bek-noaad-windows")
        .expect("fixture");
    let nics = existing_nics(g).expect("checked");
    assert!(
        nics.iter().any(|n| n.0 == "prepare.ps1") && nics.iter().any(|n| n.0 == "restore-vm.ps1")
    );
    for (file, script, id, act) in nics {
        for (from, to, why) in [
            (
                "throw ('network interface {0} is attached",
                "Write-Warning ('network interface {0} is attached",
                "holder",
            ),
            (
                "Get-AzResource -ResourceId $sourceNicId",
                "Get-AzResource -Name $sourceNicId",
                "read",
            ),
            (
                "throw ('network interface {0} could not be read",
                "Write-Warning ('network interface {0} could not be read",
                "missing",
            ),
        ] {
            assert!(script.contains(from), "{file}: `{from}` not found");
            let mutated = script.replacen(from, to, 1);
            assert!(
                check_nic_free_before(&mutated, &id, act).is_err(),
                "{file} without its {why} check passes"
            );
        }
    }
}

/// Issue 18 item 2 as a class: in every fixture's `restore-vm.ps1`, the k-th new NIC takes the
/// k-th entry of `-NicSubnetIds`; and the rule bites on the real three-NIC script with an index
/// shifted, a guard off by one, or two blocks swapped.
#[test]
fn every_new_nic_takes_its_own_subnet_entry() {
    use crate::support::validate::nics::each_nic_takes_its_own_subnet;
    let mut checked = 0;
    for g in GENERATED.iter() {
        for (name, body) in &g.powershell {
            if name.ends_with("restore-vm.ps1") {
                checked += each_nic_takes_its_own_subnet(body)
                    .unwrap_or_else(|e| panic!("{}: {name}: {e}", g.name));
            }
        }
    }
    assert!(checked >= 3, "{checked} subnet reads checked");
    let g = GENERATED
        .iter()
        .find(|g| g.name == "three-nics-accelerated-managed-bek-kek-noaad-linux")
        .expect("fixture");
    let (_, script) = g
        .powershell
        .iter()
        .find(|(n, _)| n.ends_with("restore-vm.ps1"))
        .expect("script");
    assert_eq!(each_nic_takes_its_own_subnet(script), Ok(3));
    for (from, to, why) in [
        ("$NicSubnetIds[2]", "$NicSubnetIds[1]", "an index shifted"),
        (
            "$NicSubnetIds.Count -gt 1",
            "$NicSubnetIds.Count -gt 0",
            "a guard off by one",
        ),
        (
            "$nicName = $NetworkInterfaceName + '-1'",
            "$nicName = $NetworkInterfaceName + '-2'",
            "a block out of order",
        ),
    ] {
        assert!(script.contains(from), "`{from}` not found");
        assert!(
            each_nic_takes_its_own_subnet(&script.replacen(from, to, 1)).is_err(),
            "{why} passes"
        );
    }
}

/// The class behind the optional `-EncryptionInfo` (issue 19 row 11): no script parameter that is
/// empty by default reaches a command before it is filled or tested, in every fixture's scripts of
/// both formats; and the rule bites on real scripts with the guard of `Read-EncryptionInfo`
/// removed, a default no longer filled, or a new direct read of the optional file.
#[test]
fn empty_optional_parameters_reach_no_command_unfilled_or_unguarded() {
    use crate::support::validate::optional::empty_defaults_are_filled_or_guarded;
    let mut checked = 0;
    for g in GENERATED.iter() {
        let arm = g.arm.iter().flatten();
        for (name, body) in g.powershell.iter().chain(arm) {
            if name.ends_with(".ps1") {
                checked += empty_defaults_are_filled_or_guarded(body)
                    .unwrap_or_else(|e| panic!("{}: {name}: {e}", g.name));
            }
        }
    }
    assert!(checked >= 200, "{checked} uses checked");
    let script = |fixture: &str, file: &str| -> String {
        let g = GENERATED
            .iter()
            .find(|g| g.name == fixture)
            .unwrap_or_else(|| panic!("fixture {fixture}"));
        let arm = g.arm.iter().flatten();
        g.powershell
            .iter()
            .chain(arm)
            .find(|(n, _)| n.ends_with(file))
            .map(|(_, b)| b.clone())
            .unwrap_or_else(|| panic!("{fixture}: {file}"))
    };
    let keys = GENERATED
        .iter()
        .find(|g| g.name.starts_with("restore-keys-"))
        .map(|g| g.name.clone())
        .expect("a restore-keys fixture");
    let restore = script(&keys, "restore-vm.ps1");
    let vm = script(
        "three-nics-accelerated-managed-bek-kek-noaad-linux",
        "restore-vm.ps1",
    );
    for (body, from, to, why) in [
        (
            &restore,
            "    if (-not $Source) { throw ",
            "    if ($false) { throw ",
            "Read-EncryptionInfo without its guard",
        ),
        (
            &restore,
            "    param([string] $Source)\n",
            "    param([string] $Source)\n    $null = Get-Content $EncryptionInfo\n",
            "a direct read of the optional file",
        ),
        (
            &vm,
            "if (-not $NetworkInterfaceName) { $NetworkInterfaceName = ",
            "if ($false) { $NetworkInterfaceName = ",
            "the NIC name's default not filled",
        ),
        (
            &vm,
            "if (-not $NetworkInterfaceName) { $NetworkInterfaceName = $VMName + '-restored-nic' }",
            "if (-not $NetworkInterfaceName) { $NetworkInterfaceName = '' }",
            "the NIC name filled with nothing",
        ),
    ] {
        assert!(body.contains(from), "{why}: `{from}` not found");
        assert!(
            empty_defaults_are_filled_or_guarded(&body.replacen(from, to, 1)).is_err(),
            "{why} passes"
        );
    }
}
