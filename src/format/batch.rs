//! The next steps of a `--jobs` run: one block for every bundle it wrote, said once with the
//! bundle's folder as `<vm>` (newcomer rows 8 and 30: a 1,000-job drill ended with `done in`
//! and nothing to run). Each bundle's own facts are taken when it is made ([`BundleSteps`]),
//! so the block counts how many bundles need each step and fills in what they all share.

use std::path::Path;

use super::arm::{PARAMETERS as PARAMETERS_ARM, PREPARE as PREPARE_ARM, TEMPLATE as TEMPLATE_ARM};
use super::missing_params;
use super::powershell::SCRIPT as SCRIPT_PS;
use crate::cli::Format;
use crate::model::Restore;

/// What one written bundle asks of the operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleSteps {
    /// The bundle has `prepare.ps1` (ARM): it checks the keys and prints its own deploy command.
    pub prepare: bool,
    /// Parameters with no value (the format's own names).
    pub missing: Vec<&'static str>,
    /// The restored disks' resource group, where the VM can be deployed without a move.
    pub group: Option<String>,
    /// The subscription of the restored disks.
    pub subscription: Option<String>,
    /// ADE: the config and encryption-info blobs describe the VM's keys.
    pub encrypted: bool,
    /// `restore-vm.ps1` restores keys and must be told where the encryption-info blob is.
    pub encryption_info: bool,
}

pub fn bundle_steps(r: &Restore, format: Format) -> BundleSteps {
    let (missing, prepare) = match format {
        Format::Arm => (
            missing_params(r, "virtualMachineName", "virtualNetwork", "subnet"),
            crate::render::prepare::steps(r).is_some(),
        ),
        Format::Powershell => (
            missing_params(r, "-VMName", "-VirtualNetworkName", "-SubnetName"),
            false,
        ),
    };
    BundleSteps {
        prepare,
        missing,
        group: r.home_resource_group().map(str::to_owned),
        subscription: r.subscription.clone(),
        encrypted: matches!(r.encryption, crate::model::Encryption::Ade(_)),
        encryption_info: r
            .prepare
            .restore_keys
            .as_ref()
            .is_some_and(|k| k.encryption_info.is_none()),
    }
}

/// Jobs that were not written, for the rerun hint.
pub struct NotWritten<'a> {
    /// Job files whose recovery point is too old for a template (`--format powershell` serves them).
    pub too_old: Vec<&'a str>,
    /// Every other job that was not written.
    pub others: Vec<&'a str>,
    /// The jobs came from files (`--jobs`), so they can be named again; else (a vault's jobs)
    /// the hint names no files.
    pub files: bool,
}

/// The one next-steps block of a batch that wrote `bundles` under `root`.
pub fn next_steps(
    format: Format,
    root: &Path,
    bundles: &[BundleSteps],
    not_written: &NotWritten,
) -> String {
    let n = bundles.len();
    let mut s = String::new();
    if n > 0 {
        let folder = crate::error::shown(&root.join("<vm>").display().to_string());
        s.push_str(&format!(
            "next steps for the {n} bundle{} written, each in {folder} (the summary lists them); for each bundle:\n",
            plural(n)
        ));
        let path =
            |name: &str| crate::error::shown(&root.join("<vm>").join(name).display().to_string());
        let group = shared(bundles.iter().map(|b| b.group.as_deref()));
        let mut step = 1;
        match format {
            Format::Arm => arm(&mut s, &mut step, bundles, group, &path),
            Format::Powershell => powershell(&mut s, &mut step, bundles, &path),
        }
        s.push_str("     before deploying, check what a single run's steps list: the key vault enabled for disk encryption and yours to deploy from, and that each VM gets a new NIC with a dynamic private IP (check its IP, NSG rules and DNS)\n");
        let encrypted = bundles.iter().filter(|b| b.encrypted).count();
        if encrypted > 0 {
            s.push_str(&format!(
                "  {step}. once each VM is deployed and checked, delete its restore's config and encryption-info blobs from the staging storage account ({encrypted} of {n} restore{} {} encrypted: those blobs describe the VM's keys)\n",
                plural(encrypted),
                if encrypted == 1 { "was" } else { "were" }
            ));
        }
    }
    s.push_str(&rerun(format, root, not_written));
    s
}

fn arm(
    s: &mut String,
    step: &mut usize,
    bundles: &[BundleSteps],
    group: Option<&str>,
    path: &dyn Fn(&str) -> String,
) {
    let n = bundles.len();
    let missing = union(bundles, &["virtualMachineName", "virtualNetwork", "subnet"]);
    let lacking = bundles.iter().filter(|b| !b.missing.is_empty()).count();
    if missing.is_empty() {
        s.push_str(&format!("  {step}. review {}\n", path(PARAMETERS_ARM)));
    } else {
        s.push_str(&format!(
            "  {step}. give a value to {} in {} (missing in {lacking} of {n} bundle{}; or on the command line: `--parameters {}`)\n",
            super::listed(&missing),
            path(PARAMETERS_ARM),
            plural(n),
            missing.iter().map(|m| format!("{m}=<{m}>")).collect::<Vec<_>>().join(" ")
        ));
    }
    *step += 1;
    let prepared = bundles.iter().filter(|b| b.prepare).count();
    if prepared > 0 {
        s.push_str(&format!(
            "  {step}. where the bundle has {PREPARE_ARM} ({prepared} of {n}): run & {} signed in (Connect-AzAccount); it checks the keys first and prints that bundle's deploy command\n",
            crate::quote::powershell(&path(PREPARE_ARM))
        ));
        *step += 1;
    }
    let (group_az, group_ps, which) = match group {
        Some(g) => (
            crate::quote::bash(g),
            crate::quote::powershell(g),
            " (here the restored disks' group, the same for every bundle; another group in their region works too)",
        ),
        None => (
            "<group>".to_owned(),
            "<group>".to_owned(),
            " (the restored disks' group of that job, its Target resource group, needs no move)",
        ),
    };
    let which_ones = if prepared == 0 {
        "deploy it".to_owned()
    } else {
        format!("deploy each of the other {}", n - prepared)
    };
    if prepared < n {
        s.push_str(&format!(
            "  {step}. {which_ones} into the resource group for its new VM{which}:\n       az deployment group create --resource-group {group_az} --template-file {t} --parameters {p}\n     or, in Azure PowerShell:\n       New-AzResourceGroupDeployment -ResourceGroupName {group_ps} -TemplateFile {pt} -TemplateParameterFile {pp}\n",
            t = crate::quote::bash(&path(TEMPLATE_ARM)),
            p = crate::quote::bash(&format!("@{}", path(PARAMETERS_ARM))),
            pt = crate::quote::powershell(&path(TEMPLATE_ARM)),
            pp = crate::quote::powershell(&path(PARAMETERS_ARM)),
        ));
        *step += 1;
    }
}

fn powershell(
    s: &mut String,
    step: &mut usize,
    bundles: &[BundleSteps],
    path: &dyn Fn(&str) -> String,
) {
    let n = bundles.len();
    let subscription = shared(bundles.iter().map(|b| b.subscription.as_deref())).map_or_else(
        || "<subscription of that VM's restored disks>".to_owned(),
        crate::quote::powershell,
    );
    let missing = union(bundles, &["-VMName", "-VirtualNetworkName", "-SubnetName"]);
    let mut args: String = missing.iter().map(|m| format!(" {m} <name>")).collect();
    let info = bundles.iter().filter(|b| b.encryption_info).count();
    if info > 0 {
        args.push_str(" -EncryptionInfo <the encryption-info blob: file or blob URL>");
    }
    s.push_str(&format!(
        "  {step}. sign in: Connect-AzAccount; Set-AzContext -Subscription {subscription}\n  {}. run: & {}{args}\n",
        *step + 1,
        crate::quote::powershell(&path(SCRIPT_PS))
    ));
    *step += 2;
    if info > 0 && info < n {
        s.push_str(&format!(
            "     -EncryptionInfo only for the {info} of {n} bundles that restore keys; the script asks for nothing else\n"
        ));
    }
}

/// A command for the jobs that were not written: the ones too old for a template with
/// `--format powershell`, the others once their errors (above) are fixed.
fn rerun(format: Format, root: &Path, nw: &NotWritten) -> String {
    let mut s = String::new();
    let out = crate::quote::bash(&crate::error::shown(&root.display().to_string()));
    let files = |jobs: &[&str]| {
        jobs.iter()
            .map(|j| crate::quote::bash(&crate::error::shown(j)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    if !nw.too_old.is_empty() {
        let k = nw.too_old.len();
        if nw.files && format == Format::Arm {
            s.push_str(&format!(
                "{k} job{} recovered a point from before 2017-04-26, too old for a template: restore {} as PowerShell scripts, adding this run's other options (config folder, names, keys) to:\n  restore-deploy generate --format powershell --jobs {} --out {out}\n",
                plural(k),
                if k == 1 { "it" } else { "them" },
                files(&nw.too_old)
            ));
        } else {
            s.push_str(&format!(
                "{k} job{} recovered a point from before 2017-04-26, too old for a template: run {} again with `--format powershell`\n",
                plural(k),
                if k == 1 { "it" } else { "them" },
            ));
        }
    }
    if !nw.others.is_empty() {
        let k = nw.others.len();
        if nw.files {
            s.push_str(&format!(
                "{k} {}job{} {} not written: fix each as its errors above say, then run only {}, adding this run's other options (config folder, names, keys) to:\n  restore-deploy generate --format {} --jobs {} --out {out}\n",
                if nw.too_old.is_empty() { "" } else { "other " },
                plural(k),
                if k == 1 { "was" } else { "were" },
                if k == 1 { "it" } else { "them" },
                match format {
                    Format::Arm => "arm",
                    Format::Powershell => "powershell",
                },
                files(&nw.others)
            ));
        } else {
            s.push_str(&format!(
                "{k} {}job{} {} not written: fix each as its errors above say, then run the command again\n",
                if nw.too_old.is_empty() { "" } else { "other " },
                plural(k),
                if k == 1 { "was" } else { "were" },
            ));
        }
    }
    s
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The one value every bundle has, or `None` when they differ or one has none.
fn shared<'a>(mut values: impl Iterator<Item = Option<&'a str>>) -> Option<&'a str> {
    let first = values.next()??;
    values.all(|v| v == Some(first)).then_some(first)
}

/// Every name of `order` that any bundle lacks, in that order.
fn union(bundles: &[BundleSteps], order: &[&'static str]) -> Vec<&'static str> {
    order
        .iter()
        .copied()
        .filter(|m| bundles.iter().any(|b| b.missing.contains(m)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_inputs::{config, inputs, settings, KV, SECRET};
    use crate::model::{build, Overrides};

    fn encrypted() -> Restore {
        let cfg = config("Windows", &settings(SECRET, KV, None), "");
        build(&inputs(&cfg, None, None, Overrides::default())).expect("valid")
    }

    #[test]
    fn the_block_is_said_once_for_all_bundles_with_what_they_share_filled_in() {
        let r = encrypted();
        let one = bundle_steps(&r, Format::Arm);
        assert!(one.prepare && one.encrypted, "{one:?}");
        let mut other = one.clone();
        other.prepare = false;
        other.group = Some("rg-restore-target".into());
        other.missing = Vec::new();
        let mut first = other.clone();
        first.missing = vec!["subnet"];
        let none = NotWritten {
            too_old: Vec::new(),
            others: Vec::new(),
            files: true,
        };
        let s = next_steps(
            Format::Arm,
            Path::new("out"),
            &[first, other.clone()],
            &none,
        );
        assert!(
            s.starts_with("next steps for the 2 bundles written, each in out/<vm>"),
            "{s}"
        );
        assert!(s.contains("give a value to subnet in out/<vm>/azuredeploy.parameters.json (missing in 1 of 2 bundles"), "{s}");
        assert!(!s.contains("prepare.ps1"), "no bundle has one: {s}");
        // Every bundle's group is the same: it is filled in.
        assert!(
            s.contains(
                "--resource-group 'rg-restore-target' --template-file 'out/<vm>/azuredeploy.json'"
            ),
            "{s}"
        );
        assert!(
            s.contains("delete its restore's config and encryption-info blobs"),
            "{s}"
        );
        // Groups that differ stay a placeholder, and a bundle with prepare.ps1 is counted.
        let mut elsewhere = other.clone();
        elsewhere.group = Some("rg-other".into());
        let s = next_steps(
            Format::Arm,
            Path::new("out"),
            &[one, other.clone(), elsewhere],
            &none,
        );
        assert!(s.contains("--resource-group <group>"), "{s}");
        assert!(
            s.contains("where the bundle has prepare.ps1 (1 of 3)"),
            "{s}"
        );
        assert!(s.contains("deploy each of the other 2"), "{s}");

        let ps = bundle_steps(&r, Format::Powershell);
        let s = next_steps(Format::Powershell, Path::new("out"), &[ps], &none);
        assert!(
            s.contains("run: & 'out/<vm>/restore-vm.ps1' -VMName <name>"),
            "{s}"
        );
        assert!(!s.contains("-EncryptionInfo"), "{s}");
    }

    #[test]
    fn jobs_not_written_get_one_rerun_command_each_kind() {
        let nw = NotWritten {
            too_old: vec!["jobs/a.json"],
            others: vec!["jobs/b.json", "jobs/c d.json"],
            files: true,
        };
        let s = next_steps(Format::Arm, Path::new("out"), &[], &nw);
        assert!(!s.contains("next steps for"), "nothing was written: {s}");
        assert!(
            s.contains(
                "restore-deploy generate --format powershell --jobs 'jobs/a.json' --out 'out'"
            ),
            "{s}"
        );
        assert!(s.contains("restore-deploy generate --format arm --jobs 'jobs/b.json' 'jobs/c d.json' --out 'out'"), "{s}");
        // A vault's jobs are no files: no command names them.
        let s = next_steps(
            Format::Arm,
            Path::new("out"),
            &[],
            &NotWritten { files: false, ..nw },
        );
        assert!(!s.contains("--jobs"), "{s}");
        assert!(s.contains("run it again with `--format powershell`"), "{s}");
    }
}
