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

/// The disk re-stamp touches only this restore's disk (attack run 2, S5: a config naming the
/// source VM's live OS disk made the operator re-stamp it with a BEK of the config's choosing).
/// So every stamp of an existing disk (`New-AzDiskUpdateConfig`, `Update-AzDisk`, and
/// `Set-AzDiskDiskEncryptionKey` on a disk that is not a `New-AzDiskConfig` being created) comes
/// after a call to a guard function of the script that reads the disk's `ManagedBy` and stops
/// (`throw`); for `Update-AzDisk`, the guard is given the disk read by `Get-AzDisk` under the same
/// `-DiskName`.
pub fn check_stamps_only_the_restored_disk(script: &str) -> Result<(), Vec<String>> {
    let s = parse_script(script)?;
    let funcs = functions(script);
    let lines: Vec<&str> = script.lines().collect();
    let value = |inv: &super::powershell::Invocation, name: &str| {
        inv.params.iter().find_map(|(n, v)| match v {
            ParamValue::Value(v) if n.eq_ignore_ascii_case(name) => Some(v.clone()),
            _ => None,
        })
    };
    // The variable each line assigns, and the command it assigns from.
    let assigned_from = |var: &str, cmd: &str| {
        let var = var.to_ascii_lowercase();
        s.commands.iter().any(|c| {
            c.name.eq_ignore_ascii_case(cmd)
                && lines[c.line - 1]
                    .trim_start()
                    .to_ascii_lowercase()
                    .starts_with(&format!("{var} ="))
        })
    };
    let is_guard = |name: &str| {
        funcs.iter().any(|(n, range)| {
            let body = lines[range.start() - 1..*range.end()].join("\n");
            n.eq_ignore_ascii_case(name) && body.contains(".ManagedBy") && body.contains("throw")
        })
    };
    // The `-DiskName` the guarded disk was read with.
    let guarded_name = |g: &super::powershell::Invocation| {
        let disk = value(g, "Disk")?.to_ascii_lowercase();
        s.commands.iter().find_map(|c| {
            (c.name.eq_ignore_ascii_case("Get-AzDisk")
                && c.line < g.line
                && lines[c.line - 1]
                    .trim_start()
                    .to_ascii_lowercase()
                    .starts_with(&format!("{disk} =")))
            .then(|| value(c, "DiskName"))
            .flatten()
        })
    };
    let mut problems = Vec::new();
    for w in &s.commands {
        let stamp = match w.name.to_ascii_lowercase().as_str() {
            "new-azdiskupdateconfig" | "update-azdisk" => true,
            "set-azdiskdiskencryptionkey" => {
                !value(w, "Disk").is_some_and(|d| assigned_from(&d, "New-AzDiskConfig"))
            }
            _ => false,
        };
        if !stamp {
            continue;
        }
        let target = w
            .name
            .eq_ignore_ascii_case("Update-AzDisk")
            .then(|| value(w, "DiskName"))
            .flatten();
        let guarded = s.commands.iter().any(|g| {
            g.line < w.line && is_guard(&g.name) && (target.is_none() || guarded_name(g) == target)
        });
        if !guarded {
            problems.push(format!(
                "line {}: `{}` stamps a disk{} without first checking who holds it (`ManagedBy`) and stopping when it is another VM than the restored one: it could re-stamp the source VM's live disk",
                w.line,
                w.name,
                target.map(|t| format!(" {t}")).unwrap_or_default()
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The Key Vault writes of a key restore: each writes under a name the inputs chose.
const VAULT_WRITES: &[(&str, &str)] = &[
    ("Restore-AzKeyVaultSecret", "Secret"),
    ("Set-AzKeyVaultSecret", "Secret"),
    ("Restore-AzKeyVaultKey", "Key"),
];

/// The script's functions: name and the 1-based line range of the body (from `function X {` at
/// the start of a line to the first `}` alone at that line's indentation).
fn functions(script: &str) -> Vec<(String, std::ops::RangeInclusive<usize>)> {
    let lines: Vec<&str> = script.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        let Some(rest) = t.strip_prefix("function ") else {
            continue;
        };
        let indent = &l[..l.len() - t.len()];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        let close = format!("{indent}}}");
        if let Some(end) = (i + 1..lines.len()).find(|&j| lines[j].trim_end() == close) {
            out.push((name, i + 1..=end + 1));
        }
    }
    out
}

/// A key restore never writes over a secret or key it did not create (attack run 2, S4: a BEK URL
/// naming `sql-admin-password` and a `SecretData` made `Set-AzKeyVaultSecret` add the input's
/// value as that secret's current version). So every `Restore-AzKeyVault*` and
/// `Set-AzKeyVaultSecret` comes after a call, on the same vault (and, for `Set`, the same name),
/// to a gate function of the script that reads that name in the removed state (`-InRemovedState`)
/// and in the active state, stops (`throw`) on each, and takes no `[bool]`/`[switch]` parameter
/// that could let a held name through (the old `-HeldAllowed` did).
pub fn check_writes_only_free_names(script: &str) -> Result<(), Vec<String>> {
    let s = parse_script(script)?;
    let funcs = functions(script);
    let lines: Vec<&str> = script.lines().collect();
    let body =
        |range: &std::ops::RangeInclusive<usize>| lines[range.start() - 1..*range.end()].join("\n");
    let value = |inv: &super::powershell::Invocation, names: &[&str]| {
        inv.params.iter().find_map(|(n, v)| match v {
            ParamValue::Value(v) if names.iter().any(|m| m.eq_ignore_ascii_case(n)) => {
                Some(v.clone())
            }
            _ => None,
        })
    };
    // The reads of each kind: the cmdlet itself, and any function whose body calls it (the
    // removed state through `-InRemovedState`, selected by a `-Deleted`-style switch).
    let reads = |kind: &str, removed: bool, inv: &super::powershell::Invocation| {
        let get = format!("Get-AzKeyVault{kind}");
        let switched = inv.params.iter().any(|(n, _)| {
            n.eq_ignore_ascii_case("InRemovedState") || n.eq_ignore_ascii_case("Deleted")
        });
        if switched != removed {
            return false;
        }
        if inv.name.eq_ignore_ascii_case(&get) {
            return true;
        }
        funcs.iter().any(|(n, r)| {
            n.eq_ignore_ascii_case(&inv.name)
                && s.commands.iter().any(|c| {
                    r.contains(&c.line)
                        && c.name.eq_ignore_ascii_case(&get)
                        && (!removed
                            || c.params
                                .iter()
                                .any(|(p, _)| p.eq_ignore_ascii_case("InRemovedState")))
                })
        })
    };
    let is_gate = |name: &str, kind: &str| {
        let Some((_, range)) = funcs.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) else {
            return false;
        };
        let text = body(range);
        let inside: Vec<_> = s
            .commands
            .iter()
            .filter(|c| range.contains(&c.line))
            .collect();
        let param_block = text
            .split(')')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        inside.iter().any(|c| reads(kind, true, c))
            && inside.iter().any(|c| reads(kind, false, c))
            && text.matches("throw").count() >= 2
            && !param_block.contains("[bool]")
            && !param_block.contains("[switch]")
    };
    let mut problems = Vec::new();
    for w in &s.commands {
        let Some((_, kind)) = VAULT_WRITES
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(&w.name))
        else {
            continue;
        };
        let vault = value(w, &["VaultName"]);
        let name = value(w, &["Name"]);
        let gated = s.commands.iter().any(|g| {
            g.line < w.line
                && is_gate(&g.name, kind)
                && value(g, &["Vault", "VaultName"]) == vault
                && (name.is_none() || value(g, &["Name"]) == name)
        });
        if !gated {
            problems.push(format!(
                "line {}: `{}` writes into vault {} without first checking that the name{} is free there, active and in the removed state (-InRemovedState), and stopping if not: it could write over a {} the restore did not create",
                w.line,
                w.name,
                vault.as_deref().unwrap_or("(none)"),
                name.map(|n| format!(" {n}")).unwrap_or_default(),
                kind.to_ascii_lowercase()
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

    const GUARD: &str = "function Assert-RestoredDisk {\n    param($Disk)\n    if (-not $Disk.ManagedBy) { return }\n    throw 'held'\n}\n";
    const READ: &str = "$osDisk = Get-AzDisk -ResourceGroupName 'g' -DiskName 'os1'\n";
    const STAMP: &str = "$u = New-AzDiskUpdateConfig -EncryptionSettingsEnabled $true\n$null = Update-AzDisk -ResourceGroupName 'g' -DiskName 'os1' -DiskUpdate $u\n";

    #[test]
    fn a_stamp_needs_a_managed_by_guard_on_the_same_disk() {
        let good = format!("{GUARD}{READ}Assert-RestoredDisk -Disk $osDisk\n{STAMP}");
        check_stamps_only_the_restored_disk(&good).expect("guarded");
        // S5 before the fix: the disk is stamped whoever holds it.
        let e = check_stamps_only_the_restored_disk(&format!("{GUARD}{READ}{STAMP}"))
            .expect_err("unguarded");
        assert_eq!(e.len(), 2, "{e:?}");
        // A guard that never stops, or that never looks at ManagedBy, is no guard.
        let lax = GUARD.replace("    throw 'held'\n", "");
        check_stamps_only_the_restored_disk(&format!(
            "{lax}{READ}Assert-RestoredDisk -Disk $osDisk\n{STAMP}"
        ))
        .expect_err("no throw");
        let blind = GUARD.replace(".ManagedBy", ".Name");
        check_stamps_only_the_restored_disk(&format!(
            "{blind}{READ}Assert-RestoredDisk -Disk $osDisk\n{STAMP}"
        ))
        .expect_err("no ManagedBy");
        // The guard checked another disk than the one updated.
        let other = format!("{GUARD}$x = Get-AzDisk -ResourceGroupName 'g' -DiskName 'other'\n{READ}Assert-RestoredDisk -Disk $x\n{STAMP}");
        let e = check_stamps_only_the_restored_disk(&other).expect_err("another disk guarded");
        assert!(e.iter().any(|p| p.contains("Update-AzDisk")), "{e:?}");
        // A disk being created from a VHD (restore-vm.ps1's import) is not a stamp of a disk.
        check_stamps_only_the_restored_disk(
            "$c = New-AzDiskConfig -Location 'x' -CreateOption 'Import'\n$c = Set-AzDiskDiskEncryptionKey -Disk $c -SecretUrl $S -SourceVaultId $V\n",
        )
        .expect("a new disk");
        let e = check_stamps_only_the_restored_disk(
            "$c = Get-AzDisk -ResourceGroupName 'g' -DiskName 'd'\n$c = Set-AzDiskDiskEncryptionKey -Disk $c -SecretUrl $S -SourceVaultId $V\n",
        )
        .expect_err("an existing disk, unguarded");
        assert!(e[0].contains("Set-AzDiskDiskEncryptionKey"), "{e:?}");
    }

    /// The finders and the gate as the steps define them, and the S4 script before the fix: its
    /// gate took `-HeldAllowed`, so a held name went on to `Set-AzKeyVaultSecret`.
    const FINDERS: &str = "function Find-VaultSecret {\n    param([string] $Vault, [string] $Name, [string] $Version, [switch] $Deleted)\n    if ($Deleted) { Get-AzKeyVaultSecret -VaultName $Vault -Name $Name -InRemovedState }\n    else { Get-AzKeyVaultSecret -VaultName $Vault -Name $Name }\n}\n";
    const GATE: &str = "function Assert-VaultNameFree {\n    param([string] $Kind, [string] $Vault, [string] $Name)\n    if (Find-VaultSecret -Vault $Vault -Name $Name -Deleted) { throw 'deleted' }\n    if (Find-VaultSecret -Vault $Vault -Name $Name -Version '') { throw 'held' }\n}\n";
    const SET: &str = "if (-not $bek) { $bek = Set-AzKeyVaultSecret -VaultName $t.VaultName -Name $r.Name -SecretValue $v }\n";

    #[test]
    fn a_vault_write_needs_a_gate_on_its_name_active_and_removed() {
        let good = format!("{FINDERS}{GATE}Assert-VaultNameFree -Kind 'secret' -Vault $t.VaultName -Name $r.Name\n{SET}");
        check_writes_only_free_names(&good).expect("gated");
        let ungated = format!("{FINDERS}{GATE}{SET}");
        let e = check_writes_only_free_names(&ungated).expect_err("no gate call");
        assert!(e[0].contains("Set-AzKeyVaultSecret"), "{e:?}");
        let other_name = format!("{FINDERS}{GATE}Assert-VaultNameFree -Kind 'secret' -Vault $t.VaultName -Name 'other'\n{SET}");
        check_writes_only_free_names(&other_name).expect_err("another name checked");
        let removed_only = GATE.replace(
            "    if (Find-VaultSecret -Vault $Vault -Name $Name -Version '') { throw 'held' }\n",
            "",
        );
        let e = check_writes_only_free_names(&format!("{FINDERS}{removed_only}Assert-VaultNameFree -Kind 'secret' -Vault $t.VaultName -Name $r.Name\n{SET}"))
            .expect_err("the active state is not checked");
        assert!(e[0].contains("-InRemovedState"), "{e:?}");
        let active_only = GATE.replace(" -Deleted)", " -Version '')");
        check_writes_only_free_names(&format!("{FINDERS}{active_only}Assert-VaultNameFree -Kind 'secret' -Vault $t.VaultName -Name $r.Name\n{SET}"))
            .expect_err("the removed state is not checked");
        let old = "function Assert-NameRestorable {\n    param([string] $Kind, [string] $Vault, [string] $Name, [bool] $Held, [bool] $HeldAllowed)\n    $deleted = Find-VaultSecret -Vault $Vault -Name $Name -Deleted\n    if ($deleted) { throw 'deleted' }\n    if ($Held -and -not $HeldAllowed) { throw 'held' }\n}\n";
        let before_fix = format!("{FINDERS}{old}$latest = Find-VaultSecret -Vault $t.VaultName -Name $r.Name -Version ''\nAssert-NameRestorable -Kind 'secret' -Vault $t.VaultName -Name $r.Name -Held ([bool] $latest) -HeldAllowed $true\n{SET}");
        check_writes_only_free_names(&before_fix).expect_err("S4: the script before the fix");
        let switch = GATE.replace("[string] $Name)", "[string] $Name, [bool] $HeldAllowed)");
        check_writes_only_free_names(&format!("{FINDERS}{switch}Assert-VaultNameFree -Kind 'secret' -Vault $t.VaultName -Name $r.Name\n{SET}"))
            .expect_err("a gate that can be told to let a name through");
    }
}
