//! The steps before the deployment: the typed context of `prepare.ps1` (ARM bundle) and of the
//! same steps inside `restore-vm.ps1`. Both scripts include one partial, `prepare/steps`, so the
//! preflight, the OS disk re-stamp and the key restore are written once.
//!
//! The steps work on the script's own variables (`$DiskEncryptionKeyUrl`, `$KeyVaultResourceId`,
//! `$KeyEncryptionKeyUrl`, `$KekVaultResourceId`, `$Location`), so a parameter the operator
//! overrides is what gets checked, and a restored reference replaces the variable for the rest of
//! the script. Key material is never in the context: the script reads it from the
//! encryption-info blob at run time.

use serde::Serialize;

use super::arm::Param;
use crate::model::{By, DiskSource, Encryption, Flavour, ManagedDisk, OsType, Restore};

/// The template parameters the printed deploy command overrides. They must be the names
/// `render::arm` declares: a test checks them against every encrypted template.
#[derive(Serialize)]
pub struct ArmNames {
    secret_url: &'static str,
    key_vault_id: &'static str,
    kek_url: &'static str,
    kek_vault_id: &'static str,
    restored_disks_group: &'static str,
    vhd_storage_account_group: &'static str,
}

pub const ARM_NAMES: ArmNames = ArmNames {
    secret_url: Param::DiskEncryptionKeyUrl.name(),
    key_vault_id: Param::KeyVaultResourceId.name(),
    kek_url: Param::KeyEncryptionKeyUrl.name(),
    kek_vault_id: Param::KekVaultResourceId.name(),
    restored_disks_group: Param::RestoredDisksResourceGroup.name(),
    vhd_storage_account_group: Param::VhdStorageAccountResourceGroup.name(),
};

#[derive(Serialize)]
pub struct RestampCtx {
    resource_group: String,
    disk_name: String,
    /// The config names the disk: it is found in the restored disks' group, which the script
    /// takes as `-RestoredDisksResourceGroupName` (the group the deployment attaches from), so
    /// an operator who overrides it stamps the disk the VM gets.
    named: bool,
    /// The new VM's name (`--vm-name`), or empty: the one VM that may already hold the disk.
    vm_name: String,
}

#[derive(Serialize)]
pub struct RestoreCtx {
    target_vault_id: String,
    encryption_info: Option<String>,
    machine_name: Option<String>,
}

/// The shared steps.
#[derive(Serialize)]
pub struct StepsCtx {
    windows: bool,
    kek: bool,
    /// The source's KEK algorithm: a BEK re-created from `SecretData` is tagged with it, since
    /// that is how the KEK wrapped it.
    kek_algorithm: Option<&'static str>,
    /// `false` when no input named the algorithm (the extension's default is used, and the
    /// script warns).
    kek_algorithm_known: bool,
    /// With Azure AD, the application the extension signs in as (its grants on a restore target
    /// vault are named in a warning).
    aad_client_id: Option<String>,
    /// The KEK's vault is checked on its own only when it is another vault than the BEK's.
    kek_vault_separate: bool,
    /// With Azure AD the VM model names the vault, and Compute reads the secret while creating
    /// the VM, which a vault not enabled for deployment may refuse.
    vm_model_references_vault: bool,
    /// Without Azure AD the settings live on the managed OS disk, which Azure Backup leaves
    /// unstamped for large VMs; with Azure AD they are on the VM model, and imported VHDs get
    /// them when the disk is created.
    restamp: Option<RestampCtx>,
    restore: Option<RestoreCtx>,
}

/// `prepare.ps1` as a whole.
#[derive(Serialize)]
pub struct ScriptCtx {
    description: String,
    resource_group: Option<String>,
    location: Option<String>,
    secret_url: String,
    key_vault_id: String,
    kek_url: Option<String>,
    kek_vault_id: Option<String>,
    names: ArmNames,
    template_file: &'static str,
    parameters_file: &'static str,
    steps: StepsCtx,
    /// VHD sources (G7, G8): the staging account the template imports from, checked to exist in
    /// its group and to sit in the VM's region before the deployment.
    staging: Option<StagingCtx>,
    /// `--reuse-source-nics`: the source NIC ids the template attaches, each checked to exist
    /// and to be held by no other VM (`prepare/nics`).
    source_nics: Vec<String>,
    /// That check declares `-VMName` (the re-stamp does when it runs).
    nic_vm_param: bool,
    /// The new VM's name (`--vm-name`, or empty): the one VM that may hold a reused NIC.
    nic_vm_name: String,
}

/// The source NIC ids `--reuse-source-nics` attaches, for the check before it (empty without it).
pub fn source_nics(r: &Restore) -> Vec<String> {
    if r.reuse_source_nics {
        r.nics.iter().map(|n| n.id.clone()).collect()
    } else {
        Vec::new()
    }
}

#[derive(Serialize)]
pub struct StagingCtx {
    account: String,
    /// The job's `Target resource group`; asked for when no job names it.
    group: Option<String>,
}

/// The steps of an encrypted restore; `None` when nothing has to happen before the deployment.
pub fn steps(r: &Restore) -> Option<StepsCtx> {
    let a = match &r.encryption {
        Encryption::Ade(a) => a,
        Encryption::None { .. } => return None,
    };
    // Every step checks or stamps the BEK secret at its exact version. A managed restore without
    // Azure AD may be rebuilt without knowing it (the restored disk carries it); then there is
    // nothing these steps can check, and `--secret-url` brings them back.
    a.secret_url.as_ref()?;
    let restamp = match (&r.disks.os().source, a.flavour.value) {
        (DiskSource::Managed { id, .. }, Flavour::NoAad) => Some(RestampCtx {
            resource_group: id.resource_group().to_owned(),
            disk_name: id.name().to_owned(),
            named: matches!(id, ManagedDisk::Named { .. }),
            vm_name: r
                .vm_name
                .as_ref()
                .map(|f| f.value.clone())
                .unwrap_or_default(),
        }),
        // With Azure AD the VM model carries the settings; a VHD is imported with them.
        (DiskSource::Managed { .. }, Flavour::Aad) | (DiskSource::Vhd { .. }, _) => None,
    };
    Some(StepsCtx {
        windows: r.os.value == OsType::Windows,
        kek: a.kek.is_some(),
        kek_algorithm: a.kek.as_ref().map(|k| k.algorithm.value.as_str()),
        kek_algorithm_known: a
            .kek
            .as_ref()
            .is_some_and(|k| !matches!(k.algorithm.by, By::Default(_))),
        aad_client_id: a.aad_client_id.as_ref().map(|f| f.value.clone()),
        kek_vault_separate: a.kek.as_ref().is_some_and(|k| {
            !k.vault
                .value
                .as_str()
                .eq_ignore_ascii_case(a.key_vault.value.as_str())
        }),
        vm_model_references_vault: a.flavour.value.is_aad(),
        restamp,
        restore: r.prepare.restore_keys.as_ref().map(|k| RestoreCtx {
            target_vault_id: k.target.as_str().to_owned(),
            encryption_info: k.encryption_info.clone(),
            machine_name: k.machine_name.clone(),
        }),
    })
}

pub fn script(
    r: &Restore,
    template_file: &'static str,
    parameters_file: &'static str,
) -> Option<ScriptCtx> {
    let steps = steps(r)?;
    let a = match &r.encryption {
        Encryption::Ade(a) => a,
        Encryption::None { .. } => return None,
    };
    let resource_group = r.home_resource_group().map(str::to_owned);
    let source_nics = source_nics(r);
    let nic_vm_param = !source_nics.is_empty() && steps.restamp.is_none();
    let nic_vm_name = r
        .vm_name
        .as_ref()
        .map(|f| f.value.clone())
        .unwrap_or_default();
    Some(ScriptCtx {
        description: super::describe::case(r),
        resource_group,
        location: r.location.as_ref().map(|l| l.value.clone()),
        secret_url: a.secret_url.as_ref()?.value.as_str().to_owned(),
        key_vault_id: a.key_vault.value.as_str().to_owned(),
        kek_url: a.kek.as_ref().map(|k| k.url.value.as_str().to_owned()),
        kek_vault_id: a.kek.as_ref().map(|k| k.vault.value.as_str().to_owned()),
        names: ARM_NAMES,
        template_file,
        parameters_file,
        steps,
        staging: staging(r),
        source_nics,
        nic_vm_param,
        nic_vm_name,
    })
}

/// The staging account of a VHD source: every VHD of a restore is in the job's account (issue 17,
/// A3), so the OS disk's names it.
fn staging(r: &Restore) -> Option<StagingCtx> {
    match &r.disks.os().source {
        DiskSource::Vhd { uri } => Some(StagingCtx {
            account: uri.storage_account().to_owned(),
            group: r
                .vhd_storage_account_group
                .as_ref()
                .map(|g| g.value.clone()),
        }),
        DiskSource::Managed { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AdeChoice, Overrides};
    use crate::source::Loaded;

    const SUB: &str = "3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c";

    fn vault(name: &str) -> String {
        format!("/subscriptions/{SUB}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/{name}")
    }

    /// A Windows VM on managed disks, encrypted as `ade` says, with a KEK in `kek_vault`.
    fn restore(ade: AdeChoice, kek_vault: Option<&str>, restore_keys: bool) -> Restore {
        let kv = vault("kv1");
        let kek = kek_vault.map(|v| {
            format!(r#", "keyEncryptionKey": {{"keyUrl": "https://{v}.vault.azure.net/keys/kek/1", "sourceVault": {{"id": "{}"}}}}"#, vault(v))
        });
        let config = format!(
            r#"{{"name": "vm1", "location": "westeurope", "id": "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1",
  "properties": {{"hardwareProfile": {{"vmSize": "Standard_D2s_v3"}},
    "storageProfile": {{"osDisk": {{"osType": "Windows",
      "managedDisk": {{"id": "/subscriptions/{SUB}/resourceGroups/rg-disks/providers/Microsoft.Compute/disks/os1"}},
      "encryptionSettings": {{"enabled": true, "diskEncryptionKey": {{"secretUrl": "https://kv1.vault.azure.net/secrets/bek/1", "sourceVault": {{"id": "{kv}"}}}}{}}}}}}}}}}}"#,
            kek.unwrap_or_default()
        );
        let overrides = Overrides {
            ade,
            key_vault_id: Some(kv.clone()),
            restore_keys,
            target_key_vault: restore_keys.then(|| vault("kv-dr")),
            ..Overrides::default()
        };
        let loaded = Loaded {
            origin: "config.json".into(),
            bytes: config.into_bytes(),
        };
        let inputs = crate::inputs_from_bytes(&loaded, None, None, overrides).expect("inputs");
        crate::model::build(&inputs).expect("restore")
    }

    #[test]
    fn only_a_managed_os_disk_without_azure_ad_is_stamped() {
        let no_aad = steps(&restore(AdeChoice::NoAad, None, false)).expect("encrypted");
        let stamp = no_aad.restamp.expect("stamped");
        assert_eq!(
            (stamp.resource_group.as_str(), stamp.disk_name.as_str()),
            ("rg-disks", "os1")
        );
        let aad = steps(&restore(AdeChoice::Aad, None, false)).expect("encrypted");
        assert!(
            aad.restamp.is_none(),
            "with Azure AD the VM model holds the settings"
        );
        assert!(steps(&restore(AdeChoice::None, None, false)).is_none());
    }

    #[test]
    fn the_kek_vault_is_checked_on_its_own_only_when_it_is_another_vault() {
        let same = steps(&restore(AdeChoice::Aad, Some("kv1"), false)).expect("encrypted");
        assert!(same.kek && !same.kek_vault_separate);
        let other = steps(&restore(AdeChoice::Aad, Some("kv2"), false)).expect("encrypted");
        assert!(other.kek && other.kek_vault_separate);
    }

    #[test]
    fn an_algorithm_no_input_names_is_the_default_and_flagged() {
        let s = steps(&restore(AdeChoice::NoAad, Some("kv1"), true)).expect("encrypted");
        assert_eq!(s.kek_algorithm, Some("RSA-OAEP"));
        assert!(
            !s.kek_algorithm_known,
            "the script must warn that it assumed RSA-OAEP"
        );
        let bek_only = steps(&restore(AdeChoice::NoAad, None, true)).expect("encrypted");
        assert_eq!(bek_only.kek_algorithm, None);
    }

    #[test]
    fn the_restore_target_reaches_the_steps_without_any_key_material() {
        let s = steps(&restore(AdeChoice::NoAad, Some("kv1"), true)).expect("encrypted");
        let r = s.restore.as_ref().expect("restore");
        assert_eq!(r.target_vault_id, vault("kv-dr"));
        assert_eq!(r.machine_name.as_deref(), Some("vm1"));
        assert_eq!(
            r.encryption_info, None,
            "no blob read: the script asks for it"
        );
        let script = script(
            &restore(AdeChoice::NoAad, Some("kv1"), true),
            "t.json",
            "p.json",
        )
        .expect("prepare.ps1");
        let json = serde_json::to_string(&script).expect("serializes");
        assert!(json.contains("diskEncryptionKeyUrl") && json.contains("kekVaultResourceId"));
    }
}
