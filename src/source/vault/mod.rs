//! Restore jobs straight from a Recovery Services vault, through Azure Resource Manager.
//!
//! This module holds what needs no network: the vault's coordinates checked against Azure's
//! naming rules (every one becomes a URL path segment), the management endpoint (https, no user
//! name, no path), the time window and its `$filter` in the service's own date form, and the
//! job-list page as Resource Manager returns it. `client` (feature `azure`) sends the requests
//! through the official SDK's pipeline.
//!
//! Credentials go only where the operator pointed: every request is made to the management
//! endpoint, and a `nextLink` on any other scheme, host or port gets no request at all.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::error::{Code, Error, Result};

#[cfg(feature = "azure")]
mod client;
#[cfg(feature = "azure")]
pub use client::Client;

#[cfg(not(feature = "azure"))]
mod off;
#[cfg(not(feature = "azure"))]
pub use off::Client;

/// The Recovery Services API version every request pins: the one Azure PowerShell's own recorded
/// job-list requests use (`tests/data/recorded/`), documented for `backupJobs` list and get.
pub const API_VERSION: &str = "2024-10-01";

/// Azure Resource Manager in the public cloud.
pub const PUBLIC_ENDPOINT: &str = "https://management.azure.com";

/// The environment variable that names another management endpoint.
pub const ENDPOINT_VAR: &str = "RESTORE_DEPLOY_MANAGEMENT_ENDPOINT";

/// The longest window one job query may span: Azure PowerShell's `Get-AzRecoveryServicesBackupJob`
/// refuses a `-From`/`-To` range over 30 days, as the service does.
pub const MAX_WINDOW_DAYS: u64 = 30;

/// The default window of `jobs` and `generate --vault` without `--job-id`.
pub const DEFAULT_SINCE: Duration = Duration::from_secs(7 * 24 * 3600);

/// At most this many pages are followed: a vault with more restore jobs in 30 days than this
/// many pages hold is not a vault, it is a loop.
pub const MAX_PAGES: usize = 1000;

/// A Recovery Services vault's coordinates, each checked so it is one URL path segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultRef {
    pub subscription: String,
    pub resource_group: String,
    pub name: String,
}

impl VaultRef {
    pub fn new(subscription: &str, resource_group: &str, name: &str) -> Result<VaultRef> {
        let sub_ok = subscription.len() == 36
            && subscription.chars().enumerate().all(|(i, c)| {
                if matches!(i, 8 | 13 | 18 | 23) {
                    c == '-'
                } else {
                    c.is_ascii_hexdigit()
                }
            });
        if !sub_ok {
            return Err(usage(format!("`{subscription}` is not a subscription id"))
                .help("a subscription id is a GUID such as `38304e13-357e-405e-9e9a-220351dcce8c` (`az account show --query id`)"));
        }
        // Resource group names: 1-90 letters, digits, `-`, `_`, `.`, `(`, `)`, not ending in `.`.
        let rg_ok = (1..=90).contains(&resource_group.chars().count())
            && !resource_group.ends_with('.')
            && resource_group
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')'));
        if !rg_ok {
            return Err(usage(format!("`{resource_group}` is not a resource group name"))
                .help("resource group names are 1-90 letters, digits, `-`, `_`, `.`, `(` and `)`, not ending in `.`"));
        }
        // Recovery Services vault names: 2-50 letters, digits and `-`, starting with a letter.
        let vault_ok = (2..=50).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !vault_ok {
            return Err(usage(format!("`{name}` is not a Recovery Services vault name"))
                .help("vault names are 2-50 letters, digits and `-`, starting with a letter (`az backup vault list`)"));
        }
        Ok(VaultRef {
            subscription: subscription.to_ascii_lowercase(),
            resource_group: resource_group.to_owned(),
            name: name.to_owned(),
        })
    }

    /// The vault's path segments under the endpoint.
    fn segments(&self) -> [&str; 7] {
        [
            "subscriptions",
            &self.subscription,
            "resourceGroups",
            &self.resource_group,
            "providers",
            "Microsoft.RecoveryServices",
            "vaults",
        ]
    }

    /// `…/vaults/<name>/backupJobs` on `endpoint`, then `extra` segments (a job id).
    pub fn jobs_url(&self, endpoint: &url::Url, extra: Option<&str>) -> url::Url {
        let mut url = endpoint.clone();
        url.set_query(None);
        if let Ok(mut path) = url.path_segments_mut() {
            path.clear();
            path.extend(self.segments());
            path.push(&self.name);
            path.push("backupJobs");
            if let Some(e) = extra {
                path.push(e);
            }
        }
        url.query_pairs_mut()
            .append_pair("api-version", API_VERSION);
        url
    }
}

/// A job id (the job resource's `name`): a GUID as Azure Backup writes it; checked so that a job
/// id from the command line or from a response is one path segment.
pub fn check_job_id(id: &str) -> Result<&str> {
    let ok = (1..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    if ok {
        Ok(id)
    } else {
        Err(usage(format!("`{id}` is not a backup job id"))
            .help("a job id is a GUID such as `cfa8b622-e3c4-4d5b-ac0f-cd016c6ac607`; `restore-deploy jobs --vault <name> --resource-group <group>` lists them"))
    }
}

/// The management endpoint: `--management-endpoint`, else the variable, else the public
/// cloud's. Only an https origin: a path, query or user name has no place in it, and tokens are
/// never sent in clear text.
pub fn endpoint(raw: Option<&str>) -> Result<url::Url> {
    let raw = raw.unwrap_or(PUBLIC_ENDPOINT);
    let bad = |why: &str| {
        usage(format!(
            "`{}` cannot be the management endpoint: {why}",
            crate::source::redact(raw)
        ))
        .help("give an https origin such as `https://management.azure.com` or `https://management.usgovcloudapi.net` (`--management-endpoint` or `RESTORE_DEPLOY_MANAGEMENT_ENDPOINT`)")
    };
    let url = url::Url::parse(raw).map_err(|e| bad(&e.to_string()))?;
    if url.scheme() != "https" {
        return Err(bad("Entra ID tokens are only sent over https"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it carries a user name or password"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("it names no host"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(bad("it has a path, query or fragment"));
    }
    Ok(url)
}

/// The token scope for a management endpoint: its origin's `.default`.
pub fn scope(endpoint: &url::Url) -> String {
    format!("{}/.default", endpoint.origin().ascii_serialization())
}

/// Same scheme, host and port: the only URLs a token may go to.
pub fn same_origin(a: &url::Url, b: &url::Url) -> bool {
    a.origin() == b.origin()
}

/// `--since`: whole minutes, hours, days or weeks (`90m`, `24h`, `7d`, `2w`), at most 30 days.
pub fn parse_since(raw: &str) -> Result<Duration> {
    let bad = || {
        usage(format!("`--since {raw}` is not a duration"))
            .help(format!("give whole minutes, hours, days or weeks, such as `24h` or `7d`, at most {MAX_WINDOW_DAYS} days (what the service allows in one query)"))
    };
    let unit = raw.chars().last().ok_or_else(bad)?;
    let digits = &raw[..raw.len() - unit.len_utf8()];
    if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let secs = match unit {
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => return Err(bad()),
    };
    let d = Duration::from_secs(n * secs);
    if d.is_zero() || d > Duration::from_secs(MAX_WINDOW_DAYS * 86_400) {
        return Err(bad());
    }
    Ok(d)
}

/// The window ending now.
pub fn window(since: Duration) -> (DateTime<Utc>, DateTime<Utc>) {
    let end: DateTime<Utc> = std::time::SystemTime::now().into();
    let start = end - chrono::TimeDelta::from_std(since).unwrap_or(chrono::TimeDelta::zero());
    (start, end)
}

/// The documented job-list `$filter`: VM restores (operation, backup management type) that
/// started in the window, the times in the service's `yyyy-MM-dd hh:mm:ss AM` form (UTC), as
/// Azure PowerShell sends them.
pub fn filter(start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    const FORM: &str = "%Y-%m-%d %I:%M:%S %p";
    format!(
        "operation eq 'Restore' and backupManagementType eq 'AzureIaasVM' and startTime eq '{}' and endTime eq '{}'",
        start.format(FORM),
        end.format(FORM)
    )
}

/// One job as the list gives it (no extended info).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub properties: SummaryProperties,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SummaryProperties {
    #[serde(default)]
    pub operation: Option<String>,
    #[serde(default)]
    pub backup_management_type: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub entity_friendly_name: Option<String>,
    #[serde(default)]
    pub start_time: Option<String>,
    #[serde(default)]
    pub end_time: Option<String>,
}

impl Summary {
    /// An Azure IaaS VM restore (of disks, of a whole VM, or of disks in place: only the job's
    /// details tell which).
    pub fn is_vm_restore(&self) -> bool {
        let p = &self.properties;
        p.operation
            .as_deref()
            .is_some_and(|o| o.eq_ignore_ascii_case("Restore"))
            && p.backup_management_type
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case("AzureIaasVM"))
    }
}

/// One page of the job list.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    #[serde(default)]
    pub value: Vec<Summary>,
    #[serde(default)]
    pub next_link: Option<String>,
}

pub fn parse_page(bytes: &[u8], origin: &str) -> Result<Page> {
    serde_json::from_slice(bytes).map_err(|e| {
        Error::new(
            Code::RecoveryVaultFailed,
            "the job list is not the JSON Resource Manager sends",
        )
        .source(origin)
        .doing("listing the vault's restore jobs")
        .cause(e.to_string())
    })
}

/// The VM restores of a window, newest first, and how many other jobs the window held.
#[derive(Debug, Default)]
pub struct Listing {
    pub restores: Vec<Summary>,
    pub others: usize,
    pub pages: usize,
}

impl Listing {
    pub fn add(&mut self, page: Page) {
        self.pages += 1;
        for s in page.value {
            if s.is_vm_restore() {
                self.restores.push(s);
            } else {
                self.others += 1;
            }
        }
    }

    /// Newest first by start time; equal times keep the service's order.
    pub fn sort(&mut self) {
        let key = |s: &Summary| {
            s.properties
                .start_time
                .as_deref()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc))
        };
        self.restores.sort_by_key(|s| std::cmp::Reverse(key(s)));
    }
}

/// The next page's URL, or the reason it gets no request.
pub fn next_url(link: &str, endpoint: &url::Url, origin: &str) -> Result<url::Url> {
    let mut url = url::Url::parse(link)
        .or_else(|_| endpoint.join(link))
        .map_err(|e| {
            Error::new(
                Code::RecoveryVaultFailed,
                "the job list's `nextLink` is not a URL",
            )
            .source(origin)
            .cause(e.to_string())
        })?;
    if !same_origin(&url, endpoint) || !url.username().is_empty() || url.password().is_some() {
        return Err(Error::new(
            Code::RecoveryVaultForeignHost,
            format!(
                "the job list's `nextLink` points at `{}`, not at the management endpoint `{}`; no request was made to it",
                crate::source::redact_url(&url),
                endpoint.origin().ascii_serialization()
            ),
        )
        .source(origin)
        .doing("following the job list to its next page")
        .help("your token goes only to the management endpoint you named: check `--management-endpoint`, and report the response if it came from Azure"));
    }
    url.set_fragment(None);
    if !url.query_pairs().any(|(k, _)| k == "api-version") {
        url.query_pairs_mut()
            .append_pair("api-version", API_VERSION);
    }
    Ok(url)
}

/// Where a URL is named in messages: its origin and path (no query: filters are long, skip
/// tokens opaque).
pub fn display(url: &url::Url) -> String {
    format!("{}{}", url.origin().ascii_serialization(), url.path())
}

fn usage(msg: String) -> Error {
    Error::new(Code::Usage, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault() -> VaultRef {
        VaultRef::new(
            "38304e13-357e-405e-9e9a-220351dcce8c",
            "hiagarg",
            "hiagaVault",
        )
        .expect("vault")
    }

    #[test]
    fn coordinates_are_checked_and_become_path_segments() {
        let v = vault();
        let e = endpoint(None).expect("public");
        assert_eq!(
            v.jobs_url(&e, Some("cfa8b622-e3c4-4d5b-ac0f-cd016c6ac607")).as_str(),
            "https://management.azure.com/subscriptions/38304e13-357e-405e-9e9a-220351dcce8c/resourceGroups/hiagarg/providers/Microsoft.RecoveryServices/vaults/hiagaVault/backupJobs/cfa8b622-e3c4-4d5b-ac0f-cd016c6ac607?api-version=2024-10-01"
        );
        for (s, g, n) in [
            ("not-a-guid", "rg", "vault"),
            ("38304e13-357e-405e-9e9a-220351dcce8c", "a/b", "vault"),
            ("38304e13-357e-405e-9e9a-220351dcce8c", "rg.", "vault"),
            ("38304e13-357e-405e-9e9a-220351dcce8c", "", "vault"),
            ("38304e13-357e-405e-9e9a-220351dcce8c", "rg", "../x"),
            ("38304e13-357e-405e-9e9a-220351dcce8c", "rg", "9vault"),
            ("38304e13-357e-405e-9e9a-220351dcce8c", "rg", "v?x=1"),
        ] {
            assert_eq!(
                VaultRef::new(s, g, n).map_err(|e| e.code),
                Err(Code::Usage),
                "{s} {g} {n}"
            );
        }
        for bad in ["", "../x", "a/b", "x?y", "g".repeat(65).as_str(), "1234%2f"] {
            assert!(check_job_id(bad).is_err(), "{bad}");
        }
        assert!(check_job_id("cfa8b622-e3c4-4d5b-ac0f-cd016c6ac607").is_ok());
    }

    #[test]
    fn the_endpoint_is_an_https_origin() {
        assert!(endpoint(Some("https://management.usgovcloudapi.net")).is_ok());
        assert!(endpoint(Some("https://127.0.0.1:8443/")).is_ok());
        for bad in [
            "http://management.azure.com",
            "https://user:pw@management.azure.com",
            "https://management.azure.com/subscriptions",
            "https://management.azure.com/?x=1",
            "management.azure.com",
        ] {
            assert_eq!(
                endpoint(Some(bad)).map_err(|e| e.code),
                Err(Code::Usage),
                "{bad}"
            );
        }
        let e = endpoint(Some("https://127.0.0.1:8443")).expect("ok");
        assert_eq!(scope(&e), "https://127.0.0.1:8443/.default");
        assert_eq!(
            scope(&endpoint(None).expect("ok")),
            "https://management.azure.com/.default"
        );
    }

    #[test]
    fn since_is_whole_units_up_to_thirty_days() {
        assert_eq!(parse_since("24h").ok(), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_since("7d").ok(), Some(DEFAULT_SINCE));
        assert_eq!(
            parse_since("30d").ok(),
            Some(Duration::from_secs(30 * 86_400))
        );
        assert_eq!(parse_since("90m").ok(), Some(Duration::from_secs(5400)));
        for bad in [
            "", "d", "7", "31d", "5w", "0h", "-1d", "1.5d", "7 d", "7D", "１d", "9999999d",
        ] {
            assert_eq!(
                parse_since(bad).map_err(|e| e.code),
                Err(Code::Usage),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_filter_uses_the_services_date_form() {
        let t = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .expect("t")
                .with_timezone(&Utc)
        };
        // The form of Azure PowerShell's recorded request (tests/data/recorded/).
        assert_eq!(
            filter(t("2025-01-05T02:52:09Z"), t("2025-01-06T14:52:09Z")),
            "operation eq 'Restore' and backupManagementType eq 'AzureIaasVM' and startTime eq '2025-01-05 02:52:09 AM' and endTime eq '2025-01-06 02:52:09 PM'"
        );
    }

    #[test]
    fn a_next_link_elsewhere_gets_no_request() {
        let e = endpoint(Some("https://127.0.0.1:8443")).expect("ok");
        let ok = next_url("https://127.0.0.1:8443/subscriptions/x/backupJobs?$skiptoken=abc&api-version=2024-10-01", &e, "o").expect("same origin");
        assert_eq!(ok.port(), Some(8443));
        assert!(
            next_url("/subscriptions/x/backupJobs?$skiptoken=a", &e, "o")
                .expect("relative")
                .as_str()
                .ends_with("api-version=2024-10-01")
        );
        for evil in [
            "https://evil.example/subscriptions/x/backupJobs",
            "http://127.0.0.1:8443/subscriptions/x",
            "https://127.0.0.1:9999/subscriptions/x",
            "https://u:p@127.0.0.1:8443/subscriptions/x",
            "//evil.example/x",
        ] {
            let err = next_url(evil, &e, "o").expect_err(evil);
            assert_eq!(err.code, Code::RecoveryVaultForeignHost, "{evil}");
            assert!(!err.message.contains(":p@"), "{}", err.message);
        }
    }

    #[test]
    fn the_recorded_list_page_parses_and_backups_are_only_counted() {
        let page = parse_page(
            include_bytes!("../../../tests/data/recorded/list-backup-jobs-timefilter.json"),
            "recorded",
        )
        .expect("page");
        assert_eq!(page.value.len(), 6);
        assert_eq!(page.next_link, None);
        let mut l = Listing::default();
        l.add(page);
        assert_eq!((l.restores.len(), l.others, l.pages), (0, 6, 1));
    }
}
