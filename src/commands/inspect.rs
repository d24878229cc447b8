//! `inspect`: what was found and which input decided each fact, for a person or as JSON. With
//! `--json`, a failed run still prints one JSON object on standard output (its `errors[]`, the
//! same as on stderr) unless something was already printed there, and exits as documented.

use std::io::Write;

use crate::cli::InspectArgs;
use crate::error::Errors;
use crate::render;

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
    let (_, restore) = super::load(&a.sources, &a.deploy)?;
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
