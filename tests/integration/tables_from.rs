//! Tables from where they are already defined: `init` and `import` from a
//! running DynamoDB and from the files that define them, `[[tables_from]]`
//! brought up on every engine, and `export` read back.

use std::collections::BTreeMap;

use devstack::dynamo::tables::{self, TableState};

use crate::support::tables::items;
use crate::support::{Stack, block_on, client_from_env, codemetrics_with, per_engine};

/// What DescribeTable says of a table that a manifest decides: keys,
/// indexes, billing, stream and TTL; not its status, counts or dates.
fn shape(state: TableState) -> TableState {
    let index = |mut i: tables::IndexState| {
        i.status = tables::TableStatus::Active;
        i
    };
    TableState {
        status: tables::TableStatus::Active,
        item_count: None,
        size_bytes: None,
        created: None,
        global_indexes: {
            let mut all: Vec<_> = state.global_indexes.into_iter().map(index).collect();
            all.sort_by(|a, b| a.name.cmp(&b.name));
            all
        },
        local_indexes: state.local_indexes.into_iter().map(index).collect(),
        ..state
    }
}

/// Every table of the endpoint `env` names, by name, as `shape` keeps it.
fn shapes(env: &BTreeMap<String, String>) -> BTreeMap<String, TableState> {
    let names = crate::support::table_names(env);
    block_on(async {
        let client = client_from_env(env).await;
        let mut all = BTreeMap::new();
        for name in names {
            if name == devstack::service::STATE_TABLE {
                continue;
            }
            let state = tables::describe(&client, &name).await.unwrap().unwrap();
            all.insert(name, shape(state));
        }
        all
    })
}

per_engine!(init_from_an_endpoint_carries_its_tables_and_items, "init-ep": dynamodb_local, ministack, embedded);

/// A team on compose + scripts moves over in one command: `init
/// --from-endpoint --seeds` writes a manifest whose stack has the same
/// tables, with the same items.
fn init_from_an_endpoint_carries_its_tables_and_items(engine: &str, project: &str) {
    let source = codemetrics_with(project, engine, false);
    source.up();
    let source_env = source.env();
    let url = &source_env["AWS_ENDPOINT_URL_DYNAMODB"];

    let copy = Stack::new(&format!("{project}-copy"), engine, "");
    std::fs::remove_file(copy.manifest()).unwrap();
    copy.run(&[
        "--engine",
        engine,
        "init",
        "--name",
        &copy.project,
        "--from-endpoint",
        url,
        "--seeds",
        "seed",
    ])
    .assert_code(0)
    .assert_stderr_has("wrote 180 items of `CodeMetrics_github-issues`")
    .assert_stderr_has("6 tables");
    let written = std::fs::read_to_string(copy.manifest()).unwrap();
    assert!(
        written.contains(&format!("engine = \"{engine}\"")),
        "{written}"
    );
    // Seed files once written are never overwritten.
    let seed = copy.dir.path().join("seed/CodeMetrics_views.jsonl");
    let before = std::fs::read_to_string(&seed).unwrap();
    copy.run(&["import", "--from-endpoint", url, "--seeds", "seed"])
        .assert_code(2)
        .assert_stderr_has("already exists; devstack does not overwrite seed files");
    assert_eq!(std::fs::read_to_string(&seed).unwrap(), before);
    // Free ports, as every test stack has.
    std::fs::write(
        copy.manifest(),
        format!("{written}\n[services.{engine}]\nport = 0\n"),
    )
    .unwrap();
    copy.up();
    let copy_env = copy.env();

    let (want, have) = (shapes(&source_env), shapes(&copy_env));
    assert_eq!(want.len(), 6, "{want:?}");
    assert_eq!(have, want);
    block_on(async {
        let (from, to) = (
            client_from_env(&source_env).await,
            client_from_env(&copy_env).await,
        );
        for name in want.keys() {
            assert_eq!(items(&to, name).await, items(&from, name).await, "{name}");
        }
    });
}

#[test]
fn init_never_overwrites_a_manifest() {
    let stack = Stack::new("init-twice", "embedded", "");
    let before = std::fs::read_to_string(stack.manifest()).unwrap();
    stack
        .run(&["init"])
        .assert_code(2)
        .assert_stderr_has("already exists; devstack does not overwrite a manifest");
    assert_eq!(std::fs::read_to_string(stack.manifest()).unwrap(), before);
}

#[test]
fn init_without_sources_writes_a_manifest_that_validates() {
    let stack = Stack::new("init-bare", "embedded", "");
    std::fs::remove_file(stack.manifest()).unwrap();
    stack
        .run(&["init", "--name", "shop", "--port", "0"])
        .assert_code(0)
        .assert_stderr_has("for project `shop` on embedded, 0 tables");
    let written = std::fs::read_to_string(stack.manifest()).unwrap();
    assert!(
        written.contains("[services.embedded]\nport = 0\n"),
        "{written}"
    );
    assert!(
        written.contains("# [[table]]"),
        "an example table: {written}"
    );
    stack
        .run(&["validate"])
        .assert_code(0)
        .assert_stdout_has("project  shop");
}

#[test]
fn import_names_a_file_it_cannot_use() {
    let stack = Stack::new("import-bad", "embedded", "");
    stack
        .run(&["import", "nowhere.yaml"])
        .assert_code(2)
        .assert_stderr_has("`nowhere.yaml` does not exist");
    std::fs::write(stack.dir.path().join("tables.txt"), "orders").unwrap();
    stack
        .run(&["import", "tables.txt"])
        .assert_code(2)
        .assert_stderr_has("cannot tell what `tables.txt` is")
        .assert_stderr_has("pass `--format`");
}

/// The fixtures shaped like real projects, each its own `[[tables_from]]`:
/// a SAM app (with seed data for one of its tables), a CDK app's synth
/// output, a template whose table name needs a parameter, CreateTable
/// JSON (a request and `describe-table` output) and a Terraform module.
fn with_every_kind_of_file(test: &str, engine: &str) -> Stack {
    let stack = Stack::new(
        test,
        engine,
        "\n[[tables_from]]\npath = \"sam-app/template.yaml\"\nparameters = { Stage = \"staging\" }\n\
         [tables_from.table.OrdersTable]\nseed = [\"orders.jsonl\"]\n\
         [[tables_from]]\npath = \"cdk-app/cdk.out/ShopStack.template.json\"\n\
         [[tables_from]]\npath = \"computed-name/template.yaml\"\nparameters = { Stage = \"ci\" }\n\
         [[tables_from]]\npath = \"create-table/orders.json\"\n\
         [[tables_from]]\npath = \"create-table/users.describe.json\"\n\
         [[tables_from]]\npath = \"terraform/module\"\n",
    );
    let fixtures = crate::support::root().join("tests/fixtures/iac");
    let copy = |from: &str, to: &str| {
        crate::support::tables::copy_dir(&fixtures.join(from), &stack.dir.path().join(to))
    };
    copy("sam-app", "sam-app");
    copy("cdk-app/cdk.out", "cdk-app/cdk.out");
    copy("computed-name", "computed-name");
    copy("create-table", "create-table");
    copy("terraform/module", "terraform/module");
    std::fs::write(
        stack.dir.path().join("orders.jsonl"),
        "{\"customer_id\": \"c1\", \"order_id\": \"o1\", \"status\": \"placed\", \"placed_at\": 1}\n\
         {\"customer_id\": \"c1\", \"order_id\": \"o2\", \"status\": \"paid\", \"placed_at\": 2}\n\
         {\"customer_id\": \"c2\", \"order_id\": \"o3\", \"status\": \"placed\", \"placed_at\": 3}\n",
    )
    .unwrap();
    stack
}

/// Every table the fixtures define, as the files name them (the stack's
/// name stands in for `AWS::StackName`).
fn fixture_tables(project: &str) -> Vec<String> {
    let mut names = vec![
        format!("{project}-sessions"),
        format!("{project}-staging-orders"),
        "shop-orders".to_string(),
        "CartsTableA4B2C5E1".to_string(),
        format!("{project}-ci-orders"),
        "orders".to_string(),
        "users".to_string(),
        "shop-dev-orders".to_string(),
        "Shop-sessions-dev".to_string(),
        "shop-dev-audit-0".to_string(),
    ];
    names.sort();
    names
}

per_engine!(tables_from_templates_and_terraform_come_up_as_the_files_say, "iac-up": dynamodb_local, ministack, embedded);

/// `up` on a manifest that takes its tables from a SAM template, a CDK
/// synth output, CreateTable JSON and a Terraform module makes every table
/// those files define, with their keys, indexes, billing, TTL and streams,
/// and the imported tables take part in reconcile, `scan` and `reset`
/// like written ones.
fn tables_from_templates_and_terraform_come_up_as_the_files_say(engine: &str, project: &str) {
    let stack = with_every_kind_of_file(project, engine);
    stack.up();
    let manifest = devstack::manifest::Manifest::load(&stack.manifest(), None).unwrap();
    let mut physical: Vec<String> = manifest.tables.iter().map(|t| t.physical.clone()).collect();
    physical.sort();
    assert_eq!(physical, fixture_tables(&stack.project));

    let env = stack.env();
    block_on(async {
        let client = client_from_env(&env).await;
        for table in &manifest.tables {
            crate::support::tables::assert_matches_manifest(&client, &manifest, &table.name).await;
        }
        // What the files say, read back from the engine.
        let described = |name: &str| {
            let client = client.clone();
            let name = name.to_string();
            async move { tables::describe(&client, &name).await.unwrap().unwrap() }
        };
        let cdk = described("shop-orders").await;
        assert_eq!(cdk.ttl.as_deref(), Some("expiresAt"));
        assert_eq!(
            cdk.stream,
            Some(devstack::manifest::StreamView::NewAndOldImages)
        );
        assert_eq!(cdk.global_indexes[0].name, "gsi1");
        let sam = described(&format!("{}-staging-orders", stack.project)).await;
        assert_eq!(sam.ttl.as_deref(), Some("expires_at"));
        assert_eq!(sam.local_indexes.len(), 1);
        let terraform = described("shop-dev-orders").await;
        assert_eq!(terraform.global_indexes.len(), 2, "{terraform:?}");
        assert_eq!(terraform.local_indexes[0].name, "by_created_at");
        let provisioned = described("Shop-sessions-dev").await;
        assert_eq!(
            provisioned.billing,
            devstack::manifest::Billing::Provisioned { read: 5, write: 2 }
        );
    });

    // A second `up` finds nothing to change.
    stack
        .run(&["up"])
        .assert_code(0)
        .assert_stderr_has("already up");
    // The seed data given in the manifest, by the template's logical id.
    let orders = format!("{}-staging-orders", stack.project);
    let scanned = stack.run(&["scan", &orders, "-o", "jsonl"]);
    scanned.assert_code(0);
    assert_eq!(scanned.stdout.lines().count(), 3, "{}", scanned.stdout);
    stack.run(&["reset", &orders]).assert_code(0);
    let scanned = stack.run(&["scan", &orders, "-o", "jsonl"]);
    assert_eq!(scanned.stdout.lines().count(), 3, "{}", scanned.stdout);
}

#[test]
fn validate_says_where_each_table_comes_from_and_what_is_not_carried() {
    let stack = with_every_kind_of_file("iac-validate", "embedded");
    let out = stack.run(&["validate"]);
    out.assert_code(0)
        .assert_stdout_has("tables   10 ")
        .assert_stdout_has("from sam-app/template.yaml:57")
        .assert_stdout_has("from terraform/module/main.tf:23")
        .assert_stdout_has("from create-table/users.describe.json:")
        .assert_stdout_has("not carried (no effect on a local engine):")
        .assert_stdout_has("Resources.OrdersTable.Properties.SSESpecification")
        .assert_stdout_has("aws_dynamodb_table.orders.point_in_time_recovery");
    let out = stack.run(&["validate", "--json"]);
    out.assert_code(0);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let from: Vec<&str> = report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["from"].as_str())
        .collect();
    assert_eq!(from.len(), 10, "{report}");
    assert!(
        report["not_carried"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["field"] == "Table.DeletionProtectionEnabled"),
        "{report}"
    );
}

/// A table as the manifest decides it, without where it was read from.
fn decided(mut table: devstack::manifest::TableSpec) -> devstack::manifest::TableSpec {
    table.line = 0;
    table.from = None;
    table.seeds = Vec::new();
    table
}

/// The tables of the manifest at `path`, as `decided` keeps them.
fn tables_of(path: &std::path::Path) -> Vec<devstack::manifest::TableSpec> {
    let manifest = devstack::manifest::Manifest::load(path, None)
        .unwrap_or_else(|err| panic!("{}: {err:#}", path.display()));
    let mut tables: Vec<_> = manifest.tables.into_iter().map(decided).collect();
    tables.sort_by(|a, b| a.physical.cmp(&b.physical));
    tables
}

#[test]
fn export_in_every_format_reads_back_as_the_same_tables() {
    let stack = with_every_kind_of_file("iac-export", "embedded");
    let want = tables_of(&stack.manifest());
    assert_eq!(want.len(), 10);
    for (format, file) in [
        ("cloudformation", "exported.yaml"),
        ("terraform", "exported.tf"),
        ("create-table-json", "exported.json"),
    ] {
        let out = stack.run(&["export", "--format", format, "-o", file]);
        out.assert_code(0)
            .assert_stderr_has(format!("wrote 10 tables to {file}"));
        if format == "create-table-json" {
            // CreateTable cannot carry TTL: the call that sets it is printed.
            out.assert_stderr_has(
                "aws dynamodb update-time-to-live --table-name shop-orders --time-to-live-specification Enabled=true,AttributeName=expiresAt",
            );
        }
        let back = stack.dir.path().join(format!("back-{format}"));
        std::fs::create_dir_all(&back).unwrap();
        std::fs::write(
            back.join("devstack.toml"),
            format!("[project]\nname = \"back\"\n[[tables_from]]\npath = \"../{file}\"\n"),
        )
        .unwrap();
        let mut expected = want.clone();
        if format == "create-table-json" {
            for table in &mut expected {
                table.ttl = None;
            }
        }
        assert_eq!(tables_of(&back.join("devstack.toml")), expected, "{format}");
    }
    // To standard output when no file is named.
    stack
        .run(&["export", "--format", "terraform"])
        .assert_code(0)
        .assert_stdout_has("resource \"aws_dynamodb_table\"");
    // Nothing to export is said, not written as an empty template.
    let empty = Stack::new("iac-export-none", "embedded", "");
    empty
        .run(&["export", "--format", "cloudformation", "-o", "none.yaml"])
        .assert_code(2)
        .assert_stderr_has("has no tables to export");
    assert!(!empty.dir.path().join("none.yaml").exists());
}

#[test]
fn import_prints_tables_that_read_back_as_the_files_define_them() {
    let stack = with_every_kind_of_file("iac-import", "embedded");
    let files = [
        "sam-app/template.yaml",
        "cdk-app/cdk.out/ShopStack.template.json",
        "create-table/orders.json",
        "create-table/users.describe.json",
        "terraform/module",
    ];
    // The same files, through the manifest.
    let entries: String = files
        .iter()
        .map(|f| format!("[[tables_from]]\npath = \"{f}\"\n"))
        .collect();
    let through = stack.dir.path().join("through.toml");
    std::fs::write(
        &through,
        format!("[project]\nname = \"{}\"\n{entries}", stack.project),
    )
    .unwrap();

    let mut args = vec!["import"];
    args.extend(files);
    let stack_name = format!("AWS::StackName={}", stack.project);
    args.extend(["--set", &stack_name]);
    let out = stack.run(&args);
    out.assert_code(0)
        .assert_stderr_has("9 tables found")
        .assert_stderr_has("not carried (no effect on a local engine): sam-app/template.yaml:");
    let imported = stack.dir.path().join("imported.toml");
    std::fs::write(
        &imported,
        format!("[project]\nname = \"{}\"\n{}", stack.project, out.stdout),
    )
    .unwrap();
    assert_eq!(tables_of(&imported), tables_of(&through));
}

/// `cfn-lint`, from PyPI (`scripts/test.sh` names it in `DEVSTACK_CFN_LINT`).
fn cfn_lint() -> std::path::PathBuf {
    match std::env::var_os("DEVSTACK_CFN_LINT").map(std::path::PathBuf::from) {
        Some(bin) if bin.is_file() => bin,
        _ => panic!(
            "this test needs cfn-lint: set DEVSTACK_CFN_LINT to the `cfn-lint` of `bash scripts/ensure-python-tools.sh cfn-lint cfn-lint==1.58.0`"
        ),
    }
}

#[test]
#[ignore = "needs cfn-lint (scripts/test.sh installs it from PyPI)"]
fn the_exported_cloudformation_passes_cfn_lint() {
    let lint = cfn_lint();
    let stack = with_every_kind_of_file("iac-lint", "embedded");
    crate::support::tables::copy_dir(
        &crate::support::root().join("bootstrap/seed"),
        &stack.dir.path().join("seed"),
    );
    std::fs::copy(
        crate::support::root().join("bootstrap/devstack.toml"),
        stack.dir.path().join("codemetrics.toml"),
    )
    .unwrap();
    stack
        .run(&[
            "export",
            "--format",
            "cloudformation",
            "-o",
            "every-kind.yaml",
        ])
        .assert_code(0);
    stack
        .run(&[
            "-f",
            "codemetrics.toml",
            "export",
            "--format",
            "cloudformation",
            "-o",
            "codemetrics.yaml",
        ])
        .assert_code(0);
    for template in ["every-kind.yaml", "codemetrics.yaml"] {
        // Errors, warnings and informational findings all fail.
        let mut command = crate::support::command(&lint);
        command
            .current_dir(stack.dir.path())
            .args(["--include-checks", "I", "--", template]);
        crate::support::run(&mut command)
            .context(template)
            .assert_code(0);
    }
}

#[test]
#[ignore = "needs a Docker daemon"]
fn init_reads_a_dynamodb_local_without_shared_db_with_the_key_it_is_given() {
    use devstack::dynamo::client::{Profile, with_access_key};
    let _docker = crate::support::docker();
    // A compose-style DynamoDB Local: its image's own command, so tables
    // are kept per access key and region.
    let stack = Stack::new("init-key", "embedded", "");
    std::fs::remove_file(stack.manifest()).unwrap();
    let container = stack.project.clone();
    crate::support::docker_cli(&[
        "run",
        "-d",
        "--name",
        &container,
        "--label",
        &format!("{}={container}", devstack::stack::docker::LABEL_PROJECT),
        "-p",
        "127.0.0.1::8000",
        "amazon/dynamodb-local:3.3.0",
    ]);
    let port =
        crate::support::run(crate::support::command("docker").args(["port", &container, "8000"]));
    port.assert_code(0);
    let address = port.stdout.lines().next().unwrap().trim().to_string();
    let url = format!("http://{address}");
    block_on(async {
        let client = with_access_key(&url, "us-east-1", "fakeMyKeyId", Profile::Probe);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
        while client.list_tables().send().await.is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "DynamoDB Local at {url} never answered"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        client
            .create_table()
            .table_name("legacy")
            .attribute_definitions(
                aws_sdk_dynamodb::types::AttributeDefinition::builder()
                    .attribute_name("id")
                    .attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S)
                    .build()
                    .unwrap(),
            )
            .key_schema(
                aws_sdk_dynamodb::types::KeySchemaElement::builder()
                    .attribute_name("id")
                    .key_type(aws_sdk_dynamodb::types::KeyType::Hash)
                    .build()
                    .unwrap(),
            )
            .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
            .send()
            .await
            .unwrap();
    });
    // devstack's own key sees none of that key's tables…
    stack
        .run(&["import", "--from-endpoint", &url])
        .assert_code(0)
        .assert_stderr_has("0 tables found");
    // …the key the tables were made with sees them.
    stack
        .run(&[
            "init",
            "--name",
            "legacy",
            "--from-endpoint",
            &url,
            "--access-key-id",
            "fakeMyKeyId",
        ])
        .assert_code(0)
        .assert_stderr_has("1 table");
    let written = std::fs::read_to_string(stack.manifest()).unwrap();
    assert!(
        written.contains("name = \"legacy\"\npartition_key = \"id:S\""),
        "{written}"
    );
}

#[test]
fn init_from_files_reads_them_where_they_are_with_the_values_each_declares() {
    let stack = with_every_kind_of_file("init-files", "embedded");
    std::fs::remove_file(stack.manifest()).unwrap();
    // A value no file declares: nothing is written.
    stack
        .run(&[
            "init",
            "--from",
            "sam-app/template.yaml",
            "--set",
            "Stag=staging",
        ])
        .assert_code(2)
        .assert_stderr_has("`--set Stag=…`: no file given declares a parameter or variable `Stag`");
    assert!(!stack.manifest().exists());

    stack
        .run(&[
            "init",
            "--name",
            "shop",
            "--from",
            "sam-app/template.yaml",
            "--from",
            "terraform/module",
            "--from",
            "create-table/orders.json",
            "--set",
            "Stage=staging",
            "--set",
            "env=qa",
            "--region",
            "eu-west-1",
        ])
        .assert_code(0)
        .assert_stderr_has("for project `shop` on embedded, 6 tables");
    let written = std::fs::read_to_string(stack.manifest()).unwrap();
    // Each file keeps its tables; each entry gets the values its file
    // declares, CreateTable JSON none.
    for entry in [
        "[[tables_from]]\npath = \"sam-app/template.yaml\"\nparameters = { Stage = \"staging\" }\n",
        "[[tables_from]]\npath = \"terraform/module\"\nvariables = { env = \"qa\" }\n",
        "[[tables_from]]\npath = \"create-table/orders.json\"\n",
    ] {
        assert!(written.contains(entry), "{entry} in\n{written}");
    }
    let after = written
        .split("create-table/orders.json")
        .nth(1)
        .unwrap_or_default();
    assert!(
        !after.contains(" = {"),
        "no values for CreateTable JSON:\n{written}"
    );
    assert!(written.contains("region = \"eu-west-1\""), "{written}");
    let out = stack.run(&["validate", "--json"]);
    out.assert_code(0);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let mut names: Vec<&str> = report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["physical"].as_str())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "Shop-sessions-qa",
            "orders",
            "shop-qa-audit-0",
            "shop-qa-orders",
            "shop-sessions",
            "shop-staging-orders"
        ]
    );
}
