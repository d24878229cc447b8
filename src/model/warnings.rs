//! What may be wrong yet cannot be refused: facts the inputs cannot prove, which the operator
//! checks before deploying. Each sentence says what to check and why it matters.

use crate::input::Inputs;

use super::types::{DiskKind, DiskSource, Encryption, Flavour, Restore};

pub(super) fn warnings(r: &Restore, inputs: &Inputs) -> Vec<String> {
    let mut out = Vec::new();
    // Azure Backup restores managed disks into the job's target group; a disk elsewhere may be the
    // source VM's own disk, which the new VM would then take over.
    let target = inputs
        .job
        .as_ref()
        .and_then(|j| j.raw.target_resource_group.as_deref());
    if let Some(target) = target {
        let os = std::iter::once(r.disks.os());
        for d in os.chain(r.disks.data().iter().map(|d| &d.disk)) {
            if let DiskSource::Managed { id, .. } = &d.source {
                if !id.resource_group().eq_ignore_ascii_case(target) {
                    out.push(format!(
                        "warning: disk `{}` is in resource group `{}`, not in the restore job's target group `{target}`: check that it is a restored disk and not the source VM's",
                        id.name(),
                        id.resource_group()
                    ));
                }
            }
        }
    }
    // ADE needs the key vault in the VM's region; a region override moves the VM away from it.
    if let (Some(l), Some(src)) = (
        &r.location,
        inputs.config.as_ref().and_then(|c| c.raw.location.as_ref()),
    ) {
        if l.by.is_flag() && !l.value.eq_ignore_ascii_case(src) {
            out.push(format!(
                "warning: `--location {}` differs from the source VM's region `{src}`: Azure Disk Encryption needs the key vault in the VM's region, and the restored disks stay where they were restored",
                l.value
            ));
        }
    }
    // Azure Backup does not restore single-pass ADE settings onto disks of a VM with more than
    // 16 disks or a disk over 4 TB; without them the OS disk does not unlock.
    let single_pass =
        matches!(&r.encryption, Encryption::Ade(a) if a.flavour.value == Flavour::NoAad);
    let disks: Vec<_> = std::iter::once(r.disks.os())
        .chain(r.disks.data().iter().map(|d| &d.disk))
        .collect();
    let big = disks.iter().any(|d| d.size_gb.is_some_and(|s| s > 4096));
    if single_pass && r.disks.kind() == DiskKind::Managed && (disks.len() > 16 || big) {
        out.push("warning: Azure Backup does not restore the ADE settings onto the disks of a VM with more than 16 disks or a disk over 4 TB: stamp the OS disk's encryption settings (New-AzDiskUpdateConfig, EncryptionSettingsVersion 1.1, Update-AzDisk) before deploying".to_owned());
    }
    // Azure requires the availability set in the VM's resource group.
    if let Some(a) = &r.availability_set_id {
        let group = a
            .value
            .split('/')
            .skip_while(|s| !s.eq_ignore_ascii_case("resourceGroups"))
            .nth(1);
        let home = r.disks.os().source.clone();
        let vm_group = match &home {
            DiskSource::Managed { id, .. } => Some(id.resource_group()),
            DiskSource::Vhd { .. } => target,
        };
        if let (Some(g), Some(v)) = (group, vm_group) {
            if !g.eq_ignore_ascii_case(v) {
                out.push(format!(
                    "warning: the availability set is in resource group `{g}`; Azure adds a VM only to an availability set in its own group, so deploy into `{g}` or pass `--availability-set-id`"
                ));
            }
        }
    }
    out.extend(super::deployable::warnings(r));
    out.extend(super::job_notes::warnings(r, inputs));
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_inputs::{config, extension, inputs, CONFIG_PLAIN, KV};
    use super::super::{build, Overrides};

    #[test]
    fn disks_outside_the_target_group_and_a_moved_region_are_warned_about() {
        let job =
            |rg: &str| format!(r#"{{"Target resource group": "{rg}", "Job Type": "Restore"}}"#);
        let r = build(&inputs(
            CONFIG_PLAIN,
            None,
            Some(&job("RG")),
            Overrides::default(),
        ))
        .expect("valid");
        assert!(
            r.warnings.is_empty(),
            "the disk is in the target group: {:?}",
            r.warnings
        );

        let ov = Overrides {
            location: Some("northeurope".into()),
            ..Overrides::default()
        };
        let r = build(&inputs(CONFIG_PLAIN, None, Some(&job("rg-restore")), ov)).expect("valid");
        assert_eq!(r.warnings.len(), 2, "{:?}", r.warnings);
        assert!(r.warnings[0].contains("not in the restore job's target group `rg-restore`"));
        assert!(r.warnings[1].contains("--location northeurope"));
    }

    #[test]
    fn a_single_pass_vm_with_a_disk_over_4_tb_is_warned_about() {
        let ext = extension(
            "AzureDiskEncryption",
            "2.2",
            &format!(
                r#""KeyVaultURL": "https://kv1.vault.azure.net/", "KeyVaultResourceId": "{KV}""#
            ),
        );
        let small = config("Windows", "", &ext);
        let r = build(&inputs(&small, None, None, Overrides::default())).expect("valid");
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        let big = small.replace(
            r#""osType": "Windows","#,
            r#""osType": "Windows", "diskSizeGB": 4097,"#,
        );
        let r = build(&inputs(&big, None, None, Overrides::default())).expect("valid");
        assert!(r
            .warnings
            .iter()
            .any(|w| w.contains("more than 16 disks or a disk over 4 TB")));
    }
}
