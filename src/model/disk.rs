//! The restored disks: all managed or all unmanaged, LUNs unique ([`Disks`] has private fields
//! and one checked constructor), and which of them Azure Backup may have restored without their
//! ADE settings.

use serde::Serialize;

use super::disk_identity::ManagedDisk;
use super::disk_ids::VhdUri;
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
        /// The restored disk: a whole id, or a name in the restored disks' group.
        id: ManagedDisk,
        storage_account_type: Option<String>,
    },
    Vhd {
        uri: VhdUri,
    },
}

impl DiskSource {
    /// The managed disk id (or the name and group it derives from) or the VHD URL.
    pub fn describe(&self) -> String {
        match self {
            DiskSource::Managed { id, .. } => id.describe(),
            DiskSource::Vhd { uri } => uri.as_str().to_owned(),
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

// The one home of the at-risk rule (the warning reads `Prepare.at_risk`). Azure's words, in
// MicrosoftDocs/azure-docs `articles/backup/restore-azure-encrypted-virtual-machines.md` (the note
// under step 3, ms.date 08/20/2025): "If an Azure VM uses disks size is more than 4097 GB, or
// includes more than 16 disks, the restore job fails to restore ADE settings on the restored
// disk." So 16 disks and a 4,097 GB disk are fine; 17 disks or a 4,098 GB disk are at risk.

/// Azure Backup does not restore a disk's ADE settings when the VM has more disks than this.
pub const MAX_DISKS_WITH_ADE_SETTINGS: usize = 16;
/// ... or when one of its disks is larger than this (GB).
pub const MAX_DISK_GB_WITH_ADE_SETTINGS: u32 = 4097;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum AtRisk {
    ManyDisks { disks: usize },
    LargeDisk { disk: String, size_gb: u32 },
}

impl std::fmt::Display for AtRisk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AtRisk::ManyDisks { disks } => {
                write!(f, "{disks} disks (more than {MAX_DISKS_WITH_ADE_SETTINGS})")
            }
            AtRisk::LargeDisk { disk, size_gb } => write!(
                f,
                "disk `{disk}` is {size_gb} GB (over {MAX_DISK_GB_WITH_ADE_SETTINGS} GB)"
            ),
        }
    }
}

/// The disks Azure Backup may have restored without their ADE settings.
pub fn at_risk(disks: &Disks) -> Vec<AtRisk> {
    let all: Vec<&Disk> = std::iter::once(disks.os())
        .chain(disks.data().iter().map(|d| &d.disk))
        .collect();
    let mut out = Vec::new();
    if all.len() > MAX_DISKS_WITH_ADE_SETTINGS {
        out.push(AtRisk::ManyDisks { disks: all.len() });
    }
    for d in all {
        if let Some(size_gb) = d.size_gb.filter(|s| *s > MAX_DISK_GB_WITH_ADE_SETTINGS) {
            out.push(AtRisk::LargeDisk {
                disk: d.name.clone(),
                size_gb,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::disk_ids::DiskId;

    #[test]
    fn many_or_large_disks_are_at_risk() {
        let disk = |name: &str, size| Disk {
            name: name.into(),
            source: DiskSource::Managed {
                id: DiskId::parse(&format!(
                    "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/disks/{name}"
                ))
                .expect("id")
                .into(),
                storage_account_type: None,
            },
            caching: None,
            size_gb: Some(size),
        };
        let data = |n: u8, size| {
            (0..n)
                .map(|lun| DataDisk {
                    lun,
                    disk: disk(&format!("d{lun}"), size),
                })
                .collect::<Vec<_>>()
        };
        let fifteen = Disks::new(disk("os", 127), data(15, 4097)).expect("disks");
        assert!(
            at_risk(&fifteen).is_empty(),
            "16 disks of 4,097 GB are fine"
        );
        let seventeen = Disks::new(disk("os", 127), data(16, 100)).expect("disks");
        assert_eq!(at_risk(&seventeen), vec![AtRisk::ManyDisks { disks: 17 }]);
        let large = Disks::new(
            disk("os", 127),
            vec![DataDisk {
                lun: 0,
                disk: disk("big", 4098),
            }],
        )
        .expect("disks");
        assert_eq!(
            at_risk(&large),
            vec![AtRisk::LargeDisk {
                disk: "big".into(),
                size_gb: 4098
            }]
        );
    }
}
