//! The model reads top to bottom (issue 15): no file in `src/model/` imports a file that imports
//! it back, directly or through others; the type files never import a builder; the leaves import
//! nothing of the model; `src/input/` never imports the model; `src/overrides.rs` imports nothing
//! of this crate. Read from the source text, so the rule cannot rot silently.
//!
//! An edge is every path that starts with `crate::model`, `super` or `self` (in `use` lines and
//! inline), resolved to the file that defines the longest matching module, plus one edge from
//! each `mod.rs` to the modules it declares (a parent depends on its children). So a child that
//! names its parent, and any file that reaches the model's root re-exports, is a circle. Unit
//! tests (`#[cfg(test)] mod tests`, `test_inputs.rs`) use the public API and are not read.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

type Module = Vec<String>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/model/build/mod.rs` → `[model, build]`; `src/model/disk.rs` → `[model, disk]`.
fn module_of(src: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Module = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The code without comments and without the unit tests at the end of the file.
fn code(text: &str) -> String {
    let end = text.find("#[cfg(test)]\nmod tests").unwrap_or(text.len());
    text[..end]
        .lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Expand `a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.len() - 1];
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|i| !i.is_empty())
        .flat_map(|i| expand(i).into_iter().map(move |e| format!("{prefix}{e}")))
        .collect()
}

/// Every path a file names: the expanded `use` trees, and inline `crate::`/`super::` paths.
fn paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("use ") {
        let before = rest[..i].chars().last();
        rest = &rest[i + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let Some(end) = rest.find(';') else { break };
        out.extend(expand(&rest[..end]));
        rest = &rest[end..];
    }
    let bytes = code.as_bytes();
    for start in ["crate::", "super::", "self::"] {
        for (i, _) in code.match_indices(start) {
            if i > 0
                && (bytes[i - 1].is_ascii_alphanumeric() || matches!(bytes[i - 1], b'_' | b':'))
            {
                continue;
            }
            let len = code[i..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(code.len() - i);
            out.push(code[i..i + len].trim_end_matches(':').to_owned());
        }
    }
    out
}

/// The module a path reaches from `from`, if it is one of `known`.
fn resolve(from: &Module, path: &str, known: &BTreeSet<Module>) -> Option<Module> {
    let mut segs = path.split("::").filter(|s| !s.is_empty()).peekable();
    let mut at: Module = match segs.peek().copied() {
        Some("crate") => {
            segs.next();
            Vec::new()
        }
        Some("super") | Some("self") => from.clone(),
        _ => return None,
    };
    let mut rest = Vec::new();
    for s in segs {
        match s {
            "super" if rest.is_empty() => {
                at.pop();
            }
            "self" if rest.is_empty() => {}
            _ => rest.push(s.to_owned()),
        }
    }
    let mut best = None;
    let mut candidate = at;
    if known.contains(&candidate) {
        best = Some(candidate.clone());
    }
    for s in rest {
        candidate.push(s);
        if known.contains(&candidate) {
            best = Some(candidate.clone());
        }
    }
    best
}

/// Each module's outgoing edges, for the files of one folder.
fn graph(files: &[(Module, String)]) -> BTreeMap<Module, BTreeSet<Module>> {
    let known: BTreeSet<Module> = files.iter().map(|(m, _)| m.clone()).collect();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (m, text) in files {
        let out = edges.entry(m.clone()).or_default();
        for p in paths(&code(text)) {
            if let Some(to) = resolve(m, &p, &known) {
                if &to != m {
                    out.insert(to);
                }
            }
        }
        for child in known
            .iter()
            .filter(|k| k.len() == m.len() + 1 && k.starts_with(m))
        {
            out.insert(child.clone());
        }
    }
    edges
}

/// One circle, if there is any: the modules in order, the first repeated at the end.
fn circle(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    fn visit(
        m: &Module,
        edges: &BTreeMap<Module, BTreeSet<Module>>,
        done: &mut BTreeSet<Module>,
        stack: &mut Vec<Module>,
    ) -> Option<Vec<Module>> {
        if let Some(i) = stack.iter().position(|s| s == m) {
            let mut c = stack[i..].to_vec();
            c.push(m.clone());
            return Some(c);
        }
        if done.contains(m) {
            return None;
        }
        stack.push(m.clone());
        for to in edges.get(m).into_iter().flatten() {
            if let Some(c) = visit(to, edges, done, stack) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(m.clone());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|m| visit(m, edges, &mut done, &mut Vec::new()))
}

fn show(c: &[Module]) -> String {
    c.iter()
        .map(|m| m.join("::"))
        .collect::<Vec<_>>()
        .join(" → ")
}

fn model_files() -> Vec<(Module, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src.join("model"), &mut files);
    files
        .into_iter()
        .filter(|f| f.file_name().is_some_and(|n| n != "test_inputs.rs"))
        .map(|f| {
            (
                module_of(&src, &f),
                fs::read_to_string(&f).expect("readable"),
            )
        })
        .collect()
}

#[test]
fn no_file_in_the_model_imports_a_file_that_imports_it_back() {
    let files = model_files();
    assert!(files.len() > 10, "the model's files are found");
    let edges = graph(&files);
    if let Some(c) = circle(&edges) {
        panic!("an import circle in src/model: {}", show(&c));
    }
}

#[test]
fn types_never_import_a_builder_and_leaves_import_nothing_of_the_model() {
    let edges = graph(&model_files());
    let model = vec!["model".to_owned()];
    let build = vec!["model".to_owned(), "build".to_owned()];
    let leaves = ["provenance", "time", "ids"];
    for (m, to) in &edges {
        if m.starts_with(&build) || m == &model {
            continue;
        }
        for t in to {
            assert!(
                !t.starts_with(&build),
                "the type file {} imports the builder {}",
                m.join("::"),
                t.join("::")
            );
        }
        if leaves.iter().any(|l| m.last().is_some_and(|n| n == l)) {
            assert!(to.is_empty(), "the leaf {} imports {to:?}", m.join("::"));
        }
    }
}

#[test]
fn input_never_imports_the_model_and_overrides_import_nothing_of_the_crate() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src.join("input"), &mut files);
    assert!(!files.is_empty());
    for f in files {
        let text = code(&fs::read_to_string(&f).expect("readable"));
        for p in paths(&text) {
            assert!(
                !p.starts_with("crate::model") && !p.contains("super::model"),
                "{} imports {p}",
                f.display()
            );
        }
    }
    let overrides = code(&fs::read_to_string(src.join("overrides.rs")).expect("readable"));
    let ours: Vec<String> = paths(&overrides)
        .into_iter()
        .filter(|p| p.starts_with("crate::") || p.starts_with("super::"))
        .collect();
    assert_eq!(ours, Vec::<String>::new(), "src/overrides.rs is a leaf");
}

#[test]
fn the_checker_finds_a_circle_through_a_parent_and_through_siblings() {
    let m = |s: &str| -> Module { s.split("::").map(str::to_owned).collect() };
    let through_parent = [
        (m("model::build"), "pub(super) mod a;".to_owned()),
        (m("model::build::a"), "use super::Problems;".to_owned()),
    ];
    assert!(circle(&graph(&through_parent)).is_some());
    let siblings = [
        (m("model::a"), "use super::{b::X, c};".to_owned()),
        (m("model::b"), "fn f() { crate::model::a::g() }".to_owned()),
    ];
    assert!(circle(&graph(&siblings)).is_some());
    let down_only = [
        (
            m("model::a"),
            "use super::b::X;\nuse crate::model::c;".to_owned(),
        ),
        (m("model::b"), "use super::c::{Y, Z};".to_owned()),
        (m("model::c"), "use crate::error::Code;".to_owned()),
    ];
    assert_eq!(circle(&graph(&down_only)), None);
}

/// A builder imports the types, `context` and the read-only `backup_template` view, never another
/// builder nor `build/mod.rs`: the steps of `encryption/` import only earlier steps of their own.
#[test]
fn builders_never_import_another_builder() {
    let edges = graph(&model_files());
    let build = vec!["model".to_owned(), "build".to_owned()];
    let shared = ["context", "backup_template"];
    for (m, to) in &edges {
        if !m.starts_with(&build) || m == &build {
            continue;
        }
        for t in to {
            if !t.starts_with(&build) || t.len() < 3 {
                // a type file, or the orchestrator (caught below)
                assert!(
                    t != &build,
                    "the builder {} imports build/mod.rs",
                    m.join("::")
                );
                continue;
            }
            let shared_view = shared.iter().any(|s| t[2] == *s);
            let same_folder = m.len() > 3 && t.len() > 3 && m[2] == t[2];
            let own_child = t.starts_with(m);
            assert!(
                shared_view || same_folder || own_child,
                "the builder {} imports the builder {}",
                m.join("::"),
                t.join("::")
            );
        }
    }
}
