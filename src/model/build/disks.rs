//! Disk validation: the OS type, each disk's source (a managed disk id or a VHD blob URL), LUNs
//! and sizes.

use crate::error::Code;
use crate::input::config::RawDisk;

use super::context::{data_disk_path, Config, Problems, OS_DISK};
use crate::model::disk::{DataDisk, Disk, DiskSource, Disks, OsType};
use crate::model::disk_ids::{DiskId, VhdUri};
use crate::model::provenance::Fact;

/// The OS type and every disk, each problem reported with its path.
pub(super) fn disks(cfg: Config, p: &mut Problems) -> (Option<Fact<OsType>>, Option<Disks>) {
    let storage = cfg
        .vm
        .properties
        .as_ref()
        .and_then(|p| p.storageprofile.as_ref());
    let os_raw = storage.and_then(|s| s.osdisk.as_ref());
    let os = os_raw.and_then(|d| os_type(d, cfg, p));
    let os_disk = match os_raw {
        Some(d) => disk(d, OS_DISK, cfg.origin, p),
        None => {
            p.add(Code::MissingOsDisk, "the config has no OS disk", cfg.origin, Some(OS_DISK.into()), "this does not look like a complete config blob; use the `Config Blob Uri` of the restore job");
            None
        }
    };
    let mut data = Vec::new();
    for (i, d) in storage
        .and_then(|s| s.datadisks.as_ref())
        .into_iter()
        .flatten()
        .enumerate()
    {
        let path = data_disk_path(i);
        let lun = lun(d, &path, cfg.origin, p);
        if let (Some(lun), Some(disk)) = (lun, disk(d, &path, cfg.origin, p)) {
            data.push(DataDisk { lun, disk });
        }
    }
    let disks = os_disk.and_then(|os_disk| match Disks::new(os_disk, data) {
        Ok(d) => Some(d),
        Err(Code::MixedDiskKinds) => {
            p.add(Code::MixedDiskKinds, "the VM mixes managed disks and unmanaged (VHD) disks", cfg.origin, Some("$.properties.storageProfile".into()), "a VM's disks are all managed or all unmanaged; check that the config is not edited");
            None
        }
        Err(code) => {
            p.add(
                code,
                "two data disks share one LUN",
                cfg.origin,
                Some("$.properties.storageProfile.dataDisks".into()),
                "each data disk needs its own LUN; fix the config",
            );
            None
        }
    });
    (os, disks)
}

fn lun(d: &RawDisk, path: &str, origin: Option<&str>, p: &mut Problems) -> Option<u8> {
    match d.lun {
        Some(l) if (0..=63).contains(&l) => Some(l as u8),
        Some(l) => {
            p.add(
                Code::InvalidLun,
                format!("data disk LUN `{l}` is outside 0..=63"),
                origin,
                Some(format!("{path}.lun")),
                "fix the LUN in the config",
            );
            None
        }
        None => {
            p.add(
                Code::InvalidLun,
                "a data disk has no LUN",
                origin,
                Some(format!("{path}.lun")),
                "every data disk needs its LUN; fix the config",
            );
            None
        }
    }
}

fn os_type(d: &RawDisk, cfg: Config, p: &mut Problems) -> Option<Fact<OsType>> {
    let at = format!("{OS_DISK}.osType");
    match d.ostype.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("windows") => Some(Fact::new(OsType::Windows, cfg.by(at))),
        Some("linux") => Some(Fact::new(OsType::Linux, cfg.by(at))),
        other => {
            let msg = match other {
                Some(_) => format!(
                    "unknown OS type `{}`",
                    d.ostype.as_deref().unwrap_or_default()
                ),
                None => "the OS disk has no OS type".to_owned(),
            };
            p.add(
                Code::UnknownOsType,
                msg,
                cfg.origin,
                Some(at),
                "the OS disk's `osType` must be `Windows` or `Linux`; fix the config",
            );
            None
        }
    }
}

fn disk(d: &RawDisk, path: &str, origin: Option<&str>, p: &mut Problems) -> Option<Disk> {
    let source = disk_source(d, path, origin, p)?;
    let size_gb = match d.disksizegb {
        None => None,
        Some(s) if (1..=65536).contains(&s) => Some(s as u32),
        Some(s) => {
            p.add(
                Code::InvalidDiskSize,
                format!("disk size `{s}` GB is not possible"),
                origin,
                Some(format!("{path}.diskSizeGB")),
                "fix or remove `diskSizeGB`",
            );
            return None;
        }
    };
    let name = d
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| default_disk_name(&source));
    Some(Disk {
        name,
        source,
        caching: d.caching.clone(),
        size_gb,
    })
}

fn disk_source(
    d: &RawDisk,
    path: &str,
    origin: Option<&str>,
    p: &mut Problems,
) -> Option<DiskSource> {
    let managed_id = d.manageddisk.as_ref().and_then(|m| m.id.as_deref());
    let vhd = d.vhd.as_ref().and_then(|v| v.uri.as_deref());
    match (managed_id, vhd) {
        (Some(_), Some(_)) => {
            p.add(
                Code::DiskHasBothVhdAndManagedDisk,
                "the disk has both `vhd.uri` and `managedDisk.id`",
                origin,
                Some(path.to_owned()),
                "a disk is either managed or a VHD blob; check that the config is not edited",
            );
            None
        }
        (None, None) => {
            p.add(
                Code::DiskHasNoSource,
                "the disk has neither `managedDisk.id` nor `vhd.uri`",
                origin,
                Some(path.to_owned()),
                "the config must name the restored disk; use the config blob of the restore job",
            );
            None
        }
        (Some(raw), None) => {
            let Some(id) = DiskId::parse(raw) else {
                p.add(Code::InvalidManagedDiskId, format!("`{raw}` is not a managed disk resource id"), origin, Some(format!("{path}.managedDisk.id")), "expected `/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Compute/disks/<name>`");
                return None;
            };
            Some(DiskSource::Managed {
                id,
                storage_account_type: d
                    .manageddisk
                    .as_ref()
                    .and_then(|m| m.storageaccounttype.clone()),
            })
        }
        (None, Some(raw)) => {
            let Some(uri) = VhdUri::parse(raw) else {
                p.add(
                    Code::InvalidVhdUri,
                    format!("`{raw}` is not a VHD blob URL"),
                    origin,
                    Some(format!("{path}.vhd.uri")),
                    "expected `https://<account>.blob.core.windows.net/<container>/<disk>.vhd`",
                );
                return None;
            };
            Some(DiskSource::Vhd { uri })
        }
    }
}

/// A disk with no `name` is called what Azure calls it: the managed disk's name, or the blob's
/// name without `.vhd`.
fn default_disk_name(s: &DiskSource) -> String {
    match s {
        DiskSource::Managed { id, .. } => id.name().to_owned(),
        DiskSource::Vhd { uri } => uri.stem().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_inputs::inputs;
    use crate::model::{DiskKind, Overrides};

    const MANAGED: &str = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/disks";
    const BLOBS: &str = "https://acct.blob.core.windows.net/vhds";

    /// The disks of a config with this OS disk and these data disks (JSON objects).
    fn read(os: &str, data: &str) -> (Option<Disks>, Vec<(Code, String)>) {
        let cfg = format!(
            r#"{{"properties": {{"storageProfile": {{"osDisk": {os}, "dataDisks": [{data}]}}}}}}"#
        );
        let i = inputs(&cfg, None, None, Overrides::default());
        let c = i.config.as_ref().expect("config");
        let cfg = Config {
            vm: &c.raw,
            origin: Some(&c.origin),
        };
        let mut p = Problems::new();
        let (_, disks) = disks(cfg, &mut p);
        let problems = p
            .list
            .into_iter()
            .map(|e| (e.code, e.location.unwrap_or_default()))
            .collect();
        (disks, problems)
    }

    fn managed(name: &str, lun: Option<i64>) -> String {
        let lun = lun.map(|l| format!(r#""lun": {l}, "#)).unwrap_or_default();
        format!(r#"{{{lun}"osType": "Linux", "managedDisk": {{"id": "{MANAGED}/{name}"}}}}"#)
    }

    fn vhd(name: &str, lun: i64) -> String {
        format!(r#"{{"lun": {lun}, "vhd": {{"uri": "{BLOBS}/{name}.vhd"}}}}"#)
    }

    #[test]
    fn data_disks_in_lun_order_named_after_their_source() {
        let data = format!("{}, {}", managed("d1", Some(3)), managed("d0", Some(0)));
        let (disks, problems) = read(&managed("os", None), &data);
        assert!(problems.is_empty(), "{problems:?}");
        let disks = disks.expect("valid");
        assert_eq!(disks.kind(), DiskKind::Managed);
        assert_eq!(disks.os().name, "os");
        let order: Vec<(u8, &str)> = disks
            .data()
            .iter()
            .map(|d| (d.lun, d.disk.name.as_str()))
            .collect();
        assert_eq!(order, vec![(0, "d0"), (3, "d1")]);
        let os = format!(r#"{{"osType": "Linux", "vhd": {{"uri": "{BLOBS}/os-1.vhd"}}}}"#);
        let (disks, _) = read(&os, "");
        assert_eq!(disks.expect("valid").os().name, "os-1");
    }

    #[test]
    fn a_vm_never_mixes_disk_kinds_or_shares_a_lun() {
        let (disks, problems) = read(&managed("os", None), &vhd("d0", 0));
        assert!(disks.is_none());
        assert_eq!(problems[0].0, Code::MixedDiskKinds);
        let data = format!("{}, {}", managed("a", Some(1)), managed("b", Some(1)));
        let (_, problems) = read(&managed("os", None), &data);
        assert_eq!(problems[0].0, Code::DuplicateLun);
    }

    #[test]
    fn every_bad_disk_is_reported_with_its_path() {
        let data = format!(
            r#"{}, {}, {{"lun": 2}}, {{"lun": 3, "diskSizeGB": 0, "vhd": {{"uri": "{BLOBS}/x.vhd"}}}}"#,
            managed("a", Some(64)),
            managed("b", None)
        );
        let os = format!(
            r#"{{"osType": "Plan9", "managedDisk": {{"id": "{MANAGED}/os"}}, "vhd": {{"uri": "{BLOBS}/os.vhd"}}}}"#
        );
        let (_, problems) = read(&os, &data);
        let path = "$.properties.storageProfile";
        assert_eq!(
            problems,
            vec![
                (Code::UnknownOsType, format!("{path}.osDisk.osType")),
                (Code::DiskHasBothVhdAndManagedDisk, format!("{path}.osDisk")),
                (Code::InvalidLun, format!("{path}.dataDisks[0].lun")),
                (Code::InvalidLun, format!("{path}.dataDisks[1].lun")),
                (Code::DiskHasNoSource, format!("{path}.dataDisks[2]")),
                (
                    Code::InvalidDiskSize,
                    format!("{path}.dataDisks[3].diskSizeGB")
                ),
            ]
        );
    }
}
