use super::*;

const ACCT: &str = "strestorestaging01";
const CONTAINER: &str = "vm-app01-daa1931199fd4a22ae601f46d8812276";
const CONFIG: &str = "config-app01-1fc2d55d.json";
const INFO: &str = "encryptioninfo-app01-1fc2d55d.json";
const SAS: &str = "sv=2021-08-06&sr=c&sp=r&sig=REALSIGNATURE%3D";

fn names() -> JobFields<'static> {
    JobFields {
        origin: "job.json",
        bag_path: "$",
        config_blob_uri: None,
        config_blob_container: Some(CONTAINER),
        config_blob_name: Some(CONFIG),
        encryption_info_blob_name: Some(INFO),
        template_blob_uri: None,
        target_storage_account: Some(ACCT),
    }
}

/// A job naming its config blob by URI only (a name that disagreed would be refused).
fn with_uri(uri: &str) -> JobFields<'_> {
    JobFields {
        config_blob_uri: Some(uri),
        config_blob_name: None,
        ..names()
    }
}

fn ok(job: &JobFields, which: JobBlob, op: &Operator) -> Located {
    match locate(job, which, op) {
        Ok(l) => l,
        Err(e) => panic!("refused: {} ({:?})", e.message, e.help),
    }
}

fn refused(job: &JobFields, op: &Operator) -> Error {
    match locate(job, JobBlob::Config, op) {
        Ok(l) => panic!("accepted: {}", l.url),
        Err(e) => e,
    }
}

const NONE: Operator = Operator {
    blob_endpoint: None,
    sas: None,
};

#[test]
fn names_on_the_jobs_account_in_the_public_cloud() {
    let l = ok(&names(), JobBlob::Config, &NONE);
    assert_eq!(
        l.url.as_str(),
        format!("https://{ACCT}.blob.core.windows.net/{CONTAINER}/{CONFIG}")
    );
    assert_eq!(l.credential, Credential::Token);
    let l = ok(&names(), JobBlob::EncryptionInfo, &NONE);
    assert!(l.url.as_str().ends_with(&format!("/{CONTAINER}/{INFO}")));
}

#[test]
fn sas_is_attached_to_the_jobs_own_account_or_the_operators_endpoint() {
    let op = Operator {
        sas: Some(" ?sv=2021-08-06&sr=c&sp=r&sig=REALSIGNATURE%3D  "),
        ..NONE
    };
    let l = ok(&names(), JobBlob::Config, &op);
    assert_eq!(l.url.query(), Some(SAS));
    assert_eq!(l.credential, Credential::Sas);
    let op = Operator {
        blob_endpoint: Some("http://127.0.0.1:10000/devstoreaccount1/"),
        sas: Some(SAS),
    };
    let l = ok(&names(), JobBlob::EncryptionInfo, &op);
    assert_eq!(
        l.url.as_str(),
        format!("http://127.0.0.1:10000/devstoreaccount1/{CONTAINER}/{INFO}?{SAS}")
    );
    // An empty `--sas` is no SAS: the token path, which the download allows only over https.
    let l = ok(
        &names(),
        JobBlob::Config,
        &Operator {
            sas: Some("  "),
            ..NONE
        },
    );
    assert_eq!((l.url.query(), l.credential), (None, Credential::Token));
}

#[test]
fn config_blob_uri_gives_only_its_container_and_blob() {
    // Its query (a SAS someone else wrote) and fragment are dropped; the operator's SAS is used.
    let job = with_uri(
        "https://strestorestaging01.blob.core.windows.net/Other-Cont/dir/cfg.json?sv=1&sig=THEIRS#f",
    );
    let l = ok(
        &job,
        JobBlob::Config,
        &Operator {
            sas: Some(SAS),
            ..NONE
        },
    );
    assert_eq!(
        l.url.as_str(),
        format!("https://{ACCT}.blob.core.windows.net/other-cont/dir/cfg.json?{SAS}")
    );
    // The encryption-info blob lives in the container the job names.
    let l = ok(&job, JobBlob::EncryptionInfo, &NONE);
    assert!(l.url.as_str().ends_with(&format!("/{CONTAINER}/{INFO}")));
}

/// RB4: the cloud is the operator's choice, never the job's. A job URI on a sovereign cloud's
/// suffix gets no URL (so no SAS and no token) unless `--blob-endpoint` names that cloud.
#[test]
fn the_operator_picks_the_cloud_not_the_job() {
    let public = format!(
        "https://{ACCT}.blob.{}/{CONTAINER}/{CONFIG}",
        CLOUD_SUFFIXES[0]
    );
    let l = ok(&with_uri(&public), JobBlob::EncryptionInfo, &NONE);
    assert_eq!(
        l.url.host_str(),
        Some(&*format!("{ACCT}.blob.{}", CLOUD_SUFFIXES[0]))
    );
    assert_eq!(l.url.scheme(), "https");
    for suffix in &CLOUD_SUFFIXES[1..] {
        let uri = format!("https://{ACCT}.blob.{suffix}/{CONTAINER}/{CONFIG}");
        for which in [JobBlob::Config, JobBlob::EncryptionInfo] {
            for sas in [None, Some(SAS)] {
                let op = Operator { sas, ..NONE };
                let e = locate(&with_uri(&uri), which, &op).expect_err(&uri);
                assert_eq!(e.code, Code::ConfigNotFound, "{uri}");
                assert!(e.message.contains(suffix), "{}", e.message);
                assert!(
                    e.help
                        .as_deref()
                        .is_some_and(|h| h.contains("--blob-endpoint")),
                    "{e:?}"
                );
            }
        }
        // Named by the operator, that cloud is used, with the credential.
        let endpoint = format!("https://{ACCT}.blob.{suffix}");
        let op = Operator {
            blob_endpoint: Some(&endpoint),
            sas: None,
        };
        let l = ok(&with_uri(&uri), JobBlob::Config, &op);
        assert_eq!(l.url.host_str(), Some(&*format!("{ACCT}.blob.{suffix}")));
        assert_eq!(l.credential, Credential::Token);
    }
    // Without a target account, the URI's account is the job's account, in the operator's
    // cloud only.
    let job = JobFields {
        target_storage_account: None,
        ..with_uri("http://other01.blob.core.windows.net/c01/b.json")
    };
    let l = ok(&job, JobBlob::Config, &NONE);
    assert_eq!(
        l.url.as_str(),
        "https://other01.blob.core.windows.net/c01/b.json"
    );
    let job = JobFields {
        target_storage_account: None,
        ..with_uri("http://other01.blob.core.usgovcloudapi.net/c01/b.json")
    };
    assert!(locate(&job, JobBlob::Config, &NONE).is_err());
}

#[test]
fn uri_on_the_operators_endpoint_is_used_there() {
    let op = Operator {
        blob_endpoint: Some("http://127.0.0.1:10000/devstoreaccount1"),
        sas: Some(SAS),
    };
    let job = with_uri("http://127.0.0.1:10000/devstoreaccount1/c01/x.json");
    let l = ok(&job, JobBlob::Config, &op);
    assert_eq!(
        l.url.as_str(),
        format!("http://127.0.0.1:10000/devstoreaccount1/c01/x.json?{SAS}")
    );
    // A real job's Azure URI with the operator's own endpoint (a proxy, a private endpoint).
    let job = with_uri("https://strestorestaging01.blob.core.windows.net/c01/x.json");
    let l = ok(&job, JobBlob::Config, &op);
    assert!(l
        .url
        .as_str()
        .starts_with("http://127.0.0.1:10000/devstoreaccount1/c01/x.json?"));
}

/// Hostile `Config Blob Uri`s and why each is refused; `{A}` is the job's account host.
const HOSTILE: &[(&str, &str)] = &[
    (
        "http://127.0.0.1:18082/evilacct/c01/ok.json",
        "not an Azure storage account",
    ),
    (
        "https://127.0.0.1:18443/evilacct/c01/ok.json",
        "not an Azure storage account",
    ),
    ("https://[::1]/c01/ok.json", "not an Azure storage account"),
    (
        "https://evil.example/x?/c01/ok.json",
        "not an Azure storage account",
    ),
    ("https://evil.example/{A}/c01/b", "not an Azure"),
    ("https://{A}.evil.example/c01/b", "not an Azure"),
    ("https://{A}./c01/b", "not an Azure"),
    (
        "https://strestorestaging01.dfs.core.windows.net/c01/b",
        "not an Azure",
    ),
    (
        "https://strestorestaging01.blob.core.cloudapi.de/c01/b",
        "not an Azure",
    ),
    ("https://a.b.blob.core.windows.net/c01/b", "not an Azure"),
    (
        "https://UPPER_CASE.blob.core.windows.net/c01/b",
        "not an Azure",
    ),
    ("https://{A}:8443/c01/b", "names a port"),
    (
        "https://otheraccount.blob.core.windows.net/c01/b",
        "another storage account",
    ),
    ("https://user:pw@{A}/c01/b", "user name or password"),
    ("https://user@{A}/c01/b", "user name or password"),
    ("https://{A}/c01/../other/b", "`..` segment"),
    ("https://{A}/c01/%2e%2E/b", "`..` segment"),
    ("https://{A}/c01/.%2E/b", "`..` segment"),
    ("https://{A}/c01/./b", "`..` segment"),
    ("https://{A}\\c01\\b", "backslashes"),
    ("https://{A}/c01/b\n", "control"),
    ("https://{A}/c01/b c", "spaces"),
    ("https://{A}/c01", "no container and blob"),
    ("https://{A}/", "no container and blob"),
    ("ftp://{A}/c01/b", "not an http(s) URL"),
    ("notaurl", "is not a URL"),
];

/// With `--blob-endpoint`, a URI must name that endpoint or the job's account.
const HOSTILE_WITH_ENDPOINT: &[&str] = &[
    "http://127.0.0.1:10001/devstoreaccount1/c01/b",
    "http://127.0.0.1:10000/otheraccount/c01/b",
    "https://127.0.0.1:10000/devstoreaccount1/c01/b",
    "https://evil.example/devstoreaccount1/c01/b",
    "http://127.0.0.1:10000/c01/b",
];

#[test]
fn hostile_config_blob_uris_are_refused() {
    let endpoint = Operator {
        blob_endpoint: Some("http://127.0.0.1:10000/devstoreaccount1"),
        sas: Some(SAS),
    };
    let cases = HOSTILE.iter().map(|(u, why)| (*u, NONE, *why));
    let with_endpoint = HOSTILE_WITH_ENDPOINT
        .iter()
        .map(|u| (*u, endpoint, "neither `--blob-endpoint`"));
    for (uri, op, why) in cases.chain(with_endpoint) {
        let uri = uri.replace("{A}", "strestorestaging01.blob.core.windows.net");
        let e = refused(&with_uri(&uri), &op);
        assert_eq!(e.code, Code::ConfigNotFound, "{uri}");
        assert_eq!(e.code.exit_code(), 1, "{uri}");
        assert!(e.message.contains(why), "{uri}: {}", e.message);
        assert_eq!(e.source.as_deref(), Some("job.json"));
        assert!(!e.message.contains("pw@"), "{}", e.message);
    }
}

#[test]
fn encoded_slashes_stay_inside_the_container() {
    // `%2F` decodes to a `/` inside the blob name: the request stays in the container.
    let job = with_uri("https://strestorestaging01.blob.core.windows.net/c01/a%2Fb.json");
    let l = ok(&job, JobBlob::Config, &NONE);
    assert_eq!(l.url.path(), "/c01/a/b.json");
    // In a container name it is simply not a container name.
    let job = with_uri("https://strestorestaging01.blob.core.windows.net/c01%2F..%2Fx/b.json");
    assert!(refused(&job, &NONE)
        .message
        .contains("not a valid blob container name"));
    // Percent signs and query characters in names stay one path segment each.
    let job = JobFields {
        config_blob_name: Some("x?sig=1#y%2e%2e"),
        ..names()
    };
    let l = ok(&job, JobBlob::Config, &NONE);
    assert_eq!(
        l.url.path(),
        format!("/{CONTAINER}/x%3Fsig=1%23y%252e%252e")
    );
    assert_eq!(l.url.query(), None);
    assert_eq!(
        l.url.host_str(),
        Some("strestorestaging01.blob.core.windows.net")
    );
}

#[test]
fn account_names() {
    for good in ["abc", "a1b2c3", "abcdefghijklmnopqrstuvwx"] {
        assert!(account_ok(good), "{good}");
    }
    for bad in [
        "ab",
        "abcdefghijklmnopqrstuvwxy",
        "Abc",
        "ab-c",
        "ab.c",
        "evil.example/x?",
        "ab c",
        "ábc",
        "",
    ] {
        assert!(!account_ok(bad), "{bad}");
        let job = JobFields {
            target_storage_account: Some(bad),
            ..names()
        };
        let e = refused(&job, &NONE);
        assert!(e.message.contains("is not a storage account name"), "{bad}");
    }
}

#[test]
fn container_names() {
    let long = "a".repeat(63);
    for good in ["abc", "a-b", "a1-2b", "vm-app01", long.as_str()] {
        assert!(container_ok(good), "{good}");
    }
    let too_long = "a".repeat(64);
    for bad in [
        "ab",
        too_long.as_str(),
        "-abc",
        "abc-",
        "a--b",
        "a_b",
        "a.b",
        "..",
        "a/b",
        "ab c",
        "ábc",
    ] {
        assert!(!container_ok(bad), "{bad}");
    }
    // The job's spelling is lower-cased first, as Azure shows the VM name's case.
    let job = JobFields {
        config_blob_container: Some("VM-App01"),
        ..names()
    };
    assert!(ok(&job, JobBlob::Config, &NONE)
        .url
        .path()
        .starts_with("/vm-app01/"));
}

#[test]
fn blob_names() {
    let max = "é".repeat(1024);
    for good in ["a", "dir/b.json", "x?sig=1#y", max.as_str(), "a b.json"] {
        assert!(blob_ok(good), "{good}");
    }
    let over = "a".repeat(1025);
    for bad in [
        "",
        over.as_str(),
        "..",
        "../x",
        "a/../b",
        "a/./b",
        "./a",
        "a/",
        "/a",
        "a//b",
        "a\\b",
        "a\u{0}b",
        "a\u{85}b",
        "a\nb",
    ] {
        assert!(!blob_ok(bad), "{bad:?}");
        let job = JobFields {
            config_blob_name: Some(bad),
            ..names()
        };
        assert!(
            refused(&job, &NONE)
                .message
                .contains("is not a valid blob name"),
            "{bad:?}"
        );
    }
}

#[test]
fn missing_names_and_account() {
    let job = JobFields {
        config_blob_name: None,
        ..names()
    };
    assert!(refused(&job, &NONE)
        .message
        .contains("does not name the blob"));
    let job = JobFields {
        target_storage_account: None,
        ..names()
    };
    assert!(refused(&job, &NONE)
        .message
        .contains("names no storage account"));
    // The operator's endpoint stands in for a missing account.
    let op = Operator {
        blob_endpoint: Some("https://proxy.example/acct"),
        sas: None,
    };
    let l = ok(&job, JobBlob::Config, &op);
    assert_eq!(
        l.url.as_str(),
        format!("https://proxy.example/acct/{CONTAINER}/{CONFIG}")
    );
}

#[test]
fn bad_blob_endpoints_are_usage_errors() {
    for (ep, why) in [
        ("ftp://x/y", "not an http(s) endpoint"),
        ("mailto:a@b", "not an http(s) endpoint"),
        (
            "http://user:SECRETPW@127.0.0.1:10000/a",
            "user name or password",
        ),
        (
            "https://a.blob.core.windows.net/?sv=1&sig=SECRETSIG",
            "query or fragment",
        ),
        ("https://a.blob.core.windows.net/#x", "query or fragment"),
        ("not a url", "is not a URL"),
    ] {
        let op = Operator {
            blob_endpoint: Some(ep),
            sas: None,
        };
        let e = refused(&names(), &op);
        assert_eq!(e.code, Code::Usage, "{ep}");
        assert!(e.message.contains(why), "{ep}: {}", e.message);
        assert!(!e.message.contains("SECRET"), "{}", e.message);
    }
}

/// The docs tutorial's pair (MicrosoftDocs/azure-docs `articles/backup/tutorial-restore-disk.md`,
/// ms.date 10/28/2022): `Config Blob Name` says `config-myVM-…fe5d0414`, the URI `config-appvm8-…0519c0232`.
const TUTORIAL_NAME: &str = "config-myVM-1fc2d55d-f0dc-4ca6-ad48-aca0fe5d0414.json";
const TUTORIAL_URI: &str = "https://mystorageaccount.blob.core.windows.net/myVM-daa1931199fd4a22ae601f46d8812276/config-appvm8-1fc2d55d-f0dc-4ca6-ad48-aca0519c0232.json";

fn tutorial() -> JobFields<'static> {
    JobFields {
        origin: "job.json",
        bag_path: "$",
        config_blob_uri: Some(TUTORIAL_URI),
        config_blob_container: Some("myVM-daa1931199fd4a22ae601f46d8812276"),
        config_blob_name: Some(TUTORIAL_NAME),
        encryption_info_blob_name: None,
        template_blob_uri: None,
        target_storage_account: Some("mystorageaccount"),
    }
}

#[test]
fn a_uri_and_a_name_that_disagree_are_said_with_both_names() {
    let e = refused(&tutorial(), &NONE);
    assert_eq!(e.code, Code::JobBlobNamesDisagree);
    assert!(
        e.message.contains("config-appvm8-1fc2d55d") && e.message.contains(TUTORIAL_NAME),
        "{}",
        e.message
    );
    // A folder looks for either, the URI's first.
    let both = config_candidates(&tutorial(), &NONE).expect("two places");
    assert_eq!(both.len(), 2);
    assert!(both[0]
        .url
        .as_str()
        .ends_with("/config-appvm8-1fc2d55d-f0dc-4ca6-ad48-aca0519c0232.json"));
    assert!(both[1].url.as_str().ends_with(&format!("/{TUTORIAL_NAME}")));
    // Agreeing names (the container in the job's case) give one place.
    let agreeing = JobFields {
        config_blob_name: Some("config-appvm8-1fc2d55d-f0dc-4ca6-ad48-aca0519c0232.json"),
        ..tutorial()
    };
    assert_eq!(config_candidates(&agreeing, &NONE).expect("one").len(), 1);
    ok(&agreeing, JobBlob::Config, &NONE);
    // Another container is a disagreement too.
    let other_container = JobFields {
        config_blob_container: Some("othervm-00000000000000000000000000000000"),
        ..agreeing
    };
    let e = refused(&other_container, &NONE);
    assert_eq!(e.code, Code::JobBlobNamesDisagree);
    assert!(e.message.contains("othervm-"), "{}", e.message);
}

const TEMPLATE: &str = "azuredeploy1fc2d55d-f0dc-4ca6-ad48-aca0519c0232.json";

/// Backup's template, by the job's `Template Blob Uri`, goes where the config goes: the job's
/// own account or the operator's endpoint, the operator's SAS on it, and nothing else.
#[test]
fn template_blob_uri_is_located_like_the_config_blob_uri() {
    let uri = format!("https://{ACCT}.blob.core.windows.net/{CONTAINER}/{TEMPLATE}");
    let job = JobFields {
        template_blob_uri: Some(&uri),
        ..names()
    };
    let l = ok(&job, JobBlob::Template, &NONE);
    assert_eq!(l.url.as_str(), uri);
    assert_eq!(l.credential, Credential::Token);
    let op = Operator {
        blob_endpoint: Some("http://127.0.0.1:10000/devstoreaccount1/"),
        sas: Some(SAS),
    };
    let l = ok(&job, JobBlob::Template, &op);
    assert_eq!(
        l.url.as_str(),
        format!("http://127.0.0.1:10000/devstoreaccount1/{CONTAINER}/{TEMPLATE}?{SAS}")
    );
    assert_eq!(l.credential, Credential::Sas);
    // The config blob is still found by its own names.
    let l = ok(&job, JobBlob::Config, &NONE);
    assert!(l.url.as_str().ends_with(&format!("/{CONTAINER}/{CONFIG}")));

    // No template named: said, never guessed from the config's name.
    let e = locate(&names(), JobBlob::Template, &NONE).expect_err("no template");
    assert!(e.message.contains("`Template Blob Uri`"), "{}", e.message);

    // The hostile URIs the config's URI is refused for are refused here, under their own name.
    for (raw, why) in HOSTILE {
        let raw = raw.replace("{A}", "strestorestaging01.blob.core.windows.net");
        let job = JobFields {
            template_blob_uri: Some(&raw),
            ..names()
        };
        let e = locate(&job, JobBlob::Template, &NONE).expect_err(&raw);
        assert_eq!(e.code, Code::ConfigNotFound, "{raw}");
        assert!(
            e.message.contains("`Template Blob Uri`") && e.message.contains(why),
            "{raw}: {}",
            e.message
        );
        assert!(!e.message.contains("pw@"), "{}", e.message);
    }
}
