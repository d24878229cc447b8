//! The PowerShell script's typed context. Strings are raw here; the template's `ps` helper turns
//! each into a single-quoted literal.

use serde::Serialize;

use crate::model::{ade_extension, DiskSource, Encryption, ManagedDisk, OsType, Restore};

#[derive(Serialize)]
pub struct DiskCtx {
    /// The restored managed disk's own name (the last segment of its id): Azure refuses an
    /// attached disk whose name differs from the disk resource's.
    name: String,
    /// The restored managed disk's id; empty for an imported disk or one looked up by name.
    source: String,
    /// Set when the config names the disk: the script's key for it, looked up with `Get-AzDisk`.
    lookup: Option<String>,
    caching: Option<String>,
    lun: Option<u8>,
    size_gb: Option<u32>,
    /// Set when the disk is imported from a restored VHD: the script's variable holding it.
    import: Option<ImportCtx>,
}

/// A restored VHD that the script imports as a managed disk before building the VM.
#[derive(Serialize, Clone)]
pub struct ImportCtx {
    /// The key (ours, never input) under which the script keeps the new disk.
    var: String,
    /// Appended to the VM's name to name the disk, as the ARM template does.
    suffix: String,
    uri: String,
    account: String,
    os_type: Option<&'static str>,
    /// Single-pass ADE keeps its settings on the OS disk object.
    encrypt: bool,
    /// The VM's zones and whether ADE has a KEK, carried by each import: a template never reads
    /// out of its loop (`../x`; `prebuilt.rs` says why).
    zones: Vec<String>,
    kek: bool,
}

/// A restored disk the script finds by name.
#[derive(Serialize)]
pub struct NamedCtx {
    key: String,
    name: String,
}

#[derive(Serialize)]
pub struct PlanCtx {
    name: String,
    publisher: Option<String>,
    product: Option<String>,
    promotion_code: Option<String>,
}

/// Each UEFI setting as the source states it; both flags false when it says nothing.
#[derive(Serialize)]
pub struct TrustedLaunchCtx {
    uefi: bool,
    secure_boot_on: bool,
    secure_boot_off: bool,
    vtpm_on: bool,
    vtpm_off: bool,
}

/// `New-AzVMConfig`'s identity parameters (ExplicitIdentityParameterSet).
#[derive(Serialize)]
pub struct IdentityCtx {
    /// `SystemAssigned`, `UserAssigned` or `SystemAssignedUserAssigned`.
    kind: &'static str,
    user_assigned: Vec<String>,
    encryption_identity: Option<String>,
    system_assigned: bool,
}

#[derive(Serialize)]
pub struct SpotCtx {
    priority: String,
    eviction_policy: Option<String>,
    /// The number's JSON text, passed as a literal that PowerShell binds to `[double]`.
    max_price: Option<String>,
}

#[derive(Serialize)]
pub struct PlacementCtx {
    proximity_placement_group: Option<String>,
    host: Option<String>,
    host_group: Option<String>,
    capacity_reservation_group: Option<String>,
    /// `-EnableUltraSSD` / `-HibernationEnabled` are switches: given when the source had them on.
    ultra_ssd: bool,
    hibernation: bool,
    disk_controller_type: Option<String>,
}

#[derive(Serialize)]
pub struct TagCtx {
    key: String,
    value: String,
}

#[derive(Serialize)]
pub struct AdeCtx {
    aad: bool,
    /// `None` for single-pass on managed disks: the script then takes the vault URI itself.
    secret_url: Option<String>,
    vault_uri: String,
    key_vault_id: String,
    kek_url: Option<String>,
    kek_vault_id: Option<String>,
    kek_algorithm: Option<&'static str>,
    volume_type: &'static str,
    aad_client_id: Option<String>,
    /// The extension as the ARM template installs it, and the script installs it the same way
    /// (`Set-AzVMExtension`) for every flavour: `Set-AzVMDiskEncryptionExtension` takes only two
    /// of the three KEK algorithms the extension accepts, and with Azure AD it runs a second pass.
    extension_type: &'static str,
    extension_version: &'static str,
}

#[derive(Serialize)]
pub struct ScriptContext {
    description: String,
    resource_group: Option<String>,
    /// `--vm-name`; without it the script asks, as the source's name could target the live VM.
    vm_name: Option<String>,
    location: Option<String>,
    vm_size: String,
    virtual_network: Option<String>,
    virtual_network_resource_group: Option<String>,
    subnet: Option<String>,
    public_ip: bool,
    /// The source NIC's network security group (from Backup's template).
    network_security_group: Option<String>,
    /// The group the named restored disks are looked up in (`-RestoredDisksResourceGroupName`).
    restored_disks_group: Option<String>,
    /// The disks the config names, OS disk first, looked up before the VM is built.
    named: Vec<NamedCtx>,
    availability_set_id: Option<String>,
    license_type: Option<String>,
    zones: Vec<String>,
    tags: Vec<TagCtx>,
    windows: bool,
    /// `New-AzVM -DisableBginfoExtension`: on Windows, unless the source had BGInfo.
    no_bginfo: bool,
    /// Imports first, OS disk first; empty for a managed source.
    imports: Vec<ImportCtx>,
    plan: Option<PlanCtx>,
    /// The plan names its publisher and product, so its Marketplace terms can be checked.
    plan_terms: bool,
    trusted_launch: Option<TrustedLaunchCtx>,
    identity: Option<IdentityCtx>,
    /// `New-AzVMConfig`'s `-Priority`, `-EvictionPolicy`, `-MaxPrice` as the source had them.
    spot: Option<SpotCtx>,
    /// The source's boot diagnostics storage URI; `None`: managed storage.
    boot_diagnostics_storage: Option<String>,
    /// Placement ids (script parameters defaulting to the source's) and capabilities.
    placement: PlacementCtx,
    os_disk: DiskCtx,
    data_disks: Vec<DiskCtx>,
    ade: Option<AdeCtx>,
    /// The steps before `New-AzVM`: preflight, OS disk re-stamp, key restore.
    prepare: Option<super::prepare::StepsCtx>,
    /// The new NICs, primary first (empty when the source's are reused).
    nics: Vec<NicCtx>,
    /// `--reuse-source-nics`: the source NIC ids, checked (`prepare/nics`) then attached.
    source_nics: Vec<String>,
    /// `-NicSubnetIds` is declared: more than one NIC, or `--nic-subnet` moved the primary.
    nic_subnet_ids: bool,
}

/// One new NIC of the script.
#[derive(Serialize)]
pub struct NicCtx {
    /// Its place on the new VM, as `inspect` numbers it.
    index: usize,
    primary: bool,
    /// Appended to `$NetworkInterfaceName` (`''` for the primary, `-1`, `-2`... for the others).
    suffix: String,
    /// Its entry in `-NicSubnetIds`: the `--nic-subnet` id, or empty (the network's subnet).
    subnet_id: String,
    accelerated_networking: bool,
    ip_forwarding: bool,
    /// The primary carries the public IP, when asked for, and Backup's template's NSG.
    public_ip: bool,
    nsg: bool,
    /// `-NicSubnetIds` is declared (the script's `nic_subnet_ids`, carried by each NIC: a
    /// template never reads out of its loop).
    subnet_ids: bool,
}

fn nic_ctxs(r: &Restore) -> Vec<NicCtx> {
    if r.reuse_source_nics {
        return Vec::new();
    }
    let count = r.nics.len().max(1);
    (0..count)
        .map(|i| {
            let n = r.nics.get(i);
            let on = |f: Option<&crate::model::Fact<bool>>| f.is_some_and(|f| f.value);
            NicCtx {
                index: i,
                primary: i == 0,
                suffix: if i == 0 {
                    String::new()
                } else {
                    format!("-{i}")
                },
                subnet_id: n
                    .and_then(|n| n.subnet_id.as_ref())
                    .map(|f| f.value.clone())
                    .unwrap_or_default(),
                accelerated_networking: on(n.and_then(|n| n.accelerated_networking.as_ref())),
                ip_forwarding: on(n.and_then(|n| n.ip_forwarding.as_ref())),
                public_ip: i == 0 && r.network.public_ip,
                nsg: i == 0 && r.network.network_security_group.is_some(),
                subnet_ids: false,
            }
        })
        .collect()
}

fn disk_ctx(d: &crate::model::Disk, lun: Option<u8>) -> DiskCtx {
    let (name, source, lookup) = match &d.source {
        DiskSource::Managed {
            id: ManagedDisk::Id { id, .. },
            ..
        } => (id.name().to_owned(), id.as_str().to_owned(), None),
        DiskSource::Managed {
            id: ManagedDisk::Named { name, .. },
            ..
        } => {
            let key = lun.map_or_else(|| "os".to_owned(), |l| format!("lun{l}"));
            (name.as_str().to_owned(), String::new(), Some(key))
        }
        DiskSource::Vhd { .. } => (String::new(), String::new(), None),
    };
    DiskCtx {
        name,
        source,
        lookup,
        caching: d.caching.clone(),
        lun,
        size_gb: d.size_gb,
        import: None,
    }
}

fn import_ctx(r: &Restore, d: &crate::model::Disk, lun: Option<u8>) -> Option<ImportCtx> {
    let DiskSource::Vhd { uri } = &d.source else {
        return None;
    };
    let (var, suffix) = match lun {
        None => ("os".to_owned(), "-osdisk".to_owned()),
        Some(l) => (format!("lun{l}"), format!("-datadisk-lun{l}")),
    };
    Some(ImportCtx {
        var,
        suffix,
        uri: uri.as_str().to_owned(),
        account: uri.storage_account().to_owned(),
        os_type: None,
        encrypt: false,
        zones: r.zones.clone(),
        kek: r.encryption.ade().is_some_and(|a| a.kek.is_some()),
    })
}

pub fn context(r: &Restore) -> ScriptContext {
    let os = r.disks.os();
    // The restored managed OS disk's group is where Azure Backup put the disks: the natural
    // home for the VM. Unmanaged restores give no such hint, so the parameter is mandatory.
    let resource_group = r.home_resource_group().map(str::to_owned);
    let restored_disks_group = match &os.source {
        DiskSource::Managed {
            id: ManagedDisk::Named { group, .. },
            ..
        } => Some(group.value.clone()),
        _ => None,
    };
    let ade = match &r.encryption {
        Encryption::None { .. } => None,
        Encryption::Ade(a) => Some(AdeCtx {
            aad: a.flavour.value.is_aad(),
            secret_url: a.secret_url.as_ref().map(|s| s.value.as_str().to_owned()),
            vault_uri: a.vault_uri.value.clone(),
            key_vault_id: a.key_vault.value.as_str().to_owned(),
            kek_url: a.kek.as_ref().map(|k| k.url.value.as_str().to_owned()),
            kek_vault_id: a.kek.as_ref().map(|k| k.vault.value.as_str().to_owned()),
            kek_algorithm: a.kek.as_ref().map(|k| k.algorithm.value.as_str()),
            volume_type: a.volume_type.value.as_str(),
            aad_client_id: a.aad_client_id.as_ref().map(|f| f.value.clone()),
            extension_type: ade_extension(r.os.value, a.flavour.value).kind,
            extension_version: ade_extension(r.os.value, a.flavour.value).version,
        }),
    };
    let single_pass = r.encryption.is_single_pass();
    let mut imports = Vec::new();
    let mut os_disk = disk_ctx(os, None);
    if let Some(mut i) = import_ctx(r, os, None) {
        i.os_type = Some(r.os.value.as_str());
        i.encrypt = single_pass;
        os_disk.import = Some(i.clone());
        imports.push(i);
    }
    let data_disks: Vec<DiskCtx> = r
        .disks
        .data()
        .iter()
        .map(|d| {
            let mut ctx = disk_ctx(&d.disk, Some(d.lun));
            if let Some(i) = import_ctx(r, &d.disk, Some(d.lun)) {
                ctx.import = Some(i.clone());
                imports.push(i);
            }
            ctx
        })
        .collect();
    let named = std::iter::once(&os_disk)
        .chain(data_disks.iter())
        .filter_map(|d: &DiskCtx| {
            d.lookup.as_ref().map(|key| NamedCtx {
                key: key.clone(),
                name: d.name.clone(),
            })
        })
        .collect();
    let mut nics = nic_ctxs(r);
    let nic_subnet_ids = nics.len() > 1 || nics.iter().any(|n| !n.subnet_id.is_empty());
    for n in &mut nics {
        n.subnet_ids = nic_subnet_ids;
    }
    ScriptContext {
        nic_subnet_ids,
        nics,
        source_nics: super::prepare::source_nics(r),
        description: super::describe::case(r),
        network_security_group: r
            .network
            .network_security_group
            .as_ref()
            .map(|n| n.value.clone()),
        restored_disks_group,
        named,
        resource_group,
        vm_name: r.vm_name.as_ref().map(|f| f.value.clone()),
        location: r.location.as_ref().map(|l| l.value.clone()),
        vm_size: r.vm_size.value.clone(),
        virtual_network: r.network.virtual_network.clone(),
        virtual_network_resource_group: r.network.virtual_network_resource_group.clone(),
        subnet: r.network.subnet.clone(),
        public_ip: r.network.public_ip,
        availability_set_id: r.availability_set_id.as_ref().map(|f| f.value.clone()),
        license_type: r.license_type.clone(),
        zones: r.zones.clone(),
        tags: r
            .tags
            .iter()
            .map(|(k, v)| TagCtx {
                key: k.clone(),
                value: v.clone(),
            })
            .collect(),
        windows: r.os.value == OsType::Windows,
        no_bginfo: r.os.value == OsType::Windows && !r.extensions.iter().any(|e| e.is_bginfo()),
        imports,
        plan: r.plan.as_ref().map(|p| PlanCtx {
            name: p.name.clone(),
            publisher: p.publisher.clone(),
            product: p.product.clone(),
            promotion_code: p.promotion_code.clone(),
        }),
        plan_terms: r
            .plan
            .as_ref()
            .is_some_and(|p| p.publisher.is_some() && p.product.is_some()),
        trusted_launch: r.trusted_launch.as_ref().map(|t| TrustedLaunchCtx {
            uefi: t.secure_boot.is_some() || t.vtpm.is_some(),
            secure_boot_on: t.secure_boot == Some(true),
            secure_boot_off: t.secure_boot == Some(false),
            vtpm_on: t.vtpm == Some(true),
            vtpm_off: t.vtpm == Some(false),
        }),
        identity: r.identity.as_ref().map(|i| IdentityCtx {
            kind: i.ps_type(),
            user_assigned: i.user_assigned.clone(),
            encryption_identity: r.encryption_identity.as_ref().map(|f| f.value.clone()),
            system_assigned: i.system_assigned,
        }),
        spot: r.spot.as_ref().map(|s| SpotCtx {
            priority: s.priority.clone(),
            eviction_policy: s.eviction_policy.clone(),
            max_price: s.max_price.as_ref().map(ToString::to_string),
        }),
        boot_diagnostics_storage: r.boot_diagnostics_storage.as_ref().map(|f| f.value.clone()),
        placement: {
            let pl = &r.placement;
            let v = |f: &Option<crate::model::Fact<String>>| f.as_ref().map(|f| f.value.clone());
            PlacementCtx {
                proximity_placement_group: v(&pl.proximity_placement_group),
                host: v(&pl.host),
                host_group: v(&pl.host_group),
                capacity_reservation_group: v(&pl.capacity_reservation_group),
                ultra_ssd: pl.ultra_ssd.as_ref().is_some_and(|f| f.value),
                hibernation: pl.hibernation.as_ref().is_some_and(|f| f.value),
                disk_controller_type: v(&pl.disk_controller_type),
            }
        },
        os_disk,
        data_disks,
        ade,
        prepare: super::prepare::steps(r),
    }
}
