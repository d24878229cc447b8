//! A second run of a generated script changes nothing, and a run after a failure finishes the
//! job: rules on the scripts' structure, since no PowerShell runs here. Each call that changes
//! Azure is classified; a creating call must sit under an `if` and follow a read of the same kind
//! of resource (look, then act), and the OS disk re-stamp must compare every reference it writes.

use super::az_help::looks_like_az;
use super::powershell::{parse_script, ParamValue};

/// Calls that create or change a resource, with the reads that can tell it already exists.
const CREATES: &[(&str, &[&str])] = &[
    ("New-AzDisk", &["Get-AzDisk", "Get-AzResource"]),
    (
        "New-AzNetworkInterface",
        &["Get-AzNetworkInterface", "Get-AzResource"],
    ),
    (
        "New-AzPublicIpAddress",
        &["Get-AzPublicIpAddress", "Get-AzResource"],
    ),
    ("New-AzVM", &["Get-AzVM"]),
    ("Update-AzDisk", &["Get-AzDisk"]),
    ("Restore-AzKeyVaultKey", &["Get-AzKeyVaultKey"]),
    ("Restore-AzKeyVaultSecret", &["Get-AzKeyVaultSecret"]),
    ("Set-AzKeyVaultSecret", &["Get-AzKeyVaultSecret"]),
];

/// Calls that only build an object in the session (nothing in Azure changes).
const LOCAL: &[&str] = &[
    "New-AzVMConfig",
    "New-AzDiskConfig",
    "New-AzDiskUpdateConfig",
    "New-AzStorageContext",
    "Set-AzVMPlan",
    "Set-AzVMSecurityProfile",
    "Set-AzVMUefi",
    "Set-AzVMOSDisk",
    "Add-AzVMDataDisk",
    "Set-AzVMBootDiagnostic",
    "Add-AzVMNetworkInterface",
    "Set-AzDiskDiskEncryptionKey",
    "Set-AzDiskKeyEncryptionKey",
    "Set-AzDiskUpdateDiskEncryptionKey",
    "Set-AzDiskUpdateKeyEncryptionKey",
];

/// Calls meant to run again on every run: the ADE extension is re-applied with a new
/// `-ForceRerun` value, as the template's `forceUpdateTag` does, and enabling encryption on
/// encrypted volumes is the documented re-apply step.
const RERUN: &[&str] = &["Set-AzVMExtension", "Set-AzVMDiskEncryptionExtension"];

fn is(name: &str, list: &[&str]) -> bool {
    list.iter().any(|l| l.eq_ignore_ascii_case(name))
}

/// Every Az call that changes Azure looks first: it is classified, it runs under an `if`, and a
/// read of the same kind of resource comes before it.
pub fn check_looks_before_it_acts(script: &str) -> Result<(), Vec<String>> {
    let s = parse_script(script)?;
    let mut problems = Vec::new();
    for inv in s.commands.iter().filter(|c| looks_like_az(&c.name)) {
        let verb = inv.name.split('-').next().unwrap_or_default();
        if verb.eq_ignore_ascii_case("Get") || is(&inv.name, LOCAL) || is(&inv.name, RERUN) {
            continue;
        }
        let at = format!("line {}: `{}`", inv.line, inv.name);
        let Some((_, readers)) = CREATES
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(&inv.name))
        else {
            problems.push(format!(
                "{at} changes Azure and is not classified: add it to CREATES (with the read that finds what it makes), LOCAL or RERUN in tests/support/validate/idempotence.rs"
            ));
            continue;
        };
        if !inv.conditional {
            problems.push(format!(
                "{at} runs on every run: a second run would create it again; put it under an `if` on what a read found"
            ));
        }
        let read_before = s
            .commands
            .iter()
            .any(|c| c.line < inv.line && is(&c.name, readers));
        if !read_before {
            problems.push(format!(
                "{at} has no read before it ({readers:?}): the script cannot know it already exists"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The OS disk re-stamp skips a disk only when it already names every reference the stamp would
/// write: each value given to `Set-AzDiskUpdate*EncryptionKey` is in the compared `$wanted` block.
/// (Comparing the secret URL alone left a disk pointing at a deleted KEK after a KEK-only restore.)
pub fn check_restamp_compares_what_it_stamps(script: &str) -> Result<(), Vec<String>> {
    let s = parse_script(script)?;
    let stamps: Vec<_> = s
        .commands
        .iter()
        .filter(|c| {
            c.name
                .eq_ignore_ascii_case("Set-AzDiskUpdateDiskEncryptionKey")
                || c.name
                    .eq_ignore_ascii_case("Set-AzDiskUpdateKeyEncryptionKey")
        })
        .collect();
    if stamps.is_empty() {
        return Ok(());
    }
    let Some(block) = script
        .split("$wanted = [ordered] @{")
        .nth(1)
        .and_then(|b| b.split("\n}").next())
    else {
        return Err(vec![
            "the re-stamp has no `$wanted` block: nothing says which references are compared"
                .to_owned(),
        ]);
    };
    let compared: Vec<&str> = block
        .lines()
        .filter_map(|l| l.split_once('=').map(|(_, v)| v.trim()))
        .collect();
    let mut problems = Vec::new();
    if !script.contains("$changed = @($wanted.Keys") {
        problems.push("the re-stamp does not decide on the `$wanted` block".to_owned());
    }
    for inv in stamps {
        for (name, value) in &inv.params {
            let ParamValue::Value(v) = value else {
                continue;
            };
            let stamped = ["SecretUrl", "KeyUrl", "SourceVaultId"]
                .iter()
                .any(|p| p.eq_ignore_ascii_case(name));
            if stamped && !compared.contains(&v.as_str()) {
                problems.push(format!(
                    "line {}: `{} -{name} {v}` is stamped but not compared: a disk naming another value would be kept",
                    inv.line, inv.name
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The existing-VM check tells an earlier run's VM from a stranger's by a substring test on its
/// disk id; a pattern that can be empty matches every VM (an `EndsWith('')` let a VM of the same
/// name that carries other disks pass as "an earlier run"). So the pattern of every substring test
/// (`.EndsWith(`, `.StartsWith(`, `.Contains(`) must not be an empty literal, nor a variable whose
/// every assignment is one.
pub fn check_no_empty_match_pattern(script: &str) -> Result<(), Vec<String>> {
    let mut assigned: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for line in script.lines() {
        let t = line.trim_start();
        let Some(rest) = t.strip_prefix('$') else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let after = rest[name.len()..].trim_start();
        if let Some(value) = after.strip_prefix('=').filter(|v| !v.starts_with('=')) {
            assigned
                .entry(name.to_ascii_lowercase())
                .or_default()
                .push(value.trim().to_owned());
        }
    }
    let empty = |v: &str| v == "''" || v == "\"\"" || v == "$null" || v.is_empty();
    let mut problems = Vec::new();
    for (n, line) in script.lines().enumerate() {
        for method in [".EndsWith(", ".StartsWith(", ".Contains("] {
            for (i, _) in line.match_indices(method) {
                let arg = line[i + method.len()..].trim_start();
                let pattern_empty = if let Some(var) = arg.strip_prefix('$') {
                    let name: String = var
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    assigned
                        .get(&name.to_ascii_lowercase())
                        .is_some_and(|vs| vs.iter().all(|v| empty(v)))
                } else {
                    arg.starts_with("'')") || arg.starts_with("\"\")")
                };
                if pattern_empty {
                    problems.push(format!(
                        "line {}: `{}` tests against an empty pattern, which every string matches",
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The script finds a restored disk the config names in `$RestoredDisksResourceGroupName`, the
/// group the deployment attaches from; a step that reads or stamps the same disk in a literal
/// group works on another disk as soon as the operator overrides the parameter (the OS disk
/// re-stamp did, until it was caught). So where the script declares that parameter, every disk
/// call with a literal `-DiskName` takes `-ResourceGroupName $RestoredDisksResourceGroupName`.
pub fn check_restored_disks_one_group(script: &str) -> Result<(), Vec<String>> {
    const PARAM: &str = "$RestoredDisksResourceGroupName";
    if !script.contains(&format!("[string] {PARAM}")) {
        return Ok(());
    }
    let s = parse_script(script)?;
    let mut problems = Vec::new();
    for inv in &s.commands {
        if !["Get-AzDisk", "Update-AzDisk", "New-AzDisk"]
            .iter()
            .any(|c| c.eq_ignore_ascii_case(&inv.name))
        {
            continue;
        }
        let value = |name: &str| {
            inv.params.iter().find_map(|(n, v)| match v {
                ParamValue::Value(v) if n.eq_ignore_ascii_case(name) => Some(v.as_str()),
                _ => None,
            })
        };
        let literal_name = value("DiskName").is_some_and(|n| n.starts_with('\''));
        if literal_name && value("ResourceGroupName") != Some(PARAM) {
            problems.push(format!(
                "line {}: `{}` reads or changes the restored disk {} in group {} instead of {PARAM}: an overridden group would stamp another disk than the one attached",
                inv.line,
                inv.name,
                value("DiskName").unwrap_or_default(),
                value("ResourceGroupName").unwrap_or("(none)")
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_create_needs_a_read_and_an_if() {
        check_looks_before_it_acts(
            "$d = Get-AzDisk -ResourceGroupName 'g' -DiskName 'd'\nif (-not $d) { $d = New-AzDisk -ResourceGroupName 'g' -DiskName 'd' -Disk $c }\n",
        )
        .expect("looks, then acts");
        let e = check_looks_before_it_acts(
            "$d = Get-AzDisk -ResourceGroupName 'g' -DiskName 'd'\n$d = New-AzDisk -ResourceGroupName 'g' -DiskName 'd' -Disk $c\n",
        )
        .expect_err("unconditional");
        assert!(e[0].contains("every run"), "{e:?}");
        let e = check_looks_before_it_acts("if ($x) { New-AzVM -ResourceGroupName 'g' -VM $vm }\n")
            .expect_err("no read");
        assert!(e[0].contains("no read"), "{e:?}");
        let e = check_looks_before_it_acts("if ($x) { Remove-AzVM -Name 'v' }\n")
            .expect_err("unclassified");
        assert!(e[0].contains("not classified"), "{e:?}");
    }

    #[test]
    fn the_restamp_compares_every_stamped_reference() {
        let stamp = "$diskUpdate = Set-AzDiskUpdateDiskEncryptionKey -DiskUpdate $u -SecretUrl $S -SourceVaultId $V\n$diskUpdate = Set-AzDiskUpdateKeyEncryptionKey -DiskUpdate $u -KeyUrl $K -SourceVaultId $KV\n";
        let all = format!("$wanted = [ordered] @{{\n    'a' = $S\n    'b' = $V\n    'c' = $K\n    'd' = $KV\n}}\n$changed = @($wanted.Keys | Where-Object {{ $_ }})\n{stamp}");
        check_restamp_compares_what_it_stamps(&all).expect("all four compared");
        let secret_only = format!("$wanted = [ordered] @{{\n    'a' = $S\n}}\n$changed = @($wanted.Keys | Where-Object {{ $_ }})\n{stamp}");
        let e = check_restamp_compares_what_it_stamps(&secret_only).expect_err("KEK not compared");
        assert_eq!(e.len(), 3, "{e:?}");
    }

    #[test]
    fn an_empty_pattern_matches_every_vm() {
        let bad = "$restoredOsDisk = ''\nif (-not $a.ToLowerInvariant().EndsWith($restoredOsDisk.ToLowerInvariant())) { throw 'x' }\n";
        let e = check_no_empty_match_pattern(bad).expect_err("empty pattern");
        assert!(e[0].contains("line 2"), "{e:?}");
        check_no_empty_match_pattern(
            "$restoredOsDisk = ('/resourceGroups/{0}/providers/Microsoft.Compute/disks/{1}' -f $G, 'd')\nif ($a.EndsWith($restoredOsDisk)) { }\n",
        )
        .expect("a pattern with content");
        check_no_empty_match_pattern("if ($a.EndsWith('')) { }\n").expect_err("literal");
    }

    #[test]
    fn a_named_disk_is_read_and_stamped_in_the_parameter_group() {
        let head = "param(\n    [string] $RestoredDisksResourceGroupName = 'rg'\n)\n";
        let good = format!("{head}$d = Get-AzDisk -ResourceGroupName $RestoredDisksResourceGroupName -DiskName 'os1'\n");
        check_restored_disks_one_group(&good).expect("the parameter");
        let bad = format!("{head}$d = Get-AzDisk -ResourceGroupName 'rg' -DiskName 'os1'\n");
        let e = check_restored_disks_one_group(&bad).expect_err("a literal group");
        assert!(e[0].contains("line 4"), "{e:?}");
        check_restored_disks_one_group("$d = Get-AzDisk -ResourceGroupName 'rg' -DiskName 'os1'\n")
            .expect("no parameter, an id-shape disk: its group is the id's");
    }
}
