//! The validated restore: its disks ([`Disks`]) and encryption ([`Encryption`]) from the type files
//! beside it, the facts about the VM itself, and what must happen before the deployment
//! ([`Prepare`]).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::disk::{AtRisk, DiskSource, Disks, OsType};
use super::encryption::Encryption;
use super::features::{Identity, Placement, SourceExtension, SourceNic, Spot};
use super::ids::VaultId;
use super::not_carried::NotCarried;
use super::provenance::{By, Fact};
use super::time::TemplateSupport;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecoveryPoint {
    pub at: DateTime<Utc>,
    pub raw: String,
}

/// Where the new VM goes. Values are defaults for template/script parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Network {
    pub virtual_network: Option<String>,
    pub virtual_network_resource_group: Option<String>,
    pub subnet: Option<String>,
    pub public_ip: bool,
    /// Azure Backup's template, when it gave any of the defaults above (flags win over it).
    pub defaults_by: Option<By>,
    /// The source NIC's network security group, from Backup's template.
    pub network_security_group: Option<Fact<String>>,
}

/// A Marketplace purchase plan, carried as the source had it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub name: String,
    pub publisher: Option<String>,
    pub product: Option<String>,
    pub promotion_code: Option<String>,
}

/// A Trusted Launch source: Gen2, UEFI; each setting only where the source states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustedLaunch {
    pub secure_boot: Option<bool>,
    pub vtpm: Option<bool>,
}

/// The steps before the deployment, as far as the inputs and flags decide them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Prepare {
    /// `--restore-keys`: where the missing key and secret are restored to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restore_keys: Option<KeyRestore>,
    /// Why Azure Backup may have restored the disks without their ADE settings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub at_risk: Vec<AtRisk>,
}

impl Prepare {
    /// Nothing beyond the defaults: `inspect --json` then leaves the member out.
    pub fn is_empty(&self) -> bool {
        self.restore_keys.is_none() && self.at_risk.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyRestore {
    pub target: VaultId,
    /// The blob URL (without its SAS) the script reads the encryption-info blob from at run
    /// time. `None` when restore-deploy read a local file, or nothing: a local path means nothing
    /// where the script runs, so the script asks for the blob.
    pub encryption_info: Option<String>,
    /// The local file the operator gave as the encryption-info blob, as given: the next steps
    /// pass it as `-EncryptionInfo` (newcomer row 11). Not part of any written file.
    pub encryption_info_file: Option<String>,
    /// The source VM's name: Azure Disk Encryption tags a BEK secret with the machine it unlocks.
    pub machine_name: Option<String>,
}

/// The validated restore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Restore {
    /// The source VM's name (or `--vm-name` when the config has none): what the restore is of.
    pub(crate) name: Fact<String>,
    /// The new VM's name, from `--vm-name` only. Never defaulted to the source's: a VM PUT is
    /// create-or-update, so that default would rewrite the source VM where it still exists.
    pub(crate) vm_name: Option<Fact<String>>,
    pub(crate) location: Option<Fact<String>>,
    pub(crate) vm_size: Fact<String>,
    pub(crate) os: Fact<OsType>,
    pub(crate) license_type: Option<String>,
    pub(crate) zones: Vec<String>,
    /// In the source's order; names and values are user data, kept byte for byte.
    pub(crate) tags: Vec<(String, String)>,
    pub(crate) availability_set_id: Option<Fact<String>>,
    pub(crate) plan: Option<Plan>,
    pub(crate) trusted_launch: Option<TrustedLaunch>,
    /// The source's managed identities: user-assigned re-attached, system-assigned enabled anew.
    pub(crate) identity: Option<Identity>,
    /// ADE's own managed identity (`securityProfile.encryptionIdentity`), one of `identity`'s.
    pub(crate) encryption_identity: Option<Fact<String>>,
    /// `priority`, `evictionPolicy` and `billingProfile.maxPrice`, when the source states them.
    pub(crate) spot: Option<Spot>,
    /// The source's extensions other than ADE: listed as not re-installed.
    pub(crate) extensions: Vec<SourceExtension>,
    /// Proximity placement group, dedicated host or group, capacity reservation, capabilities.
    pub(crate) placement: Placement,
    /// The source's fields the outputs do not carry, each with its reason (`not_carried`).
    pub(crate) not_carried: Vec<NotCarried>,
    /// The source's boot diagnostics storage account URI; `None`: managed storage.
    pub(crate) boot_diagnostics_storage: Option<Fact<String>>,
    /// The source's network interfaces, primary first: each rebuilt as a new NIC, or reused.
    pub(crate) nics: Vec<SourceNic>,
    /// `--reuse-source-nics`: the new VM takes the source NICs by id (checked free first).
    pub(crate) reuse_source_nics: bool,
    /// From the source VM's id; the key vault must be in it.
    pub(crate) subscription: Option<String>,
    pub(crate) disks: Disks,
    pub(crate) encryption: Encryption,
    pub(crate) recovery_point: Option<Fact<RecoveryPoint>>,
    pub(crate) network: Network,
    /// For a VHD source: the resource group of the storage account that holds the restored VHDs,
    /// which Azure Backup names `Target resource group` (the disks are imported from there).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) vhd_storage_account_group: Option<Fact<String>>,
    /// What runs before the deployment (`prepare.ps1`, or the script's first steps).
    #[serde(skip_serializing_if = "Prepare::is_empty")]
    pub(crate) prepare: Prepare,
    /// What the operator should check before deploying; shown by every format.
    pub(crate) warnings: Vec<String>,
}

impl Restore {
    /// The resource group Azure Backup restored the managed OS disk into: the natural home for
    /// the VM. `None` for an unmanaged restore, whose VHDs give no such hint.
    pub fn home_resource_group(&self) -> Option<&str> {
        match &self.disks.os().source {
            DiskSource::Managed { id, .. } => Some(id.resource_group()),
            DiskSource::Vhd { .. } => None,
        }
    }
    /// Whether Azure supports an ARM template for this restore's recovery point.
    pub fn template_support(&self) -> TemplateSupport {
        TemplateSupport::of(self.recovery_point.as_ref().map(|rp| rp.value.at))
    }
}
