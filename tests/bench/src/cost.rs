//! What a request costs on AWS: DynamoDB's request units for what it read and wrote, the
//! round trips it waited for in turn, and the price of a million such requests.
//!
//! **Request units are computed from item sizes**, by DynamoDB's published rules, not taken
//! from the emulator: moto answers `ReturnConsumedCapacity` with a constant per operation
//! (0.5 for any `GetItem`, 1 per key of a `BatchGetItem`), whatever the items weigh. What a
//! request read is read again whole, through the proxy's own door to the emulator, so a
//! projection does not hide what DynamoDB charges for:
//!
//! - a read: 1 unit per 4 KB of the items read (a `Query` adds its items up before it rounds,
//!   and is charged for the items its filter drops), at least 1; half that eventually
//!   consistent (every index read);
//! - a write: 1 unit per 1 KB of the item, at least 1 (an update by the item's size after it,
//!   a delete at the minimum: the item is gone when it is weighed), once more for each index
//!   key the item carries (every index projects all attributes); twice that in a transaction,
//!   whose condition checks are charged as writes.
//!
//! A `BatchGetItem`'s key that finds nothing costs the minimum, like a `GetItem` that finds
//! nothing.

use anyhow::Context;
use serde_json::{Map, Value};
use testkit::proxy::{DynamoProxy, Seen};

/// The prices, in US dollars, of AWS's price lists for US East (N. Virginia) as known on this
/// date (the machine that writes BENCHMARKS.md has no internet; check
/// <https://aws.amazon.com/lambda/pricing/>, <https://aws.amazon.com/api-gateway/pricing/> and
/// <https://aws.amazon.com/dynamodb/pricing/on-demand/> before relying on them).
pub const PRICES_AS_OF: &str = "2026-12-05";
/// Lambda, per million requests.
pub const LAMBDA_REQUESTS: f64 = 0.20;
/// Lambda, per GB-second of duration (the first tier of each).
pub const LAMBDA_GB_SECOND_ARM64: f64 = 0.000_013_333_4;
pub const LAMBDA_GB_SECOND_X86_64: f64 = 0.000_016_666_7;
/// API Gateway HTTP API, per million requests (the first 300 million a month, up to 512 KB).
pub const HTTP_API_REQUESTS: f64 = 1.00;
/// DynamoDB on demand, per million read and write request units.
pub const DYNAMODB_READ_UNITS: f64 = 0.125;
pub const DYNAMODB_WRITE_UNITS: f64 = 0.625;

/// The memory at which Lambda gives a function one whole vCPU; below it, a share in
/// proportion.
pub const FULL_VCPU_MB: f64 = 1769.0;
/// What a DynamoDB round trip from Lambda in the same region is taken to take, for the time a
/// request waits (an assumption, not a measurement: single-digit milliseconds is what AWS
/// states; the emulator here is far slower and not the figure to use).
pub const DYNAMODB_ROUND_TRIP_MS: f64 = 5.0;

/// Read and write request units.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Units {
    pub read: f64,
    pub write: f64,
}

/// What one request asked of DynamoDB.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Demand {
    pub units: Units,
    /// Round trips waited for one after another (requests sent together count once).
    pub round_trips: usize,
}

/// The demand of the DynamoDB requests `seen` (one endpoint's request), weighing the items
/// through `proxy`.
///
/// # Errors
/// When the emulator cannot be asked, or a request is not one DynamoDB knows.
pub async fn demand(proxy: &DynamoProxy, seen: &[Seen]) -> anyhow::Result<Demand> {
    let mut units = Units::default();
    for request in seen {
        let of = request_units(proxy, &request.operation, &request.body)
            .await
            .with_context(|| format!("weighing a {}", request.operation))?;
        units.read += of.read;
        units.write += of.write;
    }
    Ok(Demand {
        units,
        round_trips: round_trips(seen),
    })
}

/// Waves of requests: a request sent before every earlier one was answered goes with them.
fn round_trips(seen: &[Seen]) -> usize {
    let mut sorted: Vec<&Seen> = seen.iter().collect();
    sorted.sort_by_key(|s| s.sent);
    let mut waves = 0;
    let mut busy_until: Option<std::time::Instant> = None;
    for request in sorted {
        let answered = request.answer.get().map_or(request.sent, |a| a.at);
        match busy_until {
            Some(until) if request.sent < until => busy_until = Some(until.max(answered)),
            _ => {
                waves += 1;
                busy_until = Some(answered);
            }
        }
    }
    waves
}

async fn request_units(
    proxy: &DynamoProxy,
    operation: &str,
    body: &Value,
) -> anyhow::Result<Units> {
    let consistent = body["ConsistentRead"].as_bool().unwrap_or(false);
    Ok(match operation {
        "GetItem" => Units {
            read: read_units(&[get(proxy, body).await?], consistent),
            write: 0.0,
        },
        "BatchGetItem" => {
            let mut read = 0.0;
            for (table, wanted) in object(&body["RequestItems"])? {
                let keys = wanted["Keys"].as_array().context("a batch's keys")?;
                let consistent = wanted["ConsistentRead"].as_bool().unwrap_or(false);
                for key in keys {
                    let item =
                        get(proxy, &serde_json::json!({"TableName": table, "Key": key})).await?;
                    read += read_units(&[item], consistent);
                }
            }
            Units { read, write: 0.0 }
        }
        "Query" | "Scan" => {
            let answer = proxy.ask(operation, &unfiltered(body)).await?;
            let items: Vec<Option<Value>> = answer["Items"]
                .as_array()
                .context("a query's items")?
                .iter()
                .cloned()
                .map(Some)
                .collect();
            Units {
                read: read_units(&items, consistent),
                write: 0.0,
            }
        }
        "PutItem" | "UpdateItem" | "DeleteItem" => Units {
            read: 0.0,
            write: write_units(proxy, operation, body).await?,
        },
        "TransactWriteItems" => {
            let mut write = 0.0;
            for item in body["TransactItems"].as_array().context("a transaction")? {
                let (kind, write_of) = object(item)?.iter().next().context("a transact item")?;
                let operation = match kind.as_str() {
                    "Put" => "PutItem",
                    "Update" => "UpdateItem",
                    "Delete" => "DeleteItem",
                    _ => "ConditionCheck",
                };
                write += 2.0 * write_units(proxy, operation, write_of).await?;
            }
            Units { read: 0.0, write }
        }
        other => anyhow::bail!("no request-unit rule for {other}"),
    })
}

fn object(value: &Value) -> anyhow::Result<&Map<String, Value>> {
    value.as_object().context("a JSON object")
}

/// The item a `GetItem` request names, read whole and consistently; `None` when there is none.
async fn get(proxy: &DynamoProxy, request: &Value) -> anyhow::Result<Option<Value>> {
    let whole = serde_json::json!({
        "TableName": request["TableName"],
        "Key": request["Key"],
        "ConsistentRead": true,
    });
    Ok(proxy.ask("GetItem", &whole).await?.get("Item").cloned())
}

/// A query as DynamoDB charges for it: without its projection and filter, and the names and
/// values only those used.
fn unfiltered(body: &Value) -> Value {
    let mut body = body.clone();
    let Some(fields) = body.as_object_mut() else {
        return body;
    };
    fields.remove("ProjectionExpression");
    fields.remove("FilterExpression");
    fields.remove("Select");
    let key_condition = fields
        .get("KeyConditionExpression")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    for placeholders in ["ExpressionAttributeNames", "ExpressionAttributeValues"] {
        let used = fields
            .get_mut(placeholders)
            .and_then(Value::as_object_mut)
            .map(|map| {
                map.retain(|name, _| key_condition.contains(name.as_str()));
                !map.is_empty()
            });
        if used == Some(false) {
            fields.remove(placeholders);
        }
    }
    body
}

/// Read units for `items` read in one request (`None`: a key that found nothing).
fn read_units(items: &[Option<Value>], consistent: bool) -> f64 {
    let bytes: usize = items.iter().flatten().map(item_size).sum();
    let units = bytes.div_ceil(4096).max(1) as f64;
    if consistent { units } else { units / 2.0 }
}

/// Write units of one write (standard, not transactional): by the item's size, once for the
/// table and once for each index whose key it carries.
async fn write_units(proxy: &DynamoProxy, operation: &str, write: &Value) -> anyhow::Result<f64> {
    let item = match operation {
        "PutItem" => Some(write["Item"].clone()),
        "DeleteItem" => None,
        _ => get(proxy, write).await?,
    };
    let Some(item) = item else {
        return Ok(1.0);
    };
    let units = item_size(&item).div_ceil(1024).max(1) as f64;
    let indexes = object(&item)?
        .keys()
        .filter(|name| name.starts_with("gsi") && name.ends_with("pk"))
        .count();
    Ok(units * (1 + indexes) as f64)
}

/// An item's size by DynamoDB's rules: each attribute's name and value, in bytes.
pub fn item_size(item: &Value) -> usize {
    item.as_object().map_or(0, |attributes| {
        attributes
            .iter()
            .map(|(name, value)| name.len() + value_size(value))
            .sum()
    })
}

/// A value's size: a string's UTF-8 bytes; a number's significant digits, two to a byte, plus
/// one; binary data's bytes; 1 for a boolean or null; 3 for a list or map plus 1 per element
/// and the elements themselves.
fn value_size(value: &Value) -> usize {
    let Some((kind, inner)) = value.as_object().and_then(|v| v.iter().next()) else {
        return 0;
    };
    match (kind.as_str(), inner) {
        ("S", Value::String(s)) => s.len(),
        ("N", Value::String(n)) => number_size(n),
        ("B", Value::String(b)) => b.len() * 3 / 4,
        ("SS", Value::Array(all)) => all.iter().filter_map(Value::as_str).map(str::len).sum(),
        ("NS", Value::Array(all)) => all.iter().filter_map(Value::as_str).map(number_size).sum(),
        ("L", Value::Array(all)) => 3 + all.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        ("M", Value::Object(all)) => {
            3 + all
                .iter()
                .map(|(name, v)| 1 + name.len() + value_size(v))
                .sum::<usize>()
        }
        _ => 1,
    }
}

fn number_size(number: &str) -> usize {
    let digits = number
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
    significant.div_ceil(2) + 1
}

/// What a million requests of a function cost, in US dollars.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PerMillion {
    /// The billed duration of one request, in whole milliseconds.
    pub billed_ms: f64,
    pub lambda_arm64: f64,
    pub lambda_x86_64: f64,
    pub http_api: f64,
    pub dynamodb: f64,
}

impl PerMillion {
    /// A request that spends `cpu_ms` of one whole core of this machine, and waits for
    /// `demand`'s round trips, in a function of `memory_mb`.
    pub fn of(cpu_ms: f64, memory_mb: f64, demand: &Demand) -> Self {
        let share = (memory_mb / FULL_VCPU_MB).min(1.0);
        let billed_ms =
            (cpu_ms / share + demand.round_trips as f64 * DYNAMODB_ROUND_TRIP_MS).ceil();
        let gb_seconds = memory_mb / 1024.0 * billed_ms / 1000.0 * 1e6;
        Self {
            billed_ms,
            lambda_arm64: LAMBDA_REQUESTS + gb_seconds * LAMBDA_GB_SECOND_ARM64,
            lambda_x86_64: LAMBDA_REQUESTS + gb_seconds * LAMBDA_GB_SECOND_X86_64,
            http_api: HTTP_API_REQUESTS,
            dynamodb: demand.units.read * DYNAMODB_READ_UNITS
                + demand.units.write * DYNAMODB_WRITE_UNITS,
        }
    }

    /// The whole, on arm64 (what the stack deploys).
    pub fn total(&self) -> f64 {
        self.lambda_arm64 + self.http_api + self.dynamodb
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn item_sizes_follow_dynamodbs_rules() {
        // "pk" (2) + "USER#1" (6), "n" (1) + 12345 (3 digits to a byte: 3 + 1), "ok" (2) + 1.
        let item = json!({"pk": {"S": "USER#1"}, "n": {"N": "12345"}, "ok": {"BOOL": true}});
        assert_eq!(item_size(&item), 8 + 1 + 4 + 3);
        // A map: 3, then per element 1 + name + value.
        let nested = json!({"m": {"M": {"a": {"S": "xy"}}}, "l": {"L": [{"S": "z"}]}});
        assert_eq!(item_size(&nested), 1 + 3 + 1 + 1 + 2 + 1 + 3 + 1 + 1);
        assert_eq!(number_size("1000"), 2, "trailing zeros are not significant");
    }

    #[test]
    fn reads_round_up_to_4_kb_per_request_and_halve_when_eventually_consistent() {
        let item = |bytes: usize| Some(json!({"b": {"S": "x".repeat(bytes - 1)}}));
        assert_eq!(read_units(&[item(100)], true), 1.0);
        assert_eq!(read_units(&[item(3000), item(3000)], true), 2.0);
        assert_eq!(read_units(&[item(3000), item(3000)], false), 1.0);
        assert_eq!(
            read_units(&[None], false),
            0.5,
            "nothing found costs the minimum"
        );
    }

    #[test]
    fn a_query_is_charged_for_what_its_filter_and_projection_leave_out() {
        let query = json!({
            "TableName": "t",
            "KeyConditionExpression": "#p = :p",
            "FilterExpression": "#l = :l",
            "ProjectionExpression": "#c",
            "ExpressionAttributeNames": {"#p": "gsi1pk", "#l": "level", "#c": "card"},
            "ExpressionAttributeValues": {":p": {"S": "COURSES#all"}, ":l": {"S": "beginner"}},
        });
        assert_eq!(
            unfiltered(&query),
            json!({
                "TableName": "t",
                "KeyConditionExpression": "#p = :p",
                "ExpressionAttributeNames": {"#p": "gsi1pk"},
                "ExpressionAttributeValues": {":p": {"S": "COURSES#all"}},
            })
        );
    }

    #[test]
    fn a_million_requests_cost_their_duration_at_the_memory_setting_and_their_units() {
        let demand = Demand {
            units: Units {
                read: 1.0,
                write: 2.0,
            },
            round_trips: 2,
        };
        let cost = PerMillion::of(1.0, FULL_VCPU_MB / 2.0, &demand);
        assert_eq!(
            cost.billed_ms, 12.0,
            "2 ms of CPU at half a vCPU, 2 round trips of 5 ms"
        );
        assert!((cost.dynamodb - (0.125 + 2.0 * 0.625)).abs() < 1e-9);
        assert!(cost.lambda_x86_64 > cost.lambda_arm64);
        assert!(cost.total() > cost.http_api + cost.dynamodb);
    }
}
