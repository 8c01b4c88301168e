//! Markdown as the catalog uses it: rendered to sanitised HTML for readers, read for the
//! internal links it makes, and counted for reading time. The markdown itself is stored as
//! written; nothing here changes it or executes anything in it.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
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
    to_safe_html_unlinking(markdown, |_| false)
}

/// [`to_safe_html`], with the links whose href `unlink` picks rendered as their text alone:
/// a link to a page that is not published yet reads as plain text until it is.
pub fn to_safe_html_unlinking(markdown: &str, unlink: impl Fn(&str) -> bool) -> String {
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    // Whether each link open at this point was dropped (links do not nest, but images in
    // links do, and their ends must pair up).
    let mut open: Vec<bool> = Vec::new();
    let events = Parser::new_ext(markdown, options()).filter(|event| match event {
        Event::Start(Tag::Link { dest_url, .. }) => {
            let dropped = unlink(dest_url);
            open.push(dropped);
            !dropped
        }
        Event::End(TagEnd::Link) => !open.pop().unwrap_or(false),
        _ => true,
    });
    pulldown_cmark::html::push_html(&mut html, events);
    ammonia::clean(&html)
}

/// The text of `markdown`'s headings, in order (what search indexes of an article's body).
pub fn headings(markdown: &str) -> Vec<String> {
    let mut headings = Vec::new();
    let mut current: Option<String> = None;
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::Heading { .. }) => current = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => headings.extend(current.take()),
            Event::Text(text) | Event::Code(text) => {
                if let Some(heading) = current.as_mut() {
                    heading.push_str(&text);
                }
            }
            _ => {}
        }
    }
    headings
}

/// The words of `markdown` without its markup, one space between blocks.
pub fn plain_text(markdown: &str) -> String {
    let mut text = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(words) | Event::Code(words) => text.push_str(&words),
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::BlockQuote(_)
                | TagEnd::CodeBlock
                | TagEnd::TableCell,
            ) if !text.is_empty() && !text.ends_with(' ') => text.push(' '),
            _ => {}
        }
    }
    text.trim_end().to_owned()
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
    /// The id of the document it names, once a check found one (the slug may be renamed
    /// later; the id stays): a page shows the link while that document is published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// [`Kind`] as it is written in a link target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KindName {
    Course,
    Article,
    Path,
}

impl From<Kind> for KindName {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Course => Self::Course,
            Kind::Article => Self::Article,
            Kind::Path => Self::Path,
        }
    }
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
    Some(LinkTarget {
        kind,
        slug,
        id: None,
    })
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
    fn an_unlinked_link_keeps_its_text_and_others_stay_links() {
        let html = to_safe_html_unlinking(
            "Read [the draft](/articles/next) and [the course](/courses/backend).",
            |href| href == "/articles/next",
        );
        assert!(
            html.contains("Read the draft and <a href=\"/courses/backend\""),
            "{html}"
        );
    }

    #[test]
    fn headings_and_plain_text_leave_the_markup_out() {
        let markdown = "# The `HTTP` cycle\n\nA *request*, then\na response.\n\n## Status codes";
        assert_eq!(headings(markdown), ["The HTTP cycle", "Status codes"]);
        assert_eq!(
            plain_text(markdown),
            "The HTTP cycle A request, then a response. Status codes"
        );
    }

    #[test]
    fn reading_time_is_at_least_a_minute() {
        assert_eq!(reading_minutes(""), 1);
        assert_eq!(reading_minutes(&"word ".repeat(401)), 3);
    }
}
