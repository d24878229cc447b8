//! The VM's network interfaces: a new NIC per source NIC, primary first, each in its subnet
//! (`--nic-subnet`, else the network's) with the source's accelerated networking and IP
//! forwarding where the config states them; or, with `--reuse-source-nics`, the source NICs
//! themselves, referenced by id (`prepare.ps1` checks first that no VM holds them).

use serde::Serialize;
use serde_json::{Map, Value};

use super::arm_literal;
use super::parameters::Param;
use crate::model::Restore;

/// One new NIC resource of the template.
#[derive(Serialize)]
pub struct NicJson {
    /// The resource's name: an expression on `networkInterfaceName`.
    name: String,
    /// Only the primary waits for the public IP it carries.
    depends_on: Vec<String>,
    properties: Value,
}

/// The name of NIC `i`'s subnet parameter, declared when that NIC does not take the network's
/// subnet: every NIC after the primary, and the primary when `--nic-subnet 0=` moves it.
pub(super) fn subnet_param(i: usize) -> String {
    format!("nic{i}SubnetId")
}

/// Whether NIC `i` has its own subnet parameter.
pub(super) fn has_subnet_param(r: &Restore, i: usize) -> bool {
    i > 0 || r.nics.first().is_some_and(|n| n.subnet_id.is_some())
}

/// The network's subnet as an id, from the `virtualNetwork*` and `subnet` parameters.
pub(super) fn default_subnet_expr() -> String {
    format!(
        "resourceId({}, 'Microsoft.Network/virtualNetworks/subnets', {}, {})",
        Param::VirtualNetworkResourceGroup.call(),
        Param::VirtualNetwork.call(),
        Param::Subnet.call()
    )
}

/// NIC `i`'s resource name: the primary is `networkInterfaceName`, the others `<it>-<i>`.
fn name_expr(i: usize) -> String {
    if i == 0 {
        Param::NetworkInterfaceName.call()
    } else {
        format!(
            "format('{{0}}-{i}', {})",
            Param::NetworkInterfaceName.call()
        )
    }
}

/// The new NICs (none when the source's are reused), primary first.
pub(super) fn new_nics(r: &Restore) -> Vec<NicJson> {
    if r.reuse_source_nics {
        return Vec::new();
    }
    // A source without a NIC reference still gets its one new NIC.
    let count = r.nics.len().max(1);
    (0..count)
        .map(|i| {
            let source = r.nics.get(i);
            let primary = i == 0;
            let public_ip = primary && r.network.public_ip;
            let mut ip = Map::new();
            if public_ip {
                ip.insert(
                    "publicIPAddress".into(),
                    serde_json::json!({ "id": public_ip_id() }),
                );
            }
            ip.insert("privateIPAllocationMethod".into(), "Dynamic".into());
            let subnet = if has_subnet_param(r, i) {
                format!("[parameters('{}')]", subnet_param(i))
            } else {
                format!("[{}]", default_subnet_expr())
            };
            ip.insert("subnet".into(), serde_json::json!({ "id": subnet }));
            let mut props = Map::new();
            if primary && r.network.network_security_group.is_some() {
                props.insert(
                    "networkSecurityGroup".into(),
                    serde_json::json!({ "id": Param::NetworkSecurityGroupId.expr() }),
                );
            }
            if let Some(f) = source.and_then(|n| n.accelerated_networking.as_ref()) {
                props.insert("enableAcceleratedNetworking".into(), Value::Bool(f.value));
            }
            if let Some(f) = source.and_then(|n| n.ip_forwarding.as_ref()) {
                props.insert("enableIPForwarding".into(), Value::Bool(f.value));
            }
            props.insert(
                "ipConfigurations".into(),
                serde_json::json!([{ "name": "ipconfig1", "properties": Value::Object(ip) }]),
            );
            NicJson {
                name: format!("[{}]", name_expr(i)),
                depends_on: if public_ip {
                    vec![public_ip_id()]
                } else {
                    Vec::new()
                },
                properties: Value::Object(props),
            }
        })
        .collect()
}

fn public_ip_id() -> String {
    format!(
        "[resourceId('Microsoft.Network/publicIPAddresses', {})]",
        Param::PublicIpAddressName.call()
    )
}

/// The VM's `networkProfile.networkInterfaces`: the new NICs, or the source's by id; `primary`
/// on the first only.
pub(super) fn references(r: &Restore) -> Vec<Value> {
    let ids: Vec<String> = if r.reuse_source_nics {
        r.nics.iter().map(|n| arm_literal(&n.id)).collect()
    } else {
        new_nic_ids(r)
    };
    ids.into_iter()
        .enumerate()
        .map(|(i, id)| serde_json::json!({ "id": id, "properties": { "primary": i == 0 } }))
        .collect()
}

/// What the VM waits for: each new NIC (a reused NIC exists already).
pub(super) fn depends_on(r: &Restore) -> Vec<String> {
    if r.reuse_source_nics {
        return Vec::new();
    }
    new_nic_ids(r)
}

/// The resource ids of the NICs the template creates, primary first (one when the source named
/// none).
fn new_nic_ids(r: &Restore) -> Vec<String> {
    (0..r.nics.len().max(1))
        .map(|i| {
            format!(
                "[resourceId('Microsoft.Network/networkInterfaces', {})]",
                name_expr(i)
            )
        })
        .collect()
}
