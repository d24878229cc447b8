//! Property tests: random valid VMs (any disk kind, encryption case and OS, 0–16 data disks at
//! any LUN, names and tags drawn from arbitrary Unicode with quotes, `$()`, `${}`, backticks,
//! newlines and `&<>`) always give outputs that pass the independent checks, with every input
//! value byte-exact in the output. Runs the library in-process; `PROPTEST_CASES` sets the count.

use proptest::prelude::*;
use serde_json::{json, Value};

use restore_deploy::cli::Format;
use restore_deploy::model::{Overrides, Restore};
use restore_deploy::source::Loaded;

use crate::support::{arm_unescape, ps_quote, utf16le};
use crate::validation::{check_script, check_template};

const SUB: &str = "3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c";
const KV: &str = "/subscriptions/3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv1";

/// Hostile text. The `«` prefix keeps a value from occurring by chance in the script's own code,
/// so "the value appears only inside literals" is a meaningful assertion.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "\\PC{0,6}",
        Just("'".to_owned()),
        Just("\u{2019}".to_owned()),
        Just("\"".to_owned()),
        Just("`".to_owned()),
        Just("$(Stop-Computer)".to_owned()),
        Just("${env:PATH}".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("&<>".to_owned()),
        Just("[concat('x')]".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("#>".to_owned()),
    ];
    proptest::collection::vec(piece, 1..5).prop_map(|p| format!("«{}", p.concat()))
}

#[derive(Debug, Clone)]
struct Case {
    managed: bool,
    windows: bool,
    /// 0 none, 1 with Azure AD, 2 without
    ade: u8,
    kek: bool,
    /// The source VM's name (the config's): any text, never carried into the outputs.
    name: String,
    /// The new VM's name (`--vm-name`): Azure's VM name rule holds, so it is refused otherwise.
    new_name: String,
    tags: Vec<(String, String)>,
    disks: Vec<(u8, String)>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        any::<bool>(),
        any::<bool>(),
        0u8..3,
        any::<bool>(),
        hostile(),
        "[A-Za-z0-9][A-Za-z0-9_.-]{0,62}[A-Za-z0-9_]",
        proptest::collection::vec((hostile(), hostile()), 0..4),
        proptest::collection::btree_map(0u8..64, hostile(), 0..17),
    )
        .prop_map(
            |(managed, windows, ade, kek, name, new_name, tags, disks)| Case {
                managed,
                windows,
                ade,
                kek,
                name,
                new_name,
                // Tag names are unique case-insensitively in Azure (and in a PowerShell hashtable).
                tags: tags
                    .into_iter()
                    .enumerate()
                    .map(|(i, (k, v))| (format!("{i}{k}"), v))
                    .collect(),
                disks: disks.into_iter().collect(),
            },
        )
}

fn source(managed: bool, i: usize) -> Value {
    if managed {
        json!({"managedDisk": {"id": format!("/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/disks/d{i}")}})
    } else {
        json!({"vhd": {"uri": format!("https://acct.blob.core.windows.net/c/d{i}.vhd")}})
    }
}

fn config(c: &Case) -> Value {
    let mut os = source(c.managed, 999);
    os["osType"] = json!(if c.windows { "Windows" } else { "Linux" });
    os["name"] = json!("osdisk");
    let secret = "https://kv1.vault.azure.net/secrets/bek/0123456789abcdef";
    let key = "https://kv1.vault.azure.net/keys/kek/fedcba9876543210";
    if c.ade == 1 {
        let mut es = json!({"enabled": true, "diskEncryptionKey": {"secretUrl": secret, "sourceVault": {"id": KV}}});
        if c.kek {
            es["keyEncryptionKey"] = json!({"keyUrl": key, "sourceVault": {"id": KV}});
        }
        os["encryptionSettings"] = es;
    }
    let data: Vec<Value> = c
        .disks
        .iter()
        .enumerate()
        .map(|(i, (lun, name))| {
            let mut d = source(c.managed, i);
            d["lun"] = json!(lun);
            d["name"] = json!(name);
            d["diskSizeGB"] = json!(32 + i);
            d
        })
        .collect();
    let tags: serde_json::Map<String, Value> =
        c.tags.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    let mut cfg = json!({
        "name": c.name, "location": "westeurope", "id": format!("/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/x"),
        "tags": tags,
        "properties.hardwareProfile": {"vmSize": "Standard_B2s"},
        "properties.storageProfile": {"osDisk": os, "dataDisks": data},
    });
    if c.ade == 2 {
        let mut settings =
            json!({"KeyVaultURL": "https://kv1.vault.azure.net/", "KeyVaultResourceId": KV});
        if c.kek {
            settings["KeyEncryptionKeyURL"] = json!(key);
        }
        cfg["resources"] = json!([{
            "properties.publisher": "Microsoft.Azure.Security",
            "properties.type": if c.windows { "AzureDiskEncryption" } else { "AzureDiskEncryptionForLinux" },
            "properties.typeHandlerVersion": if c.windows { "2.2" } else { "1.1" },
            "properties.settings": settings,
        }]);
    }
    cfg
}

/// The model for a random case, and the input strings its outputs must carry as literals.
fn restore(c: &Case) -> (Restore, Vec<String>) {
    let cfg = config(c);
    let loaded = Loaded {
        origin: "prop".into(),
        bytes: utf16le(&cfg.to_string(), true, 4),
    };
    // The new VM's name is never defaulted from the source; the flag puts it into every output
    // where a name goes. A hostile one is refused (`InvalidVmName`, a unit test of the model).
    let overrides = Overrides {
        vm_name: Some(c.new_name.clone()),
        recovery_point_time: Some("2024-01-01T00:00:00Z".into()),
        ..Overrides::default()
    };
    // Without Azure AD, the secret URL comes from the job's encryption-info blob.
    let info = (c.ade == 2).then(|| Loaded {
        origin: "prop-info".into(),
        bytes: json!({"OsDiskKeyAndSecretDetails": {"SecretUrl": "https://kv1.vault.azure.net/secrets/bek/0123456789abcdef", "SecretData": "MUST-NOT-LEAK"}}).to_string().into_bytes(),
    });
    let inputs =
        restore_deploy::inputs_from_bytes(&loaded, None, info.as_ref(), overrides).expect("inputs");
    let restore = restore_deploy::model::build(&inputs).expect("a valid VM builds");
    let mut values: Vec<String> = Vec::new();
    values.extend(c.tags.iter().flat_map(|(k, v)| [k.clone(), v.clone()]));
    values.extend(c.disks.iter().map(|d| d.1.clone()));
    (restore, values)
}

// One property per format: each is checked on as many random VMs as before, and the two run on
// separate test threads instead of one after the other.
proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(96), ..ProptestConfig::default() })]

    #[test]
    fn random_vms_give_valid_literal_templates(c in case()) {
        let (restore, values) = restore(&c);
        let arm = restore_deploy::plan(&restore, Format::Arm).expect("arm");
        let (template, params) = (&arm.files[0].text, &arm.files[1].text);
        prop_assert!(!template.contains("MUST-NOT-LEAK") && !params.contains("MUST-NOT-LEAK"));
        let arm_values: Vec<String> = values.iter().filter(|v| !c.disks.iter().any(|d| &d.1 == *v)).cloned().collect();
        check_template(template, params, &arm_values).map_err(|e| TestCaseError::fail(e.join("\n")))?;
        let t: Value = serde_json::from_str(template).expect("json");
        let p: Value = serde_json::from_str(params).expect("json");
        prop_assert_eq!(p["parameters"]["virtualMachineName"]["value"].as_str(), Some(c.new_name.as_str()));
        prop_assert_eq!(arm_unescape(t["parameters"]["virtualMachineName"]["defaultValue"].as_str().expect("s")), c.new_name.clone());
        let vm = t["resources"].as_array().expect("r").iter().find(|r| r["type"] == "Microsoft.Compute/virtualMachines").expect("vm");
        for (k, v) in &c.tags {
            prop_assert_eq!(arm_unescape(vm["tags"][k].as_str().expect("tag")), v.clone());
        }
        let luns: Vec<u64> = vm["properties"]["storageProfile"]["dataDisks"].as_array().expect("d").iter().map(|d| d["lun"].as_u64().expect("lun")).collect();
        prop_assert_eq!(luns, c.disks.iter().map(|d| d.0 as u64).collect::<Vec<_>>());
        prop_assert_eq!(template.contains("AzureDiskEncryption"), c.ade != 0);
    }

    #[test]
    fn random_vms_give_valid_literal_scripts(c in case()) {
        let (restore, values) = restore(&c);
        let ps = restore_deploy::plan(&restore, Format::Powershell).expect("ps");
        let script = &ps.files[0].text;
        prop_assert!(!script.contains("MUST-NOT-LEAK"));
        let ps_values: Vec<String> = values.iter().filter(|v| !c.disks.iter().any(|d| &d.1 == *v)).cloned().collect();
        check_script(script, &ps_values).map_err(|e| TestCaseError::fail(e.join("\n")))?;
        // A data disk is attached under its managed disk's own name (Azure refuses another),
        // or, imported from a VHD, under the name the script gave the new disk.
        for (i, (lun, _)) in c.disks.iter().enumerate() {
            let expected = if c.managed {
                format!("-Name {}", ps_quote(&format!("d{i}")))
            } else {
                format!("-Name $imported[{}].Name", ps_quote(&format!("lun{lun}")))
            };
            let lun_arg = format!("-Lun {lun}");
            prop_assert!(script.contains(&expected) && script.contains(&lun_arg));
        }
    }
}
