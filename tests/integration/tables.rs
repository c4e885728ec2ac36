//! Tables and seed data end to end: `up` creates and seeds the CodeMetrics
//! tables exactly as declared, leaves equal tables alone, adds indexes,
//! reports drift, and `reset` restores the seed content; on every engine.

use std::path::Path;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use devstack::dynamo::tables::TableStatus;
use devstack::manifest::{Manifest, Projection};

use crate::support::fake::{self, FakeServer};
use crate::support::fake_docker::fake_docker;
use crate::support::tables::{assert_matches_manifest, items, seed_items};
use crate::support::{Stack, block_on, client_from_env, codemetrics_with, docker, per_engine};

/// The bundled CodeMetrics manifest and seeds, as its own project on free
/// ports, without the admin UI.
fn codemetrics(test: &str, engine: &str) -> Stack {
    codemetrics_with(test, engine, false)
}

fn load(stack: &Stack) -> Manifest {
    Manifest::load(&stack.manifest(), None).unwrap()
}

/// Operations that change a table or its data.
const MUTATING: [&str; 8] = [
    "CreateTable",
    "UpdateTable",
    "DeleteTable",
    "UpdateTimeToLive",
    "BatchWriteItem",
    "PutItem",
    "DeleteItem",
    "UpdateItem",
];

fn up_creates_the_codemetrics_tables_and_a_second_up_changes_nothing(engine: &str, test: &str) {
    let stack = codemetrics(test, engine);
    let first = stack.up();
    for table in crate::support::CODEMETRICS_TABLES {
        first.assert_stderr_has(format!("{table}: created"));
    }
    first.assert_stderr_has("github-issues: created, 180 items");
    let manifest = load(&stack);
    let env = stack.env();
    block_on(async {
        let client = client_from_env(&env).await;
        for table in &manifest.tables {
            assert_matches_manifest(&client, &manifest, &table.name).await;
        }
    });
    let (code, status) = stack.status();
    assert_eq!(code, 0, "{status}");
    let counts: Vec<(String, i64)> = status["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["table"].as_str().unwrap().to_string(),
                t["items"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts[0],
        ("CodeMetrics_github-issues".to_string(), 180),
        "{status}"
    );
    assert_eq!(counts.len(), 6, "{status}");

    // The second run goes through a proxy that records every request.
    let quiet = block_on(async {
        let proxy = FakeServer::proxy(&env["AWS_ENDPOINT_URL"]).await;
        let out = tokio::task::spawn_blocking({
            let command = stack.command(&["--endpoint", &proxy.url, "up"]);
            move || crate::support::run(&mut { command })
        })
        .await
        .unwrap();
        out.assert_code(0);
        out.assert_stderr_has("github-issues: unchanged, 180 items");
        proxy.operations()
    });
    assert!(!quiet.is_empty(), "the proxy saw the second run");

    // `status --endpoint` reads the tables there without asking Docker.
    let out = stack.run(&["--endpoint", &env["AWS_ENDPOINT_URL"], "status", "--json"]);
    out.assert_code(0);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        report["services"].as_array().map(Vec::len),
        Some(0),
        "{report}"
    );
    assert!(
        report["tables"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "ACTIVE"),
        "{report}"
    );
    let mutating: Vec<&String> = quiet
        .iter()
        .filter(|op| MUTATING.contains(&op.as_str()))
        .collect();
    assert!(
        mutating.is_empty(),
        "a second up changed something: {mutating:?}"
    );
    // Whether the tables got their seed data costs it one read.
    let scans = quiet.iter().filter(|op| *op == "Scan").count();
    assert_eq!(scans, 1, "{quiet:?}");
}

per_engine!(
    up_creates_the_codemetrics_tables_and_a_second_up_changes_nothing,
    "tables": dynamodb_local, ministack, embedded
);

fn adds_a_new_global_index_and_reports_key_drift(engine: &str, test: &str) {
    let stack = codemetrics(test, engine);
    stack.up();
    let manifest_text = std::fs::read_to_string(stack.manifest()).unwrap();

    // A new global index on `views`.
    let with_index = append_index(
        &manifest_text,
        "views",
        "[[table.global_index]]\nname = \"by-kind\"\npartition_key = \"kind:S\"\nprojection = \"keys_only\"\n",
    );
    std::fs::write(stack.manifest(), &with_index).unwrap();
    let out = stack.up();
    out.assert_stderr_has("views: updated (added global index `by-kind`)");
    let env = stack.env();
    let physical = "CodeMetrics_views";
    block_on(async {
        let client = client_from_env(&env).await;
        let state = devstack::dynamo::tables::describe(&client, physical)
            .await
            .unwrap()
            .unwrap();
        let index = state
            .global_indexes
            .iter()
            .find(|g| g.name == "by-kind")
            .expect("by-kind");
        assert_eq!(index.status, TableStatus::Active);
        assert_eq!(index.projection, Projection::KeysOnly);
    });

    // An item of the table about to drift, to show it is left alone.
    block_on(async {
        let client = client_from_env(&env).await;
        client
            .put_item()
            .table_name("CodeMetrics_pipeline-cache")
            .item("pk", AttributeValue::S("DRIFT".into()))
            .item("sk", AttributeValue::S("KEPT".into()))
            .send()
            .await
            .unwrap();
    });

    // A changed sort key type is drift: exit 1, a diff, the reset hint, and
    // no table is touched. (`pipeline-cache` has no seed file that would
    // disagree with the new type first.)
    let drifted = change_sort_key(&with_index, "pipeline-cache", "sk:N");
    std::fs::write(stack.manifest(), drifted).unwrap();
    let out = stack.run(&["up"]);
    out.assert_code(1);
    out.assert_stderr_has("schema drift");
    out.assert_stderr_has("sort key: manifest `sk:N`, endpoint `sk:S`");
    out.assert_stderr_has("devstack reset pipeline-cache");
    block_on(async {
        let client = client_from_env(&env).await;
        let drifted = "CodeMetrics_pipeline-cache";
        let state = devstack::dynamo::tables::describe(&client, drifted)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            state.sort_key.map(|k| k.to_string()).as_deref(),
            Some("sk:S"),
            "the drifted table keeps its keys"
        );
        let kept = client
            .get_item()
            .table_name(drifted)
            .key("pk", AttributeValue::S("DRIFT".into()))
            .key("sk", AttributeValue::S("KEPT".into()))
            .send()
            .await
            .unwrap();
        assert!(kept.item.is_some(), "the drifted table keeps its items");
        let count = devstack::dynamo::load::count_items(&client, "CodeMetrics_github-issues")
            .await
            .unwrap();
        assert_eq!(count, 180, "drift leaves the other tables alone too");
    });
}

/// Changes the sort key of the `[[table]]` named `table`.
fn change_sort_key(manifest: &str, table: &str, key: &str) -> String {
    let start = manifest.find(&format!("name = \"{table}\"")).unwrap();
    let at = start + manifest[start..].find("sort_key = ").unwrap();
    let end = at + manifest[at..].find('\n').unwrap();
    format!(
        "{}sort_key = \"{key}\"{}",
        &manifest[..at],
        &manifest[end..]
    )
}

/// Adds an index block right after the `[[table]]` block named `table`.
fn append_index(manifest: &str, table: &str, index: &str) -> String {
    let marker = format!("name = \"{table}\"");
    let start = manifest.find(&marker).unwrap();
    let next_table = manifest[start..].find("\n[[table]]").map(|i| start + i);
    let at = next_table.unwrap_or(manifest.len());
    let at = manifest[..at]
        .rfind("\n[services")
        .filter(|i| *i > start)
        .unwrap_or(at);
    format!("{}\n{index}{}", &manifest[..at], &manifest[at..])
}

per_engine!(
    adds_a_new_global_index_and_reports_key_drift,
    "drift": dynamodb_local, ministack, embedded
);

fn reset_restores_exactly_the_seed_content(engine: &str, test: &str) {
    let stack = codemetrics(test, engine);
    stack.up();
    let manifest = load(&stack);
    let env = stack.env();
    let issues = "CodeMetrics_github-issues";
    let queries = "CodeMetrics_queries";
    block_on(async {
        let client = client_from_env(&env).await;
        // Extra items in two tables, and seeded items deleted from one.
        for table in [issues, queries] {
            client
                .put_item()
                .table_name(table)
                .item("pk", AttributeValue::S("EXTRA".into()))
                .item("sk", AttributeValue::S("EXTRA".into()))
                .send()
                .await
                .unwrap();
        }
        let seeded = seed_items(&manifest, "github-issues");
        for item in seeded.values().take(5) {
            client
                .delete_item()
                .table_name(issues)
                .key("pk", item["pk"].clone())
                .key("sk", item["sk"].clone())
                .send()
                .await
                .unwrap();
        }
        assert_eq!(items(&client, issues).await.len(), 176);
    });

    // `up --reseed` writes the seed items again: the deleted ones are back,
    // the extra one stays.
    let out = stack.run(&["up", "--reseed"]);
    out.assert_code(0);
    block_on(async {
        let client = client_from_env(&env).await;
        assert_eq!(items(&client, issues).await.len(), 181);
    });
    let seeded = seed_items(&manifest, "github-issues");
    block_on(async {
        let client = client_from_env(&env).await;
        for item in seeded.values().take(3) {
            client
                .delete_item()
                .table_name(issues)
                .key("pk", item["pk"].clone())
                .key("sk", item["sk"].clone())
                .send()
                .await
                .unwrap();
        }
    });

    // `reset TABLE` touches only that table.
    let out = stack.run(&["reset", "github-issues"]);
    out.assert_code(0);
    block_on(async {
        let client = client_from_env(&env).await;
        assert!(items(&client, issues).await == seed_items(&manifest, "github-issues"));
        assert_eq!(
            items(&client, queries).await.len(),
            41,
            "the other table keeps its extra item"
        );
    });

    // `reset` resets them all; tables outside the manifest are left alone.
    block_on(async {
        let client = client_from_env(&env).await;
        devstack::dynamo::tables::create(&client, &foreign_table())
            .await
            .unwrap();
    });
    let out = stack.run(&["reset"]);
    out.assert_code(0);
    block_on(async {
        let client = client_from_env(&env).await;
        for table in &manifest.tables {
            assert_matches_manifest(&client, &manifest, &table.name).await;
        }
        assert!(
            devstack::dynamo::tables::describe(&client, "someone-elses")
                .await
                .unwrap()
                .is_some()
        );
    });

    // `reset --no-seed` leaves a table empty, and the next `up` keeps it so.
    let out = stack.run(&["reset", "--no-seed", "queries"]);
    out.assert_code(0);
    let out = stack.up();
    out.assert_stderr_has("queries: unchanged, 0 items");

    let out = stack.run(&["reset", "no-such-table"]);
    out.assert_code(2);
    out.assert_stderr_has("`github-issues`, `vcs-cache`");
}

/// A table the manifest does not name.
fn foreign_table() -> devstack::manifest::TableSpec {
    let text = "[project]\nname = \"x\"\nengine = \"ministack\"\n[[table]]\nname = \"someone-elses\"\npartition_key = \"id:S\"\n";
    Manifest::from_text(Path::new("devstack.toml"), text.to_string())
        .unwrap()
        .tables[0]
        .clone()
}

per_engine!(reset_restores_exactly_the_seed_content, "reset": dynamodb_local, ministack, embedded);

#[test]
fn one_bad_item_among_thousands_fails_with_its_line_and_writes_nothing() {
    let stack = Stack::new("bad-seed", "ministack", "");
    let mut lines = String::new();
    for i in 1..=5000 {
        if i == 3217 {
            lines.push_str(&format!("{{\"pk\": \"ORDER#{i}\", \"total\": 12}}\n"));
        } else {
            lines.push_str(&format!(
                "{{\"pk\": \"ORDER#{i}\", \"sk\": \"v1\", \"total\": {i}}}\n"
            ));
        }
    }
    std::fs::write(stack.dir.path().join("orders.jsonl"), lines).unwrap();
    let mut manifest = std::fs::read_to_string(stack.manifest()).unwrap();
    manifest.push_str(
        "\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\nsort_key = \"sk:S\"\nseed = [\"orders.jsonl\"]\n\
         \n[[table]]\nname = \"customers\"\npartition_key = \"pk:S\"\n",
    );
    std::fs::write(stack.manifest(), manifest).unwrap();

    // A Docker API that records every request: it must see none.
    let socket = stack.dir.path().join("docker.sock");
    block_on(async {
        let (seen, server) = fake_docker(&socket, "unused").await;
        let out = tokio::task::spawn_blocking({
            let mut command = stack.command(&["up"]);
            command.env("DOCKER_HOST", format!("unix://{}", socket.display()));
            move || crate::support::run(&mut command)
        })
        .await
        .unwrap();
        server.abort();
        out.assert_code(2);
        out.assert_stderr_has("orders.jsonl:3217");
        out.assert_stderr_has("`sk`");
        out.assert_stderr_has("nothing was written");
        let seen = seen.lock().unwrap().clone();
        assert!(seen.is_empty(), "found before any Docker call: {seen:?}");
    });
}

#[test]
fn a_refused_reset_sends_no_request_and_allow_remote_lets_it_through() {
    block_on(async {
        let fake = FakeServer::creating_nothing().await;
        let stack = Stack::new("refused", "ministack", "");
        let mut manifest = std::fs::read_to_string(stack.manifest()).unwrap();
        manifest.push_str("\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\n");
        std::fs::write(stack.manifest(), manifest).unwrap();
        // 0.0.0.0 reaches this machine, but is not a loopback address.
        let remote = format!("http://0.0.0.0:{}", fake.port);
        let refused = tokio::task::spawn_blocking({
            let command = stack.command(&["--endpoint", &remote, "reset"]);
            move || crate::support::run(&mut { command })
        })
        .await
        .unwrap();
        refused.assert_code(2);
        refused.assert_stderr_has("refusing to reset tables");
        refused.assert_stderr_has("--allow-remote");
        assert_eq!(
            fake.operations(),
            Vec::<String>::new(),
            "a refused command sent requests"
        );

        let allowed = tokio::task::spawn_blocking({
            let command = stack.command(&["--endpoint", &remote, "--allow-remote", "reset"]);
            move || crate::support::run(&mut { command })
        })
        .await
        .unwrap();
        allowed.assert_code(1);
        allowed.assert_stderr_has("this fake creates nothing");
        assert!(
            !fake.operations().is_empty(),
            "with --allow-remote the requests go out"
        );
    });
}

/// The client seed loading uses, pointed at a fake endpoint.
fn loading_client(fake: &FakeServer) -> Client {
    devstack::dynamo::client::client(
        &fake.url,
        "us-east-1",
        devstack::dynamo::client::Profile::Loading,
    )
}

#[test]
fn unprocessed_items_and_throttling_are_retried_and_validation_errors_are_not() {
    use devstack::dynamo::load::{Batch, RetryPolicy, write_batch};
    use std::time::Duration;

    let batch = || Batch {
        origin: "seed/orders.jsonl:1".to_string(),
        requests: (0..25)
            .map(|i| {
                let put = aws_sdk_dynamodb::types::PutRequest::builder()
                    .item("pk", AttributeValue::S(format!("ORDER#{i}")))
                    .build()
                    .unwrap();
                aws_sdk_dynamodb::types::WriteRequest::builder()
                    .put_request(put)
                    .build()
            })
            .collect(),
    };
    let policy = RetryPolicy {
        attempts: 5,
        base: Duration::from_millis(5),
        cap: Duration::from_millis(50),
        budget: Duration::from_secs(30),
    };
    block_on(async {
        // Throttled, then 10 items left unprocessed, then done.
        let fake = FakeServer::start(|seen, number| {
            Box::pin(async move {
                match number {
                    0 => fake::error("ProvisionedThroughputExceededException", "slow down"),
                    1 => {
                        let requests = seen.body["RequestItems"]["orders"]
                            .as_array()
                            .unwrap()
                            .clone();
                        let rest: Vec<_> = requests.into_iter().skip(15).collect();
                        (
                            200,
                            serde_json::json!({"UnprocessedItems": {"orders": rest}}).to_string(),
                        )
                    }
                    _ => (200, serde_json::json!({"UnprocessedItems": {}}).to_string()),
                }
            })
        })
        .await;
        let client = loading_client(&fake);
        let written = write_batch(&client, "orders", batch(), policy)
            .await
            .unwrap();
        assert_eq!(written, 25);
        let seen = fake.seen.lock().unwrap().clone();
        let sizes: Vec<usize> = seen
            .iter()
            .map(|s| {
                s.body["RequestItems"]["orders"]
                    .as_array()
                    .map_or(0, Vec::len)
            })
            .collect();
        assert_eq!(
            sizes,
            [25, 25, 10],
            "the retry resends only what was unprocessed"
        );

        // A validation error is final: one request, the service's words.
        let fake = FakeServer::start(|_, _| {
            Box::pin(async { fake::error("ValidationException", "item too large") })
        })
        .await;
        let client = loading_client(&fake);
        let err = write_batch(&client, "orders", batch(), policy)
            .await
            .unwrap_err();
        assert_eq!(fake.operations().len(), 1);
        let shown = format!("{err:#}");
        assert!(
            shown.contains("ValidationException: item too large"),
            "{shown}"
        );
        assert!(shown.contains("seed/orders.jsonl:1"), "{shown}");

        // Throttled for ever: gives up within the budget, naming table and batch.
        let fake = FakeServer::start(|_, _| {
            Box::pin(async { fake::error("ThrottlingException", "busy") })
        })
        .await;
        let client = loading_client(&fake);
        let err = write_batch(&client, "orders", batch(), policy)
            .await
            .unwrap_err();
        assert_eq!(fake.operations().len(), 5);
        let shown = format!("{err:#}");
        assert!(
            shown.contains(
                "BatchWriteItem to `orders` (batch from seed/orders.jsonl:1) gave up after 5 attempts"
            ),
            "names the table and the batch: {shown}"
        );
        assert!(shown.contains("ThrottlingException: busy"), "{shown}");
    });
}

#[test]
#[ignore = "needs a Docker daemon"]
fn reset_may_name_a_project_container_but_not_another_projects() {
    let docker = docker();
    let stack = Stack::new("guard-names", "ministack", "");
    let mut manifest = std::fs::read_to_string(stack.manifest()).unwrap();
    manifest.push_str("\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\n");
    std::fs::write(stack.manifest(), manifest).unwrap();
    stack.up();

    // The project's own engine, by its network alias and by its container
    // name, as a container on the project network would reach it: allowed,
    // and the requests go to the address Docker reports for the container
    // on the project network, never to wherever the name resolves.
    let own = format!("devstack-{}-ministack", stack.project);
    let network = format!("devstack-{}", stack.project);
    let address = stack
        .containers(&docker)
        .into_iter()
        .find(|c| c.name == own)
        .and_then(|c| c.addresses.get(&network).copied())
        .unwrap_or_else(|| panic!("`{own}` has no address on `{network}`"));
    for host in ["aws-local", own.as_str()] {
        let url = format!("http://{host}:4566");
        let out = stack.run(&["--endpoint", &url, "reset"]);
        out.assert_stderr_lacks("refusing");
        out.assert_code(0);
        out.assert_stderr_has(format!("at http://{address}:4566"));
    }

    // Another project's container name is not ours: refused, exit 2.
    let other = "http://devstack-someone-else-ministack:4566";
    let out = stack.run(&["--endpoint", other, "reset"]);
    out.assert_code(2);
    out.assert_stderr_has("refusing to reset tables");
}
