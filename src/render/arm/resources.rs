//! The template's resources that depend on the case: the attached disks, and for an encrypted VM
//! the ADE extension with its settings (and, with Azure AD, the VM's own encryption settings).
//! Values are parameter references, so a user who edits the parameters file changes them all.

use serde::Serialize;
use serde_json::{Map, Value};

use super::parameters::Param;
use super::{lit, ArmLiteral};
use crate::model::{ade_extension, Disk, DiskSource, Encryption, ManagedDisk, Restore};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IdRef {
    /// A literal id from the inputs (escaped) or our own `resourceId(...)` expression.
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OsDiskJson {
    os_type: &'static str,
    create_option: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    caching: Option<ArmLiteral>,
    managed_disk: IdRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    encryption_settings: Option<Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataDiskJson {
    lun: u8,
    create_option: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    caching: Option<ArmLiteral>,
    #[serde(rename = "diskSizeGB", skip_serializing_if = "Option::is_none")]
    disk_size_gb: Option<u32>,
    managed_disk: IdRef,
}

#[derive(Serialize)]
pub struct ExtensionJson {
    /// `<vm>/<extension name>`; the extension name is ours (the type name, as PowerShell uses).
    resource_name: String,
    kind: &'static str,
    version: &'static str,
    settings: Map<String, Value>,
    aad: bool,
}

/// What encryption adds to the template; all empty for an unencrypted VM.
#[derive(Default)]
pub(super) struct AdeParts {
    pub variables: Map<String, Value>,
    pub extension: Option<ExtensionJson>,
    /// The OS disk's `encryptionSettings`, with Azure AD only.
    pub encryption_settings: Option<Value>,
}

pub(super) fn ade(r: &Restore) -> AdeParts {
    let a = match &r.encryption {
        Encryption::Ade(a) => a,
        Encryption::None { .. } => return AdeParts::default(),
    };
    let mut variables = Map::new();
    // The vault URI, derived from the secret URL at deployment so the two cannot disagree (its
    // host without any port: ADE refuses key references with one, and a URL copied from an Az
    // object's `Id` carries `:443`); a parameter of its own when no secret URL is needed.
    let uri = match a.secret_url {
        Some(_) => format!(
            "[format('https://{{0}}/', split(split({}, '/')[2], ':')[0])]",
            Param::DiskEncryptionKeyUrl.call()
        ),
        None => Param::KeyVaultUrl.expr(),
    };
    variables.insert("keyVaultUrl".into(), Value::String(uri));

    let aad = a.flavour.value.is_aad();
    let ext = ade_extension(r.os.value, a.flavour.value);
    let mut settings = Map::new();
    let mut set = |k: &str, v: &str| {
        settings.insert(k.to_owned(), Value::String(v.to_owned()));
    };
    set("EncryptionOperation", "EnableEncryption");
    set("KeyVaultURL", "[variables('keyVaultUrl')]");
    set("KeyVaultResourceId", &Param::KeyVaultResourceId.expr());
    if let Some(k) = &a.kek {
        set("KeyEncryptionKeyURL", &Param::KeyEncryptionKeyUrl.expr());
        set("KekVaultResourceId", &Param::KekVaultResourceId.expr());
        set("KeyEncryptionAlgorithm", k.algorithm.value.as_str());
    }
    set("VolumeType", &Param::VolumeType.expr());
    let mut encryption_settings = None;
    if aad {
        set("AADClientID", &Param::AadClientId.expr());
        let mut es = serde_json::json!({
            "enabled": true,
            "diskEncryptionKey": {
                "secretUrl": &Param::DiskEncryptionKeyUrl.expr(),
                "sourceVault": { "id": &Param::KeyVaultResourceId.expr() }
            }
        });
        if a.kek.is_some() {
            es["keyEncryptionKey"] = serde_json::json!({
                "keyUrl": &Param::KeyEncryptionKeyUrl.expr(),
                "sourceVault": { "id": &Param::KekVaultResourceId.expr() }
            });
        }
        encryption_settings = Some(es);
    }
    let extension = ExtensionJson {
        resource_name: format!(
            "[format('{{0}}/{}', {})]",
            ext.kind,
            Param::VirtualMachineName.call()
        ),
        kind: ext.kind,
        version: ext.version,
        settings,
        aad,
    };
    AdeParts {
        variables,
        extension: Some(extension),
        encryption_settings,
    }
}

pub(super) fn os_disk(r: &Restore, encryption_settings: Option<Value>) -> OsDiskJson {
    let os = r.disks.os();
    OsDiskJson {
        os_type: r.os.value.as_str(),
        create_option: "Attach",
        caching: os.caching.as_deref().map(lit),
        managed_disk: managed_disk(&os.source, None),
        encryption_settings,
    }
}

pub(super) fn data_disks(r: &Restore) -> Vec<DataDiskJson> {
    r.disks
        .data()
        .iter()
        .map(|d| {
            let Disk {
                source,
                caching,
                size_gb,
                ..
            } = &d.disk;
            DataDiskJson {
                lun: d.lun,
                create_option: "Attach",
                caching: caching.as_deref().map(lit),
                disk_size_gb: *size_gb,
                managed_disk: managed_disk(source, Some(d.lun)),
            }
        })
        .collect()
}

/// The restored managed disk, or the disk imported from the restored VHD at that place.
fn managed_disk(s: &DiskSource, lun: Option<u8>) -> IdRef {
    match s {
        DiskSource::Managed { id, .. } => IdRef {
            id: match id {
                ManagedDisk::Id { id, .. } => super::arm_literal(id.as_str()),
                // The name passed Azure's disk-name rule; quotes are doubled all the same.
                ManagedDisk::Named { name, .. } => format!(
                    "[resourceId({}, 'Microsoft.Compute/disks', '{}')]",
                    Param::RestoredDisksResourceGroup.call(),
                    name.as_str().replace('\'', "''")
                ),
            },
        },
        DiskSource::Vhd { .. } => IdRef {
            id: super::imported::disk_id(lun),
        },
    }
}
