//! Markdown as the catalog uses it: rendered to safe HTML for readers, read for the
//! internal links it makes, and counted for reading time. The markdown itself is stored as
//! written; nothing here changes it or executes anything in it.

use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd};
use pulldown_cmark_escape::{escape_href, escape_html};
use serde::{Deserialize, Serialize};

use crate::fields::Slug;
use crate::keys::Kind;
use shared::config::BaseUrl;

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES
}

/// The HTML of `markdown`, safe to put in a page as it is: CommonMark rendered the way its
/// reference implementation (cmark) renders by default, safely. Raw HTML in the markdown is
/// left out, neither rendered nor shown; a link whose URL is not of this site or of the web
/// (`http`, `https`, `mailto`, `tel`) keeps its text and loses its URL (`javascript:`,
/// `data:` and the like never reach an `href`), an image with such a URL loses it; every link
/// gets `rel="noopener noreferrer"`. Everything else is escaped by the renderer.
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
    let events = Parser::new_ext(markdown, options()).filter_map(|event| match event {
        Event::Html(_) | Event::InlineHtml(_) => None,
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            ..
        }) => {
            let dropped = !safe_url(&dest_url) || unlink(&dest_url);
            open.push(dropped);
            (!dropped).then(|| Event::Html(link_start(link_type, &dest_url, &title).into()))
        }
        Event::End(TagEnd::Link) => (!open.pop().unwrap_or(false)).then_some(event),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Some(Event::Start(Tag::Image {
            link_type,
            dest_url: if safe_url(&dest_url) {
                dest_url
            } else {
                "".into()
            },
            title,
            id,
        })),
        _ => Some(event),
    });
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

/// Whether `url` may be a link's or an image's: a URL of this site (relative, or a fragment),
/// or one whose scheme is `http`, `https`, `mailto` or `tel`. Read as a browser reads it:
/// leading spaces and control characters, and tabs and line breaks anywhere, do not count.
fn safe_url(url: &str) -> bool {
    let url: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let first_segment = url.split(['/', '?', '#']).next().unwrap_or("");
    match first_segment.split_once(':') {
        None => true,
        Some((scheme, _)) => ["http", "https", "mailto", "tel"]
            .iter()
            .any(|allowed| scheme.eq_ignore_ascii_case(allowed)),
    }
}

/// A link's opening tag, as the renderer writes it, with `rel="noopener noreferrer"`.
fn link_start(link_type: LinkType, url: &str, title: &str) -> String {
    let mut tag = String::from("<a href=\"");
    if link_type == LinkType::Email {
        tag.push_str("mailto:");
    }
    // Writing into a String cannot fail.
    let _ = escape_href(&mut tag, url);
    if !title.is_empty() {
        tag.push_str("\" title=\"");
        let _ = escape_html(&mut tag, title);
    }
    tag.push_str("\" rel=\"noopener noreferrer\">");
    tag
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
    fn raw_html_is_left_out_and_code_is_escaped() {
        let html = to_safe_html(
            "<div onclick=\"x()\">Block</div>\n\nSome <b>bold</b> and <sub>2</sub> text.\n\n\
             `<b>` in code\n\n```html\n<script>alert(1)</script>\n```\n",
        );
        assert_eq!(
            html,
            "<p>Some bold and 2 text.</p>\n<p><code>&lt;b&gt;</code> in code</p>\n\
             <pre><code class=\"language-html\">&lt;script&gt;alert(1)&lt;/script&gt;\n</code></pre>\n"
        );
    }

    #[test]
    fn a_link_keeps_its_url_only_when_it_is_of_the_web_or_this_site() {
        for (markdown, kept) in [
            ("[x](https://example.org/a?b=c#d)", true),
            ("[x](HTTP://example.org)", true),
            ("[x](/courses/backend)", true),
            ("[x](#modules)", true),
            ("[x](lesson-2)", true),
            ("[x](mailto:ada@example.org)", true),
            ("<ada@example.org>", true),
            ("[x](javascript:alert(1))", false),
            ("[x](JaVaScRiPt:alert(1))", false),
            ("[x](&#106;avascript:alert(1))", false),
            ("[x](<java\tscript:alert(1)>)", false),
            ("[x](<\u{1}javascript:alert(1)>)", false),
            ("[x](vbscript:msgbox(1))", false),
            ("[x](data:text/html;base64,PHNjcmlwdD4=)", false),
            ("[x](file:///etc/passwd)", false),
            ("[x](')", true),
        ] {
            let html = to_safe_html(markdown);
            assert_eq!(html.contains("<a "), kept, "{markdown}: {html}");
            if kept {
                assert!(html.contains("rel=\"noopener noreferrer\">"), "{html}");
            } else {
                assert!(html.contains('x'), "{markdown}: the text stays: {html}");
            }
        }
        assert!(
            to_safe_html("[x](')").contains("<a href=\"&#x27;\""),
            "an apostrophe in a URL is escaped as a character reference"
        );
        let image = to_safe_html("![a chart](javascript:alert(1)) ![a graph](/img/graph.png)");
        assert!(
            image.contains("<img src=\"\" alt=\"a chart\" />")
                && image.contains("<img src=\"/img/graph.png\" alt=\"a graph\" />"),
            "{image}"
        );
    }

    /// Whatever the markdown, the HTML has only the tags the renderer writes, and every URL
    /// in it is one a link may have.
    #[test]
    fn any_markdown_renders_to_the_renderers_own_tags_and_safe_urls() {
        use proptest::prelude::*;
        const TAGS: &[&str] = &[
            "p",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "a",
            "em",
            "strong",
            "del",
            "code",
            "pre",
            "ul",
            "ol",
            "li",
            "blockquote",
            "hr",
            "br",
            "img",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
            "sup",
            "div",
        ];
        let pieces = prop::sample::select(vec![
            "<script>",
            "</script>",
            "<img src=x onerror=alert(1)>",
            "<a href=\"javascript:x\">",
            "[",
            "]",
            "(",
            ")",
            "javascript:",
            "&#106;",
            "<",
            ">",
            "\"",
            "'",
            "`",
            "```",
            "\n",
            "\n\n",
            " ",
            "*",
            "#",
            "-",
            "|",
            "!",
            "x",
            "https://a.b/",
            "<svg onload=x>",
            "[^1]",
            "[^1]: note",
            "<!-- c -->",
            "<div>",
            "\\",
            "&",
            "data:",
            ":",
            "\t",
            "[x](javascript:alert(1))",
            "![i](data:text/html,x)",
            "[x](/a)",
            "](vbscript:x)",
            "<javascript:alert(1)>",
            "[r]: javascript:x\n",
            "[r]",
        ]);
        proptest!(|(parts in prop::collection::vec(pieces, 0..40))| {
            let html = to_safe_html(&parts.concat());
            for tag in html.split('<').skip(1) {
                let tag = tag.split('>').next().unwrap_or("");
                let name: String = tag
                    .trim_start_matches('/')
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect();
                prop_assert!(TAGS.contains(&name.as_str()), "<{tag}> in {html}");
                for attribute in ["href=\"", "src=\""] {
                    for value in tag.split(attribute).skip(1) {
                        let url = value.split('"').next().unwrap_or("");
                        let bare: String = url
                            .chars()
                            .filter(|c| *c > ' ')
                            .collect::<String>()
                            .to_ascii_lowercase();
                        prop_assert!(
                            !["javascript:", "vbscript:", "data:"]
                                .iter()
                                .any(|scheme| bare.starts_with(scheme)),
                            "{attribute}{url} in {html}"
                        );
                        // No character reference but the escaper's own apostrophe: a
                        // reference in the Markdown was decoded before the URL was checked.
                        prop_assert!(!url.replace("&#x27;", "'").contains("&#"), "{url}");
                    }
                }
            }
        });
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
