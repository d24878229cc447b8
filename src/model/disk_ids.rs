//! Disk references parsed once: a managed disk's resource id and an unmanaged disk's blob URL.
//! Both serialize as the plain string; the parsed parts (resource group, blob name) are what the
//! renderers and default disk names need.

use serde::{Serialize, Serializer};

use super::ids::{is_resource_group_name, ArmId};

/// A managed disk's ARM resource id:
/// `/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Compute/disks/<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskId {
    raw: String,
    id: ArmId,
}

impl DiskId {
    /// A disk id whose resource group Azure could not have named is none: the group reaches the
    /// scripts and the commands they print.
    pub fn parse(raw: &str) -> Option<Self> {
        let id = ArmId::parse(raw).filter(|a| {
            a.provider.eq_ignore_ascii_case("Microsoft.Compute")
                && a.types.len() == 1
                && a.types[0].0.eq_ignore_ascii_case("disks")
                && is_resource_group_name(&a.resource_group)
        })?;
        Some(DiskId {
            raw: raw.to_owned(),
            id,
        })
    }
    pub fn as_str(&self) -> &str {
        &self.raw
    }
    pub fn subscription(&self) -> &str {
        &self.id.subscription
    }
    /// Where Azure Backup restored the disk: the natural home for the new VM.
    pub fn resource_group(&self) -> &str {
        &self.id.resource_group
    }
    pub fn name(&self) -> &str {
        self.id
            .types
            .first()
            .map(|t| t.1.as_str())
            .unwrap_or_default()
    }
}

impl Serialize for DiskId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

/// An unmanaged disk's blob URL (http or https, with a host).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct VhdUri(String);

impl VhdUri {
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = url::Url::parse(raw).is_ok_and(|u| {
            matches!(u.scheme(), "https" | "http") && u.host_str().is_some_and(|h| !h.is_empty())
        });
        ok.then(|| VhdUri(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The blob's name without `.vhd`: what Azure names the disk after.
    pub fn stem(&self) -> &str {
        let path = self.0.split(['?', '#']).next().unwrap_or_default();
        let last = path.rsplit('/').next().unwrap_or_default();
        last.strip_suffix(".vhd").unwrap_or(last)
    }
    /// The storage account that holds the blob: the host's first label
    /// (`<account>.blob.core.windows.net`), or the first path segment when the host is an
    /// address, as a local emulator serves `http://127.0.0.1:10000/<account>/...`.
    pub fn storage_account(&self) -> &str {
        let Ok(u) = url::Url::parse(&self.0) else {
            return "";
        };
        let by_path = matches!(u.host(), Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)))
            || u.host_str() == Some("localhost");
        let rest = self.0.split("://").nth(1).unwrap_or_default();
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        if by_path {
            path.split(['/', '?', '#']).next().unwrap_or_default()
        } else {
            host.split(['.', ':']).next().unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_references() {
        let id = "/subscriptions/s1/resourceGroups/rg-restore/providers/Microsoft.Compute/disks/os";
        let d = DiskId::parse(id).expect("valid");
        assert_eq!(
            (d.subscription(), d.resource_group(), d.name()),
            ("s1", "rg-restore", "os")
        );
        assert_eq!(serde_json::to_string(&d).expect("ser"), format!("\"{id}\""));
        assert!(
            DiskId::parse(
                "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
            )
            .is_none(),
            "a vault is not a disk"
        );
        let v = VhdUri::parse("https://acct.blob.core.windows.net/c/os-disk.vhd?sv=1").expect("ok");
        assert_eq!(v.stem(), "os-disk");
        assert_eq!(v.storage_account(), "acct");
        let local = VhdUri::parse("http://127.0.0.1:10000/devstoreaccount1/c/os.vhd").expect("ok");
        assert_eq!(local.storage_account(), "devstoreaccount1");
        assert!(VhdUri::parse("ftp://acct/c/os.vhd").is_none());
        assert!(
            VhdUri::parse("os.vhd").is_none(),
            "a relative name is no URL"
        );
    }
}
