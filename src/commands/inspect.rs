//! `inspect`: what was found and which input decided each fact, for a person or as JSON. With
//! `--json`, a failed run still prints one JSON object on standard output (its `errors[]`, the
//! same as on stderr) unless something was already printed there, and exits as documented.

use std::io::Write;

use crate::cli::InspectArgs;
use crate::error::Errors;
use crate::render;
use crate::render::inspect_json::Found;

pub fn run(a: &InspectArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Errors> {
    let json = a.json.then_some(if a.batch.jobs.is_empty() {
        JsonMode::Document
    } else {
        JsonMode::Lines
    });
    json_errors(json, out, |out| {
        if a.batch.jobs.is_empty() {
            one(a, out)
        } else {
            super::batch::inspect(a, out, err)
        }
    })
}

fn one(a: &InspectArgs, out: &mut dyn Write) -> Result<(), Errors> {
    let inputs = super::read(&a.sources, &a.deploy)?;
    let restore = match crate::model::build(&inputs) {
        Ok(r) => r,
        // The diagnostic command shows what it found even when the restore cannot be built
        // (newcomer row 5): the facts read, the missing ones marked, the evidence of encryption.
        Err(e) if !a.json => {
            let _ = super::emit(out, &found_text(&found(&inputs)));
            return Err(e);
        }
        // `--json`: the failure object carries the same facts (its `found`); printed here, so
        // `json_errors` adds nothing after it.
        Err(e) => {
            if let Ok(doc) = render::inspect_json::failure_with(&e, Some(found(&inputs)), false) {
                let _ = super::emit(out, &doc);
            }
            return Err(e);
        }
    };
    let text = if a.json {
        render::inspect::json(&restore)?
    } else {
        render::inspect::human(&restore)
    };
    super::emit(out, &text).map(|_| ())
}

/// How standard output carries JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonMode {
    /// One pretty-printed document (`inspect --json`).
    Document,
    /// JSON lines (`--jobs --json`).
    Lines,
}

/// Runs `run`; in JSON mode, a failure before anything reached `out` is printed there as one
/// `$defs/failure` object, so a tool reading standard output always gets JSON. The errors are
/// returned unchanged: stderr and the exit status are as without `--json`.
pub fn json_errors(
    json: Option<JsonMode>,
    out: &mut dyn Write,
    run: impl FnOnce(&mut dyn Write) -> Result<(), Errors>,
) -> Result<(), Errors> {
    let mut watched = Watched {
        inner: out,
        wrote: false,
    };
    let result = run(&mut watched);
    if let (Some(mode), false, Err(e)) = (json, watched.wrote, &result) {
        // When standard output itself failed there is nowhere left to say it; stderr still does.
        if let Ok(doc) = render::inspect_json::failure(e, mode == JsonMode::Lines) {
            let _ = super::emit(watched.inner, &doc);
        }
    }
    result
}

/// A writer that remembers whether anything was written through it.
struct Watched<'a> {
    inner: &'a mut dyn Write,
    wrote: bool,
}

impl Write for Watched<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.wrote |= !buf.is_empty();
        self.inner.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// What the inputs say, read without validation, for a restore that could not be built: each
/// fact or missing, and what says the VM is encrypted (values kept as read; each output escapes
/// them its own way).
fn found(inputs: &crate::input::Inputs) -> Found {
    let config = inputs.config.as_ref().map(|c| &c.raw);
    let props = config.and_then(|c| c.properties.as_ref());
    let storage = props.and_then(|p| p.storageprofile.as_ref());
    let os = storage.and_then(|s| s.osdisk.as_ref());
    let job = inputs.job.as_ref().map(|j| &j.raw);
    let mut f = Found {
        source_vm_name: config.and_then(|c| c.name.clone()).or_else(|| {
            job.and_then(|j| j.source_vm.as_ref())
                .map(|l| l.value.clone())
        }),
        location: config.and_then(|c| c.location.clone()),
        vm_size: props
            .and_then(|p| p.hardwareprofile.as_ref())
            .and_then(|h| h.vmsize.clone()),
        os_type: os.and_then(|d| d.ostype.clone()),
        os_disk_name: os.and_then(|d| d.name.clone()).filter(|n| !n.is_empty()),
        data_disks: storage
            .and_then(|s| s.datadisks.as_ref())
            .map_or(0, Vec::len),
        recovery_point_time: inputs.recovery_point_time().map(|t| t.raw().to_owned()),
        ..Found::default()
    };
    for (key, present) in [
        ("sourceVmName", f.source_vm_name.is_some()),
        ("location", f.location.is_some()),
        ("vmSize", f.vm_size.is_some()),
        ("osType", f.os_type.is_some()),
        ("osDisk", os.is_some()),
        ("recoveryPointTime", f.recovery_point_time.is_some()),
    ] {
        if !present {
            f.missing.push(key);
        }
    }
    if os.is_some_and(|d| d.encryptionsettings.is_some()) {
        f.encryption_evidence
            .push("the config's OS disk has encryptionSettings".to_owned());
    }
    let ade = config
        .and_then(|c| c.resources.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|r| r.properties.as_ref()?.kind.clone())
        .find(|k| k.to_ascii_lowercase().starts_with("azurediskencryption"));
    if let Some(k) = ade {
        f.encryption_evidence
            .push(format!("the config lists the `{k}` extension"));
    }
    if let Some(b) = job.and_then(|j| j.encryption_info_blob_name.as_deref()) {
        f.encryption_evidence.push(format!(
            "the job names the encryption-info blob `{b}` (its `Encryption Info Blob Name`)"
        ));
    }
    if inputs.encryption_info.is_some() {
        f.encryption_evidence
            .push("an encryption-info blob was given".to_owned());
    }
    f.encrypted = !f.encryption_evidence.is_empty();
    f
}

/// [`found`] for a person: one line per fact, `missing` where there is none, values from the
/// inputs with control characters escaped.
fn found_text(f: &Found) -> String {
    use crate::error::shown;
    let or_missing = |v: &Option<String>| v.as_deref().map_or_else(|| "missing".to_owned(), shown);
    let mut s = String::from(
        "found (the restore could not be built; the errors on stderr say what to add):\n",
    );
    let mut line = |k: &str, v: String| s.push_str(&format!("  {k:<16} {v}\n"));
    line("source VM", or_missing(&f.source_vm_name));
    line("location", or_missing(&f.location));
    line("size", or_missing(&f.vm_size));
    line("os", or_missing(&f.os_type));
    line(
        "disks",
        if f.missing.contains(&"osDisk") {
            "missing (no OS disk)".to_owned()
        } else {
            format!(
                "OS disk {}, {} data disk(s)",
                f.os_disk_name
                    .as_deref()
                    .map_or_else(|| "(unnamed)".to_owned(), |n| format!("`{}`", shown(n))),
                f.data_disks
            )
        },
    );
    line(
        "encrypted",
        if f.encrypted {
            format!("yes: {}", shown(&f.encryption_evidence.join("; ")))
        } else {
            "no evidence of Azure Disk Encryption".to_owned()
        },
    );
    line("recovery point", or_missing(&f.recovery_point_time));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Code, Error};

    fn fails(_: &mut dyn Write) -> Result<(), Errors> {
        Err(Error::new(Code::InvalidLun, "bad lun")
            .source("c.json")
            .into())
    }

    #[test]
    fn a_failure_in_json_mode_is_one_json_object_and_the_same_error() {
        let mut out = Vec::new();
        let e = json_errors(Some(JsonMode::Document), &mut out, fails).expect_err("fails");
        assert_eq!(e.exit_code(), 1);
        let v: serde_json::Value = serde_json::from_slice(&out).expect("one JSON object");
        assert_eq!(v["schemaVersion"], 1);
        assert_eq!(v["errors"][0]["code"], "InvalidLun");
        assert_eq!(v["errors"][0]["source"], "c.json");

        let mut out = Vec::new();
        let _ = json_errors(None, &mut out, fails);
        assert!(out.is_empty(), "text mode prints errors on stderr only");

        // Lines already printed (a batch's rows) are the answer: nothing is added after them.
        let mut out = Vec::new();
        let mut lines = Vec::new();
        let _ = json_errors(Some(JsonMode::Lines), &mut lines, fails);
        assert!(lines.ends_with(b"}\n") && lines.iter().filter(|b| **b == b'\n').count() == 1);

        let _ = json_errors(Some(JsonMode::Lines), &mut out, |o| {
            let _ = o.write_all(b"{}\n");
            fails(o)
        });
        assert_eq!(out, b"{}\n");
    }
}
