//! Blob downloads through the official Azure SDK for Rust 1.x.
//!
//! A URL with a SAS (`sig=` in its query) is fetched with no credential; otherwise the Entra ID
//! credential the user chose with `--auth` (azure_identity 1.x has no catch-all chain, so the
//! choice is explicit). Faults give up within seconds: two retries at most, 200 ms apart at first,
//! and a hard deadline on the whole download, where the SDK's defaults retry for over a minute.
//! The blob's size is read from the first response and anything over the input limit is refused
//! before its body is read. No message carries a SAS signature: URLs are redacted and SDK error texts scrubbed.

use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::{Secret, TokenCredential};
use azure_core::error::ErrorKind;
use azure_core::http::{ClientOptions, ExponentialRetryOptions, RetryOptions, StatusCode};
use azure_storage_blob::{BlobClient, BlobClientOptions};

use super::{Auth, FetchOptions, MAX_INPUT_BYTES};
use crate::error::{Code, Error, Result};

/// The whole download, retries included, ends by then (`RESTORE_DEPLOY_BLOB_TIMEOUT` seconds
/// overrides it).
const DEADLINE: Duration = Duration::from_secs(15);

fn deadline() -> Duration {
    std::env::var("RESTORE_DEPLOY_BLOB_TIMEOUT")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|s| (1..=600).contains(s))
        .map_or(DEADLINE, Duration::from_secs)
}

pub fn fetch(url: &url::Url, opts: &FetchOptions, origin: &str, doing: &str) -> Result<Vec<u8>> {
    let fail = |code: Code, msg: String| Error::new(code, msg).source(origin).doing(doing);
    let credential = if super::has_sas(url) {
        None
    } else {
        if url.scheme() != "https" {
            return Err(fail(Code::BlobInsecureToken, "this http URL carries no SAS, and Entra ID tokens are only sent over https".into())
                .help("add a SAS (in the URL, or with `--sas` / `AZURE_STORAGE_SAS_TOKEN` for URLs built from the job), or use the https endpoint"));
        }
        Some(credential(opts.auth).map_err(|e| {
            fail(
                Code::BlobCredential,
                format!("cannot set up the `{}` credential", opts.auth.as_str()),
            )
            .cause(scrub(&e.to_string()))
            .help(opts.auth.help())
        })?)
    };
    let options = BlobClientOptions {
        client_options: ClientOptions {
            retry: RetryOptions::exponential(ExponentialRetryOptions {
                initial_delay: azure_core::time::Duration::milliseconds(200),
                max_retries: 2,
                max_total_elapsed: azure_core::time::Duration::seconds(5),
                max_delay: azure_core::time::Duration::seconds(1),
            }),
            ..ClientOptions::default()
        },
        ..BlobClientOptions::default()
    };
    let client = BlobClient::new(url.clone(), credential, Some(options)).map_err(|e| {
        fail(Code::BlobFailed, "cannot set up the blob client".into()).cause(scrub(&e.to_string()))
    })?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("cannot start the async runtime: {e}")))?;
    let result =
        runtime.block_on(async { tokio::time::timeout(deadline(), download(&client)).await });
    match result {
        Err(_) => Err(fail(Code::BlobTimeout, format!("no answer within {} s", deadline().as_secs()))
            .help("check the endpoint and your network; the blob service did not answer in time")),
        Ok(Err(Fault::TooLarge(n))) => Err(fail(Code::InputTooLarge, format!("the blob is {n} bytes, more than {} MiB", MAX_INPUT_BYTES / (1024 * 1024)))
            .help("a config blob or job document is a few kilobytes: check the blob name")),
        Ok(Err(Fault::Short { expected, got })) => Err(fail(Code::BlobTruncated, format!("the download stopped after {got} of {expected} bytes"))
            .help("the connection broke during the download; run the command again")),
        Ok(Err(Fault::Empty)) => Err(fail(Code::BlobEmpty, "the blob is empty".into())
            .help("the restore job may not have finished writing it; check the job's status and the blob name")),
        Ok(Err(Fault::Sdk(e, body))) => Err(sdk_error(&e, body, opts.auth, fail)),
        Ok(Ok(bytes)) => Ok(bytes),
    }
}

enum Fault {
    TooLarge(u64),
    Short {
        expected: u64,
        got: usize,
    },
    Empty,
    /// An SDK error, and whether it happened while reading the body.
    Sdk(azure_core::Error, bool),
}

/// One GET: the SDK's download streams its body lazily, so the size (the `Content-Range` total,
/// else `Content-Length`) is checked against the limit before a byte of body is read.
async fn download(client: &BlobClient) -> std::result::Result<Vec<u8>, Fault> {
    let response = client
        .download(None)
        .await
        .map_err(|e| Fault::Sdk(e, false))?;
    let range_total = response
        .headers
        .get_optional_str(&azure_core::http::headers::HeaderName::from_static(
            "content-range",
        ))
        .and_then(|r| r.rsplit('/').next())
        .and_then(|t| t.trim().parse::<u64>().ok());
    let expected = range_total.or(response.properties.content_length);
    if let Some(n) = expected.filter(|n| *n > MAX_INPUT_BYTES) {
        return Err(Fault::TooLarge(n));
    }
    let bytes = response
        .body
        .collect()
        .await
        .map_err(|e| Fault::Sdk(e, true))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(Fault::TooLarge(bytes.len() as u64));
    }
    match expected {
        Some(n) if (bytes.len() as u64) < n => Err(Fault::Short {
            expected: n,
            got: bytes.len(),
        }),
        _ if bytes.is_empty() => Err(Fault::Empty),
        _ => Ok(bytes.to_vec()),
    }
}

fn sdk_error(
    e: &azure_core::Error,
    in_body: bool,
    auth: Auth,
    fail: impl Fn(Code, String) -> Error,
) -> Error {
    let cause = scrub(&e.to_string());
    let (code, msg, help) = match (e.kind(), e.http_status()) {
        (_, Some(StatusCode::NotFound)) => (Code::BlobNotFound, "the blob does not exist".to_owned(), "check the URL, or the job's container and blob names; the restore's blobs may have been deleted".to_owned()),
        (_, Some(s)) if s == StatusCode::Forbidden || s == StatusCode::Unauthorized => (
            Code::BlobAccessDenied,
            format!("access to the blob was refused ({})", u16::from(s)),
            "the SAS may be expired, lack read permission or be mistyped; or the signed-in identity lacks `Storage Blob Data Reader` on the account".to_owned(),
        ),
        (_, Some(s)) => (Code::BlobFailed, format!("the blob service answered {}", u16::from(s)), "run the command again; if it persists, check the storage account".to_owned()),
        (ErrorKind::Credential, _) => (Code::BlobCredential, format!("the `{}` credential could not get a token", auth.as_str()), auth.help().to_owned()),
        (ErrorKind::Io, _) if in_body => (Code::BlobTruncated, "the download broke off before the whole blob arrived".to_owned(), "run the command again".to_owned()),
        (ErrorKind::Connection | ErrorKind::Io, _) => (Code::BlobUnreachable, "cannot connect to the blob endpoint".to_owned(), "check the URL or `--blob-endpoint`, and that this machine can reach the storage account".to_owned()),
        _ => (Code::BlobFailed, "the download failed".to_owned(), "run the command again; the cause is below".to_owned()),
    };
    fail(code, msg).cause(cause).help(help)
}

fn credential(auth: Auth) -> azure_core::Result<Arc<dyn TokenCredential>> {
    Ok(match auth {
        Auth::Cli => azure_identity::AzureCliCredential::new(None)?,
        Auth::ManagedIdentity => azure_identity::ManagedIdentityCredential::new(None)?,
        Auth::WorkloadIdentity => azure_identity::WorkloadIdentityCredential::new(None)?,
        Auth::ClientSecret => {
            let var = |k: &str| {
                std::env::var(k).map_err(|_| {
                    azure_core::Error::with_message(
                        ErrorKind::Credential,
                        format!("`{k}` is not set"),
                    )
                })
            };
            let tenant = var("AZURE_TENANT_ID")?;
            let client = var("AZURE_CLIENT_ID")?;
            let secret = var("AZURE_CLIENT_SECRET")?;
            azure_identity::ClientSecretCredential::new(&tenant, client, Secret::new(secret), None)?
        }
    })
}

/// Remove SAS signatures from free text (SDK errors may quote the request URL).
pub fn scrub(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    loop {
        let lower = rest.to_ascii_lowercase();
        match lower.find("sig=") {
            None => {
                out.push_str(rest);
                return out;
            }
            Some(i) => {
                out.push_str(&rest[..i + 4]);
                out.push_str("REDACTED");
                let tail = &rest[i + 4..];
                let end = tail
                    .find(|c: char| c == '&' || c == '"' || c == '\'' || c.is_whitespace())
                    .unwrap_or(tail.len());
                rest = &tail[end..];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_every_signature() {
        let s = scrub("GET https://a/c/b?sv=1&sig=AbC%2B/def&se=2 failed; SIG=xyz\"");
        assert_eq!(
            s,
            "GET https://a/c/b?sv=1&sig=REDACTED&se=2 failed; SIG=REDACTED\""
        );
    }
}
