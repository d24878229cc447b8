//! Names the commit the binary was built from, for `--version`: `git rev-parse` in the source
//! tree, or `RESTORE_DEPLOY_COMMIT` when a packager sets it. A crate tarball or a copy without
//! `.git` (or a machine without git) builds the same, with the commit given as unknown.

use std::path::Path;
use std::process::Command;

fn main() {
    templates::generate();
    println!("cargo:rerun-if-env-changed=RESTORE_DEPLOY_COMMIT");
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let from_env = std::env::var("RESTORE_DEPLOY_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty());
    let commit = from_env.or_else(|| {
        // Rebuild when HEAD moves: HEAD itself, the branch it names, and packed refs.
        for p in ["HEAD", "packed-refs"] {
            if let Some(path) = git(Path::new(&dir), &["rev-parse", "--git-path", p]) {
                println!(
                    "cargo:rerun-if-changed={}",
                    Path::new(&dir).join(path).display()
                );
            }
        }
        if let Some(branch) = git(Path::new(&dir), &["symbolic-ref", "-q", "HEAD"]) {
            if let Some(path) = git(Path::new(&dir), &["rev-parse", "--git-path", &branch]) {
                println!(
                    "cargo:rerun-if-changed={}",
                    Path::new(&dir).join(path).display()
                );
            }
        }
        commit(Path::new(&dir))
    });
    println!(
        "cargo:rustc-env=RESTORE_DEPLOY_COMMIT={}",
        commit.as_deref().unwrap_or("unknown")
    );
}

/// The short hash and date of HEAD in `dir`, or `None` outside a git checkout.
pub fn commit(dir: &Path) -> Option<String> {
    // `dir` must be the work tree's top: a crate unpacked inside some other repository must not
    // report that repository's commit.
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    let same = |a: &Path, b: &Path| a.canonicalize().ok() == b.canonicalize().ok();
    if !same(Path::new(&top), dir) {
        return None;
    }
    git(dir, &["log", "-1", "--format=%h %cs"])
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| text.to_string())
}

/// Every template under `templates/` compiled here, with the handlebars the crate renders with,
/// and written as Rust that rebuilds the compiled tree (`src/render/prebuilt.rs` explains why and
/// how it is checked).
mod templates {
    use handlebars::template::{BlockParam, Parameter, Template, TemplateElement};
    use handlebars::{Path as HbPath, PathSeg};
    use std::fmt::Write;
    use std::path::{Path, PathBuf};

    pub fn generate() {
        let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
        let root = Path::new(&dir).join("templates");
        println!("cargo:rerun-if-changed={}", root.display());
        let mut files = Vec::new();
        walk(&root, &mut files);
        files.sort();
        let mut table =
            String::from("pub(super) static PREBUILT: &[(&str, fn() -> Option<Template>)] = &[\n");
        let mut fns = String::new();
        for (i, f) in files.iter().enumerate() {
            let src = std::fs::read_to_string(f)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", f.display()));
            // As `render::compile` normalises a source before compiling it.
            let t = Template::compile(&src.replace("\r\n", "\n"))
                .unwrap_or_else(|e| panic!("{} does not compile: {e}", f.display()));
            let _ = writeln!(
                table,
                "    (include_str!({:?}), t{i}),",
                f.display().to_string()
            );
            let _ = writeln!(
                fns,
                "/// {}\nfn t{i}() -> Option<Template> {{\n    Some({})\n}}",
                f.strip_prefix(&root).unwrap_or(f).display(),
                template(&t)
            );
        }
        table.push_str("];\n");
        let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
        std::fs::write(out.join("prebuilt_templates.rs"), table + &fns)
            .expect("cannot write prebuilt_templates.rs");
    }

    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir)
            .expect("templates/ is readable")
            .flatten()
        {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "hbs") {
                out.push(p);
            }
        }
    }

    /// The elements only: the line and column of each (`mapping`) serve handlebars' error
    /// messages, and a `TemplateMapping` can only be made by handlebars' parser (`prebuilt.rs`).
    fn template(t: &Template) -> String {
        let elements: Vec<String> = t.elements.iter().map(element).collect();
        format!("tpl(vec![{}])", elements.join(", "))
    }

    fn opt_template(t: &Option<Template>) -> String {
        match t {
            Some(t) => format!("Some({})", template(t)),
            None => "None".into(),
        }
    }

    /// `indent_before_write` is private to handlebars; its `Debug` shows it as the last field.
    fn indent_before_write(debug: &str) -> bool {
        if debug.ends_with("indent_before_write: true }") {
            true
        } else if debug.ends_with("indent_before_write: false }") {
            false
        } else {
            panic!("handlebars changed its template layout: {debug}")
        }
    }

    fn element(e: &TemplateElement) -> String {
        use TemplateElement as E;
        let helper = |kind: &str, h: &handlebars::template::HelperTemplate| {
            format!(
                "E::{kind}(helper({}, {}, {}, {}, {}, {}, ({}, {}, {}))?)",
                param(&h.name),
                params(&h.params),
                hash(&h.hash),
                block_param(&h.block_param),
                opt_template(&h.template),
                opt_template(&h.inverse),
                h.block,
                h.chain,
                indent_before_write(&format!("{h:?}"))
            )
        };
        let decorator = |kind: &str, d: &handlebars::template::DecoratorTemplate| {
            format!(
                "E::{kind}(decorator({}, {}, {}, {}, {}, {})?)",
                param(&d.name),
                params(&d.params),
                hash(&d.hash),
                opt_template(&d.template),
                match &d.indent {
                    Some(i) => format!("Some({i:?})"),
                    None => "None".into(),
                },
                indent_before_write(&format!("{d:?}"))
            )
        };
        match e {
            E::RawString(s) => format!("E::RawString(String::from({s:?}))"),
            E::Comment(s) => format!("E::Comment(String::from({s:?}))"),
            E::HtmlExpression(h) => helper("HtmlExpression", h),
            E::Expression(h) => helper("Expression", h),
            E::HelperBlock(h) => helper("HelperBlock", h),
            E::DecoratorExpression(d) => decorator("DecoratorExpression", d),
            E::DecoratorBlock(d) => decorator("DecoratorBlock", d),
            E::PartialExpression(d) => decorator("PartialExpression", d),
            E::PartialBlock(d) => decorator("PartialBlock", d),
            other => panic!("a template element build.rs does not know: {other:?}"),
        }
    }

    fn params(ps: &[Parameter]) -> String {
        let v: Vec<String> = ps.iter().map(param).collect();
        format!("vec![{}]", v.join(", "))
    }

    fn hash(h: &std::collections::HashMap<String, Parameter>) -> String {
        let mut v: Vec<(&String, &Parameter)> = h.iter().collect();
        v.sort_by(|a, b| a.0.cmp(b.0));
        let v: Vec<String> = v
            .iter()
            .map(|(k, p)| format!("({k:?}, {})", param(p)))
            .collect();
        format!("vec![{}]", v.join(", "))
    }

    fn block_param(b: &Option<BlockParam>) -> String {
        match b {
            None => "None".into(),
            Some(BlockParam::Single(p)) => format!("Some(BlockParam::Single({}))", param(p)),
            Some(BlockParam::Pair((a, b))) => {
                format!("Some(BlockParam::Pair(({}, {})))", param(a), param(b))
            }
            Some(other) => panic!("a block parameter build.rs does not know: {other:?}"),
        }
    }

    fn param(p: &Parameter) -> String {
        match p {
            Parameter::Name(n) => format!("name({n:?})"),
            Parameter::Path(HbPath::Relative((segs, raw))) => {
                let named: Option<Vec<String>> = segs
                    .iter()
                    .map(|s| match s {
                        PathSeg::Named(n) => Some(format!("{n:?}")),
                        _ => None,
                    })
                    .collect();
                match named {
                    Some(n) => format!("path({raw:?}, &[{}])", n.join(", ")),
                    // `..` and `@root` segments are of a grammar rule handlebars keeps private:
                    // only its parser makes them, and running it costs every run the parser's
                    // start-up (pest's stack probe reads /proc/self/maps).
                    None => panic!(
                        "the path `{raw}` reads out of its block (`../`, `@root`): give the loop's items or the block's context the value instead"
                    ),
                }
            }
            Parameter::Path(HbPath::Local((level, name, raw))) => {
                format!("local({level}, {name:?}, {raw:?})")
            }
            Parameter::Literal(v) => format!("literal({:?})?", v.to_string()),
            Parameter::Subexpression(s) => match s.as_element() {
                TemplateElement::Expression(h) => {
                    format!(
                        "sub({}, {}, {})",
                        param(&h.name),
                        params(&h.params),
                        hash(&h.hash)
                    )
                }
                other => panic!("a subexpression build.rs does not know: {other:?}"),
            },
            other => panic!("a parameter build.rs does not know: {other:?}"),
        }
    }
}
