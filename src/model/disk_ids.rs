//! Disk references parsed once: a managed disk's resource id and an unmanaged disk's blob URL.
//! Both serialize as the plain string; the parsed parts (resource group, blob name) are what the
//! renderers and default disk names need.

use serde::{Serialize, Serializer};

use super::ids::{is_resource_group_name, ArmId};
use crate::source::locate::CLOUD_SUFFIXES;

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

/// An unmanaged disk's blob URL: `https://<account>.blob.<cloud suffix>/<container>/<blob>`,
/// with no user name, password, port, query (a SAS) or fragment. The template copies it into
/// `sourceUri`, which Azure reads from its own storage only.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct VhdUri(String);

impl VhdUri {
    /// The URL, or what is wrong with it.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let u = url::Url::parse(raw).map_err(|e| format!("is not a URL ({e})"))?;
        if u.scheme() != "https" {
            return Err("does not use https".into());
        }
        if !u.username().is_empty() || u.password().is_some() {
            return Err("holds a user name or password".into());
        }
        if u.port().is_some() {
            return Err("names a port".into());
        }
        if u.query().is_some() || u.fragment().is_some() {
            return Err("holds a query (a SAS?) or a fragment".into());
        }
        let host = u.host_str().unwrap_or_default();
        let on_azure = host.split_once('.').is_some_and(|(acct, rest)| {
            (3..=24).contains(&acct.len())
                && acct
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                && rest
                    .strip_prefix("blob.")
                    .is_some_and(|suffix| CLOUD_SUFFIXES.contains(&suffix))
        });
        if !on_azure {
            return Err(format!(
                "is not on an Azure storage account (`<account>.blob.{}`)",
                CLOUD_SUFFIXES[0]
            ));
        }
        let segs: Vec<&str> = u.path_segments().map(|s| s.collect()).unwrap_or_default();
        if segs.len() < 2 || segs.iter().any(|s| s.is_empty()) {
            return Err("names no container and blob".into());
        }
        Ok(VhdUri(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The blob's name without `.vhd`: what Azure names the disk after.
    pub fn stem(&self) -> &str {
        let last = self.0.rsplit('/').next().unwrap_or_default();
        last.strip_suffix(".vhd").unwrap_or(last)
    }
    /// The storage account that holds the blob: the host's first label
    /// (`<account>.blob.core.windows.net`).
    pub fn storage_account(&self) -> &str {
        let rest = self.0.split("://").nth(1).unwrap_or_default();
        rest.split(['.', '/']).next().unwrap_or_default()
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
        let v = VhdUri::parse("https://acct.blob.core.windows.net/c/os-disk.vhd").expect("ok");
        assert_eq!(v.stem(), "os-disk");
        assert_eq!(v.storage_account(), "acct");
        let gov =
            VhdUri::parse("https://acct2.blob.core.usgovcloudapi.net/c/d/os.vhd").expect("ok");
        assert_eq!((gov.storage_account(), gov.stem()), ("acct2", "os"));
        // A3: only Azure's own storage, plain.
        for bad in [
            "ftp://acct/c/os.vhd",
            "os.vhd",
            "http://acct.blob.core.windows.net/c/os.vhd",
            "https://evil.example/c/os.vhd",
            "https://acct.blob.core.windows.net:8443/c/os.vhd",
            "https://127.0.0.1/c/os.vhd",
            "http://127.0.0.1:10000/devstoreaccount1/c/os.vhd",
            "https://user:pw@acct.blob.core.windows.net/c/os.vhd",
            "https://acct.blob.core.windows.net/c/os.vhd?sv=1&sig=SECRETSIG",
            "https://acct.blob.core.windows.net/c/os.vhd#x",
            "https://acct.blob.core.windows.net/os.vhd",
            "https://acct.blob.core.windows.net/c//os.vhd",
            "https://ACCT.blob.core.windows.net.evil.example/c/os.vhd",
            "https://a.blob.core.windows.net/c/os.vhd",
        ] {
            assert!(VhdUri::parse(bad).is_err(), "{bad}");
        }
    }
}
