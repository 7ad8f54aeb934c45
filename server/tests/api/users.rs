use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    admin_routes_refuse_anonymous_and_non_admins,
    admin_creates_lists_and_updates_users,
    user_validation_errors,
    admins_cannot_lock_themselves_out,
    changing_ones_own_password_closes_ones_other_sessions,
    display_names_refuse_bidirectional_controls,
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

async fn changing_ones_own_password_closes_ones_other_sessions(db: Db) {
    let app = spawn_app(db).await;
    let (here, elsewhere, server_fn, user) = (app.other_client(), app.other_client(), app.other_client(), app.other_client());
    for c in [&here, &elsewhere, &server_fn] {
        assert_eq!(app.login_with(c, ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::OK);
    }
    let me = app.get_json(&here, "/v1/auth/me").await;
    let admin_id = me["id"].as_str().unwrap().to_string();
    // Another user's password changed by the admin: all of that user's sessions close.
    let marie = app.create_user_with(&here, "marie", "motdepasse-marie").await;
    assert_eq!(app.login_with(&user, "marie", "motdepasse-marie").await.status(), StatusCode::OK);
    let r = here.put(app.url(&format!("/v1/admin/users/{}", marie["id"].as_str().unwrap()))).json(&json!({"password": "nouveau-marie"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(user.get(app.url("/v1/auth/me")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);

    // One's own password: the session it was changed from stays, the others close.
    let r = here.put(app.url(&format!("/v1/admin/users/{admin_id}"))).json(&json!({"password": "un-nouveau-mot-de-passe"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(here.get(app.url("/v1/auth/me")).send().await.unwrap().status(), StatusCode::OK);
    for c in [&elsewhere, &server_fn] {
        assert_detail(c.get(app.url("/v1/auth/me")).send().await.unwrap(), StatusCode::UNAUTHORIZED, "Authentification requise.").await;
    }
    // The same through the server function of the users page.
    assert_eq!(app.login_with(&elsewhere, ADMIN, "un-nouveau-mot-de-passe").await.status(), StatusCode::OK);
    assert_eq!(app.login_with(&server_fn, ADMIN, "un-nouveau-mot-de-passe").await.status(), StatusCode::OK);
    let r = server_fn
        .post(app.url("/api/update_user"))
        .json(&json!({"id": admin_id, "req": {"password": "encore-un-autre-mot"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert_eq!(server_fn.get(app.url("/v1/auth/me")).send().await.unwrap().status(), StatusCode::OK);
    for c in [&here, &elsewhere] {
        assert_eq!(c.get(app.url("/v1/auth/me")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
}

async fn display_names_refuse_bidirectional_controls(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    const REFUSED: &str = "Le nom affiché ne peut pas contenir de caractères de contrôle de direction du texte.";
    for c in ['\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}'] {
        let name = format!("Marie{c}eiram");
        let r = app.post_json(&app.client, "/v1/admin/users", json!({"username": "marie", "display_name": name, "password": "motdepasse-marie"})).await;
        assert_detail(r, StatusCode::UNPROCESSABLE_ENTITY, REFUSED).await;
    }
    let user = app.create_user("marie", "motdepasse-marie", &["reception.access"]).await;
    let r = app.client.put(app.url(&format!("/v1/admin/users/{}", user["id"].as_str().unwrap()))).json(&json!({"display_name": "\u{2067}Marie"})).send().await.unwrap();
    assert_detail(r, StatusCode::UNPROCESSABLE_ENTITY, REFUSED).await;
    let r = app
        .client
        .post(app.url("/api/create_user"))
        .json(&json!({"req": {"username": "paul", "display_name": "Paul\u{202E}", "password": "motdepasse-paul"}}))
        .send()
        .await
        .unwrap();
    assert_detail(r, StatusCode::UNPROCESSABLE_ENTITY, REFUSED).await;
    // Letters of right-to-left scripts are names like any other.
    let r = app.post_json(&app.client, "/v1/admin/users", json!({"username": "samir", "display_name": "سمير", "password": "motdepasse-samir"})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

impl TestApp {
    async fn create_user_with(&self, client: &reqwest::Client, username: &str, password: &str) -> Value {
        let r = client.post(self.url("/v1/admin/users")).json(&json!({"username": username, "password": password, "permissions": ["reception.access"]})).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        r.json().await.unwrap()
    }
}
