//! What the source VM had beyond its disks and keys, carried to the new VM: its managed
//! identities, Spot priority and price, and the extensions it is said not to get again (issue 18). Each value keeps where it was read, so `inspect` can say it.

use serde::Serialize;

use super::provenance::{By, Fact};

/// The source VM's managed identities (ARM `identity`), re-created on the new VM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// A system-assigned identity is enabled on the new VM. It is a NEW principal: nothing that
    /// was granted to the source's carries over.
    pub system_assigned: bool,
    /// User-assigned identities, re-attached by resource id as the source had them.
    pub user_assigned: Vec<String>,
    /// The source's system-assigned principal id, when the config holds it: what role
    /// assignments and access policies to look for.
    pub source_principal_id: Option<String>,
    pub by: By,
}

impl Identity {
    /// The ARM `identity.type` (`SystemAssigned, UserAssigned` for both).
    pub fn arm_type(&self) -> &'static str {
        match (self.system_assigned, self.user_assigned.is_empty()) {
            (true, true) => "SystemAssigned",
            (true, false) => "SystemAssigned, UserAssigned",
            (false, _) => "UserAssigned",
        }
    }
    /// `New-AzVMConfig -IdentityType`'s value (its accepted values: `SystemAssigned`,
    /// `UserAssigned`, `SystemAssignedUserAssigned`, `None`).
    pub fn ps_type(&self) -> &'static str {
        match (self.system_assigned, self.user_assigned.is_empty()) {
            (true, true) => "SystemAssigned",
            (true, false) => "SystemAssignedUserAssigned",
            (false, _) => "UserAssigned",
        }
    }
}

/// Priority and Spot settings as the source had them: a Spot VM stays Spot at the same cap, a
/// regular VM stays regular.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Spot {
    /// `Regular`, `Low` or `Spot`, as the source states it.
    pub priority: String,
    /// `Deallocate` or `Delete`; only for a Spot (or Low) VM.
    pub eviction_policy: Option<String>,
    /// The price cap in US dollars per hour, `-1` for "up to the pay-as-you-go price"; only for
    /// a Spot (or Low) VM.
    pub max_price: Option<serde_json::Number>,
    pub by: By,
}

/// An extension of the source other than Azure Disk Encryption: NOT re-installed on the new VM
/// (its protected settings are not in the config, and it is the operator's to install again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceExtension {
    pub name: Option<String>,
    pub publisher: String,
    pub kind: String,
    pub version: Option<String>,
    pub by: By,
}

impl SourceExtension {
    /// BGInfo, which `New-AzVM` installs on a Windows VM unless told not to.
    pub fn is_bginfo(&self) -> bool {
        self.publisher.eq_ignore_ascii_case("Microsoft.Compute")
            && self.kind.eq_ignore_ascii_case("BGInfo")
    }
}

/// Where the source VM ran and what it could do, carried by id or value; each id is a deployment
/// parameter the operator may change.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Placement {
    pub proximity_placement_group: Option<Fact<String>>,
    /// A dedicated host. Azure refuses `host` beside `hostGroup`; a host id names its group.
    pub host: Option<Fact<String>>,
    /// A dedicated host group, when the source named no host (Azure places the VM in the group).
    pub host_group: Option<Fact<String>>,
    pub capacity_reservation_group: Option<Fact<String>>,
    /// `additionalCapabilities.ultraSSDEnabled`: the VM may attach Ultra disks.
    pub ultra_ssd: Option<Fact<bool>>,
    /// `additionalCapabilities.hibernationEnabled`.
    pub hibernation: Option<Fact<bool>>,
    /// `storageProfile.diskControllerType`: `SCSI` or `NVMe`.
    pub disk_controller_type: Option<Fact<String>>,
}

impl Placement {
    pub fn is_empty(&self) -> bool {
        *self == Placement::default()
    }
}

/// A network interface of the source VM, as its config names it, and what it becomes: a new NIC
/// (in the default subnet, or the one `--nic-subnet` gives its index) with the source's
/// accelerated networking and IP forwarding where the config states them, or, with
/// `--reuse-source-nics`, the source NIC itself, attached by id once the script has checked that
/// no VM holds it. The model lists them primary first: that order is the new VM's and the index
/// `--nic-subnet` takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceNic {
    pub id: String,
    /// The source's primary NIC (the only one, or the one marked `primary`, or else the first,
    /// as Azure takes the first when none is marked); the new VM's primary.
    pub primary: bool,
    /// `networkInterfaceConfigurations[].properties.enableAcceleratedNetworking`; `None`: the
    /// config does not say (a plain `networkInterfaces[]` reference holds only the id), so the
    /// new NIC gets Azure's default (off).
    pub accelerated_networking: Option<Fact<bool>>,
    /// `networkInterfaceConfigurations[].properties.enableIPForwarding`, likewise.
    pub ip_forwarding: Option<Fact<bool>>,
    /// `--nic-subnet <index>=<subnet id>`: the subnet of this NIC's new NIC; `None`: the one
    /// subnet every NIC takes by default (`--subnet`, or the source's).
    pub subnet_id: Option<Fact<String>>,
    pub by: By,
}
