use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    admin_routes_refuse_anonymous_and_non_admins,
    admin_creates_lists_and_updates_users,
    user_validation_errors,
    admins_cannot_lock_themselves_out,
);

async fn admin_routes_refuse_anonymous_and_non_admins(db: Db) {
    let app = spawn_app(db).await;
    let anon = app.other_client();
    assert_detail(anon.get(app.url("/v1/admin/users")).send().await.unwrap(), StatusCode::UNAUTHORIZED, "Authentification requise").await;
    let r = anon.post(app.url("/v1/admin/users")).json(&json!({"username": "x", "password": "y"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    app.login_admin().await;
    app.create_user("lea", "motdepasse-lea", &["reception.access"]).await;
    let lea = app.other_client();
    assert_eq!(app.login_with(&lea, "lea", "motdepasse-lea").await.status(), StatusCode::OK);
    assert_detail(lea.get(app.url("/v1/admin/users")).send().await.unwrap(), StatusCode::FORBIDDEN, "pas la permission").await;
    let r = lea.post(app.url("/v1/admin/users")).json(&json!({"username": "pirate", "password": "motdepasse", "permissions": ["admin"]})).send().await.unwrap();
    assert_detail(r, StatusCode::FORBIDDEN, "pas la permission").await;
    assert_detail(lea.get(app.url("/v1/admin/outbox")).send().await.unwrap(), StatusCode::FORBIDDEN, "pas la permission").await;
    // Nothing was written by the refused request.
    let users: Value = app.client.get(app.url("/v1/admin/users")).send().await.unwrap().json().await.unwrap();
    assert_eq!(users.as_array().unwrap().len(), 2);
}

async fn admin_creates_lists_and_updates_users(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let r = app
        .client
        .post(app.url("/v1/admin/users"))
        .json(&json!({"username": "  Jean.Dupont ", "display_name": "Jean Dupont", "password": "motdepasse-jean",
                      "permissions": ["reception.access", "caisse.access", "reception.access"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let jean: Value = r.json().await.unwrap();
    assert_eq!(jean["username"], "jean.dupont");
    assert_eq!(jean["display_name"], "Jean Dupont");
    assert_eq!(jean["permissions"], json!(["reception.access", "caisse.access"]));
    assert_eq!(jean["active"], true);
    let id = jean["id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok());

    let list: Value = app.client.get(app.url("/v1/admin/users")).send().await.unwrap().json().await.unwrap();
    let names: Vec<_> = list.as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["admin", "jean.dupont"]);

    // Rename, change permissions and password in one update.
    let r = app
        .client
        .put(app.url(&format!("/v1/admin/users/{id}")))
        .json(&json!({"username": "jdupont", "display_name": "J. Dupont", "password": "nouveau-mot-de-passe", "permissions": ["admin"], "active": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let updated: Value = r.json().await.unwrap();
    assert_eq!(updated["username"], "jdupont");
    assert_eq!(updated["display_name"], "J. Dupont");
    assert_eq!(updated["permissions"], json!(["admin"]));

    let c = app.other_client();
    assert_eq!(app.login_with(&c, "jdupont", "motdepasse-jean").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.login_with(&c, "jdupont", "nouveau-mot-de-passe").await.status(), StatusCode::OK);
    let me: Value = c.get(app.url("/v1/auth/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["permissions"], json!(["admin"]));

    // A partial update leaves the other fields alone.
    let r = app.client.put(app.url(&format!("/v1/admin/users/{id}"))).json(&json!({"display_name": "Jean D."})).send().await.unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!((v["username"].as_str(), v["display_name"].as_str(), v["permissions"].clone()), (Some("jdupont"), Some("Jean D."), json!(["admin"])));
}

async fn user_validation_errors(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let create = |body: Value| app.client.post(app.url("/v1/admin/users")).json(&body).send();
    let cases = [
        (json!({"username": "ab", "password": "motdepasse"}), StatusCode::UNPROCESSABLE_ENTITY, "entre 3 et 50 caractères"),
        (json!({"username": "élodie", "password": "motdepasse"}), StatusCode::UNPROCESSABLE_ENTITY, "lettres sans accent"),
        (json!({"username": "elodie", "password": "court"}), StatusCode::UNPROCESSABLE_ENTITY, "au moins 8 caractères"),
        (json!({"username": "elodie", "password": "motdepasse", "permissions": ["root"]}), StatusCode::UNPROCESSABLE_ENTITY, "Permission inconnue : « root »"),
        (json!({"username": "elodie", "password": "motdepasse", "display_name": "x".repeat(101)}), StatusCode::UNPROCESSABLE_ENTITY, "100 caractères"),
        (json!({"username": "elodie"}), StatusCode::UNPROCESSABLE_ENTITY, "Données invalides"),
        (json!({"username": "ADMIN", "password": "motdepasse"}), StatusCode::CONFLICT, "déjà pris"),
    ];
    for (body, status, detail) in cases {
        assert_detail(create(body).await.unwrap(), status, detail).await;
    }
    let list: Value = app.client.get(app.url("/v1/admin/users")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "no partial write: {list}");

    let other = app.create_user("elodie", "motdepasse-elodie", &[]).await;
    let other_id = other["id"].as_str().unwrap();
    let put = |id: String, body: Value| app.client.put(app.url(&format!("/v1/admin/users/{id}"))).json(&body).send();
    assert_detail(put(other_id.into(), json!({"username": "admin"})).await.unwrap(), StatusCode::CONFLICT, "déjà pris").await;
    assert_detail(put(other_id.into(), json!({"password": "court"})).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "au moins 8").await;
    assert_detail(put(other_id.into(), json!({"permissions": ["caisse"]})).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "Permission inconnue").await;
    assert_detail(put(uuid::Uuid::new_v4().to_string(), json!({"active": false})).await.unwrap(), StatusCode::NOT_FOUND, "Utilisateur introuvable").await;
    assert_detail(put("pas-un-uuid".into(), json!({"active": false})).await.unwrap(), StatusCode::NOT_FOUND, "Utilisateur introuvable").await;
    // The refused updates changed nothing.
    let c = app.other_client();
    assert_eq!(app.login_with(&c, "elodie", "motdepasse-elodie").await.status(), StatusCode::OK);
}

async fn admins_cannot_lock_themselves_out(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let me: Value = app.client.get(app.url("/v1/auth/me")).send().await.unwrap().json().await.unwrap();
    let id = me["id"].as_str().unwrap();
    let r = app.client.put(app.url(&format!("/v1/admin/users/{id}"))).json(&json!({"active": false})).send().await.unwrap();
    assert_detail(r, StatusCode::UNPROCESSABLE_ENTITY, "propre compte").await;
    let r = app.client.put(app.url(&format!("/v1/admin/users/{id}"))).json(&json!({"permissions": ["reception.access"]})).send().await.unwrap();
    assert_detail(r, StatusCode::UNPROCESSABLE_ENTITY, "propre permission d'administration").await;
    assert_eq!(app.client.get(app.url("/v1/admin/users")).send().await.unwrap().status(), StatusCode::OK);
}
