//! The values the catalogue is made of — slugs, tags, titles, markdown, URLs, durations — each a
//! type that can only hold a valid value.
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
    fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// Whether `text` is lowercase words of letters and digits joined by single hyphens.
fn is_kebab_case(text: &str) -> bool {
    !text.is_empty()
        && text.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// The URL name of a course, lesson, article or career path: `backend-api-roadmap`.
///
/// Lowercase letters and digits in hyphen-separated words, at most 80 characters, and never
/// shaped like an id (a path segment that parses as an id is looked up as one).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    pub const MAX_LEN: usize = 80;

    /// # Errors
    /// When `raw` is not a slug.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        if raw.len() > Self::MAX_LEN || !is_kebab_case(raw) {
            return Err(Invalid::new(format!(
                "must be 1 to {} lowercase letters, digits and single hyphens, like `intro-to-sql`",
                Self::MAX_LEN
            )));
        }
        if raw.parse::<shared::catalog::CourseId>().is_ok() {
            return Err(Invalid::new("must not look like an id"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = Invalid;
    fn try_from(raw: String) -> Result<Self, Invalid> {
        Self::parse(&raw)
    }
}

impl From<Slug> for String {
    fn from(slug: Slug) -> Self {
        slug.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A topic label shared by courses and articles: `microservices`. Same shape as a slug, at
/// most 32 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tag(String);

impl Tag {
    pub const MAX_LEN: usize = 32;

    /// # Errors
    /// When `raw` is not a tag.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        if raw.len() > Self::MAX_LEN || !is_kebab_case(raw) {
            return Err(Invalid::new(format!(
                "a tag is 1 to {} lowercase letters, digits and single hyphens, like `rest-apis`",
                Self::MAX_LEN
            )));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Tag {
    type Error = Invalid;
    fn try_from(raw: String) -> Result<Self, Invalid> {
        Self::parse(&raw)
    }
}

impl From<Tag> for String {
    fn from(tag: Tag) -> Self {
        tag.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A thing's tags: at most 8, no repeats, in the author's order (the first is the primary).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Tag>", into = "Vec<Tag>")]
pub struct Tags(Vec<Tag>);

impl Tags {
    pub const MAX: usize = 8;

    pub fn as_slice(&self) -> &[Tag] {
        &self.0
    }

    /// The primary tag: the first.
    pub fn primary(&self) -> Option<&Tag> {
        self.0.first()
    }
}

impl TryFrom<Vec<Tag>> for Tags {
    type Error = Invalid;
    fn try_from(tags: Vec<Tag>) -> Result<Self, Invalid> {
        if tags.len() > Self::MAX {
            return Err(Invalid::new(format!("at most {} tags", Self::MAX)));
        }
        if let Some(repeated) = tags
            .iter()
            .enumerate()
            .find_map(|(i, t)| tags[..i].contains(t).then_some(t))
        {
            return Err(Invalid::new(format!("`{repeated}` is listed twice")));
        }
        Ok(Self(tags))
    }
}

impl From<Tags> for Vec<Tag> {
    fn from(tags: Tags) -> Self {
        tags.0
    }
}

/// One line of text of `MIN` to `MAX` characters, trimmed, without control characters: titles,
/// summaries, meta descriptions, notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Line<const MIN: usize, const MAX: usize>(String);

impl<const MIN: usize, const MAX: usize> Line<MIN, MAX> {
    /// # Errors
    /// When the trimmed text is too short or too long, or holds a control character.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let text = raw.trim();
        let length = text.chars().count();
        if !(MIN..=MAX).contains(&length) {
            return Err(Invalid::new(if MIN == 0 {
                format!("must be at most {MAX} characters")
            } else {
                format!("must be {MIN} to {MAX} characters")
            }));
        }
        if text.chars().any(char::is_control) {
            return Err(Invalid::new("must be one line without control characters"));
        }
        Ok(Self(text.to_owned()))
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
        let invalid = || Invalid::new("must be an absolute http or https URL");
        if raw.len() > 2048 {
            return Err(Invalid::new("must be at most 2048 characters"));
        }
        let url = url::Url::parse(raw).map_err(|_| invalid())?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(invalid());
        }
        Ok(Self(url.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
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

/// Who a course is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Beginner,
    Intermediate,
    Advanced,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Beginner => "beginner",
            Self::Intermediate => "intermediate",
            Self::Advanced => "advanced",
        }
    }
}

/// Replaces `field` with `value`, if a patch gives one.
pub fn set<T>(field: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *field = value;
    }
}

/// Deserialises a field that may be absent (leave it), `null` (clear it) or a value (set it):
/// `#[serde(default, deserialize_with = "fields::nullable")]` on an `Option<Option<T>>`.
///
/// # Errors
/// When the value is present and not a `T`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_kebab_case_and_never_ids() {
        for good in ["sql", "intro-to-sql", "http-2", "a1-b2-c3"] {
            assert!(Slug::parse(good).is_ok(), "{good} was refused");
        }
        for bad in [
            "",
            "Intro",
            "intro--sql",
            "-intro",
            "intro-",
            "intro_sql",
            "intro sql",
            "../etc",
            "0190a5b4-7c3e-7d2a-9b1e-3f4a5b6c7d8e",
            &"a".repeat(81),
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn tags_refuse_repeats_and_more_than_eight() {
        let tag = |t: &str| Tag::parse(t).unwrap();
        assert!(Tags::try_from(vec![tag("sql"), tag("nosql")]).is_ok());
        let repeated = Tags::try_from(vec![tag("sql"), tag("sql")]).unwrap_err();
        assert!(repeated.to_string().contains("`sql`"), "{repeated}");
        let many: Vec<Tag> = (0..9).map(|i| tag(&format!("t{i}"))).collect();
        assert!(Tags::try_from(many).is_err());
    }

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
    fn markdown_is_kept_exactly_as_written() {
        let raw = "  # Title\n\n<script>alert(1)</script>\n";
        assert_eq!(Body::parse(raw).unwrap().as_str(), raw);
        assert!(Description::parse(&"x".repeat(20_001)).is_err());
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

    #[test]
    fn a_field_that_may_be_cleared_tells_absent_from_null() {
        #[derive(Deserialize)]
        struct Patch {
            #[serde(default, deserialize_with = "nullable")]
            video_url: Option<Option<WebUrl>>,
        }
        let absent: Patch = serde_json::from_str("{}").unwrap();
        assert_eq!(absent.video_url, None);
        let cleared: Patch = serde_json::from_str(r#"{"video_url":null}"#).unwrap();
        assert_eq!(cleared.video_url, Some(None));
    }
}
