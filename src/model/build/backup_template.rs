//! What Azure Backup's own template of the restore adds to the config blob: the restored disks'
//! whole ids, the source's virtual network, its group and subnet (as overridable defaults, so a
//! restore needs only a VM name, as with Backup's template), and the source NIC's network
//! security group. The config blob stays the authority on the VM: where the two disagree the
//! config is followed and the disagreement is said (see [`disagreements`]).

use crate::input::template::{RawStorage, RawTemplate, RawTemplateDisk};
use crate::input::{Input, Inputs};

use crate::model::disk::DiskSource;
use crate::model::disk_ids::DiskId;
use crate::model::ids::ArmId;
use crate::model::provenance::{By, Fact};
use crate::model::restore::Restore;
use crate::overrides::Overrides;

const VM_TYPE: &str = "Microsoft.Compute/virtualMachines";
const NIC_TYPE: &str = "Microsoft.Network/networkInterfaces";

fn template(inputs: &Inputs) -> Option<&Input<RawTemplate>> {
    inputs.template.as_ref()
}

fn by(t: &Input<RawTemplate>, path: String) -> By {
    By::Template {
        origin: t.origin.clone(),
        path,
    }
}

/// The VM resource's storage profile, with the resource's index.
fn vm_storage(t: &RawTemplate) -> Option<(usize, &RawStorage)> {
    t.resources.iter().flatten().enumerate().find_map(|(i, r)| {
        let is_vm = r.kind.as_deref()?.eq_ignore_ascii_case(VM_TYPE);
        let s = r.properties.as_ref()?.storageprofile.as_ref()?;
        is_vm.then_some((i, s))
    })
}

fn literal_id(d: &RawTemplateDisk) -> Option<DiskId> {
    let raw = d.manageddisk.as_ref()?.id.as_deref()?;
    (!raw.starts_with('['))
        .then(|| DiskId::parse(raw))
        .flatten()
}

/// Every restored disk the template attaches by a literal id: `(LUN or None for the OS disk, id,
/// where)`.
fn disks(inputs: &Inputs) -> Vec<(Option<u8>, DiskId, By)> {
    let Some(t) = template(inputs) else {
        return Vec::new();
    };
    let Some((i, s)) = vm_storage(&t.raw) else {
        return Vec::new();
    };
    let base = format!("$.resources[{i}].properties.storageProfile");
    let mut out = Vec::new();
    if let Some(id) = s.osdisk.as_ref().and_then(literal_id) {
        out.push((None, id, by(t, format!("{base}.osDisk.managedDisk.id"))));
    }
    for (j, d) in s.datadisks.iter().flatten().enumerate() {
        let lun = d
            .lun
            .as_ref()
            .and_then(serde_json::Value::as_u64)
            .and_then(|l| u8::try_from(l).ok());
        if let (Some(lun), Some(id)) = (lun, literal_id(d)) {
            let at = format!("{base}.dataDisks[{j}].managedDisk.id");
            out.push((Some(lun), id, by(t, at)));
        }
    }
    out
}

/// The template's restored disk at one place: the OS disk (`None`) or a LUN.
pub(super) fn disk_at(inputs: &Inputs, lun: Option<u8>) -> Option<(DiskId, By)> {
    disks(inputs)
        .into_iter()
        .find(|(l, ..)| *l == lun)
        .map(|(_, id, by)| (id, by))
}

/// The restore's subscription, from the template's restored OS disk.
pub(super) fn subscription(inputs: &Inputs) -> Option<String> {
    disk_at(inputs, None).map(|(id, _)| id.subscription().to_owned())
}

/// The source's network as the template's parameter defaults, each flag winning over it:
/// `(virtual network, its group, subnet, the template when it gave any)`.
pub(super) struct NetworkDefaults {
    pub virtual_network: Option<String>,
    pub virtual_network_resource_group: Option<String>,
    pub subnet: Option<String>,
    pub by: Option<By>,
}

pub(super) fn network(inputs: &Inputs, ov: &Overrides) -> NetworkDefaults {
    let t = template(inputs);
    let mut used = false;
    let mut pick = |flag: &Option<String>, name: &str| match flag {
        Some(v) => Some(v.clone()),
        None => {
            let v = t.and_then(|t| t.raw.default_of(name)).map(str::to_owned);
            used |= v.is_some();
            v
        }
    };
    let virtual_network = pick(&ov.virtual_network, "VirtualNetwork");
    let virtual_network_resource_group = pick(
        &ov.virtual_network_resource_group,
        "VirtualNetworkResourceGroup",
    );
    let subnet = pick(&ov.subnet, "Subnet");
    NetworkDefaults {
        virtual_network,
        virtual_network_resource_group,
        subnet,
        by: t
            .filter(|_| used)
            .map(|t| by(t, "$.parameters.*.defaultValue".into())),
    }
}

/// The network security group of the source's primary NIC (else its first NIC with one).
pub(super) fn network_security_group(inputs: &Inputs) -> Option<Fact<String>> {
    let t = template(inputs)?;
    let nics = t
        .raw
        .resources
        .iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, r)| {
            if !r.kind.as_deref()?.eq_ignore_ascii_case(NIC_TYPE) {
                return None;
            }
            let p = r.properties.as_ref()?;
            let id = p.networksecuritygroup.as_ref()?.id.as_deref()?;
            let nsg = ArmId::parse(id).filter(|a| {
                a.provider.eq_ignore_ascii_case("Microsoft.Network")
                    && a.types.len() == 1
                    && a.types[0].0.eq_ignore_ascii_case("networkSecurityGroups")
            })?;
            let primary = p.primary.as_ref().and_then(serde_json::Value::as_bool) == Some(true);
            let at = format!("$.resources[{i}].properties.networkSecurityGroup.id");
            Some((primary, nsg, id.to_owned(), at))
        });
    let mut found: Vec<_> = nics.collect();
    found.sort_by_key(|n| !n.0);
    found
        .into_iter()
        .next()
        .map(|(_, _, id, at)| Fact::new(id, by(t, at)))
}

/// Where the template and the config disagree on a disk; the config is followed.
pub(super) fn disagreements(r: &Restore, inputs: &Inputs) -> Vec<String> {
    let mut out = Vec::new();
    let ours = std::iter::once((None, r.disks.os()))
        .chain(r.disks.data().iter().map(|d| (Some(d.lun), &d.disk)));
    let theirs = disks(inputs);
    let place = |l: Option<u8>| match l {
        None => "the OS disk".to_owned(),
        Some(l) => format!("LUN {l}"),
    };
    for (lun, disk) in ours {
        let DiskSource::Managed { id: ours, .. } = &disk.source else {
            continue;
        };
        let Some((id, _)) = theirs.iter().find(|t| t.0 == lun).map(|t| (&t.1, &t.2)) else {
            if !theirs.is_empty() {
                out.push(format!(
                    "warning: Azure Backup's template attaches no disk at {}, the config has `{}` there: the config is followed",
                    place(lun),
                    ours.name()
                ));
            }
            continue;
        };
        if ours.id() == Some(id) {
            continue;
        }
        if !id.name().eq_ignore_ascii_case(ours.name()) {
            out.push(format!(
                "warning: Azure Backup's template attaches `{}` at {}, the config names `{}`: the config is followed",
                id.name(),
                place(lun),
                ours.name()
            ));
        } else if !id
            .resource_group()
            .eq_ignore_ascii_case(ours.resource_group())
        {
            out.push(format!(
                "warning: Azure Backup's template has disk `{}` in group `{}`, the restored disks' group is `{}` ({}): `{}` is followed",
                id.name(),
                id.resource_group(),
                ours.resource_group(),
                ours.by(),
                ours.resource_group()
            ));
        }
    }
    for (lun, id, _) in &theirs {
        let known = lun.is_none_or(|l| r.disks.data().iter().any(|d| d.lun == l));
        if !known {
            out.push(format!(
                "warning: Azure Backup's template attaches `{}` at {}, which the config does not have: the config is followed",
                id.name(),
                place(*lun)
            ));
        }
    }
    out
}
