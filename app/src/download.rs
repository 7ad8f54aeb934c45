//! File downloads from buttons: the file is fetched with the session, then saved the
//! browser way (a temporary link), so the page can show a pending state and a clear
//! French error instead of navigating to a JSON error page.

/// GETs `url` and saves the file under the name the server gives. Returns the name.
pub async fn download(url: &str) -> Result<String, String> {
    fetch_file(url, None).await
}

/// POSTs `json` to `url` and saves the file it answers with.
pub async fn download_post(url: &str, json: String) -> Result<String, String> {
    fetch_file(url, Some(json)).await
}

#[cfg(feature = "hydrate")]
async fn fetch_file(url: &str, json: Option<String>) -> Result<String, String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{Blob, HtmlAnchorElement, RequestCredentials, RequestInit, Response, Url};

    let offline = || "Le serveur ne répond pas. Vérifiez la connexion.".to_string();
    let window = web_sys::window().ok_or_else(offline)?;
    let init = RequestInit::new();
    init.set_credentials(RequestCredentials::SameOrigin);
    match json {
        None => init.set_method("GET"),
        Some(body) => {
            init.set_method("POST");
            let headers = web_sys::Headers::new().map_err(|_| offline())?;
            headers.set("content-type", "application/json").map_err(|_| offline())?;
            init.set_headers(&headers);
            init.set_body(&wasm_bindgen::JsValue::from_str(&body));
        }
    }
    let resp: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|_| offline())?
        .dyn_into()
        .map_err(|_| offline())?;
    if !resp.ok() {
        let status = resp.status();
        let text = match resp.text() {
            Ok(p) => JsFuture::from(p).await.ok().and_then(|v| v.as_string()).unwrap_or_default(),
            Err(_) => String::new(),
        };
        let detail = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("detail").and_then(|d| d.as_str()).map(str::to_string));
        return Err(detail.unwrap_or_else(|| format!("L'export a échoué (erreur {status}).")));
    }
    let filename = resp
        .headers()
        .get("content-disposition")
        .ok()
        .flatten()
        .and_then(|h| h.split("filename=\"").nth(1).map(|r| r.trim_end_matches('"').to_string()))
        .unwrap_or_else(|| "export".into());
    let blob: Blob = JsFuture::from(resp.blob().map_err(|_| offline())?)
        .await
        .map_err(|_| "Le téléchargement a été interrompu.".to_string())?
        .dyn_into()
        .map_err(|_| offline())?;
    let object_url = Url::create_object_url_with_blob(&blob).map_err(|_| offline())?;
    let document = window.document().ok_or_else(offline)?;
    let a: HtmlAnchorElement = document.create_element("a").map_err(|_| offline())?.dyn_into().map_err(|_| offline())?;
    a.set_href(&object_url);
    a.set_download(&filename);
    if let Some(body) = document.body() {
        let _ = body.append_child(&a);
        a.click();
        a.remove();
    }
    // Revoked later: revoking at once can cancel the save in some browsers.
    gloo_timers::callback::Timeout::new(60_000, move || {
        let _ = Url::revoke_object_url(&object_url);
    })
    .forget();
    Ok(filename)
}

#[cfg(not(feature = "hydrate"))]
async fn fetch_file(_url: &str, _json: Option<String>) -> Result<String, String> {
    Err("Téléchargement disponible seulement dans le navigateur.".into())
}

