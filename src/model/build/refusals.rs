//! The encryption restore-deploy does not handle, refused up front because a generated
//! deployment would silently lose it: Confidential VMs (restored with a disk encryption set, not
//! ADE) and disks encrypted with a disk encryption set (server-side encryption with a
//! customer-managed key).

use crate::error::Code;
use crate::input::job::RawJob;
use crate::input::Input;

use super::context::{data_disk_path, Config, Problems, OS_DISK};

const CVM_HELP: &str = "Confidential VM restores use a disk encryption set, not ADE; follow Azure's Confidential VM restore guide";

pub(super) fn unsupported_security(cfg: Config, job: Option<&Input<RawJob>>, p: &mut Problems) {
    let props = cfg.vm.properties.as_ref();
    let cvm = props
        .and_then(|p| p.securityprofile.as_ref())
        .and_then(|s| s.securitytype.as_deref())
        .is_some_and(|t| t.eq_ignore_ascii_case("ConfidentialVM"));
    if cvm {
        p.add(
            Code::UnsupportedConfidentialVm,
            "the source is a Confidential VM",
            cfg.origin,
            Some("$.properties.securityProfile.securityType".into()),
            CVM_HELP,
        );
    }
    if let Some(j) = job.filter(|j| j.raw.secured_encryption_info_blob_name.is_some()) {
        p.add(
            Code::UnsupportedConfidentialVm,
            "the job names a `Secured Encryption Info Blob Name` (a Confidential VM restore)",
            Some(&j.origin),
            Some(format!(
                "{}[\"Secured Encryption Info Blob Name\"]",
                j.raw.bag_path
            )),
            CVM_HELP,
        );
    }
    let storage = props.and_then(|p| p.storageprofile.as_ref());
    let disks = storage
        .and_then(|s| s.osdisk.as_ref())
        .map(|d| (OS_DISK.to_owned(), d))
        .into_iter()
        .chain(
            storage
                .and_then(|s| s.datadisks.as_ref())
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(i, d)| (data_disk_path(i), d)),
        );
    for (path, d) in disks {
        let Some(m) = d.manageddisk.as_ref() else {
            continue;
        };
        if m.diskencryptionset
            .as_ref()
            .and_then(|s| s.id.as_ref())
            .is_some()
        {
            p.add(Code::UnsupportedDiskEncryptionSet, "the disk is encrypted with a disk encryption set (SSE with a customer-managed key)", cfg.origin, Some(format!("{path}.managedDisk.diskEncryptionSet")), "restore-deploy handles Azure Disk Encryption only; restore SSE+CMK disks with the template Azure Backup generated");
        }
        if m.securityprofile.is_some() && !cvm {
            p.add(
                Code::UnsupportedConfidentialVm,
                "the disk has a security profile (a Confidential VM disk)",
                cfg.origin,
                Some(format!("{path}.managedDisk.securityProfile")),
                CVM_HELP,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_inputs::inputs;
    use crate::model::Overrides;

    fn refused(cfg: &str, job: Option<&str>) -> Vec<(Code, String)> {
        let i = inputs(cfg, None, job, Overrides::default());
        let c = i.config.as_ref().expect("config");
        let cfg = Config {
            vm: &c.raw,
            origin: Some(&c.origin),
        };
        let mut p = Problems::new();
        unsupported_security(cfg, i.job.as_ref(), &mut p);
        p.list
            .into_iter()
            .map(|e| (e.code, e.location.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn confidential_vms_and_disk_encryption_sets_are_refused() {
        let cvm = r#"{"properties": {"securityProfile": {"securityType": "ConfidentialVM"},
            "storageProfile": {"osDisk": {"managedDisk": {"securityProfile": {}}}}}}"#;
        // The VM's own marker is enough; its disk's security profile is not reported twice.
        assert_eq!(
            refused(cvm, None),
            vec![(
                Code::UnsupportedConfidentialVm,
                "$.properties.securityProfile.securityType".to_owned()
            )]
        );
        let des = r#"{"properties": {"storageProfile": {"dataDisks": [{"lun": 0,
            "managedDisk": {"diskEncryptionSet": {"id": "/x"}, "securityProfile": {}}}]}}}"#;
        let at = "$.properties.storageProfile.dataDisks[0].managedDisk";
        assert_eq!(
            refused(des, None),
            vec![
                (
                    Code::UnsupportedDiskEncryptionSet,
                    format!("{at}.diskEncryptionSet")
                ),
                (
                    Code::UnsupportedConfidentialVm,
                    format!("{at}.securityProfile")
                ),
            ]
        );
        let job = r#"{"Secured Encryption Info Blob Name": "x", "Job Type": "Restore"}"#;
        assert_eq!(
            refused("{}", Some(job))[0].0,
            Code::UnsupportedConfidentialVm
        );
        assert!(refused(r#"{"properties": {}}"#, None).is_empty());
    }
}
