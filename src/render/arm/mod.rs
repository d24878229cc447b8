//! The ARM bundle's typed contexts. Every decision (API versions, extension version, parameter
//! names, which blocks exist) is made here; the templates only lay the document out.
//! `parameters` builds the parameter declarations and the parameters file's values; `resources`
//! builds the disks and the ADE extension.

mod imported;
mod nics;
mod parameters;
mod resources;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::model::Restore;
use imported::{ImportedDisk, DISKS_API};
pub(crate) use parameters::Param;
use resources::{DataDiskJson, ExtensionJson, OsDiskJson};

pub const COMPUTE_API: &str = "2024-07-01";
pub const NETWORK_API: &str = "2024-05-01";

/// A string from the inputs placed where ARM evaluates expressions. ARM reads a string that
/// starts with `[` and ends with `]` as an expression; a leading `[[` makes it a literal again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArmLiteral(pub String);

impl ArmLiteral {
    pub fn escaped(&self) -> String {
        arm_literal(&self.0)
    }
}

pub fn arm_literal(s: &str) -> String {
    if s.starts_with('[') && s.ends_with(']') {
        format!("[{s}")
    } else {
        s.to_owned()
    }
}

impl Serialize for ArmLiteral {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.escaped())
    }
}

fn lit(s: &str) -> ArmLiteral {
    ArmLiteral(s.to_owned())
}

/// Context of `azuredeploy.json`.
#[derive(Serialize)]
pub struct TemplateContext {
    compute_api: &'static str,
    network_api: &'static str,
    description: String,
    parameters: Map<String, Value>,
    variables: Map<String, Value>,
    tags: Map<String, Value>,
    zones: Option<Vec<ArmLiteral>>,
    license_type: Option<ArmLiteral>,
    availability_set: bool,
    public_ip: bool,
    /// The new NICs, primary first (none when the source's are reused).
    nics: Vec<InLoop<nics::NicJson>>,
    /// The VM's `networkProfile.networkInterfaces`.
    network_interfaces: Vec<Value>,
    /// The source's Marketplace plan (`name`, `publisher`, `product`, `promotionCode`).
    plan: Option<Value>,
    /// Trusted Launch and ADE's encryption identity, as the source had them.
    security_profile: Option<Value>,
    /// The source's managed identities (`type`, `userAssignedIdentities` keyed by id).
    identity: Option<Value>,
    /// `priority`, `evictionPolicy`, `billingProfile`, the placement ids (as parameters) and
    /// `additionalCapabilities`: the VM's own properties, as the source's.
    vm_properties: Map<String, Value>,
    /// `storageProfile.diskControllerType`, as the source's.
    disk_controller_type: Option<String>,
    /// `bootDiagnostics` (always enabled), with the source's storage URI when it had one.
    boot_diagnostics: Value,
    /// Disks the template creates from restored VHDs, OS disk first.
    imported_disks: Vec<InLoop<ImportedDisk>>,
    /// What the VM waits for: the new network interfaces, then each imported disk.
    vm_depends_on: Vec<String>,
    os_disk: OsDiskJson,
    data_disks: Vec<DataDiskJson>,
    extension: Option<ExtensionJson>,
}

/// A resource made in one of the template's loops, with what it shares with the template's
/// other resources: a template never reads out of its loop (`../x`), a path handlebars builds
/// only by running its parser (`prebuilt.rs` says why that matters).
#[derive(Serialize)]
struct InLoop<T> {
    #[serde(flatten)]
    item: T,
    api: &'static str,
    tags: Map<String, Value>,
    zones: Option<Vec<ArmLiteral>>,
}

/// Context of `azuredeploy.parameters.json`: values as the user will see and edit them. ARM does
/// not evaluate expressions in a parameters file, so values are written as they are.
#[derive(Serialize)]
pub struct ParametersContext {
    parameters: Map<String, Value>,
}

pub fn contexts(r: &Restore) -> (TemplateContext, ParametersContext) {
    let (parameters, values) = parameters::declare(r);
    let ade = resources::ade(r);
    let tags: Map<String, Value> = r
        .tags
        .iter()
        // ARM evaluates expressions in property names too (the documented
        // `[concat('hidden-link:', ...)]` tag pattern), so names get the same escape as values.
        .map(|(k, v)| (arm_literal(k), Value::String(arm_literal(v))))
        .collect();
    let imported_disks = imported::imported_disks(r);
    let mut vm_depends_on = nics::depends_on(r);
    if !imported_disks.is_empty() {
        vm_depends_on.push(imported::disk_id(None));
        vm_depends_on.extend(
            r.disks
                .data()
                .iter()
                .map(|d| imported::disk_id(Some(d.lun))),
        );
    }
    let zones: Option<Vec<ArmLiteral>> =
        (!r.zones.is_empty()).then(|| r.zones.iter().map(|z| lit(z)).collect());
    let imported_disks = imported_disks
        .into_iter()
        .map(|item| InLoop {
            item,
            api: DISKS_API,
            tags: tags.clone(),
            zones: zones.clone(),
        })
        .collect();
    let nics = nics::new_nics(r)
        .into_iter()
        .map(|item| InLoop {
            item,
            api: NETWORK_API,
            tags: tags.clone(),
            zones: None,
        })
        .collect();
    let template = TemplateContext {
        compute_api: COMPUTE_API,
        network_api: NETWORK_API,
        description: super::describe::case(r),
        parameters,
        variables: ade.variables,
        tags,
        zones,
        license_type: r.license_type.as_deref().map(lit),
        availability_set: r.availability_set_id.is_some(),
        public_ip: r.network.public_ip,
        nics,
        network_interfaces: nics::references(r),
        plan: r.plan.as_ref().map(plan),
        security_profile: security_profile(r),
        identity: r.identity.as_ref().map(identity),
        vm_properties: vm_properties(r),
        boot_diagnostics: match &r.boot_diagnostics_storage {
            Some(u) => serde_json::json!({ "enabled": true, "storageUri": arm_literal(&u.value) }),
            None => serde_json::json!({ "enabled": true }),
        },
        disk_controller_type: r
            .placement
            .disk_controller_type
            .as_ref()
            .map(|f| f.value.clone()),
        imported_disks,
        vm_depends_on,
        os_disk: resources::os_disk(r, ade.encryption_settings),
        data_disks: resources::data_disks(r),
        extension: ade.extension,
    };
    (template, ParametersContext { parameters: values })
}

fn plan(p: &crate::model::Plan) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), Value::String(arm_literal(&p.name)));
    for (k, v) in [
        ("publisher", &p.publisher),
        ("product", &p.product),
        ("promotionCode", &p.promotion_code),
    ] {
        if let Some(v) = v {
            m.insert(k.into(), Value::String(arm_literal(v)));
        }
    }
    Value::Object(m)
}

/// The VM properties carried as values (each only where the source states it), in the order the
/// template writes them.
fn vm_properties(r: &Restore) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(s) = &r.spot {
        m.insert("priority".into(), Value::String(s.priority.clone()));
        if let Some(e) = &s.eviction_policy {
            m.insert("evictionPolicy".into(), Value::String(e.clone()));
        }
        if let Some(p) = &s.max_price {
            m.insert(
                "billingProfile".into(),
                serde_json::json!({ "maxPrice": Value::Number(p.clone()) }),
            );
        }
    }
    let pl = &r.placement;
    let id = |p: Param| serde_json::json!({ "id": p.expr() });
    if pl.proximity_placement_group.is_some() {
        m.insert(
            "proximityPlacementGroup".into(),
            id(Param::ProximityPlacementGroupId),
        );
    }
    if pl.host.is_some() {
        m.insert("host".into(), id(Param::HostId));
    }
    if pl.host_group.is_some() {
        m.insert("hostGroup".into(), id(Param::HostGroupId));
    }
    if pl.capacity_reservation_group.is_some() {
        m.insert(
            "capacityReservation".into(),
            serde_json::json!({ "capacityReservationGroup": id(Param::CapacityReservationGroupId) }),
        );
    }
    let mut caps = Map::new();
    if let Some(u) = &pl.ultra_ssd {
        caps.insert("ultraSSDEnabled".into(), Value::Bool(u.value));
    }
    if let Some(h) = &pl.hibernation {
        caps.insert("hibernationEnabled".into(), Value::Bool(h.value));
    }
    if !caps.is_empty() {
        m.insert("additionalCapabilities".into(), Value::Object(caps));
    }
    m
}

/// ARM `identity`: the ids are the source's, escaped as literals (a key is evaluated too).
fn identity(i: &crate::model::Identity) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), Value::String(i.arm_type().into()));
    if !i.user_assigned.is_empty() {
        let ids = i
            .user_assigned
            .iter()
            .map(|id| (arm_literal(id), Value::Object(Map::new())))
            .collect();
        m.insert("userAssignedIdentities".into(), Value::Object(ids));
    }
    Value::Object(m)
}

/// Trusted Launch and ADE's encryption identity, when the source had either.
fn security_profile(r: &Restore) -> Option<Value> {
    let mut sp = match &r.trusted_launch {
        Some(t) => trusted_launch(t),
        None => Map::new(),
    };
    if let Some(e) = &r.encryption_identity {
        sp.insert(
            "encryptionIdentity".into(),
            serde_json::json!({ "userAssignedIdentityResourceId": arm_literal(&e.value) }),
        );
    }
    (!sp.is_empty()).then_some(Value::Object(sp))
}

fn trusted_launch(t: &crate::model::TrustedLaunch) -> Map<String, Value> {
    let mut uefi = Map::new();
    if let Some(b) = t.secure_boot {
        uefi.insert("secureBootEnabled".into(), Value::Bool(b));
    }
    if let Some(b) = t.vtpm {
        uefi.insert("vTpmEnabled".into(), Value::Bool(b));
    }
    let mut sp = Map::new();
    sp.insert("securityType".into(), Value::String("TrustedLaunch".into()));
    if !uefi.is_empty() {
        sp.insert("uefiSettings".into(), Value::Object(uefi));
    }
    sp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arm_literal_escapes_only_whole_brackets() {
        assert_eq!(arm_literal("[concat('a')]"), "[[concat('a')]");
        assert_eq!(arm_literal("[abc"), "[abc");
        assert_eq!(arm_literal("plain"), "plain");
    }
}
