//! Blob URLs against a real Azurite: every way of naming the blobs, and every fault. Faults must
//! exit 3 within seconds, name the blob with its SAS signature redacted, and write nothing. Runs
//! are in-process, except where an environment variable is the input (the SAS token, the
//! download deadline, the `az` on PATH): those run the real binary.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

use crate::support::azurite::{account_sas, self_signed_cert, Azurite};
use crate::support::run::spawn_with;
use crate::support::{self, args as s, lay_out, run_in, Run};

const CONTAINER: &str = "vm-app01-restore";
const CONFIG: &str = "config-app01-1fc2d55d.json";
const INFO: &str = "encryptioninfo-app01-1fc2d55d.json";

/// The no-AAD BEK+KEK fixture: its config (UTF-16LE as Azure writes it) and encryption-info blob
/// seeded into Azurite; the local run's output to compare against.
struct Seeded {
    az: Azurite,
    laid: support::Laid,
    local: Run,
}

fn seeded() -> Option<Seeded> {
    let az = Azurite::start_or_skip()?;
    let fx = support::fixture("valid", "managed-bek-kek-noaad-windows");
    let laid = lay_out(&fx);
    az.put(
        CONTAINER,
        CONFIG,
        &std::fs::read(laid.dir.path().join("config.json")).expect("config"),
    );
    az.put(
        CONTAINER,
        INFO,
        &std::fs::read(laid.dir.path().join("encryption-info.json")).expect("info"),
    );
    let mut a = s(&["generate", "--format", "arm"]);
    a.extend(laid.source_args.clone());
    let local = run_in(laid.dir.path(), &a);
    assert_eq!(local.code, 0, "{}", local.stderr);
    Some(Seeded { az, laid, local })
}

fn job_with(laid: &support::Laid, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) {
    let p = laid.dir.path().join("job.json");
    let mut job: Value =
        serde_json::from_str(&std::fs::read_to_string(&p).expect("job")).expect("json");
    edit(job.as_object_mut().expect("bag"));
    std::fs::write(p, job.to_string()).expect("write job");
}

fn no_signature_anywhere(run: &Run, sas: &str) {
    let sig = sas.split("sig=").nth(1).expect("sig");
    for out in [&run.stdout, &run.stderr] {
        assert!(!out.contains(sig), "a SAS signature was printed:\n{out}");
    }
}

#[test]
fn config_and_encryption_info_urls_with_a_sas() {
    let Some(t) = seeded() else { return };
    let sas = account_sas("r");
    let r = run_in(
        t.laid.dir.path(),
        &s(&[
            "generate",
            "--format",
            "arm",
            "--job",
            "job.json",
            "--config",
            &format!("{}?{sas}", t.az.url(CONTAINER, CONFIG)),
            "--encryption-info",
            &format!("{}?{sas}", t.az.url(CONTAINER, INFO)),
        ]),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout, t.local.stdout,
        "the blob and the file give different bundles"
    );
    no_signature_anywhere(&r, &sas);
}

#[test]
fn job_names_with_blob_endpoint_and_sas_flag() {
    let Some(t) = seeded() else { return };
    job_with(&t.laid, |bag| {
        bag.insert("Config Blob Container Name".into(), json!(CONTAINER));
        bag.insert("Config Blob Name".into(), json!(CONFIG));
        bag.insert("Encryption Info Blob Name".into(), json!(INFO));
        bag.insert(
            "Target Storage Account Name".into(),
            json!("devstoreaccount1"),
        );
        // Names only: the job's `Config Blob Uri` would otherwise say where the config is.
        bag.remove("Config Blob Uri");
    });
    let sas = account_sas("r");
    // No --config and no --encryption-info: both are found from the job's names.
    let r = run_in(
        t.laid.dir.path(),
        &s(&[
            "generate",
            "--format",
            "arm",
            "--job",
            "job.json",
            "--blob-endpoint",
            &t.az.endpoint,
            "--sas",
            &sas,
        ]),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, t.local.stdout);
    no_signature_anywhere(&r, &sas);
}

#[test]
fn job_config_blob_uri_with_sas_from_the_environment() {
    let Some(t) = seeded() else { return };
    job_with(&t.laid, |bag| {
        bag.insert("Config Blob Uri".into(), json!(t.az.url(CONTAINER, CONFIG)));
        bag.insert("Config Blob Container Name".into(), json!(CONTAINER));
        // The name agrees with the URI, as in a real job (a disagreeing pair is refused).
        bag.insert("Config Blob Name".into(), json!(CONFIG));
        bag.insert("Encryption Info Blob Name".into(), json!(INFO));
    });
    let sas = account_sas("r");
    let r = spawn_with(
        t.laid.dir.path(),
        // A job's URI is trusted only on the job's own account or the endpoint the operator
        // names: Azurite is neither, so the operator names it.
        &s(&[
            "generate",
            "--format",
            "arm",
            "--job",
            "job.json",
            "--blob-endpoint",
            &t.az.endpoint,
        ]),
        &[("AZURE_STORAGE_SAS_TOKEN", OsStr::new(&sas))],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, t.local.stdout);
    no_signature_anywhere(&r, &sas);
}

fn fault(t: &Seeded, url: &str, code: i32, error: &str) -> Run {
    let started = Instant::now();
    let r = run_in(
        t.laid.dir.path(),
        &s(&[
            "generate", "--format", "arm", "--job", "job.json", "--out", "out", "--config", url,
        ]),
    );
    assert!(
        started.elapsed() < Duration::from_secs(12),
        "{error} took {:?}",
        started.elapsed()
    );
    assert_eq!(r.code, code, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("error[{error}]")),
        "{}",
        r.stderr
    );
    assert!(
        !t.laid.dir.path().join("out").exists(),
        "a failed run wrote output"
    );
    eprintln!(
        "fault {error}: exit {} after {:?}",
        r.code,
        started.elapsed()
    );
    r
}

#[test]
fn missing_empty_and_refused_blobs() {
    let Some(t) = seeded() else { return };
    let sas = account_sas("r");
    let r = fault(
        &t,
        &format!("{}?{sas}", t.az.url(CONTAINER, "nope.json")),
        3,
        "BlobNotFound",
    );
    assert!(r.stderr.contains("sig=REDACTED"), "{}", r.stderr);
    no_signature_anywhere(&r, &sas);

    t.az.put(CONTAINER, "empty.json", b"");
    fault(
        &t,
        &format!("{}?{sas}", t.az.url(CONTAINER, "empty.json")),
        3,
        "BlobEmpty",
    );

    let forged = sas.replace("sig=", "sig=AAAA");
    let r = fault(
        &t,
        &format!("{}?{forged}", t.az.url(CONTAINER, CONFIG)),
        3,
        "BlobAccessDenied",
    );
    assert!(r.stderr.contains("sig=REDACTED"), "{}", r.stderr);
    no_signature_anywhere(&r, &forged);

    // http without a SAS: no token may travel in clear text.
    fault(&t, &t.az.url(CONTAINER, CONFIG), 2, "BlobInsecureToken");
}

/// A stand-in server: answers each connection with `reply` (or nothing, holding it open).
fn fake_server(reply: Option<&'static [u8]>) -> (String, std::thread::JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    let h = std::thread::spawn(move || {
        let mut held = Vec::new();
        l.set_nonblocking(false).expect("blocking");
        let deadline = Instant::now() + Duration::from_secs(20);
        for conn in l.incoming() {
            let Ok(mut c) = conn else { break };
            let mut buf = [0u8; 4096];
            let _ = c.set_read_timeout(Some(Duration::from_millis(500)));
            let _ = c.read(&mut buf);
            match reply {
                Some(r) => {
                    let _ = c.write_all(r);
                }
                None => held.push(c),
            }
            if Instant::now() > deadline {
                break;
            }
        }
    });
    (
        format!("http://{addr}/devstoreaccount1/c/config.json?sv=1&sig=FAKESIGNATURE"),
        h,
    )
}

#[test]
fn unreachable_slow_truncated_and_oversized_endpoints() {
    let Some(t) = seeded() else { return };
    // Nothing listens on a port we just released.
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let r = fault(
        &t,
        &format!("http://127.0.0.1:{port}/devstoreaccount1/c/b.json?sig=SECRETSIG"),
        3,
        "BlobUnreachable",
    );
    assert!(!r.stderr.contains("SECRETSIG"), "{}", r.stderr);

    // A server that accepts and never answers: only the download deadline ends the wait. A
    // one-second deadline proves it in a second; the run must last at least that long (the
    // deadline, not some earlier refusal, ended it) and not much longer (nothing else waits).
    let (url, _h) = fake_server(None);
    let started = Instant::now();
    let r = spawn_with(
        t.laid.dir.path(),
        &s(&["inspect", "--config", &url]),
        &[("RESTORE_DEPLOY_BLOB_TIMEOUT", OsStr::new("1"))],
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("error[BlobTimeout]"), "{}", r.stderr);
    assert!(
        (Duration::from_secs(1)..Duration::from_secs(6)).contains(&started.elapsed()),
        "a 1 s deadline ended the download after {:?}",
        started.elapsed()
    );
    eprintln!(
        "fault BlobTimeout: exit {} after {:?}",
        r.code,
        started.elapsed()
    );

    let (url, _h) = fake_server(Some(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nx-ms-blob-type: BlockBlob\r\nConnection: close\r\n\r\n{\"name\":"));
    let r = fault(&t, &url, 3, "BlobTruncated");
    assert!(!r.stderr.contains("FAKESIGNATURE"), "{}", r.stderr);

    let (url, _h) = fake_server(Some(b"HTTP/1.1 200 OK\r\nContent-Length: 104857600\r\nx-ms-blob-type: BlockBlob\r\nConnection: close\r\n\r\n"));
    fault(&t, &url, 1, "InputTooLarge");
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The Entra ID path for real: Azurite over https with `--oauth basic` (it checks a token's
/// claims, not its signature), a self-signed leaf certificate trusted through `SSL_CERT_FILE`,
/// and a stand-in `az` on PATH that hands `AzureCliCredential` such a token.
#[test]
fn token_path_over_https_with_the_azure_cli_credential() {
    let dir = tempfile::tempdir().expect("tmp");
    let Some((cert, key)) = self_signed_cert(dir.path()) else {
        return;
    };
    let Some(az) = Azurite::start_with(&["--oauth", "basic", "--cert", &cert, "--key", &key])
    else {
        return;
    };
    assert!(az.endpoint.starts_with("https://"), "{}", az.endpoint);
    let fx = support::fixture("valid", "managed-bek-kek-aad-windows");
    let laid = lay_out(&fx);
    az.put_over_https(&cert, CONTAINER, CONFIG, &laid.path().join("config.json"));

    // A token with the claims Azurite checks.
    let now = 1_700_000_000u64;
    let claims = json!({"iss": "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/", "aud": "https://storage.azure.com", "iat": now, "nbf": now, "exp": 4_070_908_800u64, "oid": "00000000-0000-0000-0000-000000000001"});
    let jwt = format!(
        "{}.{}.c2ln",
        b64url(br#"{"alg":"RS256","typ":"JWT"}"#),
        b64url(claims.to_string().as_bytes())
    );
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).expect("bin");
    let answer = json!({"accessToken": jwt, "expiresOn": "2099-01-01 00:00:00.000000", "expires_on": 4_070_908_800u64, "subscription": "x", "tenant": "72f988bf-86f1-41af-91ab-2d7cd011db47", "tokenType": "Bearer"});
    let script = bin.join("az");
    std::fs::write(&script, format!("#!/bin/sh\ncat <<'EOF'\n{answer}\nEOF\n")).expect("az");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let run = || {
        spawn_with(
            laid.dir.path(),
            &s(&[
                "inspect",
                "--job",
                "job.json",
                "--auth",
                "cli",
                "--config",
                &az.url(CONTAINER, CONFIG),
            ]),
            &[
                ("PATH", OsStr::new(&path)),
                ("SSL_CERT_FILE", OsStr::new(&cert)),
            ],
        )
    };
    let r = run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("with Azure AD"));

    // An `az` that is not signed in: a credential error, exit 3, with the next step.
    std::fs::write(
        &script,
        "#!/bin/sh\necho 'ERROR: Please run az login to setup account.' >&2\nexit 1\n",
    )
    .expect("az");
    let r = run();
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("error[BlobCredential]") && r.stderr.contains("az login"),
        "{}",
        r.stderr
    );
}

/// Backup's template, by the job's `Template Blob Uri`, is read with the config from storage
/// (same endpoint, same SAS, signature never shown); a template the job names but that is not
/// in the container is a warning, and the restore goes on.
#[test]
fn job_template_blob_uri_is_read_with_the_config_or_said_missing() {
    const TEMPLATE: &str = "azuredeploy1fc2d55d-f0dc-4ca6-ad48-aca0519c0232.json";
    let Some(t) = seeded() else { return };
    job_with(&t.laid, |bag| {
        bag.insert("Config Blob Uri".into(), json!(t.az.url(CONTAINER, CONFIG)));
        bag.insert("Config Blob Container Name".into(), json!(CONTAINER));
        bag.insert("Config Blob Name".into(), json!(CONFIG));
        bag.insert("Encryption Info Blob Name".into(), json!(INFO));
        bag.insert(
            "Template Blob Uri".into(),
            json!(t.az.url(CONTAINER, TEMPLATE)),
        );
    });
    let sas = account_sas("r");
    let with = |cmd: &[&str]| {
        let mut a = s(cmd);
        a.extend(s(&[
            "--job",
            "job.json",
            "--blob-endpoint",
            &t.az.endpoint,
            "--sas",
            &sas,
        ]));
        a.extend(t.laid.extra_args.clone());
        run_in(t.laid.dir.path(), &a)
    };
    let missing = with(&["generate", "--format", "arm"]);
    assert_eq!(missing.code, 0, "{}", missing.stderr);
    assert_eq!(missing.stdout, t.local.stdout);
    // Named by its URL (signature redacted), with what it would have given.
    assert!(
        missing
            .stderr
            .contains(&format!("`{}?", t.az.url(CONTAINER, TEMPLATE)))
            && missing
                .stderr
                .contains("` was not found: the network is not taken from it"),
        "{}",
        missing.stderr
    );
    no_signature_anywhere(&missing, &sas);

    let template = support::fixture("valid", "real-shape-managed-windows")["template"].clone();
    t.az.put(
        CONTAINER,
        TEMPLATE,
        serde_json::to_string(&template).expect("json").as_bytes(),
    );
    let found = with(&["inspect"]);
    assert_eq!(found.code, 0, "{}", found.stderr);
    assert!(
        found.stdout.contains(
            "vnet vnet-app in group rg-network, subnet snet-app  (Azure Backup's template "
        ) && found.stdout.contains(&format!("/{CONTAINER}/{TEMPLATE}")),
        "{}",
        found.stdout
    );
    no_signature_anywhere(&found, &sas);
}

/// The innermost cause is shown under the SDK's own message (newcomer row 12): a refused
/// connection says "Connection refused", and a missing Azure CLI says so, not only "retry policy
/// expired" / "non-transport error". Neither needs Azurite.
#[test]
fn blob_failures_show_their_innermost_cause() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("http://127.0.0.1:{port}/devstoreaccount1/c/config.json?sv=2020&sig=abc");
    let r = run_in(dir.path(), &s(&["inspect", "--config", &url]));
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("error[BlobUnreachable]"), "{}", r.stderr);
    assert!(
        r.stderr.contains("caused by: Connection refused"),
        "{}",
        r.stderr
    );
    // `--auth cli` with no `az` anywhere on PATH.
    let r = spawn_with(
        dir.path(),
        &s(&[
            "inspect",
            "--config",
            "https://acct.blob.core.windows.net/c/config.json",
        ]),
        &[("PATH", OsStr::new("/nonexistent"))],
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("error[BlobCredential]"), "{}", r.stderr);
    assert!(
        r.stderr.contains("caused by: az not found on PATH"),
        "{}",
        r.stderr
    );
}
