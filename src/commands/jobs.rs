//! `jobs`: a Recovery Services vault's VM disk-restore jobs, newest first, read from Azure
//! Resource Manager; and the vault connection `generate`/`inspect` use for `--job-id`.
//!
//! The list carries no extended info, so each VM restore's details are read by id; a job is a
//! disk restore when its property bag says `Recover disks` (or, with no job type, names a config
//! blob). Other jobs in the window are counted in one line, not listed.

use std::io::Write;

use crate::cli::{AuthArg, JobsArgs, VaultArgs};
use crate::error::{shown, Code, Error, Errors, Result};
use crate::input::job::RawJob;
use crate::input::Input;
use crate::source::vault::{self, Client, VaultRef};
use crate::source::{Auth, Loaded};

/// How many job details are read at once.
const CONCURRENCY: usize = 8;

/// The vault the command line names, and a client for its endpoint.
pub fn connect(v: &VaultArgs, auth: AuthArg) -> Result<(Client, VaultRef)> {
    let auth: Auth = auth.into();
    let (Some(name), Some(group)) = (v.vault.as_deref(), v.resource_group.as_deref()) else {
        return Err(Error::new(
            Code::Usage,
            "`--vault` needs `--resource-group`",
        ));
    };
    let subscription = match (&v.subscription, auth) {
        (Some(s), _) => s.clone(),
        (None, Auth::Cli) => cli_subscription()?,
        (None, other) => {
            return Err(Error::new(
                Code::Usage,
                format!("with `--auth {}`, the vault's subscription must be given", other.as_str()),
            )
            .help("pass `--subscription <id>` (or set AZURE_SUBSCRIPTION_ID); only `--auth cli` has a current subscription"))
        }
    };
    let vault = VaultRef::new(&subscription, group, name)?;
    let endpoint = vault::endpoint(v.management_endpoint.as_deref())?;
    Ok((Client::new(endpoint, auth)?, vault))
}

/// The Azure CLI's current subscription (`az account show`), through the same `az` the CLI
/// credential runs.
fn cli_subscription() -> Result<String> {
    let fail = |cause: String| {
        Error::new(
            Code::RecoveryVaultCredential,
            "cannot read the Azure CLI's current subscription",
        )
        .doing("running `az account show`")
        .cause(cause)
        .help("run `az login` (and `az account set --subscription <id>`), or pass `--subscription`")
    };
    let out = std::process::Command::new("az")
        .args(["account", "show", "--output", "json"])
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| fail(e.to_string()))?;
    if !out.status.success() {
        let text: String = String::from_utf8_lossy(&out.stderr)
            .chars()
            .take(300)
            .collect();
        return Err(fail(crate::source::scrub(text.trim())));
    }
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| fail(e.to_string()))?;
    v.get("id")
        .and_then(|i| i.as_str())
        .map(str::to_owned)
        .ok_or_else(|| fail("its answer names no `id`".to_owned()))
}

/// One VM disk-restore job: its listing and its details, parsed as a `--job` file would be.
pub struct Restore {
    pub id: String,
    pub vm: String,
    pub status: String,
    pub end: String,
    pub job: Input<RawJob>,
    pub loaded: Loaded,
}

impl Restore {
    pub fn completed(&self) -> bool {
        matches!(self.status.as_str(), "Completed" | "CompletedWithWarnings")
    }
}

/// The window's VM disk restores, newest first, and how many other jobs it held.
pub fn disk_restores(
    client: &Client,
    vault: &VaultRef,
    since: &str,
) -> Result<(Vec<Restore>, usize)> {
    let since = vault::parse_since(since)?;
    let (start, end) = vault::window(since);
    let listing = client.list(vault, start, end)?;
    let ids: Vec<String> = listing.restores.iter().map(|s| s.name.clone()).collect();
    let details = client.jobs(vault, &ids, CONCURRENCY);
    let mut others = listing.others;
    let mut restores = Vec::new();
    for (summary, detail) in listing.restores.into_iter().zip(details) {
        let loaded = detail?;
        // Parsed exactly as a `--job` file; a job without a property bag (still running, or not
        // a disk restore) is counted, not listed.
        let Ok(job) = crate::input::read::parse_job(&loaded) else {
            others += 1;
            continue;
        };
        if !is_disk_restore(&job.raw) {
            others += 1;
            continue;
        }
        let p = summary.properties;
        restores.push(Restore {
            id: summary.name,
            vm: p.entity_friendly_name.unwrap_or_default(),
            status: p.status.unwrap_or_default(),
            end: p.end_time.unwrap_or_default(),
            job,
            loaded,
        });
    }
    Ok((restores, others))
}

fn is_disk_restore(j: &RawJob) -> bool {
    match &j.job_type {
        Some(t) => t.trim().eq_ignore_ascii_case("Recover disks"),
        None => j.config_blob_uri.is_some() || j.config_blob_name.is_some(),
    }
}

pub fn run(a: &JobsArgs, out: &mut dyn Write) -> std::result::Result<(), Errors> {
    let (client, vault) = connect(&a.vault, a.auth)?;
    let (restores, others) = disk_restores(&client, &vault, &a.since)?;
    let dash = |s: Option<&String>| s.cloned().unwrap_or_else(|| "-".to_owned());
    let mut text = String::new();
    if a.json {
        for r in &restores {
            let line = serde_json::json!({
                "job_id": r.id,
                "vm": r.vm,
                "recovery_point_time": r.job.raw.recovery_point_time,
                "status": r.status,
                "end_time": r.end,
                "staging_storage_account": r.job.raw.target_storage_account,
                "encryption_info_blob": r.job.raw.encryption_info_blob_name.is_some(),
            });
            text.push_str(&format!("{line}\n"));
        }
    } else {
        let rows: Vec<[String; 7]> = restores
            .iter()
            .map(|r| {
                [
                    r.id.clone(),
                    r.vm.clone(),
                    dash(r.job.raw.recovery_point_time.as_ref()),
                    r.status.clone(),
                    if r.end.is_empty() {
                        "-".to_owned()
                    } else {
                        r.end.clone()
                    },
                    dash(r.job.raw.target_storage_account.as_ref()),
                    if r.job.raw.encryption_info_blob_name.is_some() {
                        "yes"
                    } else {
                        "no"
                    }
                    .to_owned(),
                ]
            })
            .collect();
        let head = [
            "JOB ID",
            "VM",
            "RECOVERY POINT",
            "STATUS",
            "ENDED",
            "STAGING ACCOUNT",
            "ENCRYPTION INFO",
        ];
        let mut width = head.map(str::len);
        for r in &rows {
            for (w, c) in width.iter_mut().zip(r) {
                *w = (*w).max(shown(c).chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut l = String::new();
            for (i, c) in cells.iter().enumerate() {
                let c = shown(c);
                if i + 1 == cells.len() {
                    l.push_str(&c);
                } else {
                    l.push_str(&format!("{c:<w$}  ", w = width[i]));
                }
            }
            l.push('\n');
            l
        };
        text.push_str(&line(&head.map(str::to_owned)));
        for r in &rows {
            text.push_str(&line(r));
        }
        text.push_str(&format!(
            "{} VM disk-restore job(s) in `{}`; {others} other job(s) in the window not listed\n",
            restores.len(),
            shown(&vault.name)
        ));
    }
    super::emit(out, &text).map(|_| ())
}

/// `generate --vault … --since DURATION --out DIR`: every completed VM disk-restore job of the
/// window, through the `--jobs` machinery (same summary, progress, `--json`, exit statuses).
/// Each job's document is the one read from the vault; a listing or detail that fails stops the
/// run before anything is written.
pub fn generate_window(
    a: &crate::cli::GenerateArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::result::Result<(), Errors> {
    let since = a.since.as_deref().unwrap_or("7d");
    let (client, vault) = connect(&a.sources.vault, a.sources.auth)?;
    let (restores, _) = disk_restores(&client, &vault, since)?;
    let mut p = super::batch::Preloaded {
        order: Vec::new(),
        docs: Default::default(),
    };
    for r in restores.into_iter().filter(Restore::completed) {
        let name = std::path::PathBuf::from(format!("{}/{}", vault.name, r.id));
        p.order.push(name.clone());
        p.docs.insert(name, r.loaded);
    }
    if p.order.is_empty() {
        super::say(
            err,
            &format!(
                "no completed VM disk-restore job in `{}` in the last {since}",
                vault.name
            ),
        );
        return Ok(());
    }
    super::batch::generate_from(a, Some(&p), out, err)
}
