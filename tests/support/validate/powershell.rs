//! PowerShell checked with the tree-sitter grammar (no real PowerShell runs on these machines):
//! no ERROR or MISSING nodes, every `try` closed by `catch`/`finally` (the grammar lets that slip),
//! no labelled loops (the grammar mis-parses them), and a walk of the tree that lists every
//! command invoked with its parameters.

use std::ops::Range;

use tree_sitter::{Node, Parser};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamValue {
    Switch,
    /// The argument's source text.
    Value(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub name: String,
    pub params: Vec<(String, ParamValue)>,
    /// Arguments not bound to a named parameter.
    pub positional: usize,
    pub line: usize,
    /// Inside an `if`/`elseif`/`else` (its condition included): the call runs only when the
    /// script decided it should.
    pub conditional: bool,
}

#[derive(Debug)]
pub struct Script {
    pub commands: Vec<Invocation>,
    /// Byte ranges of single-quoted string literals (quotes included).
    pub verbatim: Vec<Range<usize>>,
    /// Byte ranges of every string literal and comment.
    pub inert: Vec<Range<usize>>,
}

pub fn parse_script(src: &str) -> Result<Script, Vec<String>> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_powershell::LANGUAGE.into())
        .map_err(|e| vec![format!("grammar: {e}")])?;
    let tree = parser
        .parse(src, None)
        .ok_or_else(|| vec!["the parser gave up".to_owned()])?;
    let mut problems = Vec::new();
    let mut script = Script {
        commands: Vec::new(),
        verbatim: Vec::new(),
        inert: Vec::new(),
    };
    walk(tree.root_node(), src, &mut script, &mut problems, false);
    if problems.is_empty() {
        Ok(script)
    } else {
        Err(problems)
    }
}

fn at(n: &Node) -> String {
    let p = n.start_position();
    format!("{}:{}", p.row + 1, p.column + 1)
}

fn walk(n: Node, src: &str, s: &mut Script, problems: &mut Vec<String>, in_if: bool) {
    if n.is_error() {
        problems.push(format!(
            "syntax error at {}: `{}`",
            at(&n),
            short(&src[n.byte_range()])
        ));
    }
    if n.is_missing() {
        problems.push(format!("missing `{}` at {}", n.kind(), at(&n)));
    }
    match n.kind() {
        "label" | "label_expression" => problems.push(format!(
            "labelled loop at {} (the grammar mis-parses them; do not emit)",
            at(&n)
        )),
        "try_statement" => {
            let mut c = n.walk();
            let closed = n.children(&mut c).any(|ch| {
                matches!(
                    ch.kind(),
                    "catch_clauses" | "catch_clause" | "finally_clause"
                )
            });
            if !closed {
                problems.push(format!("`try` without `catch` or `finally` at {}", at(&n)));
            }
        }
        "verbatim_string_characters" => s.verbatim.push(n.byte_range()),
        "string_literal"
        | "comment"
        | "expandable_string_literal"
        | "expandable_here_string_literal"
        | "verbatim_here_string_characters" => s.inert.push(n.byte_range()),
        "command" => s.commands.push(invocation(n, src, in_if)),
        _ => {}
    }
    let in_if = in_if || n.kind() == "if_statement";
    let mut c = n.walk();
    for ch in n.children(&mut c) {
        walk(ch, src, s, problems, in_if);
    }
}

fn short(s: &str) -> String {
    s.chars().take(60).collect()
}

fn invocation(n: Node, src: &str, conditional: bool) -> Invocation {
    let mut inv = Invocation {
        name: String::new(),
        params: Vec::new(),
        positional: 0,
        line: n.start_position().row + 1,
        conditional,
    };
    let mut c = n.walk();
    for ch in n.children(&mut c) {
        match ch.kind() {
            "command_name" => inv.name = src[ch.byte_range()].to_owned(),
            "command_elements" => {
                let mut cc = ch.walk();
                let mut pending: Option<String> = None;
                for el in ch.children(&mut cc) {
                    match el.kind() {
                        "command_argument_sep" => {}
                        "command_parameter" => {
                            if let Some(p) = pending.take() {
                                inv.params.push((p, ParamValue::Switch));
                            }
                            pending = Some(
                                src[el.byte_range()]
                                    .trim_start_matches('-')
                                    .trim_end_matches(':')
                                    .to_owned(),
                            );
                        }
                        _ => match pending.take() {
                            Some(p) => inv
                                .params
                                .push((p, ParamValue::Value(src[el.byte_range()].to_owned()))),
                            None => inv.positional += 1,
                        },
                    }
                }
                if let Some(p) = pending.take() {
                    inv.params.push((p, ParamValue::Switch));
                }
            }
            _ => {}
        }
    }
    inv
}

/// Only these commands may be invoked.
pub fn check_commands(s: &Script, allowed: &[&str]) -> Result<(), Vec<String>> {
    let bad: Vec<String> = s
        .commands
        .iter()
        .filter(|c| !allowed.iter().any(|a| a.eq_ignore_ascii_case(&c.name)))
        .map(|c| format!("line {}: unexpected command `{}`", c.line, c.name))
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(bad)
    }
}

/// A PowerShell single-quoted literal: every quote character PowerShell accepts is doubled.
pub fn ps_quote(s: &str) -> String {
    ps_quote_parts(s).0
}

/// Characters no output may carry raw (terminal controls, bidi controls, separators, invisible
/// marks): written by the script as `[char]0x....` outside the literals.
pub fn is_hazard(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{FEFF}'
        )
}

/// The expected PowerShell text for a value, and the byte ranges (within it) of its single-quoted
/// literals: one literal, or `('a' + [char]0x001B + 'b')` when the value holds hazards.
pub fn ps_quote_parts(s: &str) -> (String, Vec<Range<usize>>) {
    fn literal(t: &str) -> String {
        let mut out = String::from("'");
        for c in t.chars() {
            if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
                out.push(c);
            }
            out.push(c);
        }
        out.push('\'');
        out
    }
    if !s.chars().any(is_hazard) {
        let q = literal(s);
        let whole = 0..q.len();
        return (q, vec![whole]);
    }
    let mut out = String::from("(");
    let mut literals = Vec::new();
    let mut push = |out: &mut String, piece: String, is_literal: bool| {
        if out.len() > 1 {
            out.push_str(" + ");
        }
        if is_literal {
            literals.push(out.len()..out.len() + piece.len());
        }
        out.push_str(&piece);
    };
    let mut run = String::new();
    for c in s.chars() {
        if is_hazard(c) {
            if !run.is_empty() || out.len() == 1 {
                push(&mut out, literal(&run), true);
                run.clear();
            }
            push(&mut out, format!("[char]0x{:04X}", u32::from(c)), false);
        } else {
            run.push(c);
        }
    }
    if !run.is_empty() {
        push(&mut out, literal(&run), true);
    }
    out.push(')');
    (out, literals)
}

/// Every occurrence of each value's quoted form is a whole single-quoted literal, and the raw
/// value never appears outside string literals and comments. (Callers skip values so short or
/// common that they occur naturally in the script, such as `a`.)
pub fn check_literal_only(src: &str, s: &Script, values: &[&str]) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    for v in values.iter().filter(|v| !v.is_empty()) {
        let (q, pieces) = ps_quote_parts(v);
        let mut found = false;
        for (i, _) in src.match_indices(&q) {
            let whole = |r: &Range<usize>| s.verbatim.contains(&(i + r.start..i + r.end));
            let inside = |r: &Range<usize>| {
                s.verbatim
                    .iter()
                    .any(|lit| lit.start <= i + r.start && i + r.end <= lit.end)
            };
            if pieces.iter().all(whole) {
                found = true;
            } else if !pieces.iter().all(inside) {
                problems.push(format!(
                    "`{q}` at byte {i} is not made of whole string literals"
                ));
            }
        }
        if !found {
            problems.push(format!("the value `{v}` does not appear as a literal"));
        }
        if v.chars().any(is_hazard) {
            // Raw, the value would be inside a literal (its controls reaching a terminal) or
            // pasted in code; text that merely spans a literal's edge is neither.
            for (i, _) in src.match_indices(*v) {
                let r = i..i + v.len();
                let within = s.inert.iter().any(|l| l.start <= r.start && r.end <= l.end);
                let touches = s.inert.iter().any(|l| l.start < r.end && r.start < l.end);
                if within || !touches {
                    problems.push(format!(
                        "the value `{}` appears raw at byte {i}",
                        v.escape_debug()
                    ));
                }
            }
            continue;
        }
        // A pasted value sits in code, clear of every literal; a match that overlaps a literal
        // is text that merely spans a literal's edge (e.g. `'x'` then a newline, for `x'\n`).
        for (i, _) in src.match_indices(*v) {
            if !s
                .inert
                .iter()
                .any(|lit| lit.start < i + v.len() && i < lit.end)
            {
                problems.push(format!(
                    "the value `{v}` appears outside a string literal at byte {i}"
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &[&str] = &[
        "it's",
        "O\u{2019}Brien",
        "$(Remove-Item x)",
        "${env:PATH}",
        "`whoami`",
        "a\"b",
        "l1\nl2",
        "&<>|;#",
        "'; Stop-Computer; '",
        "esc\u{1b}[2J + 'x'",
        "\u{202e}rtl\u{9b}",
        "\u{65e5}\u{672c}",
    ];

    #[test]
    fn quoted_hostile_values_stay_literals() {
        for v in HOSTILE {
            let src = format!("$vm = New-AzVMConfig -VMName {} -VMSize 'x'\n", ps_quote(v));
            let s = parse_script(&src).unwrap_or_else(|e| panic!("{v}: {e:?}"));
            check_commands(&s, &["New-AzVMConfig"]).expect("one command");
            check_literal_only(&src, &s, &[v]).unwrap_or_else(|e| panic!("{v}: {e:?}"));
            assert_eq!(s.commands[0].params.len(), 2);
        }
    }

    #[test]
    fn pasted_values_are_caught() {
        let src = "$vm = New-AzVMConfig -VMName $(Remove-Item x) -VMSize 'x'\n";
        let s = parse_script(src).expect("parses");
        assert!(
            check_commands(&s, &["New-AzVMConfig"]).is_err(),
            "Remove-Item runs"
        );
        assert!(check_literal_only(src, &s, &["$(Remove-Item x)"]).is_err());
    }

    #[test]
    fn broken_scripts_fail() {
        for bad in [
            "if ($a) { 'x'",
            "$x = 'unterminated",
            "try { 'x' }\n",
            ":outer foreach ($a in $b) { break outer }\n",
        ] {
            assert!(parse_script(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn switches_and_values_are_told_apart() {
        let s = parse_script("Set-AzVMOSDisk -VM $vm -Windows -CreateOption 'Attach' -Force\n")
            .expect("parses");
        let p = &s.commands[0].params;
        assert_eq!(p[1], ("Windows".to_owned(), ParamValue::Switch));
        assert_eq!(
            p[2],
            (
                "CreateOption".to_owned(),
                ParamValue::Value("'Attach'".to_owned())
            )
        );
        assert_eq!(p[3], ("Force".to_owned(), ParamValue::Switch));
    }

    #[test]
    fn calls_inside_an_if_are_conditional() {
        let s = parse_script(
            "New-AzVM -Name 'a'\nif ($x) { New-AzVM -Name 'b' } else { $n = (New-AzVM -Name 'c').Id }\nfunction F { New-AzVM -Name 'd' }\n",
        )
        .expect("parses");
        let flags: Vec<bool> = s.commands.iter().map(|c| c.conditional).collect();
        assert_eq!(flags, [false, true, true, false]);
    }
}
