//! What may be wrong yet cannot be refused: facts the inputs cannot prove, which the operator
//! checks before deploying. Each sentence says what to check and why it matters.

use crate::input::Inputs;

use crate::model::disk::{
    DiskKind, DiskSource, MAX_DISKS_WITH_ADE_SETTINGS, MAX_DISK_GB_WITH_ADE_SETTINGS,
};
use crate::model::restore::Restore;

pub(super) fn warnings(r: &Restore, inputs: &Inputs) -> Vec<String> {
    let mut out = Vec::new();
    // Which restored disk replaced an id that pointed outside the restored disks' group, and
    // where Backup's template disagrees with the config (the config is followed).
    let target = inputs
        .job
        .as_ref()
        .and_then(|j| j.raw.target_resource_group.as_deref());
    let all = std::iter::once(r.disks.os()).chain(r.disks.data().iter().map(|d| &d.disk));
    for d in all {
        if let DiskSource::Managed { id, .. } = &d.source {
            if let Some(note) = id.note() {
                out.push(format!("warning: {note}"));
            }
        }
    }
    // The source's own name: deployed where the source VM still exists, ARM would update it.
    if let Some(n) = r.vm_name.as_ref() {
        if !r.name.by.is_flag() && n.value.eq_ignore_ascii_case(&r.name.value) {
            out.push(format!(
                "warning: `--vm-name {}` is the source VM's own name: deployed into a resource group where the source VM still exists, it would update that VM instead of creating one; pick another name, e.g. `--vm-name {}-restored`",
                n.value, r.name.value
            ));
        }
    }
    if let Some(missing) = &inputs.template_missing {
        out.push(format!(
            "warning: the job's template (its `Template Blob Uri`) {missing}: the network is not taken from it; pass `--virtual-network`, `--virtual-network-resource-group` and `--subnet`, or `--template`"
        ));
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
    // 16 disks or a disk over 4,097 GB (`disk::at_risk`, the one home of that rule); without them
    // the OS disk does not unlock.
    if r.encryption.is_single_pass()
        && r.disks.kind() == DiskKind::Managed
        && !r.prepare.at_risk.is_empty()
    {
        // `prepare.ps1` / `restore-vm.ps1` stamp it (the secret URL it needs is required for
        // this case): only a template deployed on its own needs the manual step (row 34).
        out.push(format!("warning: Azure Backup does not restore the ADE settings onto the disks of a VM with more than {MAX_DISKS_WITH_ADE_SETTINGS} disks or a disk over {MAX_DISK_GB_WITH_ADE_SETTINGS} GB: prepare.ps1 (ARM with --out) and restore-vm.ps1 stamp the OS disk's encryption settings before the VM is created, so no manual step is needed; only a template deployed without prepare.ps1 needs them stamped by hand first (New-AzDiskUpdateConfig, EncryptionSettingsVersion 1.1, Update-AzDisk)"));
    }
    // Azure requires the availability set in the VM's resource group.
    if let Some(a) = &r.availability_set_id {
        let group = a
            .value
            .split('/')
            .skip_while(|s| !s.eq_ignore_ascii_case("resourceGroups"))
            .nth(1);
        let vm_group = r.home_resource_group().or(target);
        if let (Some(g), Some(v)) = (group, vm_group) {
            if !g.eq_ignore_ascii_case(v) {
                out.push(format!(
                    "warning: the availability set is in resource group `{g}`; Azure adds a VM only to an availability set in its own group, so deploy into `{g}` or pass `--availability-set-id`"
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::model::test_inputs::{config, extension, inputs, CONFIG_PLAIN, KV, SECRET};
    use crate::model::{build, Overrides};

    #[test]
    fn a_moved_region_is_warned_about_and_a_disk_outside_the_target_group_refused() {
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
        let r = build(&inputs(CONFIG_PLAIN, None, Some(&job("RG")), ov)).expect("valid");
        assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
        assert!(r.warnings[0].contains("--location northeurope"));

        // A disk outside the target group may be the source VM's: refused without the template.
        let e = build(&inputs(
            CONFIG_PLAIN,
            None,
            Some(&job("rg-restore")),
            Overrides::default(),
        ))
        .expect_err("the source's disk is never attached");
        assert_eq!(e.0[0].code, crate::error::Code::DiskOutsideTargetGroup);
        assert!(e.0[0]
            .message
            .contains("not in the restored disks' group `rg-restore`"));
    }

    #[test]
    fn a_single_pass_vm_with_a_disk_over_4097_gb_is_warned_about() {
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
            r#""osType": "Windows", "diskSizeGB": 4098,"#,
        );
        let e = build(&inputs(&big, None, None, Overrides::default()))
            .expect_err("at risk without the BEK secret URL: nothing could stamp the disk");
        assert_eq!(e.0[0].code, crate::error::Code::IncompleteKeyReference);
        let with_secret = Overrides {
            secret_url: Some(SECRET.to_owned()),
            ..Overrides::default()
        };
        let r = build(&inputs(&big, None, None, with_secret)).expect("valid");
        assert!(r
            .warnings
            .iter()
            .any(|w| w.contains("more than 16 disks or a disk over 4097 GB")));
        assert_eq!(
            r.prepare.at_risk.len(),
            1,
            "the warning and the at-risk row agree"
        );
        // Azure: "more than 4097 GB"; a disk of exactly 4,097 GB keeps its settings.
        let edge = small.replace(
            r#""osType": "Windows","#,
            r#""osType": "Windows", "diskSizeGB": 4097,"#,
        );
        let r = build(&inputs(&edge, None, None, Overrides::default())).expect("valid");
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        assert!(r.prepare.at_risk.is_empty());
    }
}
