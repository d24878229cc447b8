//! The ADE settings the source extension chose, carried to the re-applied extension: its
//! `VolumeType` and `KeyEncryptionAlgorithm`. Never widened: re-enabling `All` on a VM that
//! encrypted `Data` only starts hours of in-place OS encryption, and on a Windows `OS`-only VM it
//! newly encrypts the data volumes. The restore guide's defaults apply only when the source
//! extension is silent, and the fact says which input decided.

use crate::error::Code;

use super::super::context::Problems;
use super::evidence::Evidence;
use crate::model::encryption::{Flavour, KekAlgorithm, VolumeType};
use crate::model::ids::VaultId;
use crate::model::provenance::{By, Fact};
use crate::overrides::Overrides;

/// `--volume-type`, else the source extension's, else the restore guide's default per flavour.
pub(super) fn volume_type(
    ov: &Overrides,
    ev: &Evidence,
    flavour: Flavour,
    p: &mut Problems,
) -> Fact<VolumeType> {
    if let Some(v) = ov.volume_type {
        return Fact::new(v, By::Flag("--volume-type"));
    }
    if let Some((raw, by)) = from_extension(ev, "VolumeType", |s| s.volumetype.as_deref()) {
        let parsed = match raw.to_ascii_lowercase().as_str() {
            "all" => Some(VolumeType::All),
            "data" => Some(VolumeType::Data),
            "os" => Some(VolumeType::Os),
            _ => None,
        };
        match parsed {
            Some(v) => return Fact::new(v, by),
            None => p.add(
                Code::UnexpectedValue,
                format!("the ADE extension's VolumeType `{raw}` is none of All, Data, OS"),
                by.origin(),
                by.path(),
                "pass `--volume-type` with the volumes the source VM encrypted",
            ),
        }
    }
    match flavour {
        Flavour::Aad => Fact::new(
            VolumeType::Data,
            By::Default("with Azure AD, the restore guide re-applies ADE to data volumes"),
        ),
        Flavour::NoAad => Fact::new(
            VolumeType::All,
            By::Default("without Azure AD, the restore guide re-applies ADE to all volumes"),
        ),
    }
}

/// The source extension's `KeyEncryptionAlgorithm`, else `RSA-OAEP`, the extension's default.
pub(super) fn kek_algorithm(ev: &Evidence, p: &mut Problems) -> Fact<KekAlgorithm> {
    if let Some((raw, by)) = from_extension(ev, "KeyEncryptionAlgorithm", |s| {
        s.keyencryptionalgorithm.as_deref()
    }) {
        match KekAlgorithm::parse(raw) {
            Some(a) => return Fact::new(a, by),
            None => p.add(
                Code::UnexpectedValue,
                format!(
                    "the ADE extension's KeyEncryptionAlgorithm `{raw}` is none of RSA-OAEP, RSA-OAEP-256, RSA1_5"
                ),
                by.origin(),
                by.path(),
                "fix the config's extension settings to the algorithm the KEK was wrapped with",
            ),
        }
    }
    Fact::new(
        KekAlgorithm::RsaOaep,
        By::Default("the source extension names no algorithm; RSA-OAEP is the extension's default"),
    )
}

/// The source extension's `KeyVaultURL`, unchecked, with where it was read.
pub(super) fn extension_vault_uri<'a>(ev: &'a Evidence) -> Option<(&'a str, By)> {
    from_extension(ev, "KeyVaultURL", |s| s.keyvaulturl.as_deref())
}

/// The extension's `KeyVaultURL` as the vault URI (`https://<host>/`), naming the vault whose id
/// the restore uses.
pub(super) fn checked_vault_uri(
    (raw, by): (&str, By),
    vault: &VaultId,
    p: &mut Problems,
) -> Option<Fact<String>> {
    let host = url::Url::parse(raw)
        .ok()
        .filter(|u| u.scheme() == "https")
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    let Some(host) = host else {
        p.add(
            Code::UnexpectedValue,
            format!("the ADE extension's KeyVaultURL `{raw}` is not an https URL"),
            by.origin(),
            by.path(),
            "pass `--secret-url` with the BEK secret's versioned URL",
        );
        return None;
    };
    let name = host.split('.').next().unwrap_or_default();
    if !name.eq_ignore_ascii_case(vault.name()) {
        p.add(
            Code::UrlVaultMismatch,
            format!(
                "the ADE extension's KeyVaultURL `{raw}` names vault `{name}` but the vault id names `{}`",
                vault.name()
            ),
            by.origin(),
            by.path(),
            "the URL and `--key-vault-id` must name the same vault",
        );
        return None;
    }
    Some(Fact::new(format!("https://{host}/"), by))
}

/// A non-empty public setting of the source's ADE extension, with where it was read.
fn from_extension<'a>(
    ev: &'a Evidence,
    key: &str,
    get: impl Fn(&'a crate::input::config::RawAdeSettings) -> Option<&'a str>,
) -> Option<(&'a str, By)> {
    let e = ev.extension.as_ref()?;
    let raw = get(e.settings).map(str::trim).filter(|s| !s.is_empty())?;
    let by = ev.config_by(format!(
        "$.resources[{}].properties.settings.{key}",
        e.index
    ));
    Some((raw, by))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_inputs::{config, extension, info, inputs, KEK, KV, SECRET};
    use crate::model::{build, Encryption, Overrides};

    fn ade(settings: &str) -> crate::model::Ade {
        let ext = extension("AzureDiskEncryptionForLinux", "1.1", settings);
        let cfg = config("Linux", "", &ext);
        let r = build(&inputs(
            &cfg,
            Some(&info(SECRET, Some(KEK))),
            None,
            Overrides::default(),
        ))
        .expect("valid");
        match r.encryption {
            Encryption::Ade(a) => *a,
            Encryption::None { .. } => panic!("encrypted"),
        }
    }

    #[test]
    fn the_source_extension_decides_and_is_never_widened() {
        let s = format!(
            r#""KeyVaultURL": "https://kv1.vault.azure.net/", "KeyVaultResourceId": "{KV}",
               "KeyEncryptionKeyURL": "{KEK}", "VolumeType": "data", "KeyEncryptionAlgorithm": "RSA-OAEP-256""#
        );
        let a = ade(&s);
        assert_eq!(a.volume_type.value, VolumeType::Data, "not widened to All");
        assert!(a.volume_type.by.to_string().contains("settings.VolumeType"));
        let kek = a.kek.expect("kek");
        assert_eq!(kek.algorithm.value, KekAlgorithm::RsaOaep256);
    }

    #[test]
    fn a_managed_single_pass_vm_with_its_extension_needs_no_secret_url() {
        let ext = extension(
            "AzureDiskEncryption",
            "2.2",
            &format!(
                r#""KeyVaultURL": "https://KV1.vault.azure.net", "KeyVaultResourceId": "{KV}""#
            ),
        );
        let cfg = config("Windows", "", &ext);
        let r = build(&inputs(&cfg, None, None, Overrides::default())).expect("no secret needed");
        let Encryption::Ade(a) = r.encryption else {
            panic!("encrypted");
        };
        assert!(a.secret_url.is_none());
        assert_eq!(a.vault_uri.value, "https://kv1.vault.azure.net/");
        assert!(a.vault_uri.by.to_string().contains("settings.KeyVaultURL"));

        let other = ext.replace("https://KV1.", "https://kv2.");
        let e = build(&inputs(
            &config("Windows", "", &other),
            None,
            None,
            Overrides::default(),
        ))
        .expect_err("the URL names another vault than the id");
        assert_eq!(e.0[0].code, Code::UrlVaultMismatch);
    }

    #[test]
    fn defaults_only_when_the_source_is_silent() {
        let s = format!(
            r#""KeyVaultURL": "https://kv1.vault.azure.net/", "KeyVaultResourceId": "{KV}", "KeyEncryptionKeyURL": "{KEK}""#
        );
        let a = ade(&s);
        assert_eq!(a.volume_type.value, VolumeType::All);
        assert!(matches!(a.volume_type.by, By::Default(_)));
        assert_eq!(a.kek.expect("kek").algorithm.value, KekAlgorithm::RsaOaep);
    }
}
