//! The ARM bundle: `azuredeploy.json` and `azuredeploy.parameters.json`, and for an encrypted VM
//! `prepare.ps1`, the steps a template cannot hold (Key Vault checks, key restore, OS disk
//! re-stamp). Azure supports templates only for recovery points created from 2017-04-26 on, so
//! this format refuses older ones.

use std::path::Path;

use super::{checks, cleanup_step, import_note, missing_params, shown_path, Output};
use crate::error::{Code, Error};
use crate::model::time::TemplateSupport;
use crate::model::{Fact, RecoveryPoint, Restore};
use crate::plan::{Plan, PlannedFile};
use crate::render;

pub struct Arm;

pub(crate) const TEMPLATE: &str = "azuredeploy.json";
pub(crate) const PARAMETERS: &str = "azuredeploy.parameters.json";
pub(crate) const PREPARE: &str = "prepare.ps1";

/// The date rule as an error the operator can act on. `None` recovery point: the time is unknown.
pub(crate) fn template_allowed(rp: Option<&Fact<RecoveryPoint>>) -> Result<TemplateSupport, Error> {
    let support = TemplateSupport::of(rp.map(|rp| rp.value.at));
    match (support, rp) {
        (TemplateSupport::Unknown, _) | (_, None) => Err(Error::new(Code::RecoveryPointTimeUnknown, "the recovery point time is unknown, and ARM templates exist only for recovery points from 2017-04-26 on")
            .doing("checking that an ARM template is possible")
            .help("pass `--job` with the restore job's details, or `--recovery-point-time 2019-12-25T22:07:11Z`; `--format powershell` works for any recovery point")),
        (TemplateSupport::Before, Some(rp)) => Err(Error::new(
            Code::RecoveryPointBeforeTemplateSupport,
            format!("the recovery point was created at `{}`, before 2017-04-26, and Azure supports no template for it", rp.value.at.format("%Y-%m-%dT%H:%M:%SZ")),
        )
        .cause(format!("the recovery point time comes from {}", rp.by))
        .doing("checking that an ARM template is possible")
        .help("use `--format powershell`, the documented path for recovery points before 2017-04-26")),
        (s, Some(_)) => Ok(s),
    }
}

/// What `prepare.ps1` does for this restore, in the order it does it.
fn prepare_does(r: &Restore) -> String {
    let mut what = vec!["it checks the key vault and the keys".to_owned()];
    if let Some(k) = &r.prepare.restore_keys {
        let blob = match (&k.encryption_info, &k.encryption_info_file) {
            (Some(_), _) | (None, Some(_)) => "",
            (None, None) => {
                " (if one must be, it asks for the blob's file or URL as -EncryptionInfo)"
            }
        };
        what.push(format!(
            "restores the ones that no longer exist into `{}` from the encryption-info blob{blob}",
            k.target.name()
        ));
    }
    if is_no_aad_managed(r) {
        what.push(
            "stamps the OS disk's encryption settings if Azure Backup left it without them"
                .to_owned(),
        );
    }
    what.join(", ")
}

fn is_no_aad_managed(r: &Restore) -> bool {
    r.encryption.is_single_pass() && r.disks.kind() == crate::model::DiskKind::Managed
}

/// `azuredeploy.json`, the main file, from its context.
fn template(
    hb: &handlebars::Handlebars,
    t: &render::arm::TemplateContext,
) -> Result<String, Error> {
    render::clean_json(
        render::ARM_TEMPLATE,
        &render::render(hb, render::ARM_TEMPLATE, t)?,
    )
}

impl Output for Arm {
    fn file_names(&self) -> &'static [&'static str] {
        &[TEMPLATE, PARAMETERS, PREPARE]
    }

    fn preflight(&self, r: &Restore) -> Result<Vec<String>, Error> {
        let mut w = match template_allowed(r.recovery_point.as_ref())? {
            TemplateSupport::FirstDay => vec!["warning: the recovery point is from 2017-04-26 itself; Azure's guide says templates work for points created *after* that day. If the deployment fails, use `--format powershell`.".to_owned()],
            _ => Vec::new(),
        };
        // The check that no other VM holds a reused source NIC runs in `prepare.ps1`: a bundle
        // without one could attach a NIC unchecked.
        if r.reuse_source_nics && render::prepare::script(r, TEMPLATE, PARAMETERS).is_none() {
            return Err(Error::new(
                crate::error::Code::ConflictingNicOptions,
                "`--reuse-source-nics` with `--format arm` needs prepare.ps1 to check that no other VM holds each source NIC, and this restore's bundle has none (only an encrypted restore whose BEK secret URL is known gets one)",
            )
            .help("use `--format powershell`, whose script checks the NICs before attaching them, or drop `--reuse-source-nics` to create new NICs"));
        }
        w.extend(r.warnings.iter().cloned());
        Ok(w)
    }

    fn plan(&self, r: &Restore) -> Result<Plan, Error> {
        // `prepare.ps1`'s templates are compiled only for a bundle that has one.
        let hb = render::registry(&[render::ARM_TEMPLATE, render::ARM_PARAMETERS])?;
        let (t, p) = render::arm::contexts(r);
        let params = render::clean_json(
            render::ARM_PARAMETERS,
            &render::render(&hb, render::ARM_PARAMETERS, &p)?,
        )?;
        let mut files = vec![
            PlannedFile {
                name: TEMPLATE,
                text: template(&hb, &t)?,
            },
            PlannedFile {
                name: PARAMETERS,
                text: params,
            },
        ];
        if let Some(ctx) = render::prepare::script(r, TEMPLATE, PARAMETERS) {
            files.push(PlannedFile {
                name: PREPARE,
                text: render::clean_text(&render::render(
                    &*render::registry(&[
                        render::PREPARE_SCRIPT,
                        render::PREPARE_STEPS,
                        render::PREPARE_PARAMS,
                        render::PREPARE_LITERALS,
                        render::PREPARE_NICS,
                    ])?,
                    render::PREPARE_SCRIPT,
                    &ctx,
                )?),
            });
        }
        Ok(Plan {
            files,
            known_names: super::every_name(),
        })
    }

    fn main_file(&self, r: &Restore) -> Result<PlannedFile, Error> {
        let hb = render::registry(&[render::ARM_TEMPLATE])?;
        Ok(PlannedFile {
            name: TEMPLATE,
            text: template(&hb, &render::arm::contexts(r).0)?,
        })
    }

    fn next_steps(&self, r: &Restore, dir: Option<&Path>) -> String {
        let path = |name| shown_path(dir, name);
        let missing = missing_params(r, "virtualMachineName", "virtualNetwork", "subnet");
        let mut s = String::from("next steps:\n");
        let mut step = 1;
        let prepare = render::prepare::steps(r).is_some();
        // Standard output holds only the template: the steps say so, and name no file this run
        // did not write (newcomer rows 3 and 26).
        if dir.is_none() {
            let others = if prepare {
                format!("{PARAMETERS} and {PREPARE} (the key checks and disk stamping to run before deploying)")
            } else {
                PARAMETERS.to_string()
            };
            s.push_str(&format!(
                "  {step}. save this template as {TEMPLATE}; this run wrote no {others}: run it again with `--out DIR` to get them\n"
            ));
            step += 1;
        }
        if dir.is_some() {
            if missing.is_empty() {
                s.push_str(&format!("  {step}. review {}\n", path(PARAMETERS)));
            } else {
                s.push_str(&format!(
                    "  {step}. give a value to {} (in {}, or on the command line: `--parameters {}`)\n",
                    super::listed(&missing),
                    path(PARAMETERS),
                    missing.iter().map(|m| format!("{m}=<{m}>")).collect::<Vec<_>>().join(" ")
                ));
            }
            step += 1;
        }
        if prepare && dir.is_some() {
            s.push_str(&format!(
                "  {step}. run & {}{} signed in (Connect-AzAccount): {}; it prints the deploy command to use\n",
                crate::quote::powershell(&path(PREPARE)),
                super::encryption_info_arg(r),
                prepare_does(r)
            ));
            step += 1;
        }
        let how = match (&r.prepare.restore_keys, dir) {
            (Some(_), Some(_)) => format!(
                " with the command {} prints, which adds the key references it found or restored to",
                path(PREPARE)
            ),
            _ => String::new(),
        };
        // The restored disks' group is known for managed disks: deploying there needs no move
        // (any group in their region and subscription works too).
        let (group_az, group_ps, which) = match r.home_resource_group() {
            Some(g) => (
                crate::quote::bash(g),
                crate::quote::powershell(g),
                " (here the restored disks' group; another group in their region works too)",
            ),
            None => ("<group>".to_owned(), "<group>".to_owned(), ""),
        };
        if dir.is_some() {
            s.push_str(&format!(
                "  {step}. deploy it into the resource group for the new VM{which}{how}:\n       az deployment group create --resource-group {group_az} --template-file {t} --parameters {p}\n     or, in Azure PowerShell:\n       New-AzResourceGroupDeployment -ResourceGroupName {group_ps} -TemplateFile {pt} -TemplateParameterFile {pp}\n",
                t = crate::quote::bash(&path(TEMPLATE)),
                p = crate::quote::bash(&format!("@{}", path(PARAMETERS))),
                pt = crate::quote::powershell(&path(TEMPLATE)),
                pp = crate::quote::powershell(&path(PARAMETERS)),
            ));
        } else {
            // No parameters file: the values the template has no default for go on the line.
            let az: String = missing.iter().map(|m| format!(" {m}=<{m}>")).collect();
            let ps: String = missing.iter().map(|m| format!(" -{m} <{m}>")).collect();
            let az = if az.is_empty() {
                String::new()
            } else {
                format!(" --parameters{az}")
            };
            s.push_str(&format!(
                "  {step}. deploy it into the resource group for the new VM{which}{how}:\n       az deployment group create --resource-group {group_az} --template-file {t}{az}\n     or, in Azure PowerShell:\n       New-AzResourceGroupDeployment -ResourceGroupName {group_ps} -TemplateFile {pt}{ps}\n",
                t = crate::quote::bash(&path(TEMPLATE)),
                pt = crate::quote::powershell(&path(TEMPLATE)),
            ));
        }
        if r.encryption.is_aad() {
            s.push_str(
                "     aadClientSecret is asked for at deployment; it is never written to a file\n",
            );
        }
        s.push_str(&import_note(r, "<virtualMachineName>"));
        if r.disks.kind() == crate::model::DiskKind::Unmanaged {
            s.push_str(&match &r.vhd_storage_account_group {
                Some(g) => format!(
                    "       from resource group `{}` (vhdStorageAccountResourceGroup, the job's Target resource group)\n",
                    g.value
                ),
                None => "       from the resource group in vhdStorageAccountResourceGroup: give the storage account's group if it is not the deployment's\n".to_owned(),
            });
        }
        s.push_str(&checks(r, prepare && dir.is_some()));
        // Names Azure allows hold no quote, so one quoted word serves both shells.
        let vm = r.vm_name.as_ref().map_or_else(
            || "<virtualMachineName>".to_owned(),
            |n| crate::quote::bash(&n.value),
        );
        s.push_str(&super::identity_steps(r, &group_az, &vm));
        s.push_str(&super::extension_steps(r));
        s.push_str(cleanup_step(r));
        s
    }
}
