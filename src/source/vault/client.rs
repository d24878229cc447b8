//! Requests to Azure Resource Manager through the official SDK: `azure_core`'s pipeline (its
//! retry policy honours `Retry-After` on 429 and 503 and retries transient 5xx and transport
//! faults; its reqwest transport follows no redirect), its bearer-token policy (which caches the
//! token and refuses any non-https request) and an `azure_identity` credential, as the blob
//! source uses.
//!
//! Every request goes through [`get`], which refuses any URL off the management endpoint's
//! origin before the pipeline sees it, bounds the whole exchange (retries and `Retry-After`
//! waits included) by the same deadline as a blob download, and reads at most the input limit.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use azure_core::error::ErrorKind;
use azure_core::http::headers::HeaderName;
use azure_core::http::policies::auth::BearerTokenAuthorizationPolicy;
use azure_core::http::policies::Policy;
use azure_core::http::{
    ClientOptions, Context, ExponentialRetryOptions, Method, Pipeline, PipelineStreamOptions,
    Request, RetryOptions, StatusCode,
};
use chrono::{DateTime, Utc};
use futures_core::Stream;

use super::{display, next_url, parse_page, Listing, VaultRef, MAX_PAGES};
use crate::error::{Code, Error, Result};
use crate::source::{scrub, Auth, Loaded, MAX_INPUT_BYTES};

/// A connection to one management endpoint with one credential.
pub struct Client {
    inner: Arc<Inner>,
    runtime: tokio::runtime::Runtime,
}

struct Inner {
    endpoint: url::Url,
    pipeline: Pipeline,
    deadline: Duration,
    auth: Auth,
}

/// What a 404 means for the request that got it.
#[derive(Clone, Copy)]
enum Missing {
    Vault,
    Job,
}

impl Client {
    pub fn new(endpoint: url::Url, auth: Auth) -> Result<Client> {
        let deadline = crate::source::blob::TIMEOUT.read()?;
        crate::source::sdk::install_tls_provider();
        let credential = crate::source::sdk::credential(auth).map_err(|e| {
            let err = Error::new(
                Code::RecoveryVaultCredential,
                format!("cannot set up the `{}` credential", auth.as_str()),
            )
            .cause(scrub(&e.to_string()))
            .help(auth.help());
            crate::source::sdk::with_innermost(err, &e)
        })?;
        let bearer: Arc<dyn Policy> = Arc::new(BearerTokenAuthorizationPolicy::new(
            credential,
            [super::scope(&endpoint)],
        ));
        let secs = |s: u64| azure_core::time::Duration::seconds(s as i64);
        let options = ClientOptions {
            retry: RetryOptions::exponential(ExponentialRetryOptions {
                initial_delay: azure_core::time::Duration::milliseconds(200),
                max_retries: 4,
                max_total_elapsed: secs(deadline.as_secs()),
                max_delay: secs(2),
            }),
            ..ClientOptions::default()
        };
        let pipeline = Pipeline::new(
            Some(env!("CARGO_PKG_NAME")),
            Some(env!("CARGO_PKG_VERSION")),
            options,
            Vec::new(),
            vec![bearer],
            None,
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::internal(format!("cannot start the async runtime: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                endpoint,
                pipeline,
                deadline,
                auth,
            }),
            runtime,
        })
    }

    /// One job resource, as `az backup job show` prints it (the whole resource), with the URL
    /// it came from as its origin.
    pub fn job(&self, vault: &VaultRef, id: &str) -> Result<Loaded> {
        let id = super::check_job_id(id)?;
        let inner = self.inner.clone();
        let url = vault.jobs_url(&inner.endpoint, Some(id));
        self.runtime
            .block_on(async move { fetch_job(inner, url).await })
    }

    /// Many job resources, at most `concurrency` requests in flight, in the order asked.
    pub fn jobs(
        &self,
        vault: &VaultRef,
        ids: &[String],
        concurrency: usize,
    ) -> Vec<Result<Loaded>> {
        let mut urls = Vec::with_capacity(ids.len());
        for id in ids {
            urls.push(
                super::check_job_id(id).map(|id| vault.jobs_url(&self.inner.endpoint, Some(id))),
            );
        }
        let inner = self.inner.clone();
        self.runtime.block_on(async move {
            let mut out: Vec<Option<Result<Loaded>>> = (0..urls.len()).map(|_| None).collect();
            let mut set = tokio::task::JoinSet::new();
            let mut pending = urls.into_iter().enumerate();
            let mut running = 0usize;
            loop {
                while running < concurrency.max(1) {
                    let Some((i, url)) = pending.next() else {
                        break;
                    };
                    match url {
                        Ok(url) => {
                            let inner = inner.clone();
                            set.spawn(async move { (i, fetch_job(inner, url).await) });
                            running += 1;
                        }
                        Err(e) => out[i] = Some(Err(e)),
                    }
                }
                let Some(done) = set.join_next().await else {
                    break;
                };
                running -= 1;
                match done {
                    Ok((i, r)) => out[i] = Some(r),
                    Err(e) => {
                        return vec![Err(Error::internal(format!("a request task failed: {e}")))]
                    }
                }
            }
            out.into_iter()
                .map(|r| r.unwrap_or_else(|| Err(Error::internal("a job was never fetched"))))
                .collect()
        })
    }

    /// The vault's VM restore jobs that started in the window, every page followed.
    pub fn list(
        &self,
        vault: &VaultRef,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Listing> {
        let inner = self.inner.clone();
        let mut url = vault.jobs_url(&inner.endpoint, None);
        url.query_pairs_mut()
            .append_pair("$filter", &super::filter(start, end));
        self.runtime.block_on(async move {
            let mut listing = Listing::default();
            loop {
                let origin = display(&url);
                let body = get(
                    &inner,
                    &url,
                    "listing the vault's restore jobs",
                    Missing::Vault,
                )
                .await?;
                let page = parse_page(&body, &origin)?;
                let next = page.next_link.clone().filter(|l| !l.trim().is_empty());
                listing.add(page);
                let Some(link) = next else { break };
                if listing.pages >= MAX_PAGES {
                    return Err(Error::new(
                        Code::RecoveryVaultFailed,
                        format!("the job list ran past {MAX_PAGES} pages"),
                    )
                    .source(origin)
                    .help(
                        "narrow `--since`; if a short window gives this, the endpoint is looping",
                    ));
                }
                url = next_url(&link, &inner.endpoint, &origin)?;
            }
            listing.sort();
            Ok(listing)
        })
    }
}

async fn fetch_job(inner: Arc<Inner>, url: url::Url) -> Result<Loaded> {
    let bytes = get(
        &inner,
        &url,
        "reading the restore job from the vault",
        Missing::Job,
    )
    .await?;
    Ok(Loaded {
        origin: display(&url),
        bytes,
    })
}

/// One GET on the management endpoint, and nowhere else.
async fn get(inner: &Inner, url: &url::Url, doing: &str, missing: Missing) -> Result<Vec<u8>> {
    let origin = display(url);
    let fail = |code: Code, msg: String| Error::new(code, msg).source(origin.clone()).doing(doing);
    if !super::same_origin(url, &inner.endpoint) {
        return Err(fail(
            Code::RecoveryVaultForeignHost,
            format!(
                "`{}` is not on the management endpoint; no request was made to it",
                crate::source::redact_url(url)
            ),
        ));
    }
    let exchange = async {
        let mut request = Request::new(url.clone(), Method::Get);
        request.insert_header("accept", "application/json");
        let options = PipelineStreamOptions {
            skip_checks: true,
            ..PipelineStreamOptions::default()
        };
        let response = inner
            .pipeline
            .stream(&Context::new(), &mut request, Some(options))
            .await
            .map_err(Fault::Sdk)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get_optional_str(&HeaderName::from_static("retry-after"))
            .map(str::to_owned);
        let body = read_capped(response.into_body()).await?;
        Ok::<_, Fault>((status, retry_after, body))
    };
    match tokio::time::timeout(inner.deadline, exchange).await {
        Err(_) => Err(fail(
            Code::RecoveryVaultTimeout,
            format!("no answer within {} s (throttling waits included)", inner.deadline.as_secs()),
        )
        .help("run the command again later; `RESTORE_DEPLOY_BLOB_TIMEOUT` (1 to 600 s) sets the deadline")),
        Ok(Err(Fault::TooLarge)) => Err(fail(
            Code::InputTooLarge,
            format!("the answer is larger than {} MiB", MAX_INPUT_BYTES / (1024 * 1024)),
        )
        .help("a job or a page of jobs is a few kilobytes: check `--management-endpoint`")),
        Ok(Err(Fault::Sdk(e))) => Err(transport_error(&e, inner.auth, fail)),
        Ok(Ok((status, retry_after, body))) if status.is_success() => {
            let _ = retry_after;
            Ok(body)
        }
        Ok(Ok((status, retry_after, body))) => Err(status_error(status, retry_after, &body, missing, fail)),
    }
}

enum Fault {
    TooLarge,
    Sdk(azure_core::Error),
}

async fn read_capped(
    mut body: azure_core::http::AsyncResponseBody,
) -> std::result::Result<Vec<u8>, Fault> {
    let mut bytes = Vec::new();
    loop {
        let next = std::future::poll_fn(|cx| Pin::new(&mut body).poll_next(cx)).await;
        let Some(chunk) = next else { break };
        let chunk = chunk.map_err(Fault::Sdk)?;
        if (bytes.len() + chunk.len()) as u64 > MAX_INPUT_BYTES {
            return Err(Fault::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Resource Manager's error body: `{"error": {"code": …, "message": …}}`.
fn arm_error(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let e = v.get("error")?;
    let code = e.get("code").and_then(|c| c.as_str()).unwrap_or("");
    let message = e.get("message").and_then(|c| c.as_str()).unwrap_or("");
    let text: String = format!("{code}: {message}").chars().take(500).collect();
    Some(scrub(&text))
}

fn status_error(
    status: StatusCode,
    retry_after: Option<String>,
    body: &[u8],
    missing: Missing,
    fail: impl Fn(Code, String) -> Error,
) -> Error {
    let n = u16::from(status);
    let e = match n {
        401 | 403 => fail(
            Code::RecoveryVaultAccessDenied,
            format!("Resource Manager refused access to the vault ({n})"),
        )
        .help("the identity needs the `Backup Reader` role on the Recovery Services vault (or its resource group or subscription): `az role assignment create --assignee <you> --role \"Backup Reader\" --scope <vault id>`; with `--auth cli`, check `az account show` is the right tenant"),
        404 => match missing {
            Missing::Vault => fail(Code::RecoveryVaultNotFound, "the vault was not found (404)".to_owned())
                .help("check `--vault`, `--resource-group` and `--subscription` (`az backup vault list --query [].id`)"),
            Missing::Job => fail(Code::RestoreJobNotFound, "the vault has no job with this id (404)".to_owned())
                .help("list the vault's recent restore jobs with `restore-deploy jobs --vault <name> --resource-group <group>` and pass one of their ids; a job older than the vault keeps is gone"),
        },
        429 => fail(
            Code::RecoveryVaultThrottled,
            match &retry_after {
                Some(s) => format!("Resource Manager is still throttling after the retries (429, Retry-After {s} s)"),
                None => "Resource Manager is still throttling after the retries (429)".to_owned(),
            },
        ),
        // The pipeline retried 500, 502, 503 and 504 (and honoured a 503's `Retry-After`)
        // before this: the failure outlasted the retries.
        500..=599 => fail(
            Code::RecoveryVaultFailed,
            format!("Resource Manager still answered {n} after the retries"),
        )
        .help("the failure is on Azure's side: run the command again in a few minutes (the Azure status page shows Recovery Services incidents); meanwhile `az backup job show` exports the job for `--job`"),
        _ => fail(Code::RecoveryVaultFailed, format!("Resource Manager answered {n}")),
    };
    match arm_error(body) {
        Some(cause) => e.cause(cause),
        None => e,
    }
}

fn transport_error(
    e: &azure_core::Error,
    auth: Auth,
    fail: impl Fn(Code, String) -> Error,
) -> Error {
    let cause = scrub(&e.to_string());
    let (code, msg, help) = match e.kind() {
        ErrorKind::Credential => (
            Code::RecoveryVaultCredential,
            format!("the `{}` credential could not get a token", auth.as_str()),
            auth.help().to_owned(),
        ),
        ErrorKind::Connection | ErrorKind::Io => (
            Code::RecoveryVaultUnreachable,
            "cannot connect to the management endpoint".to_owned(),
            "check the network and `--management-endpoint`".to_owned(),
        ),
        _ => (
            Code::RecoveryVaultFailed,
            "the request to Resource Manager failed".to_owned(),
            "run the command again; the cause is below".to_owned(),
        ),
    };
    // As for a blob: the innermost cause ("az not found on PATH", "failed to lookup address")
    // under the SDK's outer message (newcomer row 12).
    crate::source::sdk::with_innermost(fail(code, msg).cause(cause), e).help(help)
}
