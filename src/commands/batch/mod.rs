//! `--jobs`: many restores in one process, for disaster-recovery drills. Every job is read,
//! validated and rendered on its own by a bounded pool of threads (`--concurrency`), sharing the
//! compiled templates; a job that fails is reported and never stops the others. Bundles are put in
//! place only once every job is known, so two jobs that would write the same folder are both refused
//! rather than one overwriting the other, and each bundle is written whole or not at all. Each
//! bundle is staged on disk as soon as it is rendered (memory grows with `--concurrency`, not
//! with the number of jobs); none is put in place before every job is known.

mod job;
mod pool;
mod summary;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::{BatchArgs, DeployArgs, GenerateArgs, InspectArgs, SourceArgs};
use crate::error::{shown, Code, Error, Errors};
use job::{Done, Product, Shared, Work};
use pool::pool;
use summary::Row;

pub fn generate(a: &GenerateArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Errors> {
    generate_from(a, None, out, err)
}

/// Job documents already read (a Recovery Services vault's jobs), in order, each under the name
/// the summary shows for it.
pub struct Preloaded {
    pub order: Vec<PathBuf>,
    pub docs: std::collections::HashMap<PathBuf, crate::source::Loaded>,
}

/// `generate` over job documents already read, or over `--jobs` when `preloaded` is `None`.
pub fn generate_from(
    a: &GenerateArgs,
    preloaded: Option<&Preloaded>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Errors> {
    let Some(root) = a.out.as_deref() else {
        return Err(usage(
            "`--jobs` writes one folder per VM and needs `--out DIR`",
        ));
    };
    let started = Instant::now();
    let work = Work::Bundle(a.format);
    // The batch is opened first (`--out` created and locked, its staging folder made), so each
    // bundle is staged on disk as soon as it is rendered and its text freed: memory is bounded
    // by `--concurrency`, not by the number of jobs. Nothing is renamed into place before every
    // job is known (`plan::Batch::finish`), so two jobs claiming one folder are still both
    // refused, and the batch's one flush still precedes every rename.
    let jobs = job_files(&a.batch, preloaded)?;
    // `--check` writes nothing: no batch is opened, and each bundle stays in memory to be compared.
    let batch = (!a.check).then(|| crate::plan::Batch::open(root));
    let stage = |i: usize, mut d: Done| -> Result<Done, Errors> {
        let Some(batch) = &batch else {
            return Ok(d);
        };
        let Product::Bundle(plan) = d.product else {
            return Ok(d);
        };
        let batch = batch.as_ref().map_err(|e| Errors::from(e.clone()))?;
        let name = job::folder_name(&d.vm)?;
        d.product = Product::Staged(batch.stage(i, &name, plan)?);
        Ok(d)
    };
    let done = prepare(
        jobs.clone(),
        &a.sources,
        &a.deploy,
        &a.batch,
        work,
        preloaded,
        Some(&stage),
    );
    let mut rows = claim_folders(&jobs, done, root);
    let Some(batch) = batch else {
        let rows = rows
            .into_iter()
            .map(|(row, product)| match product {
                Some(Product::Bundle(plan)) => (row, Some(plan)),
                _ => (row, None),
            })
            .collect();
        return check_all(a, rows, out, err, started);
    };
    let staged: Vec<crate::plan::Staged> = rows
        .iter_mut()
        .filter_map(|(row, s)| match (&row.outcome, s.take()) {
            (Ok(()), Some(Product::Staged(s))) => Some(s),
            _ => None,
        })
        .collect();
    if let Ok(batch) = batch {
        // One flush, then every rename (`plan::batch`); a bundle left out (a duplicate) is
        // removed with the staging folder, never renamed.
        for (i, written) in batch.finish(staged) {
            let row = &mut rows[i].0;
            if let Err(e) = written {
                row.outcome = Err(e.into());
                row.folder = None;
            }
        }
    }
    let rows: Vec<Row> = rows.into_iter().map(|(r, _)| r).collect();
    elapsed(err, &a.batch, started);
    let result = finish(&rows, "written", out, err, a.json, |_| None);
    if !a.batch.quiet {
        let _ = write!(err, "{}", next_steps(a, root, &rows, preloaded.is_none()));
    }
    result
}

/// The batch's one next-steps block: what to run for each bundle written, and how to rerun the
/// jobs that were not (newcomer rows 8 and 30).
fn next_steps(a: &GenerateArgs, root: &Path, rows: &[Row], files: bool) -> String {
    use crate::format::batch::{self, NotWritten};
    let written: Vec<batch::BundleSteps> = rows
        .iter()
        .filter(|r| r.outcome.is_ok() && r.folder.is_some())
        .filter_map(|r| r.steps.clone())
        .collect();
    let mut nw = NotWritten {
        too_old: Vec::new(),
        others: Vec::new(),
        files,
    };
    for r in rows {
        if let Err(e) = &r.outcome {
            let old =
                e.0.iter()
                    .all(|e| e.code == Code::RecoveryPointBeforeTemplateSupport);
            if old { &mut nw.too_old } else { &mut nw.others }.push(r.job.as_str());
        }
    }
    batch::next_steps(a.format, root, &written, &nw)
}

/// `--check --jobs`: every job's folder compared with what this run would write, nothing
/// written. The diffs go to stdout, each under its folder, then the summary; a stale or missing
/// bundle is that job's `StaleOutput` (exit 1), as for one bundle.
fn check_all(
    a: &GenerateArgs,
    mut rows: Vec<(Row, Option<crate::plan::Plan>)>,
    out: &mut dyn Write,
    err: &mut dyn Write,
    started: Instant,
) -> Result<(), Errors> {
    let mut diffs = String::new();
    for (row, plan) in &mut rows {
        let (Ok(()), Some(folder), Some(plan)) = (&row.outcome, row.folder.clone(), plan.take())
        else {
            continue;
        };
        match crate::plan::check(&plan, &folder) {
            Ok(None) => {}
            Ok(Some(diff)) => {
                if !a.json {
                    let shown: Vec<String> = diff.split('\n').map(shown).collect();
                    diffs.push_str(&format!("== {}\n{}\n", folder.display(), shown.join("\n")));
                }
                row.outcome = Err(Error::new(
                    Code::StaleOutput,
                    format!("the files in `{}` differ from what restore-deploy generates", folder.display()),
                )
                .source(row.job.clone())
                .help("run the same command without `--check` to update them, then review and commit the change")
                .into());
            }
            Err(e) => row.outcome = Err(e.into()),
        }
    }
    super::emit(out, &crate::paint::diff(&diffs, a.paint_diff))?;
    let rows: Vec<Row> = rows.into_iter().map(|(r, _)| r).collect();
    elapsed(err, &a.batch, started);
    finish(&rows, "up to date", out, err, a.json, |_| None)
}

pub fn inspect(a: &InspectArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Errors> {
    let started = Instant::now();
    let work = Work::Inspection { json: a.json };
    let jobs = job_files(&a.batch, None)?;
    let done = prepare(
        jobs.clone(),
        &a.sources,
        &a.deploy,
        &a.batch,
        work,
        None,
        None,
    );
    let mut products = Vec::with_capacity(done.len());
    let rows: Vec<Row> = jobs
        .iter()
        .zip(done)
        .map(|(path, d)| {
            let (row, product) = row(path, d);
            products.push(product);
            row
        })
        .collect();
    let text = |i: usize| match &products[i] {
        Some(Product::Inspection(t)) => Some(t.as_str()),
        _ => None,
    };
    if a.json {
        elapsed(err, &a.batch, started);
        let extra = |i: usize| text(i).and_then(|t| serde_json::from_str(t).ok());
        return finish(&rows, "inspected", out, err, true, extra);
    }
    let mut all = String::new();
    for (i, r) in rows.iter().enumerate() {
        if let Some(t) = text(i) {
            all.push_str(&format!("== {}\n{t}\n", shown(&r.job)));
        }
    }
    super::emit(out, &all)?;
    elapsed(err, &a.batch, started);
    // The summary table follows the inspections on stdout, as `generate --jobs` prints it
    // (newcomer row 9: the last line pointed at a summary that was not printed).
    finish(&rows, "inspected", out, err, false, |_| None)
}

/// What a worker does with a job's product once it is made (a bundle is staged on disk there).
type After<'a> = &'a (dyn Fn(usize, Done) -> Result<Done, Errors> + Sync);

/// Every job read and turned into its product, each on its own, with progress on a terminal;
/// `after` runs on the job's own thread.
fn prepare(
    jobs: Vec<PathBuf>,
    sources: &SourceArgs,
    deploy: &DeployArgs,
    batch: &BatchArgs,
    work: Work,
    preloaded: Option<&Preloaded>,
    after: Option<After>,
) -> Vec<Result<Done, Errors>> {
    let shared = Shared {
        blob_endpoint: sources.blob_endpoint.as_deref(),
        sas: sources.sas.as_deref(),
        fetch: crate::source::FetchOptions {
            auth: sources.auth.into(),
            // A FIFO among the job files or in `--config-dir` is refused, never waited on.
            regular_only: true,
        },
        config_dir: batch.config_dir.as_deref(),
        overrides: crate::cli::overrides(sources, deploy),
        work,
        preloaded: preloaded.map(|p| &p.docs),
    };
    let bar = progress(jobs.len(), batch.quiet);
    let mut done: Vec<Option<Result<Done, Errors>>> = jobs.iter().map(|_| None).collect();
    // The bar counts what did not succeed in the summary's own words (`3 rejected, 1 failed`).
    let mut unsuccessful: Vec<&'static str> = Vec::new();
    let indices: Vec<usize> = (0..jobs.len()).collect();
    pool(
        usize::from(batch.concurrency),
        &indices,
        |&i| {
            let d = job::run(&jobs[i], &shared)?;
            match after {
                Some(after) => after(i, d),
                None => Ok(d),
            }
        },
        |i, d| {
            let d = d.unwrap_or_else(|| Err(panicked()));
            let failed = match &d {
                Err(e) => Some(e),
                Ok(Done {
                    product: Product::Refused(e),
                    ..
                }) => Some(e),
                Ok(_) => None,
            };
            if let Some(e) = failed {
                unsuccessful.push(summary::word(e));
                bar.set_message(summary::counted(unsuccessful.iter().copied(), ""));
            }
            done[i] = Some(d);
            bar.inc(1);
        },
    );
    bar.finish_and_clear();
    done.into_iter()
        .map(|d| d.unwrap_or_else(|| Err(Error::internal("a job was never run").into())))
        .collect()
}

/// The job files in order: the vault's, or `--jobs` listed (before anything is created).
fn job_files(batch: &BatchArgs, preloaded: Option<&Preloaded>) -> Result<Vec<PathBuf>, Errors> {
    match preloaded {
        Some(p) => Ok(p.order.clone()),
        None => list(&batch.jobs),
    }
}

/// The job files: each PATH that is a folder gives its `*.json` files in name order; any other
/// PATH is a job file (a missing one is reported as that job's failure).
fn list(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Errors> {
    let mut jobs = Vec::new();
    for p in paths {
        if !p.is_dir() {
            jobs.push(p.clone());
            continue;
        }
        let entries = std::fs::read_dir(p).map_err(|e| {
            Error::new(Code::FileSystem, format!("cannot list `{}`", p.display()))
                .source(p.display().to_string())
                .doing("listing the job files")
                .cause(e.to_string())
        })?;
        // Typed from the listing; only a symlink costs a `stat` (to the file it names).
        let mut found: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .filter(|e| match e.file_type() {
                Ok(t) if t.is_symlink() => e.path().is_file(),
                Ok(t) => t.is_file(),
                Err(_) => false,
            })
            .map(|e| e.path())
            .collect();
        if found.is_empty() {
            return Err(usage(&format!(
                "`{}` holds no `*.json` job files",
                shown(&p.display().to_string())
            )));
        }
        found.sort();
        jobs.extend(found);
    }
    Ok(jobs)
}

/// Rows for the summary, each with its staged bundle and folder. A folder is claimed by one job
/// only; names that differ only in case are the same folder on Windows and macOS.
fn claim_folders(
    jobs: &[PathBuf],
    done: Vec<Result<Done, Errors>>,
    root: &Path,
) -> Vec<(Row, Option<Product>)> {
    let mut rows: Vec<(Row, Option<Product>)> = jobs
        .iter()
        .zip(done)
        .map(|(path, d)| {
            let (mut row, plan) = row(path, d);
            if let (Ok(()), Some(vm)) = (&row.outcome, &row.vm) {
                match job::folder_name(vm) {
                    Ok(name) => row.folder = Some(root.join(name)),
                    Err(e) => row.outcome = Err(e.source(row.job.clone()).into()),
                }
            }
            (row, plan)
        })
        .collect();
    let mut by_folder: std::collections::HashMap<String, Vec<usize>> = Default::default();
    for (i, (r, _)) in rows.iter().enumerate() {
        if let (Ok(()), Some(f)) = (&r.outcome, &r.folder) {
            let key = f.display().to_string().to_lowercase();
            by_folder.entry(key).or_default().push(i);
        }
    }
    let mut clashes: Vec<Vec<usize>> = by_folder.into_values().filter(|v| v.len() > 1).collect();
    clashes.sort();
    for group in clashes {
        for &i in &group {
            let others: Vec<String> = group
                .iter()
                .filter(|j| **j != i)
                .map(|j| format!("`{}`", rows[*j].0.job))
                .collect();
            let (row, plan) = &mut rows[i];
            let folder = row.folder.take().map(|f| f.display().to_string());
            *plan = None;
            row.outcome = Err(Error::new(
                Code::DuplicateOutputFolder,
                format!(
                    "another job in this run restores a VM named `{}` into the same folder `{}`",
                    row.vm.as_deref().unwrap_or_default(),
                    folder.unwrap_or_default()
                ),
            )
            .source(row.job.clone())
            .doing("choosing the restore's folder under `--out`")
            .cause(format!("also restored by {}", others.join(", ")))
            .help("neither bundle was written: remove the duplicate job, or restore one of them on its own with `--vm-name`")
            .into());
        }
    }
    rows
}

fn row(path: &Path, d: Result<Done, Errors>) -> (Row, Option<Product>) {
    let job = path.display().to_string();
    match d {
        // Read and validated, then refused by the command: its VM and case are shown.
        Ok(Done {
            vm,
            case,
            product: Product::Refused(e),
            ..
        }) => (
            Row {
                job,
                vm: Some(vm),
                case: Some(case),
                folder: None,
                warnings: Vec::new(),
                outcome: Err(e),
                steps: None,
            },
            None,
        ),
        Ok(d) => (
            Row {
                job,
                vm: Some(d.vm),
                case: Some(d.case),
                folder: None,
                warnings: d.warnings,
                outcome: Ok(()),
                steps: d.steps,
            },
            Some(d.product),
        ),
        Err(e) => (
            Row {
                job,
                vm: None,
                case: None,
                folder: None,
                warnings: Vec::new(),
                outcome: Err(e),
                steps: None,
            },
            None,
        ),
    }
}

/// The summary to `out`, the failures in full to `err`, and the run's exit status: the most
/// severe failure's (1 an input was rejected, 3 the environment failed), 0 when all succeeded.
fn finish(
    rows: &[Row],
    success: &'static str,
    out: &mut dyn Write,
    err: &mut dyn Write,
    json: bool,
    extra: impl Fn(usize) -> Option<serde_json::Value>,
) -> Result<(), Errors> {
    summary::details(err, rows);
    let text = if json {
        rows.iter()
            .enumerate()
            .map(|(i, r)| summary::json_line(r, success, extra(i)))
            .collect()
    } else {
        summary::table(rows, success)
    };
    super::emit(out, &text)?;
    let unsuccessful: Vec<&Row> = rows.iter().filter(|r| r.outcome.is_err()).collect();
    let Some(worst) = unsuccessful
        .iter()
        .filter_map(|r| r.code())
        .max_by_key(|c| c.exit())
    else {
        return Ok(());
    };
    // The line counts the jobs in the summary's words; its code is the most severe job's (it
    // sets the exit status) and is named as such, so four rejected inputs and one file-system
    // failure never read as five file-system failures (newcomer row 9).
    let word = unsuccessful
        .iter()
        .find(|r| r.code() == Some(worst))
        .map_or("failed", |r| r.result(success));
    Err(Error::new(
        worst,
        format!(
            "{} of {} jobs were not {success}: {}",
            unsuccessful.len(),
            rows.len(),
            summary::counted(unsuccessful.iter().map(|r| r.result(success)), success)
        ),
    )
    .help(format!(
        "each job's errors are above, and the summary gives each job's result and code; `{worst}` is the most severe code (`{word}`: {}), so it sets the exit status ({}); every other job was {success} whole",
        summary::meaning(word),
        worst.exit_code()
    ))
    .into())
}

/// How long the run took, for the operator (stderr, so the summary itself stays the same run to
/// run).
fn elapsed(err: &mut dyn Write, batch: &BatchArgs, started: Instant) {
    if !batch.quiet {
        let _ = writeln!(err, "done in {:.2} s", started.elapsed().as_secs_f64());
    }
}

const PANICKED: &str = "restore-deploy stopped on a bug while handling this job";

fn panicked() -> Errors {
    Error::internal(PANICKED).into()
}

fn usage(msg: &str) -> Errors {
    Error::new(Code::Usage, msg)
        .help("run `restore-deploy generate --help` for `--jobs` and `--out`")
        .into()
}

/// A bar on stderr only for a person watching: hidden when stderr is not a terminal or with
/// `--quiet`. Only the calling thread draws it, so it never contends for stderr with a writer.
fn progress(len: usize, quiet: bool) -> ProgressBar {
    let target = if quiet || !std::io::stderr().is_terminal() {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    };
    let bar = ProgressBar::with_draw_target(Some(len as u64), target);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} jobs {msg}") {
        bar.set_style(style);
    }
    bar
}
