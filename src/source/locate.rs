//! Where a blob named by a restore job is, and which credential may travel with the request.
//!
//! A job file is input like any other, and may be hostile: the operator's SAS or Entra ID token
//! must only reach the endpoint the operator named (`--blob-endpoint`) or the job's own storage
//! account (`https://<account>.blob.<cloud suffix>`). So the job's `Config Blob Uri` is treated
//! like its names: only its container and blob are taken, after Azure's naming rules, and they are
//! added as path segments to one of those two bases. A URI that names another account or host, a
//! port, an IP literal, a user name or a `..` segment is refused before any request is made. The
//! cloud is the operator's: a URI on a sovereign cloud's suffix is refused unless
//! `--blob-endpoint` names that cloud.
//! Pure: no I/O, so every rule is unit-tested here.

use crate::error::{Code, Error};

/// The job's fields that say where its blobs are, as the job spells them.
#[derive(Debug, Clone, Copy, Default)]
pub struct JobFields<'a> {
    /// Where the job came from, and the JSON path of its property bag, for messages.
    pub origin: &'a str,
    pub bag_path: &'a str,
    pub config_blob_uri: Option<&'a str>,
    pub config_blob_container: Option<&'a str>,
    pub config_blob_name: Option<&'a str>,
    pub encryption_info_blob_name: Option<&'a str>,
    /// Azure Backup's own template of the restore (`azuredeploy<job id>.json`).
    pub template_blob_uri: Option<&'a str>,
    pub target_storage_account: Option<&'a str>,
}

/// What the operator said on the command line.
#[derive(Debug, Clone, Copy, Default)]
pub struct Operator<'a> {
    /// `--blob-endpoint`
    pub blob_endpoint: Option<&'a str>,
    /// `--sas` / `AZURE_STORAGE_SAS_TOKEN`
    pub sas: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobBlob {
    Config,
    EncryptionInfo,
    /// Azure Backup's template, by the job's `Template Blob Uri`: located under the same rules
    /// as `Config Blob Uri` (the job's account or `--blob-endpoint`, same credential).
    Template,
}

/// The credential a located URL may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// The operator's SAS is in the URL's query; no token is sent.
    Sas,
    /// No SAS: the `--auth` Entra ID token, which the download sends only over https.
    Token,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub url: url::Url,
    pub credential: Credential,
}

/// Azure's public and sovereign blob DNS suffixes (after `<account>.blob.`).
pub const CLOUD_SUFFIXES: &[&str] = &[
    "core.windows.net",
    "core.chinacloudapi.cn",
    "core.usgovcloudapi.net",
];

/// The URL of one blob the job names, on the operator's endpoint or the job's own account.
pub fn locate(job: &JobFields, which: JobBlob, op: &Operator) -> Result<Located, Error> {
    let fail = |msg: String| {
        Error::new(Code::ConfigNotFound, msg)
            .source(job.origin)
            .at(job.bag_path)
            .doing("finding the restore's blobs from the job")
    };
    let endpoint = op.blob_endpoint.map(endpoint).transpose()?;
    let account = job
        .target_storage_account
        .map(|a| {
            account_ok(a).then(|| a.to_owned()).ok_or_else(|| {
                fail(format!("`{a}` is not a storage account name")).help(
                    "account names have 3 to 24 lower-case letters and digits; pass `--blob-endpoint`",
                )
            })
        })
        .transpose()?;
    let parts = |field: &str, raw: &str| {
        uri_parts(field, raw, endpoint.as_ref(), account.as_deref())
            .map_err(|e| fail(e.0).help(e.1))
    };
    let from_uri = match which {
        // The template's own URI, checked like the config's; the config's is not needed.
        JobBlob::Template => match job.template_blob_uri {
            Some(raw) => Some(parts("Template Blob Uri", raw)?),
            None => {
                return Err(fail("the job names no `Template Blob Uri`".into())
                    .help("pass Azure Backup's template with `--template`, or go on without it"))
            }
        },
        _ => job
            .config_blob_uri
            .map(|raw| parts("Config Blob Uri", raw))
            .transpose()?,
    };

    if which == JobBlob::Config {
        if let (Some(u), Some(name)) = (&from_uri, job.config_blob_name) {
            let same_blob = u.blob == name || u.blob.ends_with(&format!("/{name}"));
            let same_container = job
                .config_blob_container
                .is_none_or(|c| c.eq_ignore_ascii_case(&u.container));
            if !(same_blob && same_container) {
                let named = match job.config_blob_container {
                    Some(c) if !same_container => format!("`{c}/{name}`"),
                    _ => format!("`{name}`"),
                };
                return Err(Error::new(
                    Code::JobBlobNamesDisagree,
                    format!(
                        "the job's `Config Blob Uri` names `{}/{}` but its `Config Blob Name`{} names {named}: restore-deploy does not guess which is the config blob",
                        u.container,
                        u.blob,
                        if same_container { "" } else { " and `Config Blob Container Name`" },
                    ),
                )
                .source(job.origin)
                .at(job.bag_path)
                .doing("finding the restore's blobs from the job")
                .help("check the job (`az backup job show`), then pass `--config` with the config blob you mean (its file or URL); with `--config-dir`, put either blob in the folder"));
            }
        }
    }
    let (container, blob) = match which {
        JobBlob::Config | JobBlob::Template => (
            from_uri
                .as_ref()
                .map(|u| u.container.clone())
                .or(job.config_blob_container.map(str::to_owned)),
            from_uri
                .as_ref()
                .map(|u| u.blob.clone())
                .or(job.config_blob_name.map(str::to_owned)),
        ),
        JobBlob::EncryptionInfo => (
            job.config_blob_container
                .map(str::to_owned)
                .or(from_uri.as_ref().map(|u| u.container.clone())),
            job.encryption_info_blob_name.map(str::to_owned),
        ),
    };
    let (Some(container), Some(blob)) = (container, blob) else {
        return Err(fail("the job does not name the blob's container and name".into())
            .help("pass `--config` with the config blob, or a job with `Config Blob Uri` (or `Config Blob Container Name` and `Config Blob Name`)"));
    };
    // Container names are lower case in Azure; jobs print them with the VM name's case.
    let container = container.to_ascii_lowercase();
    if !container_ok(&container) {
        return Err(fail(format!("`{container}` is not a valid blob container name")).help("container names have 3 to 63 lower-case letters, digits and hyphens; pass `--config` with the blob's URL"));
    }
    if !blob_ok(&blob) {
        return Err(fail(format!("`{blob}` is not a valid blob name"))
            .help("pass the blob's URL with `--config` / `--encryption-info`"));
    }

    let mut url = match (endpoint, from_uri.and_then(|u| u.cloud), account) {
        (Some(e), _, _) => e,
        (None, Some((acct, suffix)), _) => account_url(&acct, suffix)?,
        (None, None, Some(acct)) => account_url(&acct, CLOUD_SUFFIXES[0])?,
        (None, None, None) => {
            return Err(fail("the job names no storage account".into())
                .help("pass `--blob-endpoint` or `--config`"))
        }
    };
    url.path_segments_mut()
        .map_err(|_| Error::internal("a checked endpoint cannot take a path"))?
        .pop_if_empty()
        .push(&container)
        .extend(blob.split('/'));
    let sas = op
        .sas
        .map(|t| t.trim().trim_start_matches('?'))
        .filter(|t| !t.is_empty());
    let credential = match sas {
        Some(token) => {
            url.set_query(Some(token));
            Credential::Sas
        }
        None => Credential::Token,
    };
    Ok(Located { url, credential })
}

/// Where the config blob may be: one place, or, when the job's `Config Blob Uri` and
/// `Config Blob Name` disagree, each of the two (the URI's first), for a caller that can look
/// (`--config-dir`). A single run reading from storage uses [`locate`], which refuses instead.
pub fn config_candidates(job: &JobFields, op: &Operator) -> Result<Vec<Located>, Error> {
    match locate(job, JobBlob::Config, op) {
        Err(e) if e.code == Code::JobBlobNamesDisagree => {
            let by_uri = JobFields {
                config_blob_name: None,
                config_blob_container: None,
                ..*job
            };
            let by_name = JobFields {
                config_blob_uri: None,
                ..*job
            };
            Ok(vec![
                locate(&by_uri, JobBlob::Config, op)?,
                locate(&by_name, JobBlob::Config, op)?,
            ])
        }
        other => other.map(|l| vec![l]),
    }
}

fn account_url(account: &str, suffix: &str) -> Result<url::Url, Error> {
    url::Url::parse(&format!("https://{account}.blob.{suffix}"))
        .map_err(|e| Error::internal(format!("a checked account name gave no URL: {e}")))
}

/// `--blob-endpoint`, checked: the operator's word, but still no userinfo, query or fragment.
fn endpoint(raw: &str) -> Result<url::Url, Error> {
    let usage = |msg: String| {
        Error::new(Code::Usage, msg).help(
            "give the account's endpoint, e.g. `--blob-endpoint https://<account>.blob.core.windows.net` or `http://127.0.0.1:10000/devstoreaccount1`; pass a SAS with `--sas`",
        )
    };
    let url = url::Url::parse(raw.trim()).map_err(|e| {
        usage(format!(
            "`--blob-endpoint` `{}` is not a URL ({e})",
            super::redact(raw)
        ))
    })?;
    let shown = super::redact_url(&url);
    if url.cannot_be_a_base() || !matches!(url.scheme(), "http" | "https") {
        return Err(usage(format!("`{shown}` is not an http(s) endpoint")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(usage(format!(
            "`--blob-endpoint` `{shown}` carries a user name or password"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(usage(format!(
            "`--blob-endpoint` `{shown}` has a query or fragment"
        )));
    }
    Ok(url)
}

struct UriParts {
    container: String,
    blob: String,
    /// The job's own account and cloud, when the URI names `<account>.blob.<suffix>`.
    cloud: Option<(String, &'static str)>,
}

/// The container and blob of the job's `field` (`Config Blob Uri`, `Template Blob Uri`), if it
/// names the operator's endpoint or the job's own account; a message and its help otherwise.
fn uri_parts(
    field: &str,
    raw: &str,
    endpoint: Option<&url::Url>,
    account: Option<&str>,
) -> Result<UriParts, (String, String)> {
    let help = format!("the job's `{field}` must name the job's storage account (`https://<account>.blob.core.windows.net/<container>/<blob>`) or the `--blob-endpoint` you pass; check the job, or pass {}", if field == "Template Blob Uri" { "the template with `--template`" } else { "`--config` with the blob's URL" });
    let shown = super::redact(raw);
    let refuse = |why: &str| Err((format!("`{field}` `{shown}` {why}"), help.clone()));
    if raw
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return refuse("holds spaces, control characters or backslashes");
    }
    let Ok(uri) = url::Url::parse(raw) else {
        return refuse("is not a URL");
    };
    if !matches!(uri.scheme(), "http" | "https") {
        return refuse("is not an http(s) URL");
    }
    if !uri.username().is_empty() || uri.password().is_some() {
        return refuse("carries a user name or password");
    }
    // The URL parser resolves `..` and `%2e%2e` segments away, so look at the raw path.
    let raw_path = raw
        .split_once("://")
        .map_or("", |(_, rest)| rest)
        .split(['?', '#'])
        .next()
        .unwrap_or("");
    if raw_path
        .split('/')
        .skip(1)
        .any(|seg| matches!(percent_decode(seg).as_str(), "." | ".."))
    {
        return refuse("has a `.` or `..` segment");
    }
    let segments: Vec<String> = uri
        .path_segments()
        .map(|s| s.map(percent_decode).collect())
        .unwrap_or_default();

    let same_as_endpoint = endpoint.and_then(|e| {
        let prefix: Vec<String> = e
            .path_segments()
            .map(|s| s.filter(|x| !x.is_empty()).map(percent_decode).collect())
            .unwrap_or_default();
        (uri.scheme() == e.scheme()
            && uri.host() == e.host()
            && uri.port_or_known_default() == e.port_or_known_default()
            && segments.starts_with(&prefix))
        .then_some(prefix.len())
    });
    let (skip, cloud) = match same_as_endpoint {
        Some(n) => (n, None),
        None => {
            let Some(host) = uri.host_str() else {
                return refuse("names no host");
            };
            let Some((acct, suffix)) = azure_account(host) else {
                return refuse(match endpoint {
                    Some(_) => "names neither `--blob-endpoint` nor an Azure storage account",
                    None => "names a host that is not an Azure storage account (`<account>.blob.core.windows.net`)",
                });
            };
            if uri.port().is_some() {
                return refuse("names a port");
            }
            if account.is_some_and(|a| a != acct) {
                return refuse(
                    "names another storage account than the job's `Target Storage Account Name`",
                );
            }
            // The cloud is the operator's choice, never the job's: account names are unique
            // only within one cloud, so the same name in another cloud may be anyone's.
            if endpoint.is_none() && suffix != CLOUD_SUFFIXES[0] {
                return Err((
                    format!("`{field}` `{shown}` is on another cloud's storage (`blob.{suffix}`); restore-deploy sends no credential there unless you name that cloud"),
                    format!("if the restore is in that cloud, pass `--blob-endpoint https://{acct}.blob.{suffix}`"),
                ));
            }
            (0, Some((acct.to_owned(), suffix)))
        }
    };
    let rest = &segments[skip.min(segments.len())..];
    match rest {
        [container, blob @ ..] if !blob.is_empty() => Ok(UriParts {
            container: container.clone(),
            blob: blob.join("/"),
            cloud,
        }),
        _ => refuse("names no container and blob"),
    }
}

/// `<account>.blob.<suffix>` for a known cloud suffix and a valid account name.
fn azure_account(host: &str) -> Option<(&str, &'static str)> {
    let (acct, rest) = host.split_once('.')?;
    let suffix = rest.strip_prefix("blob.")?;
    let known = CLOUD_SUFFIXES.iter().find(|s| **s == suffix)?;
    account_ok(acct).then_some((acct, known))
}

/// Storage account names: 3 to 24 lower-case letters and digits.
fn account_ok(a: &str) -> bool {
    (3..=24).contains(&a.len())
        && a.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Container names: 3 to 63 lower-case letters, digits and hyphens; a letter or digit first and
/// last, no two hyphens in a row.
fn container_ok(c: &str) -> bool {
    (3..=63).contains(&c.len())
        && c.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !c.starts_with('-')
        && !c.ends_with('-')
        && !c.contains("--")
}

/// Blob names: 1 to 1024 characters, no control characters or backslashes, and no empty, `.`
/// or `..` segment, so the path cannot climb out of the container or be normalised elsewhere.
fn blob_ok(b: &str) -> bool {
    (1..=1024).contains(&b.chars().count())
        && !b.chars().any(|c| c.is_control() || c == '\\')
        && !b.split('/').any(|seg| matches!(seg, "" | "." | ".."))
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
#[path = "locate_tests.rs"]
mod tests;
