//! A real Azurite blob service for one test: started on a free port, in memory, and killed by a
//! guard that also runs when the test panics. Seeded through the official SDK with an account
//! SAS signed from the emulator's well-known key (or with curl, when it serves a self-signed
//! certificate over https). Under `CI=true` a missing Azurite fails the
//! test; elsewhere the test is skipped with a loud note (run `npm ci` to get it).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use azure_core::http::RequestContent;
use azure_storage_blob::BlobContainerClient;

pub const ACCOUNT: &str = "devstoreaccount1";
const KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

pub struct Azurite {
    child: Child,
    /// `http(s)://127.0.0.1:PORT/devstoreaccount1`
    pub endpoint: String,
}

impl Drop for Azurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn binary() -> PathBuf {
    std::env::var_os("AZURITE_BLOB")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node_modules/.bin/azurite-blob")
        })
}

impl Azurite {
    /// Start Azurite, or `None` to skip (never under `CI=true`).
    pub fn start_or_skip() -> Option<Azurite> {
        Self::start_with(&[])
    }

    pub fn start_with(extra: &[&str]) -> Option<Azurite> {
        let bin = binary();
        if !bin.exists() {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!(
                    "azurite-blob not found at {} under CI=true: `.ci/run` must `npm ci` first",
                    bin.display()
                );
            }
            eprintln!(
                "SKIPPED: azurite-blob not found at {}; run `npm ci` to test blob URLs",
                bin.display()
            );
            return None;
        }
        let mut child = Command::new(&bin)
            .args([
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                "0",
                "--inMemoryPersistence",
                "--silent",
                "--disableTelemetry",
                "--skipApiVersionCheck",
            ])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn azurite-blob");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        // "Azurite Blob service successfully listens on http://127.0.0.1:PORT"
        let endpoint = loop {
            let line = match lines.next() {
                Some(Ok(l)) => l,
                _ => {
                    let _ = child.kill();
                    panic!("azurite-blob exited before listening");
                }
            };
            if let Some(i) = line.find("http") {
                break format!("{}/{ACCOUNT}", line[i..].trim().trim_end_matches('/'));
            }
        };
        std::thread::spawn(move || lines.for_each(drop));
        Some(Azurite { child, endpoint })
    }

    pub fn url(&self, container: &str, blob: &str) -> String {
        format!("{}/{container}/{blob}", self.endpoint)
    }

    /// Create the container if needed and upload the blob.
    pub fn put(&self, container: &str, blob: &str, bytes: &[u8]) {
        self.put_all(container, [(blob, bytes)]);
    }

    /// Create the container if needed and upload every blob, through one runtime and one client:
    /// a client per blob built a TLS configuration (the system's root certificates, parsed by a
    /// debug build) for each of the drill's 400 blobs, which was most of its test's 35 s.
    pub fn put_all<'a>(
        &self,
        container: &str,
        blobs: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) {
        let sas = account_sas("rwdlac");
        // The crate's TLS provider (Cargo.toml): this process builds its own SDK client, and
        // reqwest without a provider panics when it does.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("rt");
        rt.block_on(async {
            let c = BlobContainerClient::new(
                with_sas(&format!("{}/{container}", self.endpoint), &sas),
                None,
                None,
            )
            .expect("container client");
            let _ = c.create(None).await; // already there is fine
            for (blob, bytes) in blobs {
                c.blob_client(blob)
                    .upload(RequestContent::from(bytes.to_vec()), None)
                    .await
                    .unwrap_or_else(|e| panic!("upload {blob}: {e}"));
            }
        });
    }

    /// Create the container if needed and upload `file` over https with curl, trusting `cert`:
    /// for an Azurite serving a test certificate, which this process does not trust.
    pub fn put_over_https(&self, cert: &str, container: &str, blob: &str, file: &Path) {
        let sas = account_sas("rwdlac");
        let curl = |args: &[&str]| {
            let ok = Command::new("curl")
                .args(["-sf", "--cacert", cert, "-H", "x-ms-version: 2021-08-06"])
                .args(["-o", "/dev/null"])
                .args(args)
                .status();
            assert!(ok.is_ok_and(|s| s.success()), "curl {args:?}");
        };
        let container_url = format!("{}/{container}?restype=container&{sas}", self.endpoint);
        curl(&["-X", "PUT", &container_url]);
        curl(&[
            "-X",
            "PUT",
            "-H",
            "x-ms-blob-type: BlockBlob",
            "--data-binary",
            &format!("@{}", file.display()),
            &format!("{}?{sas}", self.url(container, blob)),
        ]);
    }
}

/// A self-signed leaf certificate for 127.0.0.1 (`cert.pem`, `key.pem` in `dir`), made with
/// openssl; `None` to skip when openssl is missing (never under `CI=true`).
pub fn self_signed_cert(dir: &Path) -> Option<(String, String)> {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=127.0.0.1"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .args(["-addext", "extendedKeyUsage=serverAuth"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "openssl is needed for the https tests under CI=true"
        );
        eprintln!("SKIPPED: no openssl to make a test certificate");
        return None;
    }
    Some((
        cert.to_string_lossy().into_owned(),
        key.to_string_lossy().into_owned(),
    ))
}

/// An account SAS signed with the emulator's well-known key (`sv` 2021-08-06 string-to-sign).
pub fn account_sas(perms: &str) -> String {
    let (sv, se) = ("2021-08-06", "2099-01-01T00:00:00Z");
    let to_sign = format!("{ACCOUNT}\n{perms}\nb\nsco\n\n{se}\n\nhttps,http\n{sv}\n\n");
    let sig = azure_core::hmac::hmac_sha256(&to_sign, &azure_core::credentials::Secret::new(KEY))
        .expect("hmac");
    let sig = sig
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    format!("sv={sv}&ss=b&srt=sco&sp={perms}&se={se}&spr=https,http&sig={sig}")
}

pub fn with_sas(url: &str, sas: &str) -> url::Url {
    let mut u = url::Url::parse(url).expect("url");
    u.set_query(Some(sas));
    u
}
