//! Text people type on one line — names, titles, summaries: the one rule of which characters
//! such a field refuses, so that what is shown (on a certificate, a course page) is what was
//! typed, with nothing hidden, reordered or made invisible.

use icu_properties::props::{DefaultIgnorableCodePoint, GeneralCategory, VariationSelector};
use icu_properties::{CodePointMapData, CodePointSetData};
use unicode_normalization::UnicodeNormalization;

/// Why a text holding a [`hidden`] character was refused.
pub const HIDDEN: &str =
    "must not contain control, formatting or invisible characters (such as bidi overrides)";

/// Whether `c` is never visible text on its own: a control (category Cc), a format character
/// (Cf: bidi overrides and isolates, zero-width spaces and joiners, the soft hyphen, tags), a
/// line or paragraph separator (Zl, Zp), a surrogate or unassigned code point (Cs, Cn), or a
/// default-ignorable code point (which adds the invisible fillers and variation selectors).
pub fn is_invisible(c: char) -> bool {
    let category = CodePointMapData::<GeneralCategory>::new().get(c);
    matches!(
        category,
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
            | GeneralCategory::Surrogate
            | GeneralCategory::Unassigned
    ) || CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
}

/// The first character of `text` that is hidden: [`is_invisible`], unless it is one variation
/// selector right after a visible character (an emoji's `U+FE0F`, a kanji's ideographic variant
/// in a Japanese name) — never a run of them, which could carry data no one sees.
///
/// Every format character (Cf) is hidden, the zero-width joiners too: that refuses emoji
/// sequences joined by `U+200D` and the joiners some Indic and Persian spellings use, a price
/// paid so that no name or title can hold a character that changes how others read it.
pub fn hidden(text: &str) -> Option<char> {
    let selectors = CodePointSetData::new::<VariationSelector>();
    let mut previous: Option<char> = None;
    for c in text.chars() {
        // Of ASCII, only the controls are invisible (and none is a variation selector): most
        // text read back from the table is ASCII, and the tables cost ~400 instructions a
        // character.
        let allowed = if c.is_ascii() {
            !c.is_ascii_control()
        } else if selectors.contains(c) {
            previous.is_some_and(|p| !is_invisible(p))
        } else {
            !is_invisible(c)
        };
        if !allowed {
            return Some(c);
        }
        previous = Some(c);
    }
    None
}

/// A one-line text in its one form — trimmed and NFC-normalised — or why it is refused: it
/// holds a [`hidden`] character. Its length is the caller's to check, on the result.
///
/// # Errors
/// [`HIDDEN`].
pub fn one_line(raw: &str) -> Result<String, &'static str> {
    let trimmed = raw.trim();
    // ASCII is its own NFC form.
    let text: String = if trimmed.is_ascii() {
        trimmed.to_owned()
    } else {
        trimmed.nfc().collect()
    };
    match hidden(&text) {
        Some(_) => Err(HIDDEN),
        None => Ok(text),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn bidi_controls_and_invisible_characters_are_refused() {
        for raw in [
            "Ada \u{202e}ecalevoL",
            "Ada\u{200b}Lovelace",
            "\u{2066}Ada\u{2069}",
            "Ada\u{ad}Lovelace",
            "Ada\u{feff}",
            "Ada\u{2028}Lovelace",
            "Ada\nLovelace",
            "Ada\u{0}",
            "Ada\u{3164}",
            "Ada\u{34f}Lovelace",
            "Ada\u{e0041}",
            "Ada\u{fe0f}\u{fe0f}",
            "\u{fe0f}Ada",
            "Ada\u{200d}Lovelace",
        ] {
            assert_eq!(one_line(raw), Err(HIDDEN), "{raw:?} was accepted");
        }
    }

    #[test]
    fn ordinary_writing_in_any_script_is_kept() {
        for raw in [
            "Zo\u{eb} \u{c5}ngstr\u{f6}m",
            "\u{674e}\u{5c0f}\u{9f8d}",
            "\u{645}\u{62d}\u{645}\u{62f} \u{639}\u{628}\u{62f} \u{627}\u{644}\u{644}\u{647}",
            "\u{5d3}\u{5d5}\u{5d3} \u{5db}\u{5d4}\u{5df}",
            "\u{926}\u{947}\u{935}\u{928}\u{93e}\u{917}\u{930}\u{940}",
            // A heart shown as an emoji: one variation selector.
            "I \u{2764}\u{fe0f} SQL",
            "Caf\u{e9} \u{1f600}",
            "\u{5bcc}\u{58eb}\u{5c71}\u{3000}\u{592a}\u{90ce}",
        ] {
            assert_eq!(
                one_line(raw).as_deref(),
                Ok(raw),
                "{raw:?} was changed or refused"
            );
        }
    }

    #[test]
    fn text_is_trimmed_and_composed() {
        assert_eq!(one_line("  Rene\u{301}  ").as_deref(), Ok("Ren\u{e9}"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn a_kept_text_has_nothing_hidden_and_is_kept_again_as_it_is(raw in any::<String>()) {
            if let Ok(text) = one_line(&raw) {
                prop_assert!(!text.chars().any(|c| c.is_control()
                    || CodePointMapData::<GeneralCategory>::new().get(c) == GeneralCategory::Format));
                prop_assert_eq!(one_line(&text), Ok(text.clone()));
            }
        }

        #[test]
        fn text_mixing_letters_and_invisibles_is_refused_iff_it_holds_an_invisible(
            raw in "[a-z\u{e9}\u{674e}\u{200b}\u{202e}\u{2066}\u{ad} ]{0,12}"
        ) {
            let invisible = raw.chars().any(|c| "\u{200b}\u{202e}\u{2066}\u{ad}".contains(c));
            prop_assert_eq!(one_line(&raw).is_err(), invisible);
        }

        #[test]
        fn ascii_takes_a_shorter_way_to_the_same_answer(
            raw in prop_oneof![
                any::<String>(),
                "[\\x00-\\x7f]{0,24}",
                "[\\x00-\\x7f\u{e9}\u{301}\u{fe0f}\u{200b}]{0,16}",
            ]
        ) {
            // What looking every character up in the Unicode tables, and normalising every
            // text, answers.
            let by_tables = |text: &str| {
                let selectors = CodePointSetData::new::<VariationSelector>();
                let mut previous: Option<char> = None;
                text.chars().find(|&c| {
                    let allowed = if selectors.contains(c) {
                        previous.is_some_and(|p| !is_invisible(p))
                    } else {
                        !is_invisible(c)
                    };
                    previous = Some(c);
                    !allowed
                })
            };
            prop_assert_eq!(hidden(&raw), by_tables(&raw));
            let composed: String = raw.trim().nfc().collect();
            let expected = match by_tables(&composed) {
                Some(_) => Err(HIDDEN),
                None => Ok(composed.clone()),
            };
            prop_assert_eq!(one_line(&raw), expected);
        }
    }
}
