//! Which Azure Disk Encryption case the source VM is in, decided in SPEC §4's order:
//! command-line overrides, then the VM model's `osDisk.encryptionSettings` (with Azure AD), then
//! an ADE extension in `resources[]` (flavour by its version), then an encryption-info blob
//! (without Azure AD), else not encrypted. References (secret, key, vaults) are taken in the
//! same order, each remembering its source, and checked against SPEC §6.

use serde::Serialize;

use super::refs::{VaultId, VaultObject, VaultObjectUrl};
use super::{AdeChoice, Fact, Inputs, Problems};
use crate::error::Code;
use crate::input::config::{RawAdeSettings, RawEncryptionSettings};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Flavour {
    /// "Dual-pass": settings on the VM model; extension Windows 1.1 / Linux 0.1.
    Aad,
    /// "Single-pass": settings on the disks; extension Windows 2.2 / Linux 1.1.
    NoAad,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum VolumeType {
    All,
    Data,
    #[serde(rename = "OS")]
    Os,
}

impl VolumeType {
    pub fn as_str(self) -> &'static str {
        match self {
            VolumeType::All => "All",
            VolumeType::Data => "Data",
            VolumeType::Os => "OS",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Kek {
    pub url: Fact<VaultObjectUrlView>,
    pub vault: Fact<VaultIdView>,
}

/// An encrypted VM: one legal combination. "KEK without BEK" cannot be written down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ade {
    pub flavour: Fact<Flavour>,
    pub secret_url: Fact<VaultObjectUrlView>,
    pub key_vault: Fact<VaultIdView>,
    pub kek: Option<Kek>,
    pub volume_type: Fact<VolumeType>,
    /// Azure AD application id, with Azure AD only, when the source names it.
    pub aad_client_id: Option<Fact<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Encryption {
    None { by: String },
    Ade(Box<Ade>),
}

/// Serializable views of the newtypes (their fields stay private).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VaultObjectUrlView {
    pub url: String,
    pub vault_uri: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VaultIdView {
    pub id: String,
    pub name: String,
}

/// A candidate value and where it was found.
struct Cand {
    value: String,
    by: String,
    origin: Option<String>,
    at: Option<String>,
}

impl Cand {
    fn flag(flag: &str, value: &str) -> Self {
        Cand {
            value: value.to_owned(),
            by: flag.to_owned(),
            origin: None,
            at: None,
        }
    }
    fn input(kind: &str, origin: &str, at: &str, value: &str) -> Self {
        Cand {
            value: value.to_owned(),
            by: format!("{kind} {origin} at {at}"),
            origin: Some(origin.to_owned()),
            at: Some(at.to_owned()),
        }
    }
}

const ENC: &str = "$.properties.storageProfile.osDisk.encryptionSettings";

pub(crate) fn classify(
    inputs: &Inputs,
    subscription: Option<&str>,
    p: &mut Problems,
) -> Option<Encryption> {
    let ov = &inputs.overrides;
    let cfg_origin = inputs
        .config
        .as_ref()
        .map(|c| c.origin.as_str())
        .unwrap_or("-");
    let vm = inputs.config.as_ref().map(|c| &c.raw);

    // Evidence 2: the VM model's encryption settings (dual-pass stamps them on the VM).
    let settings: Option<&RawEncryptionSettings> = vm
        .and_then(|v| v.properties.as_ref())
        .and_then(|p| p.storageprofile.as_ref())
        .and_then(|s| s.osdisk.as_ref())
        .and_then(|d| d.encryptionsettings.as_ref())
        .filter(|s| s.enabled != Some(false));
    let settings = settings.filter(|s| {
        if s.diskencryptionkey.is_none() && s.enabled == Some(true) {
            p.add(
                Code::IncompleteKeyReference,
                "the OS disk's encryption settings are enabled but name no disk encryption key",
                inputs.config.as_ref().map(|c| c.origin.as_str()),
                Some(format!("{ENC}.diskEncryptionKey")),
                "pass `--secret-url` and `--key-vault-id` with the BEK secret of this VM",
            );
        }
        s.diskencryptionkey.is_some() || s.keyencryptionkey.is_some()
    });

    // Evidence 3: the ADE extension.
    let mut ext: Option<(usize, Flavour, &RawAdeSettings)> = None;
    let empty_settings = RawAdeSettings::default();
    for (i, r) in vm
        .and_then(|v| v.resources.as_ref())
        .into_iter()
        .flatten()
        .enumerate()
    {
        let Some(props) = r.properties.as_ref() else {
            continue;
        };
        let publisher_ok = props
            .publisher
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("Microsoft.Azure.Security"));
        let linux = match props.kind.as_deref() {
            Some(k) if k.eq_ignore_ascii_case("AzureDiskEncryption") => false,
            Some(k) if k.eq_ignore_ascii_case("AzureDiskEncryptionForLinux") => true,
            _ => continue,
        };
        if !publisher_ok {
            continue;
        }
        let version = props.typehandlerversion.as_deref().unwrap_or_default();
        let major = version.split('.').next().unwrap_or_default();
        let flavour = match (linux, major) {
            (false, "1") | (true, "0") => Flavour::Aad,
            (false, "2") | (true, "1") => Flavour::NoAad,
            _ => {
                p.add(Code::UnknownAdeExtensionVersion, format!("ADE extension version `{version}` is not one restore-deploy knows"), inputs.config.as_ref().map(|c| c.origin.as_str()), Some(format!("$.resources[{i}].properties.typeHandlerVersion")), "Windows 1.x / Linux 0.x are with Azure AD, Windows 2.x / Linux 1.x without; pass `--ade aad` or `--ade no-aad`");
                continue;
            }
        };
        ext = Some((
            i,
            flavour,
            props.settings.as_ref().unwrap_or(&empty_settings),
        ));
        break;
    }

    // Evidence 4: an encryption-info blob, or the job naming one.
    let info = inputs.encryption_info.as_ref().and_then(|e| {
        e.raw
            .osdiskkeyandsecretdetails
            .as_ref()
            .map(|d| (e.origin.as_str(), d))
    });
    let job_names_info = inputs
        .job
        .as_ref()
        .filter(|j| j.raw.encryption_info_blob_name.is_some());

    let flavour: Fact<Flavour> = match ov.ade {
        AdeChoice::None => {
            return Some(Encryption::None {
                by: "--ade none".into(),
            })
        }
        AdeChoice::Aad => Fact::new(Flavour::Aad, "--ade aad"),
        AdeChoice::NoAad => Fact::new(Flavour::NoAad, "--ade no-aad"),
        AdeChoice::Auto => {
            let ext_fact = ext.map(|(i, f, _)| Fact::new(f, format!("ADE extension in config {cfg_origin} at $.resources[{i}].properties.typeHandlerVersion")));
            match (settings.is_some(), ext_fact) {
                (true, Some(e)) if e.value == Flavour::NoAad => {
                    p.add(Code::ConflictingEncryptionEvidence, "the VM model has encryption settings (encrypted with Azure AD) but its ADE extension is a version without Azure AD", inputs.config.as_ref().map(|c| c.origin.as_str()), Some(ENC.into()), "pass `--ade aad` or `--ade no-aad` to say which flavour the source VM used; never switch flavours");
                    return None;
                }
                (true, _) => Fact::new(Flavour::Aad, format!("config {cfg_origin} at {ENC}")),
                (false, Some(e)) => e,
                (false, None) => match (info, job_names_info) {
                    (Some((o, _)), _) => Fact::new(Flavour::NoAad, format!("encryption-info blob {o}")),
                    (None, Some(j)) => Fact::new(Flavour::NoAad, format!("job {} names an encryption-info blob", j.origin)),
                    (None, None) => {
                        return Some(Encryption::None {
                            by: "no encryption settings, ADE extension or encryption-info blob in the inputs".into(),
                        })
                    }
                },
            }
        }
    };

    let cfg_o = inputs
        .config
        .as_ref()
        .map(|c| c.origin.as_str())
        .unwrap_or("-");
    let ext_settings = ext.map(|(i, _, s)| (i, s));
    let non_empty = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());

    // BEK secret URL.
    let mut secret: Vec<Cand> = Vec::new();
    if let Some(v) = &ov.secret_url {
        secret.push(Cand::flag("--secret-url", v));
    }
    if let Some(v) = settings
        .and_then(|s| s.diskencryptionkey.as_ref())
        .and_then(|k| non_empty(&k.secreturl))
    {
        secret.push(Cand::input(
            "config",
            cfg_o,
            &format!("{ENC}.diskEncryptionKey.secretUrl"),
            &v,
        ));
    }
    if let Some((o, d)) = info {
        if let Some(v) = non_empty(&d.secreturl) {
            secret.push(Cand::input(
                "encryption-info blob",
                o,
                "$.OsDiskKeyAndSecretDetails.SecretUrl",
                &v,
            ));
        }
    }
    // Key vault id.
    let mut vault: Vec<Cand> = Vec::new();
    if let Some(v) = &ov.key_vault_id {
        vault.push(Cand::flag("--key-vault-id", v));
    }
    if let Some(v) = settings
        .and_then(|s| s.diskencryptionkey.as_ref())
        .and_then(|k| k.sourcevault.as_ref())
        .and_then(|s| non_empty(&s.id))
    {
        vault.push(Cand::input(
            "config",
            cfg_o,
            &format!("{ENC}.diskEncryptionKey.sourceVault.id"),
            &v,
        ));
    }
    if let Some((i, s)) = ext_settings {
        if let Some(v) = non_empty(&s.keyvaultresourceid) {
            vault.push(Cand::input(
                "config",
                cfg_o,
                &format!("$.resources[{i}].properties.settings.KeyVaultResourceId"),
                &v,
            ));
        }
    }
    // KEK URL.
    let mut kek_url: Vec<Cand> = Vec::new();
    if let Some(v) = &ov.key_url {
        kek_url.push(Cand::flag("--key-url", v));
    }
    if let Some(v) = settings
        .and_then(|s| s.keyencryptionkey.as_ref())
        .and_then(|k| non_empty(&k.keyurl))
    {
        kek_url.push(Cand::input(
            "config",
            cfg_o,
            &format!("{ENC}.keyEncryptionKey.keyUrl"),
            &v,
        ));
    }
    if let Some((i, s)) = ext_settings {
        if let Some(v) = non_empty(&s.keyencryptionkeyurl) {
            kek_url.push(Cand::input(
                "config",
                cfg_o,
                &format!("$.resources[{i}].properties.settings.KeyEncryptionKeyURL"),
                &v,
            ));
        }
    }
    if let Some((o, d)) = info {
        if let Some(v) = non_empty(&d.keyurl) {
            kek_url.push(Cand::input(
                "encryption-info blob",
                o,
                "$.OsDiskKeyAndSecretDetails.KeyUrl",
                &v,
            ));
        }
    }
    // KEK vault id.
    let mut kek_vault: Vec<Cand> = Vec::new();
    if let Some(v) = &ov.kek_vault_id {
        kek_vault.push(Cand::flag("--kek-vault-id", v));
    }
    if let Some(v) = settings
        .and_then(|s| s.keyencryptionkey.as_ref())
        .and_then(|k| k.sourcevault.as_ref())
        .and_then(|s| non_empty(&s.id))
    {
        kek_vault.push(Cand::input(
            "config",
            cfg_o,
            &format!("{ENC}.keyEncryptionKey.sourceVault.id"),
            &v,
        ));
    }
    if let Some((i, s)) = ext_settings {
        if let Some(v) = non_empty(&s.kekvaultresourceid) {
            kek_vault.push(Cand::input(
                "config",
                cfg_o,
                &format!("$.resources[{i}].properties.settings.KekVaultResourceId"),
                &v,
            ));
        }
    }

    let before = p.list.len();
    let secret = secret.into_iter().next();
    let vault = vault.into_iter().next();
    let kek_url = kek_url.into_iter().next();
    let kek_vault_cand = kek_vault.into_iter().next();

    // Point at the settings that made the VM count as encrypted, when there are some.
    let (enc_src, enc_at) = match settings {
        Some(_) => (
            inputs.config.as_ref().map(|c| c.origin.as_str()),
            Some(format!("{ENC}.diskEncryptionKey")),
        ),
        None => (None, None),
    };
    if secret.is_none() {
        p.add(Code::IncompleteKeyReference, "the VM is encrypted but no input names its BEK secret URL", enc_src, enc_at.clone(), "pass `--secret-url https://<vault>.vault.azure.net/secrets/<name>/<version>`, or `--encryption-info` with the job's encryption-info blob");
    }
    if vault.is_none() {
        p.add(Code::IncompleteKeyReference, "the VM is encrypted but no input names its key vault's resource id", enc_src, enc_at.clone(), "pass `--key-vault-id /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<name>`");
    }
    let secret_url = secret.and_then(|c| url_fact(c, VaultObject::Secret, "--secret-url", p));
    let key_vault = vault.and_then(|c| vault_fact(c, "--key-vault-id", subscription, p));
    let kek = match kek_url {
        None => {
            if let Some(c) = kek_vault_cand.filter(|c| c.origin.is_none()) {
                p.add(
                    Code::IncompleteKeyReference,
                    format!("`{}` is given but no key encryption key URL", c.by),
                    None,
                    None,
                    "pass `--key-url` with the KEK's versioned URL, or drop `--kek-vault-id`",
                );
            }
            None
        }
        Some(c) => {
            let url = url_fact(c, VaultObject::Key, "--key-url", p);
            let kv = match kek_vault_cand {
                Some(c) => vault_fact(c, "--kek-vault-id", subscription, p),
                // Same vault host as the BEK secret: the KEK lives in the key vault.
                None => match (&url, &secret_url, &key_vault) {
                    (Some(u), Some(s), Some(v)) if u.value.vault_uri == s.value.vault_uri => {
                        Some(Fact::new(
                            v.value.clone(),
                            format!("{} (the KEK is in the same vault as the secret)", v.by),
                        ))
                    }
                    _ => {
                        p.add(Code::IncompleteKeyReference, "the VM uses a key encryption key but no input names the KEK's vault", None, None, "pass `--kek-vault-id /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<name>`");
                        None
                    }
                },
            };
            if let (Some(u), Some(v)) = (&url, &kv) {
                mismatch(&u.value, &v.value, "key URL", "--kek-vault-id", p);
            }
            match (url, kv) {
                (Some(url), Some(vault)) => Some(Kek { url, vault }),
                _ => None,
            }
        }
    };
    if let (Some(s), Some(v)) = (&secret_url, &key_vault) {
        mismatch(&s.value, &v.value, "secret URL", "--key-vault-id", p);
    }

    let volume_type = match (ov.volume_type, flavour.value) {
        (Some(v), _) => Fact::new(v, "--volume-type"),
        (None, Flavour::Aad) => Fact::new(
            VolumeType::Data,
            "with Azure AD, the restore guide re-applies ADE to data volumes",
        ),
        (None, Flavour::NoAad) => Fact::new(
            VolumeType::All,
            "without Azure AD, the restore guide re-applies ADE to all volumes",
        ),
    };
    let aad_client_id = match flavour.value {
        Flavour::Aad => ext_settings.and_then(|(i, s)| {
            non_empty(&s.aadclientid).map(|v| {
                Fact::new(
                    v,
                    format!("config {cfg_o} at $.resources[{i}].properties.settings.AADClientID"),
                )
            })
        }),
        Flavour::NoAad => None,
    };

    if p.list.len() > before {
        return None;
    }
    Some(Encryption::Ade(Box::new(Ade {
        flavour,
        secret_url: secret_url?,
        key_vault: key_vault?,
        kek,
        volume_type,
        aad_client_id,
    })))
}

fn url_fact(
    c: Cand,
    kind: VaultObject,
    flag: &str,
    p: &mut Problems,
) -> Option<Fact<VaultObjectUrlView>> {
    match VaultObjectUrl::parse(&c.value, kind) {
        Ok(u) => Some(Fact::new(
            VaultObjectUrlView {
                url: u.as_str().to_owned(),
                vault_uri: u.vault_uri(),
            },
            c.by,
        )),
        Err(breaches) => {
            for b in breaches {
                p.add(
                    b.code,
                    b.message,
                    c.origin.as_deref(),
                    c.at.clone(),
                    format!(
                        "pass `{flag}` with the {}'s full versioned https URL",
                        kind.noun()
                    ),
                );
            }
            None
        }
    }
}

fn vault_fact(
    c: Cand,
    flag: &str,
    subscription: Option<&str>,
    p: &mut Problems,
) -> Option<Fact<VaultIdView>> {
    match VaultId::parse(&c.value) {
        Ok(v) => {
            if let Some(sub) = subscription.filter(|s| !s.eq_ignore_ascii_case(v.subscription())) {
                p.add(Code::VaultSubscriptionMismatch, format!("key vault `{}` is in subscription `{}`, the VM in `{sub}`", v.name(), v.subscription()), c.origin.as_deref(), c.at.clone(), "Azure Disk Encryption needs the key vault in the VM's subscription; restore the keys into a vault there and pass it with `".to_owned() + flag + "`");
            }
            Some(Fact::new(
                VaultIdView {
                    id: v.as_str().to_owned(),
                    name: v.name().to_owned(),
                },
                c.by,
            ))
        }
        Err(b) => {
            p.add(
                b.code,
                b.message,
                c.origin.as_deref(),
                c.at,
                format!("pass `{flag}` with the vault's ARM resource id"),
            );
            None
        }
    }
}

fn mismatch(u: &VaultObjectUrlView, v: &VaultIdView, noun: &str, flag: &str, p: &mut Problems) {
    let host_vault = u
        .vault_uri
        .trim_start_matches("https://")
        .split('.')
        .next()
        .unwrap_or_default();
    if !host_vault.eq_ignore_ascii_case(&v.name) {
        p.add(
            Code::UrlVaultMismatch,
            format!(
                "the {noun} `{}` is in vault `{host_vault}` but its vault id names `{}`",
                u.url, v.name
            ),
            None,
            None,
            format!("the URL and `{flag}` must name the same vault"),
        );
    }
}
