//! The fake's parser and evaluator for the Dynamic-LINQ `filter=` subset the client uses:
//! `==` `!=` `<` `<=` `>` `>=`, `AND`/`&&`, `OR`/`||`, `!`, parentheses, `null`, `true`/`false`,
//! numbers, double-quoted strings, navigation (`status.coreStatus`), `.Contains("x")`, and the
//! date literal `DateTimeOffset(y, m, d, h, mi, s[, ms], TimeSpan([d,] h, m, s))`. Anything
//! else is a parse error (the server answers 400 with the message).

use crate::pureservice::time::parse_timestamp;
use chrono::{DateTime, FixedOffset, TimeZone, Utc};

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Date(DateTime<Utc>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Path(Vec<String>),
    Lit(Val),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp(Operand, Op, Operand),
    /// A bare boolean path, e.g. `isMarkedForDeletion`.
    Truthy(Operand),
    Contains(Operand, String),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Num(f64),
    Str(String),
    Op(Op),
    Not,
    And,
    Or,
    LParen,
    RParen,
    Comma,
    Dot,
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let c: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < c.len() {
        let ch = c[i];
        match ch {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                out.push(Tok::LParen);
                i += 1
            }
            ')' => {
                out.push(Tok::RParen);
                i += 1
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1
            }
            '.' => {
                out.push(Tok::Dot);
                i += 1
            }
            '"' => {
                let mut v = String::new();
                i += 1;
                loop {
                    match c.get(i) {
                        None => return Err("unterminated string literal".into()),
                        Some('\\') => {
                            v.push(*c.get(i + 1).ok_or("unterminated string literal")?);
                            i += 2;
                        }
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some(x) => {
                            v.push(*x);
                            i += 1
                        }
                    }
                }
                out.push(Tok::Str(v));
            }
            '=' if c.get(i + 1) == Some(&'=') => {
                out.push(Tok::Op(Op::Eq));
                i += 2
            }
            '!' if c.get(i + 1) == Some(&'=') => {
                out.push(Tok::Op(Op::Ne));
                i += 2
            }
            '!' => {
                out.push(Tok::Not);
                i += 1
            }
            '<' if c.get(i + 1) == Some(&'=') => {
                out.push(Tok::Op(Op::Le));
                i += 2
            }
            '<' => {
                out.push(Tok::Op(Op::Lt));
                i += 1
            }
            '>' if c.get(i + 1) == Some(&'=') => {
                out.push(Tok::Op(Op::Ge));
                i += 2
            }
            '>' => {
                out.push(Tok::Op(Op::Gt));
                i += 1
            }
            '&' if c.get(i + 1) == Some(&'&') => {
                out.push(Tok::And);
                i += 2
            }
            '|' if c.get(i + 1) == Some(&'|') => {
                out.push(Tok::Or);
                i += 2
            }
            d if d.is_ascii_digit()
                || (d == '-' && c.get(i + 1).is_some_and(|n| n.is_ascii_digit())) =>
            {
                let start = i;
                i += 1;
                while i < c.len()
                    && (c[i].is_ascii_digit()
                        || (c[i] == '.' && c.get(i + 1).is_some_and(|n| n.is_ascii_digit())))
                {
                    i += 1;
                }
                let text: String = c[start..i].iter().collect();
                out.push(Tok::Num(
                    text.parse().map_err(|_| format!("bad number {text:?}"))?,
                ));
            }
            a if a.is_alphabetic() || a == '_' => {
                let start = i;
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
                let w: String = c[start..i].iter().collect();
                out.push(match w.to_ascii_uppercase().as_str() {
                    "AND" => Tok::And,
                    "OR" => Tok::Or,
                    _ => Tok::Ident(w),
                });
            }
            other => return Err(format!("unexpected character {other:?} at position {i}")),
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

/// Parses a whole expression; trailing tokens are an error.
pub fn parse(s: &str) -> Result<Expr, String> {
    let mut p = Parser {
        toks: lex(s)?,
        pos: 0,
    };
    let e = p.or()?;
    if p.pos != p.toks.len() {
        return Err(format!(
            "unexpected {:?} after the expression",
            p.toks[p.pos]
        ));
    }
    Ok(e)
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn expect(&mut self, t: Tok) -> Result<(), String> {
        match self.next() {
            Some(x) if x == t => Ok(()),
            other => Err(format!("expected {t:?}, found {other:?}")),
        }
    }
    fn or(&mut self) -> Result<Expr, String> {
        let mut l = self.and()?;
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            l = Expr::Or(Box::new(l), Box::new(self.and()?));
        }
        Ok(l)
    }
    fn and(&mut self) -> Result<Expr, String> {
        let mut l = self.unary()?;
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            l = Expr::And(Box::new(l), Box::new(self.unary()?));
        }
        Ok(l)
    }
    fn unary(&mut self) -> Result<Expr, String> {
        match self.peek() {
            Some(Tok::Not) => {
                self.pos += 1;
                Ok(Expr::Not(Box::new(self.unary()?)))
            }
            Some(Tok::LParen) => {
                self.pos += 1;
                let e = self.or()?;
                self.expect(Tok::RParen)?;
                Ok(e)
            }
            _ => self.comparison(),
        }
    }
    fn comparison(&mut self) -> Result<Expr, String> {
        let left = self.operand()?;
        if let Operand::Path(p) = &left {
            if p.last().map(String::as_str) == Some("Contains") && self.peek() == Some(&Tok::LParen)
            {
                self.pos += 1;
                let arg = match self.next() {
                    Some(Tok::Str(s)) => s,
                    other => return Err(format!("Contains takes a string, found {other:?}")),
                };
                self.expect(Tok::RParen)?;
                let mut p = p.clone();
                p.pop();
                return Ok(Expr::Contains(Operand::Path(p), arg));
            }
        }
        match self.peek() {
            Some(Tok::Op(op)) => {
                let op = *op;
                self.pos += 1;
                let right = self.operand()?;
                Ok(Expr::Cmp(left, op, right))
            }
            _ => match left {
                Operand::Path(_) => Ok(Expr::Truthy(left)),
                Operand::Lit(Val::Bool(_)) => Ok(Expr::Truthy(left)),
                other => Err(format!("{other:?} is not a condition")),
            },
        }
    }
    fn operand(&mut self) -> Result<Operand, String> {
        match self.next() {
            Some(Tok::Num(n)) => Ok(Operand::Lit(Val::Num(n))),
            Some(Tok::Str(s)) => Ok(Operand::Lit(Val::Str(s))),
            Some(Tok::Ident(w)) => match w.as_str() {
                "null" => Ok(Operand::Lit(Val::Null)),
                "true" => Ok(Operand::Lit(Val::Bool(true))),
                "false" => Ok(Operand::Lit(Val::Bool(false))),
                "DateTimeOffset" => Ok(Operand::Lit(Val::Date(self.date_time_offset()?))),
                "TimeSpan" | "DateTime" => Err(format!("{w} is not supported here")),
                _ => {
                    let mut path = vec![w];
                    while self.peek() == Some(&Tok::Dot) {
                        self.pos += 1;
                        match self.next() {
                            Some(Tok::Ident(s)) => path.push(s),
                            other => {
                                return Err(format!("expected a name after '.', found {other:?}"))
                            }
                        }
                    }
                    Ok(Operand::Path(path))
                }
            },
            other => Err(format!("expected a value or a field, found {other:?}")),
        }
    }
    fn ints(&mut self) -> Result<(Vec<i64>, Option<i64>), String> {
        // Numbers separated by commas, optionally ending in a TimeSpan(...) (seconds of offset).
        self.expect(Tok::LParen)?;
        let mut nums = Vec::new();
        let mut span = None;
        loop {
            match self.next() {
                Some(Tok::Num(n)) if n.fract() == 0.0 => nums.push(n as i64),
                Some(Tok::Ident(w)) if w == "TimeSpan" => {
                    let (parts, _) = self.ints()?;
                    let secs = match parts.as_slice() {
                        [h, m, s] => h * 3600 + m * 60 + s,
                        [d, h, m, s] => d * 86400 + h * 3600 + m * 60 + s,
                        _ => return Err("TimeSpan takes (h, m, s) or (d, h, m, s)".into()),
                    };
                    span = Some(secs);
                }
                other => return Err(format!("expected an integer, found {other:?}")),
            }
            match self.next() {
                Some(Tok::Comma) => continue,
                Some(Tok::RParen) => return Ok((nums, span)),
                other => return Err(format!("expected ',' or ')', found {other:?}")),
            }
        }
    }
    fn date_time_offset(&mut self) -> Result<DateTime<Utc>, String> {
        let (n, span) = self.ints()?;
        let span = span.ok_or("DateTimeOffset needs a TimeSpan offset as its last argument")?;
        let (y, mo, d, h, mi, s, ms) = match n.as_slice() {
            [y, mo, d, h, mi, s] => (*y, *mo, *d, *h, *mi, *s, 0),
            [y, mo, d, h, mi, s, ms] => (*y, *mo, *d, *h, *mi, *s, *ms),
            _ => return Err("DateTimeOffset takes (y, m, d, h, mi, s[, ms], TimeSpan(..))".into()),
        };
        let off = FixedOffset::east_opt(span as i32).ok_or("offset out of range")?;
        let t = off
            .with_ymd_and_hms(y as i32, mo as u32, d as u32, h as u32, mi as u32, s as u32)
            .single()
            .ok_or("DateTimeOffset is not a valid date")?;
        Ok((t + chrono::Duration::milliseconds(ms)).with_timezone(&Utc))
    }
}

/// Every literal the expression compares with a path whose last segment `is_date` says is a
/// date field (`modified >= X` gives `X`), for tenants that refuse some date comparisons.
pub fn date_literals<'a>(e: &'a Expr, is_date: &dyn Fn(&str) -> bool, out: &mut Vec<&'a Val>) {
    match e {
        Expr::Or(a, b) | Expr::And(a, b) => {
            date_literals(a, is_date, out);
            date_literals(b, is_date, out);
        }
        Expr::Not(a) => date_literals(a, is_date, out),
        Expr::Cmp(a, _, b) => {
            for (x, y) in [(a, b), (b, a)] {
                if let (Operand::Path(p), Operand::Lit(v)) = (x, y) {
                    if p.last().is_some_and(|f| is_date(f)) {
                        out.push(v);
                    }
                }
            }
        }
        Expr::Truthy(_) | Expr::Contains(..) => {}
    }
}

/// Looks up a path on an entity; `Err` for a field the entity does not have.
pub trait Resolver {
    fn resolve(&self, path: &[String]) -> Result<Val, String>;
}

pub fn eval(e: &Expr, r: &dyn Resolver) -> Result<bool, String> {
    Ok(match e {
        Expr::Or(a, b) => eval(a, r)? || eval(b, r)?,
        Expr::And(a, b) => eval(a, r)? && eval(b, r)?,
        Expr::Not(a) => !eval(a, r)?,
        Expr::Truthy(o) => matches!(value(o, r)?, Val::Bool(true)),
        Expr::Contains(o, needle) => match value(o, r)? {
            Val::Str(s) => s.contains(needle.as_str()),
            _ => false,
        },
        Expr::Cmp(a, op, b) => compare(&value(a, r)?, *op, &value(b, r)?),
    })
}

fn value(o: &Operand, r: &dyn Resolver) -> Result<Val, String> {
    match o {
        Operand::Lit(v) => Ok(v.clone()),
        Operand::Path(p) => r.resolve(p),
    }
}

fn compare(a: &Val, op: Op, b: &Val) -> bool {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match (a, b) {
        (Val::Null, Val::Null) => Some(Ordering::Equal),
        (Val::Null, _) | (_, Val::Null) => None,
        (Val::Num(x), Val::Num(y)) => x.partial_cmp(y),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
        (Val::Date(x), Val::Date(y)) => Some(x.cmp(y)),
        (Val::Date(x), Val::Str(s)) => parse_timestamp(s).map(|y| x.cmp(&y)),
        (Val::Str(s), Val::Date(y)) => parse_timestamp(s).map(|x| x.cmp(y)),
        (Val::Str(x), Val::Str(y)) => match (parse_timestamp(x), parse_timestamp(y)) {
            (Some(tx), Some(ty)) if x.len() > 12 && y.len() > 12 => Some(tx.cmp(&ty)),
            _ => Some(x.cmp(y)),
        },
        _ => None,
    };
    match (op, ord) {
        (Op::Eq, o) => o == Some(Ordering::Equal),
        (Op::Ne, o) => o != Some(Ordering::Equal),
        (_, None) => false,
        (Op::Lt, Some(o)) => o == Ordering::Less,
        (Op::Le, Some(o)) => o != Ordering::Greater,
        (Op::Gt, Some(o)) => o == Ordering::Greater,
        (Op::Ge, Some(o)) => o != Ordering::Less,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct M(HashMap<String, Val>);
    impl Resolver for M {
        fn resolve(&self, p: &[String]) -> Result<Val, String> {
            self.0
                .get(&p.join("."))
                .cloned()
                .ok_or_else(|| format!("no field {}", p.join(".")))
        }
    }

    fn ticket() -> M {
        let mut m = HashMap::new();
        m.insert("status.coreStatus".into(), Val::Num(10.0));
        m.insert("isMarkedForDeletion".into(), Val::Bool(false));
        m.insert(
            "modified".into(),
            Val::Str("2026-05-06T10:00:00.000Z".into()),
        );
        m.insert("subject".into(), Val::Str("Pasientvarsling nede".into()));
        m.insert("assignedAgentId".into(), Val::Null);
        m.insert("id".into(), Val::Num(7.0));
        M(m)
    }

    #[test]
    fn evaluates_the_client_subset() {
        let t = ticket();
        let yes = [
            "status.coreStatus < 50 AND !isMarkedForDeletion",
            "modified >= DateTimeOffset(2026, 5, 6, 12, 0, 0, 0, TimeSpan(0, 2, 0, 0))",
            "modified >= DateTimeOffset(2026, 5, 6, 10, 0, 0, TimeSpan(0, 0, 0))",
            "modified >= \"2026-05-06T09:59:59.999Z\"",
            "(id == 3 OR id == 7) && assignedAgentId == null",
            "subject.Contains(\"varsling\") || false",
            "id != 8 AND id > 6 AND id <= 7",
        ];
        for e in yes {
            assert!(eval(&parse(e).unwrap(), &t).unwrap(), "{e}");
        }
        let no = [
            "modified >= DateTimeOffset(2026, 5, 6, 10, 0, 0, 1, TimeSpan(0, 0, 0, 0))",
            "status.coreStatus >= 50",
            "!(id == 7)",
        ];
        for e in no {
            assert!(!eval(&parse(e).unwrap(), &t).unwrap(), "{e}");
        }
        assert!(eval(&parse("nosuch == 1").unwrap(), &t).is_err());
    }

    #[test]
    fn rejects_what_it_cannot_parse() {
        for bad in [
            "",
            "id = 7",
            "id == ",
            "modified >= DateTime(2026, 5, 6)",
            "modified >= DateTimeOffset(2026, 5, 6)",
            "id == 7 AND",
            "subject.Contains(7)",
            "id == 'x'",
            "(id == 7",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
