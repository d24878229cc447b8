//! Fixtures are claims about Azure (issue 14 item 5): each one's description names the real source
//! its shape rests on, or says it is deliberately broken input. A description that names none of
//! the accepted citations, or a config that gives a disk a `managedDisk.id` (not the shape of the
//! real managed blob) without saying it is the tolerant reader, fails here.

use serde_json::Value;

use crate::support;

/// What a description may cite. Each names a source in `/work/shared/reference/real-inputs/`,
/// `azure-facts.md` or the ARM schemas, or says the input is broken on purpose.
pub const CITATIONS: &[&str] = &[
    // The real managed-disk restore (make_fixtures.py REAL_SHAPE, azure-facts S19).
    "aollivierre/Azure @8633274c",
    // The id shape, with its own source named beside it.
    "tolerant reader",
    // Real jobs, VM model and the unmanaged config excerpt, collected verbatim.
    "real-inputs",
    // Azure/azure-powershell session records and issues (#25943).
    "azure-powershell",
    // The docs: MicrosoftDocs/azure-docs, azure-compute-docs, SupportArticles-docs.
    "MicrosoftDocs",
    // The real unmanaged restores' config blobs (azure-facts S20).
    "sohwaje/Powershell_for_azure",
    // Broken or hostile input, built on a cited shape.
    "deliberately",
];

/// Each problem with one fixture's description, as `kind/name: what`.
pub fn unsourced(kind: &str, fixtures: &[(String, Value)]) -> Vec<String> {
    let mut out = Vec::new();
    for (name, fx) in fixtures {
        let description = fx["description"].as_str().unwrap_or_default();
        if !CITATIONS.iter().any(|c| description.contains(c)) {
            out.push(format!(
                "{kind}/{name}: the description cites no source (one of {CITATIONS:?})"
            ));
        }
        let tolerant =
            description.contains("tolerant reader") || description.contains("deliberately");
        if has_managed_disk_id(&fx["config"]) && !tolerant {
            out.push(format!(
                "{kind}/{name}: a disk has a `managedDisk.id`, which the real managed blob never shows, and the description does not say \"tolerant reader\""
            ));
        }
    }
    out
}

/// Whether any object in the config holds `managedDisk: {id: …}` (in either key spelling).
fn has_managed_disk_id(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.iter().any(|(k, v)| {
            (k.eq_ignore_ascii_case("managedDisk") && v.get("id").is_some_and(Value::is_string))
                || has_managed_disk_id(v)
        }),
        Value::Array(a) => a.iter().any(has_managed_disk_id),
        _ => false,
    }
}

#[test]
fn every_fixture_names_the_source_of_its_shape() {
    let mut problems = Vec::new();
    for kind in ["valid", "invalid"] {
        let fixtures = support::fixtures(kind);
        assert!(!fixtures.is_empty(), "no {kind} fixtures");
        problems.extend(unsourced(kind, &fixtures));
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_source_check_finds_an_uncited_description_and_an_unmarked_id() {
    let id = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/disks/d";
    let named = serde_json::json!({"properties.storageProfile": {"osDisk": {
        "name": "d", "vhd": {"uri": ""}, "managedDisk": null}}});
    let with_id = serde_json::json!({"Properties.StorageProfile": {"dataDisks": [
        {"lun": 0, "ManagedDisk": {"id": id}}]}});
    let fx = |description: &str, config: &Value| serde_json::json!({"description": description, "config": config});
    let cases = vec![
        ("invented".to_owned(), fx("a shape nobody showed", &named)),
        (
            "unmarked-id".to_owned(),
            fx("real-inputs vmmodel-1.json", &with_id),
        ),
        (
            "marked-id".to_owned(),
            fx("tolerant reader: the compute schema's shape", &with_id),
        ),
        (
            "real".to_owned(),
            fx("the real shape (aollivierre/Azure @8633274c)", &named),
        ),
        ("no-description".to_owned(), serde_json::json!({})),
    ];
    let found = unsourced("valid", &cases);
    let names: Vec<&str> = found
        .iter()
        .map(|p| p.split(':').next().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        [
            "valid/invented",
            "valid/unmarked-id",
            "valid/no-description"
        ],
        "{found:?}"
    );
    assert!(found[1].contains("managedDisk.id"), "{}", found[1]);
}
