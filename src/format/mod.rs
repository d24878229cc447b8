//! Output formats. Each format is one type implementing [`Output`]: its files, whether the
//! recovery point's date allows it, and what the operator runs next. `output` picks one with an
//! exhaustive match and the trait has no default methods, so a new format does not compile until
//! every part of it is written.

pub mod arm;
pub mod batch;
pub mod powershell;

use std::path::Path;

use crate::cli::Format;
use crate::error::Error;
use crate::model::Restore;
use crate::plan::{Plan, PlannedFile};

pub trait Output {
    /// Every file name this format can write (not only this restore's).
    fn file_names(&self) -> &'static [&'static str];
    /// Refuse a restore this format cannot serve, or return warnings to show before writing.
    fn preflight(&self, r: &Restore) -> Result<Vec<String>, Error>;
    /// The files, main file first (it is what goes to standard output without `--out`).
    fn plan(&self, r: &Restore) -> Result<Plan, Error>;
    /// The main file alone, exactly `plan(r)`'s first: what a run without `--out` prints. Only
    /// its templates are compiled and rendered (a run to standard output never renders the
    /// files it does not print).
    fn main_file(&self, r: &Restore) -> Result<PlannedFile, Error>;
    /// What to run next, in order (for stderr). `dir` is `--out`, when files were written.
    fn next_steps(&self, r: &Restore, dir: Option<&Path>) -> String;
}

pub fn output(format: Format) -> &'static dyn Output {
    match format {
        Format::Arm => &arm::Arm,
        Format::Powershell => &powershell::PowerShell,
    }
}

/// Every name any format writes: each format's [`Output::file_names`], so a folder switched
/// from one `--format` to another recognises the other format's files as ours, and a new format
/// is counted without another list to update.
pub(crate) fn every_name() -> &'static [&'static str] {
    static EVERY_NAME: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
        <Format as clap::ValueEnum>::value_variants()
            .iter()
            .flat_map(|f| output(*f).file_names().iter().copied())
            .collect()
    });
    &EVERY_NAME
}

/// The format whose files are all of `names` (another format's bundle found by `--check`), as
/// `--format` spells it.
pub(crate) fn format_of(names: &[&str]) -> Option<&'static str> {
    <Format as clap::ValueEnum>::value_variants()
        .iter()
        .find(|f| names.iter().all(|n| output(**f).file_names().contains(n)))
        .map(|f| match f {
            Format::Arm => "arm",
            Format::Powershell => "powershell",
        })
}

/// The files of one format (the fuzz targets and property tests call this).
pub fn plan(r: &Restore, format: Format) -> Result<Plan, Error> {
    output(format).plan(r)
}

/// A file's path as the next steps should show it.
fn shown_path(dir: Option<&Path>, name: &str) -> String {
    match dir {
        Some(d) => crate::error::shown(&d.join(name).display().to_string()),
        None => name.to_owned(),
    }
}

/// ` -EncryptionInfo <file>` for a script that restores keys from an encryption-info blob it
/// has no URL of: the file the operator gave (the script reads it only if a key or secret must
/// be restored, and stops asking for it then if it is not given), or a placeholder.
fn encryption_info_arg(r: &Restore) -> String {
    match &r.prepare.restore_keys {
        Some(k) if k.encryption_info.is_none() => match &k.encryption_info_file {
            Some(f) => format!(
                " -EncryptionInfo {}",
                crate::quote::powershell(&crate::error::shown(f))
            ),
            None => " -EncryptionInfo <the encryption-info blob: file or blob URL>".to_owned(),
        },
        _ => String::new(),
    }
}

/// Parameters the operator must still give: the new VM's name (never defaulted to the source's)
/// and the network (the source VM's is not carried over).
fn missing_params<'a>(r: &Restore, name: &'a str, vnet: &'a str, subnet: &'a str) -> Vec<&'a str> {
    let mut missing = Vec::new();
    if r.vm_name.is_none() {
        missing.push(name);
    }
    // Reused source NICs keep their own network.
    if r.network.virtual_network.is_none() && !r.reuse_source_nics {
        missing.push(vnet);
    }
    if r.network.subnet.is_none() && !r.reuse_source_nics {
        missing.push(subnet);
    }
    missing
}

/// What an encrypted restore needs before it can deploy, whatever the format: without these the
/// deployment is refused, or the extension cannot reach the keys. The keys' existence is listed
/// only when nothing this run wrote checks it (`prepare.ps1`, `restore-vm.ps1`) and it is not
/// being restored (`--restore-keys`); the KEK only when there is one.
fn prerequisites(r: &Restore, script_checks_keys: bool) -> String {
    match &r.encryption {
        crate::model::Encryption::Ade(a) => {
            let mut s = String::from("  before deploying, check that:\n     you may deploy from the key vault (Microsoft.KeyVault/vaults/deploy/action, e.g. as Owner or Contributor on it)\n     the vault is enabled for disk encryption (Set-AzKeyVaultAccessPolicy -EnabledForDiskEncryption, or az keyvault update --enabled-for-disk-encryption true)\n");
            if !script_checks_keys && r.prepare.restore_keys.is_none() {
                s.push_str(match a.kek {
                    Some(_) => "     the BEK secret and the KEK still exist in the vault; if not, restore them from the encryption-info blob first (generate again with `--restore-keys --target-key-vault <vault id>`)\n",
                    None => "     the BEK secret still exists in the vault; if not, restore it from the encryption-info blob first (generate again with `--restore-keys --target-key-vault <vault id>`)\n",
                });
            }
            s
        }
        crate::model::Encryption::None { .. } => String::new(),
    }
}

/// The last step for any encrypted restore, whatever the format.
fn cleanup_step(r: &Restore) -> &'static str {
    match r.encryption {
        crate::model::Encryption::Ade(_) => "  then delete the restore's config and encryption-info blobs from the staging storage account: they describe the VM's keys\n",
        crate::model::Encryption::None { .. } => "",
    }
}

/// For an unmanaged source: which restored VHD, in which storage account, becomes which managed
/// disk. The operator needs this to find (and later delete) the VHDs.
fn import_note(r: &Restore, vm: &str) -> String {
    let mut disks = Vec::new();
    let os = r.disks.os();
    if let crate::model::DiskSource::Vhd { uri } = &os.source {
        disks.push((format!("{vm}-osdisk"), uri));
    }
    for d in r.disks.data() {
        if let crate::model::DiskSource::Vhd { uri } = &d.disk.source {
            disks.push((format!("{vm}-datadisk-lun{}", d.lun), uri));
        }
    }
    if disks.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "     unmanaged disks no longer start: each restored VHD is first imported as a managed disk
",
    );
    for (name, uri) in disks {
        s.push_str(&format!(
            "       {name} <- storage account {}, VHD {}
",
            uri.storage_account(),
            crate::source::redact(uri.as_str())
        ));
    }
    s
}

/// What the deployment needs of the target's placement and network, whatever the format: a VHD
/// source's availability set that Azure refuses while it is Classic, and, with Azure AD, the
/// outbound access the dual-pass extension needs (subnets of new virtual networks are private by
/// default since the 2025-07-01 network API: MicrosoftDocs/azure-compute-docs
/// `articles/virtual-machines/windows/disk-encryption-overview-aad.md` @a18807c4, networking).
fn placement_notes(r: &Restore) -> String {
    let mut s = String::new();
    // New NICs unless the source's are reused (newcomer row 36): said once, with what to look at.
    if r.reuse_source_nics {
        s.push_str(&format!(
            "     the VM takes the source VM's {} by id (--reuse-source-nics), with their IP addresses, NSGs and DNS settings; the script stops unless each exists and no other VM holds it\n",
            match r.nics.len() {
                1 => "network interface".to_owned(),
                n => format!("{n} network interfaces"),
            }
        ));
    } else {
        let nsg = match &r.network.network_security_group {
            Some(n) => format!(
                " and the source NIC's network security group `{}`",
                crate::error::shown(&n.value)
            ),
            None => " and no network security group of its own".to_owned(),
        };
        let count = match r.nics.len() {
            0 | 1 => "a new network interface".to_owned(),
            n => format!("{n} new network interfaces, one per source NIC (primary first),"),
        };
        s.push_str(&format!(
            "     the VM gets {count} with a dynamic private IP{nsg}; the source VM's NICs are not reused: check the IP addresses, the NSG rules and the DNS records the VM needs\n"
        ));
    }
    if let Some((group, set)) = crate::model::classic_set(r) {
        s.push_str(&format!(
            "     the availability set `{set}` held VMs on VHDs: unless it was migrated it is Classic and refuses the new VM on managed disks; convert it (Update-AzAvailabilitySet -AvailabilitySet (Get-AzAvailabilitySet -ResourceGroupName {} -Name {}) -Sku Aligned) or generate again with --no-availability-set\n",
            crate::quote::powershell(group),
            crate::quote::powershell(set)
        ));
    }
    if r.encryption.is_aad() {
        s.push_str("     the subnet has outbound access to Microsoft Entra ID (login.microsoftonline.com) and to the key vault: Azure AD ADE signs in from the VM, and subnets of new virtual networks are private by default (add a NAT gateway, or firewall / NSG rules for the AzureActiveDirectory and AzureKeyVault service tags)\n");
    }
    s
}

/// The "before deploying, check that" list: the key vault's prerequisites and the placement notes.
fn checks(r: &Restore, script_checks_keys: bool) -> String {
    let pre = prerequisites(r, script_checks_keys);
    let notes = placement_notes(r);
    match (pre.is_empty(), notes.is_empty()) {
        (_, true) => pre,
        (true, false) => format!("  before deploying, check that:\n{notes}"),
        (false, false) => format!("{pre}{notes}"),
    }
}

/// After deployment: the source's extensions other than ADE, which the new VM does not get.
fn extension_steps(r: &Restore) -> String {
    if r.extensions.is_empty() {
        return String::new();
    }
    let mut s = String::from("  after deploying: these extensions of the source are NOT re-installed; install those the VM needs, with their settings (az vm extension set -g <group> --vm-name <vm> --publisher <publisher> --name <type> --version <version> --settings <file>; Set-AzVMExtension):\n");
    for e in &r.extensions {
        s.push_str(&format!(
            "     {}/{} {}\n",
            crate::error::shown(&e.publisher),
            crate::error::shown(&e.kind),
            e.version
                .as_deref()
                .map(crate::error::shown)
                .unwrap_or_else(|| "(no version in the config)".into())
        ));
    }
    s
}

/// After deployment, for a source with a system-assigned identity: the new VM's is a new
/// principal, and nothing granted to the old one applies to it. `group` and `vm` are how the
/// format names the deployment's group and the new VM.
fn identity_steps(r: &Restore, group: &str, vm: &str) -> String {
    let Some(i) = r.identity.as_ref().filter(|i| i.system_assigned) else {
        return String::new();
    };
    let old = i
        .source_principal_id
        .as_deref()
        .map(crate::quote::bash)
        .unwrap_or_else(|| "<source principal id>".into());
    let old_ps = i
        .source_principal_id
        .as_deref()
        .map(crate::quote::powershell)
        .unwrap_or_else(|| "<source principal id>".into());
    format!(
        "  after deploying: the new VM's system-assigned identity is a NEW principal; grant it again what the source's had:\n     list the old principal's roles:   az role assignment list --assignee {old} --all -o table   (Get-AzRoleAssignment -ObjectId {old_ps})\n     the new principal:                principal=$(az vm show -g {group} -n {vm} --query identity.principalId -o tsv)   ($p = (Get-AzVM -ResourceGroupName {group} -Name {vm}).Identity.PrincipalId)\n     each role again:                  az role assignment create --assignee-object-id \"$principal\" --assignee-principal-type ServicePrincipal --role <role> --scope <scope>   (New-AzRoleAssignment -ObjectId $p -RoleDefinitionName <role> -Scope <scope>)\n     each Key Vault access policy:     az keyvault set-policy --name <vault> --object-id \"$principal\" --secret-permissions get list   (Set-AzKeyVaultAccessPolicy -VaultName <vault> -ObjectId $p -PermissionsToSecrets get,list); with Azure RBAC on the vault, a role assignment at the vault's scope instead\n"
    )
}

/// `a`, `a and b`, `a, b and c`.
fn listed(items: &[&str]) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod names {
    use super::*;
    use crate::model::test_inputs::{config, inputs, settings, KV, SECRET};
    use crate::model::{build, Overrides};

    #[test]
    fn every_name_is_each_formats_names_and_a_plan_writes_only_those_main_file_first() {
        let mut every = every_name().to_vec();
        every.sort_unstable();
        assert_eq!(
            every,
            [
                "azuredeploy.json",
                "azuredeploy.parameters.json",
                "prepare.ps1",
                "restore-vm.ps1"
            ]
        );
        // An encrypted restore, so the ARM bundle has its `prepare.ps1`.
        let cfg = config("Windows", &settings(SECRET, KV, None), "");
        let r = build(&inputs(&cfg, None, None, Overrides::default())).expect("valid");
        for f in <Format as clap::ValueEnum>::value_variants() {
            let out = output(*f);
            let plan = out.plan(&r).expect("plan");
            for file in &plan.files {
                assert!(
                    out.file_names().contains(&file.name),
                    "{f:?}: {}",
                    file.name
                );
            }
            assert_eq!(plan.known_names, every_name());
            // Standard output renders the main file alone: the same bytes.
            assert_eq!(
                out.main_file(&r).expect("main file"),
                plan.files[0],
                "{f:?}"
            );
        }
    }
}
