//! The copies in `tests/data` are exactly what the fixtures' outputs need: every resource type,
//! API version and Az cmdlet they use has its schema or help copied, and nothing else is. So the
//! independent checks read nothing outside the repository, and a product change that needs a new
//! file (or stops needing one) says which, and where it comes from.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::support::validate::coverage::{missing_help, missing_schemas, unused_copies, Missing};
use crate::validation::GENERATED;

#[test]
fn every_schema_and_cmdlet_the_outputs_use_has_a_copy() {
    // One entry per file to copy, with the places that need it: a missing schema shows up in
    // every template.
    let mut fixes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut add = |file: &str, g: &str, missing: Vec<Missing>| {
        for m in missing {
            fixes
                .entry(m.fix)
                .or_default()
                .push(format!("{g}: {file} {}", m.at));
        }
    };
    let (mut templates, mut scripts) = (0, 0);
    for g in GENERATED.iter() {
        if let Some(text) = g.arm_file("azuredeploy.json") {
            let t: Value = serde_json::from_str(text).expect("a generated template is JSON");
            add("azuredeploy.json", &g.name, missing_schemas(&t));
            templates += 1;
        }
        if let Some(text) = g.arm_file("prepare.ps1") {
            add("prepare.ps1", &g.name, missing_help(text));
        }
        add("restore-vm.ps1", &g.name, missing_help(g.script()));
        scripts += 1;
    }
    let report: Vec<String> = fixes
        .iter()
        .map(|(fix, at)| format!("{fix}\n    needed by {} (and {} more)", at[0], at.len() - 1))
        .collect();
    assert!(report.is_empty(), "\n{}", report.join("\n"));
    assert!(
        templates >= 20 && scripts >= 20,
        "{templates} templates, {scripts} scripts"
    );
}

#[test]
fn every_copy_is_needed_by_some_output() {
    let templates: Vec<Value> = GENERATED
        .iter()
        .filter_map(|g| serde_json::from_str(g.arm_file("azuredeploy.json")?).ok())
        .collect();
    let scripts: Vec<&str> = GENERATED
        .iter()
        .flat_map(|g| std::iter::once(g.script()).chain(g.arm_file("prepare.ps1")))
        .collect();
    assert!(templates.len() >= 20 && scripts.len() >= 20);
    let unused = unused_copies(&templates, &scripts);
    assert!(unused.is_empty(), "\n{}", unused.join("\n"));
}
