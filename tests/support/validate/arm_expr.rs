//! Every ARM expression in a template parses with regorus' ARM expression parser (Microsoft's
//! Azure Policy front end), and every `parameters('x')` / `variables('y')` it uses is declared.

use regorus::languages::azure_policy::ast::{Expr, ExprLiteral, Span};
use regorus::languages::azure_policy::expr::ExprParser;
use serde_json::Value;

/// A string ARM evaluates: `[...]`, but not the `[[...]` literal escape.
pub fn is_expression(s: &str) -> bool {
    s.starts_with('[') && s.ends_with(']') && !s.starts_with("[[")
}

pub fn check_expressions(t: &Value) -> Result<(), Vec<String>> {
    check_expressions_with_literals(t, &[])
}

/// `literals`: input values that may legitimately start with `[` without ending with `]` (ARM
/// reads those as plain strings); anything else that looks like an unterminated expression fails.
pub fn check_expressions_with_literals(t: &Value, literals: &[&str]) -> Result<(), Vec<String>> {
    let declared = |section: &str| -> Vec<String> {
        t[section]
            .as_object()
            .map(|m| m.keys().map(|k| k.to_ascii_lowercase()).collect())
            .unwrap_or_default()
    };
    let (params, vars) = (declared("parameters"), declared("variables"));
    let mut problems = Vec::new();
    let mut strings = Vec::new();
    collect(t, "$", &mut strings);
    for (path, s) in strings {
        if is_expression(&s) {
            match parse(&s) {
                Ok(expr) => {
                    let mut refs = Vec::new();
                    references(&expr, &mut refs);
                    for (kind, name) in refs {
                        let known = if kind == "parameters" { &params } else { &vars };
                        if !known.contains(&name.to_ascii_lowercase()) {
                            problems.push(format!("{path}: `{s}` uses {kind}('{name}'), which the template does not declare"));
                        }
                    }
                }
                Err(e) => problems.push(format!("{path}: `{s}` does not parse: {e}")),
            }
        } else if s.starts_with('[') && !s.starts_with("[[") && !literals.contains(&s.as_str()) {
            problems.push(format!("{path}: `{s}` starts with `[` but does not end with `]`: an unterminated expression"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

pub fn parse(s: &str) -> Result<Expr, String> {
    let inner = &s[1..s.len() - 1];
    let source = regorus::unstable::Source::from_contents("<template>".into(), s.to_owned())
        .map_err(|e| e.to_string())?;
    let span = Span {
        source,
        line: 1,
        col: 1,
        start: 0,
        end: s.len() as u32,
    };
    ExprParser::parse_from_brackets(inner, &span).map_err(|e| e.to_string())
}

/// `parameters('x')` and `variables('y')` calls anywhere in the expression.
fn references(e: &Expr, out: &mut Vec<(String, String)>) {
    match e {
        Expr::Call { func, args, .. } => {
            if let Expr::Ident { name, .. } = func.as_ref() {
                let n = name.to_ascii_lowercase();
                if n == "parameters" || n == "variables" {
                    match args.first() {
                        Some(Expr::Literal {
                            value: ExprLiteral::String(s),
                            ..
                        }) => out.push((n, s.clone())),
                        _ => out.push((n, "<not a string literal>".into())),
                    }
                }
            }
            references(func, out);
            args.iter().for_each(|a| references(a, out));
        }
        Expr::Dot { object, .. } => references(object, out),
        Expr::Index { object, index, .. } => {
            references(object, out);
            references(index, out);
        }
        Expr::Literal { .. } | Expr::Ident { .. } => {}
    }
}

fn collect(v: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) => out.push((path.to_owned(), s.clone())),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| collect(x, &format!("{path}[{i}]"), out)),
        Value::Object(m) => m
            .iter()
            .for_each(|(k, x)| collect(x, &format!("{path}.{k}"), out)),
        _ => {}
    }
}

/// ARM reads `[[...]` as the literal `[...]`.
pub fn arm_unescape(s: &str) -> String {
    match s.strip_prefix("[[") {
        Some(rest) if s.ends_with(']') => format!("[{rest}"),
        _ => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn good_expressions_pass_and_bad_ones_fail() {
        let t = json!({"parameters": {"a": {}}, "variables": {"v": "x"}, "resources": [
            "[format('{0}/x', parameters('A'))]", "[split(variables('v'), '/')[2]]",
            "[reference(parameters('a'), '2019-09-01').vaultUri]", "[[literal]", "it''s"]});
        check_expressions(&t).expect("valid");
        for bad in [
            "[concat('a', 'b'))]",
            "[concat('a' 'b')]",
            "[concat('x)]",
            "[parameters('nope')]",
            "[variables('nope')]",
            "[unterminated",
        ] {
            let t = json!({"parameters": {}, "x": bad});
            check_expressions(&t).expect_err(bad);
        }
        check_expressions_with_literals(
            &json!({"x": "[not-an-expression"}),
            &["[not-an-expression"],
        )
        .expect("declared literal");
    }
}
