//! The values the catalog is made of — slugs, tags, titles, markdown, URLs, durations — each a
//! type that can only hold a valid value.
//!
//! They deserialise through their parsers, so a request body that names an invalid value is
//! refused by the JSON extractor with a 422 naming the field, and a handler never sees one.

use std::fmt;

use serde::{Deserialize, Serialize};

pub use shared::fields::{
    Body, Description, EffortHours, Excerpt, HttpsUrl, Invalid, Line, Markdown, MetaDescription,
    MetaTitle, Minutes, Note, RoleTitle, Summary, Title, WebUrl,
};

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
    shared::json::nullable(deserializer).map(Some)
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
