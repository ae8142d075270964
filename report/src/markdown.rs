//! Text made safe for Markdown without HTML entities, so that the file
//! reads as well in a terminal as rendered: generic types become code
//! spans (`Slot<64>`), and table cells escape their pipes.

/// `text` with every generic type (`Slot<64>`, `StackFuture<256>::from`,
/// `Slot<N, Align64>`) outside a code span put in one, so that no `<` can
/// be read as the start of an HTML tag. Other characters are unchanged.
pub fn code_generics(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            // An existing code span, copied up to its closing backtick.
            let end = chars[i + 1..]
                .iter()
                .position(|&c| c == '`')
                .map_or(chars.len(), |p| i + 1 + p + 1);
            out.extend(&chars[i..end]);
            i = end;
        } else if is_path_char(c) {
            let end = path_end(&chars, i);
            let word: String = chars[i..end].iter().collect();
            if word.contains('<') {
                out.push('`');
                out.push_str(&word);
                out.push('`');
            } else {
                out.push_str(&word);
            }
            i = end;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// `text` for a table cell: generics in code spans, pipes escaped.
pub fn cell(text: &str) -> String {
    code_generics(text).replace('|', "\\|")
}

fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

/// The end of the path starting at `start`: path characters, and after a
/// path character a balanced `<...>` (which may hold spaces and commas).
fn path_end(chars: &[char], start: usize) -> usize {
    let mut i = start;
    while i < chars.len() {
        if is_path_char(chars[i]) {
            i += 1;
        } else if chars[i] == '<' && i > start {
            match closing_angle(chars, i) {
                Some(close) => i = close + 1,
                None => break,
            }
        } else {
            break;
        }
    }
    i
}

/// The index of the `>` that closes the `<` at `open`, if any.
fn closing_angle(chars: &[char], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, &c) in chars.iter().enumerate().skip(open) {
        match c {
            '<' => depth += 1,
            '>' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            '`' | '|' => return None,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_types_become_code_spans() {
        assert_eq!(code_generics("x SF<4096>"), "x `SF<4096>`");
        assert_eq!(
            code_generics("strategy StackOnly<8192, Align64>, Slot<256>"),
            "strategy `StackOnly<8192, Align64>`, `Slot<256>`"
        );
        assert_eq!(
            code_generics("StackFuture<256>::from_or_box"),
            "`StackFuture<256>::from_or_box`"
        );
        assert_eq!(
            code_generics("SmallBox<dyn Future, S32>"),
            "`SmallBox<dyn Future, S32>`"
        );
    }

    #[test]
    fn comparisons_and_plain_text_stay_as_they_are() {
        let advice = ">= 90% hits: no class (largest future 6016 B); 5% (> 4 KiB)";
        assert_eq!(code_generics(advice), advice);
        assert_eq!(code_generics("a < b and c > d"), "a < b and c > d");
        assert_eq!(code_generics("unclosed Slot<64"), "unclosed Slot<64");
    }

    #[test]
    fn existing_code_spans_are_left_alone() {
        assert_eq!(
            code_generics("an iterator's `next()` or `Slot<64>`: Slot<128>"),
            "an iterator's `next()` or `Slot<64>`: `Slot<128>`"
        );
    }

    #[test]
    fn no_html_entities_and_pipes_escaped_in_cells() {
        let escaped = cell("x Slot<N, Align64> | y");
        assert_eq!(escaped, "x `Slot<N, Align64>` \\| y");
        assert!(!escaped.contains("&lt;") && !escaped.contains("&gt;"));
    }
}
