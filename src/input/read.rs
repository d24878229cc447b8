//! From the command line's sources to parsed inputs: read the job first (it may name the other
//! blobs), then the config blob and the encryption-info blob, each from a file, stdin or a URL.
//! Everything below `from_bytes` touches no I/O (the fuzz targets enter there).

use crate::error::{Code, Error, Errors};
use crate::input::{Input, Inputs};
use crate::overrides::Overrides;
use crate::source::locate::{locate, JobBlob, Operator};
use crate::source::{self, Loaded, SourceSpec};

/// Where each input comes from (a path, `-`, or a URL) and how blobs are reached.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    pub config: Option<&'a str>,
    pub job: Option<&'a str>,
    pub encryption_info: Option<&'a str>,
    /// Azure Backup's template of the restore (`--template`).
    pub template: Option<&'a str>,
    pub blob_endpoint: Option<&'a str>,
    pub sas: Option<&'a str>,
    pub auth: source::Auth,
}

pub fn read(req: &Request, overrides: Overrides) -> Result<Inputs, Errors> {
    let specs = [req.config, req.job, req.encryption_info, req.template];
    if specs.iter().filter(|s| **s == Some("-")).count() > 1 {
        return Err(Error::new(
            Code::Usage,
            "only one input can come from standard input (`-`)",
        )
        .help("save the others to files")
        .into());
    }
    let fetch = source::FetchOptions {
        auth: req.auth,
        ..Default::default()
    };
    let job = match req.job {
        Some(raw) => Some(parse_job(&source::load_with(
            &SourceSpec::parse(raw)?,
            "restore job's details",
            &fetch,
        )?)?),
        None => None,
    };
    read_with_job(req, job, overrides)
}

/// The rest of [`read`] for a job already read and parsed: a job resource read from a Recovery
/// Services vault takes exactly the path of a `--job` file of the same content from here on.
pub fn read_with_job(
    req: &Request,
    job: Option<Input<super::job::RawJob>>,
    overrides: Overrides,
) -> Result<Inputs, Errors> {
    let fetch = source::FetchOptions {
        auth: req.auth,
        ..Default::default()
    };
    let locate = |j: &Input<super::job::RawJob>, which: JobBlob| {
        let operator = Operator {
            blob_endpoint: req.blob_endpoint,
            sas: req.sas,
        };
        locate(&j.raw.blob_fields(&j.origin), which, &operator).map(|l| l.url)
    };
    let config_spec = match (req.config, &job) {
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
    let info_spec = match (req.encryption_info, &job) {
        (Some(raw), _) => Some(SourceSpec::parse(raw)?),
        (None, Some(j)) if config_from_blob && j.raw.implies(JobBlob::EncryptionInfo) => {
            Some(SourceSpec::Url(locate(j, JobBlob::EncryptionInfo)?))
        }
        _ => None,
    };
    let encryption_info = match &info_spec {
        Some(spec) => Some(source::load_with(spec, "encryption-info blob", &fetch)?),
        None => None,
    };
    // Backup's template: `--template` must be read; the job's `Template Blob Uri` is read from
    // storage with the config, or looked for by its name beside a local config file; one the
    // job names but that is not there is a warning (`Inputs::template_missing`), not an error.
    let template = match (req.template, &job) {
        (Some(raw), _) => Some((Ok(SourceSpec::parse(raw)?), true)),
        (None, Some(j)) if j.raw.implies(JobBlob::Template) => match &config_spec {
            // Only a config found through the job brings the job's template from storage: a
            // config URL the operator gave says nothing of where, or with which credential.
            SourceSpec::Url(_) if req.config.is_none() => {
                Some((locate(j, JobBlob::Template).map(SourceSpec::Url), false))
            }
            SourceSpec::Url(_) => None,
            SourceSpec::Path(p) => beside(p, j).map(|t| (Ok(SourceSpec::Path(t)), true)),
            SourceSpec::Stdin => None,
        },
        _ => None,
    };
    let mut inputs = parse(&config, job, encryption_info.as_ref(), overrides)?;
    match template {
        Some((Ok(spec), true)) => {
            let loaded = source::load_with(&spec, TEMPLATE, &fetch)?;
            inputs.template = Some(parse_template(&loaded)?);
        }
        Some((spec, _)) => job_template(spec, &fetch, &mut inputs)?,
        None => {}
    }
    Ok(inputs)
}

const TEMPLATE: &str = "Azure Backup's template";

/// The template the job names, read into `inputs` when it is there. The template is optional:
/// when its `Template Blob Uri` is refused (another account, a `..`: nothing is requested) or it
/// is not there (no such file, or the blob does not exist), what was looked for and why is kept
/// for the warning (`Inputs::template_missing`) and the run goes on. Any other failure (denied,
/// unreachable, not a template) is an error like any blob's.
pub fn job_template(
    spec: Result<SourceSpec, Error>,
    fetch: &source::FetchOptions,
    inputs: &mut Inputs,
) -> Result<(), Errors> {
    let spec = match spec {
        Ok(spec) => spec,
        Err(e) => {
            inputs.template_missing = Some(format!("was not read: {}", e.message));
            return Ok(());
        }
    };
    let not_found = || Some(format!("`{}` was not found", spec.display()));
    let loaded = match &spec {
        SourceSpec::Path(p) => match source::load_if_file(p, TEMPLATE) {
            Ok(Some(loaded)) => Ok(loaded),
            Ok(None) => {
                inputs.template_missing = not_found();
                return Ok(());
            }
            Err(e) => Err(e),
        },
        _ => source::load_with(&spec, TEMPLATE, fetch),
    };
    match loaded {
        Ok(loaded) => {
            inputs.template = Some(parse_template(&loaded)?);
            Ok(())
        }
        Err(e) if e.code == Code::BlobNotFound => {
            inputs.template_missing = not_found();
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// The job's template beside a local config file, by the blob name of its `Template Blob Uri`
/// (Azure Backup writes both into one container; a user who downloads one usually downloads
/// both). Only that name in that folder: nothing else is looked at, and absence is silent,
/// since no storage was asked and `--template` remains.
fn beside(config: &std::path::Path, job: &Input<super::job::RawJob>) -> Option<std::path::PathBuf> {
    let op = Operator {
        blob_endpoint: Some("http://config-dir.invalid/"),
        sas: None,
    };
    let url = locate(&job.raw.blob_fields(&job.origin), JobBlob::Template, &op).ok()?;
    let name = url.url.path_segments()?.next_back()?;
    let name = percent_encoding::percent_decode_str(name)
        .decode_utf8()
        .ok()?;
    let path = config.parent()?.join(name.as_ref());
    path.is_file().then_some(path)
}

/// Azure Backup's own template of the restore, parsed like the other blobs.
pub fn parse_template(loaded: &Loaded) -> Result<Input<super::template::RawTemplate>, Errors> {
    let doc = super::parse_json(loaded, "Azure Backup's template")?;
    super::sniff::check(&doc, super::sniff::Slot::Template, &loaded.origin)?;
    Ok(Input {
        raw: super::typed(doc, &loaded.origin, "Azure Backup's template")?,
        origin: loaded.origin.clone(),
    })
}

/// Parse inputs already in memory: the part of the pipeline that no I/O reaches (fuzzed).
pub fn from_bytes(
    config: &Loaded,
    job: Option<&Loaded>,
    encryption_info: Option<&Loaded>,
    overrides: Overrides,
) -> Result<Inputs, Errors> {
    let job = job.map(parse_job).transpose()?;
    parse(config, job, encryption_info, overrides)
}

pub fn parse_job(loaded: &Loaded) -> Result<Input<super::job::RawJob>, Errors> {
    let doc = super::parse_json(loaded, "restore job's details")?;
    super::sniff::check(&doc, super::sniff::Slot::Job, &loaded.origin)?;
    Ok(Input {
        raw: super::job::parse(&doc, &loaded.origin)?,
        origin: loaded.origin.clone(),
    })
}

/// The in-memory step for a job already parsed (a batch parses each job first to find its blobs).
pub fn parse(
    config: &Loaded,
    job: Option<Input<super::job::RawJob>>,
    encryption_info: Option<&Loaded>,
    overrides: Overrides,
) -> Result<Inputs, Errors> {
    let doc = super::parse_json(config, "config blob")?;
    super::sniff::check(&doc, super::sniff::Slot::Config, &config.origin)?;
    let config = Input {
        raw: super::config_blob(doc, &config.origin, "config blob")?,
        origin: config.origin.clone(),
    };
    let encryption_info = match encryption_info {
        Some(loaded) => {
            let doc = super::parse_json(loaded, "encryption-info blob")?;
            super::sniff::check(&doc, super::sniff::Slot::EncryptionInfo, &loaded.origin)?;
            // The blob holds key material: a type error's detail could quote it, so only the
            // path is reported.
            let raw =
                super::typed(doc, &loaded.origin, "encryption-info blob").map_err(|mut e| {
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
        ..Inputs::default()
    })
}
