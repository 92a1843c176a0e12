//! Platforms, sizes and dates at a glance, and comparing manifests, on in-page registries:
//! the tags view lists each index's platforms with their sizes and dates and sorts indexes by
//! their newest platform; the compare view shows configuration differences, layers shared,
//! added and removed and the size change, for two tags and for two platforms of an index.
#![cfg(target_arch = "wasm32")]

use std::collections::BTreeMap;

use bytes::Bytes;
use ociscope_core::memory::MemoryRegistry;
use ociscope_core::spec::Spec;
use ociscope_core::{media_type, Descriptor, Platform};
use ociscope_web::registry::{self, Registry};
use wasm_bindgen_test::*;

mod common;
use common::{blob, choose, click, image_at, query, repo, tag, type_into, Mounted};

wasm_bindgen_test_configure!(run_in_browser);

/// Pushes an index tagged `name` over one image per (platform, created, layer content).
async fn index(reg: &MemoryRegistry, name: &str, children: &[(&str, &str, &[u8])]) {
    let none = BTreeMap::new();
    let mut manifests = Vec::new();
    for (platform, created, layer) in children {
        let mut d: Descriptor = image_at(
            reg,
            "app/x",
            &[],
            layer,
            &none,
            &serde_json::json!({}),
            created,
        )
        .await;
        d.platform = Some(platform.parse::<Platform>().unwrap());
        manifests.push(d);
    }
    let index = serde_json::json!({
        "schemaVersion": 2, "mediaType": media_type::OCI_INDEX, "manifests": manifests,
    });
    reg.push_manifest(
        &repo("app/x"),
        media_type::OCI_INDEX,
        Bytes::from(index.to_string()),
        &[tag(name)],
    )
    .await
    .unwrap();
}

#[wasm_bindgen_test]
async fn tags_show_each_platform_with_size_and_date_and_sort_indexes_by_the_newest() {
    let reg = MemoryRegistry::new();
    index(
        &reg,
        "old",
        &[
            ("linux/amd64", "2020-01-01T00:00:00Z", b"old-amd64"),
            ("linux/arm64/v8", "2021-01-01T00:00:00Z", b"old-arm64-layer"),
        ],
    )
    .await;
    index(
        &reg,
        "mixed",
        &[
            ("linux/amd64", "2019-01-01T00:00:00Z", b"mixed-amd64"),
            ("linux/s390x", "2025-06-01T10:20:00Z", b"mixed-s390x"),
        ],
    )
    .await;
    let none = BTreeMap::new();
    image_at(
        &reg,
        "app/x",
        &["mid"],
        b"mid",
        &none,
        &serde_json::json!({}),
        "2023-01-01T00:00:00Z",
    )
    .await;
    registry::install("mem:glance", Registry::memory(reg));

    let app = Mounted::at("?registry=mem:glance&repo=app/x");
    app.find("#tags-summary", "details of 3 loaded (0 loading)")
        .await;
    let row = |tag: &str| {
        app.all(".tag-row")
            .into_iter()
            .find(|r| {
                r.query_selector("a.tag-link")
                    .ok()
                    .flatten()
                    .and_then(|a| a.text_content())
                    .as_deref()
                    == Some(tag)
            })
            .unwrap_or_else(|| panic!("no row for {tag}: {}", app.text()))
    };
    let old = row("old");
    let platforms = old.query_selector_all(".platform").unwrap();
    assert_eq!(platforms.length(), 2, "{}", app.text());
    let arm = platforms.item(1).unwrap().text_content().unwrap();
    assert!(arm.contains("linux/arm64/v8"), "{arm}");
    assert!(arm.contains("2021-01-01 00:00"), "{arm}");
    assert!(arm.contains(" B") || arm.contains("KiB"), "a size: {arm}");
    // The index is dated by its newest platform.
    let created = old
        .query_selector(".created")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    assert_eq!(created, "2021-01-01 00:00");
    assert!(row("mid").query_selector_all(".platform").unwrap().length() == 0);

    click(&app.find("button.sort", "newest").await);
    app.until("sorted by newest", |a| {
        let order: Vec<String> = a
            .all(".tag-row a.tag-link")
            .iter()
            .filter_map(|e| e.text_content())
            .collect();
        order == ["mixed", "mid", "old"]
    })
    .await;
}

#[wasm_bindgen_test]
async fn compares_two_tags_config_layers_and_size() {
    let reg = MemoryRegistry::new();
    let push = |tag: &'static str,
                env: serde_json::Value,
                labels: serde_json::Value,
                layers: Vec<&'static [u8]>| {
        let reg = reg.clone();
        async move {
            let mut descriptors = Vec::new();
            for l in layers {
                descriptors.push(blob(&reg, "app/y", media_type::OCI_LAYER_TAR_GZIP, l).await);
            }
            let config = serde_json::json!({
                "created": "2024-01-01T00:00:00Z", "architecture": "amd64", "os": "linux",
                "config": {"Env": env, "Labels": labels, "Cmd": [tag], "ExposedPorts": {format!("{}/tcp", tag.len()): {}}},
            });
            let config = blob(
                &reg,
                "app/y",
                media_type::OCI_CONFIG,
                config.to_string().as_bytes(),
            )
            .await;
            let manifest = serde_json::json!({
                "schemaVersion": 2, "mediaType": media_type::OCI_MANIFEST,
                "config": config, "layers": descriptors,
            });
            reg.push_manifest(
                &repo("app/y"),
                media_type::OCI_MANIFEST,
                Bytes::from(manifest.to_string()),
                &[common::tag(tag)],
            )
            .await
            .unwrap();
        }
    };
    push(
        "v1",
        serde_json::json!(["PATH=/bin", "MODE=old"]),
        serde_json::json!({"v": "1"}),
        vec![b"base-layer", b"app-v1"],
    )
    .await;
    push(
        "v2.0",
        serde_json::json!(["PATH=/bin", "MODE=new", "EXTRA=1"]),
        serde_json::json!({"v": "2"}),
        vec![b"base-layer", b"app-v2-bigger", b"more"],
    )
    .await;
    registry::install("mem:compare", Registry::memory(reg));

    // From the manifest view's link, then the second tag typed in.
    let app = Mounted::at("?registry=mem:compare&repo=app/y&ref=v1");
    click(&app.find("a.compare-link", "Compare with").await);
    type_into(&app.find("#compare-with", "").await, "v2.0");
    click(&app.find("#compare-go", "Compare").await);
    app.until("the address to keep both", |_| {
        query().contains("with=v2.0")
    })
    .await;
    assert!(
        query().contains("tool=compare") && query().contains("ref=v1"),
        "{}",
        query()
    );

    let env = app
        .find("#compare-env", "MODE")
        .await
        .text_content()
        .unwrap();
    assert!(
        env.contains("old") && env.contains("new") && env.contains("EXTRA"),
        "{env}"
    );
    assert!(
        !env.contains("PATH"),
        "unchanged variables are not listed: {env}"
    );
    app.find("#compare-labels", "v").await;
    let fields = app
        .find("#compare-config", "cmd")
        .await
        .text_content()
        .unwrap();
    assert!(fields.contains("v1") && fields.contains("v2.0"), "{fields}");
    app.find("#compare-ports", "2/tcp").await;
    app.find("#compare-ports", "4/tcp").await;
    let layers = app
        .find("#compare-layers-summary", "shared")
        .await
        .text_content()
        .unwrap();
    assert!(
        layers.starts_with("1 shared (10 B), 1 removed (6 B), 2 added (17 B)"),
        "{layers}"
    );
    assert_eq!(app.all("#compare-layers tr.layer-shared").len(), 1);
    assert_eq!(app.all("#compare-layers tr.layer-removed").len(), 1);
    assert_eq!(app.all("#compare-layers tr.layer-added").len(), 2);
    // Sizes include the configs; the change is the difference.
    app.find("#compare-size", "(+").await;
}

#[wasm_bindgen_test]
async fn compares_two_platforms_of_an_index_and_switches_platform() {
    let demo = registry::demo(&ociscope_demo::DemoOptions {
        repositories: 5,
        tags: 3,
    })
    .await
    .unwrap();
    registry::install("mem:platforms", demo);
    let app = Mounted::at("?registry=mem:platforms&repo=demo/hello&ref=latest");
    click(
        &app.find("a.compare-platforms-link", "Compare two platforms")
            .await,
    );
    app.find("#compare-layers-summary", "shared").await;
    let fields = app
        .find("#compare-config", "platform")
        .await
        .text_content()
        .unwrap();
    assert!(fields.contains("linux/amd64"), "{fields}");
    drop(app);

    // Two tags that are indexes: compared through the same platform, which a list switches.
    let app =
        Mounted::at("?tool=compare&registry=mem:platforms&repo=demo/hello&ref=latest&with=latest");
    let select = app.find("#compare-platform-with", "").await;
    app.find("#compare-config-same", "do not differ").await;
    let options = app.all("#compare-platform-with option");
    assert!(options.len() >= 2, "{}", app.text());
    let second = options[1].get_attribute("value").unwrap();
    choose(&select, &second);
    app.until("the address to name the platform", |_| {
        query().contains(&format!("with={second}"))
    })
    .await;
    app.find("#compare-config", "platform").await;
}
