//! A NIC that exists already (`--reuse-source-nics`) is attached only after the script has read
//! it and stopped unless no other VM holds it (issue 18, item 2): Azure would otherwise take a NIC
//! from under a running VM's feet, or fail half-way. No PowerShell runs here, so the rule is on the
//! scripts' structure: before each attach of an existing NIC (`restore-vm.ps1`'s
//! `Add-AzVMNetworkInterface -Id '<id>'`, or the template's reference by id, checked in
//! `prepare.ps1` before the deploy command), the id is read with `Get-AzResource -ResourceId`, a
//! failed read throws, and a `virtualMachine` holder throws.

fn throws_within(lines: &[&str], from: usize, n: usize) -> bool {
    lines[from..(from + n).min(lines.len())]
        .iter()
        .any(|l| l.trim_start().starts_with("throw"))
}

/// Whether `script` checks the existing NIC `nic` before line `act` (1-based).
pub fn check_nic_free_before(script: &str, nic: &str, act: usize) -> Result<(), String> {
    let lines: Vec<&str> = script.lines().collect();
    let upto = &lines[..act.saturating_sub(1).min(lines.len())];
    let quoted = format!("'{nic}'");
    // The id is named where it is read: on the read itself, or in the list a loop reads.
    let named = upto
        .iter()
        .rposition(|l| {
            let t = l.trim_start();
            t.contains(&quoted) && (t.starts_with("foreach (") || t.contains("Get-AzResource"))
        })
        .ok_or_else(|| format!("line {act}: attaches `{nic}` without reading it first"))?;
    let after = &upto[named..];
    let read = after
        .iter()
        .position(|l| l.contains("Get-AzResource -ResourceId"))
        .ok_or_else(|| {
            format!("line {act}: attaches `{nic}` without `Get-AzResource -ResourceId`")
        })?;
    let rest = &after[read..];
    let caught = rest
        .iter()
        .position(|l| l.trim_start().starts_with("} catch {"))
        .is_some_and(|i| throws_within(rest, i, 3));
    let held = rest
        .iter()
        .position(|l| l.contains("virtualMachine"))
        .is_some_and(|i| throws_within(rest, i, 6));
    match (caught, held) {
        (true, true) => Ok(()),
        (false, _) => Err(format!(
            "line {act}: attaches `{nic}` without stopping when it cannot be read"
        )),
        (true, false) => Err(format!(
            "line {act}: attaches `{nic}` without stopping when a VM holds it"
        )),
    }
}

/// Each new NIC of `restore-vm.ps1` takes its own entry of `-NicSubnetIds`: the block that
/// names the NIC `$NetworkInterfaceName + '-k'` (the primary: no suffix) reads
/// `$NicSubnetIds[k]` behind `Count -gt k`, and the blocks come in order 0, 1, 2… A shifted or
/// repeated index would put a NIC in another NIC's subnet without a word. Returns how many
/// subnet reads were checked.
pub fn each_nic_takes_its_own_subnet(script: &str) -> Result<usize, String> {
    let mut nic: Option<usize> = None;
    let mut expected = 0;
    let mut checked = 0;
    for (n, line) in script.lines().enumerate() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("$nicName = $NetworkInterfaceName") {
            let k = match rest.trim() {
                "" => 0,
                r => r
                    .strip_prefix("+ '-")
                    .and_then(|r| r.strip_suffix('\''))
                    .and_then(|r| r.parse().ok())
                    .ok_or_else(|| format!("line {}: a NIC name of unknown shape", n + 1))?,
            };
            if k != expected {
                return Err(format!(
                    "line {}: NIC {k} where NIC {expected} comes next",
                    n + 1
                ));
            }
            expected += 1;
            nic = Some(k);
        }
        if !t.contains("$NicSubnetIds") || t.starts_with("[string[]]") {
            continue;
        }
        let k = nic.ok_or_else(|| format!("line {}: a subnet read before any NIC", n + 1))?;
        let count = t
            .split("$NicSubnetIds.Count -gt ")
            .nth(1)
            .and_then(|r| r.split(')').next())
            .and_then(|r| r.trim().parse::<usize>().ok());
        let index = t
            .split("$NicSubnetIds[")
            .nth(1)
            .and_then(|r| r.split(']').next())
            .and_then(|r| r.trim().parse::<usize>().ok());
        if count != Some(k) || index != Some(k) {
            return Err(format!(
                "line {}: NIC {k} reads the subnet of entry {index:?} (guarded by Count -gt {count:?})",
                n + 1
            ));
        }
        checked += 1;
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    const READ: &str = "foreach ($id in @('/n/a')) {\n    try {\n        $n = Get-AzResource -ResourceId $id -ExpandProperties\n    } catch {\n        throw 'gone'\n    }\n";
    const HELD: &str = "    $h = $n.Properties.PSObject.Properties['virtualMachine']\n    if ($h -and $h.Value) {\n        throw 'held'\n    }\n}\n";
    const ACT: &str = "$vm = Add-AzVMNetworkInterface -VM $vm -Id '/n/a' -Primary\n";

    fn act_line(s: &str) -> usize {
        s.lines()
            .position(|l| l.contains("Add-AzVMNetworkInterface"))
            .expect("act")
            + 1
    }

    #[test]
    fn an_existing_nic_needs_a_read_that_stops_when_missing_or_held() {
        let good = format!("{READ}{HELD}{ACT}");
        check_nic_free_before(&good, "/n/a", act_line(&good)).expect("checked");
        for (bad, why) in [
            (ACT.to_owned(), "without reading"),
            (format!("{READ}{ACT}{HELD}"), "a VM holds it"),
            (
                format!(
                    "{}{HELD}{ACT}",
                    READ.replace("throw 'gone'", "Write-Warning 'gone'")
                ),
                "cannot be read",
            ),
            (
                format!(
                    "{READ}{}{ACT}",
                    HELD.replace("throw 'held'", "Write-Warning 'held'")
                ),
                "a VM holds it",
            ),
            (
                format!("{}{HELD}{ACT}", READ.replace("'/n/a'", "'/n/b'")),
                "without reading",
            ),
        ] {
            let e = check_nic_free_before(&bad, "/n/a", act_line(&bad)).expect_err(why);
            assert!(e.contains(why), "{why}: {e}");
        }
    }
}
