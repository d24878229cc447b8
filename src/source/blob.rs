//! Blob downloads through the official Azure SDK for Rust 1.x.
//!
//! A URL with a SAS (`sig=` in its query) is fetched with no credential; otherwise the Entra ID
//! credential the user chose with `--auth` (azure_identity 1.x has no catch-all chain, so the
//! choice is explicit), and only over https. Faults give up within seconds: two retries at most,
//! 200 ms apart at first, and a hard deadline on the whole download, where the SDK's defaults
//! retry for over a minute. The body is read as a stream and the read stops at the input limit,
//! whatever the headers claim: a chunked, unsized or mislabelled body cannot grow memory past it.
//! No message carries a SAS signature: URLs are redacted and SDK error texts scrubbed.

use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};

use azure_core::credentials::TokenCredential;
use azure_core::error::ErrorKind;
use azure_core::http::{
    ClientOptions, ExponentialRetryOptions, RetryOptions, StatusCode, Transport,
};
use azure_storage_blob::models::{BlobClientDownloadOptions, HttpRange};
use azure_storage_blob::{BlobClient, BlobClientOptions};
use futures_core::Stream;

use super::sdk::{credential, install_tls_provider, with_innermost};
use super::{scrub, Auth, FetchOptions, MAX_INPUT_BYTES};
use crate::error::{Code, Error, Result};

/// The whole download, retries included, ends by then (15 s unless the variable says otherwise).
pub(crate) const TIMEOUT: crate::env::Seconds = crate::env::Seconds {
    var: "RESTORE_DEPLOY_BLOB_TIMEOUT",
    default: 15,
    range: 1..=600,
};

pub fn fetch(url: &url::Url, opts: &FetchOptions, origin: &str, doing: &str) -> Result<Vec<u8>> {
    let fail = |code: Code, msg: String| Error::new(code, msg).source(origin).doing(doing);
    let deadline = TIMEOUT.read()?;
    // Parsing refuses these already; checked again where the request is made, because the HTTP
    // stack would turn them into an `Authorization: Basic` header.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(fail(
            Code::Usage,
            "the blob URL carries a user name or password".into(),
        )
        .help("remove the `user:password@` part; blob URLs authenticate with a SAS or `--auth`"));
    }
    let session = session().map_err(|e| {
        fail(Code::BlobFailed, "cannot set up the blob client".into()).cause(e.clone())
    })?;
    let credential = if super::has_sas(url) {
        None
    } else {
        if url.scheme() != "https" {
            return Err(fail(Code::BlobInsecureToken, "this http URL carries no SAS, and Entra ID tokens are only sent over https".into())
                .help("add a SAS (in the URL, or with `--sas` / `AZURE_STORAGE_SAS_TOKEN` for URLs built from the job), or use the https endpoint"));
        }
        Some(session.credential(opts.auth).map_err(|e| {
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
            // The process's one HTTP client: its connections are reused blob after blob.
            transport: Some(session.transport.clone()),
            ..ClientOptions::default()
        },
        ..BlobClientOptions::default()
    };
    let mut request_url = url.clone();
    request_url.set_fragment(None);
    // A client per blob is a URL and an `Arc` of the shared pipeline parts, nothing more.
    let client = BlobClient::new(request_url, credential, Some(options)).map_err(|e| {
        fail(Code::BlobFailed, "cannot set up the blob client".into()).cause(scrub(&e.to_string()))
    })?;
    let result = session
        .runtime
        .block_on(async { tokio::time::timeout(deadline, download(&client)).await });
    match result {
        Err(_) => Err(fail(Code::BlobTimeout, format!("no answer within {} s", deadline.as_secs()))
            .help(format!("check the endpoint and your network; the blob service did not answer in time (`{}` sets the deadline, {} s)", TIMEOUT.var, TIMEOUT.accepted()))),
        Ok(Err(Fault::TooLarge(n))) => Err(fail(Code::InputTooLarge, format!("the blob is {n} bytes, more than {} MiB", MAX_INPUT_BYTES / (1024 * 1024)))
            .help("a config blob or job document is a few kilobytes: check the blob name")),
        Ok(Err(Fault::Unsized)) => Err(fail(Code::InputTooLarge, format!("the blob service sent more than {} MiB", MAX_INPUT_BYTES / (1024 * 1024)))
            .help("a config blob or job document is a few kilobytes: check the blob name and the endpoint")),
        Ok(Err(Fault::Overlong(n))) => Err(fail(Code::BlobFailed, format!("the blob service sent more than the {n} bytes it announced"))
            .help("the endpoint does not behave like Azure Blob Storage: check `--blob-endpoint` or the URL")),
        Ok(Err(Fault::Short { expected, got })) => Err(fail(Code::BlobTruncated, format!("the download stopped after {got} of {expected} bytes"))
            .help("the connection broke during the download; run the command again")),
        Ok(Err(Fault::Empty)) => Err(fail(Code::BlobEmpty, "the blob is empty".into())
            .help("the restore job may not have finished writing it; check the job's status and the blob name")),
        Ok(Err(Fault::Sdk(e, body))) => Err(sdk_error(&e, body, opts.auth, fail)),
        Ok(Ok(bytes)) => Ok(bytes),
    }
}

/// What every download of the process shares, built at the first one: a batch of a thousand jobs
/// sets up one runtime, one HTTP client (TLS configuration and connection pool) and one credential
/// per `--auth`, where it used to build them for every blob.
struct Session {
    /// A current-thread runtime shared by the batch's threads: whichever thread is waiting holds
    /// its driver and the others are woken through it (tokio's `block_on` from several threads),
    /// so pooled connections keep being served between downloads.
    runtime: tokio::runtime::Runtime,
    transport: Transport,
    credentials: Mutex<Vec<(Auth, Arc<dyn TokenCredential>)>>,
}

impl Session {
    fn credential(&self, auth: Auth) -> azure_core::Result<Arc<dyn TokenCredential>> {
        let mut built = self
            .credentials
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, c)) = built.iter().find(|(a, _)| *a == auth) {
            return Ok(Arc::clone(c));
        }
        let c = credential(auth)?;
        built.push((auth, Arc::clone(&c)));
        Ok(c)
    }
}

fn session() -> std::result::Result<&'static Session, &'static String> {
    static SESSION: OnceLock<std::result::Result<Session, String>> = OnceLock::new();
    SESSION
        .get_or_init(|| {
            install_tls_provider();
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the async runtime: {e}"))?;
            Ok(Session {
                runtime,
                transport: Transport::new(azure_core::http::new_http_client(None)),
                credentials: Mutex::new(Vec::new()),
            })
        })
        .as_ref()
}

enum Fault {
    /// The announced size is over the limit.
    TooLarge(u64),
    /// No size was announced and the body went past the limit.
    Unsized,
    /// More bytes arrived than the announced size.
    Overlong(u64),
    Short {
        expected: u64,
        got: usize,
    },
    Empty,
    /// An SDK error, and whether it happened while reading the body.
    Sdk(azure_core::Error, bool),
}

/// The SDK's share of one download: it asks for at most one byte more than the limit, and moves
/// it in 4 MiB parts one at a time, so even a lying `Content-Range` cannot make it plan more.
const PART: usize = 4 * 1024 * 1024;

/// One download. The size (the `Content-Range` total, else `Content-Length`) is checked against
/// the limit before a byte of body is read; then the body is read chunk by chunk and the read
/// stops as soon as it passes the limit or the announced size.
async fn download(client: &BlobClient) -> std::result::Result<Vec<u8>, Fault> {
    let options = BlobClientDownloadOptions {
        range: Some(HttpRange::new(0, MAX_INPUT_BYTES + 1)),
        parallel: std::num::NonZero::new(1),
        partition_size: std::num::NonZero::new(PART),
        ..BlobClientDownloadOptions::default()
    };
    let response = client
        .download(Some(options))
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
    let limit = expected.unwrap_or(MAX_INPUT_BYTES);
    let mut body = response.body;
    // Reserved up front only when the size is announced (and so within the limit): an honest
    // blob is read without reallocation, and an unsized one grows only as its bytes arrive.
    let mut bytes = Vec::with_capacity(expected.and_then(|n| usize::try_from(n).ok()).unwrap_or(0));
    loop {
        let next = std::future::poll_fn(|cx| Pin::new(&mut body).poll_next(cx)).await;
        let Some(chunk) = next else { break };
        let chunk = chunk.map_err(|e| Fault::Sdk(e, true))?;
        let room = usize::try_from(limit).unwrap_or(usize::MAX) - bytes.len();
        if chunk.len() > room {
            return Err(match expected {
                Some(n) => Fault::Overlong(n),
                None => Fault::Unsized,
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    match expected {
        Some(n) if (bytes.len() as u64) < n => Err(Fault::Short {
            expected: n,
            got: bytes.len(),
        }),
        _ if bytes.is_empty() => Err(Fault::Empty),
        _ => Ok(bytes),
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
    with_innermost(fail(code, msg).cause(cause), e).help(help)
}
