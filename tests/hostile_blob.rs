//! Hostile jobs and hostile blob endpoints against the real binary. Stand-in servers on
//! 127.0.0.1 record every connection and request head they receive, so each test proves what
//! reached them: no SAS, bearer token or Basic credential ever reaches a host the operator did not
//! name, and a body cannot grow the process past the input limit, whatever its headers say.
//! Each stand-in serves a bounded number of connections for a bounded time and stops by itself.

mod stand_in;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{self, lay_out, Laid};
use stand_in::{run_measured, Reply, StandIn, MIB};

const SAS: &str = "sv=2021-08-06&sr=c&sp=r&sig=OPERATORSIGNATURE%3D";
const SIG: &str = "OPERATORSIGNATURE";
const CONTAINER: &str = "vm-app01-daa1931199fd4a22ae601f46d8812276";

/// The no-AAD BEK+KEK fixture laid out as files; its job edited by `edit`.
fn laid(edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Laid {
    let (_, fx) = support::fixtures("valid")
        .into_iter()
        .find(|(n, _)| n == "managed-bek-kek-noaad-windows")
        .expect("fixture");
    let laid = lay_out(&fx);
    let p = laid.dir.path().join("job.json");
    let mut job: Value =
        serde_json::from_str(&std::fs::read_to_string(&p).expect("job")).expect("json");
    edit(job.as_object_mut().expect("bag"));
    std::fs::write(p, job.to_string()).expect("write job");
    laid
}

fn run(laid: &Laid, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(support::BIN);
    cmd.args(args)
        .current_dir(laid.dir.path())
        .env_remove("AZURE_STORAGE_SAS_TOKEN")
        .env_remove("RESTORE_DEPLOY_BLOB_TIMEOUT");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit status and code as expected, and nothing secret printed anywhere.
fn expect(o: &Output, exit: i32, code: &str, secrets: &[&str]) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(exit), "{err}");
    assert!(err.contains(&format!("error[{code}]")), "{err}");
    let out = String::from_utf8_lossy(&o.stdout);
    for s in secrets {
        assert!(
            !err.contains(s) && !out.contains(s),
            "`{s}` was printed:\n{err}"
        );
    }
    err
}

/// A stand-in `az` that hands out a token and leaves a mark when asked.
fn fake_az(laid: &Laid) -> (String, std::path::PathBuf) {
    let bin = laid.dir.path().join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let mark = laid.dir.path().join("az-was-asked");
    let answer = json!({"accessToken": "FAKE-ENTRA-STORAGE-TOKEN", "expiresOn": "2099-01-01 00:00:00.000000", "expires_on": 4_070_908_800u64, "tokenType": "Bearer"});
    let script = bin.join("az");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ntouch '{}'\ncat <<'EOF'\n{answer}\nEOF\n",
            mark.display()
        ),
    )
    .expect("az");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    (path, mark)
}

#[test]
fn a_hostile_config_blob_uri_gets_no_request_and_no_credential() {
    let evil = StandIn::start(|_| Reply::Status(404));
    let operator = StandIn::start(|_| Reply::Status(404));
    let http_uri = format!("{}/evilacct/{CONTAINER}/ok.json", evil.base());
    let https_uri = http_uri.replacen("http://", "https://", 1);
    let userinfo_uri = format!(
        "http://admin:hunter2@127.0.0.1:{}/devstoreaccount1/{CONTAINER}/ok.json",
        operator.port
    );
    let endpoint = format!("{}/devstoreaccount1", operator.base());
    let endpoint = endpoint.as_str();

    for (uri, args, env) in [
        // The operator's SAS on the command line, or from the environment, as README shows.
        (&http_uri, vec!["--sas", SAS], vec![]),
        (&http_uri, vec![], vec![("AZURE_STORAGE_SAS_TOKEN", SAS)]),
        // The default `--auth cli` over https: a bearer token would go to the job's host.
        (&https_uri, vec![], vec![]),
        // With the operator's endpoint named, the job still cannot pick another host.
        (
            &http_uri,
            vec!["--blob-endpoint", endpoint, "--sas", SAS],
            vec![],
        ),
        (&https_uri, vec!["--blob-endpoint", endpoint], vec![]),
        // A user name and password would travel as `Authorization: Basic`.
        (
            &userinfo_uri,
            vec!["--blob-endpoint", endpoint, "--sas", SAS],
            vec![],
        ),
    ] {
        let l = laid(|bag| {
            bag.insert("Config Blob Uri".into(), json!(uri));
        });
        let (path, asked) = fake_az(&l);
        let mut env = env.clone();
        env.push(("PATH", path.as_str()));
        let mut a = vec!["inspect", "--job", "job.json"];
        a.extend(args.iter().copied());
        let started = Instant::now();
        let o = run(&l, &a, &env);
        let err = expect(&o, 1, "ConfigNotFound", &[SIG, "hunter2"]);
        assert!(err.contains("`Config Blob Uri`"), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
        assert!(!asked.exists(), "a token was asked for: {uri} {args:?}");
    }
    assert_eq!(
        evil.heads(),
        Vec::<String>::new(),
        "the job's host was contacted"
    );
    assert_eq!(
        operator.heads(),
        Vec::<String>::new(),
        "a refused job still made a request"
    );
}

#[test]
fn the_operators_endpoint_gets_the_sas_and_the_blobs_are_read_from_it() {
    let probe = laid(|_| {});
    let config = std::fs::read(probe.dir.path().join("config.json")).expect("config");
    let info = std::fs::read(probe.dir.path().join("encryption-info.json")).expect("info");
    let local = run(
        &probe,
        &[
            "generate",
            "--format",
            "arm",
            "--config",
            "config.json",
            "--job",
            "job.json",
            "--encryption-info",
            "encryption-info.json",
        ],
        &[],
    );
    assert_eq!(local.status.code(), Some(0), "{}", stderr(&local));
    let operator = StandIn::start(move |path| {
        if path.contains("/config-") {
            Reply::Body(config.clone(), "")
        } else if path.contains("/encryptioninfo-") {
            Reply::Body(info.clone(), "")
        } else {
            Reply::Status(404)
        }
    });
    let endpoint = format!("{}/devstoreaccount1", operator.base());
    // The job's own Azure URI, and the same blob named on the operator's endpoint.
    let uris = [
        "https://strestorestaging01.blob.core.windows.net/VM-APP01-DAA1931199FD4A22AE601F46D8812276/config-app01-1fc2d55d-f0dc-4ca6-ad48-aca0519c0232.json".to_owned(),
        format!("{endpoint}/{CONTAINER}/config-app01-1fc2d55d-f0dc-4ca6-ad48-aca0519c0232.json"),
    ];
    for uri in &uris {
        let l = laid(|bag| {
            bag.insert("Config Blob Uri".into(), json!(uri));
        });
        let o = run(
            &l,
            &[
                "generate",
                "--format",
                "arm",
                "--job",
                "job.json",
                "--blob-endpoint",
                &endpoint,
                "--sas",
                SAS,
            ],
            &[],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(
            o.stdout, local.stdout,
            "the blobs and the files read differently"
        );
        assert!(!stderr(&o).contains(SIG));
    }
    // Per run: the config, the encryption-info blob, and Backup's template by the job's
    // `Template Blob Uri` (not served here: a warning), each on the operator's endpoint with its SAS.
    let heads = operator.heads();
    assert_eq!(heads.len(), 6, "{heads:#?}");
    for head in &heads {
        let line = head.lines().next().unwrap_or("");
        assert!(
            line.starts_with(&format!("GET /devstoreaccount1/{CONTAINER}/")),
            "{line}"
        );
        assert!(
            line.contains(SAS),
            "the SAS did not reach the operator's endpoint: {line}"
        );
        assert!(
            !head.to_ascii_lowercase().contains("authorization:"),
            "{head}"
        );
    }
}

#[test]
fn urls_with_userinfo_are_refused_before_any_request() {
    let server = StandIn::start(|_| Reply::Status(404));
    let l = laid(|bag| {
        bag.remove("Config Blob Uri");
    });
    let with_password = format!(
        "http://admin:hunter2@127.0.0.1:{}/devstoreaccount1",
        server.port
    );
    let o = run(
        &l,
        &[
            "inspect",
            "--config",
            &format!("{with_password}/{CONTAINER}/b.json?{SAS}"),
        ],
        &[],
    );
    expect(&o, 2, "Usage", &["hunter2", SIG]);
    let o = run(
        &l,
        &[
            "inspect",
            "--job",
            "job.json",
            "--blob-endpoint",
            &with_password,
            "--sas",
            SAS,
        ],
        &[],
    );
    expect(&o, 2, "Usage", &["hunter2", SIG]);
    assert_eq!(server.heads(), Vec::<String>::new());
}

#[test]
fn signatures_are_redacted_wherever_they_hide() {
    let server = StandIn::start(|_| Reply::Status(404));
    let l = laid(|_| {});
    let base = format!("{}/devstoreaccount1/{CONTAINER}/nope.json", server.base());
    for (url, secret) in [
        (format!("{base}?{SAS}#sig=FRAGMENTSECRET"), "FRAGMENTSECRET"),
        (
            format!("{base}?sv=1&sig=S#&sig=FRAGMENT2SECRET"),
            "FRAGMENT2SECRET",
        ),
        (
            format!("{base}?sv=2021-08-06;sig=SEMICOLONSECRET&sig=S"),
            "SEMICOLONSECRET",
        ),
        (
            format!("{base}?sv=1&sig=S&%2573ig=DOUBLEKEYSECRET"),
            "DOUBLEKEYSECRET",
        ),
        (
            format!("{base}?sv=1&sig=S&sig%253DDOUBLEEQSECRET"),
            "DOUBLEEQSECRET",
        ),
        (format!("{base}?{SAS}"), SIG),
    ] {
        let o = run(&l, &["inspect", "--config", &url], &[]);
        let err = expect(&o, 3, "BlobNotFound", &[secret, SIG]);
        assert!(err.contains("REDACTED"), "{err}");
    }
}

#[test]
fn a_2_gib_chunked_body_is_cut_off_at_the_limit() {
    let server = StandIn::start(|_| Reply::Chunked(2048 * MIB, ""));
    let l = laid(|_| {});
    let url = format!("{}/devstoreaccount1/c01/huge.json?{SAS}", server.base());
    let (o, peak, took) = run_measured(&l, &["inspect", "--config", &url]);
    let err = expect(&o, 1, "InputTooLarge", &[SIG]);
    assert!(err.contains("more than 64 MiB"), "{err}");
    // The read stopped at the limit: what the server got out is the limit plus socket buffers.
    let sent = server.sent();
    assert!(sent < 128 * MIB, "the binary read {} MiB", sent / MIB);
    if let Some(peak) = peak {
        assert!(peak < 100 * MIB, "peak RSS {} MiB", peak / MIB);
    }
    eprintln!(
        "2 GiB chunked: refused after {took:?}, {} MiB sent, peak RSS {:?} MiB",
        sent / MIB,
        peak.map(|p| p / MIB)
    );
}

#[test]
fn lying_sizes_do_not_lift_the_limit() {
    let server = StandIn::start(|path| match path {
        p if p.contains("/understated") => {
            Reply::Chunked(1024 * MIB, "Content-Range: bytes 0-9/10\r\n")
        }
        p if p.contains("/overstated") => Reply::Chunked(
            1024 * MIB,
            "Content-Range: bytes 0-4194303/100000000000\r\n",
        ),
        p if p.contains("/max") => Reply::Chunked(
            1024 * MIB,
            "Content-Range: bytes 0-4194303/18446744073709551615\r\n",
        ),
        _ => Reply::Status(404),
    });
    let l = laid(|_| {});
    for (blob, exit, code) in [
        ("understated", 3, "BlobFailed"),
        ("overstated", 1, "InputTooLarge"),
        ("max", 1, "InputTooLarge"),
    ] {
        let before = server.sent();
        let url = format!("{}/devstoreaccount1/c01/{blob}.json?{SAS}", server.base());
        let (o, peak, took) = run_measured(&l, &["inspect", "--config", &url]);
        expect(&o, exit, code, &[SIG]);
        let sent = server.sent() - before;
        assert!(
            sent < 64 * MIB,
            "{blob}: the binary read {} MiB",
            sent / MIB
        );
        assert!(took < Duration::from_secs(15), "{blob}: {took:?}");
        if let Some(peak) = peak {
            assert!(peak < 100 * MIB, "{blob}: peak RSS {} MiB", peak / MIB);
        }
    }
}

#[test]
fn a_bad_timeout_variable_is_a_usage_error_before_any_request() {
    let server = StandIn::start(|_| Reply::Silent);
    let l = laid(|_| {});
    let url = format!("{}/devstoreaccount1/c01/silent.json?{SAS}", server.base());
    let twenty = "9".repeat(20);
    for value in [
        "garbage",
        "0",
        "-1",
        "1e9",
        "601",
        " 3",
        "3s",
        "",
        twenty.as_str(),
    ] {
        let o = run(
            &l,
            &["inspect", "--config", &url],
            &[("RESTORE_DEPLOY_BLOB_TIMEOUT", value)],
        );
        let err = expect(&o, 2, "Usage", &[SIG]);
        assert!(
            err.contains("RESTORE_DEPLOY_BLOB_TIMEOUT") && err.contains("1 to 600"),
            "{err}"
        );
    }
    assert_eq!(server.heads(), Vec::<String>::new());

    let started = Instant::now();
    let o = run(
        &l,
        &["inspect", "--config", &url],
        &[("RESTORE_DEPLOY_BLOB_TIMEOUT", "1")],
    );
    let err = expect(&o, 3, "BlobTimeout", &[SIG]);
    assert!(err.contains("no answer within 1 s"), "{err}");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(8),
        "{took:?}"
    );
    assert_eq!(server.heads().len(), 1);
}
