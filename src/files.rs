//! Downloads: a string saved as a file through a Blob URL, no server.

use annotator_core::encoding::{Legacy, LegacyDecoder};
use wasm_bindgen::JsCast;

/// Offers `content` as a download named `filename`.
pub fn download(filename: &str, mime: &str, content: &str) -> Result<(), String> {
    download_bytes(filename, mime, content.as_bytes())
}

/// Offers bytes as a download named `filename`.
pub fn download_bytes(filename: &str, mime: &str, content: &[u8]) -> Result<(), String> {
    let err = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(content));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).map_err(err)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(err)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(err)?.unchecked_into();
    a.set_href(&url);
    a.set_download(filename);
    // A detached anchor is enough: no page styles or layout involved.
    a.click();
    // Revoke later: revoking at once can cancel the download in some browsers.
    leptos::prelude::set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(60),
    );
    Ok(())
}

/// Reads a picked or dropped file's bytes, refusing files over `limit` bytes
/// before reading them.
pub async fn read_bytes(file: &web_sys::File, limit: usize) -> Result<Vec<u8>, String> {
    let size = file.size() as usize;
    if size > limit {
        return Err(format!(
            "文件过大（{:.1} MB，上限 {:.0} MB） · File too large ({:.1} MB; the limit is {:.0} MB)",
            size as f64 / 1e6,
            limit as f64 / 1e6,
            size as f64 / 1e6,
            limit as f64 / 1e6
        ));
    }
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("{e:?}"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// The browser's `TextDecoder` as the core's [`LegacyDecoder`]: GB18030
/// and Big5 decoded with the browser's own tables (the WHATWG ones, as
/// the core's native `Tables`), so the page's wasm carries none.
pub struct BrowserDecoder;

impl BrowserDecoder {
    fn decoder(encoding: Legacy, fatal: bool) -> Option<web_sys::TextDecoder> {
        let options = web_sys::TextDecoderOptions::new();
        options.set_fatal(fatal);
        web_sys::TextDecoder::new_with_label_and_options(encoding.label(), &options).ok()
    }
}

impl LegacyDecoder for BrowserDecoder {
    fn strict(&self, encoding: Legacy, bytes: &[u8]) -> Option<String> {
        // A fatal decoder throws on the first invalid sequence.
        Self::decoder(encoding, true)?.decode_with_u8_array(bytes).ok()
    }

    fn lossy(&self, encoding: Legacy, bytes: &[u8]) -> String {
        Self::decoder(encoding, false)
            .and_then(|d| d.decode_with_u8_array(bytes).ok())
            .unwrap_or_else(|| char::REPLACEMENT_CHARACTER.to_string())
    }
}
