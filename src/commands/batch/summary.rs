//! What a batch says at the end: one row per job (job file, VM, case, result, error code) as a
//! table for people or JSON lines for tools (their shape, errors included, is part of the
//! `inspect --json` contract), and each unsuccessful job's errors in full on stderr. Values from the
//! inputs reach a terminal only through `shown` (a table) or `\uXXXX` escapes (JSON).

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use serde_json::{json, Value};

use crate::error::{shown, Code, Errors, Exit, MAX_SHOWN_PROBLEMS};
use crate::render::inspect_json;

/// One job's line of the summary.
pub struct Row {
    /// The job file as the command line (or its folder) named it.
    pub job: String,
    pub vm: Option<String>,
    pub case: Option<String>,
    /// Where the bundle was written.
    pub folder: Option<PathBuf>,
    pub warnings: Vec<String>,
    pub outcome: Result<(), Errors>,
    /// What the bundle asks of the operator (a bundle that was made).
    pub steps: Option<crate::format::batch::BundleSteps>,
}

impl Row {
    /// The error that decides the row: the most severe, the first of those.
    pub fn code(&self) -> Option<Code> {
        deciding(self.outcome.as_ref().err()?)
    }

    pub fn result(&self, success: &'static str) -> &'static str {
        match &self.outcome {
            Ok(()) => success,
            Err(e) => word(e),
        }
    }
}

/// The error that decides a job's errors: the most severe, the first of those.
fn deciding(errors: &Errors) -> Option<Code> {
    let worst = errors.0.iter().map(|e| e.code.exit()).max()?;
    errors
        .0
        .iter()
        .find(|e| e.code.exit() == worst)
        .map(|e| e.code)
}

/// The one word for a job that did not succeed, used alike by the progress bar, the summary's
/// `RESULT` column and totals, the batch's last line and `--json`'s `result` (newcomer rows 9
/// and 38: the bar said "failed" where the summary said "rejected").
pub fn word(errors: &Errors) -> &'static str {
    match deciding(errors).map(|c| (c, c.exit())) {
        // `--check --jobs`: a bundle that is out of date is neither bad input nor a failure.
        Some((Code::StaleOutput, _)) => "stale",
        Some((_, Exit::Rejected)) | None => "rejected",
        Some((_, Exit::Usage)) => "refused",
        Some((_, Exit::Environment)) => "failed",
    }
}

/// What each word means, for the batch's last line.
pub fn meaning(word: &str) -> &'static str {
    match word {
        "stale" => "a bundle on disk differs from what this run generates",
        "rejected" => "an input was refused",
        "refused" => "the command line cannot work for that job",
        "failed" => "the environment failed (file system, network, credentials)",
        _ => "",
    }
}

/// `196 written, 4 rejected`: each word that happened with its count, in one fixed order
/// (success, stale, rejected, refused, failed), as the bar, the totals and the last line say it.
pub fn counted<'a>(words: impl IntoIterator<Item = &'a str>, success: &str) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for word in words {
        match counts.iter_mut().find(|(w, _)| *w == word) {
            Some((_, n)) => *n += 1,
            None => counts.push((word, 1)),
        }
    }
    let order = [success, "stale", "rejected", "refused", "failed"];
    counts.sort_by_key(|(w, _)| order.iter().position(|o| o == w));
    let parts: Vec<String> = counts.iter().map(|(w, n)| format!("{n} {w}")).collect();
    parts.join(", ")
}

/// The table: columns as wide as their widest value, rows in the order the jobs were listed.
pub fn table(rows: &[Row], success: &'static str) -> String {
    let dash = || "-".to_owned();
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                shown(&r.job),
                r.vm.as_deref().map_or_else(dash, shown),
                r.case.clone().unwrap_or_else(dash),
                r.result(success).to_owned(),
                r.code().map_or_else(dash, |c| c.as_str().to_owned()),
            ]
        })
        .collect();
    let head = ["JOB", "VM", "CASE", "RESULT", "CODE"];
    let mut width = head.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in width.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cols: [&str; 5]| {
        let mut l = String::new();
        for (i, (c, w)) in cols.iter().zip(width).enumerate() {
            if i + 1 == cols.len() {
                l.push_str(c);
            } else {
                let _ = write!(l, "{c:<w$}  ");
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(head);
    for row in &cells {
        line([&row[0], &row[1], &row[2], &row[3], &row[4]]);
    }
    out.push_str(&totals(rows, success));
    out
}

/// `200 jobs: 196 written, 4 rejected`: only the results that happened.
pub fn totals(rows: &[Row], success: &'static str) -> String {
    format!(
        "{} job{}: {}\n",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        counted(rows.iter().map(|r| r.result(success)), success)
    )
}

/// One JSON object per job (`$defs/jobLine` in `schemas/inspect.schema.json`); `extra` (the
/// inspection) is merged in after the summary's fields, which it never overwrites. Written with
/// the hazard escaping of `inspect --json` (`render::to_json_line`): no raw control, bidi or
/// separator character reaches the line. At most 50 errors, then `errorsOmitted`.
pub fn json_line(row: &Row, success: &'static str, extra: Option<Value>) -> String {
    let mut errors = row
        .outcome
        .as_ref()
        .err()
        .map(inspect_json::errors)
        .unwrap_or_default();
    // As on stderr: at most 50 problems, then how many more (one job's line stays small).
    let omitted = errors.len().saturating_sub(MAX_SHOWN_PROBLEMS);
    errors.truncate(MAX_SHOWN_PROBLEMS);
    let mut v = json!({
        "schemaVersion": inspect_json::SCHEMA_VERSION,
        "job": row.job,
        "vm": row.vm,
        "case": row.case,
        "result": row.result(success),
        "code": row.code().map(Code::as_str),
        "folder": row.folder.as_ref().map(|f| f.display().to_string()),
        "warnings": row.warnings,
        "errors": errors,
    });
    if let (true, Some(obj)) = (omitted > 0, v.as_object_mut()) {
        obj.insert("errorsOmitted".to_owned(), json!(omitted));
    }
    if let (Some(Value::Object(extra)), Some(obj)) = (extra, v.as_object_mut()) {
        for (k, val) in extra {
            obj.entry(k).or_insert(val);
        }
    }
    // A `Value` always serializes; the empty fallback keeps this total.
    let mut s = crate::render::to_json_line(&v).unwrap_or_default();
    s.push('\n');
    s
}

/// Each unsuccessful job's errors in full, and each job's warnings, in job order. A run where every
/// job fails the same way (a wrong `--sas`) shows the first few in full and counts the rest.
pub fn details(err: &mut dyn Write, rows: &[Row]) {
    const SHOWN: usize = 20;
    let mut failed = 0;
    for r in rows {
        for w in &r.warnings {
            let _ = writeln!(err, "job `{}`: {}", shown(&r.job), shown(w));
        }
        if let Err(e) = &r.outcome {
            failed += 1;
            if failed <= SHOWN {
                let _ = write!(err, "job `{}` ({}):\n{e}\n", shown(&r.job), word(e));
            }
        }
    }
    if failed > SHOWN {
        let _ = writeln!(
            err,
            "... and {} more jobs with errors: the summary lists each with its result and code",
            failed - SHOWN
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    fn row(job: &str, outcome: Result<(), Errors>) -> Row {
        Row {
            job: job.into(),
            vm: outcome.is_ok().then(|| "vm\u{1b}[31m".to_owned()),
            case: outcome.is_ok().then(|| "managed-bek-aad-linux".to_owned()),
            folder: None,
            warnings: Vec::new(),
            outcome,
            steps: None,
        }
    }

    #[test]
    fn the_most_severe_error_decides_a_row() {
        let mixed = Errors(vec![
            Error::new(Code::InvalidLun, "a"),
            Error::new(Code::BlobNotFound, "b"),
            Error::new(Code::FileSystem, "c"),
        ]);
        let r = row("j.json", Err(mixed));
        assert_eq!(r.code(), Some(Code::BlobNotFound));
        assert_eq!(r.result("written"), "failed");
        let r = row(
            "j.json",
            Err(Error::new(Code::BlobInsecureToken, "x").into()),
        );
        assert_eq!(r.result("written"), "refused");
    }

    #[test]
    fn the_table_aligns_columns_and_escapes_input_values() {
        let rows = [
            row("jobs/a.json", Ok(())),
            row(
                "jobs/b-longer-name.json",
                Err(Error::new(Code::InvalidJson, "x").into()),
            ),
        ];
        let t = table(&rows, "written");
        assert_eq!(
            t,
            "JOB                      VM            CASE                   RESULT    CODE\n\
             jobs/a.json              vm\\u{1b}[31m  managed-bek-aad-linux  written   -\n\
             jobs/b-longer-name.json  -             -                      rejected  InvalidJson\n\
             2 jobs: 1 written, 1 rejected\n"
        );
    }

    #[test]
    fn json_lines_keep_the_summary_fields_first() {
        let r = row(
            "jobs/a.json",
            Err(Error::new(Code::InvalidJson, "bad").into()),
        );
        let line = json_line(
            &r,
            "written",
            Some(json!({"case": "ignored", "restore": 1})),
        );
        assert!(line.ends_with('\n') && !line.trim_end().contains('\n'));
        let v: Value = serde_json::from_str(&line).expect("json");
        assert_eq!(v["result"], "rejected");
        assert_eq!(v["errors"][0]["code"], "InvalidJson");
        assert_eq!(v["case"], Value::Null, "a summary field was overwritten");
        assert_eq!(v["restore"], 1);
        assert!(line.starts_with(r#"{"schemaVersion":1,"job":"#), "{line}");
    }

    #[test]
    fn json_lines_escape_what_a_terminal_would_obey() {
        let mut r = row("jobs/a.json", Ok(()));
        r.vm = Some("vm\u{202e}\u{9b}x".into());
        let line = json_line(&r, "written", None);
        assert!(line.contains(r"vm\u202e\u009bx"), "{line}");
        let v: Value = serde_json::from_str(&line).expect("json");
        assert_eq!(v["vm"], "vm\u{202e}\u{9b}x", "the value itself is kept");
    }

    #[test]
    fn the_bar_the_totals_and_the_last_line_count_in_one_order() {
        let e = |c: Code| Errors::from(Error::new(c, "x"));
        let words = [
            word(&e(Code::FileSystem)),
            word(&e(Code::InvalidJson)),
            word(&e(Code::StaleOutput)),
            word(&e(Code::BlobInsecureToken)),
            word(&e(Code::RecoveryPointBeforeTemplateSupport)),
        ];
        assert_eq!(
            words,
            ["failed", "rejected", "stale", "refused", "rejected"]
        );
        // The bar passes no success word; the totals and the last line pass theirs.
        assert_eq!(
            counted(words, ""),
            "1 stale, 2 rejected, 1 refused, 1 failed"
        );
        assert_eq!(
            counted(["written", "failed", "written"], "written"),
            "2 written, 1 failed"
        );
        for w in ["stale", "rejected", "refused", "failed"] {
            assert!(!meaning(w).is_empty(), "{w}");
        }
    }
}
