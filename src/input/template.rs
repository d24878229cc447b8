//! Raw serde types for Azure Backup's own template of a restore (`azuredeploy<job id>.json`, the
//! job's `Template Blob Uri`): only what the config blob leaves out is read. Its shape is the one
//! real template found in public (aollivierre/Azure, `Migrating_VM_VNETA-to_VNETB/2-Restore/2.5
//! Create a VM from restored disks/azuredeploy064ee552-….json` @8633274c): parameters
//! `VirtualNetwork`, `VirtualNetworkResourceGroup` and `Subnet` whose defaults are the source's
//! network, a NIC with the source NIC's `networkSecurityGroup`, and the VM attaching each
//! restored disk by its whole id. Keys are normalised like every input (lower case, `properties`
//! nested); values that ARM evaluates (`[...]`) are skipped by the model, never followed.

use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Debug, Default, Deserialize)]
pub struct RawTemplate {
    /// Parameter name (lower-cased) → its declaration; only `defaultValue` is read.
    pub parameters: Option<Map<String, Value>>,
    pub resources: Option<Vec<RawResource>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawResource {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub properties: Option<RawResourceProperties>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawResourceProperties {
    /// A NIC's `primary`; a value, or an expression (then not read).
    pub primary: Option<Value>,
    pub networksecuritygroup: Option<RawId>,
    pub storageprofile: Option<RawStorage>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawStorage {
    pub osdisk: Option<RawTemplateDisk>,
    pub datadisks: Option<Vec<RawTemplateDisk>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawTemplateDisk {
    /// A number, or an expression (then the disk is not matched to a LUN).
    pub lun: Option<Value>,
    pub manageddisk: Option<RawId>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawId {
    pub id: Option<String>,
}

impl RawTemplate {
    /// A parameter's default when it is a plain string (not an expression).
    pub fn default_of(&self, name: &str) -> Option<&str> {
        let p = self.parameters.as_ref()?.get(&name.to_ascii_lowercase())?;
        let v = p.get("defaultvalue")?.as_str()?;
        (!v.trim().is_empty() && !v.starts_with('[')).then_some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_read_when_plain_strings() {
        let t: RawTemplate = serde_json::from_value(serde_json::json!({
            "parameters": {
                "virtualnetwork": {"type": "string", "defaultvalue": "vnet-a"},
                "subnet": {"type": "string", "defaultvalue": "[parameters('x')]"},
                "virtualnetworkresourcegroup": {"type": "string"}
            }
        }))
        .expect("typed");
        assert_eq!(t.default_of("VirtualNetwork"), Some("vnet-a"));
        assert_eq!(
            t.default_of("Subnet"),
            None,
            "an expression is not followed"
        );
        assert_eq!(t.default_of("VirtualNetworkResourceGroup"), None);
    }
}
