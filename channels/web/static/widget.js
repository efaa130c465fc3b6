/* salesagent chat widget. Embed on any page:
 *   <script src="https://chat.example.com/widget.js" data-title="Lumen Analytics" async></script>
 * Optional data- attributes: data-lang (en|zh; default from the browser), data-color, data-visitor-id with
 * data-visitor-hash (hex HMAC-SHA256 of the id under the identity secret, computed by the site's backend;
 * without it the visitor is anonymous),
 * data-mode="inline" with data-target="#element" to fill an element instead of floating.
 * The API calls go to the script's own origin; that server lists this site in widget_allowed_origins. */
(() => {
  const script = document.currentScript || document.querySelector("script[src$='/widget.js']");
  if (!script || window.__salesagentWidget) return;
  window.__salesagentWidget = true;
  const d = script.dataset, base = new URL(script.src, location.href).origin;
  const lang = d.lang === "zh" || d.lang === "en" ? d.lang : ((navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en");
  const T = {
    en: {open: "Chat with us", close: "Close", placeholder: "Ask about editions, pricing, security…", send: "Send",
         agree: "Agree", decline: "Decline", declined: "Without your consent we can't answer here. You can change your mind any time.",
         changed: "I agree now", handoff: "A colleague is taking over this conversation and will reply here.",
         held: "A colleague is checking this answer.", sources: "Sources", lost: "Connection lost. Please try again.",
         error: "Something went wrong.", greeting: "Hi! Ask me anything about our product."},
    zh: {open: "在线咨询", close: "关闭", placeholder: "请输入您的问题，例如版本、价格、安全…", send: "发送",
         agree: "同意", decline: "不同意", declined: "未经您的同意，我们无法在此回答。您可以随时改变主意。",
         changed: "我现在同意", handoff: "我们的同事正在接手此对话，稍后会在这里回复您。",
         held: "同事正在核实这个回答。", sources: "来源", lost: "连接中断，请重试。", error: "出错了。",
         greeting: "您好！关于我们的产品，有什么可以帮您？"},
  }[lang];
  const key = "salesagent.widget:" + base;
  const store = {
    get: (k) => { try { return localStorage.getItem(key + ":" + k); } catch (e) { return null; } },
    set: (k, v) => { try { localStorage.setItem(key + ":" + k, v); } catch (e) { /* private mode: session only */ } },
  };
  let cid = store.get("conversation");
  if (!cid) { cid = "web-" + (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2)); store.set("conversation", cid); }
  const color = /^#[0-9a-f]{3,8}$/i.test(d.color || "") ? d.color : "#2f5bea";
  const inline = d.mode === "inline" && d.target && document.querySelector(d.target);

  const host = document.createElement("div");
  host.id = "salesagent-widget";
  const root = host.attachShadow({mode: "open"});
  root.innerHTML = `<style>
    :host { all: initial; }
    * { box-sizing: border-box; font: 15px/1.5 system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", sans-serif; }
    .launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; border: 0; border-radius: 28px;
      padding: 14px 20px; background: ${color}; color: #fff; font-weight: 600; box-shadow: 0 4px 16px rgba(0,0,0,.2); cursor: pointer; }
    .panel { position: fixed; right: 20px; bottom: 84px; z-index: 2147483001; width: 380px; height: min(600px, calc(100vh - 110px));
      display: flex; flex-direction: column; background: #f6f7fb; border-radius: 14px; overflow: hidden; box-shadow: 0 8px 30px rgba(0,0,0,.25); }
    .panel[hidden] { display: none; }
    .inline .panel { position: static; width: 100%; height: 100%; border-radius: 0; box-shadow: none; }
    header { display: flex; justify-content: space-between; align-items: center; padding: 12px 14px; background: ${color}; color: #fff; font-weight: 600; }
    header button { background: transparent; border: 0; color: #fff; font-size: 20px; cursor: pointer; }
    .log { flex: 1; overflow-y: auto; padding: 12px; }
    .msg { max-width: 85%; margin: 6px 0; padding: 8px 11px; border-radius: 12px; white-space: pre-wrap; word-wrap: break-word; }
    .customer { margin-left: auto; background: ${color}; color: #fff; }
    .assistant { background: #fff; border: 1px solid #dde; }
    .held { font-style: italic; color: #555; }
    .sources { margin: 6px 0 0; padding-left: 18px; font-size: 12px; color: #555; }
    .banner { padding: 8px 12px; background: #fff6e0; color: #7a5200; font-size: 13px; border-top: 1px solid #f0d9a0; }
    .banner[hidden], .consent[hidden] { display: none; }
    .consent { padding: 12px; background: #fff; border-top: 1px solid #dde; font-size: 13px; }
    .consent .actions { display: flex; gap: 8px; margin-top: 8px; }
    .consent button, form button { border: 0; border-radius: 8px; padding: 8px 14px; background: ${color}; color: #fff; cursor: pointer; }
    .consent button.secondary { background: #e4e6ef; color: #222; }
    form { display: flex; gap: 8px; padding: 10px; background: #fff; border-top: 1px solid #dde; }
    textarea { flex: 1; resize: none; padding: 8px; border: 1px solid #ccd; border-radius: 8px; }
    button:disabled, textarea:disabled { opacity: .5; }
    @media (max-width: 480px) {
      .panel { right: 0; bottom: 0; width: 100vw; height: 100vh; height: 100dvh; border-radius: 0; }
      .launcher { right: 12px; bottom: 12px; }
    }
  </style>
  <div class="${inline ? "inline" : ""}">
    <button class="launcher" part="launcher" ${inline ? "hidden" : ""}></button>
    <div class="panel" role="dialog" ${inline ? "" : "hidden"}>
      <header><span class="title"></span><button class="close" ${inline ? "hidden" : ""}>×</button></header>
      <div class="log" aria-live="polite"></div>
      <div class="banner" hidden></div>
      <div class="consent" hidden><div class="notice"></div>
        <div class="actions"><button class="agree"></button><button class="decline secondary"></button></div></div>
      <form><textarea rows="2"></textarea><button type="submit"></button></form>
    </div>
  </div>`;
  const $ = (s) => root.querySelector(s);
  const launcher = $(".launcher"), panel = $(".panel"), log = $(".log"), banner = $(".banner"),
        consentBox = $(".consent"), form = $("form"), input = $("textarea"), go = $("form button");
  launcher.textContent = T.open; $(".close").setAttribute("aria-label", T.close);
  $(".title").textContent = d.title || document.title || ""; input.placeholder = T.placeholder; go.textContent = T.send;
  $(".agree").textContent = T.agree; $(".decline").textContent = T.decline;
  (inline || document.body).appendChild(host);

  // the conversation's key: the server's first answer gives it, every later request sends it back
  let convKey = store.get("key:" + cid);
  const api = async (path, init) => {
    init = init || {};
    if (convKey) init.headers = Object.assign({}, init.headers || {}, {"X-Conversation-Key": convKey});
    const r = await fetch(base + path, init);
    const given = r.headers.get("X-Conversation-Key");
    if (given && given !== convKey) { convKey = given; store.set("key:" + cid, given); }
    return r;
  };
  function bubble(role, text, extra) {
    const div = document.createElement("div");
    div.className = "msg " + role + (extra ? " " + extra : "");
    div.textContent = text; log.appendChild(div); log.scrollTop = log.scrollHeight; return div;
  }
  function showSources(div, citations) {
    if (!citations || !citations.length) return;
    const ol = document.createElement("ol"); ol.className = "sources"; ol.setAttribute("aria-label", T.sources);
    for (const c of citations) {
      const li = document.createElement("li"); const q = document.createElement("q"); q.textContent = c.quote;
      li.append(c.source + (c.heading ? " — " + c.heading : "") + ": ", q); ol.appendChild(li);
    }
    div.appendChild(ol);
  }
  function handoff(status) {
    if (status === "handoff") { banner.textContent = T.handoff; banner.hidden = false; }
    else if (status === "pending_review") { banner.textContent = T.held; banner.hidden = false; }
  }
  function enable(on) { input.disabled = !on; go.disabled = !on; }

  let notice = null;
  async function askConsent() {
    const decided = store.get("consent");
    if (decided === "granted") { consentBox.hidden = true; enable(true); return; }
    enable(false);
    if (!notice) {
      const r = await api("/v1/widget/notice?lang=" + lang);
      notice = r.ok ? await r.json() : null;
    }
    consentBox.hidden = false;
    $(".notice").textContent = decided === "declined" ? T.declined : (notice ? notice.text : "");
    $(".agree").textContent = decided === "declined" ? T.changed : T.agree;
    $(".decline").hidden = decided === "declined";
  }
  async function decide(decision) {
    if (!notice) return;
    const r = await api("/v1/widget/consent", {method: "POST", headers: {"content-type": "application/json"},
      body: JSON.stringify({conversation_id: cid, decision, language: lang, notice_version: notice.version,
                            visitor_id: d.visitorId || null, visitor_hash: d.visitorHash || null})});
    if (!r.ok) { $(".notice").textContent = T.error; return; }
    store.set("consent", decision);
    await askConsent();
    if (decision === "granted") input.focus();
  }
  $(".agree").addEventListener("click", () => decide("granted"));
  $(".decline").addEventListener("click", () => decide("declined"));

  let loaded = false;
  async function history() {
    loaded = true;
    if (!convKey) { bubble("assistant", T.greeting); return; }  // not started yet: nothing to fetch
    const r = await api(`/v1/conversations/${encodeURIComponent(cid)}/messages`);
    if (!r.ok) { bubble("assistant", T.greeting); return; }
    const data = await r.json();
    for (const m of data.messages) {
      const div = bubble(m.role === "customer" ? "customer" : "assistant", m.text, m.status === "pending_review" ? "held" : "");
      showSources(div, m.citations);
    }
    handoff(data.status);
  }
  async function open() {
    panel.hidden = false; launcher.hidden = true; store.set("open", "1");
    if (!loaded) await history();
    await askConsent();
  }
  launcher.addEventListener("click", open);
  $(".close").addEventListener("click", () => { panel.hidden = true; launcher.hidden = false; store.set("open", ""); });

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = input.value.trim(); if (!text || store.get("consent") !== "granted") return;
    input.value = ""; enable(false);
    bubble("customer", text);
    const out = bubble("assistant", "…");
    let streamed = "";
    try {
      const r = await api(`/v1/conversations/${encodeURIComponent(cid)}/stream`, {method: "POST",
        headers: {"content-type": "application/json"},
        body: JSON.stringify({text, visitor_id: d.visitorId || null, visitor_hash: d.visitorHash || null,
                              client_message_id: crypto.randomUUID ? crypto.randomUUID() : String(Date.now())})});
      if (!r.ok) {  // e.g. 413 over the length limit: say why, and give the text back to fix and resend
        out.textContent = ((await r.json().catch(() => ({}))).error || {}).message || T.error;
        input.value = text; return;
      }
      const reader = r.body.getReader(), dec = new TextDecoder(); let buf = "";
      for (;;) {
        const {value, done} = await reader.read(); if (done) break;
        buf += dec.decode(value, {stream: true});
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i); buf = buf.slice(i + 2);
          const line = block.split("\n").find((l) => l.startsWith("data: "));
          if (!line) continue;
          const ev = JSON.parse(line.slice(6));
          if (ev.type === "delta") { streamed += ev.text; out.textContent = streamed; out.classList.add("streaming"); }
          if (ev.type === "reply") {
            out.textContent = ev.text; out.classList.remove("streaming"); out.classList.add("done");
            if (ev.status !== "sent") out.classList.add("held");
            showSources(out, ev.citations); handoff(ev.status);
          }
          if (ev.type === "error") out.textContent = T.error;
          log.scrollTop = log.scrollHeight;
        }
      }
    } catch (err) { out.textContent = T.lost; }
    finally { enable(true); input.focus(); }
  });
  input.addEventListener("keydown", (e) => { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); } });
  if (inline || store.get("open") === "1") open();
})();
