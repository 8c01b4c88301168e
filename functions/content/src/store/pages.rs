//! An article's kept page: read together with the page stamp in one request, and kept on the
//! claim of its slug under the stamp it was rendered at ([`crate::pages`]).

use aws_sdk_dynamodb::types::AttributeValue;
use shared::clock::Timestamp;
use shared::dynamo::{DbError, Expr, PK, Write, attr, n, s};

use super::{Store, number};
use crate::articles::ArticleId;
use crate::fields::Slug;
use crate::keys::{self, Kind};
use crate::pages::{PageStamp, StoredPage};

/// The attribute of a slug claim holding the stamp its page was rendered at.
const RENDERED_AT: &str = "page_stamp";
/// A slug claim's size without its page, and then some.
const CLAIM_SIZE: usize = 256;

/// What the read of an article's slug claim and the page stamp found.
#[derive(Debug)]
pub enum KeptPage {
    /// The page kept under the current stamp.
    Current(StoredPage),
    /// No page kept under the current stamp (or no article has the slug now): the page is
    /// rendered, and may be kept under this stamp.
    Stale(PageStamp),
}

impl Store {
    /// The page kept on the claim of article slug `slug`, if it is current: the claim and the
    /// page stamp in one `BatchGetItem`, eventually consistent (as every page read is).
    ///
    /// # Errors
    /// When DynamoDB fails or a kept page does not inflate.
    pub async fn article_page(&self, slug: &Slug) -> Result<KeptPage, DbError> {
        const ATTRIBUTES: [&str; 6] = [
            PK,
            StoredPage::BODY,
            StoredPage::TAG,
            RENDERED_AT,
            "changes",
            "changed_at",
        ];
        let (claim, stamp_key) = (keys::slug_claim(Kind::Article, slug), keys::page_stamp());
        let items = self
            .table
            .batch_get(vec![claim, stamp_key.clone()], &ATTRIBUTES, false)
            .await?;
        let mut stamp = PageStamp::default();
        let mut kept = None;
        for mut item in items {
            if item.get(PK) == Some(&s(&stamp_key.pk)) {
                stamp = PageStamp {
                    changes: number(&item, "changes").unwrap_or(0),
                    changed_at: match item.get("changed_at") {
                        Some(AttributeValue::S(at)) => at.parse::<Timestamp>().ok(),
                        _ => None,
                    },
                };
            } else if let Some(rendered_at) = number(&item, RENDERED_AT) {
                kept = StoredPage::take(&mut item)?.map(|page| (rendered_at, page));
            }
        }
        Ok(match kept {
            Some((rendered_at, page)) if rendered_at == stamp.changes => KeptPage::Current(page),
            _ => KeptPage::Stale(stamp),
        })
    }

    /// Keeps `page`, rendered at `stamp`, on the claim of `slug`, if the claim still names
    /// `article` and holds no page of the same or a later stamp. Answers whether it was kept.
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn keep_article_page(
        &self,
        slug: &Slug,
        article: ArticleId,
        page: &StoredPage,
        stamp: &PageStamp,
    ) -> Result<bool, DbError> {
        let Some(attributes) = page.attributes(CLAIM_SIZE) else {
            return Ok(false);
        };
        let mut expr = Expr::new().set(RENDERED_AT, n(stamp.changes));
        for (name, value) in attributes {
            expr = expr.set(&name, value);
        }
        let later = attr(RENDERED_AT)
            .absent()
            .or(attr(RENDERED_AT).lt(n(stamp.changes)));
        let keep = Write::update(keys::slug_claim(Kind::Article, slug), expr)
            .when(attr("id").eq(s(article.to_string())).and(later));
        match self.table.write(keep).await {
            Ok(()) => Ok(true),
            Err(DbError::ConditionFailed) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
