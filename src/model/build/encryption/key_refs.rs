//! The checked key references of an encrypted VM: each taken from the strongest source that
//! names it (`references`), then checked: versioned https URLs, vault ids in the VM's
//! subscription (ADE refuses a vault elsewhere), and URL and vault id naming one vault.

use crate::error::Code;

use super::super::context::enc_path;
use super::super::context::Problems;
use super::ade_settings;
use super::evidence::Evidence;
use super::precedence::{non_empty, Candidate, KEK_URL, KEK_VAULT, KEY_VAULT, SECRET_URL};
use crate::model::encryption::{Ade, Flavour, Kek};
use crate::model::ids::{VaultId, VaultObject, VaultObjectUrl};
use crate::model::provenance::{By, Fact};
use crate::overrides::Overrides;

/// Every reference of an encrypted VM of `flavour`, checked; `None` when a problem was reported.
pub(super) fn resolve(
    ov: &Overrides,
    ev: &Evidence,
    flavour: Fact<Flavour>,
    (subscription, managed): (Option<&str>, bool),
    p: &mut Problems,
) -> Option<Ade> {
    let before = p.list.len();
    // Single-pass ADE keeps the BEK reference on a restored managed disk: only Azure AD (settings
    // on the VM) and imported VHDs (settings on the new disk) need the secret URL written out.
    let needs_secret = flavour.value.is_aad() || !managed;
    let secret = SECRET_URL.first(ov, ev);
    let vault = KEY_VAULT.first(ov, ev);

    // Point at the settings that made the VM count as encrypted, when there are some.
    let (enc_src, enc_at) = match ev.settings {
        Some(_) => (
            Some(ev.config),
            Some(format!("{}.diskEncryptionKey", enc_path())),
        ),
        None => (None, None),
    };
    let extension_uri = ade_settings::extension_vault_uri(ev);
    if secret.is_none() && (needs_secret || extension_uri.is_none()) {
        match (enc_src, ev.job_names_info.zip(ev.job_info_blob.as_ref())) {
            // Only the job says "encrypted" (the real managed blob keeps no key reference): name
            // the blob it points at, which holds the secret URL.
            (None, Some((job, (blob, at)))) => p.add(Code::IncompleteKeyReference, "the VM is encrypted (the job names an encryption-info blob) but no input names its BEK secret URL", Some(job), Some(at.clone()), format!("pass `--encryption-info {blob}` (the encryption-info blob in the job's container), or `--secret-url https://<vault>.vault.azure.net/secrets/<name>/<version>`")),
            _ => p.add(Code::IncompleteKeyReference, "the VM is encrypted but no input names its BEK secret URL", enc_src, enc_at.clone(), "pass `--secret-url https://<vault>.vault.azure.net/secrets/<name>/<version>`, or `--encryption-info` with the job's encryption-info blob"),
        }
    }
    if vault.is_none() {
        p.add(Code::IncompleteKeyReference, "the VM is encrypted but no input names its key vault's resource id", enc_src, enc_at, "pass `--key-vault-id /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<name>`");
    }
    let secret_url = secret.and_then(|c| url_fact(c, VaultObject::Secret, SECRET_URL.flag, p));
    let key_vault = vault.and_then(|c| vault_fact(c, KEY_VAULT.flag, subscription, p));
    let kek = kek(ov, ev, (&secret_url, &key_vault), subscription, p);
    if let (Some(s), Some(v)) = (&secret_url, &key_vault) {
        mismatch(&s.value, &v.value, KEY_VAULT.flag, p);
    }

    let volume_type = ade_settings::volume_type(ov, ev, flavour.value, p);
    // Only the extension's public settings name the Azure AD app; no flag does, because the
    // template and script take it as a parameter.
    let aad_client_id = match flavour.value {
        Flavour::Aad => ev.extension.as_ref().and_then(|e| {
            let by = ev.config_by(format!(
                "$.resources[{}].properties.settings.AADClientID",
                e.index
            ));
            non_empty(e.settings.aadclientid.as_ref()).map(|v| Fact::new(v, by))
        }),
        Flavour::NoAad => None,
    };

    if p.list.len() > before {
        return None;
    }
    let key_vault = key_vault?;
    let vault_uri = match (&secret_url, extension_uri) {
        (Some(s), _) => Fact::new(
            s.value.vault_uri(),
            By::Default("the BEK secret URL's host"),
        ),
        (None, Some(u)) => ade_settings::checked_vault_uri(u, &key_vault.value, p)?,
        (None, None) => return None,
    };
    Some(Ade {
        flavour,
        secret_url,
        vault_uri,
        key_vault,
        kek,
        volume_type,
        aad_client_id,
    })
}

/// The key encryption key, when a source names its URL. Its vault is named, or, when the KEK URL
/// and the secret URL share a vault host, is the BEK's vault.
fn kek(
    ov: &Overrides,
    ev: &Evidence,
    (secret_url, key_vault): (&Option<Fact<VaultObjectUrl>>, &Option<Fact<VaultId>>),
    subscription: Option<&str>,
    p: &mut Problems,
) -> Option<Kek> {
    let vault = KEK_VAULT.first(ov, ev);
    let Some(url) = KEK_URL.first(ov, ev) else {
        if let Some(c) = vault.filter(|c| c.by.is_flag()) {
            p.add(
                Code::IncompleteKeyReference,
                format!("`{}` is given but no key encryption key URL", c.by),
                None,
                None,
                "pass `--key-url` with the KEK's versioned URL, or drop `--kek-vault-id`",
            );
        }
        return None;
    };
    let url = url_fact(url, VaultObject::Key, KEK_URL.flag, p);
    let vault = match vault {
        Some(c) => vault_fact(c, KEK_VAULT.flag, subscription, p),
        None => match (&url, secret_url, key_vault) {
            (Some(u), Some(s), Some(v)) if u.value.vault_uri() == s.value.vault_uri() => {
                Some(Fact::new(
                    v.value.clone(),
                    By::SameVaultAsSecret(Box::new(v.by.clone())),
                ))
            }
            _ => {
                p.add(Code::IncompleteKeyReference, "the VM uses a key encryption key but no input names the KEK's vault", None, None, "pass `--kek-vault-id /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<name>`");
                None
            }
        },
    };
    if let (Some(u), Some(v)) = (&url, &vault) {
        mismatch(&u.value, &v.value, KEK_VAULT.flag, p);
    }
    Some(Kek {
        url: url?,
        vault: vault?,
        algorithm: ade_settings::kek_algorithm(ev, p),
    })
}

fn url_fact(
    c: Candidate,
    kind: VaultObject,
    flag: &str,
    p: &mut Problems,
) -> Option<Fact<VaultObjectUrl>> {
    match VaultObjectUrl::parse(&c.value, kind) {
        Ok(u) => Some(Fact::new(u, c.by)),
        Err(breaches) => {
            for b in breaches {
                let mut help = format!(
                    "pass `{flag}` with the {}'s full versioned https URL",
                    kind.noun()
                );
                // An unversioned URL names its vault and object: the command that prints the
                // versioned one, filled in (newcomer row 25).
                if b.code == Code::KeyUrlNotVersioned {
                    if let Some(cmd) = versioned_url_command(&c.value, kind) {
                        help.push_str(&format!("; `{cmd}` prints it"));
                    }
                }
                p.add(b.code, b.message, c.by.origin(), c.by.path(), help);
            }
            None
        }
    }
}

/// `az keyvault secret show …` / `az keyvault key show …` for the vault and object an
/// unversioned URL names.
fn versioned_url_command(raw: &str, kind: VaultObject) -> Option<String> {
    let url = url::Url::parse(raw).ok()?;
    let vault = url.host_str()?.split('.').next()?.to_owned();
    let name = url
        .path_segments()?
        .nth(1)
        .filter(|n| !n.is_empty())?
        .to_owned();
    let q = crate::quote::bash;
    Some(match kind {
        VaultObject::Secret => format!(
            "az keyvault secret show --vault-name {} --name {} --query id --output tsv",
            q(&vault),
            q(&name)
        ),
        VaultObject::Key => format!(
            "az keyvault key show --vault-name {} --name {} --query key.kid --output tsv",
            q(&vault),
            q(&name)
        ),
    })
}

fn vault_fact(
    c: Candidate,
    flag: &str,
    subscription: Option<&str>,
    p: &mut Problems,
) -> Option<Fact<VaultId>> {
    match VaultId::parse(&c.value) {
        Ok(v) => {
            if let Some(sub) = subscription.filter(|s| !s.eq_ignore_ascii_case(v.subscription())) {
                p.add(Code::VaultSubscriptionMismatch, format!("key vault `{}` is in subscription `{}`, the VM in `{sub}`", v.name(), v.subscription()), c.by.origin(), c.by.path(), format!("Azure Disk Encryption needs the key vault in the VM's subscription; restore the keys into a vault there and pass it with `{flag}`"));
            }
            Some(Fact::new(v, c.by))
        }
        Err(b) => {
            p.add(
                b.code,
                b.message,
                c.by.origin(),
                c.by.path(),
                // A bare name is the usual mistake: the command that prints its id.
                if c.value.contains('/') || c.value.trim().is_empty() {
                    format!("pass `{flag}` with the vault's ARM resource id (`az keyvault show --name <vault> --query id --output tsv` prints it)")
                } else {
                    format!(
                        "pass `{flag}` with the vault's ARM resource id: `az keyvault show --name {}{} --query id --output tsv` prints it",
                        crate::quote::bash(&c.value),
                        // ADE needs the vault in the VM's subscription: look there.
                        subscription.map_or_else(String::new, |s| format!(
                            " --subscription {}",
                            crate::quote::bash(s)
                        ))
                    )
                },
            );
            None
        }
    }
}

/// ADE reads the vault from the vault id and the object from the URL; if they name different
/// vaults the extension fails on the VM, long after deployment looked fine.
fn mismatch(u: &VaultObjectUrl, v: &VaultId, flag: &str, p: &mut Problems) {
    if !u.vault_name().eq_ignore_ascii_case(v.name()) {
        p.add(
            Code::UrlVaultMismatch,
            format!(
                "the {} `{}` is in vault `{}` but its vault id names `{}`",
                u.kind().noun(),
                u.as_str(),
                u.vault_name(),
                v.name()
            ),
            None,
            None,
            format!("the URL and `{flag}` must name the same vault"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Inputs;
    use crate::model::test_inputs::{
        config, extension, info, inputs, settings, CONFIG_PLAIN, KEK, KV, KV2, SECRET, SECRET2,
    };
    use crate::model::{build, AdeChoice, Encryption, VolumeType};

    const OTHER_SUB_KV: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv1";

    fn ade(i: &Inputs) -> Ade {
        match build(i).map(|r| r.encryption) {
            Ok(Encryption::Ade(a)) => *a,
            other => panic!("expected an encrypted VM, got {other:?}"),
        }
    }

    /// Codes and helps of the problems a build reports.
    fn problems(i: &Inputs) -> Vec<(Code, String)> {
        build(i)
            .expect_err("refused")
            .0
            .into_iter()
            .map(|e| (e.code, e.help.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn bek_only_and_bek_with_kek() {
        let bek = ade(&inputs(
            &config("Windows", &settings(SECRET, KV, None), ""),
            None,
            None,
            Overrides::default(),
        ));
        assert!(bek.kek.is_none());
        assert_eq!(
            bek.secret_url
                .map(|s| s.value.as_str().to_owned())
                .as_deref(),
            Some(SECRET)
        );
        assert_eq!(bek.key_vault.value.name(), "kv1");
        assert_eq!(bek.volume_type.value, VolumeType::Data);

        let both = ade(&inputs(
            &config("Linux", &settings(SECRET, KV, Some((KEK, KV))), ""),
            None,
            None,
            Overrides::default(),
        ));
        let kek = both.kek.expect("a KEK");
        assert_eq!(kek.url.value.as_str(), KEK);
        assert_eq!(
            kek.vault.by.to_string(),
            "config config.json at $.properties.storageProfile.osDisk.encryptionSettings.keyEncryptionKey.sourceVault.id"
        );
    }

    #[test]
    fn the_kek_vault_is_the_bek_vault_when_the_urls_share_a_host() {
        let ov = Overrides {
            key_vault_id: Some(KV.into()),
            ..Overrides::default()
        };
        let a = ade(&inputs(
            CONFIG_PLAIN,
            Some(&info(SECRET, Some(KEK))),
            None,
            ov,
        ));
        assert_eq!(a.flavour.value, Flavour::NoAad);
        assert_eq!(a.volume_type.value, VolumeType::All);
        let kek = a.kek.expect("a KEK");
        assert_eq!(kek.vault.value.as_str(), KV);
        assert_eq!(
            kek.vault.by,
            By::SameVaultAsSecret(Box::new(By::Flag("--key-vault-id")))
        );
    }

    #[test]
    fn incomplete_references_name_the_completing_flag() {
        let cases: [(Overrides, Option<String>, &str); 4] = [
            // The blob names no vault.
            (
                Overrides::default(),
                Some(info(SECRET, None)),
                "--key-vault-id",
            ),
            // `--ade` says encrypted, but nothing names the secret.
            (
                Overrides {
                    ade: AdeChoice::NoAad,
                    key_vault_id: Some(KV.into()),
                    ..Overrides::default()
                },
                None,
                "--secret-url",
            ),
            // A KEK in another vault than the secret, and no KEK vault.
            (
                Overrides {
                    key_vault_id: Some(KV2.into()),
                    key_url: Some(KEK.into()),
                    ..Overrides::default()
                },
                Some(info(SECRET2, None)),
                "--kek-vault-id",
            ),
            // A KEK vault but no KEK.
            (
                Overrides {
                    key_vault_id: Some(KV.into()),
                    kek_vault_id: Some(KV.into()),
                    ..Overrides::default()
                },
                Some(info(SECRET, None)),
                "--key-url",
            ),
        ];
        for (ov, ei, flag) in cases {
            let got = problems(&inputs(CONFIG_PLAIN, ei.as_deref(), None, ov));
            assert_eq!(got.len(), 1, "{got:?}");
            assert_eq!(got[0].0, Code::IncompleteKeyReference);
            assert!(
                got[0].1.contains(&format!("`{flag}")),
                "{flag}: {}",
                got[0].1
            );
        }
    }

    #[test]
    fn urls_and_vault_ids_must_agree() {
        let ov = Overrides {
            key_vault_id: Some(KV.into()),
            ..Overrides::default()
        };
        let got = problems(&inputs(CONFIG_PLAIN, Some(&info(SECRET2, None)), None, ov));
        assert_eq!(got[0].0, Code::UrlVaultMismatch);
        assert!(got[0].1.contains("--key-vault-id"));

        let ov = Overrides {
            key_vault_id: Some(OTHER_SUB_KV.into()),
            ..Overrides::default()
        };
        let got = problems(&inputs(CONFIG_PLAIN, Some(&info(SECRET, None)), None, ov));
        assert_eq!(got[0].0, Code::VaultSubscriptionMismatch);
    }

    #[test]
    fn aad_client_id_comes_from_the_extension_with_azure_ad_only() {
        let ext = extension(
            "AzureDiskEncryption",
            "1.1",
            &format!(r#""KeyVaultResourceId": "{KV}", "AADClientID": "app-id""#),
        );
        let ov = Overrides {
            secret_url: Some(SECRET.into()),
            ..Overrides::default()
        };
        let cfg = config("Windows", "", &ext);
        let a = ade(&inputs(&cfg, None, None, ov.clone()));
        let id = a.aad_client_id.expect("named");
        assert_eq!(id.value, "app-id");
        assert_eq!(
            id.by.to_string(),
            "config config.json at $.resources[0].properties.settings.AADClientID"
        );
        let ov = Overrides {
            ade: AdeChoice::NoAad,
            volume_type: Some(VolumeType::Os),
            ..ov
        };
        let a = ade(&inputs(&cfg, None, None, ov));
        assert!(a.aad_client_id.is_none());
        assert_eq!(a.volume_type.by, By::Flag("--volume-type"));
    }
}
