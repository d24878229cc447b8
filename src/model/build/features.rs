//! The source VM's managed identities, read from the config in either spelling (normalisation
//! folds dotted `properties.*` keys into `properties`; `identity` is top-level in both).

use super::context::{Config, Problems};
use crate::error::Code;
use crate::model::ade_extension::AdeExtension;
use crate::model::features::{Identity, SourceExtension, Spot};
use crate::model::provenance::Fact;

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

/// The warning every format shows for a system-assigned identity: the new VM's is a new principal.
pub(super) fn warnings(identity: Option<&Identity>) -> Vec<String> {
    match identity {
        Some(i) if i.system_assigned => vec![format!(
            "warning: the source VM had a system-assigned managed identity{}: the new VM gets a NEW principal, so role assignments and Key Vault access policies that named the old one do not apply to it; grant them again to the new principal after deployment (the next steps give the commands)",
            i.source_principal_id
                .as_deref()
                .map(|p| format!(" (principal {p})"))
                .unwrap_or_default()
        )],
        _ => Vec::new(),
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
