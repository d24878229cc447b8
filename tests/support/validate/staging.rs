//! A VHD is imported only in its storage account's region (a Cross Region Restore stages it in the
//! secondary region), and from the group the deployment names. No PowerShell runs here, so the rule
//! is on the scripts' structure: every import, the template's or `restore-vm.ps1`'s, must follow a
//! read of that staging account, a `throw` when it is not found, and a `throw` when its `Location`
//! is not the VM's `$Location` (issue 16, G7 and G8).

/// Whether `script` checks `account` before line `act` (1-based): the last read of the account
/// before it, then a `throw` when nothing was read and one when the regions differ.
pub fn check_region_checked_before(script: &str, account: &str, act: usize) -> Result<(), String> {
    let lines: Vec<&str> = script.lines().collect();
    let upto = &lines[..act.saturating_sub(1).min(lines.len())];
    let quoted = format!("'{account}'");
    let (at, var) = upto
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, l)| {
            let t = l.trim_start();
            let read = t.contains("Get-AzResource")
                && t.contains(&quoted)
                && t.contains("'Microsoft.Storage/storageAccounts'");
            let (var, _) = t.split_once(" = ")?;
            read.then(|| (i, var.trim().to_owned()))
        })
        .ok_or_else(|| {
            format!("line {act}: imports from `{account}` without reading the account first (Get-AzResource -Name {quoted} -ResourceType 'Microsoft.Storage/storageAccounts')")
        })?;
    let after = &upto[at + 1..];
    let throws_from = |i: usize| {
        after[i..(i + 3).min(after.len())]
            .iter()
            .any(|l| l.contains("throw"))
    };
    let found = after
        .iter()
        .position(|l| l.contains(&format!("if (-not {var})")))
        .is_some_and(throws_from);
    let region = after
        .iter()
        .position(|l| {
            l.contains(&format!("{var}.Location")) && l.contains("-ne") && l.contains("$Location")
        })
        .is_some_and(throws_from);
    match (found, region) {
        (true, true) => Ok(()),
        (false, _) => Err(format!(
            "line {act}: imports from `{account}` without stopping when `{var}` found nothing"
        )),
        (true, false) => Err(format!(
            "line {act}: imports from `{account}` without stopping when `{var}.Location` is not the VM's `$Location`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const READ: &str =
        "$sa = Get-AzResource -Name 'st1' -ResourceType 'Microsoft.Storage/storageAccounts'\n";
    const FOUND: &str = "if (-not $sa) { throw 'gone' }\n";
    const REGION: &str = "if ($sa.Location -ne $Location) {\n    throw 'elsewhere'\n}\n";
    const ACT: &str = "New-AzDiskConfig -CreateOption 'Import'\n";

    fn act_line(s: &str) -> usize {
        s.lines().position(|l| l.contains("'Import'")).expect("act") + 1
    }

    #[test]
    fn an_import_needs_the_account_read_found_and_in_the_vms_region_first() {
        let good = format!("{READ}{FOUND}{REGION}{ACT}");
        check_region_checked_before(&good, "st1", act_line(&good)).expect("checked");
        for (bad, why) in [
            (format!("{FOUND}{REGION}{ACT}"), "without reading"),
            (format!("{READ}{REGION}{ACT}"), "found nothing"),
            (format!("{READ}{FOUND}{ACT}"), "is not the VM's"),
            (format!("{READ}{FOUND}{ACT}{REGION}"), "is not the VM's"),
            (
                format!(
                    "{READ}{FOUND}if ($sa.Location -ne $Location) {{ Write-Warning 'x' }}\n{ACT}"
                ),
                "is not the VM's",
            ),
        ] {
            let e = check_region_checked_before(&bad, "st1", act_line(&bad)).expect_err(why);
            assert!(e.contains(why), "{e}");
        }
        let other = good.replace("'st1'", "'st2'");
        check_region_checked_before(&other, "st1", act_line(&other))
            .expect_err("another account read");
    }
}
