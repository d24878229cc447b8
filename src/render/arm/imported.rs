//! Managed disks imported from the restored VHDs of an unmanaged source. Azure no longer starts
//! a VM on unmanaged disks, so each VHD becomes a `Microsoft.Compute/disks` resource created
//! with `Import`, and the VM attaches those by id. Without Azure AD the imported OS disk carries
//! the encryption settings that single-pass ADE keeps on the disk object; with Azure AD they stay
//! on the VM model. Imported disks are Generation 1 without a security type, as the VHDs were:
//! Generation 2 and Trusted Launch VMs exist only on managed disks.

use serde::Serialize;
use serde_json::{json, Value};

use super::parameters::Param;
use super::{lit, ArmLiteral};
use crate::model::{Disk, DiskSource, Restore};

/// The disks API version: the newest in the official schemas that has `encryptionSettingsVersion`,
/// `hyperVGeneration` and the disk security profile.
pub const DISKS_API: &str = "2024-03-02";

/// The ARM name of an imported disk: the new VM's name and the disk's place, so a rerun or a
/// second restore of the same VM under another name never collides.
pub fn disk_name(lun: Option<u8>) -> String {
    match lun {
        None => format!(
            "[format('{{0}}-osdisk', {})]",
            Param::VirtualMachineName.call()
        ),
        Some(l) => format!(
            "[format('{{0}}-datadisk-lun{l}', {})]",
            Param::VirtualMachineName.call()
        ),
    }
}

/// `resourceId(...)` of an imported disk, for the VM's `managedDisk.id` and its `dependsOn`.
pub fn disk_id(lun: Option<u8>) -> String {
    let name = disk_name(lun);
    let inner = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(&name);
    format!("[resourceId('Microsoft.Compute/disks', {inner})]")
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreationData {
    create_option: &'static str,
    source_uri: ArmLiteral,
    storage_account_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DiskProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    os_type: Option<&'static str>,
    creation_data: CreationData,
    /// Server-side encryption with the platform's key, which every managed disk has; stated
    /// so a policy scan sees the disk is encrypted at rest. A disk encryption set (customer key)
    /// is not part of an ADE restore.
    encryption: Encryption,
    #[serde(skip_serializing_if = "Option::is_none")]
    encryption_settings_collection: Option<Value>,
}

#[derive(Serialize)]
struct Encryption {
    #[serde(rename = "type")]
    kind: &'static str,
}

/// One imported disk, laid out by the template. It states no `diskSizeGB`: for `Import` that
/// field is a resize, which "can only increase the disk's size" (DiskRP.json 2024-03-02,
/// `DiskProperties.diskSizeGB`), and a VHD is its disk plus a 512-byte footer, so a model that
/// under-reports the size would be refused; Azure takes the size of the VHD.
#[derive(Serialize)]
pub struct ImportedDisk {
    name: String,
    properties: DiskProperties,
}

/// The imported disks, OS disk first; empty for a managed source.
pub fn imported_disks(r: &Restore) -> Vec<ImportedDisk> {
    let single_pass = r.encryption.is_single_pass();
    let kek = r.encryption.ade().is_some_and(|a| a.kek.is_some());
    let mut out = Vec::new();
    if let Some(d) = import(r.disks.os(), None) {
        let mut d = d;
        d.properties.os_type = Some(r.os.value.as_str());
        d.properties.encryption_settings_collection = single_pass.then(|| encryption_settings(kek));
        out.push(d);
    }
    out.extend(
        r.disks
            .data()
            .iter()
            .filter_map(|dd| import(&dd.disk, Some(dd.lun))),
    );
    out
}

fn import(disk: &Disk, lun: Option<u8>) -> Option<ImportedDisk> {
    let DiskSource::Vhd { uri } = &disk.source else {
        return None;
    };
    Some(ImportedDisk {
        name: disk_name(lun),
        properties: DiskProperties {
            os_type: None,
            creation_data: CreationData {
                create_option: "Import",
                source_uri: lit(uri.as_str()),
                storage_account_id: format!(
                    "[resourceId({}, 'Microsoft.Storage/storageAccounts', {})]",
                    Param::VhdStorageAccountResourceGroup.call(),
                    sq(uri.storage_account())
                ),
            },
            encryption: Encryption {
                kind: "EncryptionAtRestWithPlatformKey",
            },
            encryption_settings_collection: None,
        },
    })
}

/// A string literal inside an ARM expression: single-quoted, `'` doubled.
fn sq(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Single-pass ADE's settings on the disk object, version 1.1 as the extension writes them.
fn encryption_settings(kek: bool) -> Value {
    let mut element = json!({
        "diskEncryptionKey": {
            "secretUrl": Param::DiskEncryptionKeyUrl.expr(),
            "sourceVault": { "id": Param::KeyVaultResourceId.expr() }
        }
    });
    if kek {
        element["keyEncryptionKey"] = json!({
            "keyUrl": Param::KeyEncryptionKeyUrl.expr(),
            "sourceVault": { "id": Param::KekVaultResourceId.expr() }
        });
    }
    json!({
        "enabled": true,
        "encryptionSettingsVersion": "1.1",
        "encryptionSettings": [element]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_inputs::{info, inputs, SECRET, SUB};
    use crate::model::{build, Overrides};

    fn unmanaged() -> String {
        format!(
            r#"{{"name": "vm1", "id": "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1",
  "properties.hardwareProfile": {{"vmSize": "Standard_D2s_v3"}},
  "properties.storageProfile": {{"osDisk": {{"osType": "Linux", "diskSizeGB": 30,
    "vhd": {{"uri": "https://acct1.blob.core.windows.net/c/os.vhd"}}}},
    "dataDisks": [{{"lun": 2, "vhd": {{"uri": "https://acct2.blob.core.windows.net/c/d.vhd"}}}}]}}}}"#
        )
    }

    #[test]
    fn a_single_pass_unmanaged_vm_imports_its_vhds_with_the_key_on_the_os_disk() {
        let ov = Overrides {
            key_vault_id: Some(crate::model::test_inputs::KV.into()),
            ..Overrides::default()
        };
        let r = build(&inputs(&unmanaged(), Some(&info(SECRET, None)), None, ov)).expect("valid");
        let disks = serde_json::to_value(imported_disks(&r)).expect("json");
        assert_eq!(disks.as_array().map(Vec::len), Some(2));
        let os = &disks[0]["properties"];
        assert_eq!(os["osType"], "Linux");
        assert!(os["diskSizeGB"].is_null(), "Import takes the VHD's size");
        assert_eq!(os["creationData"]["createOption"], "Import");
        assert_eq!(
            os["creationData"]["sourceUri"],
            "https://acct1.blob.core.windows.net/c/os.vhd"
        );
        assert!(os["creationData"]["storageAccountId"]
            .as_str()
            .is_some_and(|s| s.ends_with("'acct1')]")));
        assert_eq!(
            os["encryptionSettingsCollection"]["encryptionSettingsVersion"],
            "1.1"
        );
        let data = &disks[1]["properties"];
        assert!(data["osType"].is_null() && data["encryptionSettingsCollection"].is_null());
        assert!(data["creationData"]["storageAccountId"]
            .as_str()
            .is_some_and(|s| s.ends_with("'acct2')]")));
        assert_eq!(disks[1]["name"], disk_name(Some(2)));
    }

    #[test]
    fn each_resource_of_a_loop_carries_the_vms_zones_tags_and_its_api_version() {
        // The loops' resources get these from their own items (no `../x` in the templates):
        // rendered whole, as a run renders them.
        let config = unmanaged().replacen(
            r#""name": "vm1","#,
            r#""name": "vm1", "zones": ["2"], "tags": {"env": "dr"},"#,
            1,
        );
        let ov = Overrides {
            key_vault_id: Some(crate::model::test_inputs::KV.into()),
            ..Overrides::default()
        };
        let r = build(&inputs(&config, Some(&info(SECRET, None)), None, ov)).expect("valid");
        assert_eq!(r.zones, ["2"]);
        let hb = crate::render::registry(&[crate::render::ARM_TEMPLATE]).expect("compiles");
        let (t, _) = super::super::contexts(&r);
        let text = crate::render::render(&hb, crate::render::ARM_TEMPLATE, &t).expect("renders");
        let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let of = |kind: &str| -> Vec<serde_json::Value> {
            v["resources"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|res| res["type"] == kind)
                .cloned()
                .collect()
        };
        let disks = of("Microsoft.Compute/disks");
        assert_eq!(disks.len(), 2);
        for d in &disks {
            assert_eq!(d["apiVersion"], DISKS_API);
            assert_eq!(d["zones"], json!(["2"]));
            assert_eq!(d["tags"], json!({"env": "dr"}));
        }
        let nics = of("Microsoft.Network/networkInterfaces");
        assert_eq!(nics.len(), 1);
        assert_eq!(nics[0]["apiVersion"], super::super::NETWORK_API);
        assert_eq!(nics[0]["tags"], json!({"env": "dr"}));
        assert!(nics[0].get("zones").is_none());
    }

    #[test]
    fn imported_disk_ids_name_the_same_disk_as_the_resource() {
        assert_eq!(
            disk_id(Some(3)),
            "[resourceId('Microsoft.Compute/disks', format('{0}-datadisk-lun3', parameters('virtualMachineName')))]"
        );
        assert_eq!(
            disk_id(None),
            "[resourceId('Microsoft.Compute/disks', format('{0}-osdisk', parameters('virtualMachineName')))]"
        );
        assert_eq!(sq("it's"), "'it''s'");
    }
}
