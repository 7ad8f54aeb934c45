use mail_parser::{MessageParser, MimeHeaders};
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::mail::{MailAttachment, OutgoingMail};

use crate::both_backends;
use crate::helpers::*;
use crate::smtp::SmtpServer;

both_backends!(mail_reaches_a_real_smtp_server_with_its_attachment, outbox_stores_lists_and_serves_messages);

/// A CSV as our exports write it: BOM, accents, `;`, decimal comma and CRLF, which a
/// naive text encoder would normalise.
fn csv_attachment() -> Vec<u8> {
    "\u{feff}Catégorie;Poids (kg)\r\nÉlectroménager;12,500\r\n=SOMME(A1);0,001\r\n".as_bytes().to_vec()
}

/// A binary file (like an XLSX or a ZIP): every byte value, NUL and CR/LF included.
fn binary_attachment() -> Vec<u8> {
    (0..=255u8).chain((0..=255u8).rev()).collect()
}

async fn mail_reaches_a_real_smtp_server_with_its_attachment(db: Db) {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(db, Options { smtp_url: Some(smtp.url()) }).await;
    let (csv, xlsx) = (csv_attachment(), binary_attachment());
    const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    app.state
        .mailer
        .send(OutgoingMail {
            to: vec!["compta@ressourcerie.test".into(), "direction@ressourcerie.test".into()],
            subject: "Rapport réception — mars".into(),
            text: "Bonjour,\nVoici le rapport.\n".into(),
            attachments: vec![
                MailAttachment { filename: "reception-lignes-2026-03-01_2026-03-31.csv".into(), content_type: "text/csv; charset=utf-8".into(), bytes: csv.clone() },
                MailAttachment { filename: "reception-2026-T1.xlsx".into(), content_type: XLSX_TYPE.into(), bytes: xlsx.clone() },
            ],
        })
        .await
        .expect("send through SMTP");

    let raw = smtp.wait_for_messages(1).await.remove(0);
    let m = MessageParser::default().parse(&raw).expect("parse received message");
    assert_eq!(m.subject(), Some("Rapport réception — mars"));
    let to: Vec<_> = m.to().unwrap().iter().filter_map(|a| a.address()).collect();
    assert_eq!(to, ["compta@ressourcerie.test", "direction@ressourcerie.test"]);
    assert_eq!(m.from().unwrap().first().unwrap().address(), Some("noreply@recyclique.test"));
    assert!(m.body_text(0).unwrap().contains("Voici le rapport."));
    let atts: Vec<_> = m.attachments().collect();
    assert_eq!(atts.len(), 2);
    assert_eq!(atts[0].attachment_name(), Some("reception-lignes-2026-03-01_2026-03-31.csv"));
    let ct = atts[0].content_type().unwrap();
    assert_eq!((ct.ctype(), ct.subtype()), ("text", Some("csv")));
    assert_eq!(atts[0].contents(), csv.as_slice(), "CSV must arrive byte for byte");
    assert_eq!(atts[1].attachment_name(), Some("reception-2026-T1.xlsx"));
    let ct = atts[1].content_type().unwrap();
    assert_eq!(format!("{}/{}", ct.ctype(), ct.subtype().unwrap()), XLSX_TYPE);
    assert_eq!(atts[1].contents(), xlsx.as_slice(), "binary attachment must arrive byte for byte");

    // The admin's test send goes through the same transport.
    app.login_admin().await;
    let r = app.client.post(app.url("/v1/admin/mail/test")).json(&json!({"to": "admin@ressourcerie.test"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let all = smtp.wait_for_messages(2).await;
    let subjects: Vec<String> = all.iter().map(|raw| MessageParser::default().parse(raw).unwrap().subject().unwrap().to_string()).collect();
    assert!(subjects.contains(&"RecyClique : e-mail de test".to_string()), "{subjects:?}");
    let r = app.client.post(app.url("/v1/admin/mail/test")).json(&json!({"to": "pas une adresse"})).send().await.unwrap();
    assert_detail(r, StatusCode::UNPROCESSABLE_ENTITY, "Adresse e-mail invalide").await;
}

async fn outbox_stores_lists_and_serves_messages(db: Db) {
    let app = spawn_app(db).await;
    let bytes = binary_attachment();
    app.state
        .mailer
        .send(OutgoingMail {
            to: vec!["benevoles@ressourcerie.test".into()],
            subject: "Export du jour".into(),
            text: "Ci-joint.".into(),
            attachments: vec![MailAttachment { filename: "export.zip".into(), content_type: "application/zip".into(), bytes: bytes.clone() }],
        })
        .await
        .unwrap();
    app.login_admin().await;
    let r = app.client.post(app.url("/v1/admin/mail/test")).json(&json!({"to": "admin@ressourcerie.test"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let list: Value = app.client.get(app.url("/v1/admin/outbox")).send().await.unwrap().json().await.unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let export = list.iter().find(|e| e["subject"] == "Export du jour").expect("export listed");
    assert_eq!(export["recipients"], json!(["benevoles@ressourcerie.test"]));
    assert_eq!(export["attachments"], json!(["export.zip"]));
    let test = list.iter().find(|e| e["subject"] == "RecyClique : e-mail de test").expect("test mail listed");
    assert_eq!(test["attachments"], json!(["test-recyclique.txt"]));

    let id = export["id"].as_str().unwrap();
    let r = app.client.get(app.url(&format!("/v1/admin/outbox/{id}"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "message/rfc822");
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains(&format!("message-{id}.eml")));
    let raw = r.bytes().await.unwrap();
    let m = MessageParser::default().parse(&raw[..]).unwrap();
    assert_eq!(m.attachments().next().unwrap().contents(), bytes.as_slice());

    let text = app.client.get(app.url(&format!("/v1/admin/outbox/{id}?disposition=inline"))).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("Objet : Export du jour") && text.contains("Pièces jointes : export.zip") && text.contains("Ci-joint."), "{text}");

    assert_detail(app.client.get(app.url("/v1/admin/outbox/..%2F..%2Fetc%2Fpasswd")).send().await.unwrap(), StatusCode::NOT_FOUND, "Message introuvable").await;
    let anon = app.other_client();
    assert_eq!(anon.get(app.url(&format!("/v1/admin/outbox/{id}"))).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
}
