//! Which blobs a restore job names, as URLs: the container and blob name from the job, on the
//! operator's endpoint or the job's own storage account. Pure: no I/O, so every naming rule and
//! hostile job is unit-tested here.

use crate::error::{Code, Error};
use crate::model::Input;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobBlob {
    Config,
    EncryptionInfo,
}

/// A blob the job names, as a URL: the container and blob name from the job (or from its
/// `Config Blob Uri`), on `--blob-endpoint`, else on the `Config Blob Uri`'s host, else on
/// `https://<Target Storage Account Name>.blob.core.windows.net`; with `--sas` added when the URL
/// carries none. Names are added as path segments, percent-encoded: a hostile job cannot steer
/// the request elsewhere.
pub fn job_blob_url(
    job: &Input<crate::input::job::RawJob>,
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
            format!("`{}` is not an http(s) endpoint", super::redact_url(&url)),
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
        if !super::has_sas(&url) {
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
