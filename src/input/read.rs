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
    let fetch = source::FetchOptions { auth: req.auth };
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
    let fetch = source::FetchOptions { auth: req.auth };
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
    let mut inputs = parse(&config, job, encryption_info.as_ref(), overrides)?;
    if let Some(raw) = req.template {
        let loaded =
            source::load_with(&SourceSpec::parse(raw)?, "Azure Backup's template", &fetch)?;
        inputs.template = Some(parse_template(&loaded)?);
    }
    Ok(inputs)
}

/// Azure Backup's own template of the restore, parsed like the other blobs.
pub fn parse_template(loaded: &Loaded) -> Result<Input<super::template::RawTemplate>, Errors> {
    let doc = super::parse_json(loaded, "Azure Backup's template")?;
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
    let config = Input {
        raw: super::typed(doc, &config.origin, "config blob")?,
        origin: config.origin.clone(),
    };
    let encryption_info = match encryption_info {
        Some(loaded) => {
            let doc = super::parse_json(loaded, "encryption-info blob")?;
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
