//! The ARM bundle's typed contexts. Every decision (API versions, extension version, parameter
//! names, which blocks exist) is made here; the templates only lay the document out.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::model::{DiskKind, DiskSource, Encryption, Flavour, OsType, Restore};

pub const COMPUTE_API: &str = "2024-07-01";
pub const NETWORK_API: &str = "2024-05-01";

/// A string from the inputs placed where ARM evaluates expressions. ARM reads a string that
/// starts with `[` and ends with `]` as an expression; a leading `[[` makes it a literal again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArmLiteral(pub String);

impl ArmLiteral {
    pub fn escaped(&self) -> String {
        arm_literal(&self.0)
    }
}

pub fn arm_literal(s: &str) -> String {
    if s.starts_with('[') && s.ends_with(']') {
        format!("[{s}")
    } else {
        s.to_owned()
    }
}

impl Serialize for ArmLiteral {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.escaped())
    }
}

fn lit(s: &str) -> ArmLiteral {
    ArmLiteral(s.to_owned())
}

/// The ADE extension for an OS and flavour (ade-extension.md §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdeExtension {
    pub kind: &'static str,
    pub version: &'static str,
}

pub fn ade_extension(os: OsType, flavour: Flavour) -> AdeExtension {
    match (os, flavour) {
        (OsType::Windows, Flavour::Aad) => AdeExtension {
            kind: "AzureDiskEncryption",
            version: "1.1",
        },
        (OsType::Windows, Flavour::NoAad) => AdeExtension {
            kind: "AzureDiskEncryption",
            version: "2.2",
        },
        (OsType::Linux, Flavour::Aad) => AdeExtension {
            kind: "AzureDiskEncryptionForLinux",
            version: "0.1",
        },
        (OsType::Linux, Flavour::NoAad) => AdeExtension {
            kind: "AzureDiskEncryptionForLinux",
            version: "1.1",
        },
    }
}

#[derive(Serialize)]
pub struct Parameter {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "defaultValue", skip_serializing_if = "Option::is_none")]
    default_value: Option<Value>,
    #[serde(rename = "allowedValues", skip_serializing_if = "Option::is_none")]
    allowed_values: Option<Vec<&'static str>>,
    metadata: ParamMeta,
}

#[derive(Serialize)]
struct ParamMeta {
    description: &'static str,
}

fn param(kind: &'static str, default: Option<Value>, description: &'static str) -> Parameter {
    Parameter {
        kind,
        default_value: default,
        allowed_values: None,
        metadata: ParamMeta { description },
    }
}

fn s(v: &str) -> Option<Value> {
    Some(Value::String(arm_literal(v)))
}

fn expr(v: &str) -> Option<Value> {
    Some(Value::String(v.to_owned()))
}

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

/// Context of `azuredeploy.json`.
#[derive(Serialize)]
pub struct TemplateContext {
    compute_api: &'static str,
    network_api: &'static str,
    description: String,
    parameters: Map<String, Value>,
    variables: Map<String, Value>,
    tags: Map<String, Value>,
    zones: Option<Vec<ArmLiteral>>,
    license_type: Option<ArmLiteral>,
    availability_set: bool,
    public_ip: bool,
    os_disk: OsDiskJson,
    data_disks: Vec<DataDiskJson>,
    extension: Option<ExtensionJson>,
}

/// Context of `azuredeploy.parameters.json`: values as the user will see and edit them. ARM does
/// not evaluate expressions in a parameters file, so values are written as they are.
#[derive(Serialize)]
pub struct ParametersContext {
    parameters: Map<String, Value>,
}

pub fn case_description(r: &Restore) -> String {
    let disks = match r.disks.kind() {
        DiskKind::Managed => "managed disks",
        DiskKind::Unmanaged => "unmanaged disks",
    };
    let enc = match &r.encryption {
        Encryption::None { .. } => "not encrypted".to_owned(),
        Encryption::Ade(a) => format!(
            "Azure Disk Encryption {}, {}",
            match a.flavour.value {
                Flavour::Aad => "with Azure AD",
                Flavour::NoAad => "without Azure AD",
            },
            if a.kek.is_some() {
                "BEK + KEK"
            } else {
                "BEK only"
            }
        ),
    };
    format!(
        "{} VM, {}, {} data disk{}, {}",
        r.os.value.as_str(),
        disks,
        r.disks.data().len(),
        if r.disks.data().len() == 1 { "" } else { "s" },
        enc
    )
}

pub fn contexts(r: &Restore) -> (TemplateContext, ParametersContext) {
    let mut params = Map::new();
    let mut values = Map::new();
    let mut add = |name: &str, p: Parameter, value: Option<&str>| {
        params.insert(
            name.to_owned(),
            serde_json::to_value(p).unwrap_or(Value::Null),
        );
        if let Some(v) = value {
            values.insert(name.to_owned(), serde_json::json!({ "value": v }));
        }
    };

    add(
        "virtualMachineName",
        param("string", s(&r.name.value), "Name of the new VM."),
        Some(&r.name.value),
    );
    match &r.location {
        Some(l) => add(
            "location",
            param(
                "string",
                s(&l.value),
                "Azure region of the new VM; the source VM's region by default.",
            ),
            Some(&l.value),
        ),
        None => add(
            "location",
            param(
                "string",
                expr("[resourceGroup().location]"),
                "Azure region of the new VM.",
            ),
            None,
        ),
    }
    add(
        "vmSize",
        param(
            "string",
            s(&r.vm_size.value),
            "VM size; the source VM's size by default.",
        ),
        Some(&r.vm_size.value),
    );
    let net = &r.network;
    add(
        "virtualNetwork",
        param(
            "string",
            net.virtual_network.as_deref().and_then(s),
            "Existing virtual network for the VM's network interface.",
        ),
        net.virtual_network.as_deref(),
    );
    match &net.virtual_network_resource_group {
        Some(g) => add(
            "virtualNetworkResourceGroup",
            param("string", s(g), "Resource group of the virtual network."),
            Some(g),
        ),
        None => add(
            "virtualNetworkResourceGroup",
            param(
                "string",
                expr("[resourceGroup().name]"),
                "Resource group of the virtual network.",
            ),
            None,
        ),
    }
    add(
        "subnet",
        param(
            "string",
            net.subnet.as_deref().and_then(s),
            "Subnet of the virtual network.",
        ),
        net.subnet.as_deref(),
    );
    add(
        "networkInterfaceName",
        param(
            "string",
            expr("[format('{0}-restored-nic', parameters('virtualMachineName'))]"),
            "Name of the new network interface.",
        ),
        None,
    );
    if net.public_ip {
        add(
            "publicIpAddressName",
            param(
                "string",
                expr("[format('{0}-restored-ip', parameters('virtualMachineName'))]"),
                "Name of the new public IP address (Standard SKU, static).",
            ),
            None,
        );
    }
    if let Some(a) = &r.availability_set_id {
        add(
            "availabilitySetId",
            param(
                "string",
                s(&a.value),
                "Resource id of the availability set; the source VM's by default.",
            ),
            Some(&a.value),
        );
    }

    let mut variables = Map::new();
    let mut extension = None;
    let mut encryption_settings = None;
    if let Encryption::Ade(a) = &r.encryption {
        add(
            "diskEncryptionKeyUrl",
            param(
                "string",
                s(&a.secret_url.value.url),
                "Versioned URL of the BEK secret in Key Vault.",
            ),
            Some(&a.secret_url.value.url),
        );
        add(
            "keyVaultResourceId",
            param(
                "string",
                s(&a.key_vault.value.id),
                "Resource id of the key vault that holds the BEK secret.",
            ),
            Some(&a.key_vault.value.id),
        );
        if let Some(k) = &a.kek {
            add(
                "keyEncryptionKeyUrl",
                param(
                    "string",
                    s(&k.url.value.url),
                    "Versioned URL of the key encryption key (KEK).",
                ),
                Some(&k.url.value.url),
            );
            add(
                "kekVaultResourceId",
                param(
                    "string",
                    s(&k.vault.value.id),
                    "Resource id of the key vault that holds the KEK.",
                ),
                Some(&k.vault.value.id),
            );
        }
        if a.flavour.value == Flavour::Aad {
            let id = a.aad_client_id.as_ref().map(|f| f.value.as_str());
            add(
                "aadClientId",
                param(
                    "string",
                    id.and_then(s),
                    "Application (client) id of the Azure AD app the source VM was encrypted with.",
                ),
                id,
            );
            add(
                "aadClientSecret",
                param("securestring", None, "Client secret of that Azure AD app."),
                None,
            );
        }
        let mut vt = param(
            "string",
            s(a.volume_type.value.as_str()),
            "Volumes the ADE extension re-applies encryption to.",
        );
        vt.allowed_values = Some(vec!["All", "Data", "OS"]);
        add("volumeType", vt, Some(a.volume_type.value.as_str()));
        add(
            "forceUpdateTag",
            param(
                "string",
                expr("[newGuid()]"),
                "Changes on every deployment so the ADE extension runs again; keep the default.",
            ),
            None,
        );

        // The vault URI, derived from the secret URL at deployment so the two cannot disagree.
        variables.insert(
            "keyVaultUrl".into(),
            Value::String(
                "[format('https://{0}/', split(parameters('diskEncryptionKeyUrl'), '/')[2])]"
                    .into(),
            ),
        );

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
        if a.flavour.value == Flavour::Aad {
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
        extension = Some(ExtensionJson {
            resource_name: format!(
                "[format('{{0}}/{}', parameters('virtualMachineName'))]",
                ext.kind
            ),
            kind: ext.kind,
            version: ext.version,
            settings,
            aad: a.flavour.value == Flavour::Aad,
        });
    }

    let os = r.disks.os();
    let (managed_disk, vhd) = source_refs(&os.source);
    let os_disk = OsDiskJson {
        os_type: r.os.value.as_str(),
        // A managed disk is named by its id; an unmanaged one needs its name.
        name: vhd.as_ref().map(|_| lit(&os.name)),
        create_option: "Attach",
        caching: os.caching.as_deref().map(lit),
        managed_disk,
        vhd,
        encryption_settings,
    };
    let data_disks = r
        .disks
        .data()
        .iter()
        .map(|d| {
            let (managed_disk, vhd) = source_refs(&d.disk.source);
            DataDiskJson {
                lun: d.lun,
                name: vhd.as_ref().map(|_| lit(&d.disk.name)),
                create_option: "Attach",
                caching: d.disk.caching.as_deref().map(lit),
                disk_size_gb: d.disk.size_gb,
                managed_disk,
                vhd,
            }
        })
        .collect();

    let tags = r
        .tags
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(arm_literal(v))))
        .collect();

    let template = TemplateContext {
        compute_api: COMPUTE_API,
        network_api: NETWORK_API,
        description: case_description(r),
        parameters: params,
        variables,
        tags,
        zones: (!r.zones.is_empty()).then(|| r.zones.iter().map(|z| lit(z)).collect()),
        license_type: r.license_type.as_deref().map(lit),
        availability_set: r.availability_set_id.is_some(),
        public_ip: r.network.public_ip,
        os_disk,
        data_disks,
        extension,
    };
    (template, ParametersContext { parameters: values })
}

fn source_refs(s: &DiskSource) -> (Option<IdRef>, Option<UriRef>) {
    match s {
        DiskSource::Managed { id, .. } => (Some(IdRef { id: lit(id) }), None),
        DiskSource::Vhd { uri } => (None, Some(UriRef { uri: lit(uri) })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arm_literal_escapes_only_whole_brackets() {
        assert_eq!(arm_literal("[concat('a')]"), "[[concat('a')]");
        assert_eq!(arm_literal("[abc"), "[abc");
        assert_eq!(arm_literal("plain"), "plain");
    }

    #[test]
    fn extension_versions_follow_os_and_flavour() {
        assert_eq!(ade_extension(OsType::Windows, Flavour::Aad).version, "1.1");
        assert_eq!(
            ade_extension(OsType::Windows, Flavour::NoAad).version,
            "2.2"
        );
        assert_eq!(ade_extension(OsType::Linux, Flavour::Aad).version, "0.1");
        assert_eq!(ade_extension(OsType::Linux, Flavour::NoAad).version, "1.1");
    }
}
