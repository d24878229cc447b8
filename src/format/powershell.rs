//! The PowerShell script `restore-vm.ps1` (Az cmdlets): the documented path for every recovery
//! point, including those too old for a template.

use std::path::Path;

use super::{checks, cleanup_step, import_note, missing_params, shown_path, Output};
use crate::error::Error;
use crate::model::Restore;
use crate::plan::{Plan, PlannedFile};
use crate::render;

pub struct PowerShell;

pub(crate) const SCRIPT: &str = "restore-vm.ps1";

impl Output for PowerShell {
    fn preflight(&self, r: &Restore) -> Result<Vec<String>, Error> {
        // The script rebuilds the VM with cmdlets, which work for a recovery point of any date.
        Ok(r.warnings.clone())
    }

    fn file_names(&self) -> &'static [&'static str] {
        &[SCRIPT]
    }

    fn plan(&self, r: &Restore) -> Result<Plan, Error> {
        let hb = render::registry(&[
            render::PS_SCRIPT,
            render::PREPARE_STEPS,
            render::PREPARE_PARAMS,
            render::PREPARE_LITERALS,
            render::PREPARE_NICS,
        ])?;
        let ctx = render::powershell::context(r);
        let text = render::clean_text(&render::render(&hb, render::PS_SCRIPT, &ctx)?);
        Ok(Plan {
            files: vec![PlannedFile { name: SCRIPT, text }],
            known_names: super::every_name(),
        })
    }

    fn main_file(&self, r: &Restore) -> Result<PlannedFile, Error> {
        // The script is the whole bundle.
        let mut plan = self.plan(r)?;
        Ok(plan.files.remove(0))
    }

    fn next_steps(&self, r: &Restore, dir: Option<&Path>) -> String {
        let mut s = String::from("next steps:\n");
        let mut step = 1;
        if dir.is_none() {
            s.push_str(&format!("  {step}. save this script as {SCRIPT}\n"));
            step += 1;
        }
        let mut args: String = missing_params(r, "-VMName", "-VirtualNetworkName", "-SubnetName")
            .iter()
            .map(|m| format!(" {m} <name>"))
            .collect();
        // The blob read from a local file is passed by the path given (a blob URL is the
        // script's default); the script reads it only if a key or secret must be restored.
        args.push_str(&super::encryption_info_arg(r));
        // PowerShell runs a script in the current folder only as `./name`.
        let script = match dir {
            Some(_) => shown_path(dir, SCRIPT),
            None => format!("./{SCRIPT}"),
        };
        let subscription = r.subscription.as_deref().map_or_else(
            || "<subscription of the restored disks>".to_owned(),
            crate::quote::powershell,
        );
        s.push_str(&format!(
            "  {step}. sign in: Connect-AzAccount; Set-AzContext -Subscription {}\n  {}. run: & {}{args}\n",
            subscription,
            step + 1,
            crate::quote::powershell(&script)
        ));
        if r.encryption.is_aad() {
            s.push_str("     the Azure AD client secret is asked for as a secure string\n");
        }
        s.push_str(&import_note(r, "<VMName>"));
        s.push_str(&checks(r, crate::render::prepare::steps(r).is_some()));
        s.push_str(&super::identity_steps(r, "<ResourceGroupName>", "<VMName>"));
        s.push_str(&super::extension_steps(r));
        s.push_str(cleanup_step(r));
        s
    }
}

#[cfg(test)]
mod tests {
    use crate::model::test_inputs::{inputs, CONFIG_PLAIN};
    use crate::model::{build, Overrides};

    /// A VM PUT under an existing name updates that VM: the script must look before it creates
    /// (a VM of that name is accepted only when it carries this restore's OS disk).
    #[test]
    fn the_existing_name_guard_runs_before_anything_is_created() {
        let unmanaged = CONFIG_PLAIN.replace(
            r#""managedDisk": {"id": "/subscriptions/3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c/resourceGroups/rg/providers/Microsoft.Compute/disks/os"}"#,
            r#""vhd": {"uri": "https://acct.blob.core.windows.net/c/os.vhd"}"#,
        );
        assert_ne!(unmanaged, CONFIG_PLAIN);
        for cfg in [CONFIG_PLAIN, unmanaged.as_str()] {
            let ov = Overrides {
                public_ip: Some(true),
                ..Overrides::default()
            };
            let r = build(&inputs(cfg, None, None, ov)).expect("valid");
            let plan = crate::format::plan(&r, crate::cli::Format::Powershell).expect("plan");
            let script = &plan.files[0].text;
            let guard = script
                .find("with other disks: choose another -VMName")
                .expect("guard");
            for creating in [
                "New-AzDisk ",
                "New-AzPublicIpAddress ",
                "New-AzNetworkInterface ",
                "New-AzVM ",
            ] {
                if let Some(at) = script.find(creating) {
                    assert!(guard < at, "{creating} runs before the guard");
                }
            }
            assert!(script.contains("New-AzVM "));
        }
    }

    /// Each imported disk carries the VM's zones and the KEK step from its own item (the
    /// templates never read out of a loop); no fixture has a zonal unmanaged VM.
    #[test]
    fn a_zonal_single_pass_import_puts_each_disk_in_the_zone_and_wraps_its_key() {
        use crate::model::test_inputs::{info, KEK, KV, SECRET};
        let zonal = CONFIG_PLAIN
            .replace(
                r#""managedDisk": {"id": "/subscriptions/3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c/resourceGroups/rg/providers/Microsoft.Compute/disks/os"}"#,
                r#""vhd": {"uri": "https://acct.blob.core.windows.net/c/os.vhd"}"#,
            )
            .replacen(r#""name": "vm1","#, r#""name": "vm1", "zones": ["2"],"#, 1);
        let ov = Overrides {
            key_vault_id: Some(KV.into()),
            ..Overrides::default()
        };
        for (key, kek_step) in [(Some(KEK), true), (None, false)] {
            let r =
                build(&inputs(&zonal, Some(&info(SECRET, key)), None, ov.clone())).expect("valid");
            assert_eq!(r.zones, ["2"]);
            let plan = crate::format::plan(&r, crate::cli::Format::Powershell).expect("plan");
            let script = &plan.files[0].text;
            let config = script
                .lines()
                .find(|l| l.contains("New-AzDiskConfig"))
                .expect("the OS disk is imported");
            assert!(config.contains(" -Zone @('2')"), "{config}");
            assert!(
                config.contains("-EncryptionSettingsEnabled $true"),
                "{config}"
            );
            assert_eq!(
                script.contains("Set-AzDiskKeyEncryptionKey -Disk $diskConfig"),
                kek_step
            );
            assert!(script.contains("Set-AzDiskDiskEncryptionKey -Disk $diskConfig"));
        }
    }
}
