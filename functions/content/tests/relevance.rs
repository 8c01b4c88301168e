//! End-to-end checks on a generated 5,000-entry catalogue with planted
//! "needle" entries whose distinctive words appear nowhere else.

use content::search::engine::{Entry, Filter, Index, Query, generated_corpus};

const DAY: i64 = 86_400 * 1_000_000;
const JAN_2023: i64 = 1_672_531_200_000_000;

/// Entries whose distinctive words appear nowhere in the generated corpus.
fn needles() -> Vec<Entry> {
    #[rustfmt::skip]
    const NEEDLES: &[(&str, &str, &str, &str, i64)] = &[
        // (id, kind, title, summary, days after 2023-01-01)
        ("n-autoscale", "course", "Kubernetes Autoscaling Deep Dive", "Scale pods on demand.", 0),
        ("n-idempotency", "article", "Idempotency Keys for Payment APIs", "Retry safely.", 0),
        ("n-contract", "course", "Contract Tests for Microservices", "Consumer-driven.", 0),
        ("n-flame-title", "article", "Reading Flamegraphs Without Fear", "Profiling.", 0),
        ("n-flame-body", "article", "Profiling Go Services", "We render flamegraphs daily.", 400),
        ("n-bucket-old", "article", "Leaky Bucket Throttling Explained", "Old take.", 10),
        ("n-bucket-new", "article", "Leaky Bucket Throttling Explained", "New take.", 20),
        ("n-saga-path", "path", "Saga Orchestration Path", "Sagas end to end.", 5),
        ("n-saga-course", "course", "Saga Orchestration Basics", "Sagas.", 1),
        ("n-outbox-pattern", "article", "Transactional Outbox Pattern", "Events.", 2),
        ("n-outbox-relay", "article", "Outbox Relays in Practice", "Relays.", 9),
        ("n-zurich", "article", "Café Ops: Zürich Latency Budgets", "Budgets.", 0),
        ("n-canary", "course", "Deploying Canaries Safely", "Progressive delivery.", 0),
        ("n-exemplars", "article", "Observability with Prometheus Exemplars", "Traces.", 0),
        ("n-checksum", "course", "Fast Hashing", "Hash functions for storage.", 3),
        ("n-vacuum", "article", "Postgres Vacuum Tuning", "Bloat and autovacuum.", 0),
        ("n-grpc-stream", "course", "gRPC Bidirectional Streaming", "Streams both ways.", 0),
    ];
    NEEDLES
        .iter()
        .map(|&(id, kind, title, summary, days)| {
            let mut entry = Entry {
                kind: kind.into(),
                id: id.into(),
                url: format!("/{kind}s/{id}"),
                title: title.into(),
                summary: summary.into(),
                tags: vec!["testing".into()],
                level: Some("intermediate".into()),
                sections: Vec::new(),
                published_at: JAN_2023 + days * DAY,
            };
            match id {
                "n-saga-path" => entry.level = Some("advanced".into()),
                "n-saga-course" => entry.level = Some("beginner".into()),
                "n-outbox-pattern" => entry.tags = vec!["event-driven".into()],
                "n-outbox-relay" => entry.tags = vec!["kafka".into()],
                "n-checksum" => {
                    entry.sections = vec![
                        "Module 1: Basics".into(),
                        "Module 2: Vectorized Checksums".into(),
                    ];
                }
                _ => {}
            }
            entry
        })
        .collect()
}

/// 5,000 generated entries with the needles spread among them.
fn catalogue() -> Vec<Entry> {
    let mut entries = generated_corpus(5_000, 42);
    for (i, n) in needles().into_iter().enumerate() {
        entries.insert(i * 290 + 17, n);
    }
    entries
}

fn ids<'a>(index: &'a Index, text: &str, filter: &Filter) -> Vec<&'a str> {
    let query = Query::parse(text).expect("valid query");
    index
        .search(&query, filter)
        .into_iter()
        .map(|h| h.entry.id.as_str())
        .collect()
}

fn first(index: &Index, text: &str) -> String {
    ids(index, text, &Filter::default())
        .first()
        .map_or_else(String::new, |s| (*s).to_owned())
}

#[test]
fn needles_come_first() {
    let index = Index::new(catalogue());
    assert_eq!(index.len(), 5_017);
    let cases = [
        ("kubernets autoscaling", "n-autoscale"),
        ("idempot", "n-idempotency"),
        ("testing contracts", "n-contract"),
        ("zurich", "n-zurich"),
        ("Zürich latency", "n-zurich"),
        ("canary deployment", "n-canary"),
        ("exmplars", "n-exemplars"),
        ("checksums vectorized", "n-checksum"),
        ("postgress vacuum", "n-vacuum"),
        ("bidirectional strea", "n-grpc-stream"),
    ];
    for (query, expected) in cases {
        assert_eq!(first(&index, query), expected, "query {query:?}");
    }
}

#[test]
fn ranking_rules_hold_in_a_large_catalogue() {
    let index = Index::new(catalogue());
    let all = Filter::default();
    // A title hit beats a newer body-only hit.
    assert_eq!(
        ids(&index, "flamegraph", &all),
        ["n-flame-title", "n-flame-body"]
    );
    // Identical titles: newer first.
    assert_eq!(
        ids(&index, "leaky bucket throttling", &all)[..2],
        ["n-bucket-new", "n-bucket-old"]
    );
    // Section matches show the section as the snippet.
    let query = Query::parse("checksums vectorized").expect("valid");
    let hit = &index.search(&query, &all)[0];
    assert_eq!(hit.snippet.text, "Module 2: Vectorized Checksums");
    assert_eq!(hit.snippet.highlights, [[10, 20], [21, 30]]);
}

#[test]
fn filters_narrow_needles() {
    let index = Index::new(catalogue());
    let kind = Filter {
        kind: Some("path".into()),
        ..Filter::default()
    };
    assert_eq!(ids(&index, "saga orchestration", &kind), ["n-saga-path"]);
    let level = Filter {
        level: Some("beginner".into()),
        ..Filter::default()
    };
    assert_eq!(ids(&index, "saga orchestration", &level), ["n-saga-course"]);
    let tag = Filter {
        tag: Some("Event-Driven".into()),
        ..Filter::default()
    };
    assert_eq!(ids(&index, "outbox", &tag), ["n-outbox-pattern"]);
    assert_eq!(ids(&index, "outbox", &Filter::default()).len(), 2);
}

#[test]
fn broad_queries_only_return_entries_with_every_word() {
    let index = Index::new(catalogue());
    let query = Query::parse("docker redis ").expect("valid");
    let hits = index.search(&query, &Filter::default());
    assert!(hits.len() > 50, "only {} hits", hits.len());
    for hit in &hits {
        let e = hit.entry;
        let text = format!(
            "{} {} {} {}",
            e.title,
            e.summary,
            e.tags.join(" "),
            e.sections.join(" ")
        )
        .to_lowercase();
        assert!(text.contains("docker") && text.contains("redis"), "{e:?}");
    }
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
}
