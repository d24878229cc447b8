//! `build`: the one step from raw inputs to a [`Restore`]. It collects every problem it finds and
//! returns them together, so the user fixes a config in one round trip.

use crate::error::{Code, Error, Errors};
use crate::input::config::RawVm;
use crate::input::{Inputs, RecoveryPointTime};

use super::disk::{DiskKind, DiskSource, Disks};
use super::ids::{self, ArmId};
use super::provenance::{By, Fact};
use super::restore::{Network, RecoveryPoint, Restore};
use super::time;

mod backup_template;
mod context;
pub(super) mod deployable;
pub(super) mod disks;
pub(super) mod encryption;
pub(super) mod features;
pub(super) mod job_notes;
pub(super) mod plan_and_security;
pub(super) mod prepare;
pub(super) mod refusals;
pub(super) mod warnings;

pub(crate) use job_notes::classic_set;

use context::{Config, Problems};

pub fn build(inputs: &Inputs) -> Result<Restore, Errors> {
    let mut p = Problems::new();
    let empty = RawVm::default();
    let cfg = match &inputs.config {
        Some(c) => Config {
            vm: &c.raw,
            origin: Some(&c.origin),
        },
        None => Config {
            vm: &empty,
            origin: None,
        },
    };
    let props = cfg.vm.properties.as_ref();

    refusals::unsupported_security(cfg, inputs.job.as_ref(), &mut p);
    let identity = identity(inputs, cfg, &mut p);
    let tags = tags(cfg, &mut p);
    let managed_identity = features::identity(cfg, &mut p);
    let encryption_identity = features::encryption_identity(cfg, managed_identity.as_ref(), &mut p);
    let spot = features::spot(cfg, &mut p);
    let extensions = features::extensions(cfg);
    let placement = features::placement(cfg, &mut p);
    let not_carried = crate::model::not_carried::present(&cfg.vm.fields);
    let boot_diagnostics_storage = features::boot_diagnostics_storage(cfg, &mut p);
    let nics = features::nics(cfg, &inputs.overrides, &mut p);
    let (os, disks) = disks::disks(cfg, inputs, &mut p);
    // The VM's subscription: its id, a managed disk's id, Backup's template, else the source's
    // primary NIC (a real managed restore's config names neither the VM nor its disks by id, but
    // keeps the NIC ids, and Azure attaches a VM only to NICs of its own subscription).
    let subscription = subscription(cfg.vm, disks.as_ref())
        .or_else(|| backup_template::subscription(inputs))
        .or_else(|| {
            nics.iter()
                .find(|n| n.primary)
                .and_then(|n| ArmId::subscription_of(&n.id))
        });
    let managed = disks
        .as_ref()
        .is_some_and(|d| d.kind() == DiskKind::Managed);
    let encryption = encryption::classify(inputs, subscription.as_deref(), managed, &mut p);
    let recovery_point = recovery_point(inputs, &mut p);
    let prepare = prepare::prepare(
        inputs,
        encryption.as_ref(),
        disks.as_ref(),
        subscription.as_deref(),
        &mut p,
    );
    p.list.extend(deployable::refusals(
        inputs,
        &deployable::Parts {
            encryption: encryption.as_ref(),
            prepare: &prepare,
            vm_size: identity.vm_size.as_ref(),
            trusted_launch: plan_and_security::trusted_launch(cfg).is_some(),
        },
    ));
    let vhd_storage_account_group = disks
        .as_ref()
        .and_then(|d| vhd_storage_account_group(inputs, d));
    let ov = &inputs.overrides;
    // Flags, else the source's network as Backup's template gives it.
    let net = backup_template::network(inputs, ov);
    let network = Network {
        virtual_network: net.virtual_network,
        virtual_network_resource_group: net.virtual_network_resource_group,
        subnet: net.subnet,
        // A restored production VM gets no public address unless asked for one.
        public_ip: ov.public_ip.unwrap_or(false),
        defaults_by: net.by,
        network_security_group: backup_template::network_security_group(inputs),
    };

    features::combinations(
        identity.availability_set_id.as_ref(),
        cfg.vm.zones.as_deref().unwrap_or_default(),
        &placement,
        spot.as_ref(),
        &mut p,
    );

    match (identity, os, disks, encryption) {
        (
            Identity {
                name: Some(name),
                vm_name,
                location,
                vm_size: Some(vm_size),
                availability_set_id,
            },
            Some(os),
            Some(disks),
            Some(encryption),
        ) if p.list.is_empty() => Ok(with_warnings(
            inputs,
            Restore {
                name,
                vm_name,
                location,
                vm_size,
                os,
                license_type: props.and_then(|p| p.licensetype.clone()),
                zones: cfg.vm.zones.clone().unwrap_or_default(),
                tags,
                availability_set_id,
                plan: plan_and_security::plan(cfg),
                trusted_launch: plan_and_security::trusted_launch(cfg),
                identity: managed_identity,
                encryption_identity,
                spot,
                extensions,
                placement,
                not_carried,
                boot_diagnostics_storage,
                nics,
                reuse_source_nics: inputs.overrides.reuse_source_nics,
                subscription,
                disks,
                encryption,
                recovery_point,
                network,
                vhd_storage_account_group,
                prepare,
                warnings: Vec::new(),
            },
        )),
        _ => {
            if p.list.is_empty() {
                p.list
                    .push(Error::internal("validation failed without a reason"));
            }
            Err(Errors(p.list))
        }
    }
}

/// Every builder's warnings, gathered here so that no builder imports another.
fn with_warnings(inputs: &Inputs, mut r: Restore) -> Restore {
    let mut all = warnings::warnings(&r, inputs);
    all.extend(backup_template::disagreements(&r, inputs));
    all.extend(deployable::warnings(&r));
    all.extend(job_notes::warnings(&r, inputs));
    all.extend(features::warnings(r.identity.as_ref()));
    if let Some(c) = &inputs.config {
        all.extend(features::unmatched_nic_configurations(&c.raw));
    }
    let group = inputs
        .config
        .as_ref()
        .and_then(|c| c.raw.properties.as_ref())
        .and_then(|p| p.hostgroup.as_ref())
        .and_then(|g| g.id.as_deref());
    if let (Some(h), Some(g)) = (&r.placement.host, group) {
        all.push(format!(
            "warning: the source names both the dedicated host `{}` and its host group `{g}`; Azure takes one of them (ARM schema, hostGroup), so the host alone is carried: it places the VM in that group",
            h.value
        ));
    }
    r.warnings = all;
    r
}

/// What the new VM is called, where and how big: a flag wins over the config.
struct Identity {
    name: Option<Fact<String>>,
    vm_name: Option<Fact<String>>,
    location: Option<Fact<String>>,
    vm_size: Option<Fact<String>>,
    availability_set_id: Option<Fact<String>>,
}

fn identity(inputs: &Inputs, cfg: Config, p: &mut Problems) -> Identity {
    let ov = &inputs.overrides;
    let vm = cfg.vm;
    let props = vm.properties.as_ref();
    let pick = |flag: Option<&String>, flag_name, input: Option<&String>, path: &str| {
        pick(flag, flag_name, input, || cfg.by(path))
    };
    let blank_flag = ov.vm_name.as_ref().is_some_and(|n| n.trim().is_empty());
    let flag = ov.vm_name.as_ref().filter(|_| !blank_flag);
    // `{source}` becomes the source's name here, before any check of the name itself.
    // The config's name, else the job's (a real managed restore's config names no VM).
    let from_job = inputs
        .job
        .as_ref()
        .and_then(|j| j.raw.source_vm.as_ref())
        .map(|l| &l.value);
    let source = vm
        .name
        .as_ref()
        .filter(|n| !n.trim().is_empty())
        .or(from_job);
    let vm_name = match (flag, source) {
        (Some(n), Some(s)) => Some(Fact::new(
            n.replace(crate::overrides::SOURCE_PLACEHOLDER, s),
            By::Flag("--vm-name"),
        )),
        (Some(n), None) if n.contains(crate::overrides::SOURCE_PLACEHOLDER) => {
            p.add(
                Code::MissingVmName,
                "`--vm-name` uses `{source}`, but neither the config nor the job names the source VM",
                cfg.origin,
                Some("$.name".into()),
                "pass the new VM's name in full, e.g. `--vm-name app01-dr`",
            );
            None
        }
        (n, _) => n.map(|n| Fact::new(n.clone(), By::Flag("--vm-name"))),
    };
    // The source's own name says what is restored; the flag names it only when the config does not.
    let name = pick(None, "--vm-name", vm.name.as_ref(), "$.name").or_else(|| vm_name.clone());
    if blank_flag {
        p.add(
            Code::MissingVmName,
            "`--vm-name` is blank",
            None,
            None,
            "pass the new VM's name, e.g. `--vm-name app01-restored`",
        );
    } else if let Some(Err(b)) = vm_name.as_ref().map(|n| ids::vm_name(&n.value)) {
        // The new VM's name (after `{source}` is replaced): the deployment gives it to the VM
        // resource, so Azure's rule holds.
        p.add(
            b.code,
            b.message,
            None,
            None,
            "pass `--vm-name` with a name Azure allows, e.g. `--vm-name app01-restored`",
        );
    }
    if !blank_flag
        && name.is_none()
        && !flag.is_some_and(|n| n.contains(crate::overrides::SOURCE_PLACEHOLDER))
    {
        p.add(
            Code::MissingVmName,
            "the config names no VM",
            cfg.origin,
            Some("$.name".into()),
            "pass `--vm-name NAME`",
        );
    }
    let location = pick(
        ov.location.as_ref(),
        "--location",
        vm.location.as_ref(),
        "$.location",
    );
    const SIZE: &str = "$.properties.hardwareProfile.vmSize";
    let size = props
        .and_then(|p| p.hardwareprofile.as_ref())
        .and_then(|h| h.vmsize.as_ref());
    let vm_size = pick(ov.vm_size.as_ref(), "--vm-size", size, SIZE);
    if vm_size.is_none() {
        p.add(
            Code::MissingVmSize,
            "the config has no VM size",
            cfg.origin,
            Some(SIZE.into()),
            "pass `--vm-size SIZE`, e.g. `--vm-size Standard_D2s_v3`",
        );
    }
    let av = props
        .and_then(|p| p.availabilityset.as_ref())
        .and_then(|a| a.id.as_ref());
    let availability_set_id = pick(
        ov.availability_set_id.as_ref(),
        "--availability-set-id",
        av,
        "$.properties.availabilitySet.id",
    )
    .filter(|_| !ov.no_availability_set);
    Identity {
        name,
        vm_name,
        location,
        vm_size,
        availability_set_id,
    }
}

/// The first of: the command line, then the input. An empty string in the input is no value.
fn pick(
    flag: Option<&String>,
    flag_name: &'static str,
    input: Option<&String>,
    input_by: impl FnOnce() -> By,
) -> Option<Fact<String>> {
    match (flag, input) {
        (Some(f), _) => Some(Fact::new(f.clone(), By::Flag(flag_name))),
        (None, Some(v)) if !v.trim().is_empty() => Some(Fact::new(v.clone(), input_by())),
        _ => None,
    }
}

fn tags(cfg: Config, p: &mut Problems) -> Vec<(String, String)> {
    let mut tags = Vec::new();
    for (k, v) in cfg.vm.tags.iter().flatten() {
        match v {
            serde_json::Value::String(s) => tags.push((k.clone(), s.clone())),
            _ => p.add(
                Code::UnexpectedValue,
                format!("the value of tag `{k}` is not a string"),
                cfg.origin,
                Some(format!("$.tags[{}]", serde_json::Value::String(k.clone()))),
                "tag values are strings; fix the config",
            ),
        }
    }
    tags
}

/// The source VM's subscription: from its id, else from its restored OS disk's id.
fn subscription(vm: &RawVm, disks: Option<&Disks>) -> Option<String> {
    vm.id
        .as_deref()
        .and_then(ArmId::subscription_of)
        .or_else(|| match disks.map(|d| &d.os().source) {
            Some(DiskSource::Managed { id, .. }) => id.subscription().map(str::to_owned),
            _ => None,
        })
}

/// A VHD source's staging group: the job's `Target resource group`, where Backup's staging
/// account is (azure-facts §1.2, the Oracle tutorial's bag).
fn vhd_storage_account_group(inputs: &Inputs, disks: &Disks) -> Option<Fact<String>> {
    let j = inputs.job.as_ref()?;
    let group = j.raw.target_resource_group.clone()?;
    (disks.kind() == DiskKind::Unmanaged).then(|| {
        Fact::new(
            group,
            By::Job {
                origin: j.origin.clone(),
                path: format!("{}[\"Target resource group\"]", j.raw.bag_path),
            },
        )
    })
}

/// The recovery point time: `--recovery-point-time`, else the job's.
fn recovery_point(inputs: &Inputs, p: &mut Problems) -> Option<Fact<RecoveryPoint>> {
    let (raw, by) = match inputs.recovery_point_time()? {
        RecoveryPointTime::Flag(t) => (t.to_owned(), By::Flag("--recovery-point-time")),
        RecoveryPointTime::Job { raw, job } => {
            let path = format!("{}[\"Recovery point time \"]", job.raw.bag_path);
            let by = By::Job {
                origin: job.origin.clone(),
                path,
            };
            (raw.to_owned(), by)
        }
    };
    match time::parse(&raw) {
        Ok(at) => Some(Fact::new(RecoveryPoint { at, raw }, by)),
        Err(msg) => {
            p.add(
                Code::InvalidRecoveryPointTime,
                msg,
                by.origin(),
                by.path(),
                "pass `--recovery-point-time` as RFC 3339, e.g. `2019-12-25T22:07:11Z`",
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_inputs::{inputs, CONFIG_PLAIN};
    use crate::model::Overrides;

    #[test]
    fn flags_win_over_the_config() {
        let ov = Overrides {
            vm_name: Some("other".into()),
            ..Overrides::default()
        };
        let r = build(&inputs(CONFIG_PLAIN, None, None, ov)).expect("builds");
        assert_eq!(
            r.name.value, "vm1",
            "the source's name stays what is restored"
        );
        assert_eq!(r.vm_name.map(|f| f.value).as_deref(), Some("other"));
        assert_eq!(
            r.vm_size.by.to_string(),
            "config config.json at $.properties.hardwareProfile.vmSize"
        );
        assert!(!r.network.public_ip, "no public IP unless asked");
    }

    #[test]
    fn the_new_name_is_never_the_source_name_by_default_and_never_blank() {
        let r = build(&inputs(CONFIG_PLAIN, None, None, Overrides::default())).expect("builds");
        assert_eq!(r.name.value, "vm1");
        assert!(r.vm_name.is_none(), "asked at deployment, not defaulted");
        for blank in ["", "  "] {
            let ov = Overrides {
                vm_name: Some(blank.into()),
                ..Overrides::default()
            };
            let e = build(&inputs(CONFIG_PLAIN, None, None, ov)).expect_err("blank");
            assert_eq!(e.0[0].code, Code::MissingVmName);
        }
    }

    #[test]
    fn the_source_name_as_the_new_name_is_warned_about() {
        let ov = |n: &str| Overrides {
            vm_name: Some(n.into()),
            ..Overrides::default()
        };
        let warned = |n: &str| {
            build(&inputs(CONFIG_PLAIN, None, None, ov(n)))
                .expect("builds")
                .warnings
                .iter()
                .any(|w| w.contains("is the source VM's own name"))
        };
        assert!(warned("vm1") && warned("VM1"));
        assert!(!warned("vm1-restored") && !warned("{source}-dr"));
        // `{source}` alone is the source's name too.
        assert!(warned("{source}"));
    }

    #[test]
    fn source_placeholder_is_the_source_name_before_any_check() {
        let ov = |n: &str| Overrides {
            vm_name: Some(n.into()),
            ..Overrides::default()
        };
        let r = build(&inputs(CONFIG_PLAIN, None, None, ov("{source}-dr"))).expect("builds");
        assert_eq!(r.vm_name.map(|f| f.value).as_deref(), Some("vm1-dr"));
        let r = build(&inputs(
            CONFIG_PLAIN,
            None,
            None,
            ov("dr-{source}-{source}"),
        ))
        .expect("builds");
        assert_eq!(r.vm_name.map(|f| f.value).as_deref(), Some("dr-vm1-vm1"));
        // A config that names no VM (as a real managed restore's): the job's source VM.
        let nameless = CONFIG_PLAIN.replacen(r#""name": "vm1", "#, "", 1);
        assert_ne!(nameless, CONFIG_PLAIN);
        let job = r#"{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.RecoveryServices/vaults/v/backupJobs/j",
            "properties": {"entityFriendlyName": "app01", "status": "Completed", "operation": "Restore",
            "extendedInfo": {"propertyBag": {"Job Type": "Recover disks", "Target resource group": "rg"}}}}"#;
        let r = build(&inputs(&nameless, None, Some(job), ov("{source}-dr"))).expect("builds");
        assert_eq!(r.vm_name.map(|f| f.value).as_deref(), Some("app01-dr"));
        // A config that names no source VM: one error, saying why.
        let cfg = r#"{"properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v3"}, "storageProfile": {"osDisk": {"osType": "Windows",
            "managedDisk": {"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/disks/d"}}}}}"#;
        let e = build(&inputs(cfg, None, None, ov("{source}-dr"))).expect_err("no source name");
        let names: Vec<&Error> =
            e.0.iter()
                .filter(|e| e.code == Code::MissingVmName)
                .collect();
        assert_eq!(names.len(), 1, "{e}");
        assert!(names[0].to_string().contains("uses `{source}`"), "{e}");
    }

    #[test]
    fn every_missing_field_is_reported_at_once() {
        let cfg = r#"{"properties": {"storageProfile": {"osDisk": {"osType": "Windows",
            "managedDisk": {"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/disks/d"}}}}}"#;
        let e = build(&inputs(cfg, None, None, Overrides::default())).expect_err("incomplete");
        let codes: Vec<Code> = e.0.iter().map(|e| e.code).collect();
        assert_eq!(codes, vec![Code::MissingVmName, Code::MissingVmSize]);
    }

    #[test]
    fn the_job_gives_the_recovery_point_unless_the_flag_does() {
        let job = r#"{"Recovery point time ": "12/25/2019 10:07:11 PM", "Job Type": "Restore"}"#;
        let r = build(&inputs(CONFIG_PLAIN, None, Some(job), Overrides::default())).expect("ok");
        let rp = r.recovery_point.expect("from the job");
        assert_eq!(
            rp.by.to_string(),
            "job job.json at $[\"Recovery point time \"]"
        );
        let ov = Overrides {
            recovery_point_time: Some("not a time".into()),
            ..Overrides::default()
        };
        let e = build(&inputs(CONFIG_PLAIN, None, Some(job), ov)).expect_err("bad flag");
        assert_eq!(e.0[0].code, Code::InvalidRecoveryPointTime);
    }
}
