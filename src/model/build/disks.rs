//! Disk validation: the OS type, each disk's source (a restored managed disk, by name or id, or
//! a VHD blob URL), LUNs and sizes. Which managed disk is the restored one is decided here (see
//! `disk_identity` for the shapes and their sources).

use crate::error::Code;
use crate::input::config::RawDisk;
use crate::input::Inputs;

use super::context::{data_disk_path, Config, Problems, OS_DISK};
use crate::model::disk::{DataDisk, Disk, DiskSource, Disks, OsType};
use crate::model::disk_identity::{DiskName, ManagedDisk};
use crate::model::disk_ids::{DiskId, VhdUri};
use crate::model::ids::{bad_resource_group, is_resource_group_name, ArmId};
use crate::model::provenance::{By, Fact};

/// Where the restored managed disks are, as the inputs say it: `--disk-resource-group`, else the
/// job's `Target resource group` (Azure Backup restores managed disks there).
pub(super) fn restored_group(inputs: &Inputs) -> Option<Fact<String>> {
    if let Some(g) = inputs.overrides.disk_resource_group.as_ref() {
        return Some(Fact::new(g.clone(), By::Flag("--disk-resource-group")));
    }
    let j = inputs.job.as_ref()?;
    let g = j
        .raw
        .target_resource_group
        .as_ref()
        .filter(|g| !g.trim().is_empty())?;
    Some(Fact::new(
        g.clone(),
        By::Job {
            origin: j.origin.clone(),
            path: format!("{}[\"Target resource group\"]", j.raw.bag_path),
        },
    ))
}

/// The restored disks' group as each input gives it (`--disk-resource-group`, the job's `Target
/// resource group`) is a name Azure allows, or the run stops here: it reaches the scripts and the
/// deploy command `prepare.ps1` prints.
fn check_groups(inputs: &Inputs, p: &mut Problems) {
    if let Some(g) = inputs
        .overrides
        .disk_resource_group
        .as_deref()
        .filter(|g| !is_resource_group_name(g))
    {
        let b = bad_resource_group(g, "`--disk-resource-group`");
        p.add(b.code, b.message, None, None, "pass `--disk-resource-group` with the resource group the managed disks were restored into");
    }
    if let Some(j) = inputs.job.as_ref() {
        if let Some(g) = j
            .raw
            .target_resource_group
            .as_deref()
            .filter(|g| !g.trim().is_empty() && !is_resource_group_name(g))
        {
            let b = bad_resource_group(g, "the job's `Target resource group`");
            p.add(b.code, b.message, Some(&j.origin), Some(format!("{}[\"Target resource group\"]", j.raw.bag_path)), "pass the details of the restore job Azure Backup wrote (`az backup job show`), or `--disk-resource-group`");
        }
    }
}

/// What deciding a disk's source reads beside the disk itself.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    inputs: &'a Inputs,
    origin: Option<&'a str>,
    group: Option<&'a Fact<String>>,
}

/// The OS type and every disk, each problem reported with its path.
pub(super) fn disks(
    cfg: Config,
    inputs: &Inputs,
    p: &mut Problems,
) -> (Option<Fact<OsType>>, Option<Disks>) {
    check_groups(inputs, p);
    let group = restored_group(inputs).filter(|g| is_resource_group_name(&g.value));
    let ctx = Ctx {
        inputs,
        origin: cfg.origin,
        group: group.as_ref(),
    };
    let storage = cfg
        .vm
        .properties
        .as_ref()
        .and_then(|p| p.storageprofile.as_ref());
    let os_raw = storage.and_then(|s| s.osdisk.as_ref());
    let os = os_raw.and_then(|d| os_type(d, cfg, p));
    let os_disk = match os_raw {
        Some(d) => disk(d, OS_DISK, None, ctx, p),
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
        let disk = lun.and_then(|l| disk(d, &path, Some(l), ctx, p));
        if let (Some(lun), Some(disk)) = (lun, disk) {
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

fn disk(d: &RawDisk, path: &str, lun: Option<u8>, ctx: Ctx, p: &mut Problems) -> Option<Disk> {
    let origin = ctx.origin;
    let source = disk_source(d, path, lun, ctx, p)?;
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
    // A managed disk attaches under its resource's own name; Azure refuses any other.
    let name = match &source {
        DiskSource::Managed { id, .. } => id.name().to_owned(),
        DiskSource::Vhd { .. } => d
            .name
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| default_disk_name(&source)),
    };
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
    lun: Option<u8>,
    ctx: Ctx,
    p: &mut Problems,
) -> Option<DiskSource> {
    let origin = ctx.origin;
    let managed_id = d.manageddisk.as_ref().and_then(|m| m.id.as_deref());
    let uri = d.vhd.as_ref().and_then(|v| v.uri.as_deref());
    // Azure Backup writes `"vhd": {"uri": ""}` beside a managed disk: an empty URI names no blob.
    let vhd = uri.filter(|u| !u.is_empty());
    let storage_account_type = d
        .manageddisk
        .as_ref()
        .and_then(|m| m.storageaccounttype.clone());
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
        (None, None) if uri == Some("") => {
            let id = named(d, path, lun, ctx, p)?;
            Some(DiskSource::Managed {
                id,
                storage_account_type,
            })
        }
        (None, None) => {
            p.add(
                Code::DiskHasNoSource,
                "the disk has neither `managedDisk.id` nor `vhd.uri`",
                origin,
                Some(path.to_owned()),
                "the config must name the restored disk (`name` with an empty `vhd.uri`, `managedDisk.id` or `vhd.uri`); use the config blob of the restore job",
            );
            None
        }
        (Some(raw), None) => {
            if let Some(g) = ArmId::parse(raw)
                .map(|a| a.resource_group)
                .filter(|g| !is_resource_group_name(g))
            {
                let b = bad_resource_group(&g, "the resource group of this managed disk id");
                p.add(
                    b.code,
                    b.message,
                    origin,
                    Some(format!("{path}.managedDisk.id")),
                    "use the config blob Azure Backup wrote for this restore",
                );
                return None;
            }
            let Some(id) = DiskId::parse(raw) else {
                p.add(Code::InvalidManagedDiskId, format!("`{raw}` is not a managed disk resource id"), origin, Some(format!("{path}.managedDisk.id")), "expected `/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Compute/disks/<name>`");
                return None;
            };
            let at = format!("{path}.managedDisk.id");
            let id = by_id(id, &at, lun, ctx, p)?;
            Some(DiskSource::Managed {
                id,
                storage_account_type,
            })
        }
        (None, Some(raw)) => {
            let why = match VhdUri::parse(raw) {
                Err(why) => why,
                Ok(uri) => match job_account(ctx.inputs) {
                    // The restore writes its VHDs to the job's staging account, nowhere else.
                    Some(acct) if !uri.storage_account().eq_ignore_ascii_case(acct) => format!(
                        "is on storage account `{}`, not on the job's `Target Storage Account Name` `{acct}`",
                        uri.storage_account()
                    ),
                    _ => return Some(DiskSource::Vhd { uri }),
                },
            };
            p.add(
                Code::InvalidVhdUri,
                format!("the VHD URI `{}` {why}", crate::source::redact(raw)),
                origin,
                Some(format!("{path}.vhd.uri")),
                "expected `https://<account>.blob.core.windows.net/<container>/<disk>.vhd` on the job's storage account, with no user name, port or query",
            );
            None
        }
    }
}

/// The job's `Target Storage Account Name`: where the restore staged its VHDs.
fn job_account(inputs: &Inputs) -> Option<&str> {
    let j = inputs.job.as_ref()?;
    j.raw
        .target_storage_account
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
}

/// A disk the config names (`managedDisk: null`, `vhd.uri: ""`): the restored disk of that name
/// in the restored disks' group: `--disk-resource-group`, the job's target group, or the group of
/// the disk Backup's template attaches at the same place under the same name. Never guessed.
fn named(
    d: &RawDisk,
    path: &str,
    lun: Option<u8>,
    ctx: Ctx,
    p: &mut Problems,
) -> Option<ManagedDisk> {
    let raw = d.name.as_deref().unwrap_or_default();
    let Some(name) = DiskName::parse(raw) else {
        let msg = if raw.is_empty() {
            "the disk has no `name`, no `managedDisk.id` and an empty `vhd.uri`".to_owned()
        } else {
            format!("`{raw}` is not a managed disk name")
        };
        p.add(
            Code::InvalidManagedDiskId,
            msg,
            ctx.origin,
            Some(format!("{path}.name")),
            "Azure Backup names each restored managed disk in the config (1 to 80 letters, digits, `_`, `.`, `-`); use the config blob of the restore job",
        );
        return None;
    };
    let from_template = || {
        super::backup_template::disk_at(ctx.inputs, lun)
            .filter(|(id, _)| id.name().eq_ignore_ascii_case(name.as_str()))
            .map(|(id, by)| Fact::new(id.resource_group().to_owned(), by))
    };
    let Some(group) = ctx.group.cloned().or_else(from_template) else {
        // One message for the whole VM: every named disk lacks the same group.
        if !p
            .list
            .iter()
            .any(|e| e.code == Code::RestoredDisksGroupUnknown)
        {
            p.add(
                Code::RestoredDisksGroupUnknown,
                format!("the config names the restored disk `{raw}` but no input says which resource group it was restored into"),
                ctx.origin,
                Some(format!("{path}.name")),
                "pass the restore job (`--job`), whose `Target resource group` holds the restored disks, or `--disk-resource-group GROUP`",
            );
        }
        return None;
    };
    Some(ManagedDisk::Named { name, group })
}

/// A disk the config gives by id. In the restored disks' group it is the restored disk. Elsewhere
/// it may be the source VM's live disk, so the restored one is taken from Backup's template (the
/// disk it attaches at the same place, in the restored disks' group), and without it the disk
/// is refused. With no group known (no job, no flag) the id is all there is.
fn by_id(id: DiskId, at: &str, lun: Option<u8>, ctx: Ctx, p: &mut Problems) -> Option<ManagedDisk> {
    let config_by = By::Config {
        origin: ctx.origin.unwrap_or("-").to_owned(),
        path: at.to_owned(),
    };
    let Some(group) = ctx.group else {
        return Some(ManagedDisk::Id {
            id,
            by: config_by,
            note: None,
        });
    };
    if id.resource_group().eq_ignore_ascii_case(&group.value) {
        return Some(ManagedDisk::Id {
            id,
            by: config_by,
            note: None,
        });
    }
    let restored = super::backup_template::disk_at(ctx.inputs, lun)
        .filter(|(t, _)| t.resource_group().eq_ignore_ascii_case(&group.value));
    match restored {
        Some((restored, by)) => {
            let note = format!(
                "the config's `managedDisk.id` names disk `{}` in group `{}`, outside the restored disks' group `{}` ({}): it may be the source VM's own disk, so the disk Azure Backup's template attaches there, `{}`, is attached instead",
                id.name(),
                id.resource_group(),
                group.value,
                group.by,
                restored.name()
            );
            Some(ManagedDisk::Id {
                id: restored,
                by,
                note: Some(note),
            })
        }
        None => {
            p.add(
                Code::DiskOutsideTargetGroup,
                format!(
                    "the config's disk `{}` is in resource group `{}`, not in the restored disks' group `{}` ({}): it may be the source VM's live disk, and no input says which disk was restored",
                    id.name(),
                    id.resource_group(),
                    group.value,
                    group.by
                ),
                ctx.origin,
                Some(at.to_owned()),
                "pass Azure Backup's template of this restore (`--template azuredeploy<job id>.json`, from the job's `Template Blob Uri`), which names the restored disks; or `--disk-resource-group` if the disks were restored elsewhere",
            );
            None
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
        let (_, disks) = disks(cfg, &i, &mut p);
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

    /// The real managed-restore shape: disks named, `managedDisk: null`, `vhd.uri: ""`.
    #[test]
    fn a_named_disk_is_the_restored_disk_in_the_target_group_never_guessed() {
        use super::super::build;
        let cfg = r#"{"name": null, "properties": {"hardwareProfile": {"vmSize": "S"},
            "storageProfile": {"osDisk": {"osType": "Windows", "name": "vm-osdisk-1",
            "managedDisk": null, "vhd": {"uri": ""}, "diskSizeGB": null},
            "dataDisks": [{"lun": 2, "name": "vm-data-2", "managedDisk": null, "vhd": {"uri": ""}}]}}}"#;
        let ov = || Overrides {
            vm_name: Some("new".into()),
            ..Overrides::default()
        };
        let job = r#"{"Target resource group": "rg-restored", "Job Type": "Recover disks"}"#;
        let r = build(&inputs(cfg, None, Some(job), ov())).expect("builds");
        let DiskSource::Managed { id, .. } = &r.disks.os().source else {
            panic!("managed")
        };
        assert_eq!(
            (id.name(), id.resource_group()),
            ("vm-osdisk-1", "rg-restored")
        );
        assert!(id.id().is_none(), "derived at deployment, not invented");
        assert_eq!(r.disks.data()[0].disk.name, "vm-data-2");

        let e = build(&inputs(cfg, None, None, ov())).expect_err("no group");
        let codes: Vec<Code> = e.0.iter().map(|e| e.code).collect();
        assert_eq!(codes, vec![Code::RestoredDisksGroupUnknown], "said once");

        let flag = Overrides {
            disk_resource_group: Some("rg-x".into()),
            ..ov()
        };
        let r = build(&inputs(cfg, None, None, flag)).expect("the flag names it");
        assert_eq!(
            r.disks.os().source.describe(),
            "id derived from name `vm-osdisk-1` in group `rg-x`"
        );

        let bad = cfg.replace("vm-osdisk-1", "vm'osdisk");
        let e = build(&inputs(&bad, None, Some(job), ov())).expect_err("not a disk name");
        assert_eq!(e.0[0].code, Code::InvalidManagedDiskId);

        // Attack run 2, S2: a group that is shell code is no group, from the job or the flag.
        let hostile = "rg';touch${IFS}PWNED-RG;'";
        let bad_job = job.replace("rg-restored", hostile);
        let e = build(&inputs(cfg, None, Some(&bad_job), ov())).expect_err("not a group");
        assert_eq!(e.0[0].code, Code::InvalidResourceGroupName);
        assert_eq!(
            e.0[0].location.as_deref(),
            Some("$[\"Target resource group\"]")
        );
        let flag = Overrides {
            disk_resource_group: Some(hostile.into()),
            ..ov()
        };
        let e = build(&inputs(cfg, None, None, flag)).expect_err("not a group");
        assert_eq!(e.0[0].code, Code::InvalidResourceGroupName);
    }

    #[test]
    fn a_disk_id_whose_group_azure_could_not_name_is_refused_at_its_path() {
        let hostile = MANAGED.replace("/rg/", "/rg';touch${IFS}PWNED-RG;'/");
        let os = format!(r#"{{"osType": "Linux", "managedDisk": {{"id": "{hostile}/os"}}}}"#);
        let (disks, problems) = read(&os, "");
        assert!(disks.is_none());
        assert_eq!(
            problems,
            vec![(
                Code::InvalidResourceGroupName,
                "$.properties.storageProfile.osDisk.managedDisk.id".to_owned()
            )]
        );
        assert!(DiskId::parse(&format!("{hostile}/os")).is_none());
        assert!(DiskId::parse(&format!("{MANAGED}/os")).is_some());
    }
}
