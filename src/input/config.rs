//! Raw serde types for the config blob: the source VM's model as Azure Backup saved it. Field
//! names are the normalised (lower-case, `properties` nested) keys; every field is optional here
//! because the model layer reports what is missing, all at once, with the path.

use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Debug, Default, Deserialize)]
pub struct RawVm {
    pub name: Option<String>,
    pub id: Option<String>,
    pub location: Option<String>,
    pub tags: Option<Map<String, Value>>,
    pub zones: Option<Vec<String>>,
    pub properties: Option<RawVmProperties>,
    pub resources: Option<Vec<RawExtension>>,
    /// A Marketplace image's purchase plan; top-level in the VM model, beside `properties`.
    pub plan: Option<RawPlan>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawPlan {
    pub name: Option<String>,
    pub publisher: Option<String>,
    pub product: Option<String>,
    pub promotioncode: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawVmProperties {
    pub hardwareprofile: Option<RawHardwareProfile>,
    pub storageprofile: Option<RawStorageProfile>,
    pub availabilityset: Option<RawSubResource>,
    pub licensetype: Option<String>,
    pub securityprofile: Option<RawSecurityProfile>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawHardwareProfile {
    pub vmsize: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawStorageProfile {
    pub osdisk: Option<RawDisk>,
    pub datadisks: Option<Vec<RawDisk>>,
}

/// OS and data disks share one raw shape; the model decides which fields each may use.
#[derive(Debug, Default, Deserialize)]
pub struct RawDisk {
    pub lun: Option<i64>,
    pub name: Option<String>,
    pub ostype: Option<String>,
    pub vhd: Option<RawVhd>,
    pub manageddisk: Option<RawManagedDisk>,
    pub caching: Option<String>,
    pub disksizegb: Option<i64>,
    pub encryptionsettings: Option<RawEncryptionSettings>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawVhd {
    pub uri: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawManagedDisk {
    pub id: Option<String>,
    pub storageaccounttype: Option<String>,
    pub diskencryptionset: Option<RawSubResource>,
    pub securityprofile: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawEncryptionSettings {
    pub enabled: Option<bool>,
    pub diskencryptionkey: Option<RawSecretReference>,
    pub keyencryptionkey: Option<RawKeyReference>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawSecretReference {
    pub secreturl: Option<String>,
    pub sourcevault: Option<RawSubResource>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawKeyReference {
    pub keyurl: Option<String>,
    pub sourcevault: Option<RawSubResource>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawSubResource {
    pub id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawSecurityProfile {
    pub securitytype: Option<String>,
    pub uefisettings: Option<RawUefiSettings>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawUefiSettings {
    pub securebootenabled: Option<bool>,
    pub vtpmenabled: Option<bool>,
}

/// A VM extension from `resources[]`.
#[derive(Debug, Default, Deserialize)]
pub struct RawExtension {
    pub properties: Option<RawExtensionProperties>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawExtensionProperties {
    pub publisher: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub typehandlerversion: Option<String>,
    pub settings: Option<RawAdeSettings>,
}

/// The ADE extension's public settings (never its protected settings: those hold secrets and
/// Azure does not return them).
#[derive(Debug, Default, Deserialize)]
pub struct RawAdeSettings {
    pub keyvaulturl: Option<String>,
    pub keyvaultresourceid: Option<String>,
    pub keyencryptionkeyurl: Option<String>,
    pub kekvaultresourceid: Option<String>,
    pub aadclientid: Option<String>,
    pub volumetype: Option<String>,
    pub keyencryptionalgorithm: Option<String>,
}
