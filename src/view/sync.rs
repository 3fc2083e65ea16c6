//! Settings → Sync: the CouchDB server, database and sign-in, the status
//! line, and the button that stops syncing and keeps working locally.

use leptos::prelude::*;

use crate::state::AppState;
use crate::sync::Phase;

/// Where the sync form starts when nothing was saved: a CouchDB served
/// under this page's own site by a reverse proxy (docs/sync.md).
const DEFAULT_URL: &str = "/couchdb/";

#[component]
pub fn SyncPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let saved = state.ws.with_value(|w| w.sync_settings());
    let url = RwSignal::new(if saved.url.is_empty() {
        DEFAULT_URL.to_string()
    } else {
        saved.url.clone()
    });
    let db = RwSignal::new(saved.db.clone());
    let user = RwSignal::new(saved.user.clone());
    let password = RwSignal::new(String::new());
    let phase = move || state.sync.with(|s| s.phase);
    let start = move || {
        let mut settings = state.ws.with_value(|w| w.sync_settings());
        settings.url = url.get_untracked().trim().to_string();
        settings.db = db.get_untracked().trim().to_string();
        settings.user = user.get_untracked().trim().to_string();
        // The password goes to the server once and is not kept, here or in storage.
        let pw = password.get_untracked();
        password.set(String::new());
        crate::sync::start(state, settings, pw);
    };
    let last = move || {
        state.sync.with(|s| {
            s.last_ms.map(|ms| {
                let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
                String::from(d.to_locale_time_string("zh-CN"))
            })
        })
    };
    view! {
        <details class="sync" data-sync-panel="" open=saved.on>
            <summary>
                "同步 · Sync "
                <span class="sync-status" data-sync-status=move || phase().as_str() role="status">
                    {move || phase().label()}
                </span>
            </summary>
            <p class="hint">"与团队的 CouchDB 数据库同步：每位编码员只写自己的标注集。不填写即只在本机保存。 · \
                Sync with your team's CouchDB database: each coder writes only their own sets. Leave it off to keep everything in this browser."</p>
            <label>"服务器 · Server "
                <input type="text" data-sync-url="" autocomplete="url" spellcheck="false"
                    prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev))/>
            </label>
            <label>"数据库 · Database "
                <input type="text" data-sync-db="" placeholder="study" spellcheck="false"
                    prop:value=move || db.get() on:input=move |ev| db.set(event_target_value(&ev))/>
            </label>
            <label>"用户名 · User "
                <input type="text" data-sync-user="" autocomplete="username" spellcheck="false"
                    prop:value=move || user.get() on:input=move |ev| user.set(event_target_value(&ev))/>
            </label>
            <label>"密码 · Password "
                <input type="password" data-sync-password="" autocomplete="current-password"
                    prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| { if ev.key() == "Enter" { start() } }/>
            </label>
            <div class="row">
                <button type="button" data-sync-start="" on:click=move |_| start()>
                    "登录并同步 · Sign in and sync"
                </button>
                <button type="button" data-sync-stop="" disabled=move || phase() == Phase::Off
                    on:click=move |_| crate::sync::stop(state)>
                    "停止同步，仅在本机工作 · Stop syncing, work locally"
                </button>
            </div>
            <p class="sync-line" data-sync-line="">
                {move || state.sync.with(|s| s.user.clone().map(|u| {
                    let role = if s.adjudicator { "（裁定人 · adjudicator）" } else { "" };
                    format!("用户 · user {u}{role} · ")
                }))}
                {move || last().map(|t| format!("上次同步 · last sync {t} · "))}
                {move || format!("待上传 · pending {}", state.sync.with(|s| s.pending))}
            </p>
            {move || state.sync.with(|s| s.user.is_some() && !s.adjudicator).then(|| view! {
                <p class="hint" data-sync-codebook-hint="">"你新增的主题随你的标注带给他人，仅作临时主题；共享编码表由裁定人维护 · \
                    Themes you add reach others with your tags, as provisional ones; the shared codebook is kept by adjudicators."</p>
            })}
            {move || state.sync.with(|s| s.message.clone()).map(|m| view! {
                <p class="sync-message" data-sync-message="" role="alert">{m}</p>
            })}
        </details>
    }
}
