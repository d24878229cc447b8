//! What has to happen before the deployment, beyond the VM itself: where `--restore-keys` puts
//! the BEK secret and KEK it restores from the encryption-info blob, and whether Azure Backup is
//! likely to have left the restored disks without their ADE settings.
//!
//! Key Vault restores a backup only into a vault of the same subscription (and geography), and
//! ADE needs the vault in the VM's subscription anyway, so a target vault elsewhere is refused
//! here rather than by a half-run script.

use crate::error::Code;
use crate::input::Inputs;

use super::context::Problems;
use crate::model::disk::at_risk;
use crate::model::disk::Disks;
use crate::model::encryption::Encryption;
use crate::model::ids::VaultId;
use crate::model::restore::{KeyRestore, Prepare};

/// A blob URL loses its query (the SAS) before it is written into a script: the script reads the
/// blob with the operator's own Az session, and a SAS in a file outlives its purpose.
fn blob_url(origin: &str) -> Option<String> {
    match url::Url::parse(origin) {
        Ok(mut u) if matches!(u.scheme(), "http" | "https") => {
            u.set_query(None);
            u.set_fragment(None);
            Some(u.to_string())
        }
        _ => None,
    }
}

pub(super) fn prepare(
    inputs: &Inputs,
    encryption: Option<&Encryption>,
    disks: Option<&Disks>,
    subscription: Option<&str>,
    p: &mut Problems,
) -> Prepare {
    // Azure Backup leaves out the ADE settings it would restore; a VM without them loses nothing.
    let at_risk = match (encryption, disks) {
        (Some(Encryption::Ade(_)), Some(d)) => at_risk(d),
        (Some(Encryption::None { .. }) | None, _) | (Some(Encryption::Ade(_)), None) => Vec::new(),
    };
    let ov = &inputs.overrides;
    let restore_keys = match (ov.restore_keys, ov.target_key_vault.as_deref()) {
        (false, _) => None,
        (true, None) => {
            p.add(
                Code::Usage,
                "`--restore-keys` needs the vault to restore into",
                None,
                None,
                "pass `--target-key-vault` with the resource id of a key vault in the VM's subscription and region",
            );
            None
        }
        (true, Some(raw)) => target(raw, encryption, subscription, p).map(|target| KeyRestore {
            target,
            encryption_info: inputs
                .encryption_info
                .as_ref()
                .and_then(|i| blob_url(&i.origin)),
            encryption_info_file: inputs
                .encryption_info
                .as_ref()
                .filter(|i| blob_url(&i.origin).is_none() && i.origin != "-")
                .map(|i| i.origin.clone()),
            machine_name: inputs
                .config
                .as_ref()
                .and_then(|c| c.raw.name.clone())
                .filter(|n| !n.is_empty()),
        }),
    };
    Prepare {
        restore_keys,
        at_risk,
    }
}

fn target(
    raw: &str,
    encryption: Option<&Encryption>,
    subscription: Option<&str>,
    p: &mut Problems,
) -> Option<VaultId> {
    let encrypted = match encryption {
        Some(Encryption::Ade(_)) => true,
        Some(Encryption::None { .. }) => false,
        // The encryption was refused (reported already): the target is still checked.
        None => true,
    };
    if !encrypted {
        p.add(
            Code::Usage,
            "`--restore-keys` restores the keys of an encrypted VM, and this VM is not encrypted",
            None,
            None,
            "drop `--restore-keys`, or pass `--ade aad` or `--ade no-aad` if the VM was encrypted",
        );
        return None;
    }
    let vault = match (VaultId::parse(raw), known_vault(raw, encryption)) {
        (Ok(v), _) => v,
        // A bare name of a vault the restore already names by id (the source's key vault or
        // KEK vault: restoring deleted keys into their own vault) is that vault (newcomer
        // row 25); any other name's group is not known here.
        (Err(_), Some(v)) => v,
        (Err(b), None) => {
            let bare = !raw.contains('/') && !raw.trim().is_empty();
            let help = if bare {
                format!(
                    "pass `--target-key-vault` with the vault's resource id: `az keyvault show --name {}{} --query id --output tsv` prints it",
                    crate::quote::bash(raw),
                    subscription.map_or_else(String::new, |s| format!(
                        " --subscription {}",
                        crate::quote::bash(s)
                    ))
                )
            } else {
                "pass `--target-key-vault /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<name>`".to_owned()
            };
            p.add(b.code, b.message, None, None, help);
            return None;
        }
    };
    if let Some(why) = strict_target(&vault) {
        p.add(
            Code::InvalidVaultId,
            format!("`--target-key-vault` `{}` {why}", crate::error::shown(raw)),
            None,
            None,
            "pass the id `az keyvault show -n <vault> --query id -o tsv` prints",
        );
        return None;
    }
    // The VM's subscription: its id or its restored disks' ids, else that of the vault holding
    // its disk encryption key, which ADE requires to be the VM's.
    let (sub, whose) = match (subscription, encryption) {
        (Some(sub), _) => (Some(sub.to_owned()), "the VM"),
        (None, Some(Encryption::Ade(ade))) => (
            Some(ade.key_vault.value.subscription().to_owned()),
            "the VM's disk encryption key vault (ADE keeps it in the VM's subscription)",
        ),
        (None, _) => (None, "the VM"),
    };
    match sub {
        Some(sub) if !sub.eq_ignore_ascii_case(vault.subscription()) => {
            p.add(
                Code::TargetVaultInAnotherSubscription,
                format!(
                    "the target key vault `{}` is in subscription `{}`, {whose} in `{sub}`; Key Vault restores a backup only within one subscription and geography",
                    vault.name(),
                    vault.subscription()
                ),
                None,
                None,
                Code::TargetVaultInAnotherSubscription.default_help(),
            );
            None
        }
        _ => Some(vault),
    }
}

/// The vault the restore names by id (its key vault, its KEK's vault) whose name is `raw`.
fn known_vault(raw: &str, encryption: Option<&Encryption>) -> Option<VaultId> {
    let Some(Encryption::Ade(ade)) = encryption else {
        return None;
    };
    let name = raw.trim();
    std::iter::once(&ade.key_vault.value)
        .chain(ade.kek.as_ref().map(|k| &k.vault.value))
        .find(|v| v.name().eq_ignore_ascii_case(name))
        .cloned()
}

/// What Azure would refuse in a vault id the operator typed: a subscription that is not a GUID,
/// or a vault name outside Key Vault's rule (3 to 24 ASCII letters, digits and `-`, a letter
/// first, a letter or digit last, no `--`). `VaultId::parse` has checked the shape and group.
fn strict_target(vault: &VaultId) -> Option<&'static str> {
    let sub = vault.subscription();
    let guid = sub.len() == 36
        && sub.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    let name = vault.name();
    let name_ok = (3..=24).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
        && !name.contains("--");
    if !guid {
        Some("names a subscription that is not a GUID")
    } else if !name_ok {
        Some("names a vault Azure cannot have (3 to 24 letters, digits and `-`, a letter first, a letter or digit last)")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_inputs::{config, inputs, settings, CONFIG_PLAIN, KV, KV2, SECRET, SUB};
    use crate::model::{build, Overrides};

    const OTHER_SUB_KV: &str = "/subscriptions/99999999-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kvx";

    fn restore_keys(target: &str) -> Overrides {
        Overrides {
            restore_keys: true,
            target_key_vault: Some(target.to_owned()),
            ..Overrides::default()
        }
    }

    #[test]
    fn a_target_vault_in_the_vms_subscription_is_taken() {
        let cfg = config("Windows", &settings(SECRET, KV, None), "");
        let r = build(&inputs(&cfg, None, None, restore_keys(KV))).expect("builds");
        let k = r.prepare.restore_keys.expect("restore");
        assert_eq!(k.target.as_str(), KV);
        assert_eq!(k.machine_name.as_deref(), Some("vm1"));
    }

    #[test]
    fn a_target_vault_in_another_subscription_is_refused() {
        let cfg = config("Windows", &settings(SECRET, KV, None), "");
        let e = build(&inputs(&cfg, None, None, restore_keys(OTHER_SUB_KV))).expect_err("refused");
        assert_eq!(e.0[0].code, Code::TargetVaultInAnotherSubscription);
        assert!(e.0[0].message.contains("kvx"), "{}", e.0[0].message);
    }

    #[test]
    fn restoring_keys_of_an_unencrypted_vm_is_refused() {
        let e = build(&inputs(CONFIG_PLAIN, None, None, restore_keys(KV))).expect_err("refused");
        assert_eq!(e.0[0].code, Code::Usage);
        let e = build(&inputs(CONFIG_PLAIN, None, None, restore_keys("kv1"))).expect_err("bad");
        assert_eq!(e.0[0].code, Code::Usage, "not encrypted is said first");
    }

    #[test]
    fn a_malformed_target_is_refused() {
        let cfg = config("Windows", &settings(SECRET, KV, None), "");
        let e = build(&inputs(&cfg, None, None, restore_keys("kv-other"))).expect_err("bad id");
        assert_eq!(e.0[0].code, Code::InvalidVaultId);
        assert!(
            e.0[0].help.as_deref().is_some_and(|h| h.contains(
                "az keyvault show --name 'kv-other' --subscription '3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c'"
            )),
            "{e}"
        );
        // The name of the vault the restore names by id is that vault (newcomer row 25).
        let r = build(&inputs(&cfg, None, None, restore_keys("KV1"))).expect("the known vault");
        assert_eq!(
            r.prepare.restore_keys.map(|k| k.target.as_str().to_owned()),
            Some(KV.to_owned())
        );
    }

    /// K1: an id the parser reads yet Azure cannot have is refused at generation, not when the
    /// script runs `Get-AzKeyVault`.
    #[test]
    fn a_target_vault_id_azure_cannot_have_is_refused() {
        let cfg = config("Windows", &settings(SECRET, KV, None), "");
        let g = "/subscriptions/3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c/resourceGroups";
        let long = "k".repeat(300);
        for bad in [
            format!("{g}/../providers/Microsoft.KeyVault/vaults/kv-dr"),
            format!("{g}/rg/providers/Microsoft.KeyVault/vaults/kv name?x#y"),
            format!("{g}/rg/providers/Microsoft.KeyVault/vaults/kv-dr?api-version=1#x"),
            format!("{g}/rg/providers/Microsoft.KeyVault/vaults/%2F..%2Fx"),
            format!("{g}/rg/providers/Microsoft.KeyVault/vaults/{long}"),
            format!("{g}/rg/providers/Microsoft.KeyVault/vaults/kv"),
            format!("{g}/rg/providers/Microsoft.KeyVault/vaults/1kv"),
            format!("{g}/rg/providers/Microsoft.KeyVault/vaults/kv--dr"),
            format!("{g}/rg/providers/Microsoft.KeyVault/vaults/kv-"),
            "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-dr".into(),
        ] {
            let e = build(&inputs(&cfg, None, None, restore_keys(&bad))).expect_err(&bad);
            assert!(
                matches!(
                    e.0[0].code,
                    Code::InvalidVaultId | Code::InvalidResourceGroupName
                ),
                "{bad}: {:?}",
                e.0
            );
        }
        let ok = format!("{g}/rg-keys-dr/providers/Microsoft.KeyVault/vaults/kv-Contoso-DR-01");
        build(&inputs(&cfg, None, None, restore_keys(&ok))).expect("Azure's own shape");
    }

    /// K2: with no VM id and VHD disks, the VM's subscription is its disk encryption key
    /// vault's (ADE's rule), and a target vault elsewhere is still refused.
    #[test]
    fn a_target_vault_in_another_subscription_is_refused_without_a_vm_id() {
        let cfg = config("Windows", &settings(SECRET, KV, None), "")
            .replace(
                &format!(r#""id": "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1","#),
                "",
            )
            .replace(
                &format!(r#""managedDisk": {{"id": "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/disks/os"}}"#),
                r#""vhd": {"uri": "https://strestorestaging01.blob.core.windows.net/vm1-c/os.vhd"}"#,
            );
        assert!(
            !cfg.contains("virtualMachines") && cfg.contains(".vhd"),
            "{cfg}"
        );
        let e = build(&inputs(&cfg, None, None, restore_keys(OTHER_SUB_KV))).expect_err("refused");
        assert_eq!(
            e.0[0].code,
            Code::TargetVaultInAnotherSubscription,
            "{:?}",
            e.0
        );
        assert!(e.0[0].message.contains(SUB), "{}", e.0[0].message);
        build(&inputs(&cfg, None, None, restore_keys(KV2))).expect("same subscription");
    }

    #[test]
    fn a_sas_is_never_kept_in_the_blob_url() {
        assert_eq!(
            blob_url("https://a.blob.core.windows.net/c/b.json?sv=1&sig=REDACTED").as_deref(),
            Some("https://a.blob.core.windows.net/c/b.json")
        );
        assert_eq!(
            blob_url("dir/encinfo.json"),
            None,
            "a local path is not carried"
        );
        assert_eq!(blob_url("C:\\restore\\encinfo.json"), None);
    }
}
