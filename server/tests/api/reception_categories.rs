//! The category tree: archiving and restoring keep every category where it is, at any
//! depth, whether through REST or the server function the admin page calls.
use app::ids::CategoryId;
use app::reception::{category_tree, Category, CategoryUpdate};
use app::reception_api::UpdateCategory;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    archive_and_restore_keep_the_tree_at_every_level,
    duplicate_names_are_refused_among_active_siblings,
    one_name_created_many_times_at_once_is_created_once
);

async fn create(app: &TestApp, name: &str, parent: Option<&str>) -> String {
    let r = app.post_json(&app.client, "/v1/categories", json!({"name": name, "parent_id": parent})).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string()
}

async fn all(app: &TestApp) -> Vec<Category> {
    serde_json::from_value(app.get_json(&app.client, "/v1/categories").await).unwrap()
}

/// The tree as (depth, name, archived) in display order, the categories under test only.
async fn tree(app: &TestApp, names: &[&str]) -> Vec<(usize, String, bool)> {
    let cats = all(app).await;
    category_tree(&cats, |_| true).into_iter().filter(|(_, c)| names.contains(&c.name.as_str())).map(|(d, c)| (d, c.name.clone(), c.archived)).collect()
}

async fn parent_of(app: &TestApp, id: &str) -> Option<String> {
    all(app).await.into_iter().find(|c| c.id.to_string() == id).unwrap().parent_id.map(|p| p.to_string())
}

/// Archives or restores `id` as the admin page does (the server function, with the
/// update serialized by the shared type), or as a REST client does.
async fn set_archived(app: &TestApp, id: &str, archived: bool, through_page: bool) -> Value {
    let r = if through_page {
        let body = UpdateCategory { id: id.parse::<CategoryId>().unwrap(), input: CategoryUpdate { archived: Some(archived), ..Default::default() } };
        app.client.post(app.url("/api/categories_update")).json(&body).send().await.unwrap()
    } else {
        app.client.put(app.url(&format!("/v1/categories/{id}"))).json(&json!({ "archived": archived })).send().await.unwrap()
    };
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

async fn archive_and_restore_keep_the_tree_at_every_level(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let velos = create(&app, "Vélos", None).await;
    let enfants = create(&app, "Vélos enfants", Some(&velos)).await;
    let draisiennes = create(&app, "Draisiennes", Some(&enfants)).await;
    let names = ["Vélos", "Vélos enfants", "Draisiennes"];
    let parents = [(velos.as_str(), None), (enfants.as_str(), Some(velos.clone())), (draisiennes.as_str(), Some(enfants.clone()))];
    let whole = |archived: [bool; 3]| vec![(0, "Vélos".to_string(), archived[0]), (1, "Vélos enfants".to_string(), archived[1]), (2, "Draisiennes".to_string(), archived[2])];
    assert_eq!(tree(&app, &names).await, whole([false; 3]));

    for through_page in [true, false] {
        for (level, (id, parent)) in parents.iter().enumerate() {
            let mut archived = [false; 3];
            archived[level] = true;
            let v = set_archived(&app, id, true, through_page).await;
            assert_eq!((v["archived"].clone(), v["parent_id"].as_str().map(str::to_string)), (json!(true), parent.clone()), "archive level {level}, page {through_page}");
            for (other, p) in &parents {
                assert_eq!(&parent_of(&app, other).await, p, "after archiving level {level} (page {through_page})");
            }
            assert_eq!(tree(&app, &names).await, whole(archived), "tree after archiving level {level}");
            let v = set_archived(&app, id, false, through_page).await;
            assert_eq!((v["archived"].clone(), v["parent_id"].as_str().map(str::to_string)), (json!(false), parent.clone()), "restore level {level}, page {through_page}");
            for (other, p) in &parents {
                assert_eq!(&parent_of(&app, other).await, p, "after restoring level {level} (page {through_page})");
            }
            assert_eq!(tree(&app, &names).await, whole([false; 3]), "tree after restoring level {level}");
        }
    }
    // The whole branch archived bottom-up, then restored top-down: still one branch.
    for id in [&draisiennes, &enfants, &velos] {
        set_archived(&app, id, true, true).await;
    }
    assert_eq!(tree(&app, &names).await, whole([true; 3]));
    for id in [&velos, &enfants, &draisiennes] {
        set_archived(&app, id, false, true).await;
    }
    assert_eq!(tree(&app, &names).await, whole([false; 3]));
    // Moving to the top level stays possible, and says so explicitly.
    let r = app.client.put(app.url(&format!("/v1/categories/{draisiennes}"))).json(&json!({"parent_id": null})).send().await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["parent_id"], Value::Null);
}

async fn duplicate_names_are_refused_among_active_siblings(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let clash = |r: reqwest::Response| async move {
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["field"], "name", "{body}");
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains("existe déjà"), "{detail}");
        detail.to_string()
    };
    // "Mobilier" is seeded at the top level: any spelling of it clashes there.
    for name in ["Mobilier", "mobilier", "  MOBILIER ", "Mobilîer", "Möbilier"] {
        let detail = clash(app.post_json(&app.client, "/v1/categories", json!({ "name": name })).await).await;
        assert!(detail.contains("« Mobilier »"), "{detail}");
    }
    // Under another parent the same name is fine, once.
    let textile = app.category_id("Textile").await;
    let sub = create(&app, "Mobilier", Some(&textile)).await;
    clash(app.post_json(&app.client, "/v1/categories", json!({"name": "mobilier", "parent_id": textile})).await).await;
    // The server function the admin page calls says the same.
    let r = app
        .client
        .post(app.url("/api/categories_create"))
        .json(&json!({"input": {"name": "MOBILIER", "parent_id": textile}}))
        .send()
        .await
        .unwrap();
    clash(r).await;
    // Renaming into a sibling's name, or moving next to a namesake, clashes too.
    let vetements = app.category_id("Vêtements").await;
    let r = app.client.put(app.url(&format!("/v1/categories/{vetements}"))).json(&json!({"name": "Linge de Maison"})).send().await.unwrap();
    clash(r).await;
    let r = app.client.put(app.url(&format!("/v1/categories/{sub}"))).json(&json!({"parent_id": null})).send().await.unwrap();
    clash(r).await;
    // Renaming a category to its own name with another case is not a clash with itself.
    let r = app.client.put(app.url(&format!("/v1/categories/{vetements}"))).json(&json!({"name": "VÊTEMENTS"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // An archived sibling does not block; restoring it while its namesake is active does.
    let r = app.client.put(app.url(&format!("/v1/categories/{sub}"))).json(&json!({"archived": true})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let again = create(&app, "mobilier", Some(&textile)).await;
    let r = app.client.put(app.url(&format!("/v1/categories/{sub}"))).json(&json!({"archived": false})).send().await.unwrap();
    clash(r).await;
    // Nothing was written by the refused requests.
    let cats = all(&app).await;
    let under_textile: Vec<_> = cats.iter().filter(|c| c.parent_id.map(|p| p.to_string()) == Some(textile.clone()) && c.name.to_lowercase() == "mobilier").map(|c| (c.id.to_string(), c.archived)).collect();
    assert_eq!(under_textile.len(), 2);
    assert!(under_textile.contains(&(sub.clone(), true)) && under_textile.contains(&(again.clone(), false)));
    assert_eq!(cats.iter().filter(|c| c.parent_id.is_none() && c.name.to_lowercase().contains("mobil")).count(), 1);
    assert_eq!(cats.iter().find(|c| c.name.eq_ignore_ascii_case("vÊtements") || c.name == "VÊTEMENTS").map(|c| c.name.clone()).as_deref(), Some("VÊTEMENTS"));
}

/// A double click, or two admins at once: the same new name sent eight times together
/// (two spellings, at the top level and under a parent) makes one category each time;
/// the others get the field's French error.
async fn one_name_created_many_times_at_once_is_created_once(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let textile = app.category_id("Textile").await;
    for parent in [None, Some(textile.clone())] {
        let sends = (0..8).map(|i| {
            let name = if i % 2 == 0 { "Jouets anciens" } else { "jouets ANCIENS" };
            app.client.post(app.url("/v1/categories")).json(&json!({"name": name, "parent_id": parent})).send()
        });
        let mut created = 0;
        for r in futures::future::join_all(sends).await {
            let r = r.unwrap();
            match r.status() {
                StatusCode::CREATED => created += 1,
                status => {
                    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
                    let body: Value = r.json().await.unwrap();
                    assert_eq!(body["field"], "name", "{body}");
                    let detail = body["detail"].as_str().unwrap();
                    assert!(detail.contains("existe déjà") || detail.contains("vient d'être créée"), "{detail}");
                }
            }
        }
        assert_eq!(created, 1, "under {parent:?}");
        let same = all(&app).await.into_iter().filter(|c| c.parent_id.map(|p| p.to_string()) == parent && c.name.to_lowercase() == "jouets anciens").count();
        assert_eq!(same, 1, "under {parent:?}");
    }
}
