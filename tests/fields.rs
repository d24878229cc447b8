//! The not-carried table against the fixtures (issue 18): every field that any valid fixture's
//! config holds must be in `model::not_carried::CARRIED` or in `NOT_CARRIED` with its reason,
//! so a source field the outputs drop can never go unsaid. A new fixture with a field neither
//! list names fails here until the field is carried or listed with why it is not.

use restore_deploy::model::not_carried::{decide, CARRIED, NOT_CARRIED};
use serde_json::Value;

use crate::support;

/// The fields of one config that neither list names.
fn unlisted(config: &Value) -> Vec<String> {
    restore_deploy::input::config_fields(config.clone())
        .expect("a fixture's config normalises")
        .into_iter()
        .filter(|f| decide(f) == Err(None))
        .collect()
}

#[test]
fn every_config_field_of_every_fixture_is_carried_or_said_not_to_be() {
    let mut missing = Vec::new();
    let mut fields = 0;
    for (name, fx) in support::fixtures("valid") {
        let Some(config) = fx.get("config").filter(|c| c.is_object()) else {
            continue;
        };
        fields += restore_deploy::input::config_fields(config.clone())
            .expect("normalises")
            .len();
        for f in unlisted(config) {
            missing.push(format!("{name}: {f}"));
        }
    }
    assert!(fields > 1000, "the fixtures' fields are read ({fields})");
    assert!(
        missing.is_empty(),
        "fields neither carried nor in NOT_CARRIED (src/model/not_carried.rs):\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn a_field_no_list_names_is_caught_and_both_spellings_are_one_field() {
    let dotted = serde_json::json!({"name": "vm", "properties.somethingNew": {"x": 1}});
    assert_eq!(unlisted(&dotted), ["properties.somethingnew.x"]);
    let nested = serde_json::json!({"name": "vm", "properties": {"somethingNew": {"x": 1}}});
    assert_eq!(unlisted(&nested), unlisted(&dotted));
    // Nulls are no field (Newtonsoft writes every absent member as null).
    let nulls = serde_json::json!({"properties.osProfile": null, "plan": null});
    assert!(restore_deploy::input::config_fields(nulls)
        .expect("ok")
        .is_empty());
}

#[test]
fn the_fixtures_show_fields_of_both_lists() {
    // The table is not only complete but used: some fixture has a field nothing carries.
    let mut seen_not_carried = false;
    for (_, fx) in support::fixtures("valid") {
        if let Some(config) = fx.get("config").filter(|c| c.is_object()) {
            let fields = restore_deploy::input::config_fields(config.clone()).expect("ok");
            seen_not_carried |= fields.iter().any(|f| matches!(decide(f), Err(Some(n)) if n.field != "properties.networkProfile" && n.field != "resources"));
        }
    }
    assert!(seen_not_carried, "a fixture shows a field nothing carries");
    assert!(CARRIED.len() > 20 && NOT_CARRIED.len() > 20);
}
