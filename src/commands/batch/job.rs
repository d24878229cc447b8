//! One job of a batch, on its own: its file read, its blobs found (from storage as a single run
//! finds them, or from `--config-dir` by the names the job gives), validated, and turned into the
//! product of the command. Nothing here writes into `--out`: the batch stages each bundle as
//! soon as it is made, and decides which may be put in place only when every job is known.

use std::path::{Path, PathBuf};

use crate::error::{Code, Error, Errors};
use crate::input::job::RawJob;
use crate::input::Inputs;
use crate::model::Overrides;
use crate::plan::Plan;
use crate::source::locate::{config_candidates, locate, JobBlob, Operator};
use crate::source::{self, FetchOptions, Loaded, SourceSpec};

/// What every job of the run shares.
pub struct Shared<'a> {
    pub blob_endpoint: Option<&'a str>,
    pub sas: Option<&'a str>,
    pub fetch: FetchOptions,
    pub config_dir: Option<&'a Path>,
    pub overrides: Overrides,
    pub work: Work,
    /// Job documents already read (from a Recovery Services vault), by the name standing in for
    /// their path; any other path is read from disk.
    pub preloaded: Option<&'a std::collections::HashMap<PathBuf, Loaded>>,
}

/// What a job is turned into.
#[derive(Clone, Copy)]
pub enum Work {
    Bundle(crate::cli::Format),
    Inspection { json: bool },
}

pub enum Product {
    Bundle(Plan),
    /// A bundle already staged on disk by the batch (its text freed).
    Staged(crate::plan::Staged),
    Inspection(String),
    /// The restore was read and validated, but this command cannot serve it (a recovery point
    /// too old for a template): its VM and case are known, so the summary shows them (newcomer
    /// row 30).
    Refused(Errors),
}

/// A job that made it through validation.
pub struct Done {
    pub vm: String,
    pub case: String,
    pub warnings: Vec<String>,
    pub product: Product,
    /// What the bundle asks of the operator, for the batch's next steps (bundles only).
    pub steps: Option<crate::format::batch::BundleSteps>,
}

pub fn run(path: &Path, shared: &Shared) -> Result<Done, Errors> {
    let inputs = read(path, shared)?;
    let restore = crate::model::build(&inputs)?;
    let vm = restore.name.value.clone();
    let case = crate::render::describe::slug(&restore);
    let made = make(&restore, shared.work);
    let (warnings, product, steps) = match made {
        Ok(made) => made,
        Err(e) => (Vec::new(), Product::Refused(e), None),
    };
    Ok(Done {
        vm,
        case,
        warnings,
        product,
        steps,
    })
}

/// The product of a validated restore, with its warnings and, for a bundle, its next steps.
fn make(
    restore: &crate::model::Restore,
    work: Work,
) -> Result<
    (
        Vec<String>,
        Product,
        Option<crate::format::batch::BundleSteps>,
    ),
    Errors,
> {
    Ok(match work {
        Work::Bundle(format) => {
            let output = crate::format::output(format);
            let warnings = output.preflight(restore)?;
            (
                warnings,
                Product::Bundle(output.plan(restore)?),
                Some(crate::format::batch::bundle_steps(restore, format)),
            )
        }
        Work::Inspection { json: true } => (
            Vec::new(),
            Product::Inspection(crate::render::inspect::json(restore)?),
            None,
        ),
        Work::Inspection { json: false } => (
            Vec::new(),
            Product::Inspection(crate::render::inspect::human(restore)),
            None,
        ),
    })
}

const JOB: &str = "restore job's details";

fn read(path: &Path, shared: &Shared) -> Result<Inputs, Errors> {
    // Always a path: a job file named `-` or `https:...` is still a file here. Parsed once: its
    // names find the blobs, and the same parsed job goes into the model.
    let job = match shared.preloaded.and_then(|p| p.get(path)) {
        Some(loaded) => crate::input::read::parse_job(loaded)?,
        None => crate::input::read::parse_job(&source::load_regular(path, JOB)?)?,
    };
    let raw = &job.raw;
    let (config, info, template) = match shared.config_dir {
        Some(dir) => (
            SourceSpec::Path(local_config(dir, &job.origin, raw, shared)?),
            raw.implies(JobBlob::EncryptionInfo)
                .then(|| local_blob(dir, &job.origin, raw, JobBlob::EncryptionInfo, shared))
                .transpose()?
                .map(SourceSpec::Path),
            raw.implies(JobBlob::Template)
                .then(|| local_blob(dir, &job.origin, raw, JobBlob::Template, shared))
                .map(|r| r.map(SourceSpec::Path)),
        ),
        None => {
            let op = Operator {
                blob_endpoint: shared.blob_endpoint,
                sas: shared.sas,
            };
            let url = |which| locate(&raw.blob_fields(&job.origin), which, &op).map(|l| l.url);
            // As in a single run with the config read from storage: the encryption-info blob
            // and Backup's template are read when the job names them.
            (
                SourceSpec::Url(url(JobBlob::Config)?),
                raw.implies(JobBlob::EncryptionInfo)
                    .then(|| url(JobBlob::EncryptionInfo))
                    .transpose()?
                    .map(SourceSpec::Url),
                raw.implies(JobBlob::Template)
                    .then(|| url(JobBlob::Template))
                    .map(|r| r.map(SourceSpec::Url)),
            )
        }
    };
    let config = source::load_with(&config, "config blob", &shared.fetch)?;
    let info: Option<Loaded> = info
        .map(|spec| source::load_with(&spec, "encryption-info blob", &shared.fetch))
        .transpose()?;
    let mut inputs =
        crate::input::read::parse(&config, Some(job), info.as_ref(), shared.overrides.clone())?;
    // A template the job names but that is not there is said as a warning, and the job goes on.
    if let Some(spec) = template {
        crate::input::read::job_template(spec, &shared.fetch, &mut inputs)?;
    }
    Ok(inputs)
}

/// Stands in for the operator's endpoint when none is given, so the job's names go through the
/// same checks as for a download (no `..`, no empty segment) without naming a real host.
const LOCAL: &str = "http://config-dir.invalid/";

/// The config blob in DIR. When the job's `Config Blob Uri` and `Config Blob Name` disagree,
/// either file is taken (the URI's first), and both are named when neither is there.
fn local_config(dir: &Path, origin: &str, raw: &RawJob, shared: &Shared) -> Result<PathBuf, Error> {
    let base = shared.blob_endpoint.unwrap_or(LOCAL);
    let op = Operator {
        blob_endpoint: Some(base),
        sas: None,
    };
    let paths = config_candidates(&raw.blob_fields(origin), &op)?
        .into_iter()
        .map(|l| in_dir(dir, &l.url, base, origin))
        .collect::<Result<Vec<_>, _>>()?;
    match paths.as_slice() {
        [one] => Ok(one.clone()),
        _ => paths.iter().find(|p| p.is_file()).cloned().ok_or_else(|| {
            let shown: Vec<String> = paths.iter().map(|p| format!("`{}`", p.display())).collect();
            Error::new(
                Code::ConfigNotFound,
                format!(
                    "the job's `Config Blob Uri` and `Config Blob Name` name different blobs, and neither is in `--config-dir`: looked for {}",
                    shown.join(" and ")
                ),
            )
            .source(origin)
            .at(raw.bag_path.clone())
            .doing("finding the config blob in `--config-dir`")
            .help("download the config blob of this restore into the folder under one of those names, or restore this VM alone with `--config`")
        }),
    }
}

/// `DIR/<blob name>`: the blob's name as the job gives it, each `/`-separated part a folder, so a
/// job cannot name a file outside DIR.
fn local_blob(
    dir: &Path,
    origin: &str,
    raw: &RawJob,
    which: JobBlob,
    shared: &Shared,
) -> Result<PathBuf, Error> {
    let base = shared.blob_endpoint.unwrap_or(LOCAL);
    let op = Operator {
        blob_endpoint: Some(base),
        sas: None,
    };
    let url = locate(&raw.blob_fields(origin), which, &op)?.url;
    in_dir(dir, &url, base, origin)
}

fn in_dir(dir: &Path, url: &url::Url, base: &str, origin: &str) -> Result<PathBuf, Error> {
    let prefix = url::Url::parse(base)
        .ok()
        .and_then(|b| {
            b.path_segments()
                .map(|s| s.filter(|x| !x.is_empty()).count())
        })
        .unwrap_or(0);
    let mut path = dir.to_path_buf();
    // The endpoint's own path, then the container; the rest is the blob's name.
    let parts = url
        .path_segments()
        .map(|s| s.skip(prefix + 1).map(decode).collect::<Vec<_>>())
        .unwrap_or_default();
    if parts.is_empty() {
        return Err(Error::internal("a located blob URL has no blob name"));
    }
    for part in parts {
        // A part is one plain name on every OS: Windows reads `C:x.json` as a drive-relative
        // path, and `PathBuf::push` of it would replace DIR.
        if !one_name(&part) {
            return Err(Error::new(
                Code::ConfigNotFound,
                format!(
                    "the blob name part `{}` is not a plain file name, so it cannot be read from `--config-dir`",
                    crate::error::shown(&part)
                ),
            )
            .source(origin)
            .doing("finding the job's blobs in `--config-dir`")
            .help("a blob in `--config-dir` is named by its blob name, each `/`-separated part a plain name (no `:`, `\\`, `.` or `..`); restore this VM alone with `--config` and `--encryption-info`"));
        }
        path.push(part);
    }
    Ok(path)
}

/// One `Normal` path component on Linux, macOS and Windows alike: no separator (`/`, `\\`), no
/// drive or stream colon, not `.` or `..`, not empty, and no Windows device name (`CON` would
/// read the console, not a file in DIR).
fn one_name(part: &str) -> bool {
    let mut c = Path::new(part).components();
    !part.contains([':', '\\', '/'])
        && !crate::model::is_windows_device(part)
        && matches!(
            (c.next(), c.next()),
            (Some(std::path::Component::Normal(_)), None)
        )
        && !matches!(part, "." | "..")
}

fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

/// A VM name that can be one folder under `--out` on any system the bundle may be copied to:
/// the model's rule ([`crate::model::vm_folder_name`]), refused as an input problem.
pub fn folder_name(vm: &str) -> Result<String, Error> {
    crate::model::vm_folder_name(vm).map_err(|b| {
        Error::new(b.code, b.message)
            .doing("choosing the restore's folder under `--out`")
            .help("Azure VM names are 1 to 64 ASCII letters, digits, `-`, `_` and `.`; check the config blob's `name`, or restore this VM alone with `--vm-name`")
    })?;
    Ok(vm.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_are_single_portable_components() {
        for ok in ["app01", "web-01", "db_02", "vm.prod", "CONSOLE", "com10"] {
            assert_eq!(folder_name(ok).ok().as_deref(), Some(ok));
        }
        for bad in [
            "",
            ".",
            "..",
            ".hidden",
            "a/b",
            "a\\b",
            "../x",
            "a:b",
            "x.",
            "x ",
            "a\nb",
            "a\u{1b}[31m",
            "what?",
            "a*",
            "\"q\"",
            "VM-Ünïcode",
            "CON",
            "aux.json",
        ] {
            let e = folder_name(bad).expect_err(bad);
            assert_eq!(e.code, Code::InvalidVmName, "{bad:?}");
        }
    }

    #[test]
    fn local_blobs_stay_inside_the_folder() {
        let shared = Shared {
            blob_endpoint: None,
            sas: None,
            fetch: FetchOptions::default(),
            config_dir: None,
            overrides: Overrides::default(),
            work: Work::Inspection { json: true },
            preloaded: None,
        };
        let raw = |uri: &str| RawJob {
            config_blob_uri: Some(uri.to_owned()),
            encryption_info_blob_name: Some("info-1.json".to_owned()),
            target_storage_account: Some("stage01".to_owned()),
            bag_path: "$".to_owned(),
            ..RawJob::default()
        };
        let dir = Path::new("/blobs");
        let r = raw("https://stage01.blob.core.windows.net/vm-a/sub%20dir/config-1.json");
        assert_eq!(
            local_blob(dir, "j", &r, JobBlob::Config, &shared).ok(),
            Some(PathBuf::from("/blobs/sub dir/config-1.json"))
        );
        assert_eq!(
            local_blob(dir, "j", &r, JobBlob::EncryptionInfo, &shared).ok(),
            Some(PathBuf::from("/blobs/info-1.json"))
        );
        for hostile in [
            "https://stage01.blob.core.windows.net/vm-a/../../etc/passwd",
            "https://stage01.blob.core.windows.net/vm-a/%2e%2e/x.json",
            "https://stage01.blob.core.windows.net/vm-a//x.json",
            "https://stage01.blob.core.windows.net/vm-a/C:x.json",
            "https://stage01.blob.core.windows.net/vm-a/sub/C%3Ax.json",
            "https://stage01.blob.core.windows.net/vm-a/..%5cx.json",
            "https://stage01.blob.core.windows.net/vm-a/CON",
            "https://stage01.blob.core.windows.net/vm-a/sub/nul.json",
            "https://stage01.blob.core.windows.net/vm-a/%2e%2e%2fx.json",
        ] {
            assert!(
                local_blob(dir, "j", &raw(hostile), JobBlob::Config, &shared).is_err(),
                "{hostile}"
            );
        }
        // An operator's endpoint with a path of its own (Azurite's account segment).
        let shared = Shared {
            blob_endpoint: Some("http://127.0.0.1:10000/devstoreaccount1"),
            ..shared
        };
        let r = raw("http://127.0.0.1:10000/devstoreaccount1/vm-a/config-2.json");
        assert_eq!(
            local_blob(dir, "j", &r, JobBlob::Config, &shared).ok(),
            Some(PathBuf::from("/blobs/config-2.json"))
        );
    }
}
