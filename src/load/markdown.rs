//! The Markdown dialect of a handbook, read with pulldown-cmark by every stage that reads bodies:
//! its options, a heading's plain text, and the title a body gives a document without `title`.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// CommonMark with GitHub's tables, footnotes, strikethrough, task lists and alerts, and
/// `{#id}` heading attributes.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
}

/// The text a reader sees in these inline events: markup dropped, code kept, breaks as spaces.
pub fn plain_text<'a, 'e: 'a>(events: impl IntoIterator<Item = &'a Event<'e>>) -> String {
    let mut text = String::new();
    for e in events {
        match e {
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    text
}

/// The plain text of the body's first level-1 heading (ATX `# Title` or setext `Title` / `===`),
/// trimmed; `None` if there is none or it is empty. Reading stops at that heading.
pub fn first_h1(body: &str) -> Option<String> {
    let mut events = Parser::new_ext(body, options());
    events.find(|e| {
        matches!(
            e,
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            })
        )
    })?;
    let inner: Vec<Event> = events
        .take_while(|e| !matches!(e, Event::End(TagEnd::Heading(HeadingLevel::H1))))
        .collect();
    let title = plain_text(&inner).trim().to_string();
    (!title.is_empty()).then_some(title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_h1_is_plain_text_of_atx_or_setext_headings() {
        assert_eq!(
            first_h1("```\n# not\n```\n## two\n# Real title {#x}\n").as_deref(),
            Some("Real title")
        );
        assert_eq!(
            first_h1("# The `owner` field *matters*\n").as_deref(),
            Some("The owner field matters")
        );
        assert_eq!(
            first_h1("Intro text.\n\nBackup policy\n=============\n\nBody.\n").as_deref(),
            Some("Backup policy")
        );
        assert_eq!(first_h1("Closing hashes ##\n").as_deref(), None);
        assert_eq!(
            first_h1("# Closing hashes ##\n").as_deref(),
            Some("Closing hashes")
        );
        assert_eq!(first_h1("    # indented code\n"), None);
        assert_eq!(first_h1("no heading"), None);
        assert_eq!(first_h1("#\n"), None);
    }
}
