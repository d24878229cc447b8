//! The encryption-info blob Azure Backup writes beside the config blob for an ADE-encrypted VM.
//! Only the key references are read. `SecretData` and the backup blobs are key material and are
//! not parsed at all, so they are never in memory to leak: the scripts that restore keys read the
//! blob themselves at run time (`render::prepare`).

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct RawEncryptionInfo {
    pub osdiskkeyandsecretdetails: Option<RawKeyAndSecretDetails>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawKeyAndSecretDetails {
    pub secreturl: Option<String>,
    pub keyurl: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_material_is_not_kept() {
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
