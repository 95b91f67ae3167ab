//! Small text helpers shared by the client and the renderers.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Folds text for forgiving comparisons: lower case, accents removed, runs of whitespace
/// collapsed. `fold("  José  PÉREZ ") == "jose perez"`.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.nfd().filter(|c| !is_combining_mark(*c)) {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// True when every word of `needle` occurs in `haystack`, ignoring case and accents.
/// An empty needle matches nothing: a blank filter must not select everything.
pub fn contains_words(haystack: &str, needle: &str) -> bool {
    let hay = fold(haystack);
    let words: Vec<String> = fold(needle)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    !words.is_empty() && words.iter().all(|w| hay.contains(w.as_str()))
}

/// Cuts `s` to at most `max` characters, adding `…` when it was longer.
pub fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((idx, _)) => format!("{}…", &s[..idx]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_removes_case_accents_and_extra_spaces() {
        assert_eq!(fold("  José  PÉREZ "), "jose perez");
        assert_eq!(fold("Búsqueda orgánica"), "busqueda organica");
        assert_eq!(fold("Ñandú"), "nandu");
    }

    #[test]
    fn contains_words_needs_every_word_and_rejects_blank_needles() {
        assert!(contains_words("Juan Pérez Gómez", "juan gomez"));
        assert!(!contains_words("Juan Pérez", "juan ruiz"));
        assert!(!contains_words("Juan", "   "));
    }

    #[test]
    fn truncate_keeps_char_boundaries() {
        assert_eq!(truncate_chars("ñandú", 3), "ñan…");
        assert_eq!(truncate_chars("abc", 3), "abc");
    }
}
