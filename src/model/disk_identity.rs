//! Which restored managed disk the new VM attaches, and how that was decided.
//!
//! Azure Backup's config blob of a managed-disk restore names each disk and gives no id: the one
//! complete real blob found in public (aollivierre/Azure, `Migrating_VM_VNETA-to_VNETB/2-Restore/
//! 2.5 Create a VM from restored disks/config-outlook1-….json` @8633274c, December 2020) has
//! `"managedDisk": null`, `"vhd": {"uri": ""}` and `"name"` = the restored disk's name, which
//! Backup's own template beside it attaches in the job's `Target resource group`. The documented
//! PowerShell recipe does the same (`Get-AzDisk -ResourceGroupName <target group> -DiskName
//! <osDisk.name>`). A config that does carry an id is still read (other Backup versions may
//! write one), as long as the id is in the restore's target group: an id elsewhere may be the
//! source VM's live disk, and attaching that would take the disk from under the source VM.

use serde::Serialize;

use super::disk_ids::DiskId;
use super::provenance::{By, Fact};

/// A managed disk's name as Azure allows it: 1 to 80 letters, digits, `_`, `.` or `-`, starting
/// with a letter, digit or `_`, and not ending with `.` or `-`
/// (learn.microsoft.com, "Naming rules and restrictions for Azure resources", Microsoft.Compute
/// `disks`). Checked once, so a name is safe inside an ARM expression and a PowerShell literal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct DiskName(String);

impl DiskName {
    pub fn parse(raw: &str) -> Option<Self> {
        let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
        let first_ok = raw
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        let last_ok = !raw.ends_with(['.', '-']);
        (raw.len() <= 80 && first_ok && last_ok && raw.chars().all(ok_char))
            .then(|| DiskName(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The restored managed disk a VM disk attaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ManagedDisk {
    /// A whole id: the config's own (in the restore's target group, or with no job to say where
    /// the restore went), or Backup's template's when the config's id pointed elsewhere.
    Id {
        id: DiskId,
        by: By,
        /// How the disk was told from the one the config named, when they differ.
        note: Option<String>,
    },
    /// Named by the config: the restored disk `name` in `group`, whose id is derived at
    /// deployment (`resourceId(...)` in ARM, `Get-AzDisk` in PowerShell).
    Named { name: DiskName, group: Fact<String> },
}

impl From<DiskId> for ManagedDisk {
    /// An id with no provenance of its own (tests build disks this way).
    fn from(id: DiskId) -> Self {
        ManagedDisk::Id {
            id,
            by: By::Default("a managed disk id"),
            note: None,
        }
    }
}

impl ManagedDisk {
    /// The disk resource's own name (Azure refuses an attached disk named otherwise).
    pub fn name(&self) -> &str {
        match self {
            ManagedDisk::Id { id, .. } => id.name(),
            ManagedDisk::Named { name, .. } => name.as_str(),
        }
    }
    /// The resource group that holds the restored disk.
    pub fn resource_group(&self) -> &str {
        match self {
            ManagedDisk::Id { id, .. } => id.resource_group(),
            ManagedDisk::Named { group, .. } => &group.value,
        }
    }
    /// The disk's subscription, when an id names it; a named disk is in the deployment's.
    pub fn subscription(&self) -> Option<&str> {
        match self {
            ManagedDisk::Id { id, .. } => Some(id.subscription()),
            ManagedDisk::Named { .. } => None,
        }
    }
    /// The whole id, when the inputs gave one.
    pub fn id(&self) -> Option<&DiskId> {
        match self {
            ManagedDisk::Id { id, .. } => Some(id),
            ManagedDisk::Named { .. } => None,
        }
    }
    /// What `inspect` shows: the id, or the name and group it is derived from.
    pub fn describe(&self) -> String {
        match self {
            ManagedDisk::Id { id, .. } => id.as_str().to_owned(),
            ManagedDisk::Named { name, group } => format!(
                "id derived from name `{}` in group `{}`",
                name.as_str(),
                group.value
            ),
        }
    }
    /// Which input decided the disk.
    pub fn by(&self) -> &By {
        match self {
            ManagedDisk::Id { by, .. } => by,
            ManagedDisk::Named { group, .. } => &group.by,
        }
    }
    pub fn note(&self) -> Option<&str> {
        match self {
            ManagedDisk::Id { note, .. } => note.as_deref(),
            ManagedDisk::Named { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_names_follow_azures_rule() {
        for ok in [
            "outlook1-osdisk-20201213-011938",
            "_d",
            "a.b_c-1",
            &"x".repeat(80),
        ] {
            assert!(DiskName::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "",
            "-a",
            ".a",
            "a.",
            "a-",
            "a b",
            "a'b",
            "a]",
            &"x".repeat(81),
            "é",
        ] {
            assert!(DiskName::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_named_disk_says_where_its_id_comes_from() {
        let d = ManagedDisk::Named {
            name: DiskName::parse("vm-osdisk-1").expect("name"),
            group: Fact::new(
                "rg-restored".into(),
                By::Job {
                    origin: "job.json".into(),
                    path: "$[\"Target resource group\"]".into(),
                },
            ),
        };
        assert_eq!(
            (d.name(), d.resource_group(), d.subscription()),
            ("vm-osdisk-1", "rg-restored", None)
        );
        assert_eq!(
            d.describe(),
            "id derived from name `vm-osdisk-1` in group `rg-restored`"
        );
        assert_eq!(
            d.by().to_string(),
            "job job.json at $[\"Target resource group\"]"
        );
    }
}
