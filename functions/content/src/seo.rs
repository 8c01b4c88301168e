//! What search engines read: the SEO fields of a page, its canonical URL, its schema.org
//! JSON-LD (built as a `serde_json` value, never by pasting strings), and the sitemap.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use serde::{Deserialize, Serialize};
use shared::clock::Timestamp;

use crate::fields::{MetaDescription, MetaTitle, WebUrl};
use shared::config::BaseUrl;

/// The search-engine fields of a course or article.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seo {
    /// The `<title>`, when it should differ from the title.
    #[serde(default, deserialize_with = "shared::json::nullable")]
    pub meta_title: Option<MetaTitle>,
    /// The snippet under the link in search results (≤ 160 characters); required to publish.
    #[serde(default, deserialize_with = "shared::json::nullable")]
    pub meta_description: Option<MetaDescription>,
    /// Where the page's canonical copy lives, when not here (a cross-posted article).
    #[serde(default, deserialize_with = "shared::json::nullable")]
    pub canonical_url: Option<WebUrl>,
    /// The image shown when the page is shared.
    #[serde(default, deserialize_with = "shared::json::nullable")]
    pub image: Option<WebUrl>,
}

impl Seo {
    /// The canonical URL of the page at `path`: the override, else the page itself.
    pub fn canonical(&self, site: &BaseUrl, path: &str) -> String {
        self.canonical_url
            .as_ref()
            .map_or_else(|| site.join(path), |url| url.as_str().to_owned())
    }
}

/// The school, as schema.org knows it.
pub fn organization(site: &BaseUrl) -> serde_json::Value {
    serde_json::json!({
        "@type": "Organization",
        "name": "skillpath",
        "url": site.as_str(),
    })
}

/// A JSON-LD document as the text of a `<script type="application/ld+json">` element: `<`, `>`
/// and `&` are written as JSON escapes (only strings can hold them), so no text of an author's
/// can close the element.
pub fn script_text(document: &serde_json::Value) -> String {
    document
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// One page of the sitemap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitemapEntry {
    pub location: String,
    pub last_modified: Timestamp,
}

/// The sitemaps.org limit on URLs in one sitemap.
pub const SITEMAP_MAX_URLS: usize = 50_000;

/// The sitemap (sitemaps.org protocol 0.9) of `entries`, as XML.
///
/// # Errors
/// Never in practice: writing to memory does not fail.
pub fn sitemap(entries: &[SitemapEntry]) -> std::io::Result<Vec<u8>> {
    let mut writer = Writer::new(Vec::new());
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    writer
        .create_element("urlset")
        .with_attribute(("xmlns", "http://www.sitemaps.org/schemas/sitemap/0.9"))
        .write_inner_content(|writer| {
            for entry in entries.iter().take(SITEMAP_MAX_URLS) {
                writer.create_element("url").write_inner_content(|writer| {
                    writer
                        .create_element("loc")
                        .write_text_content(BytesText::new(&entry.location))?;
                    writer
                        .create_element("lastmod")
                        .write_text_content(BytesText::new(&entry.last_modified.to_string()))?;
                    Ok::<_, std::io::Error>(())
                })?;
            }
            Ok::<_, std::io::Error>(())
        })?;
    Ok(writer.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_text_cannot_close_its_element_and_still_parses() {
        let document = serde_json::json!({"headline": "</script><script>alert(1)</script> & co"});
        let text = script_text(&document);
        assert!(!text.contains('<') && !text.contains('&'), "{text}");
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, document);
    }

    #[test]
    fn sitemap_locations_are_escaped() {
        let xml = sitemap(&[SitemapEntry {
            location: "https://skillpath.test/articles/a?x=1&y=2".into(),
            last_modified: Timestamp::from_unix_micros(0),
        }])
        .unwrap();
        let xml = String::from_utf8(xml).unwrap();
        assert!(
            xml.contains("<loc>https://skillpath.test/articles/a?x=1&amp;y=2</loc>"),
            "{xml}"
        );
        assert!(
            xml.contains("<lastmod>1970-01-01T00:00:00.000000Z</lastmod>"),
            "{xml}"
        );
    }
}
