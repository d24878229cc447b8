//! restore-deploy turns an Azure Backup "Restore disks" job of a VM encrypted with Azure Disk
//! Encryption into a deployment that rebuilds the VM with the right keys.
//!
//! The pipeline: **source** (bytes from a file, stdin or a blob URL, each remembering where it came
//! from) → **input** (decoded, keys normalised, raw serde types) → **model** (one validation step
//! that reports every problem at once and yields a restore whose encryption case is one legal
//! enum value, every fact tagged with the input that decided it) → **render** (one typed context
//! per output, handlebars templates built into the binary) → **plan** (the files as text, then
//! written atomically, printed, or diffed with `--check`).

pub mod cli;
pub mod error;
pub mod input;
pub mod model;
pub mod plan;
pub mod render;
pub mod source;

use std::io::Write;
use std::path::Path;

use cli::{AdeArg, Cli, Command, DeployArgs, Format, SourceArgs, VolumeTypeArg};
use error::{shown, Code, Error, Errors};
use input::{Input, Inputs};
use model::{AdeChoice, Encryption, Flavour, Overrides, Restore, VolumeType};
use plan::{Plan, PlannedFile};
use source::SourceSpec;

/// Run one command. Output goes to `out` (the product) and `err` (what to do next, warnings).
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Errors> {
    match cli.command {
        Command::Generate(a) => {
            let (inputs, restore) = load(&a.sources, &a.deploy)?;
            generate(
                &inputs,
                &restore,
                a.format,
                a.out.as_deref(),
                a.check,
                out,
                err,
            )
        }
        Command::Inspect(a) => {
            let (_, restore) = load(&a.sources, &a.deploy)?;
            let text = if a.json {
                render::inspect::json(&restore)?
            } else {
                render::inspect::human(&restore)
            };
            emit(out, &text)
        }
        Command::Check(a) => check(&a.sources, &a.deploy, out),
    }
}

fn emit(w: &mut dyn Write, text: &str) -> Result<(), Errors> {
    w.write_all(text.as_bytes()).map_err(|e| {
        Errors::from(
            Error::new(Code::FileSystem, "cannot write to standard output").cause(e.to_string()),
        )
    })
}

/// Read every input and build the model.
pub fn load(sources: &SourceArgs, deploy: &DeployArgs) -> Result<(Inputs, Restore), Errors> {
    let inputs = read_inputs(sources, deploy)?;
    let restore = model::build(&inputs)?;
    Ok((inputs, restore))
}

pub fn read_inputs(sources: &SourceArgs, deploy: &DeployArgs) -> Result<Inputs, Errors> {
    let specs = [&sources.config, &sources.job, &sources.encryption_info];
    if specs.iter().filter(|s| s.as_deref() == Some("-")).count() > 1 {
        return Err(Error::new(
            Code::Usage,
            "only one input can come from standard input (`-`)",
        )
        .help("save the others to files")
        .into());
    }

    let fetch = source::FetchOptions {
        auth: match sources.auth {
            cli::AuthArg::Cli => source::Auth::Cli,
            cli::AuthArg::ManagedIdentity => source::Auth::ManagedIdentity,
            cli::AuthArg::WorkloadIdentity => source::Auth::WorkloadIdentity,
            cli::AuthArg::ClientSecret => source::Auth::ClientSecret,
        },
    };
    let job = match &sources.job {
        Some(raw) => Some(source::load_with(
            &SourceSpec::parse(raw)?,
            "restore job's details",
            &fetch,
        )?),
        None => None,
    };
    let job_parsed = job.as_ref().map(parse_job).transpose()?;
    let locate = |j: &Input<input::job::RawJob>, which: JobBlob| {
        job_blob_url(
            j,
            which,
            sources.blob_endpoint.as_deref(),
            sources.sas.as_deref(),
        )
    };
    let config_spec = match (&sources.config, &job_parsed) {
        (Some(raw), _) => SourceSpec::parse(raw)?,
        (None, Some(j)) => SourceSpec::Url(locate(j, JobBlob::Config)?),
        (None, None) => {
            return Err(Error::new(Code::Usage, "no config blob given")
                .help("pass `--config FILE` (the config blob) or `--job FILE` (the restore job's details)")
                .into())
        }
    };
    let config_from_blob = matches!(config_spec, SourceSpec::Url(_));
    let config = source::load_with(&config_spec, "config blob", &fetch)?;
    // The job's encryption-info blob is fetched when the config came from storage too; with a
    // local config file, the job naming one is evidence of the case, and no network is touched.
    let info_spec = match (&sources.encryption_info, &job_parsed) {
        (Some(raw), _) => Some(SourceSpec::parse(raw)?),
        (None, Some(j)) if config_from_blob && j.raw.encryption_info_blob_name.is_some() => {
            Some(SourceSpec::Url(locate(j, JobBlob::EncryptionInfo)?))
        }
        _ => None,
    };
    let encryption_info = match &info_spec {
        Some(spec) => Some(source::load_with(spec, "encryption-info blob", &fetch)?),
        None => None,
    };
    parse_inputs(
        &config,
        job_parsed,
        encryption_info.as_ref(),
        overrides(sources, deploy),
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum JobBlob {
    Config,
    EncryptionInfo,
}

/// A blob the job names, as a URL: the container and blob name from the job (or from its
/// `Config Blob Uri`), on `--blob-endpoint`, else on the `Config Blob Uri`'s host, else on
/// `https://<Target Storage Account Name>.blob.core.windows.net`; with `--sas` added when the URL
/// carries none. Names are added as path segments, percent-encoded: a hostile job cannot steer
/// the request elsewhere.
fn job_blob_url(
    job: &Input<input::job::RawJob>,
    which: JobBlob,
    endpoint: Option<&str>,
    sas: Option<&str>,
) -> Result<url::Url, Error> {
    let j = &job.raw;
    let fail = |msg: String| {
        Error::new(Code::ConfigNotFound, msg)
            .source(&job.origin)
            .at(&j.bag_path)
            .doing("finding the restore's blobs from the job")
    };
    let uri = match &j.config_blob_uri {
        Some(u) => Some(url::Url::parse(u).map_err(|e| {
            fail(format!("`Config Blob Uri` is not a URL ({e})"))
                .help("pass `--config` with the config blob's URL or file")
        })?),
        None => None,
    };
    // The URI's account endpoint (all but its last two segments, so path-style endpoints such as
    // Azurite's `/devstoreaccount1` survive), container and blob.
    let from_uri: Option<(url::Url, String, String)> = uri.as_ref().and_then(|u| {
        let segs: Vec<String> = u.path_segments()?.map(percent_decode).collect();
        let [.., c, b] = segs.as_slice() else {
            return None;
        };
        if c.is_empty() || b.is_empty() {
            return None;
        }
        let mut base = u.clone();
        base.set_query(None);
        base.set_fragment(None);
        base.path_segments_mut().ok()?.pop().pop();
        Some((base, c.clone(), b.clone()))
    });
    // `Config Blob Uri` is where the config blob is; names are the fallback.
    if let (JobBlob::Config, Some(u), None) = (which, &uri, endpoint) {
        return Ok(add_sas(u.clone(), sas));
    }
    let (container, blob) = match which {
        JobBlob::Config => (
            from_uri
                .as_ref()
                .map(|x| x.1.clone())
                .or_else(|| j.config_blob_container.clone()),
            from_uri
                .as_ref()
                .map(|x| x.2.clone())
                .or_else(|| j.config_blob_name.clone()),
        ),
        JobBlob::EncryptionInfo => (
            j.config_blob_container
                .clone()
                .or_else(|| from_uri.as_ref().map(|x| x.1.clone())),
            j.encryption_info_blob_name.clone(),
        ),
    };
    let (Some(container), Some(blob)) = (container, blob) else {
        return Err(fail("the job does not name the blob's container and name".into())
            .help("pass `--config` with the config blob, or a job with `Config Blob Uri` (or `Config Blob Container Name` and `Config Blob Name`)"));
    };
    // Azure's naming rules, checked so a hostile job cannot point the request elsewhere.
    // Container names are lower case in Azure; jobs print them with the VM name's case.
    let container = container.to_ascii_lowercase();
    let container_ok = (3..=63).contains(&container.len())
        && container
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !container.starts_with('-')
        && !container.ends_with('-');
    if !container_ok {
        return Err(fail(format!("`{container}` is not a valid blob container name")).help("container names have 3 to 63 lower-case letters, digits and hyphens; pass `--config` with the blob's URL"));
    }
    let blob_ok = !blob.is_empty()
        && blob.len() <= 1024
        && !blob.chars().any(char::is_control)
        && !blob.split(['/', '\\']).any(|seg| seg == "." || seg == "..");
    if !blob_ok {
        return Err(fail(format!("`{blob}` is not a valid blob name"))
            .help("pass the blob's URL with `--config` / `--encryption-info`"));
    }
    let base = match (endpoint, from_uri, &j.target_storage_account) {
        (Some(e), _, _) => url::Url::parse(e).map_err(|err| {
            Error::new(
                Code::Usage,
                format!("`--blob-endpoint` is not a URL ({err})"),
            )
            .help("e.g. `--blob-endpoint http://127.0.0.1:10000/devstoreaccount1`")
        })?,
        (None, Some((base, _, _)), _) => base,
        (None, None, Some(a)) => {
            let ok = (3..=24).contains(&a.len())
                && a.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
            if !ok {
                return Err(fail(format!("`{a}` is not a storage account name")).help("account names have 3 to 24 lower-case letters and digits; pass `--blob-endpoint`"));
            }
            url::Url::parse(&format!("https://{a}.blob.core.windows.net")).map_err(|e| {
                fail(format!("`{a}` gives no valid URL ({e})")).help("pass `--blob-endpoint`")
            })?
        }
        (None, None, None) => {
            return Err(fail("the job names no storage account".into())
                .help("pass `--blob-endpoint` or `--config`"))
        }
    };
    let mut url = base;
    if url.cannot_be_a_base() || !matches!(url.scheme(), "http" | "https") {
        return Err(Error::new(
            Code::Usage,
            format!("`{}` is not an http(s) endpoint", source::redact_url(&url)),
        )
        .help("e.g. `--blob-endpoint https://<account>.blob.core.windows.net`"));
    }
    {
        let mut segs = url
            .path_segments_mut()
            .map_err(|_| Error::internal("endpoint cannot take a path"))?;
        segs.pop_if_empty();
        segs.push(&container);
        segs.push(&blob);
    }
    Ok(add_sas(url, sas))
}

fn add_sas(mut url: url::Url, sas: Option<&str>) -> url::Url {
    if let Some(token) = sas
        .map(|t| t.trim().trim_start_matches('?'))
        .filter(|t| !t.is_empty())
    {
        if !source::has_sas(&url) {
            url.set_query(Some(token));
        }
    }
    url
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_owned())
}

fn parse_job(loaded: &source::Loaded) -> Result<Input<input::job::RawJob>, Errors> {
    let doc = input::parse_json(loaded, "restore job's details")?;
    Ok(Input {
        raw: input::job::parse(&doc, &loaded.origin)?,
        origin: loaded.origin.clone(),
    })
}

/// Parse inputs already in memory: the part of the pipeline that no I/O reaches (fuzzed).
pub fn inputs_from_bytes(
    config: &source::Loaded,
    job: Option<&source::Loaded>,
    encryption_info: Option<&source::Loaded>,
    overrides: Overrides,
) -> Result<Inputs, Errors> {
    let job = job.map(parse_job).transpose()?;
    parse_inputs(config, job, encryption_info, overrides)
}

fn parse_inputs(
    config: &source::Loaded,
    job: Option<Input<input::job::RawJob>>,
    encryption_info: Option<&source::Loaded>,
    overrides: Overrides,
) -> Result<Inputs, Errors> {
    let doc = input::parse_json(config, "config blob")?;
    let config = Input {
        raw: input::typed(doc, &config.origin, "config blob")?,
        origin: config.origin.clone(),
    };
    let encryption_info = match encryption_info {
        Some(loaded) => {
            let doc = input::parse_json(loaded, "encryption-info blob")?;
            // The blob holds key material: a type error's detail could quote it, so only the
            // path is reported.
            let raw =
                input::typed(doc, &loaded.origin, "encryption-info blob").map_err(|mut e| {
                    e.causes.clear();
                    e
                })?;
            Some(Input {
                raw,
                origin: loaded.origin.clone(),
            })
        }
        None => None,
    };
    Ok(Inputs {
        config: Some(config),
        job,
        encryption_info,
        overrides,
    })
}

fn overrides(s: &SourceArgs, d: &DeployArgs) -> Overrides {
    Overrides {
        vm_name: d.vm_name.clone(),
        location: d.location.clone(),
        vm_size: d.vm_size.clone(),
        virtual_network: d.virtual_network.clone(),
        virtual_network_resource_group: d.virtual_network_resource_group.clone(),
        subnet: d.subnet.clone(),
        public_ip: match (d.public_ip, d.no_public_ip) {
            (_, true) => Some(false),
            (true, _) => Some(true),
            _ => None,
        },
        availability_set_id: d.availability_set_id.clone(),
        ade: match d.ade {
            AdeArg::Auto => AdeChoice::Auto,
            AdeArg::Aad => AdeChoice::Aad,
            AdeArg::NoAad => AdeChoice::NoAad,
            AdeArg::None => AdeChoice::None,
        },
        secret_url: d.secret_url.clone(),
        key_url: d.key_url.clone(),
        key_vault_id: d.key_vault_id.clone(),
        kek_vault_id: d.kek_vault_id.clone(),
        volume_type: d.volume_type.map(|v| match v {
            VolumeTypeArg::All => VolumeType::All,
            VolumeTypeArg::Data => VolumeType::Data,
            VolumeTypeArg::Os => VolumeType::Os,
        }),
        recovery_point_time: s.recovery_point_time.clone(),
    }
}

/// SPEC §1: no ARM template for a recovery point before 2017-04-26, or of unknown time.
fn template_date_rule(r: &Restore) -> Result<(), Error> {
    match &r.recovery_point {
        None => Err(Error::new(Code::RecoveryPointTimeUnknown, "the recovery point time is unknown, and ARM templates exist only for recovery points from 2017-04-26 on")
            .doing("checking that an ARM template is possible")
            .help("pass `--job` with the restore job's details, or `--recovery-point-time 2019-12-25T22:07:11Z`; `--format powershell` works for any recovery point")),
        Some(rp) if !rp.value.supports_templates() => Err(Error::new(
            Code::RecoveryPointBeforeTemplateSupport,
            format!("the recovery point was created at `{}`, before 2017-04-26, and Azure supports no template for it", rp.value.at.format("%Y-%m-%dT%H:%M:%SZ")),
        )
        .cause(format!("the recovery point time comes from {}", rp.by))
        .doing("checking that an ARM template is possible")
        .help("use `--format powershell`, the documented path for recovery points before 2017-04-26")),
        Some(_) => Ok(()),
    }
}

/// Build the files of one format.
pub fn plan(r: &Restore, format: Format) -> Result<Plan, Error> {
    match format {
        Format::Arm => {
            let hb = render::registry(&[render::ARM_TEMPLATE, render::ARM_PARAMETERS])?;
            let (t, p) = render::arm::contexts(r);
            let template = render::clean_json(
                render::ARM_TEMPLATE,
                &render::render(&hb, render::ARM_TEMPLATE, &t)?,
            )?;
            let params = render::clean_json(
                render::ARM_PARAMETERS,
                &render::render(&hb, render::ARM_PARAMETERS, &p)?,
            )?;
            Ok(Plan {
                files: vec![
                    PlannedFile {
                        name: "azuredeploy.json",
                        text: template,
                    },
                    PlannedFile {
                        name: "azuredeploy.parameters.json",
                        text: params,
                    },
                ],
                known_names: &[
                    "azuredeploy.json",
                    "azuredeploy.parameters.json",
                    "prepare.ps1",
                ],
            })
        }
        Format::Powershell => {
            let hb = render::registry(&[render::PS_SCRIPT])?;
            let ctx = render::powershell::context(r);
            let text = render::clean_text(&render::render(&hb, render::PS_SCRIPT, &ctx)?);
            Ok(Plan {
                files: vec![PlannedFile {
                    name: "restore-vm.ps1",
                    text,
                }],
                known_names: &["restore-vm.ps1"],
            })
        }
    }
}

fn generate(
    _inputs: &Inputs,
    r: &Restore,
    format: Format,
    dir: Option<&Path>,
    check_only: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Errors> {
    if format == Format::Arm {
        template_date_rule(r)?;
    }
    let plan = plan(r, format)?;
    let warn = |err: &mut dyn Write, s: &str| {
        let _ = writeln!(err, "{}", shown(s));
    };
    if let Some(rp) = &r.recovery_point {
        if format == Format::Arm
            && rp.value.at < model::time::template_support_from() + chrono::Duration::days(1)
        {
            warn(err, "warning: the recovery point is from 2017-04-26 itself; Azure's guide says templates work for points created *after* that day. If the deployment fails, use `--format powershell`.");
        }
    }
    match dir {
        Some(dir) if check_only => match plan::check(&plan, dir)? {
            None => {
                warn(err, &format!("{} is up to date", dir.display()));
                Ok(())
            }
            Some(diff) => {
                emit(out, &diff)?;
                Err(Error::new(Code::StaleOutput, format!("the files in `{}` differ from what restore-deploy generates", dir.display()))
                    .help("run the same command without `--check` to update them, then review and commit the change")
                    .into())
            }
        },
        Some(dir) => {
            let written = plan::write(&plan, dir)?;
            for p in &written {
                warn(err, &format!("wrote {}", p.display()));
            }
            next_steps(r, format, Some(dir), err);
            Ok(())
        }
        None => {
            let main = plan
                .files
                .first()
                .ok_or_else(|| Error::internal("empty plan"))?;
            emit(out, &main.text)?;
            next_steps(r, format, None, err);
            Ok(())
        }
    }
}

/// What to run next, in order, on stderr.
fn next_steps(r: &Restore, format: Format, dir: Option<&Path>, err: &mut dyn Write) {
    let path = |name: &str| match dir {
        Some(d) => shown(&d.join(name).display().to_string()),
        None => name.to_owned(),
    };
    let mut missing = Vec::new();
    if r.network.virtual_network.is_none() {
        missing.push(if format == Format::Arm {
            "virtualNetwork"
        } else {
            "-VirtualNetworkName"
        });
    }
    if r.network.subnet.is_none() {
        missing.push(if format == Format::Arm {
            "subnet"
        } else {
            "-SubnetName"
        });
    }
    let aad = matches!(&r.encryption, Encryption::Ade(a) if a.flavour.value == Flavour::Aad);
    let mut s = String::from("next steps:\n");
    match format {
        Format::Arm => {
            if dir.is_none() {
                s.push_str("  0. save this template as azuredeploy.json (use `--out DIR` to also get azuredeploy.parameters.json)\n");
            }
            if !missing.is_empty() {
                s.push_str(&format!(
                    "  1. give a value to {} (in {}, or on the command line)\n",
                    missing.join(" and "),
                    path("azuredeploy.parameters.json")
                ));
            } else {
                s.push_str(&format!(
                    "  1. review {}\n",
                    path("azuredeploy.parameters.json")
                ));
            }
            s.push_str(&format!(
                "  2. deploy it into the resource group for the new VM:\n       az deployment group create --resource-group <group> --template-file {t} --parameters @{p}\n     or, in Azure PowerShell:\n       New-AzResourceGroupDeployment -ResourceGroupName <group> -TemplateFile {t} -TemplateParameterFile {p}\n",
                t = path("azuredeploy.json"),
                p = path("azuredeploy.parameters.json"),
            ));
            if aad {
                s.push_str("     aadClientSecret is asked for at deployment; it is never written to a file\n");
            }
        }
        Format::Powershell => {
            if dir.is_none() {
                s.push_str("  0. save this script as restore-vm.ps1\n");
            }
            let mut args = String::new();
            for m in &missing {
                args.push_str(&format!(" {m} <name>"));
            }
            s.push_str(&format!("  1. sign in: Connect-AzAccount; Set-AzContext -Subscription <subscription of the restored disks>\n  2. run: {}{args}\n", path("restore-vm.ps1")));
            if aad {
                s.push_str("     the Azure AD client secret is asked for as a secure string\n");
            }
        }
    }
    if matches!(r.encryption, Encryption::Ade(_)) {
        s.push_str("  then delete the restore's config and encryption-info blobs from the staging storage account: they describe the VM's keys\n");
    }
    let _ = write!(err, "{s}");
}

fn check(sources: &SourceArgs, deploy: &DeployArgs, out: &mut dyn Write) -> Result<(), Errors> {
    let inputs = read_inputs(sources, deploy)?;
    match model::build(&inputs) {
        Ok(r) => {
            template_date_rule(&r)
                .map_err(|e| e.doing("checking the recovery point for `--format arm`"))?;
            let what = match &r.encryption {
                Encryption::None { .. } => "the VM is not encrypted; the recovery point time allows an ARM template",
                Encryption::Ade(_) => "the key references are well-formed, versioned https URLs in vaults of the VM's subscription, and the recovery point time allows an ARM template",
            };
            emit(out, &format!("ok: {what}\n"))
        }
        Err(mut errors) => {
            // Add the date rule's verdict so one run lists every problem.
            if !errors
                .0
                .iter()
                .any(|e| e.code == Code::InvalidRecoveryPointTime)
            {
                let rp = inputs.overrides.recovery_point_time.clone().or_else(|| {
                    inputs
                        .job
                        .as_ref()
                        .and_then(|j| j.raw.recovery_point_time.clone())
                });
                match rp.map(|t| model::time::parse(&t)) {
                    None => errors.0.push(
                        Error::new(
                            Code::RecoveryPointTimeUnknown,
                            "the recovery point time is unknown",
                        )
                        .help(
                            "pass `--job` or `--recovery-point-time` (needed for `--format arm`)",
                        ),
                    ),
                    Some(Ok(t)) if t < model::time::template_support_from() => errors.0.push(
                        Error::new(
                            Code::RecoveryPointBeforeTemplateSupport,
                            "the recovery point is before 2017-04-26: no ARM template",
                        )
                        .help("use `--format powershell`"),
                    ),
                    _ => {}
                }
            }
            Err(errors)
        }
    }
}
