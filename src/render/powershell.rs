//! The PowerShell script's typed context. Strings are raw here; the template's `ps` helper turns
//! each into a single-quoted literal.

use serde::Serialize;

use crate::model::{DiskSource, Encryption, Flavour, OsType, Restore};

#[derive(Serialize)]
pub struct DiskCtx {
    name: String,
    managed: bool,
    /// Managed disk id or VHD URI.
    source: String,
    caching: Option<String>,
    lun: Option<u8>,
    size_gb: Option<u32>,
}

#[derive(Serialize)]
pub struct TagCtx {
    key: String,
    value: String,
}

#[derive(Serialize)]
pub struct AdeCtx {
    aad: bool,
    secret_url: String,
    key_vault_id: String,
    kek_url: Option<String>,
    kek_vault_id: Option<String>,
    volume_type: &'static str,
    aad_client_id: Option<String>,
    /// Without Azure AD the restore guide passes -SkipVmBackup; on Linux the cmdlet refuses
    /// managed disks without it (`EnableDiskEncryptionMissingSkipVmBackup`), whatever the
    /// flavour, and the restored VM is itself the backup.
    skip_vm_backup: bool,
}

#[derive(Serialize)]
pub struct ScriptContext {
    description: String,
    resource_group: Option<String>,
    vm_name: String,
    location: Option<String>,
    vm_size: String,
    virtual_network: Option<String>,
    virtual_network_resource_group: Option<String>,
    subnet: Option<String>,
    public_ip: bool,
    availability_set_id: Option<String>,
    license_type: Option<String>,
    zones: Vec<String>,
    tags: Vec<TagCtx>,
    windows: bool,
    os_disk: DiskCtx,
    data_disks: Vec<DiskCtx>,
    ade: Option<AdeCtx>,
    /// The steps before `New-AzVM`: preflight, OS disk re-stamp, key restore.
    prepare: Option<super::prepare::StepsCtx>,
}

fn disk_ctx(d: &crate::model::Disk, lun: Option<u8>) -> DiskCtx {
    let managed = matches!(d.source, DiskSource::Managed { .. });
    DiskCtx {
        name: d.name.clone(),
        managed,
        source: d.source.as_str().to_owned(),
        caching: d.caching.clone(),
        lun,
        size_gb: d.size_gb,
    }
}

pub fn context(r: &Restore) -> ScriptContext {
    let os = r.disks.os();
    // The restored managed OS disk's group is where Azure Backup put the disks: the natural
    // home for the VM. Unmanaged restores give no such hint, so the parameter is mandatory.
    let resource_group = match &os.source {
        DiskSource::Managed { id, .. } => Some(id.resource_group().to_owned()),
        DiskSource::Vhd { .. } => None,
    };
    let ade = match &r.encryption {
        Encryption::None { .. } => None,
        Encryption::Ade(a) => Some(AdeCtx {
            aad: a.flavour.value == Flavour::Aad,
            secret_url: a.secret_url.value.as_str().to_owned(),
            key_vault_id: a.key_vault.value.as_str().to_owned(),
            kek_url: a.kek.as_ref().map(|k| k.url.value.as_str().to_owned()),
            kek_vault_id: a.kek.as_ref().map(|k| k.vault.value.as_str().to_owned()),
            volume_type: a.volume_type.value.as_str(),
            aad_client_id: a.aad_client_id.as_ref().map(|f| f.value.clone()),
            skip_vm_backup: a.flavour.value == Flavour::NoAad || r.os.value == OsType::Linux,
        }),
    };
    ScriptContext {
        description: super::describe::case(r),
        resource_group,
        vm_name: r.name.value.clone(),
        location: r.location.as_ref().map(|l| l.value.clone()),
        vm_size: r.vm_size.value.clone(),
        virtual_network: r.network.virtual_network.clone(),
        virtual_network_resource_group: r.network.virtual_network_resource_group.clone(),
        subnet: r.network.subnet.clone(),
        public_ip: r.network.public_ip,
        availability_set_id: r.availability_set_id.as_ref().map(|f| f.value.clone()),
        license_type: r.license_type.clone(),
        zones: r.zones.clone(),
        tags: r
            .tags
            .iter()
            .map(|(k, v)| TagCtx {
                key: k.clone(),
                value: v.clone(),
            })
            .collect(),
        windows: r.os.value == OsType::Windows,
        os_disk: disk_ctx(os, None),
        data_disks: r
            .disks
            .data()
            .iter()
            .map(|d| disk_ctx(&d.disk, Some(d.lun)))
            .collect(),
        ade,
        prepare: super::prepare::steps(r),
    }
}
