//! Text, markdown, URLs and durations: the free-form values people write into the school
//! (the catalog's documents, a learner's hand-in, a reviewer's comments), each a type that can
//! only hold a valid value.
//!
//! They deserialise through their parsers, so a request body that names an invalid value is
//! refused by the JSON extractor with a 422 naming the field, and a handler never sees one.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a value was refused, in a sentence a client can show next to the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(String);

impl Invalid {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// One line of text of `MIN` to `MAX` characters, trimmed and NFC, with nothing hidden (no
/// control, format or invisible character: [`crate::text`]): titles, summaries, meta
/// descriptions, notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Line<const MIN: usize, const MAX: usize>(String);

impl<const MIN: usize, const MAX: usize> Line<MIN, MAX> {
    /// # Errors
    /// When the trimmed text is too short or too long, or holds a hidden character.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let text = crate::text::one_line(raw).map_err(Invalid::new)?;
        let length = text.chars().count();
        if !(MIN..=MAX).contains(&length) {
            return Err(Invalid::new(if MIN == 0 {
                format!("must be at most {MAX} characters")
            } else {
                format!("must be {MIN} to {MAX} characters")
            }));
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<const MIN: usize, const MAX: usize> Default for Line<MIN, MAX> {
    /// The empty line; only meaningful where `MIN` is 0.
    fn default() -> Self {
        Self(String::new())
    }
}

impl<const MIN: usize, const MAX: usize> TryFrom<String> for Line<MIN, MAX> {
    type Error = Invalid;
    fn try_from(raw: String) -> Result<Self, Invalid> {
        Self::parse(&raw)
    }
}

impl<const MIN: usize, const MAX: usize> From<Line<MIN, MAX>> for String {
    fn from(line: Line<MIN, MAX>) -> Self {
        line.0
    }
}

impl<const MIN: usize, const MAX: usize> fmt::Display for Line<MIN, MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The title of a course, module, lesson, article or career path.
pub type Title = Line<1, 200>;
/// A course's one-paragraph summary (empty while a draft is being written).
pub type Summary = Line<0, 300>;
/// An article's teaser (empty while a draft is being written).
pub type Excerpt = Line<0, 500>;
/// The `<title>` a search engine shows, when it differs from the title.
pub type MetaTitle = Line<1, 70>;
/// The snippet a search engine shows: at most 160 characters.
pub type MetaDescription = Line<1, 160>;
/// A note on a career path's step.
pub type Note = Line<0, 500>;
/// A job a career path leads to: `Cloud backend engineer`.
pub type RoleTitle = Line<1, 80>;

/// Markdown, stored exactly as written (never trimmed, never executed), at most `MAX_BYTES`
/// bytes of UTF-8 so that an item stays far below DynamoDB's 400 KB.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Markdown<const MAX_BYTES: usize>(String);

impl<const MAX_BYTES: usize> Markdown<MAX_BYTES> {
    /// # Errors
    /// When the text is longer than `MAX_BYTES` or holds a NUL.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        if raw.len() > MAX_BYTES {
            return Err(Invalid::new(format!("must be at most {MAX_BYTES} bytes")));
        }
        if raw.contains('\0') {
            return Err(Invalid::new("must not contain NUL characters"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether there is nothing but whitespace.
    pub fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl<const MAX_BYTES: usize> TryFrom<String> for Markdown<MAX_BYTES> {
    type Error = Invalid;
    fn try_from(raw: String) -> Result<Self, Invalid> {
        Self::parse(&raw)
    }
}

impl<const MAX_BYTES: usize> From<Markdown<MAX_BYTES>> for String {
    fn from(text: Markdown<MAX_BYTES>) -> Self {
        text.0
    }
}

/// A course's description.
pub type Description = Markdown<20_000>;
/// The body of a lesson or an article.
pub type Body = Markdown<150_000>;

/// An absolute `http` or `https` URL of at most 2,048 characters: images, videos, canonical
/// URLs, a lesson's further reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebUrl(String);

impl WebUrl {
    /// # Errors
    /// When `raw` is not an absolute http(s) URL with a host.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        web_url(raw).map(|url| Self(url.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `raw` parsed as an absolute http(s) URL with a host, of at most 2,048 characters.
fn web_url(raw: &str) -> Result<url::Url, Invalid> {
    let invalid = || Invalid::new("must be an absolute http or https URL");
    if raw.len() > 2048 {
        return Err(Invalid::new("must be at most 2048 characters"));
    }
    let url = url::Url::parse(raw).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(invalid());
    }
    Ok(url)
}

impl TryFrom<String> for WebUrl {
    type Error = Invalid;
    fn try_from(raw: String) -> Result<Self, Invalid> {
        Self::parse(&raw)
    }
}

impl From<WebUrl> for String {
    fn from(url: WebUrl) -> Self {
        url.0
    }
}

/// An `https` URL of at most 2,048 characters that carries no credentials: what a learner is
/// sent to or hands in (a starter repository, a repository, a deployed service).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HttpsUrl(String);

impl HttpsUrl {
    /// # Errors
    /// When `raw` is not an absolute https URL with a host, or names a user or password.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let url = web_url(raw)?;
        if url.scheme() != "https" {
            return Err(Invalid::new("must be an https URL"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Invalid::new("must not carry a user name or password"));
        }
        Ok(Self(url.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for HttpsUrl {
    type Error = Invalid;
    fn try_from(raw: String) -> Result<Self, Invalid> {
        Self::parse(&raw)
    }
}

impl From<HttpsUrl> for String {
    fn from(url: HttpsUrl) -> Self {
        url.0
    }
}

/// A project's estimated effort: 1 to 200 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct EffortHours(u16);

impl EffortHours {
    pub const MAX: u16 = 200;

    pub fn get(self) -> u16 {
        self.0
    }
}

impl TryFrom<u16> for EffortHours {
    type Error = Invalid;
    fn try_from(hours: u16) -> Result<Self, Invalid> {
        if (1..=Self::MAX).contains(&hours) {
            Ok(Self(hours))
        } else {
            Err(Invalid::new(format!("must be 1 to {} hours", Self::MAX)))
        }
    }
}

impl From<EffortHours> for u16 {
    fn from(hours: EffortHours) -> Self {
        hours.0
    }
}

/// How long a lesson takes: 1 to 600 minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Minutes(u32);

impl Minutes {
    pub const MAX: u32 = 600;

    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for Minutes {
    type Error = Invalid;
    fn try_from(minutes: u32) -> Result<Self, Invalid> {
        if (1..=Self::MAX).contains(&minutes) {
            Ok(Self(minutes))
        } else {
            Err(Invalid::new(format!("must be 1 to {} minutes", Self::MAX)))
        }
    }
}

impl From<Minutes> for u32 {
    fn from(minutes: Minutes) -> Self {
        minutes.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_trimmed_and_counted_in_characters() {
        let title = Title::parse("  Caching with Redis  ").unwrap();
        assert_eq!(title.as_str(), "Caching with Redis");
        assert!(Title::parse("   ").is_err());
        assert!(MetaDescription::parse(&"é".repeat(160)).is_ok());
        assert!(MetaDescription::parse(&"é".repeat(161)).is_err());
        assert!(Title::parse("two\nlines").is_err());
    }

    #[test]
    fn a_line_hides_nothing() {
        for raw in [
            "SQL \u{202e}lortnoc",
            "SQL\u{200b}basics",
            "\u{2067}SQL\u{2069}",
        ] {
            assert!(Title::parse(raw).is_err(), "{raw:?} was accepted");
        }
        let title = "Grundlagen: \u{c4}pfel, \u{65e5}\u{672c}\u{8a9e}";
        assert_eq!(Title::parse(title).unwrap().as_str(), title);
    }

    #[test]
    fn markdown_is_kept_exactly_as_written() {
        let raw = "  # Title\n\n<script>alert(1)</script>\n";
        assert_eq!(Body::parse(raw).unwrap().as_str(), raw);
        assert!(Description::parse(&"x".repeat(20_001)).is_err());
    }

    #[test]
    fn what_a_learner_is_sent_to_is_https_without_credentials() {
        assert!(HttpsUrl::parse("https://github.com/skillpath/rest-api-starter").is_ok());
        for bad in [
            "http://github.com/skillpath/rest-api-starter",
            "https://learner:hunter2@github.com/learner/api",
            "https://token@github.com/learner/api",
            "javascript:alert(1)",
            "file:///etc/passwd",
            &format!("https://example.org/{}", "a".repeat(2048)),
        ] {
            assert!(HttpsUrl::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn only_absolute_web_urls_are_urls() {
        assert!(WebUrl::parse("https://cdn.skillpath.dev/a.png").is_ok());
        for bad in [
            "javascript:alert(1)",
            "/relative",
            "ftp://x.org/f",
            "https://",
        ] {
            assert!(WebUrl::parse(bad).is_err(), "{bad} was accepted");
        }
    }
}
