//! Restores that validate field by field yet cannot come up unlocked, refused before anything is
//! written, so `generate`, `inspect` and `check` (which all build the model) say the same:
//!
//! - a restore at risk (Azure Backup leaves the disks of a VM with more than 16 disks, or a disk
//!   above the size limit, without their ADE settings) whose BEK secret URL is unknown: nothing
//!   can stamp the OS disk, so the VM cannot unlock;
//! - Azure AD (dual-pass) ADE on a Trusted Launch (Generation 2) VM, which Azure refuses:
//!   "Azure Disk Encryption is not supported with Generation 2 Hypervisor" (409 `NotSupported`,
//!   MicrosoftDocs/azure-docs#120835, Azure/azure-linux-extensions#1212);
//! - `--vm-size` in a family ADE is not available on: "Azure Disk Encryption is not available on
//!   Basic, A-series VMs, v6 series VMs, v7 series VMs, or newer" (MicrosoftDocs/azure-compute-docs
//!   `articles/virtual-machines/windows/disk-encryption-overview.md` @48af4dd8, and the Linux
//!   overview @083d1e0c). The source's own size is only warned about: it ran ADE.

use crate::error::{Code, Error};
use crate::input::Inputs;

use crate::model::encryption::Encryption;
use crate::model::provenance::Fact;
use crate::model::restore::{Prepare, Restore};

/// What a refusal here needs from the half-built model.
pub(super) struct Parts<'a> {
    pub encryption: Option<&'a Encryption>,
    pub prepare: &'a Prepare,
    pub vm_size: Option<&'a Fact<String>>,
    pub trusted_launch: bool,
}

pub(super) fn refusals(inputs: &Inputs, parts: &Parts) -> Vec<Error> {
    let mut out = Vec::new();
    // Exhaustive, so a new encryption case must say here whether it can leave a VM locked.
    let ade = match parts.encryption {
        None | Some(Encryption::None { .. }) => return out,
        Some(Encryption::Ade(ade)) => ade,
    };
    let doing = "checking that the restored VM can unlock its disks";
    if !parts.prepare.at_risk.is_empty() && ade.secret_url.is_none() {
        let why: Vec<String> = parts
            .prepare
            .at_risk
            .iter()
            .map(|r| r.to_string())
            .collect();
        let job = inputs.job.as_ref();
        let blob = job
            .and_then(|j| j.raw.encryption_info_blob_name.as_deref())
            .map_or_else(
                || "<the job's Encryption Info Blob Name>".to_owned(),
                str::to_owned,
            );
        let mut e = Error::new(
            Code::IncompleteKeyReference,
            format!(
                "the restore is at risk: {}, so Azure Backup may have left the OS disk without its ADE settings, and no input names the BEK secret URL to stamp it with: the VM could not unlock",
                why.join("; ")
            ),
        )
        .doing(doing)
        .help(format!(
            "pass `--encryption-info {blob}` (the encryption-info blob in the job's container; prepare.ps1 then stamps the OS disk), or `--secret-url https://<vault>.vault.azure.net/secrets/<name>/<version>`"
        ));
        if let Some(j) = job {
            let at = match j.raw.encryption_info_blob_name {
                Some(_) => format!("{}[\"Encryption Info Blob Name\"]", j.raw.bag_path),
                None => j.raw.bag_path.clone(),
            };
            e = e.source(&j.origin).at(at);
        }
        out.push(e);
    }
    if ade.flavour.value.is_aad() && parts.trusted_launch {
        let mut e = Error::new(
            Code::UnsupportedAadOnGeneration2,
            format!(
                "Azure AD (dual-pass) ADE ({}) on a Trusted Launch VM: Azure refuses Azure Disk Encryption with Azure AD on Generation 2 VMs",
                ade.flavour.by
            ),
        )
        .doing(doing)
        .help("a Trusted Launch source was encrypted without Azure AD: drop `--ade aad` (or pass `--ade no-aad`), and check the config blob's ADE extension");
        if let (Some(c), false) = (inputs.config.as_ref(), ade.flavour.by.is_flag()) {
            e = e
                .source(&c.origin)
                .at("$.properties.securityProfile.securityType");
        }
        out.push(e);
    }
    if let Some(size) = parts.vm_size.filter(|s| s.by.is_flag()) {
        if let Some(family) = unsupported_family(&size.value) {
            out.push(
                Error::new(
                    Code::UnsupportedVmSize,
                    format!(
                        "`--vm-size {}` is {family}: Azure Disk Encryption is not available on Basic, A-series, v6, v7 or newer sizes, so the restored disks would not unlock",
                        size.value
                    ),
                )
                .doing(doing)
                .help("pass a size of a family ADE supports (v5 or older, not Basic or A-series), e.g. `--vm-size Standard_D4s_v5`, or leave `--vm-size` out to keep the source's"),
            );
        }
    }
    out
}

/// The family of a size ADE is not available on, in words, or `None`.
pub(super) fn unsupported_family(size: &str) -> Option<String> {
    let lower = size.trim().to_ascii_lowercase();
    if lower.starts_with("basic_") {
        return Some("a Basic size".into());
    }
    // Standard_A0 … A11, Standard_A1_v2, Standard_A8m_v2: the A-series (no other family starts
    // with A followed by a digit).
    if lower
        .strip_prefix("standard_a")
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
    {
        return Some("an A-series size".into());
    }
    // The version is the `_v<N>` part (Standard_D4s_v6, Standard_E8ads_v7, Standard_D2s_v3_Promo).
    let version = lower
        .split('_')
        .filter_map(|part| part.strip_prefix('v'))
        .filter_map(|n| n.parse::<u32>().ok())
        .max();
    match version {
        Some(v) if v >= 6 => Some(format!("a v{v} size")),
        _ => None,
    }
}

/// What the inputs cannot refuse but the operator checks: the source's own size in such a family.
pub(super) fn warnings(r: &Restore) -> Vec<String> {
    let mut out = Vec::new();
    if r.encryption.ade().is_some() && !r.vm_size.by.is_flag() {
        if let Some(family) = unsupported_family(&r.vm_size.value) {
            out.push(format!(
                "warning: the source's size `{}` is {family}, on which Azure Disk Encryption is not available: pass `--vm-size` with a v5 or older size if the extension fails",
                r.vm_size.value
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_inputs::{config, extension, info, inputs, settings, KV, SECRET};
    use crate::model::{build, AdeChoice, Overrides};

    /// A single-pass Windows VM on managed disks whose config names no secret URL (the extension
    /// alone), with a 8,192 GB OS disk: at risk.
    fn at_risk_config() -> String {
        let ext = extension(
            "AzureDiskEncryption",
            "2.2",
            &format!(
                r#""KeyVaultURL": "https://kv1.vault.azure.net/", "KeyVaultResourceId": "{KV}""#
            ),
        );
        config("Windows", "", &ext).replace(
            r#""osType": "Windows","#,
            r#""osType": "Windows", "diskSizeGB": 8192,"#,
        )
    }

    #[test]
    fn an_at_risk_restore_without_the_secret_url_is_refused_naming_the_blob() {
        let cfg = at_risk_config();
        let job = r#"{"Job Type": "Recover disks", "Encryption Info Blob Name": "encryptioninfo-vm1-1fc2d55d.json"}"#;
        let e = build(&inputs(&cfg, None, Some(job), Overrides::default())).expect_err("refused");
        assert_eq!(e.0.len(), 1, "{:?}", e.0);
        assert_eq!(e.0[0].code, Code::IncompleteKeyReference);
        assert!(e.0[0].message.contains("8192 GB"), "{}", e.0[0].message);
        let help = e.0[0].help.as_deref().unwrap_or_default();
        assert!(
            help.contains("--encryption-info encryptioninfo-vm1-1fc2d55d.json")
                && help.contains("--secret-url"),
            "{help}"
        );
        // Without a job the blob is named by where to find it.
        let e = build(&inputs(&cfg, None, None, Overrides::default())).expect_err("refused");
        assert!(e.0[0]
            .help
            .as_deref()
            .unwrap_or_default()
            .contains("--encryption-info <the job's Encryption Info Blob Name>"));
        // The encryption-info blob or the flag gives the URL: it deploys.
        build(&inputs(
            &cfg,
            Some(&info(SECRET, None)),
            Some(job),
            Overrides::default(),
        ))
        .expect("with the blob");
        let ov = Overrides {
            secret_url: Some(SECRET.into()),
            ..Overrides::default()
        };
        build(&inputs(&cfg, None, None, ov)).expect("with --secret-url");
        // The same VM with small disks needs no secret URL.
        let small = cfg.replace(r#""diskSizeGB": 8192,"#, "");
        build(&inputs(&small, None, None, Overrides::default())).expect("not at risk");
    }

    #[test]
    fn azure_ad_on_trusted_launch_is_refused_by_name() {
        let tl = |c: String| {
            c.replace(
                r#""properties": {"hardwareProfile""#,
                r#""properties": {"securityProfile": {"securityType": "TrustedLaunch"}, "hardwareProfile""#,
            )
        };
        let single = extension(
            "AzureDiskEncryption",
            "2.2",
            &format!(
                r#""KeyVaultURL": "https://kv1.vault.azure.net/", "KeyVaultResourceId": "{KV}""#
            ),
        );
        build(&inputs(
            &tl(config("Windows", "", &single)),
            None,
            None,
            Overrides::default(),
        ))
        .expect("single-pass on Trusted Launch is fine");
        // VM-level encryption settings are Azure AD's: the source says dual-pass.
        let aad = tl(config("Windows", &settings(SECRET, KV, None), ""));
        let e = build(&inputs(&aad, None, None, Overrides::default())).expect_err("refused");
        assert_eq!(e.0[0].code, Code::UnsupportedAadOnGeneration2);
        assert_eq!(
            e.0[0].location.as_deref(),
            Some("$.properties.securityProfile.securityType")
        );
        let ov = Overrides {
            ade: AdeChoice::Aad,
            ..Overrides::default()
        };
        let e = build(&inputs(&aad, None, None, ov)).expect_err("refused");
        assert!(e.0[0].message.contains("--ade aad"), "{}", e.0[0].message);
    }

    #[test]
    fn a_size_ade_does_not_run_on_is_refused_from_the_flag_and_warned_from_the_source() {
        let cfg = config("Windows", &settings(SECRET, KV, None), "");
        let ov = Overrides {
            vm_size: Some("Standard_D4s_v6".into()),
            ..Overrides::default()
        };
        let e = build(&inputs(&cfg, None, None, ov)).expect_err("refused");
        assert_eq!(e.0[0].code, Code::UnsupportedVmSize);
        assert!(
            e.0[0]
                .message
                .contains("`--vm-size Standard_D4s_v6` is a v6 size"),
            "{}",
            e.0[0].message
        );
        let ov = Overrides {
            vm_size: Some("Standard_D4s_v5".into()),
            ..Overrides::default()
        };
        build(&inputs(&cfg, None, None, ov)).expect("v5 is fine");
        let v6 = cfg.replace("Standard_D2s_v3", "Standard_D2s_v6");
        let r =
            build(&inputs(&v6, None, None, Overrides::default())).expect("the source's own size");
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains("`Standard_D2s_v6` is a v6 size")),
            "{:?}",
            r.warnings
        );
        // An unencrypted VM may take any size.
        let plain = crate::model::test_inputs::CONFIG_PLAIN;
        let ov = Overrides {
            vm_size: Some("Standard_D4s_v6".into()),
            ..Overrides::default()
        };
        build(&inputs(plain, None, None, ov)).expect("no ADE, no rule");
    }

    #[test]
    fn families_ade_does_not_run_on_are_named() {
        for (size, family) in [
            ("Basic_A1", "a Basic size"),
            ("Standard_A2_v2", "an A-series size"),
            ("Standard_A8m_v2", "an A-series size"),
            ("Standard_A4", "an A-series size"),
            ("Standard_D4s_v6", "a v6 size"),
            ("Standard_E8ads_v7", "a v7 size"),
            ("standard_d2as_v8", "a v8 size"),
        ] {
            assert_eq!(unsupported_family(size).as_deref(), Some(family), "{size}");
        }
        for ok in [
            "Standard_D4s_v5",
            "Standard_D2s_v3",
            "Standard_DS3_v2",
            "Standard_E16-4ds_v5",
            "Standard_B2ms",
            "Standard_F8s",
            "Standard_D2s_v3_Promo",
            "Standard_NV6",
        ] {
            assert_eq!(unsupported_family(ok), None, "{ok}");
        }
    }
}
