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

use crate::model::{DiskSource, Encryption, Flavour, OsType, Restore};

/// The template parameters the printed deploy command overrides. They must be the names
/// `render::arm` declares: a test checks them against every encrypted template.
#[derive(Serialize)]
pub struct ArmNames {
    secret_url: &'static str,
    key_vault_id: &'static str,
    kek_url: &'static str,
    kek_vault_id: &'static str,
}

pub const ARM_NAMES: ArmNames = ArmNames {
    secret_url: "diskEncryptionKeyUrl",
    key_vault_id: "keyVaultResourceId",
    kek_url: "keyEncryptionKeyUrl",
    kek_vault_id: "kekVaultResourceId",
};

#[derive(Serialize)]
pub struct RestampCtx {
    resource_group: String,
    disk_name: String,
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
    /// The KEK's vault is checked on its own only when it is another vault than the BEK's.
    kek_vault_separate: bool,
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
}

/// The steps of an encrypted restore; `None` when nothing has to happen before the deployment.
pub fn steps(r: &Restore) -> Option<StepsCtx> {
    let Encryption::Ade(a) = &r.encryption else {
        return None;
    };
    let restamp = match (&r.disks.os().source, a.flavour.value) {
        (DiskSource::Managed { id, .. }, Flavour::NoAad) => Some(RestampCtx {
            resource_group: id.resource_group().to_owned(),
            disk_name: id.name().to_owned(),
        }),
        _ => None,
    };
    Some(StepsCtx {
        windows: r.os.value == OsType::Windows,
        kek: a.kek.is_some(),
        kek_vault_separate: a.kek.as_ref().is_some_and(|k| {
            !k.vault
                .value
                .as_str()
                .eq_ignore_ascii_case(a.key_vault.value.as_str())
        }),
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
    let Encryption::Ade(a) = &r.encryption else {
        return None;
    };
    let resource_group = match &r.disks.os().source {
        DiskSource::Managed { id, .. } => Some(id.resource_group().to_owned()),
        DiskSource::Vhd { .. } => None,
    };
    Some(ScriptCtx {
        description: super::describe::case(r),
        resource_group,
        location: r.location.as_ref().map(|l| l.value.clone()),
        secret_url: a.secret_url.value.as_str().to_owned(),
        key_vault_id: a.key_vault.value.as_str().to_owned(),
        kek_url: a.kek.as_ref().map(|k| k.url.value.as_str().to_owned()),
        kek_vault_id: a.kek.as_ref().map(|k| k.vault.value.as_str().to_owned()),
        names: ARM_NAMES,
        template_file,
        parameters_file,
        steps,
    })
}
