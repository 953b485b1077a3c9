//! GNU `getopt_long` as swtpm uses it (swtpm(8); glibc getopt): long options abbreviated to any
//! unambiguous prefix, `--opt value` and `--opt=value`, clustered short options (`-td`,
//! `-p2321`), non-options permuted to the end, `--` ends the options. Error texts are glibc's,
//! with swtpm's `argv[0]` for a front end (the interface name, e.g. `socket`).

/// Whether an option takes an argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HasArg {
    /// `no_argument`.
    No,
    /// `required_argument`.
    Required,
}

/// One entry of a `struct option` table.
#[derive(Clone, Copy, Debug)]
pub struct LongOpt<T: Copy> {
    /// The name without `--`.
    pub name: &'static str,
    /// Argument rule.
    pub has_arg: HasArg,
    /// What the caller gets back.
    pub id: T,
}

/// One short option of the `optstring`.
#[derive(Clone, Copy, Debug)]
pub struct ShortOpt<T: Copy> {
    /// The letter.
    pub letter: char,
    /// Argument rule.
    pub has_arg: HasArg,
    /// What the caller gets back.
    pub id: T,
}

/// The parse result: options in command-line order, and the operands left over.
#[derive(Debug)]
pub struct Parsed<T> {
    /// `(id, argument)` in order.
    pub opts: Vec<(T, Option<String>)>,
    /// Non-option arguments (after permutation).
    pub operands: Vec<String>,
}

/// Parse `args` (without the program/interface name). `prog` prefixes getopt's messages.
///
/// # Errors
/// glibc's message, e.g. `socket: unrecognized option '--foo'`.
pub fn getopt_long<T: Copy>(
    prog: &str,
    args: &[String],
    shorts: &[ShortOpt<T>],
    longs: &[LongOpt<T>],
) -> Result<Parsed<T>, String> {
    let mut opts = Vec::new();
    let mut operands = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--" {
            operands.extend(it.by_ref().cloned());
            break;
        }
        if let Some(body) = arg.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let opt = find_long(prog, name, longs)?;
            match (opt.has_arg, inline) {
                (HasArg::No, Some(_)) => {
                    return Err(format!(
                        "{prog}: option '--{}' doesn't allow an argument",
                        opt.name
                    ));
                }
                (HasArg::No, None) => opts.push((opt.id, None)),
                (HasArg::Required, Some(v)) => opts.push((opt.id, Some(v))),
                (HasArg::Required, None) => match it.next() {
                    Some(v) => opts.push((opt.id, Some(v.clone()))),
                    None => {
                        return Err(format!(
                            "{prog}: option '--{}' requires an argument",
                            opt.name
                        ));
                    }
                },
            }
        } else if let Some(cluster) = arg.strip_prefix('-').filter(|c| !c.is_empty()) {
            for (i, c) in cluster.char_indices() {
                let Some(opt) = shorts.iter().find(|s| s.letter == c) else {
                    return Err(format!("{prog}: invalid option -- '{c}'"));
                };
                match opt.has_arg {
                    HasArg::No => opts.push((opt.id, None)),
                    HasArg::Required => {
                        let rest = cluster.get(i + c.len_utf8()..).unwrap_or("");
                        if !rest.is_empty() {
                            opts.push((opt.id, Some(rest.to_string())));
                        } else {
                            match it.next() {
                                Some(v) => opts.push((opt.id, Some(v.clone()))),
                                None => {
                                    return Err(format!(
                                        "{prog}: option requires an argument -- '{c}'"
                                    ));
                                }
                            }
                        }
                        break;
                    }
                }
            }
        } else {
            // GNU permutation: operands wait at the end (a lone "-" is an operand).
            operands.push(arg.clone());
        }
    }
    Ok(Parsed { opts, operands })
}

/// Exact name first, else the unique prefix match (glibc: several matches are ambiguous
/// unless they are the same option).
fn find_long<'a, T: Copy>(
    prog: &str,
    name: &str,
    longs: &'a [LongOpt<T>],
) -> Result<&'a LongOpt<T>, String> {
    if let Some(o) = longs.iter().find(|o| o.name == name) {
        return Ok(o);
    }
    let matches: Vec<&LongOpt<T>> = if name.is_empty() {
        Vec::new()
    } else {
        longs.iter().filter(|o| o.name.starts_with(name)).collect()
    };
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(format!("{prog}: unrecognized option '--{name}'")),
        many => {
            let list: String = many.iter().map(|o| format!(" '--{}'", o.name)).collect();
            Err(format!(
                "{prog}: option '--{name}' is ambiguous; possibilities:{list}"
            ))
        }
    }
}
