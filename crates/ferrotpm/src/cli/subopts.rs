//! swtpm's sub-option syntax (`src/swtpm/options.c` `options_parse`): the value of
//! `--tpmstate`, `--server`, `--ctrl`, `--log`, `--pid`, `--locality`, `--flags`.
//!
//! Comma-separated tokens `name=value` or a bare `name` (= `true`); an unknown name, or
//! `name=` with an empty value, is `Unknown option '<tok>'`; the first occurrence of a name
//! wins; a value starting with `{` runs to the matching `}` (commas inside do not split);
//! every typed value is checked at parse time, even one that is later unused.

/// How a sub-option's value is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    /// Any text.
    Str,
    /// `strtol` base 10 into an `int`.
    Int,
    /// `true`/`1` (any case) is true, anything else false.
    Bool,
    /// Octal, at most 0777 (`OPT_TYPE_MODE_T`).
    Mode,
    /// A number or a user/group name (`OPT_TYPE_UID_T` / `OPT_TYPE_GID_T`).
    Id,
}

/// A parsed sub-option string.
#[derive(Debug, Default)]
pub struct SubOpts {
    items: Vec<(&'static str, String)>,
}

/// Split on commas, keeping `{...}` values whole.
fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut depth = 0usize;
    let mut in_value_brace = false;
    let bytes: Vec<(usize, char)> = s.char_indices().collect();
    for (pos, &(i, c)) in bytes.iter().enumerate() {
        match c {
            '{' => {
                let prev = if pos == 0 {
                    None
                } else {
                    bytes.get(pos - 1).map(|p| p.1)
                };
                if depth > 0 || prev == Some('=') {
                    depth += 1;
                    in_value_brace = true;
                }
            }
            '}' if in_value_brace && depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    in_value_brace = false;
                }
            }
            ',' if depth == 0 => {
                out.push(s.get(start..i).unwrap_or(""));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(s.get(start..).unwrap_or(""));
    out
}

impl SubOpts {
    /// Parse `s` against the allowed `names`.
    ///
    /// # Errors
    /// swtpm's text: `Unknown option '<tok>'`, `invalid number '<v>'`,
    /// `invalid mode type '<v>'`.
    pub fn parse(s: &str, names: &[(&'static str, Ty)]) -> Result<SubOpts, String> {
        let mut items: Vec<(&'static str, String)> = Vec::new();
        for tok in tokens(s) {
            let found = names.iter().find_map(|&(name, ty)| {
                if tok == name {
                    Some((name, ty, "true"))
                } else {
                    tok.strip_prefix(name)
                        .and_then(|r| r.strip_prefix('='))
                        .filter(|v| !v.is_empty())
                        .map(|v| (name, ty, v))
                }
            });
            let Some((name, ty, v)) = found else {
                return Err(format!("Unknown option '{tok}'"));
            };
            match ty {
                Ty::Int => {
                    parse_int(v)?;
                }
                Ty::Mode => {
                    parse_mode(v)?;
                }
                Ty::Str | Ty::Bool | Ty::Id => {}
            }
            if !items.iter().any(|(n, _)| *n == name) {
                items.push((name, v.to_string()));
            }
        }
        Ok(SubOpts { items })
    }

    /// The text of `name`, if given.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.items
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A boolean (absent: `false`).
    pub fn bool(&self, name: &str) -> bool {
        self.str(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
    }

    /// An integer (checked at parse time).
    pub fn int(&self, name: &str) -> Option<i32> {
        self.str(name).and_then(|v| parse_int(v).ok())
    }

    /// A mode (checked at parse time).
    pub fn mode(&self, name: &str) -> Option<u32> {
        self.str(name).and_then(|v| parse_mode(v).ok())
    }
}

/// `strtol(v, &end, 10)` with `*end == 0`, within `int`.
pub fn parse_int(v: &str) -> Result<i32, String> {
    let t = v.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let t = t.strip_prefix('+').unwrap_or(t);
    t.parse::<i32>()
        .map_err(|_| format!("invalid number '{v}'"))
}

/// `strtoul(v, &end, 8)`, at most 0777.
pub fn parse_mode(v: &str) -> Result<u32, String> {
    match u32::from_str_radix(v, 8) {
        Ok(m) if m <= 0o777 => Ok(m),
        _ => Err(format!("invalid mode type '{v}'")),
    }
}
