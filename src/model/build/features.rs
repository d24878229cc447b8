//! The source VM's managed identities, read from the config in either spelling (normalisation
//! folds dotted `properties.*` keys into `properties`; `identity` is top-level in both).

use super::context::{Config, Problems};
use crate::error::Code;
use crate::model::ade_extension::AdeExtension;
use crate::model::features::{Identity, Placement, SourceExtension, SourceNic, Spot};
use crate::model::provenance::{By, Fact};

const IDENTITY: &str = "$.identity";
pub(super) const ENCRYPTION_IDENTITY: &str =
    "$.properties.securityProfile.encryptionIdentity.userAssignedIdentityResourceId";

/// A user-assigned identity's id: `/subscriptions/…/providers/Microsoft.ManagedIdentity/
/// userAssignedIdentities/<name>` (the ARM schema's description of the dictionary's keys).
fn is_identity_id(id: &str) -> bool {
    let segs: Vec<&str> = id.split('/').collect();
    segs.len() == 9
        && segs[0].is_empty()
        && segs[1].eq_ignore_ascii_case("subscriptions")
        && segs[3].eq_ignore_ascii_case("resourceGroups")
        && segs[5].eq_ignore_ascii_case("providers")
        && segs[6].eq_ignore_ascii_case("Microsoft.ManagedIdentity")
        && segs[7].eq_ignore_ascii_case("userAssignedIdentities")
        && segs.iter().skip(1).all(|s| !s.trim().is_empty())
}

pub(super) fn identity(cfg: Config, p: &mut Problems) -> Option<Identity> {
    let raw = cfg.vm.identity.as_ref()?;
    let kind = raw.kind.as_deref().unwrap_or("").to_ascii_lowercase();
    let kind: String = kind.chars().filter(|c| !c.is_whitespace()).collect();
    let (system, user) = match kind.as_str() {
        "systemassigned" => (true, false),
        "userassigned" => (false, true),
        "systemassigned,userassigned" => (true, true),
        "none" | "" => (false, false),
        _ => {
            p.add(
                Code::UnexpectedValue,
                format!(
                    "the identity type `{}` is not one Azure knows",
                    raw.kind.as_deref().unwrap_or_default()
                ),
                cfg.origin,
                Some(format!("{IDENTITY}.type")),
                "Azure's identity types are SystemAssigned, UserAssigned, `SystemAssigned, UserAssigned` and None: fix the config",
            );
            return None;
        }
    };
    let mut user_assigned = Vec::new();
    if user {
        for id in raw.userassignedidentities.iter().flat_map(|m| m.keys()) {
            if is_identity_id(id) {
                user_assigned.push(id.clone());
            } else {
                p.add(
                    Code::UnexpectedValue,
                    format!("`{id}` is not the id of a user-assigned managed identity"),
                    cfg.origin,
                    Some(format!("{IDENTITY}.userAssignedIdentities")),
                    "a user-assigned identity is named by its resource id, /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>: fix the config",
                );
            }
        }
    }
    if !system && user_assigned.is_empty() {
        return None;
    }
    Some(Identity {
        system_assigned: system,
        user_assigned,
        source_principal_id: raw
            .principalid
            .clone()
            .filter(|p| system && !p.trim().is_empty()),
        by: cfg.by(IDENTITY),
    })
}

/// ADE's own managed identity (`securityProfile.encryptionIdentity`): one of the VM's
/// user-assigned identities, carried by id.
pub(super) fn encryption_identity(
    cfg: Config,
    identity: Option<&Identity>,
    p: &mut Problems,
) -> Option<Fact<String>> {
    let id = cfg
        .vm
        .properties
        .as_ref()?
        .securityprofile
        .as_ref()?
        .encryptionidentity
        .as_ref()?
        .userassignedidentityresourceid
        .clone()
        .filter(|s| !s.trim().is_empty())?;
    let attached =
        identity.is_some_and(|i| i.user_assigned.iter().any(|u| u.eq_ignore_ascii_case(&id)));
    if !is_identity_id(&id) || !attached {
        p.add(
            Code::UnexpectedValue,
            format!("ADE's encryption identity `{id}` is not one of the VM's user-assigned identities"),
            cfg.origin,
            Some(ENCRYPTION_IDENTITY.into()),
            "Azure requires the encryption identity to be a user-assigned identity of the VM (the ARM schema: \"one of the user identities associated with the VM\"): fix the config's identity or its securityProfile",
        );
        return None;
    }
    Some(Fact::new(id, cfg.by(ENCRYPTION_IDENTITY)))
}

const PRIORITY: &str = "$.properties.priority";

/// `priority`, `evictionPolicy`, `billingProfile.maxPrice`, with the values the ARM schema
/// allows (`Regular`/`Low`/`Spot`, `Deallocate`/`Delete`). Azure takes an eviction policy and a
/// price cap only on a Spot (or Low) VM.
pub(super) fn spot(cfg: Config, p: &mut Problems) -> Option<Spot> {
    let props = cfg.vm.properties.as_ref()?;
    let one_of = |v: &Option<String>, allowed: &[&'static str], path: &str, p: &mut Problems| {
        let v = v.as_deref().filter(|v| !v.trim().is_empty())?;
        match allowed.iter().find(|a| a.eq_ignore_ascii_case(v)) {
            Some(a) => Some((*a).to_owned()),
            None => {
                p.add(
                    Code::UnexpectedValue,
                    format!("`{v}` is not one of {}", allowed.join(", ")),
                    cfg.origin,
                    Some(path.into()),
                    "fix the config: these are the values Azure accepts",
                );
                None
            }
        }
    };
    let priority = one_of(&props.priority, &["Regular", "Low", "Spot"], PRIORITY, p);
    let eviction = one_of(
        &props.evictionpolicy,
        &["Deallocate", "Delete"],
        "$.properties.evictionPolicy",
        p,
    );
    let max_price = props
        .billingprofile
        .as_ref()
        .and_then(|b| b.maxprice.clone());
    let priority = priority?;
    let spot = priority != "Regular";
    if let Some(m) = &max_price {
        let ok = m.as_f64().is_some_and(|v| v == -1.0 || v > 0.0);
        if !ok {
            p.add(
                Code::UnexpectedValue,
                format!("the Spot price cap `{m}` is neither -1 nor a price above 0"),
                cfg.origin,
                Some("$.properties.billingProfile.maxPrice".into()),
                "Azure takes -1 (up to the pay-as-you-go price) or a price in US dollars: fix the config",
            );
            return None;
        }
    }
    Some(Spot {
        priority,
        eviction_policy: eviction.filter(|_| spot),
        max_price: max_price.filter(|_| spot),
        by: cfg.by(PRIORITY),
    })
}

/// Every extension in `resources[]` other than ADE's (which is re-applied), in the source's order.
pub(super) fn extensions(cfg: Config) -> Vec<SourceExtension> {
    let mut out = Vec::new();
    for (i, e) in cfg.vm.resources.iter().flatten().enumerate() {
        let Some(props) = e.properties.as_ref() else {
            continue;
        };
        let (Some(publisher), Some(kind)) = (props.publisher.as_ref(), props.kind.as_ref()) else {
            continue;
        };
        if AdeExtension::os_of(publisher, kind).is_some() {
            continue;
        }
        out.push(SourceExtension {
            name: e.name.clone(),
            publisher: publisher.clone(),
            kind: kind.clone(),
            version: props.typehandlerversion.clone(),
            by: cfg.by(format!("$.resources[{i}]")),
        });
    }
    out
}

const PPG: &str = "$.properties.proximityPlacementGroup.id";
const HOST: &str = "$.properties.host.id";
const HOST_GROUP: &str = "$.properties.hostGroup.id";
const CRG: &str = "$.properties.capacityReservation.capacityReservationGroup.id";
const ULTRA: &str = "$.properties.additionalCapabilities.ultraSSDEnabled";
const HIBERNATION: &str = "$.properties.additionalCapabilities.hibernationEnabled";
const CONTROLLER: &str = "$.properties.storageProfile.diskControllerType";

/// The ARM id of a resource of `kind` (`Microsoft.Compute/proximityPlacementGroups`), or a
/// problem at `path`. Dedicated hosts are children: `hostGroups/<g>/hosts/<h>`.
fn resource_id(
    cfg: Config,
    id: Option<&String>,
    kinds: &[&str],
    path: &str,
    p: &mut Problems,
) -> Option<Fact<String>> {
    let id = id.filter(|s| !s.trim().is_empty())?;
    let segs: Vec<&str> = id.split('/').collect();
    let tail = segs.get(6..).map(|t| t.join("/")).unwrap_or_default();
    let ok = segs.len() >= 9
        && segs[0].is_empty()
        && segs[1].eq_ignore_ascii_case("subscriptions")
        && segs[3].eq_ignore_ascii_case("resourceGroups")
        && segs[5].eq_ignore_ascii_case("providers")
        && segs.iter().skip(1).all(|s| !s.trim().is_empty())
        && kinds.iter().any(|k| {
            let kind: Vec<&str> = k.split('/').collect();
            let tail: Vec<&str> = tail.split('/').collect();
            // provider, type, name[, child type, name]
            tail.len() == kind.len() + (kind.len() - 1)
                && kind.iter().enumerate().all(|(i, k)| {
                    let at = if i == 0 { 0 } else { 2 * i - 1 };
                    tail[at].eq_ignore_ascii_case(k)
                })
        });
    if !ok {
        p.add(
            Code::UnexpectedValue,
            format!("`{id}` is not the id of a {}", kinds[0]),
            cfg.origin,
            Some(path.into()),
            format!("give the resource id, /subscriptions/<id>/resourceGroups/<group>/providers/{}/<name>: fix the config", kinds[0]),
        );
        return None;
    }
    Some(Fact::new(id.clone(), cfg.by(path)))
}

/// Proximity placement group, dedicated host or host group, capacity reservation group,
/// `additionalCapabilities` and the disk controller type, each as the source had it.
pub(super) fn placement(cfg: Config, p: &mut Problems) -> Placement {
    let Some(props) = cfg.vm.properties.as_ref() else {
        return Placement::default();
    };
    let sub = |s: &Option<crate::input::config::RawSubResource>| {
        s.as_ref().and_then(|s| s.id.as_ref()).cloned()
    };
    let ppg = resource_id(
        cfg,
        sub(&props.proximityplacementgroup).as_ref(),
        &["Microsoft.Compute/proximityPlacementGroups"],
        PPG,
        p,
    );
    let host = resource_id(
        cfg,
        sub(&props.host).as_ref(),
        &["Microsoft.Compute/hostGroups/hosts"],
        HOST,
        p,
    );
    let host_group = resource_id(
        cfg,
        sub(&props.hostgroup).as_ref(),
        &["Microsoft.Compute/hostGroups"],
        HOST_GROUP,
        p,
    );
    let crg_id = props
        .capacityreservation
        .as_ref()
        .and_then(|c| sub(&c.capacityreservationgroup));
    let crg = resource_id(
        cfg,
        crg_id.as_ref(),
        &["Microsoft.Compute/capacityReservationGroups"],
        CRG,
        p,
    );
    let caps = props.additionalcapabilities.as_ref();
    let flag = |v: Option<bool>, path: &str| v.map(|b| Fact::new(b, cfg.by(path)));
    let controller = props
        .storageprofile
        .as_ref()
        .and_then(|s| s.diskcontrollertype.as_deref())
        .filter(|s| !s.trim().is_empty())
        .and_then(
            |v| match ["SCSI", "NVMe"].iter().find(|a| a.eq_ignore_ascii_case(v)) {
                Some(a) => Some(Fact::new((*a).to_owned(), cfg.by(CONTROLLER))),
                None => {
                    p.add(
                        Code::UnexpectedValue,
                        format!("the disk controller type `{v}` is neither SCSI nor NVMe"),
                        cfg.origin,
                        Some(CONTROLLER.into()),
                        "the ARM schema allows SCSI and NVMe: fix the config",
                    );
                    None
                }
            },
        );
    // The ARM schema: "User cannot specify both host and hostGroup properties". A host id names
    // its group, so the host alone places the VM where the source was; a host outside the
    // group named beside it is a contradiction.
    let host_group = match (&host, host_group) {
        (Some(h), Some(g)) => {
            let inside = h
                .value
                .to_ascii_lowercase()
                .starts_with(&format!("{}/hosts/", g.value.to_ascii_lowercase()));
            if !inside {
                p.add(
                    Code::ConflictingPlacement,
                    format!("the dedicated host `{}` is not in the host group `{}` the config also names", h.value, g.value),
                    cfg.origin,
                    Some(HOST.into()),
                    "Azure takes a host or a host group, not both (ARM schema, VirtualMachineProperties.hostGroup): fix the config",
                );
            }
            None
        }
        (_, g) => g,
    };
    Placement {
        proximity_placement_group: ppg,
        host,
        host_group,
        capacity_reservation_group: crg,
        ultra_ssd: flag(caps.and_then(|c| c.ultrassdenabled), ULTRA),
        hibernation: flag(caps.and_then(|c| c.hibernationenabled), HIBERNATION),
        disk_controller_type: controller,
    }
}

/// Combinations Azure refuses, checked once every value is decided (flags included):
/// - an availability set with a zone: "The virtual machine can not be created because using
///   both the Availability Zone and the Availability Set were specified" (the Compute error
///   quoted in hashicorp/terraform-provider-azurerm#2246; MicrosoftDocs/azure-docs#99643);
/// - a capacity reservation with a Spot VM or a dedicated host: "Spot VMs and Azure Dedicated
///   Host Nodes are not supported with capacity reservation" (MicrosoftDocs/azure-docs
///   `articles/virtual-machines/capacity-reservation-overview.md`, limitations).
pub(super) fn combinations(
    availability_set: Option<&Fact<String>>,
    zones: &[String],
    placement: &Placement,
    spot: Option<&Spot>,
    p: &mut Problems,
) {
    if let (Some(a), false) = (availability_set, zones.is_empty()) {
        p.add(
            Code::ConflictingPlacement,
            format!(
                "the VM would be in availability set `{}` and in zone {}: Azure refuses a VM in both",
                a.value,
                zones.join(", ")
            ),
            a.by.origin(),
            a.by.path(),
            "keep one: pass `--no-availability-set`, or remove the zone from the config",
        );
    }
    if let Some(c) = &placement.capacity_reservation_group {
        let spot = spot.is_some_and(|s| s.priority != "Regular");
        let host = placement.host.is_some() || placement.host_group.is_some();
        if spot || host {
            p.add(
                Code::ConflictingPlacement,
                format!(
                    "capacity reservation group `{}` with {}: Azure does not support capacity reservations for Spot VMs or VMs on dedicated hosts",
                    c.value,
                    if spot { "a Spot VM" } else { "a dedicated host" }
                ),
                c.by.origin(),
                c.by.path(),
                "fix the config: keep the capacity reservation or the Spot priority / dedicated host",
            );
        }
    }
}

const BOOT_URI: &str = "$.properties.diagnosticsProfile.bootDiagnostics.storageUri";

/// The storage account the source's boot diagnostics wrote to (`bootDiagnostics.storageUri`),
/// kept; without one the new VM uses managed storage (the ARM schema: "If storageUri is not
/// specified while enabling boot diagnostics, managed storage will be used").
pub(super) fn boot_diagnostics_storage(cfg: Config, p: &mut Problems) -> Option<Fact<String>> {
    let uri = cfg
        .vm
        .properties
        .as_ref()?
        .diagnosticsprofile
        .as_ref()?
        .bootdiagnostics
        .as_ref()?
        .storageuri
        .clone()
        .filter(|u| !u.trim().is_empty())?;
    let host = uri
        .strip_prefix("https://")
        .map(|r| r.split('/').next().unwrap_or(""));
    let ok = host.is_some_and(|h| {
        !h.is_empty() && h.contains(".blob.") && !h.contains(['@', ':', '?', '#', ' '])
    });
    if !ok {
        p.add(
            Code::UnexpectedValue,
            format!("the boot diagnostics storage URI `{uri}` is not a storage account's https blob endpoint"),
            cfg.origin,
            Some(BOOT_URI.into()),
            "a boot diagnostics storage URI looks like https://<account>.blob.core.windows.net/: fix the config",
        );
        return None;
    }
    Some(Fact::new(uri, cfg.by(BOOT_URI)))
}

const NIC_REFS: &str = "$.properties.networkProfile.networkInterfaces";
const NIC_CONFIGS: &str = "$.properties.networkProfile.networkInterfaceConfigurations";

/// A subnet's resource id: `/subscriptions/<id>/resourceGroups/<group>/providers/
/// Microsoft.Network/virtualNetworks/<vnet>/subnets/<name>`.
fn is_subnet_id(id: &str) -> bool {
    let segs: Vec<&str> = id.split('/').collect();
    segs.len() == 11
        && segs[0].is_empty()
        && segs[1].eq_ignore_ascii_case("subscriptions")
        && segs[3].eq_ignore_ascii_case("resourceGroups")
        && segs[5].eq_ignore_ascii_case("providers")
        && segs[6].eq_ignore_ascii_case("Microsoft.Network")
        && segs[7].eq_ignore_ascii_case("virtualNetworks")
        && segs[9].eq_ignore_ascii_case("subnets")
        && segs
            .iter()
            .skip(1)
            .all(|s| !s.trim().is_empty() && !s.contains(|c: char| c.is_control() || c == '\''))
}

/// The source's network interfaces, primary first, then the others in the source's order (the
/// new VM's order, and the index `--nic-subnet` takes); exactly one is primary. Each takes its
/// flags from the NIC configuration of the same name (the NIC id's last segment), else from the
/// configuration at its position when the config lists as many of each.
pub(super) fn nics(
    cfg: Config,
    ov: &crate::overrides::Overrides,
    p: &mut Problems,
) -> Vec<SourceNic> {
    let (refs, configs) = nic_profile(cfg.vm);
    let mut nics: Vec<SourceNic> = refs
        .iter()
        .enumerate()
        .map(|(k, (i, n, id))| {
            let at = nic_configuration(&refs, configs, k);
            let conf = at.and_then(|j| Some((j, configs.get(j)?.properties.as_ref()?)));
            let flag =
                |get: fn(&crate::input::config::RawNicConfigurationProperties) -> Option<bool>,
                 field: &str| {
                    conf.and_then(|(j, c)| {
                        get(c).map(|v| {
                            Fact::new(v, cfg.by(format!("{NIC_CONFIGS}[{j}].properties.{field}")))
                        })
                    })
                };
            // A reference that does not say takes its configuration's `primary`.
            let primary = n
                .properties
                .as_ref()
                .and_then(|p| p.primary)
                .or_else(|| conf.and_then(|(_, c)| c.primary));
            SourceNic {
                id: id.clone(),
                primary: primary == Some(true),
                accelerated_networking: flag(
                    |c| c.enableacceleratednetworking,
                    "enableAcceleratedNetworking",
                ),
                ip_forwarding: flag(|c| c.enableipforwarding, "enableIPForwarding"),
                subnet_id: None,
                by: cfg.by(format!("{NIC_REFS}[{i}]")),
            }
        })
        .collect();
    if !nics.iter().any(|n| n.primary) {
        if let Some(first) = nics.first_mut() {
            first.primary = true;
        }
    }
    // Only the first NIC marked primary is (Azure refuses two).
    let mut seen = false;
    for n in &mut nics {
        let was = seen;
        seen |= n.primary;
        n.primary &= !was;
    }
    // The primary first (a stable sort keeps the others in the source's order).
    nics.sort_by_key(|n| !n.primary);
    nic_options(&mut nics, ov, p);
    nics
}

type NicRef<'a> = (usize, &'a crate::input::config::RawNicReference, String);

/// The source's NIC references that name a NIC (with their place in the list and the id), and
/// its NIC configurations (where the accelerated networking and IP forwarding flags live).
fn nic_profile(
    vm: &crate::input::config::RawVm,
) -> (
    Vec<NicRef<'_>>,
    &[crate::input::config::RawNicConfiguration],
) {
    let profile = vm
        .properties
        .as_ref()
        .and_then(|p| p.networkprofile.as_ref());
    let list = profile.and_then(|n| n.networkinterfaces.as_ref());
    let configs = profile
        .and_then(|n| n.networkinterfaceconfigurations.as_deref())
        .unwrap_or_default();
    let refs = list
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, n)| {
            let id = n.id.clone().filter(|s| !s.trim().is_empty())?;
            Some((i, n, id))
        })
        .collect();
    (refs, configs)
}

/// Which configuration describes the `k`-th NIC reference: the one named as the NIC (the last
/// segment of its id), else the one at the same place when there are as many of each.
fn nic_configuration(
    refs: &[NicRef<'_>],
    configs: &[crate::input::config::RawNicConfiguration],
    k: usize,
) -> Option<usize> {
    let name = refs.get(k)?.2.rsplit('/').next().unwrap_or_default();
    let by_name = configs.iter().position(|c| {
        c.name
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case(name))
    });
    by_name.or((refs.len() == configs.len()).then_some(k))
}

/// A NIC configuration that describes none of the source's NICs is not rebuilt (the VM gets a
/// NIC per reference): said, never dropped without a word.
pub(super) fn unmatched_nic_configurations(vm: &crate::input::config::RawVm) -> Vec<String> {
    let (refs, configs) = nic_profile(vm);
    let used: Vec<usize> = (0..refs.len())
        .filter_map(|k| nic_configuration(&refs, configs, k))
        .collect();
    configs
        .iter()
        .enumerate()
        .filter(|(j, _)| !used.contains(j))
        .map(|(j, c)| {
            format!(
                "warning: the source's NIC configuration {j}{} ({NIC_CONFIGS}[{j}]) describes none of its network interfaces (`networkInterfaces` names {} by id), so it is not rebuilt and its accelerated networking and IP forwarding are not carried; add that NIC to the new VM by hand if the source had it",
                c.name.as_deref().map(|n| format!(" `{n}`")).unwrap_or_default(),
                match refs.len() {
                    0 => "none".to_owned(),
                    1 => "one".to_owned(),
                    n => n.to_string(),
                }
            )
        })
        .collect()
}

/// `--nic-subnet <index>=<subnet id>` and `--reuse-source-nics`, checked against the source's
/// NICs: an index names one of them (0 the primary), once; the id is a subnet's; reused NICs
/// keep their own subnets and public addresses, so neither option goes with reuse.
fn nic_options(nics: &mut [SourceNic], ov: &crate::overrides::Overrides, p: &mut Problems) {
    const HELP: &str = "give `--nic-subnet <index>=<subnet resource id>`, index 0 for the primary NIC and 1.. for the others in the order `restore-deploy inspect` lists them, each index once, the id as /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>";
    let bad = |msg: String, p: &mut Problems| {
        p.add(
            Code::InvalidNicSubnet,
            msg,
            None,
            Some("--nic-subnet".into()),
            HELP,
        );
    };
    for arg in &ov.nic_subnets {
        let Some((index, id)) = arg.split_once('=') else {
            bad(
                format!("`--nic-subnet {arg}` is not <index>=<subnet resource id>"),
                p,
            );
            continue;
        };
        let Ok(index) = index.trim().parse::<usize>() else {
            bad(
                format!("`--nic-subnet {arg}`: `{index}` is not a NIC index (0, 1, ...)"),
                p,
            );
            continue;
        };
        let id = id.trim();
        if !is_subnet_id(id) {
            bad(
                format!("`--nic-subnet {arg}`: `{id}` is not a subnet's resource id"),
                p,
            );
            continue;
        }
        let count = nics.len();
        match nics.get_mut(index) {
            None => bad(
                format!(
                    "`--nic-subnet {arg}`: the source VM has {}",
                    match count {
                        0 => "no network interface".to_owned(),
                        1 => "one network interface, index 0 (the primary)".to_owned(),
                        n => format!(
                            "{n} network interfaces, indexes 0 (the primary) to {}",
                            n - 1
                        ),
                    }
                ),
                p,
            ),
            Some(n) if n.subnet_id.is_some() => {
                bad(format!("`--nic-subnet` names NIC {index} twice"), p)
            }
            Some(n) => n.subnet_id = Some(Fact::new(id.to_owned(), By::Flag("--nic-subnet"))),
        }
    }
    if ov.reuse_source_nics {
        let conflict = if nics.is_empty() {
            Some("the config names no network interface of the source VM to reuse")
        } else if !ov.nic_subnets.is_empty() {
            Some("`--nic-subnet` places new NICs; a reused source NIC keeps its own subnet")
        } else if ov.subnet.is_some()
            || ov.virtual_network.is_some()
            || ov.virtual_network_resource_group.is_some()
        {
            Some("`--virtual-network`, `--virtual-network-resource-group` and `--subnet` place new NICs; a reused source NIC keeps its own network")
        } else if ov.public_ip == Some(true) {
            Some("`--public-ip` puts a new address on a new NIC; a reused source NIC keeps its own")
        } else {
            None
        };
        if let Some(why) = conflict {
            p.add(
                Code::ConflictingNicOptions,
                format!("`--reuse-source-nics`: {why}"),
                None,
                Some("--reuse-source-nics".into()),
                "drop `--reuse-source-nics` to create new NICs, or drop the other option",
            );
        }
    }
}

/// What every format warns of: a system-assigned identity (the new VM's is a new principal).
/// Every source NIC is rebuilt (or reused), so NICs need no warning.
pub(super) fn warnings(identity: Option<&Identity>) -> Vec<String> {
    let mut out = Vec::new();
    out.extend(match identity {
        Some(i) if i.system_assigned => vec![format!(
            "warning: the source VM had a system-assigned managed identity{}: the new VM gets a NEW principal, so role assignments and Key Vault access policies that named the old one do not apply to it; grant them again to the new principal after deployment (the next steps give the commands)",
            i.source_principal_id
                .as_deref()
                .map(|p| format!(" (principal {p})"))
                .unwrap_or_default()
        )],
        _ => Vec::new(),
    });
    out
}

#[cfg(test)]
mod tests {
    use crate::error::Code;
    use crate::model::test_inputs::{inputs, CONFIG_PLAIN};
    use crate::model::{build, Overrides};

    const UAI: &str = "/subscriptions/3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c/resourceGroups/rg-id/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-ade";

    fn with(extra: &str) -> String {
        let cfg = CONFIG_PLAIN.trim_end();
        let cut = cfg.rfind('}').expect("an object");
        format!("{}, {extra}}}", &cfg[..cut])
    }

    #[test]
    fn both_spellings_carry_the_identities_and_the_ade_identity() {
        let dotted = with(&format!(
            r#""identity": {{"type": "SystemAssigned, UserAssigned", "principalId": "p-old", "userAssignedIdentities": {{"{UAI}": {{}}}}}},
               "properties.securityProfile": {{"encryptionIdentity": {{"userAssignedIdentityResourceId": "{UAI}"}}}}"#
        ));
        // The REST model's spelling: `properties: {securityProfile}` (one more brace to close).
        let nested = dotted.replace(
            r#""properties.securityProfile": {"#,
            r#""properties": {"securityProfile": {"#,
        );
        let nested = format!("{}}}}}", &nested[..nested.len() - 1]);
        assert_ne!(nested, dotted);
        for cfg in [dotted.as_str(), nested.as_str()] {
            let r = build(&inputs(cfg, None, None, Overrides::default())).expect("valid");
            let i = r.identity.as_ref().expect("identity");
            assert!(i.system_assigned);
            assert_eq!(i.user_assigned, vec![UAI.to_owned()], "id kept verbatim");
            assert_eq!(i.source_principal_id.as_deref(), Some("p-old"));
            assert_eq!(i.arm_type(), "SystemAssigned, UserAssigned");
            assert_eq!(i.ps_type(), "SystemAssignedUserAssigned");
            assert_eq!(
                r.encryption_identity.as_ref().map(|f| f.value.as_str()),
                Some(UAI)
            );
            assert!(
                r.warnings.iter().any(|w| w.contains("NEW principal")),
                "{:?}",
                r.warnings
            );
        }
    }

    #[test]
    fn no_identity_and_none_carry_nothing_and_user_only_warns_nothing() {
        let r = build(&inputs(CONFIG_PLAIN, None, None, Overrides::default())).expect("valid");
        assert!(r.identity.is_none());
        let none = with(r#""identity": {"type": "None"}"#);
        let r = build(&inputs(&none, None, None, Overrides::default())).expect("valid");
        assert!(r.identity.is_none());
        let user = with(&format!(
            r#""identity": {{"type": "UserAssigned", "userAssignedIdentities": {{"{UAI}": {{}}}}}}"#
        ));
        let r = build(&inputs(&user, None, None, Overrides::default())).expect("valid");
        assert_eq!(
            r.identity.as_ref().map(|i| i.arm_type()),
            Some("UserAssigned")
        );
        assert!(!r.warnings.iter().any(|w| w.contains("NEW principal")));
    }

    #[test]
    fn a_bad_identity_or_an_unattached_ade_identity_is_refused() {
        for extra in [
            r#""identity": {"type": "Sometimes"}"#.to_owned(),
            r#""identity": {"type": "UserAssigned", "userAssignedIdentities": {"not-an-id": {}}}"#
                .to_owned(),
            format!(
                r#""identity": {{"type": "SystemAssigned"}}, "properties.securityProfile": {{"encryptionIdentity": {{"userAssignedIdentityResourceId": "{UAI}"}}}}"#
            ),
        ] {
            let e =
                build(&inputs(&with(&extra), None, None, Overrides::default())).expect_err(&extra);
            assert_eq!(e.0[0].code, Code::UnexpectedValue, "{extra}");
        }
    }
}

#[cfg(test)]
mod placement_tests {
    use crate::error::Code;
    use crate::model::test_inputs::{inputs, CONFIG_PLAIN};
    use crate::model::{build, Overrides};

    const G: &str = "/subscriptions/3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c/resourceGroups/rg/providers/Microsoft.Compute";

    fn with(extra: &str) -> String {
        let cfg = CONFIG_PLAIN.trim_end();
        let cut = cfg.rfind('}').expect("an object");
        format!("{}, {extra}}}", &cfg[..cut])
    }

    #[test]
    fn placement_and_capabilities_are_carried_and_a_host_wins_over_its_group() {
        let cfg = with(&format!(
            r#""properties.proximityPlacementGroup": {{"id": "{G}/proximityPlacementGroups/ppg"}},
               "properties.host": {{"id": "{G}/hostGroups/hg/hosts/h1"}}, "properties.hostGroup": {{"id": "{G}/hostGroups/hg"}},
               "properties.additionalCapabilities": {{"ultraSSDEnabled": true, "hibernationEnabled": false}}"#
        ));
        let r = build(&inputs(&cfg, None, None, Overrides::default())).expect("valid");
        let pl = &r.placement;
        assert!(pl.proximity_placement_group.is_some());
        assert_eq!(
            pl.host.as_ref().map(|f| f.value.as_str()),
            Some(&*format!("{G}/hostGroups/hg/hosts/h1"))
        );
        assert!(
            pl.host_group.is_none(),
            "Azure takes a host or a group, not both"
        );
        assert_eq!(pl.ultra_ssd.as_ref().map(|f| f.value), Some(true));
        assert_eq!(pl.hibernation.as_ref().map(|f| f.value), Some(false));
    }

    #[test]
    fn combinations_azure_refuses_are_refused() {
        let zoned = with(r#""zones": ["1"]"#);
        let ov = Overrides {
            availability_set_id: Some(format!("{G}/availabilitySets/as1")),
            ..Overrides::default()
        };
        let e = build(&inputs(&zoned, None, None, ov)).expect_err("set and zone");
        assert_eq!(e.0[0].code, Code::ConflictingPlacement);
        for extra in [
            format!(
                r#""properties.host": {{"id": "{G}/hostGroups/hg/hosts/h1"}}, "properties.hostGroup": {{"id": "{G}/hostGroups/other"}}"#
            ),
            format!(
                r#""properties.priority": "Spot", "properties.capacityReservation": {{"capacityReservationGroup": {{"id": "{G}/capacityReservationGroups/c"}}}}"#
            ),
            format!(
                r#""properties.hostGroup": {{"id": "{G}/hostGroups/hg"}}, "properties.capacityReservation": {{"capacityReservationGroup": {{"id": "{G}/capacityReservationGroups/c"}}}}"#
            ),
        ] {
            let e =
                build(&inputs(&with(&extra), None, None, Overrides::default())).expect_err(&extra);
            assert_eq!(e.0[0].code, Code::ConflictingPlacement, "{extra}");
        }
        let bad = with(
            r#""properties.proximityPlacementGroup": {"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/disks/d"}"#,
        );
        let e = build(&inputs(&bad, None, None, Overrides::default())).expect_err("not a PPG");
        assert_eq!(e.0[0].code, Code::UnexpectedValue);
    }
}

#[cfg(test)]
mod spot_tests {
    use crate::error::Code;
    use crate::model::test_inputs::{inputs, CONFIG_PLAIN};
    use crate::model::{build, Overrides};

    fn with(extra: &str) -> String {
        let cfg = CONFIG_PLAIN.trim_end();
        let cut = cfg.rfind('}').expect("an object");
        format!("{}, {extra}}}", &cfg[..cut])
    }

    #[test]
    fn spot_stays_spot_at_its_price_in_both_spellings_and_regular_stays_regular() {
        for extra in [
            r#""properties.priority": "Spot", "properties.evictionPolicy": "Deallocate", "properties.billingProfile": {"maxPrice": 0.0512}"#,
            r#""properties": {"priority": "spot", "evictionPolicy": "Deallocate", "billingProfile": {"maxPrice": 0.0512}}"#,
        ] {
            let r = build(&inputs(&with(extra), None, None, Overrides::default())).expect(extra);
            let s = r.spot.expect("spot");
            assert_eq!(s.priority, "Spot", "Azure's spelling");
            assert_eq!(s.eviction_policy.as_deref(), Some("Deallocate"));
            assert_eq!(
                s.max_price.map(|m| m.to_string()).as_deref(),
                Some("0.0512")
            );
        }
        let regular =
            with(r#""properties.priority": "Regular", "properties.billingProfile": null"#);
        let r = build(&inputs(&regular, None, None, Overrides::default())).expect("regular");
        let s = r.spot.expect("stated");
        assert_eq!(
            (s.priority.as_str(), s.eviction_policy, s.max_price),
            ("Regular", None, None)
        );
        let r = build(&inputs(CONFIG_PLAIN, None, None, Overrides::default())).expect("plain");
        assert!(r.spot.is_none());
    }

    #[test]
    fn values_azure_does_not_take_are_refused() {
        for extra in [
            r#""properties.priority": "Cheap""#,
            r#""properties.priority": "Spot", "properties.evictionPolicy": "Hibernate""#,
            r#""properties.priority": "Spot", "properties.billingProfile": {"maxPrice": -2}"#,
        ] {
            let e =
                build(&inputs(&with(extra), None, None, Overrides::default())).expect_err(extra);
            assert_eq!(e.0[0].code, Code::UnexpectedValue, "{extra}");
        }
    }
}

#[cfg(test)]
mod extension_tests {
    use crate::model::test_inputs::{config, inputs, settings, KV, SECRET};
    use crate::model::{build, Overrides};

    #[test]
    fn every_extension_but_ade_is_listed_as_not_reinstalled() {
        let oms = r#"{"name": "OmsAgentForLinux", "properties": {"publisher": "Microsoft.EnterpriseCloud.Monitoring", "type": "OmsAgentForLinux", "typeHandlerVersion": "1.0"}}"#;
        let bginfo = r#"{"name": "BGInfo", "properties.publisher": "Microsoft.Compute", "properties.type": "BGInfo", "properties.typeHandlerVersion": "2.1"}"#;
        let cfg = config(
            "Windows",
            &settings(SECRET, KV, None),
            &format!("{oms}, {bginfo}"),
        );
        let r = build(&inputs(&cfg, None, None, Overrides::default())).expect("valid");
        let listed: Vec<(&str, &str, Option<&str>)> = r
            .extensions
            .iter()
            .map(|e| (e.publisher.as_str(), e.kind.as_str(), e.version.as_deref()))
            .collect();
        assert_eq!(
            listed,
            [
                (
                    "Microsoft.EnterpriseCloud.Monitoring",
                    "OmsAgentForLinux",
                    Some("1.0")
                ),
                ("Microsoft.Compute", "BGInfo", Some("2.1"))
            ],
            "ADE's own extension is re-applied, not listed"
        );
        assert!(r.extensions[1].is_bginfo() && !r.extensions[0].is_bginfo());
    }
}

#[cfg(test)]
mod boot_tests {
    use crate::error::Code;
    use crate::model::test_inputs::{inputs, CONFIG_PLAIN};
    use crate::model::{build, Overrides};

    fn with(extra: &str) -> String {
        let cfg = CONFIG_PLAIN.trim_end();
        let cut = cfg.rfind('}').expect("an object");
        format!("{}, {extra}}}", &cfg[..cut])
    }

    #[test]
    fn the_sources_boot_diagnostics_account_is_kept_else_managed_storage() {
        for extra in [
            r#""properties.diagnosticsProfile": {"bootDiagnostics": {"enabled": true, "storageUri": "https://stdiag01.blob.core.windows.net/"}}"#,
            r#""properties": {"diagnosticsProfile": {"bootDiagnostics": {"enabled": true, "storageUri": "https://stdiag01.blob.core.windows.net/"}}}"#,
        ] {
            let r = build(&inputs(&with(extra), None, None, Overrides::default())).expect(extra);
            assert_eq!(
                r.boot_diagnostics_storage.map(|f| f.value).as_deref(),
                Some("https://stdiag01.blob.core.windows.net/")
            );
        }
        let managed =
            with(r#""properties.diagnosticsProfile": {"bootDiagnostics": {"enabled": true}}"#);
        let r = build(&inputs(&managed, None, None, Overrides::default())).expect("managed");
        assert!(r.boot_diagnostics_storage.is_none());
        let bad = with(
            r#""properties.diagnosticsProfile": {"bootDiagnostics": {"storageUri": "http://x.blob.core.windows.net/"}}"#,
        );
        let e = build(&inputs(&bad, None, None, Overrides::default())).expect_err("http");
        assert_eq!(e.0[0].code, Code::UnexpectedValue);
    }
}

#[cfg(test)]
mod nic_tests {
    use crate::error::Code;
    use crate::model::test_inputs::{inputs, CONFIG_PLAIN};
    use crate::model::{build, Overrides};

    const N: &str =
        "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/networkInterfaces";
    const SUBNET: &str = "/subscriptions/3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet-b";

    fn with(extra: &str) -> String {
        let cfg = CONFIG_PLAIN.trim_end();
        let cut = cfg.rfind('}').expect("an object");
        format!("{}, {extra}}}", &cfg[..cut])
    }

    fn two() -> String {
        with(&format!(
            r#""properties.networkProfile": {{"networkInterfaces": [{{"id": "{N}/a"}}, {{"id": "{N}/b", "properties.primary": true}}]}}"#
        ))
    }

    #[test]
    fn every_source_nic_is_rebuilt_primary_first_in_both_spellings_without_a_warning() {
        for extra in [
            format!(
                r#""properties.networkProfile": {{"networkInterfaces": [{{"id": "{N}/a"}}, {{"id": "{N}/b", "properties.primary": true}}]}}"#
            ),
            format!(
                r#""properties": {{"networkProfile": {{"networkInterfaces": [{{"id": "{N}/a", "properties": {{"primary": false}}}}, {{"id": "{N}/b", "properties": {{"primary": true}}}}]}}}}"#
            ),
        ] {
            let r = build(&inputs(&with(&extra), None, None, Overrides::default())).expect(&extra);
            let got: Vec<(&str, bool)> = r
                .nics
                .iter()
                .map(|x| (x.id.rsplit('/').next().unwrap_or(""), x.primary))
                .collect();
            assert_eq!(got, [("b", true), ("a", false)], "the primary first");
            assert!(
                r.nics.iter().all(|n| n.accelerated_networking.is_none()),
                "a plain reference states no flag"
            );
            assert!(
                !r.warnings.iter().any(|w| w.contains("not re-created")),
                "{:?}",
                r.warnings
            );
        }
        let none_marked = with(&format!(
            r#""properties.networkProfile": {{"networkInterfaces": [{{"id": "{N}/a"}}, {{"id": "{N}/b"}}]}}"#
        ));
        let r = build(&inputs(&none_marked, None, None, Overrides::default())).expect("ok");
        assert_eq!(r.nics.iter().filter(|x| x.primary).count(), 1);
        assert!(
            r.nics[0].primary && r.nics[0].id.ends_with("/a"),
            "Azure takes the first when none is marked"
        );
    }

    #[test]
    fn flags_come_from_the_nic_configuration_by_name_else_by_position() {
        let by_name = with(&format!(
            r#""properties": {{"networkProfile": {{"networkInterfaces": [{{"id": "{N}/a"}}, {{"id": "{N}/b"}}],
               "networkInterfaceConfigurations": [
                 {{"name": "b", "properties": {{"enableAcceleratedNetworking": true, "enableIPForwarding": false, "ipConfigurations": []}}}},
                 {{"name": "a", "properties": {{"primary": true, "enableAcceleratedNetworking": false, "enableIPForwarding": true, "ipConfigurations": []}}}}]}}}}"#
        ));
        let r = build(&inputs(&by_name, None, None, Overrides::default())).expect("valid");
        let got: Vec<(&str, bool, Option<bool>, Option<bool>)> = r
            .nics
            .iter()
            .map(|n| {
                (
                    n.id.rsplit('/').next().unwrap_or(""),
                    n.primary,
                    n.accelerated_networking.as_ref().map(|f| f.value),
                    n.ip_forwarding.as_ref().map(|f| f.value),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("a", true, Some(false), Some(true)),
                ("b", false, Some(true), Some(false))
            ],
            "matched by name; the configuration's primary decides when the reference is silent"
        );
        let by_position = by_name
            .replace(r#""name": "b""#, r#""name": "x""#)
            .replace(r#""name": "a""#, r#""name": "y""#);
        let r = build(&inputs(&by_position, None, None, Overrides::default())).expect("valid");
        let got: Vec<(&str, Option<bool>)> = r
            .nics
            .iter()
            .map(|n| {
                (
                    n.id.rsplit('/').next().unwrap_or(""),
                    n.accelerated_networking.as_ref().map(|f| f.value),
                )
            })
            .collect();
        assert_eq!(
            got,
            [("b", Some(false)), ("a", Some(true))],
            "same count: the configuration at the reference's position (the second's says primary)"
        );
    }

    #[test]
    fn a_nic_configuration_that_describes_no_nic_is_said_not_dropped() {
        let unmatched = |r: &crate::model::Restore| {
            r.warnings
                .iter()
                .filter(|w| w.contains("describes none of its network interfaces"))
                .cloned()
                .collect::<Vec<_>>()
        };
        // Two references, three configurations: `c` matches neither by name nor by position.
        let three = with(&format!(
            r#""properties": {{"networkProfile": {{"networkInterfaces": [{{"id": "{N}/a"}}, {{"id": "{N}/b"}}],
               "networkInterfaceConfigurations": [
                 {{"name": "a", "properties": {{"primary": true, "enableAcceleratedNetworking": true, "ipConfigurations": []}}}},
                 {{"name": "b", "properties": {{"enableIPForwarding": true, "ipConfigurations": []}}}},
                 {{"name": "c", "properties": {{"enableAcceleratedNetworking": true, "ipConfigurations": []}}}}]}}}}"#
        ));
        let r = build(&inputs(&three, None, None, Overrides::default())).expect("valid");
        let w = unmatched(&r);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("configuration 2 `c`")
                && w[0].contains("networkInterfaceConfigurations[2]"),
            "{w:?}"
        );
        // Configurations only, no reference: each is said.
        let none = with(
            r#""properties": {"networkProfile": {"networkInterfaceConfigurations": [
                 {"name": "a", "properties": {"primary": true, "ipConfigurations": []}}]}}"#,
        );
        let r = build(&inputs(&none, None, None, Overrides::default())).expect("valid");
        assert_eq!(unmatched(&r).len(), 1, "{:?}", r.warnings);
        // Every configuration matched: no such warning.
        let matched = three.replace(
            r#",
                 {"name": "c", "properties": {"enableAcceleratedNetworking": true, "ipConfigurations": []}}"#,
            "",
        );
        assert_ne!(matched, three);
        let r = build(&inputs(&matched, None, None, Overrides::default())).expect("valid");
        assert!(unmatched(&r).is_empty(), "{:?}", r.warnings);
    }

    #[test]
    fn nic_subnet_moves_one_nic_and_bad_ones_are_refused_with_their_code() {
        let ov = |args: &[&str], reuse: bool, public_ip: Option<bool>| Overrides {
            nic_subnets: args.iter().map(|s| (*s).to_owned()).collect(),
            reuse_source_nics: reuse,
            public_ip,
            ..Overrides::default()
        };
        let r = build(&inputs(
            &two(),
            None,
            None,
            ov(&[&format!("1={SUBNET}")], false, None),
        ))
        .expect("valid");
        assert!(r.nics[0].subnet_id.is_none());
        assert_eq!(
            r.nics[1].subnet_id.as_ref().map(|f| f.value.as_str()),
            Some(SUBNET)
        );
        for (args, what) in [
            (vec![format!("2={SUBNET}")], "out of range"),
            (vec![format!("1={SUBNET}"), format!("1={SUBNET}")], "twice"),
            (vec!["1=/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v".to_owned()], "not a subnet"),
            (vec![SUBNET.to_owned()], "no index"),
            (vec![format!("x={SUBNET}")], "not a number"),
        ] {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let e = build(&inputs(&two(), None, None, ov(&args, false, None))).expect_err(what);
            assert_eq!(e.0[0].code, Code::InvalidNicSubnet, "{what}");
        }
        let r = build(&inputs(&two(), None, None, ov(&[], true, None))).expect("reuse");
        assert!(r.reuse_source_nics);
        for (o, what) in [
            (
                ov(&[&format!("1={SUBNET}")], true, None),
                "with --nic-subnet",
            ),
            (ov(&[], true, Some(true)), "with --public-ip"),
            (
                Overrides {
                    subnet: Some("snet-app".into()),
                    ..ov(&[], true, None)
                },
                "with --subnet",
            ),
        ] {
            let e = build(&inputs(&two(), None, None, o)).expect_err(what);
            assert_eq!(e.0[0].code, Code::ConflictingNicOptions, "{what}");
        }
        let e = build(&inputs(CONFIG_PLAIN, None, None, ov(&[], true, None)))
            .expect_err("nothing to reuse");
        assert_eq!(e.0[0].code, Code::ConflictingNicOptions);
    }
}
