//! What Azure needs, beyond the disks, to accept the restored OS disk: the Marketplace plan the
//! image was bought under, and the Trusted Launch security profile. Azure refuses a VM without
//! the plan of a plan image's disk, and a VM whose security type differs from its OS disk's.

use super::context::Config;
use crate::model::restore::{Plan, TrustedLaunch};

pub(super) fn plan(cfg: Config) -> Option<Plan> {
    let p = cfg.vm.plan.as_ref()?;
    let name = p.name.clone().filter(|n| !n.trim().is_empty())?;
    Some(Plan {
        name,
        publisher: p.publisher.clone(),
        product: p.product.clone(),
        promotion_code: p.promotioncode.clone().filter(|c| !c.is_empty()),
    })
}

/// The source's Trusted Launch profile. Confidential VMs are refused elsewhere; any other
/// security type (or none) is a standard VM, which needs nothing.
pub(super) fn trusted_launch(cfg: Config) -> Option<TrustedLaunch> {
    let sp = cfg.vm.properties.as_ref()?.securityprofile.as_ref()?;
    let tl = sp
        .securitytype
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("TrustedLaunch"));
    tl.then(|| {
        let uefi = sp.uefisettings.as_ref();
        TrustedLaunch {
            secure_boot: uefi.and_then(|u| u.securebootenabled),
            vtpm: uefi.and_then(|u| u.vtpmenabled),
        }
    })
}

#[cfg(test)]
mod tests {
    use crate::model::test_inputs::inputs;
    use crate::model::{build, Overrides};

    const TL: &str = r#"{"name": "vm1", "plan": {"name": "9-lvm-gen2", "publisher": "redhat", "product": "rhel-byos", "promotionCode": ""},
      "properties.hardwareProfile": {"vmSize": "Standard_D2s_v3"},
      "properties.securityProfile": {"securityType": "TrustedLaunch", "uefiSettings": {"secureBootEnabled": true, "vTpmEnabled": false}},
      "properties.storageProfile": {"osDisk": {"osType": "Linux",
        "managedDisk": {"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/disks/os"}}}}"#;

    #[test]
    fn plan_and_trusted_launch_are_carried_as_the_source_had_them() {
        let r = build(&inputs(TL, None, None, Overrides::default())).expect("valid");
        let plan = r.plan.expect("plan");
        assert_eq!(
            (
                plan.name.as_str(),
                plan.publisher.as_deref(),
                plan.product.as_deref()
            ),
            ("9-lvm-gen2", Some("redhat"), Some("rhel-byos"))
        );
        assert_eq!(plan.promotion_code, None, "an empty code is no code");
        let tl = r.trusted_launch.expect("trusted launch");
        assert_eq!((tl.secure_boot, tl.vtpm), (Some(true), Some(false)));
        let plain = TL.replace("TrustedLaunch", "Standard");
        let r = build(&inputs(&plain, None, None, Overrides::default())).expect("valid");
        assert!(r.trusted_launch.is_none());
    }
}
