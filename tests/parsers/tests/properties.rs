//! Each parser of untrusted input under proptest: arbitrary text, and text shaped like what the
//! parser expects with one thing wrong, so the cases reach past the first check. Bounded, so
//! the test command stays quick; `fuzz/` runs the same properties unbounded.

use proptest::prelude::*;

/// Arbitrary text of any characters, and near-misses of `shape` (a regex of valid input).
fn text_like(shape: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        shape.prop_map(String::from),
        (shape, any::<char>(), any::<prop::sample::Index>()).prop_map(|(valid, c, at)| {
            let mut chars: Vec<char> = valid.chars().collect();
            chars.insert(at.index(chars.len() + 1), c);
            chars.into_iter().collect()
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn slugs(input in text_like("[a-z0-9]{1,12}(-[a-z0-9]{1,12}){0,7}")) {
        parsers::slug(&input);
    }

    #[test]
    fn tags(input in text_like("[a-z0-9]{1,10}(-[a-z0-9]{1,10}){0,3}")) {
        parsers::tag(&input);
    }

    #[test]
    fn ids(input in text_like("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")) {
        parsers::id(&input);
    }

    #[test]
    fn if_none_match(input in text_like(r#"(W/)?"[ -~&&[^"]]{0,20}"( ?, ?(W/)?"[a-z0-9]{0,20}"| ?, ?\*){0,3}"#)) {
        parsers::if_none_match(&input);
    }

    #[test]
    fn if_match(input in text_like(r#""v[0-9]{1,20}-[A-Za-z0-9_-]{14,18}"( ?, ?"v[0-9]{1,3}-[A-Za-z0-9_-]{16}"){0,2}"#)) {
        parsers::if_match(&input);
    }

    #[test]
    fn emails(input in text_like("[a-zA-Z0-9.+\u{ff21}-\u{ff3a}\u{430}\u{e9}]{1,12}@[a-z\u{ff41}-\u{ff5a}\u{fc}]{1,12}\\.(org|local|\u{ff4f}rg)")) {
        parsers::email(&input);
    }

    #[test]
    fn display_names(input in text_like("[A-Za-z\u{e0}-\u{ff}\u{4e00}-\u{4e20}\u{627}-\u{64a}]{1,10}( [A-Za-z\u{e0}-\u{ff}]{1,10}){0,3}")) {
        parsers::display_name(&input);
    }

    #[test]
    fn cursors(input in text_like("[A-Za-z0-9_-]{0,40}(\\.[A-Za-z0-9_-]{0,43})?")) {
        parsers::cursor(&input);
    }

    #[test]
    fn markdown_links(input in text_like(r"(\[[a-z ]{0,8}\]\((/|https://skillpath\.test/|//|https://evil\.test/)?(courses|articles|paths|tags)?/?[a-z0-9-]{0,12}[?#]?[a-z]{0,3}\) ?){1,4}")) {
        parsers::markdown_links(&input);
    }
}

proptest! {
    // Each case verifies two RS256 signatures: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn bearer_tokens(input in text_like("[A-Za-z0-9_-]{0,40}(\\.[A-Za-z0-9_-]{0,40}){0,3}")) {
        parsers::bearer_token(&input);
    }
}
