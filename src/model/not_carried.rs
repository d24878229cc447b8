//! The one list of what the outputs carry and what they do not, field by field of the source
//! VM's model (issue 18): [`CARRIED`] names every field an output carries (as a value, an id or
//! a parameter default) or that decides something (the disks, the keys); [`NOT_CARRIED`] names
//! every other field with the one-line reason it is not carried. `inspect` shows the entries of
//! [`NOT_CARRIED`] the source has, so nothing the source had is dropped without a word, and
//! `tests/fields.rs` checks that every field of every fixture's config is in one list or the
//! other. Paths are in Azure's spelling, `properties` nested, `[]` for every array element; an
//! entry covers the fields below it, and the longest entry that covers a field decides.
//! A leaf: it imports nothing.

/// A field the outputs do not carry, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct NotCarried {
    pub field: &'static str,
    pub reason: &'static str,
}

/// Fields the outputs carry or act on.
pub const CARRIED: &[&str] = &[
    "name",
    "id",
    "type",
    "location",
    "tags",
    "zones",
    "plan",
    "identity.type",
    "identity.userAssignedIdentities",
    "properties.hardwareProfile.vmSize",
    "properties.availabilitySet",
    "properties.licenseType",
    "properties.securityProfile.securityType",
    "properties.securityProfile.uefiSettings",
    "properties.securityProfile.encryptionIdentity",
    "properties.priority",
    "properties.evictionPolicy",
    "properties.billingProfile",
    "properties.proximityPlacementGroup",
    "properties.host",
    "properties.hostGroup",
    "properties.capacityReservation",
    "properties.additionalCapabilities",
    "properties.diagnosticsProfile.bootDiagnostics",
    "properties.storageProfile.diskControllerType",
    // Every NIC: a new one per source NIC, primary first, with the flags the config states, or
    // the source NIC itself by id (`--reuse-source-nics`).
    "properties.networkProfile.networkInterfaces[].id",
    "properties.networkProfile.networkInterfaces[].properties.primary",
    "properties.networkProfile.networkInterfaceConfigurations[].name",
    "properties.networkProfile.networkInterfaceConfigurations[].properties.primary",
    "properties.networkProfile.networkInterfaceConfigurations[].properties.enableAcceleratedNetworking",
    "properties.networkProfile.networkInterfaceConfigurations[].properties.enableIPForwarding",
    "properties.storageProfile.osDisk.name",
    "properties.storageProfile.osDisk.osType",
    "properties.storageProfile.osDisk.caching",
    "properties.storageProfile.osDisk.managedDisk.id",
    "properties.storageProfile.osDisk.vhd",
    "properties.storageProfile.osDisk.encryptionSettings",
    "properties.storageProfile.dataDisks[].lun",
    "properties.storageProfile.dataDisks[].name",
    "properties.storageProfile.dataDisks[].caching",
    "properties.storageProfile.dataDisks[].diskSizeGB",
    "properties.storageProfile.dataDisks[].managedDisk.id",
    "properties.storageProfile.dataDisks[].vhd",
    // The extensions: ADE's settings are read and ADE re-applied; every other extension is
    // listed by `inspect` and the next steps as not re-installed.
    "resources[].properties.publisher",
    "resources[].properties.type",
    "resources[].properties.typeHandlerVersion",
    "resources[].properties.settings",
];

/// Fields the outputs do not carry, each with its reason.
pub const NOT_CARRIED: &[NotCarried] = &[
    NotCarried {
        field: "identity.principalId",
        reason: "Azure creates a new system-assigned principal for the new VM; grant it the old one's roles and access again",
    },
    NotCarried {
        field: "identity.tenantId",
        reason: "set by Azure with the new principal",
    },
    NotCarried {
        field: "properties.osProfile",
        reason: "a VM built on an existing OS disk takes no OS profile: the restored disk keeps the guest's accounts, name and settings",
    },
    NotCarried {
        field: "properties.storageProfile.imageReference",
        reason: "the VM is built on the restored OS disk, not from an image (a Marketplace plan is carried)",
    },
    NotCarried {
        field: "properties.storageProfile.osDisk.createOption",
        reason: "always Attach: the VM is built on the restored disk",
    },
    NotCarried {
        field: "properties.storageProfile.dataDisks[].createOption",
        reason: "always Attach: the VM is built on the restored disks",
    },
    NotCarried {
        field: "properties.storageProfile.osDisk.diskSizeGB",
        reason: "an attached OS disk keeps its own size",
    },
    NotCarried {
        field: "properties.storageProfile.osDisk.managedDisk.storageAccountType",
        reason: "an attached disk keeps the type the restore gave it (change it on the disk)",
    },
    NotCarried {
        field: "properties.storageProfile.dataDisks[].managedDisk.storageAccountType",
        reason: "an attached disk keeps the type the restore gave it (change it on the disk)",
    },
    NotCarried {
        field: "properties.storageProfile.osDisk.managedDisk.diskEncryptionSet",
        reason: "disks encrypted with customer-managed keys are refused: restore them with Azure Backup's template",
    },
    NotCarried {
        field: "properties.storageProfile.dataDisks[].managedDisk.diskEncryptionSet",
        reason: "disks encrypted with customer-managed keys are refused: restore them with Azure Backup's template",
    },
    NotCarried {
        field: "properties.storageProfile.osDisk.managedDisk.securityProfile",
        reason: "the restored disk keeps its own security profile (Confidential VMs are refused)",
    },
    NotCarried {
        field: "properties.storageProfile.osDisk.deleteOption",
        reason: "Azure's default for an attached disk (Detach): the restored disk outlives the VM",
    },
    NotCarried {
        field: "properties.storageProfile.dataDisks[].deleteOption",
        reason: "Azure's default for an attached disk (Detach): the restored disks outlive the VM",
    },
    NotCarried {
        field: "properties.storageProfile.osDisk.writeAcceleratorEnabled",
        reason: "not carried: enable it on the new VM if its size supports Write Accelerator",
    },
    NotCarried {
        field: "properties.storageProfile.dataDisks[].writeAcceleratorEnabled",
        reason: "not carried: enable it on the new VM if its size supports Write Accelerator",
    },
    NotCarried {
        field: "properties.storageProfile.osDisk.diffDiskSettings",
        reason: "an ephemeral OS disk is not restored as one: the restored OS disk is a managed disk",
    },
    NotCarried {
        field: "properties.storageProfile.dataDisks[].toBeDetached",
        reason: "a detach in progress on the source; the restored disk is attached",
    },
    NotCarried {
        field: "properties.storageProfile.dataDisks[].diskIOPSReadWrite",
        reason: "read-only: Ultra disk performance is set on the disk",
    },
    NotCarried {
        field: "properties.storageProfile.dataDisks[].diskMBpsReadWrite",
        reason: "read-only: Ultra disk performance is set on the disk",
    },
    NotCarried {
        field: "properties.networkProfile",
        reason: "each source NIC becomes a new NIC in the chosen subnet (or is reused by id with --reuse-source-nics); inspect lists each and what it becomes",
    },
    NotCarried {
        field: "properties.networkProfile.networkInterfaces[].properties.deleteOption",
        reason: "Azure's default for a NIC reference (Detach): the NICs outlive the VM",
    },
    NotCarried {
        field: "properties.networkProfile.networkApiVersion",
        reason: "the outputs create the NICs as Microsoft.Network resources, not through Compute's NIC configurations",
    },
    NotCarried {
        field: "properties.networkProfile.networkInterfaceConfigurations",
        reason: "of a NIC configuration only its primary flag, accelerated networking and IP forwarding are carried: a new NIC gets a dynamic private IP in the chosen subnet, without the source's IP configurations, DNS settings or NSG; --reuse-source-nics keeps them all",
    },
    NotCarried {
        field: "properties.hardwareProfile.vmSizeProperties",
        reason: "vCPU customisation is not carried: set it on the new VM if the source used it",
    },
    NotCarried {
        field: "properties.securityProfile.encryptionAtHost",
        reason: "not carried: enable encryption at host on the new VM (it needs the subscription feature)",
    },
    NotCarried {
        field: "properties.securityProfile.proxyAgentSettings",
        reason: "not carried: configure the guest proxy agent on the new VM",
    },
    NotCarried {
        field: "properties.userData",
        reason: "not carried: a config blob does not show whether it is whole; give it again to the new VM",
    },
    NotCarried {
        field: "properties.scheduledEventsProfile",
        reason: "not carried: configure scheduled events on the new VM",
    },
    NotCarried {
        field: "properties.applicationProfile",
        reason: "gallery applications are not carried: assign them to the new VM",
    },
    NotCarried {
        field: "properties.virtualMachineScaleSet",
        reason: "a restored VM is a standalone VM, outside the scale set",
    },
    NotCarried {
        field: "properties.platformFaultDomain",
        reason: "belongs to a scale set's placement; the new VM is standalone",
    },
    NotCarried {
        field: "properties.extensionsTimeBudget",
        reason: "not carried: Azure's default applies",
    },
    NotCarried {
        field: "properties.vmId",
        reason: "set by Azure for each VM",
    },
    NotCarried {
        field: "properties.provisioningState",
        reason: "set by Azure for each VM",
    },
    NotCarried {
        field: "properties.timeCreated",
        reason: "set by Azure for each VM",
    },
    NotCarried {
        field: "properties.instanceView",
        reason: "the source's run-time state, set by Azure",
    },
    NotCarried {
        field: "resources",
        reason: "extension resources: Azure Disk Encryption is re-applied, every other extension is listed as not re-installed",
    },
    NotCarried {
        field: "extendedLocation",
        reason: "Edge Zones are not carried: the VM goes to the region",
    },
    NotCarried {
        field: "managedBy",
        reason: "set by the service that managed the source",
    },
    NotCarried {
        field: "etag",
        reason: "set by Azure for each VM",
    },
];

/// Whether `entry` (Azure spelling) covers `field` (any case): the same path, or a path below it.
pub fn covers(entry: &str, field: &str) -> bool {
    // Byte-wise, without allocating: a config lists hundreds of fields and each is compared with
    // every entry (this was most of an `inspect`'s CPU with lower-cased copies).
    let (e, f) = (entry.as_bytes(), field.as_bytes());
    f.len() >= e.len()
        && f[..e.len()].eq_ignore_ascii_case(e)
        && (f.len() == e.len() || matches!(f[e.len()], b'.' | b'['))
}

/// What decides `field`: `Ok(entry)` of [`CARRIED`], `Err(Some(entry))` of [`NOT_CARRIED`], or
/// `Err(None)` when neither list names it. The longest covering entry decides.
pub fn decide(field: &str) -> Result<&'static str, Option<&'static NotCarried>> {
    let carried = CARRIED
        .iter()
        .filter(|c| covers(c, field))
        .max_by_key(|c| c.len());
    let not = NOT_CARRIED
        .iter()
        .filter(|n| covers(n.field, field))
        .max_by_key(|n| n.field.len());
    match (carried, not) {
        (Some(c), Some(n)) if n.field.len() > c.len() => Err(Some(n)),
        (Some(c), _) => Ok(c),
        (None, n) => Err(n),
    }
}

/// The entries of [`NOT_CARRIED`] that the given fields (a config's, as the input layer lists
/// them) fall under, in table order.
pub fn present(fields: &[String]) -> Vec<NotCarried> {
    // Each field decided once, then the table walked in its order.
    let hit: Vec<&NotCarried> = fields
        .iter()
        .filter_map(|f| decide(f).err().flatten())
        .collect();
    NOT_CARRIED
        .iter()
        .filter(|n| hit.iter().any(|h| std::ptr::eq(*h, *n)))
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_entry_decides_at_segment_boundaries() {
        assert_eq!(
            decide("properties.osprofile.computername"),
            Err(NOT_CARRIED
                .iter()
                .find(|n| n.field == "properties.osProfile"))
        );
        assert_eq!(
            decide("resources[].properties.publisher"),
            Ok("resources[].properties.publisher")
        );
        assert!(matches!(decide("resources[].name"), Err(Some(n)) if n.field == "resources"));
        assert_eq!(
            decide("properties.hostgroupx"),
            Err(None),
            "not a segment of hostGroup"
        );
        assert_eq!(decide("something.new"), Err(None));
        let fields = vec!["properties.vmid".to_owned(), "name".to_owned()];
        assert_eq!(
            present(&fields).iter().map(|n| n.field).collect::<Vec<_>>(),
            ["properties.vmId"]
        );
    }

    #[test]
    fn no_field_is_in_both_lists_and_every_entry_has_a_reason() {
        for n in NOT_CARRIED {
            assert!(
                !CARRIED.iter().any(|c| c.eq_ignore_ascii_case(n.field)),
                "{}",
                n.field
            );
            assert!(!n.reason.trim().is_empty(), "{}", n.field);
        }
    }
}
