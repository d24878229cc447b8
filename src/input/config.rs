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
    /// The VM's managed identities; top-level beside `properties` (ARM `identity`).
    pub identity: Option<RawIdentity>,
    /// Every field path the config holds with a value (lower-case, `properties` nested, array
    /// indices as `[]`): what the not-carried table is compared with. Filled by
    /// [`fields_of`], never by serde.
    #[serde(skip)]
    pub fields: Vec<String>,
}

/// ARM `identity`: `type` is `SystemAssigned`, `UserAssigned`, `SystemAssigned, UserAssigned` or
/// `None`; `userAssignedIdentities` is keyed by each identity's resource id (keys kept verbatim
/// by normalisation, as tag names are).
#[derive(Debug, Default, Deserialize)]
pub struct RawIdentity {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub principalid: Option<String>,
    pub userassignedidentities: Option<Map<String, Value>>,
}

/// Every path below `v` that holds a value other than `null`, in the notation of
/// [`RawVm::fields`]; a key of `tags` or `userAssignedIdentities` is data, so it counts as the
/// object it names.
pub fn fields_of(v: &Value) -> Vec<String> {
    fn walk(v: &Value, path: &str, out: &mut Vec<String>) {
        match v {
            Value::Null => {}
            Value::Object(m) if m.is_empty() => {}
            Value::Object(m) => {
                let data = path.ends_with("tags") || path.ends_with("userassignedidentities");
                if data {
                    out.push(path.to_owned());
                    return;
                }
                for (k, v) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(v, &p, out);
                }
            }
            Value::Array(a) => {
                for v in a {
                    walk(v, &format!("{path}[]"), out);
                }
            }
            _ => out.push(path.to_owned()),
        }
    }
    let mut out = Vec::new();
    walk(v, "", &mut out);
    out.sort();
    out.dedup();
    out
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
    /// `Regular`, `Low` or `Spot`.
    pub priority: Option<String>,
    /// `Deallocate` or `Delete` (Spot only).
    pub evictionpolicy: Option<String>,
    pub billingprofile: Option<RawBillingProfile>,
    pub proximityplacementgroup: Option<RawSubResource>,
    pub host: Option<RawSubResource>,
    pub hostgroup: Option<RawSubResource>,
    pub capacityreservation: Option<RawCapacityReservation>,
    pub additionalcapabilities: Option<RawAdditionalCapabilities>,
    pub diagnosticsprofile: Option<RawDiagnosticsProfile>,
    pub networkprofile: Option<RawNetworkProfile>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawBillingProfile {
    /// A price in US dollars, or -1 for "up to the pay-as-you-go price".
    pub maxprice: Option<serde_json::Number>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawCapacityReservation {
    pub capacityreservationgroup: Option<RawSubResource>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawAdditionalCapabilities {
    pub ultrassdenabled: Option<bool>,
    pub hibernationenabled: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawDiagnosticsProfile {
    pub bootdiagnostics: Option<RawBootDiagnostics>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawBootDiagnostics {
    pub storageuri: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawNetworkProfile {
    pub networkinterfaces: Option<Vec<RawNicReference>>,
    /// The NIC configurations of a VM whose NICs Compute created (`networkApiVersion` set): the
    /// only place the VM model states a NIC's accelerated networking and IP forwarding.
    pub networkinterfaceconfigurations: Option<Vec<RawNicConfiguration>>,
}

/// `networkProfile.networkInterfaceConfigurations[]` (ARM schema
/// `VirtualMachineNetworkInterfaceConfiguration`): its name and the flags carried.
#[derive(Debug, Default, Deserialize)]
pub struct RawNicConfiguration {
    pub name: Option<String>,
    pub properties: Option<RawNicConfigurationProperties>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawNicConfigurationProperties {
    pub primary: Option<bool>,
    pub enableacceleratednetworking: Option<bool>,
    pub enableipforwarding: Option<bool>,
}

/// A NIC reference of the VM: its id, and `properties.primary` (a flattened config blob writes
/// `properties.primary`, the REST model `properties: {primary}`; normalisation makes them one).
#[derive(Debug, Default, Deserialize)]
pub struct RawNicReference {
    pub id: Option<String>,
    pub properties: Option<RawNicReferenceProperties>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawNicReferenceProperties {
    pub primary: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawHardwareProfile {
    pub vmsize: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawStorageProfile {
    pub osdisk: Option<RawDisk>,
    pub datadisks: Option<Vec<RawDisk>>,
    /// `SCSI` or `NVMe`.
    pub diskcontrollertype: Option<String>,
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
    /// ADE's own managed identity (a user-assigned identity of the VM).
    pub encryptionidentity: Option<RawEncryptionIdentity>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawEncryptionIdentity {
    pub userassignedidentityresourceid: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawUefiSettings {
    pub securebootenabled: Option<bool>,
    pub vtpmenabled: Option<bool>,
}

/// A VM extension from `resources[]`.
#[derive(Debug, Default, Deserialize)]
pub struct RawExtension {
    pub name: Option<String>,
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
