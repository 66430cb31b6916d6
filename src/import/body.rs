//! Line-level rewriting of an imported Markdown body: code fences are left alone, other tools'
//! admonitions become GitHub alerts, links are handed to the format to resolve, and `[word]` that
//! policybook would read as a reference to a missing document is escaped.

use std::collections::BTreeSet;

use crate::load::is_valid_id;

/// Tracks fenced code blocks across lines.
#[derive(Default)]
pub struct Fences {
    open: Option<(char, usize)>,
}

impl Fences {
    /// Whether `line` is inside (or opens or closes) a fenced code block.
    pub fn in_code(&mut self, line: &str) -> bool {
        let trimmed = line.trim_start();
        let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
        let run = marker.map_or(0, |m| trimmed.chars().take_while(|c| *c == m).count());
        match (self.open, marker) {
            (Some((m, n)), Some(c)) if c == m && run >= n && trimmed[run..].trim().is_empty() => {
                self.open = None;
                true
            }
            (Some(_), _) => true,
            (None, Some(c)) if run >= 3 && line.len() - trimmed.len() < 4 => {
                self.open = Some((c, run));
                true
            }
            _ => false,
        }
    }
}

/// The GitHub alert kind (NOTE, TIP, IMPORTANT, WARNING, CAUTION) for an admonition type of
/// Docusaurus or MkDocs, and whether the meaning is the same (else it is reported).
pub fn alert_kind(name: &str) -> (&'static str, bool) {
    match name.to_lowercase().as_str() {
        "note" => ("NOTE", true),
        "tip" | "hint" => ("TIP", true),
        "important" => ("IMPORTANT", true),
        "warning" | "attention" => ("WARNING", true),
        "caution" => ("CAUTION", true),
        "danger" | "error" => ("CAUTION", false),
        "info" => ("NOTE", false),
        _ => ("NOTE", false),
    }
}

/// A GitHub alert: `> [!KIND]`, an optional bold title, then the body lines quoted.
pub fn alert(kind: &str, title: Option<&str>, body: &[String]) -> Vec<String> {
    let mut out = vec![format!("> [!{kind}]")];
    if let Some(title) = title.filter(|t| !t.trim().is_empty()) {
        out.push(format!("> **{}**", title.trim()));
        if !body.is_empty() {
            out.push(">".into());
        }
    }
    let start = body
        .iter()
        .position(|l| !l.trim().is_empty())
        .unwrap_or(body.len());
    let end = body
        .iter()
        .rposition(|l| !l.trim().is_empty())
        .map_or(start, |i| i + 1);
    for line in &body[start..end] {
        if line.trim().is_empty() {
            out.push(">".into());
        } else {
            out.push(format!("> {line}"));
        }
    }
    out
}

/// What a format does with a link's target.
pub enum LinkFix {
    Keep,
    /// Replace the target (and, for an image, keep it an image).
    Replace(String),
    /// An image that would be an error (an external image): becomes a plain link.
    Unimage,
    /// A link to nothing: the text stays, the link goes (an image goes entirely).
    Unlink,
}

/// A change to a body line, for the report: (0-based line index in the body, what).
pub type Note = (usize, String);

/// Rewrite the targets of inline links and images outside code: `resolve(target, is_image)`.
pub fn rewrite_links(body: &str, mut resolve: impl FnMut(&str, bool) -> LinkFix) -> String {
    let mut fences = Fences::default();
    let mut out = String::with_capacity(body.len());
    for line in body.split_inclusive('\n') {
        if fences.in_code(line) || !line.contains("](") {
            out.push_str(line);
            continue;
        }
        out.push_str(&rewrite_line(line, &mut resolve));
    }
    out
}

fn rewrite_line(line: &str, resolve: &mut impl FnMut(&str, bool) -> LinkFix) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("](") {
        let before = &rest[..at];
        let after = &rest[at + 2..];
        let Some(close) = after.find(')') else {
            break;
        };
        let inside = &after[..close];
        let target = inside.split_once(' ').map_or(inside, |(t, _)| t);
        let target = target.trim_start_matches('<').trim_end_matches('>');
        let is_image = opening_bracket(before).is_some_and(|i| before[..i].ends_with('!'));
        match resolve(target, is_image) {
            LinkFix::Keep => {
                out.push_str(&rest[..at + 2 + close + 1]);
            }
            LinkFix::Replace(new) => {
                out.push_str(before);
                out.push_str("](");
                out.push_str(&inside.replacen(target, &new, 1));
                out.push(')');
            }
            LinkFix::Unimage => {
                let bang = opening_bracket(before).unwrap_or(0).saturating_sub(1);
                out.push_str(&before[..bang]);
                out.push_str(&before[bang + 1..]);
                out.push_str(&rest[at..at + 2 + close + 1]);
            }
            LinkFix::Unlink => {
                let open = opening_bracket(before).unwrap_or(0);
                if is_image {
                    out.push_str(&before[..open.saturating_sub(1)]);
                } else {
                    out.push_str(&before[..open]);
                    out.push_str(&before[open + 1..]);
                }
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The byte index of the `[` that the `]` at the end of `text` closes.
fn opening_bracket(text: &str) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in text.char_indices().rev() {
        match c {
            ']' => depth += 1,
            '[' if depth == 0 => return Some(i),
            '[' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Escape `[word]` outside code that policybook would read as a reference to a document id that
/// does not exist (`[TBD]`, `[Company Name]` stays: only id-shaped words are references).
/// Returns the body and the escaped words with their 0-based body line.
pub fn escape_unknown_references(body: &str, ids: &BTreeSet<String>) -> (String, Vec<Note>) {
    let mut fences = Fences::default();
    let mut out = String::with_capacity(body.len());
    let mut notes = Vec::new();
    for (n, line) in body.split_inclusive('\n').enumerate() {
        if fences.in_code(line) || !line.contains('[') || line.trim_start().starts_with(":::") {
            out.push_str(line);
            continue;
        }
        let mut rest = line;
        let mut in_span = false;
        while let Some(i) = rest.find(['[', '`']) {
            let (head, tail) = rest.split_at(i);
            out.push_str(head);
            if let Some(after) = tail.strip_prefix('`') {
                in_span = !in_span;
                out.push('`');
                rest = after;
                continue;
            }
            let word_end = tail.find(']');
            let word = word_end.map(|e| &tail[1..e]);
            let next = word_end.and_then(|e| tail[e + 1..].chars().next());
            let escaped_before = head.ends_with('\\') || head.ends_with('!');
            let task = word.is_some_and(|w| w == "x" || w == " ")
                && head
                    .trim_start()
                    .trim_start_matches(['-', '*', '+'])
                    .trim()
                    .is_empty();
            match word {
                Some(w)
                    if !in_span
                        && !escaped_before
                        && !task
                        && reads_as_unknown_reference(w, ids)
                        && !matches!(next, Some('(' | '[' | ':')) =>
                {
                    out.push_str("\\[");
                    notes.push((
                        n,
                        format!(
                            "`[{w}]` names no document: escaped as `\\[{w}]` so it shows as written"
                        ),
                    ));
                    rest = &tail[1..];
                }
                _ => {
                    out.push('[');
                    rest = &tail[1..];
                }
            }
        }
        out.push_str(rest);
    }
    (out, notes)
}

/// Whether policybook reads `[label]` as a reference to a document that does not exist (the rule
/// of [`crate::resolve`]: an id-shaped label with a hyphen or an anchor, or the start of an id).
fn reads_as_unknown_reference(label: &str, ids: &BTreeSet<String>) -> bool {
    let (id, anchor) = label
        .split_once('#')
        .map_or((label, None), |(i, a)| (i, Some(a)));
    is_valid_id(id)
        && !ids.contains(id)
        && (id.contains('-')
            || anchor.is_some()
            || (id.len() >= 3
                && ids
                    .range(id.to_string()..)
                    .next()
                    .is_some_and(|k| k.starts_with(id))))
}

/// `path` relative to the folder of `from` (both relative to the same root, `/`-separated).
pub fn relative(from: &str, path: &str) -> String {
    let from_dir: Vec<&str> = from.split('/').collect::<Vec<_>>();
    let from_dir = &from_dir[..from_dir.len().saturating_sub(1)];
    let to: Vec<&str> = path.split('/').collect();
    let common = from_dir.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; from_dir.len() - common];
    parts.extend(&to[common..]);
    parts.join("/")
}

/// `dir/target` with `.` and `..` resolved; `None` when it leaves the root.
pub fn join(dir: &str, target: &str) -> Option<String> {
    crate::resolve::join_inside(dir, target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_rewritten_outside_code() {
        let body = "See [a](/docs/a) and ![i](http://x/i.png).\n```\n[b](/docs/b)\n```\n";
        let out = rewrite_links(body, |t, image| match (t, image) {
            ("/docs/a", false) => LinkFix::Replace("a.md".into()),
            (_, true) => LinkFix::Unimage,
            _ => LinkFix::Keep,
        });
        assert_eq!(
            out,
            "See [a](a.md) and [i](http://x/i.png).\n```\n[b](/docs/b)\n```\n"
        );
    }

    #[test]
    fn unknown_references_are_escaped() {
        let ids = BTreeSet::from(["known".to_string()]);
        let (out, notes) = escape_unknown_references(
            "- [x] done\n[known] and [to-do] and [tbd] and [link](x) and `[code]`\n",
            &ids,
        );
        assert_eq!(
            out,
            "- [x] done\n[known] and \\[to-do] and [tbd] and [link](x) and `[code]`\n"
        );
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].0, 1);
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative("content/policies/a.md", "content/policies/b.md"),
            "b.md"
        );
        assert_eq!(
            relative("content/policies/a.md", "content/files/x.pdf"),
            "../files/x.pdf"
        );
        assert_eq!(join("docs/a", "../b/c.md").as_deref(), Some("docs/b/c.md"));
        assert_eq!(join("docs", "../../x"), None);
    }

    #[test]
    fn alerts() {
        assert_eq!(
            alert("WARNING", Some("Careful"), &["Text.".into()]),
            ["> [!WARNING]", "> **Careful**", ">", "> Text."]
        );
    }
}
