//! What content's search costs at 500 and 5,000 published documents: the entries' size, the
//! index's size and build time, the time of one search, and (with the emulator) loading the
//! entries from the table as a warm function does when the search stamp moves.
//!
//! ```text
//! cargo run --release -p bench --bin search -- [--sizes 500,5000] [--queries N] [--no-load]
//!                                              [--only build|search]
//! ```
//!
//! The documents are the engine's generated corpus (`generated_corpus`, the one the relevance
//! tests plant their needles in): backend-school titles, summaries, tags and module titles.
//! The queries mix one to three words of that vocabulary, with prefixes ("kube") and typos
//! ("postgress") among them. Search times are of one thread doing nothing else, so CPU time.
//! With `DYNAMODB_ENDPOINT` set (and no `--no-load`), the entries are written to a fresh table
//! of the emulator and read back through `Store::search_entries` (strongly consistent, one
//! `Query` per megabyte), then indexed: a cold load.
//!
//! Under `valgrind --tool=callgrind`, `--only corpus` (makes the documents), `--only build`
//! (makes them and builds the index) and `--only search` (then runs the queries) count
//! instructions; the differences are one build and, with two values of `--queries`, one
//! search: `tests/bench/search-instructions` does that.

#![allow(
    clippy::print_stdout,
    reason = "the report on standard output is what this program is for"
)]

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use content::search::engine::{Entry, Filter, Index, Query, generated_corpus};
use shared::config::TableName;
use shared::dynamo::{Table, to_item};
use shared::page::CursorKey;

const WORDS: &[&str] = &[
    "kubernetes",
    "docker",
    "redis",
    "api",
    "rest",
    "testing",
    "deployment",
    "graphql",
    "grpc",
    "kube",
    "postg",
    "obs",
    "auth",
    "kubernets",
    "postgress",
    "authentcation",
    "obserability",
    "microservice",
    "caching",
    "tracing",
    "kafka",
    "terraform",
    "scalable",
];

struct Options {
    sizes: Vec<usize>,
    queries: usize,
    load: bool,
    only: Option<String>,
}

impl Options {
    fn parse() -> anyhow::Result<Self> {
        let mut options = Self {
            sizes: vec![500, 5_000],
            queries: 500,
            load: true,
            only: None,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
            match arg.as_str() {
                "--sizes" => {
                    options.sizes = value()?
                        .split(',')
                        .filter(|size| !size.is_empty())
                        .map(str::parse)
                        .collect::<Result<_, _>>()?;
                }
                "--queries" => options.queries = value()?.parse()?,
                "--no-load" => options.load = false,
                "--only" => options.only = Some(value()?),
                other => bail!("unknown argument {other}"),
            }
        }
        Ok(options)
    }
}

/// `n` queries of one to three words, the same every run.
fn queries(n: usize) -> Vec<Query> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = |below: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % below as u64).unwrap_or(0)
    };
    (0..n)
        .map(|_| {
            let words: Vec<&str> = (0..=next(3)).map(|_| WORDS[next(WORDS.len())]).collect();
            Query::parse(&words.join(" ")).expect("a valid query")
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted
        .get(sorted.len().saturating_sub(1) * p / 100)
        .copied()
        .unwrap_or_default()
}

/// Writes `entries` as search items of a fresh content table and reads them back as a warm
/// function does; how long the read and the index build took.
async fn cold_load(entries: &[Entry]) -> anyhow::Result<(Duration, Duration, usize)> {
    let db = testkit::dynamo_client().await;
    let tables = testkit::create_tables(&db).await;
    for chunk in entries.chunks(25) {
        let writes = chunk
            .iter()
            .map(|entry| {
                let item = [
                    ("pk", AttributeValue::S("SEARCH".to_owned())),
                    (
                        "sk",
                        AttributeValue::S(format!("{}#{}", entry.kind, entry.id)),
                    ),
                    ("entity", AttributeValue::S("search".to_owned())),
                    ("entry", AttributeValue::M(to_item(entry)?)),
                ]
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect();
                let put = PutRequest::builder().set_item(Some(item)).build()?;
                Ok(WriteRequest::builder().put_request(put).build())
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        db.batch_write_item()
            .request_items(&tables.content, writes)
            .send()
            .await?;
    }
    let table = |name: &str| -> anyhow::Result<Table> {
        Ok(Table::new(
            db.clone(),
            TableName::parse(name).map_err(anyhow::Error::msg)?,
        ))
    };
    let store = content::store::Store::new(
        table(&tables.content)?,
        table(&tables.progress)?,
        CursorKey::ephemeral(),
    );
    let started = Instant::now();
    let loaded = store.search_entries().await?;
    let read = started.elapsed();
    let count = loaded.len();
    let started = Instant::now();
    let index = Index::new(loaded);
    let build = started.elapsed();
    drop(index);
    Ok((read, build, count))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let options = Options::parse()?;
    let queries = queries(options.queries);
    let all = Filter::default();
    if let Some(only) = options.only.as_deref() {
        for &size in &options.sizes {
            let corpus = std::hint::black_box(generated_corpus(size, 42));
            if only == "corpus" {
                continue;
            }
            let index = Index::new(corpus);
            if only == "search" {
                for query in &queries {
                    std::hint::black_box(index.results(query, &all).page(0, 20));
                }
            }
        }
        return Ok(());
    }

    let load = options.load && std::env::var_os("DYNAMODB_ENDPOINT").is_some();
    println!(
        "| documents | entries (JSON) | index in memory | build ms (median of 5) | search p50 µs | p95 µs | max µs | hits per search | cold load: read ms | + build ms |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for &size in &options.sizes {
        let entries = generated_corpus(size, 42);
        let json: usize = entries
            .iter()
            .map(|e| serde_json::to_vec(e).map_or(0, |v| v.len()))
            .sum();
        let mut builds = Vec::new();
        let mut index = None;
        for _ in 0..5 {
            let copy = entries.clone();
            let started = Instant::now();
            index = Some(Index::new(copy));
            builds.push(started.elapsed());
        }
        builds.sort();
        let index = index.context("an index")?;
        let mut times = Vec::with_capacity(queries.len());
        let mut hits = 0;
        for query in &queries {
            let started = Instant::now();
            let results = index.results(query, &all);
            let page = results.page(0, 20);
            times.push(started.elapsed());
            hits += results.len();
            std::hint::black_box(page);
        }
        times.sort();
        let (read, build) = if load {
            let (read, build, count) = cold_load(&entries).await?;
            anyhow::ensure!(count == size, "read back {count} of {size} entries");
            (
                format!("{:.0}", read.as_secs_f64() * 1e3),
                format!("{:.1}", build.as_secs_f64() * 1e3),
            )
        } else {
            ("–".to_owned(), "–".to_owned())
        };
        println!(
            "| {size} | {} KiB | {} KiB | {:.1} | {} | {} | {} | {} | {read} | {build} |",
            json / 1024,
            index.approx_bytes() / 1024,
            percentile(&builds, 50).as_secs_f64() * 1e3,
            percentile(&times, 50).as_micros(),
            percentile(&times, 95).as_micros(),
            percentile(&times, 100).as_micros(),
            hits / queries.len().max(1),
        );
    }
    Ok(())
}
