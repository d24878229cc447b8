//! The template's resources that depend on the case: the attached disks, and for an encrypted VM
//! the ADE extension with its settings (and, with Azure AD, the VM's own encryption settings).
//! Values are parameter references, so a user who edits the parameters file changes them all.

use serde::Serialize;
use serde_json::{Map, Value};

use super::{lit, ArmLiteral};
use crate::model::{ade_extension, Disk, DiskSource, Encryption, Flavour, Restore};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IdRef {
    id: ArmLiteral,
}

#[derive(Serialize)]
struct UriRef {
    uri: ArmLiteral,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OsDiskJson {
    os_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<ArmLiteral>,
    create_option: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    caching: Option<ArmLiteral>,
    #[serde(skip_serializing_if = "Option::is_none")]
    managed_disk: Option<IdRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vhd: Option<UriRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    encryption_settings: Option<Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataDiskJson {
    lun: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<ArmLiteral>,
    create_option: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    caching: Option<ArmLiteral>,
    #[serde(rename = "diskSizeGB", skip_serializing_if = "Option::is_none")]
    disk_size_gb: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    managed_disk: Option<IdRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vhd: Option<UriRef>,
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
    let Encryption::Ade(a) = &r.encryption else {
        return AdeParts::default();
    };
    let mut variables = Map::new();
    // The vault URI, derived from the secret URL at deployment so the two cannot disagree.
    variables.insert(
        "keyVaultUrl".into(),
        Value::String(
            "[format('https://{0}/', split(parameters('diskEncryptionKeyUrl'), '/')[2])]".into(),
        ),
    );

    let aad = a.flavour.value == Flavour::Aad;
    let ext = ade_extension(r.os.value, a.flavour.value);
    let mut settings = Map::new();
    let mut set = |k: &str, v: &str| {
        settings.insert(k.to_owned(), Value::String(v.to_owned()));
    };
    set("EncryptionOperation", "EnableEncryption");
    set("KeyVaultURL", "[variables('keyVaultUrl')]");
    set("KeyVaultResourceId", "[parameters('keyVaultResourceId')]");
    if a.kek.is_some() {
        set("KeyEncryptionKeyURL", "[parameters('keyEncryptionKeyUrl')]");
        set("KekVaultResourceId", "[parameters('kekVaultResourceId')]");
        set("KeyEncryptionAlgorithm", "RSA-OAEP");
    }
    set("VolumeType", "[parameters('volumeType')]");
    let mut encryption_settings = None;
    if aad {
        set("AADClientID", "[parameters('aadClientId')]");
        let mut es = serde_json::json!({
            "enabled": true,
            "diskEncryptionKey": {
                "secretUrl": "[parameters('diskEncryptionKeyUrl')]",
                "sourceVault": { "id": "[parameters('keyVaultResourceId')]" }
            }
        });
        if a.kek.is_some() {
            es["keyEncryptionKey"] = serde_json::json!({
                "keyUrl": "[parameters('keyEncryptionKeyUrl')]",
                "sourceVault": { "id": "[parameters('kekVaultResourceId')]" }
            });
        }
        encryption_settings = Some(es);
    }
    let extension = ExtensionJson {
        resource_name: format!(
            "[format('{{0}}/{}', parameters('virtualMachineName'))]",
            ext.kind
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
    let (managed_disk, vhd) = source_refs(&os.source);
    OsDiskJson {
        os_type: r.os.value.as_str(),
        // A managed disk is named by its id; an unmanaged one needs its name.
        name: vhd.as_ref().map(|_| lit(&os.name)),
        create_option: "Attach",
        caching: os.caching.as_deref().map(lit),
        managed_disk,
        vhd,
        encryption_settings,
    }
}

pub(super) fn data_disks(r: &Restore) -> Vec<DataDiskJson> {
    r.disks
        .data()
        .iter()
        .map(|d| {
            let Disk {
                name,
                source,
                caching,
                size_gb,
            } = &d.disk;
            let (managed_disk, vhd) = source_refs(source);
            DataDiskJson {
                lun: d.lun,
                name: vhd.as_ref().map(|_| lit(name)),
                create_option: "Attach",
                caching: caching.as_deref().map(lit),
                disk_size_gb: *size_gb,
                managed_disk,
                vhd,
            }
        })
        .collect()
}

fn source_refs(s: &DiskSource) -> (Option<IdRef>, Option<UriRef>) {
    match s {
        DiskSource::Managed { id, .. } => (
            Some(IdRef {
                id: lit(id.as_str()),
            }),
            None,
        ),
        DiskSource::Vhd { uri } => (
            None,
            Some(UriRef {
                uri: lit(uri.as_str()),
            }),
        ),
    }
}
