//! `inspect`: every decision and the input that decided it, for people (a table) or for tools
//! (`--json`, whose types live in `inspect_json`). Neither shows key material: the model never
//! holds it.

use std::fmt::Write;

use crate::error::shown;
use crate::model::{ade_extension, By, DiskKind, DiskSource, Encryption, Flavour, OsType, Restore};

use super::describe;
use super::inspect_json::{arm_template, ArmTemplate};

/// The JSON form is its own public contract: see [`super::inspect_json`].
pub use super::inspect_json::json;

pub fn human(r: &Restore) -> String {
    let mut out = String::new();
    // `by` is a `By` or a fixed note; an empty one prints nothing.
    let mut row = |label: &str, value: &str, by: &dyn std::fmt::Display| {
        let by = by.to_string();
        let by = if by.is_empty() {
            String::new()
        } else {
            format!("  ({})", shown(&by))
        };
        let _ = writeln!(out, "  {label:<16} {}{by}", shown(value));
    };

    row("name", &r.name.value, &r.name.by);
    match &r.vm_name {
        Some(n) => row("new VM name", &n.value, &n.by),
        None => row(
            "new VM name",
            "asked at deployment",
            &"never the source's: that would update the source VM",
        ),
    }
    match &r.location {
        Some(l) => row("location", &l.value, &l.by),
        None => row("location", "the resource group's", &"no input names one"),
    }
    row("size", &r.vm_size.value, &r.vm_size.by);
    row("os", r.os.value.as_str(), &r.os.by);
    if let Some(by) = &r.network.defaults_by {
        let net = &r.network;
        let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        row(
            "network",
            &format!(
                "vnet {} in group {}, subnet {}",
                shown(&net.virtual_network),
                shown(&net.virtual_network_resource_group),
                shown(&net.subnet)
            ),
            by,
        );
    }
    if let Some(n) = &r.network.network_security_group {
        row("nsg", &n.value, &n.by);
    }
    if let Some(p) = &r.plan {
        let parts = [Some(&p.name), p.publisher.as_ref(), p.product.as_ref()];
        let shown: Vec<&str> = parts.iter().flatten().map(|s| s.as_str()).collect();
        row(
            "plan",
            &shown.join(" / "),
            &"config: plan (name / publisher / product)",
        );
    }
    if let Some(t) = &r.trusted_launch {
        let flag = |b: Option<bool>| match b {
            Some(true) => "on",
            Some(false) => "off",
            None => "as Azure defaults",
        };
        row(
            "security",
            &format!(
                "Trusted Launch, secure boot {}, vTPM {}",
                flag(t.secure_boot),
                flag(t.vtpm)
            ),
            &"config: properties.securityProfile",
        );
    }
    if let Some(i) = &r.identity {
        if i.system_assigned {
            let old = i
                .source_principal_id
                .as_deref()
                .map(|p| format!(" (the source's was {p})"))
                .unwrap_or_default();
            row(
                "identity",
                &format!("system-assigned: a NEW principal{old}; grant its roles and Key Vault access again"),
                &i.by,
            );
        }
        for id in &i.user_assigned {
            row("identity", &format!("user-assigned {id}"), &i.by);
        }
        if let Some(e) = &r.encryption_identity {
            row("  ADE identity", &e.value, &e.by);
        }
    }
    if let Some(s) = &r.spot {
        let mut v = s.priority.clone();
        if let Some(e) = &s.eviction_policy {
            v.push_str(&format!(", eviction {e}"));
        }
        match &s.max_price {
            Some(p) if p.as_f64() == Some(-1.0) => {
                v.push_str(", max price -1 (up to pay-as-you-go)")
            }
            Some(p) => v.push_str(&format!(", max price {p} USD/hour")),
            None => {}
        }
        row("priority", &v, &s.by);
    }
    for e in &r.extensions {
        let version = e
            .version
            .as_deref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
        let bginfo = if e.is_bginfo() && r.os.value == OsType::Windows {
            " (the PowerShell script's New-AzVM installs BGInfo again, as the source had it)"
        } else {
            ""
        };
        row(
            "extension",
            &format!(
                "{}/{}{version}: NOT re-installed{bginfo}",
                e.publisher, e.kind
            ),
            &e.by,
        );
    }
    let pl = &r.placement;
    for (label, f) in [
        ("placement group", &pl.proximity_placement_group),
        ("dedicated host", &pl.host),
        ("host group", &pl.host_group),
        ("capacity resv.", &pl.capacity_reservation_group),
        ("disk controller", &pl.disk_controller_type),
    ] {
        if let Some(f) = f {
            row(label, &f.value, &f.by);
        }
    }
    for (label, f) in [
        ("ultra SSD", &pl.ultra_ssd),
        ("hibernation", &pl.hibernation),
    ] {
        if let Some(f) = f {
            row(label, if f.value { "enabled" } else { "disabled" }, &f.by);
        }
    }
    row(
        "disks",
        match r.disks.kind() {
            DiskKind::Managed => "managed",
            DiskKind::Unmanaged => "unmanaged (VHD blobs)",
        },
        &"config: managedDisk.id / vhd.uri",
    );
    let os = r.disks.os();
    // The size when the config gives it, as for a data disk (newcomer row 32).
    let os_size = os.size_gb.map(|s| format!(" {s} GB")).unwrap_or_default();
    row(
        "  os disk",
        &format!("{}{os_size} {}", os.name, os.source.describe()),
        &disk_by(&os.source),
    );
    for d in r.disks.data() {
        let size = d
            .disk
            .size_gb
            .map(|s| format!(" {s} GB"))
            .unwrap_or_default();
        row(
            &format!("  lun {}", d.lun),
            &format!("{}{size} {}", d.disk.name, d.disk.source.describe()),
            &disk_by(&d.disk.source),
        );
    }
    match &r.encryption {
        Encryption::None { by } => row("encryption", "none", by),
        Encryption::Ade(a) => {
            let flavour = match a.flavour.value {
                Flavour::Aad => "Azure Disk Encryption with Azure AD (dual-pass)",
                Flavour::NoAad => "Azure Disk Encryption without Azure AD (single-pass)",
            };
            row("encryption", flavour, &a.flavour.by);
            match &a.secret_url {
                Some(s) => row("  BEK secret", s.value.as_str(), &s.by),
                None => row(
                    "  BEK secret",
                    "not needed",
                    &"single-pass keeps it on the restored managed OS disk",
                ),
            }
            row("  key vault", a.key_vault.value.as_str(), &a.key_vault.by);
            row("  vault URI", &a.vault_uri.value, &a.vault_uri.by);
            match &a.kek {
                Some(k) => {
                    row("  KEK", k.url.value.as_str(), &k.url.by);
                    row("  KEK vault", k.vault.value.as_str(), &k.vault.by);
                    row(
                        "  KEK algorithm",
                        k.algorithm.value.as_str(),
                        &k.algorithm.by,
                    );
                }
                None => row(
                    "  KEK",
                    "none (BEK only)",
                    &"no input names a key encryption key",
                ),
            }
            row(
                "  volume type",
                a.volume_type.value.as_str(),
                &a.volume_type.by,
            );
            if a.flavour.value.is_aad() {
                match &a.aad_client_id {
                    Some(id) => row("  AAD client id", &id.value, &id.by),
                    None => row(
                        "  AAD client id",
                        "not in the inputs: a required parameter",
                        &"",
                    ),
                }
            }
            let ext = ade_extension(r.os.value, a.flavour.value);
            row(
                "  extension",
                &format!("{}/{} {}", ext.publisher, ext.kind, ext.version),
                &"by OS and flavour",
            );
            let remedy = match (a.flavour.value, r.disks.kind()) {
                (Flavour::NoAad, DiskKind::Managed) => {
                    "prepare.ps1 / the script stamps the OS disk before the VM is created"
                }
                (Flavour::NoAad, DiskKind::Unmanaged) => {
                    "the imported OS disk carries the settings"
                }
                (Flavour::Aad, _) => "with Azure AD the VM model carries the settings",
            };
            for risk in &r.prepare.at_risk {
                row(
                    "  at risk",
                    &format!(
                        "{risk}: Azure Backup does not restore the ADE settings of such disks"
                    ),
                    &remedy,
                );
            }
            if let Some(k) = &r.prepare.restore_keys {
                row(
                    "  restore keys",
                    &format!(
                        "into {} when the BEK secret or KEK no longer exists",
                        k.target.as_str()
                    ),
                    &By::Flag("--target-key-vault"),
                );
            }
        }
    }
    match &r.recovery_point {
        Some(rp) => row(
            "recovery point",
            &rp.value.at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            &rp.by,
        ),
        None => row(
            "recovery point",
            "unknown",
            &"pass --job or --recovery-point-time",
        ),
    }
    for (i, n) in r.nics.iter().enumerate() {
        let place = if n.primary {
            format!("{i} (primary)")
        } else {
            i.to_string()
        };
        let becomes = if r.reuse_source_nics {
            "reused by id (--reuse-source-nics), once the script finds that no other VM holds it"
                .to_owned()
        } else {
            let subnet = match &n.subnet_id {
                Some(s) => format!("subnet {} (--nic-subnet)", s.value),
                None => format!(
                    "subnet {}",
                    r.network
                        .subnet
                        .as_deref()
                        .unwrap_or("(asked at deployment)")
                ),
            };
            let flag = |f: &Option<crate::model::Fact<bool>>, what: &str| match f {
                Some(f) => format!("{what} {}", if f.value { "on" } else { "off" }),
                None => format!("{what} Azure's default (off; the config does not say)"),
            };
            match (&n.accelerated_networking, &n.ip_forwarding) {
                (None, None) => format!(
                    "new NIC in {subnet}; accelerated networking and IP forwarding Azure's default (off): the config states neither"
                ),
                (a, f) => format!(
                    "new NIC in {subnet}, {}, {}",
                    flag(a, "accelerated networking"),
                    flag(f, "IP forwarding")
                ),
            }
        };
        row(
            "source NIC",
            &format!("{place}: {}  {becomes}", n.id),
            &n.by,
        );
    }
    match &r.boot_diagnostics_storage {
        Some(u) => row("boot diag.", &u.value, &u.by),
        None => row(
            "boot diag.",
            "managed storage",
            &"always on: the serial console needs it",
        ),
    }
    for n in &r.not_carried {
        row("not carried", n.field, &n.reason);
    }
    let verdict = match arm_template(r) {
        ArmTemplate::Allowed => "allowed",
        ArmTemplate::RecoveryPointTooOld => {
            "refused: recovery point before 2017-04-26; use --format powershell"
        }
        ArmTemplate::RecoveryPointTimeUnknown => {
            "needs the recovery point time (--job or --recovery-point-time)"
        }
    };
    row("ARM template", verdict, &"");
    format!("{}\n{out}", shown(&describe::case(r)))
}

/// Which input decided a restored managed disk (and how it was told from the config's, when it
/// was); nothing for a VHD, whose URL is the config's own.
fn disk_by(s: &DiskSource) -> String {
    match s {
        DiskSource::Managed { id, .. } => match id.note() {
            Some(note) => format!("{}; {note}", id.by()),
            None => id.by().to_string(),
        },
        DiskSource::Vhd { .. } => String::new(),
    }
}
