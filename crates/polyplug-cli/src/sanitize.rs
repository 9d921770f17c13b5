//! Making text that a plugin supplies safe to print on a terminal, so what a person reads cannot be forged.

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with every character a terminal would act on, rather than show,
/// replaced by a visible escape: `\n`, `\r` and `\t` for those three, and
/// `\u{1b}` style for the rest.
///
/// A plugin supplies much of what `polyplug` prints (its manifest's name,
/// description, authors, requested paths and variables, its log lines and
/// results), and a terminal obeys the control characters in what it is given:
/// an escape sequence can clear the screen or recolour text, a carriage return
/// or backspaces can overwrite what was already printed on the line (say, a
/// capability in a consent prompt), and the Unicode bidirectional overrides
/// and isolates can make text display in an order other than the one it has.
/// So every control character (`char::is_control`: C0, DEL and the C1 controls
/// U+0080..U+009F), the bidirectional embeddings and overrides
/// U+202A..U+202E, the isolates U+2066..U+2069 and the marks U+200E and U+200F
/// are escaped. Everything else, non-ASCII letters included, is kept;
/// backslashes are not escaped, so the result is for reading, not for parsing
/// back.
///
/// Borrows `text` when there is nothing to escape.
pub(crate) fn for_terminal(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// Like [`for_terminal`], but keeps line breaks and tabs as they are: for
/// multi-line text polyplug composes around what a plugin supplied (an
/// error quoting a plugin's panic message or its refusal of its
/// configuration).
pub(crate) fn for_terminal_lines(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

fn escape(text: &str, keep_lines: bool) -> Cow<'_, str> {
    let escaped = |c: char| needs_escape(c) && !(keep_lines && matches!(c, '\n' | '\t'));
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            c if !escaped(c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => {
                let _ = write!(out, "{}", c.escape_unicode());
            }
        }
    }
    Cow::Owned(out)
}

/// Whether a terminal would act on `c` rather than show it.
fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        let text = "auth-jwt 1.2.0: JWT authentication (C:\\path)";
        assert!(matches!(for_terminal(text), Cow::Borrowed(t) if t == text));
    }

    #[test]
    fn line_breaks_survive_where_lines_are_kept() {
        assert_eq!(for_terminal_lines("error: a\n  b\tc"), "error: a\n  b\tc");
        assert_eq!(for_terminal_lines("kaboom\x1b[2J\r\u{202e}"), "kaboom\\u{1b}[2J\\r\\u{202e}");
    }

    #[test]
    fn terminal_controls_are_made_visible() {
        assert_eq!(for_terminal("\x1b[2Jevil"), "\\u{1b}[2Jevil");
        assert_eq!(for_terminal("a\rb"), "a\\rb");
        assert_eq!(for_terminal("a\nb\tc"), "a\\nb\\tc");
        assert_eq!(for_terminal("ok\x08\x08no\x07\x7f"), "ok\\u{8}\\u{8}no\\u{7}\\u{7f}");
        assert_eq!(for_terminal("\u{9b}2J\0"), "\\u{9b}2J\\u{0}");
    }

    #[test]
    fn bidirectional_overrides_and_marks_are_made_visible() {
        assert_eq!(for_terminal("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(for_terminal("\u{202a}\u{2066}x\u{2069}\u{200e}\u{200f}"), "\\u{202a}\\u{2066}x\\u{2069}\\u{200e}\\u{200f}");
    }

    #[test]
    fn non_ascii_letters_are_kept() {
        assert!(matches!(for_terminal("café 日本"), Cow::Borrowed("café 日本")));
        assert_eq!(for_terminal("日本\n"), "日本\\n");
    }
}
