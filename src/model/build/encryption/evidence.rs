//! The encryption evidence in the inputs, read once before anything is decided: the OS disk's
//! `encryptionSettings`, the first ADE extension in `resources[]` (with the flavour its version
//! means), the encryption-info blob, and whether the job names one. Evidence that is malformed is
//! reported here, whatever `--ade` says, so one run lists every problem.

use crate::error::Code;
use crate::input::config::{RawAdeSettings, RawEncryptionSettings};
use crate::input::encinfo::RawKeyAndSecretDetails;
use crate::input::Inputs;

use super::super::context::{enc_path, Problems};
use crate::model::ade_extension::AdeExtension;
use crate::model::encryption::Flavour;
use crate::model::provenance::By;

/// An ADE extension found in the config's `resources[]`.
pub(super) struct Extension<'a> {
    pub index: usize,
    pub flavour: Flavour,
    pub settings: &'a RawAdeSettings,
}

/// What the inputs say about encryption, before any decision.
pub(super) struct Evidence<'a> {
    /// The config's origin, `-` without a config.
    pub config: &'a str,
    /// The OS disk's encryption settings, when enabled and naming a key.
    pub settings: Option<&'a RawEncryptionSettings>,
    pub extension: Option<Extension<'a>>,
    /// The encryption-info blob's origin and its OS disk details.
    pub info: Option<(&'a str, &'a RawKeyAndSecretDetails)>,
    /// The origin of a job that names an encryption-info blob.
    pub job_names_info: Option<&'a str>,
    /// That blob's name, and where the job names it.
    pub job_info_blob: Option<(&'a str, String)>,
}

/// An extension without public settings is still evidence of the flavour; it names no key.
static NO_SETTINGS: RawAdeSettings = RawAdeSettings {
    keyvaulturl: None,
    keyvaultresourceid: None,
    keyencryptionkeyurl: None,
    kekvaultresourceid: None,
    aadclientid: None,
    volumetype: None,
    keyencryptionalgorithm: None,
};

impl<'a> Evidence<'a> {
    /// Read every source.
    pub fn gather(inputs: &'a Inputs, p: &mut Problems) -> Self {
        let origin = inputs.config.as_ref().map(|c| c.origin.as_str());
        let vm = inputs.config.as_ref().map(|c| &c.raw);
        let settings = vm
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
                    origin,
                    Some(format!("{}.diskEncryptionKey", enc_path())),
                    "pass `--secret-url` and `--key-vault-id` with the BEK secret of this VM",
                );
            }
            s.diskencryptionkey.is_some() || s.keyencryptionkey.is_some()
        });
        let resources = vm.and_then(|v| v.resources.as_ref());
        let extension = resources
            .into_iter()
            .flatten()
            .enumerate()
            .find_map(|(index, r)| {
                let props = r.properties.as_ref()?;
                let os = AdeExtension::os_of(
                    props.publisher.as_deref().unwrap_or_default(),
                    props.kind.as_deref()?,
                )?;
                let version = props.typehandlerversion.as_deref().unwrap_or_default();
                let Some(flavour) = AdeExtension::flavour_of(os, version) else {
                    p.add(Code::UnknownAdeExtensionVersion, format!("ADE extension version `{version}` is not one restore-deploy knows"), origin, Some(format!("$.resources[{index}].properties.typeHandlerVersion")), "Windows 1.x / Linux 0.x are with Azure AD, Windows 2.x / Linux 1.x without; pass `--ade aad` or `--ade no-aad`");
                    return None;
                };
                let settings = props.settings.as_ref().unwrap_or(&NO_SETTINGS);
                Some(Extension {
                    index,
                    flavour,
                    settings,
                })
            });
        let info = inputs.encryption_info.as_ref().and_then(|e| {
            e.raw
                .osdiskkeyandsecretdetails
                .as_ref()
                .map(|d| (e.origin.as_str(), d))
        });
        let job_names_info = inputs
            .job
            .as_ref()
            .filter(|j| j.raw.encryption_info_blob_name.is_some())
            .map(|j| j.origin.as_str());
        let job_info_blob = inputs.job.as_ref().and_then(|j| {
            let blob = j.raw.encryption_info_blob_name.as_deref()?;
            Some((
                blob,
                format!("{}[\"Encryption Info Blob Name\"]", j.raw.bag_path),
            ))
        });
        Evidence {
            config: origin.unwrap_or("-"),
            settings,
            extension,
            info,
            job_names_info,
            job_info_blob,
        }
    }

    pub fn config_by(&self, path: String) -> By {
        By::Config {
            origin: self.config.to_owned(),
            path,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_inputs::{config, extension, inputs};
    use crate::model::{AdeChoice, Overrides};

    const LINUX: &str = "AzureDiskEncryptionForLinux";

    #[test]
    fn unknown_extension_version_is_reported_and_is_no_evidence() {
        let cfg = config("Linux", "", &extension(LINUX, "2.2", ""));
        let i = inputs(&cfg, None, None, Overrides::default());
        let mut p = Problems::new();
        let ev = Evidence::gather(&i, &mut p);
        assert!(ev.extension.is_none());
        assert_eq!(p.list[0].code, Code::UnknownAdeExtensionVersion);
        assert_eq!(
            p.list[0].location.as_deref(),
            Some("$.resources[0].properties.typeHandlerVersion")
        );
        // Reported even when `--ade` decides, so one run lists every problem.
        let ov = Overrides {
            ade: AdeChoice::None,
            ..Overrides::default()
        };
        let mut p = Problems::new();
        Evidence::gather(&inputs(&cfg, None, None, ov), &mut p);
        assert_eq!(p.list[0].code, Code::UnknownAdeExtensionVersion);
    }

    #[test]
    fn enabled_settings_without_a_bek_name_the_completing_flags() {
        let cfg = config("Windows", r#""enabled": true"#, "");
        let i = inputs(&cfg, None, None, Overrides::default());
        let mut p = Problems::new();
        let ev = Evidence::gather(&i, &mut p);
        assert!(ev.settings.is_none());
        assert_eq!(p.list[0].code, Code::IncompleteKeyReference);
        let help = p.list[0].help.as_deref().unwrap_or_default();
        assert!(
            help.contains("--secret-url") && help.contains("--key-vault-id"),
            "{help}"
        );
    }

    #[test]
    fn disabled_settings_are_no_evidence() {
        let cfg = config(
            "Windows",
            r#""enabled": false, "diskEncryptionKey": {"secretUrl": "x"}"#,
            "",
        );
        let mut p = Problems::new();
        let i = inputs(&cfg, None, None, Overrides::default());
        let ev = Evidence::gather(&i, &mut p);
        assert!(ev.settings.is_none());
        assert!(p.list.is_empty());
    }
}
