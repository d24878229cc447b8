//! The encryption-info blob Azure Backup writes beside the config blob for an ADE-encrypted VM.
//! `SecretData` and the backup blobs are key material: they are held in [`KeyMaterial`], which
//! has no `Display`, prints as `<redacted>` in `Debug`, and is never serialized.

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct RawEncryptionInfo {
    pub osdiskkeyandsecretdetails: Option<RawKeyAndSecretDetails>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawKeyAndSecretDetails {
    pub secreturl: Option<String>,
    pub keyurl: Option<String>,
    pub secretdata: Option<KeyMaterial>,
    pub keybackupdata: Option<KeyMaterial>,
    pub keyvaultsecretbackupdata: Option<KeyMaterial>,
}

/// Key material from the encryption-info blob. Kept only so a later `--restore-keys` step can
/// place it into the script the user asked for; nothing else may print it.
#[derive(Deserialize, Clone, PartialEq, Eq)]
#[serde(transparent)]
pub struct KeyMaterial(String);

impl KeyMaterial {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_material_never_debug_prints() {
        let raw: RawEncryptionInfo = serde_json::from_str(
            r#"{"osdiskkeyandsecretdetails":{"secretdata":"TOPSECRET","keybackupdata":"KB"}}"#,
        )
        .expect("parses");
        let shown = format!("{raw:?}");
        assert!(
            !shown.contains("TOPSECRET") && !shown.contains("KB\""),
            "{shown}"
        );
    }
}
