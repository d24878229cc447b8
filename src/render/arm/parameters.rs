//! The template's parameter declarations and the parameters file's values, in one pass so the
//! two cannot disagree: each parameter is declared with its default from the inputs, and a value
//! is written to the parameters file exactly when the inputs gave one.

use serde::Serialize;
use serde_json::{Map, Value};

use super::arm_literal;
use crate::model::{Ade, DiskKind, DiskSource, Encryption, ManagedDisk, Restore};

/// Every template parameter a restore may declare: the one spelling of each name. Declarations
/// here, references in `resources.rs` and `imported.rs`, and the deploy command's names in
/// `render::prepare` all go through it, so a rename is one edit and a typo does not compile. (The
/// handlebars template's own references are checked by the ARM validators in `tests/`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Param {
    VirtualMachineName,
    Location,
    VmSize,
    ImportedDiskSku,
    VhdStorageAccountResourceGroup,
    VirtualNetwork,
    VirtualNetworkResourceGroup,
    Subnet,
    NetworkInterfaceName,
    PublicIpAddressName,
    AvailabilitySetId,
    DiskEncryptionKeyUrl,
    KeyVaultUrl,
    KeyVaultResourceId,
    KeyEncryptionKeyUrl,
    KekVaultResourceId,
    AadClientId,
    AadClientSecret,
    VolumeType,
    ForceUpdateTag,
    RestoredDisksResourceGroup,
    NetworkSecurityGroupId,
    ProximityPlacementGroupId,
    HostId,
    HostGroupId,
    CapacityReservationGroupId,
}

impl Param {
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Param::VirtualMachineName => "virtualMachineName",
            Param::Location => "location",
            Param::VmSize => "vmSize",
            Param::ImportedDiskSku => "importedDiskSku",
            Param::VhdStorageAccountResourceGroup => "vhdStorageAccountResourceGroup",
            Param::VirtualNetwork => "virtualNetwork",
            Param::VirtualNetworkResourceGroup => "virtualNetworkResourceGroup",
            Param::Subnet => "subnet",
            Param::NetworkInterfaceName => "networkInterfaceName",
            Param::PublicIpAddressName => "publicIpAddressName",
            Param::AvailabilitySetId => "availabilitySetId",
            Param::DiskEncryptionKeyUrl => "diskEncryptionKeyUrl",
            Param::KeyVaultUrl => "keyVaultUrl",
            Param::KeyVaultResourceId => "keyVaultResourceId",
            Param::KeyEncryptionKeyUrl => "keyEncryptionKeyUrl",
            Param::KekVaultResourceId => "kekVaultResourceId",
            Param::AadClientId => "aadClientId",
            Param::AadClientSecret => "aadClientSecret",
            Param::VolumeType => "volumeType",
            Param::ForceUpdateTag => "forceUpdateTag",
            Param::RestoredDisksResourceGroup => "restoredDisksResourceGroup",
            Param::NetworkSecurityGroupId => "networkSecurityGroupId",
            Param::ProximityPlacementGroupId => "proximityPlacementGroupId",
            Param::HostId => "hostId",
            Param::HostGroupId => "hostGroupId",
            Param::CapacityReservationGroupId => "capacityReservationGroupId",
        }
    }
    /// `parameters('name')`, for use inside a larger expression.
    pub(crate) fn call(self) -> String {
        format!("parameters('{}')", self.name())
    }
    /// `[parameters('name')]`: the whole value is the parameter.
    pub(crate) fn expr(self) -> String {
        format!("[{}]", self.call())
    }
}

#[derive(Serialize)]
struct Parameter {
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
    description: std::borrow::Cow<'static, str>,
}

fn param(
    kind: &'static str,
    default: Option<Value>,
    description: impl Into<std::borrow::Cow<'static, str>>,
) -> Parameter {
    Parameter {
        kind,
        default_value: default,
        allowed_values: None,
        metadata: ParamMeta {
            description: description.into(),
        },
    }
}

/// A default from the inputs: a literal, escaped so ARM never evaluates it.
fn s(v: &str) -> Option<Value> {
    Some(Value::String(arm_literal(v)))
}

/// A default that is ours: an ARM expression, evaluated at deployment.
fn expr(v: &str) -> Option<Value> {
    Some(Value::String(v.to_owned()))
}

/// Declarations (template) and values (parameters file), in declaration order.
#[derive(Default)]
struct Params {
    declared: Map<String, Value>,
    values: Map<String, Value>,
}

impl Params {
    fn add(&mut self, param: Param, p: Parameter, value: Option<&str>) {
        self.add_named(param.name(), p, value);
    }
    /// A parameter whose name is built (one per NIC: `nic<i>SubnetId`).
    fn add_named(&mut self, name: &str, p: Parameter, value: Option<&str>) {
        self.declared.insert(
            name.to_owned(),
            serde_json::to_value(p).unwrap_or(Value::Null),
        );
        if let Some(v) = value {
            self.values
                .insert(name.to_owned(), serde_json::json!({ "value": v }));
        }
    }
}

/// `(declarations, values)` of every parameter the restore needs.
pub(super) fn declare(r: &Restore) -> (Map<String, Value>, Map<String, Value>) {
    let mut ps = Params::default();
    vm(r, &mut ps);
    if r.disks.kind() == DiskKind::Unmanaged {
        imported(r, &mut ps);
    }
    if let Some(g) = restored_disks_group(r) {
        ps.add(
            Param::RestoredDisksResourceGroup,
            param(
                "string",
                s(g),
                "Resource group the managed disks were restored into; the restore job's target group by default.",
            ),
            Some(g),
        );
    }
    network(r, &mut ps);
    placement(r, &mut ps);
    match &r.encryption {
        Encryption::Ade(a) => ade(a, &mut ps),
        Encryption::None { .. } => {}
    }
    (ps.declared, ps.values)
}

/// The group of the disks the config names (all restored into one group), when any is named.
fn restored_disks_group(r: &Restore) -> Option<&str> {
    let all = std::iter::once(r.disks.os()).chain(r.disks.data().iter().map(|d| &d.disk));
    all.filter_map(|d| match &d.source {
        DiskSource::Managed {
            id: ManagedDisk::Named { group, .. },
            ..
        } => Some(group.value.as_str()),
        _ => None,
    })
    .next()
}

fn vm(r: &Restore, ps: &mut Params) {
    let name = r.vm_name.as_ref().map(|f| f.value.as_str());
    ps.add(
        Param::VirtualMachineName,
        param(
            "string",
            name.and_then(s),
            "Name of the new VM. No default: a VM of that name in the resource group would be updated, not created.",
        ),
        name,
    );
    match &r.location {
        Some(l) => ps.add(
            Param::Location,
            param(
                "string",
                s(&l.value),
                "Azure region of the new VM; the source VM's region by default.",
            ),
            Some(&l.value),
        ),
        None => ps.add(
            Param::Location,
            param(
                "string",
                expr("[resourceGroup().location]"),
                "Azure region of the new VM.",
            ),
            None,
        ),
    }
    ps.add(
        Param::VmSize,
        param(
            "string",
            s(&r.vm_size.value),
            "VM size; the source VM's size by default.",
        ),
        Some(&r.vm_size.value),
    );
}

/// What importing the restored VHDs needs: an unmanaged source says nothing of an account type,
/// and a blob URL does not name its storage account's resource group.
fn imported(r: &Restore, ps: &mut Params) {
    let mut sku = param(
        "string",
        s("StandardSSD_LRS"),
        "Account type of the managed disks imported from the restored VHDs; Standard SSD runs on every VM size.",
    );
    sku.allowed_values = Some(vec![
        "Standard_LRS",
        "StandardSSD_LRS",
        "Premium_LRS",
        "StandardSSD_ZRS",
        "Premium_ZRS",
    ]);
    ps.add(Param::ImportedDiskSku, sku, None);
    // The job's `Target resource group` is the staging account's group; without a job, the
    // deployment's group is the guess (and the next steps ask for it).
    let group = r
        .vhd_storage_account_group
        .as_ref()
        .map(|g| g.value.as_str());
    ps.add(
        Param::VhdStorageAccountResourceGroup,
        param(
            "string",
            group.map_or_else(|| expr("[resourceGroup().name]"), s),
            "Resource group of the storage account that holds the restored VHDs (Azure Backup's `Target resource group`).",
        ),
        group,
    );
}

fn network(r: &Restore, ps: &mut Params) {
    let net = &r.network;
    if r.reuse_source_nics {
        // The source NICs keep their own network: nothing to ask for.
        availability_set(r, ps);
        return;
    }
    ps.add(
        Param::VirtualNetwork,
        param(
            "string",
            net.virtual_network.as_deref().and_then(s),
            "Existing virtual network for the VM's network interface.",
        ),
        net.virtual_network.as_deref(),
    );
    match &net.virtual_network_resource_group {
        Some(g) => ps.add(
            Param::VirtualNetworkResourceGroup,
            param("string", s(g), "Resource group of the virtual network."),
            Some(g),
        ),
        None => ps.add(
            Param::VirtualNetworkResourceGroup,
            param(
                "string",
                expr("[resourceGroup().name]"),
                "Resource group of the virtual network.",
            ),
            None,
        ),
    }
    ps.add(
        Param::Subnet,
        param(
            "string",
            net.subnet.as_deref().and_then(s),
            "Subnet of the virtual network.",
        ),
        net.subnet.as_deref(),
    );
    nic_subnets(r, ps);
    ps.add(
        Param::NetworkInterfaceName,
        param(
            "string",
            expr(&format!(
                "[format('{{0}}-restored-nic', {})]",
                Param::VirtualMachineName.call()
            )),
            "Name of the new (primary) network interface; the others are named <it>-1, <it>-2, ...",
        ),
        None,
    );
    if let Some(n) = &net.network_security_group {
        ps.add(
            Param::NetworkSecurityGroupId,
            param(
                "string",
                s(&n.value),
                "Resource id of the network security group of the new network interface; the source NIC's, from Azure Backup's template.",
            ),
            Some(&n.value),
        );
    }
    if net.public_ip {
        ps.add(
            Param::PublicIpAddressName,
            param(
                "string",
                expr(&format!(
                    "[format('{{0}}-restored-ip', {})]",
                    Param::VirtualMachineName.call()
                )),
                "Name of the new public IP address (Standard SKU, static).",
            ),
            None,
        );
    }
    availability_set(r, ps);
}

/// A subnet parameter per NIC that does not take the network's: each after the primary (the
/// network's subnet by default, or its `--nic-subnet`), and the primary when `--nic-subnet 0=`
/// moves it.
fn nic_subnets(r: &Restore, ps: &mut Params) {
    for (i, n) in r.nics.iter().enumerate() {
        if !super::nics::has_subnet_param(r, i) {
            continue;
        }
        let id = n.subnet_id.as_ref().map(|f| f.value.as_str());
        ps.add_named(
            &super::nics::subnet_param(i),
            param(
                "string",
                id.map_or_else(
                    || expr(&format!("[{}]", super::nics::default_subnet_expr())),
                    s,
                ),
                format!("Resource id of the subnet of network interface {i} (its index in `restore-deploy inspect`; 0 is the primary); the `subnet` parameter's by default, or `--nic-subnet`."),
            ),
            id,
        );
    }
}

fn availability_set(r: &Restore, ps: &mut Params) {
    if let Some(a) = &r.availability_set_id {
        ps.add(
            Param::AvailabilitySetId,
            param(
                "string",
                s(&a.value),
                "Resource id of the availability set; the source VM's by default.",
            ),
            Some(&a.value),
        );
    }
}

/// Each placement id the source had: a parameter whose default is the source's.
fn placement(r: &Restore, ps: &mut Params) {
    let pl = &r.placement;
    for (param, fact, what) in [
        (
            Param::ProximityPlacementGroupId,
            &pl.proximity_placement_group,
            "Resource id of the proximity placement group; the source VM's by default.",
        ),
        (
            Param::HostId,
            &pl.host,
            "Resource id of the dedicated host; the source VM's by default.",
        ),
        (
            Param::HostGroupId,
            &pl.host_group,
            "Resource id of the dedicated host group; the source VM's by default.",
        ),
        (
            Param::CapacityReservationGroupId,
            &pl.capacity_reservation_group,
            "Resource id of the capacity reservation group; the source VM's by default.",
        ),
    ] {
        if let Some(f) = fact {
            ps.add(param, param_of(s(&f.value), what), Some(&f.value));
        }
    }
}

fn param_of(default: Option<Value>, description: &'static str) -> Parameter {
    param("string", default, description)
}

fn ade(a: &Ade, ps: &mut Params) {
    let vault = a.key_vault.value.as_str();
    match &a.secret_url {
        Some(secret) => {
            let secret = secret.value.as_str();
            ps.add(
                Param::DiskEncryptionKeyUrl,
                param(
                    "string",
                    s(secret),
                    "Versioned URL of the BEK secret in Key Vault.",
                ),
                Some(secret),
            );
        }
        // Single-pass on managed disks: the restored OS disk carries the BEK reference.
        None => {
            let uri = a.vault_uri.value.as_str();
            ps.add(
                Param::KeyVaultUrl,
                param(
                    "string",
                    s(uri),
                    "URI of the key vault that holds the BEK secret (https://<vault>.vault.azure.net/).",
                ),
                Some(uri),
            );
        }
    }
    ps.add(
        Param::KeyVaultResourceId,
        param(
            "string",
            s(vault),
            "Resource id of the key vault that holds the BEK secret.",
        ),
        Some(vault),
    );
    if let Some(k) = &a.kek {
        let (url, vault) = (k.url.value.as_str(), k.vault.value.as_str());
        ps.add(
            Param::KeyEncryptionKeyUrl,
            param(
                "string",
                s(url),
                "Versioned URL of the key encryption key (KEK).",
            ),
            Some(url),
        );
        ps.add(
            Param::KekVaultResourceId,
            param(
                "string",
                s(vault),
                "Resource id of the key vault that holds the KEK.",
            ),
            Some(vault),
        );
    }
    if a.flavour.value.is_aad() {
        let id = a.aad_client_id.as_ref().map(|f| f.value.as_str());
        ps.add(
            Param::AadClientId,
            param(
                "string",
                id.and_then(s),
                "Application (client) id of the Azure AD app the source VM was encrypted with.",
            ),
            id,
        );
        ps.add(
            Param::AadClientSecret,
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
    ps.add(Param::VolumeType, vt, Some(a.volume_type.value.as_str()));
    ps.add(
        Param::ForceUpdateTag,
        param(
            "string",
            expr("[newGuid()]"),
            "Changes on every deployment so the ADE extension runs again; keep the default.",
        ),
        None,
    );
}
