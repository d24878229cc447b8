//! Small inputs for the model's unit tests, read from JSON text through the same decoding,
//! normalisation and typing a real run uses, so a test sees what a user's file would give.

use crate::input::{self, Input, Inputs};
use crate::overrides::Overrides;
use crate::source::Loaded;

pub const SUB: &str = "3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c";
pub const KV: &str = "/subscriptions/3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv1";
pub const KV2: &str = "/subscriptions/3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv2";
pub const SECRET: &str = "https://kv1.vault.azure.net/secrets/bek/0123";
pub const SECRET2: &str = "https://kv2.vault.azure.net/secrets/bek/4567";
pub const KEK: &str = "https://kv1.vault.azure.net/keys/kek/89ab";

/// An unencrypted Windows VM on managed disks.
pub const CONFIG_PLAIN: &str = r#"{"name": "vm1", "location": "westeurope",
  "id": "/subscriptions/3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1",
  "properties.hardwareProfile": {"vmSize": "Standard_D2s_v3"},
  "properties.storageProfile": {"osDisk": {"osType": "Windows",
    "managedDisk": {"id": "/subscriptions/3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c/resourceGroups/rg/providers/Microsoft.Compute/disks/os"}}}}"#;

/// A config of that VM with `encryptionSettings` on its OS disk (JSON members, or empty for
/// none) and the given `resources[]` members.
pub fn config(os_type: &str, encryption_settings: &str, resources: &str) -> String {
    let settings = if encryption_settings.is_empty() {
        String::new()
    } else {
        format!(r#", "encryptionSettings": {{{encryption_settings}}}"#)
    };
    format!(
        r#"{{"name": "vm1", "id": "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1",
  "properties": {{"hardwareProfile": {{"vmSize": "Standard_D2s_v3"}},
    "storageProfile": {{"osDisk": {{"osType": "{os_type}",
      "managedDisk": {{"id": "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/disks/os"}}{settings}}}}}}},
  "resources": [{resources}]}}"#
    )
}

/// `encryptionSettings` members naming a BEK (and a KEK when `kek`).
pub fn settings(secret: &str, vault: &str, kek: Option<(&str, &str)>) -> String {
    let mut s = format!(
        r#""enabled": true, "diskEncryptionKey": {{"secretUrl": "{secret}", "sourceVault": {{"id": "{vault}"}}}}"#
    );
    if let Some((url, vault)) = kek {
        s.push_str(&format!(
            r#", "keyEncryptionKey": {{"keyUrl": "{url}", "sourceVault": {{"id": "{vault}"}}}}"#
        ));
    }
    s
}

/// An ADE extension resource with the given type, version and public settings members.
pub fn extension(kind: &str, version: &str, settings: &str) -> String {
    format!(
        r#"{{"name": "ade", "properties": {{"publisher": "Microsoft.Azure.Security", "type": "{kind}",
  "typeHandlerVersion": "{version}", "settings": {{{settings}}}}}}}"#
    )
}

/// An encryption-info blob naming a secret URL and optionally a key URL.
pub fn info(secret: &str, key: Option<&str>) -> String {
    let key = key
        .map(|k| format!(r#", "KeyUrl": "{k}""#))
        .unwrap_or_default();
    format!(
        r#"{{"OsDiskKeyAndSecretDetails": {{"SecretUrl": "{secret}", "SecretData": "S3CRET"{key}}}}}"#
    )
}

fn loaded(origin: &str, text: &str) -> Loaded {
    Loaded {
        origin: origin.to_owned(),
        bytes: text.as_bytes().to_vec(),
    }
}

/// Inputs as a run reads them, from `config.json`, `ei.json` and `job.json`.
pub fn inputs(config: &str, info: Option<&str>, job: Option<&str>, overrides: Overrides) -> Inputs {
    let parse = |origin: &str, text: &str, what: &str| {
        input::parse_json(&loaded(origin, text), what).expect("test input is JSON")
    };
    let config = Input {
        raw: input::config_blob(
            parse("config.json", config, "config blob"),
            "config.json",
            "c",
        )
        .expect("test config types"),
        origin: "config.json".to_owned(),
    };
    let encryption_info = info.map(|t| Input {
        raw: input::typed(parse("ei.json", t, "encryption-info blob"), "ei.json", "e")
            .expect("test info types"),
        origin: "ei.json".to_owned(),
    });
    let job = job.map(|t| Input {
        raw: input::job::parse(&parse("job.json", t, "job"), "job.json").expect("test job"),
        origin: "job.json".to_owned(),
    });
    Inputs {
        config: Some(config),
        job,
        encryption_info,
        overrides,
        ..Inputs::default()
    }
}
