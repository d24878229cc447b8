//! The model's types: a restore whose disks are all managed or all unmanaged and whose encryption
//! is one legal ADE case. Illegal states cannot be written down: [`Disks`] has private fields and
//! one checked constructor, and "KEK without BEK" has no spelling in [`Encryption`].

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::disk_refs::{DiskId, VhdUri};
use super::provenance::{By, Fact};
use super::refs::{VaultId, VaultObjectUrl};
use super::time::TemplateSupport;
use crate::error::Code;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum OsType {
    Windows,
    Linux,
}

impl OsType {
    pub fn as_str(self) -> &'static str {
        match self {
            OsType::Windows => "Windows",
            OsType::Linux => "Linux",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DiskKind {
    Managed,
    Unmanaged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum DiskSource {
    Managed {
        id: DiskId,
        storage_account_type: Option<String>,
    },
    Vhd {
        uri: VhdUri,
    },
}

impl DiskSource {
    /// The managed disk id or the VHD URL.
    pub fn as_str(&self) -> &str {
        match self {
            DiskSource::Managed { id, .. } => id.as_str(),
            DiskSource::Vhd { uri } => uri.as_str(),
        }
    }
    pub fn kind(&self) -> DiskKind {
        match self {
            DiskSource::Managed { .. } => DiskKind::Managed,
            DiskSource::Vhd { .. } => DiskKind::Unmanaged,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disk {
    pub name: String,
    pub source: DiskSource,
    pub caching: Option<String>,
    pub size_gb: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataDisk {
    pub lun: u8,
    pub disk: Disk,
}

/// All disks of one VM. Fields are private: the only way to build one is [`Disks::new`], which
/// refuses a mix of managed and unmanaged disks and duplicate LUNs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disks {
    kind: DiskKind,
    os: Disk,
    data: Vec<DataDisk>,
}

impl Disks {
    pub(super) fn new(os: Disk, mut data: Vec<DataDisk>) -> Result<Self, Code> {
        let kind = os.source.kind();
        if data.iter().any(|d| d.disk.source.kind() != kind) {
            return Err(Code::MixedDiskKinds);
        }
        data.sort_by_key(|d| d.lun);
        if data.windows(2).any(|w| w[0].lun == w[1].lun) {
            return Err(Code::DuplicateLun);
        }
        Ok(Disks { kind, os, data })
    }
    pub fn kind(&self) -> DiskKind {
        self.kind
    }
    pub fn os(&self) -> &Disk {
        &self.os
    }
    /// Data disks in LUN order.
    pub fn data(&self) -> &[DataDisk] {
        &self.data
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecoveryPoint {
    pub at: DateTime<Utc>,
    pub raw: String,
}

/// Encryption choice from `--ade`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AdeChoice {
    #[default]
    Auto,
    Aad,
    NoAad,
    None,
}

/// Command-line values that win over what the inputs say: the user knows the target (name,
/// region, network) and may know the keys better than a stale config blob does.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub vm_name: Option<String>,
    pub location: Option<String>,
    pub vm_size: Option<String>,
    pub virtual_network: Option<String>,
    pub virtual_network_resource_group: Option<String>,
    pub subnet: Option<String>,
    pub public_ip: Option<bool>,
    pub availability_set_id: Option<String>,
    /// `--no-availability-set`: join none, not even the source's.
    pub no_availability_set: bool,
    pub ade: AdeChoice,
    pub secret_url: Option<String>,
    pub key_url: Option<String>,
    pub key_vault_id: Option<String>,
    pub kek_vault_id: Option<String>,
    pub volume_type: Option<VolumeType>,
    pub recovery_point_time: Option<String>,
    /// `--restore-keys`: restore a missing BEK secret / KEK from the encryption-info blob.
    pub restore_keys: bool,
    /// `--target-key-vault`: the vault they are restored into.
    pub target_key_vault: Option<String>,
}

/// Where the new VM goes. Values are defaults for template/script parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Network {
    pub virtual_network: Option<String>,
    pub virtual_network_resource_group: Option<String>,
    pub subnet: Option<String>,
    pub public_ip: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Flavour {
    /// "Dual-pass": settings on the VM model; extension Windows 1.1 / Linux 0.1.
    Aad,
    /// "Single-pass": settings on the disks; extension Windows 2.2 / Linux 1.1.
    NoAad,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum VolumeType {
    All,
    Data,
    #[serde(rename = "OS")]
    Os,
}

impl VolumeType {
    pub fn as_str(self) -> &'static str {
        match self {
            VolumeType::All => "All",
            VolumeType::Data => "Data",
            VolumeType::Os => "OS",
        }
    }
}

/// How the KEK wraps the BEK: one of the three the ADE extension accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum KekAlgorithm {
    #[serde(rename = "RSA-OAEP")]
    RsaOaep,
    #[serde(rename = "RSA-OAEP-256")]
    RsaOaep256,
    #[serde(rename = "RSA1_5")]
    Rsa15,
}

impl KekAlgorithm {
    pub fn parse(s: &str) -> Option<Self> {
        [Self::RsaOaep, Self::RsaOaep256, Self::Rsa15]
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(s))
    }
    pub fn as_str(self) -> &'static str {
        match self {
            KekAlgorithm::RsaOaep => "RSA-OAEP",
            KekAlgorithm::RsaOaep256 => "RSA-OAEP-256",
            KekAlgorithm::Rsa15 => "RSA1_5",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Kek {
    pub url: Fact<VaultObjectUrl>,
    pub vault: Fact<VaultId>,
    pub algorithm: Fact<KekAlgorithm>,
}

/// An encrypted VM: one legal combination. "KEK without BEK" cannot be written down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ade {
    pub flavour: Fact<Flavour>,
    /// `None` only for single-pass on managed disks, whose restored OS disk carries it.
    pub secret_url: Option<Fact<VaultObjectUrl>>,
    /// What ADE calls `KeyVaultURL`: `https://<vault host>/`.
    pub vault_uri: Fact<String>,
    pub key_vault: Fact<VaultId>,
    pub kek: Option<Kek>,
    pub volume_type: Fact<VolumeType>,
    /// Azure AD application id, with Azure AD only, when the source names it.
    pub aad_client_id: Option<Fact<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Encryption {
    None { by: By },
    Ade(Box<Ade>),
}

/// The validated restore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Restore {
    /// The source VM's name (or `--vm-name` when the config has none): what the restore is of.
    pub name: Fact<String>,
    /// The new VM's name, from `--vm-name` only. Never defaulted to the source's: a VM PUT is
    /// create-or-update, so that default would rewrite the source VM where it still exists.
    pub vm_name: Option<Fact<String>>,
    pub location: Option<Fact<String>>,
    pub vm_size: Fact<String>,
    pub os: Fact<OsType>,
    pub license_type: Option<String>,
    pub zones: Vec<String>,
    /// In the source's order; names and values are user data, kept byte for byte.
    pub tags: Vec<(String, String)>,
    pub availability_set_id: Option<Fact<String>>,
    pub plan: Option<super::Plan>,
    pub trusted_launch: Option<super::TrustedLaunch>,
    /// From the source VM's id; the key vault must be in it.
    pub subscription: Option<String>,
    pub disks: Disks,
    pub encryption: Encryption,
    pub recovery_point: Option<Fact<RecoveryPoint>>,
    pub network: Network,
    /// For a VHD source: the resource group of the storage account that holds the restored VHDs,
    /// which Azure Backup names `Target resource group` (the disks are imported from there).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vhd_storage_account_group: Option<Fact<String>>,
    /// What runs before the deployment (`prepare.ps1`, or the script's first steps).
    #[serde(skip_serializing_if = "super::restore_keys::Prepare::is_empty")]
    pub prepare: super::restore_keys::Prepare,
    /// What the operator should check before deploying; shown by every format.
    pub warnings: Vec<String>,
}

impl Restore {
    /// Whether Azure supports an ARM template for this restore's recovery point.
    pub fn template_support(&self) -> TemplateSupport {
        TemplateSupport::of(self.recovery_point.as_ref().map(|rp| rp.value.at))
    }
}
