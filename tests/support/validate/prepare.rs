//! The steps before the deployment (`prepare.ps1`, and the same steps inside `restore-vm.ps1`)
//! under the same independent checks as the scripts: the commands they mean to run, every Az call
//! against the help, and input values only inside literals.

use serde_json::Value;

use super::{az_help, idempotence, powershell, printed};

/// The commands of the steps before the deployment (`prepare.ps1`, and `restore-vm.ps1` before
/// `New-AzVM`), including the helper functions those steps define.
pub const PREPARE_COMMANDS: &[&str] = &[
    "Get-AzContext",
    "Get-AzKeyVault",
    "Get-AzKeyVaultSecret",
    "Get-AzKeyVaultKey",
    "Restore-AzKeyVaultKey",
    "Restore-AzKeyVaultSecret",
    "Set-AzKeyVaultSecret",
    "ConvertTo-SecureString",
    "ConvertFrom-Json",
    "New-AzStorageContext",
    "Get-AzStorageBlobContent",
    "Get-AzDisk",
    "New-AzDiskUpdateConfig",
    "Set-AzDiskUpdateDiskEncryptionKey",
    "Set-AzDiskUpdateKeyEncryptionKey",
    "Update-AzDisk",
    "ForEach-Object",
    "Write-Host",
    "Write-Warning",
    "Assert-DiskEncryptionVault",
    "Split-VaultObjectUrl",
    "Find-VaultSecret",
    "Find-VaultKey",
    "New-PrivateTempFile",
    "Read-EncryptionInfo",
    "Write-BackupFile",
    "Get-KeyDetail",
    "Get-HttpStatus",
    "ConvertTo-AdeUrl",
    "ConvertTo-ComparableReference",
    "Stop-OnPolicyRefusal",
    "Assert-VaultNameFree",
    "Assert-RestoredDisk",
    "Test-RestoredBek",
    "ConvertTo-PsLiteral",
    "ConvertTo-BashLiteral",
    "Where-Object",
];

/// Commands `prepare.ps1` may run: its steps, and the two it shares with the VM script.
/// `Get-AzResource` reads a VHD source's staging account (issue 16, G7 and G8).
const PREPARE_SCRIPT_EXTRA: &[&str] = &["Set-StrictMode", "Write-Verbose", "Get-AzResource"];

/// `prepare.ps1` carries only some of a fixture's values (key references, the OS disk, the VM's
/// name): each value it carries must sit inside a literal, and none may reach code; a value it
/// does not carry at all is no finding.
pub fn check_prepare(script: &str, values: &[String]) -> Result<(), Vec<String>> {
    let allowed: Vec<&str> = PREPARE_COMMANDS
        .iter()
        .chain(PREPARE_SCRIPT_EXTRA)
        .copied()
        .collect();
    let absent =
        |p: &String| p.starts_with("the value `") && p.ends_with("` does not appear as a literal");
    match check_script_allowing(script, values, &allowed) {
        Ok(()) => Ok(()),
        Err(problems) => {
            let real: Vec<String> = problems.into_iter().filter(|p| !absent(p)).collect();
            if real.is_empty() {
                Ok(())
            } else {
                Err(real)
            }
        }
    }
}

/// The key references and vault ids a fixture gives (config, encryption-info blob, flags):
/// what `prepare.ps1` and the script's key steps carry.
pub fn key_values(fx: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut strings = |v: &Value| {
        let mut stack = vec![v];
        while let Some(v) = stack.pop() {
            match v {
                Value::String(s)
                    if s.starts_with("https://") || s.starts_with("/subscriptions/") =>
                {
                    out.push(s.clone())
                }
                Value::Array(a) => stack.extend(a),
                Value::Object(m) => stack.extend(m.values()),
                _ => {}
            }
        }
    };
    strings(&fx["args"]);
    strings(&fx["encryption_info"]["OsDiskKeyAndSecretDetails"]["SecretUrl"]);
    strings(&fx["encryption_info"]["OsDiskKeyAndSecretDetails"]["KeyUrl"]);
    let os = &fx["config"]["properties.storageProfile"]["osDisk"];
    strings(&os["encryptionSettings"]);
    out
}

pub fn check_script_allowing(
    script: &str,
    values: &[String],
    allowed: &[&str],
) -> Result<(), Vec<String>> {
    let s = powershell::parse_script(script)?;
    let mut problems = Vec::new();
    problems.extend(
        powershell::check_commands(&s, allowed)
            .err()
            .unwrap_or_default(),
    );
    for inv in s
        .commands
        .iter()
        .filter(|c| az_help::looks_like_az(&c.name))
    {
        problems.extend(az_help::check_invocation(inv).err().unwrap_or_default());
    }
    problems.extend(
        idempotence::check_looks_before_it_acts(script)
            .err()
            .unwrap_or_default(),
    );
    problems.extend(
        idempotence::check_restamp_compares_what_it_stamps(script)
            .err()
            .unwrap_or_default(),
    );
    problems.extend(
        idempotence::check_no_empty_match_pattern(script)
            .err()
            .unwrap_or_default(),
    );
    problems.extend(
        idempotence::check_writes_only_free_names(script)
            .err()
            .unwrap_or_default(),
    );
    problems.extend(
        printed::check_printed_commands_quote_values(script)
            .err()
            .unwrap_or_default(),
    );
    problems.extend(
        idempotence::check_stamps_only_the_restored_disk(script)
            .err()
            .unwrap_or_default(),
    );
    problems.extend(
        idempotence::check_restored_disks_one_group(script)
            .err()
            .unwrap_or_default(),
    );
    let vals: Vec<&str> = values.iter().map(String::as_str).collect();
    problems.extend(
        powershell::check_literal_only(script, &s, &vals)
            .err()
            .unwrap_or_default(),
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}
