//! Markdown as the catalog uses it: rendered to sanitised HTML for readers, read for the
//! internal links it makes, and counted for reading time. The markdown itself is stored as
//! written; nothing here changes it or executes anything in it.

use pulldown_cmark::{Event, Options, Parser, Tag};
use serde::{Deserialize, Serialize};

use crate::fields::Slug;
use crate::keys::Kind;
use shared::config::BaseUrl;

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES
}

/// The HTML of `markdown`, sanitised: raw HTML in the markdown survives only as far as
/// ammonia's allow-list lets it (no scripts, no event handlers, no `javascript:` URLs), and
/// links get `rel="noopener noreferrer"`.
pub fn to_safe_html(markdown: &str) -> String {
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(markdown, options()));
    ammonia::clean(&html)
}

/// Whole minutes a reader needs at 200 words a minute; at least one.
pub fn reading_minutes(markdown: &str) -> u32 {
    let words = markdown.split_whitespace().count();
    u32::try_from(words.div_ceil(200))
        .unwrap_or(u32::MAX)
        .max(1)
}

/// A link from a body to a page of this site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InternalLink {
    /// The link as written.
    pub href: String,
    /// What it points to, when it is a catalog page (`/courses/<slug>`, `/articles/<slug>`,
    /// `/paths/<slug>`, or under them); `None` for any other path of this site.
    pub target: Option<LinkTarget>,
}

/// The catalog page a link points to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LinkTarget {
    pub kind: KindName,
    pub slug: Slug,
}

/// [`Kind`] as it is written in a link target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KindName {
    Course,
    Article,
    Path,
}

impl From<KindName> for Kind {
    fn from(kind: KindName) -> Self {
        match kind {
            KindName::Course => Self::Course,
            KindName::Article => Self::Article,
            KindName::Path => Self::Path,
        }
    }
}

/// The links of `markdown` that stay on this site: relative to its root (`/articles/x`) or
/// absolute under `base`. Each href once, in order of first appearance.
pub fn internal_links(markdown: &str, base: &BaseUrl) -> Vec<InternalLink> {
    let mut links: Vec<InternalLink> = Vec::new();
    for event in Parser::new_ext(markdown, options()) {
        let Event::Start(Tag::Link { dest_url, .. }) = event else {
            continue;
        };
        let Some(path) = site_path(&dest_url, base) else {
            continue;
        };
        if links.iter().any(|l| l.href == *dest_url) {
            continue;
        }
        links.push(InternalLink {
            href: dest_url.to_string(),
            target: target(path),
        });
    }
    links
}

/// The path of `href` on this site, without query or fragment; `None` for other sites,
/// fragments of the same page, and non-web schemes.
fn site_path<'a>(href: &'a str, base: &BaseUrl) -> Option<&'a str> {
    let path = match href.strip_prefix(base.as_str()) {
        Some(rest) if rest.starts_with('/') => rest,
        Some("") => "/",
        _ if href.starts_with('/') && !href.starts_with("//") => href,
        _ => return None,
    };
    let end = path.find(['?', '#']).unwrap_or(path.len());
    Some(&path[..end])
}

fn target(path: &str) -> Option<LinkTarget> {
    let mut segments = path.trim_start_matches('/').split('/');
    let kind = match segments.next()? {
        "courses" => KindName::Course,
        "articles" => KindName::Article,
        "paths" => KindName::Path,
        _ => return None,
    };
    let slug = Slug::parse(segments.next()?).ok()?;
    Some(LinkTarget { kind, slug })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> BaseUrl {
        BaseUrl::parse("https://skillpath.test").unwrap()
    }

    #[test]
    fn scripts_and_javascript_urls_never_reach_the_html() {
        let html = to_safe_html(
            "# Hi\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2)) <img src=x onerror=alert(3)>",
        );
        assert!(html.contains("<h1>Hi</h1>"), "{html}");
        for bad in ["<script", "javascript:", "onerror"] {
            assert!(!html.contains(bad), "{bad} survived: {html}");
        }
    }

    #[test]
    fn internal_links_are_found_relative_or_absolute_and_others_ignored() {
        let markdown = "See [the roadmap](/articles/api-roadmap), [the course](https://skillpath.test/courses/backend#modules), \
             [again](/articles/api-roadmap), [home](/), [elsewhere](https://example.org/articles/x), \
             [anchor](#top) and [a lesson](/courses/backend/lessons/http).";
        let links = internal_links(markdown, &base());
        let shown: Vec<_> = links
            .iter()
            .map(|l| {
                (
                    l.href.as_str(),
                    l.target.as_ref().map(|t| (t.kind, t.slug.as_str())),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                (
                    "/articles/api-roadmap",
                    Some((KindName::Article, "api-roadmap"))
                ),
                (
                    "https://skillpath.test/courses/backend#modules",
                    Some((KindName::Course, "backend"))
                ),
                ("/", None),
                (
                    "/courses/backend/lessons/http",
                    Some((KindName::Course, "backend"))
                ),
            ]
        );
    }

    #[test]
    fn reading_time_is_at_least_a_minute() {
        assert_eq!(reading_minutes(""), 1);
        assert_eq!(reading_minutes(&"word ".repeat(401)), 3);
    }
}
